//! The log-density and score traits a model is built from, and the internal view of a
//! likelihood (density, score, parameters) that the solver and the profile work on.

use std::marker::PhantomData;

use crate::params::Params;

/// The log-density of one observation of type `O` at parameters `params`.
///
/// Any closure `Fn(&O, &[f64]) -> f64` is one; a struct can implement it too. `params` holds
/// every declared parameter, fixed ones included, in declaration order.
pub trait LogDensity<O: ?Sized> {
    /// `ln f(obs | params)`.
    fn ln_density(&self, obs: &O, params: &[f64]) -> f64;

    /// How many observations `obs` stands for: 1, or its frequency weight. Their sum is the
    /// sample size of BIC and AICc, and a robust variance counts each observation's score
    /// outer product this many times.
    #[inline(always)]
    fn count(&self, obs: &O) -> f64 {
        let _ = obs;
        1.0
    }

    /// Whether the summed log-density is a pseudo-likelihood (sampling weights): its fits then
    /// report robust standard errors. `false` by default.
    fn pseudo_likelihood(&self) -> bool {
        false
    }

    /// The compensated sum of `ln f` over one chunk of observations (at most 4096), in a fixed
    /// order. The default calls [`ln_density`](LogDensity::ln_density) for each; a density that
    /// chooses its formula at run time (an enum of families, say) can override it to choose
    /// once per chunk, so that the compiler hoists the work that does not depend on the
    /// observation out of the loop. An override must sum the same terms the same way:
    /// through `maxlik`'s own summation, as the built-in families do.
    #[inline(always)]
    fn sum_ln_density(&self, chunk: &[O], params: &[f64]) -> f64
    where
        O: Sized,
    {
        crate::sum::lanes_sum(chunk, |obs| self.ln_density(obs, params))
    }
}

impl<O: ?Sized, F: Fn(&O, &[f64]) -> f64> LogDensity<O> for F {
    #[inline(always)]
    fn ln_density(&self, obs: &O, params: &[f64]) -> f64 {
        self(obs, params)
    }
}

/// The gradient of the log-density of one observation (its score) with respect to the
/// parameters, written into `grad` (one slot per declared parameter, zeroed before the call).
///
/// Any closure `Fn(&O, &[f64], &mut [f64])` is one.
pub trait Score<O: ?Sized> {
    /// Writes `∂ ln f(obs | params) / ∂params` into `grad`.
    fn score(&self, obs: &O, params: &[f64], grad: &mut [f64]);

    /// Whether [`hessian`](Score::hessian) gives the exact second derivatives (automatic
    /// differentiation does): the engine then takes its Hessians from it, one pass over the
    /// data each, instead of differences of the score. `false` by default.
    fn has_hessian(&self) -> bool {
        false
    }

    /// Adds the score into `grad` and `∂² ln f(obs | params) / ∂params²` into `hess`
    /// (row-major, one row and column per declared parameter), both from one evaluation.
    /// Called only when [`has_hessian`](Score::has_hessian) is `true`; returns whether every
    /// entry it added is finite. The default adds nothing.
    fn hessian(&self, obs: &O, params: &[f64], grad: &mut [f64], hess: &mut [f64]) -> bool {
        let _ = (obs, params, grad, hess);
        false
    }

    /// Adds the scores and Hessians of every observation of `block` into `grad` and `hess`, as
    /// [`hessian`](Score::hessian) does one by one (the default); an implementation can
    /// override it to prepare once per block what does not depend on the observation. The
    /// caller checks the sums for finiteness.
    fn hessian_block(&self, block: &[O], params: &[f64], grad: &mut [f64], hess: &mut [f64])
    where
        O: Sized,
    {
        for obs in block {
            self.hessian(obs, params, grad, hess);
        }
    }
}

impl<O: ?Sized, G: Fn(&O, &[f64], &mut [f64])> Score<O> for G {
    #[inline(always)]
    fn score(&self, obs: &O, params: &[f64], grad: &mut [f64]) {
        self(obs, params, grad)
    }
}

/// The score type of a model without one: its gradients come from finite differences.
pub type NoScore<O> = fn(&O, &[f64], &mut [f64]);

/// What the solver and the profile see of a model: its log-density, its score if it has one,
/// and its validated parameters (a profile fixes one of them in a copy).
pub(crate) struct Likelihood<'a, O, F, S> {
    pub(crate) density: &'a F,
    pub(crate) score: Option<&'a S>,
    pub(crate) params: &'a Params,
    _obs: PhantomData<fn(&O)>,
}

impl<O, F, S> Clone for Likelihood<'_, O, F, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O, F, S> Copy for Likelihood<'_, O, F, S> {}

impl<'a, O, F, S> Likelihood<'a, O, F, S> {
    pub(crate) fn new(density: &'a F, score: Option<&'a S>, params: &'a Params) -> Self {
        Likelihood {
            density,
            score,
            params,
            _obs: PhantomData,
        }
    }

    /// The same likelihood over other parameters (a copy with some fixed).
    pub(crate) fn with_params<'b>(&self, params: &'b Params) -> Likelihood<'b, O, F, S>
    where
        'a: 'b,
    {
        Likelihood::new(self.density, self.score, params)
    }
}
