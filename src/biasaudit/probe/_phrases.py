"""The words the probe writes beside its tables (notes, the flag rule, the profiles'
sentences), kept as a kind and its values.

probe.json holds them in English (:class:`Phrase` as ``str``), the same in every
language; the report writes them again from the message catalogue
(``probe.say.<kind>``) in its own language, from the values, with numbers formatted
as the template here formats them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The English of every phrase: Python format strings over the phrase's values.
TEMPLATES: Mapping[str, str] = {
    # the flag rule
    "rule_score": "flagged when the score is at least {value:g}",
    "rule_top_k": "the {k:,} highest scores flagged",
    "rule_top_k_scaled": "the {k:,} highest scores flagged (scaled to {scaled:,} of the "
    "{scored:,} scored)",
    "rule_top_fraction": "the top {percent:g}% of scores flagged",
    "rule_top_fraction_default": "the top {percent:g}% of scores flagged (the default: no "
    "threshold given)",
    # notes beside the flip table
    "flip_sample": "a seeded random sample of {scored:,} of {rows:,} records (seed {seed})",
    "not_flipped": "{flip}: {left:,} records whose {attribute} is not in the map (or missing) "
    "were not flipped and are left out of its rows",
    "together": "{flip}: {columns} flipped together with {attribute}",
    "proxy_many_values": "proxy {feature} of {attribute}: {distinct} distinct values; not flipped",
    "proxy_flip": "proxy flip: {feature} set to {typical!r} (its most common value among "
    "{attribute} = {largest}, the largest group) for everyone with another value",
    # notes beside the proxy table
    "proxy_sample": "a seeded random sample of {sampled:,} of {rows:,} records",
    "proxy_left_out": "{attribute}: {dropped:,} records with a missing value or in a group "
    "of fewer than {min_cell} people left out",
    # the profiles' sentences
    "profile_differs": "Profile {name!r} ({mine}) scores {score:.2f} against "
    "{base_score:.2f} for {base!r} ({theirs}), otherwise identical.",
    "profile_same": "Profile {name!r} is identical to {base!r} in every model input "
    "(score {score:.2f}).",
}


@dataclass(frozen=True)
class Phrase:
    """One phrase: its kind (a key of :data:`TEMPLATES`) and its values.

    Examples
    --------
    >>> str(Phrase("rule_top_k", {"k": 1500}))
    'the 1,500 highest scores flagged'
    """

    kind: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        """The English format string of this kind."""
        return TEMPLATES[self.kind]

    def __str__(self) -> str:
        return self.template.format(**self.values)
