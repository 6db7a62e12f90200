//! Multi-start: the fit run from the declared start and from `K − 1` more spread around it,
//! in parallel, the best converged optimum returned with the list of distinct optima.
//!
//! The extra starts are points of a Halton sequence (bases 2, 3, 5, ...; rotated by the seed)
//! in a cube `[−W, W]^p` of the coordinates calibrated at the declared start, where one unit
//! along a coordinate is about one observation's standard deviation of its parameter. The
//! half-width `W` cycles through 3, 10 and 30 such units from one start to the next, so that
//! both nearby basins and distant ones (a mixture component or a cluster many standard
//! deviations away) are reached; along a log or logit coordinate it stays at 3 (a factor of
//! 20 either way). A point where the NLL is not finite is pulled halfway back towards the
//! declared start until it is. Every start is fitted
//! with the same options; the result does not depend on the number of threads.

use std::time::Instant;

use rayon::prelude::*;

use crate::density::{Likelihood, LogDensity, Score};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::objective::Objective;
use crate::optima::{MultiStart, Optimum};
use crate::options::FitOptions;
use crate::outcome::SeUnavailable;

/// Half-widths of the cubes of starts, in the calibrated coordinates, taken in turn.
const WIDTHS: [f64; 3] = [3.0, 10.0, 30.0];
/// The half-width along a log or logit coordinate.
const TRANSFORMED_WIDTH: f64 = 3.0;
/// Times a start whose NLL is not finite is pulled halfway back towards the declared start.
const PULL_BACK: usize = 20;
/// Two converged fits are the same optimum when their NLLs agree to this (absolute, plus
/// [`SAME_NLL_RELATIVE`] of the NLL) ...
const SAME_NLL: f64 = 1e-6;
const SAME_NLL_RELATIVE: f64 = 1e-12;
/// ... and every estimate agrees to this many of its standard errors (or, without standard
/// errors, to [`SAME_RELATIVE`] of its size).
const SAME_SE: f64 = 0.01;
const SAME_RELATIVE: f64 = 1e-6;

/// The first `count` primes: the Halton bases.
fn primes(count: usize) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::with_capacity(count);
    let mut candidate = 2;
    while out.len() < count {
        if out.iter().all(|p| candidate % p != 0) {
            out.push(candidate);
        }
        candidate += 1;
    }
    out
}

/// The radical inverse of `index` in `base`: the Halton sequence's coordinate in [0, 1).
fn radical_inverse(mut index: u64, base: u64) -> f64 {
    let mut inverse = 0.0;
    let mut unit = 1.0 / base as f64;
    while index > 0 {
        inverse += (index % base) as f64 * unit;
        index /= base;
        unit /= base as f64;
    }
    inverse
}

/// SplitMix64: a seed's rotation of each coordinate, uniform in [0, 1).
fn rotation(seed: u64, k: usize) -> f64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(k as u64 + 1));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Point `j` (from 1) of the design in `[−1, 1]^dim`.
fn design(j: usize, bases: &[u64], seed: u64) -> Vec<f64> {
    bases
        .iter()
        .enumerate()
        .map(|(k, &b)| {
            let h = (radical_inverse(j as u64, b) + rotation(seed, k)).fract();
            2.0 * h - 1.0
        })
        .collect()
}

/// The starts: the declared one first, then the design's points in the user's parameters.
fn starts<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    theta0: &[f64],
    options: &FitOptions,
) -> Result<Vec<Vec<f64>>> {
    let mut objective = Objective::new(likelihood, data, theta0, options.difference);
    objective.recentre(theta0, None)?;
    let dim = objective.coords().dim();
    let bases = primes(dim);
    let mut out = vec![theta0.to_vec()];
    let coords = objective.coords();
    let widths: Vec<Vec<f64>> = WIDTHS
        .iter()
        .map(|&w| {
            (0..dim)
                .map(|k| {
                    if coords.scale_cap(k).is_finite() {
                        w.min(TRANSFORMED_WIDTH)
                    } else {
                        w
                    }
                })
                .collect()
        })
        .collect();
    for j in 1..options.starts {
        let point = design(j, &bases, options.seed);
        let width = &widths[(j - 1) % WIDTHS.len()];
        let mut pull = 1.0;
        let mut chosen = None;
        for _ in 0..PULL_BACK {
            let z: Vec<f64> = point.iter().zip(width).map(|(v, w)| v * w * pull).collect();
            if objective.mean_nll(&z).is_ok()
                && let Ok(theta) = objective.coords().theta(&z)
            {
                chosen = Some(theta);
                break;
            }
            pull *= 0.5;
        }
        out.push(chosen.unwrap_or_else(|| theta0.to_vec()));
    }
    Ok(out)
}

/// Whether two converged fits are at the same optimum.
fn same_optimum(a: &Fit, b: &Fit) -> bool {
    let nll_tolerance = SAME_NLL + SAME_NLL_RELATIVE * a.nll().abs();
    if (a.nll() - b.nll()).abs() > nll_tolerance {
        return false;
    }
    let se = a.std_errors().ok().map(|i| i.std_errors());
    a.estimates()
        .iter()
        .zip(b.estimates())
        .enumerate()
        .all(|(k, (x, y))| {
            let allowed = match se.as_ref().and_then(|s| s[k]) {
                Some(se) => SAME_SE * se,
                None => SAME_RELATIVE * x.abs().max(y.abs()).max(f64::MIN_POSITIVE),
            };
            (x - y).abs() <= allowed
        })
}

/// A converged fit whose Hessian gave standard errors (or that was not asked for them).
const VERIFIED: u8 = 0;
/// A converged fit whose Hessian is not positive definite or not finite nearby: the gradient
/// test passed, but nothing shows the point is a maximum of the likelihood (a scale collapsed
/// onto one observation passes the gradient test by rounding).
const UNVERIFIED: u8 = 1;
const NOT_CONVERGED: u8 = 2;

/// How far a start's fit got: [`VERIFIED`], [`UNVERIFIED`] or [`NOT_CONVERGED`].
fn verification(fit: &Fit) -> u8 {
    if !fit.converged() {
        NOT_CONVERGED
    } else if is_verified(fit) {
        VERIFIED
    } else {
        UNVERIFIED
    }
}

/// Resolution (standard errors) beyond which a converged point is not a verified optimum:
/// rounding of the NLL, not its curvature, decides where it lies.
const VERIFIED_PRECISION: f64 = 0.1;

/// Whether a converged fit is a verified optimum: its Hessian positive definite and finite
/// nearby, and its position resolvable to a fraction of a standard error. A scale collapsed
/// onto one observation fails one or the other (the likelihood is unbounded there).
pub(crate) fn is_verified(fit: &Fit) -> bool {
    fit.converged()
        && fit.precision() <= VERIFIED_PRECISION
        && !matches!(
            fit.std_errors(),
            Err(SeUnavailable::NotPositiveDefinite { .. } | SeUnavailable::NonFiniteNearEstimates)
        )
}

/// Fits from `options.starts` starts and returns the best converged optimum, with what the
/// starts found.
pub(crate) fn fit<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    options: &FitOptions,
) -> Result<Fit> {
    let timer = Instant::now();
    let theta0 = super::checked_start(likelihood, data, options)?;
    let points = starts(likelihood, data, &theta0, options)?;
    let results: Vec<Result<Fit>> = points
        .into_par_iter()
        .map(|theta| {
            let single = FitOptions {
                start: Some(theta),
                starts: 1,
                ..options.clone()
            };
            super::fit_once(likelihood, data, &single)
        })
        .collect();
    let mut fits = Vec::with_capacity(results.len());
    let mut first_error = None;
    for result in results {
        match result {
            Ok(fit) => fits.push(fit),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let failed = options.starts - fits.len();
    // The best: the lowest verified optimum (the earliest start on a tie), else the lowest
    // converged NLL, else the lowest NLL.
    let lowest = |tier: u8| {
        fits.iter()
            .enumerate()
            .filter(|(_, f)| verification(f) == tier)
            .min_by(|(i, a), (j, b)| a.nll().total_cmp(&b.nll()).then(i.cmp(j)))
            .map(|(i, _)| i)
    };
    let Some(best) = lowest(VERIFIED)
        .or_else(|| lowest(UNVERIFIED))
        .or_else(|| lowest(NOT_CONVERGED))
    else {
        return Err(first_error.unwrap_or(Error::EmptyData));
    };
    let tier = verification(&fits[best]);
    // Distinct optima of the best's tier, lowest NLL first.
    let mut converged: Vec<&Fit> = fits.iter().filter(|f| verification(f) == tier).collect();
    converged.sort_by(|a, b| a.nll().total_cmp(&b.nll()));
    let mut optima: Vec<(&Fit, usize)> = Vec::new();
    for fit in converged {
        match optima.iter_mut().find(|(rep, _)| same_optimum(rep, fit)) {
            Some((_, reached)) => *reached += 1,
            None => optima.push((fit, 1)),
        }
    }
    let best_nll = fits[best].nll();
    let slack = SAME_NLL + SAME_NLL_RELATIVE * best_nll.abs();
    let lower_unconverged = fits
        .iter()
        .enumerate()
        .filter(|(i, f)| *i != best && verification(f) > tier && f.nll() < best_nll - slack)
        .map(|(_, f)| f.nll())
        .min_by(f64::total_cmp);
    let info = MultiStart {
        starts: options.starts,
        seed: options.seed,
        optima: optima
            .iter()
            .map(|(f, reached)| Optimum {
                nll: f.nll(),
                estimates: f.estimates().to_vec(),
                reached: *reached,
            })
            .collect(),
        not_converged: failed + fits.iter().filter(|f| verification(f) > tier).count(),
        lower_unconverged,
    };
    let other_passes: f64 = fits
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, f)| f.data_passes())
        .sum();
    let fit = fits.swap_remove(best);
    Ok(fit.with_multi_start(info, other_passes, timer.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_fills_the_cube_and_depends_on_the_seed() {
        let bases = primes(3);
        assert_eq!(bases, [2, 3, 5]);
        approx::assert_relative_eq!(radical_inverse(6, 2), 0.375, max_relative = 1e-15);
        let points: Vec<Vec<f64>> = (1..=64).map(|j| design(j, &bases, 7)).collect();
        for p in &points {
            assert!(p.iter().all(|v| (-1.0..1.0).contains(v)), "{p:?}");
        }
        // Every eighth of each axis holds a point (low discrepancy).
        for k in 0..3 {
            for cell in 0..8 {
                let (lo, hi) = (-1.0 + 0.25 * cell as f64, -0.75 + 0.25 * cell as f64);
                assert!(points.iter().any(|p| p[k] >= lo && p[k] < hi), "{k} {cell}");
            }
        }
        assert_ne!(design(1, &bases, 7), design(1, &bases, 8));
        assert_eq!(design(5, &bases, 7), design(5, &bases, 7));
    }
}
