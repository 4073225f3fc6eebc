"""Reference numbers for frikommune's event study, from pyfixest.

Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install pyfixest pandas numpy scipy
    /tmp/refenv/bin/python tests/reference/make_event_fixtures.py

A staggered panel (40 units × 14 periods, three cohorts and never-treated units) is written to
tests/fixtures/event_panel.csv; pyfixest's
`feols("y ~ i(rel, ref=-1) | unit + period", vcov={"CRV1": "unit"})` coefficients, CR1
standard errors and the joint test of the leads (W/q against F(q, G-1), fixest's `wald()`) go
to tests/fixtures/event_reference.json, without binning and with leads/lags binned at -3/+2.

The pre-period-mean base (`base = "pre_mean"`) is the linear map A applied to pyfixest's
coefficients and CR1 covariance: every coefficient minus the mean c of the pre-period
coefficients -L..-1 (with the reference -1 at 0), the period before the start included as -c,
and A V A' for their covariance. Both binnings are written with both bases.
"""
import json
import pathlib
import re

import numpy as np
import pandas as pd
import pyfixest as pf
from scipy import stats

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
rng = np.random.default_rng(11)
n_units, n_periods = 40, 14
starts = {u: s for u, s in zip(range(12), [5] * 4 + [7] * 4 + [10] * 4)}
alpha = rng.normal(20, 3, n_units)
gamma = np.cumsum(rng.normal(0.2, 0.5, n_periods))
rows = []
for i in range(n_units):
    for t in range(1, n_periods + 1):
        s = starts.get(i)
        effect = 0.0 if s is None or t < s else 1.0 + 0.3 * (t - s)
        y = alpha[i] + gamma[t - 1] + effect + rng.normal(0, 1 + 0.3 * (i % 4))
        rows.append((i + 1, t, y, 0 if s is None else s))
df = pd.DataFrame(rows, columns=["unit", "period", "y", "first_treat"])
df.to_csv(OUT / "event_panel.csv", index=False, float_format="%.17g")


def run(leads, lags, base="period_before"):
    d = df.copy()
    rel = np.where(d.first_treat > 0, d.period - d.first_treat, -1)
    if leads is not None:
        rel = np.maximum(rel, -leads)
    if lags is not None:
        rel = np.minimum(rel, lags)
    d["rel"] = rel
    fit = pf.feols("y ~ i(rel, ref=-1) | unit + period", data=d, vcov={"CRV1": "unit"})
    names = list(fit.coef().index)
    times = [int(float(re.search(r"::(-?[\d.]+)$", n).group(1))) for n in names]
    b = fit.coef().to_numpy()
    se = fit.se().to_numpy()
    V = fit._vcov
    order = np.argsort(times)
    G = d.unit.nunique()
    leads_idx = [j for j in range(len(times)) if times[j] <= -2]
    bl = b[leads_idx]
    Vl = V[np.ix_(leads_idx, leads_idx)]
    W = float(bl @ np.linalg.solve(Vl, bl))
    q = len(leads_idx)
    post = [j for j in range(len(times)) if times[j] >= 0]
    k = len(times)
    # Rows of A: one per shown event time (the reference -1 included), over the k coefficients.
    shown = sorted(times + [-1])
    A = np.zeros((len(shown), k))
    for i, r in enumerate(shown):
        if r != -1:
            A[i, times.index(r)] = 1.0
        if base == "pre_mean":
            A[i, leads_idx] -= 1.0 / (len(leads_idx) + 1)
    bt, Vt = A @ b, A @ V @ A.T
    wp = np.zeros(k)
    wp[post] = 1 / len(post)
    if base == "pre_mean":
        wp[leads_idx] -= 1.0 / (len(leads_idx) + 1)
    rows = [
        {"rel_time": r, "estimate": float(bt[i]), "se": float(np.sqrt(Vt[i, i]))}
        for i, r in enumerate(shown)
        if base == "pre_mean" or r != -1
    ]
    return {
        "leads": leads,
        "lags": lags,
        "base": base,
        "rows": rows,
        "pretrend": {"stat": W / q, "df": q, "df2": G - 1, "p_value": float(stats.f.sf(W / q, q, G - 1))},
        "average_post": {"estimate": float(wp @ b), "se": float(np.sqrt(wp @ V @ wp))},
    }


reference = {
    "source": f"pyfixest {pf.__version__}",
    "cases": [run(None, None), run(3, 2), run(None, None, "pre_mean"), run(3, 2, "pre_mean")],
}
(OUT / "event_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
print("wrote", OUT / "event_reference.json")
