//! The command's flags for real-world data (issue 11): `--censor-status`, `--upper`,
//! `--truncate`, `--weights`, `--weights-kind`, `--se`, `--cluster`, `--fix` and `--start`,
//! against R's references (survreg, fitdistcens, the truncated Normal of
//! `tests/data/r/issue11_references.R`) and closed forms, and every bad input with a message
//! naming its line.

#![cfg(feature = "cli")]
// The references are R's 17-digit output, copied as printed.
#![allow(clippy::excessive_precision)]

use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::{file, scratch};

fn maxlik(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_maxlik"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn json(args: &[&str]) -> Value {
    let o = maxlik(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("json")
}

fn error(args: &[&str]) -> String {
    let o = maxlik(args);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{args:?} should fail as bad input"
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Estimates within 1e-6 standard errors and standard errors within 1e-6 (relative).
fn check(v: &Value, names: &[&str], estimates: &[f64], std_errors: &[f64]) {
    for ((name, e), s) in names.iter().zip(estimates).zip(std_errors) {
        let got = v["params"][name].as_f64().expect("estimate");
        let se = v["std_errors"][name].as_f64().expect("SE");
        assert!((got - e).abs() <= 1e-6 * s, "{name}: {got} vs {e}");
        assert!((se - s).abs() <= 1e-6 * s, "{name} SE: {se} vs {s}");
    }
}

#[test]
fn right_censored_survival_times_match_survreg() {
    let v = json(&[
        "fit",
        "--family",
        "weibull",
        "--data",
        &data("lung.csv"),
        "--column",
        "time",
        "--censor-status",
        "status",
        "--json",
    ]);
    check(
        &v,
        &["shape", "scale"],
        &[1.3168401715776954, 417.75866537424605],
        &[0.082210735321809461, 24.704539051066167],
    );
    assert_eq!(v["censoring"]["exact"], 165);
    assert_eq!(v["censoring"]["right"], 63);
    assert_eq!(v["se_kind"], "observed");
    assert_eq!(v["truncation"], Value::Null);
    assert_eq!(v["verdict"], "trusted");
    // The table says the same in words.
    let o = maxlik(&[
        "fit",
        "--family",
        "exponential",
        "--data",
        &data("lung.csv"),
        "--column",
        "time",
        "--censor-status",
        "status",
        "--method",
        "nelder-mead",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("165 exact, 63 right-censored"), "{text}");
}

#[test]
fn interval_data_in_fitdistrplus_convention_match_fitdistcens() {
    let v = json(&[
        "fit",
        "--family",
        "lognormal",
        "--data",
        &data("salinity.csv"),
        "--column",
        "left",
        "--upper",
        "right",
        "--json",
    ]);
    check(
        &v,
        &["meanlog", "sdlog"],
        &[3.3853709948259336, 0.49613804319659094],
        &[0.064863244238224954, 0.054552726972883957],
    );
    assert_eq!(v["censoring"]["interval"], 29);
    assert_eq!(v["censoring"]["right"], 60);
    // A profile of censored data.
    let p = json(&[
        "profile",
        "--family",
        "lognormal",
        "--data",
        &data("salinity.csv"),
        "--column",
        "left",
        "--upper",
        "right",
        "--param",
        "sdlog",
        "--json",
    ]);
    let (lo, hi) = (
        p["lower"]["value"].as_f64().unwrap(),
        p["upper"]["value"].as_f64().unwrap(),
    );
    assert!(lo < 0.49613804319659094 && 0.49613804319659094 < hi);
    assert_eq!(p["censoring"]["interval"], 29);
}

#[test]
fn truncation_matches_the_high_precision_fit() {
    let v = json(&[
        "fit",
        "--family",
        "normal",
        "--data",
        &data("truncnorm.csv"),
        "--truncate",
        "3,9",
        "--json",
    ]);
    check(
        &v,
        &["mu", "sigma"],
        &[4.8421219654329297, 1.5627100397473008],
        &[0.20258252740955277, 0.16476826940269276],
    );
    assert_eq!(v["truncation"]["lower"], 3.0);
    assert_eq!(v["truncation"]["upper"], 9.0);
    // An open side.
    let open = json(&[
        "fit",
        "--family",
        "normal",
        "--data",
        &data("truncnorm.csv"),
        "--truncate=-inf,9",
        "--json",
    ]);
    assert_eq!(open["truncation"]["lower"], Value::Null);
}

/// A table of counts gives the fit of the expanded data; BIC uses Σw.
#[test]
fn frequency_weights_fit_as_the_expanded_data() {
    let dir = scratch("weights");
    let table = file(
        &dir,
        "table.csv",
        "x,count\n0.3,3\n1.1,7\n1.9,12\n2.6,9\n4.0,4\n5.2,1\n",
    );
    let mut expanded = String::new();
    for (x, c) in [(0.3, 3), (1.1, 7), (1.9, 12), (2.6, 9), (4.0, 4), (5.2, 1)] {
        for _ in 0..c {
            expanded.push_str(&format!("{x}\n"));
        }
    }
    let expanded = file(&dir, "expanded.csv", &expanded);
    let a = json(&["fit", "--family", "gamma", "--data", &expanded, "--json"]);
    let b = json(&[
        "fit",
        "--family",
        "gamma",
        "--data",
        &table,
        "--column",
        "x",
        "--weights",
        "count",
        "--json",
    ]);
    assert_eq!(b["weights"]["kind"], "frequency");
    assert_eq!(b["weights"]["total"], 36.0);
    for name in ["shape", "scale"] {
        let se = a["std_errors"][name].as_f64().unwrap();
        let (x, y) = (
            a["params"][name].as_f64().unwrap(),
            b["params"][name].as_f64().unwrap(),
        );
        assert!((x - y).abs() <= 1e-5 * se, "{name}: {x} vs {y}");
        let sb = b["std_errors"][name].as_f64().unwrap();
        assert!((se - sb).abs() <= 1e-6 * se, "{name} SE: {se} vs {sb}");
    }
    let (x, y) = (a["bic"].as_f64().unwrap(), b["bic"].as_f64().unwrap());
    assert!((x - y).abs() <= 1e-9 * x.abs(), "BIC {x} vs {y}");
    // Sampling weights: a pseudo-likelihood, robust standard errors, no profile.
    let s = json(&[
        "fit",
        "--family",
        "gamma",
        "--data",
        &table,
        "--column",
        "x",
        "--weights",
        "count",
        "--weights-kind",
        "sampling",
        "--json",
    ]);
    assert_eq!(s["se_kind"], "robust");
    let message = error(&[
        "profile",
        "--family",
        "gamma",
        "--data",
        &table,
        "--column",
        "x",
        "--weights",
        "count",
        "--weights-kind",
        "sampling",
        "--param",
        "shape",
    ]);
    assert!(message.contains("pseudo-likelihood"), "{message}");
}

/// The Poisson's robust standard errors in closed form: the MLE is the mean ȳ, the score of
/// one count `y/λ − 1`, so the sandwich is `Σ(y − ȳ)²/n²`, the OPG variance `ȳ²/Σ(y − ȳ)²`,
/// and the cluster-robust one `G/(G − 1) Σ_g (Σ_{i∈g} (yᵢ − ȳ))² / n²`.
#[test]
fn robust_opg_and_cluster_standard_errors_have_their_closed_forms() {
    let text = std::fs::read_to_string(data("warpbreaks.csv")).unwrap();
    let rows: Vec<(f64, u64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            (v[0].parse().unwrap(), v[4].parse().unwrap())
        })
        .collect();
    let n = rows.len() as f64;
    let mean = rows.iter().map(|r| r.0).sum::<f64>() / n;
    let ss: f64 = rows.iter().map(|r| (r.0 - mean).powi(2)).sum();
    let mut by_loom = std::collections::BTreeMap::new();
    for (y, loom) in &rows {
        *by_loom.entry(*loom).or_insert(0.0) += y - mean;
    }
    let g = by_loom.len() as f64;
    let clustered: f64 = by_loom.values().map(|s: &f64| s * s).sum::<f64>() * g / (g - 1.0);
    let cases = [("robust", ss.sqrt() / n), ("opg", mean / ss.sqrt())];
    let warp = data("warpbreaks.csv");
    for (kind, exact) in cases {
        let v = json(&[
            "fit", "--family", "poisson", "--data", &warp, "--column", "breaks", "--se", kind,
            "--json",
        ]);
        assert_eq!(v["se_kind"], kind);
        let se = v["std_errors"]["lambda"].as_f64().unwrap();
        assert!(
            (se - exact).abs() <= 1e-6 * exact,
            "{kind}: {se} vs {exact}"
        );
    }
    let v = json(&[
        "fit",
        "--family",
        "poisson",
        "--data",
        &warp,
        "--column",
        "breaks",
        "--cluster",
        "loom",
        "--json",
    ]);
    assert_eq!(v["se_kind"], "cluster");
    let (se, exact) = (
        v["std_errors"]["lambda"].as_f64().unwrap(),
        clustered.sqrt() / n,
    );
    assert!(
        (se - exact).abs() <= 1e-6 * exact,
        "cluster: {se} vs {exact}"
    );
}

#[test]
fn parameters_are_fixed_and_started_by_name() {
    let dir = scratch("fix");
    let values = [1.2, 0.7, 3.1, 2.2, 0.9, 1.6];
    let text: String = values.iter().map(|v| format!("{v}\n")).collect();
    let path = file(&dir, "x.csv", &text);
    // A Weibull of shape 1 is the Exponential: the scale's MLE is the mean.
    let v = json(&[
        "fit", "--family", "weibull", "--data", &path, "--fix", "shape=1", "--json",
    ]);
    let mean = values.iter().sum::<f64>() / 6.0;
    assert!((v["params"]["scale"].as_f64().unwrap() - mean).abs() < 1e-6 * mean);
    assert_eq!(v["params"]["shape"], 1.0);
    assert_eq!(v["std_errors"]["shape"], Value::Null);
    // A start far off reaches the same optimum.
    let a = json(&["fit", "--family", "gamma", "--data", &path, "--json"]);
    let b = json(&[
        "fit", "--family", "gamma", "--data", &path, "--start", "shape=40", "--json",
    ]);
    let se = a["std_errors"]["shape"].as_f64().unwrap();
    let gap =
        (a["params"]["shape"].as_f64().unwrap() - b["params"]["shape"].as_f64().unwrap()).abs();
    assert!(gap < 1e-4 * se, "{gap}");
    for (args, expect) in [
        (vec!["--fix", "shape=-1"], "outside its space"),
        (vec!["--fix", "location=0"], "no parameter `location`"),
        (vec!["--start", "shape=abc"], "not a finite number"),
        (vec!["--fix", "shape=1", "--start", "shape=2"], "set twice"),
    ] {
        let mut all = vec!["fit", "--family", "weibull", "--data", &path];
        all.extend(args);
        let message = error(&all);
        assert!(message.contains(expect), "{message}");
    }
}

#[test]
fn bad_censored_input_names_its_line() {
    let dir = scratch("bad");
    let cases = [
        (
            "t,s\n1.5,1\n2.0,2\n",
            vec!["--column", "t", "--censor-status", "s"],
            "line 3",
            "status other than 1",
        ),
        (
            "lo,hi\n1,2\n3,1\n",
            vec!["--column", "lo", "--upper", "hi"],
            "line 3",
            "not below its upper",
        ),
        (
            "lo,hi\n1,2\n,\n",
            vec!["--column", "lo", "--upper", "hi"],
            "line 3",
            "neither bound is given",
        ),
        (
            "x,w\n1,2\n2,-1\n",
            vec!["--column", "x", "--weights", "w"],
            "line 3",
            "weight -1",
        ),
        (
            "x,w\n1,2\n2,\n",
            vec!["--column", "x", "--weights", "w"],
            "line 3",
            "missing value",
        ),
        (
            "x\n1\n2\n12\n",
            vec!["--truncate", "0,10"],
            "line 4",
            "outside the truncation range",
        ),
        (
            "x\n1\n-2\n",
            vec!["--truncate", "-5,inf"],
            "line 3",
            "is not positive",
        ),
        (
            "x\n1\n2\n",
            vec!["--truncate", "5,1"],
            "",
            "invalid truncation range",
        ),
    ];
    for (k, (text, flags, line, expect)) in cases.iter().enumerate() {
        let path = file(&dir, &format!("case{k}.csv"), text);
        let mut all = vec!["fit", "--family", "weibull", "--data", &path];
        all.extend(flags.iter().copied());
        let message = error(&all);
        assert!(
            message.contains(expect) && message.contains(line),
            "case {k}: {message}"
        );
        // Bad data get one line; a bad flag gets clap's usage hint after its line.
        if !line.is_empty() {
            assert_eq!(
                message.trim().lines().count(),
                1,
                "case {k}: one line: {message}"
            );
        }
    }
}

/// With `--missing skip` an interval row with neither bound is left out and counted; one
/// open bound is censoring, not a missing value.
#[test]
fn an_interval_with_neither_bound_is_a_missing_value() {
    let dir = scratch("neither");
    let path = file(
        &dir,
        "iv.csv",
        "lo,hi\n1.0,2.0\n,1.5\n2.5,\n,\n3.0,3.0\n0.5,1.2\n",
    );
    let v = json(&[
        "fit",
        "--family",
        "lognormal",
        "--data",
        &path,
        "--column",
        "lo",
        "--upper",
        "hi",
        "--missing",
        "skip",
        "--json",
    ]);
    assert_eq!(v["rows_skipped"], 1);
    assert_eq!(v["censoring"]["left"], 1);
    assert_eq!(v["censoring"]["right"], 1);
    assert_eq!(v["censoring"]["exact"], 1);
    assert_eq!(v["censoring"]["interval"], 2);
    assert_eq!(v["sample_size"], 5.0);
}
