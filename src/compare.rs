//! Model comparison: the likelihood-ratio test between nested fits.
//!
//! Conventions: maxlik's NLL is −lnL (not −2lnL). The likelihood-ratio statistic is
//! `2 (NLL_restricted − NLL_full)`, referred to a chi-square with as many degrees of freedom as
//! the full model has more free parameters. AIC, AICc and BIC are on [`Fit`].

use std::fmt;

use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::density::{Likelihood, LogDensity};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::outcome::Convergence;

/// A restricted fit may have an NLL below the full one by rounding; beyond this (on the −lnL
/// scale, relative to the NLL's size) the full fit missed its optimum.
const NLL_SLACK: f64 = 1e-9;

/// The result of a likelihood-ratio test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LikelihoodRatioTest {
    statistic: f64,
    df: usize,
    p_value: f64,
}

impl LikelihoodRatioTest {
    /// `2 (NLL_restricted − NLL_full)`, at least 0.
    pub fn statistic(&self) -> f64 {
        self.statistic
    }

    /// Free parameters of the full model minus those of the restricted one.
    pub fn df(&self) -> usize {
        self.df
    }

    /// `P(χ²_df ≥ statistic)`.
    pub fn p_value(&self) -> f64 {
        self.p_value
    }
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

/// Tests `restricted` against `full`, both fits of the full likelihood's parameters (the
/// restricted one with some fixed) to `data`; see [`Model::likelihood_ratio_test`].
///
/// [`Model::likelihood_ratio_test`]: crate::Model::likelihood_ratio_test
pub(crate) fn likelihood_ratio_test<O: Sync, F: LogDensity<O> + Sync, S>(
    full_likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    restricted: &Fit,
    full: &Fit,
) -> Result<LikelihoodRatioTest> {
    if full_likelihood.density.pseudo_likelihood() {
        return Err(Error::PseudoLikelihood {
            what: "a profile-likelihood interval or a likelihood-ratio test",
        });
    }
    for fit in [restricted, full] {
        if let Convergence::NotConverged(reason) = fit.convergence() {
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
    if restricted.names() != full.names() {
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
    // Both fits must be of this likelihood to these data: the restricted estimates are a point
    // of the full model, where its NLL on these data must be the restricted fit's.
    full.check_belongs(full_likelihood, data)?;
    restricted.check_belongs(full_likelihood, data)?;
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
