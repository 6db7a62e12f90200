//! The bootstrap: the fit repeated on resampled data (nonparametric: the observations drawn
//! with replacement; parametric: samples of the fitted family), with percentile and BCa
//! intervals for every parameter and for any function of the parameters (a quantile, a
//! probability). Each replicate is seeded from the seed and its index alone and the replicates
//! are kept in their order, so the same seed gives the same bits on any number of threads.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::density::{LogDensity, Score};
use crate::error::{Error, Result};
use crate::families::Family;
use crate::fit::Fit;
use crate::model::Model;
use crate::numerics::{check_level, normal_quantile, quantile_type7, stream_seed};
use crate::options::FitOptions;

/// The most replicates a bootstrap takes.
pub const MAX_BOOTSTRAP: usize = 1_000_000;

/// Above this many observations the acceleration of BCa comes from a grouped jackknife of
/// this many groups (observation `i` in group `i mod G`) instead of leaving out each one.
pub const JACKKNIFE_GROUPS: usize = 1000;

/// How the bootstrap samples are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resampling {
    /// The observations drawn with replacement (any model).
    Nonparametric,
    /// Samples of the fitted family at the estimates (built-in families, uncensored data).
    Parametric,
}

/// The bootstrap replicates of a fit, and the intervals they give.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    names: Vec<String>,
    estimates: Vec<f64>,
    replicates: Vec<Vec<f64>>,
    requested: usize,
    jackknife: Vec<Vec<f64>>,
    resampling: Resampling,
    seed: u64,
}

/// A bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapInterval {
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
}

impl Bootstrap {
    /// The replicates' estimates (every parameter, in order) whose refit converged, in the
    /// order they were drawn.
    pub fn replicates(&self) -> &[Vec<f64>] {
        &self.replicates
    }

    /// The replicates drawn.
    pub fn requested(&self) -> usize {
        self.requested
    }

    /// The replicates whose refit did not converge (left out of every interval).
    pub fn failed(&self) -> usize {
        self.requested - self.replicates.len()
    }

    /// How the samples were drawn.
    pub fn resampling(&self) -> Resampling {
        self.resampling
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The parameters' names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn index(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::UnknownParameter {
                name: name.to_string(),
            })
    }

    /// The replicates of `g(θ)`, finite ones only, and `g` at the estimates.
    fn values(&self, g: &dyn Fn(&[f64]) -> f64) -> Result<(Vec<f64>, f64)> {
        let t: Vec<f64> = self
            .replicates
            .iter()
            .map(|r| g(r))
            .filter(|v| v.is_finite())
            .collect();
        if t.len() < 2 {
            return Err(Error::BootstrapUnavailable {
                reason: "fewer than two replicates converged",
            });
        }
        Ok((t, g(&self.estimates)))
    }

    /// The bootstrap standard error of parameter `name`: the replicates' standard deviation.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParameter`]; [`Error::BootstrapUnavailable`] with fewer than two
    /// converged replicates.
    pub fn std_error(&self, name: &str) -> Result<f64> {
        let k = self.index(name)?;
        self.std_error_of(|p| p[k])
    }

    /// The bootstrap standard error of `g(θ)`.
    ///
    /// # Errors
    ///
    /// As [`std_error`](Bootstrap::std_error).
    pub fn std_error_of(&self, g: impl Fn(&[f64]) -> f64) -> Result<f64> {
        let (t, _) = self.values(&g)?;
        let m = t.iter().sum::<f64>() / t.len() as f64;
        let ss: f64 = t.iter().map(|v| (v - m) * (v - m)).sum();
        Ok((ss / (t.len() - 1) as f64).sqrt())
    }

    /// The percentile interval of parameter `name` at `level`: the replicates' quantiles at
    /// `(1 ∓ level)/2`, interpolated as R's default `quantile` (type 7), as fitdistrplus's
    /// `bootdist` reports them.
    ///
    /// # Errors
    ///
    /// As [`std_error`](Bootstrap::std_error), and [`Error::InvalidOption`] for a level
    /// outside (0, 1).
    pub fn percentile(&self, name: &str, level: f64) -> Result<BootstrapInterval> {
        let k = self.index(name)?;
        self.percentile_of(|p| p[k], level)
    }

    /// The percentile interval of `g(θ)`.
    ///
    /// # Errors
    ///
    /// As [`percentile`](Bootstrap::percentile).
    pub fn percentile_of(
        &self,
        g: impl Fn(&[f64]) -> f64,
        level: f64,
    ) -> Result<BootstrapInterval> {
        check_level(level)?;
        let (mut t, _) = self.values(&g)?;
        t.sort_by(f64::total_cmp);
        let alpha = 0.5 * (1.0 - level);
        Ok(BootstrapInterval {
            lower: quantile_type7(&t, alpha),
            upper: quantile_type7(&t, 1.0 - alpha),
        })
    }

    /// The bias-corrected and accelerated (BCa) interval of parameter `name` at `level`
    /// (Efron 1987), computed as R's `boot::boot.ci(type = "bca")`: the bias correction
    /// `w = Φ⁻¹(#{t* < t̂}/R)`, the acceleration `a = ΣL³ / (6 (ΣL²)^{3/2})` from the
    /// jackknife's influence values `L`, and the adjusted levels' order statistics
    /// interpolated on the Normal quantile scale.
    ///
    /// # Errors
    ///
    /// As [`percentile`](Bootstrap::percentile), and [`Error::BootstrapUnavailable`] when every
    /// replicate lies on one side of the estimate (the bias correction is infinite) or the
    /// jackknife did not converge.
    pub fn bca(&self, name: &str, level: f64) -> Result<BootstrapInterval> {
        let k = self.index(name)?;
        self.bca_of(|p| p[k], level)
    }

    /// The BCa interval of `g(θ)`.
    ///
    /// # Errors
    ///
    /// As [`bca`](Bootstrap::bca).
    pub fn bca_of(&self, g: impl Fn(&[f64]) -> f64, level: f64) -> Result<BootstrapInterval> {
        check_level(level)?;
        let (t, t0) = self.values(&g)?;
        let jack: Vec<f64> = self.jackknife.iter().map(|r| g(r)).collect();
        if jack.len() < 2 || jack.iter().any(|v| !v.is_finite()) {
            return Err(Error::BootstrapUnavailable {
                reason: "the jackknife for the acceleration did not converge",
            });
        }
        let mean = jack.iter().sum::<f64>() / jack.len() as f64;
        let influence: Vec<f64> = jack
            .iter()
            .map(|v| (jack.len() - 1) as f64 * (mean - v))
            .collect();
        let (l2, l3) = influence
            .iter()
            .fold((0.0, 0.0), |(a, b), l| (a + l * l, b + l * l * l));
        let a = if l2 > 0.0 {
            l3 / (6.0 * l2.powf(1.5))
        } else {
            0.0
        };
        bca_interval(&t, t0, a, level)
    }
}

/// `Φ(x)`, from libm's `erfc` (within an ulp).
fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * std::f64::consts::FRAC_1_SQRT_2)
}

/// The BCa interval of replicates `t` around `t0` with acceleration `a` (boot's `bca.ci`).
pub(crate) fn bca_interval(t: &[f64], t0: f64, a: f64, level: f64) -> Result<BootstrapInterval> {
    let below = t.iter().filter(|&&v| v < t0).count();
    let w = normal_quantile(below as f64 / t.len() as f64);
    if !w.is_finite() {
        return Err(Error::BootstrapUnavailable {
            reason: "every replicate lies on one side of the estimate: the bias correction is infinite",
        });
    }
    let mut sorted = t.to_vec();
    sorted.sort_by(f64::total_cmp);
    let adjusted = |alpha: f64| {
        let z = normal_quantile(alpha);
        normal_cdf(w + (w + z) / (1.0 - a * (w + z)))
    };
    let alpha = 0.5 * (1.0 - level);
    Ok(BootstrapInterval {
        lower: normal_interpolation(&sorted, adjusted(alpha)),
        upper: normal_interpolation(&sorted, adjusted(1.0 - alpha)),
    })
}

/// boot's `norm.inter`: the order statistic at `(R + 1)α`, interpolated between its
/// neighbours on the Normal quantile scale (the extremes past the ends).
fn normal_interpolation(sorted: &[f64], alpha: f64) -> f64 {
    let r = sorted.len();
    let rk = (r + 1) as f64 * alpha;
    let k = rk.trunc() as usize;
    if k == 0 {
        return sorted[0];
    }
    if k >= r {
        return sorted[r - 1];
    }
    if (rk - k as f64).abs() == 0.0 {
        return sorted[k - 1];
    }
    let z = normal_quantile(alpha);
    let zk = normal_quantile(k as f64 / (r + 1) as f64);
    let zk1 = normal_quantile((k + 1) as f64 / (r + 1) as f64);
    let (tk, tk1) = (sorted[k - 1], sorted[k]);
    tk + (z - zk) / (zk1 - zk) * (tk1 - tk)
}

/// Checks the number of replicates.
fn check_replicates(replicates: usize) -> Result<()> {
    if (2..=MAX_BOOTSTRAP).contains(&replicates) {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            option: "bootstrap replicates",
            value: replicates as f64,
            reason: "at least 2 and at most 1000000",
        })
    }
}

/// The options of each refit: from the fit's estimates, one start, no standard errors.
fn refit_options(fit: &Fit, options: &FitOptions) -> FitOptions {
    options
        .to_builder()
        .start(fit.estimates().to_vec())
        .standard_errors(false)
        .starts(1)
        .build()
        .unwrap_or_else(|_| options.clone())
}

/// The leave-one-out (or, above [`JACKKNIFE_GROUPS`] observations, grouped) estimates; an
/// empty list when any refit failed.
fn jackknife<O: Clone + Send + Sync>(
    n: usize,
    data: &[O],
    refit: &(dyn Fn(&[O]) -> Option<Vec<f64>> + Sync),
) -> Vec<Vec<f64>> {
    let groups = n.min(JACKKNIFE_GROUPS);
    let out: Vec<Option<Vec<f64>>> = (0..groups)
        .into_par_iter()
        .map(|g| {
            let kept: Vec<O> = data
                .iter()
                .enumerate()
                .filter(|(i, _)| i % groups != g)
                .map(|(_, o)| o.clone())
                .collect();
            refit(&kept)
        })
        .collect();
    out.into_iter()
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default()
}

/// Runs `replicates` refits of the samples `draw` makes, and the jackknife.
fn run<O: Clone + Send + Sync>(
    fit: &Fit,
    data: &[O],
    replicates: usize,
    seed: u64,
    resampling: Resampling,
    draw: &(dyn Fn(&mut StdRng) -> Option<Vec<O>> + Sync),
    refit: &(dyn Fn(&[O]) -> Option<Vec<f64>> + Sync),
) -> Bootstrap {
    let estimates: Vec<Option<Vec<f64>>> = (0..replicates)
        .into_par_iter()
        .map(|b| {
            let mut rng = StdRng::seed_from_u64(stream_seed(seed, 0, b as u64));
            draw(&mut rng).and_then(|sample| refit(&sample))
        })
        .collect();
    Bootstrap {
        names: fit.names().iter().map(|s| (*s).to_string()).collect(),
        estimates: fit.estimates().to_vec(),
        replicates: estimates.into_iter().flatten().collect(),
        requested: replicates,
        jackknife: jackknife(data.len(), data, refit),
        resampling,
        seed,
    }
}

impl<O: Clone + Send + Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Model<O, F, S> {
    /// The nonparametric bootstrap of `fit`: `replicates` samples of the observations drawn
    /// with replacement, each refitted with `options` from the fit's estimates (without
    /// standard errors), in parallel; and a jackknife for the BCa intervals' acceleration.
    ///
    /// ```
    /// use maxlik::{Family, FitOptions, Method};
    ///
    /// let data = [1.2, 0.7, 3.1, 2.2, 0.9, 1.6, 2.8, 0.4, 1.1, 1.9];
    /// let model = Family::Gamma.model(&data)?;
    /// let options = FitOptions::new(Method::Lbfgs);
    /// let fit = model.fit_with(&data, &options)?;
    /// let boot = model.bootstrap(&data, &fit, 199, 1, &options)?;
    /// let ci = boot.percentile("shape", 0.95)?;
    /// assert!(ci.lower < fit.estimate("shape")? && fit.estimate("shape")? < ci.upper);
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for fewer than 2 or more than [`MAX_BOOTSTRAP`] replicates;
    /// [`Error::FitMismatch`] when `fit` was not made on `data`'s number of observations.
    pub fn bootstrap(
        &self,
        data: &[O],
        fit: &Fit,
        replicates: usize,
        seed: u64,
        options: &FitOptions,
    ) -> Result<Bootstrap> {
        check_replicates(replicates)?;
        if fit.n() != data.len() {
            return Err(Error::FitMismatch {
                reason: "the fit was made on another number of observations",
            });
        }
        let refit_with = refit_options(fit, options);
        let n = data.len();
        let draw = |rng: &mut StdRng| -> Option<Vec<O>> {
            Some(
                (0..n)
                    .map(|_| data[rng.random_range(0..n)].clone())
                    .collect(),
            )
        };
        let refit = |sample: &[O]| -> Option<Vec<f64>> {
            let f = self.fit_with(sample, &refit_with).ok()?;
            f.converged().then(|| f.estimates().to_vec())
        };
        Ok(run(
            fit,
            data,
            replicates,
            seed,
            Resampling::Nonparametric,
            &draw,
            &refit,
        ))
    }
}

impl Family {
    /// The bootstrap of the family's `fit` to `data`: nonparametric as
    /// [`Model::bootstrap`], or parametric — samples of `n` values drawn from the family at
    /// the estimates, each refitted. The BCa acceleration comes from the jackknife of the
    /// data either way.
    ///
    /// # Errors
    ///
    /// As [`Model::bootstrap`], and as [`Family::model`] for data outside the support.
    pub fn bootstrap(
        self,
        data: &[f64],
        fit: &Fit,
        resampling: Resampling,
        replicates: usize,
        seed: u64,
        options: &FitOptions,
    ) -> Result<Bootstrap> {
        let model = self.model(data)?;
        match resampling {
            Resampling::Nonparametric => model.bootstrap(data, fit, replicates, seed, options),
            Resampling::Parametric => {
                check_replicates(replicates)?;
                if fit.n() != data.len() || fit.estimates().len() != self.names().len() {
                    return Err(Error::FitMismatch {
                        reason: "the fit is not of this family on these data",
                    });
                }
                let refit_with = refit_options(fit, options);
                let params = fit.estimates().to_vec();
                let n = data.len();
                let draw =
                    |rng: &mut StdRng| -> Option<Vec<f64>> { self.sample(&params, n, rng).ok() };
                let refit = |sample: &[f64]| -> Option<Vec<f64>> {
                    let f = self.fit(sample, &refit_with).ok()?;
                    f.converged().then(|| f.estimates().to_vec())
                };
                Ok(run(
                    fit,
                    data,
                    replicates,
                    seed,
                    Resampling::Parametric,
                    &draw,
                    &refit,
                ))
            }
        }
    }
}

#[cfg(test)]
// R's 17-digit output, copied as printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// Replicates and jackknife values from `tests/data/r/issue14_references.R` (rounded to
    /// 4 decimals there), with R's intervals on them.
    const T: [f64; 39] = [
        1.563, 2.7132, 2.5457, 2.2229, 4.8273, 2.3985, 3.6188, 3.2608, 2.8962, 2.1895, 3.6797,
        2.0585, 8.9338, 3.123, 1.0728, 2.5654, 2.4072, 1.7048, 1.2867, 5.244, 3.3997, 1.9497,
        1.382, 2.6647, 1.4998, 2.1858, 1.4315, 1.0007, 5.3383, 0.2998, 1.4457, 3.9596, 4.8648,
        0.8273, 3.3388, 3.0937, 2.6812, 4.621, 1.6839,
    ];
    const JACK: [f64; 20] = [
        2.4391, 2.7304, 2.5911, 2.3009, 2.6413, 2.649, 2.5032, 2.7966, 2.6509, 2.3225, 2.3783,
        2.8937, 2.7992, 2.5611, 2.6584, 2.3976, 2.5694, 2.4334, 2.5173, 2.5591,
    ];
    /// The same arithmetic in another order: a few ulps.
    const R_AGREEMENT: f64 = 1e-13;

    fn boot() -> Bootstrap {
        Bootstrap {
            names: vec!["t".into()],
            estimates: vec![2.5],
            replicates: T.iter().map(|&v| vec![v]).collect(),
            requested: T.len(),
            jackknife: JACK.iter().map(|&v| vec![v]).collect(),
            resampling: Resampling::Nonparametric,
            seed: 0,
        }
    }

    #[test]
    fn percentile_is_r_quantile_type_7() {
        let b = boot();
        let ci = b.percentile("t", 0.95).unwrap();
        approx::assert_relative_eq!(ci.lower, 0.80092500000000011, max_relative = R_AGREEMENT);
        approx::assert_relative_eq!(ci.upper, 5.5180749999999898, max_relative = R_AGREEMENT);
        let ci = b.percentile("t", 0.80).unwrap();
        approx::assert_relative_eq!(ci.lower, 1.2439200000000001, max_relative = R_AGREEMENT);
        approx::assert_relative_eq!(ci.upper, 4.8348000000000004, max_relative = R_AGREEMENT);
    }

    #[test]
    fn bca_is_boot_bca_ci() {
        let b = boot();
        // 0.80: interpolated on the Normal scale; 0.95: the lower end past the first order
        // statistic (boot warns and takes the extreme).
        let ci = b.bca("t", 0.80).unwrap();
        approx::assert_relative_eq!(ci.lower, 1.0389068567950899, max_relative = 1e-12);
        approx::assert_relative_eq!(ci.upper, 4.843884008440539, max_relative = 1e-12);
        let ci = b.bca("t", 0.95).unwrap();
        approx::assert_relative_eq!(ci.lower, 0.2998, max_relative = R_AGREEMENT);
        approx::assert_relative_eq!(ci.upper, 7.959578167104306, max_relative = 1e-12);
    }

    #[test]
    fn bca_refuses_replicates_all_on_one_side() {
        let mut b = boot();
        b.estimates = vec![0.1];
        assert!(matches!(
            b.bca("t", 0.9),
            Err(Error::BootstrapUnavailable { .. })
        ));
        assert!(matches!(
            b.percentile("nope", 0.9),
            Err(Error::UnknownParameter { .. })
        ));
    }
}
