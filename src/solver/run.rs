//! One optimizer run: the settings it is given and what it hands back.

use crate::objective::Failure;

/// What one run of an optimizer is given beyond the objective: the user's tolerance, the
/// iterations left, and what the driver adjusts between runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunSettings {
    /// The stationarity tolerance, in standard errors.
    pub(crate) tolerance: f64,
    /// Iterations this run may take.
    pub(crate) max_iters: u64,
    /// Scales L-BFGS's own gradient test (on the gradient norm in diagonally scaled
    /// coordinates) below the tolerance when correlated parameters made it stop short of it.
    pub(crate) gradient_factor: f64,
    /// The edge of Nelder-Mead's first simplex, in the scaled coordinates.
    pub(crate) simplex_edge: f64,
    /// The factor a recovery run cuts the longest step (L-BFGS) or the initial simplex
    /// (Nelder-Mead) by; `None` for an ordinary run.
    pub(crate) shrink: Option<f64>,
}

/// How an optimizer run ended, before the driver's verdict.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ended {
    /// The solver's own convergence test fired.
    SolverConverged,
    /// The iteration cap was reached.
    MaxIterations,
    /// The line search gave up.
    LineSearch,
    /// An evaluation failed (non-finite NLL, a parameter off its space).
    Failure(Failure),
    /// The driver stopped an L-BFGS run in unwhitened coordinates after a checkpoint's
    /// iterations to measure the Hessian and carry on in coordinates it whitens.
    Checkpoint,
}

/// What an optimizer run hands back, in the scaled coordinates.
pub(crate) struct Run {
    pub(crate) z: Vec<f64>,
    pub(crate) f: f64,
    pub(crate) gradient: Option<Vec<f64>>,
    pub(crate) iterations: u64,
    pub(crate) path: Vec<Vec<f64>>,
    pub(crate) ended: Ended,
}
