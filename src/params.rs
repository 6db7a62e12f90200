//! Parameter spaces and the transforms that keep every optimizer inside them.
//!
//! The optimizer works in unconstrained coordinates `u`: a free parameter is its own
//! coordinate, a positive one is `u = ln θ`, one in an open interval `(a, b)` is
//! `u = logit((θ − a) / (b − a))`, and a fixed one has no coordinate at all.

use std::fmt;

use crate::error::{Error, Result};

/// Where a parameter may live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Space {
    /// The whole real line.
    Free,
    /// `(0, ∞)`, enforced by optimizing `ln θ`.
    Positive,
    /// The open interval `(lower, upper)`, enforced by optimizing the logit.
    Interval {
        /// Lower bound (excluded).
        lower: f64,
        /// Upper bound (excluded).
        upper: f64,
    },
    /// Held at this value; not estimated.
    Fixed(f64),
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Space::Free => write!(f, "(-inf, inf)"),
            Space::Positive => write!(f, "(0, inf)"),
            Space::Interval { lower, upper } => write!(f, "({lower}, {upper})"),
            Space::Fixed(v) => write!(f, "fixed at {v}"),
        }
    }
}

impl Space {
    /// Whether `value` lies inside the space (finite and within its bounds).
    pub fn contains(&self, value: f64) -> bool {
        if !value.is_finite() {
            return false;
        }
        match *self {
            Space::Free => true,
            Space::Positive => value > 0.0,
            Space::Interval { lower, upper } => value > lower && value < upper,
            Space::Fixed(v) => value.to_bits() == v.to_bits(),
        }
    }

    /// The unconstrained coordinate of a value inside the space.
    pub(crate) fn to_unconstrained(self, value: f64) -> f64 {
        match self {
            Space::Free | Space::Fixed(_) => value,
            Space::Positive => value.ln(),
            Space::Interval { lower, upper } => ((value - lower) / (upper - value)).ln(),
        }
    }

    /// The value at unconstrained coordinate `u`; `None` when it falls out of the space in
    /// floating point (an exponent that underflows or overflows, a logistic that rounds to a
    /// bound): the optimizer has run off towards the edge of the space.
    pub(crate) fn at_unconstrained(self, u: f64) -> Option<f64> {
        let value = match self {
            Space::Free | Space::Fixed(_) => u,
            Space::Positive => u.exp(),
            Space::Interval { lower, upper } => {
                let width = upper - lower;
                if u >= 0.0 {
                    lower + width / (1.0 + (-u).exp())
                } else {
                    let e = u.exp();
                    lower + width * e / (1.0 + e)
                }
            }
        };
        self.contains(value).then_some(value)
    }

    /// `dθ/du` at the value `θ`.
    pub(crate) fn derivative(self, value: f64) -> f64 {
        match self {
            Space::Free => 1.0,
            Space::Fixed(_) => 0.0,
            Space::Positive => value,
            Space::Interval { lower, upper } => (value - lower) * (upper - value) / (upper - lower),
        }
    }

    /// Whether `value` lies at the edge of an interval space: within [`EDGE_FRACTION`] of its
    /// width from a bound, where the logit saturates (never for another space).
    pub(crate) fn at_edge(self, value: f64) -> bool {
        match self {
            Space::Interval { lower, upper } => {
                (value - lower).min(upper - value) <= EDGE_FRACTION * (upper - lower)
            }
            _ => false,
        }
    }

    /// `(d²θ/du²) / (dθ/du)` at the value `θ`: how fast the transform's slope changes, relative
    /// to the slope (1 for `exp`, `1 − 2σ` for the logistic with `σ` the position in the
    /// interval, 0 for a free or fixed parameter).
    pub(crate) fn curl(self, value: f64) -> f64 {
        match self {
            Space::Free | Space::Fixed(_) => 0.0,
            Space::Positive => 1.0,
            Space::Interval { lower, upper } => 1.0 - 2.0 * (value - lower) / (upper - lower),
        }
    }
}

/// A parameter closer to a bound of its interval than this fraction of the interval's width
/// is at the edge: the verdict's test and the certificate's.
pub(crate) const EDGE_FRACTION: f64 = 1e-6;

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name, unique in the model.
    pub name: String,
    /// Where the optimizer starts (for a fixed parameter, its value).
    pub start: f64,
    /// Its space.
    pub space: Space,
}

/// A validated list of parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Params {
    params: Vec<Param>,
    /// Positions of the parameters that are estimated.
    free: Vec<usize>,
}

impl Params {
    /// Checks names, bounds and starts; at least one parameter must be free.
    pub(crate) fn new(params: Vec<Param>) -> Result<Self> {
        for (i, p) in params.iter().enumerate() {
            if p.name.is_empty() {
                return Err(Error::EmptyParameterName { position: i });
            }
            if params[..i].iter().any(|q| q.name == p.name) {
                return Err(Error::DuplicateParameter {
                    name: p.name.clone(),
                });
            }
            if let Space::Interval { lower, upper } = p.space
                && !(lower.is_finite() && upper.is_finite() && lower < upper)
            {
                return Err(Error::InvalidBounds {
                    name: p.name.clone(),
                    lower,
                    upper,
                });
            }
            if let Space::Fixed(v) = p.space
                && !v.is_finite()
            {
                return Err(outside(p, v));
            }
            if !p.space.contains(p.start) {
                return Err(outside(p, p.start));
            }
        }
        let free: Vec<usize> = (0..params.len())
            .filter(|&i| !matches!(params[i].space, Space::Fixed(_)))
            .collect();
        if free.is_empty() {
            return Err(Error::NoFreeParameter);
        }
        Ok(Params { params, free })
    }

    pub(crate) fn all(&self) -> &[Param] {
        &self.params
    }

    /// Positions of the free parameters.
    pub(crate) fn free(&self) -> &[usize] {
        &self.free
    }

    pub(crate) fn starts(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.start).collect()
    }

    /// Checks a full parameter vector: its length, and every value inside its space.
    pub(crate) fn check(&self, values: &[f64]) -> Result<()> {
        if values.len() != self.params.len() {
            return Err(Error::WrongParameterCount {
                expected: self.params.len(),
                got: values.len(),
            });
        }
        for (p, &v) in self.params.iter().zip(values) {
            if let Space::Fixed(fixed) = p.space
                && v.to_bits() != fixed.to_bits()
            {
                return Err(Error::FixedParameterChanged {
                    name: p.name.clone(),
                    fixed,
                    value: v,
                });
            }
            if !p.space.contains(v) {
                return Err(outside(p, v));
            }
        }
        Ok(())
    }
}

fn outside(p: &Param, value: f64) -> Error {
    Error::OutsideSpace {
        name: p.name.clone(),
        value,
        space: p.space.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUND_TRIP: f64 = 1e-12;

    #[test]
    fn transforms_round_trip() {
        let spaces = [
            (Space::Free, -3.5),
            (Space::Positive, 1e-6),
            (Space::Positive, 1e6),
            (
                Space::Interval {
                    lower: -1.0,
                    upper: 2.0,
                },
                1.999,
            ),
            (
                Space::Interval {
                    lower: 0.0,
                    upper: 1.0,
                },
                1e-9,
            ),
        ];
        for (space, value) in spaces {
            let back = space
                .at_unconstrained(space.to_unconstrained(value))
                .unwrap();
            approx::assert_relative_eq!(back, value, max_relative = ROUND_TRIP);
        }
    }

    #[test]
    fn edges_of_floating_point_leave_the_space() {
        assert_eq!(Space::Positive.at_unconstrained(-800.0), None);
        assert_eq!(Space::Positive.at_unconstrained(800.0), None);
        let unit = Space::Interval {
            lower: 0.0,
            upper: 1.0,
        };
        assert_eq!(unit.at_unconstrained(40.0), None);
        assert_eq!(unit.at_unconstrained(-800.0), None);
    }

    #[test]
    fn invalid_declarations_are_errors() {
        let p = |name: &str, start, space| Param {
            name: name.into(),
            start,
            space,
        };
        assert!(matches!(
            Params::new(vec![p("a", 1.0, Space::Free), p("a", 1.0, Space::Free)]),
            Err(Error::DuplicateParameter { .. })
        ));
        assert!(matches!(
            Params::new(vec![p("s", 0.0, Space::Positive)]),
            Err(Error::OutsideSpace { .. })
        ));
        assert!(matches!(
            Params::new(vec![p("m", f64::NAN, Space::Free)]),
            Err(Error::OutsideSpace { .. })
        ));
        let bad = Space::Interval {
            lower: 1.0,
            upper: 1.0,
        };
        assert!(matches!(
            Params::new(vec![p("q", 1.0, bad)]),
            Err(Error::InvalidBounds { .. })
        ));
        assert!(matches!(
            Params::new(vec![p("k", 2.0, Space::Fixed(2.0))]),
            Err(Error::NoFreeParameter)
        ));
    }
}
