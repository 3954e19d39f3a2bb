"""Disclosure control of audits by period (issue 18, question 3), from both sides.

Per-period cells are cells: a period's count is the count of all periods together minus
the other periods'. The attacker of ``disclosure_attacker.py`` (which knows nothing of
biasaudit's disclosure code) reads the published folder of an audit by year, with the
year as one more attribute of the finest cells, and must recover no count of 1 to 9
people: from results.csv / .json (every period and all together), the summaries and
tables/changes.csv. Two tests show the attacker has teeth here: on the restricted output,
and on a table whose periods were checked each on its own (the pooled row minus the
other year then gives a withheld count away). The other side, information loss: COMPAS
by screening year still publishes ProPublica's headline rates in each year and their
change.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import biasaudit
from biasaudit.cli import main
from biasaudit.disclosure import mark_results, publish
from disclosure_attacker import (
    ALL,
    EVERYONE,
    FLAGGED,
    LABELLED,
    METRICS,
    OVERALL,
    SEP,
    Attacker,
    Finest,
    attack_results,
    partition_targets,
    records_finest,
)

MIN_CELL = 10
POOLED = "(all periods)"
# race: Asian are 4 people in 2021 and 31 in 2022; Other 7 and 12
SIZES = {
    "2021": {"Black": 120, "White": 150, "Asian": 4, "Other": 7},
    "2022": {"Black": 110, "White": 160, "Asian": 31, "Other": 12},
}
CONFIG = """
[data]
path = "people.csv"

[roles]
id = "id"
flagged = "flagged"
outcome = "outcome"
period = "year"

[groups]
attributes = ["race", "sex"]
intersections = [["race", "sex"]]
reference = { race = "White" }

[stats]
bootstrap_samples = 200
"""


def run_cli(args: list[str]) -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(args)
    assert status == 0, stderr.getvalue()
    return stdout.getvalue()


def make_people() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    for year, sizes in SIZES.items():
        for race, k in sizes.items():
            y = rng.random(k) < 0.3
            flag = rng.random(k) < np.where(y, 0.6, 0.25)
            sex = rng.choice(["F", "M"], size=k, p=[0.4, 0.6])
            rows += list(
                zip([year] * k, [race] * k, sex, flag.astype(int), y.astype(int), strict=True)
            )
    df = pd.DataFrame(rows, columns=["year", "race", "sex", "flag", "y"]).assign(known=1)
    df.insert(0, "id", [f"p{i:04d}" for i in range(len(df))])
    df["flagged"] = np.where(df["flag"] == 1, "yes", "no")
    df["outcome"] = np.where(df["y"] == 1, "yes", "no")
    return df


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> tuple[Path, Finest, pd.DataFrame]:
    people = make_people()
    folder = tmp_path_factory.mktemp("periods")
    people.drop(columns=["flag", "y", "known"]).to_csv(folder / "people.csv", index=False)
    (folder / "audit.toml").write_text(CONFIG)
    finest = records_finest(
        people,
        ["year", "race", "sex"],
        intersections=[
            ["race", "sex"],
            ["year", "race"],
            ["year", "sex"],
            ["year", "race", "sex"],
        ],
        cells=sorted(LABELLED),
    )
    return folder / "audit.toml", finest, people


def as_period_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A table with a ``dataset`` column as rows of the finest cells' groups: a period's
    group ``race = Asian`` is the group ``year × race = 2021 × Asian``; everyone in a
    period is ``year = 2021`` (README: the dataset column names the period)."""
    out = table.copy()
    mine = out["dataset"].astype(str) != POOLED
    years = out.loc[mine, "dataset"].astype(str)
    attrs = out.loc[mine, "attribute"].astype(str)
    groups = out.loc[mine, "group"].astype(str)
    refs = out.loc[mine, "reference_group"] if "reference_group" in out else None
    everyone = attrs == OVERALL
    out.loc[mine, "attribute"] = np.where(everyone, "year", "year" + SEP + attrs)
    out.loc[mine, "group"] = np.where(everyone, years, years + SEP + groups)
    if refs is not None:
        out.loc[mine, "reference_group"] = [
            f"{y}{SEP}{r}" if isinstance(r, str) and r else r
            for y, r in zip(years, refs, strict=True)
        ]
    return out.drop(columns="dataset")


def attack_results_by_period(att: Attacker, table: pd.DataFrame, *, label: str) -> None:
    """A results table of every period: shares of everyone (population and flagged
    shares, the representation ratio) take their denominator from the period's
    everyone, so the attacker reads those rows here; every other row as any results
    row of the group ``year × ...``."""
    fin = att.finest
    rows = as_period_rows(table)
    years = table["dataset"].astype(str).to_numpy()
    shares = np.array(
        [m in METRICS and METRICS[m][2] != "group" for m in rows["metric"]], dtype=bool
    ) & (years != POOLED)
    attack_results(att, rows[~shares], label=label)
    for year, row in zip(years[shares], rows[shares].to_dict("records"), strict=True):
        a, g, metric = str(row["attribute"]), str(row["group"]), str(row["metric"])
        if a == "year":  # everyone in the period
            a, g = "year", year
        num_cells, den_cells, scope = METRICS[metric]
        src = f"{label}: {a}={g} {metric}"
        n_vec, num = fin.vec(a, g, EVERYONE), fin.vec(a, g, num_cells)
        everyone, flagged = fin.vec("year", year, EVERYONE), fin.vec("year", year, FLAGGED)
        att.equation(n_vec, float(row["n"]), src + " n")
        att.equation(num, float(row["numerator"]), src + " numerator")
        value = float(row["value"])
        if scope == "expected":  # n_g x F_p / N_p
            att.ratio(n_vec, None, float(row["denominator"]), src + " den", everyone, flagged)
            att.ratio(num, n_vec, value, src + " value", flagged, everyone)
        else:
            den = fin.vec("year", year, den_cells)
            att.equation(den, float(row["denominator"]), src + " denominator")
            att.ratio(num, den, value, src + " value")


def period_pair(
    fin: Finest, attribute: str, group: str, year: str, cells: tuple[frozenset, frozenset]
) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, denominator) of ``group`` in ``year`` (everyone in it for OVERALL)."""
    if attribute == OVERALL:
        return fin.vec("year", year, cells[0]), fin.vec("year", year, cells[1])
    name, label = "year" + SEP + attribute, year + SEP + group
    return fin.vec(name, label, cells[0]), fin.vec(name, label, cells[1])


def attack_changes(att: Attacker, changes: pd.DataFrame) -> None:
    """tables/changes.csv: each period's rate, the rate's change (a difference of two
    rates) and each period's ratio to the reference group; the ratio of ratios is a
    quotient of four rates, which the attacker does not invert (it only repeats them)."""
    fin = att.finest
    for row in changes.to_dict("records"):
        metric = str(row["metric"])
        if metric not in METRICS:
            continue
        num_cells, den_cells, scope = METRICS[metric]
        a, g = str(row["attribute"]), str(row["group"])

        src = f"changes.csv {a}={g} {metric} {row['period_from']}->{row['period_to']}"
        cells = (num_cells, den_cells)
        early = period_pair(fin, a, g, str(row["period_from"]), cells)
        late = period_pair(fin, a, g, str(row["period_to"]), cells)
        att.ratio(*early, float(row["value_from"]), src + " value_from")
        att.ratio(*late, float(row["value_to"]), src + " value_to")
        att.relation(late, early, "difference", float(row["value_change"]), src + " change")
        ref = row.get("reference_group")
        if isinstance(ref, str) and ref and scope == "group":
            for side, year in (("from", row["period_from"]), ("to", row["period_to"])):
                att.relation(
                    period_pair(fin, a, g, str(year), cells),
                    period_pair(fin, a, ref, str(year), cells),
                    "ratio",
                    float(row[f"ratio_{side}"]),
                    f"{src} ratio_{side}",
                )
        att.skipped.add("changes.csv: ratio_change (a ratio of ratios)")


def attack_period_folder(att: Attacker, folder: Path) -> Attacker:
    csv = next(folder.glob("results*.csv"))
    data = json.loads(next(folder.glob("results*.json")).read_text())
    results = pd.read_csv(csv, keep_default_na=False, na_values=[""])
    attack_results_by_period(att, results, label="results.csv")
    attack_results_by_period(att, pd.DataFrame(data["results"]), label="results.json")
    for s in data["summaries"]:  # the largest ratio / difference: a relation of two rates
        metric, g, ref, value = s["metric"], s.get("group"), s.get("reference_group"), s["value"]
        if not (g and ref and value is not None) or metric not in METRICS:
            continue
        num_cells, den_cells, scope = METRICS[metric]
        if scope != "group":
            continue
        row = as_period_rows(pd.DataFrame([{**s, "group": g, "reference_group": ref}])).iloc[0]
        a, g2, r2 = row["attribute"], row["group"], row["reference_group"]
        kind = "ratio" if s["statistic"] == "largest_ratio" else "difference"
        att.relation(
            (att.finest.vec(a, g2, num_cells), att.finest.vec(a, g2, den_cells)),
            (att.finest.vec(a, r2, num_cells), att.finest.vec(a, r2, den_cells)),
            kind,
            float(value),
            f"summary {a} {metric}",
        )
    changes = folder / "tables" / next(p.name for p in (folder / "tables").glob("changes*.csv"))
    attack_changes(att, pd.read_csv(changes, keep_default_na=False, na_values=[""]))
    return att


def check(att: Attacker) -> None:
    targets = partition_targets(att.finest)
    small = [t for t in targets if 1 <= t[1] @ att.finest.truth < MIN_CELL]
    assert small, "the case should have small counts to protect"
    periods = [t for t in small if t[0].startswith("year")]
    assert periods, "small counts of a period (year x race ...) should be among them"
    hits = att.recovered(targets)
    assert not hits, "recovered:\n" + "\n".join(hits[:40])


@pytest.fixture(scope="module")
def published(case, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("periods-out") / "out"
    run_cli(["audit", str(case[0]), "--out", str(out)])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["linear", "lp"])
def test_no_small_count_comes_back(case, published, mode):
    att = attack_period_folder(Attacker(case[1]), published)
    att.solve(mode)
    assert len(att.eqs) > 50, "the public output should publish something"
    check(att)


@pytest.mark.slow
def test_the_attacker_has_teeth_on_the_restricted_output(case, tmp_path_factory):
    out = tmp_path_factory.mktemp("periods-restricted") / "out"
    run_cli(["audit", str(case[0]), "--out", str(out), "--restricted"])
    att = attack_period_folder(Attacker(case[1]), out)
    att.solve("linear")
    assert att.recovered(partition_targets(att.finest))


def test_checking_each_period_alone_would_give_counts_away(case, tmp_path):
    """Each period and all periods marked each on its own (three separate checks): the
    pooled row minus the other year recovers what one year withholds. The one check
    over all of them is what prevents it."""
    _, finest, people = case
    with pytest.warns(biasaudit.UndefinedRateWarning):  # Asian men of 2021: no innocent
        result = biasaudit.audit(
            people.drop(columns=["flag", "y", "known"]),
            roles={"flagged": "flagged", "outcome": "outcome", "period": "year"},
            groups=["race", "sex"],
            intersections=[["race", "sex"]],
            reference={"race": "White"},
            min_cell=0,  # every value; marked below, dataset by dataset
        )
    parts = []
    for name, part in result.table.groupby("dataset", sort=False):
        counts = result.counts if name == POOLED else result.change.counts[name]
        parts.append(
            mark_results(part.drop(columns="dataset"), counts, MIN_CELL).assign(dataset=name)
        )
    naive = publish(pd.concat(parts, ignore_index=True))
    assert naive["suppressed"].any()
    att = Attacker(finest)
    attack_results_by_period(att, naive, label="naive")
    att.solve("linear")
    hits = att.recovered(partition_targets(finest))
    assert any(h.startswith("year × race=2021 × Asian") for h in hits), hits[:10]


# ---------------------------------------------------------------- information loss

COMPAS_CONFIG = """
[data]
path = "{path}"

[roles]
id = "id"
flagged = "score_text"
outcome = "two_year_recid"
period = "year"

[codes]
flagged = {{ yes = ["Medium", "High"], no = ["Low"] }}

[groups]
attributes = ["race", "sex"]
reference = {{ race = "Caucasian" }}

[stats]
bootstrap_samples = 200
"""


@pytest.mark.slow
def test_compas_by_year_still_publishes_the_headline(compas_path, tmp_path):
    """COMPAS by screening year (2013: 5,111 people; 2014: 2,103), whose Asian (25 and 7)
    and Native American (13 and 5) defendants are few in a year: ProPublica's headline
    false positive and false negative rates for African-American and Caucasian
    defendants are published in each year and together, and so is their change."""
    df = pd.read_csv(compas_path, usecols=["id", "race", "sex", "score_text", "two_year_recid",
                                           "compas_screening_date"])  # fmt: skip
    df["year"] = df.pop("compas_screening_date").str[:4]
    df.to_csv(tmp_path / "compas-years.csv", index=False)
    (tmp_path / "audit.toml").write_text(COMPAS_CONFIG.format(path="compas-years.csv"))
    run_cli(["audit", str(tmp_path / "audit.toml"), "--out", str(tmp_path / "out")])
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    flagged = df["score_text"].isin(["Medium", "High"])
    for dataset in (POOLED, "2013", "2014"):
        rows = df if dataset == POOLED else df[df["year"] == dataset]
        for race in ("African-American", "Caucasian"):
            mine = rows[rows["race"] == race]
            f, y = flagged[mine.index], mine["two_year_recid"] == 1
            for metric, num, den in (
                ("false_positive_rate", (f & ~y).sum(), (~y).sum()),
                ("false_negative_rate", (~f & y).sum(), y.sum()),
            ):
                row = results[
                    (results["dataset"].astype(str) == dataset)
                    & (results["attribute"] == "race")
                    & (results["group"] == race)
                    & (results["metric"] == metric)
                ].iloc[0]
                assert not row["suppressed"], (dataset, race, metric, row["note"])
                assert (row["numerator"], row["denominator"]) == (num, den)
    # the pooled rows: ProPublica's published rates (all 7,214 defendants)
    pooled = results[(results["dataset"] == POOLED) & (results["attribute"] == "race")]
    fpr = pooled[pooled["metric"] == "false_positive_rate"].set_index("group")["value"]
    assert round(fpr["African-American"], 4) == 0.4485 and round(fpr["Caucasian"], 4) == 0.2345
    changes = pd.read_csv(tmp_path / "out" / "tables" / "changes.csv")
    row = changes[
        (changes["group"] == "African-American") & (changes["metric"] == "false_positive_rate")
    ]
    assert not row["suppressed"].iloc[0] and np.isfinite(row["ratio_change"].iloc[0])
    # the tiny groups of a year are what is withheld
    hidden = results[results["suppressed"]]
    assert set(hidden.loc[hidden["attribute"] == "race", "group"]) <= {
        "Asian", "Native American", "Other", "Hispanic"
    }  # fmt: skip


def test_the_attacker_reads_the_truth(case):
    """The attacker's reading of a period's rows agrees with the truth (no misreading)."""
    _, finest, people = case
    for year, sizes in SIZES.items():
        for race, k in sizes.items():
            assert (
                finest.vec("year" + SEP + "race", f"{year}{SEP}{race}", EVERYONE) @ finest.truth
                == k
            )
    assert finest.vec(OVERALL, ALL, EVERYONE) @ finest.truth == len(people)
