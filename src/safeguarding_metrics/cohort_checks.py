"""What the engine accepts from a plugin: a cohort checked column by column before anything is
counted, and a plugin's failure reported without a child's identifier.

A third-party plugin may return anything; a cohort with child codes outside the dataset, a
``met`` that is not a boolean, a period index out of range or an authority the dataset does not
have would otherwise be counted silently wrong. :func:`check_cohort` refuses it with a
:class:`CohortError` naming the column, and the indicator is reported not computable.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

import numpy as np
import pandas as pd

from .indicator import COHORT_COLUMNS, COUNT_COLUMNS, Indicator
from .model.dataset import Dataset

__all__ = ["CohortError", "check_cohort", "failure_reason", "plugin_failure", "redact_child_ids"]

log = logging.getLogger(__name__)


class CohortError(ValueError):
    """A plugin's cohort the engine cannot count: the message names the column and the fault
    (never a value from it, which could be a child's identifier)."""


def _whole_numbers(cohort: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """``cohort[column]`` as int64, refused when not whole numbers (text, NaN, fractions)."""
    series = cohort[column]
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise CohortError(f"the cohort's {column!r} is {series.dtype}, not {what} (integers)")
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return series.to_numpy(dtype=np.int64)
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        raise CohortError(
            f"the cohort's {column!r} has {int(bad.sum())} value(s) that are not {what} "
            "(missing, infinite or fractional)"
        )
    return values.astype(np.int64)


def _check_flags(cohort: pd.DataFrame, column: str) -> None:
    """``met`` holds true/false (or missing): bool, nullable boolean, 0/1, or Python bools."""
    series = cohort[column]
    if pd.api.types.is_bool_dtype(series.dtype):
        return
    try:  # pandas' own rule, vectorised: bools, 0/1 and missing values, nothing else
        series.astype("boolean")
    except (TypeError, ValueError):
        present = series[series.notna()]
        found = (
            str(series.dtype)
            if pd.api.types.is_numeric_dtype(series.dtype)
            else ", ".join(sorted({t.__name__ for t in present.map(type).unique()}))
        )
        raise CohortError(f"the cohort's {column!r} holds {found} values, not true/false") from None


def _check_numbers(cohort: pd.DataFrame, column: str) -> None:
    """``value`` (means) holds finite numbers or missing values, never text or infinity."""
    series = cohort[column]
    if pd.api.types.is_bool_dtype(series.dtype):
        raise CohortError(f"the cohort's {column!r} holds true/false, not numbers")
    numbers = pd.to_numeric(series, errors="coerce")
    text = numbers.isna().to_numpy() & series.notna().to_numpy()
    if text.any():
        raise CohortError(f"the cohort's {column!r} has {int(text.sum())} value(s) not numbers")
    if np.isinf(numbers.to_numpy(dtype="float64", na_value=np.nan)).any():
        raise CohortError(f"the cohort's {column!r} has infinite values")


def _check_labels(cohort: pd.DataFrame, las: tuple[str, ...]) -> None:
    """A cohort's own ``la`` (each row's authority) and ``worker`` columns, when it has them.

    A row whose ``la`` is not an authority of the dataset (any value at all in a
    single-authority dataset, a missing one in a pooled dataset) would be dropped from the
    figures without a word; ``worker`` must be worker ids (text), which the breakdown looks up.
    """
    for column in ("la", "worker"):
        if column not in cohort.columns:
            continue
        kind = pd.api.types.infer_dtype(cohort[column], skipna=True)
        if kind not in ("string", "empty"):
            raise CohortError(f"the cohort's {column!r} holds {kind} values, not text")
    if "la" in cohort.columns:
        la = cohort["la"]
        wrong = la.notna() if not las else ~la.isin(las)
        if wrong.any():
            expected = ", ".join(las) if las else "none: the dataset is a single authority's"
            raise CohortError(
                f"the cohort has {int(wrong.sum())} row(s) whose 'la' is not an authority of "
                f"the dataset ({expected}); they would be left out of every figure"
            )


def check_cohort(
    indicator: Indicator,
    cohort: Any,
    n_periods: int,
    counts_only: bool = False,
    n_children: int | None = None,
    las: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The cohort a plugin returned, checked before anything counts it.

    Everything the engine reads is checked here, so that a plugin's mistake is that
    indicator's :class:`CohortError` (reported not computable, naming the plugin) rather than
    an error deeper in the engine that stops the run or a silently wrong figure: the columns
    are there; ``period`` and ``child`` are whole numbers in range (``child`` below the
    dataset's number of children; negative for a record without a child); ``met`` is
    true/false; ``value`` numbers; ``date`` dates; ``la`` and ``worker``, when given, text
    (``la`` an authority of the dataset, ``las``); and every counted row says whether it meets
    the measure (or carries its value), else gives the reason it is left out.
    """
    name = "count" if counts_only else "compute"
    if not isinstance(cohort, pd.DataFrame):
        raise CohortError(f"{name} returned {type(cohort).__name__}, not a DataFrame")
    required = (
        (*COUNT_COLUMNS, "value" if indicator.unit.is_mean else "met")
        if counts_only
        else COHORT_COLUMNS
    )
    missing = [c for c in required if c not in cohort.columns]
    if missing:
        raise CohortError(f"the cohort lacks column(s) {', '.join(missing)}")
    if cohort.columns.duplicated().any():
        raise CohortError("the cohort has a column twice")
    cohort = cohort.reset_index(drop=True)
    period = _whole_numbers(cohort, "period", "period indexes")
    if len(period) and (period.min() < 0 or period.max() >= n_periods):
        raise CohortError(
            f"the cohort has a period index out of range (0 to {n_periods - 1} expected)"
        )
    child = _whole_numbers(cohort, "child", "child codes")
    if n_children is not None and len(child) and child.max() >= n_children:
        raise CohortError(
            f"the cohort has {int((child >= n_children).sum())} child code(s) beyond the "
            f"dataset's {n_children} children"
        )
    date = cohort["date"]
    if not pd.api.types.is_datetime64_any_dtype(date.dtype) and date.notna().any():
        raise CohortError(f"the cohort's 'date' is {date.dtype}, not dates")
    if indicator.unit.is_mean:
        _check_numbers(cohort, "value")
    else:
        _check_flags(cohort, "met")
    if las is not None:
        _check_labels(cohort, las)
    # Nothing is dropped silently: a counted row must say whether it meets the measure (or
    # carry its value), else it must give the reason it is left out.
    counted = cohort["excluded"].isna().to_numpy()
    needed = "value" if indicator.unit.is_mean else "met"
    undecided = (
        counted & cohort[needed].isna().to_numpy()
        if cohort[needed].dtype != bool  # a numpy bool column has nothing missing
        else np.zeros(len(cohort), dtype=bool)
    )
    if indicator.unit.is_mean and "weight" in cohort.columns:
        undecided |= counted & pd.to_numeric(cohort["weight"], errors="coerce").isna().to_numpy()
    if undecided.any():
        raise CohortError(
            f"{int(undecided.sum())} cohort row(s) have no {needed!r} and no exclusion reason"
        )
    if cohort["period"].dtype != np.int64 or cohort["child"].dtype != np.int64:
        cohort = cohort.assign(period=period, child=child)
    return cohort


#: Child identifiers of a dataset, hashed once, to keep them out of failure messages.
_CHILD_INDEX: weakref.WeakKeyDictionary[Dataset, tuple[pd.Index, tuple[int, ...]]] = (
    weakref.WeakKeyDictionary()
)


def redact_child_ids(text: str, dataset: Dataset) -> str:
    """``text`` with every child identifier of ``dataset`` in it replaced by ``[child id]``.

    A plugin's exception message may quote a child (``f"bad child {child_id}"``); results,
    warnings and standard error must not. Every substring of the text whose length is that of
    some identifier is looked up in the dataset's identifiers (a hash lookup each, longest
    first), so the cost is the length of the message, not the size of the dataset.
    """
    cached = _CHILD_INDEX.get(dataset)
    if cached is None:
        ids = pd.Index(pd.unique(dataset.child_ids.astype(str)))
        lengths = tuple(sorted(set(ids.str.len().tolist()), reverse=True)) if len(ids) else ()
        cached = _CHILD_INDEX[dataset] = (ids, lengths)
    ids, lengths = cached
    if not lengths:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        for length in lengths:
            if length and i + length <= len(text) and text[i : i + length] in ids:
                out.append("[child id]")
                i += length
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def failure_reason(indicator: Indicator, exc: BaseException, dataset: Dataset) -> str:
    """Why an indicator is not computable when its plugin's code raised ``exc``.

    A :class:`CohortError` is the engine's own words. Any other exception is the plugin's:
    its type, and the first line of its message with the dataset's child identifiers
    replaced (:func:`redact_child_ids`), cut at 200 characters.
    """
    if isinstance(exc, CohortError):
        return f"plugin {indicator.plugin!r} returned a cohort that cannot be counted: {exc}"
    return plugin_failure(indicator.plugin, "indicator", exc, dataset)


def plugin_failure(plugin: str, what: str, exc: BaseException, dataset: Dataset) -> str:
    """Why ``what`` (an indicator, a due list) is not available when its plugin's code raised
    ``exc``: the exception's type and the first line of its message, with the dataset's child
    identifiers replaced (:func:`redact_child_ids`), cut at 200 characters."""
    if isinstance(exc, SystemExit):
        return f"plugin {plugin!r} tried to end the program (SystemExit) while computing"
    lines = str(exc).strip().splitlines()
    message = redact_child_ids(lines[0], dataset)[:200] if lines else ""
    return f"the {what} failed in plugin {plugin!r} ({type(exc).__name__}" + (
        f": {message})" if message else ")"
    )
