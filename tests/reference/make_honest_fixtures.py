"""Reference numbers for frikommune's Rambachan–Roth sensitivity (relative magnitudes), from
diff-diff's HonestDiD.

Run from the repository root, after make_event_fixtures.py (it reads the panel that script wrote):

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install diff-diff==3.13.0 pyfixest pandas numpy scipy
    /tmp/refenv/bin/python tests/reference/make_honest_fixtures.py

The event study is pyfixest's `feols("y ~ i(rel, ref=-1) | unit + period", vcov={"CRV1": "unit"})`
on tests/fixtures/event_panel.csv without binning (the coefficients frikommune matches to 1e-9 in
reference_pyfixest.rs). Its coefficients and CR1 covariance are handed to diff-diff's
HonestDiD(method="relative_magnitude") as a MultiPeriodDiDResults with inference df G - 1 (t
critical values, as the event study's own intervals): the identified set and confidence set of
the mean of the post-period coefficients at each M-bar of frikommune's grid, the breakdown value
(diff-diff's grid search refined by bisection), and each post period alone at M-bar = 1.

Under smoothness (Delta^SD(M)) the optimal fixed-length confidence intervals of R's HonestDiD come
from moderndid's port (normal critical values; its inner problem is solved by Clarabel and h by
golden section to about 1e-6 of h) and from diff-diff (folded non-central t with G - 1 df; its
optimiser matches R to about 3e-4, by its own account), at M = k times the largest pre-period bend
for small k (the bound applies to every post period's bend, so intervals grow fast with M).
Written to tests/fixtures/honest_reference.json.
"""
import json
import pathlib
import re

import diff_diff
import numpy as np
import pandas as pd
import pyfixest as pf
from scipy import stats
from diff_diff.honest_did import HonestDiD
from diff_diff.results import MultiPeriodDiDResults, PeriodEffect
import moderndid
from moderndid.didhonest.fixed_length_ci import compute_flci, folded_normal_quantile

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
d = pd.read_csv(FIXTURES / "event_panel.csv")
d["rel"] = np.where(d.first_treat > 0, d.period - d.first_treat, -1)
fit = pf.feols("y ~ i(rel, ref=-1) | unit + period", data=d, vcov={"CRV1": "unit"})
times = [int(float(re.search(r"::(-?[\d.]+)$", n).group(1))) for n in fit.coef().index]
b, V = fit.coef().to_numpy(), fit._vcov
G = d.unit.nunique()
pre = sorted(t for t in times if t <= -2)
post = sorted(t for t in times if t >= 0)
index = {t: times.index(t) for t in pre + post}
effects = {t: PeriodEffect(period=t, effect=float(b[index[t]]), se=float(np.sqrt(V[index[t], index[t]])),
                           t_stat=0.0, p_value=1.0, conf_int=(0.0, 0.0)) for t in pre + post}
results = MultiPeriodDiDResults(
    period_effects=effects, avg_att=0.0, avg_se=1.0, avg_t_stat=0.0, avg_p_value=1.0, avg_conf_int=(0.0, 0.0),
    n_obs=len(d), n_treated=12, n_control=28, pre_periods=pre + [-1], post_periods=post,
    vcov=V, interaction_indices=index, reference_period=-1, n_clusters=G,
)
# The df HonestDiD reads (aggregation.resolve_inference_df): t(G - 1) critical values.
results.df_inference = float(G - 1)
GRID = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]


def sets(l_vec, mbar):
    r = HonestDiD(method="relative_magnitude", M=mbar, alpha=0.05, l_vec=l_vec).fit(results)
    return {"mbar": mbar, "lower": float(r.lb), "upper": float(r.ub), "ci_low": float(r.ci_lb), "ci_high": float(r.ci_ub)}


def breakdown(l_vec):
    h = HonestDiD(method="relative_magnitude", alpha=0.05, l_vec=l_vec)
    s = h.sensitivity_analysis(results, M_grid=list(np.linspace(0, 4, 81)))
    return None if s.breakdown_M is None else float(s.breakdown_M)


mean = np.ones(len(post)) / len(post)
z = HonestDiD(method="relative_magnitude", M=0.0).fit(results)
assert abs((z.ci_ub - z.ub) / z.original_se - stats.t.ppf(0.975, G - 1)) < 1e-12, "t(G - 1) critical values"
reference = {
    "source": f"diff-diff {diff_diff.__version__} HonestDiD (relative_magnitude), pyfixest {pf.__version__}",
    "conf_level": 0.95,
    "df": G - 1,
    "pre_first": pre[0],
    "post_last": post[-1],
    "mean": {"grid": [sets(mean, m) for m in GRID], "breakdown": breakdown(mean)},
    "periods": [],
}
for i, t in enumerate(post):
    e = np.zeros(len(post))
    e[i] = 1.0
    reference["periods"].append({"rel_time": t, "at_one": sets(e, 1.0), "breakdown": breakdown(e)})

# Smoothness (Delta^SD): the optimal fixed-length confidence interval of R's HonestDiD, through
# moderndid's port (normal critical values, as R) and diff-diff (folded non-central t with the
# event study's G - 1 df, as frikommune's event study). M is on a grid of multiples of the largest
# bend (second difference) of the pre-period coefficients with beta_{-1} = 0 appended.
order = [index[t] for t in pre + post]
beta_full = b[order]
sigma_full = V[np.ix_(order, order)]
path = np.append(b[[index[t] for t in pre]], 0.0)
max_bend = float(np.max(np.abs(np.diff(path, 2))))


def flci_normal(l_vec, m):
    r = compute_flci(beta_full, sigma_full, m, len(pre), len(post), post_period_weights=l_vec, alpha=0.05)
    # The half-length its weights truly have (the conic solver's objective may sit a little
    # inside the variance constraint): h * cv(M * bias / h) with bias = C + sum |cumsum(w)|.
    t_post = len(post)
    w = np.cumsum(r.optimal_pre_period_vec)
    constant = sum(abs(np.dot(np.arange(1, s + 1), l_vec[t_post - s:])) for s in range(1, t_post + 1)) - np.dot(
        np.arange(1, t_post + 1), l_vec)
    h = float(np.sqrt(r.optimal_vec @ sigma_full @ r.optimal_vec))
    bias = m * (constant + np.abs(np.cumsum(w)).sum())
    return {"multiple": m / max_bend, "m": m, "ci_low": float(r.flci[0]), "ci_high": float(r.flci[1]),
            "half_length": float(r.optimal_half_length),
            "half_length_of_weights": float(folded_normal_quantile(0.95, mu=bias / h) * h)}


def flci_t(l_vec, m):
    r = HonestDiD(method="smoothness", M=m, alpha=0.05, l_vec=l_vec).fit(results)
    finite = np.isfinite(r.ci_lb) and np.isfinite(r.ci_ub)  # NaN where its optimiser failed
    return {"multiple": m / max_bend, "m": m, "ci_low": float(r.ci_lb) if finite else None,
            "ci_high": float(r.ci_ub) if finite else None}


def smooth_breakdown(l_vec):
    h = HonestDiD(method="smoothness", alpha=0.05, l_vec=l_vec)
    s = h.sensitivity_analysis(results, M_grid=list(np.linspace(0, 0.05 * max_bend, 81)))
    return None if s.breakdown_M is None else float(s.breakdown_M) / max_bend


SMOOTH = [0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25]
reference["smoothness"] = {
    "source": "moderndid {} compute_flci (R HonestDiD's FLCI, normal); diff-diff {} HonestDiD smoothness (t, df G - 1)".format(
        moderndid.__version__, diff_diff.__version__),
    "max_pre_bend": max_bend,
    "beta": [float(x) for x in beta_full],
    "sigma": [[float(x) for x in row] for row in sigma_full],
    "normal": {"mean": [flci_normal(mean, k * max_bend) for k in SMOOTH],
               "periods": [flci_normal(np.eye(len(post))[i], 0.01 * max_bend) for i in range(len(post))]},
    "t": {"mean": [flci_t(mean, k * max_bend) for k in SMOOTH],
          "breakdown": smooth_breakdown(mean)},
}
print("smoothness at 0.01:", reference["smoothness"]["normal"]["mean"][4], reference["smoothness"]["t"]["mean"][4])
(FIXTURES / "honest_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
print("mean breakdown", reference["mean"]["breakdown"], "at 1:", reference["mean"]["grid"][4])
