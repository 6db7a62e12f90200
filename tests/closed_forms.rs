//! Numerical fits against the closed-form MLEs of the Normal and the Exponential, at every scale,
//! from starts several standard deviations off. Errors are measured in standard errors so that a
//! check means the same at every scale.

mod common;

use common::{exponential_ln_pdf, exponential_sample, normal_ln_pdf, normal_sample};
use maxlik::{ClosedForm, LogDensity, Method, Model};

/// L-BFGS must land within this many standard errors of the closed form (issue 2).
const LBFGS_WITHIN_SE: f64 = 1e-4;
/// Nelder-Mead, which uses no gradient, within this many (issue 2).
const NELDER_MEAD_WITHIN_SE: f64 = 1e-3;

/// Each method's bound: the gradient-based ones (L-BFGS, Newton) L-BFGS's, Nelder-Mead its own.
fn within(method: Method) -> f64 {
    match method {
        Method::NelderMead => NELDER_MEAD_WITHIN_SE,
        _ => LBFGS_WITHIN_SE,
    }
}

const METHODS: [Method; Method::ALL.len()] = Method::ALL;
const SIZES: [usize; 4] = [10, 1_000, 10_000, 100_000];
const SEEDS: [u64; 3] = [1, 2, 3];

/// Locations and scales from 1e-6 to 1e6, including a location of 1e6 with a scale of 1e-3.
const NORMAL_CASES: [(f64, f64); 6] = [
    (5.0, 2.0),
    (1e6, 1e-3),
    (1e-6, 1e-6),
    (-3e5, 1e6),
    (1e-6, 1e6),
    (1e6, 1e6),
];

/// Fits `model` with every method; each must converge and land within its bound of the closed
/// form. Records the worst error per method.
fn check_both_methods<F: LogDensity<f64> + Sync>(
    model: &Model<f64, F>,
    data: &[f64],
    exact: &ClosedForm,
    label: &str,
    worst: &mut [f64],
) {
    for (m, method) in METHODS.into_iter().enumerate() {
        let fit = model.fit(data, method).unwrap();
        let cmp = exact.compare(&fit).unwrap();
        assert!(fit.converged(), "{label} {method}: {fit}");
        assert!(
            cmp.max_in_std_errors() <= within(method),
            "{label} {method}: {} standard errors off\n{cmp}",
            cmp.max_in_std_errors()
        );
        worst[m] = worst[m].max(cmp.max_in_std_errors());
    }
}

/// Prints the worst error of each method, in standard errors.
fn report(worst: &[f64]) {
    let cells: Vec<String> = METHODS
        .iter()
        .zip(worst)
        .map(|(m, w)| format!("{m} {w:.2e}"))
        .collect();
    eprintln!("worst error in standard errors: {}", cells.join(", "));
}

#[test]
fn normal_fits_match_the_closed_form_at_every_scale() {
    let mut worst = [0.0f64; METHODS.len()];
    for (mu, sigma) in NORMAL_CASES {
        for n in SIZES {
            for seed in SEEDS {
                let data = normal_sample(mu, sigma, n, seed);
                let exact = ClosedForm::normal(&data).unwrap();
                // Starts several standard deviations off, on alternating sides.
                let (mu0, sigma0) = if seed % 2 == 0 {
                    (mu + 4.0 * sigma, sigma * 3.0)
                } else {
                    (mu - 3.0 * sigma, sigma / 4.0)
                };
                let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
                    .param("mu", mu0)
                    .positive("sigma", sigma0)
                    .build()
                    .unwrap();
                let label = format!("N({mu:e}, {sigma:e}) n={n} seed={seed}");
                check_both_methods(&model, &data, &exact, &label, &mut worst);
            }
        }
    }
    report(&worst);
}

#[test]
fn exponential_fits_match_the_closed_form_at_every_scale() {
    let mut worst = [0.0f64; METHODS.len()];
    for rate in [1e-6, 1e-3, 1.0, 1e3, 1e6] {
        for n in SIZES {
            for seed in SEEDS {
                let data = exponential_sample(rate, n, seed);
                let exact = ClosedForm::exponential(&data).unwrap();
                let rate0 = if seed % 2 == 0 {
                    rate * 5.0
                } else {
                    rate / 5.0
                };
                let model = Model::builder(|x: &f64, p: &[f64]| exponential_ln_pdf(*x, p[0]))
                    .positive("rate", rate0)
                    .build()
                    .unwrap();
                let label = format!("Exp({rate:e}) n={n} seed={seed}");
                check_both_methods(&model, &data, &exact, &label, &mut worst);
            }
        }
    }
    report(&worst);
}

#[test]
fn reported_nll_is_the_full_sum_with_constants() {
    let data = normal_sample(5.0, 2.0, 100, 42);
    let exact = ClosedForm::normal(&data).unwrap();
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    let fit = model.fit(&data, Method::Lbfgs).unwrap();
    // At the optimum the NLL is n/2 (ln(2π σ̂²) + 1); the fit can only be above it, by about
    // (distance in SE)² / 2.
    let diff = fit.nll() - exact.nll();
    assert!(
        diff.abs() <= 1e-9 * exact.nll().abs(),
        "NLL differs by {diff}"
    );
    approx::assert_relative_eq!(fit.log_likelihood(), -fit.nll());
}

#[test]
fn the_same_inputs_give_the_same_bits() {
    let data = normal_sample(3.0, 0.5, 5_000, 7);
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    for method in METHODS {
        let a = model.fit(&data, method).unwrap();
        let b = model.fit(&data, method).unwrap();
        let bits = |f: &maxlik::Fit| {
            f.estimates()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(a.nll().to_bits(), b.nll().to_bits());
        assert_eq!(a.nll_passes(), b.nll_passes());
    }
}

/// Forward differences are an option, not the default: their truncation error limits how close
/// they can get, and the verdict must say so rather than claim the requested tolerance.
#[test]
fn forward_differences_are_honest_about_their_precision() {
    use maxlik::{ConvergedBy, Convergence, Difference, FitOptions};
    let options = FitOptions::builder(Method::Lbfgs)
        .difference(Difference::Forward)
        .build()
        .unwrap();
    for (mu, sigma) in NORMAL_CASES {
        for n in [100, 10_000] {
            let data = normal_sample(mu, sigma, n, 9);
            let exact = ClosedForm::normal(&data).unwrap();
            let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
                .param("mu", mu + 3.0 * sigma)
                .positive("sigma", 3.0 * sigma)
                .build()
                .unwrap();
            let fit = model.fit_with(&data, &options).unwrap();
            let error = exact.compare(&fit).unwrap().max_in_std_errors();
            let label = format!("N({mu:e}, {sigma:e}) n={n}: {error:.2e} SE\n{fit}");
            assert!(fit.converged(), "{label}");
            match fit.convergence() {
                // A claim of the requested tolerance must hold up.
                Convergence::Converged(ConvergedBy::Gradient) => {
                    assert!(error <= LBFGS_WITHIN_SE, "{label}")
                }
                // Otherwise the error stays within a few times the precision reported.
                _ => assert!(
                    error <= 10.0 * fit.precision().max(LBFGS_WITHIN_SE),
                    "{label}"
                ),
            }
        }
    }
}

/// A parameter in an open interval, fitted through its logit: the Bernoulli MLE is the sample
/// proportion, with standard error sqrt(p(1 − p)/n).
#[test]
fn interval_parameters_match_the_bernoulli_closed_form() {
    for (successes, n) in [
        (3usize, 10usize),
        (500, 1_000),
        (9_990, 10_000),
        (7, 100_000),
    ] {
        let data: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i < successes))).collect();
        let p_hat = successes as f64 / n as f64;
        let se = (p_hat * (1.0 - p_hat) / n as f64).sqrt();
        for method in METHODS {
            let model = Model::builder(
                |y: &f64, p: &[f64]| {
                    if *y > 0.5 { p[0].ln() } else { (-p[0]).ln_1p() }
                },
            )
            .interval("p", 0.5, 0.0, 1.0)
            .build()
            .unwrap();
            let fit = model.fit(&data, method).unwrap();
            let label = format!("{successes}/{n} {method}");
            assert!(fit.converged(), "{label}: {fit}");
            let error = (fit.estimate("p").unwrap() - p_hat).abs() / se;
            assert!(error <= within(method), "{label}: {error:.2e} SE\n{fit}");
        }
    }
}
