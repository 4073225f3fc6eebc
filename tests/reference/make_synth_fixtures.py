"""Reference numbers for frikommune's synthetic-control weights (the W-given-V problem), from pysyncon.

Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install pysyncon synthdid-py pandas numpy scipy
    /tmp/refenv/bin/python tests/reference/make_synth_fixtures.py

California's Proposition 99 (Abadie, Diamond and Hainmueller 2010; the panel ships with the
synthdid-py package) is written to tests/fixtures/prop99.csv. For two predictor sets and V
matrices, pysyncon's `w_optimize` (SLSQP with a tight tolerance) gives the donor weights. SLSQP
stops about 1e-6 short of the optimum in the weights, so where the optimum is unique (fit error
above zero) the weights are also polished on pysyncon's support by solving the KKT system with
numpy, and the KKT conditions are checked; both sets go to tests/fixtures/synth_reference.json.
"""
import json
import pathlib

import numpy as np
import pandas as pd
import synthdid
from pysyncon.base import VanillaOptimMixin

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
data = pd.read_csv(pathlib.Path(synthdid.__file__).parent / "data" / "california_prop99.csv", sep=";")
data = data.rename(columns={"State": "state", "Year": "year", "PacksPerCapita": "packs"})
data[["state", "year", "packs", "treated"]].to_csv(OUT / "prop99.csv", index=False, float_format="%.17g")

wide = data.pivot(index="state", columns="year", values="packs")
donors = [s for s in wide.index if s != "California"]


def predictors(years, average):
    rows = [wide[y] for y in years]
    if average:
        rows.append(wide[list(range(1970, 1989))].mean(axis=1))
    m = pd.concat(rows, axis=1)
    return m.loc["California"].to_numpy(), m.loc[donors].to_numpy().T


cases = []
for name, years, average in [("three_years", [1975, 1980, 1988], False), ("years_and_mean", [1970, 1979, 1985, 1988], True)]:
    x1, x0 = predictors(years, average)
    k = len(x1)
    for vname, v in [("identity", np.eye(k)), ("inverse_variance", np.diag(1 / x0.var(axis=1)))]:
        w, loss = VanillaOptimMixin.w_optimize(v, x0, x1, qp_options={"maxiter": 10000, "ftol": 1e-15})
        fit = float((x1 - x0 @ w) @ v @ (x1 - x0 @ w))
        exact = None
        if fit > 1e-6:
            support = np.where(w > 1e-6)[0]
            P, q = x0.T @ v @ x0, x0.T @ v @ x1
            s = len(support)
            A = np.block([[2 * P[np.ix_(support, support)], np.ones((s, 1))], [np.ones((1, s)), np.zeros((1, 1))]])
            sol = np.linalg.solve(A, np.r_[2 * q[support], 1.0])
            polished = np.zeros(len(w))
            polished[support] = sol[:-1]
            off = [j for j in range(len(w)) if j not in support]
            assert (sol[:-1] > 0).all() and (2 * (P @ polished - q) + sol[-1])[off].min() > -1e-9, "KKT"
            exact = dict(zip(donors, map(float, polished)))
        cases.append({
            "name": f"{name}_{vname}",
            "x1": x1.tolist(),
            "x0": x0.tolist(),
            "v": np.diag(v).tolist(),
            "weights": dict(zip(donors, map(float, w))),
            "weights_exact": exact,
            # pysyncon's objective ½wᵀPw − qᵀw; the fit error (X1−X0w)ᵀV(X1−X0w) = 2·loss + X1ᵀVX1.
            "loss": float(loss),
            "fit": fit,
        })
# The full synthetic control with the predictor-weight search (pysyncon's Synth.fit: predictors
# scaled by their standard deviation over all states, V by Nelder-Mead over the pre-period MSPE
# of the outcome). Predictors as frikommune builds them from `blocks:4,last`: the means of the
# pre-period years in 4 blocks [i*19//4, (i+1)*19//4) and the last pre-period year. The search
# is not convex, so the Rust test asks for a loss at least as low as pysyncon's best start. The
# scaled predictors are written too (the Rust predictors must equal them), and with pysyncon's V
# the W-given-V fit (SLSQP, inexact) bounds frikommune's exact one from above. The outcome loss
# with a fixed V is not compared: near the donors' hull W is nearly non-unique and SLSQP's
# stopping point moves the outcome loss by a few per cent.
from pysyncon import Synth

pre_years = list(range(1970, 1989))
blocks = [pre_years[i * 19 // 4:(i + 1) * 19 // 4] for i in range(4)]
rows = [wide[b].mean(axis=1) for b in blocks] + [wide[1988]]
X = pd.concat(rows, axis=1).T
X.index = [f"block{i}" for i in range(5)]
Z = wide[pre_years].T
# pysyncon's own scaling inside Synth.fit: each predictor row divided by its standard deviation
# over all states.
X_scaled = X.divide(X.std(axis=1), axis=0)
x_scaled = {"treated": X_scaled["California"].tolist(), "donors": X_scaled[donors].to_numpy().T.tolist()}
search = []
for start in ["equal", "ols"]:
    synth = Synth()
    synth.fit(X0=X[donors], X1=X["California"], Z0=Z[donors], Z1=Z["California"], optim_initial=start,
              optim_options={"maxiter": 1000})
    w = np.asarray(synth.W, dtype=float)
    r = X_scaled["California"].to_numpy() - X_scaled[donors].to_numpy() @ w
    search.append({"start": start, "loss_v": float(synth.loss_V), "v": [float(x) for x in synth.V],
                   "w_fit": float(r @ np.diag(synth.V) @ r), "weights": dict(zip(donors, map(float, w)))})
(OUT / "synth_reference.json").write_text(json.dumps({"source": "pysyncon VanillaOptimMixin.w_optimize and Synth.fit", "donors": donors, "cases": cases, "x_scaled": x_scaled, "search": search}, indent=1) + "\n")
print("wrote", OUT / "synth_reference.json")
