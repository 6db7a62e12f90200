//! Many parameters: a logistic regression with 40 coefficients (or with `--poisson` a Poisson
//! regression with 30) on n = 20000 rows, written as a user would (a closure over
//! `(y, Vec<f64>)` rows, `ln σ(η)` by a stable `log1p(exp)`), fitted by L-BFGS with standard
//! errors from finite differences, and again with exact derivatives (`Model::exact`). Prints
//! the time, the passes over the data, and the errors against Newton's method on the analytic
//! score and information.
//!
//! Run it with `cargo run --release --example many_params [p] [n] [--poisson] [--peers]`;
//! with `--peers`
//! it writes the data to `target/many_params.csv` and times statsmodels' Logit and scipy's
//! L-BFGS-B on it in the same run (`benches/peers/glm.py`, needs python3 with numpy,
//! scipy and statsmodels).

use std::io::Write;
use std::time::Instant;

use maxlik::nalgebra::{DMatrix, DVector};
use maxlik::{Differentiable, Fit, FitOptions, Method, Model, Number};
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

/// The same log-density, generic over the number type: exact derivatives by automatic
/// differentiation.
struct Glm {
    poisson: bool,
}

impl Differentiable<(f64, Vec<f64>)> for Glm {
    fn ln_density<D: Number>(&self, obs: &(f64, Vec<f64>), b: &[D]) -> D {
        let eta = obs
            .1
            .iter()
            .zip(b)
            .fold(D::from(0.0), |s, (x, b)| s + b.clone() * *x);
        if self.poisson {
            // y η − e^η − ln y!
            return eta.clone() * obs.0 - eta.exp() - ln_factorial(obs.0);
        }
        let eta = if obs.0 > 0.5 { eta } else { -eta };
        // ln σ(η) = −ln(1 + e^−η), without overflow.
        if eta.re() >= 0.0 {
            -(-eta).exp().ln_1p()
        } else {
            eta.clone() - eta.exp().ln_1p()
        }
    }
}

/// `ln y!` for a count `y`.
fn ln_factorial(y: f64) -> f64 {
    (2..=y as u64).map(|k| (k as f64).ln()).sum()
}

/// The largest error of the estimates (in standard errors) and of the standard errors
/// (relative) against Newton's.
fn errors(fit: &Fit, mle: &[f64], exact_se: &[f64]) -> (f64, f64) {
    let p = mle.len();
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
        .zip(mle)
        .zip(exact_se)
        .map(|((e, m), s)| (e - m).abs() / s)
        .fold(0.0, f64::max);
    let se_err = se
        .iter()
        .zip(exact_se)
        .map(|(a, b)| (a - b).abs() / b)
        .fold(0.0, f64::max);
    (off, se_err)
}

/// The exact MLE and its standard errors by Newton's method on the analytic score and
/// information (what statsmodels' Logit and Poisson do), to check the fit against.
fn newton(data: &[(f64, Vec<f64>)], p: usize, poisson: bool) -> (Vec<f64>, Vec<f64>) {
    let mut b = DVector::zeros(p);
    let mut cov = DMatrix::identity(p, p);
    for _ in 0..50 {
        let mut g = DVector::zeros(p);
        let mut h = DMatrix::zeros(p, p);
        for (y, row) in data {
            let x = DVector::from_column_slice(row);
            let (mu, weight) = if poisson {
                let mu = x.dot(&b).exp();
                (mu, mu)
            } else {
                let mu = 1.0 / (1.0 + (-x.dot(&b)).exp());
                (mu, mu * (1.0 - mu))
            };
            g += &x * (y - mu);
            h += &x * x.transpose() * weight;
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let peers = args.iter().any(|a| a == "--peers");
    let poisson = args.iter().any(|a| a == "--poisson");
    let kind = if poisson { "poisson" } else { "logistic" };
    let numbers: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let p: usize = numbers
        .first()
        .map_or(Ok(if poisson { 30 } else { 40 }), |s| s.parse())?;
    let n: usize = numbers.get(1).map_or(Ok(20_000), |s| s.parse())?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let x = Normal::new(0.0, 1.0)?;
    let u = Uniform::new(0.0, 1.0)?;
    // Poisson means of order e^(±1): coefficients smaller than the logistic's.
    let size = if poisson { 0.15 } else { 0.5 };
    let beta: Vec<f64> = (0..p).map(|j| size * ((j as f64) * 0.7).sin()).collect();
    let data: Vec<(f64, Vec<f64>)> = (0..n)
        .map(|_| {
            let mut row: Vec<f64> = (0..p).map(|_| x.sample(&mut rng)).collect();
            row[0] = 1.0;
            let eta: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let y = if poisson {
                // Inversion of the Poisson CDF.
                let (mu, v) = (eta.exp(), u.sample(&mut rng));
                let (mut k, mut pk) = (0.0, (-mu).exp());
                let mut cdf = pk;
                while v > cdf && k < 1e4 {
                    k += 1.0;
                    pk *= mu / k;
                    cdf += pk;
                }
                k
            } else if u.sample(&mut rng) < 1.0 / (1.0 + (-eta).exp()) {
                1.0
            } else {
                0.0
            };
            (y, row)
        })
        .collect();
    let mut builder = Model::builder(move |obs: &(f64, Vec<f64>), b: &[f64]| {
        let eta: f64 = obs.1.iter().zip(b).map(|(a, b)| a * b).sum();
        if poisson {
            obs.0 * eta - eta.exp() - ln_factorial(obs.0)
        } else if obs.0 > 0.5 {
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
    let fd_secs = secs;
    let t = Instant::now();
    let (mle, exact_se) = newton(&data, p, poisson);
    let newton_secs = t.elapsed().as_secs_f64();
    let (off, se_err) = errors(&fit, &mle, &exact_se);
    println!(
        "{kind} p = {p}, n = {n}: {secs:.2} s, {} iterations, {} NLL passes ({} for the standard errors), verdict {}",
        fit.iterations(),
        fit.nll_passes(),
        fit.hessian_passes(),
        fit.trust()
    );
    println!(
        "against Newton on the analytic score ({newton_secs:.2} s): estimates within {off:.1e} SE, standard errors within {se_err:.1e} (relative)"
    );
    let mut builder = Model::exact(Glm { poisson });
    for j in 0..p {
        builder = builder.param(&format!("b{j}"), 0.0);
    }
    let exact = builder.build()?;
    let _ = exact.fit_with(&data[..n.min(2000)], &options)?;
    let t = Instant::now();
    let fit = exact.fit_with(&data, &options)?;
    let secs = t.elapsed().as_secs_f64();
    let exact_secs = secs;
    let (off, se_err) = errors(&fit, &mle, &exact_se);
    println!(
        "exact derivatives (Model::exact): {secs:.3} s, {} iterations, {} NLL passes, {} score/Hessian passes, verdict {}",
        fit.iterations(),
        fit.nll_passes(),
        fit.score_passes(),
        fit.trust()
    );
    println!(
        "  against Newton: estimates within {off:.1e} SE, standard errors within {se_err:.1e} (relative)"
    );
    if peers {
        let path = format!("{}/target/many_params.csv", env!("CARGO_MANIFEST_DIR"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for (y, row) in &data {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:e}")).collect();
            writeln!(out, "{y},{}", cells.join(","))?;
        }
        out.flush()?;
        let script = format!("{}/benches/peers/glm.py", env!("CARGO_MANIFEST_DIR"));
        let output = std::process::Command::new("python3")
            .args([&script, &path, kind])
            .output()?;
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
        }
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let cells: Vec<&str> = line.split_whitespace().collect();
            if let [name, secs, evals] = cells[..] {
                let secs: f64 = secs.parse()?;
                println!(
                    "peer {name}: {secs:.3} s, {evals} NLL evaluations; maxlik exact/peer {:.2}, finite differences/peer {:.2}",
                    exact_secs / secs,
                    fd_secs / secs
                );
            }
        }
    }
    Ok(())
}
