"""Harm-count intervals cover the true excess (issue 18), in a small simulation.

Each audit draws two groups' decisions (and outcomes, and amounts) from known rates; the
truth is the excess those rates produce among the group's people, ``D_g x (pi_g -
pi_r)`` (``D_g`` the group's realised denominator), or for amounts ``D_g x (mu_g -
mu_r)``. The simulated audits are stacked as attributes of one count table (counts are
the interface), so one call computes them all. The real-sized simulation, with the
Monte Carlo error, is ``benchmarks/harm_coverage.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from biasaudit.counts import ALL, COUNT_COLUMNS, OVERALL, CountTable
from biasaudit.metrics import compute_metrics

AUDITS = 400
# three standard errors of a 95% coverage from 400 audits: 0.95 +- 0.033
LOW, HIGH = 0.95 - 0.033, 0.95 + 0.033


def stacked(per_group: list[dict[str, np.ndarray]], amounts: bool = False) -> CountTable:
    """One attribute per simulated audit (groups F and M), everyone's row first."""
    frames, amount_frames, square_frames = [], [], []
    for i, cells in enumerate(per_group):
        frame = pd.DataFrame({c: cells[c] for c in COUNT_COLUMNS})
        frame.insert(0, "group", ["F", "M"])
        frame.insert(0, "attribute", f"audit {i}")
        frames.append(frame)
        if amounts:
            for key, out in (("a", amount_frames), ("a2", square_frames)):
                a = pd.DataFrame({c: cells[f"{key}_{c}"] for c in COUNT_COLUMNS})
                a.insert(0, "group", ["F", "M"])
                a.insert(0, "attribute", f"audit {i}")
                out.append(a)

    def whole(parts: list[pd.DataFrame]) -> pd.DataFrame:
        body = pd.concat(parts, ignore_index=True)
        first = body[body["attribute"] == "audit 0"][list(COUNT_COLUMNS)].sum()
        head = pd.DataFrame([{"attribute": OVERALL, "group": ALL, **first}])
        return pd.concat([head, body], ignore_index=True)

    return CountTable(
        whole(frames),
        amounts=whole(amount_frames) if amounts else None,
        amount_squares=whole(square_frames) if amounts else None,
    )


def draw(rng, n: int, flag: float, fraud: float, innocent_flag: float | None = None):
    """Per person: flagged, fraud (full labels), and a skewed amount if flagged."""
    y = rng.random(n) < fraud
    p = np.where(y, flag, flag if innocent_flag is None else innocent_flag)
    f = rng.random(n) < p
    amount = np.where(f, rng.gamma(2.0, 500.0, n), 0.0)
    return f, y, amount


def cells(f: np.ndarray, y: np.ndarray, amount: np.ndarray) -> dict[str, float]:
    masks = {
        "tp": f & y,
        "fp": f & ~y,
        "fn": ~f & y,
        "tn": ~f & ~y,
    }
    out = {c: float(m.sum()) for c, m in masks.items()}
    out.update(
        rows=float(len(f)),
        n=float(len(f)),
        flagged=float(f.sum()),
        investigated=float(len(f)),
        flagged_unlabelled=0.0,
        unflagged_unlabelled=0.0,
    )
    for key, x in (("a", amount), ("a2", amount**2)):
        sums = {c: float(x[m].sum()) for c, m in masks.items()}
        sums.update(
            rows=float(len(f)),
            n=float(x.sum()),
            flagged=float(x[f].sum()),
            investigated=float(x.sum()),
            flagged_unlabelled=0.0,
            unflagged_unlabelled=0.0,
        )
        out.update({f"{key}_{c}": v for c, v in sums.items()})
    return out


def simulate(seed: int):
    """400 audits: F (300 people) flagged more often, among the innocent too."""
    rng = np.random.default_rng(seed)
    tables, truth = [], {"excess_flagged": [], "excess_false_accusations": [], "amount": []}
    # F: fraud 10%, flagged 30% if fraud, 14% if not; M: fraud 10%, 30% / 8%
    pi = {"F": (0.3, 0.14), "M": (0.3, 0.08)}
    fraud = 0.1
    selection = {g: fraud * a + (1 - fraud) * b for g, (a, b) in pi.items()}
    mean_amount = {g: selection[g] * 2.0 * 500.0 for g in pi}
    for _ in range(AUDITS):
        drawn = {g: draw(rng, k, pi[g][0], fraud, pi[g][1]) for g, k in (("F", 300), ("M", 500))}
        per = {g: cells(*drawn[g]) for g in drawn}
        tables.append({c: np.array([per["F"][c], per["M"][c]]) for c in per["F"]})
        innocent = per["F"]["fp"] + per["F"]["tn"]
        truth["excess_flagged"].append(300 * (selection["F"] - selection["M"]))
        truth["excess_false_accusations"].append(innocent * (pi["F"][1] - pi["M"][1]))
        truth["amount"].append(300 * (mean_amount["F"] - mean_amount["M"]))
    return stacked(tables, amounts=True), {k: np.array(v) for k, v in truth.items()}


@pytest.fixture(scope="module")
def simulated():
    counts, truth = simulate(2024)
    table, _ = compute_metrics(
        counts,
        metrics=["excess_flagged", "excess_false_accusations", "excess_flagged_amount"],
        reference={f"audit {i}": "M" for i in range(AUDITS)},
    )
    return table[table["group"] == "F"], truth


@pytest.mark.parametrize(
    ("metric", "truth"),
    [
        ("excess_flagged", "excess_flagged"),
        ("excess_false_accusations", "excess_false_accusations"),
        ("excess_flagged_amount", "amount"),
    ],
)
def test_intervals_cover_the_true_excess(simulated, metric, truth):
    table, truths = simulated
    rows = table[table["metric"] == metric]
    assert len(rows) == AUDITS
    t = truths[truth]
    covered = (rows["ci_low"].to_numpy() <= t) & (t <= rows["ci_high"].to_numpy())
    assert LOW <= covered.mean() <= HIGH, f"{metric}: coverage {covered.mean():.3f}"
    # and the estimates centre on the truth (no bias beyond Monte Carlo error)
    error = rows["value"].to_numpy() - t
    assert abs(error.mean()) < 3 * error.std(ddof=1) / np.sqrt(AUDITS)
