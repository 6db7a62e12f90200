//! Profile-likelihood intervals: for one parameter, the values where twice the rise of the
//! profile NLL (the others re-optimized, warm-started) reaches the chi-square(1) cut-off.
//!
//! The search runs in the parameter's unconstrained coordinate, so it never leaves the space:
//! it brackets the crossing by growing steps from the estimate (the first of the size the Wald
//! interval suggests), then closes in on it with the Illinois method. A profile that stays
//! below the cut-off until the parameter's floating-point range ends is open to that bound.

use std::fmt;

use crate::density::{Likelihood, LogDensity, Score};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::numerics::{check_level, normal_quantile};
use crate::objective;
use crate::options::{FitOptions, Method};
use crate::outcome::{Convergence, StopReason};
use crate::params::{Param, Params, Space};
use crate::solver;

/// Growth of the bracketing steps.
const GROWTH: f64 = 1.6;
/// Bracketing steps before giving up on finding a crossing.
const MAX_BRACKET: usize = 80;
/// Illinois iterations at most.
const MAX_ROOT: usize = 100;
/// The crossing is located to this fraction of a standard error (in the unconstrained
/// coordinate).
const ROOT_TOLERANCE: f64 = 1e-9;
/// The inner fits' tolerance, in standard errors: their NLL is then within `½·(1e-5)²` of
/// the profile's, far below the precision the crossing is located to.
const INNER_TOLERANCE: f64 = 1e-5;
/// An inner fit that stopped short (line search, stall) this close to its optimum, in standard
/// errors, still gives the profile NLL to `½·(1e-3)²`: a deviance error of 1e-6, which moves
/// an interval's end by about 3e-7 standard errors.
const INNER_ACCEPT: f64 = 1e-3;
/// A profile NLL below the fit's by more than this (on the −2lnL scale) is a better optimum.
const BETTER_OPTIMUM: f64 = 1e-6;

/// One end of a profile interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// The profile likelihood-ratio statistic reaches the cut-off at this value.
    Crossing(f64),
    /// The statistic stays below the cut-off up to this bound of the parameter's space: the
    /// interval runs into the bound.
    SpaceEdge(f64),
    /// The statistic stays below the cut-off as far as the parameter could be followed (a
    /// free parameter about which the data say too little).
    Unbounded,
}

impl Limit {
    /// The value, for a crossing or a space edge.
    pub fn value(&self) -> Option<f64> {
        match *self {
            Limit::Crossing(v) | Limit::SpaceEdge(v) => Some(v),
            Limit::Unbounded => None,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Crossing(v) => write!(f, "{}", crate::numerics::num(*v)),
            Limit::SpaceEdge(v) => write!(f, "{} (edge)", crate::numerics::num(*v)),
            Limit::Unbounded => write!(f, "unbounded"),
        }
    }
}

/// A profile-likelihood interval.
#[derive(Debug, Clone)]
pub struct ProfileInterval {
    name: String,
    level: f64,
    estimate: f64,
    lower: Limit,
    upper: Limit,
    cutoff: f64,
    points: Vec<(f64, f64)>,
    nll_passes: u64,
    refit: Option<Box<Fit>>,
}

impl ProfileInterval {
    /// The parameter.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The confidence level.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// The estimate it is centred on.
    pub fn estimate(&self) -> f64 {
        self.estimate
    }

    /// The lower end.
    pub fn lower(&self) -> Limit {
        self.lower
    }

    /// The upper end.
    pub fn upper(&self) -> Limit {
        self.upper
    }

    /// The cut-off on `2 (NLL_profile − NLL_min)`: the chi-square(1) quantile at the level.
    pub fn cutoff(&self) -> f64 {
        self.cutoff
    }

    /// The profile as visited: `(value, 2 (NLL_profile − NLL_min))`, sorted by value.
    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }

    /// Passes over the data computing the NLL that the profile took (inner fits included).
    pub fn nll_passes(&self) -> u64 {
        self.nll_passes
    }

    /// When the profile found a lower NLL than the fit: the refit from there, which the
    /// interval is then centred on.
    pub fn refit(&self) -> Option<&Fit> {
        self.refit.as_deref()
    }
}

impl fmt::Display for ProfileInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.0}% profile interval for {}: [{}, {}] ({} NLL passes)",
            100.0 * self.level,
            self.name,
            self.lower,
            self.upper,
            self.nll_passes
        )?;
        if self.refit.is_some() {
            write!(
                f,
                "; the profile found a better optimum and the model was refitted"
            )?;
        }
        Ok(())
    }
}

/// The profile of one parameter: the NLL minimized over the others with it fixed.
struct Profiler<'m, O, F, S> {
    likelihood: Likelihood<'m, O, F, S>,
    data: &'m [O],
    k: usize,
    nll_min: f64,
    nll_passes: u64,
    /// Where the last inner fit ended (all parameters), to warm-start the next.
    warm: Vec<f64>,
    points: Vec<(f64, f64)>,
    /// A point with a lower NLL than the fit, if one was met.
    better: Option<Vec<f64>>,
}

impl<'m, O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Profiler<'m, O, F, S> {
    /// A profile of parameter `k` around `fit`.
    fn new(likelihood: Likelihood<'m, O, F, S>, data: &'m [O], k: usize, fit: &Fit) -> Self {
        Profiler {
            likelihood,
            data,
            k,
            nll_min: fit.nll(),
            nll_passes: 0,
            warm: fit.estimates().to_vec(),
            points: Vec::new(),
            better: None,
        }
    }

    /// `2 (NLL_profile(θ_k = value) − NLL_min)`.
    fn deviance(&mut self, value: f64) -> Result<f64> {
        let mut list: Vec<Param> = self.likelihood.params.all().to_vec();
        list[self.k].space = Space::Fixed(value);
        list[self.k].start = value;
        let mut start = self.warm.clone();
        start[self.k] = value;
        let nll = match Params::new(list) {
            Err(Error::NoFreeParameter) => {
                self.nll_passes += 1;
                objective::nll(self.likelihood.density, self.data, &start)?
            }
            Err(e) => return Err(e),
            Ok(fixed) => {
                let options = FitOptions {
                    standard_errors: false,
                    warm_start: false,
                    start: Some(start),
                    tolerance: INNER_TOLERANCE,
                    ..FitOptions::new(Method::Lbfgs)
                };
                let inner = solver::fit(self.likelihood.with_params(&fixed), self.data, &options)?;
                self.nll_passes += inner.nll_passes();
                let inner = accept_inner(inner)?;
                self.warm = inner.estimates().to_vec();
                inner.nll()
            }
        };
        let deviance = 2.0 * (nll - self.nll_min);
        if deviance < -BETTER_OPTIMUM && self.better.is_none() {
            let mut point = self.warm.clone();
            point[self.k] = value;
            self.better = Some(point);
        }
        self.points.push((value, deviance));
        Ok(deviance)
    }

    /// One end: `direction` is −1 (lower) or +1 (upper). Works in the unconstrained
    /// coordinate `u`, starting at `u_hat` with steps of about `se_u`.
    fn limit(
        &mut self,
        space: Space,
        u_hat: f64,
        se_u: f64,
        cutoff: f64,
        direction: f64,
        estimates: &[f64],
    ) -> Result<Limit> {
        self.warm = estimates.to_vec();
        let value_at = |t: f64| space.at_unconstrained(u_hat + direction * t);
        let edge = || match (space, direction > 0.0) {
            (Space::Interval { lower, .. }, false) => Limit::SpaceEdge(lower),
            (Space::Interval { upper, .. }, true) => Limit::SpaceEdge(upper),
            (Space::Positive, false) => Limit::SpaceEdge(0.0),
            _ => Limit::Unbounded,
        };
        // Bracket: the statistic is below the cut-off at `inside`, above it at `outside`.
        let (mut inside, mut d_inside) = (0.0, 0.0);
        let mut step = se_u * cutoff.sqrt();
        let mut bracket = None;
        for _ in 0..MAX_BRACKET {
            let t = inside + step;
            let Some(value) = value_at(t) else {
                return Ok(edge());
            };
            let d = self.deviance(value)?;
            if self.better.is_some() {
                return Ok(Limit::Unbounded);
            }
            if d >= cutoff {
                bracket = Some((t, d));
                break;
            }
            (inside, d_inside) = (t, d);
            step *= GROWTH;
        }
        let Some((mut outside, d_outside)) = bracket else {
            return Ok(edge());
        };
        // Illinois: regula falsi that halves the weight of an end kept twice.
        let (mut g_in, mut g_out) = (d_inside - cutoff, d_outside - cutoff);
        let mut kept = 0i8;
        for _ in 0..MAX_ROOT {
            if (outside - inside).abs() <= ROOT_TOLERANCE * se_u {
                break;
            }
            let t = (inside * g_out - outside * g_in) / (g_out - g_in);
            let t = if t.is_finite() && t > inside.min(outside) && t < inside.max(outside) {
                t
            } else {
                0.5 * (inside + outside)
            };
            let Some(value) = value_at(t) else {
                return Ok(edge());
            };
            let g = self.deviance(value)? - cutoff;
            if g.abs() <= ROOT_TOLERANCE * cutoff {
                (inside, outside) = (t, t);
                break;
            }
            if g < 0.0 {
                inside = t;
                g_in = g;
                if kept == -1 {
                    g_out *= 0.5;
                }
                kept = -1;
            } else {
                outside = t;
                g_out = g;
                if kept == 1 {
                    g_in *= 0.5;
                }
                kept = 1;
            }
        }
        // Interpolate linearly between the final bracket ends.
        let t = if (outside - inside).abs() > 0.0 {
            (inside * g_out - outside * g_in) / (g_out - g_in)
        } else {
            inside
        };
        Ok(value_at(t).map_or_else(edge, Limit::Crossing))
    }
}

/// An inner fit of the profile, if its NLL is the profile's to within what the profile needs:
/// converged, or stopped short within [`INNER_ACCEPT`] standard errors of its optimum.
fn accept_inner(inner: Fit) -> Result<Fit> {
    match inner.convergence() {
        Convergence::NotConverged(
            StopReason::LineSearchFailed { distance } | StopReason::Stalled { distance },
        ) if *distance <= INNER_ACCEPT => Ok(inner),
        _ => inner.require_converged(),
    }
}

/// The position and space of the parameter called `name`.
fn locate(params: &Params, name: &str) -> Result<(usize, Space)> {
    params
        .all()
        .iter()
        .position(|p| p.name == name)
        .map(|k| (k, params.all()[k].space))
        .ok_or_else(|| Error::UnknownParameter {
            name: name.to_string(),
        })
}

/// The profile at the given values of `name`; see [`Model::profile_points`].
///
/// [`Model::profile_points`]: crate::Model::profile_points
pub(crate) fn points<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    fit: &Fit,
    name: &str,
    values: &[f64],
) -> Result<Vec<(f64, f64)>> {
    let (k, space) = locate(likelihood.params, name)?;
    if let Some(&bad) = values.iter().find(|&&v| !space.contains(v)) {
        return Err(Error::OutsideSpace {
            name: name.to_string(),
            value: bad,
            space: space.to_string(),
        });
    }
    fit.check_belongs(likelihood, data)?;
    let estimate = fit.estimates()[k];
    let mut profiler = Profiler::new(likelihood, data, k, fit);
    let mut below: Vec<f64> = values.iter().copied().filter(|&v| v < estimate).collect();
    let mut above: Vec<f64> = values.iter().copied().filter(|&v| v >= estimate).collect();
    below.sort_by(|a, b| b.total_cmp(a));
    above.sort_by(f64::total_cmp);
    for side in [below, above] {
        profiler.warm = fit.estimates().to_vec();
        for v in side {
            profiler.deviance(v)?;
        }
    }
    let mut points = profiler.points;
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(points)
}

/// The profile-likelihood interval for `name`; see [`Model::profile`].
///
/// [`Model::profile`]: crate::Model::profile
pub(crate) fn interval<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    fit: &Fit,
    name: &str,
    level: f64,
) -> Result<ProfileInterval> {
    check_level(level)?;
    let (_, space) = locate(likelihood.params, name)?;
    if let Space::Fixed(fixed) = space {
        return Err(Error::FixedParameterChanged {
            name: name.to_string(),
            fixed,
            value: fixed,
        });
    }
    fit.check_belongs(likelihood, data)?;
    interval_from(likelihood, data, fit, name, level, true)
}

fn interval_from<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    fit: &Fit,
    name: &str,
    level: f64,
    may_refit: bool,
) -> Result<ProfileInterval> {
    let (k, space) = locate(likelihood.params, name)?;
    if let Convergence::NotConverged(reason) = fit.convergence() {
        return Err(Error::NotConverged {
            reason: reason.clone(),
        });
    }
    let estimate = fit.estimates()[k];
    let u_hat = space.to_unconstrained(estimate);
    // The step scale in u: the standard error through the transform when there is one.
    let se_u = fit
        .std_error(name)
        .ok()
        .map(|se| se / space.derivative(estimate))
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(0.1 * u_hat.abs().max(1.0));
    let z = normal_quantile(0.5 + 0.5 * level);
    let cutoff = z * z;
    let mut profiler = Profiler::new(likelihood, data, k, fit);
    // At the estimate itself, re-optimizing the others shows at once a fit that stopped
    // short of their optimum.
    if likelihood.params.free().len() > 1 {
        profiler.deviance(estimate)?;
    }
    let lower = if profiler.better.is_none() {
        profiler.limit(space, u_hat, se_u, cutoff, -1.0, fit.estimates())?
    } else {
        Limit::Unbounded
    };
    let upper = if profiler.better.is_none() {
        profiler.limit(space, u_hat, se_u, cutoff, 1.0, fit.estimates())?
    } else {
        Limit::Unbounded
    };
    if let Some(point) = profiler.better.take()
        && may_refit
    {
        let options = FitOptions {
            warm_start: false,
            start: Some(point),
            ..FitOptions::new(fit.method())
        };
        let refit = solver::fit(likelihood, data, &options)?;
        let mut interval = interval_from(likelihood, data, &refit, name, level, false)?;
        interval.nll_passes += profiler.nll_passes + refit.nll_passes();
        interval.refit = Some(Box::new(refit));
        return Ok(interval);
    }
    let mut points = profiler.points;
    if !points.iter().any(|p| p.0.to_bits() == estimate.to_bits()) {
        points.push((estimate, 0.0));
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(ProfileInterval {
        name: name.to_string(),
        level,
        estimate,
        lower,
        upper,
        cutoff,
        points,
        nll_passes: profiler.nll_passes,
        refit: None,
    })
}
