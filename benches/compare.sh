#!/usr/bin/env bash
# Times frikommune and the Python anchors on the same data in one run and writes BENCHMARKS.md.
#   bash benches/compare.sh
# Needs Python 3 with pip; pyfixest, wildboottest, statsmodels and csdid are installed into a
# throwaway virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q pyfixest pandas numpy statsmodels wildboottest csdid pysyncon synthdid-py lifelines diff-diff==3.13.0
cargo bench --bench estimators -- "$work/data" > "$work/rust.jsonl"
# The whole example run with a case file of 10⁶ and of 10⁸ cases (register scale, 4.5 GB of CSV):
# wall time and peak resident memory of the process. FRIKOMMUNE_CASES overrides the sizes.
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/frikommune"
mkdir -p "$work/big"
cp -r data/example "$work/big/"
sed "s#^cases = .*#cases = \"$work/big/cases.csv\"#" data/study.toml > "$work/big/study.toml"
for cases in ${FRIKOMMUNE_CASES:-1000000 100000000}; do
  "$bin" simulate "$work/big/study.toml" --cases "$cases" --cases-out "$work/big/cases.csv" > /dev/null
  /usr/bin/time -f "%e %M" -o "$work/big/time" "$bin" run "$work/big/study.toml" --out "$work/big/out" > /dev/null
  read -r secs kb < "$work/big/time"
  label=$(python3 -c "import math; print(f'1e{round(math.log10($cases))}')")
  echo "{\"case\": \"run_example_with_cases_$label\", \"seconds\": $secs, \"rows\": $cases, \"peak_mb\": $((kb / 1024))}" >> "$work/rust.jsonl"
  rm -f "$work/big/cases.csv"
done
# The whole example in both languages: one `run --lang da,en` (estimates, then every chart, the PDF,
# the pixi, HTML and Markdown in Danish, and all of them again in English under en/).
/usr/bin/time -f "%e %M" -o "$work/both" "$bin" run data/study.toml --quiet --lang da,en --out "$work/both-out"
read -r secs kb < "$work/both"
echo "{\"case\": \"example_all_reports_both_languages\", \"seconds\": $secs, \"rows\": 64680, \"peak_mb\": $((kb / 1024))}" >> "$work/rust.jsonl"
# Each anchor in a process of its own: a Python process keeps memory it has freed, so a case's peak
# would otherwise include what the cases before it left behind.
for case in $("$work/venv/bin/python" benches/compare.py "$work/data" --list); do
  "$work/venv/bin/python" benches/compare.py "$work/data" "$case" >> "$work/python.jsonl"
done
versions="$("$work/venv/bin/pip" freeze | grep -iE '^(pyfixest|wildboottest|csdid|pysyncon|synthdid-py|lifelines|diff-diff)==' | tr '\n' ' ')"
python3 - "$work/rust.jsonl" "$work/python.jsonl" "$versions" <<'PY' > BENCHMARKS.md
import json, sys, platform, os
rust = {r["case"]: r for r in map(json.loads, open(sys.argv[1]))}
py = {r["case"]: r for r in map(json.loads, open(sys.argv[2]))}
print("# Benchmarks\n")
print("Medians of repeated runs, frikommune (release build) and the Python anchors (", sys.argv[3].strip(),
      ") on identical data, measured in one run of `bash benches/compare.sh` on",
      f"{os.cpu_count()} cores ({platform.machine()}).\n")
print("| case | rows | frikommune (ms) | Python anchor (ms) | speed-up | peak MB frikommune / anchor |")
print("|---|---:|---:|---:|---:|---:|")
for case, r in sorted(rust.items()):
    p = py.get(case)
    ms = r["seconds"] * 1e3
    peak = ""
    if "peak_mb" in r:
        peak = f"{r['peak_mb']:,.0f} / {p['peak_mb']:,.0f}" if p and "peak_mb" in p else f"{r['peak_mb']:,.0f} / –"
    if p:
        print(f"| {case} | {r['rows']:,} | {ms:.2f} | {p['seconds']*1e3:.2f} | {p['seconds']/r['seconds']:.1f}× | {peak} |")
    else:
        print(f"| {case} | {r['rows']:,} | {ms:.2f} | – | – | {peak} |")
print("""
Peak memory, every case: the process's resident high-water mark (Linux `VmHWM`, reset before the
case) from the warm-up to the last timed run, data already loaded included; for whole runs
(`run_example_*`, `example_all_reports_*`) the peak of the process (`/usr/bin/time`). Each Python
anchor runs in a process of its own, its imports included. frikommune's cases share one process,
which returns each case's memory before the next, but the example study and panel it loads first
(about 100 MB with the other small inputs) stay resident: below about 110 MB, frikommune's figure
is mostly that baseline.

- `twfe_*`: `y ~ treat | unit + period` with CR1 standard errors clustered by unit (pyfixest
  `feols(..., vcov={'CRV1': 'unit'})`, timed including the standard error). Balanced panels use
  frikommune's closed-form two-way demeaning; `_unbalanced` (10 % of cells dropped) iterates on the
  fixed-effect coefficients with Irons–Tuck acceleration. The input columns of `twfe_1000000x10`
  (unit, period, y, treat as 8-byte numbers) are 320 MB.
- `event_98x132`: event study with leads binned at −12 and lags at 24, reference −1 (pyfixest
  `i(rel, ref=-1)`).
- `honest_sd_98x132`: Rambachan–Roth smoothness sensitivity of that event study's post-period
  mean: optimal fixed-length intervals at nine M and the breakdown M (diff-diff 3.13 HonestDiD
  `sensitivity_analysis` with `method="smoothness"` on the same nine M, and its breakdown).
- `wcr_webb_9999_98x132`: wild cluster bootstrap with the null imposed, 9,999 Webb draws, 98
  clusters; frikommune also inverts the test for the confidence interval, the anchor
  (wildboottest on a statsmodels fit with unit and period dummies, fit included) gives the p-value only.
- `ri_exact_4_of_98`: randomization inference over all C(98, 4) = 3,612,280 assignments of 4
  treated municipalities, p-value and interval by test inversion; no Python package does this.
- `synth_w_90x100`: synthetic-control donor weights for a given V, 90 donors and 100 predictors
  (pysyncon's `w_optimize`, SLSQP as shipped; frikommune solves to the exact optimum).
- `synth_fit_90x100`: one whole synthetic control with the predictor-weight search — 90 donors,
  100 pre- and 32 post-periods, predictors the pre-period in 6 blocks and its last period
  (pysyncon `Synth.fit`, Nelder–Mead from equal weights as shipped, one timed run; frikommune runs
  a multi-start search from equal weights and from each predictor weighted up, with the W-given-V
  problem solved exactly by Wolfe's algorithm).
- `synth_placebo_98`: placebo-in-space over a 98-municipality panel (132 months, 100 before the
  start): every municipality in turn gets its own synthetic control with the predictor-weight
  search from the other 97 (target: under 5 s on 2 cores). No Python package does this in one
  call; pysyncon would need 98 `Synth.fit` runs.
- `km_logrank_1e6`: Kaplan–Meier curves with exponential Greenwood intervals for two groups and
  the log-rank test on 10⁶ spells (durations in whole weeks, a fifth censored), from raw spells
  (lifelines `KaplanMeierFitter` twice and `logrank_test`).
- `sdid_prop99`: synthetic difference in differences on Proposition 99, unit and time weights and
  the estimate (synthdid-py, the port of R synthdid).
- `conformal_prop99`: per-period conformal intervals (Chernozhukov–Wüthrich–Zhu) for the 12 post
  years of Proposition 99 at 90 %, a 100-point grid each (diff-diff 3.13
  `conformal_confidence_intervals`; frikommune also probes six points beyond each end, where the
  kept set may continue).
- `cs_mpdta`: Callaway–Sant'Anna ATT(g,t) with analytic influence-function standard errors and
  the simple, group, dynamic and calendar aggregations on mpdta (csdid `bstrap=False`);
  `cs_dr_mpdta` the same doubly robust in the county's log population (`xformla="~lpop"`).
- `run_example_with_cases_1e6`, `_1e8`: `frikommune run` on the example study with a case file of that many
  synthetic cases (`frikommune simulate --cases N`: 70 % JAF spells, 30 % rehabilitation cases
  with LÆ 265 certificates; the file just written, so read from the page cache): everything the
  example run does — panel analyses, charts and documents in both languages — plus the case file streamed once, in
  parallel, into Kaplan–Meier curves, log-rank, Cox and the completed-spell DiD of the JAF spells
  and the certificate savings priced case by case. Target: 10⁸ cases under 60 s and 8 GB.
- `example_all_reports_both_languages`: the whole example from the data to every chart and
  document in Danish and in English (`run --lang da,en`; English under `en/`); target under 10 s
  on 2 cores.
- `example_*`: the example study (98 municipalities × 132 months × 5 outcomes) — reading the
  panel, and designing and estimating all 14 trial × outcome analyses with every method and
  interval the report shows; no Python anchor does this in one call.""")
PY
echo "wrote BENCHMARKS.md"
