//! An Exponential fit: waiting times with rate 0.25 per minute, n = 500, fitted by L-BFGS and
//! set against the closed form rate = 1 / mean.
//!
//! Run it with `cargo run --release --example exponential`.

use maxlik::{ClosedForm, Method, Model};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(7);
    let waits: Vec<f64> = Exp::new(0.25)?.sample_iter(&mut rng).take(500).collect();

    // ln f(x | rate) = ln(rate) − rate·x, for x ≥ 0.
    let model = Model::builder(|x: &f64, p: &[f64]| p[0].ln() - p[0] * x)
        .positive("rate", 1.0)
        .build()?;
    let fit = model.fit(&waits, Method::Lbfgs)?.require_trusted()?;
    let exact = ClosedForm::exponential(&waits)?;

    println!("{fit}\n");
    println!("{}", exact.compare(&fit)?);
    println!(
        "\nmean waiting time 1/rate = {:.4} minutes (closed-form SE of the rate: {:.2e})",
        1.0 / fit.estimate("rate")?,
        exact.std_error("rate").unwrap_or(f64::NAN)
    );
    Ok(())
}
