//! The demeaning engine: project variables onto the orthogonal complement of fixed effects.
//!
//! Every estimator that absorbs fixed effects goes through [`FixedEffects::demean`]. For a
//! balanced two-way panel the projection has a closed form (x − x̄_unit − x̄_period + x̄).
//! Otherwise, as fixest does (Bergé 2018), the iteration runs on the fixed-effect coefficients
//! rather than on the observations: one Gauss–Seidel sweep F sets each factor's coefficients to
//! the (weighted) group means of x minus the other factors' current coefficients, and every
//! second sweep is accelerated by Irons–Tuck extrapolation, X ← F²X − (Δ′Δ²/Δ²′Δ²)·Δ with
//! Δ = F²X − FX and Δ² = F²X − 2FX + X. The iteration stops when no coefficient moves by more
//! than `tolerance` relative to its size; the residual x − Σ_k α_k[g_k(i)] is then the
//! projection (the method of alternating projections, Gaure 2013, converges to the same point).
//! Any number of factors and optional observation weights are supported.

/// Fixed-effect factors over the same observations: `factors[k][i]` is observation `i`'s level
/// of factor `k`, as dense ids `0..levels[k]`.
pub struct FixedEffects {
    factors: Vec<Vec<u32>>,
    levels: Vec<usize>,
    weights: Option<Vec<f64>>,
    balanced: bool,
    /// `Some((units, periods))`: the data are a dense units × periods matrix stored unit by unit
    /// (every unit observed in every period, in period order); no id vectors are kept.
    dense: Option<(usize, usize)>,
}

/// Convergence settings for alternating projections.
#[derive(Clone, Copy, Debug)]
pub struct Convergence {
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl Default for Convergence {
    fn default() -> Self {
        Convergence { tolerance: 1e-11, max_iterations: 10_000 }
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
        FixedEffects { factors, levels, weights, balanced, dense: None }
    }

    /// Unit and period effects of a dense panel: `units × periods` values stored unit by unit,
    /// periods in order. The closed form applies and no id vectors are needed.
    pub fn dense(units: usize, periods: usize) -> FixedEffects {
        FixedEffects {
            factors: Vec::new(),
            levels: vec![units, periods],
            weights: None,
            balanced: true,
            dense: Some((units, periods)),
        }
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
        if let Some((units, periods)) = self.dense {
            demean_dense(x, units, periods);
            return Ok(1);
        }
        if self.factors.is_empty() {
            return Ok(0);
        }
        if self.balanced {
            self.demean_balanced(x);
            return Ok(1);
        }
        let k_total: usize = self.levels.iter().sum();
        let offsets: Vec<usize> = self
            .levels
            .iter()
            .scan(0, |acc, &l| {
                let o = *acc;
                *acc += l;
                Some(o)
            })
            .collect();
        // Per factor: weighted group totals of x and of the weights.
        let mut sum_x = vec![0.0; k_total];
        let mut sum_w = vec![0.0; k_total];
        for (k, factor) in self.factors.iter().enumerate() {
            for (i, &g) in factor.iter().enumerate() {
                let w = self.weight(i);
                sum_x[offsets[k] + g as usize] += w * x[i];
                sum_w[offsets[k] + g as usize] += w;
            }
        }
        let mut other = vec![0.0; k_total];
        let two_unweighted = self.factors.len() == 2 && self.weights.is_none();
        // One Gauss–Seidel sweep: every factor's coefficients from the others' latest values.
        let mut sweep = |c: &[f64], out: &mut [f64]| {
            out.copy_from_slice(c);
            if two_unweighted {
                // The common case, two factors without weights, in two tight passes.
                let (a, b) = (&self.factors[0], &self.factors[1]);
                let (la, lb) = (self.levels[0], self.levels[1]);
                let (ca, cb) = out.split_at_mut(la);
                let (acc_a, acc_b) = other.split_at_mut(la);
                acc_a.iter_mut().for_each(|v| *v = 0.0);
                for (&g, &h) in a.iter().zip(b) {
                    acc_a[g as usize] += cb[h as usize];
                }
                for g in 0..la {
                    ca[g] = if sum_w[g] > 0.0 { (sum_x[g] - acc_a[g]) / sum_w[g] } else { 0.0 };
                }
                acc_b.iter_mut().for_each(|v| *v = 0.0);
                for (&g, &h) in a.iter().zip(b) {
                    acc_b[h as usize] += ca[g as usize];
                }
                for h in 0..lb {
                    let w = sum_w[la + h];
                    cb[h] = if w > 0.0 { (sum_x[la + h] - acc_b[h]) / w } else { 0.0 };
                }
                return;
            }
            for (k, factor) in self.factors.iter().enumerate() {
                let (o, l) = (offsets[k], self.levels[k]);
                let acc = &mut other[o..o + l];
                acc.iter_mut().for_each(|v| *v = 0.0);
                for (i, &g) in factor.iter().enumerate() {
                    let mut fitted = 0.0;
                    for (j, f) in self.factors.iter().enumerate() {
                        if j != k {
                            fitted += out[offsets[j] + f[i] as usize];
                        }
                    }
                    acc[g as usize] += self.weight(i) * fitted;
                }
                for g in 0..l {
                    let w = sum_w[o + g];
                    out[o + g] = if w > 0.0 { (sum_x[o + g] - acc[g]) / w } else { 0.0 };
                }
            }
        };
        let moved = |a: &[f64], b: &[f64]| -> f64 {
            a.iter().zip(b).map(|(p, q)| (p - q).abs() / (0.1 + p.abs())).fold(0.0, f64::max)
        };
        let mut c = vec![0.0; k_total];
        let mut gx = vec![0.0; k_total];
        let mut ggx = vec![0.0; k_total];
        let mut change = f64::INFINITY;
        let mut iteration = 0;
        while iteration < conv.max_iterations {
            iteration += 1;
            sweep(&c, &mut gx);
            change = moved(&c, &gx);
            if change < conv.tolerance {
                c.copy_from_slice(&gx);
                break;
            }
            sweep(&gx, &mut ggx);
            // Irons–Tuck extrapolation from X, F(X), F(F(X)).
            let (mut vprod, mut ssq) = (0.0, 0.0);
            for j in 0..k_total {
                let d = ggx[j] - gx[j];
                let d2 = d - (gx[j] - c[j]);
                vprod += d * d2;
                ssq += d2 * d2;
            }
            if ssq > 0.0 {
                let coef = vprod / ssq;
                for j in 0..k_total {
                    c[j] = ggx[j] - coef * (ggx[j] - gx[j]);
                }
            } else {
                c.copy_from_slice(&ggx);
            }
        }
        if change >= conv.tolerance {
            return Err(NotConverged { iterations: iteration, change });
        }
        for (i, v) in x.iter_mut().enumerate() {
            for (k, f) in self.factors.iter().enumerate() {
                *v -= c[offsets[k] + f[i] as usize];
            }
        }
        Ok(iteration)
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

/// x − row mean − column mean + grand mean of a units × periods matrix stored row by row, in
/// passes over contiguous rows (no index lookups).
fn demean_dense(x: &mut [f64], units: usize, periods: usize) {
    debug_assert_eq!(x.len(), units * periods);
    if units == 0 || periods == 0 {
        return;
    }
    let mut col = vec![0.0; periods];
    let mut row = vec![0.0; units];
    for (r, chunk) in row.iter_mut().zip(x.chunks_exact(periods)) {
        *r = chunk.iter().sum::<f64>() / periods as f64;
        col.iter_mut().zip(chunk).for_each(|(c, v)| *c += v);
    }
    let grand = col.iter().sum::<f64>() / x.len() as f64;
    col.iter_mut().for_each(|c| *c = *c / units as f64 - grand);
    for (r, chunk) in row.iter().zip(x.chunks_exact_mut(periods)) {
        chunk.iter_mut().zip(&col).for_each(|(v, c)| *v -= r + c);
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
        // The dense layout (unit by unit, periods in order) gives the same projection.
        let mut c = x;
        FixedEffects::dense(2, 3).demean(&mut c, Convergence::default()).unwrap();
        for (p, q) in a.iter().zip(&c) {
            assert!((p - q).abs() < 1e-12, "{a:?} vs {c:?}");
        }
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

    /// Three factors, unbalanced, weighted: the residual has weighted mean zero within every
    /// group of every factor (the defining property of the projection), and equals what plain
    /// alternating projections reach after many sweeps.
    #[test]
    fn three_weighted_factors_project_exactly() {
        let n = 400;
        let mut s = crate::rng::Stream::new(5, 0);
        let a: Vec<u32> = (0..n).map(|_| (s.uniform() * 30.0) as u32).collect();
        let b: Vec<u32> = (0..n).map(|_| (s.uniform() * 12.0) as u32).collect();
        let c: Vec<u32> = (0..n).map(|_| (s.uniform() * 5.0) as u32).collect();
        let w: Vec<f64> = (0..n).map(|_| 0.5 + s.uniform()).collect();
        let x0: Vec<f64> = (0..n).map(|i| s.normal() + a[i] as f64 * 0.3 - b[i] as f64 + 2.0 * c[i] as f64).collect();
        let fe = FixedEffects::new(vec![a.clone(), b.clone(), c.clone()], Some(w.clone()));
        let mut x = x0.clone();
        let iterations = fe.demean(&mut x, Convergence::default()).unwrap();
        for f in [&a, &b, &c] {
            let levels = *f.iter().max().unwrap() as usize + 1;
            let mut sum = vec![0.0; levels];
            for i in 0..n {
                sum[f[i] as usize] += w[i] * x[i];
            }
            assert!(sum.iter().all(|v| v.abs() < 1e-8), "{sum:?}");
        }
        // Plain alternating projections on the observations.
        let mut y = x0;
        for _ in 0..20_000 {
            for f in [&a, &b, &c] {
                let levels = *f.iter().max().unwrap() as usize + 1;
                let (mut sw, mut swy) = (vec![0.0; levels], vec![0.0; levels]);
                for i in 0..n {
                    sw[f[i] as usize] += w[i];
                    swy[f[i] as usize] += w[i] * y[i];
                }
                for i in 0..n {
                    y[i] -= swy[f[i] as usize] / sw[f[i] as usize];
                }
            }
        }
        for (p, q) in x.iter().zip(&y) {
            assert!((p - q).abs() < 1e-8, "{p} vs {q}");
        }
        assert!(iterations < 500, "{iterations} accelerated iterations");
    }

    /// The two-factor fast path and the general weighted path (unit weights) agree on an
    /// unbalanced panel.
    #[test]
    fn two_factor_fast_path_matches_the_general_one() {
        let mut s = crate::rng::Stream::new(8, 0);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..40u32 {
            for t in 0..15u32 {
                if s.uniform() > 0.2 {
                    a.push(i);
                    b.push(t);
                }
            }
        }
        let x0: Vec<f64> = (0..a.len()).map(|i| s.normal() + a[i] as f64 * 0.1 + b[i] as f64).collect();
        let fast = FixedEffects::new(vec![a.clone(), b.clone()], None);
        assert!(!fast.is_balanced());
        let general = FixedEffects::new(vec![a.clone(), b.clone()], Some(vec![1.0; a.len()]));
        let (mut x, mut y) = (x0.clone(), x0);
        fast.demean(&mut x, Convergence::default()).unwrap();
        general.demean(&mut y, Convergence::default()).unwrap();
        for (p, q) in x.iter().zip(&y) {
            assert!((p - q).abs() < 1e-9, "{p} vs {q}");
        }
    }
}
