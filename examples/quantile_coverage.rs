//! Coverage of the quantile intervals on simulated data (issue 14): how often the delta-method,
//! profile-likelihood and bootstrap (percentile, BCa; nonparametric and parametric) 95%
//! intervals of a low quantile hold the true one.
//!
//! `cargo run --release --example quantile_coverage [datasets] [replicates]` (defaults 400 and
//! 499): Weibull (shape 1.5, scale 10) samples of n = 30 and n = 100, the 5% quantile (an
//! HC5-like question), and a LogNormal (0, 1) at n = 30 for the 10% quantile. Prints each
//! interval's coverage with its Monte Carlo standard error and the mean width.

use std::time::Instant;

use maxlik::{Family, FitOptions, Limit, Method, Resampling};
use rand::SeedableRng;
use rand::rngs::StdRng;

struct Tally {
    name: &'static str,
    hits: usize,
    total: usize,
    width: f64,
}

impl Tally {
    fn new(name: &'static str) -> Self {
        Tally {
            name,
            hits: 0,
            total: 0,
            width: 0.0,
        }
    }

    fn add(&mut self, interval: Option<(f64, f64)>, truth: f64) {
        if let Some((lo, hi)) = interval {
            self.total += 1;
            self.width += hi - lo;
            if lo <= truth && truth <= hi {
                self.hits += 1;
            }
        }
    }

    fn report(&self, datasets: usize) {
        let c = self.hits as f64 / self.total.max(1) as f64;
        let se = (c * (1.0 - c) / self.total.max(1) as f64).sqrt();
        println!(
            "  {:<26} coverage {:.3} ± {:.3}   mean width {:.4}   ({} of {datasets} data sets gave one)",
            self.name,
            c,
            se,
            self.width / self.total.max(1) as f64,
            self.total
        );
    }
}

fn study(
    family: Family,
    truth_params: &[f64],
    n: usize,
    p: f64,
    datasets: usize,
    replicates: usize,
) -> maxlik::Result<()> {
    let truth = family.quantile(p, truth_params)?;
    let options = FitOptions::new(Method::Lbfgs);
    let mut tallies = [
        Tally::new("delta method"),
        Tally::new("profile likelihood"),
        Tally::new("percentile (nonparam.)"),
        Tally::new("BCa (nonparametric)"),
        Tally::new("percentile (parametric)"),
        Tally::new("BCa (parametric)"),
    ];
    let started = Instant::now();
    let mut failed = 0;
    for d in 0..datasets {
        let mut rng = StdRng::seed_from_u64(1000 + d as u64);
        let x = family.sample(truth_params, n, &mut rng)?;
        let Ok(fit) = family.fit(&x, &options) else {
            failed += 1;
            continue;
        };
        if !fit.converged() {
            failed += 1;
            continue;
        }
        let np = family.bootstrap(
            &x,
            &fit,
            Resampling::Nonparametric,
            replicates,
            d as u64,
            &options,
        )?;
        let pb = family.bootstrap(
            &x,
            &fit,
            Resampling::Parametric,
            replicates,
            d as u64,
            &options,
        )?;
        let q = family.quantile_estimate(&x, &fit, p, 0.95, Some(&np))?;
        let qp = family.quantile_estimate(&x, &fit, p, 0.95, Some(&pb))?;
        tallies[0].add(q.delta.ok(), truth);
        tallies[1].add(
            q.profile
                .ok()
                .and_then(|pr| match (pr.lower(), pr.upper()) {
                    (
                        Limit::Crossing(a) | Limit::SpaceEdge(a),
                        Limit::Crossing(b) | Limit::SpaceEdge(b),
                    ) => Some((a, b)),
                    _ => None,
                }),
            truth,
        );
        let pair = |r: Option<maxlik::Result<maxlik::BootstrapInterval>>| {
            r.and_then(|r| r.ok()).map(|i| (i.lower, i.upper))
        };
        tallies[2].add(pair(q.percentile), truth);
        tallies[3].add(pair(q.bca), truth);
        tallies[4].add(pair(qp.percentile), truth);
        tallies[5].add(pair(qp.bca), truth);
    }
    println!(
        "{family} {truth_params:?}, n = {n}, the {p} quantile (true {truth:.4}); {datasets} data sets, {replicates} replicates each; {failed} fits failed; {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for t in &tallies {
        t.report(datasets);
    }
    Ok(())
}

fn main() -> maxlik::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let datasets = args.first().copied().unwrap_or(400);
    let replicates = args.get(1).copied().unwrap_or(499);
    study(
        Family::Weibull,
        &[1.5, 10.0],
        30,
        0.05,
        datasets,
        replicates,
    )?;
    study(
        Family::Weibull,
        &[1.5, 10.0],
        100,
        0.05,
        datasets,
        replicates,
    )?;
    study(
        Family::LogNormal,
        &[0.0, 1.0],
        30,
        0.1,
        datasets,
        replicates,
    )?;
    Ok(())
}
