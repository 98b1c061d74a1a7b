"""Due lists of the national deadline measures: who is overdue, and who falls due next.

Each list follows an indicator of this plugin to the day. The snapshot measures (visits and
reviews of looked-after children, child protection reviews) are read from the indicator's own
cohort as at the day, so a case is overdue exactly when the indicator, measured as at that day,
counts it as not met; cases not yet in the indicator's population (a plan whose first review
is not yet due, a child in care for less than 28 days) are added with their due dates. The
flow measures (assessments, conferences) list the records still open, with the deadline the
indicator applies when they close.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Periods
from safeguarding_metrics.calendar import months_after, working_days_after
from safeguarding_metrics.cohort import bool_column, days, take_text
from safeguarding_metrics.declared import working_day_deadline
from safeguarding_metrics.due import DueList, due_frame
from safeguarding_metrics.looked_after import CareHistory

from .assessments import ASSESSMENTS_45WD
from .assessments import RULE as ASSESSMENTS_RULE
from .cla import CLA_REVIEWS_ON_TIME, CLA_VISITS_ON_TIME, cla_reviews_on_time, cla_visits_on_time
from .cp_plans import CPP_REVIEWS_ON_TIME, FIRST_REVIEW, LATER_REVIEWS, cpp_reviews_on_time
from .section47 import ICPC_15WD
from .section47 import TIMESCALE as ICPC_TIMESCALE

__all__ = [
    "ASSESSMENTS_DUE",
    "CLA_REVIEWS_DUE",
    "CLA_VISITS_DUE",
    "CP_REVIEWS_DUE",
    "DUE_LISTS",
    "ICPC_AWAITING_DAYS",
    "ICPC_DUE",
    "assessments_due",
    "cla_reviews_due",
    "cla_visits_due",
    "cp_reviews_due",
    "icpc_due",
]

_NAT = np.datetime64("NaT", "D")
_DAY = np.timedelta64(1, "D")
#: A looked-after child counts in ``national.cla_reviews_on_time`` from this many days after
#: the period of care start [days].
CLA_REVIEW_POPULATION_DAYS = 28
#: The first looked-after review: this many working days after the period of care start.
CLA_FIRST_REVIEW_WORKING_DAYS = 20


def _counted(cohort: pd.DataFrame) -> pd.DataFrame:
    """The cohort rows the indicator counts (exclusions have no due date to list)."""
    return cohort.loc[cohort["excluded"].isna().to_numpy()].reset_index(drop=True)


def _with(base: np.ndarray, late: np.ndarray, note: str) -> np.ndarray:
    """Rule texts, ``note`` appended where ``late``."""
    out = np.asarray(base, dtype=object).copy()
    out[late] = out[late] + note
    return out


# -- looked-after children: visits ---------------------------------------------------------------


def cla_visits_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The next statutory visit of every child looked after at ``as_at``.

    One row per child looked after at ``as_at`` (short breaks removed) with a placement start:
    the cohort of ``national.cla_visits_on_time`` as at that day. ``due_date`` is its detail
    column ``due``: 7 days after the placement start (any change) while there has been no
    visit since; else 42 days after the latest visit, or 3 months after it when the visit is on
    or after the placement's first anniversary and the placement is intended to last until 18
    (regulation 28(3)-(5) too with ``reg28_special_cases``). The child is on time while
    ``as_at <= due_date``, as the indicator counts it.
    """
    cohort = _counted(cla_visits_on_time(tables, Periods.on(as_at), params))
    due = days(cohort["due"])
    last = days(cohort["last_visit"])
    placed = days(cohort["placement_start"])
    regulation = cohort["regulation"].astype(object).to_numpy()
    no_visit = np.isnat(last)
    six_weeks = ~no_visit & (due == last + np.timedelta64(42, "D"))
    rule = np.where(
        no_visit,
        "first visit: within 7 days of the placement start",
        np.where(
            six_weeks,
            "within 6 weeks of the last visit",
            "within 3 months of the last visit (placement intended to last until 18)",
        ),
    ).astype(object)
    special = regulation != "28(2)"
    rule[special] = "regulation " + regulation[special].astype(str) + ": weekly to 6-weekly visits"
    met = cohort["met"].astype("boolean").to_numpy(dtype=bool, na_value=False)
    return due_frame(
        child=cohort["child"].to_numpy(np.int64),
        record_start=placed,
        last_event=last,
        due_date=due,
        rule=rule,
        already_late=~met & (due >= as_at),
    )


# -- looked-after children: reviews --------------------------------------------------------------


def _first_cla_review_due(poc: np.ndarray) -> np.ndarray:
    """The first review's due date as the indicator applies it: the 20th working day after the
    period of care start, but never before the day before the child enters the population
    (the 28th day after the start), so that the child is never overdue outside it."""
    statutory = working_days_after(poc, CLA_FIRST_REVIEW_WORKING_DAYS)
    entry_eve = poc + np.timedelta64(CLA_REVIEW_POPULATION_DAYS - 1, "D")
    return np.where(np.isnat(statutory), statutory, np.maximum(statutory, entry_eve))


def _review_rule(held: np.ndarray) -> np.ndarray:
    return np.where(
        held == 0,
        "first review: within 20 working days of the period of care start",
        np.where(
            held == 1,
            "second review: within 3 months of the first",
            "within 6 months of the last review",
        ),
    ).astype(object)


def cla_reviews_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The next review of every child looked after at ``as_at``.

    Children in the population of ``national.cla_reviews_on_time`` as at ``as_at`` (period of
    care started at least 28 days before) come from its cohort: ``due_date`` is its
    ``next_due`` (the 20th working day after the period of care start with no review yet, 3
    months after the first review, then 6 months after the latest), ``already_late`` when an
    earlier review was late (the indicator counts the child as not met until the period of
    care ends). Children in care for less than 28 days are added with the same due dates,
    ``in_population`` false.

    The first review's due date is never before the 27th day after the period of care start:
    the indicator counts a child only from the 28th day, so when the 20th working day falls
    earlier (a period of care starting on a Saturday or Sunday) the list shows the child due
    on the 27th day, the last day on which the indicator cannot count it late.
    """
    day = np.atleast_1d(np.asarray(as_at, dtype="datetime64[D]"))
    cohort = _counted(cla_reviews_on_time(tables, Periods.on(as_at), params))
    poc = days(cohort["period_of_care_start"])
    held = cohort["reviews"].to_numpy(np.int64)
    next_due = days(cohort["next_due"])
    due = np.where(held == 0, _first_cla_review_due(poc), next_due)
    met = cohort["met"].astype("boolean").to_numpy(dtype=bool, na_value=False)
    late = ~met & (due >= as_at)
    counted = due_frame(
        child=cohort["child"].to_numpy(np.int64),
        record_start=poc,
        last_event=days(cohort["last_review"]),
        due_date=due,
        rule=_with(_review_rule(held), late, "; an earlier review was late"),
        already_late=late,
    )

    # Children looked after for less than 28 days: not yet in the indicator's population.
    history = CareHistory.from_episodes(tables["care_episodes"])
    _, child = history.looked_after_at(day)
    start = history.period_of_care_start(child, as_at)
    new = ~np.isnat(start) & (start > as_at - np.timedelta64(CLA_REVIEW_POPULATION_DAYS, "D"))
    child, start = child[new], start[new]
    newcomers_frame = pd.DataFrame({"child": child, "start": start})
    reviews = pd.DataFrame(
        {
            "child": tables["cla_reviews"]["child"].to_numpy(np.int64),
            "day": days(tables["cla_reviews"]["review_date"]),
        }
    ).merge(newcomers_frame, on="child")
    review_day = days(reviews["day"])
    reviews = reviews.loc[(review_day > days(reviews["start"])) & (review_day <= as_at)]
    stats = (
        reviews.drop_duplicates(["child", "day"])
        .groupby("child", sort=False)["day"]
        .agg(["size", "min", "max"])
    )
    stats = newcomers_frame.merge(stats, left_on="child", right_index=True, how="left")
    count = stats["size"].fillna(0).to_numpy(np.int64)
    first = days(stats["min"])
    last = days(stats["max"])
    due_new = np.where(
        count == 0,
        _first_cla_review_due(start),
        np.where(count == 1, months_after(first, 3), months_after(last, 6)),
    )
    newcomers = due_frame(
        child=child,
        record_start=start,
        last_event=last,
        due_date=due_new,
        rule=_with(_review_rule(count), np.ones(len(child), dtype=bool), " (in care < 28 days)"),
        in_population=False,
    )
    return pd.concat([counted, newcomers], ignore_index=True)


# -- child protection reviews --------------------------------------------------------------------


def cp_reviews_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The next review conference of every child protection plan open at ``as_at``.

    Plans whose first review has fallen due (``add_months(start, 3) <= as_at``) come from the
    cohort of ``national.cpp_reviews_on_time`` as at ``as_at``: ``due_date`` is its
    ``next_review_due`` (3 months after the start with no review yet, else 6 months after the
    latest review), ``already_late`` when an earlier review was late. Plans started less than 3
    months before are added, ``in_population`` false: due 3 months after the start, or 6 months
    after a review already held. One row per plan (the indicator counts plans).
    """
    cohort = _counted(cpp_reviews_on_time(tables, Periods.on(as_at), params))
    next_due = days(cohort["next_review_due"])
    held = cohort["reviews_held"].to_numpy(np.int64)
    met = cohort["met"].astype("boolean").to_numpy(dtype=bool, na_value=False)
    late = ~met & (next_due >= as_at)
    rule = np.where(
        held == 0,
        "first review: within 3 months of the plan start",
        "within 6 months of the last review",
    ).astype(object)
    counted = due_frame(
        child=cohort["child"].to_numpy(np.int64),
        record=cohort["record"].to_numpy(dtype=object),
        record_start=days(cohort["date"]),
        last_event=days(cohort["last_review"]),
        due_date=next_due,
        rule=_with(rule, late, "; an earlier review was late"),
        already_late=late,
    )

    # Plans whose first review is not yet due: not yet in the indicator's population.
    plans = tables["cp_plans"]
    start, end = days(plans["start_date"]), days(plans["end_date"])
    first_due = months_after(start, FIRST_REVIEW)
    young = (start <= as_at) & (np.isnat(end) | (end > as_at)) & (first_due > as_at)
    young_plans = pd.DataFrame(
        {
            "child": plans["child"].to_numpy(np.int64)[young],
            "plan_id": take_text(plans["plan_id"], np.flatnonzero(young)),
            "start": start[young],
            "first_due": first_due[young],
        }
    )
    reviews = tables["cp_reviews"]
    held_reviews = pd.DataFrame(
        {
            "child": reviews["child"].to_numpy(np.int64),
            "plan_id": take_text(reviews["plan_id"]),
            "day": days(reviews["review_date"]),
        }
    ).merge(young_plans[["child", "plan_id", "start"]], on=["child", "plan_id"])
    inside = (days(held_reviews["day"]) > days(held_reviews["start"])) & (
        days(held_reviews["day"]) <= as_at
    )
    last_review = held_reviews.loc[inside].groupby(["child", "plan_id"], sort=False)["day"].max()
    young_plans = young_plans.merge(
        last_review.rename("last").reset_index(), on=["child", "plan_id"], how="left"
    )
    last = days(young_plans["last"])
    reviewed = ~np.isnat(last)
    newcomers = due_frame(
        child=young_plans["child"].to_numpy(np.int64),
        record=young_plans["plan_id"].to_numpy(dtype=object),
        record_start=days(young_plans["start"]),
        last_event=last,
        due_date=np.where(
            reviewed, months_after(last, LATER_REVIEWS), days(young_plans["first_due"])
        ),
        rule=np.where(
            reviewed,
            "within 6 months of the last review (plan < 3 months old)",
            "first review: within 3 months of the plan start",
        ).astype(object),
        in_population=False,
    )
    return pd.concat([counted, newcomers], ignore_index=True)


# -- assessments and conferences (flow measures) -------------------------------------------------


#: Assessments started on or before the day and not authorised by it. ``due_date`` is the 45th
#: working day after the start (the due day of ``national.assessments_45wd``'s rule; with
#: ``count_start_day`` a working start day is day 1, so the 44th working day after it): an
#: assessment authorised on or before it is within 45 working days. One authorised on the day
#: has left the list. Declared by the indicator's rule; ``clock_start="referral"`` is not
#: supported (the list follows the assessment's own start date).
assessments_due = ASSESSMENTS_RULE.due("authorised within 45 working days of the start")


#: How long an enquiry with no conference and no "not required" flag is listed as awaiting
#: its conference [days]: about four times the 15-working-day timescale. [D]
ICPC_AWAITING_DAYS = 90


def icpc_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Section 47 enquiries started on or before ``as_at`` still awaiting their initial child
    protection conference.

    An enquiry is awaiting its conference when it has no conference dated on or before
    ``as_at`` and is not marked ``icpc_not_required`` (a flag beside a conference date is
    ignored, as the indicator ignores it). ``due_date`` is the 15th working day after the
    start (with ``count_start_day``, the 14th when the start is a working day), the deadline
    of ``national.icpc_15wd``. An enquiry with neither a date nor the flag stays listed,
    overdue, for :data:`ICPC_AWAITING_DAYS` days after its start: most enquiries end without a
    conference and records often lack the "not required" flag, so an enquiry with no
    conference that long after it began is taken as concluded without one (were a conference
    still held, the indicator would count it late; the list has said so for weeks by then).
    """
    s47 = tables["section47"]
    start = days(s47["start_date"])
    icpc = days(s47["icpc_date"])
    not_required = bool_column(s47, "icpc_not_required") & np.isnat(icpc)
    recent = start > as_at - np.timedelta64(ICPC_AWAITING_DAYS, "D")
    open_now = (
        ~np.isnat(start)
        & (start <= as_at)
        & recent
        & (np.isnat(icpc) | (icpc > as_at))
        & ~not_required
    )
    return _working_days_due(
        s47,
        "s47_id",
        start,
        open_now,
        ICPC_TIMESCALE,
        params,
        "conference within 15 working days of the strategy discussion",
    )


def _working_days_due(
    table: pd.DataFrame,
    id_column: str,
    start: np.ndarray,
    open_now: np.ndarray,
    timescale: int,
    params: Mapping[str, Any],
    rule: str,
) -> pd.DataFrame:
    """The open records of ``table``, each due ``timescale`` working days after its start
    (counted as the indicator's ``count_start_day`` says)."""
    count_start_day = bool(params.get("count_start_day", False))
    return due_frame(
        child=table["child"].to_numpy(np.int64)[open_now],
        record=take_text(table[id_column], np.flatnonzero(open_now)),
        record_start=start[open_now],
        due_date=working_day_deadline(start[open_now], timescale, count_start_day),
        rule=rule + (" (the start day counted)" if count_start_day else ""),
    )


# -- the due lists -------------------------------------------------------------------------------

CLA_VISITS_DUE = DueList.following(
    CLA_VISITS_ON_TIME,
    id="national.cla_visits",
    title="CLA visits",
    description=(
        "Children looked after (short breaks removed): the next statutory visit is due 7 days "
        "after the placement start while there has been no visit since, then 42 days after the "
        "latest visit, or 3 months after it once the visit is on or after the placement's first "
        "anniversary and the placement is intended to last until 18 (long_term, or U1/U4). "
        "Overdue from the day after the due date, as national.cla_visits_on_time counts it."
    ),
    compute=cla_visits_due,
    start_label="placement start",
    event_label="last visit",
)

CLA_REVIEWS_DUE = DueList.following(
    CLA_REVIEWS_ON_TIME,
    id="national.cla_reviews",
    title="CLA reviews",
    description=(
        "Children looked after (short breaks removed): the first review is due on the 20th "
        "working day after the period of care start (never before the 27th day: the indicator "
        "counts a child from 28 days in care), the second 3 months after the first, then 6 "
        "months after the latest. A child one of whose earlier reviews was late counts as not "
        "met in national.cla_reviews_on_time until the period of care ends."
    ),
    compute=cla_reviews_due,
    start_label="period of care start",
    event_label="last review",
)

CP_REVIEWS_DUE = DueList.following(
    CPP_REVIEWS_ON_TIME,
    id="national.cp_reviews",
    title="CP reviews",
    description=(
        "Child protection plans open: the first review conference is due 3 months after the "
        "plan start (add_months), then 6 months after the latest review. A plan one of whose "
        "earlier reviews was late counts as not met in national.cpp_reviews_on_time while it "
        "stays open. One row per plan."
    ),
    compute=cp_reviews_due,
    record_label="plan",
    start_label="plan start",
    event_label="last review",
)

ASSESSMENTS_DUE = DueList.following(
    ASSESSMENTS_45WD,
    id="national.assessments",
    title="Assessments (45 working days)",
    description=(
        "Assessments started and not yet authorised: due on the 45th working day after the "
        "start (England and Wales bank holidays are not working days); authorised on or before "
        "it, the assessment counts as within 45 working days in national.assessments_45wd."
    ),
    tables={"assessments": ("assessment_id", "start_date", "authorised_date")},
    compute=assessments_due,
    record_label="assessment",
    start_label="assessment start",
)

ICPC_DUE = DueList.following(
    ICPC_15WD,
    id="national.icpc",
    title="ICPC (15 working days)",
    description=(
        "Section 47 enquiries with no initial child protection conference yet and not marked "
        "'ICPC not required': the conference is due on the 15th working day after the start "
        "of the enquiry (the strategy discussion), the timescale of national.icpc_15wd. "
        f"Enquiries started more than {ICPC_AWAITING_DAYS} days ago with neither a conference "
        "nor the flag are taken as concluded without a conference and left out."
    ),
    tables={"section47": ("s47_id", "start_date", "icpc_date", "icpc_not_required")},
    compute=icpc_due,
    record_label="enquiry",
    start_label="enquiry start",
)

#: Every national due list, in id order.
DUE_LISTS: tuple[DueList, ...] = (
    ASSESSMENTS_DUE,
    CLA_REVIEWS_DUE,
    CLA_VISITS_DUE,
    CP_REVIEWS_DUE,
    ICPC_DUE,
)


def due_lists() -> Iterable[DueList]:
    """The national due lists (for the plugin's ``register_due_lists``)."""
    return list(DUE_LISTS)
