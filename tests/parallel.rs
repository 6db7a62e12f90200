//! Deterministic in parallel: the NLL and whole fits are bit-for-bit identical on 1 thread and
//! on several, because the chunking and the order of combination depend only on the data.

mod common;

use common::{normal_ln_pdf, normal_sample};
use maxlik::{Method, Model};

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
        .install(f)
}

#[test]
fn nll_and_fits_are_identical_on_any_number_of_threads() {
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    // Sizes around the chunk (4096) and parallel (8 chunks) thresholds, and a large one.
    for n in [1, 4_095, 4_097, 32_768, 40_000, 300_001] {
        let data = normal_sample(1e3, 0.5, n, n as u64);
        let theta = [999.9, 0.45];
        let reference = on_threads(1, || model.nll(&data, &theta).unwrap());
        for threads in [2, 3, 4] {
            let other = on_threads(threads, || model.nll(&data, &theta).unwrap());
            assert_eq!(
                reference.to_bits(),
                other.to_bits(),
                "n={n}, {threads} threads"
            );
        }
        if n >= 2 {
            for method in [Method::Lbfgs, Method::NelderMead] {
                let one = on_threads(1, || model.fit(&data, method).unwrap());
                let two = on_threads(2, || model.fit(&data, method).unwrap());
                let bits = |f: &maxlik::Fit| {
                    f.estimates()
                        .iter()
                        .map(|v| v.to_bits())
                        .collect::<Vec<_>>()
                };
                assert_eq!(bits(&one), bits(&two), "n={n} {method}");
                assert_eq!(one.nll().to_bits(), two.nll().to_bits());
                assert_eq!(
                    one.std_error("sigma").map(f64::to_bits),
                    two.std_error("sigma").map(f64::to_bits)
                );
                assert_eq!(one.nll_passes(), two.nll_passes());
            }
        }
    }
}

/// The parallel sum is as accurate as the sequential one: a million terms of 0.1 sum to
/// 100000 within a few units in the last place.
#[test]
fn the_parallel_sum_is_accurate() {
    let data = vec![0.0f64; 1_000_000];
    let model = Model::builder(|_: &f64, p: &[f64]| p[0])
        .param("c", 0.1)
        .build()
        .unwrap();
    let nll = model.nll(&data, &[0.1]).unwrap();
    let exact = -100_000.000_000_000_0_f64;
    assert!(
        (nll - exact).abs() <= 4.0 * f64::EPSILON * exact.abs(),
        "{nll}"
    );
}

/// A supplied score is summed in parallel too: fits that use it are identical on 1 and 2
/// threads, and a non-finite score is named at its first observation whichever thread meets it.
#[test]
fn score_passes_are_identical_on_any_number_of_threads() {
    let score = |x: &f64, p: &[f64], g: &mut [f64]| {
        let z = (x - p[0]) / p[1];
        g[0] = z / p[1];
        g[1] = (z * z - 1.0) / p[1];
    };
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 1.0)
        .positive("sigma", 2.0)
        .score(score)
        .build()
        .unwrap();
    let data = normal_sample(0.0, 1.0, 300_001, 9);
    let one = on_threads(1, || model.fit(&data, Method::Lbfgs).unwrap());
    let two = on_threads(2, || model.fit(&data, Method::Lbfgs).unwrap());
    assert!(one.converged() && one.score_passes() > 0, "{one}");
    assert_eq!(one.estimates(), two.estimates());
    assert_eq!(
        one.std_error("sigma").map(f64::to_bits),
        two.std_error("sigma").map(f64::to_bits)
    );

    // Scores that fail at observations 250000 and 70000: the first is named.
    let failing = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .score(move |x: &f64, p: &[f64], g: &mut [f64]| {
            score(x, p, g);
            if *x == data[250_000] || *x == data[70_000] {
                g[0] = f64::NAN;
            }
        })
        .build()
        .unwrap();
    let data = normal_sample(0.0, 1.0, 300_001, 9);
    for threads in [1, 2] {
        let check = on_threads(threads, || failing.check_score(&data, &[0.0, 1.0]));
        assert!(
            matches!(
                check,
                Err(maxlik::Error::Evaluation(
                    maxlik::EvaluationFailure::NonFiniteScore { index: 70_000, .. }
                ))
            ),
            "{threads} threads: {check:?}"
        );
    }
}

/// Robust and cluster-robust standard errors (per-observation scores computed in parallel
/// parts, summed in order) have the same bits on any number of threads.
#[test]
fn robust_standard_errors_are_identical_on_any_number_of_threads() {
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .param("mu", 0.0)
        .positive("sigma", 1.0)
        .build()
        .unwrap();
    let data = normal_sample(3.0, 2.0, 50_000, 7);
    let keys: Vec<u64> = (0..50_000u64).map(|i| i % 37).collect();
    for options in [
        maxlik::FitOptions::builder(Method::Lbfgs)
            .se_kind(maxlik::SeKind::Robust)
            .build()
            .unwrap(),
        maxlik::FitOptions::builder(Method::Lbfgs)
            .clusters(keys)
            .build()
            .unwrap(),
    ] {
        let se = |threads| {
            on_threads(threads, || {
                let fit = model.fit_with(&data, &options).unwrap();
                fit.std_errors()
                    .unwrap()
                    .std_errors()
                    .into_iter()
                    .map(|s| s.unwrap().to_bits())
                    .collect::<Vec<_>>()
            })
        };
        let one = se(1);
        for threads in [2, 3] {
            assert_eq!(one, se(threads), "{threads} threads");
        }
    }
}
