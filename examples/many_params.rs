//! Many parameters: a logistic regression with 40 coefficients on n = 20000 rows, written as a
//! user would (a closure over `(y, Vec<f64>)` rows, `ln σ(η)` by a stable `log1p(exp)`), fitted
//! by L-BFGS with standard errors from finite differences. Prints the time, the passes over the
//! data and where they went (issue 12's baseline and progress).
//!
//! Run it with `cargo run --release --example many_params [p] [n]`.

use std::time::Instant;

use maxlik::nalgebra::{DMatrix, DVector};
use maxlik::{FitOptions, Method, Model};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal, Uniform};

/// `ln σ(η) = −ln(1 + e^−η)`, without overflow.
fn ln_sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 {
        -(-eta).exp().ln_1p()
    } else {
        eta - eta.exp().ln_1p()
    }
}

/// The exact MLE and its standard errors by Newton's method on the analytic score and
/// information (what statsmodels' Logit does), to check the fit against.
fn newton(data: &[(f64, Vec<f64>)], p: usize) -> (Vec<f64>, Vec<f64>) {
    let mut b = DVector::zeros(p);
    let mut cov = DMatrix::identity(p, p);
    for _ in 0..50 {
        let mut g = DVector::zeros(p);
        let mut h = DMatrix::zeros(p, p);
        for (y, row) in data {
            let x = DVector::from_column_slice(row);
            let mu = 1.0 / (1.0 + (-x.dot(&b)).exp());
            g += &x * (y - mu);
            h += &x * x.transpose() * (mu * (1.0 - mu));
        }
        let Some(chol) = h.clone().cholesky() else {
            break;
        };
        let step = chol.solve(&g);
        b += &step;
        cov = chol.inverse();
        if step.amax() < 1e-14 {
            break;
        }
    }
    let se = (0..p).map(|j| cov[(j, j)].sqrt()).collect();
    (b.iter().copied().collect(), se)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let p: usize = std::env::args().nth(1).map_or(Ok(40), |s| s.parse())?;
    let n: usize = std::env::args().nth(2).map_or(Ok(20_000), |s| s.parse())?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let x = Normal::new(0.0, 1.0)?;
    let u = Uniform::new(0.0, 1.0)?;
    let beta: Vec<f64> = (0..p).map(|j| 0.5 * ((j as f64) * 0.7).sin()).collect();
    let data: Vec<(f64, Vec<f64>)> = (0..n)
        .map(|_| {
            let mut row: Vec<f64> = (0..p).map(|_| x.sample(&mut rng)).collect();
            row[0] = 1.0;
            let eta: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let y = if u.sample(&mut rng) < 1.0 / (1.0 + (-eta).exp()) {
                1.0
            } else {
                0.0
            };
            (y, row)
        })
        .collect();
    let mut builder = Model::builder(|obs: &(f64, Vec<f64>), b: &[f64]| {
        let eta: f64 = obs.1.iter().zip(b).map(|(a, b)| a * b).sum();
        if obs.0 > 0.5 {
            ln_sigmoid(eta)
        } else {
            ln_sigmoid(-eta)
        }
    });
    for j in 0..p {
        builder = builder.param(&format!("b{j}"), 0.0);
    }
    let model = builder.build()?;
    let options = FitOptions::new(Method::Lbfgs);
    let _ = model.fit_with(&data[..n.min(2000)], &options)?; // warm the thread pool
    let t = Instant::now();
    let fit = model.fit_with(&data, &options)?;
    let secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (mle, exact_se) = newton(&data, p);
    let newton_secs = t.elapsed().as_secs_f64();
    let se: Vec<f64> = fit
        .std_errors()
        .map(|i| {
            i.std_errors()
                .into_iter()
                .map(|s| s.unwrap_or(f64::NAN))
                .collect()
        })
        .unwrap_or_else(|_| vec![f64::NAN; p]);
    let off = fit
        .estimates()
        .iter()
        .zip(&mle)
        .zip(&exact_se)
        .map(|((e, m), s)| (e - m).abs() / s)
        .fold(0.0, f64::max);
    let se_err = se
        .iter()
        .zip(&exact_se)
        .map(|(a, b)| (a - b).abs() / b)
        .fold(0.0, f64::max);
    println!(
        "logistic p = {p}, n = {n}: {secs:.2} s, {} iterations, {} NLL passes ({} for the standard errors), verdict {}",
        fit.iterations(),
        fit.nll_passes(),
        fit.hessian_passes(),
        fit.trust()
    );
    println!(
        "against Newton on the analytic score ({newton_secs:.2} s): estimates within {off:.1e} SE, standard errors within {se_err:.1e} (relative)"
    );
    Ok(())
}
