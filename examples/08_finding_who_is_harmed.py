# %% [markdown]
# # Finding who is harmed, how many, and whether it changed
#
# A disparity ratio ("flagged three times as often") is where an audit starts, not
# where it ends. This notebook asks three follow-up questions on synthetic data:
#
# 1. **Who else?** Is a group nobody named (a combination of attributes, or people
#    defined by the model's inputs) hit harder than the groups we were told about?
# 2. **How many?** How many people were flagged, investigated or wrongly accused
#    beyond what the reference group's rate would give?
# 3. **Did it change?** After the agency changed its model, did the disparity shrink,
#    or could the difference be chance?

# %%
import itertools

import biasaudit
from biasaudit import datasets
from biasaudit.report import change_sentences, harm_findings
from biasaudit.synthetic import planted_records

# %% [markdown]
# ## 1. Subgroups nobody named
# These synthetic records hold 12,000 people flagged at 10%, except two planted groups
# flagged at 30%: women aged 18-29 who are single parents (a combination of three
# attributes), and people with an income of at most 14,000 who have been on benefits
# for more than 60 months (a group defined by the model's inputs, not by any protected
# attribute). The audit names only gender, age and household; discovery searches
# combinations of up to three values of five attributes, and clusters of four inputs.

# %%
records = planted_records(12_000, seed=7)
result = biasaudit.audit(
    records,
    roles={"id": "case_id", "flagged": "flagged"},
    groups=["gender", "age_band", "household"],
    discover={
        "attributes": ["gender", "age_band", "household", "nationality", "district"],
        "features": ["income", "months_on_benefit", "hours_worked", "household_size"],
        "depth": 3,
    },
)
found = result.discoveries
print(f"searched on {found.find_rows:,} people, tested on the other {found.test_rows:,}")
found.reported()[["attribute", "group", "method", "n", "value", "ratio", "ratio_ci_low"]].round(3)

# %% [markdown]
# Each row is a subgroup that was found on one half of the people and then shown to be
# worse off on the other half: `n` people of the test half, their selection rate
# (`value`) and its ratio to everyone else's, with the lower end of its 95% interval.
# Both planted groups are there: the combination, and a clustering rule on income and
# months on benefit. Some others overlap the planted groups (they contain many of their
# members), so they are really worse off too. The same findings in words:

# %%
for sentence in found.sentences()[:3]:
    print(sentence)

# %%
rules = set(found.reported()["group"])
assert "gender = F and age_band = 18-29 and household = single parent" in rules
assert any(rule.startswith("income at most") and "months_on_benefit" in rule for rule in rules)

# %% [markdown]
# ### Why split the people in two?
# Search enough subgroups and the worst one *always* looks bad: the largest of many
# noisy rates is high by chance. To see it, take records where **nothing** is planted
# (everyone flagged at 10%) and, with plain pandas, look for the worst subgroup of up to
# three attributes among all 12,000 people.

# %%
noise = planted_records(12_000, seed=7, plant=())
attributes = ["gender", "age_band", "household", "nationality", "district"]
flagged = noise["flagged"].eq("yes")
candidates = []
for depth in (1, 2, 3):
    for columns in itertools.combinations(attributes, depth):
        rates = flagged.groupby([noise[c] for c in columns]).agg(["mean", "size"])
        for values, row in rates[rates["size"] >= 30].iterrows():
            values = values if isinstance(values, tuple) else (values,)
            rule = " and ".join(f"{c} = {v}" for c, v in zip(columns, values, strict=True))
            candidates.append((row["mean"], rule))
worst_rate, worst_rule = max(candidates)
print(f"{len(candidates)} subgroups of at least 30 people; overall rate {flagged.mean():.1%}")
print(f"worst: {worst_rule}, flagged at {worst_rate:.1%}")

# %% [markdown]
# Twice the overall rate, in data where nobody is treated differently. A journalist who
# publishes that subgroup publishes noise. Discovery instead searches one half (the
# **find** half) and tests only what it found on the other half (the **test** half),
# which the search never saw, adjusting the p-values for the number of subgroups
# tested (Holm). On the noise, the find half picks its worst-looking candidates just
# as above, but on the test half their rates are ordinary, and nothing is reported:

# %%
null = biasaudit.audit(noise, roles={"id": "case_id", "flagged": "flagged"}, groups=["gender"])
nothing = null.discover(noise, attributes=attributes, depth=3, min_size=30)
tested = nothing.table.query("metric == 'selection_rate' and group != 'everyone else'")
tested[["attribute", "group", "n", "value", "ratio", "discovery_p_adjusted", "reported"]].round(3)

# %%
assert nothing.reported().empty
assert worst_rate > 1.8 * flagged.mean()

# %% [markdown]
# ## 2. How many people were harmed?
# Back to the bundled demo data: 40,000 benefit recipients, some nationalities flagged
# far more often than Dutch nationals. A **harm count** turns a rate into people: the
# group's people in the rate's numerator minus what the reference group's rate would
# give, `excess = O - D x p_reference`.

# %%
welfare = datasets.load_dataset("welfare-synthetic")
roles = {
    "id": "case_id",
    "score": "risk_score",
    "flagged": "selected",
    "investigated": "investigated",
    "outcome": "fraud_found",
}
codes = {"outcome": {"yes": ["Errors Found"], "no": ["No Errors Found"], "unknown": [""]}}
audit = biasaudit.audit(
    welfare,
    roles=roles,
    codes=codes,
    groups=["gender", "nationality"],
    reference={"gender": "M", "nationality": "Dutch"},
)
columns = ["group", "value", "ci_low", "ci_high", "lower_bound", "upper_bound"]
audit.metric("excess_flagged", "nationality")[columns].round(1)

# %% [markdown]
# About 406 more Moroccan nationals were flagged than if they had been flagged at
# Dutch nationals' rate (95% interval 363 to 452). We can check it by hand:

# %%
is_flagged = welfare["selected"].eq("yes")
dutch_rate = is_flagged[welfare["nationality"].eq("Dutch")].mean()
moroccan = welfare["nationality"].eq("Moroccan")
by_hand = is_flagged[moroccan].sum() - moroccan.sum() * dutch_rate
excess = audit.metric("excess_flagged", "nationality").set_index("group")
print(f"biasaudit: {excess.loc['Moroccan', 'value']:.2f}; by hand: {by_hand:.2f}")
assert abs(excess.loc["Moroccan", "value"] - by_hand) < 1e-6

# %% [markdown]
# Two more counts need outcomes. **Unfounded investigations** counts flagged people in
# whom nothing was found, per person of the group; **false accusations** counts
# innocent people flagged, compared with the reference's false positive rate among
# the innocent. Here 198 flagged people were never investigated, so their outcome is
# unknown, and nobody knows how many of the unflagged were innocent (selective
# labels). biasaudit does not guess: the value is NaN, and the bounds say what every
# filling-in of the unknowns allows. Unfounded investigations are pinned down closely;
# false accusations hardly at all.

# %%
for name in ["excess_unfounded_investigations", "excess_false_accusations"]:
    print(name)
    print(audit.metric(name, "nationality")[columns].round(1).to_string(index=False))

# %% [markdown]
# The report tells the clearest harm counts in words, with natural frequencies ("of
# every 1,000 people ...") that readers understand better than percentages:

# %%
for sentence in harm_findings(audit.published_table())[:4]:
    print(sentence)

# %% [markdown]
# ### Compared with everyone else
# Picking Dutch nationals as the reference is a choice. `"rest"` compares each group
# with everyone not in it instead: the Moroccan count is smaller, because "everyone
# else" includes the other nationalities that are flagged often too.

# %%
rest = biasaudit.audit(
    welfare,
    roles=roles,
    codes=codes,
    groups=["nationality"],
    reference={"nationality": "rest"},
)
rest_excess = rest.metric("excess_flagged", "nationality")
rest_excess[["group", "reference_group", "value", "ci_low", "ci_high", "reference_value"]].round(2)

# %%
assert 0 < rest_excess.set_index("group").loc["Moroccan", "value"] < by_hand

# %% [markdown]
# ## 3. Did it change?
# The bundled `before-after` scenario holds two years of one scoring system. Between
# them the agency reweighed the model: its gender bias was cut, its bias against
# people with a non-western migration background left as it was. With the `period`
# role the audit runs for each year and tests whether each disparity changed.

# %%
years = datasets.load_dataset("before-after")
change = biasaudit.audit(
    years,
    roles={
        "flagged": "flagged",
        "investigated": "investigated",
        "outcome": "outcome",
        "period": "year",
    },
    groups=["gender", "migration_background"],
    reference={"gender": "M", "migration_background": "none"},
    metrics=["selection_rate"],
)
changes = change.published_changes()
changes[
    [
        "attribute",
        "group",
        "value_from",
        "value_to",
        "ratio_from",
        "ratio_to",
        "ratio_change",
        "ratio_change_ci_low",
        "ratio_change_ci_high",
        "p_adjusted",
    ]
].round(3)

# %% [markdown]
# `ratio_change` is a ratio of ratios: the disparity in 2023 divided by the disparity
# in 2022 (1 = unchanged, below 1 = it shrank). In words:

# %%
for sentence in change_sentences(changes):
    print(sentence)

# %% [markdown]
# Women's disparity shrank clearly; the migration-background disparity did not move
# beyond chance, as planted. Note *how* the gender gap closed: the agency still
# flagged 10% of people each year, so women's rate fell while men's rose. A smaller
# ratio does not mean fewer people were flagged. The trend chart shows each group's
# ratio to the reference group per year, with its interval:

# %%
trend = change.plot("trend", "gender")
trend

# %%
women = changes.set_index(["attribute", "group"]).loc[("gender", "F")]
assert women["ratio_change_ci_high"] < 1 and women["p_adjusted"] < 0.05
non_western = changes.set_index(["attribute", "group"]).loc[
    ("migration_background", "non-western")
]
assert non_western["ratio_change_ci_low"] < 1 < non_western["ratio_change_ci_high"]

# %% [markdown]
# ## Exercise
# 1. Run discovery with `"metric": "false_discovery_rate"` on the planted records.
#    Why can it not search the false positive rate on these records?
# 2. In the harm counts, use `reference={"nationality": "largest"}`. Which group is
#    the reference, and why do the counts stay the same?
# 3. In the change audit, add `"innocent_flag_rate"` to the metrics. Did the share of
#    women investigated for nothing change?
