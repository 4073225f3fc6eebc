"""Reference numbers for frikommune's imputation (Borusyak–Jaravel–Spiess) and Sun–Abraham
estimators, from diff-diff 3.13 and pyfixest on mpdta.

Run from the repository root (mpdta.csv is written by make_cs_fixtures.py):

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install diff-diff==3.13.0 pyfixest==0.60.0
    /tmp/refenv/bin/python tests/reference/make_staggered_fixtures.py

Writes tests/fixtures/staggered_reference.json for two panels: mpdta as it is (500 counties ×
2003–2007, balanced) and mpdta with 15 % of its rows dropped at random (seed 2024; the dropped
county-years are listed), so the imputation's exact projection on an unbalanced untreated panel
is checked. For each:
- ImputationDiD(): overall ATT and the post-period event study with the Theorem 3 conservative
  clustered SE (the R didimputation convention), and the same with leave_one_out=True;
- SunAbraham(df_convention="cluster"): the overall ATT and every event time, CR1 by county,
  t(G − 1) intervals; and the cohort × event-time coefficients from pyfixest's feols on the
  same interaction dummies with vcov={"CRV1": county}, which diff-diff must equal.
`cargo test` reads the JSON and needs no Python.
"""
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
from diff_diff import ImputationDiD, SunAbraham

warnings.simplefilter("ignore")
ROOT = pathlib.Path(__file__).resolve().parents[1]
data = pd.read_csv(ROOT / "fixtures" / "mpdta.csv").rename(columns={"first.treat": "g"})

rng = np.random.default_rng(2024)
dropped_rows = np.sort(rng.choice(len(data), size=int(0.15 * len(data)), replace=False))
unbalanced = data.drop(index=data.index[dropped_rows]).reset_index(drop=True)


def bjs(df, loo):
    r = ImputationDiD(leave_one_out=loo).fit(df, outcome="lemp", unit="countyreal", time="year",
                                             first_treat="g", aggregate="event_study")
    rows = [
        {"rel_time": int(h), "estimate": float(v["effect"]), "se": float(v["se"]), "n_obs": int(v["n_obs"])}
        for h, v in sorted(r.event_study_effects.items())
        if h >= 0
    ]
    return {"estimate": float(r.overall_att), "se": float(r.overall_se), "horizons": rows}


def sunab(df):
    s = SunAbraham(df_convention="cluster").fit(df, outcome="lemp", unit="countyreal", time="year", first_treat="g")
    lo, hi = s.overall_conf_int
    rows = [
        {"rel_time": int(e), "estimate": float(v["effect"]), "se": float(v["se"]),
         "ci_low": float(v["conf_int"][0]), "ci_high": float(v["conf_int"][1])}
        for e, v in sorted(s.event_study_effects.items())
    ]
    # The cohort × event-time coefficients by pyfixest on the same dummies.
    d = df.copy()
    d["rel"] = np.where(d.g > 0, d.year - d.g, -1000)
    cols, cells = [], []
    for g in sorted(d.g[d.g > 0].unique()):
        for e in sorted(d.rel[d.g == g].unique()):
            if e == -1:
                continue
            name = f"D_{g}_{e}".replace("-", "m")
            d[name] = ((d.g == g) & (d.rel == e)).astype(float)
            cols.append(name)
            cells.append((int(g), int(e)))
    fit = pf.feols("lemp ~ " + " + ".join(cols) + " | countyreal + year", data=d, vcov={"CRV1": "countyreal"})
    coef, se = fit.coef(), fit.se()
    cohort_effects = [
        {"cohort": g, "rel_time": e, "estimate": float(coef[c]), "se": float(se[c])} for (g, e), c in zip(cells, cols)
    ]
    for c in cohort_effects:
        theirs = s.cohort_effects[(c["cohort"], c["rel_time"])]
        # Both demean iteratively: on the unbalanced panel they agree to about 1e-9 relative.
        assert abs(theirs["effect"] - c["estimate"]) < 1e-10 and abs(theirs["se"] / c["se"] - 1) < 1e-8
    return {"estimate": float(s.overall_att), "se": float(s.overall_se), "ci_low": float(lo), "ci_high": float(hi),
            "rows": rows, "cohort_effects": cohort_effects}


def panel(df):
    return {"bjs": bjs(df, False), "bjs_loo": bjs(df, True), "sunab": sunab(df)}


reference = {
    "source": "diff-diff 3.13 ImputationDiD (Theorem 3 variance, cohort_horizon partition; leave_one_out) and "
              "SunAbraham (CR1 by county, df_convention='cluster'); pyfixest 0.60 feols for the cohort effects",
    "balanced": panel(data),
    "unbalanced": dict(panel(unbalanced),
                       dropped=[[int(data.countyreal[i]), int(data.year[i])] for i in dropped_rows]),
}
out = ROOT / "fixtures" / "staggered_reference.json"
out.write_text(json.dumps(reference, indent=1) + "\n")
print("wrote", out)
