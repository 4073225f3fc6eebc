//! Joint Wald tests of several coefficients being zero, e.g. the pre-trend (placebo lead)
//! coefficients of an event study.
//!
//! W = b′V⁻¹b for estimates b with covariance V. Two reference distributions, named in the
//! result: χ²(q) (R did / csdid's pre-test on ATT(g,t)) and F(q, G−1) for W/q (fixest's `wald()`
//! with a cluster-robust covariance, whose t degrees of freedom are G − 1).

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaldTest {
    /// The statistic compared with the reference: W for χ², W/q for F.
    pub stat: f64,
    /// Number of restrictions q.
    pub df: usize,
    /// Denominator degrees of freedom of the F reference; absent for χ².
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub df2: Option<f64>,
    pub p_value: f64,
    /// e.g. `chi2(3)` or `F(3, 97)`.
    pub reference: String,
}

/// b′V⁻¹b, or `None` when V (row-major q × q) is not positive definite.
pub fn quadratic_form(b: &[f64], v: &[f64]) -> Option<f64> {
    let q = b.len();
    if q == 0 || v.len() != q * q {
        return None;
    }
    let vm = Mat::<f64>::from_fn(q, q, |i, j| v[i * q + j]);
    let llt = vm.llt(Side::Lower).ok()?;
    let l = llt.L();
    if (0..q).any(|j| l[(j, j)] * l[(j, j)] <= 1e-12 * vm[(j, j)].abs().max(f64::MIN_POSITIVE)) {
        return None;
    }
    let inv = llt.inverse();
    let mut w = 0.0;
    for i in 0..q {
        for j in 0..q {
            w += b[i] * inv[(i, j)] * b[j];
        }
    }
    Some(w)
}

/// χ²(q) test of b = 0.
pub fn chi2(b: &[f64], v: &[f64]) -> Option<WaldTest> {
    let w = quadratic_form(b, v)?;
    let q = b.len();
    let dist = ChiSquared::new(q as f64).ok()?;
    Some(WaldTest { stat: w, df: q, df2: None, p_value: 1.0 - dist.cdf(w), reference: format!("chi2({q})") })
}

/// F(q, df2) test of b = 0 with statistic W/q.
pub fn f_test(b: &[f64], v: &[f64], df2: f64) -> Option<WaldTest> {
    let w = quadratic_form(b, v)?;
    let q = b.len();
    let dist = FisherSnedecor::new(q as f64, df2.max(1.0)).ok()?;
    let stat = w / q as f64;
    Some(WaldTest { stat, df: q, df2: Some(df2), p_value: 1.0 - dist.cdf(stat), reference: format!("F({q}, {df2})") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_restriction_is_the_squared_z() {
        // b = 2, V = 1: W = 4; χ²(1) p = 2(1 − Φ(2)) = 0.0455.
        let t = chi2(&[2.0], &[1.0]).unwrap();
        assert!((t.stat - 4.0).abs() < 1e-12);
        assert!((t.p_value - 0.045_500_263_9).abs() < 1e-8, "{}", t.p_value);
    }

    #[test]
    fn correlated_pair_by_hand() {
        // V = [[1, .5], [.5, 1]], b = (1, 1): V⁻¹ = 4/3 [[1, −.5], [−.5, 1]], W = 4/3.
        let w = quadratic_form(&[1.0, 1.0], &[1.0, 0.5, 0.5, 1.0]).unwrap();
        assert!((w - 4.0 / 3.0).abs() < 1e-12);
        let f = f_test(&[1.0, 1.0], &[1.0, 0.5, 0.5, 1.0], 20.0).unwrap();
        assert!((f.stat - 2.0 / 3.0).abs() < 1e-12 && f.p_value > 0.4 && f.p_value < 0.6);
        assert!(quadratic_form(&[1.0, 1.0], &[1.0, 1.0, 1.0, 1.0]).is_none(), "singular V");
    }
}
