#!/usr/bin/env bash
# Search for names written family name first (issue 17's figures): generated lists, linked, and
# their family-style queries searched twice — as generated, and with each name's last word moved
# first ("Ali Muhammad Abdu" → "Abdu Ali Muhammad") — recall@1 and recall@10 of each.
#   bench/synth_family_first.sh [PERSONS] [SEED]      (defaults: 10000 11)
set -euo pipefail
persons="${1:-10000}"
seed="${2:-11}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed"
"$athar" --db "$dir/s.db" link >/dev/null
python3 - "$dir/lists/queries.csv" "$dir/lists/queries_ff.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    for r in rows:
        words = r["name"].split()
        if len(words) >= 2:
            r["name"] = " ".join([words[-1]] + words[:-1])
        w.writerow(r)
PY
for q in queries queries_ff; do
  echo "== $q"
  "$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" --queries "$dir/lists/$q.csv" | grep 'search:'
done
