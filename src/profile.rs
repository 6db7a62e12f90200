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
/// Growing steps the search goes on for past the first crossing, looking for further pieces
/// of the confidence set (a profile can dip below its cut-off again).
const EXTRA_STEPS: usize = 8;
/// Past the first crossing the search stops where the statistic exceeds this (a likelihood
/// ratio of e^-50): a further piece would need the profile to fall back from there.
const SCAN_CEILING: f64 = 100.0;
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
    pieces: Vec<(Limit, Limit)>,
    nll_passes: u64,
    refit: Option<Box<Fit>>,
    degenerate: Vec<f64>,
}

impl ProfileInterval {
    /// Values of the parameter where the profile fell onto a degenerate point, below the fit's
    /// NLL but not an optimum (a scale collapsed onto one observation: the likelihood is
    /// unbounded there). The interval is that of the local maximum; these values are outside it.
    pub fn degenerate(&self) -> &[f64] {
        &self.degenerate
    }

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

    /// Every piece of the confidence set, in increasing order: `[lower, upper]` around the
    /// estimate, and any further stretch where the profile comes back below the cut-off
    /// (searched for some way past each end).
    pub fn pieces(&self) -> &[(Limit, Limit)] {
        &self.pieces
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
        if self.pieces.len() > 1 {
            write!(f, "; the confidence set has {} pieces:", self.pieces.len())?;
            for (i, (a, b)) in self.pieces.iter().enumerate() {
                write!(f, "{} [{a}, {b}]", if i == 0 { "" } else { " ∪" })?;
            }
        }
        if self.refit.is_some() {
            write!(
                f,
                "; the profile found a better optimum and the model was refitted"
            )?;
        }
        if let Some(first) = self.degenerate.first() {
            write!(
                f,
                "; at {} = {first:.6} (and {} other values) the inner fit fell onto a degenerate point (the likelihood is unbounded there: a scale collapses), counted as outside the set",
                self.name,
                self.degenerate.len() - 1
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
    /// Values where the inner fit fell below the fit's NLL onto a degenerate point (its
    /// Hessian not positive definite or not finite: a scale collapsed onto one observation).
    degenerate: Vec<f64>,
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
            degenerate: Vec::new(),
        }
    }

    /// Whether the inner fit at `value`, which fell below the fit's NLL, ended at a verified
    /// optimum of the others: converged with a positive-definite, finite Hessian (the same test
    /// multi-start applies before it prefers an optimum).
    fn verified(&mut self, value: f64) -> Result<bool> {
        let mut list: Vec<Param> = self.likelihood.params.all().to_vec();
        list[self.k].space = Space::Fixed(value);
        list[self.k].start = value;
        let fixed = Params::new(list)?;
        let options = FitOptions {
            warm_start: false,
            start: Some(self.warm.clone()),
            ..FitOptions::new(Method::Lbfgs)
        };
        let check = solver::fit(self.likelihood.with_params(&fixed), self.data, &options)?;
        self.nll_passes += check.nll_passes();
        Ok(solver::is_verified(&check))
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
            if !self.verified(value)? {
                // Not a better optimum: the likelihood is unbounded there (a mixture's scale
                // collapsing onto one observation). The local profile does not reach this
                // value; to the search it lies outside the confidence set.
                self.degenerate.push(value);
                return Ok(f64::INFINITY);
            }
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
    ) -> Result<(Limit, Vec<(Limit, Limit)>)> {
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
                return Ok((edge(), Vec::new()));
            };
            let d = self.deviance(value)?;
            if self.better.is_some() {
                return Ok((Limit::Unbounded, Vec::new()));
            }
            if d >= cutoff {
                bracket = Some((t, d));
                break;
            }
            (inside, d_inside) = (t, d);
            step *= GROWTH;
        }
        let Some((outside, d_outside)) = bracket else {
            return Ok((edge(), Vec::new()));
        };
        let t = self.root(
            &value_at,
            (inside, d_inside),
            (outside, d_outside),
            cutoff,
            se_u,
        )?;
        let Some(t) = t else {
            return Ok((edge(), Vec::new()));
        };
        let first = value_at(t).map_or_else(edge, Limit::Crossing);
        let more = self.beyond(&value_at, &edge, (outside, d_outside), step, cutoff, se_u)?;
        Ok((first, more))
    }

    /// Past the first crossing, where the statistic is above the cut-off at `from`, goes on
    /// outwards for [`EXTRA_STEPS`] growing steps: every stretch where the statistic comes
    /// back below the cut-off is a further piece of the confidence set, returned as (entry,
    /// exit) in the order met.
    fn beyond(
        &mut self,
        value_at: &dyn Fn(f64) -> Option<f64>,
        edge: &dyn Fn() -> Limit,
        from: (f64, f64),
        mut step: f64,
        cutoff: f64,
        se_u: f64,
    ) -> Result<Vec<(Limit, Limit)>> {
        let mut pieces = Vec::new();
        let (mut t_prev, mut d_prev) = from;
        let mut before: Option<(f64, f64)> = None;
        let mut entry: Option<Limit> = None;
        for _ in 0..EXTRA_STEPS {
            step *= GROWTH;
            let t = t_prev + step;
            let Some(value) = value_at(t) else { break };
            // Far out the inner fits can fail (an extreme value of the parameter): the search
            // for further pieces ends there; the interval found stands.
            let Ok(d) = self.deviance(value) else { break };
            if self.better.is_some() {
                return Ok(pieces);
            }
            let below = d < cutoff;
            let was_below = d_prev < cutoff;
            // A dip between samples that all lie above the cut-off: a piece narrower than the
            // steps may hide at its bottom.
            if let Some((t_pp, d_pp)) = before
                && entry.is_none()
                && !below
                && !was_below
                && d_prev < d_pp
                && d_prev < d
            {
                let Ok(Some((t_min, d_min))) = self.bottom(value_at, t_pp, t, se_u) else {
                    break;
                };
                if d_min < cutoff {
                    let enter = self.root(value_at, (t_min, d_min), (t_pp, d_pp), cutoff, se_u);
                    let leave = self.root(value_at, (t_min, d_min), (t, d), cutoff, se_u);
                    let (Ok(enter), Ok(leave)) = (enter, leave) else {
                        break;
                    };
                    let limit =
                        |r: Option<f64>| r.and_then(value_at).map_or_else(edge, Limit::Crossing);
                    pieces.push((limit(enter), limit(leave)));
                }
            }
            if below != was_below {
                let (low, high) = if below {
                    ((t, d), (t_prev, d_prev))
                } else {
                    ((t_prev, d_prev), (t, d))
                };
                let Ok(root) = self.root(value_at, low, high, cutoff, se_u) else {
                    break;
                };
                let crossing = root.and_then(value_at).map_or_else(edge, Limit::Crossing);
                match entry.take() {
                    None => entry = Some(crossing),
                    Some(start) => pieces.push((start, crossing)),
                }
            }
            before = Some((t_prev, d_prev));
            (t_prev, d_prev) = (t, d);
            if d > SCAN_CEILING && entry.is_none() {
                break;
            }
        }
        // A piece still open where the scan ended runs on, to the edge if it was reached.
        if let Some(start) = entry {
            let end = if value_at(t_prev + step * GROWTH).is_none() {
                edge()
            } else {
                Limit::Unbounded
            };
            pieces.push((start, end));
        }
        Ok(pieces)
    }

    /// The lowest statistic between `a` and `b` (golden-section search to a thousandth of a
    /// standard error), with where it is; `None` when the parameter leaves its space.
    fn bottom(
        &mut self,
        value_at: &dyn Fn(f64) -> Option<f64>,
        a: f64,
        b: f64,
        se_u: f64,
    ) -> Result<Option<(f64, f64)>> {
        let phi = 0.5 * (5f64.sqrt() - 1.0);
        let (mut a, mut b) = (a.min(b), a.max(b));
        let at = |t: f64, this: &mut Self| -> Result<Option<f64>> {
            match value_at(t) {
                Some(v) => this.deviance(v).map(Some),
                None => Ok(None),
            }
        };
        let (mut c, mut d) = (b - phi * (b - a), a + phi * (b - a));
        let (Some(mut fc), Some(mut fd)) = (at(c, self)?, at(d, self)?) else {
            return Ok(None);
        };
        for _ in 0..MAX_ROOT {
            if b - a <= 1e-3 * se_u {
                break;
            }
            if fc < fd {
                (b, d, fd) = (d, c, fc);
                c = b - phi * (b - a);
                let Some(v) = at(c, self)? else {
                    return Ok(None);
                };
                fc = v;
            } else {
                (a, c, fc) = (c, d, fd);
                d = a + phi * (b - a);
                let Some(v) = at(d, self)? else {
                    return Ok(None);
                };
                fd = v;
            }
        }
        Ok(Some(if fc < fd { (c, fc) } else { (d, fd) }))
    }

    /// The crossing of the cut-off between `below` (statistic under it) and `above`, by the
    /// Illinois method (regula falsi that halves the weight of an end kept twice); `None`
    /// when the parameter leaves its space on the way.
    fn root(
        &mut self,
        value_at: &dyn Fn(f64) -> Option<f64>,
        below: (f64, f64),
        above: (f64, f64),
        cutoff: f64,
        se_u: f64,
    ) -> Result<Option<f64>> {
        let (mut inside, d_inside) = below;
        let (mut outside, d_outside) = above;
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
                return Ok(None);
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
        Ok(Some(if (outside - inside).abs() > 0.0 {
            (inside * g_out - outside * g_in) / (g_out - g_in)
        } else {
            inside
        }))
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
    refuse_pseudo(likelihood)?;
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
/// A pseudo-likelihood (sampling weights) has no likelihood-ratio calibration: its profile
/// would print an interval of the wrong width.
pub(crate) fn refuse_pseudo<O, F: LogDensity<O>, S>(
    likelihood: Likelihood<'_, O, F, S>,
) -> Result<()> {
    if likelihood.density.pseudo_likelihood() {
        return Err(Error::PseudoLikelihood {
            what: "a profile-likelihood interval or a likelihood-ratio test",
        });
    }
    Ok(())
}

pub(crate) fn interval<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    fit: &Fit,
    name: &str,
    level: f64,
) -> Result<ProfileInterval> {
    check_level(level)?;
    refuse_pseudo(likelihood)?;
    let (_, space) = locate(likelihood.params, name)?;
    if let Space::Fixed(fixed) = space {
        return Err(Error::FixedParameterChanged {
            name: name.to_string(),
            fixed,
            value: fixed,
        });
    }
    fit.check_belongs(likelihood, data)?;
    interval_from(likelihood, data, fit, name, level, MAX_REFITS)
}

/// How many times a profile refits from a better point it met before it gives up.
const MAX_REFITS: usize = 3;

fn interval_from<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    likelihood: Likelihood<'_, O, F, S>,
    data: &[O],
    fit: &Fit,
    name: &str,
    level: f64,
    refits_left: usize,
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
    let (lower, below) = if profiler.better.is_none() {
        profiler.limit(space, u_hat, se_u, cutoff, -1.0, fit.estimates())?
    } else {
        (Limit::Unbounded, Vec::new())
    };
    let (upper, above) = if profiler.better.is_none() {
        profiler.limit(space, u_hat, se_u, cutoff, 1.0, fit.estimates())?
    } else {
        (Limit::Unbounded, Vec::new())
    };
    // Every piece of the confidence set, in increasing order of the parameter: those met
    // below the estimate (entry above exit there), the main one, those above.
    let mut pieces: Vec<(Limit, Limit)> = below.into_iter().rev().map(|(a, b)| (b, a)).collect();
    pieces.push((lower, upper));
    pieces.extend(above);
    if let Some(point) = profiler.better.take() {
        if refits_left == 0 {
            let nll = objective::nll(likelihood.density, data, &point)?;
            return Err(Error::BetterOptimum {
                nll,
                fit_nll: fit.nll(),
                refits: MAX_REFITS,
            });
        }
        let options = FitOptions {
            warm_start: false,
            start: Some(point),
            ..FitOptions::new(fit.method())
        };
        let mut refit = solver::fit(likelihood, data, &options)?;
        let mut spent = refit.nll_passes();
        // From a point the fit's own method could not settle from (a simplex that collapses
        // on a ridge), L-BFGS's gradient takes over.
        if !refit.converged() && fit.method() != Method::Lbfgs {
            let lbfgs = FitOptions {
                method: Method::Lbfgs,
                tolerance: crate::options::LBFGS_TOLERANCE,
                max_iters: crate::options::LBFGS_MAX_ITERS,
                ..options
            };
            let again = solver::fit(likelihood, data, &lbfgs)?;
            spent += again.nll_passes();
            if again.converged() {
                refit = again;
            }
        }
        let mut interval = interval_from(likelihood, data, &refit, name, level, refits_left - 1)?;
        interval.nll_passes += profiler.nll_passes + spent;
        // After more than one refit the innermost one is the fit the interval is about.
        interval.refit.get_or_insert_with(|| Box::new(refit));
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
        pieces,
        nll_passes: profiler.nll_passes,
        refit: None,
        degenerate: profiler.degenerate,
    })
}
