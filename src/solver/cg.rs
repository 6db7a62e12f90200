//! Nonlinear conjugate gradient (argmin) with Polak–Ribière+ updates and a More-Thuente line
//! search held to the strong Wolfe condition conjugate gradients need (`c2 = 0.1`), restarted
//! along the steepest descent every `p` iterations and whenever successive gradients are far from
//! orthogonal; with the stopping rule argmin leaves out ([`super::stopping`]).

use argmin::solver::conjugategradient::NonlinearConjugateGradient;
use argmin::solver::conjugategradient::beta::PolakRibierePlus;

use super::lbfgs::{line_search, run_solver, tolerances};
use super::run::{Run, RunSettings};
use super::solver_error;
use super::stopping::Stopping;
use super::whitening::{Whitened, Whitening};
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::{Objective, Problem};

const NAME: &str = "CG";
/// The line search's curvature condition: strong Wolfe with `c2 = 0.1`, as Nocedal and Wright
/// advise for conjugate gradients (More-Thuente's default 0.9 suits quasi-Newton steps).
const CURVATURE_C2: f64 = 0.1;
/// Restart when successive gradients have `|g_k · g_{k+1}| ≥ 0.1 |g_{k+1}|²` (Powell's test).
const RESTART_ORTHOGONALITY: f64 = 0.1;

/// Runs conjugate gradients from `z = 0`, where the mean NLL is `f0`, in `z` or (given
/// `whitening`) in the coordinates it whitens.
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    whitening: Option<&Whitening>,
) -> Result<Run> {
    let start_gradient = objective.take_start_gradient();
    let dim = objective.coords().dim();
    let (tol_grad, tol_cost) = tolerances(objective, f0, settings);
    let search = line_search(NAME, settings)?
        .with_c(1e-4, CURVATURE_C2)
        .map_err(|e| solver_error(NAME, &e))?;
    let solver = Stopping {
        inner: NonlinearConjugateGradient::new(search, PolakRibierePlus::new())
            .restart_iters(dim as u64)
            .restart_orthogonality(RESTART_ORTHOGONALITY),
        tol_grad,
        tol_cost,
    };
    match whitening {
        None => run_solver(
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
        ),
        Some(whitening) => {
            let problem = Whitened {
                objective,
                whitening,
            };
            let start = start_gradient.map(|g| whitening.gradient(&g));
            let run = run_solver(
                NAME,
                problem,
                objective,
                f0,
                settings,
                solver,
                |state| match start {
                    Some(g) => state.gradient(g),
                    None => state,
                },
            )?;
            Ok(Run {
                z: whitening.z(&run.z),
                path: run.path.iter().map(|w| whitening.z(w)).collect(),
                gradient: None,
                ..run
            })
        }
    }
}
