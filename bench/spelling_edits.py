"""Spelling edits for generated lists (bench/synth_spellings.sh): each name word of four letters or
more, with probability RATE, gets one random edit (a letter dropped, doubled, swapped with the
next, or a vowel changed). Truth, traps and queries are left as they are.
    python3 bench/spelling_edits.py LISTS_DIR RATE
"""
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
