//! Inference against truths from outside the code: analytic standard errors, closed-form and
//! independently computed profile intervals, coverage by simulation, a flat direction, and the
//! certificate's flags.

mod common;

use common::{exponential_ln_pdf, exponential_sample, normal_ln_pdf, normal_model, normal_sample};
use maxlik::{ClosedForm, Error, FitOptions, Limit, Method, Model, SeUnavailable, Status, Trust};

/// Standard errors must match the analytic ones to this relative error (issue 3).
const SE_RELATIVE: f64 = 1e-6;
/// Profile-interval ends must match their closed forms to this many standard errors.
const PROFILE_WITHIN_SE: f64 = 1e-6;
const METHODS: [Method; 2] = [Method::Lbfgs, Method::NelderMead];
/// The χ²(1) 95% quantile, 1.959963984540054².
const CHI2_95: f64 = 3.841_458_820_694_124;

fn exponential_model(rate0: f64) -> Model<f64, impl Fn(&f64, &[f64]) -> f64, maxlik::NoScore<f64>> {
    Model::builder(|x: &f64, p: &[f64]| exponential_ln_pdf(*x, p[0]))
        .positive("rate", rate0)
        .build()
        .unwrap()
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// Normal: SE(mu) = sigma/sqrt(n), SE(sigma) = sigma/sqrt(2n), at the optimum each method
/// returns (with the 1/n variance, these are also the observed-information SEs at the MLE).
#[test]
fn normal_standard_errors_match_the_analytic_ones() {
    for n in [100, 1_000, 10_000, 100_000, 1_000_000] {
        let data = normal_sample(5.0, 2.0, n, n as u64);
        let model = normal_model(11.0, 6.0);
        let root_n = (n as f64).sqrt();
        for method in METHODS {
            let fit = model.fit(&data, method).unwrap();
            let sigma = fit.estimate("sigma").unwrap();
            let label = format!("n={n} {method}");
            assert_eq!(
                fit.trust(),
                Trust::Trusted,
                "{label}: {}",
                fit.certificate()
            );
            let se_mu = fit.std_error("mu").unwrap();
            let se_sigma = fit.std_error("sigma").unwrap();
            assert!(
                relative(se_mu, sigma / root_n) <= SE_RELATIVE,
                "{label}: mu {se_mu}"
            );
            assert!(
                relative(se_sigma, sigma / (2.0 * n as f64).sqrt()) <= SE_RELATIVE,
                "{label}: sigma {se_sigma}"
            );
            // At the optimum mu and sigma are uncorrelated.
            let corr = fit.std_errors().unwrap().correlation();
            assert!(
                corr[(0, 1)].abs() <= 1e-6,
                "{label}: correlation {}",
                corr[(0, 1)]
            );
        }
    }
}

/// Exponential: SE(rate) = rate/sqrt(n).
#[test]
fn exponential_standard_errors_match_the_analytic_ones() {
    for n in [100, 1_000, 10_000, 100_000, 1_000_000] {
        for rate in [1e-3, 2.0, 1e4] {
            let data = exponential_sample(rate, n, n as u64 + 1);
            let model = exponential_model(rate * 4.0);
            for method in METHODS {
                let fit = model.fit(&data, method).unwrap();
                let r = fit.estimate("rate").unwrap();
                let se = fit.std_error("rate").unwrap();
                assert!(
                    relative(se, r / (n as f64).sqrt()) <= SE_RELATIVE,
                    "n={n} rate={rate} {method}: {se} vs {}",
                    r / (n as f64).sqrt()
                );
            }
        }
    }
}

/// For the Normal mean, n ln(1 + (mu − mean)²/sigma_hat²) = c, so the interval is
/// mean ± sigma_hat sqrt(exp(c/n) − 1).
#[test]
fn normal_mean_profile_interval_matches_its_closed_form() {
    for n in [10, 100, 1_000] {
        for seed in [1, 2] {
            let data = normal_sample(5.0, 2.0, n, seed);
            let exact = ClosedForm::normal(&data).unwrap();
            let (mean, sigma) = (
                exact.estimate("mu").unwrap(),
                exact.estimate("sigma").unwrap(),
            );
            let se = exact.std_error("mu").unwrap();
            let model = normal_model(0.0, 1.0);
            let fit = model.fit(&data, Method::Lbfgs).unwrap();
            for (level, z) in [
                (0.9, 1.644_853_626_951_472_2),
                (0.95, 1.959_963_984_540_054),
                (0.99, 2.575_829_303_548_900_4),
            ] {
                let c: f64 = z * z;
                let half = sigma * ((c / n as f64).exp() - 1.0).sqrt();
                let interval = model.profile(&data, &fit, "mu", level).unwrap();
                let (Limit::Crossing(lo), Limit::Crossing(hi)) =
                    (interval.lower(), interval.upper())
                else {
                    panic!("n={n}: {interval}");
                };
                assert!(
                    (lo - (mean - half)).abs() <= PROFILE_WITHIN_SE * se,
                    "n={n} {level}: {lo}"
                );
                assert!(
                    (hi - (mean + half)).abs() <= PROFILE_WITHIN_SE * se,
                    "n={n} {level}: {hi}"
                );
                assert!(interval.refit().is_none());
            }
        }
    }
}

/// The roots of 2(NLL(rate) − NLL(rate_hat)) = c, with NLL(rate) = −n ln rate + rate Σx,
/// found here by bisection.
fn exponential_profile_roots(data: &[f64], level_quantile: f64) -> (f64, f64) {
    let n = data.len() as f64;
    let sum: f64 = data.iter().sum();
    let rate_hat = n / sum;
    let nll = |r: f64| -n * r.ln() + r * sum;
    let g = |r: f64| 2.0 * (nll(r) - nll(rate_hat)) - level_quantile;
    let bisect = |mut inside: f64, mut outside: f64| {
        for _ in 0..200 {
            let mid = 0.5 * (inside + outside);
            if g(mid) < 0.0 {
                inside = mid
            } else {
                outside = mid
            }
        }
        0.5 * (inside + outside)
    };
    (
        bisect(rate_hat, rate_hat * 1e-6),
        bisect(rate_hat, rate_hat * 1e6),
    )
}

#[test]
fn exponential_profile_interval_matches_independent_roots() {
    for (n, rate) in [(5, 3.0), (30, 0.5), (1_000, 1e3)] {
        let data = exponential_sample(rate, n, 77);
        let model = exponential_model(rate);
        let fit = model.fit(&data, Method::Lbfgs).unwrap();
        let se = fit.std_error("rate").unwrap();
        let (lo, hi) = exponential_profile_roots(&data, CHI2_95);
        let interval = model.profile(&data, &fit, "rate", 0.95).unwrap();
        let (Limit::Crossing(a), Limit::Crossing(b)) = (interval.lower(), interval.upper()) else {
            panic!("{interval}");
        };
        assert!(
            (a - lo).abs() <= PROFILE_WITHIN_SE * se,
            "n={n}: {a} vs {lo}"
        );
        assert!(
            (b - hi).abs() <= PROFILE_WITHIN_SE * se,
            "n={n}: {b} vs {hi}"
        );
    }
}

/// Over 2000 simulated samples of n = 30 the 95% profile interval covers the true rate
/// between 93.5% and 96.5% of the time (a binomial 95% band around 95% is ±0.96%).
#[test]
fn profile_interval_coverage_is_nominal() {
    const SAMPLES: usize = 2_000;
    let rate = 2.0;
    let model = exponential_model(1.0);
    let (mut profile_hits, mut wald_hits) = (0, 0);
    for seed in 0..SAMPLES as u64 {
        let data = exponential_sample(rate, 30, 10_000 + seed);
        let fit = model.fit(&data, Method::Lbfgs).unwrap();
        let interval = model.profile(&data, &fit, "rate", 0.95).unwrap();
        let (Some(lo), Some(hi)) = (interval.lower().value(), interval.upper().value()) else {
            panic!("{interval}");
        };
        profile_hits += usize::from(lo <= rate && rate <= hi);
        let (a, b) = fit.wald_interval("rate", 0.95).unwrap();
        wald_hits += usize::from(a <= rate && rate <= b);
    }
    let profile = profile_hits as f64 / SAMPLES as f64;
    let wald = wald_hits as f64 / SAMPLES as f64;
    eprintln!("coverage of 95% intervals, Exponential n=30: profile {profile:.4}, Wald {wald:.4}");
    assert!(
        (0.935..=0.965).contains(&profile),
        "profile coverage {profile}"
    );
}

/// Two parameters that enter only through their sum: the Hessian is singular along a − b.
#[test]
fn a_flat_direction_gives_no_standard_errors_and_names_the_combination() {
    let data = normal_sample(3.0, 1.0, 500, 5);
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0] + p[1], p[2]))
        .param("a", 0.5)
        .param("b", 0.5)
        .positive("sigma", 2.0)
        .build()
        .unwrap();
    let fit = model.fit(&data, Method::Lbfgs).unwrap();
    assert_eq!(fit.trust(), Trust::NotTrusted, "{}", fit.certificate());
    assert!(matches!(
        fit.std_error("a"),
        Err(Error::StdErrorsUnavailable { .. })
    ));
    let Err(SeUnavailable::NotPositiveDefinite { direction, .. }) = fit.std_errors() else {
        panic!("{:?}\n{fit}", fit.std_errors());
    };
    let coef = |name: &str| {
        direction
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| *c)
            .unwrap_or(0.0)
    };
    // Moving a up and b down by the same amount leaves the likelihood unchanged.
    assert!((coef("a") + coef("b")).abs() < 1e-3, "{direction:?}");
    assert!(coef("a").abs() > 0.99, "{direction:?}");
    // Whatever the optimizer says, the answer is not to be used: require_trusted refuses it.
    assert!(matches!(
        fit.clone().require_trusted(),
        Err(Error::NotTrusted { .. }) | Err(Error::NotConverged { .. })
    ));
    let identified = normal_model(0.0, 1.0).fit(&data, Method::Lbfgs).unwrap();
    assert!(identified.require_trusted().is_ok());
    assert!(coef("sigma").abs() < 1e-3, "{direction:?}");
    let text = fit.certificate().to_string();
    assert!(
        text.contains("a") && text.contains("b") && text.contains("flat"),
        "{text}"
    );
    assert!(matches!(
        fit.wald_interval("a", 0.95),
        Err(Error::StdErrorsUnavailable { .. })
    ));
}

#[test]
fn the_certificate_flags_an_iteration_cap() {
    let data = normal_sample(5.0, 2.0, 200, 6);
    let model = normal_model(-20.0, 30.0);
    let options = FitOptions::builder(Method::NelderMead)
        .max_iters(10)
        .build()
        .unwrap();
    let fit = model.fit_with(&data, &options).unwrap();
    assert_eq!(fit.trust(), Trust::NotTrusted);
    let failed: Vec<_> = fit.certificate().failures().map(|c| c.name()).collect();
    assert!(failed.contains(&"optimizer"), "{}", fit.certificate());
    assert!(
        fit.std_errors().is_err(),
        "no standard errors for a fit that did not converge"
    );
}

/// A mean constrained to (0, 10) with data centred at −1: the MLE is the edge 0.
#[test]
fn the_certificate_flags_an_estimate_at_the_edge_of_its_interval() {
    let data = normal_sample(-1.0, 1.0, 200, 7);
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .interval("mu", 5.0, 0.0, 10.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    for method in METHODS {
        let fit = model.fit(&data, method).unwrap();
        assert_eq!(fit.trust(), Trust::NotTrusted, "{method}: {fit}");
        let edge = fit
            .certificate()
            .checks()
            .iter()
            .any(|c| c.name() == "edge" && c.status() == Status::Fail);
        let stopped = fit
            .certificate()
            .checks()
            .iter()
            .any(|c| c.name() == "optimizer" && c.status() == Status::Fail);
        assert!(edge || stopped, "{method}: {}", fit.certificate());
        assert!(fit.std_errors().is_err(), "{method}");
        assert!(fit.estimate("mu").unwrap() < 1e-3, "{method}: {fit}");
    }
}

/// Near an edge (not at it) the fit is trusted with a warning, and the profile interval runs
/// into the bound where the Wald interval would cross it.
#[test]
fn a_profile_interval_that_runs_into_a_bound_says_so() {
    let data = [0.2, 0.9, 0.4];
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], 1.0))
        .interval("mu", 0.3, 0.0, 1.0)
        .build()
        .unwrap();
    let fit = model.fit(&data, Method::Lbfgs).unwrap();
    assert_eq!(
        fit.trust(),
        Trust::TrustedWithWarnings,
        "{}",
        fit.certificate()
    );
    let interval = model.profile(&data, &fit, "mu", 0.95).unwrap();
    assert_eq!(interval.lower(), Limit::SpaceEdge(0.0), "{interval}");
    assert_eq!(interval.upper(), Limit::SpaceEdge(1.0), "{interval}");
    let (a, b) = fit.wald_interval("mu", 0.95).unwrap();
    assert!(a < 0.0 && b > 1.0);
}

/// Starting the profile from a point that is not the optimum: the profile finds a better one,
/// says so and refits.
#[test]
fn a_profile_that_finds_a_better_optimum_refits() {
    let data = normal_sample(5.0, 2.0, 50, 8);
    let model = normal_model(0.0, 1.0);
    // A fit stopped early on purpose: converged in its own terms only for a loose tolerance.
    let loose = FitOptions::builder(Method::NelderMead)
        .tolerance(0.5)
        .build()
        .unwrap();
    let early = model.fit_with(&data, &loose).unwrap();
    let exact = ClosedForm::normal(&data).unwrap();
    assert!(
        early.nll() - exact.nll() > 1e-4,
        "the early fit must be short of the optimum"
    );
    let interval = model.profile(&data, &early, "sigma", 0.95).unwrap();
    let refit = interval.refit().expect("a refit");
    assert!(refit.nll() < early.nll());
    assert!(exact.compare(refit).unwrap().max_in_std_errors() < 1e-3);
    assert!(interval.to_string().contains("better optimum"));
}

/// Fixing mu at m: the restricted NLL has sigma0² = sigma_hat² + (mean − m)², so the
/// statistic is n ln(sigma0²/sigma_hat²).
#[test]
fn likelihood_ratio_test_matches_its_closed_form() {
    let data = normal_sample(5.0, 2.0, 80, 9);
    let exact = ClosedForm::normal(&data).unwrap();
    let (mean, sigma) = (
        exact.estimate("mu").unwrap(),
        exact.estimate("sigma").unwrap(),
    );
    let m = 5.5;
    let n = data.len() as f64;
    let expected = n * ((sigma * sigma + (mean - m).powi(2)) / (sigma * sigma)).ln();
    let model = normal_model(0.0, 1.0);
    let full = model.fit(&data, Method::Lbfgs).unwrap();
    let restricted = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .fixed("mu", m)
        .positive("sigma", 1.0)
        .build()
        .unwrap()
        .fit(&data, Method::Lbfgs)
        .unwrap();
    let test = model
        .likelihood_ratio_test(&data, &restricted, &full)
        .unwrap();
    assert_eq!(test.df(), 1);
    assert!(
        relative(test.statistic(), expected) < 1e-8,
        "{test} vs {expected}"
    );
    // P(χ²₁ ≥ x) = erfc(sqrt(x/2)).
    let p = statrs::function::erf::erfc((expected / 2.0).sqrt());
    assert!(relative(test.p_value(), p) < 1e-8);
    assert!(matches!(
        model.likelihood_ratio_test(&data, &full, &restricted),
        Err(Error::NotNested { .. })
    ));
}

/// AIC = 2k − 2lnL, AICc = AIC + 2k(k+1)/(n−k−1), BIC = k ln n − 2lnL, with k free parameters.
#[test]
fn information_criteria_follow_their_conventions() {
    let data = normal_sample(5.0, 2.0, 40, 10);
    let fit = normal_model(0.0, 1.0).fit(&data, Method::Lbfgs).unwrap();
    let ll = -ClosedForm::normal(&data).unwrap().nll();
    assert!(relative(fit.aic(), 4.0 - 2.0 * ll) < 1e-12);
    assert!(relative(fit.aicc().unwrap(), 4.0 - 2.0 * ll + 12.0 / 37.0) < 1e-12);
    assert!(relative(fit.bic(), 2.0 * 40f64.ln() - 2.0 * ll) < 1e-12);
    let tiny = normal_model(0.0, 1.0)
        .fit(&data[..3], Method::Lbfgs)
        .unwrap();
    assert_eq!(tiny.aicc(), None);
}
