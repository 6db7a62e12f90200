//! Steepest descent (argmin) with a More-Thuente line search, for teaching: each step follows
//! the negative gradient, so on an elongated likelihood successive steps are nearly orthogonal
//! and the path zig-zags. It runs in the scaled coordinates (where each parameter's curvature is
//! about one, which already removes the worst of the zig-zag), never the whitened ones (which
//! would make it Newton's method in disguise), under the stopping rule argmin leaves out
//! ([`super::stopping`]).

use argmin::solver::gradientdescent::SteepestDescent;

use super::lbfgs::{line_search, run_solver, tolerances};
use super::run::{Run, RunSettings};
use super::stopping::Stopping;
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::{Objective, Problem};

const NAME: &str = "steepest descent";

/// Runs steepest descent from `z = 0`, where the mean NLL is `f0`.
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
) -> Result<Run> {
    let start_gradient = objective.take_start_gradient();
    let (tol_grad, tol_cost) = tolerances(objective, f0, settings);
    let solver = Stopping {
        inner: SteepestDescent::new(line_search(NAME, settings)?),
        tol_grad,
        tol_cost,
    };
    run_solver(
        NAME,
        Problem(objective),
        objective,
        f0,
        settings,
        solver,
        |state| match start_gradient {
            Some(g) => state.gradient(g),
            None => state,
        },
    )
}
