"""Small-number suppression for anything published.

Counts from 1 to ``below - 1`` could let a reader identify a child. With suppression on, a
figure is hidden when its numerator, its denominator or, for a percentage, the difference
between them (the children *not* counted, which a reader could work out) is a count from 1 to
``below - 1``; a hidden figure's value is hidden too. Zero is never hidden (nothing to
identify). For count indicators the value *is* the count. For means (days, cases) the
denominator is the number of children or workers averaged over.

This is primary suppression, the rule DfE applies to its published tables (``c``); it does not
search for secondary disclosures across a table's rows and totals. Use it on any output that
leaves the service; the drill-down lists, which name children, are never published and are not
written while suppression is on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..indicator import Unit

__all__ = ["DEFAULT_SUPPRESS_BELOW", "small", "suppress_frame", "suppress_results"]

#: DfE practice: counts from 1 to 5 are suppressed.
DEFAULT_SUPPRESS_BELOW = 6


def small(counts: np.ndarray | pd.Series, below: int) -> np.ndarray:
    """True where a count is from 1 to ``below - 1`` (missing counts are not small)."""
    values = np.asarray(counts, dtype="float64")
    with np.errstate(invalid="ignore"):
        return (values >= 1) & (values < below)


def suppress_frame(
    frame: pd.DataFrame,
    unit: str | Unit,
    below: int | None,
    *,
    value_columns: tuple[str, ...] = ("value",),
) -> pd.DataFrame:
    """A copy of ``frame`` with small numbers hidden and a boolean ``suppressed`` column.

    ``frame`` has ``numerator`` and ``denominator`` columns; where a row is suppressed they and
    every column in ``value_columns`` (those present) become missing. With ``below`` None
    nothing is hidden and ``suppressed`` is false throughout.
    """
    out = frame.copy()
    if below is None or out.empty:
        out["suppressed"] = False
        return out
    if below < 2:
        raise ValueError(f"suppression needs a threshold of at least 2, not {below}")
    unit = Unit(unit)
    numerator = out["numerator"].to_numpy(dtype="float64")
    denominator = out["denominator"].to_numpy(dtype="float64")
    if unit == Unit.COUNT:
        hide = small(numerator, below)
    elif unit == Unit.PERCENT:
        hide = small(numerator, below) | small(denominator, below)
        hide |= small(denominator - numerator, below)
    else:  # means: the number averaged over
        hide = small(denominator, below)
    out["suppressed"] = hide
    columns = ["numerator", "denominator", *[c for c in value_columns if c in out.columns]]
    for column in dict.fromkeys(columns):
        out[column] = out[column].astype("float64").where(~hide)
    return out


def suppress_results(frame: pd.DataFrame, unit: str | Unit, below: int | None) -> pd.DataFrame:
    """:func:`suppress_frame` for rows shaped like ``calculate``'s results, and what follows.

    Besides the figures, a hidden value must not be given away by what is derived from it: the
    direction of travel and the target status of a suppressed row are hidden, and so are the
    next period's ``previous_value`` and direction (a reader could work the hidden value out
    from "no change" or from the movement).
    """
    out = suppress_frame(frame, unit, below, value_columns=("value",))
    if below is None or out.empty:
        return out
    keys = [c for c in ("la", "window") if c in out.columns]
    order = out.sort_values([*keys, "period_end"], kind="stable").index
    ordered = out.loc[order]
    if keys:
        before = ordered.groupby(keys, dropna=False, sort=False)["suppressed"].shift(1)
    else:
        before = ordered["suppressed"].shift(1)
    previous_hidden = before.astype("boolean").fillna(False).astype(bool).reindex(out.index)
    hidden = out["suppressed"].to_numpy(dtype=bool)
    if "previous_value" in out.columns:
        out["previous_value"] = out["previous_value"].astype("float64").where(~previous_hidden)
    for column in ("direction", "target_status"):
        if column in out.columns:
            mask = hidden | (previous_hidden.to_numpy() if column == "direction" else False)
            values = out[column].astype(object)
            values[mask] = None
            out[column] = values
    return out
