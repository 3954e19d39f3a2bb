"""Profiles (personas): score hand-written people, or a grid around a base profile.

Each profile is compared with the base profile (the first, unless named): its score,
each variable's contribution and one plain sentence. For a scorecard the
contributions are exact (its points); for any other model they are one-at-a-time
effects: the score change when that one variable is set back to the base profile's
value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import Problem, RecordsError
from ._model import Model
from ._phrases import Phrase

PROFILE_COLUMNS = ["profile", "score", "base_score", "difference", "differs_in", "sentence"]
CONTRIBUTION_COLUMNS = ["profile", "variable", "value", "contribution", "method"]


@dataclass(frozen=True)
class ProfileResult:
    """Scores of the profiles against the base (:data:`PROFILE_COLUMNS`) and each
    variable's contribution (:data:`CONTRIBUTION_COLUMNS`); ``said``: each sentence
    as a :class:`Phrase` (the report writes it in its language)."""

    table: pd.DataFrame
    contributions: pd.DataFrame
    base: str
    said: tuple[Phrase, ...] = ()

    @property
    def sentences(self) -> list[str]:
        """One sentence per profile compared with the base."""
        return [s for s in self.table["sentence"] if s]


def grid(base: Mapping[str, Any], vary: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """The base profile and, for each variable of ``vary``, one profile per other value
    with everything else as in the base.

    Examples
    --------
    >>> grid({"gender": "M", "has_children": 0}, {"gender": ["F"], "has_children": [1]})
    ...     # doctest: +NORMALIZE_WHITESPACE
                  profile gender  has_children
    0                base      M             0
    1          gender = F      F             0
    2    has_children = 1      M             1
    """
    rows = [{"profile": "base", **base}]
    for variable, values in vary.items():
        for v in values:
            if v != base.get(variable):
                rows.append({"profile": f"{variable} = {v}", **base, variable: v})
    return pd.DataFrame(rows)


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def score_profiles(
    model: Model, profiles: pd.DataFrame, *, base: str | None = None
) -> ProfileResult:
    """Score ``profiles`` (a ``profile`` column names them) and compare each with the
    base profile.

    Raises
    ------
    RecordsError
        When a profile lacks a feature, names repeat, the base is unknown or the
        model fails.

    Examples
    --------
    >>> m = Model.from_callable(lambda d: 0.1 + 0.2 * (d["gender"] == "F"), features=["gender"])
    >>> out = score_profiles(m, grid({"gender": "M"}, {"gender": ["F"]}))
    >>> out.sentences[0]
    "Profile 'gender = F' (gender F) scores 0.30 against 0.10 for 'base' (gender M), otherwise identical."
    """
    if "profile" not in profiles.columns:
        profiles = profiles.assign(profile=[f"profile {i}" for i in range(1, len(profiles) + 1)])
    names = profiles["profile"].astype(str)
    problems = model.missing_columns(profiles)
    if names.duplicated().any():
        problems.append(
            Problem(
                f"profiles: names used twice: {', '.join(sorted(set(names[names.duplicated()])))}",
                column="profile",
                reason="duplicate",
            )
        )
    base = names.iloc[0] if base is None else base
    if base not in set(names):
        problems.append(
            Problem(f"profiles: base profile {base!r} not found; names: {', '.join(names)}")
        )
    if problems:
        raise RecordsError(problems, context="profiles")
    frame = profiles.reset_index(drop=True)
    frame["profile"] = names.to_numpy()
    scores = model.score(frame)
    b = int(np.flatnonzero(frame["profile"].to_numpy() == base)[0])
    variables = [  # in the profiles' column order: the order a reader wrote them in
        c for c in frame.columns if c != "profile" and (not model.features or c in model.features)
    ]
    rows, parts, said = [], [], []
    for i in range(len(frame)):
        diff = [v for v in variables if _text(frame.at[i, v]) != _text(frame.at[b, v])]
        name = frame.at[i, "profile"]
        sentence = ""
        if i != b:
            phrase = Phrase(
                "profile_same", {"name": name, "base": base, "score": float(scores[i])}
            )
            if diff:
                phrase = Phrase(
                    "profile_differs",
                    {
                        **phrase.values,
                        "mine": ", ".join(f"{v} {_text(frame.at[i, v])}" for v in diff),
                        "base_score": float(scores[b]),
                        "theirs": ", ".join(f"{v} {_text(frame.at[b, v])}" for v in diff),
                    },
                )
            said.append(phrase)
            sentence = str(phrase)
        rows.append(
            {
                "profile": name,
                "score": float(scores[i]),
                "base_score": float(scores[b]),
                "difference": float(scores[i] - scores[b]),
                "differs_in": ", ".join(diff),
                "sentence": sentence,
            }
        )
    card = model.scorecard
    if card is not None:
        points = card.contributions(frame)
        unit = "exact: scorecard points" + (" (log-odds)" if card.link == "logistic" else "")
        for i in range(len(frame)):
            for v in points.columns:
                parts.append(
                    {
                        "profile": frame.at[i, "profile"],
                        "variable": v,
                        "value": "" if v not in frame.columns else _text(frame.at[i, v]),
                        "contribution": float(points.at[i, v]),
                        "method": unit,
                    }
                )
    else:
        for i in range(len(frame)):
            if i == b:
                continue
            diff = [v for v in variables if _text(frame.at[i, v]) != _text(frame.at[b, v])]
            if not diff:
                continue
            back = pd.DataFrame([frame.loc[i]] * len(diff)).reset_index(drop=True)
            for j, v in enumerate(diff):
                back.at[j, v] = frame.at[b, v]
            without = model.score(back)
            for j, v in enumerate(diff):
                parts.append(
                    {
                        "profile": frame.at[i, "profile"],
                        "variable": v,
                        "value": _text(frame.at[i, v]),
                        "contribution": float(scores[i] - without[j]),
                        "method": f"one at a time: score change from {base!r}'s value",
                    }
                )
    return ProfileResult(
        table=pd.DataFrame(rows, columns=PROFILE_COLUMNS),
        contributions=pd.DataFrame(parts, columns=CONTRIBUTION_COLUMNS),
        base=str(base),
        said=tuple(said),
    )
