"""Audit configuration files: every problem named with its key, the allowed values
and the fix; paths relative to the file."""

from __future__ import annotations

import textwrap

import pytest

from biasaudit import ConfigError, audit
from biasaudit.audits._config import load_config, run_config


def write(tmp_path, text: str, name: str = "audit.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path, small_records):
    small_records.to_csv(tmp_path / "decisions.csv", index=False)
    return tmp_path / "decisions.csv"


GOOD = """
[data]
path = "decisions.csv"

[roles]
id = "case"
flagged = "flag"
investigated = "inv"
outcome = "fraud"

[codes]
outcome = { yes = ["yes"], no = ["no"], unknown = ["", "pending"] }

[groups]
attributes = ["sex"]
reference = { sex = "M" }

[metrics]
include = ["selection_rate", "false_accusation_rate", "precision"]

[output]
dir = "out/here"
"""


def config_problems(tmp_path, text) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return str(info.value)


def test_good_config_runs_with_paths_relative_to_the_file(tmp_path, data):
    config = load_config(write(tmp_path, GOOD))
    assert config.data_path == data.resolve()
    assert config.output_dir == tmp_path / "out/here"
    result = run_config(config)
    assert set(result.table["metric"]) == {"selection_rate", "false_positive_rate", "precision"}
    sel = result.metric("selection_rate", "sex").set_index("group")
    assert sel.loc["F", "value"] == pytest.approx(3 / 5)
    assert sel.loc["F", "reference_group"] == "M"


def test_unknown_sections_and_keys_get_suggestions(tmp_path, data):
    text = config_problems(
        tmp_path,
        """
        [data]
        path = "decisions.csv"
        engin = "duckdb"
        [role]
        flagged = "flag"
        [groups]
        atributes = ["sex"]
        """,
    )
    assert "[role]: unknown section (did you mean 'roles'?)" in text
    assert "data.engin: unknown key (did you mean 'engine'?); allowed: path, sheet, engine" in text
    assert "groups.atributes: unknown key (did you mean 'attributes'?)" in text
    assert "roles.flagged: no decision given" in text
    assert "groups.attributes: no protected attribute given" in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[data]\npath = 3\n", "data.path: expected a file name; got 3"),
        ("[data]\n", "data.path: missing; name the decision records file"),
        (
            '[data]\npath = "x.csv"\nengine = "dask"\n',
            "data.engine: expected one of pandas, polars",
        ),
        ("data = 1\n[data2]\n", "[data]: expected a section (a table); got 1"),
        ('[metrics]\ninclude = "fpr"\n', "metrics.include: expected a list of metric names"),
        ('[metrics]\ninclude = ["fpr"]\n', "metrics.include: unknown metric 'fpr'"),
        (
            '[groups]\nmissing = "skip"\n',
            "groups.missing: expected one of 'as_group', 'drop', 'error'; got 'skip'",
        ),
        (
            '[groups]\nattributes = ["sex", "sex"]\n',
            "groups.attributes: an attribute is listed twice",
        ),
        ('[groups]\nattributes = ["sex", 4]\n', "groups.attributes: expected column names; got 4"),
        (
            '[groups]\nattributes = ["sex"]\nintersections = [["sex"]]\n',
            "each intersection lists two or more",
        ),
        (
            '[groups]\nattributes = ["sex"]\nreference = { gender = "M" }\n',
            "groups.reference.gender: not an attribute",
        ),
        (
            '[groups]\nattributes = ["sex"]\nreference = { sex = 1 }\n',
            "groups.reference.sex: expected a group name",
        ),
        (
            '[groups]\nattributes = ["sex"]\nmax_groups = "many"\n',
            "groups.max_groups: expected a whole number",
        ),
        (
            '[groups]\nattributes = ["flag"]\n[roles]\nflagged = "flag"\n',
            "'flag' is already the flagged column",
        ),
        ("[roles]\nflagged = 3\n", "roles.flagged: expected a column name; got 3"),
        (
            '[roles]\nflagged = "f"\n[threshold]\ntop_k = 3\n',
            "both roles.flagged ('f') and a threshold are given",
        ),
        (
            "[threshold]\ntop_k = 3\ntop_fraction = 0.1\n",
            "give exactly one of score_at_least, top_k, top_fraction",
        ),
        ("[threshold]\ntop_k = 3\n", "roles.score: a threshold needs the score column"),
        (
            '[roles]\nscore="s"\n[threshold]\ntop_k = 0\n',
            "threshold.top_k: expected a whole number >= 1; got 0",
        ),
        (
            '[roles]\nscore="s"\n[threshold]\ntop_fraction = 1.5\n',
            "threshold.top_fraction: expected a number in (0, 1]",
        ),
        (
            '[roles]\nscore="s"\n[threshold]\nscore_at_least = "high"\n',
            "threshold.score_at_least: expected a number",
        ),
        ("[codes]\nflag = { yes = [1] }\n", "codes.flag: unknown key (did you mean 'flagged'?)"),
        ('[codes]\nflagged = "yes"\n', "codes.flagged: expected { yes = [...], no = [...] }"),
        (
            '[codes]\nflagged = { maybe = ["x"] }\n',
            "codes.flagged.maybe: unknown key; allowed: yes, no, unknown",
        ),
        (
            '[codes]\noutcome = { yes = ["1"], no = [1] }\n',
            "codes.outcome: value 1 is listed as both 'yes' and 'no'",
        ),
        ("[data\n", "not valid TOML"),
    ],
)
def test_each_config_problem_is_named(tmp_path, body, message):
    assert message in config_problems(tmp_path, body)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_python_api_collects_option_problems_too():
    with pytest.raises(ConfigError) as info:
        audit("x.csv", roles={"flaged": "f"}, groups=[], missing="skip")
    text = str(info.value)
    assert "roles.flaged: unknown key; allowed: flagged, outcome" in text
    assert "groups.missing: expected one of" in text
    assert "groups.attributes: no protected attribute given" in text


def test_python_api_names_unknown_code_roles():
    with pytest.raises(ConfigError, match="codes.flag: unknown role; codes can be given for"):
        audit("x.csv", roles={"flagged": "f"}, groups=["sex"], codes={"flag": {"yes": [1]}})


def test_validate_reports_a_missing_data_file_with_the_config_problems(tmp_path):
    text = config_problems(tmp_path, '[data]\npath = "nope.csv"\n[roles]\nflaged = "f"\n')
    assert "data.path: file not found" in text
    assert text.count("roles.flaged") == 1


def test_roles_must_be_a_table():
    with pytest.raises(ConfigError, match="roles: expected a table of names; got 'flag'"):
        audit("x.csv", roles="flag", groups=["sex"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[stats]\nconfidence = 95\n", "stats.confidence: expected a number between 0 and 1"),
        (
            '[stats]\ninterval = "wald"\n',
            "stats.interval: expected one of 'wilson', 'clopper-pearson', 'jeffreys'",
        ),
        (
            '[stats]\ncorrection = "bonferroni"\n',
            "stats.correction: expected one of 'holm', 'fdr_bh', 'none'",
        ),
        ("[stats]\nmin_cell = -1\n", "stats.min_cell: expected a whole number >= 0"),
        (
            "[stats]\nbootstrap_samples = 10\n",
            "stats.bootstrap_samples: expected a whole number >= 100",
        ),
        ('[stats]\nseed = "x"\n', "stats.seed: expected a whole number >= 0"),
        ("[stats]\nlevel = 0.9\n", "stats.level: unknown key; allowed: confidence, interval"),
        ('[output]\nmode = "secret"\n', "output.mode: expected 'public' or 'restricted'"),
        ("[output]\ndir = 3\n", "output.dir: expected a folder name in quotes"),
        ('[output]\ndir = ""\n', "output.dir: expected a folder name in quotes"),
        ('[output]\npng = "yes"\n', "output.png: expected true or false (no quotes)"),
    ],
)
def test_stats_and_output_problems(tmp_path, body, message):
    assert message in config_problems(tmp_path, body)


def test_stats_section_reaches_the_audit(tmp_path, data):
    text = GOOD + '\n[stats]\nconfidence = 0.9\ninterval = "jeffreys"\nmin_cell = 0\n'
    result = run_config(load_config(write(tmp_path, text)))
    assert result.spec.stats.confidence == 0.9
    sel = result.metric("selection_rate", "sex").set_index("group").loc["F"]
    # Jeffreys 90% interval for 3 of 5: beta(3.5, 2.5) quantiles 0.05 and 0.95
    from scipy import stats

    assert sel["ci_low"] == pytest.approx(stats.beta.ppf(0.05, 3.5, 2.5))
    assert sel["ci_high"] == pytest.approx(stats.beta.ppf(0.95, 3.5, 2.5))


def test_output_png_is_off_unless_asked(tmp_path, data):
    assert load_config(write(tmp_path, GOOD)).png is False
    assert load_config(write(tmp_path, GOOD + "png = true\n")).png is True


def test_configuration_format_version(tmp_path):
    """A file may say which configuration format it is in: the current one (or none)
    is read, a newer one is refused by name, and the starter file writes it."""
    from biasaudit.audits import load_config
    from biasaudit.spec import CONFIG_VERSION
    from biasaudit.synthetic import starter_config, write_welfare

    data = write_welfare(tmp_path / "records.csv", n=200, seed=3)
    starter = starter_config(data)
    assert f"version = {CONFIG_VERSION}" in starter
    current = tmp_path / "current.toml"
    current.write_text(starter, encoding="utf-8")
    assert load_config(current).raw["version"] == CONFIG_VERSION
    newer = tmp_path / "newer.toml"
    newer.write_text(starter.replace(f"version = {CONFIG_VERSION}", "version = 99"))
    with pytest.raises(ConfigError, match="format 99, written for a newer biasaudit"):
        load_config(newer)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(starter.replace(f"version = {CONFIG_VERSION}", 'version = "one"'))
    with pytest.raises(ConfigError, match="version: expected a whole number"):
        load_config(wrong)
