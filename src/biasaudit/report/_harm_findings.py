"""Harm findings: how many people, told as natural frequencies and as a count.

For each clear harm count (its interval, or its bounds, above 0, and its rate's
adjusted p-value below ``1 - confidence``) two sentences from the registry's words
(:attr:`MetricSpec.frequency` and :attr:`HarmSpec.harm`), read from the message
catalogue (``metric.<name>.frequency``, ``metric.<name>.harm``) so that they are
written in the report's language, numbers with :func:`fmt`:

    Of every 1,000 innocent people with gender = F, 46 were flagged; of every 1,000
    innocent people with gender = M, 26. 230 more innocent people with gender = F were
    flagged than at the false positive rate of people with gender = M (95% CI 180 to 280).

Built from the published table, like every finding, so a withheld row never reaches a
sentence. A count is told in whole people ("an estimated" when it is estimated from a
random audit sample or weighted); bounds are told as bounds, never as an interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..counts import OVERALL
from ..spec import HARM_METRICS, HarmSpec, metric
from ._findings import people
from ._messages import fmt, has, text

#: Natural frequencies start at "of every 1,000"; a rarer rate gets a larger base.
BASE = 1_000


def per_base(*rates: float) -> int:
    """The base of a natural frequency: 1,000, or a larger power of ten where the
    smaller rate would give fewer than 10 people (up to 1,000,000).

    Examples
    --------
    >>> per_base(0.046, 0.026), per_base(0.0046, 0.02), per_base(0.0, 0.3)
    (1000, 10000, 1000)
    """
    positive = [r for r in rates if r > 0 and math.isfinite(r)]
    per = BASE
    while positive and min(positive) * per < 10 and per < 1_000_000:
        per *= 10
    return per


def frequency_sentence(
    template: str, group: str, reference: str, rate: float, ref_rate: float
) -> str:
    """``Of every 1,000 innocent <group>, 46 were flagged; of every 1,000 innocent
    <reference>, 26.`` from a rate's :attr:`MetricSpec.frequency`.

    Examples
    --------
    >>> frequency_sentence("of every {per} innocent {g}, {k} were flagged",
    ...                    "women", "men", 0.046, 0.026)
    'Of every 1,000 innocent women, 46 were flagged; of every 1,000 innocent men, 26.'
    """
    per = per_base(rate, ref_rate)
    first = template.format(per=fmt(per), g=group, k=_people(rate * per))
    second = template.split("{k}")[0].format(per=fmt(per), g=reference)
    return f"{first[0].upper()}{first[1:]}; {second}{_people(ref_rate * per)}."


def _people(x: float) -> str:
    """Whole people, with separators; a tenth below 10 where rounding would mislead."""
    if abs(x) < 9.95 and abs(x - round(x)) >= 0.05:
        return fmt(x, ",.1f")
    return fmt(round(x), ",.0f")


def _amount(x: float) -> str:
    return fmt(x, ",.0f") if abs(x) >= 100 else fmt(x, ",.1f")


def harm_findings(
    table: pd.DataFrame,
    *,
    confidence: float = 0.95,
    amount_label: str = "amount",
    shown: int = 2,
    who: Callable[[str, str], str] = people,
) -> list[str]:
    """Sentences for the clearest harm counts of the published table.

    Per attribute and harm count, the ``shown`` largest clear excesses (or
    shortfalls): the interval (or, where the data cannot identify the count, the
    bounds) above 0 and, where there is a test, its adjusted p-value below
    ``1 - confidence``. The largest of each count comes first, then the next largest.
    Counts in people are told with their rate's natural frequencies, amounts in
    ``amount_label``. Intersections are left to the table. ``who(attribute, group)``
    names a group (default ``people with sex = F``; the report passes its labels).

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({"sex": ["F"] * 500 + ["M"] * 500,
    ...                    "flag": [1] * 150 + [0] * 350 + [1] * 50 + [0] * 450})
    >>> r = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"],
    ...                     reference={"sex": "M"})
    >>> print(harm_findings(r.published_table())[0])  # doctest: +NORMALIZE_WHITESPACE
    Of every 1,000 people with sex = F, 300 were flagged; of every 1,000 people with
    sex = M, 100. 100 more people with sex = F were flagged than if they had been
    flagged at the rate of people with sex = M (95% CI 76 to 124).
    """
    if table.empty or "dataset" in table.columns:  # comparisons within one table only
        return []
    level = fmt(confidence, ".0%")
    if amount_label == "amount":  # the default words, in the report's language
        amount_label = text("harm.amount")
    alpha = 1 - confidence
    rows = table[
        table["metric"].isin(list(HARM_METRICS))
        & (table["attribute"] != OVERALL)
        & ~table["attribute"].str.contains(" × ", regex=False)
        & ~table["suppressed"].astype(bool)
        & (table["group"] != table["reference_group"])
        & table["reference_group"].notna()
    ]
    rates = table.set_index(["attribute", "group", "metric"])
    order = {name: i for i, name in enumerate(HARM_METRICS)}
    by_metric: dict[str, list[tuple[float, str]]] = {}
    for (_, metric_name), part in rows.groupby(["attribute", "metric"], sort=False):
        spec = metric(str(metric_name))
        assert isinstance(spec, HarmSpec)
        told = [_told(r, spec, rates, level, alpha, amount_label, who) for r in part.itertuples()]
        clear = sorted((t for t in told if t is not None), key=lambda t: -t[0])
        by_metric.setdefault(spec.name, []).extend(clear[:shown])
    # the largest of each count first (in the registry's order), then the next largest
    found = [
        (rank, order[name], sentence)
        for name, told in by_metric.items()
        for rank, (_, sentence) in enumerate(sorted(told, key=lambda t: -t[0]))
    ]
    return [sentence for *_, sentence in sorted(found, key=lambda t: t[:2])]


def _told(
    row: Any,
    spec: HarmSpec,
    rates: pd.DataFrame,
    level: str,
    alpha: float,
    amount_label: str,
    who: Callable[[str, str], str] = people,
) -> tuple[float, str] | None:
    """(size, sentence) of one clear harm count, None when it is not clear."""
    value, low, high = float(row.value), float(row.ci_low), float(row.ci_high)
    bounded = math.isnan(value)
    if bounded:  # the data cannot identify it: clear only if every filling-in is > 0
        low, high = float(row.lower_bound), float(row.upper_bound)
        if not (low > 0 and math.isfinite(high)):
            return None
    else:
        p = float(row.p_adjusted)
        if not (low > 0 and value > 0) or (not math.isnan(p) and p >= alpha):
            return None
        if math.isnan(p) and not spec.amount:  # no test left after suppression
            return None
    g = who(str(row.attribute), str(row.group))
    r = who(str(row.attribute), str(row.reference_group))
    whole = _amount if spec.amount else (lambda x: fmt(round(x), ",.0f"))
    if bounded:
        count = text("harm.between", low=whole(low), high=whole(high))
    elif float(row.denominator or 0).is_integer():
        count = whole(value)
    else:  # estimated from a random audit sample, or weighted
        count = text("harm.estimated", count=whole(value))
    said = text(f"metric.{spec.name}.harm", count=count, g=g, r=r, amount=amount_label)
    said = said[0].upper() + said[1:]
    if bounded:
        sentence = said + text("harm.bounds")
    else:
        sentence = said + text("headline.ci", level=level, low=whole(low), high=whole(high))
    base = metric(spec.rate)
    key = next(
        (f"metric.{m}.frequency" for m in (spec.name, base.name) if has(f"metric.{m}.frequency")),
        "",
    )
    template = text(key) if key else ""
    if template and not spec.amount and not bounded:
        mine = _value(rates, row.attribute, row.group, base.name)
        theirs = float(row.reference_value)
        if math.isfinite(mine) and math.isfinite(theirs):
            sentence = frequency_sentence(template, g, r, mine, theirs) + " " + sentence
    return (value if not bounded else low), sentence


def _value(rates: pd.DataFrame, attribute: str, group: str, name: str) -> float:
    try:
        found = rates.loc[(attribute, group, name), "value"]
    except KeyError:
        return math.nan
    value = found.iloc[0] if isinstance(found, pd.Series) else found
    return float(value) if value is not None and not pd.isna(value) else math.nan
