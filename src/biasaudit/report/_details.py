"""Details on demand: one collapsible section per attribute and intersection.

Each holds the clear findings of its groups, one chart per headline measure (drawn
once: the one at the top of the report is not drawn again) and a table of the
headline measures; every other metric, difference and test is in results.csv. An
intersection of many cells shows the cells whose interval lies furthest from 1, with
the reference cell, in its chart and its table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..spec import HEADLINE, INTERSECTION_SEP
from ..spec import metric as metric_spec
from ._charts import (
    HEATMAP_CELLS,
    Chart,
    _for_dataset,
    _ratio_state,
    _reference,
    _rows,
    _slug,
    cells_chart,
    heatmap_chart,
)
from ._charts import _unit as unit_of
from ._findings import percent
from ._headline import Told, support
from ._html import details, e, figure, finite, table
from ._labels import Labels, capital
from ._measure_chart import measure_chart, rate_state, shows_difference
from ._messages import fmt, text
from ._messages import label as metric_label
from ._notes import note_text

#: Cells of a large intersection shown in its charts and table.
CELLS = 12


@dataclass
class Drawn:
    """Charts drawn so far, by (dataset, attribute, metric): each is drawn once."""

    keys: set[tuple[str | None, str, str]] = field(default_factory=set)


def measures(table: pd.DataFrame, attribute: str) -> list[str]:
    """The headline measures of an attribute, in their order (precision when the
    table has no false discovery rate)."""
    present = set(table.loc[table["attribute"] == attribute, "metric"])
    names = [m for m in HEADLINE if m in present]
    if "false_discovery_rate" not in present and "precision" in present:
        names.append("precision")
    return names


def parts(table: pd.DataFrame) -> Iterator[tuple[str | None, pd.DataFrame]]:
    """The table per dataset (one part, ``None``, when it holds one)."""
    if "dataset" in table.columns:
        for dataset, part in table.groupby("dataset", sort=False, dropna=False):
            yield str(dataset), part
    else:
        yield None, table


def chart_for(
    part: pd.DataFrame,
    attribute: str,
    metric: str,
    dataset: str | None,
    labels: Labels,
    colors: Mapping[tuple[str, str], str],
    confidence: float,
) -> Chart | None:
    """The one chart of ``metric`` for ``attribute`` (None: nothing to show)."""
    if INTERSECTION_SEP in attribute:
        rows = _rows(part, attribute, metric)
        ref = _reference(rows)
        if not any(_ratio_state(r, ref) in ("point", "range") for _, r in rows.iterrows()):
            return None
        if rows["group"].nunique() <= HEATMAP_CELLS:
            chart = heatmap_chart(part, attribute, metric, confidence=confidence)
        else:
            chart = cells_chart(part, attribute, metric, cells=CELLS, confidence=confidence)
    else:
        if not shows_difference(part, attribute, metric):
            return None
        chart = measure_chart(
            part,
            attribute,
            metric,
            name=labels.name(attribute),
            colors=colors,
            confidence=confidence,
        )
    return _for_dataset(chart, dataset) if dataset is not None else chart


def top_cells(part: pd.DataFrame, intersection: str, metric: str, n: int = CELLS) -> list[str]:
    """The cells :func:`cells_chart` shows: the reference, then those whose interval
    keeps furthest from 1 (then the furthest ratios)."""
    rows = _rows(part, intersection, metric)
    ref = _reference(rows)
    ranked = []
    for _, row in rows.iterrows():
        if _ratio_state(row, ref) != "point" or not row["ratio"] >= 0:
            continue
        r = row["ratio"]
        size = abs(math.log(r)) if r > 0 else math.inf
        ranked.append(
            (support(row["ratio_ci_low"], row["ratio_ci_high"]), size, str(row["group"]))
        )
    ranked.sort(key=lambda t: (-t[0], -t[1], t[2]))
    return ([ref] if ref is not None else []) + [g for *_, g in ranked[: max(n, 1)]]


def section(
    attribute: str,
    raw: pd.DataFrame,
    shown: pd.DataFrame,
    told: Sequence[Told],
    *,
    labels: Labels,
    rule: str,
    colors: Mapping[tuple[str, str], str],
    confidence: float,
    drawn: Drawn,
    save: Callable[[Chart], str],
) -> str:
    """The collapsible section of one attribute or intersection.

    ``raw`` is the published table as it is, ``shown`` the same with the groups
    labelled (what the charts read).
    """
    names = measures(raw, attribute)
    mine = [t for t in told if t.attribute == attribute]
    clear = [t for t in mine if t.strength == "clear"]
    body = [_reference_line(raw, attribute, labels, rule)]
    if clear:
        body.append("<ul>" + "".join(f"<li>{e(t.sentence)}</li>" for t in clear[:6]) + "</ul>")
    if len(mine) > len(clear[:6]):
        body.append(f"<p>{e(text('details.more', n=fmt(len(mine) - len(clear[:6]))))}</p>")
    big = (
        INTERSECTION_SEP in attribute
        and raw.loc[raw["attribute"] == attribute, "group"].nunique() > HEATMAP_CELLS
    )
    cells: set[str] = set()
    figures: list[str] = []
    notes: list[str] = []
    for (dataset, part), (_, labelled) in zip(parts(raw), parts(shown), strict=True):
        if not (part["attribute"] == attribute).any():
            continue
        for name in names:
            label = metric_label(name)
            if (dataset, attribute, name) in drawn.keys:
                notes.append(text("details.at_top", metric=label.lower()))
                continue
            chart = chart_for(labelled, attribute, name, dataset, labels, colors, confidence)
            if chart is None:
                if INTERSECTION_SEP not in attribute and _has_rows(part, attribute, name):
                    notes.append(text("details.not_charted", metric=label.lower()))
                continue
            drawn.keys.add((dataset, attribute, name))
            figures.append(save(chart))
            if big:
                cells.update(top_cells(part, attribute, name))
    body += [f"<p>{e(n)}</p>" for n in dict.fromkeys(notes)]
    body.append("".join(figures))
    rows = raw[(raw["attribute"] == attribute) & raw["metric"].isin(names)]
    heading = capital(labels.name(attribute))
    caption = text("details.table", name=heading)
    if big:
        total = raw.loc[raw["attribute"] == attribute, "group"].nunique()
        rows = rows[rows["group"].isin(cells)]
        body.append(f"<p>{e(text('details.cells', shown=fmt(len(cells)), total=fmt(total)))}</p>")
        caption = text("details.table_cells", name=heading)
    body.append(measure_table(rows, labels, confidence, caption))
    groups = raw.loc[raw["attribute"] == attribute, "group"].nunique()
    gist = clear[0].short if clear else text("details.gist", count=fmt(groups))
    return details(heading, "".join(body), id=f"attribute-{_slug(attribute)}", gist=gist)


def _has_rows(part: pd.DataFrame, attribute: str, metric: str) -> bool:
    return bool(((part["attribute"] == attribute) & (part["metric"] == metric)).any())


def _reference_line(raw: pd.DataFrame, attribute: str, labels: Labels, rule: str) -> str:
    refs = raw.loc[raw["attribute"] == attribute, "reference_group"].dropna()
    refs = [r for r in refs if isinstance(r, str) and r]
    if not refs:
        return ""
    ref = max(set(refs), key=refs.count)
    how = {
        "largest": text("rule.largest"),
        "most_favourable": text("rule.most_favourable"),
    }.get(rule, text("rule.named"))
    line = text("details.reference", reference=labels.people(attribute, ref), rule=how)
    return f"<p>{e(line)}</p>"


def measure_table(rows: pd.DataFrame, labels: Labels, confidence: float, caption: str) -> str:
    """The headline measures of the groups: value with its interval or range, the
    denominator, the ratio to the reference with its interval, the adjusted p-value."""
    level = fmt(confidence, ".0%")
    head = [
        text("col.group"),
        text("col.measure"),
        text("col.value"),
        text("col.ci", level=level),
        text("col.of"),
        text("col.ratio"),
        text("col.ratio_ci", level=level),
        text("col.p"),
        text("col.note"),
    ]
    several = "dataset" in rows.columns
    out = []
    for _, row in rows.iterrows():
        spec = metric_spec(str(row["metric"]))
        unit = _rate_text if unit_of(spec).__name__ == "_pct" else unit_of(spec)
        state = rate_state(row)
        group = labels.group(str(row["attribute"]), str(row["group"]))
        if several:
            group = f"{row['dataset']}: {group}"
        value = ci = of = ratio = ratio_ci = p = ""
        if state == "point":
            value = unit(row["value"])
            if finite(row["ci_low"]) and finite(row["ci_high"]):
                ci = text("cell.range", low=unit(row["ci_low"]), high=unit(row["ci_high"]))
        elif state == "range":
            value = text("cell.range", low=unit(row["lower_bound"]), high=unit(row["upper_bound"]))
        if state in ("point", "range") and finite(row["denominator"]):
            d = float(row["denominator"])
            of = fmt(d, ",.0f") if d.is_integer() else text("cell.estimated", count=fmt(d, ",.0f"))
        ref = row.get("reference_group")
        if state != "suppressed" and isinstance(ref, str) and ref == row["group"]:
            ratio = text("cell.reference")
        elif finite(row["ratio"]):
            ratio = fmt(row["ratio"], ".2f")
        if finite(row["ratio_ci_low"]):
            high = row["ratio_ci_high"]
            ratio_ci = text(
                "cell.range",
                low=fmt(row["ratio_ci_low"], ".2f"),
                high=fmt(high, ".2f") if finite(high) else "∞",
            )
        if finite(row["p_adjusted"]):
            p = text("p.small") if row["p_adjusted"] < 0.001 else fmt(row["p_adjusted"], ".3f")
        note = text("cell.suppressed") if state == "suppressed" else str(row.get("note") or "")
        if note == "nan":
            note = ""
        note = note_text(note)
        cells = [
            f'<th scope="row">{e(group)}</th>',
            f"<td>{e(metric_label(spec.name))}</td>",
            *(f'<td class="num">{e(v)}</td>' if v else "<td></td>" for v in (value, ci, of)),
            *(f'<td class="num">{e(v)}</td>' if v else "<td></td>" for v in (ratio, ratio_ci, p)),
            f"<td>{e(note)}</td>",
        ]
        out.append(cells)
    return table(head, out, caption)


def _rate_text(x: float) -> str:
    return percent(x)


def save_into(folder: Path, png: bool) -> Callable[[Chart], str]:
    """``save(chart)``: the chart saved into ``folder`` and embedded."""
    return lambda chart: figure(chart, folder, png)
