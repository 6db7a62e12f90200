//! Trust-region Newton (argmin's `TrustRegion`) with a finite-difference Hessian (or an exact
//! one) at every accepted point, its subproblem solved by Steihaug's truncated conjugate
//! gradients or by the dogleg. maxlik's own [`Method::Newton`](crate::Method::Newton) solves
//! the subproblem exactly (an eigen-decomposition); these two are argmin's approximations of
//! it, to compare.

use argmin::core::{
    Error, IterState, KV, Problem, Solver, State, TerminationReason, TerminationStatus,
    TrustRegionRadius,
};
use argmin::solver::trustregion::{Dogleg, TrustRegion};
use argmin_math::ArgminDot;

use super::hessian::Square;

use super::hessian::{run_second_order, steihaug};
use super::run::{Run, RunSettings};
use super::solver_error;
use super::whitening::Whitening;
use crate::density::{LogDensity, Score};
use crate::error::Result;
use crate::objective::Objective;

/// The subproblem each step solves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subproblem {
    /// Steihaug's conjugate gradients, stopped at the boundary or at negative curvature.
    Steihaug,
    /// The dogleg path between the steepest-descent and Newton steps (needs `H⁻¹`).
    Dogleg,
}

/// argmin 0.11's dogleg, with the case it gets wrong done right: when the steepest-descent
/// minimiser `p_u = −(gᵀg / gᵀHg) g` lies outside the radius, the step is `p_u` cut to the
/// boundary (Nocedal and Wright, §4.1). argmin solves only for a point between `p_u` and the
/// Newton step; with none on the boundary its candidates are all filtered out and it returns a
/// zero step, which leaves the cost and the radius unchanged: the trust region then repeats
/// the same null step to the iteration cap.
#[derive(Clone)]
pub(crate) struct BoundedDogleg {
    inner: Dogleg<f64>,
    radius: f64,
}

type DoglegIter = IterState<Vec<f64>, Vec<f64>, (), Square, (), f64>;

impl TrustRegionRadius<f64> for BoundedDogleg {
    fn set_radius(&mut self, radius: f64) {
        self.radius = radius;
        self.inner.set_radius(radius);
    }
}

impl<O> Solver<O, DoglegIter> for BoundedDogleg
where
    Dogleg<f64>: Solver<O, DoglegIter>,
{
    fn name(&self) -> &str {
        "dogleg"
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: DoglegIter,
    ) -> std::result::Result<(DoglegIter, Option<KV>), Error> {
        if let (Some(g), Some(h)) = (state.get_gradient(), state.get_hessian()) {
            let gg: f64 = g.iter().map(|v| v * v).sum();
            let hg = h.dot(g);
            let ghg: f64 = g.iter().zip(&hg).map(|(a, b)| a * b).sum();
            if ghg > 0.0 && gg > 0.0 {
                let factor = gg / ghg;
                let length = factor * gg.sqrt();
                if length >= self.radius {
                    let cut = self.radius / gg.sqrt();
                    let step: Vec<f64> = g.iter().map(|v| -cut * v).collect();
                    let (g, h) = (g.clone(), h.clone());
                    return Ok((state.param(step).gradient(g).hessian(h), None));
                }
            }
        }
        self.inner.next_iter(problem, state)
    }

    fn terminate(&mut self, state: &DoglegIter) -> TerminationStatus {
        if state.get_iter() >= 1 {
            TerminationStatus::Terminated(TerminationReason::MaxItersReached)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}

/// The largest radius, in the scaled coordinates: about a hundred standard deviations of one
/// observation's information.
const MAX_RADIUS: f64 = 100.0;

/// Runs trust-region Newton from `z = 0`, where the mean NLL is `f0`.
pub(crate) fn run<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    objective: &Objective<'_, O, F, S>,
    f0: f64,
    settings: &RunSettings,
    whitening: Option<&Whitening>,
    subproblem: Subproblem,
) -> Result<Run> {
    let dim = objective.coords().dim();
    match subproblem {
        Subproblem::Steihaug => {
            const NAME: &str = "trust-region Newton (Steihaug)";
            let solver = TrustRegion::new(steihaug(dim))
                .with_radius(1.0)
                .and_then(|s| s.with_max_radius(MAX_RADIUS))
                .map_err(|e| solver_error(NAME, &e))?;
            run_second_order(
                NAME, objective, f0, settings, whitening, solver, None, false,
            )
        }
        Subproblem::Dogleg => {
            const NAME: &str = "trust-region Newton (dogleg)";
            let dogleg = BoundedDogleg {
                inner: Dogleg::new(),
                radius: f64::NAN,
            };
            let solver = TrustRegion::new(dogleg)
                .with_radius(1.0)
                .and_then(|s| s.with_max_radius(MAX_RADIUS))
                .map_err(|e| solver_error(NAME, &e))?;
            // The dogleg path needs a positive-definite Hessian.
            run_second_order(NAME, objective, f0, settings, whitening, solver, None, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argmin::core::{Gradient, Hessian};
    use nalgebra::{DMatrix, DVector};

    /// The Hessian and gradient the dogleg failed on (a Normal started at μ = 20, σ = 0.5, in
    /// the scaled coordinates).
    struct Quadratic;

    impl Gradient for Quadratic {
        type Param = Vec<f64>;
        type Gradient = Vec<f64>;
        fn gradient(&self, _: &Vec<f64>) -> std::result::Result<Vec<f64>, Error> {
            Ok(vec![30.0, -21.6])
        }
    }

    impl Hessian for Quadratic {
        type Param = Vec<f64>;
        type Hessian = Square;
        fn hessian(&self, _: &Vec<f64>) -> std::result::Result<Square, Error> {
            Ok(Square(DMatrix::from_row_slice(
                2,
                2,
                &[1.4, -1.0, -1.0, 1.4],
            )))
        }
    }

    fn step(radius: f64) -> Vec<f64> {
        let mut dogleg = BoundedDogleg {
            inner: Dogleg::new(),
            radius: f64::NAN,
        };
        dogleg.set_radius(radius);
        let state = DoglegIter::new()
            .param(vec![0.0, 0.0])
            .gradient(vec![30.0, -21.6])
            .hessian(Quadratic.hessian(&vec![]).unwrap());
        let (state, _) = dogleg
            .next_iter(&mut Problem::new(Quadratic), state)
            .unwrap();
        state.get_param().unwrap().clone()
    }

    #[test]
    fn a_cauchy_point_outside_the_region_is_cut_to_its_boundary() {
        // |p_u| = (gᵀg / gᵀHg)|g| ≈ 15.8 > 1: the step is −g/|g| (argmin's alone: zero).
        let d = step(1.0);
        let g = [30.0f64, -21.6];
        let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        for (d, g) in d.iter().zip(g) {
            assert!((d + g / norm).abs() < 1e-15, "{d} against {}", -g / norm);
        }
    }

    #[test]
    fn inside_the_region_the_step_is_newtons() {
        let newton = -DMatrix::from_row_slice(2, 2, &[1.4, -1.0, -1.0, 1.4])
            .cholesky()
            .unwrap()
            .solve(&DVector::from_column_slice(&[30.0, -21.6]));
        let d = step(1e3);
        for (d, n) in d.iter().zip(newton.iter()) {
            assert!((d - n).abs() < 1e-12 * n.abs(), "{d} against {n}");
        }
    }
}
