//! Observed information at the optimum: the Hessian of the summed NLL by second differences of
//! the cost in the engine's scaled coordinates, then standard errors, covariance and correlation
//! in the user's parameters by the delta method across the transforms.
//!
//! finitediff's Hessians use one absolute step for every parameter, which was measured 1e-3 off
//! at n = 1e6. Here the step is taken in coordinates of unit curvature, so one step size suits
//! every parameter, and the Hessian is computed twice (steps `h` and `h/2`) to measure how much
//! the standard errors depend on it.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::density::{LogDensity, Score};
use crate::inference::Inference;
use crate::objective::{Objective, resolvable};
use crate::outcome::SeUnavailable;

/// Second-difference step in the scaled coordinates (unit curvature), balancing truncation
/// error (∝ h²) against rounding of the NLL (∝ ε|f|/h²).
const HESSIAN_STEP: f64 = 3e-4;

/// A Hessian whose condition number (scaled to unit diagonal) exceeds this is measured again
/// along its own principal axes.
const WHITEN_CONDITION: f64 = 10.0;

/// Times at most a Hessian is measured along principal axes, each time in the frame of the
/// one before, until its eigenvalues there are within [`FRAME_SLACK`] of 1.
const WHITEN_ROUNDS: usize = 3;

/// A principal frame is good enough when the Hessian measured in it has eigenvalues within
/// this factor of 1: each direction's step is then within `√FRAME_SLACK` of the one suited to
/// its curvature.
const FRAME_SLACK: f64 = 4.0;

/// Steps `h` and `h/2` of a measurement along principal axes whose Hessians disagree by more
/// than this (in the whitened frame, where the Hessian is about the identity) are extrapolated.
const STEP_AGREEMENT: f64 = 1e-6;

/// Times the Hessian is taken again with steps corrected by its own diagonal.
const STEP_CORRECTIONS: usize = 2;

/// An eigenvalue of the Hessian (scaled to unit diagonal) below this fraction of the largest is
/// zero whatever the step comparison says.
const FLAT_RATIO: f64 = 1e-10;

/// Eigenvalues within this many times the change between the `h` and `h/2` Hessians are
/// indistinguishable from zero.
const FLAT_MARGIN: f64 = 10.0;

/// With a supplied score the Hessian is the central difference of the score, whose error is
/// O(h²) plus the score's rounding over h: steps this much shorter than the NLL's second
/// differences take (∛ε against 3e-4 at unit curvature).
const SCORE_STEP_FACTOR: f64 = 6e-6 / HESSIAN_STEP;

/// The Hessian of the mean NLL in the unconstrained coordinates at `u` (where it is `f`),
/// steps `steps`: exact from a score with exact second derivatives (one pass, steps unused),
/// from differences of the supplied score when there is one (2p score passes), else from
/// second differences of the NLL (`p² + p` evaluations).
fn hessian<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
    steps: &[f64],
) -> Option<DMatrix<f64>> {
    if let Some(exact) = objective.exact_hessian_at_u(u) {
        exact.ok().filter(|h| h.iter().all(|v| v.is_finite()))
    } else if objective.has_score() {
        score_hessian(objective, u, steps)
    } else {
        nll_hessian(objective, u, f, steps)
    }
}

/// Up to this many free parameters the standard errors' stability is judged on a whole second
/// Hessian at half the steps (`p² + p` more passes); beyond, on its diagonal alone (`2p`),
/// the off-diagonal terms kept from the first: at p = 40 that is 80 passes instead of 1640,
/// and the diagonal carries the truncation and rounding errors the check looks for.
const FULL_STABILITY_MAX: usize = 8;

/// `h` with its diagonal measured again at `steps` by second differences of the NLL.
fn halved_diagonal<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
    steps: &[f64],
    h: &DMatrix<f64>,
) -> Option<DMatrix<f64>> {
    let mut out = h.clone();
    let mut point = u.to_vec();
    for (i, &step) in steps.iter().enumerate() {
        let hi = (u[i] + step) - u[i];
        point[i] = u[i] + hi;
        let plus = objective.mean_nll_at_u(&point).ok()?;
        point[i] = u[i] - hi;
        let minus = objective.mean_nll_at_u(&point).ok()?;
        point[i] = u[i];
        out[(i, i)] = (plus - 2.0 * f + minus) / (hi * hi);
    }
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// Column `j` is `(g(u + hⱼeⱼ) − g(u − hⱼeⱼ)) / 2hⱼ` for the score's gradient `g`, steps made
/// exact; the result is symmetrized.
fn score_hessian<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    steps: &[f64],
) -> Option<DMatrix<f64>> {
    let p = u.len();
    let mut h = DMatrix::zeros(p, p);
    for j in 0..p {
        let step = resolvable(SCORE_STEP_FACTOR * steps[j], f64::EPSILON * u[j].abs());
        let hj = (u[j] + step) - u[j];
        let mut point = u.to_vec();
        point[j] = u[j] + hj;
        let plus = objective.score_gradient_at_u(&point)?.ok()?;
        point[j] = u[j] - hj;
        let minus = objective.score_gradient_at_u(&point)?.ok()?;
        for i in 0..p {
            h[(i, j)] = (plus[i] - minus[i]) / (2.0 * hj);
        }
    }
    let h = (&h + h.transpose()) * 0.5;
    h.iter().all(|v| v.is_finite()).then_some(h)
}

/// The Hessian of the mean NLL in the unconstrained coordinates at `u` (where it is `f`),
/// steps `steps`, by second differences of the NLL. Each step is first made exact, `δ = (u + δ) − u` in floating point, so that
/// `u ± δ` are the points the formula assumes: at a location of 1e6 with a scale of 1e-3 a
/// rounded step alone puts 4e-4 of error into the curvature.
fn nll_hessian<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
    steps: &[f64],
) -> Option<DMatrix<f64>> {
    let p = u.len();
    let steps: Vec<f64> = u.iter().zip(steps).map(|(u, h)| (u + h) - u).collect();
    let moved = |moves: &[(usize, f64)]| {
        let mut point = u.to_vec();
        for &(k, d) in moves {
            point[k] += d;
        }
        point
    };
    // u ± h_i e_i for each i, each followed by u ± (h_i e_i + h_j e_j) for each j < i: two
    // more points per pair instead of four, with the axial ones already known.
    let mut points = Vec::with_capacity(p * (p + 1));
    for i in 0..p {
        points.push(moved(&[(i, steps[i])]));
        points.push(moved(&[(i, -steps[i])]));
        for j in 0..i {
            points.push(moved(&[(i, steps[i]), (j, steps[j])]));
            points.push(moved(&[(i, -steps[i]), (j, -steps[j])]));
        }
    }
    // Beyond a few parameters, every point in one pass over the data.
    let values = if p > FULL_STABILITY_MAX {
        objective.mean_nll_batch_at_u(&points)?
    } else {
        points
            .iter()
            .map(|point| objective.mean_nll_at_u(point).ok())
            .collect::<Option<Vec<f64>>>()?
    };
    let mut h = DMatrix::zeros(p, p);
    // f(u ± h_i e_i), kept for the mixed second differences.
    let mut sides = Vec::with_capacity(p);
    let mut next = values.iter().copied();
    for i in 0..p {
        let hi = steps[i];
        let (plus, minus) = (next.next()?, next.next()?);
        h[(i, i)] = (plus - 2.0 * f + minus) / (hi * hi);
        sides.push(plus + minus);
        for j in 0..i {
            // f(+h_i, +h_j) + f(−h_i, −h_j) − Σ f(±h_i) − Σ f(±h_j) + 2f = 2 H_ij h_i h_j + O(h⁴).
            let hj = steps[j];
            let (pp, mm) = (next.next()?, next.next()?);
            let v = (pp + mm - sides[i] - sides[j] + 2.0 * f) / (2.0 * hi * hj);
            h[(i, j)] = v;
            h[(j, i)] = v;
        }
    }
    h.iter().all(|v| v.is_finite()).then_some(h)
}

/// The Hessian of the mean NLL in the unconstrained coordinates at `u` (where it is `f`), once,
/// with the step of unit curvature in the current coordinates: the model a trust-region step
/// is taken in, far from the optimum, where the step corrections and the stability check of
/// [`observe`] would buy nothing.
pub(crate) fn local_hessian<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
) -> Option<DMatrix<f64>> {
    let spacing: Vec<f64> = u.iter().map(|u| f64::EPSILON * u.abs()).collect();
    hessian(objective, u, f, &unit_steps(objective, &spacing))
}

/// [`local_hessian`] measured along the principal axes of `frame` (a positive-definite
/// Hessian in `u` measured nearby): each direction gets a step suited to its curvature, so
/// that the weak directions of an ill-conditioned Hessian are measured as well as the strong
/// ones. `None` when `frame` is not positive definite or a point is not finite.
pub(crate) fn local_hessian_in_frame<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
    frame: &DMatrix<f64>,
) -> Option<DMatrix<f64>> {
    whitened_once(objective, u, f, frame, false, HESSIAN_STEP).map(|(h, _, _)| h)
}

/// Steps in `u` of [`HESSIAN_STEP`] in coordinates of unit curvature (each coordinate's scale
/// over the square root of its calibrated curvature), lengthened to be resolvable against
/// `spacing`.
fn unit_steps<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    spacing: &[f64],
) -> Vec<f64> {
    let coords = objective.coords();
    coords
        .curvature()
        .iter()
        .zip(coords.scales())
        .zip(spacing)
        .map(|((c, s), sp)| resolvable(HESSIAN_STEP * s / c.sqrt(), *sp))
        .collect()
}

/// Covariance in the user's parameters from the Hessian `h` of the mean NLL in `u`:
/// `Cov(θ) = J (n h)⁻¹ J` with `J = diag(dθ/du)`.
fn covariance(h: &DMatrix<f64>, n: f64, jac: &[f64]) -> Option<DMatrix<f64>> {
    let inverse = (h * n).cholesky()?.inverse();
    Some(DMatrix::from_fn(jac.len(), jac.len(), |i, j| {
        inverse[(i, j)] * jac[i] * jac[j]
    }))
}

/// Computes the observed information at `z` (mean NLL `f`), in the unconstrained coordinates,
/// and what follows from it in the user's parameters `theta`: the Hessian with steps `h`
/// corrected to its own diagonal, and (with `stability`) again with steps `h/2` to measure how
/// much the standard errors depend on the step.
pub(crate) fn observe<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    z: &[f64],
    f: f64,
    theta: &[f64],
    stability: bool,
) -> Curvature {
    let unavailable = |hessian| Curvature {
        hessian,
        result: Err(SeUnavailable::NonFiniteNearEstimates),
    };
    let coords = objective.coords();
    let u = coords.u_of(z);
    let spacing: Vec<f64> = u.iter().map(|u| f64::EPSILON * u.abs()).collect();
    let Some((h1, steps)) = corrected_hessian(objective, &u, f, &spacing) else {
        return unavailable(None);
    };
    // Ill-conditioned: measured along the coordinate axes, the weak direction's curvature is
    // a small difference of large ones and rounding swamps it. Measured again along the
    // Hessian's own principal axes, every direction gets a step suited to its curvature.
    // A Hessian that is indefinite by a hair along the axes (a correlation of 1 − 4e-8 read
    // as 1 + 4e-8) is measured again too, in the frame of its absolute eigenvalues: the
    // measurement along its own axes says whether it is.
    // It stands only if it finds the Hessian positive definite; a flat direction (a
    // likelihood that depends on a − b only) is judged from the axes, as before.
    let (frame, ambiguous) = if scaled_condition(&h1).is_some_and(|c| c > WHITEN_CONDITION) {
        (Some(h1.clone()), false)
    } else {
        (ambiguous_frame(&h1), true)
    };
    if !objective.has_score()
        && let Some(frame) = frame
        && let Some((w1, w2, frame)) = whitened_hessians(objective, &u, f, &frame, stability)
    {
        let params = objective.params();
        let names: Vec<String> = params.all().iter().map(|p| p.name.clone()).collect();
        let jac = jacobian_u(objective, theta);
        let result = analyse(
            &w1,
            &w2,
            objective.n(),
            &jac,
            (&names, params.free()),
            frame,
        );
        if !ambiguous || result.is_ok() {
            return Curvature {
                hessian: Some(w1),
                result,
            };
        }
    }
    // An exact Hessian does not depend on a step: there is no second one to compare.
    let h2 = if stability && !objective.has_exact_hessian() {
        let halved: Vec<f64> = steps
            .iter()
            .zip(&spacing)
            .map(|(h, sp)| resolvable(0.5 * h, *sp))
            .collect();
        let second = if objective.has_score() || u.len() <= FULL_STABILITY_MAX {
            hessian(objective, &u, f, &halved)
        } else {
            halved_diagonal(objective, &u, f, &halved, &h1)
        };
        let Some(h2) = second else {
            return unavailable(Some(h1));
        };
        h2
    } else {
        h1.clone()
    };
    let jac = jacobian_u(objective, theta);
    let params = objective.params();
    let names: Vec<String> = params.all().iter().map(|p| p.name.clone()).collect();
    let result = analyse(
        &h1,
        &h2,
        objective.n(),
        &jac,
        (&names, params.free()),
        Frame::Axes,
    );
    Curvature {
        hessian: Some(h1),
        result,
    }
}

/// The direction in `u` along which `h` is flattest: the eigenvector of the eigenvalue
/// smallest in size of `h` scaled by the sizes of its diagonal (a zero diagonal left
/// unscaled), in `u`.
pub(crate) fn flattest(h: &DMatrix<f64>) -> Vec<f64> {
    let p = h.nrows();
    let scale: Vec<f64> = (0..p)
        .map(|k| {
            let d = h[(k, k)].abs();
            if d > 0.0 { d.sqrt().recip() } else { 1.0 }
        })
        .collect();
    let r = DMatrix::from_fn(p, p, |i, j| h[(i, j)] * scale[i] * scale[j]);
    let eigen = SymmetricEigen::new(r);
    let low = (0..p)
        .min_by(|&a, &b| {
            eigen.eigenvalues[a]
                .abs()
                .total_cmp(&eigen.eigenvalues[b].abs())
        })
        .unwrap_or(0);
    let v = eigen.eigenvectors.column(low);
    (0..p).map(|k| v[k] * scale[k]).collect()
}

/// dθ/du at `theta`: the Jacobian of the transforms alone.
fn jacobian_u<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    theta: &[f64],
) -> Vec<f64> {
    let coords = objective.coords();
    coords
        .jacobian(theta)
        .iter()
        .zip(coords.scales())
        .map(|(j, s)| j / s)
        .collect()
}

/// The condition number of `h` scaled to unit diagonal, when its diagonal is positive.
pub(crate) fn scaled_condition(h: &DMatrix<f64>) -> Option<f64> {
    let p = h.nrows();
    if (0..p).any(|k| h[(k, k)].partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)) {
        return None;
    }
    let r = DMatrix::from_fn(p, p, |i, j| h[(i, j)] / (h[(i, i)] * h[(j, j)]).sqrt());
    let eigen = SymmetricEigen::new(r);
    let max = eigen.eigenvalues.max();
    let min = eigen.eigenvalues.min();
    (min > 0.0).then(|| max / min)
}

/// A Hessian whose scaled condition number exceeds this is singular but for rounding (a flat
/// direction): whitening it would send steps and differences off along that direction.
pub(crate) const SINGULAR_CONDITION: f64 = 1e13;

/// The smallest eigenvalue (relative to the largest, of `h` scaled to unit diagonal) that
/// can be a rounding artefact of differences along the axes rather than the curvature.
const AMBIGUOUS_CURVATURE: f64 = 1e-4;

/// A positive-definite frame for a Hessian with a positive diagonal whose smallest scaled
/// eigenvalue is not positive but within [`AMBIGUOUS_CURVATURE`] of zero: the same eigenvectors
/// with absolute eigenvalues (floored at `FLAT_RATIO` of the largest). `None` otherwise.
fn ambiguous_frame(h: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let p = h.nrows();
    if (0..p).any(|k| h[(k, k)].partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)) {
        return None;
    }
    let d: Vec<f64> = (0..p).map(|k| h[(k, k)].sqrt()).collect();
    let r = DMatrix::from_fn(p, p, |i, j| h[(i, j)] / (d[i] * d[j]));
    let eigen = SymmetricEigen::new(r);
    let (min, max) = (eigen.eigenvalues.min(), eigen.eigenvalues.max());
    if !(min <= 0.0 && -min <= AMBIGUOUS_CURVATURE * max) {
        return None;
    }
    let floor = FLAT_RATIO * max;
    let lambda = eigen.eigenvalues.map(|v| v.abs().max(floor));
    let q = &eigen.eigenvectors;
    let r = q * DMatrix::from_diagonal(&lambda) * q.transpose();
    let frame = DMatrix::from_fn(p, p, |i, j| r[(i, j)] * d[i] * d[j]);
    frame.iter().all(|v| v.is_finite()).then_some(frame)
}

/// Where the Hessians were measured, which sets how their difference is read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Frame {
    /// Along the coordinate axes: the step's effect is about the same on every entry of the
    /// Hessian scaled to unit diagonal.
    Axes,
    /// Along the principal axes of a first Hessian: the Hessian there is about the identity,
    /// and its smallest eigenvalue is judged against the steps' difference in that frame.
    Whitened {
        /// The smallest and largest eigenvalues of the Hessian in the principal frame (about 1).
        smallest: f64,
        largest: f64,
        /// `p · max |H_w(h) − H_w(h/2)|` in that frame.
        uncertainty: f64,
    },
}

/// The Hessians (steps `h` and `h/2`) of the mean NLL in `u`, measured by second differences
/// along the principal axes of `h_u`: with `h_u = L Lᵀ` and `R = L⁻ᵀ` (so `Rᵀ h_u R = I`),
/// the second differences along the columns of `D = h R` give `M = Dᵀ H D`, and
/// `H = L M Lᵀ / h²`. `None` unless `h_u` is positive definite and every point is finite.
fn whitened_hessians<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
    h_u: &DMatrix<f64>,
    stability: bool,
) -> Option<(DMatrix<f64>, DMatrix<f64>, Frame)> {
    let mut frame = h_u.clone();
    let mut measured = whitened_once(objective, u, f, h_u, stability, HESSIAN_STEP)?;
    // A frame from a Hessian whose weak direction was measured along the axes can be far from
    // whitening: that direction's curvature read 500 times too high at condition 1e8, its
    // step was then too short to measure it, and rounding made it look flat. The Hessian just
    // measured gives a better frame; measure again in it until the frame is nearly right.
    for _ in 1..WHITEN_ROUNDS {
        let (
            _,
            _,
            Frame::Whitened {
                smallest, largest, ..
            },
        ) = measured
        else {
            break;
        };
        if smallest >= 1.0 / FRAME_SLACK && largest <= FRAME_SLACK {
            break;
        }
        match whitened_once(objective, u, f, &measured.0, stability, HESSIAN_STEP) {
            Some(better) => {
                frame = measured.0.clone();
                measured = better;
            }
            None => break,
        }
    }
    // On a curved valley (condition 1e8, sums of exponentials) a straight step along a weak
    // direction climbs the valley's walls: the second difference along it carries an `h²`
    // term that steps `h` and `h/2` show as a disagreement of 1e-2. Richardson extrapolation,
    // `(4 H(h/2) − H(h))/3`, is free of it but amplifies rounding; from steps `2h`, `h`,
    // `h/2` and `h/4`, the two successive extrapolations that agree best are kept (the finer
    // as the Hessian, the other for the stability check) when they agree better than the
    // plain pair.
    if stability
        && u.len() <= FULL_STABILITY_MAX
        && let Frame::Whitened { uncertainty, .. } = measured.2
        && uncertainty > STEP_AGREEMENT
        && let Some(r) = frame
            .clone()
            .cholesky()
            .and_then(|c| c.l().try_inverse())
            .map(|l_inv| l_inv.transpose())
        && let Some((double, _, _)) =
            whitened_once(objective, u, f, &frame, false, 2.0 * HESSIAN_STEP)
        && let Some((quarter, _, _)) =
            whitened_once(objective, u, f, &frame, false, 0.25 * HESSIAN_STEP)
    {
        let steps = [&double, &measured.0, &measured.1, &quarter];
        let extrapolations: Vec<DMatrix<f64>> = steps
            .windows(2)
            .map(|pair| (pair[1] * 4.0 - pair[0]) / 3.0)
            .collect();
        let in_frame = |h: &DMatrix<f64>| r.transpose() * h * &r;
        let best = extrapolations
            .windows(2)
            .map(|pair| {
                let disagreement = (in_frame(&pair[0]) - in_frame(&pair[1])).amax();
                (disagreement * u.len() as f64, pair)
            })
            .filter(|(d, pair)| d.is_finite() && pair[1].iter().all(|v| v.is_finite()))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((extrapolated, pair)) = best
            && extrapolated < uncertainty
        {
            let eigenvalues = SymmetricEigen::new(in_frame(&pair[1])).eigenvalues;
            measured = (
                pair[1].clone(),
                pair[0].clone(),
                Frame::Whitened {
                    smallest: eigenvalues.min(),
                    largest: eigenvalues.max(),
                    uncertainty: extrapolated,
                },
            );
        }
    }
    Some(measured)
}

/// One measurement of [`whitened_hessians`] in the frame of `h_u`, steps `step` and `step / 2`
/// in the whitened coordinates.
fn whitened_once<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
    h_u: &DMatrix<f64>,
    stability: bool,
    step: f64,
) -> Option<(DMatrix<f64>, DMatrix<f64>, Frame)> {
    let l = h_u.clone().cholesky()?.l();
    let r = l.clone().try_inverse()?.transpose();
    // The Hessian in the principal frame, `M / h²`, symmetrized.
    let measure = |step: f64| -> Option<DMatrix<f64>> {
        let m = directional_hessian(objective, u, f, &(&r * step))? / (step * step);
        let m = (&m + m.transpose()) * 0.5;
        m.iter().all(|v| v.is_finite()).then_some(m)
    };
    let w1 = measure(step)?;
    let w2 = if !stability {
        w1.clone()
    } else if u.len() <= FULL_STABILITY_MAX {
        measure(0.5 * step)?
    } else {
        // The diagonal alone at half the step, along the principal axes.
        let half = &r * (0.5 * step);
        let mut w2 = w1.clone();
        for k in 0..u.len() {
            let d = half.column(k);
            let at = |sign: f64| {
                let point: Vec<f64> = u.iter().zip(d.iter()).map(|(u, d)| u + sign * d).collect();
                objective.mean_nll_at_u(&point).ok()
            };
            let (plus, minus) = (at(1.0)?, at(-1.0)?);
            w2[(k, k)] = (plus - 2.0 * f + minus) / (0.25 * step * step);
        }
        w2.iter().all(|v| v.is_finite()).then_some(w2)?
    };
    let eigenvalues = SymmetricEigen::new(w1.clone()).eigenvalues;
    let frame = Frame::Whitened {
        smallest: eigenvalues.min(),
        largest: eigenvalues.max(),
        uncertainty: (&w1 - &w2).amax() * w1.nrows() as f64,
    };
    let back = |w: &DMatrix<f64>| {
        let h = &l * w * l.transpose();
        (&h + h.transpose()) * 0.5
    };
    Some((back(&w1), back(&w2), frame))
}

/// `Dᵀ H D` by second differences of the mean NLL along the columns of `D` (displacements in
/// `u`), with two extra points per pair as in [`nll_hessian`].
fn directional_hessian<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
    d: &DMatrix<f64>,
) -> Option<DMatrix<f64>> {
    let p = u.len();
    // Each displacement made exact in floating point, component by component.
    let columns: Vec<Vec<f64>> = (0..p)
        .map(|j| (0..p).map(|k| (u[k] + d[(k, j)]) - u[k]).collect())
        .collect();
    let at = |moves: &[(usize, f64)]| -> Option<f64> {
        let mut point = u.to_vec();
        for &(j, sign) in moves {
            for (x, dk) in point.iter_mut().zip(&columns[j]) {
                *x += sign * dk;
            }
        }
        objective.mean_nll_at_u(&point).ok()
    };
    let mut m = DMatrix::zeros(p, p);
    let mut sides = Vec::with_capacity(p);
    for i in 0..p {
        let plus = at(&[(i, 1.0)])?;
        let minus = at(&[(i, -1.0)])?;
        m[(i, i)] = plus - 2.0 * f + minus;
        sides.push(plus + minus);
        for j in 0..i {
            let pp = at(&[(i, 1.0), (j, 1.0)])?;
            let mm = at(&[(i, -1.0), (j, -1.0)])?;
            let v = 0.5 * (pp + mm - sides[i] - sides[j] + 2.0 * f);
            m[(i, j)] = v;
            m[(j, i)] = v;
        }
    }
    Some(m)
}

/// The Hessian of the mean NLL in `u` (where it is `f`), with its steps: first from the
/// curvature measured where the run started; where the Hessian shows a step to be far from
/// `HESSIAN_STEP` of its coordinate's natural scale (or the curvature not positive, as a step
/// far too long can make it), taken again with better steps. `None` when the NLL is not finite
/// at a point it needs.
fn corrected_hessian<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    u: &[f64],
    f: f64,
    spacing: &[f64],
) -> Option<(DMatrix<f64>, Vec<f64>)> {
    let mut steps = unit_steps(objective, spacing);
    let mut h = hessian(objective, u, f, &steps)?;
    // An exact Hessian has no step to correct.
    let corrections = if objective.has_exact_hessian() {
        0
    } else {
        STEP_CORRECTIONS
    };
    for _ in 0..corrections {
        let better: Vec<f64> = (0..steps.len())
            .map(|k| {
                let c = h[(k, k)];
                let wanted = if c > 0.0 {
                    HESSIAN_STEP / c.sqrt()
                } else {
                    0.1 * steps[k]
                };
                let ratio = steps[k] / wanted;
                if (0.25..=4.0).contains(&ratio) {
                    steps[k]
                } else {
                    resolvable(wanted, spacing[k])
                }
            })
            .collect();
        if better
            .iter()
            .zip(&steps)
            .all(|(a, b)| a.to_bits() == b.to_bits())
        {
            break;
        }
        steps = better;
        h = hessian(objective, u, f, &steps)?;
    }
    Some((h, steps))
}

/// Standard errors, covariance and correlation from the Hessians `h1` (steps `h`) and `h2`
/// (steps `h/2`) of the mean NLL in the unconstrained coordinates, over `n` observations, with
/// `jac` = dθ/du for the free parameters (at positions `free` among `names`); or why not: a
/// direction along which the NLL is flat or curves down, judged on the Hessian scaled to unit
/// diagonal against the difference the step makes.
fn analyse(
    h1: &DMatrix<f64>,
    h2: &DMatrix<f64>,
    n: f64,
    jac: &[f64],
    (names, free): (&[String], &[usize]),
    frame: Frame,
) -> Result<Inference, SeUnavailable> {
    let p = jac.len();
    // A direction in u, reported in the user's parameters with its largest coefficient 1.
    let direction = |du: Vec<f64>| -> Vec<(String, f64)> {
        let dtheta: Vec<f64> = du.iter().zip(jac).map(|(d, j)| d * j).collect();
        let top = dtheta.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        free.iter()
            .map(|&i| &names[i])
            .zip(&dtheta)
            .filter(|(_, v)| v.abs() >= 1e-3 * top)
            .map(|(name, v)| (name.clone(), v / top))
            .collect()
    };
    if let Some(k) = (0..p).find(|&k| h1[(k, k)] <= 0.0) {
        let mut dz = vec![0.0; p];
        dz[k] = 1.0;
        let largest = (0..p).map(|i| h1[(i, i)]).fold(0.0, f64::max);
        return Err(SeUnavailable::NotPositiveDefinite {
            direction: direction(dz),
            relative_curvature: if largest > 0.0 {
                h1[(k, k)] / largest
            } else {
                h1[(k, k)]
            },
        });
    }
    // Scale to unit diagonal, so eigenvalues compare directions fairly.
    let scale: Vec<f64> = (0..p).map(|k| h1[(k, k)].sqrt().recip()).collect();
    let scaled = |h: &DMatrix<f64>| DMatrix::from_fn(p, p, |i, j| h[(i, j)] * scale[i] * scale[j]);
    let (r1, r2) = (scaled(h1), scaled(h2));
    let uncertainty = (&r1 - &r2).amax() * p as f64;
    let eigen = SymmetricEigen::new(r1);
    let (mut low, mut high) = (0, 0);
    for k in 0..p {
        if eigen.eigenvalues[k] < eigen.eigenvalues[low] {
            low = k;
        }
        if eigen.eigenvalues[k] > eigen.eigenvalues[high] {
            high = k;
        }
    }
    let (lambda_min, lambda_max) = (eigen.eigenvalues[low], eigen.eigenvalues[high]);
    let within_noise = match frame {
        Frame::Axes => lambda_min <= FLAT_MARGIN * uncertainty,
        Frame::Whitened {
            smallest,
            uncertainty,
            ..
        } => smallest <= FLAT_MARGIN * uncertainty,
    };
    if lambda_min <= FLAT_RATIO * lambda_max || within_noise {
        let v = eigen.eigenvectors.column(low);
        let dz = (0..p).map(|k| v[k] * scale[k]).collect();
        return Err(SeUnavailable::NotPositiveDefinite {
            direction: direction(dz),
            relative_curvature: lambda_min / lambda_max,
        });
    }
    let condition = lambda_max / lambda_min;
    let (Some(cov1), Some(cov2)) = (covariance(h1, n, jac), covariance(h2, n, jac)) else {
        return Err(SeUnavailable::NotPositiveDefinite {
            direction: Vec::new(),
            relative_curvature: lambda_min / lambda_max,
        });
    };
    let std_errors: Vec<f64> = (0..p).map(|k| cov1[(k, k)].sqrt()).collect();
    let step_change = (0..p)
        .map(|k| (cov2[(k, k)].sqrt() / std_errors[k] - 1.0).abs())
        .fold(0.0, f64::max);
    let information = DMatrix::from_fn(p, p, |i, j| h1[(i, j)] * n / (jac[i] * jac[j]));
    Ok(Inference::new(
        names.to_vec(),
        free.to_vec(),
        std_errors,
        cov1,
        information,
        condition,
        step_change,
    ))
}

/// The Hessian at the end of a run and what follows from it.
pub(crate) struct Curvature {
    /// The Hessian of the mean NLL in the unconstrained coordinates (step `h`), when it could be
    /// computed: the driver judges the distance to the optimum with it.
    pub(crate) hessian: Option<DMatrix<f64>>,
    /// Standard errors, or why not.
    pub(crate) result: Result<Inference, SeUnavailable>,
}

impl Curvature {
    /// The Newton decrement `√(gᵀ H⁻¹ g)` for a gradient `g_u` in the unconstrained
    /// coordinates, when the Hessian is positive definite: times √n, the distance to the
    /// optimum in standard errors.
    pub(crate) fn decrement(&self, g_u: &[f64]) -> Option<f64> {
        let h = self.hessian.as_ref()?;
        let g = nalgebra::DVector::from_column_slice(g_u);
        let chol = h.clone().cholesky()?;
        let d = g.dot(&chol.solve(&g));
        (d.is_finite() && d >= 0.0).then(|| d.sqrt())
    }

    /// Each coordinate's natural scale `1/√H_kk`, where positive.
    pub(crate) fn scales(&self) -> Option<Vec<f64>> {
        let h = self.hessian.as_ref()?;
        (0..h.nrows())
            .map(|k| (h[(k, k)] > 0.0).then(|| h[(k, k)].sqrt().recip()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXACT: f64 = 1e-12;

    fn names() -> Vec<String> {
        vec!["a".into(), "fixed".into(), "b".into()]
    }

    /// H = diag(4, 1) of the mean NLL over n = 100 with dθ/du = (1, 2): Var(a) = 1/(100·4),
    /// Var(b) = 2²/(100·1).
    #[test]
    fn standard_errors_are_the_inverse_information_through_the_jacobian() {
        let h = DMatrix::from_row_slice(2, 2, &[4.0, 0.0, 0.0, 1.0]);
        let inference =
            analyse(&h, &h, 100.0, &[1.0, 2.0], (&names(), &[0, 2]), Frame::Axes).unwrap();
        approx::assert_relative_eq!(
            inference.std_error("a").unwrap(),
            0.05,
            max_relative = EXACT
        );
        approx::assert_relative_eq!(inference.std_error("b").unwrap(), 0.2, max_relative = EXACT);
        assert_eq!(inference.std_errors()[1], None);
        assert!(matches!(
            inference.std_error("fixed"),
            Err(crate::Error::StdErrorsUnavailable {
                reason: SeUnavailable::Fixed
            })
        ));
        approx::assert_relative_eq!(inference.condition(), 1.0, max_relative = EXACT);
        assert!(inference.step_change().abs() < EXACT);
    }

    /// Perfectly correlated parameters: the NLL is flat along a − b, which is named.
    #[test]
    fn a_flat_direction_is_named() {
        let h = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        let Err(SeUnavailable::NotPositiveDefinite { direction, .. }) =
            analyse(&h, &h, 100.0, &[1.0, 1.0], (&names(), &[0, 2]), Frame::Axes)
        else {
            panic!("a flat direction must be reported");
        };
        let coefficient = |name: &str| direction.iter().find(|(n, _)| n == name).unwrap().1;
        approx::assert_relative_eq!(coefficient("a"), -coefficient("b"), max_relative = EXACT);
    }

    /// A saddle: negative curvature along b, relative to the largest.
    #[test]
    fn negative_curvature_is_reported_relative_to_the_largest() {
        let h = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, -1.0]);
        let result = analyse(&h, &h, 100.0, &[1.0, 1.0], (&names(), &[0, 2]), Frame::Axes);
        assert_eq!(
            result,
            Err(SeUnavailable::NotPositiveDefinite {
                direction: vec![("b".into(), 1.0)],
                relative_curvature: -0.5,
            })
        );
    }

    /// A small eigenvalue that the halved step moves by more than itself is not trusted; an
    /// ill-conditioned but stable Hessian is.
    #[test]
    fn an_eigenvalue_is_judged_against_the_step_change() {
        let stable = DMatrix::from_row_slice(2, 2, &[1.0, 0.999_999, 0.999_999, 1.0]);
        let inference = analyse(
            &stable,
            &stable,
            100.0,
            &[1.0, 1.0],
            (&names(), &[0, 2]),
            Frame::Axes,
        );
        assert!(inference.is_ok(), "{inference:?}");
        let moved = DMatrix::from_row_slice(2, 2, &[1.0, 0.999_99, 0.999_99, 1.0]);
        assert!(matches!(
            analyse(
                &stable,
                &moved,
                100.0,
                &[1.0, 1.0],
                (&names(), &[0, 2]),
                Frame::Axes
            ),
            Err(SeUnavailable::NotPositiveDefinite { .. })
        ));
    }
}
