//! Doubly robust difference in differences for one two-group, two-period comparison with
//! unit covariates (Sant'Anna and Zhao 2020), in the form of R DRDID's `drdid_panel`, which
//! R did and csdid run for each Callaway–Sant'Anna ATT(g,t) when covariates are given.
//!
//! With ΔY the change from the base period, D the cohort indicator and X the covariates with
//! an intercept:
//! - the propensity score p(X) is a logit of D on X (maximum likelihood, Newton steps), capped
//!   at 1 − 10⁻⁶; comparison units with p ≥ 0.995 are trimmed (weight 0);
//! - the outcome model m(X) is least squares of ΔY on X among the comparison units;
//! - with w₁ = D and w₀ = p(X)(1 − D)/(1 − p(X)), each normalised to mean one,
//!   ATT = mean(w₁(ΔY − m)) / mean(w₁) − mean(w₀(ΔY − m)) / mean(w₀).
//!
//! The influence function adds the estimation effects of the logit and the least-squares fit
//! (DRDID's `asy.lin.rep.ps` and `asy.lin.rep.wols`), so the standard error accounts for the
//! two nuisance models. The estimate is consistent when either model is right.
//!
//! On repeated cross-sections (an unbalanced panel kept, R did's `allow_unbalanced_panel`)
//! [`repeated_cross_sections`] is DRDID's `drdid_rc`, the locally efficient doubly robust
//! estimator: the same logit on the pooled observations of the two periods, least-squares
//! outcome models for the comparison and the cohort in each period, and an influence function
//! per observation with the estimation effects of all five fits.
//!
//! The covariates are centred and scaled inside: with an intercept in both models, the
//! estimate and its influence function do not depend on the covariates' units, and the
//! logit's Newton steps are better conditioned on raw populations in the hundreds of thousands.

use faer::Mat;
use faer::Side;
use faer::linalg::solvers::DenseSolveCore;

use super::EstimateError;

/// Propensity scores are capped below at this distance from one (DRDID).
const PS_CAP: f64 = 1e-6;
/// Comparison units with a propensity score at or above this are trimmed (DRDID's `trim.level`).
const TRIM_LEVEL: f64 = 0.995;

/// One cell's doubly robust estimate.
#[derive(Clone, Debug)]
pub struct DrCell {
    pub att: f64,
    /// The influence function of each unit of the cell, on DRDID's scale: the standard error
    /// is √(Σ inf²)/n over the cell's n units.
    pub inf: Vec<f64>,
}

/// The doubly robust estimate from the units' changes `dy`, cohort indicators `treated` and
/// covariate rows `x` (without an intercept; the same number of values in every row).
pub fn panel(dy: &[f64], treated: &[bool], x: &[&[f64]]) -> Result<DrCell, EstimateError> {
    let n = dy.len();
    let design = with_intercept(x)?;
    let k = design.ncols();
    let d: Vec<f64> = treated.iter().map(|&t| if t { 1.0 } else { 0.0 }).collect();
    let n1 = d.iter().sum::<f64>();
    if n1 == 0.0 || n1 as usize == n || n <= k {
        return Err(EstimateError::TooFewObservations { n, k });
    }
    let nf = n as f64;

    // Propensity score: logit of D on X.
    let gamma = logit(&design, &d)?;
    let ps: Vec<f64> = (0..n).map(|i| sigmoid(row_dot(&design, i, &gamma)).min(1.0 - PS_CAP)).collect();
    let keep: Vec<f64> = (0..n).map(|i| if d[i] == 1.0 || ps[i] < TRIM_LEVEL { 1.0 } else { 0.0 }).collect();

    // Outcome model among the comparison units.
    let control: Vec<f64> = d.iter().map(|v| 1.0 - v).collect();
    let xtwx = weighted_gram(&design, &control);
    let xtwx_inv = inverse(&xtwx)?;
    let xty: Vec<f64> = (0..k).map(|j| (0..n).map(|i| control[i] * design[(i, j)] * dy[i]).sum()).collect();
    let beta: Vec<f64> = (0..k).map(|j| (0..k).map(|l| xtwx_inv[(j, l)] * xty[l]).sum()).collect();
    let resid: Vec<f64> = (0..n).map(|i| dy[i] - row_dot(&design, i, &beta)).collect();

    let w1: Vec<f64> = (0..n).map(|i| keep[i] * d[i]).collect();
    let w0: Vec<f64> = (0..n).map(|i| keep[i] * ps[i] * (1.0 - d[i]) / (1.0 - ps[i])).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / nf;
    let (mw1, mw0) = (mean(&w1), mean(&w0));
    if mw0 <= 0.0 {
        return Err(EstimateError::NoOverlap);
    }
    let a1: Vec<f64> = (0..n).map(|i| w1[i] * resid[i]).collect();
    let a0: Vec<f64> = (0..n).map(|i| w0[i] * resid[i]).collect();
    let (eta1, eta0) = (mean(&a1) / mw1, mean(&a0) / mw0);

    // Asymptotic linear representations of the two nuisance fits (DRDID's scale: (X'WX/n)⁻¹).
    let wols = representation(&design, &(0..n).map(|i| control[i] * resid[i]).collect::<Vec<_>>(), &xtwx_inv);
    let lin_ps = propensity_representation(&design, &d, &ps)?;
    let m1 = column_means(&design, &|i| w1[i]);
    let m2 = column_means(&design, &|i| w0[i] * (resid[i] - eta0));
    let m3 = column_means(&design, &|i| w0[i]);
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let inf = (0..n)
        .map(|i| {
            let treat = (a1[i] - w1[i] * eta1 - dot(&wols[i], &m1)) / mw1;
            let cont = (a0[i] - w0[i] * eta0 + dot(&lin_ps[i], &m2) - dot(&wols[i], &m3)) / mw0;
            treat - cont
        })
        .collect();
    Ok(DrCell { att: eta1 - eta0, inf })
}

/// The locally efficient doubly robust estimate from pooled observations of two periods:
/// outcomes `y`, `post` (the later period), cohort indicators `treated` and covariate rows `x`.
/// The influence function is per observation, on DRDID's scale (√(Σ inf²)/n over the n
/// observations).
pub fn repeated_cross_sections(
    y: &[f64],
    post: &[bool],
    treated: &[bool],
    x: &[&[f64]],
) -> Result<DrCell, EstimateError> {
    let n = y.len();
    let design = with_intercept(x)?;
    let k = design.ncols();
    let nf = n as f64;
    let d: Vec<f64> = treated.iter().map(|&t| if t { 1.0 } else { 0.0 }).collect();
    let t: Vec<f64> = post.iter().map(|&p| if p { 1.0 } else { 0.0 }).collect();
    // Each of the four groups needs more observations than the outcome model has coefficients.
    for (dv, tv) in [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)] {
        let count = (0..n).filter(|&i| d[i] == dv && t[i] == tv).count();
        if count <= k {
            return Err(EstimateError::TooFewObservations { n: count, k });
        }
    }

    let gamma = logit(&design, &d)?;
    let ps: Vec<f64> = (0..n).map(|i| sigmoid(row_dot(&design, i, &gamma)).min(1.0 - PS_CAP)).collect();
    let keep: Vec<f64> = (0..n).map(|i| if d[i] == 1.0 || ps[i] < TRIM_LEVEL { 1.0 } else { 0.0 }).collect();

    // Least squares of y on X in one group: fitted values for every observation, and the
    // group's asymptotic linear representation (zero outside the group).
    let fit = |dv: f64, tv: f64| -> Result<(Vec<f64>, Vec<Vec<f64>>), EstimateError> {
        let w: Vec<f64> = (0..n).map(|i| if d[i] == dv && t[i] == tv { 1.0 } else { 0.0 }).collect();
        let gram = weighted_gram(&design, &w);
        let inv = inverse(&gram)?;
        let xty: Vec<f64> = (0..k).map(|j| (0..n).map(|i| w[i] * design[(i, j)] * y[i]).sum()).collect();
        let beta: Vec<f64> = (0..k).map(|j| (0..k).map(|l| inv[(j, l)] * xty[l]).sum()).collect();
        let fitted: Vec<f64> = (0..n).map(|i| row_dot(&design, i, &beta)).collect();
        let scores: Vec<f64> = (0..n).map(|i| w[i] * (y[i] - fitted[i])).collect();
        Ok((fitted, representation(&design, &scores, &inv)))
    };
    let (c_pre, lin_c_pre) = fit(0.0, 0.0)?;
    let (c_post, lin_c_post) = fit(0.0, 1.0)?;
    let (t_pre, lin_t_pre) = fit(1.0, 0.0)?;
    let (t_post, lin_t_post) = fit(1.0, 1.0)?;
    let c_fit: Vec<f64> = (0..n).map(|i| t[i] * c_post[i] + (1.0 - t[i]) * c_pre[i]).collect();

    let w = |f: &dyn Fn(usize) -> f64| -> Vec<f64> { (0..n).map(|i| keep[i] * f(i)).collect() };
    let odds = |i: usize| ps[i] * (1.0 - d[i]) / (1.0 - ps[i]);
    let w_treat_pre = w(&|i| d[i] * (1.0 - t[i]));
    let w_treat_post = w(&|i| d[i] * t[i]);
    let w_cont_pre = w(&|i| odds(i) * (1.0 - t[i]));
    let w_cont_post = w(&|i| odds(i) * t[i]);
    let w_d = w(&|i| d[i]);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / nf;
    if mean(&w_cont_pre) <= 0.0 || mean(&w_cont_post) <= 0.0 {
        return Err(EstimateError::NoOverlap);
    }
    // η = w·r / mean(w) per observation, its mean, and its influence η − w·mean(η)/mean(w).
    let eta = |wv: &[f64], r: &dyn Fn(usize) -> f64| -> (Vec<f64>, f64, Vec<f64>) {
        let mw = mean(wv);
        let e: Vec<f64> = (0..n).map(|i| wv[i] * r(i) / mw).collect();
        let m = mean(&e);
        let inf = (0..n).map(|i| e[i] - wv[i] * m / mw).collect();
        (e, m, inf)
    };
    let resid = |i: usize| y[i] - c_fit[i];
    let gap_post = |i: usize| t_post[i] - c_post[i];
    let gap_pre = |i: usize| t_pre[i] - c_pre[i];
    let (_, att_treat_pre, inf_treat_pre) = eta(&w_treat_pre, &resid);
    let (_, att_treat_post, inf_treat_post) = eta(&w_treat_post, &resid);
    let (_, att_cont_pre, inf_cont_pre) = eta(&w_cont_pre, &resid);
    let (_, att_cont_post, inf_cont_post) = eta(&w_cont_post, &resid);
    let (_, att_d_post, inf_d_post) = eta(&w_d, &gap_post);
    let (_, att_dt1_post, inf_dt1_post) = eta(&w_treat_post, &gap_post);
    let (_, att_d_pre, inf_d_pre) = eta(&w_d, &gap_pre);
    let (_, att_dt0_pre, inf_dt0_pre) = eta(&w_treat_pre, &gap_pre);
    let att = (att_treat_post - att_treat_pre) - (att_cont_post - att_cont_pre) + (att_d_post - att_dt1_post)
        - (att_d_pre - att_dt0_pre);

    let lin_ps = propensity_representation(&design, &d, &ps)?;
    let col_mean = |f: &dyn Fn(usize) -> f64| column_means(&design, f);
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    let (m_tpre, m_tpost, m_cpre, m_cpost, m_d) =
        (mean(&w_treat_pre), mean(&w_treat_post), mean(&w_cont_pre), mean(&w_cont_post), mean(&w_d));
    let m1_post: Vec<f64> = col_mean(&|i| -w_treat_post[i] * t[i] / m_tpost);
    let m1_pre: Vec<f64> = col_mean(&|i| -w_treat_pre[i] * (1.0 - t[i]) / m_tpre);
    let m2_pre: Vec<f64> = col_mean(&|i| w_cont_pre[i] * (resid(i) - att_cont_pre) / m_cpre);
    let m2_post: Vec<f64> = col_mean(&|i| w_cont_post[i] * (resid(i) - att_cont_post) / m_cpost);
    let m2: Vec<f64> = m2_post.iter().zip(&m2_pre).map(|(a, b)| a - b).collect();
    let m3_post: Vec<f64> = col_mean(&|i| -w_cont_post[i] * t[i] / m_cpost);
    let m3_pre: Vec<f64> = col_mean(&|i| -w_cont_pre[i] * (1.0 - t[i]) / m_cpre);
    let mom_post: Vec<f64> = col_mean(&|i| w_d[i] / m_d - w_treat_post[i] / m_tpost);
    let mom_pre: Vec<f64> = col_mean(&|i| w_d[i] / m_d - w_treat_pre[i] / m_tpre);
    let diff = |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(p, q)| p - q).collect() };

    let inf = (0..n)
        .map(|i| {
            let treat_or = dot(&lin_c_post[i], &m1_post) - dot(&lin_c_pre[i], &m1_pre);
            let cont_or = dot(&lin_c_post[i], &m3_post) - dot(&lin_c_pre[i], &m3_pre);
            let cont_ps = dot(&lin_ps[i], &m2);
            let or = dot(&diff(&lin_t_post[i], &lin_c_post[i]), &mom_post)
                - dot(&diff(&lin_t_pre[i], &lin_c_pre[i]), &mom_pre);
            let eff = (inf_d_post[i] - inf_dt1_post[i]) - (inf_d_pre[i] - inf_dt0_pre[i]);
            let treat = inf_treat_post[i] - inf_treat_pre[i] + treat_or;
            let cont = inf_cont_post[i] - inf_cont_pre[i] + cont_ps + cont_or;
            treat - cont + eff + or
        })
        .collect();
    Ok(DrCell { att, inf })
}

/// n · sᵢ xᵢᵀ A⁻¹ for every row i: the asymptotic linear representation of an estimating
/// equation with scores sᵢxᵢ and `inv` = A⁻¹ (DRDID's `asy.lin.rep` on its (A/n)⁻¹ scale).
fn representation(x: &Mat<f64>, score: &[f64], inv: &Mat<f64>) -> Vec<Vec<f64>> {
    let (n, k) = (x.nrows(), x.ncols());
    let nf = n as f64;
    (0..n)
        .map(|i| (0..k).map(|j| nf * (0..k).map(|l| score[i] * x[(i, l)] * inv[(l, j)]).sum::<f64>()).collect())
        .collect()
}

/// The logit's representation: scores (D − p)x, information Σ p(1 − p)xxᵀ.
fn propensity_representation(x: &Mat<f64>, d: &[f64], ps: &[f64]) -> Result<Vec<Vec<f64>>, EstimateError> {
    let info = weighted_gram(x, &ps.iter().map(|p| p * (1.0 - p)).collect::<Vec<_>>());
    let scores: Vec<f64> = d.iter().zip(ps).map(|(d, p)| d - p).collect();
    Ok(representation(x, &scores, &inverse(&info)?))
}

/// Column means of w(i)·xᵢ.
fn column_means(x: &Mat<f64>, w: &dyn Fn(usize) -> f64) -> Vec<f64> {
    let n = x.nrows();
    (0..x.ncols()).map(|j| (0..n).map(|i| w(i) * x[(i, j)]).sum::<f64>() / n as f64).collect()
}

/// [1, standardised covariates], one row per unit.
fn with_intercept(x: &[&[f64]]) -> Result<Mat<f64>, EstimateError> {
    let n = x.len();
    let k = x.first().map_or(0, |r| r.len());
    if x.iter().any(|r| r.len() != k) {
        return Err(EstimateError::CovariateCount(k));
    }
    let mut m = Mat::<f64>::zeros(n, k + 1);
    for i in 0..n {
        m[(i, 0)] = 1.0;
    }
    for j in 0..k {
        let mean = x.iter().map(|r| r[j]).sum::<f64>() / n as f64;
        let sd = (x.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        if !(sd > 0.0 && sd.is_finite()) {
            // A constant covariate duplicates the intercept.
            return Err(EstimateError::Collinear);
        }
        for (i, r) in x.iter().enumerate() {
            m[(i, j + 1)] = (r[j] - mean) / sd;
        }
    }
    Ok(m)
}

/// Maximum-likelihood logit by Newton steps; an error when the covariates separate the groups
/// (the likelihood has no maximum) or the steps do not settle.
fn logit(x: &Mat<f64>, d: &[f64]) -> Result<Vec<f64>, EstimateError> {
    let (n, k) = (x.nrows(), x.ncols());
    let mut gamma = vec![0.0; k];
    for _ in 0..100 {
        let p: Vec<f64> = (0..n).map(|i| sigmoid(row_dot(x, i, &gamma))).collect();
        let grad: Vec<f64> = (0..k).map(|j| (0..n).map(|i| (d[i] - p[i]) * x[(i, j)]).sum()).collect();
        let h = weighted_gram(x, &p.iter().map(|q| q * (1.0 - q)).collect::<Vec<_>>());
        let h_inv = inverse(&h).map_err(|_| EstimateError::NoOverlap)?;
        let step: Vec<f64> = (0..k).map(|j| (0..k).map(|l| h_inv[(j, l)] * grad[l]).sum()).collect();
        gamma.iter_mut().zip(&step).for_each(|(g, s)| *g += s);
        if gamma.iter().any(|g| !g.is_finite() || g.abs() > 30.0) {
            // On standardised covariates a coefficient this large means the scores reach 0 or 1.
            return Err(EstimateError::NoOverlap);
        }
        if step.iter().all(|s| s.abs() < 1e-13 * (1.0 + gamma.iter().map(|g| g.abs()).fold(0.0, f64::max))) {
            return Ok(gamma);
        }
    }
    Err(EstimateError::NoOverlap)
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn row_dot(x: &Mat<f64>, i: usize, b: &[f64]) -> f64 {
    b.iter().enumerate().map(|(j, bj)| x[(i, j)] * bj).sum()
}

/// Xᵀ diag(w) X.
fn weighted_gram(x: &Mat<f64>, w: &[f64]) -> Mat<f64> {
    let k = x.ncols();
    Mat::from_fn(k, k, |a, b| w.iter().enumerate().map(|(i, wi)| wi * x[(i, a)] * x[(i, b)]).sum())
}

/// The inverse of a symmetric positive definite matrix; an error when it is (nearly) singular.
fn inverse(a: &Mat<f64>) -> Result<Mat<f64>, EstimateError> {
    let k = a.nrows();
    let llt = a.llt(Side::Lower).map_err(|_| EstimateError::Collinear)?;
    let l = llt.L();
    if (0..k).any(|j| l[(j, j)] * l[(j, j)] <= 1e-12 * a[(j, j)].max(f64::MIN_POSITIVE)) {
        return Err(EstimateError::Collinear);
    }
    Ok(llt.inverse())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covariates_unrelated_to_anything_leave_the_difference_of_mean_changes_close() {
        // With a covariate that is orthogonal to treatment and outcome in the sample, both
        // nuisance models are flat and the estimate is the plain difference of mean changes.
        let dy = [1.0, 3.0, 1.0, 3.0, 0.0, 2.0, 0.0, 2.0];
        let treated = [true, true, true, true, false, false, false, false];
        let xs: Vec<[f64; 1]> = [[1.0], [1.0], [-1.0], [-1.0], [1.0], [1.0], [-1.0], [-1.0]].to_vec();
        let x: Vec<&[f64]> = xs.iter().map(|r| r.as_slice()).collect();
        let cell = panel(&dy, &treated, &x).unwrap();
        assert!((cell.att - 1.0).abs() < 1e-12, "{}", cell.att);
        assert_eq!(cell.inf.len(), 8);
    }

    #[test]
    fn separated_groups_are_refused() {
        let dy = [1.0, 2.0, 0.0, 1.0];
        let treated = [true, true, false, false];
        let xs: Vec<[f64; 1]> = [[5.0], [6.0], [1.0], [2.0]].to_vec();
        let x: Vec<&[f64]> = xs.iter().map(|r| r.as_slice()).collect();
        assert!(matches!(panel(&dy, &treated, &x), Err(EstimateError::NoOverlap)));
    }
}
