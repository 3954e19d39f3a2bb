"""Everything a reader sees: key findings, charts, the HTML report and the output
folder.
"""

from ._findings import (
    adjusted_findings,
    compared,
    funnel_sentence,
    key_findings,
    percent,
    range_rates,
    range_source,
    score_findings,
)
from ._harm_findings import frequency_sentence, harm_findings
from ._outputs import (
    Result,
    analysis_tables,
    check_output_dir,
    write_outputs,
)
from ._probe_outputs import write_probe_outputs

__all__ = [
    "Result",
    "analysis_tables",
    "check_output_dir",
    "adjusted_findings",
    "compared",
    "frequency_sentence",
    "funnel_sentence",
    "harm_findings",
    "key_findings",
    "percent",
    "range_rates",
    "range_source",
    "score_findings",
    "write_outputs",
    "write_probe_outputs",
]
