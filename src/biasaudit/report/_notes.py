"""The notes of the results table, in the report's language.

results.csv and results.json keep their notes in English: they are data, the same in
every language. The report's tables show the same notes; :func:`note_text` finds
the common ones (written by the metrics and disclosure stages) and writes them from
the message catalogue (``note.<name>``), with their numbers in the language's
format. A note it does not know is shown as it is. The English messages rebuild
each note exactly (a test checks it), so the patterns below and the stages that
write the notes cannot drift apart unnoticed.
"""

from __future__ import annotations

import functools
import re

from ._messages import current_language, text

_SWAP = str.maketrans(",.", ".,")

#: ``(name, pattern)``: each pattern's groups are the fields of ``note.<name>``;
#: fields whose name starts with ``n_`` are numbers as the stages wrote them (1,234).
_NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"
_ASSUMED = "none of them / all of them committed fraud"
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            "not_identifiable",
            rf"not identifiable: outcome unknown for (?P<n_flagged>{_NUMBER}) flagged and "
            rf"(?P<n_unflagged>{_NUMBER}) unflagged people; the bounds assume {_ASSUMED}",
        ),
        (
            "among_known",
            rf"among the (?P<n_known>{_NUMBER}) flagged with a known outcome; "
            rf"(?P<n_unknown>{_NUMBER}) flagged have none: the bounds are for all "
            rf"(?P<n_flagged>{_NUMBER}) flagged, assuming {_ASSUMED}",
        ),
        (
            "outer_bounds",
            r" \(outer bounds: the assumptions hold for each group on its own, and a bound "
            r"may need a filling-in that a group of another attribute rules out\)",
        ),
        (
            "withheld",
            r"suppressed: a count of fewer than min_cell people, or a count that would "
            r"reveal one",
        ),
        (
            "reference_withheld",
            r"comparison suppressed: the reference group's counts are suppressed",
        ),
        ("group_withheld", r"suppressed: a group of this attribute has suppressed counts"),
        ("undefined", r"undefined: (?P<cells>[A-Za-z_]+(?: \+ [A-Za-z_]+)*) is 0 for this group"),
        ("reference_zero", r"reference value is 0: ratio undefined, see difference"),
        ("published", r"suppressed when published \((?P<why>primary|complementary)\)"),
        (
            "transition_undefined",
            r"transition undefined: nobody in this group reached '(?P<stage>[^']*)'",
        ),
        (
            "reference_share_zero",
            r"the reference group's share at '(?P<stage>[^']*)' is 0: ratio undefined",
        ),
        ("flagged_unknown", rf"(?P<n_people>{_NUMBER}) flagged people have no known outcome"),
        (
            "unflagged_unknown",
            rf"(?P<n_people>{_NUMBER}) people who were not flagged have no known outcome",
        ),
        ("no_outcome", r"no outcome column: only decision-based metrics can be computed"),
        (
            "no_investigated_sample",
            r"no investigated column: the flagged and the random audit sample are counted as "
            r"investigated",
        ),
        (
            "no_investigated",
            r"no investigated column: the flagged are counted as investigated",
        ),
        ("auc_known", r"AUC and calibration use the people whose outcome is known"),
        ("auc_investigated", r" \(the investigated only: the others are not in them\)"),
        ("count_people", r"score analyses count people, each row as its count"),
        ("no_weights", r" \(survey weights are not applied\)"),
        ("count_records", r"score analyses count records \(weights are not applied\)"),
        (
            "what_if",
            r"the what-if table is analysis of how unequal the score is, not a "
            r"recommendation to use group-specific thresholds",
        ),
        (
            "score_primary",
            r"withheld from the score tables: a count below min_cell \(disclosure control\)",
        ),
        (
            "score_complementary",
            r"withheld from the score tables: publishing it would let a count below min_cell "
            r"elsewhere be computed \(complementary disclosure control\)",
        ),
    )
)
_CUTOFF = re.compile(r"score >= (?P<n_cutoff>\S+) \(the audit's cut-off\)")


def note_text(note: str) -> str:
    """``note`` in the current language: the known parts from the catalogue, the rest
    as it is (English is returned unchanged).

    Examples
    --------
    >>> from biasaudit.report._messages import language
    >>> with language("nl"):
    ...     note_text("reference value is 0: ratio undefined, see difference")
    'waarde van de referentiegroep is 0: verhouding niet gedefinieerd, zie het verschil'
    """
    if current_language() == "en" or not note:
        return note
    for name, pattern in PATTERNS:
        note = pattern.sub(functools.partial(_render_match, name), note)
    return note


def _render_match(name: str, found: re.Match[str]) -> str:
    return render(name, found.groupdict())


def render(name: str, fields: dict[str, str]) -> str:
    """The message ``note.<name>`` with the fields read from an English note."""
    shown = {k: (_number(v) if k.startswith("n_") else _word(k, v)) for k, v in fields.items()}
    return text(f"note.{name}", **shown)


def _number(english: str) -> str:
    """A number as a stage wrote it (``2,551``), in the current language's format."""
    if current_language() == "nl":
        return english.translate(_SWAP)
    return english


def _word(field: str, value: str) -> str:
    if field == "why":
        return text(f"note.why_{value}")
    return value


def cut_text(cut: str) -> str:
    """A cut of the excess table (``top decile``, ``score >= 0.7 (the audit's
    cut-off)``) in the current language."""
    if cut == "top decile":
        return text("cut.top")
    found = _CUTOFF.fullmatch(cut)
    if found:
        return text("cut.audit", cutoff=_number(found["n_cutoff"]))
    return cut
