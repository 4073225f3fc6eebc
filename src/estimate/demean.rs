//! The demeaning engine: project variables onto the orthogonal complement of fixed effects.
//!
//! Every estimator that absorbs fixed effects goes through [`FixedEffects::demean`]. For a
//! balanced two-way panel the projection has a closed form (x − x̄_unit − x̄_period + x̄); otherwise
//! the method of alternating projections (Gaure 2013, as in fixest and pyfixest) sweeps out one
//! factor's (weighted) group means at a time until the largest change falls below the tolerance.

/// Fixed-effect factors over the same observations: `factors[k][i]` is observation `i`'s level
/// of factor `k`, as dense ids `0..levels[k]`.
pub struct FixedEffects {
    factors: Vec<Vec<u32>>,
    levels: Vec<usize>,
    weights: Option<Vec<f64>>,
    balanced: bool,
}

/// Convergence settings for alternating projections.
#[derive(Clone, Copy, Debug)]
pub struct Convergence {
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl Default for Convergence {
    fn default() -> Self {
        Convergence { tolerance: 1e-12, max_iterations: 10_000 }
    }
}

#[derive(Debug, PartialEq)]
pub struct NotConverged {
    pub iterations: usize,
    pub change: f64,
}

impl FixedEffects {
    pub fn new(factors: Vec<Vec<u32>>, weights: Option<Vec<f64>>) -> FixedEffects {
        let levels: Vec<usize> = factors.iter().map(|f| f.iter().map(|&l| l as usize + 1).max().unwrap_or(0)).collect();
        let balanced = weights.is_none() && factors.len() == 2 && {
            let (a, b) = (&factors[0], &factors[1]);
            let mut seen = vec![false; levels[0] * levels[1]];
            let mut all_once = a.len() == levels[0] * levels[1];
            for (&i, &t) in a.iter().zip(b) {
                let cell = i as usize * levels[1] + t as usize;
                if seen[cell] {
                    all_once = false;
                    break;
                }
                seen[cell] = true;
            }
            all_once
        };
        FixedEffects { factors, levels, weights, balanced }
    }

    pub fn levels(&self) -> &[usize] {
        &self.levels
    }

    /// Whether the closed form for a balanced two-way panel applies.
    pub fn is_balanced(&self) -> bool {
        self.balanced
    }

    /// Replaces `x` by its residual from the fixed effects.
    pub fn demean(&self, x: &mut [f64], conv: Convergence) -> Result<usize, NotConverged> {
        if self.factors.is_empty() {
            return Ok(0);
        }
        if self.balanced {
            self.demean_balanced(x);
            return Ok(1);
        }
        let mut sums: Vec<Vec<f64>> = self.levels.iter().map(|&l| vec![0.0; l]).collect();
        let totals: Vec<Vec<f64>> = self
            .factors
            .iter()
            .zip(&self.levels)
            .map(|(f, &l)| {
                let mut t = vec![0.0; l];
                for (i, &g) in f.iter().enumerate() {
                    t[g as usize] += self.weight(i);
                }
                t
            })
            .collect();
        for iteration in 1..=conv.max_iterations {
            let mut change: f64 = 0.0;
            for (k, factor) in self.factors.iter().enumerate() {
                let s = &mut sums[k];
                s.iter_mut().for_each(|v| *v = 0.0);
                for (i, &g) in factor.iter().enumerate() {
                    s[g as usize] += self.weight(i) * x[i];
                }
                for (v, t) in s.iter_mut().zip(&totals[k]) {
                    *v = if *t > 0.0 { *v / t } else { 0.0 };
                    change = change.max(v.abs());
                }
                for (i, &g) in factor.iter().enumerate() {
                    x[i] -= s[g as usize];
                }
            }
            if change < conv.tolerance {
                return Ok(iteration);
            }
            if iteration == conv.max_iterations {
                return Err(NotConverged { iterations: iteration, change });
            }
        }
        unreachable!("the loop returns on its last iteration")
    }

    fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    fn demean_balanced(&self, x: &mut [f64]) {
        let (a, b) = (&self.factors[0], &self.factors[1]);
        let (na, nb) = (self.levels[0], self.levels[1]);
        let mut ma = vec![0.0; na];
        let mut mb = vec![0.0; nb];
        let mut grand = 0.0;
        for ((&i, &t), &v) in a.iter().zip(b).zip(x.iter()) {
            ma[i as usize] += v;
            mb[t as usize] += v;
            grand += v;
        }
        ma.iter_mut().for_each(|v| *v /= nb as f64);
        mb.iter_mut().for_each(|v| *v /= na as f64);
        grand /= x.len() as f64;
        for ((&i, &t), v) in a.iter().zip(b).zip(x.iter_mut()) {
            *v = *v - ma[i as usize] - mb[t as usize] + grand;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2×3 balanced panel: the closed form and alternating projections agree, and the result
    /// has zero means within every unit and every period.
    #[test]
    fn closed_form_and_projections_agree() {
        let unit = vec![0, 0, 0, 1, 1, 1];
        let period = vec![0, 1, 2, 0, 1, 2];
        let x = [1.0, 4.0, 2.0, 7.0, 3.0, 9.0];
        let balanced = FixedEffects::new(vec![unit.clone(), period.clone()], None);
        assert!(balanced.is_balanced());
        let mut a = x;
        balanced.demean(&mut a, Convergence::default()).unwrap();
        // Force the iterative path with unit weights.
        let iterative = FixedEffects::new(vec![unit, period], Some(vec![1.0; 6]));
        assert!(!iterative.is_balanced());
        let mut b = x;
        iterative.demean(&mut b, Convergence::default()).unwrap();
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() < 1e-10, "{a:?} vs {b:?}");
        }
        assert!((a[0] + a[1] + a[2]).abs() < 1e-12);
        assert!((a[0] + a[3]).abs() < 1e-12);
        // Hand check: x[0] − mean(unit 0) − mean(period 0) + grand = 1 − 7/3 − 4 + 26/6.
        assert!((a[0] - (1.0 - 7.0 / 3.0 - 4.0 + 26.0 / 6.0)).abs() < 1e-12);
    }

    #[test]
    fn adding_a_unit_constant_changes_nothing() {
        let unit = vec![0, 0, 1, 1, 1, 2];
        let period = vec![0, 1, 0, 1, 2, 2];
        let fe = FixedEffects::new(vec![unit.clone(), period], None);
        let mut a = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0];
        let mut b = a;
        for (v, &u) in b.iter_mut().zip(&unit) {
            *v += 10.0 * (u as f64 + 1.0);
        }
        fe.demean(&mut a, Convergence::default()).unwrap();
        fe.demean(&mut b, Convergence::default()).unwrap();
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() < 1e-9);
        }
    }
}
