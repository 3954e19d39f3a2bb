"""The funnel chart draws a branching process as branches, and its title tells the
best-supported disparity (issue 19)."""

from __future__ import annotations

import math

import pandas as pd

import biasaudit
from biasaudit.report._charts import funnel_chart

# home visit branches into found and unfounded; found goes on to appealed
STAGES = ["scored", "visit", ["found", "visit"], ["unfounded", "visit"], ["appealed", "found"]]
COUNTS = pd.DataFrame(
    {
        "group": ["ref", "x", "y"],
        "scored": [20_000, 4_000, 20],
        "visit": [1_000, 1_600, 5],
        "found": [300, 1_000, 4],
        "unfounded": [700, 600, 1],
        "appealed": [100, 300, 2],
    }
)


def _table():
    result = biasaudit.funnel(
        COUNTS,
        groups="group",
        stages=STAGES,
        layout="wide",
        reference={"group": "ref"},
        min_cell=0,
    )
    return result.published_table()


def test_each_line_joins_a_stage_to_the_stage_it_came_from():
    chart = funnel_chart(_table(), "group")
    ax = chart.figure.axes[0]
    ticks = {
        t.get_text().strip(): x for x, t in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
    }
    depth = {"scored": 0, "visit": 1, "found": 2, "unfounded": 2, "appealed": 3}
    # branches of one stage sit at the same depth, side by side
    assert round(ticks["found"]) == round(ticks["unfounded"]) == 2
    assert ticks["found"] != ticks["unfounded"]
    lines = [ln for ln in ax.lines if ln.get_gid() == "funnel-line"]
    # 3 groups x 4 joins (visit, found, unfounded, appealed)
    assert len(lines) == 12
    for line in lines:
        (x0, x1) = line.get_xdata()
        assert round(x1) - round(x0) == 1  # one step deeper: never across a sibling
    # found -> appealed starts at found's column, not unfounded's
    starts = {round(float(ln.get_xdata()[0]), 1) for ln in lines if round(ln.get_xdata()[1]) == 3}
    assert all(abs(s - ticks["found"]) < 0.2 for s in starts)
    assert depth["appealed"] == 3


def test_title_tells_the_best_supported_disparity():
    table = _table()
    title = funnel_chart(table, "group").title
    # y reaches 'appealed' 2 / 20 = 10% against ref's 100 / 20,000 = 0.5%: a ratio of 20
    # on 20 people; x reaches 'found' 1,000 / 4,000 = 25% against 1.5%, a ratio of 16.7
    # on 4,000 people. The title tells the one whose interval keeps furthest from 1
    # (Katz's interval by hand: log ratio -/+ 1.96 x its standard error).
    rows = table[(table["group"] != "ref") & table["share_ratio"].notna()].copy()
    ref = table[table["group"] == "ref"].set_index("stage")["count"]
    low = []
    for r in rows.itertuples():
        se = math.sqrt(1 / r.count - 1 / r.n + 1 / ref[r.stage] - 1 / 20_000)
        low.append(math.log(r.share_ratio) - 1.959964 * se)
    best = rows.iloc[max(range(len(low)), key=low.__getitem__)]
    assert f"of {best['group']} reached '{best['stage']}'" in title
    largest = rows.loc[rows["share_ratio"].idxmax()]
    assert (best["group"], best["stage"]) != (largest["group"], largest["stage"])
