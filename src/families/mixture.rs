//! A mixture of `k ≥ 2` Normals: `weight1 … weight(k−1)` (the last weight is what remains),
//! `mu1 … muk`, `sigma1 … sigmak`, started from a one-dimensional k-means.

use super::density::normal_ln_pdf;
use super::start::moments;
use crate::density::LogDensity;
use crate::error::{Error, Result};
use crate::model::Model;

/// The most components [`normal_mixture`] takes.
pub const MAX_COMPONENTS: usize = 10;

/// The log-density of a mixture of `k` Normals with the parameters in the order
/// `weight1 … weight(k−1), mu1 … muk, sigma1 … sigmak`. Weights whose sum reaches 1 leave no
/// room for the last component: the log-density is `−∞` there (the optimizer's step is then
/// retried shorter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalMixtureDensity {
    k: usize,
}

impl NormalMixtureDensity {
    /// The number of components.
    pub fn components(&self) -> usize {
        self.k
    }

    /// The `k` weights from the parameters (the last one `1 − Σ`), or `None` when they leave
    /// nothing for the last component.
    pub fn weights(&self, params: &[f64]) -> Option<Vec<f64>> {
        let given = &params[..self.k - 1];
        let last = 1.0 - given.iter().sum::<f64>();
        (last > 0.0).then(|| given.iter().copied().chain([last]).collect())
    }
}

impl LogDensity<f64> for NormalMixtureDensity {
    fn ln_density(&self, x: &f64, params: &[f64]) -> f64 {
        let k = self.k;
        let Some(w) = self.weights(params) else {
            return f64::NEG_INFINITY;
        };
        let terms =
            (0..k).map(|j| w[j].ln() + normal_ln_pdf(*x, params[k - 1 + j], params[2 * k - 1 + j]));
        let max = terms.clone().fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            return max;
        }
        max + terms.map(|t| (t - max).exp()).sum::<f64>().ln()
    }

    /// The weights once per chunk.
    fn sum_ln_density(&self, chunk: &[f64], params: &[f64]) -> f64 {
        let k = self.k;
        let Some(w) = self.weights(params) else {
            return f64::NEG_INFINITY;
        };
        let ln_w: Vec<f64> = w.iter().map(|v| v.ln()).collect();
        let (mu, sigma) = (&params[k - 1..2 * k - 1], &params[2 * k - 1..3 * k - 1]);
        crate::sum::lanes_sum(chunk, |x| {
            let mut max = f64::NEG_INFINITY;
            let mut terms = [0.0f64; MAX_COMPONENTS];
            for j in 0..k {
                terms[j] = ln_w[j] + normal_ln_pdf(*x, mu[j], sigma[j]);
                max = max.max(terms[j]);
            }
            if max == f64::NEG_INFINITY {
                return max;
            }
            max + terms[..k].iter().map(|t| (t - max).exp()).sum::<f64>().ln()
        })
    }
}

/// One-dimensional k-means (Lloyd's iterations from the quantiles `(j + ½)/k`): each cluster's
/// share, mean and standard deviation, the clusters in increasing order of their means.
fn k_means(data: &[f64], k: usize) -> Vec<(f64, f64, f64)> {
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mut centres: Vec<f64> = (0..k)
        .map(|j| sorted[(((j as f64 + 0.5) / k as f64) * n as f64) as usize % n])
        .collect();
    // In sorted data each cluster is a run: its bounds are the midpoints between centres.
    let mut bounds = vec![0usize; k + 1];
    for _ in 0..100 {
        bounds[0] = 0;
        bounds[k] = n;
        for j in 1..k {
            let mid = 0.5 * (centres[j - 1] + centres[j]);
            bounds[j] = sorted.partition_point(|&v| v < mid).max(bounds[j - 1]);
        }
        let next: Vec<f64> = (0..k)
            .map(|j| {
                let run = &sorted[bounds[j]..bounds[j + 1]];
                if run.is_empty() {
                    centres[j]
                } else {
                    run.iter().sum::<f64>() / run.len() as f64
                }
            })
            .collect();
        if next == centres {
            break;
        }
        centres = next;
    }
    let overall = moments(&sorted).1.sqrt();
    (0..k)
        .map(|j| {
            let run = &sorted[bounds[j]..bounds[j + 1]];
            let share = (run.len() as f64 / n as f64).max(0.5 / n as f64);
            let sd = if run.len() > 1 {
                moments(run).1.sqrt()
            } else {
                0.0
            };
            (share, centres[j], sd.max(overall / (10.0 * k as f64)))
        })
        .collect()
}

/// A mixture of `k` Normals as a [`Model`], started from a one-dimensional k-means of `data`
/// (the clusters' shares, means and standard deviations, in increasing order of the means).
/// Fit it from several starts (its likelihood has several optima, and labels can switch):
/// `FitOptions::builder(m).starts(10)`.
///
/// ```
/// use maxlik::{FitOptions, Method, normal_mixture};
///
/// let data: Vec<f64> = (0..300)
///     .map(|i| [0.0, 5.0, 10.0][i % 3] + ((i * 7919) % 101) as f64 / 101.0 - 0.5)
///     .collect();
/// let model = normal_mixture(3, &data)?;
/// let fit = model.fit_with(&data, &FitOptions::builder(Method::Lbfgs).starts(4).build()?)?;
/// assert!(fit.converged());
/// # Ok::<(), maxlik::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::InvalidOption`] for `k` outside `2..=`[`MAX_COMPONENTS`]; [`Error::EmptyData`];
/// [`Error::InvalidObservation`] for a value that is not finite; [`Error::DegenerateData`]
/// with fewer distinct values than `2k`.
pub fn normal_mixture(k: usize, data: &[f64]) -> Result<Model<f64, NormalMixtureDensity>> {
    if !(2..=MAX_COMPONENTS).contains(&k) {
        return Err(Error::InvalidOption {
            option: "components",
            value: k as f64,
            reason: "a normal mixture has 2 to 10 components",
        });
    }
    if data.is_empty() {
        return Err(Error::EmptyData);
    }
    crate::numerics::check_finite(data)?;
    let mut distinct = data.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup_by(|a, b| a.to_bits() == b.to_bits());
    if distinct.len() < 2 * k {
        return Err(Error::DegenerateData {
            reason: "fewer distinct values than twice the components: the mixture cannot be identified",
        });
    }
    let clusters = k_means(data, k);
    let total: f64 = clusters.iter().map(|c| c.0).sum();
    let mut builder = Model::builder(NormalMixtureDensity { k });
    for (j, c) in clusters.iter().take(k - 1).enumerate() {
        builder = builder.interval(&format!("weight{}", j + 1), c.0 / total, 0.0, 1.0);
    }
    for (j, c) in clusters.iter().enumerate() {
        builder = builder.param(&format!("mu{}", j + 1), c.1);
    }
    for (j, c) in clusters.iter().enumerate() {
        builder = builder.positive(&format!("sigma{}", j + 1), c.2);
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_means_finds_separated_clusters() {
        let data: Vec<f64> = (0..90)
            .map(|i| [0.0, 10.0, 20.0][i % 3] + (i % 7) as f64 * 0.1)
            .collect();
        let c = k_means(&data, 3);
        for (j, centre) in [0.3, 10.3, 20.3].iter().enumerate() {
            assert!((c[j].1 - centre).abs() < 0.2, "{c:?}");
            assert!((c[j].0 - 1.0 / 3.0).abs() < 1e-12);
        }
    }

    #[test]
    fn weights_that_leave_nothing_give_minus_infinity() {
        let d = NormalMixtureDensity { k: 3 };
        let p = [0.6, 0.5, 0.0, 1.0, 2.0, 1.0, 1.0, 1.0];
        assert!(d.ln_density(&0.5, &p).is_infinite());
        let p = [0.3, 0.3, 0.0, 1.0, 2.0, 1.0, 1.0, 1.0];
        let w = d.weights(&p).unwrap();
        assert!((w[2] - 0.4).abs() < 1e-15);
    }
}
