//! The crate's one error type.

use crate::fit::StopReason;

/// Everything that can go wrong in maxlik, with the offending values.
///
/// Callers match on variants, never on the message text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data set holds no observations.
    #[error("the data set is empty: a likelihood needs at least one observation")]
    EmptyData,

    /// An observation cannot be used by a closed form (not finite, or outside the support).
    #[error("observation {index} is {value}, which {reason}")]
    InvalidObservation {
        /// Position of the observation in the data.
        index: usize,
        /// Its value.
        value: f64,
        /// Why it cannot be used.
        reason: &'static str,
    },

    /// The data cannot identify the parameters (for example all values equal for a Normal,
    /// whose likelihood is unbounded as sigma goes to 0).
    #[error("degenerate data: {reason}")]
    DegenerateData {
        /// What is degenerate about the data.
        reason: &'static str,
    },

    /// Two parameters were declared with the same name.
    #[error("parameter `{name}` is declared twice")]
    DuplicateParameter {
        /// The repeated name.
        name: String,
    },

    /// A parameter name is empty.
    #[error("parameter {position} has an empty name")]
    EmptyParameterName {
        /// Position of the declaration (0-based).
        position: usize,
    },

    /// A parameter's value is outside its space or not finite.
    #[error("parameter `{name}` = {value} is outside its space {space}")]
    OutsideSpace {
        /// The parameter's name.
        name: String,
        /// The offending value.
        value: f64,
        /// The space as text, e.g. `(0, inf)`.
        space: String,
    },

    /// An interval space with bounds that are not finite or not ordered.
    #[error(
        "parameter `{name}` has an invalid interval ({lower}, {upper}): bounds must be finite and lower < upper"
    )]
    InvalidBounds {
        /// The parameter's name.
        name: String,
        /// Lower bound given.
        lower: f64,
        /// Upper bound given.
        upper: f64,
    },

    /// Every parameter is fixed: there is nothing to estimate.
    #[error("the model has no free parameter: declare at least one that is not fixed")]
    NoFreeParameter,

    /// A name that is not one of the model's parameters.
    #[error("no parameter is named `{name}`")]
    UnknownParameter {
        /// The name asked for.
        name: String,
    },

    /// A parameter vector of the wrong length.
    #[error("expected {expected} parameter values, got {got}")]
    WrongParameterCount {
        /// Number of parameters the model declares.
        expected: usize,
        /// Number of values given.
        got: usize,
    },

    /// A value given for a fixed parameter differs from the value it is fixed at.
    #[error("parameter `{name}` is fixed at {fixed}, but {value} was given")]
    FixedParameterChanged {
        /// The parameter's name.
        name: String,
        /// The value it is fixed at.
        fixed: f64,
        /// The value given.
        value: f64,
    },

    /// The log-density of one observation is NaN or infinite.
    #[error("the log-density of observation {index} is {value} at parameters {params:?}")]
    NonFiniteLogDensity {
        /// Position of the observation in the data.
        index: usize,
        /// The value the closure returned.
        value: f64,
        /// The parameters it was evaluated at (all of them, in declaration order).
        params: Vec<f64>,
    },

    /// Every term is finite but their sum overflowed.
    #[error("the negative log-likelihood overflowed at parameters {params:?}")]
    NllOverflow {
        /// The parameters it was evaluated at.
        params: Vec<f64>,
    },

    /// The supplied gradient of the log-density is not finite.
    #[error("the supplied gradient of observation {index} is not finite at parameters {params:?}")]
    NonFiniteGradient {
        /// Position of the observation in the data.
        index: usize,
        /// The parameters it was evaluated at.
        params: Vec<f64>,
    },

    /// A fit option was set to a value it cannot take.
    #[error("invalid option `{option}` = {value}: {reason}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// The value given.
        value: f64,
        /// What it must satisfy.
        reason: &'static str,
    },

    /// A fit did not converge, where converging was required.
    #[error("the fit did not converge: {reason}")]
    NotConverged {
        /// Why the optimizer stopped.
        reason: StopReason,
    },

    /// A family name that is not one of the built-in families.
    #[error(
        "unknown family `{name}`: expected one of normal, exponential, gamma, weibull, lognormal, poisson, beta, normal-mixture"
    )]
    UnknownFamily {
        /// The name given.
        name: String,
    },

    /// Two fits that a comparison needs nested are not.
    #[error("the fits are not nested: {reason}")]
    NotNested {
        /// Why.
        reason: &'static str,
    },

    /// Standard errors were needed but are not available.
    #[error("standard errors are not available: {reason}")]
    StdErrorsUnavailable {
        /// Why.
        reason: crate::inference::SeUnavailable,
    },

    /// The optimizer failed in a way maxlik does not recognise (a bug to report).
    #[error("the {solver} solver failed: {message}")]
    Solver {
        /// Which solver.
        solver: &'static str,
        /// What it said.
        message: String,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
