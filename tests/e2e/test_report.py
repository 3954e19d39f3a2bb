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

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SECTIONS = ("key-findings", "data-shape", "provenance", "methods", "disclosure")


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


def test_report_structure(demo_report):
    text = (demo_report / "report.html").read_text(encoding="utf-8")
    page = _parse(text)
    for section in SECTIONS:
        assert section in page.ids, section
    assert page.tags.count("h1") == 1 and "h2" in page.tags
    assert "script" not in page.tags and "link" not in page.tags  # self-contained
    assert "http://" not in text and "https://" not in text
    assert page.images and all(i.get("alt") for i in page.images)
    assert all(str(i.get("src", "")).startswith("data:image/svg+xml;base64,") for i in page.images)
    assert page.th_scopes and all(s in ("col", "row") for s in page.th_scopes)
    body = " ".join(page.text)
    # a key finding with both rates, their denominators and the interval
    assert "were flagged 3.2 times as often as people with nationality = Dutch" in body
    assert "of 27,802" in body and "95% CI" in body
    for word in (" fair ", " unbiased", "biased "):
        assert word not in body.lower()
    charts = {p.suffix for p in (demo_report / "charts").iterdir()}
    assert charts == {".svg"}  # PNG only on request (issue 15)


#: Charts per report section of the demo as the report showed them before issue 15
#: (counted in the report of commit b69c65c, whose charts/ held each one as PNG and SVG).
DEMO_FIGURES = {
    "gender": 8,
    "age_band": 8,
    "nationality": 8,
    "household": 8,
    "gender × nationality": 2,
    "gender × household": 2,
    "Risk scores": 16,
}


def _figures_per_section(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for section in re.split(r"(?=<section)", text):
        head = re.search(r"<h2>(.*?)</h2>", section)
        images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', section)
        if head and images:
            out[html.unescape(head.group(1))] = images
    return out


def test_each_chart_is_one_svg_file_shown_once(demo_report):
    import base64

    shown = _figures_per_section((demo_report / "report.html").read_text(encoding="utf-8"))
    assert {k: len(v) for k, v in shown.items()} == DEMO_FIGURES
    files = sorted((demo_report / "charts").iterdir())
    assert [p for p in files if p.suffix != ".svg"] == []  # no PNG without --png
    embedded = [base64.b64decode(x) for images in shown.values() for x in images]
    # every file is a chart the report shows, and every chart shown is one file
    assert len(files) == len(embedded) == sum(DEMO_FIGURES.values())
    assert sorted(p.read_bytes() for p in files) == sorted(embedded)


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
        # the report embeds the same SVG either way
        report = (tmp_path / out / "report.html").read_bytes()
        assert report == (tmp_path / "svg" / "report.html").read_bytes()


def test_report_is_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert main(["demo", "--out", str(tmp_path / "a")]) == 0
    assert main(["demo", "--out", str(tmp_path / "b")]) == 0
    for path in sorted((tmp_path / "a").rglob("*")):
        if path.is_file():
            twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
            assert path.read_bytes() == twin.read_bytes(), path.name
    assert "2023-11-14T22:13:20Z" in (tmp_path / "a" / "report.html").read_text()


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
    # every table row of a suppressed group and metric shows no number at all
    import re

    for row in hidden.itertuples():
        cells = re.search(
            rf"<tr><td>{re.escape(html.escape(row.group))}</td><td>{row.metric}</td>(.*?)</tr>",
            text,
        )
        assert cells is not None, (row.group, row.metric)
        assert re.findall(r'<td class="num">([^<]+)</td>', cells.group(1)) == []
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


@pytest.mark.parametrize("width", [1280, 390])
def test_report_in_a_real_browser(demo_report, width):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    failed: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto((demo_report / "report.html").as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate(
            "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
        )
        assert images and all(ok and w > 0 and h > 0 for ok, w, h in images)
        assert page.locator("#key-findings li").count() > 0
        # nothing wider than the screen: wide tables scroll inside their own box
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"report-{width}.png"), full_page=True)
        browser.close()
    assert errors == [] and failed == []


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
    # one chart of each kind per attribute, with its finding as the alt text
    alts = [str(i.get("alt")) for i in page.images]
    for head in ("Share in the top decile of risk_score by", "Top decile of risk_score"):
        assert sum(a.startswith(head) for a in alts) == 4, head
    assert sum(a.startswith("Flagging by risk_score threshold") for a in alts) == 4
    # the what-if table is analysis, not a recommendation
    assert "not a recommendation" in body
    # key findings on the top decile, checked against the records: the top decile is
    # everyone at or above the 90th percentile (inverted CDF) of the risk score
    told = re.findall(
        r"Of people with (\w+) = ([^,]+), (\d+\.\d)% of ([\d,]+) had a score in the top "
        r"decile, against (\d+\.\d)% of everyone \(\+(\d+\.\d) points, 95% CI",
        body,
    )
    assert told
    records = pd.read_csv(bundled_dir("welfare-synthetic") / "decisions.csv")
    cut = np.quantile(records["risk_score"], 0.9, method="inverted_cdf")
    top = records["risk_score"] >= cut
    for attribute, group, share, people, everyone, excess in told:
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
        assert re.search(rf'<th scope="row">g = {level}</th>.*?>{odds}</td>', section), level
    # "tiny" (4 people) is blanked by disclosure control: its row has no number
    tiny = re.search(r'<th scope="row">g = tiny</th>(.*?)</tr>', section)
    assert tiny is not None and re.findall(r'<td class="num">([^<]+)</td>', tiny.group(1)) == []
    assert "g = tiny were" not in section
    assert "After accounting for older, people with g = B were" in section
    assert 'alt="Adjusted odds of high' in section
