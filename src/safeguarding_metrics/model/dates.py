"""One date parser for every route into the tables: the canonical loader and every importer.

Councils' files carry dates the way their case management systems and Excel write them. The
same value must give the same date whichever route it comes in by, and a value that cannot be
read must say *why*, so :func:`parse_dates` is the only place that reads a date.

Accepted (each with or without a time of day ``HH:MM[:SS[.fff]]``, after a space or ``T``):

* ISO ``YYYY-MM-DD`` and ISO date-times, also with ``Z`` or an offset (``+01:00``): those are
  converted to UK local time (Europe/London) and the offset dropped;
* day first: ``dd/mm/yyyy``, ``d/m/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy`` and the same with a
  two-digit year (``dd/mm/yy``, as Excel saves a CSV);
* ``YYYYMMDD``; ``1 Jan 2017``, ``01-January-2017``, ``8-May-17``;
* Excel serial day numbers between 10000 and 73050 (1927-05-18 to 2099-12-31), as numbers in
  workbook cells or as text;
* spreadsheet, Parquet and Python date or date-time values.

**Two-digit years** are read as 20yy unless that falls after the *pivot year*, then as 19yy.
The pivot year is the collection year of the file (the year of the 31 March that ends an
SSDA903 or CIN census collection) or, where a file has none, the current year. With pivot
2018: ``18`` is 2018, ``19`` is 1919, ``00`` is 2000 and ``99`` is 1999. A two-digit year
therefore reads back exactly when the year lies within the 100 years ending at the pivot year.

Nothing is guessed. English returns are day first, so ``05/31/2017`` (US month first) is not a
date ("month 31") and ``13/13/2017`` is an error, not a swap. A value that cannot be read
unambiguously is returned as missing with its reason ("day 31 in a 30-day month (April 2017)",
"month 13", "two-digit year and month 13", "ambiguous: six digits with no separator", "not a
date").

The work is vectorised, a pass per form and never per value: the common case (every value
ISO) is one call of pandas' ISO 8601 parser over the values shaped ``YYYY-MM-DD``, as the
loader always did; only the values still unread are matched, form by form, with Arrow's
regular expressions, and their dates built from their parts with numpy (5 million ISO dates:
no slower than before; 5 million ``dd/mm/yy``: four to six times the ISO time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SERIAL_RANGE", "ParsedDates", "cell_text", "parse_dates", "resolve_two_digit_years"]

#: Excel serial day numbers read as dates (1927-05-18 to 2099-12-31); other numbers are not.
SERIAL_RANGE = (10000, 73050)
#: Excel's day zero (serial 1 is 1900-01-01; the 1900 leap-year bug is past by serial 61).
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
#: What a ``datetime64[ns]`` holds: years outside are unreadable here (callers set narrower
#: bounds: the loader 1900-2100, the importers 1700-2200).
_YEARS = (1678, 2261)
_HELD = (np.datetime64(f"{_YEARS[0]}-01-01"), np.datetime64(f"{_YEARS[1] + 1}-01-01"))

_TIME = (
    r"(?:(?:[T ]+)(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?P<frac>\.\d{1,9})?)?)?"
)
#: The forms read from text, in the order tried (day first, as most files that are not ISO);
#: each names its parts.
_FORMS: tuple[tuple[str, str], ...] = (
    ("dmy", r"^(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4}|\d{2})" + _TIME + "$"),
    (
        "iso",
        r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
        + _TIME
        + r"(?P<zone>Z|[+-]\d{2}:?\d{2})?$",
    ),
    ("ymd8", r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})" + _TIME + "$"),
    (
        "named",
        r"^(?P<day>\d{1,2})[ -](?P<mon>[A-Za-z]{3,9})\.?[ ,-]+(?P<year>\d{4}|\d{2})" + _TIME + "$",
    ),
)
_SERIAL = r"^\d{5}(?:\.\d+)?$"
#: Text that looks like a date but cannot be read unambiguously, with the reason.
_UNREADABLE: tuple[tuple[str, str], ...] = (
    (r"^\d{6}$", "ambiguous: six digits with no separator (DDMMYY or YYMMDD?)"),
    (r"^\d{4}[/.]\d{1,2}[/.]\d{1,2}", "year first with '/' or '.' (expected YYYY-MM-DD)"),
    (r"^\d{4}(?:-\d{1,2})?$", "no day: a year or a month only"),
    (r"^\d{1,2}[/.-]\d{2,4}$", "no day: a month and year only"),
    (r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{3}(?:\D|$)", "a three-digit year"),
)
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {name: i + 1 for i, full in enumerate(_MONTH_NAMES) for name in (full, full[:3])}
_MONTHS["sept"] = 9


@attrs.frozen(kw_only=True, eq=False)
class ParsedDates:
    """What :func:`parse_dates` read.

    Attributes
    ----------
    stamps
        Naive ``datetime64[ns]`` timestamps (UK local time), NaT where blank or unreadable;
        the index of the values given.
    reasons
        Why a value could not be read (no child identifier in it), ``None`` where it was read
        or blank.
    text
        The unreadable values as stripped text, for messages that quote them and for the
        importers, which pass them on verbatim; ``None`` elsewhere.
    far_years
        For dates read but outside the years a timestamp holds (1678-2261: ``9999-12-31``,
        ``0201-04-01``), the year, so that callers can say "out of range" as they would for
        any year outside their own bounds; NaN elsewhere.
    """

    stamps: pd.Series
    reasons: pd.Series
    text: pd.Series
    far_years: np.ndarray
    #: Rows holding a value that is not a readable date (``reasons`` not ``None``).
    unreadable: np.ndarray

    @property
    def present(self) -> np.ndarray:
        """Rows holding a value (read or not): not blank."""
        return self.stamps.notna().to_numpy() | self.unreadable


def resolve_two_digit_years(yy: np.ndarray, pivot_year: int | np.ndarray) -> np.ndarray:
    """Four-digit years from two-digit ones: 20yy, or 19yy when 20yy is after ``pivot_year``.

    >>> resolve_two_digit_years(np.array([0, 18, 19, 99]), 2018).tolist()
    [2000, 2018, 1919, 1999]
    """
    years = 2000 + np.asarray(yy, dtype="int64")
    return np.where(years > np.asarray(pivot_year), years - 100, years)


def parse_dates(
    values: pd.Series, *, with_time: bool, pivot_year: int | np.ndarray | None = None
) -> ParsedDates:
    """Read dates (or date-times) in every form councils' files carry them.

    Parameters
    ----------
    values
        Text, numbers (Excel serials), or date / date-time values, in any mix.
    with_time
        Keep the time of day (a datetime column); otherwise times are dropped (midnight).
    pivot_year
        The file's collection year, for two-digit years (see the module docstring); one year,
        or one per value (several returns read together). Default: the current year.

    Returns
    -------
    ParsedDates
        The timestamps, and for each unreadable value the reason.
    """
    if _held_as_is(values):
        return _as_they_are(values, with_time)  # typed: checked in its type
    index = values.index
    n = len(values)
    pivots = _pivots(pivot_year, n)
    kind = _kind(values)
    if kind == "string":
        whole = _distinct_column(values, pivots, with_time)
        if whole is not None:
            return whole  # text whose values repeat: read once per distinct value
    stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    reasons = np.empty(n, dtype=object)  # None throughout
    texts = np.empty(n, dtype=object)
    far = np.full(n, np.nan)
    if kind == "typed datetime":
        stamps[:], far[:] = _naive(values)
        reasons[~np.isnan(far)] = _FAR
    elif kind == "typed boolean":
        present = values.notna().to_numpy()
        reasons[present] = "not a date (a true/false value)"
    elif kind == "typed number":
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
        _read_numbers(numbers, np.isfinite(numbers), values, stamps, reasons, texts, far, pivots)
    else:
        if kind in ("string", "empty"):
            every = np.ones(n, dtype=bool)  # blanks are told apart by their length
            _read_text(values, every, stamps, reasons, texts, far, pivots, with_time)
        elif kind == "date" and _read_date_objects(values, stamps, far):
            reasons[~np.isnan(far)] = _FAR
        else:
            _read_cells(values.astype(object), stamps, reasons, texts, far, pivots, with_time)
    nat = np.flatnonzero(np.isnat(stamps))  # a reason is only ever given where no date is
    unread = np.zeros(n, dtype=bool)
    unread[nat] = reasons[nat] != None  # noqa: E711 - elementwise over an object array
    if unread.any() and (texts[unread] == None).any():  # noqa: E711
        # quote what was given where no stage kept the text
        given = pd.Series(values.to_numpy(dtype=object)[unread]).map(cell_text)
        texts[unread] = np.where(texts[unread] == None, given.to_numpy(), texts[unread])  # noqa: E711
    if not with_time:
        stamps = _midnight(stamps)
    # the arrays are this call's own: the Series hold them without a copy
    return ParsedDates(
        stamps=pd.Series(stamps, index=index, dtype="datetime64[ns]", copy=False),
        reasons=pd.Series(reasons, index=index, dtype=object, copy=False),
        text=pd.Series(texts, index=index, dtype=object, copy=False),
        far_years=far,
        unreadable=unread,
    )


def _as_they_are(values: pd.Series, with_time: bool) -> ParsedDates:
    """Typed dates within the years a timestamp holds (:func:`_held_as_is`): the values
    themselves (without their time of day unless ``with_time``), nothing unreadable.

    No array of the column's size is made but, where a time of day is to be dropped, the
    dates at midnight: the reasons, texts and far years are read-only views of one value
    (pandas copies them before either is changed), so a typed column costs a check of its
    years and of its times of day, not a parse.
    """
    n = len(values)
    stamps = values.astype("datetime64[ns]").rename(None)  # no copy when ns already
    if not with_time:
        held = stamps.to_numpy()
        at_midnight = _midnight(held)
        if at_midnight is not held:
            stamps = pd.Series(at_midnight, index=values.index, copy=False)
    # nothing unreadable: the reasons, texts and far years are one read-only value repeated
    # (a view, not an array of the column's size: 21 million visits' cost nothing)
    none = np.broadcast_to(np.array(None, dtype=object), (n,))
    blank = pd.Series(none, index=values.index, dtype=object, copy=False)
    return ParsedDates(
        stamps=stamps,
        reasons=blank,
        text=blank.copy(deep=False),
        far_years=np.broadcast_to(np.float64(np.nan), (n,)),
        unreadable=np.zeros(n, dtype=bool),
    )


_DAY_NS = np.int64(86_400 * 10**9)


def _midnight(stamps: np.ndarray) -> np.ndarray:
    """``datetime64[ns]`` values without their time of day: the array itself when every
    value is at midnight already (or NaT), as dates from a file mostly are."""
    nanos = stamps.view(np.int64)
    if bool(((nanos % _DAY_NS == 0) | np.isnat(stamps)).all()):
        return stamps
    return stamps.astype("datetime64[D]").astype("datetime64[ns]")


# -- stages ---------------------------------------------------------------------------------------


def _pivots(pivot_year: int | np.ndarray | None, n: int) -> np.ndarray:
    if pivot_year is None:
        pivot_year = dt.date.today().year
    pivots = np.asarray(pivot_year, dtype="int64")
    return np.broadcast_to(pivots, (n,)) if pivots.ndim == 0 else pivots


def _held_as_is(values: pd.Series) -> bool:
    """Whether a column of dates arrives typed (Parquet ``date32``, a timestamp without a time
    zone) with every value within the years a ``datetime64[ns]`` holds here: then its values
    are the dates, with no conversion to text or through Python objects."""
    if not pd.api.types.is_datetime64_dtype(values.dtype):  # naive only; zoned: _naive
        return False
    held = values.to_numpy()
    inside = (held >= _HELD[0]) & (held < _HELD[1])
    return bool((inside | np.isnat(held)).all())


def _read_date_objects(values: pd.Series, stamps: np.ndarray, far: np.ndarray) -> bool:
    """A column of ``datetime.date`` values (a Parquet ``date32`` column as pandas reads it),
    converted by Arrow in one pass; ``False`` when Arrow cannot take it as dates."""
    try:
        days = pa.array(values.to_numpy(dtype=object), type=pa.date32(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return False
    held = days.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    inside = (held >= _HELD[0]) & (held < _HELD[1])
    stamps[inside] = held[inside].astype("datetime64[ns]")
    outside = ~inside & ~np.isnat(held)
    far[outside] = held[outside].astype("datetime64[Y]").astype("int64") + 1970
    return True


def _read_cells(
    obj: pd.Series,
    stamps: np.ndarray,
    reasons: np.ndarray,
    texts: np.ndarray,
    far: np.ndarray,
    pivots: np.ndarray,
    with_time: bool,
) -> None:
    """A mix of cells (a workbook column): date cells, numbers (Excel serials) and text."""
    n = len(obj)
    kinds = obj.map(_value_kind).to_numpy(dtype=object)
    cells = kinds == "time"
    if cells.any():
        got, years = _naive(pd.Series(obj[cells].map(_naive_cell).to_numpy()))
        stamps[cells] = got
        far[cells] = years
        reasons[cells & ~np.isnan(far)] = _FAR
    numbers = kinds == "number"
    if numbers.any():
        floats = np.full(n, np.nan)
        floats[numbers] = obj[numbers].astype("float64").to_numpy()
        _read_numbers(floats, numbers, obj, stamps, reasons, texts, far, pivots)
    reasons[kinds == "other"] = "not a date"
    text = kinds == "text"
    if text.any():
        _read_text(
            obj.astype(str).where(text, None), text, stamps, reasons, texts, far, pivots, with_time
        )


def _naive(stamps: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps as naive ``datetime64[ns]`` in UK local time, and the years of those that a
    ``datetime64[ns]`` cannot hold (made NaT; NaN for the others)."""
    stamps = pd.Series(stamps).reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):
        stamps = pd.to_datetime(stamps, errors="coerce", utc=_zoned(stamps))
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("Europe/London").dt.tz_localize(None)
    years = stamps.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    outside = (years < _YEARS[0]) | (years > _YEARS[1])
    out = np.full(len(stamps), np.datetime64("NaT"), dtype="datetime64[ns]")
    inside = ~outside & ~np.isnan(years)
    out[inside] = stamps[inside].to_numpy().astype("datetime64[ns]")
    return out, np.where(outside, years, np.nan)


def _zoned(stamps: pd.Series) -> bool:
    """Whether any of these timestamp objects carries a time zone (then all go through UTC)."""
    return bool(stamps.map(lambda v: getattr(v, "tzinfo", None) is not None).any())


def _read_numbers(
    numbers: np.ndarray,
    mask: np.ndarray,
    values: pd.Series,
    stamps: np.ndarray,
    reasons: np.ndarray,
    texts: np.ndarray,
    far: np.ndarray,
    pivots: np.ndarray,
) -> None:
    """Numbers at ``mask``: Excel serials in range; the others read as their digits (an
    eight-digit ``YYYYMMDD``), else not a date."""
    serial = mask & (numbers >= SERIAL_RANGE[0]) & (numbers <= SERIAL_RANGE[1])
    if serial.any():
        stamps[serial] = _from_serials(numbers[serial])
    rest = mask & ~serial
    if rest.any():
        digits = pd.Series(values.to_numpy(dtype=object)[rest]).map(_plain_number)
        text = np.full(len(numbers), None, dtype=object)
        text[rest] = digits.to_numpy(dtype=object)
        _read_text(pd.Series(text), rest, stamps, reasons, texts, far, pivots, False)
        # the reason of an eight-digit number is that of its YYYYMMDD reading ("month 13")
        eight = np.zeros(len(numbers), dtype=bool)
        eight[rest] = digits.str.len().to_numpy() == 8
        reasons[rest & ~eight & np.isnat(stamps)] = _NOT_SERIAL


_FAR = f"a year outside {_YEARS[0]}-{_YEARS[1]}"
_NOT_SERIAL = (
    f"a number that is not an Excel date serial (accepted {SERIAL_RANGE[0]}-{SERIAL_RANGE[1]})"
)


def _from_serials(numbers: np.ndarray) -> np.ndarray:
    """Excel serial day numbers (a fraction is the time of day) as ``datetime64[ns]``."""
    seconds = np.round(np.asarray(numbers, dtype="float64") * 86400).astype("int64")
    return (_EXCEL_EPOCH.astype("datetime64[s]") + seconds.astype("timedelta64[s]")).astype(
        "datetime64[ns]"
    )


def _read_text(
    text: pd.Series,
    todo: np.ndarray,
    stamps: np.ndarray,
    reasons: np.ndarray,
    texts: np.ndarray,
    far: np.ndarray,
    pivots: np.ndarray,
    with_time: bool,
) -> None:
    """Read the text values at ``todo`` into ``stamps``; where they are no date, the reason into
    ``reasons`` and the stripped text into ``texts`` (the rows at ``todo`` hold no result yet).

    A column of dates repeats its values (a few thousand days for millions of rows): when
    the first values show repeats and every row has one pivot year, each distinct value is
    read once (:func:`_read_distinct`), else each value (:func:`_read_each`)."""
    where = np.flatnonzero(todo)
    values = text if len(where) == len(text) else text.iloc[where]
    array = _text_array(values)
    encoded = _encoded_if_repeating(array, pivots, where)
    if encoded is not None:
        got, why, said, years = _distinct_read(encoded.dictionary, int(pivots[where[0]]), with_time)
        index = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(
            zero_copy_only=False
        )
        stamps[where] = got[index]
        if (why != None).any():  # noqa: E711 - elementwise over an object array
            reasons[where] = why[index]
            texts[where] = said[index]
        if not np.isnan(years).all():
            far[where] = years[index]
        return
    _read_each(values, array, where, stamps, reasons, texts, far, pivots, with_time)


def _kind(values: pd.Series) -> str:
    """What a column holds: ``typed datetime``, ``typed boolean`` or ``typed number`` by its
    dtype, ``string`` for ``str`` dtype, else what pandas infers from its objects
    (``string``, ``empty``, ``date``, ``mixed``, ...)."""
    dtype = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "typed datetime"
    if pd.api.types.is_bool_dtype(dtype):
        return "typed boolean"
    if pd.api.types.is_numeric_dtype(dtype):
        return "typed number"
    if isinstance(dtype, pd.StringDtype):
        return "string"
    return str(pd.api.types.infer_dtype(values, skipna=True))


def _text_array(values: pd.Series) -> pa.Array:
    """Text values (``str`` dtype or ``str`` objects, missing ones) as one Arrow array."""
    given = values.array if isinstance(values.dtype, pd.StringDtype) else values.to_numpy(object)
    array = pa.array(given, type=pa.string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def _encoded_if_repeating(
    array: pa.Array, pivots: np.ndarray, where: np.ndarray
) -> pa.DictionaryArray | None:
    """The text dictionary-encoded when reading its distinct values pays: its first values
    repeat, at most half its values are distinct, and its rows share one pivot year."""
    if not _repeating(array) or not _one_pivot(pivots, where):
        return None
    encoded = array.dictionary_encode()
    return encoded if len(encoded.dictionary) <= len(array) // 2 else None


def _distinct_column(values: pd.Series, pivots: np.ndarray, with_time: bool) -> ParsedDates | None:
    """A whole column of text read once per distinct value (``None`` when that does not pay,
    see :func:`_encoded_if_repeating`): each row's results are taken from its value's, with
    no array of the column's size filled beforehand, and the reasons and text (``None``
    throughout when every value reads) shared by one array."""
    n = len(values)
    every = np.arange(n)
    array = _text_array(values)
    encoded = _encoded_if_repeating(array, pivots, every)
    if encoded is None:
        return None
    del array
    k = len(encoded.dictionary)
    got, why, said, years = _distinct_read(encoded.dictionary, int(pivots[0]), with_time)
    index = pc.fill_null(encoded.indices, k).to_numpy(zero_copy_only=False)
    del encoded
    unread_distinct = why != None  # noqa: E711 - elementwise over an object array
    if unread_distinct.any():
        reasons = pd.Series(why[index], index=values.index, dtype=object, copy=False)
        text = pd.Series(said[index], index=values.index, dtype=object, copy=False)
    else:
        reasons = pd.Series(np.full(n, None, dtype=object), index=values.index, dtype=object)
        text = reasons.copy(deep=False)
    return ParsedDates(
        stamps=pd.Series(got[index], index=values.index, dtype="datetime64[ns]", copy=False),
        reasons=reasons,
        text=text,
        far_years=years[index] if not np.isnan(years).all() else np.full(n, np.nan),
        unreadable=unread_distinct[index],
    )


#: Columns shorter than this are read value by value; the first this many values of a longer
#: one tell whether its values repeat enough to read the distinct ones only.
_DISTINCT_FROM = 4096


def _repeating(array: pa.Array) -> bool:
    """Whether a text column is long and its first values repeat (at most half distinct)."""
    if len(array) < _DISTINCT_FROM:
        return False
    head = array.slice(0, _DISTINCT_FROM)
    return int(pc.count_distinct(head, mode="all").as_py()) <= _DISTINCT_FROM // 2


def _one_pivot(pivots: np.ndarray, where: np.ndarray) -> bool:
    """Whether every row at ``where`` has the same pivot year (one file, or one year)."""
    if pivots.strides[0] == 0 or not len(where):
        return True
    chosen = pivots[where]
    return bool((chosen == chosen[0]).all())


def _distinct_read(
    distinct: pa.Array, pivot: int, with_time: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_read_each` over the distinct values of a column, with one place more (the
    last) for a missing value, where nothing is read: the timestamps (at midnight unless
    ``with_time``), reasons, text and far years of each value, to be taken by the rows'
    indices. Every value reads alone, so reading it once gives what reading each row gives
    (property-tested)."""
    k = len(distinct)
    got = np.full(k + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
    why = np.empty(k + 1, dtype=object)
    said = np.empty(k + 1, dtype=object)
    years = np.full(k + 1, np.nan)
    values = pd.Series(pd.arrays.ArrowStringArray(distinct))
    pivots = np.broadcast_to(np.int64(pivot), (k,))
    _read_each(values, distinct, np.arange(k), got, why, said, years, pivots, with_time)
    if not with_time:
        got = _midnight(got)
    return got, why, said, years


#: ISO date-times with a space or ``T`` and an optional fraction of a second, nothing more
#: (no zone): what pandas' ISO 8601 parser reads exactly as the parts would.
_ISO_DATE_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?$"


def _read_each(
    values: pd.Series,
    array: pa.Array,
    where: np.ndarray,
    stamps: np.ndarray,
    reasons: np.ndarray,
    texts: np.ndarray,
    far: np.ndarray,
    pivots: np.ndarray,
    with_time: bool,
) -> None:
    """Read each text value (``values``, as Arrow ``array``) into the rows at ``where``."""
    # the common case first, in one call: plain ISO dates and ISO date-times without a zone,
    # picked out by their length, a dash and (for date-times) their shape
    length = pc.fill_null(pc.utf8_length(array), 0).to_numpy(zero_copy_only=False)
    dash = pc.fill_null(pc.equal(pc.utf8_slice_codeunits(array, 4, 5), "-"), False)
    dash = dash.to_numpy(zero_copy_only=False)
    _fast(values, array, dash & (length == 10), where, stamps)
    timed = dash & (length >= 19) & (length <= 29)
    if timed.any():
        timed[timed] = pc.match_substring_regex(
            array.filter(pa.array(timed)), _ISO_DATE_TIME
        ).to_numpy(zero_copy_only=False)
        _fast(values, array, timed, where, stamps)
    left_mask = np.isnat(stamps[where]) & (length > 0)
    left = where[left_mask]
    if not len(left):
        return
    array = pc.utf8_trim_whitespace(array.filter(pa.array(left_mask)))
    filled = pc.greater(pc.utf8_length(array), 0)
    nonblank = filled.to_numpy(zero_copy_only=False)
    left, array = left[nonblank], array.filter(filled)
    if not len(left):
        return
    unread = np.ones(len(left), dtype=bool)
    for form, pattern in _FORMS:
        parts = pc.extract_regex(array, pattern)
        hit = unread & pc.is_valid(parts).to_numpy(zero_copy_only=False)
        if hit.any():
            got, why, years = _from_parts(form, parts.filter(pa.array(hit)), pivots[left[hit]])
            stamps[left[hit]] = got
            reasons[left[hit]] = why
            far[left[hit]] = years
            unread &= ~hit
        if not unread.any():
            break
    if unread.any():
        serial = unread & pc.match_substring_regex(array, _SERIAL).to_numpy(zero_copy_only=False)
        if serial.any():
            rows = left[serial]
            numbers = pc.cast(array.filter(pa.array(serial)), pa.float64()).to_numpy()
            inside = (numbers >= SERIAL_RANGE[0]) & (numbers <= SERIAL_RANGE[1])
            stamps[rows[inside]] = _from_serials(numbers[inside])
            reasons[rows[~inside]] = _NOT_SERIAL
            unread &= ~serial
    if unread.any():
        why = np.full(int(unread.sum()), "not a date", dtype=object)
        rest = array.filter(pa.array(unread))
        for pattern, reason in reversed(_UNREADABLE):
            hit = pc.match_substring_regex(rest, pattern).to_numpy(zero_copy_only=False)
            why[hit] = reason
        reasons[left[unread]] = why
    bad = reasons[left] != None  # noqa: E711 - elementwise over an object array
    if bad.any():
        texts[left[bad]] = array.filter(pa.array(bad)).to_numpy(zero_copy_only=False)


def _fast(
    values: pd.Series, array: pa.Array, mask: np.ndarray, where: np.ndarray, stamps: np.ndarray
) -> None:
    """An ISO 8601 parser over the values at ``mask`` (``values``, as Arrow ``array``), shaped
    ``YYYY-MM-DD`` or ``YYYY-MM-DD[T ]HH:MM:SS[.f]``: Arrow's when it reads every one of them
    (:func:`_iso_by_arrow`), else pandas'; all of them, in the common case, without a copy."""
    if not mask.any():
        return
    whole = bool(mask.all())
    got = _iso_by_arrow(array if whole else array.filter(pa.array(mask)))
    if got is None:
        subset = values if whole else values.iloc[np.flatnonzero(mask)]
        got = pd.to_datetime(subset, format="ISO8601", errors="coerce").to_numpy()
    # the others (and NaT) are left to the parts, which say why
    inside = (got >= _HELD[0]) & (got < _HELD[1])
    if whole and len(where) == len(stamps) and inside.all():
        stamps[:] = got.astype("datetime64[ns]")
    else:
        stamps[where[mask][inside]] = got[inside].astype("datetime64[ns]")


def _iso_by_arrow(array: pa.Array) -> np.ndarray | None:
    """ISO dates or date-times without a zone (what :func:`_fast` picks out) as
    ``datetime64[ns]`` by Arrow's cast, which reads them as pandas' ISO parser does and
    refuses the whole array for one value it cannot read (a 30 February, an hour 25, a year a
    timestamp cannot hold): ``None`` then, and pandas reads them value by value."""
    try:
        stamps = pc.cast(array, pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return np.asarray(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")


def _ints(parts: pa.StructArray, name: str) -> np.ndarray:
    """A named part as integers (-1 where the optional part is absent), a writable array."""
    field = parts.field(name)
    numbers = pc.if_else(pc.equal(field, ""), "-1", field).cast(pa.int64())
    return np.array(numbers.to_numpy(zero_copy_only=False), dtype="int64")


def _from_parts(
    form: str, parts: pa.StructArray, pivots: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Timestamps from the matched parts of one form, the reason where they are no date, and
    the year where it is one a timestamp cannot hold."""
    names = {f.name for f in parts.type}
    n = len(parts)
    day = _ints(parts, "day")
    if "mon" in names:
        month_names = pd.Series(parts.field("mon").to_numpy(zero_copy_only=False), dtype=object)
        month = month_names.str.lower().map(_MONTHS).fillna(-1).to_numpy(dtype="int64")
    else:
        month = _ints(parts, "month")
    year_text = parts.field("year")
    year = _ints(parts, "year")
    short = pc.equal(pc.utf8_length(year_text), 2).to_numpy(zero_copy_only=False)
    if short.any():
        year[short] = resolve_two_digit_years(year[short], pivots[short])
    hour = _ints(parts, "hour") if "hour" in names else np.full(n, -1)
    minute = _ints(parts, "minute") if "minute" in names else np.full(n, -1)
    second = _ints(parts, "second") if "second" in names else np.full(n, -1)

    why = np.full(n, None, dtype=object)
    bad_month = (month < 1) | (month > 12)
    if "mon" in names:
        why[bad_month] = "not a month name"
    else:
        why[bad_month] = [f"month {m}" for m in month[bad_month]]
    ok = ~bad_month
    months = (year - 1970) * 12 + np.where(ok, month, 1) - 1
    start = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - start).astype("int64")
    bad_day = ok & ((day < 1) | (day > length))
    if bad_day.any():
        why[bad_day] = [
            _day_reason(d, m, y, ln)
            for d, m, y, ln in zip(
                day[bad_day], month[bad_day], year[bad_day], length[bad_day], strict=True
            )
        ]
    ok &= ~bad_day
    bad_time = ok & ((hour > 23) | (minute > 59) | (second > 59))
    why[bad_time] = "not a time of day (hours 0-23, minutes and seconds 0-59)"
    ok &= ~bad_time
    bad_year = ok & ((year < _YEARS[0]) | (year > _YEARS[1]))
    why[bad_year] = _FAR
    ok &= ~bad_year
    if short.any():
        problem = short & ~ok
        why[problem] = ["two-digit year and " + str(w) for w in why[problem]]

    stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    clock = (
        np.maximum(hour, 0) * 3600 + np.maximum(minute, 0) * 60 + np.maximum(second, 0)
    ).astype("timedelta64[s]")
    stamps[ok] = (start[ok] + (day[ok] - 1).astype("timedelta64[D]")).astype(
        "datetime64[ns]"
    ) + clock[ok].astype("timedelta64[ns]")
    if "frac" in names:
        frac = pd.Series(parts.field("frac").to_numpy(zero_copy_only=False), dtype=object)
        has = ok & (frac != "").to_numpy()
        if has.any():
            nanos = (pd.to_numeric("0" + frac[has]) * 1e9).round().astype("int64").to_numpy()
            stamps[has] += nanos.astype("timedelta64[ns]")
    if "zone" in names:
        zone = pd.Series(parts.field("zone").to_numpy(zero_copy_only=False), dtype=object)
        zoned = ok & (zone != "").to_numpy()
        if zoned.any():
            stamps[zoned] = _to_local(stamps[zoned], zone[zoned].to_numpy(dtype=object))
    return stamps, why, np.where(bad_year, year, np.nan)


def _day_reason(day: int, month: int, year: int, length: int) -> str:
    if day < 1:
        return "day 0"
    if day > 31:
        return f"day {day}"
    name = _MONTH_NAMES[month - 1].capitalize()
    if month == 2:
        return f"day {day} in February {year}, a month of {length} days"
    return f"day {day} in a {length}-day month ({name} {year})"


def _to_local(stamps: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Wall-clock times with a UTC offset (``Z``, ``+01:00``) as naive UK local times."""
    zone = pd.Series(zones, dtype=object).str.replace(":", "", regex=False)
    sign = np.where(zone.str[0] == "-", -1, 1)
    minutes = np.where(
        zone == "Z",
        0,
        sign
        * (
            pd.to_numeric(zone.str[1:3], errors="coerce").fillna(0).to_numpy(dtype="int64") * 60
            + pd.to_numeric(zone.str[3:5], errors="coerce").fillna(0).to_numpy(dtype="int64")
        ),
    )
    utc = stamps - minutes.astype("int64").astype("timedelta64[m]")
    local = pd.Series(utc).dt.tz_localize("UTC").dt.tz_convert("Europe/London")
    return local.dt.tz_localize(None).to_numpy().astype("datetime64[ns]")


# -- cells ----------------------------------------------------------------------------------------


def _value_kind(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return "missing"
    if isinstance(value, (dt.date, np.datetime64)):
        return "time"
    if isinstance(value, bool | np.bool_):
        return "other"
    if isinstance(value, int | float | np.integer | np.floating):
        return "number"
    return "text"


def _naive_cell(value: Any) -> Any:
    """A date or date-time cell as a naive timestamp (UK time); NaT when out of range."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, OverflowError, TypeError):
        return pd.NaT
    if stamp is pd.NaT:
        return pd.NaT
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("Europe/London").tz_localize(None)
    return stamp


def _plain_number(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    number = float(value)
    return str(int(number)) if number.is_integer() else str(value)


def cell_text(value: Any) -> str | None:
    """A cell as stripped text, ``None`` where blank: ``9212044.0`` as ``"9212044"``, a date
    cell as ISO (``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM:SS`` with a time), a boolean as
    ``true``/``false``. What the loader reports when a value cannot be read, and what the
    importers write for a cell."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    return text or None
