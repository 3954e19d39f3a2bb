# %% [markdown]
# # Auditing from a freedom-of-information table
#
# Journalists rarely get records; they get a table of counts per group, with small
# cells hidden ("<10"). A hidden cell is an interval, not a number, so every rate
# built on it is a range. This notebook audits such a table (synthetic, with the
# true rates beside it in `truth.csv`).

# %%
import pandas as pd

import biasaudit
from biasaudit import datasets

folder = datasets.dataset_path("foi-tables")
table = pd.read_csv(folder / "foi.csv", dtype=str)
truth = pd.read_csv(folder / "truth.csv")
table

# %% [markdown]
# Three cells of the `FN` column are `<10`: somewhere from 0 to 9 people each. But
# the table also has totals, and the margins pin the hidden cells down: the FN
# column must add up to 362. biasaudit solves for every table consistent with the
# published cells and margins; here that leaves one.

# %%
result = biasaudit.audit_counts(
    table,
    groups=["gender", "nationality"],
    reference={"gender": "M", "nationality": "Dutch"},
    metrics=["false_negative_rate", "false_positive_rate"],
    min_cell=0,  # the source already published these cells
)
fnr = result.metric("false_negative_rate", "nationality").set_index("group")
fnr[["value", "lower_bound", "upper_bound", "numerator", "denominator"]]

# %%
true_fnr = truth[
    (truth["attribute"] == "nationality") & (truth["metric"] == "false_negative_rate")
]
true_fnr = true_fnr.set_index("group")
for group in true_fnr.index:
    # the pinned counts are the true ones
    assert fnr.loc[group, "numerator"] == true_fnr.loc[group, "numerator"], group

# %% [markdown]
# ## Without the totals: ranges
# Suppose the reply had no total row. Then the hidden cells are only known to be
# 0 to 9, and each false negative rate built on them is a range.

# %%
no_totals = table[(table["gender"] == "Total") & (table["nationality"] != "Total")]
no_totals = no_totals.drop(columns="gender")
ranged = biasaudit.audit_counts(
    no_totals,
    groups=["nationality"],
    reference={"nationality": "Dutch"},
    metrics=["false_negative_rate"],
    min_cell=0,
)
fnr = ranged.metric("false_negative_rate", "nationality").set_index("group")
fnr[["value", "lower_bound", "upper_bound"]].round(3)

# %% [markdown]
# In a chart, a ranged rate is drawn as a bar from its lowest to its highest value,
# not as a point with an interval.

# %%
chart = ranged.plot("rates", "nationality", "false_negative_rate")
chart

# %%
for group, row in true_fnr.iterrows():
    low, high = fnr.loc[group, ["lower_bound", "upper_bound"]]
    value = row["numerator"] / row["denominator"]
    assert low - 1e-12 <= value <= high + 1e-12, group
hidden = fnr["value"].isna()
assert set(fnr.index[hidden]) == {"Moroccan", "Surinamese", "Turkish"}
print("every range contains the true rate; exact where no cell was hidden")

# %% [markdown]
# If a single number is needed for a chart, `point="midpoint"` reports the middle
# of each range, and the note says that this was a choice, not a fact of the data.

# %%
mid = biasaudit.audit_counts(
    no_totals,
    groups=["nationality"],
    point="midpoint",
    metrics=["false_negative_rate"],
    min_cell=0,
)
mid.metric("false_negative_rate", "nationality")[["group", "value", "note"]]
