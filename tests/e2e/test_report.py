"""The HTML report: structure, escaping, disclosure, reproducibility, and a real
browser (Debian's Chromium driven by Playwright; the test command installs both)."""

from __future__ import annotations

import html
import html.parser
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit.audits._config import load_config, run_config
from biasaudit.cli import main
from biasaudit.io._bundled import bundled_dir
from biasaudit.spec import read_config_file

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SECTIONS = (
    "key-findings",
    "details",
    "dossier",
    "data-shape",
    "provenance",
    "methods",
    "disclosure",
)
SVG_URI = "data:image/svg+xml;charset=utf-8,"


class _Parser(html.parser.HTMLParser):
    """Collects ids, headings, table headers, images and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.tags: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.th_scopes: list[str | None] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(str(a["id"]))
        if tag == "img":
            self.images.append(a)
        if tag == "th":
            self.th_scopes.append(a.get("scope"))

    def handle_data(self, data):
        self.text.append(data)


def _parse(text: str) -> _Parser:
    parser = _Parser()
    parser.feed(text)
    return parser


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "report"
    assert main(["demo", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def dutch_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo-nl") / "report"
    assert main(["demo", "--out", str(out), "--language", "nl", "--quiet"]) == 0
    return out


def test_report_structure(demo_report):
    text = (demo_report / "report.html").read_text(encoding="utf-8")
    page = _parse(text)
    for section in SECTIONS:
        assert section in page.ids, section
    assert page.tags.count("h1") == 1 and "h2" in page.tags
    assert "script" not in page.tags and "link" not in page.tags  # self-contained
    # no address but the SVG and XLink namespaces (names, never fetched)
    addresses = set(re.findall(r"https?://[^\s\"'<>]+", text))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert page.images and all(i.get("alt") for i in page.images)
    assert all(str(i.get("src", "")).startswith(SVG_URI) for i in page.images)
    assert page.th_scopes and all(s in ("col", "row") for s in page.th_scopes)
    body = " ".join(page.text)
    for word in (" fair ", " unbiased", "biased "):
        assert word not in body.lower()
    # groups are told in words (the demo's [report] labels), never as attribute = value
    for attribute in ("gender", "age_band", "nationality", "household"):
        assert f"{attribute} = " not in body, attribute
    charts = {p.suffix for p in (demo_report / "charts").iterdir()}
    assert charts == {".svg"}  # PNG only on request (issue 15)


def test_first_sentence_in_natural_frequencies(demo_report):
    """The first screen leads with the best-supported disparity, its two rates as
    natural frequencies, checked against the records (pandas)."""
    text = (demo_report / "report.html").read_text(encoding="utf-8")
    lead = text[text.index('<ol class="lead">') : text.index("</ol>")]
    first = html.unescape(re.findall(r"<li>(.*?)</li>", lead)[0])
    records = pd.read_csv(bundled_dir("welfare-synthetic") / "decisions.csv")
    flagged = records["selected"].eq("yes").groupby(records["nationality"]).mean()
    sr, nl = round(1000 * flagged["Surinamese"]), round(1000 * flagged["Dutch"])
    assert (sr, nl) == (196, 62)  # 482 / 2,457 and 1,715 / 27,802
    assert first.startswith(
        "Surinamese nationals were flagged for investigation 3.2 times as often as Dutch "
        f"nationals: {sr} of every 1,000 Surinamese nationals against {nl} of every 1,000 "
        "Dutch nationals (95% CI 2.9 to 3.5)."
    )


def _charts_shown(text: str) -> list[str]:
    return re.findall(r'data-chart="([^"]+)"', text)


#: Charts of the demo report, by kind (issue 19): one per headline measure that can
#: show a difference for each attribute (selection rate, false discovery rate and the
#: ranges of unfounded investigations per person: the false positive rate's bounds
#: overlap for every group), a heatmap per measure with a ratio for each intersection,
#: and four score charts per attribute. Before issue 19 the report held 52.
DEMO_CHARTS = {
    "measure": 12,
    "heatmap": 4,
    "scores": 4,
    "excess": 4,
    "calibration": 4,
    "thresholds": 4,
}


def test_each_chart_is_one_svg_file_shown_once(demo_report):
    text = (demo_report / "report.html").read_text(encoding="utf-8")
    names = _charts_shown(text)
    kinds = [n.split("-")[0] for n in names]
    assert {k: kinds.count(k) for k in set(kinds)} == DEMO_CHARTS
    files = sorted((demo_report / "charts").iterdir())
    assert [p for p in files if p.suffix != ".svg"] == []  # no PNG without --png
    # every file is a chart the report shows, once, as the same bytes
    assert sorted(p.stem for p in files) == sorted(names)
    embedded = re.findall(r"<img src='data:image/svg\+xml;charset=utf-8,([^']+)'", text)
    decoded = sorted(
        html.unescape(x).replace("%0A", "\n").replace("%23", "#").replace("%25", "%")
        for x in embedded
    )
    assert decoded == sorted(p.read_text(encoding="utf-8") for p in files)


def test_no_metric_has_two_charts(demo_report):
    """One chart per question: each (attribute, measure) is drawn once in the whole
    report, the headline chart included."""
    names = _charts_shown((demo_report / "report.html").read_text(encoding="utf-8"))
    measured = [
        n.split("-", 1)[1] for n in names if n.split("-")[0] in ("measure", "heatmap", "cells")
    ]
    assert len(measured) == len(set(measured))
    # the score charts: one of each kind per attribute
    assert len(names) == len(set(names))


def test_demo_report_size_budget(demo_report):
    assert (demo_report / "report.html").stat().st_size < 1_000_000


PNG_CONFIG = """
[data]
path = "decisions.csv"

[roles]
flagged = "flag"
outcome = "fraud"

[groups]
attributes = ["sex"]

[stats]
min_cell = 0
"""


def test_png_charts_on_request(tmp_path, small_records):
    small_records.to_csv(tmp_path / "decisions.csv", index=False)
    (tmp_path / "audit.toml").write_text(PNG_CONFIG, encoding="utf-8")
    (tmp_path / "png.toml").write_text(PNG_CONFIG + "\n[output]\npng = true\n", encoding="utf-8")
    assert main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "svg")]) == 0
    assert (
        main(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "a"), "--png"]) == 0
    )
    assert main(["audit", str(tmp_path / "png.toml"), "--out", str(tmp_path / "b")]) == 0
    svg = sorted(p.name for p in (tmp_path / "svg" / "charts").iterdir())
    assert svg and all(name.endswith(".svg") for name in svg)
    for out in ("a", "b"):
        files = sorted(p.name for p in (tmp_path / out / "charts").iterdir())
        assert files == sorted(svg + [name[:-4] + ".png" for name in svg])
        for name in files:
            if name.endswith(".png"):
                assert (tmp_path / out / "charts" / name).read_bytes().startswith(b"\x89PNG")
        # the report embeds the same SVG either way (its dossier shows the configuration)
        report = (tmp_path / out / "report.html").read_text(encoding="utf-8")
        plain = (tmp_path / "svg" / "report.html").read_text(encoding="utf-8")
        assert re.findall("<img[^>]+>", report) == re.findall("<img[^>]+>", plain)


def test_report_is_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert main(["demo", "--out", str(tmp_path / "a")]) == 0
    assert main(["demo", "--out", str(tmp_path / "b")]) == 0
    for path in sorted((tmp_path / "a").rglob("*")):
        if path.is_file():
            twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
            assert path.read_bytes() == twin.read_bytes(), path.name
    # SOURCE_DATE_EPOCH 1700000000 is 2023-11-14T22:13:20Z
    assert "on 14 November 2023, 22:13 UTC" in (tmp_path / "a" / "report.html").read_text()


HOSTILE = "<script>alert(1)</script>"


def _hostile_result(min_cell: int = 10):
    n = 400
    df = pd.DataFrame(
        {
            "grp": ([HOSTILE] * 200 + ["=HYPERLINK(1)"] * 180 + ["tiny"] * 20)[:n],
            "flag": ([1] * 60 + [0] * 140) + ([1] * 20 + [0] * 160) + ([1] * 3 + [0] * 17),
            "fraud": (["yes"] * 20 + ["no"] * 40 + [""] * 140)
            + (["yes"] * 5 + ["no"] * 15 + [""] * 160)
            + (["yes"] * 1 + ["no"] * 2 + [""] * 17),
        }
    )
    return biasaudit.audit(
        df, roles={"flagged": "flag", "outcome": "fraud"}, groups=["grp"], min_cell=min_cell
    )


def test_hostile_group_names_are_text(tmp_path):
    result = _hostile_result()
    out = result.report(tmp_path / "r")
    text = (out / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "script" not in _parse(text).tags
    csv = (out / "results.csv").read_text(encoding="utf-8")
    assert "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv
    assert "'=HYPERLINK(1)" in csv


def test_no_suppressed_value_in_the_report(tmp_path):
    result = _hostile_result()
    hidden = result.table[result.table["suppressed"]]
    assert len(hidden) and "tiny" in set(hidden["group"])
    out = result.report(tmp_path / "r")
    text = (out / "report.html").read_text(encoding="utf-8")
    # "tiny" has 3 flagged of 20: neither its selection rate nor its counts appear
    assert "15.0% of 20" not in text and "3 of 20" not in text
    assert "150 of every 1,000" not in text and "15%" not in text
    # every table row of a suppressed group and headline measure shows no number at all
    # (the other metrics are in results.csv only)
    from biasaudit.spec import HEADLINE, metric

    shown = hidden[hidden["metric"].isin(HEADLINE) & (hidden["attribute"] == "grp")]
    assert len(shown)
    for row in shown.itertuples():
        cells = re.search(
            rf'<tr><th scope="row">{re.escape(html.escape(row.group))}</th>'
            rf"<td>{re.escape(metric(row.metric).label)}</td>(.*?)</tr>",
            text,
        )
        assert cells is not None, (row.group, row.metric)
        assert re.findall(r'<td class="num">([^<]+)</td>', cells.group(1)) == []
        assert "suppressed" in cells.group(1)
    assert "Counts of 1 to 9 people are not published" in text


def test_funnel_report(tmp_path):
    reply = pd.DataFrame(
        {"background": ["none", "migration"], "students": [9000, 3000], "visit": [90, 120]}
    )
    r = biasaudit.funnel(reply, groups=["background"], layout="wide", stages=["students", "visit"])
    out = r.report(tmp_path / "f")
    page = _parse((out / "report.html").read_text(encoding="utf-8"))
    assert "key-findings" in page.ids and page.images


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed: run ./scripts/test, which installs it")
    return path


#: Desktop and phone (the viewport of a common phone) widths and heights.
SCREENS = {"desktop": (1280, 900), "phone": (390, 844)}


def _open(p, path: Path, size: tuple[int, int]):
    browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return browser, page, errors


@pytest.mark.parametrize("screen", list(SCREENS))
def test_report_in_a_real_browser(demo_report, screen):
    """Structure only (a browser update cannot break it): the first screen holds the
    headline sentences and the headline chart, the details are closed until clicked,
    nothing is wider than the screen. Screenshots are kept for review."""
    from playwright.sync_api import sync_playwright

    width, height = SCREENS[screen]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser, page, errors = _open(p, demo_report / "report.html", (width, height))
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
        )
        assert images and all(ok and w > 0 and h > 0 for ok, w, h in images)
        # the first screen: every headline sentence, and the top of the headline chart
        sentences = page.locator("#key-findings ol.lead li")
        assert 1 <= sentences.count() <= 5
        for i in range(sentences.count()):
            box = sentences.nth(i).bounding_box()
            assert box is not None and box["y"] + box["height"] <= height, (screen, i)
        chart = page.locator("#headline-chart img").bounding_box()
        assert chart is not None and chart["y"] < height and chart["height"] > 50
        page.screenshot(path=str(ARTIFACTS / f"report-{screen}-first-screen.png"))
        # details on demand: closed, and a click opens one
        details = page.locator("details")
        assert details.count() >= 6
        assert page.evaluate(
            "Array.from(document.querySelectorAll('details')).every(d => !d.open)"
        )
        first = page.locator("#details details").first
        assert first.locator("table").first.is_visible() is False
        first.locator("summary").click()
        assert first.locator("table").first.is_visible()
        # nothing wider than the screen: wide tables scroll inside their own box
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        page.screenshot(path=str(ARTIFACTS / f"report-{screen}.png"), full_page=True)
        browser.close()
    assert errors == []


def test_print_opens_every_section(demo_report):
    """Printed (and so in a PDF), every collapsible section is open: its charts and
    tables take up space although no section was clicked."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page, errors = _open(p, demo_report / "report.html", SCREENS["desktop"])
        hidden = (
            "Array.from(document.querySelectorAll('details table'))"
            ".filter(t => !t.checkVisibility()).length"
        )
        assert page.evaluate(hidden) > 0  # on screen, closed
        page.emulate_media(media="print")
        assert page.evaluate(hidden) == 0
        browser.close()
    assert errors == []


@pytest.mark.parametrize("report", ["demo_report", "dutch_report"])
def test_accessibility_checker_finds_nothing(report, request):
    """axe-core (bundled by axe-playwright-python, so it runs offline) on the report
    with every section open, in English and in Dutch: contrast, heading order, table
    headers and scope, image alternatives, landmarks, the page's language."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    folder = request.getfixturevalue(report)
    with sync_playwright() as p:
        browser, page, _ = _open(p, folder / "report.html", SCREENS["desktop"])
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        results = Axe().run(page)
        browser.close()
    violations = results.response["violations"]
    assert violations == [], results.generate_report()


def test_config_audit_writes_the_report(tmp_path):
    config = load_config(bundled_dir("welfare-synthetic") / "audit.toml")
    result = run_config(config)
    assert isinstance(result, biasaudit.AuditResult)
    fig = result.plot("disparity", "gender", "selection_rate")
    assert fig.axes


def test_findings_are_told_from_the_side_with_the_higher_rate():
    from biasaudit.report._findings import key_findings

    # the reference (largest group, M) is flagged more: 30 of 300 vs 10 of 200
    df = pd.DataFrame(
        {"sex": ["M"] * 300 + ["F"] * 200, "flag": [1] * 30 + [0] * 270 + [1] * 10 + [0] * 190}
    )
    r = biasaudit.audit(df, roles={"flagged": "flag"}, groups=["sex"])
    [finding] = key_findings(r.published_table())
    # (30 / 300) / (10 / 200) = 2.0, the inverse of F's ratio 0.5
    assert finding.sentence.startswith(
        "People with sex = M were flagged 2.0 times as often as people with sex = F "
        "(10.0% of 300 vs 5.0% of 200; 95% CI"
    )


def test_report_has_the_risk_score_section(demo_report):
    text = (demo_report / "report.html").read_text(encoding="utf-8")
    page = _parse(text)
    assert "scores" in page.ids
    assert "adjusted" not in page.ids  # the demo has no regression
    body = " ".join(page.text)
    # one chart of each kind per attribute, with its finding as the alt text; the
    # share in the top decile is drawn once (the excess chart), not also as deciles
    alts = [str(i.get("alt")) for i in page.images]
    assert sum(a.startswith("Top decile of risk_score") for a in alts) == 4
    assert sum(a.startswith("Share in the top decile of risk_score by") for a in alts) == 0
    assert sum(a.startswith("Flagging by risk_score threshold") for a in alts) == 4
    # the what-if table is analysis, not a recommendation
    assert "not a recommendation" in body
    # key findings on the top decile, checked against the records: the top decile is
    # everyone at or above the 90th percentile (inverted CDF) of the risk score; the
    # groups are named by the demo's [report] labels
    config = read_config_file(bundled_dir("welfare-synthetic") / "audit.toml")
    named = {
        label: (attribute, group)
        for attribute, groups in config["report"]["labels"].items()
        for group, label in groups.items()
    }
    told = re.findall(
        r"Of ([^,]+), (\d+\.\d)% of ([\d,]+) had a score in the top "
        r"decile, against (\d+\.\d)% of everyone \(\+(\d+\.\d) points, 95% CI",
        body,
    )
    assert told
    records = pd.read_csv(bundled_dir("welfare-synthetic") / "decisions.csv")
    cut = np.quantile(records["risk_score"], 0.9, method="inverted_cdf")
    top = records["risk_score"] >= cut
    for label, share, people, everyone, excess in told:
        attribute, group = named[label]
        mine = top[records[attribute].astype(str) == group]
        assert (share, people) == (f"{mine.mean():.1%}"[:-1], f"{len(mine):,}")
        assert everyone == f"{top.mean():.1%}"[:-1]
        assert excess == f"{100 * (mine.mean() - top.mean()):.1f}"


def _score_records() -> pd.DataFrame:
    from score_records import class_records

    df = class_records(tiny=True)
    df["high"] = (df["score"] >= 6).astype(int)
    df["older"] = np.arange(len(df)) % 3
    return df


def test_no_suppressed_value_in_the_score_tables(tmp_path):
    result = biasaudit.audit(
        _score_records(),
        roles={"score": "score", "outcome": "y"},
        threshold={"score_at_least": 5},
        groups=["g"],
        reference={"g": "A"},
    )
    excess = result.score_analysis.published("excess")
    hidden = excess[excess["suppressed"].astype(bool)]
    assert "tiny" in set(hidden["group"])
    text = (result.report(tmp_path / "r") / "report.html").read_text(encoding="utf-8")
    assert "scores" in _parse(text).ids
    for row in hidden.itertuples():
        cells = re.search(
            rf'<tr><th scope="row">{re.escape(html.escape(row.group))}</th>'
            rf"<td>{re.escape(html.escape(row.cut))}</td>(.*?)</tr>",
            text,
        )
        assert cells is not None, (row.group, row.cut)
        assert re.findall(r'<td class="num">([^<]+)</td>', cells.group(1)) == []
        assert "suppressed" in cells.group(1)


def test_adjusted_disparity_section(tmp_path):
    import statsmodels.api as sm

    df = _score_records()
    result = biasaudit.audit(
        df,
        roles={"score": "score", "outcome": "y"},
        threshold={"score_at_least": 5},
        groups=["g"],
        reference={"g": "A"},
        regression={
            "decision": "high",
            "positive": [1],
            "covariates": ["older"],
            "numeric": ["older"],
        },
    )
    text = (result.report(tmp_path / "r") / "report.html").read_text(encoding="utf-8")
    page = _parse(text)
    assert "adjusted" in page.ids
    section = text[text.index('<section id="adjusted">') :]
    section = section[: section.index("</section>")]
    # odds ratios of B and C from statsmodels' Logit on the rows, as the table shows them
    exog = sm.add_constant(
        pd.DataFrame(
            {
                "B": (df["g"] == "B").astype(float),
                "C": (df["g"] == "C").astype(float),
                "tiny": (df["g"] == "tiny").astype(float),
                "older": df["older"].astype(float),
            }
        )
    )
    fit = sm.Logit(df["high"].astype(float), exog).fit(disp=0)
    for level in ("B", "C"):
        odds = f"{np.exp(fit.params[level]):.3f}"
        assert re.search(rf'<th scope="row">G: {level}</th>.*?>{odds}</td>', section), level
    # "tiny" (4 people) is blanked by disclosure control: its row has no number
    tiny = re.search(r'<th scope="row">G: tiny</th>(.*?)</tr>', section)
    assert tiny is not None and re.findall(r'<td class="num">([^<]+)</td>', tiny.group(1)) == []
    assert "g is tiny were" not in section
    # the groups in words, as everywhere in the report (never "g = B")
    assert "After accounting for older, people whose g is B were" in section
    assert 'alt="Adjusted odds of high' in section


# --------------------------------------------------------------------------- languages


def _visible(text: str) -> str:
    """The words a reader meets: text and alt texts, not the dossier's configuration
    and software versions (the configuration as given, in its own words)."""
    cut = text.index('<section id="software">')
    text = text[:cut] + text[text.index("</section>", cut) :]
    page = _parse(text)
    alts = [str(i.get("alt") or "") for i in page.images]
    return " ".join(" ".join(page.text).split() + alts)


def _fragments(message: str) -> list[str]:
    """The fixed words of an English message: its text between fields, of three or
    more words (shorter pieces such as "of" occur in names and data)."""
    parts = re.split(r"\{\w+\}", message)
    return [p.strip(" :;,.()") for p in parts if len(p.strip(" :;,.()").split()) >= 3]


def test_dutch_report_has_no_english_sentence_of_the_catalogue(demo_report, dutch_report):
    from biasaudit.report._messages import ENGLISH, catalogue

    english = _visible((demo_report / "report.html").read_text(encoding="utf-8"))
    dutch = _visible((dutch_report / "report.html").read_text(encoding="utf-8"))
    nl = catalogue("nl")
    shown = [
        f
        for key, message in ENGLISH.items()
        for f in _fragments(message)
        if f in english and f not in nl[key]
    ]
    assert len(shown) > 100  # the English report holds the English catalogue
    leaked = sorted({f for f in shown if f in dutch})
    assert leaked == []


def test_dutch_report_numbers_use_decimal_commas(dutch_report):
    text = (dutch_report / "report.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in text
    first = text[text.index('<section id="key-findings">') :]
    first = " ".join(_parse(first[: first.index("</section>")]).text)
    # 482 of 2,457 Surinamese and 1,715 of 27,802 Dutch nationals were flagged
    # (results.csv): 196 and 62 of every 1,000, a ratio of 3.2
    assert "3,2 keer zo vaak" in first and "196 van elke 1.000" in first
    assert "62 van elke 1.000" in first
    assert re.findall(r"\d\.\d{1,2}\b(?!\.)", first) == []  # no decimal point
    assert re.search(r"\d,\d", first)


def test_dutch_report_in_a_real_browser(dutch_report):
    """The browser reads the Dutch report as Dutch (screen readers pick their voice
    from it), with its first screen and charts as in English."""
    from playwright.sync_api import sync_playwright

    width, height = SCREENS["phone"]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser, page, errors = _open(p, dutch_report / "report.html", (width, height))
        assert page.evaluate("document.documentElement.lang") == "nl"
        assert page.locator("#key-findings h2").inner_text() == "Wat het onderzoek vond"
        assert 1 <= page.locator("#key-findings ol.lead li").count() <= 5
        chart = page.locator("#headline-chart img").bounding_box()
        assert chart is not None and chart["y"] < height
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / "report-nl-phone-first-screen.png"))
        browser.close()
    assert errors == []
