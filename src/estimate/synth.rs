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
//! unique. The tie-break is deterministic and the same for the treated and every placebo:
//! with up to 32 predictors, Wolfe's algorithm starts from the donor nearest the treated, adds
//! at each step the donor that most reduces the distance (ties to the lowest donor index) and
//! stops at the first corral of at most k + 1 donors whose hull holds x₁, a sparse solution
//! built from nearby donors; the findings then carry the non-unique-weights caveat
//! ([`crate::results::findings::Caveat::NonUniqueWeights`]).

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
    synth_solver(x1, x0)(v)
}

/// Donor weights as a function of the predictor weights V.
pub type WeightSolver<'a> = Box<dyn Fn(&[f64]) -> SimplexFit + Sync + 'a>;

/// [`synth_weights`] for one treated unit and donor pool, prepared once and then solved for
/// any number of predictor weightings V (what the predictor-weight search does).
pub fn synth_solver<'a>(x1: &'a [f64], x0: &'a [Vec<f64>]) -> WeightSolver<'a> {
    if x1.len() <= 32 {
        let donors = Donors::new(x1, x0);
        Box::new(move |v| donors.min_norm(v))
    } else {
        Box::new(move |v| gradient_weights(x1, x0, v))
    }
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
    Donors::new(x1, x0).min_norm(v)
}

/// The donors' predictor differences dⱼ = x₀ⱼ − x₁, prepared once for the many V a predictor
/// weight search tries. Every quantity Wolfe's algorithm needs is a V-weighted product of
/// them: pᵢ·pⱼ = Σᵣ vᵣdᵢᵣdⱼᵣ, and with the current point x = V^½u (u = Σ λⱼdⱼ) the scan for the
/// best donor is x·pᵢ = Σᵣ vᵣuᵣdᵢᵣ. Nothing is rescaled per V.
pub struct Donors {
    k: usize,
    n: usize,
    /// Donor j's differences at rows[j·k .. (j+1)·k].
    rows: Vec<f64>,
    /// The same by predictor, columns[r·n + j], so a scan runs as k passes over contiguous
    /// memory.
    columns: Vec<f64>,
    /// Their squares, by predictor.
    squares: Vec<f64>,
}

impl Donors {
    /// `x1`: the treated unit's k predictors; `x0[j]`: donor j's.
    pub fn new(x1: &[f64], x0: &[Vec<f64>]) -> Donors {
        let (k, n) = (x1.len(), x0.len());
        assert!(x0.iter().all(|d| d.len() == k), "predictor dimensions agree");
        let mut rows = Vec::with_capacity(n * k);
        for d in x0 {
            rows.extend(d.iter().zip(x1).map(|(a, b)| a - b));
        }
        let mut columns = vec![0.0; k * n];
        for (j, d) in rows.chunks_exact(k.max(1)).enumerate() {
            for (r, value) in d.iter().enumerate() {
                columns[r * n + j] = *value;
            }
        }
        let squares = columns.iter().map(|x| x * x).collect();
        Donors { k, n, rows, columns, squares }
    }

    fn row(&self, j: usize) -> &[f64] {
        &self.rows[j * self.k..(j + 1) * self.k]
    }

    /// Σᵣ vᵣaᵣbᵣ
    fn product(v: &[f64], a: &[f64], b: &[f64]) -> f64 {
        v.iter().zip(a).zip(b).map(|((v, a), b)| v * a * b).sum()
    }

    /// scores[i] = Σᵣ cᵣ·by_predictor[r·n + i]
    fn scan(&self, c: &[f64], by_predictor: &[f64], scores: &mut [f64]) {
        scores.iter_mut().for_each(|s| *s = 0.0);
        for (r, cr) in c.iter().enumerate() {
            scores.iter_mut().zip(&by_predictor[r * self.n..(r + 1) * self.n]).for_each(|(s, d)| *s += cr * d);
        }
    }

    /// [`min_norm_weights`] for predictor weights `v` (the diagonal of V; negative entries count
    /// as zero).
    pub fn min_norm(&self, v: &[f64]) -> SimplexFit {
        let (k, n) = (self.k, self.n);
        assert_eq!(v.len(), k, "one weight per predictor");
        if n == 0 {
            return SimplexFit { weights: Vec::new(), fit: f64::NAN, iterations: 0 };
        }
        let v: Vec<f64> = v.iter().map(|x| x.max(0.0)).collect();
        let mut scores = vec![0.0; n];
        // Start at the donor nearest the treated unit; the farthest sets the scale of "zero".
        self.scan(&v, &self.squares, &mut scores);
        let (mut first, mut smallest, mut scale) = (0, f64::INFINITY, 0.0f64);
        for (j, norm) in scores.iter().enumerate() {
            scale = scale.max(*norm);
            if *norm < smallest {
                smallest = *norm;
                first = j;
            }
        }
        let scale = scale.max(f64::MIN_POSITIVE);
        // An affinely independent corral in k dimensions has at most k + 1 donors, and one more
        // joins before the dependent one is found: the Gram matrix is stored with stride k + 2.
        let cap = k + 2;
        let mut corral = Vec::with_capacity(cap);
        let mut lambda = Vec::with_capacity(cap);
        let mut gram = vec![0.0; cap * cap];
        let mut solver = AffineSolver::new(cap);
        corral.push(first);
        lambda.push(1.0);
        gram[0] = smallest;
        let mut u = self.row(first).to_vec();
        let mut vu = vec![0.0; k];
        let mut iterations = 0;
        'major: while iterations < 100 * (k + 1) + n {
            iterations += 1;
            vu.iter_mut().zip(&v).zip(&u).for_each(|((c, v), u)| *c = v * u);
            let xx = dot(&vu, &u);
            if xx <= 1e-30 * scale {
                break;
            }
            self.scan(&vu, &self.columns, &mut scores);
            let (mut j, mut lowest) = (0, f64::INFINITY);
            for (i, d) in scores.iter().enumerate() {
                if *d < lowest {
                    lowest = *d;
                    j = i;
                }
            }
            if xx - lowest <= 1e-13 * scale || corral.contains(&j) || corral.len() == cap {
                break;
            }
            // The corral's Gram matrix is kept up to date: a new donor adds a row and a column,
            // a dropped donor takes its row and column away.
            let s = corral.len();
            for (i, &c) in corral.iter().enumerate() {
                let g = Self::product(&v, self.row(c), self.row(j));
                gram[i * cap + s] = g;
                gram[s * cap + i] = g;
            }
            gram[s * cap + s] = Self::product(&v, self.row(j), self.row(j));
            corral.push(j);
            lambda.push(0.0);
            loop {
                let Some(alpha) = solver.affine_minimizer(&gram, corral.len()) else {
                    // Numerically dependent corral: keep the last feasible point.
                    corral.pop();
                    lambda.pop();
                    break 'major;
                };
                if alpha.iter().all(|a| *a > 1e-14) {
                    lambda.copy_from_slice(alpha);
                    break;
                }
                // Step from λ towards α until the first weight reaches zero, and drop it.
                let theta = lambda
                    .iter()
                    .zip(alpha)
                    .filter(|(_, a)| **a <= 1e-14)
                    .map(|(l, a)| if l - a > 0.0 { l / (l - a) } else { 0.0 })
                    .fold(1.0, f64::min);
                lambda.iter_mut().zip(alpha).for_each(|(l, a)| *l = (1.0 - theta) * *l + theta * a);
                let smallest = (0..lambda.len()).fold(0, |best, i| if lambda[i] < lambda[best] { i } else { best });
                lambda[smallest] = 0.0;
                let mut i = 0;
                while i < lambda.len() {
                    if lambda[i] > 1e-14 {
                        i += 1;
                    } else {
                        lambda.remove(i);
                        corral.remove(i);
                        remove_row_and_column(&mut gram, cap, corral.len() + 1, i);
                    }
                }
                let total: f64 = lambda.iter().sum();
                lambda.iter_mut().for_each(|l| *l /= total);
            }
            u.iter_mut().for_each(|a| *a = 0.0);
            for (&j, &l) in corral.iter().zip(&lambda) {
                u.iter_mut().zip(self.row(j)).for_each(|(a, d)| *a += l * d);
            }
        }
        let mut weights = vec![0.0; n];
        for (&j, &l) in corral.iter().zip(&lambda) {
            weights[j] = l;
        }
        let fit = Self::product(&v, &u, &u);
        SimplexFit { weights, fit, iterations }
    }
}

/// Takes row and column `i` out of the leading `s` × `s` block of a matrix stored with stride
/// `cap`, moving the later rows and columns up.
fn remove_row_and_column(m: &mut [f64], cap: usize, s: usize, i: usize) {
    for r in 0..s {
        for c in i..s - 1 {
            m[r * cap + c] = m[r * cap + c + 1];
        }
    }
    for r in i..s - 1 {
        m.copy_within((r + 1) * cap..(r + 1) * cap + s - 1, r * cap);
    }
}

/// Reusable storage for the corral's normal equations, so the many small solves of one search
/// allocate nothing.
struct AffineSolver {
    a: Vec<f64>,
    b: Vec<f64>,
}

impl AffineSolver {
    fn new(cap: usize) -> AffineSolver {
        AffineSolver { a: vec![0.0; (cap + 1) * (cap + 1)], b: vec![0.0; cap + 1] }
    }

    /// Coefficients α (Σα = 1) of the point of the corral's affine hull nearest the origin, G
    /// being the leading `s` × `s` block of `gram` (stride `cap`). With α₀ = 1 − Σᵢ₌₁ αᵢ the
    /// point is p₀ + Σᵢ₌₁ αᵢ(pᵢ − p₀), and the αᵢ solve the normal equations Dα = −c with
    /// Dᵢⱼ = (pᵢ − p₀)·(pⱼ − p₀) and cᵢ = (pᵢ − p₀)·p₀, both read off G. D is positive definite
    /// exactly when the corral is affinely independent, so a Cholesky factorisation solves it;
    /// `None` when a pivot (the squared distance of a donor from the affine hull of the ones
    /// before it) vanishes relative to D's diagonal.
    fn affine_minimizer(&mut self, gram: &[f64], s: usize) -> Option<&[f64]> {
        let cap = self.b.len() - 1;
        let g = |i: usize, j: usize| gram[i * cap + j];
        let r = s - 1;
        let (a, b) = (&mut self.a[..r * r], &mut self.b[..s]);
        for i in 0..r {
            for j in 0..=i {
                a[i * r + j] = g(i + 1, j + 1) - g(i + 1, 0) - g(0, j + 1) + g(0, 0);
            }
            b[i + 1] = g(0, 0) - g(i + 1, 0);
        }
        let scale = (0..r).fold(0.0f64, |m, i| m.max(a[i * r + i])).max(f64::MIN_POSITIVE);
        // L with LL′ = D in the lower triangle, then forward and back substitution.
        for j in 0..r {
            let d = a[j * r + j] - (0..j).map(|k| a[j * r + k] * a[j * r + k]).sum::<f64>();
            if d <= 1e-13 * scale {
                return None;
            }
            let d = d.sqrt();
            a[j * r + j] = d;
            for i in j + 1..r {
                a[i * r + j] = (a[i * r + j] - (0..j).map(|k| a[i * r + k] * a[j * r + k]).sum::<f64>()) / d;
            }
        }
        for i in 0..r {
            b[i + 1] = (b[i + 1] - (0..i).map(|k| a[i * r + k] * b[k + 1]).sum::<f64>()) / a[i * r + i];
        }
        for i in (0..r).rev() {
            b[i + 1] = (b[i + 1] - (i + 1..r).map(|k| a[k * r + i] * b[k + 1]).sum::<f64>()) / a[i * r + i];
        }
        b[0] = 1.0 - b[1..].iter().sum::<f64>();
        Some(&self.b[..s])
    }
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
