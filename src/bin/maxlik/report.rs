//! What the commands print: JSON objects (a stable contract, documented in docs/cli.md) and the
//! side-by-side table of `compare`.

use std::fmt::Write;
use std::time::Instant;

use anyhow::Result;
use maxlik::{
    Difference, Family, Fit, FitOptions, FitOptionsBuilder, Limit, LogDensity, Method, Model,
    ProfileInterval,
};
use serde_json::{Map, Value, json};

/// One optimizer's run in `compare`.
pub struct Run {
    pub label: String,
    pub method: Method,
    pub fit: Fit,
    pub seconds: f64,
}

fn by_name(fit: &Fit, value: impl Fn(&str, f64) -> Value) -> Value {
    let mut map = Map::new();
    for (p, &v) in fit.params().iter().zip(fit.estimates()) {
        map.insert(p.name.clone(), value(&p.name, v));
    }
    Value::Object(map)
}

/// The verdict as one word: `trusted`, `trusted_with_warnings` or `not_trusted`.
fn verdict(fit: &Fit) -> &'static str {
    match fit.trust() {
        maxlik::Trust::Trusted => "trusted",
        maxlik::Trust::TrustedWithWarnings => "trusted_with_warnings",
        maxlik::Trust::NotTrusted => "not_trusted",
    }
}

/// `v` with `digits` significant digits: plain from 1e-4 up to 1e6, else in scientific
/// notation (`1.234e-7`; never `e0`).
pub fn significant(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let digits = digits.max(1);
    let e = v.abs().log10().floor() as i32;
    if (-4..6).contains(&e) {
        let decimals = (digits as i32 - 1 - e).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.prec$e}", prec = digits - 1)
    }
}

/// The fields of a fit, its time taken from the fit itself.
pub fn fit_summary_fields(fit: &Fit) -> Map<String, Value> {
    fit_fields(fit, fit.elapsed().as_secs_f64())
}

fn fit_fields(fit: &Fit, seconds: f64) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("method".into(), json!(fit.method().to_string()));
    m.insert("n".into(), json!(fit.n()));
    m.insert("sample_size".into(), json!(fit.sample_size()));
    m.insert("params".into(), by_name(fit, |_, v| json!(v)));
    m.insert(
        "std_errors".into(),
        by_name(fit, |name, _| {
            fit.std_error(name).map_or(Value::Null, |s| json!(s))
        }),
    );
    m.insert(
        "std_errors_unavailable".into(),
        fit.std_errors()
            .err()
            .map_or(Value::Null, |why| json!(why.to_string())),
    );
    m.insert("nll".into(), json!(fit.nll()));
    m.insert("log_likelihood".into(), json!(fit.log_likelihood()));
    m.insert("aic".into(), json!(fit.aic()));
    m.insert("aicc".into(), fit.aicc().map_or(Value::Null, |v| json!(v)));
    m.insert("bic".into(), json!(fit.bic()));
    m.insert("converged".into(), json!(fit.converged()));
    m.insert("verdict".into(), json!(verdict(fit)));
    m.insert(
        "warnings".into(),
        json!(
            fit.certificate()
                .checks()
                .iter()
                .filter(|c| c.status() != maxlik::Status::Pass)
                .map(|c| format!("{}: {}", c.name(), c.detail()))
                .collect::<Vec<_>>()
        ),
    );
    m.insert(
        "multi_start".into(),
        fit.multi_start().map_or(Value::Null, |info| {
            json!({
                "starts": info.starts(),
                "seed": info.seed(),
                "reached_best": info.reached_best(),
                "not_converged": info.not_converged(),
                "lower_unconverged": info.lower_unconverged(),
                "optima": info.optima().iter().map(|o| json!({
                    "nll": o.nll(),
                    "reached": o.reached(),
                    "params": fit
                        .names()
                        .iter()
                        .zip(o.estimates())
                        .map(|(n, v)| ((*n).to_string(), json!(v)))
                        .collect::<Map<String, Value>>(),
                })).collect::<Vec<_>>(),
            })
        }),
    );
    m.insert("iterations".into(), json!(fit.iterations()));
    m.insert("evaluations".into(), json!(fit.nll_passes()));
    m.insert("data_passes".into(), json!(fit.data_passes()));
    m.insert(
        "warm_start".into(),
        json!(
            fit.warm_stages()
                .iter()
                .map(|s| json!({
                    "observations": s.observations(),
                    "evaluations": s.nll_passes(),
                    "iterations": s.iterations(),
                    "converged": s.converged(),
                }))
                .collect::<Vec<_>>()
        ),
    );
    m.insert("hessian_evaluations".into(), json!(fit.hessian_passes()));
    m.insert(
        "distance_to_optimum".into(),
        fit.distance_to_optimum().map_or(Value::Null, |d| json!(d)),
    );
    m.insert("seconds".into(), json!(seconds));
    m
}

/// The JSON object of `maxlik fit --json`.
pub fn fit_json(
    family: Family,
    fit: &Fit,
    seconds: f64,
    skipped: usize,
    observations: Map<String, Value>,
) -> String {
    let mut m = Map::new();
    m.insert("family".into(), json!(family.name()));
    m.insert("rows_skipped".into(), json!(skipped));
    m.extend(observations);
    m.extend(fit_fields(fit, seconds));
    Value::Object(m).to_string()
}

/// One end of a profile interval as JSON: `{"kind", "value"}`.
fn limit_json(limit: Limit) -> Value {
    match limit {
        Limit::Crossing(v) => json!({ "kind": "crossing", "value": v }),
        Limit::SpaceEdge(v) => json!({ "kind": "edge", "value": v }),
        Limit::Unbounded => json!({ "kind": "unbounded", "value": null }),
    }
}

/// The JSON object of `maxlik profile --json`.
pub fn profile_json(
    family: Family,
    fit: &Fit,
    interval: &ProfileInterval,
    skipped: usize,
    observations: Map<String, Value>,
) -> String {
    let mut m = Map::new();
    m.insert("family".into(), json!(family.name()));
    m.insert("rows_skipped".into(), json!(skipped));
    m.extend(observations);
    m.insert("param".into(), json!(interval.name()));
    m.insert("level".into(), json!(interval.level()));
    m.insert("cutoff".into(), json!(interval.cutoff()));
    m.insert("estimate".into(), json!(interval.estimate()));
    m.insert("lower".into(), limit_json(interval.lower()));
    m.insert("upper".into(), limit_json(interval.upper()));
    m.insert(
        "pieces".into(),
        json!(
            interval
                .pieces()
                .iter()
                .map(|(a, b)| json!([limit_json(*a), limit_json(*b)]))
                .collect::<Vec<_>>()
        ),
    );
    m.insert(
        "points".into(),
        json!(
            interval
                .points()
                .iter()
                .map(|(v, d)| json!([v, d]))
                .collect::<Vec<_>>()
        ),
    );
    m.insert("refit".into(), json!(interval.refit().is_some()));
    m.insert("nll_passes".into(), json!(interval.nll_passes()));
    m.insert(
        "fit".into(),
        Value::Object(fit_fields(fit, fit.elapsed().as_secs_f64())),
    );
    Value::Object(m).to_string()
}

/// Runs shorter than this are repeated and timed by their median.
const SHORT_RUN_SECONDS: f64 = 0.05;
/// At most this many timed repeats of a short run.
const TIMED_REPEATS: usize = 5;

/// Each method of `methods` on the same data from the same start(s) (L-BFGS twice: central,
/// then forward differences); `starts` sets each one's starts. One untimed fit first warms the
/// thread pool and the caches, so that no method pays for them; a run shorter than
/// [`SHORT_RUN_SECONDS`] is repeated and timed by the median of up to [`TIMED_REPEATS`]
/// (every repeat gives the same fit: the fits are deterministic).
pub fn compare_all<O: Sync, D: LogDensity<O> + Sync>(
    model: &Model<O, D>,
    data: &[O],
    methods: &[Method],
    starts: impl Fn(FitOptionsBuilder) -> FitOptionsBuilder,
) -> Result<Vec<Run>> {
    let mut configs: Vec<(String, Method, FitOptions)> = Vec::new();
    for &method in methods {
        configs.push((
            method.to_string(),
            method,
            starts(FitOptions::builder(method)).build()?,
        ));
        if method == Method::Lbfgs {
            configs.push((
                "L-BFGS (forward differences)".into(),
                method,
                starts(FitOptions::builder(method).difference(Difference::Forward)).build()?,
            ));
        }
    }
    if let Some((_, _, options)) = configs.first() {
        model.fit_with(data, options)?;
    }
    configs
        .into_iter()
        .map(|(label, method, options)| {
            let start = Instant::now();
            let fit = model.fit_with(data, &options)?;
            let first = start.elapsed().as_secs_f64();
            let mut times = vec![first];
            if first < SHORT_RUN_SECONDS {
                for _ in 1..TIMED_REPEATS {
                    let start = Instant::now();
                    model.fit_with(data, &options)?;
                    times.push(start.elapsed().as_secs_f64());
                }
            }
            times.sort_by(f64::total_cmp);
            Ok(Run {
                label,
                method,
                fit,
                seconds: times[times.len() / 2],
            })
        })
        .collect()
}

/// How far each run's NLL is above the best any run reached (0 for the best).
fn above_best(runs: &[Run]) -> Vec<f64> {
    let best = runs
        .iter()
        .map(|r| r.fit.nll())
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    runs.iter().map(|r| r.fit.nll() - best).collect()
}

/// The JSON object of `maxlik compare --json`.
pub fn compare_json(
    family: Family,
    n: usize,
    skipped: usize,
    runs: &[Run],
    observations: Map<String, Value>,
) -> String {
    let results: Vec<Value> = runs
        .iter()
        .zip(above_best(runs))
        .map(|(r, above)| {
            let mut m = Map::new();
            m.insert("method".into(), json!(r.method.to_string()));
            m.insert("optimizer".into(), json!(r.label));
            m.insert("nll_above_best".into(), json!(above));
            m.extend(fit_fields(&r.fit, r.seconds));
            Value::Object(m)
        })
        .collect();
    let mut m = Map::new();
    m.insert("family".into(), json!(family.name()));
    m.insert("n".into(), json!(n));
    m.insert("rows_skipped".into(), json!(skipped));
    m.extend(observations);
    m.insert("results".into(), json!(results));
    Value::Object(m).to_string()
}

/// The side-by-side table of `maxlik compare`.
pub fn compare_table(family: Family, runs: &[Run]) -> String {
    let mut out = String::new();
    let width = 30;
    let _ = write!(out, "{:<16}", "");
    for r in runs {
        let _ = write!(out, "{:>width$}", r.label);
    }
    let above = above_best(runs);
    out.push('\n');
    let row = |out: &mut String, label: &str, cell: &dyn Fn(&Run) -> String| {
        let _ = write!(out, "{label:<16}");
        for r in runs {
            let _ = write!(out, "{:>width$}", cell(r));
        }
        out.push('\n');
    };
    for name in family.names() {
        row(&mut out, name, &|r| {
            r.fit
                .estimate(name)
                .map_or("-".into(), |v| format!("{v:.12e}"))
        });
        row(&mut out, &format!("  SE({name})"), &|r| {
            r.fit
                .std_error(name)
                .map_or("n/a".into(), |v| format!("{v:.6e}"))
        });
    }
    row(&mut out, "NLL", &|r| format!("{:.12}", r.fit.nll()));
    let _ = write!(out, "{:<16}", "NLL - best");
    for a in &above {
        let _ = write!(out, "{:>width$}", format!("{a:.3e}"));
    }
    out.push('\n');
    row(&mut out, "iterations", &|r| r.fit.iterations().to_string());
    row(&mut out, "NLL evaluations", &|r| {
        r.fit.nll_passes().to_string()
    });
    // With a warm start on subsamples, every evaluation in passes over all the data.
    if runs.iter().any(|r| !r.fit.warm_stages().is_empty()) {
        row(&mut out, "data passes", &|r| {
            format!("{:.2}", r.fit.data_passes())
        });
    }
    row(&mut out, "time", &|r| format!("{:.3} ms", 1e3 * r.seconds));
    row(&mut out, "converged", &|r| r.fit.converged().to_string());
    row(&mut out, "verdict", &|r| verdict(&r.fit).to_string());
    row(&mut out, "to optimum (SE)", &|r| {
        r.fit
            .distance_to_optimum()
            .map_or("-".into(), |d| format!("{d:.1e}"))
    });
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn significant_digits_without_e0() {
        use super::significant;
        assert_eq!(significant(4.008339, 4), "4.008");
        assert_eq!(significant(2511.2502, 4), "2511");
        assert_eq!(significant(0.012804, 4), "0.01280");
        assert_eq!(significant(3.667565e6, 4), "3.668e6");
        assert_eq!(significant(1.2e-7, 3), "1.20e-7");
        assert_eq!(significant(-0.5, 2), "-0.50");
        assert_eq!(significant(0.0, 4), "0");
    }
}
