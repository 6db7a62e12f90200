//! One NLL evaluation at n = 1e6 through maxlik against a hand-written loop over the same data,
//! measured in the same run, on one thread and on two. Run with `cargo bench --bench nll`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use maxlik::Model;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

const N: usize = 1_000_000;
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

#[inline(always)]
fn normal_ln_pdf(x: f64, mu: f64, sigma: f64) -> f64 {
    let z = (x - mu) / sigma;
    -0.5 * z * z - sigma.ln() - LN_SQRT_2PI
}

/// Benchmarks `routine` as `maxlik_nll_1_threads` and `maxlik_nll_2_threads`, each inside a
/// rayon pool of that size.
fn on_threads(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    routine: impl Fn(&mut criterion::Bencher<'_>) + Sync,
) {
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_function(format!("maxlik_nll_{threads}_threads"), |b| {
            pool.install(|| routine(b))
        });
    }
}

fn bench(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    let data: Vec<f64> = Normal::new(5.0, 2.0)
        .expect("valid")
        .sample_iter(&mut rng)
        .take(N)
        .collect();
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .expect("valid model");
    let theta = [5.0, 2.0];

    let mut group = c.benchmark_group("normal_nll_1e6");
    group.sample_size(30);
    group.bench_function("hand_written_loop", |b| {
        b.iter(|| {
            let (mu, sigma) = black_box((theta[0], theta[1]));
            let mut sum = 0.0;
            for &x in black_box(&data) {
                sum -= normal_ln_pdf(x, mu, sigma);
            }
            sum
        })
    });
    on_threads(&mut group, |b| {
        b.iter(|| model.nll(black_box(&data), black_box(&theta)))
    });
    group.finish();

    let exp_data: Vec<f64> = data.iter().map(|x| x.abs()).collect();
    let exp_model = Model::builder(|x: &f64, p: &[f64]| p[0].ln() - p[0] * x)
        .positive("rate", 1.0)
        .build()
        .expect("valid model");
    let mut group = c.benchmark_group("exponential_nll_1e6");
    group.sample_size(30);
    group.bench_function("hand_written_loop", |b| {
        b.iter(|| {
            let rate = black_box(0.2f64);
            let mut sum = 0.0;
            for &x in black_box(&exp_data) {
                sum -= rate.ln() - rate * x;
            }
            sum
        })
    });
    on_threads(&mut group, |b| {
        b.iter(|| exp_model.nll(black_box(&exp_data), black_box(&[0.2])))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
