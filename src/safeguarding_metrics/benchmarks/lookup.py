"""Benchmarks of one council: England, its region, its statistical neighbours and its quartile.

Every figure comes from the DfE's published tables, packaged by
``scripts/derive_benchmarks.py``; see ``docs/benchmarks.md`` for the sources and the rules.
"""

from __future__ import annotations

import difflib
import functools
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import SupportsFloat

import attrs
import pandas as pd

from safeguarding_metrics.benchmarks import _data
from safeguarding_metrics.benchmarks.authorities import (
    NEIGHBOUR_MODELS,
    LocalAuthority,
    _check_model,
    _str_tuple,
    default_model,
    neighbour_codes,
    resolve_la,
)
from safeguarding_metrics.benchmarks.comparator import Comparator
from safeguarding_metrics.benchmarks.years import parse_year

__all__ = [
    "NEIGHBOUR_METHODS",
    "POLARITIES",
    "Benchmark",
    "Measure",
    "benchmark",
    "benchmark_table",
    "comparator_measure",
    "get_measure",
    "measure_keys",
    "measures",
    "parse_year",
    "quartile_band",
    "year_data",
]

NEIGHBOUR_METHODS: tuple[str, ...] = ("mean", "median")
"""How the neighbours' values are averaged: LAIT uses the mean, the DfE dashboard the median."""

POLARITIES: tuple[str, ...] = ("higher", "lower", "neutral")
"""Which way is better: ``"higher"`` or ``"lower"`` values; ``"neutral"`` (context measures,
whose LAIT polarity is ``-``) has no quartile."""

SOURCES: tuple[str, ...] = ("tables", "lait", "plugin")
"""Where a measure's figures come from: the DfE tables (``values.csv``), the LAIT
(``lait_values.csv.gz``), or a plugin's :class:`~.Comparator`."""


def _optional_float(x: SupportsFloat | None) -> float | None:
    """``None`` for missing (``None`` or NaN), else a Python float."""
    if x is None:
        return None
    number = float(x)
    return None if math.isnan(number) else number


def _int_tuple(items: Iterable[int]) -> tuple[int, ...]:
    return tuple(items)


def _float_tuple(items: Iterable[float]) -> tuple[float, ...]:
    return tuple(items)


def _split(text: str, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(sep)) if text else ()


@attrs.frozen(kw_only=True)
class Measure:
    """A published DfE measure shipped as a benchmark.

    Attributes
    ----------
    key : str
        Identifier, e.g. ``"rereferrals_12m"``.
    title : str
        What is measured, in words.
    unit : str
        ``"%"`` or ``"cases per FTE"``.
    polarity : str
        ``"higher"`` or ``"lower"``: which values are better (sets the quartile order).
    source_file : str
        The DfE CSV the values come from.
    notes : str
        Caveats: derivation, rounding, years, joint rows.
    dfe_ref : str
        The DfE table reference (``"C1"``, ``"C4"``, ``"D3"``, ``"D5"``), else ``""``.
    source_column : str
        The published column (or, for a derived measure, the computation).
    filters : tuple of str
        For long tables, the ``column = label`` conditions selecting the rows.
    definition : str
        Numerator and denominator.
    publication : str
        The DfE statistical release.
    period_end : str
        ``MM-DD`` ending the year a ``time_period`` names: ``"03-31"`` (collection year),
        ``"09-30"`` (workforce census at 30 September).
    years : tuple of int
        The years (``time_period``) packaged.
    decimals : int or None
        The decimal places the figures are published to (LAIT's dictionary; else the most
        the published figures carry); ``None`` for the DfE tables' measures.
    quartiles : bool
        Whether a quartile applies (the LAIT marks some measures ``No_Quartile``; neutral
        measures have none).
    source : str
        One of :data:`SOURCES`.
    topic : str
        The LAIT topic (``"Child Protection"``), else ``""``.
    """

    key: str
    title: str
    unit: str
    polarity: str = attrs.field(validator=attrs.validators.in_(POLARITIES))
    source_file: str
    notes: str = ""
    dfe_ref: str = ""
    source_column: str = ""
    filters: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    definition: str = ""
    publication: str = ""
    period_end: str = "03-31"
    years: tuple[int, ...] = attrs.field(default=(), converter=_int_tuple)
    decimals: int | None = None
    quartiles: bool = True
    source: str = attrs.field(default="tables", validator=attrs.validators.in_(SOURCES))
    topic: str = ""


def _lait_measures() -> tuple[Measure, ...]:
    years = _data.lait_years()
    return tuple(
        Measure(
            key=row.key,
            title=row.title,
            unit=row.unit,
            polarity=row.polarity,
            source_file="lait_benchmarks_long.parquet",
            notes=f"LAIT {row.year_type.lower()}; source table {row.source_table}.",
            dfe_ref="LAIT",
            source_column=row.data_item,
            definition=row.description,
            publication="DfE, Local Authority Interactive Tool (LAIT)",
            period_end=row.period_end,
            years=years.get(row.key, ()),
            decimals=int(row.decimals),
            quartiles=row.quartiles == "true",
            source="lait",
            topic=row.topic,
        )
        for row in _data.lait_measure_table().itertuples(index=False)
    )


@functools.cache
def measures(source: str | None = None) -> tuple[Measure, ...]:
    """Every packaged measure: the DfE tables' (children in need, looked after, workforce),
    then the LAIT's (by short name).

    Parameters
    ----------
    source : {"tables", "lait"} or None
        Only the measures of that source; both when omitted.

    Returns
    -------
    tuple of Measure
    """
    if source == "lait":
        return _lait_measures()
    if source is None:
        return measures("tables") + measures("lait")
    if source != "tables":
        raise ValueError(f"Unknown source {source!r}: choose 'tables' or 'lait'.")
    years = _data.measure_years()
    return tuple(
        Measure(
            key=row.key,
            title=row.title,
            unit=row.unit,
            polarity=row.polarity,
            source_file=row.source_file,
            notes=row.notes,
            dfe_ref=row.dfe_ref,
            source_column=row.source_column,
            filters=_split(row.filters, ";"),
            definition=row.definition,
            publication=row.publication,
            period_end=row.period_end,
            years=years.get(row.key, ()),
        )
        for row in _data.measure_table().itertuples(index=False)
    )


@functools.cache
def _by_key() -> dict[str, Measure]:
    return {m.key: m for m in measures()}


def measure_keys() -> frozenset[str]:
    """The keys of every packaged measure (the DfE tables' and the LAIT's)."""
    return frozenset(_by_key())


def get_measure(key: str | Measure) -> Measure:
    """The measure with this key.

    Parameters
    ----------
    key : str or Measure
        E.g. ``"rereferrals_12m"`` or a LAIT short name (``"Continue_Assess_Comp"``); a
        :class:`Measure` is returned as it is.

    Returns
    -------
    Measure

    Raises
    ------
    LookupError
        Unknown key; the message lists the closest keys, or all of them.
    """
    if isinstance(key, Measure):
        return key
    by_key = _by_key()
    text = str(key).strip()
    if text in by_key:
        return by_key[text]
    close = difflib.get_close_matches(text, list(by_key), n=4, cutoff=0.5)
    close += [k for k in by_key if text and text in k and k not in close]
    listed = ", ".join(close or by_key)
    label = "Closest" if close else "Known measures"
    raise LookupError(f"Unknown benchmark measure {text!r}. {label}: {listed}.")


def quartile_band(value: float | None, values: Iterable[float | None], polarity: str) -> str | None:
    """The quartile band of ``value`` among ``values``: ``"A"`` best to ``"D"`` worst.

    Parameters
    ----------
    value : float or None
        The council's value.
    values : iterable of float or None
        Every council's value that year (the council's own included); missing ones are
        ignored.
    polarity : str
        ``"higher"`` (higher is better) or ``"lower"``.

    Returns
    -------
    str or None
        ``None`` when ``value`` is missing or no council has a value.

    Notes
    -----
    With ``n`` councils having a value and ``b`` of them strictly better than ``value``,
    the rank is ``b + 1`` and the band is A when ``b / n < 1/4``, B when ``< 1/2``, C when
    ``< 3/4``, else D (integer arithmetic: ``"ABCD"[4 * b // n]``). Tied councils share the
    best rank of their group, so a tie straddling a boundary goes to the better band. With
    152 councils the bands hold ranks 1-38, 39-76, 77-114 and 115-152.

    Examples
    --------
    >>> quartile_band(10.0, [10.0, 20.0, 30.0, 40.0], "lower")
    'A'
    >>> quartile_band(10.0, [10.0, 20.0, 30.0, 40.0], "higher")
    'D'
    """
    if polarity not in POLARITIES:
        raise ValueError(f"Unknown polarity {polarity!r}: choose 'higher' or 'lower'.")
    if polarity == "neutral":
        return None
    mine = _optional_float(value)
    known = [v for v in map(_optional_float, values) if v is not None]
    if mine is None or not known:
        return None
    better = sum(v > mine for v in known) if polarity == "higher" else sum(v < mine for v in known)
    return "ABCD"[min(3, 4 * better // len(known))]


@attrs.frozen(kw_only=True)
class Benchmark:
    """One measure for one council and year, beside England, its region and its neighbours.

    Attributes
    ----------
    measure : str
        The measure key.
    year : int
        DfE ``time_period``.
    la : LocalAuthority
        The council.
    la_value, england, region : float or None
        The council's, England's and the council's region's published values; ``None``
        when not published (suppressed, not applicable, or the council did not exist).
    neighbours : float or None
        Mean or median of the neighbours' values that are not missing.
    neighbours_n : int
        How many neighbours had a value.
    neighbour_method : str
        ``"mean"`` or ``"median"``.
    neighbour_model : str
        ``"2021"`` or ``"2025"``: the model used.
    quartile : str or None
        ``"A"`` (best) to ``"D"`` (worst): the *published* quartile, the council's own
        published value among all councils with a value that year, by the measure's polarity
        (see :func:`quartile_band`); ``None`` for a measure without quartiles.
    councils_n : int
        How many councils had a value that year (the quartile's population).
    neighbour_codes : tuple of str
        Old codes of the model's neighbours, closest first (with or without a value).
    notes : tuple of str
        Why something is missing or how it was found: joint figures, reorganised councils,
        a fallback neighbour model.
    """

    measure: str
    year: int
    la: LocalAuthority
    la_value: float | None = attrs.field(converter=_optional_float)
    england: float | None = attrs.field(converter=_optional_float)
    region: float | None = attrs.field(converter=_optional_float)
    neighbours: float | None = attrs.field(converter=_optional_float)
    neighbours_n: int
    neighbour_method: str = attrs.field(validator=attrs.validators.in_(NEIGHBOUR_METHODS))
    neighbour_model: str = attrs.field(validator=attrs.validators.in_(NEIGHBOUR_MODELS))
    quartile: str | None = attrs.field(
        validator=attrs.validators.optional(attrs.validators.in_(("A", "B", "C", "D")))
    )
    councils_n: int = 0
    neighbour_codes: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    councils: tuple[float, ...] = attrs.field(
        default=(), converter=_float_tuple, repr=False, eq=False
    )
    """Every council's published value that year (the quartiles' population), for ranking
    another figure among them."""


def _council_value(
    councils: dict[str, float | None], old_code: str
) -> tuple[float | None, str | None]:
    """A council's value, or the joint value published for it and a partner; the joint key."""
    if old_code in councils:
        return councils[old_code], None
    for key, value in councils.items():
        if "/" in key and old_code in _split(key, "/"):
            return value, key
    return None, None


def _reference_day(measure: Measure, year: int) -> str:
    return f"{year}-{measure.period_end}"


def _names(codes: Sequence[str]) -> str:
    return ", ".join(str(resolve_la(code)) for code in codes)


def _choose_model(
    la: LocalAuthority, year: int, model: str | None
) -> tuple[str, tuple[str, ...], list[str]]:
    notes: list[str] = []
    if model is not None:
        chosen = _check_model(model)
        codes = neighbour_codes(la, chosen)
        if not codes:
            notes.append(f"{la.name} has no entry in the {chosen} neighbour model.")
        return chosen, codes, notes
    chosen = default_model(year)
    codes = neighbour_codes(la, chosen)
    if not codes:
        for other in NEIGHBOUR_MODELS:
            if other != chosen and neighbour_codes(la, other):
                notes.append(
                    f"{la.name} has no entry in the {chosen} neighbour model; "
                    f"the {other} model is used."
                )
                return other, neighbour_codes(la, other), notes
        notes.append(f"{la.name} has no entry in any neighbour model.")
    return chosen, codes, notes


def _existence_note(la: LocalAuthority, measure: Measure, year: int) -> str | None:
    day = _reference_day(measure, year)
    if la.exists_on(day):
        return None
    if la.abolished and day >= la.abolished:
        return (
            f"{la.name} ({la.old_code}) was abolished on {la.abolished}; "
            f"see its successors: {_names(la.successors)}."
        )
    return (
        f"{la.name} ({la.old_code}) was created on {la.created}; "
        f"its predecessors: {_names(la.predecessors)}."
    )


def comparator_measure(comparator: Comparator) -> Measure:
    """A plugin's comparator as a :class:`Measure` (its values stay with the comparator)."""
    return Measure(
        key=comparator.key,
        title=comparator.label,
        unit=comparator.unit,
        polarity=comparator.polarity,
        source_file=comparator.source,
        definition=comparator.definition,
        publication=comparator.source,
        period_end=comparator.period_end,
        years=comparator.years,
        decimals=comparator.decimals,
        quartiles=comparator.polarity != "neutral",
        source="plugin",
    )


def _resolve(
    measure: str | Measure | Comparator, comparators: Mapping[str, Comparator] | None
) -> tuple[Measure, Comparator | None]:
    if isinstance(measure, Comparator):
        return comparator_measure(measure), measure
    key = measure.key if isinstance(measure, Measure) else str(measure).strip()
    if comparators and key in comparators:
        return comparator_measure(comparators[key]), comparators[key]
    return get_measure(measure), None


def year_data(
    measure: Measure, year: int, comparator: Comparator | None = None
) -> _data.MeasureYear | None:
    """The published values of a measure in a year, from its source; None when not packaged."""
    if comparator is not None:
        return comparator.year(year)
    if measure.source == "lait":
        return _data.lait_year(measure.key, year)
    return _data.value_index().get((measure.key, year))


def benchmark(
    measure: str | Measure | Comparator,
    la: str | LocalAuthority,
    year: int | str,
    *,
    neighbours: str = "mean",
    model: str | None = None,
    comparators: Mapping[str, Comparator] | None = None,
) -> Benchmark:
    """England, region, statistical neighbours and quartile for one council, measure and year.

    Parameters
    ----------
    measure : str, Measure or Comparator
        Measure key (see :func:`measures`), or a plugin's comparator (or its key, with
        ``comparators``).
    la : str or LocalAuthority
        Old code, new code or name (see :func:`~.resolve_la`).
    year : int or str
        DfE ``time_period`` (``2015``) or financial year (``"2014-15"``), see
        :func:`parse_year`. For ``sw_caseload`` it is the year of the 30 September census.
    neighbours : {"mean", "median"}
        How the neighbours' values are averaged (LAIT: mean; DfE dashboard: median).
    model : {"2021", "2025"} or None
        Statistical neighbour model; ``None`` chooses by year (see :func:`~.default_model`),
        falling back to the other model when the council has no entry in that one.
    comparators : mapping, optional
        Plugins' comparators by key (``Registry.comparators``), looked up before the
        packaged measures.

    Returns
    -------
    Benchmark
        Values not published for that council or year are ``None``, with a note why.

    Raises
    ------
    LookupError
        Unknown measure or council.
    ValueError
        Unreadable year, unknown neighbour method or model.

    Notes
    -----
    A neighbour without a value that year (suppressed, or not yet created) is left out of the
    average, and ``neighbours_n`` says how many remained; nothing is substituted for it. Where
    the DfE publishes one joint figure for two councils (the workforce figures of Kingston upon
    Thames with Richmond upon Thames, and of North with West Northamptonshire), each council
    (and each neighbour) takes the joint figure; the quartile counts the joint row once.

    Examples
    --------
    >>> b = benchmark("rereferrals_12m", "Rotherham", "2014-15")
    >>> b.la_value, b.england, round(b.neighbours, 2), b.neighbours_n
    (21.8, 24.2, 23.65, 10)
    """
    m, comparator = _resolve(measure, comparators)
    authority = resolve_la(la)
    y = parse_year(year)
    if neighbours not in NEIGHBOUR_METHODS:
        raise ValueError(f"Unknown neighbour average {neighbours!r}: choose 'mean' or 'median'.")
    chosen, codes, notes = _choose_model(authority, y, model)
    data = year_data(m, y, comparator)
    if data is None:
        span = f"{m.years[0]} to {m.years[-1]}" if m.years else "no year"
        notes.insert(0, f"Not published for {y} (packaged: {span}).")
        return Benchmark(
            measure=m.key,
            year=y,
            la=authority,
            la_value=None,
            england=None,
            region=None,
            neighbours=None,
            neighbours_n=0,
            neighbour_method=neighbours,
            neighbour_model=chosen,
            quartile=None,
            councils_n=0,
            neighbour_codes=codes,
            notes=notes,
        )
    la_value, joint = _council_value(data.councils, authority.old_code)
    if joint:
        notes.insert(0, f"The value is the joint figure the DfE publishes for {joint}.")
    existence = _existence_note(authority, m, y)
    if existence and la_value is None:
        notes.insert(0, existence)
    elif la_value is None:
        code = data.codes.get(joint or authority.old_code)
        published = f"code {code}" if code else "no row"
        notes.insert(0, f"No value published for {authority.name} ({published}).")
    values = [v for code in codes if (v := _council_value(data.councils, code)[0]) is not None]
    if codes and len(values) < len(codes):
        missing = [c for c in codes if _council_value(data.councils, c)[0] is None]
        notes.append(f"No value for {len(missing)} of {len(codes)} neighbours: {_names(missing)}.")
    average = None
    if values:
        average = statistics.fmean(values) if neighbours == "mean" else statistics.median(values)
    councils = [v for v in data.councils.values() if v is not None]
    return Benchmark(
        measure=m.key,
        year=y,
        la=authority,
        la_value=la_value,
        england=data.england,
        region=data.regions.get(authority.region_code),
        neighbours=average,
        neighbours_n=len(values),
        neighbour_method=neighbours,
        neighbour_model=chosen,
        quartile=quartile_band(la_value, councils, m.polarity) if m.quartiles else None,
        councils_n=len(councils),
        neighbour_codes=codes,
        notes=notes,
        councils=councils,
    )


def _all_keys() -> list[str]:
    return [m.key for m in measures()]


TABLE_COLUMNS: tuple[str, ...] = (
    "measure",
    "title",
    "unit",
    "polarity",
    "year",
    "la_code",
    "la_name",
    "la_value",
    "england",
    "region_code",
    "region_name",
    "region",
    "neighbours",
    "neighbours_n",
    "neighbour_method",
    "neighbour_model",
    "quartile",
    "councils_n",
    "notes",
)


def benchmark_table(
    la: str | LocalAuthority,
    year: int | str,
    *,
    measures: Sequence[str] | None = None,
    neighbours: str = "mean",
    model: str | None = None,
) -> pd.DataFrame:
    """:func:`benchmark` for several measures (all by default), one row each.

    Parameters
    ----------
    la : str or LocalAuthority
        Old code, new code or name.
    year : int or str
        DfE ``time_period`` or financial year.
    measures : sequence of str, optional
        Measure keys, in the order wanted; all measures when omitted.
    neighbours : {"mean", "median"}
        Neighbour average.
    model : {"2021", "2025"} or None
        Neighbour model; chosen by year when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`; values are floats (NaN when missing), ``notes`` one
        string (notes joined by a space).
    """
    keys = _all_keys() if measures is None else list(measures)
    rows = []
    for key in keys:
        b = benchmark(key, la, year, neighbours=neighbours, model=model)
        m = get_measure(key)
        rows.append(
            {
                "measure": m.key,
                "title": m.title,
                "unit": m.unit,
                "polarity": m.polarity,
                "year": b.year,
                "la_code": b.la.old_code,
                "la_name": b.la.name,
                "la_value": b.la_value,
                "england": b.england,
                "region_code": b.la.region_code,
                "region_name": b.la.region_name,
                "region": b.region,
                "neighbours": b.neighbours,
                "neighbours_n": b.neighbours_n,
                "neighbour_method": b.neighbour_method,
                "neighbour_model": b.neighbour_model,
                "quartile": b.quartile,
                "councils_n": b.councils_n,
                "notes": " ".join(b.notes),
            }
        )
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for column in ("la_value", "england", "region", "neighbours"):
        frame[column] = frame[column].astype("float64")
    return frame
