"""What a due list is: a deadline measure's open cases and their due dates, as a frozen value.

A plugin registers :class:`DueList` objects (hook ``register_due_lists``), one per deadline
measure: statutory visits, reviews, assessments, conferences, decisions, plans. Each carries its
rule in words and a pure function, :attr:`DueList.compute`, that turns canonical tables into one
row per open case as at a day: the child (an integer code), the record, when it started, the
last event that set the clock and the **due date**, the last day on which the case is still on
time. :func:`safeguarding_metrics.due.due_lists` adds the allocated team and worker, the days
overdue or left and the band, and decodes the children's identifiers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..cohort import days
from ..indicator import _ID, Indicator, PluginId, _tables  # the same id rule and converter

__all__ = ["DUE_COLUMNS", "DueCompute", "DueList", "check_due_frame", "due_frame"]

#: The columns every due frame has, in order. ``child``: integer code; ``record``: the record's
#: id (plan, assessment, enquiry, contact) or missing; ``record_start``: when the record began
#: (placement, period of care, plan, assessment, enquiry, receipt); ``last_event``: the event
#: that set the clock (last visit, review, plan update), missing when none; ``due_date``: the
#: last day on which the case is on time; ``due_at``: the deadline's moment when the measure
#: has one (front-door decisions), else missing; ``rule``: which rule gave the due date, in
#: words; ``in_population``: whether the indicator counts the case as at the day (a case not
#: yet in it is listed as falling due, never as overdue); ``already_late``: the indicator
#: counts the case as not met as at the day although its next due date has not passed (an
#: earlier review was held late).
DUE_COLUMNS = (
    "child",
    "record",
    "record_start",
    "last_event",
    "due_date",
    "due_at",
    "rule",
    "in_population",
    "already_late",
)

#: ``compute(tables, as_at, params) -> due frame`` (see :data:`DUE_COLUMNS`).
DueCompute = Callable[[Mapping[str, pd.DataFrame], np.datetime64, Mapping[str, Any]], pd.DataFrame]


@attrs.frozen(kw_only=True)
class DueList(PluginId):
    """A deadline measure's list of open cases with their due dates.

    Attributes
    ----------
    id
        ``<plugin>.<name>``, lower case, unique across plugins (``national.cla_visits``).
    title
        A short name, used as the workbook's sheet name (at most 31 characters).
    description
        The due rule in plain words: which cases are open, and when each falls due.
    tables
        The canonical tables it reads and, for each, the columns. A record with a faulty value
        in one of those columns is left out; a missing table makes the list not available.
    compute
        ``compute(tables, as_at, params) -> due frame``: pure, vectorised, one row per open
        case as at ``as_at`` (a ``datetime64[D]``); build it with :func:`due_frame`.
    indicator
        The id of the indicator the list feeds: its parameters are the list's parameters, and
        a case the list shows as overdue is one that indicator counts as not met.
    optional_tables
        Tables read when the dataset has them.
    record_label, start_label, event_label
        Column headings for ``record``, ``record_start`` and ``last_event`` in the workbook
        (``"plan"``, ``"plan start"``, ``"last review"``); ``None`` hides a column the list
        does not fill.
    source
        Where the rule comes from (regulation, guidance, local standard).
    """

    id: str = attrs.field()
    title: str = attrs.field()
    description: str
    tables: Mapping[str, tuple[str, ...]] = attrs.field(converter=_tables)
    compute: DueCompute = attrs.field(repr=False, eq=False)
    indicator: str | None = None
    optional_tables: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, converter=_tables)
    record_label: str | None = None
    start_label: str = "started"
    event_label: str | None = None
    source: str = ""

    @id.validator
    def _check_id(self, _: Any, value: str) -> None:
        if not _ID.match(value):
            raise ValueError(
                f"due list id {value!r} must be '<plugin>.<name>' in lower case "
                "(letters, digits, underscores)"
            )

    @title.validator
    def _check_title(self, _: Any, value: str) -> None:
        if not value.strip() or len(value) > 31:
            raise ValueError(f"due list title {value!r} must be 1 to 31 characters (a sheet name)")

    @classmethod
    def following(cls, indicator: Indicator, **fields: Any) -> DueList:
        """A due list for ``indicator``: its id, tables and source unless ``fields`` say
        otherwise (a list may read fewer columns than the indicator)."""
        fields.setdefault("tables", indicator.tables)
        fields.setdefault("source", indicator.source)
        return cls(indicator=indicator.id, **fields)

    def metadata(self) -> dict[str, Any]:
        """Everything but the function, as plain JSON-ready values."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "indicator": self.indicator,
            "tables": {t: list(c) for t, c in self.tables.items()},
            "optional_tables": {t: list(c) for t, c in self.optional_tables.items()},
            "record_label": self.record_label,
            "start_label": self.start_label,
            "event_label": self.event_label,
            "source": self.source,
        }


def due_frame(
    *,
    child: Any,
    due_date: Any,
    record: Any = None,
    record_start: Any = None,
    last_event: Any = None,
    due_at: Any = None,
    rule: Any = None,
    in_population: Any = True,
    already_late: Any = False,
) -> pd.DataFrame:
    """Assemble a due frame with the standard columns (:data:`DUE_COLUMNS`).

    Arrays are parallel, one element per open case; scalars broadcast; ``None`` leaves a
    column missing for every row. Dates are ``datetime64[D]``, ``due_at`` ``datetime64[ns]``.
    """
    child = np.asarray(child, dtype=np.int64)
    n = len(child)

    def dates(values: Any, unit: str) -> np.ndarray:
        if values is None:
            return np.full(n, None, dtype=f"datetime64[{unit}]")
        if unit == "D":
            return np.broadcast_to(days(values), (n,)).copy()
        return np.broadcast_to(np.asarray(values, dtype=f"datetime64[{unit}]"), (n,)).copy()

    def objects(values: Any) -> np.ndarray:
        if values is None or np.isscalar(values):
            return np.full(n, values, dtype=object)
        return np.asarray(values, dtype=object)

    def flags(values: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=bool), (n,)).copy()

    return pd.DataFrame(
        {
            "child": child,
            "record": objects(record),
            "record_start": dates(record_start, "D"),
            "last_event": dates(last_event, "D"),
            "due_date": dates(due_date, "D"),
            "due_at": dates(due_at, "ns"),
            "rule": objects(rule),
            "in_population": flags(in_population),
            "already_late": flags(already_late),
        },
        columns=list(DUE_COLUMNS),
    )


def check_due_frame(due_list: DueList, frame: Any) -> pd.DataFrame:
    """The frame a due list's ``compute`` returned, checked and with its index reset.

    Raises ``TypeError`` or ``ValueError`` (no data values in the message) when it is not a
    DataFrame, lacks a column of :data:`DUE_COLUMNS` or has a row without a due date.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{due_list.id}: compute returned {type(frame).__name__}, not a DataFrame")
    missing = [c for c in DUE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{due_list.id}: the due frame lacks column(s) {', '.join(missing)}")
    if frame["due_date"].isna().any():
        raise ValueError(
            f"{due_list.id}: {int(frame['due_date'].isna().sum())} row(s) have no due date"
        )
    return frame.loc[:, list(DUE_COLUMNS)].reset_index(drop=True)
