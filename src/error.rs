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

    /// A censored or interval response that cannot be used (the first bad one named).
    #[error("response {index} ({lower}, {upper}) {reason}")]
    InvalidResponse {
        /// Position of the response in the data.
        index: usize,
        /// Its lower bound (the value, for an exact one).
        lower: f64,
        /// Its upper bound (the value, for an exact one; the status, for a bad status).
        upper: f64,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A truncation range that is empty or has a NaN bound.
    #[error("invalid truncation range ({lower}, {upper}): the lower bound must be below the upper")]
    InvalidTruncation {
        /// The lower bound given.
        lower: f64,
        /// The upper bound given.
        upper: f64,
    },

    /// A response outside the range the data are truncated to: it could not have been recorded.
    #[error(
        "response {index} [{lower}, {upper}] lies outside the truncation range ({}, {}): it could not have been recorded",
        range.0, range.1
    )]
    OutsideTruncation {
        /// Position of the response in the data.
        index: usize,
        /// Its lower bound (the value, for an exact one).
        lower: f64,
        /// Its upper bound (the value, for an exact one).
        upper: f64,
        /// The truncation range.
        range: (f64, f64),
    },

    /// A weight that is negative, zero or not finite.
    #[error("weight {index} is {value}: weights must be finite and positive")]
    InvalidWeight {
        /// Position of the observation.
        index: usize,
        /// The weight given.
        value: f64,
    },

    /// A list that must have one entry per observation (cluster keys) has another length.
    #[error("expected one {what} per observation ({expected}), got {got}")]
    WrongLength {
        /// What the list holds.
        what: &'static str,
        /// The number of observations.
        expected: usize,
        /// The number of entries given.
        got: usize,
    },

    /// Standard errors of a kind that does not suit the likelihood were asked for.
    #[error("{kind} standard errors do not suit this fit: {reason}")]
    UnsuitableStdErrors {
        /// The kind asked for.
        kind: crate::outcome::SeKind,
        /// Why.
        reason: &'static str,
    },

    /// A likelihood-ratio quantity was asked of a pseudo-likelihood (sampling weights), whose
    /// ratios do not follow the chi-square law.
    #[error(
        "{what} needs a likelihood; under sampling weights the NLL is a pseudo-likelihood: use the robust Wald intervals"
    )]
    PseudoLikelihood {
        /// What was asked for.
        what: &'static str,
    },

    /// A profile kept meeting points better than the fit it was refitted from.
    #[error(
        "the profile met a point with NLL {nll} below the fit's {fit_nll} after {refits} refits: the likelihood has better optima (or is unbounded) away from the fit; try more starts"
    )]
    BetterOptimum {
        /// The NLL of the better point.
        nll: f64,
        /// The NLL of the last refit.
        fit_nll: f64,
        /// How many refits were made.
        refits: usize,
    },

    /// A family named alongside another parameterization of the same model (ranking both
    /// would count the model twice in the Akaike weights).
    #[error(
        "{family} is the same model as {same_as} in another parameterization: it is ranked once, as {same_as}"
    )]
    SameModel {
        /// The family left out.
        family: String,
        /// The family kept.
        same_as: String,
    },

    /// A parameter that must be fixed by the user was not (a binomial's number of trials).
    #[error("parameter `{name}` must be fixed: {reason}")]
    FixRequired {
        /// The parameter.
        name: String,
        /// Why, and how to fix it.
        reason: &'static str,
    },

    /// An interval that cannot be computed for this model (the reason says why, and what to
    /// use instead).
    #[error("this interval is not available: {reason}")]
    IntervalUnavailable {
        /// Why.
        reason: &'static str,
    },

    /// A bootstrap interval or standard error cannot be computed.
    #[error("the bootstrap cannot give this: {reason}")]
    BootstrapUnavailable {
        /// Why.
        reason: &'static str,
    },

    /// Discrete and continuous families named for one comparison: a probability and a
    /// density are not on one likelihood scale, so their AICs cannot be ranked together.
    #[error(
        "discrete families ({discrete}) and continuous ones ({continuous}) cannot be ranked together: a probability and a density are not on one likelihood scale; name one kind"
    )]
    IncomparableFamilies {
        /// The discrete families named.
        discrete: String,
        /// The continuous families named.
        continuous: String,
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
