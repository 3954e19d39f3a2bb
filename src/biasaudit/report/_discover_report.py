"""The discovered subgroups in the output folder: ``discoveries.csv`` and the report's
section "Subgroups nobody named".

Built from the published discoveries table only (withheld rows blanked), like the rest
of the report. Kept apart from the report's own module so the section stays one call.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ..audits import AuditResult
from ..io import write_csv
from ._messages import fmt, text
from ._messages import label as metric_label
from ._notes import note_text

#: The columns of the section's table (headed by the catalogue's ``dcol.<column>``).
_COLUMNS = (
    "attribute",
    "method",
    "group",
    "n",
    "value",
    "reference_value",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "discovery_p_adjusted",
    "reported",
)


def discoveries_file(restricted: bool) -> str:
    """The file name of the discoveries table in an output folder."""
    return "discoveries-restricted.csv" if restricted else "discoveries.csv"


def write_discoveries(result: Any, folder: Path, *, restricted: bool = False) -> None:
    """Write ``discoveries.csv`` (published) or ``discoveries-restricted.csv`` when the
    audit ran a discovery."""
    found = getattr(result, "discoveries", None)
    if found is None:
        return
    table = found.table if restricted else found.published()
    write_csv(table, folder / discoveries_file(restricted))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cell(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "<td></td>"
    if column == "reported":
        return f"<td>{_e(text('discover.yes' if bool(value) else 'discover.no'))}</td>"
    if column == "n":
        return f'<td class="num">{fmt(int(value))}</td>'
    if column in ("value", "reference_value"):
        return f'<td class="num">{fmt(100 * float(value), ".1f")}%</td>'
    if column == "discovery_p_adjusted":
        p = float(value)
        return f'<td class="num">{_e(text("p.small") if p < 0.001 else fmt(p, ".3f"))}</td>'
    if isinstance(value, float):
        return f'<td class="num">{fmt(value, ".2f")}</td>'
    return f"<td>{_e(value)}</td>"


def _sentences(found: Any, label: str) -> list[str]:
    """One sentence per reported subgroup (the facts of ``Discoveries.sentences``)."""
    out = []
    for r in found.reported(published=True).itertuples():
        if r.value != r.value:
            out.append(text("discover.withheld", subgroup=r.attribute, rule=r.group))
            continue
        p = r.discovery_p_adjusted
        ci = ""
        if r.ratio_ci_low == r.ratio_ci_low:
            ci = text(
                "discover.ci",
                level=fmt(found.confidence, ".0%"),
                low=fmt(r.ratio_ci_low, ".2f"),
                high=fmt(r.ratio_ci_high, ".2f"),
            )
        out.append(
            text(
                "discover.sentence",
                subgroup=r.attribute,
                rule=r.group,
                metric=label,
                value=fmt(r.value, ".1%"),
                everyone=fmt(r.reference_value, ".1%"),
                ratio=fmt(r.ratio, ".2f"),
                ci=ci,
                p=text("discover.p_small") if p < 0.001 else text("discover.p", p=fmt(p, ".3f")),
                n=fmt(int(r.n)),
            )
        )
    return out


def discoveries_section(result: AuditResult) -> str:
    """The report's section on the discovered subgroups ("" when none was run)."""
    found = result.discoveries
    if found is None:
        return ""
    label = metric_label(found.metric).lower()
    holm = found.correction == "holm"
    intro = text(
        "discover.intro",
        rows=fmt(found.rows),
        seed=found.seed,
        find_rows=fmt(found.find_rows),
        metric=label,
        test_rows=fmt(found.test_rows),
        correction=text("discover.holm" if holm else "discover.bh"),
        tested=fmt(len(found.subgroups)),
        controls=text("discover.controls_holm" if holm else "discover.controls_bh"),
        level=fmt(found.level, "g"),
    )
    sentences = _sentences(found, label)
    items = "".join(f"<li>{_e(s)}</li>" for s in sentences) or (
        f"<li>{_e(text('discover.none', metric=label))}</li>"
    )
    table = found.published()
    rows = table[(table["metric"] == found.metric) & (table["group"] != "everyone else")]
    rows = rows[rows["attribute"] != "(overall)"]
    head = "".join(f'<th scope="col">{_e(text(f"dcol.{c}"))}</th>' for c in _COLUMNS)
    body = "".join(
        "<tr>" + "".join(_cell(c, r[c]) for c in _COLUMNS) + "</tr>"
        for r in rows.to_dict("records")
    )
    notes = "".join(f"<li>{_e(note_text(n))}</li>" for n in found.notes)
    caption = text("discover.caption", metric=label, level=fmt(found.confidence, ".0%"))
    return (
        f'<section id="discoveries"><h2>{_e(text("discover.heading"))}</h2>'
        f"<p>{_e(intro)}</p><ul>{items}</ul>"
        f'<div class="table-wrap"><table><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + f"<p>{_e(text('discover.outro'))}</p></section>"
    )


def discovery_lines(result: Any, *, restricted: bool = False) -> list[str]:
    """The command line's lines on the discoveries: the reported subgroups."""
    found = getattr(result, "discoveries", None)
    if found is None:
        return []
    shown = found.sentences(published=not restricted)
    head = (
        f"  discovery: {len(found.subgroups)} subgroups tested on the test half "
        f"({found.test_rows:,} people), {len(shown)} reported"
    )
    return [head] + [f"  discovered {s}" for s in shown[:5]]
