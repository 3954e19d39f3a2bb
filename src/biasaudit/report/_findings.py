"""Key findings: the largest, best-supported disparities as plain sentences.

Each sentence gives the two rates with their denominators, the ratio and its interval,
in the house wording ("flagged", "unfounded investigation", "disparity"; never a
verdict such as "fair"). Findings are built from the published table, so a suppressed
row never reaches a sentence. :func:`score_findings` and :func:`adjusted_findings` tell
the score analyses (over-representation in the top score decile) and the
regression-adjusted disparity the same way, only where the evidence is clear.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..counts import OVERALL
from ..disclosure import publish
from ..metrics import range_causes, ranged_comparison
from ..spec import HEADLINE, REST_GROUP
from ..spec import metric as metric_spec
from ..stats import AdjustedDisparity, adjust_pvalues
from ._messages import fmt

STRENGTHS = ("clear", "uncertain", "too few to tell")


@dataclass(frozen=True)
class Finding:
    """One disparity between a group and its reference group, told in words.

    ``dataset`` names the dataset the comparison was made in (None when the table
    holds one). ``ratio_range`` is set when the comparison is a range (counts that
    were rounded or suppressed): the smallest and largest ratio over every table
    consistent with the published cells; ``ratio`` is then NaN unless both rates
    are points.
    """

    attribute: str
    group: str
    reference_group: str
    metric: str
    ratio: float
    strength: str
    sentence: str
    dataset: str | None = None
    ratio_range: tuple[float, float] | None = None


def people(attribute: str, group: str) -> str:
    """How a group is named in a sentence, e.g. ``people with gender = F``; everyone
    else (the one-vs-rest reference) is ``people in the other groups``."""
    if group == REST_GROUP:
        return "people in the other groups"
    return f"people with {attribute} = {group}"


def percent(value: float) -> str:
    """A rate as a percentage that keeps its significant digits: ``12.3%``, and below
    1% two significant digits (``0.46%``, not ``0.5%``, which would overstate it by a
    tenth; ``0.046%``, not ``0.0%``).

    Examples
    --------
    >>> [percent(x) for x in (0.123, 0.0046, 0.00046, 0.0, 1.0)]
    ['12.3%', '0.46%', '0.046%', '0.0%', '100.0%']
    """
    p = 100 * float(value)
    if not math.isfinite(p) or p == 0 or abs(p) >= 0.995:
        return fmt(p, ".1f") + "%"
    digits = 1 - math.floor(math.log10(abs(p)))
    return fmt(p, f".{digits}f") + "%"


def _times(ratio: float) -> str:
    return f"{ratio:.1f} times" if ratio >= 0.995 else f"{ratio:.2f} times"


def _rate(value: float, denominator: float) -> str:
    if not math.isfinite(float(denominator)):  # everyone else's: a rate without its counts
        return percent(value)
    if float(denominator).is_integer():
        return f"{percent(value)} of {denominator:,.0f}"
    return f"{percent(value)} of an estimated {denominator:,.0f}"  # a random-sample estimate


def _ci(low: float, high: float) -> str:
    digits = 1 if min(low, high) >= 0.995 else 2
    return f"{low:.{digits}f} to {high:.{digits}f}"


def compared(table: pd.DataFrame, metrics: Sequence[str] = HEADLINE) -> pd.DataFrame:
    """Published rows of ``metrics`` compared with their reference group.

    Each row carries its reference row's ``value``, ``lower_bound``, ``upper_bound``,
    ``denominator`` and ``note`` as ``ref_value``, ``ref_lower_bound``, ..., looked up
    in the same dataset (comparisons are always within a dataset), and ``ranged``:
    whether the comparison is a range over the tables consistent with rounded or
    suppressed counts (``ratio_ci_low``/``ratio_ci_high`` hold that range, with no
    test) rather than a ratio with a confidence interval. Rows without a ratio or a
    range, rows of the reference group itself and suppressed rows are left out.

    Examples
    --------
    >>> t = pd.DataFrame({
    ...     "dataset": ["2022", "2022", "2023", "2023"], "attribute": "sex",
    ...     "group": ["F", "M", "F", "M"], "metric": "selection_rate",
    ...     "value": [.3, .1, .2, .1], "lower_bound": [.3, .1, .2, .1],
    ...     "upper_bound": [.3, .1, .2, .1], "denominator": 100.0,
    ...     "reference_group": "M", "ratio": [3.0, 1.0, 2.0, 1.0],
    ...     "ratio_ci_low": [1.6, None, 1.0, None], "ratio_ci_high": [5.6, None, 4.0, None],
    ...     "test": ["fisher", "", "fisher", ""], "suppressed": False, "note": ""})
    >>> compared(t)[["dataset", "group", "value", "ref_value", "ranged"]]
      dataset group  value  ref_value  ranged
    0    2022     F    0.3        0.1   False
    1    2023     F    0.2        0.1   False
    """
    keys = [*(["dataset"] if "dataset" in table.columns else []), "attribute", "metric"]
    ranged = table["ratio_ci_low"].notna() & table["note"].map(ranged_comparison)
    keep = (
        table["metric"].isin(list(metrics))
        & (table["attribute"] != OVERALL)
        & (table["ratio"].notna() | ranged)
        & table["reference_group"].notna()
        & (table["group"] != table["reference_group"])
        & ~table["suppressed"].astype(bool)
    )
    rows = table[keep].assign(ranged=ranged[keep].to_numpy(dtype=bool))
    columns = ["value", "lower_bound", "upper_bound", "denominator", "note"]
    refs = table[[*keys, "group", *columns]].rename(
        columns={"group": "reference_group", **{c: f"ref_{c}" for c in columns}}
    )
    out = rows.merge(refs, on=[*keys, "reference_group"], how="left").reset_index(drop=True)
    # everyone else (one-vs-rest) has no row of its own: its rate is in the row
    if "reference_value" in out:
        out["ref_value"] = out["ref_value"].fillna(out["reference_value"])
    return out


def key_findings(table: pd.DataFrame, *, confidence: float = 0.95) -> list[Finding]:
    """Findings for every group compared with its reference on a headline metric.

    Ordered by dataset (in table order, when the table holds several: each sentence
    then begins with its dataset's name, and every comparison is within a dataset),
    then by strength of evidence (a clear disparity first: adjusted p below
    ``1 - confidence``, or a bootstrap interval excluding 1), then by size (the
    ratio's distance from 1 on a log scale). A group too small for the power
    analysis to detect its own ratio is "too few to tell".

    Where counts were rounded or suppressed, a comparison is the range of the ratio
    over every table consistent with the published cells ("between 1.8 and 2.3
    times"), not a confidence interval, and the sentence says so. No test is made: a
    range that excludes 1 is "clear" (a disparity in every consistent table), one
    that includes 1 is "uncertain", and its size is its end nearest to 1. A range
    with no upper limit (the reference rate can be 0) that includes 1 says nothing
    and is left out.

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 200 + ["M"] * 200,
    ...                    "flag": [1] * 60 + [0] * 140 + [1] * 20 + [0] * 180})
    >>> r = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"],
    ...                     reference={"sex": "M"})
    >>> print(key_findings(r.published_table())[0].sentence)  # doctest: +NORMALIZE_WHITESPACE
    People with sex = F were flagged 3.0 times as often as people with sex = M (30.0% of
    200 vs 10.0% of 200; 95% CI 1.9 to 4.8).

    Counts rounded to a multiple of 10 give a range (F: 115 to 125 of 995 to 1,005
    flagged; M: 55 to 65 of 995 to 1,005):

    >>> t = pd.DataFrame({"sex": ["F", "M", "Total"], "n": [1000, 1000, 2000],
    ...                   "flagged": [120, 60, 180]})
    >>> r = biasaudit.audit_counts(t, groups=["sex"], reference={"sex": "M"}, rounding=10,
    ...                            metrics=["selection_rate"])
    >>> print(key_findings(r.published_table())[0].sentence)  # doctest: +NORMALIZE_WHITESPACE
    People with sex = F were flagged between 1.8 and 2.3 times as often as people with
    sex = M (11.4% to 12.6% vs 5.5% to 6.5%; a range from rounded counts over every table
    consistent with the published cells, not a confidence interval).
    """
    level = f"{confidence:.0%}"
    rows = compared(table)
    order = {d: i for i, d in enumerate(dict.fromkeys(rows.get("dataset", [None])))}
    found: list[tuple[int, int, float, Finding]] = []
    for row in rows.itertuples():
        dataset = getattr(row, "dataset", None)
        dataset = None if dataset is None or pd.isna(dataset) else str(dataset)
        told = _told_range(row) if row.ranged else _told(row, confidence, level)
        if told is None:
            continue
        strength, size, sentence, span = told
        if dataset is not None:
            sentence = f"{dataset}: {sentence}"
        finding = Finding(
            str(row.attribute),
            str(row.group),
            str(row.reference_group),
            str(row.metric),
            float(row.ratio),
            strength,
            sentence,
            dataset,
            span,
        )
        found.append((order.get(dataset, 0), STRENGTHS.index(strength), -size, finding))
    found.sort(key=lambda t: t[:3])
    return [f for *_, f in found]


def _told(row: Any, confidence: float, level: str) -> tuple[str, float, str, None]:
    """Strength, size and sentence of a comparison with a confidence interval."""
    g = people(str(row.attribute), str(row.group))
    r = people(str(row.attribute), str(row.reference_group))
    strength = _strength(row, confidence)
    mine = _rate(row.value, row.denominator)
    theirs = _rate(row.ref_value, row.ref_denominator)
    ratio, low, high = row.ratio, row.ratio_ci_low, row.ratio_ci_high
    if 0 < ratio < 1:  # told from the side with the higher rate: "2.7 times", not "0.37"
        g, r, mine, theirs = r, g, theirs, mine
        ratio, low, high = (
            1 / ratio,
            1 / high if high > 0 else math.nan,
            1 / low if low > 0 else math.nan,
        )
    numbers = f"{mine} vs {theirs}"
    ci = ""
    if not (math.isnan(low) or math.isnan(high)):
        ci = f"; {level} CI {_ci(low, high)}"
    if strength == "too few to tell":
        sentence = (
            f"There are too few {g} to tell whether their {row.metric.replace('_', ' ')} "
            f"differs from that of {r} ({numbers}{ci})."
        )
    else:
        text = metric_spec(str(row.metric)).finding.format(
            g=g[0].upper() + g[1:], g_lower=g, r=r, times=_times(ratio)
        )
        sentence = f"{text} ({numbers}{ci})."
        if strength == "uncertain":
            sentence += " The interval includes 1: the data cannot rule out no disparity."
    size = abs(math.log(row.ratio)) if row.ratio > 0 else math.inf
    return strength, size, sentence, None


def _told_range(row: Any) -> tuple[str, float, str, tuple[float, float]] | None:
    """Strength, size, sentence and ratio range of a comparison known as a range."""
    low, high = float(row.ratio_ci_low), float(row.ratio_ci_high)
    if math.isnan(high) and low <= 1:
        return None  # from at most 1 to no upper limit: says nothing
    span = (low, high)
    g = people(str(row.attribute), str(row.group))
    r = people(str(row.attribute), str(row.reference_group))
    mine, theirs = range_rates(row)
    if high < 1:  # told from the side with the higher rate
        g, r, mine, theirs = r, g, theirs, mine
        low, high = 1 / high, (1 / low if low > 0 else math.nan)
    if math.isnan(high):
        times = f"at least {_times(low)}"
    elif high - low <= 1e-9 * high:
        times = _times(low)
    else:
        times = f"between {_ci(low, high).replace(' to ', ' and ')} times"
    clear = low > 1 or high < 1
    size = abs(math.log(low)) if clear else 0.0
    source = range_source(row.note, row.ref_note)
    text = metric_spec(str(row.metric)).finding.format(
        g=g[0].upper() + g[1:], g_lower=g, r=r, times=times
    )
    numbers = f"{mine} vs {theirs}; " if mine else ""
    sentence = (
        f"{text} ({numbers}a range from {source} over every table consistent with the "
        "published cells, not a confidence interval)."
    )
    if not clear:
        sentence += " The range includes 1: the published counts cannot rule out no disparity."
    return ("clear" if clear else "uncertain"), size, sentence, span


def range_source(*notes: object) -> str:
    """What a range comes from, e.g. ``rounded counts``, from the notes of its rows.

    The first note (the group's, then its reference group's) that names the kinds of
    interval cell behind it (:func:`~biasaudit.metrics._ranges.range_causes`) says it.
    """
    for note in notes:
        causes = range_causes(str(note))
        if causes:
            return " and ".join(causes) + " counts"
    return "the published counts"


def range_rates(row: Any) -> tuple[str, str]:
    """The two rates of a ranged comparison (a row of :func:`compared`) as text.

    ``("11.4% to 12.6%", "5.5% to 6.5%")`` from the rows' ``lower_bound`` and
    ``upper_bound``, when those are the ranges the ratio range was built from
    (``ratio_ci_low`` = the group's low / the reference's high, ``ratio_ci_high`` =
    high / low). Otherwise (a hit rate among the flagged with a known outcome, whose
    bounds also fill in the flagged without one) empty strings: the rates are not
    told rather than told with bounds that do not match the ratio.
    """
    g_lo, g_hi = float(row.lower_bound), float(row.upper_bound)
    r_lo, r_hi = float(row.ref_lower_bound), float(row.ref_upper_bound)
    low, high = float(row.ratio_ci_low), float(row.ratio_ci_high)
    match = r_hi > 0 and math.isclose(low, g_lo / r_hi, rel_tol=1e-9, abs_tol=1e-12)
    if r_lo > 0:
        match = match and math.isclose(high, g_hi / r_lo, rel_tol=1e-9, abs_tol=1e-12)
    else:
        match = match and math.isnan(high)
    if not match:
        return "", ""
    return (
        _rate_range(g_lo, g_hi, row.denominator),
        _rate_range(r_lo, r_hi, row.ref_denominator),
    )


def _rate_range(low: float, high: float, denominator: float) -> str:
    """``11.4% to 12.6%``, with ``of 1,000`` when the denominator is known."""
    of = f" of {denominator:,.0f}" if _number(denominator) else ""
    if _number(low) and _number(high) and high - low > 1e-12:
        return f"{percent(low)} to {percent(high)}{of}"
    return f"{percent(low)}{of}"


def _strength(row: Any, confidence: float) -> str:
    lo, hi, ratio = row.ratio_ci_low, row.ratio_ci_high, row.ratio
    excludes_one = not (math.isnan(lo) or math.isnan(hi)) and (lo > 1 or hi < 1)
    if row.test.startswith("bootstrap"):  # estimates from a random audit sample: no power analysis
        return "clear" if excludes_one else "uncertain"
    detectable = row.detectable_ratio
    if not excludes_one and (
        math.isnan(detectable) or max(ratio, 1 / ratio if ratio else math.inf) < detectable
    ):
        return "too few to tell"
    if not math.isnan(row.p_adjusted) and row.p_adjusted < 1 - confidence:
        return "clear"
    return "uncertain"


def clear_top_decile(excess: pd.DataFrame, confidence: float) -> list[Any]:
    """Per attribute, the published top-decile row with the largest clear excess (above
    everyone's share, interval excluding 0, adjusted p below ``1 - confidence``);
    attributes in order of that excess."""
    best: dict[str, Any] = {}
    for row in excess.itertuples():
        values = (row.excess, row.excess_ci_low, row.excess_ci_high, row.p_adjusted, row.share)
        if (
            row.cut != "top decile"
            or row.attribute == OVERALL
            or _suppressed(row.suppressed)
            or not all(_number(v) for v in values)
            or not (row.excess > 0 and row.excess_ci_low > 0)
            or not row.p_adjusted < 1 - confidence
        ):
            continue
        if row.attribute not in best or row.excess > best[row.attribute].excess:
            best[row.attribute] = row
    return sorted(best.values(), key=lambda r: -r.excess)


def score_findings(
    excess: pd.DataFrame,
    *,
    confidence: float = 0.95,
    score_name: str = "score",
    name: Callable[[str, str], str] = people,
) -> list[str]:
    """Groups over-represented in the top score decile, one sentence per attribute.

    Only rows of the published excess table with a clear excess: above everyone's
    share, adjusted p below ``1 - confidence`` and an interval that excludes 0. Per
    attribute the largest excess is told; attributes in order of that excess.
    ``name(attribute, group)`` names a group (default :func:`people`; the report
    passes its labels).

    Examples
    --------
    >>> t = pd.DataFrame([{"attribute": "nat", "group": "X", "cut": "top decile",
    ...     "people": 3139, "share": .191, "overall_share": .1, "excess": .091,
    ...     "excess_ci_low": .078, "excess_ci_high": .105, "p_adjusted": 1e-50,
    ...     "suppressed": False}])
    >>> print(score_findings(t)[0])  # doctest: +NORMALIZE_WHITESPACE
    Of people with nat = X, 19.1% of 3,139 had a score in the top decile, against 10.0% of
    everyone (+9.1 points, 95% CI 7.8 to 10.5).
    """
    level = f"{confidence:.0%}"
    out = []
    for row in clear_top_decile(excess, confidence):
        of = f" of {int(row.people):,}" if _number(row.people) else ""
        out.append(
            f"Of {name(str(row.attribute), str(row.group))}, {percent(row.share)}{of} had a "
            f"{score_name} in the top decile, against {percent(row.overall_share)} of everyone "
            f"({100 * row.excess:+.1f} points, {level} CI {100 * row.excess_ci_low:.1f} to "
            f"{100 * row.excess_ci_high:.1f})."
        )
    return out


def adjusted_findings(
    adjusted: AdjustedDisparity,
    groups: Sequence[str],
    *,
    covariates: Sequence[str] = (),
) -> list[str]:
    """Clear regression-adjusted disparities of the protected attributes, as sentences.

    Terms of ``groups`` in the published table (``publish(adjusted.table, "terms")``)
    whose Holm-adjusted p-value (across those terms) is below ``1 - confidence`` and
    whose relative-risk interval excludes 1, the largest first (distance of the
    relative risk from 1 on a log scale).
    """
    t = publish(adjusted.table, "terms")
    rows = t[t["variable"].isin(list(groups)) & (t["level"] != "")].copy()
    if rows.empty:
        return []
    rows["p_adjusted"] = adjust_pvalues(rows["p_value"].to_numpy(dtype=float))
    alpha = 1 - adjusted.confidence
    text = _and(covariates)
    found = []
    for row in rows.itertuples():
        rr, lo, hi = row.relative_risk, row.relative_risk_ci_low, row.relative_risk_ci_high
        if not all(_number(v) and v > 0 for v in (rr, lo, hi)):
            continue
        if row.p_adjusted < alpha and (lo > 1 or hi < 1):
            sentence = adjusted.sentence(str(row.variable), str(row.level), covariates=text)
            found.append((-abs(float(np.log(rr))), sentence))
    return [s for _, s in sorted(found, key=lambda f: f[0])]


def _and(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _number(x: Any) -> bool:
    return isinstance(x, float | int | np.number) and not pd.isna(x) and bool(np.isfinite(x))


def _suppressed(x: Any) -> bool:
    return bool(x) and not pd.isna(x)


# --------------------------------------------------------------------------- funnels


def _funnel_times(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else (f"{x:.1f}" if x >= 1 else f"{x:.2f}")


def funnel_sentence(
    row: Mapping[str, Any],
    *,
    rate: Literal["share", "transition"] = "share",
    confidence: float = 0.95,
) -> str:
    """One plain sentence for a row of :func:`biasaudit.metrics.funnel_table` (or of its published form).

    Parameters
    ----------
    row : mapping or pandas.Series
        A row of the funnel table.
    rate : {"share", "transition"}, default="share"
        Compare the share of the group reaching the stage, or the rate of going on to
        it from the stage above.
    confidence : float, default=0.95
        The level the table was computed at (for the wording only).

    Examples
    --------
    >>> import pandas as pd
    >>> from biasaudit.counts._stages import funnel_counts_from_table
    >>> reply = pd.DataFrame({
    ...     "nationality": ["Dutch", "Moroccan"],
    ...     "population": [1000, 400],
    ...     "home visit": [50, 48],
    ... })
    >>> counts = funnel_counts_from_table(
    ...     reply, ["population", "home visit"], attributes="nationality"
    ... )
    >>> from biasaudit.metrics import funnel_table
    >>> table = funnel_table(counts, reference={"nationality": "Dutch"})
    >>> funnel_sentence(table.iloc[-1])
    "People with nationality = Moroccan were 2.4 times as likely as those with nationality = Dutch to reach 'home visit' (95% CI 1.6 to 3.5; 48 of 400 reached it)."
    """
    if rate not in ("share", "transition"):
        raise ValueError(f"rate must be 'share' or 'transition'. Got {rate!r}.")
    attr, group, stage, parent = row["attribute"], row["group"], row["stage"], row["parent"]
    level = f"{confidence:.0%}"
    if attr == OVERALL:
        who, whom = "All people", "all people"
    else:
        who, whom = f"People with {attr} = {group}", f"people with {attr} = {group}"
    if bool(row["suppressed"]):
        return (
            f"The figures for {whom} at {stage!r} are suppressed: they involve fewer than "
            "the minimum number of people that may be published."
        )
    if not isinstance(parent, str):
        size = "" if pd.isna(row["n"]) else f" ({int(row['n']):,} people)"
        return f"{stage!r} is the first stage: everyone, {whom}{size}, is there."
    value, lo, hi = row[rate], row[f"{rate}_ci_low"], row[f"{rate}_ci_high"]
    ratio = row[f"{rate}_ratio"]
    ratio_lo, ratio_hi = row[f"{rate}_ratio_ci_low"], row[f"{rate}_ratio_ci_high"]
    reached = f"reach {stage!r}" if rate == "share" else f"go on from {parent!r} to {stage!r}"
    ref = row["reference_group"]
    if (
        isinstance(ref, str)
        and group != ref
        and not any(map(pd.isna, (ratio, ratio_lo, ratio_hi)))
    ):
        counted = (
            f"; {int(row['count']):,} of {int(row['n']):,} reached it" if rate == "share" else ""
        )
        if rate == "transition":
            who = f"{who} who reached {parent!r}"
            reached = f"go on to {stage!r}"
        return (
            f"{who} were {_funnel_times(ratio)} times as likely as those with {attr} = {ref} to "
            f"{reached} ({level} CI {_funnel_times(ratio_lo)} to {_funnel_times(ratio_hi)}{counted})."
        )
    if pd.isna(value):
        return f"For {whom}, the rate at {stage!r} is undefined: {row['note']}."
    of = "of " + whom if rate == "share" else f"of {whom} who reached {parent!r}"
    what = "reached" if rate == "share" else "went on to"
    sentence = (
        f"{percent(value)} {of} {what} {stage!r} ({level} CI {percent(lo)} to {percent(hi)})"
    )
    if group == ref:
        sentence += f"; {group} is the reference group for {attr}"
    elif isinstance(ref, str):
        sentence += f"; no ratio to {attr} = {ref} can be given ({row['note'] or 'suppressed'})"
    return sentence[0].upper() + sentence[1:] + "."
