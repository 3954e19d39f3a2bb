"""Records in a real PostgreSQL server: the same counts, metrics and files as pandas.

Each pytest process starts its own throwaway cluster (see ``pg_server.py``); the COMPAS
file and the synthetic welfare records are loaded into it, and every audit on the
database is compared with the same audit of the same rows in pandas. Only the
aggregation queries run on the server: no row comes back (checked by counting what
each query returns).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import pg_server
from biasaudit import RecordsError, audit
from biasaudit.audits._audit import open_spec_records, run_audit
from biasaudit.audits._config import load_config, run_config
from biasaudit.io import Database
from biasaudit.synthetic._generate import generate_welfare

pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,
    # small intersections of COMPAS: rates of nobody, in pandas and on the server alike
    pytest.mark.filterwarnings("ignore::biasaudit.UndefinedRateWarning"),
]

COMPAS = {
    "roles": {
        "id": "id",
        "score": "decile_score",
        "flagged": "score_text",
        "outcome": "two_year_recid",
    },
    "codes": {"flagged": {"yes": ["Medium", "High"], "no": ["Low"]}},
    "groups": ["race", "sex", "age_cat"],
    "intersections": [["race", "sex"]],
    "reference": {"race": "Caucasian"},
    "regression": {"covariates": ["priors_count"], "numeric": ["priors_count"]},
}
WELFARE = {
    "roles": {
        "id": "case_id",
        "score": "risk_score",
        "flagged": "selected",
        "investigated": "investigated",
        "outcome": "fraud_found",
    },
    "codes": {"outcome": {"yes": ["Errors Found"], "no": ["No Errors Found"], "unknown": [""]}},
    "groups": ["gender", "age_band", "nationality", "household"],
    "intersections": [["gender", "nationality"]],
    "reference": {"gender": "M", "nationality": "Dutch"},
}


@pytest.fixture(scope="module")
def server() -> pg_server.Server:
    return pg_server.server()


@pytest.fixture(scope="module")
def compas(server, compas_path) -> pd.DataFrame:
    """The COMPAS rows, loaded into the server as table ``compas``."""
    df = pd.read_csv(compas_path)
    df = df[[c for c in df.columns if "." not in c]]  # the file's identical copies
    server.load("compas", df)
    return df


@pytest.fixture(scope="module")
def welfare(server) -> pd.DataFrame:
    """The synthetic welfare records (selective labels, a continuous score)."""
    df = generate_welfare(20_000, seed=11)
    server.load("welfare", df)
    return df


@pytest.fixture(scope="module")
def con(server):
    con = server.connect()
    yield con
    con.disconnect()


def assert_same(db, expected) -> None:
    """Counts, every metric, the ledger and the score analyses of two audits agree."""
    pd.testing.assert_frame_equal(db.counts.table, expected.counts.table)
    pd.testing.assert_frame_equal(db.table, expected.table)
    assert db.ledger == expected.ledger
    assert db.flag_rule == expected.flag_rule
    if expected.score_analysis is not None:
        for name, table in expected.score_analysis.tables.items():
            pd.testing.assert_frame_equal(db.score_analysis.tables[name], table, obj=name)
    if expected.adjusted is not None:
        pd.testing.assert_frame_equal(db.adjusted.table, expected.adjusted.table)


def test_compas_in_postgres_equals_pandas(con, compas, compas_path):
    db = audit(con.table("compas"), **COMPAS)
    assert_same(db, audit(compas, **COMPAS))
    assert_same(db, audit(compas_path, **COMPAS))  # the file itself, codes read as text
    # ProPublica's published truth table, counted by the server
    row = db.counts.table.set_index(["attribute", "group"]).loc[("race", "African-American")]
    assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (1369, 805, 532, 990)
    assert db.source.kind == "table"
    assert db.source.options["server_version"].startswith("postgres 1")


def test_welfare_in_postgres_equals_pandas(con, welfare):
    db = audit(con.table("welfare"), **WELFARE)
    expected = audit(welfare, **WELFARE)
    assert expected.data_shape == "selective labels"
    assert_same(db, expected)


@pytest.mark.parametrize(
    "threshold", [{"top_k": 500}, {"top_fraction": 0.1}, {"score_at_least": 0.5}]
)
def test_thresholds_on_the_server(con, welfare, threshold):
    roles = {k: v for k, v in WELFARE["roles"].items() if k != "flagged"}
    kw = {**WELFARE, "roles": roles, "threshold": threshold}
    assert_same(audit(con.table("welfare"), **kw), audit(welfare, **kw))


def test_a_query_with_weights_and_a_table_of_patterns(server, con):
    """A query (not a table) over a table of covariate patterns: counts and weights."""
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n),
            "flag": rng.choice(["yes", "no"], n),
            "fraud": rng.choice(["yes", "no", None], n),
            "people": rng.integers(0, 5, n),
            "w": rng.uniform(0.5, 3, n).round(2),
        }
    )
    server.load("patterns", df)
    kw = {
        "roles": {"flagged": "flag", "outcome": "fraud", "count": "people", "weight": "w"},
        "codes": {"outcome": {"yes": ["yes"], "no": ["no"], "unknown": [""]}},
        "groups": "g",
    }
    query = con.sql("SELECT g, flag, fraud, people, w FROM patterns WHERE g <> 'c'")
    db = audit(query, **kw)
    assert_same(db, audit(df[df["g"] != "c"], **kw))
    assert db.source.kind == "query"
    assert "patterns" in db.source.options["query"]


def test_random_audit_sample_on_the_server(server, con):
    from biasaudit.io import dataset_path

    path = dataset_path("random-audit-sample") / "decisions.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
    df["risk_score"] = df["risk_score"].astype(float)
    server.load("sampled", df)
    kw = {
        "roles": {
            "id": "case_id",
            "score": "risk_score",
            "flagged": "flagged",
            "investigated": "investigated",
            "outcome": "outcome",
            "sample": "sample",
        },
        "groups": ["gender", "migration_background"],
        "reference": {"gender": "M", "migration_background": "none"},
        "bootstrap_samples": 200,
        "seed": 1,
    }
    db = audit(con.table("sampled"), **kw)
    assert db.data_shape == "random audit sample"
    assert_same(db, audit(df, **kw))


def test_validation_names_the_same_problems(server, con):
    df = pd.DataFrame(
        {
            "id": ["a", "b", "b", "c", "d", "e"],
            "sex": ["F", "M", "F", None, "M", "F"],
            "flag": ["yes", "no", "maybe", "yes", "no", "yes"],
            "inv": ["yes", "no", "no", "yes", "no", "yes"],
            "fraud": ["no", "yes", None, "yes", None, "no"],
            "w": [1.0, 2.0, -1.0, 1.0, 1.0, 1.0],
        }
    )
    server.load("bad", df)
    kw = {
        "roles": {
            "id": "id",
            "flagged": "flag",
            "investigated": "inv",
            "outcome": "fraud",
            "weight": "w",
            "score": "nope",
        },
        "codes": {"outcome": {"yes": ["yes"], "no": ["no"], "unknown": [""]}},
        "groups": "sex",
        "missing": "error",
    }
    with pytest.raises(RecordsError) as on_server:
        audit(con.table("bad"), **kw)
    with pytest.raises(RecordsError) as in_pandas:
        audit(df, **kw)
    assert list(on_server.value.problems["reason"]) == ["column_not_found"]
    kw["roles"].pop("score")
    with pytest.raises(RecordsError) as on_server:
        audit(con.table("bad"), **kw)
    with pytest.raises(RecordsError) as in_pandas:
        audit(df, **kw)
    reasons = sorted(on_server.value.problems["reason"])
    assert reasons == sorted(in_pandas.value.problems["reason"])
    assert reasons == [
        "duplicate_id",
        "missing_group",
        "negative_weight",
        "outcome_without_investigation",
        "unmapped_code",
    ]
    assert "'maybe' not in the codes" in str(on_server.value)


def test_no_row_leaves_the_server(server, monkeypatch):
    """A million rows are counted on the server; every result that comes back is a
    table of counts (a few hundred rows at most), never the rows themselves."""
    server.sql(
        "DROP TABLE IF EXISTS million; CREATE TABLE million AS SELECT "
        "(ARRAY['F','M'])[1 + i % 2] AS sex, "
        "(ARRAY['NL','MA','TR','PL'])[1 + (i / 7) % 4] AS nat, "
        "(i::bigint * 7919 % 1000) / 1000.0::float8 AS score, "
        "CASE WHEN i % 5 = 0 THEN 'yes' WHEN i % 3 = 0 THEN 'no' END AS fraud "
        "FROM generate_series(1, 1000000) AS i"
    )
    config = Database(server.url, table="million")
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    kw = {
        "roles": {"score": "score", "outcome": "fraud"},
        "groups": ["sex", "nat"],
        "threshold": {"top_fraction": 0.1},
        "codes": {"outcome": {"yes": ["yes"], "no": ["no"], "unknown": [""]}},
    }
    from biasaudit.spec import make_spec

    spec = make_spec(
        roles=kw["roles"], groups=kw["groups"], threshold=kw["threshold"], codes=kw["codes"]
    )
    records = open_spec_records(config, spec)
    backend = records._keepalive
    returned: list[tuple[int, str]] = []
    fetch = backend.to_pyarrow

    def counted(expr, *args, **kwargs):
        out = fetch(expr, *args, **kwargs)
        returned.append((getattr(out, "num_rows", 1), str(backend.compile(expr))))
        return out

    monkeypatch.setattr(backend, "to_pyarrow", counted)
    result = run_audit(records, spec)
    assert result.ledger.rows_read == 1_000_000
    assert result.counts.overall["flagged"] == 100_000
    assert returned, "the audit ran no query through Ibis"
    biggest = max(returned)
    # the grouped pass: 2 sexes x 4 nationalities x flag x outcome x <= 201 score bins
    assert biggest[0] < 20_000, biggest
    assert sum(k for k, _ in returned) < 50_000
    assert "GROUP BY" in biggest[1]


def test_config_with_url_and_table_runs_on_the_server(server, compas, tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    path = tmp_path / "audit.toml"
    path.write_text(
        f"""
[data]
url = "{server.url}"
query = "SELECT * FROM compas WHERE age_cat <> 'Less than 25'"

[roles]
flagged = "score_text"
outcome = "two_year_recid"

[codes]
flagged = {{ yes = ["Medium", "High"], no = ["Low"] }}

[groups]
attributes = ["race", "sex"]
""",
        encoding="utf-8",
    )
    db = run_config(load_config(path))
    kw = {
        "roles": {"flagged": "score_text", "outcome": "two_year_recid"},
        "codes": COMPAS["codes"],
        "groups": ["race", "sex"],
    }
    assert_same(db, audit(compas[compas["age_cat"] != "Less than 25"], **kw))
    assert db.source.kind == "query"
    assert db.source.options["query"].startswith("SELECT * FROM compas")
    assert pg_server.USER not in json.dumps(db.source.to_dict())


def test_the_url_may_come_from_the_environment(server, compas, tmp_path, monkeypatch):
    url = server.url.replace(f"{pg_server.USER}@", f"{pg_server.USER}:{pg_server.PASSWORD}@")
    monkeypatch.setenv("BIASAUDIT_DATABASE_URL", url)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    path = tmp_path / "audit.toml"
    path.write_text(
        '[data]\ntable = "compas"\n[roles]\nflagged = "score_text"\n'
        '[codes]\nflagged = { yes = ["Medium", "High"], no = ["Low"] }\n'
        '[groups]\nattributes = ["race"]\n',
        encoding="utf-8",
    )
    result = run_config(load_config(path))
    assert result.ledger.rows_read == len(compas)
    assert pg_server.PASSWORD not in json.dumps(result.source.to_dict())


@pytest.mark.parametrize(
    ("database", "message", "reason"),
    [
        (
            lambda s: Database(s.url, table="no_such_table"),
            "could not read table",
            "table_not_found",
        ),
        (
            lambda s: Database(s.url, query="SELEC race FROM compas"),
            "could not read the [data] query",
            "query",
        ),
        (
            lambda s: Database(s.url.replace(pg_server.DATABASE, "nodb"), table="compas"),
            'database "nodb" does not exist',
            "connection",
        ),
        (
            lambda s: Database(f"postgresql://{pg_server.USER}@127.0.0.1:1/x", table="t"),
            "could not connect to postgresql://127.0.0.1:1/x",
            "connection",
        ),
        (
            lambda s: Database("nosuchdb://host/x", table="t"),
            "could not connect to nosuchdb://host/x",
            "connection",
        ),
    ],
    ids=["missing-table", "bad-sql", "wrong-database", "server-down", "unknown-scheme"],
)
def test_connection_problems_are_named(server, compas, monkeypatch, database, message, reason):
    monkeypatch.setenv("PGPASSWORD", pg_server.PASSWORD)
    with pytest.raises(RecordsError) as info:
        audit(database(server), roles={"flagged": "score_text"}, groups="race")
    assert len(info.value.problems_list) == 1
    assert message in str(info.value)
    assert info.value.problems_list[0].reason == reason


def test_a_wrong_password_is_named_and_never_shown(server, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "wrong-password")
    with pytest.raises(RecordsError) as info:
        audit(Database(server.url, table="compas"), roles={"flagged": "f"}, groups="race")
    assert "password authentication failed" in str(info.value)
    assert "wrong-password" not in str(info.value)


def test_an_error_while_counting_is_a_named_problem(server, con):
    """The server refuses the aggregation itself (here: a view whose rows fail)."""
    server.sql(
        "CREATE OR REPLACE VIEW broken AS SELECT race, CASE WHEN decile_score > 5 "
        "THEN (1 / (decile_score - decile_score))::text ELSE score_text END AS score_text "
        "FROM compas"
    )
    with pytest.raises(RecordsError) as info:
        audit(
            con.table("broken"),
            roles={"flagged": "score_text"},
            groups="race",
            codes=COMPAS["codes"],
        )
    assert "could not run the aggregation query" in str(info.value)
    assert "division by zero" in str(info.value)


@pytest.mark.parametrize(
    ("scores", "reason"),
    [
        (["0.1", "0.5", "x", "0.9"], "not_numeric"),
        ([0.1, float("inf"), 0.3, 0.4], "infinite_score"),
    ],
)
def test_score_problems_are_named_on_the_server(server, con, scores, reason):
    df = pd.DataFrame({"g": ["a", "b", "a", "b"], "s": scores, "y": [1, 0, 1, 0]})
    server.load("scored", df)
    kw = {"roles": {"score": "s", "outcome": "y"}, "groups": "g", "threshold": {"top_k": 2}}
    with pytest.raises(RecordsError) as on_server:
        audit(con.table("scored"), **kw)
    with pytest.raises(RecordsError) as in_pandas:
        audit(df, **kw)
    assert list(on_server.value.problems["reason"]) == [reason]
    assert list(in_pandas.value.problems["reason"]) == [reason]


def test_periods_on_the_server(con, compas):
    """An audit by period (issue 18): the server groups by the period too, and every
    period's rows and the change table equal pandas'."""
    kw = {
        **COMPAS,
        "roles": {**COMPAS["roles"], "period": "screening_year"},
        "regression": None,
    }
    db = audit(
        con.sql("SELECT *, substr(compas_screening_date, 1, 4) AS screening_year FROM compas"),
        **kw,
    )
    local = compas.assign(screening_year=compas["compas_screening_date"].str[:4])
    expected = audit(local, **kw)
    assert_same(db, expected)
    assert db.change.periods == ("2013", "2014")
    pd.testing.assert_frame_equal(db.change.table, expected.change.table)
