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
//! Each family is one [`Spec`] in [`SPECS`]: its name, its parameters with their spaces, its
//! support and its start; the formulas of the densities are in `density.rs` and the starts in
//! `start.rs`. The list of families, the error for an unknown name and the command's help all
//! come from [`SPECS`].

mod cdf;
mod density;
mod start;

use std::fmt;
use std::str::FromStr;

pub use density::FamilyDensity;

use crate::analytic::{ClosedForm, Comparison};
use crate::censoring::{Censored, Response, Truncation};
use crate::density::LogDensity;
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::model::Model;
use crate::options::FitOptions;
use crate::params::Space;
use crate::weights::{WeightKind, Weighted, Weights};

/// Start values and fixed values, by name, for a built-in family's parameters: what the
/// command's `--start` and `--fix` give.
///
/// ```
/// use maxlik::{Family, FitOptions, Method, Settings};
///
/// let data = [1.2, 0.7, 3.1, 2.2, 0.9, 1.6];
/// let settings = Settings::new().fix("shape", 1.0)?;
/// let model = Family::Weibull.model_with(&data, &settings)?;
/// let fit = model.fit_with(&data, &FitOptions::new(Method::Lbfgs))?;
/// // Shape 1 is the Exponential: the scale's MLE is the mean.
/// assert!((fit.estimate("scale")? - 9.7 / 6.0).abs() < 1e-6);
/// # Ok::<(), maxlik::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    starts: Vec<(String, f64)>,
    fixed: Vec<(String, f64)>,
}

impl Settings {
    /// No settings: every parameter estimated, from starts computed from the data.
    pub fn new() -> Self {
        Settings::default()
    }

    /// Starts `name` at `value`.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateParameter`] when `name` already has a start or a fixed value.
    pub fn start(mut self, name: &str, value: f64) -> Result<Self> {
        self.check_new(name)?;
        self.starts.push((name.to_string(), value));
        Ok(self)
    }

    /// Holds `name` fixed at `value`.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateParameter`] when `name` already has a start or a fixed value.
    pub fn fix(mut self, name: &str, value: f64) -> Result<Self> {
        self.check_new(name)?;
        self.fixed.push((name.to_string(), value));
        Ok(self)
    }

    fn check_new(&self, name: &str) -> Result<()> {
        if self
            .starts
            .iter()
            .chain(&self.fixed)
            .any(|(n, _)| n == name)
        {
            return Err(Error::DuplicateParameter {
                name: name.to_string(),
            });
        }
        Ok(())
    }

    /// The fixed values, by name.
    pub fn fixed(&self) -> &[(String, f64)] {
        &self.fixed
    }

    /// The start values, by name.
    pub fn starts(&self) -> &[(String, f64)] {
        &self.starts
    }
}

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

/// The space of a family's parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The whole real line.
    Free,
    /// `(0, ∞)`.
    Positive,
    /// `(0, 1)`.
    Unit,
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
const SPECS: [Spec; 8] = [
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
];

/// Every family, in the order of the table above.
pub const FAMILIES: [Family; 8] = {
    let mut all = [Family::Normal; 8];
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
            };
        }
        builder.build()
    }

    /// The family as a [`Model`] with `settings`: starts from the data unless given, fixed
    /// values where given.
    ///
    /// # Errors
    ///
    /// As [`start`](Family::start); [`Error::UnknownParameter`] for a name the family does not
    /// have; [`Error::OutsideSpace`] for a start or a fixed value outside its parameter's space.
    pub fn model_with(
        self,
        data: &[f64],
        settings: &Settings,
    ) -> Result<Model<f64, FamilyDensity>> {
        self.check_support(data)?;
        self.build(FamilyDensity(self), data, settings)
    }

    /// The family as a [`Model`] of censored responses, recorded inside `truncation`.
    ///
    /// ```
    /// use maxlik::{Family, Method, Response, Settings, Truncation};
    ///
    /// // Failure times, the last two units still running.
    /// let data = [Response::Exact(2.1), Response::Exact(0.8), Response::Exact(1.7),
    ///             Response::Right(3.0), Response::Right(3.0)];
    /// let model = Family::Exponential.censored_model(&data, Truncation::none(), &Settings::new())?;
    /// let fit = model.fit(&data, Method::Lbfgs)?.require_trusted()?;
    /// // Events over time at risk.
    /// assert!((fit.estimate("rate")? - 3.0 / 10.6).abs() < 1e-6);
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`model_with`](Family::model_with); [`Error::InvalidResponse`] and
    /// [`Error::OutsideTruncation`] from [`Truncation::check`]; [`Error::InvalidObservation`]
    /// for an exact value outside the family's support.
    pub fn censored_model(
        self,
        data: &[Response],
        truncation: Truncation,
        settings: &Settings,
    ) -> Result<Model<Response, Censored<Family>>> {
        let values = self.check_responses(data.iter(), truncation)?;
        self.build(Censored::new(self, truncation), &values, settings)
    }

    /// The family as a [`Model`] of weighted, possibly censored responses, recorded inside
    /// `truncation`.
    ///
    /// # Errors
    ///
    /// As [`censored_model`](Family::censored_model).
    pub fn weighted_model(
        self,
        data: &[Weighted<Response>],
        truncation: Truncation,
        kind: WeightKind,
        settings: &Settings,
    ) -> Result<Model<Weighted<Response>, Weights<Censored<Family>>>> {
        let values = self.check_responses(data.iter().map(Weighted::obs), truncation)?;
        self.build(
            Weights::new(Censored::new(self, truncation), kind),
            &values,
            settings,
        )
    }

    /// Checks censored responses against the truncation and the support, and returns the
    /// values that stand for them inside the support (for start values).
    fn check_responses<'r>(
        self,
        data: impl Iterator<Item = &'r Response>,
        truncation: Truncation,
    ) -> Result<Vec<f64>> {
        let data: Vec<Response> = data.copied().collect();
        if data.is_empty() {
            return Err(Error::EmptyData);
        }
        truncation.check(&data)?;
        let support = self.spec().support;
        let mut values = Vec::with_capacity(data.len());
        for (index, r) in data.iter().enumerate() {
            let v = r.representative();
            match r {
                Response::Exact(y) if !(support.contains)(*y) => {
                    return Err(Error::InvalidObservation {
                        index,
                        value: *y,
                        reason: support.outside,
                    });
                }
                _ if (support.contains)(v) => values.push(v),
                _ => {}
            }
        }
        if values.is_empty() {
            return Err(Error::DegenerateData {
                reason: "no response lies inside the family's support to start from",
            });
        }
        Ok(values)
    }

    /// A model of `density` with this family's parameters, started from `values` (inside the
    /// support) unless `settings` say otherwise.
    fn build<O: Sync, D: LogDensity<O> + Sync>(
        self,
        density: D,
        values: &[f64],
        settings: &Settings,
    ) -> Result<Model<O, D>> {
        let params = self.spec().params;
        for (name, _) in settings.starts.iter().chain(&settings.fixed) {
            if !params.iter().any(|(n, _)| n == name) {
                return Err(Error::UnknownParameter { name: name.clone() });
            }
        }
        let start = (self.spec().start)(values)?;
        let mut builder = Model::builder(density);
        for (&(name, kind), &s) in params.iter().zip(&start) {
            let space = match kind {
                Kind::Free => Space::Free,
                Kind::Positive => Space::Positive,
                Kind::Unit => Space::Interval {
                    lower: 0.0,
                    upper: 1.0,
                },
            };
            let given = |list: &[(String, f64)]| list.iter().find(|(n, _)| n == name).map(|p| p.1);
            builder = if let Some(value) = given(&settings.fixed) {
                if !space.contains(value) {
                    return Err(Error::OutsideSpace {
                        name: name.to_string(),
                        value,
                        space: space.to_string(),
                    });
                }
                builder.fixed(name, value)
            } else {
                builder.with_param(name, given(&settings.starts).unwrap_or(s), space)
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
