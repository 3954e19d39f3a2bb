"""Opening records and published tables; the bundled datasets; writing files safely."""

from ._bundled import bundled_dir
from ._datasets import (
    COMPAS_SHA256,
    COMPAS_URL,
    DatasetError,
    DownloadError,
    dataset_path,
    fetch_compas,
    list_datasets,
    load_dataset,
)
from ._io import (
    ENGINES,
    FORMATS,
    LinkInfo,
    Records,
    Source,
    csv_problems,
    detect_csv,
    file_sha256,
    reading_problems,
)
from ._link import LINK_KEYS, LINKED, Link, as_link, link_records
from ._sample import SAMPLE_METHODS, Sampling, engine_drawn, rows_in_memory
from ._source import READ_KEYS, is_engine_source, locate_records, read_options, records_input
from ._spark import is_remote, spark_errors
from ._sql import (
    SQL_KEYS,
    URL_ENV,
    Database,
    database_errors,
    database_problems,
    open_records,
    public_url,
)
from ._write import safe_for_spreadsheets, write_csv, write_json

__all__ = [
    "COMPAS_SHA256",
    "COMPAS_URL",
    "Database",
    "DatasetError",
    "DownloadError",
    "ENGINES",
    "FORMATS",
    "LINKED",
    "LINK_KEYS",
    "READ_KEYS",
    "SAMPLE_METHODS",
    "Link",
    "LinkInfo",
    "Records",
    "SQL_KEYS",
    "Sampling",
    "Source",
    "URL_ENV",
    "as_link",
    "bundled_dir",
    "csv_problems",
    "database_errors",
    "database_problems",
    "dataset_path",
    "detect_csv",
    "engine_drawn",
    "fetch_compas",
    "file_sha256",
    "is_engine_source",
    "is_remote",
    "link_records",
    "list_datasets",
    "load_dataset",
    "locate_records",
    "open_records",
    "public_url",
    "read_options",
    "reading_problems",
    "records_input",
    "rows_in_memory",
    "safe_for_spreadsheets",
    "spark_errors",
    "write_csv",
    "write_json",
]
