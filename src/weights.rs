//! Weighted observations: frequency weights (a table of counts, fitted exactly as the expanded
//! data) and sampling weights (a pseudo-likelihood, whose standard errors are the robust ones).

use crate::density::LogDensity;
use crate::error::{Error, Result};

/// An observation with its weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighted<O> {
    obs: O,
    weight: f64,
}

impl<O> Weighted<O> {
    /// `obs` with weight `weight`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWeight`] for a weight that is not finite or not positive (a zero weight
    /// would drop the observation silently: leave it out instead).
    pub fn new(obs: O, weight: f64) -> Result<Self> {
        if !(weight.is_finite() && weight > 0.0) {
            return Err(Error::InvalidWeight {
                index: 0,
                value: weight,
            });
        }
        Ok(Weighted { obs, weight })
    }

    /// Pairs every observation with its weight.
    ///
    /// ```
    /// use maxlik::Weighted;
    ///
    /// let table = Weighted::pair(vec![0.0, 1.0, 2.0], &[12.0, 7.0, 3.0])?;
    /// assert_eq!(table[1].weight(), 7.0);
    /// # Ok::<(), maxlik::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::WrongLength`] when the lengths differ; [`Error::InvalidWeight`] naming the
    /// first weight that is not finite and positive.
    pub fn pair(obs: Vec<O>, weights: &[f64]) -> Result<Vec<Self>> {
        if obs.len() != weights.len() {
            return Err(Error::WrongLength {
                what: "weight",
                expected: obs.len(),
                got: weights.len(),
            });
        }
        obs.into_iter()
            .zip(weights)
            .enumerate()
            .map(|(index, (obs, &w))| {
                Weighted::new(obs, w).map_err(|_| Error::InvalidWeight { index, value: w })
            })
            .collect()
    }

    /// The observation.
    pub fn obs(&self) -> &O {
        &self.obs
    }

    /// Its weight.
    pub fn weight(&self) -> f64 {
        self.weight
    }
}

/// What the weights of a [`Weights`] density mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeightKind {
    /// Frequency weights: an observation of weight `w` stands for `w` identical ones. The NLL,
    /// the estimates and every standard error are those of the expanded data, and the sample
    /// size of BIC and AICc is `Σ w`.
    Frequency,
    /// Sampling (probability) weights: `Σ wᵢ ln f(xᵢ)` is a pseudo-likelihood, whose observed
    /// information does not give the estimates' variance; its fits report robust (sandwich)
    /// standard errors, and refuse the observed-information kind.
    Sampling,
}

impl WeightKind {
    /// The kind's name as the command line and the JSON write it.
    pub fn name(self) -> &'static str {
        match self {
            WeightKind::Frequency => "frequency",
            WeightKind::Sampling => "sampling",
        }
    }
}

/// A log-density over [`Weighted`] observations: `w · ln f(x)`.
///
/// ```
/// use maxlik::{Method, Model, Weighted, Weights};
///
/// // Counts 0, 1, 2 seen 12, 7 and 3 times: the Poisson MLE is the weighted mean.
/// let table = Weighted::pair(vec![0.0, 1.0, 2.0], &[12.0, 7.0, 3.0])?;
/// let poisson = |k: &f64, p: &[f64]| k * p[0].ln() - p[0] - if *k == 2.0 { 2f64.ln() } else { 0.0 };
/// let model = Model::builder(Weights::frequency(poisson)).positive("lambda", 1.0).build()?;
/// let fit = model.fit(&table, Method::Lbfgs)?.require_trusted()?;
/// assert!((fit.estimates()[0] - 13.0 / 22.0).abs() < 1e-6);
/// assert_eq!(fit.sample_size(), 22.0);
/// # Ok::<(), maxlik::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Weights<F> {
    density: F,
    kind: WeightKind,
}

impl<F> Weights<F> {
    /// `density` with weights of `kind`.
    pub fn new(density: F, kind: WeightKind) -> Self {
        Weights { density, kind }
    }

    /// `density` with frequency weights.
    pub fn frequency(density: F) -> Self {
        Weights::new(density, WeightKind::Frequency)
    }

    /// `density` with sampling weights.
    pub fn sampling(density: F) -> Self {
        Weights::new(density, WeightKind::Sampling)
    }

    /// What the weights mean.
    pub fn kind(&self) -> WeightKind {
        self.kind
    }

    /// The unweighted density.
    pub fn density(&self) -> &F {
        &self.density
    }
}

impl<O, F: LogDensity<O>> LogDensity<Weighted<O>> for Weights<F> {
    #[inline(always)]
    fn ln_density(&self, obs: &Weighted<O>, params: &[f64]) -> f64 {
        obs.weight * self.density.ln_density(&obs.obs, params)
    }

    fn count(&self, obs: &Weighted<O>) -> f64 {
        match self.kind {
            WeightKind::Frequency => obs.weight,
            WeightKind::Sampling => 1.0,
        }
    }

    fn pseudo_likelihood(&self) -> bool {
        self.kind == WeightKind::Sampling
    }
}
