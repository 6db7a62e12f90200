//! Particle swarm (argmin): a global search in a box of the scaled coordinates around the
//! start, for a fixed budget of NLL evaluations, then L-BFGS from the best point found (the
//! polish), judged by the same verdict there. The swarm alone never converges in the verdict's
//! sense: it is the polish that puts the point within the tolerance.

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::particleswarm::ParticleSwarm;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::solver_error;
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::Objective;

const NAME: &str = "particle swarm";

/// Half-width of the box searched, in the scaled coordinates calibrated at the start (one unit
/// is about one standard deviation of a single observation's information; a log or logit
/// coordinate's unit is at most a factor e).
pub(crate) const HALF_WIDTH: f64 = 10.0;

/// Iterations of the swarm (each moves every particle once).
const SWARM_ITERATIONS: u64 = 60;

/// What a global search found: the best point (in the scaled coordinates) and its mean NLL.
pub(crate) struct Found {
    pub(crate) z: Vec<f64>,
    pub(crate) f: f64,
}

/// The mean NLL for a global search: a point where it is not finite (outside the support, an
/// overflow) is `+∞`, a point never to prefer, instead of the error that ends a local run.
pub(crate) struct Landscape<'o, 'a, O, F, S>(pub(crate) &'o Objective<'a, O, F, S>);

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> CostFunction
    for Landscape<'_, '_, O, F, S>
{
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, z: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self
            .0
            .mean_nll(z)
            .ok()
            .filter(|v| v.is_finite())
            .unwrap_or(f64::INFINITY))
    }
}

/// Particles for `dim` free parameters.
fn particles(dim: usize) -> usize {
    (10 * dim).clamp(20, 60)
}

/// Runs the swarm in `[−HALF_WIDTH, HALF_WIDTH]^p` around `z = 0` (where the mean NLL is
/// `f0`), its random draws from `seed`; the start wins ties and stays when nothing better was
/// found.
pub(crate) fn search<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    seed: u64,
) -> Result<Found> {
    let dim = objective.coords().dim();
    let solver = ParticleSwarm::new(
        (vec![-HALF_WIDTH; dim], vec![HALF_WIDTH; dim]),
        particles(dim),
    )
    .with_rng_generator(StdRng::seed_from_u64(seed));
    let result = Executor::new(Landscape(objective), solver)
        .configure(|state| state.max_iters(SWARM_ITERATIONS))
        .run()
        .map_err(|e| solver_error(NAME, &e))?;
    let state = result.state();
    let best = state
        .get_best_param()
        .map(|p| (p.position.clone(), p.cost))
        .filter(|(_, f)| f.is_finite() && *f < f0);
    let (z, f) = best.unwrap_or_else(|| (vec![0.0; dim], f0));
    Ok(Found { z, f })
}
