"""Every sentence, heading and label of the HTML report, in one catalogue.

The layout code asks for a message by key (:func:`text`) and never writes words of
its own, so that a second language is one more catalogue, not a change of layout.
Fields in braces are filled in by the caller (numbers already formatted).
"""

from __future__ import annotations

from collections.abc import Mapping

#: The English messages, by key. Keys are grouped by where they appear.
ENGLISH: Mapping[str, str] = {
    # ------------------------------------------------------------------ page
    "page.title": "Disparity audit: {source}",
    "page.wording": (
        'Wording: "flagged" means selected for investigation; an "unfounded '
        'investigation" found no fraud.'
    ),
    "ledger.line": (
        "Data: {source} ({kind}, read with {engine}): {read} rows read, {analysed} analysed, "
        "{excluded} excluded{checksum}. Audited with biasaudit {version}{by}{when}."
    ),
    "ledger.checksum": "; SHA-256 {sha}",
    "ledger.server": "; {server}",
    "ledger.by": " by {author}",
    "ledger.when": " on {when}",
    "people.whose": "people whose {name} is {group}",
    "people.whose_missing": "people whose {name} is not recorded",
    "people.and_whose": "and whose {name} is {group}",
    "people.and_whose_missing": "and whose {name} is not recorded",
    "people.whose_also": "whose {name} is {group}",
    "people.whose_also_missing": "whose {name} is not recorded",
    "people.among": "{people} among {others}",
    "group.missing": "not recorded",
    # ------------------------------------------------------------------ first screen
    "first.heading": "What the audit found",
    "first.how": (
        "The disparities best supported by the data: chosen by how far their {level} "
        "confidence interval lies from no difference after correcting for the {tests} "
        "comparisons made, not by the largest estimate."
    ),
    "first.none": (
        "No group was flagged or wrongly investigated clearly more or less often than its "
        "reference group: every difference is within chance at the {level} level, after "
        "correcting for the {tests} comparisons made."
    ),
    "first.none_at_all": "No comparison of a group with its reference group could be made.",
    "headline.selection_rate": "{G} were flagged for investigation {times} as often as {r}",
    "headline.false_discovery_rate": (
        "Investigations of {g} were unfounded {times} as often as investigations of {r}"
    ),
    "headline.false_positive_rate": "Innocent {g} were flagged {times} as often as innocent {r}",
    "headline.innocent_flag_rate": (
        "{G} had {times} as many unfounded investigations per person as {r}"
    ),
    "tail.selection_rate": ": {a} {g} against {b} {r}",
    "tail.false_discovery_rate": (
        ": {a} investigations of {g} found nothing, against {b} investigations of {r}"
    ),
    "tail.false_positive_rate": ": {a} innocent {g} were flagged, against {b} innocent {r}",
    "tail.innocent_flag_rate": (
        ": {a} {g} were investigated and nothing was found, against {b} {r}"
    ),
    "headline.dataset": "{dataset}: {sentence}",
    "headline.ci": " ({level} CI {low} to {high}).",
    "headline.no_ci": ".",
    "headline.range": (
        " (a range from {source} over every table consistent with the published cells, "
        "not a confidence interval)."
    ),
    "headline.uncertain": " The interval includes 1: the data cannot rule out no disparity.",
    "headline.too_few": (
        "There are too few {g} to tell whether their {metric} differs from that of {r}{ci}"
    ),
    "times.one": "{x} times",
    "times.between": "between {low} and {high} times",
    "times.at_least": "at least {x} times",
    "frequency.one": "{count} of every {base}",
    "frequency.range": "{low} to {high} of every {base}",
    "list.and": "{first} and {last}",
    # ------------------------------------------------------------------ limits
    "limits.heading": "What the data cannot show",
    "limits.full labels": "Outcomes are known for everyone: every rate is a number.",
    "limits.selective labels": (
        "Outcomes are known only for the people who were investigated. How often innocent "
        "people were flagged (the false positive rate) and how much fraud was missed cannot "
        "be measured: they are shown as worst- and best-case bounds."
    ),
    "limits.partial labels": (
        "Outcomes are known for some people only: rates that involve the others are "
        "worst- and best-case bounds."
    ),
    "limits.random audit sample": (
        "Error rates are estimated from a random audit sample, with its assumptions stated "
        "beside every estimate."
    ),
    "limits.aggregated counts": (
        "Only a table of counts was available: rates built on hidden or rounded cells are ranges."
    ),
    "limits.no outcomes": "No outcomes are known: only who was flagged can be shown.",
    "limits.funnel": "Only counts per stage were available: who reached which stage.",
    "limits.withheld": (
        "Figures resting on fewer than {min_cell} people are withheld to protect privacy, "
        "for {groups}."
    ),
    "limits.withheld_cells": "{n} cells of the intersections",
    "limits.and_more": "{n} more groups",
    "limits.off": "Disclosure control was turned off: small counts may appear.",
    "limits.too_few": (
        "For {n} comparisons there are too few people to tell whether the group is treated "
        "differently."
    ),
    # ------------------------------------------------------------------ details
    "details.heading": "Details by group",
    "details.intro": (
        "Each attribute and intersection opens on a click. It shows the headline measures "
        "of every group with one chart per measure; results.csv holds every metric, "
        "difference and test."
    ),
    "details.reference": "Every group is compared with {reference}: {rule}.",
    "rule.largest": "the largest group",
    "rule.most_favourable": "the group with the most favourable value",
    "rule.named": "the reference group named in the configuration",
    "details.gist": "{count} groups",
    "details.more": (
        "{n} more comparisons are not clear (their interval includes 1) or rest on too few "
        "people: they are in the table."
    ),
    "details.at_top": "The chart of the {metric} is at the top of the report.",
    "details.not_charted": (
        "No chart of the {metric}: its bounds overlap for every group, so no difference "
        "can be shown; the bounds are in the table."
    ),
    "details.cells": (
        "{shown} of the {total} cells are shown: those whose confidence interval lies "
        "furthest from 1, beside the reference cell. Every cell is in results.csv."
    ),
    "details.table": "{name}: headline measures by group",
    "details.table_cells": "{name}: headline measures of the cells shown",
    "col.group": "Group",
    "col.measure": "Measure",
    "col.value": "Value",
    "col.ci": "{level} CI",
    "col.of": "Of",
    "col.ratio": "Ratio to reference",
    "col.ratio_ci": "{level} CI of the ratio",
    "col.p": "Adjusted p",
    "col.note": "Note",
    "cell.range": "{low} to {high}",
    "cell.suppressed": "suppressed",
    "cell.reference": "reference",
    "cell.estimated": "estimated {count}",
    "p.small": "< 0.001",
    # ------------------------------------------------------------------ the measure charts
    "chart.ratio": "{ratio}× {reference}",
    "chart.ratio_ci": "{ratio}× ({low} to {high})",
    "chart.ratio_range": "{low} to {high}× (range)",
    "chart.title_ratio": "{metric}: {group} {ratio} times as high as {reference} ({level} CI {low} to {high})",
    "chart.title_range": "{metric}: {group} between {low} and {high} times as high as {reference} (a range)",
    "chart.title_spread": "{metric} by {attribute}: highest for {top} ({top_value}), lowest for {low} ({low_value})",
    "chart.title_one": "{metric} by {attribute}: {value} for {group}",
    "chart.title_ranges": "{metric} by {attribute}: ranges only, not values",
    "chart.title_none": "{metric} by {attribute}: no value can be shown",
    "chart.axis": "{metric}: {plain}",
    "chart.reference": "(reference)",
    "chart.everyone": "everyone: {value}",
    "chart.range_why_unknown": "outcomes unknown",
    "chart.range_why_cells": "hidden or rounded cells",
    "chart.alt_point": "{group} {value} ({level} {low} to {high}{counts})",
    "chart.alt_range": "{group} between {low} and {high} (a range: {why})",
    "chart.alt_everyone": "; everyone {value}",
    "chart.counts": ", {numerator} of {denominator}",
    # ------------------------------------------------------------------ funnel
    "funnel.headline": (
        "{G} were {times} as likely as {r} to reach {stage}: {a} {g} against {b} {r}"
    ),
    "funnel.title": (
        "{share} of {group} reached {stage}, {ratio} times the share of {reference} "
        "({level} CI {low} to {high})"
    ),
    "funnel.title_none": "Share of each group of {attribute} reaching each stage: no disparity is clear",
    "funnel.table": "Funnel for {name}",
    "funnel.exact": "Shares and transitions are exact counts; intervals describe sampling uncertainty.",
    "funnel.ranged": (
        "Some counts were published suppressed or rounded ({how}): a share or transition "
        "built on them is the range over every funnel of whole numbers consistent with the "
        "published cells (from / to), with no interval or test; the other rows are exact "
        "counts, their intervals describing sampling uncertainty."
    ),
    "fcol.group": "Group",
    "fcol.stage": "Stage",
    "fcol.count": "People",
    "fcol.share_lower_bound": "Share from",
    "fcol.share_upper_bound": "Share to",
    "fcol.share": "Share of group",
    "fcol.transition": "From stage above",
    "fcol.share_ratio": "Share ratio",
    "fcol.share_ratio_ci_low": "CI low",
    "fcol.share_ratio_ci_high": "CI high",
    "fcol.note": "Note",
    # ------------------------------------------------------------------ scores
    "scores.heading": "Risk scores",
    "scores.intro": (
        "How the {score} is spread over the groups: how often a group is among the highest "
        "scores (the top decile of everyone starts at {score} ≥ {top}), how well the score "
        "matches the observed {outcome} for each group, and how the disparity changes with "
        "the threshold. {flagging} Built from the published tables: cells with too few "
        "people are blank and not drawn."
    ),
    "scores.flag_cutoff": "The audit flagged people with {score} ≥ {cutoff}.",
    "scores.flag_common": (
        "The flag was not derived from the score; the threshold charts mark {score} ≥ "
        "{cutoff}, which flags about as many people as were flagged."
    ),
    "scores.common_label": "flags about as many as the audit flagged",
    "scores.attribute": "{name}: {score}",
    "scores.summary_caption": (
        "{score} by {name}: distribution, AUC (people with a known outcome) and calibration "
        "gap (outcome rate minus the reference group's at the same score)"
    ),
    "scores.excess_caption": (
        "Share of each group of {name} at or above each cut, and the difference from "
        "everyone's share"
    ),
    "scores.what_if_heading": "What-if thresholds",
    "scores.what_if": (
        "For each group, the threshold at which its rate would come closest to everyone's "
        "rate at the common threshold. This is analysis of how unequal the score is, not a "
        "recommendation: group-specific thresholds would themselves treat people "
        "differently by a protected attribute."
    ),
    "scores.what_if_caption": "What-if thresholds (analysis, not a recommendation)",
    "scol.group": "Group",
    "scol.people": "People",
    "scol.mean": "Mean score",
    "scol.median": "Median",
    "scol.prob_higher": "Chance of scoring higher than reference",
    "scol.auc": "AUC",
    "scol.auc_ci_low": "AUC CI low",
    "scol.auc_ci_high": "AUC CI high",
    "scol.gap": "Calibration gap (points)",
    "scol.gap_ci_low": "Gap CI low",
    "scol.gap_ci_high": "Gap CI high",
    "scol.cut": "Cut",
    "scol.above": "At or above",
    "scol.share": "Share",
    "scol.share_ci_low": "CI low",
    "scol.share_ci_high": "CI high",
    "scol.excess_ci_low": "CI low",
    "scol.excess_ci_high": "CI high",
    "scol.odds_ratio_ci_low": "CI low",
    "scol.odds_ratio_ci_high": "CI high",
    "scol.relative_risk_ci_low": "CI low",
    "scol.relative_risk_ci_high": "CI high",
    "scol.marginal_relative_risk_ci_low": "CI low",
    "scol.marginal_relative_risk_ci_high": "CI high",
    "scol.overall_share": "Everyone",
    "scol.excess": "Excess (points)",
    "scol.p_adjusted": "Adjusted p",
    "scol.attribute": "Attribute",
    "scol.metric": "Rate",
    "scol.common_threshold": "Common threshold",
    "scol.rate_at_common": "Rate at common",
    "scol.target": "Everyone's rate",
    "scol.threshold_needed": "Threshold for that rate",
    "scol.rate_at_needed": "Rate there",
    "scol.note": "Note",
    "scol.term": "Term",
    "scol.reference_level": "Reference",
    "scol.coefficient": "Coefficient",
    "scol.std_error": "SE",
    "scol.odds_ratio": "Odds ratio",
    "scol.relative_risk": "Relative risk at the reference profile",
    "scol.marginal_relative_risk": "Standardised relative risk (everyone)",
    "scol.p_value": "p",
    "scol.suppressed": "suppressed",
    "scol.covariate": "covariate",
    # ------------------------------------------------------------------ adjusted
    "adjusted.heading": "Adjusted disparity",
    "adjusted.intro": (
        "Logistic regression of {decision} on {groups} and {covariates}, fitted to {used} "
        "records ({left_out} left out for a missing value). An odds ratio compares a "
        "group's odds with its reference level's at the same covariates; a relative risk is "
        "the same comparison as a ratio of probabilities, at the reference profile's "
        "probability ({baseline}) only. The standardised relative risk compares the model's "
        "average probability over everyone in the fit, all of them put in the group, with "
        "the same average all of them put in the reference level (delta-method interval): "
        "the comparison for the people audited, usually closer to 1. The covariates are "
        "treated as legitimate reasons for a difference; where a covariate itself reflects "
        "unequal treatment, adjusting for it hides part of the disparity."
    ),
    "adjusted.no_covariates": "no covariates",
    "adjusted.caption": "Regression of {decision}",
    "adjusted.summary": "Regression of {decision} on the protected attributes",
    # ------------------------------------------------------------------ dossier terms
    "shape.full labels": "Outcomes are known for everyone: every rate is a number, with its interval.",
    "shape.selective labels": (
        "Outcomes are known only for the people who were investigated (mostly "
        "the flagged). Hit rates (precision, false discovery rate) are measured "
        "among them. The false positive rate, false negative rate and base rate "
        "involve people nobody investigated: they are not identifiable and are "
        "shown as worst- and best-case bounds."
    ),
    "shape.partial labels": (
        "Outcomes are known for some people, flagged or not. Rates that involve "
        "the others are shown as worst- and best-case bounds."
    ),
    "shape.random audit sample": (
        "A random sample of everyone scored was investigated regardless of "
        "score. Error rates are estimated for the whole population from it, "
        "with bootstrap intervals; the assumptions are stated with every "
        "estimate."
    ),
    "shape.aggregated counts": (
        "Only a table of counts per group was available. Cells hidden or "
        "rounded by the source are intervals, so rates built on them are ranges "
        "over every table consistent with the published cells."
    ),
    "shape.no outcomes": "No outcomes are known: only decision rates can be shown.",
    "shape.funnel": "Counts per group at each stage of the process.",
    "interval.wilson": "Wilson score",
    "interval.clopper-pearson": "Clopper-Pearson exact",
    "interval.jeffreys": "Jeffreys",
    "correction.holm": "Holm's method",
    "correction.fdr_bh": "the Benjamini-Hochberg false discovery rate",
    "correction.none": "no correction",
    # ------------------------------------------------------------------ dossier
    "dossier.heading": "Audit dossier",
    "dossier.intro": (
        "For regulators and reviewers, in one printable section: the data and population, "
        "the labels and their limits, the methods, the tests and corrections, disclosure "
        "control, and the software and input checksums behind every number above."
    ),
    "dossier.data": "Data and row ledger",
    "dossier.source": "Data: {name} ({kind}, read with {engine})",
    "dossier.sha": "SHA-256 of the input: {sha}",
    "dossier.not_a_file": "not a file",
    "dossier.database": "Database: {version}",
    "dossier.server": "Server: {url}",
    "dossier.table": "Table: {table}",
    "dossier.query": "Query: {query}",
    "dossier.rows": "Rows read: {read}; analysed: {analysed}; excluded: {excluded}",
    "dossier.excluded": "Excluded {count} rows: {reason}",
    "dossier.note": "Note: {note}",
    "dossier.population": "Population",
    "dossier.population_caption": "People in each group",
    "dossier.people": "People",
    "dossier.attribute": "Attribute",
    "dossier.labels": "Labels and their limits",
    "dossier.shape": "Shape of the data: {shape}. {explained}",
    "dossier.flag_rule": "Flag rule: {rule}.",
    "dossier.group_labels": "Group labels used in this report: {labels}.",
    "dossier.can_show": "{metric}: {how}",
    "how.number": "a number",
    "how.mixed": "a number for some groups, bounds or ranges for others",
    "how.ranged": "bounds or ranges only",
    "how.none": "not available (undefined or suppressed)",
    "dossier.methods": "Methods and glossary",
    "dossier.methods_text": (
        "Rates get {interval} intervals; ratios get Katz log intervals and differences "
        "Newcombe intervals; each group is tested against its reference group on the "
        "metric's own denominator (Fisher exact or chi-square). Estimates from a random "
        "audit sample carry bootstrap intervals. TP, FP, FN, TN count people with a known "
        "outcome; n is everyone in the group. The 0.8 to 1.25 band in the charts is a "
        "reference, not a verdict."
    ),
    "dossier.glossary_caption": "Metrics in this report",
    "gcol.name": "Name",
    "gcol.label": "Label",
    "gcol.formula": "Formula",
    "gcol.plain": "In plain words",
    "dossier.tests": "Tests and corrections",
    "dossier.tests_text": (
        "{tests} group-versus-reference tests are published, at the {level} level. Their "
        "p-values are adjusted with {correction} across {family}. A disparity is called "
        "clear when its adjusted p-value is below {alpha} and its interval excludes 1; a "
        "group too small for the power analysis to detect its own ratio is too few to tell."
    ),
    "dossier.disclosure": "Disclosure control",
    "dossier.disclosure_on": (
        "Counts of 1 to {below} people are not published, nor any row that would let such a "
        "count be computed from the others (complementary suppression). {suppressed} rows "
        "of the results table were suppressed; they appear as blanks. {withheld}"
    ),
    "dossier.disclosure_off": (
        "Disclosure control was turned off (min_cell = 0): small counts may appear."
    ),
    "dossier.software": "Software and checksums",
    "dossier.versions": "Software: {versions}.",
    "dossier.config": "Configuration: {config}",
    "dossier.reproduce": (
        "The same input and configuration give the same numbers and files; manifest.json "
        "holds the configuration as given and the SHA-256 of every file written."
    ),
}

#: The catalogues by language code.
CATALOGUES: Mapping[str, Mapping[str, str]] = {"en": ENGLISH}


def has(key: str) -> bool:
    """Whether the catalogue has a message ``key`` (for keys built from data, such
    as a shape of data)."""
    return key in ENGLISH


def text(key: str, /, **fields: object) -> str:
    """The message ``key`` with its fields filled in.

    Raises
    ------
    KeyError
        ``key`` is not in the catalogue (a programming error, found by the tests).

    Examples
    --------
    >>> text("times.one", x="1.9")
    '1.9 times'
    """
    return ENGLISH[key].format(**fields) if fields else ENGLISH[key]
