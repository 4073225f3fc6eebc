//! Wild cluster bootstrap with the null imposed (WCR), for one coefficient after fixed effects.
//!
//! Under H0: β = β0 the restricted residuals are ũ = ỹ − β0·d̃ (variables demeaned by the fixed
//! effects). A bootstrap sample flips each cluster's residuals by a weight v_g (Rademacher ±1 or
//! Webb's six points). Because d̃ lies in the space the demeaning projects onto, the bootstrap
//! coefficient needs no refit: β* − β0 = Σ_h v_h a_h / Σd̃², and its cluster scores are
//! s*_g = Σ_h v_h C_gh − (β* − β0)·D_g with C_gh = Σ_{i∈g} d̃_i [M(ũ ⊙ 1_h)]_i and
//! D_g = Σ_{i∈g} d̃_i². C is linear in β0 (C = C_y − β0·C_d), so it is built once from 2G
//! demeanings and every draw and every step of the test inversion is one matrix product
//! (Roodman et al. 2019, "Fast and wild"; MacKinnon, Nielsen & Webb 2023).
//!
//! The bootstrap t statistic uses the same CR1 factor as the observed one, so the factor cancels
//! in the p-value. With Rademacher weights and 2^G ≤ reps every sign vector is enumerated (as
//! fwildclusterboot and wildboottest do); otherwise draw r comes from ChaCha stream r.

use faer::Mat;
use rayon::prelude::*;

use super::InferenceError;
use crate::rng::Stream;
use crate::settings::{Level, Reps};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weights {
    Rademacher,
    Webb,
}

#[derive(Clone, Copy, Debug)]
pub struct WildBootstrap {
    pub reps: Reps,
    pub seed: u64,
    pub weights: Weights,
    pub conf_level: Level,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WildResult {
    /// Observed t statistic of H0: β = 0 (CR1).
    pub t_stat: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub draws: u64,
    pub exact: bool,
}

/// The demeaned data of one fit.
pub struct Demeaned<'a> {
    pub y: &'a [f64],
    pub d: &'a [f64],
    pub cluster: &'a [u32],
    pub clusters: usize,
    pub beta: f64,
    /// CR1 standard error of `beta` and the factor c inside it.
    pub se: f64,
    pub adjustment: f64,
}

impl WildBootstrap {
    /// `demean` applies the fixed-effect projection M to a vector in place; its failure is
    /// the caller's error type, which also carries this test's [`InferenceError`].
    pub fn test<E: From<InferenceError> + Send>(
        &self,
        data: &Demeaned,
        demean: &(dyn Fn(&mut [f64]) -> Result<(), E> + Sync),
    ) -> Result<WildResult, E> {
        let g = data.clusters;
        if g < 2 {
            return Err(InferenceError::TooFewClusters.into());
        }
        let sxx: f64 = data.d.iter().map(|x| x * x).sum();
        // C_y and C_d: G demeanings each, one cluster's column per task.
        let mut dg = vec![0.0; g];
        for (i, &c) in data.cluster.iter().enumerate() {
            dg[c as usize] += data.d[i] * data.d[i];
        }
        let columns: Vec<(Vec<f64>, Vec<f64>)> = (0..g)
            .into_par_iter()
            .map(|h| {
                let mut out = (vec![0.0; g], vec![0.0; g]);
                let mut buf = vec![0.0; data.y.len()];
                for (source, target) in [(data.y, &mut out.0), (data.d, &mut out.1)] {
                    for (i, b) in buf.iter_mut().enumerate() {
                        *b = if data.cluster[i] as usize == h { source[i] } else { 0.0 };
                    }
                    demean(&mut buf)?;
                    for (i, b) in buf.iter().enumerate() {
                        target[data.cluster[i] as usize] += data.d[i] * b;
                    }
                }
                Ok(out)
            })
            .collect::<Result<_, E>>()?;
        // Cᵀ as one g × 2g matrix [C_yᵀ | C_dᵀ]: row h holds column h of C_y, then of C_d.
        let ct = Mat::<f64>::from_fn(g, 2 * g, |h, k| if k < g { columns[h].0[k] } else { columns[h].1[k - g] });
        let ay: Vec<f64> = columns.iter().map(|c| c.0.iter().sum()).collect();
        let ad: Vec<f64> = columns.iter().map(|c| c.1.iter().sum()).collect();
        let (n_draws, exact) = self.draw_count(g);
        // Per draw, the scores are A_k − β0·B_k − shift·D_k (A = V·C_yᵀ, B = V·C_dᵀ), so Σ s² is a
        // quadratic in (β0, shift) whose coefficients are computed once; each β0 then costs O(draws).
        // Draws are made and reduced in blocks, in parallel; draw r is always the same.
        const BLOCK: usize = 512;
        let blocks: Vec<Vec<[f64; 8]>> = (0..n_draws.div_ceil(BLOCK))
            .into_par_iter()
            .map(|b| {
                let rows = (b * BLOCK..((b + 1) * BLOCK).min(n_draws)).collect::<Vec<_>>();
                let v = self.draws(&rows, g, exact);
                let prod = &v * &ct;
                rows.iter()
                    .enumerate()
                    .map(|(r, _)| {
                        let (mut ny, mut nd) = (0.0, 0.0);
                        for h in 0..g {
                            ny += v[(r, h)] * ay[h];
                            nd += v[(r, h)] * ad[h];
                        }
                        let (mut saa, mut sbb, mut sdd, mut sab, mut sad, mut sbd) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
                        for k in 0..g {
                            let (a, b, d) = (prod[(r, k)], prod[(r, g + k)], dg[k]);
                            saa += a * a;
                            sbb += b * b;
                            sdd += d * d;
                            sab += a * b;
                            sad += a * d;
                            sbd += b * d;
                        }
                        [ny, nd, saa, sbb, sdd, sab, sad, sbd]
                    })
                    .collect()
            })
            .collect();
        let q: Vec<[f64; 8]> = blocks.into_iter().flatten().collect();
        let p_at = |beta0: f64| -> f64 {
            let t_obs = ((data.beta - beta0) / data.se).abs() - 1e-10;
            let hits = q
                .iter()
                .filter(|[ny, nd, saa, sbb, sdd, sab, sad, sbd]| {
                    let num = ny - beta0 * nd;
                    let shift = num / sxx;
                    let ss = saa + beta0 * beta0 * sbb + shift * shift * sdd - 2.0 * beta0 * sab - 2.0 * shift * sad
                        + 2.0 * beta0 * shift * sbd;
                    // t* = (β*−β0)/se* with se* = √(c·Σ s*²)/Σd̃², the same CR1 factor c as the observed t.
                    let t = if ss > 0.0 { num / (data.adjustment * ss).sqrt() } else { 0.0 };
                    t.abs() >= t_obs
                })
                .count();
            hits as f64 / n_draws as f64
        };
        let t_stat = data.beta / data.se;
        let alpha = self.conf_level.alpha();
        let (ci_low, ci_high) = super::invert_test(data.beta, data.se.max(1e-12), alpha, &p_at);
        Ok(WildResult { t_stat, p_value: p_at(0.0), ci_low, ci_high, draws: n_draws as u64, exact })
    }

    /// How many draws, and whether they are every Rademacher sign vector.
    fn draw_count(&self, g: usize) -> (usize, bool) {
        if self.weights == Weights::Rademacher && g < 63 && (1u64 << g) <= self.reps.get() {
            (1usize << g, true)
        } else {
            (self.reps.get() as usize, false)
        }
    }

    /// The weight vectors of the given draws, one row each: sign vector r when enumerating,
    /// otherwise ChaCha stream r.
    fn draws(&self, rows: &[usize], g: usize, exact: bool) -> Mat<f64> {
        if exact {
            return Mat::from_fn(rows.len(), g, |i, h| if (rows[i] >> h) & 1 == 1 { -1.0 } else { 1.0 });
        }
        let webb = [-(1.5f64).sqrt(), -1.0, -(0.5f64).sqrt(), (0.5f64).sqrt(), 1.0, (1.5f64).sqrt()];
        let mut m = Mat::<f64>::zeros(rows.len(), g);
        for (i, &r) in rows.iter().enumerate() {
            let mut s = Stream::new(self.seed, r as u64);
            for h in 0..g {
                let u = s.uniform();
                m[(i, h)] = match self.weights {
                    Weights::Rademacher => {
                        if u < 0.5 {
                            -1.0
                        } else {
                            1.0
                        }
                    }
                    Weights::Webb => webb[((u * 6.0) as usize).min(5)],
                };
            }
        }
        m
    }
}
