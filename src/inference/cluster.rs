//! Cluster-robust (sandwich) variance for one coefficient, with fixest's CR1 small-sample factor.
//!
//! For a coefficient estimated from (partialled-out) regressor `x` and residuals `e`,
//! V = (Σ_g (Σ_{i∈g} x_i e_i)²) / (Σ_i x_i²)² · c, with
//! c = G/(G−1) · (N−1)/(N−K) (Liang–Zeger with the "CR1" correction used by Stata and by
//! fixest/pyfixest's default `ssc(adj = TRUE, cluster.adj = TRUE)`). Intervals use a t
//! distribution with G − 1 degrees of freedom, as fixest does for clustered errors.

use super::Inference;

/// The CR1 small-sample factor G/(G−1)·(N−1)/(N−K).
pub fn cr1_factor(clusters: usize, n: usize, k: usize) -> f64 {
    let (g, n, k) = (clusters as f64, n as f64, k as f64);
    g / (g - 1.0) * (n - 1.0) / (n - k)
}

/// Standard error of one coefficient from its scores `x_i e_i`, the cluster of each observation
/// (dense ids `0..clusters`) and `sxx = Σ x_i²`. `k` counts the parameters that are not nested
/// in the clusters.
pub fn cr1_se(scores: &[f64], cluster: &[u32], clusters: usize, sxx: f64, k: usize) -> (f64, Inference) {
    let mut sums = vec![0.0; clusters];
    for (s, &g) in scores.iter().zip(cluster) {
        sums[g as usize] += s;
    }
    let meat: f64 = sums.iter().map(|s| s * s).sum();
    let adjustment = cr1_factor(clusters, scores.len(), k);
    let se = (meat / (sxx * sxx) * adjustment).sqrt();
    (se, cr1_inference(clusters, adjustment))
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
    fn one_observation_per_cluster_is_hc1_like() {
        // Two clusters of one observation each: meat = Σ s², factor 2/1 · 1/(2−1).
        let (se, inf) = cr1_se(&[1.0, -2.0], &[0, 1], 2, 1.0, 1);
        assert!((se - (5.0f64 * 2.0).sqrt()).abs() < 1e-12);
        assert_eq!(inf.df, 1.0);
    }

    #[test]
    fn scores_in_one_cluster_add_before_squaring() {
        let (se, _) = cr1_se(&[1.0, 1.0, -1.0], &[0, 0, 1], 2, 1.0, 1);
        // meat = (1+1)² + 1 = 5; factor 2 · 2/2 = 2.
        assert!((se - 10f64.sqrt()).abs() < 1e-12);
    }
}
