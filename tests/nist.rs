//! NIST StRD nonlinear regression fitted as a Gaussian MLE: least squares is the MLE of the
//! regression parameters, and the MLE of sigma is sqrt(RSS / n). Certified values from
//! `tests/data/*.dat` (copied from NIST's Statistical Reference Datasets).

use maxlik::{FitOptions, Method, Model};

/// Significant digits the certified parameters must be matched to (issue 2 asks for at least 6).
const CERTIFIED_RELATIVE: f64 = 1e-6;

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// A NIST StRD problem: starting values, certified values, RSS and the data `(y, x)`.
struct Problem {
    starts: [Vec<f64>; 2],
    certified: Vec<f64>,
    rss: f64,
    data: Vec<(f64, f64)>,
}

fn load(name: &str) -> Problem {
    let root = env!("CARGO_MANIFEST_DIR");
    let nested = format!("{root}/tests/data/nist/{name}.dat");
    let path = if std::path::Path::new(&nested).exists() {
        nested
    } else {
        format!("{root}/tests/data/{name}.dat")
    };
    let text = std::fs::read_to_string(&path).expect("NIST file present");
    let mut starts = [Vec::new(), Vec::new()];
    let mut certified = Vec::new();
    let mut rss = None;
    let mut data = Vec::new();
    let mut in_data = false;
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if in_data {
            if let [y, x] = fields[..] {
                data.push((y.parse().expect("y"), x.parse().expect("x")));
            }
        } else if fields.len() == 6 && fields[0].starts_with('b') && fields[1] == "=" {
            starts[0].push(fields[2].parse().expect("start 1"));
            starts[1].push(fields[3].parse().expect("start 2"));
            certified.push(fields[4].parse().expect("certified"));
        } else if line.starts_with("Residual Sum of Squares:") {
            rss = Some(fields[4].parse().expect("rss"));
        } else if line.starts_with("Data:") && fields.get(1) == Some(&"y") {
            in_data = true;
        }
    }
    Problem {
        starts,
        certified,
        rss: rss.expect("certified RSS"),
        data,
    }
}

/// Fits `mean(x, b)` with Gaussian errors from both NIST starts, with both methods, and checks
/// every parameter and sigma against the certified values.
fn check<M: Fn(f64, &[f64]) -> f64 + Sync>(name: &str, mean: M, local: &[(usize, Method)]) {
    check_with(name, mean, local, &Method::ALL);
}

/// [`check`] with the given methods only.
///
/// `local` lists the (start, method) pairs known to stop at another local optimum; for those the
/// test checks that the optimum reached is a worse one than the certified optimum, never a
/// better one (which would contradict the certificate).
fn check_with<M: Fn(f64, &[f64]) -> f64 + Sync>(
    name: &str,
    mean: M,
    local: &[(usize, Method)],
    methods: &[Method],
) {
    let problem = load(name);
    let n = problem.data.len() as f64;
    let certified_sigma = (problem.rss / n).sqrt();
    for (s, start) in problem.starts.iter().enumerate() {
        // A data-driven start for sigma: the residual RMS at the NIST starting point.
        let rss0: f64 = problem
            .data
            .iter()
            .map(|&(y, x)| (y - mean(x, start)).powi(2))
            .sum();
        let mut builder = Model::builder(|obs: &(f64, f64), p: &[f64]| {
            let sigma = p[p.len() - 1];
            let z = (obs.0 - mean(obs.1, p)) / sigma;
            -0.5 * z * z - sigma.ln() - LN_SQRT_2PI
        });
        for (i, &b) in start.iter().enumerate() {
            builder = builder.param(&format!("b{}", i + 1), b);
        }
        let model = builder
            .positive("sigma", (rss0 / n).sqrt())
            .build()
            .unwrap();
        // Six significant digits of a parameter whose standard error is 1% of it need the
        // optimum to within 1e-4 standard errors; Nelder-Mead is asked for that explicitly.
        let options = [
            FitOptions::new(Method::Lbfgs),
            FitOptions::builder(Method::NelderMead)
                .tolerance(1e-8)
                .build()
                .unwrap(),
        ];
        for options in options.iter().filter(|o| methods.contains(&o.method())) {
            let method = options.method();
            let fit = model.fit_with(&problem.data, options).unwrap();
            let label = format!("{name} start {} {method}", s + 1);
            assert!(fit.converged(), "{label}: {fit}");
            // The NLL at the certified optimum: n/2 (ln(2π RSS/n) + 1).
            let certified_nll =
                0.5 * n * ((2.0 * std::f64::consts::PI * problem.rss / n).ln() + 1.0);
            if local.contains(&(s + 1, method)) {
                assert!(fit.nll() > certified_nll + 1.0, "{label}: {fit}");
                continue;
            }
            assert!(
                (fit.nll() - certified_nll).abs() <= 1e-9 * certified_nll.abs(),
                "{label}: {fit}"
            );
            for (i, &c) in problem.certified.iter().enumerate() {
                let b = fit.estimates()[i];
                assert!(
                    (b - c).abs() <= CERTIFIED_RELATIVE * c.abs(),
                    "{label}: b{} = {b:e}, certified {c:e}\n{fit}",
                    i + 1
                );
            }
            let sigma = fit.estimate("sigma").unwrap();
            assert!(
                (sigma - certified_sigma).abs() <= CERTIFIED_RELATIVE * certified_sigma,
                "{label}: sigma = {sigma:e}, certified sqrt(RSS/n) = {certified_sigma:e}"
            );
        }
    }
}

#[test]
fn misra1a_matches_certified_values() {
    check("Misra1a", |x, b| b[0] * (1.0 - (-b[1] * x).exp()), &[]);
}

#[test]
fn chwirut2_matches_certified_values() {
    // From start 1, Nelder-Mead's first simplex leads it into the basin of another local
    // optimum (b3 < 0, NLL 148.41 against 137.41 at the certified one).
    check(
        "Chwirut2",
        |x, b| (-b[0] * x).exp() / (b[1] + b[2] * x),
        &[(1, Method::NelderMead)],
    );
}

/// ENSO (average difficulty, 9 parameters, three periodic terms): from its first start the
/// first L-BFGS steps used to carry the second period from 25 to 70, into the basin of a local
/// optimum 16 NLL units above the certified one, and call it TRUSTED (issue 10). The
/// trust-region opening keeps every step within what the local curvature vouches for.
#[test]
fn enso_matches_certified_values_from_both_starts() {
    use std::f64::consts::PI;
    check_with(
        "ENSO",
        |x, b| {
            let w = 2.0 * PI * x;
            b[0] + b[1] * (w / 12.0).cos()
                + b[2] * (w / 12.0).sin()
                + b[4] * (w / b[3]).cos()
                + b[5] * (w / b[3]).sin()
                + b[7] * (w / b[6]).cos()
                + b[8] * (w / b[6]).sin()
        },
        &[],
        &[Method::Lbfgs],
    );
}

/// Hahn1 (average difficulty, a rational function of degree 3/3 with coefficients from 1 to
/// 1e-7): from its first start L-BFGS used to run off along a plateau, and from its second to
/// stop 8 digits off; both now reach the certified values.
#[test]
fn hahn1_matches_certified_values_from_both_starts() {
    check_with(
        "Hahn1",
        |x, b| {
            (b[0] + b[1] * x + b[2] * x * x + b[3] * x.powi(3))
                / (1.0 + b[4] * x + b[5] * x * x + b[6] * x.powi(3))
        },
        &[],
        &[Method::Lbfgs],
    );
}

/// The sum of three exponentials of the Lanczos problems, generic over the number type.
#[cfg(feature = "autodiff")]
struct Lanczos;

#[cfg(feature = "autodiff")]
impl maxlik::Differentiable<(f64, f64)> for Lanczos {
    fn ln_density<D: maxlik::Number>(&self, obs: &(f64, f64), p: &[D]) -> D {
        let (y, x) = *obs;
        let term = |a: usize| p[a].clone() * (-p[a + 1].clone() * x).exp();
        let sigma = p[6].clone();
        let z = (-(term(0) + term(2) + term(4)) + y) / sigma.clone();
        -(z.clone() * z) * 0.5 - sigma.ln() - LN_SQRT_2PI
    }
}

/// The exponential terms of a Lanczos fit in the certified order (by rate): the three terms are
/// interchangeable, so an optimum may list them in any order.
fn by_rate(b: &[f64]) -> Vec<f64> {
    let mut terms: Vec<(f64, f64)> = (0..3).map(|k| (b[2 * k], b[2 * k + 1])).collect();
    terms.sort_by(|a, b| a.1.total_cmp(&b.1));
    terms.iter().flat_map(|&(a, c)| [a, c]).collect()
}

/// The observed information of the Gaussian NLL of the Lanczos model at `(b, σ)`, from the
/// analytic first and second derivatives of the mean, inverted: the standard errors of
/// `b1..b6, σ`. Independent of maxlik.
fn lanczos_std_errors(data: &[(f64, f64)], b: &[f64], sigma: f64) -> Vec<f64> {
    use maxlik::nalgebra::{DMatrix, DVector};
    let mut h = DMatrix::<f64>::zeros(7, 7);
    let s2 = sigma * sigma;
    let mut rss = 0.0;
    for &(y, x) in data {
        let e: Vec<f64> = (0..3).map(|k| (-b[2 * k + 1] * x).exp()).collect();
        let m: f64 = (0..3).map(|k| b[2 * k] * e[k]).sum();
        let r = y - m;
        rss += r * r;
        // ∂m/∂a_k = e_k, ∂m/∂c_k = −a_k x e_k.
        let mut j = DVector::zeros(6);
        let mut second = DMatrix::zeros(6, 6);
        for k in 0..3 {
            j[2 * k] = e[k];
            j[2 * k + 1] = -b[2 * k] * x * e[k];
            second[(2 * k, 2 * k + 1)] = -x * e[k];
            second[(2 * k + 1, 2 * k)] = -x * e[k];
            second[(2 * k + 1, 2 * k + 1)] = b[2 * k] * x * x * e[k];
        }
        // NLL = Σ r²/(2σ²) + n ln σ: ∂²/∂b² = (J Jᵀ − r ∇²m)/σ², ∂²/∂b∂σ = −2 r J/σ³.
        let hb = (&j * j.transpose() - second * r) / s2;
        for r in 0..6 {
            for c in 0..6 {
                h[(r, c)] += hb[(r, c)];
            }
        }
        let cross = &j * (-2.0 * r / (s2 * sigma));
        for k in 0..6 {
            h[(k, 6)] += cross[k];
            h[(6, k)] += cross[k];
        }
    }
    let n = data.len() as f64;
    h[(6, 6)] = 3.0 * rss / (s2 * s2) - n / s2;
    let cov = h.try_inverse().expect("positive definite");
    (0..7).map(|k| cov[(k, k)].sqrt()).collect()
}

/// Lanczos3 (average difficulty, generated data with 5 digits): from both certified starts,
/// with exact derivatives and the default method, every coefficient to 6 significant digits
/// (in the certified order of the interchangeable terms) and the standard errors to 1e-6 of
/// the analytic observed information at the fit's estimates. (Finite differences reach
/// neither start: the joint likelihood of the coefficients and σ is far from quadratic until
/// σ has fallen by orders of magnitude.)
#[cfg(feature = "autodiff")]
#[test]
fn lanczos3_matches_certified_values_with_exact_derivatives() {
    let problem = load("Lanczos3");
    let n = problem.data.len() as f64;
    for start in &problem.starts {
        let rss0: f64 = problem
            .data
            .iter()
            .map(|&(y, x)| {
                let m: f64 = (0..3)
                    .map(|k| start[2 * k] * (-start[2 * k + 1] * x).exp())
                    .sum();
                (y - m).powi(2)
            })
            .sum();
        let mut builder = Model::exact(Lanczos);
        for (i, &b) in start.iter().enumerate() {
            builder = builder.param(&format!("b{}", i + 1), b);
        }
        let model = builder
            .positive("sigma", (rss0 / n).sqrt())
            .build()
            .unwrap();
        let fit = model.fit(&problem.data, Method::Lbfgs).unwrap();
        assert_ne!(fit.trust(), maxlik::Trust::NotTrusted, "{fit}");
        let estimates = fit.estimates();
        for (e, c) in by_rate(&estimates[..6]).iter().zip(&problem.certified) {
            assert!((e / c - 1.0).abs() <= CERTIFIED_RELATIVE, "{e} against {c}");
        }
        let sigma = (problem.rss / n).sqrt();
        assert!((estimates[6] / sigma - 1.0).abs() <= CERTIFIED_RELATIVE);
        let exact = lanczos_std_errors(&problem.data, &estimates[..6], estimates[6]);
        let se = fit.std_errors().unwrap().std_errors();
        for (s, e) in se.iter().zip(&exact) {
            let s = s.unwrap();
            assert!((s / e - 1.0).abs() <= 1e-6, "{s} against {e}");
        }
    }
}

/// Lanczos3 from both certified starts and Lanczos2 from its first, with finite differences
/// and the default method: every coefficient and σ to 6 significant digits (the terms in the
/// certified order), the fit not NOT TRUSTED, and the standard errors within three times the
/// error the fit states for them (their change when the Hessian's step is halved) of the analytic observed
/// information at the fit's estimates; for Lanczos3 within 1e-4 (the scaled Hessian's condition
/// number is about 1e8; the NLL's rounding, ~1e-12 with residuals 1e-5 of responses of order
/// 1, bounds the second differences; Lanczos2's residuals are ten times smaller). Before the
/// gradients were taken along the axes that whiten the Hessian, the gradient's rounding put
/// these optima no closer than 1e-3 standard errors, and neither set reached 2 digits.
#[test]
fn lanczos_matches_certified_values_with_finite_differences() {
    for (name, starts) in [("Lanczos3", &[0, 1][..]), ("Lanczos2", &[0][..])] {
        let problem = load(name);
        let n = problem.data.len() as f64;
        for &s in starts {
            let start = &problem.starts[s];
            let mean = |x: f64, b: &[f64]| -> f64 {
                (0..3).map(|k| b[2 * k] * (-b[2 * k + 1] * x).exp()).sum()
            };
            let rss0: f64 = problem
                .data
                .iter()
                .map(|&(y, x)| (y - mean(x, start)).powi(2))
                .sum();
            let mut builder = Model::builder(move |&(y, x): &(f64, f64), p: &[f64]| {
                let z = (y - mean(x, p)) / p[6];
                -0.5 * z * z - p[6].ln() - LN_SQRT_2PI
            });
            for (i, &b) in start.iter().enumerate() {
                builder = builder.param(&format!("b{}", i + 1), b);
            }
            let model = builder
                .positive("sigma", (rss0 / n).sqrt())
                .build()
                .unwrap();
            let fit = model.fit(&problem.data, Method::Lbfgs).unwrap();
            assert!(fit.converged(), "{name} start {}: {fit}", s + 1);
            assert_ne!(fit.trust(), maxlik::Trust::NotTrusted, "{fit}");
            let estimates = fit.estimates();
            for (e, c) in by_rate(&estimates[..6]).iter().zip(&problem.certified) {
                assert!(
                    (e / c - 1.0).abs() <= CERTIFIED_RELATIVE,
                    "{name} start {}: {e} against {c}",
                    s + 1
                );
            }
            let sigma = (problem.rss / n).sqrt();
            assert!((estimates[6] / sigma - 1.0).abs() <= CERTIFIED_RELATIVE);
            let exact = lanczos_std_errors(&problem.data, &estimates[..6], estimates[6]);
            let se = fit.std_errors().unwrap().std_errors();
            let worst = se
                .iter()
                .zip(&exact)
                .map(|(s, e)| (s.unwrap() / e - 1.0).abs())
                .fold(0.0, f64::max);
            // What the fit says of its own standard errors must hold: their change when the
            // Hessian's step is halved is their error's order of magnitude (an estimate from
            // two measurements: within a factor of 3 here).
            let stated = fit.std_errors().unwrap().step_change();
            assert!(
                worst <= 3.0 * stated.max(1e-6),
                "{name} start {}: SEs {worst:.1e} off, stated {stated:.1e}",
                s + 1
            );
            if name == "Lanczos3" {
                assert!(worst <= 1e-4, "{name} start {}: SEs {worst:.1e} off", s + 1);
            }
        }
    }
}

/// MGH17's mean, generic over the number type.
#[cfg(feature = "autodiff")]
struct Mgh17;

#[cfg(feature = "autodiff")]
impl maxlik::Differentiable<(f64, f64)> for Mgh17 {
    fn ln_density<D: maxlik::Number>(&self, obs: &(f64, f64), p: &[D]) -> D {
        let (y, x) = *obs;
        let m = p[0].clone()
            + p[1].clone() * (-p[3].clone() * x).exp()
            + p[2].clone() * (-p[4].clone() * x).exp();
        let sigma = p[5].clone();
        let z = (-m + y) / sigma.clone();
        -(z.clone() * z) * 0.5 - sigma.ln() - LN_SQRT_2PI
    }
}

/// MGH17 (higher difficulty): from both certified starts (the first, 50, 150, −100, 1, 2, is
/// far: e^(−2x) underflows over most of the data), with exact derivatives and the default
/// method, every coefficient and σ to 6 significant digits, the two exponential terms in the
/// certified order.
#[cfg(feature = "autodiff")]
#[test]
fn mgh17_matches_certified_values_with_exact_derivatives() {
    let problem = load("MGH17");
    let n = problem.data.len() as f64;
    let mean = |b: &[f64], x: f64| b[0] + b[1] * (-x * b[3]).exp() + b[2] * (-x * b[4]).exp();
    for start in &problem.starts {
        let rss0: f64 = problem
            .data
            .iter()
            .map(|&(y, x)| (y - mean(start, x)).powi(2))
            .sum();
        let mut builder = Model::exact(Mgh17);
        for (i, &b) in start.iter().enumerate() {
            builder = builder.param(&format!("b{}", i + 1), b);
        }
        let model = builder
            .positive("sigma", (rss0 / n).sqrt())
            .build()
            .unwrap();
        let fit = model.fit(&problem.data, Method::Lbfgs).unwrap();
        assert_ne!(fit.trust(), maxlik::Trust::NotTrusted, "{fit}");
        let e = fit.estimates();
        // The slower-decaying term first, as certified.
        let ordered = if e[3] <= e[4] {
            vec![e[0], e[1], e[2], e[3], e[4]]
        } else {
            vec![e[0], e[2], e[1], e[4], e[3]]
        };
        for (v, c) in ordered.iter().zip(&problem.certified) {
            assert!((v / c - 1.0).abs() <= CERTIFIED_RELATIVE, "{v} against {c}");
        }
        assert!((e[5] / (problem.rss / n).sqrt() - 1.0).abs() <= CERTIFIED_RELATIVE);
    }
}
