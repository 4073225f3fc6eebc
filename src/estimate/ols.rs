//! Least squares on variables already demeaned by the fixed effects, with a cluster-robust
//! (CR1) covariance matrix. The dense algebra (XᵀX, its Cholesky factor and inverse) is faer's.
//!
//! β = (XᵀX)⁻¹Xᵀy; V = c · (XᵀX)⁻¹ (Σ_g s_g s_gᵀ) (XᵀX)⁻¹ with cluster scores s_g = Σ_{i∈g} x_i e_i
//! and c = G/(G−1)·(N−1)/(N−K) ([`crate::inference::cluster::cr1_factor`]), where K counts the
//! regressors plus the fixed-effect levels that are not nested in the clusters.

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use super::EstimateError;
use crate::inference::Inference;
use crate::inference::cluster::SmallSample;
#[cfg(test)]
use crate::inference::cluster::cr1_factor;

/// Coefficients and their CR1 covariance.
#[derive(Clone, Debug)]
pub struct OlsFit {
    pub beta: Vec<f64>,
    /// Row-major k × k.
    pub vcov: Vec<f64>,
    pub inference: Inference,
}

impl OlsFit {
    pub fn se(&self, j: usize) -> f64 {
        let k = self.beta.len();
        self.vcov[j * k + j].max(0.0).sqrt()
    }

    /// The linear combination wᵀβ and its standard error √(wᵀVw).
    pub fn combine(&self, w: &[f64]) -> (f64, f64) {
        let b: f64 = w.iter().zip(&self.beta).map(|(a, b)| a * b).sum();
        (b, bilinear(w, w, &self.vcov).max(0.0).sqrt())
    }
}

/// aᵀ V b for a row-major square V.
pub fn bilinear(a: &[f64], b: &[f64], v: &[f64]) -> f64 {
    let k = a.len();
    a.iter().enumerate().map(|(i, ai)| ai * v[i * k..(i + 1) * k].iter().zip(b).map(|(x, y)| x * y).sum::<f64>()).sum()
}

/// Fits `y` on the columns of `x` (each of length n). `cluster[i]` is observation i's cluster in
/// `0..clusters`; `extra_k` is the number of non-nested fixed-effect levels absorbed beforehand;
/// `ssc` the small-sample correction (CR1 as fixest by default).
pub fn cr1(
    x: &[Vec<f64>],
    y: &[f64],
    cluster: &[u32],
    clusters: usize,
    extra_k: usize,
    ssc: SmallSample,
) -> Result<OlsFit, EstimateError> {
    let (n, k) = (y.len(), x.len());
    if k == 0 || n <= k {
        return Err(EstimateError::TooFewObservations { n, k });
    }
    // XᵀX: by dot products for a few regressors (no n × k copy of the data, which matters for
    // TWFE on millions of rows); by faer's SIMD matrix product for many (event studies).
    let xtx = if k >= 4 {
        let xm = Mat::<f64>::from_fn(n, k, |i, j| x[j][i]);
        xm.transpose() * &xm
    } else {
        let mut xtx = Mat::<f64>::zeros(k, k);
        for j in 0..k {
            for l in 0..=j {
                let v = dot(&x[j], &x[l]);
                xtx[(j, l)] = v;
                xtx[(l, j)] = v;
            }
        }
        xtx
    };
    let xty = Mat::<f64>::from_fn(k, 1, |j, _| dot(&x[j], y));
    let llt = xtx.llt(Side::Lower).map_err(|_| EstimateError::Collinear)?;
    // L_jj² is the part of column j not explained by the columns before it; a tiny share means
    // (near) collinearity, which Cholesky alone lets through in floating point.
    let l = llt.L();
    if (0..k).any(|j| l[(j, j)] * l[(j, j)] <= 1e-10 * xtx[(j, j)].max(f64::MIN_POSITIVE)) {
        return Err(EstimateError::Collinear);
    }
    let bread = llt.inverse();
    let beta_m = &bread * &xty;
    let beta: Vec<f64> = (0..k).map(|j| beta_m[(j, 0)]).collect();

    let mut e = y.to_vec();
    for (xj, bj) in x.iter().zip(&beta) {
        e.iter_mut().zip(xj).for_each(|(ei, v)| *ei -= v * bj);
    }
    // Cluster scores s_g = Σ_{i∈g} x_i e_i, stored regressor by regressor (scores[j·G + g]).
    // Observations usually come cluster by cluster, so each run of equal cluster ids is summed
    // in registers before it touches memory.
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut start = 0;
    for i in 1..=n {
        if i == n || cluster[i] != cluster[start] {
            runs.push((start, i, cluster[start] as usize));
            start = i;
        }
    }
    let mut scores = vec![0.0; clusters * k];
    for (j, xj) in x.iter().enumerate() {
        let sj = &mut scores[j * clusters..(j + 1) * clusters];
        for &(a, b, g) in &runs {
            sj[g] += dot(&xj[a..b], &e[a..b]);
        }
    }
    let mut meat = Mat::<f64>::zeros(k, k);
    for a in 0..k {
        for b in 0..=a {
            let v = dot(&scores[a * clusters..(a + 1) * clusters], &scores[b * clusters..(b + 1) * clusters]);
            meat[(a, b)] = v;
            meat[(b, a)] = v;
        }
    }
    let adjustment = ssc.factor(clusters, n, k + extra_k);
    let v = &bread * &meat * &bread;
    let vcov = (0..k * k).map(|idx| v[(idx / k, idx % k)] * adjustment).collect();
    Ok(OlsFit { beta, vcov, inference: ssc.inference(clusters, adjustment) })
}

/// Σ aᵢbᵢ with four independent partial sums, so the additions pipeline (a plain left-to-right
/// sum waits for each addition before the next).
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4.remainder().iter().zip(b4.remainder()).map(|(p, q)| p * q).sum();
    let mut acc = [0.0f64; 4];
    for (p, q) in a4.zip(b4) {
        for l in 0..4 {
            acc[l] += p[l] * q[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 1 + 2x exactly, plus noise only in the last point: hand-checkable β and a vcov whose
    /// diagonal is positive.
    #[test]
    fn recovers_coefficients_and_matches_the_scalar_formula() {
        let ones = vec![1.0; 5];
        let x1 = vec![0.0, 1.0, 2.0, 3.0, 4.0];
        let y = vec![1.0, 3.0, 5.0, 7.0, 9.5];
        let fit = cr1(&[ones, x1.clone()], &y, &[0, 1, 2, 3, 4], 5, 0, SmallSample::Fixest).unwrap();
        // Closed form for simple regression.
        let xb = 2.0;
        let yb = y.iter().sum::<f64>() / 5.0;
        let sxx: f64 = x1.iter().map(|v| (v - xb) * (v - xb)).sum();
        let slope = x1.iter().zip(&y).map(|(a, b)| (a - xb) * (b - yb)).sum::<f64>() / sxx;
        assert!((fit.beta[1] - slope).abs() < 1e-12);
        assert!((fit.beta[0] - (yb - slope * xb)).abs() < 1e-12);
        assert!(fit.se(0) > 0.0 && fit.se(1) > 0.0);
        // The slope's variance equals the scalar sandwich on centred x.
        let e: Vec<f64> = x1.iter().zip(&y).map(|(a, b)| b - fit.beta[0] - fit.beta[1] * a).collect();
        let meat: f64 = x1.iter().zip(&e).map(|(a, r)| ((a - xb) * r).powi(2)).sum();
        let expected = meat / (sxx * sxx) * cr1_factor(5, 5, 2);
        assert!((fit.vcov[3] - expected).abs() < 1e-12, "{} vs {expected}", fit.vcov[3]);
    }

    #[test]
    fn collinear_regressors_are_an_error_not_a_panic() {
        let a = vec![1.0, 2.0, 3.0, 4.0];
        let b: Vec<f64> = a.iter().map(|v| 2.0 * v).collect();
        assert!(cr1(&[a, b], &[1.0, 2.0, 3.0, 5.0], &[0, 1, 2, 3], 4, 0, SmallSample::Fixest).is_err());
    }
}
