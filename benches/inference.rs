//! The cost of inference: a Normal fit with and without its standard errors (two Hessians), and
//! a profile interval, at n = 1e3 and 1e5. Evaluation counts are printed once before timing.
//! Run with `cargo bench --bench inference`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use maxlik::{FitOptions, Method, Model};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

fn bench(c: &mut Criterion) {
    let model = Model::builder(|x: &f64, p: &[f64]| {
        let z = (x - p[0]) / p[1];
        -0.5 * z * z - p[1].ln() - LN_SQRT_2PI
    })
    .param("mu", 11.0)
    .positive("sigma", 6.0)
    .build()
    .expect("valid model");
    let with = FitOptions::new(Method::Lbfgs);
    let without = FitOptions::builder(Method::Lbfgs)
        .standard_errors(false)
        .build()
        .unwrap();

    let mut group = c.benchmark_group("inference");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    for n in [1_000usize, 100_000] {
        let mut rng = StdRng::seed_from_u64(n as u64);
        let data: Vec<f64> = Normal::new(5.0, 2.0)
            .expect("valid")
            .sample_iter(&mut rng)
            .take(n)
            .collect();
        let fit = model.fit_with(&data, &with).expect("fit");
        let bare = model.fit_with(&data, &without).expect("fit");
        let profile = model.profile(&data, &fit, "sigma", 0.95).expect("profile");
        eprintln!(
            "n={n}: fit {} NLL evaluations ({} for the Hessian), without SEs {}; profile interval for sigma {} evaluations",
            fit.nll_passes(),
            fit.hessian_passes(),
            bare.nll_passes(),
            profile.nll_passes()
        );
        group.bench_with_input(BenchmarkId::new("fit_with_se", n), &data, |b, d| {
            b.iter(|| model.fit_with(black_box(d), &with))
        });
        group.bench_with_input(BenchmarkId::new("fit_without_se", n), &data, |b, d| {
            b.iter(|| model.fit_with(black_box(d), &without))
        });
        group.bench_with_input(BenchmarkId::new("profile_sigma", n), &data, |b, d| {
            b.iter(|| model.profile(black_box(d), &fit, "sigma", 0.95))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
