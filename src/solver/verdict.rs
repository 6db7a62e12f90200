//! The verdict at the point a run ended: a pure function of its evidence (how the run ended,
//! the gradient there, the curvature, the tolerances and the rounding floors), so that every
//! edge case can be tested without an objective.

use nalgebra::{DMatrix, DVector};

use crate::objective::{Failure, FloorParts};
use crate::options::Method;
use crate::outcome::{ConvergedBy, Convergence, NEGATIVE_CURVATURE, SeUnavailable, StopReason};

use super::curvature::Curvature;
use super::run::Ended;

/// The gradient may be this many times its rounding noise and still count as zero.
pub(crate) const NOISE_MARGIN: f64 = 10.0;
/// A Nelder-Mead simplex whose costs agree converged only if the gradient, in coordinates
/// re-measured where it stopped, puts the optimum within this many times the tolerance;
/// otherwise it collapsed short (typically along a direction the start's scales got wrong) and
/// is restarted there.
const NELDER_MEAD_CONFIRM: f64 = 30.0;
/// A fit may claim convergence at the limit of floating-point precision only when that limit is
/// this close to the optimum, in standard errors.
const PRECISION_LIMIT_MAX: f64 = 0.1;
/// Curvature along a coordinate, in the scaled coordinates (where the calibration found about
/// 1), below which the NLL is flat along it.
const FLAT_CURVATURE: f64 = 1e-8;
/// A coordinate saturates when the distance to the optimum in the user's parameters is more
/// than this many times the one in the optimizer's coordinates (and above the tolerance).
const SATURATION: f64 = 10.0;
/// The precision limit is an estimate of rounding's reach; a run that stopped within this
/// factor of it has reached it.
pub(crate) const LIMIT_SLACK: f64 = 2.0;

/// Everything a verdict is judged on.
pub(crate) struct Evidence<'a> {
    /// How the run ended.
    pub(crate) ended: &'a Ended,
    /// The optimizer, its tolerance (standard errors) and its iteration cap.
    pub(crate) method: Method,
    pub(crate) tolerance: f64,
    pub(crate) max_iters: u64,
    /// Observations summed, and the mean NLL at the point.
    pub(crate) n: f64,
    pub(crate) f: f64,
    /// The gradient of the mean NLL in the scaled coordinates `z`, when it could be computed.
    pub(crate) gradient: Option<&'a [f64]>,
    /// The coordinates' scales, the largest scale each may take, and the curvature along each
    /// as calibrated.
    pub(crate) scales: &'a [f64],
    pub(crate) scale_caps: &'a [f64],
    pub(crate) calibrated: &'a [f64],
    /// The rounding floors of the gradient at the point.
    pub(crate) floor: &'a FloorParts,
    /// `(d²θ/du²) / (dθ/du)` of each coordinate's transform at the point, and the free
    /// parameters' names.
    pub(crate) curl: &'a [f64],
    pub(crate) names: &'a [String],
    /// Whether each free parameter sits at the edge of its interval space, where its logit
    /// coordinate saturates.
    pub(crate) at_edge: &'a [bool],
    /// The Hessian at the point and what followed from it, when it was measured.
    pub(crate) curvature: Option<&'a Curvature>,
}

/// A verdict, with the distances it was judged on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Judged {
    /// The distance to the optimum the gradient implies, in standard errors.
    pub(crate) distance: Option<f64>,
    /// The distance to the optimum, in standard errors, below which this computation cannot
    /// place it.
    pub(crate) precision: f64,
    /// The norm of the gradient in the scaled coordinates.
    pub(crate) norm: Option<f64>,
    pub(crate) convergence: Convergence,
}

/// What the evidence says about the distance to the optimum, and what limits it.
struct Distances {
    /// The gradient's norm in `z`.
    norm: Option<f64>,
    /// The distance to the optimum the gradient implies, in standard errors.
    distance: Option<f64>,
    /// How close to the optimum this computation can place it: the gradient's rounding noise
    /// (with margin) and forward differences' bias, in standard errors.
    noise: f64,
    /// The part of `noise` that is forward differences' bias.
    bias: f64,
    /// Points closer than this (in standard errors) have NLLs that rounding cannot tell apart:
    /// a search on NLL values that stops there has done all it can.
    resolution: f64,
    /// Whether the coordinates are near unit curvature: the precision above is a limit of
    /// these coordinates, and in coordinates far from it a restart (re-scaled where this run
    /// ended) does better, so only well-scaled coordinates may stop at it.
    well_scaled: bool,
    /// A direction along which the Hessian curves down clearly (not merely flat).
    curving_down: Option<Vec<(String, f64)>>,
    /// The parameter whose transformed coordinate saturates, when the distance in the user's
    /// parameters far exceeds the one in the optimizer's coordinates.
    saturated: Option<(String, Option<f64>)>,
}

impl Distances {
    fn of(e: &Evidence<'_>) -> Self {
        let root_n = e.n.sqrt();
        let scales = e.scales;
        let hessian = e.curvature.and_then(|c| c.hessian.as_ref());
        // The curvature along each z coordinate: from the Hessian here (when its diagonal is
        // positive), else as calibrated.
        let diagonal: Vec<f64> = match hessian {
            Some(h) if (0..h.nrows()).all(|k| h[(k, k)] > 0.0) => (0..h.nrows())
                .map(|k| h[(k, k)] * scales[k] * scales[k])
                .collect(),
            _ => e.calibrated.to_vec(),
        };
        // A gradient-sized vector in z as a distance in standard errors (diagonal curvature).
        let in_se = |v: &[f64]| -> f64 {
            root_n
                * v.iter()
                    .zip(&diagonal)
                    .map(|(v, c)| v * v / c)
                    .sum::<f64>()
                    .sqrt()
        };
        // Independent per-coordinate errors of this size in the gradient, as a distance in
        // standard errors: √(n Σ e_k² (H⁻¹)_kk) with the Hessian here. Correlated parameters
        // make (H⁻¹)_kk far larger than 1/H_kk: the weak direction amplifies the noise, which
        // the diagonal alone would miss.
        let h_z: Option<DMatrix<f64>> = hessian.and_then(|h| {
            let p = h.nrows();
            (p == scales.len())
                .then(|| DMatrix::from_fn(p, p, |i, j| h[(i, j)] * scales[i] * scales[j]))
        });
        let inverse_diagonal: Option<Vec<f64>> = h_z.as_ref().and_then(|h_z| {
            let p = h_z.nrows();
            let inverse = h_z.clone().cholesky()?.inverse();
            let diagonal: Vec<f64> = (0..p).map(|k| inverse[(k, k)]).collect();
            diagonal
                .iter()
                .all(|v| v.is_finite() && *v > 0.0)
                .then_some(diagonal)
        });
        let spread_in_se = |v: &[f64]| -> Option<f64> {
            let inverse = inverse_diagonal.as_ref()?;
            Some(
                root_n
                    * v.iter()
                        .zip(inverse)
                        .map(|(v, i)| v * v * i)
                        .sum::<f64>()
                        .sqrt(),
            )
        };
        // The Newton decrement: √n times it is the distance to the optimum in standard errors.
        // With the Hessian where the run ended when it is positive definite, else with the
        // diagonal curvature.
        let decrement = e.gradient.map(|g| {
            let g_u: Vec<f64> = g.iter().zip(scales).map(|(v, s)| v / s).collect();
            e.curvature
                .and_then(|c| c.decrement(&g_u))
                .unwrap_or_else(|| in_se(g) / root_n)
        });
        let floor = e.floor.at(&diagonal);
        let noise: Vec<f64> = floor
            .noise
            .iter()
            .zip(&floor.bias)
            .map(|(n, b)| NOISE_MARGIN * n + b)
            .collect();
        // Differences taken along a basis: their rounding and bias per direction, with the
        // spacing of the parameters (per coordinate) on top.
        let along_basis = e
            .floor
            .basis
            .as_ref()
            .zip(h_z.as_ref())
            .and_then(|(b, h_z)| {
                let (noise, bias) = basis_floor_in_se(e.floor, b, h_z, root_n)?;
                let spacing: Vec<f64> = e
                    .floor
                    .spacing
                    .iter()
                    .zip(&diagonal)
                    .map(|(s, c)| NOISE_MARGIN * s * c)
                    .collect();
                Some((noise + spread_in_se(&spacing)?, bias))
            });
        let well_scaled = diagonal.iter().zip(scales).enumerate().all(|(k, (c, s))| {
            // The scale a re-calibration here would choose, against the one in use.
            let natural = (s / c.sqrt()).min(e.scale_caps[k]);
            (0.3..=3.0).contains(&(natural / s))
        });
        let curving_down = match e.curvature.map(|c| &c.result) {
            Some(Err(SeUnavailable::NotPositiveDefinite {
                direction,
                relative_curvature,
            })) if *relative_curvature < -NEGATIVE_CURVATURE => Some(direction.clone()),
            _ => None,
        };
        let distance_u = decrement.map(|d| d * root_n);
        let in_user = e
            .gradient
            .zip(hessian)
            .and_then(|(g, h)| user_distance(e, g, h));
        // A parameter at the edge of its interval along which the NLL is flat (or could not
        // be measured): its logit has saturated, and neither the gradient nor the curvature
        // there says anything about the optimum.
        let flat_at_edge = (0..e.at_edge.len()).find(|&k| {
            e.at_edge[k]
                && !hessian.is_some_and(|h| {
                    k < h.nrows() && h[(k, k)] * scales[k] * scales[k] > FLAT_CURVATURE
                })
        });
        let saturated = match (distance_u, in_user, flat_at_edge) {
            (_, _, Some(k)) => Some((e.names[k].clone(), None)),
            (Some(du), Some((dt, k)), None) if dt > e.tolerance && dt > SATURATION * du => {
                Some((e.names[k].clone(), Some(dt)))
            }
            _ => None,
        };
        let distance = match (distance_u, in_user, &saturated) {
            // Flat at the edge: the distance cannot be measured from here.
            (Some(_), _, Some((_, None))) => Some(f64::INFINITY),
            (Some(du), Some((dt, _)), _) => Some(du.max(dt)),
            (du, _, _) => du,
        };
        Distances {
            norm: e
                .gradient
                .map(|g| g.iter().map(|v| v * v).sum::<f64>().sqrt()),
            distance,
            saturated,
            noise: along_basis.map_or_else(
                || spread_in_se(&noise).unwrap_or_else(|| in_se(&noise)),
                |(noise, _)| noise,
            ),
            bias: along_basis.map_or_else(
                || spread_in_se(&floor.bias).unwrap_or_else(|| in_se(&floor.bias)),
                |(_, bias)| bias,
            ),
            resolution: (2.0 * e.n * NOISE_MARGIN * f64::EPSILON * e.f.abs().max(1.0)).sqrt(),
            well_scaled,
            curving_down,
        }
    }
}

/// The rounding floor (with margin) and the forward-difference bias of a gradient taken by
/// differences along the columns of `b`, as distances in standard errors: with `M = bᵀ H b`
/// (the Hessian along those directions), errors `e_k` along each give `√(n Σ e_k² (M⁻¹)_kk)`.
/// `None` when `M` is not positive definite.
fn basis_floor_in_se(
    floor: &FloorParts,
    b: &DMatrix<f64>,
    h_z: &DMatrix<f64>,
    root_n: f64,
) -> Option<(f64, f64)> {
    let p = b.ncols();
    if b.nrows() != h_z.nrows() || floor.rounding.len() != p || floor.half_step.len() != p {
        return None;
    }
    let m = b.transpose() * h_z * b;
    let inverse = m.clone().cholesky()?.inverse();
    let (mut noise, mut bias) = (0.0, 0.0);
    for k in 0..p {
        let along_bias = floor.half_step[k] * m[(k, k)];
        let along_noise = NOISE_MARGIN * floor.rounding[k] + along_bias;
        noise += along_noise * along_noise * inverse[(k, k)];
        bias += along_bias * along_bias * inverse[(k, k)];
    }
    (noise.is_finite() && bias.is_finite()).then(|| (root_n * noise.sqrt(), root_n * bias.sqrt()))
}

/// The Newton decrement in the user's parameters (times √n: a distance in standard errors),
/// and the coordinate that contributes most to it.
///
/// With `θ = g(u)`, the Hessian in `u` is `Jᵀ H_θ J + diag(g″ ∂NLL/∂θ)`: next to a bound, where
/// `J = g′` vanishes, the second term dominates and the decrement in `u` reads near zero however
/// far the optimum in `θ` is. Removing it gives `H_u − D` with `D = diag(curl · ∂NLL/∂u)`, and
/// `∇_uᵀ (H_u − D)⁻¹ ∇_u` is the decrement in `θ`. `None` when `H_u − D` is not positive
/// definite (no quadratic model in `θ` to measure with).
fn user_distance(e: &Evidence<'_>, g_z: &[f64], h_u: &DMatrix<f64>) -> Option<(f64, usize)> {
    let p = g_z.len();
    if h_u.nrows() != p || e.curl.len() != p || e.names.len() != p {
        return None;
    }
    let g_u: Vec<f64> = g_z.iter().zip(e.scales).map(|(g, s)| g / s).collect();
    let mut h = h_u.clone();
    for k in 0..p {
        h[(k, k)] -= e.curl[k] * g_u[k];
    }
    let g = DVector::from_column_slice(&g_u);
    let step = h.clone().cholesky()?.solve(&g);
    let squared = g.dot(&step);
    if !(squared.is_finite() && squared >= 0.0) {
        return None;
    }
    // The coordinate whose Newton step, in its own standard errors, is longest.
    let k = (0..p)
        .max_by(|&a, &b| {
            let size = |k: usize| step[k].abs() * h[(k, k)].sqrt();
            size(a).total_cmp(&size(b))
        })
        .unwrap_or(0);
    Some((squared.sqrt() * e.n.sqrt(), k))
}

/// Judges a point from its evidence.
pub(crate) fn judge(e: &Evidence<'_>) -> Judged {
    let d = Distances::of(e);
    Judged {
        distance: d.distance,
        precision: d.noise.max(d.resolution),
        norm: d.norm,
        convergence: decide(e, &d),
    }
}

/// The verdict: converged by which test, or why not.
fn decide(e: &Evidence<'_>, d: &Distances) -> Convergence {
    let tolerance = e.tolerance;
    let distance = match (e.ended, d.norm.and(d.distance)) {
        (Ended::Failure(failure), _) => {
            return Convergence::NotConverged(stop_reason(failure.clone()));
        }
        (Ended::MaxIterations, _) => {
            return Convergence::NotConverged(StopReason::MaxIterations {
                iterations: e.max_iters,
            });
        }
        (_, None) => {
            return Convergence::NotConverged(StopReason::Stalled {
                distance: f64::INFINITY,
            });
        }
        (_, Some(distance)) => distance,
    };
    if let Some((name, in_user)) = &d.saturated {
        return Convergence::NotConverged(StopReason::Saturated {
            name: name.clone(),
            distance: in_user.unwrap_or(f64::INFINITY),
        });
    }
    let short = |distance| match e.ended {
        Ended::LineSearch => StopReason::LineSearchFailed { distance },
        _ => StopReason::Stalled { distance },
    };
    let limit = d.noise.max(d.resolution);
    // Stationary, but the NLL curves down: a saddle or an unbounded likelihood.
    if let Some(direction) = &d.curving_down
        && distance <= limit.max(tolerance).max(1.0)
    {
        return Convergence::NotConverged(StopReason::NotAMinimum {
            direction: direction.clone(),
        });
    }
    match e.method {
        m if m.judged_by_gradient() => {
            if d.curving_down.is_some() {
                Convergence::NotConverged(short(distance))
            } else if distance <= tolerance && d.bias <= tolerance {
                Convergence::Converged(ConvergedBy::Gradient)
            } else if distance <= (LIMIT_SLACK * limit).max(tolerance)
                && limit <= PRECISION_LIMIT_MAX
                && d.well_scaled
            {
                Convergence::Converged(ConvergedBy::PrecisionLimit)
            } else {
                Convergence::NotConverged(short(distance))
            }
        }
        _ => {
            let spread = matches!(e.ended, Ended::SolverConverged) && d.curving_down.is_none();
            let confirm = NELDER_MEAD_CONFIRM * tolerance;
            let limit = if d.well_scaled { d.noise } else { 0.0 };
            if spread && distance <= confirm.max(NOISE_MARGIN * d.resolution).max(limit) {
                Convergence::Converged(ConvergedBy::SimplexSpread)
            } else {
                Convergence::NotConverged(StopReason::SimplexCollapsed { distance })
            }
        }
    }
}

/// Why a run that met an evaluation failure stopped.
fn stop_reason(failure: Failure) -> StopReason {
    match failure {
        Failure::Diverged { name, .. } => StopReason::Diverged { name },
        Failure::Nll(error) => match error.evaluation() {
            Some(evaluation) => StopReason::Evaluation(evaluation.clone()),
            None => StopReason::Stalled {
                distance: f64::INFINITY,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::EvaluationFailure;

    /// One observation's worth of information per coordinate: n = 100, unit curvature.
    const N: f64 = 100.0;

    /// Central differences at unit scale: no bias, rounding far below any tolerance.
    fn floor(p: usize) -> FloorParts {
        FloorParts {
            rounding: vec![1e-13; p],
            spacing: vec![1e-16; p],
            half_step: vec![0.0; p],
            basis: None,
        }
    }

    fn evidence<'a>(
        ended: &'a Ended,
        method: Method,
        gradient: Option<&'a [f64]>,
        floor: &'a FloorParts,
        curvature: Option<&'a Curvature>,
    ) -> Evidence<'a> {
        const ONES: [f64; 2] = [1.0, 1.0];
        const CAPS: [f64; 2] = [f64::INFINITY, f64::INFINITY];
        const FREE: [f64; 2] = [0.0, 0.0];
        Evidence {
            ended,
            method,
            tolerance: 1e-6,
            max_iters: 500,
            n: N,
            f: 1.5,
            gradient,
            scales: &ONES,
            scale_caps: &CAPS,
            calibrated: &ONES,
            floor,
            curl: &FREE,
            names: names(),
            at_edge: &[false, false],
            curvature,
        }
    }

    fn names() -> &'static [String] {
        static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        NAMES.get_or_init(|| vec!["a".into(), "b".into()])
    }

    fn identity_curvature() -> Curvature {
        Curvature {
            hessian: Some(DMatrix::identity(2, 2)),
            result: Err(SeUnavailable::NotRequested),
        }
    }

    #[test]
    fn a_zero_gradient_with_positive_curvature_converges() {
        let f = floor(2);
        let c = identity_curvature();
        let g = [0.0, 0.0];
        let e = evidence(
            &Ended::SolverConverged,
            Method::Lbfgs,
            Some(&g),
            &f,
            Some(&c),
        );
        let judged = judge(&e);
        assert_eq!(
            judged.convergence,
            Convergence::Converged(ConvergedBy::Gradient)
        );
        assert_eq!(judged.distance, Some(0.0));
    }

    /// The distance is the Newton decrement times √n: a gradient of 0.3/√n along a coordinate
    /// of unit curvature puts the optimum 0.3 standard errors away.
    #[test]
    fn the_distance_is_the_newton_decrement_in_standard_errors() {
        let f = floor(2);
        let c = identity_curvature();
        let g = [0.3 / N.sqrt(), 0.0];
        let e = evidence(&Ended::LineSearch, Method::Lbfgs, Some(&g), &f, Some(&c));
        let judged = judge(&e);
        let distance = judged.distance.unwrap();
        approx::assert_relative_eq!(distance, 0.3, max_relative = 1e-12);
        assert!(matches!(
            judged.convergence,
            Convergence::NotConverged(StopReason::LineSearchFailed { .. })
        ));
    }

    /// A stationary point where the Hessian curves down is a saddle (or an unbounded
    /// likelihood), whichever optimizer stopped there.
    #[test]
    fn negative_curvature_at_a_stationary_point_is_not_a_minimum() {
        let f = floor(2);
        let down = Curvature {
            hessian: Some(DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, -0.5])),
            result: Err(SeUnavailable::NotPositiveDefinite {
                direction: vec![("b".into(), 1.0)],
                relative_curvature: -0.5,
            }),
        };
        let g = [0.0, 0.0];
        for method in Method::ALL {
            let e = evidence(&Ended::SolverConverged, method, Some(&g), &f, Some(&down));
            assert!(
                matches!(
                    judge(&e).convergence,
                    Convergence::NotConverged(StopReason::NotAMinimum { .. })
                ),
                "{method}"
            );
        }
    }

    /// A flat direction (relative curvature about zero, not clearly negative) at a zero
    /// gradient is not called a saddle.
    #[test]
    fn a_plateau_is_not_called_a_saddle() {
        let f = floor(2);
        let flat = Curvature {
            hessian: Some(DMatrix::from_row_slice(2, 2, &[1.0, 0.0, 0.0, 1e-14])),
            result: Err(SeUnavailable::NotPositiveDefinite {
                direction: vec![("b".into(), 1.0)],
                relative_curvature: 1e-14,
            }),
        };
        let g = [0.0, 0.0];
        let e = evidence(
            &Ended::SolverConverged,
            Method::Lbfgs,
            Some(&g),
            &f,
            Some(&flat),
        );
        assert!(!matches!(
            judge(&e).convergence,
            Convergence::NotConverged(StopReason::NotAMinimum { .. })
        ));
    }

    /// At the precision limit: the gradient puts the optimum beyond the tolerance, but within
    /// what rounding lets the NLL's values resolve at this n; the coordinates are well scaled.
    #[test]
    fn the_precision_limit_converges_only_when_well_scaled() {
        let f = floor(2);
        let c = identity_curvature();
        // n = 1e6: the NLL's values resolve about 8e-5 standard errors; the gradient says
        // 1e-4 (above the tolerance of 1e-6, within twice the resolution).
        let g = [1e-7, 0.0];
        let e = Evidence {
            n: 1e6,
            ..evidence(&Ended::LineSearch, Method::Lbfgs, Some(&g), &f, Some(&c))
        };
        let judged = judge(&e);
        approx::assert_relative_eq!(judged.distance.unwrap(), 1e-4, max_relative = 1e-12);
        assert_eq!(
            judged.convergence,
            Convergence::Converged(ConvergedBy::PrecisionLimit)
        );
        // The same point in coordinates whose scale is ten times off: restart instead.
        let badly = [10.0, 1.0];
        let e = Evidence {
            n: 1e6,
            scales: &badly,
            ..evidence(&Ended::LineSearch, Method::Lbfgs, Some(&g), &f, Some(&c))
        };
        assert!(matches!(
            judge(&e).convergence,
            Convergence::NotConverged(StopReason::LineSearchFailed { .. })
        ));
    }

    /// Forward differences' bias counts against the tolerance even when the gradient is zero.
    #[test]
    fn forward_difference_bias_blocks_the_gradient_test() {
        let mut f = floor(2);
        f.half_step = vec![1e-6; 2];
        let c = identity_curvature();
        let g = [0.0, 0.0];
        let e = evidence(
            &Ended::SolverConverged,
            Method::Lbfgs,
            Some(&g),
            &f,
            Some(&c),
        );
        assert_ne!(
            judge(&e).convergence,
            Convergence::Converged(ConvergedBy::Gradient)
        );
    }

    /// A point next to a bound: the evaluation failed there (a parameter off its space), which
    /// is the reason, whatever the gradient.
    #[test]
    fn a_failure_next_to_a_bound_is_the_reason() {
        let f = floor(2);
        let ended = Ended::Failure(Failure::Diverged {
            name: "p".into(),
            u: 40.0,
        });
        let e = evidence(&ended, Method::Lbfgs, None, &f, None);
        assert_eq!(
            judge(&e).convergence,
            Convergence::NotConverged(StopReason::Diverged { name: "p".into() })
        );
        let failure = EvaluationFailure::NonFiniteLogDensity {
            index: 3,
            value: f64::NEG_INFINITY,
            params: vec![1.0],
        };
        let ended = Ended::Failure(Failure::Nll(crate::Error::Evaluation(failure.clone())));
        let e = evidence(&ended, Method::NelderMead, None, &f, None);
        assert_eq!(
            judge(&e).convergence,
            Convergence::NotConverged(StopReason::Evaluation(failure))
        );
    }

    /// No gradient (it could not be computed): never converged.
    #[test]
    fn no_gradient_never_converges() {
        let f = floor(2);
        let e = evidence(&Ended::SolverConverged, Method::NelderMead, None, &f, None);
        let judged = judge(&e);
        assert_eq!(judged.distance, None);
        assert!(matches!(
            judged.convergence,
            Convergence::NotConverged(StopReason::Stalled { .. })
        ));
    }

    /// Nelder-Mead's spread test converges only when the run's own test fired and the gradient
    /// confirms it.
    #[test]
    fn nelder_mead_needs_its_own_test_and_the_gradient() {
        let f = floor(2);
        let c = identity_curvature();
        let near = [1e-6 / N.sqrt(), 0.0];
        let e = evidence(
            &Ended::SolverConverged,
            Method::NelderMead,
            Some(&near),
            &f,
            Some(&c),
        );
        assert_eq!(
            judge(&e).convergence,
            Convergence::Converged(ConvergedBy::SimplexSpread)
        );
        let far = [0.5 / N.sqrt(), 0.0];
        let e = evidence(
            &Ended::SolverConverged,
            Method::NelderMead,
            Some(&far),
            &f,
            Some(&c),
        );
        assert!(matches!(
            judge(&e).convergence,
            Convergence::NotConverged(StopReason::SimplexCollapsed { .. })
        ));
    }

    /// Next to a bound the Hessian in the logit is dominated by the transform's second
    /// derivative: the decrement there reads small while the one in the parameter is large.
    #[test]
    fn a_saturated_logit_is_measured_in_the_parameter() {
        let f = floor(1);
        // θ = 1e-6 in (0, 1): J = 1e-6, curl = 1 − 2θ; H_θ = 1 (per observation), g_θ = −1:
        // g_u = J g_θ, H_u = J² H_θ + curl · J · g_θ.
        let (j, h_theta, g_theta) = (1e-6, 1.0, -1.0);
        let curl = [1.0 - 2e-6];
        let g_u = [j * g_theta];
        let h_u = DMatrix::from_element(1, 1, j * j * h_theta + curl[0] * j * g_theta);
        let c = Curvature {
            hessian: Some(h_u),
            result: Err(SeUnavailable::NotRequested),
        };
        let e = Evidence {
            curl: &curl,
            scales: &[1.0],
            scale_caps: &[1.0],
            calibrated: &[1.0],
            names: &names()[..1],
            at_edge: &[false],
            ..evidence(
                &Ended::SolverConverged,
                Method::Lbfgs,
                Some(&g_u),
                &f,
                Some(&c),
            )
        };
        let judged = judge(&e);
        // In θ: |g_θ| / √H_θ · √n = 10 standard errors.
        approx::assert_relative_eq!(judged.distance.unwrap(), 10.0, max_relative = 1e-6);
        assert!(matches!(
            judged.convergence,
            Convergence::NotConverged(StopReason::Saturated { .. })
        ));
    }

    /// At the edge with a flat Hessian the optimum cannot be located: not converged, at an
    /// unknown distance.
    #[test]
    fn flat_at_the_edge_is_not_convergence() {
        let f = floor(1);
        let c = Curvature {
            hessian: Some(DMatrix::zeros(1, 1)),
            result: Err(SeUnavailable::NotRequested),
        };
        let g = [0.0];
        let e = Evidence {
            curl: &[1.0],
            scales: &[1.0],
            scale_caps: &[1.0],
            calibrated: &[1.0],
            names: &names()[..1],
            at_edge: &[true],
            ..evidence(
                &Ended::SolverConverged,
                Method::NelderMead,
                Some(&g),
                &f,
                Some(&c),
            )
        };
        let judged = judge(&e);
        assert_eq!(judged.distance, Some(f64::INFINITY));
        assert!(matches!(
            judged.convergence,
            Convergence::NotConverged(StopReason::Saturated { distance, .. }) if distance.is_infinite()
        ));
    }
}
