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
/// With up to 32 predictors Wolfe's algorithm ([`min_norm_weights`]) is exact and fastest; with
/// more (e.g. every pre-period month as a predictor) the corral's linear solves grow cubically
/// and the accelerated projected gradient ([`gradient_weights`]) takes over.
pub fn synth_weights(x1: &[f64], x0: &[Vec<f64>], v: &[f64]) -> SimplexFit {
    if x1.len() <= 32 { min_norm_weights(x1, x0, v) } else { gradient_weights(x1, x0, v) }
}

/// The W-given-V problem by accelerated projected gradient, polished on the support.
pub fn gradient_weights(x1: &[f64], x0: &[Vec<f64>], v: &[f64]) -> SimplexFit {
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
    let mut restarted = false;
    for it in 1..=50_000 {
        iterations = it;
        // Every 100 iterations, try the exact solution on the current support: when it is
        // feasible and passes the KKT check it is the optimum, and iterating further only
        // chases rounding.
        if it % 100 == 0
            && let Some(polished) = polish(&p, &q, &w, n)
            && objective(&polished) <= objective(&w) + 1e-15 * (1.0 + objective(&w).abs())
        {
            w = polished;
            break;
        }
        let mut next: Vec<f64> = y.iter().zip(&py).zip(&q).map(|((a, pa), qa)| a - step * 2.0 * (pa - qa)).collect();
        project_simplex(&mut next);
        let p_next = mat_vec(&p, &next, n);
        let f = value(&next, &p_next);
        if f > f_prev {
            // Adaptive restart: drop the momentum when the objective goes up. A plain gradient
            // step that still goes up is rounding at the optimum: stop.
            if restarted {
                break;
            }
            restarted = true;
            t = 1.0;
            y = w.clone();
            py = pw.clone();
            continue;
        }
        restarted = false;
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

/// The same problem by Wolfe's minimum-norm-point algorithm (1976): with pⱼ = V^½(x₀ⱼ − x₁) the
/// fit error of w is ‖Σ wⱼpⱼ‖², so the optimum is the point of the donors' (shifted) convex hull
/// nearest the origin. The algorithm keeps a "corral" of at most k + 1 affinely independent
/// donors, moves to the nearest point of their affine hull when it lies inside their simplex,
/// and otherwise steps back to the simplex boundary and drops a donor. Each step costs O(n·k)
/// plus a tiny linear solve, so with few predictors (k ≪ n) it is far faster than iterating on
/// the n × n quadratic form, which is what the predictor-weight search needs. Ties go to the
/// lowest donor index: same input, same weights.
pub fn min_norm_weights(x1: &[f64], x0: &[Vec<f64>], v: &[f64]) -> SimplexFit {
    let (k, n) = (x1.len(), x0.len());
    assert!(x0.iter().all(|d| d.len() == k) && v.len() == k, "predictor dimensions agree");
    if n == 0 {
        return SimplexFit { weights: Vec::new(), fit: f64::NAN, iterations: 0 };
    }
    // Donor j's point is points[j·k .. (j+1)·k].
    let mut points = Vec::with_capacity(n * k);
    for d in x0 {
        points.extend((0..k).map(|r| v[r].max(0.0).sqrt() * (d[r] - x1[r])));
    }
    let point = |j: usize| &points[j * k..(j + 1) * k];
    let mut first = 0;
    let mut scale = 0.0f64;
    let mut smallest = f64::INFINITY;
    for j in 0..n {
        let norm = dot(point(j), point(j));
        scale = scale.max(norm);
        if norm < smallest {
            smallest = norm;
            first = j;
        }
    }
    let scale = scale.max(f64::MIN_POSITIVE);
    let mut corral = vec![first];
    let mut gram = vec![vec![dot(point(first), point(first))]];
    let mut lambda = vec![1.0];
    let mut x = point(first).to_vec();
    let mut iterations = 0;
    'major: while iterations < 100 * (k + 1) + n {
        iterations += 1;
        let xx = dot(&x, &x);
        if xx <= 1e-30 * scale {
            break;
        }
        let (mut j, mut lowest) = (0, f64::INFINITY);
        for i in 0..n {
            let d = dot(&x, point(i));
            if d < lowest {
                lowest = d;
                j = i;
            }
        }
        if xx - lowest <= 1e-13 * scale || corral.contains(&j) {
            break;
        }
        // The corral's Gram matrix is kept up to date: a new donor adds a row, a dropped donor
        // takes its row and column away.
        for (row, &c) in gram.iter_mut().zip(&corral) {
            row.push(dot(point(c), point(j)));
        }
        let mut row: Vec<f64> = corral.iter().map(|&c| dot(point(j), point(c))).collect();
        row.push(dot(point(j), point(j)));
        gram.push(row);
        corral.push(j);
        lambda.push(0.0);
        loop {
            let Some(alpha) = affine_minimizer(&gram) else {
                // Numerically dependent corral: keep the last feasible point.
                corral.pop();
                lambda.pop();
                gram.pop();
                gram.iter_mut().for_each(|r| {
                    r.pop();
                });
                break 'major;
            };
            if alpha.iter().all(|a| *a > 1e-14) {
                lambda = alpha;
                break;
            }
            // Step from λ towards α until the first weight reaches zero, and drop it.
            let theta = lambda
                .iter()
                .zip(&alpha)
                .filter(|(_, a)| **a <= 1e-14)
                .map(|(l, a)| if l - a > 0.0 { l / (l - a) } else { 0.0 })
                .fold(1.0, f64::min);
            lambda.iter_mut().zip(&alpha).for_each(|(l, a)| *l = (1.0 - theta) * *l + theta * a);
            let smallest = (0..lambda.len()).fold(0, |best, i| if lambda[i] < lambda[best] { i } else { best });
            lambda[smallest] = 0.0;
            let mut i = 0;
            while i < lambda.len() {
                if lambda[i] > 1e-14 {
                    i += 1;
                } else {
                    lambda.remove(i);
                    corral.remove(i);
                    gram.remove(i);
                    gram.iter_mut().for_each(|r| {
                        r.remove(i);
                    });
                }
            }
            let total: f64 = lambda.iter().sum();
            lambda.iter_mut().for_each(|l| *l /= total);
        }
        x.iter_mut().for_each(|a| *a = 0.0);
        for (&j, &l) in corral.iter().zip(&lambda) {
            x.iter_mut().zip(point(j)).for_each(|(a, b)| *a += l * b);
        }
    }
    let mut weights = vec![0.0; n];
    for (&j, &l) in corral.iter().zip(&lambda) {
        weights[j] = l;
    }
    let fit = dot(&x, &x);
    SimplexFit { weights, fit, iterations }
}

/// Coefficients α (Σα = 1) of the point of the corral's affine hull nearest the origin:
/// [G 1; 1′ 0][α; μ] = [0; 1] with G the corral's Gram matrix. `None` when singular.
fn affine_minimizer(gram: &[Vec<f64>]) -> Option<Vec<f64>> {
    let s = gram.len();
    let m = s + 1;
    let mut a = vec![0.0; m * m];
    for (i, row) in gram.iter().enumerate() {
        a[i * m..i * m + s].copy_from_slice(row);
        a[i * m + s] = 1.0;
        a[s * m + i] = 1.0;
    }
    let mut b = vec![0.0; m];
    b[s] = 1.0;
    solve_dense(&mut a, &mut b, m)?;
    Some(b[..s].to_vec())
}

/// Gaussian elimination with partial pivoting on a small dense system (row-major `a`, solution
/// left in `b`); `None` when a pivot vanishes relative to the matrix's scale.
pub(crate) fn solve_dense(a: &mut [f64], b: &mut [f64], m: usize) -> Option<()> {
    let scale = a.iter().fold(0.0f64, |s, x| s.max(x.abs())).max(f64::MIN_POSITIVE);
    for c in 0..m {
        let p = (c..m).fold(c, |best, r| if a[r * m + c].abs() > a[best * m + c].abs() { r } else { best });
        if a[p * m + c].abs() <= 1e-13 * scale {
            return None;
        }
        if p != c {
            for j in 0..m {
                a.swap(c * m + j, p * m + j);
            }
            b.swap(c, p);
        }
        for r in c + 1..m {
            let f = a[r * m + c] / a[c * m + c];
            if f != 0.0 {
                for j in c..m {
                    a[r * m + j] -= f * a[c * m + j];
                }
                b[r] -= f * b[c];
            }
        }
    }
    for c in (0..m).rev() {
        let s: f64 = (c + 1..m).map(|j| a[c * m + j] * b[j]).sum();
        b[c] = (b[c] - s) / a[c * m + c];
    }
    Some(())
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
        let wolfe = min_norm_weights(&[0.5, 1.0], &[vec![0.0, 0.0], vec![2.0, 0.0]], &[1.0, 1.0]);
        assert!((wolfe.weights[0] - 0.75).abs() < 1e-12 && (wolfe.fit - 1.0).abs() < 1e-12, "{wolfe:?}");
    }

    /// Wolfe's algorithm and the projected-gradient solver reach the same optimum on random
    /// problems with few predictors, inside and outside the donors' hull.
    #[test]
    fn min_norm_point_agrees_with_projected_gradient() {
        let mut stream = crate::rng::Stream::new(5, 0);
        for case in 0..40 {
            let (k, n) = (2 + case % 7, 5 + (case * 7) % 60);
            let x0: Vec<Vec<f64>> = (0..n).map(|_| (0..k).map(|_| stream.normal()).collect()).collect();
            // Every other case puts the treated unit far outside the cloud.
            let shift = if case % 2 == 0 { 0.0 } else { 4.0 };
            let x1: Vec<f64> = (0..k).map(|_| 0.3 * stream.normal() + shift).collect();
            let v: Vec<f64> = (0..k).map(|_| 0.1 + stream.uniform()).collect();
            let a = gradient_weights(&x1, &x0, &v);
            let b = min_norm_weights(&x1, &x0, &v);
            assert!((b.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12 && b.weights.iter().all(|w| *w >= 0.0));
            // Never worse than the gradient solver, and within its tolerance of it.
            assert!(b.fit <= a.fit + 1e-12 * (1.0 + a.fit), "case {case}: {} vs {}", b.fit, a.fit);
            assert!((a.fit - b.fit).abs() < 1e-4 * (1.0 + a.fit), "case {case}: {} vs {}", a.fit, b.fit);
            // Optimality certificate: with x = Σ wⱼpⱼ, no donor point lies beyond the plane
            // ⟨x, p⟩ = ‖x‖² on the origin's side.
            let point = |j: usize| -> Vec<f64> { (0..k).map(|r| v[r].sqrt() * (x0[j][r] - x1[r])).collect() };
            let x: Vec<f64> = (0..k).map(|r| (0..n).map(|j| b.weights[j] * point(j)[r]).sum::<f64>()).collect();
            let xx = dot(&x, &x);
            assert!((xx - b.fit).abs() < 1e-10 * (1.0 + xx));
            for j in 0..n {
                assert!(dot(&x, &point(j)) >= xx - 1e-9 * (1.0 + xx), "case {case}: donor {j} improves the fit");
            }
        }
    }
}
