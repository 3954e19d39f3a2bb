"""Attribute-flip experiments: what would the model have done to this person if only
X were different?

Every record (or a seeded sample) is scored as it is and with the attribute flipped
(F -> M and M -> F, has_children 1 -> 0, ...), with declared dependent features
flipped together. Per group: the mean score change with a paired t interval and a
Wilcoxon signed-rank test, the share whose flag changes at the audit's threshold in
each direction (Wilson intervals, McNemar's exact test), and rank changes (mean places
moved, moves into the top k). A flipped person's new rank is their flipped score's
place among everyone else's actual scores: the question is what would have happened
to them, with everyone else as they are.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem, RecordsError
from ..disclosure import WITHHELD_NOTE, small
from ..stats import proportion_interval
from ._model import Model
from ._phrases import Phrase
from ._scorecard import level_keys

#: The columns of every flip table, in order (DESIGN.md §6: the same columns every time).
FLIP_COLUMNS = [
    "flip",
    "attribute",
    "group",
    "n",
    "mean_score",
    "mean_flipped",
    "mean_change",
    "change_ci_low",
    "change_ci_high",
    "p_value",
    "flagged_before",
    "flagged_after",
    "flag_up",
    "flag_up_share",
    "flag_up_ci_low",
    "flag_up_ci_high",
    "flag_down",
    "flag_down_share",
    "flag_down_ci_low",
    "flag_down_ci_high",
    "mcnemar_p",
    "mean_places_moved",
    "into_top_k",
    "into_top_k_share",
    "suppressed",
    "note",
]
_FLAG_BLOCK = FLIP_COLUMNS[
    FLIP_COLUMNS.index("flagged_before") : FLIP_COLUMNS.index("mcnemar_p") + 1
]
_TOP_BLOCK = ["into_top_k", "into_top_k_share"]
_ROW_VALUES = FLIP_COLUMNS[FLIP_COLUMNS.index("n") : FLIP_COLUMNS.index("into_top_k_share") + 1]
OVERALL = "all"
MISSING_GROUP = "(missing)"


@dataclass(frozen=True)
class Flip:
    """One flip: an attribute, its value map, and dependent features flipped with it.

    Parameters
    ----------
    attribute : str
        The column flipped.
    mapping : mapping
        Value -> flipped value (as the data writes them; 1 and "1" are the same level).
    together : mapping of str to mapping
        Dependent features: column -> value map applied to every flipped row.

    Examples
    --------
    >>> Flip("gender", {"F": "M", "M": "F"}).name
    'gender F<->M'
    """

    attribute: str
    mapping: Mapping[Any, Any]
    together: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """A short label: ``gender F<->M``, ``language_level 1->4, 2->4``."""
        m = {str(k): str(v) for k, v in self.mapping.items()}
        if len(m) == 2 and all(m.get(v) == k for k, v in m.items()):
            a, b = list(m)
            text = f"{self.attribute} {a}<->{b}"
        else:
            text = f"{self.attribute} " + ", ".join(f"{k}->{v}" for k, v in m.items())
        if self.together:
            text += " (with " + ", ".join(self.together) + ")"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for the manifest."""
        return {
            "attribute": self.attribute,
            "map": {str(k): v for k, v in self.mapping.items()},
            "together": {c: {str(k): v for k, v in m.items()} for c, m in self.together.items()},
        }


@dataclass(frozen=True)
class FlipResult:
    """What a flip experiment found.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per flip x group, columns :data:`FLIP_COLUMNS` (every value; the
        ``suppressed`` column marks what :meth:`published` blanks).
    flips : tuple of Flip
    rule : Phrase
        The flag rule (``threshold``: in English words).
    top_k : int
        The k of "moves into the top k".
    rows : int
        Records given; ``scored``: how many were scored (a sample, or all).
    seed : int or None
        The sample's seed.
    said : tuple of Phrase
        What the reader must know (rows not flipped, the sample, dependent features);
        ``notes``: in English words.
    min_cell : int
    """

    table: pd.DataFrame
    flips: tuple[Flip, ...]
    rule: Phrase
    top_k: int
    rows: int
    scored: int
    seed: int | None
    said: tuple[Phrase, ...]
    min_cell: int
    confidence: float

    @property
    def threshold(self) -> str:
        """The flag rule, in English words."""
        return str(self.rule)

    @property
    def notes(self) -> tuple[str, ...]:
        """The notes, in English words."""
        return tuple(str(n) for n in self.said)

    def published(self) -> pd.DataFrame:
        """The table with every value disclosure control withholds blanked."""
        return publish_flips(self.table)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (without the table) for the manifest."""
        return {
            "flips": [f.to_dict() for f in self.flips],
            "threshold": self.threshold,
            "top_k": self.top_k,
            "rows": self.rows,
            "scored": self.scored,
            "seed": self.seed,
            "notes": list(self.notes),
            "min_cell": self.min_cell,
            "confidence": self.confidence,
        }


def as_flip(raw: Flip | Mapping[str, Any], *, where: str = "flip") -> Flip:
    """A :class:`Flip` from a dict ``{"attribute": ..., "map": {...}, "together": {...}}``.

    Raises
    ------
    ConfigError
        When a key is unknown or a map is not a table.
    """
    if isinstance(raw, Flip):
        return raw
    problems = []
    if not isinstance(raw, Mapping):
        raise ConfigError(
            [Problem(f"{where}: expected a table with attribute and map; got {raw!r}")]
        )
    for key in raw:
        if key not in ("attribute", "map", "together"):
            problems.append(
                Problem(
                    f"{where}.{key}: unknown key; allowed: attribute, map, together", value=key
                )
            )
    attribute, mapping = raw.get("attribute"), raw.get("map")
    if not isinstance(attribute, str) or not attribute:
        problems.append(Problem(f"{where}.attribute: expected a column name; got {attribute!r}"))
    if not isinstance(mapping, Mapping) or not mapping:
        problems.append(
            Problem(
                f'{where}.map: expected a table of value = flipped value, e.g. {{ F = "M", M = "F" }}; got {mapping!r}'
            )
        )
    together = raw.get("together", {})
    if not isinstance(together, Mapping) or not all(
        isinstance(m, Mapping) for m in together.values()
    ):
        problems.append(
            Problem(
                f"{where}.together: expected column = {{ value = flipped value }}; got {together!r}"
            )
        )
        together = {}
    if problems:
        raise ConfigError(problems)
    assert isinstance(mapping, Mapping)  # checked above
    return Flip(str(attribute), dict(mapping), {str(c): dict(m) for c, m in together.items()})


def _key(v: Any) -> str:
    return str(level_keys(pd.Series([v], dtype=object)).iloc[0])


def flip_problems(frame: pd.DataFrame, flip: Flip) -> list[Problem]:
    """Every problem with a flip on ``frame``: a missing column, a map value that never
    occurs in the data."""
    problems = []
    for column, mapping in [(flip.attribute, flip.mapping), *flip.together.items()]:
        if column not in frame.columns:
            problems.append(
                Problem(
                    f"flip {flip.name!r}: column {column!r} not found in the data",
                    column=column,
                    reason="missing_column",
                )
            )
            continue
        seen = set(level_keys(frame[column]).dropna())
        wanted = [_key(k) for k in mapping]
        if column == flip.attribute:
            wanted += [_key(v) for v in mapping.values()]
        absent = [v for v in dict.fromkeys(wanted) if v not in seen]
        if absent:
            problems.append(
                Problem(
                    f"flip {flip.name!r}: {column} never equals {', '.join(map(repr, absent))} "
                    f"in the data; its values are {', '.join(map(repr, sorted(seen)[:10]))}",
                    column=column,
                    value=absent[0],
                    reason="unknown_value",
                )
            )
    return problems


def _apply(column: pd.Series, mapping: Mapping[Any, Any], rows: np.ndarray) -> pd.Series:
    """``column`` with ``mapping`` applied on ``rows``. A number column stays a number
    column (integers stay integers when the new values are whole); a new value that
    is not a number makes it a column of objects, as the model would get it from a file.

    >>> _apply(pd.Series([0, 1, 1]), {1: 0}, np.array([True, True, False])).tolist()
    [0, 0, 1]
    """
    table = {_key(k): v for k, v in mapping.items()}
    new = level_keys(column).map(table)
    hit = rows & new.notna().to_numpy()
    values = new[hit]
    number = pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
        column.dtype
    )
    numbers = pd.to_numeric(values, errors="coerce")
    if number and numbers.notna().all():
        whole = bool((numbers == np.round(numbers)).all())
        keep_int = pd.api.types.is_integer_dtype(column.dtype) and whole
        out = column.copy() if keep_int else column.astype(float)
        out[hit] = numbers.to_numpy(dtype=out.dtype)
        return out
    out = column.astype(object)
    out[hit] = values.to_numpy()
    return out


def _threshold(
    threshold: Mapping[str, float] | None, n_rows: int, n_scored: int
) -> tuple[Phrase, float | None, int | None]:
    """(the rule's phrase, score cut or None, k or None) of the flag rule."""
    t = dict(threshold or {"top_fraction": 0.10})
    if len(t) != 1 or next(iter(t)) not in ("score_at_least", "top_k", "top_fraction"):
        raise ConfigError(
            [
                Problem(
                    f"threshold: give one of score_at_least, top_k, top_fraction; got {t!r}",
                    column="threshold",
                )
            ]
        )
    ((kind, value),) = t.items()
    if kind == "score_at_least":
        return Phrase("rule_score", {"value": value}), float(value), None
    if kind == "top_k":
        k = max(1, round(float(value) * n_scored / n_rows))
        if n_scored != n_rows:
            said = Phrase("rule_top_k_scaled", {"k": int(value), "scaled": k, "scored": n_scored})
        else:
            said = Phrase("rule_top_k", {"k": int(value)})
        return said, None, k
    k = max(1, math.floor(float(value) * n_scored))
    percent = {"percent": 100 * float(value)}
    return (
        Phrase("rule_top_fraction" if threshold else "rule_top_fraction_default", percent),
        None,
        k,
    )


def flip_experiment(
    frame: pd.DataFrame,
    model: Model,
    flips: Sequence[Flip | Mapping[str, Any]],
    *,
    groups: Sequence[str] = (),
    threshold: Mapping[str, float] | None = None,
    sample: int | None = None,
    seed: int = 20261207,
    confidence: float = 0.95,
    min_cell: int = 10,
    population: int | None = None,
) -> FlipResult:
    """Score records as they are and with attributes flipped; compare per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        The records: the model's features and the group attributes.
    model : Model
        See :func:`load_model` and :func:`as_model`.
    flips : sequence of Flip or dict
        E.g. ``{"attribute": "gender", "map": {"F": "M", "M": "F"}}``; ``together``
        names dependent features flipped with it.
    groups : sequence of str
        Attributes whose groups get a row each (the flipped attribute always does).
    threshold : dict, optional
        ``{"score_at_least": x}``, ``{"top_k": k}`` or ``{"top_fraction": f}``
        (default: the top 10%).
    sample : int, optional
        Score a seeded random sample of this many records instead of all.
    seed : int
    confidence : float, default=0.95
    min_cell : int, default=10
        Counts of 1 to ``min_cell - 1`` people are withheld from the published table.
    population : int, optional
        When ``frame`` is itself a sample drawn beforehand (by a database, say): the
        number of records it was drawn from. ``top_k`` is scaled to the sample and
        the result's ``rows`` is this number; the caller states how the sample was
        drawn.

    Raises
    ------
    RecordsError
        When a column is missing, a map value never occurs in the data, or the model
        fails or returns unusable scores.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["F", "M"] * 50, "x": np.linspace(0, 1, 100)})
    >>> m = Model.from_callable(lambda d: d["x"] + 0.1 * (d["g"] == "F"), features=["g", "x"])
    >>> out = flip_experiment(df, m, [{"attribute": "g", "map": {"F": "M", "M": "F"}}])
    >>> out.table.set_index("group").loc[["F", "M"], "mean_change"].round(3).tolist()
    [-0.1, 0.1]
    """
    chosen = tuple(as_flip(f, where=f"flips[{i}]") for i, f in enumerate(flips, start=1))
    problems = model.check(frame)
    for f in chosen:
        problems += flip_problems(frame, f)
    for g in groups:
        if g not in frame.columns:
            problems.append(Problem(f"group attribute {g!r}: column not found", column=g))
    if problems:
        raise RecordsError(problems, context=f"{len(frame):,} rows")
    rows = len(frame) if population is None else max(population, len(frame))
    if sample is not None and sample < len(frame):
        pick = np.sort(np.random.default_rng(seed).choice(len(frame), size=sample, replace=False))
        data = frame.iloc[pick].reset_index(drop=True)
    else:
        data = frame.reset_index(drop=True)
    scored = len(data)
    rule, cut, k = _threshold(threshold, rows, scored)
    base = model.score(data)
    # flags and ranks compare scores at 12 decimals: the floating-point noise between
    # model forms (1e-16) must not decide whether a tie counts as flagged
    level = np.round(base, 12)
    order = np.sort(level)
    if cut is None:
        assert k is not None
        cut = float(order[::-1][min(k, scored) - 1])
    flagged = level >= cut
    top_k = int(flagged.sum()) if k is None else k
    rank = scored - np.searchsorted(order, level, side="right") + 1  # 1 = highest
    notes = []
    if scored < len(frame):
        notes.append(Phrase("flip_sample", {"scored": scored, "rows": rows, "seed": seed}))
    parts = []
    for f in chosen:
        eligible = level_keys(data[f.attribute]).isin([_key(v) for v in f.mapping]).to_numpy()
        left = int((~eligible).sum())
        if left:
            notes.append(
                Phrase("not_flipped", {"flip": f.name, "left": left, "attribute": f.attribute})
            )
        if f.together:
            notes.append(
                Phrase(
                    "together",
                    {"flip": f.name, "columns": ", ".join(f.together), "attribute": f.attribute},
                )
            )
        changed = data.copy()
        changed[f.attribute] = _apply(data[f.attribute], f.mapping, eligible)
        for column, mapping in f.together.items():
            changed[column] = _apply(data[column], mapping, eligible)
        idx = np.flatnonzero(eligible)
        after = model.score(changed.iloc[idx].reset_index(drop=True))
        before = base[idx]
        new_level = np.round(after, 12)
        # the flipped score's place among everyone else's actual scores
        above = scored - np.searchsorted(order, new_level, side="right")
        new_rank = above - (level[idx] > new_level) + 1
        sub = data.iloc[idx].reset_index(drop=True)
        parts += _group_rows(
            f,
            sub,
            groups,
            np.vstack([before, after, level[idx], new_level]),
            cut,
            rank[idx],
            new_rank,
            top_k,
            confidence,
        )
    table = pd.DataFrame(parts, columns=FLIP_COLUMNS)
    mark_flips(table, min_cell)
    return FlipResult(
        table=table,
        flips=chosen,
        rule=rule,
        top_k=top_k,
        rows=rows,
        scored=scored,
        seed=seed if scored < rows else None,
        said=tuple(notes),
        min_cell=min_cell,
        confidence=confidence,
    )


def _group_rows(
    flip: Flip,
    sub: pd.DataFrame,
    groups: Sequence[str],
    scores: np.ndarray,
    cut: float,
    rank: np.ndarray,
    new_rank: np.ndarray,
    top_k: int,
    confidence: float,
) -> list[dict[str, Any]]:
    """``scores``: before, after, and both at 12 decimals (for flags), one row each."""
    attributes = list(dict.fromkeys([flip.attribute, *groups]))
    out = [_stats(flip, OVERALL, OVERALL, scores, cut, rank, new_rank, top_k, confidence)]
    for a in attributes:
        keys = level_keys(sub[a]).fillna(MISSING_GROUP).to_numpy(dtype=object)
        for g in sorted(set(keys), key=str):
            m = keys == g
            out.append(
                _stats(flip, a, g, scores[:, m], cut, rank[m], new_rank[m], top_k, confidence)
            )
    return out


def _stats(
    flip: Flip,
    attribute: str,
    group: str,
    scores: np.ndarray,
    cut: float,
    rank: np.ndarray,
    new_rank: np.ndarray,
    top_k: int,
    confidence: float,
) -> dict[str, Any]:
    from scipy import stats
    from statsmodels.stats.contingency_tables import mcnemar

    before, after, level, new_level = scores
    n = len(before)
    d = after - before
    row: dict[str, Any] = dict.fromkeys(FLIP_COLUMNS, math.nan)
    row.update(
        flip=flip.name, attribute=attribute, group=str(group), n=n, suppressed=False, note=""
    )
    if n == 0:
        return row
    mean = float(d.mean())
    row.update(mean_score=float(before.mean()), mean_flipped=float(after.mean()), mean_change=mean)
    if n > 1:
        sd = float(d.std(ddof=1))
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
        row.update(change_ci_low=mean - half, change_ci_high=mean + half)
    if np.all(d == 0):
        row["p_value"] = 1.0
    elif n > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ties and zeros: the normal approximation
            # (ties at 12 decimals, as the flags: forms of one model give one p-value)
            row["p_value"] = float(
                stats.wilcoxon(np.round(d, 12), method="approx" if n > 50 else "auto").pvalue
            )
    was, now = level >= cut, new_level >= cut
    up, down = int((now & ~was).sum()), int((was & ~now).sum())
    lo, hi = proportion_interval(np.array([up, down]), n, confidence=confidence)
    row.update(
        flagged_before=int(was.sum()),
        flagged_after=int(now.sum()),
        flag_up=up,
        flag_up_share=up / n,
        flag_up_ci_low=float(lo[0]),
        flag_up_ci_high=float(hi[0]),
        flag_down=down,
        flag_down_share=down / n,
        flag_down_ci_low=float(lo[1]),
        flag_down_ci_high=float(hi[1]),
        mcnemar_p=1.0
        if up + down == 0
        else float(
            mcnemar(
                [[int((was & now).sum()), down], [up, int((~was & ~now).sum())]], exact=True
            ).pvalue
        ),
        mean_places_moved=float(np.mean(rank - new_rank)),
    )
    into = int(((rank > top_k) & (new_rank <= top_k)).sum())
    row.update(into_top_k=into, into_top_k_share=into / n)
    return row


def mark_flips(table: pd.DataFrame, min_cell: int) -> None:
    """Mark what a published flip table withholds (DESIGN.md §4), in place.

    Primary: a group of 1 to ``min_cell - 1`` people is withheld whole; a flag count
    (flagged before or after, flag changes) of that size withholds the flag columns,
    a top-k count its own two columns. Complementary: the groups of an attribute add
    up to the overall row, so when one group of an attribute is withheld (whole, or
    its flag columns), the next smallest is withheld with it.
    """
    if min_cell <= 1 or table.empty:
        return
    whole = _complement(table, small(table["n"], min_cell))
    counts = ("flagged_before", "flagged_after", "flag_up", "flag_down")
    flag = _complement(table, whole | np.any([small(table[c], min_cell) for c in counts], axis=0))
    top = _complement(table, whole | small(table["into_top_k"], min_cell))
    notes = []
    for i in range(len(table)):
        if whole[i]:
            notes.append(WITHHELD_NOTE)
        elif flag[i] or top[i]:
            what = " and ".join(
                w for w, m in (("flag changes", flag[i]), ("moves into the top k", top[i])) if m
            )
            notes.append(
                f"{what} suppressed: a count of fewer than min_cell people, or one that would reveal one"
            )
        else:
            notes.append("")
    table["suppressed"] = whole
    table["note"] = notes
    table.attrs["flag_withheld"] = flag & ~whole
    table.attrs["top_withheld"] = top & ~whole


def _complement(table: pd.DataFrame, mask: np.ndarray) -> np.ndarray:
    """``mask`` with, in each attribute whose groups hide exactly one, the next
    smallest group hidden too (a lone hidden group is the overall row minus the rest)."""
    mask = mask.copy()
    for (_, attribute), block in table.groupby(["flip", "attribute"], sort=False):
        if attribute == OVERALL:
            continue
        idx = block.index.to_numpy()
        hidden = mask[idx]
        if hidden.sum() == 1 and len(idx) > 1:
            mask[int(block.loc[~hidden, "n"].idxmin())] = True
    return mask


def publish_flips(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a marked flip table with what it withholds blanked."""
    out = table.copy()
    numeric = list(_ROW_VALUES)
    out[numeric] = out[numeric].astype(float)
    out.loc[out["suppressed"].to_numpy(bool), numeric] = math.nan
    flag = np.asarray(table.attrs.get("flag_withheld", np.zeros(len(table), bool)), bool)
    top = np.asarray(table.attrs.get("top_withheld", np.zeros(len(table), bool)), bool)
    out.loc[flag, _FLAG_BLOCK] = math.nan
    out.loc[top, _TOP_BLOCK] = math.nan
    for c in ("n", "flagged_before", "flagged_after", "flag_up", "flag_down", "into_top_k"):
        out[c] = out[c].astype("Int64")
    out.attrs = {}
    return out
