#!/usr/bin/env bash
# Shared by the bench scripts: generates lists for PERSONS persons with SEED into DIR/lists and
# imports them into DIR/s.db with ATHAR (the built binary).
#   bench/synth_lists.sh ATHAR DIR PERSONS SEED
set -euo pipefail
athar="$1"; dir="$2"; persons="$3"; seed="$4"
"$athar" synth --persons "$persons" --seed "$seed" --out "$dir/lists" 2>/dev/null
for spec in register_ar:register ngo_en:ngo-list ngo_fr:ngo-list ua_register:register ua_list:ngo-list inquiries:inquiry; do
  name="${spec%%:*}"; kind="${spec##*:}"
  "$athar" --db "$dir/s.db" import "$dir/lists/$name.csv" --source "$name" --kind "$kind" --id-column source_record_id >/dev/null
done
