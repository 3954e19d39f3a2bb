"""Synthetic scored records shared by the score-analysis tests (no test in here)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def scored_records(
    seed: int, *, n: int = 2000, discrete: bool = True, selective: bool = False
) -> pd.DataFrame:
    """Scored people in groups g (a 50%, b 40%, c 10%) and s (f / m).

    Columns g, s, score (risk classes 1..10, or a continuous score in [0, 1.15)), inv
    (investigated: random, more often at high scores) and y (the outcome, more likely at
    high scores; missing for the not investigated when ``selective``).
    """
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.4, 0.1])
    s = rng.choice(["f", "m"], size=n)
    raw = rng.beta(2, 5, size=n) + 0.15 * (g == "b")
    score = np.ceil(raw * 10).clip(1, 10) if discrete else raw
    y = (rng.random(n) < raw / 1.5 + 0.05 * (g == "c")).astype(float)
    inv = (rng.random(n) < 0.2 + raw).astype(int)
    df = pd.DataFrame({"g": g, "s": s, "score": score, "inv": inv, "y": y})
    if selective:
        df.loc[df["inv"] == 0, "y"] = np.nan
    return df


#: People per score 1..10; A (the reference, largest) leans low, B high, C flat.
CLASS_COUNTS = {
    "A": [600, 500, 500, 400, 400, 400, 400, 300, 300, 200],
    "B": [100, 150, 150, 200, 200, 200, 200, 250, 250, 300],
    "C": [200] * 10,
}


def class_records(tiny: bool = False) -> pd.DataFrame:
    """Risk classes 1..10 per group g (:data:`CLASS_COUNTS`), the outcome y rising with
    the score; ``tiny`` adds a group of 4 people (suppressed, with complementary cells
    of the other groups)."""
    rows = []
    for g, counts in CLASS_COUNTS.items():
        for s, k in enumerate(counts, start=1):
            positives = k * s // 12  # the outcome rate rises with the score
            rows += [{"g": g, "score": s, "y": int(i < positives)} for i in range(k)]
    if tiny:
        rows += [{"g": "tiny", "score": s, "y": i % 2} for i, s in enumerate([10, 10, 2, 2])]
    return pd.DataFrame(rows)
