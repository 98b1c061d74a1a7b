"""Writing results safely: no cell of a CSV or Excel file is ever read as a formula."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "ILLEGAL_CHARACTER_MARK",
    "PERSONAL_DATA_MARKING",
    "defuse",
    "defuse_frame",
    "set_cell",
    "workbook_text",
    "write_csv",
]

#: The first row of every file that holds child-level records (drill-down lists, due lists).
PERSONAL_DATA_MARKING = (
    "OFFICIAL-SENSITIVE – PERSONAL DATA: child-level records. "
    "Handle under your council's data protection policy."
)

#: A text cell starting with one of these would be read as a formula by a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: What stands in a workbook cell for a control character the file format cannot hold.
ILLEGAL_CHARACTER_MARK = "\ufffd"

# The characters an .xlsx cell cannot hold (XML 1.0 forbids them): C0 controls but tab, line
# feed and carriage return. openpyxl raises IllegalCharacterError on them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def workbook_text(value: str) -> str:
    """``value`` with each character a workbook cannot hold replaced by U+FFFD (shown as ``�``).

    Team names, commentary and the like come from councils' files and may carry control
    characters (``\x01`` pasted from another system, ``\x0b`` from a line break in Excel);
    the cell keeps the rest of the text and shows where something was, instead of the whole
    workbook failing to be written.
    """
    return _ILLEGAL.sub(ILLEGAL_CHARACTER_MARK, value)


def defuse(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, made plain text (a leading ``'``)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def defuse_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell defused; numbers, dates and missing values unchanged."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            values = out[column].astype(object)
            mask = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
            if mask.any():
                text = values[mask].astype(str)
                risky = text.str.startswith(FORMULA_PREFIXES).to_numpy()
                if risky.any():
                    fixed = values.to_numpy(dtype=object).copy()
                    idx = np.flatnonzero(mask)[risky]
                    fixed[idx] = "'" + text.to_numpy()[risky]
                    out[column] = fixed
    out.columns = [defuse(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, target: str | Path | io.TextIOBase | None = None) -> str | None:
    """Write ``frame`` as CSV (UTF-8, ISO dates) with every text cell defused."""
    safe = defuse_frame(frame)
    if target is None:
        return safe.to_csv(index=False, date_format="%Y-%m-%d")
    safe.to_csv(target, index=False, date_format="%Y-%m-%d")
    return None


def set_cell(cell: Any, value: Any) -> None:
    """Put ``value`` into an openpyxl cell so that text is always text, never a formula.

    openpyxl writes any string starting with ``=`` as a formula; here every string is stored
    as a text cell (its type forced to ``s``), so ``=HYPERLINK(...)`` in a team name shows as
    those characters and runs nothing. Control characters a workbook cannot hold become
    U+FFFD (:func:`workbook_text`). Missing values (None, NaN, NaT) leave the cell empty;
    numpy numbers become Python numbers; dates stay dates.
    """
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        cell.value = None
        return
    if isinstance(value, np.integer):
        value = int(value)
    elif isinstance(value, np.floating):
        value = float(value)
    elif isinstance(value, np.bool_):
        value = bool(value)
    elif isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif isinstance(value, str):
        value = workbook_text(value)
    cell.value = value
    if isinstance(value, dt.datetime):
        has_time = value.time() != dt.time(0)
        cell.number_format = "yyyy-mm-dd hh:mm" if has_time else "yyyy-mm-dd"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
