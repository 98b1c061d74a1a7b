"""Social workers' caseloads: the average caseload, and the workers within the agreed limit.

These are worker-level measures: each cohort row is a case-holding worker (``child`` is -1),
with a ``worker`` column that the engine uses for the breakdown by team and worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, NotComputable, Parameter, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.cohort import (
    cohort_frame,
    days,
    exclusion_reasons,
    rows_open_at_period_ends,
    text_values,
)

__all__ = [
    "CASELOADS_WITHIN_LIMIT",
    "CASELOAD_AVERAGE",
    "UPPER_LIMIT",
    "caseload_average",
    "caseloads",
    "caseloads_within_limit",
]

#: The agreed caseload limits of the seed report [cases]: averages within 18 to 22.
LOWER_LIMIT, UPPER_LIMIT = 18, 22

_ALLOCATIONS = ("worker_id", "start_date", "end_date")
_REPORT = (
    "Rotherham MBC, Safeguarding Children and Families Performance 2015/16 3rd Quarter Report, "
    "3 February 2016, para 3.2.5"
)


def _la_key(frame: pd.DataFrame) -> np.ndarray:
    """The authority of each row as text ('' for a single-authority dataset)."""
    if "la" not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame["la"].astype(object).where(frame["la"].notna(), "").to_numpy(dtype=object)


def _la_codes(frame: pd.DataFrame) -> tuple[np.ndarray, Any]:
    """:func:`_la_key` factorized in the sorted order of its text: ``(codes, text)``.

    The column is factorized as it is held (Arrow strings by Arrow), missing values first
    filled with '', so that no Python string is made per row.
    """
    if "la" not in frame.columns:
        return np.zeros(len(frame), dtype=np.intp), np.array([""], dtype=object)
    return pd.factorize(frame["la"].fillna(""), sort=True)


def caseloads(allocations: pd.DataFrame, periods: Periods) -> pd.DataFrame:
    """Each case-holding worker's caseload at each period's end.

    A worker's caseload is the number of distinct children with an allocation to that worker
    open on ``end`` (``start_date <= end`` and ``end_date`` missing or after ``end``); a child
    allocated to two workers counts for each, and a child with two open allocations to one
    worker counts once.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``la`` (``None`` for a single authority), ``worker`` and ``caseload``
        (at least 1), one row per worker holding a case, sorted by period, authority, worker.
    """
    start, end = days(allocations["start_date"]), days(allocations["end_date"])
    period, row = rows_open_at_period_ends(start, end, periods)
    # Authorities and workers as codes in the sorted order of their text (factorized once for
    # the table, not once per period), turned back into text for the result.
    la_code, la_text = _la_codes(allocations)
    worker_code, worker_text = pd.factorize(text_values(allocations["worker_id"]), sort=True)
    known = worker_code[row] >= 0  # a missing worker id holds no caseload (groupby drops it)
    period, row = period[known], row[known]
    frame = pd.DataFrame(
        {
            "period": period,
            "la": la_code[row],
            "worker": worker_code[row],
            "child": allocations["child"].to_numpy(np.int64)[row],
        }
    ).drop_duplicates()
    held = frame.groupby(["period", "la", "worker"], sort=True).size()
    out = held.rename("caseload").reset_index()
    out["la"] = pd.Series(np.asarray(la_text, dtype=object)[out["la"].to_numpy()], index=out.index)
    out["worker"] = pd.Series(
        np.asarray(worker_text, dtype=object)[out["worker"].to_numpy()], index=out.index
    )
    out["caseload"] = out["caseload"].to_numpy(np.int64)
    return out


def _la_values(key: np.ndarray) -> np.ndarray:
    out = key.astype(object).copy()
    out[out == ""] = None
    return out


def caseload_average(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """The average caseload of the social workers holding cases at the end [cases].

    Numerator
        The sum of the caseloads: for each worker with an allocation open at the period's end
        ``end``, the number of distinct children allocated to them (a child allocated to two
        workers counts for each).
    Denominator
        The workers holding at least one case at ``end``; with ``per_fte``, their summed
        full-time equivalent (``workers.fte``) instead.
    Exclusions
        With ``per_fte``: a case holder with no FTE recorded (not in ``workers``, or ``fte``
        missing) or an FTE of zero is listed ("no FTE recorded", "FTE not above zero") and left
        out of both sums. Without it, nothing: FTE is ignored.

    Parameters
    ----------
    tables
        ``allocations`` (``worker_id``, ``start_date``, ``end_date``), and ``workers``
        (``worker_id``, ``fte``) when the dataset has it: an optional table, needed only for
        ``per_fte`` (without it the measure is then not computable).
    periods
        The periods; measured as at each period's last day.
    params
        ``per_fte`` (default false).

    Notes
    -----
    The engine breaks the value down by team (``workers.team``) and by worker from the
    ``worker`` column: a team's value is the average caseload of its case holders.

    With ``per_fte`` each case holder's row carries its caseload as ``value`` and its FTE as
    ``weight``: the engine's weighted mean is then ``sum(caseloads) / sum(FTE)``, with that
    numerator and denominator, for the authority, each team and each worker.
    Detail columns: ``worker``, ``caseload``, and with ``per_fte`` ``fte`` and ``weight``.

    References
    ----------
    Performance report, 3 February 2016, paragraph 3.2.5: "Caseloads for social workers have
    been reduced and averages across all teams are now consistently within agreed limits of
    18-22 cases". DfE, *Children's social work workforce*: average caseload per FTE of
    children's social workers holding cases.
    """
    held = caseloads(tables["allocations"], periods)
    period = held["period"].to_numpy(np.int64)
    worker = held["worker"].to_numpy(dtype=object)
    caseload = held["caseload"].to_numpy(np.int64)
    la = held["la"].to_numpy(dtype=object)
    if not params["per_fte"]:
        return cohort_frame(
            period=period,
            child=np.full(len(held), -1, dtype=np.int64),
            record=worker,
            value=caseload.astype(np.float64),
            extra={"worker": worker, "la": _la_values(la), "caseload": caseload},
        )

    if "workers" not in tables:
        raise NotComputable("per_fte needs the table 'workers' (its fte column), which is absent")
    workers = tables["workers"]
    fte_of = pd.DataFrame(
        {
            "la": _la_key(workers),
            "worker": workers["worker_id"].astype(str).to_numpy(dtype=object),
            "fte": pd.to_numeric(workers["fte"], errors="coerce").to_numpy(dtype=np.float64),
        }
    ).drop_duplicates(["la", "worker"], keep=False)
    fte = held.merge(fte_of, on=["la", "worker"], how="left")["fte"].to_numpy(np.float64)
    usable = ~np.isnan(fte) & (np.nan_to_num(fte) > 0)
    excluded = exclusion_reasons(
        (np.isnan(fte), "no FTE recorded"), (~usable, "FTE not above zero")
    )
    return cohort_frame(
        period=period,
        child=np.full(len(held), -1, dtype=np.int64),
        record=worker,
        value=np.where(usable, caseload, np.nan),
        excluded=excluded,
        extra={
            "worker": worker,
            "la": _la_values(la),
            "caseload": caseload,
            "fte": fte,
            "weight": np.where(usable, fte, np.nan),
        },
    )


def caseloads_within_limit(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Social workers holding cases at the end whose caseload is within the limit [%].

    Numerator
        Case holders whose caseload is at most ``upper`` (22) cases.
    Denominator
        Workers with at least one allocation open at the period's end ``end``.
    Exclusions
        None.

    Parameters
    ----------
    tables
        ``allocations`` (``worker_id``, ``start_date``, ``end_date``).
    periods
        The periods; measured as at each period's last day.
    params
        ``upper`` (default 22).

    Notes
    -----
    A worker with exactly 22 cases is within the limit; 23 is over it. Caseloads are counted
    as for ``rotherham.caseload_average`` (distinct children, FTE ignored). The engine breaks
    the value down by team and worker. Detail columns: ``worker``, ``caseload``.

    References
    ----------
    Performance report, 3 February 2016, paragraph 3.2.5: agreed limits of 18-22 cases.
    """
    held = caseloads(tables["allocations"], periods)
    worker = held["worker"].to_numpy(dtype=object)
    caseload = held["caseload"].to_numpy(np.int64)
    return cohort_frame(
        period=held["period"].to_numpy(np.int64),
        child=np.full(len(held), -1, dtype=np.int64),
        record=worker,
        met=caseload <= int(params["upper"]),
        extra={
            "worker": worker,
            "la": _la_values(held["la"].to_numpy(dtype=object)),
            "caseload": caseload,
        },
    )


CASELOAD_AVERAGE = Indicator(
    id="rotherham.caseload_average",
    benchmark=BenchmarkLink(
        key="Work_Force_AvgNumCase_SW",
        like_for_like=False,
        reason=(
            "population and date: cases per case-holding worker at the period end "
            "(per_fte=False, the default); the DfE divides by the full-time equivalent of "
            "case holders, agency workers included, at 30 September"
        ),
    ),
    section="workforce",
    order=10,
    plain=(
        "The average number of children allocated to each social worker holding cases at the "
        "end of the period. Manageable caseloads let workers know their children well; the "
        "agreed range is 18 to 22."
    ),
    count_label="social workers holding cases",
    title="Average caseload of social workers holding cases",
    description=(
        "Numerator: the sum over case-holding workers of the distinct children allocated to "
        "them at the period's end (a child allocated to two workers counts for each). "
        "Denominator: the workers holding at least one case, or with per_fte their summed FTE. "
        "Broken down by team and worker."
    ),
    kind="snapshot",
    unit="cases",
    polarity="lower",
    tables={"allocations": _ALLOCATIONS},
    optional_tables={"workers": ("worker_id", "fte")},
    compute=caseload_average,
    parameters=(
        Parameter(
            name="per_fte",
            default=False,
            type=bool,
            description=(
                "divide the sum of caseloads by the case holders' summed FTE (as the DfE "
                "workforce statistics do) instead of their number"
            ),
        ),
    ),
    source=_REPORT,
    definition_version="2015-16",
)

CASELOADS_WITHIN_LIMIT = Indicator(
    id="rotherham.caseloads_within_limit",
    section="workforce",
    order=20,
    plain=(
        "Of the social workers holding cases at the end of the period, how many had no more "
        "than the agreed limit of 22 children."
    ),
    count_label="social workers holding cases",
    of_which_label="at or under the limit",
    title="Social workers with a caseload within the agreed limit",
    description=(
        "Denominator: workers holding at least one case at the period's end. Numerator: those "
        "whose caseload (distinct children allocated) is at most 22 (parameter upper)."
    ),
    kind="snapshot",
    unit="%",
    polarity="higher",
    tables={"allocations": _ALLOCATIONS},
    compute=caseloads_within_limit,
    parameters=(
        Parameter(
            name="upper",
            default=UPPER_LIMIT,
            type=int,
            description="the most cases a worker may hold within the limit (default 22)",
        ),
    ),
    source=_REPORT,
    definition_version="2015-16",
)
