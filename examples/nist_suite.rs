//! Every NIST StRD nonlinear regression in `tests/data` (and `tests/data/nist`), fitted as a
//! Gaussian MLE from both certified starts: how many significant digits each fit agrees with
//! the certified values on, and its verdict. The figures of docs/performance.md and the issues'
//! notes come from here.
//!
//! Each mean function is written once, generic over the number type: with `--exact` the fits
//! take exact derivatives by automatic differentiation (`Model::exact`), otherwise finite
//! differences. Models whose terms can be interchanged (the exponentials of Lanczos and MGH17,
//! the peaks of Gauss, the cycles of ENSO) have optima that differ only by the order of the
//! terms; the digits are counted for the best ordering.
//!
//! Run it with `cargo run --release --example nist_suite [lbfgs|nelder-mead|newton|bfgs|bhhh|cg|steepest-descent] [starts]
//! [--exact]` (`ONLY=Name` for one problem, `SHOW=Name` to print its fits, `MAXITERS=k` for
//! another iteration cap, `PERTURB=d` to start a relative `d` from the certified values, above
//! them for the first start and below for the second: what a fit does near the optimum).

use maxlik::{Convergence, Differentiable, Fit, FitOptions, Method, Model, Trust};

// The problems are `maxlik benchmark`'s: one definition of each mean function and file.
#[path = "../src/bin/maxlik/nist.rs"]
#[allow(dead_code)]
mod nist;

use nist::Gaussian;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exact = args.iter().any(|a| a == "--exact");
    let plain: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let method = match plain.first().map(|s| s.as_str()) {
        Some("nelder-mead") => Method::NelderMead,
        Some("newton") => Method::Newton,
        Some("bfgs") => Method::Bfgs,
        Some("bhhh") => Method::Bhhh,
        Some("cg") => Method::ConjugateGradient,
        Some("steepest-descent") => Method::SteepestDescent,
        Some("newton-line-search") => Method::NewtonLineSearch,
        Some("trust-region-steihaug") => Method::TrustRegionSteihaug,
        Some("trust-region-dogleg") => Method::TrustRegionDogleg,
        Some("sr1-trust-region") => Method::Sr1TrustRegion,
        Some("particle-swarm") => Method::ParticleSwarm,
        Some("simulated-annealing") => Method::SimulatedAnnealing,
        _ => Method::Lbfgs,
    };
    let starts: usize = plain.get(1).map_or(Ok(1), |s| s.parse())?;
    let mut builder = FitOptions::builder(method).starts(starts);
    if let Ok(m) = std::env::var("MAXITERS") {
        builder = builder.max_iters(m.parse()?);
    }
    let options = builder.build()?;
    let (mut six_digits, mut false_trust, mut total) = (0, 0, 0);
    let derivatives = if exact {
        "exact derivatives"
    } else {
        "finite differences"
    };
    println!("{method}, {derivatives}, {starts} start(s) per certified start");
    let only = std::env::var("ONLY").ok();
    for set in nist::sets() {
        let name = set.name;
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let kind = set.kind;
        let data = &set.data;
        for s in 0..2 {
            let mut full = set.start(s);
            if let Ok(d) = std::env::var("PERTURB") {
                let d: f64 = d.parse()?;
                let mut c: Vec<f64> = set
                    .certified
                    .iter()
                    .map(|c| c * (1.0 + if s == 0 { d } else { -d }))
                    .collect();
                let rss: f64 = set
                    .data
                    .iter()
                    .map(|(y, x)| (y - set.kind.mean(x, &c)).powi(2))
                    .sum();
                c.push((rss / set.data.len() as f64).sqrt().max(1e-300));
                full = c;
            }
            let (sigma0, start) = full.split_last().expect("a σ");
            let sigma0 = *sigma0;
            let names: Vec<String> = (1..=start.len()).map(|i| format!("b{i}")).collect();
            let fit: Fit = if exact {
                let mut builder = Model::exact(Gaussian(kind));
                for (name, &b) in names.iter().zip(start) {
                    builder = builder.param(name, b);
                }
                let model = builder.positive("sigma", sigma0).build()?;
                model.fit_with(data, &options)?
            } else {
                let density = Gaussian(kind);
                let mut builder = Model::builder(move |obs: &(f64, Vec<f64>), p: &[f64]| {
                    density.ln_density(obs, p)
                });
                for (name, &b) in names.iter().zip(start) {
                    builder = builder.param(name, b);
                }
                let model = builder.positive("sigma", sigma0).build()?;
                model.fit_with(data, &options)?
            };
            if std::env::var("SHOW").is_ok_and(|v| v == name) {
                println!("{fit}");
            }
            let digits = kind.digits(&set.certified, fit.estimates());
            total += 1;
            if digits >= 6.0 {
                six_digits += 1;
            } else if fit.trust() != Trust::NotTrusted {
                false_trust += 1;
            }
            let verdict = match fit.convergence() {
                Convergence::Converged(_) => "converged".to_string(),
                Convergence::NotConverged(r) => r.to_string().chars().take(50).collect(),
            };
            println!(
                "{name:9} start {}: {digits:5.1} digits, {:22} {verdict}",
                s + 1,
                format!("{}", fit.trust())
            );
        }
    }
    println!(
        "{six_digits} of {total} fits reach 6 significant digits; {false_trust} others are not marked NOT TRUSTED"
    );
    Ok(())
}
