"""Reference p-values for frikommune's wild cluster bootstrap, from wildboottest.

Run from the repository root (see make_twfe_fixtures.py for the environment):

    /tmp/refenv/bin/pip install wildboottest statsmodels
    /tmp/refenv/bin/python tests/reference/make_wild_fixtures.py

With 10 clusters and Rademacher weights, 2^10 = 1024 < B, so wildboottest enumerates every sign
vector and the p-value is deterministic: frikommune must match it exactly.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
import wildboottest
from wildboottest.wildboottest import wildboottest as wcb

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures"

rng = np.random.default_rng(5)
rows = []
for i in range(10):
    a = rng.normal(0, 3)
    for t in range(12):
        d = int(i < 3 and t >= 6)
        rows.append((i + 1, t + 1, a + 0.2 * t + 0.8 * d + rng.normal(0, 1 + 0.3 * i), d))
df = pd.DataFrame(rows, columns=["unit", "period", "y", "treat"])
df.to_csv(OUT / "wild_small.csv", index=False, float_format="%.17g")

model = smf.ols("y ~ treat + C(unit) + C(period)", data=df)
out = {"wildboottest_version": getattr(wildboottest, "__version__", "unknown"), "cases": {}}
for null in [0.0]:
    r = wcb(model, B=99999, cluster=df.unit, param="treat", weights_type="rademacher", impose_null=True, seed=1, show=False)
    out["cases"]["rademacher_null0"] = {
        "statistic": float(r["statistic"]["treat"]),
        "p_value": float(r["p-value"]["treat"]),
        "draws": 1024,
        "note": "WCR11, Rademacher, full enumeration, H0: treat = 0",
    }
(OUT / "wild_reference.json").write_text(json.dumps(out, indent=2) + "\n")
print(json.dumps(out, indent=2))
