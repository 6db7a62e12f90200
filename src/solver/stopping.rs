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

/// A trust region this small (in the coordinates the solver works in, where the curvature is
/// about one) means the model is trusted nowhere near: the run stops, to be judged where it is.
const SMALLEST_RADIUS: f64 = 1e-10;

/// `inner`, a second-order solver (argmin's trust-region Newton, SR1 trust region or
/// Newton-CG), stopped when the gradient's norm falls below `tol_grad`, and with a
/// [`TerminationReason::SolverExit`] when the trust radius it reports collapses.
///
/// No test on the cost: a trust-region step that is refused leaves the cost as it was, which
/// is not convergence. Newton-CG does not keep the gradient in its state; it is computed here
/// after each iteration (Newton-CG then takes it from the state instead of computing it again).
#[derive(Clone)]
pub(crate) struct SecondOrder<S> {
    pub(crate) inner: S,
    pub(crate) tol_grad: f64,
    /// The point and radius after the last iteration, to tell a null step.
    pub(crate) last: Option<(Vec<f64>, Option<f64>)>,
}

pub(crate) type SquareIter = IterState<Vec<f64>, Vec<f64>, (), super::hessian::Square, (), f64>;

impl<O, S> Solver<O, SquareIter> for SecondOrder<S>
where
    O: argmin::core::Gradient<Param = Vec<f64>, Gradient = Vec<f64>>,
    S: Solver<O, SquareIter>,
{
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn init(
        &mut self,
        problem: &mut Problem<O>,
        state: SquareIter,
    ) -> Result<(SquareIter, Option<KV>), Error> {
        self.inner.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut Problem<O>,
        state: SquareIter,
    ) -> Result<(SquareIter, Option<KV>), Error> {
        let (mut state, kv) = self.inner.next_iter(problem, state)?;
        if state.get_gradient().is_none()
            && let Some(param) = state.get_param()
        {
            let gradient = problem.gradient(param)?;
            state = state.gradient(gradient);
        }
        let radius = kv
            .as_ref()
            .and_then(|kv| kv.get("radius"))
            .and_then(|r| r.get_float());
        let collapsed = radius.is_some_and(|r| r < SMALLEST_RADIUS);
        // The same point with the same radius: a null step (a refused step shrinks the radius),
        // which would repeat to the iteration cap.
        let here = state.get_param().map(|p| (p.clone(), radius));
        let repeated = here.is_some() && here == self.last;
        self.last = here;
        if collapsed || repeated {
            state = state.terminate_with(TerminationReason::SolverExit(
                "trust region collapsed".into(),
            ));
        }
        Ok((state, kv))
    }

    fn terminate(&mut self, state: &SquareIter) -> TerminationStatus {
        let inner = self.inner.terminate(state);
        if inner.terminated() {
            return inner;
        }
        let small_gradient = state
            .get_gradient()
            .is_some_and(|g| g.iter().map(|v| v * v).sum::<f64>().sqrt() < self.tol_grad);
        if small_gradient {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}
