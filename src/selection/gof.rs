//! Goodness-of-fit statistics of a fitted family, as R's fitdistrplus (`gofstat`) defines
//! them, so that the numbers can be set beside its: Kolmogorov–Smirnov, Cramér–von Mises and
//! Anderson–Darling for a continuous family, a chi-square on binned counts for a discrete one.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::error::{Error, Result};
use crate::families::Family;

/// The statistics of the empirical distribution function against a fitted continuous CDF
/// `F`, over the sorted data `x₍₁₎ ≤ … ≤ x₍ₙ₎` with `Fᵢ = F(x₍ᵢ₎)` (fitdistrplus's
/// definitions; ties are used as they come).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdfStatistics {
    /// Kolmogorov–Smirnov: `max over i of max(|Fᵢ − i/n|, |Fᵢ − (i − 1)/n|)`.
    pub ks: f64,
    /// Cramér–von Mises: `1/(12n) + Σ (Fᵢ − (2i − 1)/(2n))²`.
    pub cvm: f64,
    /// Anderson–Darling: `−n − (1/n) Σ (2i − 1)(ln Fᵢ + ln(1 − Fₙ₊₁₋ᵢ))`, the logs taken from
    /// the family's log CDF and log survival function (no `ln(1 − F)` by subtraction).
    pub ad: f64,
}

/// One cell of the chi-square's table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// The cell holds values `≤ upper` (and above the previous cell's); `∞` for the last.
    pub upper: f64,
    /// Observations in the cell.
    pub observed: f64,
    /// Observations the fitted family expects in it.
    pub expected: f64,
}

/// Pearson's chi-square of observed against expected counts on cells built as fitdistrplus's
/// `gofstat` builds them: about `n / (4n)^(2/5)` observations a cell, the cell edges at data
/// values.
#[derive(Debug, Clone, PartialEq)]
pub struct ChiSquare {
    /// `Σ (observed − expected)² / expected`.
    pub statistic: f64,
    /// Cells − 1 − the number of estimated parameters.
    pub df: i64,
    /// The chi-square distribution's upper tail at the statistic; `None` when `df ≤ 0`.
    pub p_value: Option<f64>,
    /// The cells.
    pub cells: Vec<Cell>,
}

/// The goodness-of-fit statistics of one fitted family.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GoodnessOfFit {
    /// A continuous family's EDF statistics.
    Continuous(EdfStatistics),
    /// A discrete family's chi-square; `None` when the sample is too small to form cells
    /// (fewer than `1.5 ×` the cell size plus one values).
    Discrete(Option<ChiSquare>),
}

/// `F` at every sorted value, with `ln F` and `ln(1 − F)`.
fn cdf_values(family: Family, sorted: &[f64], params: &[f64]) -> Vec<(f64, f64)> {
    sorted
        .iter()
        .map(|&x| family.ln_cdf_sf(x, params))
        .collect()
}

/// The EDF statistics of `data` against `family` at `params`.
///
/// # Errors
///
/// [`Error::EmptyData`]; [`Error::InvalidObservation`] for a value that is not finite; and
/// [`Error::WrongParameterCount`] when `params` does not match the family.
pub fn edf_statistics(family: Family, data: &[f64], params: &[f64]) -> Result<EdfStatistics> {
    let sorted = checked_sorted(family, data, params)?;
    let n = sorted.len() as f64;
    let logs = cdf_values(family, &sorted, params);
    let (mut ks, mut cvm, mut ad) = (0.0_f64, 1.0 / (12.0 * n), 0.0);
    for (i, &(ln_f, _)) in logs.iter().enumerate() {
        let f = ln_f.exp();
        let k = i as f64;
        ks = ks.max((f - (k + 1.0) / n).abs()).max((f - k / n).abs());
        let mid = (2.0 * k + 1.0) / (2.0 * n);
        cvm += (f - mid) * (f - mid);
        let ln_sf_mirror = logs[logs.len() - 1 - i].1;
        ad += (2.0 * k + 1.0) * (ln_f + ln_sf_mirror);
    }
    Ok(EdfStatistics {
        ks,
        cvm,
        ad: -n - ad / n,
    })
}

/// The data sorted, after the checks every statistic needs.
fn checked_sorted(family: Family, data: &[f64], params: &[f64]) -> Result<Vec<f64>> {
    if data.is_empty() {
        return Err(Error::EmptyData);
    }
    let expected = family.names().len();
    if params.len() != expected {
        return Err(Error::WrongParameterCount {
            expected,
            got: params.len(),
        });
    }
    crate::numerics::check_finite(data)?;
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(sorted)
}

/// fitdistrplus's cell edges: walking up the sorted data, an edge at every `m`-th remaining
/// value (`m = round(n / (4n)^(2/5))`) while more than `1.5 m` values remain above the last
/// edge. Empty when the sample is too small for two cells.
pub(crate) fn chi_square_breaks(sorted: &[f64]) -> Vec<f64> {
    let n = sorted.len() as f64;
    let m = (n / (4.0 * n).powf(0.4)).round_ties_even().max(1.0) as usize;
    let enough = (1.5 * m as f64).ceil() as usize;
    let mut breaks = Vec::new();
    let mut rest = sorted;
    while rest.len() > enough {
        let limit = rest[m - 1];
        breaks.push(limit);
        let above = rest.partition_point(|&v| v <= limit);
        rest = &rest[above..];
    }
    breaks
}

/// The chi-square of `data` against `family` at `params` on fitdistrplus's cells, with `free`
/// estimated parameters; `Ok(None)` when the sample is too small for cells.
///
/// # Errors
///
/// As [`edf_statistics`].
pub fn chi_square(
    family: Family,
    data: &[f64],
    params: &[f64],
    free: usize,
) -> Result<Option<ChiSquare>> {
    let sorted = checked_sorted(family, data, params)?;
    let breaks = chi_square_breaks(&sorted);
    if breaks.is_empty() {
        return Ok(None);
    }
    let n = sorted.len() as f64;
    // Observed and model CDFs at each edge.
    let at: Vec<(f64, f64)> = breaks
        .iter()
        .map(|&b| {
            let count = sorted.partition_point(|&v| v <= b) as f64;
            (count, family.ln_cdf_sf(b, params).0.exp())
        })
        .collect();
    let mut cells = Vec::with_capacity(breaks.len() + 1);
    let (mut below_obs, mut below_p) = (0.0, 0.0);
    for (&upper, &(count, p)) in breaks.iter().zip(&at) {
        cells.push(Cell {
            upper,
            observed: count - below_obs,
            expected: (p - below_p) * n,
        });
        below_obs = count;
        below_p = p;
    }
    // The cell above the last edge, unless both the data and the model end there.
    let last_p = at.last().map_or(0.0, |a| a.1);
    if !(last_p >= 1.0 && below_obs >= n) {
        cells.push(Cell {
            upper: f64::INFINITY,
            observed: n - below_obs,
            expected: (1.0 - last_p) * n,
        });
    }
    let statistic = cells
        .iter()
        .map(|c| (c.observed - c.expected).powi(2) / c.expected)
        .sum();
    let df = cells.len() as i64 - 1 - free as i64;
    let p_value = (df > 0)
        .then(|| ChiSquared::new(df as f64).ok())
        .flatten()
        .map(|d| d.sf(statistic));
    Ok(Some(ChiSquare {
        statistic,
        df,
        p_value,
        cells,
    }))
}

/// The statistics that suit the family: EDF statistics for a continuous family, the
/// chi-square for a discrete one.
///
/// # Errors
///
/// As [`edf_statistics`].
pub fn goodness_of_fit(
    family: Family,
    data: &[f64],
    params: &[f64],
    free: usize,
) -> Result<GoodnessOfFit> {
    if family.is_discrete() {
        chi_square(family, data, params, free).map(GoodnessOfFit::Discrete)
    } else {
        edf_statistics(family, data, params).map(GoodnessOfFit::Continuous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The uniform sample `(2i − 1)/(2n)` against a CDF that puts each value at its own
    /// plotting position: CvM is its floor `1/(12n)` and KS is `1/(2n)`.
    #[test]
    fn statistics_of_a_sample_at_its_plotting_positions() {
        // Exponential(1): F(x) = 1 − e^(−x), so x = −ln(1 − u) puts F at u.
        let n = 10;
        let data: Vec<f64> = (0..n)
            .map(|i| -(1.0 - (2.0 * i as f64 + 1.0) / (2.0 * n as f64)).ln())
            .collect();
        let s = edf_statistics(Family::Exponential, &data, &[1.0]).unwrap();
        approx::assert_relative_eq!(s.cvm, 1.0 / 120.0, max_relative = 1e-13);
        approx::assert_relative_eq!(s.ks, 0.05, max_relative = 1e-13);
    }

    #[test]
    fn breaks_follow_fitdistrplus_on_ties() {
        // n = 53: m = round(53 / 212^0.4) = round(6.94...) = 7.
        let mut data = vec![0.0; 14];
        data.extend([1.0; 8]);
        data.extend([2.0, 2.0, 3.0, 3.0, 3.0, 3.0]);
        data.extend((0..25).map(|i| 4.0 + i as f64));
        assert_eq!(data.len(), 53);
        let breaks = chi_square_breaks(&data);
        assert_eq!(breaks[..3], [0.0, 1.0, 3.0]);
    }
}
