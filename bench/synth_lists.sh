#!/usr/bin/env bash
# Shared by the bench scripts: generates lists for PERSONS persons with SEED into DIR/lists and
# imports them into DIR/s.db with ATHAR (the built binary). LATER, if given, names lists to
# leave out (space-separated, e.g. "inquiries"), for a script that imports them later.
#   bench/synth_lists.sh ATHAR DIR PERSONS SEED [LATER]
set -euo pipefail
athar="$1"; dir="$2"; persons="$3"; seed="$4"; later="${5:-}"
. "$(dirname "$0")/common.sh"
# The list of files written is not shown; an error is.
if ! said="$("$athar" synth --persons "$persons" --seed "$seed" --out "$dir/lists" 2>&1)"; then
  echo "$said" >&2
  exit 1
fi
for name in $LISTS; do
  case " $later " in *" $name "*) continue ;; esac
  import_list "$athar" "$dir/s.db" "$dir" "$name" >/dev/null
done
