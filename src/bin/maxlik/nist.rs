//! The NIST StRD nonlinear regressions shipped in `tests/data`, as Gaussian maximum-likelihood
//! problems: each mean function written once, generic over the number type (finite differences
//! or exact derivatives), the certified values and both certified starts. Shared by `maxlik
//! benchmark` and `examples/nist_suite.rs`.

use std::f64::consts::PI;

use maxlik::{Differentiable, Number};

/// The mean functions of the NIST problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
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
    pub fn mean<D: Number>(self, x: &[f64], b: &[D]) -> D {
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

    /// The fewest significant digits (the log relative error, LRE) any coefficient agrees with
    /// the certified values on, for the best ordering of interchangeable terms (and either sign
    /// of a Gaussian peak's width).
    pub fn digits(self, certified: &[f64], estimates: &[f64]) -> f64 {
        // A Gaussian peak's width enters squared: −w is the same curve as w.
        let mut estimates = estimates.to_vec();
        if self == Kind::Gauss {
            for k in [4, 7] {
                estimates[k] = estimates[k].abs();
            }
        }
        let mut orderings = self.orderings();
        if orderings.is_empty() {
            orderings.push((0..certified.len()).collect());
        }
        orderings
            .iter()
            .map(|order| {
                certified
                    .iter()
                    .zip(order)
                    .map(|(c, &k)| lre(estimates[k], *c))
                    .fold(f64::INFINITY, f64::min)
            })
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// The log relative error of `estimate` against `truth`: about the number of significant digits
/// they share (capped at 15; against a truth of 0, the absolute error's).
pub fn lre(estimate: f64, truth: f64) -> f64 {
    let error = if truth == 0.0 {
        (estimate - truth).abs()
    } else {
        ((estimate - truth) / truth).abs()
    };
    if error.is_nan() {
        0.0
    } else {
        (-error.log10()).clamp(0.0, 15.0)
    }
}

/// The Gaussian log-density of `(y, x…)` with the coefficients and σ last.
#[derive(Clone, Copy)]
pub struct Gaussian(pub Kind);

impl Differentiable<(f64, Vec<f64>)> for Gaussian {
    fn ln_density<D: Number>(&self, obs: &(f64, Vec<f64>), p: &[D]) -> D {
        let sigma = p[p.len() - 1].clone();
        let z = (-self.0.mean(&obs.1, &p[..p.len() - 1]) + obs.0) / sigma.clone();
        -(z.clone() * z) * 0.5 - sigma.ln() - 0.918_938_533_204_672_8
    }
}

/// One NIST set: both certified starts, the certified coefficients and the data `(y, x…)` (the
/// response already `ln y` where the model says so).
pub struct Set {
    pub name: &'static str,
    pub kind: Kind,
    pub starts: [Vec<f64>; 2],
    pub certified: Vec<f64>,
    pub data: Vec<(f64, Vec<f64>)>,
}

impl Set {
    /// The start for certified start `s` (0 or 1) with σ from the residuals there, and the
    /// parameter names (`b1…`, `sigma`).
    pub fn start(&self, s: usize) -> Vec<f64> {
        let start = &self.starts[s];
        let rss: f64 = self
            .data
            .iter()
            .map(|(y, x)| (y - self.kind.mean(x, start)).powi(2))
            .sum();
        let mut full = start.clone();
        full.push((rss / self.data.len() as f64).sqrt().max(1e-300));
        full
    }
}

/// Each set shipped in the repository: its name, mean function, whether the response is `ln y`
/// (Nelson), and the certified file's text.
const FILES: [(&str, Kind, bool, &str); 19] = [
    (
        "Misra1a",
        Kind::Misra1a,
        false,
        include_str!("../../../tests/data/Misra1a.dat"),
    ),
    (
        "Misra1b",
        Kind::Misra1b,
        false,
        include_str!("../../../tests/data/nist/Misra1b.dat"),
    ),
    (
        "Misra1c",
        Kind::Misra1c,
        false,
        include_str!("../../../tests/data/nist/Misra1c.dat"),
    ),
    (
        "Misra1d",
        Kind::Misra1d,
        false,
        include_str!("../../../tests/data/nist/Misra1d.dat"),
    ),
    (
        "Chwirut1",
        Kind::Chwirut,
        false,
        include_str!("../../../tests/data/nist/Chwirut1.dat"),
    ),
    (
        "Chwirut2",
        Kind::Chwirut,
        false,
        include_str!("../../../tests/data/Chwirut2.dat"),
    ),
    (
        "DanWood",
        Kind::DanWood,
        false,
        include_str!("../../../tests/data/nist/DanWood.dat"),
    ),
    (
        "Gauss1",
        Kind::Gauss,
        false,
        include_str!("../../../tests/data/nist/Gauss1.dat"),
    ),
    (
        "Gauss2",
        Kind::Gauss,
        false,
        include_str!("../../../tests/data/nist/Gauss2.dat"),
    ),
    (
        "Gauss3",
        Kind::Gauss,
        false,
        include_str!("../../../tests/data/nist/Gauss3.dat"),
    ),
    (
        "Lanczos1",
        Kind::Lanczos,
        false,
        include_str!("../../../tests/data/nist/Lanczos1.dat"),
    ),
    (
        "Lanczos2",
        Kind::Lanczos,
        false,
        include_str!("../../../tests/data/nist/Lanczos2.dat"),
    ),
    (
        "Lanczos3",
        Kind::Lanczos,
        false,
        include_str!("../../../tests/data/nist/Lanczos3.dat"),
    ),
    (
        "MGH17",
        Kind::Mgh17,
        false,
        include_str!("../../../tests/data/nist/MGH17.dat"),
    ),
    (
        "Kirby2",
        Kind::Kirby2,
        false,
        include_str!("../../../tests/data/nist/Kirby2.dat"),
    ),
    (
        "Hahn1",
        Kind::Hahn1,
        false,
        include_str!("../../../tests/data/nist/Hahn1.dat"),
    ),
    (
        "Nelson",
        Kind::Nelson,
        true,
        include_str!("../../../tests/data/nist/Nelson.dat"),
    ),
    (
        "Roszman1",
        Kind::Roszman1,
        false,
        include_str!("../../../tests/data/nist/Roszman1.dat"),
    ),
    (
        "ENSO",
        Kind::Enso,
        false,
        include_str!("../../../tests/data/nist/ENSO.dat"),
    ),
];

/// Every set, parsed. The files are NIST's own; one that does not parse is a build defect, so
/// the parser is checked by the tests and skips nothing silently: a set whose data or
/// certified values are missing is left out with a message on standard error.
pub fn sets() -> Vec<Set> {
    FILES
        .iter()
        .filter_map(|&(name, kind, log_response, text)| {
            let set = parse(name, kind, log_response, text);
            if set.is_none() {
                eprintln!("warning: the NIST file of {name} did not parse; left out");
            }
            set
        })
        .collect()
}

/// Parses a NIST StRD file: the rows `b1 = start1 start2 certified sd` and the data after
/// `Data: y x…`.
fn parse(name: &'static str, kind: Kind, log_response: bool, text: &str) -> Option<Set> {
    let mut starts = [Vec::new(), Vec::new()];
    let mut certified = Vec::new();
    let mut data = Vec::new();
    let mut in_data = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if in_data {
            let values: Result<Vec<f64>, _> = f.iter().map(|v| v.parse::<f64>()).collect();
            match values {
                Ok(v) if v.len() >= 2 => {
                    let y = if log_response { v[0].ln() } else { v[0] };
                    data.push((y, v[1..].to_vec()));
                }
                _ if f.is_empty() => {}
                _ => return None,
            }
        } else if f.len() == 6 && f[0].starts_with('b') && f[1] == "=" {
            starts[0].push(f[2].parse().ok()?);
            starts[1].push(f[3].parse().ok()?);
            certified.push(f[4].parse().ok()?);
        } else if line.starts_with("Data:") && f.get(1) == Some(&"y") {
            in_data = true;
        }
    }
    (!data.is_empty() && !certified.is_empty()).then_some(Set {
        name,
        kind,
        starts,
        certified,
        data,
    })
}
