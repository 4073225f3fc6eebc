#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600), two at a time, and prints a line per target:
# its executions, coverage and whether it crashed. Needs nightly and cargo-fuzz (see README.md).
#   bash fuzz/run_all.sh [SECONDS]
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
flags=(-O -a -s none)
[[ -n "${FUZZ_TARGET_DIR:-}" ]] && flags+=(--target-dir "$FUZZ_TARGET_DIR")
cargo +nightly fuzz build "${flags[@]}" || exit 1
mkdir -p logs
# Seed each corpus with the project's own inputs: the example study, the fixtures and the
# hostile catalogue.
seed() {
    local target="$1"
    shift
    mkdir -p "corpus/$target"
    for f in "$@"; do [[ -f "$f" ]] && cp -n "$f" "corpus/$target/" 2>/dev/null; done
    return 0
}
hostile=../tests/hostile/files
seed study ../data/study.toml "$hostile"/study_*
seed panel "$hostile"/panel_*
seed cases "$hostile"/cases_*
seed source "$hostile"/source_*.csv
seed table "$hostile"/source_*.csv "$hostile"/panel_*
seed json "$hostile"/source_json_*
seed workbook ../tests/fixtures/sources/*.xlsx "$hostile"/source_*.xlsx
run() {
    local target="$1"
    cargo +nightly fuzz run "${flags[@]}" "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
        -max_len=65536 > "logs/$target.log" 2>&1
    local code=$?
    local last
    last="$(grep -E '^#[0-9]+' "logs/$target.log" | tail -1)"
    if [[ $code -eq 0 ]]; then
        echo "$target: ok — $last"
    else
        echo "$target: FAILED (exit $code) — see fuzz/logs/$target.log and fuzz/artifacts/$target/"
    fi
}
targets=($(cargo +nightly fuzz list))
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" &
    if ((i + 1 < ${#targets[@]})); then run "${targets[i + 1]}" & fi
    wait
done
