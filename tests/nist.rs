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
