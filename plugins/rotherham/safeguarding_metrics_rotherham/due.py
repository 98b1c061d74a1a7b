"""Due lists of the local deadline measures: visits in the last two weeks, MASH decisions, and
up-to-date plans.

Each list follows an indicator of this plugin to the day. The snapshot measures are read from
the indicator's own cohort as at the day, so a case is overdue exactly when the indicator,
measured as at that day, counts it as not met. Children whose service started too recently to
be in an up-to-date-plans population are listed with their due dates, never as overdue.
"""

from __future__ import annotations

from collections.abc import Iterable

from safeguarding_metrics import Indicator
from safeguarding_metrics.declared import Recency
from safeguarding_metrics.due import DueCompute, DueList

from .child_protection import CP_VISITS_2W, VISITS_RULE
from .front_door import MASH_DECISION_24H
from .front_door import RULE as MASH_RULE
from .plans import (
    PLANS_UP_TO_DATE_CIN,
    PLANS_UP_TO_DATE_CLA,
    PLANS_UP_TO_DATE_CP,
    RULE_CIN,
    RULE_CLA,
    RULE_CP,
)

__all__ = [
    "CP_VISITS_DUE",
    "DUE_LISTS",
    "MASH_DECISIONS_DUE",
    "PLANS_CIN_DUE",
    "PLANS_CLA_DUE",
    "PLANS_CP_DUE",
    "cp_visits_due",
    "mash_decisions_due",
    "plans_cin_due",
    "plans_cla_due",
    "plans_cp_due",
]

#: The next visit of every child on a child protection plan at the day: the cohort of
#: ``rotherham.cp_visits_2w`` as at the day (one row per child, the earliest open plan), due 14
#: days after the later of the latest ``cp`` visit and the plan start. A child is visited in
#: the last two weeks as at ``D`` exactly when ``D <= due_date``. Declared by the rule.
cp_visits_due = VISITS_RULE.due(
    event_rule="within 14 days of the last visit",
    start_rule="within 14 days of the plan start (no visit since)",
)

#: Contacts received by the end of the day and not decided by then. ``due_at`` is the deadline
#: of ``rotherham.mash_decision_24h``: 24 hours after receipt (``within="24h"``), or the
#: midnight ending the first working day after the day of receipt (``"1wd"``). ``due_date`` is
#: the day during which the deadline passes (a deadline at midnight belongs to the day it
#: ends), so a contact is overdue as at ``D`` when its deadline passed before ``D`` began, and
#: due today when it passes during ``D``.
mash_decisions_due = MASH_RULE.due(
    {
        "24h": "decision within 24 hours of receipt",
        "1wd": "decision by the end of the first working day after receipt",
    }
)


def _plans_due(rule: Recency, start_words: str) -> DueCompute:
    """The next plan update of every case open at the day, from the rule: due
    ``add_months(latest update, months)``, and never before the day before the case enters
    the population (the ``grace + 1``-th working day after the start); with no update yet,
    that day. A case not yet in the population is listed, never overdue."""
    return rule.due(
        event_rule="within {within} of the last update",
        start_rule=f"first plan: within {{new}} of the {start_words}",
        older_rule=f"within {{new}} of the {start_words} (the last update is older)",
    )


#: Children on a child protection plan: the next update of the written plan (see
#: ``rotherham.plans_up_to_date_cp``; one row per child, the earliest open plan).
plans_cp_due = _plans_due(RULE_CP, "plan start")
#: Children on a child in need plan (see ``rotherham.plans_up_to_date_cin``).
plans_cin_due = _plans_due(RULE_CIN, "plan start")
#: Children looked after: the next update of the care plan (see
#: ``rotherham.plans_up_to_date_cla``; a child with no period of care start is not listed).
plans_cla_due = _plans_due(RULE_CLA, "period of care start")


def _plans_due_list(
    indicator: Indicator,
    compute: DueCompute,
    *,
    id: str,
    title: str,
    who: str,
    start: str,
    months: int,
    record_label: str | None,
) -> DueList:
    """The due list of one of the three up-to-date plan measures."""
    return DueList.following(
        indicator,
        id=id,
        title=title,
        description=(
            f"{who}: the written plan is due within 10 working days of the {start} (by the "
            f"day before the 11th working day), then {months} months after its latest update "
            f"(add_months); overdue from the day after, as {indicator.id} counts it (months and "
            "working days follow the indicator's parameters)."
        ),
        compute=compute,
        record_label=record_label,
        start_label=start,
        event_label="last update",
    )


CP_VISITS_DUE = DueList.following(
    CP_VISITS_2W,
    id="rotherham.cp_visits",
    title="CP visits (2 weeks)",
    description=(
        "Children on a child protection plan: the next visit is due 14 days after the later of "
        "the latest cp visit and the plan start; overdue from the day after, as "
        "rotherham.cp_visits_2w counts it (local standard: visited in the last two weeks)."
    ),
    compute=cp_visits_due,
    record_label="plan",
    start_label="plan start",
    event_label="last visit",
)

MASH_DECISIONS_DUE = DueList.following(
    MASH_DECISION_24H,
    id="rotherham.mash_decisions",
    title="MASH decisions",
    description=(
        "Contacts awaiting a MASH decision at the end of the day: the decision is due 24 hours "
        "after receipt (or, with within=1wd, by the end of the first working day after the day "
        "of receipt), the deadline of rotherham.mash_decision_24h. Due today: the deadline "
        "passes during the day; overdue: it passed before the day began."
    ),
    compute=mash_decisions_due,
    record_label="contact",
    start_label="received",
)

PLANS_CP_DUE = _plans_due_list(
    PLANS_UP_TO_DATE_CP,
    plans_cp_due,
    id="rotherham.plans_cp",
    title="CP plans up to date",
    who="Children on a child protection plan",
    start="plan start",
    months=6,
    record_label="plan",
)

PLANS_CIN_DUE = _plans_due_list(
    PLANS_UP_TO_DATE_CIN,
    plans_cin_due,
    id="rotherham.plans_cin",
    title="CIN plans up to date",
    who="Children on a child in need plan",
    start="plan start",
    months=3,
    record_label="plan",
)

PLANS_CLA_DUE = _plans_due_list(
    PLANS_UP_TO_DATE_CLA,
    plans_cla_due,
    id="rotherham.plans_cla",
    title="CLA plans up to date",
    who="Children looked after",
    start="period of care start",
    months=6,
    record_label=None,
)

#: Every local due list, in id order.
DUE_LISTS: tuple[DueList, ...] = (
    CP_VISITS_DUE,
    MASH_DECISIONS_DUE,
    PLANS_CIN_DUE,
    PLANS_CLA_DUE,
    PLANS_CP_DUE,
)


def due_lists() -> Iterable[DueList]:
    """The local due lists (for the plugin's ``register_due_lists``)."""
    return list(DUE_LISTS)
