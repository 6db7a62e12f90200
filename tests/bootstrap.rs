//! The bootstrap (issue 14) against closed forms: the nonparametric bootstrap's standard error
//! of a Normal mean is the plug-in `σ̂/√n`; the parametric bootstrap of an Exponential rate
//! has replicates `n·λ̂/G` with `G ~ Gamma(n, 1)`, so its percentile interval converges to
//! Gamma quantiles. And the same bits on one thread and two. (The interval arithmetic itself
//! is checked against R's `quantile` and `boot::bca.ci` in `src/bootstrap.rs`.)

use maxlik::{Error, Family, FitOptions, Method, Resampling};
use statrs::distribution::{ContinuousCDF, Gamma};

mod common;

/// Monte Carlo error allowed: five of its standard deviations.
fn five_sigma(relative_sd: f64) -> f64 {
    5.0 * relative_sd
}

#[test]
fn nonparametric_se_of_a_mean_is_the_plug_in_formula() {
    let x = common::normal_sample(3.0, 2.0, 60, 11);
    let n = x.len() as f64;
    let options = FitOptions::new(Method::Lbfgs);
    let fit = Family::Normal.fit(&x, &options).unwrap();
    let b = 2000;
    let boot = Family::Normal
        .bootstrap(&x, &fit, Resampling::Nonparametric, b, 5, &options)
        .unwrap();
    assert_eq!(boot.failed(), 0);
    let sigma_hat = fit.estimate("sigma").unwrap();
    let exact = sigma_hat / n.sqrt();
    // The SD of a bootstrap SE from B replicates is about SE/√(2B).
    let tolerance = five_sigma(1.0 / (2.0 * b as f64).sqrt());
    approx::assert_relative_eq!(
        boot.std_error("mu").unwrap(),
        exact,
        max_relative = tolerance
    );
    let ci = boot.bca("mu", 0.95).unwrap();
    assert!(ci.lower < fit.estimate("mu").unwrap() && fit.estimate("mu").unwrap() < ci.upper);
}

#[test]
fn parametric_percentile_interval_of_a_rate_is_gamma_quantiles() {
    let x = common::exponential_sample(0.5, 40, 3);
    let n = x.len() as f64;
    let options = FitOptions::new(Method::Lbfgs);
    let fit = Family::Exponential.fit(&x, &options).unwrap();
    let rate = fit.estimate("rate").unwrap();
    let b = 4000;
    let boot = Family::Exponential
        .bootstrap(&x, &fit, Resampling::Parametric, b, 9, &options)
        .unwrap();
    assert_eq!(boot.failed(), 0);
    let g = Gamma::new(n, 1.0).unwrap();
    let (lower, upper) = (
        n * rate / g.inverse_cdf(0.95),
        n * rate / g.inverse_cdf(0.05),
    );
    let ci = boot.percentile("rate", 0.90).unwrap();
    // A 5% quantile from B draws has relative SD about √(p(1 − p)/B)/(f(q)·q); for
    // Gamma(40) that is under 1% here.
    approx::assert_relative_eq!(ci.lower, lower, max_relative = five_sigma(0.01));
    approx::assert_relative_eq!(ci.upper, upper, max_relative = five_sigma(0.01));
}

#[test]
fn same_bits_on_one_thread_and_two() {
    let x = common::exponential_sample(2.0, 50, 8);
    let options = FitOptions::new(Method::Lbfgs);
    let fit = Family::Gamma.fit(&x, &options).unwrap();
    for kind in [Resampling::Nonparametric, Resampling::Parametric] {
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    Family::Gamma
                        .bootstrap(&x, &fit, kind, 64, 21, &options)
                        .unwrap()
                })
        };
        let (one, two) = (run(1), run(2));
        let bits = |b: &maxlik::Bootstrap| -> Vec<u64> {
            b.replicates()
                .iter()
                .flatten()
                .map(|v| v.to_bits())
                .collect()
        };
        assert_eq!(bits(&one), bits(&two));
        let (a, c) = (
            one.bca("shape", 0.9).unwrap(),
            two.bca("shape", 0.9).unwrap(),
        );
        assert_eq!(a.lower.to_bits(), c.lower.to_bits());
    }
}

#[test]
fn bad_requests_are_typed_errors() {
    let x = common::exponential_sample(2.0, 20, 1);
    let options = FitOptions::new(Method::Lbfgs);
    let fit = Family::Exponential.fit(&x, &options).unwrap();
    assert!(matches!(
        Family::Exponential.bootstrap(&x, &fit, Resampling::Parametric, 1, 0, &options),
        Err(Error::InvalidOption { .. })
    ));
    assert!(matches!(
        Family::Exponential.bootstrap(&x[..10], &fit, Resampling::Nonparametric, 10, 0, &options),
        Err(Error::FitMismatch { .. })
    ));
}
