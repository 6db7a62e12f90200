//! The certificate every fit carries: checks on the optimizer's stop, the gradient, the Hessian,
//! the stability of the standard errors and the edges of the parameter spaces, each passed,
//! warned about or failed, and a verdict from them.

use std::fmt;

use crate::inference::Inference;
use crate::optima::MultiStart;
use crate::outcome::{ConvergedBy, Convergence, SeKind, SeUnavailable};
use crate::params::{Param, Space};

/// Distance to the optimum (standard errors) below which the gradient check passes.
const GRADIENT_PASS: f64 = 1e-3;
/// ... and beyond which it fails.
const GRADIENT_FAIL: f64 = 0.1;
/// Resolution (standard errors) beyond which a point cannot be told from its neighbours within
/// its own uncertainty: the check fails whatever the gradient.
const UNLOCATABLE: f64 = 1.0;
/// Condition number of the scaled Hessian beyond which it warns.
const CONDITION_WARN: f64 = 1e8;
/// Relative change of the standard errors with the step below which they are stable ...
const STEP_PASS: f64 = 1e-4;
/// ... and beyond which they are meaningless.
const STEP_FAIL: f64 = 1e-2;
/// Distance to a bound, in standard errors, that warns.
const NEAR_EDGE_SE: f64 = 2.0;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Nothing to report.
    Pass,
    /// Usable, with a caveat.
    Warn,
    /// Not to be trusted.
    Fail,
}

/// One check, with what it found.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub(crate) name: &'static str,
    pub(crate) status: Status,
    pub(crate) detail: String,
}

impl Check {
    /// What is checked: `optimizer`, `gradient`, `hessian`, `step stability`, `edge` or
    /// `multi-start`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its outcome.
    pub fn status(&self) -> Status {
        self.status
    }

    /// What it found.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// The verdict of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Every check passed.
    Trusted,
    /// Some checks warned; none failed.
    TrustedWithWarnings,
    /// A check failed.
    NotTrusted,
}

/// The checks behind a fit's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    checks: Vec<Check>,
}

impl Certificate {
    /// The verdict.
    pub fn trust(&self) -> Trust {
        match self.checks.iter().map(|c| c.status).max() {
            Some(Status::Fail) => Trust::NotTrusted,
            Some(Status::Warn) => Trust::TrustedWithWarnings,
            _ => Trust::Trusted,
        }
    }

    /// Every check.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The checks that warned.
    pub fn warnings(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Status::Warn)
    }

    /// Writes each check that did not pass on its own line, tagged `FAIL` or `warn`.
    pub(crate) fn write_notes(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.checks.iter().filter(|c| c.status != Status::Pass) {
            let tag = if c.status == Status::Fail {
                "FAIL"
            } else {
                "warn"
            };
            write!(f, "\n  {tag} {}: {}", c.name, c.detail)?;
        }
        Ok(())
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }
}

impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trust::Trusted => "TRUSTED",
            Trust::TrustedWithWarnings => "TRUSTED WITH WARNINGS",
            Trust::NotTrusted => "NOT TRUSTED",
        })
    }
}

impl fmt::Display for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "verdict: {}", self.trust())?;
        self.write_notes(f)
    }
}

/// What the certificate is built from.
pub(crate) struct Evidence<'a> {
    pub(crate) convergence: &'a Convergence,
    pub(crate) distance: Option<f64>,
    pub(crate) precision: f64,
    pub(crate) params: &'a [Param],
    pub(crate) estimates: &'a [f64],
    pub(crate) observed: &'a Result<Inference, SeUnavailable>,
    pub(crate) multi_start: Option<&'a MultiStart>,
}

/// The checks made so far, and the first reason a failed one gives to refuse the standard
/// errors.
#[derive(Default)]
struct Checks {
    checks: Vec<Check>,
    refuse: Option<SeUnavailable>,
}

impl Checks {
    fn add(
        &mut self,
        name: &'static str,
        status: Status,
        detail: String,
        reason: Option<SeUnavailable>,
    ) {
        if status == Status::Fail && self.refuse.is_none() {
            self.refuse = reason;
        }
        self.checks.push(Check {
            name,
            status,
            detail,
        });
    }
}

/// Builds the certificate, and says why standard errors must be refused if they must.
pub(crate) fn certify(e: &Evidence<'_>) -> (Certificate, Option<SeUnavailable>) {
    let mut out = Checks::default();
    optimizer(e, &mut out);
    gradient(e, &mut out);
    curvature(e, &mut out);
    edges(e, &mut out);
    if let Some(m) = e.multi_start {
        multi_start(m, &mut out);
    }
    (Certificate { checks: out.checks }, out.refuse)
}

/// Why the optimizer stopped.
fn optimizer(e: &Evidence<'_>, out: &mut Checks) {
    match e.convergence {
        Convergence::Converged(ConvergedBy::PrecisionLimit) if e.precision > GRADIENT_FAIL => {
            out.add(
                "optimizer",
                Status::Warn,
                format!(
                    "converged at the limit of floating-point precision, which is {:.1e} standard errors here",
                    e.precision
                ),
                None,
            )
        }
        Convergence::Converged(by) => out.add(
            "optimizer",
            Status::Pass,
            format!("converged ({by:?})"),
            None,
        ),
        Convergence::NotConverged(reason) => out.add(
            "optimizer",
            Status::Fail,
            format!("did not converge: {reason}"),
            Some(SeUnavailable::NotConverged),
        ),
    }
}

/// The gradient, as a distance to the optimum in standard errors.
fn gradient(e: &Evidence<'_>, out: &mut Checks) {
    if e.precision > UNLOCATABLE {
        // Rounding of the NLL hides the optimum's position under more than a standard error:
        // whatever the gradient says, this is no estimate (a scale collapsed onto one
        // observation makes the NLL's terms huge, say).
        return out.add(
            "gradient",
            Status::Fail,
            format!(
                "rounding of the NLL leaves the optimum's position undetermined to {:.1e} standard errors",
                e.precision
            ),
            Some(SeUnavailable::NotConverged),
        );
    }
    match e.distance {
        Some(d) if d <= GRADIENT_PASS.max(e.precision) => out.add(
            "gradient",
            Status::Pass,
            format!("optimum within {d:.1e} standard errors"),
            None,
        ),
        Some(d) if d <= GRADIENT_FAIL => out.add(
            "gradient",
            Status::Warn,
            format!("the gradient puts the optimum {d:.1e} standard errors away"),
            None,
        ),
        Some(d) => out.add(
            "gradient",
            Status::Fail,
            format!("the gradient puts the optimum {d:.1e} standard errors away"),
            Some(SeUnavailable::NotConverged),
        ),
        None => out.add(
            "gradient",
            Status::Fail,
            "the gradient at the estimates could not be computed".into(),
            Some(SeUnavailable::NotConverged),
        ),
    }
}

/// The Hessian, and the stability of the standard errors.
fn curvature(e: &Evidence<'_>, out: &mut Checks) {
    match e.observed {
        Ok(inference) => {
            let condition = inference.condition();
            out.add(
                "hessian",
                if condition > CONDITION_WARN {
                    Status::Warn
                } else {
                    Status::Pass
                },
                match inference.kind() {
                    SeKind::Observed => {
                        format!("positive definite, condition number {condition:.1e}")
                    }
                    kind => format!(
                        "positive definite, condition number {condition:.1e}; the standard errors are {kind} ones"
                    ),
                },
                None,
            );
            let change = inference.step_change();
            let status = if change <= STEP_PASS {
                Status::Pass
            } else if change <= STEP_FAIL {
                Status::Warn
            } else {
                Status::Fail
            };
            out.add(
                "step stability",
                status,
                format!(
                    "standard errors change by {change:.1e} (relative) when the step is halved"
                ),
                Some(SeUnavailable::Unstable { change }),
            );
        }
        // Not computed: nothing to check (a fit that did not converge already failed above).
        Err(SeUnavailable::NotRequested | SeUnavailable::NotConverged) => {}
        // The Hessian was fine; the robust kind asked for could not be computed.
        Err(
            reason @ (SeUnavailable::TooFewClusters { .. }
            | SeUnavailable::SingularScores
            | SeUnavailable::ScoresFailed),
        ) => out.add(
            "standard errors",
            Status::Warn,
            reason.to_string(),
            Some(reason.clone()),
        ),
        Err(reason) => out.add(
            "hessian",
            Status::Fail,
            reason.to_string(),
            Some(reason.clone()),
        ),
    }
}

/// Estimates at or near the edge of their space.
fn edges(e: &Evidence<'_>, out: &mut Checks) {
    for (p, &value) in e.params.iter().zip(e.estimates) {
        let se = e
            .observed
            .as_ref()
            .ok()
            .and_then(|inf| inf.std_error(&p.name).ok());
        // A positive parameter has no width to be a fraction of: only nearness, in standard
        // errors, is flagged.
        let (gap, at_edge) = match p.space {
            Space::Interval { lower, upper } => {
                let gap = (value - lower).min(upper - value);
                (gap, p.space.at_edge(value))
            }
            Space::Positive => (value, false),
            Space::Free | Space::Fixed(_) => continue,
        };
        if at_edge {
            out.add(
                "edge",
                Status::Fail,
                format!(
                    "`{}` = {value} is at the edge of its space {}",
                    p.name, p.space
                ),
                Some(SeUnavailable::AtEdge {
                    name: p.name.clone(),
                }),
            );
        } else if let Some(se) = se
            && gap < NEAR_EDGE_SE * se
        {
            out.add(
                "edge",
                Status::Warn,
                format!(
                    "`{}` is {:.2} standard errors from the edge of {}: its Wald interval crosses it; prefer the profile interval",
                    p.name,
                    gap / se,
                    p.space
                ),
                None,
            );
        }
    }
}

/// How many starts reached the optimum, and whether one stopped lower without converging.
fn multi_start(m: &MultiStart, out: &mut Checks) {
    let status = if m.lower_unconverged().is_some() || m.reached_best() < 2 {
        Status::Warn
    } else {
        Status::Pass
    };
    let mut detail = m.to_string();
    if let Some(lower) = m.lower_unconverged() {
        detail.push_str(&format!(
            "; a start stopped at NLL {lower:.6}, below this optimum, without reaching a verified optimum: a better one may exist, or the likelihood is unbounded there"
        ));
    } else if m.reached_best() < 2 {
        detail.push_str(": other optima may exist that no start reached");
    }
    out.add("multi-start", status, detail, None);
}
