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
from ..spec import metric

#: The columns of the section's table: (column, heading).
_COLUMNS = (
    ("attribute", "Subgroup"),
    ("method", "Found by"),
    ("group", "Who (the rule)"),
    ("n", "People (test half)"),
    ("value", "Rate"),
    ("reference_value", "Everyone else"),
    ("ratio", "Ratio"),
    ("ratio_ci_low", "CI low"),
    ("ratio_ci_high", "CI high"),
    ("discovery_p_adjusted", "Adjusted p"),
    ("reported", "Reported"),
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
        return f"<td>{'yes' if bool(value) else 'no'}</td>"
    if column == "n":
        return f'<td class="num">{int(value):,}</td>'
    if column in ("value", "reference_value"):
        return f'<td class="num">{100 * float(value):.1f}%</td>'
    if column == "discovery_p_adjusted":
        p = float(value)
        return f'<td class="num">{"&lt; 0.001" if p < 0.001 else f"{p:.3f}"}</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:.2f}</td>'
    return f"<td>{_e(value)}</td>"


def discoveries_section(result: AuditResult) -> str:
    """The report's section on the discovered subgroups ("" when none was run)."""
    found = result.discoveries
    if found is None:
        return ""
    label = metric(found.metric).label.lower()
    correction = {"holm": "Holm's", "fdr_bh": "Benjamini and Hochberg's"}[found.correction]
    controls = (
        "the chance of reporting any subgroup that is not worse off"
        if found.correction == "holm"
        else "the expected share of reported subgroups that are not worse off"
    )
    intro = (
        f"Nobody named these groups in advance: biasaudit searched for them. The "
        f"{found.rows:,} people analysed were split at random (seed {found.seed}) into two "
        f"halves. On one ({found.find_rows:,} people) it searched combinations of "
        "attributes and clusters of the model's inputs for the groups whose "
        f"{label} is furthest above everyone else's; on the other ({found.test_rows:,} "
        "people) it tested only what the first half found, so the search cannot make a "
        f"finding by itself. {correction} correction over the {len(found.subgroups)} "
        f"subgroups tested keeps {controls} below {found.level:g}. Every number below is "
        "from the test half; a subgroup is its rule, applied as written (ranges are "
        "rounded outward to two significant digits). The search ran in memory on the "
        "records."
    )
    sentences = found.sentences()
    items = "".join(f"<li>{_e(s)}</li>" for s in sentences) or (
        f"<li>No subgroup's {_e(label)} was significantly worse than everyone else's in the "
        "test half.</li>"
    )
    table = found.published()
    rows = table[(table["metric"] == found.metric) & (table["group"] != "everyone else")]
    rows = rows[rows["attribute"] != "(overall)"]
    head = "".join(f'<th scope="col">{_e(h)}</th>' for _, h in _COLUMNS)
    body = "".join(
        "<tr>" + "".join(_cell(c, r[c]) for c, _ in _COLUMNS) + "</tr>"
        for r in rows.to_dict("records")
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in found.notes)
    caption = f"Subgroups tested: {label} against everyone else in the test half"
    caption += f" ({found.confidence:.0%} confidence intervals)"
    return (
        '<section id="discoveries"><h2>Subgroups nobody named</h2>'
        f"<p>{_e(intro)}</p><ul>{items}</ul>"
        f'<div class="table-wrap"><table><caption>{_e(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "<p>A subgroup that was tested but not reported shows its rule only: its numbers "
        "are not published (it was not shown to be worse off, nor shown to be fine). Every "
        "metric of each reported subgroup, with everyone else, is in "
        "<code>discoveries.csv</code>.</p></section>"
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
