//! Which family fits: every candidate family fitted to the same data, ranked by AIC (with
//! AICc, BIC, ΔAIC and Akaike weights), each with its goodness-of-fit statistics and, when
//! asked, parametric-bootstrap p-values that account for the estimated parameters.

mod gof;
mod pvalues;

use rayon::prelude::*;

pub use gof::{
    Cell, ChiSquare, EdfStatistics, GoodnessOfFit, chi_square, edf_statistics, goodness_of_fit,
};
pub use pvalues::PValues;

use crate::certificate::Trust;
use crate::error::{Error, Result};
use crate::families::{FAMILIES, Family};
use crate::fit::Fit;
use crate::options::{FitOptions, MAX_STARTS, Method};

/// The most bootstrap replicates [`Select::gof_pvalues`] takes.
pub const MAX_REPLICATES: usize = 100_000;

/// How to choose among families: which to try, the optimizer, and the bootstrap of the
/// goodness-of-fit p-values.
///
/// ```
/// use maxlik::{Family, Select};
///
/// let data = [1.2, 0.7, 3.1, 2.2, 0.9, 1.6, 2.8, 0.4, 1.1, 1.9];
/// let selection = Select::new()
///     .families(&[Family::Gamma, Family::Weibull, Family::LogNormal])
///     .run(&data)?;
/// let best = &selection.ranking()[0];
/// println!("{}: AIC {:.2}, weight {:.2}", best.family, best.fit.aic(), best.weight.unwrap());
/// # Ok::<(), maxlik::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Select {
    families: Vec<Family>,
    method: Method,
    replicates: usize,
    seed: u64,
}

impl Default for Select {
    fn default() -> Self {
        Self::new()
    }
}

/// One family's fit in a [`Selection`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Candidate {
    /// The family.
    pub family: Family,
    /// Its fit (estimates, NLL, AIC, AICc, BIC, standard errors, verdict).
    pub fit: Fit,
    /// `AIC − AIC` of the best ranked fit; `None` for a fit that did not converge or that
    /// its verdict does not trust.
    pub delta_aic: Option<f64>,
    /// The Akaike weight `exp(−Δ/2) / Σ exp(−Δⱼ/2)` over the fits that converged and are
    /// trusted (with or without warnings); `None` for the others.
    pub weight: Option<f64>,
    /// Its goodness-of-fit statistics.
    pub gof: GoodnessOfFit,
    /// Parametric-bootstrap p-values, when asked for.
    pub p_values: Option<PValues>,
}

/// A family that could not be fitted, with the reason.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Unfitted {
    /// The family.
    pub family: Family,
    /// Why: the data outside its support, data that cannot identify it, a failed fit.
    pub reason: Error,
}

/// The result of [`Select::run`]: the fitted families ranked, and those that could not be
/// fitted.
#[derive(Debug, Clone)]
pub struct Selection {
    ranking: Vec<Candidate>,
    unfitted: Vec<Unfitted>,
    discrete: bool,
    n: usize,
}

impl Selection {
    /// The fitted families, best first: the converged and trusted fits by increasing AIC,
    /// then the others (fits that did not converge or that the verdict refuses; by AIC too,
    /// without a ΔAIC or weight).
    pub fn ranking(&self) -> &[Candidate] {
        &self.ranking
    }

    /// The families that could not be fitted, with the reasons.
    pub fn unfitted(&self) -> &[Unfitted] {
        &self.unfitted
    }

    /// Whether the candidates were discrete families (counts) rather than continuous ones.
    pub fn is_discrete(&self) -> bool {
        self.discrete
    }

    /// The number of observations.
    pub fn n(&self) -> usize {
        self.n
    }
}

/// Whether every value is a whole number ≥ 0 (what a count family can fit).
fn are_counts(data: &[f64]) -> bool {
    data.iter().all(|&x| x >= 0.0 && x.fract() == 0.0)
}

impl Select {
    /// Every family of the data's kind, L-BFGS, no bootstrap, seed 0.
    pub fn new() -> Self {
        Select {
            families: Vec::new(),
            method: Method::Lbfgs,
            replicates: 0,
            seed: 0,
        }
    }

    /// The families to try (each once, in any order). None named: every built-in family of
    /// the data's kind — the count families when every value is a whole number ≥ 0, the
    /// continuous ones otherwise — each tried where its support holds the data, but for the
    /// binomial, whose number of trials must be given (named, it is listed as not fitted).
    pub fn families(mut self, families: &[Family]) -> Self {
        self.families.clear();
        for &f in families {
            if !self.families.contains(&f) {
                self.families.push(f);
            }
        }
        self
    }

    /// The optimizer of every fit (L-BFGS by default).
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Parametric-bootstrap p-values of the goodness-of-fit statistics from `replicates`
    /// samples of each fitted family, each refitted (0, the default: none).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] above [`MAX_REPLICATES`].
    pub fn gof_pvalues(mut self, replicates: usize) -> Result<Self> {
        if replicates > MAX_REPLICATES {
            return Err(Error::InvalidOption {
                option: "gof_pvalues",
                value: replicates as f64,
                reason: "at most 100000 replicates",
            });
        }
        self.replicates = replicates;
        Ok(self)
    }

    /// The seed of the bootstrap samples and of the extra starts (0 by default): the same
    /// seed, the same bits on any number of threads.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The families to fit, and whether they are discrete.
    fn candidates(&self, data: &[f64]) -> Result<(Vec<Family>, bool)> {
        if self.families.is_empty() {
            let discrete = are_counts(data);
            let chosen = FAMILIES
                .iter()
                .copied()
                .filter(|f| {
                    f.is_discrete() == discrete && !f.needs_fixed() && f.alias_of().is_none()
                })
                .collect();
            return Ok((chosen, discrete));
        }
        let (discrete, continuous): (Vec<Family>, Vec<Family>) =
            self.families.iter().partition(|f| f.is_discrete());
        if !discrete.is_empty() && !continuous.is_empty() {
            let names = |v: &[Family]| v.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
            return Err(Error::IncomparableFamilies {
                discrete: names(&discrete),
                continuous: names(&continuous),
            });
        }
        Ok((self.families.clone(), continuous.is_empty()))
    }

    /// The options of one family's fit.
    fn options(&self, family: Family) -> Result<FitOptions> {
        FitOptions::builder(self.method)
            .starts(family.default_starts().min(MAX_STARTS))
            .seed(self.seed)
            .build()
    }

    /// Fits every candidate family to `data` and ranks them.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyData`]; [`Error::InvalidObservation`] for a value that is not finite;
    /// [`Error::IncomparableFamilies`] when discrete and continuous families are named
    /// together (a probability and a density are not on one likelihood scale). A family that
    /// cannot be fitted is not an error: it is listed in [`Selection::unfitted`].
    pub fn run(&self, data: &[f64]) -> Result<Selection> {
        if data.is_empty() {
            return Err(Error::EmptyData);
        }
        crate::numerics::check_finite(data)?;
        let (named, discrete) = self.candidates(data)?;
        // One model, one entry: a re-parameterization named after its model (or before it) is
        // listed as not fitted.
        let mut families: Vec<Family> = Vec::new();
        let mut unfitted = Vec::new();
        for f in named {
            let model = f.alias_of().unwrap_or(f);
            match families
                .iter()
                .find(|g| g.alias_of().unwrap_or(**g) == model)
            {
                Some(&kept) => unfitted.push(Unfitted {
                    family: f,
                    reason: Error::SameModel {
                        family: f.name().to_string(),
                        same_as: kept.name().to_string(),
                    },
                }),
                None => families.push(f),
            }
        }
        let outcomes: Vec<std::result::Result<Candidate, Unfitted>> = families
            .par_iter()
            .map(|&family| self.candidate(family, data))
            .collect();
        let mut ranking = Vec::new();
        for outcome in outcomes {
            match outcome {
                Ok(c) => ranking.push(c),
                Err(u) => unfitted.push(u),
            }
        }
        rank(&mut ranking);
        Ok(Selection {
            ranking,
            unfitted,
            discrete,
            n: data.len(),
        })
    }

    /// One family fitted, with its statistics and p-values.
    fn candidate(&self, family: Family, data: &[f64]) -> std::result::Result<Candidate, Unfitted> {
        let unfitted = |reason| Unfitted { family, reason };
        let options = self.options(family).map_err(unfitted)?;
        let fit = family.fit(data, &options).map_err(unfitted)?;
        let gof = goodness_of_fit(family, data, fit.estimates(), fit.free_parameters())
            .map_err(unfitted)?;
        let p_values = (self.replicates > 0 && fit.converged()).then(|| {
            pvalues::bootstrap(
                family,
                fit.estimates(),
                data.len(),
                &gof,
                self.replicates,
                self.seed,
                self.method,
            )
        });
        Ok(Candidate {
            family,
            fit,
            delta_aic: None,
            weight: None,
            gof,
            p_values,
        })
    }
}

/// Whether a candidate is ranked with a ΔAIC and a weight: its fit converged and the verdict
/// does not refuse it (an AIC at a point that is not the optimum is not the family's AIC).
fn weighed(c: &Candidate) -> bool {
    c.fit.converged() && c.fit.trust() != Trust::NotTrusted
}

/// Sorts the candidates (the weighed ones first, each group by AIC) and sets the weighed
/// ones' ΔAIC and Akaike weights.
fn rank(ranking: &mut [Candidate]) {
    ranking.sort_by(|a, b| {
        weighed(b)
            .cmp(&weighed(a))
            .then(a.fit.aic().total_cmp(&b.fit.aic()))
    });
    let Some(best) = ranking.iter().find(|c| weighed(c)).map(|c| c.fit.aic()) else {
        return;
    };
    let total: f64 = ranking
        .iter()
        .filter(|c| weighed(c))
        .map(|c| (-0.5 * (c.fit.aic() - best)).exp())
        .sum();
    for c in ranking.iter_mut().filter(|c| weighed(c)) {
        let delta = c.fit.aic() - best;
        c.delta_aic = Some(delta);
        c.weight = Some((-0.5 * delta).exp() / total);
    }
}

/// Ranks every family of the data's kind with the defaults ([`Select::new`]).
///
/// # Errors
///
/// As [`Select::run`].
pub fn select(data: &[f64]) -> Result<Selection> {
    Select::new().run(data)
}
