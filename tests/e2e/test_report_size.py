"""The report's size budget on a large audit (issue 19): 5 attributes of 2, 5, 8, 12
and 30 groups and their 10 pairwise intersections (up to 360 cells each), 1,000,000
people. Before issue 19 such a report was 9 MB of report.html and 2.3 MB of charts/
(22 MB and 32 MB with PNG); it must now be under 3 MB together."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest

import biasaudit

#: attribute -> (groups, geometric ratio of successive group shares): large groups and
#: a tail of small ones, so the pairs have many small cells.
ATTRIBUTES = {
    "gender": (2, 0.7),
    "age_band": (5, 0.45),
    "household": (8, 0.45),
    "nationality": (12, 0.45),
    "neighbourhood": (30, 0.78),
}
ROWS = 1_000_000


def _records(rows: int, seed: int = 19) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    effects = np.random.default_rng(13)
    out: dict[str, object] = {}
    flag_logit = np.full(rows, -2.8)
    fraud_logit = np.full(rows, -2.6)
    for name, (k, ratio) in ATTRIBUTES.items():
        shares = ratio ** np.arange(k)
        codes = rng.choice(k, size=rows, p=shares / shares.sum())
        out[name] = pd.Categorical.from_codes(codes, [f"{name}_{i:02d}" for i in range(k)])
        flag_logit += effects.normal(0, 0.35, k)[codes]
        fraud_logit += effects.normal(0, 0.15, k)[codes]
    fraud = rng.random(rows) < 1 / (1 + np.exp(-fraud_logit))
    flagged = rng.random(rows) < 1 / (1 + np.exp(-(flag_logit + 1.5 * fraud)))
    frame = pd.DataFrame(out).astype(str)
    frame["flagged"] = flagged.astype(int)
    frame["fraud"] = fraud.astype(int)
    return frame


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::biasaudit.UndefinedRateWarning")  # empty cells of pairs
def test_five_attributes_and_ten_pairs_fit_in_3_mb(tmp_path):
    result = biasaudit.audit(
        _records(ROWS),
        roles={"flagged": "flagged", "outcome": "fraud"},
        groups=list(ATTRIBUTES),
        intersections=[list(p) for p in itertools.combinations(ATTRIBUTES, 2)],
    )
    out = result.report(tmp_path / "big")
    report = out / "report.html"
    charts = list((out / "charts").iterdir())
    size = report.stat().st_size + sum(p.stat().st_size for p in charts)
    assert size < 3_000_000, size
    text = report.read_text(encoding="utf-8")
    # every intersection has its section; one of hundreds of cells shows only the cells
    # that matter, in its chart and its table, and says the rest is in results.csv
    for a, b in itertools.combinations(ATTRIBUTES, 2):
        assert f'id="attribute-{a.replace("_", "-")}-x-{b.replace("_", "-")}"' in text
    big = text[text.index('id="attribute-household-x-neighbourhood"') :]
    big = big[: big.index("</details>")]
    assert "Every cell is in results.csv" in big
    cells = set(re.findall(r'<th scope="row">([^<]+)</th>', big))
    # the 12 cells of each measure's chart and the reference: at most 49 of 240
    shown, total = map(int, re.search(r"(\d+) of the (\d+) cells are shown", big).groups())
    assert len(cells) == shown <= 4 * 12 + 1 and total == 8 * 30
    # each chart once: one file per chart shown, none twice
    shown = re.findall(r'data-chart="([^"]+)"', text)
    assert sorted(shown) == sorted(p.stem for p in charts)
