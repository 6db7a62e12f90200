//! Closed-form maximum-likelihood estimates to check numerical fits against.
//!
//! Normal: `μ̂ = mean(x)`, `σ̂² = Σ(xᵢ − μ̂)² / n` (the biased, 1/n variance), with standard errors
//! `σ̂/√n` and `σ̂/√(2n)`. Exponential: `λ̂ = 1 / mean(x)`, with standard error `λ̂/√n`.
//!
//! The mean is computed with a compensated sum and then corrected by the compensated mean of the
//! residuals, so a data set at 1e9 ± 1 keeps all its digits.

use std::fmt;

use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::sum::Sum;

/// A closed-form MLE: estimates, their standard errors and the NLL at the optimum.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedForm {
    family: &'static str,
    names: Vec<&'static str>,
    estimates: Vec<f64>,
    std_errors: Vec<f64>,
    nll: f64,
    n: usize,
}

/// The mean of finite data, accurate to the last digit.
fn accurate_mean(data: &[f64]) -> f64 {
    let n = data.len() as f64;
    let rough = Sum::of(data.iter().copied()) / n;
    rough + Sum::of(data.iter().map(|x| x - rough)) / n
}

fn check_finite(data: &[f64]) -> Result<()> {
    if data.is_empty() {
        return Err(Error::EmptyData);
    }
    match data.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(Error::InvalidObservation {
            index,
            value: data[index],
            reason: "is not finite",
        }),
        None => Ok(()),
    }
}

impl ClosedForm {
    /// The Normal MLE `(mu, sigma)` with the 1/n variance.
    ///
    /// ```
    /// let cf = maxlik::ClosedForm::normal(&[1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(cf.estimate("mu"), Ok(2.5));
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`], [`Error::InvalidObservation`] for a value that is not finite, and
    /// [`Error::DegenerateData`] when all values are equal (the likelihood is unbounded as
    /// sigma goes to 0).
    pub fn normal(data: &[f64]) -> Result<Self> {
        check_finite(data)?;
        let n = data.len() as f64;
        let mu = accurate_mean(data);
        let sigma = (Sum::of(data.iter().map(|x| (x - mu) * (x - mu))) / n).sqrt();
        if sigma <= 0.0 || !sigma.is_normal() {
            return Err(Error::DegenerateData {
                reason: "all values are equal: the Normal likelihood is unbounded as sigma -> 0",
            });
        }
        let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
        Ok(ClosedForm {
            family: "Normal",
            names: vec!["mu", "sigma"],
            estimates: vec![mu, sigma],
            std_errors: vec![sigma / n.sqrt(), sigma / (2.0 * n).sqrt()],
            nll: n * (sigma.ln() + half_ln_2pi + 0.5),
            n: data.len(),
        })
    }

    /// The Exponential MLE `rate = 1 / mean(x)`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`], [`Error::InvalidObservation`] for a value that is negative or not
    /// finite, and [`Error::DegenerateData`] when every value is 0.
    pub fn exponential(data: &[f64]) -> Result<Self> {
        check_finite(data)?;
        if let Some(index) = data.iter().position(|&x| x < 0.0) {
            return Err(Error::InvalidObservation {
                index,
                value: data[index],
                reason: "is negative, outside the Exponential's support [0, inf)",
            });
        }
        let n = data.len() as f64;
        let mean = accurate_mean(data);
        if mean <= 0.0 {
            return Err(Error::DegenerateData {
                reason: "every value is 0: the Exponential likelihood is unbounded as rate -> inf",
            });
        }
        let rate = 1.0 / mean;
        Ok(ClosedForm {
            family: "Exponential",
            names: vec!["rate"],
            estimates: vec![rate],
            std_errors: vec![rate / n.sqrt()],
            // −Σ(ln λ − λxᵢ) = −n ln λ + λ Σxᵢ = n (1 − ln λ).
            nll: n * (1.0 - rate.ln()),
            n: data.len(),
        })
    }

    /// The family's name.
    pub fn family(&self) -> &'static str {
        self.family
    }

    /// The parameters' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.names.to_vec()
    }

    fn position(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| Error::UnknownParameter {
                name: name.to_string(),
            })
    }

    /// The estimate of `name`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParameter`] when the family has no parameter of that name.
    pub fn estimate(&self, name: &str) -> Result<f64> {
        self.position(name).map(|i| self.estimates[i])
    }

    /// The standard error of `name` (from the expected information at the MLE).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParameter`] when the family has no parameter of that name.
    pub fn std_error(&self, name: &str) -> Result<f64> {
        self.position(name).map(|i| self.std_errors[i])
    }

    /// The summed NLL at the MLE.
    pub fn nll(&self) -> f64 {
        self.nll
    }

    /// The number of observations.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Compares a numerical fit with the closed form, parameter by parameter (matched by name).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParameter`] when the fit has no parameter of one of the closed form's
    /// names.
    pub fn compare(&self, fit: &Fit) -> Result<Comparison> {
        let rows = self
            .names
            .iter()
            .zip(self.estimates.iter().zip(&self.std_errors))
            .map(|(&name, (&exact, &se))| {
                let numeric = fit.estimate(name)?;
                Ok(ComparisonRow {
                    name,
                    numeric,
                    exact,
                    std_error: se,
                    relative: (numeric - exact).abs() / exact.abs(),
                    in_std_errors: (numeric - exact).abs() / se,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Comparison {
            rows,
            nll_difference: fit.nll() - self.nll,
        })
    }
}

/// One parameter of a [`Comparison`].
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub(crate) name: &'static str,
    pub(crate) numeric: f64,
    pub(crate) exact: f64,
    pub(crate) std_error: f64,
    pub(crate) relative: f64,
    pub(crate) in_std_errors: f64,
}

impl ComparisonRow {
    /// The parameter.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The numerical estimate.
    pub fn numeric(&self) -> f64 {
        self.numeric
    }

    /// The closed-form estimate.
    pub fn exact(&self) -> f64 {
        self.exact
    }

    /// The closed form's standard error.
    pub fn std_error(&self) -> f64 {
        self.std_error
    }

    /// `|numeric − exact| / |exact|`.
    pub fn relative(&self) -> f64 {
        self.relative
    }

    /// `|numeric − exact| / std_error`: the error in standard errors, which means the same at
    /// every scale.
    pub fn in_std_errors(&self) -> f64 {
        self.in_std_errors
    }
}

/// A numerical fit set against a closed form.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub(crate) rows: Vec<ComparisonRow>,
    pub(crate) nll_difference: f64,
}

impl Comparison {
    /// One row per parameter.
    pub fn rows(&self) -> &[ComparisonRow] {
        &self.rows
    }

    /// The fit's NLL minus the closed form's (≥ 0 up to rounding: the closed form is the optimum).
    pub fn nll_difference(&self) -> f64 {
        self.nll_difference
    }
}

impl Comparison {
    /// The largest error, in standard errors.
    pub fn max_in_std_errors(&self) -> f64 {
        self.rows
            .iter()
            .map(|r| r.in_std_errors)
            .fold(0.0, f64::max)
    }

    /// The largest relative error.
    pub fn max_relative(&self) -> f64 {
        self.rows.iter().map(|r| r.relative).fold(0.0, f64::max)
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<10} {:>22} {:>22} {:>11} {:>11}",
            "parameter", "numerical", "closed form", "rel. diff", "diff / SE"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<10} {:>22.15e} {:>22.15e} {:>11.2e} {:>11.2e}",
                r.name, r.numeric, r.exact, r.relative, r.in_std_errors
            )?;
        }
        write!(
            f,
            "NLL(fit) - NLL(closed form) = {:.3e}",
            self.nll_difference
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_digits_far_from_zero() {
        // 1e9 + {-1, 0, 1}: mean 1e9 exactly, variance 2/3.
        let data = [1e9 - 1.0, 1e9, 1e9 + 1.0];
        let cf = ClosedForm::normal(&data).unwrap();
        assert_eq!(cf.estimate("mu"), Ok(1e9));
        approx::assert_relative_eq!(
            cf.estimate("sigma").unwrap(),
            (2.0f64 / 3.0).sqrt(),
            max_relative = 4.0 * f64::EPSILON
        );
    }

    #[test]
    fn rejects_what_has_no_mle() {
        assert!(matches!(ClosedForm::normal(&[]), Err(Error::EmptyData)));
        assert!(matches!(
            ClosedForm::normal(&[2.0, 2.0]),
            Err(Error::DegenerateData { .. })
        ));
        assert!(matches!(
            ClosedForm::exponential(&[1.0, -1.0]),
            Err(Error::InvalidObservation { index: 1, .. })
        ));
        assert!(matches!(
            ClosedForm::normal(&[1.0, f64::NAN]),
            Err(Error::InvalidObservation { index: 1, .. })
        ));
    }
}
