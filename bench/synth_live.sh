#!/usr/bin/env bash
# The live search index of the registry library, on generated lists:
#   bench/synth_live.sh [PERSONS] [SEED] [ROWS]      (defaults: 10000 11 1000)
# Imports every generated list but the family inquiries and links them (the registry); then
# `athar bench live` holds the search index over it, imports ROWS inquiries and links them
# through the registry (the index follows in place), and adds inquiries against the held index.
# 730000 13 1000: a 1,000-record list into a registry of about a million records.
set -euo pipefail
persons="${1:-10000}"
seed="${2:-11}"
rows="${3:-1000}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed" inquiries
head -n "$((rows + 1))" "$dir/lists/inquiries.csv" >"$dir/later.csv"
"$athar" --db "$dir/s.db" link >/dev/null
echo "== $persons persons, seed $seed: $("$athar" --db "$dir/s.db" stats --json | sed 's/.*"records":\([0-9]*\).*/\1/') records; $(nproc) cores"
"$athar" --db "$dir/s.db" bench live --list "$dir/later.csv"
