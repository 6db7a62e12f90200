//! Properties over random inputs: whatever the location, scale, size and start, L-BFGS lands on
//! the closed-form Normal MLE and never reports an NLL below the true minimum.

mod common;

use common::{normal_ln_pdf, normal_sample};
use maxlik::{ClosedForm, Method, Model};
use proptest::prelude::*;

/// Issue 2's bound for L-BFGS, in standard errors.
const LBFGS_WITHIN_SE: f64 = 1e-4;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn lbfgs_finds_the_normal_mle(
        log_scale in -6.0f64..6.0,
        location_in_scales in -1e3f64..1e3,
        n in 5usize..400,
        seed in 0u64..1_000,
        start_mu_off in -5.0f64..5.0,
        log_start_sigma_ratio in -1.5f64..1.5,
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
        let fit = model.fit(&data, Method::Lbfgs).unwrap();
        prop_assert!(fit.converged(), "{}", fit);
        let cmp = exact.compare(&fit).unwrap();
        prop_assert!(cmp.max_in_std_errors() <= LBFGS_WITHIN_SE, "{}\n{}", cmp, fit);
        // The closed form is the minimum: the fit cannot be below it beyond rounding.
        prop_assert!(cmp.nll_difference >= -1e-12 * exact.nll().abs().max(1.0), "{}", cmp);
    }
}
