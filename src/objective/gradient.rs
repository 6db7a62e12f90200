//! The gradient of the objective: from the supplied score, or by finite differences with
//! finitediff (adaptive, central or forward), cached by the exact point; and the floor below
//! which a gradient cannot be told apart from zero.

use super::coords::resolvable;
use super::nll::{hessian_sum, score_sum};
use super::{EPS, ExactPass, Failure, Objective};
use crate::density::{LogDensity, Score};
use crate::error::Error;
use nalgebra::DMatrix;

/// How the gradient of the objective is obtained when no score is supplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Difference {
    /// Forward differences while the gradient is large (one evaluation per parameter, the base
    /// point's NLL reused), central ones once it is small, and always central for the final
    /// verdict: far from the optimum a forward difference's error is negligible against the
    /// gradient, near it only a central one is accurate enough. The default.
    #[default]
    Adaptive,
    /// Central differences everywhere: two evaluations per parameter, error O(h²).
    Central,
    /// Forward differences everywhere: one evaluation per parameter, error O(h) — a bias the
    /// verdict accounts for (see [`crate::Fit::precision`]).
    Forward,
}

impl Difference {
    /// The scheme used for a gradient, given the norm of the last one (`final_verdict` for the
    /// gradient the verdict is judged on).
    fn scheme(self, last_norm: f64, final_verdict: bool) -> Difference {
        match self {
            Difference::Adaptive if !final_verdict && last_norm > ADAPTIVE_SWITCH => {
                Difference::Forward
            }
            Difference::Adaptive => Difference::Central,
            other => other,
        }
    }

    /// The step finitediff takes in the scaled coordinates.
    pub(crate) fn step(self) -> f64 {
        match self {
            Difference::Central | Difference::Adaptive => EPS.cbrt(),
            Difference::Forward => EPS.sqrt(),
        }
    }
}

/// The gradient norm (scaled coordinates, mean NLL) above which adaptive differences are
/// forward: a forward difference's error there, about 1e-7, is under 1e-4 of the gradient.
const ADAPTIVE_SWITCH: f64 = 1e-3;

/// What limits how small a computed gradient can meaningfully be (see
/// [`Objective::gradient_floor`]).
#[derive(Debug, Clone)]
pub(crate) struct GradientFloor {
    pub(crate) noise: Vec<f64>,
    pub(crate) bias: Vec<f64>,
}

/// The gradient floor before the curvature is known. Along a coordinate of curvature `c`, the
/// noise is `rounding + c · spacing` (the rounding of the NLL over the step, plus the
/// floating-point spacing of the parameter: curvature turns a position error into a gradient
/// error) and the bias `half_step · c` (the truncation error of forward differences, which the
/// gradient cannot reveal about itself; zero for central ones and a score).
///
/// With a difference basis (finite differences along the columns of `basis`, directions in
/// `z`), `rounding` and `half_step` are per direction (`half_step` then in units of that
/// direction: the bias is `half_step` times the curvature along it); `spacing` stays per
/// coordinate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FloorParts {
    pub(crate) rounding: Vec<f64>,
    pub(crate) spacing: Vec<f64>,
    pub(crate) half_step: Vec<f64>,
    pub(crate) basis: Option<DMatrix<f64>>,
}

impl FloorParts {
    /// The floor given the curvature along each coordinate.
    pub(crate) fn at(&self, curvature: &[f64]) -> GradientFloor {
        let mut floor = GradientFloor {
            noise: Vec::with_capacity(curvature.len()),
            bias: Vec::with_capacity(curvature.len()),
        };
        for (((rounding, spacing), half_step), c) in self
            .rounding
            .iter()
            .zip(&self.spacing)
            .zip(&self.half_step)
            .zip(curvature)
        {
            floor.noise.push(rounding + c * spacing);
            floor.bias.push(half_step * c);
        }
        floor
    }
}

/// Gradients the objective remembers.
const GRADIENT_CACHE: usize = 4;

/// A gradient computed at `z` (its bits), and whether it is good enough for a verdict (central
/// differences or a score, unless the user asked for forward differences).
pub(super) struct CachedGradient {
    z: Vec<u64>,
    verdict: bool,
    gradient: Vec<f64>,
}

/// Directions in `z` (the columns of `b`) that finite differences are taken along, and
/// `b⁻ᵀ`, which turns the derivatives along them into the gradient in `z`.
///
/// Along the coordinate axes, a difference's rounding error (`ε|f|/h`) reaches the weak
/// direction of a Hessian with condition number `κ` amplified by up to `√κ` standard errors:
/// at `κ = 1e8` (sums of exponentials) the optimum cannot be placed closer than 1e-3 standard
/// errors. Along directions of unit curvature (a whitening of the Hessian) every direction's
/// error is `ε|f|/h` standard errors, whatever `κ`.
#[derive(Debug, Clone)]
pub(crate) struct Basis {
    pub(crate) b: DMatrix<f64>,
    inverse_transpose: DMatrix<f64>,
}

impl Basis {
    /// `None` unless `b` is square, finite and invertible.
    pub(crate) fn new(b: DMatrix<f64>) -> Option<Self> {
        if !b.is_square() || b.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let inverse_transpose = b.clone().try_inverse()?.transpose();
        inverse_transpose
            .iter()
            .all(|v| v.is_finite())
            .then_some(Basis {
                b,
                inverse_transpose,
            })
    }
}

impl<'a, O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Objective<'a, O, F, S> {
    /// Takes finite-difference gradients along the columns of `b` (directions in `z`) from now
    /// until the coordinates move, or along the axes again with `None` (or a `b` that is not
    /// invertible). Gradients remembered from before are forgotten.
    pub(crate) fn set_difference_basis(&self, b: Option<DMatrix<f64>>) {
        let basis = b.and_then(Basis::new);
        let p = self.coords.dim();
        *self.basis.borrow_mut() = basis.filter(|basis| basis.b.nrows() == p);
        self.gradients.borrow_mut().clear();
    }

    /// The directions finite differences are taken along, when not the axes.
    pub(crate) fn difference_basis(&self) -> Option<DMatrix<f64>> {
        self.basis.borrow().as_ref().map(|basis| basis.b.clone())
    }

    /// The gradient of the mean NLL in `z`: from the supplied score when there is one,
    /// otherwise by finite differences with finitediff.
    pub(crate) fn mean_gradient(&self, z: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        if let Some(g) = self.cached_gradient(z, false) {
            return Ok(g);
        }
        let gradient = self.compute_gradient(z, false)?;
        self.last_norm
            .set(gradient.iter().map(|g| g * g).sum::<f64>().sqrt());
        Ok(gradient)
    }

    /// Whether the model supplied a score.
    pub(crate) fn has_score(&self) -> bool {
        self.score.is_some()
    }

    /// The gradient of the mean NLL in the unconstrained coordinates at `u`, from the supplied
    /// score (`None` without one). Each call is one counted pass over the data.
    pub(crate) fn score_gradient_at_u(
        &self,
        u: &[f64],
    ) -> Option<std::result::Result<Vec<f64>, Failure>> {
        let score = self.score?;
        let gradient = || {
            let theta = self.coords.theta_at_u(u)?;
            let key: Vec<u64> = theta.iter().map(|v| v.to_bits()).collect();
            let cached = self
                .exact_hessian
                .borrow()
                .as_ref()
                .filter(|pass| pass.key == key)
                .map(|pass| pass.score.clone());
            let mut full = vec![0.0; theta.len()];
            if let Some(score) = cached {
                // The last exact Hessian's pass computed the score at the same point.
                full = score;
            } else {
                let mut c = self.counts.get();
                c.score += 1;
                self.counts.set(c);
                score_sum(
                    score,
                    self.data,
                    self.sample,
                    &theta,
                    &mut full,
                    self.parallel_threshold(),
                )
                .map_err(Failure::Nll)?;
            }
            let jac = self.coords.jacobian(&theta);
            Ok(self
                .coords
                .free()
                .iter()
                .zip(jac.iter().zip(self.coords.scales()))
                .map(|(&i, (j, s))| -full[i] * (j / s) * self.inv_n)
                .collect())
        };
        Some(gradient())
    }

    /// Whether the model's score has exact second derivatives (automatic differentiation).
    pub(crate) fn has_exact_hessian(&self) -> bool {
        self.score.is_some_and(|s| s.has_hessian())
    }

    /// The exact Hessian of the mean NLL in the unconstrained coordinates at `u` (free
    /// parameters), from a score with exact second derivatives, in one counted pass over the
    /// data; `None` without one. By the chain rule through `θ = θ(u)`:
    /// `∂²/∂uₐ∂u_b = θ'ₐ θ'_b ∂²/∂θₐ∂θ_b + δₐ_b θ''ₐ ∂/∂θₐ`.
    pub(crate) fn exact_hessian_at_u(
        &self,
        u: &[f64],
    ) -> Option<std::result::Result<DMatrix<f64>, Failure>> {
        let score = self.score.filter(|s| s.has_hessian())?;
        let hessian = || {
            let theta = self.coords.theta_at_u(u)?;
            let key: Vec<u64> = theta.iter().map(|v| v.to_bits()).collect();
            if let Some(pass) = self.exact_hessian.borrow().as_ref()
                && pass.key == key
            {
                return Ok(pass.hessian.clone());
            }
            let mut c = self.counts.get();
            c.score += 1;
            self.counts.set(c);
            let p = theta.len();
            let mut sums = vec![0.0; p + p * p];
            hessian_sum(
                score,
                self.data,
                self.sample,
                &theta,
                &mut sums,
                self.parallel_threshold(),
            )
            .map_err(Failure::Nll)?;
            let (grad, hess) = sums.split_at(p);
            // dθ/du (the coordinates' Jacobian is dθ/dz = dθ/du · scale) and θ''/θ'.
            let jac: Vec<f64> = self
                .coords
                .jacobian(&theta)
                .iter()
                .zip(self.coords.scales())
                .map(|(j, s)| j / s)
                .collect();
            let curl = self.coords.curl(&theta);
            let free = self.coords.free();
            let h = DMatrix::from_fn(free.len(), free.len(), |a, b| {
                let (i, j) = (free[a], free[b]);
                let mut v = jac[a] * jac[b] * hess[i * p + j];
                if a == b {
                    v += curl[a] * jac[a] * grad[i];
                }
                -v * self.inv_n
            });
            *self.exact_hessian.borrow_mut() = Some(ExactPass {
                key,
                hessian: h.clone(),
                score: grad.to_vec(),
            });
            Ok(h)
        };
        Some(hessian())
    }

    /// The gradient the verdict is judged on: central differences unless the user asked for
    /// forward ones.
    pub(crate) fn verdict_gradient(&self, z: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        match self.cached_gradient(z, true) {
            Some(g) => Ok(g),
            None => self.compute_gradient(z, true),
        }
    }

    /// A gradient computed before at exactly `z` (in the current coordinates), if there is one
    /// good enough for a verdict when `for_verdict`.
    fn cached_gradient(&self, z: &[f64], for_verdict: bool) -> Option<Vec<f64>> {
        self.gradients
            .borrow()
            .iter()
            .find(|c| c.verdict >= for_verdict && c.z.iter().zip(z).all(|(a, b)| *a == b.to_bits()))
            .map(|c| c.gradient.clone())
    }

    fn compute_gradient(
        &self,
        z: &[f64],
        final_verdict: bool,
    ) -> std::result::Result<Vec<f64>, Failure> {
        let mut c = self.counts.get();
        c.gradient += 1;
        self.counts.set(c);
        let supplied = self.score_gradient_at_u(&self.coords.u_of(z));
        let (gradient, verdict) = match supplied {
            Some(g_u) => {
                // ∂/∂z = s ∂/∂u.
                let gradient = g_u?
                    .iter()
                    .zip(self.coords.scales())
                    .map(|(g, s)| g * s)
                    .collect();
                (gradient, true)
            }
            None => {
                let scheme = self.difference.scheme(self.last_norm.get(), final_verdict);
                let gradient = self.finite_difference_with(z, scheme)?;
                (gradient, scheme == self.difference.scheme(0.0, true))
            }
        };
        let mut cache = self.gradients.borrow_mut();
        if cache.len() == GRADIENT_CACHE {
            cache.remove(0);
        }
        cache.push(CachedGradient {
            z: z.iter().map(|v| v.to_bits()).collect(),
            verdict,
            gradient: gradient.clone(),
        });
        Ok(gradient)
    }

    /// How much each coordinate's finite-difference step is stretched beyond finitediff's so
    /// that it spans at least [`STEP_SPACINGS`] floating-point spacings of the parameter (a
    /// location of 1e6 with a scale of 1e-3 needs it for forward differences: their step would
    /// otherwise round away and the gradient read exactly 0).
    fn stretch(&self, z: &[f64], scheme: Difference) -> Vec<f64> {
        let h = scheme.step();
        self.coords
            .spacing(z)
            .into_iter()
            .map(|spacing| resolvable(h, spacing) / h)
            .collect()
    }

    /// [`stretch`](Self::stretch) for steps along the columns of `b`: each direction's step is
    /// lengthened until it spans [`STEP_SPACINGS`] spacings of the coordinate it moves most
    /// relative to that coordinate's spacing.
    fn stretch_along(&self, z: &[f64], scheme: Difference, b: &DMatrix<f64>) -> Vec<f64> {
        let h = scheme.step();
        let spacing = self.coords.spacing(z);
        (0..b.ncols())
            .map(|k| {
                let column = b.column(k);
                let (i, _) = column
                    .iter()
                    .zip(&spacing)
                    .enumerate()
                    .map(|(i, (v, s))| (i, v.abs() / s))
                    .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best });
                let step = h * column[i].abs();
                if step > 0.0 {
                    resolvable(step, spacing[i]) / step
                } else {
                    1.0
                }
            })
            .collect()
    }

    /// The finite-difference gradient of the mean NLL in `z`, whatever a score says.
    ///
    /// finitediff differentiates `w ↦ f(z + w ⊙ r)` at `w = 0`, where `r` is [`stretch`]:
    /// the base point is `z` exactly and the step along coordinate `k` is `h·r_k`.
    pub(crate) fn finite_difference(&self, z: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        self.finite_difference_with(z, self.difference.scheme(0.0, true))
    }

    fn finite_difference_with(
        &self,
        z: &[f64],
        scheme: Difference,
    ) -> std::result::Result<Vec<f64>, Failure> {
        let basis = self.basis.borrow().clone();
        let stretch = match &basis {
            Some(basis) => self.stretch_along(z, scheme, &basis.b),
            None => self.stretch(z, scheme),
        };
        let cost = |w: &Vec<f64>| -> std::result::Result<f64, argmin::core::Error> {
            let at: Vec<f64> = match &basis {
                Some(basis) => {
                    let scaled: Vec<f64> = w.iter().zip(&stretch).map(|(w, r)| w * r).collect();
                    let step = &basis.b * nalgebra::DVector::from_column_slice(&scaled);
                    z.iter().zip(step.iter()).map(|(z, d)| z + d).collect()
                }
                None => z
                    .iter()
                    .zip(w)
                    .zip(&stretch)
                    .map(|((z, w), r)| z + w * r)
                    .collect(),
            };
            self.mean_nll(&at).map_err(|f| self.fail(f))
        };
        let origin = vec![0.0; z.len()];
        let grad = match scheme {
            Difference::Forward => finitediff::vec::forward_diff(&cost)(&origin),
            Difference::Central | Difference::Adaptive => {
                finitediff::vec::central_diff(&cost)(&origin)
            }
        };
        grad.map(|g| {
            let along: Vec<f64> = g.iter().zip(&stretch).map(|(g, r)| g / r).collect();
            match &basis {
                Some(basis) => (&basis.inverse_transpose
                    * nalgebra::DVector::from_column_slice(&along))
                .iter()
                .copied()
                .collect(),
                None => along,
            }
        })
        .map_err(|e| {
            self.failure
                .borrow_mut()
                .take()
                .unwrap_or(Failure::Nll(Error::Solver {
                    solver: "finitediff",
                    message: e.to_string(),
                }))
        })
    }

    /// The smallest gradient of the mean NLL at `z` (where it is `f`) that the computation can
    /// tell apart from zero, per coordinate, given the curvature along each: see
    /// [`FloorParts`].
    pub(crate) fn gradient_floor(&self, z: &[f64], f: f64, curvature: &[f64]) -> GradientFloor {
        self.floor_parts(z, f).at(curvature)
    }

    /// The parts of the gradient floor at `z` (where the mean NLL is `f`) that do not depend
    /// on the curvature.
    pub(crate) fn floor_parts(&self, z: &[f64], f: f64) -> FloorParts {
        let noise_f = 8.0 * EPS * f.abs().max(1.0);
        let scheme = self.difference.scheme(0.0, true);
        let basis = if self.score.is_some() {
            None
        } else {
            self.difference_basis()
        };
        let stretch = match &basis {
            Some(b) => self.stretch_along(z, scheme, b),
            None => self.stretch(z, scheme),
        };
        let h = scheme.step();
        let mut parts = FloorParts {
            rounding: Vec::with_capacity(z.len()),
            spacing: self.coords.spacing(z),
            half_step: Vec::with_capacity(z.len()),
            basis,
        };
        for r in &stretch {
            let step = h * r;
            let (rounding, half_step) = match (self.score, scheme) {
                (Some(_), _) => (noise_f, 0.0),
                (None, Difference::Forward) => (noise_f / step, 0.5 * step),
                (None, _) => (noise_f / step, 0.0),
            };
            parts.rounding.push(rounding);
            parts.half_step.push(half_step);
        }
        parts
    }
}
