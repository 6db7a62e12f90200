//! A family as a model of plain, censored, truncated or weighted data, with parameters fixed
//! or started by name.

use super::{Family, FamilyDensity, Kind};
use crate::censoring::{Censored, Response, Truncation};
use crate::density::LogDensity;
use crate::error::{Error, Result};
use crate::model::Model;
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

impl Family {
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
        let mut start = (self.spec().start)(values)?;
        // A number of trials is given, never estimated: the other starts follow from it.
        for (k, &(name, kind)) in params.iter().enumerate() {
            if kind == Kind::Trials {
                let Some(&(_, n)) = settings.fixed.iter().find(|(m, _)| m == name) else {
                    return Err(super::trials_required());
                };
                if !(n >= 1.0 && n.fract() == 0.0 && n.is_finite()) {
                    return Err(Error::OutsideSpace {
                        name: name.to_string(),
                        value: n,
                        space: "{1, 2, 3, ...}".to_string(),
                    });
                }
                if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| **v > n) {
                    return Err(Error::InvalidObservation {
                        index,
                        value,
                        reason: "exceeds the number of trials (size)",
                    });
                }
                start[k] = n;
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                start[k + 1] = (mean / n).clamp(1e-6, 1.0 - 1e-6);
            }
        }
        let mut builder = Model::builder(density);
        for (&(name, kind), &s) in params.iter().zip(&start) {
            let space = match kind {
                Kind::Free => Space::Free,
                Kind::Positive => Space::Positive,
                Kind::Unit => Space::Interval {
                    lower: 0.0,
                    upper: 1.0,
                },
                Kind::Trials => Space::Positive,
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
}
