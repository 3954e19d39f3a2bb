"""report.pdf: the HTML report on pages, drawn by WeasyPrint and read back here by
PDFium (pypdfium2), a separate PDF engine: its text, where each character lies, and
its pages rendered to pixels.

What a reader of the PDF needs: every top-level section, each starting a page; every
chart drawn (its own words in the text, colour in the pixels); nothing cut off at the
page edge; page numbers. And what a user without the library needs: one clear error,
exit 2, nothing written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import biasaudit
from biasaudit import ConfigError
from biasaudit._exceptions import OutputError
from biasaudit.report._outputs import replace_folder, write_report_pdf
from biasaudit.report._pdf import write_pdf
from pdf_pages import chart_words, flat, read_pdf, read_report, section_pages

SRC = str(Path(biasaudit.__file__).resolve().parents[1])
COMPAS = {
    "roles": {
        "id": "id",
        "score": "decile_score",
        "flagged": "score_text",
        "outcome": "two_year_recid",
    },
    "codes": {"flagged": {"yes": ["Medium", "High"], "no": ["Low"]}},
    "groups": ["race", "sex"],
    "reference": {"race": "Caucasian"},
}


@pytest.fixture(scope="module")
def compas(tmp_path_factory, compas_path):
    """ProPublica's COMPAS audited (race and sex, with the score), written twice:
    with report.pdf and without."""
    root = tmp_path_factory.mktemp("pdf")
    result = biasaudit.audit(compas_path, **COMPAS)
    with_pdf = result.report(root / "with", pdf=True)
    without = result.report(root / "without")
    return with_pdf, without, read_report(with_pdf), read_pdf(with_pdf / "report.pdf")


@pytest.mark.slow
def test_pdf_is_asked_for_only(compas):
    with_pdf, without, _, _ = compas
    assert (with_pdf / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert not (without / "report.pdf").exists()
    assert (with_pdf / "report.html").read_bytes() == (without / "report.html").read_bytes()
    listed = json.loads((with_pdf / "manifest.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256((with_pdf / "report.pdf").read_bytes()).hexdigest()
    assert listed["outputs"]["report.pdf"] == digest
    assert listed["versions"]["weasyprint"]
    plain = json.loads((without / "manifest.json").read_text(encoding="utf-8"))
    assert "report.pdf" not in plain["outputs"] and "weasyprint" not in plain["versions"]
    assert sorted(p.name for p in with_pdf.parent.iterdir()) == ["with", "without"]


@pytest.mark.slow
def test_every_section_starts_a_page_in_order(compas):
    _, _, report, pages = compas
    headings = [flat(h) for h in report.headings]
    # the top-level sections of this audit, read from the HTML: key findings, details
    # (one <details> per attribute, open in print), scores, dossier
    assert len(headings) >= 4, headings
    text = "".join(p.flat for p in pages)
    assert {"Race", "Sex"} <= {flat(d) for d in report.details}
    missing = [d for d in report.details if flat(d) not in text]
    assert not missing, f"<details> not opened in the PDF: {missing}"
    # the title and the first section share the first page
    assert "compas-scores-two-years.csv" in pages[0].flat.split(headings[0])[0]
    sections = section_pages(report, pages)  # each later section starts a page
    starts = [pages.index(part[0]) for _, part in sections]
    assert starts == sorted(set(starts)), starts
    # plausible: at least a page a section, and no more than the content can fill
    charts = len(report.charts)
    assert len(headings) <= len(pages) <= len(headings) + charts + report.rows // 10


@pytest.mark.slow
def test_pages_are_numbered_and_none_is_empty(compas):
    _, _, _, pages = compas
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        body = re.sub(rf"\s*{i}\s*/\s*{n}\s*$", "", page.text)
        assert body != page.text, f"page {i} has no page number {i} / {n}"
        assert flat(body), f"page {i} holds nothing but its number"


@pytest.mark.slow
def test_every_chart_is_drawn(compas):
    """Each chart's own words are in the text of its section's pages, and those pages
    hold colour in proportion to their charts; a section without charts holds none."""
    _, _, report, pages = compas
    assert len(report.charts) >= 10
    for k, (heading, section) in enumerate(section_pages(report, pages)):
        text = "".join(p.flat for p in section)
        charts = [src for src, at in report.charts if at == k]
        for src in charts:
            words = chart_words(src)
            assert words, "a chart with no words"
            missing = [w for w in words if w not in text]
            assert not missing, f"{heading}: a chart's words are not in the PDF: {missing[:5]}"
        colour = sum(p.coloured() for p in section)
        if charts:  # about 3,000 coloured pixels a chart here
            assert colour >= 300 * len(charts), (heading, colour, len(charts))
        elif k > 0:  # the key findings' bars are coloured; the other sections are text
            assert colour < 300, (heading, colour)


@pytest.mark.slow
def test_nothing_is_cut_off_at_the_page_edge(compas):
    _, _, _, pages = compas
    off = {i + 1: p.off_page for i, p in enumerate(pages) if p.off_page}
    assert off == {}, f"characters outside the page (page: count): {off}"
    # the widest table's last column is on the page: its header is in the text
    assert any("Adjustedp" in p.flat and "Note" in p.flat for p in pages)


@pytest.mark.slow
def test_same_report_same_pdf_bytes(compas, tmp_path):
    with_pdf = compas[0]
    shutil.copy(with_pdf / "report.html", tmp_path / "report.html")
    write_pdf(tmp_path / "report.html", tmp_path / "again.pdf")
    assert (tmp_path / "again.pdf").read_bytes() == (with_pdf / "report.pdf").read_bytes()


def _earlier_output(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    target = tmp_path / "out"
    (tmp_path / "d.csv").write_text("sex,flag\nF,1\nF,0\nM,0\nM,1\n", encoding="utf-8")
    result = biasaudit.audit(
        tmp_path / "d.csv", roles={"flagged": "flag"}, groups=["sex"], min_cell=0
    )
    result.report(target)
    before = {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()}
    return target, before


def test_a_failed_pdf_leaves_no_file_and_the_earlier_folder(tmp_path):
    """A report that refers to a local file stops the PDF (only inline images are
    read): OutputError, no report.pdf, no partial file, the earlier folder as it was."""
    target, before = _earlier_output(tmp_path)
    page = '<html><body><h1>x</h1><img src="file:///etc/hostname" alt="x"></body></html>'

    def fill(tmp: Path) -> dict:
        (tmp / "report.html").write_text(page, encoding="utf-8")
        info: dict = {"versions": {}}
        write_report_pdf(tmp, info)
        return info

    with pytest.raises(OutputError, match=r"could not write report.pdf: .*file:///etc/hostname"):
        replace_folder(target, fill)
    assert {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "out"]
    # write_pdf on its own: no PDF and no partial file beside it
    (tmp_path / "r.html").write_text(page, encoding="utf-8")
    with pytest.raises(OutputError, match="could not write r.pdf"):
        write_pdf(tmp_path / "r.html", tmp_path / "r.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "out", "r.html"]


def _cli(args: list[str], cwd: Path, *, hide: bool = False, prefix: tuple[str, ...] = ()):
    """``biasaudit ARGS`` in a new interpreter; ``hide`` hides WeasyPrint from it (as
    for a user who installed biasaudit without the pdf extra)."""
    code = (
        "import sys; sys.modules['weasyprint'] = None\n" if hide else "import sys\n"
    ) + "from biasaudit.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    path = os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [*prefix, sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": path},
    )


def _config(tmp_path: Path, output: str = "") -> Path:
    (tmp_path / "d.csv").write_text("sex,flag\nF,1\nF,0\nM,0\nM,1\n", encoding="utf-8")
    path = tmp_path / "audit.toml"
    path.write_text(
        '[data]\npath = "d.csv"\n[roles]\nflagged = "flag"\n[groups]\nattributes = ["sex"]\n'
        f'[stats]\nmin_cell = 0\n[output]\ndir = "out"\n{output}',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("how", ["flag", "config"])
def test_without_weasyprint_one_clear_error_and_nothing_written(tmp_path, how):
    config = _config(tmp_path, "pdf = true\n" if how == "config" else "")
    args = ["audit", str(config), "--quiet"] + (["--pdf"] if how == "flag" else [])
    proc = _cli(args, tmp_path, hide=True)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "writing report.pdf needs WeasyPrint" in proc.stderr
    assert "pip install 'biasaudit[pdf]'" in proc.stderr
    assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.toml", "d.csv"]


def test_without_weasyprint_an_audit_without_pdf_runs(tmp_path):
    proc = _cli(["audit", str(_config(tmp_path)), "--quiet"], tmp_path, hide=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "report.html").is_file()
    assert not (tmp_path / "out" / "report.pdf").exists()


def test_python_api_without_weasyprint_raises_config_error(tmp_path):
    code = (
        "import sys; sys.modules['weasyprint'] = None\n"
        "import biasaudit\n"
        f"r = biasaudit.audit({str(tmp_path / 'd.csv')!r}, roles={{'flagged': 'flag'}},"
        " groups=['sex'], min_cell=0)\n"
        "try:\n"
        f"    r.report({str(tmp_path / 'out')!r}, pdf=True)\n"
        "except biasaudit.ConfigError as exc:\n"
        "    print('ConfigError', exc.problems['reason'].tolist())\n"
    )
    _config(tmp_path)
    path = os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert proc.stdout.strip() == "ConfigError ['pdf_unavailable']", proc.stderr
    assert not (tmp_path / "out").exists()


def _pango_file() -> Path | None:
    """The Pango library this process loaded (with WeasyPrint), from /proc/self/maps."""
    import weasyprint  # noqa: F401  (loads Pango)

    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    for line in maps.read_text().splitlines():
        path = line.split()[-1]
        if "/libpango-1.0.so" in path:
            return Path(path)
    return None


def test_without_pango_one_clear_error_and_nothing_written(tmp_path):
    """Pango really missing: in a mount namespace of its own, the library file is
    covered by an empty one, so loading it fails as on a machine without Pango."""
    pango = _pango_file()
    unshare = shutil.which("unshare")
    if pango is None or unshare is None:
        pytest.skip("needs Linux with unshare(1) and Pango loaded from a file")
    empty = tmp_path / "empty.so"
    empty.write_bytes(b"")
    probe = subprocess.run(
        [unshare, "-m", "sh", "-c", f"mount --bind '{empty}' '{pango}'"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.strip()}")
    work = tmp_path / "work"
    work.mkdir()
    config = _config(work)
    # sh runs the interpreter after the mount, in the namespace where Pango is gone
    prefix = (unshare, "-m", "sh", "-c", f"mount --bind '{empty}' '{pango}' && exec \"$@\"", "sh")
    proc = _cli(["audit", str(config), "--pdf", "--quiet"], work, prefix=prefix)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "WeasyPrint could not load a library of the operating system" in proc.stderr
    assert "libpango-1.0-0" in proc.stderr and "apt-get install" in proc.stderr
    assert proc.stdout == ""  # WeasyPrint's own note is not printed
    assert sorted(p.name for p in work.iterdir()) == ["audit.toml", "d.csv"]


def test_pdf_key_must_be_a_boolean(tmp_path):
    from biasaudit.audits._config import load_config

    with pytest.raises(ConfigError, match=r"output.pdf.*true or false"):
        load_config(_config(tmp_path, 'pdf = "yes"\n'))
    assert load_config(_config(tmp_path, "pdf = true\n")).pdf is True
    assert load_config(_config(tmp_path)).pdf is False
