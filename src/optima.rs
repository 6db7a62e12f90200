//! What the starts of a multi-start fit found: the distinct optima, best first, and how many
//! starts reached each. A value; the solver (`solver/multistart.rs`) computes it.

use std::fmt;

/// One distinct optimum that one or more starts converged to.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    pub(crate) nll: f64,
    pub(crate) estimates: Vec<f64>,
    pub(crate) reached: usize,
}

impl Optimum {
    /// The summed NLL at the optimum.
    pub fn nll(&self) -> f64 {
        self.nll
    }

    /// The estimates there, every declared parameter in order.
    pub fn estimates(&self) -> &[f64] {
        &self.estimates
    }

    /// How many starts converged to it.
    pub fn reached(&self) -> usize {
        self.reached
    }
}

/// What a multi-start fit's starts found.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiStart {
    pub(crate) starts: usize,
    pub(crate) seed: u64,
    /// Distinct verified optima (converged, with a positive-definite Hessian), lowest NLL
    /// first; the fit is at the first. (When no start reached one: the distinct converged
    /// points, or the points where the starts stopped.)
    pub(crate) optima: Vec<Optimum>,
    /// Starts whose fit did not reach a verified optimum: not converged, converged where the
    /// Hessian is not positive definite, or could not start (the NLL not finite there).
    pub(crate) not_converged: usize,
    /// The lowest NLL a start stopped at without reaching a verified optimum, when it is below
    /// the best optimum's: a better optimum may exist that no start reached, or the likelihood
    /// is unbounded there (a scale collapsing onto one observation).
    pub(crate) lower_unconverged: Option<f64>,
}

impl MultiStart {
    /// The number of starts.
    pub fn starts(&self) -> usize {
        self.starts
    }

    /// The seed of the starts' design.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The distinct optima the starts converged to, lowest NLL first.
    pub fn optima(&self) -> &[Optimum] {
        &self.optima
    }

    /// How many starts reached the best optimum (the one the fit reports).
    pub fn reached_best(&self) -> usize {
        self.optima.first().map_or(0, |o| o.reached)
    }

    /// How many starts did not converge.
    pub fn not_converged(&self) -> usize {
        self.not_converged
    }

    /// The lowest NLL at which a start stopped without reaching a verified optimum (not
    /// converged, or converged where the Hessian is not positive definite), when below the
    /// best optimum's.
    pub fn lower_unconverged(&self) -> Option<f64> {
        self.lower_unconverged
    }
}

impl fmt::Display for MultiStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} starts reached this optimum; {} distinct optim{} found",
            self.reached_best(),
            self.starts,
            self.optima.len(),
            if self.optima.len() == 1 { "um" } else { "a" }
        )?;
        if self.not_converged > 0 {
            write!(
                f,
                "; {} start(s) did not reach a verified optimum",
                self.not_converged
            )?;
        }
        Ok(())
    }
}
