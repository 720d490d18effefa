#!/usr/bin/env bash
# Sanctions lists through `athar search`, names only, as issue 5 asks:
#   bench/sanctions/search.sh [ua|un|all]      (default all)
# ua: OpenSanctions Ukraine, Latin names as records, each Cyrillic alias a query.
# un: UN list (Arabic-script persons, dev half), Latin names as records, Arabic names as queries.
# Reads ../shared/data/sanctions/ (never copied into the repository), imports the records into a
# fresh database in a temporary folder, runs every query with `search --batch --limit 10`
# (no link: each record is its own person, scored by the built-in default model) and prints
# top-1 and top-10 per half (tune/report, as `athar names eval` splits) and per language.
set -euo pipefail
which="${1:-all}"
case "$which" in ua|un) sets="$which" ;; all) sets="ua un" ;;
  *) echo "usage: $0 [ua|un|all]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../.."
cargo build --release -q
athar="$PWD/target/release/athar"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
for set in $sets; do
  d="$dir/$set"
  python3 bench/sanctions/prepare.py "$set" "$d"
  "$athar" --db "$d/s.db" import "$d/records.csv" --source "$set" --id-column source_record_id >/dev/null
  echo "== $set: search --batch (names only)"
  /usr/bin/time -f "  wall %e s, peak RSS %M KiB" "$athar" --db "$d/s.db" search --batch "$d/queries.csv" --limit 10 --json >"$d/results.jsonl"
  python3 bench/sanctions/score.py "$d/queries.csv" "$d/results.jsonl"
done
