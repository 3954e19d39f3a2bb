"""The audit entry point and its result."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import html
import json
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._exceptions import ConfigError, Problem, UndefinedRateWarning
from .._progress import step
from ..counts import Aggregation, CountTable, Ledger, ScoreHistogram, aggregate, count_table
from ..disclosure import (
    follow_references,
    mark_results,
    mark_sample,
    mark_terms,
    p_adjusted_family,
    publish,
    publish_changes,
    publish_summaries,
    quantile_minimum,
)
from ..io import (
    LINKED,
    Link,
    Records,
    Source,
    as_link,
    database_errors,
    link_records,
    open_records,
    spark_errors,
)
from ..metrics import ASSUMPTIONS, compute_metrics, estimate_table
from ..spec import (
    HARM_METRICS,
    METRICS,
    REST_GROUP,
    SAMPLE_METRICS,
    Assumptions,
    AuditSpec,
    ChangeOptions,
    Codes,
    HarmOptions,
    HarmSpec,
    Population,
    Roles,
    SampleDesign,
    Threshold,
    harm_metrics,
    make_spec,
    metric,
)
from ..stats import SUMMARY_COLUMNS, AdjustedDisparity, attribute_summaries, fit_adjusted
from ._change import ChangeAnalysis
from ._period_audit import audit_periods, withhold_terms
from ._result import PublishedResult
from ._score_audit import ScoreAnalysis, analyse_scores

if TYPE_CHECKING:
    from ..discover import Discoveries

RESTRICTED_WARNING = (
    "RESTRICTED: contains counts of fewer than min_cell people; for the auditor's own use, "
    "not for publication"
)
_RULES = ("largest", "most_favourable")  # reference rules, not group names


@dataclasses.dataclass(frozen=True)
class AuditResult(PublishedResult):
    """What an audit found.

    Attributes
    ----------
    table : pandas.DataFrame
        The tidy results, every value (the auditor's view): one row per attribute x
        group x metric, with the columns of :data:`biasaudit.TABLE_COLUMNS` (value and
        interval, worst/best-case bounds, numerator and denominator, comparison with
        the reference group with intervals, test and p-values, detectable ratio,
        ``suppressed`` and a note). :meth:`published_table` is what may be published.
    counts : CountTable
        Per-group counts every metric was computed from.
    ledger : Ledger
        Rows read, analysed and excluded (with reasons).
    source : Source
        Where the data came from (file name, sha256, engine).
    spec : AuditSpec
        What was asked.
    references : dict
        Reference rule or group per attribute.
    data_shape : str
        ``"full labels"``, ``"selective labels"``, ``"partial labels"``,
        ``"random audit sample"`` or ``"no outcomes"``.
    flag_rule : str or None
        How ``flagged`` was derived from the score, when it was.
    scores : ScoreHistogram or None
        People per attribute, group and score bin, when a score is given
        (``scores.quantiles()`` for medians and percentiles per group).
    estimated : tuple of str
        Metrics whose uncertainty the table itself carries (estimates from a random
        audit sample, with bootstrap intervals; ranges from an aggregated table):
        left out of :attr:`summaries`.
    score_analysis : ScoreAnalysis or None
        With a score (records audits without a random sample): distributions,
        deciles, excess shares, AUC, calibration, threshold sweep and what-if tables.
    adjusted : AdjustedDisparity or None
        The regression-adjusted disparity, when ``regression`` was asked for.
    discoveries : Discoveries or None
        Subgroups found and tested on halves of the records, when ``discover`` was
        asked for (:meth:`discover` runs one without changing the result).
    summaries : pandas.DataFrame
        Per attribute and metric: the largest ratio and the largest difference to the
        reference group, with bootstrap intervals (BCa in ``ci_low``/``ci_high``,
        percentile beside them); per dataset, in a leading ``dataset`` column, when
        the table holds several.
    change : ChangeAnalysis or None
        With a period role (or an aggregated table of several datasets): the periods
        and the change table (each group's rate and each disparity, earlier vs later
        period, with intervals and adjusted p-values). :meth:`published_changes` is
        what may be published.
    """

    table: pd.DataFrame
    counts: CountTable
    ledger: Ledger
    source: Source
    spec: AuditSpec
    references: dict[str, str]
    data_shape: str
    flag_rule: str | None = None
    estimated: tuple[str, ...] = ()
    scores: ScoreHistogram | None = None
    score_analysis: ScoreAnalysis | None = None
    adjusted: AdjustedDisparity | None = None
    discoveries: Discoveries | None = None
    change: ChangeAnalysis | None = None

    @functools.cached_property
    def summaries(self) -> pd.DataFrame:
        """Largest ratio and difference per attribute and metric, bootstrapped.

        Computed on first use (the bootstrap is the slowest step of an audit).
        Metrics estimated from a random audit sample carry their own bootstrap
        intervals in :attr:`table` and are left out here.
        """
        table = self.table[~self.table["metric"].isin(self.estimated)]
        specs = [metric(m) for m in table["metric"].drop_duplicates()]
        if "dataset" not in table.columns:
            return attribute_summaries(table, self.counts, specs, self.spec.stats)
        # several datasets (aggregated counts): each is summarised on its own
        parts = [pd.DataFrame(columns=["dataset", *SUMMARY_COLUMNS])]
        per_period = self.change.counts if self.change is not None else {}
        for name, part in table.groupby("dataset", sort=False):
            out = attribute_summaries(
                part.drop(columns="dataset"),
                per_period.get(name, self.counts),
                specs,
                self.spec.stats,
                stream=name,
            )
            parts.append(out.assign(dataset=name)[["dataset", *SUMMARY_COLUMNS]])
        return pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)

    def discover(
        self,
        records: Any,
        *,
        link: Link | Mapping[str, Any] | None = None,
        engine: str | None = None,
        sheet: str | int | None = None,
        **options: Any,
    ) -> Discoveries:
        """Find the subgroups hit hardest, on the records this audit was run on.

        The records are split in two halves (seeded): one is searched, by combinations
        of ``attributes`` up to ``depth`` and by bias-aware clustering on ``features``;
        the other tests what was found, with this audit's metrics, intervals, tests and
        disclosure control, Holm (or Benjamini-Hochberg) over the subgroups tested.
        Runs in memory. Options as the ``[discover]`` section: ``attributes``,
        ``features``, ``depth``, ``min_size``, ``metric``, ``max_groups``,
        ``correction``, ``level``, ``seed``, ``max_splits``, ``max_rows``.

        Returns
        -------
        Discoveries
            ``.table`` (every value), ``.published()``, ``.reported()``,
            ``.sentences()``.

        Raises
        ------
        ConfigError
            Invalid options, unknown columns, ``min_size`` larger than the find half,
            or an audit of aggregated counts (discovery needs records).

        Examples
        --------
        Women aged 18-29 who are single parents are flagged at 30%, everyone else at 10%:

        >>> import biasaudit
        >>> from biasaudit.synthetic import planted_records
        >>> records = planted_records(12_000, seed=3, plant=("attributes",))
        >>> result = biasaudit.audit(records, roles={"flagged": "flagged"}, groups=["gender"])
        >>> found = result.discover(records, attributes=["gender", "age_band", "household"])
        >>> found.reported()["group"].iloc[0]
        'gender = F and age_band = 18-29 and household = single parent'
        """
        from ._discover_audit import discover_for

        return discover_for(self, records, options, link=as_link(link), engine=engine, sheet=sheet)

    def plot(self, kind: str, attribute: str | None = None, metric: str | None = None) -> Any:
        """One chart of the report as a figure (for notebooks).

        ``kind``: ``"disparity"``, ``"rates"``, ``"burden"``, ``"heatmap"`` (an
        intersection) or ``"scores"`` (score distributions, when a score is given).
        With a score: ``"deciles"`` (each group's share per score decile),
        ``"excess"`` (share in the top decile minus everyone's), ``"calibration"``
        (observed outcome rate per score bin) and ``"thresholds"`` (ratios to the
        reference group across the threshold sweep; ``metric`` picks the error rate).
        With ``regression``: ``"adjusted"`` (odds ratios and relative risks; an
        ``attribute`` keeps only its terms). With a period role: ``"trend"`` (each
        group's ratio to the reference group, period by period); the other kinds show
        all periods together. Drawn from the published tables.
        """
        from ..report._charts import plot, score_chart  # the chart layer sits above this one
        from ..report._score_charts import (
            adjusted_chart,
            calibration_chart,
            decile_chart,
            excess_chart,
            threshold_chart,
        )

        name = self.spec.roles.score or "score"
        if kind == "adjusted":
            if self.adjusted is None:
                raise ValueError("kind='adjusted' needs regression=... Got no regression.")
            only = None if attribute is None else [attribute]
            groups = self.spec.attributes
            return adjusted_chart(self.adjusted, groups=groups, variables=only).figure
        if attribute is None:
            raise ValueError(f"kind={kind!r} needs an attribute. Got None.")
        analysis = self.score_analysis
        if kind in ("deciles", "excess", "calibration", "thresholds"):
            if analysis is None:
                raise ValueError(f"kind={kind!r} needs roles.score. Got no score column.")
            if kind == "deciles":
                chart = decile_chart(analysis.published("deciles"), attribute, score_name=name)
            elif kind == "excess":
                confidence = self.spec.stats.confidence
                table = analysis.published("excess")
                chart = excess_chart(table, attribute, score_name=name, confidence=confidence)
            elif kind == "calibration":
                chart = calibration_chart(
                    analysis.published("calibration"),
                    attribute,
                    gap=analysis.published("calibration_gap"),
                    score_name=name,
                    outcome_name=self.spec.roles.outcome or "the outcome",
                    confidence=self.spec.stats.confidence,
                )
            else:
                chart = threshold_chart(
                    analysis.published("sweep"),
                    attribute,
                    cutoff=analysis.cutoff,
                    metric=metric,
                    score_name=name,
                )
            return chart.figure
        if kind == "scores":
            if self.scores is None:
                raise ValueError("kind='scores' needs roles.score. Got no score column.")
            minimum = quantile_minimum(self.spec.stats.min_cell)
            chart = score_chart(
                self.scores.quantiles(), attribute, min_people=minimum, score_name=name
            )
            return chart.figure
        table = self.published_table()
        if kind == "trend" or self.change is not None:
            from ..report._change_report import plot_change  # the chart layer sits above

            return plot_change(self, table, kind, attribute, metric)
        return plot(table, kind, attribute, metric)

    def metric(self, name: str, attribute: str | None = None) -> pd.DataFrame:
        """Rows of the table for one metric (and attribute), as a new frame."""
        rows = self.table[self.table["metric"] == name]
        if attribute is not None:
            rows = rows[rows["attribute"] == attribute]
        return rows.reset_index(drop=True)

    def published_table(self) -> pd.DataFrame:
        """The table as it may be published: rows marked ``suppressed`` are blanked."""
        return publish(self.table, correction=self.spec.stats.correction)

    def published_changes(self) -> pd.DataFrame:
        """The change table as it may be published (empty without periods): rows of a
        withheld group blanked, ratio changes of a withheld reference group blanked."""
        if self.change is None:
            from ..metrics import CHANGE_COLUMNS

            return pd.DataFrame(columns=CHANGE_COLUMNS)
        correction = self.spec.stats.correction
        return publish_changes(self.change.table, self.table, correction=correction)

    def published_summaries(self) -> pd.DataFrame:
        """The summaries as they may be published: blank where any group is suppressed."""
        return publish_summaries(self.summaries, self.table)

    def to_dict(self, *, restricted: bool = False) -> dict[str, Any]:
        """The results as plain Python objects (NaN becomes None).

        Suppressed rows are blanked unless ``restricted``.
        """
        table = self._output_table(restricted)
        summaries = self.summaries if restricted else self.published_summaries()
        rows = json.loads(table.to_json(orient="records", double_precision=15))
        out: dict[str, Any] = {
            "disclosure": {
                "mode": "restricted" if restricted else "public",
                "min_cell": self.spec.stats.min_cell,
                "rows_suppressed": int(self.table["suppressed"].sum()),
                "warning": RESTRICTED_WARNING if restricted else "",
                "p_adjusted_family": p_adjusted_family(restricted),
            },
            "data_shape": self.data_shape,
            "flag_rule": self.flag_rule,
            "references": self.references,
            "row_ledger": self.ledger.to_dict(),
            "columns": list(table.columns),
            "results": rows,
            "summaries": json.loads(summaries.to_json(orient="records", double_precision=15)),
        }
        if self.change is not None:  # audits by period only: other files stay as they were
            changes = self.change.table if restricted else self.published_changes()
            out["periods"] = {
                "column": self.change.column,
                "periods": list(self.change.periods),
                "compare": self.change.compare,
            }
            out["changes"] = json.loads(changes.to_json(orient="records", double_precision=15))
        return out

    def summary(self) -> pd.DataFrame:
        """Wide view: one row per attribute x group (per dataset when there are
        several), one column per metric value."""
        index = [c for c in ("dataset", "attribute", "group") if c in self.table]
        keys = pd.MultiIndex.from_frame(self.table[index].drop_duplicates())
        wide = self.table.pivot(index=index, columns="metric", values="value")
        return wide.reindex(keys)[list(self.table["metric"].unique())]

    def __repr__(self) -> str:
        led = self.ledger
        head = (
            f"AuditResult({self.source.name}: {led.rows_analysed:,} of {led.rows_read:,} rows "
            f"analysed; {self.data_shape}; attributes {', '.join(self.counts.attributes())})"
        )
        with pd.option_context("display.width", 120, "display.max_columns", 12):
            return f"{head}\n{self._view_note()}\n{self.summary().round(4).to_string()}"

    def _view_note(self) -> str:
        hidden = int(self.table["suppressed"].sum())
        if not hidden:
            return "values: every value (nothing to suppress)"
        return (
            f"values: every value, the auditor's view; published outputs suppress {hidden:,} "
            f"rows (counts below min_cell = {self.spec.stats.min_cell})"
        )

    def _repr_html_(self) -> str:
        led = self.ledger
        caption = html.escape(
            f"{self.source.name}: {led.rows_analysed:,} of {led.rows_read:,} rows analysed; "
            f"{self.data_shape}"
        )
        body = self.summary().to_html(
            float_format=lambda x: f"{x:.3f}", na_rep="NaN", escape=True, border=0
        )
        note = html.escape(self._view_note())
        return f"<p><strong>biasaudit</strong> {caption}<br><em>{note}</em></p>{body}"


def data_shape(counts: CountTable) -> str:
    """Classify the labels: full, selective (only the flagged), partial or none."""
    t = counts.overall
    labelled = t["tp"] + t["fp"] + t["fn"] + t["tn"]
    if labelled == 0:
        return "no outcomes"
    if t["flagged_unlabelled"] + t["unflagged_unlabelled"] == 0:  # exact, even when weighted
        return "full labels"
    if t["fn"] + t["tn"] == 0:
        return "selective labels"
    return "partial labels"


def audit(
    records: Any,
    *,
    roles: Roles | Mapping[str, str],
    groups: Sequence[str] | str,
    intersections: Sequence[Sequence[str]] = (),
    codes: Codes | Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    threshold: Threshold | Mapping[str, float] | None = None,
    missing: str = "as_group",
    reference: Mapping[str, str] | None = None,
    metrics: Sequence[str] | None = None,
    engine: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    max_groups: int = 100,
    confidence: float = 0.95,
    interval: str = "wilson",
    correction: str = "holm",
    min_cell: int = 10,
    bootstrap_samples: int = 2000,
    seed: int = 0,
    assumptions: Assumptions | Mapping[str, Any] | None = None,
    population: Population | Mapping[str, Any] | None = None,
    scores: Mapping[str, Any] | None = None,
    regression: Mapping[str, Any] | None = None,
    link: Link | Mapping[str, Any] | None = None,
    sample: SampleDesign | Mapping[str, Any] | None = None,
    discover: Mapping[str, Any] | None = None,
    change: ChangeOptions | Mapping[str, Any] | None = None,
    harm: HarmOptions | Mapping[str, Any] | None = None,
) -> AuditResult:
    """Audit decision records for group disparities and false-accusation rates.

    Parameters
    ----------
    records : path or dataframe
        Decision records: a file (.csv .tsv .parquet .xlsx .jsonl), a pandas,
        Polars, PyArrow or DuckDB table, or an Ibis table (a table or query in a SQL
        database, e.g. ``ibis.postgres.connect(...).table("decisions")``: only the
        aggregation query runs there, no row is fetched). Never modified.
    roles : Roles or mapping
        Column names per role: ``flagged``, ``outcome``, ``investigated``,
        ``score``, ``id``, ``weight``, ``sample`` (random audit sample), ``count``,
        ``period`` (or ``version``: a year, a model version, before / after a rule
        change; each period is audited on its own and all together, with a test of
        whether each disparity changed: ``result.change``), ``amount`` (an amount each
        person bore: harm counts are also given in it).
    groups : sequence of str
        Protected attributes (columns), each audited on its own.
    intersections : sequence of sequences, optional
        Combinations of attributes to audit together; empty cells are kept.
    codes : Codes or mapping, optional
        Raw values per role, e.g. ``{"outcome": {"yes": ["Errors Found"],
        "no": ["No Errors Found"], "unknown": [""]}}``. Default: yes/no, 1/0, true/false.
    threshold : Threshold or mapping, optional
        Derive ``flagged`` from ``score``: ``score_at_least``, ``top_k`` or
        ``top_fraction``.
    missing : {"as_group", "drop", "error"}, default="as_group"
        Missing protected values: an explicit ``(missing)`` group, excluded (and
        counted in the row ledger), or an error.
    reference : mapping, optional
        Reference group per attribute: a group name, ``"largest"`` (default),
        ``"most_favourable"`` or ``"rest"`` (each group compared with everyone not in
        it, ``reference_group`` ``"(everyone else)"``).
    metrics : sequence of str, optional
        Registry names; default all (decision metrics only without outcomes) and the
        harm counts (:data:`biasaudit.HARM_METRICS`).
    engine : {"pandas", "polars", "pyarrow", "duckdb", "spark"}, optional
        How to read a file (default pandas; DuckDB for files larger than memory;
        Spark for Parquet or CSV in a Spark session). A PySpark DataFrame passed as
        ``records`` is counted in its own session.
    sheet, delimiter, encoding : optional
        File-reading options (detected when not given).
    max_groups : int, default=100
        More distinct values than this in an attribute is an error.
    confidence : float, default=0.95
        Level of every interval (tests at ``1 - confidence``).
    interval : {"wilson", "clopper-pearson", "jeffreys"}, default="wilson"
        Interval for rates (Kish's effective n when weighted).
    correction : {"holm", "fdr_bh", "none"}, default="holm"
        Multiple-comparison adjustment of p-values across the audit.
    min_cell : int, default=10
        Disclosure control for published outputs: counts from 1 to ``min_cell - 1``
        are suppressed, with complementary suppression (0 turns it off).
    bootstrap_samples : int, default=2000
        Resamples for the bootstrap intervals of per-attribute summaries.
    seed : int, default=0
        Seed of the bootstrap.
    assumptions : Assumptions or mapping, optional
        Narrower bounds for rates that selective labels leave unidentified:
        ``unlabelled_fraud_rate`` = (low, high), ``max_base_rate``,
        ``min_base_rate``.
    population : Population or mapping, optional
        With a ``sample`` role and records of only the investigated cases: the
        number of people scored (``total``) and, optionally, group sizes.
    link : Link or mapping, optional
        Protected attributes kept in another table, joined on an id:
        ``{"data": "attributes.csv", "on": "id"}`` (or ``on=("case_id",
        "person_id")`` when the names differ). Decisions whose id is not in that
        table are excluded with the reason in the row ledger; attribute rows without
        a decision are noted; an id that appears twice there is an error.
    sample : SampleDesign or mapping, optional
        With a ``sample`` role: whom the random audit sample was drawn from,
        ``{"drawn_from": "unflagged"}`` (default) or ``{"drawn_from": "everyone"}``
        (the sampled people's flags unknown or not used).
    discover : mapping, optional
        Also find the subgroups hit hardest (:meth:`AuditResult.discover`; the options
        of the ``[discover]`` section), as ``result.discoveries``.
    change : ChangeOptions or mapping, optional
        With a ``period`` role: the periods' ``order`` (default: natural order of the
        labels, which must then hold numbers or dates), ``compare`` (``"previous"``,
        the default, or ``"first"``) and the ``metrics`` tested for a change (default
        the headline metrics).
    harm : HarmOptions or mapping, optional
        How harm counts are told: ``{"decision": "benefit"}`` for a decision that is a
        benefit (the shortfall instead of the excess counts), ``{"amount_label":
        "euros reclaimed"}`` for the amount role's sentences.

    Returns
    -------
    AuditResult

    Raises
    ------
    ConfigError
        Invalid options (every problem listed).
    RecordsError
        Problems in the data (every problem listed, with column, row and value).

    Examples
    --------
    >>> import pandas as pd, biasaudit
    >>> df = pd.DataFrame({
    ...     "sex": ["F", "F", "F", "F", "M", "M", "M", "M"],
    ...     "flag": [1, 1, 1, 0, 1, 0, 0, 0],
    ...     "fraud": [0, 0, 1, 0, 0, 0, 0, 1],
    ... })
    >>> result = biasaudit.audit(df, roles={"flagged": "flag", "outcome": "fraud"},
    ...                          groups=["sex"], reference={"sex": "M"})
    >>> fpr = result.metric("false_positive_rate", "sex")
    >>> for row in fpr.itertuples():  # innocent F: 2 of 3 flagged; innocent M: 1 of 3
    ...     print(row.group, round(row.value, 3), round(row.ratio, 2))
    F 0.667 2.0
    M 0.333 1.0
    """
    spec = make_spec(
        roles=roles,
        groups=groups,
        intersections=intersections,
        codes=codes,
        threshold=threshold,
        missing=missing,
        reference=reference,
        max_groups=max_groups,
        stats={
            "confidence": confidence,
            "interval": interval,
            "correction": correction,
            "min_cell": min_cell,
            "bootstrap_samples": bootstrap_samples,
            "seed": seed,
        },
        assumptions=assumptions,
        population=population,
        scores=scores,
        regression=regression,
        sample=sample,
        change=change,
        harm=harm,
    )
    if change is not None and spec.roles.period is None:
        raise ConfigError(
            [
                Problem(
                    "change: compares periods; name the period column, e.g. "
                    'roles={"period": "year", ...}, or leave change out',
                    column="change",
                    reason="missing_key",
                )
            ]
        )
    read = {"engine": engine, "sheet": sheet, "delimiter": delimiter, "encoding": encoding}
    if discover is not None:
        from ._discover_audit import audit_and_discover

        return audit_and_discover(
            records,
            spec,
            discover,
            run_audit=run_audit,
            link=as_link(link),
            metrics=metrics,
            **read,
        )
    opened = open_spec_records(records, spec, link=as_link(link), **read)
    return run_audit(opened, spec, metrics=metrics)


def open_spec_records(
    records: Any, spec: AuditSpec, *, link: Link | None = None, **options: Any
) -> Records:
    """Open ``records`` reading only the columns ``spec`` needs (joining the
    attribute table ``link`` on its id when given)."""
    text = [c for r, c in spec.roles.items() if r not in ("score", "weight", "count", "amount")]
    if spec.regression is not None:
        model = spec.regression
        text += [c for c in model.columns if c not in model.numeric]
    text += spec.attributes
    if link is None:
        return open_records(records, columns=spec.columns, text_columns=text, **options)
    key = link.keys[0]
    opened = open_records(
        records, columns=[*spec.columns, key], text_columns=[*text, key], **options
    )
    return link_records(opened, link, columns=spec.columns, text_columns=text)


def run_audit(
    records: Records, spec: AuditSpec, *, metrics: Sequence[str] | None = None
) -> AuditResult:
    """Aggregate opened records once and compute every metric."""
    with database_errors(records):  # a database's own error, as a named problem
        return _run_audit(records, spec, metrics)


def _run_audit(records: Records, spec: AuditSpec, metrics: Sequence[str] | None) -> AuditResult:
    _check_metrics(metrics, spec)
    with step("reading and counting the records"), spark_errors("to count the records"):
        agg = aggregate(records, spec)
    if spec.roles.sample is not None:
        with step("estimates from the random audit sample (bootstrap)"):
            return _sample_audit(records, spec, agg, metrics)
    change = None
    if spec.roles.period is not None:  # each period, all together, and what changed
        table, references, change = audit_periods(agg, spec, metrics)
        pooled = table[table["dataset"] == change.pooled].drop(columns="dataset")
    else:
        with step("rates, intervals and tests"):
            table, references = compute_metrics(
                agg.counts,
                metrics=metrics,
                reference=spec.reference,
                options=spec.stats,
                assumptions=spec.assumptions,
                decision=spec.harm.decision,
            )
        with step("disclosure control"):
            _suppress(table, agg.counts, spec)
        pooled = table
    analysis = None
    if agg.scores is not None:
        with step("score analyses"):
            analysis = analyse_scores(
                agg.scores,
                spec,
                reference_groups(pooled),
                metrics=metrics,
                cutoff=agg.cutoff,
                flagged=float(agg.counts.overall["flagged"]),
                withheld=_withheld_levels(pooled),
            )
    with step("adjusted comparison") if spec.regression else contextlib.nullcontext():
        adjusted = _adjusted(records, spec)
    if adjusted is not None and change is not None:
        adjusted = withhold_terms(adjusted, _withheld_levels(pooled))
    return AuditResult(
        table=table,
        counts=agg.counts,
        ledger=agg.ledger,
        source=records.source,
        spec=spec,
        references=references,
        data_shape=data_shape(agg.counts),
        flag_rule=agg.flag_rule,
        scores=None if agg.scores is None else agg.scores.histogram(),
        score_analysis=analysis,
        adjusted=adjusted,
        change=change,
    )


def reference_groups(table: pd.DataFrame) -> dict[str, str]:
    """The reference group of each attribute (of its selection-rate rows when there);
    none for an attribute compared one-vs-rest (each group has its own complement)."""
    rows = table.sort_values("metric", key=lambda m: m != "selection_rate", kind="stable")
    rows = rows.drop_duplicates("attribute")
    return {
        a: g
        for a, g in zip(rows["attribute"], rows["reference_group"], strict=True)
        if g and g != REST_GROUP
    }


def _adjusted(records: Records, spec: AuditSpec) -> AdjustedDisparity | None:
    """The regression the spec asks for, on the same opened records."""
    model = spec.regression
    if model is None:
        return None
    decision = model.decision or spec.roles.flagged
    assert decision is not None  # make_spec insists on one
    positive = list(model.positive) or [
        k for k, v in spec.codes.lookup("flagged").items() if v == 1 and k is not None
    ]
    frame = records.frame
    if records.link is not None:  # only the decisions that found their attributes
        frame = frame.filter(~nw.col(LINKED).is_null())
    with spark_errors("to count the records for the adjusted comparison"):
        fit = fit_adjusted(
            frame,
            decision=decision,
            positive=positive,
            groups=spec.attributes,
            covariates=model.covariates,
            numeric=model.numeric,
            reference={a: g for a, g in spec.reference.items() if g not in _RULES},
            confidence=spec.stats.confidence,
            decision_label=model.label,
        )
    marked = mark_terms(fit.table, fit.rows_used, spec.stats.min_cell)
    return dataclasses.replace(fit, table=marked)


def _withheld_levels(table: pd.DataFrame) -> dict[tuple[str, str], int]:
    """What the results table withholds of each group: 2 its decision counts (and so
    everything), 1 only its outcome-based counts (for the score tables)."""
    hidden = table[table["suppressed"].to_numpy(dtype=bool)]
    present = set(table["metric"])
    out: dict[tuple[str, str], int] = {}
    for attribute, group, name in hidden[["attribute", "group", "metric"]].itertuples(index=False):
        spec = metric(name)
        if isinstance(spec, HarmSpec) and spec.rate in present:
            continue  # withheld with its rate's row, or with its reference group's
        level = 2 if spec.kind == "decision" else 1
        out[(attribute, group)] = max(out.get((attribute, group), 0), level)
    return out


def _suppress(table: pd.DataFrame, counts: CountTable, spec: AuditSpec) -> None:
    """Mark the rows disclosure control withholds, saying why in the note (in place)."""
    marked = mark_results(table, counts, spec.stats.min_cell)
    table["suppressed"] = marked["suppressed"].to_numpy()
    table["note"] = marked["note"].to_numpy()


def _sample_audit(
    records: Records, spec: AuditSpec, agg: Aggregation, metrics: Sequence[str] | None
) -> AuditResult:
    """Audit with a random audit sample: outcome metrics are population estimates.

    Hit rates (precision, false discovery rate) are counted among the flagged with a
    known outcome, as without a random sample. With every person's record, decision
    metrics, and any outcome metric the records identify for every group, are counted
    exactly (people, not weights: the weights belong to the random sample); with only
    the investigated cases and ``[population]``, they are estimated.

    Disclosure control: the counted rows, and the counts behind every estimate, are
    checked as one table of counts (primary and complementary suppression); an
    estimate is withheld wherever the same row of that table is, and wherever the
    random sample behind it is small.
    """
    amount = agg.counts.amounts is not None
    wanted = (
        [metric(m) for m in metrics]
        if metrics
        else [
            *METRICS.values(),
            *SAMPLE_METRICS.values(),
            *(
                metric(h)
                for h in harm_metrics(outcomes=True, amount=amount, decision=spec.harm.decision)
            ),
        ]
    )
    base = agg.counts.base
    assert base is not None
    people = count_table(
        base.assign(w=base["rows"].astype(float), w2=base["rows"].astype(float)),
        spec.attributes,
        spec.intersections,
    )
    # every count the table publishes, checked together (shadow rows are not shown)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)
        shadow, references = compute_metrics(
            people,
            metrics=[m.name for m in wanted if m.name in METRICS or m.name in HARM_METRICS],
            reference=spec.reference,
            options=spec.stats,
        )
    _suppress(shadow, people, spec)
    # counted where the records identify the rate for every group (e.g. unfounded
    # investigations per person when every flagged case was investigated): an exact
    # count has no bootstrap error to estimate
    unknown = shadow["note"].str.contains("not identifiable", regex=False)
    identified = set(shadow["metric"]) - set(shadow.loc[unknown, "metric"])
    kinds = {"among_labelled"} | ({"decision"} if spec.population is None else set())

    def counted_exactly(m: Any) -> bool:
        rate = metric(m.rate) if isinstance(m, HarmSpec) else m  # a harm count as its rate
        if rate.name not in METRICS:
            return False
        return rate.kind in kinds or (spec.population is None and rate.name in identified)

    counted = [m.name for m in wanted if counted_exactly(m)]
    estimated = [m for m in wanted if m.name not in counted]
    keys = ["attribute", "group", "metric"]
    withheld = shadow.set_index(keys)[["suppressed", "note"]]
    parts: list[pd.DataFrame] = []
    if counted:
        exact, references = compute_metrics(
            people, metrics=counted, reference=spec.reference, options=spec.stats
        )
        found = withheld.reindex(pd.MultiIndex.from_frame(exact[keys]))
        exact["suppressed"] = found["suppressed"].to_numpy(dtype=bool)
        exact["note"] = found["note"].to_numpy()
        parts.append(exact)
    if estimated:
        rows, references, sizes = estimate_table(people, spec, estimated)
        rows = mark_sample(rows, sizes, spec.stats.min_cell)
        found = withheld.reindex(pd.MultiIndex.from_frame(rows[keys]))
        rows["suppressed"] |= found["suppressed"].fillna(False).to_numpy(dtype=bool)
        parts.append(rows)
    table = follow_references(pd.concat(parts, ignore_index=True))
    order = {a: i for i, a in enumerate(people.table["attribute"].drop_duplicates())}
    table = table.iloc[np.argsort(table["attribute"].map(order).to_numpy(), kind="stable")]
    ledger = dataclasses.replace(agg.ledger, notes=(*agg.ledger.notes, _sample_note(people)))
    return AuditResult(
        table=table.reset_index(drop=True),
        counts=people,
        ledger=ledger,
        source=records.source,
        spec=spec,
        references=references,
        data_shape="random audit sample",
        flag_rule=agg.flag_rule,
        estimated=tuple(m.name for m in estimated),
        scores=None if agg.scores is None else agg.scores.histogram(),
        adjusted=_adjusted(records, spec),
    )


def _sample_note(people: CountTable) -> str:
    base = people.base
    assert base is not None
    random = base[base["sample"] == 2]
    k, fraud = int(random["rows"].sum()), int(random.loc[random["outcome"] == 1, "rows"].sum())
    return f"random audit sample: {k:,} people, fraud found for {fraud:,}; {ASSUMPTIONS}"


def _check_metrics(metrics: Sequence[str] | None, spec: AuditSpec) -> None:
    problems = []
    for name in metrics or ():
        try:
            m = metric(name)
        except ValueError as exc:
            problems.append(Problem(f"metrics: {exc}", column="metrics", value=name))
            continue
        if isinstance(m, HarmSpec) and m.amount and spec.roles.amount is None:
            problems.append(
                Problem(
                    f"metrics: {name!r} counts an amount; name roles.amount (the column of "
                    "sums reclaimed, days suspended, ...) or leave it out",
                    column="metrics",
                    value=name,
                    reason="missing_key",
                )
            )
        if m.kind != "decision" and spec.roles.outcome is None:
            problems.append(
                Problem(
                    f"metrics: {name!r} needs outcomes; name roles.outcome or leave it out",
                    column="metrics",
                    value=name,
                    reason="missing_key",
                )
            )
    if problems:
        raise ConfigError(problems)


def spec_to_dict(spec: AuditSpec) -> dict[str, Any]:
    """JSON-ready form of a spec (for the manifest)."""

    def clean(x: Any) -> Any:
        if isinstance(x, Mapping):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        if isinstance(x, float | np.floating) and np.isnan(x):
            return None
        return x

    return clean(dataclasses.asdict(spec))
