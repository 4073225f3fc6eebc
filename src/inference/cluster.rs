//! Fixest's CR1 small-sample convention for cluster-robust (sandwich) variances; the sandwich
//! itself is computed in [`crate::estimate::ols`]. The factor is
//! c = G/(G−1) · (N−1)/(N−K) (Liang–Zeger with the "CR1" correction used by Stata and by
//! fixest/pyfixest's default `ssc(adj = TRUE, cluster.adj = TRUE)`). Intervals use a t
//! distribution with G − 1 degrees of freedom, as fixest does for clustered errors.

use super::Inference;

/// The CR1 small-sample factor G/(G−1)·(N−1)/(N−K).
pub fn cr1_factor(clusters: usize, n: usize, k: usize) -> f64 {
    let (g, n, k) = (clusters as f64, n as f64, k as f64);
    g / (g - 1.0) * (n - 1.0) / (n - k)
}

pub fn cr1_inference(clusters: usize, adjustment: f64) -> Inference {
    Inference {
        name: "CR1".into(),
        description: format!(
            "cluster-robust by municipality (CR1: G/(G-1)·(N-1)/(N-K) as in fixest/pyfixest), t({}) reference distribution",
            clusters.saturating_sub(1)
        ),
        clusters,
        df: clusters.saturating_sub(1) as f64,
        adjustment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_is_stata_and_fixest_cr1() {
        // 10 clusters, 100 observations, 3 parameters: 10/9 · 99/97.
        assert!((cr1_factor(10, 100, 3) - 10.0 / 9.0 * 99.0 / 97.0).abs() < 1e-15);
        assert_eq!(cr1_inference(10, 1.0).df, 9.0);
    }
}
