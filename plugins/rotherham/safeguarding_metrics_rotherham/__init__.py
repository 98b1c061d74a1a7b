"""The seed council's local measures (entry point ``rotherham``).

Rotherham monitors measures the DfE does not collect: how quickly the front door (MASH) decides,
children on a child protection plan for over two years, repeat plans, visits in the last two
weeks, up-to-date plans and social workers' caseloads. This plugin is written as a neighbouring
council would write its own: it uses only the public API of ``safeguarding_metrics`` and is
registered through the same entry point group (``safeguarding_metrics``).
"""

from __future__ import annotations

from collections.abc import Iterable

from safeguarding_metrics import Indicator, Target, hookimpl
from safeguarding_metrics.due import DueList

from .caseloads import CASELOAD_AVERAGE, CASELOADS_WITHIN_LIMIT, UPPER_LIMIT
from .child_protection import CP_VISITS_2W, CPP_OVER_2Y, CPP_REPEAT_2Y
from .due import DUE_LISTS
from .front_door import MASH_DECISION_24H
from .plans import PLANS_UP_TO_DATE_CIN, PLANS_UP_TO_DATE_CLA, PLANS_UP_TO_DATE_CP

__all__ = [
    "DUE_LISTS",
    "INDICATORS",
    "TARGETS",
    "register_due_lists",
    "register_indicators",
    "register_targets",
]

#: Every local measure, in id order.
INDICATORS: tuple[Indicator, ...] = (
    CASELOAD_AVERAGE,
    CASELOADS_WITHIN_LIMIT,
    CP_VISITS_2W,
    CPP_OVER_2Y,
    CPP_REPEAT_2Y,
    MASH_DECISION_24H,
    PLANS_UP_TO_DATE_CIN,
    PLANS_UP_TO_DATE_CLA,
    PLANS_UP_TO_DATE_CP,
)

#: The local standards the seed report states as standards. Its other figures (98.6% of MASH
#: decisions in time, 95.0% of children visited, 100% / 96.9% / 90.3% of plans up to date) are
#: results, not targets, and are not registered: a council sets those in its targets file.
TARGETS: tuple[Target, ...] = (
    Target(
        indicator="rotherham.caseload_average",
        value=float(UPPER_LIMIT),
        tolerance=0.0,
        source=(
            "Rotherham performance report, 3 February 2016, para 3.2.5: averages 'within agreed "
            "limits of 18-22 cases'; the upper limit is the target (lower is better), with no "
            "amber band: an average over 22 is outside the agreed limits"
        ),
    ),
)


@hookimpl
def register_indicators() -> Iterable[Indicator]:
    """The local measures."""
    return list(INDICATORS)


@hookimpl
def register_targets() -> Iterable[Target]:
    """The caseload limit agreed in the seed report."""
    return list(TARGETS)


@hookimpl
def register_due_lists() -> Iterable[DueList]:
    """The due lists of the local deadline measures (CP visits, MASH decisions, plans)."""
    return list(DUE_LISTS)
