//! `maxlik select` and `fit --bootstrap --quantile` (issue 14): the ranking's JSON contract against R's fitdistrplus on its
//! `groundbeef` and `toxocara` data (values from `tests/data/r/issue14_references.out`), the
//! families that could not be fitted, the figures, reproducible bootstrap p-values, and bad
//! requests.

#![cfg(feature = "cli")]
// The references are R's 17-digit output, copied as printed.
#![allow(clippy::excessive_precision)]

use std::process::{Command, Output};

use approx::assert_relative_eq;
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

/// The tolerance for the criteria and statistics of our own fits.
const RELATIVE: f64 = 1e-6;

#[test]
fn select_json_ranks_groundbeef_as_fitdistrplus() {
    let gb = data("groundbeef.csv");
    let v = json(&[
        "select",
        "--data",
        &gb,
        "--families",
        "normal,exponential,gamma,weibull,lognormal",
        "--json",
    ]);
    assert_eq!(v["n"], 254);
    assert_eq!(v["kind"], "continuous");
    assert_eq!(v["unfitted"].as_array().unwrap().len(), 0);
    // (family, AIC, BIC, KS, CvM, AD) from R, best AIC first.
    let r = [
        (
            "gamma",
            2511.250227378508,
            2518.3248959125449,
            0.12804789726189819,
            0.69367629305919032,
            3.5670909814558058,
        ),
        (
            "weibull",
            2514.4494397272965,
            2521.5241082613338,
            0.13962563667533856,
            0.683959984464802,
            3.573071850912811,
        ),
        (
            "lognormal",
            2526.6385973525066,
            2533.7132658865439,
            0.14930897968462087,
            0.82773577647237373,
            4.5436541571982616,
        ),
        (
            "normal",
            2542.6191789177865,
            2549.6938474518238,
            0.16554186161737783,
            0.94490192072489798,
            5.2955539143470105,
        ),
        (
            "exponential",
            2694.0267927077875,
            2697.5641269748062,
            0.30096919033155289,
            6.1004289632556103,
            31.94214373576898,
        ),
    ];
    let ranking = v["ranking"].as_array().unwrap();
    assert_eq!(ranking.len(), r.len());
    for (rec, (family, aic, bic, ks, cvm, ad)) in ranking.iter().zip(r) {
        assert_eq!(rec["family"], family);
        for (field, want) in [
            ("aic", aic),
            ("bic", bic),
            ("ks", ks),
            ("cvm", cvm),
            ("ad", ad),
        ] {
            assert_relative_eq!(rec[field].as_f64().unwrap(), want, max_relative = RELATIVE);
        }
        for field in [
            "params",
            "std_errors",
            "nll",
            "aicc",
            "weight",
            "delta_aic",
            "converged",
            "verdict",
            "pvalues",
        ] {
            assert!(rec.get(field).is_some(), "{family} lacks {field}");
        }
        assert_eq!(rec["converged"], true);
        assert!(rec["pvalues"].is_null());
    }
    assert_relative_eq!(
        ranking[0]["params"]["shape"].as_f64().unwrap(),
        4.0083390318290686,
        max_relative = RELATIVE
    );
}

#[test]
fn select_by_default_lists_the_families_it_could_not_fit_and_draws_four_figures() {
    let dir = scratch("select-plot");
    let figures = dir.join("figures");
    let gb = data("groundbeef.csv");
    let o = maxlik(&["select", "--data", &gb, "--plot", figures.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Not fitted:") && text.contains("beta"),
        "{text}"
    );
    assert!(text.starts_with("Which family fits"), "{text}");
    for name in ["density.svg", "cdf.svg", "qq.svg", "pp.svg"] {
        let svg = std::fs::read_to_string(figures.join(name)).unwrap();
        assert!(svg.contains("gamma (AIC"), "{name} lacks the legend");
        assert!(svg.starts_with("<svg"), "{name}");
    }
    let density = std::fs::read_to_string(figures.join("density.svg")).unwrap();
    assert!(density.contains("serving"), "the x-axis names the column");
}

#[test]
fn select_on_counts_gives_the_chi_square_and_reproducible_pvalues() {
    let tox = data("toxocara.csv");
    let args = [
        "select",
        "--data",
        &tox,
        "--gof-pvalues",
        "19",
        "--seed",
        "3",
        "--json",
    ];
    let (a, b) = (json(&args), json(&args));
    assert_eq!(a["ranking"][0]["pvalues"], b["ranking"][0]["pvalues"]);
    assert_eq!(a["ranking"][0]["family"], "negative-binomial");
    assert_eq!(a["kind"], "discrete");
    let rec = a["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["family"] == "poisson")
        .unwrap();
    assert_relative_eq!(
        rec["chisq"].as_f64().unwrap(),
        31256.961582591219,
        max_relative = RELATIVE
    );
    assert_eq!(rec["chisq_df"], 5);
    assert_eq!(rec["chisq_cells"].as_array().unwrap().len(), 7);
    // Far beyond any Poisson sample: the smallest p-value 19 replicates allow.
    assert_relative_eq!(
        rec["pvalues"]["chisq"].as_f64().unwrap(),
        1.0 / 20.0,
        max_relative = 1e-15
    );
    assert_eq!(rec["pvalues"]["replicates"], 19);
}

#[test]
fn select_refuses_discrete_and_continuous_together_and_bad_data() {
    let dir = scratch("select-bad");
    let o = maxlik(&[
        "select",
        "--data",
        &data("toxocara.csv"),
        "--families",
        "poisson,normal",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot be ranked together"), "{err}");
    let bad = file(&dir, "bad.txt", "1.5\nabc\n2.5\n");
    let o = maxlik(&["select", "--data", &bad]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("line 2"), "{err}");
    let o = maxlik(&["select", "--data", &bad, "--families", "gauss"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `fit --bootstrap --quantile`: the JSON's `bootstrap` and `quantiles` fields, reproducible
/// from the seed, and the Normal quantile's delta SE equal to its closed form
/// `σ̂ √((1 + z²/2)/n)`.
#[test]
fn fit_bootstrap_and_quantiles_in_json() {
    let dir = scratch("fit-boot");
    let values: Vec<String> = (0..40)
        .map(|i| format!("{}", 10.0 + ((i * 37) % 23) as f64 * 0.5))
        .collect();
    let path = file(&dir, "x.txt", &values.join("\n"));
    let args = [
        "fit",
        "--family",
        "normal",
        "--data",
        &path,
        "--bootstrap",
        "99",
        "--seed",
        "4",
        "--quantile",
        "0.1",
        "--json",
    ];
    let (a, b) = (json(&args), json(&args));
    assert_eq!(a["bootstrap"], b["bootstrap"]);
    assert_eq!(a["bootstrap"]["replicates"], 99);
    assert_eq!(a["bootstrap"]["kind"], "nonparametric");
    let mu = &a["bootstrap"]["params"]["mu"];
    assert!(mu["percentile"].as_array().unwrap().len() == 2);
    let q = &a["quantiles"][0];
    let sigma = a["params"]["sigma"].as_f64().unwrap();
    let z: f64 = -1.2815515655446004;
    let exact = sigma * ((1.0 + 0.5 * z * z) / 40.0).sqrt();
    assert_relative_eq!(q["std_error"].as_f64().unwrap(), exact, max_relative = 1e-6);
    assert_eq!(q["profile"][0]["kind"], "crossing");
    let o = maxlik(&[
        "fit",
        "--family",
        "normal",
        "--data",
        &path,
        "--quantile",
        "1.5",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// `fit --family normal-mixture --components 3`: mclust's optimum (log-likelihood from
/// `tests/data/r/issue14_references.out`), the weights in the JSON summing to one.
#[test]
fn fit_a_three_component_mixture() {
    let v = json(&[
        "fit",
        "--family",
        "normal-mixture",
        "--components",
        "3",
        "--data",
        &data("mixture3.csv"),
        "--json",
    ]);
    assert_eq!(v["components"], 3);
    assert_relative_eq!(
        v["log_likelihood"].as_f64().unwrap(),
        -1470.0779056975787,
        max_relative = 1e-9
    );
    let w: Vec<f64> = v["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(w.len(), 3);
    assert_relative_eq!(w.iter().sum::<f64>(), 1.0, max_relative = 1e-14);
    let o = maxlik(&[
        "fit",
        "--family",
        "gamma",
        "--components",
        "3",
        "--data",
        &data("mixture3.csv"),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// `--quantile` on right-censored survival times: the Weibull's 10% and 50% quantiles of
/// survival::lung with survreg's delta-method standard errors (R, `predict(type =
/// "quantile", se.fit = TRUE)`); the profile is refused with the reason.
#[test]
fn quantiles_of_a_censored_fit_match_survreg() {
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
        "--quantile",
        "0.1",
        "--quantile",
        "0.5",
        "--json",
    ]);
    let q = v["quantiles"].as_array().unwrap();
    let (estimates, ses) = (
        [75.640311478258411, 316.26369504923355],
        [9.3205622160968691, 19.619937597271949],
    );
    for (k, rec) in q.iter().enumerate() {
        assert_relative_eq!(
            rec["estimate"].as_f64().unwrap(),
            estimates[k],
            max_relative = 1e-6
        );
        assert_relative_eq!(
            rec["std_error"].as_f64().unwrap(),
            ses[k],
            max_relative = 1e-6
        );
        assert!(rec["profile"].is_null());
        assert!(
            rec["profile_unavailable"]
                .as_str()
                .unwrap()
                .contains("plain values")
        );
    }
}
