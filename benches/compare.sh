#!/usr/bin/env bash
# Times frikommune and pyfixest on the same data in one run and writes BENCHMARKS.md.
#   bash benches/compare.sh
# Needs Python 3 with pip; pyfixest is installed into a throwaway virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q pyfixest pandas numpy
cargo bench --bench estimators -- "$work/data" > "$work/rust.jsonl"
"$work/venv/bin/python" benches/compare.py "$work/data" > "$work/python.jsonl"
pyfixest_version="$("$work/venv/bin/python" -c 'import pyfixest; print(pyfixest.__version__)')"
python3 - "$work/rust.jsonl" "$work/python.jsonl" "$pyfixest_version" <<'PY' > BENCHMARKS.md
import json, sys, platform, os
rust = {r["case"]: r for r in map(json.loads, open(sys.argv[1]))}
py = {r["case"]: r for r in map(json.loads, open(sys.argv[2]))}
print("# Benchmarks\n")
print("Medians of repeated runs, frikommune (release build) and pyfixest", sys.argv[3],
      "on identical data, measured in one run of `bash benches/compare.sh` on",
      f"{os.cpu_count()} cores ({platform.machine()}).\n")
print("| case | rows | frikommune (ms) | pyfixest (ms) | speed-up |")
print("|---|---:|---:|---:|---:|")
for case, r in sorted(rust.items()):
    p = py.get(case)
    ms = r["seconds"] * 1e3
    if p:
        print(f"| {case} | {r['rows']:,} | {ms:.2f} | {p['seconds']*1e3:.2f} | {p['seconds']/r['seconds']:.1f}× |")
    else:
        print(f"| {case} | {r['rows']:,} | {ms:.2f} | – | – |")
print("\nTWFE cases: `y ~ treat | unit + period` with CR1 standard errors clustered by unit (pyfixest",
      "`feols(..., vcov={'CRV1': 'unit'})`, timed including the standard error). Balanced panels use",
      "frikommune's closed-form two-way demeaning; `_unbalanced` (10 % of cells dropped) uses alternating",
      "projections, as pyfixest always does. `example_*`: the example",
      "study (98 municipalities × 132 months × 5 outcomes) — reading the panel, and designing and",
      "estimating all 14 trial × outcome analyses: 2×2 with CR1 and randomization inference (exact over",
      "2.2 million assignments where there are 4 treated, else 9,999 draws), TWFE with CR1 and the wild",
      "cluster bootstrap (9,999 Webb draws), every interval by test inversion; no Python anchor does this in one call.")
PY
echo "wrote BENCHMARKS.md"
