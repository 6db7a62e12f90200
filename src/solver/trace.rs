//! An argmin observer that records the optimizer's iterates and counts its iterations, so that
//! both survive a run that ends in an error.

use std::cell::RefCell;
use std::rc::Rc;

use argmin::core::observers::Observe;
use argmin::core::{Error, KV, State};

/// What the observer saw.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    /// The best point after each iteration (the start first).
    pub(crate) path: Vec<Vec<f64>>,
    /// The cost at the last entry of `path`.
    pub(crate) best_cost: f64,
    /// Iterations completed.
    pub(crate) iterations: u64,
}

/// A handle the executor owns while the caller keeps another.
#[derive(Clone)]
pub(crate) struct Recorder(pub(crate) Rc<RefCell<Trace>>);

impl Recorder {
    pub(crate) fn new(start: Vec<f64>, cost: f64) -> Self {
        Recorder(Rc::new(RefCell::new(Trace {
            path: vec![start],
            best_cost: cost,
            iterations: 0,
        })))
    }

    /// The best point seen and its cost.
    pub(crate) fn best(&self) -> (Vec<f64>, f64, u64) {
        let t = self.0.borrow();
        let z = t.path.last().cloned().unwrap_or_default();
        (z, t.best_cost, t.iterations)
    }

    pub(crate) fn path(&self) -> Vec<Vec<f64>> {
        self.0.borrow().path.clone()
    }
}

impl<I: State<Param = Vec<f64>, Float = f64>> Observe<I> for Recorder {
    fn observe_iter(&mut self, state: &I, _kv: &KV) -> Result<(), Error> {
        let mut t = self.0.borrow_mut();
        t.iterations = state.get_iter() + 1;
        let cost = state.get_best_cost();
        if cost < t.best_cost
            && let Some(best) = state.get_best_param()
        {
            t.path.push(best.clone());
            t.best_cost = cost;
        }
        Ok(())
    }
}
