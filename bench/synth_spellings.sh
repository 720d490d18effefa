#!/usr/bin/env bash
# Linking lists whose spellings vary more than `athar synth` writes them (issue 17's speed on
# "lists with many spellings"): generated lists, then each name word of four letters or more
# given one random edit (a letter dropped, doubled, swapped with the next, or a vowel changed)
# with probability RATE; imported, linked (timed, with peak memory) and evaluated.
#   bench/synth_spellings.sh [PERSONS] [SEED] [RATE]      (defaults: 200000 7 0.3)
set -euo pipefail
persons="${1:-200000}"
seed="${2:-7}"
rate="${3:-0.3}"
cd "$(dirname "$0")/.."
cargo build --release -q
athar="$PWD/target/release/athar"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
all="register_ar ngo_en ngo_fr ua_register ua_list inquiries"
# Generated only (every list "later"), then edited, then imported.
bench/synth_lists.sh "$athar" "$dir" "$persons" "$seed" "$all"
python3 - "$dir/lists" "$rate" <<'PY'
import csv, os, random, sys
folder, rate = sys.argv[1], float(sys.argv[2])
rnd = random.Random(5)
names = {"full_name", "mother_name", "given_name", "father_name", "grandfather_name", "family_name",
         "mother_family_name", "alias", "son's name"}
vowels = {"a": "eiou", "e": "aiy", "i": "ey", "o": "ua", "u": "oa", "y": "i", "а": "оя", "о": "а",
          "е": "иє", "и": "іе", "і": "и", "ا": "أى", "ي": "ى", "ة": "ه", "ه": "ة"}
def edit(w):
    if len(w) < 4 or rnd.random() >= rate:
        return w
    i, k = rnd.randrange(1, len(w) - 1), rnd.random()
    if k < 0.3:
        return w[:i] + w[i + 1:]
    if k < 0.5:
        return w[:i] + w[i] + w[i:]
    if k < 0.7:
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    c = w[i].lower()
    return w[:i] + rnd.choice(vowels[c]) + w[i + 1:] if c in vowels else w[:i] + w[i + 1:]
for f in sorted(os.listdir(folder)):
    if not f.endswith(".csv") or f in ("truth.csv", "traps.csv", "queries.csv"):
        continue
    path = os.path.join(folder, f)
    rows = list(csv.reader(open(path, encoding="utf-8", newline="")))
    cols = [i for i, h in enumerate(rows[0]) if h in names]
    for r in rows[1:]:
        for i in cols:
            if i < len(r):
                r[i] = " ".join(edit(w) for w in r[i].split(" "))
    csv.writer(open(path, "w", encoding="utf-8", newline="")).writerows(rows)
PY
kind_of() {
  case "$1" in register_ar|ua_register) echo register ;; ngo_en|ngo_fr|ua_list) echo ngo-list ;; inquiries) echo inquiry ;; esac
}
for name in $all; do
  "$athar" --db "$dir/s.db" import "$dir/lists/$name.csv" --source "$name" --kind "$(kind_of "$name")" \
    --id-column source_record_id >/dev/null
done
echo "== link ($persons persons, seed $seed, spelling edits $rate; $(nproc) cores)"
/usr/bin/time -f "wall %e s, peak RSS %M KiB" "$athar" --db "$dir/s.db" link
echo "== eval"
"$athar" --db "$dir/s.db" eval --truth "$dir/lists/truth.csv" --traps "$dir/lists/traps.csv" | head -12
