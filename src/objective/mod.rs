//! The negative log-likelihood over the data, and the scaled objective the optimizers see.
//!
//! Sums are compensated (Neumaier) over fixed chunks of [`CHUNK`] observations whose totals are
//! combined in order, so the same inputs give the same bits, and a later parallel evaluation of
//! the same chunks gives them too.

mod calibrate;
mod coords;
mod gradient;
mod nll;
mod scores;

use std::cell::{Cell, RefCell};

use argmin::core::{CostFunction, Gradient};

use crate::density::{Likelihood, LogDensity, Score};
use crate::error::{Error, Result};
use crate::params::Params;

pub(crate) use coords::{Coordinates, resolvable};
pub use gradient::Difference;
pub(crate) use gradient::FloorParts;
use gradient::{Basis, CachedGradient};
use nll::nll_of;
pub(crate) use nll::{Sample, nll};
pub(crate) use scores::{observation_scores, steps as score_steps};

/// Machine epsilon, the unit of rounding.
pub(crate) const EPS: f64 = f64::EPSILON;

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

pub(crate) struct Objective<'a, O, F, S> {
    density: &'a F,
    score: Option<&'a S>,
    params: &'a Params,
    data: &'a [O],
    sample: Sample,
    inv_n: f64,
    /// The observations summed, counted with their frequency weights: `1 / inv_n`.
    n: f64,
    /// Observations each row stands for, on average (`Σ count / rows`: 1 without frequency
    /// weights). The mean NLL is per observation, so that a table of counts has the scales,
    /// steps and rounding of the data it stands for.
    per_row: f64,
    coords: Coordinates,
    difference: Difference,
    /// The norm of the last gradient computed, which picks the adaptive scheme.
    last_norm: Cell<f64>,
    counts: Cell<Counts>,
    /// The parallel threshold of a pass, in chunks, chosen from the cost of the first pass
    /// (0 until then).
    parallel_from: Cell<usize>,
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
    /// The last exact Hessian in `u` and the summed score of the same pass, keyed by the bits
    /// of the parameters they were taken at.
    exact_hessian: RefCell<Option<ExactPass>>,
    /// The directions finite-difference gradients are taken along, when not the coordinate
    /// axes: set from a Hessian whose condition makes differences along the axes too coarse
    /// for its weak directions; cleared when the coordinates move.
    basis: RefCell<Option<Basis>>,
}

impl<'a, O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Objective<'a, O, F, S> {
    /// The objective of `likelihood` over `data`, in coordinates centred at `theta` with unit
    /// scales (not yet calibrated: [`recentre`](Objective::recentre) measures the scales).
    pub(crate) fn new(
        likelihood: Likelihood<'a, O, F, S>,
        data: &'a [O],
        theta: &[f64],
        difference: Difference,
    ) -> Self {
        let total: f64 = data.iter().map(|o| likelihood.density.count(o)).sum();
        let per_row = if data.is_empty() {
            1.0
        } else {
            total / data.len() as f64
        };
        Objective {
            per_row,
            density: likelihood.density,
            score: likelihood.score,
            params: likelihood.params,
            coords: Coordinates::new(likelihood.params, theta),
            data,
            sample: Sample::All,
            inv_n: 1.0 / total,
            n: total,
            difference,
            last_norm: Cell::new(f64::INFINITY),
            counts: Cell::new(Counts::default()),
            parallel_from: Cell::new(0),
            failure: RefCell::new(None),
            last_nll: RefCell::new(None),
            centre_nll: RefCell::new(None),
            gradients: RefCell::new(Vec::new()),
            start_gradient: RefCell::new(None),
            exact_hessian: RefCell::new(None),
            basis: RefCell::new(None),
        }
    }

    /// Sums over `sample` of the data instead of all of it.
    pub(crate) fn with_sample(mut self, sample: Sample) -> Self {
        self.sample = sample;
        self.n = sample.size(self.data.len()) as f64 * self.per_row;
        self.inv_n = 1.0 / self.n;
        self.last_nll.borrow_mut().take();
        self.centre_nll.borrow_mut().take();
        self.exact_hessian.borrow_mut().take();
        self
    }

    /// The number of observations summed (with frequency weights, the number they stand for):
    /// the NLL's sum is `n` times the mean NLL the optimizers see.
    pub(crate) fn n(&self) -> f64 {
        self.n
    }

    pub(crate) fn counts(&self) -> Counts {
        self.counts.get()
    }

    /// The gradient at `z = 0` measured by the last calibration, taken.
    pub(crate) fn take_start_gradient(&self) -> Option<Vec<f64>> {
        self.start_gradient.borrow_mut().take()
    }

    /// The parameters the likelihood is over.
    pub(crate) fn params(&self) -> &Params {
        self.params
    }

    /// The coordinates the optimizer works in.
    pub(crate) fn coords(&self) -> &Coordinates {
        &self.coords
    }

    /// Centres the coordinates at `theta` and measures their scales there (starting from
    /// `guess`, scales measured before); returns the mean NLL at `theta`. The one way to move
    /// the coordinates: they are never used uncalibrated after a move.
    pub(crate) fn recentre(&mut self, theta: &[f64], guess: Option<&[f64]>) -> Result<f64> {
        self.coords = Coordinates::new(self.params, theta);
        self.basis.borrow_mut().take();
        self.calibrate(guess)
    }

    /// Runs `body` (one optimizer run) with the failure slot emptied before it, and returns
    /// with its result the first evaluation failure met inside it: a run owns the slot.
    pub(crate) fn scoped<R>(&self, body: impl FnOnce() -> R) -> (R, Option<Failure>) {
        self.failure.borrow_mut().take();
        let result = body();
        (result, self.failure.borrow_mut().take())
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
        let timer = (self.parallel_from.get() == 0).then(std::time::Instant::now);
        let value = nll_of(
            self.density,
            self.data,
            theta,
            self.sample,
            self.parallel_threshold(),
        )?;
        // After the first pass (itself run from the default threshold), split from two chunks
        // up when a chunk costs more than a join: a closure over long rows at n = 2e4 then uses
        // both cores; a Normal density keeps the default, where threads would not pay.
        if let Some(timer) = timer {
            let rows = self.sample.size(self.data.len());
            let chunks = u32::try_from(rows.div_ceil(nll::CHUNK).max(1)).unwrap_or(u32::MAX);
            self.parallel_from
                .set(if timer.elapsed() / chunks > nll::COSTLY_CHUNK {
                    2
                } else {
                    nll::PARALLEL_MIN_CHUNKS
                });
        }
        *self.last_nll.borrow_mut() = Some((key, value));
        Ok(value)
    }

    /// The parallel threshold of a pass, in chunks: the default until the first pass is timed.
    fn parallel_threshold(&self) -> usize {
        match self.parallel_from.get() {
            0 => nll::PARALLEL_MIN_CHUNKS,
            k => k,
        }
    }

    /// The mean NLL at each of `us` (unconstrained coordinates), in one pass over the data
    /// (counted as one evaluation per point); `None` when any is not finite or a point is off
    /// its space.
    pub(crate) fn mean_nll_batch_at_u(&self, us: &[Vec<f64>]) -> Option<Vec<f64>> {
        let thetas: Vec<Vec<f64>> = us
            .iter()
            .map(|u| self.coords.theta_at_u(u).ok())
            .collect::<Option<_>>()?;
        let mut c = self.counts.get();
        c.nll += thetas.len() as u64;
        self.counts.set(c);
        let from = self.parallel_threshold();
        let values = match self.sample {
            Sample::All => nll::nll_batch(self.density, self.data, &thetas, from),
            // Subsamples are small; point by point.
            Sample::Blocks { .. } => thetas
                .iter()
                .map(|t| nll_of(self.density, self.data, t, self.sample, from).unwrap_or(f64::NAN))
                .collect(),
        };
        values
            .into_iter()
            .map(|v| v.is_finite().then_some(v * self.inv_n))
            .collect()
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
}

/// One pass of exact second derivatives: where it was taken (the bits of the parameters), the
/// Hessian of the mean NLL in `u`, and the summed score in `θ` (all parameters).
struct ExactPass {
    key: Vec<u64>,
    hessian: nalgebra::DMatrix<f64>,
    score: Vec<f64>,
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
