"""One probing run: flips, proxies and profiles of one model on one set of records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from .._exceptions import ConfigError, Problem
from ..io import Sampling
from ._flip import Flip, FlipResult, flip_experiment
from ._model import Model, as_model
from ._phrases import Phrase
from ._profiles import ProfileResult, grid, score_profiles
from ._proxy import ProxyResult, proxy_audit


@dataclass(frozen=True)
class ProbeResult:
    """What probing a model found.

    Attributes
    ----------
    model : Model
    flips : FlipResult or None
    proxies : ProxyResult or None
    profiles : ProfileResult or None
    source : dict
        Where the records came from (name, sha256, rows), for the manifest.
    groups : tuple of str
        The audit's group attributes.
    sampling : Sampling or None
        How the records probed were sampled from the source (by a database or
        Spark, a hash of a key, or row positions), when they were.
    """

    model: Model
    flips: FlipResult | None = None
    proxies: ProxyResult | None = None
    profiles: ProfileResult | None = None
    source: Mapping[str, Any] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    sampling: Sampling | None = None

    def tables(self, *, restricted: bool = False) -> dict[str, pd.DataFrame]:
        """Every table by file stem (the flip table as published unless ``restricted``)."""
        out: dict[str, pd.DataFrame] = {}
        if self.flips is not None:
            out["probe-flips"] = self.flips.table if restricted else self.flips.published()
        if self.proxies is not None:
            out["probe-proxies"] = self.proxies.table
        if self.profiles is not None:
            out["probe-profiles"] = self.profiles.table
            out["probe-contributions"] = self.profiles.contributions
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (without the tables) for the manifest."""
        return {
            "model": self.model.to_dict(),
            "input": dict(self.source),
            "groups": list(self.groups),
            "flips": None if self.flips is None else self.flips.to_dict(),
            "proxies": None if self.proxies is None else self.proxies.to_dict(),
            "profiles": None if self.profiles is None else {"base": self.profiles.base},
            "sampling": None if self.sampling is None else self.sampling.to_dict(),
        }


def proxy_flips(
    records: pd.DataFrame, proxies: ProxyResult, top: int
) -> tuple[list[Flip], list[Phrase]]:
    """Flips of the top ``top`` proxies of each attribute: each value to the one most
    common in the attribute's largest group; and notes on what was not flipped."""
    from ._scorecard import level_keys

    flips: list[Flip] = []
    notes: list[Phrase] = []
    table = proxies.table
    for attribute in dict.fromkeys(table["attribute"]):
        ranked = table[(table["attribute"] == attribute) & table["rank"].notna()]
        keys = level_keys(records[attribute])
        largest = keys.value_counts().index[0]
        for feature in ranked.sort_values("rank")["feature"].head(top):
            column = records[feature]
            values = column.dropna().unique()
            if len(values) > 20:
                notes.append(
                    Phrase(
                        "proxy_many_values",
                        {"feature": feature, "attribute": attribute, "distinct": len(values)},
                    )
                )
                continue
            typical = column[(keys == largest).to_numpy()].mode().iloc[0]
            mapping = {
                v: typical
                for v in values
                if level_keys(pd.Series([v])).iloc[0] != level_keys(pd.Series([typical])).iloc[0]
            }
            if mapping:
                flips.append(Flip(feature, mapping))
                notes.append(
                    Phrase(
                        "proxy_flip",
                        {
                            "feature": feature,
                            "typical": typical,
                            "attribute": attribute,
                            "largest": largest,
                        },
                    )
                )
    return flips, notes


def probe(
    records: pd.DataFrame,
    model: Any,
    *,
    flips: Sequence[Flip | Mapping[str, Any]] = (),
    groups: Sequence[str] = (),
    threshold: Mapping[str, float] | None = None,
    sample: int | None = None,
    proxies: Sequence[str] | None = None,
    proxy_features: Sequence[str] | None = None,
    flip_proxies: int = 0,
    profiles: pd.DataFrame | None = None,
    base_profile: str | None = None,
    base: Mapping[str, Any] | None = None,
    vary: Mapping[str, Sequence[Any]] | None = None,
    seed: int = 20261207,
    confidence: float = 0.95,
    min_cell: int = 10,
    bootstrap: int = 200,
    source: Mapping[str, Any] | None = None,
    sampling: Sampling | None = None,
) -> ProbeResult:
    """Probe a model on records: attribute flips, a proxy audit and profiles.

    Parameters
    ----------
    records : pandas.DataFrame
        The records (in memory: probing needs rows and a model).
    model : Model, scikit-learn estimator, Scorecard or callable
    flips : sequence of dict or Flip
        E.g. ``[{"attribute": "gender", "map": {"F": "M", "M": "F"}}]``.
    groups : sequence of str
        Attributes whose groups get their own rows in the flip table.
    threshold : dict, optional
        The flag rule (default: the top 10% of scores).
    sample : int, optional
        Score a seeded random sample of this many records in the flip experiment.
    proxies : sequence of str, optional
        Protected attributes for the proxy audit (None: no proxy audit).
    proxy_features : sequence of str, optional
        Features the proxy audit looks at (default: the model's).
    flip_proxies : int, default=0
        Also flip the top this many proxies of each attribute: every value set to the
        one most common in the attribute's largest group (e.g. a language level set to
        the level most common among Dutch nationals). Proxies with more than 20
        distinct values are not flipped (a note says so).
    profiles : pandas.DataFrame, optional
        Hand-written profiles (a ``profile`` column names them).
    base_profile : str, optional
        The profile the others are compared with (default: the first).
    base, vary : dict, optional
        A base profile and values to try one at a time (see :func:`grid`).
    seed, confidence, min_cell, bootstrap
        Seed of every random draw; interval level; smallest count published;
        bootstrap resamples of the proxy audit.
    source : dict, optional
        Where the records came from, for the manifest.
    sampling : Sampling, optional
        When ``records`` are a sample drawn beforehand (see
        :func:`biasaudit.io.rows_in_memory`): how. The flip experiment scales
        ``top_k`` to it; the result (and its report) states it.

    Examples
    --------
    >>> from biasaudit.synthetic import generate_probe_records, probe_model
    >>> df = generate_probe_records(2_000, seed=1)
    >>> out = probe(df, probe_model(df), flips=[{"attribute": "gender", "map": {"F": "M"}}])
    >>> round(float(out.flips.table.set_index("group").loc["F", "mean_change"]), 3)
    -0.05
    """
    chosen = as_model(model)
    if not flips and proxies is None and profiles is None and base is None:
        raise ConfigError(
            [
                Problem(
                    "probe: nothing to do; give flips, proxies (protected attributes), "
                    "profiles or a base profile",
                    reason="missing_key",
                )
            ]
        )
    flip_result = proxy_result = profile_result = None
    if proxies is not None:
        proxy_result = proxy_audit(
            records,
            chosen,
            attributes=list(proxies),
            features=proxy_features,
            bootstrap=bootstrap,
            seed=seed,
            confidence=confidence,
            min_cell=min_cell,
        )
    chosen_flips = list(flips)
    notes: list[Phrase] = []
    if proxy_result is not None and flip_proxies > 0:
        extra, notes = proxy_flips(records, proxy_result, flip_proxies)
        chosen_flips += extra
    if chosen_flips:
        flip_result = flip_experiment(
            records,
            chosen,
            chosen_flips,
            groups=[*groups, *(a for a in proxies or () if flip_proxies and a not in groups)],
            threshold=threshold,
            sample=sample,
            seed=seed,
            confidence=confidence,
            min_cell=min_cell,
            population=sampling.population if sampling is not None else None,
        )
        if notes:
            flip_result = replace(flip_result, said=(*flip_result.said, *notes))
    if profiles is not None or base is not None:
        table = profiles if profiles is not None else grid(dict(base or {}), dict(vary or {}))
        profile_result = score_profiles(chosen, table, base=base_profile)
    return ProbeResult(
        model=chosen,
        flips=flip_result,
        proxies=proxy_result,
        profiles=profile_result,
        source=dict(source or {"name": "(in memory)", "rows": len(records)}),
        groups=tuple(groups),
        sampling=sampling,
    )
