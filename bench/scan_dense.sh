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
python3 - "$dir" <<'PY'
import json, sys
rows = [json.loads(l) for l in open("data/gazetteer/facility_mentions.jsonl", encoding="utf-8")]
for lang in ("ar", "ru", "uk"):
    with open(f"{sys.argv[1]}/{lang}.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(r["text"] for r in rows if r["lang"] == lang) + "\n")
PY
"$athar" bench scan --reports "$dir" --megabytes "$megabytes" --group 10 | grep '^scan'
