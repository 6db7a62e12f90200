//! Standard errors, covariance and correlation of the free parameters: what the observed
//! information at the estimates gives, in the user's parameters. Computed by the solver
//! (`solver/curvature.rs`); a value here.

use nalgebra::DMatrix;

use crate::error::{Error, Result};
use crate::outcome::{SeKind, SeUnavailable};

/// Standard errors, covariance and correlation of the free parameters, from the observed
/// information at the estimates.
///
/// [`names`](Inference::names) and [`std_errors`](Inference::std_errors) line up with the
/// fit's declared parameters (and its estimates); the matrices hold the free parameters only,
/// in the order of [`free_names`](Inference::free_names).
#[derive(Debug, Clone, PartialEq)]
pub struct Inference {
    /// Every declared parameter's name.
    names: Vec<String>,
    /// Positions of the free parameters among the declared ones: the matrices' order.
    free: Vec<usize>,
    /// One per free parameter.
    std_errors: Vec<f64>,
    covariance: DMatrix<f64>,
    information: DMatrix<f64>,
    condition: f64,
    step_change: f64,
    kind: SeKind,
}

impl Inference {
    /// Assembles the result of the solver's analysis of the Hessian.
    pub(crate) fn new(
        names: Vec<String>,
        free: Vec<usize>,
        std_errors: Vec<f64>,
        covariance: DMatrix<f64>,
        information: DMatrix<f64>,
        condition: f64,
        step_change: f64,
    ) -> Self {
        Inference {
            names,
            free,
            std_errors,
            covariance,
            information,
            condition,
            step_change,
            kind: SeKind::Observed,
        }
    }

    /// The same fit's standard errors of another `kind`, from the per-observation scores
    /// `rows` (one flat row of the free parameters' scores per observation, in the matrices'
    /// order), each counted `counts[i]` times, and
    /// for [`SeKind::Cluster`] each observation's cluster key.
    pub(crate) fn of_kind(
        &self,
        kind: SeKind,
        rows: &[f64],
        counts: &[f64],
        clusters: Option<&[u64]>,
    ) -> std::result::Result<Inference, SeUnavailable> {
        let k = self.free.len();
        let outer = |b: &mut DMatrix<f64>, g: &[f64], scale: f64| {
            for i in 0..k {
                for j in 0..k {
                    b[(i, j)] += scale * g[i] * g[j];
                }
            }
        };
        let mut meat = DMatrix::zeros(k, k);
        let mut factor = 1.0;
        match (kind, clusters) {
            (SeKind::Observed, _) => return Ok(self.clone()),
            (SeKind::Cluster, Some(keys)) => {
                // Sums within clusters, in the order each cluster first appears.
                let mut order: Vec<u64> = Vec::new();
                let mut sums: std::collections::HashMap<u64, Vec<f64>> =
                    std::collections::HashMap::new();
                for (row, key) in rows.chunks(k.max(1)).zip(keys) {
                    let sum = sums.entry(*key).or_insert_with(|| {
                        order.push(*key);
                        vec![0.0; k]
                    });
                    for (s, g) in sum.iter_mut().zip(row) {
                        *s += g;
                    }
                }
                let g = order.len();
                if g < 2 {
                    return Err(SeUnavailable::TooFewClusters { clusters: g });
                }
                for key in &order {
                    outer(&mut meat, &sums[key], 1.0);
                }
                factor = g as f64 / (g as f64 - 1.0);
            }
            (SeKind::Cluster, None) => return Err(SeUnavailable::TooFewClusters { clusters: 0 }),
            _ => {
                // An observation standing for w identical ones contributes w (g/w)(g/w)ᵀ.
                for (row, &w) in rows.chunks(k.max(1)).zip(counts) {
                    outer(&mut meat, row, 1.0 / w);
                }
            }
        }
        let covariance = if kind == SeKind::Opg {
            meat.clone()
                .cholesky()
                .ok_or(SeUnavailable::SingularScores)?
                .inverse()
        } else {
            &self.covariance * &meat * &self.covariance * factor
        };
        let std_errors: Vec<f64> = (0..k).map(|i| covariance[(i, i)].sqrt()).collect();
        if std_errors.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(SeUnavailable::SingularScores);
        }
        Ok(Inference {
            std_errors,
            covariance,
            kind,
            ..self.clone()
        })
    }

    /// The kind of these standard errors.
    pub fn kind(&self) -> SeKind {
        self.kind
    }

    /// Every declared parameter's name, in order.
    pub fn names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// The free parameters' names, in the order of the matrices.
    pub fn free_names(&self) -> Vec<&str> {
        self.free.iter().map(|&i| self.names[i].as_str()).collect()
    }

    /// The standard error of `name`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownParameter`] when no parameter has that name;
    /// [`Error::StdErrorsUnavailable`] with [`SeUnavailable::Fixed`] for a fixed one.
    pub fn std_error(&self, name: &str) -> Result<f64> {
        let i =
            self.names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| Error::UnknownParameter {
                    name: name.to_string(),
                })?;
        self.free
            .iter()
            .position(|&k| k == i)
            .map(|k| self.std_errors[k])
            .ok_or(Error::StdErrorsUnavailable {
                reason: SeUnavailable::Fixed,
            })
    }

    /// The standard errors in the order of the declared parameters (and of the fit's
    /// estimates): `None` for a fixed parameter.
    pub fn std_errors(&self) -> Vec<Option<f64>> {
        let mut all = vec![None; self.names.len()];
        for (&i, &se) in self.free.iter().zip(&self.std_errors) {
            all[i] = Some(se);
        }
        all
    }

    /// The covariance matrix of the estimates, of this [`kind`](Inference::kind): for
    /// [`SeKind::Observed`] `J H⁻¹ J` (H the Hessian of the summed NLL in the engine's
    /// coordinates, J their Jacobian), the inverse observed information in the user's
    /// parameters; for the others, see [`SeKind`].
    pub fn covariance(&self) -> &DMatrix<f64> {
        &self.covariance
    }

    /// The correlation matrix.
    pub fn correlation(&self) -> DMatrix<f64> {
        let se = &self.std_errors;
        DMatrix::from_fn(se.len(), se.len(), |i, j| {
            self.covariance[(i, j)] / (se[i] * se[j])
        })
    }

    /// The observed information: the Hessian of the summed NLL (−lnL, not −2lnL) in the user's
    /// parameters.
    pub fn observed_information(&self) -> &DMatrix<f64> {
        &self.information
    }

    /// The condition number of the Hessian scaled to unit diagonal.
    pub fn condition(&self) -> f64 {
        self.condition
    }

    /// The largest relative change of a standard error when the finite-difference step is
    /// halved.
    pub fn step_change(&self) -> f64 {
        self.step_change
    }
}
