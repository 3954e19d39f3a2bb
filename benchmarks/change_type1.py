"""Type I error and power of the change test, by simulation (issue 18, question 3).

Two parts, each printed as a Markdown table with Monte Carlo standard errors
(``sqrt(r (1 - r) / tests)``):

1. **The test alone** (``biasaudit.stats.ratio_change``, vectorised): a group and its
   reference group in two periods, binomial draws of their flagged counts with the
   *same* ratio in both periods (while everyone's rate moves, as when an agency flags
   more people in the second year), over a grid of group sizes and rates. The share of
   tests rejecting at 0.05 should be near 0.05. Draws in which the earlier ratio is 0
   have no test and are counted apart (``untested``).
2. **The whole audit** (``biasaudit.audit`` with a ``period`` role, on records given as
   a table of counts per year, group and flag): three groups against a reference, two
   years, the disparities unchanged; each replication reports every change test's
   unadjusted p-value and the adjusted ones (Holm, the audit's default). Per test: the
   rejection rate at 0.05; per audit: the family-wise rate (any adjusted p below 0.05).
   With ``--power`` the same audits with group B's ratio cut from 2.0 to 1.0 in the
   second year: how often the change is found.

Run::

    PYTHONPATH=src .venv/bin/python benchmarks/change_type1.py              # about 10 minutes
    PYTHONPATH=src .venv/bin/python benchmarks/change_type1.py --reps 20000 --audits 200
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
import pandas as pd

import biasaudit
from biasaudit.stats import ratio_change

#: (group size, reference size, reference rate in the first and second period, ratio)
GRID = [
    (50, 500, 0.10, 0.15, 1.5),
    (50, 500, 0.04, 0.05, 2.0),
    (200, 2000, 0.10, 0.15, 1.5),
    (200, 2000, 0.04, 0.05, 2.0),
    (1000, 10000, 0.10, 0.15, 1.5),
    (1000, 10000, 0.30, 0.35, 1.2),
]


def _se(rate: float, k: int) -> float:
    return math.sqrt(rate * (1 - rate) / k) if k else math.nan


def statistic(reps: int, seed: int) -> pd.DataFrame:
    rows = []
    for i, (ng, nr, r1, r2, ratio) in enumerate(GRID):
        rng = np.random.default_rng([seed, i])
        p = np.array([ratio * r1, r1, ratio * r2, r2])
        n = np.array([ng, nr, ng, nr])
        k = rng.binomial(n, p, size=(reps, 4)).astype(float)
        _, lo, hi, pv = ratio_change(k[:, 0], n[0], k[:, 1], n[1], k[:, 2], n[2], k[:, 3], n[3])
        tested = np.isfinite(pv)
        rate = float(np.mean(pv[tested] < 0.05))
        cover = float(np.mean((lo[tested] <= 1) & (hi[tested] >= 1)))
        few = tested & np.any(k < 5, axis=1)
        few_rate = float(np.mean(pv[few] < 0.05)) if few.any() else math.nan
        rows.append(
            {
                "group / reference": f"{ng:,} / {nr:,}",
                "reference rate": f"{r1:.2f} -> {r2:.2f}",
                "ratio": ratio,
                "tests": int(tested.sum()),
                "untested": int((~tested).sum()),
                "type I error ± MC se": f"{rate:.4f} ± {_se(rate, int(tested.sum())):.4f}",
                "interval covers 1": f"{cover:.4f}",
                "with a cell < 5": f"{int(few.sum()):,} ({few_rate:.3f})" if few.any() else "0",
            }
        )
    return pd.DataFrame(rows)


#: Three groups and their reference R: people per year and selection rate in year 1.
GROUPS = {"R": (3000, 0.08), "A": (1500, 0.12), "B": (600, 0.16), "C": (200, 0.10)}


def counts(rng: np.random.Generator, planted: bool) -> pd.DataFrame:
    """One replication's records as counts per year, group and flag."""
    rows = []
    for year, shift in (("2021", 1.0), ("2022", 1.25)):  # everyone flagged more in 2022
        for group, (n, rate) in GROUPS.items():
            p = rate * shift
            if planted and group == "B" and year == "2022":
                p = GROUPS["R"][1] * shift  # B's ratio 2.0 -> 1.0
            k = int(rng.binomial(n, p))
            rows += [(year, group, "yes", k), (year, group, "no", n - k)]
    return pd.DataFrame(rows, columns=["year", "group", "flag", "people"])


def audits(reps: int, seed: int, planted: bool) -> dict[str, object]:
    rng = np.random.default_rng([seed, int(planted)])
    p_raw, p_adj, family = [], [], []
    found = []
    start = time.perf_counter()
    for _ in range(reps):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = biasaudit.audit(
                counts(rng, planted),
                roles={"flagged": "flag", "count": "people", "period": "year"},
                groups="group",
                reference={"group": "R"},
                metrics=["selection_rate"],
                min_cell=0,
                bootstrap_samples=100,
            )
        t = result.change.table
        t = t[t["p_value"].notna()].set_index("group")
        p_raw += list(t["p_value"])
        p_adj += list(t["p_adjusted"])
        family.append(bool((t["p_adjusted"] < 0.05).any()))
        found.append(bool(t.loc["B", "p_adjusted"] < 0.05))
    seconds = time.perf_counter() - start
    raw = float(np.mean(np.array(p_raw) < 0.05))
    fw = float(np.mean(family))
    return {
        "change": "B's ratio 2.0 -> 1.0" if planted else "none",
        "audits": reps,
        "tests": len(p_raw),
        "per test, unadjusted p < 0.05": f"{raw:.4f} ± {_se(raw, len(p_raw)):.4f}",
        "per audit, any adjusted p < 0.05": f"{fw:.4f} ± {_se(fw, reps):.4f}",
        "B's change found (adjusted)": f"{np.mean(found):.4f} ± {_se(float(np.mean(found)), reps):.4f}",
        "seconds per audit": f"{seconds / reps:.3f}",
    }


def markdown(table: pd.DataFrame) -> str:
    """A Markdown table (no extra package)."""
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=100_000, help="draws per grid row")
    parser.add_argument("--audits", type=int, default=1_000, help="whole audits per row")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--no-power", action="store_true", help="skip the planted change")
    args = parser.parse_args()
    print(f"## The test alone ({args.reps:,} draws per row, alpha 0.05)\n")
    print(markdown(statistic(args.reps, args.seed)), flush=True)
    rows = [audits(args.audits, args.seed, planted=False)]
    if not args.no_power:
        rows.append(audits(args.audits, args.seed, planted=True))
    print(f"\n## The whole audit ({args.audits:,} audits per row, Holm)\n")
    print(markdown(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
