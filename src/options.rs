//! How to fit: the optimizer and the user's options, validated when they are built.

use std::fmt;

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::objective::Difference;
use crate::outcome::SeKind;

/// The optimizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// Limited-memory BFGS with a More-Thuente line search (argmin).
    Lbfgs,
    /// The Nelder-Mead simplex (argmin); uses no gradient.
    NelderMead,
    /// BHHH (Berndt–Hall–Hall–Hausman) with a trust region: Newton's steps with the Hessian
    /// replaced by the outer product of the per-observation scores, which one pass of them
    /// gives with the gradient (`2p` evaluations of each observation, or one pass of a supplied
    /// score). For a correctly specified model the outer product is the information at the
    /// optimum; its convergence there is linear, not quadratic.
    Bhhh,
    /// Nonlinear conjugate gradients (argmin) with Polak–Ribière+ updates, restarts, and a
    /// More-Thuente line search held to `c2 = 0.1`: no matrix kept, `O(p)` memory.
    ConjugateGradient,
    /// Steepest descent (argmin) with a More-Thuente line search, for teaching: it zig-zags
    /// and is slow; in the scaled coordinates only.
    SteepestDescent,
    /// BFGS (argmin) with a More-Thuente line search: the full inverse-Hessian update, in the
    /// same scaled coordinates and under the same verdict as L-BFGS.
    Bfgs,
    /// Newton's method with a trust region: each step minimises the quadratic model of the
    /// NLL, from its Hessian (second differences of the NLL, `p² + p` evaluations, or exact
    /// with [`Model::exact`](crate::Model::exact)), within a radius that grows only while the
    /// model predicts the NLL's fall. Few iterations; each costs a Hessian.
    Newton,
    /// Newton's method with a line search: the Newton direction from the Hessian (second
    /// differences, or exact), made positive definite where it is not, and argmin's
    /// More-Thuente line search along it. A Hessian per iteration. (argmin's own Newton-CG
    /// degenerates to steepest descent on a mean NLL; see `docs/optimizers.md`.)
    NewtonLineSearch,
    /// Trust-region Newton (argmin) with Steihaug's truncated conjugate gradients for each step:
    /// a Hessian per accepted step.
    TrustRegionSteihaug,
    /// Trust-region Newton (argmin) with the dogleg step: a Hessian per accepted step.
    TrustRegionDogleg,
    /// The SR1 trust region (argmin): the symmetric rank-one update of a Hessian approximation
    /// started from the calibrated curvature, steps by Steihaug's conjugate gradients; a
    /// gradient per step, no Hessian during the run.
    Sr1TrustRegion,
    /// Particle swarm (argmin), global: 20–60 particles for 60 iterations in a box of ±10
    /// calibrated units around the start (seeded by the options' seed), then L-BFGS from the
    /// best point (the polish); the verdict is the polished point's.
    ParticleSwarm,
    /// Simulated annealing (argmin), global: 1500 moves from the start, the temperature falling
    /// as `1/k` and the moves with it, inside the same box (seeded), then L-BFGS from the best
    /// point visited (the polish); the verdict is the polished point's.
    SimulatedAnnealing,
}

impl Method {
    /// Every method, in a fixed order, for a client that loops over them.
    pub const ALL: [Method; 13] = [
        Method::Lbfgs,
        Method::NelderMead,
        Method::Newton,
        Method::Bfgs,
        Method::Bhhh,
        Method::ConjugateGradient,
        Method::SteepestDescent,
        Method::NewtonLineSearch,
        Method::TrustRegionSteihaug,
        Method::TrustRegionDogleg,
        Method::Sr1TrustRegion,
        Method::ParticleSwarm,
        Method::SimulatedAnnealing,
    ];

    /// Whether a run of the method is judged by its gradient and Hessian (every method but
    /// Nelder-Mead, which compares values only).
    pub(crate) fn judged_by_gradient(self) -> bool {
        self != Method::NelderMead
    }

    /// Whether the method searches globally before its local polish (particle swarm,
    /// simulated annealing).
    pub fn is_global(self) -> bool {
        matches!(self, Method::ParticleSwarm | Method::SimulatedAnnealing)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Lbfgs => "L-BFGS",
            Method::NelderMead => "Nelder-Mead",
            Method::Newton => "Newton",
            Method::Bfgs => "BFGS",
            Method::Bhhh => "BHHH",
            Method::ConjugateGradient => "CG",
            Method::SteepestDescent => "steepest descent",
            Method::NewtonLineSearch => "Newton (line search)",
            Method::TrustRegionSteihaug => "trust-region Newton (Steihaug)",
            Method::TrustRegionDogleg => "trust-region Newton (dogleg)",
            Method::Sr1TrustRegion => "SR1 trust region",
            Method::ParticleSwarm => "particle swarm",
            Method::SimulatedAnnealing => "simulated annealing",
        })
    }
}

/// Default stationarity tolerance of L-BFGS, in standard errors.
pub const LBFGS_TOLERANCE: f64 = 1e-6;
/// Default tolerance of Nelder-Mead, in standard errors.
pub const NELDER_MEAD_TOLERANCE: f64 = 1e-5;
/// Default iteration cap of L-BFGS.
pub const LBFGS_MAX_ITERS: u64 = 500;
/// Default iteration cap of Nelder-Mead.
pub const NELDER_MEAD_MAX_ITERS: u64 = 5000;
/// Default iteration cap of Newton's method (trust-region steps, accepted or refused).
pub const NEWTON_MAX_ITERS: u64 = 200;
/// Default iteration cap of steepest descent: its convergence is linear with a rate set by the
/// condition number, so it needs many more iterations than the others (each is one line
/// search).
pub const STEEPEST_DESCENT_MAX_ITERS: u64 = 5000;

/// The most starts a multi-start fit takes.
pub const MAX_STARTS: usize = 10_000;

/// How to fit: the optimizer, its tolerance and iteration cap, the finite-difference scheme and
/// optionally a start that overrides the model's.
///
/// [`FitOptions::new`] gives the defaults; [`FitOptions::builder`] changes them, and its
/// [`build`](FitOptionsBuilder::build) validates every value at once, so a chain is one
/// expression with one `?`.
///
/// ```
/// use maxlik::{Difference, FitOptions, Method};
///
/// let options = FitOptions::builder(Method::Lbfgs)
///     .tolerance(1e-8)
///     .max_iters(200)
///     .difference(Difference::Forward)
///     .build()?;
/// assert_eq!(options.max_iters(), 200);
/// # Ok::<(), maxlik::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    pub(crate) method: Method,
    pub(crate) tolerance: f64,
    pub(crate) max_iters: u64,
    pub(crate) difference: Difference,
    pub(crate) start: Option<Vec<f64>>,
    pub(crate) standard_errors: bool,
    pub(crate) warm_start: bool,
    pub(crate) starts: usize,
    pub(crate) seed: u64,
    /// The standard errors asked for; `None` for the default (observed information, or
    /// robust for a pseudo-likelihood).
    pub(crate) se_kind: Option<SeKind>,
    /// One cluster key per observation, for [`SeKind::Cluster`].
    pub(crate) clusters: Option<Arc<[u64]>>,
}

impl FitOptions {
    /// The defaults for `method`: tolerance [`LBFGS_TOLERANCE`] or [`NELDER_MEAD_TOLERANCE`],
    /// iteration cap [`LBFGS_MAX_ITERS`] or [`NELDER_MEAD_MAX_ITERS`], adaptive differences,
    /// the model's start values, standard errors and the warm start on.
    pub fn new(method: Method) -> Self {
        let (tolerance, max_iters) = match method {
            Method::Lbfgs => (LBFGS_TOLERANCE, LBFGS_MAX_ITERS),
            Method::NelderMead => (NELDER_MEAD_TOLERANCE, NELDER_MEAD_MAX_ITERS),
            Method::Newton
            | Method::NewtonLineSearch
            | Method::TrustRegionSteihaug
            | Method::TrustRegionDogleg => (LBFGS_TOLERANCE, NEWTON_MAX_ITERS),
            Method::Sr1TrustRegion | Method::ParticleSwarm | Method::SimulatedAnnealing => {
                (LBFGS_TOLERANCE, LBFGS_MAX_ITERS)
            }
            Method::Bfgs => (LBFGS_TOLERANCE, LBFGS_MAX_ITERS),
            Method::Bhhh | Method::ConjugateGradient => (LBFGS_TOLERANCE, LBFGS_MAX_ITERS),
            Method::SteepestDescent => (LBFGS_TOLERANCE, STEEPEST_DESCENT_MAX_ITERS),
        };
        FitOptions {
            method,
            tolerance,
            max_iters,
            difference: Difference::Adaptive,
            start: None,
            standard_errors: true,
            warm_start: true,
            starts: 1,
            seed: 0,
            se_kind: None,
            clusters: None,
        }
    }

    /// A builder starting from the defaults for `method`.
    pub fn builder(method: Method) -> FitOptionsBuilder {
        FitOptionsBuilder {
            options: FitOptions::new(method),
        }
    }

    /// A builder starting from these options.
    pub fn to_builder(&self) -> FitOptionsBuilder {
        FitOptionsBuilder {
            options: self.clone(),
        }
    }

    /// The optimizer.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The stationarity tolerance, in standard errors.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// The iteration cap.
    pub fn max_iters(&self) -> u64 {
        self.max_iters
    }

    /// The finite-difference scheme.
    pub fn difference(&self) -> Difference {
        self.difference
    }

    /// The start (every declared parameter, in order), when it overrides the model's.
    pub fn start(&self) -> Option<&[f64]> {
        self.start.as_deref()
    }

    /// Whether the fit computes standard errors.
    pub fn standard_errors(&self) -> bool {
        self.standard_errors
    }

    /// Whether the fit starts from fits on subsamples.
    pub fn warm_start(&self) -> bool {
        self.warm_start
    }

    /// How many starts the fit runs from (1: the declared start alone).
    pub fn starts(&self) -> usize {
        self.starts
    }

    /// The seed of the extra starts' design.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The kind of standard errors asked for (`None`: the default, observed information, or
    /// robust for a pseudo-likelihood of sampling weights).
    pub fn se_kind(&self) -> Option<SeKind> {
        self.se_kind
    }

    /// The cluster keys, for cluster-robust standard errors.
    pub fn clusters(&self) -> Option<&[u64]> {
        self.clusters.as_deref()
    }
}

/// Sets [`FitOptions`]; [`build`](FitOptionsBuilder::build) validates them.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct FitOptionsBuilder {
    options: FitOptions,
}

impl FitOptionsBuilder {
    /// The stationarity tolerance, in standard errors, in (0, 1): the fit converges when the
    /// gradient implies the optimum is closer than this (L-BFGS), or when the simplex's NLL
    /// values agree as closely as points this far from the optimum would (Nelder-Mead).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.options.tolerance = tolerance;
        self
    }

    /// The iteration cap, at least 1.
    pub fn max_iters(mut self, max_iters: u64) -> Self {
        self.options.max_iters = max_iters;
        self
    }

    /// The finite-difference scheme for gradients (ignored when the model has a score);
    /// [`Difference::Adaptive`] by default.
    pub fn difference(mut self, difference: Difference) -> Self {
        self.options.difference = difference;
        self
    }

    /// Starts from `start` (every declared parameter, in order) instead of the model's start
    /// values. It is checked against the model's parameters when the fit begins.
    pub fn start(mut self, start: Vec<f64>) -> Self {
        self.options.start = Some(start);
        self
    }

    /// Whether to compute the observed information, standard errors and covariance at the end
    /// of the fit (on by default; it costs `2p² + 1`-ish NLL evaluations, twice, to measure
    /// their stability).
    pub fn standard_errors(mut self, on: bool) -> Self {
        self.options.standard_errors = on;
        self
    }

    /// Whether to start from fits on subsamples (on by default). With at least
    /// 16 × 2048 observations (and 16 × 64 per free parameter), the fit first runs on a
    /// subsample of 1/16 of the data (and 1/256, ... down to 2048 observations), each stage
    /// from where the smaller one converged, to a tolerance of 0.1 of its own standard errors;
    /// the fit to all the data then starts a few of its standard errors from the optimum. The
    /// subsamples are blocks of 256 consecutive observations spread evenly over the data. The
    /// result is judged on all the data with the same tolerance either way: the warm start
    /// changes where the last stage starts, not what it converges to. See
    /// [`Fit::warm_stages`](crate::Fit::warm_stages).
    pub fn warm_start(mut self, on: bool) -> Self {
        self.options.warm_start = on;
        self
    }

    /// Runs the fit from `starts` starts (1 by default): the declared start and `starts − 1`
    /// more spread around it over the parameters' spaces, fitted in parallel. The fit returned
    /// is the best converged optimum; it lists the distinct optima the starts reached
    /// ([`Fit::multi_start`](crate::Fit::multi_start)) and its certificate says how many of
    /// the starts reached it. The same options give the same result on any number of threads.
    pub fn starts(mut self, starts: usize) -> Self {
        self.options.starts = starts;
        self
    }

    /// The seed of the extra starts' design (0 by default): another seed, other starts.
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// The kind of standard errors to report (see [`SeKind`]); for [`SeKind::Cluster`] give
    /// the keys with [`clusters`](FitOptionsBuilder::clusters).
    pub fn se_kind(mut self, kind: SeKind) -> Self {
        self.options.se_kind = Some(kind);
        self
    }

    /// Cluster-robust standard errors with these keys, one per observation in the order of
    /// the data (observations with equal keys form a cluster); sets the kind to
    /// [`SeKind::Cluster`].
    pub fn clusters(mut self, keys: Vec<u64>) -> Self {
        self.options.se_kind = Some(SeKind::Cluster);
        self.options.clusters = Some(keys.into());
        self
    }

    /// Validates the options.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] for a tolerance outside (0, 1), an iteration cap of zero, or a
    /// number of starts outside 1..=10000.
    /// A start is checked against the model's parameters when the fit begins.
    pub fn build(self) -> Result<FitOptions> {
        let o = self.options;
        if !(o.tolerance > 0.0 && o.tolerance < 1.0) {
            return Err(Error::InvalidOption {
                option: "tolerance",
                value: o.tolerance,
                reason: "must lie in (0, 1) standard errors",
            });
        }
        if o.starts == 0 || o.starts > MAX_STARTS {
            return Err(Error::InvalidOption {
                option: "starts",
                value: o.starts as f64,
                reason: "must lie in 1..=10000",
            });
        }
        match (o.se_kind, &o.clusters) {
            (Some(SeKind::Cluster), None) => {
                return Err(Error::InvalidOption {
                    option: "se_kind",
                    value: f64::NAN,
                    reason: "cluster-robust standard errors need the cluster keys (`clusters`)",
                });
            }
            (Some(kind), Some(_)) if kind != SeKind::Cluster => {
                return Err(Error::InvalidOption {
                    option: "clusters",
                    value: f64::NAN,
                    reason: "cluster keys were given with standard errors of another kind",
                });
            }
            _ => {}
        }
        if o.max_iters == 0 {
            return Err(Error::InvalidOption {
                option: "max_iters",
                value: 0.0,
                reason: "must be at least 1",
            });
        }
        Ok(o)
    }
}
