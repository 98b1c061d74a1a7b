"""The national plugin's looked-after and adoption measures (SSDA903), and their targets."""

from __future__ import annotations

from safeguarding_metrics import Indicator, Target

from .adoption import (
    ADOPTION_A1,
    ADOPTION_A2,
    ADOPTION_A3,
    ADOPTION_A10,
    ADOPTION_SHOBPA_DECISIONS,
    ADOPTION_SHOBPA_WAITING,
    ADOPTION_TARGETS,
)
from .care_leavers import CARE_LEAVERS_EET, CARE_LEAVERS_SUITABLE_ACCOMMODATION
from .cla import (
    CLA_3PLUS_PLACEMENTS,
    CLA_AT_END,
    CLA_CEASED,
    CLA_LONG_TERM_STABILITY,
    CLA_MISSING,
    CLA_REVIEWS_ON_TIME,
    CLA_STARTED,
    CLA_VISITS_ON_TIME,
)

__all__ = ["LOOKED_AFTER", "LOOKED_AFTER_TARGETS"]

#: Every looked-after, care-leaver and adoption measure.
LOOKED_AFTER: tuple[Indicator, ...] = (
    ADOPTION_A1,
    ADOPTION_A10,
    ADOPTION_A2,
    ADOPTION_A3,
    ADOPTION_SHOBPA_DECISIONS,
    ADOPTION_SHOBPA_WAITING,
    CARE_LEAVERS_EET,
    CARE_LEAVERS_SUITABLE_ACCOMMODATION,
    CLA_3PLUS_PLACEMENTS,
    CLA_AT_END,
    CLA_CEASED,
    CLA_LONG_TERM_STABILITY,
    CLA_MISSING,
    CLA_REVIEWS_ON_TIME,
    CLA_STARTED,
    CLA_VISITS_ON_TIME,
)

#: The adoption scorecard thresholds, by scorecard period.
LOOKED_AFTER_TARGETS: tuple[Target, ...] = ADOPTION_TARGETS
