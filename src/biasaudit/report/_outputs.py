"""Writing an audit's output folder: results.csv, results.json, tables/, manifest.json.

Files are written to a temporary folder beside the target and moved into place at
the end, so a failure never leaves half an output folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from .._exceptions import OutputError
from .._progress import step
from ..audits import AuditResult, FunnelResult, check_language, check_report_section, spec_to_dict
from ..disclosure import publish
from ..io import write_csv
from ._pdf import pdf_engine, write_pdf
from ._versions import package_versions

Result = AuditResult | FunnelResult


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
        "report.pdf",
        "charts",
        "tables",
        "probe.json",
        "discoveries.csv",
        "discoveries-restricted.csv",
    }
)


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
    if isinstance(result, AuditResult) and result.change is not None:
        out["changes"] = result.change.table if restricted else result.published_changes()
    return out


def _write_tables(result: Result, folder: Path, restricted: bool) -> None:
    tables = analysis_tables(result, restricted=restricted)
    if not tables:
        return
    folder.mkdir()
    suffix = "-restricted" if restricted else ""
    for stem, table in tables.items():
        write_csv(table, folder / f"{stem}{suffix}.csv")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: what the temporary folders beside the target add to its name (see write_outputs)
_TEMP_EXTRA = len(".-old-") + 8


def _name_max(folder: Path) -> int:
    """The longest file name the file system holding ``folder`` (or its nearest
    existing parent) allows, in bytes."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # not on every platform
        return 255


def _too_long(target: Path, resolved: Path) -> str | None:
    limit = _name_max(resolved)
    for part in resolved.parts:
        if len(part.encode("utf-8", "surrogateescape")) > limit:
            return f"the folder name {part[:20]!r}... is too long ({len(part)} characters; "
    if len(resolved.name.encode("utf-8", "surrogateescape")) + _TEMP_EXTRA > limit:
        return (
            f"the folder name is too long ({len(resolved.name)} characters; with the "
            f"{_TEMP_EXTRA} characters of biasaudit's temporary folder beside it, "
        )
    return None


def _foreign(folder: Path) -> list[str]:
    """Files in ``folder`` that biasaudit did not write (per its manifest), top level by
    name, ``charts/`` and ``tables/`` by path and content."""
    foreign = sorted(p.name for p in folder.iterdir() if p.name not in OUTPUT_NAMES)
    written: dict[str, str] = {}
    try:
        info = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        written = dict(info.get("outputs") or {})
    except (OSError, ValueError, AttributeError, TypeError):
        pass  # no readable manifest: nothing in the subfolders is known to be ours
    for sub in ("charts", "tables"):
        path = folder / sub
        if path.exists() and not path.is_dir():
            foreign.append(sub)
            continue
        for p in sorted(path.rglob("*")) if path.is_dir() else []:
            if p.is_dir():
                continue
            rel = p.relative_to(folder).as_posix()
            if written.get(rel) != hashlib.sha256(p.read_bytes()).hexdigest():
                foreign.append(rel)
    return foreign


def check_output_dir(target: Path) -> None:
    """Refuse an output folder whose replacement would delete someone's files, or
    whose name is too long to write it (then nothing is written at all)."""
    resolved = target.resolve()
    long = _too_long(target, resolved)
    if long:
        raise OutputError(
            f"{long}at most {_name_max(resolved)} bytes a name here) for the output folder "
            f"{str(target)[:60]!r}...; choose a shorter name"
        )
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
        foreign = _foreign(resolved)
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
    png: bool = False,
    pdf: bool = False,
    report: Mapping[str, Any] | None = None,
    language: str = "en",
) -> Path:
    """Write results.csv, results.json, report.html, charts/, tables/ and manifest.json.

    ``charts/`` holds each chart the report shows as SVG (what the report embeds),
    and also as PNG with ``png``. ``pdf`` also writes report.pdf, the same report on
    pages (needs the ``pdf`` extra: ``pip install 'biasaudit[pdf]'``).

    ``tables/`` holds the score analyses (``scores-*.csv``), the regression
    (``adjusted-disparity.csv``) and the change between periods (``changes.csv``)
    when the audit has them.

    For a funnel the results are the funnel table. The report and its charts show
    only what may be published, also in restricted mode.

    Published outputs blank suppressed rows (disclosure control). ``restricted``
    writes every value instead, to ``results-restricted.csv`` / ``.json``, for the
    auditor's own use. The folder is replaced as a whole: its new content appears
    only once every file is written. An existing folder is only replaced when it holds
    nothing but an earlier biasaudit output.

    ``report`` is the ``[report]`` section (``title``, ``author``, ``names``,
    ``labels``: how the report names attributes and groups); by default the one of
    ``config``. ``language`` is the language of report.html and its charts (``"en"``,
    ``"nl"``; the manifest records it); results.csv and results.json are the same in
    every language.

    Raises
    ------
    OutputError
        When ``out_dir`` is a file, the current folder or one of its parents, or a
        folder holding files biasaudit did not write; or when report.pdf fails.
    ConfigError
        When ``report`` has a problem (an unknown key, two groups with one label), or
        ``language`` is not a report language; with
        ``pdf``, when WeasyPrint or the Pango library is missing (before anything is
        drawn).
    """
    from ._discover_report import write_discoveries
    from ._labels import Labels
    from ._report import render_report  # the chart stack loads only to write a report

    section = dict(report if report is not None else (config or {}).get("report") or {})
    check_language(language)
    check_report_section(section)
    labels = Labels.from_config({"report": section})
    if pdf:
        pdf_engine()  # a missing library fails before the charts are drawn

    def fill(tmp: Path) -> dict[str, Any]:
        stem = "results-restricted" if restricted else "results"
        result.to_csv(tmp / f"{stem}.csv", restricted=restricted)
        result.to_json(tmp / f"{stem}.json", restricted=restricted)
        _write_tables(result, tmp / "tables", restricted)
        write_discoveries(result, tmp, restricted=restricted)
        # the report shows the published view only, whatever the mode
        page = render_report(
            result,
            tmp / "charts",
            png=png,
            labels=labels,
            options=section,
            config=config,
            language=language,
        )
        (tmp / "report.html").write_text(page, encoding="utf-8")
        info = manifest(result, config=config, restricted=restricted)
        info["language"] = language
        if pdf:
            write_report_pdf(tmp, info)
        return info

    return replace_folder(Path(out_dir), fill)


def write_report_pdf(folder: Path, info: dict[str, Any]) -> None:
    """Print ``folder``/report.html to report.pdf; the manifest names WeasyPrint's
    version (the PDF's bytes depend on it)."""
    with step("report.pdf"):
        write_pdf(folder / "report.html", folder / "report.pdf")
    info["versions"]["weasyprint"] = metadata.version("weasyprint")


def replace_folder(target: Path, fill: Callable[[Path], dict[str, Any]]) -> Path:
    """Write an output folder as a whole: ``fill(tmp)`` writes the files into a
    temporary folder beside ``target`` and returns the manifest, which gets the hash
    of every file and is written last; then the folder takes ``target``'s place.
    A failure leaves no trace (nor the parent folders this run made).

    Raises
    ------
    OutputError
        When ``target`` may not be replaced (see :func:`check_output_dir`).
    """
    check_output_dir(target)
    made = target.parent  # the first parent folder this run creates, if any
    while not made.parent.exists() and made.parent != made:
        made = made.parent
    made = made if not made.exists() else target
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except BaseException:
        _remove_made(made, target)
        raise
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; outputs are shared
    try:
        info = fill(tmp)
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
        _remove_made(made, target)
        raise
    return target


def _remove_made(made: Path, target: Path) -> None:
    """Remove the parent folders a failed run created (a failed run writes nothing)."""
    if made != target and made.is_dir():
        shutil.rmtree(made, ignore_errors=True)
