"""Comparators a plugin supplies, and the link from an indicator to a comparator.

A :class:`Comparator` is a published (or a benchmarking club's) measure: values per council
code and year, with a label, a source, a polarity and decimal places. The DfE's comparators
ship with this package (its tables and the LAIT); a plugin adds its own through the hook
``register_benchmarks``, reading them from data files inside its own package
(:meth:`Comparator.from_csv`).

A :class:`BenchmarkLink` joins an indicator to a comparator and carries the verdict that
belongs to that pair, not to the comparator: whether the two measure the same thing (like for
like) and, when not, why (another timescale, population or date). A comparator that is not
like for like is shown, labelled so, and left out of quartiles and of "better/worse than"
sentences.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

import attrs

from safeguarding_metrics.benchmarks._data import MeasureYear, year_from_areas
from safeguarding_metrics.benchmarks.years import parse_year

__all__ = ["COMPARATOR_COLUMNS", "BenchmarkLink", "Comparator", "as_link"]

_KEY = re.compile(r"^[a-z][a-z0-9_]*\.[A-Za-z0-9_%]+$")
_POLARITIES = ("higher", "lower", "neutral")
_PERIOD_END = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")

#: The columns of a comparator's data file: the area (a council's DfE old code, a region's
#: ``E12`` code or ``E92000001`` for England), the year (the DfE ``time_period``: 2015 is
#: 2014-15; ``"2014-15"`` is read too) and the value (empty when not published).
COMPARATOR_COLUMNS = ("area", "year", "value")


def _reason(instance: BenchmarkLink, _: Any, value: str) -> None:
    if not instance.like_for_like and not value.strip():
        raise ValueError(
            f"the link to benchmark {instance.key!r} is not like for like: say why (reason=...)"
        )


@attrs.frozen(kw_only=True)
class BenchmarkLink:
    """An indicator's link to the comparator it is set beside, with the like-for-like verdict.

    Attributes
    ----------
    key : str
        The comparator's key: a DfE measure packaged here (``"rereferrals_12m"``, a LAIT short
        name such as ``"Continue_Assess_Comp"``) or a plugin's (``"<plugin>.<name>"``).
    like_for_like : bool
        Whether the indicator measures what the comparator measures (same population,
        timescale and date). When false, the comparator is still shown, labelled not like for
        like, and it is left out of quartiles and of "better/worse than" sentences.
    reason : str
        Why (required when not like for like): "timescale: 10 working days, the DfE's is 15".
        When like for like, what the verdict rests on, for the definitions catalogue.
    """

    key: str = attrs.field(converter=lambda v: str(v).strip())
    like_for_like: bool = True
    reason: str = attrs.field(default="", validator=_reason)

    @key.validator
    def _check_key(self, _: Any, value: str) -> None:
        if not value:
            raise ValueError("a benchmark link needs a key")

    def verdict(self) -> str:
        """The verdict in words: ``"like for like"`` or ``"not like for like: <reason>"``."""
        if self.like_for_like:
            return "like for like" + (f": {self.reason}" if self.reason else "")
        return f"not like for like: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "like_for_like": self.like_for_like, "reason": self.reason}


def as_link(value: str | BenchmarkLink | None) -> BenchmarkLink | None:
    """Converter for ``Indicator.benchmark``: a plain key (older plugins) is a like-for-like
    link; ``None`` stays ``None``."""
    if value is None or isinstance(value, BenchmarkLink):
        return value
    if isinstance(value, str):
        return BenchmarkLink(key=value)
    raise TypeError(f"benchmark is a key or a BenchmarkLink, not {type(value).__name__}")


def _values(
    value: Mapping[tuple[str, int], float | None],
) -> Mapping[tuple[str, int], float | None]:
    out: dict[tuple[str, int], float | None] = {}
    for (area, year), number in value.items():
        if isinstance(year, bool) or not isinstance(year, int):
            raise ValueError(f"comparator years are integers (2015 for 2014-15), not {year!r}")
        out[(str(area).strip(), year)] = (
            None if number is None or math.isnan(float(number)) else float(number)
        )
    return MappingProxyType(dict(sorted(out.items())))


@attrs.frozen(kw_only=True)
class Comparator:
    """A comparator a plugin supplies: values per council code and year, and what they are.

    Attributes
    ----------
    key : str
        ``<plugin>.<name>``: the plugin's name, a dot, a name (``yorkshire.icpc_10wd``).
    label : str
        What it is, as a report labels it ("Yorkshire benchmarking club: ICPC within 10
        working days").
    source : str
        Where the figures come from (the club, its release, the year).
    polarity : {"higher", "lower", "neutral"}
        Which way is better; ``neutral`` has no quartile.
    decimals : int
        The decimal places the figures are published to.
    values : mapping
        ``(area, year) -> value``: ``area`` a council's DfE old code (``"372"``), a region's
        ONS code (``"E12000003"``) or ``"E92000001"`` for England; ``year`` the DfE
        ``time_period`` (2015 for 2014-15); ``None`` for a figure not published.
    unit : str
        ``"%"`` unless told (``"cases per FTE"``...).
    definition : str
        Numerator and denominator, in words.
    period_end : str
        ``MM-DD`` ending the year a ``time_period`` names (``"03-31"``).
    """

    key: str = attrs.field()
    label: str
    source: str
    polarity: str = attrs.field(validator=attrs.validators.in_(_POLARITIES))
    decimals: int = attrs.field(validator=attrs.validators.instance_of(int))
    values: Mapping[tuple[str, int], float | None] = attrs.field(
        converter=_values, repr=False, eq=False
    )
    unit: str = "%"
    definition: str = ""
    period_end: str = attrs.field(
        default="03-31", validator=attrs.validators.matches_re(_PERIOD_END)
    )

    @key.validator
    def _check_key(self, _: Any, value: str) -> None:
        if not _KEY.match(value):
            raise ValueError(
                f"comparator key {value!r} must be '<plugin>.<name>' (the plugin's name in "
                "lower case, a dot, then letters, digits or underscores)"
            )

    @property
    def id(self) -> str:
        """The key (what the registry checks against the plugin's name)."""
        return self.key

    @property
    def plugin(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def years(self) -> tuple[int, ...]:
        """The years with at least one row, ascending."""
        return tuple(sorted({year for _, year in self.values}))

    def year(self, year: int) -> MeasureYear | None:
        """The values of one year as England, regions and councils; None when it has none."""
        rows = [(area, value) for (area, y), value in self.values.items() if y == year]
        if not rows:
            return None
        return year_from_areas(
            [a for a, _ in rows],
            [math.nan if v is None else v for _, v in rows],
            ["" for _ in rows],
        )

    @classmethod
    def from_rows(
        cls, rows: Iterable[Mapping[str, str]], *, where: str = "values", **metadata: Any
    ) -> Comparator:
        """A comparator from rows with the :data:`COMPARATOR_COLUMNS` (text cells).

        Raises
        ------
        ValueError
            A missing column, an unknown area, an unreadable year or value, or an area given
            twice for a year, naming ``where``, the row (the header is row 1) and the column.
        """
        from safeguarding_metrics.benchmarks.authorities import authorities

        councils = {la.old_code for la in authorities()}
        values: dict[tuple[str, int], float | None] = {}
        for number, row in enumerate(rows, start=2):
            missing = [c for c in COMPARATOR_COLUMNS if c not in row]
            if missing:
                raise ValueError(f"{where}: no column {missing[0]!r}")
            area = (row["area"] or "").strip()
            if not area:
                raise ValueError(f"{where}, row {number}, column 'area': empty")
            if area not in councils and area != "E92000001" and not area.startswith(("E12", "E13")):
                raise ValueError(
                    f"{where}, row {number}, column 'area': {area!r} is not a council's DfE old "
                    "code (372), a region's code (E12000003) or England (E92000001)"
                )
            try:
                year = parse_year(row["year"] or "")
            except ValueError as exc:
                raise ValueError(f"{where}, row {number}, column 'year': {exc}") from None
            text = (row["value"] or "").strip()
            try:
                value = float(text) if text else None
            except ValueError:
                raise ValueError(
                    f"{where}, row {number}, column 'value': {text!r} is not a number"
                ) from None
            if (area, year) in values:
                raise ValueError(f"{where}, row {number}: area {area} is given twice for {year}")
            values[(area, year)] = value
        return cls(values=values, **metadata)

    @classmethod
    def from_csv(cls, package: str, resource: str, **metadata: Any) -> Comparator:
        """A comparator from a CSV file shipped inside a plugin's package.

        Parameters
        ----------
        package : str
            The plugin's import package (``__package__`` in its ``__init__``).
        resource : str
            The file's path inside it, ``/``-separated (``"data/club.csv"``): read with
            :mod:`importlib.resources`, so it works from a wheel or a zip.
        **metadata
            ``key``, ``label``, ``source``, ``polarity``, ``decimals`` and optionally ``unit``,
            ``definition``, ``period_end``.

        Notes
        -----
        UTF-8, a header row with the :data:`COMPARATOR_COLUMNS` (extra columns are ignored).
        Only the plugin's own package data may be read this way at registration, never a
        council's data.
        """
        source = resources.files(package).joinpath(*resource.split("/"))
        text = source.read_text(encoding="utf-8-sig")
        return cls.from_rows(
            csv.DictReader(io.StringIO(text)), where=f"{package}/{resource}", **metadata
        )
