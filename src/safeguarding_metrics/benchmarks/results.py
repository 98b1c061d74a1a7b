"""Comparators beside computed results: England, region, neighbours and quartiles that say
what they are.

:func:`add_benchmarks` fills the benchmark columns of ``calculate``'s result frame from the
comparator each indicator links to (:class:`~.BenchmarkLink`). Two quartiles, never confused:

``quartile``
    The council's *published* quartile: its own published value of ``benchmark_year`` among
    every council's, labelled with that year wherever it is shown.
``figure_quartile``
    This row's own figure ranked among every council's values of ``benchmark_year`` (the
    latest published for the period under the ``published`` rule), polarity-aware, A best;
    only when the row's window is comparable with the published measure (a full year of a
    flow, or a snapshot) and the link is like for like.

A comparator that is not like for like keeps its England, region and neighbour figures,
labelled (``like_for_like`` false, ``benchmark_note`` the reason), and has neither quartile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics.benchmarks.comparator import Comparator
from safeguarding_metrics.benchmarks.lookup import (
    Benchmark,
    benchmark,
    comparator_measure,
    get_measure,
    quartile_band,
)

__all__ = [
    "BENCHMARK_COLUMNS",
    "add_benchmarks",
    "comparable_window",
    "comparator_years",
    "quartile_label",
]

#: The result columns this module fills.
BENCHMARK_COLUMNS = (
    "england",
    "region",
    "neighbours",
    "neighbours_n",
    "quartile",
    "benchmark_year",
    "benchmark",
    "like_for_like",
    "benchmark_note",
    "figure_quartile",
)


def year_label(year: Any) -> str:
    """``2016`` as ``"2015-16"`` (the collection year a ``time_period`` names)."""
    y = int(year)
    return f"{y - 1}-{y % 100:02d}"


def quartile_label(quartile: Any, year: Any, figure: bool = False) -> str:
    """A quartile in words, never without its year: ``"D (published 2014-15)"`` or
    ``"A (this figure among 2014-15's)"``; ``""`` when there is none."""
    if quartile is None or (isinstance(quartile, float) and np.isnan(quartile)) or not quartile:
        return ""
    if year is None or (isinstance(year, float) and np.isnan(year)):
        return str(quartile)
    if figure:
        return f"{quartile} (this figure among {year_label(year)} published)"
    return f"{quartile} (published {year_label(year)})"


def comparable_window(kind: str, window: str, start: Any, end: Any) -> bool:
    """Whether a figure compares with a published yearly measure.

    A snapshot (measured as at a day) compares with the published snapshot; a flow only
    over a full year: a rolling 12 months, a year to date ending on 31 March (the whole
    financial year), or a period of twelve months (``every="year"``). ``start`` and ``end``
    are the period's; the window starts earlier for ``ytd`` and ``rolling12``.
    """
    if str(kind) == "snapshot" or window == "rolling12":
        return True
    last = pd.Timestamp(end).normalize()
    if window == "ytd":
        return bool(last.month == 3 and last.day == 31)
    first = pd.Timestamp(start).normalize()
    return bool(first == last + pd.Timedelta(days=1) - pd.DateOffset(months=12))


def comparator_years(
    key: str, comparators: Mapping[str, Comparator] | None = None
) -> tuple[int, ...]:
    """The years a comparator is published for (a plugin's, or a packaged measure's)."""
    if comparators and key in comparators:
        return comparators[key].years
    return get_measure(key).years


def _choose_year(wanted: int, same: int, rule: str, published: tuple[int, ...]) -> int:
    """Under ``published``: the latest year published by then; when none is packaged that
    early, the period's own collection year if packaged (labelled with its year, never
    passed off as an earlier one). Under ``same``: the period's own year."""
    if rule != "published":
        return wanted
    earlier = [y for y in published if y <= wanted]
    if earlier:
        return earlier[-1]
    return same if same in published else wanted


def _lookup(
    key: str,
    code: str,
    year: int,
    neighbours: str,
    comparators: Mapping[str, Comparator] | None,
    warn: Callable[[str], None],
    indicator_id: str,
) -> Benchmark | None:
    try:
        return benchmark(key, code, year, neighbours=neighbours, comparators=comparators)
    except LookupError as exc:
        warn(f"no benchmarks for {indicator_id}: {exc}")
        return None


def add_benchmarks(
    frame: pd.DataFrame,
    indicators: Mapping[str, Any],
    la: str | None,
    neighbours: str,
    warnings: list[str],
    years: str,
    year_of: Callable[[Any, str], int],
    comparators: Mapping[str, Comparator] | None = None,
) -> pd.DataFrame:
    """Fill :data:`BENCHMARK_COLUMNS` of ``calculate``'s result frame.

    Parameters
    ----------
    frame
        The result frame (``indicator``, ``la``, ``period_start``, ``period_end``, ``value``).
    indicators
        The indicators by id (their ``benchmark`` links, ``kind``).
    la
        The council of a single-authority dataset (a pooled one has ``la`` per row).
    neighbours
        ``"mean"`` or ``"median"``.
    warnings
        Appended to, once per message: an unknown council, for instance.
    years
        ``"same"`` or ``"published"`` (see ``engine.benchmark_year``).
    year_of
        ``(period_end, rule) -> time_period``: ``engine.benchmark_year``.
    comparators
        Plugins' comparators by key (``Registry.comparators``).
    """
    out = frame.copy()
    filled: dict[str, list[Any]] = {column: [None] * len(out) for column in BENCHMARK_COLUMNS}

    def warn(message: str) -> None:
        if message not in warnings:
            warnings.append(message)

    cache: dict[tuple[str, str, int], Benchmark | None] = {}
    years_of: dict[Any, tuple[int, int]] = {}  # period end -> (year by the rule, own year)
    columns = ["indicator", "la", "period_start", "period_end", "value"]
    records = out.reindex(columns=[*columns, "window"]).to_dict("records")
    for i, row in enumerate(records):  # one per result row, not per record
        indicator = indicators[row["indicator"]]
        link = indicator.benchmark
        code = row["la"] if row["la"] is not None and not pd.isna(row["la"]) else la
        if link is None or code is None:
            continue
        filled["benchmark"][i] = link.key
        filled["like_for_like"][i] = link.like_for_like
        filled["benchmark_note"][i] = "" if link.like_for_like else link.reason
        try:
            published = comparator_years(link.key, comparators)
        except LookupError as exc:
            warn(f"no benchmarks for {indicator.id}: {exc}")
            continue
        end = row["period_end"]
        if end not in years_of:
            years_of[end] = (year_of(end, years), year_of(end, "same"))
        year = _choose_year(*years_of[end], years, published)
        key = (link.key, str(code), year)
        if key not in cache:
            cache[key] = _lookup(
                link.key, str(code), year, neighbours, comparators, warn, indicator.id
            )
        found = cache[key]
        if found is None:
            continue
        filled["england"][i] = found.england
        filled["region"][i] = found.region
        filled["neighbours"][i] = found.neighbours
        filled["neighbours_n"][i] = found.neighbours_n
        filled["benchmark_year"][i] = year
        if link.like_for_like:
            filled["quartile"][i] = found.quartile
            filled["figure_quartile"][i] = _figure_quartile(
                row, indicator, found, link.key, comparators
            )
    for column, values in filled.items():
        out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def _figure_quartile(
    row: Mapping[str, Any],
    indicator: Any,
    found: Benchmark,
    key: str,
    comparators: Mapping[str, Comparator] | None,
) -> str | None:
    """This row's figure among every council's published values of the benchmark's year,
    when its window compares with the published measure."""
    value = row["value"]
    if value is None or pd.isna(value) or not found.councils:
        return None
    window = row.get("window")
    window = "period" if window is None or pd.isna(window) else str(window)
    if not comparable_window(indicator.kind, window, row["period_start"], row["period_end"]):
        return None
    measure = (
        comparator_measure(comparators[key])
        if comparators and key in comparators
        else get_measure(key)
    )
    if not measure.quartiles:
        return None
    return quartile_band(float(value), found.councils, measure.polarity)
