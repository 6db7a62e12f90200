//! # maxlik
//!
//! Numerical maximum-likelihood estimation: write the log-density of one observation as a
//! closure, declare the parameters, and fit.
//!
//! ```
//! use maxlik::{ClosedForm, Method, Model};
//!
//! let data = [4.2, 5.1, 6.3, 3.9, 5.5, 4.8, 6.1, 5.0];
//! let model = Model::builder(|x: &f64, p: &[f64]| {
//!     let z = (x - p[0]) / p[1];
//!     -0.5 * z * z - p[1].ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
//! })
//! .param("mu", 0.0)
//! .positive("sigma", 1.0)
//! .build()?;
//! let fit = model.fit(&data, Method::Lbfgs)?.require_trusted()?;
//! let exact = ClosedForm::normal(&data)?;
//! assert!(exact.compare(&fit)?.max_in_std_errors() < 1e-4);
//! # Ok::<(), maxlik::Error>(())
//! ```
//!
//! The engine sums the NLL over the data with a compensated, deterministic sum, maps every
//! parameter to unconstrained coordinates scaled to unit curvature at the start, minimizes the
//! mean NLL there with L-BFGS or Nelder-Mead from argmin, and judges convergence from the
//! gradient at the end. See `docs/architecture.md`.

#![forbid(unsafe_code)]
#![deny(clippy::float_cmp)]
#![warn(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc
)]

// The layers, bottom up: a module imports only from the layers above its own (tested in
// tests/layering.rs); rustfmt keeps each layer's modules in alphabetical order.

// What a fit can end with, and the error type.
mod outcome;

mod error;

// Small numerics, compensated sums, parameter spaces.
mod numerics;
mod params;
mod sum;

// The density and score traits; a fit's standard errors as a value.
mod density;
mod inference;
mod optima;

// Exact derivatives by automatic differentiation (the `autodiff` feature).
#[cfg(feature = "autodiff")]
mod autodiff;

// Censored, truncated and weighted observations.
mod censoring;
mod weights;

// The NLL over the data and the coordinates the optimizers see.
mod objective;

// The user's options; the certificate of a fit.
mod certificate;
mod options;

// A fit.
mod fit;

// The optimizers and the driver.
mod solver;

// Profiles and the likelihood-ratio test.
mod compare;
mod profile;

// A model: the public entry point to all of the above.
mod model;

// Reports, closed forms, built-in families.
mod analytic;
mod summary;

mod families;

// The bootstrap; choosing among families.
mod bootstrap;
mod selection;

// Quantiles with their intervals.
mod quantiles;

pub use analytic::{ClosedForm, Comparison, ComparisonRow};
#[cfg(feature = "autodiff")]
pub use autodiff::{Differentiable, Exact, Number};
pub use bootstrap::{Bootstrap, BootstrapInterval, JACKKNIFE_GROUPS, MAX_BOOTSTRAP, Resampling};
pub use censoring::{
    Censored, CensoringCounts, Distribution, Functions, Response, Truncation, distribution,
};
pub use certificate::{Certificate, Check, Status, Trust};
pub use compare::LikelihoodRatioTest;
pub use density::{LogDensity, NoScore, Score};
pub use error::{Error, Result};
pub use families::{
    FAMILIES, Family, FamilyDensity, MAX_COMPONENTS, NormalMixtureDensity, Settings, family_names,
    normal_mixture,
};
pub use fit::{Fit, WarmStage};
pub use inference::Inference;
pub use model::{Model, ModelBuilder, SCORE_AGREEMENT, ScoreCheck, ScoreCheckRow};
/// The linear-algebra crate of [`Inference`]'s matrices, re-exported so that its types can be
/// named without depending on a matching version.
pub use nalgebra;
pub use nalgebra::DMatrix;
#[cfg(feature = "autodiff")]
pub use num_dual;
pub use objective::Difference;
pub use optima::{MultiStart, Optimum};
pub use options::{
    FitOptions, FitOptionsBuilder, LBFGS_MAX_ITERS, LBFGS_TOLERANCE, MAX_STARTS, Method,
    NELDER_MEAD_MAX_ITERS, NELDER_MEAD_TOLERANCE, NEWTON_MAX_ITERS, STEEPEST_DESCENT_MAX_ITERS,
};
pub use outcome::{ConvergedBy, Convergence, EvaluationFailure, SeKind, SeUnavailable, StopReason};
pub use params::{Param, Space};
pub use profile::{Limit, ProfileInterval};
pub use quantiles::QuantileEstimate;
pub use selection::{
    Candidate, Cell, ChiSquare, EdfStatistics, GoodnessOfFit, MAX_REPLICATES, PValues, Select,
    Selection, Unfitted, chi_square, edf_statistics, goodness_of_fit, select,
};
pub use solver::{MAX_RECOVERIES, MAX_RESTARTS};
pub use summary::Summary;
pub use weights::{WeightKind, Weighted, Weights};

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The tutorial's code, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/tutorial.md")]
pub struct TutorialDoctests;

/// The censoring guide's code, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/censoring.md")]
pub struct CensoringDoctests;
