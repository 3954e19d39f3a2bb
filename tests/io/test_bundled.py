"""The bundled demo data is found from a checkout (editable install) or a wheel."""

from __future__ import annotations

import pytest

from biasaudit import BiasAuditError
from biasaudit.io._bundled import bundled_dir


def test_demo_dataset_is_found():
    folder = bundled_dir("welfare-synthetic")
    assert (folder / "decisions.csv").is_file()
    assert (folder / "audit.toml").is_file()


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(BiasAuditError, match="bundled dataset 'nope' not found"):
        bundled_dir("nope")
