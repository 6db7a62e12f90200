//! A conditional model: Poisson regression of counts on two covariates. Each observation is
//! `(y, [x1, x2])` and the log-density is that of y given the covariates.
//!
//! Run it with `cargo run --release --example poisson_regression`.

use maxlik::{Method, Model};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal, Poisson, Uniform};
use statrs::function::gamma::ln_gamma;

type Obs = (f64, [f64; 2]);

fn linear_predictor(x: &[f64; 2], b: &[f64]) -> f64 {
    b[0] + b[1] * x[0] + b[2] * x[1]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Simulate 5000 counts with log E[y | x] = 0.5 − 0.3·x1 + 0.8·x2.
    let truth = [0.5, -0.3, 0.8];
    let mut rng = StdRng::seed_from_u64(2024);
    let (x1, x2) = (Normal::new(0.0, 1.0)?, Uniform::new(0.0, 2.0)?);
    let mut data: Vec<Obs> = Vec::with_capacity(5000);
    for _ in 0..5000 {
        let x = [x1.sample(&mut rng), x2.sample(&mut rng)];
        let y = Poisson::new(linear_predictor(&x, &truth).exp())?.sample(&mut rng);
        data.push((y, x));
    }

    // ln P(y | x, b) = y·η − exp(η) − ln(y!), η = b0 + b1·x1 + b2·x2.
    let ln_pmf = |obs: &Obs, b: &[f64]| {
        let eta = linear_predictor(&obs.1, b);
        obs.0 * eta - eta.exp() - ln_gamma(obs.0 + 1.0)
    };
    let model = Model::builder(ln_pmf)
        .param("b0", 0.0)
        .param("b1", 0.0)
        .param("b2", 0.0)
        .build()?;
    let fit = model.fit(&data, Method::Lbfgs)?.require_trusted()?;
    println!("{fit}\n");

    // The same model with its score, Σ (y − exp η)·(1, x1, x2), checked and then used.
    let with_score = Model::builder(ln_pmf)
        .param("b0", 0.0)
        .param("b1", 0.0)
        .param("b2", 0.0)
        .score(|obs: &Obs, b: &[f64], g: &mut [f64]| {
            let r = obs.0 - linear_predictor(&obs.1, b).exp();
            g[0] = r;
            g[1] = r * obs.1[0];
            g[2] = r * obs.1[1];
        })
        .build()?;
    println!(
        "score check at the start:\n{}",
        with_score.check_score(&data, &[0.0; 3])?
    );
    let fast = with_score.fit(&data, Method::Lbfgs)?.require_trusted()?;
    println!(
        "with the score: {} NLL evaluations and {} score passes (finite differences: {} NLL evaluations)",
        fast.nll_passes(),
        fast.score_passes(),
        fit.nll_passes()
    );
    for (k, name) in ["b0", "b1", "b2"].iter().enumerate() {
        println!(
            "{name}: true {:>5}, estimate {:.6}, with score {:.6}",
            truth[k],
            fit.estimate(name)?,
            fast.estimate(name)?
        );
    }
    Ok(())
}
