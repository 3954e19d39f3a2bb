# %% [markdown]
# # Looking at the risk score itself
#
# A decision threshold hides most of what a risk score does. Audits of welfare
# algorithms therefore looked at the score directly: Rotterdam's compared the share
# of each group in the top tenth of scores, Sweden's compared calibration (do people
# with the same score turn out the same, whatever their group?), and ProPublica
# adjusted for criminal history with a logistic regression.
#
# This notebook does all three on ProPublica's COMPAS data (`decile_score`, 1 to 10),
# on the 6,172 rows ProPublica's notebook uses for its regression.

# %%
import pandas as pd

import biasaudit
from biasaudit import datasets

compas = pd.read_csv(datasets.fetch_compas())
keep = (
    compas["days_b_screening_arrest"].between(-30, 30)
    & (compas["is_recid"] != -1)
    & (compas["c_charge_degree"] != "O")
    & (compas["score_text"] != "N/A")
)
compas = compas[keep]
print(len(compas), "defendants")

# %% [markdown]
# The score is `decile_score`; "flagged" means a score of 5 or more (ProPublica's
# "medium or high risk"). The sweep moves that threshold over every score value.

# %%
result = biasaudit.audit(
    compas,
    roles={"id": "id", "score": "decile_score", "outcome": "two_year_recid"},
    threshold={"score_at_least": 5},
    groups=["race"],
    reference={"race": "Caucasian"},
    scores={"sweep": "score", "points": [2, 3, 4, 5, 6, 7, 8, 9, 10]},
    regression={
        "decision": "score_text",
        "positive": ["Medium", "High"],
        "covariates": ["priors_count", "c_charge_degree", "two_year_recid", "sex", "age_cat"],
        "numeric": ["priors_count", "two_year_recid"],
        "label": "a higher score",
    },
)
scores = result.score_analysis

# %% [markdown]
# ## 1. Who gets the highest scores?
# `distribution` compares each group's scores with the reference group's.
# `prob_higher` is the chance that a randomly chosen member of the group scores
# higher than a randomly chosen white defendant (0.5 = no difference; ties count half).

# %%
main = ["African-American", "Caucasian", "Hispanic"]
d = scores.published("distribution").query("attribute == 'race' and group in @main")
d[["group", "people", "mean", "median", "prob_higher", "mw_p_adjusted", "ks_statistic"]].round(3)

# %% [markdown]
# The top decile here is a score of 10 (ties: it holds fewer than 10% of people).
# `excess` is the group's share there minus everyone's.

# %%
top = scores.published("excess").query("cut == 'top decile' and group in @main")
top[["group", "share", "overall_share", "excess", "excess_ci_low", "excess_ci_high"]].round(3)

# %% [markdown]
# ## 2. Calibration: the same score, the same risk?
# For each score bin, the share re-arrested within two years, per group. The gap
# averages the difference to white defendants at the same score. ProPublica's
# critics (Northpointe; Flores et al.) pointed out that COMPAS is roughly calibrated
# across races even though its error rates differ: both can be true at once when
# base rates differ.

# %%
gap = scores.published("calibration_gap").query("group in @main")
gap[["group", "bins_compared", "gap", "gap_ci_low", "gap_ci_high", "p_adjusted"]].round(3)

# %%
auc = scores.published("auc").query("group in @main")
auc[["group", "positives", "negatives", "auc", "auc_ci_low", "auc_ci_high"]].round(3)

# %% [markdown]
# ## 3. The threshold
# The sweep is the full audit at every threshold. Here: the false positive rate of
# Black and white defendants, and its ratio, as the threshold moves.

# %%
sweep = scores.published("sweep").query(
    "metric == 'false_positive_rate' and group == 'African-American'"
)
sweep[["threshold", "flagged_share", "value", "reference_value", "ratio"]].round(3)

# %% [markdown]
# At the audit's own threshold (a score of 5 or more), each group's false positive
# rate compared with white defendants':

# %%
chart = result.plot("disparity", "race", "false_positive_rate")
chart

# %% [markdown]
# The ratio stays well above 1 at every threshold: moving one shared threshold does
# not remove the disparity. The what-if table shows what *group-specific* thresholds
# would equalise the selection rate. This is analysis of how unequal the score is,
# not a recommendation: different thresholds by race would themselves treat people
# differently by race.

# %%
scores.published("what_if").query("group in @main")[
    ["group", "common_threshold", "rate_at_common", "threshold_needed", "rate_at_needed"]
].round(3)

# %% [markdown]
# ## 4. After accounting for criminal history
# ProPublica's logistic regression of a medium or high score on race, sex, age,
# prior record, charge degree and re-arrest: Black defendants were 45% more likely
# to get a higher score (coefficient 0.47721, relative risk 1.4528).

# %%
fit = result.adjusted
row = fit.table.query("variable == 'race' and level == 'African-American'").iloc[0]
assert round(row["coefficient"], 5) == 0.47721
assert round(row["relative_risk"], 4) == 1.4528
print(fit.sentence("race", "African-American", covariates="criminal history, sex and age"))

# %% [markdown]
# ## Exercise
# Change `regression["covariates"]` to drop `priors_count`. How does the adjusted
# relative risk change, and why does that make "accounting for" a choice an auditor
# must justify?
