"""The front door: how quickly the multi-agency safeguarding hub (MASH) decides on a contact."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from safeguarding_metrics import Parameter
from safeguarding_metrics.declared import Choice, Deadline, DeadlineRows, Limit

__all__ = ["MASH_DECISION_24H", "RULE", "mash_decision_24h"]


def _details(rows: DeadlineRows, tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The drill-down's columns: the moments, the deadline and the hours taken."""
    return {
        "received_at": rows.start,
        "decision_at": rows.stop,
        "deadline": rows.deadline,
        "hours_to_decision": rows.elapsed,
    }


#: The rule of ``rotherham.mash_decision_24h``: decided within 24 hours of receipt (or by the
#: end of the first working day after the day of receipt), counted in the period of receipt;
#: an undecided contact is late once its deadline has passed by the period's end.
RULE = Deadline(
    table="contacts",
    record="contact_id",
    start="received_at",
    stop="decision_at",
    within=Choice(
        "within",
        {"24h": Limit(24, "hours"), "1wd": Limit(1, "working days", by="due day")},
        default="24h",
    ),
    counted="start",
    stop_before_start="excluded",
    pending_reason="no decision yet, deadline after the period",
    before_start_reason="decision before receipt",
    elapsed_unit="hours",
    details=_details,
)

_DEFINITION = """
Contacts received in the period on which the MASH decided in time [%].

Numerator
    Contacts decided in time: with ``within="24h"`` (the default), ``decision_at -
    received_at <= 24 hours``; with ``within="1wd"``, the decision falls on or before the
    first working day after the day of receipt.
Denominator
    Contacts whose ``received_at`` falls in the period, counted as records (the whole
    contact history is read; a period only chooses which contacts are counted).
Exclusions
    A contact with no decision yet is counted, as late, once its deadline is at or before
    the midnight ending the period's last day; while its deadline is still after that
    midnight it is left out and listed ("no decision yet, deadline after the period").
    A decision recorded before the contact was received is a data error: the loader lists
    it in the data-quality table and the contact is set aside from this measure (it reads
    ``decision_at``); a direct call with such a row lists it here ("decision before
    receipt").

Parameters
----------
tables
    ``contacts`` (``contact_id``, ``received_at``, ``decision_at``).
periods
    The periods.
params
    ``within``: ``"24h"`` or ``"1wd"``.

Notes
-----
Times are compared as recorded (wall-clock, no time zone). The deadline (detail column
``deadline``) is ``received_at + 24 hours``, or the midnight that ends the first working day
after the day of receipt. A decision exactly 24 hours after receipt is in time; 24 hours
and one minute is late. A contact received at 23:00 on Thursday 2015-04-02 (Good Friday and
Easter Monday follow) is in time under ``"1wd"`` when decided by the end of Tuesday
2015-04-07; one received on Friday 2015-08-28 by the end of Tuesday 2015-09-01 (Monday
2015-08-31 is the August bank holiday). The recorded decision counts even when it was made
after the period ended, so a month's figure can still change while its last contacts are
decided. Detail columns: ``received_at``, ``decision_at``, ``deadline``,
``hours_to_decision``.

References
----------
HM Government, *Working Together to Safeguard Children* (2015), chapter 1: within one
working day of a referral being received a local authority social worker should make a
decision about the type of response required. Rotherham MBC, *Safeguarding Children and
Families Performance 2015/16, 3rd Quarter Report*, Improving Lives Select Commission,
3 February 2016, paragraph 3.2.1: timely MASH decisions 98.6% in December 2015 against a
low of 36.7% at the end of 2014.
"""


MASH_DECISION_24H = RULE.indicator(
    doc=_DEFINITION,
    id="rotherham.mash_decision_24h",
    section="front_door",
    order=10,
    plain=(
        "Of the contacts the front door (the MASH) received, how many had a decision on what "
        "happens next within 24 hours. A quick decision means a child at risk is not left "
        "waiting."
    ),
    count_label="contacts received",
    of_which_label="decided within 24 hours",
    title="Contacts with a MASH decision within 24 hours",
    description=(
        "Numerator: contacts decided within 24 hours of receipt (decision_at - received_at <= "
        "24 hours), or with within=1wd by the end of the first working day after the day of "
        "receipt. Denominator: contacts received in the period. A contact with no decision is "
        "counted as late once its deadline has passed by the end of the period, and left out "
        "(listed) while it has not."
    ),
    kind="flow",
    unit="%",
    polarity="higher",
    tables={"contacts": ("contact_id", "received_at", "decision_at")},
    populated={"contacts": ("decision_at",)},
    parameters=(
        Parameter(
            name="within",
            default="24h",
            choices=("24h", "1wd"),
            description=(
                "'24h': decided at most 24 hours after receipt (the council's measure); '1wd': "
                "decided on or before the first working day after the day of receipt "
                "(Working Together)"
            ),
        ),
    ),
    source=(
        "Rotherham local measure (performance report, 3 February 2016, para 3.2.1); "
        "Working Together to Safeguard Children 2015 (one working day)"
    ),
    definition_version="2015-16",
)

#: The cohort of ``rotherham.mash_decision_24h`` (from :data:`RULE`).
mash_decision_24h = MASH_DECISION_24H.compute
