"""``biasaudit probe CONFIG`` as a user runs it: the output folder, the numbers it
prints, and for every bad input one clear error, exit 2 and nothing written."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasaudit.cli import main
from biasaudit.io import file_sha256
from biasaudit.synthetic import (
    generate_probe_records,
    probe_logit,
    probe_model,
    probe_scorecard_text,
)

SCORER = Path(__file__).resolve().parents[1] / "probe_scorer.py"
FLIP = '[[probe.flips]]\nattribute = "gender"\nmap = { F = "M", M = "F" }\n'


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    import skops.io as sio

    root = tmp_path_factory.mktemp("probe")
    records = generate_probe_records(6_000, seed=9)
    records.to_csv(root / "records.csv", index=False)
    sio.dump(probe_model(records), root / "model.skops")
    (root / "card.toml").write_text(probe_scorecard_text(), encoding="utf-8")
    return root


def _config(folder: Path, name: str, model: str, extra: str = FLIP) -> Path:
    path = folder / f"probe-{name}.toml"
    path.write_text(
        f'[data]\npath = "records.csv"\n[groups]\nattributes = ["gender", "nationality"]\n'
        f"[model]\n{model}\n{extra}",
        encoding="utf-8",
    )
    return path


def test_probe_writes_the_output_folder(folder, capsys):
    config = _config(
        folder,
        "ok",
        'path = "model.skops"',
        FLIP + '[proxy]\nattributes = ["nationality"]\n[stats]\nbootstrap_samples = 20\n'
        '[profiles]\nbase = { gender = "M", language_level = 4, income = 1.5, has_children = 0, '
        'months_on_benefit = 12 }\nvary = { gender = ["F"] }\n',
    )
    out = folder / "out"
    assert main(["probe", str(config), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "charts",
        "manifest.json",
        "probe.json",
        "report.html",
        "tables",
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"]["kind"] == "sklearn"
    assert manifest["model"]["sha256"] == file_sha256(folder / "model.skops")
    flips = pd.read_csv(out / "tables" / "probe-flips.csv")
    women = flips[(flips["attribute"] == "gender") & (flips["group"] == "F")].iloc[0]
    records = pd.read_csv(folder / "records.csv")
    eta = probe_logit(records[records["gender"] == "F"])
    truth = np.mean(1 / (1 + np.exp(-(eta - 0.6))) - 1 / (1 + np.exp(-eta)))  # by hand
    assert women["mean_change"] == pytest.approx(truth, abs=1e-9)
    assert f"mean score change {truth:+.4f}" in printed
    assert "proxy for nationality: language_level" in printed
    proxies = pd.read_csv(out / "tables" / "probe-proxies.csv")
    assert proxies.iloc[0]["feature"] == "language_level"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Model probing" in html and "Attribute flips" in html and "Proxies" in html
    assert "Profile &#x27;gender = F&#x27;" in html
    assert len(list((out / "charts").glob("*.svg"))) == 2


def test_the_scorecard_and_the_command_give_the_same_table(folder):
    tables = []
    for name, model in [
        ("card", 'path = "card.toml"'),
        (
            "command",
            f"command = [{json.dumps(sys.executable)}, {json.dumps(str(SCORER))}]\ntrust = true\n"
            'features = ["gender", "language_level", "income", "has_children", "months_on_benefit"]',
        ),
    ]:
        out = folder / f"out-{name}"
        assert (
            main(["probe", str(_config(folder, name, model)), "--out", str(out), "--quiet"]) == 0
        )
        tables.append(pd.read_csv(out / "tables" / "probe-flips.csv"))
    numbers = tables[0].select_dtypes("number").columns
    diff = (tables[0][numbers] - tables[1][numbers]).abs().max()
    assert (diff.fillna(0) < 1e-9).all(), diff[diff > 1e-9]


CARD_WRONG_LEVEL = "[levels.gender]\nFemale = 0.6\nM = 0\n[numeric]\nincome = -0.5\n"


@pytest.mark.parametrize(
    ("model", "extra", "needle"),
    [
        (
            "command = [PY, SCORER, '--fail']\ntrust = true\nfeatures = FEATURES",
            FLIP,
            "exited with status 3",
        ),
        (
            "command = [PY, SCORER, '--short']\ntrust = true\nfeatures = FEATURES",
            FLIP,
            "one score per row",
        ),
        (
            "command = [PY, SCORER, '--nan']\ntrust = true\nfeatures = FEATURES",
            FLIP,
            "NaN or infinite",
        ),
        (
            "command = [PY, SCORER, '--text']\ntrust = true\nfeatures = FEATURES",
            FLIP,
            "not numbers",
        ),
        ("command = [PY, SCORER]\nfeatures = FEATURES", FLIP, "set trust = true"),
        ('path = "model.skops"', FLIP.replace('F = "M"', 'Female = "M"'), "never equals 'Female'"),
        ('path = "wrong-level.toml"', FLIP, "scorecard level not in the data"),
        ('path = "pickle.joblib"', FLIP, "is a pickle"),
        ('path = "model.skops"\nfeatures = ["gender", "income", "wealth"]', FLIP, "'wealth'"),
        ('path = "model.skops"\ncolour = "red"', FLIP, "model.colour: unknown key"),
        ('path = "model.skops"', "", "nothing to probe"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(folder, capsys, model, extra, needle):
    import joblib

    (folder / "wrong-level.toml").write_text(CARD_WRONG_LEVEL, encoding="utf-8")
    joblib.dump(probe_model(), folder / "pickle.joblib")
    features = '["gender", "language_level", "income", "has_children", "months_on_benefit"]'
    model = (
        model.replace("PY", json.dumps(sys.executable))
        .replace("SCORER", json.dumps(str(SCORER)))
        .replace("FEATURES", features)
    )
    out = folder / "never"
    code = main(["probe", str(_config(folder, "bad", model, extra)), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err
    assert "Traceback" not in err
    assert not out.exists()


def test_the_guide_example_prints_what_the_guide_shows(tmp_path, monkeypatch, capsys):
    guide = Path(__file__).resolve().parents[2] / "docs" / "guide" / "probing.md"
    text = guide.read_text(encoding="utf-8")
    section = text.split("## From the command line", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    toml = section.split("```toml\n", 1)[1].split("```", 1)[0]
    shown = section.split("```console\n$ ", 1)[1].split("```", 1)[0]
    command, printed = shown.split("\n", 1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(guide), "exec"), {})
    (tmp_path / "probe.toml").write_text(toml, encoding="utf-8")
    assert main([*command.split()[1:], "--quiet"]) == 0
    assert capsys.readouterr().out == printed


def test_small_counts_are_withheld_unless_restricted_and_runs_repeat_byte_for_byte(folder):
    # min_cell 300: the smaller nationality groups (about 4% of 6,000 each) are withheld
    config = _config(folder, "small", 'path = "card.toml"', FLIP + "[stats]\nmin_cell = 300\n")
    outs = [folder / "pub-a", folder / "pub-b", folder / "restricted"]
    for out in outs[:2]:
        assert main(["probe", str(config), "--out", str(out), "--quiet"]) == 0
    assert main(["probe", str(config), "--out", str(outs[2]), "--restricted", "--quiet"]) == 0
    for name in ("probe.json", "report.html", "manifest.json", "tables/probe-flips.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    public = pd.read_csv(outs[0] / "tables" / "probe-flips.csv")
    full = pd.read_csv(outs[2] / "tables" / "probe-flips-restricted.csv")
    withheld = public["n"].isna()
    assert withheld.any() and (full.loc[withheld, "n"] < 300).any()
    assert public.loc[withheld, "mean_change"].isna().all()
    assert full["n"].notna().all()
    # nothing withheld reaches the report: no withheld group's mean change is printed
    html = (outs[0] / "report.html").read_text(encoding="utf-8")
    for value in full.loc[withheld, "mean_change"]:
        assert f"{value:,.4f}" not in html


def _visible(page: str) -> str:
    """The words a reader sees: text between tags and the charts' alt text."""
    import html
    import re

    alts = " ".join(re.findall(r'alt="([^"]*)"', page))
    words = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    return " ".join(html.unescape(words + " " + alts).split())


def test_a_dutch_probe_report_is_dutch_and_its_data_the_same(folder, capsys):
    import re

    from biasaudit.report._messages import ENGLISH, catalogue

    extra = (
        FLIP + '[proxy]\nattributes = ["nationality"]\n[stats]\nbootstrap_samples = 20\n'
        '[profiles]\nbase = { gender = "M", language_level = 4, income = 1.5, has_children = 0, '
        'months_on_benefit = 12 }\nvary = { gender = ["F"] }\n'
    )
    config = _config(folder, "lang", 'path = "model.skops"', extra)
    en, nl = folder / "out-en", folder / "out-nl"
    assert main(["probe", str(config), "--out", str(en), "--quiet"]) == 0
    assert main(["probe", str(config), "--out", str(nl), "--quiet", "--language", "nl"]) == 0
    # [output] language in the file gives the same report as --language
    dutch_file = _config(folder, "lang-nl", 'path = "model.skops"', extra)
    dutch_file.write_text(
        dutch_file.read_text(encoding="utf-8") + '[output]\nlanguage = "nl"\n', encoding="utf-8"
    )
    assert main(["probe", str(dutch_file), "--out", str(folder / "out-nl2"), "--quiet"]) == 0
    capsys.readouterr()
    page = (nl / "report.html").read_text(encoding="utf-8")
    assert page == (folder / "out-nl2" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in page
    assert '<html lang="en">' in (en / "report.html").read_text(encoding="utf-8")
    for name in ["probe.json", *(f"tables/{p.name}" for p in (en / "tables").iterdir())]:
        assert (en / name).read_bytes() == (nl / name).read_bytes(), name
    assert json.loads((nl / "manifest.json").read_text(encoding="utf-8"))["language"] == "nl"
    assert json.loads((en / "manifest.json").read_text(encoding="utf-8"))["language"] == "en"
    # no English sentence of the probe's catalogue in the Dutch report
    english = _visible((en / "report.html").read_text(encoding="utf-8"))
    dutch = _visible(page)
    fragments = {
        p.strip(" :;,.()")
        for key, message in ENGLISH.items()
        if key.startswith(("probe.", "pchart.", "pcol."))
        for p in re.split(r"\{\w+\}", message)
        if len(p.strip(" :;,.()").split()) >= 2 and p not in catalogue("nl")[key]
    }
    shown = {f for f in fragments if f in english}
    assert len(shown) > 15  # the English report holds the English catalogue
    assert sorted(f for f in shown if f in dutch) == []
    # Dutch numbers: the women's mean change, computed by hand, with a decimal comma
    records = pd.read_csv(folder / "records.csv")
    eta = probe_logit(records[records["gender"] == "F"])
    truth = np.mean(1 / (1 + np.exp(-(eta - 0.6))) - 1 / (1 + np.exp(-eta)))
    assert f"gender = F: {truth:+.4f}".replace(".", ",") in dutch
    assert f"gender = F: {truth:+.4f}" in english
    assert "(6.000 records)" in dutch and "(6,000 records)" in english
    assert "95%-BI" in dutch
    # the flag rule and the profile's sentence in Dutch; probe.json keeps the English
    saved = json.loads((nl / "probe.json").read_text(encoding="utf-8"))
    assert saved["flips"]["threshold"] == (
        "the top 10% of scores flagged (the default: no threshold given)"
    )
    assert saved["flips"]["threshold"] in english and saved["flips"]["threshold"] not in dutch
    assert (
        "Selectieregel: de hoogste 10% van de scores geselecteerd (de standaard: geen drempel "
        "opgegeven)" in dutch
    )
    (row,) = [r for r in saved["tables"]["probe-profiles"] if r["sentence"]]
    assert row["sentence"] in english and row["sentence"] not in dutch
    score, base = (f"{row[c]:.2f}".replace(".", ",") for c in ("score", "base_score"))
    assert (
        f"Profiel 'gender = F' (gender F) scoort {score} tegenover {base} voor 'base' "
        "(gender M), verder gelijk." in dutch
    )


def test_an_unknown_probe_language_exits_2_and_writes_nothing(folder, capsys):
    config = _config(folder, "fr", 'path = "card.toml"', FLIP + '[output]\nlanguage = "fr"\n')
    assert main(["probe", str(config), "--out", str(folder / "out-fr"), "--quiet"]) == 2
    assert "output.language: unknown report language 'fr'" in capsys.readouterr().err
    assert not (folder / "out-fr").exists()


def test_flipping_the_top_proxy_writes_its_numeric_values(folder, capsys):
    """[proxy] flip_top flips the top proxy (language_level, numbers 1 to 4): its
    values are numpy integers in the flip table, and probe.json holds them as numbers
    (this crashed with a traceback while the JSON was written)."""
    config = _config(
        folder,
        "fliptop",
        'path = "model.skops"',
        FLIP + '[proxy]\nattributes = ["nationality"]\nflip_top = 1\n'
        "[stats]\nbootstrap_samples = 20\n",
    )
    out = folder / "out-fliptop"
    assert main(["probe", str(config), "--out", str(out), "--quiet"]) == 0
    assert "flip language_level" in capsys.readouterr().out
    flips = json.loads((out / "probe.json").read_text(encoding="utf-8"))["flips"]
    assert any(str(f.get("attribute")) == "language_level" for f in flips["flips"])
