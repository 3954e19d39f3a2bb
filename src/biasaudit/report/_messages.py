"""Every sentence, heading and label of the HTML report, in one catalogue.

The layout code asks for a message by key (:func:`text`) and never writes words of
its own, so that a second language is one more catalogue, not a change of layout.
Fields in braces are filled in by the caller, numbers formatted with :func:`fmt`.

The language is chosen for one rendering with :func:`language` (``with
language("nl"): ...``); a context variable carries it, so two reports rendered at
the same time in two threads or tasks keep their own. English is the default. The
Dutch catalogue is :mod:`._messages_nl`; a test checks that both have every key with
the same fields. The metric registry keeps its English labels and plain words
(:mod:`biasaudit.spec`); the catalogue holds them as ``metric.<name>.label`` and
``metric.<name>.plain`` (English read from the registry), so the glossary is
translated without a second registry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import string
from collections.abc import Iterator, Mapping
from contextvars import ContextVar

from ..audits import REPORT_LANGUAGES
from ..audits import check_language as _check
from ..spec import HARM_METRICS, METRICS, SAMPLE_METRICS, HarmSpec

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
    "harm.estimated": "an estimated {count}",
    "harm.between": "between {low} and {high}",
    "harm.bounds": (
        " (bounds over every table or filling-in of the unknown outcomes the data allow, "
        "not a confidence interval)."
    ),
    "harm.amount": "amount",
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
    # ------------------------------------------------------------------ page extras
    "funnel.stage": "'{stage}'",
    "dossier.family": "the published tests only (adjusted again after suppression)",
    "glossary.the_group": "the group",
    "date.months": (
        "January February March April May June July August September October November December"
    ),
    "date.format": "{day} {month} {year}, {time} UTC",
    "shapename.full labels": "full labels",
    "shapename.selective labels": "selective labels",
    "shapename.partial labels": "partial labels",
    "shapename.random audit sample": "random audit sample",
    "shapename.aggregated counts": "aggregated counts",
    "shapename.no outcomes": "no outcomes",
    "shapename.funnel": "funnel",
    # ------------------------------------------------------------------ withheld rows
    "withheld.off": "Nothing was withheld: disclosure control was turned off (min_cell = 0).",
    "withheld.nothing": "Nothing was withheld: no count of 1 to {below} people could be shown.",
    "withheld.sentence": "Withheld to protect people in small counts: {parts}.",
    "withheld.part": "{what} ({why})",
    "withheld.every_row": "every row of {who}",
    "withheld.every_row_but": "every row of {who} but the {kept}",
    "withheld.rates": "the {rates} of {who}",
    "withheld.small": "a count of 1 to {below} people",
    "withheld.reveal": "it would let such a count be computed",
    "withheld.everyone": "everyone",
    "group.everyone_else": "everyone else",
    "withheld.stage": "count at '{stage}'",
    "withheld.more": "{n} more",
    "withheld.more_rates": "{n} more rates",
    "withheld.more_groups": "rows of {n} more groups",
    # ------------------------------------------------------------------ score sentences
    "scores.of": "{share} of {people}",
    "scores.top_decile": (
        "Of {who}, {share} had a score in the top decile, against {everyone} of everyone "
        "({points} points, {level} CI {low} to {high})."
    ),
    "cut.top": "top decile",
    "cut.audit": "score >= {cutoff} (the audit's cut-off)",
    # ------------------------------------------------------------------ regression sentences
    "adjusted.sentence": (
        "{who} were {likely} than {reference} to get {decision} at the reference profile, "
        "where {baseline} did ({ci})"
    ),
    "adjusted.accounting": "After accounting for {covariates}, {sentence}",
    "adjusted.standardised": "; averaged over everyone in the data (standardised), {likely} ({ci})",
    "adjusted.more_likely": "{pct} more likely",
    "adjusted.less_likely": "{pct} less likely",
    "adjusted.ci": "{level} CI {low} to {high}",
    # ------------------------------------------------------------------ notes of the tables
    "note.not_identifiable": (
        "not identifiable: outcome unknown for {n_flagged} flagged and {n_unflagged} "
        "unflagged people; the bounds assume none of them / all of them committed fraud"
    ),
    "note.among_known": (
        "among the {n_known} flagged with a known outcome; {n_unknown} flagged have none: "
        "the bounds are for all {n_flagged} flagged, assuming none of them / all of them "
        "committed fraud"
    ),
    "note.outer_bounds": (
        " (outer bounds: the assumptions hold for each group on its own, and a bound may "
        "need a filling-in that a group of another attribute rules out)"
    ),
    "note.withheld": (
        "suppressed: a count of fewer than min_cell people, or a count that would reveal one"
    ),
    "note.reference_withheld": (
        "comparison suppressed: the reference group's counts are suppressed"
    ),
    "note.group_withheld": "suppressed: a group of this attribute has suppressed counts",
    "note.undefined": "undefined: {cells} is 0 for this group",
    "note.reference_zero": "reference value is 0: ratio undefined, see difference",
    "note.published": "suppressed when published ({why})",
    "note.why_primary": "primary",
    "note.why_complementary": "complementary",
    "note.transition_undefined": "transition undefined: nobody in this group reached '{stage}'",
    "note.reference_share_zero": "the reference group's share at '{stage}' is 0: ratio undefined",
    "note.flagged_unknown": "{n_people} flagged people have no known outcome",
    "note.unflagged_unknown": "{n_people} people who were not flagged have no known outcome",
    "note.no_outcome": "no outcome column: only decision-based metrics can be computed",
    "note.no_investigated_sample": (
        "no investigated column: the flagged and the random audit sample are counted as "
        "investigated"
    ),
    "note.no_investigated": "no investigated column: the flagged are counted as investigated",
    "note.auc_known": "AUC and calibration use the people whose outcome is known",
    "note.auc_investigated": " (the investigated only: the others are not in them)",
    "note.count_people": "score analyses count people, each row as its count",
    "note.no_weights": " (survey weights are not applied)",
    "note.count_records": "score analyses count records (weights are not applied)",
    "note.what_if": (
        "the what-if table is analysis of how unequal the score is, not a recommendation "
        "to use group-specific thresholds"
    ),
    "note.score_primary": (
        "withheld from the score tables: a count below min_cell (disclosure control)"
    ),
    "note.score_complementary": (
        "withheld from the score tables: publishing it would let a count below min_cell "
        "elsewhere be computed (complementary disclosure control)"
    ),
    # ------------------------------------------------------------------ words inside charts
    "chart.level": "{level} CI",
    "chart.points": "{points} points",
    "chart.na": "n/a",
    "chart.not_identifiable": "not identifiable",
    "chart.the_reference_group": "the reference group",
    "chart.ratio_axis": "{metric}: ratio to {reference} (log scale)",
    "chart.ratio_to": "ratio to {reference}",
    "chart.same_as": "1 = same as {reference}",
    "chart.ratio_head": "ratio ({level})",
    "chart.alt_reference": "{group} is the reference group",
    "chart.alt_times": "{group} {times} times",
    "chart.alt_times_ci": "{group} {times} times ({level} {low} to {high})",
    "chart.alt_times_range": "{group} between {low} and {high} times (a range)",
    "chart.no_upper": "no upper limit",
    "chart.side_range": "range {low} to {high}",
    "chart.cell_range": "range\n{low} to {high}",
    "chart.alt_band": " Shaded: the {band} band.",
    "chart.alt_ratios": (
        "Ratio of the {metric} of each group of {attribute} to that of {reference}: "
        "{values}.{band}"
    ),
    "chart.ci": " ({level} {low} to {high})",
    "chart.title_times": "{metric}: {group} {times} times as high as {reference}{ci}",
    "chart.title_times_range": (
        "{metric}: {group} between {low} and {high} times as high as {reference} (a range, "
        "from hidden or rounded cells)"
    ),
    "chart.title_no_ratio": "{metric} by {attribute}: no ratio to a reference group can be shown",
    "chart.title_heatmap": (
        "{metric} by {attribute}, as a ratio to {reference}: furthest from 1 for {group}, "
        "{times} times{ci}"
    ),
    "chart.alt_heatmap": (
        "{title}. Ratio of the {metric} of each group of {attribute} to {reference} "
        "({level} in brackets): {values}."
    ),
    "chart.title_cells": (
        "{metric} by {attribute}, the {shown} of {total} cells furthest from {reference}: "
        "{finding}"
    ),
    "chart.alt_cells": (
        "{title}. The cells shown are those whose {level} lies furthest from 1; every cell "
        "is in results.csv. {values}"
    ),
    "chart.alt_measure": "{title}. {metric} by {attribute} ({plain}): {values}",
    "chart.at_stage": "{group} at {stage}",
    "chart.funnel_axis": "share of the group reaching the stage ({level})",
    "chart.stage": "stage",
    "chart.and_more": "and {n} more",
    "chart.not_shown": "not shown (suppressed): {listed}",
    "chart.alt_funnel": "{title}. Share of each group of {attribute} reaching each stage: {values}.",
    "chart.percentiles": "{score}: 5th, 25th, 50th (marker), 75th, 95th percentile",
    "chart.too_few": "too few people to show: {groups}",
    "chart.title_median": (
        "Median {score} by {attribute}: highest for {top} ({top_value}), lowest for {low} "
        "({low_value})"
    ),
    "chart.alt_median": "{group}: median {median}, middle half {low} to {high}, {n} people",
    "chart.title_scores_none": "{score} by {attribute}: every group too small to show",
    "chart.alt_dataset": "Dataset {dataset}. {alt}",
    # ------------------------------------------------------------------ words inside score charts
    "score.everyone": "everyone",
    "score.everyone_share": "everyone {share}",
    "score.top": "top decile",
    "score.cutoff": "the audit's cut-off",
    "score.cut_title": "{cut} ({where}): {everyone}",
    "score.cut_alt": "{cut} ({where}, {everyone}): {values}",
    "score.ci_points": ", {level} {low} to {high} points",
    "score.alt_excess": "{group} {share} ({points} points{ci})",
    "score.excess_axis": (
        "share of the group at or above the cut minus everyone's share (percentage points)"
    ),
    "score.not_drawn": "Not drawn (suppressed): {groups}",
    "score.top_decile_of": "Top decile of {score}",
    "score.ci": ", {level} {low} to {high}",
    "score.title_excess": (
        "{decile}: {share} of {group} against {everyone} of everyone ({points} points{ci})"
    ),
    "score.title_excess_none": "{decile} by {attribute}: no group can be shown",
    "score.alt_excess_chart": (
        "{title}. Share of each group of {attribute} at or above each cut, and the "
        "difference from everyone's share in percentage points: {values}."
    ),
    "score.alt_bin": "mean score {mean} {rate}",
    "score.ci_paren": " ({level} {low} to {high})",
    "score.diagonal": "observed rate = score",
    "score.observed_axis": "observed rate of {outcome}",
    "score.bins_not_drawn": "Bins not drawn (suppressed) for {groups}",
    "score.bin_axis": "{score}: mean score of the bin",
    "score.title_calibration": (
        "Observed rate of {outcome} by {score} and {attribute}: {groups} groups, {bins} bins shown"
    ),
    "score.alt_calibration": (
        "{title}. Observed rate of {outcome} per {score} bin for each group of {attribute}: "
        "{values}."
    ),
    "score.ci_points_paren": " ({level} {low} to {high} points)",
    "score.title_gap_higher": (
        "At the same {score}, the observed rate of {outcome} was {points} points higher for "
        "{group} than for {reference}{ci}"
    ),
    "score.title_gap_lower": (
        "At the same {score}, the observed rate of {outcome} was {points} points lower for "
        "{group} than for {reference}{ci}"
    ),
    "score.at": "{ratio} at {threshold}",
    "score.ratio_axis": "ratio to {reference}\n(log scale)",
    "score.ratio_title": "{metric}: ratio to {reference}",
    "score.alt_ratios": "{metric}, ratio to {reference}: {values}",
    "score.flagged_axis": "share of everyone flagged",
    "score.cutoff_label": "audit's cut-off: {score} ≥ {cutoff}",
    "score.marked": " The dashed line marks the {label}.",
    "score.not_drawn_bounds": "Not drawn where suppressed or only bounds are known: {groups}",
    "score.no_error_rate": "No error rate is a number at two or more thresholds",
    "score.threshold_axis": "threshold: flag when {score} ≥ threshold",
    "score.threshold_head": "Flagging by {score} threshold and {attribute}",
    "score.title_threshold": (
        "{head}: {group} flagged {low} to {high} times as often as {reference} across the "
        "thresholds"
    ),
    "score.title_threshold_none": "{head}: no ratio to a reference group can be shown",
    "score.alt_threshold": "{title}.{marked} {values}.",
    "score.per_unit": "{variable} (per unit)",
    "score.term": "{variable} = {level}\n(vs {reference})",
    "score.rr": "Relative risk",
    "score.log_axis": "{name} ({level}, log scale)",
    "score.not_estimable": "not estimable",
    "score.alt_term": "{term}: odds ratio {odds}{ci}, relative risk {rr}{rci}",
    "score.or_rr": "OR · RR",
    "score.same_odds": "1 = same odds / risk as the reference level",
    "score.withheld_terms": "Not drawn (withheld by disclosure control): {terms}",
    "score.not_estimable_terms": "Not estimable, not drawn: {terms}",
    "score.alt_adjusted": (
        "{title}. Logistic regression of {decision} on {groups} and covariates, {records} "
        "records. {values}."
    ),
    "score.title_adjusted_none": "Adjusted odds of {decision}: no group term can be shown",
    "score.title_adjusted": (
        "Adjusted odds of {decision}: {variable} = {level} had {times} times the odds of "
        "{variable} = {reference}{ci}"
    ),
    # ------------------------------------------------------------------ did it change?
    "change.heading": "Did it change?",
    "change.intro": (
        "Periods ({column}): {periods}. Each period is compared with {versus}.{pooled} A "
        "disparity's change is the ratio of the two periods' ratios to the reference group "
        "(1: unchanged; below 1: the disparity shrank), with a log-scale interval (delta "
        "method) and a test whose p-values are adjusted across every change tested "
        "({correction}). A rate's own change is the later rate minus the earlier, in "
        "percentage points, with Newcombe's interval. Metrics tested: {tested}."
    ),
    "change.versus_previous": "the period before it",
    "change.versus_first": "the first ({first})",
    "change.pooled": (
        " The tables above show {pooled} and each period on its own; every comparison of a "
        "group with its reference group is within one period."
    ),
    "change.none_tested": "none (no ratio is defined in two periods)",
    "change.untested": "No change of a disparity could be tested.",
    "change.caption": (
        "Change between periods for {name} (rates and ratios to the reference group)"
    ),
    "change.sentence": "For {who} against {reference}, {moved}{ci}; {verdict}, adjusted p {p}.",
    "change.same": "the ratio of {rates} was {ratio} in both {a} and {b}",
    "change.fell": "the ratio of {rates} fell from {before} ({a}) to {after} ({b})",
    "change.rose": "the ratio of {rates} rose from {before} ({a}) to {after} ({b})",
    "change.ci": " (ratio of ratios {ratio}, {level} {low} to {high})",
    "change.unlikely": "the change is unlikely to be chance",
    "change.could": "the change could be chance",
    "change.p": "= {p}",
    "change.p_small": "< 0.001",
    "change.plural_of": "rate",
    "ccol.group": "Group",
    "ccol.metric": "Metric",
    "ccol.period_from": "From",
    "ccol.period_to": "To",
    "ccol.value_from": "Rate then",
    "ccol.value_to": "Rate now",
    "ccol.value_change": "Change (points)",
    "ccol.value_change_ci_low": "CI low",
    "ccol.value_change_ci_high": "CI high",
    "ccol.ratio_from": "Ratio then",
    "ccol.ratio_to": "Ratio now",
    "ccol.ratio_change": "Ratio of ratios",
    "ccol.ratio_change_ci_low": "CI low",
    "ccol.ratio_change_ci_high": "CI high",
    "ccol.p_adjusted": "Adjusted p",
    "trend.y_axis": "ratio to {reference} (log scale)",
    "trend.x_axis": "period ({level} whiskers)",
    "trend.in": "{ratio} in {period}",
    "trend.not_shown": "; not shown in {periods} (suppressed or undefined)",
    "trend.no_ratio": "no ratio shown",
    "trend.alt": (
        "{title}. Ratio of each group's {metric} to that of {reference}, per period "
        "({periods}): {values}."
    ),
    "trend.head": "{metric} ratio to {reference} by {attribute}, {first} to {last}",
    "trend.none": "{head}: no change can be shown",
    # ------------------------------------------------------------------ subgroups nobody named
    "discover.heading": "Subgroups nobody named",
    "discover.intro": (
        "Nobody named these groups in advance: biasaudit searched for them. The {rows} "
        "people analysed were split at random (seed {seed}) into two halves. On one "
        "({find_rows} people) it searched combinations of attributes and clusters of the "
        "model's inputs for the groups whose {metric} is furthest above everyone else's; on "
        "the other ({test_rows} people) it tested only what the first half found, so the "
        "search cannot make a finding by itself. {correction} correction over the {tested} "
        "subgroups tested keeps {controls} below {level}. Every number below is from the "
        "test half; a subgroup is its rule, applied as written (ranges are rounded outward "
        "to two significant digits). The search ran in memory on the records."
    ),
    "discover.holm": "Holm's",
    "discover.bh": "Benjamini and Hochberg's",
    "discover.controls_holm": "the chance of reporting any subgroup that is not worse off",
    "discover.controls_bh": "the expected share of reported subgroups that are not worse off",
    "discover.none": (
        "No subgroup's {metric} was significantly worse than everyone else's in the test half."
    ),
    "discover.caption": (
        "Subgroups tested: {metric} against everyone else in the test half ({level} "
        "confidence intervals)"
    ),
    "discover.outro": (
        "A subgroup that was tested but not reported shows its rule only: its numbers are "
        "not published (it was not shown to be worse off, nor shown to be fine). Every "
        "metric of each reported subgroup, with everyone else, is in discoveries.csv."
    ),
    "discover.sentence": (
        "{subgroup} ({rule}): {metric} {value} vs {everyone} for everyone else (ratio "
        "{ratio}{ci}; adjusted {p}; {n} people of the test half)"
    ),
    "discover.withheld": "{subgroup} ({rule}): reported; its counts are withheld",
    "discover.ci": ", {level} CI {low} to {high}",
    "discover.p": "p = {p}",
    "discover.p_small": "p < 0.001",
    "discover.yes": "yes",
    "discover.no": "no",
    "dcol.attribute": "Subgroup",
    "dcol.method": "Found by",
    "dcol.group": "Who (the rule)",
    "dcol.n": "People (test half)",
    "dcol.value": "Rate",
    "dcol.reference_value": "Everyone else",
    "dcol.ratio": "Ratio",
    "dcol.ratio_ci_low": "CI low",
    "dcol.ratio_ci_high": "CI high",
    "dcol.discovery_p_adjusted": "Adjusted p",
    "dcol.reported": "Reported",
    # ------------------------------------------------------------------ model probing
    "probe.title": "Model probing: {model}",
    "probe.heading": "Model probing",
    "probe.on_sample": "a sample of {drawn} of the {population} records of {name}",
    "probe.on_all": "{name} ({rows} records)",
    "probe.generated": (
        "Generated by biasaudit{when} on {what}. Probing runs the model on records in "
        "memory; it is not computed from counts."
    ),
    "probe.sample": "Sample: {note}",
    "probe.model": "Model: {kind}, {description}; SHA-256 {sha}; inputs: {inputs}.",
    "probe.no_file": "no file",
    "probe.every_column": "every column",
    "probe.note": "Note: {note}",
    "probe.flips_heading": "Attribute flips",
    "probe.flips_intro": (
        "Every record{of_sample} was scored as it is and with the attribute flipped, "
        "everything else unchanged. Flag rule: {threshold}; top k = {top_k}. Mean changes "
        "carry {level} paired t intervals and a Wilcoxon signed-rank test; flag changes "
        "Wilson intervals and McNemar's exact test. A flipped person's new rank is their "
        "flipped score's place among everyone else's actual scores."
    ),
    "probe.of_sample": " of the sample",
    "probe.flip_table": "Flip {flip}: score and flag changes by group",
    "probe.disclosure": (
        "Disclosure control: counts of 1 to {largest} people are not published, nor a group "
        "or count that would let one be computed from the others; {hidden} rows are "
        "withheld whole, and flag or top-k columns of others are blank where their counts "
        "are small."
    ),
    "probe.disclosure_off": "Disclosure control was turned off (min_cell = 0).",
    "probe.proxies_heading": "Proxies: which inputs stand in for a protected attribute",
    "probe.proxies_intro": (
        "Proxy strength: how well the feature alone predicts the attribute (AUC for an "
        "attribute with two groups, read in whichever direction is above 0.5; normalised "
        "mutual information otherwise), with {bootstrap} bootstrap resamples for the "
        "intervals. Influence: the feature's share of how much the inputs move the score. "
        "Ranked by strength x influence."
    ),
    "probe.proxy_table": "Proxies for {attribute}",
    "probe.profiles_heading": "Profiles",
    "probe.profiles_intro": (
        "Hand-written or generated profiles, not people in the data; each compared with "
        "the base profile {base}."
    ),
    "probe.say.rule_score": "flagged when the score is at least {value}",
    "probe.say.rule_top_k": "the {k} highest scores flagged",
    "probe.say.rule_top_k_scaled": (
        "the {k} highest scores flagged (scaled to {scaled} of the {scored} scored)"
    ),
    "probe.say.rule_top_fraction": "the top {percent}% of scores flagged",
    "probe.say.rule_top_fraction_default": (
        "the top {percent}% of scores flagged (the default: no threshold given)"
    ),
    "probe.say.flip_sample": "a seeded random sample of {scored} of {rows} records (seed {seed})",
    "probe.say.not_flipped": (
        "{flip}: {left} records whose {attribute} is not in the map (or missing) were not "
        "flipped and are left out of its rows"
    ),
    "probe.say.together": "{flip}: {columns} flipped together with {attribute}",
    "probe.say.proxy_many_values": (
        "proxy {feature} of {attribute}: {distinct} distinct values; not flipped"
    ),
    "probe.say.proxy_flip": (
        "proxy flip: {feature} set to {typical} (its most common value among {attribute} = "
        "{largest}, the largest group) for everyone with another value"
    ),
    "probe.say.proxy_sample": "a seeded random sample of {sampled} of {rows} records",
    "probe.say.proxy_left_out": (
        "{attribute}: {dropped} records with a missing value or in a group of fewer than "
        "{min_cell} people left out"
    ),
    "probe.say.profile_differs": (
        "Profile {name} ({mine}) scores {score} against {base_score} for {base} ({theirs}), "
        "otherwise identical."
    ),
    "probe.say.profile_same": (
        "Profile {name} is identical to {base} in every model input (score {score})."
    ),
    "probe.profiles_table": "Scores of the profiles",
    "probe.contributions_table": "Each variable's contribution",
    "pcol.attribute": "Attribute",
    "pcol.group": "Group",
    "pcol.n": "People flipped",
    "pcol.mean_score": "Mean score",
    "pcol.mean_flipped": "Mean score flipped",
    "pcol.mean_change": "Mean change",
    "pcol.change_ci_low": "CI low",
    "pcol.change_ci_high": "CI high",
    "pcol.p_value": "Wilcoxon p",
    "pcol.flag_up": "Newly flagged",
    "pcol.flag_up_share": "Share newly flagged",
    "pcol.flag_down": "No longer flagged",
    "pcol.flag_down_share": "Share no longer flagged",
    "pcol.mcnemar_p": "McNemar p",
    "pcol.mean_places_moved": "Mean places up",
    "pcol.into_top_k": "Into the top k",
    "pcol.note": "Note",
    "pcol.rank": "Rank",
    "pcol.feature": "Feature",
    "pcol.measure": "Proxy measure",
    "pcol.strength": "Strength",
    "pcol.strength_ci_low": "CI low",
    "pcol.strength_ci_high": "CI high",
    "pcol.influence_share": "Share of influence",
    "pcol.proxy_score": "Strength x influence",
    "pcol.profile": "Profile",
    "pcol.score": "Score",
    "pcol.base_score": "Base score",
    "pcol.difference": "Difference",
    "pcol.differs_in": "Differs in",
    "pcol.variable": "Variable",
    "pcol.value": "Value",
    "pcol.contribution": "Contribution",
    "pcol.method": "How",
    "pchart.everyone_flipped": "everyone flipped",
    "pchart.flip_axis": "mean change in the model's score when flipped",
    "pchart.flip_title": "Flipping {flip} changes the mean score of {shown}",
    "pchart.flip_value": "{group}: {mean} ({level} CI {low} to {high})",
    "pchart.proxy_axis": "proxy strength x share of the model's influence",
    "pchart.proxy_title": (
        "{feature} stands in for {attribute} most ({strength}, {share} of the model's influence)"
    ),
}


def _registry() -> dict[str, str]:
    """The registry's English label and plain words of every metric (and the words of
    its harm sentences), as messages."""
    out = {}
    for spec in [*METRICS.values(), *SAMPLE_METRICS.values(), *HARM_METRICS.values()]:
        out[f"metric.{spec.name}.label"] = spec.label
        out[f"metric.{spec.name}.plain"] = spec.plain
        if spec.frequency:  # the rate as a natural frequency, for harm sentences
            out[f"metric.{spec.name}.frequency"] = spec.frequency
        if isinstance(spec, HarmSpec):
            out[f"metric.{spec.name}.harm"] = spec.harm
    return out


ENGLISH = {**ENGLISH, **_registry()}

#: The languages a report can be written in, with their names (for error messages).
LANGUAGES: Mapping[str, str] = REPORT_LANGUAGES

_CURRENT: ContextVar[str] = ContextVar("biasaudit_report_language", default="en")


def catalogue(code: str) -> Mapping[str, str]:
    """The messages of language ``code`` (``"en"``, ``"nl"``)."""
    if code == "en":
        return ENGLISH
    from ._messages_nl import DUTCH

    return DUTCH


def check_language(code: object, key: str = "language") -> str:
    """``code`` when it names a report language, else a :class:`ConfigError` that lists
    the languages.

    Examples
    --------
    >>> check_language("nl")
    'nl'
    """
    return _check(code, key)


@contextlib.contextmanager
def language(code: str) -> Iterator[None]:
    """Write the messages and numbers asked for inside the block in ``code``.

    Examples
    --------
    >>> with language("nl"):
    ...     text("times.one", x=fmt(1.9, ".1f"))
    '1,9 keer'
    >>> text("times.one", x=fmt(1.9, ".1f"))
    '1.9 times'
    """
    token = _CURRENT.set(check_language(code))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_language() -> str:
    """The language messages are written in here (``"en"`` outside :func:`language`)."""
    return _CURRENT.get()


def has(key: str) -> bool:
    """Whether the catalogue has a message ``key`` (for keys built from data, such
    as a shape of data)."""
    return key in ENGLISH


def text(key: str, /, **fields: object) -> str:
    """The message ``key`` in the current language, with its fields filled in.

    Raises
    ------
    KeyError
        ``key`` is not in the catalogue (a programming error, found by the tests).

    Examples
    --------
    >>> text("times.one", x="1.9")
    '1.9 times'
    """
    message = catalogue(_CURRENT.get())[key]
    return message.format(**fields) if fields else message


def fields(message: str) -> set[str]:
    """The names of the fields of a message.

    Examples
    --------
    >>> sorted(fields("{a} of every {base}"))
    ['a', 'base']
    """
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def fmt(x: float, spec: str = ",") -> str:
    """A number formatted with Python's format ``spec`` (``",.1f"``, ``".0%"``,
    ``"+.1f"``, ...), with the current language's decimal and thousands separators.

    The digits are Python's in every language (so a Dutch report rounds exactly as
    the English one); only the separators change: ``3,2`` and ``1.000`` in Dutch.

    Examples
    --------
    >>> with language("nl"):
    ...     fmt(1234.5, ",.1f"), fmt(0.196, ".1%"), fmt(1000, ",")
    ('1.234,5', '19,6%', '1.000')
    """
    shown = format(x, spec)
    if _CURRENT.get() == "nl":
        return shown.translate(_SWAP)
    return shown


_SWAP = str.maketrans(",.", ".,")


def label(name: str) -> str:
    """The label of metric ``name`` (``"Selection rate"``), in the current language."""
    from ..spec import metric

    return text(f"metric.{metric(name).name}.label")


def plain(name: str, group: str | None = None) -> str:
    """The plain words of metric ``name`` about ``group`` (default: "the group")."""
    from ..spec import metric

    message = text(f"metric.{metric(name).name}.plain")
    return message.format(group=group if group is not None else text("glossary.the_group"))


def date(when: dt.datetime) -> str:
    """A moment as the report writes it, e.g. ``1 March 2024, 12:00 UTC``."""
    months = text("date.months").split()
    return text(
        "date.format",
        day=when.day,
        month=months[when.month - 1],
        year=when.year,
        time=when.strftime("%H:%M"),
    )
