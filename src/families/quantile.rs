//! The families' quantile functions, by bisection on the log CDF (lower half) or the log
//! survival function (upper half), so that a quantile far in either tail keeps its digits.

use super::Family;
use crate::error::{Error, Result};

/// Where the quantile is sought: `x = t`, `x = eᵗ` or `x = 1/(1 + e⁻ᵗ)`, by the support.
#[derive(Clone, Copy)]
enum Axis {
    Reals,
    Positive,
    Unit,
}

impl Axis {
    fn x(self, t: f64) -> f64 {
        match self {
            Axis::Reals => t,
            Axis::Positive => t.exp(),
            Axis::Unit => 1.0 / (1.0 + (-t).exp()),
        }
    }
}

impl Family {
    /// The `p`-quantile at `params`: the `x` with `P(X ≤ x) = p` (for a count family the
    /// smallest count with `P(X ≤ k) ≥ p`), to the last few bits of `x`.
    ///
    /// ```
    /// use maxlik::Family;
    ///
    /// let q = Family::Normal.quantile(0.975, &[0.0, 1.0])?;
    /// assert!((q - 1.959963984540054).abs() < 1e-14);
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] unless `0 < p < 1`; [`Error::WrongParameterCount`].
    pub fn quantile(self, p: f64, params: &[f64]) -> Result<f64> {
        if !(p > 0.0 && p < 1.0) {
            return Err(Error::InvalidOption {
                option: "probability",
                value: p,
                reason: "a quantile's probability must lie in (0, 1)",
            });
        }
        let expected = self.names().len();
        if params.len() != expected {
            return Err(Error::WrongParameterCount {
                expected,
                got: params.len(),
            });
        }
        if self.is_discrete() {
            return Ok(self.count_quantile(p, params));
        }
        let axis = match self {
            Family::Normal
            | Family::NormalMixture
            | Family::Logistic
            | Family::Gumbel
            | Family::Cauchy
            | Family::StudentT
            | Family::Gev => Axis::Reals,
            Family::Beta => Axis::Unit,
            _ => Axis::Positive,
        };
        // Below p: ln F(x) < ln p in the lower half, ln S(x) > ln(1 − p) in the upper.
        let lower_half = p <= 0.5;
        let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
        let below = |t: f64| {
            let (ln_f, ln_s) = self.ln_cdf_sf(axis.x(t), params);
            if lower_half { ln_f < ln_p } else { ln_s > ln_q }
        };
        // A bracket [lo, hi] with `below(lo)` and not `below(hi)`, by doubling.
        let (mut lo, mut hi) = (-1.0_f64, 1.0_f64);
        while below(hi) && hi < 1e300 {
            lo = hi;
            hi *= 2.0;
        }
        while !below(lo) && lo > -1e300 {
            hi = lo;
            lo *= 2.0;
        }
        loop {
            let mid = 0.5 * (lo + hi);
            // Stop when the bracket cannot shrink, in `t` or in `x`.
            if mid <= lo || mid >= hi || axis.x(lo).to_bits() == axis.x(hi).to_bits() {
                break;
            }
            if below(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(axis.x(0.5 * (lo + hi)))
    }

    /// The smallest count `k` with `P(X ≤ k) ≥ p`.
    fn count_quantile(self, p: f64, params: &[f64]) -> f64 {
        let reached = |k: f64| {
            let (ln_f, ln_s) = self.ln_cdf_sf(k, params);
            if p <= 0.5 {
                ln_f >= p.ln()
            } else {
                ln_s <= (-p).ln_1p()
            }
        };
        let mut hi = 1.0_f64;
        while !reached(hi) && hi < 1e300 {
            hi *= 2.0;
        }
        if reached(0.0) {
            return 0.0;
        }
        // reached(hi), not reached(lo).
        let mut lo = 0.0_f64;
        while hi - lo > 1.0 {
            let mid = (0.5 * (lo + hi)).floor();
            if reached(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_form_quantiles() {
        // Exponential: −ln(1 − p)/rate; Weibull: λ(−ln(1 − p))^(1/k); far tails included.
        for &p in &[1e-12, 0.05, 0.5, 0.95, 1.0 - 1e-12] {
            let e = Family::Exponential.quantile(p, &[2.0]).unwrap();
            approx::assert_relative_eq!(e, -(-p).ln_1p() / 2.0, max_relative = 1e-13);
            let w = Family::Weibull.quantile(p, &[1.5, 3.0]).unwrap();
            let exact = 3.0 * (-(-p).ln_1p()).powf(1.0 / 1.5);
            approx::assert_relative_eq!(w, exact, max_relative = 1e-13);
        }
        // Poisson(3): P(X ≤ 2) = 0.4232, P(X ≤ 3) = 0.6472.
        let count = |p: f64| Family::Poisson.quantile(p, &[3.0]).unwrap() as u64;
        assert_eq!(count(0.5), 3);
        assert_eq!(count(0.4), 2);
        assert_eq!(count(0.01), 0);
    }
}
