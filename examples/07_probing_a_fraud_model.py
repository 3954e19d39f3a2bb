# %% [markdown]
# # Probing a fraud model
#
# Decision records show what a risk model did. The strongest welfare-algorithm audits
# went further and ran the model itself: journalists obtained Rotterdam's fraud model
# and scored test profiles, finding that changing only gender, language or having
# children moved people up the risk ranking; France's family-benefits scorecard could
# be applied to profiles from its published coefficients.
#
# This notebook probes a synthetic fraud model whose effects we know, because we
# planted them:
#
# * a **direct** effect: women get +0.6 on the log-odds scale, everything else equal;
# * a **proxy**: the model uses a Dutch language level (1 to 4), which depends on
#   nationality; nationality itself is not a model input.
#
# We ask the model the auditor's two questions: *what would you have done to this
# person if only their gender were different?* and *which inputs stand in for
# nationality?*

# %%
import numpy as np

from biasaudit.probe import as_model, probe, scorecard_from_dict
from biasaudit.synthetic import PROBE_TRUTH, generate_probe_records, probe_logit, probe_model

records = generate_probe_records(20_000)
model = probe_model(records)  # a scikit-learn pipeline, as an agency might hand it over
records.head()

# %% [markdown]
# ## 1. Flip gender, keep everything else
# Every person is scored twice: as they are, and with F and M swapped. The flip table
# has one row per group with the mean score change (a paired 95% interval and a
# Wilcoxon test), who would be newly flagged or no longer flagged among the top 10%
# (McNemar's test) and how many places people move in the ranking.

# %%
out = probe(
    records,
    model,
    flips=[{"attribute": "gender", "map": {"F": "M", "M": "F"}}],
    groups=["nationality"],
    threshold={"top_fraction": 0.10},
    proxies=["nationality"],
)
flips = out.flips.published()
flips[
    [
        "attribute",
        "group",
        "n",
        "mean_change",
        "change_ci_low",
        "change_ci_high",
        "flag_up_share",
        "flag_down_share",
        "mean_places_moved",
    ]
].round(4)

# %% [markdown]
# Women's scores drop when they are treated as men, and men's rise: the direct effect.
# We can check the size by hand from the planted coefficient: a woman's score moves
# from sigmoid(eta) to sigmoid(eta - 0.6).

# %%
women = records[records["gender"] == "F"]
eta = probe_logit(women)  # the planted log-odds, from the coefficients
by_hand = np.mean(1 / (1 + np.exp(-(eta - 0.6))) - 1 / (1 + np.exp(-eta)))
found = flips.query("attribute == 'gender' and group == 'F'")["mean_change"].iloc[0]
print(f"flip experiment: {found:+.4f}; by hand from the coefficient: {by_hand:+.4f}")
assert abs(found - by_hand) < 1e-9

# %% [markdown]
# ## 2. Which input stands in for nationality?
# Nationality is not a model input, yet the model can still treat nationalities
# differently through inputs that depend on it. Proxy strength is how well the input
# alone predicts nationality (normalised mutual information, 0 = nothing); influence
# is its share of how much the inputs move the score (permutation importance).

# %%
proxies = out.proxies.table
proxies[
    ["rank", "feature", "strength", "strength_ci_low", "strength_ci_high", "influence_share"]
].round(3)

# %%
assert out.proxies.top("nationality") == "language_level"

# %% [markdown]
# ## 3. The same model as a published scorecard, applied to profiles
# Agencies sometimes publish (or release under FOI) a scorecard: points per variable.
# Here is our model written as one. A scorecard gives each variable's exact
# contribution, so we can explain a profile's score line by line.

# %%
card = as_model(scorecard_from_dict({**PROBE_TRUTH, "link": "logistic"}))
assert np.allclose(card.score(records), model.predict_proba(records)[:, 1], atol=1e-12)
base = {
    "gender": "M",
    "language_level": 4,
    "income": 1.2,
    "has_children": 0,
    "months_on_benefit": 24,
}
people = probe(
    records,
    card,
    base=base,
    vary={"gender": ["F"], "has_children": [1], "language_level": [1]},
)
for sentence in people.profiles.sentences:
    print(sentence)

# %%
people.profiles.contributions.query("profile == 'language_level = 1'")

# %% [markdown]
# ## Exercise
# 1. Flip `has_children` (`{"attribute": "has_children", "map": {0: 1, 1: 0}}`). Which
#    group's flags change most, and why is the change in *flags* not proportional to
#    the change in *scores*?
# 2. Change the flag rule to `{"top_k": 200}`. What happens to the share of people
#    moving into the top k, and to its interval?
