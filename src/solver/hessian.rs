//! The Hessian argmin's second-order solvers (SR1 trust region, trust-region Newton with
//! Steihaug's or the dogleg subproblem, Newton-CG) ask the problem for: second differences of
//! the mean NLL with steps of unit curvature (or exact, or differences of a supplied score),
//! in the coordinates the solver works in.
//!
//! argmin's vector backend has no inverse for `Vec<Vec<f64>>` (the dogleg needs one), and its
//! nalgebra backend stops at nalgebra 0.34 (we use 0.35): the Hessian is [`Square`], a
//! nalgebra matrix with the few argmin-math operations those solvers use (`aᵀWb` comes from
//! argmin-math's blanket implementation over them).

use argmin::core::{CostFunction, Gradient, Hessian};
use argmin::solver::trustregion::Steihaug;
use argmin_math::{ArgminAdd, ArgminDot, ArgminInv, ArgminMul};
use nalgebra::{DMatrix, DVector, SymmetricEigen};

use super::curvature;
use super::lbfgs::{run_solver, tolerances};
use super::run::{Run, RunSettings};
use super::stopping::{SecondOrder, SquareIter};
use super::whitening::{Whitened, Whitening};
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::{Objective, Problem};

/// The message of the error a Hessian with a non-finite entry (or point) ends a run with; the
/// run is then judged where it stood, as after a failed line search.
pub(crate) const NOT_FINITE: &str = "Hessian not finite";

/// A square matrix for argmin's second-order solvers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Square(pub(crate) DMatrix<f64>);

impl Square {
    /// The identity of dimension `p`: the Hessian of the mean NLL in the scaled coordinates, as
    /// calibrated at the start.
    pub(crate) fn identity(p: usize) -> Self {
        Square(DMatrix::identity(p, p))
    }
}

impl ArgminDot<Vec<f64>, Vec<f64>> for Square {
    fn dot(&self, other: &Vec<f64>) -> Vec<f64> {
        (&self.0 * DVector::from_column_slice(other))
            .iter()
            .copied()
            .collect()
    }
}

impl ArgminInv<Square> for Square {
    fn inv(&self) -> std::result::Result<Square, argmin::core::Error> {
        self.0
            .clone()
            .try_inverse()
            .filter(|m| m.iter().all(|v| v.is_finite()))
            .map(Square)
            .ok_or_else(|| argmin::core::Error::msg(NOT_FINITE))
    }
}

impl ArgminAdd<Square, Square> for Square {
    fn add(&self, other: &Square) -> Square {
        Square(&self.0 + &other.0)
    }
}

impl ArgminMul<f64, Square> for Square {
    fn mul(&self, other: &f64) -> Square {
        Square(&self.0 * *other)
    }
}

/// The outer product `a bᵀ` (SR1's rank-one update).
impl ArgminDot<Vec<f64>, Square> for Vec<f64> {
    fn dot(&self, other: &Vec<f64>) -> Square {
        Square(DMatrix::from_fn(self.len(), other.len(), |i, j| {
            self[i] * other[j]
        }))
    }
}

/// The Hessian of the mean NLL in the scaled coordinates at `z`: in `u` with steps of unit
/// curvature, then `H_z = S H_u S`.
fn hessian_z<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    z: &[f64],
) -> std::result::Result<DMatrix<f64>, argmin::core::Error> {
    let f = Problem(objective).cost(&z.to_vec())?;
    let coords = objective.coords();
    let h_u = curvature::local_hessian(objective, &coords.u_of(z), f)
        .ok_or_else(|| argmin::core::Error::msg(NOT_FINITE))?;
    let s = coords.scales();
    Ok(DMatrix::from_fn(s.len(), s.len(), |i, j| {
        h_u[(i, j)] * s[i] * s[j]
    }))
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Hessian for Problem<'_, '_, O, F, S> {
    type Param = Vec<f64>;
    type Hessian = Square;

    fn hessian(&self, z: &Self::Param) -> std::result::Result<Square, argmin::core::Error> {
        hessian_z(self.0, z).map(Square)
    }
}

/// In whitened coordinates `z = R w`: `H_w = Rᵀ H_z R`.
impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Hessian
    for Whitened<'_, '_, '_, O, F, S>
{
    type Param = Vec<f64>;
    type Hessian = Square;

    fn hessian(&self, w: &Self::Param) -> std::result::Result<Square, argmin::core::Error> {
        let r = self.whitening.r();
        hessian_z(self.objective, &self.whitening.z(w)).map(|h| Square(r.transpose() * h * r))
    }
}

/// Steihaug's truncated conjugate gradients for `dim` parameters, at most `2·dim` steps.
///
/// Its `epsilon` (default 1e-9) is both relative (the residual against the first) and
/// absolute: a gradient under it gets a zero step. A mean NLL's gradient near the optimum of
/// a large sample is that small (1e-10 at n = 1e4 with a scale of 1e-3) while still above the
/// tolerance, and a zero step makes the trust region's reduction ratio 0/0, which changes
/// nothing: the same null step to the iteration cap. At machine epsilon only a gradient that
/// is zero in floating point gets none.
pub(crate) fn steihaug(dim: usize) -> Steihaug<Vec<f64>, f64> {
    let base = Steihaug::new().with_max_iters(2 * dim as u64);
    // `with_epsilon` refuses only a value that is not positive.
    base.clone().with_epsilon(f64::EPSILON).unwrap_or(base)
}

/// The problem a second-order solver sees: `inner`'s cost, gradient and Hessian, the Hessian
/// made positive definite when `positive_definite` (its eigenvalues replaced by their absolute
/// values, floored at [`EIGEN_FLOOR`] of the largest) for the dogleg, whose path assumes it:
/// on an indefinite Hessian argmin's dogleg finds no point of its path on the boundary and
/// returns a zero step, forever.
pub(crate) struct Curvatures<P> {
    inner: P,
    positive_definite: bool,
}

/// The smallest eigenvalue a modified Hessian keeps, relative to its largest.
const EIGEN_FLOOR: f64 = 1e-8;

impl<P: CostFunction> CostFunction for Curvatures<P> {
    type Param = P::Param;
    type Output = P::Output;

    fn cost(&self, x: &Self::Param) -> std::result::Result<Self::Output, argmin::core::Error> {
        self.inner.cost(x)
    }
}

impl<P: Gradient> Gradient for Curvatures<P> {
    type Param = P::Param;
    type Gradient = P::Gradient;

    fn gradient(
        &self,
        x: &Self::Param,
    ) -> std::result::Result<Self::Gradient, argmin::core::Error> {
        self.inner.gradient(x)
    }
}

impl<P: Hessian<Hessian = Square>> Hessian for Curvatures<P> {
    type Param = P::Param;
    type Hessian = Square;

    fn hessian(&self, x: &Self::Param) -> std::result::Result<Square, argmin::core::Error> {
        let h = self.inner.hessian(x)?;
        if !self.positive_definite {
            return Ok(h);
        }
        let eigen = SymmetricEigen::new((&h.0 + h.0.transpose()) * 0.5);
        let largest = eigen.eigenvalues.amax();
        let floor = EIGEN_FLOOR * largest;
        let values = eigen.eigenvalues.map(|v| v.abs().max(floor));
        let q = &eigen.eigenvectors;
        let m = q * DMatrix::from_diagonal(&values) * q.transpose();
        if largest > 0.0 && m.iter().all(|v| v.is_finite()) {
            Ok(Square(m))
        } else {
            Err(argmin::core::Error::msg(NOT_FINITE))
        }
    }
}

/// Runs a second-order argmin `solver` (wrapped in [`SecondOrder`]'s stopping rule) from
/// `z = 0`, where the mean NLL is `f0`, in `z` or (given `whitening`) in the coordinates it
/// whitens. `first_hessian`, when given, is the solver's Hessian at the start (SR1's initial
/// approximation: the identity, the curvature the calibration gave every coordinate); otherwise
/// the solver asks for one.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_second_order<Sv, O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    name: &'static str,
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    whitening: Option<&Whitening>,
    solver: Sv,
    first_hessian: Option<Square>,
    positive_definite: bool,
) -> Result<Run>
where
    for<'w, 'o, 'a> SecondOrder<Sv>: argmin::core::Solver<Curvatures<Problem<'o, 'a, O, F, S>>, SquareIter>
        + argmin::core::Solver<Curvatures<Whitened<'w, 'o, 'a, O, F, S>>, SquareIter>,
{
    let start_gradient = objective.take_start_gradient();
    let (tol_grad, _) = tolerances(objective, f0, settings);
    let solver = SecondOrder {
        inner: solver,
        tol_grad,
        last: None,
    };
    let init = |gradient: Option<Vec<f64>>| {
        move |state: SquareIter| {
            let state = match first_hessian {
                Some(h) => state.hessian(h),
                None => state,
            };
            match gradient {
                Some(g) => state.gradient(g),
                None => state,
            }
        }
    };
    match whitening {
        None => run_solver(
            name,
            Curvatures {
                inner: Problem(objective),
                positive_definite,
            },
            objective,
            f0,
            settings,
            solver,
            init(start_gradient),
        ),
        Some(whitening) => {
            let problem = Curvatures {
                inner: Whitened {
                    objective,
                    whitening,
                },
                positive_definite,
            };
            let start = start_gradient.map(|g| whitening.gradient(&g));
            let run = run_solver(name, problem, objective, f0, settings, solver, init(start))?;
            Ok(Run {
                z: whitening.z(&run.z),
                path: run.path.iter().map(|w| whitening.z(w)).collect(),
                gradient: None,
                ..run
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argmin_math::ArgminWeightedDot;

    #[test]
    fn the_operations_are_the_matrix_ones() {
        let a = Square(DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 3.0]));
        assert_eq!(a.dot(&vec![1.0, -1.0]), vec![1.0, -2.0]);
        // aᵀWb with a = (1, 2), b = (1, −1): (1, 2)·(1, −2) = −3.
        let w: f64 = vec![1.0, 2.0].weighted_dot(&a, &vec![1.0, -1.0]);
        assert!((w + 3.0).abs() < 1e-15, "{w}");
        let inverse = a.inv().unwrap();
        let product = &a.0 * &inverse.0;
        assert!((product - DMatrix::identity(2, 2)).amax() < 1e-15);
        let outer: Square = vec![1.0, 2.0].dot(&vec![3.0, 4.0]);
        assert_eq!(
            outer.0,
            DMatrix::from_row_slice(2, 2, &[3.0, 4.0, 6.0, 8.0])
        );
        assert_eq!(a.add(&a.mul(&-1.0)).0, DMatrix::zeros(2, 2));
        assert!(Square(DMatrix::zeros(2, 2)).inv().is_err());
    }
}
