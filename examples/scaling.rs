//! How maxlik scales: fit time against n (Normal, 1e3 to 1e7, with the log-log slope), and
//! evaluations against the number of parameters (a Gaussian linear regression with 2 to 100
//! coefficients) for each finite-difference scheme, with a supplied score, and with exact
//! derivatives by automatic differentiation. With `--large`, a fit on 1e8 observations
//! (0.8 GB of f64).
//!
//! Run it with `cargo run --release --example scaling [-- --large]`.

use std::time::Instant;

use maxlik::{Difference, Differentiable, FitOptions, Method, Model, Number};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal, StandardNormal};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// The Gaussian linear regression with `p` coefficients and σ last, generic over the number
/// type: exact derivatives by automatic differentiation.
struct Regression {
    p: usize,
}

impl Differentiable<(f64, Vec<f64>)> for Regression {
    fn ln_density<D: Number>(&self, obs: &(f64, Vec<f64>), q: &[D]) -> D {
        let sigma = q[self.p].clone();
        let mean = obs
            .1
            .iter()
            .zip(q)
            .fold(D::from(0.0), |s, (x, b)| s + b.clone() * *x);
        let z = (-mean + obs.0) / sigma.clone();
        -(z.clone() * z) * 0.5 - sigma.ln() - LN_SQRT_2PI
    }
}

/// Median wall time of `reps` runs of `f`, in seconds.
fn median_seconds(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A closure, as a user would write it.
    let model = Model::builder(|x: &f64, p: &[f64]| {
        let z = (x - p[0]) / p[1];
        -0.5 * z * z - p[1].ln() - LN_SQRT_2PI
    })
    .param("mu", 11.0)
    .positive("sigma", 6.0)
    .build()?;
    println!(
        "Normal fit (L-BFGS, standard errors included) against n, {} threads:",
        rayon::current_num_threads()
    );
    println!(
        "{:>12} {:>12} {:>12} {:>12} {:>16}",
        "n", "evaluations", "data passes", "time (ms)", "ns per obs·pass"
    );
    let mut points = Vec::new();
    for n in [1_000usize, 10_000, 100_000, 1_000_000, 10_000_000] {
        let mut rng = StdRng::seed_from_u64(n as u64);
        let data: Vec<f64> = Normal::new(5.0, 2.0)?
            .sample_iter(&mut rng)
            .take(n)
            .collect();
        let fit = model.fit(&data, Method::Lbfgs)?;
        let reps = if n >= 1_000_000 { 3 } else { 9 };
        let t = median_seconds(reps, || {
            let _ = model.fit(&data, Method::Lbfgs);
        });
        println!(
            "{n:>12} {:>12} {:>12.2} {:>12.3} {:>16.3}",
            fit.nll_passes(),
            fit.data_passes(),
            1e3 * t,
            1e9 * t / (n as f64 * fit.data_passes())
        );
        points.push(((n as f64).ln(), t.ln()));
    }
    let slope = |pts: &[(f64, f64)]| {
        let k = pts.len() as f64;
        let (mx, my) = pts
            .iter()
            .fold((0.0, 0.0), |(a, b), p| (a + p.0 / k, b + p.1 / k));
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
        sxy / sxx
    };
    println!(
        "log-log slope of time against n: {:.3} over 1e3..1e7, {:.3} over 1e5..1e7",
        slope(&points),
        slope(&points[2..])
    );

    println!("\nGaussian linear regression, n = 2000: evaluations and time against coefficients");
    println!(
        "{:>4} {:>22} {:>22} {:>22} {:>28} {:>28}",
        "p", "adaptive", "central", "forward", "with a score", "exact (autodiff)"
    );
    for p in [2usize, 5, 10, 20, 50, 100] {
        let mut rng = StdRng::seed_from_u64(p as u64);
        let beta: Vec<f64> = (0..p).map(|j| 1.0 / (1.0 + j as f64)).collect();
        let data: Vec<(f64, Vec<f64>)> = (0..2000)
            .map(|_| {
                let x: Vec<f64> = (0..p)
                    .map(|j| {
                        if j == 0 {
                            1.0
                        } else {
                            StandardNormal.sample(&mut rng)
                        }
                    })
                    .collect();
                let mean: f64 = x.iter().zip(&beta).map(|(a, b)| a * b).sum();
                let e: f64 = StandardNormal.sample(&mut rng);
                (mean + 0.5 * e, x)
            })
            .collect();
        let density = move |obs: &(f64, Vec<f64>), q: &[f64]| {
            let sigma = q[p];
            let mean: f64 = obs.1.iter().zip(q).map(|(a, b)| a * b).sum();
            let z = (obs.0 - mean) / sigma;
            -0.5 * z * z - sigma.ln() - LN_SQRT_2PI
        };
        // The same model with its score: ∂/∂bⱼ = z xⱼ / σ, ∂/∂σ = (z² − 1) / σ.
        let score = move |obs: &(f64, Vec<f64>), q: &[f64], g: &mut [f64]| {
            let sigma = q[p];
            let mean: f64 = obs.1.iter().zip(q).map(|(a, b)| a * b).sum();
            let z = (obs.0 - mean) / sigma;
            for (gj, xj) in g.iter_mut().zip(&obs.1) {
                *gj = z * xj / sigma;
            }
            g[p] = (z * z - 1.0) / sigma;
        };
        let mut builder = Model::builder(density);
        let mut scored = Model::builder(density).score(score);
        for j in 0..p {
            builder = builder.param(&format!("b{j}"), 0.0);
            scored = scored.param(&format!("b{j}"), 0.0);
        }
        let mut exact = Model::exact(Regression { p });
        for j in 0..p {
            exact = exact.param(&format!("b{j}"), 0.0);
        }
        let model = builder.positive("sigma", 1.0).build()?;
        let scored = scored.positive("sigma", 1.0).build()?;
        let exact = exact.positive("sigma", 1.0).build()?;
        let mut cells = Vec::new();
        for d in [
            Difference::Adaptive,
            Difference::Central,
            Difference::Forward,
        ] {
            let options = FitOptions::builder(Method::Lbfgs).difference(d).build()?;
            let t = Instant::now();
            let fit = model.fit_with(&data, &options)?;
            let ms = 1e3 * t.elapsed().as_secs_f64();
            let mark = if fit.converged() { "" } else { " (not conv.)" };
            cells.push(format!("{} ev, {:.1} ms{mark}", fit.nll_passes(), ms));
        }
        let t = Instant::now();
        let fit = scored.fit(&data, Method::Lbfgs)?;
        let ms = 1e3 * t.elapsed().as_secs_f64();
        let mark = if fit.converged() { "" } else { " (not conv.)" };
        cells.push(format!(
            "{} ev + {} sc, {:.1} ms{mark}",
            fit.nll_passes(),
            fit.score_passes(),
            ms
        ));
        let t = Instant::now();
        let fit = exact.fit(&data, Method::Lbfgs)?;
        let ms = 1e3 * t.elapsed().as_secs_f64();
        let mark = if fit.converged() { "" } else { " (not conv.)" };
        cells.push(format!(
            "{} ev + {} sc/H, {:.1} ms{mark}",
            fit.nll_passes(),
            fit.score_passes(),
            ms
        ));
        println!(
            "{p:>4} {:>22} {:>22} {:>22} {:>28} {:>28}",
            cells[0], cells[1], cells[2], cells[3], cells[4]
        );
    }

    if std::env::args().any(|a| a == "--large") {
        let n = 100_000_000;
        let t = Instant::now();
        let mut rng = StdRng::seed_from_u64(8);
        let data: Vec<f64> = Normal::new(5.0, 2.0)?
            .sample_iter(&mut rng)
            .take(n)
            .collect();
        println!(
            "\n1e8 observations generated in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        let fit = model.fit(&data, Method::Lbfgs)?;
        println!(
            "fit on 1e8 observations: {:.2} s, {} evaluations on all the data, {:.2} data passes, converged {}, mu = {:.6}, sigma = {:.6}",
            fit.elapsed().as_secs_f64(),
            fit.nll_passes(),
            fit.data_passes(),
            fit.converged(),
            fit.estimate("mu").unwrap_or(f64::NAN),
            fit.estimate("sigma").unwrap_or(f64::NAN)
        );
    }
    Ok(())
}
