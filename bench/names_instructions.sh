#!/usr/bin/env bash
# Instructions per name of analyse + keys, per script, on the benchmark's names (the figure the
# closing notes compare when the VM's timings are too noisy):
#   bench/names_instructions.sh            (needs valgrind: apt-get install -y valgrind)
# Counts all instructions of 20 passes and of 0 passes over each script's 1,000 names with
# valgrind's lackey tool; the difference over 20,000 is the cost of one name.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p athar-names --example analyse_mix
bin="$PWD/target/release/examples/analyse_mix"
count() { SCRIPT="$1" PASSES="$2" valgrind --tool=lackey --basic-counts=yes "$bin" 2>&1 | sed -n 's/.*guest instrs: *//p' | tr -d ','; }
total=0
for s in 0 1 2; do
  n=$(( ($(count "$s" 20) - $(count "$s" 0)) / 20000 ))
  total=$(( total + n ))
  echo "$(echo Arabic Cyrillic Latin | cut -d' ' -f$((s + 1))): $n instructions per name"
done
echo "mix: $(( total / 3 )) instructions per name"
