#!/usr/bin/env bash
# Scan speed on dense Arabic, Russian and Ukrainian text (issue 18): the annotated set's sentences
# (data/gazetteer/facility_mentions.jsonl), one file per language, repeated to MEGABYTES (default 64)
# by `athar bench scan` — about 10,000 mentions per MB, five times the December 2024 news.
#   bench/scan_dense.sh [MEGABYTES]
set -euo pipefail
megabytes="${1:-64}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
for lang in ar ru uk; do
  annotated_sentences "$dir" "$lang"
done
"$athar" bench scan --reports "$dir" --megabytes "$megabytes" --group 10 | grep '^scan'
