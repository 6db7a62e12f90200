//! The result of a fit: estimates, counts, timing and an honest verdict on convergence, with
//! the fingerprint of the model and data it came from.

use std::time::Duration;

use crate::certificate::{self, Certificate, Trust};
use crate::density::{Likelihood, LogDensity};
use crate::error::{Error, Result};
use crate::inference::Inference;
use crate::objective;
use crate::optima::MultiStart;
use crate::options::Method;
use crate::outcome::{Convergence, SeUnavailable};
use crate::params::{Param, Space};

/// How far (in units of ε times the NLL) a recomputed NLL at a fit's estimates may be from the
/// fit's own and still be the same model on the same data: the fit's NLL is the mean NLL
/// times n, a few roundings from the exact sum, which the recomputation reproduces bit for bit.
const ORIGIN_ULPS: f64 = 16.0;

/// A warm-start stage of a fit: a fit to a subsample, whose estimates started the next stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmStage {
    pub(crate) observations: usize,
    pub(crate) nll_passes: u64,
    pub(crate) iterations: u64,
    pub(crate) converged: bool,
}

impl WarmStage {
    /// Observations in the subsample.
    pub fn observations(&self) -> usize {
        self.observations
    }

    /// Passes computing the NLL, each over the subsample.
    pub fn nll_passes(&self) -> u64 {
        self.nll_passes
    }

    /// Iterations of the optimizer.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Whether the stage converged (to 0.1 of its own standard errors). A stage that did not
    /// ended the warm start, and the next stage started where the last converged one did.
    pub fn converged(&self) -> bool {
        self.converged
    }
}

/// What a fit cost: iterations, passes over the data, the warm start's stages and time.
#[derive(Debug, Clone)]
pub(crate) struct Cost {
    pub(crate) iterations: u64,
    pub(crate) nll_passes: u64,
    pub(crate) gradient_evaluations: u64,
    pub(crate) score_passes: u64,
    pub(crate) hessian_passes: u64,
    pub(crate) warm_stages: Vec<WarmStage>,
    /// The data passes of the other starts of a multi-start fit.
    pub(crate) other_starts_passes: f64,
    pub(crate) elapsed: Duration,
}

/// What the gradient at the estimates says, and the verdict.
#[derive(Debug, Clone)]
pub(crate) struct Stationarity {
    /// `∂NLL/∂θ` per declared parameter (`None` for a fixed one).
    pub(crate) gradient: Vec<Option<f64>>,
    /// The gradient's norm in the engine's scaled coordinates.
    pub(crate) norm: Option<f64>,
    pub(crate) distance: Option<f64>,
    pub(crate) precision: f64,
    pub(crate) convergence: Convergence,
}

/// What a fit found and what it cost, before the certificate is made.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) params: Vec<Param>,
    pub(crate) estimates: Vec<f64>,
    /// The summed NLL at the estimates.
    pub(crate) nll: f64,
    pub(crate) n: usize,
    /// `Σ` of the observations' counts (frequency weights), the sample size of BIC and AICc.
    pub(crate) sample_size: f64,
    pub(crate) method: Method,
    pub(crate) cost: Cost,
    pub(crate) stationarity: Stationarity,
    /// The points the optimizer accepted, in the user's parameters.
    pub(crate) path: Vec<Vec<f64>>,
}

/// A finished fit. Everything is in the user's parameters; the NLL is the full sum over the
/// data, constant terms included. A fit remembers its parameters' names, the number of
/// observations and its NLL, so that a profile or a test given a fit of another model or of
/// other data returns [`Error::FitMismatch`].
#[derive(Debug, Clone)]
pub struct Fit {
    record: Record,
    /// The standard errors as computed, before the certificate judged them.
    observed: std::result::Result<Inference, SeUnavailable>,
    /// Why the certificate refused them, when it did.
    refused: Option<SeUnavailable>,
    certificate: Certificate,
    multi_start: Option<MultiStart>,
}

impl Fit {
    /// Certifies a fit: the standard errors are refused when a check of the certificate fails
    /// for a reason that makes them meaningless.
    pub(crate) fn new(
        record: Record,
        observed: std::result::Result<Inference, SeUnavailable>,
    ) -> Fit {
        Fit::certified(record, observed, None)
    }

    fn certified(
        record: Record,
        observed: std::result::Result<Inference, SeUnavailable>,
        multi_start: Option<MultiStart>,
    ) -> Fit {
        let (certificate, refuse) = certificate::certify(&certificate::Evidence {
            convergence: &record.stationarity.convergence,
            distance: record.stationarity.distance,
            precision: record.stationarity.precision,
            params: &record.params,
            estimates: &record.estimates,
            observed: &observed,
            multi_start: multi_start.as_ref(),
        });
        Fit {
            refused: refuse,
            observed,
            certificate,
            record,
            multi_start,
        }
    }

    /// This fit with what a multi-start found, certified again with it; `elapsed` is the
    /// whole multi-start's wall time, `other_passes` the other starts' data passes.
    pub(crate) fn with_multi_start(
        self,
        info: MultiStart,
        other_passes: f64,
        elapsed: Duration,
    ) -> Fit {
        let mut record = self.record;
        record.cost.other_starts_passes = other_passes;
        record.cost.elapsed = elapsed;
        Fit::certified(record, self.observed, Some(info))
    }

    /// This fit with standard errors of another kind, certified again with them; computing
    /// them took `nll_passes` and `score_passes` more passes over the data (the per-observation
    /// scores).
    pub(crate) fn with_std_errors(
        self,
        inference: std::result::Result<Inference, SeUnavailable>,
        nll_passes: u64,
        score_passes: u64,
    ) -> Fit {
        let mut record = self.record;
        record.cost.nll_passes += nll_passes;
        record.cost.score_passes += score_passes;
        record.cost.hessian_passes += nll_passes + score_passes;
        Fit::certified(record, inference, self.multi_start)
    }

    /// The standard errors as computed (before the certificate judged them).
    pub(crate) fn computed_std_errors(&self) -> std::result::Result<&Inference, &SeUnavailable> {
        self.observed.as_ref()
    }

    /// What the starts of a multi-start fit found (`None` for a fit from one start).
    pub fn multi_start(&self) -> Option<&MultiStart> {
        self.multi_start.as_ref()
    }

    /// The estimate of the parameter called `name` (a fixed parameter gives its value).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParameter`] when no parameter has that name.
    pub fn estimate(&self, name: &str) -> Result<f64> {
        self.position(name).map(|i| self.record.estimates[i])
    }

    fn position(&self, name: &str) -> Result<usize> {
        self.record
            .params
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| Error::UnknownParameter {
                name: name.to_string(),
            })
    }

    /// The parameters' names, in declaration order (the order of
    /// [`estimates`](Fit::estimates)).
    pub fn names(&self) -> Vec<&str> {
        self.record.params.iter().map(|p| p.name.as_str()).collect()
    }

    /// Checks that this fit is a fit of `likelihood` to `data`: the same parameter names, the
    /// same number of observations, estimates inside the parameters' spaces (fixed values
    /// included), and the same NLL at the estimates, recomputed (a fingerprint of the model and
    /// the data together).
    ///
    /// # Errors
    ///
    /// [`Error::FitMismatch`] saying what differs; errors of the log-density.
    pub(crate) fn check_belongs<O: Sync, F: LogDensity<O> + Sync, S>(
        &self,
        likelihood: Likelihood<'_, O, F, S>,
        data: &[O],
    ) -> Result<()> {
        let mismatch = |reason| Err(Error::FitMismatch { reason });
        let names: Vec<&str> = likelihood
            .params
            .all()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        if self.names() != names {
            return mismatch("the fit's parameters are not this model's");
        }
        if self.record.n != data.len() {
            return mismatch("the fit was made on a different number of observations");
        }
        if likelihood.params.check(&self.record.estimates).is_err() {
            return mismatch("the fit's estimates lie outside this model's parameter spaces");
        }
        let nll = objective::nll(likelihood.density, data, &self.record.estimates)?;
        // The fit's NLL is its mean NLL times n, which rounds the exact sum by a few ulps.
        if (nll - self.record.nll).abs()
            > ORIGIN_ULPS * f64::EPSILON * self.record.nll.abs().max(1.0)
        {
            return mismatch(
                "the NLL at the fit's estimates differs from the fit's: another model or other data",
            );
        }
        Ok(())
    }

    /// All estimates in declaration order.
    pub fn estimates(&self) -> &[f64] {
        &self.record.estimates
    }

    /// The declared parameters, in order.
    pub fn params(&self) -> &[Param] {
        &self.record.params
    }

    /// The summed negative log-likelihood at the estimates.
    pub fn nll(&self) -> f64 {
        self.record.nll
    }

    /// The log-likelihood at the estimates (`−nll`).
    pub fn log_likelihood(&self) -> f64 {
        -self.record.nll
    }

    /// The number of observations.
    pub fn n(&self) -> usize {
        self.record.n
    }

    /// The optimizer used.
    pub fn method(&self) -> Method {
        self.record.method
    }

    /// Iterations of the optimizer on all the data (those of the warm-start stages are in
    /// [`warm_stages`](Fit::warm_stages)).
    pub fn iterations(&self) -> u64 {
        self.record.cost.iterations
    }

    /// Passes over all the data computing the NLL (each one NLL evaluation): the optimizer's,
    /// those inside finite-difference gradients, the calibration of the scales at the start,
    /// the final gradient check and the Hessians. The warm-start stages' passes, each over a
    /// subsample, are in [`warm_stages`](Fit::warm_stages); [`data_passes`](Fit::data_passes)
    /// counts both.
    pub fn nll_passes(&self) -> u64 {
        self.record.cost.nll_passes
    }

    /// Every NLL pass of the fit in units of one pass over all the data: the
    /// [`nll_passes`](Fit::nll_passes) plus each warm-start stage's, weighted by the share of
    /// the data it summed, plus (for a multi-start fit) every other start's. The measure of
    /// cost to compare with other optimizers' evaluation counts.
    pub fn data_passes(&self) -> f64 {
        self.record.cost.other_starts_passes
            + self.record.cost.nll_passes as f64
            + self
                .record
                .cost
                .warm_stages
                .iter()
                .map(|s| s.nll_passes as f64 * s.observations as f64 / self.record.n as f64)
                .sum::<f64>()
    }

    /// The warm-start stages that ran before the fit to all the data, smallest subsample first
    /// (none below 32768 observations or with the warm start turned off by
    /// [`FitOptionsBuilder::warm_start`]).
    ///
    /// [`FitOptionsBuilder::warm_start`]: crate::FitOptionsBuilder::warm_start
    pub fn warm_stages(&self) -> &[WarmStage] {
        &self.record.cost.warm_stages
    }

    /// Gradient evaluations (each costs `p` or `2p` NLL evaluations by finite differences,
    /// or one score pass when a score is supplied).
    pub fn gradient_evaluations(&self) -> u64 {
        self.record.cost.gradient_evaluations
    }

    /// Passes over the data computing a supplied score.
    pub fn score_passes(&self) -> u64 {
        self.record.cost.score_passes
    }

    /// Wall time of the fit (validation and data loading excluded).
    pub fn elapsed(&self) -> Duration {
        self.record.cost.elapsed
    }

    /// `∂NLL/∂θ` at the estimates for each parameter, `None` for fixed ones (and for all when
    /// the final gradient could not be computed).
    pub fn gradient(&self) -> &[Option<f64>] {
        &self.record.stationarity.gradient
    }

    /// The norm of the gradient of the mean NLL in the engine's scaled coordinates, where
    /// every parameter has unit curvature at the start.
    pub fn gradient_norm(&self) -> Option<f64> {
        self.record.stationarity.norm
    }

    /// The distance to the optimum that the final gradient implies, in standard errors
    /// (`√n · gradient_norm`, a Newton-decrement estimate).
    pub fn distance_to_optimum(&self) -> Option<f64> {
        self.record.stationarity.distance
    }

    /// The distance to the optimum, in standard errors, below which this computation cannot
    /// place it: rounding of the NLL over the finite-difference step, the floating-point
    /// spacing of the parameters, and (for forward differences) their truncation error. A fit
    /// that converged at [`ConvergedBy::PrecisionLimit`](crate::ConvergedBy::PrecisionLimit) is
    /// this close, not closer.
    pub fn precision(&self) -> f64 {
        self.record.stationarity.precision
    }

    /// The verdict.
    pub fn convergence(&self) -> &Convergence {
        &self.record.stationarity.convergence
    }

    /// Whether the fit converged.
    pub fn converged(&self) -> bool {
        matches!(
            self.record.stationarity.convergence,
            Convergence::Converged(_)
        )
    }

    /// The fit itself if it converged.
    ///
    /// # Errors
    ///
    /// [`Error::NotConverged`] with the reason it stopped.
    pub fn require_converged(self) -> Result<Fit> {
        match self.record.stationarity.convergence {
            Convergence::Converged(_) => Ok(self),
            Convergence::NotConverged(reason) => Err(Error::NotConverged { reason }),
        }
    }

    /// The fit itself if its certificate trusts it: converged, and no check failed (warnings
    /// allowed; [`certificate`](Fit::certificate) lists them). The call to use when the
    /// estimates and their standard errors are going to be used as an answer.
    ///
    /// # Errors
    ///
    /// [`Error::NotConverged`] with the reason it stopped, or [`Error::NotTrusted`] naming the
    /// checks that failed.
    pub fn require_trusted(self) -> Result<Fit> {
        let fit = self.require_converged()?;
        if fit.trust() == Trust::NotTrusted {
            let failures = fit
                .certificate
                .failures()
                .map(|c| format!("{}: {}", c.name(), c.detail()))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(Error::NotTrusted { failures });
        }
        Ok(fit)
    }

    /// Standard errors, covariance and correlation of the free parameters, or why they are not
    /// available (never NaN).
    pub fn std_errors(&self) -> std::result::Result<&Inference, &SeUnavailable> {
        match &self.refused {
            Some(reason) => Err(reason),
            None => self.observed.as_ref(),
        }
    }

    /// The standard error of `name`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParameter`] when no parameter has that name, and
    /// [`Error::StdErrorsUnavailable`] with the reason when it has no standard error (they
    /// are unavailable for the fit, see [`std_errors`](Fit::std_errors), or the parameter is
    /// fixed).
    pub fn std_error(&self, name: &str) -> Result<f64> {
        self.position(name)?;
        match self.std_errors() {
            Ok(inference) => inference.std_error(name),
            Err(reason) => Err(Error::StdErrorsUnavailable {
                reason: reason.clone(),
            }),
        }
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
        crate::numerics::check_level(level)?;
        let estimate = self.estimate(name)?;
        let se = self.std_error(name)?;
        let z = crate::numerics::normal_quantile(0.5 + 0.5 * level);
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
    /// `h/2`) and, for robust kinds, the per-observation scores (two evaluations of each
    /// observation per free parameter): NLL passes, included in
    /// [`nll_passes`](Fit::nll_passes), or with a supplied score, score passes, included in
    /// [`score_passes`](Fit::score_passes).
    pub fn hessian_passes(&self) -> u64 {
        self.record.cost.hessian_passes
    }

    /// The number of estimated (free) parameters, `k` in AIC and BIC.
    pub fn free_parameters(&self) -> usize {
        self.record
            .params
            .iter()
            .filter(|p| !matches!(p.space, Space::Fixed(_)))
            .count()
    }

    /// Akaike's information criterion, `AIC = 2k − 2 lnL` (k free parameters; the −2lnL
    /// convention, so smaller is better and differences are on the deviance scale).
    pub fn aic(&self) -> f64 {
        2.0 * self.free_parameters() as f64 + 2.0 * self.record.nll
    }

    /// The sample size: the number of observations, or under frequency weights their sum
    /// (the `n` of BIC and AICc).
    pub fn sample_size(&self) -> f64 {
        self.record.sample_size
    }

    /// The small-sample AIC, `AICc = AIC + 2k(k + 1)/(n − k − 1)` (n the
    /// [`sample_size`](Fit::sample_size)); `None` when `n ≤ k + 1`.
    pub fn aicc(&self) -> Option<f64> {
        let k = self.free_parameters() as f64;
        let n = self.record.sample_size;
        (n > k + 1.0).then(|| self.aic() + 2.0 * k * (k + 1.0) / (n - k - 1.0))
    }

    /// The Bayesian information criterion, `BIC = k ln n − 2 lnL` (n the
    /// [`sample_size`](Fit::sample_size)).
    pub fn bic(&self) -> f64 {
        self.free_parameters() as f64 * self.record.sample_size.ln() + 2.0 * self.record.nll
    }

    /// The points the optimizer accepted, one per iteration, starting from the start value,
    /// in the user's parameters (for plotting the optimizer's path). After a warm start the
    /// path runs through the subsample stages' points first (each on its own subsample's NLL),
    /// then the fit to all the data from where the last stage ended.
    pub fn path(&self) -> &[Vec<f64>] {
        &self.record.path
    }
}
