"""An independent attacker on a published output folder (no test in here).

Used by ``test_disclosure_attack.py`` (issue 13). Nothing here imports biasaudit: the
metric formulas are written from DESIGN.md §3, the meaning of each published column from
README.md / docs/config.md, and the ground truth (the finest cells of people) comes from
the data the test generated.

The attacker reads only the output folder (``results*.csv``, ``results*.json`` and
``tables/*.csv``) and turns every published count into a linear equation over the finest
cells: an exact count is ``vector . cells = value``; a published rate ``value = num / den``
becomes an equation as soon as one side is known (``den = num / value``); a published zero
sum says each of its cells is 0 (counts are non-negative). A count is recovered when its
vector lies in the row space of the equations. ``mode="lp"`` is stronger: it also uses
non-negativity and the source's ``<10`` ranges fully (the cells that every table consistent
with the equations forces to 0, or to the top of their range, found by linear programming).

Every equation is checked against the truth as it is added: an equation the truth does not
satisfy means the attacker misread a column, and is reported as an error, never used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from threadpoolctl import threadpool_limits

OVERALL, ALL = "(overall)", "(all)"
SEP = " × "
PARTITION = ("TP", "FP", "FN", "TN", "FU", "UU")  # FU / UU: flagged / unflagged, no outcome
EVERYONE = frozenset(PARTITION)
FLAGGED = frozenset({"TP", "FP", "FU"})
LABELLED = frozenset({"TP", "FP", "FN", "TN"})

# DESIGN.md §3, written out (not read from biasaudit's registry):
# metric -> (numerator cells, denominator cells, denominator scope)
# scope "group": the denominator is the group's own; "overall": everyone's.
METRICS: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "selection_rate": (FLAGGED, EVERYONE, "group"),
    "population_share": (EVERYONE, EVERYONE, "overall"),
    "share_of_flagged": (FLAGGED, FLAGGED, "overall"),
    # representation_ratio: numerator flagged_g, denominator n_g * flagged_all / n_all
    "representation_ratio": (FLAGGED, EVERYONE, "expected"),
    "base_rate": (frozenset({"TP", "FN"}), LABELLED, "group"),
    "precision": (frozenset({"TP"}), frozenset({"TP", "FP"}), "group"),
    "false_discovery_rate": (frozenset({"FP"}), frozenset({"TP", "FP"}), "group"),
    "false_positive_rate": (frozenset({"FP"}), frozenset({"FP", "TN"}), "group"),
    "innocent_flag_rate": (frozenset({"FP"}), EVERYONE, "group"),
    "false_negative_rate": (frozenset({"FN"}), frozenset({"FN", "TP"}), "group"),
    "true_positive_rate": (frozenset({"TP"}), frozenset({"TP", "FN"}), "group"),
    "true_negative_rate": (frozenset({"TN"}), frozenset({"TN", "FP"}), "group"),
    "false_omission_rate": (frozenset({"FN"}), frozenset({"FN", "TN"}), "group"),
    "negative_predictive_value": (frozenset({"TN"}), frozenset({"FN", "TN"}), "group"),
    "accuracy": (frozenset({"TP", "TN"}), LABELLED, "group"),
}
# Harm counts (docs/metrics.md, "Harm counts"): metric -> (its rate, sign). A row
# publishes the rate's numerator O and denominator D as counts, the reference's rate p in
# reference_value, and value = sign x (O - D x p).
HARM: dict[str, tuple[str, int]] = {
    "excess_flagged": ("selection_rate", 1),
    "excess_unfounded_investigations": ("innocent_flag_rate", 1),
    "excess_false_accusations": ("false_positive_rate", 1),
    "shortfall": ("selection_rate", -1),
}
#: The reference of a one-vs-rest comparison (README: everyone not in the group).
EVERYONE_ELSE = "(everyone else)"
DECISION = {
    "selection_rate",
    "population_share",
    "share_of_flagged",
    "representation_ratio",
}


def _num(text: str) -> int:
    return int(text.replace(",", ""))


# ----------------------------------------------------------------------------- truth


@dataclass
class Finest:
    """The finest cells of people: one row per combination, ``count`` is the truth.

    Columns: the protected attributes, and ``cell`` (the partition cell a person is in:
    a confusion cell for records, the furthest stage for a funnel). Records also have
    ``score``, ``flag``, ``known`` and ``y`` so that score ranges and swept thresholds
    (flag = score >= t) can be expressed.
    """

    frame: pd.DataFrame
    attributes: list[str]
    intersections: list[list[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.frame = self.frame.reset_index(drop=True)
        self.truth = self.frame["count"].to_numpy(float)
        self._groups: dict[tuple[str, str], np.ndarray] = {}
        self._cells: dict[bytes, np.ndarray] = {}

    @property
    def size(self) -> int:
        return len(self.frame)

    def group(self, attribute: str, group: str) -> np.ndarray:
        key = (attribute, group)
        if key not in self._groups:
            mask = np.ones(self.size, dtype=bool)
            if attribute != OVERALL:
                for a, g in zip(attribute.split(SEP), group.split(SEP), strict=True):
                    mask &= (self.frame[a].astype(str) == g).to_numpy()
            self._groups[key] = mask
        return self._groups[key].copy()

    def groups(self) -> list[tuple[str, str]]:
        """Every group the audit can publish, plus everyone."""
        out = [(OVERALL, ALL)]
        for a in self.attributes:
            out += [(a, str(g)) for g in sorted(self.frame[a].astype(str).unique())]
        for names in self.intersections:
            levels = self.frame[names].astype(str).drop_duplicates().sort_values(names)
            out += [(SEP.join(names), SEP.join(row)) for row in levels.itertuples(index=False)]
        return out

    def cells(self, flag: np.ndarray | None = None) -> np.ndarray:
        """Partition cell of each finest cell (records), with the flag overridden for a
        swept threshold."""
        if flag is None:
            return self.frame["cell"].to_numpy()
        key = np.asarray(flag, bool).tobytes()
        if key not in self._cells:
            self._cells[key] = self._swept(np.asarray(flag, bool))
        return self._cells[key]

    def _swept(self, flag: np.ndarray) -> np.ndarray:
        known = self.frame["known"].to_numpy(bool)
        y = self.frame["y"].to_numpy()
        return np.select(
            [
                flag & known & (y == 1),
                flag & known & (y == 0),
                ~flag & known & (y == 1),
                ~flag & known & (y == 0),
                flag & ~known,
            ],
            ["TP", "FP", "FN", "TN", "FU"],
            default="UU",
        )

    def vec(
        self,
        attribute: str,
        group: str,
        cells: Iterable[str] = EVERYONE,
        *,
        flag: np.ndarray | None = None,
        where: np.ndarray | None = None,
    ) -> np.ndarray:
        mask = self.group(attribute, group) & np.isin(self.cells(flag), list(cells))
        if where is not None:
            mask &= where
        return mask.astype(float)

    def score_between(self, low: float, high: float) -> np.ndarray:
        s = self.frame["score"].to_numpy(float)
        return (s >= low - 1e-9) & (s <= high + 1e-9)


def records_finest(
    people: pd.DataFrame,
    attributes: Sequence[str],
    *,
    intersections: Sequence[Sequence[str]] = (),
    cells: Iterable[str] = PARTITION,
    scores: Sequence[float] | None = None,
    flag_from_score: float | None = None,
) -> Finest:
    """Finest cells from one row per person (columns: attributes, ``flag`` 0/1,
    ``known`` 0/1, ``y`` 0/1 where known, optional ``score``).

    Every combination of attribute levels x partition cell (x score value) is a cell, the
    empty ones included: the attacker does not know which are empty. ``cells`` limits the
    partition cells to those the data shape allows (full labels: no unknown outcomes, which
    the published data shape says). With ``flag_from_score`` the flag is score >= that
    value (a published rule), so cells contradicting it are not cells.
    """
    attrs = list(attributes)
    p = people.copy()
    p["score"] = p.get("score", 0.0)
    p["y"] = np.where(p["known"] == 1, p["y"], -1).astype(int)
    levels = [sorted(p[a].astype(str).unique()) for a in attrs]
    score_values = list(scores) if scores is not None else [0.0]
    outcome = {
        "TP": (1, 1, 1),
        "FP": (1, 1, 0),
        "FN": (0, 1, 1),
        "TN": (0, 1, 0),
        "FU": (1, 0, -1),
        "UU": (0, 0, -1),
    }
    grid = pd.MultiIndex.from_product([*levels, score_values, list(cells)]).to_frame(
        index=False, name=[*attrs, "score", "cell"]
    )
    grid["flag"] = grid["cell"].map(lambda c: outcome[c][0])
    grid["known"] = grid["cell"].map(lambda c: outcome[c][1])
    grid["y"] = grid["cell"].map(lambda c: outcome[c][2])
    if flag_from_score is not None:
        grid = grid[(grid["score"] >= flag_from_score) == (grid["flag"] == 1)]
    for a in attrs:
        p[a] = p[a].astype(str)
    p["score"] = p["score"].astype(float)
    grid["score"] = grid["score"].astype(float)
    count = p.groupby([*attrs, "score", "flag", "known", "y"]).size().rename("count")
    frame = grid.merge(count.reset_index(), how="left", on=[*attrs, "score", "flag", "known", "y"])
    assert frame["count"].fillna(0).sum() == len(p), "a person outside the finest cells"
    frame["count"] = frame["count"].fillna(0)
    return Finest(frame, attrs, [list(i) for i in intersections])


def funnel_finest(
    people: pd.DataFrame, attributes: Sequence[str], stages: Sequence[str]
) -> Finest:
    """Finest cells of a funnel: attribute levels x the furthest stage reached."""
    attrs = list(attributes)
    levels = [sorted(people[a].astype(str).unique()) for a in attrs]
    grid = pd.MultiIndex.from_product([*levels, list(stages)]).to_frame(
        index=False, name=[*attrs, "cell"]
    )
    p = people.assign(**{a: people[a].astype(str) for a in attrs})
    count = p.groupby([*attrs, "stage"]).size().rename("count").reset_index()
    frame = grid.merge(count.rename(columns={"stage": "cell"}), how="left", on=[*attrs, "cell"])
    frame["count"] = frame["count"].fillna(0)
    assert frame["count"].sum() == len(people)
    return Finest(frame, attrs)


# -------------------------------------------------------------------------- attacker


@dataclass
class _Ratio:
    """num / den = value x (scale_num / scale_den); den None: num = value x scale."""

    num: np.ndarray
    den: np.ndarray | None
    value: float
    source: str
    scale_num: np.ndarray | None = None
    scale_den: np.ndarray | None = None
    done: bool = False


@dataclass
class _Relation:
    """rate(a) = value x rate(b) ("ratio") or rate(b) + value ("difference")."""

    a: tuple[np.ndarray, np.ndarray]
    b: tuple[np.ndarray, np.ndarray]
    kind: str
    value: float
    source: str
    done: bool = False


class Attacker:
    """Collects what an output folder publishes about the finest cells and solves it."""

    def __init__(self, finest: Finest, *, min_cell: int = 10) -> None:
        self.finest = finest
        self.min_cell = min_cell
        self.eqs: list[tuple[np.ndarray, float, str]] = []
        self.ranges: list[tuple[np.ndarray, float, float, str]] = []
        self.ratios: list[_Ratio] = []
        self.relations: list[_Relation] = []
        self.wrong: list[str] = []  # equations the truth does not satisfy: misreadings
        self.unread: set[str] = set()  # published text with numbers the attacker skipped
        self.skipped: set[str] = set()  # published columns the attacker cannot use
        self._seen: set[tuple[bytes, float]] = set()

    # ------------------------------------------------------------------ knowledge
    def equation(self, vec: np.ndarray, value: float, source: str) -> None:
        if not np.isfinite(value):
            return
        key = (np.asarray(vec, float).tobytes(), round(float(value), 6))
        if key in self._seen:
            return
        self._seen.add(key)
        true = float(vec @ self.finest.truth)
        if abs(true - value) > 1e-6 * max(1.0, abs(true)):
            self.wrong.append(f"{source}: published {value!r}, truth {true!r}")
            return
        self.eqs.append((np.asarray(vec, float), float(value), source))

    def range(self, vec: np.ndarray, low: float, high: float, source: str) -> None:
        true = float(vec @ self.finest.truth)
        if not low - 1e-9 <= true <= high + 1e-9:
            self.wrong.append(f"{source}: range {low}..{high}, truth {true}")
            return
        self.ranges.append((vec, low, high, source))

    def ratio(self, num, den, value, source, scale_num=None, scale_den=None) -> None:
        if value is None or not np.isfinite(value):
            return
        self.ratios.append(_Ratio(num, den, float(value), source, scale_num, scale_den))

    def relation(self, a, b, kind: str, value: float, source: str) -> None:
        if value is None or not np.isfinite(value):
            return
        self.relations.append(_Relation(a, b, kind, float(value), source))

    # ------------------------------------------------------------------ solving
    def solve(self, mode: str = "linear") -> None:
        """Close the knowledge: equations, then rates whose other side became known."""
        assert mode in ("linear", "lp")
        self.mode = mode
        # small matrices: BLAS threads only compete with each other on a shared machine
        with threadpool_limits(1):
            for _ in range(50):
                self._factor()
                if not self._derive():
                    break
        if self.wrong:
            raise AssertionError(
                "the attacker misread the published output (equations the truth does not "
                "satisfy):\n" + "\n".join(self.wrong[:20])
            )

    def _factor(self) -> None:
        n = self.finest.size
        a = np.array([v for v, _, _ in self.eqs]) if self.eqs else np.zeros((0, n))
        b = np.array([x for _, x, _ in self.eqs]) if self.eqs else np.zeros(0)
        extra_a, extra_b = self._implied(a, b)
        if len(extra_a):
            a, b = np.vstack([a, extra_a]), np.concatenate([b, extra_b])
        zero = np.zeros(n, dtype=bool)
        for v, x in zip(a, b, strict=True):  # a zero sum of counts: each of its cells is 0
            if x == 0 and (v >= 0).all():
                zero |= v > 0
        keep = ~zero
        ak = a[:, keep]
        if len(ak):
            ak, idx = np.unique(ak, axis=0, return_index=True)
            bk = b[idx]
        else:
            bk = b
        self.keep = keep
        if len(ak):
            # thin SVD when there are more equations than cells; full when fewer, so that
            # vt spans every cell either way
            u, s, vt = np.linalg.svd(ak, full_matrices=len(ak) < ak.shape[1])
            rank = int((s > max(s[0], 1.0) * 1e-10).sum()) if len(s) else 0
            self.null = vt[rank:].T
            # the minimum-norm solution, from the same SVD
            self.x0 = vt[:rank].T @ ((u[:, :rank].T @ bk) / s[:rank])
        else:
            self.null = np.eye(int(keep.sum()))
            self.x0 = np.zeros(int(keep.sum()))

    def _implied(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """LP mode: the implicit equalities of {a x = b, x >= 0, ranges}.

        A cell is forced to 0 when its maximum over every non-negative table consistent
        with what is published is 0; a ranged sum is forced to its top when its minimum
        is the top. With them, the affine hull of the consistent tables is known, so a
        count is fixed by non-negativity exactly when the rank test finds it.
        """
        n = self.finest.size
        if self.mode != "lp" or not len(a):
            return np.zeros((0, n)), np.zeros(0)
        a_ub = np.array([v for v, _, _, _ in self.ranges]) if self.ranges else None
        b_ub = np.array([hi for _, _, hi, _ in self.ranges]) if self.ranges else None
        if a_ub is not None:
            lows = np.array([lo for _, lo, _, _ in self.ranges])
            a_ub = np.vstack([a_ub, -a_ub])
            b_ub = np.concatenate([b_ub, -lows])

        def extreme(c: np.ndarray) -> float | None:
            res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a, b_eq=b, bounds=(0, None))
            if res.status == 3:  # unbounded
                return None
            assert res.status == 0, res.message
            positive[res.x > 1e-7] = True
            return float(res.fun)

        positive = np.zeros(n, dtype=bool)
        rows, values = [], []
        for i in range(n):
            if positive[i]:
                continue
            c = np.zeros(n)
            c[i] = -1.0
            top = extreme(c)
            if top is not None and -top < 1e-7:
                e = np.zeros(n)
                e[i] = 1.0
                rows.append(e)
                values.append(0.0)
        for vec, _, high, _ in self.ranges:
            low = extreme(vec)
            if low is not None and low > high - 1e-7:
                rows.append(vec)
                values.append(high)
        return (np.array(rows) if rows else np.zeros((0, n))), np.array(values)

    def determined(self, vecs: np.ndarray) -> np.ndarray:
        vecs = np.atleast_2d(vecs)
        k = vecs[:, self.keep]
        if not self.null.shape[1]:
            return np.ones(len(vecs), dtype=bool)
        res = np.linalg.norm(k @ self.null, axis=1)
        return res <= 1e-7 * np.maximum(1.0, np.linalg.norm(k, axis=1))

    def value(self, vec: np.ndarray) -> float | None:
        if not self.determined(vec)[0]:
            return None
        return float(vec[self.keep] @ self.x0)

    def _rate(self, pair: tuple[np.ndarray, np.ndarray]) -> float | None:
        num, den = (self.value(v) for v in pair)
        if num is None or den is None or abs(den) < 0.5:
            return None
        return num / den

    def _derive(self) -> bool:
        """Equations from rates whose numerator or denominator is now known."""
        before = len(self.eqs) + len(self.wrong)
        for rel in self.relations:
            if rel.done:
                continue
            ra, rb = self._rate(rel.a), self._rate(rel.b)
            rel.done = ra is not None or rb is not None
            if ra is not None and rb is None:
                known = ra / rel.value if rel.kind == "ratio" else ra - rel.value
                if rel.kind != "ratio" or rel.value:
                    self.ratio(*rel.b, known, rel.source + " (other side)")
            elif rb is not None and ra is None:
                known = rb * rel.value if rel.kind == "ratio" else rb + rel.value
                self.ratio(*rel.a, known, rel.source)
        for r in self.ratios:
            if r.done:
                continue
            value = r.value
            if r.scale_num is not None:
                sn, sd = self.value(r.scale_num), self.value(r.scale_den)
                if sn is None or sd is None or not sd:
                    continue
                value *= sn / sd
            if r.den is None:
                self._integer(r.num, value, r.source)
                r.done = True
                continue
            num, den = self.value(r.num), self.value(r.den)
            r.done = num is not None and den is not None
            if value == 0:
                self._integer(r.num, 0.0, r.source)
            elif num is not None and den is None:
                self._integer(r.den, num / value, r.source + " (denominator)")
            elif den is not None and num is None:
                self._integer(r.num, value * den, r.source + " (numerator)")
        return len(self.eqs) + len(self.wrong) > before

    def _integer(self, vec: np.ndarray, value: float, source: str) -> None:
        # counts and score sums of integer scores are whole numbers
        whole = round(value)
        if abs(whole - value) <= 1e-6 * max(1.0, abs(value)):
            self.equation(vec, float(whole), source)

    # ------------------------------------------------------------------ targets
    def recovered(
        self, targets: Sequence[tuple[str, np.ndarray]], *, exclude: Sequence[str] = ()
    ) -> list[str]:
        """The targets whose true count is 1..min_cell-1 and that the equations fix."""
        small = [
            (label, v)
            for label, v in targets
            if 1 <= v @ self.finest.truth < self.min_cell and label not in set(exclude)
        ]
        if not small:
            return []
        fixed = self.determined(np.array([v for _, v in small]))
        return [
            f"{label} = {v @ self.finest.truth:g}"
            for (label, v), hit in zip(small, fixed, strict=True)
            if hit
        ]


def partition_targets(finest: Finest) -> list[tuple[str, np.ndarray]]:
    """Every nonempty sum of a group's partition cells (e.g. "FU + UU of group x")."""
    cells = finest.frame["cell"].to_numpy()
    live = list(dict.fromkeys(cells))
    out = []
    for attribute, group in finest.groups():
        g = finest.group(attribute, group)
        for k in range(1, len(live) + 1):
            for subset in combinations(live, k):
                out.append(
                    (
                        f"{attribute}={group} [{'+'.join(subset)}]",
                        (g & np.isin(cells, subset)).astype(float),
                    )
                )
    return out


def score_range_targets(finest: Finest) -> list[tuple[str, np.ndarray]]:
    """Every group x score range [a, b] x outcome (fraud, none, either): score-table counts."""
    scores = sorted(finest.frame["score"].unique())
    y = finest.frame["y"].to_numpy()
    out = []
    for attribute, group in finest.groups():
        g = finest.group(attribute, group)
        for i, lo in enumerate(scores):
            for hi in scores[i:]:
                rng = g & finest.score_between(lo, hi)
                for label, which in (("fraud", y == 1), ("no fraud", y == 0), ("all", None)):
                    mask = rng if which is None else rng & which
                    out.append((f"{attribute}={group} score {lo:g}..{hi:g} {label}", mask * 1.0))
    return out


# ---------------------------------------------------------------------- reading output


def read_folder(folder: Path) -> dict[str, object]:
    """What the attacker sees: the results table (CSV and JSON) and tables/*.csv."""
    csvs = sorted(folder.glob("results*.csv"))
    jsons = sorted(folder.glob("results*.json"))
    assert len(csvs) == 1 and len(jsons) == 1, sorted(p.name for p in folder.iterdir())
    tables = {
        p.stem.removesuffix("-restricted"): pd.read_csv(p)
        for p in sorted((folder / "tables").glob("*.csv"))
    }
    return {
        "results": pd.read_csv(csvs[0], keep_default_na=False, na_values=[""]),
        "json": json.loads(jsons[0].read_text()),
        "tables": tables,
    }


def _f(x: object) -> float:
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


_NOTES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], list[tuple[frozenset, int]]]]] = [
    (
        re.compile(r"among the ([\d,]+) flagged with a known outcome; ([\d,]+) flagged have none"),
        lambda m: [
            (frozenset({"TP", "FP"}), _num(m[1])),
            (frozenset({"FU"}), _num(m[2])),
        ],
    ),
    (
        re.compile(r"outcome unknown for ([\d,]+) flagged and ([\d,]+) unflagged"),
        lambda m: [(frozenset({"FU"}), _num(m[1])), (frozenset({"UU"}), _num(m[2]))],
    ),
    (
        re.compile(r"^([\d,]+) flagged people have no known outcome", re.MULTILINE),
        lambda m: [(frozenset({"FU"}), _num(m[1]))],
    ),
    (
        re.compile(r"^([\d,]+) people who were not flagged have no known outcome", re.MULTILINE),
        lambda m: [(frozenset({"UU"}), _num(m[1]))],
    ),
]


def _corner(
    cells: frozenset[str], num: frozenset[str], den: frozenset[str], extreme: str
) -> tuple[frozenset[str], frozenset[str]]:
    """Numerator and denominator cells at the worst- or best-case filling of the unknown
    outcomes (each unknown class all guilty or all innocent).

    A class that joins only the numerator raises num / den most, then one that joins
    both, then neither, then only the denominator (num <= den): the maximum takes the
    highest-ranked option for each class, the minimum the lowest.
    """
    num, den = set(num), set(den)
    for unknown, guilty, innocent in (("FU", "TP", "FP"), ("UU", "FN", "TN")):
        if unknown not in cells:
            continue
        options = []
        for becomes in (guilty, innocent):
            in_num = unknown in num or becomes in num
            in_den = unknown in den or becomes in den
            rank = {(1, 0): 3, (1, 1): 2, (0, 0): 1, (0, 1): 0}[(int(in_num), int(in_den))]
            options.append((rank, in_num, in_den))
        rank, in_num, in_den = (max if extreme == "upper" else min)(options)
        if in_num:
            num.add(unknown)
        if in_den:
            den.add(unknown)
    return frozenset(num), frozenset(den)


def attack_results(
    att: Attacker,
    table: pd.DataFrame,
    *,
    label: str,
    flag: np.ndarray | None = None,
    bounds: str = "corners",
) -> None:
    """Equations from a results table (results.csv / .json, or one sweep point).

    ``bounds="corners"``: worst/best-case bounds of records (unknown outcomes filled in);
    ``"skip"``: bounds of an aggregated table are linear-programming extremes over the
    source's hidden cells, not a ratio of counts the attacker can write down.
    """
    fin = att.finest
    live = frozenset(fin.cells(flag)[fin.truth >= 0])

    def vec(a: str, g: str, cells: Iterable[str]) -> np.ndarray:
        return fin.vec(a, g, cells, flag=flag)

    everyone = vec(OVERALL, ALL, EVERYONE)
    flagged_all = vec(OVERALL, ALL, FLAGGED)
    for row in table.to_dict("records"):
        a, g, metric = str(row["attribute"]), str(row["group"]), str(row["metric"])
        src = f"{label}: {a}={g} {metric}"
        if metric in HARM:
            _attack_harm(att, row, vec, src)
            continue
        if metric not in METRICS:
            att.skipped.add(f"{label}: metric {metric}")
            continue
        num_cells, den_cells, scope = METRICS[metric]
        n_vec = vec(a, g, EVERYONE)
        num = vec(a, g, num_cells)
        den = vec(OVERALL, ALL, den_cells) if scope == "overall" else vec(a, g, den_cells)
        att.equation(n_vec, _f(row.get("n")), src + " n")
        att.equation(num, _f(row.get("numerator")), src + " numerator")
        value = _f(row.get("value"))
        if scope == "expected":  # denominator n_g x F / N: n_g = denominator x N / F
            att.ratio(n_vec, None, _f(row.get("denominator")), src + " den", everyone, flagged_all)
            # value = (flagged_g / F) / (n_g / N): flagged_g / n_g = value x F / N
            att.ratio(num, n_vec, value, src + " value", flagged_all, everyone)
        else:
            att.equation(den, _f(row.get("denominator")), src + " denominator")
            att.ratio(num, den, value, src + " value")
        for column in ("lower_bound", "upper_bound"):
            b = _f(row.get(column))
            if not np.isfinite(b) or (np.isfinite(value) and abs(b - value) < 1e-12):
                continue
            if bounds == "skip" or metric in DECISION:
                att.skipped.add(f"{label}: {column} of ranged rows")
                continue
            cn, cd = _corner(live, num_cells, den_cells, column.split("_")[0])
            att.ratio(vec(a, g, cn), vec(a, g, cd), b, f"{src} {column}")
        ref = row.get("reference_group")
        if isinstance(ref, str) and ref and scope == "group":
            pair_g = (num, den)
            pair_r = _reference_pair(vec, a, g, ref, num_cells, den_cells)
            att.ratio(*pair_r, _f(row.get("reference_value")), f"{src} reference_value")
            att.relation(pair_g, pair_r, "ratio", _f(row.get("ratio")), f"{src} ratio")
            att.relation(
                pair_g, pair_r, "difference", _f(row.get("difference")), f"{src} difference"
            )
            rd = _f(row.get("relative_difference"))
            att.relation(pair_g, pair_r, "ratio", rd + 1.0, f"{src} relative_difference")
        note = row.get("note")
        if isinstance(note, str) and note:
            _read_note(att, note, a, g, flag, src)
        if isinstance(note, str) and note.startswith("undefined:") and not np.isfinite(value):
            att.equation(den, 0.0, src + " undefined (empty denominator)")


def _reference_pair(vec, a: str, g: str, ref: str, num_cells, den_cells):
    """The reference's numerator and denominator vectors: a group's, or for everyone
    else (one-vs-rest) everyone's less the group's."""
    if ref == EVERYONE_ELSE:
        return (
            vec(OVERALL, ALL, num_cells) - vec(a, g, num_cells),
            vec(OVERALL, ALL, den_cells) - vec(a, g, den_cells),
        )
    return vec(a, ref, num_cells), vec(a, ref, den_cells)


def _attack_harm(att: Attacker, row: dict, vec, src: str) -> None:
    """A harm count's row: O and D as counts, the reference's rate, and the value
    (sign x (O - D x p)), which gives p again, or O once D and p are known."""
    a, g = str(row["attribute"]), str(row["group"])
    rate, sign = HARM[str(row["metric"])]
    num_cells, den_cells, _ = METRICS[rate]
    num, den = vec(a, g, num_cells), vec(a, g, den_cells)
    att.equation(vec(a, g, EVERYONE), _f(row.get("n")), src + " n")
    att.equation(num, _f(row.get("numerator")), src + " numerator")
    att.equation(den, _f(row.get("denominator")), src + " denominator")
    ref = row.get("reference_group")
    value, p = _f(row.get("value")), _f(row.get("reference_value"))
    if isinstance(ref, str) and ref and ref != g:
        pair_r = _reference_pair(vec, a, g, ref, num_cells, den_cells)
        att.ratio(*pair_r, p, src + " reference_value")
        # value = sign (O - D p): with p known, O - D p is a linear equation in the cells
        if np.isfinite(value) and np.isfinite(p):
            att.equation(num - p * den, sign * value, src + " value")
    for column in ("lower_bound", "upper_bound"):
        b = _f(row.get(column))
        if np.isfinite(b) and not (np.isfinite(value) and abs(b - value) < 1e-9):
            att.skipped.add(f"{src}: {column} of harm counts (extremes over fillings-in)")
    note = row.get("note")
    if isinstance(note, str) and note:
        _read_note(att, note, a, g, None, src)


def _read_note(
    att: Attacker, note: str, a: str, g: str, flag: np.ndarray | None, src: str
) -> None:
    used = False
    for pattern, read in _NOTES:
        for m in pattern.finditer(note):
            used = True
            for cells, count in read(m):
                att.equation(att.finest.vec(a, g, cells, flag=flag), count, src + " note")
    if note.startswith("undefined:"):
        used = True  # the rate's denominator is 0: read with the row
    if "the bounds also take the reference rate anywhere within its bounds" in note:
        used = True  # words only; its counts were read above
    if re.search(r"published cells suppressed: .* people each", note):
        used = True  # how many of the source's cells were hidden: not a count of people
    if not used and re.search(r"\d", note) and not note.startswith("suppressed"):
        att.unread.add(re.sub(r"\d[\d,.]*", "#", note))


def attack_json(att: Attacker, data: dict, *, bounds: str = "corners") -> None:
    """results.json: the table (as in the CSV), the summaries and the row ledger."""
    attack_results(att, pd.DataFrame(data["results"]), label="results.json", bounds=bounds)
    fin = att.finest
    for s in data.get("summaries", []):
        metric, g, ref = s.get("metric"), s.get("group"), s.get("reference_group")
        value, a = _f(s.get("value")), s.get("attribute")
        if not (g and ref and np.isfinite(value)) or metric not in METRICS:
            continue
        num_cells, den_cells, scope = METRICS[metric]
        if scope != "group":
            att.skipped.add(f"summary of {metric}")
            continue
        pair_g = (fin.vec(a, g, num_cells), fin.vec(a, g, den_cells))
        pair_r = (fin.vec(a, ref, num_cells), fin.vec(a, ref, den_cells))
        kind = "ratio" if s["statistic"] == "largest_ratio" else "difference"
        att.relation(pair_g, pair_r, kind, value, f"summary {a} {metric} {s['statistic']}")
    for note in (data.get("row_ledger") or {}).get("notes", []):
        _read_note(att, note, OVERALL, ALL, None, "row ledger")
    for exclusion in (data.get("row_ledger") or {}).get("exclusions", []):
        att.unread.add(f"row ledger exclusion: {exclusion}")


def attack_score_tables(att: Attacker, tables: dict[str, pd.DataFrame]) -> None:
    """tables/scores-*.csv of a records audit with an integer score.

    Reduced to counts: people, positives/negatives, decile and bin counts, people above a
    cut, swept thresholds' results tables, what-if counts; shares as ratios of those; the
    mean and sd as linear sums of scores. Not reduced (skipped, noted in ``skipped``):
    quantiles and medians (order statistics: inequalities, not sums), Kolmogorov-Smirnov
    and Mann-Whitney statistics, AUCs and calibration gaps (bilinear in two groups' score
    histograms), p-values and intervals.
    """
    fin = att.finest
    s = fin.frame["score"].to_numpy(float)
    known = fin.frame["known"].to_numpy(bool)
    y = fin.frame["y"].to_numpy()
    for name, t in tables.items():
        for row in t.to_dict("records"):
            a, g = str(row.get("attribute")), str(row.get("group"))
            src = f"{name}: {a}={g}"
            grp = fin.group(a, g) if name != "scores-sweep" else None
            if name == "scores-distribution":
                people = grp * 1.0
                att.equation(people, _f(row["people"]), src + " people")
                att.ratio(people * s, people, _f(row["mean"]), src + " mean")
                n_, mean, sd = _f(row["people"]), _f(row["mean"]), _f(row["sd"])
                if np.isfinite(sd) and np.isfinite(mean) and np.isfinite(n_):
                    squares = sd**2 * (n_ - 1) + n_ * mean**2  # sample sd
                    att._integer(people * s**2, squares, src + " sd")
                att.skipped.add(f"{name}: quantiles, KS, Mann-Whitney")
            elif name == "scores-quantiles":
                att.equation(grp * 1.0, _f(row["people"]), src + " people")
                att.skipped.add(f"{name}: values (order statistics)")
            elif name == "scores-deciles":
                cell = grp & fin.score_between(row["score_low"], row["score_high"])
                decile_all = fin.score_between(row["score_low"], row["score_high"]) * 1.0
                att.equation(cell * 1.0, _f(row["people"]), src + " people")
                att.ratio(cell * 1.0, grp * 1.0, _f(row["group_share"]), src + " group_share")
                att.ratio(decile_all, np.ones(fin.size), _f(row["overall_share"]), src + " all")
                att.ratio(cell * 1.0, decile_all, _f(row["composition"]), src + " composition")
            elif name == "scores-excess":
                above = grp & (s >= _f(row["threshold"]) - 1e-9)
                above_all = (s >= _f(row["threshold"]) - 1e-9) * 1.0
                att.equation(grp * 1.0, _f(row["people"]), src + " people")
                att.equation(above * 1.0, _f(row["above"]), src + " above")
                att.ratio(above * 1.0, grp * 1.0, _f(row["share"]), src + " share")
                att.ratio(above_all, np.ones(fin.size), _f(row["overall_share"]), src + " all")
                att.skipped.add(f"{name}: excess (share minus overall share, both used)")
            elif name == "scores-auc":
                att.equation((grp & known & (y == 1)) * 1.0, _f(row["positives"]), src + " pos")
                att.equation((grp & known & (y == 0)) * 1.0, _f(row["negatives"]), src + " neg")
                att.skipped.add(f"{name}: AUC (bilinear in the score histograms)")
            elif name == "scores-calibration":
                cell = grp & known & fin.score_between(row["score_low"], row["score_high"])
                att.equation(cell * 1.0, _f(row["people"]), src + " people")
                att.equation((cell & (y == 1)) * 1.0, _f(row["positives"]), src + " positives")
                att.ratio((cell & (y == 1)) * 1.0, cell * 1.0, _f(row["observed"]), src + " obs")
                att.ratio(cell * s, cell * 1.0, _f(row["mean_score"]), src + " mean_score")
            elif name == "scores-calibration-gap":
                att.equation((grp & known) * 1.0, _f(row["people"]), src + " people")
                att.skipped.add(f"{name}: gap (bilinear in two groups' bins)")
            elif name == "scores-what-if":
                if row["metric"] != "selection_rate":
                    att.skipped.add(f"{name}: metric {row['metric']}")
                    continue
                att.equation(grp * 1.0, _f(row["people"]), src + " people")
                for count, rate, cut in (
                    ("flagged_at_common", "rate_at_common", "common_threshold"),
                    ("flagged_at_needed", "rate_at_needed", "threshold_needed"),
                ):
                    c = _f(row[cut])
                    if not np.isfinite(c):
                        continue
                    above = (grp & (s >= c - 1e-9)) * 1.0
                    att.equation(above, _f(row[count]), f"{src} {count}")
                    att.ratio(above, grp * 1.0, _f(row[rate]), f"{src} {rate}")
                c = _f(row["common_threshold"])
                if np.isfinite(c):
                    att.ratio((s >= c - 1e-9) * 1.0, np.ones(fin.size), _f(row["target"]), src)
            elif name == "scores-sweep":
                continue  # below, point by point
            else:
                att.skipped.add(f"table {name}: not read")
    sweep = tables.get("scores-sweep")
    if sweep is not None:
        for (point, threshold), part in sweep.groupby(["point", "threshold"], sort=False):
            flag = s >= float(threshold) - 1e-9
            label = f"sweep {point} (score >= {threshold})"
            att.equation(flag * 1.0, _f(part["flagged_people"].iloc[0]), label + " flagged")
            att.ratio(flag * 1.0, np.ones(fin.size), _f(part["flagged_share"].iloc[0]), label)
            attack_results(att, part, label=label, flag=flag)


def attack_funnel(att: Attacker, table: pd.DataFrame, stages: Sequence[tuple[str, str | None]]):
    """A funnel's results table: count, n, share, transition and their comparisons.

    ``stages``: (stage, parent) in order; the count at a stage is everyone whose furthest
    stage is that stage or one below it in the tree.
    """
    fin = att.finest
    parent = dict(stages)

    def below(stage: str) -> set[str]:
        out = {stage}
        changed = True
        while changed:
            changed = False
            for s, p in parent.items():
                if p in out and s not in out:
                    out.add(s)
                    changed = True
        return out

    for row in table.to_dict("records"):
        a, g, stage = str(row["attribute"]), str(row["group"]), str(row["stage"])
        src = f"funnel: {a}={g} {stage}"
        count = fin.vec(a, g, below(stage))
        n = fin.vec(a, g, EVERYONE | set(parent))
        att.equation(count, _f(row["count"]), src + " count")
        att.equation(n, _f(row["n"]), src + " n")
        att.ratio(count, n, _f(row["share"]), src + " share")
        p = parent.get(stage)
        up = fin.vec(a, g, below(p)) if p else None
        if up is not None:
            att.ratio(count, up, _f(row["transition"]), src + " transition")
        ref = row.get("reference_group")
        if isinstance(ref, str) and ref and a != OVERALL:
            ref_count = fin.vec(a, ref, below(stage))
            ref_n = fin.vec(a, ref, EVERYONE | set(parent))
            att.relation((count, n), (ref_count, ref_n), "ratio", _f(row["share_ratio"]), src)
            if up is not None:
                ref_up = fin.vec(a, ref, below(p))
                att.relation(
                    (count, up),
                    (ref_count, ref_up),
                    "ratio",
                    _f(row["transition_ratio"]),
                    src + " transition_ratio",
                )
        note = row.get("note")
        if not isinstance(note, str):
            continue
        zero = re.search(r"the reference group's share at '(.+?)' is 0\b", note)
        if zero and isinstance(ref, str) and ref:
            att.equation(fin.vec(a, ref, below(zero[1])), 0.0, src + " note")
        zero = re.search(r"the reference group's transition is 0\b", note)
        if zero and isinstance(ref, str) and ref:
            att.equation(fin.vec(a, ref, below(stage)), 0.0, src + " note")
        rest = re.sub(
            r"the reference group's (share at '.+?'|transition) is 0: ratio undefined", "", note
        )
        rest = re.sub(r"suppressed when published: .*", "", rest)
        if re.search(r"\d", rest):
            att.unread.add(re.sub(r"\d[\d,.]*", "#", note))


def attack_folder(
    att: Attacker,
    folder: Path,
    *,
    bounds: str = "corners",
    stages: Sequence[tuple[str, str | None]] | None = None,
) -> Attacker:
    """Everything the output folder publishes, as equations (not yet solved)."""
    seen = read_folder(folder)
    data = seen["json"]
    assert isinstance(data, dict)
    if stages is not None:
        attack_funnel(att, seen["results"], stages)  # type: ignore[arg-type]
        attack_funnel(att, pd.DataFrame(data["results"]), stages)
        for note in (data.get("row_ledger") or {}).get("notes", []):
            att.unread.add(f"row ledger: {note}")
    else:
        attack_results(att, seen["results"], label="results.csv", bounds=bounds)  # type: ignore[arg-type]
        attack_json(att, data, bounds=bounds)
        attack_score_tables(att, seen["tables"])  # type: ignore[arg-type]
    return att


def explain(att: Attacker, vec: np.ndarray, *, top: int = 12) -> list[str]:
    """The published equations that combine to ``vec`` (sparse: L1-minimal weights)."""
    a = np.array([v for v, _, _ in att.eqs])
    keep = att.keep
    m = len(a)
    # minimise sum |c| subject to a^T c = vec on the cells not known to be 0
    res = linprog(
        np.ones(2 * m),
        A_eq=np.hstack([a[:, keep].T, -a[:, keep].T]),
        b_eq=vec[keep],
        bounds=(0, None),
    )
    if res.status != 0:
        return [f"(no combination found: {res.message})"]
    c = res.x[:m] - res.x[m:]
    order = np.argsort(-np.abs(c))
    return [
        f"{c[i]:+.3g} x [{att.eqs[i][2]} = {att.eqs[i][1]:g}]"
        for i in order[:top]
        if abs(c[i]) > 1e-9
    ]


#: Columns a suppressed row may keep: where it is (score range, cut-off, sweep point) and
#: everyone's figures, which the attacker reads as such.
DESCRIPTIVE = {
    "bin",
    "decile",
    "quantile",
    "score_low",
    "score_high",
    "threshold",
    "cut",
    "point",
    "flagged_people",
    "flagged_share",
    "overall_share",
    "target",
    "common_threshold",
    "parent",
    "suppressed",
}


def stray_numbers(folder: Path) -> list[str]:
    """Numbers left in rows a published file marks as suppressed (intervals, p-values...),
    which the attacker does not try to invert: there should be none."""
    seen = read_folder(folder)
    tables = {"results.csv": seen["results"], **seen["tables"]}  # type: ignore[dict-item]
    out = []
    for name, t in tables.items():
        if "suppressed" not in t:
            continue
        hidden = t[t["suppressed"].astype(str).str.lower() == "true"]
        for column in hidden.columns:
            if column in DESCRIPTIVE or not pd.api.types.is_numeric_dtype(t[column]):
                continue
            filled = hidden[column].notna()
            if filled.any():
                out.append(f"{name}: {column} in {int(filled.sum())} suppressed rows")
    return out
