//! Multi-start (issue 10): several starts find the global optimum a single start misses, the
//! distinct optima are listed, and the result is the same on any number of threads. The truth
//! is a brute-force grid over the parameter, independent of the optimizers.

use maxlik::{FitOptions, Method, Model, Status};

/// A Cauchy location likelihood (scale 1) on two clusters: local maxima near each cluster,
/// the global one at the larger cluster.
fn data() -> Vec<f64> {
    let mut data: Vec<f64> = (0..20).map(|i| -0.5 + 0.05 * f64::from(i)).collect();
    data.extend((0..30).map(|i| 9.25 + 0.05 * f64::from(i)));
    data
}

fn cauchy(x: &f64, p: &[f64]) -> f64 {
    let z = x - p[0];
    -(std::f64::consts::PI * (1.0 + z * z)).ln()
}

/// The global minimum of the NLL by a grid of step 1e-4 over [−20, 30], refined by golden
/// section on the best cell: computed here, without maxlik's optimizers.
fn grid_optimum(data: &[f64]) -> (f64, f64) {
    let nll = |m: f64| -> f64 { data.iter().map(|x| -cauchy(x, &[m])).sum() };
    let (mut best, mut best_nll) = (0.0, f64::INFINITY);
    for i in 0..=500_000 {
        let m = -20.0 + 1e-4 * f64::from(i);
        let v = nll(m);
        if v < best_nll {
            (best, best_nll) = (m, v);
        }
    }
    let (mut a, mut b) = (best - 1e-4, best + 1e-4);
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..100 {
        let (c, d) = (b - phi * (b - a), a + phi * (b - a));
        if nll(c) < nll(d) {
            b = d;
        } else {
            a = c;
        }
    }
    let m = 0.5 * (a + b);
    (m, nll(m))
}

#[test]
fn several_starts_find_the_global_optimum_one_start_misses() {
    let data = data();
    let (truth, truth_nll) = grid_optimum(&data);
    assert!(
        truth > 5.0,
        "the global optimum is at the larger cluster: {truth}"
    );
    // Started at the smaller cluster, a single start stays at its local optimum.
    let model = Model::builder(cauchy).param("m", 0.2).build().unwrap();
    for method in Method::ALL {
        let single = model.fit(&data, method).unwrap();
        assert!(single.converged(), "{method}: {single}");
        if method.is_global() {
            // A global search from one start may well reach the larger cluster (the swarm
            // does); what holds for it is the multi-start's answer below.
            let options = FitOptions::builder(method).starts(8).build().unwrap();
            let fit = model.fit_with(&data, &options).unwrap();
            assert!(fit.converged(), "{method}: {fit}");
            let se = fit.std_error("m").unwrap();
            assert!(
                (fit.estimate("m").unwrap() - truth).abs() <= 1e-3 * se,
                "{method}: {} against the grid's {truth}",
                fit.estimate("m").unwrap()
            );
            continue;
        }
        assert!(
            single.nll() > truth_nll + 1.0,
            "{method}: a single start from 0.2 stops at the local optimum: {single}"
        );
        let options = FitOptions::builder(method).starts(8).build().unwrap();
        let fit = model.fit_with(&data, &options).unwrap();
        assert!(fit.converged(), "{method}: {fit}");
        let se = fit.std_error("m").unwrap();
        assert!(
            (fit.estimate("m").unwrap() - truth).abs() <= 1e-3 * se,
            "{method}: {} against the grid's {truth}",
            fit.estimate("m").unwrap()
        );
        assert!(fit.nll() <= truth_nll + 1e-9 * truth_nll.abs(), "{method}");
        let info = fit.multi_start().expect("multi-start information");
        assert_eq!(info.starts(), 8);
        assert!(info.optima().len() >= 2, "{method}: {info}");
        assert!(info.reached_best() >= 1);
        // The optima are listed best first, and the single start's is among them.
        assert!(info.optima().windows(2).all(|w| w[0].nll() <= w[1].nll()));
        assert!(
            info.optima()
                .iter()
                .any(|o| (o.nll() - single.nll()).abs() < 1e-6)
        );
        let check = fit
            .certificate()
            .checks()
            .iter()
            .find(|c| c.name() == "multi-start")
            .expect("a multi-start check");
        assert_ne!(check.status(), Status::Fail);
        // Every start counts in the cost.
        assert!(fit.data_passes() > 4.0 * single.data_passes(), "{method}");
    }
}

#[test]
fn a_multi_start_is_the_same_on_any_number_of_threads() {
    let data = data();
    let model = Model::builder(cauchy).param("m", -1.0).build().unwrap();
    let options = FitOptions::builder(Method::Lbfgs)
        .starts(6)
        .seed(3)
        .build()
        .unwrap();
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| model.fit_with(&data, &options).unwrap())
    };
    let (one, four) = (on(1), on(4));
    assert_eq!(one.nll().to_bits(), four.nll().to_bits());
    assert_eq!(one.estimates(), four.estimates());
    assert_eq!(one.multi_start(), four.multi_start());
}

#[test]
fn the_number_of_starts_is_validated() {
    assert!(
        FitOptions::builder(Method::Lbfgs)
            .starts(0)
            .build()
            .is_err()
    );
    assert!(
        FitOptions::builder(Method::Lbfgs)
            .starts(maxlik::MAX_STARTS + 1)
            .build()
            .is_err()
    );
}

/// The profile of a two-cluster Cauchy location whose two optima are both inside the 95%
/// confidence set: the set has two pieces, and their ends are the crossings of the likelihood
/// ratio found here by bisection on the NLL itself.
#[test]
fn a_profile_reports_every_piece_of_its_confidence_set() {
    // Two clusters of 25: the tighter one (right) holds the global optimum, the other a local
    // one whose likelihood ratio is still inside the 95% cut-off.
    let mut data: Vec<f64> = (0..25).map(|i| -0.3 + 0.025 * f64::from(i)).collect();
    data.extend((0..25).map(|i| 5.76 + 0.02 * f64::from(i)));
    let nll = |m: f64| -> f64 { data.iter().map(|x| -cauchy(x, &[m])).sum() };
    let (truth, truth_nll) = grid_optimum(&data);
    let cutoff = 3.841_458_820_694_124;
    let deviance = |m: f64| 2.0 * (nll(m) - truth_nll);
    // The crossings, bracketed on a grid and refined by bisection.
    let mut crossings = Vec::new();
    let grid: Vec<f64> = (0..=12_000).map(|i| -3.0 + 1e-3 * f64::from(i)).collect();
    for w in grid.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (deviance(a) < cutoff) != (deviance(b) < cutoff) {
            let (mut lo, mut hi) = (a, b);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if (deviance(mid) < cutoff) == (deviance(lo) < cutoff) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            crossings.push(0.5 * (lo + hi));
        }
    }
    assert_eq!(crossings.len(), 4, "two pieces expected: {crossings:?}");
    let model = Model::builder(cauchy).param("m", truth).build().unwrap();
    let fit = model.fit(&data, Method::Lbfgs).unwrap();
    let interval = model.profile(&data, &fit, "m", 0.95).unwrap();
    let pieces = interval.pieces();
    assert_eq!(pieces.len(), 2, "{interval}");
    let ends: Vec<f64> = pieces
        .iter()
        .flat_map(|(a, b)| [a.value().unwrap(), b.value().unwrap()])
        .collect();
    for (end, exact) in ends.iter().zip(&crossings) {
        assert!((end - exact).abs() < 1e-6, "{end} vs {exact}: {interval}");
    }
    assert!(interval.to_string().contains("2 pieces"), "{interval}");
}
