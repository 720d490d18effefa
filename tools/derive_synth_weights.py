#!/usr/bin/env python3
"""Recompute the `weight` column of data/synth/{syrian,ukrainian}_names.tsv from names-dataset.

The two TSV files feed the synthetic-list generator (`athar synth`). The names in them
(Arabic / Ukrainian Cyrillic forms, the scholarly romanisations, the Russian forms) are
hand-written for this project; only the weights come from names-dataset.

Source:  PyPI package `names-dataset` 3.x (https://github.com/philipperemy/name-dataset),
         by Philippe Remy, MIT licence. Its data is derived from a public dump of Facebook
         user names; for each name it stores, per country, the rank of that exact string
         among all first (resp. last) names of the country, and a gender split.

How to run (from the repository root):

    python3 -m venv v && v/bin/pip install names-dataset && \
        v/bin/python tools/derive_synth_weights.py            # rewrite weights in place
    v/bin/python tools/derive_synth_weights.py --check       # only report differences, exit 1 if any

Method (Zipf from rank; names-dataset has no absolute counts):
  * score(name) = sum over the dataset entries that are orthographic variants of the name
    (see below) of  share / rank,  where rank is the entry's rank in the country and
    share is the entry's gender share for the line's gender (given names) or 1 (family);
  * weight = max(1, round(K * score)) with K = 100000, i.e. a name ranked 1st gets 100000,
    one ranked 100th gets 1000 (Zipf's law, count ~ 1/rank).
  Syrian lines: country SY, Arabic-script entries only (Latin-script spellings in the
    dataset are ignored); first_names for given_m/given_f, last_names for family.
    Variants = same string after NFKC, removing harakat/tatweel, folding
    أ إ آ ٱ -> ا, ة -> ه, ى -> ي, ؤ -> و, ئ -> ي and removing spaces (عبد الرحمن = عبدالرحمن).
    A family name with no match at all is retried with the article ال added/removed.
  Ukrainian lines: names-dataset has no Ukraine, so the RUSSIAN column is looked up in
    country RU (a proxy: Ukrainian-specific names/surnames are under-weighted there);
    variants = same string after title-casing and folding ё -> е.
  A line whose name is not found at all gets weight 1 and is listed on stderr.

Lines are rewritten in place (comments kept); within each kind, lines are re-sorted by
descending weight (stable), kinds keep their order of first appearance.
"""

import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

K = 100000
ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "SY": ROOT / "data" / "synth" / "syrian_names.tsv",
    "RU": ROOT / "data" / "synth" / "ukrainian_names.tsv",
}
GENDER = {"given_m": "M", "given_f": "F", "family": None}

ARABIC_LETTER = re.compile(r"[\u0621-\u063A\u0641-\u064A\u0671-\u06D3]")
CYRILLIC_LETTER = re.compile(r"[\u0400-\u04FF]")
HARAKAT_TATWEEL = re.compile(r"[\u064B-\u0652\u0640]")
AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})


def norm_ar(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = HARAKAT_TATWEEL.sub("", s).translate(AR_FOLD)
    return "".join(s.split())


def norm_ru(s: str) -> str:
    return " ".join(s.strip().title().replace("ё", "е").replace("Ё", "Е").split())


def build_index(table: dict, country: str, script: re.Pattern, norm) -> dict:
    """normalised form -> list of (rank, gender dict) of the dataset entries."""
    idx = defaultdict(list)
    for name, info in table.items():
        rank = info.get("rank", {}).get(country)
        if rank is None or not script.search(unicodedata.normalize("NFKC", name)):
            continue
        idx[norm(name)].append((rank, info.get("gender", {})))
    return idx


def score(entries, gender) -> float:
    total = 0.0
    for rank, g in entries:
        share = 1.0
        if gender is not None and g:
            share = g.get(gender, 0.0) / (sum(g.values()) or 1.0)
        total += share / rank
    return total


def read_tsv(path: Path):
    comments, rows = [], []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            comments.append(line)
            continue
        cols = line.split("\t")
        if len(cols) != 4:
            sys.exit(f"{path}:{lineno}: expected 4 TAB-separated columns, got {len(cols)}")
        rows.append(cols)
    return comments, rows


def main() -> int:
    check = "--check" in sys.argv[1:]
    from names_dataset import NameDataset  # imported late: loading takes a while

    nd = NameDataset()
    idx = {
        ("SY", "first"): build_index(nd.first_names, "SY", ARABIC_LETTER, norm_ar),
        ("SY", "last"): build_index(nd.last_names, "SY", ARABIC_LETTER, norm_ar),
        ("RU", "first"): build_index(nd.first_names, "RU", CYRILLIC_LETTER, norm_ru),
        ("RU", "last"): build_index(nd.last_names, "RU", CYRILLIC_LETTER, norm_ru),
    }

    differences = 0
    for country, path in FILES.items():
        file_differences = 0
        comments, rows = read_tsv(path)
        out = []
        for kind, form1, form2, old in rows:
            if kind not in GENDER:
                sys.exit(f"{path}: unknown kind {kind!r}")
            table = "last" if kind == "family" else "first"
            index = idx[(country, table)]
            if country == "SY":
                key = norm_ar(form1)
                entries = index.get(key, [])
                if not entries and kind == "family":  # retry with/without the article
                    alt = key[2:] if key.startswith("ال") else "ال" + key
                    entries = index.get(alt, [])
            else:
                entries = index.get(norm_ru(form2), [])
            if not entries:
                print(f"{path.name}: not in names-dataset {country}: {kind} {form1} / {form2}", file=sys.stderr)
            w = max(1, round(K * score(entries, GENDER[kind])))
            if str(w) != old:
                file_differences += 1
            out.append([kind, form1, form2, str(w)])

        differences += file_differences
        order = list(dict.fromkeys(r[0] for r in out))
        out.sort(key=lambda r: (order.index(r[0]), -int(r[3])))
        if check:
            print(f"{path.name}: {file_differences} weight(s) differ", file=sys.stderr)
            continue
        text = "\n".join(comments) + "\n" + "".join("\t".join(r) + "\n" for r in out)
        path.write_text(text, encoding="utf-8")
        print(f"{path.name}: {len(out)} lines written", file=sys.stderr)
    return 1 if (check and differences) else 0


if __name__ == "__main__":
    sys.exit(main())
