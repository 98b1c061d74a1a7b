"""Looked-after children: the building blocks every SSDA903 measure shares.

Written once, public, so that a neighbouring council's plugin computes "looked after on a day",
"period of care start" and "placement start" exactly as the bundled measures do. The terms are
those of the indicator reference (*Terms used in every definition*):

- **short breaks** (legal status V3 or V4) are removed from a child's history before every
  looked-after measure (`drop_short_breaks`; `CareHistory` does it by default);
- **looked after on day D**: the child has an episode open on D, ``start_date <= D`` and
  (``end_date`` missing or ``end_date > D``) (`CareHistory.looked_after_on`);
- **period of care start** at D: the start of the child's latest episode with RNE ``S`` on or
  before D (`CareHistory.period_of_care_start`);
- **placement start** at D: the start of the latest episode on or before D with RNE in S, P, B
  (*carer change*) or with any RNE but L (*any change*) (`CareHistory.placement_start`);
- **the 16th birthday**: ``add_months(date_of_birth, 192)`` (`sixteenth_birthday`).

Everything is vectorised: a :class:`CareHistory` sorts the episodes once (by child, then start),
and each question is asked for many (child, day) pairs at once, so one call answers it for every
child and every period. Child codes are the integer ``child`` column of the dataset's tables.

Example::

    history = CareHistory.from_episodes(tables["care_episodes"])
    period, child = history.looked_after_at(periods.end)      # the snapshot population
    end = periods.end[period]
    poc = history.period_of_care_start(child, end)           # NaT where there is none
    placed = history.placement_start(child, end, change="carer")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .calendar import add_months
from .cohort import days, latest_on_or_before, sort_key, take_text
from .views import shared

__all__ = [
    "ADOPTION_PLACEMENTS",
    "CARER_CHANGE",
    "LEGAL_STATUS_ONLY",
    "SHORT_BREAKS",
    "TEMPORARY_PLACEMENTS",
    "CareHistory",
    "age_on",
    "birthday",
    "dates_of_birth",
    "drop_short_breaks",
    "pairs_by_child",
    "sixteenth_birthday",
]

#: Legal statuses of short breaks ("an agreed series of short-term placements"), removed
#: before every looked-after measure [S: DfE].
SHORT_BREAKS = frozenset({"V3", "V4"})
#: RNE codes that start a placement with a new carer: S (started to be looked after),
#: P (change of placement and carer), B (change of legal status and of placement and carer).
CARER_CHANGE = frozenset({"S", "P", "B"})
#: RNE code of a change of legal status only: every other code starts a placement (any change).
LEGAL_STATUS_ONLY = "L"
#: Placement codes of a child placed for adoption (with consent or a placement order, with the
#: current foster carer or not).
ADOPTION_PLACEMENTS = frozenset({"A3", "A4", "A5", "A6"})
#: Temporary placements (holidays, hospital, other temporary moves), not counted as placements
#: in the stability measures.
TEMPORARY_PLACEMENTS = frozenset({"T0", "T1", "T2", "T3", "T4"})

_NAT = np.datetime64("NaT", "D")
_ONE_DAY = np.timedelta64(1, "D")
_EPOCH = np.datetime64("1800-01-01", "D")
_DAY_BITS = 22
_OPEN = (1 << _DAY_BITS) - 1  # an open episode reaches beyond any day


def _as_codes(values: Any, n: int) -> np.ndarray:
    """Codes as an object array of ``str`` or ``None``.

    Codes held as Arrow strings (``str`` dtype) are factorized by Arrow and given one Python
    string per distinct code, shared by every row that holds it (as the loader's objects
    were): comparing and ``isin`` then hash each distinct string once, not once per row.
    """
    if values is None:
        return np.full(n, None, dtype=object)
    if isinstance(getattr(values, "dtype", None), pd.StringDtype):
        codes, distinct = pd.factorize(values)  # -1 where missing: the None appended last
        table = np.full(len(distinct) + 1, None, dtype=object)
        table[:-1] = np.asarray(distinct, dtype=object)
        return table[codes]
    series = pd.Series(values, dtype=object)
    return series.where(series.notna(), None).to_numpy(dtype=object)


def _isin(values: np.ndarray, codes: Any) -> np.ndarray:
    """Which values are among ``codes`` (``None`` never is)."""
    return pd.Series(values, dtype=object).isin(list(codes)).to_numpy(dtype=bool, copy=True)


def _day_numbers(day: np.ndarray) -> np.ndarray:
    """Days as int64 counted from 1800-01-01 (``NaT`` becomes ``_OPEN``)."""
    out = (days(day) - _EPOCH).astype(np.int64)
    return np.where(np.isnat(days(day)), _OPEN, out)


def _keys(child: np.ndarray, day: np.ndarray) -> np.ndarray:
    """One sortable int64 per (child, day), children first (``NaT`` sorts last)."""
    return (np.asarray(child, dtype=np.int64) << _DAY_BITS) | _day_numbers(day)


def _lexsort_ints(*columns: np.ndarray) -> np.ndarray:
    """``np.lexsort(columns[::-1])`` of integer columns (the first most significant), by one
    stable ``argsort`` of a packed key when the columns' ranges fit in 63 bits."""
    key = sort_key(*columns)
    return np.lexsort(columns[::-1]) if key is None else np.argsort(key, kind="stable")


def drop_short_breaks(episodes: pd.DataFrame) -> pd.DataFrame:
    """The episodes without short breaks (legal status V3 or V4).

    Parameters
    ----------
    episodes
        Rows of ``care_episodes`` with a ``legal_status`` column (codes already stripped of
        spaces, as the loader leaves them; compared case-sensitively).

    Returns
    -------
    pandas.DataFrame
        The other rows, index reset. A missing legal status is kept.

    References
    ----------
    DfE, *Children looked after in England*: children looked after under an agreed series of
    short-term placements are excluded from the looked-after figures.
    """
    short = episodes["legal_status"].isin(list(SHORT_BREAKS)).to_numpy(dtype=bool)
    return episodes.loc[~short].reset_index(drop=True)


def birthday(date_of_birth: Any, years: int) -> np.ndarray:
    """The ``years``-th birthday: ``add_months(date_of_birth, 12 * years)`` [date].

    A child born on 29 February has its birthdays on 28 February in other years (the month
    rule clamps the day). ``NaT`` stays ``NaT``.
    """
    dob = days(date_of_birth)
    if dob.ndim == 0:
        return np.asarray(add_months(dob, 12 * years))
    if len(dob) == 0:
        return dob.copy()
    return np.asarray(add_months(dob, 12 * years), dtype="datetime64[D]")


def sixteenth_birthday(date_of_birth: Any) -> np.ndarray:
    """The 16th birthday, ``add_months(date_of_birth, 192)`` [date].

    A child is *under 16 at D* when its 16th birthday is after D: on the birthday itself it is
    16. ``NaT`` (no date of birth) stays ``NaT``.
    """
    return birthday(date_of_birth, 16)


def age_on(date_of_birth: Any, day: Any) -> np.ndarray:
    """Age in whole years on ``day``: the largest ``n`` with ``birthday(dob, n) <= day`` [years].

    Returns float64, ``NaN`` where the date of birth or the day is missing. Arrays broadcast.
    A day before the birth gives a negative age.
    """
    dob, on = np.broadcast_arrays(days(date_of_birth), days(day))
    dob = np.atleast_1d(dob)
    on = np.atleast_1d(on)
    out = np.full(dob.shape, np.nan)
    ok = ~np.isnat(dob) & ~np.isnat(on)
    if ok.any():
        d, o = dob[ok], on[ok]
        months = (o.astype("datetime64[M]") - d.astype("datetime64[M]")).astype(np.int64)
        years = np.floor_divide(months, 12)
        # the birthday of that year may still be ahead in the month
        ahead = np.asarray(add_months(d, 12 * years), dtype="datetime64[D]") > o
        out[ok] = years - ahead
    return out


def dates_of_birth(children: pd.DataFrame, child: Any) -> np.ndarray:
    """Each child's date of birth from the ``children`` table (``NaT`` where unknown).

    ``children`` has the integer ``child`` code and ``date_of_birth``; a child missing from it
    has no date of birth.
    """
    child = np.asarray(child, dtype=np.int64)
    known = pd.Series(days(children["date_of_birth"]), index=children["child"].to_numpy(np.int64))
    known = known[~known.index.duplicated(keep=False)]
    return days(known.reindex(child).to_numpy())


def pairs_by_child(sorted_child: np.ndarray, query_child: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every row of each query's child, as parallel arrays ``(query_index, row_index)``.

    ``sorted_child`` must be sorted (as a :class:`CareHistory` keeps its episodes); the rows of
    one query come out in that order. The vectorised form of "for each child, each of its
    episodes".
    """
    sorted_child = np.asarray(sorted_child, dtype=np.int64)
    query_child = np.asarray(query_child, dtype=np.int64)
    lo = np.searchsorted(sorted_child, query_child, side="left")
    hi = np.searchsorted(sorted_child, query_child, side="right")
    counts = hi - lo
    query_index = np.repeat(np.arange(len(query_child)), counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return query_index, np.repeat(lo, counts) + offsets


@attrs.frozen(kw_only=True, eq=False)
class CareHistory:
    """The care episodes of every child, sorted once, ready for questions about many days.

    Build it with :meth:`from_episodes`. ``frame`` holds the episodes sorted by child, start
    date, end date (open last) and then the codes, so that the answers do not depend on the
    order of the input; the arrays below are its columns. Question methods take parallel
    arrays of child codes and days (or scalars that broadcast) and answer for each pair.

    A history built through :meth:`shared` is shared by every indicator of a dataset that
    reads the same columns: never modify it (its arrays are read-only).

    Attributes
    ----------
    rows
        For each sorted episode, its position in the episodes given.
    child, start, end
        Child codes (int64) and days (``datetime64[D]``; ``end`` is ``NaT`` while open).
    rne, legal_status, placement
        Codes (object arrays, ``None`` where missing or not read).
    has_ends
        Whether end dates were read. Without them only the start-based questions (period of
        care start, placement start, first/latest start) can be asked.
    """

    episodes: pd.DataFrame = attrs.field(repr=False)
    rows: np.ndarray
    child: np.ndarray
    start: np.ndarray
    end: np.ndarray
    rne: np.ndarray
    legal_status: np.ndarray
    placement: np.ndarray
    has_ends: bool
    _reach: np.ndarray
    _reach_arg: np.ndarray

    @classmethod
    def from_episodes(cls, episodes: pd.DataFrame, *, short_breaks: bool = False) -> CareHistory:
        """Sort a ``care_episodes`` view into a history.

        Parameters
        ----------
        episodes
            Rows with ``child`` and ``start_date``; ``end_date``, ``rne``, ``legal_status`` and
            ``placement`` when read (a column not read counts as missing). Rows without a
            start date are ignored.
        short_breaks
            Keep short breaks (legal status V3/V4). By default they are removed, as every
            looked-after measure requires; removing them needs ``legal_status``.
        """
        # The rows kept (short breaks as drop_short_breaks removes them, rows without a start),
        # read column by column; the frame itself is taken once, in the final order.
        if not short_breaks:
            if "legal_status" not in episodes.columns:
                raise ValueError("removing short breaks needs the legal_status column")
            keep = ~episodes["legal_status"].isin(list(SHORT_BREAKS)).to_numpy(dtype=bool)
        else:
            keep = np.ones(len(episodes), dtype=bool)
        keep &= episodes["start_date"].notna().to_numpy(dtype=bool)
        kept = np.flatnonzero(keep)
        n = len(kept)
        child = episodes["child"].to_numpy(np.int64)[kept]
        start = days(episodes["start_date"])[kept]
        has_ends = "end_date" in episodes.columns
        end = days(episodes["end_date"])[kept] if has_ends else np.full(n, _NAT)
        codes = {
            name: _as_codes(
                take_text(episodes[name], kept) if name in episodes.columns else None,
                n,
            )
            for name in ("rne", "legal_status", "placement")
        }

        def text(values: np.ndarray) -> np.ndarray:
            return pd.Series(values, dtype=object).fillna("").astype(str).to_numpy()

        # Sorted by child, start and end (integers); the rare episodes that share all three are
        # then sorted by the codes and the other columns read (long_term, ...), so that the
        # order, and which of two same-day episodes is in force, never depends on the input's
        # order.
        start_number, end_number = _day_numbers(start), _day_numbers(end)
        order = _lexsort_ints(child, start_number, end_number)
        if n > 1:
            same = (
                (child[order][1:] == child[order][:-1])
                & (start_number[order][1:] == start_number[order][:-1])
                & (end_number[order][1:] == end_number[order][:-1])
            )
            if same.any():
                tied = np.zeros(n, dtype=bool)
                tied[1:] = same
                tied[:-1] |= same
                positions = np.flatnonzero(tied)
                rows = np.sort(order[positions])  # the tied rows in input order
                others = [
                    text(episodes[c].to_numpy(dtype=object)[kept[rows]])
                    for c in sorted(episodes.columns)
                    if c not in ("_row", "child", "la", "start_date", "end_date", *codes)
                ]
                row_numbers = (
                    episodes["_row"].to_numpy(np.int64)[kept]
                    if "_row" in episodes.columns
                    else np.arange(n)
                )
                within = np.lexsort(
                    (
                        row_numbers[rows],
                        *others,
                        text(codes["placement"][rows]),
                        text(codes["legal_status"][rows]),
                        text(codes["rne"][rows]),
                        end_number[rows],
                        start_number[rows],
                        child[rows],
                    )
                )
                order[positions] = rows[within]
        child, start, end = child[order], start[order], end[order]
        # How far the child's care reaches by each episode: the running maximum of the end
        # dates (open = beyond any day), and the episode that reaches that far. Children are
        # sorted, so a running maximum of (child, end) keys restarts with each child.
        keys = _keys(child, end)
        reach = np.maximum.accumulate(keys) if n else keys
        positions = np.where(keys == reach, np.arange(n), -1)
        reach_arg = np.maximum.accumulate(positions) if n else positions
        arrays = {
            "rows": kept[order],
            "child": child,
            "start": start,
            "end": end,
            "rne": codes["rne"][order],
            "legal_status": codes["legal_status"][order],
            "placement": codes["placement"][order],
            "reach": reach & _OPEN,
            "reach_arg": reach_arg,
        }
        for array in arrays.values():
            array.flags.writeable = False
        return cls(episodes=episodes, has_ends=has_ends, **arrays)

    @classmethod
    def shared(
        cls, tables: Mapping[str, pd.DataFrame], *, short_breaks: bool = False
    ) -> CareHistory:
        """:meth:`from_episodes` of ``tables["care_episodes"]``, built once per dataset.

        Under :func:`~safeguarding_metrics.calculate` the history is built by the first
        indicator that asks and shared with every later one (and later calls) that reads the
        same episode columns of the same dataset (see :mod:`safeguarding_metrics.views`);
        given a plain mapping of tables it is simply built.
        """
        return shared(
            tables,
            ("CareHistory", short_breaks),
            "care_episodes",
            lambda: cls.from_episodes(tables["care_episodes"], short_breaks=short_breaks),
        )

    @property
    def frame(self) -> pd.DataFrame:
        """The episodes, sorted, index 0..n-1 (the source row number in ``_row`` when
        present). Taken on each access: :meth:`column` takes one column only."""
        return self.episodes.iloc[self.rows].reset_index(drop=True)

    def column(self, name: str) -> pd.Series:
        """One column of the episodes, in the history's order (index 0..n-1)."""
        return self.episodes[name].iloc[self.rows].reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.child)

    def _need_ends(self) -> None:
        if not self.has_ends:
            raise ValueError("this question needs the episodes' end dates (read end_date)")

    @staticmethod
    def _queries(child: Any, day: Any) -> tuple[np.ndarray, np.ndarray]:
        c, d = np.broadcast_arrays(
            np.atleast_1d(np.asarray(child, dtype=np.int64)), np.atleast_1d(days(day))
        )
        return np.ascontiguousarray(c), np.ascontiguousarray(d)

    # -- masks of episodes ---------------------------------------------------------------------

    def rne_in(self, codes: Any) -> np.ndarray:
        """Episodes whose RNE is one of ``codes`` (a boolean mask over the episodes)."""
        return _isin(self.rne, codes)

    def placement_in(self, codes: Any) -> np.ndarray:
        """Episodes whose placement code is one of ``codes``."""
        return _isin(self.placement, codes)

    def legal_status_in(self, codes: Any) -> np.ndarray:
        """Episodes whose legal status is one of ``codes``."""
        return _isin(self.legal_status, codes)

    def starts_placement(self, change: str = "carer") -> np.ndarray:
        """Episodes that start a placement: ``change="carer"`` RNE in S, P, B; ``"any"`` any
        RNE other than L (a missing RNE starts none)."""
        if change == "carer":
            return self.rne_in(CARER_CHANGE)
        if change == "any":
            return pd.notna(self.rne) & (self.rne != LEGAL_STATUS_ONLY)
        raise ValueError(f"change is 'carer' or 'any', not {change!r}")

    # -- questions about days ------------------------------------------------------------------

    def latest_start(
        self, child: Any, day: Any, where: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The child's latest episode (among ``where``) starting on or before each day.

        Returns ``(index, start)``: the episode's position (``-1`` where there is none) and
        its start (``NaT``).
        """
        child, day = self._queries(child, day)
        chosen = np.arange(len(self)) if where is None else np.flatnonzero(where)
        hit = latest_on_or_before(self.child[chosen], self.start[chosen], child, day)
        index = np.where(hit >= 0, chosen[np.maximum(hit, 0)] if len(chosen) else -1, -1)
        return index, self._start_at(index)

    def first_start_on_or_after(
        self, child: Any, day: Any, where: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The child's earliest episode (among ``where``) starting on or after each day.

        Returns ``(index, start)`` as :meth:`latest_start` does.
        """
        child, day = self._queries(child, day)
        chosen = np.arange(len(self)) if where is None else np.flatnonzero(where)
        keys = _keys(self.child[chosen], self.start[chosen])  # sorted: the history is
        ok = ~np.isnat(day)
        pos = np.searchsorted(keys, _keys(child, day), side="left")
        found = ok & (pos < len(chosen))
        found[found] = self.child[chosen[pos[found]]] == child[found]
        index = np.full(len(child), -1, dtype=np.int64)
        index[found] = chosen[pos[found]]
        return index, self._start_at(index)

    def _start_at(self, index: np.ndarray) -> np.ndarray:
        out = np.full(len(index), _NAT)
        ok = index >= 0
        out[ok] = self.start[index[ok]]
        return out

    def open_episode(self, child: Any, day: Any) -> np.ndarray:
        """The episode open on each day: its position, ``-1`` when the child is not looked
        after that day.

        Open on D: ``start_date <= D`` and (``end_date`` missing or ``end_date > D``); an
        episode that ends on D is not open on D, so when one episode ends and the next starts
        on the same day, the next is the open one. When episodes overlap (a data fault, see
        :mod:`safeguarding_metrics.model.episode_rules`), the latest-starting episode is
        returned if it is open, otherwise the open one reaching furthest.
        """
        self._need_ends()
        child, day = self._queries(child, day)
        latest, _ = self.latest_start(child, day)
        out = np.full(len(child), -1, dtype=np.int64)
        has = latest >= 0
        if not has.any():
            return out
        at = latest[has]
        today = _day_numbers(day[has])
        own = _day_numbers(self.end[at]) > today
        reached = self._reach[at] > today
        out[has] = np.where(own, at, np.where(reached, self._reach_arg[at], -1))
        return out

    def looked_after_on(self, child: Any, day: Any) -> np.ndarray:
        """Whether each child is looked after on each day (has an episode open on it)."""
        return self.open_episode(child, day) >= 0

    def period_of_care_start(self, child: Any, day: Any) -> np.ndarray:
        """Start of the child's latest episode with RNE ``S`` on or before each day (``NaT``
        when there is none: the child is then left out of measures that need it)."""
        return self.latest_start(child, day, self.rne_in({"S"}))[1]

    def placement_start(self, child: Any, day: Any, change: str = "carer") -> np.ndarray:
        """Start of the placement in force on each day (``NaT`` when there is none).

        ``change="carer"``: the latest episode on or before the day with RNE in S, P, B (a new
        carer). ``change="any"``: the latest with any RNE but L (any change of placement).
        """
        return self.latest_start(child, day, self.starts_placement(change))[1]

    def run_start(self, where: np.ndarray) -> np.ndarray:
        """For each episode in ``where``, the start of the unbroken run of ``where`` episodes
        of the same child that ends with it (``NaT`` for episodes not in ``where``).

        A run is broken by an episode not in ``where`` or by a gap (an episode starting after
        the previous one ended). Used for "the first of the unbroken run of A3-A6 episodes".
        """
        where = np.asarray(where, dtype=bool)
        n = len(self)
        first = np.ones(n, dtype=bool)
        first[1:] = self.child[1:] != self.child[:-1]
        gap = np.zeros(n, dtype=bool)
        if n > 1:
            previous_end = self.end[:-1]
            gap[1:] = ~np.isnat(previous_end) & (self.start[1:] > previous_end)
        previous_in = np.zeros(n, dtype=bool)
        previous_in[1:] = where[:-1]
        head = where & (first | ~previous_in | gap)
        positions = np.maximum.accumulate(np.where(head, np.arange(n), -1)) if n else head
        out = np.full(n, _NAT)
        out[where] = self.start[positions[where]]
        return out

    # -- populations ---------------------------------------------------------------------------

    def looked_after_at(self, day: Any) -> tuple[np.ndarray, np.ndarray]:
        """The children looked after on each of ``day`` (a snapshot population).

        Returns parallel arrays ``(day_index, child)``, each child once per day, sorted by day
        index then child. The loop is over the days (a handful of period ends).
        """
        self._need_ends()
        parts_day, parts_child = [], []
        # children as non-negative codes are deduplicated (and sorted) by marking them in a
        # table of all codes rather than by sorting: what np.unique gives, faster
        marks = (
            np.zeros(int(self.child.max()) + 1, dtype=bool)
            if len(self.child)
            and self.child.min() >= 0
            and self.child.max() < 4 * len(self.child) + (1 << 22)
            else None
        )
        for k, d in enumerate(np.atleast_1d(days(day))):
            open_now = (self.start <= d) & (np.isnat(self.end) | (self.end > d))
            if marks is None:
                children = np.unique(self.child[open_now])
            else:
                marks[:] = False
                marks[self.child[open_now]] = True
                children = np.flatnonzero(marks).astype(self.child.dtype, copy=False)
            parts_day.append(np.full(len(children), k, dtype=np.int64))
            parts_child.append(children)
        if not parts_day:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(parts_day), np.concatenate(parts_child)

    def overlaps(self, episode: np.ndarray, first: Any, last: Any) -> np.ndarray:
        """Whether each episode is open on at least one day of ``[first, last]``.

        That is ``start <= last`` and (``end`` missing or ``end > max(start, first)``): an
        episode that ends on ``first`` is not open on it, and one that ends on its start day
        is open on no day.
        """
        self._need_ends()
        episode = np.asarray(episode, dtype=np.int64)
        start, end = self.start[episode], self.end[episode]
        first, last = days(first), days(last)
        return (start <= last) & (np.isnat(end) | (end > np.maximum(start, first)))

    def looked_after_during(
        self, first: Any, last: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The children looked after on at least one day of each span ``[first_k, last_k]``.

        Returns ``(span_index, child, first_day)``: each child once per span, with the first
        day of the span on which it is looked after. The loop is over the spans.
        """
        self._need_ends()
        firsts, lasts = np.atleast_1d(days(first)), np.atleast_1d(days(last))
        everything = np.arange(len(self))
        parts: list[pd.DataFrame] = []
        for k, (a, b) in enumerate(zip(firsts, lasts, strict=True)):
            hit = everything[self.overlaps(everything, a, b)]
            parts.append(
                pd.DataFrame(
                    {
                        "span": np.full(len(hit), k, dtype=np.int64),
                        "child": self.child[hit],
                        "first_day": np.maximum(self.start[hit], a),
                    }
                )
            )
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), np.zeros(0, dtype="datetime64[D]")
        frame = pd.concat(parts, ignore_index=True)
        grouped = frame.groupby(["span", "child"], sort=True)["first_day"].min().reset_index()
        return (
            grouped["span"].to_numpy(np.int64),
            grouped["child"].to_numpy(np.int64),
            days(grouped["first_day"]),
        )

    def episodes_of(self, child: Any) -> tuple[np.ndarray, np.ndarray]:
        """Every episode of each queried child: ``(query_index, episode)`` in history order."""
        return pairs_by_child(self.child, child)
