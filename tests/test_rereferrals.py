"""national.rereferrals_12m: worked examples computed by hand from the definition, properties
on generated referrals, an independent reference implementation, and the CLI's JSON.

The definition (indicators.md, DfE C1): referrals with ``referral_date`` in the period, counted
once per child and date; numerator: the same child has an earlier referral ``p`` with
``p < referral_date <= add_months(p, 12)``, whatever the period of ``p``. ``per="child"``:
children with a referral in the period; numerator those with at least one re-referral in it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding_metrics.cli import main
from safeguarding_metrics.model import Referral
from safeguarding_metrics.testing import (
    DEFAULT_END,
    DEFAULT_START,
    dates,
    make_dataset,
    period_ranges,
    referrals,
    run_indicator,
    shuffled,
    split_children,
)
from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

D = dt.date.fromisoformat
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def refs(*items: tuple[str, str]) -> list[Referral]:
    """Referrals from (child, date) pairs; ids R1, R2, ... in the order given."""
    return [
        Referral(referral_id=f"R{k}", child_id=child, referral_date=D(day))
        for k, (child, day) in enumerate(items, start=1)
    ]


def figures(
    records: Iterable[Referral],
    start: str | dt.date,
    end: str | dt.date,
    *,
    every: str | None = None,
    per: str = "referral",
) -> list[tuple[str, str, float, float, float | None]]:
    """(period start, period end, numerator, denominator, value) per period."""
    results = run_indicator(
        REREFERRALS_12M,
        make_dataset({"referrals": list(records)}),
        start=start,
        end=end,
        every=every,
        params={"per": per},
    )
    return [
        (r["period_start"], r["period_end"], r["numerator"], r["denominator"], r["value"])
        for r in results.to_records()
    ]


def totals(
    records: Iterable[Referral], start: Any, end: Any, per: str = "referral"
) -> tuple[float, float]:
    ((_, _, numerator, denominator, _),) = figures(records, start, end, per=per)
    return numerator, denominator


# -- worked examples, by hand --------------------------------------------------------------------

# Period 2015-04-01 .. 2016-03-31 (the 2015-16 collection year).
#
# child A: 2014-06-10 (before the period)
#          2015-05-01  in; previous 2014-06-10, + 12 months = 2015-06-10 >= 2015-05-01  -> met
#          2016-03-31  in; previous 2015-05-01, + 12 months = 2016-05-01 >= 2016-03-31  -> met
# child B: 2015-04-01  in; no earlier referral                                          -> not met
#          2016-04-01  after the period: not counted
# child C: 2014-04-01 (before the period)
#          2015-04-02  in; previous 2014-04-01, + 12 months = 2015-04-01 <  2015-04-02  -> not met
# child D: 2015-07-01 twice (two ids, one day: counted once, neither re-refers the other)
#                      in; no earlier referral                                          -> not met
#          2015-07-02  in; previous 2015-07-01, + 12 months = 2016-07-01               -> met
# child E: 2014-09-30 (before the period)
#          2015-09-30  in; previous 2014-09-30, + 12 months = 2015-09-30: exactly 12 -> met
#
# per referral: denominator A 2 + B 1 + C 1 + D 2 + E 1 = 7; numerator A 2 + D 1 + E 1 = 4;
# 4/7 = 57.142857...%.
# per child: children with a referral in the period A, B, C, D, E = 5; with a re-referral in
# it A, D, E = 3; 60%.
YEAR_EXAMPLE = refs(
    ("A", "2014-06-10"),
    ("A", "2015-05-01"),
    ("A", "2016-03-31"),
    ("B", "2015-04-01"),
    ("B", "2016-04-01"),
    ("C", "2014-04-01"),
    ("C", "2015-04-02"),
    ("D", "2015-07-01"),
    ("D", "2015-07-01"),
    ("D", "2015-07-02"),
    ("E", "2014-09-30"),
    ("E", "2015-09-30"),
)


def test_worked_example_per_referral() -> None:
    assert figures(YEAR_EXAMPLE, "2015-04-01", "2016-03-31") == [
        ("2015-04-01", "2016-03-31", 4.0, 7.0, pytest.approx(400 / 7))
    ]


def test_worked_example_per_child() -> None:
    assert totals(YEAR_EXAMPLE, "2015-04-01", "2016-03-31", per="child") == (3.0, 5.0)


def test_worked_example_by_month() -> None:
    # April: B 04-01 (not met), C 04-02 (not met)        -> 0 / 2, 0%
    # May: A 05-01 (met)                                  -> 1 / 1, 100%
    # July: D 07-01 (not met), D 07-02 (met)              -> 1 / 2, 50%
    # September: E 09-30 (met, exactly 12 months)         -> 1 / 1, 100%
    # March: A 03-31 (met)                                -> 1 / 1, 100%
    # every other month: no referral                      -> 0 / 0, no value
    by_month = {
        s[:7]: (n, d, v)
        for s, _, n, d, v in figures(YEAR_EXAMPLE, "2015-04-01", "2016-03-31", every="month")
    }
    assert len(by_month) == 12
    assert by_month["2015-04"] == (0.0, 2.0, 0.0)
    assert by_month["2015-05"] == (1.0, 1.0, 100.0)
    assert by_month["2015-07"] == (1.0, 2.0, 50.0)
    assert by_month["2015-09"] == (1.0, 1.0, 100.0)
    assert by_month["2016-03"] == (1.0, 1.0, 100.0)
    for month in (
        "2015-06",
        "2015-08",
        "2015-10",
        "2015-11",
        "2015-12",
        "2016-01",
        "2016-02",
    ):
        assert by_month[month] == (0.0, 0.0, None)


# 29 February, the month rule (add_months clamps to the month's end):
#   2015-02-28 -> 2016-02-29: add_months(2015-02-28, 12) = 2016-02-28 < 2016-02-29  -> NOT within
#   2015-02-28 -> 2016-02-28: exactly 12 months                                    -> within
#   2016-02-29 -> 2017-02-28: add_months(2016-02-29, 12) = 2017-02-28              -> within
#   2015-03-01 -> 2016-02-29: add_months(2015-03-01, 12) = 2016-03-01 >= 2016-02-29 -> within
#   2015-02-27 -> 2016-02-28: add_months(2015-02-27, 12) = 2016-02-27 < 2016-02-28  -> NOT within
@pytest.mark.parametrize(
    ("earlier", "later", "within"),
    [
        ("2015-02-28", "2016-02-29", False),
        ("2015-02-28", "2016-02-28", True),
        ("2016-02-29", "2017-02-28", True),
        ("2015-03-01", "2016-02-29", True),
        ("2015-02-27", "2016-02-28", False),
        ("2015-04-01", "2016-04-01", True),  # exactly 12 months
        ("2015-04-01", "2016-04-02", False),  # 12 months and a day
        ("2015-08-31", "2016-08-31", True),
        ("2015-01-31", "2016-01-31", True),
    ],
)
def test_the_month_rule(earlier: str, later: str, within: bool) -> None:
    # one child, two referrals; the period holds only the later one: 1 / 1 when within
    assert totals(refs(("X", earlier), ("X", later)), later, later) == (float(within), 1.0)


def test_twenty_ninth_of_february_worked_example() -> None:
    # Period 2015-04-01 .. 2017-03-31:
    # E: 2015-02-28, 2016-02-29 (in, not within)               -> 0 / 1
    # F: 2015-02-28, 2016-02-28 (in, exactly 12 months)        -> 1 / 1
    # G: 2016-02-29 (in, first), 2017-02-28 (in, within)       -> 1 / 2
    # H: 2015-03-01, 2016-02-29 (in, within)                   -> 1 / 1
    # total 3 / 5
    records = refs(
        ("E", "2015-02-28"),
        ("E", "2016-02-29"),
        ("F", "2015-02-28"),
        ("F", "2016-02-28"),
        ("G", "2016-02-29"),
        ("G", "2017-02-28"),
        ("H", "2015-03-01"),
        ("H", "2016-02-29"),
    )
    assert totals(records, "2015-04-01", "2017-03-31") == (3.0, 5.0)


def test_history_before_the_period_counts() -> None:
    # Period 2015-04-01 .. 2015-09-30. The child was referred on 2014-12-01 (before the
    # period) and on 2015-06-01 (in it): 2015-06-01 <= 2015-12-01, a re-referral -> 1 / 1.
    # Without the earlier referral in the data, the same period gives 0 / 1.
    records = refs(("K", "2014-12-01"), ("K", "2015-06-01"))
    assert totals(records, "2015-04-01", "2015-09-30") == (1.0, 1.0)
    assert totals(records[1:], "2015-04-01", "2015-09-30") == (0.0, 1.0)


def test_same_day_referrals_count_once_and_never_re_refer_each_other() -> None:
    # Three referrals of one child on one day, another child the same day: 0 / 2.
    records = refs(
        ("S", "2015-06-15"), ("S", "2015-06-15"), ("S", "2015-06-15"), ("T", "2015-06-15")
    )
    assert totals(records, "2015-06-01", "2015-06-30") == (0.0, 2.0)
    assert totals(records, "2015-06-01", "2015-06-30", per="child") == (0.0, 2.0)


def test_referrals_ending_in_no_further_action_stay_in() -> None:
    # Both NFA: the second is still a referral, and a re-referral of the first -> 1 / 1.
    records = [
        Referral(referral_id="N1", child_id="N", referral_date=D("2015-01-10"), nfa=True),
        Referral(referral_id="N2", child_id="N", referral_date=D("2015-05-10"), nfa=True),
    ]
    assert totals(records, "2015-04-01", "2016-03-31") == (1.0, 1.0)


def test_a_referral_whose_closure_precedes_it_still_counts() -> None:
    # closure_date before referral_date is a negative interval: the closure date is left out,
    # the referral counts (the indicator does not read closure_date).
    records = refs(("Q", "2014-10-01"), ("Q", "2015-05-01"))
    records[1] = Referral(
        referral_id="R2", child_id="Q", referral_date=D("2015-05-01"), closure_date=D("2015-04-01")
    )
    dataset = make_dataset({"referrals": records})
    assert list(dataset.quality["action"]) == ["field left out"]
    results = run_indicator(REREFERRALS_12M, dataset, start="2015-04-01", end="2016-03-31")
    assert results.frame.loc[0, ["numerator", "denominator"]].tolist() == [1.0, 1.0]


def test_drilldown_lists_each_counted_referral() -> None:
    results = run_indicator(
        REREFERRALS_12M,
        make_dataset({"referrals": YEAR_EXAMPLE}),
        start="2015-04-01",
        end="2016-03-31",
    )
    rows = results.drilldown("national.rereferrals_12m")
    listed = sorted(
        zip(rows["child_id"], rows["date"].dt.date.astype(str), rows["met"], strict=True)
    )
    assert listed == [
        ("A", "2015-05-01", True),
        ("A", "2016-03-31", True),
        ("B", "2015-04-01", False),
        ("C", "2015-04-02", False),
        ("D", "2015-07-01", False),
        ("D", "2015-07-02", True),
        ("E", "2015-09-30", True),
    ]
    # the same-day pair of D is listed once, under the lower id
    assert rows.loc[(rows["child_id"] == "D") & ~rows["met"].astype(bool), "record"].tolist() == [
        "R8"
    ]


# -- an independent reference implementation -----------------------------------------------------


def add_months_by_hand(day: dt.date, months: int) -> dt.date:
    """Calendar months with the day clamped to the month's end (not the library's code)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def reference(
    records: Sequence[Referral], start: dt.date, end: dt.date, per: str
) -> tuple[int, int]:
    """The definition, as a plain loop: (numerator, denominator) for one period."""
    days_of: dict[str, set[dt.date]] = defaultdict(set)
    for r in records:
        days_of[r.child_id].add(r.referral_date)  # one child, one day: counted once
    counted = []
    for child, child_days in days_of.items():
        for day in child_days:
            if start <= day <= end:
                met = any(p < day <= add_months_by_hand(p, 12) for p in child_days)
                counted.append((child, met))
    if per == "referral":
        return sum(met for _, met in counted), len(counted)
    children = {child for child, _ in counted}
    return len({child for child, met in counted if met}), len(children)


def test_the_hand_written_add_months_agrees_on_the_documented_cases() -> None:
    assert add_months_by_hand(D("2016-02-29"), -12) == D("2015-02-28")
    assert add_months_by_hand(D("2015-08-31"), 6) == D("2016-02-29")
    assert add_months_by_hand(D("2015-01-31"), 1) == D("2015-02-28")


@settings(PROPERTY, max_examples=60)
@given(
    records=referrals(max_children=8),
    span=st.one_of(st.just((DEFAULT_START, DEFAULT_END)), period_ranges()),
    every=st.sampled_from(["month", "quarter", None]),
    per=st.sampled_from(["referral", "child"]),
)
def test_agrees_with_the_reference_implementation(
    records: list[Referral], span: tuple[dt.date, dt.date], every: str | None, per: str
) -> None:
    got = figures(records, *span, every=every, per=per)
    for start, end, numerator, denominator, value in got:
        expected = reference(records, D(start), D(end), per)
        assert (numerator, denominator) == expected, (start, end)
        assert value == (None if denominator == 0 else 100.0 * numerator / denominator)


# -- properties ----------------------------------------------------------------------------------


@PROPERTY
@given(first=dates(D("2012-04-01"), D("2015-03-31")))
def test_exactly_twelve_months_is_in_and_a_day_more_is_out(first: dt.date) -> None:
    twelve = add_months_by_hand(first, 12)
    day_more = twelve + dt.timedelta(days=1)
    records = [
        Referral(referral_id="I1", child_id="IN", referral_date=first),
        Referral(referral_id="I2", child_id="IN", referral_date=twelve),
        Referral(referral_id="O1", child_id="OUT", referral_date=first),
        Referral(referral_id="O2", child_id="OUT", referral_date=day_more),
    ]
    assert totals(records[:2], twelve, twelve) == (1.0, 1.0)
    assert totals(records[2:], day_more, day_more) == (0.0, 1.0)
    # and the earlier referral never re-refers to the later one
    assert totals(records, first, first) == (0.0, 2.0)


@settings(PROPERTY, max_examples=15)
@given(records=referrals(max_children=6), span=period_ranges(), data=st.data())
def test_same_day_duplicates_change_nothing(
    records: list[Referral], span: tuple[dt.date, dt.date], data: st.DataObject
) -> None:
    copies = data.draw(st.lists(st.sampled_from(records), min_size=1, max_size=3))
    duplicated = records + [
        Referral(
            referral_id=f"{r.referral_id}-dup{k}",
            child_id=r.child_id,
            referral_date=r.referral_date,
        )
        for k, r in enumerate(copies)
    ]
    for per in ("referral", "child"):
        assert figures(duplicated, *span, per=per) == figures(records, *span, per=per)


@PROPERTY
@given(records=referrals(max_children=6), span=period_ranges())
def test_dropping_history_before_the_period_can_only_lose_re_referrals(
    records: list[Referral], span: tuple[dt.date, dt.date]
) -> None:
    recent = [r for r in records if r.referral_date >= span[0]]
    num_all, den_all = totals(records, *span)
    num_recent, den_recent = totals(recent, *span)
    assert den_recent == den_all
    assert num_recent <= num_all


@PROPERTY
@given(
    pair=referrals(max_children=6).flatmap(
        lambda rs: st.tuples(st.just(rs), shuffled({"referrals": rs}))
    ),
    per=st.sampled_from(["referral", "child"]),
)
def test_shuffling_rows_changes_nothing(
    pair: tuple[list[Referral], dict[str, list[Referral]]], per: str
) -> None:
    records, mixed = pair
    runs = [
        run_indicator(
            REREFERRALS_12M,
            make_dataset(history),
            start="2013-04-01",
            end="2016-03-31",
            every="quarter",
            params={"per": per},
        )
        for history in ({"referrals": records}, mixed)
    ]
    pd.testing.assert_frame_equal(runs[0].frame, runs[1].frame)
    lists = [
        r.drilldown(REREFERRALS_12M.id)
        .drop(columns=["_row"], errors="ignore")
        .sort_values(["period", "child_id", "date"], kind="stable")
        .reset_index(drop=True)
        for r in runs
    ]
    pd.testing.assert_frame_equal(lists[0], lists[1])


@settings(PROPERTY, max_examples=15)
@given(
    parts=referrals(max_children=8).flatmap(lambda rs: split_children({"referrals": rs})),
    span=period_ranges(),
    per=st.sampled_from(["referral", "child"]),
)
def test_disjoint_children_add_up(
    parts: tuple[dict[str, list[Referral]], dict[str, list[Referral]]],
    span: tuple[dt.date, dt.date],
    per: str,
) -> None:
    left, right = parts[0]["referrals"], parts[1]["referrals"]
    whole = figures(left + right, *span, every="month", per=per)
    a = figures(left, *span, every="month", per=per)
    b = figures(right, *span, every="month", per=per)
    for w, x, y in zip(whole, a, b, strict=True):
        assert w[2] == x[2] + y[2] and w[3] == x[3] + y[3]


@PROPERTY
@given(records=referrals(max_children=8), span=period_ranges())
def test_per_child_counts_children(records: list[Referral], span: tuple[dt.date, dt.date]) -> None:
    num_child, den_child = totals(records, *span, per="child")
    num_ref, den_ref = totals(records, *span, per="referral")
    assert den_child <= den_ref
    in_period = {r.child_id for r in records if span[0] <= r.referral_date <= span[1]}
    assert den_child == len(in_period)
    assert num_child <= num_ref and num_child <= den_child
    assert (num_child > 0) == (num_ref > 0)


@PROPERTY
@given(records=referrals(max_children=8), year=st.sampled_from([2012, 2013, 2014, 2015]))
def test_months_add_up_to_the_year(records: list[Referral], year: int) -> None:
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    months = figures(records, start, end, every="month")
    assert len(months) == 12
    num, den = totals(records, start, end)
    assert sum(m[2] for m in months) == num
    assert sum(m[3] for m in months) == den


# -- through the command line --------------------------------------------------------------------


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "dataset"
    folder.mkdir()
    rows = ["referral_id,child_id,referral_date"] + [
        f"{r.referral_id},{r.child_id},{r.referral_date.isoformat()}" for r in YEAR_EXAMPLE
    ]
    (folder / "referrals.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = main(
        [
            "calculate",
            str(folder),
            "--start",
            "2015-04-01",
            "--end",
            "2015-07-31",
            "--every",
            "month",
            "--indicator",
            "national.rereferrals_12m",
            "--format",
            "json",
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    payload = [row for row in json.loads(out) if row["window"] == "period"]  # not ytd
    assert [
        {
            k: row[k]
            for k in (
                "indicator",
                "period_start",
                "period_end",
                "numerator",
                "denominator",
                "value",
                "unit",
                "status",
            )
        }
        for row in payload
    ] == [
        # by hand, as in test_worked_example_by_month
        {
            "indicator": "national.rereferrals_12m",
            "period_start": "2015-04-01",
            "period_end": "2015-04-30",
            "numerator": 0,
            "denominator": 2,
            "value": 0,
            "unit": "%",
            "status": "ok",
        },
        {
            "indicator": "national.rereferrals_12m",
            "period_start": "2015-05-01",
            "period_end": "2015-05-31",
            "numerator": 1,
            "denominator": 1,
            "value": 100,
            "unit": "%",
            "status": "ok",
        },
        {
            "indicator": "national.rereferrals_12m",
            "period_start": "2015-06-01",
            "period_end": "2015-06-30",
            "numerator": 0,
            "denominator": 0,
            "value": None,
            "unit": "%",
            "status": "ok",
        },
        {
            "indicator": "national.rereferrals_12m",
            "period_start": "2015-07-01",
            "period_end": "2015-07-31",
            "numerator": 1,
            "denominator": 2,
            "value": 50,
            "unit": "%",
            "status": "ok",
        },
    ]
