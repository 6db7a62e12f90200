//! A stopping rule for argmin solvers that have none of their own.
//!
//! argmin 0.11's nonlinear conjugate gradient and steepest descent define no convergence test:
//! they run to the iteration cap whatever the gradient. [`Stopping`] wraps such a solver and adds
//! the test BFGS and L-BFGS carry (the gradient's norm, or a cost that no longer changes), with
//! the tolerances every gradient method gets from [`super::lbfgs::tolerances`].

use argmin::core::{
    Error, IterState, KV, Problem, Solver, State, TerminationReason, TerminationStatus,
};

type Iter = IterState<Vec<f64>, Vec<f64>, (), (), (), f64>;

/// `inner`, stopped when the gradient's norm falls below `tol_grad` or the cost changes by less
/// than `tol_cost` in one iteration.
#[derive(Clone)]
pub(crate) struct Stopping<S> {
    pub(crate) inner: S,
    pub(crate) tol_grad: f64,
    pub(crate) tol_cost: f64,
}

impl<O, S: Solver<O, Iter>> Solver<O, Iter> for Stopping<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn init(&mut self, problem: &mut Problem<O>, state: Iter) -> Result<(Iter, Option<KV>), Error> {
        self.inner.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: Iter,
    ) -> Result<(Iter, Option<KV>), Error> {
        self.inner.next_iter(problem, state)
    }

    fn terminate(&mut self, state: &Iter) -> TerminationStatus {
        let inner = self.inner.terminate(state);
        if inner.terminated() {
            return inner;
        }
        let small_gradient = state
            .get_gradient()
            .is_some_and(|g| g.iter().map(|v| v * v).sum::<f64>().sqrt() < self.tol_grad);
        let still = state.get_iter() > 0
            && (state.get_prev_cost() - state.get_cost()).abs() < self.tol_cost;
        if small_gradient || still {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}
