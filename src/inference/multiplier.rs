//! Multiplier bootstrap of influence functions, for simultaneous (uniform) confidence bands.
//!
//! As in R did's `mboot`: each draw multiplies every cluster's summed influence function by a
//! Rademacher weight, b*_j = Σ_c v_c S_cj / n. The bootstrap standard error of column j is its
//! interquartile range over 1.349 (robust to a few wild draws), and the band's critical value is
//! the (1 − α) quantile of max_j |b*_j| / se_j. Draw r uses ChaCha stream r of the seed, so the
//! result does not depend on the thread count.

use rayon::prelude::*;

use super::normal_quantile;
use crate::rng::Stream;
use crate::settings::{Level, Reps};

#[derive(Clone, Copy, Debug)]
pub struct Multiplier {
    pub reps: Reps,
    pub seed: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Bootstrap standard error of each column.
    pub se: Vec<f64>,
    /// Critical value of the simultaneous band (never below the pointwise normal one).
    pub crit: f64,
}

/// The inverted-CDF quantile: the smallest value with at least a share `p` at or below it.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let k = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

impl Multiplier {
    /// `sums[c][j]`: cluster c's summed influence function for column j; `n` the number of
    /// units the influence functions are scaled to.
    pub fn band(&self, sums: &[Vec<f64>], n: usize, level: Level) -> Band {
        let k = sums.first().map_or(0, Vec::len);
        let reps = self.reps.get() as usize;
        let draws: Vec<Vec<f64>> = (0..reps)
            .into_par_iter()
            .map(|r| {
                let mut s = Stream::new(self.seed, r as u64);
                let mut b = vec![0.0; k];
                for row in sums {
                    let v = if s.uniform() < 0.5 { -1.0 } else { 1.0 };
                    b.iter_mut().zip(row).for_each(|(acc, x)| *acc += v * x);
                }
                b.iter_mut().for_each(|x| *x /= n as f64);
                b
            })
            .collect();
        let q = normal_quantile(0.75) - normal_quantile(0.25);
        let se: Vec<f64> = (0..k)
            .map(|j| {
                let mut col: Vec<f64> = draws.iter().map(|d| d[j]).collect();
                col.sort_by(f64::total_cmp);
                let s = (quantile(&col, 0.75) - quantile(&col, 0.25)) / q;
                if s.is_finite() && s > 0.0 { s } else { f64::NAN }
            })
            .collect();
        let mut max_t: Vec<f64> = draws
            .iter()
            .map(|d| d.iter().zip(&se).filter(|(_, s)| s.is_finite()).map(|(x, s)| (x / s).abs()).fold(0.0, f64::max))
            .collect();
        max_t.sort_by(f64::total_cmp);
        let pointwise = normal_quantile(0.5 + level.get() / 2.0);
        let crit = quantile(&max_t, level.get()).max(pointwise);
        Band { se, crit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent columns with known standard errors: the bootstrap recovers them, and the band
    /// for 3 columns is wider than pointwise but below Bonferroni.
    #[test]
    fn recovers_standard_errors_and_widens_for_several_columns() {
        let n = 400;
        let mut s = Stream::new(9, 0);
        let sums: Vec<Vec<f64>> = (0..n).map(|_| (0..3).map(|_| s.normal()).collect()).collect();
        let m = Multiplier { reps: Reps::new(4000).unwrap(), seed: 1 };
        let band = m.band(&sums, n, Level::P95);
        // se of the mean of n unit-variance terms is 1/√n = 0.05.
        for se in &band.se {
            assert!((se - 0.05).abs() < 0.006, "{se}");
        }
        assert!(band.crit > 2.1 && band.crit < 2.5, "{}", band.crit);
        assert_eq!(band, m.band(&sums, n, Level::P95), "same seed, same band");
    }
}
