//! `maxlik select --plot DIR`: the ranked families against the data in four figures, as
//! fitdistrplus's `denscomp`, `cdfcomp`, `qqcomp` and `ppcomp` draw them — the density over
//! the histogram, the CDF against the empirical CDF, and the Q-Q and P-P plots — with a
//! logarithmic x-axis when the data are positive and span three decades or more.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use maxlik::{Candidate, Selection};
use plotters::prelude::*;

use crate::plot::{FONT, SIZE, err, finish};
use crate::report::significant;

/// A tick label: 3 significant digits without trailing zeros (`50`, `0.25`, `1e-5`).
fn tick(v: f64) -> String {
    let s = significant(v, 3);
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => {
            format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
        }
        None if s.contains('.') => s.trim_end_matches('0').trim_end_matches('.').to_string(),
        _ => s,
    }
}

/// The most families a figure draws (the best by AIC); more would not be legible.
const MAX_DRAWN: usize = 6;

/// Colour-blind-safe colours (Okabe–Ito), one per family in ranking order.
const COLOURS: [RGBColor; MAX_DRAWN] = [
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

/// How the x-axis shows the data: as they are, or as `log10 x` with ticks labelled in `x`.
#[derive(Clone, Copy)]
struct Scale {
    log: bool,
}

impl Scale {
    /// Logarithmic when every value is positive and the largest is 1000 times the smallest.
    fn for_data(sorted: &[f64]) -> Self {
        let (lo, hi) = (sorted[0], sorted[sorted.len() - 1]);
        Scale {
            log: lo > 0.0 && hi / lo >= 1e3,
        }
    }

    fn to_axis(self, x: f64) -> f64 {
        if self.log { x.log10() } else { x }
    }

    fn value_at(self, u: f64) -> f64 {
        if self.log { 10f64.powf(u) } else { u }
    }

    fn describe(self, label: &str) -> String {
        if self.log {
            format!("{label} (log scale)")
        } else {
            label.to_string()
        }
    }
}

/// The families drawn: the converged fits, best first, at most [`MAX_DRAWN`].
fn drawn(selection: &Selection) -> Vec<&Candidate> {
    selection
        .ranking()
        .iter()
        .filter(|c| c.fit.converged())
        .take(MAX_DRAWN)
        .collect()
}

/// Writes the four figures into `dir` and returns their paths.
pub fn comparison(
    dir: &Path,
    data: &[f64],
    selection: &Selection,
    label: &str,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    let families = drawn(selection);
    if families.is_empty() {
        anyhow::bail!("no family converged: there is nothing to draw");
    }
    let scale = Scale::for_data(&sorted);
    let paths: Vec<PathBuf> = ["density.svg", "cdf.svg", "qq.svg", "pp.svg"]
        .iter()
        .map(|f| dir.join(f))
        .collect();
    density(
        &paths[0],
        &sorted,
        &families,
        scale,
        label,
        selection.is_discrete(),
    )?;
    cdf(&paths[1], &sorted, &families, scale, label)?;
    qq(&paths[2], &sorted, &families, scale, label)?;
    pp(&paths[3], &sorted, &families)?;
    Ok(paths)
}

/// `family (AIC …)`, the legend's text.
fn legend(c: &Candidate) -> String {
    format!("{} (AIC {})", c.family.name(), significant(c.fit.aic(), 6))
}

/// A chart on a fresh SVG with the standard caption and label areas.
macro_rules! chart {
    ($root:ident, $path:expr, $title:expr, $x:expr, $y:expr) => {{
        let e = err($path);
        $root.fill(&WHITE).map_err(&e)?;
        ChartBuilder::on(&$root)
            .caption($title, (FONT, 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(65)
            .build_cartesian_2d($x, $y)
            .map_err(&e)?
    }};
}

/// The histogram (outlined bars; for counts one bar per value up to 100 values) with every
/// family's density or probabilities over it. On a log scale the histogram is of `log10 x`
/// and the curves are the densities of `log10 X`, `f(x) · x · ln 10`.
fn density(
    path: &Path,
    sorted: &[f64],
    families: &[&Candidate],
    scale: Scale,
    label: &str,
    discrete: bool,
) -> Result<()> {
    let e = err(path);
    let n = sorted.len() as f64;
    let (lo, hi) = (
        scale.to_axis(sorted[0]),
        scale.to_axis(sorted[sorted.len() - 1]),
    );
    // Bars: one per count (grouped beyond 100 values), or about √n of equal width.
    let (start, width, bins) = if discrete {
        let per = ((hi - lo + 1.0) / 100.0).ceil().max(1.0);
        let bins = ((hi - lo + 1.0) / per).ceil() as usize;
        (lo - 0.5, per, bins.max(1))
    } else {
        let bins = (n.sqrt().ceil() as usize).clamp(10, 60);
        let span = (hi - lo).max(f64::EPSILON * hi.abs().max(1.0));
        (lo, span / bins as f64, bins)
    };
    let mut counts = vec![0usize; bins];
    for &x in sorted {
        let b = (((scale.to_axis(x) - start) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let heights: Vec<f64> = counts.iter().map(|&c| c as f64 / (n * width)).collect();
    let end = start + bins as f64 * width;
    let curves: Vec<Vec<(f64, f64)>> = families
        .iter()
        .map(|c| {
            let p = c.fit.estimates();
            if discrete {
                (0..bins)
                    .flat_map(|i| {
                        let k0 = (start + 0.5 + i as f64 * width).round();
                        (0..width as usize).map(move |j| k0 + j as f64)
                    })
                    .map(|k| (k, c.family.ln_density(k, p).exp() / width))
                    .filter(|(_, y)| y.is_finite())
                    .collect()
            } else {
                (0..=400)
                    .map(|i| {
                        let u = start + (end - start) * i as f64 / 400.0;
                        let x = scale.value_at(u);
                        let f = c.family.ln_density(x, p).exp();
                        let y = if scale.log {
                            f * x * std::f64::consts::LN_10
                        } else {
                            f
                        };
                        (u, y)
                    })
                    .filter(|(_, y)| y.is_finite())
                    .collect()
            }
        })
        .collect();
    let top = heights
        .iter()
        .copied()
        .chain(curves.iter().flatten().map(|p| p.1))
        .fold(0.0f64, f64::max)
        * 1.12;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    let title = format!(
        "Fitted {} against the data (n = {})",
        if discrete {
            "probabilities"
        } else {
            "densities"
        },
        sorted.len()
    );
    let mut chart = chart!(
        root,
        path,
        title,
        start..end,
        0.0..top.max(f64::MIN_POSITIVE)
    );
    let y_desc = match (discrete, scale.log) {
        (true, _) => "probability",
        (false, true) => "density of log10(x)",
        (false, false) => "density",
    };
    chart
        .configure_mesh()
        .x_desc(scale.describe(label))
        .y_desc(y_desc)
        .x_label_formatter(&|u| tick(scale.value_at(*u)))
        .draw()
        .map_err(&e)?;
    chart
        .draw_series(heights.iter().enumerate().map(|(i, &h)| {
            let x0 = start + i as f64 * width;
            Rectangle::new(
                [(x0, 0.0), (x0 + width, h)],
                RGBColor(160, 160, 160).mix(0.45).filled(),
            )
        }))
        .map_err(&e)?
        .label(if discrete {
            "data (share of each count)"
        } else {
            "data (histogram)"
        })
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 5), (x + 15, y + 5)],
                RGBColor(160, 160, 160).mix(0.45).filled(),
            )
        });
    chart
        .draw_series(heights.iter().enumerate().map(|(i, &h)| {
            let x0 = start + i as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, h)], BLACK.mix(0.6).stroke_width(1))
        }))
        .map_err(&e)?;
    for (k, (c, curve)) in families.iter().zip(&curves).enumerate() {
        let colour = COLOURS[k];
        if discrete {
            chart
                .draw_series(LineSeries::new(
                    curve.iter().copied(),
                    colour.stroke_width(1),
                ))
                .map_err(&e)?;
            chart
                .draw_series(
                    curve
                        .iter()
                        .map(|&(x, y)| Circle::new((x, y), 4, colour.filled())),
                )
                .map_err(&e)?
                .label(legend(c))
                .legend(move |(x, y)| Circle::new((x + 7, y), 4, colour.filled()));
        } else {
            chart
                .draw_series(LineSeries::new(
                    curve.iter().copied(),
                    colour.stroke_width(3),
                ))
                .map_err(&e)?
                .label(legend(c))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 15, y)], colour.stroke_width(3))
                });
        }
    }
    finish(&mut chart, &root, SeriesLabelPosition::UpperRight).map_err(&e)
}

/// The empirical CDF as a step function with every family's CDF.
fn cdf(
    path: &Path,
    sorted: &[f64],
    families: &[&Candidate],
    scale: Scale,
    label: &str,
) -> Result<()> {
    let e = err(path);
    let n = sorted.len() as f64;
    let (lo, hi) = (
        scale.to_axis(sorted[0]),
        scale.to_axis(sorted[sorted.len() - 1]),
    );
    let pad = 0.04 * (hi - lo).max(1e-12);
    let (start, end) = (lo - pad, hi + pad);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    let mut chart = chart!(
        root,
        path,
        format!("CDFs against the empirical CDF (n = {})", sorted.len()),
        start..end,
        0.0..1.0
    );
    chart
        .configure_mesh()
        .x_desc(scale.describe(label))
        .y_desc("P(X ≤ x)")
        .x_label_formatter(&|u| tick(scale.value_at(*u)))
        .draw()
        .map_err(&e)?;
    let mut steps = vec![(start, 0.0)];
    for (i, &x) in sorted.iter().enumerate() {
        let u = scale.to_axis(x);
        steps.push((u, i as f64 / n));
        steps.push((u, (i + 1) as f64 / n));
    }
    steps.push((end, 1.0));
    chart
        .draw_series(LineSeries::new(steps, BLACK.stroke_width(2)))
        .map_err(&e)?
        .label("data (empirical CDF)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLACK.stroke_width(2)));
    for (k, c) in families.iter().enumerate() {
        let colour = COLOURS[k];
        let p = c.fit.estimates();
        let curve: Vec<(f64, f64)> = (0..=400)
            .map(|i| {
                let u = start + (end - start) * i as f64 / 400.0;
                (u, c.family.ln_cdf_sf(scale.value_at(u), p).0.exp())
            })
            .filter(|(_, y)| y.is_finite())
            .collect();
        chart
            .draw_series(LineSeries::new(curve, colour.stroke_width(2)))
            .map_err(&e)?
            .label(legend(c))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 15, y)], colour.stroke_width(2))
            });
    }
    finish(&mut chart, &root, SeriesLabelPosition::LowerRight).map_err(&e)
}

/// Plotting positions `(i − ½)/n`, as R's `ppoints` for n > 10.
fn positions(n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| (i as f64 + 0.5) / n as f64)
}

/// Sorted data against each family's quantiles at the plotting positions, with the line
/// `y = x`.
fn qq(
    path: &Path,
    sorted: &[f64],
    families: &[&Candidate],
    scale: Scale,
    label: &str,
) -> Result<()> {
    let e = err(path);
    let series: Vec<Vec<(f64, f64)>> = families
        .iter()
        .map(|c| {
            positions(sorted.len())
                .zip(sorted)
                .filter_map(|(q, &x)| {
                    let t = c.family.quantile(q, c.fit.estimates()).ok()?;
                    (t.is_finite() && (!scale.log || t > 0.0))
                        .then(|| (scale.to_axis(t), scale.to_axis(x)))
                })
                .collect()
        })
        .collect();
    let (lo, hi) = series
        .iter()
        .flatten()
        .flat_map(|&(a, b)| [a, b])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    let pad = 0.04 * (hi - lo).max(1e-12);
    let (start, end) = (lo - pad, hi + pad);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    let mut chart = chart!(
        root,
        path,
        format!(
            "Q-Q plot: data against fitted quantiles (n = {})",
            sorted.len()
        ),
        start..end,
        start..end
    );
    chart
        .configure_mesh()
        .x_desc(scale.describe("fitted quantile"))
        .y_desc(scale.describe(&format!("{label}, sorted")))
        .x_label_formatter(&|u| tick(scale.value_at(*u)))
        .y_label_formatter(&|u| tick(scale.value_at(*u)))
        .draw()
        .map_err(&e)?;
    chart
        .draw_series(LineSeries::new(
            vec![(start, start), (end, end)],
            BLACK.stroke_width(1),
        ))
        .map_err(&e)?
        .label("y = x (a perfect fit)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLACK.stroke_width(1)));
    for (k, (c, points)) in families.iter().zip(&series).enumerate() {
        let colour = COLOURS[k];
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, 3, colour.stroke_width(1))),
            )
            .map_err(&e)?
            .label(legend(c))
            .legend(move |(x, y)| Circle::new((x + 7, y), 3, colour.stroke_width(2)));
    }
    finish(&mut chart, &root, SeriesLabelPosition::UpperLeft).map_err(&e)
}

/// Each family's CDF at the sorted data against the plotting positions, with the diagonal.
fn pp(path: &Path, sorted: &[f64], families: &[&Candidate]) -> Result<()> {
    let e = err(path);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    let mut chart = chart!(
        root,
        path,
        format!(
            "P-P plot: empirical against fitted probabilities (n = {})",
            sorted.len()
        ),
        0.0..1.0,
        0.0..1.0
    );
    chart
        .configure_mesh()
        .x_desc("fitted P(X ≤ x)")
        .y_desc("empirical probability (i − ½)/n")
        .draw()
        .map_err(&e)?;
    chart
        .draw_series(LineSeries::new(
            vec![(0.0, 0.0), (1.0, 1.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(&e)?
        .label("y = x (a perfect fit)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLACK.stroke_width(1)));
    for (k, c) in families.iter().enumerate() {
        let colour = COLOURS[k];
        let points: Vec<(f64, f64)> = sorted
            .iter()
            .zip(positions(sorted.len()))
            .map(|(&x, q)| (c.family.ln_cdf_sf(x, c.fit.estimates()).0.exp(), q))
            .filter(|(a, _)| a.is_finite())
            .collect();
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, 3, colour.stroke_width(1))),
            )
            .map_err(&e)?
            .label(legend(c))
            .legend(move |(x, y)| Circle::new((x + 7, y), 3, colour.stroke_width(2)));
    }
    finish(&mut chart, &root, SeriesLabelPosition::UpperLeft).map_err(&e)
}
