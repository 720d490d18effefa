#!/usr/bin/env bash
# Linking lists whose spellings vary more than `athar synth` writes them (issue 17's speed on
# "lists with many spellings"): generated lists, then each name word of four letters or more
# given one random edit (a letter dropped, doubled, swapped with the next, or a vowel changed)
# with probability RATE; imported, linked (timed, with peak memory) and evaluated.
#   bench/synth_spellings.sh [PERSONS] [SEED] [RATE]      (defaults: 200000 7 0.3)
set -euo pipefail
persons="${1:-200000}"
seed="${2:-7}"
rate="${3:-0.3}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
misspelt_lists "$athar" "$dir" "$persons" "$seed" "$rate"
echo "== link ($persons persons, seed $seed, spelling edits $rate; $(nproc) cores)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$athar" --db "$dir/s.db" link
echo "== eval"
"$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" --traps "$dir/lists/traps.csv" | head -12
