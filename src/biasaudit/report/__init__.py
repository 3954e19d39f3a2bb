"""Everything a reader sees: key findings, charts, the HTML report and the output
folder.
"""

from ._findings import compared, range_rates, range_source
from ._outputs import Result, analysis_tables, check_output_dir, write_outputs

__all__ = [
    "Result",
    "analysis_tables",
    "check_output_dir",
    "compared",
    "range_rates",
    "range_source",
    "write_outputs",
]
