//! The opening of an L-BFGS fit with several parameters: trust-region Newton steps with a
//! finite-difference Hessian, until the curvature is known.
//!
//! L-BFGS starts with no curvature but the diagonal scales measured at the start: on a
//! nonlinear model with correlated parameters its first line searches can carry a coefficient
//! out of the start's basin (NIST's ENSO from its first start: a period from 25 to 70) and
//! converge, honestly, to another optimum. Here each step minimises the quadratic model of the
//! NLL within a radius (in the scaled coordinates) that grows only while the model predicts the
//! NLL's decrease, so no step goes farther than the local curvature vouches for. Once the
//! Hessian is positive definite and a full Newton step inside the radius did what the model
//! said, the curvature is known: the driver's L-BFGS runs take over in coordinates whitened by
//! that Hessian.
//!
//! Each step costs one Hessian (`p² + p` NLL evaluations, or `2p` score passes) and one
//! gradient, so the opening is used for a few parameters only ([`OPENING_DIMS`]); with an exact
//! Hessian (automatic differentiation) a step costs two passes whatever `p`, and the opening
//! is Newton's method with a trust region, run until the optimum is within reach.

use std::ops::RangeInclusive;

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::Objective;

use super::curvature;
use super::whitening::Whitening;

/// The numbers of free parameters an L-BFGS fit opens with trust-region steps for. With one or
/// two parameters the scales measured at the start are the curvature, near enough; beyond a
/// dozen a Hessian per step costs more passes than L-BFGS's iterations.
pub(crate) const OPENING_DIMS: RangeInclusive<usize> = 3..=12;

/// Steps the opening takes at most before it hands over, known curvature or not (with exact
/// second derivatives, the fit's iteration cap alone).
const OPENING_STEPS: u64 = 100;

/// The first radius, in the scaled coordinates (one unit is about one standard deviation of a
/// single observation's information at the start).
const FIRST_RADIUS: f64 = 1.0;

/// A step whose actual decrease is below this fraction of the predicted one is refused and
/// the radius cut to a quarter of the step.
const ACCEPT_RATIO: f64 = 1e-4;
/// Below this ratio the model is poor and the radius shrinks.
const SHRINK_RATIO: f64 = 0.25;
/// Above this ratio the model is good: the radius doubles when the step reached it; a Newton
/// step inside it whose ratio is within as much of 1 ends the opening.
const GOOD_RATIO: f64 = 0.75;

/// With an exact Hessian, the distance to the optimum (in standard errors, from the Newton
/// decrement before the step) under which a good Newton step ends the opening: quadratic
/// convergence puts the point after it far within the tolerance, and L-BFGS, whitened by the
/// exact Hessian, confirms it with one gradient.
const EXACT_HANDOVER: f64 = 1e-2;

/// A radius this small (in the scaled coordinates) means the model cannot be trusted anywhere
/// near: the opening hands over to L-BFGS as it is.
const SMALLEST_RADIUS: f64 = 1e-10;

/// A Hessian whose scaled condition number exceeds this is the frame of the next step's model
/// and region.
const FRAME_CONDITION: f64 = 1e4;

/// Where the opening ended.
pub(crate) struct Opening {
    /// The user's parameters at the best point reached.
    pub(crate) theta: Vec<f64>,
    /// The Hessian of the mean NLL in the unconstrained coordinates where it became known to be
    /// positive definite and trustworthy; `None` when the opening ended without that.
    pub(crate) hessian: Option<DMatrix<f64>>,
    /// Steps taken (accepted or refused).
    pub(crate) steps: u64,
    /// The accepted points after the start, in the user's parameters.
    pub(crate) path: Vec<Vec<f64>>,
    /// Why it ended.
    pub(crate) end: End,
    /// The mean NLL at `theta`, where the coordinates are centred when it ends.
    pub(crate) f: f64,
}

/// Why the trust-region steps ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The hand-over condition was met: the curvature is known (an opening), or the optimum
    /// is within the tolerance (Newton's method).
    Reached,
    /// The steps allowed were taken.
    Steps,
    /// No step could be taken: the model's derivatives were not finite, or the region shrank
    /// to nothing (the quadratic model is trusted nowhere near).
    Collapsed,
}

/// Where the quadratic model's curvature comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curvature {
    /// The Hessian: second differences of the NLL (`p² + p` evaluations), differences of a
    /// supplied score, or exact.
    Hessian,
    /// BHHH: the mean outer product of the per-observation scores, which one pass of them gives
    /// with the gradient (`2p` evaluations of each observation). Positive semi-definite
    /// everywhere; the information matrix in expectation at the optimum of a correct model.
    OuterProduct,
}

/// How far the trust-region steps go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Until {
    /// Until the curvature is known (the opening of an L-BFGS fit; with an exact Hessian,
    /// until the optimum is within [`EXACT_HANDOVER`] standard errors).
    Curvature,
    /// Until a good Newton step was taken from within this many standard errors of the
    /// optimum (Newton's method as a fit's method).
    Optimum(f64),
}

/// Trust-region Newton steps from `theta` (the coordinates re-centred there with scales
/// `guess` as the first calibration's guess) until the curvature is known, for at most
/// `max_steps` steps.
///
/// # Errors
///
/// From re-centring the coordinates at `theta`: [`crate::Error::Evaluation`] when the NLL is not
/// finite there.
pub(crate) fn open<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &mut Objective<'_, O, F, S>,
    theta: &[f64],
    guess: Option<&[f64]>,
    max_steps: u64,
    until: Until,
    curvature: Curvature,
) -> Result<Opening> {
    let exact = objective.has_exact_hessian();
    let mut f = objective.recentre(theta, guess)?;
    let mut radius = FIRST_RADIUS;
    let mut opening = Opening {
        theta: theta.to_vec(),
        hessian: None,
        steps: 0,
        path: Vec::new(),
        end: End::Collapsed,
        f,
    };
    // With exact second derivatives, or as the fit's method, every step is Newton's: no cap
    // beyond the fit's own.
    // So does an opening in a frame (an ill-conditioned NLL), whose steps go on to the
    // optimum: sums of exponentials take 100 to 160 of them, as with an exact Hessian.
    let all_steps = max_steps;
    let max_steps = if exact || matches!(until, Until::Optimum(_)) {
        max_steps
    } else {
        max_steps.min(OPENING_STEPS)
    };
    let cap = |framed: bool| if framed { all_steps } else { max_steps };
    let handover = match until {
        Until::Curvature if exact => EXACT_HANDOVER,
        Until::Curvature => f64::INFINITY,
        Until::Optimum(distance) => distance,
    };
    // Each accepted step re-centres the coordinates and measures their scales again, so the
    // region is always a ball in coordinates of unit curvature where the model is taken: the
    // curvature can change by orders of magnitude between the start and the optimum.
    //
    // An ill-conditioned Hessian (condition 1e8 on sums of exponentials) makes that ball a
    // needle along its weak direction, and differences along the axes measure that
    // direction's curvature and slope badly: the next model is then taken along the axes
    // that whiten the last Hessian, and the region is a ball in those axes.
    let mut frame: Option<DMatrix<f64>> = None;
    'models: while opening.steps < cap(frame.is_some()) {
        let Some((g, h_u, h_z)) = model(objective, f, curvature, frame.as_ref()) else {
            break;
        };
        let whitening = frame
            .as_ref()
            .and_then(|h| Whitening::new(h, objective.coords().scales()));
        // The model in the whitened axes `w` (`z = R w`): `g_w = Rᵀ g`, `H_w = Rᵀ H R`.
        let (g_w, h_w) = match &whitening {
            Some(w) => {
                let r = w.r();
                let g_w: Vec<f64> = (r.transpose() * DVector::from_column_slice(&g))
                    .iter()
                    .copied()
                    .collect();
                (g_w, r.transpose() * &h_z * r)
            }
            None => (g.clone(), h_z.clone()),
        };
        frame = (curvature == Curvature::Hessian && !objective.has_score())
            .then(|| h_u.clone())
            .filter(|h| {
                curvature::scaled_condition(h)
                    .is_some_and(|c| c > FRAME_CONDITION && c < curvature::SINGULAR_CONDITION)
                    && h.clone().cholesky().is_some()
            });
        while opening.steps < cap(whitening.is_some()) {
            let Some(mut step) = Step::within(&g_w, &h_w, radius) else {
                break 'models;
            };
            let length = step.length();
            if let Some(w) = &whitening {
                step.d = w.z(&step.d);
            }
            opening.steps += 1;
            let f_next = objective.mean_nll(&step.d).ok().filter(|v| v.is_finite());
            let ratio = match f_next {
                Some(v) if step.predicted > 0.0 => (f - v) / step.predicted,
                _ => f64::NEG_INFINITY,
            };
            if ratio < SHRINK_RATIO {
                radius = 0.25 * length;
            } else if ratio > GOOD_RATIO && step.bounded {
                radius *= 2.0;
            }
            if radius < SMALLEST_RADIUS {
                break 'models;
            }
            if f_next.is_none() || ratio <= ACCEPT_RATIO {
                continue;
            }
            let Ok(next) = objective.coords().theta(&step.d) else {
                break 'models;
            };
            let scales = objective.coords().scales().to_vec();
            let Ok(v) = objective.recentre(&next, Some(&scales)) else {
                break 'models;
            };
            f = v;
            opening.f = v;
            opening.path.push(next.clone());
            opening.theta = next;
            // With an exact Hessian, or as the fit's method, the Newton steps go on until the
            // optimum was within the hand-over distance (in standard errors) before the step:
            // after it, quadratically closer.
            let distance = (2.0 * step.predicted * objective.n()).sqrt();
            // On an ill-conditioned NLL (a frame in use) L-BFGS crawls along the curved valley
            // far from the optimum, where each framed Newton step costs a few of its
            // iterations: the steps go on, as with an exact Hessian, until the optimum is near.
            let reach = if whitening.is_some() {
                handover.min(EXACT_HANDOVER)
            } else {
                handover
            };
            if step.newton && (ratio - 1.0).abs() <= 1.0 - GOOD_RATIO && distance <= reach {
                opening.hessian = Some(h_u);
                opening.end = End::Reached;
                break 'models;
            }
            continue 'models;
        }
    }
    if opening.end != End::Reached && opening.steps >= cap(frame.is_some()) {
        opening.end = End::Steps;
    }
    Ok(opening)
}

/// The gradient and the Hessian of the mean NLL at the centre of the coordinates (where it is
/// `f`): the gradient and the Hessian in `z`, and the Hessian in `u`.
#[allow(clippy::type_complexity)]
fn model<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f: f64,
    source: Curvature,
    frame: Option<&DMatrix<f64>>,
) -> Option<(Vec<f64>, DMatrix<f64>, DMatrix<f64>)> {
    let coords = objective.coords();
    let centre = vec![0.0; coords.dim()];
    let s = coords.scales();
    let (g, h_u) = match source {
        Curvature::Hessian => {
            let u = coords.u_of(&centre);
            let framed = frame.and_then(|h| {
                objective.set_difference_basis(
                    Whitening::new(h, coords.scales()).map(|w| w.r().clone()),
                );
                curvature::local_hessian_in_frame(objective, &u, f, h)
            });
            let h_u = match framed {
                Some(h_u) => h_u,
                None => curvature::local_hessian(objective, &u, f)?,
            };
            (objective.verdict_gradient(&centre).ok()?, h_u)
        }
        Curvature::OuterProduct => {
            let (g_u, h_u) = objective.outer_product_at_u(&coords.u_of(&centre)).ok()?;
            // ∂/∂z = s ∂/∂u.
            (g_u.iter().zip(s).map(|(g, s)| g * s).collect(), h_u)
        }
    };
    let h_z = DMatrix::from_fn(s.len(), s.len(), |i, j| h_u[(i, j)] * s[i] * s[j]);
    Some((g, h_u, h_z))
}

/// A step that minimises the quadratic model `gᵀd + ½ dᵀHd` over `|d| ≤ radius`.
struct Step {
    d: Vec<f64>,
    /// The decrease the model predicts.
    predicted: f64,
    /// Whether it is the full Newton step (`H` positive definite, the step inside the radius).
    newton: bool,
    /// Whether the radius bounds it.
    bounded: bool,
}

/// Bisection steps for the shift `λ` of a step on the boundary: enough to put its length within
/// a relative 1e-9 of the radius from any bracket the eigenvalues give.
const SHIFT_BISECTIONS: usize = 200;

impl Step {
    /// The step from the eigen-decomposition of `H`: `d(λ) = −(H + λI)⁻¹ g` with the smallest
    /// `λ ≥ max(0, −λ_min)` that puts it inside the radius; in the "hard case" (`g` orthogonal
    /// to the eigenvectors of the lowest eigenvalue) the rest of the radius is spent along one of
    /// them. `None` when `g` or `H` is not finite.
    fn within(g: &[f64], h: &DMatrix<f64>, radius: f64) -> Option<Step> {
        if !(g.iter().all(|v| v.is_finite()) && h.iter().all(|v| v.is_finite())) {
            return None;
        }
        let eigen = SymmetricEigen::new(h.clone());
        let q = &eigen.eigenvectors;
        let lambda = &eigen.eigenvalues;
        let a = q.transpose() * DVector::from_column_slice(g);
        let lowest = lambda.iter().copied().fold(f64::INFINITY, f64::min);
        let at = |shift: f64| -> DVector<f64> {
            let coefficients = DVector::from_fn(a.len(), |i, _| -a[i] / (lambda[i] + shift));
            q * coefficients
        };
        let (d, newton, bounded) = if lowest > 0.0 && at(0.0).norm() <= radius {
            (at(0.0), true, false)
        } else {
            let floor = (-lowest).max(0.0);
            let mut lo = floor + 1e-14 * floor.max(lowest.abs()).max(f64::MIN_POSITIVE);
            if at(lo).norm() < radius {
                // The hard case: no shift above the floor reaches the radius.
                let d = at(lo);
                let k = (0..lambda.len())
                    .min_by(|&i, &j| lambda[i].total_cmp(&lambda[j]))
                    .unwrap_or(0);
                let rest = (radius * radius - d.norm_squared()).max(0.0).sqrt();
                (d + q.column(k) * rest, false, true)
            } else {
                let mut hi = floor + DVector::from_column_slice(g).norm() / radius + 1.0;
                for _ in 0..SHIFT_BISECTIONS {
                    let mid = 0.5 * (lo + hi);
                    if at(mid).norm() > radius {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                    if hi - lo <= 1e-12 * hi {
                        break;
                    }
                }
                (at(hi), false, true)
            }
        };
        let gd: f64 = g.iter().zip(d.iter()).map(|(g, d)| g * d).sum();
        let predicted = -(gd + 0.5 * (d.transpose() * h * &d)[(0, 0)]);
        Some(Step {
            d: d.iter().copied().collect(),
            predicted,
            newton,
            bounded,
        })
    }

    fn length(&self) -> f64 {
        self.d.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use nalgebra::DMatrix;

    use super::Step;

    /// Steps of a few units agree with the closed forms to rounding.
    const CLOSE: f64 = 1e-9;

    #[test]
    fn newton_step_inside_the_radius() {
        let h = DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 4.0]);
        let step = Step::within(&[2.0, 4.0], &h, 10.0).unwrap();
        assert!(step.newton && !step.bounded);
        assert_relative_eq!(step.d[0], -1.0, max_relative = CLOSE);
        assert_relative_eq!(step.d[1], -1.0, max_relative = CLOSE);
        // The model falls by ½ gᵀH⁻¹g = ½ (2 + 4).
        assert_relative_eq!(step.predicted, 3.0, max_relative = CLOSE);
    }

    #[test]
    fn bounded_step_has_the_radius_as_length() {
        let h = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 1.0]);
        let step = Step::within(&[3.0, 4.0], &h, 1.0).unwrap();
        assert!(step.bounded && !step.newton);
        // With H = I the step is along −g: (−0.6, −0.8).
        assert_relative_eq!(step.d[0], -0.6, max_relative = 1e-6);
        assert_relative_eq!(step.d[1], -0.8, max_relative = 1e-6);
    }

    #[test]
    fn negative_curvature_is_followed_to_the_radius() {
        let h = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, -1.0]);
        let step = Step::within(&[1.0, 1.0], &h, 2.0).unwrap();
        assert!(step.bounded);
        assert_relative_eq!(step.length(), 2.0, max_relative = 1e-6);
        assert!(step.d[1] < 0.0 && step.predicted > 0.0);
    }

    #[test]
    fn hard_case_spends_the_radius_along_the_lowest_eigenvector() {
        // g has no component along the eigenvector of −1: the step goes along it.
        let h = DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, -1.0]);
        let step = Step::within(&[0.5, 0.0], &h, 3.0).unwrap();
        assert_relative_eq!(step.length(), 3.0, max_relative = 1e-6);
        assert!(step.d[1].abs() > 2.0 && step.predicted > 0.0);
    }

    #[test]
    fn non_finite_input_gives_no_step() {
        let h = DMatrix::from_row_slice(1, 1, &[f64::NAN]);
        assert!(Step::within(&[1.0], &h, 1.0).is_none());
    }
}
