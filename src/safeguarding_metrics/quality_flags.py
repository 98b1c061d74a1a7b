"""Holes in the data, on the figures: how many data-quality findings lie in the data each
figure reads (:func:`quality_flags`), and whether a column an indicator declares it needs holds
any value at all in the span it reads (:func:`unpopulated`).

A finding concerns an indicator when it lies in a table and column the indicator reads (a
record set aside concerns every indicator reading its table), and a period when the record's
date falls in the span the indicator reads for it (its look-back included); an undated finding
concerns every period. The findings are grouped once per dataset and counted by
``searchsorted``: no loop over findings.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .indicator import Indicator
from .model.dataset import Dataset
from .model.quality import Action, first_dates, holes

__all__ = ["quality_flags", "record_days", "unpopulated"]

#: Where a hole is: its table, its column (None for a fault about a whole file) and whether
#: its record was set aside (then it concerns every indicator reading the table).
_Place = tuple[str, str | None, bool]

_HOLES: weakref.WeakKeyDictionary[Dataset, dict[_Place, np.ndarray]] = weakref.WeakKeyDictionary()


def _dataset_holes(dataset: Dataset) -> dict[_Place, np.ndarray]:
    """The dataset's holes (:func:`~.model.quality.holes`) by place, each place's record dates
    sorted (``datetime64[D]``, the undated ``NaT`` last); built once per dataset, so that each
    indicator only picks its places and counts by ``searchsorted``."""
    cached = _HOLES.get(dataset)
    if cached is not None:
        return cached
    quality = dataset.quality
    cached = {}
    if len(quality):
        chosen = quality.loc[holes(quality)]
        named = chosen["column"].notna().to_numpy()
        frame = pd.DataFrame(
            {
                "table": chosen["table"].astype(str).to_numpy(),
                "column": chosen["column"].astype(object).where(named, "").to_numpy(),
                "whole": (chosen["action"].astype(str) == str(Action.SET_ASIDE)).to_numpy()
                | ~named,
                "day": chosen["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]"),
            }
        )
        for (table, column, whole), days in frame.groupby(["table", "column", "whole"], sort=False)[
            "day"
        ]:
            place = (str(table), str(column) or None, bool(whole))
            cached[place] = np.sort(days.to_numpy(dtype="datetime64[D]"))
    _HOLES[dataset] = cached
    return cached


def _tables_read(indicator: Indicator, dataset: Dataset) -> dict[str, tuple[str, ...]]:
    """The tables an indicator reads on this dataset (its optional ones when present)."""
    read = {t: c for t, c in indicator.optional_tables.items() if dataset.has(t)}
    read.update(indicator.tables)
    return read


def _findings_by_column(indicator: Indicator, dataset: Dataset) -> dict[str, np.ndarray]:
    """The dates of the holes in what an indicator reads, by where they are ("table.column",
    or "table" for a fault about a whole file), each sorted with the undated (``NaT``) last.

    What it reads: every record of its tables (a record set aside, whatever the column at
    fault, is missing from all of them) and the values of the columns it declares (a value
    left out or not understood concerns only the indicators that read that column).
    """
    read = _tables_read(indicator, dataset)
    parts: dict[str, list[np.ndarray]] = {}
    for (table, column, whole), days in _dataset_holes(dataset).items():
        if table not in read or not (whole or column in read[table]):
            continue
        parts.setdefault(table if column is None else f"{table}.{column}", []).append(days)
    return {
        name: days[0] if len(days) == 1 else np.sort(np.concatenate(days))
        for name, days in parts.items()
    }


def _count_in_spans(days: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """How many of the sorted ``days`` fall in each ``[low, high]``, plus the undated ones
    (``NaT``, sorted last), which concern every span: two ``searchsorted``, no loop."""
    undated = int(np.isnat(days).sum())
    dated = days[: len(days) - undated]
    inside = np.searchsorted(dated, high, side="right") - np.searchsorted(dated, low, side="left")
    return inside.astype(np.int64) + undated


def quality_flags(
    indicator: Indicator, dataset: Dataset, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """The data-quality findings on each figure of an indicator, and a note saying where.

    Parameters
    ----------
    indicator
        What it reads (:func:`_findings_by_column`) and how far back (:attr:`Indicator.lookback`).
    dataset
        Its ``quality`` table, each finding dated by its record (``date``).
    starts, ends
        Each figure's evaluation bounds (``datetime64[D]``; a snapshot's start is its end).

    Returns
    -------
    counts, notes
        Per figure, the findings whose record is dated in ``[read_from(start), end]``, plus
        the undated ones (which concern every period); the note is empty when there are none,
        else "13 data-quality findings in the data this figure reads (assessments.authorised_date
        13)", naming at most three places, the largest first.
    """
    starts = np.asarray(starts, dtype="datetime64[D]")
    ends = np.asarray(ends, dtype="datetime64[D]")
    counts = np.zeros(len(ends), dtype=np.int64)
    by_column = _findings_by_column(indicator, dataset)
    if not by_column:
        return counts, [""] * len(ends)
    low = indicator.read_from(starts)
    # one searchsorted per place and distinct span (few), not per figure or per finding
    spans, where = np.unique(np.stack([low, ends]).astype(np.int64), axis=1, return_inverse=True)
    span_low = spans[0].astype("datetime64[D]")
    span_high = spans[1].astype("datetime64[D]")
    names = list(by_column)
    per_place = np.stack([_count_in_spans(by_column[n], span_low, span_high) for n in names])
    per_place = per_place[:, np.asarray(where).reshape(-1)]
    counts = per_place.sum(axis=0)
    notes_by_span: dict[tuple[int, ...], str] = {}
    notes = []
    for i in range(len(ends)):  # figures, not records: a few hundred at most
        column = tuple(int(x) for x in per_place[:, i])
        if column not in notes_by_span:
            notes_by_span[column] = _quality_note(names, column)
        notes.append(notes_by_span[column])
    return counts, notes


def _quality_note(names: list[str], counts: Sequence[int]) -> str:
    total = sum(counts)
    if not total:
        return ""
    ranked = sorted(
        ((n, c) for n, c in zip(names, counts, strict=True) if c), key=lambda x: (-x[1], x[0])
    )
    shown = ", ".join(f"{n} {c:,}" for n, c in ranked[:3]) + (", …" if len(ranked) > 3 else "")
    noun = "finding" if total == 1 else "findings"
    return f"{total:,} data-quality {noun} in the data this figure reads ({shown})"


_RECORD_DAYS: weakref.WeakKeyDictionary[Dataset, dict[str, np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def record_days(dataset: Dataset, table: str) -> np.ndarray:
    """Each record's date (:data:`~.model.quality.RECORD_DATES`), ``NaT`` when it has none;
    computed once per dataset and table (every indicator declaring a column of it asks)."""
    per_table = _RECORD_DAYS.setdefault(dataset, {})
    if table not in per_table:
        frame = dataset.tables[table]
        per_table[table] = first_dates(table, frame, np.arange(len(frame)))
    return per_table[table]


def unpopulated(
    indicator: Indicator, dataset: Dataset, low: np.datetime64, high: np.datetime64
) -> dict[Any, str]:
    """Why an indicator's declared columns (:attr:`Indicator.populated`) cannot be read, by
    authority (``None`` for a single authority): a column empty in every record of the span
    ``[low, high]`` (records without a date count as in it) while the span has records.
    A record whose value there is faulty (left out, listed in the data-quality table) is
    not one of them: the indicator does not read it, and its figures count the finding.

    An authority absent from the result has its columns populated (or no records at all in
    the span: nothing then says the column is missing, and the figure is a true zero).
    """
    reasons: dict[Any, str] = {}
    everything = low <= np.datetime64("0001-01-02", "D")
    span = f"up to {high}" if everything else f"of {low}..{high}"
    for table, columns in indicator.populated.items():
        if not dataset.has(table):
            continue
        frame = dataset.tables[table]
        day = record_days(dataset, table)
        inside = np.isnat(day) | ((day >= low) & (day <= high))
        if not inside.any():
            continue
        if "la" in frame.columns and frame["la"].notna().any():
            las = frame["la"].astype(object).to_numpy()
        elif "child" in frame.columns and dataset.las:
            las = dataset.child_la(frame["child"].to_numpy())
        else:
            las = np.full(len(frame), None, dtype=object)
        faults = dataset.field_faults.get(table, {})
        for column in columns:
            value = frame[column].notna().to_numpy()
            # a record whose value is faulty is left out of what the indicator reads (and
            # counted on its figures as a data-quality finding), as if it were not there
            considered = inside
            if column in faults:
                considered = inside & ~np.asarray(faults[column], dtype=bool)
            if not considered.any():
                continue
            # authorities by code, -1 (shifted to 0) for none: a count of values per code
            codes, uniques = pd.factorize(pd.Series(las[considered], dtype=object))
            per_code = np.bincount(codes + 1, weights=value[considered], minlength=len(uniques) + 1)
            seen = np.bincount(codes + 1, minlength=len(uniques) + 1) > 0
            for code in np.flatnonzero(seen & (per_code == 0)):
                la_value = None if code == 0 else uniques[code - 1]
                if la_value not in reasons:
                    reasons[la_value] = f"{table}.{column} is empty in every record {span}"
    return reasons
