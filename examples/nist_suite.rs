//! Every NIST StRD nonlinear regression in `tests/data` (and `tests/data/nist`), fitted as a
//! Gaussian MLE from both certified starts: how many significant digits each fit agrees with
//! the certified values on, and its verdict. The figures of docs/performance.md and the issues'
//! notes come from here.
//!
//! Each mean function is written once, generic over the number type: with `--exact` the fits
//! take exact derivatives by automatic differentiation (`Model::exact`), otherwise finite
//! differences. Models whose terms can be interchanged (the exponentials of Lanczos and MGH17,
//! the peaks of Gauss, the cycles of ENSO) have optima that differ only by the order of the
//! terms; the digits are counted for the best ordering.
//!
//! Run it with `cargo run --release --example nist_suite [lbfgs|nelder-mead|newton|bfgs|bhhh] [starts]
//! [--exact]` (`ONLY=Name` for one problem, `SHOW=Name` to print its fits).

use std::f64::consts::PI;

use maxlik::{Convergence, Differentiable, Fit, FitOptions, Method, Model, Number, Trust};

/// The mean functions of the NIST problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Misra1a,
    Misra1b,
    Misra1c,
    Misra1d,
    Chwirut,
    DanWood,
    Gauss,
    Lanczos,
    Mgh17,
    Kirby2,
    Hahn1,
    Nelson,
    Roszman1,
    Enso,
}

impl Kind {
    /// The mean at covariates `x` and coefficients `b`.
    fn mean<D: Number>(self, x: &[f64], b: &[D]) -> D {
        let c = |k: usize| b[k].clone();
        let t = x[0];
        match self {
            Kind::Misra1a => c(0) * (-(-c(1) * t).exp() + 1.0),
            Kind::Misra1b => c(0) * (-(c(1) * (t / 2.0) + 1.0).powi(-2) + 1.0),
            Kind::Misra1c => c(0) * (-(c(1) * (2.0 * t) + 1.0).powf(-0.5) + 1.0),
            Kind::Misra1d => c(0) * c(1) * t / (c(1) * t + 1.0),
            Kind::Chwirut => (-c(0) * t).exp() / (c(2) * t + c(1)),
            // x^b = exp(b ln x).
            Kind::DanWood => c(0) * (c(1) * t.ln()).exp(),
            Kind::Gauss => {
                let peak = |a: usize| {
                    let z = (-c(a + 1) + t) / c(a + 2);
                    c(a) * (-(z.clone() * z)).exp()
                };
                c(0) * (-c(1) * t).exp() + peak(2) + peak(5)
            }
            Kind::Lanczos => {
                c(0) * (-c(1) * t).exp() + c(2) * (-c(3) * t).exp() + c(4) * (-c(5) * t).exp()
            }
            Kind::Mgh17 => c(0) + c(1) * (-c(3) * t).exp() + c(2) * (-c(4) * t).exp(),
            Kind::Kirby2 => (c(0) + c(1) * t + c(2) * (t * t)) / (c(3) * t + c(4) * (t * t) + 1.0),
            Kind::Hahn1 => {
                (c(0) + c(1) * t + c(2) * t.powi(2) + c(3) * t.powi(3))
                    / (c(4) * t + c(5) * t.powi(2) + c(6) * t.powi(3) + 1.0)
            }
            Kind::Nelson => c(0) - c(1) * t * (-c(2) * x[1]).exp(),
            Kind::Roszman1 => c(0) - c(1) * t - (c(2) / (-c(3) + t)).atan() / PI,
            Kind::Enso => {
                let w = 2.0 * PI * t;
                let cycle = |a: usize| {
                    let phase = c(a).recip() * w;
                    c(a + 1) * phase.cos() + c(a + 2) * phase.sin()
                };
                c(0) + c(1) * (w / 12.0).cos() + c(2) * (w / 12.0).sin() + cycle(3) + cycle(6)
            }
        }
    }

    /// The orderings of the coefficients that describe the same curve (interchangeable terms).
    fn orderings(self) -> Vec<Vec<usize>> {
        match self {
            Kind::Lanczos => [
                [0, 1, 2],
                [0, 2, 1],
                [1, 0, 2],
                [1, 2, 0],
                [2, 0, 1],
                [2, 1, 0],
            ]
            .iter()
            .map(|o| o.iter().flat_map(|&k| [2 * k, 2 * k + 1]).collect())
            .collect(),
            Kind::Gauss => vec![vec![0, 1, 2, 3, 4, 5, 6, 7], vec![0, 1, 5, 6, 7, 2, 3, 4]],
            Kind::Mgh17 => vec![vec![0, 1, 2, 3, 4], vec![0, 2, 1, 4, 3]],
            Kind::Enso => vec![
                vec![0, 1, 2, 3, 4, 5, 6, 7, 8],
                vec![0, 1, 2, 6, 7, 8, 3, 4, 5],
            ],
            _ => Vec::new(),
        }
    }
}

/// The Gaussian log-density of `(y, x…)` with the coefficients and σ last.
#[derive(Clone, Copy)]
struct Gaussian(Kind);

impl Differentiable<(f64, Vec<f64>)> for Gaussian {
    fn ln_density<D: Number>(&self, obs: &(f64, Vec<f64>), p: &[D]) -> D {
        let sigma = p[p.len() - 1].clone();
        let z = (-self.0.mean(&obs.1, &p[..p.len() - 1]) + obs.0) / sigma.clone();
        -(z.clone() * z) * 0.5 - sigma.ln() - 0.918_938_533_204_672_8
    }
}

/// Starts, certified values and the data `(y, x…)` of a NIST file.
type Problem = ([Vec<f64>; 2], Vec<f64>, Vec<(f64, Vec<f64>)>);

fn load(name: &str) -> Result<Problem, Box<dyn std::error::Error>> {
    let root = env!("CARGO_MANIFEST_DIR");
    let nested = format!("{root}/tests/data/nist/{name}.dat");
    let path = if std::path::Path::new(&nested).exists() {
        nested
    } else {
        format!("{root}/tests/data/{name}.dat")
    };
    let text = std::fs::read_to_string(path)?;
    let mut starts = [Vec::new(), Vec::new()];
    let mut certified = Vec::new();
    let mut data = Vec::new();
    let mut in_data = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if in_data {
            let values: Result<Vec<f64>, _> = f.iter().map(|v| v.parse::<f64>()).collect();
            if let Ok(v) = values
                && v.len() >= 2
            {
                data.push((v[0], v[1..].to_vec()));
            }
        } else if f.len() == 6 && f[0].starts_with('b') && f[1] == "=" {
            starts[0].push(f[2].parse()?);
            starts[1].push(f[3].parse()?);
            certified.push(f[4].parse()?);
        } else if line.starts_with("Data:") && f.get(1) == Some(&"y") {
            in_data = true;
        }
    }
    Ok((starts, certified, data))
}

/// Each problem: its name, its mean function, and whether the response is `ln y` (Nelson).
fn problems() -> Vec<(&'static str, Kind, bool)> {
    vec![
        ("Misra1a", Kind::Misra1a, false),
        ("Misra1b", Kind::Misra1b, false),
        ("Misra1c", Kind::Misra1c, false),
        ("Misra1d", Kind::Misra1d, false),
        ("Chwirut1", Kind::Chwirut, false),
        ("Chwirut2", Kind::Chwirut, false),
        ("DanWood", Kind::DanWood, false),
        ("Gauss1", Kind::Gauss, false),
        ("Gauss2", Kind::Gauss, false),
        ("Gauss3", Kind::Gauss, false),
        ("Lanczos1", Kind::Lanczos, false),
        ("Lanczos2", Kind::Lanczos, false),
        ("Lanczos3", Kind::Lanczos, false),
        ("MGH17", Kind::Mgh17, false),
        ("Kirby2", Kind::Kirby2, false),
        ("Hahn1", Kind::Hahn1, false),
        ("Nelson", Kind::Nelson, true),
        ("Roszman1", Kind::Roszman1, false),
        ("ENSO", Kind::Enso, false),
    ]
}

/// The fewest significant digits any coefficient agrees with the certified values on, for the
/// best ordering of interchangeable terms.
fn digits(kind: Kind, certified: &[f64], estimates: &[f64]) -> f64 {
    let mut orderings = kind.orderings();
    if orderings.is_empty() {
        orderings.push((0..certified.len()).collect());
    }
    orderings
        .iter()
        .map(|order| {
            certified
                .iter()
                .zip(order)
                .map(|(c, &k)| -((estimates[k] - c).abs() / c.abs()).log10())
                .fold(f64::INFINITY, f64::min)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exact = args.iter().any(|a| a == "--exact");
    let plain: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let method = match plain.first().map(|s| s.as_str()) {
        Some("nelder-mead") => Method::NelderMead,
        Some("newton") => Method::Newton,
        Some("bfgs") => Method::Bfgs,
        Some("bhhh") => Method::Bhhh,
        _ => Method::Lbfgs,
    };
    let starts: usize = plain.get(1).map_or(Ok(1), |s| s.parse())?;
    let options = FitOptions::builder(method).starts(starts).build()?;
    let (mut six_digits, mut false_trust, mut total) = (0, 0, 0);
    let derivatives = if exact {
        "exact derivatives"
    } else {
        "finite differences"
    };
    println!("{method}, {derivatives}, {starts} start(s) per certified start");
    let only = std::env::var("ONLY").ok();
    for (name, kind, log_response) in problems() {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let (certified_starts, certified, data) = load(name)?;
        let data: Vec<(f64, Vec<f64>)> = data
            .into_iter()
            .map(|(y, x)| (if log_response { y.ln() } else { y }, x))
            .collect();
        let n = data.len() as f64;
        for (s, start) in certified_starts.iter().enumerate() {
            let rss0: f64 = data
                .iter()
                .map(|(y, x)| (y - kind.mean(x, start)).powi(2))
                .sum();
            let sigma0 = (rss0 / n).sqrt().max(1e-300);
            let names: Vec<String> = (1..=start.len()).map(|i| format!("b{i}")).collect();
            let fit: Fit = if exact {
                let mut builder = Model::exact(Gaussian(kind));
                for (name, &b) in names.iter().zip(start) {
                    builder = builder.param(name, b);
                }
                let model = builder.positive("sigma", sigma0).build()?;
                model.fit_with(&data, &options)?
            } else {
                let density = Gaussian(kind);
                let mut builder = Model::builder(move |obs: &(f64, Vec<f64>), p: &[f64]| {
                    density.ln_density(obs, p)
                });
                for (name, &b) in names.iter().zip(start) {
                    builder = builder.param(name, b);
                }
                let model = builder.positive("sigma", sigma0).build()?;
                model.fit_with(&data, &options)?
            };
            if std::env::var("SHOW").is_ok_and(|v| v == name) {
                println!("{fit}");
            }
            let digits = digits(kind, &certified, fit.estimates());
            total += 1;
            if digits >= 6.0 {
                six_digits += 1;
            } else if fit.trust() != Trust::NotTrusted {
                false_trust += 1;
            }
            let verdict = match fit.convergence() {
                Convergence::Converged(_) => "converged".to_string(),
                Convergence::NotConverged(r) => r.to_string().chars().take(50).collect(),
            };
            println!(
                "{name:9} start {}: {digits:5.1} digits, {:22} {verdict}",
                s + 1,
                format!("{}", fit.trust())
            );
        }
    }
    println!(
        "{six_digits} of {total} fits reach 6 significant digits; {false_trust} others are not marked NOT TRUSTED"
    );
    Ok(())
}
