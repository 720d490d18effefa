#!/usr/bin/env bash
# The web application under load (issue 16's figures), on generated lists:
#   bench/serve_load.sh [PERSONS] [SEED] [RATE] [SECONDS] [MAX_SECONDS]
#   (defaults: 10000 11 300 60 20; 660000 persons make about a million records)
# Imports the lists into a fresh registry in a temporary folder (the audit chain on, as
# always), then `athar bench serve`: the server on loopback with its search limits lifted,
# signed-in sessions sending the generator's family-style searches at RATE a second for
# SECONDS (p50/p99 latency), then as fast as it answers for MAX_SECONDS, beside the library's
# own throughput and the load generator's share of the CPU.
set -euo pipefail
persons="${1:-10000}"
seed="${2:-11}"
rate="${3:-300}"
seconds="${4:-60}"
max_seconds="${5:-20}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed"
echo "== bench serve ($persons persons, seed $seed; $(nproc) cores)"
"$athar" --db "$dir/s.db" bench serve --queries "$dir/lists/queries.csv" --rate "$rate" --seconds "$seconds" \
  --max-seconds "$max_seconds"
