"""Data quality: what was read, what was used, what was set aside, and why.

Every fault found in the input is a :class:`Fault`, listed in the dataset's data-quality table
with the file, row and column. Nothing is dropped silently: for every table,
``read == used + set_aside``.

Child identifiers are personal data: no fault, message or exception here ever carries one.
"""

from __future__ import annotations

import enum

import attrs
import pandas as pd

__all__ = ["QUALITY_COLUMNS", "Action", "DataError", "Fault", "Severity", "faults_frame"]


class Severity(enum.StrEnum):
    """How bad a fault is. ``error`` stops a strict run; ``warning`` never does."""

    ERROR = "error"
    WARNING = "warning"


class Action(enum.StrEnum):
    """What was done with the record that has the fault."""

    #: the record is left out of everything (an empty or bad required field, a duplicate key,
    #: an exact duplicate of another row, a table that cannot be read)
    SET_ASIDE = "set aside"
    #: the record counts, but not in the indicators that read the faulty column
    FIELD_LEFT_OUT = "field left out"
    #: the record is kept as it is (an unknown code, a note)
    KEPT = "kept"
    #: a file or folder of a dataset folder that is not read (not a canonical table file)
    NOT_READ = "not read"


@attrs.frozen(kw_only=True)
class Fault:
    """One problem found in the input: where it is, what it is, and what was done."""

    table: str
    file: str
    row: int | None
    column: str | None
    severity: Severity
    action: Action
    reason: str

    def message(self) -> str:
        """One line naming file, row and column, as shown to the user."""
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.reason}"


class DataError(Exception):
    """Bad input that stops a strict run (or that makes a dataset unreadable).

    The message names the file, row and column and never contains a child's identifier.
    """

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        super().__init__(fault.message())


#: The columns of a data-quality table, in order.
QUALITY_COLUMNS = ("table", "file", "row", "column", "severity", "action", "reason")


def faults_frame(faults: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunks of faults into one data-quality table, ordered by table, file, row."""
    if not faults:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in QUALITY_COLUMNS})
        empty["row"] = empty["row"].astype("Int64")
        return empty
    frame = pd.concat(faults, ignore_index=True)
    frame["row"] = frame["row"].astype("Int64")
    frame = frame.sort_values(
        ["table", "file", "row", "column"], kind="stable", na_position="first"
    )
    return frame.loc[:, list(QUALITY_COLUMNS)].reset_index(drop=True)
