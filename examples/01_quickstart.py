# %% [markdown]
# # Quickstart: auditing a welfare-fraud risk model
#
# A municipality scores benefit recipients for "fraud risk" and investigates the
# highest scored. This notebook audits such a system on the synthetic data bundled
# with biasaudit (40,000 people, built-in disparities, outcomes known only for the
# investigated) and reads the results.

# %%
import tempfile
from pathlib import Path

import biasaudit
from biasaudit import datasets

records = datasets.load_dataset("welfare-synthetic")
print(len(records), "people")
records.head()

# %% [markdown]
# Each row is a person: protected attributes, the risk score, whether they were
# selected (flagged) for investigation, and what the investigation found. Nobody who
# was not investigated has an outcome: *selective labels*.

# %%
result = biasaudit.audit(
    records,
    roles={
        "id": "case_id",
        "score": "risk_score",
        "flagged": "selected",
        "investigated": "investigated",
        "outcome": "fraud_found",
    },
    codes={"outcome": {"yes": ["Errors Found"], "no": ["No Errors Found"], "unknown": [""]}},
    groups=["gender", "nationality", "household"],
    reference={"gender": "M", "nationality": "Dutch", "household": "couple"},
)
result.data_shape

# %% [markdown]
# ## Who is flagged?
# The selection rate is the share of a group flagged for investigation. The ratio
# compares each group with its reference group, with a 95% interval.

# %%
selection = result.metric("selection_rate", "nationality").set_index("group")
selection[["value", "ci_low", "ci_high", "ratio", "ratio_ci_low", "ratio_ci_high"]].round(3)

# %%
surinamese = selection.loc["Surinamese"]
assert surinamese["ratio_ci_low"] > 2.5  # flagged about three times as often as Dutch
print(
    f"Surinamese nationals were flagged {surinamese['ratio']:.1f} times as often as Dutch "
    f"nationals (95% CI {surinamese['ratio_ci_low']:.1f} to {surinamese['ratio_ci_high']:.1f})."
)

# %% [markdown]
# The same comparison as a chart (the report draws it too): each group's ratio to the
# reference group with its interval, on a log scale so that 2 and 1/2 are as far from 1.

# %%
chart = result.plot("disparity", "nationality", "selection_rate")
chart

# %% [markdown]
# ## What the data cannot show
# The false positive rate (the chance that an innocent person is flagged) needs the
# outcome of people nobody investigated. biasaudit does not guess: the value is NaN,
# with the worst- and best-case bounds.

# %%
fpr = result.metric("false_positive_rate", "gender")
fpr[["group", "value", "lower_bound", "upper_bound", "note"]]

# %%
assert fpr["value"].isna().all()
assert (fpr["lower_bound"] <= fpr["upper_bound"]).all()

# %% [markdown]
# The hit rate, by contrast, is measured among the investigated: how often was an
# investigation of each group unfounded?

# %%
unfounded = result.metric("false_discovery_rate", "nationality").set_index("group")
unfounded[["value", "ci_low", "ci_high", "ratio"]].round(3)

# %% [markdown]
# ## The report
# `result.report(folder)` writes a self-contained `report.html` with the key findings
# in plain sentences, charts, the tables and the methods.

# %%
folder = result.report(Path(tempfile.mkdtemp()) / "quickstart")
print(sorted(p.name for p in folder.iterdir()))
assert (folder / "report.html").exists()
