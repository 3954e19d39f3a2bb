"""The audit dossier: one printable appendix for regulators and reviewers.

Data and row ledger, population, the labels and their limits, methods and glossary,
tests and corrections, disclosure control, software versions and input checksums.
Built from the published tables and the result's provenance only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ..counts import OVERALL
from ..spec import INTERSECTION_SEP, metric
from ._html import e, table
from ._labels import Labels
from ._messages import fmt, has, plain, text
from ._messages import label as metric_label
from ._notes import note_text
from ._sentences import withheld_text


def _li(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>"


def data_part(result: Any) -> str:
    """Source, checksum or database, and the row ledger (``provenance``)."""
    led, src = result.ledger, result.source
    items = [text("dossier.source", name=src.name, kind=src.kind, engine=src.engine)]
    if "server_version" not in src.options:
        items.append(text("dossier.sha", sha=src.sha256 or text("dossier.not_a_file")))
    else:
        items.append(text("dossier.database", version=src.options["server_version"]))
        if "url" in src.options:
            items.append(text("dossier.server", url=src.options["url"]))
        for key in ("table", "query"):
            if key in src.options:
                items.append(text(f"dossier.{key}", **{key: src.options[key]}))
    items.append(
        text(
            "dossier.rows",
            read=fmt(led.rows_read),
            analysed=fmt(led.rows_analysed),
            excluded=fmt(led.rows_excluded),
        )
    )
    items += [text("dossier.excluded", count=fmt(k), reason=note_text(r)) for r, k in led.excluded]
    items += [text("dossier.note", note=note_text(n)) for n in led.notes]
    return f'<section id="provenance"><h3>{e(text("dossier.data"))}</h3>{_li(items)}</section>'


def population_part(published: pd.DataFrame, labels: Labels) -> str:
    """People in each group (``n`` of the published table; blank where withheld)."""
    keys = [c for c in ("dataset", "attribute", "group") if c in published.columns]
    rows = published[
        (published["attribute"] != OVERALL)
        & ~published["attribute"].astype(str).str.contains(INTERSECTION_SEP)
    ]
    # a group's size from any of its published rows (a withheld row shows none)
    sizes = rows[~rows["suppressed"].astype(bool)].groupby(keys, sort=False)["n"].max()
    out = []
    for _, row in rows.drop_duplicates(keys).iterrows():
        n = sizes.get(tuple(row[k] for k in keys), math.nan)
        shown = fmt(float(n), ",.0f") if isinstance(n, float | int) and n == n else ""
        group = labels.group(str(row["attribute"]), str(row["group"]))
        if "dataset" in keys:
            group = f"{row['dataset']}: {group}"
        out.append(
            [
                f'<th scope="row">{e(group)}</th>',
                f"<td>{e(labels.name(str(row['attribute'])))}</td>",
                f'<td class="num">{e(shown)}</td>',
            ]
        )
    head = [text("col.group"), text("dossier.attribute"), text("dossier.people")]
    return (
        f'<section id="population"><h3>{e(text("dossier.population"))}</h3>'
        + table(head, out, text("dossier.population_caption"))
        + "</section>"
    )


def labels_part(result: Any, published: pd.DataFrame | None, labels: Labels) -> str:
    """The shape of the data, the flag rule, what each metric can show (``data-shape``)."""
    shape = result.data_shape if published is not None else "funnel"
    explained = text(f"shape.{shape}") if has(f"shape.{shape}") else ""
    name = text(f"shapename.{shape}") if has(f"shapename.{shape}") else shape
    items = [text("dossier.shape", shape=name, explained=explained)]
    rule = getattr(result, "flag_rule", None)
    if rule:
        items.append(text("dossier.flag_rule", rule=rule))
    named = [
        f"{labels.name(a)}: " + ", ".join(f"{g} = {v}" for g, v in groups.items())
        for a, groups in labels.groups.items()
    ]
    if named:
        items.append(text("dossier.group_labels", labels="; ".join(named)))
    lines: list[str] = []
    if published is not None:
        rows = published[published["attribute"] != OVERALL]
        for name, part in rows.groupby("metric", sort=False):
            numbers = int(part["value"].notna().sum())
            ranged = int((part["value"].isna() & part["lower_bound"].notna()).sum())
            how = (
                "how.mixed"
                if numbers and ranged
                else "how.ranged"
                if ranged
                else "how.number"
                if numbers
                else "how.none"
            )
            lines.append(text("dossier.can_show", metric=metric_label(str(name)), how=text(how)))
    return (
        f'<section id="data-shape"><h3>{e(text("dossier.labels"))}</h3>'
        + "".join(f"<p>{e(i)}</p>" for i in items)
        + (_li(lines) if lines else "")
        + "</section>"
    )


def methods_part(names: Sequence[str], interval: str) -> str:
    rows = []
    for name in names:
        m = metric(name)
        rows.append(
            [
                f'<th scope="row"><code>{e(m.name)}</code></th>',
                f"<td>{e(metric_label(m.name))}</td>",
                f"<td>{e(m.formula)}</td>",
                f"<td>{e(plain(m.name))}</td>",
            ]
        )
    head = [text("gcol.name"), text("gcol.label"), text("gcol.formula"), text("gcol.plain")]
    name = text(f"interval.{interval}") if has(f"interval.{interval}") else interval
    intro = text("dossier.methods_text", interval=name)
    return (
        f'<section id="methods"><h3>{e(text("dossier.methods"))}</h3><p>{e(intro)}</p>'
        + table(head, rows, text("dossier.glossary_caption"))
        + "</section>"
    )


def tests_part(tests: int, confidence: float, correction: str, family: str) -> str:
    line = text(
        "dossier.tests_text",
        tests=fmt(tests),
        level=fmt(confidence, ".0%"),
        correction=text(f"correction.{correction}")
        if has(f"correction.{correction}")
        else correction,
        family=family,
        alpha=fmt(1 - confidence, ".4g"),
    )
    return f'<section id="tests"><h3>{e(text("dossier.tests"))}</h3><p>{e(line)}</p></section>'


def disclosure_part(full: pd.DataFrame, min_cell: int, labels: Labels | None = None) -> str:
    if min_cell <= 0:
        rule = text("dossier.disclosure_off")
    else:
        rule = text(
            "dossier.disclosure_on",
            below=fmt(min_cell - 1),
            suppressed=fmt(int(full["suppressed"].sum())),
            withheld=withheld_text(full, min_cell, (labels or Labels()).people),
        )
    return (
        f'<section id="disclosure"><h3>{e(text("dossier.disclosure"))}</h3>'
        f"<p>{e(rule.strip())}</p></section>"
    )


def software_part(versions: Mapping[str, str], config: Mapping[str, Any] | None) -> str:
    shown = ", ".join(f"{k} {v}" for k, v in versions.items())
    items = [text("dossier.versions", versions=shown)]
    if config:
        items.append(
            text("dossier.config", config=json.dumps(config, ensure_ascii=False, default=str))
        )
    items.append(text("dossier.reproduce"))
    return (
        f'<section id="software"><h3>{e(text("dossier.software"))}</h3>'
        + "".join(f"<p>{e(i)}</p>" for i in items)
        + "</section>"
    )


def dossier(parts: Sequence[str]) -> str:
    return (
        f'<section id="dossier"><h2>{e(text("dossier.heading"))}</h2>'
        f"<p>{e(text('dossier.intro'))}</p>{''.join(parts)}</section>"
    )
