//! A conditional model: Poisson regression with two covariates, the observation `(y, [x1, x2])`,
//! checked against an independent fit by iteratively reweighted least squares written here:
//! estimates, and standard errors from the Fisher information (XᵀWX)⁻¹.

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal, Poisson, Uniform};
use statrs::function::gamma::ln_gamma;

use maxlik::{Error, FitOptions, Method, Model};

/// Agreement with IRLS demanded by issue 2, absolute on coefficients of order one.
const IRLS_AGREEMENT: f64 = 1e-6;
/// Standard errors must match the analytic ones to this relative error (issue 3).
const SE_RELATIVE: f64 = 1e-6;
const TRUE_BETA: [f64; 3] = [0.5, -0.3, 0.8];

type Obs = (f64, [f64; 2]);

fn simulate(n: usize, seed: u64) -> Vec<Obs> {
    let mut rng = StdRng::seed_from_u64(seed);
    let x1 = Normal::new(0.0, 1.0).unwrap();
    let x2 = Uniform::new(0.0, 2.0).unwrap();
    (0..n)
        .map(|_| {
            let x = [x1.sample(&mut rng), x2.sample(&mut rng)];
            let eta = TRUE_BETA[0] + TRUE_BETA[1] * x[0] + TRUE_BETA[2] * x[1];
            let y: f64 = Poisson::new(eta.exp()).unwrap().sample(&mut rng);
            (y, x)
        })
        .collect()
}

fn eta(x: &[f64; 2], b: &[f64]) -> f64 {
    b[0] + b[1] * x[0] + b[2] * x[1]
}

fn ln_pmf(obs: &Obs, b: &[f64]) -> f64 {
    let e = eta(&obs.1, b);
    obs.0 * e - e.exp() - ln_gamma(obs.0 + 1.0)
}

fn score(obs: &Obs, b: &[f64], g: &mut [f64]) {
    let r = obs.0 - eta(&obs.1, b).exp();
    g[0] = r;
    g[1] = r * obs.1[0];
    g[2] = r * obs.1[1];
}

/// Newton's method on the Poisson log-likelihood (IRLS with the canonical link): returns the
/// estimates and their standard errors from (XᵀWX)⁻¹.
fn irls(data: &[Obs]) -> (Vec<f64>, Vec<f64>) {
    let n = data.len();
    let x = DMatrix::from_fn(n, 3, |i, j| match j {
        0 => 1.0,
        _ => data[i].1[j - 1],
    });
    let y = DVector::from_iterator(n, data.iter().map(|o| o.0));
    let mut beta = DVector::zeros(3);
    let mut information = DMatrix::zeros(3, 3);
    for _ in 0..100 {
        let mu = (&x * &beta).map(f64::exp);
        let xw = DMatrix::from_fn(n, 3, |i, j| x[(i, j)] * mu[i]);
        information = x.transpose() * xw;
        let step = information
            .clone()
            .cholesky()
            .expect("positive definite")
            .solve(&(x.transpose() * (&y - &mu)));
        beta += &step;
        if step.amax() < 1e-15 {
            break;
        }
    }
    let cov = information.try_inverse().expect("invertible");
    let se = (0..3).map(|i| cov[(i, i)].sqrt()).collect();
    (beta.iter().copied().collect(), se)
}

#[test]
fn poisson_regression_matches_irls() {
    for seed in [11, 12] {
        let data = simulate(2_000, seed);
        let (reference, se) = irls(&data);
        let model = Model::builder(ln_pmf)
            .param("b0", 0.0)
            .param("b1", 0.0)
            .param("b2", 0.0)
            .build()
            .unwrap();
        let with_score = Model::builder(ln_pmf)
            .param("b0", 0.0)
            .param("b1", 0.0)
            .param("b2", 0.0)
            .score(score)
            .build()
            .unwrap();
        for method in [Method::Lbfgs, Method::NelderMead] {
            let fits = [
                model.fit(&data, method).unwrap(),
                with_score.fit(&data, method).unwrap(),
            ];
            for fit in fits {
                assert!(fit.converged(), "seed {seed} {method}: {fit}");
                // Standard errors against (XᵀWX)⁻¹; with the score the Hessian is its central
                // difference, 2p score passes for each of the two Hessians.
                let ses: Vec<f64> = fit
                    .std_errors()
                    .unwrap()
                    .std_errors()
                    .into_iter()
                    .flatten()
                    .collect();
                for k in 0..3 {
                    let relative = (ses[k] / se[k] - 1.0).abs();
                    assert!(
                        relative <= SE_RELATIVE,
                        "seed {seed} {method} b{k}: SE {} vs IRLS {} ({relative:.1e})",
                        ses[k],
                        se[k]
                    );
                }
                if fit.score_passes() > 0 {
                    assert_eq!(fit.hessian_passes(), 2 * 2 * 3, "{fit}");
                }
                for k in 0..3 {
                    let diff = (fit.estimates()[k] - reference[k]).abs();
                    assert!(
                        diff <= IRLS_AGREEMENT,
                        "seed {seed} {method} b{k}: {} vs IRLS {} ({:.2e} SE)\n{fit}",
                        fit.estimates()[k],
                        reference[k],
                        diff / se[k]
                    );
                }
            }
        }
    }
}

#[test]
fn a_supplied_score_is_checked_against_finite_differences() {
    let data = simulate(500, 3);
    let good = Model::builder(ln_pmf)
        .param("b0", 0.2)
        .param("b1", 0.1)
        .param("b2", 0.4)
        .score(score)
        .build()
        .unwrap();
    let check = good.check_score(&data, &[0.2, 0.1, 0.4]).unwrap();
    assert!(check.agrees(), "{check}");

    // A score with the x2 term forgotten: only b2 disagrees.
    let wrong = Model::builder(ln_pmf)
        .param("b0", 0.2)
        .param("b1", 0.1)
        .param("b2", 0.4)
        .score(|obs: &Obs, b: &[f64], g: &mut [f64]| {
            score(obs, b, g);
            g[2] = obs.0 - eta(&obs.1, b).exp();
        })
        .build()
        .unwrap();
    let check = wrong.check_score(&data, &[0.2, 0.1, 0.4]).unwrap();
    assert_eq!(check.disagreements(), vec!["b2"], "{check}");
}

#[test]
fn a_score_that_is_not_finite_is_named() {
    let data = simulate(50, 4);
    let model = Model::builder(ln_pmf)
        .param("b0", 0.0)
        .param("b1", 0.0)
        .param("b2", 0.0)
        .score(|obs: &Obs, b: &[f64], g: &mut [f64]| {
            score(obs, b, g);
            if obs.0 > 3.0 {
                g[0] = f64::NAN;
            }
        })
        .build()
        .unwrap();
    let first = data.iter().position(|o| o.0 > 3.0).unwrap();
    let err = model.check_score(&data, &[0.0, 0.0, 0.0]).unwrap_err();
    assert!(
        matches!(err, Error::Evaluation(maxlik::EvaluationFailure::NonFiniteScore { index, .. }) if index == first),
        "{err}"
    );
    let fit = model
        .fit_with(&data, &FitOptions::new(Method::Lbfgs))
        .unwrap();
    assert!(!fit.converged(), "{fit}");
}
