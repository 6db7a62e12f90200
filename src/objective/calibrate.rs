//! Calibration: the curvature of the mean NLL along each coordinate at the centre, measured by
//! second differences (or read from the exact Hessian when the model has one), which sets the
//! scales that give every coordinate unit curvature.

use super::{EPS, Objective};

/// A calibration probe's second difference must exceed the rounding of the mean NLL this many
/// times over.
const ROUNDING_MARGIN: f64 = 1e3;
use crate::density::{LogDensity, Score};
use crate::error::Result;

impl<'a, O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Objective<'a, O, F, S> {
    /// Measures the curvature of the mean NLL along each coordinate at `z = 0` by second
    /// differences, and rescales the coordinates to unit curvature. Returns the mean NLL at the
    /// start.
    ///
    /// The step starts at `ε^¼` of `guess` (scales measured before, say at an earlier point) or
    /// of `max(|u0|, 1)`, and is refined until it is `ε^¼` of the scale it measures; a
    /// coordinate whose curvature is not positive gets the scale `max(|u0|, 1)`.
    pub(super) fn calibrate(&mut self, guess: Option<&[f64]>) -> Result<f64> {
        // The gradient cache is keyed by z, which means something else in new coordinates.
        self.gradients.borrow_mut().clear();
        let dim = self.coords.dim();
        let zero = vec![0.0; dim];
        let f0 = self.mean_nll(&zero)?;
        *self.centre_nll.borrow_mut() = self.last_nll.borrow().clone();
        let quarter = EPS.powf(0.25);
        let mut scales = Vec::with_capacity(dim);
        let mut curvatures = Vec::with_capacity(dim);
        let mut slopes = Vec::with_capacity(dim);
        // An exact Hessian gives every coordinate's curvature in one pass.
        let exact = self
            .exact_hessian_at_u(&self.coords.u_of(&zero))
            .and_then(|h| h.ok());
        for k in 0..dim {
            let u0 = self.coords.u0[k];
            // One unit of a log or logit coordinate is already a factor e: a scale beyond that
            // lets a single step run off to where the exponential makes the NLL overflow.
            let cap = self.coords.scale_cap(k);
            let fallback = if cap.is_finite() {
                1.0
            } else {
                u0.abs().max(1.0)
            };
            let floor = 1e-10 * u0.abs();
            if let Some(hessian) = &exact {
                let c = hessian[(k, k)];
                let positive = c.is_finite() && c > 0.0;
                let scale = if positive {
                    c.sqrt().recip().max(floor)
                } else {
                    fallback
                }
                .min(cap);
                slopes.push(None);
                scales.push(scale);
                curvatures.push(if positive {
                    (c * scale * scale).min(1.0)
                } else {
                    1.0
                });
                continue;
            }
            let mut h = quarter * guess.map_or(fallback, |g| g[k]);
            let mut scale = fallback;
            let mut measured = None;
            let mut slope = None;
            for _ in 0..4 {
                let mut z = zero.clone();
                z[k] = h;
                let plus = self.mean_nll(&z);
                z[k] = -h;
                let minus = self.mean_nll(&z);
                let (Ok(fp), Ok(fm)) = (plus, minus) else {
                    h *= 0.01;
                    continue;
                };
                let curvature = (fp - 2.0 * f0 + fm) / (h * h);
                slope = Some((fp - fm) / (2.0 * h));
                if !(curvature.is_finite() && curvature > 0.0) {
                    scale = fallback;
                    measured = None;
                    break;
                }
                measured = Some(curvature);
                scale = curvature.sqrt().recip().max(floor);
                // ε^¼ of the scale balances truncation against rounding when the mean NLL is
                // of order one; where it is far larger (a start far from the optimum of a
                // model whose terms are large) the second difference at that step would be
                // rounding: lengthen the step until the change it measures is well above it.
                let resolvable = (ROUNDING_MARGIN * EPS * f0.abs() / curvature).sqrt();
                let target = (quarter * scale).max(resolvable);
                if (0.1..=10.0).contains(&(h / target)) {
                    break;
                }
                h = target;
            }
            let scale = scale.min(cap);
            slopes.push(slope.map(|g| g * scale));
            scales.push(scale);
            curvatures.push(measured.map_or(1.0, |c| (c * scale * scale).min(1.0)));
        }
        // Rounding noise of the probes at a wrong scale is not a failure of the fit.
        self.failure.borrow_mut().take();
        self.coords.rescale(scales, curvatures);
        // The probes' central differences are the gradient at the centre, good to O(h²) with
        // h ≈ ε^¼ of each scale: L-BFGS starts with it instead of computing another. A supplied
        // score gives its own.
        *self.start_gradient.borrow_mut() = if self.score.is_none() {
            slopes.into_iter().collect::<Option<Vec<f64>>>()
        } else {
            None
        };
        Ok(f0)
    }
}
