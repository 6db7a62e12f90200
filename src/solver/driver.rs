//! The driver of one stage of a fit (all the data, or a warm-start subsample): runs the
//! optimizer, judges where each run ended, and restarts or recovers until the verdict is
//! final.
//!
//! After each run the coordinates are re-centred and re-scaled where it ended. A run that
//! stopped short (its line search failed, its cost stalled, its simplex collapsed) is judged
//! with the Hessian there and restarted from that point, at most [`MAX_RESTARTS`] times; a
//! run that failed (a non-finite NLL at a point it tried, a parameter off its space) is
//! followed by a recovery run with shorter steps from the best point it had accepted, at most
//! [`MAX_RECOVERIES`] times.

use nalgebra::DMatrix;

use crate::density::{LogDensity, Score};
use crate::error::{Error, Result};
use crate::inference::Inference;
use crate::objective::{Counts, Objective};
use crate::options::{FitOptions, Method};
use crate::outcome::{ConvergedBy, Convergence, NEGATIVE_CURVATURE, SeUnavailable, StopReason};

use super::curvature::{self, Curvature};
use super::run::{Ended, Run, RunSettings};
use super::trust_region::{self, Subproblem};
use super::verdict::{self, Evidence, Judged};
use super::whitening::Whitening;
use super::{annealing, bfgs, cg, lbfgs, neldermead, newton_ls, sr1, steepest, swarm, trust};

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
/// Edge of Nelder-Mead's initial simplex in the scaled coordinates, where one unit is about one
/// standard deviation of a single observation's information: large enough to cross a start
/// several standard deviations off in a few reflections.
pub(crate) const SIMPLEX_EDGE: f64 = 1.0;

/// An L-BFGS run with no Hessian to whiten its coordinates is stopped after this many
/// iterations (it has taken that long because its parameters are correlated, which diagonal
/// scales cannot undo): the driver measures the Hessian there and goes on in coordinates it
/// whitens. Ordinary fits converge well before.
fn checkpoint_iters(dim: usize) -> u64 {
    (5 * dim as u64).max(20)
}

/// Hessians whose scaled condition number exceeds this have finite-difference gradients
/// taken along the axes that whiten them (see [`crate::objective`]'s `Basis`): along the
/// coordinate axes, rounding reaches their weak direction amplified by up to the square root
/// of the condition number.
const BASIS_CONDITION: f64 = 1e4;

/// The directions finite-difference gradients should be taken along near where `hessian` (in
/// `u`) was measured: the whitened axes of an ill-conditioned positive-definite Hessian, or
/// the coordinate axes (`None`).
fn difference_basis<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    hessian: Option<&DMatrix<f64>>,
) -> Option<DMatrix<f64>> {
    let hessian = hessian?;
    if objective.has_score()
        || !curvature::scaled_condition(hessian)
            .is_some_and(|c| c > BASIS_CONDITION && c < curvature::SINGULAR_CONDITION)
    {
        return None;
    }
    Whitening::new(hessian, objective.coords().scales()).map(|w| w.r().clone())
}

/// An L-BFGS run in coordinates whitened by an ill-conditioned Hessian stops after this many
/// times [`checkpoint_iters`] for the Hessian to be measured again.
const REWHITEN_FACTOR: u64 = 2;

/// Where a stage starts.
pub(crate) struct Start {
    /// The user's parameters.
    pub(crate) theta: Vec<f64>,
    /// The natural scales of the unconstrained coordinates measured before, as a guess for the
    /// first calibration.
    pub(crate) guess: Option<Vec<f64>>,
    /// The Hessian of the mean NLL in the unconstrained coordinates measured before: the first
    /// run works in coordinates it whitens.
    pub(crate) hessian: Option<DMatrix<f64>>,
    /// The edge of Nelder-Mead's first simplex, in the scaled coordinates.
    pub(crate) simplex_edge: f64,
}

/// A point where a run ended, with its verdict.
pub(crate) struct Outcome {
    pub(crate) z: Vec<f64>,
    pub(crate) f: f64,
    pub(crate) gradient: Option<Vec<f64>>,
    pub(crate) judged: Judged,
}

/// What one stage of a fit ended with.
pub(crate) struct Stage {
    pub(crate) outcome: Outcome,
    pub(crate) estimates: Vec<f64>,
    pub(crate) observed: Option<std::result::Result<Inference, SeUnavailable>>,
    pub(crate) iterations: u64,
    /// The iterates after the start, in the user's parameters.
    pub(crate) path: Vec<Vec<f64>>,
    /// Passes over the data spent on Hessians.
    pub(crate) hessian_passes: u64,
    /// The natural scales of the unconstrained coordinates where the stage ended.
    pub(crate) scales: Vec<f64>,
    /// The Hessian of the mean NLL in the unconstrained coordinates where the stage ended.
    pub(crate) hessian: Option<DMatrix<f64>>,
}

/// How many more runs the driver allows, and whether the next is a recovery run.
#[derive(Debug, Default)]
struct Tries {
    restarts: usize,
    recoveries: usize,
    /// Whether the next run is a recovery run: after a failure or a failed line search.
    recovering: bool,
}

impl Tries {
    /// After a failure or a failed line search, a short run with steps cut to 1/4, 1/16, ...
    /// of their size gets away from where the optimizer went wrong; then runs are normal again.
    fn shrink(&self) -> Option<f64> {
        self.recovering
            .then(|| RECOVERY_SHRINK.powi(self.recoveries as i32))
    }

    fn out_of_tries(&self) -> bool {
        if self.recovering {
            self.recoveries > MAX_RECOVERIES
        } else {
            self.restarts > MAX_RESTARTS
        }
    }

    fn recover(&mut self) {
        self.recovering = true;
        self.recoveries += 1;
    }

    /// What to do after a run that ended as `ended`, counting the try it used.
    fn next(&mut self, ended: Ended, out_of_iterations: bool, checkpoint: bool) -> Next {
        match ended {
            Ended::MaxIterations if out_of_iterations => Next::Final(ended),
            Ended::Failure(failure) => {
                if self.recoveries >= MAX_RECOVERIES || out_of_iterations {
                    return Next::Final(Ended::Failure(failure));
                }
                self.recover();
                Next::Continue
            }
            // A long run in unwhitened coordinates: judge it with the Hessian, which the
            // next run whitens its coordinates with.
            Ended::MaxIterations | Ended::Checkpoint if checkpoint => {
                Next::Judge(Ended::Checkpoint)
            }
            Ended::Checkpoint => Next::Judge(Ended::Checkpoint),
            // A short recovery run that used its iterations: carry on normally.
            Ended::MaxIterations => {
                self.recovering = false;
                Next::Continue
            }
            Ended::LineSearch => {
                self.recover();
                Next::Judge(Ended::LineSearch)
            }
            Ended::SolverConverged => {
                self.recovering = false;
                self.restarts += 1;
                Next::Judge(Ended::SolverConverged)
            }
        }
    }
}

/// What to do after a run, from how it ended.
enum Next {
    /// Judge it without a Hessian (a failure never gets one: the NLL is not finite nearby):
    /// the verdict is final.
    Final(Ended),
    /// Go on from where it ended without judging it.
    Continue,
    /// Judge it with the Hessian where it ended, then stop or restart.
    Judge(Ended),
}

/// The state of a stage between runs.
struct Progress {
    /// Where the next run starts, the scales to calibrate from, the Hessian to whiten with.
    theta: Vec<f64>,
    guess: Option<Vec<f64>>,
    hessian: Option<DMatrix<f64>>,
    simplex_edge: f64,
    iterations: u64,
    path: Vec<Vec<f64>>,
    tries: Tries,
    hessian_passes: u64,
    /// Scales L-BFGS's gradient test when correlated parameters made it stop short.
    gradient_factor: f64,
}

/// A run's end, judged: the stage is over, or it goes on from a new point.
enum Verdict {
    Final(
        Box<(
            Outcome,
            Option<std::result::Result<Inference, SeUnavailable>>,
        )>,
    ),
    Again,
}

impl Progress {
    fn new(start: Start) -> Self {
        Progress {
            theta: start.theta,
            guess: start.guess,
            hessian: start.hessian,
            simplex_edge: start.simplex_edge,
            iterations: 0,
            path: Vec::new(),
            tries: Tries::default(),
            hessian_passes: 0,
            gradient_factor: 1.0,
        }
    }

    /// The settings of the next run, and whether it is a checkpoint run (L-BFGS stopped
    /// early to measure the Hessian).
    fn settings(&self, options: &FitOptions, dim: usize) -> (RunSettings, bool) {
        let shrink = self.tries.shrink();
        let mut max_iters = options.max_iters - self.iterations;
        if shrink.is_some()
            && matches!(
                options.method,
                Method::Lbfgs | Method::Bfgs | Method::ConjugateGradient
            )
        {
            max_iters = max_iters.min(RECOVERY_ITERS);
        }
        // Without a Hessian, or with an ill-conditioned one (which changes along the way: a
        // scale parameter falling by orders of magnitude, a curved valley), L-BFGS stops now
        // and then for a fresh Hessian to whiten its coordinates and difference directions.
        let stale = match &self.hessian {
            None => Some(checkpoint_iters(dim)),
            Some(h) => curvature::scaled_condition(h)
                .is_none_or(|c| c > BASIS_CONDITION)
                .then(|| REWHITEN_FACTOR * checkpoint_iters(dim)),
        };
        let checkpoint = shrink.is_none()
            && options.method == Method::Lbfgs
            && dim >= 2
            && stale.is_some_and(|k| max_iters > k);
        if checkpoint && let Some(k) = stale {
            max_iters = k;
        }
        let settings = RunSettings {
            tolerance: options.tolerance,
            max_iters,
            gradient_factor: self.gradient_factor,
            simplex_edge: self.simplex_edge,
            shrink,
        };
        (settings, checkpoint)
    }

    /// One run from `theta`, in coordinates re-centred and re-calibrated there.
    fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
        &mut self,
        objective: &mut Objective<'_, O, F, S>,
        options: &FitOptions,
    ) -> Result<(Run, bool)> {
        if matches!(options.method, Method::Newton | Method::Bhhh) {
            return self.newton_run(objective, options).map(|run| (run, false));
        }
        let f0 = objective.recentre(&self.theta, self.guess.as_deref())?;
        let (settings, checkpoint) = self.settings(options, objective.coords().dim());
        let whitening = self
            .hessian
            .as_ref()
            .and_then(|h| Whitening::new(h, objective.coords().scales()));
        objective.set_difference_basis(difference_basis(objective, self.hessian.as_ref()));
        let run = match options.method {
            Method::NelderMead => neldermead::run(objective, f0, &settings, whitening.as_ref())?,
            Method::Bfgs => bfgs::run(objective, f0, &settings, whitening.as_ref())?,
            Method::ConjugateGradient => cg::run(objective, f0, &settings, whitening.as_ref())?,
            Method::SteepestDescent => steepest::run(objective, f0, &settings)?,
            Method::NewtonLineSearch => {
                newton_ls::run(objective, f0, &settings, whitening.as_ref())?
            }
            Method::TrustRegionSteihaug => trust_region::run(
                objective,
                f0,
                &settings,
                whitening.as_ref(),
                Subproblem::Steihaug,
            )?,
            Method::TrustRegionDogleg => trust_region::run(
                objective,
                f0,
                &settings,
                whitening.as_ref(),
                Subproblem::Dogleg,
            )?,
            Method::Sr1TrustRegion => sr1::run(objective, f0, &settings, whitening.as_ref())?,
            // The global methods' polish, from the best point their search found.
            Method::Lbfgs
            | Method::Newton
            | Method::Bhhh
            | Method::ParticleSwarm
            | Method::SimulatedAnnealing => {
                lbfgs::run(objective, f0, &settings, whitening.as_ref())?
            }
        };
        self.iterations += run.iterations;
        let coords = objective.coords();
        self.path
            .extend(run.path.iter().skip(1).filter_map(|z| coords.theta(z).ok()));
        Ok((run, checkpoint))
    }

    /// One run of Newton's method (or BHHH's): trust-region steps with the Hessian (by finite
    /// differences, or exact; BHHH: the outer product of the scores) from `theta` until a good
    /// Newton step was taken from within `√tolerance` standard errors of the optimum
    /// (quadratically closer after it), the iterations left, or a region that shrank to
    /// nothing. The coordinates end centred where it stopped.
    fn newton_run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
        &mut self,
        objective: &mut Objective<'_, O, F, S>,
        options: &FitOptions,
    ) -> Result<Run> {
        let left = options.max_iters.saturating_sub(self.iterations).max(1);
        let opening = trust::open(
            objective,
            &self.theta,
            self.guess.as_deref(),
            left,
            trust::Until::Optimum(options.tolerance.sqrt()),
            if options.method == Method::Bhhh {
                trust::Curvature::OuterProduct
            } else {
                trust::Curvature::Hessian
            },
        )?;
        self.iterations += opening.steps;
        self.path.extend(opening.path);
        Ok(Run {
            z: vec![0.0; objective.coords().dim()],
            f: opening.f,
            gradient: None,
            iterations: opening.steps,
            path: Vec::new(),
            ended: match opening.end {
                trust::End::Reached => Ended::SolverConverged,
                trust::End::Steps => Ended::MaxIterations,
                trust::End::Collapsed => Ended::LineSearch,
            },
        })
    }

    /// The Hessian and standard errors at `at` (the user's parameters `theta`), counted as
    /// Hessian passes and kept as the next run's whitening.
    fn observe<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
        &mut self,
        objective: &Objective<'_, O, F, S>,
        at: &Outcome,
        theta: &[f64],
        options: &FitOptions,
    ) -> Curvature {
        let passes = |c: Counts| c.nll + c.score;
        let before = passes(objective.counts());
        let measured = curvature::observe(objective, &at.z, at.f, theta, options.standard_errors);
        self.hessian_passes += passes(objective.counts()) - before;
        self.hessian = measured.hessian.clone();
        measured
    }

    /// Judges the point a run returned with the Hessian there: the Newton decrement gives the
    /// distance to the optimum, and the same Hessian the standard errors when the fit has
    /// converged. Decides whether the stage is over, and sets the scales the next
    /// calibration (or the stage's result) starts from.
    fn judge<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
        &mut self,
        objective: &Objective<'_, O, F, S>,
        run: Run,
        ended: Ended,
        theta_end: &[f64],
        out_of_iterations: bool,
        options: &FitOptions,
    ) -> Verdict {
        let passes = |c: Counts| c.nll + c.score;
        let before = passes(objective.counts());
        let mut measured =
            curvature::observe(objective, &run.z, run.f, theta_end, options.standard_errors);
        self.hessian_passes += passes(objective.counts()) - before;
        self.hessian = measured.hessian.clone();
        // Only a Hessian that gave standard errors (positive definite beyond its measurement's
        // uncertainty) is trusted to whiten the differences.
        if measured.result.is_ok()
            && let Some(basis) = difference_basis(objective, measured.hessian.as_ref())
        {
            objective.set_difference_basis(Some(basis));
        }
        let stopped_by_gradient_test = matches!(ended, Ended::SolverConverged);
        let mut outcome = judge_at(
            objective,
            run.z,
            run.f,
            run.gradient,
            &ended,
            options,
            Some(&measured),
        );
        // Stationary with a flat direction: an invariance of the likelihood (a ridge of
        // optima), or a plateau the NLL still descends along, far out.
        if matches!(outcome.judged.convergence, Convergence::Converged(_))
            && let Err(SeUnavailable::NotPositiveDefinite {
                direction,
                relative_curvature,
            }) = &measured.result
            && *relative_curvature >= -NEGATIVE_CURVATURE
            && let Some(h) = &measured.hessian
            && descends_along(objective, &outcome.z, outcome.f, &curvature::flattest(h))
        {
            outcome.judged.convergence = Convergence::NotConverged(StopReason::Plateau {
                direction: direction.clone(),
            });
        }
        // A run can stall near the optimum: BHHH converges linearly on finite-difference scores
        // of single observations; a line search on an ill-conditioned NLL (condition 1e8)
        // cannot tell its trial points apart a few 1e-6 standard errors from the optimum,
        // where the gradient, taken along the Hessian's whitened axes, still locates it. The
        // Hessian measured for the verdict gives the last step (Newton's), accepted only if
        // the gradient test then passes there.
        // Other methods take that step only when no restart is left: a restart is the
        // ordinary mend, and the textbook fits keep their paths.
        let last_chance = out_of_iterations || self.tries.out_of_tries();
        if (options.method == Method::Bhhh || (options.method != Method::NelderMead && last_chance))
            && matches!(
                outcome.judged.convergence,
                Convergence::NotConverged(
                    StopReason::Stalled { .. } | StopReason::LineSearchFailed { .. }
                )
            )
            && let Some(polished) = polish(objective, &outcome, &measured, options)
        {
            if let Ok(theta) = objective.coords().theta(&polished.z) {
                // The standard errors are taken where the fit ends: the step from a stall
                // can be longer than the precision limit's.
                measured = self.observe(objective, &polished, &theta, options);
                self.path.push(theta);
            }
            outcome = polished;
        }
        let converged = matches!(outcome.judged.convergence, Convergence::Converged(_));
        let restartable = matches!(
            outcome.judged.convergence,
            Convergence::NotConverged(
                StopReason::LineSearchFailed { .. }
                    | StopReason::Stalled { .. }
                    | StopReason::SimplexCollapsed { .. }
                    | StopReason::NotAMinimum { .. }
                    | StopReason::Saturated { .. }
            )
        );
        self.guess = Some(
            measured
                .scales()
                .unwrap_or_else(|| objective.coords().scales().to_vec()),
        );
        if converged || !restartable || out_of_iterations || self.tries.out_of_tries() {
            // Nelder-Mead compares values only, so it stops no nearer than rounding of the
            // NLL allows (√(8ε|NLL|) standard errors, 1e-6 at |NLL| ~ 1e3); the gradient
            // and Hessian computed for the verdict locate the optimum far more closely.
            let polishable = match &outcome.judged.convergence {
                Convergence::Converged(ConvergedBy::PrecisionLimit) => true,
                Convergence::Converged(_) => !options.method.judged_by_gradient(),
                Convergence::NotConverged(_) => false,
            };
            if polishable && let Some(polished) = polish(objective, &outcome, &measured, options) {
                if let Ok(theta) = objective.coords().theta(&polished.z) {
                    // An exact Hessian costs one pass: the standard errors are taken where
                    // the fit ends, not one step before.
                    if objective.has_exact_hessian() {
                        measured = self.observe(objective, &polished, &theta, options);
                    }
                    self.path.push(theta);
                }
                outcome = polished;
            }
            if !converged && out_of_iterations {
                outcome.judged.convergence = Convergence::NotConverged(StopReason::MaxIterations {
                    iterations: options.max_iters,
                });
            }
            return Verdict::Final(Box::new((outcome, Some(measured.result))));
        }
        // L-BFGS's gradient-norm test fired, but with correlated parameters the decrement
        // says the optimum is farther: ask the next run for as much more as was missing.
        if let Some(d) = outcome.judged.distance
            && stopped_by_gradient_test
            && d > options.tolerance
        {
            self.gradient_factor = (self.gradient_factor * 0.5 * options.tolerance / d).max(1e-6);
        }
        Verdict::Again
    }
}

/// Runs the optimizer on `objective` from `start` until the verdict at the end of a run is
/// final: converged, or not converged for a reason a restart cannot mend.
pub(crate) fn optimize<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &mut Objective<'_, O, F, S>,
    start: Start,
    options: &FitOptions,
) -> Result<Stage> {
    let mut progress = Progress::new(start);
    if options.method == Method::Lbfgs
        && progress.hessian.is_none()
        && (trust::OPENING_DIMS.contains(&objective.coords().dim())
            || objective.has_exact_hessian())
    {
        let opening = trust::open(
            objective,
            &progress.theta,
            progress.guess.as_deref(),
            options.max_iters / 2,
            trust::Until::Curvature,
            trust::Curvature::Hessian,
        )?;
        progress.iterations += opening.steps;
        progress.path.extend(opening.path);
        progress.theta = opening.theta;
        progress.hessian = opening.hessian;
        progress.guess = Some(objective.coords().scales().to_vec());
    }
    // A global method searches from the first start only (a warm-start stage after the first
    // brings its Hessian, and starts where the smaller sample's polish converged). Its
    // evaluations are counted as passes; its iterations are not the polish's, whose cap they
    // would otherwise spend.
    if options.method.is_global() && progress.hessian.is_none() {
        let f0 = objective.recentre(&progress.theta, progress.guess.as_deref())?;
        let found = if options.method == Method::ParticleSwarm {
            swarm::search(objective, f0, options.seed)?
        } else {
            annealing::search(objective, f0, options.seed)?
        };
        if found.f < f0
            && let Ok(theta) = objective.coords().theta(&found.z)
        {
            progress.path.push(theta.clone());
            progress.theta = theta;
        }
        progress.guess = Some(objective.coords().scales().to_vec());
    }
    let (outcome, observed) = loop {
        let (run, checkpoint) = progress.run(objective, options)?;
        let out_of_iterations = progress.iterations >= options.max_iters;
        let ended = match progress
            .tries
            .next(run.ended.clone(), out_of_iterations, checkpoint)
        {
            Next::Final(ended) => {
                // A failure is judged without the run's gradient, which it has not got.
                let gradient = if matches!(ended, Ended::Failure(_)) {
                    None
                } else {
                    run.gradient
                };
                let outcome = judge_at(objective, run.z, run.f, gradient, &ended, options, None);
                break (outcome, None);
            }
            Next::Continue => None,
            Next::Judge(ended) => Some(ended),
        };
        let theta_end = objective.coords().theta(&run.z).map_err(Error::from)?;
        let verdict = match ended {
            Some(ended) => progress.judge(
                objective,
                run,
                ended,
                &theta_end,
                out_of_iterations,
                options,
            ),
            None => {
                progress.guess = Some(objective.coords().scales().to_vec());
                Verdict::Again
            }
        };
        if let Verdict::Final(end) = verdict {
            break *end;
        }
        progress.theta = theta_end;
    };
    let coords = objective.coords();
    let estimates = coords.theta(&outcome.z).map_err(Error::from)?;
    Ok(Stage {
        outcome,
        estimates,
        observed,
        iterations: progress.iterations,
        path: progress.path,
        hessian_passes: progress.hessian_passes,
        hessian: progress.hessian,
        scales: progress.guess.unwrap_or_else(|| coords.scales().to_vec()),
    })
}

/// Steps along a flat direction to probe, as fractions of the parameters' own size (or of
/// their coordinates' scales where that is larger): a plateau at infinity only shows over
/// distances of the parameters' order.
const PLATEAU_PROBES: [f64; 3] = [0.01, 0.1, 1.0];
/// A probe whose mean NLL is lower by more than this fraction of the NLL (a thousand times
/// its rounding; the compensated sum is good to a few) shows the likelihood still rising along
/// the flat direction.
const PLATEAU_DROP: f64 = 1e3 * f64::EPSILON;

/// Whether the NLL along `du` (a flat direction of the Hessian in `u`) from `z`, where its mean
/// is `f`, shows a plateau rather than an optimum: it falls, beyond rounding, one way or the
/// other, or stays level one way while rising the other. An invariance of the likelihood
/// (parameters that enter only through a combination) leaves it level both ways; a flat-bottomed
/// optimum rises both ways.
fn descends_along<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    z: &[f64],
    f: f64,
    du: &[f64],
) -> bool {
    let coords = objective.coords();
    let u = coords.u_of(z);
    let size: Vec<f64> = u
        .iter()
        .zip(coords.scales())
        .map(|(u, s)| u.abs().max(*s))
        .collect();
    let reach = du
        .iter()
        .zip(&size)
        .map(|(d, s)| (d / s).abs())
        .fold(0.0, f64::max);
    if !(reach.is_finite() && reach > 0.0) {
        return false;
    }
    let tolerance = PLATEAU_DROP * f.abs().max(1.0);
    let at = |t: f64| -> Option<f64> {
        let point: Vec<f64> = u.iter().zip(du).map(|(u, d)| u + t * d / reach).collect();
        objective.mean_nll_at_u(&point).ok()
    };
    PLATEAU_PROBES.iter().any(|&t| {
        let (plus, minus) = (at(t), at(-t));
        let lower = |v: Option<f64>| v.is_some_and(|v| v < f - tolerance);
        let level = |v: Option<f64>| v.is_some_and(|v| (v - f).abs() <= tolerance);
        let higher = |v: Option<f64>| v.is_some_and(|v| v > f + tolerance);
        // Falling either way, or level one way and rising the other (the likelihood's
        // supremum lies off towards the level side, out of reach of floating point).
        lower(plus)
            || lower(minus)
            || (level(plus) && higher(minus))
            || (level(minus) && higher(plus))
    })
}

/// Judges the point `z` (mean NLL `f`) where a run ended, from the gradient there (computed
/// unless given) and the curvature when it was measured.
pub(crate) fn judge_at<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    z: Vec<f64>,
    f: f64,
    gradient: Option<Vec<f64>>,
    ended: &Ended,
    options: &FitOptions,
    curvature: Option<&Curvature>,
) -> Outcome {
    let gradient = gradient.or_else(|| objective.verdict_gradient(&z).ok());
    let coords = objective.coords();
    let caps: Vec<f64> = (0..coords.dim()).map(|k| coords.scale_cap(k)).collect();
    let floor = objective.floor_parts(&z, f);
    let theta = coords.theta(&z).ok();
    let curl = theta
        .as_ref()
        .map_or_else(|| vec![0.0; coords.dim()], |t| coords.curl(t));
    let at_edge = theta
        .as_ref()
        .map_or_else(|| vec![false; coords.dim()], |t| coords.at_edge(t));
    let judged = verdict::judge(&Evidence {
        ended,
        method: options.method,
        tolerance: options.tolerance,
        max_iters: options.max_iters,
        n: objective.n(),
        f,
        gradient: gradient.as_deref(),
        scales: coords.scales(),
        scale_caps: &caps,
        calibrated: coords.curvature(),
        floor: &floor,
        curl: &curl,
        names: coords.names(),
        at_edge: &at_edge,
        curvature,
    });
    Outcome {
        z,
        f,
        gradient,
        judged,
    }
}

/// From a point judged converged at the precision limit, one Newton step with the Hessian just
/// computed there: kept when the gradient at the new point puts it within the tolerance.
///
/// Near the optimum of a large sample the NLL's values cannot be told apart by rounding (a
/// line search stalls), while its central-difference gradient still locates the optimum to a
/// small fraction of that. The step is at most `LIMIT_SLACK` times the precision limit long,
/// a distance at which the curvature (and so the standard errors computed before the step)
/// changes by a relative `√(20 ε |f|)`-ish amount, some 1e-7.
fn polish<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    at: &Outcome,
    curvature: &Curvature,
    options: &FitOptions,
) -> Option<Outcome> {
    let hessian = curvature.hessian.as_ref()?;
    let scales = objective.coords().scales();
    let g_u: Vec<f64> = at
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
    let z: Vec<f64> =
        at.z.iter()
            .zip(step.iter())
            .zip(scales)
            .map(|((z, d), s)| z - d / s)
            .collect();
    let f = objective.mean_nll(&z).ok()?;
    let gradient = objective.verdict_gradient(&z).ok()?;
    let polished = judge_at(
        objective,
        z,
        f,
        Some(gradient),
        &Ended::SolverConverged,
        options,
        Some(curvature),
    );
    let closer = match (polished.judged.distance, at.judged.distance) {
        (Some(after), Some(before)) => after < before,
        (Some(_), None) => true,
        _ => false,
    };
    let accepted = if options.method.judged_by_gradient() {
        matches!(
            polished.judged.convergence,
            Convergence::Converged(ConvergedBy::Gradient)
        )
    } else {
        // Nelder-Mead's own verdict stands unless the step brought the point closer.
        matches!(polished.judged.convergence, Convergence::Converged(_))
    };
    (closer && accepted).then_some(polished)
}
