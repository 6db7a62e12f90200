//! Exact derivatives by forward-mode automatic differentiation (the `autodiff` feature, on by
//! default): the log-density written once, generic over the number type, evaluated with
//! `f64` for the NLL, with dual numbers for the exact score, and with second-order dual
//! numbers for the exact Hessian (num-dual's `DualDVec64` and `Dual2DVec64`).
//!
//! Forward mode costs `p` derivative entries per operation for the score and `p²` for the
//! Hessian, so it pays most with few parameters or a costly density; with many parameters and
//! a cheap density the finite-difference path is competitive (see docs/performance.md).

use std::sync::Arc;

use num_dual::{Dual2DVec64, Dual2SVec64, DualDVec64, DualNum, DualSVec64};

use crate::density::{LogDensity, Score};

/// The number types a [`Differentiable`] log-density is evaluated with: `f64`, and num-dual's
/// dual numbers. Every method of [`num_dual::DualNum`] (`exp`, `ln`, `ln_1p`, `powi`, `sqrt`,
/// ...) and the arithmetic with `f64` and with each other are available on it.
pub trait Number: DualNum<Primitive = f64> {}

impl<T: DualNum<Primitive = f64>> Number for T {}

/// The log-density of one observation of type `O`, generic over the number type, from which
/// maxlik takes the exact score and Hessian by automatic differentiation.
///
/// Dual numbers are not `Copy`: a parameter used more than once is cloned
/// (`p[0].clone()`); a constant enters through arithmetic with `f64` or `D::from(c)`, and
/// `x.re()` is the value of a number (to choose a branch, say).
///
/// ```
/// use maxlik::{Differentiable, Method, Model, Number};
///
/// /// The Normal log-density, generic over the number type.
/// struct Normal;
///
/// impl Differentiable<f64> for Normal {
///     fn ln_density<D: Number>(&self, x: &f64, p: &[D]) -> D {
///         let z = (p[0].clone() - *x) / p[1].clone();
///         -(z.clone() * z) * 0.5 - p[1].ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
///     }
/// }
///
/// let model = Model::exact(Normal).param("mu", 0.0).positive("sigma", 1.0).build()?;
/// let fit = model.fit(&[4.1, 5.3, 6.2, 4.8, 5.9], Method::Lbfgs)?.require_trusted()?;
/// // The sample mean, to the default tolerance of 1e-6 standard errors.
/// let se = fit.std_errors().map_or(f64::NAN, |i| i.std_errors()[0].unwrap_or(f64::NAN));
/// assert!((fit.estimates()[0] - 5.26).abs() < 1e-6 * se);
/// # Ok::<(), maxlik::Error>(())
/// ```
pub trait Differentiable<O: ?Sized> {
    /// `ln f(obs | params)`, for every number type `D`.
    fn ln_density<D: Number>(&self, obs: &O, params: &[D]) -> D;
}

/// A [`Differentiable`] log-density as a model sees it: its value with `f64`, its score and
/// Hessian by automatic differentiation. Made by [`Model::exact`](crate::Model::exact).
pub struct Exact<G>(Arc<G>);

impl<G> Clone for Exact<G> {
    fn clone(&self) -> Self {
        Exact(Arc::clone(&self.0))
    }
}

impl<G> Exact<G> {
    /// Wraps `density`.
    pub fn new(density: G) -> Self {
        Exact(Arc::new(density))
    }

    /// The wrapped log-density.
    pub fn inner(&self) -> &G {
        &self.0
    }
}

impl<O: ?Sized, G: Differentiable<O>> LogDensity<O> for Exact<G> {
    #[inline(always)]
    fn ln_density(&self, obs: &O, params: &[f64]) -> f64 {
        self.0.ln_density::<f64>(obs, params)
    }
}

impl<O: ?Sized, G: Differentiable<O>> Score<O> for Exact<G> {
    fn score(&self, obs: &O, params: &[f64], grad: &mut [f64]) {
        match params.len() {
            1 => score_static::<1, O, G>(&*self.0, obs, params, grad),
            2 => score_static::<2, O, G>(&*self.0, obs, params, grad),
            3 => score_static::<3, O, G>(&*self.0, obs, params, grad),
            4 => score_static::<4, O, G>(&*self.0, obs, params, grad),
            5 => score_static::<5, O, G>(&*self.0, obs, params, grad),
            6 => score_static::<6, O, G>(&*self.0, obs, params, grad),
            7 => score_static::<7, O, G>(&*self.0, obs, params, grad),
            8 => score_static::<8, O, G>(&*self.0, obs, params, grad),
            p => {
                let seeded: Vec<DualDVec64> = params
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| DualDVec64::from_re(v).derivative(p, i))
                    .collect();
                let value = self.0.ln_density(obs, &seeded);
                add_first(value.re, value.eps.0.as_ref().map(|m| m.as_slice()), grad);
            }
        }
    }

    fn has_hessian(&self) -> bool {
        true
    }

    fn hessian(&self, obs: &O, params: &[f64], grad: &mut [f64], hess: &mut [f64]) -> bool {
        let mut finite = true;
        second_over(
            &*self.0,
            std::iter::once(obs),
            params,
            grad,
            hess,
            &mut finite,
        );
        finite
    }

    fn hessian_block(&self, block: &[O], params: &[f64], grad: &mut [f64], hess: &mut [f64])
    where
        O: Sized,
    {
        let mut finite = true;
        second_over(&*self.0, block.iter(), params, grad, hess, &mut finite);
    }
}

// Up to 8 parameters the dual numbers have a size fixed at compile time (no heap allocation
// per operation): the user's log-density is compiled once for each size, 1 to 8.

/// The score of one observation with `N`-wide dual numbers (`N` = the number of parameters).
fn score_static<const N: usize, O: ?Sized, G: Differentiable<O>>(
    density: &G,
    obs: &O,
    params: &[f64],
    grad: &mut [f64],
) {
    let seeded: Vec<DualSVec64<N>> = params
        .iter()
        .enumerate()
        .map(|(i, &v)| DualSVec64::<N>::from_re(v).derivative(i))
        .collect();
    let value = density.ln_density(obs, &seeded);
    add_first(value.re, value.eps.0.as_ref().map(|m| m.as_slice()), grad);
}

/// Adds the scores and Hessians of `observations` into `grad` and `hess`, the parameters
/// seeded once; `finite` turns false at a non-finite value.
fn second_over<'o, O: ?Sized + 'o, G: Differentiable<O>>(
    density: &G,
    observations: impl Iterator<Item = &'o O>,
    params: &[f64],
    grad: &mut [f64],
    hess: &mut [f64],
    finite: &mut bool,
) {
    macro_rules! fixed {
        ($n:literal) => {{
            let seeded: Vec<Dual2SVec64<$n>> = params
                .iter()
                .enumerate()
                .map(|(i, &v)| Dual2SVec64::<$n>::from_re(v).derivative(i))
                .collect();
            for obs in observations {
                let v = density.ln_density(obs, &seeded);
                *finite &= add_second(
                    v.re,
                    v.v1.0.as_ref().map(|m| m.as_slice()),
                    v.v2.0.as_ref().map(|m| m.as_slice()),
                    grad,
                    hess,
                );
            }
        }};
    }
    match params.len() {
        1 => fixed!(1),
        2 => fixed!(2),
        3 => fixed!(3),
        4 => fixed!(4),
        5 => fixed!(5),
        6 => fixed!(6),
        7 => fixed!(7),
        8 => fixed!(8),
        p => {
            let seeded: Vec<Dual2DVec64> = params
                .iter()
                .enumerate()
                .map(|(i, &v)| Dual2DVec64::from_re(v).derivative(p, i))
                .collect();
            for obs in observations {
                let v = density.ln_density(obs, &seeded);
                *finite &= add_second(
                    v.re,
                    v.v1.0.as_ref().map(|m| m.as_slice()),
                    v.v2.0.as_ref().map(|m| m.as_slice()),
                    grad,
                    hess,
                );
            }
        }
    }
}

/// Adds the first derivatives `v1` of a value `re` into `grad` (NaN for a non-finite value).
fn add_first(re: f64, v1: Option<&[f64]>, grad: &mut [f64]) {
    if !re.is_finite() {
        grad.iter_mut().for_each(|g| *g = f64::NAN);
        return;
    }
    if let Some(v1) = v1 {
        add_into(grad, v1);
    }
}

/// Adds the first and second derivatives of a value `re` into `grad` and `hess` (a
/// non-finite value as NaN, for the caller's check of the sums); returns whether the value is
/// finite. `v2` is column-major and symmetric: the row-major sum reads the same.
fn add_second(
    re: f64,
    v1: Option<&[f64]>,
    v2: Option<&[f64]>,
    grad: &mut [f64],
    hess: &mut [f64],
) -> bool {
    if !re.is_finite() {
        grad.iter_mut().for_each(|g| *g = f64::NAN);
        return false;
    }
    if let Some(v1) = v1 {
        add_into(grad, v1);
    }
    if let Some(v2) = v2 {
        add_into(hess, v2);
    }
    true
}

/// `sum += terms`, element by element (slices, so that the loop vectorizes).
fn add_into(sum: &mut [f64], terms: &[f64]) {
    for (s, t) in sum.iter_mut().zip(terms) {
        *s += t;
    }
}
