//! The result of a fit: estimates, counts, timing and an honest verdict on convergence.

use std::fmt;
use std::time::Duration;

use crate::certificate::{Certificate, Trust};
use crate::error::{Error, Result};
use crate::inference::{Inference, SeUnavailable};
use crate::params::{Param, Space};
use crate::solver::Method;
use crate::summary::Summary;

/// Which test a converged fit passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvergedBy {
    /// The gradient is below the stationarity tolerance: the optimum is estimated to lie closer
    /// than `tolerance` standard errors.
    Gradient,
    /// The optimizer stopped (its line search or cost test) where rounding stops progress: the
    /// gradient is within its rounding noise, or the distance to the optimum it implies is
    /// below what differences of NLL values can resolve. Both can exceed the requested
    /// tolerance; [`Fit::distance_to_optimum`] says by how much.
    PrecisionLimit,
    /// The Nelder-Mead simplex's costs agree to within the tolerance, and the gradient there
    /// confirms a stationary point.
    SimplexSpread,
}

/// Why a fit that did not converge stopped.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StopReason {
    /// The iteration cap was reached first.
    MaxIterations {
        /// The cap.
        iterations: u64,
    },
    /// The line search could not make progress, and the gradient says the optimum is still
    /// `distance` standard errors away.
    LineSearchFailed {
        /// Estimated distance to the optimum, in standard errors.
        distance: f64,
    },
    /// The cost stopped changing while the gradient says the optimum is `distance` standard
    /// errors away.
    Stalled {
        /// Estimated distance to the optimum, in standard errors.
        distance: f64,
    },
    /// The simplex collapsed `distance` standard errors away from a stationary point.
    SimplexCollapsed {
        /// Estimated distance to the optimum, in standard errors.
        distance: f64,
    },
    /// The log-density of an observation was NaN or infinite at a point the optimizer tried.
    NonFiniteLogDensity {
        /// The observation's index.
        index: usize,
        /// The value the log-density returned.
        value: f64,
        /// The parameters tried.
        params: Vec<f64>,
    },
    /// The supplied score was not finite at a point the optimizer tried.
    NonFiniteScore {
        /// The observation's index.
        index: usize,
        /// The parameters tried.
        params: Vec<f64>,
    },
    /// The NLL overflowed at a point the optimizer tried.
    NllOverflow {
        /// The parameters tried.
        params: Vec<f64>,
    },
    /// The NLL curves down where the optimizer stopped (along `direction`, in the user's
    /// parameters): a saddle point, or a likelihood that grows without bound.
    NotAMinimum {
        /// The direction, as (name, coefficient) with the largest coefficient 1.
        direction: Vec<(String, f64)>,
    },
    /// A value the optimizer tried left a parameter's space in floating point (a positive one
    /// reaching 0 or infinity, an interval one rounding onto a bound, a free one overflowing):
    /// the likelihood may be unbounded, as for a Normal on all-equal data.
    Diverged {
        /// The parameter whose value left its space.
        name: String,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::MaxIterations { iterations } => {
                write!(f, "iteration cap of {iterations} reached")
            }
            StopReason::LineSearchFailed { distance } => write!(
                f,
                "line search failed with the optimum still about {distance:.3e} standard errors away"
            ),
            StopReason::Stalled { distance } => write!(
                f,
                "the NLL stopped changing with the optimum still about {distance:.3e} standard errors away"
            ),
            StopReason::SimplexCollapsed { distance } => write!(
                f,
                "the simplex collapsed about {distance:.3e} standard errors away from a stationary point"
            ),
            StopReason::NonFiniteLogDensity {
                index,
                value,
                params,
            } => write!(
                f,
                "the log-density of observation {index} was {value} at parameters {params:?}"
            ),
            StopReason::NonFiniteScore { index, params } => write!(
                f,
                "the supplied score of observation {index} was not finite at parameters {params:?}"
            ),
            StopReason::NllOverflow { params } => {
                write!(f, "the NLL overflowed at parameters {params:?}")
            }
            StopReason::NotAMinimum { direction } => write!(
                f,
                "the NLL curves down along {} where the optimizer stopped: not a minimum \
                 (a saddle, or a likelihood that grows without bound)",
                crate::inference::Direction(direction)
            ),
            StopReason::Diverged { name } => write!(
                f,
                "a value of `{name}` the optimizer tried left its space in floating point: \
                 the likelihood may be unbounded (look for a parameter running to an edge)"
            ),
        }
    }
}

/// The verdict on a fit.
#[derive(Debug, Clone, PartialEq)]
pub enum Convergence {
    /// The optimizer reached an optimum, by the named test.
    Converged(ConvergedBy),
    /// It did not; the estimates are where it stopped and are not an MLE.
    NotConverged(StopReason),
}

/// A warm-start stage of a fit: a fit to a subsample, whose estimates started the next stage.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WarmStage {
    /// Observations in the subsample.
    pub observations: usize,
    /// NLL evaluations, each over the subsample.
    pub evaluations: u64,
    /// Iterations of the optimizer.
    pub iterations: u64,
    /// Whether the stage converged (to 0.1 of its own standard errors). A stage that did not
    /// ended the warm start, and the next stage started where the last converged one did.
    pub converged: bool,
}

/// A finished fit. Everything is in the user's parameters; the NLL is the full sum over the
/// data, constant terms included.
#[derive(Debug, Clone)]
pub struct Fit {
    pub(crate) params: Vec<Param>,
    pub(crate) estimates: Vec<f64>,
    pub(crate) nll: f64,
    pub(crate) n: usize,
    pub(crate) method: Method,
    pub(crate) iterations: u64,
    pub(crate) evaluations: u64,
    pub(crate) gradient_evaluations: u64,
    pub(crate) score_evaluations: u64,
    pub(crate) warm_start: Vec<WarmStage>,
    pub(crate) elapsed: Duration,
    pub(crate) gradient: Vec<Option<f64>>,
    pub(crate) scaled_gradient_norm: Option<f64>,
    pub(crate) distance: Option<f64>,
    pub(crate) precision: f64,
    pub(crate) convergence: Convergence,
    pub(crate) path: Vec<Vec<f64>>,
    pub(crate) std_errors: std::result::Result<Inference, SeUnavailable>,
    pub(crate) certificate: Certificate,
    pub(crate) hessian_evaluations: u64,
}

impl Fit {
    /// The estimate of the parameter called `name` (a fixed parameter gives its value).
    pub fn estimate(&self, name: &str) -> Option<f64> {
        self.position(name).map(|i| self.estimates[i])
    }

    /// The estimate of `name`, or [`Error::UnknownParameter`].
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParameter`] when no parameter has that name.
    pub fn try_estimate(&self, name: &str) -> Result<f64> {
        self.estimate(name).ok_or_else(|| Error::UnknownParameter {
            name: name.to_string(),
        })
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }

    /// All estimates in declaration order.
    pub fn estimates(&self) -> &[f64] {
        &self.estimates
    }

    /// The declared parameters, in order.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The summed negative log-likelihood at the estimates.
    pub fn nll(&self) -> f64 {
        self.nll
    }

    /// The log-likelihood at the estimates (`−nll`).
    pub fn log_likelihood(&self) -> f64 {
        -self.nll
    }

    /// The number of observations.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The optimizer used.
    pub fn method(&self) -> Method {
        self.method
    }

    /// Iterations of the optimizer on all the data (those of the warm-start stages are in
    /// [`warm_start`](Fit::warm_start)).
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Passes over all the data computing the NLL: the optimizer's, those inside
    /// finite-difference gradients, the calibration of the scales at the start, the final
    /// gradient check and the Hessians. The warm-start stages' evaluations, each over a
    /// subsample, are in [`warm_start`](Fit::warm_start); [`data_passes`](Fit::data_passes)
    /// counts both.
    pub fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// Every NLL evaluation of the fit in units of one pass over all the data: the
    /// [`evaluations`](Fit::evaluations) plus each warm-start stage's, weighted by the share
    /// of the data it summed. The measure of cost to compare with other optimizers' evaluation
    /// counts.
    pub fn data_passes(&self) -> f64 {
        self.evaluations as f64
            + self
                .warm_start
                .iter()
                .map(|s| s.evaluations as f64 * s.observations as f64 / self.n as f64)
                .sum::<f64>()
    }

    /// The warm-start stages that ran before the fit to all the data, smallest subsample first
    /// (none below 32768 observations or with [`FitOptions::warm_start`] off).
    ///
    /// [`FitOptions::warm_start`]: crate::FitOptions::warm_start
    pub fn warm_start(&self) -> &[WarmStage] {
        &self.warm_start
    }

    /// Gradient evaluations (each costs `p` or `2p` NLL evaluations by finite differences,
    /// or one score pass when a score is supplied).
    pub fn gradient_evaluations(&self) -> u64 {
        self.gradient_evaluations
    }

    /// Passes over the data computing a supplied score.
    pub fn score_evaluations(&self) -> u64 {
        self.score_evaluations
    }

    /// Wall time of the fit (validation and data loading excluded).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// `∂NLL/∂θ` at the estimates for each parameter, `None` for fixed ones (and for all when
    /// the final gradient could not be computed).
    pub fn gradient(&self) -> &[Option<f64>] {
        &self.gradient
    }

    /// The norm of the gradient of the mean NLL in the engine's scaled coordinates, where
    /// every parameter has unit curvature at the start.
    pub fn gradient_norm(&self) -> Option<f64> {
        self.scaled_gradient_norm
    }

    /// The distance to the optimum that the final gradient implies, in standard errors
    /// (`√n · gradient_norm`, a Newton-decrement estimate).
    pub fn distance_to_optimum(&self) -> Option<f64> {
        self.distance
    }

    /// The distance to the optimum, in standard errors, below which this computation cannot
    /// place it: rounding of the NLL over the finite-difference step, the floating-point
    /// spacing of the parameters, and (for forward differences) their truncation error. A fit
    /// that converged at [`ConvergedBy::PrecisionLimit`] is this close, not closer.
    pub fn precision(&self) -> f64 {
        self.precision
    }

    /// The verdict.
    pub fn convergence(&self) -> &Convergence {
        &self.convergence
    }

    /// Whether the fit converged.
    pub fn converged(&self) -> bool {
        matches!(self.convergence, Convergence::Converged(_))
    }

    /// The fit itself if it converged.
    ///
    /// # Errors
    ///
    /// [`Error::NotConverged`] with the reason it stopped.
    pub fn require_converged(self) -> Result<Fit> {
        match self.convergence {
            Convergence::Converged(_) => Ok(self),
            Convergence::NotConverged(reason) => Err(Error::NotConverged { reason }),
        }
    }

    /// Standard errors, covariance and correlation of the free parameters, or why they are not
    /// available (never NaN).
    pub fn std_errors(&self) -> std::result::Result<&Inference, &SeUnavailable> {
        self.std_errors.as_ref()
    }

    /// The standard error of `name`: `None` when standard errors are unavailable (see
    /// [`std_errors`](Fit::std_errors) for why), or for a fixed or unknown parameter.
    pub fn std_error(&self, name: &str) -> Option<f64> {
        self.std_errors.as_ref().ok()?.std_error(name)
    }

    /// The Wald interval `estimate ± z·SE` for `name` at confidence `level` (z the Normal
    /// quantile at `(1 + level)/2`). It can cross the edge of the parameter's space; the
    /// certificate warns when it does, and [`Model::profile`](crate::Model::profile) gives an
    /// interval that respects it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for a level outside (0, 1), [`Error::UnknownParameter`], and
    /// [`Error::StdErrorsUnavailable`] with the reason when there is no standard error.
    pub fn wald_interval(&self, name: &str, level: f64) -> Result<(f64, f64)> {
        crate::profile::check_level(level)?;
        let estimate = self.try_estimate(name)?;
        let se = match &self.std_errors {
            Ok(inference) => inference
                .std_error(name)
                .ok_or(Error::StdErrorsUnavailable {
                    reason: SeUnavailable::Fixed,
                })?,
            Err(reason) => {
                return Err(Error::StdErrorsUnavailable {
                    reason: reason.clone(),
                });
            }
        };
        let z = crate::profile::normal_quantile(0.5 + 0.5 * level);
        Ok((estimate - z * se, estimate + z * se))
    }

    /// The certificate: the checks behind the verdict on this fit.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The verdict of the certificate.
    pub fn trust(&self) -> Trust {
        self.certificate.trust()
    }

    /// Passes over the data spent on the observed information (two Hessians, steps `h` and
    /// `h/2`): NLL evaluations, included in [`evaluations`](Fit::evaluations), or with a
    /// supplied score, score passes, included in [`score_evaluations`](Fit::score_evaluations).
    pub fn hessian_evaluations(&self) -> u64 {
        self.hessian_evaluations
    }

    /// The number of estimated (free) parameters, `k` in AIC and BIC.
    pub fn free_parameters(&self) -> usize {
        self.params
            .iter()
            .filter(|p| !matches!(p.space, Space::Fixed(_)))
            .count()
    }

    /// Akaike's information criterion, `AIC = 2k − 2 lnL` (k free parameters; the −2lnL
    /// convention, so smaller is better and differences are on the deviance scale).
    pub fn aic(&self) -> f64 {
        2.0 * self.free_parameters() as f64 + 2.0 * self.nll
    }

    /// The small-sample AIC, `AICc = AIC + 2k(k + 1)/(n − k − 1)`; `None` when `n ≤ k + 1`.
    pub fn aicc(&self) -> Option<f64> {
        let k = self.free_parameters() as f64;
        let n = self.n as f64;
        (n > k + 1.0).then(|| self.aic() + 2.0 * k * (k + 1.0) / (n - k - 1.0))
    }

    /// The Bayesian information criterion, `BIC = k ln n − 2 lnL`.
    pub fn bic(&self) -> f64 {
        self.free_parameters() as f64 * (self.n as f64).ln() + 2.0 * self.nll
    }

    /// The summary table at 95%, to which profile intervals can be added.
    pub fn summary(&self) -> Summary<'_> {
        Summary::new(self)
    }

    /// The points the optimizer accepted, one per iteration, starting from the start value,
    /// in the user's parameters (for plotting the optimizer's path). After a warm start the
    /// path runs through the subsample stages' points first (each on its own subsample's NLL),
    /// then the fit to all the data from where the last stage ended.
    pub fn path(&self) -> &[Vec<f64>] {
        &self.path
    }
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary())
    }
}
