"""What an indicator is: its definition and metadata, as a frozen value.

A plugin registers :class:`Indicator` objects (hook ``register_indicators``). The object
carries everything a report needs to present the figure (title, definition, unit, polarity,
source, target) and a pure function, :attr:`Indicator.compute`, that turns canonical tables
into a *cohort*: one row per counted record per period. The engine does the arithmetic.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .benchmarks.comparator import BenchmarkLink, as_link

__all__ = [
    "COHORT_COLUMNS",
    "COUNT_COLUMNS",
    "SECTIONS",
    "SECTION_NAMES",
    "UNPLACED_SECTION",
    "WINDOWS",
    "Compute",
    "Indicator",
    "Kind",
    "NotComputable",
    "Parameter",
    "ParameterError",
    "Periods",
    "Polarity",
    "Target",
    "Unit",
    "section_rank",
]


class Kind(enum.StrEnum):
    """``flow``: counts events dated in the period. ``snapshot``: measured as at its end."""

    FLOW = "flow"
    SNAPSHOT = "snapshot"


class Polarity(enum.StrEnum):
    """Which way is better."""

    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


class Unit(enum.StrEnum):
    """How the cohort is aggregated, and how the value reads.

    ``%``: ``100 * numerator / denominator``, the numerator the rows that meet the measure.
    ``days`` and ``cases``: a mean, ``numerator / denominator``, the numerator the sum of the
    rows' ``value``. ``count``: the number of rows that meet the measure, no denominator.
    """

    PERCENT = "%"
    DAYS = "days"
    CASES = "cases"
    COUNT = "count"

    @property
    def is_mean(self) -> bool:
        return self in (Unit.DAYS, Unit.CASES)

    @property
    def decimals(self) -> int:
        """Display precision: per cent and cases to one decimal place, days and counts whole."""
        return 1 if self in (Unit.PERCENT, Unit.CASES) else 0


class NotComputable(Exception):
    """Raised by ``compute`` when the data cannot answer the question asked (e.g. a parameter
    needs an optional table the dataset lacks). The engine reports the indicator as
    ``not_computable`` with this message as the reason; the message must hold no data values.
    """


class ParameterError(ValueError):
    """A parameter value an indicator does not accept."""


@attrs.frozen(kw_only=True)
class Parameter:
    """A documented choice of an indicator, with its default.

    ``choices`` restricts the value to a list; otherwise it is converted with ``type``.
    """

    name: str
    default: Any
    description: str
    choices: tuple[Any, ...] | None = attrs.field(
        default=None, converter=lambda v: None if v is None else tuple(v)
    )
    type: type = attrs.field(default=str)

    def convert(self, value: Any) -> Any:
        """The value as the indicator reads it; :class:`ParameterError` when not accepted."""
        if isinstance(value, str) and self.type is not str:
            text = value.strip()
            try:
                if self.type is bool:
                    lowered = text.lower()
                    if lowered not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(text)
                    value = lowered in ("true", "1", "yes")
                else:
                    value = self.type(text)
            except ValueError:
                raise ParameterError(
                    f"parameter {self.name!r} takes a {self.type.__name__}, not {value!r}"
                ) from None
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            raise ParameterError(f"parameter {self.name!r} is one of {allowed}, not {value!r}")
        return value


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


@attrs.frozen(kw_only=True)
class Target:
    """A target for an indicator, with the tolerance that makes a miss amber rather than red.

    Either a level (``value``: met at or beyond it in the indicator's better direction) or a
    band (``lower`` and ``upper``, both included: caseloads of 18 to 22 per worker), met
    inside it; outside by no more than the tolerance is amber, further red, on either side.
    ``tolerance`` defaults to 2 percentage points for per cent indicators and 5% of the target
    (the bound missed, for a band) otherwise. ``valid_from`` / ``valid_to`` (inclusive dates)
    limit the periods it applies to: a period is judged against the target in force on its
    last day.
    """

    indicator: str
    value: float | None = attrs.field(default=None, converter=_optional_float)
    tolerance: float | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    source: str = ""
    lower: float | None = attrs.field(default=None, converter=_optional_float)
    upper: float | None = attrs.field(default=None, converter=_optional_float)

    def __attrs_post_init__(self) -> None:
        band = self.lower is not None or self.upper is not None
        if band == (self.value is not None):
            raise ValueError(
                f"a target for {self.indicator} is a value or a band (lower and upper), "
                "one of the two"
            )
        if band and (self.lower is None or self.upper is None or self.lower > self.upper):
            raise ValueError(
                f"a target band for {self.indicator} needs lower and upper, lower not above upper"
            )

    @property
    def is_band(self) -> bool:
        return self.lower is not None

    def applies_on(self, day: np.datetime64) -> bool:
        if self.valid_from is not None and day < np.datetime64(self.valid_from, "D"):
            return False
        return not (self.valid_to is not None and day > np.datetime64(self.valid_to, "D"))


@attrs.frozen(kw_only=True)
class Periods:
    """The periods an indicator computes over, as arrays (inclusive bounds, datetime64[D]).

    Row ``i`` of the cohort belongs to period ``i`` (column ``period``).
    """

    start: np.ndarray = attrs.field(converter=lambda a: np.asarray(a, dtype="datetime64[D]"))
    end: np.ndarray = attrs.field(converter=lambda a: np.asarray(a, dtype="datetime64[D]"))

    def __attrs_post_init__(self) -> None:
        if self.start.shape != self.end.shape or self.start.ndim != 1:
            raise ValueError("period starts and ends must be one-dimensional and the same length")
        if (self.end < self.start).any():
            raise ValueError("a period ends before it starts")

    def __len__(self) -> int:
        return len(self.start)

    @classmethod
    def on(cls, day: Any) -> Periods:
        """One period of one day: a snapshot as at ``day`` (how due lists ask an indicator)."""
        return cls(start=[day], end=[day])


#: ``compute(tables, periods, params) -> cohort``.
Compute = Callable[[Mapping[str, pd.DataFrame], Periods, Mapping[str, Any]], pd.DataFrame]

#: Columns every cohort has. ``met`` (bool) for per cent and count indicators; ``value``
#: (float) for means; ``excluded``: the reason a row is listed but left out, else missing.
#: A mean's cohort may add ``weight``: the denominator is then the sum of the weights rather
#: than the number of rows (caseloads per full-time equivalent).
COHORT_COLUMNS = ("period", "child", "record", "date", "met", "value", "excluded")

#: Columns an indicator's ``count`` form returns, with ``met`` (per cent and counts) or
#: ``value`` (means, and ``weight`` for a weighted one): what the engine counts and breaks
#: down (``date`` places a flow record with its team), without record ids or details.
COUNT_COLUMNS = ("period", "child", "date", "excluded")

#: The windows a result is computed over: ``period``, the period's own flows; ``ytd``, from the
#: start of its financial year; ``rolling12``, the 12 months to its end. Snapshot indicators
#: read the same in every window; a measure with a window of its own (the adoption
#: scorecard's ``window_months``) reads that window whatever the period's start.
WINDOWS = ("period", "ytd", "rolling12")

_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

#: The report's sections in the order of a child's journey through the service (the order a
#: committee reads them), each with the name shown. ``other`` is last: where an indicator that
#: declares no section (a neighbour's older plugin) is placed, said so by ``plugins`` and in
#: the catalogue.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("front_door", "Front door"),
    ("assessment", "Assessment"),
    ("child_protection", "Child protection"),
    ("children_in_need", "Children in need"),
    ("looked_after", "Looked after"),
    ("adoption", "Adoption"),
    ("care_leavers", "Care leavers"),
    ("workforce", "Workforce"),
    ("other", "Other measures"),
)

#: Section key -> the name shown.
SECTION_NAMES: Mapping[str, str] = dict(SECTIONS)

#: The section an indicator that declares none is placed in.
UNPLACED_SECTION = "other"

#: The order an indicator that declares none takes within its section: after those that do
#: (then by id).
UNORDERED = 1000


def section_rank(section: str) -> int:
    """The position of a section key in :data:`SECTIONS` (the journey order)."""
    return [key for key, _ in SECTIONS].index(section)


def _check_section(instance: Any, _: Any, value: str | None) -> None:
    if value is not None and value not in SECTION_NAMES:
        raise ValueError(
            f"{instance.id}: section is one of {', '.join(SECTION_NAMES)}, not {value!r}"
        )


def _parameters(value: Any) -> tuple[Parameter, ...]:
    return tuple(value)


_LOOKBACK = re.compile(r"^(?:all|(?P<n>\d+) (?P<unit>days?|months?))$")


def _check_lookback(_: Any, attribute: Any, value: str | None) -> None:
    if value is not None and not _LOOKBACK.match(value):
        raise ValueError(f"lookback is 'all', '<n> days' or '<n> months' (or None), not {value!r}")


def _check_headline(instance: Any, _: Any, value: str) -> None:
    if value not in WINDOWS:
        raise ValueError(f"{instance.id}: headline is one of {', '.join(WINDOWS)}, not {value!r}")


def _tables(value: Mapping[str, Any]) -> Mapping[str, tuple[str, ...]]:
    return {str(t): tuple(cols) for t, cols in value.items()}


class PluginId:
    """The parts of a ``<plugin>.<name>`` id, for what plugins register (indicators, due lists)."""

    __slots__ = ()
    id: str

    @property
    def plugin(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]


@attrs.frozen(kw_only=True)
class Indicator(PluginId):
    """An indicator: metadata and a pure function from canonical tables to a cohort.

    Attributes
    ----------
    id
        ``<plugin>.<name>``, lower case, unique across plugins.
    title
        A short name for tables and charts.
    description
        The definition in words: numerator, denominator, exclusions.
    kind, unit, polarity
        See :class:`Kind`, :class:`Unit`, :class:`Polarity`.
    tables
        The canonical tables it reads and, for each, the columns it reads. A record with a
        faulty value in one of those columns is left out; a missing table makes the indicator
        not computable.
    optional_tables
        Tables it reads when the dataset has them (for a parameter that needs them, or a
        refinement); absent ones are simply not passed to ``compute``, which must then say
        clearly (raise :class:`NotComputable` with the reason) if the parameters chosen need
        one: the indicator is then reported as not computable, with that reason.
    compute
        ``compute(tables, periods, params) -> cohort``; see :data:`COHORT_COLUMNS`.
    count
        Optional: the same computation returning only the columns the engine counts
        (:data:`COUNT_COLUMNS`, built with :func:`~safeguarding_metrics.cohort.count_frame`),
        without record identifiers or detail columns. ``calculate(..., cohorts=False)`` uses
        it when present: faster when nobody will drill down. Its counts must equal
        ``compute``'s, which ``check_indicator`` checks.
    parameters
        Its choices, with defaults.
    source
        Where the definition comes from (guidance, year).
    definition_version
        A label for the definition's version (e.g. the collection year it follows).
    target
        The indicator's own default target, if any.
    benchmark
        Its link to the comparator it is set beside, if any: a
        :class:`~safeguarding_metrics.benchmarks.BenchmarkLink` (the comparator's key, whether
        the two are like for like, and why). A plain key (older plugins) is accepted and read
        as a like-for-like link. The key is checked when the registry is built.
    drilldown
        Whether its cohort is a list a team manager can work from (child-level rows).
    populated
        Columns (of its ``tables``) that must hold a value in at least one record of the span
        it reads for the periods asked: when every record there has the column empty (an
        extract or return that does not carry it), the figure would silently read 0 or 100%,
        so it is ``not_computable`` with the reason instead. Example: MASH decisions within
        24 hours, ``{"contacts": ("decision_at",)}``.
    lookback
        How far before a period's start the records it reads may be dated (a record's date:
        :data:`~safeguarding_metrics.model.quality.RECORD_DATES`): ``"<n> days"``,
        ``"<n> months"`` or ``"all"`` (every record up to the period's end). ``None``, the
        default, is ``"all"`` for snapshot measures (they read every record open at the end)
        and ``"0 days"`` for flows (the records dated in the period). It places data-quality
        findings: a finding counts on a period's figures when its record's date falls in
        ``[start - lookback, end]`` (re-referrals read 12 months back).
    headline
        The window a report leads with, judges against the target and compares a year back
        (one of :data:`WINDOWS`): ``"period"`` (the default) for timeliness, count and
        snapshot measures, as a council reports its month; ``"ytd"`` for the rates DfE
        publishes by collection year. A measure with a window of its own (the adoption
        scorecard's 36 months) keeps ``"period"``: its value already covers that window.
        ``calculate`` always computes it; a council overrides it in its report settings.
    headline_reason
        Why that window, in a sentence, for the catalogue.
    section
        Where the report places it, one of the keys of :data:`SECTIONS` (the child's journey:
        ``front_door``, ``assessment``, ``child_protection``, ``children_in_need``,
        ``looked_after``, ``adoption``, ``care_leavers``, ``workforce``, ``other``). ``None``
        (an older plugin's indicator) places it in :data:`UNPLACED_SECTION`, and the
        ``plugins`` command and the catalogue say so.
    order
        Its place within the section (ascending, then by id); undeclared: after the others.
    plain
        The definition in plain English, for councillors: what is counted and why it
        matters, without working-day or month arithmetic (that stays in ``description``).
    count_label
        What the denominator counts, in words ("assessments completed"); for a mean, what it
        is averaged over ("children adopted"); for a count, what is counted ("referrals").
    of_which_label
        For a percentage, what the numerator counts of those ("within 45 working days").
    """

    id: str = attrs.field()
    title: str
    description: str
    kind: Kind = attrs.field(converter=Kind)
    unit: Unit = attrs.field(converter=Unit)
    polarity: Polarity = attrs.field(converter=Polarity)
    tables: Mapping[str, tuple[str, ...]] = attrs.field(converter=_tables)
    compute: Compute = attrs.field(repr=False, eq=False)
    count: Compute | None = attrs.field(default=None, repr=False, eq=False)
    optional_tables: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, converter=_tables)
    parameters: tuple[Parameter, ...] = attrs.field(default=(), converter=_parameters)
    source: str = ""
    definition_version: str = "1"
    target: float | None = None
    benchmark: BenchmarkLink | None = attrs.field(default=None, converter=as_link)
    drilldown: bool = True
    populated: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, converter=_tables)
    lookback: str | None = attrs.field(default=None, validator=_check_lookback)
    headline: str = attrs.field(default="period", validator=_check_headline)
    headline_reason: str = ""
    section: str | None = attrs.field(default=None, validator=_check_section)
    order: int = UNORDERED
    plain: str = ""
    count_label: str = ""
    of_which_label: str = ""

    @populated.validator
    def _check_populated(self, _: Any, value: Mapping[str, tuple[str, ...]]) -> None:
        read = {**self.optional_tables, **self.tables}
        for table, columns in value.items():
            if table not in read:
                raise ValueError(
                    f"{self.id}: populated names table {table!r}, which it does not read "
                    f"(its tables: {', '.join(read) or 'none'})"
                )
            unread = [c for c in columns if c not in read[table]]
            if unread:
                raise ValueError(
                    f"{self.id}: populated names {table}.{unread[0]}, a column it does not "
                    f"read (it reads {', '.join(read[table])})"
                )

    @property
    def placed_section(self) -> str:
        """:attr:`section`, or :data:`UNPLACED_SECTION` when it declares none."""
        return self.section if self.section is not None else UNPLACED_SECTION

    @property
    def report_order(self) -> tuple[int, int, str]:
        """Its place in the report: section in journey order, order within it, then id."""
        return (section_rank(self.placed_section), self.order, self.id)

    @property
    def reads_back(self) -> str:
        """:attr:`lookback` with its default resolved: ``"all"`` or ``"<n> days|months"``."""
        if self.lookback is not None:
            return self.lookback
        return "all" if self.kind == Kind.SNAPSHOT else "0 days"

    def read_from(self, starts: Any) -> np.ndarray:
        """The first day read for periods starting on ``starts`` (``datetime64[D]``); the
        earliest representable day for a look-back of ``"all"``."""
        days = np.asarray(starts, dtype="datetime64[D]")
        found = _LOOKBACK.match(self.reads_back)
        assert found is not None
        if found.group("n") is None:
            return np.full(days.shape, np.datetime64("0001-01-01", "D"))
        n = int(found.group("n"))
        if found.group("unit").startswith("day"):
            return days - np.timedelta64(n, "D")
        from .calendar import add_months

        return np.asarray(add_months(days, -n), dtype="datetime64[D]")

    @id.validator
    def _check_id(self, _: Any, value: str) -> None:
        if not _ID.match(value):
            raise ValueError(
                f"indicator id {value!r} must be '<plugin>.<name>' in lower case "
                "(letters, digits, underscores)"
            )

    def resolve_params(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults overlaid with ``given``, each converted and checked."""
        known = {p.name: p for p in self.parameters}
        params = {p.name: p.default for p in self.parameters}
        for name, value in (given or {}).items():
            if name not in known:
                accepted = ", ".join(known) or "none"
                raise ParameterError(
                    f"{self.id} has no parameter {name!r} (its parameters: {accepted})"
                )
            params[name] = known[name].convert(value)
        return params

    def metadata(self) -> dict[str, Any]:
        """Everything but the function, as plain JSON-ready values."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "kind": str(self.kind),
            "unit": str(self.unit),
            "polarity": str(self.polarity),
            "tables": {t: list(c) for t, c in self.tables.items()},
            "optional_tables": {t: list(c) for t, c in self.optional_tables.items()},
            "parameters": [
                {
                    "name": p.name,
                    "default": p.default,
                    "choices": None if p.choices is None else list(p.choices),
                    "type": p.type.__name__,
                    "description": p.description,
                }
                for p in self.parameters
            ],
            "source": self.source,
            "definition_version": self.definition_version,
            "target": self.target,
            "benchmark": None if self.benchmark is None else self.benchmark.key,
            "benchmark_link": None if self.benchmark is None else self.benchmark.as_dict(),
            "drilldown": self.drilldown,
            "populated": {t: list(c) for t, c in self.populated.items()},
            "lookback": self.reads_back,
            "headline": self.headline,
            "headline_reason": self.headline_reason,
            "section": self.placed_section,
            "section_name": SECTION_NAMES[self.placed_section],
            "section_declared": self.section is not None,
            "order": self.order,
            "plain": self.plain,
            "count_label": self.count_label,
            "of_which_label": self.of_which_label,
        }
