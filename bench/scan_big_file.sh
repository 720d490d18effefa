#!/usr/bin/env bash
# A report of GIGABYTES GB (default 1) read by `athar scan` as a stream (issue 18's bad input):
#   bench/scan_big_file.sh [GIGABYTES]
# The file is ../shared/reports (or any text in REPORTS) repeated, one long run of text; the
# scan's time, its peak memory (GNU time's maximum resident set) and the mentions it found are
# printed. Memory must stay bounded (pieces of 4 MB, the text kept for grouping capped), not
# grow with the file.
set -euo pipefail
gigabytes="${1:-1}"
reports="${REPORTS:-../shared/reports}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
sample="$dir/sample.txt"
cat "$reports"/* > "$sample"
target=$((gigabytes * 1024 * 1024 * 1024))
big="$dir/big.txt"
: > "$big"
# Doubling: a gigabyte in a few seconds.
cp "$sample" "$dir/piece.txt"
while [ "$(stat -c %s "$dir/piece.txt")" -lt $((target / 64)) ]; do
  cat "$dir/piece.txt" "$dir/piece.txt" > "$dir/twice.txt" && mv "$dir/twice.txt" "$dir/piece.txt"
done
while [ "$(stat -c %s "$big")" -lt "$target" ]; do cat "$dir/piece.txt" >> "$big"; done
size=$(stat -c %s "$big")
echo "file: $((size / 1024 / 1024)) MB"
/usr/bin/time -f "scan: %e s, peak memory %M KB" "$athar" scan --json "$big" > "$dir/out.json"
python3 -c "import json,sys; v=json.load(open(sys.argv[1])); print('mentions:', len(v['mentions']), 'problems:', v['problems'])" "$dir/out.json"
