"""Tests of the built-in synthetic council (``safeguarding_metrics.synthetic``)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding_metrics.synthetic import DIRTY_FAULTS, HISTORY_YEARS, TABLES, generate, write_csv

KEYS = {
    "children": ["child_id"],
    "contacts": ["contact_id"],
    "referrals": ["referral_id"],
    "assessments": ["assessment_id"],
    "section47": ["s47_id"],
    "cp_plans": ["plan_id"],
    "cin_plans": ["plan_id"],
    "workers": ["worker_id"],
    "adoptions": ["child_id"],
    "care_leavers": ["child_id", "recorded_date"],
}
INTERVALS = [  # (table, start, end): end must not precede start
    ("referrals", "referral_date", "closure_date"),
    ("assessments", "start_date", "authorised_date"),
    ("contacts", "received_at", "decision_at"),
    ("cp_plans", "start_date", "end_date"),
    ("cin_plans", "start_date", "end_date"),
    ("care_episodes", "start_date", "end_date"),
    ("missing", "start_date", "end_date"),
    ("allocations", "start_date", "end_date"),
]
CODES = {
    ("care_episodes", "rne"): {"S", "P", "L", "T", "U", "B"},
    ("care_episodes", "legal_status"): {
        *("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4")
    },
    ("care_episodes", "placement"): {
        *("U1", "U2", "U3", "U4", "U5", "U6", "R1", "R2", "R3", "R5", "P1", "P2", "P3", "H5"),
        *("K1", "K2", "S1", "Z1", "A3", "A4", "A5", "A6", "T0", "T1", "T2", "T3", "T4"),
    },
    ("referrals", "closure_reason"): {f"RC{i}" for i in range(1, 10)},
    ("cp_plans", "initial_category"): {"NEG", "PHY", "SAB", "EMO", "MUL"},
    ("visits", "visit_type"): {"cla", "cp", "cin"},
    ("care_plans", "plan_type"): {"cin", "cp", "cla"},
    ("missing", "kind"): {"M", "A"},
}
START, END = pd.Timestamp("2012-04-01"), pd.Timestamp("2016-03-31")


@pytest.fixture(scope="module")
def council() -> dict[str, pd.DataFrame]:
    return generate()


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return generate(scale=0.1)


def open_on(
    df: pd.DataFrame, day: str, start: str = "start_date", end: str = "end_date"
) -> pd.Series:
    d = pd.Timestamp(day)
    return (df[start] <= d) & (df[end].isna() | (df[end] > d))


def in_year(col: pd.Series, year: int) -> pd.Series:
    return (col >= pd.Timestamp(f"{year}-04-01")) & (col <= pd.Timestamp(f"{year + 1}-03-31"))


def assert_coherent(f: dict[str, pd.DataFrame], start: pd.Timestamp, end: pd.Timestamp) -> None:
    """Every invariant of the contract the generator promises, on clean output."""
    assert list(f) == list(TABLES)
    for table, cols in TABLES.items():
        assert tuple(f[table].columns) == cols, table
        assert not f[table].duplicated().any(), f"exact duplicate rows in {table}"
    for table, key in KEYS.items():
        assert not f[table].duplicated(key).any(), f"duplicate key in {table}"
    for table, s, e in INTERVALS:
        df = f[table]
        assert not (df[e] < df[s]).any(), f"negative interval in {table}"
    for (table, col), valid in CODES.items():
        assert set(f[table][col].dropna()) <= valid, (table, col)
    children = set(f["children"]["child_id"])
    for table in TABLES:
        if "child_id" in f[table]:
            assert f[table]["child_id"].notna().all()
            assert set(f[table]["child_id"]) <= children, table
    assert set(f["allocations"]["worker_id"]) <= set(f["workers"]["worker_id"])
    assert set(f["assessments"]["referral_id"]) <= set(f["referrals"]["referral_id"])
    # reviews belong to their plan and fall inside it
    rv = f["cp_reviews"].merge(f["cp_plans"], on="plan_id", suffixes=("", "_plan"))
    assert len(rv) == len(f["cp_reviews"])
    assert (rv["child_id"] == rv["child_id_plan"]).all()
    assert (rv["review_date"] > rv["start_date"]).all()
    assert (rv["end_date"].isna() | (rv["review_date"] < rv["end_date"])).all()
    # no overlapping episodes, CP plans or CIN plans for one child
    for table in ("care_episodes", "cp_plans", "cin_plans"):
        df = f[table].sort_values(["child_id", "start_date"])
        prev_end = df.groupby("child_id")["end_date"].shift()
        prev_open = df["end_date"].isna().groupby(df["child_id"]).shift(fill_value=False)
        assert not (prev_end > df["start_date"]).any(), f"overlap in {table}"
        assert not prev_open.any(), f"record after an open one in {table}"
    # an episode starts a period of care (S) exactly when it does not follow on from another
    ep = f["care_episodes"].sort_values(["child_id", "start_date"])
    follows = ep.groupby("child_id")["end_date"].shift() == ep["start_date"]
    assert ((ep["rne"] == "S") != follows).all()
    assert (ep["reason_ceased"].isna() == ep["end_date"].isna()).all()
    # dates inside [start - history, end] (dates of birth apart)
    origin = start - pd.DateOffset(years=HISTORY_YEARS)
    for table, df in f.items():
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]) and col != "date_of_birth":
                values = df[col].dropna()
                assert (values >= origin - pd.Timedelta(days=40)).all(), (table, col)
                assert (values < end + pd.Timedelta(days=1)).all(), (table, col)
    # nothing before birth, no care after the 18th birthday
    dob = f["children"].set_index("child_id")["date_of_birth"]
    ref = f["referrals"]
    assert (ref["referral_date"] >= ref["child_id"].map(dob)).all()
    ce = f["care_episodes"]
    b18 = ce["child_id"].map(dob) + pd.DateOffset(years=18)
    assert (ce["end_date"].isna() | (ce["end_date"] <= b18 + pd.Timedelta(days=1))).all()


def test_tables_columns_and_dtypes(council: dict[str, pd.DataFrame]) -> None:
    assert set(council) == set(TABLES)
    for table, cols in TABLES.items():
        df = council[table]
        assert tuple(df.columns) == cols
        assert len(df) > 0, table
        for col in cols:
            if col.endswith(("_date", "_at")) or col == "date_of_birth":
                assert pd.api.types.is_datetime64_any_dtype(df[col]), (table, col)
            if col.endswith("_id"):
                assert df[col].map(type).eq(str).all(), (table, col)
    for table, col in [
        ("referrals", "nfa"),
        ("section47", "icpc_not_required"),
        ("care_episodes", "long_term"),
        ("visits", "seen_alone"),
        ("adoptions", "foster_carer"),
    ]:
        assert council[table][col].dtype == "boolean", (table, col)
    assert council["cp_plans"]["previous_plans"].dtype == "Int64"
    assert council["workers"]["fte"].dtype == np.float64
    assert re.fullmatch(r"C\d{6}", council["children"]["child_id"].iloc[0])
    assert re.fullmatch(r"R\d{7}", council["referrals"]["referral_id"].iloc[0])
    times = council["contacts"]["received_at"]
    assert (times.dt.hour * 3600 + times.dt.minute * 60 + times.dt.second > 0).mean() > 0.99


def test_coherent(council: dict[str, pd.DataFrame]) -> None:
    assert_coherent(council, START, END)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    start_year=st.integers(2009, 2016),
    years=st.integers(1, 5),
)
def test_coherent_for_any_seed_and_window(seed: int, start_year: int, years: int) -> None:
    start, end = pd.Timestamp(f"{start_year}-04-01"), pd.Timestamp(f"{start_year + years}-03-31")
    f = generate(seed=seed, scale=0.05, start=str(start.date()), end=str(end.date()))
    assert_coherent(f, start, end)


def test_deterministic() -> None:
    a = generate(seed=11, scale=0.05)
    b = generate(seed=11, scale=0.05)
    c = generate(seed=12, scale=0.05)
    for table in TABLES:
        pd.testing.assert_frame_equal(a[table], b[table])
    assert not a["referrals"].equals(c["referrals"])


def test_volumes_at_scale_one(council: dict[str, pd.DataFrame]) -> None:
    ref = council["referrals"]
    for year in (2012, 2013, 2014, 2015):
        assert 3_800 <= in_year(ref["referral_date"], year).sum() <= 5_200
        contacts = council["contacts"]["received_at"]
        assert 10_000 <= in_year(contacts, year).sum() <= 14_000
        s47 = in_year(council["section47"]["start_date"], year).sum()
        assert 1_000 <= s47 <= 1_500
        adopted = in_year(council["adoptions"]["adoption_order_date"], year).sum()
        assert 15 <= adopted <= 50
    cp = council["cp_plans"]
    assert 300 <= open_on(cp, "2015-03-31").sum() <= 500
    ce = council["care_episodes"]
    looked_after = ce[~ce["legal_status"].isin(["V3", "V4"]) & open_on(ce, "2015-03-31")]
    assert 380 <= looked_after["child_id"].nunique() <= 520
    assert ce["legal_status"].isin(["V3", "V4"]).any()
    workers = council["workers"]
    assert 90 <= len(workers) <= 150
    assert workers["team"].nunique() == 10


def test_rereferral_rate(council: dict[str, pd.DataFrame]) -> None:
    ref = council["referrals"].sort_values(["child_id", "referral_date"])
    prev = ref.groupby("child_id")["referral_date"].shift()
    within = prev.notna() & (ref["referral_date"] <= prev + pd.DateOffset(months=12))
    this_year = in_year(ref["referral_date"], 2014)
    assert 0.20 <= within[this_year].mean() <= 0.30


def test_the_seed_report_story(council: dict[str, pd.DataFrame]) -> None:
    ct = council["contacts"]
    on_time = (ct["decision_at"] - ct["received_at"]) <= pd.Timedelta(hours=24)
    month = ct["received_at"].dt.to_period("M")
    assert on_time[month == pd.Period("2014-12", "M")].mean() < 0.5
    assert on_time[month == pd.Period("2015-12", "M")].mean() > 0.95
    cp = council["cp_plans"]

    def over_two_years(day: str) -> int:
        d = pd.Timestamp(day)
        return int((open_on(cp, day) & (cp["start_date"] + pd.DateOffset(months=24) <= d)).sum())

    assert 8 <= over_two_years("2015-04-01") <= 35
    assert over_two_years("2015-12-31") <= 4
    s47 = council["section47"]
    assert (s47["icpc_date"] < s47["start_date"]).any()
    ad = council["adoptions"]
    assert (ad["matched_date"] < ad["placement_order_date"]).any()
    assert ad["foster_carer"].any()
    assert (council["cp_plans"]["previous_plans"] > 0).any()
    assert set(council["care_episodes"]["rne"]) == {"S", "P", "L", "T", "U", "B"}
    leavers = council["care_leavers"]
    assert leavers["accommodation"].dropna().str[-1].isin(["1", "2"]).all()


def test_caseloads(council: dict[str, pd.DataFrame]) -> None:
    al = council["allocations"]
    held = al[open_on(al, "2015-12-31")].groupby("worker_id")["child_id"].nunique()
    assert 17 <= held.mean() <= 23
    earlier = al[open_on(al, "2014-12-31")].groupby("worker_id")["child_id"].nunique()
    assert earlier.mean() > held.mean()


def test_scale_is_proportional(
    council: dict[str, pd.DataFrame], small: dict[str, pd.DataFrame]
) -> None:
    for table in ("referrals", "contacts", "cp_plans", "care_episodes", "visits"):
        ratio = len(small[table]) / len(council[table])
        assert 0.07 <= ratio <= 0.13, (table, ratio)


def test_la_column() -> None:
    f = generate(scale=0.02, la="E08000018")
    for table, cols in TABLES.items():
        assert tuple(f[table].columns) == (*cols, "la")
        assert (f[table]["la"] == "E08000018").all()


def test_progress_is_called_per_table() -> None:
    messages: list[str] = []
    generate(scale=0.02, progress=messages.append)
    for table in TABLES:
        assert any(table in m for m in messages), table


def test_dirty_injects_exactly_the_documented_faults(small: dict[str, pd.DataFrame]) -> None:
    dirty = generate(scale=0.1, dirty=True)
    assert sum(f.count for f in DIRTY_FAULTS) == 9

    def unparseable(col: pd.Series) -> int:
        text = col.dropna()
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        return int(parsed.isna().sum())

    def parse(col: pd.Series) -> pd.Series:
        return pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")

    ref, asm, cp = dirty["referrals"], dirty["assessments"], dirty["cp_plans"]
    assert unparseable(ref["referral_date"]) == 1
    assert unparseable(asm["authorised_date"]) == 1
    assert unparseable(cp["end_date"]) == 1
    assert ref["referral_date"].isin(["2015-02-30"]).sum() == 1
    assert (ref["closure_date"] < parse(ref["referral_date"])).sum() == 1
    assert (parse(cp["end_date"]) < cp["start_date"]).sum() == 1
    assert (parse(asm["authorised_date"]) < asm["start_date"]).sum() == 0
    assert (dirty["contacts"]["decision_at"] < dirty["contacts"]["received_at"]).sum() == 0
    for table, key in KEYS.items():
        expected = 1 if table in ("contacts", "assessments") else 0
        assert dirty[table].duplicated(key).sum() == expected, table
    for table in TABLES:
        expected = 1 if table == "visits" else 0
        assert dirty[table].duplicated().sum() == expected, table
        extra = 1 if table in ("contacts", "assessments", "visits") else 0
        assert len(dirty[table]) == len(small[table]) + extra, table
    placements = CODES[("care_episodes", "placement")]
    assert (~dirty["care_episodes"]["placement"].isin(placements)).sum() == 1
    # the faults sit in records dated inside the reporting window
    negative = ref["closure_date"] < parse(ref["referral_date"])
    assert (parse(ref.loc[negative, "referral_date"]) >= START).all()
    assert (cp.loc[parse(cp["end_date"]) < cp["start_date"], "start_date"] >= START).all()
    for table in ("children", "section47", "care_leavers", "workers", "allocations"):
        pd.testing.assert_frame_equal(dirty[table], small[table])


def test_write_csv(tmp_path: Path) -> None:
    f = generate(scale=0.02)
    write_csv(f, tmp_path / "council")
    for table, cols in TABLES.items():
        text = (tmp_path / "council" / f"{table}.csv").read_text(encoding="utf-8")
        assert text.splitlines()[0] == ",".join(cols)
        back = pd.read_csv(tmp_path / "council" / f"{table}.csv", dtype=str, keep_default_na=False)
        assert len(back) == len(f[table])
    contacts = pd.read_csv(tmp_path / "council" / "contacts.csv", dtype=str, keep_default_na=False)
    assert contacts["received_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()
    decided = contacts["decision_at"][contacts["decision_at"] != ""]
    assert decided.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()
    plans = pd.read_csv(tmp_path / "council" / "cp_plans.csv", dtype=str, keep_default_na=False)
    assert plans["start_date"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert (plans["end_date"] == "").sum() == f["cp_plans"]["end_date"].isna().sum()
    assert plans["previous_plans"].str.fullmatch(r"\d*").all()
    refs = pd.read_csv(tmp_path / "council" / "referrals.csv", dtype=str, keep_default_na=False)
    assert set(refs["nfa"]) <= {"true", "false"}
    visits = pd.read_csv(tmp_path / "council" / "visits.csv", dtype=str, keep_default_na=False)
    assert set(visits["seen_alone"]) <= {"true", "false", ""}


def test_write_csv_keeps_dirty_text(tmp_path: Path) -> None:
    write_csv(generate(scale=0.02, dirty=True), tmp_path)
    refs = pd.read_csv(tmp_path / "referrals.csv", dtype=str, keep_default_na=False)
    assert (refs["referral_date"] == "2015-02-30").sum() == 1
    plans = pd.read_csv(tmp_path / "cp_plans.csv", dtype=str, keep_default_na=False)
    assert (plans["end_date"] == "31/13/2014").sum() == 1


def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(scale=0)
    with pytest.raises(ValueError, match="end"):
        generate(start="2016-01-01", end="2015-01-01")


def test_activity_adds_referrals_per_child_not_children() -> None:
    base = generate(seed=5, scale=0.2)
    busy = generate(seed=5, scale=0.2, activity=4)
    assert_coherent(busy, pd.Timestamp("2012-04-01"), pd.Timestamp("2016-03-31"))
    per_child = len(busy["referrals"]) / len(busy["children"])
    assert per_child > 2.5 * len(base["referrals"]) / len(base["children"])
    assert 0.6 < len(busy["children"]) / len(base["children"]) < 0.8
    # re-referrals within 12 months stay about as frequent as at the default (20-30%)
    r = busy["referrals"][["child_id", "referral_date"]].drop_duplicates()
    r = r.sort_values(["child_id", "referral_date"])
    previous = r.groupby("child_id")["referral_date"].shift()
    within = (r["referral_date"] <= previous + pd.DateOffset(months=12)).mean()
    assert 0.15 < within < 0.35
    with pytest.raises(ValueError, match="activity"):
        generate(scale=0.05, activity=0.5)
