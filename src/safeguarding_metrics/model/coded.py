"""Equality codes: a column as integers, equal exactly where its values are equal.

The loader finds exact duplicate rows, records sharing a key and children across tables by
comparing values. Comparing Python strings row by row (pandas' hashing of ``object`` columns)
was the largest part of a national load; these helpers give each column an ``int64`` code
instead, from the column's own type: a date is its day number, a boolean 0/1, a text column
its rank among the column's distinct values (Arrow sorts the UTF-8 bytes, as Python orders
text). Codes only *find candidates*: the loader still confirms every duplicate with pandas on
the few rows the codes point at, so a collision can never make two different records equal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "MISSING",
    "column_codes",
    "dictionary_encoded",
    "repeated",
    "row_hashes",
    "sorted_distinct",
    "text_codes",
    "text_from_words",
    "text_hashes",
    "text_words",
]

#: The code of a missing value (every missing value of a column shares it).
MISSING = -1


def text_codes(array: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dense codes of a text array in the sorted order of its values, and those values.

    Parameters
    ----------
    array
        Arrow ``string`` or ``large_string`` values; nulls are allowed.

    Returns
    -------
    codes
        ``int64``, ``0 .. k-1`` following the sorted distinct values; :data:`MISSING` for null.
    distinct
        The ``k`` distinct values, sorted (``distinct.take(codes)`` gives the values back).

    Notes
    -----
    Sorting (``pyarrow.compute.rank``) is several times faster than hashing for strings at
    this size (5.3 million referral ids: 0.5 s against 2.6 s for ``dictionary_encode``).
    """
    if pa.types.is_large_string(array.type):
        # a faster sort; the cast fails only beyond 2 GB of text in one column
        with contextlib.suppress(pa.ArrowException, OverflowError):
            array = array.cast(pa.string())
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype=np.int64), array
    ranks = pc.rank(array, tiebreaker="dense").to_numpy().astype(np.int64) - 1
    valid = pc.is_valid(array).to_numpy(zero_copy_only=False)
    codes = np.where(valid, ranks, MISSING)
    k = int(ranks[valid].max()) + 1 if valid.any() else 0
    where = np.zeros(k, dtype=np.int64)
    present = np.flatnonzero(valid)
    where[codes[present]] = present  # any row holding each distinct value
    return codes, array.take(pa.array(where))


#: The widest text :func:`text_words` holds in one word.
_WORD_BYTES = 8


def text_words(array: pa.Array) -> tuple[np.ndarray, int] | None:
    """Text whose values are all one width of up to eight bytes (identifiers of one format:
    ``C0000111``), none missing, as one ``uint64`` a value, and that width.

    A value's word holds its UTF-8 bytes, the first in the lowest byte (little-endian), the
    bytes beyond its width zero: equal values have equal words and, being of one width,
    different values different words. An exact code, made by copying the column's bytes
    once, where hashing its text costs 2-3 times as long. ``None`` for any other text (mixed
    widths, longer values, missing values): the caller takes the general route.
    """
    n = len(array)
    if not n or array.null_count:
        return None
    if pa.types.is_large_string(array.type):
        width_type: type[np.integer[Any]] = np.int64
    elif pa.types.is_string(array.type):
        width_type = np.int32
    else:
        return None
    _, offsets_buffer, data_buffer = array.buffers()[:3]
    if offsets_buffer is None or data_buffer is None:
        return None
    offsets = np.frombuffer(offsets_buffer, dtype=width_type)[array.offset : array.offset + n + 1]
    first, width = int(offsets[0]), int(offsets[1] - offsets[0])
    # one width: the offsets count up by it (the last says so before every step is looked at)
    if not 0 < width <= _WORD_BYTES or int(offsets[-1]) - first != width * n:
        return None
    if not bool((np.diff(offsets) == width).all()):
        return None
    data = np.frombuffer(data_buffer, dtype=np.uint8)[first : first + width * n]
    words = np.zeros(n, dtype="<u8")
    words.view(np.uint8).reshape(n, _WORD_BYTES)[:, :width] = data.reshape(n, width)
    return words, width


def text_from_words(words: np.ndarray, width: int, kind: pa.DataType) -> pa.Array:
    """The Arrow text (of type ``kind``: ``string`` or ``large_string``) whose
    :func:`text_words` are ``words``, all of ``width`` bytes."""
    k = len(words)
    held = np.ascontiguousarray(words, dtype="<u8").view(np.uint8).reshape(k, _WORD_BYTES)
    data = np.ascontiguousarray(held[:, :width])
    offset_type = np.int64 if pa.types.is_large_string(kind) else np.int32
    offsets = (np.arange(k + 1, dtype=np.int64) * width).astype(offset_type)
    return pa.Array.from_buffers(kind, k, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def dictionary_encoded(array: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """``array.dictionary_encode()`` as ``int64`` codes (:data:`MISSING` where missing) and
    the distinct values, in the order each first appears (the same codes and values).

    Text of one width up to eight bytes is encoded by its words (:func:`text_words`):
    Arrow hashes integers 2-3 times as fast as text (1.4 million distinct children among 5.3
    million referrals: 0.33-0.5 s against 1.0-1.2 s), and the distinct values are made back
    from their words, nothing looked up in the column."""
    found = text_words(array)
    if found is None:
        encoded = array.dictionary_encode()
        codes = pc.fill_null(encoded.indices, MISSING).to_numpy().astype(np.int64)
        return codes, encoded.dictionary
    words, width = found
    encoded = pa.array(words.view(np.int64)).dictionary_encode()
    codes = encoded.indices.to_numpy().astype(np.int64)
    distinct = encoded.dictionary.to_numpy().view("<u8")
    return codes, text_from_words(distinct, width, array.type)


def sorted_distinct(arrays: Sequence[pa.Array]) -> tuple[np.ndarray, pa.Array]:
    """The distinct values of several text arrays (none missing), sorted by their bytes (as
    Arrow sorts text), and the position of each value among them (``int32``, the arrays'
    values one after another).

    When every array is text of one width up to eight bytes (:func:`text_words`), its words
    are sorted instead: byte-swapped, a word's number orders as its bytes do. Otherwise the
    text is hashed and its distinct values sorted by Arrow. Both give the same result.
    """
    found = [text_words(array) for array in arrays]
    widths = {f[1] for f in found if f is not None}
    if found and all(f is not None for f in found) and len(widths) == 1:
        words = np.concatenate([f[0] for f in found if f is not None]).byteswap()
        encoded = pa.array(words.view(np.int64)).dictionary_encode()
        distinct = encoded.dictionary.to_numpy().view(np.uint64)
        order = np.argsort(distinct)
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        uniques = text_from_words(distinct[order].byteswap(), widths.pop(), pa.large_string())
        return rank[encoded.indices.to_numpy()], uniques
    merged = pa.concat_arrays([array.cast(pa.large_string()) for array in arrays])
    encoded = merged.dictionary_encode()
    order = pc.sort_indices(encoded.dictionary)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order.to_numpy()] = np.arange(len(order), dtype=np.int32)
    return rank[encoded.indices.to_numpy()], encoded.dictionary.take(order)


#: Text longer than this (in bytes) is coded by :func:`text_codes` instead of hashed.
_HASHED_BYTES = 64
_SEED = np.uint64(0x9E3779B97F4A7C15)


def text_hashes(array: pa.Array) -> np.ndarray | None:
    """A 64-bit hash of each value of a text array, from its UTF-8 bytes, eight at a time.

    Equal values have equal hashes (every null one hash); different values rarely do, which
    only makes a candidate that pandas then compares. Identifiers are short, so this is one or
    two vectorised passes over the column, where Arrow's hashing or sorting of 5 million
    distinct identifiers takes seconds. ``None`` when a value is longer than 64 bytes.
    """
    width: type[np.integer[Any]]
    if pa.types.is_large_string(array.type):
        width = np.int64
    elif pa.types.is_string(array.type):
        width = np.int32
    else:
        raise TypeError(f"not text: {array.type}")
    n = len(array)
    found = text_words(array)
    if found is not None:  # one width up to 8 bytes: :func:`_fixed_width`'s hashes at once
        words, size = found
        return _mix(words ^ _mix(np.array([_SEED ^ np.uint64(size)], dtype=np.uint64))).view(
            np.int64
        )
    _, offsets_buffer, data_buffer = array.buffers()[:3]
    offsets = np.frombuffer(offsets_buffer, dtype=width)[array.offset : array.offset + n + 1]
    start = offsets[:-1].astype(np.int64)
    length = np.diff(offsets).astype(np.int64)
    if n and int(length.max()) > _HASHED_BYTES:
        return None
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else None
    size = 0 if data is None else len(data)
    padded = np.zeros(size + 8, dtype=np.uint8)
    if data is not None:
        padded[:size] = data
    # every run of eight bytes as one little-endian word: words[i] holds bytes i .. i+7
    windows = np.lib.stride_tricks.as_strided(padded, shape=(size + 1, 8), strides=(1, 1))
    words = windows.view("<u8")[:, 0]
    longest = int(length.max()) if n else 0
    if n and int(length.min()) == longest:
        hashed = _fixed_width(words, start, longest, n)
    else:
        hashed = _any_width(words, start, length, longest, n)
    if array.null_count:
        hashed[~pc.is_valid(array).to_numpy(zero_copy_only=False)] = _SEED
    return hashed.view(np.int64)


def _fixed_width(words: np.ndarray, start: np.ndarray, width: int, n: int) -> np.ndarray:
    """:func:`_any_width`'s hashes when every value is ``width`` bytes long (identifiers of
    one format, the usual case): the same values, with each pass's mask a constant."""
    first = _mix(np.array([_SEED ^ np.uint64(width)], dtype=np.uint64))[0]
    hashed = np.full(n, first, dtype=np.uint64)
    for at in range(0, width, 8):
        left = min(width - at, 8)
        keep = np.uint64(0xFFFFFFFFFFFFFFFF if left == 8 else (1 << (8 * left)) - 1)
        word = words[start + at if at else start]
        hashed = _mix(hashed ^ (word & keep))
    return hashed


def _any_width(
    words: np.ndarray, start: np.ndarray, length: np.ndarray, longest: int, n: int
) -> np.ndarray:
    """The hash of each value from its bytes, eight at a time (see :func:`text_hashes`)."""
    hashed = _mix(np.full(n, _SEED, dtype=np.uint64) ^ length.astype(np.uint64))
    for at in range(0, longest, 8):
        left = np.clip(length - at, 0, 8).astype(np.uint64)
        word = words[np.where(left > 0, start + at, 0)]
        keep = np.where(
            left >= 8,
            np.uint64(0xFFFFFFFFFFFFFFFF),
            (np.uint64(1) << (np.uint64(8) * np.minimum(left, 7))) - np.uint64(1),
        )
        hashed = _mix(hashed ^ (word & keep))
    return hashed


def _mix(hashed: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every input bit moves every output bit."""
    with np.errstate(over="ignore"):
        hashed = hashed * np.uint64(0xBF58476D1CE4E5B9)
        hashed ^= hashed >> np.uint64(31)
        hashed *= np.uint64(0x94D049BB133111EB)
        hashed ^= hashed >> np.uint64(29)
    return hashed


def column_codes(values: pd.Series) -> np.ndarray:
    """``int64`` codes of a column: equal values (as pandas' ``duplicated`` compares them)
    have equal codes; every missing value has one code.

    Dates are their nanoseconds (``NaT`` one value), booleans 0/1/2, a column of text its
    :func:`text_hashes` (these "codes" may collide: they find candidates only); anything else
    is factorized by pandas, which compares as ``duplicated`` does. A column with no value at
    all (``la`` in a single authority's files) is one read-only code broadcast over its rows
    (:func:`row_hashes` skips it): no Arrow conversion of millions of ``None``.
    """
    dtype = values.dtype
    if pd.api.types.is_datetime64_dtype(dtype):
        return values.to_numpy(dtype="datetime64[ns]").view(np.int64)
    if pd.api.types.is_bool_dtype(dtype):
        # False 0, True 1, missing 2 (one byte a row, then widened once)
        return values.to_numpy(dtype=np.int8, na_value=2).astype(np.int64)
    text = pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
    if text and _all_missing(values):
        return np.broadcast_to(np.int64(MISSING), (len(values),))
    if text:
        try:
            array = pa.array(
                values.array if isinstance(dtype, pd.StringDtype) else values.to_numpy(),
                type=pa.string(),
                from_pandas=True,
            )
        except (pa.ArrowException, TypeError, ValueError):
            array = None
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if array is not None:
            hashed = text_hashes(array)
            return text_codes(array)[0] if hashed is None else hashed
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False)


def _all_missing(values: pd.Series) -> bool:
    """Whether a text column holds no value at all (its first value looked at first)."""
    return len(values) > 0 and bool(values.iloc[:1].isna().all()) and bool(values.isna().all())


def row_hashes(columns: Iterable[np.ndarray], n: int, rows: np.ndarray | None = None) -> np.ndarray:
    """One 64-bit hash per row of several code columns (equal rows, equal hashes).

    Parameters
    ----------
    columns
        Code columns, each of one code per row of the table (may be a generator: one column's
        codes are looked at at a time).
    n
        The number of rows hashed: the table's, or ``len(rows)``.
    rows
        Positions of the rows to hash (``None``: every row). Only these rows' codes are taken
        from each column, so a subset costs its own size, not a copy of every column.

    Notes
    -----
    A column of one code broadcast over the rows (stride 0, see :func:`column_codes`) is
    skipped: the same value in every row cannot tell rows apart. Work is done in place on one
    array, with no temporary of the table's size per column beyond the codes taken.
    """
    hashed = np.full(n, _SEED, dtype=np.uint64)
    for codes in columns:
        if codes.ndim == 1 and codes.strides[0] == 0:
            continue
        taken = codes if rows is None else codes[rows]
        if taken.dtype == np.int64 or taken.dtype == np.uint64:
            np.bitwise_xor(hashed, taken.view(np.uint64), out=hashed)
        else:
            np.bitwise_xor(hashed, taken.astype(np.int64).view(np.uint64), out=hashed)
        del taken
        _mix_in_place(hashed)
    return hashed


#: Values mixed together by :func:`_mix_in_place` (512 KB: a block stays in the cache).
_MIX_BLOCK = 1 << 16


def _mix_in_place(hashed: np.ndarray) -> None:
    """:func:`_mix` without a new array for the result, a block of values at a time: each
    block goes through the four steps while it is in the processor's cache, with one small
    temporary for the shifts, instead of each step passing over the whole column (3-4 times
    faster at 21 million values)."""
    shifted = np.empty(min(_MIX_BLOCK, len(hashed)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for low in range(0, len(hashed), _MIX_BLOCK):
            block = hashed[low : low + _MIX_BLOCK]
            spare = shifted[: len(block)]
            np.multiply(block, np.uint64(0xBF58476D1CE4E5B9), out=block)
            np.right_shift(block, np.uint64(31), out=spare)
            np.bitwise_xor(block, spare, out=block)
            np.multiply(block, np.uint64(0x94D049BB133111EB), out=block)
            np.right_shift(block, np.uint64(29), out=spare)
            np.bitwise_xor(block, spare, out=block)


#: Below this many values, :func:`repeated` asks pandas' hash table directly.
_DIRECT_BELOW = 1 << 16
#: Odd multipliers, one per round of :func:`repeated` (each round looks at other bits).
_ROUND_MULTIPLIERS = tuple(
    np.uint64(m)
    for m in (
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
    )
)
#: The largest number of bins a round counts in (2**25: 256 MB of counts at most).
_MOST_BINS_LOG2 = 25


def repeated(hashed: np.ndarray) -> np.ndarray:
    """Which values occur more than once (``pd.Series(hashed).duplicated(keep=False)``).

    Parameters
    ----------
    hashed
        Integer values (row hashes, codes; narrower than 64 bits widened).

    Returns
    -------
    numpy.ndarray
        ``bool``, one per value: True where an equal value is elsewhere in the array.

    Notes
    -----
    pandas' hash table costs about 80-250 ns a value at millions of values (its table no
    longer fits a cache). Most rows of a table repeat nothing, so rounds first rule them out
    cheaply: each round multiplies the values still in doubt by an odd constant, takes the top
    bits as a bin (twice as many bins as values), and counts the values in each bin with
    ``numpy.bincount``; a value alone in its bin cannot equal any other value still in doubt,
    and equal values share every bin, so nothing that repeats is ever ruled out. About a
    third of the values survive a round. When few are left (or a round rules out little:
    real repeats), pandas compares the survivors exactly. Property-tested equal to pandas.
    """
    n = len(hashed)
    if n < 2:
        return np.zeros(n, dtype=bool)
    keys = np.ascontiguousarray(hashed)
    if keys.dtype not in (np.int64, np.uint64):  # narrower codes (positions): widened once
        keys = keys.astype(np.int64)
    keys = keys.view(np.uint64)
    survivors = _rule_out_alone(keys)
    out = np.zeros(n, dtype=bool)
    if survivors is None:
        out[:] = pd.Series(keys).duplicated(keep=False).to_numpy()
    elif len(survivors):
        out[survivors] = pd.Series(keys[survivors]).duplicated(keep=False).to_numpy()
    return out


def _rule_out_alone(keys: np.ndarray) -> np.ndarray | None:
    """Positions of the values that may repeat, after rounds of bin counting (see
    :func:`repeated`); ``None`` when no round was worth its cost (few values)."""
    alive: np.ndarray | None = None
    doubt = keys
    for multiplier in _ROUND_MULTIPLIERS:
        m = len(doubt)
        if m < _DIRECT_BELOW:
            break
        bits = min(max((m - 1).bit_length() + 1, 1), _MOST_BINS_LOG2)
        with np.errstate(over="ignore"):
            bins = doubt * multiplier
        bins >>= np.uint64(64 - bits)
        counts = np.bincount(bins.view(np.int64), minlength=1 << bits)
        # looked up in a byte a bin, not the counts' eight: fewer cache misses
        keep = (counts > 1)[bins.view(np.int64)]
        del counts, bins
        alive = np.flatnonzero(keep) if alive is None else alive[keep]
        doubt = keys[alive]
        if len(alive) > 0.9 * m:  # mostly real repeats: rounds no longer pay
            break
    return alive
