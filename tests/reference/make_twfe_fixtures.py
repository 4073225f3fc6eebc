"""Reference numbers for frikommune's TWFE and 2x2 DiD estimators, from pyfixest.

Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install pyfixest pandas numpy
    /tmp/refenv/bin/python tests/reference/make_twfe_fixtures.py

Writes tests/fixtures/twfe_*.csv (the data) and tests/fixtures/twfe_reference.json (pyfixest's
estimates). `cargo test` reads these files and needs no Python.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import pyfixest as pf

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
OUT.mkdir(exist_ok=True)


def make_panel(seed, n_units, n_periods, treated, starts, drop_share):
    rng = np.random.default_rng(seed)
    rows = []
    alpha = rng.normal(50, 5, n_units)
    gamma = np.cumsum(rng.normal(0.1, 0.3, n_periods))
    for i in range(n_units):
        ar = 0.0
        for t in range(n_periods):
            ar = 0.6 * ar + rng.normal(0, 1.0 + 0.5 * (i % 3))
            d = int(i in treated and t >= starts[treated.index(i)])
            y = alpha[i] + gamma[t] + 1.5 * d + ar
            rows.append((i + 101, t + 1, y, d))
    df = pd.DataFrame(rows, columns=["unit", "period", "y", "treat"])
    if drop_share > 0:
        keep = rng.random(len(df)) >= drop_share
        df = df[keep].reset_index(drop=True)
    return df


cases = {
    "balanced": make_panel(11, 40, 24, [0, 1, 2, 3, 4], [12, 12, 12, 15, 15], 0.0),
    "unbalanced": make_panel(12, 35, 30, [0, 1, 2, 3, 4, 5, 6], [10, 10, 14, 14, 14, 20, 20], 0.12),
}

reference = {"pyfixest_version": pf.__version__, "cases": {}}
for name, df in cases.items():
    df.to_csv(OUT / f"twfe_{name}.csv", index=False, float_format="%.17g")
    fit = pf.feols("y ~ treat | unit + period", data=df, vcov={"CRV1": "unit"})
    tidy = fit.tidy().loc["treat"]
    reference["cases"][name] = {
        "formula": "y ~ treat | unit + period",
        "vcov": "CRV1 by unit (pyfixest default ssc: adj, fixef_k='nested', cluster_adj)",
        "estimate": float(tidy["Estimate"]),
        "se": float(tidy["Std. Error"]),
        "t": float(tidy["t value"]),
        "p_value": float(tidy["Pr(>|t|)"]),
        "ci_low": float(tidy["2.5%"]),
        "ci_high": float(tidy["97.5%"]),
        "n_obs": int(fit._N),
        "n_clusters": int(df["unit"].nunique()),
    }

# 2x2 DiD on window means: one row per unit with the change in means, regressed on treatment.
df = cases["balanced"]
first_start = 12
units = []
for u, g in df.groupby("unit"):
    pre = g[(g.period > first_start - 8) & (g.period <= first_start)]["y"].mean()
    post = g[g.period > first_start]["y"].mean()
    units.append((u, post - pre, int(g["treat"].max())))
diffs = pd.DataFrame(units, columns=["unit", "dy", "treated"])
fit = pf.feols("dy ~ treated", data=diffs, vcov={"CRV1": "unit"})
tidy = fit.tidy().loc["treated"]
reference["did2x2_balanced"] = {
    "pre_periods": [first_start - 7, first_start],
    "post_periods": [first_start + 1, 24],
    "treated_units": [101, 102, 103],
    "note": "units 104 and 105 start later and are left out of this single-cohort check",
}
# Single-cohort version: drop the later-starting units.
single = diffs[~diffs.unit.isin([104, 105])]
fit = pf.feols("dy ~ treated", data=single, vcov={"CRV1": "unit"})
tidy = fit.tidy().loc["treated"]
reference["did2x2_balanced"].update({
    "estimate": float(tidy["Estimate"]),
    "se": float(tidy["Std. Error"]),
    "p_value": float(tidy["Pr(>|t|)"]),
    "ci_low": float(tidy["2.5%"]),
    "ci_high": float(tidy["97.5%"]),
})

(OUT / "twfe_reference.json").write_text(json.dumps(reference, indent=2) + "\n")
print(json.dumps(reference, indent=2))
