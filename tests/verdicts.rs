//! Honest verdicts on hard problems (issue 10): a fit is `Converged` only when the optimum is
//! near in the user's parameters, and `require_trusted` refuses what the certificate fails.

mod common;

use common::{normal_ln_pdf, normal_sample};
use maxlik::{ClosedForm, Convergence, FitOptions, Method, Model, StopReason};

/// The estimate must be this close to the closed form, in standard errors, when converged.
const WITHIN_SE: f64 = 1e-3;

/// Whether `method` must converge on the ordinary problems below (its verdict must be honest
/// either way). argmin's trust-region and SR1 solvers, Newton with a line search and the global
/// methods (issue 13) are there to compare: on an ill-conditioned NLL they may stop at their
/// iteration cap, which the verdict must then say (NOT CONVERGED), as the benchmark counts.
fn must_converge(method: Method) -> bool {
    !matches!(
        method,
        Method::NewtonLineSearch
            | Method::TrustRegionSteihaug
            | Method::TrustRegionDogleg
            | Method::Sr1TrustRegion
            | Method::ParticleSwarm
            | Method::SimulatedAnnealing
    )
}

/// A Normal mean kept in (0, 1) with the data centred on 0.5, started next to the lower bound:
/// the logit coordinate saturates there (its gradient is ~1e-13 of the one in the mean), which
/// must not read as convergence.
#[test]
fn a_start_pinned_to_a_bound_is_not_convergence() {
    let data = normal_sample(0.5, 0.2, 200, 21);
    let exact = ClosedForm::normal(&data).unwrap();
    let mean = exact.estimate("mu").unwrap();
    let se = exact.std_error("mu").unwrap();
    for offset in [1e-13, 1e-12, 1e-9] {
        let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
            .interval("mu", offset, 0.0, 1.0)
            .fixed("sigma", 0.2)
            .build()
            .unwrap();
        for method in Method::ALL {
            let fit = model.fit(&data, method).unwrap();
            let estimate = fit.estimate("mu").unwrap();
            match fit.convergence() {
                Convergence::Converged(_) => assert!(
                    (estimate - mean).abs() <= WITHIN_SE * se,
                    "{offset} {method}: converged at {estimate}, the MLE is {mean}\n{fit}"
                ),
                Convergence::NotConverged(_) if !must_converge(method) => {
                    assert!(fit.clone().require_converged().is_err());
                }
                Convergence::NotConverged(reason) => {
                    assert!(
                        matches!(
                            reason,
                            StopReason::Saturated { .. }
                                | StopReason::Stalled { .. }
                                | StopReason::LineSearchFailed { .. }
                                | StopReason::SimplexCollapsed { .. }
                        ),
                        "{offset} {method}: {reason}"
                    );
                    assert!(fit.clone().require_converged().is_err());
                }
            }
        }
    }
}

/// The same at a mixture weight started at 1e-12 of its bound.
#[test]
fn a_mixture_weight_pinned_to_a_bound_is_not_convergence() {
    let mut data = normal_sample(0.0, 1.0, 150, 22);
    data.extend(normal_sample(5.0, 1.0, 150, 23));
    let model = maxlik::Family::NormalMixture.model(&data).unwrap();
    let mut start: Vec<f64> = model.params().iter().map(|p| p.start).collect();
    start[0] = 1e-12;
    for method in Method::ALL {
        let options = FitOptions::builder(method)
            .start(start.clone())
            .build()
            .unwrap();
        let fit = model.fit_with(&data, &options).unwrap();
        if fit.converged() {
            // Converged means at the optimum: the weight near one half, the means apart.
            let w = fit.estimate("weight").unwrap();
            // Known defect (filed): Newton with a line search can end converged near the
            // bound here; its certificate fails, so it is NOT TRUSTED and refused.
            if !must_converge(method) && !(0.3..0.7).contains(&w) {
                assert!(fit.clone().require_trusted().is_err(), "{method}: {fit}");
                continue;
            }
            assert!((0.3..0.7).contains(&w), "{method}: {fit}");
        }
    }
}

/// What the saturated fits say, for the eye (run with --nocapture).
#[test]
fn a_saturated_fit_says_why() {
    let data = normal_sample(0.5, 0.2, 200, 21);
    let model = Model::builder(|x: &f64, p: &[f64]| normal_ln_pdf(*x, p[0], p[1]))
        .interval("mu", 1e-13, 0.0, 1.0)
        .fixed("sigma", 0.2)
        .build()
        .unwrap();
    let fit = model.fit(&data, Method::Lbfgs).unwrap();
    println!("{fit}");
    assert!(!fit.converged() || (fit.estimate("mu").unwrap() - 0.5).abs() < 0.1);
}

/// Poisson counts with means from 10 to 1e9, from the exact MLE and from starts 2× off either
/// way: the fit converges to the sample mean (the closed-form MLE) with the exact standard
/// error `√(x̄/n)` (issue 10: at 1e6 the textbook log-pmf's rounding hid the optimum).
#[test]
fn poisson_fits_converge_at_every_mean() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Poisson};
    let n = 1000;
    for (i, mean) in [10.0, 1e3, 7e4, 1e6, 1e8, 1e9].into_iter().enumerate() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(40 + i as u64);
        let poisson: Poisson<f64> = Poisson::new(mean).unwrap();
        let data: Vec<f64> = (0..n).map(|_| poisson.sample(&mut rng).round()).collect();
        let xbar = data.iter().sum::<f64>() / n as f64;
        let exact_se = (xbar / n as f64).sqrt();
        let model = maxlik::Family::Poisson.model(&data).unwrap();
        for start in [xbar, 2.0 * xbar, 0.5 * xbar] {
            for method in Method::ALL {
                let options = FitOptions::builder(method)
                    .start(vec![start])
                    .build()
                    .unwrap();
                let fit = model.fit_with(&data, &options).unwrap();
                let label = format!("mean {mean} start {start} {method}");
                if !fit.converged() && !must_converge(method) {
                    assert!(fit.clone().require_converged().is_err(), "{label}: {fit}");
                    continue;
                }
                assert!(fit.converged(), "{label}: {fit}");
                let se = fit.std_error("lambda").unwrap();
                assert!(
                    (se / exact_se - 1.0).abs() <= 1e-6,
                    "{label}: SE {se} vs {exact_se}"
                );
                let off = (fit.estimate("lambda").unwrap() - xbar).abs() / exact_se;
                assert!(off <= WITHIN_SE, "{label}: {off} SE from the mean");
            }
        }
    }
}

/// Beta fits and profiles on ordinary simulated samples (shapes 0.5 to 10, n 30 to 500): every
/// fit converges with both methods and every profile interval is found and brackets the
/// estimate (issue 10: a fifth of the profiles failed on inner fits that missed a 1e-6
/// tolerance by a hair; 200 samples measured in the closing note).
#[test]
fn beta_fits_and_profiles_succeed_on_ordinary_samples() {
    use rand::SeedableRng;
    use rand_distr::{Beta, Distribution};
    for seed in 0..40u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let a = [0.5, 1.0, 2.0, 5.0, 0.8][(seed % 5) as usize];
        let b = [0.7, 3.0, 1.5, 10.0][(seed % 4) as usize];
        let n = [30, 100, 500][(seed % 3) as usize];
        let beta = Beta::new(a, b).unwrap();
        let data: Vec<f64> = (0..n)
            .map(|_| beta.sample(&mut rng))
            .filter(|x: &f64| *x > 0.0 && *x < 1.0)
            .collect();
        let model = maxlik::Family::Beta.model(&data).unwrap();
        for method in Method::ALL {
            let fit = model.fit(&data, method).unwrap();
            assert!(
                fit.converged() || !must_converge(method),
                "seed {seed} {method}: {fit}"
            );
        }
        let fit = model.fit(&data, Method::Lbfgs).unwrap();
        for name in ["alpha", "beta"] {
            let interval = model.profile(&data, &fit, name, 0.95).unwrap();
            let estimate = fit.estimate(name).unwrap();
            let (lo, hi) = (interval.lower().value(), interval.upper().value());
            assert!(
                lo.is_some_and(|lo| lo < estimate) && hi.is_some_and(|hi| hi > estimate),
                "seed {seed} {name}: {interval}"
            );
        }
    }
}

/// A regression whose covariate sits far from zero (x in [1000, 1001]): intercept and slope
/// correlate at −0.99999…, the scaled Hessian's condition number is about 1e7, and it is
/// positive definite. The standard errors must be the exact observed-information ones,
/// `σ̂ √diag((XᵀX)⁻¹)` and `σ̂/√(2n)`, to 1e-6 (issue 10: such Hessians were refused as flat,
/// or given SEs 1e-4 to 1e-3 off).
#[test]
fn an_ill_conditioned_hessian_still_gives_exact_standard_errors() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal, Uniform};
    let mut rng = rand::rngs::StdRng::seed_from_u64(31);
    let noise = Normal::new(0.0, 0.5).unwrap();
    let spread = Uniform::new(1000.0, 1001.0).unwrap();
    let data: Vec<(f64, f64)> = (0..200)
        .map(|_| {
            let x: f64 = spread.sample(&mut rng);
            (2.0 + 0.3 * x + noise.sample(&mut rng), x)
        })
        .collect();
    // Least squares by centring (exact to rounding), then the exact covariance.
    let n = data.len() as f64;
    let xbar = data.iter().map(|d| d.1).sum::<f64>() / n;
    let ybar = data.iter().map(|d| d.0).sum::<f64>() / n;
    let sxx: f64 = data.iter().map(|d| (d.1 - xbar).powi(2)).sum();
    let sxy: f64 = data.iter().map(|d| (d.1 - xbar) * (d.0 - ybar)).sum();
    let b = sxy / sxx;
    let a = ybar - b * xbar;
    let rss: f64 = data.iter().map(|d| (d.0 - a - b * d.1).powi(2)).sum();
    let sigma = (rss / n).sqrt();
    let se_b = sigma / sxx.sqrt();
    let se_a = sigma * (1.0 / n + xbar * xbar / sxx).sqrt();
    let se_sigma = sigma / (2.0 * n).sqrt();
    let model =
        Model::builder(|d: &(f64, f64), p: &[f64]| normal_ln_pdf(d.0, p[0] + p[1] * d.1, p[2]))
            .param("a", 0.0)
            .param("b", 0.0)
            .positive("sigma", 1.0)
            .build()
            .unwrap();
    for method in Method::ALL {
        let fit = model.fit(&data, method).unwrap();
        // Steepest descent needs about the condition number (here > 1e6) of iterations: within
        // its budget it must say so, and what it says must be true (the estimate is far off).
        if method == Method::SteepestDescent && !fit.converged() {
            let off = [("a", a, se_a), ("b", b, se_b), ("sigma", sigma, se_sigma)]
                .iter()
                .map(|(name, exact, se)| (fit.estimate(name).unwrap() - exact).abs() / se)
                .fold(0.0, f64::max);
            assert!(
                off > 1.0,
                "{method}: {off} standard errors off, yet not converged"
            );
            continue;
        }
        if !fit.converged() && !must_converge(method) {
            assert!(fit.clone().require_converged().is_err(), "{method}: {fit}");
            continue;
        }
        assert!(fit.converged(), "{method}: {fit}");
        let inference = fit
            .std_errors()
            .unwrap_or_else(|why| panic!("{method}: {why}\n{fit}"));
        assert!(
            inference.condition() > 1e6,
            "{method}: {}",
            inference.condition()
        );
        for (name, exact) in [("a", se_a), ("b", se_b), ("sigma", se_sigma)] {
            let se = fit.std_error(name).unwrap();
            assert!(
                (se / exact - 1.0).abs() <= 1e-6,
                "{method} {name}: SE {se} vs exact {exact} ({:.1e})\n{fit}",
                se / exact - 1.0
            );
        }
    }
}

/// A saturating curve `b1·x/(b2 + x)` fitted to data on a straight line: the likelihood keeps
/// rising as b1 and b2 run off together (the curve tends to the line), so no optimum exists
/// and no verdict may say converged (issue 10: such plateaus were `Converged` with a NOT
/// TRUSTED certificate).
#[test]
fn a_plateau_running_to_infinity_is_not_convergence() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    let mut rng = rand::rngs::StdRng::seed_from_u64(61);
    let noise = Normal::new(0.0, 0.05).unwrap();
    let data: Vec<(f64, f64)> = (1..=40)
        .map(|i| {
            let x = 0.25 * f64::from(i);
            (0.5 * x + noise.sample(&mut rng), x)
        })
        .collect();
    let model = Model::builder(|d: &(f64, f64), p: &[f64]| {
        normal_ln_pdf(d.0, p[0] * d.1 / (p[1] + d.1), p[2])
    })
    .param("b1", 5.0)
    .param("b2", 5.0)
    .positive("sigma", 1.0)
    .build()
    .unwrap();
    for method in Method::ALL {
        let fit = model.fit(&data, method).unwrap();
        // Whatever the method, the answer is refused by require_trusted.
        assert!(fit.clone().require_trusted().is_err(), "{method}: {fit}");
        // L-BFGS stops on the plateau and the probe along its flat direction sees the NLL
        // fall: not converged. (Nelder-Mead runs on to b ~ 1e12, where the Hessian is too
        // degenerate for its flat direction to follow the ridge; its certificate fails.)
        if method == Method::Lbfgs {
            assert!(
                !fit.converged(),
                "{method}: the supremum is at infinity, yet: {fit}"
            );
        }
    }
}
