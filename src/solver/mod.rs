//! The optimizers, their options, and the driver that turns a run into an honest [`Fit`].
//!
//! One file per optimizer family wires argmin: [`lbfgs`] and [`neldermead`]. The driver
//! validates, calibrates the coordinates, runs the optimizer, then decides convergence from the
//! gradient at the end rather than from argmin's termination reason alone.

mod lbfgs;
mod neldermead;
mod trace;

use std::fmt;
use std::time::Instant;

use crate::certificate;
use crate::error::{Error, Result};
use crate::fit::{ConvergedBy, Convergence, Fit, StopReason};
use crate::inference::{self, SeUnavailable};
use crate::model::{LogDensity, Model, Score};
use crate::objective::{Coordinates, Difference, Failure, Objective};
use crate::params::Params;

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
/// Pairs of corrections L-BFGS keeps.
const LBFGS_MEMORY: usize = 10;
/// The gradient may be this many times its rounding noise and still count as zero.
const NOISE_MARGIN: f64 = 10.0;
/// A Nelder-Mead simplex whose costs agree converged only if the gradient, in coordinates
/// re-measured where it stopped, puts the optimum within this many times the tolerance;
/// otherwise it collapsed short (typically along a direction the start's scales got wrong) and
/// is restarted there.
const NELDER_MEAD_CONFIRM: f64 = 30.0;
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
    let mut theta = options.start.clone().unwrap_or_else(|| params.starts());
    params.check(&theta)?;
    let timer = Instant::now();
    let mut objective = Objective::new(
        density,
        score,
        data,
        Coordinates::new(params, &theta),
        options.difference,
    );
    let mut iterations = 0;
    let mut path = vec![theta.clone()];
    let mut guess: Option<Vec<f64>> = None;
    let mut last_end: Option<Ended> = None;
    let mut restarts = 0;
    let mut recoveries = 0;
    // The failure that started the current recovery, reported if it never ends well.
    let mut failure: Option<Failure> = None;
    // Whether the next run is a recovery run: after a failure or a failed line search.
    let mut recovering = false;
    let verdict = loop {
        objective.coords = Coordinates::new(params, &theta);
        let f0 = objective.calibrate(guess.as_deref())?;
        let zero = vec![0.0; objective.coords.dim()];
        if let Some(ended) = last_end.take() {
            // Check the point the last run returned, in coordinates measured there.
            let mut judged = judge(&objective, &zero, f0, None, ended, options);
            let converged = matches!(judged.convergence, Convergence::Converged(_));
            let restartable = matches!(
                judged.convergence,
                Convergence::NotConverged(
                    StopReason::LineSearchFailed { .. }
                        | StopReason::Stalled { .. }
                        | StopReason::SimplexCollapsed { .. }
                )
            );
            let out_of_iterations = iterations >= options.max_iters;
            let out_of_tries = if recovering {
                recoveries > MAX_RECOVERIES
            } else {
                restarts > MAX_RESTARTS
            };
            if converged || !restartable || out_of_iterations || out_of_tries {
                if !converged {
                    judged.convergence = Convergence::NotConverged(match failure.take() {
                        Some(failure) => stop_reason(failure),
                        None if out_of_iterations => StopReason::MaxIterations {
                            iterations: options.max_iters,
                        },
                        None => match judged.convergence {
                            Convergence::NotConverged(reason) => reason,
                            Convergence::Converged(_) => unreachable_converged(),
                        },
                    });
                }
                break judged;
            }
        }
        // After a failure or a failed line search, a short run with steps cut to 1/4, 1/16,
        // ... of their size gets away from where the optimizer went wrong; then runs are
        // normal again.
        let shrink = recovering.then(|| RECOVERY_SHRINK.powi(recoveries as i32));
        let mut max_iters = options.max_iters - iterations;
        if shrink.is_some() && options.method == Method::Lbfgs {
            max_iters = max_iters.min(RECOVERY_ITERS);
        }
        let budget = FitOptions {
            max_iters,
            ..options.clone()
        };
        let run = match options.method {
            Method::Lbfgs => lbfgs::run(&objective, f0, &budget, shrink)?,
            Method::NelderMead => neldermead::run(&objective, f0, &budget, shrink)?,
        };
        iterations += run.iterations;
        let coords = &objective.coords;
        path.extend(run.path.iter().skip(1).filter_map(|z| coords.theta(z).ok()));
        match run.ended {
            Ended::MaxIterations if iterations >= options.max_iters => {
                break judge(&objective, &run.z, run.f, run.gradient, run.ended, options);
            }
            Ended::Failure(f) => {
                failure = Some(f);
                recovering = true;
                recoveries += 1;
                last_end = Some(Ended::LineSearch);
            }
            Ended::LineSearch => {
                failure = None;
                recovering = true;
                recoveries += 1;
                last_end = Some(Ended::LineSearch);
            }
            // A short recovery run that used its iterations: carry on normally.
            Ended::MaxIterations => {
                failure = None;
                recovering = false;
                last_end = Some(Ended::LineSearch);
            }
            Ended::SolverConverged => {
                failure = None;
                recovering = false;
                restarts += 1;
                last_end = Some(Ended::SolverConverged);
            }
        }
        theta = coords.theta(&run.z).map_err(Error::from)?;
        guess = Some(coords.scales().to_vec());
    };
    let n = data.len();
    let coords = &objective.coords;
    let estimates = coords.theta(&verdict.z).map_err(Error::from)?;
    let mut gradient = vec![None; estimates.len()];
    if let Some(g) = &verdict.gradient {
        let jac = coords.jacobian(&estimates);
        for (k, &i) in coords.free().iter().enumerate() {
            gradient[i] = Some(g[k] * n as f64 / jac[k]);
        }
    }
    let before = objective.counts().nll;
    let observed = if !options.standard_errors {
        Err(SeUnavailable::NotRequested)
    } else if !matches!(verdict.convergence, Convergence::Converged(_)) {
        Err(SeUnavailable::NotConverged)
    } else {
        let names: Vec<String> = coords
            .free()
            .iter()
            .map(|&i| params.all()[i].name.clone())
            .collect();
        inference::observe(&objective, &verdict.z, verdict.f, &names, &estimates)
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
        hessian_evaluations: counts.nll - before,
        params: params.all().to_vec(),
        estimates,
        nll: verdict.f * n as f64,
        n,
        method: options.method,
        iterations,
        evaluations: counts.nll,
        gradient_evaluations: counts.gradient,
        score_evaluations: counts.score,
        elapsed: timer.elapsed(),
        gradient,
        scaled_gradient_norm: verdict.norm,
        distance: verdict.distance,
        precision: verdict.precision,
        convergence: verdict.convergence,
        path,
    })
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
) -> Judged {
    let n = objective.n() as f64;
    let root_n = n.sqrt();
    let gradient = gradient.or_else(|| objective.verdict_gradient(z).ok());
    let norm = gradient
        .as_ref()
        .map(|g| g.iter().map(|v| v * v).sum::<f64>().sqrt());
    // The Newton decrement with the diagonal curvature measured at the centre: the distance to
    // the optimum in standard errors is about √n times it.
    let curvature = objective.coords.curvature();
    let decrement = gradient.as_ref().map(|g| {
        g.iter()
            .zip(curvature)
            .map(|(v, c)| v * v / c)
            .sum::<f64>()
            .sqrt()
    });
    let floor = objective.gradient_floor(z, f);
    let noise_floor = NOISE_MARGIN * floor.noise + floor.bias;
    // Points closer than this (in standard errors) have NLLs that rounding cannot tell apart:
    // a search on NLL values that stops there has done all it can.
    let resolution = (2.0 * n * NOISE_MARGIN * f64::EPSILON * f.abs().max(1.0)).sqrt();
    let requested = options.tolerance / root_n;

    let convergence = match (ended, norm.zip(decrement)) {
        (Ended::Failure(failure), _) => Convergence::NotConverged(stop_reason(failure)),
        (Ended::MaxIterations, _) => Convergence::NotConverged(StopReason::MaxIterations {
            iterations: options.max_iters,
        }),
        (_, None) => Convergence::NotConverged(StopReason::Stalled {
            distance: f64::INFINITY,
        }),
        (ended, Some((g, decrement))) => {
            let distance = decrement * root_n;
            match options.method {
                Method::Lbfgs => {
                    if decrement <= requested && floor.bias <= requested {
                        Convergence::Converged(ConvergedBy::Gradient)
                    } else if g <= noise_floor.max(requested) || distance <= resolution {
                        Convergence::Converged(ConvergedBy::PrecisionLimit)
                    } else {
                        Convergence::NotConverged(match ended {
                            Ended::LineSearch => StopReason::LineSearchFailed { distance },
                            _ => StopReason::Stalled { distance },
                        })
                    }
                }
                Method::NelderMead => {
                    let spread = matches!(ended, Ended::SolverConverged);
                    let confirm = NELDER_MEAD_CONFIRM * options.tolerance;
                    if spread
                        && (distance <= confirm.max(NOISE_MARGIN * resolution) || g <= noise_floor)
                    {
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
        precision: (noise_floor * root_n).max(resolution),
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

/// `judge` never hands back a converged verdict under a not-converged match arm.
#[cold]
fn unreachable_converged() -> StopReason {
    StopReason::Stalled {
        distance: f64::INFINITY,
    }
}

/// Maps an argmin error that is not one of our recorded failures.
pub(crate) fn solver_error(solver: &'static str, err: &argmin::core::Error) -> Error {
    Error::Solver {
        solver,
        message: format!("{err:#}"),
    }
}
