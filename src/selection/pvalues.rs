//! Parametric-bootstrap p-values of the goodness-of-fit statistics: samples drawn from the
//! fitted family, each refitted and its statistics computed at its own estimates, so that the
//! p-values account for the parameters having been estimated from the data (the tabulated
//! distributions of KS, CvM and AD hold for known parameters only).

use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;

use super::gof::{GoodnessOfFit, goodness_of_fit};
use crate::families::{FAMILIES, Family};
use crate::numerics::stream_seed;
use crate::options::{FitOptions, MAX_STARTS, Method};

/// The p-values of a candidate's statistics, `(1 + #{T* ≥ T}) / (1 + m)` over the `m`
/// replicates that gave a statistic (so never 0).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PValues {
    /// Kolmogorov–Smirnov (continuous families).
    pub ks: Option<f64>,
    /// Cramér–von Mises (continuous families).
    pub cvm: Option<f64>,
    /// Anderson–Darling (continuous families).
    pub ad: Option<f64>,
    /// The chi-square (discrete families).
    pub chisq: Option<f64>,
    /// The replicates drawn.
    pub replicates: usize,
    /// The replicates whose refit did not converge, or whose statistics could not be
    /// computed (too few distinct values for the chi-square's cells): left out of the
    /// p-values, and reported so that a large share can be seen.
    pub failed: usize,
}

/// The seed of replicate `b` of `family`: a function of the seed, the family and `b` alone,
/// so that the replicates are the same whichever thread draws them.
fn replicate_seed(seed: u64, family: Family, b: usize) -> u64 {
    let index = FAMILIES.iter().position(|&f| f == family).unwrap_or(0) as u64;
    stream_seed(seed, index, b as u64)
}

/// The statistics as a vector in a fixed order (KS, CvM, AD or the chi-square); `None` when
/// they could not be computed.
fn statistics(gof: &GoodnessOfFit) -> Option<Vec<f64>> {
    match gof {
        GoodnessOfFit::Continuous(s) => Some(vec![s.ks, s.cvm, s.ad]),
        GoodnessOfFit::Discrete(Some(c)) => Some(vec![c.statistic]),
        GoodnessOfFit::Discrete(None) => None,
    }
}

/// The statistics of one replicate of `family` at `params`, refitted.
fn replicate(
    family: Family,
    params: &[f64],
    n: usize,
    seed: u64,
    options: &FitOptions,
) -> Option<Vec<f64>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let sample = family.sample(params, n, &mut rng).ok()?;
    let fit = family.fit(&sample, options).ok()?;
    if !fit.converged() {
        return None;
    }
    let gof = goodness_of_fit(family, &sample, fit.estimates(), fit.free_parameters()).ok()?;
    statistics(&gof)
}

/// The p-values of `observed` from `replicates` samples of `n` values of `family` at `params`.
pub(super) fn bootstrap(
    family: Family,
    params: &[f64],
    n: usize,
    observed: &GoodnessOfFit,
    replicates: usize,
    seed: u64,
    method: Method,
) -> PValues {
    let options = FitOptions::builder(method)
        .standard_errors(false)
        .starts(family.default_starts().min(MAX_STARTS))
        .seed(seed)
        .build()
        .unwrap_or_else(|_| FitOptions::new(method));
    let draws: Vec<Option<Vec<f64>>> = (0..replicates)
        .into_par_iter()
        .map(|b| replicate(family, params, n, replicate_seed(seed, family, b), &options))
        .collect();
    let used: Vec<&Vec<f64>> = draws.iter().flatten().collect();
    let failed = replicates - used.len();
    let p = |k: usize| -> Option<f64> {
        let t = statistics(observed)?.get(k).copied()?;
        if used.is_empty() {
            return None;
        }
        let exceed = used.iter().filter(|s| s[k] >= t).count();
        Some((1 + exceed) as f64 / (1 + used.len()) as f64)
    };
    if family.is_discrete() {
        PValues {
            ks: None,
            cvm: None,
            ad: None,
            chisq: p(0),
            replicates,
            failed,
        }
    } else {
        PValues {
            ks: p(0),
            cvm: p(1),
            ad: p(2),
            chisq: None,
            replicates,
            failed,
        }
    }
}
