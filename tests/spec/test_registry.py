"""The registry is the one vocabulary: docs are generated from it and its
definitions agree with DESIGN.md §3."""

from __future__ import annotations

from pathlib import Path

from biasaudit import METRICS
from biasaudit.spec._registry import glossary_markdown

REPO = Path(__file__).resolve().parents[2]


def test_docs_metrics_page_is_generated_from_the_registry():
    page = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert page == glossary_markdown(), "regenerate docs/metrics.md from glossary_markdown()"


def test_every_metric_names_only_known_count_cells():
    cells = {"n", "flagged", "tp", "fp", "fn", "tn", "expected_flagged"}
    for spec in METRICS.values():
        assert set(spec.numerator) <= cells, spec.name
        assert set(spec.denominator) <= cells, spec.name
        assert "{group}" in spec.plain, spec.name


def test_the_three_false_accusation_rates_have_different_denominators():
    fpr = METRICS["false_positive_rate"]
    fdr = METRICS["false_discovery_rate"]
    ifr = METRICS["innocent_flag_rate"]
    assert fpr.numerator == fdr.numerator == ifr.numerator == ("fp",)
    assert {fpr.denominator, fdr.denominator, ifr.denominator} == {
        ("fp", "tn"),
        ("tp", "fp"),
        ("n",),
    }
