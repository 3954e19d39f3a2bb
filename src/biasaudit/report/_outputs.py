"""Writing an audit's output folder: results.csv, results.json, tables/, manifest.json.

Files are written to a temporary folder beside the target and moved into place at
the end, so a failure never leaves half an output folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from .._exceptions import OutputError
from ..audits import AuditResult, FunnelResult, spec_to_dict
from ..disclosure import publish
from ..io import safe_for_spreadsheets

Result = AuditResult | FunnelResult

_VERSIONED = ("biasaudit", "numpy", "scipy", "pandas", "narwhals", "pyarrow", "polars", "duckdb")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that can affect the numbers."""
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def manifest(
    result: Result, *, config: Mapping[str, Any] | None = None, restricted: bool = False
) -> dict[str, Any]:
    """Provenance of an audit: input, row ledger, configuration, versions, disclosure."""
    out: dict[str, Any] = {
        "tool": "biasaudit",
        "disclosure": result.to_dict(restricted=restricted)["disclosure"],
        "input": result.source.to_dict(),
        "row_ledger": result.ledger.to_dict(),
        "data_shape": result.data_shape,
        "flag_rule": result.flag_rule,
        "references": result.references,
        "config": dict(config) if config is not None else None,
        "spec": (
            spec_to_dict(result.spec)
            if isinstance(result, AuditResult)
            else {"stages": [list(s) for s in result.counts.stages], **asdict(result.options)}
        ),
        "versions": package_versions(),
    }
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        created = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        out["created"] = created.isoformat().replace("+00:00", "Z")
    return out


#: What an output folder may hold; anything else means it is not ours to replace.
OUTPUT_NAMES = frozenset(
    {
        "manifest.json",
        "results.csv",
        "results.json",
        "results-restricted.csv",
        "results-restricted.json",
        "report.html",
        "charts",
        "tables",
    }
)
#: Text columns of the analysis tables that a spreadsheet could read as a formula.
_TEXT = ("attribute", "group", "reference_group", "cut", "metric", "sweep", "note")


def analysis_tables(result: Result, *, restricted: bool = False) -> dict[str, pd.DataFrame]:
    """The score and regression tables by file stem (published unless ``restricted``)."""
    out: dict[str, pd.DataFrame] = {}
    analysis = getattr(result, "score_analysis", None)
    if analysis is not None:
        for name in analysis.tables:
            table = analysis.tables[name] if restricted else analysis.published(name)
            out[f"scores-{name.replace('_', '-')}"] = table
    if isinstance(result, AuditResult) and result.adjusted is not None:
        fit = result.adjusted
        out["adjusted-disparity"] = fit.table if restricted else publish(fit.table, "terms")
    return out


def _write_tables(result: Result, folder: Path, restricted: bool) -> None:
    tables = analysis_tables(result, restricted=restricted)
    if not tables:
        return
    folder.mkdir()
    suffix = "-restricted" if restricted else ""
    for stem, table in tables.items():
        safe = safe_for_spreadsheets(table, [c for c in _TEXT if c in table.columns])
        safe.to_csv(folder / f"{stem}{suffix}.csv", index=False, lineterminator="\n")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output_dir(target: Path) -> None:
    """Refuse an output folder whose replacement would delete someone's files."""
    resolved = target.resolve()
    if resolved.exists() and not resolved.is_dir():
        raise OutputError(
            f"the output folder {str(target)!r} is an existing file; choose a folder name"
        )
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents:
        raise OutputError(
            f"the output folder {str(target)!r} is the current folder or one of its parents; "
            "choose a new folder, e.g. reports/my-audit"
        )
    if resolved.is_dir():
        foreign = sorted(p.name for p in resolved.iterdir() if p.name not in OUTPUT_NAMES)
        if foreign:
            shown = ", ".join(map(repr, foreign[:5])) + (", ..." if len(foreign) > 5 else "")
            raise OutputError(
                f"the output folder {str(target)!r} holds files biasaudit did not write "
                f"({shown}); it would be replaced as a whole: choose another folder"
            )


def write_outputs(
    result: Result,
    out_dir: str | Path,
    *,
    config: Mapping[str, Any] | None = None,
    restricted: bool = False,
) -> Path:
    """Write results.csv, results.json, report.html, charts/, tables/ and manifest.json.

    ``tables/`` holds the score analyses (``scores-*.csv``) and the regression
    (``adjusted-disparity.csv``) when the audit has them.

    For a funnel the results are the funnel table. The report and its charts show
    only what may be published, also in restricted mode.

    Published outputs blank suppressed rows (disclosure control). ``restricted``
    writes every value instead, to ``results-restricted.csv`` / ``.json``, for the
    auditor's own use. The folder is replaced as a whole: its new content appears
    only once every file is written. An existing folder is only replaced when it holds
    nothing but an earlier biasaudit output.

    Raises
    ------
    OutputError
        When ``out_dir`` is a file, the current folder or one of its parents, or a
        folder holding files biasaudit did not write.
    """
    from ._report import render_report  # the chart stack loads only to write a report

    target = Path(out_dir)
    check_output_dir(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; outputs are shared
    try:
        stem = "results-restricted" if restricted else "results"
        result.to_csv(tmp / f"{stem}.csv", restricted=restricted)
        result.to_json(tmp / f"{stem}.json", restricted=restricted)
        _write_tables(result, tmp / "tables", restricted)
        # the report shows the published view only, whatever the mode
        report = render_report(result, tmp / "charts")
        (tmp / "report.html").write_text(report, encoding="utf-8")
        info = manifest(result, config=config, restricted=restricted)
        info["outputs"] = {
            p.relative_to(tmp).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        (tmp / "manifest.json").write_text(
            json.dumps(info, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
            target.rename(old / target.name)
            tmp.rename(target)
            shutil.rmtree(old)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
