"""Looked-after children (SSDA903): placement stability, visits, reviews, missing, counts.

Every measure here starts from the same history, built with
:class:`safeguarding_metrics.looked_after.CareHistory`: short breaks (legal status V3/V4) are
removed first, then "looked after on day D", "period of care start" and "placement start" are
asked for all children and all periods at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Parameter, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.calendar import days_after, months_after, working_days_after
from safeguarding_metrics.cohort import (
    cohort_frame,
    count_frame,
    days,
    exclusion_reasons,
    latest_on_or_before,
    rows_in_periods,
    rows_of_children,
    text_equals,
)
from safeguarding_metrics.looked_after import (
    ADOPTION_PLACEMENTS,
    TEMPORARY_PLACEMENTS,
    CareHistory,
    dates_of_birth,
    pairs_by_child,
    sixteenth_birthday,
)

__all__ = [
    "CLA_3PLUS_PLACEMENTS",
    "CLA_AT_END",
    "CLA_CEASED",
    "CLA_LONG_TERM_STABILITY",
    "CLA_MISSING",
    "CLA_REVIEWS_ON_TIME",
    "CLA_STARTED",
    "CLA_VISITS_ON_TIME",
    "EPISODE_COLUMNS",
]

#: The episode columns every looked-after measure reads.
EPISODE_COLUMNS = ("start_date", "end_date", "rne", "legal_status", "placement")
#: RNE codes that count as a new placement in ``national.cla_3plus_placements``.
COUNTED_RNE = frozenset({"S", "P", "B", "T", "U"})
#: Placement codes taken as "intended to last until 18" when ``long_term`` is not true:
#: long-term foster placements with a relative or friend (U1) or another carer (U4).
LONG_TERM_PLACEMENTS = frozenset({"U1", "U4"})
#: Placement with parents (or others with parental responsibility), regulation 28(3)-(5).
WITH_PARENTS = "P1"
#: Foster placements with a relative, friend or other connected person.
CONNECTED_PERSON_PLACEMENTS = frozenset({"U1", "U2", "U3"})

_NAT = np.datetime64("NaT", "D")


def _history(tables: Mapping[str, pd.DataFrame]) -> CareHistory:
    return CareHistory.shared(tables)


def _snapshot(history: CareHistory, periods: Periods) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The children looked after at each period end: ``(period, child, end)``."""
    period, child = history.looked_after_at(periods.end)
    return period, child, periods.end[period]


def _codes_at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Codes of the episodes at ``index`` (``None`` where ``index`` is -1)."""
    out = np.full(len(index), None, dtype=object)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


def _isin(values: np.ndarray, codes: Any) -> np.ndarray:
    return pd.Series(values, dtype=object).isin(list(codes)).to_numpy(dtype=bool, copy=True)


# -- placement stability ---------------------------------------------------------------------------


def cla_3plus_placements(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children looked after at the period end who had three or more placements in the year [%].

    Numerator
        Those with 3 or more placements in the 12 months ``(add_months(end, -12), end]``: of
        the child's episodes open on at least one day of those 12 months, leaving out
        temporary placements (T0-T4), the first counts and each later one counts when its RNE
        is S, P, B, T or U.
    Denominator
        Children looked after at ``end`` (an episode open on ``end``), short breaks (V3/V4)
        removed.
    Exclusions
        None.

    Notes
    -----
    A return from a temporary placement is recorded as a new episode with RNE P: it counts,
    as the DfE's count does. An episode ending on the first day of the 12 months is not open
    on any of them and does not count; the placement in force when the 12 months begin is the
    first one. Episodes of an earlier period of care inside the 12 months count too. Detail
    columns: ``placements`` (the count) and ``window_start``.

    References
    ----------
    DfE, *Children looked after in England*, placement stability: "children looked after at
    31 March with three or more placements during the year" (former NI 62).
    """
    history = _history(tables)
    period, child, end = _snapshot(history, periods)
    window_start = days_after(months_after(end, -12), 1)
    query, episode = history.episodes_of(child)
    keep = ~history.placement_in(TEMPORARY_PLACEMENTS)[episode] & history.overlaps(
        episode, window_start[query], end[query]
    )
    query, episode = query[keep], episode[keep]
    first = np.ones(len(query), dtype=bool)
    first[1:] = query[1:] != query[:-1]
    counted = first | history.rne_in(COUNTED_RNE)[episode]
    placements = np.bincount(query, weights=counted, minlength=len(child)).astype(np.int64)
    return cohort_frame(
        period=period,
        child=child,
        met=placements >= 3,
        extra={"placements": placements, "window_start": window_start},
    )


def cla_long_term_stability(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children under 16 looked after for 2.5 years or more, in the same placement 2 years [%].

    Numerator
        Those whose placement (carer change: the latest episode with RNE S, P or B) started at
        least 24 months before ``end``: ``add_months(placement start, 24) <= end``. A child
        placed for adoption (the episode open at ``end`` is A3-A6) counts the adoptive
        placement and the one before it together: the adoptive placement starts at the later
        of the carer-change placement start and the first of the unbroken run of A3-A6
        episodes, and the placement start used is the carer-change placement start in force
        the day before it.
    Denominator
        Children looked after at ``end`` (short breaks removed), under 16 at ``end`` (the 16th
        birthday ``add_months(date_of_birth, 192)`` after ``end``), looked after for at least
        30 months: ``add_months(period of care start, 30) <= end``.
    Exclusions
        A child looked after at ``end`` with no period of care start (no episode with RNE S on
        or before ``end``: "no period of care start") or no date of birth ("no date of
        birth"), unless the other fact already puts it outside the population (16 or over, or
        in care for less than 30 months).

    Notes
    -----
    A child whose 16th birthday is ``end`` is 16 and out. Two and a half years to the day is
    in: a period of care started 2013-09-30 has lasted 30 months on 2016-03-31 (and one started
    2013-08-31 on 2016-02-29, the month rule clamping). When a foster carer adopts, the A3-A6
    episode has RNE T or U (same carer), so the carer-change placement start is the foster
    placement itself. When the adoptive placement began the period of care, there is no
    placement before it and its own start is used. Detail columns: ``period_of_care_start``,
    ``placement_start`` (the one used), ``sixteenth_birthday``.

    References
    ----------
    DfE, *Children looked after in England*, placement stability: children aged under 16 who
    have been looked after for 2.5 years or more and in the same placement for 2 years, or
    placed for adoption and their adoptive placement together with their previous placement
    lasting 2 years (former NI 63).
    """
    history = _history(tables)
    period, child, end = _snapshot(history, periods)
    dob = dates_of_birth(tables["children"], child)
    birthday16 = sixteenth_birthday(dob)
    poc = history.period_of_care_start(child, end)
    known_16 = ~np.isnat(birthday16) & (birthday16 <= end)
    known_short = ~np.isnat(poc) & (months_after(poc, 30) > end)
    keep = ~known_16 & ~known_short
    period, child, end, dob, birthday16, poc = (
        a[keep] for a in (period, child, end, dob, birthday16, poc)
    )

    placed = history.placement_start(child, end, change="carer")
    current = history.open_episode(child, end)
    adoptive = _isin(_codes_at(history.placement, current), ADOPTION_PLACEMENTS)
    run = np.full(len(child), _NAT)
    run[adoptive] = history.run_start(history.placement_in(ADOPTION_PLACEMENTS))[current[adoptive]]
    adoptive_start = np.where(adoptive, np.maximum(placed, run), _NAT)
    day_before = days_after(adoptive_start, -1)
    before = history.placement_start(child, day_before, change="carer")
    in_care_before = history.looked_after_on(child, day_before) & ~np.isnat(before)
    counted_from = np.where(adoptive, np.where(in_care_before, before, adoptive_start), placed)
    met = ~np.isnat(counted_from) & (months_after(counted_from, 24) <= end)
    excluded = exclusion_reasons(
        (np.isnat(poc), "no period of care start"), (np.isnat(dob), "no date of birth")
    )
    return cohort_frame(
        period=period,
        child=child,
        met=met,
        excluded=excluded,
        extra={
            "period_of_care_start": poc,
            "placement_start": counted_from,
            "sixteenth_birthday": birthday16,
        },
    )


# -- visits and reviews ----------------------------------------------------------------------------


def cla_visits_on_time(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children looked after at the period end whose statutory visits are up to date [%].

    Numerator
        With ``ps`` the placement start (any change: the latest episode with an RNE other than
        L) and ``v`` the latest ``cla`` visit in ``[ps, end]``: with no visit, on time when
        ``end <= ps + 7 days``; else, when ``v < add_months(ps, 12)``, on time when
        ``end <= v + 42 days``; when ``v`` is on or after the placement's first anniversary,
        on time when ``end <= add_months(v, 3)`` if the placement is intended to last until
        18 (the episode open at ``end`` has ``long_term`` true or placement U1/U4), else
        ``end <= v + 42 days``.
    Denominator
        Children looked after at ``end``, short breaks removed.
    Exclusions
        A child with no placement start (every episode back to the first is a change of legal
        status only): "no placement start".

    Parameters
    ----------
    params
        ``reg28_special_cases`` (default false): also apply regulation 28(3)-(5), see Notes.

    Notes
    -----
    Only the latest visit is looked at. A visit on day 42 after the last one is on time, on
    day 43 late. ``due`` (detail column) is the last day the next visit is on time; the child
    is late when ``end > due``. A missing ``long_term`` is false.

    With ``reg28_special_cases`` the episode open at ``end`` decides [D: proxies, as the data
    do not say which regulation applies]:

    - placement P1 (with parents) under an interim care order (legal status C1), and a foster
      placement with a connected person (U1-U3) in its first 16 weeks (``end <= ps + 112
      days``, the temporary approval of regulation 24): weekly until the first review, then
      every 4 weeks (``v + 7``, then ``v + 28`` days), regulation 28(4);
    - P1 under a care order (C2): within a week of the making of the care order (the start of
      the unbroken run of C2 episodes, or of the placement if later), then every 6 weeks with
      no relaxation after a year, regulation 28(5);
    - P1 under any other legal status (placement before the assessment is complete,
      regulation 19): weekly until the first review, then every 6 weeks, regulation 28(3).

    "Until the first review" is read as: the latest visit is before the first review's due
    day, the 20th working day after the period of care start (regulation 33(1)); the actual
    review dates are not read, so the measure needs no ``cla_reviews`` table. Without a period
    of care start the first review is taken as held. The first visit is due within a week of
    the placement start in every case.

    References
    ----------
    The Care Planning, Placement and Case Review (England) Regulations 2010, regulation 28(2):
    within one week of the start of any placement, at intervals of not more than six weeks for
    the first year, thereafter three months if the placement is intended to last until 18,
    else six weeks; regulation 28(3)-(5).
    """
    visits = _visits_due(tables, periods, params)
    return cohort_frame(
        period=visits.period,
        child=visits.child,
        met=visits.met,
        excluded=visits.excluded,
        extra={
            "placement_start": visits.placed,
            "last_visit": visits.last,
            "due": visits.due,
            "long_term": visits.long_term,
            "regulation": visits.rule,
        },
    )


def cla_visits_on_time_counts(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The count form of :func:`cla_visits_on_time`: the same rows, no detail columns."""
    visits = _visits_due(tables, periods, params)
    return count_frame(
        period=visits.period,
        child=visits.child,
        met=visits.met,
        excluded=visits.excluded,
    )


@attrs.frozen(kw_only=True)
class _VisitsDue:
    """Per (period end, child looked after): what both forms of the visits measure share."""

    period: np.ndarray
    child: np.ndarray
    placed: np.ndarray
    last: np.ndarray
    due: np.ndarray
    long_term: np.ndarray
    rule: np.ndarray
    met: np.ndarray

    @property
    def excluded(self) -> np.ndarray:
        """The exclusion reason per row: a child with no placement start."""
        return exclusion_reasons((np.isnat(self.placed), "no placement start"))


def _visits_due(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> _VisitsDue:
    history = _history(tables)
    period, child, end = _snapshot(history, periods)
    current = history.open_episode(child, end)
    placed = history.placement_start(child, end, change="any")

    visits = tables["visits"]
    # the cla visits of the children looked after (only the columns used are taken)
    # the child codes as stored (int32 from the loader): widened only for the rows kept
    visit_child = visits["child"].to_numpy()
    if visit_child.dtype.kind not in "iu":
        visit_child = visits["child"].to_numpy(np.int64)
    mine = rows_of_children(visit_child, child)
    # compared as the loader holds the column (Arrow strings): no Python string per visit
    is_cla = np.asarray(visits["visit_type"] == "cla", dtype=bool)
    cla = mine[is_cla[mine]]
    visit_child = visit_child[cla].astype(np.int64)
    visit_day = days(visits["visit_date"].to_numpy()[cla])
    hit = latest_on_or_before(visit_child, visit_day, child, end)
    last = np.where(hit >= 0, visit_day[np.maximum(hit, 0)] if len(visit_day) else _NAT, _NAT)
    last = np.where(last >= placed, last, _NAT)  # a visit before the placement does not count

    long_term_flag = (
        history.column("long_term").astype("boolean").to_numpy(dtype=bool, na_value=False)
    )
    long_term = np.zeros(len(child), dtype=bool)
    ok = current >= 0
    long_term[ok] = long_term_flag[current[ok]]
    placement = _codes_at(history.placement, current)
    long_term |= _isin(placement, LONG_TERM_PLACEMENTS)

    no_visit = np.isnat(last)
    first_year = last < months_after(placed, 12)
    six_weeks = days_after(last, 42)
    due = np.where(
        no_visit,
        days_after(placed, 7),
        np.where(first_year | ~long_term, six_weeks, months_after(last, 3)),
    )
    rule = np.full(len(child), "28(2)", dtype=object)

    if params["reg28_special_cases"]:
        legal = _codes_at(history.legal_status, current)
        with_parents = placement == WITH_PARENTS
        interim = with_parents & (legal == "C1")
        care_order = with_parents & (legal == "C2")
        before_assessment = with_parents & ~interim & ~care_order
        connected = _isin(placement, CONNECTED_PERSON_PLACEMENTS) & (end <= days_after(placed, 112))
        four_weekly = interim | connected
        poc = history.period_of_care_start(child, end)
        first_review_due = working_days_after(poc, 20)
        weekly = ~no_visit & ~np.isnat(first_review_due) & (last < first_review_due)
        weekly_then = np.where(
            no_visit,
            days_after(placed, 7),
            np.where(weekly, days_after(last, 7), days_after(last, np.where(four_weekly, 28, 42))),
        )
        due = np.where(four_weekly | before_assessment, weekly_then, due)

        order_run = np.full(len(child), _NAT)
        order_run[care_order] = history.run_start(history.legal_status_in({"C2"}))[
            current[care_order]
        ]
        clock = np.maximum(placed, order_run)
        since_order = np.where(last >= clock, last, _NAT)
        due_order = np.where(
            np.isnat(since_order), days_after(clock, 7), days_after(since_order, 42)
        )
        due = np.where(care_order, due_order, due)
        rule[before_assessment] = "28(3)"
        rule[four_weekly] = "28(4)"
        rule[care_order] = "28(5)"

    return _VisitsDue(
        period=period,
        child=child,
        placed=placed,
        last=last,
        due=due,
        long_term=long_term,
        rule=rule,
        met=~np.isnat(due) & (end <= due),
    )


def cla_reviews_on_time(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children looked after at the period end whose reviews have all been on time [%].

    Numerator
        With the child's reviews ``r1 < r2 < ...`` in ``(period of care start, end]`` and the
        due days ``due1`` = the 20th working day after the period of care start,
        ``due2 = add_months(r1, 3)``, ``due(i+1) = add_months(r_i, 6)`` for ``i >= 2``: every
        ``r_i <= due_i``, and ``end <= due(k+1)`` for the ``k`` reviews held.
    Denominator
        Children looked after at ``end`` (short breaks removed) whose period of care started
        at least 28 days before: ``period of care start <= end - 28 days``.
    Exclusions
        A child looked after at ``end`` with no period of care start: "no period of care
        start".

    Notes
    -----
    Reviews of one child on one day count once; a review on the day the period of care
    starts, or before it, is not a review of this period of care. A review on its due day is
    on time. Detail columns: ``period_of_care_start``, ``reviews`` (held in the period of
    care up to ``end``), ``last_review``, ``next_due``, ``first_late`` (the first review held
    after its due day).

    References
    ----------
    The Care Planning, Placement and Case Review (England) Regulations 2010, regulation 33:
    first review within 20 working days of the date on which the child becomes looked after,
    the second within three months of the first, then at intervals of not more than six
    months. Former NI 66 (looked-after children cases reviewed within required timescales).
    """
    history = _history(tables)
    period, child, end = _snapshot(history, periods)
    poc = history.period_of_care_start(child, end)
    keep = np.isnat(poc) | (poc <= days_after(end, -28))
    period, child, end, poc = (a[keep] for a in (period, child, end, poc))
    n = len(child)

    reviews = pd.DataFrame(
        {
            "child": tables["cla_reviews"]["child"].to_numpy(np.int64),
            "day": days(tables["cla_reviews"]["review_date"]),
        }
    )
    reviews = reviews.drop_duplicates().sort_values(["child", "day"], kind="stable")
    review_child = reviews["child"].to_numpy(np.int64)
    review_day = days(reviews["day"])
    query, row = pairs_by_child(review_child, child)
    day = review_day[row]
    inside = ~np.isnat(poc[query]) & (day > poc[query]) & (day <= end[query])
    query, day = query[inside], day[inside]

    first_of_query = np.ones(len(query), dtype=bool)
    first_of_query[1:] = query[1:] != query[:-1]
    starts = np.flatnonzero(first_of_query)
    rank = np.arange(len(query)) - np.repeat(starts, np.diff(np.append(starts, len(query))))
    previous = np.full(len(query), _NAT)
    previous[1:] = np.where(rank[1:] > 0, day[:-1], _NAT)

    first_due = np.asarray(working_days_after(poc, 20), dtype="datetime64[D]")
    due = np.where(
        rank == 0,
        first_due[query],
        np.where(rank == 1, months_after(previous, 3), months_after(previous, 6)),
    )
    late = day > due
    held = np.bincount(query, minlength=n).astype(np.int64)
    any_late = np.bincount(query, weights=late, minlength=n) > 0
    last_review = np.full(n, _NAT)
    last_review[query] = day  # ascending within a query: the last write is the latest
    first_late = np.full(n, _NAT)
    late_rows = np.flatnonzero(late)[::-1]  # reversed: the last write is the earliest
    first_late[query[late_rows]] = day[late_rows]
    next_due = np.where(
        held == 0,
        first_due,
        np.where(held == 1, months_after(last_review, 3), months_after(last_review, 6)),
    )
    met = ~any_late & ~np.isnat(next_due) & (end <= next_due)
    return cohort_frame(
        period=period,
        child=child,
        met=met,
        excluded=exclusion_reasons((np.isnat(poc), "no period of care start")),
        extra={
            "period_of_care_start": poc,
            "reviews": held,
            "last_review": last_review,
            "next_due": next_due,
            "first_late": first_late,
        },
    )


# -- missing ---------------------------------------------------------------------------------------


def cla_missing(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children looked after during the period who went missing in it [%].

    Numerator
        Those with a ``missing`` row of kind M (missing, not "away without authorisation")
        starting in the period, whether or not it falls inside a care episode (the return
        records only looked-after children).
    Denominator
        Children looked after on at least one day of the period, short breaks removed.
    Exclusions
        None.

    Notes
    -----
    Counted once per child whatever the number of missing episodes. A child who ceases to be
    looked after on the period's first day (its episode ends that day) was not looked after
    in the period. ``date`` is the first missing day in the period when there is one, else the
    first day in the period the child was looked after; detail column ``first_missing``.

    References
    ----------
    DfE, *Children looked after in England*, children who went missing from care during the
    year (SSDA903 missing episodes).
    """
    history = _history(tables)
    span, child, first_day = history.looked_after_during(periods.start, periods.end)
    missing = tables["missing"]
    missing = missing.loc[text_equals(missing["kind"], "M")]
    start = days(missing["start_date"])
    period, row = rows_in_periods(start, periods)
    found = (
        pd.DataFrame(
            {
                "period": period,
                "child": missing["child"].to_numpy(np.int64)[row],
                "first_missing": start[row],
            }
        )
        .groupby(["period", "child"], sort=False)["first_missing"]
        .min()
    )
    index = pd.MultiIndex.from_arrays([span, child], names=["period", "child"])
    first_missing = (
        days(found.reindex(index).to_numpy()) if len(found) else np.full(len(child), _NAT)
    )
    met = ~np.isnat(first_missing)
    return cohort_frame(
        period=span,
        child=child,
        date=np.where(met, first_missing, first_day),
        met=met,
        extra={"first_missing": first_missing},
    )


# -- context counts --------------------------------------------------------------------------------


def cla_at_end(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children looked after at the period end [count].

    Numerator
        Children with a care episode open on ``end``, short breaks removed, each once.

    Notes
    -----
    Detail column ``period_of_care_start`` (``NaT`` when the history has none).

    References
    ----------
    DfE, *Children looked after in England*, children looked after at 31 March.
    """
    history = _history(tables)
    period, child, end = _snapshot(history, periods)
    return cohort_frame(
        period=period,
        child=child,
        met=True,
        extra={"period_of_care_start": history.period_of_care_start(child, end)},
    )


def cla_started(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children who started to be looked after in the period [count].

    Numerator
        Children with an episode with RNE S (a new period of care) starting in the period,
        short breaks removed; a child who started twice counts once, dated by the first.

    References
    ----------
    DfE, *Children looked after in England*, children who started to be looked after during
    the year ("only the first occasion on which a child started to be looked after in the
    year has been counted").
    """
    history = _history(tables)
    starts = np.flatnonzero(history.rne_in({"S"}))
    period, row = rows_in_periods(history.start[starts], periods)
    frame = (
        pd.DataFrame(
            {
                "period": period,
                "child": history.child[starts][row],
                "date": history.start[starts][row],
            }
        )
        .groupby(["period", "child"], sort=True)["date"]
        .min()
        .reset_index()
    )
    return cohort_frame(
        period=frame["period"].to_numpy(np.int64),
        child=frame["child"].to_numpy(np.int64),
        date=days(frame["date"]),
        met=True,
    )


def cla_ceased(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children who ceased to be looked after in the period [count].

    Numerator
        Children with an episode ending in the period on a day on which they are no longer
        looked after, or on which a new period of care (RNE S) starts; short breaks removed.
        A child who ceased twice counts once, dated by the last.

    Notes
    -----
    The episodes' dates decide, not ``reason_ceased``: an episode followed on its end day by
    another of the same period of care (RNE other than S) is a change, not a ceasing.

    References
    ----------
    DfE, *Children looked after in England*, children who ceased to be looked after during
    the year ("only the last occasion ... has been counted").
    """
    history = _history(tables)
    ended = np.flatnonzero(~np.isnat(history.end))
    child, end = history.child[ended], history.end[ended]
    following = history.open_episode(child, end)
    restarts = _isin(_codes_at(history.rne, following), {"S"})
    restarts[restarts] = history.start[following[restarts]] == end[restarts]
    ceased = (following < 0) | restarts
    child, end = child[ceased], end[ceased]
    period, row = rows_in_periods(end, periods)
    frame = (
        pd.DataFrame({"period": period, "child": child[row], "date": end[row]})
        .groupby(["period", "child"], sort=True)["date"]
        .max()
        .reset_index()
    )
    return cohort_frame(
        period=frame["period"].to_numpy(np.int64),
        child=frame["child"].to_numpy(np.int64),
        date=days(frame["date"]),
        met=True,
    )


# -- the indicators --------------------------------------------------------------------------------

_STABILITY_SOURCE = (
    "DfE Children looked after in England, placement stability (SSDA903); former NI 62 and NI 63"
)

CLA_3PLUS_PLACEMENTS = Indicator(
    id="national.cla_3plus_placements",
    section="looked_after",
    order=70,
    plain=(
        "Of the children looked after at the end of the period, how many had lived in three or "
        "more places in the 12 months before. Frequent moves harm children's stability; the "
        "fewer the better."
    ),
    count_label="children looked after",
    of_which_label="with three or more placements in the year",
    title="Looked-after children with 3 or more placements in the year",
    description=(
        "Numerator: children looked after at the period end with 3 or more placements in the "
        "12 months to it (of their episodes open on a day of those 12 months, temporary "
        "placements T0-T4 left out, the first and each later one with RNE S, P, B, T or U). "
        "Denominator: children looked after at the period end. Short breaks (V3/V4) are "
        "removed first. Exclusions: none."
    ),
    kind="snapshot",
    unit="%",
    polarity="lower",
    tables={"care_episodes": EPISODE_COLUMNS},
    compute=cla_3plus_placements,
    source=_STABILITY_SOURCE,
    definition_version="2015-16",
    benchmark=BenchmarkLink(
        key="LACStable_2016on",
        like_for_like=True,
        reason=(
            "children looked after at a day with 3 or more placements in the 12 months to "
            "it, over children looked after then; the DfE counts at 31 March"
        ),
    ),
)

CLA_LONG_TERM_STABILITY = Indicator(
    id="national.cla_long_term_stability",
    section="looked_after",
    order=80,
    plain=(
        "Of the children under 16 looked after for two and a half years or more, how many had "
        "lived in the same placement for at least two years: a sign of a settled home."
    ),
    count_label="children under 16 looked after two and a half years or more",
    of_which_label="in the same placement 2 years or more",
    title="Long-term placement stability",
    description=(
        "Numerator: children in the same placement (carer change) for at least 24 months at "
        "the period end; a child placed for adoption counts its adoptive placement together "
        "with the placement before it. Denominator: children looked after at the period end, "
        "under 16, looked after for at least 30 months (from the period of care start). "
        "Short breaks removed. Exclusions: no period of care start; no date of birth."
    ),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={"care_episodes": EPISODE_COLUMNS, "children": ("date_of_birth",)},
    compute=cla_long_term_stability,
    source=_STABILITY_SOURCE,
    definition_version="2015-16",
    benchmark=BenchmarkLink(
        key="LAC_LongStable%",
        like_for_like=True,
        reason=(
            "children under 16 looked after for 2.5 years or more in the same placement for "
            "2 years, over those children; the DfE counts at 31 March"
        ),
    ),
)

CLA_VISITS_ON_TIME = Indicator(
    id="national.cla_visits_on_time",
    section="looked_after",
    order=40,
    plain=(
        "Of the children looked after at the end of the period, how many had been visited by "
        "their social worker as often as the law requires: within a week of a new placement, "
        "then at least every six weeks (every three months in a settled long-term placement)."
    ),
    count_label="children looked after",
    of_which_label="visited on time",
    title="Looked-after children visited on time",
    description=(
        "Numerator: children whose latest statutory visit since the placement started (any "
        "change) keeps them within regulation 28(2): a first visit within 7 days of the "
        "placement start, then every 42 days, or every 3 months after the placement's first "
        "anniversary when it is intended to last until 18 (long_term, or placement U1/U4). "
        "Denominator: children looked after at the period end (short breaks removed). "
        "Exclusions: no placement start."
    ),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={
        "care_episodes": (*EPISODE_COLUMNS, "long_term"),
        "visits": ("visit_date", "visit_type"),
    },
    compute=cla_visits_on_time,
    count=cla_visits_on_time_counts,
    parameters=(
        Parameter(
            name="reg28_special_cases",
            default=False,
            type=bool,
            description=(
                "also apply regulation 28(3)-(5): children placed with parents (P1) and "
                "connected persons under temporary approval (U1-U3 in their first 16 weeks) "
                "visited weekly until the first review's due day, then every 4 weeks (interim "
                "care order, connected person) or 6 weeks; under a care order within a week "
                "of the order, then every 6 weeks"
            ),
        ),
    ),
    source=(
        "The Care Planning, Placement and Case Review (England) Regulations 2010, regulation 28"
    ),
    definition_version="2010",
)

CLA_REVIEWS_ON_TIME = Indicator(
    id="national.cla_reviews_on_time",
    section="looked_after",
    order=50,
    plain=(
        "Of the children looked after for at least four weeks, how many had every review of "
        "their care on time: the first within 20 working days, the second within three months, "
        "then every six months."
    ),
    count_label="children looked after four weeks or more",
    of_which_label="with every review on time",
    title="Looked-after children reviewed on time",
    description=(
        "Numerator: children every review of whose period of care was on time (the first "
        "within 20 working days of its start, the second within 3 months of the first, then "
        "every 6 months) and whose next review is not yet overdue. Denominator: children "
        "looked after at the period end (short breaks removed) whose period of care started "
        "at least 28 days before it. Exclusions: no period of care start."
    ),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={"care_episodes": EPISODE_COLUMNS, "cla_reviews": ("review_date",)},
    compute=cla_reviews_on_time,
    source=(
        "The Care Planning, Placement and Case Review (England) Regulations 2010, "
        "regulation 33; former NI 66"
    ),
    definition_version="2010",
)

CLA_MISSING = Indicator(
    id="national.cla_missing",
    benchmark=BenchmarkLink(
        key="Children_missing",
        like_for_like=True,
        reason=(
            "children looked after who went missing, over children looked after at any time "
            "in the window; the DfE counts over the year"
        ),
    ),
    section="looked_after",
    order=90,
    plain=(
        "Of the children looked after at any time in the period, how many went missing from "
        "their placement at least once."
    ),
    count_label="children looked after",
    of_which_label="who went missing",
    title="Looked-after children who went missing",
    description=(
        "Numerator: children with a missing episode (kind M) starting in the period. "
        "Denominator: children looked after on at least one day of the period (short breaks "
        "removed). Exclusions: none."
    ),
    kind="flow",
    unit="%",
    polarity="lower",
    tables={"care_episodes": EPISODE_COLUMNS, "missing": ("start_date", "kind")},
    lookback="all",
    compute=cla_missing,
    source="DfE Children looked after in England, missing from care (SSDA903)",
    definition_version="2015-16",
)

CLA_AT_END = Indicator(
    id="national.cla_at_end",
    section="looked_after",
    order=30,
    plain="How many children were looked after (in care) at the end of the period.",
    count_label="children looked after",
    title="Children looked after at the period end",
    description=(
        "Children with a care episode open on the period's last day, short breaks (V3/V4) "
        "removed, each counted once."
    ),
    kind="snapshot",
    unit="count",
    polarity="neutral",
    tables={"care_episodes": EPISODE_COLUMNS},
    compute=cla_at_end,
    source="DfE Children looked after in England (SSDA903), children looked after at 31 March",
    definition_version="2015-16",
)

CLA_STARTED = Indicator(
    id="national.cla_started",
    section="looked_after",
    order=10,
    plain="How many children started to be looked after (came into care).",
    count_label="children starting care",
    title="Children who started to be looked after",
    description=(
        "Children with a new period of care (an episode with RNE S) starting in the period, "
        "short breaks removed, each counted once."
    ),
    kind="flow",
    unit="count",
    polarity="neutral",
    tables={"care_episodes": EPISODE_COLUMNS},
    lookback="all",
    compute=cla_started,
    source=(
        "DfE Children looked after in England (SSDA903), children who started to be looked after"
    ),
    definition_version="2015-16",
)

CLA_CEASED = Indicator(
    id="national.cla_ceased",
    section="looked_after",
    order=20,
    plain="How many children stopped being looked after (left care).",
    count_label="children leaving care",
    title="Children who ceased to be looked after",
    description=(
        "Children whose period of care ended in the period (an episode ending on a day on "
        "which they are no longer looked after, or a new period of care starts), short breaks "
        "removed, each counted once."
    ),
    kind="flow",
    unit="count",
    polarity="neutral",
    tables={"care_episodes": EPISODE_COLUMNS},
    populated={"care_episodes": ("end_date",)},
    lookback="all",
    compute=cla_ceased,
    source=(
        "DfE Children looked after in England (SSDA903), children who ceased to be looked after"
    ),
    definition_version="2015-16",
)
