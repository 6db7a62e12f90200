//! Coordinates whitened by a Hessian: `z = R w` with the Hessian in `w` the identity, for
//! optimizer runs on correlated parameters.

use argmin::core::{CostFunction, Gradient};
use nalgebra::{DMatrix, DVector};

use crate::density::{LogDensity, Score};
use crate::objective::{Objective, Problem};

/// `z = R w`: the map from whitened coordinates `w` to the scaled coordinates `z`, with
/// `R = L⁻ᵀ` for the Cholesky factor `L` of the Hessian in `z`, so that the Hessian in `w` is
/// the identity. L-BFGS's first step is then Newton's, and its gradient test on `|∇_w|` is the
/// Newton decrement the verdict judges by, however correlated the parameters.
pub(crate) struct Whitening {
    r: DMatrix<f64>,
}

impl Whitening {
    /// From the Hessian of the mean NLL in the unconstrained coordinates and the scales of the
    /// coordinates in use (`u = u0 + s z`); `None` unless it is positive definite.
    pub(crate) fn new(hessian_u: &DMatrix<f64>, scales: &[f64]) -> Option<Self> {
        let p = scales.len();
        if hessian_u.nrows() != p {
            return None;
        }
        let h_z = DMatrix::from_fn(p, p, |i, j| hessian_u[(i, j)] * scales[i] * scales[j]);
        let l = h_z.cholesky()?.l();
        let r = l.try_inverse()?.transpose();
        r.iter().all(|v| v.is_finite()).then_some(Whitening { r })
    }

    /// `R`: its columns are the directions in `z` of the whitened axes.
    pub(crate) fn r(&self) -> &DMatrix<f64> {
        &self.r
    }

    /// `z = R w`.
    pub(crate) fn z(&self, w: &[f64]) -> Vec<f64> {
        (&self.r * DVector::from_column_slice(w))
            .iter()
            .copied()
            .collect()
    }

    /// `∇_w = Rᵀ ∇_z`.
    pub(crate) fn gradient(&self, g_z: &[f64]) -> Vec<f64> {
        (self.r.transpose() * DVector::from_column_slice(g_z))
            .iter()
            .copied()
            .collect()
    }
}

/// What argmin sees in whitened coordinates.
pub(crate) struct Whitened<'w, 'o, 'a, O, F, S> {
    pub(crate) objective: &'o Objective<'a, O, F, S>,
    pub(crate) whitening: &'w Whitening,
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> CostFunction
    for Whitened<'_, '_, '_, O, F, S>
{
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, w: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        Problem(self.objective).cost(&self.whitening.z(w))
    }
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Gradient
    for Whitened<'_, '_, '_, O, F, S>
{
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, w: &Self::Param) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Problem(self.objective)
            .gradient(&self.whitening.z(w))
            .map(|g| self.whitening.gradient(&g))
    }
}
