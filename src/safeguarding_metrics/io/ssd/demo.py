"""The SSD part of ``make demo``: the synthetic council written to an SSD database
(``demo-output/ssd.sqlite``), read back, and its figures set beside the CSV folder's.

Where the SSD holds an indicator's inputs the figures must be equal; where it does not the
indicator is not computable from the SSD; one indicator reads a column the SSD has no place
for (``previous_plans``) and falls back on the history the SSD holds: it is named, with why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ...engine import calculate
from ...model.tables import table_specs
from . import import_ssd, write_ssd

__all__ = ["SSD_DIFFERENCES", "compare_figures", "run_demo"]

#: Indicators whose figures from the SSD may differ from a canonical folder's, and why.
SSD_DIFFERENCES = {
    "national.cpp_second_subsequent": (
        "the SSD has no count of previous plans (previous_plans): a second plan is one after "
        "an earlier plan in the SSD's own history"
    ),
}


def compare_figures(canonical: pd.DataFrame, ssd: pd.DataFrame) -> dict[str, list[str]]:
    """Indicators by how their figures from the SSD compare with the canonical route's on the
    same periods and windows: ``equal``, ``not computable`` (from the SSD only), ``explained``
    (:data:`SSD_DIFFERENCES`) and ``differ`` (anything else: a fault)."""
    key = ["indicator", "period", "window"]
    both = canonical.merge(ssd, on=key, suffixes=("", "_ssd"))
    same = pd.Series(True, index=both.index)
    for column in ("status", "numerator", "denominator", "value"):
        a, b = both[column], both[f"{column}_ssd"]
        same &= (a == b) | (a.isna() & b.isna())
    out: dict[str, list[str]] = {"equal": [], "not computable": [], "explained": [], "differ": []}
    for indicator, rows in both.groupby("indicator", sort=True):
        if same[rows.index].all():
            out["equal"].append(str(indicator))
        elif (rows["status_ssd"] == "not_computable").all() and (rows["status"] == "ok").all():
            out["not computable"].append(str(indicator))
        elif indicator in SSD_DIFFERENCES:
            out["explained"].append(str(indicator))
        else:
            out["differ"].append(str(indicator))
    return out


def _frames(folder: Path) -> dict[str, pd.DataFrame]:
    """The canonical tables of a folder, as text."""
    return {
        name: pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
        for name in table_specs()
        if (path := folder / f"{name}.csv").exists()
    }


def run_demo(
    data: Path,
    database: Path,
    canonical: pd.DataFrame,
    *,
    start: str,
    end: str,
    regenerate: bool,
    say: Callable[[str], None],
) -> dict[str, list[str]]:
    """Write the folder ``data`` to the SSD database file ``database`` (when absent or
    ``regenerate``), read it back, compute the period figures of ``start``..``end`` and
    compare them with ``canonical`` (the CSV folder's period rows)."""
    url = f"sqlite:///{database}"
    if regenerate or not database.exists():
        database.unlink(missing_ok=True)
        say(f"writing the synthetic council to the SSD database {database}")
        write_ssd(_frames(data), url)
    say(f"reading the SSD back from {database}")
    result = import_ssd(url, progress=False)
    figures = calculate(
        result.dataset(),
        start=start,
        end=end,
        every="month",
        windows=("period",),
        benchmarks=False,
        cohorts=False,
        allow_broken_plugins=True,
    ).frame
    periods = canonical.loc[canonical["window"] == "period"]
    return compare_figures(periods, figures.loc[figures["window"] == "period"])
