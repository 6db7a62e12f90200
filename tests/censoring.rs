//! Censored, truncated and weighted data (issue 11) against R: right-censored Weibull and
//! Exponential fits and a Weibull AFT regression against `survival::survreg` on the `lung` data,
//! interval-censored log-normal against `fitdistrplus` on its `salinity` data (standard errors
//! from `numDeriv`'s Richardson Hessian), a truncated Normal against a high-precision
//! optimisation in R, and frequency weights against the expanded data. The R script and its
//! output are in `tests/data/r/`; the values are copied here, and R is never called.

// The references are R's 17-digit output, copied as printed.
#![allow(clippy::excessive_precision)]

use maxlik::{
    Censored, Error, Family, FitOptions, Method, Model, Response, SeKind, Settings, Truncation,
    WeightKind, Weighted, distribution,
};

/// Estimates must agree with the reference to this many of their standard errors.
const ESTIMATE_IN_SE: f64 = 1e-6;
/// Standard errors must agree with the reference's to this relative error.
const SE_RELATIVE: f64 = 1e-6;

fn csv(name: &str) -> Vec<Vec<Option<f64>>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|f| f.trim().parse().ok()).collect())
        .collect()
}

/// (time, event, age, sex) of R's `survival::lung`, event 1 for a death.
fn lung() -> Vec<(f64, f64, f64, f64)> {
    csv("lung.csv")
        .into_iter()
        .map(|r| (r[0].unwrap(), r[1].unwrap(), r[2].unwrap(), r[3].unwrap()))
        .collect()
}

/// Both methods, stopping 1e-9 standard errors from the optimum (the defaults stop at 1e-6
/// and 1e-5, too loose for a check at 1e-6 SE).
fn methods() -> [FitOptions; 2] {
    [Method::Lbfgs, Method::NelderMead]
        .map(|m| FitOptions::builder(m).tolerance(1e-9).build().unwrap())
}

fn check(fit: &maxlik::Fit, estimates: &[f64], std_errors: &[f64], log_lik: f64, what: &str) {
    assert_eq!(
        fit.trust(),
        maxlik::Trust::Trusted,
        "{what}: {}",
        fit.certificate()
    );
    let se: Vec<f64> = fit
        .std_errors()
        .unwrap()
        .std_errors()
        .into_iter()
        .flatten()
        .collect();
    for (k, ((e, r), (s, rs))) in fit
        .estimates()
        .iter()
        .zip(estimates)
        .zip(se.iter().zip(std_errors))
        .enumerate()
    {
        assert!(
            (e - r).abs() <= ESTIMATE_IN_SE * rs,
            "{what} estimate {k}: {e} vs {r} ({} SE)",
            (e - r).abs() / rs
        );
        assert!(
            (s - rs).abs() <= SE_RELATIVE * rs,
            "{what} SE {k}: {s} vs {rs} (relative {:.1e})",
            (s - rs).abs() / rs
        );
    }
    assert!(
        (fit.log_likelihood() - log_lik).abs() <= 1e-9 * log_lik.abs(),
        "{what}: lnL {} vs {log_lik}",
        fit.log_likelihood()
    );
}

fn responses_of_lung() -> Vec<Response> {
    lung()
        .into_iter()
        .map(|(t, event, _, _)| Response::from_status(t, event).unwrap())
        .collect()
}

#[test]
fn right_censored_weibull_and_exponential_match_survreg_on_lung() {
    let data = responses_of_lung();
    assert_eq!(maxlik::CensoringCounts::of(&data).right, 63);
    for options in methods() {
        let method = options.method();
        let model = Family::Weibull
            .censored_model(&data, Truncation::none(), &Settings::new())
            .unwrap();
        let fit = model.fit_with(&data, &options).unwrap();
        check(
            &fit,
            &[1.3168401715776954, 417.75866537424605],
            &[0.082210735321809461, 24.704539051066167],
            -1153.8511880894057,
            &format!("Weibull {method}"),
        );
        let model = Family::Exponential
            .censored_model(&data, Truncation::none(), &Settings::new())
            .unwrap();
        let fit = model.fit_with(&data, &options).unwrap();
        check(
            &fit,
            &[0.0023709281105858356],
            &[0.00018457650307739462],
            -1162.3381757874661,
            &format!("Exponential {method}"),
        );
    }
}

/// A closure model with covariates: `ln T = b0 + b1·age + b2·sex + σW`, W the standard minimum
/// extreme-value variable, as survreg's Weibull, with `ln σ` a free parameter.
#[test]
fn a_weibull_regression_written_as_closures_matches_survreg() {
    let data: Vec<(Response, [f64; 2])> = lung()
        .into_iter()
        .map(|(t, event, age, sex)| (Response::from_status(t, event).unwrap(), [age, sex]))
        .collect();
    let z =
        |y: f64, x: &[f64; 2], p: &[f64]| (y.ln() - p[0] - p[1] * x[0] - p[2] * x[1]) / p[3].exp();
    let aft = distribution(
        move |y: f64, x: &[f64; 2], p: &[f64]| {
            let z = z(y, x, p);
            z - z.exp() - p[3] - y.ln()
        },
        move |y: f64, x: &[f64; 2], p: &[f64]| (-(-z(y, x, p).exp()).exp_m1()).ln(),
        move |y: f64, x: &[f64; 2], p: &[f64]| -z(y, x, p).exp(),
    );
    let model = Model::builder(Censored::new(aft, Truncation::none()))
        .param("b0", 6.0)
        .param("age", 0.0)
        .param("sex", 0.0)
        .param("log_scale", 0.0)
        .build()
        .unwrap();
    for options in methods() {
        let method = options.method();
        let fit = model.fit_with(&data, &options).unwrap();
        check(
            &fit,
            &[
                6.274853058415907,
                -0.012257025589665807,
                0.38208513967664848,
                -0.28229534341245993,
            ],
            &[
                0.48136695286388442,
                0.0069574722650555896,
                0.12747684050486166,
                0.061883272125111015,
            ],
            -1147.0544314319498,
            &format!("AFT {method}"),
        );
    }
}

fn salinity() -> Vec<Response> {
    csv("salinity.csv")
        .into_iter()
        .map(|r| Response::from_bounds(r[0], r.get(1).copied().flatten()).unwrap())
        .collect()
}

#[test]
fn interval_censored_lognormal_matches_fitdistcens_on_salinity() {
    let data = salinity();
    let counts = maxlik::CensoringCounts::of(&data);
    assert_eq!(
        counts.exact + counts.left + counts.right + counts.interval,
        108
    );
    assert_eq!((counts.exact, counts.right, counts.interval), (19, 60, 29));
    for options in methods() {
        let method = options.method();
        let model = Family::LogNormal
            .censored_model(&data, Truncation::none(), &Settings::new())
            .unwrap();
        let fit = model.fit_with(&data, &options).unwrap();
        check(
            &fit,
            &[3.3853709948259336, 0.49613804319659094],
            &[0.064863244238224954, 0.054552726972883957],
            -139.05495585180384,
            &format!("salinity {method}"),
        );
    }
}

#[test]
fn a_truncated_normal_matches_a_high_precision_optimisation() {
    let data: Vec<Response> = csv("truncnorm.csv")
        .into_iter()
        .map(|r| Response::Exact(r[0].unwrap()))
        .collect();
    let truncation = Truncation::new(3.0, 9.0).unwrap();
    for options in methods() {
        let method = options.method();
        let model = Family::Normal
            .censored_model(&data, truncation, &Settings::new())
            .unwrap();
        let fit = model.fit_with(&data, &options).unwrap();
        check(
            &fit,
            &[4.8421219654329297, 1.5627100397473008],
            &[0.20258252740955277, 0.16476826940269276],
            -237.37918775455424,
            &format!("truncated Normal {method}"),
        );
    }
}

/// A table of counts is the data it stands for: the same NLL at any point (to rounding of the
/// sums, which run in another order), the sample size of BIC and AICc is Σw, and the fits agree
/// in estimates and in every kind of standard error. For the Gamma, against the exact
/// observed-information, sandwich and OPG standard errors (trigamma Hessian and analytic
/// scores, in R; see `tests/data/r/issue11_references.R`).
#[test]
fn frequency_weights_fit_as_the_expanded_data() {
    let values = [0.3, 1.1, 1.9, 2.6, 4.0, 5.2];
    let counts = [3.0, 7.0, 12.0, 9.0, 4.0, 1.0];
    let expanded: Vec<f64> = values
        .iter()
        .zip(&counts)
        .flat_map(|(&v, &c)| std::iter::repeat_n(v, c as usize))
        .collect();
    let table: Vec<Weighted<Response>> = Weighted::pair(
        values.iter().map(|&v| Response::Exact(v)).collect(),
        &counts,
    )
    .unwrap();
    let gamma_se = [
        (SeKind::Observed, [0.66951574897485011, 0.17196153119401111]),
        (SeKind::Robust, [0.80906721451768115, 0.18299032161407414]),
        (SeKind::Opg, [0.57825127230573425, 0.17600638477254132]),
    ];
    for family in [Family::Gamma, Family::Weibull, Family::LogNormal] {
        let model = family
            .weighted_model(
                &table,
                Truncation::none(),
                WeightKind::Frequency,
                &Settings::new(),
            )
            .unwrap();
        let plain = family.model(&expanded).unwrap();
        for theta in [[1.5, 0.8], [2.5, 1.7]] {
            let (a, b) = (
                plain.nll(&expanded, &theta).unwrap(),
                model.nll(&table, &theta).unwrap(),
            );
            assert!((a - b).abs() <= 1e-12 * a.abs(), "{family}: NLL {a} vs {b}");
        }
        for options in methods() {
            let method = options.method();
            for (kind, exact) in gamma_se {
                let options = options.to_builder().se_kind(kind).build().unwrap();
                let full = family.fit(&expanded, &options).unwrap();
                let weighted = model.fit_with(&table, &options).unwrap();
                assert_eq!(weighted.sample_size(), 36.0);
                assert!((weighted.bic() - full.bic()).abs() <= 1e-10 * full.bic().abs());
                let se_full = full.std_errors().unwrap();
                let se_weighted = weighted.std_errors().unwrap();
                assert_eq!(se_weighted.kind(), kind);
                for (k, exact) in exact.iter().enumerate() {
                    let (a, b) = (
                        se_full.std_errors()[k].unwrap(),
                        se_weighted.std_errors()[k].unwrap(),
                    );
                    let gap = (weighted.estimates()[k] - full.estimates()[k]).abs() / a;
                    assert!(
                        gap < ESTIMATE_IN_SE,
                        "{family} {method} estimate {k}: {gap} SE"
                    );
                    assert!(
                        (a - b).abs() <= SE_RELATIVE * a,
                        "{family} {method} {kind} SE {k}: {a} vs {b}"
                    );
                    if family == Family::Gamma {
                        for se in [a, b] {
                            let rel = (se - exact).abs() / exact;
                            assert!(
                                rel <= SE_RELATIVE,
                                "Gamma {method} {kind} SE {k}: {se} vs {exact} ({rel:.1e})"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn bad_censored_input_gets_a_typed_error() {
    assert!(matches!(
        Response::from_bounds(Some(3.0), Some(2.0)),
        Err(Error::InvalidResponse { .. })
    ));
    assert!(matches!(
        Response::from_status(10.0, 2.0),
        Err(Error::InvalidResponse { .. })
    ));
    assert!(matches!(
        Response::from_bounds(None, None),
        Err(Error::InvalidResponse { .. })
    ));
    assert!(matches!(
        Truncation::new(5.0, 1.0),
        Err(Error::InvalidTruncation { .. })
    ));
    let data = [Response::Exact(2.0), Response::Exact(12.0)];
    assert!(matches!(
        Family::Normal.censored_model(&data, Truncation::new(0.0, 10.0).unwrap(), &Settings::new()),
        Err(Error::OutsideTruncation { index: 1, .. })
    ));
    assert!(matches!(
        Weighted::pair(vec![1.0, 2.0], &[1.0, -1.0]),
        Err(Error::InvalidWeight { index: 1, .. })
    ));
    assert!(matches!(
        Weighted::pair(vec![1.0, 2.0], &[1.0, f64::NAN]),
        Err(Error::InvalidWeight { index: 1, .. })
    ));
    assert!(matches!(
        Family::Weibull.model_with(
            &[1.0, 2.0, 3.0],
            &Settings::new().fix("shape", -1.0).unwrap()
        ),
        Err(Error::OutsideSpace { .. })
    ));
    assert!(matches!(
        Family::Weibull.model_with(
            &[1.0, 2.0, 3.0],
            &Settings::new().start("location", 1.0).unwrap()
        ),
        Err(Error::UnknownParameter { .. })
    ));
    assert!(matches!(
        Family::Weibull.censored_model(
            &[Response::Exact(-1.0)],
            Truncation::none(),
            &Settings::new()
        ),
        Err(Error::InvalidObservation { index: 0, .. })
    ));
}

/// Counts with the zeros unrecorded (a zero-truncated Poisson, `--truncate 1,inf`: for counts
/// the range is inclusive): the MLE solves `ȳ = λ / (1 − e^−λ)`, found here by bisection.
#[test]
fn a_zero_truncated_poisson_solves_its_moment_equation() {
    let counts = [
        1.0, 1.0, 2.0, 1.0, 3.0, 1.0, 2.0, 4.0, 1.0, 2.0, 1.0, 5.0, 2.0, 1.0,
    ];
    let mean = counts.iter().sum::<f64>() / counts.len() as f64;
    let (mut lo, mut hi): (f64, f64) = (1e-9, 50.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid / -(-mid).exp_m1() < mean {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let data: Vec<Response> = counts.iter().map(|&c| Response::Exact(c)).collect();
    let truncation = Truncation::new(1.0, f64::INFINITY).unwrap();
    for options in methods() {
        let model = Family::Poisson
            .censored_model(&data, truncation, &Settings::new())
            .unwrap();
        let fit = model.fit_with(&data, &options).unwrap();
        let se = fit.std_error("lambda").unwrap();
        let gap = (fit.estimates()[0] - lo).abs() / se;
        assert!(gap < ESTIMATE_IN_SE, "{}: {gap} SE", options.method());
    }
    // A zero cannot have been recorded.
    let with_zero = [Response::Exact(0.0), Response::Exact(2.0)];
    assert!(matches!(
        Family::Poisson.censored_model(&with_zero, truncation, &Settings::new()),
        Err(Error::OutsideTruncation { index: 0, .. })
    ));
}

/// Left-censoring is right-censoring seen in a mirror: a Normal fitted to values below a
/// detection limit equals, with μ negated, the fit to the negated values censored from above.
#[test]
fn left_censoring_mirrors_right_censoring() {
    let values = [2.3, 0.8, 3.1, 1.7, 2.9, 0.4, 2.2, 1.1, 3.6, 1.9];
    let limit = 1.0;
    let left: Vec<Response> = values
        .iter()
        .map(|&v| {
            if v < limit {
                Response::Left(limit)
            } else {
                Response::Exact(v)
            }
        })
        .collect();
    let right: Vec<Response> = values
        .iter()
        .map(|&v| {
            if v < limit {
                Response::Right(-limit)
            } else {
                Response::Exact(-v)
            }
        })
        .collect();
    for options in methods() {
        let fit = |data: &[Response]| {
            Family::Normal
                .censored_model(data, Truncation::none(), &Settings::new())
                .unwrap()
                .fit_with(data, &options)
                .unwrap()
        };
        let (a, b) = (fit(&left), fit(&right));
        let se = a.std_errors().unwrap().std_errors();
        assert!((a.estimates()[0] + b.estimates()[0]).abs() < 1e-6 * se[0].unwrap());
        assert!((a.estimates()[1] - b.estimates()[1]).abs() < 1e-6 * se[1].unwrap());
        assert!((a.nll() - b.nll()).abs() < 1e-10 * a.nll().abs());
    }
}
