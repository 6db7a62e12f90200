//! What the command fits: the column of values, or (with `--censor-status`, `--upper`,
//! `--truncate` or `--weights`) censored, truncated and weighted observations, with the cluster
//! keys, the standard errors asked for and the parameters fixed or started by name.

use std::collections::HashMap;

use anyhow::{Result, anyhow, bail};
use clap::ValueEnum;
use maxlik::{
    CensoringCounts, Family, FitOptionsBuilder, Response, SeKind, Settings, Truncation, WeightKind,
    Weighted,
};
use serde_json::{Map, Value, json};

use crate::data::{self, Cells, Delimiter, Kind, Missing, Request, Source, Table};

/// How the observations are read: which columns, what they mean.
#[derive(Debug, clap::Args)]
pub struct Input {
    /// The family of distributions.
    #[arg(long, value_parser = FamilyParser)]
    pub family: Family,
    /// CSV with a header, or one number per line; `-` reads standard input.
    #[arg(long)]
    pub data: std::path::PathBuf,
    /// The CSV column to use (required when there is more than one). With --censor-status it
    /// holds the times; with --upper the lower bounds.
    #[arg(long)]
    pub column: Option<String>,
    /// What to do with a missing value (an empty field or line, NA, NaN, null, .): stop with
    /// an error naming the line, or leave the row out and report how many were left out. An
    /// empty bound of --upper's interval data is not missing: it is an open side.
    #[arg(long, value_enum, default_value_t = Missing::Error)]
    pub missing: Missing,
    /// The field separator (default: a tab if the first line holds one, else a semicolon if
    /// it holds one, else a comma).
    #[arg(long, value_enum)]
    pub delimiter: Option<Delimiter>,
    /// Survival data: this column holds 1 for an observed event and 0 for a right-censored
    /// time (the time is --column).
    #[arg(long, value_name = "COL", conflicts_with = "upper")]
    pub censor_status: Option<String>,
    /// Interval data, fitdistrplus's convention: --column holds the lower bounds and COL the
    /// upper bounds; an empty lower bound is left-censored, an empty upper bound
    /// right-censored, equal bounds an exact value.
    #[arg(long, value_name = "COL")]
    pub upper: Option<String>,
    /// Only values in (LO, HI] could have been recorded (`-inf` or `inf` for an open side),
    /// e.g. `--truncate 0,inf` or `--truncate=-inf,10`.
    #[arg(long, value_name = "LO,HI", value_parser = parse_truncation, allow_hyphen_values = true)]
    pub truncate: Option<Truncation>,
    /// Weights from this column: frequency weights (a row of weight w stands for w identical
    /// observations) unless --weights-kind sampling.
    #[arg(long, value_name = "COL")]
    pub weights: Option<String>,
    /// What the weights are: frequency (counts) or sampling (a pseudo-likelihood; its
    /// standard errors are robust).
    #[arg(long, value_enum, default_value_t = WeightsKind::Frequency, requires = "weights")]
    pub weights_kind: WeightsKind,
    /// The standard errors: from the observed information, robust (sandwich, HC0), or the
    /// outer product of the scores. Default: observed (robust under sampling weights).
    #[arg(long, value_enum)]
    pub se: Option<SeArg>,
    /// Cluster-robust standard errors, clustered by the labels in this column.
    #[arg(long, value_name = "COL", conflicts_with = "se")]
    pub cluster: Option<String>,
    /// Hold a parameter fixed: NAME=VALUE (repeatable).
    #[arg(long = "fix", value_name = "NAME=VALUE", value_parser = parse_setting)]
    pub fix: Vec<(String, f64)>,
    /// Start a parameter at a value instead of the data-driven start: NAME=VALUE (repeatable).
    #[arg(long = "start", value_name = "NAME=VALUE", value_parser = parse_setting)]
    pub start: Vec<(String, f64)>,
}

/// Frequency or sampling weights, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightsKind {
    /// A row of weight w stands for w identical observations.
    Frequency,
    /// Survey (probability) weights: a pseudo-likelihood with robust standard errors.
    Sampling,
}

/// The kind of standard errors, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeArg {
    /// The inverse observed information (the Hessian of the NLL).
    Observed,
    /// The sandwich H^-1 B H^-1 (Huber-White, HC0).
    Robust,
    /// The outer product of the per-observation scores (BHHH).
    Opg,
}

fn parse_truncation(s: &str) -> std::result::Result<Truncation, String> {
    let (lo, hi) = s
        .split_once(',')
        .ok_or_else(|| format!("`{s}`: expected LO,HI (e.g. 0,inf)"))?;
    let bound = |t: &str| -> std::result::Result<f64, String> {
        match t.trim().to_ascii_lowercase().as_str() {
            "-inf" => Ok(f64::NEG_INFINITY),
            "inf" | "+inf" => Ok(f64::INFINITY),
            other => other
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("`{}` is not a number, -inf or inf", data::shown(t))),
        }
    };
    Truncation::new(bound(lo)?, bound(hi)?).map_err(|e| e.to_string())
}

fn parse_setting(s: &str) -> std::result::Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{}`: expected NAME=VALUE", data::shown(s)))?;
    let v: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("`{}` is not a finite number", data::shown(value)))?;
    Ok((name.trim().to_string(), v))
}

/// Parses a family by the library's `FromStr` (case, `-` and `_` ignored) and lists the
/// library's families as the possible values in the help.
#[derive(Debug, Clone, Copy)]
pub struct FamilyParser;

impl clap::builder::TypedValueParser for FamilyParser {
    type Value = Family;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<Family, clap::Error> {
        let invalid = |message: String| {
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, message + "\n").with_cmd(cmd)
        };
        value
            .to_str()
            .ok_or_else(|| invalid("the family is not valid UTF-8".into()))?
            .parse::<Family>()
            .map_err(|e| invalid(e.to_string()))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            maxlik::FAMILIES
                .iter()
                .map(|f| clap::builder::PossibleValue::new(f.name())),
        ))
    }
}

/// The observations as fitted.
pub enum Observations {
    /// A column of values, every one exact and of weight one.
    Plain(Vec<f64>),
    /// Censored, truncated or weighted observations.
    General(Vec<Weighted<Response>>),
}

/// The observations with everything the reports say about them.
pub struct Loaded {
    pub source: Source,
    pub table: Table,
    pub observations: Observations,
    /// Each row's cluster, for cluster-robust standard errors.
    pub clusters: Option<Vec<u64>>,
    pub censoring: Option<CensoringCounts>,
    pub truncation: Truncation,
    pub weights: Option<(WeightKind, String, f64)>,
    pub se_kind: SeKind,
    pub settings: Settings,
}

impl Input {
    /// Whether the observations need the general (censored, truncated, weighted) model.
    fn general(&self) -> bool {
        self.censor_status.is_some()
            || self.upper.is_some()
            || self.truncate.is_some()
            || self.weights.is_some()
    }

    fn weight_kind(&self) -> WeightKind {
        match self.weights_kind {
            WeightsKind::Frequency => WeightKind::Frequency,
            WeightsKind::Sampling => WeightKind::Sampling,
        }
    }
}

/// Reads the observations `input` describes and checks them, naming the line of a bad one.
pub fn load(input: &Input) -> Result<Loaded> {
    let source = Source::from_arg(&input.data);
    let reading = data::Reading {
        missing: input.missing,
        delimiter: input.delimiter,
    };
    let number = |may_be_empty| Kind::Number { may_be_empty };
    let mut requests = vec![Request {
        name: input.column.as_deref(),
        flag: "--column",
        kind: number(input.upper.is_some()),
    }];
    // The other columns, each with its position among the requests when asked for.
    let mut slots = [None; 4];
    let others = [
        (
            input.censor_status.as_deref(),
            "--censor-status",
            number(false),
        ),
        (input.upper.as_deref(), "--upper", number(true)),
        (input.weights.as_deref(), "--weights", number(false)),
        (input.cluster.as_deref(), "--cluster", Kind::Label),
    ];
    for (slot, (name, flag, kind)) in slots.iter_mut().zip(others) {
        if let Some(name) = name {
            requests.push(Request {
                name: Some(name),
                flag,
                kind,
            });
            *slot = Some(requests.len() - 1);
        }
    }
    let [status, upper, weights, cluster] = slots;
    let table = data::read_table(&source, &requests, reading)?;
    let numbers = |k: usize| -> &[Option<f64>] {
        match &table.columns[k] {
            Cells::Numbers(v) => v,
            Cells::Labels(_) => &[],
        }
    };
    let located = |e: maxlik::Error| table.locate(&source, &e);
    let rows = table.lines.len();
    let clusters = cluster.map(|k| match &table.columns[k] {
        Cells::Labels(labels) => {
            let mut ids: HashMap<&str, u64> = HashMap::new();
            labels
                .iter()
                .map(|l| {
                    let next = ids.len() as u64;
                    *ids.entry(l.as_str()).or_insert(next)
                })
                .collect()
        }
        Cells::Numbers(_) => Vec::new(),
    });
    let settings = settings(input)?;
    let se_kind = match (input.cluster.is_some(), input.se) {
        (true, _) => SeKind::Cluster,
        (false, Some(SeArg::Observed)) => SeKind::Observed,
        (false, Some(SeArg::Robust)) => SeKind::Robust,
        (false, Some(SeArg::Opg)) => SeKind::Opg,
        (false, None) if input.weights.is_some() && input.weights_kind == WeightsKind::Sampling => {
            SeKind::Robust
        }
        (false, None) => SeKind::Observed,
    };
    if !input.general() {
        let values: Vec<f64> = numbers(0).iter().flatten().copied().collect();
        input.family.check_support(&values).map_err(located)?;
        return Ok(Loaded {
            source,
            observations: Observations::Plain(values),
            table,
            clusters,
            censoring: None,
            truncation: Truncation::none(),
            weights: None,
            se_kind,
            settings,
        });
    }
    let mut responses = Vec::with_capacity(rows);
    for i in 0..rows {
        let value = numbers(0)[i];
        let at = |e: maxlik::Error| located(reindex(e, i));
        let response = match (status, upper) {
            (Some(k), _) => {
                Response::from_status(value.unwrap_or(f64::NAN), numbers(k)[i].unwrap_or(f64::NAN))
            }
            (None, Some(k)) => Response::from_bounds(value, numbers(k)[i]),
            (None, None) => {
                let v = value.unwrap_or(f64::NAN);
                Response::Exact(v).check(0).map(|()| Response::Exact(v))
            }
        }
        .map_err(at)?;
        responses.push(response);
    }
    let weight_values: Vec<f64> = match weights {
        Some(k) => numbers(k).iter().map(|w| w.unwrap_or(f64::NAN)).collect(),
        None => vec![1.0; rows],
    };
    let total = weight_values.iter().sum();
    let observations = Weighted::pair(responses.clone(), &weight_values).map_err(located)?;
    let truncation = input.truncate.unwrap_or_default();
    truncation.check(&responses).map_err(located)?;
    Ok(Loaded {
        source,
        observations: Observations::General(observations),
        table,
        clusters,
        censoring: Some(CensoringCounts::of(&responses)),
        truncation,
        weights: input
            .weights
            .as_ref()
            .map(|c| (input.weight_kind(), c.clone(), total)),
        se_kind,
        settings,
    })
}

/// `e` about observation 0 (a response checked by itself) as about observation `index`.
fn reindex(e: maxlik::Error, index: usize) -> maxlik::Error {
    match e {
        maxlik::Error::InvalidResponse {
            lower,
            upper,
            reason,
            ..
        } => maxlik::Error::InvalidResponse {
            index,
            lower,
            upper,
            reason,
        },
        other => other,
    }
}

fn settings(input: &Input) -> Result<Settings> {
    let names = input.family.names();
    let mut settings = Settings::new();
    for (list, flag) in [(&input.fix, "--fix"), (&input.start, "--start")] {
        for (name, value) in list {
            if !names.contains(&name.as_str()) {
                bail!(
                    "{flag} {name}={value}: the {} family has no parameter `{}` (its parameters: {})",
                    input.family,
                    data::shown(name),
                    names.join(", ")
                );
            }
            settings = if flag == "--fix" {
                settings.fix(name, *value)
            } else {
                settings.start(name, *value)
            }
            .map_err(|_| anyhow!("{flag} {name}={value}: `{name}` is set twice"))?;
        }
    }
    Ok(settings)
}

impl Loaded {
    /// The fit options' builder with the standard errors asked for.
    pub fn apply(&self, builder: FitOptionsBuilder) -> FitOptionsBuilder {
        match &self.clusters {
            Some(keys) => builder.clusters(keys.clone()),
            None => builder.se_kind(self.se_kind),
        }
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.table.lines.len()
    }

    /// The JSON fields that describe the observations: `censoring`, `truncation`, `weights`,
    /// `se_kind`.
    pub fn json_fields(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "censoring".into(),
            self.censoring.map_or(Value::Null, |c| {
                json!({ "exact": c.exact, "left": c.left, "right": c.right, "interval": c.interval })
            }),
        );
        let t = self.truncation;
        let side = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
        m.insert(
            "truncation".into(),
            if t.is_truncated() {
                json!({ "lower": side(t.lower()), "upper": side(t.upper()) })
            } else {
                Value::Null
            },
        );
        m.insert(
            "weights".into(),
            self.weights
                .as_ref()
                .map_or(Value::Null, |(kind, column, total)| {
                    json!({ "kind": kind.name(), "column": column, "total": total })
                }),
        );
        m.insert("se_kind".into(), json!(self.se_kind.name()));
        m
    }

    /// What the table says of the observations in words (empty for a plain column).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = self.censoring
            && c.any_censored()
        {
            let mut kinds = vec![format!("{} exact", c.exact)];
            for (k, what) in [
                (c.left, "left-censored"),
                (c.right, "right-censored"),
                (c.interval, "interval-censored"),
            ] {
                if k > 0 {
                    kinds.push(format!("{k} {what}"));
                }
            }
            parts.push(kinds.join(", "));
        }
        if self.truncation.is_truncated() {
            parts.push(format!(
                "truncated to ({}, {}]",
                self.truncation.lower(),
                self.truncation.upper()
            ));
        }
        if let Some((kind, column, total)) = &self.weights {
            parts.push(format!(
                "{} weights from column {} (total {})",
                kind.name(),
                data::shown(column),
                maxlik_num(*total)
            ));
        }
        match (&self.clusters, self.se_kind) {
            (Some(keys), _) => {
                let distinct: std::collections::HashSet<&u64> = keys.iter().collect();
                parts.push(format!(
                    "cluster-robust standard errors over {} clusters",
                    distinct.len()
                ));
            }
            (None, SeKind::Observed) => {}
            (None, kind) => parts.push(format!("{kind} standard errors")),
        }
        parts.join("; ")
    }
}

fn maxlik_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}
