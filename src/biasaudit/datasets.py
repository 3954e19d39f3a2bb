"""Datasets: the bundled audit scenarios, and ProPublica's COMPAS file.

>>> from biasaudit import datasets
>>> "welfare-synthetic" in set(datasets.list_datasets()["name"])
True
"""

from .io import (
    COMPAS_SHA256,
    COMPAS_URL,
    DatasetError,
    DownloadError,
    dataset_path,
    fetch_compas,
    list_datasets,
    load_dataset,
)

__all__ = [
    "COMPAS_SHA256",
    "COMPAS_URL",
    "DatasetError",
    "DownloadError",
    "dataset_path",
    "fetch_compas",
    "list_datasets",
    "load_dataset",
]
