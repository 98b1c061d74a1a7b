"""A canonical dataset: validated, typed tables with child ids as integer codes.

Load one from a folder (``<table>.csv`` or ``<table>.parquet`` per table) with
:func:`load_dataset`, or build one from DataFrames (:meth:`Dataset.from_frames`) or from record
objects (:meth:`Dataset.from_records`). Every route goes through the same validation
(:func:`~safeguarding_metrics.model.clean.clean_table`), so a dataset always carries its
data-quality table and its counts, and ``read == used + set_aside`` for every table.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import logging
import os
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .cache import TableCache, TableOutcome
from .clean import CleanTable, as_arrow_text, clean_table
from .coded import sorted_distinct
from .episode_rules import apply_episode_rules
from .files import read_table_file
from .folder import folder_error, scan_folder
from .headers import header_name, name_columns, separator_hint
from .memory import loading_pool
from .quality import Action, DataError, Fault, Severity, faults_frame
from .rules import RULES, cross_table_faults
from .tables import TableSpec, table_spec, table_specs

__all__ = ["COUNT_COLUMNS", "Dataset", "UnknownTableError", "header_name", "load_dataset"]

log = logging.getLogger(__name__)

#: The columns of :attr:`Dataset.counts`.
COUNT_COLUMNS = ("table", "file", "read", "used", "set_aside", "fields_left_out", "warnings")

#: :attr:`Dataset.las` per dataset, computed once (a dataset never changes; every
#: ``calculate`` call asks for it).
_LAS: weakref.WeakKeyDictionary[Dataset, tuple[str, ...]] = weakref.WeakKeyDictionary()


@attrs.frozen(kw_only=True, eq=False)
class Dataset:
    """Validated canonical tables, ready for the indicators.

    Attributes
    ----------
    tables
        The usable rows of each table present, typed. ``child_id`` is replaced by ``child``, an
        integer code (decode with :meth:`decode_children`); ``_row`` is the source row number.
    field_faults
        Per table and column, a boolean mask of rows whose value in that column is faulty: they
        are left out of indicators that read that column (see :meth:`view`).
    quality
        The data-quality table: every fault with table, file, row, column, severity, action
        and reason. Never contains a child identifier.
    counts
        Per table: records read, used, set aside, fields left out, warnings.
    unusable
        Tables present in the source that could not be used at all, with the reason.
    source
        Where the data came from.
    """

    tables: Mapping[str, pd.DataFrame]
    field_faults: Mapping[str, Mapping[str, np.ndarray]]
    quality: pd.DataFrame
    counts: pd.DataFrame
    unusable: Mapping[str, str]
    child_ids: np.ndarray
    child_las: np.ndarray
    source: str

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def from_frames(
        cls,
        frames: Mapping[str, pd.DataFrame],
        *,
        strict: bool = False,
        source: str = "in memory",
        files: Mapping[str, str] | None = None,
        rows: Mapping[str, np.ndarray] | None = None,
        pivot_year: int | None = None,
    ) -> Dataset:
        """Validate DataFrames, one per canonical table (keys are table names).

        Columns may hold text (as read from CSV) or typed values (dates, booleans, numbers).
        Column names are matched as exports decorate them (:func:`header_name`).
        ``strict=True`` raises :class:`DataError` on the first error; the default lists it and
        goes on. ``pivot_year``: as for :func:`load_dataset`.
        """
        if not isinstance(frames, Mapping):
            raise TypeError(
                "Dataset.from_frames expects a mapping of table name to DataFrame, not "
                f"{type(frames).__name__}"
            )
        raws: dict[str, tuple[pd.DataFrame, str, np.ndarray | None]] = {}
        for name, frame in frames.items():
            _known_table(name)  # an unknown table name is a usage error
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(
                    f"table {name!r} must be a pandas DataFrame, not {type(frame).__name__}"
                )
            file = (files or {}).get(name, f"{name} ({source})")
            raws[name] = (frame, file, (rows or {}).get(name))
        return _assemble(
            raws, strict=strict, source=source, pre_faults=[], unusable={}, pivot_year=pivot_year
        )

    @classmethod
    def from_records(cls, records: Iterable[Any], *, strict: bool = False) -> Dataset:
        """Build a dataset from record objects (``Referral(...)``, ``CpPlan(...)``, ...)."""
        by_table: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            name = getattr(type(record), "table", None)
            if name is None or not attrs.has(type(record)):
                raise TypeError(
                    f"{type(record).__name__} is not a record type of safeguarding_metrics.model"
                )
            by_table.setdefault(name, []).append(attrs.asdict(record, recurse=False))
        frames = {}
        for name, dicts in by_table.items():
            spec = table_spec(name)
            frames[name] = pd.DataFrame(dicts, columns=list(spec.column_names))
        return cls.from_frames(frames, strict=strict, source="records")

    # -- reading -------------------------------------------------------------------------------

    def has(self, table: str) -> bool:
        """Whether the table is present and usable (it may have no rows)."""
        return table in self.tables

    def view(self, table: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows of ``table`` usable by an indicator that reads ``columns``.

        Rows with a faulty value in any of those columns are left out (they are listed in the
        data-quality table). The result holds ``_row``, ``child`` (when the table has a child),
        ``la`` (when present) and the columns asked for.
        """
        spec = table_spec(table)
        frame = self.tables[table]
        wanted = list(spec.column_names if columns is None else columns)
        for c in wanted:
            if c not in spec.column_names or c == "child_id":
                if c == "child_id":
                    continue
                raise KeyError(f"table {table!r} has no column {c!r}")
        keep = np.ones(len(frame), dtype=bool)
        for c in wanted:
            mask = self.field_faults.get(table, {}).get(c)
            if mask is not None:
                keep &= ~mask
        base = ["_row"] + (["child"] if spec.has_child else [])
        if "la" in frame.columns and "la" not in wanted:
            base.append("la")
        cols = base + [c for c in wanted if c != "child_id"]
        # Column by column: selecting several columns of one block with ``loc`` would copy
        # them (object columns are stored together); concatenated they are shared.
        out = pd.concat([frame[c] for c in cols], axis=1)
        return out if keep.all() else out.loc[keep].reset_index(drop=True)

    def unavailable(self, tables: Iterable[str]) -> str | None:
        """Why a measure reading ``tables`` cannot be computed on this dataset, else None."""
        for table in tables:
            if table in self.unusable:
                return f"table {table!r} is not usable: {self.unusable[table]}"
            if not self.has(table):
                return f"needs table {table!r}, which the dataset does not have"
        return None

    def decode_children(self, codes: Any) -> np.ndarray:
        """Child identifiers for integer codes (for drill-down outputs the user asked for)."""
        return self.child_ids[np.asarray(codes, dtype=np.int64)]

    def child_la(self, codes: Any) -> np.ndarray:
        """The local authority of each child code (``None`` in a single-authority dataset)."""
        return self.child_las[np.asarray(codes, dtype=np.int64)]

    @property
    def las(self) -> tuple[str, ...]:
        """The local authorities in a pooled dataset; empty for a single authority."""
        cached = _LAS.get(self)
        if cached is None:
            values = pd.Series(self.child_las).dropna().unique().tolist()
            for frame in self.tables.values():
                if "la" in frame.columns:
                    values.extend(frame["la"].dropna().unique().tolist())
            cached = _LAS[self] = tuple(sorted(set(values)))
        return cached

    @property
    def n_children(self) -> int:
        return len(self.child_ids)

    def summary(self) -> str:
        """A short human-readable account of what was read, used and set aside."""
        lines = [f"Dataset from {self.source}: {self.n_children} children"]
        for row in self.counts.itertuples(index=False):
            lines.append(
                f"  {row.table:<14} read {row.read:>9,}  used {row.used:>9,}  "
                f"set aside {row.set_aside:>6,}  fields left out {row.fields_left_out:>5,}  "
                f"warnings {row.warnings:>5,}"
            )
        for table, reason in self.unusable.items():
            lines.append(f"  {table}: not usable: {reason}")
        notes = self.quality[
            (self.quality["action"] == str(Action.NOT_READ))
            | (self.quality["row"].isna() & self.quality["column"].isna())
        ]
        notes = notes[~notes["reason"].isin(list(self.unusable.values()))]  # listed above
        for row in notes.head(_SUMMARY_NOTES).itertuples(index=False):
            lines.append(f"  note: {Path(str(row.file)).name}: {row.reason}")
        if len(notes) > _SUMMARY_NOTES:
            lines.append(f"  ... and {len(notes) - _SUMMARY_NOTES} more notes (see the findings)")
        return "\n".join(lines)


#: How many file and folder notes :meth:`Dataset.summary` shows.
_SUMMARY_NOTES = 20


class UnknownTableError(KeyError, ValueError):
    """A table name that is not a canonical table (with the close match, when there is one)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _known_table(name: object) -> TableSpec:
    """The spec of table ``name``; :class:`UnknownTableError` naming the close match if not."""
    if not isinstance(name, str):
        raise TypeError(f"a table name is text (such as 'referrals'), not {type(name).__name__}")
    specs = table_specs()
    if name in specs:
        return table_spec(name)
    close = difflib.get_close_matches(name.strip().lower(), list(specs), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UnknownTableError(
        f"unknown table {name!r}{hint} (the canonical tables are: {', '.join(specs)})"
    )


def load_dataset(
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    tables: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    pivot_year: int | None = None,
    cache: bool = True,
    _reference: bool = False,
) -> Dataset:
    """Load and validate a canonical dataset folder.

    Parameters
    ----------
    path
        A folder holding ``<table>.csv`` or ``<table>.parquet`` files (every table optional).
        Anything else in it is noted by name and not read (see :func:`_scan_folder`).
    strict
        Stop with :class:`DataError` on the first error instead of listing it and going on.
    tables
        Only these tables (default: every table present).
    progress
        Called with a short message as each table is read.
    pivot_year
        The year the files describe, against which two-digit years (``08/05/17``) are read:
        20yy unless that is after it, then 19yy (:mod:`~safeguarding_metrics.model.dates`).
        Default: the current year.
    cache
        Reuse the validated tables kept in the folder's hidden ``.safeguarding-metrics-cache/``
        (each table whose file, the library and ``pivot_year`` are unchanged), and keep them
        there (see :mod:`~safeguarding_metrics.model.cache`; nothing is written when the
        folder is read-only). ``False``: read and validate every file, keep nothing. A
        ``strict`` load always reads every file.
    _reference
        For tests only: validate by the reference path (pandas over the values), which the
        fast path (equality codes, typed columns checked in their type) is checked against.

    Raises
    ------
    TypeError
        ``path`` is not a path (a ``str`` or ``os.PathLike``).
    DataError
        The folder does not exist or holds no canonical table, or (``strict``) the first error.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            "load_dataset expects the path of a dataset folder (a str or pathlib.Path), not "
            f"{type(path).__name__}"
        )
    folder = Path(path)
    if not folder.is_dir():
        raise folder_error(folder, "not a dataset folder (expected a folder of <table>.csv files)")
    with loading_pool():  # Arrow allocates from jemalloc while loading (see .memory)
        return _load_folder(folder, strict, tables, progress, pivot_year, cache, _reference)


def _load_folder(
    folder: Path,
    strict: bool,
    tables: Iterable[str] | None,
    progress: Callable[[str], None] | None,
    pivot_year: int | None,
    cache: bool,
    reference: bool,
) -> Dataset:
    """:func:`load_dataset` of a folder that exists: its files found, read and assembled."""
    wanted = list(table_specs()) if tables is None else list(tables)
    for name in wanted:
        _known_table(name)
    files, pre, hints = scan_folder(folder, wanted)
    raws: dict[str, tuple[pd.DataFrame, str, np.ndarray | None]] = {}
    readers: dict[str, tuple[_Reader, str]] = {}
    unusable: dict[str, str] = {}
    for name in wanted:
        spec = table_spec(name)
        found = files.get(name)
        if not found:
            continue
        if len(found) > 1:
            pre.append(
                Fault(
                    table=name,
                    file=str(found[1]),
                    row=None,
                    column=None,
                    severity=Severity.WARNING,
                    action=Action.NOT_READ,
                    reason=f"both {found[0].name} and {found[1].name} exist; "
                    f"{found[0].name} was read",
                )
            )
        if not strict:
            # read when its turn to be cleaned comes: one raw table in memory at a time
            reader = functools.partial(read_table_file, found[0], spec, progress)
            readers[name] = (reader, str(found[0]))
            continue
        frame, rows, faults = read_table_file(found[0], spec, progress)
        pre.extend(faults)
        errors = [f for f in faults if f.severity == Severity.ERROR]
        if frame is None:
            unusable[name] = faults[-1].reason
            raise DataError(faults[-1])
        if errors:
            raise DataError(errors[0])
        raws[name] = (frame, str(found[0]), rows)
    if not raws and not unusable and not readers:
        known = ", ".join(f"{t}.csv" for t in table_specs())
        reason = f"no canonical table found in the folder (expected any of: {known})"
        if hints:
            reason += "; " + "; ".join(hints)
        raise folder_error(folder, reason)
    kept = TableCache(folder, _pivot(pivot_year)) if cache and not reference else None
    try:
        return _assemble(
            raws,
            strict=strict,
            source=str(folder),
            pre_faults=pre,
            unusable=unusable,
            readers=readers,
            pivot_year=pivot_year,
            reference=reference,
            cache=kept,
        )
    finally:
        if kept is not None:
            kept.finish()  # every entry written before the dataset is given


def _pivot(pivot_year: int | None) -> int:
    """The year two-digit years are read against (the current year by default)."""
    return dt.date.today().year if pivot_year is None else int(pivot_year)


# -- assembly ----------------------------------------------------------------------------------


#: Reads one table file when called: ``(frame or None, rows, faults)`` (see ``read_table_file``).
_Reader = Callable[[], tuple[pd.DataFrame | None, np.ndarray | None, list[Fault]]]


def _assemble(
    raws: dict[str, tuple[pd.DataFrame, str, np.ndarray | None]],
    *,
    strict: bool,
    source: str,
    pre_faults: list[Fault],
    unusable: dict[str, str],
    readers: dict[str, tuple[_Reader, str]] | None = None,
    pivot_year: int | None = None,
    reference: bool = False,
    cache: TableCache | None = None,
) -> Dataset:
    """Clean, check and code the tables; ``readers`` are tables read only when their turn
    comes (so that one raw table at a time is in memory), the others are given in ``raws``;
    two-digit years are read against ``pivot_year`` (default: the current year). With
    ``cache``, a reader's table is taken from it when its file has not changed, and kept in
    it once cleaned."""
    readers = {} if readers is None else readers
    on_read: dict[str, int] = {}  # records set aside as the folder was read
    kept: dict[str, int] = {}  # warnings on the file from the folder (a misnamed file)
    sources = {name: raw[1] for name, raw in raws.items()}
    sources.update({name: reader[1] for name, reader in readers.items()})
    for name, source in sources.items():
        mine = [f for f in pre_faults if f.table == name and f.file == source]
        on_read[name], kept[name] = _set_aside_on_read(mine), _kept(mine)
    cleaned: dict[str, CleanTable] = {}
    chunks: list[pd.DataFrame] = []
    counts: list[dict[str, Any]] = []
    files_of: dict[str, str] = {}
    if pre_faults:
        chunks.append(pd.DataFrame([attrs.asdict(f) for f in pre_faults]))
    for name in table_specs():
        if name in readers:
            read, file = readers.pop(name)
            outcome = cache.load(name, Path(file)) if cache is not None else None
            if outcome is None:
                outcome = _read_outcome(
                    name, read, file, strict=strict, pivot_year=pivot_year, reference=reference
                )
                if cache is not None:
                    outcome = _with_child_codes(outcome)
                    cache.store(outcome, Path(file))
        elif name in raws:
            frame, file, rows = raws.pop(name)
            outcome = _clean_outcome(
                name,
                frame,
                file,
                rows,
                [],
                strict=strict,
                pivot_year=pivot_year,
                reference=reference,
            )
            del frame
        else:
            continue
        files_of[name] = outcome.file
        if len(outcome.faults):
            chunks.append(outcome.faults)
        if outcome.unusable is not None:
            unusable[name] = outcome.unusable
        if outcome.count is not None:
            count = dict(outcome.count)
            count["read"] += on_read.get(name, 0)
            count["set_aside"] += on_read.get(name, 0)
            count["warnings"] += kept.get(name, 0)
            counts.append(count)
        if outcome.clean is not None:
            cleaned[name] = outcome.clean
        del outcome

    field_faults = {n: c.field_faults for n, c in cleaned.items()}
    uncoded = {name: c.frame for name, c in cleaned.items()}
    known = {
        name: (c.frame, *c.child_codes) for name, c in cleaned.items() if c.child_codes is not None
    }
    cleaned.clear()  # each table's frame with text child ids is freed once coded
    pooled = any("la" in f.columns and f["la"].notna().any() for f in uncoded.values())
    if pooled or reference:
        # the rules key children by (la, child_id) as given, before ``la`` is completed
        chunks.extend(_apply_rules(uncoded, field_faults, counts, files_of, strict))
        chunks.extend(_checked_authorities(uncoded, field_faults, counts, files_of, strict))
        child_ids, child_las, frames, case_distinct = _code_children(uncoded, reference, known)
    else:
        # one authority: children coded first, and the rules compare their integer codes
        child_ids, child_las, frames, case_distinct = _code_children(
            uncoded, reference, known, cache
        )
        chunks.extend(_apply_rules(frames, field_faults, counts, files_of, strict, cache))
    del known
    quality = faults_frame([c for c in chunks if len(c)])
    case_fault = (
        None if case_distinct else _ids_differing_by_case(child_ids, child_las, frames, files_of)
    )
    if case_fault is not None:
        quality = faults_frame([quality, pd.DataFrame([attrs.asdict(case_fault)])])
    # Arrow's memory pool keeps the pages its conversions used; give them back, or a national
    # load holds gigabytes it no longer needs (2.44 -> 1.72 GB at a third of national size).
    frames = {name: _with_arrow_text(name, frame) for name, frame in frames.items()}
    pa.default_memory_pool().release_unused()
    for name, reason in unusable.items():
        log.warning("table %s not usable: %s", name, reason)
    return Dataset(
        tables=MappingProxyType(frames),
        field_faults=MappingProxyType(field_faults),
        quality=quality,
        counts=pd.DataFrame(counts, columns=list(COUNT_COLUMNS)),
        unusable=MappingProxyType(dict(unusable)),
        child_ids=child_ids,
        child_las=child_las,
        source=source,
    )


def _with_child_codes(outcome: TableOutcome) -> TableOutcome:
    """``outcome`` with its rows' child identifiers as positions among its distinct ones
    (:attr:`CleanTable.child_codes`) when cleaning left them unknown (the care episodes'
    rules rebuild the table), so that the cache keeps exactly the positions this load codes
    the children from, and keeps that coding."""
    clean = outcome.clean
    if clean is None or clean.child_codes is not None or "child_id" not in clean.frame.columns:
        return outcome
    found = _child_positions(clean.frame["child_id"])
    if found is None:
        return outcome
    return attrs.evolve(outcome, clean=attrs.evolve(clean, child_codes=found))


def _apply_rules(
    frames: Mapping[str, pd.DataFrame],
    field_faults: dict[str, dict[str, np.ndarray]],
    counts: list[dict[str, Any]],
    files_of: Mapping[str, str],
    strict: bool,
    cache: TableCache | None = None,
) -> list[pd.DataFrame]:
    """The rules that compare records with each other (overlapping plans, a review before its
    plan): their findings as chunks, ``field_faults`` and ``counts`` updated; in ``strict``
    mode the first error is raised. With ``cache``, the findings kept for the entries of the
    tables the rules read are taken (and else kept)."""
    chunks = []
    names = sorted({n for rule in RULES for n in rule.needs if n in frames})
    kept = cache.rules(names) if cache is not None else None
    if kept is None:
        kept = cross_table_faults(
            frames,
            files={n: files_of[n] for n in frames},
            field_faults=field_faults,
        )
        if cache is not None:
            cache.store_rules(names, kept)
    for found in kept:
        if strict and found.severity == Severity.ERROR:
            first = found.faults.sort_values("row", kind="stable").iloc[0]
            raise DataError(
                Fault(
                    table=found.table,
                    file=str(first["file"]),
                    row=None if pd.isna(first["row"]) else int(first["row"]),
                    column=found.column,
                    severity=found.severity,
                    action=found.action,
                    reason=str(first["reason"]),
                )
            )
        chunks.append(found.faults)
        entry = next(c for c in counts if c["table"] == found.table)
        if found.leaves_out:
            masks = field_faults[found.table]
            previous = masks.get(found.column, np.zeros(len(found.mask), dtype=bool))
            masks[found.column] = previous | found.mask
            entry["fields_left_out"] = int(np.logical_or.reduce(list(masks.values())).sum())
        else:
            entry["warnings"] += int(found.mask.sum())
    return chunks


def _checked_authorities(
    frames: dict[str, pd.DataFrame],
    field_faults: dict[str, dict[str, np.ndarray]],
    counts: list[dict[str, Any]],
    files_of: Mapping[str, str],
    strict: bool,
) -> list[pd.DataFrame]:
    """:func:`_authorities`, raising its first error in ``strict`` mode."""
    la_faults = _authorities(frames, field_faults, counts, files_of)
    if strict and la_faults:
        errors = [c for c in la_faults if (c["severity"] == str(Severity.ERROR)).any()]
        if errors:
            first = errors[0].iloc[0]
            raise DataError(
                Fault(
                    table=str(first["table"]),
                    file=str(first["file"]),
                    row=None if pd.isna(first["row"]) else int(first["row"]),
                    column="la",
                    severity=Severity.ERROR,
                    action=Action.SET_ASIDE,
                    reason=str(first["reason"]),
                )
            )
    return la_faults


def _with_arrow_text(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Table ``name`` with its text columns (identifiers, codes, free text and ``la``; not
    ``child_id``) as pandas' ``str`` dtype (:data:`~.clean.TEXT_DTYPE`): what indicators are
    given. Columns already so (every table cleaned or read from the cache) are left as they
    are; a column that is not all text (never, once cleaned) stays as it is."""
    spec = table_spec(name)
    kinds = {c.name: c.kind for c in spec.columns}
    kinds.setdefault("la", "id")
    out = frame
    for column in frame.columns:
        kind = kinds.get(str(column))
        if column == "child_id" or kind not in ("id", "code", "text"):
            continue
        if frame[column].dtype != object:
            continue
        try:
            values = as_arrow_text(frame[column], shared=kind != "id")
        except (TypeError, ValueError, pa.ArrowException):
            continue
        if out is frame:
            out = frame.copy(deep=False)
        out[column] = values
    return out


def _read_outcome(
    name: str, read: _Reader, file: str, *, strict: bool, pivot_year: int | None, reference: bool
) -> TableOutcome:
    """Read one table file and clean it (:func:`_clean_outcome`); a file that cannot be read
    at all is an unusable table with the reader's findings."""
    frame, rows, read_faults = read()
    if frame is None:
        return TableOutcome(
            name=name,
            file=file,
            faults=_faults_of(read_faults),
            clean=None,
            unusable=read_faults[-1].reason,
            count=None,
        )
    return _clean_outcome(
        name,
        frame,
        file,
        rows,
        read_faults,
        strict=strict,
        pivot_year=pivot_year,
        reference=reference,
    )


def _clean_outcome(
    name: str,
    frame: pd.DataFrame,
    file: str,
    rows: np.ndarray | None,
    read_faults: list[Fault],
    *,
    strict: bool,
    pivot_year: int | None,
    reference: bool,
) -> TableOutcome:
    """Name the columns of one raw table, clean and check it (:func:`clean_table`, and the
    episode rules for ``care_episodes``); in ``strict`` mode, raise on its first error.

    The outcome's count holds this file's own figures (records set aside as it was read,
    its warnings); the folder's notes on it are added when the dataset is assembled.
    """
    spec = table_spec(name)
    raw_names = [str(c) for c in frame.columns]
    frame, header_faults = name_columns(
        frame, spec, file, rows, csv_file=file.lower().endswith(".csv")
    )
    if strict and any(f.severity == Severity.ERROR for f in header_faults):
        raise DataError(next(f for f in header_faults if f.severity == Severity.ERROR))
    before = _set_aside_on_read(read_faults)
    noted = _kept(read_faults) + _kept(header_faults)
    found = [*read_faults, *header_faults]
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        fault = Fault(
            table=name,
            file=file,
            row=1 if file.endswith(".csv") else None,
            column=missing[0],
            severity=Severity.ERROR,
            action=Action.SET_ASIDE,
            reason=f"required column {missing[0]!r} is missing (the header has: "
            f"{', '.join(map(str, frame.columns))[:300]}); all {len(frame)} records of the "
            f"table set aside{separator_hint(raw_names, spec)}",
        )
        if strict:
            raise DataError(fault)
        return TableOutcome(
            name=name,
            file=file,
            faults=_faults_of([*found, fault]),
            clean=None,
            unusable=next(
                (f.reason for f in header_faults if f.column == missing[0]),
                f"required column {missing[0]!r} is missing in {file}"
                f"{separator_hint(raw_names, spec)}",
            ),
            count=dict(
                table=name,
                file=file,
                read=len(frame) + before,
                used=0,
                set_aside=len(frame) + before,
                fields_left_out=0,
                warnings=noted,
            ),
        )
    clean = clean_table(
        spec, frame, file=file, rows=rows, pivot_year=pivot_year, _reference=reference
    )
    del frame
    if name == "care_episodes":
        clean = apply_episode_rules(clean, file=file)
    clean = attrs.evolve(clean, frame=_with_arrow_text(name, clean.frame))
    errors = clean.faults[clean.faults["severity"] == str(Severity.ERROR)]
    if strict and len(errors):
        first = errors.sort_values("row", kind="stable").iloc[0]
        raise DataError(
            Fault(
                table=name,
                file=file,
                row=None if pd.isna(first["row"]) else int(first["row"]),
                column=None if pd.isna(first["column"]) else str(first["column"]),
                severity=Severity.ERROR,
                action=Action(first["action"]),
                reason=str(first["reason"]),
            )
        )
    fields = int(
        np.logical_or.reduce(list(clean.field_faults.values())).sum() if clean.field_faults else 0
    )
    count = dict(
        table=name,
        file=file,
        read=clean.read + before,
        used=len(clean.frame),
        set_aside=clean.set_aside + before,
        fields_left_out=fields,
        warnings=int((clean.faults["action"] == str(Action.KEPT)).sum()) + noted,
    )
    faults = faults_frame([_faults_of(found), clean.faults] if found else [clean.faults])
    return TableOutcome(
        name=name, file=file, faults=faults, clean=clean, unusable=None, count=count
    )


def _faults_of(faults: list[Fault]) -> pd.DataFrame:
    """Findings as a data-quality chunk (ordered as :func:`faults_frame` orders)."""
    return faults_frame([pd.DataFrame([attrs.asdict(f) for f in faults])] if faults else [])


def _kept(faults: Iterable[Fault]) -> int:
    """How many of a file's findings are warnings on records or columns kept as they are."""
    return sum(1 for f in faults if f.action == Action.KEPT)


def _set_aside_on_read(faults: Iterable[Fault]) -> int:
    """How many records a file's reader set aside (each has a fault naming its row)."""
    return sum(1 for f in faults if f.action == Action.SET_ASIDE and f.row is not None)


def _authorities(
    frames: dict[str, pd.DataFrame],
    field_faults: dict[str, dict[str, np.ndarray]],
    counts: list[dict[str, Any]],
    files: Mapping[str, str],
) -> list[pd.DataFrame]:
    """Apply the rule for ``la`` when some tables or records lack it (``frames`` updated).

    A dataset is pooled when it gives authorities (``la``). When some tables have no ``la``
    column, or some records leave it empty:

    - no ``la`` anywhere: one authority (an ``la`` column of spaces reads as empty);
    - one code wherever given: one authority with that code; the records without it take it,
      with a warning per table (a pooled-looking extract where only ``children`` has ``la``
      would otherwise make every other table's children different ones);
    - several codes: a record without ``la`` cannot be placed; it is set aside with an error
      naming its row.

    Returns the findings as data-quality chunks; ``field_faults`` and ``counts`` follow the
    records set aside.
    """
    codes: set[str] = set()
    for frame in frames.values():
        if "la" in frame.columns:  # a column of every table, cleaned as an identifier
            codes.update(str(v) for v in frame["la"].dropna().unique())
    if not codes:
        return []
    lacking = {
        name: (
            frame["la"].isna().to_numpy()
            if "la" in frame.columns
            else np.ones(len(frame), dtype=bool)
        )
        for name, frame in frames.items()
    }
    lacking = {name: mask for name, mask in lacking.items() if mask.any()}
    chunks: list[pd.DataFrame] = []
    for name, mask in lacking.items():
        frame = frames[name]
        entry = next(c for c in counts if c["table"] == name)
        has_column = "la" in frame.columns
        rows = frame["_row"].to_numpy()
        if len(codes) == 1:
            code = next(iter(codes))
            where = (
                f"column 'la' is empty in {int(mask.sum())} of {len(frame)} record(s) (first "
                f"at row {int(rows[mask][0])})"
                if has_column and not mask.all()
                else "the table gives no 'la'"
            )
            la = frame["la"] if has_column else pd.Series(None, index=frame.index, dtype=object)
            frames[name] = frame.assign(la=la.where(~mask, code))
            fault = Fault(
                table=name,
                file=files[name],
                row=None,
                column="la",
                severity=Severity.WARNING,
                action=Action.KEPT,
                reason=f"{where}, while the other records give the authority {code!r}: they "
                f"are all taken as authority {code!r} (one authority)",
            )
            chunks.append(pd.DataFrame([attrs.asdict(fault)]))
            entry["warnings"] += 1
            if has_column and not mask.all():
                # records that lacked la were not compared with those that had it
                repeats = _repeats_once_placed(frames[name], name, files[name])
                if repeats is not None:
                    gone, chunk = repeats
                    chunks.append(chunk)
                    _drop_rows(frames, field_faults, entry, name, gone)
            continue
        listed = ", ".join(sorted(codes)[:6]) + (", ..." if len(codes) > 6 else "")
        chunks.append(
            pd.DataFrame(
                {
                    "table": name,
                    "file": files[name],
                    "row": rows[mask],
                    "column": "la",
                    "severity": str(Severity.ERROR),
                    "action": str(Action.SET_ASIDE),
                    "reason": "no local authority ('la') for this record, while the dataset "
                    f"holds several ({listed}): it cannot be placed and is set aside; give "
                    "every record of every table its la",
                }
            )
        )
        _drop_rows(frames, field_faults, entry, name, mask)
    return chunks


def _drop_rows(
    frames: dict[str, pd.DataFrame],
    field_faults: dict[str, dict[str, np.ndarray]],
    entry: dict[str, Any],
    name: str,
    mask: np.ndarray,
) -> None:
    """Set aside the rows of table ``name`` in ``mask``: the frame, its field masks and its
    counts follow."""
    keep = ~mask
    frames[name] = frames[name].loc[keep].reset_index(drop=True)
    masks = {c: m[keep] for c, m in field_faults.get(name, {}).items() if m[keep].any()}
    field_faults[name] = masks
    entry["used"] -= int(mask.sum())
    entry["set_aside"] += int(mask.sum())
    entry["fields_left_out"] = int(np.logical_or.reduce(list(masks.values())).sum()) if masks else 0


def _repeats_once_placed(
    frame: pd.DataFrame, table: str, file: str
) -> tuple[np.ndarray, pd.DataFrame] | None:
    """Repeats that appear once records without ``la`` take the dataset's one code.

    The cleaning compared them apart (a key with ``la`` missing is not compared), so the
    rules of repeats apply again: a record repeating another exactly counts once (a
    warning), different records sharing the key are all set aside (an error). Returns the
    rows to set aside and their findings, or ``None`` when there are none.
    """
    key = table_spec(table).key
    columns = [c for c in frame.columns if c != "_row"]
    values = frame[columns].astype(object).where(frame[columns].notna(), "\x00")
    exact = values.duplicated(keep="first").to_numpy()
    clash = np.zeros(len(frame), dtype=bool)
    if key:
        cols = ["la", *key]
        unique = ~exact
        sub = frame.loc[unique, cols]
        clash[np.flatnonzero(unique)] = (
            sub.duplicated(keep=False).to_numpy() & sub.notna().all(axis=1).to_numpy()
        )
    if not (exact.any() or clash.any()):
        return None
    rows = frame["_row"].to_numpy()
    first = values.assign(_row=rows).groupby(columns, sort=False)["_row"].transform("first")
    parts = []
    if exact.any():
        parts.append(
            pd.DataFrame(
                {
                    "row": rows[exact],
                    "column": None,
                    "severity": str(Severity.WARNING),
                    "action": str(Action.SET_ASIDE),
                    "reason": "exact duplicate of row "
                    + first.to_numpy()[exact].astype(str)
                    + " once both are taken as the one authority; counted once",
                }
            )
        )
    if clash.any():
        parts.append(
            pd.DataFrame(
                {
                    "row": rows[clash],
                    "column": key[-1],
                    "severity": str(Severity.ERROR),
                    "action": str(Action.SET_ASIDE),
                    "reason": f"duplicate key ({', '.join(key)}) once records without la are "
                    "taken as the one authority: different records share it; all set aside",
                }
            )
        )
    chunk = pd.concat(parts, ignore_index=True)
    chunk.insert(0, "file", file)
    chunk.insert(0, "table", table)
    return exact | clash, chunk


def _ids_differing_by_case(
    child_ids: np.ndarray,
    child_las: np.ndarray,
    frames: Mapping[str, pd.DataFrame],
    files: Mapping[str, str],
) -> Fault | None:
    """A warning when child identifiers differ from another only by case (``C01``, ``c01``).

    They stay two children (identifiers are matched exactly, as the contract says), but a
    council's system rarely means two children by that: the finding counts them and names
    the first row holding one, never the identifiers.
    """
    if not len(child_ids):
        return None
    try:
        lower = pc.utf8_lower(pa.array(child_ids, type=pa.large_string()))
    except (pa.ArrowException, TypeError, ValueError):  # pragma: no cover - ids are text
        return None
    pooled = pd.Series(child_las, dtype=object).notna().any()
    if pooled:
        las = pa.array(pd.Series(child_las, dtype=object).fillna(""), type=pa.large_string())
        lower = pc.binary_join_element_wise(las, lower, pa.scalar("\x1f", pa.large_string()))
    if pc.count_distinct(lower).as_py() == len(child_ids):
        return None  # the usual case, decided without a Python string per child
    key = pd.Series(lower.to_numpy(zero_copy_only=False), dtype=object)
    clash = key.duplicated(keep=False).to_numpy()
    if not clash.any():
        return None
    codes = np.flatnonzero(clash)
    for name, frame in frames.items():
        if "child" not in frame.columns:
            continue
        hit = np.isin(frame["child"].to_numpy(), codes)
        if hit.any():
            return Fault(
                table=name,
                file=files[name],
                row=int(frame["_row"].to_numpy()[hit][0]),
                column="child_id",
                severity=Severity.WARNING,
                action=Action.KEPT,
                reason=f"{int(clash.sum())} child identifiers differ from another only by upper "
                "or lower case (one at this row): they are counted as different children; "
                "check that they are",
            )
    return None  # pragma: no cover - every child comes from a table


def _code_children(
    frames: dict[str, pd.DataFrame],
    reference: bool = False,
    known: Mapping[str, tuple[pd.DataFrame, np.ndarray, pa.Array]] | None = None,
    cache: TableCache | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, pd.DataFrame], bool]:
    """Replace ``child_id`` by integer codes, the same code for the same child in every table.

    ``frames`` is emptied as the tables are coded, so that each uncoded table can be freed.

    A child is identified by ``child_id``, or by (``la``, ``child_id``) in a pooled dataset.
    Codes follow the sorted order of the identifiers, so they do not depend on table order.
    For one authority the identifiers are coded once: each table's rows by the string each
    holds (cleaning gives one string per distinct identifier of a table), then the tables'
    distinct identifiers by value (:func:`_codes_by_identity`); ``reference`` (tests only)
    codes every row's identifier by value, the route the first is checked against. ``known``:
    per table, a frame and its rows' positions among distinct identifiers
    (:attr:`CleanTable.child_codes`), used while ``frames`` holds that very frame; with
    ``cache``, the coding kept for these tables' entries is used (and else kept).

    The last value returned is True when the identifiers are known to stay distinct when upper
    and lower case are not told apart (then :func:`_ids_differing_by_case` need not look).
    """
    pooled = any("la" in f.columns and f["la"].notna().any() for f in frames.values())
    shared = None if pooled or reference else _codes_by_identity(frames, known or {}, cache)
    if shared is not None:
        uniques, codes_of, case_distinct = shared
        child_ids, child_las = uniques, np.full(len(uniques), None, dtype=object)
        tables: dict[str, pd.DataFrame] = {}
        for name in list(frames):
            frame = frames.pop(name)
            codes = codes_of.pop(name, None)
            if codes is not None:
                frame = frame.drop(columns=["child_id"])
                frame.insert(1, "child", _held(codes, frame))
            tables[name] = frame
        return child_ids, child_las, tables, case_distinct
    keys: dict[str, pd.Series] = {}
    for name, frame in frames.items():
        if "child_id" not in frame.columns:
            continue
        ids = frame["child_id"].astype(object)
        if pooled and "la" in frame.columns:
            keys[name] = frame["la"].astype(object).fillna("") + "\x1f" + ids
        elif pooled:
            keys[name] = "\x1f" + ids
        else:
            keys[name] = ids
    coded = _arrow_codes(keys)
    if coded is not None:
        uniques, codes_of = coded
    elif keys:
        uniques = pd.unique(pd.concat(list(keys.values()), ignore_index=True))
        uniques = np.sort(uniques.astype(object))
        codes_of = {}
    else:
        uniques = np.array([], dtype=object)
        codes_of = {}
    if pooled:
        split = pd.Series(uniques, dtype=object).str.split("\x1f", n=1, expand=True)
        child_las = split[0].replace("", None).to_numpy(dtype=object) if len(uniques) else uniques
        child_ids = split[1].to_numpy(dtype=object) if len(uniques) else uniques
    else:
        child_ids = uniques
        child_las = np.full(len(uniques), None, dtype=object)
    out: dict[str, pd.DataFrame] = {}
    index = pd.Index(uniques)
    for name in list(frames):
        frame = frames.pop(name)
        key = keys.pop(name, None)
        if key is not None:
            codes = codes_of.pop(name, None)
            if codes is None:
                codes = index.get_indexer(key).astype(np.int32)
            frame = frame.drop(columns=["child_id"])
            frame.insert(1, "child", _held(codes, frame))
        out[name] = frame
    return child_ids, child_las, out, False


def _arrow_codes(
    keys: Mapping[str, pd.Series],
) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """The sorted distinct keys and each table's codes, by Arrow's hashing and sorting.

    ``None`` (the caller then uses pandas) when there are no keys or they are not all text.
    Arrow compares UTF-8 bytes, which orders text as Python does (by code point).
    """
    if not keys:
        return None
    # Each table's ids are dictionary-encoded on their own (their text then freed), and the
    # dictionaries unified: the text of every id of every table is never held at once.
    encoded: list[pa.DictionaryArray] = []
    for key in keys.values():
        try:
            array = pa.array(key.to_numpy(dtype=object), type=pa.large_string())
        except (pa.ArrowException, TypeError, ValueError):
            return None
        if array.null_count:
            return None
        encoded.append(array.dictionary_encode())
        del array
    unified = pa.chunked_array(encoded).unify_dictionaries()
    del encoded
    if unified.num_chunks == 0:
        return None
    dictionary = unified.chunk(0).dictionary
    order = pc.sort_indices(dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    uniques = dictionary.take(pa.array(order)).to_numpy(zero_copy_only=False)
    out: dict[str, np.ndarray] = {}
    for name, chunk in zip(keys, unified.chunks, strict=True):
        out[name] = rank[chunk.indices.to_numpy()]
    return uniques, out


def _held(codes: np.ndarray, frame: pd.DataFrame) -> pd.Series:
    """Children's codes as a column of ``frame`` without copying them (pandas 3 copies an
    array given to ``DataFrame.insert``: 0.24 s for the 21 million visits)."""
    return pd.Series(codes, index=frame.index, copy=False)


def _child_positions(values: pd.Series) -> tuple[np.ndarray, pa.Array] | None:
    """A ``child_id`` column as the positions of its rows among its distinct values, and those
    values as Arrow text (:attr:`CleanTable.child_codes`); ``None`` when it is not all text.

    An object column (cleaning gives one Python string per distinct identifier of a table) is
    grouped by the address of each row's string (integers, hashed by pandas in a fraction of
    the time of text): equal objects hold equal values, and equal strings held twice are
    joined when the distinct values are coded. Arrow text is dictionary-encoded by Arrow."""
    dtype = values.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype):
        array = pa.array(values.array)
    elif isinstance(dtype, (pd.StringDtype, pd.ArrowDtype)):
        try:
            array = pa.array(values.array).dictionary_encode()
        except (pa.ArrowException, TypeError, ValueError):
            return None
    elif pd.api.types.is_object_dtype(dtype):
        ids = np.ascontiguousarray(values.to_numpy(dtype=object))
        # the address of each row's string; copied at once, while ``ids`` holds the strings
        addresses = np.frombuffer(ids, dtype=np.uintp).copy() if len(ids) else np.zeros(0)
        codes, distinct = pd.factorize(addresses)
        where = np.zeros(len(distinct), dtype=np.int64)
        where[codes] = np.arange(len(codes))
        try:
            text = pa.array(ids[where], type=pa.string())
        except (pa.ArrowException, TypeError, ValueError):
            return None
        return (codes, text) if not text.null_count else None
    else:
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count or not (
        pa.types.is_string(array.type.value_type) or pa.types.is_large_string(array.type.value_type)
    ):
        return None
    return array.indices.to_numpy(), array.dictionary


def _codes_by_identity(
    frames: Mapping[str, pd.DataFrame],
    known: Mapping[str, tuple[pd.DataFrame, np.ndarray, pa.Array]],
    cache: TableCache | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], bool] | None:
    """The sorted distinct child identifiers, each table's codes, and whether the identifiers
    stay distinct without case; each table's rows coded by their positions among the table's
    distinct identifiers, and only the distinct identifiers of all tables by value.

    The positions come from cleaning or the cache (``known``: per table, the frame they belong
    to, the positions and the distinct identifiers as Arrow text), else from the column
    (:func:`_child_positions`). The tables' distinct identifiers are then coded by value, by
    Arrow, as :func:`_arrow_codes` codes every row (a table of 21 million visits holds 1.7
    million distinct children), or, when every table's positions are known and ``cache``
    keeps a coding for these very table entries, taken from it. ``None`` when an identifier
    is not text or is missing (the caller codes by value).
    """
    locals_: dict[str, np.ndarray] = {}
    parts: dict[str, pa.Array] = {}
    all_known = True
    for name, frame in frames.items():
        if "child_id" not in frame.columns:
            continue
        hint = known.get(name)
        if hint is not None and hint[0] is frame and len(hint[1]) == len(frame):
            found: tuple[np.ndarray, pa.Array] | None = (hint[1], hint[2])
        else:
            found = _child_positions(frame["child_id"])
            all_known = False
        if found is None:
            return None
        locals_[name], parts[name] = found
    if not parts:
        return None
    names = list(parts)
    kept = cache.children(names) if cache is not None and all_known else None
    if kept is not None and all(len(kept[1][n]) == len(parts[n]) for n in names):
        uniques, maps, case_distinct = kept
    else:
        coded = _coded_distinct(parts)
        if coded is None:
            return None
        uniques, maps, case_distinct = coded
        if cache is not None and all_known:
            cache.store_children(names, uniques, maps, case_distinct)
    out = {name: maps[name][local] for name, local in locals_.items()}
    return uniques.to_numpy(zero_copy_only=False).astype(object, copy=False), out, case_distinct


def _coded_distinct(
    parts: Mapping[str, pa.Array],
) -> tuple[pa.Array, dict[str, np.ndarray], bool] | None:
    """The sorted distinct values of all tables' distinct identifiers, each table's
    identifiers' codes among them, and whether they stay distinct without case; ``None``
    when one is missing."""
    if any(part.null_count for part in parts.values()):
        return None
    coded, uniques = sorted_distinct(list(parts.values()))
    maps: dict[str, np.ndarray] = {}
    start = 0
    for name, part in parts.items():
        maps[name] = coded[start : start + len(part)]
        start += len(part)
    case_distinct = pc.count_distinct(pc.utf8_lower(uniques)).as_py() == len(uniques)
    return uniques, maps, case_distinct
