"""Declared measures: a deadline or a recency rule in a few lines, instead of a compute function.

Most timeliness measures are one of two shapes, and this module writes each shape once,
vectorised, so that a plugin declares the rule and gets the indicator's ``compute``, its
``count`` form and its due list:

- :class:`Deadline`: a record (an assessment, an enquiry, a contact) is **met** when its stop
  event (a column, or the first event in another table: :class:`FirstEvent`) falls within N
  hours, days, working days or months of its start. The records counted in a period are those
  whose stop falls in it (``counted="stop"``: authorised, conference held), those whose start
  falls in it (``"start"``: contacts received), or those open at its end (``"open"``). A record
  still open past its deadline is late.
- :class:`Recency`: a case open at the period's end (a plan, a child looked after) is **met**
  when its latest event of a kind (visit, review, plan update) lies within N of the end, or,
  with ``new_cases="met"``, when the case itself is younger than N (with ``"not counted"`` a
  case younger than its grace is left out of the population).

Both take a :class:`Limit`: the number, its unit (:data:`UNITS`), whether it is strict, and
for working days whether the start day counts and which reading applies (the working days
elapsed, as the DfE counts, or "on or before the N-th working day"). A limit may come from a
parameter (``Limit(6, "months", parameter="months")``) or a choice of limits
(:class:`Choice`).

Examples
--------
A council's measure, "child in need plans reviewed within 3 months of starting", as a
declaration::

    from safeguarding_metrics.declared import Deadline, Limit

    CIN_FIRST_REVIEW = Deadline(
        table="cin_plans", record="plan_id", start="start_date", stop="end_date",
        within=Limit(3, "months"), counted="stop",
    ).indicator(
        id="doncaster.cin_first_review", title="...", description="...",
        polarity="higher", source="Doncaster practice standard",
    )

The test kit (:mod:`safeguarding_metrics.testing`) reads the declaration's boundary
(``Boundary.of(declaration, params)``) and checks the cases at N - 1, N and N + 1 across
weekends, bank holidays, month ends and 29 February.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, Literal

import attrs
import numpy as np
import pandas as pd

from .calendar import add_working_days, is_working_day, months_after, wd, wd_inclusive
from .cohort import (
    NAT,
    DayIndex,
    cohort_frame,
    count_frame,
    days,
    exclusion_reasons,
    first_event,
    latest_on_or_before,
    open_per_child,
    rows_of_children,
    rows_open_at_period_ends,
    sort_with_ties,
    take_text,
    text_equals,
    text_values,
)
from .indicator import Indicator, NotComputable, Periods
from .views import shared

__all__ = [
    "UNITS",
    "Choice",
    "Deadline",
    "DeadlineRows",
    "Events",
    "FirstEvent",
    "Limit",
    "LinkedStart",
    "LookedAfter",
    "OpenRecords",
    "Recency",
    "RecencyRows",
    "declaration_of",
    "working_day_deadline",
]

#: The units a limit is counted in.
UNITS = ("hours", "days", "working days", "months")

Unit = Literal["hours", "days", "working days", "months"]
Details = Callable[[Any, Mapping[str, pd.DataFrame]], Mapping[str, Any]]

_DAY = np.timedelta64(1, "D")
_HOUR = np.timedelta64(1, "h")
_NS = "datetime64[ns]"


def working_day_deadline(start: Any, n: int, count_start_day: bool = False) -> np.ndarray:
    """The last working day of a timescale of ``n`` working days that starts on ``start``.

    Elapsed count (the default): the ``n``-th working day after ``start``. With
    ``count_start_day`` a working ``start`` is day 1, so the deadline is the ``(n - 1)``-th
    working day after it. ``NaT`` stays ``NaT``.
    """
    start = days(start)
    out = np.full(len(start), NAT)
    ok = ~np.isnat(start)
    if ok.any():
        first_counts = (
            np.asarray(is_working_day(start[ok]), dtype=bool)
            if count_start_day
            else np.zeros(int(ok.sum()), dtype=bool)
        )
        steps = np.where(first_counts, n - 1, n).astype(np.int64)
        # n - 1 == 0 only for n == 1: the start day itself is then the deadline
        out[ok] = np.where(steps > 0, add_working_days(start[ok], np.maximum(steps, 1)), start[ok])
    return out


def _day_of(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("datetime64[D]")


@attrs.frozen
class Limit:
    """How long a timescale is: ``n`` units, strictly or not.

    Attributes
    ----------
    n
        The number of units (the default when ``parameter`` names a parameter).
    unit
        One of :data:`UNITS`. ``"months"`` follows the forward month rule
        (:func:`~safeguarding_metrics.calendar.add_months`: 31 August + 6 months is 29
        February); ``"hours"`` compares moments (date-times) as recorded.
    strict
        Met only *strictly* within the limit (``elapsed < n``); default ``elapsed <= n``.
    count_start_day
        Working days only: count the start day too (``wd_inclusive``, the CIN validator's
        convention), or the name of a boolean parameter that says so.
    by
        Working days only: ``"elapsed"`` (default), met when the working days ``D`` with
        ``start < D <= stop`` number at most ``n`` (a stop on the weekend after the ``n``-th
        working day is still within); ``"due day"``, met when the stop falls on or before the
        ``n``-th working day after the start.
    parameter
        The name of an integer parameter that gives ``n`` (``n`` is then its default).
    """

    n: int
    unit: str = attrs.field()
    strict: bool = False
    count_start_day: bool | str = False
    by: str = attrs.field(default="elapsed")
    parameter: str | None = None

    @unit.validator
    def _check_unit(self, _: Any, value: str) -> None:
        if value not in UNITS:
            raise ValueError(f"a limit's unit is one of {', '.join(UNITS)}, not {value!r}")

    @by.validator
    def _check_by(self, _: Any, value: str) -> None:
        if value not in ("elapsed", "due day"):
            raise ValueError(f"a limit's 'by' is 'elapsed' or 'due day', not {value!r}")

    def resolve(self, params: Mapping[str, Any]) -> Limit:
        """The limit with its parameters read from ``params`` (missing ones: the defaults)."""
        n = int(params.get(self.parameter, self.n)) if self.parameter else self.n
        start_day = self.count_start_day
        if isinstance(start_day, str):
            start_day = bool(params.get(start_day, False))
        return attrs.evolve(self, n=n, count_start_day=start_day, parameter=None)

    @property
    def words(self) -> str:
        """``"45 working days"``, ``"24 hours"``, ``"less than 6 months"``."""
        return f"{'less than ' if self.strict else ''}{self.n} {self.unit}"

    # -- counting ------------------------------------------------------------------------------

    def elapsed(self, start: Any, stop: Any) -> np.ndarray:
        """How much time passed from ``start`` to ``stop``, in the unit (months: in days).

        Hours as floats (``NaN`` where either is missing); otherwise int64, ``-1`` where
        either is missing. Negative when ``stop`` is before ``start``.
        """
        if self.unit == "hours":
            start, stop = np.asarray(start, _NS), np.asarray(stop, _NS)
            return np.asarray((stop - start) / _HOUR, dtype=float)
        start, stop = _day_of(days(start)), _day_of(days(stop))
        out = np.full(len(start), -1, dtype=np.int64)
        ok = ~np.isnat(start) & ~np.isnat(stop)
        if not ok.any():
            return out
        if self.unit == "working days":
            if self.count_start_day is True:
                out[ok] = np.asarray(wd_inclusive(start[ok], stop[ok]), dtype=np.int64)
            else:
                out[ok] = np.asarray(wd(start[ok], stop[ok]), dtype=np.int64)
        else:
            out[ok] = (stop[ok] - start[ok]).astype(np.int64)
        return out

    def due_day(self, start: Any) -> np.ndarray:
        """The ``n``-th unit after ``start``: the due day a team manager is shown.

        Days: ``start + n``; months: ``add_months(start, n)``; working days: the ``n``-th
        working day after it (the ``(n - 1)``-th when the start day counts and is a working
        day); hours: the day of ``start + n hours``. ``NaT`` stays ``NaT``. For a strict limit
        the day before.
        """
        if self.unit == "hours":
            out = _day_of(self.deadline_at(start))
            return out - _DAY if self.strict else out
        start = days(start)
        if self.unit == "days":
            out = start + np.timedelta64(self.n, "D")
        elif self.unit == "months":
            out = months_after(start, self.n) if len(start) else start.copy()
        else:
            out = working_day_deadline(start, self.n, self.count_start_day is True)
        return out - _DAY if self.strict else out

    def last_day_within(self, start: Any) -> np.ndarray:
        """The last day ``D`` with :meth:`met` ``(start, D)`` (days, working days, months).

        The due day, except for working days counted as elapsed: the non-working days after
        the ``n``-th working day are still within (a Friday's due day, its weekend too).
        """
        if self.unit != "working days" or self.by == "due day":
            return self.due_day(start)
        start = days(start)
        n = self.n - 1 if self.strict else self.n
        nxt = working_day_deadline(start, n + 1, self.count_start_day is True)
        return np.where(np.isnat(nxt), NAT, nxt - _DAY)

    def deadline_at(self, start: Any) -> np.ndarray:
        """The moment a record still open becomes late, ``datetime64[ns]``.

        Hours: ``start + n hours`` (the moment itself is within); other units: the midnight
        ending :meth:`last_day_within`.
        """
        if self.unit == "hours":
            return np.asarray(start, _NS) + np.timedelta64(self.n, "h")
        return (self.last_day_within(_day_of(np.asarray(start))) + _DAY).astype(_NS)

    def met(self, start: Any, stop: Any) -> np.ndarray:
        """Whether ``stop`` is within the limit of ``start``, elementwise (false where either
        is missing). A ``stop`` before ``start`` is within: say what that means in the
        declaration (:attr:`Deadline.stop_before_start`)."""
        if self.unit == "hours":
            start, stop = np.asarray(start, _NS), np.asarray(stop, _NS)
            limit = np.timedelta64(self.n, "h")
            present = ~np.isnat(start) & ~np.isnat(stop)
            gap = stop - start
            return present & ((gap < limit) if self.strict else (gap <= limit))
        start, stop = _day_of(days(start)), _day_of(days(stop))
        present = ~np.isnat(start) & ~np.isnat(stop)
        if self.unit == "working days" and self.by == "elapsed":
            count = self.elapsed(start, stop)
            return present & ((count < self.n) if self.strict else (count <= self.n))
        if self.unit == "days":
            count = self.elapsed(start, stop)
            return present & ((count < self.n) if self.strict else (count <= self.n))
        due = (
            months_after(start, self.n)
            if self.unit == "months"
            else working_day_deadline(start, self.n, self.count_start_day is True)
        )
        return present & ((stop < due) if self.strict else (stop <= due))


@attrs.frozen
class Choice:
    """A limit chosen by a text parameter: ``Choice("within", {"24h": Limit(24, "hours"),
    "1wd": Limit(1, "working days", by="due day")})``; the parameter's default picks one when
    the parameter is not given (``default``)."""

    parameter: str
    options: Mapping[str, Limit]
    default: str

    def resolve(self, params: Mapping[str, Any]) -> Limit:
        """The limit the parameter chooses, its own parameters resolved."""
        key = str(params.get(self.parameter, self.default))
        if key not in self.options:
            raise NotComputable(f"{self.parameter}={key!r} is not one of {', '.join(self.options)}")
        return self.options[key].resolve(params)

    @property
    def limits(self) -> tuple[Limit, ...]:
        return tuple(self.options.values())


def _resolve(limit: Limit | Choice, params: Mapping[str, Any]) -> Limit:
    return limit.resolve(params)


# -- deadline measures ---------------------------------------------------------------------------


@attrs.frozen
class FirstEvent:
    """A stop that is the first event of the same child, on or after the start, in another
    table (the first visit after a placement): ``where`` keeps events with a code
    (``("visit_type", "cla")``)."""

    table: str
    column: str
    where: tuple[str, str] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,) + ((self.where[0],) if self.where else ())


@attrs.frozen
class LinkedStart:
    """A clock that starts at a linked record's date when a parameter says so.

    With ``params[parameter] == value`` the clock starts on ``table.column`` of the record
    whose ``key`` (and child) the measured record names in its own ``key`` column; a record
    with no such link is excluded with ``reason``. ``national.assessments_45wd`` with
    ``clock_start="referral"``.
    """

    parameter: str
    value: Any
    table: str
    key: str
    column: str
    reason: str

    def active(self, params: Mapping[str, Any]) -> bool:
        return bool(params.get(self.parameter) == self.value)


@attrs.frozen(kw_only=True)
class DeadlineRows:
    """The records a :class:`Deadline` counts, one entry per (period, record): what its cohort,
    count form and detail columns are built from.

    ``row`` indexes the declared table; ``start`` is the record's own start, ``clock`` when
    the clock started (the start, or the linked record's date); ``stop`` missing while open;
    ``elapsed`` in the limit's unit (:meth:`Limit.elapsed`); ``due`` the due day;
    ``deadline`` the moment an open record becomes late; ``present`` whether the clock
    started.
    """

    period: np.ndarray
    row: np.ndarray
    child: np.ndarray
    start: np.ndarray
    clock: np.ndarray
    stop: np.ndarray
    elapsed: np.ndarray
    due: np.ndarray
    deadline: np.ndarray
    present: np.ndarray
    met: np.ndarray
    excluded: np.ndarray | None
    limit: Limit


@attrs.frozen(eq=False)
class _Sorted:
    """A declared table sorted once by the day a period counts on (shared per dataset)."""

    index: DayIndex
    child: np.ndarray
    start: np.ndarray
    stop: np.ndarray


@attrs.frozen(kw_only=True)
class Deadline:
    """A record is met when its stop falls within a limit of its start.

    Attributes
    ----------
    table
        The canonical table of the records (``"assessments"``).
    record
        Its identifier column (``"assessment_id"``).
    start
        The column the clock starts from (``"start_date"``; a date-time column for hours).
    stop
        The column that stops it (``"authorised_date"``), or a :class:`FirstEvent`.
    within
        The :class:`Limit`, or a :class:`Choice` of limits.
    counted
        Which records a period counts: ``"stop"`` (stopped in the period), ``"start"``
        (started in it; one still open is late once its deadline has passed by the period's
        end, and left out with ``pending_reason`` while it has not) or ``"open"`` (open at the
        period's end: met while its deadline has not passed).
    stop_before_start
        A stop dated before the start: ``"not met"`` (counted, late), ``"excluded"`` (listed
        with ``before_start_reason``) or ``"no stop"`` (the stop is ignored, as if open).
    linked_start
        A clock that may start on a linked record (:class:`LinkedStart`).
    details
        ``details(rows, tables) -> {column: values}``: the cohort's detail columns from the
        :class:`DeadlineRows` (default: ``start``, ``stop``, ``elapsed``, ``due_date``).
    elapsed_unit
        The unit of ``rows.elapsed`` when it differs from the limit's (``"hours"`` for a
        measure shown in hours whatever its limit).
    """

    table: str
    record: str
    start: str
    stop: str | FirstEvent
    within: Limit | Choice
    counted: str = attrs.field(default="stop")
    stop_before_start: str = attrs.field(default="not met")
    linked_start: LinkedStart | None = None
    pending_reason: str = "not stopped yet, deadline after the period"
    before_start_reason: str = "stopped before it started"
    details: Details | None = attrs.field(default=None, eq=False, repr=False)
    elapsed_unit: str | None = None

    @counted.validator
    def _check_counted(self, _: Any, value: str) -> None:
        if value not in ("stop", "start", "open"):
            raise ValueError(f"counted is 'stop', 'start' or 'open', not {value!r}")

    @stop_before_start.validator
    def _check_before(self, _: Any, value: str) -> None:
        if value not in ("not met", "excluded", "no stop"):
            raise ValueError(
                f"stop_before_start is 'not met', 'excluded' or 'no stop', not {value!r}"
            )

    # -- what it reads ---------------------------------------------------------------------------

    @property
    def limits(self) -> tuple[Limit, ...]:
        """Every limit it may apply (one, or a choice's)."""
        return self.within.limits if isinstance(self.within, Choice) else (self.within,)

    @property
    def tables(self) -> dict[str, tuple[str, ...]]:
        """The tables and columns it reads."""
        own = [self.record, self.start]
        if isinstance(self.stop, str):
            own.append(self.stop)
        if self.linked_start is not None:
            own.append(self.linked_start.key)
        out = {self.table: tuple(dict.fromkeys(own))}
        if isinstance(self.stop, FirstEvent):
            out[self.stop.table] = self.stop.columns
        return out

    @property
    def optional_tables(self) -> dict[str, tuple[str, ...]]:
        """The linked table, read only when the parameter asks for it."""
        link = self.linked_start
        return {} if link is None else {link.table: (link.key, link.column)}

    def _moments(self) -> bool:
        from .model.tables import table_spec

        return table_spec(self.table).column(self.start).kind == "datetime"

    # -- the rows ------------------------------------------------------------------------------

    def _key(self) -> Hashable:
        stop = self.stop if isinstance(self.stop, str) else None
        return ("declared.Deadline", self.start, stop, self.counted, self.stop_before_start)

    def _values(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        if self._moments():
            return pd.to_datetime(frame[column]).to_numpy(dtype=_NS)
        return days(frame[column])

    def _stop_of(self, tables: Mapping[str, pd.DataFrame], frame: pd.DataFrame) -> np.ndarray:
        """The stop of every record of the table, before the stop-before-start rule."""
        if isinstance(self.stop, str):
            return self._values(frame, self.stop)
        events = tables[self.stop.table]
        mask = np.ones(len(events), dtype=bool)
        if self.stop.where is not None:
            column, code = self.stop.where
            mask = text_equals(events[column], code)
        return first_event(
            events["child"].to_numpy(np.int64)[mask],
            days(events[self.stop.column])[mask],
            frame["child"].to_numpy(np.int64),
            _day_of(self._values(frame, self.start)),
        )

    def _sorted(self, tables: Mapping[str, pd.DataFrame]) -> _Sorted:
        frame = tables[self.table]
        start = self._values(frame, self.start)
        stop = self._stop_of(tables, frame)
        if self.stop_before_start == "no stop":
            stop = np.where(stop >= start, stop, np.full(1, None, dtype=stop.dtype))
        counted = stop if self.counted == "stop" else start
        if self._moments():
            # by moment (a missing one last), then by id: the order a drill-down lists
            key = np.where(np.isnat(counted), np.iinfo(np.int64).max, counted.view(np.int64))
            first = sort_with_ties(key, text_values(frame[self.record]))
            index = DayIndex.of(_day_of(counted[first]))
            order = first[index.order]
            index = DayIndex(order=order, sorted_days=index.sorted_days)
        else:
            index = DayIndex.of(counted)
        child = frame["child"].to_numpy()[index.order]
        return _Sorted(index=index, child=child, start=start[index.order], stop=stop[index.order])

    def rows(
        self, tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
    ) -> DeadlineRows:
        """The records each period counts, with their clocks, stops and whether met."""
        limit = _resolve(self.within, params)
        if self.counted == "open":
            return self._open_rows(tables, periods, params, limit)
        by = (
            shared(tables, self._key(), self.table, lambda: self._sorted(tables))
            if isinstance(self.stop, str)
            else self._sorted(tables)
        )
        period, position = by.index.positions_in_periods(periods)
        row = by.index.order[position]
        return self._finish(
            tables,
            periods,
            params,
            limit,
            period=period,
            row=row,
            child=by.child[position],
            start=by.start[position],
            stop=by.stop[position],
        )

    def _open_rows(
        self,
        tables: Mapping[str, pd.DataFrame],
        periods: Periods,
        params: Mapping[str, Any],
        limit: Limit,
    ) -> DeadlineRows:
        frame = tables[self.table]
        start = self._values(frame, self.start)
        stop = self._stop_of(tables, frame)
        if self.stop_before_start == "no stop":
            stop = np.where(stop >= start, stop, np.full(1, None, dtype=stop.dtype))
        period, row = rows_open_at_period_ends(_day_of(start), _day_of(stop), periods)
        return self._finish(
            tables,
            periods,
            params,
            limit,
            period=period,
            row=row,
            child=frame["child"].to_numpy()[row],
            start=start[row],
            stop=np.full(len(row), None, dtype=stop.dtype),  # open at the end: not stopped
        )

    def _clock(
        self, tables: Mapping[str, pd.DataFrame], child: np.ndarray, row: np.ndarray
    ) -> np.ndarray:
        link = self.linked_start
        assert link is not None
        if link.table not in tables:
            raise NotComputable(f"{link.parameter}={link.value!r} needs the {link.table} table")
        linked = tables[link.table]
        known = pd.DataFrame(
            {
                "child": linked["child"].to_numpy(np.int64),
                "key": take_text(linked[link.key]),
                "clock": days(linked[link.column]),
            }
        ).drop_duplicates(["child", "key"])
        wanted = pd.DataFrame(
            {
                "child": np.asarray(child, dtype=np.int64),
                "key": take_text(tables[self.table][link.key], row),
            }
        )
        merged = wanted.merge(known, on=["child", "key"], how="left")["clock"]
        return merged.to_numpy().astype("datetime64[D]")

    def _finish(
        self,
        tables: Mapping[str, pd.DataFrame],
        periods: Periods,
        params: Mapping[str, Any],
        limit: Limit,
        *,
        period: np.ndarray,
        row: np.ndarray,
        child: np.ndarray,
        start: np.ndarray,
        stop: np.ndarray,
    ) -> DeadlineRows:
        linked = self.linked_start is not None and self.linked_start.active(params)
        clock = self._clock(tables, child, row) if linked else start
        present = ~np.isnat(clock)
        stopped = ~np.isnat(stop)
        shown = attrs.evolve(limit, unit=self.elapsed_unit) if self.elapsed_unit else limit
        elapsed = shown.elapsed(clock, stop)
        met = present & limit.met(clock, stop)
        before = stopped & (stop < start)
        if self.stop_before_start == "not met":
            met &= ~before
        deadline = limit.deadline_at(clock)
        period_over = (periods.end[period] + _DAY).astype(_NS)
        cases: list[tuple[Any, str]] = []
        if linked:
            assert self.linked_start is not None
            cases.append((~present, self.linked_start.reason))
        if self.counted == "start":
            cases.append((~stopped & (deadline > period_over), self.pending_reason))
        if self.counted == "open":
            met = present & (deadline > period_over)
        if self.stop_before_start == "excluded":
            cases.append((before, self.before_start_reason))
        return DeadlineRows(
            period=period,
            row=row,
            child=np.asarray(child, dtype=np.int64),
            start=start,
            clock=clock,
            stop=stop,
            elapsed=elapsed,
            due=limit.due_day(_day_of(clock)) if not self._moments() else _day_of(deadline),
            deadline=deadline,
            present=present,
            met=met,
            excluded=exclusion_reasons(*cases) if cases else None,
            limit=limit,
        )

    # -- what it yields ------------------------------------------------------------------------

    def _default_details(
        self, rows: DeadlineRows, tables: Mapping[str, pd.DataFrame]
    ) -> Mapping[str, Any]:
        return {
            "start": rows.clock,
            "stop": rows.stop,
            "elapsed": rows.elapsed,
            "due_date": rows.due,
        }

    def cohort(
        self, tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
    ) -> pd.DataFrame:
        """The cohort: one row per counted record per period, with detail columns."""
        rows = self.rows(tables, periods, params)
        date = rows.start if self.counted != "stop" else rows.stop
        details = (self.details or self._default_details)(rows, tables)
        return cohort_frame(
            period=rows.period,
            child=rows.child,
            record=text_values(tables[self.table][self.record], rows.row),
            date=_day_of(date),
            met=rows.met,
            excluded=(
                np.full(len(rows.row), None, dtype=object)
                if rows.excluded is None
                else rows.excluded
            ),
            extra=dict(details),
        )

    def counts(
        self, tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
    ) -> pd.DataFrame:
        """The count form: the cohort's rows with only what the engine counts."""
        rows = self.rows(tables, periods, params)
        date = rows.start if self.counted != "stop" else rows.stop
        return count_frame(
            period=rows.period,
            child=rows.child,
            date=_day_of(date),
            met=rows.met,
            excluded=rows.excluded,
        )

    def indicator(self, *, doc: str | None = None, **fields: Any) -> Indicator:
        """The :class:`~safeguarding_metrics.Indicator` of this rule.

        ``fields`` are the indicator's metadata (``id``, ``title``, ``description``,
        ``polarity``, ``source``, ``parameters``, ...); ``kind`` (``"flow"``, or
        ``"snapshot"`` for ``counted="open"``), ``unit`` (``"%"``), ``tables``,
        ``optional_tables``, ``compute`` and ``count`` are filled in unless given. ``doc`` is
        the full definition (Numerator, Denominator, Exclusions, Notes, References), shown
        by ``safeguarding-metrics indicators`` and in the indicator reference.
        """
        return _indicator(self, doc, fields)

    def due(self, rule: str | Mapping[str, str]) -> Callable[..., pd.DataFrame]:
        """A due list's ``compute(tables, as_at, params)``: the records started by ``as_at``
        and not stopped by it (a stop before the start is a stop here), each due on the
        limit's due day, or at its deadline's moment for date-times.

        ``rule`` says so in words: one text, or for a :class:`Choice` one per option;
        " (the start day counted)" is added when the start day counts.
        """

        def compute(
            tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
        ) -> pd.DataFrame:
            return self._due(tables, as_at, params, rule)

        compute.__doc__ = f"Records open as at the day, due {rule}."
        return compute

    def _due(
        self,
        tables: Mapping[str, pd.DataFrame],
        as_at: np.datetime64,
        params: Mapping[str, Any],
        rule: str | Mapping[str, str],
    ) -> pd.DataFrame:
        from .due.spec import due_frame

        if self.linked_start is not None and self.linked_start.active(params):
            raise NotComputable(
                "the due list follows the record's own start; "
                f"{self.linked_start.parameter}={self.linked_start.value!r} is not supported"
            )
        limit = _resolve(self.within, params)
        if not isinstance(rule, str):
            assert isinstance(self.within, Choice)
            rule = rule[str(params.get(self.within.parameter, self.within.default))]
        frame = tables[self.table]
        start = self._values(frame, self.start)
        stop = self._stop_of(tables, frame)
        if self._moments():
            day_over = (np.asarray(as_at, dtype="datetime64[D]") + _DAY).astype(_NS)
            open_now = ~np.isnat(start) & (start < day_over)
            open_now &= np.isnat(stop) | (stop >= day_over)
            due_at = limit.deadline_at(start[open_now])
            due_date = (due_at - np.timedelta64(1, "ns")).astype("datetime64[D]")
        else:
            open_now = ~np.isnat(start) & (start <= as_at) & (np.isnat(stop) | (stop > as_at))
            due_at = None
            due_date = limit.due_day(start[open_now])
        if limit.unit == "working days" and limit.count_start_day is True:
            rule += " (the start day counted)"
        return due_frame(
            child=frame["child"].to_numpy(np.int64)[open_now],
            record=take_text(frame[self.record], np.flatnonzero(open_now)),
            record_start=_day_of(start[open_now]),
            due_date=due_date,
            due_at=due_at,
            rule=rule,
        )


# -- recency measures ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Cases:
    period: np.ndarray
    child: np.ndarray
    record: Any  # Arrow strings (a str-dtype array) or objects; None when not kept
    start: np.ndarray
    end: np.ndarray


@attrs.frozen
class OpenRecords:
    """The cases are the records of ``table`` open at the period's end, one per child (the
    earliest started: :func:`~safeguarding_metrics.cohort.open_per_child`)."""

    table: str
    record: str = "plan_id"

    @property
    def tables(self) -> dict[str, tuple[str, ...]]:
        return {self.table: (self.record, "start_date", "end_date")}

    def find(self, tables: Mapping[str, pd.DataFrame], periods: Periods) -> _Cases:
        open_now = open_per_child(tables[self.table], self.record, periods)
        return _Cases(
            period=open_now["period"].to_numpy(np.int64),
            child=open_now["child"].to_numpy(np.int64),
            record=take_text(open_now["record"]),
            start=days(open_now["start"]),
            end=days(open_now["end"]),
        )


@attrs.frozen
class LookedAfter:
    """The cases are the children looked after at the period's end (short breaks removed),
    started at their period of care start
    (:class:`~safeguarding_metrics.looked_after.CareHistory`)."""

    @property
    def tables(self) -> dict[str, tuple[str, ...]]:
        return {"care_episodes": ("start_date", "end_date", "rne", "legal_status")}

    def find(self, tables: Mapping[str, pd.DataFrame], periods: Periods) -> _Cases:
        from .looked_after import CareHistory

        history = CareHistory.shared(tables)
        period, child = history.looked_after_at(periods.end)
        end = periods.end[period]
        return _Cases(
            period=period,
            child=child,
            record=None,
            start=history.period_of_care_start(child, end),
            end=end,
        )


@attrs.frozen
class Events:
    """The events that keep a case up to date: ``table.column`` days, of the kind ``where``
    (``Events("visits", "visit_date", where=("visit_type", "cp"))``)."""

    table: str
    column: str
    where: tuple[str, str] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,) + ((self.where[0],) if self.where else ())


@attrs.frozen(kw_only=True)
class RecencyRows:
    """The cases a :class:`Recency` counts, one entry per (period, case).

    ``start`` is the case's start (``NaT`` unknown), ``end`` the period's last day, ``last``
    the latest event on or before it, ``due`` the due day the latest event sets (``NaT``
    without one), ``age`` the case's age at ``end`` in the new-case limit's unit (``-1``
    unknown), ``new`` whether it is younger than that limit.
    """

    period: np.ndarray
    child: np.ndarray
    record: Any  # Arrow strings (a str-dtype array) or objects; None when not kept
    start: np.ndarray
    end: np.ndarray
    last: np.ndarray
    due: np.ndarray
    age: np.ndarray
    new: np.ndarray
    met: np.ndarray
    excluded: np.ndarray
    within: Limit
    new_case: Limit


@attrs.frozen(kw_only=True)
class Recency:
    """A case open at the period's end is met when its latest event lies within a limit of
    the end.

    Attributes
    ----------
    cases
        The population: :class:`OpenRecords` or :class:`LookedAfter`.
    event
        The :class:`Events` that keep it up to date.
    within
        How recent the latest event must be: met when ``Limit.met(last, end)`` (the forward
        rule: ``end <= add_months(last, 6)``).
    new_case
        How young a case is "new" (default: ``within``): ``Limit.met(start, end)``.
    new_cases
        ``"met"``: a new case is met (not yet due an event); ``"not counted"``: a new case is
        left out of the population (a grace period).
    since_start
        Only events on or after the case's start count.
    no_start_reason
        The exclusion listed for a case whose start is unknown.
    details
        ``details(rows, tables) -> {column: values}`` from the :class:`RecencyRows` (default:
        ``start``, ``last_event``, ``next_due``).
    """

    cases: OpenRecords | LookedAfter
    event: Events
    within: Limit | Choice
    new_case: Limit | Choice | None = None
    new_cases: str = attrs.field(default="met")
    since_start: bool = False
    no_start_reason: str = "no start"
    details: Details | None = attrs.field(default=None, eq=False, repr=False)

    @new_cases.validator
    def _check_new(self, _: Any, value: str) -> None:
        if value not in ("met", "not counted"):
            raise ValueError(f"new_cases is 'met' or 'not counted', not {value!r}")

    @property
    def tables(self) -> dict[str, tuple[str, ...]]:
        """The tables and columns it reads."""
        return {**self.cases.tables, self.event.table: self.event.columns}

    @property
    def limits(self) -> tuple[Limit, ...]:
        """Every limit it may apply."""
        out = []
        for limit in (self.within, self.new_case):
            if limit is not None:
                out += list(limit.limits if isinstance(limit, Choice) else (limit,))
        return tuple(out)

    def rows(
        self,
        tables: Mapping[str, pd.DataFrame],
        periods: Periods,
        params: Mapping[str, Any],
        *,
        everyone: bool = False,
    ) -> RecencyRows:
        """The cases each period counts (with ``everyone``, new ones too whatever
        ``new_cases`` says: the due list lists them)."""
        within = _resolve(self.within, params)
        new_limit = _resolve(self.new_case or self.within, params)
        cases = self.cases.find(tables, periods)
        known = ~np.isnat(cases.start)
        new = known & new_limit.met(cases.start, cases.end)
        age = new_limit.elapsed(cases.start, cases.end)
        if self.new_cases == "not counted" and not everyone:
            keep = ~new
            cases = attrs.evolve(
                cases,
                period=cases.period[keep],
                child=cases.child[keep],
                record=None if cases.record is None else cases.record[keep],
                start=cases.start[keep],
                end=cases.end[keep],
            )
            known, new, age = known[keep], new[keep], age[keep]
        last = self._latest(tables, cases)
        if self.since_start:
            last = np.where(last >= cases.start, last, NAT)
        met = within.met(last, cases.end)
        if self.new_cases == "met":
            met |= new
        return RecencyRows(
            period=cases.period,
            child=cases.child,
            record=cases.record,
            start=cases.start,
            end=cases.end,
            last=last,
            due=within.due_day(last),
            age=np.where(known, age, -1),
            new=new,
            met=met,
            excluded=exclusion_reasons((~known, self.no_start_reason)),
            within=within,
            new_case=new_limit,
        )

    def _latest(self, tables: Mapping[str, pd.DataFrame], cases: _Cases) -> np.ndarray:
        events = tables[self.event.table]
        event_child = events["child"].to_numpy()
        if event_child.dtype.kind not in "iu":
            event_child = events["child"].to_numpy(np.int64)
        mine = rows_of_children(event_child, cases.child)
        if self.event.where is not None:
            column, code = self.event.where
            mine = mine[text_equals(events[column], code, mine)]
        event_day = days(events[self.event.column].to_numpy()[mine])
        hit = latest_on_or_before(
            event_child[mine].astype(np.int64), event_day, cases.child, cases.end
        )
        out = np.full(len(hit), NAT)
        found = hit >= 0
        out[found] = event_day[hit[found]]
        return out

    def _default_details(
        self, rows: RecencyRows, tables: Mapping[str, pd.DataFrame]
    ) -> Mapping[str, Any]:
        return {"start": rows.start, "last_event": rows.last, "next_due": rows.due}

    def cohort(
        self, tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
    ) -> pd.DataFrame:
        """The cohort: one row per case open at each period's end, with detail columns."""
        rows = self.rows(tables, periods, params)
        details = (self.details or self._default_details)(rows, tables)
        return cohort_frame(
            period=rows.period,
            child=rows.child,
            record=rows.record,
            date=rows.start,
            met=rows.met,
            excluded=rows.excluded,
            extra=dict(details),
        )

    def counts(
        self, tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
    ) -> pd.DataFrame:
        """The count form: the cohort's rows with only what the engine counts."""
        rows = self.rows(tables, periods, params)
        nothing = bool(pd.isna(rows.excluded).all())  # no row excluded
        return count_frame(
            period=rows.period,
            child=rows.child,
            date=rows.start,
            met=rows.met,
            excluded=None if nothing else rows.excluded,
        )

    def indicator(self, *, doc: str | None = None, **fields: Any) -> Indicator:
        """The :class:`~safeguarding_metrics.Indicator` of this rule: a snapshot per cent,
        ``fields`` as for :meth:`Deadline.indicator`."""
        return _indicator(self, doc, fields)

    def due(
        self, *, event_rule: str, start_rule: str, older_rule: str | None = None
    ) -> Callable[..., pd.DataFrame]:
        """A due list's ``compute(tables, as_at, params)``: every case open at ``as_at`` with
        the day its next event is due.

        The due day is the later of the one the latest event sets and, for a new case, the
        last day it is new (``new_cases="met"``: not yet due; ``"not counted"``: the day
        before it enters the population, listed but never overdue before). The rules are
        format strings with ``{within}`` and ``{new}`` (the limits in words): ``event_rule``
        when the latest event sets the day, ``start_rule`` when there is none (or none since
        the start), ``older_rule`` when the case's entry is later than the latest event's due
        day.
        """

        def compute(
            tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
        ) -> pd.DataFrame:
            return self._due(tables, as_at, params, (event_rule, start_rule, older_rule))

        compute.__doc__ = "Cases open as at the day, with the day their next event is due."
        return compute

    def _due(
        self,
        tables: Mapping[str, pd.DataFrame],
        as_at: np.datetime64,
        params: Mapping[str, Any],
        rules: tuple[str, str, str | None],
    ) -> pd.DataFrame:
        from .due.spec import due_frame

        rows = self.rows(tables, Periods.on(as_at), params, everyone=True)
        keep = np.asarray(pd.isna(rows.excluded), dtype=bool)  # the rows that count
        start, last, due_event = rows.start[keep], rows.last[keep], rows.due[keep]
        new_until = rows.new_case.last_day_within(start)
        no_event = np.isnat(due_event)
        if self.new_cases == "met":
            since_start = ~np.isnat(last) & (last >= start)
            due = np.where(since_start, np.maximum(due_event, new_until), new_until)
            chosen = np.where(since_start, rules[0], rules[1])
        else:
            due = np.where(no_event, new_until, np.maximum(due_event, new_until))
            chosen = np.where(
                no_event, rules[1], np.where(due == due_event, rules[0], rules[2] or rules[0])
            )
        words = {"within": rows.within.words, "new": rows.new_case.words}
        # each rule's words made once, then given to its rows (not formatted row by row)
        distinct, which = np.unique(np.asarray(chosen, dtype=str), return_inverse=True)
        text = np.array([r.format(**words) for r in distinct], dtype=object)[which]
        in_population = ~rows.new[keep] if self.new_cases == "not counted" else True
        met = rows.met[keep]
        return due_frame(
            child=rows.child[keep],
            record=None if rows.record is None else rows.record[keep],
            record_start=start,
            last_event=last,
            due_date=due,
            rule=text,
            in_population=in_population,
            already_late=np.asarray(in_population) & ~met & (due >= as_at),
        )


def _indicator(rule: Deadline | Recency, doc: str | None, fields: dict[str, Any]) -> Indicator:
    snapshot = isinstance(rule, Recency) or rule.counted == "open"
    fields.setdefault("kind", "snapshot" if snapshot else "flow")
    fields.setdefault("unit", "%")
    fields.setdefault("tables", rule.tables)
    if isinstance(rule, Deadline) and rule.optional_tables:
        fields.setdefault("optional_tables", rule.optional_tables)
    name = str(fields.get("id", "declared.measure")).rpartition(".")[2]

    def compute(
        tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
    ) -> pd.DataFrame:
        return rule.cohort(tables, periods, params)

    def count(
        tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
    ) -> pd.DataFrame:
        return rule.counts(tables, periods, params)

    compute.__name__ = compute.__qualname__ = name
    compute.__doc__ = doc or fields.get("description")
    count.__name__ = count.__qualname__ = f"{name}_counts"
    count.__doc__ = f"The count form of {name}: the same rows, no ids or details."
    compute.declaration = rule  # type: ignore[attr-defined]
    fields.setdefault("compute", compute)
    fields.setdefault("count", count)
    return Indicator(**fields)


def declaration_of(indicator: Indicator) -> Deadline | Recency | None:
    """The :class:`Deadline` or :class:`Recency` an indicator was declared from (its compute
    function carries it), else ``None`` for a hand-written indicator."""
    rule = getattr(indicator.compute, "declaration", None)
    return rule if isinstance(rule, Deadline | Recency) else None
