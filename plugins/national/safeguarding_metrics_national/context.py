"""Context for the children in need measures: referrals in the period, referrals ending in no
further action, and children in need at the end of the period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Parameter, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.cohort import (
    bool_column,
    cohort_frame,
    days,
    flow_cohort,
    rows_in_periods,
    rows_open_at_period_ends,
    rows_within,
    sort_key,
    sort_with_ties,
    take_text,
    text_equals,
)

from ._shared import CollectionYear, referrals_once_per_day, year_of_definition

_EPOCH = np.datetime64("1800-01-01", "D")

__all__ = [
    "CHILDREN_IN_NEED",
    "REFERRALS",
    "REFERRALS_NFA",
    "children_in_need",
    "referrals",
    "referrals_nfa",
]

#: Reasons for closure meaning "case closed after assessment": RC8 (no further action) in
#: every collection year; RC9 (referred to early help) from the 2021-22 collection on.
AFTER_ASSESSMENT = {"RC8": 0, "RC9": 2022}


def referrals(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Referrals in the period [count].

    Numerator
        Referrals with ``referral_date`` in the period, counted once per child and date.
    Denominator
        None: a count.
    Exclusions
        None (referrals ending in no further action are referrals).

    Parameters
    ----------
    tables
        ``referrals`` (``referral_id``, ``referral_date``).
    periods
        The periods.
    params
        None.

    Notes
    -----
    Two referrals of one child on one day count once (the lowest ``referral_id`` is the
    record), as in ``national.rereferrals_12m``, whose denominator this count equals.

    References
    ----------
    DfE, *Characteristics of children in need*, table C1 (referrals in the year).
    """
    frame = referrals_once_per_day(rows_within(tables["referrals"], "referral_date", periods))
    return flow_cohort(
        frame["day"].to_numpy(),
        periods,
        child=frame["child"].to_numpy(),
        record=frame["id"],
        met=True,
    )


def referrals_nfa(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Referrals in the period that ended in no further action [%].

    Numerator
        Referrals flagged ``nfa`` (a missing flag is false). With ``after_assessment``, also
        referrals whose episode closed after an assessment with no further children's social
        care involvement: ``closure_reason`` RC8, and RC9 where the definition's collection
        year is 2021-22 or later (RC9 exists from that collection on).
    Denominator
        Referrals with ``referral_date`` in the period, counted once per child and date.
    Exclusions
        None. A referral whose ``nfa`` is not a boolean is left out (listed in the
        data-quality table).

    Parameters
    ----------
    tables
        ``referrals`` (``referral_id``, ``referral_date``, ``nfa``, ``closure_reason``).
    periods
        The periods.
    params
        ``after_assessment`` (default false: the DfE's "no further action" count, table C1).
        ``collection_year``: whose definition to follow, ``"latest"`` (default), ``"period"``
        (each period its own collection year) or a year (``2016`` or ``"2015-16"``); it
        matters only with ``after_assessment`` (RC9 from 2021-22).

    Notes
    -----
    Of two referrals of one child on one day the one with the lowest ``referral_id`` is the
    record, with its own flag and closure reason. The closure reason may be dated after the
    period: the referral's outcome is what is counted.

    References
    ----------
    DfE, *Characteristics of children in need*, table C1 (referrals which resulted in no
    further action; referrals assessed as not in need); DfE, *Children in need census:
    guide*, ReferralNFA and ReasonForClosure (RC8 "case closed after assessment, no further
    action"; RC9 "case closed after assessment, referred to early help", from 2021-22).
    """
    frame = referrals_once_per_day(
        rows_within(tables["referrals"], "referral_date", periods), ("nfa", "closure_reason")
    )
    period, row = rows_in_periods(frame["day"].to_numpy(), periods)
    nfa = bool_column(frame, "nfa")[row]
    reason = take_text(frame["closure_reason"], row)
    met = nfa.copy()
    if params["after_assessment"]:
        year = year_of_definition(params["collection_year"], periods)[period]
        for code, since in AFTER_ASSESSMENT.items():
            met |= text_equals(reason, code) & (year >= since)
    return cohort_frame(
        period=period,
        child=frame["child"].to_numpy()[row],
        record=take_text(frame["id"], row),
        date=frame["day"].to_numpy()[row],
        met=met,
        extra={"nfa": nfa, "closure_reason": reason},
    )


def children_in_need(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children in need at the end of the period [count of children].

    Numerator
        Children with an open episode of need on the period's last day ``end``: a referral
        with ``referral_date <= end`` and ``closure_date`` missing or after ``end``, not
        flagged ``nfa``. Each child counts once, however many such referrals.
    Denominator
        None: a count.
    Exclusions
        Referrals ending in no further action open no episode of need. A referral whose
        closure date is before its referral date, or whose ``nfa`` is not a boolean, is left
        out (listed in the data-quality table).

    Parameters
    ----------
    tables
        ``referrals`` (``referral_id``, ``referral_date``, ``closure_date``, ``nfa``).
    periods
        The periods; measured as at each period's last day.
    params
        None.

    Notes
    -----
    "Child in need on day D" is read from the referrals table alone, as the CIN census
    counts it: every child on a child protection plan, on a child in need plan or looked
    after has an open CIN episode in the census. A dataset whose looked-after children come
    only from SSDA903 episodes, with no referral, does not count them here. A referral
    closed on ``end`` is not open at ``end``. The record is the child's latest open referral.

    References
    ----------
    DfE, *Characteristics of children in need*, table B1 (children in need at 31 March:
    episodes open at 31 March); Children Act 1989, section 17(10).
    """
    refs = tables["referrals"]
    start = days(refs["referral_date"])
    end = days(refs["closure_date"])
    nfa = bool_column(refs, "nfa")
    period, row = rows_open_at_period_ends(start, end, periods)
    keep = ~nfa[row]
    period, row = period[keep], row[keep]
    child = refs["child"].to_numpy(np.int64)[row]
    record = take_text(refs["referral_id"], row)
    date = start[row]
    # sorted by period, child, date, then record; the last of each period and child is kept
    key = sort_key(period, child, (date - _EPOCH).astype(np.int64))
    if key is None:  # pragma: no cover - more than 63 bits of periods, children and days
        order = (
            pd.DataFrame({"period": period, "child": child, "date": date, "record": record})
            .sort_values(["period", "child", "date", "record"], kind="stable")
            .index.to_numpy()
        )
    else:
        order = sort_with_ties(key, record)
    period, child = period[order], child[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (period[1:] != period[:-1]) | (child[1:] != child[:-1])
    latest = order[last]
    return cohort_frame(
        period=period[last],
        child=child[last],
        record=record[latest],
        date=date[latest],
        met=True,
    )


REFERRALS = Indicator(
    id="national.referrals",
    section="front_door",
    order=20,
    plain="How many referrals to children's social care were made: the demand on the service.",
    count_label="referrals",
    title="Referrals",
    description="Referrals with a referral date in the period, counted once per child and date.",
    kind="flow",
    unit="count",
    polarity="neutral",
    tables={"referrals": ("referral_id", "referral_date")},
    compute=referrals,
    source="DfE Characteristics of children in need, table C1 (referrals)",
    definition_version="2014-15",
    benchmark=None,
)

REFERRALS_NFA = Indicator(
    id="national.referrals_nfa",
    section="front_door",
    order=40,
    plain=(
        "Of the referrals made, how many needed no further action from children's social care. "
        "Shown for context: neither higher nor lower is better."
    ),
    count_label="referrals",
    of_which_label="ending in no further action",
    headline="ytd",
    headline_reason=(
        "DfE publishes it by collection year (April to March) and the seed report quotes it "
        "year to date"
    ),
    title="Referrals ending in no further action",
    description=(
        "Numerator: referrals flagged as ending in no further action (nfa; missing = false); "
        "with after_assessment, also those closed after assessment with no further action "
        "(RC8, and RC9 from 2021-22). Denominator: referrals with a referral date in the "
        "period, counted once per child and date."
    ),
    kind="flow",
    unit="%",
    polarity="neutral",
    tables={"referrals": ("referral_id", "referral_date", "nfa", "closure_reason")},
    populated={"referrals": ("nfa",)},
    compute=referrals_nfa,
    parameters=(
        Parameter(
            name="after_assessment",
            default=False,
            type=bool,
            description=(
                "also count referrals whose case closed after assessment with no further "
                "social care involvement (closure reason RC8; RC9 from 2021-22)"
            ),
        ),
        Parameter(
            name="collection_year",
            default="latest",
            type=CollectionYear,
            description=(
                "the collection year whose definition to follow: 'latest', 'period' (each "
                "period its own collection year) or a year YYYY / YYYY-YY; RC9 counts from "
                "2021-22 (2022)"
            ),
        ),
    ),
    source="DfE Characteristics of children in need, table C1 (no further action)",
    definition_version="2021-22",
    benchmark=BenchmarkLink(
        key="CIN_Refferals_NFA",
        like_for_like=True,
        reason=(
            "referrals ending in no further action, over referrals, as table C1 (with "
            "after_assessment also those closed after assessment: another measure)"
        ),
    ),
)

CHILDREN_IN_NEED = Indicator(
    id="national.children_in_need",
    section="children_in_need",
    order=10,
    plain=(
        "How many children were open to children's social care as children in need at the end "
        "of the period: the size of the caseload."
    ),
    count_label="children in need",
    title="Children in need at the end of the period",
    description=(
        "Children with an open referral (CIN episode) on the period's last day: referral "
        "date on or before it, closure date missing or after it, not ending in no further "
        "action; each child once."
    ),
    kind="snapshot",
    unit="count",
    polarity="neutral",
    tables={"referrals": ("referral_id", "referral_date", "closure_date", "nfa")},
    compute=children_in_need,
    source="DfE Characteristics of children in need, table B1 (children in need at 31 March)",
    definition_version="2014-15",
    benchmark=None,
)
