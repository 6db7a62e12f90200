//! BFGS (argmin) with a More-Thuente line search: the full inverse-Hessian update, started from
//! the identity in the scaled (or whitened) coordinates, where the curvature is about one.

use argmin::solver::quasinewton::BFGS;

use super::lbfgs::{line_search, run_solver, tolerances};
use super::run::{Run, RunSettings};
use super::solver_error;
use super::whitening::{Whitened, Whitening};
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::{Objective, Problem};

const NAME: &str = "BFGS";

/// Runs BFGS from `z = 0`, where the mean NLL is `f0`, in `z` or (given `whitening`) in the
/// coordinates it whitens; the settings are L-BFGS's (tolerances, a recovery run's step cap).
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    whitening: Option<&Whitening>,
) -> Result<Run> {
    let start_gradient = objective.take_start_gradient();
    let dim = objective.coords().dim();
    let (tol_grad, tol_cost) = tolerances(objective, f0, settings);
    let solver = BFGS::new(line_search(NAME, settings)?)
        .with_tolerance_grad(tol_grad)
        .and_then(|s| s.with_tolerance_cost(tol_cost))
        .map_err(|e| solver_error(NAME, &e))?;
    let identity: Vec<Vec<f64>> = (0..dim)
        .map(|i| (0..dim).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    match whitening {
        None => run_solver(
            NAME,
            Problem(objective),
            objective,
            f0,
            settings,
            solver,
            |state| {
                let state = state.inv_hessian(identity);
                match start_gradient {
                    Some(g) => state.gradient(g),
                    None => state,
                }
            },
        ),
        Some(whitening) => {
            let problem = Whitened {
                objective,
                whitening,
            };
            let start = start_gradient.map(|g| whitening.gradient(&g));
            let run = run_solver(NAME, problem, objective, f0, settings, solver, |state| {
                let state = state.inv_hessian(identity);
                match start {
                    Some(g) => state.gradient(g),
                    None => state,
                }
            })?;
            Ok(Run {
                z: whitening.z(&run.z),
                path: run.path.iter().map(|w| whitening.z(w)).collect(),
                gradient: None,
                ..run
            })
        }
    }
}
