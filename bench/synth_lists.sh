#!/usr/bin/env bash
# Shared by the bench scripts: generates lists for PERSONS persons with SEED into DIR/lists and
# imports them into DIR/s.db with ATHAR (the built binary). LATER, if given, names lists to
# leave out (space-separated, e.g. "inquiries"), for a script that imports them later.
#   bench/synth_lists.sh ATHAR DIR PERSONS SEED [LATER]
set -euo pipefail
athar="$1"; dir="$2"; persons="$3"; seed="$4"; later="${5:-}"
kind_of() {
  case "$1" in register_ar|ua_register) echo register ;; ngo_en|ngo_fr|ua_list) echo ngo-list ;; inquiries) echo inquiry ;; esac
}
import_list() {
  "$athar" --db "$dir/s.db" import "$dir/lists/$1.csv" --source "$1" --kind "$(kind_of "$1")" --id-column source_record_id >/dev/null
}
"$athar" synth --persons "$persons" --seed "$seed" --out "$dir/lists" 2>/dev/null
for name in register_ar ngo_en ngo_fr ua_register ua_list inquiries; do
  case " $later " in *" $name "*) continue ;; esac
  import_list "$name"
done
