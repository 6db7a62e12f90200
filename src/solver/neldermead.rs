//! Nelder-Mead (argmin), with an initial simplex sized from the parameters' scales.

use argmin::core::observers::ObserverMode;
use argmin::core::{CostFunction, Executor, State, TerminationReason};
use argmin::solver::neldermead::NelderMead;

use super::run::{Ended, Run, RunSettings};
use super::solver_error;
use super::trace::Recorder;
use super::whitening::{Whitened, Whitening};
use crate::density::{LogDensity, Score};
use crate::error::{Error, Result};
use crate::objective::{Failure, Objective, Problem};

const NAME: &str = "Nelder-Mead";

/// Times an initial vertex whose NLL is not finite is pulled halfway back to the start.
const VERTEX_RETRIES: usize = 30;

/// Runs Nelder-Mead from `z = 0`, where the mean NLL is `f0`, with the initial simplex's edge
/// (the settings') multiplied by a recovery run's `shrink`; in coordinates whitened by `whitening`
/// when given, where the simplex's edges follow the Hessian's principal axes.
///
/// argmin unwraps the cost of every initial vertex, so each vertex is checked first and pulled
/// towards the start until its NLL is finite.
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    whitening: Option<&Whitening>,
) -> Result<Run> {
    let to_z = |w: &[f64]| whitening.map_or_else(|| w.to_vec(), |r| r.z(w));
    let dim = objective.coords().dim();
    let n = objective.n();
    let z0 = vec![0.0; dim];
    let mut simplex = vec![z0.clone()];
    for k in 0..dim {
        let mut edge = settings.simplex_edge * settings.shrink.unwrap_or(1.0);
        let vertex = (0..VERTEX_RETRIES).find_map(|_| {
            let mut v = z0.clone();
            v[k] = edge;
            edge *= 0.5;
            objective.mean_nll(&to_z(&v)).ok().map(|_| v)
        });
        let Some(vertex) = vertex else {
            // The NLL is finite at the start and not finite arbitrarily close to it.
            let failure = Failure::Nll(Error::Solver {
                solver: NAME,
                message: "no finite initial simplex near the start".into(),
            });
            return Ok(Run {
                z: z0,
                f: f0,
                gradient: None,
                iterations: 0,
                path: Vec::new(),
                ended: Ended::Failure(failure),
            });
        };
        simplex.push(vertex);
    }
    // Costs agree as closely as those of points `tolerance` standard errors from the optimum,
    // but no closer than rounding allows.
    let sd_tolerance = (settings.tolerance * settings.tolerance / (2.0 * n))
        .max(4.0 * f64::EPSILON * f0.abs().max(1.0));
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(sd_tolerance)
        .map_err(|e| solver_error(NAME, &e))?;
    let recorder = Recorder::new(z0, f0);
    let (result, failure) = objective.scoped(|| match whitening {
        None => execute(Problem(objective), solver, &recorder, settings),
        Some(whitening) => execute(
            Whitened {
                objective,
                whitening,
            },
            solver,
            &recorder,
            settings,
        ),
    });
    let (w, f, iterations) = recorder.best();
    let path = recorder.path().iter().map(|w| to_z(w)).collect();
    let ended = match (result, failure) {
        (_, Some(failure)) => Ended::Failure(failure),
        (Err(e), None) => return Err(solver_error(NAME, &e)),
        (Ok(reason), None) => match reason {
            Some(TerminationReason::MaxItersReached) => Ended::MaxIterations,
            Some(TerminationReason::SolverConverged) => Ended::SolverConverged,
            _ => Ended::LineSearch,
        },
    };
    Ok(Run {
        z: to_z(&w),
        f,
        gradient: None,
        iterations,
        path,
        ended,
    })
}

/// Runs argmin's Nelder-Mead on `problem` (in `z` or in whitened coordinates); returns why it
/// stopped.
fn execute<P>(
    problem: P,
    solver: NelderMead<Vec<f64>, f64>,
    recorder: &Recorder,
    settings: &RunSettings,
) -> std::result::Result<Option<TerminationReason>, argmin::core::Error>
where
    P: CostFunction<Param = Vec<f64>, Output = f64>,
{
    Executor::new(problem, solver)
        .configure(|state| state.max_iters(settings.max_iters))
        .add_observer(recorder.clone(), ObserverMode::Always)
        .run()
        .map(|result| result.state().get_termination_reason().cloned())
}
