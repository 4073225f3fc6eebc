//! Fixest's CR1 small-sample convention for cluster-robust (sandwich) variances; the sandwich
//! itself is computed in [`crate::estimate::ols`]. The factor is
//! c = G/(G−1) · (N−1)/(N−K) (Liang–Zeger with the "CR1" correction used by Stata and by
//! fixest/pyfixest's default `ssc(adj = TRUE, cluster.adj = TRUE)`). Intervals use a t
//! distribution with G − 1 degrees of freedom, as fixest does for clustered errors.

use serde::{Deserialize, Serialize};

use super::Inference;

/// The small-sample correction of a cluster-robust variance, as fixest's `ssc()` offers it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmallSample {
    /// G/(G−1)·(N−1)/(N−K): fixest's and pyfixest's default, Stata's `vce(cluster)` (CR1).
    #[default]
    Fixest,
    /// G/(G−1) only (fixest `ssc(adj = FALSE)`), the usual choice when N ≫ K is not true.
    Cluster,
    /// No correction (CR0, the plain sandwich).
    None,
}

impl SmallSample {
    pub fn factor(self, clusters: usize, n: usize, k: usize) -> f64 {
        let g = clusters as f64;
        match self {
            SmallSample::Fixest => cr1_factor(clusters, n, k),
            SmallSample::Cluster => g / (g - 1.0),
            SmallSample::None => 1.0,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            SmallSample::Fixest => "fixest",
            SmallSample::Cluster => "cluster",
            SmallSample::None => "none",
        }
    }

    /// The inference record: name, convention in words, t(G − 1) reference.
    pub fn inference(self, clusters: usize, adjustment: f64) -> Inference {
        let (name, rule) = match self {
            SmallSample::Fixest => ("CR1", "CR1: G/(G-1)·(N-1)/(N-K) as in fixest/pyfixest"),
            SmallSample::Cluster => ("CR1-G", "CR1 with G/(G-1) only, fixest ssc(adj = FALSE)"),
            SmallSample::None => ("CR0", "CR0: no small-sample correction"),
        };
        Inference {
            name: name.into(),
            description: format!(
                "cluster-robust by municipality ({rule}), t({}) reference distribution",
                clusters.saturating_sub(1)
            ),
            clusters,
            df: clusters.saturating_sub(1) as f64,
            adjustment,
        }
    }
}

/// The CR1 small-sample factor G/(G−1)·(N−1)/(N−K).
pub fn cr1_factor(clusters: usize, n: usize, k: usize) -> f64 {
    let (g, n, k) = (clusters as f64, n as f64, k as f64);
    g / (g - 1.0) * (n - 1.0) / (n - k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_is_stata_and_fixest_cr1() {
        // 10 clusters, 100 observations, 3 parameters: 10/9 · 99/97.
        assert!((cr1_factor(10, 100, 3) - 10.0 / 9.0 * 99.0 / 97.0).abs() < 1e-15);
        assert_eq!(SmallSample::Fixest.inference(10, 1.0).df, 9.0);
        assert_eq!(SmallSample::Cluster.factor(10, 100, 3), 10.0 / 9.0);
        assert_eq!(SmallSample::None.factor(10, 100, 3), 1.0);
    }
}
