//! A model: the log-density of one observation plus its declared parameters.

use std::marker::PhantomData;

#[cfg(feature = "autodiff")]
use crate::autodiff::{Differentiable, Exact};
use crate::compare::{self, LikelihoodRatioTest};
use crate::density::{Likelihood, LogDensity, NoScore, Score};
use crate::error::{Error, Result};
use crate::fit::Fit;
use crate::objective::{self, Difference, Objective};
use crate::options::{FitOptions, Method};
use crate::params::{Param, Params, Space};
use crate::profile::{self, ProfileInterval};
use crate::solver;

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

#[cfg(feature = "autodiff")]
impl<O: Sync, G: Differentiable<O> + Send + Sync> Model<O, Exact<G>, Exact<G>> {
    /// Starts a model from a log-density written once, generic over the number type: its
    /// score and Hessian are exact, by forward-mode automatic differentiation, and the fit
    /// takes Newton steps with the exact Hessian (see [`Differentiable`]).
    pub fn exact(density: G) -> ModelBuilder<O, Exact<G>, Exact<G>> {
        let exact = Exact::new(density);
        ModelBuilder {
            density: exact.clone(),
            score: Some(exact),
            params: Vec::new(),
            _obs: PhantomData,
        }
    }
}

/// Declares a model's parameters; [`build`](ModelBuilder::build) validates them.
#[must_use = "a builder does nothing until `build` is called"]
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

    /// What the solver and the profile see of the model.
    fn likelihood(&self) -> Likelihood<'_, O, F, S> {
        Likelihood::new(&self.density, self.score.as_ref(), &self.params)
    }

    /// Fits the model to `data` with `method` and its default options.
    ///
    /// # Errors
    ///
    /// See [`fit_with`](Model::fit_with).
    pub fn fit(&self, data: &[O], method: Method) -> Result<Fit> {
        self.fit_with(data, &FitOptions::new(method))
    }

    /// Fits the model to `data`.
    ///
    /// Every run of the optimizer is followed by a check at the point it returns: the
    /// coordinates are re-centred and re-scaled there and the gradient is taken afresh. A run
    /// that stopped short (its line search failed, its cost stalled, its simplex collapsed) is
    /// restarted from that point, at most [`MAX_RESTARTS`](crate::MAX_RESTARTS) times.
    ///
    /// A fit that starts but does not reach an optimum is returned as `Ok` with a
    /// [`Convergence::NotConverged`](crate::Convergence::NotConverged) verdict; use
    /// [`Fit::require_converged`] to make it an error.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`]; for a start given in the options, [`Error::WrongParameterCount`],
    /// [`Error::OutsideSpace`] or [`Error::FixedParameterChanged`]; [`Error::Evaluation`]
    /// when the log-density of an observation is not finite at the start (NaN or infinity in
    /// the data, or a closure that fails there).
    ///
    /// # Panics
    ///
    /// Only if the log-density or score closure panics.
    pub fn fit_with(&self, data: &[O], options: &FitOptions) -> Result<Fit> {
        solver::fit(self.likelihood(), data, options)
    }

    /// The profile-likelihood interval for `name` at confidence `level`, around `fit`.
    ///
    /// If the profile meets a lower NLL than the fit's, the model is refitted from that point
    /// and the interval is computed around the new optimum, which is returned in
    /// [`ProfileInterval::refit`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for a level outside (0, 1); [`Error::UnknownParameter`], or
    /// [`Error::FixedParameterChanged`] for a fixed parameter; [`Error::FitMismatch`] when
    /// `fit` is not a fit of this model to `data` (checked by its parameters, its number of
    /// observations and its NLL recomputed at its estimates); [`Error::NotConverged`] when the
    /// fit (or an inner fit of the profile) did not converge; errors of the log-density.
    pub fn profile(
        &self,
        data: &[O],
        fit: &Fit,
        name: &str,
        level: f64,
    ) -> Result<ProfileInterval> {
        profile::interval(self.likelihood(), data, fit, name, level)
    }

    /// The profile at the given values of `name`: `(value, 2 (NLL_profile − NLL_min))` for
    /// each, the others re-optimized (warm-started outwards from the estimate). For plotting
    /// a profile on a grid; [`profile`](Model::profile) finds the interval itself.
    ///
    /// # Errors
    ///
    /// As [`profile`](Model::profile); a value outside the parameter's space is
    /// [`Error::OutsideSpace`].
    pub fn profile_points(
        &self,
        data: &[O],
        fit: &Fit,
        name: &str,
        values: &[f64],
    ) -> Result<Vec<(f64, f64)>> {
        profile::points(self.likelihood(), data, fit, name, values)
    }

    /// Tests a restricted fit (some of this model's parameters fixed, as a model of its own)
    /// against `full`, a fit of this model; both to `data`.
    ///
    /// ```
    /// use maxlik::{Method, Model};
    ///
    /// let data = [4.2, 5.1, 6.3, 3.9, 5.5, 4.8, 6.1, 5.0];
    /// let ln_pdf = |x: &f64, p: &[f64]| {
    ///     let z = (x - p[0]) / p[1];
    ///     -0.5 * z * z - p[1].ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
    /// };
    /// let full = Model::builder(ln_pdf).param("mu", 0.0).positive("sigma", 1.0).build()?;
    /// let null = Model::builder(ln_pdf).fixed("mu", 5.0).positive("sigma", 1.0).build()?;
    /// let test = full.likelihood_ratio_test(
    ///     &data,
    ///     &null.fit(&data, Method::Lbfgs)?,
    ///     &full.fit(&data, Method::Lbfgs)?,
    /// )?;
    /// assert_eq!(test.df(), 1);
    /// assert!(test.p_value() > 0.05);
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotNested`] when the fits have different numbers of observations or
    /// parameters, the full one does not have more free parameters, or the restricted fit is
    /// better than the full one beyond rounding (the full fit missed its optimum);
    /// [`Error::FitMismatch`] when either fit is not of this model's likelihood to `data`
    /// (the restricted estimates are a point of this model, where its NLL must be the
    /// restricted fit's); [`Error::NotConverged`] when either fit did not converge.
    pub fn likelihood_ratio_test(
        &self,
        data: &[O],
        restricted: &Fit,
        full: &Fit,
    ) -> Result<LikelihoodRatioTest> {
        compare::likelihood_ratio_test(self.likelihood(), data, restricted, full)
    }

    /// The summed negative log-likelihood `−Σ ln f(xᵢ | θ)` of `data` at `theta`, all constant
    /// terms kept.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`], [`Error::WrongParameterCount`], [`Error::OutsideSpace`] or
    /// [`Error::FixedParameterChanged`] for a bad `theta`, [`Error::Evaluation`] naming the
    /// first observation whose log-density is not finite.
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
    /// As [`nll`](Model::nll); [`Error::Evaluation`] if the score is not finite.
    /// Without a supplied score the result compares finite differences with themselves, so
    /// build the model with [`ModelBuilder::score`] first.
    pub fn check_score(&self, data: &[O], theta: &[f64]) -> Result<ScoreCheck> {
        if data.is_empty() {
            return Err(Error::EmptyData);
        }
        self.params.check(theta)?;
        let mut objective = Objective::new(self.likelihood(), data, theta, Difference::Central);
        objective.recentre(theta, None)?;
        let zero = vec![0.0; objective.coords().dim()];
        let numeric = objective.finite_difference(&zero).map_err(Error::from)?;
        let supplied = objective.mean_gradient(&zero).map_err(Error::from)?;
        let jac = objective.coords().jacobian(theta);
        let n = data.len() as f64;
        // Back to d(summed NLL)/dθ.
        let to_user =
            |g: &[f64]| -> Vec<f64> { g.iter().zip(&jac).map(|(g, j)| g * n / j).collect() };
        let (numeric, supplied) = (to_user(&numeric), to_user(&supplied));
        let floor = objective.gradient_floor(
            &zero,
            objective::nll(&self.density, data, theta)? / n,
            objective.coords().curvature(),
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
    pub(crate) name: String,
    pub(crate) supplied: f64,
    pub(crate) numeric: f64,
    pub(crate) scaled_difference: f64,
    pub(crate) agrees: bool,
}

impl ScoreCheckRow {
    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `∂NLL/∂θ` from the supplied score (summed over the data).
    pub fn supplied(&self) -> f64 {
        self.supplied
    }

    /// `∂NLL/∂θ` from central finite differences.
    pub fn numeric(&self) -> f64 {
        self.numeric
    }

    /// Their difference in the engine's scaled coordinates.
    pub fn scaled_difference(&self) -> f64 {
        self.scaled_difference
    }

    /// Whether the difference is within finite-difference error.
    pub fn agrees(&self) -> bool {
        self.agrees
    }
}

/// The comparison of a supplied score with finite differences.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreCheck {
    pub(crate) rows: Vec<ScoreCheckRow>,
}

impl ScoreCheck {
    /// One row per free parameter.
    pub fn rows(&self) -> &[ScoreCheckRow] {
        &self.rows
    }
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
