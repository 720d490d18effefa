#!/usr/bin/env bash
# Reproduces the linkage and search figures of the closing notes on generated lists:
#   bench/synth_link.sh [PERSONS] [SEED]      (defaults: 10000 11)
# Generates the lists, imports them into a fresh database in a temporary folder, links them
# (timed, with peak memory) and evaluates against the truth, traps and queries.
set -euo pipefail
persons="${1:-10000}"
seed="${2:-11}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed"
echo "== link ($persons persons, seed $seed; $(nproc) cores)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$athar" --db "$dir/s.db" link
echo "== eval"
"$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" --traps "$dir/lists/traps.csv" --queries "$dir/lists/queries.csv"
