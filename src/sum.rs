//! Compensated sums: the Neumaier running sum that merges without error (for totals over
//! chunks, combined in a fixed order so the bits never depend on the number of threads) and the
//! four-lane Kahan sum of one chunk, as fast as a plain loop.

/// A Neumaier (improved Kahan) running sum.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sum {
    sum: f64,
    carry: f64,
}

impl Sum {
    #[inline(always)]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        // Written as a select rather than a branch: the compiler keeps it branch-free.
        let (big, small) = if self.sum.abs() >= x.abs() {
            (self.sum, x)
        } else {
            (x, self.sum)
        };
        self.carry += (big - t) + small;
        self.sum = t;
    }

    #[inline(always)]
    pub(crate) fn total(self) -> f64 {
        self.sum + self.carry
    }

    /// The two running sums as one: their sums added without error (TwoSum), the carries
    /// gathered.
    pub(crate) fn merge(self, other: Sum) -> Sum {
        let t = self.sum + other.sum;
        let b = t - self.sum;
        let error = (self.sum - (t - b)) + (other.sum - b);
        Sum {
            sum: t,
            carry: self.carry + other.carry + error,
        }
    }

    /// The compensated sum of `values`, in order.
    pub(crate) fn of(values: impl IntoIterator<Item = f64>) -> f64 {
        let mut s = Sum::default();
        values.into_iter().for_each(|v| s.add(v));
        s.total()
    }
}

/// Independent compensated sums per chunk: observation `i` of a chunk goes to lane `i % LANES`.
/// Separate lanes break the chain of dependent additions, so the sum runs as fast as a plain
/// loop; the lanes are combined in a fixed order, so the result does not depend on anything but
/// the data.
const LANES: usize = 4;

/// The compensated sum of the log-densities of one chunk.
#[inline(always)]
pub(crate) fn lanes_sum<O>(chunk: &[O], ln_density: impl Fn(&O) -> f64) -> f64 {
    let mut lanes = [Kahan::default(); LANES];
    let mut groups = chunk.chunks_exact(LANES);
    for group in &mut groups {
        for (lane, obs) in lanes.iter_mut().zip(group) {
            lane.add(ln_density(obs));
        }
    }
    for (lane, obs) in lanes.iter_mut().zip(groups.remainder()) {
        lane.add(ln_density(obs));
    }
    Sum::of(lanes.iter().map(|l| l.total()))
}

/// Kahan's compensated sum: four operations per term, error at most `2ε Σ|xᵢ|` to first order
/// whatever the order of magnitudes, which is what the hot loop can afford.
#[derive(Debug, Clone, Copy, Default)]
struct Kahan {
    sum: f64,
    carry: f64,
}

impl Kahan {
    #[inline(always)]
    fn add(&mut self, x: f64) {
        let y = x - self.carry;
        let t = self.sum + y;
        self.carry = (t - self.sum) - y;
        self.sum = t;
    }

    #[inline(always)]
    fn total(self) -> f64 {
        self.sum - self.carry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensated_sum_keeps_small_terms() {
        // 1 + 1e-16 added 1e4 times: naive summation loses every small term.
        let values = std::iter::once(1.0).chain(std::iter::repeat_n(1e-16, 10_000));
        approx::assert_relative_eq!(Sum::of(values), 1.0 + 1e-12, max_relative = 1e-15);
    }
}
