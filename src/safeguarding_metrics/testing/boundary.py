"""Boundary checks: does a definition put the day a timescale runs out on the right side?

The properties of :func:`~safeguarding_metrics.testing.check_indicator` (bounds, order,
additivity, ...) hold for a definition with ``<`` where ``<=`` was meant: they never test the
definition itself. A :class:`Boundary` states the definition's timescale (the start and stop
columns, or the events a case needs, the limit and its unit, strict or not) and
:func:`check_boundary` builds the cases at N - 1, N and N + 1 units, and on the last day within
and the day after, starting (or ending) on weekends, bank holidays, month ends, 29 February and
the financial year's edges, each counted in a period that begins or ends on the counted day,
computes the indicator and asserts met or not met case by case.

A declared indicator (:mod:`safeguarding_metrics.declared`) carries its boundary, read by
:meth:`Boundary.of`; a hand-written one states it in its test::

    from safeguarding_metrics.declared import Events, Limit
    from safeguarding_metrics.testing import Boundary, check_boundary

    def test_the_visit_limit():
        check_boundary(
            CIN_VISITS_20WD,
            Boundary.recency(
                "cin_plans",
                Events("visits", "visit_date", where=("visit_type", "cin")),
                Limit(20, "working days", parameter="within"),
            ),
        )
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..calendar import Period
from ..declared import (
    Choice,
    Deadline,
    Events,
    FirstEvent,
    Limit,
    LookedAfter,
    OpenRecords,
    Recency,
    declaration_of,
)
from ..engine import calculate
from ..indicator import Indicator
from ..model.tables import table_spec
from ..registry import Registry, build_registry
from .failure import IndicatorCheckError, chosen_indicator
from .strategies import _new, make_dataset

__all__ = ["BOUNDARY_DAYS", "Boundary", "BoundaryCase", "BoundaryReport", "check_boundary"]

#: The days cases start or end on: weekends, England and Wales bank holidays (Easter and
#: Christmas 2015, the August and May holidays), month ends (30 and 31 days, a Sunday),
#: 29 February 2016, and the financial year's last and first days.
BOUNDARY_DAYS: tuple[dt.date, ...] = tuple(
    dt.date.fromisoformat(d)
    for d in (
        "2015-04-02",  # Thursday before Good Friday
        "2015-04-03",  # Good Friday
        "2015-04-04",  # Saturday of Easter
        "2015-04-06",  # Easter Monday
        "2015-05-22",  # Friday before the spring bank holiday
        "2015-08-31",  # August bank holiday, a month's last day
        "2015-10-10",  # Saturday
        "2015-10-11",  # Sunday
        "2015-11-30",  # a 30-day month's end
        "2015-12-24",
        "2015-12-25",  # Christmas Day
        "2015-12-28",  # Boxing Day's substitute
        "2015-12-31",
        "2016-01-31",  # a Sunday, a month's end
        "2016-02-29",
        "2016-03-31",  # the financial year's last day
        "2016-04-01",  # and the next one's first
    )
)

#: Values the records made for a case need where a table requires a code.
_DEFAULT_VALUES: Mapping[str, Mapping[str, Any]] = {
    "care_episodes": {"rne": "S", "legal_status": "C2", "placement": "U1"},
    "missing": {"kind": "M"},
}

_DAY = dt.timedelta(days=1)


@attrs.frozen(kw_only=True)
class Boundary:
    """A timescale a definition applies, stated for :func:`check_boundary`.

    Build one with :meth:`deadline` or :meth:`recency` (or from a declaration:
    :meth:`of`).

    Attributes
    ----------
    kind
        ``"deadline"``: a record is met when its ``stop`` falls within ``limit`` of its
        ``start``. ``"recency"``: a case open at the period's end is met when its latest
        ``event`` falls within ``limit`` of the end.
    table
        The records' table (deadline), or the cases' table (recency: ``cp_plans``,
        ``cin_plans``, ``care_episodes``).
    start
        The column the clock starts from (deadline), or the case's start column (recency).
    stop
        Deadline: the stop column, or a :class:`~safeguarding_metrics.declared.FirstEvent`.
    limit
        The :class:`~safeguarding_metrics.declared.Limit` (its parameters read from the
        ``params`` the check is given).
    counted
        Deadline: which day places a record in a period, ``"stop"`` or ``"start"`` (a
        record still open is then late once its deadline has passed by the period's end).
    event
        Recency: the :class:`~safeguarding_metrics.declared.Events`.
    new_case, new_cases
        Recency: how young a case is new (default ``limit``) and what a new case is:
        ``"met"`` or ``"not counted"`` (left out of the population).
    values
        Fixed values for the records made, by table (``{"visits": {"seen_alone": True}}``).
    """

    kind: str = attrs.field(validator=attrs.validators.in_(("deadline", "recency")))
    table: str
    start: str = "start_date"
    limit: Limit
    stop: str | FirstEvent | None = None
    counted: str = attrs.field(default="stop", validator=attrs.validators.in_(("stop", "start")))
    event: Events | None = None
    new_case: Limit | None = None
    new_cases: str = attrs.field(
        default="met", validator=attrs.validators.in_(("met", "not counted"))
    )
    values: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)

    @classmethod
    def deadline(
        cls,
        table: str,
        start: str,
        stop: str | FirstEvent,
        limit: Limit,
        *,
        counted: str = "stop",
        values: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Boundary:
        """A record of ``table`` is met when ``stop`` is within ``limit`` of ``start``."""
        return cls(
            kind="deadline",
            table=table,
            start=start,
            stop=stop,
            limit=limit,
            counted=counted,
            values=values or {},
        )

    @classmethod
    def recency(
        cls,
        table: str,
        event: Events,
        limit: Limit,
        *,
        new_case: Limit | None = None,
        new_cases: str = "met",
        values: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Boundary:
        """A case of ``table`` open at the end is met when its latest ``event`` is within
        ``limit`` of the end (or, with ``new_cases="met"``, when it is younger than
        ``new_case``)."""
        return cls(
            kind="recency",
            table=table,
            limit=limit,
            event=event,
            new_case=new_case,
            new_cases=new_cases,
            values=values or {},
        )

    @classmethod
    def of(cls, rule: Deadline | Recency, params: Mapping[str, Any]) -> Boundary:
        """The boundary of a declaration, its limits resolved with ``params``."""
        if isinstance(rule, Deadline):
            if rule.counted == "open":
                raise ValueError("a deadline counted while open has no stop to test")
            if rule.linked_start is not None and rule.linked_start.active(params):
                raise ValueError(
                    f"with {rule.linked_start.parameter}={rule.linked_start.value!r} the clock "
                    f"starts at a linked {rule.linked_start.table} record: check the boundary "
                    "with the record's own start, or state one"
                )
            return cls.deadline(
                rule.table, rule.start, rule.stop, _limit(rule.within, params), counted=rule.counted
            )
        table = "care_episodes" if isinstance(rule.cases, LookedAfter) else rule.cases.table
        assert isinstance(rule.cases, LookedAfter | OpenRecords)
        return cls.recency(
            table,
            rule.event,
            _limit(rule.within, params),
            new_case=None if rule.new_case is None else _limit(rule.new_case, params),
            new_cases=rule.new_cases,
        )

    def resolved(self, params: Mapping[str, Any]) -> Boundary:
        """The boundary with its limits' parameters read from ``params``."""
        new = None if self.new_case is None else self.new_case.resolve(params)
        return attrs.evolve(self, limit=self.limit.resolve(params), new_case=new)


def _limit(limit: Limit | Choice, params: Mapping[str, Any]) -> Limit:
    return limit.resolve(params)


@attrs.frozen(kw_only=True)
class BoundaryCase:
    """One case made by :func:`check_boundary`: a child, its dates, and what must happen.

    ``expected`` is ``"met"``, ``"not met"``, ``"excluded"`` (listed, not counted) or
    ``"absent"`` (not in the population); ``period`` is the period checked: the day counted
    alone (the record then sits on both of its edges), or for a record still open the days
    from its start to the end measured at.
    """

    child_id: str
    what: str
    period: tuple[dt.date, dt.date]
    expected: str
    records: tuple[Any, ...]


@attrs.frozen
class BoundaryReport:
    """What :func:`check_boundary` tried: how many cases, in how many periods."""

    indicator: str
    cases: int
    periods: int
    boundary: Boundary


# -- making cases ----------------------------------------------------------------------------------


def _d64(day: dt.date) -> np.datetime64:
    return np.datetime64(day, "D")


def _date(value: Any) -> dt.date | None:
    value = np.datetime64(value, "D")
    if np.isnat(value):
        return None
    out = value.astype(object)
    assert isinstance(out, dt.date)
    return out


def _record(table: str, boundary: Boundary, serial: int, **values: Any) -> Any:
    """A record of ``table`` with ``values``, every other required column filled."""
    spec = table_spec(table)
    fields = {**_DEFAULT_VALUES.get(table, {}), **boundary.values.get(table, {}), **values}
    for column in spec.columns:
        if column.name in fields or not column.required:
            continue
        if column.kind == "id":
            fields[column.name] = f"{table[:3].upper()}{serial}"
        elif column.codes:
            fields[column.name] = sorted(column.codes)[0]
    return _new(spec.record, **fields)


def _steps(limit: Limit, start: dt.date) -> list[tuple[str, dt.date]]:
    """Days after ``start`` around the limit: the (N - 1)-th, N-th and (N + 1)-th unit, the
    last day within and the day after (hours: the day counts only for day units)."""
    out = []
    begin = np.array([_d64(start)])
    for delta in (-1, 0, 1):
        n = limit.n + delta
        if n < 0:
            continue
        unit = attrs.evolve(limit, n=n, strict=False)
        day = _date(unit.due_day(begin)[0])
        if day is not None and n > 0:
            out.append((f"{n} {limit.unit} after", day))
    last = _date(limit.last_day_within(begin)[0])
    if last is not None:
        out += [("the last day within", last), ("the day after the last day within", last + _DAY)]
    return out


def _starts_landing_on(limit: Limit, anchor: dt.date) -> list[dt.date]:
    """Starts whose last day within the limit is ``anchor`` (searched back a few spans)."""
    span = {"hours": 3, "days": limit.n + 3, "working days": 2 * limit.n + 12}.get(
        limit.unit, 31 * limit.n + 31
    )
    candidates = _d64(anchor) - np.arange(0, span + 1).astype("timedelta64[D]")
    last = limit.last_day_within(candidates)
    hits = candidates[last == _d64(anchor)]
    return [d for d in (_date(h) for h in hits[:2]) if d is not None]


def _deadline_cases(boundary: Boundary, anchors: Sequence[dt.date]) -> list[BoundaryCase]:
    limit, cases = boundary.limit, []
    starts = sorted({*anchors, *(s for a in anchors for s in _starts_landing_on(limit, a))})
    moments = table_spec(boundary.table).column(boundary.start).kind == "datetime"
    serial = 0
    for start in starts:
        pairs: list[tuple[str, Any, Any]]
        if moments:
            pairs = _hour_pairs(limit, start)
        else:
            pairs = [(what, start, stop) for what, stop in _steps(limit, start)]
        for what, begin, stop in pairs:
            serial += 1
            met = bool(
                limit.met(np.array([np.datetime64(begin)]), np.array([np.datetime64(stop)]))[0]
            )
            day = _as_day(stop if boundary.counted == "stop" else begin)
            counted = (day, day)
            cases.append(_deadline_case(boundary, serial, what, begin, stop, counted, met))
        if boundary.counted == "start":
            cases += _open_cases(boundary, limit, start, moments, serial)
            serial += 3
    return cases


def _as_day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _hour_pairs(limit: Limit, day: dt.date) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Moments around an hours limit (or a day limit read from date-times), from 09:00 and
    23:30 on ``day``."""
    out = []
    for clock in (dt.time(9, 0), dt.time(23, 30)):
        begin = dt.datetime.combine(day, clock)
        if limit.unit == "hours":
            spans = [
                ("an hour less", dt.timedelta(hours=limit.n - 1)),
                ("exactly the limit", dt.timedelta(hours=limit.n)),
                ("a minute more", dt.timedelta(hours=limit.n, minutes=1)),
                ("an hour more", dt.timedelta(hours=limit.n + 1)),
            ]
            out += [(what, begin, begin + span) for what, span in spans if span.total_seconds() > 0]
        else:
            for what, stop in _steps(limit, day):
                out.append((f"{what}, at 08:00", begin, dt.datetime.combine(stop, dt.time(8))))
                out.append((f"{what}, at 23:59", begin, dt.datetime.combine(stop, dt.time(23, 59))))
    return out


def _deadline_case(
    boundary: Boundary,
    serial: int,
    what: str,
    begin: Any,
    stop: Any,
    counted: tuple[dt.date, dt.date],
    met: bool,
) -> BoundaryCase:
    child = f"B{serial:04d}"
    values = {"child_id": child, boundary.start: begin}
    records = []
    if isinstance(boundary.stop, FirstEvent):
        event = boundary.stop
        extra = {event.where[0]: event.where[1]} if event.where else {}
        records.append(
            _record(event.table, boundary, serial, child_id=child, **{event.column: stop}, **extra)
        )
    elif boundary.stop is not None:
        values[boundary.stop] = stop
    records.insert(0, _record(boundary.table, boundary, serial, **values))
    return BoundaryCase(
        child_id=child,
        what=f"{boundary.stop} {what} {boundary.start}",
        period=counted,
        expected="met" if met else "not met",
        records=tuple(records),
    )


def _open_cases(
    boundary: Boundary, limit: Limit, start: dt.date, moments: bool, serial: int
) -> list[BoundaryCase]:
    """Records still open, counted in a period ending before, on and after the day their
    deadline passes: listed while it has not passed, late once it has."""
    begin: Any = dt.datetime.combine(start, dt.time(9)) if moments else start
    deadline = limit.deadline_at(np.array([np.datetime64(begin, "ns")]))[0]
    last_day = _date((deadline - np.timedelta64(1, "ns")).astype("datetime64[D]"))
    assert last_day is not None
    out = []
    for k, end in enumerate(d for d in (last_day - _DAY, last_day, last_day + _DAY) if d >= start):
        over = np.datetime64(end + _DAY, "ns")
        child = f"B{serial + 1 + k:04d}"
        out.append(
            BoundaryCase(
                child_id=child,
                what=f"still open at the end of {end} (deadline {str(deadline)[:16]})",
                period=(start, end),
                expected="excluded" if deadline > over else "not met",
                records=(
                    _record(
                        boundary.table,
                        boundary,
                        serial + 1 + k,
                        child_id=child,
                        **{boundary.start: begin},
                    ),
                ),
            )
        )
    return out


def _recency_cases(boundary: Boundary, anchors: Sequence[dt.date]) -> list[BoundaryCase]:
    assert boundary.event is not None
    limit = boundary.limit
    new_limit = boundary.new_case or limit
    cases: list[BoundaryCase] = []
    serial = 0
    # the latest event at a boundary day, the end N - 1, N, N + 1 units later
    for event_day in anchors:
        for what, end in _steps(limit, event_day):
            serial += 1
            met = bool(limit.met(np.array([_d64(event_day)]), np.array([_d64(end)]))[0])
            cases.append(
                _recency_case(boundary, serial, f"end {what} the event", end, event_day, met)
            )
    # the end at a boundary day, the event at the earliest day still within and the day before
    for end in anchors:
        for event_day in _starts_landing_on(limit, end)[:1]:
            for day in (event_day, event_day - _DAY):
                serial += 1
                met = _within(limit, day, end)
                cases.append(
                    _recency_case(boundary, serial, "event on the edge of the limit", end, day, met)
                )
    # new cases with no event: the case's age around the new-case limit
    for end in anchors:
        for start in _starts_landing_on(new_limit, end)[:1]:
            for day in (start, start - _DAY):
                serial += 1
                new = _within(new_limit, day, end)
                if boundary.new_cases == "met":
                    expected = "met" if new else "not met"
                else:
                    expected = "absent" if new else "not met"
                cases.append(
                    _recency_case(boundary, serial, "a new case", end, None, expected, day)
                )
    return cases


def _within(limit: Limit, start: dt.date, stop: dt.date) -> bool:
    return bool(limit.met(np.array([_d64(start)]), np.array([_d64(stop)]))[0])


def _recency_case(
    boundary: Boundary,
    serial: int,
    what: str,
    end: dt.date,
    event_day: dt.date | None,
    expected: bool | str,
    start: dt.date | None = None,
) -> BoundaryCase:
    assert boundary.event is not None
    child = f"B{serial:04d}"
    start = start or dt.date(end.year - 3, 1, 5)  # an old case: not new
    records = [_record(boundary.table, boundary, serial, child_id=child, start_date=start)]
    if event_day is not None:
        event = boundary.event
        extra = {event.where[0]: event.where[1]} if event.where else {}
        records.append(
            _record(
                event.table, boundary, serial, child_id=child, **{event.column: event_day}, **extra
            )
        )
    if isinstance(expected, bool):
        expected = "met" if expected else "not met"
    shown = f"{what}: case from {start}, latest event {event_day}, measured at {end}"
    return BoundaryCase(
        child_id=child, what=shown, period=(end, end), expected=expected, records=tuple(records)
    )


def boundary_cases(
    boundary: Boundary, anchors: Sequence[dt.date] = BOUNDARY_DAYS
) -> list[BoundaryCase]:
    """The cases :func:`check_boundary` checks (its limits already resolved)."""
    if boundary.kind == "deadline":
        return _deadline_cases(boundary, anchors)
    return _recency_cases(boundary, anchors)


# -- checking ------------------------------------------------------------------------------------


def _observed(cohort: pd.DataFrame) -> dict[tuple[int, str], str]:
    out: dict[tuple[int, str], str] = {}
    for period, child, met, excluded in zip(
        cohort["period"].to_numpy(),
        cohort["child_id"].to_numpy(),
        cohort["met"].astype("boolean").to_numpy(dtype=object, na_value=None),
        cohort["excluded"].to_numpy(dtype=object),
        strict=True,
    ):
        if excluded is not None and not pd.isna(excluded):
            state = "excluded"
        else:
            state = "met" if met else "not met"
        out[(int(period), str(child))] = state
    return out


def check_boundary(
    indicator: Indicator | str,
    boundary: Boundary | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    registry: Registry | Iterable[tuple[str, object]] | None = None,
    anchors: Sequence[dt.date] = BOUNDARY_DAYS,
) -> BoundaryReport:
    """Check that an indicator puts each case at a timescale's boundary on the right side.

    Parameters
    ----------
    indicator
        The :class:`~safeguarding_metrics.Indicator` (or its id, looked up in ``registry``).
    boundary
        The timescale its definition applies; default the one its declaration carries
        (:mod:`safeguarding_metrics.declared`). A hand-written indicator states it.
    params
        The indicator's parameters (also the limits' parameters: ``{"within": 15}``).
    registry
        As for :func:`~safeguarding_metrics.testing.check_indicator`.
    anchors
        The days the cases start or end on (default :data:`BOUNDARY_DAYS`).

    Returns
    -------
    BoundaryReport
        How many cases and periods were checked.

    Raises
    ------
    IndicatorCheckError
        (property ``boundary``) listing the cases on the wrong side: what the case was, what
        the limit says and what the indicator said, with the synthetic records.
    """
    chosen, reg = chosen_indicator(indicator, registry)
    params = dict(params or {})
    if boundary is None:
        rule = declaration_of(chosen)
        if rule is None:
            raise ValueError(
                f"{chosen.id} is not declared (safeguarding_metrics.declared): state its "
                "boundary, check_boundary(indicator, Boundary.deadline(...))"
            )
        boundary = Boundary.of(rule, chosen.resolve_params(params))
    else:
        boundary = boundary.resolved(chosen.resolve_params(params))
    cases = boundary_cases(boundary, anchors)
    records = [r for case in cases for r in case.records]
    data = make_dataset(records, tables=[*chosen.tables, *chosen.optional_tables])
    spans = sorted({c.period for c in cases})
    results = calculate(
        data,
        periods=[Period(first, last) for first, last in spans],
        indicators=[chosen],
        params={chosen.id: params} if params else None,
        registry=reg if reg is not None else build_registry([]),
        benchmarks=False,
        breakdown=False,
    )
    failure = results.frame.loc[results.frame["status"].astype(str) != "ok"]
    if len(failure):
        row = failure.iloc[0]
        raise IndicatorCheckError(
            chosen.id, "boundary", f"not computed: {row.get('reason', row['status'])}", ""
        )
    index = {span: i for i, span in enumerate(spans)}
    observed = _observed(results.drilldown(chosen.id))
    wrong = []
    for case in cases:
        got = observed.get((index[case.period], case.child_id), "absent")
        if got != case.expected:
            wrong.append((case, got))
    if wrong:
        lines = [
            f"{case.child_id}: {case.what} ({boundary.limit.words}), in the period "
            f"{case.period[0]}..{case.period[1]}: expected {case.expected}, the indicator "
            f"says {got}"
            for case, got in wrong[:6]
        ]
        more = f"\n  ... and {len(wrong) - 6} more" if len(wrong) > 6 else ""
        example = "\n".join(f"  {r}" for case, _ in wrong[:2] for r in case.records)
        raise IndicatorCheckError(
            chosen.id,
            "boundary",
            f"{len(wrong)} of {len(cases)} boundary cases on the wrong side:\n  "
            + "\n  ".join(lines)
            + more,
            example,
        )
    return BoundaryReport(
        indicator=chosen.id, cases=len(cases), periods=len(spans), boundary=boundary
    )
