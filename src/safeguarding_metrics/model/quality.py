"""Data quality: what was read, what was used, what was set aside, and why.

Every fault found in the input is a :class:`Fault`, listed in the dataset's data-quality table
with the file, row and column. Nothing is dropped silently: for every table,
``read == used + set_aside``.

Child identifiers are personal data: no fault, message or exception here ever carries one.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs
import numpy as np
import pandas as pd

__all__ = [
    "QUALITY_COLUMNS",
    "RECORD_DATES",
    "Action",
    "DataError",
    "Fault",
    "Severity",
    "faults_frame",
    "first_dates",
    "holes",
]


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


#: The columns of a data-quality table, in order. ``date`` is the record's date (see
#: :data:`RECORD_DATES`): what places a finding in the periods whose figures it concerns
#: (missing when the record has no readable date, or the finding is about a whole file).
QUALITY_COLUMNS = ("table", "file", "row", "column", "severity", "action", "reason", "date")

#: The columns that date a record, per table, first choice first (the order of the data
#: contract: the start, received or referral date before the end or decision date). A finding
#: takes its record's first readable one. ``children`` (a date of birth says nothing about the
#: periods a child's record is read for) and ``workers`` have none: their findings concern
#: every period.
RECORD_DATES: Mapping[str, tuple[str, ...]] = {
    "children": (),
    "contacts": ("received_at", "decision_at"),
    "referrals": ("referral_date", "closure_date"),
    "assessments": ("start_date", "authorised_date"),
    "section47": ("start_date", "icpc_date"),
    "cp_plans": ("start_date", "end_date"),
    "cp_reviews": ("review_date",),
    "cin_plans": ("start_date", "end_date"),
    "care_episodes": ("start_date", "end_date"),
    "cla_reviews": ("review_date",),
    "visits": ("visit_date",),
    "care_plans": ("updated_date",),
    "adoptions": (
        "shobpa_date",
        "placement_order_date",
        "matched_date",
        "placed_date",
        "adoption_order_date",
        "shobpa_reversed_date",
    ),
    "missing": ("start_date", "end_date"),
    "care_leavers": ("recorded_date",),
    "workers": (),
    "allocations": ("start_date", "end_date"),
}


def first_dates(table: str, columns: Mapping[str, pd.Series], positions: np.ndarray) -> np.ndarray:
    """The date of each record at ``positions``: its first readable :data:`RECORD_DATES` column.

    Parameters
    ----------
    table
        The canonical table.
    columns
        Its parsed columns (dates as ``datetime64``; an unreadable date is missing), aligned
        with the positions.
    positions
        The rows (0-based positions in ``columns``) of the records at fault.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]``, ``NaT`` where the record has no readable date.
    """
    out = np.full(len(positions), np.datetime64("NaT"), dtype="datetime64[D]")
    for name in RECORD_DATES.get(table, ()):
        values = columns.get(name)
        if values is None or not pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue
        todo = np.isnat(out)
        if not todo.any():
            break
        days = values.to_numpy(dtype="datetime64[ns]")[positions[todo]].astype("datetime64[D]")
        out[todo] = days
    return out


def holes(quality: pd.DataFrame) -> np.ndarray:
    """Which data-quality rows are holes in the data a figure reads (one boolean per row).

    A hole is a record or a value the figures do not use: an error whose record is set aside
    or whose field is left out, and a value not understood (an unknown code, kept as it is).
    Not holes: exact duplicates (set aside, but counted once), and the consistency warnings
    that leave every record in use (overlapping episodes, a review of an unknown plan).
    """
    if not len(quality):
        return np.zeros(0, dtype=bool)
    action = quality["action"].astype(str).to_numpy()
    severity = quality["severity"].astype(str).to_numpy()
    lost = (severity == str(Severity.ERROR)) & (
        (action == str(Action.SET_ASIDE)) | (action == str(Action.FIELD_LEFT_OUT))
    )
    unknown = (action == str(Action.KEPT)) & quality["reason"].astype(str).str.startswith(
        "unknown code"
    ).to_numpy()
    return lost | unknown


def faults_frame(faults: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate chunks of faults into one data-quality table, ordered by table, file, row.

    A chunk without ``date`` (a fault about a whole file, an importer's note) gets ``NaT``.
    """
    if not faults:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in QUALITY_COLUMNS})
        empty["row"] = empty["row"].astype("Int64")
        empty["date"] = empty["date"].astype("datetime64[ns]")
        return empty
    frame = pd.concat(faults, ignore_index=True)
    frame["row"] = frame["row"].astype("Int64")
    if "date" not in frame.columns:
        frame["date"] = pd.NaT
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce").astype("datetime64[ns]")
    frame = frame.sort_values(
        ["table", "file", "row", "column"], kind="stable", na_position="first"
    )
    return frame.loc[:, list(QUALITY_COLUMNS)].reset_index(drop=True)
