"""The report in English and Dutch: one catalogue, every key in every language, numbers
in the language's format, results files the same in every language."""

from __future__ import annotations

import json
import math
import random
import re

import pandas as pd
import pytest
from babel.numbers import format_decimal, format_percent

import biasaudit
from biasaudit import ConfigError
from biasaudit.report._messages import (
    ENGLISH,
    LANGUAGES,
    catalogue,
    fields,
    fmt,
    language,
    text,
)
from biasaudit.report._notes import PATTERNS, note_text, render
from biasaudit.spec import METRICS, SAMPLE_METRICS

# --------------------------------------------------------------------------- the catalogue


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_message_has_every_language_with_the_same_fields(code):
    messages = catalogue(code)
    missing = sorted(set(ENGLISH) - set(messages))
    extra = sorted(set(messages) - set(ENGLISH))
    assert missing == [] and extra == [], (missing, extra)
    differ = [k for k in ENGLISH if fields(ENGLISH[k]) != fields(messages[k])]
    assert differ == []
    for key, message in messages.items():
        message.format(**dict.fromkeys(fields(message), "x"))  # no stray brace
        assert message.strip(" ") == message or message.startswith((" ", ":", ";", ".")), key


def test_a_message_left_out_of_a_language_is_found(monkeypatch):
    from biasaudit.report import _messages_nl

    short = dict(_messages_nl.DUTCH)
    del short["first.heading"]
    monkeypatch.setattr(_messages_nl, "DUTCH", short)
    assert set(ENGLISH) - set(catalogue("nl")) == {"first.heading"}


def test_the_glossary_of_every_metric_is_in_every_language():
    for spec in [*METRICS.values(), *SAMPLE_METRICS.values()]:
        # English from the registry itself: the registry keeps its words
        assert ENGLISH[f"metric.{spec.name}.label"] == spec.label
        assert ENGLISH[f"metric.{spec.name}.plain"] == spec.plain
        for code in LANGUAGES:
            assert "{group}" in catalogue(code)[f"metric.{spec.name}.plain"]
    with language("nl"):
        assert text("metric.false_positive_rate.label").startswith("Fout-positiefpercentage")
        assert text("metric.selection_rate.label") == "Selectiepercentage"


def test_dutch_messages_are_not_english():
    dutch = catalogue("nl")
    same = [
        k
        for k, v in ENGLISH.items()
        if dutch[k] == v and re.search(r"[a-z]{4,}", re.sub(r"\{\w+\}", "", v))
    ]
    # words that are the same in both languages (names of methods, file names)
    assert set(same) <= {
        "interval.jeffreys",
        "scol.auc",
        "dossier.database",
        "dossier.server",
        "dossier.query",
        "dossier.versions",
        "probe.on_all",  # "records"
        "pcol.score",
    }, same


def test_the_language_is_scoped_to_its_block():
    with language("nl"):
        assert text("first.heading") == "Wat het onderzoek vond"
        with language("en"):
            assert text("first.heading") == "What the audit found"
        assert fmt(0.5, ".1%") == "50,0%"
    assert text("first.heading") == "What the audit found"


def test_an_unknown_language_lists_the_languages():
    with pytest.raises(ConfigError, match=r'"en" \(English\), "nl" \(Dutch'), language("fr"):
        pass


# --------------------------------------------------------------------------- numbers


def test_dutch_numbers_match_babel():
    """Babel (CLDR's Dutch) is the oracle: decimal comma, thousands dot."""
    rng = random.Random(7)
    values = [rng.uniform(-5e6, 5e6) for _ in range(300)] + [0.0, 1000.0, 1234.5, 0.05]
    for x in values:
        # the digits are Python's; compare on numbers that are no rounding ties
        for digits in (0, 1, 2, 3):
            shown = f"{abs(x):.{digits + 3}f}"
            if shown[-3:] in ("500", "499", "501"):
                continue
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            with language("nl"):
                assert fmt(x, f",.{digits}f") == format_decimal(
                    x, format=pattern, locale="nl_NL"
                ).replace("\u2212", "-"), (x, digits)
    for share in (0.196, 0.5, 0.0046, 0.999):
        with language("nl"):
            assert fmt(share, ".1%") == format_percent(share, format="#,##0.0%", locale="nl_NL")


def test_dutch_numbers_by_hand():
    with language("nl"):
        assert text("times.one", x=fmt(3.2, ".1f")) == "3,2 keer"
        assert text("frequency.one", count=fmt(196), base=fmt(1000)) == "196 van elke 1.000"
        assert fmt(0.196, ".1%") == "19,6%"
        assert fmt(1234567.891, ",.2f") == "1.234.567,89"
        assert fmt(-0.05, "+.1f") == "-0,1"
    assert fmt(1234567.891, ",.2f") == "1,234,567.89"


def test_dates_in_both_languages():
    import datetime as dt

    from biasaudit.report._messages import date

    when = dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC)
    assert date(when) == "1 March 2024, 12:30 UTC"
    with language("nl"):
        assert date(when) == "1 maart 2024, 12:30 UTC"


# --------------------------------------------------------------------------- notes


def test_english_note_messages_rebuild_the_notes_the_stages_write():
    """The catalogue's English note messages, filled with a pattern's fields, are
    the note itself: the patterns cannot drift from the catalogue."""
    notes = [
        "not identifiable: outcome unknown for 139 flagged and 18,206 unflagged people; "
        "the bounds assume none of them / all of them committed fraud",
        "among the 2,551 flagged with a known outcome; 139 flagged have none: the bounds "
        "are for all 2,690 flagged, assuming none of them / all of them committed fraud",
        "suppressed: a count of fewer than min_cell people, or a count that would reveal one",
        "undefined: TP + FP is 0 for this group",
        "reference value is 0: ratio undefined, see difference",
        "suppressed when published (complementary)",
        "transition undefined: nobody in this group reached 'home visit'",
    ]
    for note in notes:
        hits = [(n, p.fullmatch(note)) for n, p in PATTERNS]
        name, found = next((n, m) for n, m in hits if m)
        assert render(name, found.groupdict()) == note
        with language("nl"):
            translated = note_text(note)
        assert translated != note


def test_notes_in_dutch_keep_their_numbers():
    note = (
        "not identifiable: outcome unknown for 139 flagged and 18,206 unflagged people; "
        "the bounds assume none of them / all of them committed fraud"
    )
    with language("nl"):
        shown = note_text(note)
    assert "18.206 niet-geselecteerde" in shown and "139 geselecteerde" in shown
    assert note_text(note) == note  # English: as written
    with language("nl"):
        assert note_text("a note nobody knows") == "a note nobody knows"


# --------------------------------------------------------------------------- the report


def _result() -> biasaudit.AuditResult:
    df = pd.DataFrame(
        {
            "sex": ["F"] * 2000 + ["M"] * 2000,
            "flag": [1] * 400 + [0] * 1600 + [1] * 200 + [0] * 1800,
        }
    )
    return biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"], reference={"sex": "M"})


LABELS = {"labels": {"sex": {"F": "vrouwen", "M": "mannen"}}, "names": {"sex": "geslacht"}}


def test_dutch_headline_with_hand_formatted_numbers(tmp_path):
    # F: 400 of 2,000 = 20.0%, M: 200 of 2,000 = 10.0%; ratio 2.0;
    # Katz interval: exp(ln 2 ± 1.96 sqrt(1/400 - 1/2000 + 1/200 - 1/2000)) = 1.71 to 2.34
    out = _result().report(tmp_path / "nl", language="nl", report=LABELS)
    page = (out / "report.html").read_text(encoding="utf-8")
    sentence = (
        "Vrouwen werden 2,0 keer zo vaak geselecteerd voor onderzoek als mannen: 200 van "
        "elke 1.000 vrouwen tegenover 100 van elke 1.000 mannen (95%-BI 1,7 tot 2,3)."
    )
    se = math.sqrt(1 / 400 - 1 / 2000 + 1 / 200 - 1 / 2000)
    low, high = math.exp(math.log(2) - 1.959964 * se), math.exp(math.log(2) + 1.959964 * se)
    assert (f"{low:.1f}", f"{high:.1f}") == ("1.7", "2.3")
    assert sentence in page
    assert '<html lang="nl">' in page
    assert json.loads((out / "manifest.json").read_text())["language"] == "nl"


def test_results_files_are_the_same_in_every_language(tmp_path):
    result = _result()
    en = result.report(tmp_path / "en")
    nl = result.report(tmp_path / "nl", language="nl")
    for name in ("results.csv", "results.json"):
        assert (en / name).read_bytes() == (nl / name).read_bytes(), name
    assert json.loads((en / "manifest.json").read_text())["language"] == "en"


def test_an_unknown_language_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ConfigError, match="unknown report language 'fr'"):
        _result().report(tmp_path / "fr", language="fr")
    assert not (tmp_path / "fr").exists()


def test_config_language_is_checked(tmp_path):
    from biasaudit.audits import load_config

    (tmp_path / "d.csv").write_text("sex,flag\nF,1\nM,0\n", encoding="utf-8")
    config = (
        '[data]\npath = "d.csv"\n[roles]\nflagged = "flag"\n[groups]\n'
        'attributes = ["sex"]\n[output]\nlanguage = "{}"\n'
    )
    path = tmp_path / "audit.toml"
    path.write_text(config.format("de"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"output.language: unknown report language 'de'"):
        load_config(path)
    path.write_text(config.format("nl"), encoding="utf-8")
    assert load_config(path).language == "nl"


def test_dutch_first_screen_tells_the_harm_count_in_dutch(tmp_path):
    # F: 4,000 of 20,000 flagged, M: 2,000 of 20,000. Excess flagged = 4,000 - 20,000 x
    # 0.1 = 2,000; Wald variance 20,000 x 0.2 x 0.8 + 20,000^2 x 0.1 x 0.9 / 20,000 = 5,000
    se = math.sqrt(20_000 * 0.2 * 0.8 + 20_000 * 0.1 * 0.9)
    low, high = 2_000 - 1.959964 * se, 2_000 + 1.959964 * se
    assert (round(low), round(high)) == (1861, 2139)
    df = pd.DataFrame(
        {
            "sex": ["F"] * 20_000 + ["M"] * 20_000,
            "flag": [1] * 4_000 + [0] * 16_000 + [1] * 2_000 + [0] * 18_000,
        }
    )
    result = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"], reference={"sex": "M"})
    out = result.report(tmp_path / "nl", language="nl", report=LABELS)
    page = (out / "report.html").read_text(encoding="utf-8")
    first = page[page.index('<section id="key-findings">') :]
    first = first[: first.index("</section>")]
    assert (
        '<p class="harm">Van elke 1.000 vrouwen werden er 200 geselecteerd; van elke 1.000 '
        "mannen werden er 100. Er werden 2.000 vrouwen meer geselecteerd dan wanneer zij in "
        "dezelfde mate als mannen waren geselecteerd (95%-BI 1.861 tot 2.139).</p>"
    ) in first
    english = result.report(tmp_path / "en", report=LABELS).joinpath("report.html")
    assert (
        "200 were flagged; of every 1,000 mannen, 100. 2,000 more vrouwen were flagged than "
        "if they had been flagged at the rate of mannen (95% CI 1,861 to 2,139)."
    ) in english.read_text(encoding="utf-8")
