"""What every audit result shares: a marked table, its published view, CSV and JSON."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import write_csv, write_json


class PublishedResult(ABC):
    """Base of :class:`AuditResult` and :class:`FunnelResult`.

    A subclass holds ``table`` (every value, rows marked ``suppressed``) and defines
    :meth:`published_table` (what may be published) and :meth:`to_dict`; writing CSV
    and JSON, public or restricted, and the output folder are the same for every
    result.
    """

    table: pd.DataFrame

    @abstractmethod
    def published_table(self) -> pd.DataFrame:
        """The table as it may be published: rows marked ``suppressed`` are blanked."""

    @abstractmethod
    def to_dict(self, *, restricted: bool = False) -> dict[str, Any]:
        """The results as plain Python objects (NaN becomes None)."""

    def _output_table(self, restricted: bool) -> pd.DataFrame:
        return self.table if restricted else self.published_table()

    def to_csv(self, path: str | Path | None = None, *, restricted: bool = False) -> str | None:
        """Write the table as CSV (text cells safe to open in a spreadsheet).

        Suppressed rows are blanked unless ``restricted`` (the auditor's own copy).
        Returns the CSV text when ``path`` is None.
        """
        return write_csv(self._output_table(restricted), path)

    def to_json(self, path: str | Path | None = None, *, restricted: bool = False) -> str | None:
        """Write :meth:`to_dict` as JSON; return the text when ``path`` is None."""
        return write_json(self.to_dict(restricted=restricted), path)

    def report(
        self,
        out_dir: str | Path,
        *,
        restricted: bool = False,
        png: bool = False,
        pdf: bool = False,
        report: Mapping[str, Any] | None = None,
        language: str = "en",
    ) -> Path:
        """Write the output folder: report.html (and report.pdf with ``pdf``, which needs
        ``pip install 'biasaudit[pdf]'``), charts/ (SVG; PNG too with ``png``),
        results.csv, results.json and manifest.json; see :func:`biasaudit.write_outputs`.

        ``report``: the configuration's ``[report]`` section as a mapping (``title``,
        ``author``, ``names`` of attributes, ``labels`` of groups); ``language`` the language of
        report.html (``"en"`` or ``"nl"``; the results files are the same in every language)."""
        from ..report import write_outputs  # the output layer sits above this one

        return write_outputs(
            self,  # type: ignore[arg-type]  # every subclass is an AuditResult or FunnelResult
            out_dir,
            restricted=restricted,
            png=png,
            pdf=pdf,
            report=report,
            language=language,
        )
