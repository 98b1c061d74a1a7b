"""The packaged benchmark tables, read once on first use.

The files in ``data/`` are written by ``scripts/derive_benchmarks.py`` from the DfE's published
tables; nothing here reaches the network, and nothing is read at import time: every loader is
cached with :func:`functools.cache` and runs on the first call that needs it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from importlib import resources

import attrs
import pandas as pd

__all__ = [
    "MeasureYear",
    "attribution_text",
    "la_table",
    "lait_measure_table",
    "lait_year",
    "lait_years",
    "measure_table",
    "measure_years",
    "neighbour_table",
    "value_index",
    "value_table",
]


def _read(name: str) -> pd.DataFrame:
    """Read one packaged CSV as text, empty cells kept as empty strings."""
    source = resources.files(__package__).joinpath("data", name)
    with source.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@functools.cache
def value_table() -> pd.DataFrame:
    """``values.csv`` with ``time_period`` as int and ``value`` as float (NaN when missing)."""
    frame = _read("values.csv")
    frame["time_period"] = frame["time_period"].astype(int)
    frame["value"] = pd.to_numeric(frame["value"].replace("", None), errors="raise").astype(
        "float64"
    )
    return frame


@functools.cache
def la_table() -> pd.DataFrame:
    """``las.csv``: one row per council."""
    return _read("las.csv")


@functools.cache
def neighbour_table() -> pd.DataFrame:
    """``neighbours.csv``: model, la, rank, neighbour, closeness (``rank`` as int)."""
    frame = _read("neighbours.csv")
    frame["rank"] = frame["rank"].astype(int)
    return frame


@functools.cache
def measure_table() -> pd.DataFrame:
    """``measures.csv``: one row per measure, in the packaged order."""
    return _read("measures.csv")


@functools.cache
def attribution_text() -> str:
    """The text of ``data/ATTRIBUTION.md`` and ``data/LAIT-ATTRIBUTION.md``."""
    data = resources.files(__package__).joinpath("data")
    return "\n".join(
        data.joinpath(name).read_text("utf-8") for name in ("ATTRIBUTION.md", "LAIT-ATTRIBUTION.md")
    )


@functools.cache
def lait_measure_table() -> pd.DataFrame:
    """``lait_measures.csv``: one row per LAIT measure packaged (metadata only, no values)."""
    return _read("lait_measures.csv")


@functools.cache
def _lait_values() -> tuple[pd.DataFrame, dict[tuple[str, int], object]]:
    """``lait_values.csv.gz`` (``value`` as float, NaN when missing) and the rows of each
    (measure, year)."""
    source = resources.files(__package__).joinpath("data", "lait_values.csv.gz")
    with source.open("rb") as handle:
        frame = pd.read_csv(
            handle,
            compression="gzip",
            dtype={"measure": str, "area": str, "code": str, "time_period": "int64"},
            keep_default_na=False,
        )
    frame["value"] = pd.to_numeric(frame["value"].replace("", None)).astype("float64")
    groups = frame.groupby(["measure", "time_period"], sort=False).indices
    return frame, {(str(m), int(y)): rows for (m, y), rows in groups.items()}


@functools.cache
def lait_years() -> dict[str, tuple[int, ...]]:
    """The years each LAIT measure is published for, ascending."""
    years: dict[str, set[int]] = {}
    for measure, year in _lait_values()[1]:
        years.setdefault(measure, set()).add(year)
    return {measure: tuple(sorted(ys)) for measure, ys in years.items()}


ENGLAND = "E92000001"
"""The ONS code of England, the ``area`` of the national rows."""


def year_from_areas(
    areas: Sequence[str], values: Sequence[float], codes: Sequence[str]
) -> MeasureYear:
    """A :class:`MeasureYear` from rows keyed by area: ``E92000001`` (England), ``E12``/``E13``
    codes (regions), anything else a council's old code."""
    regions: dict[str, float | None] = {}
    councils: dict[str, float | None] = {}
    marks: dict[str, str] = {}
    england: float | None = None
    for area, value, code in zip(areas, values, codes, strict=True):
        number = _number(value)
        if area == ENGLAND:
            england = number
        elif area.startswith(("E12", "E13")):
            regions[area] = number
        else:
            councils[area] = number
            if code:
                marks[area] = code
    return MeasureYear(england=england, regions=regions, councils=councils, codes=marks)


@functools.cache
def lait_year(measure: str, year: int) -> MeasureYear | None:
    """The published LAIT values of one measure in one year, or None when not packaged."""
    frame, groups = _lait_values()
    rows = groups.get((measure, year))
    if rows is None:
        return None
    part = frame.iloc[rows]
    return year_from_areas(part["area"].tolist(), part["value"].tolist(), part["code"].tolist())


def _number(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


@attrs.frozen(kw_only=True)
class MeasureYear:
    """The published values of one measure in one year.

    Attributes
    ----------
    england : float or None
        The national value.
    regions : dict
        Region code (``E12...`` and the ``E13...`` Inner/Outer London sub-regions) to value.
    councils : dict
        Old council code to value, for every council row published that year. Joint rows
        (``"314 / 318"``) keep their joint key.
    codes : dict
        Old council code to the published suppression code, for the councils whose value is
        missing (``"c"``, ``"x"``, ...).
    """

    england: float | None
    regions: dict[str, float | None]
    councils: dict[str, float | None]
    codes: dict[str, str]


@functools.cache
def value_index() -> dict[tuple[str, int], MeasureYear]:
    """Every (measure, year) published, with its national, regional and council values."""
    frame = value_table()
    parts: dict[tuple[str, int], MeasureYear] = {}
    national: dict[tuple[str, int], float | None] = {}
    columns = ("measure", "time_period", "geographic_level", "region_code", "old_la_code")
    for measure, year, level, region, council, value, code in zip(
        *(frame[c] for c in columns), frame["value"], frame["code"], strict=True
    ):
        key = (measure, int(year))
        part = parts.setdefault(key, MeasureYear(england=None, regions={}, councils={}, codes={}))
        number = _number(value)
        if level == "National":
            national[key] = number
        elif level == "Regional":
            part.regions[region] = number
        else:
            part.councils[council] = number
            if code:
                part.codes[council] = code
    return {key: attrs.evolve(part, england=national.get(key)) for key, part in parts.items()}


@functools.cache
def measure_years() -> dict[str, tuple[int, ...]]:
    """The years each measure is published for, ascending."""
    years: dict[str, set[int]] = {}
    for measure, year in value_index():
        years.setdefault(measure, set()).add(year)
    return {measure: tuple(sorted(ys)) for measure, ys in years.items()}
