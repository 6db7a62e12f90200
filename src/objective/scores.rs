//! Per-observation scores at one point, for the robust and outer-product standard errors:
//! from the model's score when it has one, else by central differences of each observation's
//! log-density, all the perturbed points evaluated in one pass over the data.

use rayon::prelude::*;

use crate::density::{Likelihood, LogDensity, Score};
use crate::error::{Error, Result};
use crate::outcome::EvaluationFailure;
use crate::params::Space;

/// Observations per parallel part (each row is independent, so the result is the same bits on
/// any number of threads).
const PART: usize = 4096;

/// `ε^(1/3)`: the central difference's step, relative to the parameter's natural scale, that
/// balances truncation against rounding.
const STEP: f64 = 6.0e-6;

/// Steps for each free parameter: `ε^(1/3)` of the scale over which one observation's
/// log-density changes by about one (`SE·√n`), and never more than a thousandth of the way to
/// the edge of the parameter's space.
pub(crate) fn steps(likelihood_params: &[(Space, f64)], std_errors: &[f64], n: f64) -> Vec<f64> {
    likelihood_params
        .iter()
        .zip(std_errors)
        .map(|(&(space, value), &se)| {
            let natural = (se * n.sqrt()).max(f64::MIN_POSITIVE);
            let room = match space {
                Space::Positive => value,
                Space::Interval { lower, upper } => (value - lower).min(upper - value),
                _ => f64::INFINITY,
            };
            (STEP * natural).min(1e-3 * room)
        })
        .collect()
}

/// The score of every observation's log-density at `theta` with respect to the free
/// parameters, row after row in one flat buffer (`k` per observation, each multiplied by its
/// weight, as the density returns it), and each observation's count (its frequency weight, or
/// 1).
///
/// # Errors
///
/// [`Error::Evaluation`] naming the first observation whose score (or log-density at a
/// perturbed point) is not finite.
pub(crate) fn observation_scores<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    theta: &[f64],
    steps: &[f64],
) -> Result<(Vec<f64>, Vec<f64>)> {
    let free = likelihood.params.free();
    let k = free.len();
    let density = likelihood.density;
    let row = |obs: &O, out: &mut [f64], point: &mut [f64], all: &mut [f64]| {
        if let Some(score) = likelihood.score {
            all.iter_mut().for_each(|g| *g = 0.0);
            score.score(obs, theta, all);
            for (o, &i) in out.iter_mut().zip(free) {
                *o = all[i];
            }
        } else {
            for ((o, &i), &h) in out.iter_mut().zip(free).zip(steps) {
                point[i] = theta[i] + h;
                let up = density.ln_density(obs, point);
                point[i] = theta[i] - h;
                let down = density.ln_density(obs, point);
                point[i] = theta[i];
                // The step as represented: (θ + h) − (θ − h) in floating point.
                *o = (up - down) / ((theta[i] + h) - (theta[i] - h));
            }
        }
    };
    let mut rows = vec![0.0; data.len() * k];
    let failures: Vec<Option<usize>> = rows
        .par_chunks_mut(PART * k.max(1))
        .zip(data.par_chunks(PART))
        .enumerate()
        .map(|(c, (out, chunk))| {
            let mut point = theta.to_vec();
            let mut all = vec![0.0; theta.len()];
            for (i, (obs, out)) in chunk.iter().zip(out.chunks_mut(k.max(1))).enumerate() {
                row(obs, out, &mut point, &mut all);
                if out.iter().any(|g| !g.is_finite()) {
                    return Some(c * PART + i);
                }
            }
            None
        })
        .collect();
    if let Some(index) = failures.into_iter().flatten().next() {
        return Err(Error::Evaluation(EvaluationFailure::NonFiniteScore {
            index,
            params: theta.to_vec(),
        }));
    }
    let counts = data.iter().map(|obs| density.count(obs)).collect();
    Ok((rows, counts))
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> super::Objective<'_, O, F, S> {
    /// At unconstrained coordinates `u`: the gradient of the mean NLL in `u`, and the BHHH
    /// approximation of its Hessian, the covariance of the per-observation scores in `u` (each
    /// row's outer product divided by its count, so that a row of frequency `w` stands for `w`
    /// observations). One pass of per-observation scores over the sampled rows
    /// (central differences of each observation's log-density with steps of `ε^⅓` of each
    /// coordinate's natural scale, or the model's score), counted as `2k` NLL evaluations or
    /// one score pass.
    pub(crate) fn outer_product_at_u(
        &self,
        u: &[f64],
    ) -> std::result::Result<(Vec<f64>, nalgebra::DMatrix<f64>), super::Failure> {
        let theta = self.coords.theta_at_u(u)?;
        let k = self.coords.dim();
        let free = self.coords.free().to_vec();
        // dθ/du, and a standard-error-sized scale in θ for the steps (a coordinate's scale is
        // about one observation's standard deviation: SE·√n).
        let jac: Vec<f64> = self
            .coords
            .jacobian(&theta)
            .iter()
            .zip(self.coords.scales())
            .map(|(j, s)| j / s)
            .collect();
        let root_n = self.n.sqrt();
        let se_like: Vec<f64> = jac
            .iter()
            .zip(self.coords.scales())
            .map(|(j, s)| (j * s).abs() / root_n)
            .collect();
        let spaces: Vec<(Space, f64)> = free
            .iter()
            .map(|&i| (self.params.all()[i].space, theta[i]))
            .collect();
        let steps = steps(&spaces, &se_like, self.n);
        let likelihood = Likelihood::new(self.density, self.score, self.params);
        let mut c = self.counts.get();
        if self.score.is_some() {
            c.score += 1;
        } else {
            c.nll += 2 * k as u64;
        }
        self.counts.set(c);
        let mut sum = vec![0.0; k];
        let mut outer = nalgebra::DMatrix::<f64>::zeros(k, k);
        for (_, block) in self.sample.blocks(self.data) {
            let (rows, counts) = observation_scores(likelihood, block, &theta, &steps)
                .map_err(super::Failure::Nll)?;
            for (row, count) in rows.chunks(k.max(1)).zip(counts) {
                for a in 0..k {
                    sum[a] += row[a];
                    for b in 0..=a {
                        outer[(a, b)] += row[a] * row[b] / count;
                    }
                }
            }
        }
        let inv_n = self.inv_n;
        let gradient = (0..k).map(|a| -sum[a] * jac[a] * inv_n).collect();
        // Centred: the scores' covariance, not their raw second moment. At the optimum the
        // two agree (the mean score is zero); away from it the raw moment adds the squared
        // mean score, which dwarfs the curvature when the start is far (a Poisson mean started
        // at twice the MLE: 0.25 against 4e-6 per observation) and shrinks every step.
        let hessian = nalgebra::DMatrix::from_fn(k, k, |a, b| {
            let v = if a >= b { outer[(a, b)] } else { outer[(b, a)] };
            (v * inv_n - sum[a] * inv_n * sum[b] * inv_n) * jac[a] * jac[b]
        });
        Ok((gradient, hessian))
    }
}
