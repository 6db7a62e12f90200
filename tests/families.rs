//! The built-in families against truths from outside the code: closed forms where they exist,
//! otherwise the likelihood equations solved here independently, and recovery of the true
//! parameters on large simulated samples.

use maxlik::{Error, FAMILIES, Family, FitOptions, Method};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Beta, Distribution, Exp, Gamma, LogNormal, Normal, Poisson, Weibull};
use statrs::function::gamma::digamma;

/// Distance from an independently computed MLE, in standard errors.
const WITHIN_SE: f64 = 1e-4;

fn sample<D: Distribution<f64>>(d: D, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    d.sample_iter(&mut rng).take(n).collect()
}

fn fit(family: Family, data: &[f64]) -> maxlik::Fit {
    let fit = family.fit(data, &FitOptions::new(Method::Lbfgs)).unwrap();
    assert!(fit.converged(), "{family}: {fit}");
    fit
}

fn mean(x: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = x.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// Bisection for an increasing or decreasing `g` with a sign change in `[lo, hi]`.
fn bisect(g: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    let sign_lo = g(lo).signum();
    for _ in 0..300 {
        let mid = 0.5 * (lo + hi);
        if g(mid).signum() == sign_lo {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

fn assert_close(fit: &maxlik::Fit, name: &str, truth: f64) {
    let se = fit.std_error(name).unwrap();
    let off = (fit.estimate(name).unwrap() - truth).abs() / se;
    assert!(
        off <= WITHIN_SE,
        "{name}: {} vs {truth} ({off:.2e} SE)\n{fit}",
        fit.estimate(name).unwrap()
    );
}

#[test]
fn lognormal_and_poisson_match_their_closed_forms() {
    let data = sample(LogNormal::new(1.5, 0.4).unwrap(), 2_000, 1);
    let logs: Vec<f64> = data.iter().map(|x| x.ln()).collect();
    let m = mean(logs.iter().copied());
    let s = mean(logs.iter().map(|l| (l - m) * (l - m))).sqrt();
    let f = fit(Family::LogNormal, &data);
    assert_close(&f, "meanlog", m);
    assert_close(&f, "sdlog", s);

    let counts = sample(Poisson::new(3.7).unwrap(), 2_000, 2);
    let f = fit(Family::Poisson, &counts);
    assert_close(&f, "lambda", mean(counts.iter().copied()));
}

#[test]
fn normal_and_exponential_match_their_closed_forms() {
    for (family, data) in [
        (
            Family::Normal,
            sample(Normal::new(-2.0, 0.5).unwrap(), 1_000, 3),
        ),
        (
            Family::Exponential,
            sample(Exp::new(4.0).unwrap(), 1_000, 4),
        ),
    ] {
        let f = fit(family, &data);
        let cmp = family.compare_closed_form(&data, &f).unwrap().unwrap();
        assert!(cmp.max_in_std_errors() <= WITHIN_SE, "{family}: {cmp}");
    }
}

/// Gamma: ln(shape) − ψ(shape) = ln(mean x) − mean(ln x), and scale = mean(x)/shape.
#[test]
fn gamma_solves_its_likelihood_equations() {
    let data = sample(Gamma::new(2.5, 1.3).unwrap(), 3_000, 5);
    let s = mean(data.iter().copied()).ln() - mean(data.iter().map(|x| x.ln()));
    let shape = bisect(|k| k.ln() - digamma(k) - s, 1e-3, 1e3);
    let f = fit(Family::Gamma, &data);
    assert_close(&f, "shape", shape);
    assert_close(&f, "scale", mean(data.iter().copied()) / shape);
}

/// Weibull: Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x) = 0, and scaleᵏ = mean(xᵏ).
#[test]
fn weibull_solves_its_shape_equation() {
    let data = sample(Weibull::new(2.0, 1.7).unwrap(), 3_000, 6);
    let mean_log = mean(data.iter().map(|x| x.ln()));
    let g = |k: f64| {
        let sk: f64 = data.iter().map(|x| x.powf(k)).sum();
        let skl: f64 = data.iter().map(|x| x.powf(k) * x.ln()).sum();
        skl / sk - 1.0 / k - mean_log
    };
    let shape = bisect(g, 0.05, 50.0);
    let scale = mean(data.iter().map(|x| x.powf(shape))).powf(1.0 / shape);
    let f = fit(Family::Weibull, &data);
    assert_close(&f, "shape", shape);
    assert_close(&f, "scale", scale);
}

/// Beta: the score, ψ(α+β) − ψ(α) + mean(ln x) for α and likewise for β, vanishes at the MLE:
/// measured in standard errors, |score|·n·SE is the distance a Newton step would move.
#[test]
fn beta_solves_its_likelihood_equations() {
    let data = sample(Beta::new(2.0, 5.0).unwrap(), 3_000, 7);
    let f = fit(Family::Beta, &data);
    let (a, b) = (f.estimate("alpha").unwrap(), f.estimate("beta").unwrap());
    let n = data.len() as f64;
    let score_a = n * (digamma(a + b) - digamma(a) + mean(data.iter().map(|x| x.ln())));
    let score_b = n * (digamma(a + b) - digamma(b) + mean(data.iter().map(|x| (1.0 - x).ln())));
    let inv = f.std_errors().unwrap().covariance().clone();
    // Newton step: Cov · score, in standard errors.
    let step_a = inv[(0, 0)] * score_a + inv[(0, 1)] * score_b;
    let step_b = inv[(1, 0)] * score_a + inv[(1, 1)] * score_b;
    assert!(
        step_a.abs() / f.std_error("alpha").unwrap() <= WITHIN_SE,
        "{step_a}"
    );
    assert!(
        step_b.abs() / f.std_error("beta").unwrap() <= WITHIN_SE,
        "{step_b}"
    );
}

/// On large samples every family recovers its true parameters within a few standard errors.
#[test]
fn every_family_recovers_its_parameters() {
    let n = 20_000;
    let cases: Vec<(Family, Vec<f64>, Vec<f64>)> = vec![
        (
            Family::Normal,
            sample(Normal::new(5.0, 2.0).unwrap(), n, 11),
            vec![5.0, 2.0],
        ),
        (
            Family::Exponential,
            sample(Exp::new(0.7).unwrap(), n, 12),
            vec![0.7],
        ),
        (
            Family::Gamma,
            sample(Gamma::new(3.0, 0.5).unwrap(), n, 13),
            vec![3.0, 0.5],
        ),
        (
            Family::Weibull,
            sample(Weibull::new(1.5, 1.5).unwrap(), n, 14),
            vec![1.5, 1.5],
        ),
        (
            Family::LogNormal,
            sample(LogNormal::new(0.3, 0.8).unwrap(), n, 15),
            vec![0.3, 0.8],
        ),
        (
            Family::Poisson,
            sample(Poisson::new(6.5).unwrap(), n, 16),
            vec![6.5],
        ),
        (
            Family::Beta,
            sample(Beta::new(0.8, 1.6).unwrap(), n, 17),
            vec![0.8, 1.6],
        ),
        (
            Family::NormalMixture,
            mixture(n, 18),
            vec![0.3, -2.0, 1.0, 3.0, 1.5],
        ),
    ];
    for (family, data, truth) in cases {
        for method in [Method::Lbfgs, Method::NelderMead] {
            let f = family.fit(&data, &FitOptions::new(method)).unwrap();
            assert!(f.converged(), "{family} {method}: {f}");
            assert_eq!(f.trust(), maxlik::Trust::Trusted, "{family} {method}: {f}");
            for (name, t) in family.names().iter().zip(&truth) {
                let z = (f.estimate(name).unwrap() - t) / f.std_error(name).unwrap();
                assert!(z.abs() < 4.5, "{family} {method} {name}: z = {z:.2}\n{f}");
            }
        }
    }
}

fn mixture(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (a, b) = (
        Normal::new(-2.0, 1.0).unwrap(),
        Normal::new(3.0, 1.5).unwrap(),
    );
    let u = rand_distr::Uniform::new(0.0, 1.0).unwrap();
    (0..n)
        .map(|_| {
            if u.sample(&mut rng) < 0.3 {
                a.sample(&mut rng)
            } else {
                b.sample(&mut rng)
            }
        })
        .collect()
}

#[test]
fn data_outside_the_support_is_named() {
    let cases: [(Family, &[f64], usize); 6] = [
        (Family::Gamma, &[1.0, 2.0, -0.5], 2),
        (Family::Exponential, &[-1.0, 2.0], 0),
        (Family::LogNormal, &[1.0, 0.0], 1),
        (Family::Poisson, &[1.0, 2.5, 3.0], 1),
        (Family::Beta, &[0.2, 1.0], 1),
        (Family::Weibull, &[3.0, f64::NAN], 1),
    ];
    for (family, data, bad) in cases {
        let err = family
            .fit(data, &FitOptions::new(Method::Lbfgs))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidObservation { index, .. } if index == bad),
            "{family}: {err}"
        );
    }
    assert!(matches!(
        Family::Normal.fit(&[2.0, 2.0, 2.0], &FitOptions::new(Method::Lbfgs)),
        Err(Error::DegenerateData { .. })
    ));
    assert!(matches!(
        "gauss".parse::<Family>(),
        Err(Error::UnknownFamily { .. })
    ));
    for f in FAMILIES {
        assert_eq!(f.name().parse::<Family>().unwrap(), f);
    }
}
