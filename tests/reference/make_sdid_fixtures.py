"""Reference numbers for frikommune's synthetic difference in differences, from synthdid-py.

Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install synthdid-py pandas numpy
    /tmp/refenv/bin/python tests/reference/make_sdid_fixtures.py

synthdid-py ports R synthdid line by line (Frank–Wolfe with the same stopping rules and
sparsification). On California's Proposition 99 (tests/fixtures/prop99.csv, written by
make_synth_fixtures.py) it gives the SDID, SC and DiD estimates with their unit weights (omega)
and time weights (lambda), and the SDID placebo standard error from 2000 replications, written to
tests/fixtures/sdid_reference.json.
"""
import json
import pathlib

import numpy as np
from synthdid import did_estimate, load_california_prop99, panel_matrices, sc_estimate, synthdid_estimate, vcov

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
setup = panel_matrices(load_california_prop99())
Y, N0, T0 = np.asarray(setup.Y, dtype=float), int(setup.N0), int(setup.T0)
out = {"source": "synthdid-py (port of R synthdid)", "N0": N0, "T0": T0, "Y": Y.tolist()}
for name, f in [("sdid", synthdid_estimate), ("sc", sc_estimate), ("did", did_estimate)]:
    est = f(Y, N0, T0)
    w = est.weights
    out[name] = {
        "estimate": float(est),
        "omega": np.asarray(w.omega, dtype=float).tolist(),
        "lambda": np.asarray(w.lambda_, dtype=float).tolist(),
    }
# Placebo standard error (R synthdid's vcov(method = "placebo")): random by nature, so a long
# run of 2000 replications; the Rust test compares within the Monte Carlo error.
est = synthdid_estimate(Y, N0, T0)
placebo_se = float(np.sqrt(vcov(est, method="placebo", replications=2000, random_state=np.random.RandomState(1))[0, 0]))
out["sdid"]["placebo_se"] = placebo_se
out["sdid"]["placebo_replications"] = 2000
(OUT / "sdid_reference.json").write_text(json.dumps(out) + "\n")
print({k: out[k]["estimate"] for k in ["sdid", "sc", "did"]}, placebo_se)
