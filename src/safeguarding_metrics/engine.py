"""The calculation engine: cohorts in, figures out.

:func:`calculate` asks each chosen indicator for its cohort over every requested period in one
call, then aggregates numerators, denominators and values, adds the previous period's value and
the direction of travel, the target and its red/amber/green status, the benchmarks, and the
breakdown by team and worker. The cohorts stay available for child-level drill-down.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd

from .calendar import Period, collection_year, window_start
from .calendar import periods as make_periods
from .cohort_checks import check_cohort, failure_reason, redact_child_ids
from .indicator import (
    WINDOWS,
    Indicator,
    Kind,
    NotComputable,
    ParameterError,
    Periods,
    Target,
    Unit,
)
from .model.dataset import Dataset
from .quality_flags import quality_flags, unpopulated
from .registry import Registry, default_registry
from .views import TableViews

__all__ = [
    "BENCHMARK_YEARS",
    "BREAKDOWN_COLUMNS",
    "PUBLISHED_FROM_MONTH",
    "RESULT_COLUMNS",
    "WINDOWS",
    "Results",
    "UsageError",
    "assign_allocations",
    "benchmark_year",
    "calculate",
    "direction_of_travel",
    "display_round",
    "target_status",
    "within_band",
]

log = logging.getLogger(__name__)


RESULT_COLUMNS = (
    "indicator",
    "la",
    "period_start",
    "period_end",
    "period",
    "window",
    "headline",
    "numerator",
    "denominator",
    "value",
    "unit",
    "status",
    "reason",
    "excluded",
    "quality_findings",
    "quality_note",
    "previous_value",
    "direction",
    "target",
    "target_lower",
    "target_upper",
    "target_status",
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


#: Which collection year's benchmarks a period is compared with: ``same``, the year the
#: period's end falls in (the figures it will be set against once published); ``published``,
#: the latest year DfE had published by the period's end (what a report written at the time
#: quotes), see :data:`PUBLISHED_FROM_MONTH`.
BENCHMARK_YEARS = ("same", "published")

#: DfE publishes a collection year's children in need and looked-after figures in the autumn
#: after it ends on 31 March; a year counts as published from the 1st of this month of the
#: same calendar year (so 2014-15 from 1 November 2015). [D]
PUBLISHED_FROM_MONTH = 11


def benchmark_year(period_end: Any, rule: str = "same") -> int:
    """The DfE ``time_period`` (collection year ending 31 March) a period is compared with.

    >>> end = dt.date(2015, 12, 31)
    >>> benchmark_year(end, "same"), benchmark_year(end, "published")
    (2016, 2015)
    >>> benchmark_year(dt.date(2015, 10, 31), "published")
    2014
    """
    if rule not in BENCHMARK_YEARS:
        raise UsageError(f"benchmark_year is one of {', '.join(BENCHMARK_YEARS)}, not {rule!r}")
    day = pd.Timestamp(period_end).date()
    if rule == "same":
        return collection_year(day)
    return day.year if day.month >= PUBLISHED_FROM_MONTH else day.year - 1


#: The columns of :attr:`Results.breakdown` (``level``: ``team`` or ``worker``; ``group``: its
#: name).
BREAKDOWN_COLUMNS = (
    "indicator",
    "la",
    "period_start",
    "period_end",
    "level",
    "group",
    "numerator",
    "denominator",
    "value",
    "excluded",
)


class UsageError(ValueError):
    """A request the engine cannot carry out (unknown indicator, bad parameter, bad period)."""


def display_round(value: float, decimals: int) -> float:
    """Round half away from zero at ``decimals`` places (display only; values stay unrounded)."""
    factor = 10.0**decimals
    scaled = abs(value) * factor
    # a tiny epsilon absorbs binary representation error (2.675 -> 2.68, as a person expects)
    rounded = math.floor(scaled + 0.5 + 1e-9) / factor
    return math.copysign(rounded, value)


def direction_of_travel(
    value: float | None, previous: float | None, unit: Unit, polarity: str
) -> str | None:
    """``improving``, ``worsening`` or ``unchanged`` (equal at display precision); else None."""
    if value is None or previous is None or _missing(value) or _missing(previous):
        return None
    a, b = display_round(value, unit.decimals), display_round(previous, unit.decimals)
    if a == b:
        return "unchanged"
    if polarity == "neutral":
        return "up" if a > b else "down"
    better = a > b if polarity == "higher" else a < b
    return "improving" if better else "worsening"


def target_status(
    value: float | None, target: Target | None, unit: Unit, polarity: str
) -> str | None:
    """``green`` when the target is met, ``amber`` when short by no more than the tolerance,
    ``red`` otherwise; None without a target or a value.

    A band (``lower`` to ``upper``, both included) is met inside it, whatever the polarity;
    outside, the distance to the nearer bound is the shortfall, on either side. The default
    tolerance is 2 percentage points for per cent indicators and 5% of the target (of the
    bound missed, for a band) for other units.
    """
    if target is None or value is None or _missing(value):
        return None
    if target.is_band:
        assert target.lower is not None and target.upper is not None
        below = target.lower - value
        shortfall = max(below, value - target.upper)
        bound = target.lower if below > 0 else target.upper
    else:
        if polarity == "neutral":
            return None
        assert target.value is not None
        bound = target.value
        shortfall = target.value - value if polarity == "higher" else value - target.value
    tolerance = target.tolerance
    if tolerance is None:
        tolerance = 2.0 if unit == Unit.PERCENT else abs(bound) * 0.05
    if shortfall <= 0:
        return "green"
    return "amber" if shortfall <= tolerance + 1e-12 else "red"


def within_band(value: float | None, target: Target | None, unit: Unit) -> bool:
    """Whether a value is inside a target band (at display precision); false for a level."""
    if target is None or not target.is_band or value is None or _missing(value):
        return False
    assert target.lower is not None and target.upper is not None
    shown = display_round(float(value), unit.decimals)
    return target.lower <= shown <= target.upper


def _missing(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


@attrs.frozen(kw_only=True, eq=False)
class Results:
    """What :func:`calculate` returns.

    Attributes
    ----------
    frame
        One row per indicator, authority, period and window (:data:`RESULT_COLUMNS`), ordered by
        indicator id, then period.
    cohorts
        Per indicator, its cohort rows with ``period_start``/``period_end`` (child codes, not
        identifiers: see :meth:`drilldown`).
    breakdown
        Numerator, denominator and value by team and by worker, where allocations exist. A child
        allocated to two workers counts under each, so breakdowns need not add up to the total.
    dataset
        The dataset computed from (its ``quality`` table lists every record set aside).
    warnings
        Things the user should know (broken plugins skipped, indicators not computable).
    """

    frame: pd.DataFrame
    cohorts: Mapping[str, pd.DataFrame]
    breakdown: pd.DataFrame
    dataset: Dataset
    indicators: Mapping[str, Indicator]
    warnings: tuple[str, ...] = ()

    def drilldown(
        self, indicator: str, *, with_ids: bool = True, by_team: bool = False
    ) -> pd.DataFrame:
        """The child-level list behind an indicator: one row per counted record per period.

        Child identifiers appear only here, and only when asked for (``with_ids``). With
        ``by_team`` each row also carries the ``worker_id`` and ``team`` it belongs to (see
        :func:`assign_allocations`: a child allocated to two workers appears under each).
        """
        if indicator not in self.cohorts:
            raise UsageError(
                f"no cohort for {indicator!r} in these results (calculate(..., cohorts=False) "
                "keeps none)"
            )
        cohort = self.cohorts[indicator].copy()
        if by_team:
            assigned = assign_allocations(self.indicators[indicator], cohort, self.dataset)
            if assigned is None:
                raise UsageError("the dataset has no allocations, so no drill-down by team")
            if "_pos" in assigned.columns:
                assigned = assigned.sort_values(["_pos", "worker_id"], kind="stable")
            cohort = assigned.drop(columns=["_day", "_pos"], errors="ignore").reset_index(drop=True)
        if with_ids:
            has_child = cohort["child"].to_numpy() >= 0
            ids = np.full(len(cohort), None, dtype=object)
            ids[has_child] = self.dataset.decode_children(cohort["child"].to_numpy()[has_child])
            cohort.insert(cohort.columns.get_loc("child"), "child_id", ids)
        return cohort.drop(columns=["child"])

    def to_records(self) -> list[dict[str, Any]]:
        """The results as JSON-ready dicts (dates ISO, missing as None)."""
        records = []
        for row in self.frame.to_dict(orient="records"):
            clean: dict[str, Any] = {}
            for key, value in row.items():
                if isinstance(value, (dt.date, pd.Timestamp)):
                    clean[key] = value.isoformat()[:10]
                elif isinstance(value, (bool, np.bool_)):
                    clean[key] = bool(value)
                elif _missing(value):
                    clean[key] = None
                elif isinstance(value, np.integer):
                    clean[key] = int(value)
                elif isinstance(value, np.floating):
                    clean[key] = float(value)
                else:
                    clean[key] = value
            records.append(clean)
        return records

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_records(), **kwargs)


def _as_period_list(
    periods: Sequence[Period] | None,
    start: Any,
    end: Any,
    every: str | None,
) -> tuple[Period, ...]:
    if periods is not None:
        if start is not None or end is not None:
            raise UsageError("give either periods or start and end, not both")
        result = tuple(periods)
    else:
        if start is None or end is None:
            raise UsageError("give the start and end of the range to calculate over")
        try:
            result = make_periods(start, end, every)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if not result:
        raise UsageError("no periods to calculate over")
    return result


def _resolve_targets(
    indicator: Indicator,
    registry: Registry,
    given: Mapping[str, Any],
    council: Mapping[str, Any],
) -> list[Target]:
    """Targets for an indicator, most authoritative first."""
    found: list[Target] = []
    for source in (given, council):
        value = source.get(indicator.id)
        if value is None:
            continue
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, Target):
                found.append(item)
            else:
                found.append(Target(indicator=indicator.id, value=float(item)))
    found.extend(t for t in registry.targets if t.indicator == indicator.id)
    if indicator.target is not None:
        found.append(Target(indicator=indicator.id, value=indicator.target, source="indicator"))
    return found


def _aggregate(indicator: Indicator, cohort: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Numerator, denominator, value and exclusions per group of ``keys``."""
    excluded = cohort["excluded"].notna().to_numpy()
    frame = cohort.loc[:, keys].copy()
    frame["excluded"] = excluded.astype(np.int64)
    if indicator.unit.is_mean:
        value = cohort["value"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        use = ~excluded & ~np.isnan(value)
        frame["numerator"] = np.where(use, value, 0.0)
        if "weight" in cohort.columns:
            # a weighted mean: the numerator sums the values, the denominator the weights
            # (e.g. caseloads over full-time equivalents)
            weight = pd.to_numeric(cohort["weight"], errors="coerce").to_numpy(dtype="float64")
            use &= ~np.isnan(weight)
            frame["numerator"] = np.where(use, value, 0.0)
            frame["denominator"] = np.where(use, weight, 0.0)
        else:
            frame["denominator"] = use.astype(np.int64)
    else:
        met = _met(cohort)
        use = ~excluded
        frame["numerator"] = (use & met).astype(np.int64)
        frame["denominator"] = use.astype(np.int64)
    grouped = frame.groupby(keys, dropna=False, sort=False)[
        ["numerator", "denominator", "excluded"]
    ].sum()
    return grouped.reset_index()


def _met(cohort: pd.DataFrame) -> np.ndarray:
    """The ``met`` column as a numpy bool array, missing as False."""
    met = cohort["met"]
    if met.dtype == bool:  # a count form's column: nothing missing
        return met.to_numpy()
    return met.astype("boolean").to_numpy(dtype=bool, na_value=False)


def _aggregate_periods(indicator: Indicator, cohort: pd.DataFrame, n_periods: int) -> pd.DataFrame:
    """:func:`_aggregate` by ``["period", "la"]`` for a cohort whose ``la`` is all None.

    The same sums by ``np.bincount`` on the period index instead of a groupby: one row per
    period that has cohort rows, ``la`` None.
    """
    if indicator.unit.is_mean:
        with_la = cohort if "la" in cohort.columns else cohort.assign(la=None)
        return _aggregate(indicator, with_la, ["period", "la"])
    period = cohort["period"].to_numpy(dtype=np.int64)
    excluded = cohort["excluded"].notna().to_numpy()
    met = _met(cohort)
    rows = np.bincount(period, minlength=n_periods)
    present = np.flatnonzero(rows)
    n_excluded = np.bincount(period[excluded], minlength=n_periods)
    numerator = np.bincount(period[met & ~excluded], minlength=n_periods)
    return pd.DataFrame(
        {
            "period": present,
            "la": np.full(len(present), None, dtype=object),
            "numerator": numerator[present].astype(np.int64),
            "denominator": (rows - n_excluded)[present].astype(np.int64),
            "excluded": n_excluded[present].astype(np.int64),
        }
    )


def _aggregate_cohort(
    indicator: Indicator, cohort: pd.DataFrame, eval_periods: Periods, dataset: Dataset
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sums by period and authority, and the cohort with its ``la``, ``period_start`` and
    ``period_end`` (for drill-down and breakdown)."""
    # a shallow copy: under copy-on-write the columns added here never reach the frame the
    # indicator returned
    cohort = cohort.copy(deep=False)
    single = False
    if "la" not in cohort.columns:
        la_values = np.full(len(cohort), None, dtype=object)
        if not dataset.las:  # a single authority: every la is None
            single = True
        else:
            child = cohort["child"].to_numpy()
            has_child = child >= 0
            la_values[has_child] = dataset.child_la(child[has_child])
        cohort["la"] = la_values
    if single:
        aggregated = _aggregate_periods(indicator, cohort, len(eval_periods))
    else:
        aggregated = _aggregate(indicator, cohort, ["period", "la"])
    period_index = cohort["period"].to_numpy()
    cohort.insert(1, "period_start", eval_periods.start[period_index])
    cohort.insert(2, "period_end", eval_periods.end[period_index])
    return aggregated, cohort


def _sums_by_eval_and_la(
    aggregated: pd.DataFrame, n_eval: int, la_index: Mapping[Any, int]
) -> np.ndarray:
    """``[numerator, denominator, excluded]`` as float arrays indexed ``[eval, la]``: the
    aggregated sums placed on the grid, 0 where a period or authority has no cohort rows.
    Sums for an authority not in ``la_index`` (nor missing, for None) have no result row."""
    sums = np.zeros((3, n_eval, max(len(la_index), 1)))
    if not len(aggregated):
        return sums
    codes = [la_index.get(None if _missing(x) else x, -1) for x in aggregated["la"]]
    la_code = np.asarray(codes, dtype=np.int64)
    keep = la_code >= 0
    eval_code = aggregated["period"].to_numpy(dtype=np.int64)[keep]
    for i, name in enumerate(("numerator", "denominator", "excluded")):
        values = aggregated[name].to_numpy(dtype="float64")[keep]
        np.add.at(sums[i], (eval_code, la_code[keep]), values)
    return sums


def _values(unit: Unit, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = numerator.astype("float64")
    denominator = denominator.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        if unit == Unit.PERCENT:
            value = np.where(denominator > 0, 100.0 * numerator / denominator, np.nan)
        elif unit.is_mean:
            value = np.where(denominator > 0, numerator / denominator, np.nan)
        else:
            value = numerator
    return value


def calculate(
    dataset: Dataset,
    *,
    start: Any = None,
    end: Any = None,
    every: str | None = None,
    periods: Sequence[Period] | None = None,
    indicators: Iterable[str | Indicator] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    windows: Sequence[str] = ("period",),
    headlines: Mapping[str, str] | None = None,
    targets: Mapping[str, Any] | None = None,
    council_targets: Mapping[str, Any] | None = None,
    la: str | None = None,
    benchmarks: bool = True,
    neighbours: str = "mean",
    benchmark_years: str = "same",
    breakdown: bool = True,
    cohorts: bool = True,
    registry: Registry | None = None,
    allow_broken_plugins: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Results:
    """Compute indicators over periods.

    Parameters
    ----------
    dataset
        A validated dataset (:func:`~safeguarding_metrics.load_dataset`).
    start, end, every
        The range (inclusive dates) and how to split it: ``None`` (one period), ``"month"``,
        ``"quarter"`` (financial quarters) or ``"year"`` (financial years).
    periods
        Explicit periods instead of ``start``/``end``/``every``.
    indicators
        Ids (or Indicator objects) to compute; default every registered indicator.
    params
        Per indicator id, parameter values: ``{"national.rereferrals_12m": {"per": "child"}}``.
    windows
        Any of :data:`WINDOWS`; flow indicators are computed over each. Each indicator's
        headline window (:attr:`~safeguarding_metrics.Indicator.headline`) is computed too,
        whatever is asked; its rows have ``headline`` true.
    headlines
        Per indicator id, a headline window overriding the indicator's own (a council's
        report settings); ids must be registered.
    targets, council_targets
        Per indicator id, a number or :class:`~safeguarding_metrics.Target` (or a list of
        them); ``targets`` wins over ``council_targets``, which wins over plugins' defaults.
    la
        The council (DfE code or name) for benchmarks of a single-authority dataset.
    benchmarks, neighbours
        Whether to add the DfE benchmarks, and ``"mean"`` or ``"median"`` of the neighbours.
    benchmark_years
        ``"same"`` (default): each period is compared with the collection year its end falls
        in; ``"published"``: with the latest year published by then (see
        :func:`benchmark_year`), falling back to the latest year packaged before it.
    breakdown
        Whether to break results down by team and worker (needs ``allocations``).
    cohorts
        Whether to keep each indicator's cohort (the records counted) for
        :meth:`Results.drilldown`. With ``False`` the results are the same, computed through
        an indicator's ``count`` form where it has one (no record ids or detail columns are
        built: faster and lighter when nobody will drill down), and ``Results.cohorts`` is
        empty. A kept cohort holds the records of the windows asked for: an indicator's
        headline window computed beyond them is counted apart (through its count form) and
        not kept, so asking for the months keeps the months' records alone.
    registry
        The indicators to choose from; default the installed plugins.
    allow_broken_plugins
        Go on when a plugin failed to load. Without it, asking for every indicator while a
        plugin is broken raises :class:`~safeguarding_metrics.PluginError`: a report must never
        miss an indicator silently.
    progress
        Called with a short message as each indicator is computed.
    """
    registry = default_registry() if registry is None else registry
    warnings: list[str] = []
    chosen = _choose(registry, indicators, allow_broken_plugins, warnings)
    unknown_windows = [w for w in windows if w not in WINDOWS]
    if unknown_windows or not windows:
        raise UsageError(f"windows are {', '.join(WINDOWS)}; not {', '.join(unknown_windows)}")
    if benchmark_years not in BENCHMARK_YEARS:
        raise UsageError(
            f"benchmark_years is one of {', '.join(BENCHMARK_YEARS)}, not {benchmark_years!r}"
        )
    chosen = _with_headlines(chosen, registry, headlines or {})
    asked = tuple(windows)
    resolved = _resolve_params(chosen, params or {})
    _warn_unknown_targets(registry, chosen, (targets or {}, council_targets or {}), warnings)
    period_list = _as_period_list(periods, start, end, every)
    grids: dict[tuple[str, ...], _Grid] = {}  # one per set of windows computed

    rows: list[pd.DataFrame] = []
    kept_cohorts: dict[str, pd.DataFrame] = {}
    breakdowns: list[pd.DataFrame] = []
    for indicator in chosen:
        if progress:
            progress(f"computing {indicator.id}")
        computed = _computed_windows(asked, indicator)
        if computed not in grids:
            grids[computed] = _grid(period_list, computed, dataset)
        grid = grids[computed]
        eval_periods, pair_eval = _evaluation_periods(indicator, grid)
        aggregated, kept, parts, reason, la_reasons = _computed(
            indicator,
            dataset,
            eval_periods,
            _passes(grid, pair_eval, len(eval_periods), asked, cohorts),
            resolved[indicator.id],
            grid.las,
            breakdown,
        )
        if kept is not None:
            kept_cohorts[indicator.id] = kept
        breakdowns.extend(parts)
        if reason is not None:
            warnings.append(f"{indicator.id} is not computable: {reason}")
        out = _rows_on_grid(
            indicator, grid, aggregated, len(eval_periods), pair_eval, dataset, reason, la_reasons
        )
        warnings.extend(
            f"{indicator.id} is not computable for {la_value}: {why}"
            for la_value, why in la_reasons.items()
            if la_value in grid.la_index
        )
        out = _add_travel_and_targets(
            out, indicator, registry, targets or {}, council_targets or {}, grid.stride
        )
        out["headline"] = out["window"].to_numpy() == indicator.headline
        rows.append(out)

    frame = _result_frame(rows)
    if benchmarks:
        frame = _add_benchmarks(
            frame,
            {i.id: i for i in chosen},
            la,
            neighbours,
            warnings,
            benchmark_years,
            registry.comparators,
        )
    return Results(
        frame=_ordered(frame),
        cohorts=kept_cohorts,
        breakdown=(
            pd.concat(breakdowns, ignore_index=True)
            if breakdowns
            else pd.DataFrame(columns=list(BREAKDOWN_COLUMNS))
        ),
        dataset=dataset,
        indicators={i.id: i for i in chosen},
        warnings=tuple(warnings),
    )


# -- the stages of calculate -------------------------------------------------------------------


def _choose(
    registry: Registry,
    indicators: Iterable[str | Indicator] | None,
    allow_broken_plugins: bool,
    warnings: list[str],
) -> list[Indicator]:
    """The indicators asked for (default: every registered one, refused while a plugin is
    broken unless allowed); a broken plugin is named in ``warnings``."""
    if indicators is None:
        if registry.problems and not allow_broken_plugins:
            registry.check()
        chosen = list(registry)
    else:
        chosen = [i if isinstance(i, Indicator) else registry.get(i) for i in indicators]
        if not chosen:
            raise UsageError("no indicators chosen")
    if registry.problems:
        warnings.extend(f"{p}; its indicators are not in these results" for p in registry.problems)
    return chosen


def _resolve_params(
    chosen: Sequence[Indicator], params: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Each chosen indicator's parameters, defaults overlaid with ``params``; parameters for an
    indicator not being computed, or not valid for it, are usage errors."""
    chosen_ids = {i.id for i in chosen}
    for indicator_id in params:
        if indicator_id not in chosen_ids:
            raise UsageError(f"parameters given for {indicator_id!r}, which is not being computed")
    resolved: dict[str, dict[str, Any]] = {}
    for indicator in chosen:
        try:
            resolved[indicator.id] = indicator.resolve_params(params.get(indicator.id))
        except ParameterError as exc:
            raise UsageError(f"{indicator.id}: {exc}") from None
    return resolved


def _warn_unknown_targets(
    registry: Registry,
    chosen: Sequence[Indicator],
    sources: Iterable[Mapping[str, Any]],
    warnings: list[str],
) -> None:
    """A target set for an id that no indicator has (a typo, or a plugin not installed)."""
    known = set(registry.indicators) | {i.id for i in chosen}
    for source in sources:
        warnings.extend(
            f"a target is set for {indicator_id!r}, which is not a registered indicator"
            for indicator_id in source
            if indicator_id not in known
        )


@attrs.frozen(kw_only=True, eq=False)
class _Grid:
    """The result rows every indicator has: each (period, window) pair, once per authority.

    ``pairs`` holds each pair's period, window and evaluation bounds (first and last day);
    ``row_*`` describe the result rows in order; ``stride``: a row's previous value is the same
    authority's and window's row ``stride`` rows back when the periods follow one another
    (``None``: found by sorting).
    """

    pairs: Sequence[tuple[Period, str, np.datetime64, np.datetime64]]
    las: list[Any]
    la_index: dict[Any, int]
    row_pair: np.ndarray
    row_la: np.ndarray
    row_la_value: np.ndarray
    row_begin: np.ndarray
    row_end_day: np.ndarray
    stride: int | None

    def columns(self) -> dict[str, Any]:
        """The columns that place each row: authority, period and window."""
        periods = [self.pairs[k][0] for k in self.row_pair]
        return {
            "la": self.row_la_value,
            "period_start": [p.start for p in periods],
            "period_end": [p.end for p in periods],
            "period": [p.label for p in periods],
            "window": [self.pairs[k][1] for k in self.row_pair],
        }


def _grid(period_list: Sequence[Period], windows: Sequence[str], dataset: Dataset) -> _Grid:
    """The result rows of the periods and windows over the dataset's authorities."""
    pairs = []
    for p in period_list:
        for w in windows:
            begin = p.start if w == "period" else max(window_start(p.end, w), dt.date.min)
            pairs.append((p, w, np.datetime64(begin, "D"), np.datetime64(p.end, "D")))
    las: list[Any] = list(dataset.las) if dataset.las else [None]
    row_pair = np.repeat(np.arange(len(pairs)), len(las))
    row_la = np.tile(np.arange(len(las)), len(pairs))
    starts = [p.start for p in period_list]
    follow = len(set(windows)) == len(windows) and all(a < b for a, b in itertools.pairwise(starts))
    return _Grid(
        pairs=pairs,
        las=las,
        la_index={la_value: i for i, la_value in enumerate(las)},
        row_pair=row_pair,
        row_la=row_la,
        row_la_value=np.array([las[i] for i in row_la], dtype=object),
        row_begin=np.array([pairs[k][2] for k in row_pair], dtype="datetime64[D]"),
        row_end_day=np.array([pairs[k][3] for k in row_pair], dtype="datetime64[D]"),
        stride=len(windows) * len(las) if follow else None,
    )


def _evaluation_periods(indicator: Indicator, grid: _Grid) -> tuple[Periods, list[int]]:
    """The distinct bounds an indicator is computed over (a snapshot: each pair's last day; a
    flow: each pair's first and last), and each pair's index among them."""
    flow = indicator.kind == Kind.FLOW
    bounds = sorted({(b, e) if flow else (e, e) for _, _, b, e in grid.pairs})
    index = {bound: i for i, bound in enumerate(bounds)}
    eval_periods = Periods(start=[b for b, _ in bounds], end=[e for _, e in bounds])
    return eval_periods, [index[(b, e) if flow else (e, e)] for _, _, b, e in grid.pairs]


@attrs.frozen
class _Pass:
    """One call of an indicator's computation: the evaluation periods it covers (indices into
    the indicator's evaluation periods), whether through its count form, and whether its
    cohort is kept for drill-down."""

    periods: np.ndarray
    counts_only: bool
    keep: bool


def _passes(
    grid: _Grid, pair_eval: Sequence[int], n_eval: int, asked: Sequence[str], cohorts: bool
) -> list[_Pass]:
    """How an indicator is computed: in one call, except when cohorts are kept and its headline
    window was not asked for. Then the windows asked are computed and kept, and the evaluation
    periods only the headline needs are counted apart (through the count form where there is
    one) and not kept: a year-to-date headline's cohort over twelve month ends is about six
    times the months' own, and nobody asked to drill into it."""
    every = np.arange(n_eval)
    wanted = sorted(
        {e for (_, window, _, _), e in zip(grid.pairs, pair_eval, strict=True) if window in asked}
    )
    extra = np.setdiff1d(every, wanted)
    if not cohorts:
        return [_Pass(every, counts_only=True, keep=False)]
    if not len(extra) or not wanted:
        return [_Pass(every, counts_only=False, keep=True)]
    return [
        _Pass(np.asarray(wanted, dtype=np.int64), counts_only=False, keep=True),
        _Pass(extra, counts_only=True, keep=False),
    ]


def _computed(
    indicator: Indicator,
    dataset: Dataset,
    eval_periods: Periods,
    passes: Sequence[_Pass],
    params: dict[str, Any],
    las: Sequence[Any],
    breakdown: bool,
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[pd.DataFrame], str | None, dict[Any, str]]:
    """An indicator's sums by evaluation period and authority over its passes; the cohort kept
    for drill-down (``None`` when none is); its breakdowns by team and worker; why it is not
    computable, if it is not; and the authorities of a pooled dataset it is not computable for.
    """
    reason, la_reasons = _availability(indicator, dataset, eval_periods, las)
    empty = pd.DataFrame({c: [] for c in ("period", "la", "numerator", "denominator", "excluded")})
    if reason is not None:
        return empty, None, [], reason, {}
    sums: list[pd.DataFrame] = []
    kept: pd.DataFrame | None = None
    parts: list[pd.DataFrame] = []
    for one in passes:
        part = Periods(start=eval_periods.start[one.periods], end=eval_periods.end[one.periods])
        cohort, reason = _cohort_of(indicator, dataset, part, params, one.counts_only)
        if cohort is None:
            return empty, None, [], reason, {}
        if len(part) < len(eval_periods):  # its period index placed among all of them
            cohort["period"] = one.periods[cohort["period"].to_numpy(dtype=np.int64)]
        aggregated, cohort = _aggregated(
            indicator, cohort, eval_periods, dataset, one.keep, breakdown
        )
        sums.append(aggregated)
        if cohort is not None and breakdown:
            found = _breakdown(indicator, cohort, dataset)
            if found is not None:
                parts.append(found)
        if cohort is not None and one.keep:
            kept = cohort
    return pd.concat(sums, ignore_index=True), kept, parts, None, la_reasons


def _availability(
    indicator: Indicator, dataset: Dataset, eval_periods: Periods, las: Sequence[Any]
) -> tuple[str | None, dict[Any, str]]:
    """Why the indicator cannot be computed at all (its tables missing, a declared column
    empty throughout), and, in a pooled dataset, the authorities for which a declared column
    is empty."""
    reason = dataset.unavailable(indicator.tables)
    if reason is not None or not indicator.populated:
        return reason, {}
    first = indicator.read_from(eval_periods.start).min()
    la_reasons = unpopulated(indicator, dataset, first, eval_periods.end.max())
    if all(la_value in la_reasons for la_value in las):
        return la_reasons[las[0]], {}
    return None, la_reasons


def _cohort_of(
    indicator: Indicator,
    dataset: Dataset,
    eval_periods: Periods,
    params: dict[str, Any],
    counts_only: bool,
) -> tuple[pd.DataFrame | None, str | None]:
    """The indicator's checked cohort over ``eval_periods`` (through its count form when asked
    and it has one), or why it is not computable (the plugin's own words or its failure)."""
    frames = {t: dataset.view(t, cols) for t, cols in indicator.tables.items()}
    frames.update(
        {
            t: dataset.view(t, cols)
            for t, cols in indicator.optional_tables.items()
            if dataset.has(t) and t not in frames
        }
    )
    counts_only = counts_only and indicator.count is not None
    compute = indicator.count if counts_only else indicator.compute
    assert compute is not None
    try:
        raw = compute(TableViews(frames, dataset), eval_periods, params)
        cohort = check_cohort(
            indicator, raw, len(eval_periods), counts_only, dataset.n_children, dataset.las
        )
    except NotComputable as exc:  # the plugin's words, without a child's id
        return None, redact_child_ids(str(exc), dataset)
    except BaseException as exc:  # one failing indicator does not abort the run
        if isinstance(exc, KeyboardInterrupt):
            raise
        log.warning("%s failed: %s", indicator.id, type(exc).__name__)
        return None, failure_reason(indicator, exc, dataset)
    return cohort, None


def _aggregated(
    indicator: Indicator,
    cohort: pd.DataFrame,
    eval_periods: Periods,
    dataset: Dataset,
    keep: bool,
    breakdown: bool,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Numerators, denominators and exclusions by evaluation period and authority, and the
    cohort as kept for drill-down and breakdowns (``None`` when nothing reads it)."""
    if not (keep or breakdown) and "la" not in cohort.columns and not dataset.las:
        # a single authority's figures alone: counted by period, nothing else reads the cohort
        return _aggregate_periods(indicator, cohort, len(eval_periods)), None
    return _aggregate_cohort(indicator, cohort, eval_periods, dataset)


def _rows_on_grid(
    indicator: Indicator,
    grid: _Grid,
    aggregated: pd.DataFrame,
    n_eval: int,
    pair_eval: list[int],
    dataset: Dataset,
    reason: str | None,
    la_reasons: Mapping[Any, str],
) -> pd.DataFrame:
    """One result row per (period, window, authority), zero-filled where the cohort is empty,
    with the findings in the data it reads, and not computable where it is not."""
    eval_index = np.asarray(pair_eval, dtype=np.int64)[grid.row_pair]
    sums = _sums_by_eval_and_la(aggregated, n_eval, grid.la_index)
    numerator, denominator, n_excluded = sums[:, eval_index, grid.row_la]
    out = pd.DataFrame(
        {
            "indicator": indicator.id,
            **grid.columns(),
            "numerator": numerator,
            "denominator": denominator,
            "value": _values(indicator.unit, numerator, denominator),
            "unit": str(indicator.unit),
            "status": "ok" if reason is None else "not_computable",
            "reason": reason,
            "excluded": n_excluded.astype("int64"),
        }
    )
    flow = indicator.kind == Kind.FLOW
    findings, notes = quality_flags(
        indicator, dataset, grid.row_begin if flow else grid.row_end_day, grid.row_end_day
    )
    out["quality_findings"] = findings
    out["quality_note"] = notes
    if indicator.unit == Unit.COUNT:
        out["denominator"] = np.nan
    if indicator.unit != Unit.DAYS and indicator.unit != Unit.CASES:
        out["numerator"] = out["numerator"].round()
    if reason is not None:
        out[["numerator", "denominator", "value"]] = np.nan
        out["excluded"] = 0
    elif la_reasons:  # some authorities of a pooled dataset lack a declared column
        hit = np.array([v in la_reasons for v in grid.row_la_value], dtype=bool)
        out.loc[hit, ["numerator", "denominator", "value"]] = np.nan
        out.loc[hit, "excluded"] = 0
        out.loc[hit, "status"] = "not_computable"
        out["reason"] = out["reason"].astype(object)
        out.loc[hit, "reason"] = [la_reasons[v] for v in grid.row_la_value[hit]]
    return out


def _result_frame(rows: list[pd.DataFrame]) -> pd.DataFrame:
    """Every indicator's rows in one frame with every result column."""
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=RESULT_COLUMNS)
    for column in RESULT_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame["headline"] = frame["headline"].astype(object).fillna(False).astype(bool)
    return frame


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """The result columns in order, missing text as ``None``, rows by indicator, authority,
    period and window."""
    frame = frame.loc[:, list(RESULT_COLUMNS)]
    for column in ("la", "reason", "direction", "target_status", "quartile"):
        values = frame[column].astype(object)
        frame[column] = values.where(values.notna(), None)
    frame["_w"] = frame["window"].map({w: i for i, w in enumerate(WINDOWS)})
    return (
        frame.sort_values(
            ["indicator", "la", "period_start", "period_end", "_w"],
            kind="stable",
            na_position="first",
        )
        .drop(columns=["_w"])
        .reset_index(drop=True)
    )


def _with_headlines(
    chosen: list[Indicator], registry: Registry, headlines: Mapping[str, str]
) -> list[Indicator]:
    """The chosen indicators with a council's headline windows set (ids and windows checked)."""
    known = set(registry.indicators) | {i.id for i in chosen}
    for indicator_id, window in headlines.items():
        if indicator_id not in known:
            close = difflib.get_close_matches(indicator_id, sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UsageError(f"a headline is set for {indicator_id!r}, not an indicator{hint}")
        if window not in WINDOWS:
            raise UsageError(
                f"the headline of {indicator_id} is one of {', '.join(WINDOWS)}, not {window!r}"
            )
    return [attrs.evolve(i, headline=headlines[i.id]) if i.id in headlines else i for i in chosen]


def _computed_windows(asked: Sequence[str], indicator: Indicator) -> tuple[str, ...]:
    """The windows asked, then the indicator's headline window when it was not asked for
    (computed for that indicator alone, not for every indicator of the run)."""
    return (*asked, *(() if indicator.headline in asked else (indicator.headline,)))


def _add_travel_and_targets(
    out: pd.DataFrame,
    indicator: Indicator,
    registry: Registry,
    given: Mapping[str, Any],
    council: Mapping[str, Any],
    stride: int | None = None,
) -> pd.DataFrame:
    """Previous value, direction of travel, target and status; ``stride``: see calculate."""
    if stride is None:
        out = out.sort_values(["la", "window", "period_start"], kind="stable", na_position="first")
        previous = out.groupby(["la", "window"], dropna=False, sort=False)["value"].shift(1)
        out["previous_value"] = previous
    else:
        value = out["value"].to_numpy(dtype="float64")
        previous_value = np.full(len(value), np.nan)
        previous_value[stride:] = value[: len(value) - stride]
        out["previous_value"] = previous_value
    out["direction"] = [
        direction_of_travel(
            None if _missing(v) else float(v),
            None if _missing(p) else float(p),
            indicator.unit,
            str(indicator.polarity),
        )
        for v, p in zip(out["value"], out["previous_value"], strict=True)
    ]
    candidates = _resolve_targets(indicator, registry, given, council)
    chosen_targets = []
    for end in out["period_end"]:
        day = np.datetime64(end, "D")
        chosen_targets.append(next((t for t in candidates if t.applies_on(day)), None))
    out["target"] = [None if t is None else t.value for t in chosen_targets]
    out["target_lower"] = [None if t is None else t.lower for t in chosen_targets]
    out["target_upper"] = [None if t is None else t.upper for t in chosen_targets]
    if any(t is not None and t.is_band for t in chosen_targets):  # a move inside the band
        inside = [
            within_band(None if _missing(v) else float(v), t, indicator.unit)
            for v, t in zip(out["value"], chosen_targets, strict=True)
        ]
        out["direction"] = [
            "within the band" if hit and d is not None else d
            for hit, d in zip(inside, out["direction"], strict=True)
        ]
    out["target_status"] = [
        target_status(None if _missing(v) else float(v), t, indicator.unit, str(indicator.polarity))
        for v, t in zip(out["value"], chosen_targets, strict=True)
    ]
    return out


def _add_benchmarks(
    frame: pd.DataFrame,
    indicators: Mapping[str, Indicator],
    la: str | None,
    neighbours: str,
    warnings: list[str],
    years: str = "same",
    comparators: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """England, region, neighbours and the two labelled quartiles of the comparator each
    indicator links to (:func:`safeguarding_metrics.benchmarks.results.add_benchmarks`)."""
    from .benchmarks.results import add_benchmarks

    return add_benchmarks(
        frame, indicators, la, neighbours, warnings, years, benchmark_year, comparators
    )


def assign_allocations(
    indicator: Indicator, cohort: pd.DataFrame, dataset: Dataset
) -> pd.DataFrame | None:
    """The cohort's rows with the ``worker_id`` and ``team`` they belong to.

    A flow record belongs to the allocations open on its event date, a snapshot record to those
    open at the period's end; a child allocated to two workers appears once under each, and a
    record with no open allocation under ``"Unallocated"``. Returns None when the dataset has no
    allocations (and the cohort names no worker).
    """
    if "worker" in cohort.columns:
        assigned = cohort.rename(columns={"worker": "worker_id"})
    else:
        if not dataset.has("allocations"):
            return None
        alloc = dataset.view("allocations", ["worker_id", "start_date", "end_date"])
        day = (
            cohort["date"].to_numpy(dtype="datetime64[D]")
            if indicator.kind == Kind.FLOW
            else cohort["period_end"].to_numpy(dtype="datetime64[D]")
        )
        if indicator.kind == Kind.FLOW:
            day = np.where(np.isnat(day), cohort["period_end"].to_numpy(dtype="datetime64[D]"), day)
        base = cohort.loc[:, [c for c in cohort.columns if c != "worker_id"]].assign(
            _day=day, _pos=np.arange(len(cohort))
        )
        spans = alloc.loc[:, ["child", "worker_id", "start_date", "end_date"]].rename(
            columns={"start_date": "_alloc_start", "end_date": "_alloc_end"}
        )
        joined = base.loc[:, ["_pos", "child", "_day"]].merge(spans, on="child", how="inner")
        start = joined["_alloc_start"].to_numpy(dtype="datetime64[D]")
        end = joined["_alloc_end"].to_numpy(dtype="datetime64[D]")
        d = joined["_day"].to_numpy(dtype="datetime64[D]")
        joined = joined.loc[(start <= d) & (np.isnat(end) | (end > d)), ["_pos", "worker_id"]]
        joined = joined.drop_duplicates()
        allocated = base.merge(joined, on="_pos", how="inner")
        unallocated = base.loc[~base["_pos"].isin(joined["_pos"])].assign(worker_id=None)
        assigned = pd.concat([allocated, unallocated], ignore_index=True)
    if dataset.has("workers"):
        workers = dataset.view("workers", ["worker_id", "team"])
        # in a pooled dataset a worker is identified within an authority
        on = (
            ["la", "worker_id"]
            if "la" in workers.columns and workers["la"].notna().any()
            else ["worker_id"]
        )
        workers = workers.loc[:, [*on, "team"]].drop_duplicates(on)
        if "la" in on:
            assigned["la"] = assigned["la"].astype(object)
            workers["la"] = workers["la"].astype(object)
        assigned = assigned.merge(workers, on=on, how="left")
    else:
        assigned["team"] = None
    assigned["team"] = (
        assigned["team"].astype(object).where(assigned["worker_id"].notna(), "Unallocated")
    )
    assigned["team"] = assigned["team"].where(assigned["team"].notna(), "No team recorded")
    assigned["worker_id"] = (
        assigned["worker_id"].astype(object).where(assigned["worker_id"].notna(), "Unallocated")
    )
    return assigned


def _breakdown(indicator: Indicator, cohort: pd.DataFrame, dataset: Dataset) -> pd.DataFrame | None:
    """Aggregate the cohort by team and by worker (see :func:`assign_allocations`)."""
    assigned = assign_allocations(indicator, cohort, dataset)
    if assigned is None:
        return None
    parts = []
    for level, column in (("team", "team"), ("worker", "worker_id")):
        agg = _aggregate(indicator, assigned, ["period_start", "period_end", "la", column])
        agg = agg.rename(columns={column: "group"})
        agg.insert(0, "level", level)
        parts.append(agg)
    out = pd.concat(parts, ignore_index=True)
    out["value"] = _values(
        indicator.unit, out["numerator"].to_numpy(), out["denominator"].to_numpy()
    )
    out.insert(0, "indicator", indicator.id)
    return out.loc[:, list(BREAKDOWN_COLUMNS)]
