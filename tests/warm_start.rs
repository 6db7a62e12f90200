//! The warm start on subsamples changes what a fit costs, not what it finds: with it and without
//! it, fits land on the closed form; data the subsamples miss (an observation that rules a
//! point out, a parameter only the rest of the data identifies) cannot lead a fit astray.

mod common;

use common::{exponential_ln_pdf, exponential_sample, normal_ln_pdf, normal_sample};
use maxlik::{ClosedForm, Error, FitOptions, Method, Model};

/// L-BFGS must land within this many standard errors of the closed form (issue 2).
const LBFGS_WITHIN_SE: f64 = 1e-4;
/// Nelder-Mead, which uses no gradient, within this many (issue 2).
const NELDER_MEAD_WITHIN_SE: f64 = 1e-3;

const METHODS: [Method; 2] = [Method::Lbfgs, Method::NelderMead];

fn within(method: Method) -> f64 {
    match method {
        Method::Lbfgs => LBFGS_WITHIN_SE,
        _ => NELDER_MEAD_WITHIN_SE,
    }
}

#[test]
fn warm_start_changes_the_cost_not_the_answer() {
    let n = 100_000;
    let normal_data = normal_sample(5.0, 2.0, n, 7);
    let exp_data = exponential_sample(1.0, n, 8);
    let normal = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 5.0 + 3.0 * 2.0)
        .positive("sigma", 6.0)
        .build()
        .unwrap();
    let exponential = Model::builder(|x: &f64, p: &[f64]| exponential_ln_pdf(*x, p[0]))
        .positive("rate", 5.0)
        .build()
        .unwrap();
    for method in METHODS {
        let cases = [
            (
                normal.fit_with(&normal_data, &FitOptions::new(method)),
                normal.fit_with(
                    &normal_data,
                    &FitOptions::builder(method)
                        .warm_start(false)
                        .build()
                        .unwrap(),
                ),
                ClosedForm::normal(&normal_data).unwrap(),
            ),
            (
                exponential.fit_with(&exp_data, &FitOptions::new(method)),
                exponential.fit_with(
                    &exp_data,
                    &FitOptions::builder(method)
                        .warm_start(false)
                        .build()
                        .unwrap(),
                ),
                ClosedForm::exponential(&exp_data).unwrap(),
            ),
        ];
        for (warm, cold, exact) in cases {
            let (warm, cold) = (warm.unwrap(), cold.unwrap());
            assert!(warm.converged() && cold.converged(), "{warm}\n{cold}");
            for fit in [&warm, &cold] {
                let off = exact.compare(fit).unwrap().max_in_std_errors();
                assert!(off <= within(method), "{method}: {off} SE off\n{fit}");
            }
            // 1/16 of the data in blocks of 256, then the whole of it.
            let stages = warm.warm_stages();
            assert_eq!(stages.len(), 1, "{stages:?}");
            assert_eq!(stages[0].observations(), 24 * 256 + 256);
            assert!(stages[0].converged());
            assert!(cold.warm_stages().is_empty());
            assert!(
                warm.data_passes() < cold.data_passes(),
                "{method}: {} passes warm, {} cold",
                warm.data_passes(),
                cold.data_passes()
            );
        }
    }
}

#[test]
fn small_data_is_fitted_without_a_warm_start() {
    let data = normal_sample(0.0, 1.0, 32_767, 3);
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 1.0)
        .positive("sigma", 2.0)
        .build()
        .unwrap();
    let fit = model.fit(&data, Method::Lbfgs).unwrap();
    assert!(fit.warm_stages().is_empty());
    assert_eq!(fit.data_passes(), fit.nll_passes() as f64);
}

/// A regression on a dummy that is 1 only where the subsamples never look (observations 300 to
/// 399 of every 4096): the subsample says nothing about its coefficient, and the fit to all the
/// data must still find the least-squares answer.
#[test]
fn a_parameter_the_subsample_cannot_see_is_still_fitted() {
    let n = 40_000;
    let noise = normal_sample(0.0, 1.0, n, 11);
    let data: Vec<(f64, f64)> = noise
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let d = if (300..400).contains(&(i % 4096)) {
                1.0
            } else {
                0.0
            };
            (d, 2.0 + 3.0 * d + e)
        })
        .collect();
    // Least squares, the Gaussian MLE: a is the mean where d = 0, a + b where d = 1.
    let mean = |flag: f64| {
        let ys: Vec<f64> = data.iter().filter(|o| o.0 == flag).map(|o| o.1).collect();
        (ys.iter().sum::<f64>() / ys.len() as f64, ys.len() as f64)
    };
    let ((m0, n0), (m1, n1)) = (mean(0.0), mean(1.0));
    let (a, b) = (m0, m1 - m0);
    let rss: f64 = data
        .iter()
        .map(|(d, y)| (y - a - b * d).powi(2))
        .sum::<f64>();
    let sigma = (rss / n as f64).sqrt();
    let (se_a, se_b) = (sigma / n0.sqrt(), sigma * (1.0 / n0 + 1.0 / n1).sqrt());
    let model =
        Model::builder(|o: &(f64, f64), p: &[f64]| normal_ln_pdf(o.1, p[0] + p[1] * o.0, p[2]))
            .param("a", 0.0)
            .param("b", -5.0)
            .positive("sigma", 3.0)
            .build()
            .unwrap();
    for method in METHODS {
        let fit = model.fit(&data, method).unwrap();
        assert!(fit.converged(), "{method}: {fit}");
        assert!(!fit.warm_stages().is_empty());
        let tol = within(method);
        assert!(
            (fit.estimate("a").unwrap() - a).abs() <= tol * se_a,
            "{method}: {fit}"
        );
        assert!(
            (fit.estimate("b").unwrap() - b).abs() <= tol * se_b,
            "{method}: {fit}"
        );
        let se_sigma = sigma / (2.0 * n as f64).sqrt();
        assert!(
            (fit.estimate("sigma").unwrap() - sigma).abs() <= tol * se_sigma,
            "{method}: {fit}"
        );
    }
}

/// A non-finite observation is named whether or not the subsamples contain it.
#[test]
fn bad_data_outside_the_subsample_is_still_named() {
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    // Observation 100 is in the first block of the subsample, 5000 is not.
    for index in [100, 5_000] {
        let mut data = normal_sample(0.0, 1.0, 40_000, 5);
        data[index] = f64::NAN;
        for method in METHODS {
            let err = model.fit(&data, method).unwrap_err();
            assert!(
                matches!(err, Error::Evaluation(maxlik::EvaluationFailure::NonFiniteLogDensity { index: i, .. }) if i == index),
                "{index} {method}: {err}"
            );
        }
    }
}

/// Strongly correlated coefficients (x2 is x1 plus a little noise: their estimates correlate at
/// about −0.999): after the warm start L-BFGS works in coordinates whitened by the last stage's
/// Hessian, and both methods must land on the least-squares answer.
#[test]
fn correlated_coefficients_reach_the_least_squares_answer() {
    use nalgebra::{DMatrix, DVector};

    let n = 50_000;
    let noise = normal_sample(0.0, 1.0, 2 * n, 21);
    let data: Vec<(f64, [f64; 2])> = (0..n)
        .map(|i| {
            let x1 = (i % 1000) as f64 / 100.0;
            let x2 = x1 + 0.05 * noise[n + i];
            (1.0 + 2.0 * x1 - x2 + 0.5 * noise[i], [x1, x2])
        })
        .collect();
    // The normal equations.
    let x = DMatrix::from_fn(n, 3, |i, j| if j == 0 { 1.0 } else { data[i].1[j - 1] });
    let y = DVector::from_iterator(n, data.iter().map(|o| o.0));
    let xtx = x.transpose() * &x;
    let beta = xtx.clone().cholesky().unwrap().solve(&(x.transpose() * &y));
    let rss = (&y - &x * &beta).norm_squared();
    let sigma = (rss / n as f64).sqrt();
    let cov = xtx.try_inverse().unwrap() * sigma * sigma;
    let model = Model::builder(|o: &(f64, [f64; 2]), p: &[f64]| {
        normal_ln_pdf(o.0, p[0] + p[1] * o.1[0] + p[2] * o.1[1], p[3])
    })
    .param("b0", 0.0)
    .param("b1", 0.0)
    .param("b2", 0.0)
    .positive("sigma", 1.0)
    .build()
    .unwrap();
    for method in METHODS {
        let fit = model.fit(&data, method).unwrap();
        assert!(fit.converged(), "{method}: {fit}");
        assert!(!fit.warm_stages().is_empty());
        for k in 0..3 {
            let off = (fit.estimates()[k] - beta[k]).abs() / cov[(k, k)].sqrt();
            assert!(
                off <= within(method),
                "{method} b{k}: {off:.1e} SE off\n{fit}"
            );
        }
        let se_sigma = sigma / (2.0 * n as f64).sqrt();
        let off = (fit.estimate("sigma").unwrap() - sigma).abs() / se_sigma;
        assert!(
            off <= within(method),
            "{method} sigma: {off:.1e} SE off\n{fit}"
        );
    }
}

/// `data_passes` is what the data saw: every call of the log-density, counted, divided by n.
#[test]
fn data_passes_count_every_log_density_call() {
    use std::sync::atomic::{AtomicU64, Ordering};

    let calls = AtomicU64::new(0);
    let n = 70_000;
    let data = exponential_sample(2.0, n, 31);
    let model = Model::builder(|x: &f64, p: &[f64]| {
        calls.fetch_add(1, Ordering::Relaxed);
        exponential_ln_pdf(*x, p[0])
    })
    .positive("rate", 9.0)
    .build()
    .unwrap();
    for method in METHODS {
        calls.store(0, Ordering::Relaxed);
        let fit = model.fit(&data, method).unwrap();
        assert!(fit.converged(), "{method}: {fit}");
        assert!(!fit.warm_stages().is_empty());
        let seen = calls.load(Ordering::Relaxed) as f64 / n as f64;
        assert!(
            (seen - fit.data_passes()).abs() < 1e-9,
            "{method}: {seen} passes seen, {} reported",
            fit.data_passes()
        );
    }
}
