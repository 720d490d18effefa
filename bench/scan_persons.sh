#!/usr/bin/env bash
# Registered persons in report text (issue 18's throughput against a registry): generated lists
# for PERSONS persons (660,000 make some 1,000,000 records), imported and linked, then
# `athar bench scan --persons` over MEGABYTES of text, report by report — with the registered
# forms of words forgotten before each report, and kept. The text is ../shared/reports (news in
# English, the default), or, for each LANGUAGE given (ar, ru, uk, en, fr), the annotated set's
# sentences in it (data/gazetteer/facility_mentions.jsonl) as one report: Arabic has no
# capitals, so every word of its text may start a name.
#   bench/scan_persons.sh [PERSONS] [SEED] [MEGABYTES] [LANGUAGE...]      (defaults: 660000 7 4)
set -euo pipefail
persons="${1:-660000}"
seed="${2:-7}"
megabytes="${3:-4}"
languages=("${@:4}")
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed"
"$athar" --db "$dir/s.db" link >/dev/null
if [ ${#languages[@]} -eq 0 ]; then
  echo "== news reports (../shared/reports)"
  "$athar" --db "$dir/s.db" bench scan --reports ../shared/reports --megabytes "$megabytes" --persons --group 10 |
    grep '^persons'
fi
for lang in "${languages[@]}"; do
  mkdir -p "$dir/$lang"
  annotated_sentences "$dir/$lang" "$lang"
  echo "== annotated sentences, $lang"
  "$athar" --db "$dir/s.db" bench scan --reports "$dir/$lang" --megabytes "$megabytes" --persons --group 10 | grep '^persons'
done
