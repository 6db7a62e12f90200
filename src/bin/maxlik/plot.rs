//! The figures, as SVG (plotters): the data's histogram with the fitted density over it, the
//! profile log-likelihood with its interval, and the NLL's contour map with the paths the
//! optimizers took.

use std::path::Path;

use anyhow::{Result, anyhow};
use maxlik::{Family, Fit, Limit, LogDensity, Model, ProfileInterval, Response, Score, Weighted};
use plotters::prelude::*;

pub const SIZE: (u32, u32) = (800, 560);
pub const FONT: &str = "sans-serif";

pub type Chart<'a> = ChartContext<
    'a,
    SVGBackend<'a>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Draws the legend at `position` and writes the file.
pub fn finish(
    chart: &mut Chart<'_>,
    root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    position: SeriesLabelPosition,
) -> std::result::Result<(), DrawingAreaErrorKind<std::io::Error>> {
    chart
        .configure_series_labels()
        .position(position)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()?;
    root.present()
}

/// The error of a figure that could not be drawn, naming its file.
pub fn err<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> anyhow::Error + '_ {
    move |e| anyhow!("{}: cannot draw: {e}", path.display())
}

/// `name = estimate` for each parameter, for a figure's title.
fn estimates_text(fit: &Fit) -> Vec<String> {
    fit.params()
        .iter()
        .zip(fit.estimates())
        .map(|(p, v)| format!("{} = {v:.4}", p.name))
        .collect()
}

/// The most bars a histogram of counts draws.
const MAX_BARS: usize = 100;

/// A histogram of `data` with the fitted density (or, for the Poisson, the fitted probabilities).
pub fn density(path: &Path, family: Family, data: &[f64], fit: &Fit) -> Result<()> {
    let e = err(path);
    let (lo, hi) = data
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    let discrete = family.is_discrete();
    // Counts get one bar per integer up to MAX_BARS integers, else bars of several integers
    // each: the figure's size does not depend on the data's range.
    let per_bar = if discrete {
        ((hi - lo + 1.0) / MAX_BARS as f64).ceil().max(1.0)
    } else {
        1.0
    };
    let bins = if discrete {
        (((hi - lo + 1.0) / per_bar).ceil() as usize).clamp(1, MAX_BARS)
    } else {
        ((data.len() as f64).sqrt().ceil() as usize).clamp(12, 60)
    };
    let (start, width) = if discrete {
        (lo - 0.5, per_bar)
    } else {
        let span = (hi - lo).max(f64::EPSILON * hi.abs().max(1.0));
        (lo, span / bins as f64)
    };
    let mut counts = vec![0usize; bins];
    for &x in data {
        let b = (((x - start) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let n = data.len() as f64;
    let heights: Vec<f64> = counts.iter().map(|&c| c as f64 / (n * width)).collect();
    let params = fit.estimates();
    let curve: Vec<(f64, f64)> = if discrete && per_bar <= 1.0 {
        (0..bins)
            .map(|i| {
                let k = lo + i as f64;
                (k, family.ln_density(k, params).exp())
            })
            .collect()
    } else if discrete {
        // The probability of each integer, at 400 integers across the range.
        (0..=400)
            .map(|i| {
                let k = (lo + (hi - lo) * i as f64 / 400.0).round();
                (k, family.ln_density(k, params).exp())
            })
            .filter(|(_, y)| y.is_finite())
            .collect()
    } else {
        (0..=400)
            .map(|i| {
                let x = start + (bins as f64 * width) * i as f64 / 400.0;
                (x, family.ln_density(x, params).exp())
            })
            .filter(|(_, y)| y.is_finite())
            .collect()
    };
    let top = heights
        .iter()
        .copied()
        .chain(curve.iter().map(|p| p.1))
        .fold(0.0f64, f64::max)
        * 1.1;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&e)?;
    let estimates = estimates_text(fit);
    // Estimates in the title while they fit on one line; the table has them all.
    let title = if estimates.len() <= 2 {
        format!("{family} fit, n = {}: {}", data.len(), estimates.join(", "))
    } else {
        format!("{family} fit, n = {}", data.len())
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(start..start + bins as f64 * width, 0.0..top)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .x_desc("x")
        .y_desc(if discrete { "probability" } else { "density" })
        .draw()
        .map_err(&e)?;
    chart
        .draw_series(heights.iter().enumerate().map(|(i, &h)| {
            let x0 = start + i as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, h)], BLUE.mix(0.35).filled())
        }))
        .map_err(&e)?
        .label("data (histogram)")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], BLUE.mix(0.35).filled()));
    if discrete {
        chart
            .draw_series(
                curve
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 5, RED.filled())),
            )
            .map_err(&e)?
            .label("fitted probabilities")
            .legend(|(x, y)| Circle::new((x + 7, y), 5, RED.filled()));
    } else {
        chart
            .draw_series(LineSeries::new(curve, RED.stroke_width(3)))
            .map_err(&e)?
            .label("fitted density")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], RED.stroke_width(3)));
    }
    finish(&mut chart, &root, SeriesLabelPosition::UpperRight).map_err(&e)
}

/// The Kaplan-Meier estimate of exact and right-censored observations (each counted with its
/// frequency weight): the survival just after each distinct event time, as `(time, S)`.
/// `None` when an observation is left- or interval-censored.
pub fn kaplan_meier(data: &[Weighted<Response>]) -> Option<Vec<(f64, f64)>> {
    let mut rows: Vec<(f64, bool, f64)> = Vec::with_capacity(data.len());
    for w in data {
        match *w.obs() {
            Response::Exact(t) => rows.push((t, true, w.weight())),
            Response::Right(t) => rows.push((t, false, w.weight())),
            _ => return None,
        }
    }
    // Events before censorings at the same time (the usual convention).
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk: f64 = rows.iter().map(|r| r.2).sum();
    let mut survival = 1.0;
    let mut steps = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let t = rows[i].0;
        let (mut events, mut leaving) = (0.0, 0.0);
        while i < rows.len() && rows[i].0.to_bits() == t.to_bits() {
            if rows[i].1 {
                events += rows[i].2;
            }
            leaving += rows[i].2;
            i += 1;
        }
        if events > 0.0 {
            survival *= 1.0 - events / at_risk;
            steps.push((t, survival));
        }
        at_risk -= leaving;
    }
    Some(steps)
}

/// The fitted survival function `1 − F` over the Kaplan-Meier estimate of right-censored data.
pub fn survival(
    path: &Path,
    family: Family,
    steps: &[(f64, f64)],
    last_time: f64,
    fit: &Fit,
) -> Result<()> {
    let e = err(path);
    let params = fit.estimates();
    let right = last_time.max(steps.last().map_or(0.0, |s| s.0)) * 1.05;
    let left = if family.name() == "normal" || family.name() == "normal-mixture" {
        steps.first().map_or(0.0, |s| s.0.min(0.0))
    } else {
        0.0
    };
    let curve: Vec<(f64, f64)> = (0..=400)
        .map(|i| {
            let t = left + (right - left) * f64::from(i) / 400.0;
            (t, family.ln_cdf_sf(t, params).1.exp())
        })
        .filter(|(_, s)| s.is_finite())
        .collect();
    // The step function: flat until each event time, then down.
    let mut km = vec![(left, 1.0)];
    let mut level = 1.0;
    for &(t, s) in steps {
        km.push((t, level));
        km.push((t, s));
        level = s;
    }
    km.push((right, level));
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&e)?;
    let estimates = estimates_text(fit);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{family} survival, censored data: {}", estimates.join(", ")),
            (FONT, 20),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(left..right, 0.0..1.02)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .x_desc("time")
        .y_desc("fraction surviving, S(t) = P(T > t)")
        .draw()
        .map_err(&e)?;
    chart
        .draw_series(LineSeries::new(km, BLACK.stroke_width(2)))
        .map_err(&e)?
        .label("Kaplan-Meier (nonparametric)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLACK.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(curve, RED.stroke_width(3)))
        .map_err(&e)?
        .label(format!("fitted {family}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], RED.stroke_width(3)));
    finish(&mut chart, &root, SeriesLabelPosition::UpperRight).map_err(&e)
}

/// Values on which to draw a profile: from a third of the interval's width beyond each end.
pub fn profile_grid(interval: &ProfileInterval, space: maxlik::Space) -> Vec<f64> {
    let lo = interval.lower().value().unwrap_or(interval.estimate());
    let hi = interval.upper().value().unwrap_or(interval.estimate());
    let pad = (hi - lo).max(f64::EPSILON * interval.estimate().abs().max(1.0)) / 3.0;
    (0..=60)
        .map(|i| lo - pad + (hi - lo + 2.0 * pad) * i as f64 / 60.0)
        .filter(|&v| space.contains(v))
        .collect()
}

/// The profile log-likelihood `lnL_profile − lnL_max` (sampled at `curve`, deviances as from
/// [`Model::profile_points`]) with the cut-off and the interval.
pub fn profile(path: &Path, interval: &ProfileInterval, curve: &[(f64, f64)]) -> Result<()> {
    let e = err(path);
    let points: Vec<(f64, f64)> = curve
        .iter()
        .map(|&(v, d)| (v, -0.5 * d))
        .filter(|p| p.1.is_finite())
        .collect();
    let (x_lo, x_hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
    let y_lo = points.iter().fold(-interval.cutoff(), |a, p| a.min(p.1)) * 1.1;
    let pad = 0.05 * (x_hi - x_lo).max(f64::EPSILON);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&e)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "profile log-likelihood of {}: {:.0}% interval [{}, {}]",
                interval.name(),
                100.0 * interval.level(),
                interval.lower(),
                interval.upper()
            ),
            (FONT, 20),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x_lo - pad..x_hi + pad, y_lo..0.1 * interval.cutoff())
        .map_err(&e)?;
    chart
        .configure_mesh()
        .x_desc(interval.name())
        .y_desc("lnL(profile) - lnL(max)")
        .draw()
        .map_err(&e)?;
    let cut = -0.5 * interval.cutoff();
    chart
        .draw_series(LineSeries::new(
            vec![(x_lo - pad, cut), (x_hi + pad, cut)],
            BLACK.stroke_width(1),
        ))
        .map_err(&e)?
        .label(format!(
            "cut-off -χ²₁({:.2})/2 = {cut:.3}",
            interval.level()
        ))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLACK));
    chart
        .draw_series(LineSeries::new(points.clone(), BLUE.stroke_width(2)))
        .map_err(&e)?
        .label("profile (others re-optimized)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLUE.stroke_width(2)));
    for limit in [interval.lower(), interval.upper()] {
        if let Limit::Crossing(v) | Limit::SpaceEdge(v) = limit {
            chart
                .draw_series(LineSeries::new(
                    vec![(v, y_lo), (v, 0.0)],
                    RED.stroke_width(2),
                ))
                .map_err(&e)?;
        }
    }
    chart
        .draw_series(std::iter::once(Circle::new(
            (interval.estimate(), 0.0),
            6,
            RED.filled(),
        )))
        .map_err(&e)?
        .label("estimate and interval")
        .legend(|(x, y)| Circle::new((x + 7, y), 5, RED.filled()));
    finish(&mut chart, &root, SeriesLabelPosition::LowerMiddle).map_err(&e)
}

/// The NLL of a two-parameter model over the region the optimizers crossed, drawn as bands of
/// equal `ln(1 + NLL − NLL_min)`, with each optimizer's path from the start to its estimate.
pub fn contours<O: Sync, F: LogDensity<O> + Sync, S: Score<O> + Sync>(
    path: &Path,
    model: &Model<O, F, S>,
    data: &[O],
    fits: &[(&str, &Fit)],
) -> Result<()> {
    let e = err(path);
    let names = model.names();
    if names.len() != 2 {
        anyhow::bail!("a contour map needs a model with two parameters");
    }
    let points = fits.iter().flat_map(|(_, f)| f.path().iter());
    let (mut x_lo, mut x_hi, mut y_lo, mut y_hi) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for p in points {
        x_lo = x_lo.min(p[0]);
        x_hi = x_hi.max(p[0]);
        y_lo = y_lo.min(p[1]);
        y_hi = y_hi.max(p[1]);
    }
    let (dx, dy) = (0.15 * (x_hi - x_lo), 0.15 * (y_hi - y_lo));
    let (x_lo, x_hi) = (x_lo - dx, x_hi + dx);
    // The second parameter is a scale in the built-in two-parameter families: keep it positive.
    let (y_lo, y_hi) = ((y_lo - dy).max(0.5 * y_lo), y_hi + dy);
    const GRID: usize = 64;
    let mut grid = vec![f64::NAN; GRID * GRID];
    let nll_min = fits
        .iter()
        .map(|(_, f)| f.nll())
        .fold(f64::INFINITY, f64::min);
    for i in 0..GRID {
        for j in 0..GRID {
            let x = x_lo + (x_hi - x_lo) * (i as f64 + 0.5) / GRID as f64;
            let y = y_lo + (y_hi - y_lo) * (j as f64 + 0.5) / GRID as f64;
            if let Ok(v) = model.nll(data, &[x, y]) {
                grid[i * GRID + j] = (1.0 + v - nll_min).max(1.0).ln();
            }
        }
    }
    let top = grid
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&e)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("NLL contours and the optimizers' paths", (FONT, 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(names[0])
        .y_desc(names[1])
        .draw()
        .map_err(&e)?;
    const BANDS: f64 = 14.0;
    let (cw, ch) = ((x_hi - x_lo) / GRID as f64, (y_hi - y_lo) / GRID as f64);
    chart
        .draw_series((0..GRID * GRID).filter_map(|k| {
            let v = grid[k];
            if !v.is_finite() {
                return None;
            }
            let band = (v / top * BANDS).floor() / BANDS;
            let color = HSLColor(0.65 - 0.5 * band, 0.65, 0.35 + 0.5 * band);
            let (i, j) = (k / GRID, k % GRID);
            let (x, y) = (x_lo + i as f64 * cw, y_lo + j as f64 * ch);
            Some(Rectangle::new([(x, y), (x + cw, y + ch)], color.filled()))
        }))
        .map_err(&e)?;
    let styles = [RED, BLACK, MAGENTA, CYAN];
    for (k, (label, fit)) in fits.iter().enumerate() {
        let color = styles[k % styles.len()];
        let line: Vec<(f64, f64)> = fit.path().iter().map(|p| (p[0], p[1])).collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
            .map_err(&e)?
            .label(format!("{label}: {} points", line.len()))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 15, y)], color.stroke_width(2))
            });
        chart
            .draw_series(line.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(&e)?;
    }
    if let Some(first) = fits.first().and_then(|(_, f)| f.path().first()) {
        chart
            .draw_series(std::iter::once(TriangleMarker::new(
                (first[0], first[1]),
                8,
                BLACK.filled(),
            )))
            .map_err(&e)?
            .label("start")
            .legend(|(x, y)| TriangleMarker::new((x + 7, y), 6, BLACK.filled()));
    }
    finish(&mut chart, &root, SeriesLabelPosition::UpperLeft).map_err(&e)
}

/// Step curves of a fraction (0 to 1) against `x`, one per labelled series, each drawn to
/// `x_max`: the performance and data profiles of `maxlik benchmark`.
pub fn profiles(
    path: &Path,
    title: &str,
    x_desc: &str,
    curves: &[(String, Vec<(f64, f64)>)],
) -> Result<()> {
    let e = err(path);
    let x_max = curves
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| p.0))
        .fold(1.0_f64, f64::max)
        * 1.05;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(&e)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..1.02)
        .map_err(&e)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("fraction of problems solved")
        .draw()
        .map_err(&e)?;
    for (k, (label, points)) in curves.iter().enumerate() {
        let colour = Palette99::pick(k).to_rgba();
        let mut line = points.clone();
        if let Some(&(_, last)) = line.last() {
            line.push((x_max, last));
        }
        chart
            .draw_series(LineSeries::new(line, colour.stroke_width(2)))
            .map_err(&e)?
            .label(label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 15, y)], colour.stroke_width(2))
            });
    }
    finish(&mut chart, &root, SeriesLabelPosition::LowerRight).map_err(&e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Kaplan-Meier estimate of R's `lung` data against `survival::survfit` at four times.
    #[test]
    #[allow(clippy::excessive_precision)]
    fn kaplan_meier_matches_survfit() {
        let path = format!("{}/tests/data/lung.csv", env!("CARGO_MANIFEST_DIR"));
        let data: Vec<Weighted<Response>> = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let v: Vec<f64> = l.split(',').map(|f| f.parse().unwrap()).collect();
                Weighted::new(Response::from_status(v[0], v[1]).unwrap(), 1.0).unwrap()
            })
            .collect();
        let steps = kaplan_meier(&data).unwrap();
        let at = |t: f64| steps.iter().rfind(|s| s.0 <= t).map_or(1.0, |s| s.1);
        for (t, r) in [
            (100.0, 0.86396896764524356),
            (300.0, 0.53060811776056171),
            (500.0, 0.29326919371156884),
            (800.0, 0.078315328110149615),
        ] {
            assert!((at(t) - r).abs() < 1e-12, "t {t}: {} vs {r}", at(t));
        }
    }
}
