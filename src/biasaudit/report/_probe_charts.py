"""Charts of model probing: score changes per group when an attribute is flipped, and
features ranked by proxy strength x influence. Drawn from the published tables only,
their words in the current language (:func:`._messages.language`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._charts import PALETTE, Chart, _chart, _figure, _literal, _slug, _title
from ._messages import fmt, text


def flip_chart(table: pd.DataFrame, flip: str, confidence: float) -> Chart | None:
    """Mean score change per group (with its interval) for one flip; None when every
    group is withheld."""
    rows = table[(table["flip"] == flip) & table["mean_change"].notna()]
    if rows.empty:
        return None
    labels = [
        text("pchart.everyone_flipped") if a == "all" else f"{a} = {g}"
        for a, g in zip(rows["attribute"], rows["group"], strict=True)
    ]
    fig = _figure(7.5, 1.4 + 0.38 * len(rows))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    mean = rows["mean_change"].to_numpy(float)
    lo = rows["change_ci_low"].to_numpy(float)
    hi = rows["change_ci_high"].to_numpy(float)
    colors = [PALETTE[0] if m >= 0 else PALETTE[4] for m in mean]
    err = np.vstack([np.nan_to_num(mean - lo), np.nan_to_num(hi - mean)])
    ax.errorbar(mean, y, xerr=err, fmt="none", ecolor="#333", elinewidth=1.2, capsize=3)
    ax.scatter(mean, y, c=colors, s=36, zorder=3)
    ax.axvline(0, color="#555", lw=0.8)
    ax.set_yticks(y, labels=[_literal(x) for x in labels], fontsize=9)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(text("pchart.flip_axis"), fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    own = rows[rows["attribute"] == rows["attribute"].iloc[-1]]
    flipped = rows[rows["attribute"] != "all"]
    if len(flipped):
        own = flipped[flipped["attribute"] == flipped["attribute"].iloc[0]]
    shown = ", ".join(
        f"{a} = {g} {fmt(m, '+.3f')}"
        for a, g, m in zip(own["attribute"], own["group"], own["mean_change"], strict=True)
    )
    title = text("pchart.flip_title", flip=flip, shown=shown)
    _title(fig, title)
    level = fmt(100 * confidence, "g") + "%"
    values = "; ".join(
        text(
            "pchart.flip_value",
            group=lab,
            mean=fmt(m, "+.4f"),
            level=level,
            low=fmt(a, "+.4f"),
            high=fmt(b, "+.4f"),
        )
        for lab, m, a, b in zip(labels, mean, lo, hi, strict=True)
        if not math.isnan(m)
    )
    return _chart(f"probe-flip-{_slug(flip)}", title, f"{title}. {values}.", fig, flip)


def proxy_chart(table: pd.DataFrame, attribute: str) -> Chart | None:
    """Features ranked by proxy strength x influence for one protected attribute."""
    rows = table[(table["attribute"] == attribute) & table["proxy_score"].notna()]
    if rows.empty:
        return None
    rows = rows.sort_values("proxy_score", ascending=False, kind="stable")
    fig = _figure(7.5, 1.4 + 0.38 * len(rows))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y, rows["proxy_score"].to_numpy(float), color=PALETTE[0])
    ax.set_yticks(y, labels=[_literal(f) for f in rows["feature"]], fontsize=9)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(text("pchart.proxy_axis"), fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    top = rows.iloc[0]
    strength = f"{top['measure']} {fmt(top['strength'], '.2f')}"
    title = text(
        "pchart.proxy_title",
        feature=top["feature"],
        attribute=attribute,
        strength=strength,
        share=fmt(100 * top["influence_share"], ".0f") + "%",
    )
    _title(fig, title)
    values = "; ".join(
        f"{f}: {fmt(s, '.3f')}" for f, s in zip(rows["feature"], rows["proxy_score"], strict=True)
    )
    return _chart(f"probe-proxy-{_slug(attribute)}", title, f"{title}. {values}.", fig, attribute)
