"""The metric registry: the one place where each metric is defined.

Code, tables, notes and documentation read :data:`METRICS`; there is no second list.
Every metric is a ratio of sums of count cells (see DESIGN.md §3):

* ``tp, fp, fn, tn``: people with a known outcome, by flag and outcome;
* ``n``: everyone in the group, labelled or not; ``flagged``: everyone flagged.

``scope="overall"`` takes the denominator from the whole population instead of the
group (population and flagged shares). ``representation_ratio`` divides the group's
flagged count by the number expected if flagging were proportional to group size.

:data:`HARM_METRICS` count people (or an amount) instead: the group's own count beyond
the number its reference group's rate would give (:class:`HarmSpec`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["burden", "benefit", "neutral"]
Scope = Literal["group", "overall"]
Kind = Literal["decision", "among_labelled", "outcome", "random_sample"]


@dataclass(frozen=True)
class MetricSpec:
    """Definition of one metric.

    Parameters
    ----------
    name : str
        Identifier used in tables, e.g. ``"false_positive_rate"``.
    label : str
        Short human label, e.g. ``"False positive rate"``.
    formula : str
        The formula in count cells, e.g. ``"FP / (FP + TN)"``.
    plain : str
        One sentence in plain words; ``{group}`` is replaced by the group name.
    numerator, denominator : tuple of str
        Count cells summed into the numerator and the denominator.
    scope : {"group", "overall"}
        Where the denominator comes from.
    kind : {"decision", "among_labelled", "outcome", "random_sample"}
        ``decision`` needs no outcome; ``among_labelled`` is computed among people
        with a known outcome (hit rates); ``outcome`` needs outcomes for everyone
        in its denominator and is not identifiable under selective labels;
        ``random_sample`` needs a random audit sample (:data:`SAMPLE_METRICS`).
    higher_is : {"burden", "benefit", "neutral"}
        What a higher value means for the members of the group; used to pick the
        "most favourable" reference group.
    finding : str
        The sentence a key finding tells of a group compared with its reference
        (``{g}``, ``{g_lower}``, ``{r}``, ``{times}``); ``""`` for a metric that is not a
        headline (:data:`HEADLINE`).
    frequency : str
        The rate as a natural frequency (``{per}``, ``{g}``, ``{k}``), e.g. ``"of every
        {per} innocent {g}, {k} were flagged"``; ``""`` where none is told.
    """

    name: str
    label: str
    formula: str
    plain: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    scope: Scope = "group"
    kind: Kind = "outcome"
    higher_is: Direction = "neutral"
    finding: str = ""
    frequency: str = ""

    @property
    def comparable(self) -> bool:
        """A proportion of the group's own people: intervals, tests and power apply."""
        return self.scope == "group" and "expected_flagged" not in self.denominator

    @property
    def test_signature(self) -> tuple[tuple[str, ...], frozenset[tuple[str, ...]]]:
        """Metrics with the same signature are the same test (e.g. FPR and TNR)."""
        rest = tuple(sorted(set(self.denominator) - set(self.numerator)))
        return tuple(sorted(self.denominator)), frozenset({tuple(sorted(self.numerator)), rest})


_LABELLED = ("tp", "fp", "fn", "tn")

METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in [
        MetricSpec(
            "selection_rate",
            "Selection rate",
            "flagged / n",
            "share of {group} flagged for investigation",
            ("flagged",),
            ("n",),
            kind="decision",
            higher_is="burden",
            finding="{g} were flagged {times} as often as {r}",
            frequency="of every {per} {g}, {k} were flagged",
        ),
        MetricSpec(
            "population_share",
            "Population share",
            "n_g / n_all",
            "share of all people who are in {group}",
            ("n",),
            ("n",),
            scope="overall",
            kind="decision",
        ),
        MetricSpec(
            "share_of_flagged",
            "Share of flagged",
            "flagged_g / flagged_all",
            "share of all flagged people who are in {group}",
            ("flagged",),
            ("flagged",),
            scope="overall",
            kind="decision",
            higher_is="burden",
        ),
        MetricSpec(
            "representation_ratio",
            "Representation among flagged",
            "share_of_flagged / population_share",
            "how over-represented {group} is among the flagged (1 = proportional)",
            ("flagged",),
            ("expected_flagged",),
            kind="decision",
            higher_is="burden",
        ),
        MetricSpec(
            "base_rate",
            "Base rate",
            "(TP + FN) / (TP + FP + FN + TN)",
            "share of {group} who actually committed fraud",
            ("tp", "fn"),
            _LABELLED,
        ),
        MetricSpec(
            "precision",
            "Precision (hit rate)",
            "TP / (TP + FP)",
            "share of investigations of {group} that found something",
            ("tp",),
            ("tp", "fp"),
            kind="among_labelled",
            higher_is="benefit",
        ),
        MetricSpec(
            "false_discovery_rate",
            "False discovery rate",
            "FP / (TP + FP)",
            "share of investigations of {group} that were unfounded",
            ("fp",),
            ("tp", "fp"),
            kind="among_labelled",
            higher_is="burden",
            finding=(
                "Investigations of {g_lower} were unfounded {times} as often as investigations "
                "of {r}"
            ),
            frequency="of every {per} investigations of {g}, {k} found nothing",
        ),
        MetricSpec(
            "false_positive_rate",
            "False positive rate (false-accusation rate)",
            "FP / (FP + TN)",
            "chance that an innocent member of {group} is flagged",
            ("fp",),
            ("fp", "tn"),
            higher_is="burden",
            finding=(
                "Among people in whom no fraud was found, {g_lower} were flagged {times} as "
                "often as {r}"
            ),
            frequency="of every {per} innocent {g}, {k} were flagged",
        ),
        MetricSpec(
            "innocent_flag_rate",
            "Unfounded investigations per person",
            "FP / n",
            "unfounded investigations per person in {group}",
            ("fp",),
            ("n",),
            higher_is="burden",
            finding="{g} had {times} as many unfounded investigations per person as {r}",
            frequency="of every {per} {g}, {k} had an unfounded investigation",
        ),
        MetricSpec(
            "false_negative_rate",
            "False negative rate",
            "FN / (FN + TP)",
            "share of fraud in {group} that the system missed",
            ("fn",),
            ("fn", "tp"),
            higher_is="benefit",
        ),
        MetricSpec(
            "true_positive_rate",
            "True positive rate",
            "TP / (TP + FN)",
            "share of fraud in {group} that the system flagged",
            ("tp",),
            ("tp", "fn"),
            higher_is="burden",  # the complement of the false negative rate
        ),
        MetricSpec(
            "true_negative_rate",
            "True negative rate",
            "TN / (TN + FP)",
            "share of innocent members of {group} who were not flagged",
            ("tn",),
            ("tn", "fp"),
            higher_is="benefit",
        ),
        MetricSpec(
            "false_omission_rate",
            "False omission rate",
            "FN / (FN + TN)",
            "share of the unflagged in {group} who committed fraud",
            ("fn",),
            ("fn", "tn"),
        ),
        MetricSpec(
            "negative_predictive_value",
            "Negative predictive value",
            "TN / (FN + TN)",
            "share of the unflagged in {group} who committed no fraud",
            ("tn",),
            ("fn", "tn"),
        ),
        MetricSpec(
            "accuracy",
            "Accuracy",
            "(TP + TN) / labelled",
            "share of {group} whose flag matched the outcome",
            ("tp", "tn"),
            _LABELLED,
        ),
    ]
}

#: Comparisons that need a random audit sample (DESIGN.md §3, the Swedish audit's
#: comparisons). Their cells: ``random_fraud`` (fraud found in the random sample),
#: ``model_fraud`` (fraud found among the cases the model selected).
SAMPLE_METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in [
        MetricSpec(
            "share_of_offenders",
            "Share of offenders",
            "random_fraud_g / random_fraud_all",
            "share of the fraud found in the random audit sample that was committed by {group}",
            ("random_fraud",),
            ("random_fraud",),
            scope="overall",
            kind="random_sample",
        ),
        MetricSpec(
            "equal_burden_gap",
            "Equal-burden gap",
            "share_of_flagged - share_of_offenders",
            "how much more of the investigations {group} bears than its share of actual "
            "fraud (a difference of two shares, stored as a fraction: 0.05 is 5 percentage "
            "points; 0 = burden in proportion to fraud)",
            ("flagged", "random_fraud"),
            ("flagged", "random_fraud"),
            scope="overall",
            kind="random_sample",
            higher_is="burden",
        ),
        MetricSpec(
            "share_of_found",
            "Share of fraud found",
            "model_fraud_g / model_fraud_all",
            "share of the fraud found among model-selected cases that was committed by {group}",
            ("model_fraud",),
            ("model_fraud",),
            scope="overall",
            kind="random_sample",
        ),
        MetricSpec(
            "found_gap",
            "Found-versus-offenders gap",
            "share_of_found - share_of_offenders",
            "how much more of the fraud the model finds comes from {group} than its share "
            "of actual fraud (a difference of two shares, stored as a fraction: 0.05 is 5 "
            "percentage points)",
            ("model_fraud", "random_fraud"),
            ("model_fraud", "random_fraud"),
            scope="overall",
            kind="random_sample",
            higher_is="burden",
        ),
    ]
}


@dataclass(frozen=True)
class HarmSpec(MetricSpec):
    """Definition of a harm count: people (or an amount) of a group beyond what the
    reference group's rate would give.

    ``value = sign * (observed - denominator * reference rate)``: ``observed`` sums
    the group's ``numerator`` cells (people, or with ``amount`` the amount column
    over those people), ``denominator`` its ``denominator`` cells, and the reference
    rate is the same ratio in the reference group. The numerator and denominator
    cells are those of :attr:`rate`, so a harm count is tested, and withheld, with
    that rate.

    Parameters
    ----------
    rate : str
        The registry rate whose excess it counts, e.g. ``"selection_rate"``.
    sign : {1, -1}
        -1 for a shortfall (fewer than the reference rate would give).
    amount : bool
        Counts the ``amount`` role (sums reclaimed, days suspended) instead of people.
    harm : str
        The sentence of a harm finding (``{count}``, ``{g}``, ``{r}``, ``{ci}``,
        ``{amount}``: the amount's label).
    """

    rate: str = ""
    sign: int = 1
    amount: bool = False
    harm: str = ""

    @property
    def comparable(self) -> bool:
        """A count, not a proportion: no ratio to the reference of its own."""
        return False


#: Harm counts (issue 18): how many people (or how much) beyond the reference rate.
HARM_METRICS: dict[str, HarmSpec] = {
    m.name: m
    for m in [
        HarmSpec(
            "excess_flagged",
            "Excess flagged",
            "flagged - n x selection_rate_ref",
            "people in {group} flagged beyond the number the reference group's selection "
            "rate would give",
            ("flagged",),
            ("n",),
            kind="decision",
            higher_is="burden",
            rate="selection_rate",
            harm="{count} more {g} were flagged than if they had been flagged at the rate of {r}",
        ),
        HarmSpec(
            "excess_unfounded_investigations",
            "Excess unfounded investigations",
            "FP - n x innocent_flag_rate_ref",
            "unfounded investigations of {group} beyond the number the reference group's "
            "unfounded investigations per person would give",
            ("fp",),
            ("n",),
            higher_is="burden",
            rate="innocent_flag_rate",
            harm="{g} had {count} more unfounded investigations than at the rate per person "
            "of {r}",
        ),
        HarmSpec(
            "excess_false_accusations",
            "Excess false accusations",
            "FP - (FP + TN) x false_positive_rate_ref",
            "innocent members of {group} flagged beyond the number the reference group's "
            "false positive rate would give among the innocent of {group}",
            ("fp",),
            ("fp", "tn"),
            higher_is="burden",
            rate="false_positive_rate",
            harm="{count} more innocent {g} were flagged than at the false positive rate of {r}",
        ),
        HarmSpec(
            "shortfall",
            "Shortfall",
            "n x selection_rate_ref - flagged",
            "members of {group} who would have been selected at the reference group's "
            "selection rate but were not (for a decision that is a benefit)",
            ("flagged",),
            ("n",),
            kind="decision",
            higher_is="burden",
            rate="selection_rate",
            sign=-1,
            harm="{count} fewer {g} were selected than if they had been selected at the "
            "rate of {r}",
            frequency="of every {per} {g}, {k} were selected",
        ),
        HarmSpec(
            "excess_flagged_amount",
            "Excess amount, flagged",
            "amount(flagged) - n x amount(flagged)_ref / n_ref",
            "amount (the amount column) borne by the flagged of {group} beyond what the "
            "reference group's amount per person would give",
            ("flagged",),
            ("n",),
            kind="decision",
            higher_is="burden",
            rate="selection_rate",
            amount=True,
            harm="the flagged among {g} bore {count} more {amount} than if {g} had borne "
            "the amount per person of {r}",
        ),
        HarmSpec(
            "excess_unfounded_amount",
            "Excess amount, unfounded investigations",
            "amount(FP) - n x amount(FP)_ref / n_ref",
            "amount borne by {group} in unfounded investigations beyond what the reference "
            "group's amount per person in unfounded investigations would give",
            ("fp",),
            ("n",),
            higher_is="burden",
            rate="innocent_flag_rate",
            amount=True,
            harm="{g} bore {count} more {amount} in unfounded investigations than at the "
            "amount per person of {r}",
        ),
        HarmSpec(
            "excess_false_accusation_amount",
            "Excess amount, false accusations",
            "amount(FP) - (FP + TN) x amount(FP)_ref / (FP + TN)_ref",
            "amount borne by the innocent of {group} who were flagged, beyond what the "
            "reference group's amount per innocent person would give",
            ("fp",),
            ("fp", "tn"),
            higher_is="burden",
            rate="false_positive_rate",
            amount=True,
            harm="the innocent among {g} bore {count} more {amount} than at the amount per "
            "innocent person of {r}",
        ),
        HarmSpec(
            "shortfall_amount",
            "Shortfall, amount",
            "n x amount(flagged)_ref / n_ref - amount(flagged)",
            "amount {group} would have received at the reference group's amount per "
            "person but did not (for a decision that is a benefit)",
            ("flagged",),
            ("n",),
            kind="decision",
            higher_is="burden",
            rate="selection_rate",
            sign=-1,
            amount=True,
            harm="{g} received {count} less {amount} than at the amount per person of {r}",
        ),
    ]
}


def harm_metrics(*, outcomes: bool, amount: bool, decision: str = "burden") -> list[str]:
    """The harm counts an audit reports by default.

    ``outcomes``: some outcome is known; ``amount``: an amount column is given;
    ``decision``: ``"burden"`` (an investigation: excess counts) or ``"benefit"``
    (a benefit granted: the shortfall, and no false accusations to count).

    Examples
    --------
    >>> harm_metrics(outcomes=True, amount=False)
    ['excess_flagged', 'excess_unfounded_investigations', 'excess_false_accusations']
    >>> harm_metrics(outcomes=True, amount=True, decision="benefit")
    ['shortfall', 'shortfall_amount']
    """
    out = [
        m.name
        for m in HARM_METRICS.values()
        if (amount or not m.amount)
        and (outcomes or m.kind == "decision")
        and ((m.sign < 0) == (decision == "benefit"))
    ]
    return out


#: Aliases used in public debate, mapped to the precise metric.
#: Metrics a key finding can be about (and the CLI and the charts lead with), in the
#: order they are told.
HEADLINE = tuple(
    m
    for m in (
        "selection_rate",
        "false_positive_rate",
        "innocent_flag_rate",
        "false_discovery_rate",
    )
    if METRICS[m].finding
)

ALIASES = {"false_accusation_rate": "false_positive_rate", "hit_rate": "precision"}


def metric(name: str) -> MetricSpec:
    """Return the registry entry for ``name`` (aliases accepted).

    Examples
    --------
    >>> metric("false_accusation_rate").formula
    'FP / (FP + TN)'
    """
    key = ALIASES.get(name, name)
    try:
        if key in HARM_METRICS:
            return HARM_METRICS[key]
        return METRICS[key] if key in METRICS else SAMPLE_METRICS[key]
    except KeyError:
        allowed = ", ".join(sorted([*METRICS, *SAMPLE_METRICS, *HARM_METRICS, *ALIASES]))
        raise ValueError(f"Unknown metric {name!r}. Allowed: {allowed}.") from None


def glossary_markdown() -> str:
    """The metric glossary as a Markdown table (``docs/metrics.md`` is this text).

    Examples
    --------
    >>> print(glossary_markdown().splitlines()[4])
    | `selection_rate` | flagged / n | share of the group flagged for investigation | decision | more burden |
    """
    kinds = {
        "decision": "decision",
        "among_labelled": "among people with a known outcome",
        "outcome": "needs outcomes (bounds under selective labels)",
        "random_sample": "a random audit sample",
    }
    lines = [
        "# Metrics",
        "",
        "| name | formula | plain words | needs | higher means, for the group |",
        "|---|---|---|---|---|",
    ]
    for m in [*METRICS.values(), *SAMPLE_METRICS.values()]:
        plain = m.plain.format(group="the group")
        direction = {"burden": "more burden", "benefit": "less burden", "neutral": "neither"}
        lines.append(
            f"| `{m.name}` | {m.formula} | {plain} | {kinds[m.kind]} | {direction[m.higher_is]} |"
        )
    lines += [
        "",
        "TP, FP, FN, TN count people with a known outcome: TP = flagged and fraud found, "
        "FP = flagged and nothing found, FN = not flagged but fraud, TN = not flagged, no "
        "fraud. `n` is everyone in the group, labelled or not. With a random audit "
        "sample, every cell is an estimate for the whole population (see the README), "
        "`random_fraud` is the fraud found in the random sample and `model_fraud` the "
        "fraud found among the cases the model selected.",
        "",
        "Aliases: "
        + ", ".join(f"`{alias}` = `{name}`" for alias, name in ALIASES.items())
        + '. "False-accusation rate" is ambiguous in public debate: biasaudit reports '
        "`false_positive_rate` (chance that an innocent person is flagged), "
        "`false_discovery_rate` (share of investigations that were unfounded) and "
        "`innocent_flag_rate` (unfounded investigations per person) separately.",
        "",
    ]
    lines += _harm_glossary()
    lines += [
        "This file is generated from the metric registry (`biasaudit.spec._registry.METRICS`); "
        "a test checks it is up to date.",
        "",
    ]
    return "\n".join(lines)


def _harm_glossary() -> list[str]:
    """The harm counts' section of the glossary: the table and the definitions."""
    lines = [
        "## Harm counts",
        "",
        "How many people (or how much) a group bore beyond what its reference group's rate "
        "would give: counts, not rates, for headlines and compensation schemes.",
        "",
        "| name | formula | plain words | needs | counted with |",
        "|---|---|---|---|---|",
    ]
    needs = {
        "decision": "decision",
        "among_labelled": "among people with a known outcome",
        "outcome": "needs outcomes (bounds under selective labels)",
        "random_sample": "a random audit sample",
    }
    for m in HARM_METRICS.values():
        plain = m.plain.format(group="the group")
        unit = "the amount column" if m.amount else "people"
        lines.append(f"| `{m.name}` | {m.formula} | {plain} | {needs[m.kind]} | {unit} |")
    lines += [
        "",
        "Definitions, for a group g and its reference r (a named group, the largest, the "
        'most favourable, or with `reference = "rest"` everyone not in g, whose '
        "`reference_group` is `(everyone else)`): O_g is the number of people in the "
        "numerator cells of the harm count's rate (`flagged`, `FP`), D_g the number in its "
        "denominator cells (`n`, `FP + TN`), and p_r = O_r / D_r the reference's rate.",
        "",
        "* **excess** = O_g - D_g x p_r = D_g x (p_g - p_r): the people of g beyond the "
        "number g would have at r's rate (negative: fewer). `excess_flagged` counts "
        "flagged people, `excess_unfounded_investigations` flagged people in whom nothing "
        "was found (per person of g), `excess_false_accusations` innocent people flagged "
        "(per innocent person of g: the false positive rate's excess).",
        "* **shortfall** = D_g x p_r - O_g: for a decision that is a benefit (`[harm] "
        'decision = "benefit"`: a grant, a hire), the members of g who would have been '
        "selected at r's selection rate but were not. It replaces the excess counts.",
        "* **amounts** (`roles.amount`, e.g. sums reclaimed, days of suspension; blank = "
        "0): O_g becomes A_g, the amount summed over the numerator's people, and p_r the "
        "amount per person of r's denominator, A_r / D_r. Where some people behind an "
        "amount have no known outcome (flagged, not investigated), the amount count is NaN "
        "with outer bounds (each of them in or out of the count).",
        "* **interval**: D_g times the interval of the rate's difference to the reference "
        "(Newcombe's hybrid score interval; Kish's effective counts when weighted), D_g "
        "held fixed: an interval for D_g x (pi_g - pi_r), the excess that the system's "
        "rates produce among g's people. The test, p-value and adjusted p-value are the "
        "rate's own (an excess of 0 is a difference of 0), counted once in the "
        "adjustment. Amounts: D_g times a normal interval for the difference of the mean "
        "amounts per person (variances from the sums of squared amounts), and no test.",
        "* **where defined**: full labels: every count. Selective labels: "
        "`excess_flagged` always; the unfounded investigations wherever the innocent flag "
        "rate is identified (every flagged person's outcome known); otherwise, and always "
        "for `excess_false_accusations`, `value` is NaN and the bounds are the smallest "
        "and largest excess over every filling-in of the unknown outcomes, the reference "
        "rate anywhere within its bounds. Random audit sample: counted exactly where the "
        "rate is (the flagged; the unfounded investigations when every flagged case was "
        "investigated), otherwise estimated with the sample's bootstrap (percentile "
        "intervals, the reference rate drawn in the same replicate); amounts are not "
        "estimated from the sample. Aggregated tables with "
        "suppressed or rounded cells: an outer range over every consistent table. "
        "Undefined (D_g or D_r is 0, or r's rate is undefined): NaN with an "
        "`UndefinedRateWarning`, never 0. The reference group's own row is 0 (no "
        "interval).",
        "* **in the results table**: `value` is the count, `numerator` O_g (A_g), "
        "`denominator` D_g, `reference_value` p_r, so that value = numerator - "
        "denominator x reference_value (the sign reversed for a shortfall).",
        "",
    ]
    return lines
