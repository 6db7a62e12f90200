//! The map between the optimizer's coordinates `z` and the user's parameters, and the
//! floating-point resolution of a step in them.

use super::{EPS, Failure};
use crate::params::{Params, Space};

/// The fewest floating-point spacings of a parameter a finite-difference step may span, so that
/// the rounding of the perturbed parameter changes the step by less than 1%.
const STEP_SPACINGS: f64 = 64.0;

/// The map between the optimizer's coordinates `z` and the user's parameters `θ`.
///
/// For free parameter `i`, `u_i = u0_i + s_i · z_i` and `θ_i = g_i(u_i)`, where `g_i` is the
/// transform of its space. The scales `s_i` are measured at the start (see [`calibrate`]) so
/// that every coordinate has unit curvature there: a step in `z` is then a step relative to the
/// parameter's natural size, whatever its magnitude.
#[derive(Debug, Clone)]
pub(crate) struct Coordinates {
    base: Vec<f64>,
    free: Vec<usize>,
    spaces: Vec<Space>,
    names: Vec<String>,
    pub(super) u0: Vec<f64>,
    scale: Vec<f64>,
    curvature: Vec<f64>,
}

impl Coordinates {
    pub(crate) fn new(params: &Params, start: &[f64]) -> Self {
        let free = params.free().to_vec();
        let spaces: Vec<Space> = free.iter().map(|&i| params.all()[i].space).collect();
        let u0 = free
            .iter()
            .zip(&spaces)
            .map(|(&i, s)| s.to_unconstrained(start[i]))
            .collect();
        Coordinates {
            base: start.to_vec(),
            names: free.iter().map(|&i| params.all()[i].name.clone()).collect(),
            scale: vec![1.0; free.len()],
            curvature: vec![1.0; free.len()],
            free,
            spaces,
            u0,
        }
    }

    pub(crate) fn dim(&self) -> usize {
        self.free.len()
    }

    pub(crate) fn free(&self) -> &[usize] {
        &self.free
    }

    /// The user's parameters at `z`.
    pub(crate) fn theta(&self, z: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        self.theta_at_u(&self.u_of(z))
    }

    /// The unconstrained coordinates at `z`.
    pub(crate) fn u_of(&self, z: &[f64]) -> Vec<f64> {
        (0..self.free.len())
            .map(|k| self.u0[k] + self.scale[k] * z[k])
            .collect()
    }

    /// The user's parameters at unconstrained coordinates `u`.
    pub(crate) fn theta_at_u(&self, u: &[f64]) -> std::result::Result<Vec<f64>, Failure> {
        let mut theta = self.base.clone();
        for (k, &u) in u.iter().enumerate() {
            theta[self.free[k]] =
                self.spaces[k]
                    .at_unconstrained(u)
                    .ok_or_else(|| Failure::Diverged {
                        name: self.names[k].clone(),
                        u,
                    })?;
        }
        Ok(theta)
    }

    /// How finely `z` can place each parameter near `z`: the floating-point spacing of its
    /// unconstrained coordinate, in units of `z`. With unit curvature this is also the smallest
    /// gradient that can be told apart from zero along that coordinate.
    pub(crate) fn spacing(&self, z: &[f64]) -> Vec<f64> {
        (0..self.free.len())
            .map(|k| {
                let u = self.u0[k] + self.scale[k] * z[k];
                EPS * u.abs().max(self.u0[k].abs()) / self.scale[k]
            })
            .collect()
    }

    /// `dθ_i / dz_i` for each free parameter at `theta`.
    pub(crate) fn jacobian(&self, theta: &[f64]) -> Vec<f64> {
        (0..self.free.len())
            .map(|k| self.spaces[k].derivative(theta[self.free[k]]) * self.scale[k])
            .collect()
    }

    /// `(d²θ/du²) / (dθ/du)` for each free parameter at `theta`; see [`Space::curl`].
    pub(crate) fn curl(&self, theta: &[f64]) -> Vec<f64> {
        (0..self.free.len())
            .map(|k| self.spaces[k].curl(theta[self.free[k]]))
            .collect()
    }

    /// Whether each free parameter at `theta` sits at the edge of its space
    /// ([`Space::at_edge`]).
    pub(crate) fn at_edge(&self, theta: &[f64]) -> Vec<bool> {
        (0..self.free.len())
            .map(|k| self.spaces[k].at_edge(theta[self.free[k]]))
            .collect()
    }

    /// The free parameters' names.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    pub(super) fn rescale(&mut self, scale: Vec<f64>, curvature: Vec<f64>) {
        self.scale = scale;
        self.curvature = curvature;
    }

    /// The curvature of the mean NLL along each `z` coordinate measured at the centre: 1
    /// unless a scale was capped (or could not be measured, when it is taken as 1).
    pub(crate) fn curvature(&self) -> &[f64] {
        &self.curvature
    }

    /// The largest scale calibration gives a coordinate: 1 for a log or logit one (one unit is
    /// already a factor e), none for a free one.
    pub(crate) fn scale_cap(&self, k: usize) -> f64 {
        if matches!(self.spaces[k], Space::Free) {
            f64::INFINITY
        } else {
            1.0
        }
    }

    /// The scale of each free parameter's unconstrained coordinate.
    pub(crate) fn scales(&self) -> &[f64] {
        &self.scale
    }
}

/// `step`, lengthened if needed to span [`STEP_SPACINGS`] floating-point spacings.
pub(crate) fn resolvable(step: f64, spacing: f64) -> f64 {
    step.max(STEP_SPACINGS * spacing)
}
