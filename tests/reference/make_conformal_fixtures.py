"""Reference numbers for frikommune's per-period conformal intervals of the synthetic control,
from diff-diff 3.13 on Proposition 99 (California's cigarette sales, 38 donor states, 1970–2000).

Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install diff-diff==3.13.0 pandas numpy
    /tmp/refenv/bin/python tests/reference/make_conformal_fixtures.py

Reads tests/fixtures/prop99.csv (written by make_synth_fixtures.py) and writes
tests/fixtures/conformal_reference.json: for each post year, diff-diff's
`conformal_confidence_intervals` (Chernozhukov–Wüthrich–Zhu Algorithm 1, moving-block
permutations, 100-point grid) at α = 0.10 and 0.05, with all 19 pre-years and with the last 8
only (where α = 0.10 < 1/9 leaves every interval unbounded); and diff-diff's joint sharp-null
test `conformal_test` (CWZ §2.2, q = 1, the 31 moving-block shifts) for a constant effect θ and
for the path θ·dₜ with dₜ = ½ in 1989–1991 and 1 after (as the mean of two participants started
three years apart), on a grid of θ, with all 19 pre-years and with the last 8. `cargo test` reads
the JSON and needs no Python.
"""
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
from diff_diff import SyntheticControl

warnings.simplefilter("ignore")
ROOT = pathlib.Path(__file__).resolve().parents[1]
data = pd.read_csv(ROOT / "fixtures" / "prop99.csv")


def intervals(frame, alpha):
    r = SyntheticControl().fit(frame, outcome="packs", unit="state", time="year", treatment="treated")
    ci = r.conformal_confidence_intervals(alpha=alpha, n_grid=100)
    num = lambda x: float(x) if np.isfinite(x) else None
    return [
        {"year": int(row.period), "estimate": float(row.point_estimate), "lower": num(row.lower),
         "upper": num(row.upper), "status": row.status}
        for row in ci.itertuples()
    ]


def joint(frame, path):
    r = SyntheticControl().fit(frame, outcome="packs", unit="state", time="year", treatment="treated")
    rows = []
    for theta in np.linspace(-60.0, 20.0, 81):
        t = r.conformal_test(effect=theta * np.asarray(path), q=1)
        rows.append({"theta": float(theta), "p_value": float(t["p_value"]), "statistic": float(t["S_observed"]),
                     "permutations": int(t["n_perms"])})
    return rows


POST = 12  # 1989-2000
dose = [0.5] * 3 + [1.0] * (POST - 3)
short = data[data.year >= 1981]
reference = {
    "source": "diff-diff 3.13.0 SyntheticControlResults.conformal_confidence_intervals, n_grid=100, moving_block",
    "all_pre": {"0.1": intervals(data, 0.1), "0.05": intervals(data, 0.05)},
    "eight_pre": {"first_year": 1981, "0.1": intervals(short, 0.1)},
    "joint": {
        "source": "diff-diff 3.13.0 SyntheticControlResults.conformal_test(effect=theta*dose, q=1), moving_block",
        "dose": dose,
        "constant": joint(data, [1.0] * POST),
        "staggered": joint(data, dose),
        "constant_eight_pre": joint(short, [1.0] * POST),
    },
}
out = ROOT / "fixtures" / "conformal_reference.json"
out.write_text(json.dumps(reference, indent=1) + "\n")
print("wrote", out)
