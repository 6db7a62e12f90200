//! The `maxlik` command: every subcommand, the JSON contract, and every bad input (exit codes
//! and one-line messages naming the file, line and column).

#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;
use common::{file, scratch};

fn maxlik(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_maxlik"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_maxlik"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("output")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SAMPLE: &str = "1.2\n0.7\n3.1\n2.2\n0.9\n1.6\n2.8\n0.4\n1.9\n2.4\n";

#[test]
fn demo_runs_without_arguments_and_writes_its_figures() {
    let dir = scratch("demo");
    let out = dir.join("figures");
    let o = maxlik(&["demo", "--out", out.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("closed form") && text.contains("Nelder-Mead"),
        "{text}"
    );
    assert!(text.contains("TRUSTED"), "{text}");
    for name in [
        "normal_fit.svg",
        "normal_contours.svg",
        "normal_profile_mu.svg",
        "exponential_fit.svg",
    ] {
        let svg = std::fs::read_to_string(out.join(name)).expect(name);
        assert!(svg.starts_with("<svg") && svg.len() > 1000, "{name}");
    }
}

#[test]
fn fit_json_has_the_documented_fields() {
    let dir = scratch("json");
    let data = file(&dir, "gamma.csv", &format!("hours\n{SAMPLE}"));
    let o = maxlik(&["fit", "--family", "gamma", "--data", &data, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(
        text.trim().lines().count(),
        1,
        "exactly one JSON object: {text}"
    );
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    for field in [
        "family",
        "method",
        "n",
        "params",
        "std_errors",
        "std_errors_unavailable",
        "nll",
        "log_likelihood",
        "aic",
        "bic",
        "converged",
        "verdict",
        "iterations",
        "evaluations",
        "seconds",
    ] {
        assert!(v.get(field).is_some(), "missing {field}: {text}");
    }
    assert_eq!(v["family"], "gamma");
    assert_eq!(v["n"], 10);
    assert_eq!(v["converged"], true);
    assert!(v["params"]["shape"].as_f64().expect("shape") > 0.0);
    assert!(v["std_errors"]["scale"].as_f64().expect("se") > 0.0);
    assert!(v["std_errors_unavailable"].is_null());
    let nll = v["nll"].as_f64().expect("nll");
    assert!((v["log_likelihood"].as_f64().expect("ll") + nll).abs() < 1e-12);
    assert!((v["aic"].as_f64().expect("aic") - (4.0 + 2.0 * nll)).abs() < 1e-9);
    assert!(
        v["evaluations"].as_u64().expect("evals") > v["hessian_evaluations"].as_u64().expect("h")
    );
}

#[test]
fn fit_reads_standard_input_and_draws_its_figure() {
    let dir = scratch("stdin");
    let svg = dir.join("fit.svg");
    let o = with_stdin(
        &[
            "fit",
            "--family",
            "exponential",
            "--data",
            "-",
            "--method",
            "nelder-mead",
            "--plot",
            svg.to_str().expect("utf-8"),
        ],
        SAMPLE,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("verdict"), "{}", stdout(&o));
    assert!(
        std::fs::read_to_string(&svg)
            .expect("svg")
            .starts_with("<svg")
    );
}

#[test]
fn compare_runs_every_optimizer() {
    let dir = scratch("compare");
    let data = file(&dir, "w.txt", SAMPLE);
    let o = maxlik(&["compare", "--family", "weibull", "--data", &data]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("L-BFGS") && text.contains("Nelder-Mead") && text.contains("NLL evaluations"),
        "{text}"
    );
    let o = maxlik(&["compare", "--family", "weibull", "--data", &data, "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let results = v["results"].as_array().expect("results");
    // Every method, and L-BFGS once more with forward differences.
    assert_eq!(results.len(), maxlik::Method::ALL.len() + 1);
    for r in results {
        assert_eq!(r["converged"], true, "{r}");
        assert!(r["evaluations"].as_u64().expect("evals") > 0);
        // Every method converged to the one optimum of the Weibull likelihood.
        let above = r["nll_above_best"].as_f64().expect("nll_above_best");
        assert!((0.0..1e-6).contains(&above), "{r}");
    }
    let o = maxlik(&[
        "compare",
        "--family",
        "weibull",
        "--data",
        &data,
        "--json",
        "--methods",
        "newton,cg",
    ]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let methods: Vec<&str> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["method"].as_str().expect("method"))
        .collect();
    assert_eq!(methods, ["Newton", "CG"]);
}

/// Runs `maxlik benchmark` with two methods on `threads` threads; the records without their
/// timings, and the folder written.
fn benchmark(threads: &str, name: &str) -> (Vec<Value>, std::path::PathBuf) {
    let dir = scratch(name);
    let o = Command::new(env!("CARGO_BIN_EXE_maxlik"))
        .args(["benchmark", "--methods", "lbfgs,newton", "--json", "--out"])
        .arg(&dir)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let mut records: Vec<Value> = serde_json::from_str(&stdout(&o)).expect("a JSON list");
    for r in &mut records {
        r.as_object_mut().expect("a record").remove("seconds");
    }
    (records, dir)
}

#[test]
fn benchmark_scores_every_method_on_the_suite_the_same_on_any_threads() {
    let (records, dir) = benchmark("1", "benchmark1");
    let (again, _) = benchmark("2", "benchmark2");
    assert_eq!(records, again, "the same records on 1 and 2 threads");
    let written: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("benchmark.json")).expect("benchmark.json"),
    )
    .expect("a JSON list");
    assert_eq!(written.len(), records.len());
    for figure in ["performance_profile.svg", "data_profile.svg"] {
        let svg = std::fs::read_to_string(dir.join(figure)).expect(figure);
        assert!(
            svg.starts_with("<svg") && svg.contains("L-BFGS"),
            "{figure}"
        );
    }
    let problems: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|r| r["problem"].as_str().expect("problem"))
        .collect();
    assert!(problems.len() >= 20, "{} problems", problems.len());
    // Each of the 19 NIST StRD files shipped, from both certified starts.
    let nist = records
        .iter()
        .filter(|r| r["group"] == "NIST StRD" && r["method"] == "L-BFGS")
        .count();
    assert_eq!(nist, 38);
    assert_eq!(records.len(), 2 * problems.len());
    for r in &records {
        let lre = r["lre"].as_f64().expect("lre");
        assert_eq!(r["success"], lre >= 6.0, "{r}");
        // The closed forms (computed outside the optimizer) are reached by both methods.
        if r["group"] == "closed form" || r["group"] == "regression" {
            assert_eq!(r["success"], true, "{r}");
        }
        // L-BFGS never calls a wrong answer trustworthy on the suite.
        if r["method"] == "L-BFGS" {
            assert_eq!(r["false_trust"], false, "{r}");
        }
    }
}

#[test]
fn profile_prints_and_plots_the_interval() {
    let dir = scratch("profile");
    let data = file(&dir, "g.txt", SAMPLE);
    let svg = dir.join("profile.svg");
    let o = maxlik(&[
        "profile",
        "--family",
        "gamma",
        "--data",
        &data,
        "--param",
        "shape",
        "--plot",
        svg.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("95% profile interval for shape"),
        "{}",
        stdout(&o)
    );
    assert!(
        std::fs::read_to_string(&svg)
            .expect("svg")
            .starts_with("<svg")
    );
    let o = maxlik(&[
        "profile", "--family", "gamma", "--data", &data, "--param", "rate",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no parameter `rate`"), "{}", stderr(&o));
}

#[test]
fn a_fit_that_does_not_converge_prints_its_result_and_exits_1() {
    let dir = scratch("cap");
    let data = file(&dir, "g.txt", SAMPLE);
    let o = maxlik(&[
        "fit",
        "--family",
        "gamma",
        "--data",
        &data,
        "--max-iters",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("NOT CONVERGED"), "{}", stdout(&o));
    let o = maxlik(&[
        "fit",
        "--family",
        "gamma",
        "--data",
        &data,
        "--max-iters",
        "1",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["converged"], false);
    assert!(v["std_errors"]["shape"].is_null());
    assert!(v["std_errors_unavailable"].as_str().is_some());
}

/// Each bad input: exit code 2 and one line on stderr naming what is wrong and where.
#[test]
fn bad_input_is_one_line_naming_file_line_and_column() {
    let dir = scratch("bad");
    let cases: Vec<(&str, &str, &str, Vec<&str>)> = vec![
        ("empty.csv", "", "normal", vec!["empty.csv", "no data"]),
        ("header.csv", "x\n", "normal", vec!["header.csv", "no data"]),
        (
            "nocol.csv",
            "a,b\n1,2\n",
            "normal",
            vec!["nocol.csv", "no column named `y`"],
        ),
        (
            "parse.csv",
            "y\n1\n2\nabc\n",
            "normal",
            vec!["parse.csv", "line 4", "column y", "abc"],
        ),
        (
            "nan.txt",
            "1\n2\nNaN\n",
            "normal",
            // NaN is how pandas and others write a missing value: reported as one.
            vec!["nan.txt", "line 3", "missing value"],
        ),
        (
            "inf.txt",
            "1\ninf\n",
            "normal",
            vec!["inf.txt", "line 2", "not a finite"],
        ),
        (
            "neg.csv",
            "y\n1\n-2\n",
            "gamma",
            vec!["neg.csv", "line 3", "column y", "support"],
        ),
        (
            "frac.txt",
            "1\n2\n2.5\n",
            "poisson",
            vec!["frac.txt", "line 3", "integer"],
        ),
        (
            "blank.txt",
            "1\n\n2\n",
            "normal",
            vec!["blank.txt", "line 2", "empty"],
        ),
    ];
    for (name, text, family, expected) in cases {
        let path = file(&dir, name, text);
        let mut args = vec!["fit", "--family", family, "--data", path.as_str()];
        if name == "nocol.csv" {
            args.extend(["--column", "y"]);
        }
        let o = maxlik(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
        for piece in expected {
            assert!(err.contains(piece), "{name}: `{piece}` missing from: {err}");
        }
        assert!(stdout(&o).is_empty(), "{name}: nothing on stdout");
    }
    let o = maxlik(&[
        "fit",
        "--family",
        "normal",
        "--data",
        dir.join("missing.csv").to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.csv"));
}

/// R's `precip` (70 US cities' mean annual precipitation, inches): a two-Normal mixture from
/// one Nelder-Mead start stops at lnL −278.650; the better optimum is at −275.472 (weight 0.18,
/// means 12.8 and 39.8: found independently, reported in issue 10). The default ten starts of
/// the mixture must reach it — not a higher likelihood where a component's scale collapses onto
/// one observation (the likelihood is unbounded there) — list the optima, and say how many
/// starts reached the best.
#[test]
fn the_mixture_uses_several_starts_by_default() {
    let data = format!("{}/tests/data/precip.csv", env!("CARGO_MANIFEST_DIR"));
    let one = maxlik(&[
        "fit",
        "--family",
        "normal-mixture",
        "--data",
        &data,
        "--starts",
        "1",
        "--method",
        "nelder-mead",
        "--json",
    ]);
    let one: Value = serde_json::from_slice(&one.stdout).expect("json");
    assert!(one["multi_start"].is_null());
    let o = maxlik(&[
        "fit",
        "--family",
        "normal-mixture",
        "--data",
        &data,
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let best = v["log_likelihood"].as_f64().expect("lnL");
    assert!((best + 275.472).abs() <= 1e-3, "{v}");
    assert_eq!(v["verdict"], "trusted_with_warnings", "{v}");
    let mut means = [
        v["params"]["mu1"].as_f64().expect("mu1"),
        v["params"]["mu2"].as_f64().expect("mu2"),
    ];
    means.sort_by(f64::total_cmp);
    assert!(
        (means[0] - 12.77).abs() < 0.01 && (means[1] - 39.76).abs() < 0.01,
        "{v}"
    );
    assert!(best > one["log_likelihood"].as_f64().expect("lnL") + 1.0);
    let info = &v["multi_start"];
    assert_eq!(info["starts"], 10);
    assert!(info["reached_best"].as_u64().expect("reached") >= 1);
    let optima = info["optima"].as_array().expect("optima");
    assert!(optima.len() >= 2, "{info}");
    assert!(optima[0]["params"]["weight"].is_number());
    // The same seed gives the same fit; the table says what the starts found.
    let again = maxlik(&[
        "fit",
        "--family",
        "normal-mixture",
        "--data",
        &data,
        "--json",
    ]);
    let again: Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(again["params"], v["params"]);
    let text = stdout(&maxlik(&[
        "fit",
        "--family",
        "normal-mixture",
        "--data",
        &data,
    ]));
    assert!(text.contains("starts reached this optimum"), "{text}");
}

/// Input that used to lose a value or misname a line (issue 10): every value of a headerless
/// file is read (the sum of the values is the truth), whatever its line ends, byte-order mark
/// or quoting; a first line that looks like a number but is not one is refused, never taken
/// for a header.
#[test]
fn no_value_is_lost_to_the_header_or_the_line_ends() {
    let dir = scratch("no-loss");
    let values = [1.25, 2.5, 3.75, 0.5, 4.0];
    let n = values.len();
    let mean: f64 = values.iter().sum::<f64>() / n as f64;
    let plain: String = values.iter().map(|v| format!("{v}\n")).collect();
    let cases = [
        ("bom.csv", format!("\u{feff}{plain}")),
        (
            "quoted.csv",
            values.iter().map(|v| format!("\"{v}\"\n")).collect(),
        ),
        ("cr.csv", plain.replace('\n', "\r")),
        ("crlf.csv", plain.replace('\n', "\r\n")),
        ("trailing.csv", format!("{plain}\n\n")),
        (
            "tabs.tsv",
            format!(
                "a\tb\n{}",
                values
                    .iter()
                    .map(|v| format!("0\t{v}\n"))
                    .collect::<String>()
            ),
        ),
        (
            "semi.csv",
            format!(
                "a;b\n{}",
                values
                    .iter()
                    .map(|v| format!("0;{v}\n"))
                    .collect::<String>()
            ),
        ),
    ];
    for (name, text) in cases {
        let path = file(&dir, name, &text);
        let mut args = vec![
            "fit",
            "--family",
            "normal",
            "--data",
            path.as_str(),
            "--json",
        ];
        if name.starts_with("tabs") || name.starts_with("semi") {
            args.extend(["--column", "b"]);
        }
        let o = maxlik(&args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(v["n"], n, "{name}");
        let mu = v["params"]["mu"].as_f64().expect("mu");
        assert!((mu - mean).abs() < 1e-9, "{name}: {mu} vs {mean}");
    }
    // CRLF: the error names the real line.
    let path = file(&dir, "crlf-bad.csv", "x\r\n1\r\n2\r\nabc\r\n4\r\n");
    let err = stderr(&maxlik(&["fit", "--family", "normal", "--data", &path]));
    assert!(err.contains("line 4") && err.contains("abc"), "{err}");
    // A first line that is a malformed number is refused, not taken for a header.
    for (name, text) in [
        ("under.csv", "1_000\n2\n3\n"),
        ("dots.csv", "1.2.3\n2\n3\n"),
    ] {
        let path = file(&dir, name, text);
        let o = maxlik(&["fit", "--family", "normal", "--data", &path]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(stderr(&o).contains("line 1"), "{name}: {}", stderr(&o));
    }
    // Duplicate column names are refused.
    let path = file(&dir, "dup.csv", "x,x\n1,2\n3,4\n");
    let o = maxlik(&[
        "fit", "--family", "normal", "--data", &path, "--column", "x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("both named"), "{}", stderr(&o));
}

/// Missing values stop the program, naming the first one's line and how to skip; with
/// `--missing skip` their rows are left out and counted in the table and the JSON.
#[test]
fn missing_values_are_an_error_or_skipped_and_counted() {
    let dir = scratch("missing");
    let path = file(&dir, "na.csv", "x\n1\n2\nNA\n3\n\n4\n5\n");
    let o = maxlik(&["fit", "--family", "normal", "--data", &path]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("line 4") && err.contains("--missing skip"),
        "{err}"
    );
    let o = maxlik(&[
        "fit",
        "--family",
        "normal",
        "--data",
        &path,
        "--missing",
        "skip",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["n"], 5);
    assert_eq!(v["rows_skipped"], 2);
    let text = stdout(&maxlik(&[
        "fit",
        "--family",
        "normal",
        "--data",
        &path,
        "--missing",
        "skip",
    ]));
    assert!(
        text.contains("2 rows with a missing value left out"),
        "{text}"
    );
}

/// Output and figures: a write error other than a closed pipe is an error (exit 4); a figure
/// that cannot be written after a fit exits 3; a figure name that is not .svg is refused
/// before anything runs; a histogram of huge counts stays small.
#[test]
fn output_and_figure_failures_have_their_own_exit_codes() {
    let dir = scratch("outputs");
    let path = file(&dir, "x.txt", SAMPLE);
    if std::path::Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let o = Command::new(env!("CARGO_BIN_EXE_maxlik"))
            .args(["fit", "--family", "gamma", "--data", &path, "--json"])
            .stdout(full)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
        assert!(stderr(&o).contains("cannot write"));
    }
    let o = maxlik(&[
        "fit", "--family", "gamma", "--data", &path, "--plot", "fit.png",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let nowhere = dir.join("no-such-dir").join("fit.svg");
    let o = maxlik(&[
        "fit",
        "--family",
        "gamma",
        "--data",
        &path,
        "--plot",
        nowhere.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stdout(&o).contains("Maximum-likelihood fit"));
    let counts = file(
        &dir,
        "big.csv",
        "x\n1000000000000\n1000000000005\n1000001000000\n3000000000000\n",
    );
    let svg = dir.join("big.svg");
    let o = maxlik(&[
        "fit",
        "--family",
        "poisson",
        "--data",
        &counts,
        "--plot",
        svg.to_str().expect("utf-8"),
    ]);
    assert!(o.status.code().is_some(), "no crash");
    let size = std::fs::metadata(&svg).map(|m| m.len()).unwrap_or(0);
    assert!(size > 0 && size < 2_000_000, "{size} bytes");
}

/// `profile --json` on R's `precip` mixture from one Nelder-Mead start, which ends at the
/// local optimum lnL −278.650: the profile meets the better optimum (lnL −275.472, weight 0.18,
/// found independently, issue 10), refits, and everything it reports is about the refit: the
/// estimate inside its interval, no negative 2ΔNLL.
#[test]
fn a_profile_that_meets_a_better_optimum_reports_the_refit() {
    let data = format!("{}/tests/data/precip.csv", env!("CARGO_MANIFEST_DIR"));
    let o = maxlik(&[
        "profile",
        "--family",
        "normal-mixture",
        "--data",
        &data,
        "--param",
        "weight",
        "--method",
        "nelder-mead",
        "--starts",
        "1",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["refit"], true, "{v}");
    let estimate = v["estimate"].as_f64().expect("estimate");
    assert_eq!(v["fit"]["params"]["weight"].as_f64(), Some(estimate));
    assert!(v["fit"]["log_likelihood"].as_f64().expect("lnL") >= -275.4721);
    let lower = v["lower"]["value"].as_f64().expect("lower");
    let upper = v["upper"]["value"].as_f64().expect("upper");
    assert!(lower < estimate && estimate < upper, "{v}");
    for point in v["points"].as_array().expect("points") {
        assert!(point[1].as_f64().expect("deviance") >= -1e-9, "{point}");
    }
    assert!(!v["pieces"].as_array().expect("pieces").is_empty());
}
