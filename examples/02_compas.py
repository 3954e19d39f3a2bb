# %% [markdown]
# # Reproducing ProPublica's COMPAS error rates
#
# In 2016 ProPublica reported that COMPAS, a risk score used in criminal courts,
# wrongly labelled Black defendants as high risk almost twice as often as white
# defendants. This notebook reproduces their false positive and false negative rates
# from their own data file.
#
# `fetch_compas()` downloads the file once into a cache and checks its sha256, so
# you audit exactly the file ProPublica published.

# %%
import pandas as pd

import biasaudit
from biasaudit import datasets

path = datasets.fetch_compas()
compas = pd.read_csv(path)
print(len(compas), "defendants")

# %% [markdown]
# ## Which rows? The population choice
# ProPublica's notebook filters the data to 6,172 rows (charges within 30 days of
# the screening, among others) for its descriptive tables and its regression, but
# its **truth tables**, which the published error rates come from, use all 7,214
# rows. Reproducing the published numbers means using every row.
#
# The decision: a "Medium" or "High" score (`decile_score` 5 or more) counts as
# flagged. The outcome: re-arrest within two years (`two_year_recid`), known for
# everyone: *full labels*.

# %%
result = biasaudit.audit(
    compas,
    roles={
        "id": "id",
        "score": "decile_score",
        "flagged": "score_text",
        "outcome": "two_year_recid",
    },
    codes={"flagged": {"yes": ["Medium", "High"], "no": ["Low"]}},
    groups=["race"],
    reference={"race": "Caucasian"},
)
rates = result.table[
    result.table["metric"].isin(["false_positive_rate", "false_negative_rate"])
    & result.table["group"].isin(["African-American", "Caucasian"])
]
rates[["group", "metric", "value", "numerator", "denominator", "ratio"]].round(4)

# %% [markdown]
# ProPublica's published figures: false positive rate 44.85% (African-American) and
# 23.45% (Caucasian); false negative rate 27.99% and 47.72%.

# %%
table = rates.set_index(["group", "metric"])
assert round(table.loc[("African-American", "false_positive_rate"), "value"], 4) == 0.4485
assert round(table.loc[("Caucasian", "false_positive_rate"), "value"], 4) == 0.2345
assert round(table.loc[("African-American", "false_negative_rate"), "value"], 4) == 0.2799
assert round(table.loc[("Caucasian", "false_negative_rate"), "value"], 4) == 0.4772
ratio = table.loc[("African-American", "false_positive_rate"), "ratio"]
print(
    f"Among defendants who were not re-arrested, Black defendants were flagged "
    f"{ratio:.2f} times as often as white defendants."
)

# %%
chart = result.plot("rates", "race", "false_positive_rate")
chart

# %% [markdown]
# The three "false-accusation" rates mean different things: the false positive rate
# is the chance that someone who was *not* re-arrested was labelled medium or high
# risk; the false discovery rate is the share of people labelled medium or high risk
# who were not re-arrested. Both are in the table; never conflate them.

# %%
fdr = result.metric("false_discovery_rate", "race").set_index("group")
fdr.loc[["African-American", "Caucasian"], ["value", "ci_low", "ci_high"]].round(3)
