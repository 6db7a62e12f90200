//! `maxlik fit --bootstrap B --quantile P`: the bootstrap's intervals for every parameter and
//! the quantiles asked for, with their delta-method, profile and bootstrap intervals, as a
//! table or as the `bootstrap` and `quantiles` fields of the JSON.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use clap::ValueEnum;
use maxlik::{
    Bootstrap, BootstrapInterval, Family, Fit, FitOptions, Limit, LogDensity, Model,
    QuantileEstimate, Resampling,
};
use serde_json::{Map, Value, json};

use crate::report::significant;

/// How the bootstrap draws its samples, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResamplingArg {
    /// The observations drawn with replacement.
    Nonparametric,
    /// Samples of the fitted family at the estimates.
    Parametric,
}

/// The uncertainty flags of `fit`.
#[derive(Debug, clap::Args)]
pub struct UncertaintyArgs {
    /// Bootstrap the fit with B replicates (seeded by --seed; the same bits on any number of
    /// threads): percentile and BCa intervals for every parameter and quantile.
    #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(2..=1_000_000))]
    pub bootstrap: Option<u64>,
    /// How the bootstrap draws its samples.
    #[arg(long, value_enum, default_value_t = ResamplingArg::Nonparametric, requires = "bootstrap")]
    pub bootstrap_kind: ResamplingArg,
    /// A quantile to estimate with its intervals, as a probability (repeatable), e.g.
    /// `--quantile 0.05` for the 5% hazardous concentration.
    #[arg(long, value_name = "P")]
    pub quantile: Vec<f64>,
    /// The confidence level of the bootstrap and quantile intervals.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
}

impl UncertaintyArgs {
    /// Whether anything beyond the fit was asked for.
    pub fn any(&self) -> bool {
        self.bootstrap.is_some() || !self.quantile.is_empty()
    }
}

/// What was computed beyond the fit.
pub struct Uncertainty {
    pub bootstrap: Option<Bootstrap>,
    pub quantiles: Vec<QuantileEstimate>,
    pub level: f64,
}

/// The bootstrap and quantiles `args` ask for, of `fit` of `model` to `data` (`plain` the
/// column itself when the observations are plain values).
pub fn compute<O: Clone + Send + Sync, D: LogDensity<O> + Sync>(
    args: &UncertaintyArgs,
    family: Family,
    model: &Model<O, D>,
    data: &[O],
    plain: Option<&[f64]>,
    fit: &Fit,
    options: &FitOptions,
) -> Result<Uncertainty> {
    if !(args.level > 0.0 && args.level < 1.0) {
        bail!("--level {}: a confidence level lies in (0, 1)", args.level);
    }
    if let Some(p) = args.quantile.iter().find(|p| !(**p > 0.0 && **p < 1.0)) {
        bail!("--quantile {p}: a quantile's probability lies in (0, 1)");
    }
    if args.any() && !fit.converged() {
        bail!(
            "the fit did not converge: there is no estimate to bootstrap or to take quantiles of"
        );
    }
    let seed = options.seed();
    let bootstrap = match (args.bootstrap, args.bootstrap_kind, plain) {
        (None, _, _) => None,
        (Some(b), ResamplingArg::Nonparametric, _) => {
            Some(model.bootstrap(data, fit, b as usize, seed, options)?)
        }
        (Some(b), ResamplingArg::Parametric, Some(values)) => Some(family.bootstrap(
            values,
            fit,
            Resampling::Parametric,
            b as usize,
            seed,
            options,
        )?),
        (Some(_), ResamplingArg::Parametric, None) => bail!(
            "--bootstrap-kind parametric draws samples of the family, which censored, truncated or weighted observations are not: use nonparametric"
        ),
    };
    let quantiles = args
        .quantile
        .iter()
        .map(|&p| match plain {
            Some(values) => {
                family.quantile_estimate(values, fit, p, args.level, bootstrap.as_ref())
            }
            None => family.quantile_of_fit(fit, p, args.level, bootstrap.as_ref()),
        })
        .collect::<maxlik::Result<Vec<_>>>()?;
    Ok(Uncertainty {
        bootstrap,
        quantiles,
        level: args.level,
    })
}

fn interval_text(r: &std::result::Result<BootstrapInterval, maxlik::Error>) -> String {
    match r {
        Ok(i) => format!("({}, {})", significant(i.lower, 4), significant(i.upper, 4)),
        Err(_) => "n/a".to_string(),
    }
}

fn limit_text(l: Limit) -> String {
    match l {
        Limit::Crossing(v) => significant(v, 4),
        Limit::SpaceEdge(v) => format!("{} (edge)", significant(v, 4)),
        Limit::Unbounded => "unbounded".to_string(),
    }
}

/// The tables of the bootstrap and the quantiles.
pub fn text(u: &Uncertainty, fit: &Fit) -> String {
    let mut out = String::new();
    let pct = significant(100.0 * u.level, 3);
    let pct = format!(
        "{}%",
        if pct.contains('.') {
            pct.trim_end_matches('0').trim_end_matches('.')
        } else {
            &pct
        }
    );
    let mut notes: Vec<String> = Vec::new();
    if let Some(b) = &u.bootstrap {
        let kind = match b.resampling() {
            Resampling::Parametric => "parametric",
            _ => "nonparametric",
        };
        let _ = writeln!(
            out,
            "\nBootstrap ({kind}, {} replicates, seed {}; {} did not converge), {pct} intervals:",
            b.requested(),
            b.seed(),
            b.failed()
        );
        let _ = writeln!(
            out,
            "{:<12} {:>12} {:>12} {:>26} {:>26}",
            "parameter", "estimate", "boot SE", "percentile", "BCa"
        );
        for (name, &v) in fit.names().iter().zip(fit.estimates()) {
            let se = b
                .std_error(name)
                .map_or("n/a".to_string(), |s| significant(s, 4));
            let bca = b.bca(name, u.level);
            if let Err(e) = &bca {
                notes.push(format!("BCa for {name}: {e}"));
            }
            let _ = writeln!(
                out,
                "{:<12} {:>12} {:>12} {:>26} {:>26}",
                name,
                significant(v, 4),
                se,
                interval_text(&b.percentile(name, u.level)),
                interval_text(&bca)
            );
        }
    }
    if !u.quantiles.is_empty() {
        let _ = writeln!(out, "\nQuantiles, {pct} intervals:");
        let _ = writeln!(
            out,
            "{:<8} {:>12} {:>11} {:>24} {:>24} {:>24} {:>24}",
            "p",
            "quantile",
            "SE (delta)",
            "delta method",
            "profile likelihood",
            "percentile",
            "BCa"
        );
        for q in &u.quantiles {
            let se = q
                .std_error
                .as_ref()
                .map_or("n/a".to_string(), |s| significant(*s, 4));
            let delta = match &q.delta {
                Ok((a, b)) => format!("({}, {})", significant(*a, 4), significant(*b, 4)),
                Err(e) => {
                    notes.push(format!(
                        "delta method for the {} quantile: {e}",
                        q.probability
                    ));
                    "n/a".to_string()
                }
            };
            let profile = match &q.profile {
                Ok(p) => format!("({}, {})", limit_text(p.lower()), limit_text(p.upper())),
                Err(e) => {
                    notes.push(format!("profile of the {} quantile: {e}", q.probability));
                    "n/a".to_string()
                }
            };
            let boot = |r: &Option<std::result::Result<BootstrapInterval, maxlik::Error>>| {
                r.as_ref().map_or("-".to_string(), interval_text)
            };
            let _ = writeln!(
                out,
                "{:<8} {:>12} {:>11} {:>24} {:>24} {:>24} {:>24}",
                q.probability,
                significant(q.estimate, 4),
                se,
                delta,
                profile,
                boot(&q.percentile),
                boot(&q.bca)
            );
        }
    }
    for n in notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn pair(i: &std::result::Result<BootstrapInterval, maxlik::Error>) -> Value {
    i.as_ref()
        .map_or(Value::Null, |i| json!([i.lower, i.upper]))
}

fn limit_json(l: Limit) -> Value {
    match l {
        Limit::Crossing(v) => json!({ "kind": "crossing", "value": v }),
        Limit::SpaceEdge(v) => json!({ "kind": "edge", "value": v }),
        Limit::Unbounded => json!({ "kind": "unbounded", "value": null }),
    }
}

/// The `bootstrap` and `quantiles` fields of `fit --json`.
pub fn json_fields(u: &Uncertainty, fit: &Fit) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "bootstrap".into(),
        u.bootstrap.as_ref().map_or(Value::Null, |b| {
            let params: Map<String, Value> = fit
                .names()
                .iter()
                .map(|name| {
                    let bca = b.bca(name, u.level);
                    (
                        (*name).to_string(),
                        json!({
                            "std_error": b.std_error(name).ok(),
                            "percentile": pair(&b.percentile(name, u.level)),
                            "bca": pair(&bca),
                            "bca_unavailable": bca.err().map(|e| e.to_string()),
                        }),
                    )
                })
                .collect();
            json!({
                "kind": match b.resampling() { Resampling::Parametric => "parametric", _ => "nonparametric" },
                "replicates": b.requested(),
                "failed": b.failed(),
                "seed": b.seed(),
                "level": u.level,
                "params": params,
            })
        }),
    );
    m.insert(
        "quantiles".into(),
        json!(
            u.quantiles
                .iter()
                .map(|q| json!({
                    "p": q.probability,
                    "level": q.level,
                    "estimate": q.estimate,
                    "std_error": q.std_error.as_ref().ok(),
                    "delta": q.delta.as_ref().ok().map(|(a, b)| json!([a, b])),
                    "profile": q.profile.as_ref().ok().map(|p| json!([limit_json(p.lower()), limit_json(p.upper())])),
                    "profile_unavailable": q.profile.as_ref().err().map(|e| e.to_string()),
                    "percentile": q.percentile.as_ref().map(pair),
                    "bca": q.bca.as_ref().map(pair),
                }))
                .collect::<Vec<_>>()
        ),
    );
    m
}
