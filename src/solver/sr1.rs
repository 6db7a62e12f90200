//! SR1 trust region (argmin): the symmetric rank-one update of a Hessian approximation, which
//! unlike BFGS's may become indefinite (and so follow the NLL's real curvature, negative
//! included), with each step from Steihaug's truncated conjugate gradients inside the radius.
//! It starts from the identity in the scaled (or whitened) coordinates, where the curvature is
//! about one; no finite-difference Hessian is computed during the run.

use argmin::solver::quasinewton::SR1TrustRegion;

use super::hessian::{Square, run_second_order, steihaug};
use super::run::{Run, RunSettings};
use super::solver_error;
use super::whitening::Whitening;
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::Objective;

const NAME: &str = "SR1 trust region";

/// Runs the SR1 trust region from `z = 0`, where the mean NLL is `f0`.
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    whitening: Option<&Whitening>,
) -> Result<Run> {
    let dim = objective.coords().dim();
    // argmin's own gradient test is left at zero: the wrapper's, at the fit's tolerance, decides.
    let solver = SR1TrustRegion::new(steihaug(dim))
        .with_radius(1.0)
        .with_tolerance_grad(0.0)
        .map_err(|e| solver_error(NAME, &e))?;
    run_second_order(
        NAME,
        objective,
        f0,
        settings,
        whitening,
        solver,
        Some(Square::identity(dim)),
        false,
    )
}
