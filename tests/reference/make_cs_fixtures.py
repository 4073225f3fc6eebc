"""Reference numbers for frikommune's Callaway–Sant'Anna estimator, from csdid on mpdta.

Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install csdid==0.4.3 moderndid==0.2.0 diff-diff==3.13.0 pandas numpy
    /tmp/refenv/bin/python tests/reference/make_cs_fixtures.py

mpdta (county teen employment, 500 counties × 2003–2007, Callaway and Sant'Anna 2021) ships
inside the moderndid wheel. Writes tests/fixtures/mpdta.csv and tests/fixtures/cs_reference.json:
ATT(g,t) with analytic influence-function standard errors (bstrap=False), the parallel-trends
Wald pre-test, and the simple, group, dynamic and calendar aggregations, for never-treated and
not-yet-treated comparison groups, in three cases:

- mpdta as it is, without covariates (`never`, `notyet`);
- mpdta with 15 % of its rows dropped at random (seed 2024, the rows the staggered fixtures drop,
  listed under `unbalanced.dropped`), with `allow_unbalanced_panel=True` (`unbalanced`);
- mpdta with the county's log population `lpop` as covariate, doubly robust (`covariates`);
- both: the rows dropped, the units kept and `lpop` as covariate (`unbalanced_covariates`, R's
  `drdid_rc` on the pooled observations of each cell).

For the last two, diff-diff 3.13's CallawaySantAnna is recorded beside csdid (`diff_diff`): its
unbalanced-panel standard errors carry a CR1 factor √(G/(G−1)) that R did and csdid do not, and
its doubly robust estimator normalises the comparison units' odds weights by the cohort's size
instead of their own sum, so it differs from R's `drdid_panel` in the 7th digit.
`cargo test` reads these files and needs no Python.
"""
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
import moderndid
from csdid.att_gt import ATTgt

warnings.simplefilter("ignore")
OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
OUT.mkdir(exist_ok=True)

data = pd.read_pickle(pathlib.Path(moderndid.__file__).parent / "core" / "datasets" / "mpdta_long.pkl.gz")
data = data[["countyreal", "year", "lemp", "first.treat", "lpop"]].sort_values(["countyreal", "year"])
data = data.reset_index(drop=True)
data.to_csv(OUT / "mpdta.csv", index=False, float_format="%.17g")

rng = np.random.default_rng(2024)
dropped_rows = np.sort(rng.choice(len(data), size=int(0.15 * len(data)), replace=False))
unbalanced = data.drop(index=data.index[dropped_rows]).reset_index(drop=True)


def floats(xs):
    return [None if x is None or not np.isfinite(x) else float(x) for x in np.asarray(xs, dtype=float)]


def run(control, frame=data, **options):
    model = ATTgt(yname="lemp", tname="year", idname="countyreal", gname="first.treat",
                  data=frame.copy(), control_group=control, **options).fit(est_method="dr", bstrap=False)
    r = model.results
    out = {
        "att_gt": [
            {"group": int(g), "time": int(t), "estimate": float(a), "se": float(s)}
            for g, t, a, s in zip(r["group"], r["year"], r["att"], r["se"])
        ],
        "pretrend": {"stat": float(model.MP["W"]), "p_value": float(model.MP["Wpval"])},
        "aggregations": {},
    }
    for kind in ["simple", "group", "dynamic", "calendar"]:
        a = model.aggte(typec=kind, bstrap=False, cband=False).atte
        entry = {"estimate": float(a["overall_att"]), "se": float(a["overall_se"])}
        if kind != "simple":
            entry["rows"] = [
                {"label": int(e), "estimate": float(v), "se": float(s)}
                for e, v, s in zip(a["egt"], a["att_egt"], np.atleast_1d(a["se_egt"]))
            ]
        out["aggregations"][kind] = entry
    return out


def diff_diff(control, frame, covariates=None, **options):
    from diff_diff import CallawaySantAnna
    frame = frame.assign(g=frame["first.treat"])
    r = CallawaySantAnna(control_group=control, estimation_method="dr", **options).fit(
        frame, outcome="lemp", unit="countyreal", time="year", first_treat="g", covariates=covariates)
    return {
        "att_gt": [{"group": int(g), "time": int(t), "estimate": float(v["effect"]), "se": float(v["se"])}
                   for (g, t), v in sorted(r.group_time_effects.items())],
        "simple": {"estimate": float(r.overall_att), "se": float(r.overall_se)},
    }


reference = {
    "source": "csdid 0.4.3 (Python port of R did), est_method='dr', base_period='varying', analytic SEs",
    "never": run("nevertreated"),
    "notyet": run("notyettreated"),
    "unbalanced": {
        "dropped": [[int(data.countyreal[i]), int(data.year[i])] for i in dropped_rows],
        "never": run("nevertreated", unbalanced, allow_unbalanced_panel=True),
        "notyet": run("notyettreated", unbalanced, allow_unbalanced_panel=True),
        "diff_diff": {
            "never": diff_diff("never_treated", unbalanced, allow_unbalanced_panel=True),
            "notyet": diff_diff("not_yet_treated", unbalanced, allow_unbalanced_panel=True),
        },
    },
    "unbalanced_covariates": {
        "never": run("nevertreated", unbalanced, allow_unbalanced_panel=True, xformla="~lpop"),
        "notyet": run("notyettreated", unbalanced, allow_unbalanced_panel=True, xformla="~lpop"),
    },
    "covariates": {
        "formula": "~lpop",
        "never": run("nevertreated", xformla="~lpop"),
        "notyet": run("notyettreated", xformla="~lpop"),
        "diff_diff": {
            "never": diff_diff("never_treated", data, covariates=["lpop"]),
            "notyet": diff_diff("not_yet_treated", data, covariates=["lpop"]),
        },
    },
}
(OUT / "cs_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
print("wrote", OUT / "cs_reference.json")
