# %% [markdown]
# # Exercises: the metrics by hand
#
# Each exercise asks you to compute something by hand from a small table, then
# checks your answer against biasaudit. The solutions are filled in; replace them
# with your own and run the cell: the `assert` tells you whether you got it right.

# %%
import pandas as pd

import biasaudit

# 20 people: 10 women, 10 men. flag = selected for investigation, fraud = found.
people = pd.DataFrame(
    {
        "sex": ["F"] * 10 + ["M"] * 10,
        "flag": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0] + [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        "fraud": [1, 0, 0, 0, 1, 0, 0, 0, 0, 0] + [1, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    }
)
result = biasaudit.audit(
    people,
    roles={"flagged": "flag", "outcome": "fraud"},
    groups=["sex"],
    reference={"sex": "M"},
    min_cell=0,  # a classroom table: disclosure control off
)


def value(metric, group):
    return result.metric(metric, "sex").set_index("group").loc[group, "value"]


# %% [markdown]
# ## Exercise 1: selection rate
# What share of women were flagged? (flagged / n)

# %%
my_answer = 4 / 10  # solution: 4 of the 10 women were flagged
assert abs(my_answer - value("selection_rate", "F")) < 1e-12

# %% [markdown]
# ## Exercise 2: the false positive rate (the false-accusation rate)
# Among women who committed no fraud, what share were flagged? FP / (FP + TN)

# %%
my_answer = 3 / 8  # solution: 8 innocent women, 3 of them flagged
assert abs(my_answer - value("false_positive_rate", "F")) < 1e-12

# %% [markdown]
# ## Exercise 3: not the same thing
# Among the flagged women, what share of investigations were unfounded?
# FP / (TP + FP), the false discovery rate. Why does it differ from exercise 2?

# %%
my_answer = 3 / 4  # solution: 4 women flagged, 3 of them innocent
assert abs(my_answer - value("false_discovery_rate", "F")) < 1e-12

# %% [markdown]
# ## Exercise 4: the ratio
# How many times as often as innocent men were innocent women flagged?

# %%
my_answer = (3 / 8) / (1 / 8)  # solution: men: 8 innocent, 1 flagged
ratio = result.metric("false_positive_rate", "sex").set_index("group").loc["F", "ratio"]
assert abs(my_answer - ratio) < 1e-12

# %% [markdown]
# ## Exercise 5: selective labels
# Suppose only the flagged were investigated: the outcomes of the unflagged are
# unknown. What are the smallest and largest possible false positive rates for
# women? (All unknown people innocent; all of them guilty.)

# %%
selective = people.assign(fraud=people["fraud"].where(people["flag"] == 1, None))
bounded = biasaudit.audit(
    selective, roles={"flagged": "flag", "outcome": "fraud"}, groups=["sex"], min_cell=0
)
row = bounded.metric("false_positive_rate", "sex").set_index("group").loc["F"]
my_answer = (3 / (3 + 6), 3 / 3)  # solution: 6 unknown women innocent, or all guilty
assert abs(my_answer[0] - row["lower_bound"]) < 1e-12
assert abs(my_answer[1] - row["upper_bound"]) < 1e-12
assert pd.isna(row["value"])  # not identifiable: biasaudit does not guess

# %% [markdown]
# ## Exercise 6: a funnel
# 1,000 students without and 400 with a migration background; 10 and 24 of them got
# a home visit. How many times as likely was a home visit for the second group?

# %%
reply = pd.DataFrame(
    {"background": ["none", "migration"], "students": [1000, 400], "home visit": [10, 24]}
)
funnel = biasaudit.funnel(
    reply,
    groups=["background"],
    layout="wide",
    stages=["students", "home visit"],
    reference={"background": "none"},
    min_cell=0,
)
rows = funnel.table.set_index(["group", "stage"])
my_answer = (24 / 400) / (10 / 1000)  # solution: 6% vs 1%
assert abs(my_answer - rows.loc[("migration", "home visit"), "share_ratio"]) < 1e-12
print(funnel.sentences()[0])

# %%
chart = funnel.plot("background")
chart
