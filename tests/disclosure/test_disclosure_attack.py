"""Issue 13: an attacker who reads every published file recovers no count of 1 to 9 people.

DESIGN.md §4: published outputs (results.csv, results.json, tables/*.csv) must never let a
count of 1..min_cell-1 people be recovered exactly. Each test generates small data (so the
linear algebra is exact and quick), runs the CLI, and hands the output folder to the
attacker in ``disclosure_attacker.py``, which knows nothing of biasaudit's disclosure code:
it turns every published count, rate, bound and comparison into equations over the finest
cells (protected attributes x partition cell) and asks, for every group and every sum of
its partition cells whose true value is 1..9, whether the equations fix it.

Two attackers: ``linear`` (row space of the equations, published zero sums zeroing their
cells) and ``lp`` (also every cell that non-negativity, or a source's ``<10``, forces).
The last tests run the same attacker on the restricted output, which must give counts
away: the attacker has teeth.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biasaudit.cli import main
from disclosure_attacker import (
    ALL,
    EVERYONE,
    FLAGGED,
    LABELLED,
    OVERALL,
    Attacker,
    Finest,
    attack_folder,
    attack_results,
    funnel_finest,
    partition_targets,
    records_finest,
    score_range_targets,
    stray_numbers,
)
from disclosure_attacker import METRICS as ATTACKER_METRICS

MIN_CELL = 10
MODES = ["linear", "lp"]


def run_cli(config: Path, out: Path, *, restricted: bool = False) -> Path:
    """``biasaudit audit CONFIG --out OUT``: the published (or restricted) folder."""
    args = ["audit", str(config), "--out", str(out)] + (["--restricted"] if restricted else [])
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(args)
    assert status == 0, stderr.getvalue()
    return out


def report(att: Attacker, hits: list[str]) -> str:
    lines = [f"{len(hits)} counts of 1..{MIN_CELL - 1} people recovered from the output:"]
    lines += [f"  {h}" for h in hits[:60]]
    if att.unread:
        lines.append("published text with numbers the attacker did not use:")
        lines += [f"  {u}" for u in sorted(att.unread)[:20]]
    return "\n".join(lines)


def check(att: Attacker, targets, *, exclude=()) -> None:
    small = [t for t in targets if 1 <= t[1] @ att.finest.truth < MIN_CELL]
    assert small, "the case should have small counts to protect"
    hits = att.recovered(targets, exclude=exclude)
    print(report(att, hits))
    assert not hits, report(att, hits)


# ------------------------------------------------------------------ the cases' data


def people_records(
    attr: str,
    sizes: dict[str, int],
    other: tuple[str, list[str]],
    *,
    seed: int,
    selective: bool,
) -> pd.DataFrame:
    """People of groups of the given sizes, a second attribute, flag and outcome.

    Columns: id, the two attributes, flag / known / y (for the attacker's truth), and the
    CSV's coded columns flagged / investigated / outcome.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for g, k in sizes.items():
        y = rng.random(k) < 0.35
        flag = rng.random(k) < np.where(y, 0.6, 0.25)
        second = rng.choice(other[1], size=k, p=[0.3, 0.7])
        investigated = flag & (rng.random(k) < 0.8) if selective else np.ones(k, dtype=bool)
        for i in range(k):
            rows.append((g, second[i], int(flag[i]), int(investigated[i]), int(y[i])))
    df = pd.DataFrame(rows, columns=[attr, other[0], "flag", "known", "y"])
    df.insert(0, "id", [f"p{i:04d}" for i in range(len(df))])
    df["flagged"] = np.where(df["flag"] == 1, "yes", "no")
    df["investigated"] = np.where(df["known"] == 1, "yes", "no")
    df["outcome"] = np.where(df["known"] == 1, np.where(df["y"] == 1, "yes", "no"), "")
    return df


TRUTH = ["flag", "known", "y"]  # the attacker's truth, not in the audited file


def write_case(folder: Path, data: pd.DataFrame, config: str, name: str = "people.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data.to_csv(folder / name, index=False)
    (folder / "audit.toml").write_text(config)
    return folder / "audit.toml"


RACE = {
    "African-American": 260,
    "Caucasian": 180,
    "Hispanic": 70,
    "Other": 45,
    "Asian": 30,
    "Native American": 12,
}
HOUSEHOLD = {"couple": 210, "single": 130, "single parent": 28, "other": 13}

RECORDS_CONFIG = """
[data]
path = "people.csv"

[roles]
id = "id"
flagged = "flagged"
outcome = "outcome"
{investigated}

[groups]
attributes = ["{a}", "{b}"]
intersections = [["{a}", "{b}"]]
reference = {{ {a} = "{ref}" }}

[stats]
bootstrap_samples = 200
"""


@pytest.fixture(scope="module")
def full_labels(tmp_path_factory) -> tuple[Path, Finest]:
    """Case 1: full labels, race (two tiny groups: 12 and 30 people) x sex."""
    people = people_records("race", RACE, ("sex", ["Female", "Male"]), seed=1, selective=False)
    config = RECORDS_CONFIG.format(investigated="", a="race", b="sex", ref="Caucasian")
    path = write_case(tmp_path_factory.mktemp("full"), people.drop(columns=TRUTH), config)
    finest = records_finest(
        people, ["race", "sex"], intersections=[["race", "sex"]], cells=sorted(LABELLED)
    )
    return path, finest


@pytest.fixture(scope="module")
def selective(tmp_path_factory) -> tuple[Path, Finest]:
    """Case 2: outcome known only for the investigated (80% of the flagged)."""
    people = people_records("household", HOUSEHOLD, ("gender", ["F", "M"]), seed=2, selective=True)
    config = RECORDS_CONFIG.format(
        investigated='investigated = "investigated"', a="household", b="gender", ref="couple"
    )
    path = write_case(tmp_path_factory.mktemp("selective"), people.drop(columns=TRUTH), config)
    finest = records_finest(
        people, ["household", "gender"], intersections=[["household", "gender"]]
    )
    return path, finest


@pytest.fixture(scope="module")
def full_labels_out(full_labels, tmp_path_factory) -> Path:
    return run_cli(full_labels[0], tmp_path_factory.mktemp("full-out") / "out")


@pytest.fixture(scope="module")
def selective_out(selective, tmp_path_factory) -> Path:
    return run_cli(selective[0], tmp_path_factory.mktemp("selective-out") / "out")


@pytest.mark.parametrize("mode", MODES)
def test_full_labels_attack(full_labels, full_labels_out, mode):
    att = attack_folder(Attacker(full_labels[1]), full_labels_out)
    att.solve(mode)
    assert len(att.eqs) > 10, "the public output should publish something"
    check(att, partition_targets(att.finest))


@pytest.mark.parametrize("mode", MODES)
def test_selective_labels_attack(selective, selective_out, mode):
    att = attack_folder(Attacker(selective[1]), selective_out)
    att.solve(mode)
    assert len(att.eqs) > 10, "the public output should publish something"
    check(att, partition_targets(att.finest))


# ------------------------------------------------------------ case 3: counts table

NATIONALITY = {
    "Dutch": 520,
    "Moroccan": 150,
    "Polish": 90,
    "Turkish": 60,
    "Eritrean": 24,
    "Syrian": 16,
}
COUNT_CELLS = {  # column of the source table -> partition cells (full labels)
    "n": EVERYONE,
    "flagged": FLAGGED,
    "TP": frozenset({"TP"}),
    "FP": frozenset({"FP"}),
    "FN": frozenset({"FN"}),
    "TN": frozenset({"TN"}),
}
# the source hides cells of 1..9 people as "<10", except in these rows, which a
# careless source published exactly (small exact cells the audit must not republish)
EXACT_ROWS = {"Syrian"}


@pytest.fixture(scope="module")
def counts_case(tmp_path_factory) -> tuple[Path, Finest, pd.DataFrame]:
    rng = np.random.default_rng(3)
    rows = []
    for nat, k in NATIONALITY.items():
        y = rng.random(k) < 0.3
        flag = rng.random(k) < np.where(y, 0.55, 0.2)
        gender = rng.choice(["F", "M"], size=k)
        rows += list(zip([nat] * k, gender, flag.astype(int), y.astype(int), strict=True))
    people = pd.DataFrame(rows, columns=["nationality", "gender", "flag", "y"]).assign(known=1)
    # the table has one attribute at a time; their crossings are cells too (and targets)
    finest = records_finest(
        people,
        ["gender", "nationality"],
        intersections=[["gender", "nationality"]],
        cells=sorted(LABELLED),
    )
    # the source table: one margin per attribute and the total, as a FOI reply gives it
    table = []
    for attribute, other in (("gender", "nationality"), ("nationality", "gender")):
        for level in sorted(people[attribute].unique()):
            row = {attribute: level, other: "Total"}
            for column, cells in COUNT_CELLS.items():
                row[column] = int(finest.vec(attribute, level, cells) @ finest.truth)
            table.append(row)
    total = {"gender": "Total", "nationality": "Total"}
    total |= {c: int(finest.vec(OVERALL, ALL, s) @ finest.truth) for c, s in COUNT_CELLS.items()}
    table.append(total)
    source = pd.DataFrame(table)[["gender", "nationality", *COUNT_CELLS]].astype(object)
    for i, row in source.iterrows():
        if row["nationality"] in EXACT_ROWS:
            continue
        for column in COUNT_CELLS:
            if 1 <= row[column] < MIN_CELL:
                source.loc[i, column] = "<10"
    assert (source == "<10").sum().sum() >= 4, source
    assert any(
        1 <= v < MIN_CELL for v in source[source["nationality"].isin(EXACT_ROWS)].iloc[0][2:]
    )
    config = """
[data]
path = "foi.csv"
kind = "counts"

[groups]
attributes = ["gender", "nationality"]
reference = { gender = "M", nationality = "Dutch" }
"""
    path = write_case(tmp_path_factory.mktemp("counts"), source, config, name="foi.csv")
    return path, finest, source


def read_source(att: Attacker, source: pd.DataFrame) -> None:
    """What the source table itself published: exact cells, and <10 as 0..9."""
    fin = att.finest
    for row in source.to_dict("records"):
        if row["gender"] == "Total" and row["nationality"] == "Total":
            attribute, level = OVERALL, ALL
        elif row["nationality"] == "Total":
            attribute, level = "gender", row["gender"]
        else:
            attribute, level = "nationality", row["nationality"]
        for column, cells in COUNT_CELLS.items():
            vec = fin.vec(attribute, level, cells)
            if row[column] == "<10":
                att.range(vec, 0.0, float(MIN_CELL - 1), f"source {level} {column}")
            else:
                att.equation(vec, float(row[column]), f"source {level} {column}")


@pytest.fixture(scope="module")
def counts_out(counts_case, tmp_path_factory) -> Path:
    return run_cli(counts_case[0], tmp_path_factory.mktemp("counts-out") / "out")


@pytest.mark.parametrize("mode", MODES)
def test_counts_table_attack_output_alone(counts_case, counts_out, mode):
    """From the output folder alone, none of the source's small counts comes back."""
    att = attack_folder(Attacker(counts_case[1]), counts_out, bounds="skip")
    att.solve(mode)
    check(att, partition_targets(att.finest))


@pytest.mark.parametrize("mode", MODES)
def test_counts_table_attack_with_source(counts_case, counts_out, mode):
    """Source table + output: nothing the source did not already give away.

    The source's own totals are visible to the attacker; counts the source alone lets
    anyone compute (its careless exact cells, differences of its margins) are not the
    audit's to protect and are left out.
    """
    _, finest, source = counts_case
    targets = partition_targets(finest)
    alone = Attacker(finest)
    read_source(alone, source)
    alone.solve(mode)
    known = {label for label, vec in targets if alone.determined(vec)[0]}
    att = Attacker(finest)
    read_source(att, source)
    attack_folder(att, counts_out, bounds="skip")
    att.solve(mode)
    check(att, targets, exclude=sorted(known))


# ------------------------------------------------------------------- case 4: funnel

STAGES = [
    ("scored", None),
    ("high risk", "scored"),
    ("selected", "high risk"),
    ("home visit", "selected"),
    ("found", "home visit"),
    ("unfounded", "home visit"),
    ("appealed", "found"),
    ("appeal upheld", "appealed"),
]


@pytest.fixture(scope="module")
def funnel_case(tmp_path_factory) -> tuple[Path, Finest]:
    rng = np.random.default_rng(4)
    sizes = {"none": 260, "non-western": 110, "western": 35}
    rows = []
    for mig, k in sizes.items():
        for _ in range(k):
            stage = "scored"
            if rng.random() < 0.35:
                stage = "high risk"
                if rng.random() < 0.6:
                    stage = "selected"
                    if rng.random() < 0.9:
                        stage = "found" if rng.random() < 0.35 else "unfounded"
                        if stage == "found" and rng.random() < 0.4:
                            stage = "appealed"
                            if rng.random() < 0.4:
                                stage = "appeal upheld"
            household = rng.choice(["couple", "single", "single parent"], p=[0.5, 0.38, 0.12])
            rows.append((mig, rng.choice(["F", "M"]), household, stage))
    people = pd.DataFrame(rows, columns=["migration", "gender", "household", "stage"])
    people.insert(0, "case_id", [f"c{i:04d}" for i in range(len(people))])
    config = """
[data]
path = "stages.csv"
kind = "funnel"

[funnel]
stages = ["scored", "high risk", "selected", "home visit", ["found", "home visit"], ["unfounded", "home visit"], ["appealed", "found"], ["appeal upheld", "appealed"]]
stage_column = "stage"

[groups]
attributes = ["gender", "migration", "household"]
reference = { gender = "M", migration = "none", household = "couple" }
"""
    path = write_case(tmp_path_factory.mktemp("funnel"), people, config, name="stages.csv")
    finest = funnel_finest(people, ["gender", "migration", "household"], [s for s, _ in STAGES])
    return path, finest


@pytest.fixture(scope="module")
def funnel_out(funnel_case, tmp_path_factory) -> Path:
    return run_cli(funnel_case[0], tmp_path_factory.mktemp("funnel-out") / "out")


@pytest.mark.parametrize("mode", MODES)
def test_funnel_attack(funnel_case, funnel_out, mode):
    att = attack_folder(Attacker(funnel_case[1]), funnel_out, stages=STAGES)
    att.solve(mode)
    assert len(att.eqs) > 10, "the public output should publish something"
    check(att, partition_targets(att.finest))


# ------------------------------------------------------------ case 5: score tables


def score_people() -> pd.DataFrame:
    """Case 5's people: race (Other: 15 people) x sex, a risk class 1..10, an outcome."""
    rng = np.random.default_rng(5)
    sizes = {"White": 220, "Black": 140, "Hispanic": 40, "Other": 15}
    rows = []
    for race, k in sizes.items():
        score = rng.integers(1, 11, size=k) + (race == "Black") * rng.integers(0, 2, size=k)
        score = np.clip(score, 1, 10)
        y = rng.random(k) < 0.1 + 0.06 * score
        rows += list(
            zip([race] * k, rng.choice(["F", "M"], size=k), score, y.astype(int), strict=True)
        )
    people = pd.DataFrame(rows, columns=["race", "sex", "score", "y"])
    people.insert(0, "id", [f"s{i:04d}" for i in range(len(people))])
    people["outcome"] = np.where(people["y"] == 1, "yes", "no")
    return people


def score_finest(people: pd.DataFrame) -> Finest:
    truth = people.assign(flag=(people["score"] >= 7).astype(int), known=1)
    return records_finest(
        truth,
        ["race", "sex"],
        intersections=[["race", "sex"]],
        cells=sorted(LABELLED),
        scores=range(1, 11),
        flag_from_score=7,
    )


SCORE_CONFIG = """
[data]
path = "{path}"

[roles]
{role} = "{column}"
score = "score"
outcome = "outcome"

[threshold]
score_at_least = 7

[groups]
attributes = ["race", "sex"]
intersections = [["race", "sex"]]
reference = {{ race = "White" }}

[stats]
bootstrap_samples = 200
"""


@pytest.fixture(scope="module")
def score_case(tmp_path_factory) -> tuple[Path, Finest]:
    people = score_people()
    config = SCORE_CONFIG.format(path="people.csv", role="id", column="id")
    path = write_case(tmp_path_factory.mktemp("scores"), people.drop(columns="y"), config)
    return path, score_finest(people)


@pytest.fixture(scope="module")
def score_counted_case(tmp_path_factory) -> tuple[Path, Finest]:
    """Case 5's people as a table of patterns (roles.count, issue 14): one row per
    race x sex x score x outcome with its number of people; many rows stand for 1 to 9
    people, and many small cells are one row of several people."""
    people = score_people()
    keys = ["race", "sex", "score", "outcome"]
    patterns = people.groupby(keys).size().rename("people").reset_index()
    assert (patterns["people"] == 1).any() and (patterns["people"] > 1).any()
    config = SCORE_CONFIG.format(path="patterns.csv", role="count", column="people")
    path = write_case(tmp_path_factory.mktemp("scores-counted"), patterns, config, "patterns.csv")
    return path, score_finest(people)


@pytest.fixture(scope="module")
def score_out(score_case, tmp_path_factory) -> Path:
    out = run_cli(score_case[0], tmp_path_factory.mktemp("scores-out") / "out")
    assert sorted(p.name for p in (out / "tables").iterdir()), "score tables expected"
    return out


@pytest.mark.parametrize("mode", MODES)
def test_score_tables_attack_results_counts(score_case, score_out, mode):
    """With every score table read too, no small confusion-cell sum comes back."""
    att = attack_folder(Attacker(score_case[1]), score_out)
    att.solve(mode)
    check(att, partition_targets(att.finest))


@pytest.mark.parametrize("mode", MODES)
def test_score_tables_attack_score_range_counts(score_case, score_out, mode):
    """Nor a small count of a group in a score range (decile, bin, above a cut-off)."""
    att = attack_folder(Attacker(score_case[1]), score_out)
    att.solve(mode)
    check(att, score_range_targets(att.finest))


@pytest.fixture(scope="module")
def score_counted_out(score_counted_case, tmp_path_factory) -> Path:
    return run_cli(score_counted_case[0], tmp_path_factory.mktemp("counted-out") / "out")


@pytest.mark.parametrize("mode", MODES)
def test_counted_score_tables_attack(score_counted_case, score_counted_out, mode):
    """Disclosure control of a pattern table sees people, not rows: no published
    score-table or results cell gives back a count of 1..9 people."""
    att = attack_folder(Attacker(score_counted_case[1]), score_counted_out)
    att.solve(mode)
    assert len(att.eqs) > 10, "the public output should publish something"
    check(att, partition_targets(att.finest))
    check(att, score_range_targets(att.finest))


def test_counted_score_tables_withhold_what_the_people_do(score_out, score_counted_out):
    """Counted rows withhold exactly what one row per person does (a bin that is one
    row of 12 people is not small; a row of 3 people is 3 people): same bytes."""
    tables = sorted(p.name for p in (score_out / "tables").iterdir())
    assert tables == sorted(p.name for p in (score_counted_out / "tables").iterdir())
    for name in ["results.csv", *(f"tables/{t}" for t in tables)]:
        assert (score_out / name).read_bytes() == (score_counted_out / name).read_bytes(), name
    published = pd.read_csv(score_counted_out / "tables" / "scores-deciles.csv")
    assert published["suppressed"].any() and not published["suppressed"].all()


# --------------------------------------------------- numbers the attacker ignores


@pytest.mark.parametrize(
    "out",
    [
        "full_labels_out",
        "selective_out",
        "counts_out",
        "funnel_out",
        "score_out",
        "score_counted_out",
    ],
)
def test_suppressed_rows_show_no_numbers(out, request):
    """The attacker does not invert intervals, p-values or detectable ratios; so a row
    marked suppressed must not keep any (only where it is: score range, cut-off...)."""
    stray = stray_numbers(request.getfixturevalue(out))
    assert not stray, stray


# ------------------------------------------------------- the attacker has teeth


@pytest.mark.parametrize(
    "case, kwargs",
    [
        ("full_labels", {}),
        ("selective", {}),
        ("funnel_case", {"stages": STAGES}),
        ("counts_case", {"bounds": "skip"}),
        ("score_case", {}),
        ("score_counted_case", {}),
    ],
)
def test_attacker_recovers_small_counts_from_restricted_output(
    case, kwargs, request, tmp_path_factory
):
    """The restricted output shows every count: the same attacker recovers small ones.

    Every equation it reads must also hold for the truth (``Attacker.solve`` raises
    otherwise), which checks the attacker's reading of every column on rows the public
    output blanks.
    """
    config, finest = request.getfixturevalue(case)[:2]
    out = run_cli(config, tmp_path_factory.mktemp(f"{case}-restricted") / "out", restricted=True)
    assert (out / "results-restricted.csv").is_file()
    att = attack_folder(Attacker(finest), out, **kwargs)
    att.solve("linear")
    hits = att.recovered(partition_targets(finest))
    assert hits, "the attacker should recover small counts from the restricted output"


# ------------------------------------- harm counts and one-vs-rest (issue 18)

HARM_CONFIG = """
[data]
path = "people.csv"

[roles]
id = "id"
flagged = "flagged"
outcome = "outcome"

[groups]
attributes = ["race", "sex"]
intersections = [["race", "sex"]]
reference = {{ race = "{race}", sex = "{sex}", "race × sex" = "{both}" }}

[stats]
bootstrap_samples = 200
"""


def harm_case(folder: Path, race: str, sex: str, both: str, seed: int) -> tuple[Path, Finest]:
    people = people_records("race", RACE, ("sex", ["Female", "Male"]), seed=seed, selective=False)
    config = HARM_CONFIG.format(race=race, sex=sex, both=both)
    path = write_case(folder, people.drop(columns=TRUTH), config)
    finest = records_finest(
        people, ["race", "sex"], intersections=[["race", "sex"]], cells=sorted(LABELLED)
    )
    return path, finest


@pytest.fixture(scope="module")
def one_vs_rest(tmp_path_factory) -> tuple[Path, Finest]:
    """Full labels, every attribute and the intersection compared with everyone else:
    each row publishes its complement's rates and its excess counts."""
    return harm_case(tmp_path_factory.mktemp("rest"), "rest", "rest", "rest", seed=5)


@pytest.fixture(scope="module")
def tiny_reference(tmp_path_factory) -> tuple[Path, Finest]:
    """Full labels, race compared with its tiniest group (Native American, 12 people):
    every other group's excess count is a comparison with a withheld group."""
    return harm_case(
        tmp_path_factory.mktemp("tiny"),
        "Native American",
        "Male",
        "Caucasian × Male",
        seed=6,
    )


@pytest.fixture(scope="module")
def one_vs_rest_out(one_vs_rest, tmp_path_factory) -> Path:
    return run_cli(one_vs_rest[0], tmp_path_factory.mktemp("rest-out") / "out")


@pytest.fixture(scope="module")
def tiny_reference_out(tiny_reference, tmp_path_factory) -> Path:
    return run_cli(tiny_reference[0], tmp_path_factory.mktemp("tiny-out") / "out")


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_one_vs_rest_and_excess_counts_attack(one_vs_rest, one_vs_rest_out, mode):
    """Complements (everyone's counts less a group's) and excess counts are linear in
    the cells: with them published, no withheld small count can be recovered."""
    att = attack_folder(Attacker(one_vs_rest[1]), one_vs_rest_out)
    att.solve(mode)
    sources = " ".join(source for _, _, source in att.eqs)
    rates = " ".join(r.source for r in att.ratios)
    # the attacker did read the complements and the excess counts it was given
    assert "excess_flagged value" in sources and "excess_false_accusations value" in sources
    assert "excess_flagged reference_value" in rates
    check(att, partition_targets(att.finest))


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_excess_counts_against_a_withheld_reference_attack(
    tiny_reference, tiny_reference_out, mode
):
    att = attack_folder(Attacker(tiny_reference[1]), tiny_reference_out)
    att.solve(mode)
    check(att, partition_targets(att.finest))


@pytest.mark.slow
def test_an_excess_count_would_give_its_withheld_reference_away(
    tiny_reference, tiny_reference_out, tmp_path_factory
):
    """Teeth: the excess counts withheld only because their reference group is withheld
    (the rows are not small themselves) would, if published, let the attacker recover
    the reference's small counts: O - D x p with O and D published gives p."""
    config, finest = tiny_reference
    public = pd.read_csv(tiny_reference_out / "results.csv")
    full = pd.read_csv(
        run_cli(config, tmp_path_factory.mktemp("tiny-restricted") / "out", restricted=True)
        / "results-restricted.csv"
    )
    harm = full["metric"].str.startswith("excess") & (full["attribute"] == "race")
    followed = harm & public["suppressed"] & (full["group"] != "Native American")
    assert followed.any(), "excess counts compared with the withheld group should be withheld"
    att = attack_folder(Attacker(finest), tiny_reference_out)
    att.solve("linear")
    assert not att.recovered(partition_targets(finest))
    # publish those rows' value, numerator and denominator (not their reference rate)
    leaked = full[followed].assign(reference_value=np.nan)
    attack_results(att, leaked, label="withheld excess counts")
    rate_rows = full[followed].assign(
        metric=full.loc[followed, "metric"].map(
            {
                "excess_flagged": "selection_rate",
                "excess_false_accusations": "false_positive_rate",
                "excess_unfounded_investigations": "innocent_flag_rate",
            }
        )
    )
    # the value with O and D known is O - D x p: p is the reference's rate
    for row in full[followed].itertuples():
        rate = rate_rows.loc[row.Index, "metric"]
        num_cells, den_cells, _ = ATTACKER_METRICS[rate]
        p = (row.numerator - row.value) / row.denominator
        ref = (
            finest.vec("race", "Native American", num_cells),
            finest.vec("race", "Native American", den_cells),
        )
        att.ratio(*ref, p, f"withheld {row.metric} of {row.group}: reference rate")
    att.solve("linear")
    assert att.recovered(partition_targets(finest)), "the withheld rows should matter"
