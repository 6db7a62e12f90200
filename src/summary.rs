//! The summary table: estimates, standard errors, Wald and profile intervals, the fit's
//! statistics, the optimizer's record and the certificate's verdict with its warnings.

use std::fmt;

use crate::certificate::Status;
use crate::error::Result;
use crate::fit::Fit;
use crate::numerics::{check_level, num};
use crate::outcome::{ConvergedBy, Convergence, SeKind};
use crate::params::Space;
use crate::profile::ProfileInterval;

/// A fit's summary table; `Display` prints it.
///
/// ```
/// use maxlik::{Method, Model};
///
/// let data = [4.2, 5.1, 6.3, 3.9, 5.5, 4.8, 6.1, 5.0];
/// let model = Model::builder(|x: &f64, p: &[f64]| {
///     let z = (x - p[0]) / p[1];
///     -0.5 * z * z - p[1].ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
/// })
/// .param("mu", 0.0)
/// .positive("sigma", 1.0)
/// .build()?;
/// let fit = model.fit(&data, Method::Lbfgs)?;
/// let profile = model.profile(&data, &fit, "mu", 0.95)?;
/// println!("{}", fit.summary().with_profile(&profile));
/// # Ok::<(), maxlik::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a summary is shown by printing it"]
pub struct Summary<'a> {
    fit: &'a Fit,
    level: f64,
    profiles: Vec<&'a ProfileInterval>,
}

impl Fit {
    /// The summary table at 95%, to which profile intervals can be added.
    pub fn summary(&self) -> Summary<'_> {
        Summary::new(self)
    }
}

impl fmt::Display for Fit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary())
    }
}

impl<'a> Summary<'a> {
    fn new(fit: &'a Fit) -> Self {
        Summary {
            fit,
            level: 0.95,
            profiles: Vec::new(),
        }
    }

    /// The level of the Wald intervals (0.95 by default).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidOption`] for a level outside (0, 1).
    pub fn level(mut self, level: f64) -> Result<Self> {
        check_level(level)?;
        self.level = level;
        Ok(self)
    }

    /// Adds a profile interval (of this fit) as a column.
    pub fn with_profile(mut self, profile: &'a ProfileInterval) -> Self {
        self.profiles.push(profile);
        self
    }
}

/// The rule above and below the table.
const RULE_WIDTH: usize = 96;

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_header(f)?;
        self.write_table(f)?;
        self.write_record(f)
    }
}

impl Summary<'_> {
    /// The verdict, n, the log-likelihood and the information criteria.
    fn write_header(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fit = self.fit;
        writeln!(
            f,
            "Maximum-likelihood fit{:>74}",
            format!("verdict: {}", fit.trust())
        )?;
        if let Convergence::NotConverged(reason) = fit.convergence() {
            writeln!(f, "NOT CONVERGED: {reason}")?;
            writeln!(
                f,
                "(the values below are where the optimizer stopped, not an MLE)"
            )?;
        }
        // Under frequency weights the rows stand for more observations than there are rows.
        let n = if fit.sample_size().to_bits() == (fit.n() as f64).to_bits() {
            fit.n().to_string()
        } else {
            format!("{} (in {} weighted rows)", num(fit.sample_size()), fit.n())
        };
        writeln!(
            f,
            "n = {n}   free parameters = {}   log-likelihood = {}   (NLL = -lnL)",
            fit.free_parameters(),
            num(fit.log_likelihood())
        )?;
        let aicc = fit.aicc().map_or_else(|| "-".to_string(), num);
        writeln!(
            f,
            "AIC = {}   AICc = {}   BIC = {}   (-2lnL convention)",
            num(fit.aic()),
            aicc,
            num(fit.bic())
        )
    }

    /// One row per parameter: estimate, standard error, Wald and profile intervals.
    fn write_table(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fit = self.fit;
        let pct = format!("{:.0}%", 100.0 * self.level);
        let rule = "-".repeat(RULE_WIDTH);
        writeln!(f, "{rule}")?;
        // The Wald column is padded only when a profile column follows it.
        let wald_width = if self.profiles.is_empty() { 0 } else { 32 };
        write!(
            f,
            "{:<12} {:>16} {:>14}   {:<wald_width$}",
            "parameter",
            "estimate",
            "std. error",
            format!("{pct} Wald interval")
        )?;
        if !self.profiles.is_empty() {
            write!(f, " profile interval")?;
        }
        writeln!(f)?;
        for (p, &est) in fit.params().iter().zip(fit.estimates()) {
            write!(f, "{:<12} {:>16}", p.name, num(est))?;
            if let Space::Fixed(_) = p.space {
                writeln!(f, " {:>14}", "(fixed)")?;
                continue;
            }
            match (
                fit.std_error(&p.name),
                fit.wald_interval(&p.name, self.level),
            ) {
                (Ok(se), Ok((lo, hi))) => write!(
                    f,
                    " {:>14}   {:<wald_width$}",
                    num(se),
                    format!("[{}, {}]", num(lo), num(hi))
                )?,
                _ => write!(f, " {:>14}   {:<wald_width$}", "n/a", "n/a")?,
            }
            if let Some(pi) = self.profiles.iter().find(|pi| pi.name() == p.name) {
                write!(
                    f,
                    " [{}, {}] ({:.0}%)",
                    pi.lower(),
                    pi.upper(),
                    100.0 * pi.level()
                )?;
            }
            writeln!(f)?;
        }
        writeln!(f, "{rule}")
    }

    /// Why standard errors are missing, the optimizer's record, and the certificate.
    fn write_record(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fit = self.fit;
        match fit.std_errors() {
            Err(reason) => writeln!(f, "standard errors not available: {reason}")?,
            Ok(inference) => match inference.kind() {
                SeKind::Observed => {}
                SeKind::Robust => writeln!(
                    f,
                    "standard errors: robust (sandwich H^-1 B H^-1 of the per-observation scores, HC0)"
                )?,
                SeKind::Opg => writeln!(
                    f,
                    "standard errors: outer product of the per-observation scores (OPG, BHHH)"
                )?,
                SeKind::Cluster => writeln!(
                    f,
                    "standard errors: cluster-robust (scores summed within clusters, G/(G-1) adjustment)"
                )?,
            },
        }
        let how = match fit.convergence() {
            Convergence::Converged(ConvergedBy::Gradient) => "converged (gradient test)",
            Convergence::Converged(ConvergedBy::PrecisionLimit) => {
                "converged (at the limit of floating-point precision)"
            }
            Convergence::Converged(ConvergedBy::SimplexSpread) => "converged (simplex spread)",
            Convergence::NotConverged(_) => "did not converge",
        };
        writeln!(
            f,
            "{} {how}: {} iterations, {} NLL evaluations ({} for the Hessian), {:.3?}",
            fit.method(),
            fit.iterations(),
            fit.nll_passes(),
            fit.hessian_passes(),
            fit.elapsed()
        )?;
        if let Some(last) = fit.warm_stages().last() {
            writeln!(
                f,
                "warm start: {} stage(s) on subsamples of {}..{} observations, {:.2} passes over all the data in total",
                fit.warm_stages().len(),
                fit.warm_stages()[0].observations(),
                last.observations(),
                fit.data_passes()
            )?;
        }
        if let Some(info) = fit.multi_start() {
            writeln!(f, "multi-start (seed {}): {info}", info.seed())?;
        }
        match fit.distance_to_optimum() {
            Some(d) => writeln!(
                f,
                "distance to the optimum implied by the gradient: {d:.1e} standard errors (resolvable: {:.1e})",
                fit.precision()
            )?,
            None => writeln!(f, "the gradient at the estimates could not be computed")?,
        }
        for p in &self.profiles {
            if p.refit().is_some() {
                writeln!(
                    f,
                    "note: profiling {} found a better optimum; its interval is around the refit",
                    p.name()
                )?;
            }
        }
        let certificate = fit.certificate();
        if certificate
            .checks()
            .iter()
            .all(|c| c.status() == Status::Pass)
        {
            write!(
                f,
                "certificate: all {} checks passed",
                certificate.checks().len()
            )
        } else {
            write!(f, "certificate:")?;
            certificate.write_notes(f)
        }
    }
}
