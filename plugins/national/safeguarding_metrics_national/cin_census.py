"""Every children in need census measure of the plugin, in one tuple for registration."""

from __future__ import annotations

from safeguarding_metrics import Indicator

from .assessments import ASSESSMENTS_45WD, ASSESSMENTS_COMPLETED
from .context import CHILDREN_IN_NEED, REFERRALS, REFERRALS_NFA
from .cp_plans import (
    CPP_ENDED,
    CPP_ENDED_2Y,
    CPP_OPEN,
    CPP_OPEN_2Y,
    CPP_REVIEWS_ON_TIME,
    CPP_SECOND_SUBSEQUENT,
    CPP_STARTED,
)
from .section47 import ICPC_15WD, S47_STARTED

__all__ = ["CIN_CENSUS"]

#: The children in need census measures (``national.rereferrals_12m`` is registered apart).
CIN_CENSUS: tuple[Indicator, ...] = (
    ASSESSMENTS_45WD,
    ASSESSMENTS_COMPLETED,
    ICPC_15WD,
    S47_STARTED,
    CPP_SECOND_SUBSEQUENT,
    CPP_OPEN_2Y,
    CPP_ENDED_2Y,
    CPP_REVIEWS_ON_TIME,
    CPP_STARTED,
    CPP_ENDED,
    CPP_OPEN,
    REFERRALS,
    REFERRALS_NFA,
    CHILDREN_IN_NEED,
)
