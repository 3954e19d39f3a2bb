"""Planning a random audit sample: how many people to investigate at random per group.

Auditors ask agencies for a random audit sample (data shape 3 of DESIGN.md §2) so that
error rates hidden by selective labels become estimable. Before asking, they need its
size: enough people per group that each group's fraud rate is pinned down to a chosen
interval width, and that a chosen ratio between a group's rate and the reference
group's would be detected.

* **Width**: the expected width of the group's confidence interval (the interval
  method the audit uses), averaged over the counts the sample could give
  (Binomial(n, rate), enumerated), at most ``width``.
* **Ratio**: the power of the test the audit applies to a group against its reference
  group (Fisher's exact test where an expected cell is below 5, Pearson's chi-square
  otherwise; :func:`biasaudit.stats.two_proportion_test`) to detect a group rate of
  ``ratio`` times the reference rate, at least ``power``. The power is exact (every
  table the two samples could give, :func:`~biasaudit.stats._power.exact_power`) up
  to 999 people per group, and the normal approximation of the z test beyond, where
  the chi-square test is the one applied. The group and the reference are planned
  with the same sample size; the reference's sample is the largest any group needs.

Sizes are found by bisection and then checked downwards one person at a time, so the
size returned reaches the target and one person fewer does not (exact power is not
monotone in n: a slightly smaller sample can occasionally reach it again). A group
whose whole population is smaller than the size needed is investigated in full, and
the table says the target is not reached (the audit's test still treats the group as
a sample of the process that produced it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem
from ._power import EXACT_LIMIT, exact_power
from ._stats import IntervalMethod, power_two_proportions, proportion_interval

#: Columns of :func:`plan_sample`'s table, always in this order.
PLAN_COLUMNS = (
    "group",
    "population",
    "expected_rate",
    "sample",
    "expected_width",
    "compared_rate",
    "power",
    "power_method",
    "note",
)
#: Largest sample searched per group (beyond it, the target is called unreachable).
MAX_SAMPLE = 10_000_000


def plan_sample(
    groups: Mapping[str, int] | pd.DataFrame,
    expected_rate: float | Mapping[str, float],
    *,
    reference: str | None = None,
    ratio: float | None = None,
    width: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    confidence: float = 0.95,
    interval: IntervalMethod = "wilson",
) -> pd.DataFrame:
    """Random-audit sample size per group for a target interval width and/or a
    detectable ratio to the reference group.

    Parameters
    ----------
    groups : mapping or pandas.DataFrame
        Group name -> number of people in the population (or a table with columns
        ``group``, ``population`` and optionally ``expected_rate``).
    expected_rate : float or mapping
        The fraud rate expected in each group (one number for all, or per group;
        a table's ``expected_rate`` column takes precedence).
    reference : str, optional
        The reference group (needed with ``ratio``; default: the largest group).
    ratio : float, optional
        Detect a group rate of ``ratio`` times the reference rate (``> 1``).
    width : float, optional
        Largest expected width of each group's confidence interval (``0 < width < 1``).
    power : float, default=0.8
    alpha : float, default=0.05
        Level of the test (two-sided, before any multiplicity adjustment).
    confidence : float, default=0.95
        Level of the interval for ``width``.
    interval : {"wilson", "clopper-pearson", "jeffreys"}, default="wilson"

    Returns
    -------
    pandas.DataFrame
        :data:`PLAN_COLUMNS`: per group its sample size and what it achieves
        (``expected_width``; ``compared_rate`` and ``power`` of the comparison with
        the reference, and whether that power is exact); then a row ``(total)``.

    Raises
    ------
    ConfigError
        Every problem with the inputs, collected.

    Examples
    --------
    >>> plan = plan_sample({"Dutch": 100_000, "Surinamese": 8_000}, 0.1,
    ...                    reference="Dutch", ratio=2.0)
    >>> print(plan[["group", "sample", "power"]].round(3).to_string(index=False))
         group  sample  power
         Dutch     196    NaN
    Surinamese     196  0.802
       (total)     392    NaN
    """
    frame = _groups_frame(groups, expected_rate)
    _check(frame, reference, ratio, width, power, alpha, confidence)
    if reference is None:
        reference = str(frame.loc[frame["population"].idxmax(), "group"])
    rates = dict(zip(frame["group"], frame["expected_rate"], strict=True))
    sizes = dict(zip(frame["group"], frame["population"], strict=True))
    p_ref = rates[reference]
    p1 = min((ratio or 1.0) * p_ref, 1.0)  # the group rate to detect

    def narrow(m: int, rate: float) -> bool:
        return _expected_width(m, rate, confidence, interval) <= (width or 0.0)

    def detects(m: int) -> bool:
        return _power(p1, p_ref, m, m, alpha) >= power

    need: dict[str, int] = {}
    for g in frame["group"]:
        n = 1
        if width is not None:
            n = max(n, _smallest(functools.partial(narrow, rate=rates[g])))
        if ratio is not None and g != reference:
            n = max(n, _smallest(detects))
        need[g] = n
    if ratio is not None:  # the reference serves every comparison
        need[reference] = max(need.values())
    rows = []
    for g in frame["group"]:
        size, n = int(sizes[g]), need[g]
        notes = []
        if n >= MAX_SAMPLE:
            notes.append(f"no sample up to {MAX_SAMPLE:,} reaches the target")
        if n > size:
            notes.append(
                f"the whole group ({size:,} people) is fewer than the {n:,} needed: "
                "investigate everyone; the target is not reached"
            )
            n = size
        row: dict[str, Any] = {
            "group": g,
            "population": size,
            "expected_rate": rates[g],
            "sample": n,
            "expected_width": _expected_width(n, rates[g], confidence, interval),
            "compared_rate": math.nan,
            "power": math.nan,
            "power_method": "",
            "note": "; ".join(notes),
        }
        if ratio is not None and g != reference:
            n_ref = min(need[reference], int(sizes[reference]))
            row["compared_rate"] = p1
            row["power"] = _power(p1, p_ref, n, n_ref, alpha)
            row["power_method"] = "exact" if _exact(n, n_ref) else "normal approximation"
        elif g == reference and ratio is not None:
            row["note"] = "; ".join(["reference group", *notes])
        rows.append(row)
    total = sum(r["sample"] for r in rows)
    rows.append(
        {
            "group": "(total)",
            "population": int(frame["population"].sum()),
            "expected_rate": math.nan,
            "sample": total,
            "expected_width": math.nan,
            "compared_rate": math.nan,
            "power": math.nan,
            "power_method": "",
            "note": "",
        }
    )
    return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))


def plan_sentence(plan: pd.DataFrame) -> str:
    """The plan in one sentence.

    Examples
    --------
    >>> plan = plan_sample({"A": 5_000, "B": 300}, 0.1, width=0.1)
    >>> print(plan_sentence(plan))
    Investigate 278 people chosen at random: 139 of the 5,000 people in A and 139 of the 300 in B.
    """
    parts = [
        f"{int(r.sample):,} of the {int(r.population):,}{' people' if i == 0 else ''} in {r.group}"
        for i, r in enumerate(plan[plan["group"] != "(total)"].itertuples())
    ]
    total = int(plan.loc[plan["group"] == "(total)", "sample"].iloc[0])
    body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Investigate {total:,} people chosen at random: {body}."


def _exact(n1: int, n2: int) -> bool:
    return (n1 + 1) * (n2 + 1) <= EXACT_LIMIT


def _power(p1: float, p2: float, n1: int, n2: int, alpha: float) -> float:
    if _exact(n1, n2):
        return exact_power(p1, p2, n1, n2, alpha=alpha)
    args = (np.asarray(x, dtype=float) for x in (p1, p2, n1, n2))
    return float(power_two_proportions(*args, alpha=alpha))


def _expected_width(n: int, rate: float, confidence: float, method: IntervalMethod) -> float:
    """Mean interval width over Binomial(n, rate) counts (tails under 1e-12 left out)."""
    from scipy import stats

    lo_k, hi_k = stats.binom.ppf([1e-12, 1 - 1e-12], n, rate)
    k = np.arange(max(int(lo_k) - 1, 0), min(int(hi_k) + 1, n) + 1)
    pmf = stats.binom.pmf(k, n, rate)
    lo, hi = proportion_interval(k, np.full(len(k), n), method=method, confidence=confidence)
    return float(np.sum(pmf * (hi - lo)) / np.sum(pmf))


def _smallest(reaches: Callable[[int], bool]) -> int:
    """The smallest n >= 1 for which ``reaches(n)``: doubling, bisection, then down one
    at a time while one person fewer still reaches it (capped at :data:`MAX_SAMPLE`)."""
    hi = 1
    while not reaches(hi):
        if hi >= MAX_SAMPLE:
            return MAX_SAMPLE
        hi = min(hi * 2, MAX_SAMPLE)
    lo = hi // 2  # does not reach (or 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if reaches(mid) else (mid, hi)
    while hi > 1 and reaches(hi - 1):
        hi -= 1
    return hi


def _groups_frame(
    groups: Mapping[str, int] | pd.DataFrame, expected_rate: float | Mapping[str, float]
) -> pd.DataFrame:
    if isinstance(groups, pd.DataFrame):
        frame = groups.copy()
    else:
        frame = pd.DataFrame({"group": list(groups), "population": list(groups.values())})
    if "expected_rate" not in frame.columns:
        if isinstance(expected_rate, Mapping):
            frame["expected_rate"] = [expected_rate.get(str(g), math.nan) for g in frame["group"]]
        else:
            frame["expected_rate"] = expected_rate
    frame["group"] = frame["group"].astype(str)
    return frame


def _check(
    frame: pd.DataFrame,
    reference: str | None,
    ratio: float | None,
    width: float | None,
    power: float,
    alpha: float,
    confidence: float,
) -> None:
    missing = [c for c in ("group", "population") if c not in frame.columns]
    if missing:
        message = (
            f"the groups table lacks the columns {', '.join(missing)}; give group, population"
        )
        raise ConfigError([Problem(message, reason="plan")], context="sample plan")
    problems = _group_problems(frame)
    problems += plan_option_problems(
        list(frame["group"]), reference, ratio, width, power, alpha, confidence
    )
    if problems:
        raise ConfigError(problems, context="sample plan")


def _group_problems(frame: pd.DataFrame) -> list[Problem]:
    problems = []
    if frame.empty:
        problems.append(Problem("no groups given: list each group with its population size"))
    for i, (g, size, rate) in enumerate(
        zip(frame["group"], frame["population"], frame["expected_rate"], strict=True), start=1
    ):
        if not (isinstance(size, int | np.integer | float) and size >= 1 and size == int(size)):
            problems.append(
                Problem(
                    f"group {g!r}: population must be a whole number of people >= 1; got {size!r}",
                    column="population",
                    value=size,
                    row=i,
                    reason="plan",
                )
            )
        if not (isinstance(rate, int | float | np.floating) and 0 < rate < 1):
            problems.append(
                Problem(
                    f"group {g!r}: expected_rate must be a share between 0 and 1 (exclusive), "
                    f"e.g. 0.05; got {rate!r} (give --rate or a rate per group)",
                    column="expected_rate",
                    value=rate,
                    row=i,
                    reason="plan",
                )
            )
    dups = sorted(set(frame.loc[frame["group"].duplicated(), "group"]))
    if dups:
        problems.append(Problem(f"groups listed twice: {', '.join(dups)}", "group", value=dups[0]))
    return problems


def plan_option_problems(
    groups: list[str],
    reference: str | None,
    ratio: float | None,
    width: float | None,
    power: float,
    alpha: float,
    confidence: float,
) -> list[Problem]:
    """The problems with :func:`plan_sample`'s targets and levels (for the CLI, which
    reports them with the problems it found reading the groups)."""
    problems = []

    def bad(message: str, column: str | None = None, value: Any = None) -> None:
        problems.append(Problem(message, column=column, value=value, reason="plan"))

    if ratio is None and width is None:
        bad("give a target: ratio (a disparity to detect) and/or width (of each group's interval)")
    if ratio is not None and not (isinstance(ratio, int | float) and ratio > 1):
        bad(
            f"ratio must be above 1 (the group's rate over the reference's); got {ratio!r}",
            "ratio",
            ratio,
        )
    if width is not None and not (isinstance(width, int | float) and 0 < width < 1):
        bad(
            f"width must be between 0 and 1 (e.g. 0.05 for +/- 2.5 points); got {width!r}",
            "width",
            width,
        )
    for name, value in (("power", power), ("alpha", alpha), ("confidence", confidence)):
        if not (isinstance(value, int | float) and 0 < value < 1):
            bad(f"{name} must be between 0 and 1; got {value!r}", name, value)
    if groups and reference is not None and reference not in groups:
        bad(
            f"reference {reference!r} is not one of the groups: {', '.join(groups)}",
            "reference",
            reference,
        )
    if ratio is not None and len(groups) == 1:
        bad("a ratio needs at least two groups (a group and its reference)")
    return problems
