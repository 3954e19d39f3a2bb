"""Audit configuration files (TOML): parse, check every key, run.

The format is documented in ``docs/config.md``. Paths are relative to the
configuration file. Every problem is collected into one :class:`ConfigError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import ConfigError, Problem
from .._progress import step
from ..discover import DISCOVER_KEYS, DiscoverOptions, as_discover_options
from ..io import (
    LINK_KEYS,
    SQL_KEYS,
    Database,
    Link,
    as_link,
    is_engine_source,
    locate_records,
    public_url,
    read_options,
    records_input,
)
from ..spec import (
    ALIASES,
    INTERSECTION_SEP,
    METRICS,
    SAMPLE_METRICS,
    AuditSpec,
    make_spec,
    read_config_file,
    split_version,
)
from ._report_section import REPORT_KEYS, language_problems, report_problems

if TYPE_CHECKING:
    from ._audit import AuditResult
    from ._funnel_audit import FunnelResult

#: Allowed sections and their keys (None: any key, e.g. column names under [codes]).
SECTIONS: dict[str, tuple[str, ...] | None] = {
    "data": ("path", "sheet", "engine", "delimiter", "encoding", "kind", *SQL_KEYS),
    "link": LINK_KEYS,
    "roles": (
        "id",
        "score",
        "flagged",
        "investigated",
        "outcome",
        "weight",
        "sample",
        "count",
        "period",
        "version",
        "amount",
    ),
    "codes": ("flagged", "investigated", "outcome", "sample"),
    "threshold": ("score_at_least", "top_k", "top_fraction"),
    "groups": ("attributes", "intersections", "missing", "reference", "max_groups"),
    "metrics": ("include",),
    "stats": ("confidence", "interval", "correction", "min_cell", "bootstrap_samples", "seed"),
    "assumptions": ("unlabelled_fraud_rate", "max_base_rate", "min_base_rate"),
    "population": ("total", "groups"),
    "sample": ("drawn_from",),
    "harm": ("decision", "amount_label"),
    "counts": (
        "layout",
        "cells",
        "dataset",
        "suppressed",
        "withheld",
        "below",
        "zero_means_below",
        "secondary_suppression",
        "rounding",
        "total_label",
        "point",
        "cell_column",
        "count_column",
        "attribute_column",
        "group_column",
        "left_out",
        "total_is_sum",
    ),
    "funnel": (
        "stages",
        "layout",
        "stage_column",
        "stage_columns",
        "attribute_column",
        "group_column",
        "count_column",
        "suppressed",
        "below",
        "rounding",
    ),
    "scores": ("sweep", "points", "calibration_bins", "equalise"),
    "regression": ("decision", "positive", "covariates", "numeric", "label"),
    "change": ("order", "compare", "metrics"),
    "output": ("dir", "mode", "png", "pdf", "language"),
    "model": (
        "path",
        "kind",
        "trust",
        "features",
        "link",
        "command",
        "timeout",
        "sample",
        "sample_key",
    ),
    "discover": DISCOVER_KEYS,
    "report": REPORT_KEYS,
}
#: The score column a ``[model]`` section adds to the records when [roles] has no score.
MODEL_SCORE = "model_score"
OUTPUT_MODES = ("public", "restricted")
#: What ``[data] path`` holds: decision records, an aggregated table of counts per
#: group, or a process funnel (records or stage counts). Sections used by each kind.
KINDS: dict[str, tuple[str, ...]] = {
    "records": (
        "link",
        "roles",
        "codes",
        "threshold",
        "assumptions",
        "population",
        "sample",
        "scores",
        "regression",
        "model",
        "discover",
    ),
    "counts": ("counts",),
    "funnel": ("funnel",),
}


@dataclass(frozen=True)
class AuditConfig:
    """A parsed, checked audit configuration.

    Attributes
    ----------
    path : Path
        The configuration file.
    data_path : Path
        The decision records, resolved against the configuration's folder.
    read_options : dict
        ``sheet``, ``engine``, ``delimiter``, ``encoding`` as given.
    spec : AuditSpec
        Roles, codes, threshold and groups (``kind = "records"``; for the other kinds
        the groups and statistics options only).
    kind : str
        ``records``, ``counts`` or ``funnel``.
    options : dict
        The ``[counts]`` or ``[funnel]`` section.
    link : Link or None
        The ``[link]`` section: protected attributes in a second file, joined on an id.
    database : Database or None
        ``[data] url`` with ``table`` or ``query``: records in a SQL database
        (``data_path`` is then unused).
    metrics : tuple of str or None
        Metrics to compute (None: the default set).
    output_dir : Path
        Where ``biasaudit audit`` writes.
    raw : dict
        The file's content as parsed, for the manifest.
    restricted : bool
        ``[output] mode = "restricted"``: write every value (auditor's own use).
    png : bool
        ``[output] png = true``: charts/ holds a PNG of each chart beside its SVG.
    pdf : bool
        ``[output] pdf = true``: the folder holds report.pdf too.
    language : str
        ``[output] language``: the language of the report (``"en"``, ``"nl"``).
    model : dict or None
        The ``[model]`` section: a model whose scores are the score role (as column
        :data:`MODEL_SCORE`) when ``[roles]`` names no score.
    discover : DiscoverOptions or None
        The ``[discover]`` section: find the subgroups hit hardest (records only).
    """

    path: Path
    data_path: Path
    spec: AuditSpec
    output_dir: Path
    read_options: dict[str, Any] = field(default_factory=dict)
    metrics: tuple[str, ...] | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    restricted: bool = False
    png: bool = False
    pdf: bool = False
    language: str = "en"
    kind: str = "records"
    options: dict[str, Any] = field(default_factory=dict)
    link: Link | None = None
    model: dict[str, Any] | None = None
    database: Database | None = None
    discover: DiscoverOptions | None = None


def _suggest(word: str, allowed: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{hint}; allowed: {', '.join(allowed)}"


def load_config(path: str | Path) -> AuditConfig:
    """Read and check an audit configuration file.

    Raises
    ------
    ConfigError
        Every problem with the file: syntax, unknown sections or keys, invalid values.
    """
    path = Path(path)
    raw = read_config_file(path)
    return parse_config(raw, base=path)


def parse_config(raw: Mapping[str, Any], *, base: Path) -> AuditConfig:
    """Check a parsed configuration; ``base`` is the configuration file's path."""
    given, (raw, problems) = raw, split_version(raw)  # the manifest keeps the version

    def bad(key: str, message: str, value: Any = None, reason: str = "invalid") -> None:
        problems.append(Problem(f"{key}: {message}", column=key, value=value, reason=reason))

    sections = list(SECTIONS)
    for name, body in raw.items():
        if name not in SECTIONS:
            bad(f"[{name}]", "unknown section" + _suggest(name, sections), name, "unknown_key")
            continue
        if not isinstance(body, Mapping):
            bad(f"[{name}]", f"expected a section (a table); got {body!r}", body)
            continue
        keys = SECTIONS[name]
        for key in body:
            if keys is not None and key not in keys:
                bad(
                    f"{name}.{key}",
                    "unknown key" + _suggest(key, list(keys)),
                    key,
                    "unknown_key",
                )

    data = _section(raw, "data")
    groups = _section(raw, "groups")
    kind = data.get("kind", "records")
    if kind not in KINDS:
        bad("data.kind", f"expected one of {', '.join(map(repr, KINDS))}; got {kind!r}", kind)
        kind = "records"
    for other, names in KINDS.items():
        for name in names:
            if other != kind and name in raw:
                bad(
                    f"[{name}]",
                    f"only used with [data] kind = {other!r}; this file has kind = {kind!r}",
                    name,
                    "conflict",
                )
    if kind == "funnel" and "harm" in raw:  # records and counts tables count harm
        bad("[harm]", "harm counts are not made for a funnel; remove [harm]", "harm", "conflict")
    data_path, database, found = locate_records(data, config=base, kind=kind, linked="link" in raw)
    problems += found
    attributes = groups.get("attributes", [])
    if isinstance(attributes, str):
        attributes = [attributes]
    include = _section(raw, "metrics").get("include")
    if include is not None:
        known = [*METRICS, *SAMPLE_METRICS, *ALIASES]
        if not isinstance(include, list):
            bad("metrics.include", f"expected a list of metric names; got {include!r}", include)
            include = None
        else:
            for m in include:
                if m not in known:
                    bad("metrics.include", f"unknown metric {m!r}" + _suggest(str(m), known), m)
    out = _section(raw, "output").get("dir", "reports/audit")
    if not isinstance(out, str) or not out.strip():
        bad(
            "output.dir",
            f'expected a folder name in quotes, e.g. "reports/audit"; got {out!r}',
            out,
        )
        out = "reports/audit"
    mode = _section(raw, "output").get("mode", "public")
    if mode not in OUTPUT_MODES:
        bad("output.mode", f"expected 'public' or 'restricted'; got {mode!r}", mode)
    png = _section(raw, "output").get("png", False)
    if not isinstance(png, bool):
        bad("output.png", f"expected true or false (no quotes); got {png!r}", png)
    pdf = _section(raw, "output").get("pdf", False)
    if not isinstance(pdf, bool):
        bad("output.pdf", f"expected true or false (no quotes); got {pdf!r}", pdf)
    language = _section(raw, "output").get("language", "en")
    problems += language_problems(language)
    spec: AuditSpec | None = None
    if kind != "records":  # no roles: a stand-in decision role keeps one spec type
        roles_raw: dict[str, Any] = {"flagged": "(aggregated)"}
    else:
        roles_raw = _section(raw, "roles")
    model = _section(raw, "model") if "model" in raw and kind == "records" else None
    if model is not None:
        from ..probe import model_section_problems, sample_problems  # loaded on use only

        problems += [p for p in model_section_problems(model) if "unknown key" not in p.message]
        problems += sample_problems(
            model.get("sample"),
            model.get("sample_key", roles_raw.get("id")),
            "model",
            engine=is_engine_source(database, data),
        )
        if "score" in roles_raw:
            bad(
                "[model]",
                f"roles.score already names a score ({roles_raw['score']!r}); the model's scores "
                "are used only when [roles] has no score: remove one of them",
                reason="conflict",
            )
        elif "link" in raw:
            bad(
                "[model]", "not available with [link] yet: join the files first", reason="conflict"
            )
        elif "discover" in raw:
            bad(
                "[discover]",
                "not available with [model] yet: score the records first, then discover",
                reason="conflict",
            )
        else:
            roles_raw = {**roles_raw, "score": MODEL_SCORE}
    try:
        spec = make_spec(
            roles=roles_raw,
            groups=attributes,
            intersections=groups.get("intersections", []),
            codes=_section(raw, "codes") or None,
            threshold=_section(raw, "threshold") or None,
            missing=groups.get("missing", "as_group"),
            reference=groups.get("reference", {}),
            max_groups=groups.get("max_groups", 100),
            stats=_section(raw, "stats") or None,
            assumptions=_section(raw, "assumptions") or None,
            population=_section(raw, "population") or None,
            sample=_section(raw, "sample") or None,
            harm=_section(raw, "harm") or None,
            scores=_section(raw, "scores") or None,
            regression=_section(raw, "regression") if "regression" in raw else None,
            change=_section(raw, "change") or None,
        )
    except ConfigError as exc:
        problems += exc.problems_list
    if "change" in raw:
        problems += _change_problems(raw, kind)
    if "report" in raw:  # unknown keys are named above
        audited = [str(a) for a in attributes] + [
            INTERSECTION_SEP.join(map(str, i))
            for i in groups.get("intersections", [])
            if isinstance(i, list)
        ]
        problems += [
            p for p in report_problems(raw["report"], audited) if p.reason != "unknown_key"
        ]
    link = None
    if kind == "records" and "link" in raw:
        try:
            link = as_link(_section(raw, "link"), base=base.parent)
        except ConfigError as exc:  # unknown keys are reported above already
            problems += [p for p in exc.problems_list if p.reason != "unknown_key"]
    discover = None
    if kind == "records" and "discover" in raw and spec is not None:
        try:
            discover = as_discover_options(_section(raw, "discover"), spec)
        except ConfigError as exc:  # unknown keys are reported above already
            problems += [p for p in exc.problems_list if p.reason != "unknown_key"]
    if problems or spec is None:
        raise ConfigError(_unique(problems), context=base.name)
    return AuditConfig(
        path=base,
        data_path=data_path,
        spec=spec,
        output_dir=base.parent / out,
        read_options=read_options(data),
        metrics=tuple(include) if include else None,
        raw=_without_user(given),
        restricted=mode == "restricted",
        png=png is True,
        pdf=pdf is True,
        language=str(language),
        kind=kind,
        options=_section(raw, kind) if kind != "records" else {},
        link=link,
        model=model,
        database=database,
        discover=discover,
    )


def _change_problems(raw: Mapping[str, Any], kind: str) -> list[Problem]:
    """``[change]`` compares periods: records need roles.period, a table [counts] dataset."""
    roles, counts = _section(raw, "roles"), _section(raw, "counts")
    if kind == "records" and "period" not in roles and "version" not in roles:
        message = 'compares periods; name the period column, e.g. [roles] period = "year"'
    elif kind == "counts" and "dataset" not in counts:
        message = 'compares datasets; name their column, e.g. [counts] dataset = "year"'
    elif kind == "funnel":
        message = "not available for a funnel; audit each period's funnel on its own"
    else:
        return []
    return [Problem(f"[change]: {message}", column="[change]", reason="conflict")]


def _without_user(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The file's content for the manifest, a database URL without its user."""
    out = dict(raw)
    data = _section(raw, "data")
    if isinstance(data.get("url"), str):
        out["data"] = {**data, "url": public_url(data["url"])}
    return out


def _unique(problems: list[Problem]) -> list[Problem]:
    """Each unknown key once (the section check and the option check both see it)."""
    seen: set[tuple[str | None, str]] = set()
    out = []
    for p in problems:
        key = (p.column, p.reason)
        if p.reason == "unknown_key" and key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out


def _section(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    body = raw.get(name, {})
    return dict(body) if isinstance(body, Mapping) else {}


def run_config(config: AuditConfig) -> AuditResult | FunnelResult:
    """Run the audit a configuration describes."""
    # the audit machinery loads here, not with the configuration: a configuration
    # error is reported without waiting for it
    from ._aggregated import audit_counts
    from ._audit import open_spec_records, run_audit
    from ._funnel_audit import funnel

    spec, stats = config.spec, config.spec.stats
    common: dict[str, Any] = {
        "groups": spec.attributes,
        "reference": dict(spec.reference) or None,
        "confidence": stats.confidence,
        "interval": stats.interval,
        "correction": stats.correction,
        "min_cell": stats.min_cell,
    }
    if config.kind == "counts":
        with step("the audit of the aggregated table"):
            return audit_counts(
                config.data_path,
                **common,
                metrics=config.metrics,
                decision=spec.harm.decision,
                sheet=config.read_options.get("sheet"),
                change=spec.change,
                **config.options,
            )
    if config.kind == "funnel":
        with step("the audit of the funnel"):
            return funnel(
                config.data_path,
                **common,
                missing=spec.missing,
                **config.read_options,
                **config.options,
            )
    if config.model is not None:
        return _model_audit(config)
    data = records_input(config.data_path, config.database, _section(config.raw, "data"))
    if config.discover is not None:
        from ._discover_audit import audit_and_discover

        return audit_and_discover(
            data,
            spec,
            config.discover,
            run_audit=run_audit,
            link=config.link,
            metrics=config.metrics,
            **config.read_options,
        )
    with step("opening the data"):
        records = open_spec_records(data, spec, link=config.link, **config.read_options)
    return run_audit(records, spec, metrics=config.metrics)


def _model_audit(config: AuditConfig) -> AuditResult:
    """The audit with the ``[model]``'s scores as the score role: the records (or a
    sample of them, which a database or Spark draws) are read into memory, scored,
    and audited as if the file had the score column."""
    import dataclasses

    import pandas as pd

    from ..io import open_records, rows_in_memory
    from ..probe import model_from_section
    from ._audit import open_spec_records, run_audit

    spec = config.spec
    assert config.model is not None
    with step("loading the model"):
        model = model_from_section(config.model, base=config.path.parent)
    text = [c for r, c in spec.roles.items() if r not in ("score", "weight", "count", "amount")]
    text += spec.attributes
    if spec.regression is not None:
        text += [c for c in spec.regression.columns if c not in spec.regression.numeric]
    wanted = [c for c in spec.columns if c != MODEL_SCORE]
    sample = config.model.get("sample")
    key = config.model.get("sample_key", spec.roles.id) if sample is not None else None
    data = records_input(config.data_path, config.database, _section(config.raw, "data"))
    columns = list(dict.fromkeys([*wanted, *model.features, *([key] if key else [])]))
    with step("opening the data"):
        opened = open_records(
            data,
            columns=columns,
            text_columns=[c for c in [*text, *([key] if key else [])] if c != MODEL_SCORE],
            **config.read_options,
        )
    missing = [c for c in model.features if c not in opened.available]
    if missing:
        from .._exceptions import RecordsError

        raise RecordsError(
            [
                Problem(
                    f"model feature {c!r}: column not found in {opened.source.name!r}",
                    column=c,
                    reason="missing_column",
                )
                for c in missing
            ]
        )
    with step("reading the records" if sample is None else "drawing the sample"):
        df, sampling = rows_in_memory(opened, sample=sample, key=key, seed=spec.stats.seed)
    with step("scoring the records with the model"):
        inputs = df[list(model.features)].copy()
        for c in inputs.columns:  # text as plain objects with None: what models expect
            if isinstance(inputs[c].dtype, pd.StringDtype):
                inputs[c] = inputs[c].astype(object).where(inputs[c].notna(), None)
        df[MODEL_SCORE] = model.score(inputs)
    notes = []
    if sampling is not None and sampling.estimate:
        threshold = spec.threshold
        if threshold is not None and threshold.top_k is not None:
            # the k highest of the whole population: as many per head of the sample
            k = max(1, round(threshold.top_k * sampling.drawn / sampling.population))
            spec = dataclasses.replace(spec, threshold=dataclasses.replace(threshold, top_k=k))
            notes.append(
                f"threshold: top_k = {threshold.top_k:,} of the {sampling.population:,} "
                f"records scaled to {k:,} of the {sampling.drawn:,} sampled"
            )
    records = dataclasses.replace(open_spec_records(df, spec), source=opened.source)
    result = run_audit(records, spec, metrics=config.metrics)
    note = (
        f"score: {MODEL_SCORE}, computed by the [model] ({model.description}; sha256 "
        f"{model.sha256 or 'no file'})"
    )
    if sampling is not None:
        notes.insert(0, f"sample: {sampling.note}")
    ledger = dataclasses.replace(result.ledger, notes=(*result.ledger.notes, note, *notes))
    return dataclasses.replace(result, ledger=ledger)
