#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless (nbclient), as CI does: against a fresh run of the
# example study, and a second run with the COVID months included instead of excluded for the
# notebook that compares two runs.
#
#   bash scripts/notebooks.sh [FRIKOMMUNE_BINARY]     (default: target/release/frikommune)
#
# The Python packages come from notebooks/requirements.txt (pinned) into a virtual environment
# outside the clone, made once and remade when the requirements change.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bin="${1:-$target/release/frikommune}"
[ -x "$bin" ] || { echo "no frikommune binary at $bin: run cargo build --release first, or pass its path" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

venv="${FRIKOMMUNE_VENV:-$HOME/.cache/frikommune/notebooks-venv}"
if ! [ -x "$venv/bin/python" ] || ! cmp -s notebooks/requirements.txt "$venv/requirements.txt"; then
  echo "setting up $venv from notebooks/requirements.txt"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r notebooks/requirements.txt
  cp notebooks/requirements.txt "$venv/requirements.txt"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" --quiet run data/study.toml --out "$work/a" --lang da
# Run B: the same study and data with COVID months included.
sed -e "s|\"example/|\"$PWD/data/example/|g" -e 's|^handling = "exclude"|handling = "include"|' \
  data/study.toml > "$work/study-b.toml"
grep -q '^handling = "include"' "$work/study-b.toml"
"$bin" --quiet run "$work/study-b.toml" --out "$work/b" --lang da

FRIKOMMUNE_RUN="$work/a/nordjylland-eksempel" \
FRIKOMMUNE_RUN_B="$work/b/nordjylland-eksempel" \
FRIKOMMUNE_PANEL="$PWD/data/example/panel.csv" \
FRIKOMMUNE_NOTEBOOK_OUT="$work/charts" \
  "$venv/bin/python" notebooks/execute.py "${FRIKOMMUNE_NOTEBOOKS_EXECUTED:-$work/executed}"
