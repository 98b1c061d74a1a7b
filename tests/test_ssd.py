"""The Standard Safeguarding Dataset (issue 21): read from a database, written to one, and the
results written back.

- a hand-written SSD (``tests/data/ssd_fixture.sql``, from the object definitions, not from
  the writer) with its canonical tables and figures worked out by hand;
- the synthetic council written through the writer to SQLite and to a real PostgreSQL server
  (started here in a temporary folder as an unprivileged user, on a Unix socket only), read
  back, every indicator equal to the canonical route on the data the SSD holds, and the
  others not computable with the reason;
- bad input (a missing table, wrong types, null keys, unknown codes, a refused connection),
  and results to SQL (created, replaced on a re-run, gaining columns).
"""

from __future__ import annotations

import csv
import os
import pwd
import shlex
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import safeguarding_metrics as sm
from safeguarding_metrics.cli import main as cli_main
from safeguarding_metrics.io.ssd import (
    SSD_TABLES,
    SsdConnectionError,
    import_ssd,
    read_ssd,
    resolve_url,
    ssd_frames,
    write_ssd,
)
from safeguarding_metrics.io.ssd.demo import SSD_DIFFERENCES, compare_figures
from safeguarding_metrics.synthetic import generate
from safeguarding_metrics.to_sql import results_to_sql

from .conftest import SHARED

FIXTURE = Path(__file__).parent / "data" / "ssd_fixture.sql"
SSD_SCHEMA_CSV = SHARED / "data" / "ssd" / "ssd_tables_systemc_v1.4.0.csv"

#: What the SSD does not hold, and the indicators that therefore cannot be computed from it.
NOT_IN_SSD = {
    "rotherham.mash_decision_24h": "decision_at",
    "rotherham.plans_up_to_date_cin": "care_plans",
    "rotherham.plans_up_to_date_cla": "care_plans",
    "rotherham.plans_up_to_date_cp": "care_plans",
    "national.care_leavers_eet": "care_leavers",
    "national.care_leavers_suitable_accommodation": "care_leavers",
}

RUN = dict(start="2015-04-01", end="2015-12-31", every="month", windows=("period",))


def _hand_database(tmp_path: Path) -> Path:
    path = tmp_path / "hand.sqlite"
    with sqlite3.connect(path) as connection:
        connection.executescript(FIXTURE.read_text(encoding="utf-8"))
    return path


# -- the published schema --------------------------------------------------------------------


@pytest.mark.shared
def test_tables_and_types_are_the_published_ones() -> None:
    """Every SSD table and field the library reads or writes, with its type, is the v1.4.0
    deployment script's (the reference CSV in ../shared)."""
    if not SSD_SCHEMA_CSV.exists():
        pytest.skip("../shared/data/ssd is not here")
    with SSD_SCHEMA_CSV.open(encoding="utf-8") as handle:
        published: dict[str, list[tuple[str, str]]] = {}
        for row in csv.DictReader(handle):
            published.setdefault(row["table_name"], []).append(
                (row["field_name"], row["full_type"])
            )
    for table, fields in SSD_TABLES.items():
        assert list(fields) == published[table], table


# -- the hand-written SSD ------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> sm.io.ImportResult:
    path = _hand_database(tmp_path_factory.mktemp("hand"))
    return import_ssd(f"sqlite:///{path}", progress=False)


def _rows(result: sm.io.ImportResult, table: str) -> list[dict[str, object]]:
    frame = result.frames[table].astype(object).where(result.frames[table].notna(), None)
    return frame.to_dict("records")


def test_hand_episodes_rebuilt_from_episodes_placements_and_legal_status(hand) -> None:
    """C4's placement P1 spans two episodes (a change of legal status only); C5's P2 too,
    and its reason for change (CARPL) belongs to the episode that ends it, not to the one
    ended by the change of legal status; E5 has no placement id and takes the placement in
    force on its start (P3, ``K2 - Children's homes`` read as K2); the SGO status is not a
    looked-after one."""
    episodes = _rows(hand, "care_episodes")
    assert [
        (
            e["child_id"],
            e["start_date"],
            e["end_date"],
            e["rne"],
            e["legal_status"],
            e["placement"],
            e["provider"],
            e["reason_ceased"],
            e["reason_place_change"],
        )
        for e in episodes
    ] == [
        ("C4", "2015-06-01", "2015-09-01", "S", "V2", "U4", "PR1", "X1", None),
        ("C4", "2015-09-01", None, "L", "C2", "U4", "PR1", None, None),
        ("C5", "2015-03-01", "2015-05-01", "S", "V2", "U3", "PR1", "X1", None),
        ("C5", "2015-05-01", "2015-10-01", "L", "C1", "U3", "PR1", "X1", "CARPL"),
        ("C5", "2015-10-01", None, "P", "C1", "K2", "PR4", None, None),
    ]


def test_hand_reviews_and_visits_linked_through_cla_id(hand) -> None:
    """RV1 (CLA2) is C5's; RV2 is cancelled (not carried); RV3 names no period of care (an
    error, set aside); CV2 and V2 were visits at which the child was not seen (not carried)."""
    assert _rows(hand, "cla_reviews") == [{"child_id": "C5", "review_date": "2015-03-25"}]
    assert [(v["child_id"], v["visit_type"], v["seen_alone"]) for v in _rows(hand, "visits")] == [
        ("C4", "cla", "true"),
        ("C6", "cp", "false"),
    ]
    unlinked = hand.quality[hand.quality["file"] == "ssd_cla_reviews"]
    assert unlinked[["row", "column", "action"]].values.tolist() == [
        [3, "clar_cla_id", "set aside"]
    ]
    counts = hand.counts.set_index(["file", "table"])
    assert counts.loc[
        ("ssd_cla_reviews", "cla_reviews"), ["read", "used", "set_aside"]
    ].tolist() == [
        3,
        1,
        2,
    ]
    assert any("cancelled reviews" in n for n in hand.notes)
    assert any("not seen" in n for n in hand.notes)


def test_hand_allocations_workers_and_codes(hand) -> None:
    """Allocations are the allocated-worker involvements (role compared without case or
    spaces); a worker's team is its involvement's team (T1 -> its name), else its
    department; JSON flags, category words, sex codes, missing types and the adoption row."""
    assert [(a["child_id"], a["worker_id"]) for a in _rows(hand, "allocations")] == [
        ("C1", "W1"),
        ("C5", "W2"),
    ]
    teams = {w["worker_id"]: w["team"] for w in _rows(hand, "workers")}
    assert teams == {"W1": "Safeguarding Team A", "W2": "Fostering", "W3": "Quality Assurance"}
    assert [c["outcome"] for c in _rows(hand, "contacts")] == [
        "Referral",
        "No Further Action",
        None,
    ]
    assert [(s["icpc_date"], s["icpc_not_required"]) for s in _rows(hand, "section47")] == [
        ("2015-12-16", "false"),
        (None, "true"),
    ]
    assert [p["initial_category"] for p in _rows(hand, "cp_plans")] == ["NEG", "MUL"]
    children = {c["child_id"]: (c["sex"], c["disability"]) for c in _rows(hand, "children")}
    assert children["C1"] == ("1", "MOB,HEAR") and children["C3"] == ("0", None)
    assert [m["kind"] for m in _rows(hand, "missing")] == ["M", "A", "LOST"]
    (adoption,) = _rows(hand, "adoptions")
    assert (adoption["child_id"], adoption["adoption_order_date"]) == ("C6", "2015-11-30")


def test_hand_findings_name_table_row_and_column_without_ids(hand) -> None:
    """A date that is no date, a null key, an unknown code, a broken JSON: findings like any
    other, naming the SSD table, row and column; never a child's identifier."""
    q = hand.quality
    found = {(f, r, c) for f, r, c in q[["file", "row", "column"]].itertuples(index=False)}
    assert ("ssd_cin_assessments", 3, "cina_assessment_start_date") in found
    # rows are numbered in the order of the table's identifier: SQLite sorts NULL first
    assert ("ssd_cin_episodes", 1, "cine_referral_id") in found
    assert ("ssd_missing", 3, "miss_missing_episode_type") in found
    assert ("ssd_contacts", 3, "cont_contact_outcome_json") in found
    text = " ".join(q["reason"].astype(str)) + " ".join(hand.notes)
    for child in ("C1", "C2", "C3", "C4", "C5", "C6"):
        assert f"'{child}'" not in text and f" {child} " not in text
    for table, frame in hand.counts.groupby("table"):
        assert (frame["read"] == frame["used"] + frame["merged"] + frame["set_aside"]).all(), table


def test_hand_figures(tmp_path: Path) -> None:
    """December 2015, worked by hand from the fixture.

    - referrals: R1 (1 Dec) and R2 (10 Dec) in December (R3 is November's; the fourth has
      no id, set aside): 2; of them NFA: R2 only, 1 of 2 = 50%;
    - assessments authorised in December: A1 (started Mon 2 Nov, authorised Tue 1 Dec: 21
      working days, within 45) and A2 (started 1 Sep, authorised 3 Dec: 66 working days,
      late): 1 of 2 = 50%;
    - looked after at 31 December: C4 and C5 (both periods open): 2;
    - CP plans started in December: CP1 (16 Dec): 1;
    - MASH decisions, plan updates, care leavers: not computable (the SSD has no such data).
    """
    dataset = read_ssd(f"sqlite:///{_hand_database(tmp_path)}", progress=False)
    frame = sm.calculate(
        dataset, start="2015-12-01", end="2015-12-31", windows=("period",), benchmarks=False
    ).frame
    frame = frame[frame["window"] == "period"].set_index("indicator")
    assert frame.loc["national.referrals", "value"] == 2
    assert frame.loc["national.referrals_nfa", ["numerator", "denominator"]].tolist() == [1, 2]
    assert frame.loc["national.assessments_45wd", ["numerator", "denominator"]].tolist() == [
        1,
        2,
    ]
    assert frame.loc["national.cla_at_end", "value"] == 2
    assert frame.loc["national.cpp_started", "value"] == 1
    for indicator in NOT_IN_SSD:
        assert frame.loc[indicator, "status"] == "not_computable", indicator
        assert NOT_IN_SSD[indicator] in str(frame.loc[indicator, "reason"])


def test_missing_table_leaves_its_indicators_not_computable(tmp_path: Path) -> None:
    """Without ssd_cin_visits the visits table is not supplied at all (a visits table of CLA
    and CP visits alone would read as CIN visits never made): its indicators are not
    computable, with the reason, and a note says which table is missing."""
    path = _hand_database(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE ssd_cin_visits")
    result = import_ssd(f"sqlite:///{path}", progress=False)
    assert "visits" not in result.frames
    assert any(
        "visits: NOT SUPPLIED: ssd_cin_visits not in the database" in n for n in result.notes
    )
    frame = sm.calculate(
        result.dataset(), start="2015-12-01", end="2015-12-31", benchmarks=False
    ).frame.set_index("indicator")
    assert frame.loc["rotherham.cp_visits_2w", "status"] == "not_computable"
    assert "visits" in frame.loc["rotherham.cp_visits_2w", "reason"]


def test_since_reads_only_recent_records(tmp_path: Path) -> None:
    """``since`` keeps the records open on or dated after the day: R3 (20 Nov, open) stays,
    a closed referral before it goes; people are read whole."""
    path = _hand_database(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO ssd_cin_episodes VALUES ('R0', 'C4', '2014-01-01 00:00:00', 'N1', '6', "
            "'N', 'RC7', '2014-06-01 00:00:00')"
        )
    result = import_ssd(f"sqlite:///{path}", since="2015-06-01", progress=False)
    ids = set(result.frames["referrals"]["referral_id"])
    assert "R0" not in ids and {"R1", "R2", "R3"} <= ids
    assert len(result.frames["children"]) == 6
    assert any("look-backs" in n for n in result.notes)


def test_schema_and_url_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The URL from a variable or a file; the tables in a named schema (an attached SQLite
    database is a schema), quoted, not pasted."""
    path = _hand_database(tmp_path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("SM_TEST_SSD_URL", url)
    assert str(resolve_url(env="SM_TEST_SSD_URL")) == url
    (tmp_path / "url.txt").write_text(f"# the SSD\n{url}\n", encoding="utf-8")
    assert str(resolve_url(file=tmp_path / "url.txt")) == url
    with pytest.raises(ValueError, match="one way"):
        resolve_url(url, env="SM_TEST_SSD_URL")

    engine = sa.create_engine("sqlite://")

    @sa.event.listens_for(engine, "connect")
    def attach(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"ATTACH DATABASE '{path}' AS \"ssd data\"")

    result = import_ssd(engine, schema="ssd data", progress=False)
    assert len(result.frames["referrals"]) == 3
    assert set(result.quality["file"]) >= {"ssd data.ssd_cin_episodes"}


def test_connection_failure_is_one_line_with_the_password_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_main(
        [
            "import",
            "--ssd",
            "postgresql+psycopg://reader:Pa55word@127.0.0.1:9/ssd",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "Pa55word" not in err and "reader:***@" in err
    assert "Traceback" not in err and "cannot connect" in err
    assert not (tmp_path / "out").exists()
    with pytest.raises(SsdConnectionError):
        import_ssd(f"sqlite:///{tmp_path / 'no-such-folder' / 'x.sqlite'}", progress=False)


def test_import_cli_writes_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _hand_database(tmp_path)
    out = tmp_path / "council"
    code = cli_main(["import", "--ssd", f"sqlite:///{path}", "--output", str(out), "-q"])
    assert code == 0, capsys.readouterr().err
    assert (out / "care_episodes.csv").exists() and (out / "import-quality.csv").exists()
    assert len(sm.load_dataset(out).tables["referrals"]) == 3
    assert cli_main(["import", "--ssd", "x", "--cin", "a.xml", "--output", str(out)]) == 2


# -- the synthetic council through the writer ---------------------------------------------


@pytest.fixture(scope="module")
def council() -> dict[str, pd.DataFrame]:
    return generate(seed=2015, scale=0.25)


@pytest.fixture(scope="module")
def canonical(council: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The canonical route's results: on everything, and on what the SSD holds (the
    canonical tables less the columns and tables the SSD has no place for)."""
    full = sm.calculate(sm.Dataset.from_frames(council), **RUN).frame
    held = {k: v for k, v in council.items() if k not in ("care_plans", "care_leavers")}
    held["contacts"] = held["contacts"].drop(columns="decision_at")
    held["care_episodes"] = held["care_episodes"].drop(columns="long_term")
    held["cp_plans"] = held["cp_plans"].drop(columns="previous_plans")
    return full, sm.calculate(sm.Dataset.from_frames(held), **RUN).frame


def _check_equal(ssd_frame: pd.DataFrame, canonical: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    full, held = canonical
    key = ["indicator", "period", "window"]
    both = held.merge(ssd_frame, on=key, suffixes=("", "_ssd"), validate="one_to_one")
    assert len(both) == len(held) == len(ssd_frame)
    for column in ("status", "numerator", "denominator", "value"):
        same = (both[column] == both[f"{column}_ssd"]) | (
            both[column].isna() & both[f"{column}_ssd"].isna()
        )
        assert same.all(), both.loc[~same, ["indicator", "period", column, f"{column}_ssd"]]
    by_id = ssd_frame.groupby("indicator")
    for indicator, table in NOT_IN_SSD.items():
        rows = by_id.get_group(indicator)
        assert (rows["status"] == "not_computable").all(), indicator
        assert rows["reason"].str.contains(table).all(), indicator
        assert (full.loc[full["indicator"] == indicator, "status"] == "ok").all(), indicator
    computable = ssd_frame.loc[~ssd_frame["indicator"].isin(list(NOT_IN_SSD))]
    assert (computable["status"] == "ok").all()
    assert computable["indicator"].nunique() >= 30


def test_synthetic_council_through_sqlite_equals_the_canonical_route(
    tmp_path: Path, council: dict[str, pd.DataFrame], canonical: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    url = f"sqlite:///{tmp_path / 'ssd.sqlite'}"
    written = write_ssd(council, url)
    assert written.rows["ssd_cla_episodes"] == len(council["care_episodes"])
    assert any("care_plans: not written" in n for n in written.notes)
    result = import_ssd(url, progress=False)
    assert result.set_aside == 0 and len(result.quality) == 0
    figures = sm.calculate(result.dataset(), **RUN).frame
    _check_equal(figures, canonical)
    # what make demo prints: against the canonical route on everything, nothing unexplained
    verdict = compare_figures(canonical[0], figures)
    assert verdict["differ"] == []
    assert set(verdict["not computable"]) == set(NOT_IN_SSD)
    assert set(verdict["explained"]) <= set(SSD_DIFFERENCES)
    assert len(verdict["equal"]) >= 30


def test_writer_types_are_the_published_ones(tmp_path: Path) -> None:
    """The writer creates the tables with the published types (as SQLite records them)."""
    url = f"sqlite:///{tmp_path / 'types.sqlite'}"
    write_ssd({"referrals": generate(seed=1, scale=0.02)["referrals"]}, url)
    with sqlite3.connect(tmp_path / "types.sqlite") as connection:
        declared = {
            row[1]: row[2] for row in connection.execute("PRAGMA table_info(ssd_cin_episodes)")
        }
    assert declared["cine_referral_id"] == "VARCHAR(48)"
    assert declared["cine_referral_date"] == "DATETIME"
    assert declared["cine_referral_nfa"] == "VARCHAR(1)"


def test_duckdb_round_trip(tmp_path: Path) -> None:
    """``duckdb:///`` through duckdb-engine: the canonical tables come back as written."""
    pytest.importorskip("duckdb_engine")
    frames = generate(seed=7, scale=0.03)
    url = f"duckdb:///{tmp_path / 'ssd.duckdb'}"
    write_ssd(frames, url)
    result = import_ssd(url, progress=False)
    assert len(result.quality) == 0
    tables, _ = ssd_frames(frames)
    assert len(result.frames["referrals"]) == len(frames["referrals"])
    assert len(result.frames["care_episodes"]) == len(tables["ssd_cla_episodes"])
    back = result.frames["care_episodes"].sort_values(["child_id", "start_date"])
    sent = sm.Dataset.from_frames({"care_episodes": frames["care_episodes"]})
    assert len(back) == len(sent.tables["care_episodes"])


# -- PostgreSQL ---------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return candidates[-1].parent if candidates else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server: ``initdb`` in a temporary folder owned by an
    unprivileged user (the server refuses to run as root), listening on a Unix socket only,
    stopped and removed at the end. Skips with the reason when it cannot be had."""
    pytest.importorskip("psycopg")
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL's initdb is not installed (make test installs Debian's postgresql)")
    base = Path(tempfile.mkdtemp(prefix="sm-postgres-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
        runner = shutil.which("runuser") or shutil.which("su")
        if user is None or runner is None:
            shutil.rmtree(base, ignore_errors=True)
            pytest.skip("running as root with no unprivileged user to run PostgreSQL as")
        shutil.chown(base, user=user)
        prefix = [runner, "-u", user, "--"] if runner.endswith("runuser") else [runner, user, "-c"]
    data, log = base / "data", base / "server.log"

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        args = (
            [*prefix, *command]
            if not prefix or prefix[-1] == "--"
            else [
                *prefix,
                shlex.join(command),
            ]
        )
        return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)

    made = run(str(binaries / "initdb"), "-D", str(data), "-U", "sm", "-A", "trust", "-E", "UTF8")
    if made.returncode:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"initdb failed: {made.stderr.strip()[-200:]}")
    options = f"-k {base} -c listen_addresses='' -F"
    started = run(
        str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"
    )
    if started.returncode:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"the PostgreSQL server did not start: {started.stderr.strip()[-200:]}")
    try:
        yield f"postgresql+psycopg://sm@/postgres?host={base}"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def test_synthetic_council_through_postgresql_equals_the_canonical_route(
    postgres_url: str,
    council: dict[str, pd.DataFrame],
    canonical: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(sa.schema.CreateSchema("ssd", if_not_exists=True))
    write_ssd(council, engine, schema="ssd", replace=True)
    result = import_ssd(engine, schema="ssd", progress=False)
    assert result.set_aside == 0 and len(result.quality) == 0
    _check_equal(sm.calculate(result.dataset(), **RUN).frame, canonical)
    engine.dispose()


def test_results_to_postgresql(postgres_url: str, council: dict[str, pd.DataFrame]) -> None:
    results = sm.calculate(
        sm.Dataset.from_frames(council),
        start="2015-11-01",
        end="2015-12-31",
        every="month",
        indicators=["national.referrals", "national.rereferrals_12m"],
        cohorts=False,
    )
    first = results_to_sql(results, postgres_url, "Monthly Results", council="372")
    again = results_to_sql(results, postgres_url, "Monthly Results", council="372")
    assert first.created and not again.created and again.replaced == first.rows
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        n = connection.execute(
            sa.select(sa.func.count()).select_from(sa.table("Monthly Results"))
        ).scalar_one()
    engine.dispose()
    assert n == first.rows


# -- results to SQL ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_results(council: dict[str, pd.DataFrame]) -> sm.Results:
    return sm.calculate(
        sm.Dataset.from_frames(council),
        start="2015-10-01",
        end="2015-12-31",
        every="month",
        windows=("period", "ytd"),
        indicators=["national.referrals", "national.rereferrals_12m", "national.cla_at_end"],
        cohorts=False,
    )


def test_results_to_sql_replace_keep_and_add_columns(tmp_path: Path, small_results) -> None:
    url = f"sqlite:///{tmp_path / 'results.sqlite'}"
    first = results_to_sql(small_results, url, "results", council="372")
    assert first.created and first.rows == len(small_results.frame)
    again = results_to_sql(small_results, url, "results", council="372")
    assert again.replaced == first.rows
    other = results_to_sql(
        small_results,
        url,
        "results",
        council="372",
        params={"national.rereferrals_12m": {"per": "child"}},
    )
    n_rereferrals = int((small_results.frame["indicator"] == "national.rereferrals_12m").sum())
    assert other.replaced == first.rows - n_rereferrals
    results_to_sql(small_results, url, "results", council="373")
    stored = pd.read_sql_table("results", sa.create_engine(url))
    assert len(stored) == 2 * first.rows + n_rereferrals
    assert set(stored["council"]) == {"372", "373"}
    assert {"run_at", "parameters", "library_version"} <= set(stored.columns)
    assert stored["parameters"].str.contains('"per": "child"').sum() == n_rereferrals

    wider = small_results.frame.assign(new_measure=1.5)
    grown = results_to_sql(attrs.evolve(small_results, frame=wider), url, "results", council="372")
    assert grown.added_columns == ("new_measure",)
    stored = pd.read_sql_table("results", sa.create_engine(url))
    assert np.isclose(stored["new_measure"].dropna(), 1.5).all()


def test_table_names_are_quoted_not_pasted(tmp_path: Path, small_results) -> None:
    url = f"sqlite:///{tmp_path / 'quoted.sqlite'}"
    results_to_sql(small_results, url, "keep")
    hostile = 'results"; DROP TABLE keep; --'
    results_to_sql(small_results, url, hostile)
    names = sa.inspect(sa.create_engine(url)).get_table_names()
    assert "keep" in names and hostile in names


def test_calculate_to_sql_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "council"
    sm.synthetic.write_csv(generate(seed=3, scale=0.05), folder)
    url = f"sqlite:///{tmp_path / 'out.sqlite'}"
    args = [
        "calculate",
        str(folder),
        "--start",
        "2015-12-01",
        "--end",
        "2015-12-31",
        "--indicator",
        "national.referrals",
        "--to-sql",
        url,
        "--table",
        "monthly",
        "-q",
    ]
    assert cli_main(args) == 0
    assert cli_main(args) == 0
    err = capsys.readouterr().err
    assert "rows of an earlier run replaced" in err
    stored = pd.read_sql_table("monthly", sa.create_engine(url))
    assert stored["indicator"].tolist() == ["national.referrals"]
