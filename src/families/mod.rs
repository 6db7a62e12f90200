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
//! | Logistic | location (free), scale (> 0) | reals |
//! | LogLogistic | shape (> 0), scale (> 0) | x > 0 |
//! | Pareto (Lomax, actuar's) | shape (> 0), scale (> 0) | x ≥ 0 |
//! | Gumbel (maxima) | location (free), scale (> 0) | reals |
//! | Cauchy | location (free), scale (> 0) | reals |
//! | StudentT | location (free), scale (> 0), df (> 0) | reals |
//! | InverseGaussian | mean (> 0), shape (> 0) | x > 0 |
//! | GammaRate | shape (> 0), rate (> 0) | x > 0 |
//! | Geometric | prob (0, 1) | non-negative integers |
//! | NegativeBinomial | size (> 0), mu (> 0) | non-negative integers |
//! | Gev | location (free), scale (> 0), shape (free) | 1 + shape (x − location)/scale > 0 |
//! | GeneralizedPareto | scale (> 0), shape (free) | x ≥ 0 (and x < −scale/shape when shape < 0) |
//! | Binomial | size (the number of trials, fixed by the user), prob (0, 1) | 0, 1, ..., size |
//!
//! Each family is one [`Spec`] in [`SPECS`]: its name, its parameters with their spaces, its
//! support and its start; the formulas of the densities are in `density.rs` and the starts in
//! `start.rs`. The list of families, the error for an unknown name and the command's help all
//! come from [`SPECS`].

mod cdf;
mod density;
mod mixture;
mod quantile;
mod sample;
mod settings;
mod start;

use std::fmt;
use std::str::FromStr;

pub use density::FamilyDensity;
pub use mixture::{MAX_COMPONENTS, NormalMixtureDensity, normal_mixture};
pub use settings::Settings;

use crate::analytic::{ClosedForm, Comparison};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::model::Model;
use crate::options::FitOptions;

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
    /// Logistic (location, scale), R's `dlogis`.
    Logistic,
    /// Log-logistic (shape, scale): `F = 1/(1 + (x/scale)^(−shape))`, actuar's `dllogis`.
    LogLogistic,
    /// Pareto of the second kind (Lomax; shape α, scale θ): `S = (1 + x/θ)^(−α)` on x ≥ 0,
    /// actuar's `dpareto`.
    Pareto,
    /// Gumbel for maxima (location, scale): `F = exp(−e^(−(x − location)/scale))`.
    Gumbel,
    /// Cauchy (location, scale).
    Cauchy,
    /// Student t with a location and a scale (location, scale, df).
    StudentT,
    /// Inverse Gaussian (mean, shape), statmod's `dinvgauss`.
    InverseGaussian,
    /// Gamma with a rate (shape, rate): the Gamma of R's `dgamma(x, shape, rate)`.
    GammaRate,
    /// Geometric (prob): failures before the first success, R's `dgeom`.
    Geometric,
    /// Negative binomial (size, mu), R's `dnbinom(x, size, mu = mu)`.
    NegativeBinomial,
    /// Generalized extreme value (location, scale, shape), evd's `dgev`: the Gumbel at shape 0,
    /// a bounded upper tail below 0, a heavy one above. Its support depends on the parameters;
    /// outside it the log-density is `−∞` (see `docs/cli.md`).
    Gev,
    /// Generalized Pareto for exceedances over a threshold of 0 (scale, shape), evd's `dgpd`
    /// with `loc = 0`: subtract the threshold first.
    GeneralizedPareto,
    /// Binomial (size, prob) with a known number of trials `size`, which must be fixed
    /// ([`Settings::fix`]`("size", n)`, `--fix size=N`): R's `dbinom`.
    Binomial,
}

/// The space of a family's parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The whole real line.
    Free,
    /// `(0, ∞)`.
    Positive,
    /// `(0, 1)`.
    Unit,
    /// A number of trials: a positive whole number the user fixes; never estimated.
    Trials,
}

/// Which observations a family can have.
#[derive(Debug, Clone, Copy)]
struct Support {
    contains: fn(f64) -> bool,
    /// Why a value is outside, as [`Error::InvalidObservation`] says it.
    outside: &'static str,
}

const REALS: Support = Support {
    contains: |_| true,
    outside: "",
};

const POSITIVE_REALS: Support = Support {
    contains: |x| x > 0.0,
    outside: "is not positive: this family's support is (0, inf)",
};

const COUNTS: Support = Support {
    contains: |x| x >= 0.0 && x.fract() == 0.0,
    outside: "is not a non-negative integer: this family's support is 0, 1, 2, ...",
};

/// Start values, or a closed-form MLE, from data inside the support.
type FromData<T> = fn(&[f64]) -> Result<T>;

/// One family's specification.
struct Spec {
    family: Family,
    /// The name the command line and [`FromStr`] take.
    name: &'static str,
    params: &'static [(&'static str, Kind)],
    support: Support,
    /// Start values from data inside the support.
    start: FromData<Vec<f64>>,
    /// The closed-form MLE, where maxlik has one.
    closed_form: Option<FromData<ClosedForm>>,
    /// Starts the command fits from by default: more than one where the likelihood has
    /// several optima.
    default_starts: usize,
}

/// Starts for the two-Normal mixture, whose likelihood has several local optima (and label
/// switches): enough that the best optimum is reached by more than one start on ordinary data.
const MIXTURE_STARTS: usize = 10;

/// Every family's specification, in the order of the table above.
const SPECS: [Spec; 21] = [
    Spec {
        family: Family::Normal,
        name: "normal",
        params: &[("mu", Kind::Free), ("sigma", Kind::Positive)],
        support: REALS,
        start: start::normal,
        closed_form: Some(ClosedForm::normal),
        default_starts: 1,
    },
    Spec {
        family: Family::Exponential,
        name: "exponential",
        params: &[("rate", Kind::Positive)],
        support: Support {
            contains: |x| x >= 0.0,
            outside: "is negative: the Exponential's support is [0, inf)",
        },
        start: start::exponential,
        closed_form: Some(ClosedForm::exponential),
        default_starts: 1,
    },
    Spec {
        family: Family::Gamma,
        name: "gamma",
        params: &[("shape", Kind::Positive), ("scale", Kind::Positive)],
        support: Support {
            contains: |x| x > 0.0,
            outside: "is not positive: the Gamma's support is (0, inf)",
        },
        start: start::gamma,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Weibull,
        name: "weibull",
        params: &[("shape", Kind::Positive), ("scale", Kind::Positive)],
        support: Support {
            contains: |x| x > 0.0,
            outside: "is not positive: the Weibull's support is (0, inf)",
        },
        start: start::weibull,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::LogNormal,
        name: "lognormal",
        params: &[("meanlog", Kind::Free), ("sdlog", Kind::Positive)],
        support: Support {
            contains: |x| x > 0.0,
            outside: "is not positive: the LogNormal's support is (0, inf)",
        },
        start: start::lognormal,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Poisson,
        name: "poisson",
        params: &[("lambda", Kind::Positive)],
        support: Support {
            contains: |x| x >= 0.0 && x.fract() == 0.0,
            outside: "is not a non-negative integer: the Poisson's support is 0, 1, 2, ...",
        },
        start: start::poisson,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Beta,
        name: "beta",
        params: &[("alpha", Kind::Positive), ("beta", Kind::Positive)],
        support: Support {
            contains: |x| x > 0.0 && x < 1.0,
            outside: "is outside the Beta's support (0, 1)",
        },
        start: start::beta,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::NormalMixture,
        name: "normal-mixture",
        params: &[
            ("weight", Kind::Unit),
            ("mu1", Kind::Free),
            ("sigma1", Kind::Positive),
            ("mu2", Kind::Free),
            ("sigma2", Kind::Positive),
        ],
        support: REALS,
        start: start::normal_mixture,
        closed_form: None,
        default_starts: MIXTURE_STARTS,
    },
    Spec {
        family: Family::Logistic,
        name: "logistic",
        params: &[("location", Kind::Free), ("scale", Kind::Positive)],
        support: REALS,
        start: start::logistic,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::LogLogistic,
        name: "log-logistic",
        params: &[("shape", Kind::Positive), ("scale", Kind::Positive)],
        support: POSITIVE_REALS,
        start: start::log_logistic,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Pareto,
        name: "pareto",
        params: &[("shape", Kind::Positive), ("scale", Kind::Positive)],
        support: Support {
            contains: |x| x >= 0.0,
            outside: "is negative: the Pareto's (Lomax's) support is [0, inf)",
        },
        start: start::pareto,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Gumbel,
        name: "gumbel",
        params: &[("location", Kind::Free), ("scale", Kind::Positive)],
        support: REALS,
        start: start::gumbel,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Cauchy,
        name: "cauchy",
        params: &[("location", Kind::Free), ("scale", Kind::Positive)],
        support: REALS,
        start: start::cauchy,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::StudentT,
        name: "student-t",
        params: &[
            ("location", Kind::Free),
            ("scale", Kind::Positive),
            ("df", Kind::Positive),
        ],
        support: REALS,
        start: start::student_t,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::InverseGaussian,
        name: "inverse-gaussian",
        params: &[("mean", Kind::Positive), ("shape", Kind::Positive)],
        support: POSITIVE_REALS,
        start: start::inverse_gaussian,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::GammaRate,
        name: "gamma-rate",
        params: &[("shape", Kind::Positive), ("rate", Kind::Positive)],
        support: POSITIVE_REALS,
        start: start::gamma_rate,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Geometric,
        name: "geometric",
        params: &[("prob", Kind::Unit)],
        support: COUNTS,
        start: start::geometric,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::NegativeBinomial,
        name: "negative-binomial",
        params: &[("size", Kind::Positive), ("mu", Kind::Positive)],
        support: COUNTS,
        start: start::negative_binomial,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Gev,
        name: "gev",
        params: &[
            ("location", Kind::Free),
            ("scale", Kind::Positive),
            ("shape", Kind::Free),
        ],
        support: REALS,
        start: start::gev,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::GeneralizedPareto,
        name: "generalized-pareto",
        params: &[("scale", Kind::Positive), ("shape", Kind::Free)],
        support: Support {
            contains: |x| x >= 0.0,
            outside: "is negative: the generalized Pareto models exceedances over a threshold of 0 (subtract the threshold)",
        },
        start: start::generalized_pareto,
        closed_form: None,
        default_starts: 1,
    },
    Spec {
        family: Family::Binomial,
        name: "binomial",
        params: &[("size", Kind::Trials), ("prob", Kind::Unit)],
        support: COUNTS,
        start: start::binomial,
        closed_form: None,
        default_starts: 1,
    },
];

/// The error of a binomial whose number of trials was not given.
fn trials_required() -> Error {
    Error::FixRequired {
        name: "size".to_string(),
        reason: "the binomial's number of trials is known, not estimated: fix it (Settings::fix(\"size\", n), or --fix size=N)",
    }
}

impl Family {
    /// The family this one re-parameterizes, if any (`gamma-rate` is `gamma` with a rate):
    /// the same model, so [`Select`](crate::Select) ranks it once.
    pub fn alias_of(self) -> Option<Family> {
        match self {
            Family::GammaRate => Some(Family::Gamma),
            _ => None,
        }
    }

    /// Whether the family has a parameter the user must fix (the binomial's trials): it is
    /// left out of the families [`Select`](crate::Select) tries by default.
    pub fn needs_fixed(self) -> bool {
        self.spec()
            .params
            .iter()
            .any(|(_, k)| matches!(k, Kind::Trials))
    }
}

/// Every family, in the order of the table above.
pub const FAMILIES: [Family; 21] = {
    let mut all = [Family::Normal; 21];
    let mut i = 0;
    while i < SPECS.len() {
        all[i] = SPECS[i].family;
        i += 1;
    }
    all
};

/// The families' names, as the command line takes them, separated by `", "`.
pub fn family_names() -> String {
    SPECS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Family {
    type Err = Error;

    /// The family of a name, ignoring case, `-`, `_` and spaces.
    fn from_str(s: &str) -> Result<Self> {
        let key = s.to_ascii_lowercase().replace(['-', '_', ' '], "");
        SPECS
            .iter()
            .find(|spec| spec.name.replace('-', "") == key)
            .map(|spec| spec.family)
            .ok_or_else(|| Error::UnknownFamily {
                name: s.to_string(),
                expected: family_names(),
            })
    }
}

impl Family {
    fn spec(self) -> &'static Spec {
        // Every family has its entry: `SPECS` lists them all (tested).
        SPECS
            .iter()
            .find(|spec| spec.family == self)
            .unwrap_or(&SPECS[0])
    }

    /// The family's name as the command line takes it.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// How many starts suit the family by default: more than one where its likelihood has
    /// several optima (the mixture), else 1. The command uses it;
    /// [`FitOptionsBuilder::starts`](crate::FitOptionsBuilder::starts) sets it for a library fit.
    pub fn default_starts(self) -> usize {
        self.spec().default_starts
    }

    /// The parameters' names, in order.
    pub fn names(self) -> Vec<&'static str> {
        self.spec().params.iter().map(|(name, _)| *name).collect()
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
        let support = self.spec().support;
        for (index, &value) in data.iter().enumerate() {
            if !value.is_finite() {
                return Err(Error::InvalidObservation {
                    index,
                    value,
                    reason: "is not finite",
                });
            }
            if !(support.contains)(value) {
                return Err(Error::InvalidObservation {
                    index,
                    value,
                    reason: support.outside,
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
        (self.spec().start)(data)
    }

    /// The family as a [`Model`] with start values from `data`.
    ///
    /// # Errors
    ///
    /// As [`start`](Family::start).
    pub fn model(self, data: &[f64]) -> Result<Model<f64, FamilyDensity>> {
        let start = self.start(data)?;
        let mut builder = Model::builder(FamilyDensity(self));
        for (&(name, kind), &s) in self.spec().params.iter().zip(&start) {
            builder = match kind {
                Kind::Free => builder.param(name, s),
                Kind::Positive => builder.positive(name, s),
                Kind::Unit => builder.interval(name, s, 0.0, 1.0),
                Kind::Trials => return Err(trials_required()),
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
        match self.spec().closed_form {
            Some(closed_form) => closed_form(data)?.compare(fit).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_one_specification_and_a_name_that_parses_back() {
        for family in FAMILIES {
            assert_eq!(
                SPECS.iter().filter(|s| s.family == family).count(),
                1,
                "{family:?}"
            );
            assert_eq!(family.name().parse::<Family>(), Ok(family));
            assert_eq!(family.spec().family, family);
        }
        assert!(matches!(
            "gauss".parse::<Family>(),
            Err(Error::UnknownFamily { ref expected, .. }) if expected.contains("normal-mixture")
        ));
    }
}
