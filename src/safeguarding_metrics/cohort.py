"""Building blocks for indicators: vectorised over all records and all periods at once.

These are public API, so that a neighbouring council's plugin uses the same blocks as the
bundled ones and never copies them. Every function takes and returns numpy arrays
(``datetime64[D]`` for days, integer child codes), sorts at most once, and has no Python loop
over records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa

from .indicator import COHORT_COLUMNS, Periods

__all__ = [
    "NAT",
    "DayIndex",
    "bool_column",
    "child_day_key",
    "cohort_frame",
    "count_flow",
    "count_frame",
    "count_open",
    "days",
    "exclusion_reasons",
    "first_event",
    "first_on_or_after",
    "flow_cohort",
    "int_column",
    "latest_event",
    "latest_on_or_before",
    "nullable_int",
    "once_per_child_day",
    "open_on",
    "open_per_child",
    "previous_in_group",
    "rows_in_periods",
    "rows_of_children",
    "rows_open_at_period_ends",
    "rows_within",
    "sort_key",
    "sort_with_ties",
    "take_text",
    "text_equals",
    "text_ids",
    "text_values",
]

#: pandas' ``str`` dtype as the loader gives text (Arrow strings, NaN where missing).
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)

#: A missing day, ``datetime64[D]``.
NAT = np.datetime64("NaT", "D")

_DAY_BITS = 20  # 2**20 days is about 2,870 years: plenty for 1900-2100
_EPOCH = np.datetime64("1800-01-01", "D")


def days(values: Any) -> np.ndarray:
    """A column of dates as ``datetime64[D]`` (``NaT`` where missing)."""
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype="datetime64[D]")
    return np.asarray(values, dtype="datetime64[D]")


def child_day_key(child: np.ndarray, day: np.ndarray) -> np.ndarray:
    """One sortable int64 per (child, day): sorting by it sorts by child, then day.

    ``child`` are non-negative integer codes (or any integer group); ``day`` are
    ``datetime64[D]`` without ``NaT``. Subtracting 1 gives the previous day of the same child.
    """
    offset = (day - _EPOCH).astype(np.int64)
    return (np.asarray(child, dtype=np.int64) << _DAY_BITS) | offset


def rows_in_periods(dates: np.ndarray, periods: Periods) -> tuple[np.ndarray, np.ndarray]:
    """Which rows fall in which period, for flow indicators.

    Parameters
    ----------
    dates
        One event date per row, ``datetime64[D]``; rows with ``NaT`` fall in no period.
    periods
        Inclusive ``[start, end]`` bounds; periods may overlap (a row then appears once each).

    Returns
    -------
    period_index, row_index
        Parallel arrays: row ``row_index[k]`` has its date in period ``period_index[k]``; by
        period, then date, then row.

    Notes
    -----
    Only the rows within the span of all the periods are sorted. An indicator called again
    and again on one table can sort it once instead: :class:`DayIndex`.
    """
    dates = days(dates)
    if len(periods):
        # only the rows within the span of all the periods are sorted (NaT never is)
        first, last = np.min(periods.start), np.max(periods.end)
        valid = np.flatnonzero((dates >= first) & (dates <= last))
    else:
        valid = np.zeros(0, dtype=np.int64)
    period_index, row_index = DayIndex.of(dates[valid]).rows_in_periods(periods)
    return period_index, valid[row_index]


@attrs.frozen(eq=False)
class DayIndex:
    """The rows of a table sorted once by a date: which rows fall in which period, by search.

    :func:`rows_in_periods` sorts the rows of the periods' span on every call; an index sorts
    every dated row once, after which each call is two binary searches per period. Build it
    with :meth:`of`, and share it between calls with
    :func:`~safeguarding_metrics.views.shared` (``national.assessments_45wd`` does).

    Attributes
    ----------
    order
        The rows with a date, sorted by date (ties in row order).
    sorted_days
        Their dates, ``datetime64[D]``, ascending.
    """

    order: np.ndarray
    sorted_days: np.ndarray

    @classmethod
    def of(cls, dates: Any) -> DayIndex:
        """Index one date per row (``NaT``: the row is in no period)."""
        dates = days(dates)
        dated = np.flatnonzero(~np.isnat(dates))
        order = dated[_stable_day_order(dates[dated])]
        sorted_days = dates[order]
        order.flags.writeable = False
        sorted_days.flags.writeable = False
        return cls(order=order, sorted_days=sorted_days)

    def rows_in_periods(self, periods: Periods) -> tuple[np.ndarray, np.ndarray]:
        """``rows_in_periods(dates, periods)`` of the dates indexed: the same arrays."""
        period_index, positions = self.positions_in_periods(periods)
        return period_index, self.order[positions]

    def positions_in_periods(self, periods: Periods) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`rows_in_periods`, with positions in the index's order (into ``order`` and
        ``sorted_days``, and any column kept in that order) instead of rows."""
        lo = np.searchsorted(self.sorted_days, periods.start, side="left")
        hi = np.searchsorted(self.sorted_days, periods.end, side="right")
        counts = np.maximum(hi - lo, 0)
        total = int(counts.sum())
        period_index = np.repeat(np.arange(len(periods)), counts)
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        return period_index, np.arange(total) + starts


def _stable_day_order(dates: np.ndarray) -> np.ndarray:
    """``np.argsort(dates, kind="stable")`` for days without NaT.

    Days spanning fewer than 65,536 days (179 years) are sorted as 16-bit offsets from the
    earliest, which numpy sorts by radix: the same order, about ten times faster.
    """
    if len(dates) == 0:
        return np.zeros(0, dtype=np.int64)
    offset = dates - dates.min()
    if int(offset.max().astype(np.int64)) < 2**16:
        return np.argsort(offset.astype(np.uint16), kind="stable")
    return np.argsort(dates, kind="stable")


def rows_of_children(event_child: Any, children: Any) -> np.ndarray:
    """Positions, in order, of the rows whose child code is one of ``children``.

    For measures that look up events (visits, reviews) of the children in a cohort: reading
    only those rows, not copies of a whole table, keeps a national run small. Non-negative
    codes are marked in a table (no sort); others go through ``np.isin``.
    """
    event_child = np.asarray(event_child)
    children = np.asarray(children)
    if not len(event_child) or not len(children):
        return np.zeros(0, dtype=np.int64)
    if event_child.dtype.kind in "iu" and event_child.min() >= 0 and children.min() >= 0:
        wanted = np.zeros(max(int(event_child.max()), int(children.max())) + 1, dtype=bool)
        wanted[children] = True
        return np.flatnonzero(wanted[event_child])
    return np.flatnonzero(np.isin(event_child, children))


def open_on(start: np.ndarray, end: np.ndarray, day: Any) -> np.ndarray:
    """Records open on ``day``: ``start <= day`` and (``end`` missing or ``end > day``)."""
    start, end = days(start), days(end)
    day = np.asarray(day, dtype="datetime64[D]")
    return (start <= day) & (np.isnat(end) | (end > day))


def rows_open_at_period_ends(
    start: np.ndarray, end: np.ndarray, periods: Periods
) -> tuple[np.ndarray, np.ndarray]:
    """Which records are open on each period's last day, for snapshot indicators.

    Returns parallel arrays ``period_index, row_index`` as :func:`rows_in_periods` does.
    The loop is over periods (a handful), never over records.
    """
    start, end = days(start), days(end)
    valid = ~np.isnat(start)
    period_parts, row_parts = [], []
    for i, day in enumerate(periods.end):
        rows = np.flatnonzero(valid & open_on(start, end, day))
        period_parts.append(np.full(len(rows), i, dtype=np.int64))
        row_parts.append(rows)
    if not period_parts:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    return np.concatenate(period_parts), np.concatenate(row_parts)


def latest_on_or_before(
    event_child: np.ndarray,
    event_day: np.ndarray,
    query_child: np.ndarray,
    query_day: np.ndarray,
    *,
    strictly_before: bool = False,
) -> np.ndarray:
    """For each query, the index of the same child's latest event on or before its day.

    Parameters
    ----------
    event_child, event_day
        The events (integer child codes, ``datetime64[D]``); ``NaT`` events are ignored.
    query_child, query_day
        The questions: one (child, day) each.
    strictly_before
        Only events strictly before the query's day.

    Returns
    -------
    numpy.ndarray
        Index into the events, ``-1`` where the child has no such event. Among events on the
        same day the one listed last in the input is returned.
    """
    event_day = days(event_day)
    query_day = days(query_day)
    valid = np.flatnonzero(~np.isnat(event_day))
    keys = child_day_key(np.asarray(event_child)[valid], event_day[valid])
    order = valid[np.argsort(keys, kind="stable")]
    sorted_keys = child_day_key(np.asarray(event_child)[order], event_day[order])
    result = np.full(len(query_day), -1, dtype=np.int64)
    ok = ~np.isnat(query_day)
    qkeys = child_day_key(np.asarray(query_child)[ok], query_day[ok])
    if strictly_before:
        qkeys = qkeys - 1
    pos = np.searchsorted(sorted_keys, qkeys, side="right") - 1
    found = pos >= 0
    same = np.zeros(len(qkeys), dtype=bool)
    same[found] = (sorted_keys[pos[found]] >> _DAY_BITS) == (qkeys[found] >> _DAY_BITS)
    hits = np.full(len(qkeys), -1, dtype=np.int64)
    hits[same] = order[pos[same]]
    result[ok] = hits
    return result


def previous_in_group(group: np.ndarray, order_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort rows by (group, key) and give each row its predecessor in the same group.

    Returns ``order`` (the sorting permutation) and ``previous`` (for each position in sorted
    order, the sorted position of the previous row of the same group, or ``-1``).
    """
    order = np.lexsort((order_key, group))
    g = np.asarray(group)[order]
    previous = np.arange(len(order)) - 1
    first = np.ones(len(order), dtype=bool)
    first[1:] = g[1:] != g[:-1]
    previous[first] = -1
    return order, previous


def text_ids(values: Any) -> np.ndarray:
    """Identifiers as an object array of text, as ``pd.Series(values).astype(str)`` gives them.

    A column that holds only ``str`` already (as the loader leaves identifier columns) is
    returned without converting each value.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string":
        return series.to_numpy(dtype=object)
    return series.astype(str).to_numpy(dtype=object)


def _is_arrow_text(values: Any) -> bool:
    """Whether ``values`` (a Series or an array) holds pandas' ``str`` dtype (Arrow strings)."""
    return isinstance(getattr(values, "dtype", None), pd.StringDtype) and not isinstance(
        values, np.ndarray
    )


def _take_arrow(values: Any, rows: Any) -> Any:
    """The Arrow-string array of ``values`` (a Series or an array), at ``rows`` unless None."""
    array = values.array if isinstance(values, pd.Series) else values
    return array if rows is None else array.take(np.asarray(rows, dtype=np.intp))


def take_text(values: Any, rows: Any = None) -> Any:
    """The values of a text column (record ids, codes) at ``rows`` (every row when None).

    A column of pandas' ``str`` dtype (as the loader leaves text) stays Arrow strings: the rows
    are taken from the Arrow array, and no Python string is made (a cohort's ``record`` column
    built from it keeps them so). Any other column gives its values as an object array, as
    ``values.astype(object).to_numpy()[rows]`` does.
    """
    if _is_arrow_text(values):
        return _take_arrow(values, rows)
    objects = (
        values.astype(object).to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    )
    return objects if rows is None else objects[rows]


def text_equals(values: Any, code: Any, rows: Any = None) -> np.ndarray:
    """Whether each value of a text column (at ``rows``, every row when None) equals ``code``.

    False where a value is missing. A column of pandas' ``str`` dtype is compared in Arrow
    (``visits["visit_type"] == "cla"``), never turned into Python strings; any other column
    as its objects compare (``values.astype(object).to_numpy()[rows] == code``).
    """
    if _is_arrow_text(values):
        taken = pd.Series(_take_arrow(values, rows), copy=False)
        return (taken == code).to_numpy(dtype=bool, na_value=False)
    return np.asarray(take_text(values, rows) == code, dtype=bool)


def text_values(values: Any, rows: Any = None) -> Any:
    """Identifiers as text (as :func:`text_ids` gives them) at ``rows`` (every row when None).

    A column of pandas' ``str`` dtype is taken from its Arrow array and kept as Arrow strings,
    never turned into a Python string per row; anything else goes through :func:`text_ids`.
    For sorting (:func:`sort_with_ties`) and for a cohort's ``record`` column.
    """
    if _is_arrow_text(values):
        return _take_arrow(values, rows)
    ids = text_ids(values)
    return ids if rows is None else ids[rows]


def sort_key(*columns: Any) -> np.ndarray | None:
    """One int64 per row that sorts as the integer ``columns`` do, the first most significant.

    Each column is offset by its minimum and given the bits its range needs; ``None`` when
    they need more than 63 bits together (sort with ``np.lexsort`` then). Sorting one packed
    key is several times faster than ``np.lexsort`` over the columns.
    """
    arrays = [np.asarray(c, dtype=np.int64) for c in columns]
    n = len(arrays[0]) if arrays else 0
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lows = [int(a.min()) for a in arrays]
    widths = [(int(a.max()) - low).bit_length() for a, low in zip(arrays, lows, strict=True)]
    if sum(widths) > 63:
        return None
    key = np.zeros(n, dtype=np.int64)
    for array, low, width in zip(arrays, lows, widths, strict=True):
        key = (key << width) | (array - low)
    return key


def sort_with_ties(key: np.ndarray, tie: Any) -> np.ndarray:
    """The order that sorts rows by an integer ``key``, rows with equal keys by ``tie``.

    The same order as ``DataFrame({"key": key, "tie": tie}).sort_values(["key", "tie"],
    kind="stable")``, but only the rows that share a key with another row are sorted by
    ``tie`` (identifiers as text, where pandas would factorize every one of them): sorting by
    child and day, then by record id, costs an integer sort. ``tie`` is an array or a Series
    (missing values last, as pandas sorts them).
    """
    key = np.asarray(key)
    order = np.argsort(key, kind="stable")
    if len(order) < 2:
        return order
    sorted_key = key[order]
    same = sorted_key[1:] == sorted_key[:-1]
    if not same.any():
        return order
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] = same
    tied[:-1] |= same
    positions = np.flatnonzero(tied)
    rows = order[positions]
    if _is_arrow_text(tie):
        ties = _take_arrow(tie, rows)  # the tied rows' text only, kept as Arrow strings
    elif isinstance(tie, pd.Series):
        ties = tie.iloc[rows].to_numpy()
    else:
        ties = np.asarray(tie)[rows]
    sub = pd.DataFrame({"key": sorted_key[positions], "tie": ties, "row": rows})
    sub = sub.sort_values(["key", "tie"], kind="stable")
    order[positions] = sub["row"].to_numpy()
    return order


def exclusion_reasons(*cases: tuple[Any, str]) -> np.ndarray:
    """The cohort's ``excluded`` column from ``(mask, reason)`` pairs.

    Each row gets the reason of the first pair whose mask is true, else ``None`` (the row
    counts). ``exclusion_reasons((no_dob, "no date of birth"), (no_start, "no period of care
    start"))``. All masks have the same length.
    """
    if not cases:
        raise ValueError("exclusion_reasons() needs at least one (mask, reason) pair")
    out = np.full(len(cases[0][0]), None, dtype=object)
    for mask, reason in reversed(cases):
        out[np.asarray(mask, dtype=bool)] = reason
    return out


def cohort_frame(
    *,
    period: np.ndarray,
    child: np.ndarray,
    record: Any = None,
    date: Any = None,
    met: Any = None,
    value: Any = None,
    excluded: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Assemble a cohort with the standard columns (:data:`COHORT_COLUMNS`) and any details.

    Scalars broadcast; ``None`` means missing for the whole column.
    """
    n = len(period)

    def column(values: Any, dtype: str | None) -> Any:
        if values is None:
            if dtype == "boolean":
                return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
            if dtype == "Float64":
                return pd.arrays.FloatingArray(np.zeros(n), np.ones(n, dtype=bool))
            return np.full(n, pd.NA, dtype=object) if dtype else [None] * n
        if np.isscalar(values):
            return np.full(n, values)
        return np.asarray(values) if not isinstance(values, pd.Series) else values.to_numpy()

    data: dict[str, Any] = {
        "period": np.asarray(period, dtype=np.int64),
        "child": np.asarray(child, dtype=np.int64),
        "record": _text_column(record, n),
        "date": days(date) if date is not None else np.full(n, np.datetime64("NaT", "D")),
        "met": pd.array(column(met, "boolean"), dtype="boolean"),
        "value": pd.array(column(value, "Float64"), dtype="Float64"),
        "excluded": _text_column(excluded, n),
    }
    frame = pd.DataFrame(data, columns=list(COHORT_COLUMNS))
    for name, values in (extra or {}).items():
        frame[name] = values if not np.isscalar(values) else np.full(n, values)
    return frame


def _text_column(values: Any, n: int) -> Any:
    """A cohort's text column (``record``, ``excluded``) as ``pd.DataFrame`` should hold it.

    What pandas would infer from the values, without its inference's cost: Arrow strings stay
    as they are; an object array of text (``None`` or NaN where missing) becomes the same
    ``str`` column through one Arrow conversion, not one string at a time; an object array
    with nothing but missing values (or empty) is given to pandas as objects already (its
    inference scans every value, slowly for ``pd.NA``, to find the same); anything else is
    left to pandas. ``None`` is ``pd.NA`` for every row (objects); a scalar is broadcast.
    """
    if values is None:
        return _objects(np.full(n, pd.NA, dtype=object))
    if np.isscalar(values):
        return np.full(n, values)
    if isinstance(values, pd.Series):
        values = values.array if _is_arrow_text(values) else values.to_numpy()
    if not isinstance(values, np.ndarray):
        return values if _is_arrow_text(values) else np.asarray(values)
    if values.dtype != object:
        return values
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "string":
        return pd.array(pa.array(values, type=pa.large_string(), from_pandas=True), dtype=_TEXT)
    return _objects(values) if kind == "empty" else values


def _reasons(excluded: Any, n: int) -> Any:
    """A count frame's ``excluded`` column: the values as objects, as pandas would hold them
    (:func:`_text_column`: the reasons as ``str``, or objects when none is given)."""
    return _text_column(excluded if _is_arrow_text(excluded) else np.asarray(excluded, object), n)


def _objects(values: np.ndarray) -> pd.Series:
    """An object column that pandas takes as it is (a Series of ``object`` dtype: no
    inference), indexed 0..n-1 like the cohort frame it goes into."""
    return pd.Series(values, dtype=object, copy=False)


def count_frame(
    *,
    period: np.ndarray,
    child: np.ndarray,
    date: Any = None,
    met: Any = None,
    value: Any = None,
    weight: Any = None,
    excluded: Any = None,
) -> pd.DataFrame:
    """What an indicator's ``count`` form returns: the columns the engine counts, nothing more.

    The counted rows of the indicator's cohort with ``period``, ``child``, ``date`` (the event
    day of a flow record: it places the record with a team), ``excluded`` (the reason, else
    None; ``None`` for the whole column when nothing is excluded, stored as NaN) and ``met``
    (per cent and counts) or ``value`` (means, with ``weight`` for a weighted one). No record
    identifiers or
    detail columns: building them is most of a cohort's cost, and nobody drills down into
    counts. The rows must be the cohort's rows (their order may differ).
    """
    n = len(period)
    data: dict[str, Any] = {
        "period": np.asarray(period, dtype=np.int64),
        "child": np.asarray(child, dtype=np.int64),
        "date": days(date) if date is not None else np.full(n, np.datetime64("NaT", "D")),
        # nothing excluded: a float column of NaN, missing like None but checked far faster
        "excluded": np.full(n, np.nan) if excluded is None else _reasons(excluded, n),
    }
    if met is not None:
        data["met"] = np.asarray(met, dtype=bool)
    if value is not None:
        data["value"] = np.asarray(value, dtype="float64")
    if weight is not None:
        data["weight"] = np.asarray(weight, dtype="float64")
    # not copied: the engine adds columns to a count frame but never writes into one
    return pd.DataFrame(data, copy=False)


def flow_cohort(
    date: Any,
    periods: Periods,
    *,
    child: Any,
    record: Any = None,
    met: Any = None,
    value: Any = None,
    excluded: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """A flow indicator's cohort: each record whose ``date`` falls in a period, once per period.

    :func:`rows_in_periods` then :func:`cohort_frame`, with every per-record argument (``child``,
    ``record``, ``met``, ``value``, ``excluded`` and each of ``extra``: arrays or Series of one
    value per record, aligned with ``date``) taken for the rows counted. Scalars and ``None``
    pass through as in :func:`cohort_frame`. Indicators that compute something costly per row
    call :func:`rows_in_periods` themselves and compute it on the counted rows only.
    """
    date = days(date)
    period, row = rows_in_periods(date, periods)

    def take(values: Any) -> Any:
        if values is None or np.isscalar(values):
            return values
        if _is_arrow_text(values):
            return _take_arrow(values, row)  # Arrow strings taken as such, never objects
        array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
        return array[row]

    return cohort_frame(
        period=period,
        child=take(child),
        record=take(record),
        date=date[row],
        met=take(met),
        value=take(value),
        excluded=take(excluded),
        extra={name: take(values) for name, values in (extra or {}).items()} or None,
    )


# -- what the bundled plugins share, public so that a council's plugin need not copy it ---------


def open_per_child(records: pd.DataFrame, id_column: str, periods: Periods) -> pd.DataFrame:
    """The children with a record (a plan) open at each period's end, one row per child.

    Open on ``end``: ``start_date <= end`` and (``end_date`` missing or ``end_date > end``).
    When a child has several open records (overlapping plans, a data fault), the earliest
    started counts: its start (``start``) and id (``record``; the lowest id among records
    starting that day); ``open`` is how many were open.

    Parameters
    ----------
    records
        A table with ``child``, ``start_date``, ``end_date`` and ``id_column``
        (``cp_plans``, ``cin_plans``).
    id_column
        The record's identifier column (``"plan_id"``).
    periods
        The periods; each is measured as at its last day.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``child``, ``start`` (``datetime64[D]``), ``record``, ``open``, ``end``
        (the period's last day), sorted by period and child.

    Examples
    --------
    The children on a child protection plan at each month's end, for a snapshot measure:
    ``open_per_child(tables["cp_plans"], "plan_id", periods)``.
    """
    start, stop = days(records["start_date"]), days(records["end_date"])
    period, row = rows_open_at_period_ends(start, stop, periods)
    frame = pd.DataFrame(
        {
            "period": period,
            "child": records["child"].to_numpy(np.int64)[row],
            "start": start[row],
            "record": text_values(records[id_column], row),
        }
    )
    frame = frame.sort_values(["period", "child", "start", "record"], kind="stable")
    counts = frame.groupby(["period", "child"], sort=False)["record"].transform("size")
    frame = frame.assign(open=counts.to_numpy(np.int64))
    frame = frame.drop_duplicates(["period", "child"], keep="first").reset_index(drop=True)
    frame["start"] = days(frame["start"])
    frame["end"] = periods.end[frame["period"].to_numpy(np.int64)]
    return frame


def latest_event(
    event_child: np.ndarray, event_day: np.ndarray, child: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """For each (child, day), the day of the child's latest event on or before it (``NaT``).

    :func:`latest_on_or_before` giving the event's day instead of its index: the last visit,
    review or plan update as at each period's end.
    """
    event_day = days(event_day)
    return _days_of(event_day, latest_on_or_before(event_child, event_day, child, day))


def first_on_or_after(
    event_child: np.ndarray,
    event_day: np.ndarray,
    query_child: np.ndarray,
    query_day: np.ndarray,
) -> np.ndarray:
    """For each query, the index of the same child's earliest event on or after its day.

    The mirror of :func:`latest_on_or_before` (one sort, one binary search): the first visit
    after a placement began, the first review after a plan started. ``NaT`` events are
    ignored; ``-1`` where the child has no such event (or the query's day is missing). Among
    events on the same day the one listed first in the input is returned.
    """
    event_day = days(event_day)
    query_day = days(query_day)
    valid = np.flatnonzero(~np.isnat(event_day))
    keys = child_day_key(np.asarray(event_child)[valid], event_day[valid])
    order = valid[np.argsort(keys, kind="stable")]
    sorted_keys = child_day_key(np.asarray(event_child)[order], event_day[order])
    result = np.full(len(query_day), -1, dtype=np.int64)
    ok = ~np.isnat(query_day)
    qkeys = child_day_key(np.asarray(query_child)[ok], query_day[ok])
    pos = np.searchsorted(sorted_keys, qkeys, side="left")
    inside = pos < len(sorted_keys)
    same = np.zeros(len(qkeys), dtype=bool)
    same[inside] = (sorted_keys[pos[inside]] >> _DAY_BITS) == (qkeys[inside] >> _DAY_BITS)
    hits = np.full(len(qkeys), -1, dtype=np.int64)
    hits[same] = order[pos[same]]
    result[ok] = hits
    return result


def first_event(
    event_child: np.ndarray, event_day: np.ndarray, child: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """For each (child, day), the day of the child's first event on or after it (``NaT``)."""
    event_day = days(event_day)
    return _days_of(event_day, first_on_or_after(event_child, event_day, child, day))


def _days_of(event_day: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """The days of the events found (indices into ``event_day``), ``NaT`` where none (-1)."""
    out = np.full(len(hit), NAT)
    found = hit >= 0
    out[found] = event_day[hit[found]]
    return out


def count_flow(
    frame: pd.DataFrame, day_column: str, id_column: str, periods: Periods
) -> pd.DataFrame:
    """A count cohort: one met row per record whose ``day_column`` falls in the period.

    For ``unit="count"`` flow measures (assessments completed, enquiries started).
    """
    day = days(frame[day_column])
    return flow_cohort(
        day,
        periods,
        child=frame["child"].to_numpy(np.int64),
        record=take_text(frame[id_column]),
        met=True,
    )


def count_open(
    frame: pd.DataFrame, start_column: str, end_column: str, id_column: str, periods: Periods
) -> pd.DataFrame:
    """A count cohort: one met row per record open on the period's last day.

    For ``unit="count"`` snapshot measures (plans open at the end); ``end_column`` is kept as
    a detail column.
    """
    start, end = days(frame[start_column]), days(frame[end_column])
    period, row = rows_open_at_period_ends(start, end, periods)
    return cohort_frame(
        period=period,
        child=frame["child"].to_numpy(np.int64)[row],
        record=take_text(frame[id_column], row),
        date=start[row],
        met=True,
        extra={end_column: end[row]},
    )


def rows_within(frame: pd.DataFrame, column: str, periods: Periods) -> pd.DataFrame:
    """The rows whose ``column`` falls within the span of all the periods.

    For measures that count rows in the period and need no earlier history: the rows outside
    the span (and those without a date) never count, so they need not be sorted.
    """
    day = days(frame[column])
    if not len(periods):
        return frame.iloc[:0]
    inside = (day >= periods.start.min()) & (day <= periods.end.max())
    return frame if inside.all() else frame.iloc[np.flatnonzero(inside)]


def once_per_child_day(child: np.ndarray, day: np.ndarray, ids: np.ndarray | None) -> np.ndarray:
    """Rows kept when counting once per child and day, sorted by child then day.

    Of the rows of one child on one day the one with the lowest id is kept (with ``ids`` None,
    the first in the input: enough for a count); a missing day sorts after the child's dated
    rows (and counts once). The order of ``sort_values(["child", "day", "id"])`` then
    ``drop_duplicates(["child", "day"])``, with ids compared only where a child has two rows
    on one day. Re-referrals count referrals this way.
    """
    offset = np.zeros(len(day), dtype=np.int64)
    dated = ~np.isnat(day)
    offset[dated] = (day[dated] - _EPOCH).astype(np.int64)
    offset[~dated] = 1 << _DAY_BITS  # after every day (day numbers stay below 2**20)
    key = (np.asarray(child, dtype=np.int64) << (_DAY_BITS + 1)) | offset
    order = np.argsort(key, kind="stable") if ids is None else sort_with_ties(key, ids)
    sorted_key = key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    return order[first]


def bool_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A nullable boolean column as numpy bools, a missing value false."""
    return frame[column].astype("boolean").to_numpy(dtype=bool, na_value=False)


def int_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A nullable integer column as int64, a missing value 0."""
    return frame[column].astype("Int64").to_numpy(dtype=np.int64, na_value=0)


def nullable_int(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """Integers as a nullable ``Int64`` array, missing where ``present`` is false (a detail
    column such as the working days taken, missing where there is no clock start)."""
    out = pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")
    out[~np.asarray(present, dtype=bool)] = pd.NA
    return out
