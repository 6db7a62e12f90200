//! A model: the log-density of one observation plus its declared parameters.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::objective::{self, Coordinates, Difference, Objective};
use crate::params::{Param, Params, Space};

/// The log-density of one observation of type `O` at parameters `params`.
///
/// Any closure `Fn(&O, &[f64]) -> f64` is one; a struct can implement it too. `params` holds
/// every declared parameter, fixed ones included, in declaration order.
pub trait LogDensity<O: ?Sized> {
    /// `ln f(obs | params)`.
    fn ln_density(&self, obs: &O, params: &[f64]) -> f64;

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
        crate::objective::lanes_sum(chunk, |obs| self.ln_density(obs, params))
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
}

impl<O: ?Sized, G: Fn(&O, &[f64], &mut [f64])> Score<O> for G {
    #[inline(always)]
    fn score(&self, obs: &O, params: &[f64], grad: &mut [f64]) {
        self(obs, params, grad)
    }
}

/// The score type of a model without one: its gradients come from finite differences.
pub type NoScore<O> = fn(&O, &[f64], &mut [f64]);

/// A model ready to fit: a log-density, optionally its score, and validated parameters.
///
/// Build one with [`Model::builder`].
///
/// ```
/// use maxlik::{Method, Model};
///
/// let model = Model::builder(|x: &f64, p: &[f64]| {
///     let z = (x - p[0]) / p[1];
///     -0.5 * z * z - p[1].ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
/// })
/// .param("mu", 0.0)
/// .positive("sigma", 1.0)
/// .build()?;
/// let fit = model.fit(&[4.1, 5.3, 6.2, 4.8, 5.9], Method::Lbfgs)?;
/// assert!(fit.converged());
/// # Ok::<(), maxlik::Error>(())
/// ```
pub struct Model<O, F, S = NoScore<O>> {
    density: F,
    score: Option<S>,
    params: Params,
    _obs: PhantomData<fn(&O)>,
}

/// Declares a model's parameters; [`build`](ModelBuilder::build) validates them.
pub struct ModelBuilder<O, F, S = NoScore<O>> {
    density: F,
    score: Option<S>,
    params: Vec<Param>,
    _obs: PhantomData<fn(&O)>,
}

impl<O: Sync, F: LogDensity<O> + Sync> Model<O, F> {
    /// Starts a model from the log-density of one observation.
    pub fn builder(density: F) -> ModelBuilder<O, F> {
        ModelBuilder {
            density,
            score: None,
            params: Vec::new(),
            _obs: PhantomData,
        }
    }
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> ModelBuilder<O, F, S> {
    /// Declares a parameter with its start value and space.
    pub fn with_param(mut self, name: &str, start: f64, space: Space) -> Self {
        self.params.push(Param {
            name: name.to_string(),
            start,
            space,
        });
        self
    }

    /// Declares a free parameter (the whole real line).
    pub fn param(self, name: &str, start: f64) -> Self {
        self.with_param(name, start, Space::Free)
    }

    /// Declares a parameter kept strictly positive (optimized as its logarithm).
    pub fn positive(self, name: &str, start: f64) -> Self {
        self.with_param(name, start, Space::Positive)
    }

    /// Declares a parameter kept in the open interval `(lower, upper)` (optimized as a logit).
    pub fn interval(self, name: &str, start: f64, lower: f64, upper: f64) -> Self {
        self.with_param(name, start, Space::Interval { lower, upper })
    }

    /// Declares a parameter held fixed at `value`: passed to the log-density, not estimated.
    pub fn fixed(self, name: &str, value: f64) -> Self {
        self.with_param(name, value, Space::Fixed(value))
    }

    /// Supplies the score (gradient of the log-density of one observation), used instead of
    /// finite differences.
    pub fn score<S2: Score<O>>(self, score: S2) -> ModelBuilder<O, F, S2> {
        ModelBuilder {
            density: self.density,
            score: Some(score),
            params: self.params,
            _obs: PhantomData,
        }
    }

    /// Validates the declarations and builds the model.
    ///
    /// # Errors
    ///
    /// [`Error::DuplicateParameter`], [`Error::EmptyParameterName`], [`Error::InvalidBounds`],
    /// [`Error::OutsideSpace`] for a start outside its space or not finite, and
    /// [`Error::NoFreeParameter`].
    pub fn build(self) -> Result<Model<O, F, S>> {
        Ok(Model {
            density: self.density,
            score: self.score,
            params: Params::new(self.params)?,
            _obs: PhantomData,
        })
    }
}

impl<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync> Model<O, F, S> {
    /// The declared parameters, in order.
    pub fn params(&self) -> &[Param] {
        self.params.all()
    }

    /// The parameters' names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.params.all().iter().map(|p| p.name.as_str()).collect()
    }

    pub(crate) fn validated(&self) -> &Params {
        &self.params
    }

    pub(crate) fn density(&self) -> &F {
        &self.density
    }

    pub(crate) fn score_fn(&self) -> Option<&S> {
        self.score.as_ref()
    }

    /// The summed negative log-likelihood `−Σ ln f(xᵢ | θ)` of `data` at `theta`, all constant
    /// terms kept.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`], [`Error::WrongParameterCount`], [`Error::OutsideSpace`] or
    /// [`Error::FixedParameterChanged`] for a bad `theta`, [`Error::NonFiniteLogDensity`]
    /// naming the first observation whose log-density is not finite.
    pub fn nll(&self, data: &[O], theta: &[f64]) -> Result<f64> {
        if data.is_empty() {
            return Err(Error::EmptyData);
        }
        self.params.check(theta)?;
        objective::nll(&self.density, data, theta)
    }

    /// The log-likelihood `Σ ln f(xᵢ | θ)`; see [`nll`](Model::nll).
    ///
    /// # Errors
    ///
    /// As [`nll`](Model::nll).
    pub fn log_likelihood(&self, data: &[O], theta: &[f64]) -> Result<f64> {
        self.nll(data, theta).map(|v| -v)
    }

    /// Compares the supplied score against central finite differences of the NLL at `theta`,
    /// parameter by parameter, with steps scaled to each parameter as in a fit.
    ///
    /// # Errors
    ///
    /// As [`nll`](Model::nll); [`Error::NonFiniteGradient`] if the score is not finite.
    /// Without a supplied score the result compares finite differences with themselves, so
    /// build the model with [`ModelBuilder::score`] first.
    pub fn check_score(&self, data: &[O], theta: &[f64]) -> Result<ScoreCheck> {
        if data.is_empty() {
            return Err(Error::EmptyData);
        }
        self.params.check(theta)?;
        let coords = Coordinates::new(&self.params, theta);
        let mut objective = Objective::new(
            &self.density,
            self.score.as_ref(),
            data,
            coords,
            Difference::Central,
        );
        objective.calibrate(None)?;
        let zero = vec![0.0; objective.coords.dim()];
        let numeric = objective.finite_difference(&zero).map_err(Error::from)?;
        let supplied = objective.mean_gradient(&zero).map_err(Error::from)?;
        let jac = objective.coords.jacobian(theta);
        let n = data.len() as f64;
        // Back to d(summed NLL)/dθ.
        let to_user =
            |g: &[f64]| -> Vec<f64> { g.iter().zip(&jac).map(|(g, j)| g * n / j).collect() };
        let (numeric, supplied) = (to_user(&numeric), to_user(&supplied));
        let floor = objective.gradient_floor(
            &zero,
            objective::nll(&self.density, data, theta)? / n,
            objective.coords.curvature(),
        );
        let noise = floor.noise.iter().map(|v| v * v).sum::<f64>().sqrt();
        let rows = self
            .params
            .free()
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                // Disagreement measured in the scaled coordinates, where every parameter has
                // unit curvature, so one tolerance means the same for every parameter.
                let scaled = (numeric[k] - supplied[k]).abs() * jac[k] / n;
                ScoreCheckRow {
                    name: self.params.all()[i].name.clone(),
                    supplied: supplied[k],
                    numeric: numeric[k],
                    scaled_difference: scaled,
                    agrees: scaled <= SCORE_AGREEMENT.max(100.0 * noise),
                }
            })
            .collect();
        Ok(ScoreCheck { rows })
    }
}

/// Largest disagreement between a supplied score and finite differences, in the scaled
/// coordinates (units of the mean NLL's natural curvature), that is put down to
/// finite-difference error: central differences are good to about 1e-8 there.
pub const SCORE_AGREEMENT: f64 = 1e-5;

/// One parameter's row of a [`ScoreCheck`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreCheckRow {
    /// The parameter's name.
    pub name: String,
    /// `∂NLL/∂θ` from the supplied score (summed over the data).
    pub supplied: f64,
    /// `∂NLL/∂θ` from central finite differences.
    pub numeric: f64,
    /// Their difference in the engine's scaled coordinates.
    pub scaled_difference: f64,
    /// Whether the difference is within finite-difference error.
    pub agrees: bool,
}

/// The comparison of a supplied score with finite differences.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreCheck {
    /// One row per free parameter.
    pub rows: Vec<ScoreCheckRow>,
}

impl ScoreCheck {
    /// Whether every parameter agrees.
    pub fn agrees(&self) -> bool {
        self.rows.iter().all(|r| r.agrees)
    }

    /// The names of the parameters where the supplied score and finite differences disagree.
    pub fn disagreements(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| !r.agrees)
            .map(|r| r.name.as_str())
            .collect()
    }
}

impl std::fmt::Display for ScoreCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<12} {:>16} {:>16} {:>12}  verdict",
            "parameter", "supplied", "finite diff", "scaled diff"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<12} {:>16.9e} {:>16.9e} {:>12.3e}  {}",
                r.name,
                r.supplied,
                r.numeric,
                r.scaled_difference,
                if r.agrees { "agrees" } else { "DISAGREES" }
            )?;
        }
        Ok(())
    }
}
