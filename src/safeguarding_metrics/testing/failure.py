"""What a failed check says, and which indicator a check runs.

Shared by the properties (:mod:`.check`) and the boundary cases (:mod:`.boundary`), which
both fail with :class:`IndicatorCheckError` and resolve an indicator the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..indicator import Indicator
from ..registry import Registry, build_registry, default_registry

__all__ = ["DESCRIPTIONS", "IndicatorCheckError", "chosen_indicator"]

#: What each property of :func:`~.check.check_indicator` checks, as a failure names it.
DESCRIPTIONS = {
    "bounds": "results computed and within their bounds",
    "empty": "tables present but empty give zero counts",
    "missing_tables": "a missing table makes the indicator not computable, naming it",
    "order": "shuffling the rows of every table changes nothing",
    "additivity": "numerators and denominators add up over disjoint sets of children",
    "bad_input": "faulty records are listed and set aside or left out, and the run goes on",
    "partition": "monthly numerators and denominators add up to the whole range's",
    "boundary": "the cases at a timescale's boundary are met or not as its limit says",
    "declaration": "the tables and columns it declares (read, populated) are canonical",
}


class IndicatorCheckError(AssertionError):
    """An indicator fails one of :func:`check_indicator`'s properties.

    Attributes
    ----------
    indicator
        The indicator's id.
    property
        The property that fails.
    detail
        What went wrong.
    counterexample
        The minimal (synthetic) case history found, described in text.
    """

    def __init__(self, indicator: str, prop: str, detail: str, counterexample: str) -> None:
        self.indicator = indicator
        self.property = prop
        self.detail = detail
        self.counterexample = counterexample
        super().__init__(
            f"{indicator} fails property {prop!r} ({DESCRIPTIONS.get(prop, prop)}): {detail}\n"
            f"Minimal counterexample (synthetic data):\n{counterexample}"
        )


def chosen_indicator(
    indicator: Indicator | str, registry: Registry | Iterable[tuple[str, object]] | None
) -> tuple[Indicator, Registry]:
    """The indicator a check runs and the registry it is computed with: an Indicator object
    as it is (with ``registry``, or none: no installed plugin is loaded), an id looked up in
    ``registry`` (``(name, plugin)`` pairs build one), by default the installed plugins."""
    if registry is not None and not isinstance(registry, Registry):
        registry = build_registry(list(registry))
    if isinstance(indicator, Indicator):
        # No installed plugin is loaded: the indicator object is computed as it is.
        return indicator, registry if registry is not None else build_registry([])
    if registry is None:
        registry = default_registry()
    return registry.get(indicator), registry
