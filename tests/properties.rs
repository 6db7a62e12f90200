//! Properties over random inputs: whatever the location, scale, size and start, L-BFGS lands on
//! the closed-form Normal MLE (and Nelder-Mead near it) and never reports an NLL below the true minimum.

mod common;

use common::{normal_ln_pdf, normal_sample};
use maxlik::{ClosedForm, Method, Model};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Issue 2's bound for L-BFGS, in standard errors.
const LBFGS_WITHIN_SE: f64 = 1e-4;
/// Issue 2's bound for Nelder-Mead, in standard errors.
const NELDER_MEAD_WITHIN_SE: f64 = 1e-3;

proptest! {
    // A fixed seed keeps CI deterministic; 3000 random cases per method were run while writing
    // this test without a failure.
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(2026),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn both_methods_find_the_normal_mle(
        log_scale in -6.0f64..6.0,
        location_in_scales in -1e3f64..1e3,
        n in 5usize..400,
        seed in 0u64..1_000,
        start_mu_off in -5.0f64..5.0,
        log_start_sigma_ratio in -2.5f64..2.5,
    ) {
        let sigma = 10f64.powf(log_scale);
        let mu = location_in_scales * sigma;
        let data = normal_sample(mu, sigma, n, seed);
        let exact = ClosedForm::normal(&data).unwrap();
        let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
            .param("mu", mu + start_mu_off * sigma)
            .positive("sigma", sigma * 10f64.powf(log_start_sigma_ratio))
            .build()
            .unwrap();
        for (method, within) in [
            (Method::Lbfgs, LBFGS_WITHIN_SE),
            (Method::NelderMead, NELDER_MEAD_WITHIN_SE),
        ] {
            let fit = model.fit(&data, method).unwrap();
            prop_assert!(fit.converged(), "{}", fit);
            let cmp = exact.compare(&fit).unwrap();
            prop_assert!(cmp.max_in_std_errors() <= within, "{}\n{}", cmp, fit);
            // The closed form is the minimum: the fit cannot be below it beyond rounding.
            prop_assert!(cmp.nll_difference() >= -1e-12 * exact.nll().abs().max(1.0), "{}", cmp);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(2027),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn both_methods_find_the_exponential_mle(
        log_rate in -6.0f64..6.0,
        n in 2usize..400,
        seed in 0u64..1_000,
        log_start_ratio in -2.0f64..2.0,
    ) {
        let rate = 10f64.powf(log_rate);
        let data = common::exponential_sample(rate, n, seed);
        let exact = ClosedForm::exponential(&data).unwrap();
        let model = Model::builder(|x: &f64, p: &[f64]| common::exponential_ln_pdf(*x, p[0]))
            .positive("rate", rate * 10f64.powf(log_start_ratio))
            .build()
            .unwrap();
        for (method, within) in [
            (Method::Lbfgs, LBFGS_WITHIN_SE),
            (Method::NelderMead, NELDER_MEAD_WITHIN_SE),
        ] {
            let fit = model.fit(&data, method).unwrap();
            prop_assert!(fit.converged(), "{}", fit);
            let cmp = exact.compare(&fit).unwrap();
            prop_assert!(cmp.max_in_std_errors() <= within, "{}\n{}", cmp, fit);
        }
    }
}
