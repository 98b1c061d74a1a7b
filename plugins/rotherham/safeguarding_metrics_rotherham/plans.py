"""Up-to-date plans: children on a child protection plan, looked after, or on a child in need plan
whose written plan has been updated recently enough."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from safeguarding_metrics import Parameter
from safeguarding_metrics.declared import (
    Events,
    Limit,
    LookedAfter,
    OpenRecords,
    Recency,
    RecencyRows,
)

__all__ = [
    "PLANS_UP_TO_DATE_CIN",
    "PLANS_UP_TO_DATE_CLA",
    "PLANS_UP_TO_DATE_CP",
    "RULE_CIN",
    "RULE_CLA",
    "RULE_CP",
    "plans_up_to_date_cin",
    "plans_up_to_date_cla",
    "plans_up_to_date_cp",
]

#: Working days a new case has before a plan is expected [working days] [D].
GRACE_WORKING_DAYS = 10

_CARE_PLANS = ("plan_type", "updated_date")
_REPORT = (
    "Rotherham MBC, Safeguarding Children and Families Performance 2015/16 3rd Quarter Report, "
    "3 February 2016, para 3.2.3"
)


def _details(rows: RecencyRows, tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The drill-down's columns: the service start, the working days it has been open (-1
    unknown), the latest update and the day the next is due."""
    return {
        "service_start": rows.start,
        "working_days_open": rows.age,
        "last_update": rows.last,
        "next_update_due": rows.due,
    }


def _rule(cases: OpenRecords | LookedAfter, plan_type: str, months: int, no_start: str) -> Recency:
    """An up-to-date-plans rule: the latest ``care_plans`` update of ``plan_type`` at most
    ``months`` months before the end; a case open ``grace_working_days`` working days or fewer
    is not counted."""
    return Recency(
        cases=cases,
        event=Events("care_plans", "updated_date", where=("plan_type", plan_type)),
        within=Limit(months, "months", parameter="months"),
        new_case=Limit(GRACE_WORKING_DAYS, "working days", parameter="grace_working_days"),
        new_cases="not counted",
        no_start_reason=no_start,
        details=_details,
    )


#: The rules of the three measures.
RULE_CP = _rule(OpenRecords("cp_plans"), "cp", 6, "no plan start")
RULE_CIN = _rule(OpenRecords("cin_plans"), "cin", 3, "no plan start")
RULE_CLA = _rule(LookedAfter(), "cla", 6, "no period of care start")

_DEFINITION_CP = """
Children on a child protection plan at the end whose written plan is up to date [%].

Numerator
    Children with a ``care_plans`` row of type ``cp`` updated on ``u`` with
    ``u <= end <= add_months(u, months)`` (``months`` 6 by default): the latest update on
    or before ``end`` is at most ``months`` months old.
Denominator
    Children with a child protection plan open at the period's end ``end`` that started
    more than ``grace_working_days`` (10) working days before it:
    ``wd(plan start, end) > 10``. The earliest start counts when a child has two open
    plans. Each child counted once.
Exclusions
    None.

Parameters
----------
tables
    ``cp_plans`` (``plan_id``, ``start_date``, ``end_date``) and ``care_plans``
    (``plan_type``, ``updated_date``).
periods
    The periods; measured as at each period's last day.
params
    ``months`` (default 6) and ``grace_working_days`` (default 10).

Notes
-----
The month rule: an update on 2015-06-30 is up to date until 2015-12-30 and stale on
2015-12-31; one on 2015-08-31 until 2016-02-29. ``wd`` counts elapsed working days (the
start day not counted): a plan started Tuesday 2015-12-15 has 10 working days at
2015-12-31 (Christmas Day and the Boxing Day substitute are not working days) and is not
yet in the population; one started Monday 2015-12-14 has 11 and is. An update is read
whenever it was recorded, also before the plan started (the definition does not tie it to
the plan). Detail columns: ``service_start``, ``working_days_open``, ``last_update``,
``next_update_due``.

References
----------
Performance report, 3 February 2016, paragraph 3.2.3: "100% Children subject to a Child
Protection Plan ... with up-to-date plans", against 80% at the end of 2014. The 6 months
and the 10 working days are this library's choices [D].
"""

_DEFINITION_CIN = """
Children on a child in need plan at the end whose written plan is up to date [%].

Numerator
    Children with a ``care_plans`` row of type ``cin`` updated on ``u`` with
    ``u <= end <= add_months(u, months)`` (``months`` 3 by default).
Denominator
    Children with a child in need plan open at the period's end ``end`` that started more
    than ``grace_working_days`` (10) working days before it, ``wd(plan start, end) > 10``
    (the earliest open plan's start). Each child counted once.
Exclusions
    None.

Parameters
----------
tables
    ``cin_plans`` (``plan_id``, ``start_date``, ``end_date``) and ``care_plans``
    (``plan_type``, ``updated_date``).
periods
    The periods; measured as at each period's last day.
params
    ``months`` (default 3) and ``grace_working_days`` (default 10).

Notes
-----
An update on 2015-09-30 is up to date until 2015-12-30; one on 2015-11-30 until
2016-02-29. A child on a child protection plan is counted here only if it also has an open
``cin_plans`` row. Detail columns as for ``rotherham.plans_up_to_date_cp``.

References
----------
Performance report, 3 February 2016, paragraph 3.2.3: 90.3% of children in need with
up-to-date plans, against 32% at the end of 2014. The 3 months and the 10 working days are
this library's choices [D].
"""

_DEFINITION_CLA = """
Children looked after at the end whose care plan is up to date [%].

Numerator
    Children with a ``care_plans`` row of type ``cla`` updated on ``u`` with
    ``u <= end <= add_months(u, months)`` (``months`` 6 by default).
Denominator
    Children looked after at the period's end ``end`` (an episode open on ``end``, short
    breaks removed) whose period of care started more than ``grace_working_days`` (10)
    working days before it: ``wd(period of care start, end) > 10``.
Exclusions
    A child looked after at ``end`` with no period of care start (no episode with RNE ``S``
    on or before ``end``): listed, "no period of care start".

Parameters
----------
tables
    ``care_episodes`` (``start_date``, ``end_date``, ``rne``, ``legal_status``) and
    ``care_plans`` (``plan_type``, ``updated_date``).
periods
    The periods; measured as at each period's last day.
params
    ``months`` (default 6) and ``grace_working_days`` (default 10).

Notes
-----
Looked after on ``end``, the period of care start and the removal of short breaks (legal
status V3/V4) are those of :class:`safeguarding_metrics.looked_after.CareHistory`, as in the
national looked-after measures. A change of placement does not restart the clock: the
period of care start does. Detail columns as for ``rotherham.plans_up_to_date_cp``.

References
----------
Performance report, 3 February 2016, paragraph 3.2.3: 96.9% of looked after children with
up-to-date plans, against 82% at the end of 2014. The 6 months and the 10 working days are
this library's choices [D].
"""


def _parameters(months: int) -> tuple[Parameter, ...]:
    return (
        Parameter(
            name="months",
            default=months,
            type=int,
            description=(
                f"a plan is up to date for this many months after its latest update (default "
                f"{months}) [D]"
            ),
        ),
        Parameter(
            name="grace_working_days",
            default=GRACE_WORKING_DAYS,
            type=int,
            description=(
                "children whose service started no more than this many working days before the "
                "end, wd(start, end) <= n, are not yet expected to have a plan and are not "
                "counted [D]"
            ),
        ),
    )


def _description(who: str, start: str, months: int) -> str:
    return (
        f"Denominator: {who} at the period's end whose {start} was more than 10 working days "
        f"before it (wd(start, end) > 10). Numerator: those with a care_plans row of that type "
        f"updated on u with u <= end <= add_months(u, {months})."
    )


PLANS_UP_TO_DATE_CP = RULE_CP.indicator(
    doc=_DEFINITION_CP,
    id="rotherham.plans_up_to_date_cp",
    section="child_protection",
    order=130,
    plain=(
        "Of the children on a child protection plan (for more than two weeks) on the last day, "
        "how many had a written plan updated in the last six months."
    ),
    count_label="children on a plan",
    of_which_label="with an up-to-date plan",
    title="Children on a child protection plan with an up-to-date plan",
    description=_description("children on a child protection plan", "plan's start", 6),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={"cp_plans": ("plan_id", "start_date", "end_date"), "care_plans": _CARE_PLANS},
    parameters=_parameters(6),
    source=_REPORT,
    definition_version="2015-16",
)

PLANS_UP_TO_DATE_CIN = RULE_CIN.indicator(
    doc=_DEFINITION_CIN,
    id="rotherham.plans_up_to_date_cin",
    section="children_in_need",
    order=20,
    plain=(
        "Of the children on a child in need plan (for more than two weeks) at the end of the "
        "period, how many had a written plan updated in the last three months."
    ),
    count_label="children on a child in need plan",
    of_which_label="with an up-to-date plan",
    title="Children on a child in need plan with an up-to-date plan",
    description=_description("children on a child in need plan", "plan's start", 3),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={"cin_plans": ("plan_id", "start_date", "end_date"), "care_plans": _CARE_PLANS},
    parameters=_parameters(3),
    source=_REPORT,
    definition_version="2015-16",
)

PLANS_UP_TO_DATE_CLA = RULE_CLA.indicator(
    doc=_DEFINITION_CLA,
    id="rotherham.plans_up_to_date_cla",
    section="looked_after",
    order=60,
    plain=(
        "Of the children looked after (for more than two weeks) at the end of the period, how "
        "many had a care plan updated in the last six months."
    ),
    count_label="children looked after",
    of_which_label="with an up-to-date care plan",
    title="Looked-after children with an up-to-date care plan",
    description=_description(
        "children looked after (short breaks removed)", "period of care start", 6
    )
    + " A child with no period of care start is listed among the exclusions.",
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={
        "care_episodes": ("start_date", "end_date", "rne", "legal_status"),
        "care_plans": _CARE_PLANS,
    },
    parameters=_parameters(6),
    source=_REPORT,
    definition_version="2015-16",
)

#: The cohorts of the three measures (from their rules).
plans_up_to_date_cp = PLANS_UP_TO_DATE_CP.compute
plans_up_to_date_cin = PLANS_UP_TO_DATE_CIN.compute
plans_up_to_date_cla = PLANS_UP_TO_DATE_CLA.compute
