#!/usr/bin/env bash
# Reproduces the incremental-link figures of the closing notes on generated lists:
#   bench/synth_incremental.sh [PERSONS] [SEED]      (defaults: 10000 11)
# Imports every generated list but the family inquiries and links (timed); then imports the
# inquiries and links again, incrementally (timed), evaluates; then relinks with --full and
# evaluates again, for comparison.
set -euo pipefail
persons="${1:-10000}"
seed="${2:-11}"
cd "$(dirname "$0")/.."
cargo build --release -q
athar="$PWD/target/release/athar"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed" inquiries
echo "== first link, without the inquiries ($persons persons, seed $seed; $(nproc) cores)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$athar" --db "$dir/s.db" link | tail -n1
"$athar" --db "$dir/s.db" import "$dir/lists/inquiries.csv" --source inquiries --kind inquiry --id-column source_record_id >/dev/null
echo "== incremental link of the inquiries"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$athar" --db "$dir/s.db" link | sed -n '1p;$p'
"$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" | sed -n '2,3p'
echo "== full relink, for comparison"
"$athar" --db "$dir/s.db" link --full | tail -n1
"$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" | sed -n '2,3p'
