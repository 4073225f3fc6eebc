//! Synthetic control weights: the "W given V" problem of Abadie, Diamond and Hainmueller (2010).
//!
//! For a treated unit with predictors x₁ (k values) and donors with predictors X₀ (k × J), find
//! donor weights w on the simplex (w ≥ 0, Σw = 1) minimising the fit error
//! (x₁ − X₀w)′V(x₁ − X₀w) for a diagonal predictor weighting V. This is a convex quadratic
//! programme in w with P = X₀′VX₀ and q = X₀′Vx₁. It is solved by accelerated projected gradient
//! (FISTA with adaptive restart, Euclidean projection onto the simplex) and then polished on the
//! support: the equality-constrained problem on the donors with positive weight is solved exactly
//! and kept when it is feasible and no better donor is left out (the KKT conditions). The
//! result is deterministic: same input, same weights.
//!
//! When x₁ lies inside the donors' convex hull the fit error is zero and the weights are not
//! unique; the fit error is then the meaningful output.

use faer::Mat;
use faer::linalg::solvers::Solve;

use super::ols::dot;

/// Donor weights and the fit error they reach.
#[derive(Clone, Debug, PartialEq)]
pub struct SimplexFit {
    pub weights: Vec<f64>,
    /// (x₁ − X₀w)′V(x₁ − X₀w)
    pub fit: f64,
    pub iterations: usize,
}

/// `x1`: the treated unit's k predictors; `x0[j]`: donor j's k predictors; `v`: the diagonal of V.
pub fn synth_weights(x1: &[f64], x0: &[Vec<f64>], v: &[f64]) -> SimplexFit {
    let (k, n) = (x1.len(), x0.len());
    assert!(x0.iter().all(|d| d.len() == k) && v.len() == k, "predictor dimensions agree");
    if n == 0 {
        return SimplexFit { weights: Vec::new(), fit: f64::NAN, iterations: 0 };
    }
    // P = X₀′VX₀ and q = X₀′Vx₁.
    let p: Vec<f64> = (0..n * n).map(|ij| (0..k).map(|r| x0[ij / n][r] * v[r] * x0[ij % n][r]).sum()).collect();
    let q: Vec<f64> = (0..n).map(|j| (0..k).map(|r| x0[j][r] * v[r] * x1[r]).sum()).collect();
    let c: f64 = (0..k).map(|r| x1[r] * v[r] * x1[r]).sum();
    let objective = |w: &[f64]| -> f64 {
        let pw = mat_vec(&p, w, n);
        w.iter().zip(&pw).map(|(a, b)| a * b).sum::<f64>() - 2.0 * dot(&q, w) + c
    };

    // Step 1/L with L the largest eigenvalue of 2P (power iteration from a fixed start).
    let mut e = vec![1.0 / (n as f64).sqrt(); n];
    let mut lambda = 0.0;
    for _ in 0..200 {
        let pe = mat_vec(&p, &e, n);
        let norm = dot(&pe, &pe).sqrt();
        if norm == 0.0 {
            break;
        }
        lambda = norm;
        e = pe.iter().map(|x| x / norm).collect();
    }
    let step = if lambda > 0.0 { 1.0 / (2.0 * lambda * 1.01) } else { 1.0 };

    let mut w = vec![1.0 / n as f64; n];
    let mut y = w.clone();
    let mut t = 1.0f64;
    // P·w and P·y are carried along: y is a combination of iterates, so P·y is the same
    // combination of their products and each iteration needs one matrix–vector product.
    let mut pw = mat_vec(&p, &w, n);
    let mut py = pw.clone();
    let value = |w: &[f64], pw: &[f64]| dot(w, pw) - 2.0 * dot(&q, w) + c;
    let mut f_prev = value(&w, &pw);
    let mut iterations = 0;
    for it in 1..=50_000 {
        iterations = it;
        let mut next: Vec<f64> = y.iter().zip(&py).zip(&q).map(|((a, pa), qa)| a - step * 2.0 * (pa - qa)).collect();
        project_simplex(&mut next);
        let p_next = mat_vec(&p, &next, n);
        let f = value(&next, &p_next);
        if f > f_prev {
            // Adaptive restart: drop the momentum when the objective goes up.
            t = 1.0;
            y = w.clone();
            py = pw.clone();
            continue;
        }
        let t_next = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
        let beta = (t - 1.0) / t_next;
        let moved: f64 = next.iter().zip(&w).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        y = next.iter().zip(&w).map(|(a, b)| a + beta * (a - b)).collect();
        py = p_next.iter().zip(&pw).map(|(a, b)| a + beta * (a - b)).collect();
        w = next;
        pw = p_next;
        t = t_next;
        let done = moved < 1e-14 || (f_prev - f).abs() <= 1e-16 * (1.0 + f.abs());
        f_prev = f;
        if done && it > 10 {
            break;
        }
    }
    if let Some(polished) = polish(&p, &q, &w, n)
        && objective(&polished) <= objective(&w) + 1e-15 * (1.0 + objective(&w).abs())
    {
        w = polished;
    }
    let fit = objective(&w).max(0.0);
    SimplexFit { weights: w, fit, iterations }
}

/// Solves the equality-constrained problem on the support of `w` exactly; returns it when it is
/// feasible (all weights positive) and optimal (no donor outside the support would lower the
/// objective), `None` otherwise.
fn polish(p: &[f64], q: &[f64], w: &[f64], n: usize) -> Option<Vec<f64>> {
    let support: Vec<usize> = (0..n).filter(|&j| w[j] > 1e-9).collect();
    let s = support.len();
    // [2P_SS 1; 1′ 0] [w_S; μ] = [2q_S; 1]
    let a = Mat::<f64>::from_fn(s + 1, s + 1, |i, j| match (i < s, j < s) {
        (true, true) => 2.0 * p[support[i] * n + support[j]],
        (true, false) | (false, true) => 1.0,
        (false, false) => 0.0,
    });
    let b = Mat::<f64>::from_fn(s + 1, 1, |i, _| if i < s { 2.0 * q[support[i]] } else { 1.0 });
    let sol = a.full_piv_lu().solve(&b);
    let mut out = vec![0.0; n];
    for (i, &j) in support.iter().enumerate() {
        let x = sol[(i, 0)];
        if !x.is_finite() || x < 0.0 {
            return None;
        }
        out[j] = x;
    }
    let mu = sol[(s, 0)];
    // KKT for donors outside the support: gradient 2(Pw − q)_j ≥ −μ.
    let pw = mat_vec(p, &out, n);
    let tolerance = 1e-9 * (1.0 + mu.abs());
    let optimal = (0..n).filter(|j| !support.contains(j)).all(|j| 2.0 * (pw[j] - q[j]) + mu >= -tolerance);
    optimal.then_some(out)
}

fn mat_vec(m: &[f64], x: &[f64], n: usize) -> Vec<f64> {
    (0..n).map(|i| dot(&m[i * n..(i + 1) * n], x)).collect()
}

/// Euclidean projection onto the probability simplex (sort and threshold; Duchi et al. 2008).
pub fn project_simplex(x: &mut [f64]) {
    let mut u: Vec<f64> = x.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let (mut cumulative, mut theta) = (0.0, 0.0);
    for (i, ui) in u.iter().enumerate() {
        cumulative += ui;
        let candidate = (cumulative - 1.0) / (i + 1) as f64;
        if ui - candidate > 0.0 {
            theta = candidate;
        }
    }
    x.iter_mut().for_each(|v| *v = (*v - theta).max(0.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_lands_on_the_simplex() {
        let mut x = vec![0.5, 1.2, -0.3, 0.1];
        project_simplex(&mut x);
        assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-12 && x.iter().all(|v| *v >= 0.0));
        // Already on the simplex: unchanged.
        let mut y = vec![0.2, 0.3, 0.5];
        project_simplex(&mut y);
        assert!((y[0] - 0.2).abs() < 1e-15 && (y[2] - 0.5).abs() < 1e-15);
    }

    /// A treated unit outside the donors' hull: the best weights put it on the nearest edge,
    /// computable by hand.
    #[test]
    fn nearest_point_of_a_segment() {
        // Donors at (0, 0) and (2, 0); treated at (0.5, 1): the projection onto the segment is
        // (0.5, 0), weights (0.75, 0.25), fit error 1.
        let fit = synth_weights(&[0.5, 1.0], &[vec![0.0, 0.0], vec![2.0, 0.0]], &[1.0, 1.0]);
        assert!((fit.weights[0] - 0.75).abs() < 1e-10 && (fit.weights[1] - 0.25).abs() < 1e-10, "{fit:?}");
        assert!((fit.fit - 1.0).abs() < 1e-10);
    }
}
