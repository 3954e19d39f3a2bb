# %% [markdown]
# # Selective labels and a random audit sample: what can be known
#
# An agency investigates the people its model flags, so it learns the outcome only
# for them (*selective labels*). It also investigated a random sample of everyone,
# whatever their score, as the Swedish social insurance agency did. This notebook
# shows what each kind of data can tell you, and compares the estimates with the
# truth, which we know here because the data is synthetic (`truth.csv` beside it).

# %%
import pandas as pd

import biasaudit
from biasaudit import datasets

folder = datasets.dataset_path("random-audit-sample")
cases = datasets.load_dataset("random-audit-sample")
truth = pd.read_csv(folder / "truth.csv")
cases["sample"].value_counts()

# %% [markdown]
# ## Without the random sample: bounds only
# Drop the random sample and audit what is left. The false positive rate (the
# chance that an innocent person is flagged) is not identifiable: the unflagged were
# never investigated. biasaudit gives the worst and best case instead of a number.

# %%
roles = {
    "id": "case_id",
    "flagged": "flagged",
    "investigated": "investigated",
    "outcome": "outcome",
}
selective = cases[cases["sample"] != "random"]
bounded = biasaudit.audit(
    selective,
    roles=roles,
    groups=["gender"],
    reference={"gender": "M"},
    metrics=["false_positive_rate"],
)
bounds = bounded.metric("false_positive_rate", "gender").set_index("group")
bounds[["value", "lower_bound", "upper_bound"]].round(3)

# %%
true_fpr = truth[(truth["attribute"] == "gender") & (truth["metric"] == "false_positive_rate")]
true_fpr = true_fpr.set_index("group")["value"]
for group in ("F", "M"):
    assert bounds.loc[group, "lower_bound"] <= true_fpr[group] <= bounds.loc[group, "upper_bound"]
print("The truth lies within the bounds, but they are too wide to say much:")
print((bounds["upper_bound"] - bounds["lower_bound"]).round(2).to_dict())

# %% [markdown]
# An assumption the auditor can defend narrows them: say no group's fraud rate is
# above 20%. The note says which assumption was made.

# %%
narrowed = biasaudit.audit(
    selective,
    roles=roles,
    groups=["gender"],
    metrics=["false_positive_rate"],
    assumptions={"max_base_rate": 0.2},
)
narrowed.metric("false_positive_rate", "gender")[["group", "lower_bound", "upper_bound"]].round(3)

# %% [markdown]
# ## With the random sample: estimates with intervals
# The random sample tells us how often the unflagged commit fraud, group by group.
# Combined with the flagged cases, that gives each group's whole confusion matrix,
# hence its false positive rate with a bootstrap interval.

# %%
estimated = biasaudit.audit(
    cases,
    roles={**roles, "sample": "sample"},
    groups=["gender"],
    reference={"gender": "M"},
    metrics=["false_positive_rate", "equal_burden_gap"],
    bootstrap_samples=500,
)
fpr = estimated.metric("false_positive_rate", "gender").set_index("group")
comparison = fpr[["value", "ci_low", "ci_high"]].assign(truth=true_fpr)
comparison.round(3)

# %%
chart = estimated.plot("disparity", "gender", "false_positive_rate")
chart

# %%
for group in ("F", "M"):
    assert comparison.loc[group, "ci_low"] <= comparison.loc[group, "truth"]
    assert comparison.loc[group, "truth"] <= comparison.loc[group, "ci_high"]
print(
    f"Innocent women were flagged {fpr.loc['F', 'ratio']:.1f} times as often as innocent "
    f"men (95% CI {fpr.loc['F', 'ratio_ci_low']:.1f} to {fpr.loc['F', 'ratio_ci_high']:.1f})."
)

# %% [markdown]
# The equal-burden gap compares each group's share of the investigations with its
# share of the fraud found in the random sample (in percentage points): a positive
# gap means the group bears more of the investigations than its share of fraud.

# %%
estimated.metric("equal_burden_gap", "gender")[["group", "value", "ci_low", "ci_high"]].round(3)

# %% [markdown]
# Every estimate rests on stated assumptions: the note of each row spells them out.

# %%
print(fpr.loc["F", "note"])
