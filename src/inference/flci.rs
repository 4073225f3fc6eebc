//! The optimal fixed-length confidence interval (FLCI) of Rambachan and Roth (2023, §4.1) under
//! smoothness Δ^SD(M): after the start, the difference between the trial's and the comparison's
//! trends may bend (its second difference) by at most M per period.
//!
//! The interval is an affine estimator of θ = l′τ_post ± χ. Following R's HonestDiD, the
//! estimator corrects l′β̂_post by a weighted extrapolation of the pre-period slopes, with slope
//! weights w (Σw = Σ_s s·l_s, so linear trends cancel), pre-period weights l_pre = D²u where u is
//! the running sum of w (u_T = Σw fixed) and D the first difference. For such an estimator the
//! worst-case bias over Δ^SD(M) is M·b(u) with b(u) = C + |u_T| + Σ_{i<T}|u_i| (R's
//! closed form; C depends on l only) and its standard deviation is h(u) = √(v′Σv). The shortest
//! interval minimises χ(u) = h · cv_α(M·b/h), cv_α(t) the 1 − α quantile of |N(t, 1)|, or of
//! |t_ν(t)| (non-central) when the event study's own intervals are t-based, as diff-diff does.
//!
//! R solves the inner problem (least bias at a given h) by a conic solver for each h of a
//! golden-section search. Here the whole bias–variance frontier is traced exactly instead: the
//! minimisers of h² + γ·b over u are piecewise linear in γ (a lasso path, computed by homotopy
//! from the least-bias estimator at large γ to the least-variance one at γ = 0), so χ is
//! minimised along each linear piece to machine precision. Same optimum, no solver tolerance.

use statrs::distribution::{Continuous, ContinuousCDF, Normal};
use statrs::function::gamma::ln_gamma;
use std::cell::Cell;
use std::f64::consts::{PI, SQRT_2};

use crate::estimate::synth::solve_dense;

/// The distribution whose folded quantile is the critical value: the normal (R's HonestDiD) or
/// Student's t with `df` degrees of freedom, non-central by the bias ratio (diff-diff with a df).
#[derive(Clone, Debug)]
pub struct Folded {
    level: f64,
    /// Quadrature of the scale S = √(V/ν), V ~ χ²_ν: nodes and weights (density included).
    /// Empty for the normal.
    scale: Vec<(f64, f64)>,
    /// The last quantile asked for, (t, x): the next search starts there.
    last: Cell<(f64, f64)>,
}

impl Folded {
    pub fn normal(level: f64) -> Folded {
        Folded { level, scale: Vec::new(), last: Cell::new((0.0, 0.0)) }
    }

    /// Student's t with `df` degrees of freedom; the normal when `df` is not finite.
    pub fn student(level: f64, df: f64) -> Folded {
        if !df.is_finite() || df <= 0.0 {
            return Folded::normal(level);
        }
        // S has density 2(ν/2)^{ν/2}/Γ(ν/2)·s^{ν−1}·e^{−νs²/2}, concentrated at 1 with tails
        // like e^{−νs²/2}: [1 ∓ 12/√ν] holds all but ~e^{−72} of it.
        let reach = 12.0 / df.sqrt();
        let (lo, hi) = ((1.0 - reach).max(0.0), 1.0 + reach);
        let log_norm = std::f64::consts::LN_2 + df / 2.0 * (df / 2.0).ln() - ln_gamma(df / 2.0);
        let (nodes, weights) = gauss_legendre(10);
        let panels = 16;
        let width = (hi - lo) / panels as f64;
        let mut scale = Vec::with_capacity(panels * nodes.len());
        for p in 0..panels {
            let mid = lo + (p as f64 + 0.5) * width;
            for (x, w) in nodes.iter().zip(&weights) {
                let s = mid + x * width / 2.0;
                if s > 0.0 {
                    let density = (log_norm + (df - 1.0) * s.ln() - df * s * s / 2.0).exp();
                    scale.push((s, w * width / 2.0 * density));
                }
            }
        }
        Folded { level, scale, last: Cell::new((0.0, 0.0)) }
    }

    /// P(|X| ≤ x) for X ~ N(t, 1) or non-central t, and its derivative in x.
    fn cdf(&self, x: f64, t: f64) -> (f64, f64) {
        let n = Normal::standard();
        // Φ(a) − Φ(b) = (erf(a/√2) − erf(b/√2))/2.
        let mass = |a: f64, b: f64| (erf(a / SQRT_2) - erf(b / SQRT_2)) / 2.0;
        if self.scale.is_empty() {
            return (mass(x - t, -x - t), n.pdf(x - t) + n.pdf(x + t));
        }
        // T = (Z + t)/S: P(|T| ≤ x) = E[Φ(xS − t) − Φ(−xS − t)]. statrs' erf (good to about
        // 1e-12, a quantile to 1e-11) is three times as fast as the series, and there are 160 nodes.
        let fast =
            |a: f64, b: f64| (statrs::function::erf::erf(a / SQRT_2) - statrs::function::erf::erf(b / SQRT_2)) / 2.0;
        self.scale.iter().fold((0.0, 0.0), |(p, d), &(s, w)| {
            (p + w * fast(x * s - t, -x * s - t), d + w * s * (n.pdf(x * s - t) + n.pdf(x * s + t)))
        })
    }

    /// cv_α(t): the `level` quantile of |X|, by Newton steps kept inside a bracket, starting
    /// from the last quantile's x shifted by the change in t (searches ask for nearby t).
    pub fn quantile(&self, t: f64) -> f64 {
        let t = t.abs();
        if !t.is_finite() {
            return f64::INFINITY;
        }
        let (last_t, last_x) = self.last.get();
        let mut x = if last_x > 0.0 { last_x + (t - last_t) } else { t + normal_quantile(0.5 + self.level / 2.0) };
        x = x.max(1e-3);
        let (mut lo, mut hi) = (0.0, f64::INFINITY);
        for _ in 0..200 {
            let (p, d) = self.cdf(x, t);
            let f = p - self.level;
            if f < 0.0 {
                lo = x;
            } else {
                hi = x;
            }
            let step = if d > 0.0 { x - f / d } else { f64::NAN };
            let next = if step > lo && step < hi {
                step
            } else if hi.is_finite() {
                (lo + hi) / 2.0
            } else {
                2.0 * x + 1.0
            };
            if (next - x).abs() <= 1e-14 * x.max(1.0) {
                self.last.set((t, next));
                return next;
            }
            x = next;
        }
        self.last.set((t, x));
        x
    }
}

/// erf to an absolute error of about 1e-16 (statrs' is good to about 1e-12, too coarse for a
/// quantile matched to 1e-9): erf(y) = 2/√π·e^{−y²}·Σ_n 2^n y^{2n+1}/(2n + 1)!!, a series of
/// positive terms; |erf| rounds to 1 beyond 6.
fn erf(y: f64) -> f64 {
    let a = y.abs();
    if a > 6.0 {
        return y.signum();
    }
    let (mut term, mut sum) = (a, a);
    for n in 1..1000 {
        term *= 2.0 * a * a / (2 * n + 1) as f64;
        sum += term;
        if term <= 1e-17 * sum {
            break;
        }
    }
    (2.0 / PI.sqrt() * (-a * a).exp() * sum).copysign(y)
}

fn normal_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// Gauss–Legendre nodes and weights on [−1, 1].
fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut nodes, mut weights) = (vec![0.0; n], vec![0.0; n]);
    for i in 0..n {
        let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut derivative = 0.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            derivative = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / derivative;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        nodes[i] = x;
        weights[i] = 2.0 / ((1.0 - x * x) * derivative * derivative);
    }
    (nodes, weights)
}

/// One FLCI.
#[derive(Clone, Debug, PartialEq)]
pub struct Flci {
    /// The affine estimate at the interval's centre.
    pub estimate: f64,
    pub half_length: f64,
    /// The estimator's standard deviation and its worst-case bias per unit of M.
    pub sd: f64,
    pub bias_per_m: f64,
    /// The weights on β̂_pre (event times −L..−2 in increasing order).
    pub pre_weights: Vec<f64>,
}

impl Flci {
    pub fn low(&self) -> f64 {
        self.estimate - self.half_length
    }

    pub fn high(&self) -> f64 {
        self.estimate + self.half_length
    }
}

/// A linear piece of the frontier: u_free(γ) = a + γ·b for γ in [lo, hi].
#[derive(Clone, Debug)]
struct Piece {
    lo: f64,
    hi: f64,
    a: Vec<f64>,
    b: Vec<f64>,
}

/// The bias–variance frontier of the affine estimators of θ = l′τ_post from T pre-period and
/// T̄ post-period coefficients with covariance Σ (pre first).
#[derive(Clone, Debug)]
pub struct Frontier {
    t: usize,
    /// u_T = Σ_s s·l_s.
    tau: f64,
    /// C + |u_T|: the bias per unit of M of the least-bias estimator.
    bias_floor: f64,
    /// h² = u_f′Q u_f + c′u_f + κ over the free u (the first T − 1).
    q: Vec<f64>,
    c: Vec<f64>,
    kappa: f64,
    pieces: Vec<Piece>,
    l: Vec<f64>,
}

impl Frontier {
    /// `sigma` is (T + T̄)² row-major, pre-period coefficients first. `None` when T = 0, the
    /// weights do not match T̄, or the pre-period covariance is singular.
    pub fn new(sigma: &[f64], t: usize, l: &[f64]) -> Option<Frontier> {
        let tbar = l.len();
        let k = t + tbar;
        if t == 0 || tbar == 0 || sigma.len() != k * k {
            return None;
        }
        let tau: f64 = l.iter().enumerate().map(|(s, w)| (s + 1) as f64 * w).sum();
        let constant: f64 =
            (1..=tbar).map(|s| (1..=s).map(|j| j as f64 * l[tbar - s + j - 1]).sum::<f64>().abs()).sum::<f64>() - tau;
        // l_pre = B u with B = D², D the lower bidiagonal (1, −1) difference.
        let b = second_difference(t);
        let at = |i: usize, j: usize| sigma[i * k + j];
        // Q = B′Σ_pre B, g = B′Σ_pre,post l, σ_post = l′Σ_post l.
        let mut sb = vec![0.0; t * t];
        for i in 0..t {
            for j in 0..t {
                sb[i * t + j] = (0..t).map(|r| at(i, r) * b[r * t + j]).sum();
            }
        }
        let mut full_q = vec![0.0; t * t];
        for i in 0..t {
            for j in 0..t {
                full_q[i * t + j] = (0..t).map(|r| b[r * t + i] * sb[r * t + j]).sum();
            }
        }
        let pp: Vec<f64> = (0..t).map(|r| (0..tbar).map(|s| at(r, t + s) * l[s]).sum()).collect();
        let g: Vec<f64> = (0..t).map(|i| (0..t).map(|r| b[r * t + i] * pp[r]).sum()).collect();
        let post: f64 = (0..tbar).map(|a| (0..tbar).map(|s| l[a] * at(t + a, t + s) * l[s]).sum::<f64>()).sum();
        let n = t - 1;
        let q: Vec<f64> = (0..n * n).map(|x| full_q[(x / n) * t + x % n]).collect();
        let c: Vec<f64> = (0..n).map(|i| 2.0 * (full_q[i * t + n] * tau + g[i])).collect();
        let kappa = full_q[n * t + n] * tau * tau + 2.0 * g[n] * tau + post;
        let pieces = lasso_path(&q, &c, n)?;
        Some(Frontier { t, tau, bias_floor: constant + tau.abs(), q, c, kappa, pieces, l: l.to_vec() })
    }

    fn free(&self, piece: &Piece, gamma: f64) -> Vec<f64> {
        piece.a.iter().zip(&piece.b).map(|(a, b)| a + gamma * b).collect()
    }

    /// h and b (per unit of M) of the estimator u_free.
    fn point(&self, u: &[f64]) -> (f64, f64) {
        let n = u.len();
        let quad: f64 = (0..n).map(|i| u[i] * (0..n).map(|j| self.q[i * n + j] * u[j]).sum::<f64>()).sum();
        let var = quad + self.c.iter().zip(u).map(|(c, u)| c * u).sum::<f64>() + self.kappa;
        (var.max(0.0).sqrt(), self.bias_floor + u.iter().map(|x| x.abs()).sum::<f64>())
    }

    /// The shortest FLCI at smoothness `m` from the coefficients (`pre` of length T, `post` of
    /// length T̄). `None` when the estimator's standard deviation vanishes.
    pub fn interval(&self, pre: &[f64], post: &[f64], m: f64, folded: &Folded) -> Option<Flci> {
        let chi = |u: &[f64]| {
            let (h, b) = self.point(u);
            if h <= 0.0 { f64::INFINITY } else { h * folded.quantile(m * b / h) }
        };
        // The frontier as one path: position p in [0, pieces] lies on piece ⌊p⌋, from its
        // large-γ end.
        let on_path = |p: f64| {
            let i = (p.floor() as usize).min(self.pieces.len() - 1);
            let piece = &self.pieces[i];
            self.free(piece, piece.hi - (p - i as f64).clamp(0.0, 1.0) * (piece.hi - piece.lo))
        };
        let end = self.pieces.len() as f64;
        // Without bends the shortest interval is the least-variance estimator's: the path's end.
        let best = if m == 0.0 {
            let u = on_path(end);
            Some((chi(&u), u))
        } else {
            // A coarse scan of every piece's ends, then Brent's minimisation around the best.
            let per_piece = 1;
            let steps = per_piece * self.pieces.len();
            let at = |i: usize| i as f64 / per_piece as f64;
            let values: Vec<f64> = (0..=steps).map(|i| chi(&on_path(at(i)))).collect();
            let i = (0..=steps).fold(0, |b, i| if values[i] < values[b] { i } else { b });
            let (x, f) =
                brent(at(i.saturating_sub(1)), at(i), at((i + 1).min(steps)), values[i], &|p| chi(&on_path(p)));
            Some((f, on_path(x)))
        }
        .filter(|(f, _)| f.is_finite());
        let (half_length, u) = best?;
        let (sd, bias_per_m) = self.point(&u);
        let mut full = u;
        full.push(self.tau);
        let b = second_difference(self.t);
        let pre_weights: Vec<f64> =
            (0..self.t).map(|r| (0..self.t).map(|j| b[r * self.t + j] * full[j]).sum()).collect();
        let estimate = pre_weights.iter().zip(pre).map(|(w, b)| w * b).sum::<f64>()
            + self.l.iter().zip(post).map(|(w, b)| w * b).sum::<f64>();
        Some(Flci { estimate, half_length, sd, bias_per_m, pre_weights })
    }
}

/// Brent's minimisation of `f` on [a, c] from the point b inside (f(b) = fb), to a tolerance of
/// 1e-10 in the argument (the path position, from 0 to the number of pieces).
fn brent(a: f64, b: f64, c: f64, fb: f64, f: &dyn Fn(f64) -> f64) -> (f64, f64) {
    const GOLD: f64 = 0.381_966_011_250_105;
    let (mut a, mut c) = (a, c);
    let (mut x, mut w, mut v) = (b, b, b);
    let (mut fx, mut fw, mut fv) = (fb, fb, fb);
    let (mut d, mut e): (f64, f64) = (0.0, 0.0);
    for _ in 0..200 {
        let mid = (a + c) / 2.0;
        let tol = 1e-10;
        if (x - mid).abs() <= 2.0 * tol - (c - a) / 2.0 {
            break;
        }
        let mut golden = true;
        if e.abs() > tol {
            // A parabola through x, w, v.
            let r = (x - w) * (fx - fv);
            let q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            let mut q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            if p.abs() < (0.5 * q * e).abs() && p > q * (a - x) && p < q * (c - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < 2.0 * tol || c - u < 2.0 * tol {
                    d = tol.copysign(mid - x);
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= mid { a - x } else { c - x };
            d = GOLD * e;
        }
        let u = if d.abs() >= tol { x + d } else { x + tol.copysign(d) };
        let fu = f(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                c = x;
            }
            (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                c = u;
            }
            if fu <= fw || w == x {
                (v, fv, w, fw) = (w, fw, u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
    (x, fx)
}

/// B = D·D for the T × T lower bidiagonal difference D (1 on the diagonal, −1 below).
fn second_difference(t: usize) -> Vec<f64> {
    let mut b = vec![0.0; t * t];
    for i in 0..t {
        b[i * t + i] = 1.0;
        if i >= 1 {
            b[i * t + i - 1] = -2.0;
        }
        if i >= 2 {
            b[i * t + i - 2] = 1.0;
        }
    }
    b
}

/// The minimisers of u′Qu + c′u + γ‖u‖₁ for γ from ∞ (u = 0) down to 0, as linear pieces
/// (the lasso homotopy: a coordinate joins the active set when its gradient reaches γ and
/// leaves when it crosses zero). A single constant piece when there is nothing free. `None`
/// when an active block of Q is singular.
fn lasso_path(q: &[f64], c: &[f64], n: usize) -> Option<Vec<Piece>> {
    if n == 0 {
        return Some(vec![Piece { lo: 0.0, hi: 0.0, a: Vec::new(), b: Vec::new() }]);
    }
    // Stationarity on the active set S: 2Q_SS u_S + c_S + γ s_S = 0.
    let gamma_max = c.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if gamma_max == 0.0 {
        return Some(vec![Piece { lo: 0.0, hi: 0.0, a: vec![0.0; n], b: vec![0.0; n] }]);
    }
    let first = (0..n).fold(0, |b, j| if c[j].abs() > c[b].abs() { j } else { b });
    let mut active: Vec<(usize, f64)> = vec![(first, -c[first].signum())];
    let mut gamma = gamma_max;
    let mut pieces = Vec::new();
    for _ in 0..20 * n + 20 {
        let s = active.len();
        let solve = |rhs: &dyn Fn(usize) -> f64| -> Option<Vec<f64>> {
            let mut m: Vec<f64> = (0..s * s).map(|x| 2.0 * q[active[x / s].0 * n + active[x % s].0]).collect();
            let mut v: Vec<f64> = (0..s).map(|i| -rhs(i)).collect();
            solve_dense(&mut m, &mut v, s)?;
            Some(v)
        };
        let a_s = solve(&|i| c[active[i].0])?;
        let b_s = solve(&|i| active[i].1)?;
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        for (i, &(j, _)) in active.iter().enumerate() {
            a[j] = a_s[i];
            b[j] = b_s[i];
        }
        // The next event below γ.
        let mut next = 0.0;
        let mut event: Option<(usize, Option<f64>)> = None;
        let below = |g: f64| g.is_finite() && g >= 0.0 && g < gamma * (1.0 - 1e-12);
        for j in 0..n {
            if let Some(i) = active.iter().position(|&(k, _)| k == j) {
                if b_s[i] != 0.0 {
                    let g = -a_s[i] / b_s[i];
                    if below(g) && g > next {
                        (next, event) = (g, Some((j, None)));
                    }
                }
            } else {
                let r: f64 = (0..n).map(|k| 2.0 * q[j * n + k] * a[k]).sum::<f64>() + c[j];
                let p: f64 = (0..n).map(|k| 2.0 * q[j * n + k] * b[k]).sum();
                for (g, sign) in [(r / (1.0 - p), -1.0), (-r / (1.0 + p), 1.0)] {
                    if below(g) && g > next {
                        (next, event) = (g, Some((j, Some(sign))));
                    }
                }
            }
        }
        pieces.push(Piece { lo: next, hi: gamma, a, b });
        match event {
            None => return Some(pieces),
            Some((j, None)) => active.retain(|&(k, _)| k != j),
            Some((j, Some(sign))) => active.push((j, sign)),
        }
        gamma = next;
        if active.is_empty() {
            // Every coordinate left again: u = 0 until the next one joins.
            let r = (0..n).fold(0, |b, j| if c[j].abs() > c[b].abs() { j } else { b });
            active.push((r, -c[r].signum()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::StudentsT;

    #[test]
    fn the_folded_quantile_is_the_two_sided_one_at_zero_bias() {
        let normal = Folded::normal(0.95);
        assert!((normal.quantile(0.0) - 1.959963984540054).abs() < 1e-12, "{}", normal.quantile(0.0));
        let t = Folded::student(0.95, 7.0);
        let reference = StudentsT::new(0.0, 1.0, 7.0).unwrap().inverse_cdf(0.975);
        assert!((t.quantile(0.0) - reference).abs() < 1e-10, "{} vs {reference}", t.quantile(0.0));
        // A large bias: |N(t, 1)| ≤ x with probability 0,95 at x ≈ t + z_0,95.
        assert!((normal.quantile(10.0) - (10.0 + 1.6448536269514722)).abs() < 1e-9);
        // Many degrees of freedom approach the normal.
        assert!((Folded::student(0.95, 1e5).quantile(1.3) - normal.quantile(1.3)).abs() < 1e-4);
    }

    fn example() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        // Three pre-period and two post-period coefficients, an AR(1)-like covariance.
        let k = 5;
        let sigma: Vec<f64> = (0..k * k)
            .map(|x| 0.04 * 0.5f64.powi(((x / k) as i32 - (x % k) as i32).abs()) * (1.0 + 0.1 * (x / k) as f64))
            .collect();
        let sym: Vec<f64> = (0..k * k).map(|x| (sigma[x] + sigma[(x % k) * k + x / k]) / 2.0).collect();
        (vec![0.05, -0.02, 0.03], vec![0.4, 0.6], sym)
    }

    /// The frontier is the least bias at each standard deviation: no random estimator with the
    /// same trend neutrality beats it, and its ends are the least-bias and least-variance ones.
    #[test]
    fn the_frontier_dominates_every_estimator() {
        let (_, _, sigma) = example();
        let l = [0.5, 0.5];
        let f = Frontier::new(&sigma, 3, &l).unwrap();
        let ends: Vec<(f64, f64)> = [f.pieces.first().unwrap(), f.pieces.last().unwrap()]
            .iter()
            .zip([true, false])
            .map(|(p, top)| f.point(&f.free(p, if top { p.hi } else { p.lo })))
            .collect();
        assert!((ends[0].1 - f.bias_floor).abs() < 1e-12, "the least-bias end has u_free = 0");
        let mut state = 12345u64;
        let mut draw = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 4.0
        };
        for _ in 0..2000 {
            let u = [draw(), draw()];
            let (h, b) = f.point(&u);
            assert!(h >= ends[1].0 - 1e-12, "below the least variance");
            // The frontier's bias where its standard deviation is h (it falls as γ falls).
            let frontier_bias = if h >= ends[0].0 {
                ends[0].1
            } else {
                let p = f.pieces.iter().find(|p| f.point(&f.free(p, p.lo)).0 <= h).unwrap();
                let (mut lo, mut hi) = (p.lo, p.hi);
                for _ in 0..200 {
                    let mid = (lo + hi) / 2.0;
                    if f.point(&f.free(p, mid)).0 <= h { lo = mid } else { hi = mid }
                }
                f.point(&f.free(p, lo)).1
            };
            assert!(frontier_bias <= b + 1e-9, "({h}, {b}) beats the frontier's {frontier_bias}");
        }
    }

    /// At M = 0 the interval is the least-variance estimator's, ± z·sd; it removes any linear
    /// trend exactly.
    #[test]
    fn without_bends_the_interval_removes_a_linear_trend() {
        let (pre, post, sigma) = example();
        let l = [0.5, 0.5];
        let f = Frontier::new(&sigma, 3, &l).unwrap();
        let normal = Folded::normal(0.95);
        let at0 = f.interval(&pre, &post, 0.0, &normal).unwrap();
        assert!((at0.half_length - 1.959963984540054 * at0.sd).abs() < 1e-12);
        // A linear trend 0,1·t (event times −4, −3, −2 before, 0, 1 after; −1 is the base) added
        // to every coefficient moves nothing.
        let trend = |e: f64| 0.1 * (e + 1.0);
        let pre2: Vec<f64> = pre.iter().zip([-4.0, -3.0, -2.0]).map(|(b, e)| b + trend(e)).collect();
        let post2: Vec<f64> = post.iter().zip([0.0, 1.0]).map(|(b, e)| b + trend(e)).collect();
        let moved = f.interval(&pre2, &post2, 0.0, &normal).unwrap();
        assert!((moved.estimate - at0.estimate).abs() < 1e-12, "{} vs {}", moved.estimate, at0.estimate);
        // The interval widens with M.
        let wider = f.interval(&pre, &post, 0.05, &normal).unwrap();
        assert!(wider.half_length > at0.half_length);
    }
}
