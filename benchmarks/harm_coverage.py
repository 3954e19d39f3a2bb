"""Coverage of the harm-count intervals, by simulation (issue 18).

Records designs (full labels): two groups, F (``n_f`` people) and M (``n_m``), each
person flagged with the group's probability; the truth is the excess those
probabilities produce among F's people, ``n_f x (pi_F - pi_M)`` (``excess_flagged``),
and among F's realised innocent, ``D_F x (fpr_F - fpr_M)``
(``excess_false_accusations``). Amounts: each flagged person bears a skewed amount
(gamma with shape 2, or lognormal with sigma 1.5, the heavy tail of sums reclaimed);
the truth is ``n_f x (mu_F - mu_M)``, ``mu`` the expected amount per person. The
audits of a design are stacked as attributes of one count table and computed by one
``compute_metrics`` call (counts are the interface), so 2,000 audits take seconds.

Random-audit-sample design: a population of 20,000 (F 40%, M 60%; fraud 10%; the
top 10% of scores flagged, F scored higher), every flagged case investigated, and a
simple random sample of 400 or 1,000 people investigated regardless of score. The
truth is the population's own excess of false accusations, ``FP_F - D_F x FPR_M``;
each replication runs ``biasaudit.audit`` (bootstrap of 500).

Run::

    .venv/bin/python benchmarks/harm_coverage.py                 # about 4 minutes
    .venv/bin/python benchmarks/harm_coverage.py --reps 500 --no-sample

It prints a Markdown table: coverage with its Monte Carlo standard error
(sqrt(c (1 - c) / reps)), the mean interval width and the mean error of the estimate.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import biasaudit
from biasaudit.metrics import compute_metrics

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "stats"))
from test_harm_coverage import cells, stacked  # noqa: E402

#: (label, n_F, n_M, selection of F, selection of M) for excess_flagged; the innocent
#: are flagged at these rates, the guilty at 0.5 in both groups (fraud 10%).
PEOPLE = [
    ("small, no disparity", 40, 60, 0.10, 0.10),
    ("small", 40, 60, 0.20, 0.10),
    ("medium", 300, 500, 0.14, 0.08),
    ("large", 3000, 5000, 0.14, 0.08),
    ("rare", 1000, 2000, 0.02, 0.01),
]
AMOUNTS = [
    ("gamma", 300, 500),
    ("gamma", 3000, 5000),
    ("lognormal", 300, 500),
    ("lognormal", 3000, 5000),
]


def amount_draw(rng: np.random.Generator, kind: str, size: int) -> np.ndarray:
    if kind == "gamma":
        return rng.gamma(2.0, 500.0, size)
    return rng.lognormal(6.0, 1.5, size)


def amount_mean(kind: str) -> float:
    return 1000.0 if kind == "gamma" else float(np.exp(6.0 + 1.5**2 / 2))


def records_design(
    reps: int, seed: int, n_f: int, n_m: int, p_f: float, p_m: float, amount: str
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(estimates, interval ends, truths) per metric over ``reps`` stacked audits."""
    rng = np.random.default_rng(seed)
    fraud, guilty = 0.1, 0.5
    rates = {"F": p_f, "M": p_m}  # rates among the innocent
    selection = {g: fraud * guilty + (1 - fraud) * r for g, r in rates.items()}
    tables, truth = [], {"excess_flagged": [], "excess_false_accusations": [], "amount": []}
    for _ in range(reps):
        per = {}
        for g, n in (("F", n_f), ("M", n_m)):
            y = rng.random(n) < fraud
            f = rng.random(n) < np.where(y, guilty, rates[g])
            per[g] = cells(f, y, np.where(f, amount_draw(rng, amount, n), 0.0))
        tables.append({c: np.array([per["F"][c], per["M"][c]]) for c in per["F"]})
        innocent = per["F"]["fp"] + per["F"]["tn"]
        truth["excess_flagged"].append(n_f * (selection["F"] - selection["M"]))
        truth["excess_false_accusations"].append(innocent * (rates["F"] - rates["M"]))
        mu = amount_mean(amount)
        truth["amount"].append(n_f * mu * (selection["F"] - selection["M"]))
    counts = stacked(tables, amounts=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, _ = compute_metrics(
            counts,
            metrics=["excess_flagged", "excess_false_accusations", "excess_flagged_amount"],
            reference={f"audit {i}": "M" for i in range(reps)},
        )
    table = table[table["group"] == "F"]
    out = {}
    for metric, key in (
        ("excess_flagged", "excess_flagged"),
        ("excess_false_accusations", "excess_false_accusations"),
        ("excess_flagged_amount", "amount"),
    ):
        rows = table[table["metric"] == metric]
        ends = rows[["ci_low", "ci_high"]].to_numpy(float)
        out[metric] = (rows["value"].to_numpy(float), ends, np.array(truth[key]))
    return out


def sample_design(
    reps: int, seed: int, random_n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimates, intervals and truths of F's excess false accusations."""
    estimates, ends, truths = [], [], []
    for rep in range(reps):
        rng = np.random.default_rng([seed, rep])
        n = 20_000
        g = rng.choice(["F", "M"], size=n, p=[0.4, 0.6])
        fraud = rng.random(n) < 0.1
        score = rng.normal(size=n) + 1.2 * fraud + 0.5 * (g == "F")
        flagged = score >= np.quantile(score, 0.9)
        rnd = np.zeros(n, dtype=bool)
        rnd[rng.choice(n, random_n, replace=False)] = True
        known = flagged | rnd
        innocent = ~fraud
        fp_f = (flagged & innocent & (g == "F")).sum()
        d_f = (innocent & (g == "F")).sum()
        fpr_m = (flagged & innocent & (g == "M")).sum() / (innocent & (g == "M")).sum()
        truths.append(fp_f - d_f * fpr_m)
        records = pd.DataFrame(
            {
                "g": g,
                "flag": flagged.astype(int),
                "fraud": np.where(known, fraud.astype(int).astype(str), ""),
                "sample": np.where(rnd, "random", np.where(flagged, "model", "none")),
            }
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = biasaudit.audit(
                records,
                roles={"flagged": "flag", "outcome": "fraud", "sample": "sample"},
                groups=["g"],
                reference={"g": "M"},
                metrics=["excess_false_accusations"],
                bootstrap_samples=500,
                seed=rep,
                min_cell=0,
            )
        row = result.table[result.table["group"] == "F"].iloc[0]
        estimates.append(row["value"])
        ends.append((row["ci_low"], row["ci_high"]))
    return np.array(estimates), np.array(ends, float), np.array(truths, float)


def line(design: str, metric: str, estimates, ends, truths) -> str:
    covered = (ends[:, 0] <= truths) & (truths <= ends[:, 1])
    c = covered.mean()
    se = np.sqrt(c * (1 - c) / len(covered))
    width = np.nanmean(ends[:, 1] - ends[:, 0])
    error = np.nanmean(estimates - truths)
    return f"| {design} | {metric} | {c:.3f} ± {se:.3f} | {width:,.1f} | {error:+,.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000, help="audits per records design")
    parser.add_argument("--sample-reps", type=int, default=200, help="random-sample audits")
    parser.add_argument("--no-sample", action="store_true", help="skip the random sample")
    args = parser.parse_args()
    start = time.perf_counter()
    print("| design | metric | coverage ± MC se | mean width | mean error |")
    print("|---|---|---|---|---|")
    for i, (label, n_f, n_m, p_f, p_m) in enumerate(PEOPLE):
        out = records_design(args.reps, 100 + i, n_f, n_m, p_f, p_m, "gamma")
        design = f"{label} (F {n_f}, M {n_m}; innocent flagged {p_f:.0%} vs {p_m:.0%})"
        for metric in ("excess_flagged", "excess_false_accusations"):
            print(line(design, metric, *out[metric]))
    for i, (kind, n_f, n_m) in enumerate(AMOUNTS):
        out = records_design(args.reps, 200 + i, n_f, n_m, 0.14, 0.08, kind)
        design = f"amounts {kind} (F {n_f}, M {n_m})"
        print(line(design, "excess_flagged_amount", *out["excess_flagged_amount"]))
    if not args.no_sample:
        for random_n in (400, 1000):
            est, ends, truths = sample_design(args.sample_reps, 300, random_n)
            design = f"random sample of {random_n} (population 20,000)"
            print(line(design, "excess_false_accusations", est, ends, truths))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
