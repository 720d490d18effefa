#!/usr/bin/env bash
# Reproduces the search speed figures of the closing notes on generated lists:
#   bench/synth_search.sh [PERSONS] [SEED] [THREADS]      (defaults: 10000 11 1)
# Generates the lists (about 1.5 records per person), imports them into a fresh database in a
# temporary folder, then runs `athar bench search` with the generator's family-style queries:
# index build time and memory, query latency p50/p99 on THREADS thread(s).
set -euo pipefail
persons="${1:-10000}"
seed="${2:-11}"
threads="${3:-1}"
cd "$(dirname "$0")/.."
cargo build --release -q
athar="$PWD/target/release/athar"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed"
echo "== bench search ($persons persons, seed $seed; $(nproc) cores)"
"$athar" --db "$dir/s.db" bench search --queries "$dir/lists/queries.csv" --threads "$threads"
