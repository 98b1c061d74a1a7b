"""The looked-after building blocks (safeguarding_metrics.looked_after) and the episode rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding_metrics import Dataset
from safeguarding_metrics.looked_after import (
    CareHistory,
    age_on,
    dates_of_birth,
    drop_short_breaks,
    pairs_by_child,
    sixteenth_birthday,
)
from safeguarding_metrics.model import CareEpisode, Child
from safeguarding_metrics.model.episode_rules import apply_episode_rules, episode_faults

from . import cla_reference as ref

D = dt.date
FAST = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


def ep(child: str, start: str, end: str | None, rne: str, legal: str = "C2", place: str = "U6"):
    return CareEpisode(
        child_id=child,
        start_date=D.fromisoformat(start),
        end_date=None if end is None else D.fromisoformat(end),
        rne=rne,
        legal_status=legal,
        placement=place,
    )


def history(records: list, **kwargs: object) -> tuple[CareHistory, Dataset]:
    ds = Dataset.from_records(records)
    return CareHistory.from_episodes(ds.view("care_episodes"), **kwargs), ds  # type: ignore[arg-type]


def code(ds: Dataset, child: str) -> int:
    return int(np.flatnonzero(ds.child_ids == child)[0])


def d64(*days: str) -> np.ndarray:
    return np.array(days, dtype="datetime64[D]")


# -- worked examples ---------------------------------------------------------------------------

# Child A: S 2014-01-01..2014-06-01 (U4), P 2014-06-01..2015-01-01 (U6, new carer),
# L 2015-01-01.. open (legal status only), with a short break V3 in 2013 that must vanish.
A = [
    ep("A", "2013-03-01", "2013-03-04", "S", legal="V3"),
    ep("A", "2014-01-01", "2014-06-01", "S", place="U4"),
    ep("A", "2014-06-01", "2015-01-01", "P"),
    ep("A", "2015-01-01", None, "L", legal="E1"),
]


def test_looked_after_on_a_day_and_the_episode_open() -> None:
    h, ds = history(A)
    a = code(ds, "A")
    days = d64("2013-03-02", "2013-12-31", "2014-01-01", "2014-06-01", "2015-01-01", "2020-01-01")
    # 2013-03-02: only a short break (removed): not looked after. 2014-06-01: the first
    # episode ends that day, the second starts: the second is the open one.
    assert h.looked_after_on(a, days).tolist() == [False, False, True, True, True, True]
    opened = h.open_episode(a, days)
    assert opened.tolist() == [-1, -1, 0, 1, 2, 2]
    assert h.frame["rne"].tolist() == ["S", "P", "L"]


def test_period_of_care_and_placement_starts() -> None:
    h, ds = history(A)
    a = code(ds, "A")
    days = d64("2013-12-31", "2014-03-01", "2014-06-01", "2016-03-31")
    # no S on or before 2013-12-31 (the short break's S does not count)
    assert h.period_of_care_start(a, days).astype(str).tolist() == [
        "NaT", "2014-01-01", "2014-01-01", "2014-01-01",
    ]  # fmt: skip
    # carer change (S, P, B): the P of 2014-06-01; any change (not L): the same, since the
    # 2015-01-01 episode is a change of legal status only
    assert h.placement_start(a, days, "carer").astype(str).tolist() == [
        "NaT", "2014-01-01", "2014-06-01", "2014-06-01",
    ]  # fmt: skip
    assert h.placement_start(a, days, "any").astype(str).tolist() == [
        "NaT", "2014-01-01", "2014-06-01", "2014-06-01",
    ]  # fmt: skip
    with pytest.raises(ValueError, match="carer"):
        h.starts_placement("sometimes")


def test_any_change_differs_from_carer_change() -> None:
    # S 2014-01-01 (U6) then T 2015-05-01 (same carer, now A5: a foster carer adoption)
    h, ds = history(
        [ep("B", "2014-01-01", "2015-05-01", "S"), ep("B", "2015-05-01", None, "T", place="A5")]
    )
    b = code(ds, "B")
    end = d64("2016-03-31")
    assert str(h.placement_start(b, end, "carer")[0]) == "2014-01-01"
    assert str(h.placement_start(b, end, "any")[0]) == "2015-05-01"


def test_run_start_of_adoptive_placements() -> None:
    # U6, then A6 (P) 2015-01-01, A6 (L) 2015-03-01: one unbroken run from 2015-01-01;
    # then a gap and A5 2015-09-01: a new run.
    h, _ = history(
        [
            ep("C", "2014-01-01", "2015-01-01", "S"),
            ep("C", "2015-01-01", "2015-03-01", "P", place="A6"),
            ep("C", "2015-03-01", "2015-06-01", "L", legal="E1", place="A6"),
            ep("C", "2015-09-01", None, "S", place="A5"),
        ]
    )
    runs = h.run_start(h.placement_in({"A3", "A4", "A5", "A6"}))
    assert runs.astype(str).tolist() == ["NaT", "2015-01-01", "2015-01-01", "2015-09-01"]


def test_populations_at_and_during() -> None:
    h, ds = history([*A, ep("Z", "2015-06-01", "2015-07-01", "S")])
    a, z = code(ds, "A"), code(ds, "Z")
    day, child = h.looked_after_at(d64("2015-06-15", "2015-07-01"))
    # Z's episode ends 2015-07-01: not looked after that day
    assert list(zip(day.tolist(), child.tolist(), strict=True)) == [(0, a), (0, z), (1, a)]
    span, child, first = h.looked_after_during(
        d64("2015-07-01", "2013-01-01"), d64("2015-07-31", "2013-12-31")
    )
    # 2015-07: A only (Z ended on its first day); 2013: nobody (short break removed)
    assert list(zip(span.tolist(), child.tolist(), first.astype(str).tolist(), strict=True)) == [
        (0, a, "2015-07-01")
    ]


def test_without_end_dates_only_start_questions() -> None:
    ds = Dataset.from_records(A)
    h = CareHistory.from_episodes(ds.view("care_episodes", ["start_date", "rne", "legal_status"]))
    assert str(h.period_of_care_start(0, d64("2016-01-01"))[0]) == "2014-01-01"
    with pytest.raises(ValueError, match="end dates"):
        h.looked_after_on(0, d64("2016-01-01"))
    with pytest.raises(ValueError, match="legal_status"):
        CareHistory.from_episodes(ds.view("care_episodes", ["start_date", "rne"]))


def test_short_breaks_can_be_kept_on_request() -> None:
    h, _ = history(A, short_breaks=True)
    assert len(h) == 4
    assert len(drop_short_breaks(h.frame)) == 3


def test_empty_history() -> None:
    ds = Dataset.from_frames(
        {
            "care_episodes": pd.DataFrame(
                columns=["child_id", "start_date", "rne", "legal_status", "placement"]
            )
        }
    )
    h = CareHistory.from_episodes(ds.view("care_episodes"))
    assert len(h) == 0
    assert h.looked_after_on([], d64()).tolist() == []
    assert h.looked_after_at(d64("2016-01-01"))[1].tolist() == []
    assert h.period_of_care_start(np.array([3]), d64("2016-01-01")).astype(str).tolist() == ["NaT"]
    assert h.run_start(np.zeros(0, dtype=bool)).tolist() == []


def test_sixteenth_birthday_and_age() -> None:
    dob = d64("2000-02-29", "2000-03-31", "NaT")
    # 2000-02-29 + 192 months = 2016-02-29 (a leap year); 2000-03-31 -> 2016-03-31
    assert sixteenth_birthday(dob).astype(str).tolist() == ["2016-02-29", "2016-03-31", "NaT"]
    ages = age_on(dob, np.datetime64("2016-03-30"))
    assert ages[:2].tolist() == [16.0, 15.0] and np.isnan(ages[2])
    assert age_on(np.datetime64("2001-02-28"), np.datetime64("2001-02-27")).tolist() == [-1.0]


def test_dates_of_birth_by_child_code() -> None:
    ds = Dataset.from_records(
        [Child(child_id="A", date_of_birth=D(2010, 5, 1)), Child(child_id="B"), *A]
    )
    got = dates_of_birth(ds.view("children", ["date_of_birth"]), [0, 1, 7])
    assert got.astype(str).tolist() == ["2010-05-01", "NaT", "NaT"]


def test_pairs_by_child() -> None:
    query, row = pairs_by_child(np.array([0, 0, 2, 5]), np.array([2, 0, 1]))
    assert list(zip(query.tolist(), row.tolist(), strict=True)) == [(0, 2), (1, 0), (1, 1)]


# -- properties against the plain-Python reference ------------------------------------------------


@FAST
@given(
    ref.case_histories(max_children=4),
    st.lists(st.dates(ref.FIRST, ref.LAST), min_size=1, max_size=4),
)
def test_blocks_match_the_reference(records: list, days: list[dt.date]) -> None:
    records = [r for r in records if isinstance(r, CareEpisode)]
    ds = Dataset.from_records(records)
    if not ds.has("care_episodes"):
        return
    h = CareHistory.from_episodes(ds.view("care_episodes"))
    expected = ref.episodes(records)
    children = list(expected)
    codes = np.array([code(ds, c) for c in children for _ in days])
    when = np.array([d for _ in children for d in days], dtype="datetime64[D]")
    pairs = [(c, d) for c in children for d in days]

    def as_days(values: list[dt.date | None]) -> list[str]:
        return ["NaT" if v is None else v.isoformat() for v in values]

    assert h.looked_after_on(codes, when).tolist() == [
        ref.looked_after(expected[c], d) for c, d in pairs
    ]
    assert h.period_of_care_start(codes, when).astype(str).tolist() == as_days(
        [ref.poc_start(expected[c], d) for c, d in pairs]
    )
    assert h.placement_start(codes, when, "carer").astype(str).tolist() == as_days(
        [ref.carer_start(expected[c], d) for c, d in pairs]
    )
    assert h.placement_start(codes, when, "any").astype(str).tolist() == as_days(
        [ref.any_start(expected[c], d) for c, d in pairs]
    )


@FAST
@given(ref.case_histories(max_children=4), st.randoms(use_true_random=False))
def test_order_of_the_input_does_not_matter(records: list, rnd: object) -> None:
    records = [r for r in records if isinstance(r, CareEpisode)]
    shuffled = list(records)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = Dataset.from_records(records), Dataset.from_records(shuffled)
    if not first.has("care_episodes"):
        return
    a = CareHistory.from_episodes(first.view("care_episodes"))
    b = CareHistory.from_episodes(second.view("care_episodes"))
    columns = ["child", "start_date", "end_date", "rne", "legal_status", "placement"]
    pd.testing.assert_frame_equal(a.frame[columns], b.frame[columns])


@FAST
@given(st.dates(D(1990, 1, 1), D(2015, 12, 31)))
def test_sixteenth_birthday_is_the_day_the_child_turns_16(dob: dt.date) -> None:
    birthday = sixteenth_birthday(np.array([dob], dtype="datetime64[D]"))[0]
    assert birthday == np.datetime64(ref.add_months(dob, 192))
    assert age_on(np.datetime64(dob), birthday).tolist() == [16.0]
    assert age_on(np.datetime64(dob), birthday - np.timedelta64(1, "D")).tolist() == [15.0]


# -- episode rules ---------------------------------------------------------------------------------


def test_episode_rules_worked_example() -> None:
    ds = Dataset.from_records(
        [
            # A: rows 1-2, the first still open when the second starts: overlap
            ep("A", "2015-01-05", None, "S"),
            ep("A", "2015-06-01", None, "P"),
            # B: rows 3-4, ends 2015-03-01, next (P) starts 2015-03-10: gap in a period of care
            ep("B", "2015-01-05", "2015-03-01", "S"),
            ep("B", "2015-03-10", None, "P"),
            # C: rows 5-6, first episode P (no S); then S on the day it ended
            ep("C", "2015-01-05", "2015-03-01", "P"),
            ep("C", "2015-03-01", None, "S"),
            # D: rows 7-8, two episodes starting the same day
            ep("D", "2015-03-01", None, "S"),
            ep("D", "2015-03-01", "2015-04-01", "S", legal="C1"),
            # E: rows 9-10, contiguous and clean; a short break in between is not checked
            ep("E", "2015-01-01", "2015-02-01", "S"),
            ep("E", "2015-01-10", "2015-01-12", "S", legal="V3"),
            ep("E", "2015-02-01", None, "L"),
        ]
    )
    found = episode_faults(ds.tables["care_episodes"], file="episodes.csv")
    rows = found.faults[["row", "column", "severity", "action"]].astype(str).values.tolist()
    assert rows == [
        ["2", "start_date", "error", "kept"],  # A overlap
        ["4", "rne", "error", "kept"],  # B gap
        ["5", "rne", "warning", "kept"],  # C first not S
        ["6", "rne", "warning", "kept"],  # C new period the same day
        ["7", "start_date", "error", "kept"],  # D same start (both rows)
        ["8", "start_date", "error", "kept"],
    ]
    assert set(found.faults["file"]) == {"episodes.csv"}
    assert not found.set_aside.any()
    # no child identifier in any message
    assert not found.faults["reason"].str.contains(r"\b[A-E]\b").any()
    strict = episode_faults(ds.tables["care_episodes"], same_start="set aside")
    assert np.flatnonzero(strict.set_aside).tolist() == [6, 7]
    with pytest.raises(ValueError, match="same_start"):
        episode_faults(ds.tables["care_episodes"], same_start="maybe")


def test_episode_rules_before_child_coding_and_with_field_faults() -> None:
    frame = pd.DataFrame(
        {
            "_row": [2, 3, 4],
            "child_id": ["A", "A", "A"],
            "start_date": pd.to_datetime(["2015-01-01", "2015-02-01", "2015-03-01"]),
            # row 3 ends before it starts: the loader leaves its end date out; it takes no part
            "end_date": pd.to_datetime(["2015-02-01", "2015-01-15", None]),
            "rne": ["S", "P", "P"],
            "legal_status": ["C2", "C2", "C2"],
        }
    )
    found = episode_faults(frame, field_faults={"end_date": np.array([False, True, False])})
    # without row 3, row 4 starts after row 2 ended (2015-02-01 < 2015-03-01) with RNE P: a gap
    assert found.faults["row"].tolist() == [4]
    assert "gap" in found.faults["reason"].iloc[0]
    assert len(episode_faults(frame.iloc[:0]).faults) == 0


def test_apply_episode_rules_keeps_the_counts() -> None:
    from safeguarding_metrics.model.clean import clean_table
    from safeguarding_metrics.model.tables import table_spec

    raw = pd.DataFrame(
        {
            "child_id": ["A", "A", "B"],
            "start_date": ["2015-03-01", "2015-03-01", "2015-01-01"],
            "end_date": ["", "2015-04-01", ""],
            "rne": ["S", "S", "S"],
            "legal_status": ["C2", "C1", "C2"],
            "placement": ["U6", "U6", "U6"],
        }
    )
    clean = clean_table(table_spec("care_episodes"), raw, file="e.csv", rows=np.array([2, 3, 4]))
    kept = apply_episode_rules(clean, file="e.csv")
    assert len(kept.frame) == 3 and kept.set_aside == 0 and len(kept.faults) == 2
    aside = apply_episode_rules(clean, file="e.csv", same_start="set aside")
    assert len(aside.frame) == 1 and aside.set_aside == 2
    assert aside.read == len(aside.frame) + aside.set_aside
    assert set(aside.faults["action"]) == {"set aside"}
    untouched = clean_table(table_spec("care_episodes"), raw.iloc[2:], file="e.csv")
    assert apply_episode_rules(untouched, file="e.csv") is untouched
