"""Care leavers (SSDA903 OC3): suitable accommodation; education, employment or training."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import Indicator, Periods
from safeguarding_metrics.benchmarks import BenchmarkLink
from safeguarding_metrics.cohort import cohort_frame, days, rows_in_periods, take_text

__all__ = [
    "CARE_LEAVERS_EET",
    "CARE_LEAVERS_SUITABLE_ACCOMMODATION",
    "EET_ACTIVITIES",
]

#: OC3 activity codes of a young person in education, employment or training: F1-F5 full
#: time, P1-P5 part time (G1-G6, not in education, employment or training, and 0, not known,
#: are the others).
EET_ACTIVITIES = frozenset({"F1", "F2", "F3", "F4", "F5", "P1", "P2", "P3", "P4", "P5"})


def _rows(
    tables: Mapping[str, pd.DataFrame], periods: Periods, column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    leavers = tables["care_leavers"]
    recorded = days(leavers["recorded_date"])
    period, row = rows_in_periods(recorded, periods)
    codes = pd.Series(np.asarray(take_text(leavers[column], row), dtype=object), dtype=object)
    return period, leavers["child"].to_numpy(np.int64)[row], recorded[row], codes.to_numpy()


def care_leavers_suitable_accommodation(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Care-leaver records in the period showing suitable accommodation [%].

    Numerator
        Records whose accommodation code ends in 1 (OC3: the second character says whether
        the accommodation is suitable, 1, or not, 2).
    Denominator
        ``care_leavers`` rows with ``recorded_date`` in the period, those not in touch
        included (their accommodation is then unknown or ``0``, so not suitable).
    Exclusions
        None: a missing accommodation code counts in the denominator, not the numerator.

    Notes
    -----
    Counted as records: a young person with two birthdays' records in the period counts
    twice. Detail column ``accommodation``.

    References
    ----------
    DfE, *Children looked after in England*, care leavers in suitable accommodation (SSDA903
    OC3 ``ACCOM`` codes).
    """
    period, child, recorded, codes = _rows(tables, periods, "accommodation")
    met = pd.Series(codes, dtype=object).str.endswith("1").fillna(False).to_numpy(dtype=bool)
    return cohort_frame(
        period=period,
        child=child,
        date=recorded,
        met=met,
        extra={"accommodation": codes},
    )


def care_leavers_eet(
    tables: Mapping[str, pd.DataFrame], periods: Periods, params: Mapping[str, Any]
) -> pd.DataFrame:
    """Care-leaver records in the period showing education, employment or training [%].

    Numerator
        Records whose activity is F1-F5 or P1-P5 (full- or part-time education, training or
        employment).
    Denominator
        ``care_leavers`` rows with ``recorded_date`` in the period, those not in touch
        included.
    Exclusions
        None: a missing activity counts in the denominator, not the numerator.

    Notes
    -----
    Counted as records, as for suitable accommodation. Detail column ``activity``.

    References
    ----------
    DfE, *Children looked after in England*, care leavers in education, employment or
    training (SSDA903 OC3 ``ACTIV`` codes).
    """
    period, child, recorded, codes = _rows(tables, periods, "activity")
    met = pd.Series(codes, dtype=object).isin(list(EET_ACTIVITIES)).to_numpy(dtype=bool)
    return cohort_frame(
        period=period,
        child=child,
        date=recorded,
        met=met,
        extra={"activity": codes},
    )


_SOURCE = "DfE Children looked after in England, care leavers (SSDA903 OC3)"

CARE_LEAVERS_SUITABLE_ACCOMMODATION = Indicator(
    id="national.care_leavers_suitable_accommodation",
    section="care_leavers",
    order=10,
    plain=(
        "Of the care leavers whose circumstances were recorded (around their birthday), how "
        "many were living in accommodation judged suitable."
    ),
    count_label="care leavers recorded",
    of_which_label="in suitable accommodation",
    title="Care leavers in suitable accommodation",
    description=(
        "Numerator: care-leaver records whose accommodation code ends in 1 (suitable). "
        "Denominator: care-leaver records dated in the period, those not in touch included. "
        "Exclusions: none."
    ),
    kind="flow",
    unit="%",
    polarity="higher",
    tables={"care_leavers": ("recorded_date", "accommodation")},
    populated={"care_leavers": ("accommodation",)},
    compute=care_leavers_suitable_accommodation,
    source=_SOURCE,
    definition_version="2015-16",
    benchmark=BenchmarkLink(
        key="CareLeaverAcc",
        like_for_like=False,
        reason=(
            "population: every care-leaver record in the window, 17th and 18th birthdays "
            "included; the DfE's figure counts care leavers aged 19 to 21"
        ),
    ),
)

CARE_LEAVERS_EET = Indicator(
    id="national.care_leavers_eet",
    section="care_leavers",
    order=20,
    plain=(
        "Of the care leavers whose circumstances were recorded (around their birthday), how "
        "many were in education, employment or training."
    ),
    count_label="care leavers recorded",
    of_which_label="in education, employment or training",
    title="Care leavers in education, employment or training",
    description=(
        "Numerator: care-leaver records whose activity is F1-F5 or P1-P5. Denominator: "
        "care-leaver records dated in the period, those not in touch included. Exclusions: "
        "none."
    ),
    kind="flow",
    unit="%",
    polarity="higher",
    tables={"care_leavers": ("recorded_date", "activity")},
    populated={"care_leavers": ("activity",)},
    compute=care_leavers_eet,
    source=_SOURCE,
    definition_version="2015-16",
    benchmark=BenchmarkLink(
        key="CareLeaverEET",
        like_for_like=False,
        reason=(
            "population: every care-leaver record in the window, 17th and 18th birthdays "
            "included; the DfE's figure counts care leavers aged 19 to 21"
        ),
    ),
)
