#!/usr/bin/env bash
# Reproduces the incremental-link figures of the closing notes on generated lists:
#   bench/synth_incremental.sh [PERSONS] [SEED] [ROWS]      (defaults: 10000 11, all rows)
# Imports every generated list but the family inquiries and links (timed); then imports the
# inquiries and links again, incrementally (timed), evaluates; then relinks with --full and
# evaluates again, for comparison. With ROWS, only the first ROWS inquiries are imported and
# only the timings are printed (660000 13 1000: a 1,000-record list into a registry of 906,132
# records, from a cold process).
set -euo pipefail
persons="${1:-10000}"
seed="${2:-11}"
rows="${3:-}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed" inquiries
later="$dir/lists/inquiries.csv"
if [ -n "$rows" ]; then head -n "$((rows + 1))" "$later" >"$dir/later.csv"; later="$dir/later.csv"; fi
echo "== first link, without the inquiries ($persons persons, seed $seed; $(nproc) cores)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$athar" --db "$dir/s.db" link | grep -E 'persons \(|time:'
"$athar" --db "$dir/s.db" import "$later" --source inquiries --kind inquiry --id-column source_record_id >/dev/null
echo "== incremental link of the inquiries"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$athar" --db "$dir/s.db" link | sed -n '1p;/persons (/p;/time:/p'
[ -z "$rows" ] || exit 0
"$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" | sed -n '2,3p'
echo "== full relink, for comparison"
"$athar" --db "$dir/s.db" link --full | tail -n1
"$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" | sed -n '2,3p'
