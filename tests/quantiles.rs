//! Quantiles with their intervals (issue 14) against closed forms: the Normal quantile's
//! delta-method standard error `σ̂ √((1 + z²/2)/n)`; the Exponential quantile's profile
//! interval, which is the rate's likelihood-ratio interval mapped through `q = −ln(1 − p)/λ`
//! (the likelihood ratio does not depend on the parameterization), the rate's found here from
//! its closed-form statistic `2n(ln(λ̂/λ) + λ/λ̂ − 1)`; and the Weibull's, whose profile must
//! hold the delta interval's centre and agree with it to first order on a large sample.

use maxlik::{Error, Family, FitOptions, Limit, Method, Resampling};
use statrs::distribution::{ChiSquared, ContinuousCDF};

mod common;

/// The delta method's gradient is a central difference at a thousandth of each SE:
/// its relative error is about 1e-7.
const DELTA: f64 = 1e-6;
/// The profile's ends are found to about 1e-6 of a standard error.
const PROFILE_END: f64 = 1e-5;

fn tight() -> FitOptions {
    FitOptions::builder(Method::Lbfgs)
        .tolerance(1e-9)
        .build()
        .unwrap()
}

#[test]
fn normal_quantile_delta_se_is_the_closed_form() {
    let x = common::normal_sample(10.0, 3.0, 200, 4);
    let fit = Family::Normal.fit(&x, &tight()).unwrap();
    let n = x.len() as f64;
    for p in [0.05, 0.5, 0.99] {
        let q = Family::Normal
            .quantile_estimate(&x, &fit, p, 0.95, None)
            .unwrap();
        let z = Family::Normal.quantile(p, &[0.0, 1.0]).unwrap();
        let sigma = fit.estimate("sigma").unwrap();
        let mu = fit.estimate("mu").unwrap();
        approx::assert_relative_eq!(q.estimate, mu + z * sigma, max_relative = 1e-13);
        let exact = sigma * ((1.0 + 0.5 * z * z) / n).sqrt();
        approx::assert_relative_eq!(q.std_error.unwrap(), exact, max_relative = DELTA);
        let (lo, hi) = q.delta.unwrap();
        approx::assert_relative_eq!(
            hi - lo,
            2.0 * 1.959963984540054 * exact,
            max_relative = DELTA
        );
    }
}

#[test]
fn exponential_quantile_profile_is_the_rate_interval_mapped() {
    let x = common::exponential_sample(0.2, 30, 6);
    let n = x.len() as f64;
    let fit = Family::Exponential.fit(&x, &tight()).unwrap();
    let rate = fit.estimate("rate").unwrap();
    let p = 0.9;
    let q = Family::Exponential
        .quantile_estimate(&x, &fit, p, 0.95, None)
        .unwrap();
    let cut = ChiSquared::new(1.0).unwrap().inverse_cdf(0.95);
    let lr = |l: f64| 2.0 * n * ((rate / l).ln() + l / rate - 1.0) - cut;
    let root = |mut a: f64, mut b: f64| {
        for _ in 0..200 {
            let m = 0.5 * (a + b);
            if (lr(m) > 0.0) == (lr(a) > 0.0) {
                a = m;
            } else {
                b = m;
            }
        }
        0.5 * (a + b)
    };
    let (rate_lo, rate_hi) = (root(rate * 1e-3, rate), root(rate, rate * 1e3));
    let e = -(1.0f64 - p).ln();
    let profile = q.profile.unwrap();
    let (Limit::Crossing(lo), Limit::Crossing(hi)) = (profile.lower(), profile.upper()) else {
        panic!("both ends should be crossings: {profile:?}")
    };
    let se = q.std_error.unwrap();
    assert!(
        (lo - e / rate_hi).abs() < PROFILE_END * se,
        "{lo} vs {}",
        e / rate_hi
    );
    assert!(
        (hi - e / rate_lo).abs() < PROFILE_END * se,
        "{hi} vs {}",
        e / rate_lo
    );
}

#[test]
fn profiles_agree_with_the_delta_method_on_a_large_sample() {
    let x = common::exponential_sample(1.0, 4000, 12);
    let y = common::normal_sample(5.0, 2.0, 4000, 13);
    for (family, x) in [
        (Family::Weibull, &x),
        (Family::Gamma, &x),
        (Family::GammaRate, &x),
        (Family::LogNormal, &x),
        (Family::LogLogistic, &x),
        (Family::Normal, &y),
        (Family::Logistic, &y),
        (Family::Gumbel, &y),
    ] {
        let x = x.as_slice();
        let fit = family.fit(x, &tight()).unwrap();
        let q = family.quantile_estimate(x, &fit, 0.05, 0.95, None).unwrap();
        let (dlo, dhi) = q.delta.unwrap();
        let profile = q.profile.unwrap();
        let (lo, hi) = (
            profile.lower().value().unwrap(),
            profile.upper().value().unwrap(),
        );
        assert!(lo < q.estimate && q.estimate < hi, "{family}");
        // n = 4000: the log-likelihood is close to quadratic; the ends agree to a few
        // percent of the interval's width.
        let width = dhi - dlo;
        assert!((lo - dlo).abs() < 0.05 * width, "{family}: {lo} vs {dlo}");
        assert!((hi - dhi).abs() < 0.05 * width, "{family}: {hi} vs {dhi}");
    }
}

#[test]
fn bootstrap_and_unavailable_intervals() {
    let x = common::exponential_sample(1.0, 80, 2);
    let options = tight();
    let fit = Family::Gamma.fit(&x, &options).unwrap();
    let boot = Family::Gamma
        .bootstrap(&x, &fit, Resampling::Nonparametric, 199, 3, &options)
        .unwrap();
    let q = Family::Gamma
        .quantile_estimate(&x, &fit, 0.5, 0.9, Some(&boot))
        .unwrap();
    let pct = q.percentile.unwrap().unwrap();
    assert!(pct.lower < q.estimate && q.estimate < pct.upper);
    assert!(q.bca.unwrap().is_ok());
    // The mixture has no reparameterization by its quantile: the profile says so.
    let y = common::normal_sample(0.0, 1.0, 100, 1);
    let mix = Family::NormalMixture.fit(&y, &options).unwrap();
    let q = Family::NormalMixture
        .quantile_estimate(&y, &mix, 0.5, 0.9, None)
        .unwrap();
    assert!(matches!(q.profile, Err(Error::IntervalUnavailable { .. })));
    assert!(matches!(
        Family::Gamma.quantile_estimate(&x, &fit, 1.5, 0.9, None),
        Err(Error::InvalidOption { .. })
    ));
    assert!(matches!(
        Family::Weibull.quantile_estimate(&x, &fit, 0.5, 0.9, None),
        Err(Error::FitMismatch { .. })
    ));
}

/// A GEV return level: the delta method and the bootstrap give intervals; the profile says
/// why it is not offered (the support moves with the parameters).
#[test]
fn gev_return_level_has_delta_and_bootstrap_intervals() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(5);
    let x = Family::Gev
        .sample(&[10.0, 2.0, 0.1], 120, &mut rng)
        .unwrap();
    let options = tight();
    let fit = Family::Gev.fit(&x, &options).unwrap();
    assert!(fit.converged(), "{fit}");
    let boot = Family::Gev
        .bootstrap(&x, &fit, Resampling::Parametric, 99, 1, &options)
        .unwrap();
    let q = Family::Gev
        .quantile_estimate(&x, &fit, 0.99, 0.95, Some(&boot))
        .unwrap();
    let (lo, hi) = q.delta.unwrap();
    assert!(lo < q.estimate && q.estimate < hi);
    let pct = q.percentile.unwrap().unwrap();
    assert!(pct.lower < q.estimate && q.estimate < pct.upper);
    assert!(matches!(q.profile, Err(Error::IntervalUnavailable { .. })));
}
