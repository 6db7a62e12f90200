//! Inference you can trust: standard errors and their covariance, Wald against profile
//! intervals, a likelihood-ratio test with AIC and BIC, and the certificate catching a model
//! whose parameters the data cannot tell apart.
//!
//! Run it with `cargo run --release --example inference`.

use maxlik::{Method, Model};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Gamma};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Skewed data (Gamma(2, 1.5)), n = 60: where Wald and profile intervals part ways.
    let mut rng = StdRng::seed_from_u64(11);
    let data: Vec<f64> = Gamma::new(2.0, 1.5)?
        .sample_iter(&mut rng)
        .take(60)
        .collect();

    // Exponential (one parameter) against Gamma (shape, scale): nested at shape = 1.
    let gamma_ln_pdf = |x: &f64, p: &[f64]| {
        let (k, theta) = (p[0], p[1]);
        (k - 1.0) * x.ln() - x / theta - k * theta.ln() - statrs::function::gamma::ln_gamma(k)
    };
    let gamma = Model::builder(gamma_ln_pdf)
        .positive("shape", 1.0)
        .positive("scale", 1.0)
        .build()?;
    let exponential = Model::builder(gamma_ln_pdf)
        .fixed("shape", 1.0)
        .positive("scale", 1.0)
        .build()?;
    let full = gamma.fit(&data, Method::Lbfgs)?;
    let restricted = exponential.fit(&data, Method::Lbfgs)?;

    // Standard errors, covariance and correlation come with every fit.
    let inference = full.std_errors().map_err(|why| why.to_string())?;
    println!(
        "correlation of (shape, scale):\n{}",
        inference.correlation()
    );

    // The profile intervals respect the parameters' spaces and the likelihood's asymmetry.
    let shape = gamma.profile(&data, &full, "shape", 0.95)?;
    let scale = gamma.profile(&data, &full, "scale", 0.95)?;
    println!(
        "{}",
        full.summary().with_profile(&shape).with_profile(&scale)
    );
    println!(
        "profiles cost {} and {} NLL passes; the Hessian {}",
        shape.nll_passes(),
        scale.nll_passes(),
        full.hessian_passes()
    );

    // Is the extra shape parameter worth it?
    let test = gamma.likelihood_ratio_test(&data, &restricted, &full)?;
    println!("\nExponential (shape = 1) against Gamma: {test}");
    println!(
        "AIC {:.2} vs {:.2}, BIC {:.2} vs {:.2} (smaller is better)",
        restricted.aic(),
        full.aic(),
        restricted.bic(),
        full.bic()
    );

    // 2. A model the data cannot identify: the mean is a + b, so only the sum is determined.
    let normal = Model::builder(|x: &f64, p: &[f64]| {
        let z = (x - (p[0] + p[1])) / p[2];
        -0.5 * z * z - p[2].ln() - LN_SQRT_2PI
    })
    .param("a", 0.0)
    .param("b", 0.0)
    .positive("sigma", 1.0)
    .build()?;
    let unidentified = normal.fit(&data, Method::Lbfgs)?;
    println!("\nA model with a flat direction:\n{unidentified}");
    Ok(())
}
