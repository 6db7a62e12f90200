//! `maxlik select`: every family of the data's kind (or the ones named) fitted and ranked by
//! AIC, with goodness-of-fit statistics, optional bootstrap p-values and comparison figures.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use maxlik::{Candidate, Family, GoodnessOfFit, Select, Selection};
use serde_json::{Map, Value, json};

use crate::data::{self, Cells, Delimiter, Kind, Missing, Request, Source};
use crate::observations::FamilyParser;
use crate::{comparison, report};

/// Which family fits: the arguments of `maxlik select`.
#[derive(Debug, clap::Args)]
pub struct SelectArgs {
    /// CSV with a header, or one number per line; `-` reads standard input.
    #[arg(long)]
    data: PathBuf,
    /// The CSV column to use (required when there is more than one).
    #[arg(long)]
    column: Option<String>,
    /// The families to rank, comma-separated (default: every family of the data's kind whose
    /// support holds the data; count families when every value is a whole number ≥ 0).
    #[arg(long, value_delimiter = ',', value_parser = FamilyParser)]
    families: Vec<Family>,
    /// Parametric-bootstrap p-values of the goodness-of-fit statistics from B samples of each
    /// fitted family, each refitted (so that they account for the estimated parameters).
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    gof_pvalues: Option<u64>,
    /// Seed of the bootstrap samples and of the mixture's extra starts.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// What to do with a missing value: stop with an error naming the line, or leave the row
    /// out and report how many were left out.
    #[arg(long, value_enum, default_value_t = Missing::Error)]
    missing: Missing,
    /// The field separator (default: detected from the first line).
    #[arg(long, value_enum)]
    delimiter: Option<Delimiter>,
    /// Print exactly one JSON object (fields documented in docs/cli.md).
    #[arg(long)]
    json: bool,
    /// Folder for the comparison figures (density over the histogram, CDF against the
    /// empirical CDF, Q-Q and P-P), every ranked family in each; created if missing.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
}

/// Runs `maxlik select`.
pub fn run(args: &SelectArgs) -> Result<ExitCode> {
    let source = Source::from_arg(&args.data);
    let table = data::read_table(
        &source,
        &[Request {
            name: args.column.as_deref(),
            flag: "--column",
            kind: Kind::Number {
                may_be_empty: false,
            },
        }],
        data::Reading {
            missing: args.missing,
            delimiter: args.delimiter,
        },
    )?;
    let values: Vec<f64> = match &table.columns[0] {
        Cells::Numbers(v) => v.iter().flatten().copied().collect(),
        Cells::Labels(_) => Vec::new(),
    };
    let mut select = Select::new().families(&args.families).seed(args.seed);
    if let Some(b) = args.gof_pvalues {
        select = select.gof_pvalues(b as usize)?;
    }
    let selection = select
        .run(&values)
        .map_err(|e| table.locate(&source, &e))
        .context("ranking the families")?;
    if args.json {
        say!(
            "{}",
            json_text(&selection, &table.label, table.skipped, args)
        );
    } else {
        say!(
            "{}",
            table_text(&selection, &table.label, table.skipped, args)
        );
    }
    if let Some(dir) = &args.plot {
        match comparison::comparison(
            dir,
            &values,
            &selection,
            table.name.as_deref().unwrap_or("x"),
        ) {
            Ok(files) if !args.json => {
                for f in files {
                    say!("figure written to {}", f.display());
                }
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!(
                    "maxlik: the ranking is printed, but the figures were not written: {e:#}"
                );
                return Ok(ExitCode::from(crate::PLOT_FAILED));
            }
        }
    }
    let converged = selection.ranking().iter().any(|c| c.fit.converged());
    Ok(if converged {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::NOT_CONVERGED)
    })
}

/// A statistic with 4 significant digits, in plain notation where that is readable.
fn sig4(v: f64) -> String {
    crate::report::significant(v, 4)
}

/// A p-value: 3 decimals, or `< 0.001`.
fn significant_p(p: f64) -> String {
    if p < 1e-3 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// The ranking as a table, the estimates, and what could not be fitted.
fn table_text(selection: &Selection, label: &str, skipped: usize, args: &SelectArgs) -> String {
    let mut out = String::new();
    let kind = if selection.is_discrete() {
        "count families: every value is a whole number ≥ 0"
    } else {
        "continuous families"
    };
    let _ = writeln!(
        out,
        "Which family fits {label}? {} observations{}, {kind}; ranked by AIC (smaller is better)\n",
        selection.n(),
        match skipped {
            0 => String::new(),
            k => format!(" ({k} rows with a missing value left out)"),
        }
    );
    let discrete = selection.is_discrete();
    let stats_header = if discrete {
        format!("{:>10} {:>4} {:>8}", "chi-sq", "df", "p")
    } else {
        format!("{:>8} {:>8} {:>8}", "KS", "CvM", "AD")
    };
    let p_header = match (args.gof_pvalues, discrete) {
        (None, _) => String::new(),
        (Some(_), true) => format!(" {:>8}", "p(chi2)"),
        (Some(_), false) => format!(" {:>7} {:>7} {:>7}", "p(KS)", "p(CvM)", "p(AD)"),
    };
    let _ = writeln!(
        out,
        "{:<4} {:<18} {:>2} {:>12} {:>11} {:>8} {:>7} {:>11} {:>11} {stats_header}{p_header}  verdict",
        "rank", "family", "k", "log-lik", "AIC", "dAIC", "weight", "AICc", "BIC"
    );
    for (i, c) in selection.ranking().iter().enumerate() {
        let fit = &c.fit;
        let stats = match &c.gof {
            GoodnessOfFit::Continuous(s) => {
                format!("{:>8} {:>8} {:>8}", sig4(s.ks), sig4(s.cvm), sig4(s.ad))
            }
            GoodnessOfFit::Discrete(Some(x)) => format!(
                "{:>10} {:>4} {:>8}",
                sig4(x.statistic),
                x.df,
                x.p_value.map_or("-".to_string(), significant_p)
            ),
            GoodnessOfFit::Discrete(None) => format!("{:>10} {:>4} {:>8}", "-", "-", "-"),
            _ => String::new(),
        };
        let p = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        let pv = match (&c.p_values, discrete) {
            (None, _) if args.gof_pvalues.is_some() => " (not converged)".to_string(),
            (None, _) => String::new(),
            (Some(pv), true) => format!(" {:>8}", p(pv.chisq)),
            (Some(pv), false) => format!(" {:>7} {:>7} {:>7}", p(pv.ks), p(pv.cvm), p(pv.ad)),
        };
        let _ = writeln!(
            out,
            "{:<4} {:<18} {:>2} {:>12.3} {:>11.3} {:>8} {:>7} {:>11} {:>11.3} {stats}{pv}  {}",
            i + 1,
            c.family.name(),
            fit.free_parameters(),
            fit.log_likelihood(),
            fit.aic(),
            c.delta_aic.map_or("-".into(), |d| format!("{d:.3}")),
            c.weight.map_or("-".into(), |w| format!("{w:.3}")),
            fit.aicc().map_or("-".into(), |v| format!("{v:.3}")),
            fit.bic(),
            fit.trust(),
        );
    }
    if let Some(b) = args.gof_pvalues {
        let failed: Vec<String> = selection
            .ranking()
            .iter()
            .filter_map(|c| c.p_values.map(|p| (c.family, p)))
            .filter(|(_, p)| p.failed > 0)
            .map(|(f, p)| format!("{f} {} of {}", p.failed, p.replicates))
            .collect();
        let _ = writeln!(
            out,
            "\np-values: {b} samples of each fitted family (seed {}), each refitted and its statistics computed at its own estimates; p = (1 + #exceeding) / (1 + replicates used).{}",
            args.seed,
            if failed.is_empty() {
                " Every replicate's refit converged.".to_string()
            } else {
                format!(
                    " Replicates left out (refit not converged): {}.",
                    failed.join(", ")
                )
            }
        );
    }
    let _ = writeln!(out, "\nEstimates (standard errors):");
    for c in selection.ranking() {
        let _ = writeln!(out, "  {:<18} {}", c.family.name(), estimates(c));
    }
    if !selection.unfitted().is_empty() {
        let _ = writeln!(out, "\nNot fitted:");
        for u in selection.unfitted() {
            let _ = writeln!(out, "  {:<18} {}", u.family.name(), u.reason);
        }
    }
    let statistics = if discrete {
        "chi-sq: Pearson's chi-square of observed against expected counts on cells of about n/(4n)^(2/5) observations each (R's fitdistrplus::gofstat's cells), df = cells - 1 - k; p: its chi-square p-value (a rough guide when expected counts are below 5)"
    } else {
        "KS, CvM, AD: Kolmogorov-Smirnov, Cramer-von Mises and Anderson-Darling distances between the fitted and the empirical CDF, as R's fitdistrplus::gofstat defines them (smaller is closer; AD weighs the tails)"
    };
    let _ = write!(
        out,
        "\n{statistics}. weight: the Akaike weight, the share of the evidence for each family among those ranked. verdict: whether maxlik's checks trust the fit (see docs/inference.md)."
    );
    out
}

/// `name = value (se)` for each parameter.
fn estimates(c: &Candidate) -> String {
    c.fit
        .params()
        .iter()
        .zip(c.fit.estimates())
        .map(|(p, &v)| match c.fit.std_error(&p.name) {
            Ok(se) => format!("{} = {} ({})", p.name, sig4(v), sig4(se)),
            Err(_) => format!("{} = {} (SE n/a)", p.name, sig4(v)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON object of `maxlik select --json`.
fn json_text(selection: &Selection, label: &str, skipped: usize, args: &SelectArgs) -> String {
    let ranking: Vec<Value> = selection
        .ranking()
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert("family".into(), json!(c.family.name()));
            m.insert("k".into(), json!(c.fit.free_parameters()));
            m.extend(report::fit_summary_fields(&c.fit));
            m.insert("delta_aic".into(), json!(c.delta_aic));
            m.insert("weight".into(), json!(c.weight));
            match &c.gof {
                GoodnessOfFit::Continuous(s) => {
                    m.insert("ks".into(), json!(s.ks));
                    m.insert("cvm".into(), json!(s.cvm));
                    m.insert("ad".into(), json!(s.ad));
                }
                GoodnessOfFit::Discrete(x) => {
                    m.insert("chisq".into(), json!(x.as_ref().map(|x| x.statistic)));
                    m.insert("chisq_df".into(), json!(x.as_ref().map(|x| x.df)));
                    m.insert(
                        "chisq_pvalue".into(),
                        json!(x.as_ref().and_then(|x| x.p_value)),
                    );
                    m.insert(
                        "chisq_cells".into(),
                        json!(x.as_ref().map(|x| x
                            .cells
                            .iter()
                            .map(|c| json!({
                                "upper": if c.upper.is_finite() { json!(c.upper) } else { Value::Null },
                                "observed": c.observed,
                                "expected": c.expected,
                            }))
                            .collect::<Vec<_>>())),
                    );
                }
                _ => {}
            }
            if let Some(p) = &c.p_values {
                m.insert(
                    "pvalues".into(),
                    json!({
                        "ks": p.ks, "cvm": p.cvm, "ad": p.ad, "chisq": p.chisq,
                        "replicates": p.replicates, "failed": p.failed,
                    }),
                );
            } else {
                m.insert("pvalues".into(), Value::Null);
            }
            Value::Object(m)
        })
        .collect();
    let unfitted: Vec<Value> = selection
        .unfitted()
        .iter()
        .map(|u| json!({ "family": u.family.name(), "reason": u.reason.to_string() }))
        .collect();
    json!({
        "data": label,
        "n": selection.n(),
        "rows_skipped": skipped,
        "kind": if selection.is_discrete() { "discrete" } else { "continuous" },
        "gof_replicates": args.gof_pvalues,
        "seed": args.seed,
        "ranking": ranking,
        "unfitted": unfitted,
    })
    .to_string()
}
