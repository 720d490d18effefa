#!/usr/bin/env python3
"""Derive the 300 most frequent Syrian given names (Arabic script) from names-dataset.

Source:  PyPI package `names-dataset` (https://github.com/philipperemy/name-dataset),
         by Philippe Remy, MIT licence. Its data is derived from a public dump of
         Facebook user names; frequencies are per country.

How to run (from the repository root):

    python3 -m venv v && v/bin/pip install names-dataset && \
        v/bin/python tools/derive_sy_top_names.py > data/third_party/names_dataset_sy_top300.tsv

Method:
  * NameDataset().get_top_names(n=2000, country_alpha2='SY') -> per-gender lists in rank order;
  * keep only names containing at least one Arabic-script letter (after NFKC, so names typed
    in Arabic presentation forms count too);
  * normalise each name for de-duplication only: NFKC, fold أ إ آ ٱ -> ا, ى -> ي, ة -> ه,
    drop harakat (U+064B..U+0652) and tatweel (U+0640), collapse whitespace;
  * interleave male and female lists (M1, F1, M2, F2, ...), skipping a name whose
    normalised form was already taken; stop at 300.

Output: TSV, '#' comment header, then `rank<TAB>gender<TAB>name`, where `name` is the
spelling as it appears in the dataset (not normalised).
"""

import re
import sys
import unicodedata

ARABIC_LETTER = re.compile(r"[\u0621-\u063A\u0641-\u064A\u0671-\u06D3]")
HARAKAT_TATWEEL = re.compile(r"[\u064B-\u0652\u0640]")
FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})

N_TOP = 2000
N_OUT = 300


def normalise(name: str) -> str:
    s = unicodedata.normalize("NFKC", name)  # presentation forms -> base letters
    s = HARAKAT_TATWEEL.sub("", s).translate(FOLD)
    return " ".join(s.split())


def main() -> None:
    from names_dataset import NameDataset  # imported late: loading takes a while

    try:
        from importlib.metadata import version

        nd_version = version("names-dataset")
    except Exception:  # pragma: no cover
        nd_version = "unknown"

    top = NameDataset().get_top_names(n=N_TOP, country_alpha2="SY")["SY"]
    lists = {g: [n for n in top.get(g, []) if ARABIC_LETTER.search(unicodedata.normalize("NFKC", n))] for g in ("M", "F")}

    seen = set()
    out = []
    i = 0
    while len(out) < N_OUT and (i < len(lists["M"]) or i < len(lists["F"])):
        for g in ("M", "F"):
            if len(out) >= N_OUT or i >= len(lists[g]):
                continue
            name = lists[g][i]
            key = normalise(name)
            if not key or key in seen:
                continue
            seen.add(key)
            out.append((g, name))
        i += 1

    w = sys.stdout.write
    w("# source: PyPI names-dataset %s (Philippe Remy), country SY, Arabic-script names only\n" % nd_version)
    w("# licence: MIT (names-dataset)\n")
    w("# command: v/bin/python tools/derive_sy_top_names.py > data/third_party/names_dataset_sy_top300.tsv\n")
    w("# method: get_top_names(n=%d, country_alpha2='SY'); interleave M/F by rank; de-duplicate on "
      "normalised form (alef/ya/ta-marbuta folded, harakat/tatweel removed); first %d\n" % (N_TOP, N_OUT))
    w("# columns: rank<TAB>gender<TAB>name (as in the dataset)\n")
    for rank, (g, name) in enumerate(out, 1):
        w("%d\t%s\t%s\n" % (rank, g, name))


if __name__ == "__main__":
    main()
