#!/usr/bin/env bash
# Reproduces the search speed figures of the closing notes on generated lists:
#   bench/synth_search.sh [PERSONS] [SEED] [THREADS] [QUERIES]      (defaults: 10000 11 1 all)
# Generates the lists (about 1.5 records per person), imports them into a fresh database in a
# temporary folder, then runs `athar bench search` with the generator's family-style queries:
# index build time and memory, query latency p50/p99 on THREADS thread(s), over the first
# QUERIES queries (all by default; 660000 persons make 1M records and 66,000 queries).
set -euo pipefail
persons="${1:-10000}"
seed="${2:-11}"
threads="${3:-1}"
queries="${4:-}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed"
q="$dir/lists/queries.csv"
if [ -n "$queries" ]; then head -n "$((queries + 1))" "$q" >"$dir/q.csv"; q="$dir/q.csv"; fi
echo "== bench search ($persons persons, seed $seed; $(nproc) cores)"
"$athar" --db "$dir/s.db" bench search --queries "$q" --threads "$threads"
