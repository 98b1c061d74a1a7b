"""``check_indicator``: the properties every indicator must have, checked with hypothesis.

An indicator is a pure function from canonical tables to a cohort; the engine does the
arithmetic. Whatever the definition, some things must always hold, and this module checks them
on many generated case histories, through :func:`safeguarding_metrics.calculate` exactly as a
report computes them:

``bounds``
    Every result is computed (status ``ok``); an indicator with a ``count`` form gives the same
    results and breakdown through it (``calculate(..., cohorts=False)``); for per cent indicators
    ``0 <= numerator <= denominator`` (whole numbers) and the value is within ``[0, 100]``;
    counts and means are never negative; the value is missing exactly when the denominator is
    0 (per cent and means) and equals ``100 * numerator / denominator`` (or the mean)
    otherwise. Every counted cohort row of a per cent or count indicator says whether it meets
    the measure (``met`` is never missing, which the engine would count as not met), and every
    counted row of a mean has a value (the engine would drop it without listing it).
``empty``
    Every table the indicator reads present but empty: status ``ok``, numerators and
    denominators 0, the value missing (a count is 0), no exception.
``missing_tables``
    Each table it reads absent, or present without a required column: status
    ``not_computable`` with a reason naming the table, no exception.
``order``
    The rows of every table shuffled: an identical results frame, and the same cohort rows.
``additivity``
    Two sets of children with no child in common: the numerators, denominators and exclusions
    of the union are the sums of the two. Leave it out for an indicator that is not additive
    over children (a mean over workers, a median, a measure of the whole authority).
``bad_input``
    An empty (or blank) required field in one record, an unparseable value or a negative
    interval in an optional field of another, an unknown code in a third: the run still
    computes; the data-quality table lists the first two; ``read == used + set_aside`` for
    every table; and the results equal those without the record set aside, with the other
    record left out only if the indicator reads the faulty column.
``boundary`` (run when there is a boundary)
    The cases at a timescale's boundary (N - 1, N and N + 1 units; the last day within and
    the day after; on weekends, bank holidays, month ends, 29 February; at the period's
    edges) come out met or not met as the limit says
    (:func:`~safeguarding_metrics.testing.check_boundary`). Run for a declared indicator
    (:mod:`safeguarding_metrics.declared`) and for the ``boundaries`` given for a hand-written
    one; the generated histories then also draw their spans around those limits.
``partition`` (not run by default)
    For flow indicators counting records: the monthly numerators and denominators add up to
    those of the whole range. Leave it out for per-child measures and rolling windows.

Examples
--------
A plugin author tests an indicator in one line::

    from safeguarding_metrics.testing import check_indicator
    from safeguarding_metrics_doncaster import EARLY_HELP_REVIEWS

    def test_early_help_reviews_properties():
        check_indicator(EARLY_HELP_REVIEWS)
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import errors as hypothesis_errors
from hypothesis import strategies as st

from ..declared import Deadline, Recency, declaration_of
from ..engine import Results, calculate
from ..indicator import COHORT_COLUMNS, Indicator, Kind, Unit
from ..model.dataset import Dataset
from ..model.quality import Action
from ..model.tables import table_spec
from ..registry import Registry
from .boundary import Boundary, check_boundary
from .failure import IndicatorCheckError, chosen_indicator
from .strategies import (
    DEFAULT_END,
    DEFAULT_START,
    History,
    case_histories,
    describe_history,
    history_frames,
    history_tables,
    make_dataset,
    period_ranges,
    shuffled,
    split_children,
)

__all__ = [
    "OPTIONAL_PROPERTIES",
    "PROPERTIES",
    "CheckReport",
    "IndicatorCheckError",
    "assert_result_bounds",
    "check_declaration",
    "check_indicator",
    "run_indicator",
]

_F = TypeVar("_F", bound=Callable[..., None])

#: The properties :func:`check_indicator` runs by default, in the order it runs them.
PROPERTIES = ("bounds", "empty", "missing_tables", "order", "additivity", "bad_input")
#: Properties run only when asked for.
OPTIONAL_PROPERTIES = ("partition",)


_FIGURES = ("numerator", "denominator", "excluded")
#: The reason of a figure whose ``populated`` column is empty in every record it reads
#: (:func:`safeguarding_metrics.quality_flags.unpopulated`): a result, not a failure.
_UNPOPULATED = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+ is empty in every record ")
_ROW_KEY = ("indicator", "la", "period_start", "period_end", "window")


class _Failed(AssertionError):
    """Raised inside a hypothesis example; becomes an IndicatorCheckError after shrinking."""

    def __init__(self, detail: str, counterexample: str) -> None:
        self.detail = detail
        self.counterexample = counterexample
        super().__init__(f"{detail}\n{counterexample}")


@attrs.frozen(kw_only=True)
class CheckReport:
    """What :func:`check_indicator` checked.

    Attributes
    ----------
    indicator
        The indicator's id.
    properties
        The properties that ran and held.
    examples
        Per property, the examples tried (generated case histories, or period ranges for
        ``empty``).
    skipped
        Properties asked for but not applicable, with the reason.
    params
        The parameter sets checked.
    periods_every
        The ways of splitting the range that were checked.
    """

    indicator: str
    properties: tuple[str, ...]
    examples: Mapping[str, int]
    skipped: Mapping[str, str]
    params: tuple[Mapping[str, Any], ...]
    periods_every: tuple[str | None, ...]

    def __str__(self) -> str:
        ran = ", ".join(f"{p} ({self.examples.get(p, 0)} examples)" for p in self.properties)
        text = f"{self.indicator}: {ran}"
        if self.skipped:
            text += "; skipped: " + ", ".join(f"{p} ({why})" for p, why in self.skipped.items())
        return text


# -- running one indicator ---------------------------------------------------------------------


def run_indicator(
    indicator: Indicator | str,
    dataset: Dataset,
    *,
    start: Any,
    end: Any,
    every: str | None = None,
    params: Mapping[str, Any] | None = None,
    registry: Registry | Iterable[tuple[str, object]] | None = None,
    cohorts: bool = True,
) -> Results:
    """Compute one indicator with :func:`~safeguarding_metrics.calculate`, no benchmarks.

    Parameters
    ----------
    indicator
        An :class:`~safeguarding_metrics.Indicator`, or an id looked up in ``registry``.
    dataset
        A dataset (:func:`~safeguarding_metrics.testing.make_dataset`).
    start, end, every
        The range and how to split it, as for ``calculate``.
    params
        The indicator's parameters (``{"per": "child"}``).
    registry
        A :class:`~safeguarding_metrics.Registry`, or ``(name, plugin)`` pairs to build one;
        default: none needed for an Indicator object, the installed plugins for an id.
    cohorts
        As for ``calculate``: ``False`` computes through the indicator's ``count`` form.

    Returns
    -------
    safeguarding_metrics.Results
        The ``period`` window's rows (the indicator's headline window, which ``calculate``
        always adds, is left out when it is another).
    """
    chosen, reg = chosen_indicator(indicator, registry)
    results = calculate(
        dataset,
        start=start,
        end=end,
        every=every,
        indicators=[chosen],
        params={chosen.id: dict(params)} if params else None,
        registry=reg,
        benchmarks=False,
        cohorts=cohorts,
    )
    # the period's own figures only: calculate also adds the headline window (ytd for some)
    period = results.frame["window"] == "period"
    if period.all():
        return results
    return attrs.evolve(results, frame=results.frame.loc[period].reset_index(drop=True))


# -- bounds ------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _where(row: Mapping[str, Any]) -> str:
    where = f"period {row['period_start']}..{row['period_end']}"
    if row.get("window") not in (None, "period"):
        where += f" ({row['window']})"
    if row.get("la") is not None:
        where += f" [la {row['la']}]"
    return where


def assert_result_bounds(results: Results | pd.DataFrame, unit: Unit | str | None = None) -> None:
    """Assert the bounds every computed result must respect (the ``bounds`` property).

    Parameters
    ----------
    results
        What :func:`~safeguarding_metrics.calculate` returned, or its ``frame``.
    unit
        The unit, when ``results`` is a frame without a ``unit`` column.

    Raises
    ------
    AssertionError
        Naming the period and the figure out of bounds.
    """
    frame = results.frame if isinstance(results, Results) else results
    records = frame.to_dict(orient="records")
    for row in records:
        where = _where(row)
        if row.get("status", "ok") != "ok":
            if _UNPOPULATED.match(str(row.get("reason") or "")):
                continue  # a column it declares needed is empty in every record: rightly so
            raise AssertionError(f"{where}: status {row.get('status')!r}: {row.get('reason')}")
        kind = Unit(row.get("unit", unit))
        num, den, value = row["numerator"], row["denominator"], row["value"]
        if _missing(num) or num < 0:
            raise AssertionError(f"{where}: numerator {num} is missing or negative")
        if kind == Unit.COUNT:
            if num != int(num) or _missing(value) or value != num:
                raise AssertionError(f"{where}: a count {value} must equal its numerator {num}")
            continue
        if _missing(den) or den < 0:
            raise AssertionError(f"{where}: denominator {den} is missing or negative")
        # a weighted mean (e.g. caseloads per FTE) may have a fractional denominator
        if kind == Unit.PERCENT and den != int(den):
            raise AssertionError(f"{where}: denominator {den} is not a whole number")
        if kind == Unit.PERCENT:
            if num != int(num):
                raise AssertionError(f"{where}: numerator {num} is not a whole number")
            if num > den:
                raise AssertionError(f"{where}: numerator {num:g} > denominator {den:g}")
        if den == 0:
            if not _missing(value):
                raise AssertionError(f"{where}: value {value} with a denominator of 0")
            continue
        if _missing(value):
            raise AssertionError(f"{where}: no value although the denominator is {den:g}")
        expected = 100.0 * num / den if kind == Unit.PERCENT else num / den
        if not math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-9):
            raise AssertionError(f"{where}: value {value} is not {expected} ({num:g}/{den:g})")
        if kind == Unit.PERCENT and not 0.0 <= value <= 100.0:
            raise AssertionError(f"{where}: value {value} is outside [0, 100]")
        if value < 0:
            raise AssertionError(f"{where}: a mean of {value} is negative")


def _check_cohort(indicator: Indicator, results: Results) -> None:
    cohort = results.cohorts.get(indicator.id)
    if cohort is None:
        return
    counted = cohort["excluded"].isna().to_numpy()
    if indicator.unit.is_mean:
        value = cohort["value"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        silent = counted & np.isnan(value)
        if "weight" in cohort.columns:  # a weighted mean: the weights are the denominator
            weight = pd.to_numeric(cohort["weight"], errors="coerce").to_numpy(dtype="float64")
            silent |= counted & np.isnan(weight)
            if (counted & (weight < 0)).any():
                raise AssertionError("a cohort row of a weighted mean has a negative weight")
        if silent.any():
            raise AssertionError(
                f"{int(silent.sum())} cohort row(s) of a mean have no value (or weight) and no "
                "'excluded' reason: the engine leaves them out of the denominator without "
                "listing them; give them an 'excluded' reason"
            )
        bad = counted & (value < 0)
        if bad.any():
            row = cohort.loc[bad].iloc[0]
            raise AssertionError(
                f"a cohort row of period {row['period_start']:%Y-%m-%d} has value "
                f"{row['value']} < 0"
            )
    else:
        met = cohort["met"].astype("boolean")
        bad = counted & met.isna().to_numpy()
        if bad.any():
            raise AssertionError(
                f"{int(bad.sum())} counted cohort row(s) have no 'met' value (neither true nor "
                "false); the engine would count them as not met: mark them met=False, or give an "
                "'excluded' reason"
            )


# -- comparing results -------------------------------------------------------------------------


def _records(results: Results) -> list[dict[str, Any]]:
    return results.to_records()


#: Result columns that describe the data's findings, not the figures.
_QUALITY_RESULT_COLUMNS = ("quality_findings", "quality_note")


def _figures_only(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Result records without :data:`_QUALITY_RESULT_COLUMNS`."""
    return [{k: v for k, v in r.items() if k not in _QUALITY_RESULT_COLUMNS} for r in records]


def _first_difference(
    first: list[dict[str, Any]], second: list[dict[str, Any]], names: tuple[str, str]
) -> str | None:
    if len(first) != len(second):
        return f"{len(first)} result rows with {names[0]} against {len(second)} with {names[1]}"
    for a, b in zip(first, second, strict=True):
        for key in a:
            if a[key] != b.get(key) and not (_missing(a[key]) and _missing(b.get(key))):
                return (
                    f"{_where(a)}: {key} is {a[key]!r} with {names[0]} "
                    f"but {b.get(key)!r} with {names[1]}"
                )
    return None


def _cohort_rows(indicator: Indicator, results: Results) -> pd.DataFrame | None:
    cohort = results.cohorts.get(indicator.id)
    if cohort is None:
        return None
    columns = ["period_start", "period_end", *COHORT_COLUMNS]
    if "la" in cohort.columns:
        columns.append("la")
    rows = cohort.loc[:, columns].astype(object)
    rows = rows.where(rows.notna(), None)
    key = [c for c in columns if c not in ("excluded",)]
    # missing values sort as empty text (pandas 3 would turn None into NaN in astype(str))
    text = rows.fillna("").astype(str)
    order = np.lexsort([text[c].to_numpy(dtype=str) for c in reversed(key)])
    return rows.iloc[order].reset_index(drop=True)


def _same_breakdown(first: pd.DataFrame, second: pd.DataFrame) -> bool:
    if len(first) != len(second):
        return False
    key = ["level", "group", "period_start", "period_end", "la"]
    a = first.astype(object).fillna("").sort_values(key, key=lambda c: c.astype(str))
    b = second.astype(object).fillna("").sort_values(key, key=lambda c: c.astype(str))
    return bool(
        (a.reset_index(drop=True).astype(str) == b.reset_index(drop=True).astype(str)).all().all()
    )


def _figures(results: Results) -> dict[tuple[Any, ...], dict[str, float]]:
    out = {}
    for row in _records(results):
        key = tuple(row[k] for k in _ROW_KEY)
        out[key] = {f: (0.0 if _missing(row[f]) else float(row[f])) for f in _FIGURES}
    return out


def _unpopulated_keys(results: Results) -> set[tuple[Any, ...]]:
    """The result rows not computable because a ``populated`` column is empty throughout:
    such a figure is not a sum over children (one set may lack the column, the other not)."""
    return {
        tuple(row[k] for k in _ROW_KEY)
        for row in _records(results)
        if row["status"] != "ok" and _UNPOPULATED.match(str(row["reason"] or ""))
    }


# -- the checker -------------------------------------------------------------------------------


def _describe(history: Mapping[str, Sequence[Any]], extra: Iterable[str] = ()) -> str:
    return "\n".join([describe_history(history), *extra])


@attrs.define
class _Checker:
    indicator: Indicator
    registry: Registry
    tables: tuple[str, ...]
    histories: st.SearchStrategy[History]
    params: tuple[Mapping[str, Any], ...]
    every: tuple[str | None, ...]
    start: dt.date
    end: dt.date
    max_examples: int
    shrink_time: float
    examples: dict[str, int] = attrs.field(factory=dict)
    bodies: dict[str, Callable[..., None]] = attrs.field(factory=dict)
    failure: tuple[tuple[Any, ...], dict[str, Any]] | None = None

    def config(self, examples: int | None = None) -> settings:
        return settings(
            max_examples=examples or self.max_examples,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            deadline=None,
            database=None,
            print_blob=False,
            report_multiple_bugs=False,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.filter_too_much,
                HealthCheck.large_base_example,
            ],
        )

    def count(self, prop: str) -> None:
        self.examples[prop] = self.examples.get(prop, 0) + 1

    def guard(self, prop: str) -> Callable[[_F], _F]:
        """Count the examples of a property and remember the arguments of a failure."""

        def decorate(body: _F) -> _F:
            self.bodies[prop] = body

            @functools.wraps(body)
            def run(*args: Any, **kwargs: Any) -> None:
                self.count(prop)
                try:
                    body(*args, **kwargs)
                except _Failed:
                    self.failure = (args, kwargs)
                    raise

            return run  # type: ignore[return-value]

        return decorate

    def reduce(self, prop: str, failure: _Failed) -> _Failed:
        """Remove children, then records, from a failing example while it still fails.

        Hypothesis finds the failure; its own shrinking would regenerate and recompute each
        smaller candidate (minutes for an indicator), so the example is reduced here instead,
        by whole children first, for at most ``shrink_time`` seconds. Every record left is
        needed for the failure (unless time ran out).
        """
        if self.failure is None:
            return failure
        body = self.bodies[prop]
        args, kwargs = self.failure
        deadline = time.monotonic() + self.shrink_time
        improved = True
        while improved and time.monotonic() < deadline:
            improved = False
            history = _first_history((args, kwargs))
            if history is None:
                break
            children = _children(history)
            records = [r for rows in history.values() for r in rows]
            steps: list[Callable[[Any], Any]]
            if prop == "bad_input":
                steps = [functools.partial(_without_spoiling, child=c) for c in children]
                steps += [functools.partial(_without_spoiling, record=r) for r in records]
            else:
                steps = [functools.partial(_without, child=c) for c in children]
                steps += [functools.partial(_without, record=r) for r in records]
            for step in steps:
                if time.monotonic() >= deadline:
                    break
                smaller = step((args, kwargs))
                if smaller is None:
                    continue
                smaller_args, smaller_kwargs = smaller
                try:
                    body(*smaller_args, **smaller_kwargs)
                except _Failed as exc:
                    args, kwargs, failure = smaller_args, smaller_kwargs, exc
                    self.count(prop)
                    improved = True
                    break
                except Exception:  # a candidate the check cannot even run: not a reduction
                    self.count(prop)
                    continue
                self.count(prop)
        return failure

    def build(self, history: Mapping[str, Sequence[Any]], context: str) -> Dataset:
        try:
            return make_dataset(history)
        except Exception as exc:
            raise _Failed(
                f"the dataset could not be built ({type(exc).__name__}: {exc}); this is a bug in "
                "the loader, not in the indicator",
                context,
            ) from None

    def build_frames(self, frames: Mapping[str, pd.DataFrame], context: str) -> Dataset:
        try:
            return Dataset.from_frames(frames, source="safeguarding_metrics.testing")
        except Exception as exc:
            raise _Failed(
                f"the dataset could not be built ({type(exc).__name__}: {exc}); this is a bug in "
                "the loader, not in the indicator",
                context,
            ) from None

    def run(
        self,
        dataset: Dataset,
        span: tuple[dt.date, dt.date],
        every: str | None,
        params: Mapping[str, Any],
        context: str,
        cohorts: bool = True,
    ) -> Results:
        try:
            return run_indicator(
                self.indicator,
                dataset,
                start=span[0],
                end=span[1],
                every=every,
                params=params,
                registry=self.registry,
                cohorts=cohorts,
            )
        except Exception as exc:
            raise _Failed(
                f"calculate() raised {type(exc).__name__}: {exc}",
                context + self.how(span, every, params),
            ) from None

    def same_counts(
        self,
        results: Results,
        dataset: Dataset,
        span: tuple[dt.date, dt.date],
        every: str | None,
        params: Mapping[str, Any],
        context: str,
    ) -> None:
        """The indicator's ``count`` form gives the results and breakdown its cohort gives."""
        counted = self.run(dataset, span, every, params, context, cohorts=False)
        where = context + self.how(span, every, params)
        diff = _first_difference(
            _records(results), _records(counted), ("the cohort", "the count form")
        )
        if diff is None and not _same_breakdown(results.breakdown, counted.breakdown):
            diff = "the breakdown by team and worker differs between the cohort and the count form"
        if diff is not None:
            raise _Failed(diff, where)

    def how(
        self, span: tuple[dt.date, dt.date], every: str | None, params: Mapping[str, Any]
    ) -> str:
        text = f"\n  calculated over {span[0]}..{span[1]}, every {every or 'one period'}"
        return text + (f", params {dict(params)}" if params else "")

    def runs(self) -> Iterable[tuple[str | None, Mapping[str, Any]]]:
        for params in self.params:
            for every in self.every:
                yield every, params

    def execute(self, prop: str, test: Callable[[], None]) -> None:
        self.failure = None
        try:
            test()
        except _Failed as exc:
            smallest = self.reduce(prop, exc)
            raise IndicatorCheckError(
                self.indicator.id, prop, smallest.detail, smallest.counterexample
            ) from None
        except hypothesis_errors.Flaky as exc:
            raise IndicatorCheckError(
                self.indicator.id,
                prop,
                "the failure does not repeat on the same data: the results are not deterministic "
                f"({type(exc).__name__})",
                "(not reproducible)",
            ) from None

    # -- properties ----------------------------------------------------------------------------

    def bounds(self) -> None:
        @self.config()
        @given(history=self.histories, span=period_ranges(self.start, self.end))
        @self.guard("bounds")
        def test(history: History, span: tuple[dt.date, dt.date]) -> None:
            context = _describe(history)
            dataset = self.build(history, context)
            for every, params in self.runs():
                results = self.run(dataset, span, every, params, context)
                try:
                    assert_result_bounds(results)
                    _check_cohort(self.indicator, results)
                except AssertionError as exc:
                    raise _Failed(str(exc), context + self.how(span, every, params)) from None
                if self.indicator.count is not None:
                    self.same_counts(results, dataset, span, every, params, context)

        self.execute("bounds", test)

    def empty(self) -> None:
        @self.config(max(1, min(self.max_examples, 10)))
        @given(span=period_ranges(self.start, self.end))
        @self.guard("empty")
        def test(span: tuple[dt.date, dt.date]) -> None:
            history: History = {t: [] for t in self.tables}
            context = _describe(history)
            dataset = self.build(history, context)
            for every, params in self.runs():
                results = self.run(dataset, span, every, params, context)
                where = context + self.how(span, every, params)
                for row in _records(results):
                    if row["status"] != "ok":
                        raise _Failed(
                            f"{_where(row)}: status {row['status']!r} ({row['reason']})", where
                        )
                    if row["numerator"] != 0:
                        raise _Failed(f"{_where(row)}: numerator {row['numerator']}, not 0", where)
                    if self.indicator.unit == Unit.COUNT:
                        continue
                    if row["denominator"] != 0 or row["value"] is not None:
                        raise _Failed(
                            f"{_where(row)}: denominator {row['denominator']} and value "
                            f"{row['value']}, not 0 and none",
                            where,
                        )

        self.execute("empty", test)

    def missing_tables(self) -> None:
        def required_column(name: str) -> st.SearchStrategy[str]:
            return st.sampled_from(table_spec(name).required)

        columns = st.fixed_dictionaries({t: required_column(t) for t in self.tables})

        @self.config(max(1, min(self.max_examples, 10)))
        @given(history=self.histories, span=period_ranges(self.start, self.end), dropped=columns)
        @self.guard("missing_tables")
        def test(history: History, span: tuple[dt.date, dt.date], dropped: dict[str, str]) -> None:
            for table in [t for t in self.tables if t in self.indicator.tables]:
                rest = {t: rows for t, rows in history.items() if t != table}
                frames = history_frames(history, tables=self.tables)
                without_column = dict(frames)
                without_column[table] = frames[table].drop(columns=[dropped[table]])
                absent = f"table {table!r} absent"
                unusable = f"table {table!r} without its required column {dropped[table]!r}"
                cases = [
                    (absent, rest, self.build(rest, f"  {absent}\n" + _describe(rest))),
                    (
                        unusable,
                        history,
                        self.build_frames(without_column, f"  {unusable}\n" + _describe(history)),
                    ),
                ]
                for case, shown, dataset in cases:
                    context = f"  {case}\n" + _describe(shown)
                    for every, params in self.runs():
                        results = self.run(dataset, span, every, params, context)
                        where = context + self.how(span, every, params)
                        for row in _records(results):
                            if row["status"] != "not_computable":
                                raise _Failed(
                                    f"{case}: {_where(row)} has status {row['status']!r}, not "
                                    "'not_computable'",
                                    where,
                                )
                            if f"'{table}'" not in str(row["reason"]):
                                raise _Failed(
                                    f"{case}: the reason {row['reason']!r} does not name the table",
                                    where,
                                )
                            if any(
                                row[f] is not None for f in ("numerator", "denominator", "value")
                            ):
                                raise _Failed(
                                    f"{case}: {_where(row)} has figures although not computable",
                                    where,
                                )

        self.execute("missing_tables", test)

    def order(self) -> None:
        pairs = self.histories.flatmap(lambda h: st.tuples(st.just(h), shuffled(h)))

        @self.config()
        @given(pair=pairs, span=period_ranges(self.start, self.end))
        @self.guard("order")
        def test(pair: tuple[History, History], span: tuple[dt.date, dt.date]) -> None:
            history, mixed = pair
            context = _describe(history, ["  shuffled to:", describe_history(mixed)])
            first = self.build(history, context)
            second = self.build(mixed, context)
            for every, params in self.runs():
                a = self.run(first, span, every, params, context)
                b = self.run(second, span, every, params, context)
                where = context + self.how(span, every, params)
                diff = _first_difference(
                    _records(a), _records(b), ("the rows as given", "the rows shuffled")
                )
                if diff is not None:
                    raise _Failed(diff, where)
                ca, cb = _cohort_rows(self.indicator, a), _cohort_rows(self.indicator, b)
                if ca is not None and cb is not None and not ca.equals(cb):
                    raise _Failed(
                        "the results agree but the cohort rows (the drill-down list) differ "
                        "when the rows are shuffled",
                        where,
                    )

        self.execute("order", test)

    def additivity(self) -> None:
        parts = self.histories.flatmap(lambda h: st.tuples(st.just(h), split_children(h)))

        @self.config()
        @given(data=parts, span=period_ranges(self.start, self.end))
        @self.guard("additivity")
        def test(
            data: tuple[History, tuple[History, History]], span: tuple[dt.date, dt.date]
        ) -> None:
            history, (left, right) = data
            context = _describe(
                history,
                [
                    "  split into children "
                    + ", ".join(_children(left))
                    + " | "
                    + ", ".join(_children(right))
                ],
            )
            whole = self.build(history, context)
            sides = [
                self.build(side, context) if _children(side) else None for side in (left, right)
            ]
            for every, params in self.runs():
                run_whole = self.run(whole, span, every, params, context)
                runs = [
                    self.run(side, span, every, params, context)
                    for side in sides
                    if side is not None
                ]
                total = _figures(run_whole)
                shares = [_figures(r) for r in runs]
                skip = _unpopulated_keys(run_whole).union(*(_unpopulated_keys(r) for r in runs))
                where = context + self.how(span, every, params)
                for key, figures in total.items():
                    if key in skip:
                        continue
                    for name in _FIGURES:
                        if name == "denominator" and self.indicator.unit == Unit.COUNT:
                            continue
                        summed = sum(share.get(key, {}).get(name, 0.0) for share in shares)
                        if not math.isclose(figures[name], summed, rel_tol=1e-9, abs_tol=1e-9):
                            raise _Failed(
                                f"period {key[2]}..{key[3]}: the {name} of all children is "
                                f"{figures[name]:g}, but the two sets of children give "
                                + " + ".join(f"{s.get(key, {}).get(name, 0.0):g}" for s in shares),
                                where,
                            )

        self.execute("additivity", test)

    def bad_input(self) -> None:
        tables = self.tables
        cases = self.histories.flatmap(lambda h: st.tuples(st.just(h), _fault_plans(h, tables)))

        @self.config()
        @given(case=cases, span=period_ranges(self.start, self.end))
        @self.guard("bad_input")
        def test(case: tuple[History, _FaultPlan | None], span: tuple[dt.date, dt.date]) -> None:
            history, plan = case
            if plan is None:  # no record to spoil in the tables the indicator reads
                return
            names = dict.fromkeys([*history, *self.tables])
            frames = {t: _text_frame(t, history.get(t, [])) for t in names}
            bad, reference = _apply_faults(frames, plan, self.indicator)
            context = _describe(history, [f"  with faults: {plan.describe()}"])
            faulty = self.build_frames(bad, context)
            clean = self.build_frames(reference, context)
            counts = faulty.counts
            wrong = counts.loc[counts["read"] != counts["used"] + counts["set_aside"]]
            if len(wrong):
                row = wrong.iloc[0]
                raise _Failed(
                    f"table {row['table']}: read {row['read']} != used {row['used']} + set aside "
                    f"{row['set_aside']}",
                    context,
                )
            for table, row_number, column, action in plan.expected_findings():
                q = faulty.quality
                found = q.loc[
                    (q["table"] == table)
                    & (q["row"] == row_number)
                    & (q["column"] == column)
                    & (q["action"] == str(action))
                ]
                if found.empty:
                    raise _Failed(
                        f"the data-quality table does not list row {row_number} of {table} "
                        f"(column {column!r}, {action})",
                        context,
                    )
            for every, params in self.runs():
                a = self.run(faulty, span, every, params, context)
                b = self.run(clean, span, every, params, context)
                where = context + self.how(span, every, params)
                for row, reference in zip(_records(a), _records(b), strict=False):
                    # not computable only when a populated column is empty in both
                    unpopulated = _UNPOPULATED.match(str(row["reason"] or "")) is not None
                    if row["status"] != "ok" and not (
                        unpopulated and reference["status"] == row["status"]
                    ):
                        raise _Failed(
                            f"{_where(row)}: status {row['status']!r} ({row['reason']})", where
                        )
                # the figures are those of the data without the faulty values; only the
                # data-quality columns say that the data had them
                diff = _first_difference(
                    _figures_only(_records(a)),
                    _figures_only(_records(b)),
                    ("the faulty records", "them set aside or left out by hand"),
                )
                if diff is not None:
                    raise _Failed(diff, where)

        self.execute("bad_input", test)

    def partition(self) -> None:
        @self.config()
        @given(history=self.histories, span=period_ranges(self.start, self.end))
        @self.guard("partition")
        def test(history: History, span: tuple[dt.date, dt.date]) -> None:
            context = _describe(history)
            dataset = self.build(history, context)
            for params in self.params:
                whole = _records(self.run(dataset, span, None, params, context))[0]
                months = _records(self.run(dataset, span, "month", params, context))
                for name in ("numerator", "denominator"):
                    summed = sum(0.0 if _missing(r[name]) else r[name] for r in months)
                    if not math.isclose(whole[name] or 0.0, summed, abs_tol=1e-9):
                        raise _Failed(
                            f"the {name} over {span[0]}..{span[1]} is {whole[name]:g}, but the "
                            f"months add up to {summed:g}",
                            context + self.how(span, "month", params),
                        )

        self.execute("partition", test)


def _is_history(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and isinstance(v, list) for k, v in value.items())
    )


def _first_history(value: Any) -> History | None:
    if _is_history(value):
        return value
    if isinstance(value, (tuple, list)):
        for item in value:
            found = _first_history(item)
            if found is not None:
                return found
    if isinstance(value, dict) and not _is_history(value):
        for item in value.values():
            found = _first_history(item)
            if found is not None:
                return found
    return None


def _without(value: Any, *, child: str | None = None, record: Any = None) -> Any:
    """``value`` (arguments holding histories) without a child's records, or one record."""
    if _is_history(value):
        return {
            name: [
                r
                for r in rows
                if not (child is not None and getattr(r, "child_id", None) == child)
                and not (record is not None and r == record)
            ]
            for name, rows in value.items()
        }
    if isinstance(value, tuple):
        return tuple(_without(v, child=child, record=record) for v in value)
    if isinstance(value, dict):
        return {k: _without(v, child=child, record=record) for k, v in value.items()}
    return value


def _without_spoiling(
    call: tuple[tuple[Any, ...], dict[str, Any]], *, child: str | None = None, record: Any = None
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """The ``bad_input`` arguments without some records, the fault plan's row numbers moved
    up accordingly; None when a record to remove is one the plan spoils."""
    args, kwargs = call
    history, plan = kwargs["case"]
    drop = {
        (name, k)
        for name, rows in history.items()
        for k, r in enumerate(rows)
        if (child is not None and getattr(r, "child_id", None) == child)
        or (record is not None and r == record)
    }
    if not drop or drop & plan.rows():
        return None
    smaller = {
        name: [r for k, r in enumerate(rows) if (name, k) not in drop]
        for name, rows in history.items()
    }
    return args, {**kwargs, "case": (smaller, plan.renumbered(drop))}


def _children(history: Mapping[str, Sequence[Any]]) -> list[str]:
    found = {getattr(r, "child_id", None) for rows in history.values() for r in rows}
    return sorted(c for c in found if c is not None)


# -- bad input ---------------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _text_frame(table: str, rows: Sequence[Any]) -> pd.DataFrame:
    """The rows as a CSV file would give them: text, empty for missing."""
    spec = table_spec(table)
    return pd.DataFrame(
        [[_as_text(getattr(r, c)) for c in spec.column_names] for r in rows],
        columns=list(spec.column_names),
        dtype=object,
    )


_GARBAGE = {
    # dd/mm/yyyy is read since issue 15: a day that does not exist in that form instead
    "date": ("2015-02-30", "31/13/2015", "soon"),
    "datetime": ("2015-13-01T10:00", "yesterday"),
    "bool": ("perhaps", "2"),
    "int": ("1.5", "two"),
    "float": ("n/a", "1,5"),
}


@attrs.frozen
class _FaultPlan:
    required: tuple[str, int, str, str]  # table, row index, column, blank value
    optional: tuple[str, int, str, str, str] | None  # table, row index, column, value, kind
    code: tuple[str, int, str] | None  # table, row index, column

    def rows(self) -> set[tuple[str, int]]:
        """The (table, row index) of every record spoiled."""
        found = {self.required[:2]}
        if self.optional is not None:
            found.add(self.optional[:2])
        if self.code is not None:
            found.add(self.code[:2])
        return found

    def renumbered(self, dropped: set[tuple[str, int]]) -> _FaultPlan:
        """The same plan once the rows ``dropped`` (none of them spoiled) are removed."""

        def moved(table: str, k: int) -> int:
            return k - sum(1 for t, j in dropped if t == table and j < k)

        table, i, column, blank = self.required
        optional = self.optional
        if optional is not None:
            optional = (optional[0], moved(optional[0], optional[1]), *optional[2:])
        code = self.code
        if code is not None:
            code = (code[0], moved(code[0], code[1]), code[2])
        return _FaultPlan(
            required=(table, moved(table, i), column, blank), optional=optional, code=code
        )

    def describe(self) -> str:
        table, i, column, blank = self.required
        parts = [f"{table} row {i + 1} {column}={blank!r}"]
        if self.optional is not None:
            t, j, c, value, kind = self.optional
            parts.append(f"{t} row {j + 1} {c}={value!r} ({kind})")
        if self.code is not None:
            t, k, c = self.code
            parts.append(f"{t} row {k + 1} {c}='ZZ9' (unknown code)")
        return "; ".join(parts)

    def expected_findings(self) -> list[tuple[str, int, str, Action]]:
        table, i, column, _ = self.required
        found = [(table, i + 1, column, Action.SET_ASIDE)]
        if self.optional is not None:
            t, j, c, _, _ = self.optional
            found.append((t, j + 1, c, Action.FIELD_LEFT_OUT))
        if self.code is not None:
            t, k, c = self.code
            found.append((t, k + 1, c, Action.KEPT))
        return found


@st.composite
def _fault_plans(draw: st.DrawFn, history: History, tables: Sequence[str]) -> _FaultPlan | None:
    """Which records to spoil, and how; None when the tables read have no record."""
    tables = [t for t in tables if history.get(t)]
    if not tables:
        return None
    table = draw(st.sampled_from(tables))
    i = draw(st.integers(0, len(history[table]) - 1))
    spec = table_spec(table)
    column = draw(st.sampled_from(spec.required))
    blank = draw(st.sampled_from(["", "   "]))
    used = {(table, i)}

    def free_rows(name: str) -> list[int]:
        return [k for k in range(len(history[name])) if (name, k) not in used]

    optional = None
    candidates = []
    for name in tables:
        spec_of = table_spec(name)
        ends = {end for _, end in spec_of.intervals}
        for col in spec_of.columns:
            if col.required or col.name == "la" or col.kind not in _GARBAGE:
                continue
            if free_rows(name):
                candidates.append((name, col.name, col.kind, col.name in ends))
    if candidates:
        name, column_name, kind, is_end = draw(st.sampled_from(candidates))
        j = draw(st.sampled_from(free_rows(name)))
        choices = [*_GARBAGE[kind]]
        starts = [a for a, b in table_spec(name).intervals if b == column_name]
        record = history[name][j]
        if is_end and starts and getattr(record, starts[0]) is not None:
            before = getattr(record, starts[0]) - dt.timedelta(days=1)
            choices.append(_as_text(before))
        value = draw(st.sampled_from(choices))
        label = "negative interval" if value not in _GARBAGE[kind] else "unparseable"
        optional = (name, j, column_name, value, label)
        used.add((name, j))

    code = None
    coded = [
        (name, col.name)
        for name in tables
        for col in table_spec(name).columns
        if col.codes is not None and free_rows(name)
    ]
    wants_code: bool = bool(coded) and draw(st.booleans())
    if wants_code:
        code_table, code_column = draw(st.sampled_from(coded))
        k = draw(st.sampled_from(free_rows(code_table)))
        code = (code_table, k, code_column)
    return _FaultPlan(required=(table, i, column, blank), optional=optional, code=code)


def _apply_faults(
    frames: Mapping[str, pd.DataFrame], plan: _FaultPlan, indicator: Indicator
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """The faulty frames, and the frames the indicator should compute the same from."""
    bad = {t: f.copy() for t, f in frames.items()}
    drop: dict[str, set[int]] = {}
    table, i, column, blank = plan.required
    bad[table].iloc[i, bad[table].columns.get_loc(column)] = blank
    drop.setdefault(table, set()).add(i)
    if plan.optional is not None:
        t, j, c, value, _ = plan.optional
        bad[t].iloc[j, bad[t].columns.get_loc(c)] = value
        if c in indicator.tables.get(t, ()):
            drop.setdefault(t, set()).add(j)
    if plan.code is not None:
        t, k, c = plan.code
        bad[t].iloc[k, bad[t].columns.get_loc(c)] = "ZZ9"
    reference = {}
    for t, f in frames.items():
        ref = f.copy()
        if plan.code is not None and plan.code[0] == t:
            ref.iloc[plan.code[1], ref.columns.get_loc(plan.code[2])] = "ZZ9"
        keep = [k for k in range(len(ref)) if k not in drop.get(t, set())]
        reference[t] = ref.iloc[keep].reset_index(drop=True)
    return bad, reference


# -- the public entry point ----------------------------------------------------------------------


def _param_sets(
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> tuple[Mapping[str, Any], ...]:
    if params is None:
        return (MappingProxyType({}),)
    if isinstance(params, Mapping):
        return (params,)
    sets = tuple(params)
    if not sets:
        raise ValueError("params: give at least one set of parameters (or None for the defaults)")
    return sets


def check_declaration(indicator: Indicator) -> None:
    """Check what an indicator declares, without computing it (cheap; ``check_indicator``
    runs it first).

    Every table it reads (``tables``, ``optional_tables``) is a canonical table and every
    column a column of it; every column it needs populated (``populated``) is one it reads;
    its ``lookback`` reads. Raises :class:`IndicatorCheckError` (property ``declaration``).
    """

    def fail(detail: str) -> None:
        raise IndicatorCheckError(indicator.id, "declaration", detail, "  (none: no data)")

    for field, declared in (
        ("tables", indicator.tables),
        ("optional_tables", indicator.optional_tables),
        ("populated", indicator.populated),
    ):
        for table, columns in declared.items():
            try:
                spec = table_spec(table)
            except KeyError as exc:
                fail(f"{field} names {exc.args[0]}")
                return
            unknown = [c for c in columns if c not in spec.column_names]
            if unknown:
                fail(
                    f"{field} names {table}.{unknown[0]}, not a column of the canonical table "
                    f"(its columns: {', '.join(spec.column_names)})"
                )
    read = {**indicator.optional_tables, **indicator.tables}
    for table, columns in indicator.populated.items():
        if table not in read or any(c not in read[table] for c in columns):
            fail(f"populated names {table}.{columns}, which it does not read")
    try:
        indicator.read_from(np.array(["2015-04-01"], dtype="datetime64[D]"))
    except (AssertionError, ValueError) as exc:
        fail(f"lookback {indicator.lookback!r} does not read: {exc}")


def _linked(rule: Deadline | Recency, indicator: Indicator, params: Mapping[str, Any]) -> bool:
    link = rule.linked_start if isinstance(rule, Deadline) else None
    return link is not None and link.active(indicator.resolve_params(params))


def _has_boundary(rule: Deadline | Recency) -> bool:
    return not (isinstance(rule, Deadline) and rule.counted == "open")


def check_indicator(
    indicator: Indicator | str,
    *,
    registry: Registry | Iterable[tuple[str, object]] | None = None,
    dataset_strategy: st.SearchStrategy[History] | None = None,
    max_examples: int = 50,
    properties: Sequence[str] = PROPERTIES,
    periods_every: Sequence[str | None] = ("month", None),
    params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    start: dt.date = DEFAULT_START,
    end: dt.date = DEFAULT_END,
    shrink_time: float = 10.0,
    boundaries: Sequence[Boundary | None] | None = None,
) -> CheckReport:
    """Check the properties every indicator must have, on generated case histories.

    Each property is a hypothesis test (derandomised, no deadline, no example database, so a
    run in CI is reproducible) that computes the indicator through
    :func:`safeguarding_metrics.calculate`, as a report does. The module docstring
    (:mod:`safeguarding_metrics.testing.check`) defines the properties.

    Parameters
    ----------
    indicator
        The :class:`~safeguarding_metrics.Indicator` object (computed as it is, with no
        installed plugin loaded), or its id, looked up in ``registry``.
    registry
        A :class:`~safeguarding_metrics.Registry`, or ``(plugin_name, plugin)`` pairs to build
        one with :func:`~safeguarding_metrics.build_registry`; for an id, default the installed
        plugins.
    dataset_strategy
        A strategy of case histories (dict of table name to record objects), default
        ``case_histories(tables=indicator, max_children=10, start=start, end=end)``. Give your
        own to steer the data, e.g. towards a rare table.
    max_examples
        Examples per property (``empty`` and ``missing_tables`` take at most 10).
    properties
        Which properties to check: any of :data:`PROPERTIES` and :data:`OPTIONAL_PROPERTIES`.
        Leave out what the indicator does not promise (``additivity`` for a measure that is not
        a sum over children).
    periods_every
        How the range is split for each check: ``"month"``, ``"quarter"``, ``"year"`` or
        ``None`` (one period). Each is checked.
    params
        The indicator's parameters: one mapping, or a list of mappings to check each (default:
        its defaults only).
    start, end
        The span of the generated histories; ranges to calculate over are drawn inside it.
    shrink_time
        At most this long is spent reducing a failing example [s]: children, then single
        records, are removed while it still fails, and the smallest failing example found is
        reported. (Hypothesis's own shrinking is off: it regenerates and recomputes every
        candidate, which takes minutes for an indicator.)
    boundaries
        The timescales a hand-written definition applies
        (:class:`~safeguarding_metrics.testing.Boundary`): each is checked with every
        parameter set (property ``boundary``), and the generated histories draw around their
        limits. Default: a declared indicator's own boundary, none for a hand-written one.
        The ``boundary`` property runs by default when there is a boundary, or when named in
        ``properties``.

    Returns
    -------
    CheckReport
        Which properties ran and how many examples each tried.

    Raises
    ------
    IndicatorCheckError
        (an ``AssertionError``) naming the indicator, the property, what went wrong and the
        minimal synthetic case history found.
    ValueError
        For an unknown property name or an empty list of parameters.

    Notes
    -----
    Do not call it from inside a ``@given`` test: it runs its own hypothesis tests. Each
    example computes the indicator a few times, so 50 examples per property take a few
    seconds per indicator; lower ``max_examples`` for a quick run.

    Examples
    --------
    In a plugin's tests::

        from safeguarding_metrics.testing import check_indicator
        from safeguarding_metrics_doncaster import EARLY_HELP_REVIEWS

        def test_early_help_reviews_properties():
            check_indicator(EARLY_HELP_REVIEWS)

    An indicator that is a mean over workers is not additive over children, and a parameter
    changes its definition, so both settings are checked::

        check_indicator(
            "doncaster.caseload_median",
            registry=[("doncaster", safeguarding_metrics_doncaster)],
            properties=("bounds", "empty", "missing_tables", "order", "bad_input"),
            params=[{}, {"per_fte": True}],
        )
    """
    known = PROPERTIES + OPTIONAL_PROPERTIES + ("boundary",)
    unknown = [p for p in properties if p not in known]
    if unknown:
        raise ValueError(f"unknown properties {unknown}; the properties are {', '.join(known)}")
    chosen, reg = chosen_indicator(indicator, registry)
    check_declaration(chosen)
    tables = history_tables(chosen)
    rule = declaration_of(chosen)
    if boundaries is None:
        boundaries = () if rule is None or not _has_boundary(rule) else (None,)
    run_boundary = bool(boundaries) and (properties is PROPERTIES or "boundary" in properties)
    limits = [b.limit for b in boundaries if b is not None]
    limits += [*(b.new_case for b in boundaries if b is not None and b.new_case is not None)]
    if rule is not None:
        limits += list(rule.limits)
    histories = dataset_strategy
    if histories is None:
        histories = case_histories(
            tables=tables, max_children=10, start=start, end=end, limits=limits
        )
    param_sets = _param_sets(params)
    for p in param_sets:
        chosen.resolve_params(p)  # a clear ParameterError before any example runs
    checker = _Checker(
        indicator=chosen,
        registry=reg,
        tables=tables,
        histories=histories,
        params=param_sets,
        every=tuple(periods_every),
        start=start,
        end=end,
        max_examples=max_examples,
        shrink_time=shrink_time,
    )
    ran: list[str] = []
    skipped: dict[str, str] = {}
    for prop in known:
        if prop not in properties or prop == "boundary":  # boundary: below, after the others
            continue
        if prop == "partition" and chosen.kind != Kind.FLOW:
            skipped[prop] = "a snapshot indicator is not a sum over months"
            continue
        if prop in ("empty", "missing_tables") and not tables:
            skipped[prop] = "the indicator reads no table"
            continue
        getattr(checker, prop)()
        ran.append(prop)
    if run_boundary:
        for boundary in boundaries:
            for p in param_sets:
                if boundary is None and rule is not None and _linked(rule, chosen, p):
                    continue  # the clock starts at a linked record: no boundary of its own
                report = check_boundary(chosen, boundary, params=p, registry=reg)
                checker.examples["boundary"] = checker.examples.get("boundary", 0) + report.cases
        ran.append("boundary")
    elif "boundary" in properties:
        skipped["boundary"] = "no boundary declared or given (boundaries=...)"
    return CheckReport(
        indicator=chosen.id,
        properties=tuple(ran),
        examples=MappingProxyType(dict(checker.examples)),
        skipped=MappingProxyType(skipped),
        params=param_sets,
        periods_every=tuple(periods_every),
    )
