"""Every key of the audit configuration: its type, default, allowed values and meaning.

The configuration reference of the documentation is rendered from :data:`OPTIONS`, and a
test checks that every key the parser accepts (``SECTIONS`` in ``_config.py``) has an
entry here, so a key cannot be added without being documented.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    """One key of one section of the audit configuration (TOML).

    Parameters
    ----------
    section : str
        The section, e.g. ``"stats"`` for ``[stats]``.
    key : str
        The key within the section.
    type : str
        What the value is, in TOML terms (``"string"``, ``"number"``, ``"list of
        strings"``, ``"table"``, ...).
    default : str
        The value used when the key is left out, as the reader would write it
        (``"required"`` when it must be given).
    allowed : str
        The values accepted, in words or as a list.
    description : str
        One line: what the key does.

    Examples
    --------
    >>> from biasaudit.audits._options import OPTIONS
    >>> [o.default for o in OPTIONS if (o.section, o.key) == ("stats", "confidence")]
    ['0.95']
    """

    section: str
    key: str
    type: str
    default: str
    allowed: str
    description: str


def _o(section: str, key: str, type: str, default: str, allowed: str, description: str) -> Option:
    return Option(section, key, type, default, allowed, description)


_FORMATS = ".csv .tsv .txt .parquet .pq .xlsx .xlsm .jsonl .ndjson (.gz also for CSV)"
_MARKERS = '["", "x", ".", ":", "*", "c", "<10"]'

# fmt: off
#: One entry per section and key the configuration accepts, in the order of the sections.
OPTIONS: tuple[Option, ...] = (
    # [data]
    _o("data", "path", "string", "required", f"a file name: {_FORMATS}",
       "the data file, relative to the configuration file"),
    _o("data", "kind", "string", '"records"', '"records", "counts", "funnel"',
       "what the file holds: decision records, an aggregated table of counts per group, "
       "or a process funnel"),
    _o("data", "sheet", "string or integer", "the first sheet", "a sheet name or 0-based number",
       "the sheet of an Excel workbook"),
    _o("data", "engine", "string", '"pandas"', '"pandas", "polars", "pyarrow", "duckdb", "spark"',
       "how the file is read; duckdb for files larger than memory; spark counts in Spark"),
    _o("data", "url", "string", "BIASAUDIT_DATABASE_URL",
       'a database URL without a password, e.g. "postgresql://auditor@db:5432/benefits"',
       "records in a SQL database instead of a file; with table or query"),
    _o("data", "table", "string", "none", 'a table name, e.g. "welfare.decisions"',
       "instead of path: a table of the database (url, or the environment) or, with engine "
       "spark, of the Spark catalog"),
    _o("data", "query", "string", "none", "a SELECT statement",
       "instead of table: the rows of the database to audit (e.g. a join)"),
    _o("data", "delimiter", "string", "detected (, ; tab |)", "one character",
       "the field separator of a CSV file"),
    _o("data", "encoding", "string", "detected (UTF-16 by BOM, UTF-8, else Windows-1252)",
       "a Python codec name", "the text encoding of a CSV file"),
    # [link]
    _o("link", "path", "string", "required", "a file name (formats as [data] path)",
       "the table of protected attributes, joined to the decision records"),
    _o("link", "on", "string or [string, string]", "required",
       "a column name, or [decisions column, attributes column]",
       "the id the two files are joined on (compared as text)"),
    _o("link", "sheet", "string or integer", "the first sheet", "as [data] sheet",
       "the sheet of the attribute workbook"),
    _o("link", "delimiter", "string", "detected", "one character",
       "the field separator of the attribute CSV file"),
    _o("link", "encoding", "string", "detected", "a Python codec name",
       "the text encoding of the attribute CSV file"),
    # [roles]
    _o("roles", "id", "string", "none", "a column name",
       "case identifier; duplicates are an error; never published"),
    _o("roles", "score", "string", "none", "a column name",
       "the system's risk score (numbers)"),
    _o("roles", "flagged", "string", "none (then [threshold] is required)", "a column name",
       "the decision: selected for investigation (coded yes / no)"),
    _o("roles", "investigated", "string", "the flagged count as investigated", "a column name",
       "whether an investigation happened, so that the outcome is known"),
    _o("roles", "outcome", "string", "none", "a column name",
       "fraud or irregularity found (yes), none found (no), unknown"),
    _o("roles", "weight", "string", "none", "a column name (numbers >= 0)",
       "survey or inverse-probability weight; intervals use Kish's effective sample size"),
    _o("roles", "sample", "string", "none", "a column name (random / model / none)",
       "how a case was selected; a random audit sample makes error rates estimable"),
    _o("roles", "count", "string", "none", "a column name (whole numbers >= 0)",
       "how many people each row stands for"),
    _o("roles", "period", "string", "none", "a column name (a year, a version, before/after)",
       "the period of each decision: every period audited on its own and a change tested"),
    _o("roles", "version", "string", "none", "a column name",
       "the same role as period, by another name (a model version); give one of them"),
    _o("roles", "amount", "string", "none", "a column name (numbers >= 0; blank counts as 0)",
       "an amount each person bore because of the decision (sums reclaimed, benefits "
       "stopped, days suspended): harm counts are then also given in it"),
    # [codes]
    _o("codes", "flagged", "table", "1/0, true/false, yes/no, ja/nee, j/n",
       "{ yes = [...], no = [...] }", "the raw values meaning flagged and not flagged"),
    _o("codes", "investigated", "table", "1/0, true/false, yes/no, ja/nee, j/n",
       "{ yes = [...], no = [...] }", "the raw values meaning investigated and not"),
    _o("codes", "outcome", "table", "1/0, true/false, yes/no, ja/nee, j/n; blank = unknown",
       "{ yes = [...], no = [...], unknown = [...] }",
       "the raw values meaning fraud found, none found and unknown"),
    _o("codes", "sample", "table", '"random", "model", "none" or blank',
       "{ random = [...], model = [...], none = [...] }",
       "the raw values of the selection route of each case"),
    # [threshold]
    _o("threshold", "score_at_least", "number", "none", "a number",
       "flagged = score >= this value (give one threshold key only)"),
    _o("threshold", "top_k", "integer", "none", "a whole number >= 1",
       "flag the k highest scores, ties at the cut-off included"),
    _o("threshold", "top_fraction", "number", "none", "a number in (0, 1]",
       "flag the highest floor(fraction x scored people) scores, ties included"),
    # [groups]
    _o("groups", "attributes", "list of strings", "required", "column names",
       "the protected attributes, each audited on its own"),
    _o("groups", "intersections", "list of lists of strings", "[]", "lists of 2+ attributes",
       "attributes audited together; empty combinations are rows too"),
    _o("groups", "missing", "string", '"as_group"', '"as_group", "drop", "error"',
       "what a missing protected value becomes: its own group, an excluded row, or an error"),
    _o("groups", "reference", "string or table", '"largest" per attribute',
       'a group name, "largest", "most_favourable", "rest"; or a table per attribute',
       'the group each group is compared with; "rest": everyone not in the group '
       "(one-vs-rest, reference_group \"(everyone else)\")"),
    _o("groups", "max_groups", "integer", "100", "a whole number",
       "more distinct values in an attribute than this is an error (bin ages first)"),
    # [metrics]
    _o("metrics", "include", "list of strings", "all metrics the data supports",
       "metric names from the glossary, and the aliases false_accusation_rate, hit_rate",
       "the metrics computed and reported"),
    # [stats]
    _o("stats", "confidence", "number", "0.95", "a number in (0, 1)",
       "level of every interval; tests at 1 - confidence"),
    _o("stats", "interval", "string", '"wilson"', '"wilson", "clopper-pearson", "jeffreys"',
       "the confidence interval for rates"),
    _o("stats", "correction", "string", '"holm"', '"holm", "fdr_bh", "none"',
       "adjustment of p-values across every group-vs-reference test of the audit"),
    _o("stats", "min_cell", "integer", "10", "a whole number >= 0 (0: no disclosure control)",
       "published counts of 1 to min_cell - 1 people are suppressed, with complements"),
    _o("stats", "bootstrap_samples", "integer", "2000", "a whole number >= 100",
       "resamples for bootstrap intervals and random-sample estimates"),
    _o("stats", "seed", "integer", "0", "a whole number >= 0",
       "seed of the bootstrap and of a [model] sample"),
    # [assumptions]
    _o("assumptions", "unlabelled_fraud_rate", "[number, number]", "[0, 1]",
       "two numbers in [0, 1], low <= high",
       "plausible share of fraud among people with no known outcome; narrows the bounds"),
    _o("assumptions", "max_base_rate", "number", "none", "a number in [0, 1]",
       "highest plausible share of fraud in any group"),
    _o("assumptions", "min_base_rate", "number", "none", "a number in [0, 1]",
       "lowest plausible share of fraud in any group"),
    # [population]
    _o("population", "total", "integer", "the number of records", "a whole number",
       "number of people scored (flagged or not), with a random audit sample"),
    _o("population", "groups", "table", "estimated from the random sample",
       "{ attribute = { group = size, ... } }", "known group sizes, per attribute"),
    # [sample]
    _o("sample", "drawn_from", "string", '"unflagged"', '"unflagged", "everyone"',
       "whom the random audit sample was drawn from"),
    # [harm]
    _o("harm", "decision", "string", '"burden"', '"burden", "benefit"',
       "what being flagged means for a person: a burden (an investigation; harm counts "
       "are excess counts) or a benefit (a grant; the harm count is the shortfall)"),
    _o("harm", "amount_label", "string", '"amount"', 'a few words, e.g. "euros reclaimed"',
       "how roles.amount reads in the report's harm sentences"),
    # [counts]
    _o("counts", "layout", "string", '"wide"', '"wide", "long"',
       "one column per count cell, or one row per group and cell"),
    _o("counts", "cells", "table", "by name", "{ cell = column or label }",
       "which column (wide) or label (long) holds each count cell"),
    _o("counts", "dataset", "string or list of strings", "none", "column names",
       "columns telling datasets apart; each is audited on its own"),
    _o("counts", "suppressed", "list of strings", _MARKERS, "marker strings; <k and <=k always",
       "markers of a suppressed cell (0 to below - 1 people)"),
    _o("counts", "withheld", "list of strings", "[]", "marker strings",
       "markers of a cell withheld whatever its size (complementary suppression)"),
    _o("counts", "below", "integer", "10", "a whole number >= 1",
       "a suppressed cell is 0 to below - 1 people"),
    _o("counts", "zero_means_below", "boolean", "false", "true, false",
       'a published 0 means 0 to below - 1 ("cells below 10 were set to 0")'),
    _o("counts", "secondary_suppression", "boolean", "false", "true, false",
       "the source hid the next-smallest cells too: a suppressed cell may be any size"),
    _o("counts", "rounding", "integer", "none", "a whole number >= 1",
       "counts were rounded to this base: each is within half the base"),
    _o("counts", "total_label", "string or list of strings", '"Total", "Totaal", "All", ...',
       "labels", "the label of total (margin) rows"),
    _o("counts", "point", "string", '"none"', '"none", "midpoint"',
       "report the middle of each range as the value (a rule you choose)"),
    _o("counts", "cell_column", "string", '"cell"', "a column name",
       "long layout: the column naming the count cell"),
    _o("counts", "count_column", "string", '"count"', "a column name",
       "long layout: the column holding the count"),
    _o("counts", "attribute_column", "string", "none", "a column name",
       "stacked table: the column naming the attribute"),
    _o("counts", "group_column", "string", "none", "a column name",
       "stacked table: the column naming the group"),
    _o("counts", "left_out", "list of strings", "[]", "attribute names",
       "attributes whose groups do not cover everyone; the rest form (not in table)"),
    _o("counts", "total_is_sum", "boolean", "false", "true, false",
       "the total row adds up the groups' published (rounded) counts"),
    # [funnel]
    _o("funnel", "stages", "list", "required",
       'stage names, or [name, parent] pairs for branches',
       "the process stages in order, the first being everyone"),
    _o("funnel", "layout", "string", '"records"', '"records", "wide", "long"',
       "one row per person, one row per group, or one row per group and stage"),
    _o("funnel", "stage_column", "string", 'none (long: "stage")', "a column name",
       "records: the furthest stage reached; long: the stage names"),
    _o("funnel", "stage_columns", "table", "none", "{ stage = column }",
       "records: one yes/no column per stage"),
    _o("funnel", "attribute_column", "string", "none", "a column name",
       "stacked stage-count table: the column naming the attribute"),
    _o("funnel", "group_column", "string", '"group"', "a column name",
       "stacked stage-count table: the column naming the group"),
    _o("funnel", "count_column", "string", '"count"', "a column name",
       "long layout: the column holding the count"),
    _o("funnel", "suppressed", "list of strings", _MARKERS, "marker strings; <k and <=k always",
       "markers of a suppressed stage count"),
    _o("funnel", "below", "integer", "10", "a whole number >= 1",
       "a suppressed stage count is 0 to below - 1 people"),
    _o("funnel", "rounding", "integer", "none", "a whole number >= 1",
       "stage counts were rounded to this base"),
    # [scores]
    _o("scores", "sweep", "string", '"top_fraction"', '"top_fraction", "score", "top_k"',
       "what the threshold sweep varies"),
    _o("scores", "points", "list of numbers", "1% to 50% (top_fraction); deciles (score)",
       "numbers (top_k: whole numbers, required)", "the points of the threshold sweep"),
    _o("scores", "calibration_bins", "integer", "10", "2 to 50",
       "bins of the calibration table"),
    _o("scores", "equalise", "string", '"selection_rate"',
       '"selection_rate", "false_positive_rate", "true_positive_rate", '
       '"false_negative_rate", "precision"',
       "the rate the what-if table equalises with group-specific thresholds"),
    # [regression]
    _o("regression", "decision", "string", "roles.flagged", "a column name",
       "the decision modelled by the logistic regression"),
    _o("regression", "positive", "list of strings", "the yes codes of [codes] flagged",
       "values of the decision column", "values of the decision counted as 1"),
    _o("regression", "covariates", "list of strings", "[]", "column names",
       "legitimate covariates (categorical unless listed in numeric)"),
    _o("regression", "numeric", "list of strings", "[]", "covariate names",
       "covariates entered as numbers"),
    _o("regression", "label", "string", '"<decision> in [...]"', "text",
       "how the decision reads in sentences"),
    # [change]: with roles.period, or [counts] dataset
    _o("change", "order", "list of strings", "natural order of the labels (they need a number)",
       'the periods, first to last, e.g. ["before", "after"]',
       "the order of the periods (for an aggregated table: of its datasets)"),
    _o("change", "compare", "string", '"previous"', '"previous", "first"',
       "each period compared with the one before it, or with the first"),
    _o("change", "metrics", "list of strings", "the headline metrics the data can show",
       "metrics compared group to group (not the shares of everyone)",
       "the metrics whose disparities are tested for a change"),
    # [output]
    _o("output", "dir", "string", '"reports/audit"', "a folder name",
       "the output folder, relative to the configuration file (--out overrides)"),
    _o("output", "mode", "string", '"public"', '"public", "restricted"',
       "public: suppressed rows blanked; restricted: every value, not for publication"),
    _o("output", "png", "boolean", "false", "true, false",
       "also write each chart as PNG beside its SVG"),
    _o("output", "pdf", "boolean", "false", "true, false",
       "also write report.pdf, the report on pages (pip install 'biasaudit[pdf]')"),
    _o("output", "language", "string", '"en"', '"en" (English), "nl" (Dutch)',
       "the language of report.html and its charts (--language overrides); results.csv and "
       "results.json are the same in every language; also in a probe configuration"),
    # [model]: the scores of a model, when the records have none
    _o("model", "path", "string", "required unless command",
       "a file name: .toml .csv (scorecard), .skops .joblib .pkl .pickle, .onnx",
       "the model that scores the records, relative to the configuration file"),
    _o("model", "kind", "string", "from the file suffix", '"scorecard", "sklearn", "onnx"',
       "what the model file holds"),
    _o("model", "command", "list of strings", "none", "a program and its arguments",
       "instead of path: a program that reads CSV on stdin and writes one score per line"),
    _o("model", "trust", "boolean", "false", "true, false",
       "allow what runs code from a file: pickle / joblib, unknown skops types, a command"),
    _o("model", "features", "list of strings", "the model's own", "column names",
       "the columns the model reads, in order (needed for a command)"),
    _o("model", "link", "string", '"identity"', '"identity", "logistic"',
       "logistic turns the model's log-odds into probabilities"),
    _o("model", "timeout", "number", "600", "seconds > 0", "how long a command may take"),
    _o("model", "sample", "integer", "every record (required for a database or Spark)",
       "a whole number >= 1",
       "score and audit a hash sample of this many records, drawn where the records are"),
    _o("model", "sample_key", "string", "roles.id", "a column with one value per record",
       "the sample is the records with the lowest MD5 of \"<[stats] seed>:<key>\""),
    # [discover]: subgroups nobody named (records only; runs in memory)
    _o("discover", "attributes", "list of strings", "[groups] attributes",
       "column names (categories); [] for none",
       "columns whose combinations of values are searched"),
    _o("discover", "features", "list of strings", "[]", "column names (numbers or categories)",
       "input columns the bias-aware clustering groups people by"),
    _o("discover", "depth", "integer", "3", "a whole number >= 1",
       "most attributes one combination combines"),
    _o("discover", "min_size", "integer", "50", "a whole number >= 1, at most half the records",
       "fewest people a subgroup may have in the find half"),
    _o("discover", "metric", "string", '"selection_rate"',
       "a rate compared group to group: selection_rate, false_positive_rate, ...",
       "the rate whose worst subgroups are searched for"),
    _o("discover", "max_groups", "integer", "5", "a whole number >= 1",
       "most subgroups each method hands to the test half"),
    _o("discover", "correction", "string", '"holm"', '"holm", "fdr_bh"',
       "multiple-testing control over the subgroups tested"),
    _o("discover", "level", "number", "1 - [stats] confidence", "a number in (0, 1)",
       "a subgroup is reported when its adjusted p-value is below this"),
    _o("discover", "seed", "integer", "[stats] seed", "a whole number >= 0",
       "seed of the split into halves and of the clustering"),
    _o("discover", "max_splits", "integer", "40", "a whole number >= 1",
       "most splits the bias-aware clustering tries"),
    _o("discover", "max_rows", "integer", "2000000", "a whole number >= 1",
       "most records a lazy engine (DuckDB, Spark, a database) hands over to memory"),
    # [report]: how the report reads
    _o("report", "title", "string", '"Disparity audit: <data file>"', "text",
       "the report's heading"),
    _o("report", "author", "string", "none", "text",
       "who ran the audit, in the report's one-line ledger"),
    _o("report", "names", "table", "the column names, _ as spaces",
       '{ attribute = "name" }, e.g. { age_band = "age" }',
       "how attributes are named in headings and sentences"),
    _o("report", "labels", "table of tables", '"people whose <attribute> is <value>"',
       '{ attribute = { value = "label" } }, one label per group, e.g. gender = { F = "women" }',
       "the groups in words (plural noun phrases); intersections from their parts' labels "
       "unless labelled themselves"),
)
# fmt: on
