"""Seeded synthetic welfare-fraud populations with known ground truth, and the bundled
scenarios built from them.

An audit estimates; a simulation knows. :func:`generate` draws a population from a
:class:`ScenarioConfig` and returns both what an auditor would get (the published
records: protected attributes, proxies, the score, who was flagged and investigated,
and outcomes only for the investigated) and the truth (true fraud for everyone, and the
true per-group selection rate, base rate, false positive rate, false negative rate and
precision). Comparing an audit's estimates with the truth is how the estimators are
checked and how students learn what selective labels hide.

How one person is made (every draw from one generator seeded with ``config.seed``, in
this order, so the same configuration always gives the same rows):

1. gender, age band, migration background; nationality given migration background;
   disability; household type;
2. proxies: limited Dutch language skill (probability by nationality) and neighbourhood
   (shares by migration background);
3. true fraud with probability ``fraud_rate`` times the multipliers of the person's
   groups (``fraud_multiplier``), capped at 1;
4. a risk score ``logistic(intercept + signal x fraud + direct bias + proxy bias +
   noise)``: ``direct_bias`` gives logit points to protected groups, ``proxy_bias`` to
   proxy values (language, neighbourhood) only;
5. flagging by ``policy``: the ``top_k`` or ``top_fraction`` highest scores (random
   tie-break) or ``threshold`` (score at least the value);
6. a share ``investigated_share`` of the flagged investigated; optionally a random
   audit sample investigated regardless of score (simple, or stratified with equal
   allocation and inverse-probability weights);
7. outcomes known only for the investigated (an investigation finds fraud exactly
   where there is fraud);
8. optionally the process stages: scored, high risk, selected, home visit, found or
   unfounded, appealed (among the found), appeal upheld.

:func:`write_scenarios` writes the bundled scenarios (``datasets/<name>/``); a test
regenerates them and checks they are byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

Shares = tuple[tuple[str, float], ...]

#: Protected attributes of the generated records, in column order.
PROTECTED = (
    "gender",
    "age_band",
    "migration_background",
    "nationality",
    "disability",
    "household",
)
#: Proxies: not protected, but correlated with protected attributes.
PROXIES = ("language", "neighbourhood")
#: The per-group truth: metric -> (numerator cell, denominator cells).
TRUTH_METRICS = {
    "selection_rate": ("flagged", ("n",)),
    "base_rate": ("fraud", ("n",)),
    "false_positive_rate": ("fp", ("fp", "tn")),
    "false_negative_rate": ("fn", ("fn", "tp")),
    "precision": ("tp", ("tp", "fp")),
}
#: Funnel stages (name, parent) in order, for ``ScenarioConfig(stages=True)``.
STAGES = (
    ("scored", None),
    ("high risk", "scored"),
    ("selected", "high risk"),
    ("home visit", "selected"),
    ("found", "home visit"),
    ("unfounded", "home visit"),
    ("appealed", "found"),
    ("appeal upheld", "appealed"),
)
POLICIES = ("top_fraction", "top_k", "threshold")


def _nationality() -> dict[str, Shares]:
    return {
        "none": (("Dutch", 1.0),),
        "western": (("Dutch", 0.45), ("Polish", 0.35), ("Other", 0.20)),
        "non-western": (
            ("Dutch", 0.40),
            ("Moroccan", 0.20),
            ("Turkish", 0.20),
            ("Surinamese", 0.12),
            ("Other", 0.08),
        ),
    }


def _language() -> dict[str, float]:
    return {
        "Dutch": 0.03,
        "Surinamese": 0.10,
        "Moroccan": 0.45,
        "Turkish": 0.45,
        "Polish": 0.55,
        "Other": 0.50,
    }


def _neighbourhood() -> dict[str, Shares]:
    return {
        "none": (
            ("Centrum", 0.25),
            ("Noord", 0.15),
            ("Oost", 0.25),
            ("West", 0.20),
            ("Zuid", 0.15),
        ),
        "western": (
            ("Centrum", 0.30),
            ("Noord", 0.20),
            ("Oost", 0.20),
            ("West", 0.15),
            ("Zuid", 0.15),
        ),
        "non-western": (
            ("Centrum", 0.05),
            ("Noord", 0.35),
            ("Oost", 0.10),
            ("West", 0.15),
            ("Zuid", 0.35),
        ),
    }


@dataclass(frozen=True)
class ScenarioConfig:
    """How a synthetic welfare-fraud population and its scoring system are made.

    Parameters
    ----------
    name : str
        Name of the scenario (the folder name when written).
    n : int
        Number of people scored.
    seed : int
        Seed of the one random generator; the same configuration gives the same rows.
    gender, age_band, migration_background, disability, household : tuple of (str, float)
        Groups and their population shares (each adds up to 1).
    nationality : mapping of str to shares
        Nationality shares given migration background.
    language : mapping of str to float
        Probability of limited Dutch language skill, by nationality (a proxy).
    neighbourhood : mapping of str to shares
        Neighbourhood shares given migration background (a proxy).
    fraud_rate : float
        Probability of true fraud before the group multipliers.
    fraud_multiplier : mapping
        ``{column: {group: multiplier}}`` on the fraud probability (1 if not given).
    score_intercept, score_signal, score_noise : float
        The score's logit is ``intercept + signal x fraud + biases + N(0, noise)``.
    direct_bias : mapping
        ``{protected attribute: {group: logit points}}``.
    proxy_bias : mapping
        ``{proxy: {value: logit points}}`` for ``language`` and ``neighbourhood``.
    policy : {"top_fraction", "top_k", "threshold"}
        How the flagged are chosen from the score; ``policy_value`` is the fraction, the
        number of people or the score threshold.
    investigated_share : float
        Share of the flagged who are investigated.
    random_sample : int
        Size of a random audit sample investigated regardless of score (0: none). It
        adds the columns ``sample`` (``random`` / ``model`` / ``none``) and, when
        stratified, ``weight``.
    sample_strata : str, optional
        Column to stratify the random sample by: equal allocation per group, weight
        ``N_h / n_h`` for the sampled (1 for everyone else).
    stages : bool
        Add a ``stage`` column: the furthest process stage reached (:data:`STAGES`).
    high_risk_fraction : float
        With ``stages``: the top fraction of scores labelled "high risk" (the flagged are
        always high risk).
    appeal_share, appeal_upheld_share : float
        With ``stages``: share of the found who appeal, and of appeals upheld.

    Examples
    --------
    >>> config = ScenarioConfig(n=2_000, seed=1, direct_bias={"gender": {"F": 0.5}})
    >>> scenario = generate(config)
    >>> int((scenario.records["flagged"] == "yes").sum())
    200
    """

    name: str = "scenario"
    n: int = 20_000
    seed: int = 0
    gender: Shares = (("F", 0.52), ("M", 0.48))
    age_band: Shares = (("18-29", 0.22), ("30-44", 0.33), ("45-64", 0.35), ("65+", 0.10))
    migration_background: Shares = (("none", 0.70), ("western", 0.10), ("non-western", 0.20))
    nationality: Mapping[str, Shares] = field(default_factory=_nationality)
    disability: Shares = (("no", 0.88), ("yes", 0.12))
    household: Shares = (
        ("single", 0.40),
        ("couple", 0.20),
        ("couple with children", 0.25),
        ("single parent", 0.15),
    )
    language: Mapping[str, float] = field(default_factory=_language)
    neighbourhood: Mapping[str, Shares] = field(default_factory=_neighbourhood)
    fraud_rate: float = 0.05
    fraud_multiplier: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    score_intercept: float = -2.5
    score_signal: float = 1.5
    score_noise: float = 0.8
    direct_bias: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    proxy_bias: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    policy: str = "top_fraction"
    policy_value: float = 0.10
    investigated_share: float = 1.0
    random_sample: int = 0
    sample_strata: str | None = None
    stages: bool = False
    high_risk_fraction: float = 0.20
    appeal_share: float = 0.30
    appeal_upheld_share: float = 0.25

    def __post_init__(self) -> None:
        problems = []
        if self.n < 1:
            problems.append(f"n must be at least 1; got {self.n}")
        for column in ("gender", "age_band", "migration_background", "disability", "household"):
            problems += _check_shares(column, getattr(self, column))
        for parent, shares in {**self.nationality, **self.neighbourhood}.items():
            problems += _check_shares(f"shares given {parent!r}", shares)
        for key in self.direct_bias:
            if key not in PROTECTED:
                problems.append(f"direct_bias: {key!r} is not a protected attribute {PROTECTED}")
        for key in self.proxy_bias:
            if key not in PROXIES:
                problems.append(f"proxy_bias: {key!r} is not a proxy {PROXIES}")
        for key in self.fraud_multiplier:
            if key not in PROTECTED + PROXIES:
                problems.append(f"fraud_multiplier: unknown column {key!r}")
        if self.policy not in POLICIES:
            problems.append(f"policy must be one of {POLICIES}; got {self.policy!r}")
        if not 0 <= self.investigated_share <= 1:
            problems.append("investigated_share must be in [0, 1]")
        if not 0 <= self.random_sample <= self.n:
            problems.append(f"random_sample must be 0 to n; got {self.random_sample}")
        if self.sample_strata is not None and self.sample_strata not in PROTECTED + PROXIES:
            problems.append(f"sample_strata: unknown column {self.sample_strata!r}")
        if self.stages and self.random_sample:
            problems.append("stages and a random sample cannot be combined")
        if problems:
            raise ValueError("; ".join(problems))


def _check_shares(name: str, shares: Shares) -> list[str]:
    total = sum(p for _, p in shares)
    if abs(total - 1) > 1e-9 or any(p < 0 for _, p in shares):
        return [f"{name}: shares must be >= 0 and add up to 1 (they add up to {total:g})"]
    return []


@dataclass(frozen=True)
class Scenario:
    """A generated population: the published records and the ground truth.

    Attributes
    ----------
    config : ScenarioConfig
        What it was made from.
    records : pandas.DataFrame
        What an auditor gets: one row per person, outcome blank unless investigated.
    fraud : pandas.DataFrame
        The truth per person: ``case_id``, ``fraud`` (1 / 0). Not in the records.
    truth : pandas.DataFrame
        True per-group rates from the whole population (:func:`truth_table`).
    """

    config: ScenarioConfig
    records: pd.DataFrame
    fraud: pd.DataFrame
    truth: pd.DataFrame


def _draw(rng: np.random.Generator, shares: Shares, n: int) -> np.ndarray:
    labels = np.array([label for label, _ in shares], dtype=object)
    probs = np.array([p for _, p in shares])
    return rng.choice(labels, size=n, p=probs / probs.sum())


def _draw_given(
    rng: np.random.Generator, parent: np.ndarray, table: Mapping[str, Shares]
) -> np.ndarray:
    out = np.empty(len(parent), dtype=object)
    for level, shares in table.items():
        mask = parent == level
        out[mask] = _draw(rng, shares, int(mask.sum()))
    return out


def generate(config: ScenarioConfig) -> Scenario:
    """Draw the population of ``config``: the published records and the ground truth.

    Parameters
    ----------
    config : ScenarioConfig
        The population, the score, the flagging policy and the investigations.

    Returns
    -------
    Scenario
        ``records`` (columns ``case_id``, the protected attributes, ``language``,
        ``neighbourhood``, ``risk_score``, ``flagged``, ``investigated``, ``outcome``
        and, as configured, ``sample``, ``weight``, ``stage``), ``fraud`` (true fraud
        per ``case_id``) and ``truth`` (true per-group rates).

    Examples
    --------
    >>> s = generate(ScenarioConfig(n=1_000, seed=3, random_sample=100))
    >>> s.records["sample"].value_counts().sort_index().to_dict()
    {'model': 89, 'none': 811, 'random': 100}
    >>> bool((s.records.loc[s.records["investigated"] == "no", "outcome"] == "").all())
    True
    """
    c = config
    n = c.n
    rng = np.random.default_rng(c.seed)
    cols: dict[str, np.ndarray] = {
        "gender": _draw(rng, c.gender, n),
        "age_band": _draw(rng, c.age_band, n),
        "migration_background": _draw(rng, c.migration_background, n),
    }
    cols["nationality"] = _draw_given(rng, cols["migration_background"], c.nationality)
    cols["disability"] = _draw(rng, c.disability, n)
    cols["household"] = _draw(rng, c.household, n)
    p_limited = np.array([c.language.get(v, 0.0) for v in cols["nationality"]])
    cols["language"] = np.where(rng.random(n) < p_limited, "limited", "sufficient").astype(object)
    cols["neighbourhood"] = _draw_given(rng, cols["migration_background"], c.neighbourhood)

    p_fraud = np.full(n, c.fraud_rate)
    for column, multipliers in c.fraud_multiplier.items():
        p_fraud = p_fraud * np.array([multipliers.get(v, 1.0) for v in cols[column]])
    fraud = rng.random(n) < np.minimum(p_fraud, 1.0)

    logit = c.score_intercept + c.score_signal * fraud
    for bias in (c.direct_bias, c.proxy_bias):
        for column, points in bias.items():
            logit = logit + np.array([points.get(v, 0.0) for v in cols[column]])
    logit = logit + rng.normal(0.0, c.score_noise, n)
    score = np.round(1.0 / (1.0 + np.exp(-logit)), 4)

    order = np.lexsort((rng.random(n), -score))  # random tie-break, highest first
    flagged = np.zeros(n, dtype=bool)
    if c.policy == "threshold":
        flagged = score >= c.policy_value
    else:
        k = int(c.policy_value) if c.policy == "top_k" else int(np.floor(c.policy_value * n))
        flagged[order[:k]] = True
    investigated = flagged & (rng.random(n) < c.investigated_share)

    records = pd.DataFrame({"case_id": [f"C{i:05d}" for i in range(1, n + 1)]})
    for column in PROTECTED + PROXIES:
        records[column] = cols[column]
    records["risk_score"] = score
    if c.random_sample:
        in_sample, weight = _random_sample(rng, c, cols)
        investigated = investigated | in_sample
    records["flagged"] = np.where(flagged, "yes", "no")
    records["investigated"] = np.where(investigated, "yes", "no")
    records["outcome"] = np.where(investigated, np.where(fraud, "yes", "no"), "")
    if c.random_sample:
        model = flagged & investigated & ~in_sample
        records["sample"] = np.where(in_sample, "random", np.where(model, "model", "none"))
        if c.sample_strata is not None:
            records["weight"] = np.round(weight, 6)
    if c.stages:
        records["stage"] = _stages(rng, c, score, order, flagged, investigated, fraud)
    truth_fraud = pd.DataFrame({"case_id": records["case_id"], "fraud": fraud.astype(int)})
    return Scenario(c, records, truth_fraud, truth_table(records, fraud))


def _random_sample(
    rng: np.random.Generator, c: ScenarioConfig, cols: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    n = c.n
    in_sample = np.zeros(n, dtype=bool)
    weight = np.ones(n)
    if c.sample_strata is None:
        in_sample[rng.choice(n, size=c.random_sample, replace=False)] = True
        return in_sample, weight
    strata = cols[c.sample_strata]
    levels = sorted(set(strata))
    for i, level in enumerate(levels):
        members = np.flatnonzero(strata == level)
        size = c.random_sample // len(levels) + (i < c.random_sample % len(levels))
        size = min(size, len(members))
        if size:
            in_sample[rng.choice(members, size=size, replace=False)] = True
            weight[members] = np.where(in_sample[members], len(members) / size, 1.0)
    return in_sample, weight


def _stages(
    rng: np.random.Generator,
    c: ScenarioConfig,
    score: np.ndarray,
    order: np.ndarray,
    flagged: np.ndarray,
    visited: np.ndarray,
    fraud: np.ndarray,
) -> np.ndarray:
    n = len(score)
    high = flagged.copy()
    high[order[: int(np.floor(c.high_risk_fraction * n))]] = True
    appealed = visited & fraud & (rng.random(n) < c.appeal_share)
    upheld = appealed & (rng.random(n) < c.appeal_upheld_share)
    stage = np.full(n, "scored", dtype=object)
    stage[high] = "high risk"
    stage[flagged] = "selected"
    stage[visited & fraud] = "found"
    stage[visited & ~fraud] = "unfounded"
    stage[appealed] = "appealed"
    stage[upheld] = "appeal upheld"
    return stage


def truth_table(records: pd.DataFrame, fraud: np.ndarray | pd.Series) -> pd.DataFrame:
    """True per-group rates from the whole population (flagged vs true fraud).

    Parameters
    ----------
    records : pandas.DataFrame
        Generated records (columns of :data:`PROTECTED` and :data:`PROXIES` and
        ``flagged``).
    fraud : array of bool or 0 / 1
        True fraud of every person, in the order of ``records``.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``attribute, group, metric, value, numerator, denominator``, one row per
        attribute x group x metric of :data:`TRUTH_METRICS`; groups sorted by name.
        ``value`` is NaN where the denominator is 0.

    Examples
    --------
    >>> s = generate(ScenarioConfig(n=500, seed=2))
    >>> t = s.truth
    >>> row = t[(t["attribute"] == "gender") & (t["metric"] == "selection_rate")]
    >>> int(row["denominator"].sum())
    500
    """
    truth = np.asarray(fraud).astype(bool)
    flag = records["flagged"].to_numpy() == "yes"
    rows = []
    for attribute in PROTECTED + PROXIES:
        values = records[attribute].to_numpy()
        for group in sorted(set(values)):
            g = values == group
            cells = {
                "n": int(g.sum()),
                "flagged": int((g & flag).sum()),
                "fraud": int((g & truth).sum()),
                "tp": int((g & flag & truth).sum()),
                "fp": int((g & flag & ~truth).sum()),
                "fn": int((g & ~flag & truth).sum()),
                "tn": int((g & ~flag & ~truth).sum()),
            }
            for metric, (num, dens) in TRUTH_METRICS.items():
                den = sum(cells[d] for d in dens)
                value = round(cells[num] / den, 6) if den else float("nan")
                rows.append((attribute, group, metric, value, cells[num], den))
    return pd.DataFrame(
        rows, columns=["attribute", "group", "metric", "value", "numerator", "denominator"]
    )


# --- the bundled scenarios ---------------------------------------------------------------

SCENARIO_SEED = 20261124

SCENARIOS: dict[str, ScenarioConfig] = {
    "little-disparity": ScenarioConfig(
        name="little-disparity",
        seed=SCENARIO_SEED,
        fraud_multiplier={"household": {"single parent": 1.4}},
        direct_bias={"gender": {"F": 0.05}},
    ),
    "proxy-discrimination": ScenarioConfig(
        name="proxy-discrimination",
        seed=SCENARIO_SEED + 1,
        proxy_bias={
            "language": {"limited": 0.9},
            "neighbourhood": {"Noord": 0.4, "Zuid": 0.4},
        },
    ),
    "random-audit-sample": ScenarioConfig(
        name="random-audit-sample",
        seed=SCENARIO_SEED + 2,
        fraud_rate=0.08,
        direct_bias={"gender": {"F": 0.4}, "migration_background": {"non-western": 0.6}},
        random_sample=2_000,
    ),
    "foi-tables": ScenarioConfig(
        name="foi-tables",
        seed=SCENARIO_SEED + 3,
        direct_bias={"gender": {"F": 0.35}, "migration_background": {"non-western": 0.6}},
    ),
    "funnel": ScenarioConfig(
        name="funnel",
        seed=SCENARIO_SEED + 4,
        direct_bias={"migration_background": {"non-western": 0.7, "western": 0.3}},
        stages=True,
    ),
}

_PURPOSE = {
    "little-disparity": (
        "A fair-ish system: the score sees true fraud and gives women a negligible "
        "+0.05 logit points; single parents commit fraud 1.4 times as often. Outcomes "
        "are known only for the investigated (**selective labels**), so false positive "
        "and false negative rates are bounds in the audit. Use it to see what a small, "
        "partly justified disparity looks like and how wide selective-label bounds are."
    ),
    "proxy-discrimination": (
        "The score never uses nationality or migration background, but gives +0.9 logit "
        "points for limited Dutch language skill and +0.4 for living in Noord or Zuid, "
        "where people with a non-western migration background live more often. True "
        "fraud is the same in every group. Use it to show that dropping a protected "
        "attribute does not remove discrimination through proxies."
    ),
    "random-audit-sample": (
        "Selective labels plus a simple random audit sample of 2,000 of the 20,000 "
        "people, investigated regardless of score (`sample` column: `random` / `model` "
        "/ `none`). The score gives women +0.4 and people with a non-western migration "
        "background +0.6 logit points. Use it with `roles.sample` to estimate false "
        "positive and false negative rates with intervals, and compare them with "
        "`truth.csv`."
    ),
    "foi-tables": (
        "Only an aggregated table, as a freedom-of-information reply gives it: counts "
        "per gender and per nationality (n, flagged, TP, FP, FN, TN; outcomes as if "
        "known for everyone, e.g. an evaluation set), with cells below 10 shown as "
        "`<10` and a Total row. The score gives women +0.35 and people with a "
        "non-western migration background +0.6 logit points. Use it with "
        '`[data] kind = "counts"`: suppressed cells make some metrics ranges.'
    ),
    "funnel": (
        "A multi-stage process: scored -> high risk (top 20%) -> selected (top 10%) -> "
        "home visit (all selected) -> found / unfounded -> appealed (30% of the found) "
        "-> appeal upheld (25% of appeals). The `stage` column holds the furthest stage "
        "each person reached. The score gives people with a non-western migration "
        "background +0.7 and a western one +0.3 logit points. Use it with "
        '`[data] kind = "funnel"`.'
    ),
}

_ROLES = (
    '[data]\npath = "decisions.csv"\n\n'
    '[roles]\nid = "case_id"\nscore = "risk_score"\nflagged = "flagged"\n'
    'investigated = "investigated"\noutcome = "outcome"\n'
)
_METRICS = (
    '\n[metrics]\ninclude = ["selection_rate", "precision", "innocent_flag_rate", '
    '"false_positive_rate"]\n'
)

_TOML = {
    "little-disparity": (
        _ROLES + '\n[groups]\nattributes = ["gender", "household"]\n'
        'reference = { gender = "M", household = "couple" }\n' + _METRICS
    ),
    "proxy-discrimination": (
        _ROLES + '\n[groups]\nattributes = ["migration_background", "language", "neighbourhood"]\n'
        'reference = { migration_background = "none", language = "sufficient", '
        'neighbourhood = "Centrum" }\n' + _METRICS
    ),
    "random-audit-sample": (
        _ROLES + 'sample = "sample"\n\n[groups]\nattributes = ["gender", "migration_background"]\n'
        'reference = { gender = "M", migration_background = "none" }\n\n'
        "[stats]\nbootstrap_samples = 500\nseed = 1\n"
    ),
    "foi-tables": (
        '[data]\npath = "foi.csv"\nkind = "counts"\n\n'
        '[groups]\nattributes = ["gender", "nationality"]\n'
        'reference = { gender = "M", nationality = "Dutch" }\n'
    ),
    "funnel": (
        '[data]\npath = "stages.csv"\nkind = "funnel"\n\n'
        '[funnel]\nstages = ["scored", "high risk", "selected", "home visit", '
        '["found", "home visit"], ["unfounded", "home visit"], ["appealed", "found"], '
        '["appeal upheld", "appealed"]]\nstage_column = "stage"\n\n'
        '[groups]\nattributes = ["gender", "migration_background", "household"]\n'
        'reference = { gender = "M", migration_background = "none", household = "couple" }\n'
    ),
}


def foi_table(
    records: pd.DataFrame, fraud: np.ndarray | pd.Series, *, below: int = 10
) -> pd.DataFrame:
    """An aggregated freedom-of-information table of counts per gender and nationality.

    Parameters
    ----------
    records : pandas.DataFrame
        Generated records.
    fraud : array of bool or 0 / 1
        True fraud of every person (outcomes as if known for everyone).
    below : int, default=10
        Cells of 0 to ``below - 1`` people are shown as ``"<{below}"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``gender, nationality, n, flagged, TP, FP, FN, TN`` (text): one row per
        gender (nationality ``Total``), per nationality (gender ``Total``) and a
        ``Total`` row.

    Examples
    --------
    >>> s = generate(ScenarioConfig(n=300, seed=5))
    >>> foi_table(s.records, s.fraud["fraud"]).iloc[-1].tolist()[:3]
    ['Total', 'Total', '300']
    """
    truth = np.asarray(fraud).astype(bool)
    flag = records["flagged"].to_numpy() == "yes"

    def cells(mask: np.ndarray) -> list[str]:
        counts = [
            mask.sum(),
            (mask & flag).sum(),
            (mask & flag & truth).sum(),
            (mask & flag & ~truth).sum(),
            (mask & ~flag & truth).sum(),
            (mask & ~flag & ~truth).sum(),
        ]
        return [str(int(k)) if k >= below else f"<{below}" for k in counts]

    rows = []
    for attribute, other in (("gender", "nationality"), ("nationality", "gender")):
        values = records[attribute].to_numpy()
        for group in sorted(set(values)):
            labels = {attribute: group, other: "Total"}
            rows.append([labels["gender"], labels["nationality"], *cells(values == group)])
    rows.append(["Total", "Total", *cells(np.ones(len(records), dtype=bool))])
    return pd.DataFrame(
        rows, columns=["gender", "nationality", "n", "flagged", "TP", "FP", "FN", "TN"]
    )


def _percent(truth: pd.DataFrame, attribute: str, metric: str) -> str:
    rows = truth[(truth["attribute"] == attribute) & (truth["metric"] == metric)]
    return ", ".join(f"{g} {v:.1%}" for g, v in zip(rows["group"], rows["value"], strict=True))


def _card(scenario: Scenario, data_file: str, has_fraud_file: bool) -> str:
    c = scenario.config
    t = scenario.truth
    lines = [
        f"# Dataset card: {c.name}",
        "",
        "**Synthetic**: no real person is in it. Made by "
        "`biasaudit.synthetic._scenarios.write_scenarios` from "
        f"`SCENARIOS[{c.name!r}]` (seed {c.seed}, {c.n:,} people); a test regenerates "
        "every file and checks it is byte-identical.",
        "",
        "## Intended use",
        "",
        _PURPOSE[c.name],
        "",
        "## Files",
        "",
        f"- `{data_file}`: the data an auditor gets (UTF-8, comma-separated).",
        "- `truth.csv`: the true per-group rates, from the whole population and its true "
        "fraud (`attribute, group, metric, value, numerator, denominator`; metrics "
        "`selection_rate`, `base_rate`, `false_positive_rate`, `false_negative_rate`, "
        "`precision`, with flagged vs true fraud).",
    ]
    if has_fraud_file:
        lines.append(
            "- `truth-fraud.csv`: true fraud (1 / 0) per `case_id`, for everyone; kept "
            "out of the records. Never give it to the audit: it is the answer key."
        )
    lines += [
        "- `audit.toml`: `biasaudit audit audit.toml` runs the audit.",
        "",
        "## How it was made",
        "",
        "- Groups: gender, age band, migration background (none / western / non-western), "
        "nationality given migration background, disability, household type (incl. single "
        "parents); proxies: limited Dutch language skill (more likely for some "
        "nationalities) and neighbourhood (Noord and Zuid more likely for a non-western "
        "migration background).",
        f"- True fraud: {c.fraud_rate:.0%} before multipliers "
        f"{_mapping_text(c.fraud_multiplier, times=True) or '(none: the same for everyone)'}.",
        f"- Score: logistic of {c.score_intercept} + {c.score_signal} x (true fraud) + "
        f"direct bias {_mapping_text(c.direct_bias) or '(none)'} + proxy bias "
        f"{_mapping_text(c.proxy_bias) or '(none)'} + normal noise (sd {c.score_noise}).",
        f"- Flagged: {_policy_text(c)}; {c.investigated_share:.0%} of the flagged "
        "investigated; an investigation finds fraud exactly where there is fraud.",
        "",
        "## True disparities (from `truth.csv`)",
        "",
    ]
    for attribute in ("gender", "migration_background", "household"):
        lines.append(f"- {attribute}:")
        for metric in ("selection_rate", "base_rate", "false_positive_rate", "precision"):
            lines.append(f"  - {metric}: {_percent(t, attribute, metric)}")
    return "\n".join(lines) + "\n"


def _mapping_text(mapping: Mapping[str, Mapping[str, float]], times: bool = False) -> str:
    return "; ".join(
        f"{column} " + ", ".join(f"{g} x{v:g}" if times else f"{g} {v:+g}" for g, v in m.items())
        for column, m in mapping.items()
    )


def _policy_text(c: ScenarioConfig) -> str:
    if c.policy == "top_fraction":
        return f"the top {c.policy_value:.0%} of scores"
    if c.policy == "top_k":
        return f"the {int(c.policy_value):,} highest scores"
    return f"score at least {c.policy_value:g}"


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def _csv(frame: pd.DataFrame) -> str:
    return str(frame.to_csv(index=False, lineterminator="\n"))


def write_scenarios(root: str | Path) -> list[Path]:
    """Write every bundled scenario of :data:`SCENARIOS` into ``root/<name>/``.

    Each folder gets the data file (``decisions.csv``, ``foi.csv`` or ``stages.csv``),
    ``truth.csv``, ``truth-fraud.csv`` (not for the aggregated table), ``audit.toml``
    and a ``README.md`` dataset card.

    Parameters
    ----------
    root : path
        The parent folder (``datasets`` in the repository).

    Returns
    -------
    list of pathlib.Path
        The files written, in order.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = write_scenarios(tmp)
    >>> sorted({p.parent.name for p in files})[:2]
    ['foi-tables', 'funnel']
    """
    root = Path(root)
    written = []
    for name, config in SCENARIOS.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        scenario = generate(config)
        records = scenario.records
        if name == "foi-tables":
            data_file, data = "foi.csv", foi_table(records, scenario.fraud["fraud"])
        elif name == "funnel":
            data_file = "stages.csv"
            data = records[["case_id", *PROTECTED, "stage"]]
        else:
            data_file, data = "decisions.csv", records
        has_fraud_file = name != "foi-tables"
        files = {
            data_file: _csv(data),
            "truth.csv": _csv(scenario.truth),
            "audit.toml": f"# Synthetic scenario {name!r}: see README.md.\n\n" + _TOML[name],
            "README.md": _card(scenario, data_file, has_fraud_file),
        }
        if has_fraud_file:
            files["truth-fraud.csv"] = _csv(scenario.fraud)
        for file, text in files.items():
            _write(folder / file, text)
            written.append(folder / file)
    return written


__all__ = [
    "PROTECTED",
    "PROXIES",
    "SCENARIOS",
    "STAGES",
    "Scenario",
    "ScenarioConfig",
    "foi_table",
    "generate",
    "truth_table",
    "write_scenarios",
]
