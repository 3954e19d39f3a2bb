"""``--pdf`` and ``[output] pdf = true`` as a user runs them: report.pdf beside
report.html in the output folder, read back page by page with PDFium (see
pdf_pages.py): sections on their own pages, every chart drawn, nothing cut off."""

from __future__ import annotations

from pathlib import Path

import pytest

from biasaudit.cli import main
from biasaudit.synthetic import generate_probe_records, probe_scorecard_text
from pdf_pages import chart_words, flat, read_pdf, read_report, section_pages


def _check(folder: Path) -> int:
    """The PDF holds every section on its own page(s) and every chart's words, and
    nothing lies off the page; returns the number of pages."""
    report, pages = read_report(folder), read_pdf(folder / "report.pdf")
    sections = section_pages(report, pages)
    assert len(sections) == len(report.headings) >= 1
    for k, (heading, part) in enumerate(sections):
        text = "".join(p.flat for p in part)
        for src, at in report.charts:
            if at == k:
                missing = [w for w in chart_words(src) if w not in text]
                assert not missing, f"{heading}: chart words not in the PDF: {missing[:5]}"
    off = {i + 1: p.off_page for i, p in enumerate(pages) if p.off_page}
    assert off == {}, f"characters outside the page (page: count): {off}"
    return len(pages)


def test_demo_with_pdf(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--pdf", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}/report.html, report.pdf, results.csv" in printed
    assert (out / "report.pdf").is_file()
    report = read_report(out)
    # the demo's attributes and intersections: <details>, closed on screen, open here
    assert {"Gender", "Nationality", "Gender × nationality"} <= set(report.details)
    text = "".join(p.flat for p in read_pdf(out / "report.pdf"))
    assert all(flat(d) in text for d in report.details)
    assert _check(out) >= len(report.headings)


def test_config_key_writes_the_pdf(tmp_path, capsys):
    (tmp_path / "d.csv").write_text(
        "sex,flag\n" + "F,1\n" * 30 + "F,0\n" * 70 + "M,1\n" * 15 + "M,0\n" * 85,
        encoding="utf-8",
    )
    config = tmp_path / "audit.toml"
    config.write_text(
        '[data]\npath = "d.csv"\n[roles]\nflagged = "flag"\n[groups]\nattributes = ["sex"]\n'
        '[output]\ndir = "out"\npdf = true\n',
        encoding="utf-8",
    )
    assert main(["audit", str(config), "--quiet"]) == 0
    assert "report.html, report.pdf" in capsys.readouterr().out
    _check(tmp_path / "out")
    # without the key nor --pdf: no PDF, and the folder is replaced as a whole
    config.write_text(config.read_text(encoding="utf-8").replace("pdf = true", ""), "utf-8")
    assert main(["audit", str(config), "--quiet"]) == 0
    assert "report.pdf" not in capsys.readouterr().out
    assert (tmp_path / "out" / "report.html").is_file()
    assert not (tmp_path / "out" / "report.pdf").exists()


@pytest.mark.parametrize("how", ["flag", "config"])
def test_probe_with_pdf(tmp_path, capsys, how):
    generate_probe_records(2_000, seed=3).to_csv(tmp_path / "records.csv", index=False)
    (tmp_path / "card.toml").write_text(probe_scorecard_text(), encoding="utf-8")
    config = tmp_path / "probe.toml"
    config.write_text(
        '[data]\npath = "records.csv"\n[groups]\nattributes = ["gender"]\n'
        '[model]\npath = "card.toml"\n'
        '[[probe.flips]]\nattribute = "gender"\nmap = { F = "M", M = "F" }\n'
        + ("[output]\npdf = true\n" if how == "config" else ""),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["probe", str(config), "--out", str(out), "--quiet"]
    assert main(args + (["--pdf"] if how == "flag" else [])) == 0
    assert f"wrote {out}/report.html, report.pdf, probe.json" in capsys.readouterr().out
    assert _check(out) >= 1
    assert any("Modelprobing" in p.flat for p in read_pdf(out / "report.pdf"))


def test_dutch_pdf(tmp_path, capsys):
    """report.pdf in Dutch: the same pages and charts, the words and numbers Dutch."""
    (tmp_path / "d.csv").write_text(
        "sex,flag\n" + "F,1\n" * 300 + "F,0\n" * 700 + "M,1\n" * 150 + "M,0\n" * 850,
        encoding="utf-8",
    )
    config = tmp_path / "audit.toml"
    config.write_text(
        '[data]\npath = "d.csv"\n[roles]\nflagged = "flag"\n[groups]\nattributes = ["sex"]\n'
        'reference = { sex = "M" }\n[output]\ndir = "out"\npdf = true\nlanguage = "nl"\n'
        '[report.labels]\nsex = { F = "vrouwen", M = "mannen" }\n',
        encoding="utf-8",
    )
    assert main(["audit", str(config), "--quiet"]) == 0
    _check(tmp_path / "out")
    text = "".join(p.flat for p in read_pdf(tmp_path / "out" / "report.pdf"))
    flat = "".join(text.split())
    # 30.0% of 1,000 against 15.0% of 1,000: 2.0 times, 300 and 150 of every 1,000
    assert "Vrouwenwerden2,0keerzovaakgeselecteerdvooronderzoekalsmannen" in flat
    assert "300vanelke1.000vrouwen" in flat
    assert "Onderzoeksdossier" in flat and "What the audit found" not in text
