//! A custom model on a struct observation: machine lifetimes with right-censoring. A machine
//! still running when the study ended contributes only the probability of surviving that long.
//!
//! With an Exponential lifetime of rate λ, an observed failure at t has log-density
//! ln λ − λt and a censored time t has log-survival −λt, so the MLE is
//! λ̂ = (number of failures) / (total time at risk): the fit is checked against it.
//!
//! Run it with `cargo run --release --example custom_struct`.

use maxlik::{Method, Model};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp};

/// One machine: how long it was watched, and whether it failed (or was still running).
struct Lifetime {
    hours: f64,
    failed: bool,
}

/// Hours after which the study stopped watching.
const STUDY_END: f64 = 2_000.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let true_rate = 1.0 / 1_500.0;
    let mut rng = StdRng::seed_from_u64(99);
    let machines: Vec<Lifetime> = Exp::new(true_rate)?
        .sample_iter(&mut rng)
        .take(400)
        .map(|t: f64| Lifetime {
            hours: t.min(STUDY_END),
            failed: t < STUDY_END,
        })
        .collect();

    let model = Model::builder(|m: &Lifetime, p: &[f64]| {
        let rate = p[0];
        if m.failed {
            rate.ln() - rate * m.hours
        } else {
            -rate * m.hours
        }
    })
    .positive("rate", 1e-2)
    .build()?;
    let fit = model.fit(&machines, Method::Lbfgs)?.require_trusted()?;

    let failures = machines.iter().filter(|m| m.failed).count() as f64;
    let at_risk: f64 = machines.iter().map(|m| m.hours).sum();
    let closed_form = failures / at_risk;
    let rate = fit.estimate("rate")?;
    println!("{fit}\n");
    println!(
        "{failures} failures, {} still running at {STUDY_END} h",
        machines.len() - failures as usize
    );
    println!(
        "rate: fit {rate:.9e}, closed form failures/time-at-risk {closed_form:.9e}, relative difference {:.1e}",
        (rate - closed_form).abs() / closed_form
    );
    println!(
        "mean lifetime 1/rate = {:.1} hours (true {:.1})",
        1.0 / rate,
        1.0 / true_rate
    );
    Ok(())
}
