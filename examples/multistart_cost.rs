//! What multi-start costs: wall time and passes over the data for 1, 10 and 20 starts, on a
//! two-Normal mixture (several optima) and on a Gamma (one), both methods.
//!
//! Run it with `cargo run --release --example multistart_cost`.

use std::time::Instant;

use maxlik::{Family, FitOptions, Method};
use rand::SeedableRng;
use rand_distr::{Distribution, Gamma, Normal};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut mixture: Vec<f64> = Normal::new(0.0, 1.0)?
        .sample_iter(&mut rng)
        .take(600)
        .collect();
    mixture.extend(Normal::new(3.0, 1.5)?.sample_iter(&mut rng).take(400));
    let gamma: Vec<f64> = Gamma::new(2.0, 1.5)?
        .sample_iter(&mut rng)
        .take(1000)
        .collect();
    println!(
        "{:<16} {:<12} {:>6} {:>12} {:>12} {:>14} {:>8}",
        "family", "method", "starts", "time (ms)", "data passes", "lnL", "reached"
    );
    for (family, data) in [(Family::NormalMixture, &mixture), (Family::Gamma, &gamma)] {
        for method in Method::ALL {
            for starts in [1, 10, 20] {
                let options = FitOptions::builder(method).starts(starts).build()?;
                // The median of five runs, the first one warming the thread pool.
                let _ = family.fit(data, &options)?;
                let mut times = Vec::new();
                let mut last = None;
                for _ in 0..5 {
                    let t = Instant::now();
                    let fit = family.fit(data, &options)?;
                    times.push(t.elapsed().as_secs_f64() * 1e3);
                    last = Some(fit);
                }
                times.sort_by(f64::total_cmp);
                let fit = last.ok_or("no fit")?;
                let reached = fit.multi_start().map_or("-".to_string(), |m| {
                    format!("{}/{}", m.reached_best(), m.starts())
                });
                println!(
                    "{:<16} {:<12} {:>6} {:>12.2} {:>12.0} {:>14.4} {:>8}",
                    family.name(),
                    method.to_string(),
                    starts,
                    times[2],
                    fit.data_passes(),
                    fit.log_likelihood(),
                    reached
                );
            }
        }
    }
    Ok(())
}
