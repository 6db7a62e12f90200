//! `maxlik benchmark`: a built-in suite of likelihood problems with known answers, every method
//! on each, and what it says about them — success (6 correct significant digits), cost, verdict,
//! and whether a wrong answer was called converged — with Dolan–Moré performance profiles and
//! Moré–Wild data profiles.
//!
//! The problems: the 19 NIST StRD nonlinear regressions shipped in `tests/data` from both
//! certified starts (Gaussian MLE; the certified coefficients are the truth); the Normal,
//! Exponential and Poisson on data shipped there (closed forms); a badly scaled Normal
//! (location 1e6, scale 1e-3; closed form); a linear regression with nearly collinear
//! covariates (least squares by QR); a two-Normal mixture on the precipitation data (EM's
//! fixed point from many starts); and three classic test functions written as the NLL of
//! one observation (Rosenbrock, Beale, Powell's helical valley; known minimisers).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use maxlik::{ClosedForm, Convergence, Fit, FitOptions, Method, Model, Result as FitResult, Trust};
use nalgebra::{DMatrix, DVector};
use serde_json::{Value, json};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::gamma::ln_gamma;

use crate::nist::{self, Gaussian, lre};
use crate::plot;
use maxlik::Differentiable;

/// Significant digits a fit must share with the truth to count as a success.
pub const SUCCESS_DIGITS: f64 = 6.0;

/// A fit of one problem with given options.
type Fitter = Box<dyn Fn(&FitOptions) -> FitResult<Fit> + Sync>;
/// The fewest significant digits estimates share with a problem's truth.
type Scorer = Box<dyn Fn(&[f64]) -> f64 + Sync>;

/// One problem: how to fit it, and the truth its estimates are scored against.
pub struct Problem {
    pub name: String,
    pub group: &'static str,
    fit: Fitter,
    /// The fewest significant digits any estimate shares with the truth.
    digits: Scorer,
}

/// The result of one method on one problem.
pub struct Record {
    pub problem: String,
    pub group: &'static str,
    pub method: Method,
    pub success: bool,
    pub lre: f64,
    pub evaluations: u64,
    pub data_passes: f64,
    pub seconds: f64,
    pub converged: bool,
    /// The certificate's verdict is not NOT TRUSTED: the fit says its answer is right.
    pub trusted: bool,
    pub verdict: String,
    /// The NLL where the fit ended, and how far above the lowest any method reached on the
    /// same problem (a wrong answer far above it is a local optimum or a stop short of one).
    pub nll: f64,
    pub nll_above_best: f64,
    /// Why it did not converge, if it did not (or the error that stopped the fit).
    pub reason: Option<String>,
}

impl Record {
    /// A wrong answer reported as converged.
    pub fn false_convergence(&self) -> bool {
        self.converged && !self.success
    }

    /// A wrong answer whose verdict says it can be trusted.
    pub fn false_trust(&self) -> bool {
        self.trusted && !self.success
    }
}

/// Every problem of the suite.
pub fn suite() -> Vec<Problem> {
    let mut problems = Vec::new();
    for set in nist::sets() {
        let set = std::sync::Arc::new(set);
        for s in 0..2 {
            let (fit_set, digit_set) = (set.clone(), set.clone());
            problems.push(Problem {
                name: format!("{} start {}", set.name, s + 1),
                group: "NIST StRD",
                fit: Box::new(move |options| {
                    let density = Gaussian(fit_set.kind);
                    let start = fit_set.start(s);
                    let (sigma, coefficients) = start.split_last().expect("a σ");
                    let mut builder = Model::builder(move |obs: &(f64, Vec<f64>), p: &[f64]| {
                        density.ln_density(obs, p)
                    });
                    for (k, &b) in coefficients.iter().enumerate() {
                        builder = builder.param(&format!("b{}", k + 1), b);
                    }
                    builder
                        .positive("sigma", *sigma)
                        .build()?
                        .fit_with(&fit_set.data, options)
                }),
                digits: Box::new(move |estimates| {
                    digit_set.kind.digits(&digit_set.certified, estimates)
                }),
            });
        }
    }
    problems.extend(closed_forms());
    problems.push(collinear_regression());
    problems.push(precipitation_mixture());
    problems.extend(test_functions());
    problems
}

/// A column of a CSV file shipped in `tests/data` (header first, comma-separated).
fn column(text: &str, index: usize) -> Vec<f64> {
    text.lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(index)?.trim().parse().ok())
        .collect()
}

/// The scoring of estimates against a known truth, parameter by parameter.
fn against(truth: Vec<f64>) -> Scorer {
    Box::new(move |estimates| {
        truth
            .iter()
            .zip(estimates)
            .map(|(t, e)| lre(*e, *t))
            .fold(f64::INFINITY, f64::min)
    })
}

/// The Normal (location and scale) on `data` from `start`, against its closed form.
fn normal_problem(name: &str, data: Vec<f64>, start: (f64, f64)) -> Problem {
    let exact = ClosedForm::normal(&data).expect("shipped data are not degenerate");
    let truth = vec![
        exact.estimate("mu").expect("mu"),
        exact.estimate("sigma").expect("sigma"),
    ];
    Problem {
        name: name.to_string(),
        group: "closed form",
        fit: Box::new(move |options| {
            Model::builder(|x: &f64, p: &[f64]| {
                let z = (x - p[0]) / p[1];
                -0.5 * z * z - p[1].ln() - 0.918_938_533_204_672_8
            })
            .param("mu", start.0)
            .positive("sigma", start.1)
            .build()?
            .fit_with(&data, options)
        }),
        digits: against(truth),
    }
}

fn mean_sd(data: &[f64]) -> (f64, f64) {
    let n = data.len() as f64;
    let mean = data.iter().sum::<f64>() / n;
    let sd = (data.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    (mean, sd)
}

/// The families with closed-form MLEs on data shipped in the repository, and a badly scaled
/// Normal; every start several standard deviations off.
fn closed_forms() -> Vec<Problem> {
    let precip = column(include_str!("../../../tests/data/precip.csv"), 0);
    let (m, s) = mean_sd(&precip);
    let mut problems = vec![normal_problem(
        "Normal, US precipitation (n = 70)",
        precip,
        (m + 3.0 * s, 2.0 * s),
    )];

    // Location 1e6, scale 1e-3: the Normal quantiles at (i − 1/2)/n.
    let unit = Normal::standard();
    let n = 400;
    let scaled: Vec<f64> = (0..n)
        .map(|i| 1e6 + 1e-3 * unit.inverse_cdf((i as f64 + 0.5) / n as f64))
        .collect();
    problems.push(normal_problem(
        "Normal, location 1e6 and scale 1e-3 (n = 400)",
        scaled,
        (1e6 + 4e-3, 3e-3),
    ));

    let lung = column(include_str!("../../../tests/data/lung.csv"), 0);
    let rate = ClosedForm::exponential(&lung)
        .and_then(|c| c.estimate("rate"))
        .expect("lung survival times are positive");
    problems.push(Problem {
        name: "Exponential, lung cancer survival times (n = 228)".into(),
        group: "closed form",
        fit: Box::new(move |options| {
            Model::builder(|x: &f64, p: &[f64]| p[0].ln() - p[0] * x)
                .positive("rate", 5.0 * rate)
                .build()?
                .fit_with(&lung, options)
        }),
        digits: against(vec![rate]),
    });

    let breaks = column(include_str!("../../../tests/data/warpbreaks.csv"), 0);
    let (mean, _) = mean_sd(&breaks);
    problems.push(Problem {
        name: "Poisson, warp breaks (n = 54)".into(),
        group: "closed form",
        fit: Box::new(move |options| {
            Model::builder(|y: &f64, p: &[f64]| y * p[0].ln() - p[0] - ln_gamma(y + 1.0))
                .positive("lambda", 3.0 * mean)
                .build()?
                .fit_with(&breaks, options)
        }),
        digits: against(vec![mean]),
    });
    problems
}

/// A two-Normal mixture on the 70 precipitation values, from the quartiles (weight 1/2, means
/// at the lower and upper quartiles, each scale half the sample's): multimodal, with a local
/// optimum at lnL −278.650 beside the best one at −275.472. The truth is the fixed point of EM
/// (scipy/numpy, 200 random starts, iterated until no parameter changed by 1e-15 relative;
/// components ordered by mean): weight 0.180629525629896, means 12.77008556038348 and
/// 39.761085867457425, scales 4.085258385109427 and 9.525895229157644, lnL
/// −275.47205789464164. Either labelling of the components scores. Fitted with at least the
/// family's default starts (10), as `maxlik fit --family normal-mixture` is.
///
/// A mixture's likelihood also has spurious maxima, a component shrunk onto a few values: EM's
/// starts were kept only while both scales stayed above 0.5 (five times the 0.1 the data are
/// recorded to). Nelder-Mead finds one at lnL −275.261 (a component of scale 0.36 on four
/// values near 7.45), higher than the truth; it scores as a miss, TRUSTED WITH WARNINGS (one
/// of ten starts reached it).
fn precipitation_mixture() -> Problem {
    let precip = column(include_str!("../../../tests/data/precip.csv"), 0);
    let mut sorted = precip.clone();
    sorted.sort_by(f64::total_cmp);
    let quartile = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let (q1, q3) = (quartile(0.25), quartile(0.75));
    let half_sd = 0.5 * mean_sd(&precip).1;
    let truth = [
        0.180_629_525_629_896,
        12.770_085_560_383_48,
        4.085_258_385_109_427,
        39.761_085_867_457_425,
        9.525_895_229_157_644,
    ];
    let first = against(truth.to_vec());
    let swapped = against(vec![1.0 - truth[0], truth[3], truth[4], truth[1], truth[2]]);
    Problem {
        name: "Two-Normal mixture, US precipitation (n = 70)".into(),
        group: "mixture",
        // As the command does for the normal-mixture family: at least its default starts
        // (one start from the quartiles stops at the local optimum, honestly for one start).
        fit: Box::new(move |options| {
            let starts = options
                .starts()
                .max(maxlik::Family::NormalMixture.default_starts());
            let options = options.to_builder().starts(starts).build()?;
            Model::builder(|x: &f64, p: &[f64]| {
                let density = |mu: f64, sigma: f64| {
                    let z = (x - mu) / sigma;
                    (-0.5 * z * z).exp() / (sigma * 2.506_628_274_631_000_5)
                };
                (p[0] * density(p[1], p[2]) + (1.0 - p[0]) * density(p[3], p[4])).ln()
            })
            .interval("weight", 0.5, 0.0, 1.0)
            .param("mu1", q1)
            .positive("sigma1", half_sd)
            .param("mu2", q3)
            .positive("sigma2", half_sd)
            .build()?
            .fit_with(&precip, &options)
        }),
        digits: Box::new(move |estimates| first(estimates).max(swapped(estimates))),
    }
}

/// `y = 1 + 2 x₁ − x₂ + e` with `corr(x₁, x₂) ≈ 0.9995`, n = 200, Gaussian errors with σ
/// fitted: the truth is the least-squares solution (QR) and `σ² = RSS / n`.
fn collinear_regression() -> Problem {
    let n = 200;
    let rows: Vec<(f64, [f64; 2])> = (0..n)
        .map(|i| {
            let t = i as f64;
            let x1 = 2.0 * (0.7 * t).sin();
            let x2 = x1 + 0.05 * (1.3 * t + 0.4).cos();
            let e = 0.3 * (2.1 * t + 0.3).sin() * (0.37 * t).cos();
            (1.0 + 2.0 * x1 - x2 + e, [x1, x2])
        })
        .collect();
    let design = DMatrix::from_fn(n, 3, |i, j| match j {
        0 => 1.0,
        _ => rows[i].1[j - 1],
    });
    let y = DVector::from_iterator(n, rows.iter().map(|r| r.0));
    let qr = design.clone().qr();
    let beta = qr
        .r()
        .solve_upper_triangular(&(qr.q().transpose() * &y))
        .expect("a full-rank design");
    let rss = (&y - &design * &beta).norm_squared();
    let mut truth: Vec<f64> = beta.iter().copied().collect();
    truth.push((rss / n as f64).sqrt());
    let sd_y = mean_sd(&rows.iter().map(|r| r.0).collect::<Vec<_>>()).1;
    Problem {
        name: "Linear regression, nearly collinear covariates (n = 200)".into(),
        group: "regression",
        fit: Box::new(move |options| {
            Model::builder(|obs: &(f64, [f64; 2]), p: &[f64]| {
                let z = (obs.0 - p[0] - p[1] * obs.1[0] - p[2] * obs.1[1]) / p[3];
                -0.5 * z * z - p[3].ln() - 0.918_938_533_204_672_8
            })
            .param("b0", 0.0)
            .param("b1", 0.0)
            .param("b2", 0.0)
            .positive("sigma", sd_y)
            .build()?
            .fit_with(&rows, options)
        }),
        digits: against(truth),
    }
}

/// Classic test functions as the NLL of a single observation, from their standard starts.
fn test_functions() -> Vec<Problem> {
    let one = vec![0.0_f64];
    let rosenbrock = one.clone();
    let beale = one.clone();
    let helical = one;
    vec![
        Problem {
            name: "Rosenbrock, from (-1.2, 1)".into(),
            group: "test function",
            fit: Box::new(move |options| {
                Model::builder(|_: &f64, p: &[f64]| {
                    -(100.0 * (p[1] - p[0] * p[0]).powi(2) + (1.0 - p[0]).powi(2))
                })
                .param("a", -1.2)
                .param("b", 1.0)
                .build()?
                .fit_with(&rosenbrock, options)
            }),
            digits: against(vec![1.0, 1.0]),
        },
        Problem {
            name: "Beale, from (1, 1)".into(),
            group: "test function",
            fit: Box::new(move |options| {
                Model::builder(|_: &f64, p: &[f64]| {
                    let (x, y) = (p[0], p[1]);
                    -((1.5 - x + x * y).powi(2)
                        + (2.25 - x + x * y * y).powi(2)
                        + (2.625 - x + x * y.powi(3)).powi(2))
                })
                .param("x", 1.0)
                .param("y", 1.0)
                .build()?
                .fit_with(&beale, options)
            }),
            digits: against(vec![3.0, 0.5]),
        },
        Problem {
            name: "Helical valley, from (-1, 0, 0)".into(),
            group: "test function",
            fit: Box::new(move |options| {
                Model::builder(|_: &f64, p: &[f64]| {
                    let theta = p[1].atan2(p[0]) / (2.0 * std::f64::consts::PI);
                    let r = p[0].hypot(p[1]);
                    -(100.0 * ((p[2] - 10.0 * theta).powi(2) + (r - 1.0).powi(2)) + p[2] * p[2])
                })
                .param("x", -1.0)
                .param("y", 0.0)
                .param("z", 0.0)
                .build()?
                .fit_with(&helical, options)
            }),
            // The minimiser is (1, 0, 0): zeros are scored by the absolute error.
            digits: against(vec![1.0, 0.0, 0.0]),
        },
    ]
}

/// Runs every method in `methods` on every problem, one fit at a time (each fit's own
/// parallelism is its business; timings are not shared between fits). A warm-up fit runs
/// first, untimed, so that no method pays for the thread pool's start.
pub fn run(problems: &[Problem], methods: &[Method], starts: usize) -> Vec<Record> {
    if let (Some(p), Some(&m)) = (problems.first(), methods.first())
        && let Ok(options) = FitOptions::builder(m).build()
    {
        let _ = (p.fit)(&options);
    }
    let mut records = Vec::new();
    for problem in problems {
        let first = records.len();
        for &method in methods {
            records.push(run_one(problem, method, starts));
        }
        let mine = &mut records[first..];
        let best = mine
            .iter()
            .map(|r| r.nll)
            .filter(|v| v.is_finite())
            .fold(f64::INFINITY, f64::min);
        for r in mine {
            r.nll_above_best = r.nll - best;
        }
    }
    records
}

fn run_one(problem: &Problem, method: Method, starts: usize) -> Record {
    let start = Instant::now();
    let fit = FitOptions::builder(method)
        .starts(starts)
        .build()
        .and_then(|options| (problem.fit)(&options));
    let seconds = start.elapsed().as_secs_f64();
    match fit {
        Ok(fit) => {
            let lre = (problem.digits)(fit.estimates());
            Record {
                problem: problem.name.clone(),
                group: problem.group,
                method,
                success: lre >= SUCCESS_DIGITS,
                lre,
                evaluations: fit.nll_passes(),
                data_passes: fit.data_passes(),
                seconds,
                converged: fit.converged(),
                trusted: fit.trust() != Trust::NotTrusted,
                verdict: fit.trust().to_string(),
                nll: fit.nll(),
                nll_above_best: 0.0,
                reason: match fit.convergence() {
                    Convergence::Converged(_) => None,
                    Convergence::NotConverged(r) => Some(r.to_string()),
                },
            }
        }
        Err(e) => Record {
            problem: problem.name.clone(),
            group: problem.group,
            method,
            success: false,
            lre: 0.0,
            evaluations: 0,
            data_passes: 0.0,
            seconds,
            converged: false,
            trusted: false,
            verdict: "ERROR".into(),
            nll: f64::NAN,
            nll_above_best: f64::NAN,
            reason: Some(e.to_string()),
        },
    }
}

/// The records as `benchmark.json`'s list.
pub fn json(records: &[Record]) -> Value {
    Value::Array(
        records
            .iter()
            .map(|r| {
                json!({
                    "problem": r.problem,
                    "group": r.group,
                    "method": r.method.to_string(),
                    "success": r.success,
                    "lre": (r.lre * 100.0).round() / 100.0,
                    "evaluations": r.evaluations,
                    "data_passes": r.data_passes,
                    "seconds": r.seconds,
                    "converged": r.converged,
                    "false_convergence": r.false_convergence(),
                    "trusted": r.trusted,
                    "false_trust": r.false_trust(),
                    "verdict": r.verdict,
                    "nll": r.nll,
                    "nll_above_best": r.nll_above_best,
                    "reason": r.reason,
                })
            })
            .collect(),
    )
}

/// One method's line of the summary.
pub struct Summary {
    pub method: Method,
    pub solved: usize,
    pub problems: usize,
    pub median_evaluations: Option<f64>,
    pub false_convergence: usize,
    pub false_trust: usize,
    pub seconds: f64,
}

/// Success counts, median evaluations over the solved problems, false convergences and total
/// time, per method.
pub fn summaries(records: &[Record], methods: &[Method]) -> Vec<Summary> {
    methods
        .iter()
        .map(|&method| {
            let mine: Vec<&Record> = records.iter().filter(|r| r.method == method).collect();
            let mut evaluations: Vec<f64> = mine
                .iter()
                .filter(|r| r.success)
                .map(|r| r.evaluations as f64)
                .collect();
            evaluations.sort_by(f64::total_cmp);
            let median = (!evaluations.is_empty()).then(|| {
                let k = evaluations.len();
                0.5 * (evaluations[(k - 1) / 2] + evaluations[k / 2])
            });
            Summary {
                method,
                solved: mine.iter().filter(|r| r.success).count(),
                problems: mine.len(),
                median_evaluations: median,
                false_convergence: mine.iter().filter(|r| r.false_convergence()).count(),
                false_trust: mine.iter().filter(|r| r.false_trust()).count(),
                seconds: mine.iter().map(|r| r.seconds).sum(),
            }
        })
        .collect()
}

/// Dolan–Moré performance profiles: for each method, the fraction of problems it solved with
/// at most `τ` times the evaluations of the best method on that problem, as the step points
/// `(log₂ τ, fraction)`. A problem no method solved counts in the denominator only.
pub fn performance_profiles(
    records: &[Record],
    problems: &[String],
    methods: &[Method],
) -> Vec<(Method, Vec<(f64, f64)>)> {
    let cost = |problem: &str, method: Method| {
        records
            .iter()
            .find(|r| r.problem == problem && r.method == method && r.success)
            .map(|r| r.evaluations.max(1) as f64)
    };
    let best: Vec<Option<f64>> = problems
        .iter()
        .map(|p| {
            methods
                .iter()
                .filter_map(|&m| cost(p, m))
                .min_by(f64::total_cmp)
        })
        .collect();
    methods
        .iter()
        .map(|&m| {
            let ratios: Vec<f64> = problems
                .iter()
                .zip(&best)
                .filter_map(|(p, b)| Some(cost(p, m)? / (*b)?))
                .collect();
            (m, steps(ratios.iter().map(|r| r.log2()), problems.len()))
        })
        .collect()
}

/// Moré–Wild data profiles: for each method, the fraction of problems solved within a budget
/// of data passes, as the step points `(log₁₀ passes, fraction)`.
pub fn data_profiles(
    records: &[Record],
    problems: &[String],
    methods: &[Method],
) -> Vec<(Method, Vec<(f64, f64)>)> {
    methods
        .iter()
        .map(|&m| {
            let passes = records
                .iter()
                .filter(|r| r.method == m && r.success)
                .map(|r| r.data_passes.max(1.0).log10());
            (m, steps(passes, problems.len()))
        })
        .collect()
}

/// The empirical distribution of `values` over `total` problems, as the corners of its
/// steps.
fn steps(values: impl Iterator<Item = f64>, total: usize) -> Vec<(f64, f64)> {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    let total = total.max(1) as f64;
    let mut points = vec![(0.0, 0.0)];
    for (k, v) in values.iter().enumerate() {
        let before = points.last().map_or(0.0, |p| p.1);
        points.push((*v, before));
        points.push((*v, (k + 1) as f64 / total));
    }
    points
}

/// `maxlik benchmark`: runs the suite with `methods`, writes `out/benchmark.json` and the two
/// profiles, and prints the per-method summary and every failure (or the records as JSON).
pub fn command(
    out: &Path,
    methods: &[Method],
    starts: usize,
    as_json: bool,
) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the folder {}", out.display()))?;
    let problems = suite();
    let started = Instant::now();
    let records = run(&problems, methods, starts);
    let total = started.elapsed().as_secs_f64();
    let records_json = json(&records);
    let file = out.join("benchmark.json");
    std::fs::write(&file, format!("{records_json:#}\n"))
        .with_context(|| format!("cannot write {}", file.display()))?;
    let names: Vec<String> = problems.iter().map(|p| p.name.clone()).collect();
    let label = |m: Method| m.to_string();
    let performance: Vec<(String, Vec<(f64, f64)>)> =
        performance_profiles(&records, &names, methods)
            .into_iter()
            .map(|(m, points)| (label(m), points))
            .collect();
    let data: Vec<(String, Vec<(f64, f64)>)> = data_profiles(&records, &names, methods)
        .into_iter()
        .map(|(m, points)| (label(m), points))
        .collect();
    plot::profiles(
        &out.join("performance_profile.svg"),
        &format!(
            "performance profiles: {} problems, solved = {SUCCESS_DIGITS} digits",
            names.len()
        ),
        "log2 τ (NLL evaluations relative to the best method's on each problem)",
        &performance,
    )?;
    plot::profiles(
        &out.join("data_profile.svg"),
        &format!("data profiles: {} problems", names.len()),
        "log10 of the budget in passes over the data",
        &data,
    )?;
    if as_json {
        say!("{records_json}");
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{} problems x {} methods, {starts} start(s) each, in {total:.1} s; solved = at least \
         {SUCCESS_DIGITS} correct significant digits",
        names.len(),
        methods.len()
    );
    say!(
        "{:<18} {:>7} {:>12} {:>11} {:>11} {:>9}",
        "method",
        "solved",
        "median evals",
        "wrong, conv",
        "wrong, trus",
        "time"
    );
    for s in summaries(&records, methods) {
        say!(
            "{:<18} {:>7} {:>12} {:>11} {:>11} {:>8.2}s",
            s.method.to_string(),
            format!("{}/{}", s.solved, s.problems),
            s.median_evaluations
                .map_or("-".into(), |m| format!("{m:.0}")),
            s.false_convergence,
            s.false_trust,
            s.seconds
        );
    }
    say!(
        "(median evals: NLL evaluations over the problems solved; wrong, conv: wrong answers \
         reported as converged; wrong, trus: of those, not marked NOT TRUSTED)"
    );
    let wrong: Vec<&Record> = records.iter().filter(|r| r.false_convergence()).collect();
    if !wrong.is_empty() {
        say!("wrong answers reported as converged:");
        for r in wrong {
            let where_ = if r.nll_above_best > 1e-6 * r.nll.abs().max(1.0) {
                format!("NLL {:.3e} above the best method's", r.nll_above_best)
            } else {
                "at the best NLL any method reached".to_string()
            };
            say!(
                "  {} on {}: {:.1} digits, {}, {where_}",
                r.method,
                r.problem,
                r.lre,
                r.verdict
            );
        }
    }
    say!(
        "wrote {}, performance_profile.svg and data_profile.svg in {}",
        file.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
