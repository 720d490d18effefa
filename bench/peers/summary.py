"""Print Athar's and Splink's figures on one data set side by side.

    python bench/peers/summary.py DATASET DIR

Reads what compare.sh left in DIR: athar_eval.json (`athar eval --json` after `athar link` at
its default threshold 0.95), athar_eval_05.json (after `athar link --full --threshold 0.5`),
athar_link.time (`/usr/bin/time` of the first link) and splink_DATASET.json (splink_run.py).
Pairwise figures count every pair of records put in one person (Athar) or one cluster (Splink).
"""
import json
import sys
from pathlib import Path


def fmt(m):
    return " ".join(f"{m[k]:.4f}" for k in ("precision", "recall", "f1")) if m else "-"


def main():
    dataset, d = sys.argv[1], Path(sys.argv[2])
    a95 = json.loads((d / "athar_eval.json").read_text())
    a05 = json.loads((d / "athar_eval_05.json").read_text())
    s = json.loads((d / f"splink_{dataset}.json").read_text())
    a_best = max(a95["threshold_sweep"], key=lambda p: p["f1"])
    a_time = (d / "athar_link.time").read_text().strip().splitlines()[-1]
    rows = [
        ("athar", "0.95 (default)", a95["pairwise"], a95["bcubed"], a_time),
        ("athar", "0.5", a05["pairwise"], a05["bcubed"], ""),
        ("athar", f"{a_best['threshold']} (best of sweep)", a_best, None, ""),
        ("splink", "0.5", s["at_0.5"]["clusters_pairwise"], s["at_0.5"]["clusters_bcubed"],
         f"wall {s['wall_seconds_train_predict_cluster']} s (train+predict+cluster)"),
        ("splink", f"{s['best_by_cluster_pairwise_f1']['threshold']} (best of sweep)",
         s["best_by_cluster_pairwise_f1"]["clusters_pairwise"],
         s["best_by_cluster_pairwise_f1"]["clusters_bcubed"], ""),
    ]
    print(f"== {dataset}: summary (pairwise over same-person / same-cluster record pairs)")
    print(f"  {'tool':<7}{'threshold':<22}{'pairwise P / R / F1':<23}{'B-cubed P / R / F1':<23}time")
    for tool, t, pw, b3, time in rows:
        print(f"  {tool:<7}{t:<22}{fmt(pw):<23}{fmt(b3):<23}{time}")
    print(f"  athar: {a95['records']} records evaluated ({a95['truth_records_not_in_database']} truth records "
          f"not in the database), blocking recall {a95['blocking_recall']:.4f}; "
          f"splink: {s['records']} records, {s['predicted_pairs']} pairs scored at p >= 0.05")


if __name__ == "__main__":
    main()
