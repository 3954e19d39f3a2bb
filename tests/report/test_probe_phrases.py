"""The probe's notes, flag rule and profile sentences in the report: the English
catalogue rebuilds the probe's own text (probe.json's), and Dutch keeps the values."""

from __future__ import annotations

import numpy as np

from biasaudit.probe import Phrase
from biasaudit.probe._phrases import TEMPLATES
from biasaudit.report._messages import language
from biasaudit.report._probe_report import _say

# values as the probe stage stores them (numpy numbers and strings included)
VALUES = {
    "rule_score": {"value": 0.75},
    "rule_top_k": {"k": 1500},
    "rule_top_k_scaled": {"k": 1500, "scaled": 300, "scored": 2000},
    "rule_top_fraction": {"percent": 12.5},
    "rule_top_fraction_default": {"percent": 10.0},
    "flip_sample": {"scored": 2000, "rows": 20000, "seed": 20261207},
    "not_flipped": {"flip": "gender F<->M", "left": 1234, "attribute": "gender"},
    "together": {
        "flip": "gender F<->M",
        "columns": "pregnant, parental_leave",
        "attribute": "gender",
    },
    "proxy_many_values": {"feature": "postcode", "attribute": "nationality", "distinct": 1200},
    "proxy_flip": {
        "feature": "language_level",
        "typical": np.int64(4),
        "attribute": "nationality",
        "largest": "Dutch",
    },
    "proxy_sample": {"sampled": 2000, "rows": 20000},
    "proxy_left_out": {"attribute": "nationality", "dropped": 1001, "min_cell": 10},
    "profile_differs": {
        "name": "gender = F",
        "mine": "gender F",
        "score": np.float64(0.30512),
        "base_score": 0.1,
        "base": "base",
        "theirs": "gender M",
    },
    "profile_same": {"name": "twin", "base": "base", "score": 0.1234},
}


def test_every_phrase_kind_is_tested():
    assert set(VALUES) == set(TEMPLATES)


def test_the_english_report_writes_the_probes_own_text():
    for kind, values in VALUES.items():
        phrase = Phrase(kind, values)
        assert _say(phrase) == str(phrase), kind


def test_dutch_phrases_keep_the_values_with_dutch_numbers():
    with language("nl"):
        said = {kind: _say(Phrase(kind, values)) for kind, values in VALUES.items()}
    assert said["rule_top_k_scaled"] == (
        "de 1.500 hoogste scores geselecteerd (herschaald naar 300 van de 2.000 beoordeelde)"
    )
    assert said["rule_top_fraction"] == "de hoogste 12,5% van de scores geselecteerd"
    assert said["rule_score"] == "geselecteerd bij een score van ten minste 0,75"
    assert said["flip_sample"].endswith("2.000 van de 20.000 records (seed 20261207)")
    assert said["proxy_left_out"] == (
        "nationality: 1.001 records met een ontbrekende waarde of in een groep van minder "
        "dan 10 mensen weggelaten"
    )
    assert said["profile_differs"] == (
        "Profiel 'gender = F' (gender F) scoort 0,31 tegenover 0,10 voor 'base' "
        "(gender M), verder gelijk."
    )
    assert said["profile_same"] == (
        "Profiel 'twin' is in elke invoer van het model gelijk aan 'base' (score 0,12)."
    )
    for kind, text in said.items():
        assert text != str(Phrase(kind, VALUES[kind])), kind
