//! Start values from the data (moments or similar), inside every parameter's space: one
//! function per family, named in the family's specification.

use crate::error::{Error, Result};
use crate::sum::Sum;

/// Euler–Mascheroni constant.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

fn mean(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = values.clone().count() as f64;
    Sum::of(values) / n
}

fn variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = mean(values.clone());
    mean(values.map(move |v| (v - m) * (v - m)))
}

/// The mean and the (1/n) variance of the data.
pub(super) fn moments(data: &[f64]) -> (f64, f64) {
    let x = || data.iter().copied();
    (mean(x()), variance(x()))
}

/// The variance itself when the data have a spread, else why the family cannot be fitted.
fn needs_spread(v: f64) -> Result<f64> {
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(Error::DegenerateData {
            reason: "all values are equal: this family needs a spread to estimate its scale",
        })
    }
}

pub(super) fn normal(data: &[f64]) -> Result<Vec<f64>> {
    let (m, v) = moments(data);
    Ok(vec![m, needs_spread(v)?.sqrt()])
}

pub(super) fn exponential(data: &[f64]) -> Result<Vec<f64>> {
    let (m, _) = moments(data);
    if m > 0.0 {
        Ok(vec![1.0 / m])
    } else {
        Err(Error::DegenerateData {
            reason: "every value is 0: the Exponential likelihood is unbounded as rate -> inf",
        })
    }
}

pub(super) fn gamma(data: &[f64]) -> Result<Vec<f64>> {
    let (m, v) = moments(data);
    let v = needs_spread(v)?;
    Ok(vec![m * m / v, v / m])
}

pub(super) fn weibull(data: &[f64]) -> Result<Vec<f64>> {
    // The log of a Weibull variable has sd π/(k√6) and mean ln λ − γ/k.
    let logs = || data.iter().map(|x| x.ln());
    let sd = needs_spread(variance(logs()))?.sqrt();
    let k = std::f64::consts::PI / (sd * 6f64.sqrt());
    Ok(vec![k, (mean(logs()) + EULER_GAMMA / k).exp()])
}

pub(super) fn lognormal(data: &[f64]) -> Result<Vec<f64>> {
    let logs = || data.iter().map(|x| x.ln());
    Ok(vec![mean(logs()), needs_spread(variance(logs()))?.sqrt()])
}

pub(super) fn poisson(data: &[f64]) -> Result<Vec<f64>> {
    let (m, _) = moments(data);
    if m > 0.0 {
        Ok(vec![m])
    } else {
        Err(Error::DegenerateData {
            reason: "every count is 0: the Poisson likelihood is unbounded as lambda -> 0",
        })
    }
}

pub(super) fn beta(data: &[f64]) -> Result<Vec<f64>> {
    let (m, v) = moments(data);
    let v = needs_spread(v)?;
    // Method of moments, kept positive when the spread is too large for it.
    let common = (m * (1.0 - m) / v - 1.0).max(0.5);
    Ok(vec![m * common, (1.0 - m) * common])
}

pub(super) fn normal_mixture(data: &[f64]) -> Result<Vec<f64>> {
    let (_, v) = moments(data);
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
    Ok(vec![0.5, m1, s1, m2, s2])
}

/// The median and the interquartile range of the data.
fn median_iqr(data: &[f64]) -> (f64, f64) {
    let mut s = data.to_vec();
    s.sort_by(f64::total_cmp);
    let at = |q: f64| crate::numerics::quantile_type7(&s, q);
    (at(0.5), at(0.75) - at(0.25))
}

/// A robust scale: the IQR over `width` (the family's IQR at scale 1), or the SD when the
/// IQR is 0.
fn robust_scale(data: &[f64], width: f64) -> Result<(f64, f64)> {
    let (med, iqr) = median_iqr(data);
    let (_, v) = moments(data);
    let v = needs_spread(v)?;
    let scale = if iqr > 0.0 { iqr / width } else { v.sqrt() };
    Ok((med, scale))
}

pub(super) fn logistic(data: &[f64]) -> Result<Vec<f64>> {
    let (m, v) = moments(data);
    Ok(vec![
        m,
        needs_spread(v)?.sqrt() * 3f64.sqrt() / std::f64::consts::PI,
    ])
}

pub(super) fn log_logistic(data: &[f64]) -> Result<Vec<f64>> {
    let logs = || data.iter().map(|x| x.ln());
    let sd = needs_spread(variance(logs()))?.sqrt();
    Ok(vec![
        std::f64::consts::PI / (sd * 3f64.sqrt()),
        mean(logs()).exp(),
    ])
}

pub(super) fn pareto(data: &[f64]) -> Result<Vec<f64>> {
    let (m, v) = moments(data);
    let v = needs_spread(v)?;
    if m <= 0.0 {
        return Err(Error::DegenerateData {
            reason: "every value is 0: the Pareto likelihood is unbounded as scale -> 0",
        });
    }
    // The Lomax's CV² is α/(α − 2) > 1: moments where the data allow, else a light tail.
    let shape = if v > m * m {
        2.0 * v / (v - m * m)
    } else {
        10.0
    };
    Ok(vec![shape, m * (shape - 1.0)])
}

pub(super) fn gumbel(data: &[f64]) -> Result<Vec<f64>> {
    let (m, v) = moments(data);
    let beta = needs_spread(v)?.sqrt() * 6f64.sqrt() / std::f64::consts::PI;
    Ok(vec![m - EULER_GAMMA * beta, beta])
}

pub(super) fn cauchy(data: &[f64]) -> Result<Vec<f64>> {
    // The standard Cauchy's IQR is 2.
    let (med, scale) = robust_scale(data, 2.0)?;
    Ok(vec![med, scale])
}

pub(super) fn student_t(data: &[f64]) -> Result<Vec<f64>> {
    // The t with 5 df has IQR 1.4534 at scale 1.
    let (med, scale) = robust_scale(data, 1.4534)?;
    Ok(vec![med, scale, 5.0])
}

pub(super) fn inverse_gaussian(data: &[f64]) -> Result<Vec<f64>> {
    // The closed-form MLE: μ = x̄, 1/λ = mean(1/x − 1/x̄).
    let (m, _) = moments(data);
    let inv = mean(data.iter().map(|x| 1.0 / x - 1.0 / m));
    if inv > 0.0 && inv.is_finite() {
        Ok(vec![m, 1.0 / inv])
    } else {
        Err(Error::DegenerateData {
            reason: "all values are equal: the inverse Gaussian needs a spread to estimate its shape",
        })
    }
}

pub(super) fn gamma_rate(data: &[f64]) -> Result<Vec<f64>> {
    let g = gamma(data)?;
    Ok(vec![g[0], 1.0 / g[1]])
}

pub(super) fn geometric(data: &[f64]) -> Result<Vec<f64>> {
    let (m, _) = moments(data);
    if m > 0.0 {
        Ok(vec![1.0 / (1.0 + m)])
    } else {
        Err(Error::DegenerateData {
            reason: "every count is 0: the geometric likelihood is maximal at prob = 1, outside (0, 1)",
        })
    }
}

pub(super) fn negative_binomial(data: &[f64]) -> Result<Vec<f64>> {
    let (m, v) = moments(data);
    if m <= 0.0 {
        return Err(Error::DegenerateData {
            reason: "every count is 0: the negative binomial likelihood is unbounded as mu -> 0",
        });
    }
    // Moments where the data are overdispersed; else a large size (near the Poisson).
    let size = if v > m {
        m * m / (v - m)
    } else {
        100.0 * m.max(1.0)
    };
    Ok(vec![size, m])
}

/// Placeholders: the binomial's trials are fixed by the user, and its prob starts at
/// mean/size once the size is known (in `settings.rs`).
pub(super) fn binomial(data: &[f64]) -> Result<Vec<f64>> {
    let max = data.iter().copied().fold(0.0, f64::max);
    let (m, _) = moments(data);
    Ok(vec![
        max.max(1.0),
        (m / max.max(1.0)).clamp(1e-6, 1.0 - 1e-6),
    ])
}

pub(super) fn gev(data: &[f64]) -> Result<Vec<f64>> {
    // The Gumbel's moments, shape 0: inside the support whatever the data.
    let g = gumbel(data)?;
    Ok(vec![g[0], g[1], 0.0])
}

pub(super) fn generalized_pareto(data: &[f64]) -> Result<Vec<f64>> {
    let (m, v) = moments(data);
    let v = needs_spread(v)?;
    // Moments (Hosking & Wallis): ξ = (1 − m²/v)/2, σ = m(1 + m²/v)/2; a negative shape
    // kept where every value is inside the support (1 + ξ x_max/σ > 0).
    let r = m * m / v;
    let sigma = 0.5 * m * (1.0 + r);
    let max = data.iter().copied().fold(0.0, f64::max);
    let shape = (0.5 * (1.0 - r)).max(-0.5 * sigma / max.max(f64::MIN_POSITIVE));
    Ok(vec![sigma, shape])
}
