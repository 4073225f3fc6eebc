"""Reference numbers for frikommune's Kaplan-Meier curves, medians, restricted means and log-rank
tests, from lifelines.

Run from the repository root:

    python -m venv /tmp/refenv && /tmp/refenv/bin/pip install lifelines pandas numpy
    /tmp/refenv/bin/python tests/reference/make_survival_fixtures.py

Data: lifelines' `waltons` (163 flies in two groups, many tied durations) and `rossi` (432
released prisoners followed 52 weeks, most censored), written to tests/fixtures/waltons.csv and
tests/fixtures/rossi.csv. For each group: the Kaplan-Meier curve with its 95 % exponential
Greenwood interval, the median and its interval (lifelines' median_survival_times of the curve and
of the interval's curves) and the restricted mean up to a horizon; the two-group log-rank test on
waltons and the four-group one on rossi (fin x wexp); Cox regressions (Efron ties) on rossi with
model-based standard errors and on a simulated clustered data set (tests/fixtures/cox_clustered.csv)
with cluster-robust ones. Written to tests/fixtures/survival_reference.json.
"""
import json
import pathlib

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_rossi, load_waltons
from lifelines.statistics import logrank_test, multivariate_logrank_test
from lifelines.utils import median_survival_times, restricted_mean_survival_time

OUT = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
waltons = load_waltons()
rossi = load_rossi()
rossi["group"] = "fin" + rossi["fin"].astype(str) + "_wexp" + rossi["wexp"].astype(str)
waltons.to_csv(OUT / "waltons.csv", index=False)
rossi[["week", "arrest", "fin", "wexp", "group"]].to_csv(OUT / "rossi.csv", index=False)


def curve(durations, events, horizon):
    kmf = KaplanMeierFitter().fit(durations, events, alpha=0.05)
    ci = kmf.confidence_interval_
    med_ci = median_survival_times(ci)
    finite = lambda x: None if not np.isfinite(x) else float(x)
    return {
        "n": int(len(durations)),
        "time": [float(t) for t in kmf.timeline],
        "at_risk": [int(x) for x in kmf.event_table["at_risk"]],
        "survival": [float(s) for s in kmf.survival_function_.iloc[:, 0]],
        "ci_low": [float(s) for s in ci.iloc[:, 0]],
        "ci_high": [float(s) for s in ci.iloc[:, 1]],
        "median": finite(kmf.median_survival_time_),
        "median_ci_low": finite(med_ci.iloc[0, 0]),
        "median_ci_high": finite(med_ci.iloc[0, 1]),
        "horizon": horizon,
        "restricted_mean": float(restricted_mean_survival_time(kmf, t=horizon)),
    }


out = {"source": "lifelines", "waltons": {}, "rossi": {}}
for g, d in waltons.groupby("group"):
    out["waltons"][g] = curve(d["T"], d["E"], 60.0)
for g, d in rossi.groupby("group"):
    out["rossi"][g] = curve(d["week"], d["arrest"], 52.0)
lr = logrank_test(*[d["T"] for _, d in waltons.groupby("group")],
                  event_observed_A=waltons[waltons.group == "control"]["E"],
                  event_observed_B=waltons[waltons.group == "miR-137"]["E"])
out["waltons_logrank"] = {"stat": float(lr.test_statistic), "df": 1, "p_value": float(lr.p_value)}
mlr = multivariate_logrank_test(rossi["week"], rossi["group"], rossi["arrest"])
out["rossi_logrank"] = {"stat": float(mlr.test_statistic), "df": int(mlr.degrees_of_freedom), "p_value": float(mlr.p_value)}
# Cox proportional hazards (Efron ties, lifelines' default): rossi with model-based standard
# errors, and a simulated data set without ties, clustered in 25 groups, with lifelines'
# cluster-robust (Lin-Wei sandwich) standard errors. Without ties lifelines' score residuals
# are the textbook ones, so the comparison does not depend on how ties are ordered.
from lifelines import CoxPHFitter

covariates = ["fin", "age", "prio", "wexp"]
load_rossi()[["week", "arrest"] + covariates].to_csv(OUT / "rossi_cox.csv", index=False)
cph = CoxPHFitter().fit(load_rossi()[["week", "arrest"] + covariates], "week", "arrest")
out["cox_rossi"] = {"covariates": covariates, "beta": cph.params_.tolist(), "se": cph.standard_errors_.tolist(),
                    "p_value": cph.summary["p"].tolist(), "log_likelihood": float(cph.log_likelihood_)}
rng = np.random.default_rng(7)
n = 400
cl = rng.integers(0, 25, n)
u = rng.normal(0, 0.5, 25)[cl]
x1 = rng.normal(size=n)
x2 = (rng.uniform(size=n) < 0.4).astype(float)
t = rng.exponential(1 / np.exp(0.5 * x1 - 0.7 * x2 + u))
c = rng.exponential(2.0, n)
sim = pd.DataFrame({"T": np.minimum(t, c), "E": (t <= c).astype(int), "x1": x1, "x2": x2, "cl": cl})
assert sim["T"].is_unique
sim.to_csv(OUT / "cox_clustered.csv", index=False, float_format="%.17g")
cph = CoxPHFitter().fit(sim, "T", "E", cluster_col="cl")
out["cox_clustered"] = {"covariates": ["x1", "x2"], "beta": cph.params_.tolist(), "se": cph.standard_errors_.tolist(),
                        "p_value": cph.summary["p"].tolist(), "log_likelihood": float(cph.log_likelihood_)}
(OUT / "survival_reference.json").write_text(json.dumps(out) + "\n")
print("waltons log-rank", out["waltons_logrank"], "rossi log-rank", out["rossi_logrank"])
