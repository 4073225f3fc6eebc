"""Times pyfixest on the benchmark panels written by `cargo bench --bench estimators -- DIR`.

Usage: python benches/compare.py DIR  → one JSON line per case (median seconds).
"""
import json
import pathlib
import statistics
import sys
import time

import pandas as pd
import pyfixest as pf

REPS = {"twfe_98x132": 20, "twfe_1000x1000": 5, "twfe_1000x1000_unbalanced": 5, "twfe_2000x5000": 3}

d = pathlib.Path(sys.argv[1])
for case, reps in REPS.items():
    df = pd.read_csv(d / f"{case}.csv")
    pf.feols("y ~ treat | unit + period", data=df, vcov={"CRV1": "unit"})  # warm-up (JIT)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fit = pf.feols("y ~ treat | unit + period", data=df, vcov={"CRV1": "unit"})
        fit.se()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"case": case, "seconds": statistics.median(times), "rows": len(df)}))
