"""Score `athar search --batch --json` output against the queries' persons: top-1 and top-10.

    python3 bench/sanctions/score.py QUERIES.csv RESULTS.jsonl

RESULTS.jsonl has one JSON line per query (query_id, results[] best first, each with records[]
holding source_record_id, which is the person id here). Prints top-1 and top-10 per half and
per language of the query.
"""
import collections
import csv
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    queries = {q["query_id"]: q for q in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))}
    tally = collections.defaultdict(lambda: [0, 0, 0])  # n, top-1, top-10
    errors = 0
    for line in open(sys.argv[2], encoding="utf-8"):
        out = json.loads(line)
        q = queries[out["query_id"]]
        if "error" in out:
            errors += 1
        ranked = [r["source_record_id"] for res in out.get("results", []) for r in res["records"][:1]]
        rank = ranked.index(q["person_id"]) + 1 if q["person_id"] in ranked else None
        for key in ((q["half"], "all"), (q["half"], q["language"]), ("all", "all")):
            t = tally[key]
            t[0] += 1
            t[1] += rank == 1
            t[2] += rank is not None and rank <= 10
    for (h, lang), (n, t1, t10) in sorted(tally.items()):
        print(f"  {h:<7} {lang:<13} n={n:<5} top-1 {t1 / n:.3f}  top-10 {t10 / n:.3f}")
    if errors:
        print(f"  {errors} queries refused (counted as misses)")


if __name__ == "__main__":
    main()
