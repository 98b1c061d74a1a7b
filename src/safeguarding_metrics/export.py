"""Writing results safely: no cell of a CSV or Excel file is ever read as a formula."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FORMULA_PREFIXES", "defuse", "defuse_frame", "write_csv"]

#: A text cell starting with one of these would be read as a formula by a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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
