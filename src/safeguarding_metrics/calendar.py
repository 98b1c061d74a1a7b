"""Working days, calendar months and reporting periods.

The day arithmetic every indicator shares, defined once (see *Terms used in every definition* in
the indicator reference):

- **working days**: Monday to Friday except England and Wales bank holidays, as gov.uk lists
  them (substitute days and one-off holidays included);
- ``wd(a, b)``: elapsed working days, the working days ``D`` with ``a < D <= b``;
- ``add_months(d, n)``: calendar-month arithmetic, the day clamped to the month's end, on which
  the one rule for months rests (``d <= add_months(a, n)`` is *within n months after* ``a``);
- the financial (collection) year, 1 April to 31 March, and the reporting periods and windows
  built from calendar months, financial quarters and financial years.

Every function works on one day or on many at once: dates become ``numpy.datetime64[D]``
(see `as_days`) and the arithmetic is numpy's, so indicators never loop over rows. A scalar in
gives a scalar out; anything array-like gives a numpy array (the pandas index is not kept).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from typing import Any, TypeAlias

import attrs
import numpy as np
import pandas as pd

__all__ = [
    "WORKING_DAY_YEARS",
    "Period",
    "add_days",
    "add_months",
    "add_working_days",
    "as_days",
    "bank_holidays",
    "business_calendar",
    "collection_year",
    "days_after",
    "financial_year_label",
    "financial_year_start",
    "is_working_day",
    "months_after",
    "periods",
    "wd",
    "wd_inclusive",
    "window_start",
    "working_days_after",
]

#: First and last year (inclusive) for which bank holidays are computed. Outside this span only
#: Saturdays and Sundays are non-working days.
WORKING_DAY_YEARS = (1950, 2100)

#: One day: a date-like scalar (``None``, NaN and NaT are a missing day).
DateLike: TypeAlias = datetime.date | str | np.datetime64 | float | None
#: One day or many.
Dates: TypeAlias = DateLike | Sequence[Any] | np.ndarray | pd.Series | pd.Index
#: A whole number, or many.
Ints: TypeAlias = int | np.integer | Sequence[int] | np.ndarray | pd.Series

_DAY = np.timedelta64(1, "D")
_NAT = np.datetime64("NaT", "D")
_EVERY = {"month": 1, "quarter": 3, "year": 12}
_WINDOWS = ("ytd", "rolling12")


# --- bank holidays and the working-day calendar ---------------------------------------------


@functools.cache
def bank_holidays(first_year: int = 1950, last_year: int = 2100) -> np.ndarray:
    """England and Wales bank holidays from `first_year` to `last_year`.

    Parameters
    ----------
    first_year, last_year : int
        First and last calendar year, both included [year].

    Returns
    -------
    numpy.ndarray
        Sorted, unique ``datetime64[D]`` days, read-only (the result is cached and shared).

    Notes
    -----
    Taken from ``holidays.country_holidays("GB", subdiv="ENG")``, which follows the gov.uk
    calendar: substitute days (Boxing Day 2015 fell on a Saturday, so Monday 2015-12-28 is the
    holiday) and one-off holidays (2020-05-08, 2022-06-02, 2022-06-03, 2022-09-19, 2023-05-08)
    are included. Only Monday to Friday days are returned: a holiday falling on a weekend is
    not a bank holiday in the gov.uk list, its substitute day is. Years not yet announced are
    projected by the ``holidays`` package from the usual rules, so a future one-off holiday
    appears only once the package knows it.

    References
    ----------
    gov.uk, *Bank holidays* (England and Wales), https://www.gov.uk/bank-holidays, the calendar
    the DfE uses for working-day timescales.
    """
    import holidays  # here, not at the top: only needed once, to fill the cache

    if first_year > last_year:
        raise ValueError(
            f"bank_holidays() needs first_year <= last_year; got {first_year} > {last_year}"
        )
    known = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    days = np.unique(np.array(sorted(known), dtype="datetime64[D]"))
    days = days[np.is_busday(days, weekmask="1111100")]
    days.flags.writeable = False
    return days


@functools.cache
def business_calendar() -> np.busdaycalendar:
    """The working-day calendar: Monday to Friday minus England and Wales bank holidays.

    Returns
    -------
    numpy.busdaycalendar
        Weekmask ``1111100`` with the holidays of `bank_holidays` over `WORKING_DAY_YEARS`;
        cached.

    Notes
    -----
    Pass it as ``busdaycal=`` to ``numpy.busday_count``, ``busday_offset`` and ``is_busday``.
    Outside `WORKING_DAY_YEARS` only weekends are non-working days.

    References
    ----------
    gov.uk, *Bank holidays* (England and Wales), https://www.gov.uk/bank-holidays.
    """
    return np.busdaycalendar(weekmask="1111100", holidays=bank_holidays(*WORKING_DAY_YEARS))


# --- conversion -------------------------------------------------------------------------------


def as_days(x: Dates) -> np.datetime64 | np.ndarray:
    """Convert dates to ``numpy.datetime64[D]``.

    Parameters
    ----------
    x : date-like or array-like of date-like
        A ``datetime.date``, ``datetime.datetime`` or ``pandas.Timestamp`` (its wall-clock day,
        also when timezone-aware), ISO 8601 text (``"2015-04-01"``, surrounding spaces ignored),
        a ``numpy.datetime64``; or a list, tuple, ``numpy.ndarray``, ``pandas.Series`` or
        ``pandas.Index`` of those.

    Returns
    -------
    numpy.datetime64 or numpy.ndarray
        A scalar ``datetime64[D]`` for scalar input, else an ndarray of ``datetime64[D]`` of the
        same shape (the pandas index is dropped). Times of day are truncated to the day.

    Raises
    ------
    ValueError
        Text that is not an ISO 8601 date. The message never repeats the value.
    TypeError
        Numbers (an integer is not a date: no epoch is guessed) or other objects.

    Notes
    -----
    ``None``, ``NaN``, ``NaT``, ``pandas.NA`` and empty text are a missing day, ``NaT``.
    ``dd/mm/yyyy`` text is refused, not guessed: the importers convert it when the data are
    read. Reduced ISO forms read as the first day (``"2015-04"`` is 2015-04-01).
    """
    many = isinstance(x, list | tuple | pd.Series | pd.Index | pd.api.extensions.ExtensionArray)
    if not many and not (isinstance(x, np.ndarray) and x.ndim > 0):
        return _day(x)
    if isinstance(x, pd.DatetimeIndex) and x.tz is not None:
        x = x.tz_localize(None)
    elif isinstance(x, pd.Series) and isinstance(x.dtype, pd.DatetimeTZDtype):
        x = x.dt.tz_localize(None)
    return _days_array(np.asarray(x))


def _day(x: Any) -> np.datetime64:
    """One day as a ``datetime64[D]`` scalar (see `as_days`)."""
    if isinstance(x, np.ndarray):
        x = x[()]
    if x is None or x is pd.NaT or x is pd.NA:
        return _NAT
    if isinstance(x, np.datetime64):
        return x.astype("datetime64[D]")
    if isinstance(x, datetime.datetime):
        return np.datetime64(x.date(), "D")
    if isinstance(x, datetime.date):
        return np.datetime64(x, "D")
    if isinstance(x, str):
        return _days_array(np.array([x], dtype=object))[0]
    if isinstance(x, float | np.floating) and np.isnan(x):
        return _NAT
    raise TypeError(f"expected a date, ISO 8601 text or numpy.datetime64, not {type(x).__name__}")


def _days_array(values: np.ndarray) -> np.ndarray:
    """An ndarray of date-likes as ``datetime64[D]`` of the same shape (see `as_days`)."""
    kind = values.dtype.kind
    if kind == "M":
        return values.astype("datetime64[D]")
    if kind == "f" and bool(np.isnan(values).all()):
        return np.full(values.shape, _NAT)
    if kind not in "OU":
        raise TypeError(
            f"expected dates, ISO 8601 text or numpy.datetime64, not an array of {values.dtype}"
        )
    flat = pd.Series(values.ravel(), dtype=object)
    if pd.api.types.infer_dtype(flat, skipna=True) == "string":
        flat = flat.str.strip()
    try:
        parsed = pd.to_datetime(flat, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        raise ValueError(
            "as_days() could not read a value as a date: expected ISO 8601 text (YYYY-MM-DD),"
            " a date, a datetime or a numpy.datetime64; convert other formats such as"
            " dd/mm/yyyy when the data are read"
        ) from None
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy().astype("datetime64[D]").reshape(values.shape)


def _ints(n: Ints) -> np.ndarray:
    """Whole numbers as int64 (a 0-d array for a scalar)."""
    arr = np.asarray(n)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"expected whole numbers (int), not {arr.dtype}")
    return arr.astype(np.int64)


def _to_date(x: Dates) -> datetime.date:
    """One present day as a ``datetime.date``."""
    if type(x) is datetime.date:
        return x
    if isinstance(x, str) and len(x) == 10 and x[4] == "-" and x[7] == "-":
        try:  # an ISO day, the common case: what as_days would make of it, without pandas
            return datetime.date.fromisoformat(x)
        except ValueError:
            pass  # as_days says what is wrong with it
    day = as_days(x)
    if isinstance(day, np.ndarray):
        raise TypeError("expected one date, not an array")
    if np.isnat(day):
        raise ValueError("expected a date, got a missing value")
    value = day.item()
    if not isinstance(value, datetime.date):
        raise ValueError("date outside the years 1 to 9999")
    return value


def _scalar(out: Any) -> Any:
    """A 0-d numpy result as a numpy scalar; arrays unchanged."""
    return out[()] if isinstance(out, np.ndarray) and out.ndim == 0 else out


def _int_result(out: Any) -> int | np.ndarray:
    """A count as a Python int (scalar) or an int64 ndarray."""
    out = np.asarray(out, dtype=np.int64)
    return int(out) if out.ndim == 0 else out


# --- working days -----------------------------------------------------------------------------


def is_working_day(d: Dates) -> bool | np.ndarray:
    """Whether a day is a working day (Monday to Friday, not an England and Wales bank holiday).

    Parameters
    ----------
    d : date-like or array-like
        The day or days (see `as_days`).

    Returns
    -------
    bool or numpy.ndarray
        A bool for a scalar, else a bool ndarray.

    Notes
    -----
    A missing day (NaT) is not a working day: ``False``. Outside `WORKING_DAY_YEARS` only
    weekends are non-working days.

    References
    ----------
    gov.uk, *Bank holidays* (England and Wales), https://www.gov.uk/bank-holidays.
    """
    out = np.is_busday(as_days(d), busdaycal=business_calendar())
    return bool(out) if np.ndim(out) == 0 else out


def _count(begin: Any, end: Any, name: str) -> int | np.ndarray:
    """Working days in ``[begin, end)``; minus those in ``[end, begin)`` when ``end < begin``.

    ``numpy.busday_count`` alone is not antisymmetric (backwards it counts ``(end, begin]``), so
    the count always runs forwards and takes the sign afterwards.
    """
    if bool(np.isnat(begin).any()) or bool(np.isnat(end).any()):
        raise ValueError(f"{name}() needs both dates; leave out records with a missing date first")
    low, high = np.minimum(begin, end), np.maximum(begin, end)
    forwards = _busday_count_by_table(low, high) if np.size(low) > 64 else None
    if forwards is None:
        forwards = np.busday_count(low, high, busdaycal=business_calendar())
    return _int_result(np.where(end < begin, -forwards, forwards))


@functools.cache
def _working_day_table() -> tuple[np.datetime64, np.ndarray]:
    """``(first, cum)``: ``cum[i]`` is the number of working days in ``[first, first + i)``,
    for every day of `WORKING_DAY_YEARS` and the day after them."""
    first = np.datetime64(f"{WORKING_DAY_YEARS[0]}-01-01", "D")
    after = np.datetime64(f"{WORKING_DAY_YEARS[1] + 1}-01-01", "D")
    working = np.is_busday(np.arange(first, after), busdaycal=business_calendar())
    cum = np.zeros(len(working) + 1, dtype=np.int64)
    np.cumsum(working, out=cum[1:])
    cum.flags.writeable = False
    return first, cum


def _busday_count_by_table(low: np.ndarray, high: np.ndarray) -> np.ndarray | None:
    """``numpy.busday_count(low, high)`` for ``low <= high`` from a cumulative table.

    Two lookups per pair instead of a walk over the calendar: several times faster on large
    arrays. None (use ``numpy.busday_count``) when a day falls outside `WORKING_DAY_YEARS`.
    """
    first, cum = _working_day_table()
    i = np.asarray(low - first, dtype=np.int64)
    j = np.asarray(high - first, dtype=np.int64)
    if i.size and (int(i.min()) < 0 or int(j.max()) >= len(cum)):
        return None
    return cum[j] - cum[i]


def wd(a: Dates, b: Dates) -> int | np.ndarray:
    """Elapsed working days from `a` to `b`: the working days ``D`` with ``a < D <= b``.

    Parameters
    ----------
    a, b : date-like or array-like
        Start and end day (see `as_days`); arrays broadcast against each other.

    Returns
    -------
    int or numpy.ndarray
        The count [working days]: a Python int when both are scalars, else an int64 ndarray.

    Raises
    ------
    ValueError
        When any day is missing (NaT), and when array shapes do not broadcast.

    Notes
    -----
    The same day is 0; the next working day is 1, whatever day of the week `a` is. This is
    ``numpy.busday_count(a + 1 day, b + 1 day)`` with `business_calendar`. When ``b < a`` the
    result is negative, minus the working days ``D`` with ``b < D <= a``, so that
    ``wd(b, a) == -wd(a, b)`` and ``wd(a, b) + wd(b, c) == wd(a, c)`` always
    (``numpy.busday_count`` alone counts a backward span from the other end, which would break
    both identities). A timescale such as "within 45 working days" is ``wd(start, end) <= 45``.
    For the CIN validator's count, which includes the start day, see `wd_inclusive`.

    References
    ----------
    Indicator reference, *Terms used in every definition* (``wd``); gov.uk, *Bank holidays*
    (England and Wales), https://www.gov.uk/bank-holidays; DfE, *Children in need census:
    guide*, assessment and child protection conference timescales in working days.
    """
    return _count(as_days(a) + _DAY, as_days(b) + _DAY, "wd")


def wd_inclusive(a: Dates, b: Dates) -> int | np.ndarray:
    """Working days in ``[a, b]``, the start day counted: the CIN validator's convention.

    Parameters
    ----------
    a, b : date-like or array-like
        Start and end day (see `as_days`); arrays broadcast against each other.

    Returns
    -------
    int or numpy.ndarray
        The count [working days]: a Python int when both are scalars, else an int64 ndarray.

    Raises
    ------
    ValueError
        When any day is missing (NaT).

    Notes
    -----
    ``numpy.busday_count(a, b + 1 day)``, equal to ``wd(a, b) + 1`` when `a` is a working day
    and to ``wd(a, b)`` otherwise, so a timescale measured this way is stricter by one day when
    the start is a working day. It is what an indicator's ``count_start_day`` parameter selects
    (assessments, initial child protection conferences). The identity
    ``wd_inclusive(a, b) == wd(a, b) + (1 if is_working_day(a) else 0)`` holds for every ``a``
    and ``b``; when ``b < a`` the result is minus the working days in ``[b + 1 day, a - 1 day]``,
    0 when ``b`` is the day before ``a``.

    References
    ----------
    data-to-insight, *csc-validator-be-cin* (the CIN census validator the councils use),
    https://github.com/data-to-insight/csc-validator-be-cin; DfE, *Children in need census:
    guide*.
    """
    return _count(as_days(a), as_days(b) + _DAY, "wd_inclusive")


def add_working_days(d: Dates, n: Ints) -> np.datetime64 | np.ndarray:
    """The `n`-th working day after `d`: the day ``D > d`` with ``wd(d, D) == n``.

    Parameters
    ----------
    d : date-like or array-like
        The day counted from (see `as_days`); it may itself be a weekend or a bank holiday.
    n : int or array of int
        How many working days on [working days], at least 1; broadcasts against `d`.

    Returns
    -------
    numpy.datetime64 or numpy.ndarray
        ``datetime64[D]``: a scalar when both inputs are scalars. A missing `d` gives NaT.

    Raises
    ------
    ValueError
        When any `n` is below 1.

    Notes
    -----
    Saturday 2015-12-26 plus 1 working day is Tuesday 2015-12-29 (Monday 2015-12-28 is the
    Boxing Day substitute). Used for due dates such as "the 20th working day after the period
    of care start".

    References
    ----------
    gov.uk, *Bank holidays* (England and Wales), https://www.gov.uk/bank-holidays.
    """
    days, steps = as_days(d), _ints(n)
    if bool((steps < 1).any()):
        raise ValueError("add_working_days() needs n >= 1 working days")
    # Rolling a non-working start back to the working day before it leaves the count unchanged.
    out = np.busday_offset(days, steps, roll="backward", busdaycal=business_calendar())
    return _scalar(out)


# --- calendar arithmetic ----------------------------------------------------------------------


def add_months(d: Dates, n: Ints) -> np.datetime64 | np.ndarray:
    """Add `n` calendar months to `d`, the day clamped to the end of the month reached.

    Parameters
    ----------
    d : date-like or array-like
        The day or days (see `as_days`).
    n : int or array of int
        Months to add [months], negative to go back; broadcasts against `d`.

    Returns
    -------
    numpy.datetime64 or numpy.ndarray
        ``datetime64[D]``: a scalar when both inputs are scalars. NaT stays NaT.

    Notes
    -----
    2016-02-29 - 12 months = 2015-02-28; 2015-08-31 + 6 months = 2016-02-29;
    2015-01-31 + 1 month = 2015-02-28. Clamping makes it non-invertible:
    ``add_months(add_months(d, n), -n) <= d``, with equality when the day of the month is at
    most 28. It is non-decreasing in `d`.

    The one rule for months rests on it: a day ``d`` is *within n months after* ``a`` when
    ``d <= add_months(a, n)``; a span that began on ``a`` *has lasted at least n months* on
    ``d`` when ``add_months(a, n) <= d``. A plan started 2012-02-29 has lasted 24 months on
    2014-02-28; a referral on 2016-02-29 is not within 12 months after one on 2015-02-28.

    References
    ----------
    Indicator reference, *Terms used in every definition* (``add_months``, one rule for months).
    """
    days, months = as_days(d), _ints(n)
    if isinstance(days, np.ndarray) and days.size > 64:
        fast = _add_months_by_table(days, months)
        if fast is not None:
            return fast
    return _scalar(_add_months_by_units(days, months))


def _add_months_by_units(days: Any, months: Any) -> Any:
    """:func:`add_months` by numpy's month unit (the reference form)."""
    month = days.astype("datetime64[M]")
    offset = days - month.astype("datetime64[D]")
    target = month + months.astype("timedelta64[M]")
    first = target.astype("datetime64[D]")
    last = (target + np.timedelta64(1, "M")).astype("datetime64[D]") - _DAY
    return first + np.minimum(offset, last - first)


def _add_months_by_table(days: np.ndarray, months: Any) -> np.ndarray | None:
    """:func:`add_months` of many days by one month count, read from a table.

    The reference form (:func:`_add_months_by_units`) is computed once for every day from the
    earliest to the latest given, then looked up: the same days, several times faster on large
    arrays (numpy's day-to-month conversion is slow). None when ``months`` is not one number
    or the span of days is much longer than the array (the reference form is then used).
    """
    months = np.asarray(months)
    if months.ndim or days.ndim != 1:
        return None
    missing = np.isnat(days)
    z = days.astype(np.int64)
    present = z[~missing]
    if not len(present):
        return None
    low, high = int(present.min()), int(present.max())
    if high - low > max(len(days) // 2, 4096):
        return None
    span = np.arange(low, high + 1, dtype=np.int64).astype("datetime64[D]")
    table = _add_months_by_units(span, months)
    out = table[np.where(missing, 0, z - low)]
    out[missing] = _NAT
    return out


def add_days(d: Dates, n: Ints) -> np.datetime64 | np.ndarray:
    """Add `n` calendar days to `d`.

    Parameters
    ----------
    d : date-like or array-like
        The day or days (see `as_days`).
    n : int or array of int
        Days to add [days], negative to go back; broadcasts against `d`.

    Returns
    -------
    numpy.datetime64 or numpy.ndarray
        ``datetime64[D]``: a scalar when both inputs are scalars. NaT stays NaT.
    """
    return _scalar(as_days(d) + _ints(n).astype("timedelta64[D]"))


def months_after(d: Dates, n: Ints) -> np.ndarray:
    """:func:`add_months` as a one-dimensional ``datetime64[D]`` array, whatever went in.

    The form vectorised indicators want (a scalar `d` gives a one-element array; NaT stays
    NaT; empty in, empty out), typed as an array so no caller needs a wrapper of its own.
    """
    return np.atleast_1d(np.asarray(add_months(d, n), dtype="datetime64[D]"))


def days_after(d: Dates, n: Ints) -> np.ndarray:
    """:func:`add_days` as a one-dimensional ``datetime64[D]`` array (see :func:`months_after`)."""
    return np.atleast_1d(np.asarray(add_days(d, n), dtype="datetime64[D]"))


def working_days_after(d: Dates, n: Ints) -> np.ndarray:
    """:func:`add_working_days` as a one-dimensional ``datetime64[D]`` array (see
    :func:`months_after`); a missing `d` gives NaT."""
    return np.atleast_1d(np.asarray(add_working_days(d, n), dtype="datetime64[D]"))


def financial_year_start(d: Dates) -> np.datetime64 | np.ndarray:
    """1 April on or before `d`: the start of its financial (collection) year.

    Parameters
    ----------
    d : date-like or array-like
        The day or days (see `as_days`).

    Returns
    -------
    numpy.datetime64 or numpy.ndarray
        ``datetime64[D]``, a scalar for a scalar. NaT stays NaT.

    Notes
    -----
    2016-03-31 gives 2015-04-01; 2016-04-01 gives itself.

    References
    ----------
    DfE, *Children in need census: guide*: the collection year runs 1 April to 31 March.
    """
    year = (as_days(d).astype("datetime64[M]") - np.timedelta64(3, "M")).astype("datetime64[Y]")
    return _scalar((year.astype("datetime64[M]") + np.timedelta64(3, "M")).astype("datetime64[D]"))


def collection_year(d: DateLike) -> int:
    """The DfE ``time_period`` of a day: the calendar year in which its financial year ends.

    Parameters
    ----------
    d : date-like
        One day (see `as_days`).

    Returns
    -------
    int
        2016 for any day from 2015-04-01 to 2016-03-31 [year].

    Raises
    ------
    ValueError
        When `d` is missing. ``TypeError`` for an array.

    References
    ----------
    DfE statistics, *Characteristics of children in need* and *Children looked after in
    England*: ``time_period`` 2016 is the year ending 31 March 2016.
    """
    day = _to_date(d)
    return day.year + 1 if day.month >= 4 else day.year


def financial_year_label(d: DateLike) -> str:
    """The financial year of a day as DfE writes it, e.g. ``"2015-16"``.

    Parameters
    ----------
    d : date-like
        One day (see `as_days`).

    Returns
    -------
    str
        ``"2015-16"`` for any day from 2015-04-01 to 2016-03-31.

    Raises
    ------
    ValueError
        When `d` is missing. ``TypeError`` for an array.
    """
    end = collection_year(d)
    return f"{end - 1}-{end % 100:02d}"


# --- periods ----------------------------------------------------------------------------------


def _label(start: datetime.date, end: datetime.date) -> str:
    """The label of ``[start, end]``: a financial year, quarter, calendar month, else the days."""

    def spans(months: int) -> bool:
        return start.day == 1 and end == _to_date(add_months(start, months) - _DAY)

    if start.month == 4 and spans(12):
        return financial_year_label(start)
    if start.month in (1, 4, 7, 10) and spans(3):
        return f"{financial_year_label(start)} Q{(start.month - 4) % 12 // 3 + 1}"
    if spans(1):
        return f"{start:%Y-%m}"
    return f"{start.isoformat()}..{end.isoformat()}"


def _period_day(x: DateLike) -> datetime.date:
    """A period's start or end as a ``datetime.date``."""
    return _to_date(x)


def _end_not_before_start(instance: Period, attribute: Any, value: datetime.date) -> None:
    if value < instance.start:
        raise ValueError(f"a period needs end >= start; got start {instance.start} and end {value}")


@attrs.frozen(order=True)
class Period:
    """A reporting period ``[start, end]``, both days included.

    Parameters
    ----------
    start, end : date-like
        First and last day, both included; converted to ``datetime.date`` (text in ISO 8601
        accepted). ``end >= start``, else ``ValueError``.
    label : str, optional
        How reports name it; computed when not given: ``"2015-04"`` for a whole calendar month,
        ``"2015-16 Q1"`` for a whole financial quarter (Q1 April to June ... Q4 January to
        March), ``"2015-16"`` for a whole financial year, else ``"2015-04-01..2015-06-30"``.

    Notes
    -----
    A *flow* indicator counts the records whose event day falls in the period; a *snapshot*
    indicator is measured as at `end`. Periods order by start, then end.
    """

    start: datetime.date = attrs.field(converter=_period_day)
    end: datetime.date = attrs.field(converter=_period_day, validator=_end_not_before_start)
    label: str = attrs.field(
        default=attrs.Factory(lambda self: _label(self.start, self.end), takes_self=True)
    )

    @classmethod
    def of(cls, start: DateLike, end: DateLike) -> Period:
        """The period ``[start, end]`` with its computed label.

        Parameters
        ----------
        start, end : date-like
            First and last day, both included (``datetime.date`` or ISO 8601 text).

        Returns
        -------
        Period
        """
        return cls(start, end)

    @property
    def days(self) -> int:
        """Length of the period [days], both ends counted (a single day is 1)."""
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[np.datetime64, np.datetime64]:
        """Start and end as ``datetime64[D]``, for comparisons with day arrays."""
        return np.datetime64(self.start, "D"), np.datetime64(self.end, "D")

    def contains(self, d: Dates) -> bool | np.ndarray:
        """Whether ``start <= d <= end``.

        Parameters
        ----------
        d : date-like or array-like
            The day or days (see `as_days`).

        Returns
        -------
        bool or numpy.ndarray
            A bool for a scalar, else a bool ndarray. A missing day is never contained.
        """
        days = as_days(d)
        first, last = self.bounds()
        out = np.asarray((days >= first) & (days <= last))
        return bool(out) if out.ndim == 0 else out


def periods(start: DateLike, end: DateLike, every: str | None = None) -> tuple[Period, ...]:
    """Split ``[start, end]`` into reporting periods.

    Parameters
    ----------
    start, end : date-like
        First and last day of the range, both included.
    every : {None, "month", "quarter", "year"}
        ``None``: the range as one period. ``"month"``: calendar months. ``"quarter"``:
        financial quarters (April-June, July-September, October-December, January-March).
        ``"year"``: financial years (1 April to 31 March).

    Returns
    -------
    tuple of Period
        In order, without gaps or overlaps, their union exactly ``[start, end]``.

    Raises
    ------
    ValueError
        When ``start > end`` or `every` is not one of the values above.

    Notes
    -----
    The first and last periods are clipped to the range: ``periods("2015-04-15",
    "2015-06-10", "month")`` gives 2015-04-15..2015-04-30, 2015-05 and 2015-06-01..2015-06-10.
    Quarters and years are aligned to 1 April whatever the range's start.

    References
    ----------
    Indicator reference, *Terms used in every definition* (Period).
    """
    first, last = _to_date(start), _to_date(end)
    if first > last:
        raise ValueError(f"periods() needs start <= end; got start {first} after end {last}")
    if every is None:
        return (Period(first, last),)
    if every not in _EVERY:
        allowed = ", ".join(["None", *(repr(k) for k in _EVERY)])
        raise ValueError(f"every must be one of {allowed}; got {every!r}")
    step = np.timedelta64(_EVERY[every], "M")
    # Months back from the first month to the start of its block: financial quarters start in
    # January, April, July and October, financial years in April.
    back = {"month": 0, "quarter": (first.month - 1) % 3, "year": (first.month - 4) % 12}[every]
    anchor = np.datetime64(first, "M") - np.timedelta64(back, "M")
    blocks = np.arange(anchor, np.datetime64(last, "M") + np.timedelta64(1, "M"), step)
    starts = np.maximum(blocks.astype("datetime64[D]"), np.datetime64(first, "D"))
    ends = np.minimum((blocks + step).astype("datetime64[D]") - _DAY, np.datetime64(last, "D"))
    return tuple(Period(s, e) for s, e in zip(starts.tolist(), ends.tolist(), strict=True))


def window_start(period_end: DateLike, window: str) -> datetime.date:
    """First day of a flow window ending on `period_end`.

    Parameters
    ----------
    period_end : date-like
        The window's last day (a period's end), included.
    window : {"ytd", "rolling12"}
        ``"ytd"``: from the start of the financial year, 1 April on or before `period_end`.
        ``"rolling12"``: the 12 months to `period_end`, starting the day after
        ``add_months(period_end, -12)``.

    Returns
    -------
    datetime.date

    Raises
    ------
    ValueError
        For ``"period"`` (the period's own start, not a function of its end) and any other
        value.

    Notes
    -----
    For ``period_end`` 2016-03-31 both give 2015-04-01; for 2016-02-29 ``"rolling12"`` gives
    2015-03-01 (``add_months`` clamps 2015-02-29 to 2015-02-28).
    """
    end = _to_date(period_end)
    if window == "ytd":
        return _to_date(financial_year_start(end))
    if window == "rolling12":
        return _to_date(add_months(end, -12) + _DAY)
    if window == "period":
        raise ValueError(
            "window 'period' starts at the period's own start; window_start() computes"
            " 'ytd' and 'rolling12'"
        )
    raise ValueError(f"window must be one of {', '.join(map(repr, _WINDOWS))}; got {window!r}")
