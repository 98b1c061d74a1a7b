"""The DfE's national measures, as a plugin like any other (entry point ``national``)."""

from __future__ import annotations

from collections.abc import Iterable

from safeguarding_metrics import Indicator, Target, hookimpl
from safeguarding_metrics.due import DueList

from .cin_census import CIN_CENSUS
from .due import DUE_LISTS
from .rereferrals import REREFERRALS_12M
from .ssda903 import LOOKED_AFTER, LOOKED_AFTER_TARGETS

__all__ = ["register_due_lists", "register_indicators", "register_targets"]


@hookimpl
def register_indicators() -> Iterable[Indicator]:
    """The national measures."""
    return [REREFERRALS_12M, *CIN_CENSUS, *LOOKED_AFTER]


@hookimpl
def register_targets() -> Iterable[Target]:
    """The adoption scorecard thresholds, each for the periods of its scorecard."""
    return list(LOOKED_AFTER_TARGETS)


@hookimpl
def register_due_lists() -> Iterable[DueList]:
    """The due lists of the national deadline measures (visits, reviews, assessments, ICPCs)."""
    return list(DUE_LISTS)
