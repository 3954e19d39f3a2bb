"""Two periods of a scoring system with a planted change, and the bundled scenario.

An agency reweighs its model between two years: in the first year the score gives
women +0.6 logit points and people with a non-western migration background +0.7; in
the second it gives women +0.1 and leaves the migration bias as it was. The change of
the gender disparity is planted; the migration disparity is not meant to change.
:func:`generate_periods` draws each period from its own :class:`ScenarioConfig` (its
own people, its own seed) and stacks them with a period column, so an audit with
``roles.period`` should find the gender change and not a migration one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ._scenarios import Scenario, ScenarioConfig, _csv, _mapping_text, _percent, _write, generate

#: The bundled scenario's folder name, periods and their scoring systems.
PERIOD_SCENARIO = "before-after"
PERIOD_SEED = 20261201
PERIODS: dict[str, ScenarioConfig] = {
    "2022": ScenarioConfig(
        name=PERIOD_SCENARIO,
        n=10_000,
        seed=PERIOD_SEED,
        direct_bias={"gender": {"F": 0.6}, "migration_background": {"non-western": 0.7}},
    ),
    "2023": ScenarioConfig(
        name=PERIOD_SCENARIO,
        n=10_000,
        seed=PERIOD_SEED + 1,
        direct_bias={"gender": {"F": 0.1}, "migration_background": {"non-western": 0.7}},
    ),
}


def generate_periods(
    configs: Mapping[str, ScenarioConfig], *, column: str = "year"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Draw each period of ``configs`` and stack them.

    Parameters
    ----------
    configs : mapping of str to ScenarioConfig
        Period label -> how that period's population and scoring system are made.
    column : str, default="year"
        Name of the period column.

    Returns
    -------
    records, fraud, truth : pandas.DataFrame
        The records of every period (``column`` first, ``case_id`` prefixed with the
        period so ids stay unique), the true fraud per ``case_id``, and the true
        per-group rates of each period (:func:`truth_table` with ``column`` first).

    Examples
    --------
    >>> a = ScenarioConfig(n=500, seed=1, direct_bias={"gender": {"F": 1.0}})
    >>> b = ScenarioConfig(n=500, seed=2)
    >>> records, fraud, truth = generate_periods({"2021": a, "2022": b})
    >>> records.groupby("year").size().to_dict()
    {'2021': 500, '2022': 500}
    >>> records["case_id"].iloc[0]
    '2021-C00001'
    """
    parts: list[tuple[str, Scenario]] = [(p, generate(c)) for p, c in configs.items()]
    records, fraud, truth = [], [], []
    for label, s in parts:
        ids = label + "-" + s.records["case_id"]
        records.append(s.records.assign(case_id=ids).pipe(_first, column, label))
        fraud.append(s.fraud.assign(case_id=ids))
        truth.append(s.truth.pipe(_first, column, label))
    return (
        pd.concat(records, ignore_index=True),
        pd.concat(fraud, ignore_index=True),
        pd.concat(truth, ignore_index=True),
    )


def _first(frame: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, column, value)
    return out


_TOML = """# Synthetic scenario 'before-after': see README.md.

[data]
path = "decisions.csv"

[roles]
id = "case_id"
score = "risk_score"
flagged = "flagged"
investigated = "investigated"
outcome = "outcome"
period = "year"

[groups]
attributes = ["gender", "migration_background"]
reference = { gender = "M", migration_background = "none" }

[metrics]
include = ["selection_rate", "false_discovery_rate", "innocent_flag_rate"]

[stats]
bootstrap_samples = 500

[report]
title = "Fraud risk scoring before and after the 2023 model change (synthetic)"
names = { migration_background = "migration background" }
labels = { gender = { F = "women", M = "men" }, migration_background = { none = "people without a migration background", western = "people with a western migration background", "non-western" = "people with a non-western migration background" } }
"""


def _card(truth: pd.DataFrame) -> str:
    lines = [
        f"# Dataset card: {PERIOD_SCENARIO}",
        "",
        "**Synthetic**: no real person is in it. Two years of one welfare-fraud scoring "
        "system, reweighed in between, with the change planted. Made by "
        "`biasaudit.synthetic._periods.write_period_scenario` from `PERIODS` (seeds "
        f"{PERIOD_SEED} and {PERIOD_SEED + 1}, 10,000 people a year); a test regenerates "
        "every file and checks it is byte-identical.",
        "",
        "## Intended use",
        "",
        'Audit by period (`roles.period = "year"`): each year on its own and both '
        "together, and a test of whether each disparity changed. The gender bias of the "
        "score was cut from +0.6 to +0.1 logit points in 2023, so the gender selection-rate "
        "ratio falls; the migration-background bias (+0.7) was left as it was, so that "
        "ratio should not change beyond chance. Outcomes are known only for the "
        "investigated (the flagged): selective labels.",
        "",
        "## Files",
        "",
        "- `decisions.csv`: the data an auditor gets, both years (column `year`).",
        "- `truth.csv`: the true per-group rates of each year (`year, attribute, group, "
        "metric, value, numerator, denominator`).",
        "- `truth-fraud.csv`: true fraud (1 / 0) per `case_id`; the answer key, never "
        "for the audit.",
        "- `audit.toml`: `biasaudit audit audit.toml` runs the audit by year.",
        "",
        "## How it was made",
        "",
    ]
    for label, c in PERIODS.items():
        lines.append(
            f"- {label}: {c.n:,} people, true fraud {c.fraud_rate:.0%}; score bias "
            f"{_mapping_text(c.direct_bias)}; the top {c.policy_value:.0%} of scores flagged "
            "and investigated."
        )
    lines += ["", "## True selection rates (from `truth.csv`)", ""]
    for label in PERIODS:
        t = truth[truth["year"] == label]
        for attribute in ("gender", "migration_background"):
            lines.append(f"- {label}, {attribute}: {_percent(t, attribute, 'selection_rate')}")
    return "\n".join(lines) + "\n"


def write_period_scenario(root: str | Path) -> list[Path]:
    """Write the bundled two-period scenario into ``root/before-after/``.

    Returns
    -------
    list of pathlib.Path
        The files written: ``decisions.csv``, ``truth.csv``, ``truth-fraud.csv``,
        ``audit.toml`` and ``README.md``.
    """
    folder = Path(root) / PERIOD_SCENARIO
    folder.mkdir(parents=True, exist_ok=True)
    records, fraud, truth = generate_periods(PERIODS)
    files = {
        "decisions.csv": _csv(records),
        "truth.csv": _csv(truth),
        "truth-fraud.csv": _csv(fraud),
        "audit.toml": _TOML,
        "README.md": _card(truth),
    }
    written = []
    for name, text in files.items():
        _write(folder / name, text)
        written.append(folder / name)
    return written
