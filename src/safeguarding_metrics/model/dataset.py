"""A canonical dataset: validated, typed tables with child ids as integer codes.

Load one from a folder (``<table>.csv`` or ``<table>.parquet`` per table) with
:func:`load_dataset`, or build one from DataFrames (:meth:`Dataset.from_frames`) or from record
objects (:meth:`Dataset.from_records`). Every route goes through the same validation
(:func:`~safeguarding_metrics.model.clean.clean_table`), so a dataset always carries its
data-quality table and its counts, and ``read == used + set_aside`` for every table.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import logging
import os
import re
import unicodedata
import warnings
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
import pyarrow.parquet as pq

from .clean import CleanTable, clean_table
from .episode_rules import apply_episode_rules
from .quality import Action, DataError, Fault, Severity, faults_frame
from .rules import cross_table_faults
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


# -- reading files -----------------------------------------------------------------------------

#: What the first bytes of a file say it is, when it is not text.
_MAGIC = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx, a zip file)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"PAR1", "a Parquet file"),
    (b"\xff\xfe", "UTF-16 text (as Excel saves 'Unicode Text')"),
    (b"\xfe\xff", "UTF-16 text (as Excel saves 'Unicode Text')"),
)


def _sniff(head: bytes) -> str | None:
    """What a file is by its first bytes, when that is something other than text."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    return None


def _read_file(
    path: Path, spec: TableSpec, progress: Callable[[str], None] | None = None
) -> tuple[pd.DataFrame | None, np.ndarray | None, list[Fault]]:
    """Read one table file as text columns (CSV) or typed columns (Parquet).

    Column names are returned as the file has them (see :func:`header_name` for how they are
    matched). Records that cannot be read (a row with too many or too few values, the lines
    after an unclosed quote) are left out of the frame, each with a ``set aside`` fault naming
    its row.
    """
    if progress:
        progress(f"reading {path.name}")
    file = str(path)

    def unreadable(reason: str) -> Fault:
        return Fault(
            table=spec.name,
            file=file,
            row=None,
            column=None,
            severity=Severity.ERROR,
            action=Action.SET_ASIDE,
            reason=reason,
        )

    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        return None, None, [unreadable(f"cannot open the file ({exc.strerror or exc})")]
    what = _sniff(head)
    if path.suffix.lower() == ".parquet":
        if what is None or what.startswith("a Parquet"):
            return _read_parquet(path, spec, unreadable)
        return (
            None,
            None,
            [unreadable(f"this is {what}, not a Parquet file; the table is not read")],
        )
    if what is not None:
        hint = (
            f"name it {spec.name}.parquet"
            if what.startswith("a Parquet")
            else f"open it in Excel and save it as CSV UTF-8, named {spec.name}.csv"
        )
        return None, None, [unreadable(f"this is {what}, not CSV: {hint}; the table is not read")]
    frame = _read_csv_fast(path)
    if frame is not None:
        # CSV rows as a spreadsheet shows them: the header is row 1.
        return frame, np.arange(2, len(frame) + 2), []
    try:
        return _read_csv_careful(path, spec)
    except _Unreadable as exc:
        return None, None, [*exc.faults, unreadable(exc.reason)]
    except OSError as exc:
        return None, None, [unreadable(f"cannot open the file ({exc.strerror or exc})")]


def _read_parquet(
    path: Path, spec: TableSpec, unreadable: Callable[[str], Fault]
) -> tuple[pd.DataFrame | None, np.ndarray | None, list[Fault]]:
    """A Parquet file; a nested column (list, struct, map) is left out with a finding."""
    try:
        frame = pd.read_parquet(path)
        schema = pq.read_schema(path)
    except Exception as exc:  # any reader failure is reported, not raised
        return None, None, [unreadable(f"cannot read the Parquet file ({type(exc).__name__})")]
    rows = np.arange(1, len(frame) + 1)
    faults: list[Fault] = []
    for field in schema:
        if not pa.types.is_nested(field.type) or field.name not in frame.columns:
            continue
        held = frame[field.name].notna().to_numpy()
        first = int(rows[held][0]) if held.any() else None
        faults.append(
            Fault(
                table=spec.name,
                file=str(path),
                row=first,
                column=header_name(field.name),
                severity=Severity.ERROR,
                action=Action.FIELD_LEFT_OUT,
                reason=f"the column holds lists or structures (Parquet type {field.type}), not "
                f"single values: its {int(held.sum())} value(s)"
                + (f" (first at row {first})" if first is not None else "")
                + " cannot be read; the column is left out",
            )
        )
        frame = frame.drop(columns=[field.name])
    return frame, rows, faults


class _Unreadable(Exception):
    """A CSV file the careful reader cannot read at all (the reason, and faults so far)."""

    def __init__(self, reason: str, faults: list[Fault] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.faults = faults or []


def _code_page_votes() -> np.ndarray:
    """Per byte value, +1 when DOS code page 850 reads it as a letter and Windows-1252 does
    not, -1 the other way round, 0 otherwise.

    The smart quotes and dashes of Windows-1252 (``\x91``-``\x94``, ``\x96``, ``\x97``:
    ``O’Brien``) do not vote: code page 850 reads them as rare letters.
    """
    votes = np.zeros(256, dtype=np.int64)
    for value in range(0x80, 0x100):
        if value in (0x91, 0x92, 0x93, 0x94, 0x96, 0x97):
            continue
        byte = bytes([value])
        dos = byte.decode("cp850").isalpha()
        try:
            windows = byte.decode("cp1252").isalpha()
        except UnicodeDecodeError:
            windows = False
        votes[value] = int(dos) - int(windows)
    return votes


_VOTES = _code_page_votes()


def _encoding(data: bytes, spec: TableSpec, file: str) -> tuple[str, list[Fault]]:
    """The encoding to read a CSV file's bytes with, and a warning when it is not UTF-8.

    UTF-8 first (a BOM accepted). Otherwise Windows-1252, what Excel writes in England, or
    DOS code page 850, what older case-management exports write: code page 850 when the file
    holds a byte Windows-1252 does not define (``\\x81 \\x8d \\x8f \\x90 \\x9d``), or
    when more of its bytes are letters in code page 850 and not in Windows-1252 (``\\x82``
    is ``é`` there, a low quote in Windows-1252) than the other way round (``\\xc9`` is
    ``É`` in Windows-1252, a box-drawing line in code page 850). Counted over every byte
    at once.
    """
    try:
        data.decode("utf-8")
        return "utf-8-sig", []
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        votes = int(_VOTES[np.frombuffer(data, dtype=np.uint8)].sum())
        codec = "cp850" if votes > 0 else "cp1252"
        why = ", as more of its accented bytes are letters in it" if votes > 0 else ""
    except UnicodeDecodeError:
        codec, why = "cp850", ", as it holds bytes that Windows-1252 does not define"
    label = "Windows-1252" if codec == "cp1252" else "DOS code page 850 (cp850)"
    fault = Fault(
        table=spec.name,
        file=file,
        row=None,
        column=None,
        severity=Severity.WARNING,
        action=Action.KEPT,
        reason=f"the file is not UTF-8; it was read as {label}{why}: check accented letters, "
        "and save the file as CSV UTF-8",
    )
    return codec, [fault]


#: What marks the end of every line of a CSV file for the careful reader (the first of these
#: control characters the file does not hold): the field holding it tells how many values
#: the row has (pandas pads a short row with empty values silently).
_MARKERS = tuple(chr(c) for c in (*range(0x01, 0x09), *range(0x0E, 0x20)))
_EXPECTED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _letter(position: int) -> str:
    """A column's letter as a spreadsheet shows it (0 -> A, 26 -> AA)."""
    out = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        out = chr(65 + rest) + out
    return out


def _read_csv_careful(path: Path, spec: TableSpec) -> tuple[pd.DataFrame, np.ndarray, list[Fault]]:
    """A CSV file as text columns, every row checked against the header's number of values.

    Each line gets an end marker before pandas' C engine reads it, so a row's number of
    values is known (the engine itself pads short rows and, when every row has one value
    more than the header, silently takes the first column as an index: every column shifts).
    A row with exactly one empty value more than the header (a trailing comma) is read with
    that value dropped, one warning for the file; any other row with too many or too few
    values is set aside with a finding naming it. Blank lines are skipped, as the C engine
    does. The text of every well-formed file is the same as the fast reader's
    (property-tested).
    """
    file = str(path)
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\x00") or not data.lstrip(b"\xef\xbb\xbf").strip():
        raise _Unreadable("the file is empty: no header row")
    encoding, faults = _encoding(data, spec, file)
    free = [m for m in _MARKERS if m.encode() not in data]
    if len(free) < 2:  # pragma: no cover - a text file holding every control character
        raise _Unreadable("the file holds every control character: it is not text", faults)
    end = free[0]
    marked = _mark_line_ends(data, end, free[1])
    del data
    cells, cut = _parse_marked(marked, encoding, faults, end)
    # the position of the end marker in each row is its number of values
    width = np.full(len(cells), -1, dtype=np.int64)
    for j in cells.columns:
        hit = (cells[j] == end).to_numpy(dtype=bool) & (width < 0)
        width[hit] = int(j)
    blank = width == 1
    if blank.any():
        blank[blank] = (cells.loc[blank, 0].astype(str).str.strip() == "").to_numpy()
        if blank.any():
            cells = cells.loc[~blank].reset_index(drop=True)
            width = width[~blank]
    if not len(cells):
        raise _Unreadable("the file is empty: no header row", faults)
    n_head = int(width[0])
    names = [str(v) for v in cells.iloc[0, :n_head].tolist()]
    body = cells.iloc[1:].reset_index(drop=True)
    width = width[1:]
    rows = np.arange(2, len(body) + 2)
    last_row = int(rows[-1]) if len(rows) else 1
    body = body.iloc[:, : max(n_head + 1, 1)] if body.shape[1] > n_head else body
    trailing = width == n_head + 1
    if trailing.any():
        trailing[trailing] = (body.loc[trailing, n_head].astype(str).str.strip() == "").to_numpy()
    # a header ending with a comma (an empty last name) and rows without one: those rows
    # lack only the value of the nameless column, which is empty
    unnamed_last = n_head > 1 and not names[-1].strip()
    short = (width == n_head - 1) if unnamed_last else np.zeros(len(width), dtype=bool)
    if short.any():
        body.loc[short, n_head - 1] = ""
    ragged = (width != n_head) & ~trailing & ~short
    if trailing.any():
        faults.append(
            Fault(
                table=spec.name,
                file=file,
                row=int(rows[trailing][0]),
                column=None,
                severity=Severity.WARNING,
                action=Action.KEPT,
                reason=f"{int(trailing.sum())} row(s) (first at this row) end with one empty "
                f"value more than the header has (a trailing comma): the empty value was "
                "dropped",
            )
        )
    for r, w in zip(rows[ragged], width[ragged], strict=True):
        faults.append(_ragged_fault(spec, file, int(r), int(w), names))
    frame = body.iloc[:, :n_head]
    if ragged.any():
        frame = frame.iloc[np.flatnonzero(~ragged)].reset_index(drop=True)
    frame = frame.astype(str).set_axis(pd.Index(names), axis=1)
    rows = rows[~ragged]
    if cut is not None:
        faults.extend(_unclosed_quote_faults(spec, file, cut, last_row + 1, names, end))
    return frame, rows, faults


def _mark_line_ends(data: bytes, marker: str, spare: str) -> bytes:
    """The bytes of a CSV file with ``,`` and ``marker`` before every line end (``\\r\\n``,
    ``\\n``, ``\\r``) and at the end of a last line without one (``spare``, another
    character the file does not hold, stands for ``\\r\\n`` meanwhile)."""
    end = b"," + marker.encode()
    crlf = spare.encode()
    marked = data.replace(b"\r\n", crlf).replace(b"\r", end + b"\r")
    marked = marked.replace(b"\n", end + b"\n").replace(crlf, end + b"\r\n")
    if not data.endswith((b"\n", b"\r")):
        marked += end
    return marked


def _parse_marked(
    marked: bytes, encoding: str, faults: list[Fault], end: str
) -> tuple[pd.DataFrame, tuple[str, int] | None]:
    """Parse end-marked CSV bytes into numbered text columns (one per value position).

    Returns the cells and, when a quote is never closed, the text from the record where it
    opens and how many records came before it (``None`` otherwise).
    """
    columns = 8
    nrows: int | None = None
    cut: tuple[str, int] | None = None
    for _attempt in range(40):
        try:
            with warnings.catch_warnings():
                # a first row longer than the names is cut with only a warning: an error here
                warnings.simplefilter("error", pd.errors.ParserWarning)
                cells = pd.read_csv(
                    io.BytesIO(marked),
                    encoding=encoding,
                    header=None,
                    names=range(columns),
                    index_col=False,
                    dtype=str,
                    keep_default_na=False,
                    na_filter=False,
                    skip_blank_lines=False,
                    nrows=nrows,
                )
            break
        except pd.errors.ParserWarning:
            columns *= 2
        except pd.errors.ParserError as exc:
            message = str(exc)
            wider = _EXPECTED.search(message)
            quote = _EOF_IN_QUOTE.search(message)
            if wider:
                columns = max(int(wider.group(3)), columns + 1)
            elif quote and nrows is None:
                nrows = int(quote.group(1))
                text = marked.decode(encoding, errors="replace")
                cut = (text, nrows)
            else:
                detail = message.strip().splitlines()[-1][:200]
                raise _Unreadable(f"not a well-formed CSV file ({detail})", faults) from None
        except pd.errors.EmptyDataError:
            raise _Unreadable("the file is empty: no header row", faults) from None
    else:  # pragma: no cover - each attempt widens or cuts
        raise _Unreadable("not a well-formed CSV file", faults)
    cells = cells.fillna("")
    if marked.count(end.encode()) <= len(cells):
        return cells, cut  # no line break inside a quoted value: no marker to take out
    for j in cells.columns:
        column = cells[j]
        inside = column.str.contains(end + "\r|" + end + "\n", regex=True).to_numpy(dtype=bool)
        if inside.any():  # a line break inside a quoted value: its marker is taken out again
            cells.loc[inside, j] = column[inside].str.replace(
                "," + re.escape(end) + r"(\r\n|\n|\r)", r"\1", regex=True
            )
    if cut is not None:
        cut = (cut[0], len(cells))
    return cells, cut


def _ragged_fault(spec: TableSpec, file: str, row: int, width: int, names: list[str]) -> Fault:
    """The finding for a row whose number of values is not the header's."""
    if width < len(names):
        column: str | None = header_name(names[width])
        detail = f"no value for column {names[width]!r} and after"
    else:
        column = None
        detail = f"{width - len(names)} value(s) after the last column {names[-1]!r}"
    return Fault(
        table=spec.name,
        file=file,
        row=row,
        column=column,
        severity=Severity.ERROR,
        action=Action.SET_ASIDE,
        reason=f"the row has {width} value(s), the header {len(names)} ({detail}): the record "
        "is set aside (values are never shifted between columns)",
    )


def _unclosed_quote_faults(
    spec: TableSpec, file: str, cut: tuple[str, int], row: int, names: list[str], end: str
) -> list[Fault]:
    """A quote opened and never closed: the record where it opens and every line after it
    are set aside, each with a finding (the header is line 1 of ``text``)."""
    text, _records = cut
    lines = [
        line.replace("," + end, "")
        for line in re.split(r"\r\n|\n|\r", text)
        if line.replace("," + end, "").strip()
    ]
    # the records read are the header and ``row - 2`` data rows, one line each (a line break
    # inside a quoted value makes this an estimate, which the finding says)
    start = min(row - 1, len(lines) - 1)
    rest = lines[start:]
    opened = next(csv.reader([rest[0]], strict=False), []) if rest else []
    position = max(len(opened) - 1, 0)
    column = header_name(names[position]) if position < len(names) else None
    faults = [
        Fault(
            table=spec.name,
            file=file,
            row=row,
            column=column,
            severity=Severity.ERROR,
            action=Action.SET_ASIDE,
            reason=f'a quote (") opened in this row is never closed: this record and the '
            f"{len(rest) - 1} line(s) after it cannot be read and are set aside; close the quote",
        )
    ]
    for offset in range(1, len(rest)):
        faults.append(
            Fault(
                table=spec.name,
                file=file,
                row=row + offset,
                column=None,
                severity=Severity.ERROR,
                action=Action.SET_ASIDE,
                reason=f"inside the quote left open at row {row}: set aside",
            )
        )
    return faults


#: Read CSV files with pandas' pyarrow engine first (see :func:`_read_csv_fast`).
CSV_PYARROW = True


def _read_csv_fast(path: Path) -> pd.DataFrame | None:
    """A CSV file as text columns by pandas' pyarrow engine, or None to read it the usual way.

    The pyarrow engine reads in parallel into Arrow strings, a fraction of the time and
    memory of one Python string per cell at national size. Whatever it cannot read exactly as
    the careful reader does (a file that is not UTF-8, a row with too many or too few values,
    a repeated or blank column name, a header-only or empty file, a single column) is left
    to :func:`_read_csv_careful`, which also words the findings.
    The two read every well-formed UTF-8 file identically (property-tested).
    """
    if not CSV_PYARROW:
        return None
    try:
        frame = pd.read_csv(path, engine="pyarrow", dtype=str, keep_default_na=False)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except Exception:
        return None
    names = [str(c) for c in frame.columns]
    if (
        not len(frame)
        or len(names) < 2  # the careful reader skips a line of spaces as blank; pyarrow reads it
        or names != header  # pandas renames a repeated name ("a", "a.1")
        or len(set(names)) != len(names)
        or any(not n.strip() for n in names)
    ):
        return None
    return frame


# -- column names ------------------------------------------------------------------------------

#: Characters that print as nothing: a zero-width space, joiners, a word joiner, a BOM.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE_TABLE = {ord(c): None for c in INVISIBLE}
#: The prefixes a spreadsheet's pivot table puts before a field's name.
_PIVOT = re.compile(r"^(?:sum|count|average|max|min|total) of\s+", re.IGNORECASE)
#: Names the loader gives columns itself: a user's column so named is left out.
INTERNAL_COLUMNS = frozenset({"_row", "child"})


def header_name(text: object) -> str:
    """The name a column header is matched by.

    Exports decorate names: ``"Referral Date"``, ``"referral-date"``, ``"Sum of
    previous_plans"`` (a pivot table), a line break or a trailing ``:`` or ``*``, a BOM or a
    zero-width space pasted in. All of them read as the canonical ``referral_date`` /
    ``previous_plans``: invisible characters are removed, runs of spaces (line breaks, NBSP)
    become one, case is folded, trailing punctuation and a pivot prefix are dropped, and spaces
    and hyphens inside become ``_``.
    """
    name = unicodedata.normalize("NFKC", str(text)).translate(_INVISIBLE_TABLE)
    name = " ".join(name.split()).lower()
    name = re.sub(r"[\s.,:;!?*#]+$", "", name)
    name = _PIVOT.sub("", name)
    return re.sub(r"[\s\-]+", "_", name.strip())


#: Separators a file saved as "CSV" in another locale or as text may use instead of commas.
_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _separator_hint(names: list[str], spec: TableSpec) -> str:
    """What to say when a header is one cell that, split at a semicolon, tab or bar, names
    columns of the table (a CSV saved with a European locale, or as tab-delimited text): the
    file is then read as one column, and "required column missing" alone would puzzle."""
    cells = [n for n in names if not n.startswith("_")]
    if len(cells) != 1:
        return ""
    for separator, what in _SEPARATORS.items():
        parts = {header_name(part) for part in cells[0].split(separator)}
        if len(parts) > 1 and parts & set(spec.column_names):
            return (
                f"; the header is one cell holding {what}: the file is separated by {what}, "
                "not commas; save it as CSV UTF-8 (comma delimited)"
            )
    return ""


def _headers(
    frame: pd.DataFrame, spec: TableSpec, file: str, rows: np.ndarray | None, csv_file: bool
) -> tuple[pd.DataFrame, list[Fault]]:
    """Name the columns by :func:`header_name`; leave out what cannot be told apart.

    - a column whose name is empty, or one the loader uses itself (``_row``, ``child``), is
      left out with a warning;
    - a name that appears twice (also after normalising): one copy is read when the copies
      agree in every row (a warning); when they differ, a canonical column is left out (an
      error naming both and the first row where they differ: nothing says which is right),
      an unknown one keeps its first copy;
    - a header that is not a column of the table is named in a warning and kept (ignored);
    - a header that needed more than case and spaces to be recognised is noted.
    """
    raw = [str(c) for c in frame.columns]
    names = [header_name(c) for c in raw]
    known = set(spec.column_names) | {"la"}
    header_row = 1 if csv_file else None
    faults: list[Fault] = []
    drop: set[int] = set()

    def note(column: str | None, reason: str, *, error: bool = False, row: int | None = None):
        faults.append(
            Fault(
                table=spec.name,
                file=file,
                row=header_row if row is None else row,
                column=column,
                severity=Severity.ERROR if error else Severity.WARNING,
                action=Action.FIELD_LEFT_OUT if error else Action.KEPT,
                reason=reason,
            )
        )

    for i, (name, original) in enumerate(zip(names, raw, strict=True)):
        place = f"column {_letter(i)}" if csv_file else f"column {i + 1}"
        if not name or (csv_file and re.fullmatch(r"unnamed: \d+", name)):
            values = _text_of(frame.iloc[:, i])
            held = int(values.notna().sum())
            note(None, f"{place} has no header; its {held} value(s) are ignored")
            drop.add(i)
        elif name in INTERNAL_COLUMNS:
            note(
                name,
                f"{place} is named {original!r}, a name the loader uses itself: the column "
                "is ignored (rename it if you need it)",
            )
            drop.add(i)
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if i not in drop:
            positions.setdefault(name, []).append(i)
    for name, where in positions.items():
        if len(where) < 2:
            continue
        copies = [_text_of(frame.iloc[:, i]).fillna("").to_numpy(dtype=object) for i in where]
        differ = np.zeros(len(frame), dtype=bool)
        for other in copies[1:]:
            differ |= copies[0] != other
        listed = ", ".join(f"{_letter(i) if csv_file else i + 1} ({raw[i]!r})" for i in where)
        if not differ.any():
            note(
                name,
                f"column {name!r} appears {len(where)} times ({listed}), the same "
                "values in every row: read once",
            )
            drop.update(where[1:])
        elif name in known:
            first = int((rows if rows is not None else np.arange(1, len(frame) + 1))[differ][0])
            note(
                name,
                f"column {name!r} appears {len(where)} times ({listed}) with different values "
                f"in {int(differ.sum())} row(s) (first at row {first}): nothing says which is "
                "right, so the column is left out; delete the wrong copy",
                error=True,
            )
            drop.update(where)
        else:
            note(
                name,
                f"column {name!r} appears {len(where)} times ({listed}) with different "
                "values; the first is kept (it is not a column of the table)",
            )
            drop.update(where[1:])
    for i, (name, original) in enumerate(zip(names, raw, strict=True)):
        if i in drop:
            continue
        if name not in known:
            note(
                name,
                f"column {original.strip()!r} is not a column of table {spec.name}; kept and "
                "ignored",
            )
        elif name != original.strip().lower():
            note(name, f"header {original!r} read as column {name!r}")
    keep = [i for i in range(len(names)) if i not in drop]
    out = frame.iloc[:, keep].set_axis(pd.Index([names[i] for i in keep]), axis=1)
    return out, faults


def _text_of(values: pd.Series) -> pd.Series:
    """A column as stripped text, missing where empty (for comparing copies of a column)."""
    out = values.astype(object)
    mask = pd.isna(out)
    out = out.where(mask, out.astype(str).str.strip())
    return out.where(~mask & (out != ""), None)


def _folder_error(folder: Path, reason: str) -> DataError:
    """An error about the dataset folder as a whole (no table, row or column)."""
    return DataError(
        Fault(
            table="",
            file=str(folder),
            row=None,
            column=None,
            severity=Severity.ERROR,
            action=Action.SET_ASIDE,
            reason=reason,
        )
    )


# -- the dataset folder ------------------------------------------------------------------------

#: Files that sit in a dataset folder beside the tables and are not data: what the importers
#: write (``import-quality.csv``, ``import-counts.csv``, ``import-notes.txt``) and the
#: description ``safeguarding-metrics template`` writes (``README.md``).
COMPANION_FILES = frozenset(
    {"import-quality.csv", "import-counts.csv", "import-notes.txt", "README.md"}
)
_TABLE_SUFFIXES = (".parquet", ".csv")


def _table_like(name: str) -> tuple[str | None, bool]:
    """The canonical table a file or folder name looks like, and whether exactly.

    ``Referrals.CSV``, ``cp-plans.csv`` and ``CP Plans.csv`` look exactly like a table (the
    name differs only by case, spaces or hyphens); ``referal.csv`` looks like one less surely
    (a close spelling).
    """
    stem = name.rsplit(".", 1)[0] if "." in name else name
    key = re.sub(r"[\s\-.]+", "_", stem.strip().lower()).strip("_")
    tables = list(table_specs())
    if key in tables:
        return key, True
    close = difflib.get_close_matches(key, tables, n=1, cutoff=0.8)
    return (close[0], False) if close else (None, False)


def _scan_folder(
    folder: Path, wanted: Sequence[str]
) -> tuple[dict[str, list[Path]], list[Fault], list[str]]:
    """The table files of a dataset folder, and a note on everything else in it.

    A file named ``<table>.csv`` / ``<table>.parquet`` is read. A file whose name differs only
    by case, spaces or hyphens (``Referrals.CSV``, ``cp-plans.csv``) with a ``.csv`` or
    ``.parquet`` suffix in any case is read as that table with a warning, unless the canonical
    file is there too (then it is not read). Any other file or folder is not read and noted
    by name, with the table it looks like when it looks like one; hidden files (a leading dot)
    and the known companions (:data:`COMPANION_FILES`) are passed over quietly.

    Returns
    -------
    files, notes, hints
        The files to read per table (canonical first), the findings, and the hints for an
        error when nothing at all can be read.
    """
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise _folder_error(folder, f"cannot list the folder ({exc.strerror or exc})") from None
    exact: dict[str, list[Path]] = {}
    misnamed: dict[str, list[Path]] = {}
    notes: list[Fault] = []
    hints: list[str] = []

    def note(table: str, path: Path, reason: str, action: Action = Action.NOT_READ) -> None:
        notes.append(
            Fault(
                table=table,
                file=str(path),
                row=None,
                column=None,
                severity=Severity.WARNING,
                action=action,
                reason=reason,
            )
        )

    for path in entries:
        name = path.name
        if name.startswith(".") or name in COMPANION_FILES:
            continue
        suffix = path.suffix
        is_dir = path.is_dir()
        if not is_dir and suffix in _TABLE_SUFFIXES and path.stem in table_specs():
            exact.setdefault(path.stem, []).append(path)
            continue
        table, surely = _table_like(name)
        if table is not None and table not in wanted:
            continue
        if is_dir:
            reason = "a folder, not a file: not read"
            if table is not None:
                reason = f"a folder, not a file, named like the table {table}: not read"
            note(table or "", path, reason)
            continue
        if table is not None and surely and suffix.lower() in _TABLE_SUFFIXES:
            misnamed.setdefault(table, []).append(path)
            continue
        if table is not None:
            save = "save it as CSV UTF-8" if suffix.lower() in (".xlsx", ".xls") else "name it"
            hint = f"{name} looks like the table {table}; {save} {table}.csv"
            note(table, path, f"looks like the table {table}; {save} {table}.csv: not read")
            hints.append(hint)
        else:
            note("", path, "not a table file of the dataset (<table>.csv): not read")
    files: dict[str, list[Path]] = {}
    for table in wanted:
        found = sorted(exact.get(table, []), key=lambda p: _TABLE_SUFFIXES.index(p.suffix))
        others = misnamed.get(table, [])
        canonical = f"{table}.csv"
        if found:
            for path in others:
                note(
                    table,
                    path,
                    f"looks like the table {table}, but {found[0].name} is "
                    "there too and is read: not read",
                )
            files[table] = found
        elif len(others) == 1:
            note(
                table,
                others[0],
                f"looks like the table {table}: read as it; name it {canonical}",
                Action.KEPT,
            )
            files[table] = others
        elif others:
            listed = ", ".join(p.name for p in others)
            for path in others:
                note(
                    table,
                    path,
                    f"looks like the table {table}, as do {listed}: none is "
                    f"read; keep one, named {canonical}",
                )
            hints.append(f"{listed} all look like the table {table}")
    return files, notes, hints


def load_dataset(
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    tables: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    pivot_year: int | None = None,
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
        raise _folder_error(folder, "not a dataset folder (expected a folder of <table>.csv files)")
    wanted = list(table_specs()) if tables is None else list(tables)
    for name in wanted:
        _known_table(name)
    files, pre, hints = _scan_folder(folder, wanted)
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
            readers[name] = (functools.partial(_read_file, found[0], spec, progress), str(found[0]))
            continue
        frame, rows, faults = _read_file(found[0], spec, progress)
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
        raise _folder_error(folder, reason)
    return _assemble(
        raws,
        strict=strict,
        source=str(folder),
        pre_faults=pre,
        unusable=unusable,
        readers=readers,
        pivot_year=pivot_year,
    )


# -- assembly ----------------------------------------------------------------------------------


#: Reads one table file when called: ``(frame or None, rows, faults)`` (see ``_read_file``).
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
) -> Dataset:
    """Clean, check and code the tables; ``readers`` are tables read only when their turn
    comes (so that one raw table at a time is in memory), the others are given in ``raws``;
    two-digit years are read against ``pivot_year`` (default: the current year)."""
    readers = {} if readers is None else readers
    on_read: dict[str, int] = {}  # records set aside as the file was read (ragged rows)
    kept: dict[str, int] = {}  # warnings on the file and its header (encoding, a repeat)
    sources = {name: raw[1] for name, raw in raws.items()}
    sources.update({name: reader[1] for name, reader in readers.items()})
    for name, source in sources.items():
        mine = [f for f in pre_faults if f.table == name and f.file == source]
        on_read[name], kept[name] = _set_aside_on_read(mine), _kept(mine)
    cleaned: dict[str, CleanTable] = {}
    chunks: list[pd.DataFrame] = []
    counts: list[dict[str, Any]] = []
    if pre_faults:
        chunks.append(pd.DataFrame([attrs.asdict(f) for f in pre_faults]))
    for name in table_specs():
        if name in readers:
            read, file = readers.pop(name)
            frame_read, rows_read, read_faults = read()
            if read_faults:
                chunks.append(pd.DataFrame([attrs.asdict(f) for f in read_faults]))
            if frame_read is None:
                unusable[name] = read_faults[-1].reason
                continue
            on_read[name] += _set_aside_on_read(read_faults)
            kept[name] += _kept(read_faults)
            raws[name] = (frame_read, file, rows_read)
            del frame_read
        if name not in raws:
            continue
        spec = table_spec(name)
        frame, file, rows = raws[name]
        raws[name] = (pd.DataFrame(), file, None)  # the raw table is freed once cleaned
        raw_names = [str(c) for c in frame.columns]
        frame, header_faults = _headers(
            frame, spec, file, rows, csv_file=file.lower().endswith(".csv")
        )
        if header_faults:
            if strict and any(f.severity == Severity.ERROR for f in header_faults):
                raise DataError(next(f for f in header_faults if f.severity == Severity.ERROR))
            chunks.append(pd.DataFrame([attrs.asdict(f) for f in header_faults]))
        before = on_read.get(name, 0)
        noted = kept.get(name, 0) + _kept(header_faults)
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
                f"table set aside{_separator_hint(raw_names, spec)}",
            )
            if strict:
                raise DataError(fault)
            chunks.append(pd.DataFrame([attrs.asdict(fault)]))
            unusable[name] = next(
                (f.reason for f in header_faults if f.column == missing[0]),
                f"required column {missing[0]!r} is missing in {file}"
                f"{_separator_hint(raw_names, spec)}",
            )
            counts.append(
                dict(
                    table=name,
                    file=file,
                    read=len(frame) + before,
                    used=0,
                    set_aside=len(frame) + before,
                    fields_left_out=0,
                    warnings=noted,
                )
            )
            continue
        clean = clean_table(spec, frame, file=file, rows=rows, pivot_year=pivot_year)
        del frame
        if name == "care_episodes":
            clean = apply_episode_rules(clean, file=file)
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
        cleaned[name] = clean
        chunks.append(clean.faults)
        fields = int(
            np.logical_or.reduce(list(clean.field_faults.values())).sum()
            if clean.field_faults
            else 0
        )
        counts.append(
            dict(
                table=name,
                file=file,
                read=clean.read + before,
                used=len(clean.frame),
                set_aside=clean.set_aside + before,
                fields_left_out=fields,
                warnings=int((clean.faults["action"] == str(Action.KEPT)).sum()) + noted,
            )
        )

    # Rules that compare records with each other (overlapping plans, a review before its plan).
    for found in cross_table_faults(
        {n: c.frame for n, c in cleaned.items()},
        files={n: raws[n][1] for n in cleaned},
        field_faults={n: c.field_faults for n, c in cleaned.items()},
    ):
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
            masks = cleaned[found.table].field_faults
            previous = masks.get(found.column, np.zeros(len(found.mask), dtype=bool))
            masks[found.column] = previous | found.mask
            entry["fields_left_out"] = int(np.logical_or.reduce(list(masks.values())).sum())
        else:
            entry["warnings"] += int(found.mask.sum())

    field_faults = {n: dict(c.field_faults) for n, c in cleaned.items()}
    uncoded = {name: c.frame for name, c in cleaned.items()}
    cleaned.clear()  # each table's frame with text child ids is freed once coded
    files_of = {n: raws[n][1] for n in uncoded}
    la_faults = _authorities(uncoded, field_faults, counts, files_of)
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
    chunks.extend(la_faults)
    quality = faults_frame([c for c in chunks if len(c)])
    child_ids, child_las, frames = _code_children(uncoded, quality)
    case_fault = _ids_differing_by_case(child_ids, child_las, frames, files_of)
    if case_fault is not None:
        quality = faults_frame([quality, pd.DataFrame([attrs.asdict(case_fault)])])
    # Arrow's memory pool keeps the pages its conversions used; give them back, or a national
    # load holds gigabytes it no longer needs (2.44 -> 1.72 GB at a third of national size).
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
    frames: dict[str, pd.DataFrame], quality: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, dict[str, pd.DataFrame]]:
    """Replace ``child_id`` by integer codes, the same code for the same child in every table.

    ``frames`` is emptied as the tables are coded, so that each uncoded table can be freed.

    A child is identified by ``child_id``, or by (``la``, ``child_id``) in a pooled dataset.
    Codes follow the sorted order of the identifiers, so they do not depend on table order.
    """
    pooled = any("la" in f.columns and f["la"].notna().any() for f in frames.values())
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
            frame.insert(1, "child", codes)
        out[name] = frame
    return child_ids, child_las, out


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
