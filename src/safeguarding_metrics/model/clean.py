"""Parse and validate one canonical table, vectorised over its rows.

:func:`clean_table` turns a raw table (text from a CSV file, or typed columns from Parquet or
from Python objects) into typed columns, and lists every fault it finds as a data-quality row.
The rules are those of the data contract:

* a record with an empty or unparseable *required* field, or sharing its key with a different
  record, or repeating another record exactly, is **set aside** from everything;
* a fault in an *optional* field (an unparseable date, a negative interval) leaves the record
  out only of the indicators that read that field (it is marked in ``field_faults``);
* an unknown code is a **warning**: the record is kept as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .coded import MISSING, column_codes, dictionary_encoded, repeated, row_hashes, text_hashes
from .dates import parse_dates
from .quality import Action, Severity, faults_frame, first_dates
from .tables import Column, TableSpec

__all__ = ["TEXT_DTYPE", "CleanTable", "as_arrow_text", "clean_table"]

_TRUE = frozenset({"true", "t", "1", "y", "yes"})
_FALSE = frozenset({"false", "f", "0", "n", "no"})
#: Dates outside these years are taken as data-entry errors (e.g. 1900-01-01 placeholders are
#: kept, 0001-01-01 or 9999-12-31 are not).
YEAR_RANGE = (1900, 2100)
_YEAR_BOUNDS = (
    np.datetime64(f"{YEAR_RANGE[0]}-01-01"),
    np.datetime64(f"{YEAR_RANGE[1] + 1}-01-01"),
)
#: The dtype of the loaded tables' text columns (identifiers, codes, free text; not the child
#: identifiers, which are coded): pandas' ``str`` dtype, Arrow strings with NaN where missing,
#: so that no Python string is made until an indicator asks for one.
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


def as_arrow_text(values: pd.Series, shared: bool) -> pd.Series:
    """An object column of text (``str``, ``None`` where missing) as :data:`TEXT_DTYPE`; other
    columns as they are. A ``shared`` column (codes: one Python string per distinct value,
    as cleaning gives them) is converted by its distinct string objects only. Anything but
    ``str`` and ``None`` raises ``TypeError`` or ``pyarrow.ArrowException``."""
    if values.dtype != object:
        return values
    held = np.ascontiguousarray(values.to_numpy(dtype=object))
    if shared and len(held):
        # the rows grouped by the address of their string object: equal objects, equal values
        codes, _ = pd.factorize(np.frombuffer(held, dtype=np.uintp).copy())
        where = np.zeros(int(codes.max()) + 1, dtype=np.int64)
        where[codes] = np.arange(len(codes))
        distinct = pa.array(held[where], type=pa.large_string())
        array = distinct.take(pa.array(codes.astype(np.int32)))
    else:
        array = pa.array(held, type=pa.large_string())  # not from_pandas: a NaN is refused
    return pd.Series(pd.array(array, dtype=TEXT_DTYPE), index=values.index, name=values.name)


@attrs.frozen(kw_only=True, eq=False)
class CleanTable:
    """A validated table: its usable rows, the fields to leave out, and its faults."""

    frame: pd.DataFrame
    field_faults: dict[str, np.ndarray]
    faults: pd.DataFrame
    read: int
    set_aside: int
    #: The rows' child identifiers as ``(positions, identifiers)``: an integer array, one per
    #: row of ``frame``, indexing a pyarrow string array of the table's distinct identifiers
    #: (no nulls, each once, in any order), when known at no cost (cleaning's codes, or a
    #: table read from the cache): the children are then coded without a Python string per
    #: row. ``None`` when not known (the identifiers are then coded by value).
    child_codes: tuple[np.ndarray, pa.Array] | None = None


#: Python's whitespace (``str.isspace``, what ``str.strip`` and ``re``'s ``\\s`` remove), as an
#: RE2 character class for Arrow's regular expressions.
_SPACES = (
    (0x09, 0x0D),
    (0x1C, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)
_SPACE_CLASS = "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in _SPACES) + "]"
_EDGE_SPACE = f"^{_SPACE_CLASS}|{_SPACE_CLASS}$"
#: A cell written with a leading ``'`` before a character a spreadsheet reads as a formula:
#: how the importers and every export defuse ``-123`` or ``=X`` (``'-123``); read back, the
#: ``'`` is dropped, so that an imported id is the council's own (``-123``), not ``'-123``.
_DEFUSED = "^'[=+\\-@\t\r]"
_UNDEFUSE = "^'(?=[=+\\-@\t\r])"
_EDGE_OR_DEFUSED = f"{_EDGE_SPACE}|{_DEFUSED}"


def _arrow_text(values: pd.Series) -> pa.Array | None:
    """A column of text (``str`` values and missing ones) as an Arrow array; ``None`` when the
    column holds anything else (numbers, bytes, ...). A column of Arrow dictionaries of text
    (as text is read from Parquet: :func:`~.files.read_table_file`) is decoded."""
    chunked = _arrow_dictionary(values)
    if chunked is not None:
        return chunked.cast(chunked.type.value_type).combine_chunks()
    if isinstance(values.dtype, pd.StringDtype):
        pass
    elif values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) != "string":
        return None
    try:
        array = pa.array(values.array if values.dtype != object else values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array if pa.types.is_string(array.type) or pa.types.is_large_string(array.type) else None


def _arrow_dictionary(values: pd.Series) -> pa.ChunkedArray | None:
    """A column of Arrow dictionaries of text (``pd.ArrowDtype(dictionary<..., string>)``) as
    the chunked array pandas holds; ``None`` for any other column."""
    dtype = values.dtype
    if not isinstance(dtype, pd.ArrowDtype) or not pa.types.is_dictionary(dtype.pyarrow_dtype):
        return None
    kind = dtype.pyarrow_dtype.value_type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return None
    held = values.array.__arrow_array__()
    return held if isinstance(held, pa.ChunkedArray) else pa.chunked_array([held])


def _dictionary_codes(chunked: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """The exact codes (``int64``, :data:`~.coded.MISSING` where missing) and the distinct
    values (``large_string``, each once, none missing) of a column of Arrow dictionaries.

    Only the dictionaries' values are hashed, each distinct dictionary once (the chunks of a
    Parquet row group share one), not a value per row; the rows' indices are mapped by one
    lookup each. The distinct values may hold some no row uses (a dictionary's unused
    values: :func:`_kept_positions` leaves them out); a dictionary holding a value twice or
    a missing value is made exact on the way.
    """
    starts: dict[tuple[int, ...], int] = {}
    dictionaries: list[pa.Array] = []
    at = 0
    for chunk in chunked.chunks:
        key = _buffers_of(chunk.dictionary)
        if key not in starts:
            starts[key] = at
            dictionaries.append(chunk.dictionary)
            at += len(chunk.dictionary)
    held = pa.chunked_array(dictionaries, type=chunked.type.value_type).cast(pa.large_string())
    encoded = held.combine_chunks().dictionary_encode()
    remap = np.append(pc.fill_null(encoded.indices, MISSING).to_numpy().astype(np.int64), MISSING)
    out = np.empty(len(chunked), dtype=np.int64)
    at = 0
    for chunk in chunked.chunks:
        start, size = starts[_buffers_of(chunk.dictionary)], len(chunk.dictionary)
        lookup = np.append(remap[start : start + size], MISSING)  # the last: missing
        indices = chunk.indices
        if indices.null_count:
            indices = pc.fill_null(indices.cast(pa.int64()), -1)
        # each chunk's codes looked up straight into its place (its indices as they are)
        np.take(lookup, indices.to_numpy(), out=out[at : at + len(chunk)])
        at += len(chunk)
    return out, encoded.dictionary


def _buffers_of(array: pa.Array) -> tuple[int, ...]:
    """What tells an Arrow array's data apart from another's: its buffers' addresses, its
    offset and length (the chunks of one Parquet row group share their dictionary)."""
    addresses = tuple(-1 if b is None else b.address for b in array.buffers())
    return (*addresses, array.offset, len(array))


def _text(values: pd.Series) -> pd.Series:
    """Values as stripped text (object dtype), ``None`` where missing or empty."""
    return _text_and_arrow(values)[0]


def _text_and_arrow(values: pd.Series, shared: bool = False) -> tuple[pd.Series, pa.Array | None]:
    """:func:`_text`, and the column as Arrow text before stripping when it was text.

    Text columns are handled by Arrow: only the values with whitespace at either end are
    stripped by Python, instead of every value being converted and stripped. With ``shared``
    (for codes: few distinct values) equal values share one Python string, which saves the
    memory and the time of a string object per row.
    """
    array = _arrow_text(values)
    if array is not None:
        return _text_of_arrow(values, array, shared)[0], array
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.dt.strftime("%Y-%m-%d").astype(object)
    else:
        out = _whole_floats_as_integers(values).astype(object)
    mask = pd.isna(out)
    out = out.where(mask, _strip(out.astype(str)))
    out = out.where(~mask & (out != ""), None)
    return out, None


def _text_of_arrow(values: pd.Series, array: pa.Array, shared: bool) -> tuple[pd.Series, bool]:
    """Arrow text as stripped text (object dtype), ``None`` where missing or empty; and
    whether any value had whitespace (or a defusing ``'``) to strip."""
    if shared:
        encoded = array.dictionary_encode()
        distinct = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
        lookup = np.full(len(distinct) + 1, None, dtype=object)  # the last: missing
        lookup[:-1] = distinct
        out = lookup[pc.fill_null(encoded.indices, len(distinct)).to_numpy()]
    else:
        out = array.to_numpy(zero_copy_only=False)
        if out.dtype != object:  # pragma: no cover - Arrow gives objects for text
            out = out.astype(object)
        else:
            out = out.copy() if not out.flags.writeable else out
    empty = pc.fill_null(pc.equal(pc.binary_length(array), 0), False).to_numpy(zero_copy_only=False)
    edge = pc.fill_null(pc.match_substring_regex(array, _EDGE_OR_DEFUSED), False).to_numpy(
        zero_copy_only=False
    )
    if edge.any():
        stripped = _strip(pd.Series(out[edge], dtype=object)).to_numpy(dtype=object)
        out[edge] = stripped
        empty[np.flatnonzero(edge)[stripped == ""]] = True
    out[empty] = None
    text = pd.Series(out, index=values.index, name=values.name, dtype=object)
    return text, bool(edge.any())


def _text_coded(
    values: pd.Series, shared: bool
) -> tuple[pd.Series, pa.Array | None, np.ndarray | None, pa.Array | None]:
    """:func:`_text_and_arrow`'s values (property-tested equal) as :data:`TEXT_DTYPE`, with
    equality codes, without a Python string per row.

    Returns the text, the Arrow array before stripping (``None`` when the column was not
    text), the codes of the values (``None`` when not known) and, for ``shared`` columns, the
    distinct values the codes index, as an Arrow string array (then the codes are exact:
    ``MISSING`` where missing). Only the few values with spaces at an edge or a defusing
    ``'`` are stripped by Python (:func:`_fixed_by_python`), so that stripping stays
    Python's own. A ``shared`` column (codes, child ids) is stripped on its distinct values
    only: a code column of 21 million visits holds three. Other text is coded by hashing its
    bytes (:func:`~.coded.text_hashes`), which only finds candidates for pandas to compare.
    A column that is not text (numbers, dates) takes :func:`_text_and_arrow`'s route (Python
    objects; :func:`_parse_column` makes them :data:`TEXT_DTYPE` once final).
    """
    if shared and (chunked := _arrow_dictionary(values)) is not None:
        return _dictionary_coded(values, chunked)
    array = _arrow_text(values)
    if array is None:
        return _text_and_arrow(values)[0], None, None, None
    if not shared:
        maybe = _edge_candidates(array)
        cleaned = _emptied(_fixed_by_python(array, _EDGE_OR_DEFUSED, _strip, maybe)[0])
        hashed = text_hashes(cleaned)  # None when a value is long: coded when needed
        if hashed is not None and cleaned.null_count:
            hashed[~pc.is_valid(cleaned).to_numpy(zero_copy_only=False)] = MISSING
        return _text_series(cleaned, values), array, hashed, None
    codes, dictionary = dictionary_encoded(array)
    maybe = _edge_candidates(dictionary)
    distinct, changed = _fixed_by_python(dictionary, _EDGE_OR_DEFUSED, _strip, maybe)
    distinct = _emptied(distinct)
    if not (changed or distinct.null_count):  # the values as they were: each once, no ""
        return _text_series(array, values), array, codes, distinct
    codes, distinct = _recoded(codes, distinct)
    return _text_series(_taken(distinct, codes), values), array, codes, distinct


def _dictionary_coded(
    values: pd.Series, chunked: pa.ChunkedArray
) -> tuple[pd.Series, pa.Array, np.ndarray, pa.Array]:
    """:func:`_text_coded` of a shared column read as Arrow dictionaries: the dictionary is
    taken as it is (:func:`_dictionary_codes`) instead of being built by hashing every row,
    and stripped on its values as :func:`_text_coded` strips distinct values. A dictionary
    holding a value twice or a missing value, or values equal once stripped, is made exact
    by :func:`_recoded`; values no row uses may stay among the distinct values (no code
    points to them)."""
    codes, dictionary = _dictionary_codes(chunked)
    array = _taken(dictionary, codes)  # the rows' values before stripping
    maybe = _edge_candidates(dictionary)
    distinct, changed = _fixed_by_python(dictionary, _EDGE_OR_DEFUSED, _strip, maybe)
    distinct = _emptied(distinct)
    if not (changed or distinct.null_count):
        return _text_series(array, values), array, codes, distinct
    codes, distinct = _recoded(codes, distinct)
    return _text_series(_taken(distinct, codes), values), array, codes, distinct


def _fixed_by_python(
    array: pa.Array,
    pattern: str,
    fix: Callable[[pd.Series], pd.Series],
    maybe: np.ndarray | None = None,
) -> tuple[pa.Array, bool]:
    """Arrow text whose values matching ``pattern`` (an RE2 expression) are replaced by
    ``fix`` of them as Python strings; and whether any matched.

    Only the matching values (spaces at an edge, a defusing ``'``, spaces inside a code:
    few) become Python strings, so that the change is exactly Python's (``str.strip`` and
    ``re``'s ``\\s`` know whitespace that Arrow's trimming and RE2's ``\\s`` do not). With
    ``maybe`` (the values that may match, found from their bytes: :func:`_edge_candidates`)
    only those are matched against ``pattern``.
    """
    hit = _matching(array, pattern, maybe)
    if not hit.any():
        return array, False
    mask = pa.array(hit)
    few = pd.Series(array.filter(mask).to_pylist(), dtype=object)
    fixed = pa.array(fix(few).to_numpy(dtype=object), type=array.type)
    return pc.replace_with_mask(array, mask, fixed), True


def _matching(array: pa.Array, pattern: str, maybe: np.ndarray | None = None) -> np.ndarray:
    """Which values of Arrow text match ``pattern`` (RE2; missing ones do not), trying only
    those ``maybe`` marks when given."""
    if maybe is None:
        found = pc.fill_null(pc.match_substring_regex(array, pattern), False)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    hit = np.zeros(len(array), dtype=bool)
    at = np.flatnonzero(maybe)
    if len(at):
        found = pc.fill_null(pc.match_substring_regex(array.take(pa.array(at)), pattern), False)
        hit[at[np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)]] = True
    return hit


#: Bytes that may begin or end a value Python strips, or begin a defused one: the ASCII
#: whitespace of :data:`_SPACES`, ``'``, and every byte of a character beyond ASCII (U+0085,
#: the no-break space, U+3000, ... are several bytes in UTF-8, each of them >= 0x80).
_EDGE_BYTES = np.zeros(256, dtype=bool)
_EDGE_BYTES[[c for low, high in _SPACES for c in range(low, min(high, 0x7F) + 1)]] = True
_EDGE_BYTES[0x80:] = True
_EDGE_BYTES[ord("'")] = True


def _text_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (one more than values; ``int32`` or ``int64`` as Arrow holds them) and the
    UTF-8 bytes of Arrow text, as numpy views of its buffers (nothing copied)."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    n = len(array)
    _, offsets_buffer, data_buffer = array.buffers()[:3]
    if offsets_buffer is None:  # pragma: no cover - an empty array built without buffers
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(offsets_buffer, dtype=width)[array.offset : array.offset + n + 1]
    data = np.zeros(0, dtype=np.uint8)
    if data_buffer is not None:
        data = np.frombuffer(data_buffer, dtype=np.uint8)
    return offsets, data


#: Values looked at together by :func:`_edge_candidates` (bounds its memory: a few index
#: arrays of this length, not of the column's).
_BLOCK = 1 << 20


def _edge_candidates(array: pa.Array) -> np.ndarray:
    """The values of Arrow text that *may* have whitespace at an edge or a defusing ``'``
    (:data:`_EDGE_OR_DEFUSED`), from their first and last bytes: every value the expression
    matches, and few others (text ending in ``é``), in a pass over two bytes a value instead
    of a regular expression over each value."""
    offsets, data = _text_bytes(array)
    maybe = np.zeros(len(array), dtype=bool)
    if not len(data):
        return maybe
    for low in range(0, len(array), _BLOCK):
        bounds = offsets[low : low + _BLOCK + 1].astype(np.int64)
        start, end = bounds[:-1], bounds[1:]
        filled = end > start
        first = data[np.where(filled, start, 0)]
        last = data[np.where(filled, end - 1, 0)]
        maybe[low : low + len(start)] = filled & (_EDGE_BYTES[first] | _EDGE_BYTES[last])
    return maybe


def _may_hold_invisible(array: pa.Array) -> bool:
    """Whether Arrow text may hold a character of :data:`_INVISIBLE`: each is three bytes in
    UTF-8, the first 0xE2 or 0xEF, so text without a byte from 0xE2 up holds none."""
    offsets, data = _text_bytes(array)
    if not len(offsets) or not len(data):
        return False
    held = data[int(offsets[0]) : int(offsets[-1])]
    return bool(len(held)) and int(held.max()) >= 0xE2


def _emptied(array: pa.Array) -> pa.Array:
    """Arrow text with its empty values missing (an empty field is no value)."""
    empty = pc.equal(pc.binary_length(array), 0)
    if not pc.fill_null(empty, False).true_count:
        return array
    return pc.if_else(empty, pa.scalar(None, type=array.type), array)


def _recoded(codes: np.ndarray, distinct: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """``codes`` indexing ``distinct`` (Arrow text, some values missing or equal to others
    once stripped) made exact again: positions among distinct values that are present and
    each held once (:data:`~.coded.MISSING` where missing)."""
    again = distinct.dictionary_encode()
    lookup = np.append(pc.fill_null(again.indices, MISSING).to_numpy().astype(np.int64), MISSING)
    return lookup[codes], again.dictionary


def _taken(distinct: pa.Array, codes: np.ndarray) -> pa.Array:
    """The rows' values from their ``codes`` among ``distinct`` (missing where
    :data:`~.coded.MISSING`).

    Taken by ``int32`` positions, and without a validity mask when no row is missing (the
    usual case): Arrow's take is then 2-4 times faster than with ``int64`` and a mask."""
    missing = codes == MISSING
    narrow = np.int32 if len(distinct) < np.iinfo(np.int32).max else np.int64
    if not missing.any():
        return distinct.take(pa.array(codes.astype(narrow, copy=False)))
    return distinct.take(pa.array(np.where(missing, 0, codes).astype(narrow), mask=missing))


def _without_spaces(text: pd.Series) -> pd.Series:
    """Codes (Python strings) without the whitespace inside them (``"A B"`` -> ``"AB"``)."""
    return text.str.replace(r"\s+", "", regex=True)


def _as_text(text: pd.Series) -> pd.Series:
    """A cleaned text column as :data:`TEXT_DTYPE` (one made of Python objects, from input
    that was not text, converted; one already so kept)."""
    return as_arrow_text(text, shared=False) if text.dtype == object else text


def _text_series(array: pa.Array, like: pd.Series) -> pd.Series:
    """Arrow text as a :data:`TEXT_DTYPE` column with ``like``'s index and name (pandas holds
    ``large_string``: a ``string`` array's offsets are widened, its text is not copied)."""
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    held = pd.array(array, dtype=TEXT_DTYPE)
    return pd.Series(held, index=like.index, name=like.name, copy=False)


def _strip(text: pd.Series) -> pd.Series:
    """Text stripped of surrounding spaces and of the ``'`` that defuses a formula-like value
    (:data:`_DEFUSED`)."""
    return text.str.strip().str.replace(_UNDEFUSE, "", regex=True).str.strip()


def _whole_floats_as_integers(values: pd.Series) -> pd.Series:
    """A float column's whole numbers written as integers (``566910.0`` -> ``566910``).

    pandas stores an integer column with a missing value as floats, and writes it to Parquet
    so: read as text, ``566910.0`` would be another child than the ``566910`` of a CSV table,
    and its records would silently lose their child's details. Other values (``1.5``, beyond
    2**53, where a float no longer holds every whole number) are left as they are.
    """
    if not pd.api.types.is_float_dtype(values.dtype):
        return values
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    whole = np.isfinite(numbers) & (np.abs(numbers) <= INT_LIMIT)
    whole[whole] = numbers[whole] % 1 == 0
    if not whole.any():
        return values
    out = values.astype(object)
    out[whole] = numbers[whole].astype(np.int64).astype(str).astype(object)
    return out


class _Faults:
    """Collects faults of one table as columnar chunks.

    Each fault keeps its record's position, so that :meth:`frame` can give it the record's
    date (:func:`~.quality.first_dates`) once every column is parsed: the date that places
    the finding in the periods whose figures it concerns.
    """

    def __init__(self, spec: TableSpec, file: str, rows: np.ndarray) -> None:
        self.spec = spec
        self.file = file
        self.rows = rows
        self.chunks: list[pd.DataFrame] = []

    def frame(self, columns: Mapping[str, pd.Series]) -> pd.DataFrame:
        """The data-quality table of the faults, each dated by its record's parsed ``columns``
        (aligned with the rows as read; an unreadable date is missing there)."""
        chunks = []
        for chunk in self.chunks:
            positions = chunk["_pos"].to_numpy()
            dated = chunk.drop(columns=["_pos"])
            dated["date"] = first_dates(self.spec.name, columns, positions)
            chunks.append(dated)
        return faults_frame(chunks)

    def add(
        self,
        mask: np.ndarray,
        column: str | None,
        reason: str | pd.Series | Callable[[np.ndarray], Any],
        severity: Severity,
        action: Action,
    ) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        n = int(mask.sum())
        if isinstance(reason, pd.Series):
            reasons: Any = reason[mask].to_numpy()
        elif callable(reason):
            reasons = list(reason(mask))  # built for the faulty rows only
        else:
            reasons = [reason] * n
        self.chunks.append(
            pd.DataFrame(
                {
                    "table": self.spec.name,
                    "file": self.file,
                    "row": self.rows[mask],
                    "column": column,
                    "severity": str(severity),
                    "action": str(action),
                    "reason": reasons,
                    "_pos": np.flatnonzero(mask),
                }
            )
        )


def _quoted(text: pd.Series | None, prefix: str, suffix: str, width: int = 30) -> Any:
    """Reasons quoting the offending value, built only for the rows at fault.

    A value longer than ``width`` is cut and ends with ``…``, so that a cut value is never
    taken for the whole one (``'99999999999999999999'`` for a 23-digit number).
    """

    def cut(value: object) -> str:
        shown = str(value)
        return shown if len(shown) <= width else shown[:width] + "…"

    def build(mask: np.ndarray) -> list[str]:
        if text is None:
            return [prefix + suffix] * int(mask.sum())
        # the faulty rows only: a column of Arrow text makes no Python string for the others
        return [f"{prefix}{cut(v)!r}{suffix}" for v in text.iloc[np.flatnonzero(mask)].to_numpy()]

    return build


#: Characters that print as nothing (zero-width space, joiners, word joiner, BOM): pasted into
#: an identifier they make a second child of the same one.
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff]"
#: The largest whole number an ``int`` column accepts (2**53, exact in a float).
INT_LIMIT = 2**53


def _visible_ids(text: pd.Series, arrow: pa.Array | None, name: str, faults: _Faults) -> pd.Series:
    """Identifiers with invisible characters removed, and one warning for the column.

    ``C01\u200b`` or ``\ufeffC01`` would otherwise be a child other than ``C01``. The finding
    counts them and names the first row; it never quotes an identifier. ``text`` may be
    Python objects or :data:`TEXT_DTYPE` (kept so); only the identifiers changed become
    Python strings, stripped by Python as every value was.
    """
    if arrow is not None:
        hit = np.zeros(len(arrow), dtype=bool)
        if _may_hold_invisible(arrow):
            hit = _matching(arrow, _INVISIBLE)
    else:
        hit = text.astype(str).str.contains(_INVISIBLE, regex=True).to_numpy() & text.notna()
        hit = np.asarray(hit, dtype=bool)
    if not hit.any():
        return text
    out = text.copy()
    at = np.flatnonzero(hit)
    cleaned = text.iloc[at].astype(object).str.replace(_INVISIBLE, "", regex=True).str.strip()
    out.iloc[at] = cleaned.where(cleaned != "", None).to_numpy(dtype=object)
    first = np.zeros(len(text), dtype=bool)
    first[np.flatnonzero(hit)[0]] = True
    faults.add(
        first,
        name,
        f"{int(hit.sum())} identifier(s) in this column held invisible characters (zero-width "
        "space or byte-order mark; the first at this row): removed, so that they match the "
        "same identifier without them",
        Severity.WARNING,
        Action.KEPT,
    )
    return out


def _parse_column(
    column: Column,
    raw: pd.Series,
    faults: _Faults,
    unusable: np.ndarray,
    field_bad: np.ndarray,
    pivot_year: int | None = None,
    codes: dict[str, np.ndarray] | None = None,
    distincts: dict[str, pa.Array] | None = None,
) -> pd.Series:
    """Parse one column; mark rows to set aside (``unusable``) or fields to leave out.

    Dates are read by :func:`~.dates.parse_dates` (every form councils' files carry, two-digit
    years against ``pivot_year``, default the current year); an unreadable one says why.
    With ``codes`` (the fast path), a text column's equality codes are put there when they
    come at no extra cost (:func:`_text_coded`), and codes are checked on distinct values;
    text columns (identifiers, codes, free text) are then given as :data:`TEXT_DTYPE`, and an
    identifier column whose codes are exact positions puts its distinct values (Arrow text)
    in ``distincts``.
    """
    coded: np.ndarray | None = None
    distinct: pa.Array | None = None
    name, kind = column.name, column.kind
    if kind in ("date", "datetime"):
        dates = parse_dates(raw, with_time=kind == "datetime", pivot_year=pivot_year)
        parsed, text, why = dates.stamps, dates.text, dates.reasons.to_numpy()
        present = dates.present
        bad = dates.unreadable
    elif kind == "bool" and pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean")
    else:
        shared = kind != "id" or name.endswith("child_id")
        if codes is not None and kind in ("id", "text", "code"):
            text, arrow, coded, distinct = _text_coded(raw, shared)
        else:
            text, arrow = _text_and_arrow(raw, shared=shared)
        if kind == "id":
            visible = _visible_ids(text, arrow, name, faults)
            if visible is not text:
                coded = distinct = None  # values changed: coded again when needed
            text = visible
        present = text.notna().to_numpy() if distinct is None else np.asarray(coded != MISSING)
        bad = np.zeros(len(raw), dtype=bool)

    if column.required:
        missing = ~present
        faults.add(missing, name, "required value is empty", Severity.ERROR, Action.SET_ASIDE)
        unusable |= missing

    if kind in ("id", "text"):
        if codes is not None and coded is not None:
            codes[name] = coded
            if distinct is not None and distincts is not None:
                distincts[name] = distinct
        return text if codes is None else _as_text(text)
    if kind == "code":
        assert text is not None
        if distinct is not None and coded is not None:
            # spaces inside a code removed on its distinct values (most codes have none)
            squeezed, changed = _fixed_by_python(distinct, _SPACE_CLASS, _without_spaces)
            if changed:  # "A B" is now "AB", which another value may already be
                coded, distinct = _recoded(coded, squeezed)
                text = _text_series(_taken(distinct, coded), text)
            out = text
        elif arrow is not None:
            # only values with whitespace in them change (most codes have none)
            spaced = pc.fill_null(pc.match_substring_regex(arrow, _SPACE_CLASS), False)
            spaced = spaced.to_numpy(zero_copy_only=False) & present
            out = text.copy()
            if spaced.any():
                out[spaced] = text[spaced].str.replace(r"\s+", "", regex=True)
                coded = distinct = None  # "A B" is now "AB": coded again when needed
        else:
            out = text.where(~present, text.str.replace(r"\s+", "", regex=True))
        if column.codes is not None and coded is not None and distinct is not None:
            listed = pa.array(sorted(column.codes), type=distinct.type)
            known = pc.is_in(distinct, value_set=listed).to_numpy(zero_copy_only=False)
            unknown = present & ~np.append(known, False)[coded]
        elif column.codes is not None:
            unknown = present & ~out.isin(column.codes).to_numpy()
        if column.codes is not None:
            faults.add(
                unknown,
                name,
                _quoted(out, "unknown code ", "; record kept", 20),
                Severity.WARNING,
                Action.KEPT,
            )
        if codes is not None and coded is not None:
            codes[name] = coded
        return out if codes is None else _as_text(out)

    if kind in ("date", "datetime"):
        held, far = parsed.to_numpy(), dates.far_years
        outside = (held < _YEAR_BOUNDS[0]) | (held >= _YEAR_BOUNDS[1])
        outside |= (far < YEAR_RANGE[0]) | (far > YEAR_RANGE[1])
        out_of_range = present & outside
        expected = " (expected YYYY-MM-DD)" if kind == "date" else " (expected ISO 8601)"
        unparseable = bad & ~out_of_range

        def bad_reason(mask: np.ndarray) -> list[str]:
            details = [": " + str(w) + (expected if w == "not a date" else "") for w in why[mask]]
            quoted = [
                q + d
                for q, d in zip(_quoted(text, "unparseable date ", "")(mask), details, strict=True)
            ]
            years = pd.Series(held[mask]).dt.year.to_numpy(dtype="float64", na_value=np.nan)
            years = np.where(np.isnan(far[mask]), years, far[mask])
            year_text = [f"{y:.0f}" for y in np.nan_to_num(years)]
            range_text = [
                f"date out of range (year {y}; accepted {YEAR_RANGE[0]}-{YEAR_RANGE[1]})"
                for y in year_text
            ]
            return [
                q if u else r for q, r, u in zip(quoted, range_text, unparseable[mask], strict=True)
            ]

        bad = bad | out_of_range
        if out_of_range.any():  # (unreadable ones are NaT already, dates at midnight)
            parsed = parsed.where(~out_of_range)
    elif kind == "bool":
        assert text is not None
        parsed = _booleans(text)
        bad = present & parsed.isna().to_numpy()
        bad_reason = _quoted(text, "not a boolean ", " (expected true/false, 1/0 or Y/N)", 20)
    elif kind in ("int", "float"):
        assert text is not None
        numbers = pd.to_numeric(text, errors="coerce")
        bad = present & numbers.isna().to_numpy()
        if kind == "int":
            fractional = present & ~bad & (numbers.fillna(0) % 1 != 0).to_numpy()
            # beyond 2**53 a float no longer holds every whole number (and beyond 2**63 no
            # Int64 does): such a count is a data-entry error, not a value to round
            huge = present & ~bad & ~fractional & (numbers.abs() > INT_LIMIT).to_numpy()
            bad = bad | fractional | huge
            numbers = numbers.where(~bad)
            parsed = numbers.round().astype("Int64")
            whole = _quoted(text, "not a whole number ", "", 20)
            limit = _quoted(text, "number out of range ", f" (accepted up to {INT_LIMIT:,})", 20)

            def bad_reason(mask: np.ndarray) -> list[str]:
                return [
                    h if is_huge else w
                    for w, h, is_huge in zip(whole(mask), limit(mask), huge[mask], strict=True)
                ]

        else:
            # "inf" and "1e999" read as infinity: not a value an FTE or a rate can take
            bad = bad | (present & ~np.isfinite(numbers.fillna(0).to_numpy(dtype="float64")))
            parsed = numbers.where(~bad).astype("float64")
            bad_reason = _quoted(text, "not a number ", "", 20)
    else:  # pragma: no cover - KINDS is closed
        raise AssertionError(kind)

    if column.required:
        faults.add(bad, name, bad_reason, Severity.ERROR, Action.SET_ASIDE)
        unusable |= bad
    else:
        faults.add(
            bad,
            name,
            lambda mask: [
                r + "; left out of the indicators that read this column" for r in bad_reason(mask)
            ],
            Severity.ERROR,
            Action.FIELD_LEFT_OUT,
        )
        field_bad |= bad
    return parsed


def _booleans(text: pd.Series) -> pd.Series:
    """Text read as booleans (``true``/``false``, ``t``/``f``, ``1``/``0``, ``y``/``n``,
    ``yes``/``no``, in any case), missing where it is none of them or missing.

    A boolean column holds a handful of distinct values: each is lowered and looked up once
    (``pd.factorize``), not every row (the same result as ``text.str.lower()`` over every
    row, property-tested).
    """
    positions, distinct = pd.factorize(text, use_na_sentinel=True)
    low = pd.Series(np.asarray(distinct, dtype=object), dtype=object).str.lower()
    truth = np.full(len(distinct) + 1, -1, dtype=np.int8)  # the last: missing
    truth[:-1][low.isin(_TRUE).to_numpy()] = 1
    truth[:-1][low.isin(_FALSE).to_numpy()] = 0
    values = truth[positions]
    flags = pd.arrays.BooleanArray(values == 1, values < 0)
    return pd.Series(flags, index=text.index, copy=False)


def _exact_duplicates(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """``frame.duplicated(subset=columns, keep="first")`` as a bool array, in less memory.

    pandas factorizes every column and holds all their codes at once (about 70 bytes a row of
    the visits table). Rows are first hashed, column by column, into one 64-bit hash each;
    only the rows whose hash repeats (all the duplicates, and rare collisions) are compared
    by pandas.
    """
    hashed = pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()
    maybe = np.flatnonzero(pd.Series(hashed).duplicated(keep=False).to_numpy())
    repeat = np.zeros(len(frame), dtype=bool)
    if len(maybe):
        repeat[maybe] = frame.iloc[maybe].duplicated(subset=columns, keep="first").to_numpy()
    return repeat


def _repeats(
    frame: pd.DataFrame,
    compare: list[str],
    candidates: np.ndarray,
    codes: dict[str, np.ndarray] | None,
    suspects: np.ndarray | None = None,
) -> tuple[np.ndarray, pd.Series]:
    """Rows repeating an earlier candidate row exactly, and each one's reason (the row it
    repeats). With ``codes`` (the fast path) only the rows whose coded values repeat are
    compared by pandas, looked for among ``suspects`` only when given (rows whose key repeats,
    :func:`_key_suspects`: two equal rows have equal keys); without, every candidate (the
    reference path). The reasons are a Series over the frame's rows when a row repeats, else
    empty (read only where the mask is set)."""
    n = len(frame)
    if codes is None:
        group_rows = np.flatnonzero(candidates)
        sub = frame if candidates.all() else frame.loc[candidates]
        within = _exact_duplicates(sub, compare)
    else:
        group_rows = _suspected(frame, compare, candidates, codes, suspects)
        few = frame.iloc[group_rows]
        within = few.duplicated(subset=compare, keep="first").to_numpy()
    mask = np.zeros(n, dtype=bool)
    if not within.any():
        return mask, pd.Series([], dtype=object)
    # the first row of each group of equal rows (the groups lie within ``group_rows``, whole)
    rows = frame.iloc[group_rows]
    first_row = (
        rows["_row"]
        .groupby(
            [rows[c].astype(object).where(rows[c].notna(), "\x00") for c in compare],
            sort=False,
        )
        .transform("first")
        .to_numpy()
    )
    at = group_rows[within]
    mask[at] = True
    reasons = pd.Series("", index=frame.index)
    reasons.iloc[at] = "exact duplicate of row " + first_row[within].astype(str) + "; counted once"
    return mask, reasons


def _suspected(
    frame: pd.DataFrame,
    columns: list[str],
    candidates: np.ndarray,
    codes: dict[str, np.ndarray],
    suspects: np.ndarray | None = None,
) -> np.ndarray:
    """Positions (ascending) of the candidate rows whose coded ``columns`` repeat among the
    candidates: every row equal to another candidate on ``columns`` is among them (with rare
    collisions, which pandas then tells apart). With ``suspects``, a mask every such row is
    known to lie within, only those rows are hashed."""
    look = candidates if suspects is None else candidates & suspects
    if look.all():
        rows: np.ndarray | None = None
        positions = np.arange(len(frame))
    else:
        rows = positions = np.flatnonzero(look)
    if len(columns) == 1:  # one column (a key): its codes repeat where its values do
        single = _codes_of(frame, columns[0], codes)
        hashed = single if rows is None else single[rows]
    else:
        hashed = row_hashes((_codes_of(frame, c, codes) for c in columns), len(positions), rows)
    return positions[repeated(hashed)]


def _key_suspects(
    frame: pd.DataFrame, key: list[str], candidates: np.ndarray, codes: dict[str, np.ndarray]
) -> np.ndarray:
    """The candidate rows whose coded key repeats among the candidates, as a mask.

    Rows equal on every column are equal on the key, and rows sharing a key among fewer
    candidates share it among these: exact repeats and shared keys are both looked for only
    within this mask, so the key is hashed and its repeats found once for both checks.
    """
    mask = np.zeros(len(frame), dtype=bool)
    mask[_suspected(frame, key, candidates, codes)] = True
    return mask


def _shared_keys(
    frame: pd.DataFrame,
    key: list[str],
    named: tuple[str, ...],
    candidates: np.ndarray,
    codes: dict[str, np.ndarray] | None,
    suspects: np.ndarray | None = None,
) -> tuple[np.ndarray, pd.Series]:
    """Candidate rows sharing ``key`` (all of it given) with another, and their reasons.
    With ``codes`` only the rows whose coded keys repeat (among ``suspects`` when given, see
    :func:`_key_suspects`) are compared by pandas. The reasons are as :func:`_repeats`'."""
    n = len(frame)
    if codes is None:
        group_rows = np.flatnonzero(candidates)
        sub = frame if candidates.all() else frame.loc[candidates]
    else:
        group_rows = _suspected(frame, key, candidates, codes, suspects)
        sub = frame.iloc[group_rows]
    clash = (
        sub.duplicated(subset=key, keep=False).to_numpy() & sub[key].notna().all(axis=1).to_numpy()
    )
    mask = np.zeros(n, dtype=bool)
    if not clash.any():
        return mask, pd.Series([], dtype=object)
    at = group_rows[clash]
    mask[at] = True
    groups = frame.loc[at, [*key, "_row"]]
    count = groups.groupby(key, sort=False)["_row"].transform("size").to_numpy()
    first = groups.groupby(key, sort=False)["_row"].transform("min").to_numpy()
    reasons = pd.Series("", index=frame.index)
    reasons.iloc[at] = (
        f"duplicate key ({', '.join(named)}): "
        + pd.Series(count).astype(str)
        + " different records share it (first at row "
        + pd.Series(first).astype(str)
        + "); all set aside"
    ).to_numpy()
    return mask, reasons


def _codes_of(frame: pd.DataFrame, column: str, codes: dict[str, np.ndarray]) -> np.ndarray:
    """A column's equality codes: those its parsing gave, else from its values (kept, so
    that a column is coded once for the key, the repeats and the shared keys)."""
    if column not in codes:
        codes[column] = column_codes(frame[column])
    return codes[column]


def _full_key(spec: TableSpec, frame: pd.DataFrame) -> list[str]:
    """The columns records may not share: the table's key, with ``la`` first when the
    tables hold several authorities' records (empty when the table has no key)."""
    if not spec.key:
        return []
    key = list(spec.key)
    if "la" in frame.columns and frame["la"].notna().any():
        key = ["la", *key]
    return key


def clean_table(
    spec: TableSpec,
    raw: pd.DataFrame,
    *,
    file: str,
    rows: np.ndarray | None = None,
    pivot_year: int | None = None,
    _reference: bool = False,
) -> CleanTable:
    """Validate one raw table against its spec.

    Parameters
    ----------
    spec
        The canonical table.
    raw
        Its rows, with column names already normalised (stripped, lower case). Text or typed.
    file
        How the source is named in messages (a file path, or ``"referrals (in memory)"``).
    rows
        The row number of each record as the user sees it (for a CSV file, the line number with
        the header as row 1). Defaults to 1, 2, 3, ...
    pivot_year
        The year the file describes, for two-digit years (20yy unless after it, then 19yy; see
        :mod:`~safeguarding_metrics.model.dates`). Default: the current year.
    _reference
        For tests only: find repeats and shared keys by pandas over the values themselves,
        the path the fast one (equality codes, :mod:`~.coded`) is checked against.

    Returns
    -------
    CleanTable
        Usable rows (typed), per-column masks of fields to leave out, and the faults.
    """
    codes: dict[str, np.ndarray] | None = None if _reference else {}
    distincts: dict[str, pa.Array] = {}
    n = len(raw)
    rows = np.arange(1, n + 1) if rows is None else np.asarray(rows)
    faults = _Faults(spec, file, rows)
    unusable = np.zeros(n, dtype=bool)
    field_faults: dict[str, np.ndarray] = {}
    data: dict[str, pd.Series] = {}
    raw = raw.reset_index(drop=True)

    for column in spec.columns:
        if column.name not in raw.columns:
            if codes is not None and column.kind in ("id", "text", "code"):
                absent = pd.array(pa.nulls(n, type=pa.large_string()), dtype=TEXT_DTYPE)
                data[column.name] = pd.Series(absent, copy=False)
                continue  # no value, as Arrow text: no Python object a row
            data[column.name] = pd.Series([None] * n, dtype=object)
            if column.kind in ("date", "datetime"):
                data[column.name] = data[column.name].astype("datetime64[ns]")
            elif column.kind == "bool":
                data[column.name] = data[column.name].astype("boolean")
            elif column.kind == "int":
                data[column.name] = data[column.name].astype("Int64")
            elif column.kind == "float":
                data[column.name] = data[column.name].astype("float64")
            continue
        bad = np.zeros(n, dtype=bool)
        data[column.name] = _parse_column(
            column, raw[column.name], faults, unusable, bad, pivot_year, codes, distincts
        )
        if bad.any():
            field_faults[column.name] = bad

    extra = [c for c in raw.columns if c not in data]
    # column by column, not consolidated into blocks: pd.DataFrame(data) would copy every
    # column into one block per dtype, holding the table twice for a while
    frame = pd.concat(data, axis=1) if data else pd.DataFrame(data)
    for c in extra:
        frame[c] = raw[c].to_numpy()
    # as a Series without a copy (pandas 3 copies an array given to ``insert``)
    frame.insert(0, "_row", pd.Series(rows, index=frame.index, copy=False))

    # Negative intervals: the fault belongs to the later field, so the record still counts for
    # indicators that read only its start (a referral whose closure precedes it is a referral).
    for start, end in spec.intervals:
        negative = (frame[end] < frame[start]).fillna(False).to_numpy(dtype=bool) & ~unusable
        faults.add(
            negative,
            end,
            f"{end} is before {start}; left out of the indicators that read {end}",
            Severity.ERROR,
            Action.FIELD_LEFT_OUT,
        )
        if negative.any():
            field_faults[end] = field_faults.get(end, np.zeros(n, dtype=bool)) | negative

    # Exact duplicates count once; the repeats are listed as set aside. Both they and the
    # shared keys are looked for among the rows whose key repeats (found once, for both).
    compare = [c for c in frame.columns if c != "_row"]
    key = _full_key(spec, frame)
    suspects = None
    if codes is not None and key and (~unusable).any():
        suspects = _key_suspects(frame, key, ~unusable, codes)
    if (~unusable).any() and compare:
        mask, reasons = _repeats(frame, compare, ~unusable, codes, suspects)
        if mask.any():
            faults.add(mask, None, reasons, Severity.WARNING, Action.SET_ASIDE)
            unusable |= mask

    # Different records sharing a key: nothing says which is right, so all are set aside.
    if key:
        mask, reasons = _shared_keys(frame, key, spec.key, ~unusable, codes, suspects)
        if mask.any():
            faults.add(mask, spec.key[-1], reasons, Severity.ERROR, Action.SET_ASIDE)
            unusable |= mask
    child = None if codes is None else codes.get("child_id")
    del codes

    keep = ~unusable
    if not keep.all():
        frame = frame.loc[keep].reset_index(drop=True)
    field_faults = {c: m[keep] for c, m in field_faults.items() if m[keep].any()}

    return CleanTable(
        frame=frame,
        field_faults=field_faults,
        faults=faults.frame(data),
        read=n,
        set_aside=int(unusable.sum()),
        child_codes=_kept_positions(child, distincts.get("child_id"), keep),
    )


def _kept_positions(
    codes: np.ndarray | None, distinct: pa.Array | None, keep: np.ndarray
) -> tuple[np.ndarray, pa.Array] | None:
    """The kept rows' child identifiers as :attr:`CleanTable.child_codes`, from the exact
    codes cleaning gave the column (positions among its distinct values).

    Only the identifiers of kept rows stay among the distinct values (a child whose records
    were all set aside is no child of the dataset). ``None`` when not known (the values
    were changed after coding, or were not text) or when a kept row has none.
    """
    if codes is None or distinct is None:
        return None
    positions = codes[keep]
    if len(positions) and int(positions.min()) < 0:
        return None
    used = np.zeros(len(distinct), dtype=bool)
    used[positions] = True
    if not used.all():
        positions = (np.cumsum(used) - 1)[positions]
        distinct = distinct.filter(pa.array(used))
    return positions.astype(np.int32), distinct
