"""Due lists: the weekly child-level pack of who is overdue and who falls due next.

A plugin registers a :class:`DueList` per deadline measure (hook ``register_due_lists``);
:func:`due_lists` makes every list as at a day, with each case's allocated team and worker,
and :func:`write_due_files` writes one Excel workbook per team and a combined CSV, each marked
as personal data in its first row. See ``docs/due-lists.md``.
"""

from .lists import (
    BANDS,
    LIST_COLUMNS,
    NO_TEAM,
    SUMMARY_COLUMNS,
    UNALLOCATED,
    DueLists,
    band_label,
    due_lists,
    known_teams,
)
from .spec import DUE_COLUMNS, DueCompute, DueList, check_due_frame, due_frame
from .workbook import PERSONAL_DATA_MARKING, safe_file_name, write_due_csv, write_due_files

__all__ = [
    "BANDS",
    "DUE_COLUMNS",
    "LIST_COLUMNS",
    "NO_TEAM",
    "PERSONAL_DATA_MARKING",
    "SUMMARY_COLUMNS",
    "UNALLOCATED",
    "DueCompute",
    "DueList",
    "DueLists",
    "band_label",
    "check_due_frame",
    "due_frame",
    "due_lists",
    "known_teams",
    "safe_file_name",
    "write_due_csv",
    "write_due_files",
]
