"""Everything a reader sees: key findings, charts, the HTML report and the output
folder.
"""

from ._change_text import change_headlines, change_sentences
from ._discover_report import discoveries_file, discoveries_section, discovery_lines
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
from ._pdf import pdf_engine
from ._probe_outputs import write_probe_outputs

__all__ = [
    "Result",
    "analysis_tables",
    "check_output_dir",
    "discoveries_file",
    "discoveries_section",
    "discovery_lines",
    "adjusted_findings",
    "change_headlines",
    "change_sentences",
    "compared",
    "frequency_sentence",
    "funnel_sentence",
    "harm_findings",
    "key_findings",
    "pdf_engine",
    "percent",
    "range_rates",
    "range_source",
    "score_findings",
    "write_outputs",
    "write_probe_outputs",
]
