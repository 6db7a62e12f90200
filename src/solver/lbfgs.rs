//! L-BFGS (argmin) with a More-Thuente line search, optionally in coordinates whitened by a
//! Hessian measured before the run.

use argmin::core::observers::ObserverMode;
use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason};
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
    let n = objective.n();
    // Closer to the optimum than the resolution of the NLL's values (in standard errors) a
    // line search compares noise: the run stops there, and the driver takes it from there.
    let resolution = (2.0 * n * NOISE_MARGIN * f64::EPSILON * f0.abs().max(1.0)).sqrt();
    let tol_grad = settings.tolerance.max(resolution) * settings.gradient_factor / n.sqrt();
    let tol_cost = 0.5 * f64::EPSILON * f0.abs().max(1.0);
    let mut line_search = MoreThuenteLineSearch::new();
    if let Some(cap) = settings.shrink {
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
    let (result, failure) = objective.scoped(|| {
        Executor::new(problem, solver)
            .configure(|state| {
                let state = state.param(origin).max_iters(settings.max_iters);
                match start_gradient {
                    Some(g) => state.gradient(g),
                    None => state,
                }
            })
            .add_observer(recorder.clone(), ObserverMode::Always)
            .run()
    });
    let (z, f, iterations) = recorder.best();
    let path = recorder.path();
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
