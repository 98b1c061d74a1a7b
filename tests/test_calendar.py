"""Tests for safeguarding_metrics.calendar: working days, add_months, periods."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime
import itertools
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguarding_metrics.calendar import (
    WORKING_DAY_YEARS,
    Period,
    add_days,
    add_months,
    add_working_days,
    as_days,
    bank_holidays,
    business_calendar,
    collection_year,
    financial_year_label,
    financial_year_start,
    is_working_day,
    periods,
    wd,
    wd_inclusive,
    window_start,
)

# The England and Wales bank holidays listed in the indicator reference (gov.uk), 2012 to 2017.
SPEC_HOLIDAYS_2012_2017 = [
    "2012-01-02", "2012-04-06", "2012-04-09", "2012-05-07", "2012-06-04", "2012-06-05",
    "2012-08-27", "2012-12-25", "2012-12-26",
    "2013-01-01", "2013-03-29", "2013-04-01", "2013-05-06", "2013-05-27", "2013-08-26",
    "2013-12-25", "2013-12-26",
    "2014-01-01", "2014-04-18", "2014-04-21", "2014-05-05", "2014-05-26", "2014-08-25",
    "2014-12-25", "2014-12-26",
    "2015-01-01", "2015-04-03", "2015-04-06", "2015-05-04", "2015-05-25", "2015-08-31",
    "2015-12-25", "2015-12-28",
    "2016-01-01", "2016-03-25", "2016-03-28", "2016-05-02", "2016-05-30", "2016-08-29",
    "2016-12-26", "2016-12-27",
    "2017-01-02", "2017-04-14", "2017-04-17", "2017-05-01", "2017-05-29", "2017-08-28",
    "2017-12-25", "2017-12-26",
]  # fmt: skip
SPEC_ONE_OFFS = ["2020-05-08", "2022-06-02", "2022-06-03", "2022-09-19", "2023-05-08"]

# Inside WORKING_DAY_YEARS, with room for a few years of arithmetic either side.
days = st.dates(min_value=date(1952, 1, 1), max_value=date(2098, 12, 31))
month_counts = st.integers(min_value=-600, max_value=600)


def d64(text: str) -> np.datetime64:
    return np.datetime64(text, "D")


def brute_wd(a: date, b: date) -> int:
    """Working days D with a < D <= b, counted one day at a time (a <= b)."""
    holidays = set(bank_holidays().tolist())
    span = (b - a).days
    return sum(
        1
        for i in range(1, span + 1)
        if (a + datetime.timedelta(days=i)).weekday() < 5
        and a + datetime.timedelta(days=i) not in holidays
    )


def brute_add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, stdlib_calendar.monthrange(year, month)[1]))


# --- bank holidays ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", SPEC_HOLIDAYS_2012_2017 + SPEC_ONE_OFFS)
def test_spec_bank_holiday_is_not_a_working_day(day):
    assert is_working_day(day) is False
    assert d64(day) in set(bank_holidays())


def test_weekday_bank_holidays_2012_2017_are_exactly_the_spec_list():
    holidays = bank_holidays()
    in_span = holidays[(holidays >= d64("2012-01-01")) & (holidays <= d64("2017-12-31"))]
    weekdays = in_span[np.is_busday(in_span, weekmask="1111100")]
    assert weekdays.tolist() == [date.fromisoformat(d) for d in SPEC_HOLIDAYS_2012_2017]


def test_bank_holidays_sorted_unique_weekdays_read_only_and_cached():
    holidays = bank_holidays()
    assert holidays.dtype == np.dtype("datetime64[D]")
    assert np.all(np.diff(holidays).astype(int) > 0)
    assert np.all(np.is_busday(holidays, weekmask="1111100"))
    assert holidays[0] >= d64(f"{WORKING_DAY_YEARS[0]}-01-01")
    assert holidays[-1] <= d64(f"{WORKING_DAY_YEARS[1]}-12-31")
    assert bank_holidays() is holidays
    with pytest.raises(ValueError):
        holidays[0] = d64("2000-01-01")


def test_bank_holidays_for_some_years_and_bad_range():
    assert bank_holidays(2015, 2015).tolist() == [
        date.fromisoformat(d) for d in SPEC_HOLIDAYS_2012_2017 if d.startswith("2015")
    ]
    with pytest.raises(ValueError, match="first_year <= last_year"):
        bank_holidays(2016, 2015)


def test_business_calendar():
    cal = business_calendar()
    assert cal is business_calendar()
    assert cal.weekmask.tolist() == [True] * 5 + [False] * 2
    assert np.array_equal(cal.holidays, bank_holidays())


def test_is_working_day():
    assert is_working_day("2015-12-29") is True
    assert is_working_day(date(2015, 12, 26)) is False  # Saturday
    assert is_working_day(np.datetime64("2015-12-28")) is False  # Boxing Day substitute
    got = is_working_day(["2015-12-24", "2015-12-25", None])
    assert isinstance(got, np.ndarray)
    assert got.tolist() == [True, False, False]


# --- wd and wd_inclusive ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Easter 2015: Good Friday 04-03, Easter Monday 04-06.
        ("2015-04-02", "2015-04-03", 0),
        ("2015-04-02", "2015-04-06", 0),
        ("2015-04-02", "2015-04-07", 1),
        ("2015-04-01", "2015-04-10", 5),  # 04-02, 04-07, 04-08, 04-09, 04-10
        ("2015-04-03", "2015-04-07", 1),  # from a holiday
        # Christmas 2015: 12-25 Friday; Boxing Day on Saturday, substitute Monday 12-28.
        ("2015-12-24", "2015-12-28", 0),
        ("2015-12-24", "2015-12-29", 1),  # only Tuesday 12-29 is worked
        ("2015-12-23", "2016-01-04", 5),  # 12-24, 12-29, 12-30, 12-31, 01-04
        ("2015-12-26", "2015-12-29", 1),  # from a Saturday
        # Ordinary weeks.
        ("2015-06-01", "2015-06-01", 0),
        ("2015-06-05", "2015-06-08", 1),  # Friday to Monday
        ("2015-06-01", "2015-06-08", 5),
        ("2015-06-08", "2015-06-01", -5),  # backwards: minus the working days in (b, a]
        ("2015-06-06", "2015-06-01", -4),  # Saturday back to Monday: 06-02 .. 06-05
        ("2015-12-29", "2015-12-24", -1),
    ],
)
def test_wd_hand_computed(a, b, expected):
    got = wd(a, b)
    assert type(got) is int
    assert got == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2015-12-24", "2015-12-29", 2),  # Thursday 12-24 counted, then 12-29
        ("2015-12-25", "2015-12-29", 1),  # a holiday start is not counted
        ("2015-06-01", "2015-06-01", 1),
        ("2015-06-06", "2015-06-06", 0),  # Saturday
        ("2015-04-01", "2015-04-10", 6),
        ("2015-06-02", "2015-06-01", 0),  # the day before
        ("2015-06-03", "2015-06-01", -1),  # minus the working days in [b + 1, a - 1]
    ],
)
def test_wd_inclusive_hand_computed(a, b, expected):
    assert wd_inclusive(a, b) == expected


def test_wd_vectorised_broadcasts_and_returns_int64():
    starts = pd.Series(pd.to_datetime(["2015-12-24", "2015-04-01", "2015-06-05"]))
    got = wd(starts, "2015-12-29")
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.int64
    assert got.tolist() == [wd(s, "2015-12-29") for s in starts]
    grid = wd(np.array(["2015-12-24", "2015-12-23"])[:, None], ["2015-12-29", "2016-01-04"])
    assert grid.tolist() == [[1, 4], [2, 5]]
    assert wd([], []).tolist() == []


@pytest.mark.parametrize("missing", [None, np.nan, pd.NaT, np.datetime64("NaT"), ""])
@pytest.mark.parametrize("func", [wd, wd_inclusive])
def test_wd_refuses_missing_dates_without_echoing_values(func, missing):
    name = func.__name__
    with pytest.raises(ValueError, match=rf"{name}\(\) needs both dates") as scalar_error:
        func("2015-04-01", missing)
    with pytest.raises(ValueError, match="leave out records with a missing date") as array_error:
        func(["2015-04-01", missing], "2015-04-02")
    assert "2015" not in str(scalar_error.value) + str(array_error.value)


@given(days)
def test_wd_same_day_is_zero(a):
    assert wd(a, a) == 0


@given(days, days, days)
def test_wd_is_additive(a, b, c):
    assert wd(a, b) + wd(b, c) == wd(a, c)
    assert wd(b, a) == -wd(a, b)


@given(days, st.integers(min_value=0, max_value=40))
def test_wd_matches_day_by_day_count(a, span):
    b = a + datetime.timedelta(days=span)
    assert wd(a, b) == brute_wd(a, b)


@given(days, st.integers(min_value=0, max_value=40))
def test_wd_backwards_is_minus_the_forward_count(a, span):
    b = a + datetime.timedelta(days=span)
    assert wd(b, a) == -brute_wd(a, b)


@given(days, days)
def test_wd_inclusive_counts_the_start_day(a, b):
    assert wd_inclusive(a, b) == wd(a, b) + (1 if is_working_day(a) else 0)


@given(st.lists(st.tuples(days, days), min_size=1, max_size=20))
def test_wd_vectorised_equals_scalar(pairs):
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    assert wd(a, b).tolist() == [wd(x, y) for x, y in pairs]
    assert wd_inclusive(a, b).tolist() == [wd_inclusive(x, y) for x, y in pairs]


# --- add_working_days -------------------------------------------------------------------------


def test_add_working_days_examples():
    assert add_working_days("2015-12-24", 1) == d64("2015-12-29")
    assert add_working_days("2015-12-26", 1) == d64("2015-12-29")  # from a Saturday
    assert add_working_days("2015-12-28", 1) == d64("2015-12-29")  # from a holiday
    assert add_working_days("2015-04-02", 2) == d64("2015-04-08")
    assert add_working_days("2015-06-01", 20) == d64("2015-06-29")
    got = add_working_days(["2015-12-24", None], [1, 2])
    assert isinstance(got, np.ndarray)
    assert got[0] == d64("2015-12-29")
    assert np.isnat(got[1])
    assert np.isnat(add_working_days(None, 3))


@pytest.mark.parametrize("n", [0, -1, [1, 0]])
def test_add_working_days_needs_n_at_least_one(n):
    with pytest.raises(ValueError, match="n >= 1"):
        add_working_days("2015-06-01", n)


@given(days, st.integers(min_value=1, max_value=400))
def test_add_working_days_is_the_nth_working_day_after(a, n):
    due = add_working_days(a, n)
    assert wd(a, due) == n
    assert is_working_day(due)
    assert wd(a, due - np.timedelta64(1, "D")) == n - 1


# --- add_months and the one rule for months ---------------------------------------------------


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        ("2016-02-29", -12, "2015-02-28"),
        ("2015-08-31", 6, "2016-02-29"),
        ("2012-02-29", 24, "2014-02-28"),
        ("2015-02-28", 12, "2016-02-28"),
        ("2015-01-31", 1, "2015-02-28"),
        ("2015-03-31", -1, "2015-02-28"),
        ("2015-04-30", 1, "2015-05-30"),
        ("2015-12-15", 1, "2016-01-15"),
        ("2016-01-15", -1, "2015-12-15"),
        ("2015-05-31", 0, "2015-05-31"),
        ("1969-12-31", 2, "1970-02-28"),
    ],
)
def test_add_months_examples(d, n, expected):
    assert add_months(d, n) == d64(expected)


def test_month_rule_examples_from_the_spec():
    # A plan started 2012-02-29 has lasted 24 months on 2014-02-28.
    assert add_months("2012-02-29", 24) <= d64("2014-02-28")
    # A referral on 2016-02-29 is not within 12 months after one on 2015-02-28.
    assert add_months("2015-02-28", 12) == d64("2016-02-28")
    assert not d64("2016-02-29") <= add_months("2015-02-28", 12)


def test_add_months_vectorised_and_nat():
    got = add_months(["2015-01-31", None, "2016-02-29"], np.array([1, 5, -12]))
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.dtype("datetime64[D]")
    assert got[0] == d64("2015-02-28")
    assert np.isnat(got[1])
    assert got[2] == d64("2015-02-28")
    assert add_months("2015-01-31", [1, 2, 3]).tolist() == [
        date(2015, 2, 28),
        date(2015, 3, 31),
        date(2015, 4, 30),
    ]
    assert np.isnat(add_months(None, 3))
    with pytest.raises(TypeError, match="whole numbers"):
        add_months("2015-01-31", 1.5)


@given(days, month_counts)
def test_add_months_matches_day_clamped_month_arithmetic(d, n):
    assert add_months(d, n) == np.datetime64(brute_add_months(d, n), "D")


@given(days, month_counts)
def test_add_months_round_trip(d, n):
    back = add_months(add_months(d, n), -n)
    assert back <= np.datetime64(d, "D")
    if d.day <= 28:
        assert back == np.datetime64(d, "D")


@given(days, days, month_counts)
def test_add_months_monotone_in_d(a, b, n):
    lo, hi = min(a, b), max(a, b)
    assert add_months(lo, n) <= add_months(hi, n)


@given(st.lists(st.tuples(days, month_counts), min_size=1, max_size=20))
def test_add_months_vectorised_equals_scalar(pairs):
    ds = np.array([p[0] for p in pairs], dtype="datetime64[D]")
    ns = np.array([p[1] for p in pairs])
    assert add_months(ds, ns).tolist() == [add_months(d, n) for d, n in pairs]


def test_add_days():
    assert add_days("2016-02-28", 1) == d64("2016-02-29")
    assert add_days(date(2016, 3, 1), -1) == d64("2016-02-29")
    assert add_days(["2015-01-01", None], 7)[0] == d64("2015-01-08")
    assert np.isnat(add_days(None, 1))
    assert add_days("2015-01-01", [0, 31]).tolist() == [date(2015, 1, 1), date(2015, 2, 1)]


# --- financial years --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "start", "label", "year"),
    [
        ("2015-04-01", "2015-04-01", "2015-16", 2016),
        ("2016-03-31", "2015-04-01", "2015-16", 2016),
        ("2016-04-01", "2016-04-01", "2016-17", 2017),
        ("2015-01-15", "2014-04-01", "2014-15", 2015),
        ("1999-12-31", "1999-04-01", "1999-00", 2000),
    ],
)
def test_financial_year(d, start, label, year):
    assert financial_year_start(d) == d64(start)
    assert financial_year_label(d) == label
    assert collection_year(d) == year
    assert type(collection_year(d)) is int


def test_financial_year_start_vectorised_and_nat():
    got = financial_year_start(["2016-03-31", None, "2016-04-01"])
    assert got[0] == d64("2015-04-01")
    assert np.isnat(got[1])
    assert got[2] == d64("2016-04-01")


@given(days)
def test_financial_year_start_properties(d):
    start = financial_year_start(d)
    assert start <= np.datetime64(d, "D") < add_months(start, 12)
    first = start.item()
    assert (first.month, first.day) == (4, 1)
    assert collection_year(d) == first.year + 1


def test_scalar_only_financial_year_functions_refuse_arrays_and_missing():
    with pytest.raises(TypeError, match="one date"):
        collection_year(["2015-04-01"])
    with pytest.raises(ValueError, match="missing"):
        financial_year_label(None)


# --- as_days ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        date(2015, 4, 1),
        datetime.datetime(2015, 4, 1, 23, 59),
        pd.Timestamp("2015-04-01 10:00"),
        pd.Timestamp("2015-04-01 10:00", tz="Europe/London"),
        "2015-04-01",
        " 2015-04-01 ",
        "2015-04-01T10:30",
        np.datetime64("2015-04-01"),
        np.datetime64("2015-04-01T10:30:00.123456789"),
        np.array("2015-04-01", dtype="datetime64[D]"),
    ],
)
def test_as_days_scalars(value):
    got = as_days(value)
    assert isinstance(got, np.datetime64)
    assert got.dtype == np.dtype("datetime64[D]")
    assert got == d64("2015-04-01")


@pytest.mark.parametrize("missing", [None, np.nan, float("nan"), pd.NaT, pd.NA, "", "NaT"])
def test_as_days_missing_is_nat(missing):
    assert np.isnat(as_days(missing))
    assert np.isnat(as_days([missing, "2015-04-01"])[0])


@pytest.mark.parametrize(
    "values",
    [
        ["2015-04-01", "2015-12-31"],
        [date(2015, 4, 1), "2015-12-31"],
        np.array(["2015-04-01", "2015-12-31"]),
        np.array(["2015-04-01", "2015-12-31"], dtype="datetime64[ns]"),
        pd.Series(["2015-04-01", "2015-12-31"]),
        pd.Series(pd.to_datetime(["2015-04-01", "2015-12-31"])),
        pd.Series(pd.to_datetime(["2015-04-01 23:30", "2015-12-31 00:00"]).tz_localize("UTC")),
        pd.DatetimeIndex(["2015-04-01", "2015-12-31"]),
        pd.Series([date(2015, 4, 1), date(2015, 12, 31)], dtype=object),
        pd.Series([date(2015, 4, 1), date(2015, 12, 31)], dtype="date32[pyarrow]"),
        pd.array(["2015-04-01", "2015-12-31"], dtype="string"),
        pd.Series(["2015-04-01", "2015-12-31"], dtype="category"),
        ("2015-04-01", np.datetime64("2015-12-31")),
    ],
)
def test_as_days_arrays(values):
    got = as_days(values)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.dtype("datetime64[D]")
    assert got.tolist() == [date(2015, 4, 1), date(2015, 12, 31)]


def test_as_days_keeps_shape_and_handles_empty():
    grid = as_days(np.array([["2015-04-01", ""], ["2016-02-29", "2016-03-01"]], dtype=object))
    assert grid.shape == (2, 2)
    assert np.isnat(grid[0, 1])
    assert as_days([]).shape == (0,)
    assert np.isnat(as_days([None, np.nan])).all()


@pytest.mark.parametrize("text", ["01/04/2015", "2015-13-01", "not a date"])
def test_as_days_refuses_non_iso_text_without_echoing_it(text):
    with pytest.raises(ValueError, match="ISO 8601") as error:
        as_days(text)
    assert text not in str(error.value)
    with pytest.raises(ValueError, match="ISO 8601"):
        as_days(["2015-04-01", text])


@pytest.mark.parametrize("value", [20150401, 1.5, [1, 2], np.array([1.5]), object()])
def test_as_days_refuses_numbers_and_objects(value):
    with pytest.raises(TypeError, match="expected"):
        as_days(value)


# --- Period -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2015-04-01", "2015-04-30", "2015-04"),
        ("2016-02-01", "2016-02-29", "2016-02"),
        ("2015-04-01", "2015-06-30", "2015-16 Q1"),
        ("2015-07-01", "2015-09-30", "2015-16 Q2"),
        ("2015-10-01", "2015-12-31", "2015-16 Q3"),
        ("2016-01-01", "2016-03-31", "2015-16 Q4"),
        ("2015-04-01", "2016-03-31", "2015-16"),
        ("2015-01-01", "2015-12-31", "2015-01-01..2015-12-31"),
        ("2015-05-01", "2015-07-31", "2015-05-01..2015-07-31"),
        ("2015-04-01", "2015-06-29", "2015-04-01..2015-06-29"),
        ("2015-04-02", "2015-04-30", "2015-04-02..2015-04-30"),
        ("2015-04-01", "2015-04-01", "2015-04-01..2015-04-01"),
    ],
)
def test_period_labels(start, end, label):
    assert Period.of(start, end).label == label
    assert Period(date.fromisoformat(start), date.fromisoformat(end)).label == label


def test_period_fields_and_methods():
    p = Period.of("2015-04-01", date(2015, 6, 30))
    assert p.start == date(2015, 4, 1)
    assert type(p.start) is date
    assert p.end == date(2015, 6, 30)
    assert p.days == 91
    assert p.bounds() == (d64("2015-04-01"), d64("2015-06-30"))
    assert p.contains("2015-04-01") is True
    assert p.contains(date(2015, 6, 30)) is True
    assert p.contains("2015-07-01") is False
    assert p.contains(None) is False
    assert p.contains(["2015-03-31", "2015-05-01", None]).tolist() == [False, True, False]
    assert Period.of("2015-04-01", "2015-04-01").days == 1
    assert Period(datetime.datetime(2015, 4, 1, 9), "2015-04-30").start == date(2015, 4, 1)
    assert Period("2015-04-01", "2015-04-30", label="April").label == "April"
    assert p == Period.of("2015-04-01", "2015-06-30")
    assert sorted([Period.of("2015-05-01", "2015-05-31"), p])[0] == p
    assert len({p, Period.of("2015-04-01", "2015-06-30")}) == 1


def test_period_is_frozen():
    p = Period.of("2015-04-01", "2015-06-30")
    with pytest.raises(AttributeError):
        p.end = date(2015, 7, 1)  # type: ignore[misc]


def test_period_refuses_end_before_start_and_missing_days():
    with pytest.raises(ValueError, match="end >= start"):
        Period.of("2015-04-02", "2015-04-01")
    with pytest.raises(ValueError, match="missing"):
        Period.of(None, "2015-04-01")


# --- periods ----------------------------------------------------------------------------------


def test_periods_none_is_the_range():
    assert periods("2015-04-01", "2016-03-31") == (Period.of("2015-04-01", "2016-03-31"),)
    assert periods("2015-04-01", "2016-03-31")[0].label == "2015-16"


def test_periods_months_clipped():
    got = periods("2015-04-15", "2015-06-10", "month")
    assert [(p.start, p.end, p.label) for p in got] == [
        (date(2015, 4, 15), date(2015, 4, 30), "2015-04-15..2015-04-30"),
        (date(2015, 5, 1), date(2015, 5, 31), "2015-05"),
        (date(2015, 6, 1), date(2015, 6, 10), "2015-06-01..2015-06-10"),
    ]
    assert [p.label for p in periods("2015-04-01", "2016-03-31", "month")] == [
        "2015-04", "2015-05", "2015-06", "2015-07", "2015-08", "2015-09",
        "2015-10", "2015-11", "2015-12", "2016-01", "2016-02", "2016-03",
    ]  # fmt: skip
    assert periods("2015-04-10", "2015-04-20", "month") == (Period.of("2015-04-10", "2015-04-20"),)


def test_periods_quarters_and_years_aligned_to_april():
    assert [p.label for p in periods("2015-04-01", "2016-03-31", "quarter")] == [
        "2015-16 Q1",
        "2015-16 Q2",
        "2015-16 Q3",
        "2015-16 Q4",
    ]
    got = periods("2015-02-15", "2015-08-20", "quarter")
    assert [(p.start, p.end) for p in got] == [
        (date(2015, 2, 15), date(2015, 3, 31)),
        (date(2015, 4, 1), date(2015, 6, 30)),
        (date(2015, 7, 1), date(2015, 8, 20)),
    ]
    assert [p.label for p in periods("2014-01-01", "2016-12-31", "year")] == [
        "2013-14 Q4",  # clipped to a whole financial quarter, labelled as one
        "2014-15",
        "2015-16",
        "2016-04-01..2016-12-31",
    ]
    assert [p.label for p in periods("2015-04-01", "2015-04-01", "year")] == [
        "2015-04-01..2015-04-01"
    ]


def test_periods_errors():
    with pytest.raises(ValueError, match="start <= end"):
        periods("2016-04-01", "2016-03-31")
    with pytest.raises(ValueError, match="None, 'month', 'quarter', 'year'; got 'week'"):
        periods("2015-04-01", "2016-03-31", "week")
    with pytest.raises(ValueError, match="got 'Month'"):
        periods("2015-04-01", "2016-03-31", "Month")


@given(
    days, st.integers(min_value=0, max_value=2000), st.sampled_from(["month", "quarter", "year"])
)
def test_periods_partition_the_range(start, span, every):
    end = start + datetime.timedelta(days=span)
    got = periods(start, end, every)
    assert got[0].start == start
    assert got[-1].end == end
    for before, after in itertools.pairwise(got):
        assert after.start == before.end + datetime.timedelta(days=1)
    assert sum(p.days for p in got) == span + 1
    size = {"month": 1, "quarter": 3, "year": 12}[every]

    def block(d: date) -> tuple[int, int]:
        """The month, financial quarter or financial year a day is in."""
        return collection_year(d), (d.month - 4) % 12 // size

    for p in got:
        assert block(p.start) == block(p.end)
    for before, after in itertools.pairwise(got):
        assert block(before.end) < block(after.start)
        # Only the first and last periods may be clipped: the others are whole blocks.
        assert after.start.day == 1
        assert (after.start.month - 4) % size == 0


# --- window_start -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "window", "expected"),
    [
        ("2016-03-31", "ytd", date(2015, 4, 1)),
        ("2016-03-31", "rolling12", date(2015, 4, 1)),
        ("2015-04-30", "ytd", date(2015, 4, 1)),
        ("2015-04-30", "rolling12", date(2014, 5, 1)),
        ("2016-02-29", "rolling12", date(2015, 3, 1)),
        ("2017-02-28", "rolling12", date(2016, 2, 29)),
        ("2016-04-01", "ytd", date(2016, 4, 1)),
    ],
)
def test_window_start(end, window, expected):
    got = window_start(end, window)
    assert type(got) is date
    assert got == expected


def test_window_start_errors():
    with pytest.raises(ValueError, match="period's own start"):
        window_start("2016-03-31", "period")
    with pytest.raises(ValueError, match="'ytd', 'rolling12'; got 'rolling'"):
        window_start("2016-03-31", "rolling")


@given(days)
def test_rolling12_is_twelve_months(end):
    # the window holds exactly the days d with add_months(end, -12) < d <= end
    start = np.datetime64(window_start(end, "rolling12"), "D")
    assert start - np.timedelta64(1, "D") == add_months(end, -12)
    assert start <= np.datetime64(end, "D")


def test_rolling12_from_a_leap_day() -> None:
    # 12 months to 28 February 2001 start on 29 February 2000 (the day after 2000-02-28);
    # counting forward from that start clamps back to the end: add_months is not invertible
    assert window_start("2001-02-28", "rolling12") == datetime.date(2000, 2, 29)
    assert add_months(np.datetime64("2000-02-29"), 12) == np.datetime64("2001-02-28")


def test_array_forms_are_one_dimensional_and_keep_nat() -> None:
    from safeguarding_metrics.calendar import days_after, months_after, working_days_after

    days = np.array(["2015-08-31", "NaT"], dtype="datetime64[D]")
    assert months_after(days, 6).tolist() == [datetime.date(2016, 2, 29), None]
    assert days_after(days, 1).tolist() == [datetime.date(2015, 9, 1), None]
    assert working_days_after(days, 1).tolist() == [datetime.date(2015, 9, 1), None]
    # a scalar gives a one-element array; empty in, empty out
    assert months_after(datetime.date(2016, 2, 29), -12).tolist() == [datetime.date(2015, 2, 28)]
    empty = np.array([], dtype="datetime64[D]")
    for function in (months_after, days_after, working_days_after):
        out = function(empty, 1)
        assert out.shape == (0,) and out.dtype == np.dtype("datetime64[D]")
