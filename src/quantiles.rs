//! A fitted family's quantile with its uncertainty: the delta method, the profile likelihood
//! (the family reparameterized so that the quantile is a parameter) and the bootstrap — the
//! 5% hazardous concentration of ecotoxicology, a return level of hydrology.

use crate::bootstrap::{Bootstrap, BootstrapInterval};
use crate::density::LogDensity;
use crate::error::{Error, Result};
use crate::families::Family;
use crate::fit::Fit;
use crate::model::Model;
use crate::numerics::{check_level, normal_quantile};
use crate::options::{FitOptions, Method};
use crate::profile::ProfileInterval;

/// A quantile's estimate and intervals.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QuantileEstimate {
    /// The probability `p` of the quantile.
    pub probability: f64,
    /// The confidence level of the intervals.
    pub level: f64,
    /// The quantile at the estimates.
    pub estimate: f64,
    /// Its delta-method standard error, `√(∇qᵀ Σ ∇q)`; `Err` with the reason when the fit has
    /// no standard errors or the family is discrete (its quantile is a step function).
    pub std_error: std::result::Result<f64, Error>,
    /// The delta-method interval: for a family on the positive reals computed for `ln q` and
    /// mapped back (it never crosses 0), else `q ± z·SE`.
    pub delta: std::result::Result<(f64, f64), Error>,
    /// The profile-likelihood interval of the quantile, or why there is none.
    pub profile: std::result::Result<ProfileInterval, Error>,
    /// The bootstrap's percentile interval, when a bootstrap was given.
    pub percentile: Option<std::result::Result<BootstrapInterval, Error>>,
    /// The bootstrap's BCa interval, when a bootstrap was given.
    pub bca: Option<std::result::Result<BootstrapInterval, Error>>,
}

/// How the family's parameters follow from the quantile and the others, for the profile.
#[derive(Debug, Clone, Copy)]
enum Reparameterized {
    /// A location-scale family (Normal, Logistic, Gumbel, Cauchy): `(q, scale)`,
    /// `location = q − z·scale` with `z` the standard quantile.
    LocationScale { family: Family, z: f64 },
    /// Student t: `(q, scale, df)`, `location = q − t_df(p)·scale`.
    StudentT { p: f64 },
    /// LogNormal: `(q, sdlog)`, `meanlog = ln q − z sdlog`.
    LogNormal { z: f64 },
    /// Exponential: `(q)`, `rate = −ln(1 − p)/q`.
    Exponential { e: f64 },
    /// Weibull: `(shape, q)`, `scale = q / (−ln(1 − p))^(1/shape)`.
    Weibull { e: f64 },
    /// Gamma: `(shape, q)`, `scale = q / Q(p; shape, 1)`; with a rate, its inverse.
    Gamma { p: f64, rate: bool },
    /// Log-logistic: `(shape, q)`, `scale = q / (p/(1 − p))^(1/shape)`.
    LogLogistic { odds: f64 },
    /// Pareto (Lomax): `(shape, q)`, `scale = q / ((1 − p)^(−1/shape) − 1)`.
    Pareto { e: f64 },
}

impl Reparameterized {
    fn of(family: Family, p: f64) -> Option<Self> {
        let e = -(-p).ln_1p();
        match family {
            Family::Normal | Family::Logistic | Family::Gumbel | Family::Cauchy => {
                let standard: &[f64] = &[0.0, 1.0];
                Some(Reparameterized::LocationScale {
                    family,
                    z: family.quantile(p, standard).ok()?,
                })
            }
            Family::StudentT => Some(Reparameterized::StudentT { p }),
            Family::LogNormal => Some(Reparameterized::LogNormal {
                z: normal_quantile(p),
            }),
            Family::Exponential => Some(Reparameterized::Exponential { e }),
            Family::Weibull => Some(Reparameterized::Weibull { e }),
            Family::Gamma => Some(Reparameterized::Gamma { p, rate: false }),
            Family::GammaRate => Some(Reparameterized::Gamma { p, rate: true }),
            Family::LogLogistic => Some(Reparameterized::LogLogistic {
                odds: p / (1.0 - p),
            }),
            Family::Pareto => Some(Reparameterized::Pareto { e }),
            // Not the GEV and the generalized Pareto yet: their support moves with the
            // parameters, and the profile's inner fits, warm-started from the neighbouring
            // value, can start outside it.
            _ => None,
        }
    }

    fn family(self) -> Family {
        match self {
            Reparameterized::LocationScale { family, .. } => family,
            Reparameterized::StudentT { .. } => Family::StudentT,
            Reparameterized::LogNormal { .. } => Family::LogNormal,
            Reparameterized::Exponential { .. } => Family::Exponential,
            Reparameterized::Weibull { .. } => Family::Weibull,
            Reparameterized::Gamma { rate: false, .. } => Family::Gamma,
            Reparameterized::Gamma { rate: true, .. } => Family::GammaRate,
            Reparameterized::LogLogistic { .. } => Family::LogLogistic,
            Reparameterized::Pareto { .. } => Family::Pareto,
        }
    }

    /// The family's parameters from the reparameterized ones.
    fn family_params(self, r: &[f64]) -> Vec<f64> {
        match self {
            Reparameterized::LocationScale { z, .. } => vec![r[0] - z * r[1], r[1]],
            Reparameterized::StudentT { p } => {
                let t = Family::StudentT
                    .quantile(p, &[0.0, 1.0, r[2]])
                    .unwrap_or(f64::NAN);
                vec![r[0] - t * r[1], r[1], r[2]]
            }
            Reparameterized::LogNormal { z } => vec![r[0].ln() - z * r[1], r[1]],
            Reparameterized::Exponential { e } => vec![e / r[0]],
            Reparameterized::Weibull { e } => vec![r[0], r[1] / e.powf(1.0 / r[0])],
            Reparameterized::Gamma { p, rate } => {
                let unit = Family::Gamma.quantile(p, &[r[0], 1.0]).unwrap_or(f64::NAN);
                let scale = r[1] / unit;
                vec![r[0], if rate { 1.0 / scale } else { scale }]
            }
            Reparameterized::LogLogistic { odds } => vec![r[0], r[1] / odds.powf(1.0 / r[0])],
            Reparameterized::Pareto { e } => vec![r[0], r[1] / (e / r[0]).exp_m1()],
        }
    }

    /// The model in the reparameterized parameters, started at `start`.
    fn model(self, start: &[f64]) -> Result<Model<f64, Self>> {
        let builder = Model::builder(self);
        match self {
            Reparameterized::LocationScale { .. } => {
                builder.param("q", start[0]).positive("scale", start[1])
            }
            Reparameterized::StudentT { .. } => builder
                .param("q", start[0])
                .positive("scale", start[1])
                .positive("df", start[2]),
            Reparameterized::LogNormal { .. } => {
                builder.positive("q", start[0]).positive("sdlog", start[1])
            }
            Reparameterized::Exponential { .. } => builder.positive("q", start[0]),
            Reparameterized::Weibull { .. }
            | Reparameterized::Gamma { .. }
            | Reparameterized::LogLogistic { .. }
            | Reparameterized::Pareto { .. } => {
                builder.positive("shape", start[0]).positive("q", start[1])
            }
        }
        .build()
    }

    /// The reparameterized estimates from the family's.
    fn reparameterize(self, theta: &[f64], q: f64) -> Vec<f64> {
        match self {
            Reparameterized::LocationScale { .. } | Reparameterized::LogNormal { .. } => {
                vec![q, theta[1]]
            }
            Reparameterized::StudentT { .. } => vec![q, theta[1], theta[2]],
            Reparameterized::Exponential { .. } => vec![q],
            Reparameterized::Weibull { .. }
            | Reparameterized::Gamma { .. }
            | Reparameterized::LogLogistic { .. }
            | Reparameterized::Pareto { .. } => vec![theta[0], q],
        }
    }
}

impl LogDensity<f64> for Reparameterized {
    fn ln_density(&self, x: &f64, params: &[f64]) -> f64 {
        self.family().ln_density(*x, &self.family_params(params))
    }

    /// The family's parameters once per chunk (the Gamma's needs a quantile by bisection).
    fn sum_ln_density(&self, chunk: &[f64], params: &[f64]) -> f64 {
        let theta = self.family_params(params);
        let family = self.family();
        crate::sum::lanes_sum(chunk, |x| family.ln_density(*x, &theta))
    }
}

/// `∂q/∂θ` by central differences, steps a thousandth of each standard error.
fn gradient(family: Family, p: f64, theta: &[f64], se: &[f64]) -> Option<Vec<f64>> {
    (0..theta.len())
        .map(|j| {
            let h = 1e-3 * se[j];
            let at = |s: f64| {
                let mut t = theta.to_vec();
                t[j] += s;
                family.quantile(p, &t).ok()
            };
            Some((at(h)? - at(-h)?) / (2.0 * h))
        })
        .collect()
}

impl Family {
    /// The `p`-quantile of the family's `fit` to `data`, with its delta-method,
    /// profile-likelihood and (given a [`Bootstrap`] of the fit) bootstrap intervals at
    /// `level`.
    ///
    /// ```
    /// use maxlik::{Family, FitOptions, Method};
    ///
    /// let data = [1.2, 0.7, 3.1, 2.2, 0.9, 1.6, 2.8, 0.4, 1.1, 1.9, 0.8, 1.4];
    /// let fit = Family::LogNormal.fit(&data, &FitOptions::new(Method::Lbfgs))?;
    /// let q = Family::LogNormal.quantile_estimate(&data, &fit, 0.05, 0.95, None)?;
    /// let (lo, hi) = q.delta?;
    /// assert!(lo < q.estimate && q.estimate < hi);
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for `p` or `level` outside (0, 1); [`Error::FitMismatch`] when
    /// the fit is not of this family. The intervals that cannot be computed carry their
    /// reason instead.
    pub fn quantile_estimate(
        self,
        data: &[f64],
        fit: &Fit,
        p: f64,
        level: f64,
        bootstrap: Option<&Bootstrap>,
    ) -> Result<QuantileEstimate> {
        check_level(level)?;
        let theta = fit.estimates();
        // Gamma and Weibull share their parameters' names: the NLL recomputed tells them apart.
        let mismatch = || -> bool {
            if fit.names() != self.names() || fit.n() != data.len() {
                return true;
            }
            let nll: f64 = -data.iter().map(|&x| self.ln_density(x, theta)).sum::<f64>();
            (nll - fit.nll()).abs() > 1e-8 * fit.nll().abs().max(1.0)
        };
        if mismatch() {
            return Err(Error::FitMismatch {
                reason: "the fit is not of this family on these data",
            });
        }
        let estimate = self.quantile(p, theta)?;
        let profile = self.quantile_profile(data, fit, p, estimate, level);
        self.quantile_with(fit, p, level, bootstrap, profile)
    }

    /// The `p`-quantile of any fit of the family — censored, truncated or weighted data
    /// included — with its delta-method and (given a [`Bootstrap`]) bootstrap intervals; the
    /// profile, which needs the plain values, is left out with the reason.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for `p` or `level` outside (0, 1); [`Error::FitMismatch`] when
    /// the fit's parameters are not the family's.
    pub fn quantile_of_fit(
        self,
        fit: &Fit,
        p: f64,
        level: f64,
        bootstrap: Option<&Bootstrap>,
    ) -> Result<QuantileEstimate> {
        check_level(level)?;
        if fit.names() != self.names() {
            return Err(Error::FitMismatch {
                reason: "the fit's parameters are not this family's",
            });
        }
        let profile = Err(Error::IntervalUnavailable {
            reason: "the quantile's profile needs the plain values (Family::quantile_estimate); not yet for censored, truncated or weighted data",
        });
        self.quantile_with(fit, p, level, bootstrap, profile)
    }

    /// The estimate, delta-method and bootstrap intervals, around a profile given.
    fn quantile_with(
        self,
        fit: &Fit,
        p: f64,
        level: f64,
        bootstrap: Option<&Bootstrap>,
        profile: Result<ProfileInterval>,
    ) -> Result<QuantileEstimate> {
        let estimate = self.quantile(p, fit.estimates())?;
        let z = normal_quantile(0.5 + 0.5 * level);
        let std_error = self.delta_std_error(fit, p);
        let delta = std_error.clone().map(|se| {
            if estimate > 0.0 && self.is_positive() {
                let s = se / estimate;
                (estimate * (-z * s).exp(), estimate * (z * s).exp())
            } else {
                (estimate - z * se, estimate + z * se)
            }
        });
        let (percentile, bca) = match bootstrap {
            Some(b) => {
                let q = |t: &[f64]| self.quantile(p, t).unwrap_or(f64::NAN);
                (Some(b.percentile_of(q, level)), Some(b.bca_of(q, level)))
            }
            None => (None, None),
        };
        Ok(QuantileEstimate {
            probability: p,
            level,
            estimate,
            std_error,
            delta,
            profile,
            percentile,
            bca,
        })
    }

    /// Whether the family's support is the positive reals (its quantiles are positive).
    fn is_positive(self) -> bool {
        matches!(
            self,
            Family::Exponential
                | Family::Gamma
                | Family::GammaRate
                | Family::Weibull
                | Family::LogNormal
                | Family::LogLogistic
                | Family::Pareto
                | Family::InverseGaussian
                | Family::GeneralizedPareto
        )
    }

    fn delta_std_error(self, fit: &Fit, p: f64) -> Result<f64> {
        if self.is_discrete() {
            return Err(Error::IntervalUnavailable {
                reason: "a count family's quantile is a step function: the delta method does not apply (use the bootstrap)",
            });
        }
        let inference = fit
            .std_errors()
            .map_err(|why| Error::StdErrorsUnavailable {
                reason: why.clone(),
            })?;
        let se: Vec<f64> = fit
            .names()
            .iter()
            .map(|n| fit.std_error(n))
            .collect::<Result<_>>()?;
        let g = gradient(self, p, fit.estimates(), &se).ok_or(Error::FitMismatch {
            reason: "the quantile could not be differentiated at the estimates",
        })?;
        let c = inference.covariance();
        let mut v = 0.0;
        for i in 0..g.len() {
            for j in 0..g.len() {
                v += g[i] * c[(i, j)] * g[j];
            }
        }
        Ok(v.max(0.0).sqrt())
    }

    fn quantile_profile(
        self,
        data: &[f64],
        fit: &Fit,
        p: f64,
        estimate: f64,
        level: f64,
    ) -> Result<ProfileInterval> {
        let r = Reparameterized::of(self, p).ok_or(Error::IntervalUnavailable {
            reason: "this family has no profile of its quantile here (the inverse Gaussian, the Beta, the mixture and the count families have no reparameterization by it; the GEV's and generalized Pareto's support moves with their parameters, which the profile's warm starts do not yet follow): use the delta method or the bootstrap",
        })?;
        let start = r.reparameterize(fit.estimates(), estimate);
        let model = r.model(&start)?;
        let options = FitOptions::builder(Method::Lbfgs)
            .start(start)
            .warm_start(false)
            .build()?;
        let refit = model.fit_with(data, &options)?.require_converged()?;
        model.profile(data, &refit, "q", level)
    }
}
