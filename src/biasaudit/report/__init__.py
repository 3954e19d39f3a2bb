"""Reports: output files (:func:`write_outputs`), the HTML report, findings and charts.

Only the output layer is re-exported here: the chart modules import matplotlib, so
they load when a report or chart is drawn (``_outputs`` imports ``_report`` inside
:func:`write_outputs`), never with this package.
"""

from ._outputs import Result, analysis_tables, check_output_dir, write_outputs

__all__ = [
    "Result",
    "analysis_tables",
    "check_output_dir",
    "write_outputs",
]
