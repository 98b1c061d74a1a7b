"""The adoption scorecard (A1, A2, A3, A10) and the "should be placed for adoption" counts.

The scorecard measures are means over the children adopted in the 36 months (parameter
``window_months``) ending at the period's end, whatever the period's start, as the DfE's
three-year scorecards are. The published thresholds of each scorecard are targets
(:data:`ADOPTION_TARGETS`, registered through ``register_targets``), chosen by the period
measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Parameter, Periods, Target
from safeguarding_metrics.calendar import days_after, months_after
from safeguarding_metrics.cohort import (
    cohort_frame,
    days,
    exclusion_reasons,
    flow_cohort,
    rows_in_periods,
    rows_open_at_period_ends,
)
from safeguarding_metrics.looked_after import ADOPTION_PLACEMENTS, CareHistory

from .cla import EPISODE_COLUMNS

__all__ = [
    "ADOPTION_A1",
    "ADOPTION_A2",
    "ADOPTION_A3",
    "ADOPTION_A10",
    "ADOPTION_SHOBPA_DECISIONS",
    "ADOPTION_SHOBPA_WAITING",
    "ADOPTION_TARGETS",
    "month_days",
]

_NAT = np.datetime64("NaT", "D")
_START_COLUMNS = ("start_date", "rne", "legal_status", "placement")


def month_days(months: int) -> int:
    """A scorecard threshold in months as the DfE states it in days [days].

    ``floor(months * 365.25 / 12)``: the whole days in ``months`` average months. It gives
    every published pair: 21 months 639 days, 18 months 547, 16 months 487, 14 months 426,
    7 months 213, 6 months 182, 5 months 152, 4 months 121.
    """
    return int(months * 365.25 / 12)


def _window(periods: Periods, months: int) -> Periods:
    """The ``months`` months ending at each period end: ``(add_months(end, -months), end]``."""
    if months < 1:
        raise ValueError(f"window_months must be at least 1, not {months}")
    first = days_after(months_after(periods.end, -months), 1)
    return Periods(start=first, end=periods.end)


def _timedelta_days(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """``later - earlier`` in days as float64, ``NaN`` where either is missing."""
    gap = (days(later) - days(earlier)).astype("timedelta64[D]")
    out = gap.astype(np.int64).astype(np.float64)
    out[np.isnat(gap)] = np.nan
    return out


def adopted(
    tables: Mapping[str, pd.DataFrame], periods: Periods, window_months: int
) -> pd.DataFrame:
    """The A1 cohort before aggregation: children adopted in each period's window.

    One row per adoption and period: ``period``, ``child``, ``adoption_order_date``, the
    ``entered_care`` day (the start of the period of care in force on the adoption order
    date: the latest episode with RNE S on or before it), ``moved_in`` (``placed_date``, else
    the start of the first A3-A6 episode in that period of care, on or before the order),
    ``excluded`` (``"no period of care start"``, ``"no date of moving in"``) and the adoption
    row's other columns that were read. Short breaks are removed from the history first.
    """
    adoptions = tables["adoptions"]
    order_date = days(adoptions["adoption_order_date"])
    period, row = rows_in_periods(order_date, _window(periods, window_months))
    child = adoptions["child"].to_numpy(np.int64)[row]
    order = order_date[row]
    history = CareHistory.shared(tables)
    entered = history.period_of_care_start(child, order)
    _, first_adoptive = history.first_start_on_or_after(
        child, entered, history.placement_in(ADOPTION_PLACEMENTS)
    )
    first_adoptive = np.where(first_adoptive <= order, first_adoptive, _NAT)
    placed = days(adoptions["placed_date"])[row]
    moved_in = np.where(np.isnat(placed), first_adoptive, placed)
    frame = pd.DataFrame(
        {
            "period": period,
            "child": child,
            "adoption_order_date": order,
            "entered_care": entered,
            "moved_in": moved_in,
            "excluded": exclusion_reasons(
                (np.isnat(entered), "no period of care start"),
                (np.isnat(moved_in), "no date of moving in"),
            ),
        }
    )
    for column in ("placement_order_date", "matched_date"):
        if column in adoptions.columns:
            frame[column] = days(adoptions[column])[row]
    if "foster_carer" in adoptions.columns:
        frame["foster_carer"] = (
            adoptions["foster_carer"].astype("boolean").to_numpy(dtype=bool, na_value=False)[row]
        )
        # the foster placement the carers adopt from: the carer-change placement in force on
        # the day the child moved in (the adoptive episode is recorded as T or U, same carer)
        foster_start = history.placement_start(child, moved_in, change="carer")
        frame["foster_placement_start"] = foster_start
    return frame


def _window_parameter() -> Parameter:
    return Parameter(
        name="window_months",
        default=36,
        type=int,
        description=(
            "the children adopted in the window_months months ending at the period end "
            "(whatever the period's start) are averaged; 36 is the three-year scorecard"
        ),
    )


def adoption_a1(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Average days between entering care and moving in with the adoptive family (A1) [days].

    Numerator
        The sum over the children adopted in the window of ``moved_in - entered_care`` in
        days: ``entered_care`` is the start of the period of care in force on the adoption
        order date; ``moved_in`` is ``placed_date``, else the start of the first A3-A6
        episode in that period of care.
    Denominator
        Children with an ``adoption_order_date`` in the 36 months ``(add_months(end, -36),
        end]`` (parameter ``window_months``), whatever the period's start.
    Exclusions
        No period of care start ("no period of care start"); neither a placed date nor an
        A3-A6 episode ("no date of moving in").

    Notes
    -----
    An adoption on the first day of the window (the day after ``add_months(end, -36)``) and on
    its last (``end``) are in. Values are kept unrounded; the mean is shown to the nearest
    day. Thresholds (targets): 2009-12 639 days, 2011-14 547, 2012-15 487, 2013-16 14 months
    (426 days). Detail columns: ``adoption_order_date``, ``entered_care``, ``moved_in``.

    References
    ----------
    DfE, *Adoption scorecards*, A1: average time between a child entering care and moving in
    with its adoptive family, for children who have been adopted (3-year average).
    """
    frame = adopted(tables, periods, params["window_months"])
    value = _timedelta_days(frame["moved_in"].to_numpy(), frame["entered_care"].to_numpy())
    return cohort_frame(
        period=frame["period"].to_numpy(),
        child=frame["child"].to_numpy(),
        date=frame["adoption_order_date"].to_numpy(),
        value=np.where(frame["excluded"].isna(), value, np.nan),
        excluded=frame["excluded"].to_numpy(dtype=object),
        extra={c: frame[c].to_numpy() for c in ("entered_care", "moved_in")},
    )


def adoption_a10(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """A1 adjusted for foster carer adoptions (A10) [days].

    Numerator
        As A1, but for a child adopted by its foster carers (``foster_carer`` true) the move
        in counts from the start of that foster placement: the carer-change placement start
        (latest episode with RNE S, P or B) in force on the day the child moved in.
    Denominator
        As A1: children adopted in the window.
    Exclusions
        As A1.

    Notes
    -----
    A missing ``foster_carer`` is false. Detail columns: ``entered_care``, ``moved_in`` (as
    adjusted), ``foster_carer``.

    References
    ----------
    DfE, *Adoption scorecards*, A10: average time between a child entering care and moving in
    with its adoptive family, adjusted for foster carer adoptions.
    """
    frame = adopted(tables, periods, params["window_months"])
    moved_in = frame["moved_in"].to_numpy(dtype="datetime64[D]")
    foster = frame["foster_carer"].to_numpy(dtype=bool)
    foster_start = frame["foster_placement_start"].to_numpy(dtype="datetime64[D]")
    adjusted = np.where(foster & ~np.isnat(foster_start), foster_start, moved_in)
    value = _timedelta_days(adjusted, frame["entered_care"].to_numpy())
    return cohort_frame(
        period=frame["period"].to_numpy(),
        child=frame["child"].to_numpy(),
        date=frame["adoption_order_date"].to_numpy(),
        value=np.where(frame["excluded"].isna(), value, np.nan),
        excluded=frame["excluded"].to_numpy(dtype=object),
        extra={
            "entered_care": frame["entered_care"].to_numpy(),
            "moved_in": adjusted,
            "foster_carer": foster,
        },
    )


def adoption_a2(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Average days between the placement order and the match with the adopters (A2) [days].

    Numerator
        The sum of ``matched_date - placement_order_date`` in days, 0 when the match came
        first.
    Denominator
        The A1 cohort (children adopted in the window who moved in with their adopters, so
        placed for adoption before the order) with both a placement order and a match date.
    Exclusions
        The A1 exclusions; then "no placement order date", "no match date".

    Notes
    -----
    A match before the placement order is not a negative interval to set aside: it counts
    as 0 days. Threshold (targets): 2009-12 213 days, 2011-14 182, 2012-15 152, 2013-16
    4 months (121 days). Detail columns: ``placement_order_date``, ``matched_date``.

    References
    ----------
    DfE, *Adoption scorecards*, A2: average time between a local authority receiving court
    authority to place a child and the authority deciding on a match to an adoptive family
    (LG Inform metric 912).
    """
    frame = adopted(tables, periods, params["window_months"])
    order = frame["placement_order_date"].to_numpy(dtype="datetime64[D]")
    matched = frame["matched_date"].to_numpy(dtype="datetime64[D]")
    value = np.maximum(_timedelta_days(matched, order), 0.0)
    excluded = frame["excluded"].to_numpy(dtype=object).copy()
    free = frame["excluded"].isna().to_numpy()
    excluded[free & np.isnat(matched)] = "no match date"
    excluded[free & np.isnat(order)] = "no placement order date"
    keep = pd.isna(excluded)
    return cohort_frame(
        period=frame["period"].to_numpy(),
        child=frame["child"].to_numpy(),
        date=frame["adoption_order_date"].to_numpy(),
        value=np.where(keep, value, np.nan),
        excluded=excluded,
        extra={"placement_order_date": order, "matched_date": matched},
    )


def adoption_a3(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children adopted who moved in less than 14 months after entering care (A3) [%].

    Numerator
        Those with ``moved_in < add_months(entered_care, months)`` (parameter ``months``,
        default 14, the 2013-16 scorecard).
    Denominator
        The A1 cohort: children adopted in the window.
    Exclusions
        As A1.

    Notes
    -----
    "Less than": moving in exactly 14 months after entering care (by the month rule) is not
    counted. Detail columns: ``entered_care``, ``moved_in``, ``due`` (the day by which the
    child had to have moved in: the day before ``add_months(entered_care, months)``).

    References
    ----------
    DfE, *Adoption scorecards*, A3: children who wait less than 14 months between entering
    care and moving in with their adoptive family.
    """
    months = int(params["months"])
    if months < 1:
        raise ValueError(f"months must be at least 1, not {months}")
    frame = adopted(tables, periods, params["window_months"])
    entered = frame["entered_care"].to_numpy(dtype="datetime64[D]")
    moved_in = frame["moved_in"].to_numpy(dtype="datetime64[D]")
    limit = months_after(entered, months)
    return cohort_frame(
        period=frame["period"].to_numpy(),
        child=frame["child"].to_numpy(),
        date=frame["adoption_order_date"].to_numpy(),
        met=~np.isnat(moved_in) & (moved_in < limit),
        excluded=frame["excluded"].to_numpy(dtype=object),
        extra={"entered_care": entered, "moved_in": moved_in, "due": days_after(limit, -1)},
    )


# -- should be placed for adoption ----------------------------------------------------------------


def adoption_shobpa_decisions(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Decisions that a child should be placed for adoption, made in the period [count].

    Numerator
        ``adoptions`` rows with ``shobpa_date`` in the period (a decision later reversed
        still counts: it was made).

    References
    ----------
    Ofsted Annex A, list 10 (children with a decision that they should be placed for
    adoption); SSDA903 ``DATE_SHOULD_BE_PLACED``; the seed report, 3.3.3.
    """
    adoptions = tables["adoptions"]
    decided = days(adoptions["shobpa_date"])
    return flow_cohort(decided, periods, child=adoptions["child"].to_numpy(np.int64), met=True)


def adoption_shobpa_waiting(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Children with a "should be placed for adoption" decision still waiting at the end [count].

    Numerator
        Children with ``shobpa_date <= end`` who by ``end`` have not had the decision reversed
        (``shobpa_reversed_date``), have not moved in with adopters (``placed_date``, or an
        A3-A6 episode starting on or after the decision) and have no adoption order; with
        ``looked_after_only`` (default true), only those looked after at ``end`` (short
        breaks removed).

    Notes
    -----
    The decision is waiting from its day to the day before the first of reversal, moving in
    or the adoption order: a child placed on ``end`` is no longer waiting on ``end``. Detail
    columns: ``shobpa_date``, ``days_waiting`` (``end - shobpa_date``).

    References
    ----------
    Ofsted Annex A, list 10; the seed report, 3.3.3 (identifying families for children with a
    'should be placed for adoption' decision).
    """
    adoptions = tables["adoptions"]
    child = adoptions["child"].to_numpy(np.int64)
    decided = days(adoptions["shobpa_date"])
    history = CareHistory.shared(tables)
    _, first_adoptive = history.first_start_on_or_after(
        child, decided, history.placement_in(ADOPTION_PLACEMENTS)
    )
    ends = np.stack(
        [
            days(adoptions["shobpa_reversed_date"]),
            days(adoptions["placed_date"]),
            days(adoptions["adoption_order_date"]),
            first_adoptive,
        ]
    )
    # the earliest of the dates that end the wait (NaT when none has happened)
    as_numbers = np.where(np.isnat(ends), np.iinfo(np.int64).max, ends.astype(np.int64))
    earliest = as_numbers.min(axis=0) if len(child) else np.zeros(0, dtype=np.int64)
    resolved = np.where(earliest == np.iinfo(np.int64).max, _NAT, earliest.astype("datetime64[D]"))
    period, row = rows_open_at_period_ends(decided, resolved, periods)
    child, decided = child[row], decided[row]
    end = periods.end[period]
    if params["looked_after_only"]:
        keep = history.looked_after_on(child, end)
        period, child, decided, end = (a[keep] for a in (period, child, decided, end))
    return cohort_frame(
        period=period,
        child=child,
        date=decided,
        met=True,
        extra={"shobpa_date": decided, "days_waiting": (end - decided).astype(np.int64)},
    )


# -- the indicators ------------------------------------------------------------------------------

_SCORECARD = "DfE adoption scorecards (3-year averages), "

ADOPTION_A1 = Indicator(
    id="national.adoption_a1",
    section="adoption",
    order=30,
    plain=(
        "For the children adopted in the last three years, the average number of days from "
        "coming into care to moving in with their adoptive family. The national scorecard "
        "measure: the fewer days the better."
    ),
    count_label="children adopted (last 3 years)",
    headline="period",
    headline_reason=(
        "the adoption scorecard's own window: the children adopted in the 36 months "
        "(window_months) to the period end, whatever the period"
    ),
    title="A1: days from entering care to moving in with the adoptive family",
    description=(
        "Mean over the children adopted in the 36 months to the period end (window_months) of "
        "the days from the start of the period of care in force on the adoption order date to "
        "moving in with the adoptive family (placed_date, else the first A3-A6 episode of that "
        "period of care). Exclusions: no period of care start; no date of moving in."
    ),
    kind="flow",
    unit="days",
    polarity="lower",
    tables={
        "adoptions": ("adoption_order_date", "placed_date"),
        "care_episodes": _START_COLUMNS,
    },
    lookback="all",
    compute=adoption_a1,
    parameters=(_window_parameter(),),
    source=_SCORECARD + "A1",
    definition_version="2013-16",
)

ADOPTION_A10 = Indicator(
    id="national.adoption_a10",
    section="adoption",
    order=40,
    plain=(
        "As the average days from care to adoptive family, but for a child adopted by their "
        "foster carers the wait ends when they moved in with those carers."
    ),
    count_label="children adopted (last 3 years)",
    headline="period",
    headline_reason=(
        "the adoption scorecard's own window: the children adopted in the 36 months "
        "(window_months) to the period end, whatever the period"
    ),
    title="A10: A1 adjusted for foster carer adoptions",
    description=(
        "As A1, but for a child adopted by its foster carers the move in counts from the "
        "start of that foster placement (the carer-change placement start in force when the "
        "child moved in). Exclusions: as A1."
    ),
    kind="flow",
    unit="days",
    polarity="lower",
    tables={
        "adoptions": ("adoption_order_date", "placed_date", "foster_carer"),
        "care_episodes": _START_COLUMNS,
    },
    lookback="all",
    compute=adoption_a10,
    parameters=(_window_parameter(),),
    source=_SCORECARD + "A10",
    definition_version="2013-16",
)

ADOPTION_A2 = Indicator(
    id="national.adoption_a2",
    section="adoption",
    order=50,
    plain=(
        "For the children adopted in the last three years, the average number of days from the "
        "court's placement order to being matched with their adoptive family."
    ),
    count_label="children adopted with a placement order and a match (last 3 years)",
    headline="period",
    headline_reason=(
        "the adoption scorecard's own window: the children adopted in the 36 months "
        "(window_months) to the period end, whatever the period"
    ),
    title="A2: days from placement order to match",
    description=(
        "Mean over the A1 cohort (children adopted in the 36 months to the period end who "
        "moved in with their adopters) with a placement order and a match date of the days "
        "from the placement order to the match, 0 when matched first. Exclusions: as A1; no "
        "placement order date; no match date."
    ),
    kind="flow",
    unit="days",
    polarity="lower",
    tables={
        "adoptions": (
            "adoption_order_date",
            "placed_date",
            "placement_order_date",
            "matched_date",
        ),
        "care_episodes": _START_COLUMNS,
    },
    lookback="all",
    compute=adoption_a2,
    parameters=(_window_parameter(),),
    source=_SCORECARD + "A2",
    definition_version="2013-16",
)

ADOPTION_A3 = Indicator(
    id="national.adoption_a3",
    section="adoption",
    order=60,
    plain=(
        "Of the children adopted in the last three years, how many moved in with their adoptive "
        "family within 14 months of coming into care."
    ),
    count_label="children adopted (last 3 years)",
    of_which_label="moved in within 14 months",
    headline="period",
    headline_reason=(
        "the adoption scorecard's own window: the children adopted in the 36 months "
        "(window_months) to the period end, whatever the period"
    ),
    title="A3: adopted children who waited less than 14 months",
    description=(
        "Numerator: children of the A1 cohort who moved in with their adoptive family less "
        "than 14 months (parameter months) after entering care. Denominator: the A1 cohort, "
        "children adopted in the 36 months to the period end. Exclusions: as A1."
    ),
    kind="flow",
    unit="%",
    polarity="higher",
    tables={
        "adoptions": ("adoption_order_date", "placed_date"),
        "care_episodes": _START_COLUMNS,
    },
    lookback="all",
    compute=adoption_a3,
    parameters=(
        _window_parameter(),
        Parameter(
            name="months",
            default=14,
            type=int,
            description=(
                "the wait counted: moved in before add_months(entered care, months); 14 is "
                "the 2013-16 scorecard"
            ),
        ),
    ),
    source=_SCORECARD + "A3",
    definition_version="2013-16",
)

ADOPTION_SHOBPA_DECISIONS = Indicator(
    id="national.adoption_shobpa_decisions",
    section="adoption",
    order=10,
    plain="How many decisions were made that a child should be placed for adoption.",
    count_label="decisions",
    title="'Should be placed for adoption' decisions",
    description="Decisions that a child should be placed for adoption made in the period.",
    kind="flow",
    unit="count",
    polarity="neutral",
    tables={"adoptions": ("shobpa_date",)},
    populated={"adoptions": ("shobpa_date",)},
    compute=adoption_shobpa_decisions,
    source="Ofsted Annex A list 10; SSDA903 adoption data",
    definition_version="2015-16",
)

ADOPTION_SHOBPA_WAITING = Indicator(
    id="national.adoption_shobpa_waiting",
    section="adoption",
    order=20,
    plain=(
        "How many children with a decision that they should be adopted were still waiting to "
        "move in with an adoptive family at the end of the period."
    ),
    count_label="children waiting",
    title="Children waiting to be placed for adoption",
    description=(
        "Children with a 'should be placed for adoption' decision on or before the period end "
        "that has not been reversed, who have not moved in with adopters (placed date or an "
        "A3-A6 episode) and have no adoption order, and (looked_after_only) are looked after "
        "at the period end."
    ),
    kind="snapshot",
    unit="count",
    polarity="neutral",
    tables={
        "adoptions": (
            "shobpa_date",
            "shobpa_reversed_date",
            "placed_date",
            "adoption_order_date",
        ),
        "care_episodes": EPISODE_COLUMNS,
    },
    populated={"adoptions": ("shobpa_date",)},
    compute=adoption_shobpa_waiting,
    parameters=(
        Parameter(
            name="looked_after_only",
            default=True,
            type=bool,
            description=(
                "count only children looked after at the period end (a child who left care "
                "without the decision being recorded as reversed is not waiting)"
            ),
        ),
    ),
    source="Ofsted Annex A list 10; SSDA903 adoption data",
    definition_version="2015-16",
)


def _thresholds(indicator: str, values: tuple[tuple[str, int, str], ...]) -> tuple[Target, ...]:
    # A scorecard covers the three collection years to 31 March of its last year: a period
    # is judged against the scorecard whose last collection year holds the period's end.
    out = []
    for label, value, note in values:
        last_year = 2000 + int(label[-2:])
        out.append(
            Target(
                indicator=indicator,
                value=float(value),
                valid_from=f"{last_year - 1}-04-01",
                valid_to=f"{last_year}-03-31",
                source=f"DfE adoption scorecard {label} threshold{note}",
            )
        )
    return tuple(out)


#: The published scorecard thresholds, each for the periods ending in the last collection
#: year of its scorecard. 14 and 4 months are converted to days as the DfE's earlier
#: thresholds were (:func:`month_days`): 426 and 121 days.
ADOPTION_TARGETS: tuple[Target, ...] = _thresholds(
    "national.adoption_a1",
    (
        ("2009-12", 639, ""),
        ("2011-14", 547, ""),
        ("2012-15", 487, ""),
        ("2013-16", month_days(14), " (14 months)"),
    ),
) + _thresholds(
    "national.adoption_a2",
    (
        ("2009-12", 213, ""),
        ("2011-14", 182, ""),
        ("2012-15", 152, ""),
        ("2013-16", month_days(4), " (4 months)"),
    ),
)
