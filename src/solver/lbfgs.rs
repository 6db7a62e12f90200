//! L-BFGS (argmin) with a More-Thuente line search, optionally in coordinates whitened by a
//! Hessian measured before the run.

use argmin::core::observers::ObserverMode;
use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use nalgebra::{DMatrix, DVector};

use super::trace::Recorder;
use super::{Ended, FitOptions, LBFGS_MEMORY, NOISE_MARGIN, Run, solver_error};
use crate::error::Result;
use crate::model::{LogDensity, Score};
use crate::objective::{Objective, Problem};

const NAME: &str = "L-BFGS";

/// `z = R w`: the map from whitened coordinates `w` to the scaled coordinates `z`, with
/// `R = L⁻ᵀ` for the Cholesky factor `L` of the Hessian in `z`, so that the Hessian in `w` is
/// the identity. L-BFGS's first step is then Newton's, and its gradient test on `|∇_w|` is the
/// Newton decrement the verdict judges by, however correlated the parameters.
pub(crate) struct Whitening {
    r: DMatrix<f64>,
}

impl Whitening {
    /// From the Hessian of the mean NLL in the unconstrained coordinates and the scales of the
    /// coordinates in use (`u = u0 + s z`); `None` unless it is positive definite.
    pub(crate) fn new(hessian_u: &DMatrix<f64>, scales: &[f64]) -> Option<Self> {
        let p = scales.len();
        if hessian_u.nrows() != p {
            return None;
        }
        let h_z = DMatrix::from_fn(p, p, |i, j| hessian_u[(i, j)] * scales[i] * scales[j]);
        let l = h_z.cholesky()?.l();
        let r = l.try_inverse()?.transpose();
        r.iter().all(|v| v.is_finite()).then_some(Whitening { r })
    }

    /// `z = R w`.
    fn z(&self, w: &[f64]) -> Vec<f64> {
        (&self.r * DVector::from_column_slice(w))
            .iter()
            .copied()
            .collect()
    }

    /// `∇_w = Rᵀ ∇_z`.
    fn gradient(&self, g_z: &[f64]) -> Vec<f64> {
        (self.r.transpose() * DVector::from_column_slice(g_z))
            .iter()
            .copied()
            .collect()
    }
}

/// What argmin sees in whitened coordinates.
struct Whitened<'w, 'o, 'a, O, F, S> {
    objective: &'o Objective<'a, O, F, S>,
    whitening: &'w Whitening,
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> CostFunction
    for Whitened<'_, '_, '_, O, F, S>
{
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, w: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        Problem(self.objective).cost(&self.whitening.z(w))
    }
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Gradient
    for Whitened<'_, '_, '_, O, F, S>
{
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, w: &Self::Param) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Problem(self.objective)
            .gradient(&self.whitening.z(w))
            .map(|g| self.whitening.gradient(&g))
    }
}

/// Runs L-BFGS from `z = 0`, where the mean NLL is `f0`; `step_cap` bounds the line search's
/// step (1 is the full quasi-Newton step); `whitening`, when given, is the coordinate change
/// the run works in.
///
/// argmin's own tests are set so that they cannot stop the run early on a summed NLL: the
/// gradient tolerance is the requested one, and the cost test only fires when the cost no longer
/// changes in floating point. The driver then judges the end point by its gradient.
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    options: &FitOptions,
    step_cap: Option<f64>,
    whitening: Option<&Whitening>,
) -> Result<Run> {
    let start_gradient = objective.take_start_gradient();
    match whitening {
        None => execute(
            Problem(objective),
            objective,
            f0,
            options,
            step_cap,
            start_gradient,
        ),
        Some(whitening) => {
            let problem = Whitened {
                objective,
                whitening,
            };
            let start = start_gradient.map(|g| whitening.gradient(&g));
            let run = execute(problem, objective, f0, options, step_cap, start)?;
            // Back to z; the gradient there (in w) is dropped: the verdict finds the one in z
            // in the objective's cache.
            Ok(Run {
                z: whitening.z(&run.z),
                path: run.path.iter().map(|w| whitening.z(w)).collect(),
                gradient: None,
                ..run
            })
        }
    }
}

/// Runs argmin's L-BFGS on `problem` (in `z` or in whitened coordinates) from the origin.
fn execute<P, O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    problem: P,
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    options: &FitOptions,
    step_cap: Option<f64>,
    start_gradient: Option<Vec<f64>>,
) -> Result<Run>
where
    P: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
{
    let dim = objective.coords.dim();
    let n = objective.n() as f64;
    // Closer to the optimum than the resolution of the NLL's values (in standard errors) a
    // line search compares noise: the run stops there, and the driver takes it from there.
    let resolution = (2.0 * n * NOISE_MARGIN * f64::EPSILON * f0.abs().max(1.0)).sqrt();
    let tol_grad = options.tolerance.max(resolution) * options.gradient_factor / n.sqrt();
    let tol_cost = 0.5 * f64::EPSILON * f0.abs().max(1.0);
    let mut line_search = MoreThuenteLineSearch::new();
    if let Some(cap) = step_cap {
        line_search = line_search
            .with_bounds(f64::EPSILON.sqrt() * cap, cap)
            .map_err(|e| solver_error(NAME, &e))?;
    }
    let solver = LBFGS::new(line_search, LBFGS_MEMORY.min(dim.max(3)))
        .with_tolerance_grad(tol_grad)
        .and_then(|s| s.with_tolerance_cost(tol_cost))
        .map_err(|e| solver_error(NAME, &e))?;
    let origin = vec![0.0; dim];
    let recorder = Recorder::new(origin.clone(), f0);
    let result = Executor::new(problem, solver)
        .configure(|state| {
            let state = state.param(origin).max_iters(options.max_iters);
            match start_gradient {
                Some(g) => state.gradient(g),
                None => state,
            }
        })
        .add_observer(recorder.clone(), ObserverMode::Always)
        .run();
    let (z, f, iterations) = recorder.best();
    let path = recorder.path();
    let failure = objective.take_failure();
    let (ended, gradient) = match (result, failure) {
        (_, Some(failure)) => (Ended::Failure(failure), None),
        (Err(e), None) => return Err(solver_error(NAME, &e)),
        (Ok(result), None) => {
            let state = result.state();
            // Reuse the gradient argmin holds when it belongs to the point we report.
            let gradient = match (state.get_param(), state.get_gradient()) {
                (Some(p), Some(g)) if p == &z => Some(g.clone()),
                _ => None,
            };
            let ended = match state.get_termination_reason() {
                Some(TerminationReason::MaxItersReached) => Ended::MaxIterations,
                Some(TerminationReason::SolverExit(_)) => Ended::LineSearch,
                _ => Ended::SolverConverged,
            };
            (ended, gradient)
        }
    };
    Ok(Run {
        z,
        f,
        gradient,
        iterations,
        path,
        ended,
    })
}
