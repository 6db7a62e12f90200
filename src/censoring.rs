//! Censored and truncated observations: what is known of each response (an exact value, a
//! bound, an interval), the range the data were recorded in, and the log-likelihood that
//! follows for any distribution that gives its log CDF and log survival function.
//!
//! An observation's contribution is `ln f(y)` for an exact value and `ln P(a < Y ≤ b)` for one
//! known to lie in `(a, b]` (left-censored: `a = −∞`; right-censored: `b = +∞`), minus
//! `ln P(lo < Y ≤ hi)` when the data are truncated to `(lo, hi]`. Every probability is
//! computed from the tail it is small in, so nothing cancels: `ln(F(b) − F(a))` is
//! `ln F(b) + ln(1 − e^(ln F(a) − ln F(b)))` in the lower tail and the same with survival
//! functions in the upper one.

use crate::density::LogDensity;
use crate::error::{Error, Result};

/// What is known of one response.
///
/// For a count (a [`Distribution`] that is [`discrete`](Distribution::discrete)) bounds are
/// inclusive: `Left(c)` is `Y ≤ c`, `Right(c)` is `Y ≥ c`, `Interval(a, b)` is `a ≤ Y ≤ b`.
/// For a continuous response the end points carry no probability and the same values mean
/// `Y ≤ c`, `Y > c` and `a < Y ≤ b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Response {
    /// The value itself.
    Exact(f64),
    /// Left-censored: the value is at most this (below a detection limit, say).
    Left(f64),
    /// Right-censored: the value exceeds this (a survival time still running, say).
    Right(f64),
    /// Interval-censored: the value lies between these, lower first.
    Interval(f64, f64),
}

/// How many observations of each kind a data set holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CensoringCounts {
    /// Exact values.
    pub exact: usize,
    /// Left-censored values.
    pub left: usize,
    /// Right-censored values.
    pub right: usize,
    /// Interval-censored values.
    pub interval: usize,
}

impl CensoringCounts {
    /// Counts the kinds in `data`.
    pub fn of(data: &[Response]) -> Self {
        let mut counts = CensoringCounts::default();
        for r in data {
            match r {
                Response::Exact(_) => counts.exact += 1,
                Response::Left(_) => counts.left += 1,
                Response::Right(_) => counts.right += 1,
                Response::Interval(..) => counts.interval += 1,
            }
        }
        counts
    }

    /// Whether any value is censored.
    pub fn any_censored(&self) -> bool {
        self.left + self.right + self.interval > 0
    }
}

impl Response {
    /// The response in fitdistrplus's convention: a missing lower bound is left-censored, a
    /// missing upper bound right-censored, equal bounds an exact value.
    ///
    /// ```
    /// use maxlik::Response;
    ///
    /// assert_eq!(Response::from_bounds(None, Some(2.0))?, Response::Left(2.0));
    /// assert_eq!(Response::from_bounds(Some(1.5), Some(1.5))?, Response::Exact(1.5));
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] when both bounds are missing, a bound is not finite, or the
    /// lower bound exceeds the upper.
    pub fn from_bounds(lower: Option<f64>, upper: Option<f64>) -> Result<Self> {
        let response = match (lower, upper) {
            (None, None) => {
                return Err(Error::InvalidResponse {
                    index: 0,
                    lower: f64::NEG_INFINITY,
                    upper: f64::INFINITY,
                    reason: "has neither bound: nothing is known of it",
                });
            }
            (None, Some(b)) => Response::Left(b),
            (Some(a), None) => Response::Right(a),
            (Some(a), Some(b)) if a.to_bits() == b.to_bits() => Response::Exact(a),
            (Some(a), Some(b)) => Response::Interval(a, b),
        };
        response.check(0)?;
        Ok(response)
    }

    /// The survival convention: `event` 1 for an observed time, 0 for a right-censored one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] for a time that is not finite or a status other than 0 or 1.
    pub fn from_status(time: f64, event: f64) -> Result<Self> {
        // A status is exactly 0 or 1; anything else is a coding error to report.
        let response = if event.to_bits() == 1f64.to_bits() {
            Response::Exact(time)
        } else if event.abs().to_bits() == 0f64.to_bits() {
            Response::Right(time)
        } else {
            return Err(Error::InvalidResponse {
                index: 0,
                lower: time,
                upper: event,
                reason: "has a status other than 1 (event) or 0 (censored)",
            });
        };
        response.check(0)?;
        Ok(response)
    }

    /// `(a, b)`: the range the value is known to lie in (`a = b` for an exact value).
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Response::Exact(y) => (y, y),
            Response::Left(b) => (f64::NEG_INFINITY, b),
            Response::Right(a) => (a, f64::INFINITY),
            Response::Interval(a, b) => (a, b),
        }
    }

    /// A single value standing for the response where one is needed (start values): the
    /// value, the censoring bound, or an interval's midpoint.
    pub fn representative(&self) -> f64 {
        match *self {
            Response::Exact(y) | Response::Left(y) | Response::Right(y) => y,
            Response::Interval(a, b) => 0.5 * (a + b),
        }
    }

    /// Checks the response's values (`index` names it in the error).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] for a value that is not finite or an interval whose lower
    /// bound is not below its upper.
    pub fn check(&self, index: usize) -> Result<()> {
        let (a, b) = self.bounds();
        let bad = |reason| Error::InvalidResponse {
            index,
            lower: a,
            upper: b,
            reason,
        };
        match *self {
            Response::Exact(y) | Response::Left(y) | Response::Right(y) if !y.is_finite() => {
                Err(bad("is not finite"))
            }
            Response::Interval(..) if !a.is_finite() || !b.is_finite() => {
                Err(bad("has a bound that is not finite"))
            }
            Response::Interval(..) if a >= b => Err(bad(
                "has a lower bound that is not below its upper bound (equal bounds are an exact value)",
            )),
            _ => Ok(()),
        }
    }
}

/// The range the data were recorded in: only values in `(lower, upper]` could be observed
/// (`[lower, upper]` for counts). An infinite bound leaves that side open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truncation {
    lower: f64,
    upper: f64,
}

impl Default for Truncation {
    fn default() -> Self {
        Truncation::none()
    }
}

impl Truncation {
    /// No truncation.
    pub const fn none() -> Self {
        Truncation {
            lower: f64::NEG_INFINITY,
            upper: f64::INFINITY,
        }
    }

    /// Truncation to `(lower, upper]`; `f64::NEG_INFINITY` or `f64::INFINITY` for an open side.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidTruncation`] when a bound is NaN or `lower ≥ upper`.
    pub fn new(lower: f64, upper: f64) -> Result<Self> {
        if lower.is_nan() || upper.is_nan() || lower >= upper {
            return Err(Error::InvalidTruncation { lower, upper });
        }
        Ok(Truncation { lower, upper })
    }

    /// The lower bound (`−∞` when open).
    pub fn lower(&self) -> f64 {
        self.lower
    }

    /// The upper bound (`+∞` when open).
    pub fn upper(&self) -> f64 {
        self.upper
    }

    /// Whether either side is closed.
    pub fn is_truncated(&self) -> bool {
        self.lower > f64::NEG_INFINITY || self.upper < f64::INFINITY
    }

    /// Checks that every response could have been recorded: an exact value inside the range,
    /// a censored one whose range meets it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] for a response that is bad by itself, and
    /// [`Error::OutsideTruncation`] for one that the range excludes.
    pub fn check(&self, data: &[Response]) -> Result<()> {
        for (index, r) in data.iter().enumerate() {
            r.check(index)?;
            let (a, b) = r.bounds();
            let outside = match r {
                Response::Exact(y) => *y < self.lower || *y > self.upper,
                _ => b <= self.lower || a >= self.upper,
            };
            if outside {
                return Err(Error::OutsideTruncation {
                    index,
                    lower: a,
                    upper: b,
                    range: (self.lower, self.upper),
                });
            }
        }
        Ok(())
    }
}

/// A distribution of one response `y` given covariates `x` and parameters: its log-density
/// and its log CDF and log survival function, which censoring and truncation need.
///
/// Closures make one with [`distribution`]; the built-in [`Family`](crate::Family) is one
/// (with `X = ()`).
pub trait Distribution<X: ?Sized> {
    /// `ln f(y | x, p)` (the log-probability for a count).
    fn ln_pdf(&self, y: f64, x: &X, p: &[f64]) -> f64;
    /// `ln P(Y ≤ y | x, p)`.
    fn ln_cdf(&self, y: f64, x: &X, p: &[f64]) -> f64;
    /// `ln P(Y > y | x, p)`, computed without forming `1 − F` in the upper tail.
    fn ln_sf(&self, y: f64, x: &X, p: &[f64]) -> f64;
    /// Whether `y` is a count (bounds are then inclusive); `false` by default.
    fn discrete(&self) -> bool {
        false
    }
}

/// A [`Distribution`] from three closures `(y, &x, p) -> f64`: the log-density, the log CDF and
/// the log survival function. Made by [`distribution`].
#[derive(Debug, Clone, Copy)]
pub struct Functions<P, C, S> {
    ln_pdf: P,
    ln_cdf: C,
    ln_sf: S,
}

/// A continuous [`Distribution`] from its log-density, log CDF and log survival function, each a
/// closure `(y, &x, p) -> f64` (`x` is `&()` for a model without covariates).
///
/// ```
/// use maxlik::{Censored, Method, Model, Response, Truncation, distribution};
///
/// // Exponential times, two of them still running (right-censored).
/// let rate = distribution(
///     |y: f64, _: &(), p: &[f64]| p[0].ln() - p[0] * y,
///     |y: f64, _: &(), p: &[f64]| (-(-p[0] * y).exp_m1()).ln(),
///     |y: f64, _: &(), p: &[f64]| -p[0] * y,
/// );
/// let data = [Response::Exact(1.2), Response::Right(3.0), Response::Exact(0.4), Response::Right(2.5)];
/// let model = Model::builder(Censored::new(rate, Truncation::none()))
///     .positive("rate", 1.0)
///     .build()?;
/// let fit = model.fit(&data, Method::Lbfgs)?.require_trusted()?;
/// // The closed form: events over total time at risk.
/// assert!((fit.estimates()[0] - 2.0 / 7.1).abs() < 1e-6);
/// # Ok::<(), maxlik::Error>(())
/// ```
pub fn distribution<X: ?Sized, P, C, S>(ln_pdf: P, ln_cdf: C, ln_sf: S) -> Functions<P, C, S>
where
    P: Fn(f64, &X, &[f64]) -> f64,
    C: Fn(f64, &X, &[f64]) -> f64,
    S: Fn(f64, &X, &[f64]) -> f64,
{
    Functions {
        ln_pdf,
        ln_cdf,
        ln_sf,
    }
}

impl<X: ?Sized, P, C, S> Distribution<X> for Functions<P, C, S>
where
    P: Fn(f64, &X, &[f64]) -> f64,
    C: Fn(f64, &X, &[f64]) -> f64,
    S: Fn(f64, &X, &[f64]) -> f64,
{
    #[inline(always)]
    fn ln_pdf(&self, y: f64, x: &X, p: &[f64]) -> f64 {
        (self.ln_pdf)(y, x, p)
    }

    #[inline(always)]
    fn ln_cdf(&self, y: f64, x: &X, p: &[f64]) -> f64 {
        (self.ln_cdf)(y, x, p)
    }

    #[inline(always)]
    fn ln_sf(&self, y: f64, x: &X, p: &[f64]) -> f64 {
        (self.ln_sf)(y, x, p)
    }
}

/// The log-likelihood of censored (and possibly truncated) responses under a
/// [`Distribution`]: a [`LogDensity`] of [`Response`] (no covariates) and of `(Response, X)`.
///
/// Check the data with [`Truncation::check`] first (the built-in families do): a response the
/// truncation range excludes has no probability, and its log-density is `−∞`.
#[derive(Debug, Clone, Copy)]
pub struct Censored<D> {
    distribution: D,
    truncation: Truncation,
}

impl<D> Censored<D> {
    /// Censored responses under `distribution`, recorded only inside `truncation`.
    pub fn new(distribution: D, truncation: Truncation) -> Self {
        Censored {
            distribution,
            truncation,
        }
    }

    /// The truncation range.
    pub fn truncation(&self) -> Truncation {
        self.truncation
    }

    /// The distribution.
    pub fn distribution(&self) -> &D {
        &self.distribution
    }

    /// `ln P(response | x, p)`, divided by the probability of the truncation range.
    fn ln_likelihood<X: ?Sized>(&self, r: &Response, x: &X, p: &[f64]) -> f64
    where
        D: Distribution<X>,
    {
        let d = &self.distribution;
        let t = self.truncation;
        let ln_mass = match *r {
            Response::Exact(y) => d.ln_pdf(y, x, p),
            _ => {
                let (a, b) = r.bounds();
                ln_probability(d, x, p, a.max(t.lower), b.min(t.upper))
            }
        };
        if t.is_truncated() {
            ln_mass - ln_probability(d, x, p, t.lower, t.upper)
        } else {
            ln_mass
        }
    }
}

/// `ln P(a < Y ≤ b)` (`ln P(a ≤ Y ≤ b)` for a count), from the tail where the probability is
/// small: no `1 − F` and no difference of two numbers near 1 is ever formed. What remains is
/// the difference of the two ends' log probabilities, which loses `ε / (relative width)`:
/// nothing for censoring intervals and bins, about 1e-10 for an interval a millionth of its
/// scale wide.
pub(crate) fn ln_probability<X: ?Sized, D: Distribution<X> + ?Sized>(
    d: &D,
    x: &X,
    p: &[f64],
    a: f64,
    b: f64,
) -> f64 {
    // For a count the lower end is inclusive: P(a ≤ Y) = P(Y > a − 1).
    let a = if d.discrete() && a.is_finite() {
        a - 1.0
    } else {
        a
    };
    let half = -std::f64::consts::LN_2;
    if a == f64::NEG_INFINITY {
        return if b == f64::INFINITY {
            0.0
        } else {
            d.ln_cdf(b, x, p)
        };
    }
    if b == f64::INFINITY {
        return d.ln_sf(a, x, p);
    }
    let ln_fb = d.ln_cdf(b, x, p);
    if ln_fb <= half {
        // Both ends in the lower tail: F(b) (1 − F(a)/F(b)).
        let ln_fa = d.ln_cdf(a, x, p);
        return ln_fb + ln_one_minus_exp(ln_fa - ln_fb);
    }
    let ln_sa = d.ln_sf(a, x, p);
    if ln_sa <= half {
        // Both ends in the upper tail: S(a) (1 − S(b)/S(a)).
        let ln_sb = d.ln_sf(b, x, p);
        return ln_sa + ln_one_minus_exp(ln_sb - ln_sa);
    }
    // The interval holds the median: 1 − F(a) − S(b), each term below one half.
    let outside = d.ln_cdf(a, x, p).exp() + d.ln_sf(b, x, p).exp();
    (-outside).ln_1p()
}

/// `ln(1 − e^v)` for `v ≤ 0`, accurate at both ends (Mächler's switch at `−ln 2`).
pub(crate) fn ln_one_minus_exp(v: f64) -> f64 {
    if v > -std::f64::consts::LN_2 {
        (-v.exp_m1()).ln()
    } else {
        (-v.exp()).ln_1p()
    }
}

impl<D: Distribution<()>> LogDensity<Response> for Censored<D> {
    #[inline(always)]
    fn ln_density(&self, obs: &Response, params: &[f64]) -> f64 {
        self.ln_likelihood(obs, &(), params)
    }
}

impl<X, D: Distribution<X>> LogDensity<(Response, X)> for Censored<D> {
    #[inline(always)]
    fn ln_density(&self, obs: &(Response, X), params: &[f64]) -> f64 {
        self.ln_likelihood(&obs.0, &obs.1, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard logistic: every tail in closed form, `ln F(y) = −ln(1 + e^−y)`.
    struct Logistic;

    impl Distribution<()> for Logistic {
        fn ln_pdf(&self, y: f64, _: &(), _: &[f64]) -> f64 {
            -y - 2.0 * (-y).exp().ln_1p()
        }
        fn ln_cdf(&self, y: f64, _: &(), _: &[f64]) -> f64 {
            -(-y).exp().ln_1p()
        }
        fn ln_sf(&self, y: f64, _: &(), _: &[f64]) -> f64 {
            -y.exp().ln_1p()
        }
    }

    /// Interval probabilities deep in either tail, where `F(b) − F(a)` in plain arithmetic is
    /// 0 or all rounding, against the closed form `σ(b) − σ(a) = e^−a (1 − e^(a−b)) / ((1 +
    /// e^−a)(1 + e^−b))`, taken in logs term by term.
    #[test]
    fn interval_probabilities_keep_their_digits_in_both_tails() {
        for (a, b) in [
            (40.0, 41.0),
            (-41.0, -40.0),
            (-0.5, 0.25),
            (5.0, 5.01),
            (-300.0, -299.0),
            (700.0, 701.0),
        ] {
            let f64_a: f64 = a;
            let exact =
                -f64_a + (-(f64_a - b).exp_m1()).ln() - (-f64_a).exp().ln_1p() - (-b).exp().ln_1p();
            let got = ln_probability(&Logistic, &(), &[], a, b);
            assert!(
                (got - exact).abs() <= 1e-12 * exact.abs().max(1.0),
                "({a}, {b}): {got} vs {exact}"
            );
        }
        // One-sided and unbounded.
        assert!(
            (ln_probability(&Logistic, &(), &[], f64::NEG_INFINITY, -50.0)
                - (-50.0 - (-50.0f64).exp().ln_1p()))
            .abs()
                < 1e-12
        );
        let everything = ln_probability(&Logistic, &(), &[], f64::NEG_INFINITY, f64::INFINITY);
        assert_eq!(everything.to_bits(), 0f64.to_bits());
    }
}
