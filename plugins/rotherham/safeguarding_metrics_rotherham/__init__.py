"""The seed council's local measures (entry point ``rotherham``)."""

from __future__ import annotations

from collections.abc import Iterable

from safeguarding_metrics import Indicator, hookimpl

__all__ = ["register_indicators"]


@hookimpl
def register_indicators() -> Iterable[Indicator]:
    """The local measures."""
    return []
