//! Simulated annealing (argmin): a random walk in the scaled coordinates around the start that
//! accepts a worse point with probability `exp(−Δ/T)` (`Δ` in the mean NLL), the temperature
//! falling as `T₀/k`, each move at most `STEP·T/T₀` units per coordinate inside the box of
//! [`HALF_WIDTH`], for a fixed budget of NLL evaluations; then L-BFGS from the best point
//! visited (the polish), judged by the same verdict there.

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::simulatedannealing::{Anneal, SATempFunc, SimulatedAnnealing};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::solver_error;
use super::swarm::{Found, HALF_WIDTH, Landscape};
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::Objective;

const NAME: &str = "simulated annealing";

/// The first temperature, in the mean NLL (a change of one per observation).
const FIRST_TEMPERATURE: f64 = 1.0;

/// The largest move per coordinate at the first temperature, in the scaled coordinates.
const STEP: f64 = 3.0;

/// Evaluations of the walk.
const ANNEALING_ITERATIONS: u64 = 1500;

/// The walk: the landscape, and the random draws of the moves.
struct Walk<'o, 'a, O, F, S> {
    landscape: Landscape<'o, 'a, O, F, S>,
    rng: RefCell<StdRng>,
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> CostFunction for Walk<'_, '_, O, F, S> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, z: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        self.landscape.cost(z)
    }
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Anneal for Walk<'_, '_, O, F, S> {
    type Param = Vec<f64>;
    type Output = Vec<f64>;
    type Float = f64;

    fn anneal(
        &self,
        z: &Vec<f64>,
        temperature: f64,
    ) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        let reach = STEP * temperature / FIRST_TEMPERATURE;
        let mut rng = self.rng.borrow_mut();
        Ok(z.iter()
            .map(|v| (v + reach * rng.random_range(-1.0..=1.0)).clamp(-HALF_WIDTH, HALF_WIDTH))
            .collect())
    }
}

/// Runs the walk from `z = 0` (where the mean NLL is `f0`), its random draws from `seed`; the
/// best point visited is returned (the start when nothing was better).
pub(crate) fn search<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    seed: u64,
) -> Result<Found> {
    let dim = objective.coords().dim();
    let walk = Walk {
        landscape: Landscape(objective),
        rng: RefCell::new(StdRng::seed_from_u64(seed ^ 0x5A5A_5A5A)),
    };
    let solver = SimulatedAnnealing::new_with_rng(FIRST_TEMPERATURE, StdRng::seed_from_u64(seed))
        .map_err(|e| solver_error(NAME, &e))?
        .with_temp_func(SATempFunc::TemperatureFast);
    let result = Executor::new(walk, solver)
        .configure(|state| {
            state
                .param(vec![0.0; dim])
                .cost(f0)
                .max_iters(ANNEALING_ITERATIONS)
        })
        .run()
        .map_err(|e| solver_error(NAME, &e))?;
    let state = result.state();
    let best = state
        .get_best_param()
        .cloned()
        .map(|z| (z, state.get_best_cost()))
        .filter(|(_, f)| f.is_finite() && *f < f0);
    let (z, f) = best.unwrap_or_else(|| (vec![0.0; dim], f0));
    Ok(Found { z, f })
}
