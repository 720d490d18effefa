#!/usr/bin/env bash
# How often a search by the name alone says it is ambiguous (issue 17): generated lists (with
# RATE, each name word of four letters or more misspelt with that probability, as
# bench/synth_spellings.sh does), linked, then `athar eval --queries` with the generator's
# queries stripped to the name (father, mother, birth year and place emptied), the first
# QUERIES of them. Prints the recall and the "said ambiguous" line: misses at 10 said
# ambiguous, and persons first yet said ambiguous.
#   bench/synth_name_only.sh [PERSONS] [SEED] [QUERIES] [RATE]   (defaults: 100000 7 3000 0)
set -euo pipefail
persons="${1:-100000}"
seed="${2:-7}"
queries="${3:-3000}"
rate="${4:-0}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
misspelt_lists "$athar" "$dir" "$persons" "$seed" "$rate"
"$athar" --db "$dir/s.db" link >/dev/null
python3 - "$dir/lists/queries.csv" "$dir/names.csv" "$queries" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))[: int(sys.argv[3])]
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=rows[0].keys())
    w.writeheader()
    for r in rows:
        w.writerow({**r, "father": "", "mother": "", "born": "", "place": ""})
PY
echo "== name-only search ($persons persons, seed $seed, spelling edits $rate, the first $queries queries)"
"$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" --queries "$dir/names.csv" |
  grep -E "search:|not in the first ten|said ambiguous"
