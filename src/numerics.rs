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
