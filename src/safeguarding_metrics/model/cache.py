"""A validated dataset, reused: each table's cleaned rows and findings kept beside its file.

Loading a folder again reads each table's validated, typed rows, its field masks and its
findings from a hidden folder *inside the dataset folder* (:data:`CACHE_FOLDER`), instead of
reading and checking the file again. Child-level data is never written anywhere else: the
cache lives and dies with the folder, under the same access rights as the files it comes from.

Each table is kept on its own, keyed on its source file (path, size and modification time),
on the library's version and on a fingerprint of the loader's code, and on the year two-digit
years are read against: a change to any of them reloads that table (a changed file reloads
only its own table). Tables are written one at a time as they are cleaned, compressed (Arrow
IPC with LZ4), and a table's entry is replaced atomically (its files are written first under
new names, then the small ``meta.json`` that names them), so a reader never takes half an
entry. A read-only folder gets no cache (said once, in the log); loading is then what it was.

What is kept per table is what cleaning gives (:class:`TableOutcome`); the rules across tables
(plans overlapping, authorities) run on every load, on the kept tables. The coding of children
across tables is kept too (:meth:`TableCache.children`), for the set of table entries it was
made from: each table's distinct identifiers mapped to the dataset's child codes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from .clean import TEXT_DTYPE, CleanTable
from .quality import Action, Severity
from .rules import RuleFaults
from .tables import table_spec

__all__ = ["CACHE_FOLDER", "TableCache", "TableOutcome"]

log = logging.getLogger(__name__)

#: The hidden folder, inside a dataset folder, that holds its validated tables.
CACHE_FOLDER = ".safeguarding-metrics-cache"
#: The layout of an entry; raised when what is kept changes shape.
#: 2: text as pandas' str dtype; 3: child ids as positions among distinct ones; 4: a row
#: number column that counts up by one, and a text column with no value, kept as nothing
_FORMAT = 4
#: The dtype recorded for a row number column kept as its first value (``_row`` counting up
#: by one from it, as a file's rows do when none was set aside).
_RANGE = "range from "
_COMPRESSION = "lz4"
_WRITE_OPTIONS = pa.ipc.IpcWriteOptions(compression=_COMPRESSION, use_threads=False)
#: The sub-folder keeping the coding of children across tables, one entry per set of tables.
_CHILDREN = "_children"
#: The sub-folder keeping the findings of the rules across tables, one entry per set.
_RULES = "_rules"
#: How many entries of each of these (sets of tables loaded together) are kept.
_DERIVED_KEPT = 8


@attrs.frozen(kw_only=True, eq=False)
class TableOutcome:
    """One table read, its columns named, cleaned and checked: what the cache keeps.

    Attributes
    ----------
    name, file
        The table and the file it was read from.
    faults
        Its findings (reading, headers, cleaning), in the order they were found.
    clean
        The cleaned table; ``None`` when the table cannot be used (``unusable`` says why).
    unusable
        Why the table cannot be used, else ``None``.
    count
        Its entry of :attr:`Dataset.counts` from this file's own findings (the folder's notes
        are added when the dataset is assembled); ``None`` when the file could not be read.
    """

    name: str
    file: str
    faults: pd.DataFrame
    clean: CleanTable | None
    unusable: str | None
    count: dict[str, Any] | None


@functools.cache
def _fingerprint() -> str:
    """The library's version and a digest of the loader's code (``model/*.py``), so that a
    cache written by other code (a development checkout changed in place) is never read."""
    from safeguarding_metrics import __version__

    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


class TableCache:
    """The cache of one dataset folder (see the module docstring).

    Parameters
    ----------
    folder
        The dataset folder; the cache is ``folder / CACHE_FOLDER``.
    pivot_year
        The year two-digit years are read against (part of every key).
    """

    def __init__(self, folder: Path, pivot_year: int) -> None:
        self.root = folder / CACHE_FOLDER
        self.pivot_year = pivot_year
        self._writable = True
        #: The entry (its token) each table was read from or written to by this load.
        self.entries: dict[str, str] = {}
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []

    def key(self, name: str, file: Path) -> dict[str, Any] | None:
        """What an entry of table ``name`` read from ``file`` must match; ``None`` when the
        file cannot be looked at (it is then read, and reports why)."""
        try:
            stat = file.stat()
        except OSError:
            return None
        return {
            "format": _FORMAT,
            "library": _fingerprint(),
            "table": name,
            "file": str(file.resolve()),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "pivot_year": self.pivot_year,
        }

    # -- reading -----------------------------------------------------------------------------

    def load(self, name: str, file: Path) -> TableOutcome | None:
        """The kept outcome of table ``name`` when it is there and its key matches, else None.

        An entry that cannot be read (cut short, or written by other code) is passed over:
        the table is then read from its file and the entry replaced.
        """
        key = self.key(name, file)
        meta_path = self.root / name / "meta.json"
        if key is None or not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("key") != key:
                return None
            outcome = _outcome_of(self.root / name, meta, str(file))
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
            log.info("cache entry of table %s not read (%s): reading the file", name, exc)
            return None
        if isinstance(meta.get("token"), str):
            self.entries[name] = meta["token"]
        return outcome

    def children(self, names: list[str]) -> tuple[pa.Array, dict[str, np.ndarray], bool] | None:
        """The coding of children kept for tables ``names`` as their entries are now (each
        read from or written to the cache by this load): the sorted distinct identifiers, per
        table the code of each of its distinct identifiers (in the order of
        :attr:`CleanTable.child_codes`), and whether the identifiers stay distinct when upper
        and lower case are not told apart. ``None`` when not kept."""
        place = self._derived_place(_CHILDREN, names)
        if place is None or not (place / "meta.json").is_file():
            return None
        try:
            meta = json.loads((place / "meta.json").read_text(encoding="utf-8"))
            ids = feather.read_table(str(place / meta["files"]["ids"]), memory_map=False)
            codes = feather.read_table(str(place / meta["files"]["codes"]), memory_map=False)
            uniques = ids.column(0).combine_chunks()
            held = codes.column(0).combine_chunks().to_numpy()
            maps = {
                name: held[start : start + length]
                for name, (start, length) in meta["tables"].items()
            }
            if sorted(maps) != sorted(names) or int(meta["count"]) != len(uniques):
                return None
            return uniques, maps, bool(meta["case_distinct"])
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
            log.info("kept coding of children not read (%s): coding them again", exc)
            return None

    def store_children(
        self,
        names: list[str],
        uniques: pa.Array,
        maps: Mapping[str, np.ndarray],
        case_distinct: bool,
    ) -> None:
        """Keep the coding of children of tables ``names`` (see :meth:`children`); the
        oldest codings beyond :data:`_DERIVED_KEPT` are removed."""
        tables, start = {}, 0
        for name in names:
            tables[name] = [start, len(maps[name])]
            start += len(maps[name])
        held = np.concatenate([np.asarray(maps[n], dtype=np.int32) for n in names])
        meta = {"tables": tables, "count": len(uniques), "case_distinct": case_distinct}
        parts = {
            "ids": pa.table([uniques], names=["ids"]),
            "codes": pa.table([pa.array(held)], names=["codes"]),
        }
        self._keep_derived(_CHILDREN, names, parts, meta, "coding of children")

    def rules(self, names: list[str]) -> list[RuleFaults] | None:
        """The findings of the rules across tables kept for tables ``names`` as their entries
        are now (each mask over its table's kept rows), in the order they were found;
        ``None`` when not kept."""
        place = self._derived_place(_RULES, names)
        if place is None or not (place / "meta.json").is_file():
            return None
        try:
            meta = json.loads((place / "meta.json").read_text(encoding="utf-8"))
            found = []
            for at, rule in enumerate(meta["found"]):
                faults = _read_table(place / meta["files"][f"faults{at}"], rule["dtypes"])
                mask = np.zeros(int(rule["rows"]), dtype=bool)
                mask[np.asarray(rule["at"], dtype=np.int64)] = True
                if int(mask.sum()) != len(faults):
                    raise ValueError(f"finding {at} of the rules is not whole")
                found.append(
                    RuleFaults(
                        rule=rule["rule"],
                        table=rule["table"],
                        column=rule["column"],
                        severity=Severity(rule["severity"]),
                        action=Action(rule["action"]),
                        mask=mask,
                        faults=faults,
                    )
                )
            return found
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
            log.info("kept findings of the rules across tables not read (%s): run again", exc)
            return None

    def store_rules(self, names: list[str], found: list[RuleFaults]) -> None:
        """Keep the findings of the rules across tables ``names`` (see :meth:`rules`)."""
        entries, parts = [], {}
        try:
            for at, one in enumerate(found):
                parts[f"faults{at}"], dtypes = _to_arrow(
                    one.faults.reset_index(drop=True), frozenset()
                )
                entries.append(
                    {
                        "rule": one.rule,
                        "table": one.table,
                        "column": one.column,
                        "severity": str(one.severity),
                        "action": str(one.action),
                        "rows": len(one.mask),
                        "at": np.flatnonzero(one.mask).tolist(),
                        "dtypes": dtypes,
                    }
                )
        except (pa.ArrowException, TypeError, ValueError) as exc:
            log.info("findings of the rules across tables not kept: %s", exc)
            return
        self._keep_derived(_RULES, names, parts, {"found": entries}, "findings of the rules")

    def _keep_derived(
        self,
        kind: str,
        names: list[str],
        parts: Mapping[str, pa.Table],
        meta: dict[str, Any],
        what: str,
    ) -> None:
        """Write what is derived from tables ``names`` together: its ``parts`` under new
        names, then the ``meta.json`` naming them (``meta["files"]``), atomically replaced;
        then remove the entry it replaces and the oldest entries beyond :data:`_DERIVED_KEPT`."""
        place = self._derived_place(kind, names)
        if place is None or not self._writable:
            return
        token = secrets.token_hex(6)
        written: list[Path] = []
        try:
            place.mkdir(parents=True, exist_ok=True)
            meta["files"] = {part: f"{part}-{token}.arrow" for part in parts}
            _write_files(
                place, token, meta, {meta["files"][p]: t for p, t in parts.items()}, written
            )
        except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
            for path in written:
                path.unlink(missing_ok=True)
            log.info("%s not kept: %s", what, exc)
            return
        _remove_replaced(place, token)
        self._prune(kind)

    def _derived_place(self, kind: str, names: list[str]) -> Path | None:
        """Where what is derived from tables ``names`` together (``kind``: the coding of
        children, the rules' findings) is kept: named by a digest of the entries they come
        from (``None`` when one came from neither the cache nor was written to it)."""
        if not names or any(name not in self.entries for name in names):
            return None
        content = {
            "format": _FORMAT,
            "library": _fingerprint(),
            "tables": {name: self.entries[name] for name in sorted(names)},
        }
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        return self.root / kind / digest[:24]

    def _prune(self, kind: str) -> None:
        """Remove the oldest entries of ``kind`` beyond :data:`_DERIVED_KEPT`."""
        try:
            places = sorted(
                (p for p in (self.root / kind).iterdir() if p.is_dir()),
                key=lambda p: p.stat().st_mtime_ns,
                reverse=True,
            )
            for place in places[_DERIVED_KEPT:]:
                for path in place.iterdir():
                    path.unlink(missing_ok=True)
                place.rmdir()
        except OSError as exc:  # another load pruning at the same time
            log.info("old codings of children not removed: %s", exc)

    # -- writing -----------------------------------------------------------------------------

    def store(self, outcome: TableOutcome, file: Path) -> None:
        """Keep ``outcome`` (nothing when the folder is read-only: said once, in the log).

        The table is turned into Arrow here; it is compressed and written by a thread of its
        own while the next table is read and cleaned (:meth:`finish` waits for it)."""
        key = self.key(outcome.name, file)
        if key is None or not self._writable:
            return
        place = self.root / outcome.name
        try:
            place.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._read_only(exc)
            return
        try:
            meta, tables = _prepared(outcome)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            # a column Arrow cannot hold as it is (mixed cells of an unknown column): this
            # table is validated on every load, as without a cache
            log.info("table %s not cached: %s", outcome.name, exc)
            return
        token = secrets.token_hex(6)
        meta["key"], meta["token"] = key, token
        self.entries[outcome.name] = token
        self._submit(self._write_entry, outcome.name, place, token, meta, tables)

    def _write_entry(
        self,
        name: str,
        place: Path,
        token: str,
        meta: dict[str, Any],
        tables: Mapping[str, pa.Table],
    ) -> None:
        """Write a table's entry: its parts under new names, then the ``meta.json`` naming
        them (atomically replaced), then remove the entry it replaces."""
        written: list[Path] = []
        try:
            files = {}
            for part, table in tables.items():
                meta["parts"][part]["file"] = meta["parts"][part]["file"].format(token=token)
                files[meta["parts"][part]["file"]] = table
            _write_files(place, token, meta, files, written)
        except (OSError, pa.ArrowException, TypeError, ValueError) as exc:
            for path in written:
                path.unlink(missing_ok=True)
            self.entries.pop(name, None)
            if isinstance(exc, OSError):
                self._read_only(exc)
            else:
                log.info("table %s not cached: %s", name, exc)
            return
        _remove_replaced(place, token)
        # the Arrow copy of the table is freed; give its pages back before the next table
        del tables
        pa.default_memory_pool().release_unused()

    def _submit(self, work: Any, *args: Any) -> None:
        """Run ``work(*args)`` on the cache's writing thread (one: entries written in order)."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sm-cache")
        self._pending.append(self._writer.submit(work, *args))

    def finish(self) -> None:
        """Wait until everything handed to the writing thread is written (or given up)."""
        pending, self._pending = self._pending, []
        try:
            for future in pending:
                future.result()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def _read_only(self, exc: OSError) -> None:
        if self._writable:
            log.warning(
                "the dataset folder %s cannot hold the validated tables (%s): nothing is "
                "cached, and each load validates the files again",
                self.root.parent,
                exc.strerror or type(exc).__name__,
            )
        self._writable = False


def _write_files(
    place: Path,
    token: str,
    meta: Mapping[str, Any],
    tables: Mapping[str, pa.Table],
    written: list[Path],
) -> None:
    """Write an entry: each table (LZ4-compressed Arrow IPC) under its new file name, then its
    ``meta.json`` (staged under the entry's ``token``, then atomically replaced); each file
    written is added to ``written``, for the caller to remove if a later one fails.

    A table is written as the one record batch it is (cleaning gives each column as one
    chunk), so that reading it back gives each column whole, without joining chunks (the
    64 K-row batches of ``feather.write_feather`` made the second national load copy every
    column). Its buffers are compressed on the writing thread alone (``use_threads=False``),
    not on Arrow's pool that the cleaning of the next table is using."""
    for file_name, table in tables.items():
        path = place / file_name
        written.append(path)
        with (
            pa.OSFile(str(path), "wb") as sink,
            pa.ipc.new_file(sink, table.schema, options=_WRITE_OPTIONS) as writer,
        ):
            writer.write_table(table)  # its columns as they are: one chunk each
    staged = place / f"meta-{token}.json"
    written.append(staged)
    staged.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(staged, place / "meta.json")


def _remove_replaced(place: Path, token: str) -> None:
    """Remove the files of the entry that the entry ``token`` replaced. A file that cannot be
    removed yet (on Windows, one a dataset of this process still maps) is left for the next
    write of the table to remove."""
    for path in place.iterdir():
        if path.name != "meta.json" and token not in path.name:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.info("replaced cache file %s not removed yet: %s", path.name, exc)


# -- what an entry holds ---------------------------------------------------------------------------


def _shared_kinds(name: str) -> frozenset[str]:
    """The columns of table ``name`` written as dictionaries when they hold Python strings
    (codes, free text, child ids: few distinct values); each comes back one Python string
    per distinct value. Columns of pandas' ``str`` dtype are written as the Arrow strings
    they hold (:func:`_text_array`), child ids by their positions (:func:`_to_arrow`)."""
    spec = table_spec(name)
    return frozenset(
        c.name
        for c in spec.columns
        if c.kind in ("code", "text", "bool") or c.name.endswith("child_id")
    )


def _to_arrow(
    frame: pd.DataFrame,
    shared: frozenset[str],
    child_codes: tuple[np.ndarray, pa.Array] | None = None,
) -> tuple[pa.Table, dict[str, str]]:
    """A frame as an Arrow table, and each column's pandas dtype to restore it exactly.

    ``child_codes`` (:attr:`CleanTable.child_codes`) gives the ``child_id`` column as the
    positions of its rows among the table's distinct identifiers: written as an Arrow
    dictionary from them, without looking at the rows' text."""
    arrays, dtypes = [], {}
    for column in frame.columns:
        values = frame[column]
        dtypes[str(column)] = str(values.dtype)
        first = _counts_up_from(values) if column == "_row" else None
        if first is not None:
            # the rows 1, 2, 3 ... of a file none of whose rows was set aside: kept as nothing
            dtypes[str(column)] = f"{_RANGE}{first}"
            array = pa.nulls(len(values))
        elif values.dtype == TEXT_DTYPE and len(values) and not values.notna().any():
            array = pa.nulls(len(values))  # a text column with no value (la, one authority)
        elif column == "child_id" and child_codes and len(child_codes[0]) == len(values):
            positions, distinct = child_codes
            array = pa.DictionaryArray.from_arrays(
                pa.array(np.asarray(positions, dtype=np.int32)), distinct
            )
        elif values.dtype == object or values.dtype == TEXT_DTYPE:
            array = _text_array(values, dictionary=column in shared)
        else:
            array = pa.Array.from_pandas(values)
        arrays.append(array)
    return pa.table(arrays, names=[str(c) for c in frame.columns]), dtypes


def _counts_up_from(values: pd.Series) -> int | None:
    """The first value of an ``int64`` column that counts up by one from it, else None."""
    if values.dtype != np.int64 or not len(values):
        return None
    held = values.to_numpy()
    first = int(held[0])
    if int(held[-1]) - first != len(held) - 1 or not bool((np.diff(held) == 1).all()):
        return None
    return first


def _text_array(values: pd.Series, dictionary: bool) -> pa.Array:
    """An object column of text (``None`` where missing) as Arrow text; a ``dictionary``
    column by its distinct string objects (cleaning gives one per distinct value), so only
    those are converted. Anything but ``str`` and ``None`` (a NaN in an unknown column, which
    would come back as ``None``) raises ``TypeError``: the table is then not cached. A column
    of pandas' ``str`` dtype (:data:`~.clean.TEXT_DTYPE`) is taken as the Arrow strings it
    holds, no Python string made, and kept as they are, not as a dictionary: read back, the
    column is its decompressed buffers, where a dictionary would be decoded row by row (21
    million visit types: 0.7 s of a second national load), and none is encoded when it is
    written (LZ4 compresses the repeated codes about as well)."""
    if values.dtype == TEXT_DTYPE:
        array = pa.array(values.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        return array
    held = np.ascontiguousarray(values.to_numpy(dtype=object))
    if not dictionary or not len(held):
        return pa.array(held, type=pa.string())  # not from_pandas: a NaN is refused
    # the rows grouped by the address of their string object: equal objects, equal values
    codes, _ = pd.factorize(np.frombuffer(held, dtype=np.uintp).copy())
    where = np.zeros(int(codes.max()) + 1, dtype=np.int64)
    where[codes] = np.arange(len(codes))
    distinct = pa.array(held[where], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), distinct)


def _from_arrow(
    table: pa.Table, dtypes: Mapping[str, str], positions: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The frame :func:`_to_arrow` was given: object text as Python strings (``None`` where
    missing; one string per distinct value of a dictionary column), ``str`` columns as Arrow
    strings (no Python string made), other dtypes as they were. A dtype that does not come
    back as it was is an error (the entry is not used).

    With ``positions``, the ``child_id`` column (a dictionary without gaps) is not turned into
    text: it comes back as Arrow's dictionary (pandas' ``ArrowDtype``, the same values), and
    ``positions["child_id"]`` holds its rows' positions and its distinct identifiers
    (:attr:`CleanTable.child_codes`), from which the children are coded."""
    columns: dict[str, pd.Series] = {}
    for name in table.column_names:
        chunked = table[name]
        array = chunked.combine_chunks() if chunked.num_chunks != 1 else chunked.chunk(0)
        wanted = dtypes[name]
        if (
            name == "child_id"
            and positions is not None
            and isinstance(array, pa.DictionaryArray)
            and not array.null_count
            and wanted in ("object", str(TEXT_DTYPE))
        ):
            positions[name] = (array.indices.to_numpy(), array.dictionary)
            columns[name] = pd.Series(pd.arrays.ArrowExtensionArray(array), copy=False)
            continue
        if wanted.startswith(_RANGE) and pa.types.is_null(array.type):
            first = int(wanted[len(_RANGE) :])
            counted = np.arange(first, first + len(array), dtype=np.int64)
            columns[name] = pd.Series(counted, copy=False)  # (pandas 3 copies an array else)
            continue
        if wanted == str(TEXT_DTYPE) and pa.types.is_null(array.type):
            nothing = pa.nulls(len(array), pa.large_string())
            columns[name] = pd.Series(pd.array(nothing, dtype=TEXT_DTYPE), copy=False)
            continue
        if wanted == "object":
            if isinstance(array, pa.DictionaryArray):
                distinct = array.dictionary.to_numpy(zero_copy_only=False).astype(object)
                lookup = np.empty(len(distinct) + 1, dtype=object)
                lookup[:-1] = distinct
                indices = array.indices.fill_null(len(distinct)).to_numpy()
                values = lookup[indices]
            else:
                values = array.to_numpy(zero_copy_only=False).astype(object, copy=False)
                if not values.flags.writeable:
                    values = values.copy()
            series = pd.Series(values, dtype=object, copy=False)
        elif wanted == str(TEXT_DTYPE):
            # Arrow strings as they are: no Python string is made
            if isinstance(array, pa.DictionaryArray):
                array = array.dictionary_decode()
            if not pa.types.is_large_string(array.type):
                array = array.cast(pa.large_string())
            series = pd.Series(pd.array(array, dtype=TEXT_DTYPE), copy=False)
        elif wanted in ("boolean", "Int64") and not isinstance(array, pa.DictionaryArray):
            # built from the values and the gaps: to_pandas gives objects (or floats) first
            missing = array.is_null().to_numpy(zero_copy_only=False)
            if wanted == "boolean":
                held = array.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
                series = pd.Series(pd.arrays.BooleanArray(held, missing), copy=False)
            else:
                held = array.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
                series = pd.Series(pd.arrays.IntegerArray(held, missing), copy=False)
        else:
            series = pd.Series(array.to_pandas(), copy=False)
            if str(series.dtype) != wanted:
                series = series.astype(wanted)
        if str(series.dtype) != wanted:
            raise TypeError(f"column {name!r} came back as {series.dtype}, not {wanted}")
        columns[name] = series
    frame = pd.concat(columns, axis=1) if columns else pd.DataFrame()
    if not columns:
        frame = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    return frame


def _read_table(
    path: Path, dtypes: Mapping[str, str], positions: dict[str, Any] | None = None
) -> pd.DataFrame:
    # memory-mapped: the compressed bytes are read from the system's file cache where they
    # are, not copied into fresh memory first (half the page faults of a second national
    # load, about 1 s); entries are never rewritten in place, only replaced under new names
    return _from_arrow(feather.read_table(str(path), memory_map=True), dtypes, positions)


def _prepared(outcome: TableOutcome) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    """An outcome's frames as Arrow tables (``<part>-{token}.arrow`` each) and the content of
    its ``meta.json`` (the file names still hold ``{token}``)."""
    meta: dict[str, Any] = {
        "unusable": outcome.unusable,
        "count": json.loads(json.dumps(outcome.count)),
        "parts": {},
    }
    shared = _shared_kinds(outcome.name)
    parts: dict[str, tuple[pd.DataFrame, frozenset[str]]] = {
        "faults": (outcome.faults, frozenset({"table", "file", "column", "severity", "action"}))
    }
    clean = outcome.clean
    if clean is not None:
        parts["frame"] = (clean.frame, shared)
        n = len(clean.frame)
        masks = pd.DataFrame({c: np.asarray(m, dtype=bool) for c, m in clean.field_faults.items()})
        parts["masks"] = (masks if len(masks.columns) else pd.DataFrame(index=range(n)), shared)
        meta["read"], meta["set_aside"] = clean.read, clean.set_aside
    tables: dict[str, pa.Table] = {}
    for part, (frame, dictionaries) in parts.items():
        hint = clean.child_codes if clean is not None and part == "frame" else None
        tables[part], dtypes = _to_arrow(frame, dictionaries, hint)
        meta["parts"][part] = {"file": f"{part}-{{token}}.arrow", "dtypes": dtypes}
    return meta, tables


def _outcome_of(place: Path, meta: Mapping[str, Any], file: str) -> TableOutcome:
    parts = meta["parts"]

    def read(part: str, positions: dict[str, Any] | None = None) -> pd.DataFrame:
        return _read_table(place / parts[part]["file"], parts[part]["dtypes"], positions)

    faults = read("faults")
    clean = None
    if "frame" in parts:
        positions: dict[str, Any] = {}
        frame = read("frame", positions)
        masks = read("masks")
        if len(masks) != len(frame) and len(masks.columns):
            raise ValueError("the field masks and the rows differ in length")
        clean = CleanTable(
            frame=frame,
            field_faults={c: masks[c].to_numpy(dtype=bool) for c in masks.columns},
            faults=faults.iloc[:0],
            read=int(meta["read"]),
            set_aside=int(meta["set_aside"]),
            child_codes=positions.get("child_id"),
        )
    return TableOutcome(
        name=str(place.name),
        file=file,
        faults=faults,
        clean=clean,
        unusable=meta["unusable"],
        count=meta["count"],
    )
