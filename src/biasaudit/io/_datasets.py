"""Bundled scenario datasets, and ProPublica's COMPAS file fetched into a user cache."""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd

from .._exceptions import BiasAuditError
from ._bundled import bundled_root
from ._io import file_sha256

#: Where ProPublica publishes the two-year COMPAS file (Angwin et al. 2016).
COMPAS_URL = (
    "https://raw.githubusercontent.com/propublica/compas-analysis/master/"
    "compas-scores-two-years.csv"
)
#: sha256 of ``compas-scores-two-years.csv`` as published; anything else is refused.
COMPAS_SHA256 = "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d"
COMPAS_FILE = "compas-scores-two-years.csv"
DATA_ENV = "BIASAUDIT_DATA"

_CARD = "README.md"
_LIST_COLUMNS = ["name", "title", "rows", "description"]


class DatasetError(BiasAuditError, ValueError):
    """A dataset name that is not bundled, or a bundled folder without one data file."""


class DownloadError(BiasAuditError, OSError):
    """A download failed, or a file did not have the published checksum."""


def _scenario_dirs() -> dict[str, Path]:
    root = bundled_root()
    return {
        p.name: p
        for p in sorted(root.iterdir())
        if p.is_dir() and not p.name.startswith((".", "_")) and (p / _CARD).is_file()
    }


def _read_card(path: Path) -> tuple[str, str]:
    """First ``#`` heading and the first paragraph after it (lines joined by spaces)."""
    title = ""
    paragraph: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not title:
            if line.startswith("#"):
                title = line.lstrip("#").strip()
            continue
        if not line:
            if paragraph:
                break
            continue
        if line.startswith("#") and not paragraph:
            continue
        paragraph.append(line)
    return title, " ".join(paragraph)


def _main_file(folder: Path) -> Path:
    """The file ``audit.toml`` names, else ``decisions.csv``, else the only CSV file."""
    config = folder / "audit.toml"
    if config.is_file():
        try:
            with open(config, "rb") as fh:
                named = tomllib.load(fh).get("data", {}).get("path")
        except tomllib.TOMLDecodeError:
            named = None  # a broken config is the audit's error to report, not the listing's
        if isinstance(named, str) and (folder / named).is_file():
            return folder / named
    decisions = folder / "decisions.csv"
    if decisions.is_file():
        return decisions
    csvs = sorted(p for p in folder.glob("*.csv") if p.is_file())
    if len(csvs) == 1:
        return csvs[0]
    raise DatasetError(
        f"dataset {folder.name!r} has no single main data file. Got CSV files "
        f"{[p.name for p in csvs]}; expected [data] path in audit.toml, decisions.csv "
        "or exactly one CSV file"
    )


def _count_rows(path: Path) -> int:
    # The csv module, not a line count: a quoted field may hold a line break.
    with open(path, encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def list_datasets() -> pd.DataFrame:
    """List the scenario datasets bundled with biasaudit.

    Every folder of the repository's ``datasets/`` (bundled in the wheel) that holds a
    ``README.md`` dataset card is a dataset.

    Returns
    -------
    pandas.DataFrame
        One row per dataset, sorted by name, with columns ``name`` (pass it to
        :func:`load_dataset`), ``title`` (the card's first heading), ``rows`` (data rows of
        the main data file, ``<NA>`` if there is no single one) and ``description`` (the
        card's first paragraph).

    Examples
    --------
    >>> from biasaudit.datasets import list_datasets
    >>> table = list_datasets()
    >>> list(table.columns)
    ['name', 'title', 'rows', 'description']
    >>> int(table.set_index("name").loc["welfare-synthetic", "rows"])
    40000
    """
    rows = []
    for name, folder in _scenario_dirs().items():
        title, description = _read_card(folder / _CARD)
        try:
            count: int | None = _count_rows(_main_file(folder))
        except DatasetError:
            count = None
        rows.append({"name": name, "title": title, "rows": count, "description": description})
    table = pd.DataFrame(rows, columns=_LIST_COLUMNS)
    table["rows"] = table["rows"].astype("Int64")
    return table


def dataset_path(name: str) -> Path:
    """Folder of a bundled dataset, with its data file, ``README.md`` and ``audit.toml``.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`, e.g. ``"welfare-synthetic"``.

    Returns
    -------
    pathlib.Path
        The folder; run its audit with ``biasaudit run <folder>/audit.toml``.

    Raises
    ------
    DatasetError
        If no bundled dataset has that name (a ``ValueError``).

    Examples
    --------
    >>> from biasaudit.datasets import dataset_path
    >>> (dataset_path("welfare-synthetic") / "audit.toml").is_file()
    True
    """
    dirs = _scenario_dirs()
    if name not in dirs:
        raise DatasetError(
            f"unknown dataset {name!r}. Available: {', '.join(map(repr, dirs)) or 'none'}; "
            "see biasaudit.datasets.list_datasets()"
        )
    return dirs[name]


def load_dataset(name: str) -> pd.DataFrame:
    """Read a bundled dataset's main data file into a DataFrame.

    The main file is the one its ``audit.toml`` reads (``[data] path``), else
    ``decisions.csv``, else the folder's only CSV file. Columns whose every value is a number
    are read as numbers; all other columns (codes such as ``"yes"`` or ``"Errors
    Found"``) are pandas ``string`` columns with blank cells as ``<NA>``. Text such as
    ``"NA"`` or ``"None"`` stays text: only a blank cell is missing.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`, e.g. ``"welfare-synthetic"``.

    Returns
    -------
    pandas.DataFrame
        One row per line of the data file.

    Raises
    ------
    DatasetError
        If no bundled dataset has that name (a ``ValueError``), or its folder has no single
        main data file.

    Examples
    --------
    >>> from biasaudit.datasets import load_dataset
    >>> df = load_dataset("welfare-synthetic")
    >>> df.shape
    (40000, 9)
    >>> str(df["fraud_found"].dtype)
    'string'
    """
    path = _main_file(dataset_path(name))
    df = pd.read_csv(path, encoding="utf-8", keep_default_na=False, na_values=[""])
    text = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    return df.astype(dict.fromkeys(text, "string"))


def _data_home(data_home: str | os.PathLike[str] | None) -> Path:
    if data_home is not None:
        return Path(data_home).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return Path("~/.cache/biasaudit").expanduser()


def fetch_compas(
    data_home: str | os.PathLike[str] | None = None, *, url: str = COMPAS_URL
) -> Path:
    """Download ProPublica's ``compas-scores-two-years.csv`` once and return its path.

    The file is checked against its published sha256 (:data:`COMPAS_SHA256`) and kept in
    a cache folder; later calls return the cached file without using the network. A file
    with another checksum is never kept.

    Parameters
    ----------
    data_home : str or path-like, optional
        Cache folder. Default: the environment variable ``BIASAUDIT_DATA`` if set, else
        ``~/.cache/biasaudit``. Created if missing.
    url : str, keyword-only
        Where to download from; default :data:`COMPAS_URL` (ProPublica's repository). A
        ``file://`` URL reads a local copy.

    Returns
    -------
    pathlib.Path
        ``<data_home>/compas-scores-two-years.csv``.

    Raises
    ------
    DownloadError
        (an ``OSError``) if the download fails (offline: download the file by hand into
        ``data_home``), if the downloaded file has another checksum (it is deleted), or if
        the cached file has another checksum (delete it and call again).

    Examples
    --------
    >>> import pandas as pd
    >>> from biasaudit.datasets import fetch_compas
    >>> compas = pd.read_csv(fetch_compas())  # doctest: +SKIP
    >>> compas.shape  # doctest: +SKIP
    (7214, 53)
    """
    home = _data_home(data_home)
    target = home / COMPAS_FILE
    if target.exists():
        got = file_sha256(target)
        if got == COMPAS_SHA256:
            return target
        raise DownloadError(
            f"the cached file {target} is not ProPublica's {COMPAS_FILE}: got sha256 {got}, "
            f"expected {COMPAS_SHA256}. Delete it and call fetch_compas() again"
        )
    home.mkdir(parents=True, exist_ok=True)
    # A temporary file in the same folder, so the final rename is atomic and an
    # interrupted or wrong download never sits in the cache under the real name.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{COMPAS_FILE}.", suffix=".part", dir=home)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    shutil.copyfileobj(response, out)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                raise DownloadError(
                    f"downloading {COMPAS_FILE} failed: {exc}. URL: {url}. Without network, "
                    f"download the file by hand and save it as {target} (or pass "
                    "data_home= the folder that holds it)"
                ) from exc
        got = file_sha256(tmp)
        if got != COMPAS_SHA256:
            raise DownloadError(
                f"the file downloaded from {url} is not ProPublica's {COMPAS_FILE}: got "
                f"sha256 {got}, expected {COMPAS_SHA256}. It was deleted; check the url"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
