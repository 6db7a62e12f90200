//! The optimizers, their options, and the driver that turns a run into an honest [`Fit`].
//!
//! One file per optimizer family wires argmin: [`lbfgs`] and [`neldermead`]. The driver
//! validates, calibrates the coordinates, runs the optimizer, then decides convergence from the
//! gradient at the end rather than from argmin's termination reason alone.

mod lbfgs;
mod neldermead;
mod trace;
mod whitening;

use std::fmt;
use std::time::Instant;

use crate::certificate;
use crate::error::{Error, Result};
use crate::fit::{ConvergedBy, Convergence, Fit, StopReason, WarmStage};
use crate::inference::{self, NEGATIVE_CURVATURE, SeUnavailable};
use crate::model::{LogDensity, Model, Score};
use crate::objective::{Coordinates, Difference, Failure, Objective, Sample};
use crate::params::Params;
use nalgebra::DMatrix;
use whitening::Whitening;

/// The optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// Limited-memory BFGS with a More-Thuente line search (argmin).
    Lbfgs,
    /// The Nelder-Mead simplex (argmin); uses no gradient.
    NelderMead,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Lbfgs => "L-BFGS",
            Method::NelderMead => "Nelder-Mead",
        })
    }
}

/// Default stationarity tolerance of L-BFGS, in standard errors.
pub const LBFGS_TOLERANCE: f64 = 1e-6;
/// Default tolerance of Nelder-Mead, in standard errors.
pub const NELDER_MEAD_TOLERANCE: f64 = 1e-5;
/// Default iteration cap of L-BFGS.
pub const LBFGS_MAX_ITERS: u64 = 500;
/// Default iteration cap of Nelder-Mead.
pub const NELDER_MEAD_MAX_ITERS: u64 = 5000;
/// Edge of Nelder-Mead's initial simplex in the scaled coordinates, where one unit is about one
/// standard deviation of a single observation's information: large enough to cross a start
/// several standard deviations off in a few reflections.
const SIMPLEX_EDGE: f64 = 1.0;
/// Pairs of corrections L-BFGS keeps.
const LBFGS_MEMORY: usize = 10;
/// The gradient may be this many times its rounding noise and still count as zero.
const NOISE_MARGIN: f64 = 10.0;
/// A Nelder-Mead simplex whose costs agree converged only if the gradient, in coordinates
/// re-measured where it stopped, puts the optimum within this many times the tolerance;
/// otherwise it collapsed short (typically along a direction the start's scales got wrong) and
/// is restarted there.
const NELDER_MEAD_CONFIRM: f64 = 30.0;
/// A fit may claim convergence at the limit of floating-point precision only when that limit is
/// this close to the optimum, in standard errors.
const PRECISION_LIMIT_MAX: f64 = 0.1;
/// The precision limit is an estimate of rounding's reach; a run that stopped within this
/// factor of it has reached it.
const LIMIT_SLACK: f64 = 2.0;
/// Times a run that stopped short is restarted from where it stopped.
pub const MAX_RESTARTS: usize = 3;
/// Times a run that failed (a non-finite NLL at a point it tried, a parameter off its space) is
/// followed by a recovery run with shorter steps from the best point it had accepted.
pub const MAX_RECOVERIES: usize = 4;
/// Each recovery run cuts the longest step (L-BFGS) or the initial simplex (Nelder-Mead) by
/// this factor once more.
const RECOVERY_SHRINK: f64 = 0.25;
/// Iterations of an L-BFGS recovery run, whose steps are capped.
const RECOVERY_ITERS: u64 = 5;

/// How to fit: the optimizer, its tolerance and iteration cap, the finite-difference scheme and
/// optionally a start that overrides the model's.
///
/// Setters validate their value and return [`Error::InvalidOption`] when it cannot be used.
///
/// ```
/// use maxlik::{Difference, FitOptions, Method};
///
/// let options = FitOptions::new(Method::Lbfgs)
///     .tolerance(1e-8)?
///     .max_iters(200)?
///     .difference(Difference::Forward);
/// # Ok::<(), maxlik::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    method: Method,
    tolerance: f64,
    max_iters: u64,
    difference: Difference,
    start: Option<Vec<f64>>,
    standard_errors: bool,
    /// Whether to start from fits on subsamples; see [`FitOptions::warm_start`].
    warm_start: bool,
    /// The edge of Nelder-Mead's first simplex, in the scaled coordinates.
    simplex_edge: f64,
    /// Scales L-BFGS's own gradient test (on the gradient norm in diagonally scaled
    /// coordinates) below the tolerance when correlated parameters made it stop short of it.
    gradient_factor: f64,
}

impl FitOptions {
    /// The defaults for `method`: tolerance [`LBFGS_TOLERANCE`] or [`NELDER_MEAD_TOLERANCE`],
    /// iteration cap [`LBFGS_MAX_ITERS`] or [`NELDER_MEAD_MAX_ITERS`], adaptive differences,
    /// the model's start values.
    pub fn new(method: Method) -> Self {
        let (tolerance, max_iters) = match method {
            Method::Lbfgs => (LBFGS_TOLERANCE, LBFGS_MAX_ITERS),
            Method::NelderMead => (NELDER_MEAD_TOLERANCE, NELDER_MEAD_MAX_ITERS),
        };
        FitOptions {
            method,
            tolerance,
            max_iters,
            difference: Difference::Adaptive,
            start: None,
            standard_errors: true,
            warm_start: true,
            simplex_edge: SIMPLEX_EDGE,
            gradient_factor: 1.0,
        }
    }

    /// The stationarity tolerance, in standard errors: the fit converges when the gradient
    /// implies the optimum is closer than this (L-BFGS), or when the simplex's NLL values
    /// agree as closely as points this far from the optimum would (Nelder-Mead).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] unless `0 < tolerance < 1` and finite.
    pub fn tolerance(mut self, tolerance: f64) -> Result<Self> {
        if !(tolerance > 0.0 && tolerance < 1.0) {
            return Err(Error::InvalidOption {
                option: "tolerance",
                value: tolerance,
                reason: "must lie in (0, 1) standard errors",
            });
        }
        self.tolerance = tolerance;
        Ok(self)
    }

    /// The iteration cap.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for a cap of zero.
    pub fn max_iters(mut self, max_iters: u64) -> Result<Self> {
        if max_iters == 0 {
            return Err(Error::InvalidOption {
                option: "max_iters",
                value: 0.0,
                reason: "must be at least 1",
            });
        }
        self.max_iters = max_iters;
        Ok(self)
    }

    /// The finite-difference scheme for gradients (ignored when the model has a score);
    /// [`Difference::Adaptive`] by default.
    pub fn difference(mut self, difference: Difference) -> Self {
        self.difference = difference;
        self
    }

    /// Starts from `start` (every declared parameter, in order) instead of the model's start
    /// values. It is checked when the fit begins.
    pub fn start(mut self, start: Vec<f64>) -> Self {
        self.start = Some(start);
        self
    }

    /// Whether to compute the observed information, standard errors and covariance at the end
    /// of the fit (on by default; it costs `2p² + 1`-ish NLL evaluations, twice, to measure
    /// their stability).
    pub fn standard_errors(mut self, on: bool) -> Self {
        self.standard_errors = on;
        self
    }

    /// Whether to start from fits on subsamples (on by default). With at least
    /// 16 × 2048 observations (and 16 × 64 per free parameter), the fit first runs on a
    /// subsample of 1/16 of the data (and 1/256, ... down to 2048 observations), each stage
    /// from where the smaller one converged, to a tolerance of 0.1 of its own standard errors;
    /// the fit to all the data then starts a few of its standard errors from the optimum. The
    /// subsamples are blocks of 256 consecutive observations spread evenly over the data. The
    /// result is judged on all the data with the same tolerance either way: the warm start
    /// changes where the last stage starts, not what it converges to. See
    /// [`Fit::warm_start`](crate::Fit::warm_start).
    pub fn warm_start(mut self, on: bool) -> Self {
        self.warm_start = on;
        self
    }

    /// The optimizer.
    pub fn method(&self) -> Method {
        self.method
    }
}

/// How an optimizer run ended, before the driver's verdict.
pub(crate) enum Ended {
    /// The solver's own convergence test fired.
    SolverConverged,
    /// The iteration cap was reached.
    MaxIterations,
    /// The line search gave up.
    LineSearch,
    /// An evaluation failed (non-finite NLL, a parameter off its space).
    Failure(Failure),
    /// The driver stopped an L-BFGS run in unwhitened coordinates after [`checkpoint_iters`]
    /// iterations to measure the Hessian and carry on in coordinates it whitens.
    Checkpoint,
}

/// An L-BFGS run with no Hessian to whiten its coordinates is stopped after this many
/// iterations (it has taken that long because its parameters are correlated, which diagonal
/// scales cannot undo): the driver measures the Hessian there and goes on in coordinates it
/// whitens. Ordinary fits converge well before.
fn checkpoint_iters(dim: usize) -> u64 {
    (5 * dim as u64).max(20)
}

/// What an optimizer run hands back, in the scaled coordinates.
pub(crate) struct Run {
    pub(crate) z: Vec<f64>,
    pub(crate) f: f64,
    pub(crate) gradient: Option<Vec<f64>>,
    pub(crate) iterations: u64,
    pub(crate) path: Vec<Vec<f64>>,
    pub(crate) ended: Ended,
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Model<O, F, S> {
    /// Fits the model to `data` with `method` and its default options.
    ///
    /// # Errors
    ///
    /// See [`fit_with`](Model::fit_with).
    pub fn fit(&self, data: &[O], method: Method) -> Result<Fit> {
        self.fit_with(data, &FitOptions::new(method))
    }

    /// Fits the model to `data`.
    ///
    /// Every run of the optimizer is followed by a check at the point it returns: the
    /// coordinates are re-centred and re-scaled there and the gradient is taken afresh. A run
    /// that stopped short (its line search failed, its cost stalled, its simplex collapsed) is
    /// restarted from that point, at most [`MAX_RESTARTS`] times.
    ///
    /// A fit that starts but does not reach an optimum is returned as `Ok` with a
    /// [`Convergence::NotConverged`] verdict; use [`Fit::require_converged`] to make it an error.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`]; for a start given in the options, [`Error::WrongParameterCount`],
    /// [`Error::OutsideSpace`] or [`Error::FixedParameterChanged`];
    /// [`Error::NonFiniteLogDensity`] when the log-density of an observation is not finite at
    /// the start (NaN or infinity in the data, or a closure that fails there).
    ///
    /// # Panics
    ///
    /// Only if the log-density or score closure panics.
    pub fn fit_with(&self, data: &[O], options: &FitOptions) -> Result<Fit> {
        fit_params(
            self.density(),
            self.score_fn(),
            self.validated(),
            data,
            options,
        )
    }
}

/// Fits `params` (the model's, or a variant with some parameters fixed, as a profile needs).
pub(crate) fn fit_params<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    density: &F,
    score: Option<&S>,
    params: &Params,
    data: &[O],
    options: &FitOptions,
) -> Result<Fit> {
    if data.is_empty() {
        return Err(Error::EmptyData);
    }
    let theta = options.start.clone().unwrap_or_else(|| params.starts());
    params.check(&theta)?;
    let timer = Instant::now();
    let names: Vec<String> = params
        .free()
        .iter()
        .map(|&i| params.all()[i].name.clone())
        .collect();
    let mut path = vec![theta.clone()];
    let warm = if options.warm_start {
        warm_start(density, score, params, &names, data, &theta, options)
    } else {
        Warm::none(&theta)
    };
    let mut objective = Objective::new(
        density,
        score,
        data,
        Coordinates::new(params, &warm.theta),
        options.difference,
    );
    // The warm start is used only where the NLL of all the data is finite (a subsample can
    // miss the observations that rule a point out). The check evaluates the centre the first
    // calibration starts from, so that evaluation is not repeated.
    let centre = vec![0.0; objective.coords.dim()];
    let (start, guess, edge, hessian) =
        if warm.stages.is_empty() || objective.mean_nll(&centre).is_ok() {
            path.extend(warm.path);
            (warm.theta, warm.guess, warm.edge, warm.hessian)
        } else {
            (theta, None, SIMPLEX_EDGE, None)
        };
    let full = FitOptions {
        simplex_edge: edge,
        ..options.clone()
    };
    let stage = optimize(&mut objective, params, &names, start, guess, hessian, &full)?;
    path.extend(stage.path);
    let verdict = stage.verdict;
    let n = data.len();
    let coords = &objective.coords;
    let estimates = stage.estimates;
    let mut gradient = vec![None; estimates.len()];
    if let Some(g) = &verdict.gradient {
        let jac = coords.jacobian(&estimates);
        for (k, &i) in coords.free().iter().enumerate() {
            gradient[i] = Some(g[k] * n as f64 / jac[k]);
        }
    }
    let observed = match stage.observed {
        _ if !options.standard_errors => Err(SeUnavailable::NotRequested),
        _ if !matches!(verdict.convergence, Convergence::Converged(_)) => {
            Err(SeUnavailable::NotConverged)
        }
        Some(result) => result,
        None => Err(SeUnavailable::NotConverged),
    };
    let counts = objective.counts();
    let (certificate, refuse) = certificate::certify(&certificate::Evidence {
        convergence: &verdict.convergence,
        distance: verdict.distance,
        precision: verdict.precision,
        params: params.all(),
        estimates: &estimates,
        observed: &observed,
    });
    Ok(Fit {
        std_errors: match refuse {
            Some(reason) => Err(reason),
            None => observed,
        },
        certificate,
        hessian_evaluations: stage.hessian_evaluations,
        params: params.all().to_vec(),
        estimates,
        nll: verdict.f * n as f64,
        n,
        method: options.method,
        iterations: stage.iterations,
        evaluations: counts.nll,
        gradient_evaluations: counts.gradient,
        score_evaluations: counts.score,
        warm_start: warm.stages,
        elapsed: timer.elapsed(),
        gradient,
        scaled_gradient_norm: verdict.norm,
        distance: verdict.distance,
        precision: verdict.precision,
        convergence: verdict.convergence,
        path,
    })
}

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
struct Warm {
    /// The start for the fit to all the data.
    theta: Vec<f64>,
    /// The natural scales of the unconstrained coordinates measured at the end of the last
    /// stage, as a guess for the next calibration.
    guess: Option<Vec<f64>>,
    /// The edge of Nelder-Mead's first simplex, in the scaled coordinates.
    edge: f64,
    /// The Hessian of the mean NLL in the unconstrained coordinates measured at the end of the
    /// last stage: the next L-BFGS run works in coordinates it whitens.
    hessian: Option<DMatrix<f64>>,
    stages: Vec<WarmStage>,
    /// The iterates of the stages, in the user's parameters.
    path: Vec<Vec<f64>>,
}

impl Warm {
    fn none(theta: &[f64]) -> Self {
        Warm {
            theta: theta.to_vec(),
            guess: None,
            edge: SIMPLEX_EDGE,
            hessian: None,
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
fn warm_start<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    density: &F,
    score: Option<&S>,
    params: &Params,
    names: &[String],
    data: &[O],
    theta: &[f64],
    options: &FitOptions,
) -> Warm {
    let mut warm = Warm::none(theta);
    let n = data.len();
    let min = WARM_MIN_SAMPLE.max(WARM_MIN_PER_PARAMETER * names.len());
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
        let mut objective = Objective::new(
            density,
            score,
            data,
            Coordinates::new(params, &warm.theta),
            options.difference,
        )
        .with_sample(sample);
        let stage_options = FitOptions {
            simplex_edge: warm.edge,
            ..stage_options.clone()
        };
        let stage = optimize(
            &mut objective,
            params,
            names,
            warm.theta.clone(),
            warm.guess.clone(),
            warm.hessian.clone(),
            &stage_options,
        );
        let observations = sample.size(n);
        let converged = matches!(
            stage.as_ref().map(|s| &s.verdict.convergence),
            Ok(Convergence::Converged(_))
        );
        warm.stages.push(WarmStage {
            observations,
            evaluations: objective.counts().nll,
            iterations: stage.as_ref().map_or(0, |s| s.iterations),
            converged,
        });
        let Ok(stage) = stage else { break };
        if !converged {
            break;
        }
        warm.theta = stage.estimates;
        warm.guess = Some(stage.scales);
        warm.hessian = stage.hessian;
        warm.path.extend(stage.path);
        warm.edge = (WARM_EDGE / (observations as f64).sqrt()).min(SIMPLEX_EDGE);
    }
    warm
}

/// What one stage of a fit (all the data, or a warm-start subsample) ended with.
struct Stage {
    verdict: Judged,
    estimates: Vec<f64>,
    observed: Option<std::result::Result<inference::Inference, SeUnavailable>>,
    iterations: u64,
    /// The iterates after the start, in the user's parameters.
    path: Vec<Vec<f64>>,
    hessian_evaluations: u64,
    /// The natural scales of the unconstrained coordinates where the stage ended.
    scales: Vec<f64>,
    /// The Hessian of the mean NLL in the unconstrained coordinates where the stage ended.
    hessian: Option<DMatrix<f64>>,
}

/// Runs the optimizer on `objective` from `theta` until the verdict at the end of a run is
/// final: converged, or not converged for a reason a restart cannot mend.
fn optimize<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &mut Objective<'_, O, F, S>,
    params: &Params,
    names: &[String],
    mut theta: Vec<f64>,
    mut guess: Option<Vec<f64>>,
    mut hessian: Option<DMatrix<f64>>,
    options: &FitOptions,
) -> Result<Stage> {
    let mut iterations = 0;
    let mut path = Vec::new();
    let mut restarts = 0;
    let mut recoveries = 0;
    // Whether the next run is a recovery run: after a failure or a failed line search.
    let mut recovering = false;
    let mut hessian_evaluations = 0;
    let mut observed = None;
    let mut gradient_factor = 1.0;
    let verdict = loop {
        objective.coords = Coordinates::new(params, &theta);
        let f0 = objective.calibrate(guess.as_deref())?;
        // After a failure or a failed line search, a short run with steps cut to 1/4, 1/16,
        // ... of their size gets away from where the optimizer went wrong; then runs are
        // normal again.
        let shrink = recovering.then(|| RECOVERY_SHRINK.powi(recoveries as i32));
        let mut max_iters = options.max_iters - iterations;
        if shrink.is_some() && options.method == Method::Lbfgs {
            max_iters = max_iters.min(RECOVERY_ITERS);
        }
        let dim = objective.coords.dim();
        let checkpoint = shrink.is_none()
            && options.method == Method::Lbfgs
            && dim >= 2
            && hessian.is_none()
            && max_iters > checkpoint_iters(dim);
        if checkpoint {
            max_iters = checkpoint_iters(dim);
        }
        let budget = FitOptions {
            max_iters,
            gradient_factor,
            ..options.clone()
        };
        let run = match options.method {
            Method::Lbfgs => {
                let whitening = hessian
                    .as_ref()
                    .and_then(|h| Whitening::new(h, objective.coords.scales()));
                lbfgs::run(objective, f0, &budget, shrink, whitening.as_ref())?
            }
            Method::NelderMead => {
                let whitening = hessian
                    .as_ref()
                    .and_then(|h| Whitening::new(h, objective.coords.scales()));
                neldermead::run(objective, f0, &budget, shrink, whitening.as_ref())?
            }
        };
        iterations += run.iterations;
        let coords = &objective.coords;
        path.extend(run.path.iter().skip(1).filter_map(|z| coords.theta(z).ok()));
        let out_of_iterations = iterations >= options.max_iters;
        let ended = match run.ended {
            Ended::MaxIterations if out_of_iterations => {
                break judge(
                    objective,
                    &run.z,
                    run.f,
                    run.gradient,
                    run.ended,
                    options,
                    None,
                );
            }
            Ended::Failure(f) => {
                if recoveries >= MAX_RECOVERIES || out_of_iterations {
                    break judge(
                        objective,
                        &run.z,
                        run.f,
                        None,
                        Ended::Failure(f),
                        options,
                        None,
                    );
                }
                let _ = f;
                recovering = true;
                recoveries += 1;
                None
            }
            // A long run in unwhitened coordinates: judge it with the Hessian, which the
            // next run whitens its coordinates with.
            Ended::MaxIterations | Ended::Checkpoint if checkpoint => Some(Ended::Checkpoint),
            Ended::Checkpoint => Some(Ended::Checkpoint),
            // A short recovery run that used its iterations: carry on normally.
            Ended::MaxIterations => {
                recovering = false;
                None
            }
            Ended::LineSearch => {
                recovering = true;
                recoveries += 1;
                Some(Ended::LineSearch)
            }
            Ended::SolverConverged => {
                recovering = false;
                restarts += 1;
                Some(Ended::SolverConverged)
            }
        };
        let theta_end = coords.theta(&run.z).map_err(Error::from)?;
        let mut next_guess = coords.scales().to_vec();
        if let Some(ended) = ended {
            // Judge the point the run returned with the Hessian there: the Newton decrement
            // gives the distance to the optimum, and the same Hessian gives the standard
            // errors when the fit has converged.
            let passes = |c: crate::objective::Counts| c.nll + c.score;
            let before = passes(objective.counts());
            let curvature = inference::observe(
                objective,
                &run.z,
                run.f,
                names,
                &theta_end,
                options.standard_errors,
            );
            hessian_evaluations += passes(objective.counts()) - before;
            hessian = curvature.hessian.clone();
            let stopped_by_gradient_test = matches!(ended, Ended::SolverConverged);
            let judged = judge(
                objective,
                &run.z,
                run.f,
                run.gradient,
                ended,
                options,
                Some(&curvature),
            );
            let judged_distance = judged.distance;
            let converged = matches!(judged.convergence, Convergence::Converged(_));
            let restartable = matches!(
                judged.convergence,
                Convergence::NotConverged(
                    StopReason::LineSearchFailed { .. }
                        | StopReason::Stalled { .. }
                        | StopReason::SimplexCollapsed { .. }
                        | StopReason::NotAMinimum { .. }
                )
            );
            let out_of_tries = if recovering {
                recoveries > MAX_RECOVERIES
            } else {
                restarts > MAX_RESTARTS
            };
            if let Some(scales) = curvature.scales() {
                next_guess = scales;
            }
            if converged || !restartable || out_of_iterations || out_of_tries {
                let mut judged = judged;
                if matches!(
                    judged.convergence,
                    Convergence::Converged(ConvergedBy::PrecisionLimit)
                ) && options.method == Method::Lbfgs
                    && let Some(polished) = polish(objective, &judged, &curvature, options)
                {
                    if let Ok(theta) = objective.coords.theta(&polished.z) {
                        path.push(theta);
                    }
                    judged = polished;
                }
                observed = Some(curvature.result);
                guess = Some(next_guess);
                if !converged && out_of_iterations {
                    judged.convergence = Convergence::NotConverged(StopReason::MaxIterations {
                        iterations: options.max_iters,
                    });
                }
                break judged;
            }
            // L-BFGS's gradient-norm test fired, but with correlated parameters the decrement
            // says the optimum is farther: ask the next run for as much more as was missing.
            if let Some(d) = judged_distance
                && stopped_by_gradient_test
                && d > options.tolerance
            {
                gradient_factor = (gradient_factor * 0.5 * options.tolerance / d).max(1e-6);
            }
        }
        theta = theta_end;
        guess = Some(next_guess);
    };
    let coords = &objective.coords;
    let estimates = coords.theta(&verdict.z).map_err(Error::from)?;
    Ok(Stage {
        verdict,
        estimates,
        observed,
        iterations,
        path,
        hessian_evaluations,
        hessian,
        scales: guess.unwrap_or_else(|| coords.scales().to_vec()),
    })
}

/// From a point judged converged at the precision limit, one Newton step with the Hessian just
/// computed there: kept when the gradient at the new point puts it within the tolerance.
///
/// Near the optimum of a large sample the NLL's values cannot be told apart by rounding (a
/// line search stalls), while its central-difference gradient still locates the optimum to a
/// small fraction of that. The step is at most [`LIMIT_SLACK`] times the precision limit long,
/// a distance at which the curvature (and so the standard errors computed before the step)
/// changes by a relative `√(20 ε |f|)`-ish amount, some 1e-7.
fn polish<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    judged: &Judged,
    curvature: &inference::Curvature,
    options: &FitOptions,
) -> Option<Judged> {
    let hessian = curvature.hessian.as_ref()?;
    let scales = objective.coords.scales();
    let g_u: Vec<f64> = judged
        .gradient
        .as_ref()?
        .iter()
        .zip(scales)
        .map(|(g, s)| g / s)
        .collect();
    let step = hessian
        .clone()
        .cholesky()?
        .solve(&nalgebra::DVector::from_column_slice(&g_u));
    let z: Vec<f64> = judged
        .z
        .iter()
        .zip(step.iter())
        .zip(scales)
        .map(|((z, d), s)| z - d / s)
        .collect();
    let f = objective.mean_nll(&z).ok()?;
    let gradient = objective.verdict_gradient(&z).ok()?;
    let polished = judge(
        objective,
        &z,
        f,
        Some(gradient),
        Ended::SolverConverged,
        options,
        Some(curvature),
    );
    matches!(
        polished.convergence,
        Convergence::Converged(ConvergedBy::Gradient)
    )
    .then_some(polished)
}

/// A verdict at a point, with what it was judged on.
struct Judged {
    /// The distance to the optimum the gradient implies, in standard errors.
    distance: Option<f64>,
    /// The distance to the optimum, in standard errors, below which this computation cannot
    /// place it.
    precision: f64,
    z: Vec<f64>,
    f: f64,
    gradient: Option<Vec<f64>>,
    norm: Option<f64>,
    convergence: Convergence,
}

/// Judges the point `z` (mean NLL `f`) at which a run ended, from the gradient there (computed
/// unless given).
fn judge<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    z: &[f64],
    f: f64,
    gradient: Option<Vec<f64>>,
    ended: Ended,
    options: &FitOptions,
    curvature: Option<&inference::Curvature>,
) -> Judged {
    let n = objective.n() as f64;
    let root_n = n.sqrt();
    let gradient = gradient.or_else(|| objective.verdict_gradient(z).ok());
    let norm = gradient
        .as_ref()
        .map(|g| g.iter().map(|v| v * v).sum::<f64>().sqrt());
    // The Newton decrement: √n times it is the distance to the optimum in standard errors. With
    // the Hessian where the run ended when there is one (positive definite), else with the
    // diagonal curvature measured where the coordinates were calibrated.
    let scales = objective.coords.scales();
    // The curvature along each z coordinate: from the Hessian here, else as calibrated.
    let diagonal: Vec<f64> = match curvature.and_then(|c| c.hessian.as_ref()) {
        Some(h) if (0..h.nrows()).all(|k| h[(k, k)] > 0.0) => (0..h.nrows())
            .map(|k| h[(k, k)] * scales[k] * scales[k])
            .collect(),
        _ => objective.coords.curvature().to_vec(),
    };
    // A gradient-sized vector in z as a distance in standard errors (diagonal curvature).
    let in_se = |v: &[f64]| -> f64 {
        root_n
            * v.iter()
                .zip(&diagonal)
                .map(|(v, c)| v * v / c)
                .sum::<f64>()
                .sqrt()
    };
    let decrement = gradient.as_ref().map(|g| {
        let g_u: Vec<f64> = g.iter().zip(scales).map(|(v, s)| v / s).collect();
        curvature
            .and_then(|c| c.decrement(&g_u))
            .unwrap_or_else(|| in_se(g) / root_n)
    });
    let floor = objective.gradient_floor(z, f, &diagonal);
    let noise: Vec<f64> = floor
        .noise
        .iter()
        .zip(&floor.bias)
        .map(|(n, b)| NOISE_MARGIN * n + b)
        .collect();
    // How close to the optimum this computation can place it, and the part of that which is
    // forward differences' bias.
    let noise_distance = in_se(&noise);
    // The precision above is a limit of these coordinates; in coordinates far from unit
    // curvature a restart (re-scaled where this run ended) does better, so only well-scaled
    // coordinates may stop at it.
    let well_scaled = diagonal.iter().zip(scales).enumerate().all(|(k, (c, s))| {
        // The scale a re-calibration here would choose, against the one in use.
        let natural = (s / c.sqrt()).min(objective.coords.scale_cap(k));
        (0.3..=3.0).contains(&(natural / s))
    });
    let bias_distance = in_se(&floor.bias);
    // Points closer than this (in standard errors) have NLLs that rounding cannot tell apart:
    // a search on NLL values that stops there has done all it can.
    let resolution = (2.0 * n * NOISE_MARGIN * f64::EPSILON * f.abs().max(1.0)).sqrt();
    let tolerance = options.tolerance;
    // A Hessian that curves down clearly (not merely flat) where the run ended: not a minimum.
    let curving_down = match curvature.map(|c| &c.result) {
        Some(Err(SeUnavailable::NotPositiveDefinite {
            direction,
            relative_curvature,
        })) if *relative_curvature < -NEGATIVE_CURVATURE => Some(direction.clone()),
        _ => None,
    };

    let convergence = match (ended, norm.zip(decrement)) {
        (Ended::Failure(failure), _) => Convergence::NotConverged(stop_reason(failure)),
        (Ended::MaxIterations, _) => Convergence::NotConverged(StopReason::MaxIterations {
            iterations: options.max_iters,
        }),
        (_, None) => Convergence::NotConverged(StopReason::Stalled {
            distance: f64::INFINITY,
        }),
        (ended, Some((_, decrement))) => {
            let distance = decrement * root_n;
            match options.method {
                // Stationary, but the NLL curves down: a saddle or an unbounded likelihood.
                _ if curving_down.is_some()
                    && distance <= noise_distance.max(resolution).max(tolerance).max(1.0) =>
                {
                    Convergence::NotConverged(StopReason::NotAMinimum {
                        direction: curving_down.unwrap_or_default(),
                    })
                }
                Method::Lbfgs => {
                    let limit = noise_distance.max(resolution);
                    if curving_down.is_some() {
                        Convergence::NotConverged(match ended {
                            Ended::LineSearch => StopReason::LineSearchFailed { distance },
                            _ => StopReason::Stalled { distance },
                        })
                    } else if distance <= tolerance && bias_distance <= tolerance {
                        Convergence::Converged(ConvergedBy::Gradient)
                    } else if distance <= (LIMIT_SLACK * limit).max(tolerance)
                        && limit <= PRECISION_LIMIT_MAX
                        && well_scaled
                    {
                        Convergence::Converged(ConvergedBy::PrecisionLimit)
                    } else {
                        Convergence::NotConverged(match ended {
                            Ended::LineSearch => StopReason::LineSearchFailed { distance },
                            _ => StopReason::Stalled { distance },
                        })
                    }
                }
                Method::NelderMead => {
                    let spread = matches!(ended, Ended::SolverConverged) && curving_down.is_none();
                    let confirm = NELDER_MEAD_CONFIRM * options.tolerance;
                    let limit = if well_scaled { noise_distance } else { 0.0 };
                    if spread && distance <= confirm.max(NOISE_MARGIN * resolution).max(limit) {
                        Convergence::Converged(ConvergedBy::SimplexSpread)
                    } else {
                        Convergence::NotConverged(StopReason::SimplexCollapsed { distance })
                    }
                }
            }
        }
    };
    Judged {
        distance: decrement.map(|d| d * root_n),
        precision: noise_distance.max(resolution),
        z: z.to_vec(),
        f,
        gradient,
        norm,
        convergence,
    }
}

fn stop_reason(failure: Failure) -> StopReason {
    match failure {
        Failure::Diverged { name, .. } => StopReason::Diverged { name },
        Failure::Nll(Error::NonFiniteLogDensity {
            index,
            value,
            params,
        }) => StopReason::NonFiniteLogDensity {
            index,
            value,
            params,
        },
        Failure::Nll(Error::NonFiniteGradient { index, params }) => {
            StopReason::NonFiniteScore { index, params }
        }
        Failure::Nll(Error::NllOverflow { params }) => StopReason::NllOverflow { params },
        Failure::Nll(_) => StopReason::Stalled {
            distance: f64::INFINITY,
        },
    }
}

/// Maps an argmin error that is not one of our recorded failures.
pub(crate) fn solver_error(solver: &'static str, err: &argmin::core::Error) -> Error {
    Error::Solver {
        solver,
        message: format!("{err:#}"),
    }
}
