//! Every NIST StRD nonlinear regression in `tests/data` (and `tests/data/nist`), fitted as a
//! Gaussian MLE from both certified starts: how many significant digits each fit agrees with
//! the certified values on, and its verdict. The figures of docs/performance.md and the issues'
//! notes come from here.
//!
//! Run it with `cargo run --release --example nist_suite [lbfgs|nelder-mead] [starts]`.

use std::f64::consts::PI;

use maxlik::{Convergence, FitOptions, Method, Model, Trust};

type Mean = fn(&[f64], &[f64]) -> f64;

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

fn gauss(x: &[f64], b: &[f64]) -> f64 {
    b[0] * (-b[1] * x[0]).exp()
        + b[2] * (-((x[0] - b[3]) / b[4]).powi(2)).exp()
        + b[5] * (-((x[0] - b[6]) / b[7]).powi(2)).exp()
}

fn lanczos(x: &[f64], b: &[f64]) -> f64 {
    b[0] * (-b[1] * x[0]).exp() + b[2] * (-b[3] * x[0]).exp() + b[4] * (-b[5] * x[0]).exp()
}

fn chwirut(x: &[f64], b: &[f64]) -> f64 {
    (-b[0] * x[0]).exp() / (b[1] + b[2] * x[0])
}

fn enso(x: &[f64], b: &[f64]) -> f64 {
    let w = 2.0 * PI * x[0];
    b[0] + b[1] * (w / 12.0).cos()
        + b[2] * (w / 12.0).sin()
        + b[4] * (w / b[3]).cos()
        + b[5] * (w / b[3]).sin()
        + b[7] * (w / b[6]).cos()
        + b[8] * (w / b[6]).sin()
}

/// Each problem: its name, its mean function, and whether the response is `ln y` (Nelson).
fn problems() -> Vec<(&'static str, Mean, bool)> {
    vec![
        ("Misra1a", |x, b| b[0] * (1.0 - (-b[1] * x[0]).exp()), false),
        (
            "Misra1b",
            |x, b| b[0] * (1.0 - (1.0 + b[1] * x[0] / 2.0).powi(-2)),
            false,
        ),
        (
            "Misra1c",
            |x, b| b[0] * (1.0 - (1.0 + 2.0 * b[1] * x[0]).powf(-0.5)),
            false,
        ),
        (
            "Misra1d",
            |x, b| b[0] * b[1] * x[0] / (1.0 + b[1] * x[0]),
            false,
        ),
        ("Chwirut1", chwirut, false),
        ("Chwirut2", chwirut, false),
        ("DanWood", |x, b| b[0] * x[0].powf(b[1]), false),
        ("Gauss1", gauss, false),
        ("Gauss2", gauss, false),
        ("Gauss3", gauss, false),
        ("Lanczos1", lanczos, false),
        ("Lanczos2", lanczos, false),
        ("Lanczos3", lanczos, false),
        (
            "MGH17",
            |x, b| b[0] + b[1] * (-x[0] * b[3]).exp() + b[2] * (-x[0] * b[4]).exp(),
            false,
        ),
        (
            "Kirby2",
            |x, b| {
                (b[0] + b[1] * x[0] + b[2] * x[0] * x[0]) / (1.0 + b[3] * x[0] + b[4] * x[0] * x[0])
            },
            false,
        ),
        (
            "Hahn1",
            |x, b| {
                (b[0] + b[1] * x[0] + b[2] * x[0].powi(2) + b[3] * x[0].powi(3))
                    / (1.0 + b[4] * x[0] + b[5] * x[0].powi(2) + b[6] * x[0].powi(3))
            },
            false,
        ),
        (
            "Nelson",
            |x, b| b[0] - b[1] * x[0] * (-b[2] * x[1]).exp(),
            true,
        ),
        (
            "Roszman1",
            |x, b| b[0] - b[1] * x[0] - (b[2] / (x[0] - b[3])).atan() / PI,
            false,
        ),
        ("ENSO", enso, false),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let method = match std::env::args().nth(1).as_deref() {
        Some("nelder-mead") => Method::NelderMead,
        _ => Method::Lbfgs,
    };
    let starts: usize = std::env::args().nth(2).map_or(Ok(1), |s| s.parse())?;
    let options = FitOptions::builder(method).starts(starts).build()?;
    let (mut six_digits, mut false_trust, mut total) = (0, 0, 0);
    println!("{method}, {starts} start(s) per certified start");
    let only = std::env::var("ONLY").ok();
    for (name, mean, log_response) in problems() {
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
            let rss0: f64 = data.iter().map(|(y, x)| (y - mean(x, start)).powi(2)).sum();
            let mut builder = Model::builder(move |obs: &(f64, Vec<f64>), p: &[f64]| {
                let sigma = p[p.len() - 1];
                let z = (obs.0 - mean(&obs.1, p)) / sigma;
                -0.5 * z * z - sigma.ln() - 0.918_938_533_204_672_8
            });
            for (i, &b) in start.iter().enumerate() {
                builder = builder.param(&format!("b{}", i + 1), b);
            }
            let model = builder
                .positive("sigma", (rss0 / n).sqrt().max(1e-300))
                .build()?;
            let fit = model.fit_with(&data, &options)?;
            if std::env::var("SHOW").is_ok_and(|v| v == name) {
                println!("{fit}");
            }
            let digits = certified
                .iter()
                .zip(fit.estimates())
                .map(|(c, e)| -((e - c).abs() / c.abs()).log10())
                .fold(f64::INFINITY, f64::min);
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
