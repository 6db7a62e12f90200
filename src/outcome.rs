//! What a fit ends with: converged, and by which test, or why not; and why standard errors
//! are absent when they are. Plain values at the bottom of the crate, shared by the error type,
//! the solver, the fit and its reports.

use std::fmt;

/// A relative curvature below minus this is the NLL curving down, not rounding of a flat one.
pub(crate) const NEGATIVE_CURVATURE: f64 = 1e-6;

/// An evaluation of the likelihood that failed: the one failure type of the error and of a
/// fit's stop reason.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EvaluationFailure {
    /// The log-density of one observation is NaN or infinite.
    NonFiniteLogDensity {
        /// Position of the observation in the data.
        index: usize,
        /// The value the log-density returned.
        value: f64,
        /// The parameters it was evaluated at (all of them, in declaration order).
        params: Vec<f64>,
    },
    /// The supplied score of one observation is not finite.
    NonFiniteScore {
        /// Position of the observation in the data.
        index: usize,
        /// The parameters it was evaluated at.
        params: Vec<f64>,
    },
    /// Every term is finite but their sum overflowed.
    NllOverflow {
        /// The parameters it was evaluated at.
        params: Vec<f64>,
    },
}

impl fmt::Display for EvaluationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvaluationFailure::NonFiniteLogDensity {
                index,
                value,
                params,
            } => write!(
                f,
                "the log-density of observation {index} is {value} at parameters {params:?}"
            ),
            EvaluationFailure::NonFiniteScore { index, params } => write!(
                f,
                "the supplied score of observation {index} is not finite at parameters {params:?}"
            ),
            EvaluationFailure::NllOverflow { params } => {
                write!(
                    f,
                    "the negative log-likelihood overflowed at parameters {params:?}"
                )
            }
        }
    }
}

/// Which test a converged fit passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvergedBy {
    /// The gradient is below the stationarity tolerance: the optimum is estimated to lie closer
    /// than `tolerance` standard errors.
    Gradient,
    /// The optimizer stopped (its line search or cost test) where rounding stops progress: the
    /// gradient is within its rounding noise, or the distance to the optimum it implies is
    /// below what differences of NLL values can resolve. Both can exceed the requested
    /// tolerance; [`Fit::distance_to_optimum`](crate::Fit::distance_to_optimum) says by how much.
    PrecisionLimit,
    /// The Nelder-Mead simplex's costs agree to within the tolerance, and the gradient there
    /// confirms a stationary point.
    SimplexSpread,
}

/// Why a fit that did not converge stopped.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StopReason {
    /// The iteration cap was reached first.
    MaxIterations {
        /// The cap.
        iterations: u64,
    },
    /// The line search could not make progress, and the gradient says the optimum is still
    /// `distance` standard errors away.
    LineSearchFailed {
        /// Estimated distance to the optimum, in standard errors.
        distance: f64,
    },
    /// The cost stopped changing while the gradient says the optimum is `distance` standard
    /// errors away.
    Stalled {
        /// Estimated distance to the optimum, in standard errors.
        distance: f64,
    },
    /// The simplex collapsed `distance` standard errors away from a stationary point.
    SimplexCollapsed {
        /// Estimated distance to the optimum, in standard errors.
        distance: f64,
    },
    /// The log-density or the score could not be computed at a point the optimizer tried.
    Evaluation(EvaluationFailure),
    /// The NLL curves down where the optimizer stopped (along `direction`, in the user's
    /// parameters): a saddle point, or a likelihood that grows without bound.
    NotAMinimum {
        /// The direction, as (name, coefficient) with the largest coefficient 1.
        direction: Vec<(String, f64)>,
    },
    /// The optimizer stopped where a parameter's transformed coordinate saturates (a logit or
    /// a log next to its bound, where moving the coordinate hardly moves the parameter): the
    /// gradient in the user's parameters still puts the optimum `distance` standard errors
    /// away, or (infinite) the NLL is flat there and cannot say where the optimum is. The
    /// optimum may lie inside the space or on its edge; either way this is not an interior MLE.
    Saturated {
        /// The parameter.
        name: String,
        /// Estimated distance to the optimum in the user's parameters, in standard errors
        /// (infinite when it cannot be measured).
        distance: f64,
    },
    /// The gradient vanishes but the Hessian is flat along `direction`, and the NLL still falls
    /// some way further along it: a plateau the optimizer stalled on (a likelihood that keeps
    /// rising as parameters run off together), not an optimum.
    Plateau {
        /// The flat direction, as (name, coefficient) with the largest coefficient 1.
        direction: Vec<(String, f64)>,
    },
    /// A value the optimizer tried left a parameter's space in floating point (a positive one
    /// reaching 0 or infinity, an interval one rounding onto a bound, a free one overflowing):
    /// the likelihood may be unbounded, as for a Normal on all-equal data.
    Diverged {
        /// The parameter whose value left its space.
        name: String,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::MaxIterations { iterations } => {
                write!(f, "iteration cap of {iterations} reached")
            }
            StopReason::LineSearchFailed { distance } => write!(
                f,
                "line search failed with the optimum still about {distance:.3e} standard errors away"
            ),
            StopReason::Stalled { distance } => write!(
                f,
                "the NLL stopped changing with the optimum still about {distance:.3e} standard errors away"
            ),
            StopReason::SimplexCollapsed { distance } => write!(
                f,
                "the simplex collapsed about {distance:.3e} standard errors away from a stationary point"
            ),
            StopReason::Evaluation(failure) => write!(f, "{failure}"),
            StopReason::NotAMinimum { direction } => write!(
                f,
                "the NLL curves down along {} where the optimizer stopped: not a minimum \
                 (a saddle, or a likelihood that grows without bound)",
                Direction(direction)
            ),
            StopReason::Saturated { name, distance } if distance.is_finite() => write!(
                f,
                "`{name}` is pinned next to the edge of its space, where its transformed \
                 coordinate saturates; in the user's parameters the optimum is still about \
                 {distance:.3e} standard errors away"
            ),
            StopReason::Saturated { name, .. } => write!(
                f,
                "`{name}` is pinned at the edge of its space, where the NLL does not change \
                 with it in floating point: the gradient there cannot locate the optimum \
                 (start it away from the edge; if the optimum is on the edge, the MLE is a \
                 boundary one)"
            ),
            StopReason::Plateau { direction } => write!(
                f,
                "the NLL is flat along {} where the optimizer stopped but falls further along \
                 it: a plateau, not an optimum (parameters running off together)",
                Direction(direction)
            ),
            StopReason::Diverged { name } => write!(
                f,
                "a value of `{name}` the optimizer tried left its space in floating point: \
                 the likelihood may be unbounded (look for a parameter running to an edge)"
            ),
        }
    }
}

/// The verdict on a fit.
#[derive(Debug, Clone, PartialEq)]
pub enum Convergence {
    /// The optimizer reached an optimum, by the named test.
    Converged(ConvergedBy),
    /// It did not; the estimates are where it stopped and are not an MLE.
    NotConverged(StopReason),
}

/// Why standard errors are not available. Never NaN: absent, with the reason.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SeUnavailable {
    /// Turned off in the fit's options.
    NotRequested,
    /// The parameter is fixed: it has no standard error.
    Fixed,
    /// The fit did not converge (or its gradient says it is far from the optimum): the
    /// estimates are not an MLE and the curvature there means nothing.
    NotConverged,
    /// The NLL is not finite at points next to the estimates.
    NonFiniteNearEstimates,
    /// The Hessian is not positive definite: along `direction` the NLL is flat (or curves down).
    NotPositiveDefinite {
        /// The direction in the user's parameters, as (name, coefficient) with the largest
        /// coefficient 1: moving the parameters together by these amounts leaves the NLL flat.
        direction: Vec<(String, f64)>,
        /// The curvature along it, relative to the largest (1 = as curved as the best-determined
        /// direction; ≤ 0 = flat or negative).
        relative_curvature: f64,
    },
    /// A parameter sits at the edge of its interval space: the MLE is on the boundary and the
    /// curvature there does not give standard errors.
    AtEdge {
        /// The parameter.
        name: String,
    },
    /// The standard errors changed by this fraction when the finite-difference step was halved.
    Unstable {
        /// The largest relative change.
        change: f64,
    },
    /// The outer product of the per-observation scores is singular (OPG standard errors need
    /// it inverted).
    SingularScores,
    /// Cluster-robust standard errors need at least two clusters.
    TooFewClusters {
        /// The number of clusters in the data.
        clusters: usize,
    },
    /// The per-observation scores could not be computed at the estimates.
    ScoresFailed,
}

impl fmt::Display for SeUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeUnavailable::NotRequested => write!(f, "not requested"),
            SeUnavailable::Fixed => write!(f, "the parameter is fixed"),
            SeUnavailable::NotConverged => write!(f, "the fit did not converge"),
            SeUnavailable::NonFiniteNearEstimates => {
                write!(f, "the NLL is not finite next to the estimates")
            }
            SeUnavailable::NotPositiveDefinite {
                direction,
                relative_curvature,
            } => {
                write!(f, "the Hessian is not positive definite: the NLL is ")?;
                f.write_str(if *relative_curvature < -NEGATIVE_CURVATURE {
                    "curving down"
                } else {
                    "flat"
                })?;
                write!(f, " along {}", Direction(direction))?;
                write!(f, " (relative curvature {relative_curvature:.1e})")
            }
            SeUnavailable::AtEdge { name } => {
                write!(f, "`{name}` is at the edge of its space")
            }
            SeUnavailable::SingularScores => write!(
                f,
                "the outer product of the per-observation scores is singular"
            ),
            SeUnavailable::TooFewClusters { clusters } => write!(
                f,
                "cluster-robust standard errors need at least 2 clusters; the data have {clusters}"
            ),
            SeUnavailable::ScoresFailed => write!(
                f,
                "the per-observation scores are not finite at the estimates"
            ),
            SeUnavailable::Unstable { change } => write!(
                f,
                "they change by {:.1}% when the finite-difference step is halved",
                100.0 * change
            ),
        }
    }
}

/// A direction in parameter space, printed as a combination like `+1·a −1·b`.
pub(crate) struct Direction<'a>(pub(crate) &'a [(String, f64)]);

impl fmt::Display for Direction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, c)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(
                f,
                "{}{:.3}·{name}",
                if *c < 0.0 { '-' } else { '+' },
                c.abs()
            )?;
        }
        Ok(())
    }
}

/// The kind of standard errors a fit reports.
///
/// All are computed at the estimates from the observed information `H` (the Hessian of the
/// NLL) and, for the robust kinds, the per-observation scores `sᵢ`:
///
/// | kind | covariance |
/// |---|---|
/// | `Observed` | `H⁻¹` |
/// | `Robust` | `H⁻¹ B H⁻¹`, `B = Σ sᵢ sᵢᵀ` (Huber–White sandwich, HC0) |
/// | `Opg` | `B⁻¹` (outer product of gradients, BHHH) |
/// | `Cluster` | `H⁻¹ B_c H⁻¹ · G/(G − 1)`, `B_c = Σ_g (Σ_{i∈g} sᵢ)(Σ_{i∈g} sᵢ)ᵀ` over `G` clusters |
///
/// Under frequency weights an observation of weight `w` counts `w` times in `B`; under sampling
/// weights its weighted score counts once (the pseudo-likelihood's sandwich).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SeKind {
    /// From the observed information (the inverse Hessian of the NLL).
    Observed,
    /// The sandwich `H⁻¹ B H⁻¹`, right when the model is misspecified (HC0).
    Robust,
    /// The outer product of the per-observation scores, `B⁻¹` (BHHH).
    Opg,
    /// The sandwich with scores summed within clusters, with the small-sample factor
    /// `G/(G − 1)` (as R's `sandwich::vcovCL` with `type = "HC0"` and Stata).
    Cluster,
}

impl SeKind {
    /// The kind's name as the command line and the JSON write it.
    pub fn name(self) -> &'static str {
        match self {
            SeKind::Observed => "observed",
            SeKind::Robust => "robust",
            SeKind::Opg => "opg",
            SeKind::Cluster => "cluster",
        }
    }
}

impl fmt::Display for SeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
