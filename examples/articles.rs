//! The articles' example: 100 draws from N(5, 2) with a fixed seed, fitted with L-BFGS and
//! Nelder-Mead, set side by side with the closed-form MLE and its standard errors
//! (sigma/sqrt(n) and sigma/sqrt(2n)).
//!
//! Run it with `cargo run --release --example articles`.

use maxlik::{ClosedForm, Fit, Method, Model};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

const TRUE_MEAN: f64 = 5.0;
const TRUE_SD: f64 = 2.0;
const N: usize = 100;
const SEED: u64 = 42;

/// ln √(2π)
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let data: Vec<f64> = Normal::new(TRUE_MEAN, TRUE_SD)?
        .sample_iter(&mut rng)
        .take(N)
        .collect();

    // The log-density of one observation: ln N(x | mu, sigma).
    let model = Model::builder(|x: &f64, p: &[f64]| {
        let z = (x - p[0]) / p[1];
        -0.5 * z * z - p[1].ln() - LN_SQRT_2PI
    })
    .param("mu", 0.0) // the whole real line
    .positive("sigma", 1.0) // kept > 0: optimized as ln(sigma)
    .build()?;

    let exact = ClosedForm::normal(&data)?;
    let lbfgs = model.fit(&data, Method::Lbfgs)?;
    let nelder_mead = model.fit(&data, Method::NelderMead)?;

    println!("{N} draws from N({TRUE_MEAN}, {TRUE_SD}), seed {SEED}\n");
    println!(
        "{:<14} {:>20} {:>20} {:>20}",
        "", "closed form", "L-BFGS", "Nelder-Mead"
    );
    for name in ["mu", "sigma"] {
        println!(
            "{:<14} {:>20.15} {:>20.15} {:>20.15}",
            name,
            exact.estimate(name).unwrap_or(f64::NAN),
            lbfgs.estimate(name)?,
            nelder_mead.estimate(name)?
        );
    }
    println!(
        "{:<14} {:>20.12} {:>20.12} {:>20.12}",
        "log-likelihood",
        -exact.nll(),
        lbfgs.log_likelihood(),
        nelder_mead.log_likelihood()
    );
    let row = |label: &str, f: &dyn Fn(&Fit) -> String| {
        println!(
            "{label:<14} {:>20} {:>20} {:>20}",
            "-",
            f(&lbfgs),
            f(&nelder_mead)
        );
    };
    row("iterations", &|f| f.iterations().to_string());
    row("NLL evals", &|f| f.nll_passes().to_string());
    row("time", &|f| format!("{:.1?}", f.elapsed()));
    row("converged", &|f| f.converged().to_string());
    for name in ["mu", "sigma"] {
        let se = |f: &Fit| {
            f.std_error(name)
                .map_or("n/a".to_string(), |s| format!("{s:.15}"))
        };
        println!(
            "{:<14} {:>20.15} {:>20} {:>20}",
            format!("SE({name})"),
            exact.std_error(name).unwrap_or(f64::NAN),
            se(&lbfgs),
            se(&nelder_mead)
        );
    }

    for fit in [&lbfgs, &nelder_mead] {
        println!(
            "\n{} against the closed form:\n{}",
            fit.method(),
            exact.compare(fit)?
        );
    }
    // The profile-likelihood interval for mu, beside the Wald interval in the summary.
    let profile = model.profile(&data, &lbfgs, "mu", 0.95)?;
    println!(
        "\nThe L-BFGS fit in full:\n{}",
        lbfgs.summary().with_profile(&profile)
    );
    Ok(())
}
