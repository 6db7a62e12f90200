//! Helpers shared by the integration tests: simulated data and the log-densities under test.

#![allow(dead_code)]

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp, Normal};

/// `ln √(2π)`.
pub const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// The Normal log-density, written out.
pub fn normal_ln_pdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x - mu) / sigma;
    -0.5 * z * z - sigma.ln() - LN_SQRT_2PI
}

/// The Exponential log-density with a rate.
pub fn exponential_ln_pdf(x: f64, rate: f64) -> f64 {
    rate.ln() - rate * x
}

/// `n` draws from N(mu, sigma) with a fixed seed.
pub fn normal_sample(mu: f64, sigma: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let d = Normal::new(mu, sigma).expect("valid normal");
    (0..n).map(|_| d.sample(&mut rng)).collect()
}

/// `n` draws from Exp(rate) with a fixed seed.
pub fn exponential_sample(rate: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let d = Exp::new(rate).expect("valid exponential");
    (0..n).map(|_| d.sample(&mut rng)).collect()
}

/// The Normal log-density of one observation with `p = [mu, sigma]`.
pub fn normal_density(x: &f64, p: &[f64]) -> f64 {
    normal_ln_pdf(*x, p[0], p[1])
}

/// A log-density of one `f64` observation, as a plain function.
pub type Density = fn(&f64, &[f64]) -> f64;

/// A Normal model (mu free, sigma positive) from the given start.
pub fn normal_model(mu0: f64, sigma0: f64) -> maxlik::Model<f64, Density> {
    maxlik::Model::builder(normal_density as Density)
        .param("mu", mu0)
        .positive("sigma", sigma0)
        .build()
        .expect("a valid model")
}

/// A fresh scratch folder for one test (named by the process and the test).
pub fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("maxlik-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Writes `text` to `name` in `dir` and returns the path as a string.
pub fn file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write data");
    path.display().to_string()
}
