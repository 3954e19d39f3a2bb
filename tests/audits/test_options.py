"""The options definition covers every key the configuration parser accepts, so the
configuration reference cannot miss a key."""

from __future__ import annotations

from biasaudit.audits._config import SECTIONS
from biasaudit.audits._options import OPTIONS


def test_every_configuration_key_has_an_option():
    documented = {(o.section, o.key) for o in OPTIONS}
    accepted = {(s, k) for s, keys in SECTIONS.items() for k in keys or ()}
    missing = sorted(accepted - documented)
    assert missing == [], f"add these keys to biasaudit/audits/_options.py: {missing}"


def test_every_option_is_a_key_the_parser_accepts():
    accepted = {(s, k) for s, keys in SECTIONS.items() for k in keys or ()}
    open_sections = {s for s, keys in SECTIONS.items() if keys is None}
    stale = sorted(
        (o.section, o.key)
        for o in OPTIONS
        if (o.section, o.key) not in accepted and o.section not in open_sections
    )
    assert stale == [], f"options no longer accepted by the parser: {stale}"


def test_options_are_unique_and_filled_in():
    pairs = [(o.section, o.key) for o in OPTIONS]
    assert len(pairs) == len(set(pairs))
    for o in OPTIONS:
        assert o.type and o.default and o.allowed and o.description, o


def test_options_follow_the_order_of_the_sections():
    order = list(SECTIONS)
    positions = [order.index(o.section) for o in OPTIONS]
    assert positions == sorted(positions)


def test_allowed_values_are_the_ones_the_code_accepts():
    """Where the code holds the list of allowed values, the options list the same."""
    import re

    from biasaudit.audits._config import KINDS, OUTPUT_MODES
    from biasaudit.counts._tables import LAYOUTS
    from biasaudit.discover import DISCOVER_CORRECTIONS
    from biasaudit.io._io import ENGINES
    from biasaudit.metrics._ranges import POINTS
    from biasaudit.spec._change_spec import COMPARES
    from biasaudit.spec._spec import CORRECTIONS, DECISIONS, INTERVAL_METHODS, MISSING_POLICIES

    expected = {
        ("data", "engine"): ENGINES,
        ("data", "kind"): tuple(KINDS),
        ("groups", "missing"): MISSING_POLICIES,
        ("stats", "interval"): INTERVAL_METHODS,
        ("stats", "correction"): CORRECTIONS,
        ("counts", "layout"): LAYOUTS,
        ("counts", "point"): POINTS,
        ("output", "mode"): OUTPUT_MODES,
        ("discover", "correction"): DISCOVER_CORRECTIONS,
        ("change", "compare"): COMPARES,
        ("harm", "decision"): DECISIONS,
    }
    options = {(o.section, o.key): o for o in OPTIONS}
    for key, values in expected.items():
        listed = re.findall(r'"([^"]*)"', options[key].allowed)
        assert sorted(listed) == sorted(values), f"{key}: options say {listed}, code {values}"
        default = re.findall(r'"([^"]*)"', options[key].default)
        assert default and default[0] in values, f"{key}: default {options[key].default}"
