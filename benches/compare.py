"""Times the Python anchors on the benchmark data written by `cargo bench --bench estimators -- DIR`.

Usage: python benches/compare.py DIR [CASE]  → one JSON line per case (median seconds; `peak_mb`,
the process's peak resident memory from the warm-up to the last timed run). With CASE only that
case runs; `compare.sh` runs each case in a process of its own, so that no case's peak memory
includes what an earlier one left behind. `--list` prints the case names.

Anchors: pyfixest `feols` (TWFE with CR1, event study), wildboottest on a statsmodels fit with
unit and period dummies (WCR, Webb weights), csdid (Callaway–Sant'Anna on mpdta, analytic SEs and
the four aggregations), diff-diff (imputation and Sun–Abraham on mpdta).
"""
import contextlib
import io
import json
import pathlib
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf

warnings.simplefilter("ignore")
d = pathlib.Path(sys.argv[1])
ROOT = pathlib.Path(__file__).resolve().parents[1]


LAST_PEAK = None


def median_seconds(reps, f):
    """Median seconds over `reps` runs after a warm-up; the peak memory from the warm-up to the
    last run is kept for the next `emit`."""
    global LAST_PEAK
    reset_peak()
    f()  # warm-up (numba JIT, imports)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    LAST_PEAK = peak_mb()
    return statistics.median(times)


def reset_peak():
    try:
        pathlib.Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_mb():
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def emit(case, seconds, rows, peak=None):
    global LAST_PEAK
    peak = LAST_PEAK if peak is None else peak
    LAST_PEAK = None
    out = {"case": case, "seconds": seconds, "rows": rows}
    if peak is not None:
        out["peak_mb"] = round(peak)
    print(json.dumps(out), flush=True)


CASES = {}


def case(fn):
    """Registers a benchmark case under its function's name."""
    CASES[fn.__name__] = fn
    return fn


def twfe(name, reps):
    df = pd.read_csv(d / f"{name}.csv")

    def fit():
        pf.feols("y ~ treat | unit + period", data=df, vcov={"CRV1": "unit"}).se()

    emit(name, median_seconds(reps, fit), len(df))


for name, reps in {"twfe_98x132": 20, "twfe_1000x1000": 5, "twfe_1000x1000_unbalanced": 5,
                   "twfe_2000x5000": 3, "twfe_1000000x10": 3}.items():
    CASES[name] = lambda name=name, reps=reps: twfe(name, reps)


@case
def event_98x132():
    """Event study: leads binned at -12, lags at 24, reference -1, never-treated units at -1."""
    df = pd.read_csv(d / "event_98x132.csv")
    first = df[df.treat == 1].groupby("unit").period.min()
    df["g"] = df.unit.map(first)
    df["rel"] = np.where(df.g.notna(), (df.period - df.g).clip(-12, 24), -1).astype(int)
    emit("event_98x132", median_seconds(20, lambda: pf.feols(
        "y ~ i(rel, ref=-1) | unit + period", data=df, vcov={"CRV1": "unit"}).se()), len(df))


@case
def honest_sd_98x132():
    """Rambachan–Roth smoothness of the event study's post-period mean: diff-diff's HonestDiD
    (fixed-length intervals, folded t with G - 1 df) at nine M and its breakdown M, on pyfixest's
    unbinned coefficients -11..-2 and 0..23 (the fit itself is not timed)."""
    from diff_diff.honest_did import HonestDiD
    from diff_diff.results import MultiPeriodDiDResults, PeriodEffect
    df = pd.read_csv(d / "event_98x132.csv")
    first = df[df.treat == 1].groupby("unit").period.min()
    df["g"] = df.unit.map(first)
    df["rel"] = np.where(df.g.notna(), (df.period - df.g).clip(-12, 24), -1).astype(int)
    fit = pf.feols("y ~ i(rel, ref=-1) | unit + period", data=df, vcov={"CRV1": "unit"})
    names = list(fit.coef().index)
    times = [int(float(n.split("::")[-1].rstrip("]"))) for n in names]
    b, v = fit.coef().to_numpy(), fit._vcov
    pre, post = list(range(-11, -1)), list(range(0, 24))
    index = {t: times.index(t) for t in pre + post}
    effects = {t: PeriodEffect(period=t, effect=float(b[index[t]]), se=float(np.sqrt(v[index[t], index[t]])),
                               t_stat=0.0, p_value=1.0, conf_int=(0.0, 0.0)) for t in pre + post}
    g = df.unit.nunique()
    results = MultiPeriodDiDResults(
        period_effects=effects, avg_att=0.0, avg_se=1.0, avg_t_stat=0.0, avg_p_value=1.0,
        avg_conf_int=(0.0, 0.0), n_obs=len(df), n_treated=int(first.size), n_control=g - int(first.size),
        pre_periods=pre + [-1], post_periods=post, vcov=v, interaction_indices=index, reference_period=-1,
        n_clusters=g)
    results.df_inference = float(g - 1)
    path = np.append(b[[index[t] for t in pre]], 0.0)
    reach = 0.1 * float(np.max(np.abs(np.diff(path, 2))))
    honest = HonestDiD(method="smoothness", alpha=0.05, l_vec=np.ones(len(post)) / len(post))
    emit("honest_sd_98x132", median_seconds(3, lambda: honest.sensitivity_analysis(
        results, M_grid=list(np.linspace(0, reach, 9)))), len(df))


@case
def wcr_webb_9999_98x132():
    """Wild cluster bootstrap, null imposed, 9,999 Webb draws, 98 clusters."""
    import statsmodels.formula.api as smf
    from wildboottest.wildboottest import wildboottest

    df = pd.read_csv(d / "wcr_webb_9999_98x132.csv")

    def wcr():
        model = smf.ols("y ~ treat + C(unit) + C(period)", data=df)
        with contextlib.redirect_stdout(io.StringIO()):
            wildboottest(model, param="treat", cluster=df.unit, B=9999, weights_type="webb", seed=1)

    emit("wcr_webb_9999_98x132", median_seconds(3, wcr), len(df))


@case
def cs_mpdta():
    """Callaway–Sant'Anna on mpdta: ATT(g,t) with analytic SEs and the four aggregations."""
    from csdid.att_gt import ATTgt

    mp = pd.read_csv(ROOT / "tests" / "fixtures" / "mpdta.csv")

    def cs():
        with contextlib.redirect_stdout(io.StringIO()):
            m = ATTgt(yname="lemp", tname="year", idname="countyreal", gname="first.treat",
                      data=mp.copy(), control_group="nevertreated").fit(est_method="dr", bstrap=False)
            for kind in ["simple", "group", "dynamic", "calendar"]:
                m.aggte(typec=kind, bstrap=False, cband=False)

    emit("cs_mpdta", median_seconds(5, cs), len(mp))


@case
def cs_dr_mpdta():
    """The same, doubly robust in the county's log population (drdid_panel per cell)."""
    from csdid.att_gt import ATTgt

    mp = pd.read_csv(ROOT / "tests" / "fixtures" / "mpdta.csv")

    def cs():
        with contextlib.redirect_stdout(io.StringIO()):
            m = ATTgt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", xformla="~lpop",
                      data=mp.copy(), control_group="nevertreated").fit(est_method="dr", bstrap=False)
            for kind in ["simple", "group", "dynamic", "calendar"]:
                m.aggte(typec=kind, bstrap=False, cband=False)

    emit("cs_dr_mpdta", median_seconds(5, cs), len(mp))


@case
def bjs_mpdta():
    """Borusyak–Jaravel–Spiess imputation on mpdta: overall effect and the event study."""
    from diff_diff import ImputationDiD

    mp = pd.read_csv(ROOT / "tests" / "fixtures" / "mpdta.csv").rename(columns={"first.treat": "g"})

    def bjs():
        ImputationDiD().fit(mp, outcome="lemp", unit="countyreal", time="year", first_treat="g",
                            aggregate="event_study")

    emit("bjs_mpdta", median_seconds(5, bjs), len(mp))


@case
def sunab_mpdta():
    """Sun–Abraham on mpdta: cohort × event-time regression, CR1 by county, aggregated."""
    from diff_diff import SunAbraham

    mp = pd.read_csv(ROOT / "tests" / "fixtures" / "mpdta.csv").rename(columns={"first.treat": "g"})

    def sa():
        SunAbraham().fit(mp, outcome="lemp", unit="countyreal", time="year", first_treat="g")

    emit("sunab_mpdta", median_seconds(5, sa), len(mp))


@case
def synth_w_90x100():
    """Synthetic control weights for given V (pysyncon, SLSQP as shipped), 90 donors x 100 predictors."""
    from pysyncon.base import VanillaOptimMixin

    sw = pd.read_csv(d / "synth_w_90x100.csv").pivot(index="t", columns="unit", values="value").to_numpy()
    x0, x1 = sw[:, :90], sw[:, 90]
    emit("synth_w_90x100", median_seconds(5, lambda: VanillaOptimMixin.w_optimize(np.eye(100), x0, x1)), 9100)


@case
def conformal_prop99():
    """Per-period conformal intervals on Proposition 99 (diff-diff 3.13, 12 post years, 90 %)."""
    from diff_diff import SyntheticControl

    data = pd.read_csv(ROOT / "tests" / "fixtures" / "prop99.csv")
    r = SyntheticControl().fit(data, outcome="packs", unit="state", time="year", treatment="treated")
    emit("conformal_prop99", median_seconds(3, lambda: r.conformal_confidence_intervals(alpha=0.1, n_grid=100)),
         len(data))


@case
def sdid_prop99():
    """SDID on Proposition 99 (synthdid-py, the port of R synthdid)."""
    from synthdid import load_california_prop99, panel_matrices, synthdid_estimate

    setup = panel_matrices(load_california_prop99())
    Yp = np.asarray(setup.Y, dtype=float)
    emit("sdid_prop99", median_seconds(5, lambda: synthdid_estimate(Yp, int(setup.N0), int(setup.T0))), Yp.size)


@case
def synth_fit_90x100():
    """The whole synthetic control with the predictor-weight search (pysyncon Synth.fit, Nelder-Mead
    from equal weights as shipped): one treated unit, 90 donors, 100 pre- and 32 post-periods,
    predictors as frikommune's `blocks:6,last`. One timed run: each takes tens of seconds."""
    from pysyncon import Synth

    sf = pd.read_csv(d / "synth_fit_90x100.csv").pivot(index="t", columns="unit", values="value")
    pre = sf.iloc[:100]
    blocks = [pre.iloc[i * 100 // 6:(i + 1) * 100 // 6].mean() for i in range(6)] + [pre.iloc[99]]
    X = pd.concat(blocks, axis=1).T
    X.index = [f"p{i}" for i in range(7)]
    donors_f = [c for c in sf.columns if c != 0]
    reset_peak()
    start = time.perf_counter()
    Synth().fit(X0=X[donors_f], X1=X[0], Z0=pre[donors_f], Z1=pre[0])
    emit("synth_fit_90x100", time.perf_counter() - start, sf.size, peak_mb())


@case
def km_logrank_1e6():
    """Kaplan-Meier per group and the log-rank test on 10^6 spells (lifelines)."""
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    km = pd.read_csv(d / "km_logrank_1e6.csv")

    def km_logrank():
        a, b = km[km.group == 0], km[km.group == 1]
        KaplanMeierFitter().fit(a["duration"], a["event"])
        KaplanMeierFitter().fit(b["duration"], b["event"])
        logrank_test(a["duration"], b["duration"], a["event"], b["event"])

    emit("km_logrank_1e6", median_seconds(3, km_logrank), len(km))


wanted = sys.argv[2] if len(sys.argv) > 2 else None
if wanted == "--list":
    print("\n".join(CASES))
elif wanted:
    CASES[wanted]()
else:
    for run in CASES.values():
        run()
