#!/usr/bin/env bash
# What the disappearance and the family's registry add (issue 17's figures): the same generated
# lists imported three times — with every column; without the columns added in session 16 (place
# of arrest, civil registry, alias, son's name: `--map COLUMN=-`); without any column of the
# disappearance either (dates, facilities) — each linked, then evaluated against the truth.
#   bench/synth_disappearance.sh [PERSONS] [SEED]      (defaults: 10000 7)
set -euo pipefail
persons="${1:-10000}"
seed="${2:-7}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
"$athar" synth --persons "$persons" --seed "$seed" --out "$dir/lists" 2>/dev/null
family='place of arrest|lieu d'"'"'arrestation|місце зникнення|محل ورقم القيد|alias|registry number|son'"'"'s name'
event='تاريخ الاحتجاز|مكان الاحتجاز|date of arrest|detaining authority|date d'"'"'arrestation|lieu de détention|дата зникнення|місце утримання|date of disappearance|last known facility|branch'
for mode in every without_family without_any; do
  for name in $LISTS; do
    maps=()
    IFS=',' read -ra headers < <(head -1 "$dir/lists/$name.csv")
    for h in "${headers[@]}"; do
      if [ "$mode" != every ] && [[ "$h" =~ ^($family)$ ]]; then maps+=(--map "$h=-"); fi
      if [ "$mode" = without_any ] && [[ "$h" =~ ^($event)$ ]]; then maps+=(--map "$h=-"); fi
    done
    import_list "$athar" "$dir/$mode.db" "$dir" "$name" "${maps[@]}" >/dev/null
  done
  echo "== $mode"
  TIMEFORMAT='  link %R s'
  time "$athar" --db "$dir/$mode.db" link >/dev/null
  "$athar" --db "$dir/$mode.db" eval --truth "$dir/lists/truth.csv" --traps "$dir/lists/traps.csv" \
    --queries "$dir/lists/queries.csv" | grep -E 'pairwise  |B-cubed|namesake|blocking recall|best pairwise|ceiling of|search:'
done
