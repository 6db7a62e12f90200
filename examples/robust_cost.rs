//! What issue 11's features cost: standard errors of each kind on a Normal and a Gamma at
//! n = 1e5 and 1e6, and a right-censored Weibull fit against the same data uncensored. Medians
//! of five runs after a warm-up, with the passes over the data.
//!
//! Run it with `cargo run --release --example robust_cost`.

use std::time::Instant;

use maxlik::{Family, Fit, FitOptions, Method, Response, SeKind, Settings, Truncation};
use rand::SeedableRng;
use rand_distr::{Distribution, Gamma, Normal, Weibull};

/// The median time (ms) of five runs of `fit`, after one to warm the thread pool, and the last
/// fit.
fn timed(mut fit: impl FnMut() -> Result<Fit, maxlik::Error>) -> Result<(f64, Fit), maxlik::Error> {
    let _ = fit()?;
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let f = fit()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        last = Some(f);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[2], last.ok_or(maxlik::Error::EmptyData)?))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    println!(
        "{:<10} {:>8} {:<10} {:>10} {:>12} {:>10}",
        "family", "n", "SEs", "time (ms)", "data passes", "SE[0]"
    );
    for n in [100_000usize, 1_000_000] {
        let normal: Vec<f64> = Normal::new(5.0, 2.0)?
            .sample_iter(&mut rng)
            .take(n)
            .collect();
        let gamma: Vec<f64> = Gamma::new(2.0, 1.5)?
            .sample_iter(&mut rng)
            .take(n)
            .collect();
        let clusters: Vec<u64> = (0..n as u64).map(|i| i % 100).collect();
        for (family, data) in [(Family::Normal, &normal), (Family::Gamma, &gamma)] {
            for kind in [
                SeKind::Observed,
                SeKind::Robust,
                SeKind::Opg,
                SeKind::Cluster,
            ] {
                let builder = FitOptions::builder(Method::Lbfgs);
                let options = match kind {
                    SeKind::Cluster => builder.clusters(clusters.clone()),
                    k => builder.se_kind(k),
                }
                .build()?;
                let (ms, fit) = timed(|| family.fit(data, &options))?;
                let se = fit.std_errors().map(|i| i.std_errors()[0]).ok().flatten();
                println!(
                    "{:<10} {:>8} {:<10} {:>10.1} {:>12.1} {:>10.3e}",
                    family.name(),
                    n,
                    kind.name(),
                    ms,
                    fit.data_passes(),
                    se.unwrap_or(f64::NAN)
                );
            }
        }
    }
    // Right-censoring at the 70% quantile against the same times uncensored.
    let n = 100_000;
    let times: Vec<f64> = Weibull::new(400.0, 1.3)?
        .sample_iter(&mut rng)
        .take(n)
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted[7 * n / 10];
    let censored: Vec<Response> = times
        .iter()
        .map(|&t| {
            if t > cut {
                Response::Right(cut)
            } else {
                Response::Exact(t)
            }
        })
        .collect();
    let options = FitOptions::new(Method::Lbfgs);
    let (plain_ms, plain) = timed(|| Family::Weibull.fit(&times, &options))?;
    let model = Family::Weibull.censored_model(&censored, Truncation::none(), &Settings::new())?;
    let (cens_ms, cens) = timed(|| model.fit_with(&censored, &options))?;
    println!(
        "\nWeibull n = {n}: uncensored {plain_ms:.1} ms ({:.1} passes), 30% right-censored {cens_ms:.1} ms ({:.1} passes); shape {:.4} vs {:.4}",
        plain.data_passes(),
        cens.data_passes(),
        plain.estimates()[0],
        cens.estimates()[0]
    );
    Ok(())
}
