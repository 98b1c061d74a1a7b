"""The DfE's national measures, as a plugin like any other (entry point ``national``)."""

from __future__ import annotations

from collections.abc import Iterable

from safeguarding_metrics import Indicator, hookimpl

from .rereferrals import REREFERRALS_12M

__all__ = ["register_indicators"]


@hookimpl
def register_indicators() -> Iterable[Indicator]:
    """The national measures."""
    return [REREFERRALS_12M]
