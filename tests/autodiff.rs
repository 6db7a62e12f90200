//! Exact derivatives by automatic differentiation (`Model::exact`): estimates and standard
//! errors against closed forms and against Newton's method on the analytic score and
//! information, through every kind of parameter space, and the same bits on any number of
//! threads.

#![cfg(feature = "autodiff")]

use maxlik::nalgebra::{DMatrix, DVector};
use maxlik::{Differentiable, Method, Model, Number, Trust};

/// Exact derivatives leave only rounding: standard errors agree with the analytic ones to
/// this (relative).
const EXACT: f64 = 1e-10;

/// The stationarity tolerance the exactness tests ask for (in standard errors), and how far
/// the estimates may then be from the MLE: with exact derivatives the fit can certify far
/// less than the default 1e-6.
const TOLERANCE: f64 = 1e-10;
const CLOSE: f64 = 1e-9;

fn fit_exactly<O: Sync, F: maxlik::LogDensity<O> + Sync, S: maxlik::Score<O> + Sync>(
    model: &Model<O, F, S>,
    data: &[O],
) -> maxlik::Fit {
    let options = maxlik::FitOptions::builder(Method::Lbfgs)
        .tolerance(TOLERANCE)
        .build()
        .unwrap();
    model.fit_with(data, &options).unwrap()
}

struct Normal;

impl Differentiable<f64> for Normal {
    fn ln_density<D: Number>(&self, x: &f64, p: &[D]) -> D {
        let z = (p[0].clone() - *x) / p[1].clone();
        -(z.clone() * z) * 0.5 - p[1].ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
    }
}

struct Exponential;

impl Differentiable<f64> for Exponential {
    fn ln_density<D: Number>(&self, x: &f64, p: &[D]) -> D {
        p[0].ln() - p[0].clone() * *x
    }
}

struct Bernoulli;

impl Differentiable<f64> for Bernoulli {
    fn ln_density<D: Number>(&self, y: &f64, p: &[D]) -> D {
        if *y > 0.5 {
            p[0].ln()
        } else {
            (-p[0].clone() + 1.0).ln()
        }
    }
}

/// A logistic regression, `ln σ(±η)` by a stable `log1p(exp)`.
struct Logistic;

impl Differentiable<(f64, Vec<f64>)> for Logistic {
    fn ln_density<D: Number>(&self, obs: &(f64, Vec<f64>), b: &[D]) -> D {
        let eta = obs
            .1
            .iter()
            .zip(b)
            .fold(D::from(0.0), |s, (x, b)| s + b.clone() * *x);
        let eta = if obs.0 > 0.5 { eta } else { -eta };
        if eta.re() >= 0.0 {
            -(-eta).exp().ln_1p()
        } else {
            eta.clone() - eta.exp().ln_1p()
        }
    }
}

/// A deterministic, irregular sequence in (0, 1) (the fractional parts of k·φ, scrambled).
fn uniform(k: usize) -> f64 {
    let v = (k as f64 * 0.618_033_988_749_894_9 + 0.1).fract();
    (v * 7919.0 + 0.37 * (k as f64).sin()).fract().abs()
}

fn normal_sample(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| {
            // Box-Muller on two of the sequence's values.
            let (u1, u2) = (uniform(2 * k).max(1e-12), uniform(2 * k + 1));
            3.0 + 2.0 * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        })
        .collect()
}

fn logistic_data(n: usize, beta: &[f64]) -> Vec<(f64, Vec<f64>)> {
    (0..n)
        .map(|k| {
            let mut row = vec![1.0];
            for j in 1..beta.len() {
                row.push(4.0 * uniform(k * beta.len() + j) - 2.0);
            }
            let eta: f64 = row.iter().zip(beta).map(|(x, b)| x * b).sum();
            let y = if uniform(1_000_003 + k) < 1.0 / (1.0 + (-eta).exp()) {
                1.0
            } else {
                0.0
            };
            (y, row)
        })
        .collect()
}

/// The MLE and its standard errors by Newton's method on the analytic score `X'(y − μ)` and
/// information `X'WX`: the reference, independent of maxlik.
fn newton(data: &[(f64, Vec<f64>)], p: usize) -> (Vec<f64>, Vec<f64>) {
    let mut b = DVector::zeros(p);
    let mut cov = DMatrix::identity(p, p);
    for _ in 0..100 {
        let mut g = DVector::zeros(p);
        let mut h = DMatrix::zeros(p, p);
        for (y, row) in data {
            let x = DVector::from_column_slice(row);
            let mu = 1.0 / (1.0 + (-x.dot(&b)).exp());
            g += &x * (y - mu);
            h += &x * x.transpose() * (mu * (1.0 - mu));
        }
        let chol = h.cholesky().unwrap();
        let step = chol.solve(&g);
        b += &step;
        cov = chol.inverse();
        if step.amax() < 1e-15 {
            break;
        }
    }
    (
        b.iter().copied().collect(),
        (0..p).map(|j| cov[(j, j)].sqrt()).collect(),
    )
}

fn std_errors(fit: &maxlik::Fit) -> Vec<f64> {
    fit.std_errors()
        .unwrap()
        .std_errors()
        .into_iter()
        .map(Option::unwrap)
        .collect()
}

#[test]
fn normal_matches_the_closed_form() {
    let data = normal_sample(500);
    let model = Model::exact(Normal)
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    let fit = fit_exactly(&model, &data);
    assert_eq!(fit.trust(), Trust::Trusted);
    let n = data.len() as f64;
    let mean = data.iter().sum::<f64>() / n;
    let sigma = (data.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let se = std_errors(&fit);
    // Observed information of the Normal at its MLE: SE(μ) = σ/√n, SE(σ) = σ/√(2n).
    let exact_se = [sigma / n.sqrt(), sigma / (2.0 * n).sqrt()];
    assert!((fit.estimates()[0] - mean).abs() <= CLOSE * exact_se[0]);
    assert!((fit.estimates()[1] - sigma).abs() <= CLOSE * exact_se[1]);
    for (s, e) in se.iter().zip(&exact_se) {
        assert!((s / e - 1.0).abs() <= EXACT, "{s} against {e}");
    }
}

#[test]
fn positive_and_interval_parameters_go_through_their_transforms_exactly() {
    // Exponential rate (a log coordinate): λ = 1/mean, SE = λ/√n.
    let data: Vec<f64> = (0..400).map(|k| -(1.0 - uniform(k)).ln() / 2.5).collect();
    let n = data.len() as f64;
    let lambda = n / data.iter().sum::<f64>();
    let model = Model::exact(Exponential)
        .positive("rate", 1.0)
        .build()
        .unwrap();
    let fit = fit_exactly(&model, &data);
    assert_eq!(fit.trust(), Trust::Trusted);
    let se = lambda / n.sqrt();
    assert!((fit.estimates()[0] - lambda).abs() <= CLOSE * se);
    assert!((std_errors(&fit)[0] / se - 1.0).abs() <= EXACT);

    // Bernoulli probability (a logit coordinate): p = mean, SE = √(p(1 − p)/n).
    let ys: Vec<f64> = (0..300)
        .map(|k| if uniform(k) < 0.3 { 1.0 } else { 0.0 })
        .collect();
    let n = ys.len() as f64;
    let p = ys.iter().sum::<f64>() / n;
    let model = Model::exact(Bernoulli)
        .interval("p", 0.5, 0.0, 1.0)
        .build()
        .unwrap();
    let fit = fit_exactly(&model, &ys);
    assert_eq!(fit.trust(), Trust::Trusted);
    let se = (p * (1.0 - p) / n).sqrt();
    assert!((fit.estimates()[0] - p).abs() <= CLOSE * se);
    assert!((std_errors(&fit)[0] / se - 1.0).abs() <= EXACT);
}

/// Six coefficients (dual numbers of a size fixed at compile time) and eleven (sized at run
/// time): both against Newton.
#[test]
fn logistic_regression_matches_newton_on_the_analytic_information() {
    check_logistic(&[0.3, -0.8, 0.5, 1.1, -0.4, 0.2], 1500);
    check_logistic(
        &[0.3, -0.8, 0.5, 1.1, -0.4, 0.2, 0.7, -0.1, 0.05, -0.6, 0.9],
        3000,
    );
}

fn check_logistic(beta: &[f64], n: usize) {
    let data = logistic_data(n, beta);
    let mut builder = Model::exact(Logistic);
    for j in 0..beta.len() {
        builder = builder.param(&format!("b{j}"), 0.0);
    }
    let model = builder.build().unwrap();
    let fit = fit_exactly(&model, &data);
    assert_eq!(fit.trust(), Trust::Trusted);
    let (mle, exact_se) = newton(&data, beta.len());
    for ((e, m), s) in fit.estimates().iter().zip(&mle).zip(&exact_se) {
        assert!((e - m).abs() <= CLOSE * s, "{e} against {m}");
    }
    for (s, e) in std_errors(&fit).iter().zip(&exact_se) {
        assert!((s / e - 1.0).abs() <= EXACT, "{s} against {e}");
    }
    // The exact score agrees with finite differences of the log-density.
    assert!(model.check_score(&data, fit.estimates()).unwrap().agrees());
    // Exact second derivatives: no Hessian of p² + p NLL evaluations.
    assert!(fit.nll_passes() < 50, "{} NLL passes", fit.nll_passes());
}

/// A fixed parameter is passed to the density and left out of the Hessian: with σ fixed at
/// s, SE(μ) = s/√n exactly.
#[test]
fn a_fixed_parameter_is_left_out_of_the_exact_hessian() {
    let data = normal_sample(200);
    let n = data.len() as f64;
    let model = Model::exact(Normal)
        .param("mu", 0.0)
        .fixed("sigma", 1.7)
        .build()
        .unwrap();
    let fit = fit_exactly(&model, &data);
    assert_eq!(fit.trust(), Trust::Trusted);
    let mean = data.iter().sum::<f64>() / n;
    assert!((fit.estimates()[0] - mean).abs() <= CLOSE * 1.7 / n.sqrt());
    let se = fit.std_error("mu").unwrap();
    assert!((se / (1.7 / n.sqrt()) - 1.0).abs() <= EXACT, "{se}");
}

#[test]
fn the_same_bits_on_one_and_three_threads() {
    // 40000 rows: the passes split over the threads.
    let data = logistic_data(40_000, &[0.2, -0.5, 0.7]);
    let fit_on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let model = Model::exact(Logistic)
                .param("b0", 0.0)
                .param("b1", 0.0)
                .param("b2", 0.0)
                .build()
                .unwrap();
            let fit = model.fit(&data, Method::Lbfgs).unwrap();
            let mut bits: Vec<u64> = fit.estimates().iter().map(|v| v.to_bits()).collect();
            bits.extend(std_errors(&fit).iter().map(|v| v.to_bits()));
            bits
        })
    };
    assert_eq!(fit_on(1), fit_on(3));
}

#[test]
fn a_non_finite_log_density_is_an_error_not_a_panic() {
    // ln(rate) at the start is fine, but a negative observation makes ln f(x) = ln λ − λx
    // finite while this density's log of x is not.
    struct LogOfData;
    impl Differentiable<f64> for LogOfData {
        fn ln_density<D: Number>(&self, x: &f64, p: &[D]) -> D {
            p[0].ln() - p[0].clone() * x.ln()
        }
    }
    let model = Model::exact(LogOfData).positive("a", 1.0).build().unwrap();
    assert!(model.fit(&[1.0, 2.0, -1.0], Method::Lbfgs).is_err());
}

/// The rest of the library works on an exact model as on any other: a profile interval (the
/// Normal mean's closed form, mean ± σ̂ √(exp(c/n) − 1)), robust standard errors (the Normal
/// mean's sandwich variance is Σ(x − x̄)²/n², its observed-information one), several starts,
/// and Nelder-Mead.
#[test]
fn profiles_robust_errors_multistart_and_nelder_mead_work_on_an_exact_model() {
    let data = normal_sample(300);
    let n = data.len() as f64;
    let mean = data.iter().sum::<f64>() / n;
    let sigma = (data.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let se_mu = sigma / n.sqrt();
    let model = Model::exact(Normal)
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    let fit = model.fit(&data, Method::Lbfgs).unwrap();

    let c: f64 = 1.959_963_984_540_054_f64.powi(2);
    let half = sigma * ((c / n).exp() - 1.0).sqrt();
    let interval = model.profile(&data, &fit, "mu", 0.95).unwrap();
    let (maxlik::Limit::Crossing(lo), maxlik::Limit::Crossing(hi)) =
        (interval.lower(), interval.upper())
    else {
        panic!("{interval}");
    };
    assert!((lo - (mean - half)).abs() <= 1e-6 * se_mu, "{lo}");
    assert!((hi - (mean + half)).abs() <= 1e-6 * se_mu, "{hi}");

    let options = maxlik::FitOptions::builder(Method::Lbfgs)
        .se_kind(maxlik::SeKind::Robust)
        .build()
        .unwrap();
    let robust = model.fit_with(&data, &options).unwrap();
    // For the mean the sandwich equals σ̂²/n at the MLE (the score's variance and the
    // information agree in the μ direction, and the cross terms vanish there).
    let robust_mu = std_errors(&robust)[0];
    let sandwich_mu = {
        // Independent sandwich: A⁻¹ B A⁻¹ with A, B from the analytic per-observation scores.
        let s2 = sigma * sigma;
        let scores: Vec<[f64; 2]> = data
            .iter()
            .map(|x| {
                let z = (x - mean) / sigma;
                [z / sigma, (z * z - 1.0) / sigma]
            })
            .collect();
        let mut b = DMatrix::zeros(2, 2);
        for s in &scores {
            let v = DVector::from_column_slice(s);
            b += &v * v.transpose();
        }
        let a = DMatrix::from_row_slice(2, 2, &[n / s2, 0.0, 0.0, 2.0 * n / s2]);
        let a_inv = a.try_inverse().unwrap();
        (a_inv.clone() * b * a_inv)[(0, 0)].sqrt()
    };
    assert!(
        (robust_mu / sandwich_mu - 1.0).abs() <= 1e-8,
        "{robust_mu} against {sandwich_mu}"
    );

    let options = maxlik::FitOptions::builder(Method::Lbfgs)
        .starts(4)
        .build()
        .unwrap();
    let multi = model.fit_with(&data, &options).unwrap();
    assert_eq!(multi.trust(), Trust::Trusted);
    assert!((multi.estimates()[0] - mean).abs() <= maxlik::LBFGS_TOLERANCE * se_mu);

    let nm = model.fit(&data, Method::NelderMead).unwrap();
    assert!(nm.converged());
    assert!((nm.estimates()[0] - mean).abs() <= maxlik::NELDER_MEAD_TOLERANCE * se_mu);
}
