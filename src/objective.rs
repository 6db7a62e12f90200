//! The negative log-likelihood over the data, and the scaled objective the optimizers see.
//!
//! Sums are compensated (Neumaier) over fixed chunks of [`CHUNK`] observations whose totals are
//! combined in order, so the same inputs give the same bits, and a later parallel evaluation of
//! the same chunks gives them too.

use std::cell::{Cell, RefCell};

use argmin::core::{CostFunction, Gradient};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::{LogDensity, Score};
use crate::params::{Params, Space};

/// Observations per chunk of the compensated sum.
pub(crate) const CHUNK: usize = 4096;

/// Machine epsilon, the unit of rounding.
const EPS: f64 = f64::EPSILON;

/// The fewest floating-point spacings of a parameter a finite-difference step may span, so that
/// the rounding of the perturbed parameter changes the step by less than 1%.
const STEP_SPACINGS: f64 = 64.0;

/// A Neumaier (improved Kahan) running sum.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sum {
    sum: f64,
    carry: f64,
}

impl Sum {
    #[inline(always)]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        // Written as a select rather than a branch: the compiler keeps it branch-free.
        let (big, small) = if self.sum.abs() >= x.abs() {
            (self.sum, x)
        } else {
            (x, self.sum)
        };
        self.carry += (big - t) + small;
        self.sum = t;
    }

    #[inline(always)]
    pub(crate) fn total(self) -> f64 {
        self.sum + self.carry
    }

    /// The two running sums as one: their sums added without error (TwoSum), the carries
    /// gathered.
    pub(crate) fn merge(self, other: Sum) -> Sum {
        let t = self.sum + other.sum;
        let b = t - self.sum;
        let error = (self.sum - (t - b)) + (other.sum - b);
        Sum {
            sum: t,
            carry: self.carry + other.carry + error,
        }
    }

    /// The compensated sum of `values`, in order.
    pub(crate) fn of(values: impl IntoIterator<Item = f64>) -> f64 {
        let mut s = Sum::default();
        values.into_iter().for_each(|v| s.add(v));
        s.total()
    }
}

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
/// [`Error::NonFiniteLogDensity`] naming the first observation whose log-density is not finite,
/// or [`Error::NllOverflow`] when every term is finite but the sum is not.
pub(crate) fn nll<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    theta: &[f64],
) -> Result<f64> {
    nll_of(density, data, theta, Sample::All)
}

/// The summed NLL of the observations of `data` in `sample`; see [`nll`].
pub(crate) fn nll_of<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    theta: &[f64],
    sample: Sample,
) -> Result<f64> {
    let total = match sample {
        Sample::All => tree_sum(density, data, theta),
        Sample::Blocks { stride } => blocks_sum(density, data, theta, stride * BLOCK),
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
                return Err(Error::NonFiniteLogDensity {
                    index: start + k,
                    value,
                    params: theta.to_vec(),
                });
            }
        }
    }
    Err(Error::NllOverflow {
        params: theta.to_vec(),
    })
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
    let (a, b) = if groups >= PARALLEL_MIN_CHUNKS {
        rayon::join(
            || blocks_sum(density, left, theta, window),
            || blocks_sum(density, right, theta, window),
        )
    } else {
        (
            blocks_sum(density, left, theta, window),
            blocks_sum(density, right, theta, window),
        )
    };
    a.merge(b)
}

/// Below this many chunks a subtree is summed on the calling thread: threads would cost more
/// than they save (measured: a 32k-observation Normal NLL takes about 30 µs on one thread).
const PARALLEL_MIN_CHUNKS: usize = 8;

/// The compensated sum of the log-densities of `data`, over a binary tree of chunks whose
/// shape depends only on `data.len()`: the two halves of a range of chunks are summed (in
/// parallel with rayon when the range is large) and merged with an error-free addition. Which
/// thread sums which subtree never changes the tree, so the result has the same bits on one
/// thread or many; nothing is allocated.
fn tree_sum<O: Sync, F: LogDensity<O> + Sync + ?Sized>(
    density: &F,
    data: &[O],
    theta: &[f64],
) -> Sum {
    let chunks = data.len().div_ceil(CHUNK);
    if chunks <= 1 {
        let mut s = Sum::default();
        s.add(density.sum_ln_density(data, theta));
        return s;
    }
    let (left, right) = data.split_at((chunks / 2) * CHUNK);
    let (a, b) = if chunks >= PARALLEL_MIN_CHUNKS {
        rayon::join(
            || tree_sum(density, left, theta),
            || tree_sum(density, right, theta),
        )
    } else {
        (
            tree_sum(density, left, theta),
            tree_sum(density, right, theta),
        )
    };
    a.merge(b)
}

/// Independent compensated sums per chunk: observation `i` of a chunk goes to lane `i % LANES`.
/// Separate lanes break the chain of dependent additions, so the sum runs as fast as a plain
/// loop; the lanes are combined in a fixed order, so the result does not depend on anything but
/// the data.
const LANES: usize = 4;

/// The compensated sum of the log-densities of one chunk.
#[inline(always)]
pub(crate) fn lanes_sum<O>(chunk: &[O], ln_density: impl Fn(&O) -> f64) -> f64 {
    let mut lanes = [Kahan::default(); LANES];
    let mut groups = chunk.chunks_exact(LANES);
    for group in &mut groups {
        for (lane, obs) in lanes.iter_mut().zip(group) {
            lane.add(ln_density(obs));
        }
    }
    for (lane, obs) in lanes.iter_mut().zip(groups.remainder()) {
        lane.add(ln_density(obs));
    }
    Sum::of(lanes.iter().map(|l| l.total()))
}

/// Kahan's compensated sum: four operations per term, error at most `2ε Σ|xᵢ|` to first order
/// whatever the order of magnitudes, which is what the hot loop can afford.
#[derive(Debug, Clone, Copy, Default)]
struct Kahan {
    sum: f64,
    carry: f64,
}

impl Kahan {
    #[inline(always)]
    fn add(&mut self, x: f64) {
        let y = x - self.carry;
        let t = self.sum + y;
        self.carry = (t - self.sum) - y;
        self.sum = t;
    }

    #[inline(always)]
    fn total(self) -> f64 {
        self.sum - self.carry
    }
}

/// Parts a pass of the score is split into, at most: each is summed on one thread into its
/// own sums and the parts are merged in order, so the bits do not depend on the number of
/// threads and the memory is O(p) whatever n.
const SCORE_PARTS: usize = 64;

/// The summed score `Σ ∂ ln f / ∂θ` over the observations of `data` in `sample`, written into
/// `out` (length = all parameters). Each block's terms are summed with compensation in order,
/// the blocks of a part in order, the parts (fixed by n alone) in parallel and then in order.
///
/// # Errors
///
/// [`Error::NonFiniteGradient`] naming the first observation whose score is not finite.
pub(crate) fn score_sum<O: Sync, S: Score<O> + Sync + ?Sized>(
    score: &S,
    data: &[O],
    sample: Sample,
    theta: &[f64],
    out: &mut [f64],
) -> Result<()> {
    let p = theta.len();
    let (step, take) = sample.step_take();
    let units = data.len().div_ceil(step);
    let sampled = sample.size(data.len());
    let parts = sampled
        .div_ceil(CHUNK)
        .clamp(1, SCORE_PARTS)
        .min(units.max(1));
    let part = |k: usize| -> Result<Vec<Sum>> {
        let (first, last) = (k * units / parts, (k + 1) * units / parts);
        let slice = &data[first * step..(last * step).min(data.len())];
        let mut totals = vec![Sum::default(); p];
        let mut block_sums = vec![Sum::default(); p];
        let mut one = vec![0.0; p];
        for (w, window) in slice.chunks(step).enumerate() {
            let start = (first + w) * step;
            block_sums.iter_mut().for_each(|s| *s = Sum::default());
            for (i, obs) in window[..window.len().min(take)].iter().enumerate() {
                one.iter_mut().for_each(|g| *g = 0.0);
                score.score(obs, theta, &mut one);
                if one.iter().any(|g| !g.is_finite()) {
                    return Err(Error::NonFiniteGradient {
                        index: start + i,
                        params: theta.to_vec(),
                    });
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
    let results: Vec<Result<Vec<Sum>>> = if sampled >= PARALLEL_MIN_CHUNKS * CHUNK {
        (0..parts).into_par_iter().map(part).collect()
    } else {
        (0..parts).map(part).collect()
    };
    let mut totals = vec![Sum::default(); p];
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

/// How the gradient of the objective is obtained when no score is supplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Difference {
    /// Forward differences while the gradient is large (one evaluation per parameter, the base
    /// point's NLL reused), central ones once it is small, and always central for the final
    /// verdict: far from the optimum a forward difference's error is negligible against the
    /// gradient, near it only a central one is accurate enough. The default.
    #[default]
    Adaptive,
    /// Central differences everywhere: two evaluations per parameter, error O(h²).
    Central,
    /// Forward differences everywhere: one evaluation per parameter, error O(h) — a bias the
    /// verdict accounts for (see [`crate::Fit::precision`]).
    Forward,
}

impl Difference {
    /// The scheme used for a gradient, given the norm of the last one (`final_verdict` for the
    /// gradient the verdict is judged on).
    fn scheme(self, last_norm: f64, final_verdict: bool) -> Difference {
        match self {
            Difference::Adaptive if !final_verdict && last_norm > ADAPTIVE_SWITCH => {
                Difference::Forward
            }
            Difference::Adaptive => Difference::Central,
            other => other,
        }
    }

    /// The step finitediff takes in the scaled coordinates.
    pub(crate) fn step(self) -> f64 {
        match self {
            Difference::Central | Difference::Adaptive => EPS.cbrt(),
            Difference::Forward => EPS.sqrt(),
        }
    }
}

/// The gradient norm (scaled coordinates, mean NLL) above which adaptive differences are
/// forward: a forward difference's error there, about 1e-7, is under 1e-4 of the gradient.
const ADAPTIVE_SWITCH: f64 = 1e-3;

/// The map between the optimizer's coordinates `z` and the user's parameters `θ`.
///
/// For free parameter `i`, `u_i = u0_i + s_i · z_i` and `θ_i = g_i(u_i)`, where `g_i` is the
/// transform of its space. The scales `s_i` are measured at the start (see [`calibrate`]) so
/// that every coordinate has unit curvature there: a step in `z` is then a step relative to the
/// parameter's natural size, whatever its magnitude.
#[derive(Debug, Clone)]
pub(crate) struct Coordinates {
    base: Vec<f64>,
    free: Vec<usize>,
    spaces: Vec<Space>,
    names: Vec<String>,
    u0: Vec<f64>,
    scale: Vec<f64>,
    curvature: Vec<f64>,
}

/// Why an evaluation inside the optimizer failed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// The NLL or the score could not be computed.
    Nll(Error),
    /// A parameter ran off the edge of its space in floating point.
    Diverged { name: String, u: f64 },
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Nll(e) => e,
            Failure::Diverged { name, u } => Error::OutsideSpace {
                name,
                value: u,
                space: "its floating-point range (in the optimizer's coordinates)".into(),
            },
        }
    }
}

impl Coordinates {
    pub(crate) fn new(params: &Params, start: &[f64]) -> Self {
        let free = params.free().to_vec();
        let spaces: Vec<Space> = free.iter().map(|&i| params.all()[i].space).collect();
        let u0 = free
            .iter()
            .zip(&spaces)
            .map(|(&i, s)| s.to_unconstrained(start[i]))
            .collect();
        Coordinates {
            base: start.to_vec(),
            names: free.iter().map(|&i| params.all()[i].name.clone()).collect(),
            scale: vec![1.0; free.len()],
            curvature: vec![1.0; free.len()],
            free,
            spaces,
            u0,
        }
    }

    pub(crate) fn dim(&self) -> usize {
        self.free.len()
    }

    pub(crate) fn free(&self) -> &[usize] {
        &self.free
    }

    /// The user's parameters at `z`.
    pub(crate) fn theta(&self, z: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        self.theta_at_u(&self.u_of(z))
    }

    /// The unconstrained coordinates at `z`.
    pub(crate) fn u_of(&self, z: &[f64]) -> Vec<f64> {
        (0..self.free.len())
            .map(|k| self.u0[k] + self.scale[k] * z[k])
            .collect()
    }

    /// The user's parameters at unconstrained coordinates `u`.
    pub(crate) fn theta_at_u(&self, u: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        let mut theta = self.base.clone();
        for (k, &u) in u.iter().enumerate() {
            theta[self.free[k]] =
                self.spaces[k]
                    .at_unconstrained(u)
                    .ok_or_else(|| Failure::Diverged {
                        name: self.names[k].clone(),
                        u,
                    })?;
        }
        Ok(theta)
    }

    /// How finely `z` can place each parameter near `z`: the floating-point spacing of its
    /// unconstrained coordinate, in units of `z`. With unit curvature this is also the smallest
    /// gradient that can be told apart from zero along that coordinate.
    pub(crate) fn spacing(&self, z: &[f64]) -> Vec<f64> {
        (0..self.free.len())
            .map(|k| {
                let u = self.u0[k] + self.scale[k] * z[k];
                EPS * u.abs().max(self.u0[k].abs()) / self.scale[k]
            })
            .collect()
    }

    /// `dθ_i / dz_i` for each free parameter at `theta`.
    pub(crate) fn jacobian(&self, theta: &[f64]) -> Vec<f64> {
        (0..self.free.len())
            .map(|k| self.spaces[k].derivative(theta[self.free[k]]) * self.scale[k])
            .collect()
    }

    fn rescale(&mut self, scale: Vec<f64>, curvature: Vec<f64>) {
        self.scale = scale;
        self.curvature = curvature;
    }

    /// The curvature of the mean NLL along each `z` coordinate measured at the centre: 1
    /// unless a scale was capped (or could not be measured, when it is taken as 1).
    pub(crate) fn curvature(&self) -> &[f64] {
        &self.curvature
    }

    /// The largest scale calibration gives a coordinate: 1 for a log or logit one (one unit is
    /// already a factor e), none for a free one.
    pub(crate) fn scale_cap(&self, k: usize) -> f64 {
        if matches!(self.spaces[k], Space::Free) {
            f64::INFINITY
        } else {
            1.0
        }
    }

    /// The scale of each free parameter's unconstrained coordinate.
    pub(crate) fn scales(&self) -> &[f64] {
        &self.scale
    }
}

/// What limits how small a computed gradient can meaningfully be (see
/// [`Objective::gradient_floor`]).
#[derive(Debug, Clone)]
pub(crate) struct GradientFloor {
    pub(crate) noise: Vec<f64>,
    pub(crate) bias: Vec<f64>,
}

/// `step`, lengthened if needed to span [`STEP_SPACINGS`] floating-point spacings.
pub(crate) fn resolvable(step: f64, spacing: f64) -> f64 {
    step.max(STEP_SPACINGS * spacing)
}

/// Counts of work done on the objective.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    /// Passes over the data computing the NLL (those inside finite differences included).
    pub(crate) nll: u64,
    /// Gradient evaluations requested by the optimizer (or made for the final report).
    pub(crate) gradient: u64,
    /// Passes over the data computing a supplied score.
    pub(crate) score: u64,
}

/// Gradients the objective remembers.
const GRADIENT_CACHE: usize = 4;

/// A gradient computed at `z` (its bits), and whether it is good enough for a verdict (central
/// differences or a score, unless the user asked for forward differences).
struct CachedGradient {
    z: Vec<u64>,
    verdict: bool,
    gradient: Vec<f64>,
}

/// The objective the optimizers minimize: the mean NLL as a function of `z`.
pub(crate) struct Objective<'a, O, F, S> {
    density: &'a F,
    score: Option<&'a S>,
    data: &'a [O],
    sample: Sample,
    inv_n: f64,
    pub(crate) coords: Coordinates,
    difference: Difference,
    /// The norm of the last gradient computed, which picks the adaptive scheme.
    last_norm: Cell<f64>,
    counts: Cell<Counts>,
    failure: RefCell<Option<Failure>>,
    /// The last NLL computed, keyed by the exact parameters: argmin and finitediff ask for the
    /// same point more than once (forward differences re-evaluate the base point; a re-centred
    /// calibration starts where the last run ended).
    last_nll: RefCell<Option<(Vec<u64>, f64)>>,
    /// The NLL at the centre of the coordinates, kept from calibration: argmin's first request
    /// is for it, after the calibration's probes have displaced it from `last_nll`.
    centre_nll: RefCell<Option<(Vec<u64>, f64)>>,
    /// The last gradients computed, keyed by the exact `z` in the current coordinates: argmin's
    /// L-BFGS asks again for the gradient its line search has just computed, and the verdict
    /// for the gradient at the best point, which need not be the last.
    gradients: RefCell<Vec<CachedGradient>>,
    /// The gradient at the centre that calibration measured on the way.
    start_gradient: RefCell<Option<Vec<f64>>>,
}

impl<'a, O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Objective<'a, O, F, S> {
    pub(crate) fn new(
        density: &'a F,
        score: Option<&'a S>,
        data: &'a [O],
        coords: Coordinates,
        difference: Difference,
    ) -> Self {
        Objective {
            density,
            score,
            data,
            sample: Sample::All,
            inv_n: 1.0 / data.len() as f64,
            coords,
            difference,
            last_norm: Cell::new(f64::INFINITY),
            counts: Cell::new(Counts::default()),
            failure: RefCell::new(None),
            last_nll: RefCell::new(None),
            centre_nll: RefCell::new(None),
            gradients: RefCell::new(Vec::new()),
            start_gradient: RefCell::new(None),
        }
    }

    /// Sums over `sample` of the data instead of all of it.
    pub(crate) fn with_sample(mut self, sample: Sample) -> Self {
        self.sample = sample;
        self.inv_n = 1.0 / sample.size(self.data.len()) as f64;
        self.last_nll.borrow_mut().take();
        self.centre_nll.borrow_mut().take();
        self
    }

    /// The number of observations summed.
    pub(crate) fn n(&self) -> usize {
        self.sample.size(self.data.len())
    }

    pub(crate) fn counts(&self) -> Counts {
        self.counts.get()
    }

    /// The gradient at `z = 0` measured by the last calibration, taken.
    pub(crate) fn take_start_gradient(&self) -> Option<Vec<f64>> {
        self.start_gradient.borrow_mut().take()
    }

    /// The first failure met inside the optimizer, taken.
    pub(crate) fn take_failure(&self) -> Option<Failure> {
        self.failure.borrow_mut().take()
    }

    fn fail(&self, failure: Failure) -> argmin::core::Error {
        let message = format!("{failure:?}");
        let mut slot = self.failure.borrow_mut();
        if slot.is_none() {
            *slot = Some(failure);
        }
        argmin::core::Error::msg(message)
    }

    /// The summed NLL at user parameters `theta`, counted.
    pub(crate) fn nll_at(&self, theta: &[f64]) -> Result<f64> {
        let key: Vec<u64> = theta.iter().map(|v| v.to_bits()).collect();
        for slot in [&self.last_nll, &self.centre_nll] {
            if let Some((k, v)) = slot.borrow().as_ref()
                && *k == key
            {
                return Ok(*v);
            }
        }
        let mut c = self.counts.get();
        c.nll += 1;
        self.counts.set(c);
        let value = nll_of(self.density, self.data, theta, self.sample)?;
        *self.last_nll.borrow_mut() = Some((key, value));
        Ok(value)
    }

    /// The mean NLL at unconstrained coordinates `u`.
    pub(crate) fn mean_nll_at_u(&self, u: &[f64]) -> std::result::Result<f64, Failure> {
        let theta = self.coords.theta_at_u(u)?;
        self.nll_at(&theta)
            .map(|v| v * self.inv_n)
            .map_err(Failure::Nll)
    }

    /// The mean NLL at `z`.
    pub(crate) fn mean_nll(&self, z: &[f64]) -> std::result::Result<f64, Failure> {
        let theta = self.coords.theta(z)?;
        self.nll_at(&theta)
            .map(|v| v * self.inv_n)
            .map_err(Failure::Nll)
    }

    /// The gradient of the mean NLL in `z`: from the supplied score when there is one,
    /// otherwise by finite differences with finitediff.
    pub(crate) fn mean_gradient(&self, z: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        if let Some(g) = self.cached_gradient(z, false) {
            return Ok(g);
        }
        let gradient = self.compute_gradient(z, false)?;
        self.last_norm
            .set(gradient.iter().map(|g| g * g).sum::<f64>().sqrt());
        Ok(gradient)
    }

    /// Whether the model supplied a score.
    pub(crate) fn has_score(&self) -> bool {
        self.score.is_some()
    }

    /// The gradient of the mean NLL in the unconstrained coordinates at `u`, from the supplied
    /// score (`None` without one). Each call is one counted pass over the data.
    pub(crate) fn score_gradient_at_u(
        &self,
        u: &[f64],
    ) -> Option<std::result::Result<Vec<f64>, Failure>> {
        let score = self.score?;
        let gradient = || {
            let theta = self.coords.theta_at_u(u)?;
            let mut c = self.counts.get();
            c.score += 1;
            self.counts.set(c);
            let mut full = vec![0.0; theta.len()];
            score_sum(score, self.data, self.sample, &theta, &mut full).map_err(Failure::Nll)?;
            let jac = self.coords.jacobian(&theta);
            Ok(self
                .coords
                .free()
                .iter()
                .zip(jac.iter().zip(self.coords.scales()))
                .map(|(&i, (j, s))| -full[i] * (j / s) * self.inv_n)
                .collect())
        };
        Some(gradient())
    }

    /// The gradient the verdict is judged on: central differences unless the user asked for
    /// forward ones.
    pub(crate) fn verdict_gradient(&self, z: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        match self.cached_gradient(z, true) {
            Some(g) => Ok(g),
            None => self.compute_gradient(z, true),
        }
    }

    /// A gradient computed before at exactly `z` (in the current coordinates), if there is one
    /// good enough for a verdict when `for_verdict`.
    fn cached_gradient(&self, z: &[f64], for_verdict: bool) -> Option<Vec<f64>> {
        self.gradients
            .borrow()
            .iter()
            .find(|c| c.verdict >= for_verdict && c.z.iter().zip(z).all(|(a, b)| *a == b.to_bits()))
            .map(|c| c.gradient.clone())
    }

    fn compute_gradient(
        &self,
        z: &[f64],
        final_verdict: bool,
    ) -> std::result::Result<Vec<f64>, Failure> {
        let mut c = self.counts.get();
        c.gradient += 1;
        self.counts.set(c);
        let supplied = self.score_gradient_at_u(&self.coords.u_of(z));
        let (gradient, verdict) = match supplied {
            Some(g_u) => {
                // ∂/∂z = s ∂/∂u.
                let gradient = g_u?
                    .iter()
                    .zip(self.coords.scales())
                    .map(|(g, s)| g * s)
                    .collect();
                (gradient, true)
            }
            None => {
                let scheme = self.difference.scheme(self.last_norm.get(), final_verdict);
                let gradient = self.finite_difference_with(z, scheme)?;
                (gradient, scheme == self.difference.scheme(0.0, true))
            }
        };
        let mut cache = self.gradients.borrow_mut();
        if cache.len() == GRADIENT_CACHE {
            cache.remove(0);
        }
        cache.push(CachedGradient {
            z: z.iter().map(|v| v.to_bits()).collect(),
            verdict,
            gradient: gradient.clone(),
        });
        Ok(gradient)
    }

    /// How much each coordinate's finite-difference step is stretched beyond finitediff's so
    /// that it spans at least [`STEP_SPACINGS`] floating-point spacings of the parameter (a
    /// location of 1e6 with a scale of 1e-3 needs it for forward differences: their step would
    /// otherwise round away and the gradient read exactly 0).
    fn stretch(&self, z: &[f64], scheme: Difference) -> Vec<f64> {
        let h = scheme.step();
        self.coords
            .spacing(z)
            .into_iter()
            .map(|spacing| resolvable(h, spacing) / h)
            .collect()
    }

    /// The finite-difference gradient of the mean NLL in `z`, whatever a score says.
    ///
    /// finitediff differentiates `w ↦ f(z + w ⊙ r)` at `w = 0`, where `r` is [`stretch`]:
    /// the base point is `z` exactly and the step along coordinate `k` is `h·r_k`.
    pub(crate) fn finite_difference(&self, z: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        self.finite_difference_with(z, self.difference.scheme(0.0, true))
    }

    fn finite_difference_with(
        &self,
        z: &[f64],
        scheme: Difference,
    ) -> std::result::Result<Vec<f64>, Failure> {
        let stretch = self.stretch(z, scheme);
        let cost = |w: &Vec<f64>| -> std::result::Result<f64, argmin::core::Error> {
            let at: Vec<f64> = z
                .iter()
                .zip(w)
                .zip(&stretch)
                .map(|((z, w), r)| z + w * r)
                .collect();
            self.mean_nll(&at).map_err(|f| self.fail(f))
        };
        let origin = vec![0.0; z.len()];
        let grad = match scheme {
            Difference::Forward => finitediff::vec::forward_diff(&cost)(&origin),
            Difference::Central | Difference::Adaptive => {
                finitediff::vec::central_diff(&cost)(&origin)
            }
        };
        grad.map(|g| g.iter().zip(&stretch).map(|(g, r)| g / r).collect())
            .map_err(|e| {
                self.failure
                    .borrow_mut()
                    .take()
                    .unwrap_or(Failure::Nll(Error::Solver {
                        solver: "finitediff",
                        message: e.to_string(),
                    }))
            })
    }

    /// The smallest gradient of the mean NLL at `z` (where it is `f`) that the computation can
    /// tell apart from zero, per coordinate, given the curvature along each. `noise` is the
    /// rounding of `f` divided by the step plus the floating-point spacing of the parameter
    /// itself (curvature turns a position error into a gradient error); `bias` is the
    /// truncation error of forward differences, half the step times the curvature, which the
    /// gradient cannot reveal about itself.
    pub(crate) fn gradient_floor(&self, z: &[f64], f: f64, curvature: &[f64]) -> GradientFloor {
        let noise_f = 8.0 * EPS * f.abs().max(1.0);
        let scheme = self.difference.scheme(0.0, true);
        let stretch = self.stretch(z, scheme);
        let h = scheme.step();
        let mut floor = GradientFloor {
            noise: Vec::with_capacity(z.len()),
            bias: Vec::with_capacity(z.len()),
        };
        for ((spacing, r), c) in self.coords.spacing(z).iter().zip(&stretch).zip(curvature) {
            let step = h * r;
            let (rounding, bias) = match (self.score, scheme) {
                (Some(_), _) => (noise_f, 0.0),
                (None, Difference::Forward) => (noise_f / step, 0.5 * step * c),
                (None, _) => (noise_f / step, 0.0),
            };
            floor.noise.push(rounding + c * spacing);
            floor.bias.push(bias);
        }
        floor
    }

    /// Measures the curvature of the mean NLL along each coordinate at `z = 0` by second
    /// differences, and rescales the coordinates to unit curvature. Returns the mean NLL at the
    /// start.
    ///
    /// The step starts at `ε^¼` of `guess` (scales measured before, say at an earlier point) or
    /// of `max(|u0|, 1)`, and is refined until it is `ε^¼` of the scale it measures; a
    /// coordinate whose curvature is not positive gets the scale `max(|u0|, 1)`.
    pub(crate) fn calibrate(&mut self, guess: Option<&[f64]>) -> Result<f64> {
        // The gradient cache is keyed by z, which means something else in new coordinates.
        self.gradients.borrow_mut().clear();
        let dim = self.coords.dim();
        let zero = vec![0.0; dim];
        let f0 = self.mean_nll(&zero)?;
        *self.centre_nll.borrow_mut() = self.last_nll.borrow().clone();
        let quarter = EPS.powf(0.25);
        let mut scales = Vec::with_capacity(dim);
        let mut curvatures = Vec::with_capacity(dim);
        let mut slopes = Vec::with_capacity(dim);
        for k in 0..dim {
            let u0 = self.coords.u0[k];
            // One unit of a log or logit coordinate is already a factor e: a scale beyond that
            // lets a single step run off to where the exponential makes the NLL overflow.
            let cap = self.coords.scale_cap(k);
            let fallback = if cap.is_finite() {
                1.0
            } else {
                u0.abs().max(1.0)
            };
            let floor = 1e-10 * u0.abs();
            let mut h = quarter * guess.map_or(fallback, |g| g[k]);
            let mut scale = fallback;
            let mut measured = None;
            let mut slope = None;
            for _ in 0..4 {
                let mut z = zero.clone();
                z[k] = h;
                let plus = self.mean_nll(&z);
                z[k] = -h;
                let minus = self.mean_nll(&z);
                let (Ok(fp), Ok(fm)) = (plus, minus) else {
                    h *= 0.01;
                    continue;
                };
                let curvature = (fp - 2.0 * f0 + fm) / (h * h);
                slope = Some((fp - fm) / (2.0 * h));
                if !(curvature.is_finite() && curvature > 0.0) {
                    scale = fallback;
                    measured = None;
                    break;
                }
                measured = Some(curvature);
                scale = curvature.sqrt().recip().max(floor);
                let target = quarter * scale;
                if (0.1..=10.0).contains(&(h / target)) {
                    break;
                }
                h = target;
            }
            let scale = scale.min(cap);
            slopes.push(slope.map(|g| g * scale));
            scales.push(scale);
            curvatures.push(measured.map_or(1.0, |c| (c * scale * scale).min(1.0)));
        }
        // Rounding noise of the probes at a wrong scale is not a failure of the fit.
        self.failure.borrow_mut().take();
        self.coords.rescale(scales, curvatures);
        // The probes' central differences are the gradient at the centre, good to O(h²) with
        // h ≈ ε^¼ of each scale: L-BFGS starts with it instead of computing another. A supplied
        // score gives its own.
        *self.start_gradient.borrow_mut() = if self.score.is_none() {
            slopes.into_iter().collect::<Option<Vec<f64>>>()
        } else {
            None
        };
        Ok(f0)
    }
}

/// What argmin sees: a borrowed objective, so that counts and failures outlive the executor.
pub(crate) struct Problem<'o, 'a, O, F, S>(pub(crate) &'o Objective<'a, O, F, S>);

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> CostFunction
    for Problem<'_, '_, O, F, S>
{
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, z: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        self.0.mean_nll(z).map_err(|f| self.0.fail(f))
    }
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Gradient for Problem<'_, '_, O, F, S> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, z: &Self::Param) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        self.0.mean_gradient(z).map_err(|f| self.0.fail(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_keeps_small_terms() {
        // 1 + 1e-16 added 1e4 times: naive summation loses every small term.
        let values = std::iter::once(1.0).chain(std::iter::repeat_n(1e-16, 10_000));
        approx::assert_relative_eq!(Sum::of(values), 1.0 + 1e-12, max_relative = 1e-15);
    }

    #[test]
    fn non_finite_term_is_named() {
        let data = [1.0, 2.0, f64::NAN, 4.0];
        let density = |x: &f64, p: &[f64]| -(x - p[0]).powi(2);
        let err = nll(&density, &data, &[0.0]).unwrap_err();
        assert!(matches!(err, Error::NonFiniteLogDensity { index: 2, .. }));
    }
}
