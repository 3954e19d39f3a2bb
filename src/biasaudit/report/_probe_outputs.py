"""``write_probe_outputs``: the entry to the probing report, which loads the chart
stack only when called."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..probe import ProbeResult


def write_probe_outputs(
    result: ProbeResult,
    out_dir: str | Path,
    *,
    config: Mapping[str, Any] | None = None,
    restricted: bool = False,
    png: bool = False,
    pdf: bool = False,
    language: str = "en",
) -> Path:
    """Write the output folder of ``biasaudit probe``: report.html (its "Model probing"
    section), ``tables/probe-*.csv``, probe.json, charts/ and manifest.json (with the
    model's kind and sha256), and report.pdf with ``pdf``, as a whole or not at all.

    The flip table is published (small counts withheld) unless ``restricted``.
    ``language`` is the language of report.html and its charts (``"en"``, ``"nl"``);
    probe.json and tables/ are the same in every language.

    Raises
    ------
    OutputError
        When ``out_dir`` may not be replaced (see :func:`check_output_dir`).
    """
    from ._probe_report import write_probe_folder  # the chart stack loads on use

    return write_probe_folder(
        result,
        out_dir,
        config=config,
        restricted=restricted,
        png=png,
        pdf=pdf,
        language=language,
    )
