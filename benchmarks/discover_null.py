"""Subgroup discovery by simulation (issue 18): false discoveries where nothing is planted,
and how often a planted subgroup is found.

Each replication draws new records with :func:`biasaudit.synthetic.planted_records`
(10,000 people by default; five protected attributes, four input features, everyone
flagged with probability 0.10) and runs the discovery a ``[discover]`` section with
these keys would run: combinations of the five attributes up to depth 3 and the
bias-aware clustering on the four features, at least 50 people per subgroup, the
selection rate, level 0.05.

* ``null``: nothing planted, so every reported subgroup is a false discovery and the
  false-discovery rate equals the share of audits that report any subgroup. Holm
  controls it (the family-wise error rate) at 0.05, and so does Benjamini-Hochberg
  when every hypothesis is null.
* ``attributes`` / ``features``: the planted subgroup (women aged 18-29 who are single
  parents; income at most 14,000 and more than 60 months on benefits) is flagged at
  0.30. Found: a reported subgroup whose test-half members are at least 80% planted
  and cover at least 30% of the planted people of the test half.

Run::

    .venv/bin/python benchmarks/discover_null.py                 # 500 null, 100 planted
    .venv/bin/python benchmarks/discover_null.py --reps 50 --planted 20 --rows 4000

It prints a Markdown table: the achieved rate with its Monte Carlo standard error
(sqrt(r (1 - r) / reps)).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from biasaudit.audits._discover_audit import open_for_discovery
from biasaudit.discover import as_discover_options, discover_subgroups
from biasaudit.spec import make_spec
from biasaudit.synthetic import planted_records

ROLES = {"id": "case_id", "flagged": "flagged", "outcome": "fraud_found"}
OPTIONS = {
    "attributes": ["gender", "age_band", "household", "nationality", "district"],
    "features": ["income", "months_on_benefit", "hours_worked", "household_size"],
    "depth": 3,
    "min_size": 50,
}


def run(rows: int, seed: int, plant: tuple[str, ...], correction: str):
    df = planted_records(rows, seed=seed, plant=plant)
    spec = make_spec(roles=ROLES, groups=["gender"])
    options = as_discover_options({**OPTIONS, "correction": correction}, spec)
    opened = open_for_discovery(df, spec, options)
    found = discover_subgroups(opened, spec, options, metrics=["selection_rate"])
    return df, found


def found_planted(df, found, which: str) -> bool:
    truth = (df["planted"] == which).to_numpy()[found.membership["row"].to_numpy()]
    for name in found.reported(published=False)["attribute"]:
        members = found.membership[name].to_numpy()
        hit = (members & truth).sum()
        if hit >= 0.8 * members.sum() and hit >= 0.3 * truth.sum():
            return True
    return False


def line(label: str, hits: int, reps: int, extra: str = "") -> str:
    rate = hits / reps
    se = math.sqrt(rate * (1 - rate) / reps)
    return f"| {label} | {reps} | {hits} | {rate:.3f} | {se:.3f} |{extra}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--planted", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    start = time.time()
    print(f"{args.rows:,} records per audit\n")
    print("| scenario | audits | audits reporting | rate | MC s.e. |")
    print("|---|---|---|---|---|")
    for correction in ("holm", "fdr_bh"):
        hits, tested = 0, []
        for rep in range(args.reps):
            _, found = run(args.rows, 10_000 + rep, (), correction)
            hits += bool(len(found.reported(published=False)))
            tested.append(len(found.subgroups))
        print(
            line(f"null, {correction}: any subgroup reported (= FDR)", hits, args.reps)
            + f" subgroups tested per audit: mean {np.mean(tested):.1f}"
        )
    for which in ("attributes", "features"):
        hits = 0
        for rep in range(args.planted):
            df, found = run(args.rows, 20_000 + rep, (which,), "holm")
            hits += found_planted(df, found, which)
        print(line(f"planted by {which}, holm: found", hits, args.planted))
    print(f"\n{time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
