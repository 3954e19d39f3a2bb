"""Coverage of the random-audit-sample intervals, by simulation (issue 14).

A population of 20,000 people in three groups (A 60%, B 30%, C 10%; true fraud 8%,
10%, 12%); the score favours A; the top 10% of scores are flagged and every flagged
case is investigated; a simple random sample of 200, 400 or 1,000 people, drawn from
everyone, is investigated regardless of score. Each replication draws a new
population and sample, runs ``biasaudit.audit`` and checks whether the 95% interval of
each group's false positive and false negative rate covers the population's true rate.
An audit that stops with an error counts as not covered.

Design ``everyone``: the same, but the records hold only the investigated cases with
the population size, the random sample's flags are unknown (recorded as not flagged)
and the audit says ``sample={"drawn_from": "everyone"}``.

Run::

    .venv/bin/python benchmarks/sample_coverage.py            # 1,000 replications
    .venv/bin/python benchmarks/sample_coverage.py --reps 200 --sizes 200

It prints a Markdown table: coverage with its Monte Carlo standard error
(sqrt(c (1 - c) / reps)) and the mean interval width, per group and design.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import biasaudit
from biasaudit import RecordsError

ROLES = {"flagged": "flag", "outcome": "fraud", "sample": "sample"}
GROUPS = ("A", "B", "C")
METRICS = ("false_positive_rate", "false_negative_rate")


def simulate(
    seed: int, random_n: int, *, n: int = 20_000, design: str = "unflagged"
) -> tuple[pd.DataFrame, dict[str, dict[str, float]], dict]:
    """One population and its audit data; returns (records, truth, audit options)."""
    rng = np.random.default_rng(seed)
    g = rng.choice(GROUPS, size=n, p=[0.6, 0.3, 0.1])
    fraud = rng.random(n) < np.select([g == "A", g == "B"], [0.08, 0.10], 0.12)
    score = rng.normal(size=n) + 1.2 * fraud + 0.4 * (g != "A")
    flagged = score >= np.quantile(score, 0.9)
    rnd = np.zeros(n, dtype=bool)
    rnd[rng.choice(n, random_n, replace=False)] = True
    truth = {
        "false_positive_rate": {
            k: (flagged & ~fraud & (g == k)).sum() / (~fraud & (g == k)).sum() for k in GROUPS
        },
        "false_negative_rate": {
            k: (~flagged & fraud & (g == k)).sum() / (fraud & (g == k)).sum() for k in GROUPS
        },
    }
    if design == "unflagged":  # every record, each random-sample member's flag known
        sample = np.where(rnd, "random", np.where(flagged, "model", "none"))
        known = rnd | flagged
        df = pd.DataFrame(
            {
                "g": g,
                "flag": flagged.astype(int),
                "sample": sample,
                "fraud": np.where(known, np.where(fraud, "yes", "no"), ""),
            }
        )
        return df, truth, {}
    # drawn from everyone, flags of the sampled unknown: the flagged as model cases,
    # the random sample as separate rows recorded as not flagged
    model = pd.DataFrame(
        {
            "g": g[flagged],
            "flag": 1,
            "sample": "model",
            "fraud": np.where(fraud[flagged], "yes", "no"),
        }
    )
    random = pd.DataFrame(
        {"g": g[rnd], "flag": 0, "sample": "random", "fraud": np.where(fraud[rnd], "yes", "no")}
    )
    options = {"population": {"total": n}, "sample": {"drawn_from": "everyone"}}
    return pd.concat([model, random], ignore_index=True), truth, options


def coverage(random_n: int, reps: int, design: str, bootstrap: int) -> dict:
    hits = {(m, k): 0 for m in METRICS for k in GROUPS}
    widths: dict[tuple[str, str], list[float]] = {key: [] for key in hits}
    refused = 0
    for s in range(reps):
        df, truth, options = simulate(1_000_000 + s, random_n, design=design)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = biasaudit.audit(
                    df,
                    roles=ROLES,
                    groups=["g"],
                    metrics=list(METRICS),
                    bootstrap_samples=bootstrap,
                    seed=s,
                    min_cell=0,
                    **options,
                )
        except RecordsError:
            refused += 1
            continue
        for m in METRICS:
            rows = r.metric(m, "g").set_index("group")
            for k in GROUPS:
                lo, hi = rows.loc[k, "ci_low"], rows.loc[k, "ci_high"]
                hits[(m, k)] += bool(lo <= truth[m][k] <= hi)
                widths[(m, k)].append(hi - lo)
    return {"hits": hits, "widths": widths, "refused": refused}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 400, 1000])
    parser.add_argument("--designs", nargs="+", default=["unflagged", "everyone"])
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    print(
        f"Coverage of nominal 95% intervals, {args.reps} replications per design, "
        f"{args.bootstrap} bootstrap resamples\n"
    )
    print("| design | random sample | refused | metric | group | coverage ± MC se | mean width |")
    print("|---|---|---|---|---|---|---|")
    for design in args.designs:
        for size in args.sizes:
            start = time.perf_counter()
            out = coverage(size, args.reps, design, args.bootstrap)
            for m in METRICS:
                for k in GROUPS:
                    c = out["hits"][(m, k)] / args.reps
                    se = np.sqrt(c * (1 - c) / args.reps)
                    w = np.mean(out["widths"][(m, k)]) if out["widths"][(m, k)] else np.nan
                    print(
                        f"| {design} | {size:,} | {out['refused']} | {m} | {k} | "
                        f"{c:.3f} ± {se:.3f} | {w:.3f} |",
                        flush=True,
                    )
            print(f"<!-- {design} {size}: {time.perf_counter() - start:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
