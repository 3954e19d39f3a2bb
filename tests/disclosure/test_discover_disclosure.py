"""Overlapping discovered subgroups are linear in the finest cells of the test half.

An attacker (``disclosure_attacker.py``, which knows nothing of biasaudit's disclosure
code) reads the published discoveries table and turns every count, rate, bound and
comparison into equations over the finest cells: the people who are in exactly the same
subgroups, by partition cell. It must recover no count of 1 to 9 people. On the
restricted table it does recover some: the case has counts to protect, and the
attacker has teeth.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from biasaudit.disclosure import mark_discoveries, publish_discoveries
from biasaudit.discover import Condition, DiscoverOptions, Subgroup
from biasaudit.discover._discover import _test
from biasaudit.spec import make_spec
from disclosure_attacker import Attacker, attack_results, partition_targets, records_finest

MIN_CELL = 10


def people(seed: int) -> tuple[pd.DataFrame, list[Subgroup], list[np.ndarray]]:
    """300 people with full labels and three subgroups: D2 is D1 less 6 people, D3
    overlaps both; a few finest cells are small."""
    rng = np.random.default_rng(seed)
    n = 300
    y = rng.random(n) < 0.3
    flag = rng.random(n) < np.where(y, 0.5, 0.2)
    index = np.arange(n)
    masks = [index < 100, index < 94, (index >= 88) & (index < 170)]
    subgroups = [
        Subgroup(f"D{i + 1}", "combinations", (Condition("g", values=(f"rule {i + 1}",)),))
        for i in range(3)
    ]
    frame = pd.DataFrame(
        {
            "flagged": flag.astype(int),
            "investigated": 1,
            "outcome": y.astype(int),
            "rows": 1,
            "w": 1.0,
            "w2": 1.0,
        }
    )
    return frame, subgroups, masks


def cells_of(frame: pd.DataFrame) -> np.ndarray:
    f, o = frame["flagged"].to_numpy() == 1, frame["outcome"].to_numpy()
    return np.select([f & (o == 1), f & (o == 0), ~f & (o == 1)], ["tp", "fp", "fn"], "tn")


def pair_targets(fin, subgroups) -> list[tuple[str, np.ndarray]]:
    """Two subgroups' overlap and differences, by every set of partition cells: the
    classic attack by differencing two published groups."""
    cells = fin.frame["cell"].to_numpy()
    live = list(dict.fromkeys(cells))
    out = []
    for a in subgroups:
        for b in subgroups:
            if a is b:
                continue
            in_a = fin.frame[a.name].to_numpy() == a.description
            in_b = fin.frame[b.name].to_numpy() == b.description
            for label, rows in (
                (f"{a.name} and {b.name}", in_a & in_b),
                (f"{a.name} not {b.name}", in_a & ~in_b),
            ):
                for k in range(1, len(live) + 1):
                    for subset in combinations(live, k):
                        vec = (rows & np.isin(cells, subset)).astype(float)
                        out.append((f"{label} [{'+'.join(subset)}]", vec))
    return out


def knows_empty_combinations(att: Attacker, subgroups) -> None:
    """The rules are published, so an attacker may know which combinations of subgroups
    nobody can be in (a rule that narrows another): every empty combination is 0."""
    names = [s.name for s in subgroups]
    frame = att.finest.frame
    people = frame.groupby(names)["count"].transform("sum").to_numpy()
    for i in np.flatnonzero(people == 0):
        vec = np.zeros(att.finest.size)
        vec[i] = 1.0
        att.equation(vec, 0.0, "an empty combination of subgroups")


def finest(frame: pd.DataFrame, subgroups, masks):
    """The attacker's truth: one row per person, each subgroup's label as its group."""
    truth = pd.DataFrame(
        {
            s.name: np.where(m, s.description, "everyone else")
            for s, m in zip(subgroups, masks, strict=True)
        }
    )
    truth["flag"] = frame["flagged"].to_numpy()
    truth["known"] = 1
    truth["y"] = frame["outcome"].to_numpy()
    names = [s.name for s in subgroups]
    return records_finest(truth, names, intersections=[names], cells=("TP", "FP", "FN", "TN"))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_small_count_of_the_finest_cells_is_recovered(seed):
    frame, subgroups, masks = people(seed)
    # the discoveries table with every subgroup's rows (disclosure off), then marked as
    # if all three were reported
    spec = make_spec(roles={"flagged": "f", "outcome": "o"}, groups=["g"], stats={"min_cell": 0})
    cells = cells_of(frame)
    table = _test(frame, subgroups, masks, cells, spec, None, DiscoverOptions(), 0.05)
    names = [s.name for s in subgroups]
    rows = table.drop(columns=["method", "discovery_p_adjusted", "reported", "suppressed"])
    marked = mark_discoveries(rows, np.column_stack(masks), cells, names, min_cell=MIN_CELL)
    table = table.assign(suppressed=marked["suppressed"], note=marked["note"])
    fin = finest(frame, subgroups, masks)
    targets = partition_targets(fin) + pair_targets(fin, subgroups)
    assert any(1 <= v @ fin.truth < MIN_CELL for _, v in targets)

    published = publish_discoveries(table, "selection_rate")
    att = Attacker(fin, min_cell=MIN_CELL)
    knows_empty_combinations(att, subgroups)
    attack_results(att, published, label="discoveries.csv")
    att.solve("linear")
    assert att.recovered(targets) == []
    # withheld rows show no number
    hidden = published[published["suppressed"]]
    assert len(hidden) and hidden[["value", "numerator", "denominator", "n"]].isna().all().all()

    restricted = Attacker(fin, min_cell=MIN_CELL)
    knows_empty_combinations(restricted, subgroups)
    attack_results(restricted, table, label="discoveries-restricted.csv")
    restricted.solve("linear")
    assert restricted.recovered(targets), "the restricted table should give small counts away"
