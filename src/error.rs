//! The crate's one error type.

use crate::outcome::{EvaluationFailure, SeUnavailable, StopReason};

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

    /// The log-density or the score could not be computed (the first bad observation named).
    #[error("{0}")]
    Evaluation(EvaluationFailure),

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

    /// A fit converged but its certificate does not trust it, where trust was required.
    #[error("the fit is not trusted: {failures}")]
    NotTrusted {
        /// The checks that failed, with what they found.
        failures: String,
    },

    /// A family name that is not one of the built-in families.
    #[error("unknown family `{name}`: expected one of {expected}")]
    UnknownFamily {
        /// The name given.
        name: String,
        /// The built-in families' names.
        expected: String,
    },

    /// A fit given to a profile or a test is not of this model, or was made on other data.
    #[error("the fit does not belong here: {reason}")]
    FitMismatch {
        /// What differs.
        reason: &'static str,
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
        reason: SeUnavailable,
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

impl Error {
    /// The failed evaluation, for an [`Error::Evaluation`].
    pub fn evaluation(&self) -> Option<&EvaluationFailure> {
        match self {
            Error::Evaluation(failure) => Some(failure),
            _ => None,
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
