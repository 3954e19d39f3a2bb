"""Groups in words (issue 19): the [report] section, its checks, and the report's use
of it; and the message catalogue every word of the report comes from."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import biasaudit
from biasaudit import ConfigError
from biasaudit.audits._config import load_config
from biasaudit.cli import main
from biasaudit.report._labels import Labels
from biasaudit.report._messages import ENGLISH

REPORT = Path(biasaudit.__file__).parent / "report"

CONFIG = """
[data]
path = "decisions.csv"

[roles]
flagged = "flag"

[groups]
attributes = ["sex", "area"]
intersections = [["sex", "area"]]
{report}
"""


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sex": ["F"] * 300 + ["M"] * 300,
            "area": (["north"] * 150 + ["south"] * 150) * 2,
            "flag": ([1] * 90 + [0] * 210) + ([1] * 30 + [0] * 270),
        }
    )


def test_bad_report_section_names_every_problem(tmp_path):
    _records().to_csv(tmp_path / "decisions.csv", index=False)
    bad = """
[report]
title = 3
colour = "blue"

[report.names]
region = "region"

[report.labels]
sex = { F = "women", M = "women" }
area = "north"
"""
    (tmp_path / "audit.toml").write_text(CONFIG.format(report=bad), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "audit.toml")
    message = str(caught.value)
    for part in (
        "report.title: expected text in quotes",
        "report.colour: unknown key",
        "report.names.region: 'region' is not audited",
        "report.labels.sex: 'F' and 'M' have the same label 'women'",
        "report.labels.area: expected a table of group",
    ):
        assert part in message, part
    # the command says the same, exits 2 and writes nothing
    assert main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_the_report_names_groups_by_their_labels(tmp_path):
    _records().to_csv(tmp_path / "decisions.csv", index=False)
    good = """
[report]
title = "Flags by sex"
author = "The audit office"
names = { area = "region" }

[report.labels]
sex = { F = "women", M = "men" }
"""
    (tmp_path / "audit.toml").write_text(CONFIG.format(report=good), encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<h1>Flags by sex</h1>" in html and "by The audit office" in html
    # 90 of 300 women against 30 of 300 men: 300 and 100 of every 1,000
    assert (
        "Women were flagged for investigation 3.0 times as often as men: 300 of every "
        "1,000 women against 100 of every 1,000 men"
    ) in html
    # an intersection is told from its parts' labels; an unlabelled value in words
    assert "women among" not in html or "women whose region is north" in html
    assert "women whose region is north" in html
    assert "sex = " not in re.sub(r"src='[^']*'", "", html)


def test_report_section_in_python_is_checked_too(tmp_path):
    r = biasaudit.audit(_records(), roles={"flagged": "flag"}, groups=["sex"])
    with pytest.raises(ConfigError, match="same label"):
        r.report(tmp_path / "r", report={"labels": {"sex": {"F": "x", "M": "x"}}})
    assert not (tmp_path / "r").exists()
    out = r.report(tmp_path / "ok", report={"labels": {"sex": {"F": "women"}}})
    assert "Women were flagged" in (out / "report.html").read_text(encoding="utf-8")


def test_labels_of_missing_values_and_intersections():
    labels = Labels(names={"age_band": "age"}, groups={"age_band": {"18-29": "young people"}})
    assert labels.people("age_band", "(missing)") == "people whose age is not recorded"
    assert labels.group("age_band", "(missing)") == "not recorded"
    assert (
        labels.people("sex × age_band", "F × 18-29") == "people whose sex is F among young people"
    )
    assert labels.name("sex × age_band") == "sex × age"


# --------------------------------------------------------------------------- catalogue

_LITERAL = re.compile(r"""\btext\(\s*["']([a-z_.]+[a-z_ ]*)["']""")
_PREFIX = re.compile(r"""\btext\(\s*f["']([a-z_.]+)\{""")


def _sources() -> str:
    """The report's code, without the catalogue itself."""
    return "\n".join(
        p.read_text(encoding="utf-8") for p in REPORT.glob("*.py") if p.name != "_messages.py"
    )


def test_every_message_the_report_asks_for_is_in_the_catalogue():
    source = _sources()
    asked = set(_LITERAL.findall(source))
    assert asked and asked <= set(ENGLISH), sorted(asked - set(ENGLISH))
    # keys built from data (f"headline.{metric}", f"limits.{shape}", ...) have their prefix
    for prefix in set(_PREFIX.findall(source)):
        assert any(k.startswith(prefix) for k in ENGLISH), prefix


def test_every_message_in_the_catalogue_is_used():
    source = _sources()
    asked = set(_LITERAL.findall(source)) | set(re.findall(r'message\(\s*"([a-z_.]+)"', source))
    asked |= set(re.findall(r'"([a-z_]+\.[a-z_ ]+)"', source))  # keys passed on as values
    prefixes = set(_PREFIX.findall(source))
    # keys named in a table of keys (e.g. the columns of the score tables)
    named = set(re.findall(r'"([a-z_]+)"', source))
    unused = [
        k
        for k in ENGLISH
        if k not in asked
        and k.removesuffix("_missing") not in asked
        and not any(k.startswith(p) for p in prefixes)
        and k.split(".", 1)[-1] not in named
        and not k.startswith("metric.")  # the registry's words: label(), plain()
    ]
    assert unused == []


def test_messages_fill_their_fields():
    for key, message in ENGLISH.items():
        fields = re.findall(r"\{(\w+)\}", message)
        message.format(**dict.fromkeys(fields, "x"))  # no stray brace
        assert message.strip() == message or message.startswith((" ", ":", ";", ".")), key
