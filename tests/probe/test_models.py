"""The model forms give identical scores on the same model, and every failure is one
clear error."""

from __future__ import annotations

import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from biasaudit import ConfigError, RecordsError
from biasaudit.probe import Model, as_model, flip_experiment, load_model
from biasaudit.synthetic import (
    PROBE_FEATURES,
    generate_probe_records,
    probe_logit,
    probe_model,
    probe_scorecard_text,
)

SCORER = Path(__file__).resolve().parents[1] / "probe_scorer.py"
GENDER = {"attribute": "gender", "map": {"F": "M", "M": "F"}}


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    return generate_probe_records(3_000, seed=5)


def _truth(df: pd.DataFrame) -> np.ndarray:
    return 1 / (1 + np.exp(-probe_logit(df)))


def test_every_form_gives_the_same_scores(records, tmp_path):
    import skops.io as sio

    pipe = probe_model(records)
    card = tmp_path / "card.toml"
    card.write_text(probe_scorecard_text(), encoding="utf-8")
    sio.dump(pipe, tmp_path / "model.skops")
    joblib.dump(pipe, tmp_path / "model.joblib")
    forms = {
        "sklearn object": as_model(pipe),
        "skops file": load_model(tmp_path / "model.skops"),
        "joblib file": load_model(tmp_path / "model.joblib", trust=True),
        "scorecard": load_model(card),
        "command": load_model(
            command=[sys.executable, str(SCORER)], trust=True, features=PROBE_FEATURES
        ),
        "callable": Model.from_callable(_truth, features=PROBE_FEATURES),
    }
    truth = _truth(records)  # by hand, from the planted coefficients
    for name, model in forms.items():
        assert model.score(records) == pytest.approx(truth, abs=1e-9, rel=0), name
    assert forms["skops file"].features == PROBE_FEATURES
    assert len(forms["skops file"].sha256) == 64


def _onnx(pipe, path: Path, *, double: bool) -> Path:
    """The pipeline converted by skl2onnx: numbers in 64-bit floats (``double``), or in
    skl2onnx's default 32-bit floats."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from sklearn.linear_model import LogisticRegression

    number = DoubleTensorType if double else FloatTensorType
    types = [("gender", StringTensorType([None, 1]))] + [
        (c, number([None, 1])) for c in PROBE_FEATURES[1:]
    ]
    # with a text input skl2onnx declares the probabilities float even in a double
    # graph (onnxruntime then refuses the graph): declare the outputs' types
    final = [("label", Int64TensorType([None])), ("probabilities", number([None, 2]))]
    onx = to_onnx(
        pipe,
        initial_types=types,
        final_types=final if double else None,
        options={LogisticRegression: {"zipmap": False}},
    )
    path.write_bytes(onx.SerializeToString())
    return path


def test_an_onnx_model_in_double_precision_gives_the_same_scores(records, tmp_path):
    """skl2onnx converts the pipeline (one-hot encoder and all) at test time into a
    64-bit graph: the same scores as scikit-learn and the planted truth to 1e-9."""
    pytest.importorskip("onnxruntime")
    model = load_model(_onnx(probe_model(records), tmp_path / "model.onnx", double=True))
    assert model.kind == "onnx"
    assert set(model.features) == set(PROBE_FEATURES)
    assert model.score(records) == pytest.approx(_truth(records), abs=1e-9, rel=0)
    table = flip_experiment(records, model, [GENDER], groups=["nationality"]).table
    card = load_model(_card(tmp_path))
    expected = flip_experiment(records, card, [GENDER], groups=["nationality"]).table
    numbers = expected.select_dtypes("number").columns
    diff = (table[numbers] - expected[numbers]).abs().max().fillna(0)
    assert (diff < 1e-9).all(), diff[diff >= 1e-9]


def test_an_onnx_model_in_single_precision_agrees_to_float32(records, tmp_path):
    """skl2onnx's default graph computes in 32-bit floats (as most ONNX files handed
    over do): its scores agree with the 64-bit model to float32 precision only."""
    pytest.importorskip("onnxruntime")
    model = load_model(_onnx(probe_model(records), tmp_path / "model.onnx", double=False))
    scores = model.score(records)
    assert scores == pytest.approx(_truth(records), abs=1e-6, rel=0)
    assert np.abs(scores - _truth(records)).max() > 1e-12  # not double precision


def _card(folder: Path) -> Path:
    card = folder / "card.toml"
    card.write_text(probe_scorecard_text(), encoding="utf-8")
    return card


def _error(fn) -> str:
    with pytest.raises((RecordsError, ConfigError)) as err:
        fn()
    assert "Traceback" not in str(err.value)
    return str(err.value)


@pytest.mark.parametrize(
    ("function", "needle"),
    [
        (lambda df: 1 / 0, "ZeroDivisionError"),
        (lambda df: np.zeros(len(df) - 1), "expected one score per row"),
        (lambda df: np.full(len(df), np.nan), "NaN or infinite"),
        (lambda df: np.array(["high"] * len(df)), "not numbers, e.g. 'high'"),
        (lambda df: None, "expected one score per row"),
    ],
)
def test_a_failing_model_is_one_clear_error(records, function, needle):
    model = Model.from_callable(function)
    assert needle in _error(lambda: model.score(records))


def test_missing_feature_columns(records):
    model = as_model(probe_model(records))
    text = _error(lambda: model.score(records.drop(columns=["income", "gender"])))
    assert "'income': column not found" in text and "'gender': column not found" in text


@pytest.mark.parametrize(
    ("flag", "needle"),
    [
        ("--fail", "exited with status 3: Error in score(): object 'income' not found"),
        ("--short", "expected one score per row"),
        ("--nan", "NaN or infinite"),
        ("--text", "not numbers, e.g. 'high'"),
    ],
)
def test_a_failing_command_is_one_clear_error(records, flag, needle):
    model = load_model(command=[sys.executable, str(SCORER), flag], trust=True)
    assert needle in _error(lambda: model.score(records[list(PROBE_FEATURES)]))


def test_command_timeout_and_missing_program(records):
    slow = load_model(command=[sys.executable, str(SCORER), "--sleep"], trust=True, timeout=1)
    assert "did not finish within 1 s" in _error(lambda: slow.score(records.head()))
    gone = load_model(command=["no-such-scorer-program"], trust=True)
    assert "program not found" in _error(lambda: gone.score(records.head()))


def test_code_from_a_file_needs_trust(records, tmp_path):
    joblib.dump(probe_model(records), tmp_path / "model.pkl")
    text = _error(lambda: load_model(tmp_path / "model.pkl"))
    assert "is a pickle" in text and "trust = true" in text
    text = _error(lambda: load_model(command=["Rscript", "score.R"]))
    assert "runs a program named in a file" in text and "trust = true" in text


class Constant:
    """An estimator type skops has never heard of (it could do anything when loaded)."""

    def predict(self, x):
        return np.zeros(len(x))


def test_skops_file_with_unknown_types_needs_trust(tmp_path):
    import skops.io as sio

    sio.dump(Constant(), tmp_path / "f.skops")
    assert "does not know to be safe" in _error(lambda: load_model(tmp_path / "f.skops"))


def test_bad_model_files(tmp_path):
    assert "file not found" in _error(lambda: load_model(tmp_path / "none.onnx"))
    (tmp_path / "m.xyz").write_text("x", encoding="utf-8")
    assert "cannot tell the model's kind" in _error(lambda: load_model(tmp_path / "m.xyz"))
    (tmp_path / "m.skops").write_text("not a zip", encoding="utf-8")
    assert "not a skops file" in _error(lambda: load_model(tmp_path / "m.skops"))
    (tmp_path / "m.onnx").write_bytes(b"garbage")
    assert "not an ONNX model" in _error(lambda: load_model(tmp_path / "m.onnx"))
    assert "expected a scikit-learn estimator" in _error(lambda: as_model(3))


def test_an_onnx_model_with_one_input_matrix_needs_its_columns(records, tmp_path):
    pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression

    columns = ["language_level", "income"]
    fitted = LogisticRegression().fit(records[columns].to_numpy(), records["fraud"])
    onx = to_onnx(
        fitted,
        initial_types=[("x", FloatTensorType([None, 2]))],
        options={LogisticRegression: {"zipmap": False}},
    )
    path = tmp_path / "matrix.onnx"
    path.write_bytes(onx.SerializeToString())
    assert "list the columns in its order" in _error(lambda: load_model(path))
    model = load_model(path, features=columns)
    want = fitted.predict_proba(records[columns].to_numpy())[:, 1]
    assert model.score(records) == pytest.approx(want, abs=1e-6, rel=0)


def test_a_logistic_link_turns_log_odds_into_probabilities(records):
    logit = Model.from_callable(probe_logit, features=PROBE_FEATURES).with_link("logistic")
    assert logit.score(records) == pytest.approx(_truth(records), abs=1e-12)
    assert "expected 'identity' or 'logistic'" in _error(lambda: logit.with_link("probit"))
