//! The warm start: fits on nested subsamples before the fit to all the data.

use crate::density::{Likelihood, LogDensity, Score};
use crate::fit::WarmStage;
use crate::objective::{Objective, Sample};
use crate::options::FitOptions;
use crate::outcome::Convergence;

use super::driver::{SIMPLEX_EDGE, Start, optimize};

/// Subsamples are `WARM_FACTOR` times smaller than the next stage's data.
const WARM_FACTOR: usize = 16;
/// The smallest subsample a warm-start stage fits, and the fewest observations per free
/// parameter.
const WARM_MIN_SAMPLE: usize = 2048;
const WARM_MIN_PER_PARAMETER: usize = 64;
/// A warm-start stage stops at this distance from its own optimum, in its own standard errors:
/// its optimum is about one of them from the next stage's anyway.
const WARM_TOLERANCE: f64 = 0.1;
/// After a warm start on `m` observations, Nelder-Mead's first simplex has edges this many
/// standard errors of that subsample long: the next optimum is about one of them away.
const WARM_EDGE: f64 = 2.0;

/// Where the warm-start stages left the fit.
pub(crate) struct Warm {
    /// Where the fit to all the data starts.
    pub(crate) start: Start,
    pub(crate) stages: Vec<WarmStage>,
    /// The iterates of the stages, in the user's parameters.
    pub(crate) path: Vec<Vec<f64>>,
}

impl Warm {
    /// No warm start: the fit to all the data starts at `theta`.
    pub(crate) fn none(theta: &[f64]) -> Self {
        Warm {
            start: Start {
                theta: theta.to_vec(),
                guess: None,
                hessian: None,
                simplex_edge: SIMPLEX_EDGE,
            },
            stages: Vec::new(),
            path: Vec::new(),
        }
    }
}

/// Fits nested subsamples, from the smallest (at least [`WARM_MIN_SAMPLE`] observations) up by
/// factors of [`WARM_FACTOR`], each from where the last converged: most of the journey from a
/// distant start is made on a small fraction of the data, and the fit to all of it starts a
/// few standard errors from its optimum. A stage that does not converge ends the warm start
/// and its estimates are not used.
pub(crate) fn fit_subsamples<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    theta: &[f64],
    options: &FitOptions,
) -> Warm {
    let mut warm = Warm::none(theta);
    let n = data.len();
    let free = likelihood.params.free().len();
    let min = WARM_MIN_SAMPLE.max(WARM_MIN_PER_PARAMETER * free);
    let mut strides = Vec::new();
    let mut stride = WARM_FACTOR;
    while n / stride >= min && (Sample::Blocks { stride }).size(n) >= min {
        strides.push(stride);
        stride *= WARM_FACTOR;
    }
    let stage_options = FitOptions {
        tolerance: WARM_TOLERANCE,
        standard_errors: false,
        warm_start: false,
        ..options.clone()
    };
    for &stride in strides.iter().rev() {
        let sample = Sample::Blocks { stride };
        let mut objective = Objective::new(likelihood, data, &warm.start.theta, options.difference)
            .with_sample(sample);
        let start = Start {
            theta: warm.start.theta.clone(),
            guess: warm.start.guess.clone(),
            hessian: warm.start.hessian.clone(),
            simplex_edge: warm.start.simplex_edge,
        };
        let stage = optimize(&mut objective, start, &stage_options);
        let observations = sample.size(n);
        let converged = matches!(
            stage.as_ref().map(|s| &s.outcome.judged.convergence),
            Ok(Convergence::Converged(_))
        );
        warm.stages.push(WarmStage {
            observations,
            nll_passes: objective.counts().nll,
            iterations: stage.as_ref().map_or(0, |s| s.iterations),
            converged,
        });
        let Ok(stage) = stage else { break };
        if !converged {
            break;
        }
        warm.start = Start {
            theta: stage.estimates,
            guess: Some(stage.scales),
            hessian: stage.hessian,
            simplex_edge: (WARM_EDGE / (observations as f64).sqrt()).min(SIMPLEX_EDGE),
        };
        warm.path.extend(stage.path);
    }
    warm
}
