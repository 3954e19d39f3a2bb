"""How the report names attributes and groups: in words, never ``attribute = value``.

A configuration's ``[report]`` section may name attributes (``names``) and label their
groups (``labels``): ``F = "women"``, ``Surinamese = "Surinamese nationals"``. A group
without a label is told as "people whose nationality is Surinamese"; an intersection
without its own label is built from its parts ("women among Polish nationals").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..counts import OVERALL
from ..spec import INTERSECTION_SEP, MISSING_GROUP
from ._messages import text


@dataclass(frozen=True)
class Labels:
    """Names of attributes and labels of groups, as the report writes them.

    Parameters
    ----------
    names : mapping, optional
        ``attribute -> name`` in headings, e.g. ``{"age_band": "age"}``.
    groups : mapping, optional
        ``attribute -> {group -> label}``: a plural noun phrase that can stand in a
        sentence, e.g. ``{"gender": {"F": "women", "M": "men"}}``. An intersection
        (``"gender × nationality"``) may have labels of its own.

    Examples
    --------
    >>> labels = Labels(groups={"gender": {"F": "women"},
    ...                         "nationality": {"Polish": "Polish nationals"}})
    >>> labels.people("gender", "F"), labels.people("gender", "M")
    ('women', 'people whose gender is M')
    >>> labels.people("gender × nationality", "F × Polish")
    'women among Polish nationals'
    >>> labels.people("gender × nationality", "M × Dutch")
    'people whose gender is M and whose nationality is Dutch'
    >>> labels.group("gender × nationality", "F × Dutch")
    'women × Dutch'
    """

    names: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> Labels:
        """The labels of a configuration's ``[report]`` section (checked when the
        configuration was read); none when it has no such section."""
        section = (config or {}).get("report") or {}
        names = section.get("names") or {}
        groups = section.get("labels") or {}
        return cls(
            {str(k): str(v) for k, v in names.items()},
            {str(a): {str(g): str(v) for g, v in gs.items()} for a, gs in groups.items()},
        )

    def name(self, attribute: str) -> str:
        """The attribute in a heading: its configured name, else its column name with
        spaces for underscores."""
        if attribute in self.names:
            return self.names[attribute]
        if INTERSECTION_SEP in attribute:
            return INTERSECTION_SEP.join(self.name(a) for a in attribute.split(INTERSECTION_SEP))
        return attribute.replace("_", " ")

    def _label(self, attribute: str, group: str) -> str | None:
        return self.groups.get(attribute, {}).get(group)

    def _parts(self, attribute: str, group: str) -> list[tuple[str, str]] | None:
        attrs = attribute.split(INTERSECTION_SEP)
        values = group.split(INTERSECTION_SEP)
        if len(attrs) < 2 or len(values) != len(attrs):
            return None
        return list(zip(attrs, values, strict=True))

    def group(self, attribute: str, group: str) -> str:
        """The group in a chart or a table: its label, or the value as it is."""
        label = self._label(attribute, group)
        if label is not None:
            return label
        parts = self._parts(attribute, group)
        if parts is None:
            return text("group.missing") if group == MISSING_GROUP else group
        return INTERSECTION_SEP.join(self.group(a, g) for a, g in parts)

    def people(self, attribute: str, group: str) -> str:
        """The group in a sentence: its label, or "people whose X is Y"."""
        label = self._label(attribute, group)
        if label is not None:
            return label
        parts = self._parts(attribute, group)
        if parts is None:
            return self._whose(attribute, group, "people.whose")
        head_attr, head_group = parts[0]
        out = self.people(head_attr, head_group)
        plain = self._label(head_attr, head_group) is None
        for a, g in parts[1:]:
            label = self._label(a, g)
            if label is not None:
                out = text("people.among", people=out, others=label)
            else:
                out += " " + self._whose(
                    a, g, "people.and_whose" if plain else "people.whose_also"
                )
        return out

    def _whose(self, attribute: str, group: str, key: str) -> str:
        if group == MISSING_GROUP:
            return text(key + "_missing", name=self.name(attribute))
        return text(key, name=self.name(attribute), group=group)

    def relabel(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with ``group`` and ``reference_group`` as the report shows them
        (charts read the labels from there); the everyone row is left as it is."""
        if not self.groups:
            return table
        out = table.copy()
        attrs = out["attribute"].astype(str).tolist()
        for column in ("group", "reference_group"):
            if column in out.columns:
                out[column] = [
                    v if a == OVERALL or not isinstance(v, str) else self.group(a, v)
                    for a, v in zip(attrs, out[column].tolist(), strict=True)
                ]
        return out


def capital(sentence: str) -> str:
    """The sentence with its first letter upper case (a label may start a sentence)."""
    return sentence[:1].upper() + sentence[1:]
