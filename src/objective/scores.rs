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
