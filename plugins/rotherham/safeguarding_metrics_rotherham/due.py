"""Due lists of the local deadline measures: visits in the last two weeks, MASH decisions, and
up-to-date plans.

Each list follows an indicator of this plugin to the day. The snapshot measures are read from
the indicator's own cohort as at the day, so a case is overdue exactly when the indicator,
measured as at that day, counts it as not met. Children whose service started too recently to
be in an up-to-date-plans population are listed with their due dates, never as overdue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Periods
from safeguarding_metrics.calendar import add_working_days
from safeguarding_metrics.cohort import days
from safeguarding_metrics.due import DueCompute, DueList, due_frame

from .child_protection import CP_VISITS_2W, VISIT_WINDOW_DAYS, cp_visits_2w
from .front_door import MASH_DECISION_24H
from .plans import (
    PLANS_UP_TO_DATE_CIN,
    PLANS_UP_TO_DATE_CLA,
    PLANS_UP_TO_DATE_CP,
    plans_up_to_date_cin,
    plans_up_to_date_cla,
    plans_up_to_date_cp,
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

_NAT = np.datetime64("NaT", "D")
_DAY = np.timedelta64(1, "D")

Compute = Callable[[Mapping[str, pd.DataFrame], Periods, Mapping[str, Any]], pd.DataFrame]


def _met(cohort: pd.DataFrame) -> np.ndarray:
    return cohort["met"].astype("boolean").to_numpy(dtype=bool, na_value=False)


def cp_visits_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The next visit of every child on a child protection plan at ``as_at``.

    The cohort of ``rotherham.cp_visits_2w`` as at ``as_at`` (one row per child, the earliest
    open plan): ``due_date`` is 14 days after the later of the latest ``cp`` visit and the plan
    start. A child is visited in the last two weeks as at ``D`` exactly when ``D <= due_date``.
    """
    cohort = cp_visits_2w(tables, Periods.on(as_at), params)
    start = days(cohort["plan_start"])
    last = days(cohort["last_visit"])
    since_start = ~np.isnat(last) & (last >= start)
    basis = np.where(since_start, last, start)
    due = basis + np.timedelta64(VISIT_WINDOW_DAYS, "D")
    return due_frame(
        child=cohort["child"].to_numpy(np.int64),
        record=cohort["record"].to_numpy(dtype=object),
        record_start=start,
        last_event=last,
        due_date=due,
        rule=np.where(
            since_start,
            "within 14 days of the last visit",
            "within 14 days of the plan start (no visit since)",
        ).astype(object),
        already_late=~_met(cohort) & (due >= as_at),
    )


def mash_decisions_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Contacts received by the end of ``as_at`` and not decided by then.

    ``due_at`` is the deadline of ``rotherham.mash_decision_24h``: 24 hours after receipt
    (``within="24h"``), or the midnight ending the first working day after the day of receipt
    (``"1wd"``). ``due_date`` is the day during which the deadline passes (a deadline at
    midnight belongs to the day it ends), so a contact is overdue as at ``D`` when its deadline
    passed before ``D`` began, and due today when it passes during ``D``: undecided by the end
    of ``D``, the indicator counts it late in a period ending on ``D``.
    """
    contacts = tables["contacts"]
    received = pd.to_datetime(contacts["received_at"]).to_numpy(dtype="datetime64[ns]")
    decision = pd.to_datetime(contacts["decision_at"]).to_numpy(dtype="datetime64[ns]")
    day_over = (np.asarray(as_at, dtype="datetime64[D]") + _DAY).astype("datetime64[ns]")
    open_now = ~np.isnat(received) & (received < day_over)
    open_now &= np.isnat(decision) | (decision >= day_over)
    received = received[open_now]
    received_day = received.astype("datetime64[D]")
    if params.get("within", "24h") == "24h":
        due_at = received + np.timedelta64(24, "h")
        rule = "decision within 24 hours of receipt"
    else:
        due_day = np.full(len(received_day), _NAT)
        if len(received_day):
            due_day = np.asarray(add_working_days(received_day, 1), dtype="datetime64[D]")
        due_at = (due_day + _DAY).astype("datetime64[ns]")
        rule = "decision by the end of the first working day after receipt"
    return due_frame(
        child=contacts["child"].to_numpy(np.int64)[open_now],
        record=contacts["contact_id"].astype(object).to_numpy()[open_now],
        record_start=received_day,
        due_date=(due_at - np.timedelta64(1, "ns")).astype("datetime64[D]"),
        due_at=due_at,
        rule=rule,
    )


def _plans_due(
    compute: Compute,
    tables: Mapping[str, pd.DataFrame],
    as_at: np.datetime64,
    params: Mapping[str, Any],
    start_words: str,
) -> pd.DataFrame:
    """The next plan update of every case open at ``as_at``, from the indicator's cohort.

    The indicator is asked with ``grace_working_days=-1``, so that its cohort holds every open
    case (a case open for ``wd(start, as_at) <= grace`` working days is not in its population
    but is listed). The due date is ``add_months(latest update, months)``, and never before
    the day before the case enters the population (the ``grace + 1``-th working day after the
    start): with no update yet, that day. ``D <= due_date`` exactly when the indicator counts
    the case as up to date as at ``D`` or does not count it yet.
    """
    grace = int(params["grace_working_days"])
    months = int(params["months"])
    cohort = compute(tables, Periods.on(as_at), {**params, "grace_working_days": -1})
    cohort = cohort.loc[cohort["excluded"].isna().to_numpy()].reset_index(drop=True)
    start = days(cohort["service_start"])
    last = days(cohort["last_update"])
    next_due = days(cohort["next_update_due"])
    elapsed = cohort["working_days_open"].to_numpy(np.int64)
    in_population = elapsed > grace
    entry_eve: np.ndarray = np.full(len(start), _NAT)
    if len(start):
        entry = np.asarray(add_working_days(start, max(grace + 1, 1)), dtype="datetime64[D]")
        entry_eve = entry - _DAY
    no_update = np.isnat(next_due)
    due = np.where(no_update, entry_eve, np.maximum(next_due, entry_eve))
    rule = np.where(
        no_update,
        f"first plan: within {grace} working days of the {start_words}",
        np.where(
            due == next_due,
            f"within {months} months of the last update",
            f"within {grace} working days of the {start_words} (the last update is older)",
        ),
    ).astype(object)
    met = _met(cohort)
    return due_frame(
        child=cohort["child"].to_numpy(np.int64),
        record=cohort["record"].to_numpy(dtype=object),
        record_start=start,
        last_event=last,
        due_date=due,
        rule=rule,
        in_population=in_population,
        already_late=in_population & ~met & (due >= as_at),
    )


def plans_cp_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children on a child protection plan: the next update of the written plan (see
    ``rotherham.plans_up_to_date_cp``; one row per child, the earliest open plan)."""
    return _plans_due(plans_up_to_date_cp, tables, as_at, params, "plan start")


def plans_cin_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children on a child in need plan: the next update of the written plan (see
    ``rotherham.plans_up_to_date_cin``)."""
    return _plans_due(plans_up_to_date_cin, tables, as_at, params, "plan start")


def plans_cla_due(
    tables: Mapping[str, pd.DataFrame], as_at: np.datetime64, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children looked after: the next update of the care plan (see
    ``rotherham.plans_up_to_date_cla``; a child with no period of care start is not listed)."""
    return _plans_due(plans_up_to_date_cla, tables, as_at, params, "period of care start")


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
