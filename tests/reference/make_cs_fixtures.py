"""Reference numbers for frikommune's Callaway–Sant'Anna estimator, from csdid on mpdta.

Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install csdid moderndid pandas numpy
    /tmp/refenv/bin/python tests/reference/make_cs_fixtures.py

mpdta (county teen employment, 500 counties × 2003–2007, Callaway and Sant'Anna 2021) ships
inside the moderndid wheel. Writes tests/fixtures/mpdta.csv and tests/fixtures/cs_reference.json:
ATT(g,t) with analytic influence-function standard errors (bstrap=False), the parallel-trends
Wald pre-test, and the simple, group, dynamic and calendar aggregations, for never-treated and
not-yet-treated comparison groups. `cargo test` reads these files and needs no Python.
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
data = data[["countyreal", "year", "lemp", "first.treat"]].sort_values(["countyreal", "year"])
data.to_csv(OUT / "mpdta.csv", index=False, float_format="%.17g")


def floats(xs):
    return [None if x is None or not np.isfinite(x) else float(x) for x in np.asarray(xs, dtype=float)]


def run(control):
    model = ATTgt(yname="lemp", tname="year", idname="countyreal", gname="first.treat",
                  data=data.copy(), control_group=control).fit(est_method="dr", bstrap=False)
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


reference = {
    "source": "csdid (Python port of R did), est_method='dr' without covariates, base_period='varying', analytic SEs",
    "never": run("nevertreated"),
    "notyet": run("notyettreated"),
}
(OUT / "cs_reference.json").write_text(json.dumps(reference, indent=1) + "\n")
print("wrote", OUT / "cs_reference.json")
