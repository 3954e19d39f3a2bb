"""Probe configuration files (TOML): ``[data]``, ``[groups]``, ``[threshold]``,
``[stats]``, ``[model]``, ``[probe]``, ``[proxy]``, ``[profiles]``, ``[output]``.

Documented in ``docs/config.md``. Paths are relative to the configuration file.
Every problem is collected into one :class:`ConfigError`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._exceptions import ConfigError, Problem, RecordsError
from .._progress import step
from ..io import (
    READ_KEYS,
    SQL_KEYS,
    Database,
    is_engine_source,
    locate_records,
    public_url,
    read_options,
)
from ..spec import language_problems, read_config_file, split_version

SECTIONS: dict[str, tuple[str, ...]] = {
    "data": ("path", *READ_KEYS, *SQL_KEYS),
    "groups": ("attributes",),
    "threshold": ("score_at_least", "top_k", "top_fraction"),
    "stats": ("confidence", "min_cell", "seed", "bootstrap_samples"),
    "model": ("path", "kind", "trust", "features", "link", "command", "timeout"),
    "probe": ("flips", "sample", "sample_key"),
    "proxy": ("attributes", "features", "flip_top"),
    "profiles": ("path", "base", "vary", "base_profile"),
    "output": ("dir", "png", "pdf", "language"),
}


@dataclass(frozen=True)
class ProbeConfig:
    """A parsed, checked probe configuration (see ``docs/config.md``).

    ``data_path`` is the records file; ``database`` the SQL database holding them
    instead (``[data] url`` with ``table`` or ``query``). Records in a database or
    Spark are probed on a sample of ``sample`` records the engine draws by a hash of
    ``sample_key`` (see :func:`biasaudit.io.rows_in_memory`).
    """

    path: Path
    data_path: Path
    model: dict[str, Any]
    output_dir: Path
    groups: tuple[str, ...] = ()
    threshold: dict[str, float] | None = None
    flips: tuple[dict[str, Any], ...] = ()
    sample: int | None = None
    proxies: tuple[str, ...] | None = None
    proxy_features: tuple[str, ...] | None = None
    flip_proxies: int = 0
    profiles_path: Path | None = None
    base: dict[str, Any] | None = None
    vary: dict[str, list[Any]] | None = None
    base_profile: str | None = None
    confidence: float = 0.95
    min_cell: int = 10
    seed: int = 20261207
    bootstrap: int = 200
    png: bool = False
    pdf: bool = False
    language: str = "en"
    read_options: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    database: Database | None = None
    sample_key: str | None = None


def _section(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    body = raw.get(name, {})
    return dict(body) if isinstance(body, Mapping) else {}


def _names(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def load_probe_config(path: str | Path) -> ProbeConfig:
    """Read and check a probe configuration file.

    Raises
    ------
    ConfigError
        Every problem with the file: syntax, unknown sections or keys, invalid values.
    """
    path = Path(path)
    raw = read_config_file(path)
    given, (raw, problems) = raw, split_version(raw)  # the manifest keeps the version

    def bad(key: str, message: str, value: Any = None, reason: str = "invalid") -> None:
        problems.append(Problem(f"{key}: {message}", column=key, value=value, reason=reason))

    for name, body in raw.items():
        if name not in SECTIONS:
            close = difflib.get_close_matches(name, list(SECTIONS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            bad(
                f"[{name}]",
                f"unknown section{hint}; allowed: {', '.join(SECTIONS)}",
                name,
                "unknown_key",
            )
            continue
        if not isinstance(body, Mapping):
            bad(f"[{name}]", f"expected a section (a table); got {body!r}", body)
            continue
        for key in body:
            if key not in SECTIONS[name]:
                close = difflib.get_close_matches(key, list(SECTIONS[name]), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                bad(
                    f"{name}.{key}",
                    f"unknown key{hint}; allowed: {', '.join(SECTIONS[name])}",
                    key,
                    "unknown_key",
                )
    base = path.parent
    data = _section(raw, "data")
    data_path, database, found = locate_records(data, config=path)
    problems += found
    groups = _names(_section(raw, "groups").get("attributes", []))
    if groups is None:
        bad(
            "groups.attributes",
            "expected a list of column names",
            _section(raw, "groups").get("attributes"),
        )
        groups = []
    threshold = _section(raw, "threshold") or None
    if threshold is not None:
        if len(threshold) != 1:
            bad(
                "[threshold]", "give exactly one of score_at_least, top_k, top_fraction", threshold
            )
        for k, v in threshold.items():
            if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                bad(f"threshold.{k}", f"expected a number; got {v!r}", v)
            elif k == "top_fraction" and not 0 < v < 1:
                bad("threshold.top_fraction", f"expected a share between 0 and 1; got {v!r}", v)
            elif k == "top_k" and (v < 1 or int(v) != v):
                bad("threshold.top_k", f"expected a whole number >= 1; got {v!r}", v)
    stats = _section(raw, "stats")
    confidence = stats.get("confidence", 0.95)
    if not isinstance(confidence, float) or not 0.5 <= confidence < 1:
        bad("stats.confidence", f"expected a level such as 0.95; got {confidence!r}", confidence)
        confidence = 0.95
    min_cell = stats.get("min_cell", 10)
    seed = stats.get("seed", 20261207)
    bootstrap = stats.get("bootstrap_samples", 200)
    for key, v, low in (
        ("min_cell", min_cell, 0),
        ("seed", seed, 0),
        ("bootstrap_samples", bootstrap, 0),
    ):
        if not isinstance(v, int) or isinstance(v, bool) or v < low:
            bad(f"stats.{key}", f"expected a whole number >= {low}; got {v!r}", v)
    model = _section(raw, "model")
    if not model:
        bad(
            "[model]",
            "missing: name the model with path = ... or command = [...]",
            reason="missing_key",
        )
    else:  # unknown keys are reported above
        problems += [p for p in model_section_problems(model) if "unknown key" not in p.message]
    section = _section(raw, "probe")
    flips = section.get("flips", [])
    if not isinstance(flips, list) or not all(isinstance(f, Mapping) for f in flips):
        bad("probe.flips", "expected [[probe.flips]] tables with attribute and map", flips)
        flips = []
    else:
        from ._flip import as_flip

        for i, f in enumerate(flips, start=1):
            try:
                as_flip(f, where=f"probe.flips[{i}]")
            except ConfigError as exc:
                problems += exc.problems_list
    sample, sample_key = section.get("sample"), section.get("sample_key")
    problems += sample_problems(
        sample, sample_key, "probe", engine=is_engine_source(database, data)
    )
    proxy = _section(raw, "proxy")
    proxies = None
    if "proxy" in raw:
        proxies = _names(proxy.get("attributes", groups))
        if not proxies:
            bad(
                "proxy.attributes",
                "expected a list of protected attributes",
                proxy.get("attributes"),
            )
    proxy_features = _names(proxy["features"]) if "features" in proxy else None
    flip_top = proxy.get("flip_top", 0)
    if not isinstance(flip_top, int) or isinstance(flip_top, bool) or flip_top < 0:
        bad("proxy.flip_top", f"expected a whole number >= 0; got {flip_top!r}", flip_top)
        flip_top = 0
    prof = _section(raw, "profiles")
    profiles_path = None
    if "path" in prof:
        profiles_path = (base / str(prof["path"])).resolve()
        if not profiles_path.is_file():
            bad(
                "profiles.path",
                f"file not found: {str(profiles_path)!r}",
                prof["path"],
                "file_not_found",
            )
        if "base" in prof:
            bad("[profiles]", "give path (a table of profiles) or base (and vary), not both")
    base_row = prof.get("base")
    if base_row is not None and not isinstance(base_row, Mapping):
        bad("profiles.base", "expected a table of column = value", base_row)
    vary = prof.get("vary")
    if vary is not None and (
        not isinstance(vary, Mapping) or not all(isinstance(v, list) for v in vary.values())
    ):
        bad("profiles.vary", "expected column = [values, ...]", vary)
    if vary is not None and base_row is None:
        bad("profiles.vary", "needs a base profile: profiles.base", reason="missing_key")
    if flip_top and proxies is None:
        bad("proxy.flip_top", "needs [proxy] attributes", flip_top)
    if not flips and proxies is None and not prof:
        bad(
            "[probe]",
            "nothing to probe: add [[probe.flips]], [proxy] or [profiles]",
            reason="missing_key",
        )
    out = _section(raw, "output").get("dir", "reports/probe")
    if not isinstance(out, str) or not out.strip():
        bad("output.dir", f"expected a folder name; got {out!r}", out)
        out = "reports/probe"
    png = _section(raw, "output").get("png", False)
    if not isinstance(png, bool):
        bad("output.png", f"expected true or false; got {png!r}", png)
    pdf = _section(raw, "output").get("pdf", False)
    if not isinstance(pdf, bool):
        bad("output.pdf", f"expected true or false; got {pdf!r}", pdf)
    language = _section(raw, "output").get("language", "en")
    problems += language_problems(language)
    if problems:
        raise ConfigError(problems, context=path.name)
    return ProbeConfig(
        path=path,
        data_path=data_path,
        model=model,
        output_dir=base / out,
        groups=tuple(groups),
        threshold={k: float(v) for k, v in threshold.items()} if threshold else None,
        flips=tuple(dict(f) for f in flips),
        sample=sample,
        proxies=tuple(proxies) if proxies is not None else None,
        proxy_features=tuple(proxy_features) if proxy_features else None,
        flip_proxies=int(flip_top),
        profiles_path=profiles_path,
        base=dict(base_row) if base_row is not None else None,
        vary={k: list(v) for k, v in vary.items()} if vary else None,
        base_profile=prof.get("base_profile"),
        confidence=float(confidence),
        min_cell=int(min_cell),
        seed=int(seed),
        bootstrap=int(bootstrap),
        png=png is True,
        pdf=pdf is True,
        language=str(language),
        read_options=read_options(data),
        raw=_without_user(given),
        database=database,
        sample_key=sample_key,
    )


def sample_problems(sample: Any, key: Any, section: str, *, engine: bool) -> list[Problem]:
    """Problems of a sample size and key (``[probe]`` or an audit's ``[model]``):
    records in a database or Spark (``engine``) need both."""
    problems = []
    if sample is not None and (
        not isinstance(sample, int) or isinstance(sample, bool) or sample < 1
    ):
        problems.append(
            Problem(
                f"{section}.sample: expected a whole number of records >= 1 (no quotes), "
                f"e.g. sample = 50000; got {sample!r}",
                column=f"{section}.sample",
                value=sample,
            )
        )
    if key is not None and (not isinstance(key, str) or not key.strip()):
        problems.append(
            Problem(
                f"{section}.sample_key: expected a column name in quotes; got {key!r}",
                column=f"{section}.sample_key",
                value=key,
            )
        )
    if engine:
        why = (
            "the records stay in the database or Spark and probing needs rows in memory, "
            "so the engine draws a sample"
        )
        if sample is None:
            problems.append(
                Problem(
                    f"{section}.sample: missing; {why}: give its size, e.g. sample = 50000",
                    column=f"{section}.sample",
                    reason="missing_key",
                )
            )
        if key is None:
            problems.append(
                Problem(
                    f"{section}.sample_key: missing; {why} by a hash of a column with one "
                    'value per record: name it, e.g. sample_key = "case_id"',
                    column=f"{section}.sample_key",
                    reason="missing_key",
                )
            )
    return problems


def _without_user(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The file's content for the manifest, a database URL without its user."""
    out = dict(raw)
    data = _section(raw, "data")
    if isinstance(data.get("url"), str):
        out["data"] = {**data, "url": public_url(data["url"])}
    return out


def config_model(config: ProbeConfig) -> Any:
    """The model a configuration names (loaded and checked)."""
    return model_from_section(config.model, base=config.path.parent)


def model_from_section(section: Mapping[str, Any], *, base: Path) -> Any:
    """The model a ``[model]`` section names, paths relative to ``base`` (a folder).

    Raises
    ------
    ConfigError
        When the model cannot be loaded (see :func:`load_model`).
    """
    from ._model import load_model

    m = section
    model = load_model(
        (base / m["path"]).resolve() if "path" in m else None,
        kind=m.get("kind"),
        trust=bool(m.get("trust", False)),
        features=list(_names(m.get("features", [])) or []),
        command=m.get("command"),
        timeout=float(m.get("timeout", 600)),
        cwd=base,
    )
    return model.with_link(m.get("link", "identity"))


def model_section_problems(section: Mapping[str, Any]) -> list[Problem]:
    """Problems with a ``[model]`` section's keys and values (before loading it)."""
    problems = []

    def bad(key: str, message: str, value: Any = None) -> None:
        problems.append(Problem(f"{key}: {message}", column=key, value=value))

    for key in section:
        if key not in SECTIONS["model"]:
            close = difflib.get_close_matches(key, list(SECTIONS["model"]), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            bad(f"model.{key}", f"unknown key{hint}; allowed: {', '.join(SECTIONS['model'])}", key)
    if ("path" in section) == ("command" in section):
        bad(
            "[model]",
            "give either path (a model file) or command (a program), not both or neither",
        )
    if "trust" in section and not isinstance(section["trust"], bool):
        bad(
            "model.trust",
            f"expected true or false (no quotes); got {section['trust']!r}",
            section["trust"],
        )
    if "features" in section and _names(section["features"]) is None:
        bad("model.features", "expected a list of column names", section["features"])
    if "command" in section and not _names(section["command"]):
        bad("model.command", 'expected a list such as ["Rscript", "score.R"]', section["command"])
    if "command" in section and "features" not in section:
        bad("model.features", "a command model needs the list of columns to send it")
    timeout = section.get("timeout", 600)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        bad("model.timeout", f"expected seconds > 0; got {timeout!r}", timeout)
    return problems


def _what(column: str, key: str | None) -> str:
    return f"sample_key {column!r}: column" if column == key else f"column {column!r}"


def run_probe_config(config: ProbeConfig) -> Any:
    """Load the model, read the records (or the sample the engine draws) and probe
    (see :func:`probe`)."""
    import pandas as pd

    from ..io import open_records, records_input, rows_in_memory
    from ._run import probe

    with step("loading the model"):
        model = config_model(config)
    flip_columns = []
    for f in config.flips:
        flip_columns += [f["attribute"], *dict(f.get("together", {}))]
    text = [*config.groups, *(config.proxies or ())]
    key = [config.sample_key] if config.sample_key is not None else []
    columns = list(
        dict.fromkeys(
            [*model.features, *text, *flip_columns, *(config.proxy_features or ()), *key]
        )
    )
    data = records_input(config.data_path, config.database, _section(config.raw, "data"))
    with step("opening the records"):
        records = open_records(
            data, columns=columns, text_columns=[*text, *key], **config.read_options
        )
    missing = [c for c in columns if c not in records.available]
    if missing:
        raise RecordsError(
            [
                Problem(
                    f"{_what(c, config.sample_key)} not found in {records.source.name!r}; "
                    "available: "
                    f"{', '.join(map(repr, records.available[:12]))}",
                    column=c,
                    reason="missing_column",
                )
                for c in missing
            ]
        )
    what = "reading the records" if config.sample is None else "drawing the sample"
    with step(what):
        df, sampling = rows_in_memory(
            records, sample=config.sample, key=config.sample_key, seed=config.seed
        )
    for c in df.columns:  # text as plain objects with None for missing: what models expect
        if isinstance(df[c].dtype, pd.StringDtype):
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    profiles = None
    if config.profiles_path is not None:
        try:
            profiles = pd.read_csv(config.profiles_path)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise ConfigError(
                [Problem(f"profiles.path: cannot read {config.profiles_path.name!r}: {exc}")]
            ) from exc
    source = {**records.source.to_dict(), "rows": len(df)}
    with step("probing the model"):
        result = probe(
            df,
            model,
            flips=config.flips,
            groups=config.groups,
            threshold=config.threshold,
            proxies=config.proxies,
            proxy_features=config.proxy_features,
            flip_proxies=config.flip_proxies,
            profiles=profiles,
            base_profile=config.base_profile,
            base=config.base,
            vary=config.vary,
            seed=config.seed,
            confidence=config.confidence,
            min_cell=config.min_cell,
            bootstrap=config.bootstrap,
            source=source,
            sampling=sampling,
        )
    return result
