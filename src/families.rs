//! Built-in families: log-densities with their parameter spaces, data-driven start values and
//! support checks, ready to fit without writing a closure.
//!
//! | family | parameters | support |
//! |---|---|---|
//! | Normal | mu (free), sigma (> 0) | reals |
//! | Exponential | rate (> 0) | x ≥ 0 |
//! | Gamma | shape (> 0), scale (> 0) | x > 0 |
//! | Weibull | shape (> 0), scale (> 0) | x > 0 |
//! | LogNormal | meanlog (free), sdlog (> 0) | x > 0 |
//! | Poisson | lambda (> 0) | non-negative integers |
//! | Beta | alpha (> 0), beta (> 0) | 0 < x < 1 |
//! | NormalMixture | weight (0, 1), mu1, sigma1, mu2, sigma2 | reals |
//!
//! The log-densities are written out (the same formulas as statrs, without building a
//! distribution per observation); `ln Γ` is statrs's.

use std::fmt;
use std::str::FromStr;

use statrs::function::gamma::ln_gamma;

use crate::analytic::Comparison;
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::model::{LogDensity, Model};
use crate::objective::{Sum, lanes_sum};
use crate::solver::FitOptions;

/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// Euler–Mascheroni constant.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// A built-in family of distributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Family {
    /// Normal (mu, sigma).
    Normal,
    /// Exponential (rate).
    Exponential,
    /// Gamma (shape, scale).
    Gamma,
    /// Weibull (shape, scale).
    Weibull,
    /// Log-normal (meanlog, sdlog).
    LogNormal,
    /// Poisson (lambda).
    Poisson,
    /// Beta (alpha, beta).
    Beta,
    /// A mixture of two Normals (weight of the first, mu1, sigma1, mu2, sigma2).
    NormalMixture,
}

/// Every family, in the order of the table above.
pub const FAMILIES: [Family; 8] = [
    Family::Normal,
    Family::Exponential,
    Family::Gamma,
    Family::Weibull,
    Family::LogNormal,
    Family::Poisson,
    Family::Beta,
    Family::NormalMixture,
];

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Family {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let key = s.to_ascii_lowercase().replace(['-', '_', ' '], "");
        FAMILIES
            .iter()
            .copied()
            .find(|f| f.name().to_ascii_lowercase().replace('-', "") == key)
            .ok_or_else(|| Error::UnknownFamily {
                name: s.to_string(),
            })
    }
}

#[inline(always)]
fn normal_ln_pdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x - mu) / sigma;
    -0.5 * z * z - sigma.ln() - LN_SQRT_2PI
}

/// The Gamma (shape k, scale θ) log-density's terms that do not depend on the observation.
struct GammaConstants {
    k: f64,
    theta: f64,
    k_ln_theta: f64,
    ln_gamma_k: f64,
}

impl GammaConstants {
    #[inline(always)]
    fn new(p: &[f64]) -> Self {
        let (k, theta) = (p[0], p[1]);
        GammaConstants {
            k,
            theta,
            k_ln_theta: k * theta.ln(),
            ln_gamma_k: ln_gamma(k),
        }
    }

    /// `(k − 1) ln x − x/θ − k ln θ − ln Γ(k)`.
    #[inline(always)]
    fn ln_density(&self, x: f64) -> f64 {
        (self.k - 1.0) * x.ln() - x / self.theta - self.k_ln_theta - self.ln_gamma_k
    }
}

/// The Beta (α, β) log-density's terms that do not depend on the observation.
struct BetaConstants {
    a: f64,
    b: f64,
    ln_gamma_a: f64,
    ln_gamma_b: f64,
    ln_gamma_ab: f64,
}

impl BetaConstants {
    #[inline(always)]
    fn new(p: &[f64]) -> Self {
        let (a, b) = (p[0], p[1]);
        BetaConstants {
            a,
            b,
            ln_gamma_a: ln_gamma(a),
            ln_gamma_b: ln_gamma(b),
            ln_gamma_ab: ln_gamma(a + b),
        }
    }

    /// `(α − 1) ln x + (β − 1) ln(1 − x) − ln Γ(α) − ln Γ(β) + ln Γ(α + β)`.
    #[inline(always)]
    fn ln_density(&self, x: f64) -> f64 {
        (self.a - 1.0) * x.ln() + (self.b - 1.0) * (1.0 - x).ln()
            - self.ln_gamma_a
            - self.ln_gamma_b
            + self.ln_gamma_ab
    }
}

/// The two-Normal mixture's log-weights, which do not depend on the observation.
struct MixtureConstants<'p> {
    p: &'p [f64],
    ln_weight: f64,
    ln_other: f64,
}

impl<'p> MixtureConstants<'p> {
    #[inline(always)]
    fn new(p: &'p [f64]) -> Self {
        MixtureConstants {
            p,
            ln_weight: p[0].ln(),
            ln_other: (-p[0]).ln_1p(),
        }
    }

    /// `ln(w φ(x; μ₁, σ₁) + (1 − w) φ(x; μ₂, σ₂))`.
    #[inline(always)]
    fn ln_density(&self, x: f64) -> f64 {
        let p = self.p;
        log_add_exp(
            self.ln_weight + normal_ln_pdf(x, p[1], p[2]),
            self.ln_other + normal_ln_pdf(x, p[3], p[4]),
        )
    }
}

/// `ln(e^a + e^b)` without overflow.
#[inline(always)]
fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        m
    } else {
        m + ((a - m).exp() + (b - m).exp()).ln()
    }
}

fn mean(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = values.clone().count() as f64;
    Sum::of(values) / n
}

fn variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = mean(values.clone());
    mean(values.map(move |v| (v - m) * (v - m)))
}

/// A family's log-density as a [`LogDensity`] (what [`Family::model`] fits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyDensity(pub Family);

impl LogDensity<f64> for FamilyDensity {
    #[inline(always)]
    fn ln_density(&self, x: &f64, params: &[f64]) -> f64 {
        self.0.ln_density(*x, params)
    }

    /// Chooses the family once per chunk: within each arm the family is a constant, so the
    /// compiler hoists what does not depend on the observation (`ln σ`) out of the loop, which
    /// a per-observation `match` prevents (measured 10× slower for the Normal). What the
    /// compiler cannot hoist (`ln Γ`, `ln(1 + x)`: library calls) is computed here once, and
    /// each term is the same expression as [`Family::ln_density`]'s, so the bits agree.
    fn sum_ln_density(&self, chunk: &[f64], p: &[f64]) -> f64 {
        macro_rules! sum {
            ($family:expr) => {
                lanes_sum(chunk, |x| $family.ln_density(*x, p))
            };
        }
        match self.0 {
            Family::Normal => sum!(Family::Normal),
            Family::Exponential => sum!(Family::Exponential),
            Family::Gamma => {
                let c = GammaConstants::new(p);
                lanes_sum(chunk, |x| c.ln_density(*x))
            }
            Family::Weibull => sum!(Family::Weibull),
            Family::LogNormal => sum!(Family::LogNormal),
            Family::Poisson => sum!(Family::Poisson),
            Family::Beta => {
                let c = BetaConstants::new(p);
                lanes_sum(chunk, |x| c.ln_density(*x))
            }
            Family::NormalMixture => {
                let c = MixtureConstants::new(p);
                lanes_sum(chunk, |x| c.ln_density(*x))
            }
        }
    }
}

impl Family {
    /// The family's name as the command line takes it.
    pub fn name(self) -> &'static str {
        match self {
            Family::Normal => "normal",
            Family::Exponential => "exponential",
            Family::Gamma => "gamma",
            Family::Weibull => "weibull",
            Family::LogNormal => "lognormal",
            Family::Poisson => "poisson",
            Family::Beta => "beta",
            Family::NormalMixture => "normal-mixture",
        }
    }

    /// The parameters' names, in order.
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            Family::Normal => &["mu", "sigma"],
            Family::Exponential => &["rate"],
            Family::Gamma | Family::Weibull => &["shape", "scale"],
            Family::LogNormal => &["meanlog", "sdlog"],
            Family::Poisson => &["lambda"],
            Family::Beta => &["alpha", "beta"],
            Family::NormalMixture => &["weight", "mu1", "sigma1", "mu2", "sigma2"],
        }
    }

    /// The log-density (or log-probability) of `x` at `p`.
    #[inline(always)]
    pub fn ln_density(self, x: f64, p: &[f64]) -> f64 {
        match self {
            Family::Normal => normal_ln_pdf(x, p[0], p[1]),
            Family::Exponential => p[0].ln() - p[0] * x,
            Family::Gamma => GammaConstants::new(p).ln_density(x),
            Family::Weibull => {
                let (k, lambda) = (p[0], p[1]);
                let ln_r = (x / lambda).ln();
                // r^k as e^(k ln r), reusing ln r: one exp instead of a powf, which costs
                // twice as much; relative error |k ln r|·ε in the term.
                k.ln() - lambda.ln() + (k - 1.0) * ln_r - (k * ln_r).exp()
            }
            Family::LogNormal => {
                let lx = x.ln();
                normal_ln_pdf(lx, p[0], p[1]) - lx
            }
            Family::Poisson => x * p[0].ln() - p[0] - ln_gamma(x + 1.0),
            Family::Beta => BetaConstants::new(p).ln_density(x),
            Family::NormalMixture => MixtureConstants::new(p).ln_density(x),
        }
    }

    /// Checks that every observation is finite and inside the family's support.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`], or [`Error::InvalidObservation`] naming the first bad value.
    pub fn check_support(self, data: &[f64]) -> Result<()> {
        if data.is_empty() {
            return Err(Error::EmptyData);
        }
        let rule: (fn(f64) -> bool, &'static str) = match self {
            Family::Normal | Family::NormalMixture => (|_| true, ""),
            Family::Exponential => (
                |x| x >= 0.0,
                "is negative: the Exponential's support is [0, inf)",
            ),
            Family::Gamma => (
                |x| x > 0.0,
                "is not positive: the Gamma's support is (0, inf)",
            ),
            Family::Weibull => (
                |x| x > 0.0,
                "is not positive: the Weibull's support is (0, inf)",
            ),
            Family::LogNormal => (
                |x| x > 0.0,
                "is not positive: the LogNormal's support is (0, inf)",
            ),
            Family::Poisson => (
                |x| x >= 0.0 && x.fract() == 0.0,
                "is not a non-negative integer: the Poisson's support is 0, 1, 2, ...",
            ),
            Family::Beta => (
                |x| x > 0.0 && x < 1.0,
                "is outside the Beta's support (0, 1)",
            ),
        };
        for (index, &value) in data.iter().enumerate() {
            if !value.is_finite() {
                return Err(Error::InvalidObservation {
                    index,
                    value,
                    reason: "is not finite",
                });
            }
            if !(rule.0)(value) {
                return Err(Error::InvalidObservation {
                    index,
                    value,
                    reason: rule.1,
                });
            }
        }
        Ok(())
    }

    /// Start values from the data (moments or similar), inside every parameter's space.
    ///
    /// # Errors
    ///
    /// As [`check_support`](Family::check_support), and [`Error::DegenerateData`] when the data
    /// cannot identify the parameters (all values equal where a spread is needed).
    pub fn start(self, data: &[f64]) -> Result<Vec<f64>> {
        self.check_support(data)?;
        let x = || data.iter().copied();
        let m = mean(x());
        let v = variance(x());
        let needs_spread = |v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(v)
            } else {
                Err(Error::DegenerateData {
                    reason: "all values are equal: this family needs a spread to estimate its scale",
                })
            }
        };
        Ok(match self {
            Family::Normal => vec![m, needs_spread(v)?.sqrt()],
            Family::Exponential => {
                if m > 0.0 {
                    vec![1.0 / m]
                } else {
                    return Err(Error::DegenerateData {
                        reason: "every value is 0: the Exponential likelihood is unbounded as rate -> inf",
                    });
                }
            }
            Family::Gamma => {
                let v = needs_spread(v)?;
                vec![m * m / v, v / m]
            }
            Family::Weibull => {
                // The log of a Weibull variable has sd π/(k√6) and mean ln λ − γ/k.
                let logs = || data.iter().map(|x| x.ln());
                let sd = needs_spread(variance(logs()))?.sqrt();
                let k = std::f64::consts::PI / (sd * 6f64.sqrt());
                vec![k, (mean(logs()) + EULER_GAMMA / k).exp()]
            }
            Family::LogNormal => {
                let logs = || data.iter().map(|x| x.ln());
                vec![mean(logs()), needs_spread(variance(logs()))?.sqrt()]
            }
            Family::Poisson => {
                if m > 0.0 {
                    vec![m]
                } else {
                    return Err(Error::DegenerateData {
                        reason: "every count is 0: the Poisson likelihood is unbounded as lambda -> 0",
                    });
                }
            }
            Family::Beta => {
                let v = needs_spread(v)?;
                // Method of moments, kept positive when the spread is too large for it.
                let common = (m * (1.0 - m) / v - 1.0).max(0.5);
                vec![m * common, (1.0 - m) * common]
            }
            Family::NormalMixture => {
                needs_spread(v)?;
                let mut sorted = data.to_vec();
                sorted.sort_by(f64::total_cmp);
                let half = sorted.len() / 2;
                let (low, high) = sorted.split_at(half.max(1));
                let part = |s: &[f64]| {
                    let m = mean(s.iter().copied());
                    let sd = variance(s.iter().copied()).sqrt();
                    (m, if sd > 0.0 { sd } else { v.sqrt() })
                };
                let (m1, s1) = part(low);
                let (m2, s2) = if high.is_empty() {
                    (m1, s1)
                } else {
                    part(high)
                };
                vec![0.5, m1, s1, m2, s2]
            }
        })
    }

    /// The family as a [`Model`] with start values from `data`.
    ///
    /// # Errors
    ///
    /// As [`start`](Family::start).
    pub fn model(self, data: &[f64]) -> Result<Model<f64, FamilyDensity>> {
        let start = self.start(data)?;
        let names = self.param_names();
        let mut builder = Model::builder(FamilyDensity(self));
        for (i, (&name, &s)) in names.iter().zip(&start).enumerate() {
            builder = match (self, i) {
                (Family::Normal, 0) | (Family::LogNormal, 0) => builder.param(name, s),
                (Family::NormalMixture, 0) => builder.interval(name, s, 0.0, 1.0),
                (Family::NormalMixture, 1 | 3) => builder.param(name, s),
                _ => builder.positive(name, s),
            };
        }
        builder.build()
    }

    /// Fits the family to `data` with `options`.
    ///
    /// ```
    /// use maxlik::{Family, FitOptions, Method};
    ///
    /// let fit = Family::Gamma.fit(&[1.2, 0.7, 3.1, 2.2, 0.9, 1.6], &FitOptions::new(Method::Lbfgs))?;
    /// assert!(fit.converged());
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`start`](Family::start) and [`Model::fit_with`].
    pub fn fit(self, data: &[f64], options: &FitOptions) -> Result<Fit> {
        self.model(data)?.fit_with(data, options)
    }

    /// The closed-form MLE, where maxlik has one for the family (Normal, Exponential),
    /// set against `fit`.
    ///
    /// # Errors
    ///
    /// As [`crate::ClosedForm`]'s constructors; `Ok(None)` for a family without a closed form.
    pub fn compare_closed_form(self, data: &[f64], fit: &Fit) -> Result<Option<Comparison>> {
        let closed = match self {
            Family::Normal => crate::ClosedForm::normal(data)?,
            Family::Exponential => crate::ClosedForm::exponential(data)?,
            _ => return Ok(None),
        };
        closed.compare(fit).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-chunk sums (constants computed once per chunk) add exactly the terms that
    /// `ln_density` gives observation by observation, in the same order: the same bits.
    #[test]
    fn chunk_sums_have_the_bits_of_the_per_observation_formula() {
        let positive: Vec<f64> = (1..=1000).map(|i| 0.37 * f64::from(i) / 100.0).collect();
        let unit: Vec<f64> = (1..=999).map(|i| f64::from(i) / 1000.0).collect();
        let counts: Vec<f64> = (0..1000).map(|i| f64::from(i % 17)).collect();
        for family in FAMILIES {
            let (data, p): (&[f64], Vec<f64>) = match family {
                Family::Beta => (&unit, vec![2.5, 1.5]),
                Family::Poisson => (&counts, vec![4.2]),
                Family::Exponential => (&positive, vec![0.7]),
                Family::NormalMixture => (&positive, vec![0.3, 1.0, 0.5, 2.5, 0.8]),
                _ => (&positive, vec![1.7, 2.3]),
            };
            let chunked = FamilyDensity(family).sum_ln_density(data, &p);
            let direct = lanes_sum(data, |x| family.ln_density(*x, &p));
            assert!(chunked.is_finite(), "{family:?}");
            assert_eq!(chunked.to_bits(), direct.to_bits(), "{family:?}");
        }
    }
}
