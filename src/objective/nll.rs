//! The summed NLL and the summed score over the data (all of it, or a subsample of blocks),
//! over a binary tree of fixed chunks: compensated, deterministic, parallel when large.

use rayon::prelude::*;

use crate::density::{LogDensity, Score};
use crate::error::{Error, Result};
use crate::outcome::EvaluationFailure;
use crate::sum::Sum;

/// Observations per chunk of the compensated sum.
pub(crate) const CHUNK: usize = 4096;

/// Which observations an objective sums over: all of them, or a subsample spread evenly over
/// the data (for the warm-start stages of a fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sample {
    /// Every observation.
    All,
    /// The first [`BLOCK`] observations of every window of `stride · BLOCK`: contiguous blocks,
    /// so a density's per-chunk sum still applies, spread over the whole data.
    Blocks {
        /// One block in every `stride`.
        stride: usize,
    },
}

/// Consecutive observations a subsample takes at a time.
pub(crate) const BLOCK: usize = 256;

impl Sample {
    /// How many of `n` observations the sample holds.
    pub(crate) fn size(self, n: usize) -> usize {
        match self {
            Sample::All => n,
            Sample::Blocks { stride } => {
                let window = stride * BLOCK;
                (n / window) * BLOCK + (n % window).min(BLOCK)
            }
        }
    }

    /// The sample as windows of `step` observations of which the first `take` are used.
    fn step_take(self) -> (usize, usize) {
        match self {
            Sample::All => (CHUNK, CHUNK),
            Sample::Blocks { stride } => (stride * BLOCK, BLOCK),
        }
    }

    /// The sample's observations as contiguous blocks, each with the index of its first
    /// observation in `data`, in order.
    pub(crate) fn blocks<O>(self, data: &[O]) -> impl Iterator<Item = (usize, &[O])> {
        let (step, take) = self.step_take();
        data.chunks(step)
            .enumerate()
            .map(move |(i, window)| (i * step, &window[..window.len().min(take)]))
    }
}

/// The summed negative log-likelihood of `data` at `theta` (all parameters, declaration order).
///
/// The loop is generic over the density so that it is monomorphized and inlined.
///
/// # Errors
///
/// [`EvaluationFailure::NonFiniteLogDensity`] naming the first observation whose log-density is not finite,
/// or [`EvaluationFailure::NllOverflow`] when every term is finite but the sum is not.
pub(crate) fn nll<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    theta: &[f64],
) -> Result<f64> {
    nll_of(density, data, theta, Sample::All, PARALLEL_MIN_CHUNKS)
}

/// The summed NLL of the observations of `data` in `sample`; see [`nll`]. Subtrees of at
/// least `parallel_from` chunks are summed in parallel: where they are is fixed by the data's
/// length, so the choice changes the time, never the bits.
pub(crate) fn nll_of<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    theta: &[f64],
    sample: Sample,
    parallel_from: usize,
) -> Result<f64> {
    let total = match sample {
        Sample::All => tree_sum(density, data, theta, parallel_from),
        Sample::Blocks { stride } => {
            blocks_sum(density, data, theta, stride * BLOCK, parallel_from)
        }
    };
    let ll = total.total();
    if ll.is_finite() {
        return Ok(-ll);
    }
    // Rare path: find the culprit so the error can name it.
    for (start, block) in sample.blocks(data) {
        for (k, obs) in block.iter().enumerate() {
            let value = density.ln_density(obs, theta);
            if !value.is_finite() {
                return Err(Error::Evaluation(EvaluationFailure::NonFiniteLogDensity {
                    index: start + k,
                    value,
                    params: theta.to_vec(),
                }));
            }
        }
    }
    Err(Error::Evaluation(EvaluationFailure::NllOverflow {
        params: theta.to_vec(),
    }))
}

/// The compensated sum of the log-densities of the first [`BLOCK`] observations of each
/// `window` of `data`, over a binary tree of groups of windows (as many as hold [`CHUNK`]
/// sampled observations) whose shape depends only on `data.len()` and `window`: the same bits
/// on any number of threads, as [`tree_sum`].
fn blocks_sum<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    theta: &[f64],
    window: usize,
    parallel_from: usize,
) -> Sum {
    const PER_GROUP: usize = CHUNK / BLOCK;
    let groups = data.len().div_ceil(window).div_ceil(PER_GROUP);
    if groups <= 1 {
        let mut s = Sum::default();
        for block in data.chunks(window) {
            s.add(density.sum_ln_density(&block[..block.len().min(BLOCK)], theta));
        }
        return s;
    }
    let (left, right) = data.split_at((groups / 2) * PER_GROUP * window);
    let (a, b) = if groups >= parallel_from {
        rayon::join(
            || blocks_sum(density, left, theta, window, parallel_from),
            || blocks_sum(density, right, theta, window, parallel_from),
        )
    } else {
        (
            blocks_sum(density, left, theta, window, parallel_from),
            blocks_sum(density, right, theta, window, parallel_from),
        )
    };
    a.merge(b)
}

/// Below this many chunks a subtree is summed on the calling thread: threads would cost more
/// than they save (measured: a 32k-observation Normal NLL takes about 30 µs on one thread).
pub(crate) const PARALLEL_MIN_CHUNKS: usize = 8;

/// A pass whose chunks cost more than this each (measured on the first pass) is worth
/// splitting from two chunks up: a rayon join costs a few microseconds.
pub(crate) const COSTLY_CHUNK: std::time::Duration = std::time::Duration::from_micros(50);

/// The compensated sum of the log-densities of `data`, over a binary tree of chunks whose
/// shape depends only on `data.len()`: the two halves of a range of chunks are summed (in
/// parallel with rayon when the range is large) and merged with an error-free addition. Which
/// thread sums which subtree never changes the tree, so the result has the same bits on one
/// thread or many; nothing is allocated.
fn tree_sum<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    theta: &[f64],
    parallel_from: usize,
) -> Sum {
    let chunks = data.len().div_ceil(CHUNK);
    if chunks <= 1 {
        let mut s = Sum::default();
        s.add(density.sum_ln_density(data, theta));
        return s;
    }
    let (left, right) = data.split_at((chunks / 2) * CHUNK);
    let (a, b) = if chunks >= parallel_from {
        rayon::join(
            || tree_sum(density, left, theta, parallel_from),
            || tree_sum(density, right, theta, parallel_from),
        )
    } else {
        (
            tree_sum(density, left, theta, parallel_from),
            tree_sum(density, right, theta, parallel_from),
        )
    };
    a.merge(b)
}

/// The summed NLL of all of `data` at every point of `points`, in one pass: each observation
/// is read once and its log-density evaluated at every point while it is in cache (a Hessian of
/// 40 parameters is 1640 points; evaluated one pass each, every observation would be fetched
/// 1640 times). Each point's terms are summed with compensation per chunk, and the chunks over
/// the same tree as [`tree_sum`]: the same bits on any number of threads. A non-finite value is
/// returned as it is, for the caller to refuse.
pub(crate) fn nll_batch<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    points: &[Vec<f64>],
    parallel_from: usize,
) -> Vec<f64> {
    batch_tree(density, data, points, parallel_from)
        .into_iter()
        .map(|s| -s.total())
        .collect()
}

/// Observations per block of a batch pass: a block's rows stay in cache while every point is
/// evaluated on them.
const BATCH_BLOCK: usize = 64;

fn batch_tree<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    points: &[Vec<f64>],
    parallel_from: usize,
) -> Vec<Sum> {
    let chunks = data.len().div_ceil(CHUNK);
    if chunks <= 1 {
        let mut sums = vec![Sum::default(); points.len()];
        for block in data.chunks(BATCH_BLOCK) {
            for (sum, point) in sums.iter_mut().zip(points) {
                for obs in block {
                    sum.add(density.ln_density(obs, point));
                }
            }
        }
        return sums;
    }
    let (left, right) = data.split_at((chunks / 2) * CHUNK);
    let (a, b) = if chunks >= parallel_from {
        rayon::join(
            || batch_tree(density, left, points, parallel_from),
            || batch_tree(density, right, points, parallel_from),
        )
    } else {
        (
            batch_tree(density, left, points, parallel_from),
            batch_tree(density, right, points, parallel_from),
        )
    };
    a.into_iter().zip(b).map(|(a, b)| a.merge(b)).collect()
}

/// Parts a pass of the score is split into, at most: each is summed on one thread into its
/// own sums and the parts are merged in order, so the bits do not depend on the number of
/// threads and the memory is O(p) whatever n.
const SCORE_PARTS: usize = 64;

/// The summed score `Σ ∂ ln f / ∂θ` over the observations of `data` in `sample`, written into
/// `out` (length = all parameters). Each block's terms are summed with compensation in order,
/// the blocks of a part in order, the parts (fixed by n alone) in order, computed in parallel
/// from `parallel_from` chunks of observations up.
///
/// # Errors
///
/// [`EvaluationFailure::NonFiniteScore`] naming the first observation whose score is not finite.
pub(crate) fn score_sum<O: Sync, S: Score<O> + Sync + ?Sized>(
    score: &S,
    data: &[O],
    sample: Sample,
    theta: &[f64],
    out: &mut [f64],
    parallel_from: usize,
) -> Result<()> {
    let term = |obs: &O, one: &mut [f64]| {
        score.score(obs, theta, one);
        true
    };
    terms_sum(
        data,
        sample,
        theta,
        out,
        parallel_from,
        CHUNK,
        Within::Compensated,
        term,
        |_: &[O], _: &mut [f64]| {},
    )
}

/// Observations per part of a pass of exact second derivatives: each costs `p²` per operation
/// of the log-density, so parts smaller than a chunk keep both cores busy at moderate n.
const HESSIAN_PART: usize = 512;

/// The summed score and Hessian of the log-density, `Σ ∂ ln f / ∂θ` then `Σ ∂² ln f / ∂θ²`
/// (row-major, all parameters) in `out` (`p + p²` entries), from a score that has exact second
/// derivatives, summed as [`score_sum`] sums the score.
///
/// # Errors
///
/// [`EvaluationFailure::NonFiniteScore`] naming the first observation whose second derivatives
/// are not finite.
pub(crate) fn hessian_sum<O: Sync, S: Score<O> + Sync + ?Sized>(
    score: &S,
    data: &[O],
    sample: Sample,
    theta: &[f64],
    out: &mut [f64],
    parallel_from: usize,
) -> Result<()> {
    let p = theta.len();
    let term = |obs: &O, one: &mut [f64]| {
        let (grad, hess) = one.split_at_mut(p);
        score.hessian(obs, theta, grad, hess)
    };
    terms_sum(
        data,
        sample,
        theta,
        out,
        parallel_from,
        HESSIAN_PART,
        Within::Plain,
        term,
        |block: &[O], one: &mut [f64]| {
            let (grad, hess) = one.split_at_mut(p);
            score.hessian_block(block, theta, grad, hess);
        },
    )
}

/// How the terms of a pass are summed within a block of observations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Within {
    /// Each term into a compensated sum, checked for finiteness as it comes.
    Compensated,
    /// Each term added into the block's buffer by `term` itself, checked once per block (and
    /// observation by observation only to name the first bad one): for exact Hessians, whose
    /// `p²` entries per observation would otherwise cost more to sum and check than to compute.
    Plain,
}

/// `Σ term(obs)` over the observations of `data` in `sample`, each term a vector of `out.len()`
/// entries that `term` adds into its buffer (returning whether they are finite; `block_term`
/// adds a whole block's in [`Within::Plain`]), in parts of
/// about `part_size` observations (at most [`SCORE_PARTS`]) fixed by n alone; blocks summed
/// `within` as asked, the blocks of a part and the parts with compensation, in order.
#[allow(clippy::too_many_arguments)]
fn terms_sum<O: Sync>(
    data: &[O],
    sample: Sample,
    theta: &[f64],
    out: &mut [f64],
    parallel_from: usize,
    part_size: usize,
    within: Within,
    term: impl Fn(&O, &mut [f64]) -> bool + Sync,
    block_term: impl Fn(&[O], &mut [f64]) + Sync,
) -> Result<()> {
    let width = out.len();
    let (step, take) = match sample {
        Sample::All => (part_size, part_size),
        Sample::Blocks { .. } => sample.step_take(),
    };
    let units = data.len().div_ceil(step);
    let sampled = sample.size(data.len());
    let parts = sampled
        .div_ceil(part_size)
        .clamp(1, SCORE_PARTS)
        .min(units.max(1));
    let bad = |index: usize| {
        Error::Evaluation(EvaluationFailure::NonFiniteScore {
            index,
            params: theta.to_vec(),
        })
    };
    let part = |k: usize| -> Result<Vec<Sum>> {
        let (first, last) = (k * units / parts, (k + 1) * units / parts);
        let slice = &data[first * step..(last * step).min(data.len())];
        let mut totals = vec![Sum::default(); width];
        let mut block_sums = vec![Sum::default(); width];
        let mut one = vec![0.0; width];
        for (w, window) in slice.chunks(step).enumerate() {
            let start = (first + w) * step;
            let window = &window[..window.len().min(take)];
            if within == Within::Plain {
                one.iter_mut().for_each(|g| *g = 0.0);
                block_term(window, &mut one);
                if one.iter().any(|g| !g.is_finite()) {
                    for (i, obs) in window.iter().enumerate() {
                        one.iter_mut().for_each(|g| *g = 0.0);
                        if !term(obs, &mut one) || one.iter().any(|g| !g.is_finite()) {
                            return Err(bad(start + i));
                        }
                    }
                    // Finite one by one, not together: the sum overflowed.
                    return Err(bad(start));
                }
                for (t, &g) in totals.iter_mut().zip(&one) {
                    t.add(g);
                }
                continue;
            }
            block_sums.iter_mut().for_each(|s| *s = Sum::default());
            for (i, obs) in window.iter().enumerate() {
                one.iter_mut().for_each(|g| *g = 0.0);
                if !term(obs, &mut one) || one.iter().any(|g| !g.is_finite()) {
                    return Err(bad(start + i));
                }
                for (s, &g) in block_sums.iter_mut().zip(&one) {
                    s.add(g);
                }
            }
            for (t, s) in totals.iter_mut().zip(&block_sums) {
                t.add(s.total());
            }
        }
        Ok(totals)
    };
    let results: Vec<Result<Vec<Sum>>> = if parts > 1 && sampled >= parallel_from * CHUNK {
        (0..parts).into_par_iter().map(part).collect()
    } else {
        (0..parts).map(part).collect()
    };
    let mut totals = vec![Sum::default(); width];
    // The first failing part holds the first bad observation.
    for result in results {
        for (t, s) in totals.iter_mut().zip(result?) {
            *t = t.merge(s);
        }
    }
    for (o, t) in out.iter_mut().zip(&totals) {
        *o = t.total();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_term_is_named() {
        let data = [1.0, 2.0, f64::NAN, 4.0];
        let density = |x: &f64, p: &[f64]| -(x - p[0]).powi(2);
        let err = nll(&density, &data, &[0.0]).unwrap_err();
        assert!(matches!(
            err,
            Error::Evaluation(EvaluationFailure::NonFiniteLogDensity { index: 2, .. })
        ));
    }
}
