//! The families' log-densities, written out (the same formulas as statrs, without building a
//! distribution per observation; `ln Γ` is statrs's), with the per-chunk sums that choose the
//! formula once per chunk.

use statrs::function::gamma::ln_gamma;

use super::Family;
use crate::density::LogDensity;
use crate::sum::lanes_sum;

/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

#[inline(always)]
pub(super) fn normal_ln_pdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x - mu) / sigma;
    -0.5 * z * z - sigma.ln() - LN_SQRT_2PI
}

/// The Gamma (shape k, scale θ) log-density's terms that do not depend on the observation.
struct GammaConstants {
    k: f64,
    theta: f64,
    k_ln_theta: f64,
    ln_gamma_k: f64,
}

impl GammaConstants {
    #[inline(always)]
    fn new(p: &[f64]) -> Self {
        let (k, theta) = (p[0], p[1]);
        GammaConstants {
            k,
            theta,
            k_ln_theta: k * theta.ln(),
            ln_gamma_k: ln_gamma(k),
        }
    }

    /// `(k − 1) ln x − x/θ − k ln θ − ln Γ(k)`.
    #[inline(always)]
    fn ln_density(&self, x: f64) -> f64 {
        (self.k - 1.0) * x.ln() - x / self.theta - self.k_ln_theta - self.ln_gamma_k
    }
}

/// The Beta (α, β) log-density's terms that do not depend on the observation.
struct BetaConstants {
    a: f64,
    b: f64,
    ln_gamma_a: f64,
    ln_gamma_b: f64,
    ln_gamma_ab: f64,
}

impl BetaConstants {
    #[inline(always)]
    fn new(p: &[f64]) -> Self {
        let (a, b) = (p[0], p[1]);
        BetaConstants {
            a,
            b,
            ln_gamma_a: ln_gamma(a),
            ln_gamma_b: ln_gamma(b),
            ln_gamma_ab: ln_gamma(a + b),
        }
    }

    /// `(α − 1) ln x + (β − 1) ln(1 − x) − ln Γ(α) − ln Γ(β) + ln Γ(α + β)`.
    #[inline(always)]
    fn ln_density(&self, x: f64) -> f64 {
        (self.a - 1.0) * x.ln() + (self.b - 1.0) * (1.0 - x).ln()
            - self.ln_gamma_a
            - self.ln_gamma_b
            + self.ln_gamma_ab
    }
}

/// The two-Normal mixture's log-weights, which do not depend on the observation.
struct MixtureConstants<'p> {
    p: &'p [f64],
    ln_weight: f64,
    ln_other: f64,
}

impl<'p> MixtureConstants<'p> {
    #[inline(always)]
    fn new(p: &'p [f64]) -> Self {
        MixtureConstants {
            p,
            ln_weight: p[0].ln(),
            ln_other: (-p[0]).ln_1p(),
        }
    }

    /// `ln(w φ(x; μ₁, σ₁) + (1 − w) φ(x; μ₂, σ₂))`.
    #[inline(always)]
    fn ln_density(&self, x: f64) -> f64 {
        let p = self.p;
        log_add_exp(
            self.ln_weight + normal_ln_pdf(x, p[1], p[2]),
            self.ln_other + normal_ln_pdf(x, p[3], p[4]),
        )
    }
}

/// `ln P(X = x)` for a Poisson with mean `lambda`, in Loader's saddle-point form (as R's
/// `dpois`): `−stirlerr(x) − bd0(x, λ) − ½ ln(2πx)`. The textbook `x ln λ − λ − ln Γ(x + 1)`
/// cancels terms of size `x ln x` to leave one of size `ln x`: at counts of 1e6 each term loses
/// seven digits, and the NLL's rounding noise swamps its gradient near the optimum. Here every
/// term is of the size of the result.
#[inline(always)]
fn poisson_ln_pmf(x: f64, lambda: f64) -> f64 {
    if x <= 0.0 {
        return -lambda;
    }
    -stirlerr(x) - bd0(x, lambda) - 0.5 * (2.0 * std::f64::consts::PI * x).ln()
}

/// `ln Γ(n + 1) − (n + ½) ln n + n − ln √(2π)`: the error of Stirling's formula, from its
/// series for large n (Loader 2000), directly for small n where the cancellation is mild.
#[inline(always)]
fn stirlerr(n: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        return ln_gamma(n + 1.0) - (n + 0.5) * n.ln() + n - LN_SQRT_2PI;
    }
    let nn = n * n;
    if n > 500.0 {
        (S0 - S1 / nn) / n
    } else if n > 80.0 {
        (S0 - (S1 - S2 / nn) / nn) / n
    } else if n > 35.0 {
        (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
    }
}

/// `x ln(x/m) + m − x ≥ 0`, the deviance term of the Poisson, without cancellation when `x` is
/// near `m` (Loader's series in `v = (x − m)/(x + m)`).
#[inline(always)]
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let v = (x - m) / (x + m);
        let v2 = v * v;
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        for j in 1..1000 {
            ej *= v2;
            let next = s + ej / f64::from(2 * j + 1);
            if next.to_bits() == s.to_bits() {
                return next;
            }
            s = next;
        }
        s
    } else {
        x * (x / m).ln() + m - x
    }
}

/// `ln(e^a + e^b)` without overflow.
#[inline(always)]
pub(super) fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        m
    } else {
        m + ((a - m).exp() + (b - m).exp()).ln()
    }
}

/// `ln(1 + eᵃ)` without overflow or loss at either end.
#[inline(always)]
pub(super) fn softplus(a: f64) -> f64 {
    a.max(0.0) + (-a.abs()).exp().ln_1p()
}

/// `ln Γ(x + r) − ln Γ(r)` for a count `x`: the sum of `ln(r + j)` for small counts, exact
/// where the difference of two large `ln Γ` would cancel (a large size `r`).
#[inline(always)]
fn ln_rising(r: f64, x: f64) -> f64 {
    if x < 64.0 {
        let mut s = 0.0;
        let mut j = 0.0;
        while j < x {
            s += (r + j).ln();
            j += 1.0;
        }
        s
    } else {
        ln_gamma(x + r) - ln_gamma(r)
    }
}

/// `ln P(X = x)` of the negative binomial with size `r` and mean `mu` (R's `dnbinom(x, size,
/// mu)`): `ln Γ(x + r) − ln Γ(r) − ln x! − r ln(1 + μ/r) + x ln(μ/(r + μ))`.
#[inline(always)]
fn negative_binomial_ln_pmf(x: f64, r: f64, mu: f64) -> f64 {
    let tail = if x > 0.0 {
        x * (mu.ln() - (r + mu).ln())
    } else {
        0.0
    };
    ln_rising(r, x) - ln_gamma(x + 1.0) - r * (mu / r).ln_1p() + tail
}

/// `ln(1 + ξ·z)/ξ` (the extreme-value families' log-scale variable), `z` at ξ = 0 and by
/// its series next to it; `NaN` outside the support (`1 + ξz ≤ 0`).
#[inline(always)]
pub(super) fn extreme_y(xi: f64, z: f64) -> f64 {
    let t = xi * z;
    if t.abs() < 1e-8 {
        // ln(1 + t)/ξ = z (1 − t/2 + t²/3 − …); the next term is below 1e-24 z.
        z * (1.0 - t * (0.5 - t / 3.0))
    } else if t > -1.0 {
        t.ln_1p() / xi
    } else {
        f64::NAN
    }
}

/// `ln P(X = x)` of the binomial with `n` trials: `ln n! − ln x! − ln (n − x)! + x ln p +
/// (n − x) ln(1 − p)`, with `ln p`, `ln(1 − p)` and `ln n!` given; `−∞` above `n`.
#[inline(always)]
fn binomial_ln_pmf(x: f64, n: f64, ln_p: f64, ln_q: f64, ln_n_factorial: f64) -> f64 {
    if x > n {
        return f64::NEG_INFINITY;
    }
    let head = if x > 0.0 { x * ln_p } else { 0.0 };
    let tail = if n - x > 0.0 { (n - x) * ln_q } else { 0.0 };
    ln_n_factorial - ln_gamma(x + 1.0) - ln_gamma(n - x + 1.0) + head + tail
}

/// The Student t (location, scale, df) log-density's terms that do not depend on the
/// observation.
struct StudentConstants {
    mu: f64,
    s: f64,
    nu: f64,
    constant: f64,
}

impl StudentConstants {
    #[inline(always)]
    fn new(p: &[f64]) -> Self {
        let (mu, s, nu) = (p[0], p[1], p[2]);
        StudentConstants {
            mu,
            s,
            nu,
            constant: ln_gamma(0.5 * (nu + 1.0))
                - ln_gamma(0.5 * nu)
                - 0.5 * (nu * std::f64::consts::PI).ln()
                - s.ln(),
        }
    }

    /// `ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(νπ) − ln s − (ν+1)/2 · ln(1 + z²/ν)`.
    #[inline(always)]
    fn ln_density(&self, x: f64) -> f64 {
        let z = (x - self.mu) / self.s;
        self.constant - 0.5 * (self.nu + 1.0) * (z * z / self.nu).ln_1p()
    }
}

/// A family's log-density as a [`LogDensity`] (what [`Family::model`] fits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyDensity(pub Family);

impl LogDensity<f64> for FamilyDensity {
    #[inline(always)]
    fn ln_density(&self, x: &f64, params: &[f64]) -> f64 {
        self.0.ln_density(*x, params)
    }

    /// Chooses the family once per chunk: within each arm the family is a constant, so the
    /// compiler hoists what does not depend on the observation (`ln σ`) out of the loop, which
    /// a per-observation `match` prevents (measured 10× slower for the Normal). What the
    /// compiler cannot hoist (`ln Γ`, `ln(1 + x)`: library calls) is computed here once, and
    /// each term is the same expression as [`Family::ln_density`]'s, so the bits agree.
    fn sum_ln_density(&self, chunk: &[f64], p: &[f64]) -> f64 {
        macro_rules! sum {
            ($family:expr) => {
                lanes_sum(chunk, |x| $family.ln_density(*x, p))
            };
        }
        match self.0 {
            Family::Normal => sum!(Family::Normal),
            Family::Exponential => sum!(Family::Exponential),
            Family::Gamma => {
                let c = GammaConstants::new(p);
                lanes_sum(chunk, |x| c.ln_density(*x))
            }
            Family::Weibull => sum!(Family::Weibull),
            Family::LogNormal => sum!(Family::LogNormal),
            Family::Poisson => sum!(Family::Poisson),
            Family::Beta => {
                let c = BetaConstants::new(p);
                lanes_sum(chunk, |x| c.ln_density(*x))
            }
            Family::NormalMixture => {
                let c = MixtureConstants::new(p);
                lanes_sum(chunk, |x| c.ln_density(*x))
            }
            Family::StudentT => {
                let c = StudentConstants::new(p);
                lanes_sum(chunk, |x| c.ln_density(*x))
            }
            Family::GammaRate => {
                let c = GammaConstants::new(&[p[0], 1.0 / p[1]]);
                lanes_sum(chunk, |x| c.ln_density(*x))
            }
            Family::Logistic => sum!(Family::Logistic),
            Family::LogLogistic => sum!(Family::LogLogistic),
            Family::Pareto => sum!(Family::Pareto),
            Family::Gumbel => sum!(Family::Gumbel),
            Family::Cauchy => sum!(Family::Cauchy),
            Family::InverseGaussian => sum!(Family::InverseGaussian),
            Family::Geometric => sum!(Family::Geometric),
            Family::NegativeBinomial => sum!(Family::NegativeBinomial),
            Family::Gev => sum!(Family::Gev),
            Family::GeneralizedPareto => sum!(Family::GeneralizedPareto),
            Family::Binomial => {
                let (n, prob) = (p[0], p[1]);
                let (ln_p, ln_q, ln_n) = (prob.ln(), (-prob).ln_1p(), ln_gamma(n + 1.0));
                lanes_sum(chunk, |x| binomial_ln_pmf(*x, n, ln_p, ln_q, ln_n))
            }
        }
    }
}

impl Family {
    /// The log-density (or log-probability) of `x` at `p`.
    #[inline(always)]
    pub fn ln_density(self, x: f64, p: &[f64]) -> f64 {
        match self {
            Family::Normal => normal_ln_pdf(x, p[0], p[1]),
            Family::Exponential => p[0].ln() - p[0] * x,
            Family::Gamma => GammaConstants::new(p).ln_density(x),
            Family::Weibull => {
                let (k, lambda) = (p[0], p[1]);
                let ln_r = (x / lambda).ln();
                // r^k as e^(k ln r), reusing ln r: one exp instead of a powf, which costs
                // twice as much; relative error |k ln r|·ε in the term.
                k.ln() - lambda.ln() + (k - 1.0) * ln_r - (k * ln_r).exp()
            }
            Family::LogNormal => {
                let lx = x.ln();
                normal_ln_pdf(lx, p[0], p[1]) - lx
            }
            Family::Poisson => poisson_ln_pmf(x, p[0]),
            Family::Beta => BetaConstants::new(p).ln_density(x),
            Family::NormalMixture => MixtureConstants::new(p).ln_density(x),
            Family::Logistic => {
                let z = ((x - p[0]) / p[1]).abs();
                -z - 2.0 * (-z).exp().ln_1p() - p[1].ln()
            }
            Family::LogLogistic => {
                let (k, s) = (p[0], p[1]);
                let y = (x / s).ln();
                k.ln() - s.ln() + (k - 1.0) * y - 2.0 * softplus(k * y)
            }
            Family::Pareto => {
                let (a, theta) = (p[0], p[1]);
                a.ln() - theta.ln() - (a + 1.0) * (x / theta).ln_1p()
            }
            Family::Gumbel => {
                let z = (x - p[0]) / p[1];
                -p[1].ln() - z - (-z).exp()
            }
            Family::Cauchy => {
                let z = (x - p[0]) / p[1];
                -(std::f64::consts::PI * p[1]).ln() - (z * z).ln_1p()
            }
            Family::StudentT => StudentConstants::new(p).ln_density(x),
            Family::InverseGaussian => {
                let (mu, lambda) = (p[0], p[1]);
                let d = x - mu;
                0.5 * (lambda.ln() - (2.0 * std::f64::consts::PI).ln() - 3.0 * x.ln())
                    - lambda * d * d / (2.0 * mu * mu * x)
            }
            Family::GammaRate => GammaConstants::new(&[p[0], 1.0 / p[1]]).ln_density(x),
            Family::Geometric => p[0].ln() + x * (-p[0]).ln_1p(),
            Family::NegativeBinomial => negative_binomial_ln_pmf(x, p[0], p[1]),
            Family::Gev => {
                let y = extreme_y(p[2], (x - p[0]) / p[1]);
                if y.is_nan() {
                    return f64::NEG_INFINITY;
                }
                -p[1].ln() - (1.0 + p[2]) * y - (-y).exp()
            }
            Family::GeneralizedPareto => {
                if x < 0.0 {
                    return f64::NEG_INFINITY;
                }
                let y = extreme_y(p[1], x / p[0]);
                if y.is_nan() {
                    return f64::NEG_INFINITY;
                }
                -p[0].ln() - (1.0 + p[1]) * y
            }
            Family::Binomial => {
                let (n, prob) = (p[0], p[1]);
                binomial_ln_pmf(x, n, prob.ln(), (-prob).ln_1p(), ln_gamma(n + 1.0))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::FAMILIES;

    /// The per-chunk sums (constants computed once per chunk) add exactly the terms that
    /// `ln_density` gives observation by observation, in the same order: the same bits.
    #[test]
    fn chunk_sums_have_the_bits_of_the_per_observation_formula() {
        let positive: Vec<f64> = (1..=1000).map(|i| 0.37 * f64::from(i) / 100.0).collect();
        let unit: Vec<f64> = (1..=999).map(|i| f64::from(i) / 1000.0).collect();
        let counts: Vec<f64> = (0..1000).map(|i| f64::from(i % 17)).collect();
        for family in FAMILIES {
            let (data, p): (&[f64], Vec<f64>) = match family {
                Family::Beta => (&unit, vec![2.5, 1.5]),
                Family::Poisson => (&counts, vec![4.2]),
                Family::Exponential => (&positive, vec![0.7]),
                Family::NormalMixture => (&positive, vec![0.3, 1.0, 0.5, 2.5, 0.8]),
                Family::StudentT => (&positive, vec![1.0, 0.7, 4.5]),
                Family::Geometric => (&counts, vec![0.3]),
                Family::NegativeBinomial => (&counts, vec![2.5, 6.0]),
                Family::Binomial => (&counts, vec![20.0, 0.3]),
                Family::Gev => (&positive, vec![1.0, 0.7, 0.2]),
                Family::GeneralizedPareto => (&positive, vec![0.7, 0.2]),
                _ => (&positive, vec![1.7, 2.3]),
            };
            let chunked = FamilyDensity(family).sum_ln_density(data, &p);
            let direct = lanes_sum(data, |x| family.ln_density(*x, &p));
            assert!(chunked.is_finite(), "{family:?}");
            assert_eq!(chunked.to_bits(), direct.to_bits(), "{family:?}");
        }
    }

    /// The saddle-point Poisson log-pmf equals statrs's textbook one where that one is
    /// accurate (small counts), and the Normal limit's where counts are huge.
    #[test]
    fn the_poisson_log_pmf_is_accurate_at_every_count() {
        use statrs::distribution::{Discrete, Poisson};
        for lambda in [0.3, 1.0, 4.2, 17.5, 60.0] {
            let d = Poisson::new(lambda).unwrap();
            for x in 0..200u64 {
                let exact = d.ln_pmf(x);
                let ours = poisson_ln_pmf(x as f64, lambda);
                assert!(
                    (ours - exact).abs() <= 1e-12 * exact.abs().max(1.0),
                    "lambda {lambda} x {x}: {ours} vs {exact}"
                );
            }
        }
        // At x = λ = 1e12 the pmf is the Normal limit's peak, 1/√(2πλ), to a relative 1/(12λ).
        let peak = poisson_ln_pmf(1e12, 1e12);
        let normal = -0.5 * (2.0 * std::f64::consts::PI * 1e12).ln();
        assert!((peak - normal).abs() < 1e-11, "{peak} {normal}");
    }
}
