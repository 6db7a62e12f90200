//! Newton's method with a line search: at each iterate the Newton direction `−H⁻¹g` from the
//! finite-difference (or exact) Hessian, made positive definite where it is not (absolute
//! eigenvalues, see [`super::hessian::Curvatures`]), then argmin's More-Thuente line search
//! along it (a full Newton step first). [`Method::Newton`](crate::Method::Newton) is the
//! trust-region counterpart.
//!
//! argmin 0.11's own line-search Newton, `NewtonCG`, is not used: its inner conjugate
//! gradients stop when the *squared* residual norm falls below `min(½, √|g|)·|g|`, which
//! for a gradient under about 0.25 (any gradient of a mean NLL near its optimum) holds after
//! the first conjugate-gradient step: the "Newton" direction is then the steepest-descent one,
//! and the path zig-zags (200 iterations without converging on a two-parameter Normal).

use argmin::core::{
    CostFunction, Error, Executor, Gradient, Hessian, KV, Problem as ArgminProblem, Solver,
};
use argmin::solver::linesearch::{LineSearch, MoreThuenteLineSearch};
use nalgebra::DVector;

use super::hessian::{Square, run_second_order};
use super::lbfgs::line_search;
use super::run::{Run, RunSettings};
use super::stopping::SquareIter;
use super::whitening::Whitening;
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::Objective;

const NAME: &str = "Newton (line search)";

/// Newton directions searched along by More-Thuente.
#[derive(Clone)]
pub(crate) struct NewtonLineSearch {
    line_search: MoreThuenteLineSearch<Vec<f64>, Vec<f64>, f64>,
}

impl<O> Solver<O, SquareIter> for NewtonLineSearch
where
    O: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>
        + Hessian<Param = Vec<f64>, Hessian = Square>,
{
    fn name(&self) -> &str {
        NAME
    }

    fn init(
        &mut self,
        problem: &mut ArgminProblem<O>,
        mut state: SquareIter,
    ) -> std::result::Result<(SquareIter, Option<KV>), Error> {
        let param = state
            .take_param()
            .ok_or_else(|| Error::msg("Newton: no start"))?;
        let cost = match state.get_cost() {
            c if c.is_finite() => c,
            _ => problem.cost(&param)?,
        };
        let gradient = match state.take_gradient() {
            Some(g) => g,
            None => problem.gradient(&param)?,
        };
        Ok((state.param(param).cost(cost).gradient(gradient), None))
    }

    fn next_iter(
        &mut self,
        problem: &mut ArgminProblem<O>,
        mut state: SquareIter,
    ) -> std::result::Result<(SquareIter, Option<KV>), Error> {
        let param = state
            .take_param()
            .ok_or_else(|| Error::msg("Newton: no iterate"))?;
        let gradient = match state.take_gradient() {
            Some(g) => g,
            None => problem.gradient(&param)?,
        };
        let hessian = problem.hessian(&param)?;
        let cholesky = hessian
            .0
            .clone()
            .cholesky()
            .ok_or_else(|| Error::msg(super::hessian::NOT_FINITE))?;
        let direction: Vec<f64> = cholesky
            .solve(&-DVector::from_column_slice(&gradient))
            .iter()
            .copied()
            .collect();
        let mut search = self.line_search.clone();
        search.search_direction(direction);
        let cost = state.get_cost();
        let inner = problem
            .take_problem()
            .ok_or_else(|| Error::msg("Newton: problem taken"))?;
        let mut result = Executor::new(inner, search)
            .configure(|s| s.param(param).gradient(gradient).cost(cost))
            .run()?;
        problem.consume_problem(result.problem);
        let next = result
            .state
            .take_param()
            .ok_or_else(|| Error::msg("Newton: the line search returned no point"))?;
        let next_cost = result.state.get_cost();
        Ok((state.param(next).cost(next_cost).hessian(hessian), None))
    }
}

/// Runs Newton's method with a line search from `z = 0`, where the mean NLL is `f0`.
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    whitening: Option<&Whitening>,
) -> Result<Run> {
    let solver = NewtonLineSearch {
        line_search: line_search(NAME, settings)?,
    };
    run_second_order(NAME, objective, f0, settings, whitening, solver, None, true)
}
