//! Small numerics every layer uses: the standard Normal quantile, the check of a confidence
//! level, and how a number is printed.

use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{Error, Result};

/// The standard Normal quantile at `p`.
pub(crate) fn normal_quantile(p: f64) -> f64 {
    match Normal::new(0.0, 1.0) {
        Ok(n) => n.inverse_cdf(p),
        Err(_) => f64::NAN,
    }
}

/// SplitMix64's output function: a well-mixed 64-bit value from any input.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of draw `index` of stream `stream` under `seed`: a function of the three alone,
/// so that a replicate is the same whichever thread draws it.
pub(crate) fn stream_seed(seed: u64, stream: u64, index: u64) -> u64 {
    mix(mix(mix(seed) ^ stream) ^ index)
}

/// The first value that is not finite, as [`Error::InvalidObservation`].
pub(crate) fn check_finite(data: &[f64]) -> Result<()> {
    match data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((index, &value)) => Err(Error::InvalidObservation {
            index,
            value,
            reason: "is not finite",
        }),
        None => Ok(()),
    }
}

/// R's `quantile(x, p, type = 7)` of sorted, non-empty `x`: linear between order statistics.
pub(crate) fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Checks a confidence level.
pub(crate) fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            option: "level",
            value: level,
            reason: "a confidence level must lie in (0, 1)",
        })
    }
}

/// A number in a fixed width that keeps its significant digits at any scale.
pub(crate) fn num(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.6e}")
    } else {
        format!("{v:.6}")
    }
}
