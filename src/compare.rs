//! Model comparison: the likelihood-ratio test between nested fits.
//!
//! Conventions: maxlik's NLL is −lnL (not −2lnL). The likelihood-ratio statistic is
//! `2 (NLL_restricted − NLL_full)`, referred to a chi-square with as many degrees of freedom as
//! the full model has more free parameters. AIC, AICc and BIC are on [`Fit`].

use std::fmt;

use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::error::{Error, Result};
use crate::fit::Fit;

/// A restricted fit may have an NLL below the full one by rounding; beyond this (on the −lnL
/// scale, relative to the NLL's size) the full fit missed its optimum.
const NLL_SLACK: f64 = 1e-9;

/// The result of a likelihood-ratio test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LikelihoodRatioTest {
    /// `2 (NLL_restricted − NLL_full)`, at least 0.
    pub statistic: f64,
    /// Free parameters of the full model minus those of the restricted one.
    pub df: usize,
    /// `P(χ²_df ≥ statistic)`.
    pub p_value: f64,
}

impl fmt::Display for LikelihoodRatioTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "likelihood-ratio test: 2ΔNLL = {:.6}, df = {}, p = {:.4e}",
            self.statistic, self.df, self.p_value
        )
    }
}

/// Tests a restricted fit (some parameters fixed) against the full one, fitted to the same
/// data.
///
/// ```
/// use maxlik::{likelihood_ratio_test, Method, Model};
///
/// let data = [4.2, 5.1, 6.3, 3.9, 5.5, 4.8, 6.1, 5.0];
/// let ln_pdf = |x: &f64, p: &[f64]| {
///     let z = (x - p[0]) / p[1];
///     -0.5 * z * z - p[1].ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
/// };
/// let full = Model::builder(ln_pdf).param("mu", 0.0).positive("sigma", 1.0).build()?;
/// let null = Model::builder(ln_pdf).fixed("mu", 5.0).positive("sigma", 1.0).build()?;
/// let test = likelihood_ratio_test(
///     &null.fit(&data, Method::Lbfgs)?,
///     &full.fit(&data, Method::Lbfgs)?,
/// )?;
/// assert_eq!(test.df, 1);
/// assert!(test.p_value > 0.05);
/// # Ok::<(), maxlik::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::NotNested`] when the fits have different numbers of observations or parameters,
/// the full one does not have more free parameters, or the restricted fit is better than the
/// full one beyond rounding (the full fit missed its optimum); [`Error::NotConverged`] when
/// either fit did not converge.
pub fn likelihood_ratio_test(restricted: &Fit, full: &Fit) -> Result<LikelihoodRatioTest> {
    for fit in [restricted, full] {
        if let crate::fit::Convergence::NotConverged(reason) = fit.convergence() {
            return Err(Error::NotConverged {
                reason: reason.clone(),
            });
        }
    }
    if restricted.n() != full.n() {
        return Err(Error::NotNested {
            reason: "the fits have different numbers of observations",
        });
    }
    if restricted.params().len() != full.params().len() {
        return Err(Error::NotNested {
            reason: "the fits have different parameters",
        });
    }
    let (k_r, k_f) = (restricted.free_parameters(), full.free_parameters());
    if k_f <= k_r {
        return Err(Error::NotNested {
            reason: "the full model must have more free parameters than the restricted one",
        });
    }
    let difference = restricted.nll() - full.nll();
    if difference < -NLL_SLACK * full.nll().abs().max(1.0) {
        return Err(Error::NotNested {
            reason: "the restricted fit is better than the full one: the full fit missed its optimum",
        });
    }
    let statistic = (2.0 * difference).max(0.0);
    let df = k_f - k_r;
    let p_value = ChiSquared::new(df as f64)
        .map(|c| c.sf(statistic))
        .map_err(|_| Error::NotNested {
            reason: "invalid degrees of freedom",
        })?;
    Ok(LikelihoodRatioTest {
        statistic,
        df,
        p_value,
    })
}
