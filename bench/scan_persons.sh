#!/usr/bin/env bash
# Registered persons in report text (issue 18's throughput against a registry): generated lists
# for PERSONS persons (660,000 make some 1,000,000 records), imported and linked, then
# `athar bench scan --persons` over MEGABYTES of ../shared/reports, report by report — with the
# registered forms of words forgotten before each report, and kept.
#   bench/scan_persons.sh [PERSONS] [SEED] [MEGABYTES]      (defaults: 660000 7 4)
set -euo pipefail
persons="${1:-660000}"
seed="${2:-7}"
megabytes="${3:-4}"
cd "$(dirname "$0")/.."
. bench/common.sh
setup_bench
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed"
"$athar" --db "$dir/s.db" link >/dev/null
"$athar" --db "$dir/s.db" bench scan --reports ../shared/reports --megabytes "$megabytes" --persons
