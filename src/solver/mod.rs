//! The optimizers and the driver that turns their runs into an honest [`Fit`].
//!
//! | file | concern |
//! |---|---|
//! | `mod.rs` | a fit from start to [`Fit`]: validation, warm start, the stage on all the data |
//! | `warm.rs` | fits on nested subsamples before the fit to all the data |
//! | `driver.rs` | the restart/recovery state machine around single runs |
//! | `run.rs` | what one run is given and hands back |
//! | `multistart.rs` | several starts in parallel, the best optimum and the distinct ones |
//! | `lbfgs.rs`, `bfgs.rs`, `cg.rs`, `steepest.rs`, `neldermead.rs` | one argmin solver each: a single run (the gradient ones share `lbfgs::run_solver`) |
//! | `newton_ls.rs`, `trust_region.rs`, `sr1.rs` | second-order solvers: Newton with a line search, trust-region Newton (argmin, Steihaug and dogleg), SR1 trust region (argmin) |
//! | `swarm.rs`, `annealing.rs` | global searches (argmin's particle swarm, simulated annealing) before an L-BFGS polish |
//! | `hessian.rs` | the Hessian those solvers ask for, and their shared run |
//! | `stopping.rs` | the convergence test argmin's CG, steepest descent and second-order solvers lack |
//! | `trust.rs` | trust-region Newton steps that open an L-BFGS fit with a few parameters |
//! | `verdict.rs` | the verdict at a point, a pure function of its evidence |
//! | `curvature.rs` | Hessians, and the standard errors that follow from them |
//! | `whitening.rs`, `trace.rs` | coordinates whitened by a Hessian; the iterates argmin visits |
//!
//! Convergence is decided from the gradient (and the Hessian) where a run ended, not from
//! argmin's termination reason alone.

mod annealing;
mod bfgs;
mod cg;
mod curvature;
mod driver;
mod hessian;
mod lbfgs;
mod multistart;
mod neldermead;
mod newton_ls;
mod run;
mod sr1;
mod steepest;
mod stopping;
mod swarm;
mod trace;
mod trust;
mod trust_region;
mod verdict;
mod warm;
mod whitening;

use std::time::Instant;

use crate::density::{Likelihood, LogDensity, Score};
use crate::error::{Error, Result};
use crate::fit::{Cost, Fit, Record, Stationarity};
use crate::objective::{self, Objective};
use crate::options::FitOptions;
use crate::outcome::{Convergence, SeKind, SeUnavailable};
use crate::params::Space;

pub use driver::{MAX_RECOVERIES, MAX_RESTARTS};
pub(crate) use multistart::is_verified;

/// Fits `likelihood` (a model's, or one with some parameters fixed, as a profile needs) to
/// `data`, from one start or (with `starts > 1` in the options) several.
///
/// # Errors
///
/// [`Error::EmptyData`]; for a start given in the options, [`Error::WrongParameterCount`],
/// [`Error::OutsideSpace`] or [`Error::FixedParameterChanged`]; [`Error::Evaluation`] when the
/// log-density of an observation is not finite at the start.
pub(crate) fn fit<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    options: &FitOptions,
) -> Result<Fit> {
    let kind = se_kind(likelihood, data, options)?;
    let fit = if options.starts > 1 {
        multistart::fit(likelihood, data, options)?
    } else {
        fit_once(likelihood, data, options)?
    };
    Ok(match kind {
        SeKind::Observed => fit,
        kind => with_se_kind(likelihood, data, fit, kind, options.clusters.as_deref()),
    })
}

/// The kind of standard errors a fit reports: the options', or by default the observed
/// information (robust for a pseudo-likelihood, whose observed information is not a variance).
///
/// # Errors
///
/// [`Error::UnsuitableStdErrors`] for observed-information or OPG standard errors of a
/// pseudo-likelihood; [`Error::WrongLength`] for cluster keys that are not one per observation.
fn se_kind<O, F: LogDensity<O>, S>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    options: &FitOptions,
) -> Result<SeKind> {
    let pseudo = likelihood.density.pseudo_likelihood();
    let kind = options.se_kind.unwrap_or(if pseudo {
        SeKind::Robust
    } else {
        SeKind::Observed
    });
    if pseudo && matches!(kind, SeKind::Observed | SeKind::Opg) {
        return Err(Error::UnsuitableStdErrors {
            kind,
            reason: "under sampling weights the NLL is a pseudo-likelihood, whose information is not the variance of the estimates: ask for robust or cluster standard errors",
        });
    }
    if let Some(keys) = &options.clusters
        && keys.len() != data.len()
    {
        return Err(Error::WrongLength {
            what: "cluster key",
            expected: data.len(),
            got: keys.len(),
        });
    }
    Ok(kind)
}

/// `fit` with standard errors of `kind` in place of the observed-information ones, from the
/// per-observation scores at the estimates.
fn with_se_kind<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    fit: Fit,
    kind: SeKind,
    clusters: Option<&[u64]>,
) -> Fit {
    // Central differences evaluate each observation twice per free parameter: as many passes.
    let passes = if likelihood.score.is_some() {
        (0, 1)
    } else {
        (2 * likelihood.params.free().len() as u64, 0)
    };
    let (inference, (nll_passes, score_passes)) = match fit.computed_std_errors() {
        Ok(observed) => {
            let free = likelihood.params.free();
            let spaces: Vec<(Space, f64)> = free
                .iter()
                .map(|&i| (likelihood.params.all()[i].space, fit.estimates()[i]))
                .collect();
            let se: Vec<f64> = observed.std_errors().into_iter().flatten().collect();
            let steps = objective::score_steps(&spaces, &se, fit.sample_size());
            let inference =
                match objective::observation_scores(likelihood, data, fit.estimates(), &steps) {
                    Ok((rows, counts)) => observed.of_kind(kind, &rows, &counts, clusters),
                    Err(_) => Err(SeUnavailable::ScoresFailed),
                };
            (inference, passes)
        }
        Err(reason) => (Err(reason.clone()), (0, 0)),
    };
    fit.with_std_errors(inference, nll_passes, score_passes)
}

/// The start of a fit (the options', or the declared one), checked against the parameters, on
/// data that are not empty.
fn checked_start<O, F, S>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    options: &FitOptions,
) -> Result<Vec<f64>> {
    if data.is_empty() {
        return Err(Error::EmptyData);
    }
    let params = likelihood.params;
    let theta = options.start.clone().unwrap_or_else(|| params.starts());
    params.check(&theta)?;
    Ok(theta)
}

/// Fits from the options' start (or the declared one) alone.
fn fit_once<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    options: &FitOptions,
) -> Result<Fit> {
    let theta = checked_start(likelihood, data, options)?;
    let params = likelihood.params;
    let timer = Instant::now();
    let mut path = vec![theta.clone()];
    let warm = if options.warm_start {
        warm::fit_subsamples(likelihood, data, &theta, options)
    } else {
        warm::Warm::none(&theta)
    };
    let mut objective = Objective::new(likelihood, data, &warm.start.theta, options.difference);
    // The warm start is used only where the NLL of all the data is finite (a subsample can
    // miss the observations that rule a point out). The check evaluates the centre the first
    // calibration starts from, so that evaluation is not repeated.
    let centre = vec![0.0; objective.coords().dim()];
    let start = if warm.stages.is_empty() || objective.mean_nll(&centre).is_ok() {
        path.extend(warm.path);
        warm.start
    } else {
        warm::Warm::none(&theta).start
    };
    let stage = driver::optimize(&mut objective, start, options)?;
    path.extend(stage.path);
    let outcome = stage.outcome;
    let n = data.len();
    let coords = objective.coords();
    let estimates = stage.estimates;
    let mut gradient = vec![None; estimates.len()];
    if let Some(g) = &outcome.gradient {
        let jac = coords.jacobian(&estimates);
        for (k, &i) in coords.free().iter().enumerate() {
            gradient[i] = Some(g[k] * objective.n() / jac[k]);
        }
    }
    let converged = matches!(outcome.judged.convergence, Convergence::Converged(_));
    let observed = match stage.observed {
        _ if !options.standard_errors => Err(SeUnavailable::NotRequested),
        _ if !converged => Err(SeUnavailable::NotConverged),
        Some(result) => result,
        None => Err(SeUnavailable::NotConverged),
    };
    let counts = objective.counts();
    let cost = Cost {
        iterations: stage.iterations,
        nll_passes: counts.nll,
        gradient_evaluations: counts.gradient,
        score_passes: counts.score,
        hessian_passes: stage.hessian_passes,
        warm_stages: warm.stages,
        other_starts_passes: 0.0,
        elapsed: timer.elapsed(),
    };
    let stationarity = Stationarity {
        gradient,
        norm: outcome.judged.norm,
        distance: outcome.judged.distance,
        precision: outcome.judged.precision,
        convergence: outcome.judged.convergence,
    };
    let nll = outcome.f * objective.n();
    let record = Record {
        params: params.all().to_vec(),
        estimates,
        nll,
        n,
        sample_size: objective.n(),
        method: options.method,
        cost,
        stationarity,
        path,
    };
    Ok(Fit::new(record, observed))
}

/// Maps an argmin error that is not one of our recorded failures.
pub(crate) fn solver_error(solver: &'static str, err: &argmin::core::Error) -> Error {
    Error::Solver {
        solver,
        message: format!("{err:#}"),
    }
}
