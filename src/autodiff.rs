//! Exact derivatives by forward-mode automatic differentiation (the `autodiff` feature, on by
//! default): the log-density written once, generic over the number type, evaluated with
//! `f64` for the NLL, with dual numbers for the exact score, and with second-order dual
//! numbers for the exact Hessian (num-dual's `DualDVec64` and `Dual2DVec64`).
//!
//! Forward mode costs `p` derivative entries per operation for the score and `p²` for the
//! Hessian, so it pays most with few parameters or a costly density; with many parameters and
//! a cheap density the finite-difference path is competitive (see docs/performance.md).

use std::sync::Arc;

use num_dual::{Dual2DVec64, DualDVec64, DualNum};

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
        let p = params.len();
        let seeded: Vec<DualDVec64> = params
            .iter()
            .enumerate()
            .map(|(i, &v)| DualDVec64::from_re(v).derivative(p, i))
            .collect();
        let value = self.0.ln_density(obs, &seeded);
        if !value.re.is_finite() {
            grad.iter_mut().for_each(|g| *g = f64::NAN);
            return;
        }
        if let Some(eps) = value.eps.0 {
            for (g, e) in grad.iter_mut().zip(eps.iter()) {
                *g += e;
            }
        }
    }

    fn has_hessian(&self) -> bool {
        true
    }

    fn hessian(&self, obs: &O, params: &[f64], grad: &mut [f64], hess: &mut [f64]) -> bool {
        let value = self.0.ln_density(obs, &seed_second(params));
        add_second(&value, grad, hess)
    }

    fn hessian_block(&self, block: &[O], params: &[f64], grad: &mut [f64], hess: &mut [f64])
    where
        O: Sized,
    {
        let seeded = seed_second(params);
        for obs in block {
            add_second(&self.0.ln_density(obs, &seeded), grad, hess);
        }
    }
}

/// The parameters as second-order dual numbers, each seeded with its own direction.
fn seed_second(params: &[f64]) -> Vec<Dual2DVec64> {
    let p = params.len();
    params
        .iter()
        .enumerate()
        .map(|(i, &v)| Dual2DVec64::from_re(v).derivative(p, i))
        .collect()
}

/// Adds the first and second derivatives of `value` into `grad` and `hess` (a non-finite
/// value as NaN, for the caller's check of the sums); returns whether the value is finite.
fn add_second(value: &Dual2DVec64, grad: &mut [f64], hess: &mut [f64]) -> bool {
    if !value.re.is_finite() {
        grad.iter_mut().for_each(|g| *g = f64::NAN);
        return false;
    }
    if let Some(v1) = &value.v1.0 {
        for (g, e) in grad.iter_mut().zip(v1.iter()) {
            *g += e;
        }
    }
    if let Some(v2) = &value.v2.0 {
        // Column-major and symmetric: the row-major sum reads the same.
        for (h, e) in hess.iter_mut().zip(v2.iter()) {
            *h += e;
        }
    }
    true
}
