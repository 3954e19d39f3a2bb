"""Edge inputs found by exploratory testing: each gets a clear error or a correct
result, never a traceback."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from biasaudit import ConfigError, RecordsError, UndefinedRateWarning, audit
from biasaudit.cli import main


def test_a_group_whose_weights_are_all_zero_does_not_crash_disclosure_control():
    df = pd.DataFrame({"flag": ["yes", "no"] * 3, "g": list("AABBCC"), "w": [1, 1, 1, 1, 0, 0]})
    with pytest.warns(UndefinedRateWarning, match="g = C"):
        r = audit(df, roles={"flagged": "flag", "weight": "w"}, groups=["g"])
    assert r.table["suppressed"].all()  # 2 people per group: nothing publishable


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reference": "M"}, "groups.reference: expected a table of attribute = group"),
        ({"roles": {"flagged": ["f"]}}, "roles.flagged: expected a column name; got ['f']"),
        ({"intersections": [["g", "g"]]}, "each intersection lists two or more different"),
        ({"metrics": ["foo"]}, "metrics: Unknown metric 'foo'"),
        ({"metrics": ["precision"]}, "metrics: 'precision' needs outcomes; name roles.outcome"),
    ],
)
def test_option_problems_are_config_errors(kwargs, message):
    df = pd.DataFrame({"g": ["A", "B"] * 10, "f": [1, 0] * 10})
    kw = {"roles": {"flagged": "f"}, "groups": ["g"], **kwargs}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        audit(df, **kw)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('encoding = "nope-codec"', "could not read 'd.csv' as csv: unknown encoding"),
        ('delimiter = ";;"', "delimiter must be one character; got ';;'"),
    ],
)
def test_bad_reading_options_exit_2_without_traceback(tmp_path, capsys, data, message):
    pd.DataFrame({"g": ["A", "B"] * 10, "f": [1, 0] * 10}).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "a.toml").write_text(
        f'[data]\npath = "d.csv"\n{data}\n[roles]\nflagged = "f"\n[groups]\nattributes = ["g"]\n'
    )
    assert main(["validate", str(tmp_path / "a.toml")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_dropping_every_row_is_an_error_not_an_empty_audit():
    df = pd.DataFrame({"f": ["yes", "no"] * 20, "g": [None] * 40})
    with pytest.raises(RecordsError, match="no rows left to analyse"):
        audit(df, roles={"flagged": "f"}, groups=["g"], missing="drop")


def test_missing_ids_are_reported_as_missing_not_as_duplicates():
    df = pd.DataFrame({"id": ["a", None, None, "d"], "g": list("ABAB"), "f": [1, 0, 1, 0]})
    with pytest.raises(RecordsError) as info:
        audit(df, roles={"flagged": "f", "id": "id"}, groups=["g"])
    text = str(info.value)
    assert "column 'id' (id): 2 rows without an id" in text
    assert "more than once" not in text


def test_float_codes_written_to_csv_match_the_default_codes(tmp_path):
    df = pd.DataFrame({"g": ["A", "B"] * 10, "f": [1, 0] * 10, "y": [1.0, 0.0, np.nan, 1.0] * 5})
    df.to_csv(tmp_path / "d.csv", index=False)  # y is written as 1.0 / 0.0 / blank
    kw = {"roles": {"flagged": "f", "outcome": "y"}, "groups": ["g"], "min_cell": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedRateWarning)  # tiny groups, empty cells
        from_csv = audit(tmp_path / "d.csv", **kw).counts.table
        in_memory = audit(df, **kw).counts.table
    pd.testing.assert_frame_equal(from_csv, in_memory)


def test_threshold_selecting_nobody_says_which_way_to_move_it():
    df = pd.DataFrame({"g": ["A", "B"] * 150, "s": np.linspace(0, 1, 300)})
    with pytest.raises(RecordsError, match="raise top_k / top_fraction"):
        audit(df, roles={"score": "s"}, groups=["g"], threshold={"top_fraction": 0.001})


def test_cli_headline_never_compares_the_reference_with_itself(tmp_path, capsys):
    df = pd.DataFrame({"g": ["F", "M"] * 100, "f": [1, 0, 0, 1] * 50, "y": [0, 1, 1, 1] * 50})
    df.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "a.toml").write_text(
        '[data]\npath = "d.csv"\n[roles]\nflagged = "f"\noutcome = "y"\n'
        '[groups]\nattributes = ["g"]\n'
    )
    assert main(["audit", str(tmp_path / "a.toml"), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    compared = [line for line in out.splitlines() if " vs " in line]
    assert compared
    for line in compared:  # "g = M 41.4% vs F 50.0%": the two groups differ
        group = line.split(" = ")[1].split(" ")[0]
        reference = line.split(" vs ")[1].split(" ")[0]
        assert group != reference, line
    assert "nan" not in out


@pytest.mark.parametrize("seed", range(20))
def test_the_fast_ragged_row_count_agrees_with_the_csv_module(tmp_path, seed):
    """The numpy delimiter count (text without quotes) finds the same odd rows as
    Python's csv module, the oracle: blank lines, CRLF, trailing delimiters, a block
    boundary inside a line (issue 14)."""
    import csv

    from biasaudit.io import _io

    rng = np.random.default_rng(seed)
    end = "\r\n" if seed % 2 else "\n"
    lines = ["a,b,c"]
    for _ in range(300):
        k = int(rng.choice([3, 3, 3, 3, 2, 4, 1, 5]))
        fields = [str(int(x)) for x in rng.integers(0, 100, size=k)]
        if k == 4 and rng.random() < 0.5:
            fields[-1] = ""  # a stray trailing delimiter
        lines.append(",".join(fields) if rng.random() > 0.05 else "")
    path = tmp_path / "d.csv"
    path.write_text(end.join(lines) + end, encoding="utf-8", newline="")
    with open(path, newline="", encoding="utf-8") as fh:
        records = [r for r in csv.reader(fh) if r][1:]  # blank lines skipped, header off
    expected = [
        (row, len(r), len(r) == 4 and r[-1] == "")
        for row, r in enumerate(records, start=1)
        if len(r) != 3
    ]
    old = _io._BLOCK
    try:
        _io._BLOCK = 64  # many blocks: lines cross block boundaries
        quick = _io._quick_counts(path, open, "utf-8", ",", 3)
    finally:
        _io._BLOCK = old
    assert quick == expected
    assert expected  # the file has odd rows to find


def test_quoted_text_is_left_to_the_csv_module(tmp_path):
    from biasaudit.io import _io

    path = tmp_path / "d.csv"
    path.write_text('a,b\n"x,y",1\n', encoding="utf-8")
    assert _io._quick_counts(path, open, "utf-8", ",", 2) is None
    assert _io.csv_problems(path, delimiter=",", encoding="utf-8") == []  # one quoted field


def test_json_writer_takes_numpy_numbers_and_arrays():
    """Tables hand numpy scalars to the JSON writer (an int64 count, a float32 rate)."""
    from biasaudit.io._write import write_json

    text = write_json(
        {"n": np.int64(3), "rate": np.float32(0.5), "rows": [{"k": np.arange(2)}]}, None
    )
    assert json.loads(text) == {"n": 3, "rate": 0.5, "rows": [{"k": [0, 1]}]}
