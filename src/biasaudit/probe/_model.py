"""Models from what auditors actually get, behind one interface: ``score(frame)``.

The forms: a scorecard file, a scikit-learn estimator or pipeline (skops' safe format,
or joblib / pickle with ``trust``), an ONNX model (onnxruntime), a Python callable,
and an external command that reads CSV on standard input and writes one score per line.

Loading a pickle, or running a command named in a configuration file, runs code
that whoever wrote the file chose: both need an explicit ``trust = true``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem, RecordsError
from ..io import file_sha256
from ._scorecard import Scorecard, read_scorecard

ModelKind = Literal["scorecard", "sklearn", "onnx", "callable", "command"]
KINDS: tuple[str, ...] = ("scorecard", "sklearn", "onnx", "callable", "command")
#: How a model file's name says its kind.
SUFFIXES = {
    ".toml": "scorecard",
    ".csv": "scorecard",
    ".skops": "sklearn",
    ".joblib": "sklearn",
    ".pkl": "sklearn",
    ".pickle": "sklearn",
    ".onnx": "onnx",
}
_PICKLED = (".joblib", ".pkl", ".pickle")
_TRUST_WHY = (
    "loading it runs whatever code its author put in it; set trust = true in [model] "
    "(trust=True in Python) only for a file from a source you trust"
)


@dataclass(frozen=True)
class Model:
    """A model that scores records: ``score(frame)`` returns one float per row.

    Parameters
    ----------
    kind : {"scorecard", "sklearn", "onnx", "callable", "command"}
    features : tuple of str
        The columns the model reads (empty: every column it is given).
    scorer : callable
        Maps a DataFrame of the features to scores (unchecked; :meth:`score` checks).
    description : str
        One line for the report and the manifest.
    path : str or None
        The model file, when there is one.
    sha256 : str or None
        The model file's hash (for a command, of the files its arguments name).
    scorecard : Scorecard or None
        The scorecard, for exact per-variable contributions.

    Examples
    --------
    >>> m = Model.from_callable(lambda df: df["x"] * 2, features=["x"])
    >>> m.score(pd.DataFrame({"x": [0.1, 0.2]})).tolist()
    [0.2, 0.4]
    """

    kind: str
    features: tuple[str, ...]
    scorer: Callable[[pd.DataFrame], Any] = field(repr=False, compare=False)
    description: str = ""
    path: str | None = None
    sha256: str | None = None
    scorecard: Scorecard | None = None

    @classmethod
    def from_callable(
        cls, function: Callable[[pd.DataFrame], Any], *, features: Sequence[str] = ()
    ) -> Model:
        """A model from a Python function mapping a DataFrame to scores."""
        name = getattr(function, "__qualname__", type(function).__name__)
        return cls("callable", tuple(features), function, f"Python callable {name}")

    @classmethod
    def from_scorecard(cls, card: Scorecard, *, path: str | Path | None = None) -> Model:
        """A model from a :class:`Scorecard`."""
        rules = f", {len(card.rules)} rules" if card.rules else ""
        return cls(
            "scorecard",
            card.features,
            card.score,
            f"scorecard {card.name!r}: {len(card.numeric) + len(card.levels)} variables, "
            f"{card.link} link{rules}",
            path=None if path is None else str(path),
            sha256=None if path is None else file_sha256(Path(path)),
            scorecard=card,
        )

    def missing_columns(self, frame: pd.DataFrame) -> list[Problem]:
        """A problem for each feature the frame lacks."""
        missing = [c for c in self.features if c not in frame.columns]
        if not missing:
            return []
        shown = ", ".join(map(repr, list(frame.columns)[:12]))
        return [
            Problem(
                f"model feature {c!r}: column not found in the data; available: {shown}",
                column=c,
                reason="missing_column",
            )
            for c in missing
        ]

    def check(self, frame: pd.DataFrame) -> list[Problem]:
        """Every problem that stops the model scoring ``frame`` (before scoring it)."""
        problems = self.missing_columns(frame)
        if self.scorecard is not None and not problems:
            problems += self.scorecard.check(frame)
        return problems

    def score(self, frame: pd.DataFrame) -> np.ndarray:
        """One float score per row of ``frame``.

        Raises
        ------
        RecordsError
            When a feature column is missing, the model fails, or it returns the
            wrong number of scores or scores that are not finite numbers.
        """
        problems = self.missing_columns(frame)
        if problems:
            raise RecordsError(problems, context=self.description)
        x = frame[list(self.features)] if self.features else frame
        try:
            raw = self.scorer(x)
        except RecordsError:
            raise
        except Exception as exc:  # a model's own failure, whatever it is, is the model's
            raise RecordsError(
                [
                    Problem(
                        f"the model failed on {len(frame):,} rows: {type(exc).__name__}: "
                        f"{str(exc)[:300]}",
                        value=type(exc).__name__,
                        reason="model_failed",
                    )
                ],
                context=self.description,
            ) from exc
        return checked_scores(raw, len(frame), self.description)

    def with_link(self, link: str) -> Model:
        """The model with ``link`` applied to its output: ``"logistic"`` turns a linear
        predictor (log-odds, e.g. from ``decision_function`` or a script) into a
        probability; ``"identity"`` leaves it.

        >>> m = Model.from_callable(lambda df: df["x"]).with_link("logistic")
        >>> m.score(pd.DataFrame({"x": [0.0]})).tolist()
        [0.5]
        """
        if link not in ("identity", "logistic"):
            raise ConfigError(
                [
                    Problem(
                        f"model.link: expected 'identity' or 'logistic'; got {link!r}",
                        column="model.link",
                        value=link,
                    )
                ]
            )
        if link == "identity":
            return self
        inner = self.scorer

        def scorer(x: pd.DataFrame) -> Any:
            raw = inner(x)
            with np.errstate(over="ignore"):
                return 1.0 / (1.0 + np.exp(-np.asarray(raw, dtype=float)))

        return replace(self, scorer=scorer, description=f"{self.description}, logistic link")

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for the manifest."""
        return {
            "kind": self.kind,
            "description": self.description,
            "features": list(self.features),
            "path": self.path,
            "sha256": self.sha256,
        }


def checked_scores(raw: Any, n: int, what: str = "the model") -> np.ndarray:
    """``raw`` as a float array of length ``n``, or a RecordsError saying why not."""
    try:
        arr = np.asarray(raw.to_numpy() if hasattr(raw, "to_numpy") else raw)
    except Exception as exc:  # e.g. a ragged list
        raise RecordsError(
            [
                Problem(
                    f"the model's output is not an array of scores: {exc}", reason="not_numeric"
                )
            ],
            context=what,
        ) from exc
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or len(arr) != n:
        raise RecordsError(
            [
                Problem(
                    f"the model returned {arr.shape} scores for {n:,} rows; expected one "
                    "score per row",
                    value=str(arr.shape),
                    reason="wrong_length",
                )
            ],
            context=what,
        )
    try:
        scores = arr.astype(float)
    except (TypeError, ValueError):
        bad = next(i for i, v in enumerate(arr) if not _is_number(v))
        example = arr[bad].item() if isinstance(arr[bad], np.generic) else arr[bad]
        raise RecordsError(
            [
                Problem(
                    f"the model returned scores that are not numbers, e.g. {example!r} "
                    f"(row {bad + 1})",
                    row=bad + 1,
                    value=example,
                    reason="not_numeric",
                )
            ],
            context=what,
        ) from None
    finite = np.isfinite(scores)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise RecordsError(
            [
                Problem(
                    f"the model returned {int((~finite).sum()):,} scores that are NaN or "
                    f"infinite, e.g. {scores[i]} (row {i + 1}); every row needs a score",
                    row=i + 1,
                    value=float(scores[i]),
                    reason="not_finite",
                )
            ],
            context=what,
        )
    return scores


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def sklearn_scorer(estimator: Any) -> Callable[[pd.DataFrame], Any]:
    """The score of a scikit-learn estimator: ``predict_proba[:, 1]`` when it has it,
    else ``decision_function``, else ``predict``."""
    if hasattr(estimator, "predict_proba"):
        return lambda x: np.asarray(estimator.predict_proba(x))[:, 1]
    if hasattr(estimator, "decision_function"):
        return lambda x: estimator.decision_function(x)
    return lambda x: estimator.predict(x)


def _estimator_model(
    estimator: Any, *, features: Sequence[str] = (), path: Path | None = None, how: str = ""
) -> Model:
    names = tuple(str(c) for c in getattr(estimator, "feature_names_in_", ()))
    feats = tuple(features) or names
    if not hasattr(estimator, "predict"):
        raise ConfigError(
            [
                Problem(
                    f"model: a {type(estimator).__name__} has no predict method; expected a "
                    "scikit-learn estimator or pipeline",
                    value=type(estimator).__name__,
                )
            ]
        )
    return Model(
        "sklearn",
        feats,
        sklearn_scorer(estimator),
        f"scikit-learn {type(estimator).__name__}{how}",
        path=None if path is None else str(path),
        sha256=None if path is None else file_sha256(path),
    )


def as_model(model: Any, *, features: Sequence[str] = ()) -> Model:
    """A :class:`Model` from what a user passes: a Model, a Scorecard, a scikit-learn
    estimator, or a callable mapping a DataFrame to scores."""
    if isinstance(model, Model):
        return model
    if isinstance(model, Scorecard):
        return Model.from_scorecard(model)
    if hasattr(model, "predict"):
        return _estimator_model(model, features=features)
    if callable(model):
        return Model.from_callable(model, features=features)
    raise ConfigError(
        [
            Problem(
                f"model: expected a scikit-learn estimator, a scorecard, a Model or a "
                f"function of a DataFrame; got {type(model).__name__}",
                value=type(model).__name__,
            )
        ]
    )


def load_model(
    path: str | Path | None = None,
    *,
    kind: str | None = None,
    trust: bool = False,
    features: Sequence[str] = (),
    command: Sequence[str] | None = None,
    timeout: float = 600.0,
    cwd: str | Path | None = None,
) -> Model:
    """Load a model file, or describe an external command.

    Parameters
    ----------
    path : str or Path, optional
        A scorecard (``.toml``, ``.csv``), scikit-learn model (``.skops``; ``.joblib``,
        ``.pkl``, ``.pickle`` with ``trust``) or ONNX model (``.onnx``).
    kind : {"scorecard", "sklearn", "onnx", "command"}, optional
        Default: from the file's suffix (``command`` when ``command`` is given).
    trust : bool, default=False
        Allow what runs code from a file: a pickle, an unknown type in a skops file, a
        command.
    features : sequence of str
        The columns the model reads (needed for an ONNX model with one input and
        for a command that should not get every column).
    command : list of str, optional
        A program and its arguments that read CSV (header and the feature columns) on
        standard input and write one score per line on standard output.
    timeout : float, default=600
        Seconds a command may take.
    cwd : str or Path, optional
        Where the command runs (the configuration's folder).

    Raises
    ------
    ConfigError
        When the file is missing or not a model, a package it needs is not
        installed, or it needs ``trust`` and has not got it.
    """
    if command is not None:
        return _command_model(command, trust=trust, features=features, timeout=timeout, cwd=cwd)
    if path is None:
        raise ConfigError([Problem("model: give a path or a command", reason="missing_key")])
    path = Path(path)
    kind = kind or SUFFIXES.get(path.suffix.lower())
    if kind not in ("scorecard", "sklearn", "onnx"):
        raise ConfigError(
            [
                Problem(
                    f"model.path: cannot tell the model's kind from {path.name!r}; name a "
                    f".toml/.csv scorecard, .skops/.joblib/.pkl scikit-learn model or .onnx "
                    f"model, or set kind",
                    column="model.path",
                    value=str(path),
                )
            ]
        )
    if not path.is_file():
        raise ConfigError(
            [
                Problem(
                    f"model.path: file not found: {str(path)!r}",
                    column="model.path",
                    value=str(path),
                    reason="file_not_found",
                )
            ]
        )
    if kind == "scorecard":
        return Model.from_scorecard(read_scorecard(path), path=path)
    if kind == "onnx":
        return _onnx_model(path, features)
    return _sklearn_file(path, trust=trust, features=features)


def _need(package: str, extra: str = "probe") -> Any:
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise ConfigError(
            [
                Problem(
                    f"model: the package {package!r} is not installed; install it with "
                    f"pip install 'biasaudit[{extra}]'",
                    value=package,
                    reason="missing_package",
                )
            ]
        ) from exc


def _sklearn_file(path: Path, *, trust: bool, features: Sequence[str]) -> Model:
    if path.suffix.lower() in _PICKLED:
        if not trust:
            raise ConfigError(
                [
                    Problem(
                        f"model.path: {path.name!r} is a pickle (joblib/pickle file): "
                        f"{_TRUST_WHY}; a skops file (.skops) loads without running code",
                        column="model.trust",
                        value=str(path),
                        reason="untrusted",
                    )
                ]
            )
        joblib = _need("joblib")
        try:
            estimator = joblib.load(path)
        except Exception as exc:  # whatever the pickle raises
            raise ConfigError(
                [Problem(f"model.path: cannot load {path.name!r}: {type(exc).__name__}: {exc}")]
            ) from exc
        return _estimator_model(estimator, features=features, path=path, how=" (pickle)")
    sio = _need("skops.io")
    try:
        untrusted = list(sio.get_untrusted_types(file=path))
    except Exception as exc:  # not a skops file
        raise ConfigError(
            [
                Problem(
                    f"model.path: {path.name!r} is not a skops file: {type(exc).__name__}: {exc}"
                )
            ]
        ) from exc
    if untrusted and not trust:
        raise ConfigError(
            [
                Problem(
                    f"model.path: {path.name!r} holds types skops does not know to be safe: "
                    f"{', '.join(untrusted[:8])}; {_TRUST_WHY}",
                    column="model.trust",
                    value=untrusted[0],
                    reason="untrusted",
                )
            ]
        )
    try:
        estimator = sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ConfigError(
            [Problem(f"model.path: cannot load {path.name!r}: {type(exc).__name__}: {exc}")]
        ) from exc
    return _estimator_model(estimator, features=features, path=path, how=" (skops)")


_ONNX_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(string)": object,
    "tensor(bool)": np.bool_,
}


def _onnx_model(path: Path, features: Sequence[str]) -> Model:
    ort = _need("onnxruntime")
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ConfigError(
            [Problem(f"model.path: {path.name!r} is not an ONNX model onnxruntime can run: {exc}")]
        ) from exc
    inputs = session.get_inputs()
    unknown = [i for i in inputs if i.type not in _ONNX_TYPES]
    if unknown:
        raise ConfigError(
            [Problem(f"model.path: ONNX input {unknown[0].name!r} has type {unknown[0].type}")]
        )
    single = len(inputs) == 1 and (len(features) > 1 or inputs[0].name not in features)
    if single and not features:
        raise ConfigError(
            [
                Problem(
                    f"model.features: the ONNX model {path.name!r} takes one input matrix "
                    f"({inputs[0].name!r}); list the columns in its order with features = [...]",
                    column="model.features",
                    reason="missing_key",
                )
            ]
        )
    feats = tuple(features) if single else tuple(i.name for i in inputs)

    def run(x: pd.DataFrame) -> np.ndarray:
        if single:
            feed = {inputs[0].name: x.to_numpy(dtype=_ONNX_TYPES[inputs[0].type])}
        else:
            feed = {}
            for i in inputs:
                col = x[[i.name]]
                kind = _ONNX_TYPES[i.type]
                feed[i.name] = (
                    col.astype(str).to_numpy(dtype=object)
                    if kind is object
                    else col.to_numpy(dtype=kind)
                )
        outputs = session.run(None, feed)
        return _onnx_scores(outputs)

    return Model(
        "onnx",
        feats,
        run,
        f"ONNX model {path.name!r} ({len(inputs)} inputs)",
        path=str(path),
        sha256=file_sha256(path),
    )


def _onnx_scores(outputs: list[Any]) -> Any:
    """The positive-class probability when the model gives probabilities (the last
    output of a classifier), else its first output."""
    out = outputs[-1] if len(outputs) > 1 else outputs[0]
    if isinstance(out, list) and out and isinstance(out[0], dict):  # a ZipMap
        key = sorted(out[0])[-1]
        return np.array([row[key] for row in out], dtype=float)
    arr = np.asarray(out)
    if arr.ndim == 2 and arr.shape[1] == 2:
        return arr[:, 1]
    return arr


def _command_model(
    command: Sequence[str],
    *,
    trust: bool,
    features: Sequence[str],
    timeout: float,
    cwd: str | Path | None,
) -> Model:
    if (
        not isinstance(command, list | tuple)
        or not command
        or not all(isinstance(c, str) for c in command)
    ):
        raise ConfigError(
            [
                Problem(
                    f'model.command: expected a list of strings, e.g. ["Rscript", "score.R"]; '
                    f"got {command!r}",
                    column="model.command",
                    value=command,
                )
            ]
        )
    if not trust:
        raise ConfigError(
            [
                Problem(
                    f"model.command: running {' '.join(command)!r} runs a program named in a "
                    "file; set trust = true in [model] (trust=True in Python) only for a "
                    "command you have read",
                    column="model.trust",
                    value=list(command),
                    reason="untrusted",
                )
            ]
        )
    where = Path(cwd) if cwd is not None else Path.cwd()
    files = [where / a for a in command if (where / a).is_file()]
    digest = None
    if files:
        import hashlib

        h = hashlib.sha256()
        for f in files:
            h.update(bytes.fromhex(file_sha256(f)))
        digest = h.hexdigest()

    def run(x: pd.DataFrame) -> np.ndarray:
        text = x.to_csv(index=False, lineterminator="\n")
        try:
            proc = subprocess.run(
                list(command),
                input=text,
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=where,
                check=False,
            )
        except FileNotFoundError as exc:
            raise RecordsError(
                [
                    Problem(
                        f"model.command: program not found: {command[0]!r}; install it or "
                        "give its full path",
                        value=command[0],
                        reason="model_failed",
                    )
                ]
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise RecordsError(
                [
                    Problem(
                        f"model.command: {' '.join(command)!r} did not finish within "
                        f"{timeout:g} s on {len(x):,} rows; raise [model] timeout or score a "
                        "sample ([probe] sample)",
                        value=timeout,
                        reason="model_failed",
                    )
                ]
            ) from exc
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-3:]
            raise RecordsError(
                [
                    Problem(
                        f"model.command: {' '.join(command)!r} exited with status "
                        f"{proc.returncode}: {' | '.join(tail) or '(no message)'}",
                        value=proc.returncode,
                        reason="model_failed",
                    )
                ]
            )
        lines = [ln.strip() for ln in proc.stdout.splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        values: list[Any] = []
        for ln in lines:
            try:
                values.append(float(ln))
            except ValueError:
                values.append(ln)
        return (
            np.array(values, dtype=object)
            if any(isinstance(v, str) for v in values)
            else (np.array(values, dtype=float))
        )

    return Model(
        "command",
        tuple(features),
        run,
        f"external command {' '.join(command)!r}",
        path=" ".join(command),
        sha256=digest,
    )
