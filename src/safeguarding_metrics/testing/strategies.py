"""Hypothesis strategies that build coherent case histories, for testing indicators.

Every strategy here is written by hand, child by child, along one timeline: a referral, then
maybe an assessment that starts on or after it and is authorised later, maybe a section 47
enquiry and its conference, a child protection plan with its reviews, a child in need plan,
periods of care made of episodes, and so on. Hypothesis's inference from the attrs record
classes would ignore the order of events (a plan ending before it starts, two plans of one child
overlapping), so it is not used.

The data are synthetic: identifiers are made up, and showing them in a failing test is fine.

Dates deliberately hit the days that indicators get wrong: month ends, 29 February, 31 March and
1 April, England and Wales bank holidays (Easter 2015 is 2015-04-03 and 2015-04-06; Christmas
2015 is 2015-12-25 and 2015-12-28), and spans of exactly 3, 6, 12, 24 or 30 months, 7 or 42
days, 15, 20 or 45 working days, or a day either side of them.

A *case history* is a dict of table name to a list of record objects
(:mod:`safeguarding_metrics.model`), one key per table asked for (an empty list when no record
of that table was made). :func:`make_dataset` turns it into a validated
:class:`~safeguarding_metrics.Dataset`.

Examples
--------
>>> from hypothesis import given
>>> from safeguarding_metrics.testing import case_histories, make_dataset
>>> @given(case_histories(tables=("referrals", "assessments"), max_children=5))
... def test_loads_cleanly(history):
...     assert make_dataset(history).quality.empty
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import attrs
import numpy as np
import pandas as pd
from hypothesis import strategies as st

from ..calendar import add_months, add_working_days, bank_holidays
from ..declared import Limit, declaration_of
from ..indicator import Indicator
from ..model.dataset import Dataset
from ..model.records import (
    Adoption,
    Allocation,
    Assessment,
    CareEpisode,
    CareLeaver,
    CarePlan,
    Child,
    CinPlan,
    ClaReview,
    Contact,
    CpPlan,
    CpReview,
    Missing,
    Referral,
    Section47,
    Visit,
    Worker,
)
from ..model.tables import table_spec, table_specs

__all__ = [
    "DEFAULT_END",
    "DEFAULT_START",
    "History",
    "boundary_dates",
    "case_histories",
    "child_ids",
    "datasets",
    "dates",
    "dates_after",
    "declared_limits",
    "describe_history",
    "history_frames",
    "history_tables",
    "make_dataset",
    "period_ranges",
    "referrals",
    "shuffled",
    "split_children",
]

#: A case history: table name -> records of that table.
History = dict[str, list[Any]]

#: The default span of generated histories: four collection years, 2012-13 to 2015-16, which
#: hold two 29 Februaries (2012 and 2016) and the bank holidays of the indicator reference.
DEFAULT_START = dt.date(2012, 4, 1)
DEFAULT_END = dt.date(2016, 3, 31)

_ONE_DAY = dt.timedelta(days=1)


_R = TypeVar("_R")


def _new(cls: type[_R], **values: Any) -> _R:
    """A record; through a plain callable, as type checkers do not see the records' fields."""
    make: Callable[..., _R] = cls
    return make(**values)


def _date(value: Any) -> dt.date:
    """A ``datetime.date`` from a ``datetime64[D]`` scalar (or a date)."""
    if isinstance(value, np.datetime64):
        out = value.astype("datetime64[D]").astype(object)
        if not isinstance(out, dt.date):  # NaT
            raise ValueError("missing date")
        return out
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"not a date: {value!r}")


def _years_before(day: dt.date, years: int) -> dt.date:
    return _date(add_months(day, -12 * years))


# -- dates -------------------------------------------------------------------------------------


@functools.cache
def _boundaries(
    min_value: dt.date, max_value: dt.date
) -> tuple[tuple[str, tuple[dt.date, ...]], ...]:
    first = np.datetime64(min_value, "M")
    last = np.datetime64(max_value, "M")
    months = np.arange(first, last + np.timedelta64(1, "M"))
    starts = [_date(m.astype("datetime64[D]")) for m in months]
    ends = [_date((m + np.timedelta64(1, "M")).astype("datetime64[D]")) - _ONE_DAY for m in months]
    holidays = [_date(d) for d in bank_holidays(min_value.year, max_value.year)]
    groups = {
        "month end": ends,
        "month start": starts,
        "29 February": [d for d in ends if d.month == 2 and d.day == 29],
        "financial year end or start": [
            d for d in starts + ends if (d.month, d.day) in ((3, 31), (4, 1))
        ],
        "bank holiday": holidays,
        "Christmas or Easter": [
            d for d in holidays if d.month in (12, 1) or (d.month in (3, 4) and d.day not in (1, 2))
        ],
    }
    return tuple(
        (name, tuple(sorted({d for d in days if min_value <= d <= max_value})))
        for name, days in groups.items()
    )


def boundary_dates(
    min_value: dt.date = DEFAULT_START, max_value: dt.date = DEFAULT_END
) -> dict[str, tuple[dt.date, ...]]:
    """The boundary days that :func:`dates` favours, by kind, between two days (inclusive).

    Kinds: ``"month end"``, ``"month start"``, ``"29 February"``, ``"financial year end or
    start"`` (31 March, 1 April), ``"bank holiday"`` (England and Wales, substitute days
    included, as :func:`safeguarding_metrics.calendar.bank_holidays` lists them) and
    ``"Christmas or Easter"``. Kinds with no day in the range are left out.
    """
    if min_value > max_value:
        raise ValueError(
            f"boundary_dates() needs min_value <= max_value; got {min_value} > {max_value}"
        )
    return {name: days for name, days in _boundaries(min_value, max_value) if days}


def dates(
    min_value: dt.date = DEFAULT_START,
    max_value: dt.date = DEFAULT_END,
    *,
    boundaries: bool = True,
) -> st.SearchStrategy[dt.date]:
    """Days between ``min_value`` and ``max_value`` (inclusive), often a boundary day.

    Parameters
    ----------
    min_value, max_value
        The range, both days included.
    boundaries
        With probability about one half, draw a boundary day (:func:`boundary_dates`): first a
        kind (month end, 29 February, bank holiday, ...), then a day of that kind, so that a rare
        kind such as 29 February still comes up often (about one draw in twelve when the range
        holds one). ``False``: uniform days only.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[datetime.date]
        Shrinks towards ``min_value``.
    """
    if min_value > max_value:
        raise ValueError(f"dates() needs min_value <= max_value; got {min_value} > {max_value}")
    uniform = st.dates(min_value=min_value, max_value=max_value)
    if not boundaries:
        return uniform
    groups = [days for _, days in _boundaries(min_value, max_value) if days]
    if not groups:
        return uniform
    special = st.sampled_from(groups).flatmap(st.sampled_from)
    return st.one_of(uniform, special)


@st.composite
def dates_after(
    draw: st.DrawFn,
    day: dt.date,
    *,
    months: Sequence[int] = (),
    working_days: Sequence[int] = (),
    days: Sequence[int] = (),
    max_days: int = 400,
    same_day: bool = False,
) -> dt.date:
    """A day after ``day``, often exactly at a timescale an indicator tests, or a day off it.

    Parameters
    ----------
    day
        The day counted from.
    months
        Spans in calendar months: the result is then ``add_months(day, n)`` or a day either
        side of it (so exactly 12 months, and 12 months and a day, both come up). Half the
        time one of the spans given (``months``, ``working_days``, ``days``) is used, exactly
        or a day off, when any is given.
    working_days
        Spans in working days: the ``n``-th working day after ``day`` (``wd(day, D) == n``)
        or the ``n + 1``-th.
    days
        Spans in calendar days: ``day + n`` or a day either side.
    max_days
        Otherwise, a uniform span of 1 to ``max_days`` days [days].
    same_day
        Allow ``day`` itself (a span of 0 days).

    Returns
    -------
    datetime.date
        Strictly after ``day`` unless ``same_day``.
    """
    low = 0 if same_day else 1
    choices: list[tuple[str, int, int]] = [
        ("months", n, delta) for n in months for delta in (0, -1, 1)
    ]
    choices += [("working days", n, delta) for n in working_days for delta in (0, 1)]
    choices += [("days", n, delta) for n in days for delta in (0, -1, 1)]
    kind, n, delta = "uniform", 0, 0
    exact: bool = bool(choices) and draw(st.booleans())
    if exact:  # half the time, a timescale exactly or a day off
        kind, n, delta = draw(st.sampled_from(choices))
    if kind == "months":
        out = _date(add_months(day, n)) + dt.timedelta(days=delta)
    elif kind == "working days":
        out = _date(add_working_days(day, n + delta))
    elif kind == "days":
        out = day + dt.timedelta(days=n + delta)
    else:
        out = day + dt.timedelta(days=draw(st.integers(low, max(low, max_days))))
    return max(out, day + dt.timedelta(days=low))


def period_ranges(
    min_value: dt.date = DEFAULT_START, max_value: dt.date = DEFAULT_END
) -> st.SearchStrategy[tuple[dt.date, dt.date]]:
    """``(start, end)`` ranges to calculate over, ``start <= end``, often on boundary days."""
    return dates(min_value, max_value).flatmap(
        lambda first: st.tuples(st.just(first), dates(first, max_value))
    )


# -- identifiers -------------------------------------------------------------------------------


def child_ids() -> st.SearchStrategy[str]:
    """Child identifiers as a case management system might write them.

    Letters, digits, ``-`` and ``_``, 1 to 10 characters, never surrounding spaces (the loader
    strips those). Case matters: ``"c1"`` and ``"C1"`` are two children, and both come up. Draw
    several with ``st.lists(child_ids(), unique=True)``.
    """
    plain = st.integers(min_value=1, max_value=9999).map(lambda n: f"C{n:04d}")
    odd = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,9}", fullmatch=True)
    return st.one_of(plain, odd)


# -- case histories ----------------------------------------------------------------------------

_CHILD_TABLES = ("children",)
_NEEDS_CP = ("section47", "cp_plans", "cp_reviews", "visits", "care_plans")
_NEEDS_CIN = ("cin_plans", "visits", "care_plans")
_NEEDS_CARE = (
    "care_episodes",
    "cla_reviews",
    "visits",
    "care_plans",
    "adoptions",
    "missing",
    "care_leavers",
)
_NEEDS_WORKERS = ("workers", "allocations")

_SOURCES = ("1A", "1B", "1C", "2A", "2B", "3A", "3B", "4", "5A", "5C", "6", "7", "8", "9")
_LEGAL = ("C1", "C2", "E1", "J1", "J2", "L1", "L2", "V2")
_SHORT_BREAK_LEGAL = ("V3", "V4")
_PLACEMENTS = ("U1", "U2", "U3", "U4", "U5", "U6", "K2", "R1", "H5", "P1", "S1", "Z1", "T0", "T4")
_ADOPTIVE = ("A3", "A4", "A5", "A6")
_CATEGORIES = ("NEG", "PHY", "SAB", "EMO", "MUL")
_CLOSURE = ("RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8", "RC9")
_CEASED = ("E2", "E3", "E4A", "E13", "E41", "E45", "E8", "E9")
_PLACE_CHANGE = ("CARPL", "CHILD", "LAREQ", "PLACE", "STAND", "OTHER")
_IN_TOUCH = ("YES", "NO", "DIED", "REFU", "NREQ", "RHOM")
_ACTIVITY = ("F1", "F2", "F3", "F4", "F5", "P1", "P2", "P5", "G1", "G4", "G6")
_ACCOMMODATION = ("B1", "B2", "C1", "C2", "D1", "E2", "G1", "H2", "K1", "R1", "S2", "T1", "U2")


def history_tables(tables: Iterable[str] | Indicator | None = None) -> tuple[str, ...]:
    """Canonical table names, in the data contract's order, checked.

    ``tables`` may be names, an :class:`~safeguarding_metrics.Indicator` (the tables it
    reads), or ``None`` (every canonical table).
    """
    if tables is None:
        return tuple(table_specs())
    names = (
        set(tables.tables) | set(tables.optional_tables)
        if isinstance(tables, Indicator)
        else set(tables)
    )
    for name in names:
        table_spec(name)  # a clear error for an unknown table
    return tuple(t for t in table_specs() if t in names)


@attrs.define
class _Builder:
    """Accumulates one history while the timeline of each child is drawn."""

    draw: st.DrawFn
    wanted: frozenset[str]
    start: dt.date
    end: dt.date
    max_referrals: int
    out: dict[str, list[Any]] = attrs.field(factory=dict)
    workers: tuple[str, ...] = ()
    limits: tuple[Limit, ...] = ()

    def after(
        self,
        day: dt.date,
        *,
        months: Sequence[int] = (),
        working_days: Sequence[int] = (),
        days: Sequence[int] = (),
        **options: Any,
    ) -> dt.date:
        """:func:`dates_after`, drawing also around the declared limits (``limits``)."""
        for limit in self.limits:
            if limit.unit == "months":
                months = (*months, limit.n)
            elif limit.unit == "working days":
                working_days = (*working_days, *(n for n in (limit.n - 1, limit.n) if n >= 1))
            elif limit.unit == "days":
                days = (*days, limit.n)
        return self.draw(
            dates_after(day, months=months, working_days=working_days, days=days, **options)
        )

    def decision_minutes(self) -> list[int]:
        """Minutes from a contact's receipt to its decision that test a limit in hours: the
        national 24 hours and each declared one, exactly and a minute either side."""
        hours = [24, 48, 72] + [limit.n for limit in self.limits if limit.unit == "hours"]
        return sorted({m for h in hours for m in (h * 60 - 1, h * 60, h * 60 + 1)} | {0})

    def needs(self, *tables: str) -> bool:
        return any(t in self.wanted for t in tables)

    def emit(self, record: Any) -> None:
        name = type(record).table
        if name in self.wanted:
            self.out.setdefault(name, []).append(record)

    def cap(self, day: dt.date | None) -> dt.date | None:
        """An end date as extracted at the end of the history: after it, not yet known."""
        return None if day is None or day > self.end else day

    def maybe(self, probability_in_8: int) -> bool:
        return self.draw(st.integers(0, 7)) < probability_in_8

    # -- workers -------------------------------------------------------------------------------

    def make_workers(self) -> None:
        n = self.draw(st.integers(1, 5))
        self.workers = tuple(f"W{k}" for k in range(1, n + 1))
        for worker_id in self.workers:
            self.emit(
                _new(
                    Worker,
                    worker_id=worker_id,
                    team=self.draw(st.sampled_from(["Team A", "Team B", "Team C", None])),
                    fte=self.draw(st.sampled_from([1.0, 0.8, 0.5, None])),
                    role=self.draw(st.sampled_from(["social worker", "team manager", None])),
                )
            )

    # -- one child -----------------------------------------------------------------------------

    def child(self, child_id: str) -> None:
        draw = self.draw
        old_enough_to_leave = self.needs("care_leavers") and self.maybe(4)
        if old_enough_to_leave:
            dob = draw(dates(_years_before(self.start, 18), _years_before(self.start, 15)))
        else:
            dob = draw(dates(_years_before(self.start, 17), self.end))
        if self.needs("children"):
            self.emit(
                _new(
                    Child,
                    child_id=child_id,
                    date_of_birth=None if self.maybe(1) else dob,
                    sex=draw(st.sampled_from(["1", "2", "0", None])),
                    ethnicity=draw(st.sampled_from(["WBRI", "WIRI", "MWBC", "ASIA", "BAFR", None])),
                    disability=draw(st.sampled_from(["NONE", "MOB", "COMM", "AUT", None])),
                )
            )
        first = draw(dates(max(self.start, dob), self.end))
        self.referral_chain(child_id, first)
        if self.needs(*_NEEDS_CARE) and self.maybe(3):
            self.care(child_id, first, dob)
        if self.needs(*_NEEDS_WORKERS):
            self.allocations(child_id, first)

    def referral_chain(self, child_id: str, first: dt.date) -> None:
        draw = self.draw
        n_referrals = draw(st.integers(1, self.max_referrals))
        cp_free_from: dt.date | None = self.start  # None: a plan is open
        cin_free_from: dt.date | None = self.start
        day = first
        number = 0
        for index in range(n_referrals):
            if index:
                day = self.after(day, months=(12,), max_days=800)
            if day > self.end:
                break
            copies = 2 if self.maybe(1) else 1  # a same-day duplicate, another id
            for _ in range(copies):
                number += 1
                self.referral(child_id, number, day)
            if self.needs("contacts"):
                self.contact(child_id, index + 1, day)
            authorised = None
            if self.needs("assessments", *_NEEDS_CP, *_NEEDS_CIN) and self.maybe(6):
                authorised = self.assessment(child_id, index + 1, day, f"{child_id}-R{number}")
            if self.needs(*_NEEDS_CP) and self.maybe(3):
                cp_free_from = self.section47(child_id, index + 1, day, cp_free_from)
            if (
                self.needs(*_NEEDS_CIN)
                and authorised is not None
                and cin_free_from is not None
                and authorised >= cin_free_from
                and self.maybe(3)
            ):
                cin_free_from = self.cin_plan(child_id, index + 1, authorised)

    def referral(self, child_id: str, number: int, day: dt.date) -> None:
        draw = self.draw
        closure = None
        if self.maybe(5):
            closure = self.after(day, months=(3, 12), max_days=500, same_day=True)
        closure = self.cap(closure)
        self.emit(
            _new(
                Referral,
                referral_id=f"{child_id}-R{number}",
                child_id=child_id,
                referral_date=day,
                source=draw(st.sampled_from([*_SOURCES, None])),
                nfa=draw(st.sampled_from([False, True, None])),
                closure_date=closure,
                closure_reason=None if closure is None else draw(st.sampled_from(_CLOSURE)),
            )
        )

    def contact(self, child_id: str, number: int, day: dt.date) -> None:
        draw = self.draw
        received_day = max(self.start, day - dt.timedelta(days=draw(st.integers(0, 2))))
        received = dt.datetime.combine(
            received_day, dt.time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 59])))
        )
        decision = None
        if self.maybe(7):
            minutes = draw(st.sampled_from(self.decision_minutes()))
            if self.maybe(3):
                minutes = draw(st.integers(1, 96 * 60))
            decision = received + dt.timedelta(minutes=minutes)
            if decision.date() > self.end:
                decision = None
        self.emit(
            _new(
                Contact,
                contact_id=f"{child_id}-K{number}",
                child_id=child_id,
                received_at=received,
                decision_at=decision,
                outcome=draw(
                    st.sampled_from(["referral", "early help", "no further action", None])
                ),
            )
        )

    def assessment(
        self, child_id: str, number: int, day: dt.date, referral_id: str
    ) -> dt.date | None:
        start = self.after(day, max_days=10, same_day=True)
        if start > self.end:
            return None
        authorised = None
        if self.maybe(6):
            authorised = self.after(start, working_days=(45,), max_days=100, same_day=True)
        authorised = self.cap(authorised)
        self.emit(
            _new(
                Assessment,
                assessment_id=f"{child_id}-A{number}",
                child_id=child_id,
                start_date=start,
                authorised_date=authorised,
                referral_id=None if self.maybe(1) else referral_id,
            )
        )
        return authorised

    def section47(
        self, child_id: str, number: int, day: dt.date, cp_free_from: dt.date | None
    ) -> dt.date | None:
        """An enquiry, maybe its conference, maybe a plan; returns when the next plan may start."""
        draw = self.draw
        start = self.after(day, max_days=20, same_day=True)
        if start > self.end:
            return cp_free_from
        icpc: dt.date | None = None
        if self.maybe(6):
            if self.maybe(1):  # a conference recorded before its enquiry: counted as not met
                icpc = start - dt.timedelta(days=draw(st.integers(1, 3)))
            else:
                icpc = self.after(start, working_days=(15,), max_days=40, same_day=True)
        icpc = self.cap(icpc)
        self.emit(
            _new(
                Section47,
                s47_id=f"{child_id}-S{number}",
                child_id=child_id,
                start_date=start,
                icpc_date=icpc,
                icpc_not_required=(
                    draw(st.sampled_from([True, False, None])) if icpc is None else None
                ),
            )
        )
        if icpc is None or icpc < start or cp_free_from is None or icpc < cp_free_from:
            return cp_free_from
        if not self.maybe(6):
            return cp_free_from
        return self.cp_plan(child_id, number, icpc)

    def cp_plan(self, child_id: str, number: int, start: dt.date) -> dt.date | None:
        draw = self.draw
        end = None
        if self.maybe(5):
            end = self.after(start, months=(24,), max_days=900)
        end = self.cap(end)
        plan_id = f"{child_id}-P{number}"
        self.emit(
            _new(
                CpPlan,
                plan_id=plan_id,
                child_id=child_id,
                start_date=start,
                end_date=end,
                initial_category=draw(st.sampled_from([*_CATEGORIES, None])),
                previous_plans=draw(st.sampled_from([None, 0, 0, 1, 2])),
            )
        )
        until = self.end if end is None else end
        if self.needs("cp_reviews"):
            review = self.after(start, months=(3,), max_days=120)
            for _ in range(draw(st.integers(0, 6))):
                if review > until:
                    break
                self.emit(_new(CpReview, plan_id=plan_id, child_id=child_id, review_date=review))
                review = self.after(review, months=(6,), max_days=220)
        if self.needs("visits"):
            self.visits(child_id, "cp", start, until, days=(10, 14), max_days=20)
        if self.needs("care_plans"):
            self.care_plans(child_id, "cp", start, until, months=(6,))
        return end

    def cin_plan(self, child_id: str, number: int, after: dt.date) -> dt.date | None:
        start = self.after(after, max_days=15, same_day=True)
        if start > self.end:
            return start
        end = self.cap(self.after(start, months=(6, 12), max_days=500)) if self.maybe(5) else None
        self.emit(
            _new(
                CinPlan,
                plan_id=f"{child_id}-N{number}",
                child_id=child_id,
                start_date=start,
                end_date=end,
            )
        )
        until = self.end if end is None else end
        if self.needs("visits"):
            self.visits(child_id, "cin", start, until, days=(20, 42), max_days=45)
        if self.needs("care_plans"):
            self.care_plans(child_id, "cin", start, until, months=(3,))
        return end

    def visits(
        self,
        child_id: str,
        kind: str,
        start: dt.date,
        until: dt.date,
        *,
        days: Sequence[int],
        max_days: int,
        first_within: int = 7,
    ) -> None:
        """Visits from ``start`` to ``until``: the first within a week, then at intervals."""
        draw = self.draw
        visit = self.after(start, days=(first_within,), max_days=first_within, same_day=True)
        for _ in range(draw(st.integers(0, 6))):
            if visit > until or visit > self.end:
                break
            self.emit(
                _new(
                    Visit,
                    child_id=child_id,
                    visit_date=visit,
                    visit_type=kind,
                    seen_alone=draw(st.sampled_from([True, False, None])),
                )
            )
            visit = self.after(visit, days=days, max_days=max_days)

    def care_plans(
        self, child_id: str, kind: str, start: dt.date, until: dt.date, *, months: Sequence[int]
    ) -> None:
        draw = self.draw
        update = self.after(start, max_days=20, same_day=True)
        for _ in range(draw(st.integers(0, 4))):
            if update > until or update > self.end:
                break
            self.emit(_new(CarePlan, child_id=child_id, plan_type=kind, updated_date=update))
            update = self.after(update, months=months, max_days=250)

    # -- care ----------------------------------------------------------------------------------

    def care(self, child_id: str, first: dt.date, dob: dt.date) -> None:
        """Short breaks, then one or two periods of care, maybe ending in adoption."""
        draw = self.draw
        day = self.after(first, max_days=365, same_day=True)
        if self.maybe(2):
            day = self.short_breaks(child_id, day)
        adopted = False
        for _ in range(draw(st.integers(1, 2))):
            if day > self.end or adopted:
                break
            end, adopted = self.period_of_care(child_id, day, dob)
            if end is None:
                break
            day = self.after(end, max_days=500)

    def short_breaks(self, child_id: str, day: dt.date) -> dt.date:
        """A series of short breaks (legal status V3/V4); returns the day after the last."""
        draw = self.draw
        for _ in range(draw(st.integers(1, 4))):
            if day > self.end:
                break
            end = day + dt.timedelta(days=draw(st.integers(1, 6)))
            self.emit(
                _new(
                    CareEpisode,
                    child_id=child_id,
                    start_date=day,
                    end_date=self.cap(end),
                    rne="S",
                    legal_status=draw(st.sampled_from(_SHORT_BREAK_LEGAL)),
                    placement=draw(st.sampled_from(["H5", "R1", "U4"])),
                    reason_ceased=None if end > self.end else "E13",
                )
            )
            if end > self.end:
                return end
            day = self.after(end, days=(28,), max_days=90)
        return day

    def period_of_care(
        self, child_id: str, start: dt.date, dob: dt.date
    ) -> tuple[dt.date | None, bool]:
        """Episodes of one period of care; returns its end (None: open) and whether adopted."""
        draw = self.draw
        adoption: tuple[dt.date, dt.date] | None = None
        if self.needs("adoptions", "care_episodes") and self.maybe(2):
            placed = self.after(start, months=(6, 12), max_days=700)
            order = self.after(placed, months=(6,), days=(70,), max_days=400)
            adoption = (placed, order)
        leaves_at = _date(add_months(dob, 216))  # the 18th birthday
        if not start < leaves_at:
            leaves_at = dt.date.max
        legal = draw(st.sampled_from(_LEGAL))
        placement = draw(st.sampled_from(_PLACEMENTS))
        episodes: list[dict[str, Any]] = []
        day, rne = start, "S"
        n_episodes = draw(st.integers(1, 4))
        end: dt.date | None = None
        for index in range(n_episodes):
            last = index == n_episodes - 1
            change = None if rne in ("S", "L") else draw(st.sampled_from([*_PLACE_CHANGE, None]))
            episode: dict[str, Any] = dict(
                start_date=day,
                rne=rne,
                legal_status=legal,
                placement=placement,
                reason_place_change=change,
                long_term=draw(st.sampled_from([None, False, True]))
                if placement in ("U1", "U4")
                else None,
                cin_category=draw(st.sampled_from(["N1", "N2", "N3", "N4", None])),
            )
            episodes.append(episode)
            end = None
            if not (last and self.maybe(3)):
                end = self.after(day, months=(12, 24, 30), max_days=500)
            if adoption is not None and (end is None or end >= adoption[0]):
                end = adoption[0]
            if adoption is None and (end is None or end >= leaves_at) and leaves_at <= self.end:
                end, last = leaves_at, True  # leaves care at 18
                episode["reason_ceased"] = "E8"
            episode["end_date"] = end
            if end is None or end > self.end or (adoption is not None and end == adoption[0]):
                break
            if last:
                episode["reason_ceased"] = episode.get("reason_ceased") or draw(
                    st.sampled_from(_CEASED)
                )
                break
            day = end
            rne = draw(st.sampled_from(["P", "L", "T", "U", "B"]))
            if rne != "P":
                legal = draw(st.sampled_from(_LEGAL))
            if rne != "L":
                placement = draw(st.sampled_from(_PLACEMENTS))
        adopted = False
        if (
            adoption is not None
            and episodes[-1].get("end_date") == adoption[0]
            and adoption[0] <= self.end
        ):
            placed, order = adoption
            episodes.append(
                dict(
                    start_date=placed,
                    rne=draw(st.sampled_from(["P", "T"])),
                    legal_status=draw(st.sampled_from(["E1", "C2"])),
                    placement=draw(st.sampled_from(_ADOPTIVE)),
                    end_date=order,
                    reason_ceased=draw(st.sampled_from(["E11", "E12"])),
                )
            )
            end = order
            adopted = True
            self.adoption(child_id, start, placed, order)
        elif adoption is not None and self.needs("adoptions") and self.maybe(2):
            # a decision that the child should be placed, later reversed or not yet carried out
            shobpa = self.after(start, months=(3,), max_days=300)
            if shobpa <= self.end:
                self.emit(
                    _new(
                        Adoption,
                        child_id=child_id,
                        shobpa_date=shobpa,
                        shobpa_reversed_date=self.cap(self.after(shobpa, max_days=300))
                        if self.maybe(4)
                        else None,
                    )
                )
        for episode in episodes:
            if episode["start_date"] > self.end:
                break
            if episode.get("end_date") is not None and episode["end_date"] > self.end:
                episode["end_date"] = None
                episode.pop("reason_ceased", None)
            self.emit(_new(CareEpisode, child_id=child_id, **episode))
        poc_end = self.cap(end)
        until = self.end if poc_end is None else poc_end
        if self.needs("cla_reviews"):
            review = self.after(start, working_days=(20,), max_days=40)
            gap = (3,)
            for _ in range(draw(st.integers(0, 5))):
                if review > until:
                    break
                self.emit(_new(ClaReview, child_id=child_id, review_date=review))
                review = self.after(review, months=gap, max_days=220)
                gap = (6,)
        if self.needs("visits"):
            self.visits(child_id, "cla", start, until, days=(42,), max_days=50)
        if self.needs("care_plans"):
            self.care_plans(child_id, "cla", start, until, months=(6,))
        if self.needs("missing") and self.maybe(3):
            day = self.after(start, max_days=120, same_day=True)
            for _ in range(draw(st.integers(1, 3))):
                if day > until or day > self.end:
                    break
                back = (
                    self.cap(self.after(day, max_days=5, same_day=True)) if self.maybe(7) else None
                )
                self.emit(
                    _new(
                        Missing,
                        child_id=child_id,
                        start_date=day,
                        end_date=back,
                        kind=draw(st.sampled_from(["M", "A"])),
                    )
                )
                if back is None:
                    break
                day = self.after(back, max_days=90)
        if self.needs("care_leavers") and poc_end is not None and poc_end == leaves_at:
            for age in (19, 20, 21):
                birthday = _date(add_months(dob, 12 * age))
                if birthday > self.end:
                    break
                self.emit(
                    _new(
                        CareLeaver,
                        child_id=child_id,
                        recorded_date=birthday,
                        in_touch=draw(st.sampled_from(_IN_TOUCH)),
                        activity=draw(st.sampled_from([*_ACTIVITY, None])),
                        accommodation=draw(st.sampled_from([*_ACCOMMODATION, None])),
                    )
                )
        return end, adopted

    def adoption(self, child_id: str, start: dt.date, placed: dt.date, order: dt.date) -> None:
        """The adoption journey of a child placed for adoption on ``placed``."""
        draw = self.draw
        shobpa = min(placed, self.after(start, months=(3,), max_days=200))
        placement_order = min(placed, self.after(shobpa, months=(4,), max_days=200, same_day=True))
        if self.maybe(1):  # matched before the placement order: allowed, counted as 0 days
            matched = placement_order - dt.timedelta(days=draw(st.integers(1, 10)))
            matched = max(matched, shobpa)
        else:
            matched = min(
                placed, self.after(placement_order, months=(4,), max_days=150, same_day=True)
            )
        self.emit(
            _new(
                Adoption,
                child_id=child_id,
                shobpa_date=shobpa,
                placement_order_date=self.cap(placement_order),
                matched_date=self.cap(matched),
                placed_date=self.cap(placed) if self.maybe(7) else None,
                adoption_order_date=self.cap(order),
                foster_carer=draw(st.sampled_from([False, False, True, None])),
            )
        )

    # -- allocations ---------------------------------------------------------------------------

    def allocations(self, child_id: str, first: dt.date) -> None:
        draw = self.draw
        day = self.after(first, max_days=5, same_day=True)
        for _ in range(draw(st.integers(1, 3))):
            if day > self.end:
                break
            worker = draw(st.sampled_from(self.workers))
            end = self.cap(self.after(day, months=(6,), max_days=400)) if self.maybe(5) else None
            self.emit(
                _new(Allocation, child_id=child_id, worker_id=worker, start_date=day, end_date=end)
            )
            if self.maybe(1) and len(self.workers) > 1:  # a second worker at the same time
                other = draw(st.sampled_from([w for w in self.workers if w != worker]))
                self.emit(
                    _new(
                        Allocation, child_id=child_id, worker_id=other, start_date=day, end_date=end
                    )
                )
            if end is None:
                break
            day = end


@st.composite
def case_histories(
    draw: st.DrawFn,
    tables: Iterable[str] | Indicator | None = None,
    *,
    min_children: int = 0,
    max_children: int = 20,
    start: dt.date = DEFAULT_START,
    end: dt.date = DEFAULT_END,
    max_referrals: int = 4,
    limits: Iterable[Limit] | None = None,
) -> History:
    """Coherent case histories of distinct children, built along each child's timeline.

    Parameters
    ----------
    tables
        The tables to return (names, or an :class:`~safeguarding_metrics.Indicator` for the
        tables it reads); default every canonical table. Only what they need is drawn.
    min_children, max_children
        How many children.
    start, end
        The span of the history [days]. Every event is on or before ``end``; an end date that
        would fall after it is missing ("still open"), as in an extract taken on ``end``.
    max_referrals
        At most this many referral dates per child (a same-day duplicate comes on top).
    limits
        Timescales (:class:`~safeguarding_metrics.declared.Limit`) to draw around: every span
        between two events of a child's timeline is then also, half the time, exactly one of
        them or a day off it (months, days, working days; hours for the time a contact waits
        for its decision), besides the national timescales. Default: the limits of the
        indicator's declaration when ``tables`` is a declared indicator, else none.

    Returns
    -------
    dict of str to list
        Table name to record objects (``Referral``, ``CpPlan``, ...), a key for every table
        asked for. Each child's records are coherent: every child's timeline starts with a
        referral on or after its birth; an assessment starts on or after its referral and is
        authorised later (about half the time exactly 45 or 46 working days later); a section 47
        enquiry starts on or after the referral and its conference follows (sometimes exactly 15
        working days later, occasionally *before* the enquiry, which the definitions count as
        not met); child protection plans start at a conference and never overlap; reviews fall
        inside their plan; periods of care start with ``rne = 'S'`` and later episodes follow
        on the day the previous one ended with ``P``, ``L``, ``T``, ``U`` or ``B``; short breaks
        (``V3``/``V4``) never overlap other care; an adoption's placement starts an ``A3``-``A6``
        episode that ends on the adoption order date; care leavers have records at their 19th
        to 21st birthdays after leaving care at 18. Keys are unique and no two rows are exact
        duplicates, so the history loads with no data-quality finding.

    Notes
    -----
    Same-day duplicate referrals (one child, one date, two ids) are generated on purpose: the
    definitions count them once. Workers (``W1``, ``W2``, ...) are shared by every child.
    """
    if min_children < 0 or max_children < min_children:
        raise ValueError("case_histories() needs 0 <= min_children <= max_children")
    if start > end:
        raise ValueError(f"case_histories() needs start <= end; got {start} > {end}")
    wanted = history_tables(tables)
    if limits is None:
        limits = declared_limits(tables) if isinstance(tables, Indicator) else ()
    builder = _Builder(
        draw=draw,
        wanted=frozenset(wanted),
        start=start,
        end=end,
        max_referrals=max(1, max_referrals),
        limits=tuple(limits),
    )
    if builder.needs(*_NEEDS_WORKERS):
        builder.make_workers()
    ids = draw(st.lists(child_ids(), min_size=min_children, max_size=max_children, unique=True))
    for child_id in ids:
        builder.child(child_id)
    history: History = {}
    for name in wanted:
        rows = builder.out.get(name, [])
        history[name] = list(dict.fromkeys(rows))  # no exact duplicates
    return history


def declared_limits(indicator: Indicator) -> tuple[Limit, ...]:
    """The limits an indicator's declaration applies (none for a hand-written indicator)."""
    rule = declaration_of(indicator)
    return () if rule is None else rule.limits


def referrals(
    *,
    min_children: int = 1,
    max_children: int = 10,
    start: dt.date = DEFAULT_START,
    end: dt.date = DEFAULT_END,
    max_referrals: int = 4,
) -> st.SearchStrategy[list[Referral]]:
    """Referrals of distinct children: one child's next referral is often exactly 12 months
    after the last (or a day either side), and same-day duplicates occur.

    See :func:`case_histories` for the parameters.
    """
    return case_histories(
        tables=("referrals",),
        min_children=min_children,
        max_children=max_children,
        start=start,
        end=end,
        max_referrals=max_referrals,
    ).map(lambda history: history["referrals"])


# -- datasets ----------------------------------------------------------------------------------


def _records_by_table(records: Mapping[str, Iterable[Any]] | Iterable[Any]) -> dict[str, list[Any]]:
    if isinstance(records, Mapping):
        return {str(name): list(rows) for name, rows in records.items()}
    grouped: dict[str, list[Any]] = {}
    for record in records:
        name = getattr(type(record), "table", None)
        if name is None or not attrs.has(type(record)):
            raise TypeError(
                f"{type(record).__name__} is not a record type of safeguarding_metrics.model"
            )
        grouped.setdefault(name, []).append(record)
    return grouped


def history_frames(
    history: Mapping[str, Iterable[Any]] | Iterable[Any],
    *,
    tables: Iterable[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """One DataFrame per table (the contract's columns, typed Python values), empty ones kept."""
    grouped = _records_by_table(history)
    for name in tables or ():
        grouped.setdefault(name, [])
    frames = {}
    for name, rows in grouped.items():
        spec = table_spec(name)
        for row in rows:
            if type(row) is not spec.record:
                raise TypeError(f"a {type(row).__name__} is not a row of table {name!r}")
        frames[name] = pd.DataFrame(
            [attrs.asdict(r, recurse=False) for r in rows], columns=list(spec.column_names)
        )
    return frames


def make_dataset(
    history: Mapping[str, Iterable[Any]] | Iterable[Any],
    *,
    tables: Iterable[str] | None = None,
    strict: bool = False,
) -> Dataset:
    """A validated dataset from a case history (or any iterable of record objects).

    Unlike :meth:`Dataset.from_records`, every table named in ``history`` (or in ``tables``) is
    present in the dataset even when it has no record: an indicator reading it is then
    computable, over no rows.
    """
    return Dataset.from_frames(
        history_frames(history, tables=tables), strict=strict, source="safeguarding_metrics.testing"
    )


def datasets(
    tables: Iterable[str] | Indicator | None = None,
    *,
    min_children: int = 0,
    max_children: int = 20,
    start: dt.date = DEFAULT_START,
    end: dt.date = DEFAULT_END,
) -> st.SearchStrategy[Dataset]:
    """Validated datasets of :func:`case_histories` (every table asked for present)."""
    names = history_tables(tables)
    return case_histories(
        tables=names, min_children=min_children, max_children=max_children, start=start, end=end
    ).map(lambda history: make_dataset(history, tables=names))


# -- transformations ---------------------------------------------------------------------------


def shuffled(history: Mapping[str, Sequence[Any]]) -> st.SearchStrategy[History]:
    """The same history with the rows of every table in another order (shrinks to the same)."""
    return st.fixed_dictionaries(
        {name: st.permutations(list(rows)) for name, rows in history.items()}
    ).map(lambda shuffled_history: {name: list(rows) for name, rows in shuffled_history.items()})


def _child_of(record: Any) -> str | None:
    return getattr(record, "child_id", None)


def split_children(
    history: Mapping[str, Sequence[Any]],
) -> st.SearchStrategy[tuple[History, History]]:
    """Two histories of disjoint children whose union is ``history``.

    Each child goes, with every record of it, to one side. Records of no child (``workers``)
    go to both sides, so each side is complete on its own.
    """
    children = sorted(
        {c for rows in history.values() for r in rows if (c := _child_of(r)) is not None}
    )

    def split(sides: list[bool]) -> tuple[History, History]:
        left = {c for c, side in zip(children, sides, strict=True) if side}
        first: History = {}
        second: History = {}
        for name, rows in history.items():
            first[name] = [r for r in rows if _child_of(r) is None or _child_of(r) in left]
            second[name] = [r for r in rows if _child_of(r) is None or _child_of(r) not in left]
        return first, second

    return st.lists(st.booleans(), min_size=len(children), max_size=len(children)).map(split)


# -- description -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _describe_rows(rows: Sequence[Any], limit: int) -> Iterator[str]:
    for record in rows[:limit]:
        fields = [
            f"{a.name}={_text(getattr(record, a.name))}"
            for a in attrs.fields(type(record))
            if getattr(record, a.name) is not None
        ]
        yield "    " + " ".join(fields)
    if len(rows) > limit:
        yield f"    ... and {len(rows) - limit} more"


def describe_history(history: Mapping[str, Sequence[Any]], *, limit: int = 40) -> str:
    """A short text listing of a (synthetic) case history, one line per record."""
    lines = []
    for name, rows in history.items():
        lines.append(f"  {name}: {len(rows)} row(s)")
        lines.extend(_describe_rows(rows, limit))
    return "\n".join(lines) if lines else "  (no tables)"
