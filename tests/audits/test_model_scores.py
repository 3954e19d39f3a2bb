"""An audit configuration with a [model] and no score role audits the model's scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit import ConfigError
from biasaudit.audits import load_config, run_config
from biasaudit.probe import load_model
from biasaudit.synthetic import generate_probe_records, probe_logit, probe_scorecard_text

CONFIG = """
[data]
path = "records.csv"
[roles]
outcome = "fraud"
{score}
[threshold]
top_fraction = 0.1
[groups]
attributes = ["gender"]
[model]
path = "card.toml"
"""


@pytest.mark.slow  # two audits with score analyses: about 12 s on a busy 2-core machine
def test_the_model_scores_are_the_score_role(tmp_path):
    records = generate_probe_records(3_000, seed=2)
    records.to_csv(tmp_path / "records.csv", index=False)
    (tmp_path / "card.toml").write_text(probe_scorecard_text(), encoding="utf-8")
    (tmp_path / "audit.toml").write_text(CONFIG.format(score=""), encoding="utf-8")
    result = run_config(load_config(tmp_path / "audit.toml"))
    # the same audit on the records with the model's scores as a column (the scores
    # themselves are checked against the planted coefficients in tests/probe/; ties at
    # the top-10% cut make the audit sensitive to the last bit of a score)
    scores = load_model(tmp_path / "card.toml").score(records)
    assert scores == pytest.approx(1 / (1 + np.exp(-probe_logit(records))), abs=1e-12)
    scored = records.assign(score=scores)
    expected = biasaudit.audit(
        scored,
        roles={"outcome": "fraud", "score": "score"},
        threshold={"top_fraction": 0.1},
        groups=["gender"],
    )
    numbers = ["value", "ci_low", "ci_high", "ratio", "p_value"]
    pd.testing.assert_frame_equal(
        result.table[numbers].reset_index(drop=True),
        expected.table[numbers].reset_index(drop=True),
        check_exact=False,
        atol=1e-9,
    )
    assert result.score_analysis is not None
    assert result.source.name == "records.csv" and result.source.sha256
    assert any("computed by the [model]" in n for n in result.ledger.notes)


def test_a_model_and_a_score_role_conflict(tmp_path):
    (tmp_path / "records.csv").write_text("gender,nationality,fraud,s\nF,Dutch,0,0.1\n")
    (tmp_path / "card.toml").write_text(probe_scorecard_text(), encoding="utf-8")
    (tmp_path / "audit.toml").write_text(CONFIG.format(score='score = "s"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="roles.score already names a score"):
        load_config(tmp_path / "audit.toml")
