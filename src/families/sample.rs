//! Random samples from a family at given parameters (rand_distr's samplers), for the
//! parametric bootstrap.

use rand::Rng;
use rand_distr::{
    Beta, Binomial, Cauchy, Distribution, Exp, Gamma, Geometric, Gumbel, InverseGaussian,
    LogNormal, Normal, Open01, Poisson, StudentT, Weibull,
};

use super::Family;
use crate::error::{Error, Result};

/// The error for parameters a sampler refuses.
fn refused(family: Family, params: &[f64]) -> Error {
    Error::OutsideSpace {
        name: family.names().join(", "),
        value: params.first().copied().unwrap_or(f64::NAN),
        space: format!("the {family} family's (a sampler refused {params:?})"),
    }
}

/// `n` draws from `D`, or the error for `family` when `D` could not be built.
fn draws<D: Distribution<f64>, E, R: Rng + ?Sized>(
    made: std::result::Result<D, E>,
    n: usize,
    rng: &mut R,
    family: Family,
    params: &[f64],
) -> Result<Vec<f64>> {
    let d = made.map_err(|_| refused(family, params))?;
    Ok((0..n).map(|_| d.sample(rng)).collect())
}

/// `n` uniform draws in the open interval (0, 1).
fn uniforms<R: Rng + ?Sized>(n: usize, rng: &mut R) -> impl Iterator<Item = f64> + '_ {
    (0..n).map(move |_| {
        let u: f64 = Open01.sample(rng);
        u
    })
}

/// `(e^(ξw) − 1)/ξ`, `w` at ξ = 0: the inverse of the extreme-value families' `y`.
fn extreme_inverse(xi: f64, w: f64) -> f64 {
    if (xi * w).abs() < 1e-12 {
        w
    } else {
        (xi * w).exp_m1() / xi
    }
}

/// Refuses parameters at positions `which` that are not finite and positive.
fn check_positive(family: Family, params: &[f64], which: &[usize]) -> Result<()> {
    if which
        .iter()
        .all(|&k| params[k].is_finite() && params[k] > 0.0)
    {
        Ok(())
    } else {
        Err(refused(family, params))
    }
}

impl Family {
    /// `n` independent draws from the family at `params`.
    ///
    /// ```
    /// use maxlik::Family;
    /// use rand::SeedableRng;
    ///
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    /// let x = Family::Gamma.sample(&[2.0, 3.0], 5, &mut rng)?;
    /// assert!(x.iter().all(|&v| v > 0.0));
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WrongParameterCount`], or [`Error::OutsideSpace`] when a parameter is outside
    /// its space (or beyond what the sampler takes, e.g. a Poisson mean above 1e17).
    pub fn sample<R: Rng + ?Sized>(
        self,
        params: &[f64],
        n: usize,
        rng: &mut R,
    ) -> Result<Vec<f64>> {
        let expected = self.names().len();
        if params.len() != expected {
            return Err(Error::WrongParameterCount {
                expected,
                got: params.len(),
            });
        }
        let p = params;
        match self {
            Family::Normal => draws(Normal::new(p[0], p[1]), n, rng, self, p),
            Family::Exponential => draws(Exp::new(p[0]), n, rng, self, p),
            Family::Gamma => draws(Gamma::new(p[0], p[1]), n, rng, self, p),
            Family::Weibull => draws(Weibull::new(p[1], p[0]), n, rng, self, p),
            Family::LogNormal => draws(LogNormal::new(p[0], p[1]), n, rng, self, p),
            Family::Poisson => draws(Poisson::new(p[0]), n, rng, self, p),
            Family::Beta => draws(Beta::new(p[0], p[1]), n, rng, self, p),
            Family::Logistic => {
                check_positive(self, p, &[1])?;
                Ok(uniforms(n, rng)
                    .map(|u| p[0] + p[1] * (u / (1.0 - u)).ln())
                    .collect())
            }
            Family::LogLogistic => {
                check_positive(self, p, &[0, 1])?;
                Ok(uniforms(n, rng)
                    .map(|u| p[1] * (u / (1.0 - u)).powf(1.0 / p[0]))
                    .collect())
            }
            Family::Pareto => {
                check_positive(self, p, &[0, 1])?;
                // S(x) = (1 + x/θ)^(−α) = 1 − u.
                Ok(uniforms(n, rng)
                    .map(|u| p[1] * ((-(-u).ln_1p() / p[0]).exp_m1()))
                    .collect())
            }
            Family::Gumbel => draws(Gumbel::new(p[0], p[1]), n, rng, self, p),
            Family::Cauchy => draws(Cauchy::new(p[0], p[1]), n, rng, self, p),
            Family::StudentT => {
                check_positive(self, p, &[1, 2])?;
                let t = StudentT::new(p[2]).map_err(|_| refused(self, p))?;
                Ok((0..n).map(|_| p[0] + p[1] * t.sample(rng)).collect())
            }
            Family::InverseGaussian => draws(InverseGaussian::new(p[0], p[1]), n, rng, self, p),
            Family::GammaRate => {
                check_positive(self, p, &[1])?;
                draws(Gamma::new(p[0], 1.0 / p[1]), n, rng, self, p)
            }
            Family::Geometric => {
                let g = Geometric::new(p[0]).map_err(|_| refused(self, p))?;
                Ok((0..n).map(|_| g.sample(rng) as f64).collect())
            }
            Family::NegativeBinomial => {
                check_positive(self, p, &[0, 1])?;
                // A Poisson whose mean is Gamma(size, mu/size).
                let g = Gamma::new(p[0], p[1] / p[0]).map_err(|_| refused(self, p))?;
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    let lambda = g.sample(rng);
                    let k = if lambda > 0.0 {
                        Poisson::new(lambda)
                            .map_err(|_| refused(self, p))?
                            .sample(rng)
                    } else {
                        0.0
                    };
                    out.push(k);
                }
                Ok(out)
            }
            Family::Gev => {
                check_positive(self, p, &[1])?;
                // x = μ + σ((−ln u)^(−ξ) − 1)/ξ, the Gumbel's μ − σ ln(−ln u) at ξ = 0.
                Ok(uniforms(n, rng)
                    .map(|u| p[0] + p[1] * extreme_inverse(p[2], -(-u.ln()).ln()))
                    .collect())
            }
            Family::GeneralizedPareto => {
                check_positive(self, p, &[0])?;
                // S = (1 + ξx/σ)^(−1/ξ) = 1 − u: x = σ((1 − u)^(−ξ) − 1)/ξ.
                Ok(uniforms(n, rng)
                    .map(|u| p[0] * extreme_inverse(p[1], -(-u).ln_1p()))
                    .collect())
            }
            Family::Binomial => {
                let trials = p[0];
                if !(trials >= 1.0 && trials.fract() == 0.0 && trials < 9.0e15) {
                    return Err(refused(self, p));
                }
                let b = Binomial::new(trials as u64, p[1]).map_err(|_| refused(self, p))?;
                Ok((0..n).map(|_| b.sample(rng) as f64).collect())
            }
            Family::NormalMixture => {
                if !(p[0] > 0.0 && p[0] < 1.0) {
                    return Err(refused(self, p));
                }
                let first = Normal::new(p[1], p[2]).map_err(|_| refused(self, p))?;
                let second = Normal::new(p[3], p[4]).map_err(|_| refused(self, p))?;
                Ok((0..n)
                    .map(|_| {
                        if rng.random::<f64>() < p[0] {
                            first.sample(rng)
                        } else {
                            second.sample(rng)
                        }
                    })
                    .collect())
            }
        }
    }
}
