//! Whole fits (standard errors included): Normal and Exponential at n = 1e3, 1e5 and 1e6, L-BFGS
//! and Nelder-Mead, from starts several standard deviations off; at n = 1e6 also without the
//! warm start on subsamples. The evaluation counts of each fit are printed once before it
//! is timed. Run with `cargo bench --bench fit`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use maxlik::{FitOptions, Method, Model};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp, Normal};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

fn bench(c: &mut Criterion) {
    let normal = Model::builder(|x: &f64, p: &[f64]| {
        let z = (x - p[0]) / p[1];
        -0.5 * z * z - p[1].ln() - LN_SQRT_2PI
    })
    .param("mu", 11.0) // 3 sigma off
    .positive("sigma", 6.0)
    .build()
    .expect("valid model");
    let exponential = Model::builder(|x: &f64, p: &[f64]| p[0].ln() - p[0] * x)
        .positive("rate", 5.0) // 5 times the true rate
        .build()
        .expect("valid model");

    let mut group = c.benchmark_group("fit");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    for n in [1_000usize, 100_000, 1_000_000] {
        let (normal_data, exp_data) = samples(n);
        for method in [Method::Lbfgs, Method::NelderMead] {
            let fit = normal.fit(&normal_data, method).expect("fit");
            report("normal", n, &fit);
            group.bench_with_input(
                BenchmarkId::new(format!("normal_{method}"), n),
                &normal_data,
                |b, d| b.iter(|| normal.fit(black_box(d), method)),
            );
            let fit = exponential.fit(&exp_data, method).expect("fit");
            report("exponential", n, &fit);
            group.bench_with_input(
                BenchmarkId::new(format!("exponential_{method}"), n),
                &exp_data,
                |b, d| b.iter(|| exponential.fit(black_box(d), method)),
            );
        }
    }
    // The same fits without the warm start, at n = 1e6, to show what it saves.
    let n = 1_000_000;
    let (normal_data, exp_data) = samples(n);
    for method in [Method::Lbfgs, Method::NelderMead] {
        let cold = FitOptions::builder(method)
            .warm_start(false)
            .build()
            .unwrap();
        report(
            "normal (no warm start)",
            n,
            &normal.fit_with(&normal_data, &cold).expect("fit"),
        );
        group.bench_with_input(
            BenchmarkId::new(format!("normal_{method}_no_warm_start"), n),
            &normal_data,
            |b, d| b.iter(|| normal.fit_with(black_box(d), &cold)),
        );
        report(
            "exponential (no warm start)",
            n,
            &exponential.fit_with(&exp_data, &cold).expect("fit"),
        );
        group.bench_with_input(
            BenchmarkId::new(format!("exponential_{method}_no_warm_start"), n),
            &exp_data,
            |b, d| b.iter(|| exponential.fit_with(black_box(d), &cold)),
        );
    }
    group.finish();
}

/// `n` draws from N(5, 2) and `n` from Exp(1), seeded by `n`.
fn samples(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(n as u64);
    let normal: Vec<f64> = Normal::new(5.0, 2.0)
        .expect("valid")
        .sample_iter(&mut rng)
        .take(n)
        .collect();
    let exponential: Vec<f64> = Exp::new(1.0)
        .expect("valid")
        .sample_iter(&mut rng)
        .take(n)
        .collect();
    (normal, exponential)
}

/// Prints what a fit cost: evaluations over all the data, the warm start's, and both in passes
/// over all the data.
fn report(name: &str, n: usize, fit: &maxlik::Fit) {
    let warm: Vec<String> = fit
        .warm_stages()
        .iter()
        .map(|s| format!("{} on {}", s.nll_passes(), s.observations()))
        .collect();
    eprintln!(
        "{name} n={n} {}: {} NLL evaluations on all the data ({} for the Hessians), warm start [{}], {:.2} data passes, {} iterations, converged {}",
        fit.method(),
        fit.nll_passes(),
        fit.hessian_passes(),
        warm.join(", "),
        fit.data_passes(),
        fit.iterations(),
        fit.converged()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
