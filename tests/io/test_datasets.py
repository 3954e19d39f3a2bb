"""biasaudit.datasets: the bundled scenarios and the COMPAS download into a cache."""

from __future__ import annotations

import shutil
import urllib.request

import pandas as pd
import pytest

from biasaudit import BiasAuditError, datasets
from biasaudit.datasets import (
    COMPAS_SHA256,
    DatasetError,
    DownloadError,
    dataset_path,
    fetch_compas,
    list_datasets,
    load_dataset,
)
from conftest import COMPAS, REPO
from conftest import COMPAS_SHA256 as SHARED_SHA256


def _scenario_folders() -> set[str]:
    return {p.parent.name for p in (REPO / "datasets").glob("*/README.md")}


def test_list_datasets_finds_every_bundled_folder():
    table = list_datasets()
    assert list(table.columns) == ["name", "title", "rows", "description"]
    assert set(table["name"]) == _scenario_folders()
    demo = table.set_index("name").loc["welfare-synthetic"]
    assert demo["title"] == "Dataset card: welfare-synthetic"
    assert demo["rows"] == 40_000  # README.md: "decisions.csv, 40,000 rows"
    assert demo["description"].startswith("Synthetic welfare-fraud decision records")
    assert demo["description"].endswith("No real person is in it.")


def test_every_listed_dataset_loads_with_its_row_count():
    for row in list_datasets().itertuples():
        if pd.isna(row.rows):
            continue
        assert len(load_dataset(row.name)) == row.rows


def test_load_dataset_reads_the_demo_records_with_codes_as_text():
    df = load_dataset("welfare-synthetic")
    assert df.shape == (40_000, 9)
    assert df["case_id"].iloc[0] == "C000001"
    for column in ("gender", "selected", "investigated", "fraud_found", "nationality"):
        assert df[column].dtype == "string"
    assert pd.api.types.is_float_dtype(df["risk_score"])
    # README.md: the 4,000 highest scores are selected; fraud_found blank if not investigated
    assert (df["selected"] == "yes").sum() == 4_000
    assert df["fraud_found"].isna().sum() == (df["investigated"] == "no").sum()


def test_dataset_path_holds_the_audit_config():
    folder = dataset_path("welfare-synthetic")
    assert (folder / "audit.toml").is_file()
    assert (folder / "decisions.csv").is_file()


@pytest.mark.parametrize("func", [load_dataset, dataset_path])
def test_unknown_dataset_lists_the_names(func):
    with pytest.raises(ValueError, match=r"unknown dataset 'nope'.*'welfare-synthetic'"):
        func("nope")


def test_errors_are_biasaudit_errors():
    assert issubclass(DatasetError, BiasAuditError)
    assert issubclass(DownloadError, BiasAuditError)
    assert issubclass(DownloadError, OSError)


def test_public_module_exports():
    assert set(datasets.__all__) >= {
        "list_datasets",
        "load_dataset",
        "dataset_path",
        "fetch_compas",
        "COMPAS_SHA256",
    }


# --- fetch_compas: file:// URLs and a refused local port only, never the network ---


@pytest.fixture
def compas_url(compas_path):
    return compas_path.as_uri()


def _no_network(monkeypatch):
    calls = []

    def fail(*args, **kwargs):
        calls.append(args)
        raise AssertionError("fetch_compas used the network although the cache was valid")

    monkeypatch.setattr(urllib.request, "urlopen", fail)
    return calls


def test_constant_matches_the_shared_file():
    assert COMPAS_SHA256 == SHARED_SHA256


def test_fetch_downloads_then_uses_the_cache(tmp_path, compas_url, monkeypatch):
    path = fetch_compas(tmp_path, url=compas_url)
    assert path == tmp_path / "compas-scores-two-years.csv"
    assert path.read_bytes() == COMPAS.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left

    calls = _no_network(monkeypatch)
    assert fetch_compas(tmp_path, url=compas_url) == path
    assert calls == []


def test_fetch_creates_the_cache_folder(tmp_path, compas_url):
    home = tmp_path / "a" / "b"
    assert fetch_compas(str(home), url=compas_url).parent == home


def test_data_home_from_the_environment(tmp_path, compas_url, monkeypatch):
    monkeypatch.setenv("BIASAUDIT_DATA", str(tmp_path))
    assert fetch_compas(url=compas_url) == tmp_path / "compas-scores-two-years.csv"


def test_default_data_home_is_the_user_cache(tmp_path, compas_url, monkeypatch):
    monkeypatch.delenv("BIASAUDIT_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".cache" / "biasaudit" / "compas-scores-two-years.csv"
    assert fetch_compas(url=compas_url) == expected


def test_argument_beats_the_environment(tmp_path, compas_url, monkeypatch):
    monkeypatch.setenv("BIASAUDIT_DATA", str(tmp_path / "env"))
    assert fetch_compas(tmp_path / "arg", url=compas_url).parent == tmp_path / "arg"
    assert not (tmp_path / "env").exists()


def test_download_with_another_checksum_is_refused_and_deleted(tmp_path, compas_path):
    modified = tmp_path / "modified.csv"
    shutil.copyfile(compas_path, modified)
    with open(modified, "a", encoding="utf-8") as fh:
        fh.write("\n")
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="not ProPublica's.*It was deleted"):
        fetch_compas(cache, url=modified.as_uri())
    assert list(cache.iterdir()) == []


def test_cached_file_with_another_checksum_is_refused(tmp_path, compas_url, monkeypatch):
    bad = tmp_path / "compas-scores-two-years.csv"
    bad.write_text("id,name\n1,x\n", encoding="utf-8")
    calls = _no_network(monkeypatch)
    with pytest.raises(DownloadError, match="Delete it and call fetch_compas"):
        fetch_compas(tmp_path, url=compas_url)
    assert calls == []
    assert bad.read_text(encoding="utf-8") == "id,name\n1,x\n"  # the user's file, untouched


def test_offline_error_names_the_url_and_the_manual_fix(tmp_path):
    url = "http://127.0.0.1:9/compas-scores-two-years.csv"
    with pytest.raises(DownloadError, match="download the file by hand") as info:
        fetch_compas(tmp_path, url=url)
    assert url in str(info.value)
    assert str(tmp_path / "compas-scores-two-years.csv") in str(info.value)
    assert list(tmp_path.iterdir()) == []


# --- which file is the main one; folders are picked up without a list ---


def _scenario(root, name, files, toml=None):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(
        f"# Dataset card: {name}\n\nFirst line\nsecond line.\n\nMore.\n", encoding="utf-8"
    )
    for file in files:
        (folder / file).write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    if toml is not None:
        (folder / "audit.toml").write_text(toml, encoding="utf-8")
    return folder


def test_main_file_rules(tmp_path, monkeypatch):
    import biasaudit.io._datasets as impl

    _scenario(tmp_path, "named", ["counts.csv", "truth.csv"], '[data]\npath = "counts.csv"\n')
    _scenario(tmp_path, "decisions", ["decisions.csv", "truth.csv"])
    _scenario(tmp_path, "single", ["counts.csv"], "not [valid toml")
    _scenario(tmp_path, "ambiguous", ["a.csv", "b.csv"])
    (tmp_path / "no-card").mkdir()
    monkeypatch.setattr(impl, "bundled_root", lambda: tmp_path)

    table = list_datasets().set_index("name")
    assert list(table.index) == ["ambiguous", "decisions", "named", "single"]
    assert table.loc["named", "title"] == "Dataset card: named"
    assert table.loc["named", "description"] == "First line second line."
    assert table.loc["single", "rows"] == 2
    assert pd.isna(table.loc["ambiguous", "rows"])
    assert dataset_path("named") == tmp_path / "named"
    assert list(load_dataset("named")["b"]) == ["x", "y"]
    with pytest.raises(DatasetError, match=r"no single main data file.*\['a.csv', 'b.csv'\]"):
        load_dataset("ambiguous")


def test_missing_bundled_folder_is_a_clear_error(monkeypatch):
    from pathlib import Path

    from biasaudit.io._bundled import bundled_root

    monkeypatch.setattr(Path, "is_dir", lambda self: False)
    with pytest.raises(BiasAuditError, match="bundled datasets not found.*reinstall"):
        bundled_root()
