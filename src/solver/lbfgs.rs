//! L-BFGS (argmin) with a More-Thuente line search, optionally in coordinates whitened by a
//! Hessian measured before the run.

use argmin::core::observers::ObserverMode;
use argmin::core::{CostFunction, Executor, Gradient, IterState, Solver, State, TerminationReason};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

use super::run::{Ended, Run, RunSettings};
use super::solver_error;
use super::trace::Recorder;
use super::verdict::NOISE_MARGIN;
use super::whitening::{Whitened, Whitening};
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::{Objective, Problem};

const NAME: &str = "L-BFGS";
/// Pairs of corrections L-BFGS keeps.
const LBFGS_MEMORY: usize = 10;

/// Runs L-BFGS from `z = 0`, where the mean NLL is `f0`; a recovery run's `shrink` bounds the
/// line search's step (1 is the full quasi-Newton step); `whitening`, when given, is the
/// coordinate change the run works in.
///
/// argmin's own tests are set so that they cannot stop the run early on a summed NLL: the
/// gradient tolerance is the requested one, and the cost test only fires when the cost no longer
/// changes in floating point. The driver then judges the end point by its gradient.
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    whitening: Option<&Whitening>,
) -> Result<Run> {
    let start_gradient = objective.take_start_gradient();
    match whitening {
        None => execute(Problem(objective), objective, f0, settings, start_gradient),
        Some(whitening) => {
            let problem = Whitened {
                objective,
                whitening,
            };
            let start = start_gradient.map(|g| whitening.gradient(&g));
            let run = execute(problem, objective, f0, settings, start)?;
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
    settings: &RunSettings,
    start_gradient: Option<Vec<f64>>,
) -> Result<Run>
where
    P: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
{
    let dim = objective.coords().dim();
    let (tol_grad, tol_cost) = tolerances(objective, f0, settings);
    let solver = LBFGS::new(line_search(NAME, settings)?, LBFGS_MEMORY.min(dim.max(3)))
        .with_tolerance_grad(tol_grad)
        .and_then(|s| s.with_tolerance_cost(tol_cost))
        .map_err(|e| solver_error(NAME, &e))?;
    run_solver(
        NAME,
        problem,
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

/// argmin's gradient and cost tolerances for a quasi-Newton run: the gradient test at the
/// requested tolerance (in standard errors, scaled by the driver's factor), never below the
/// resolution of the NLL's values (closer than that a line search compares noise: the run stops
/// there, and the driver takes it from there); the cost test only where the cost no longer
/// changes in floating point.
pub(crate) fn tolerances<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
) -> (f64, f64) {
    let n = objective.n();
    let resolution = (2.0 * n * NOISE_MARGIN * f64::EPSILON * f0.abs().max(1.0)).sqrt();
    let tol_grad = settings.tolerance.max(resolution) * settings.gradient_factor / n.sqrt();
    let tol_cost = 0.5 * f64::EPSILON * f0.abs().max(1.0);
    (tol_grad, tol_cost)
}

/// The More-Thuente line search, its step capped in a recovery run.
pub(crate) fn line_search(
    name: &'static str,
    settings: &RunSettings,
) -> Result<MoreThuenteLineSearch<Vec<f64>, Vec<f64>, f64>> {
    let mut line_search = MoreThuenteLineSearch::new();
    if let Some(cap) = settings.shrink {
        line_search = line_search
            .with_bounds(f64::EPSILON.sqrt() * cap, cap)
            .map_err(|e| solver_error(name, &e))?;
    }
    Ok(line_search)
}

/// Runs a gradient-based argmin `solver` on `problem` from the origin, its state set up by
/// `init` (a start gradient, an inverse Hessian), and maps how it ended: the best point the
/// recorder saw, the gradient argmin holds when it belongs to that point, and the end.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_solver<P, Sv, H, O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    name: &'static str,
    problem: P,
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    solver: Sv,
    init: impl FnOnce(
        IterState<Vec<f64>, Vec<f64>, (), H, (), f64>,
    ) -> IterState<Vec<f64>, Vec<f64>, (), H, (), f64>,
) -> Result<Run>
where
    P: CostFunction<Param = Vec<f64>, Output = f64>
        + Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
    Sv: Solver<P, IterState<Vec<f64>, Vec<f64>, (), H, (), f64>>,
    H: Clone,
{
    let dim = objective.coords().dim();
    let origin = vec![0.0; dim];
    let recorder = Recorder::new(origin.clone(), f0);
    let (result, failure) = objective.scoped(|| {
        Executor::new(problem, solver)
            .configure(|state| init(state.param(origin).max_iters(settings.max_iters)))
            .add_observer(recorder.clone(), ObserverMode::Always)
            .run()
    });
    let (z, f, iterations) = recorder.best();
    let path = recorder.path();
    let (ended, gradient) = match (result, failure) {
        (_, Some(failure)) => (Ended::Failure(failure), None),
        // BFGS's line search refuses a direction that is not one of descent (its inverse
        // Hessian update has lost positive definiteness to finite-difference noise) with an
        // error where L-BFGS's returns: either way the search stopped at the best point seen.
        // A second-order solver's Hessian that is not finite (or not invertible, for the
        // dogleg) ends the run where it stood, likewise.
        (Err(e), None)
            if e.to_string().contains("descent direction")
                || e.to_string().contains(super::hessian::NOT_FINITE) =>
        {
            (Ended::LineSearch, None)
        }
        (Err(e), None) => return Err(solver_error(name, &e)),
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
