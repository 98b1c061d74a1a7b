"""Reading one table file of a dataset folder: CSV (pyarrow first, else the careful reader
that checks every row against the header) or Parquet, and telling a file that is something
else (a workbook, UTF-16 text) by its first bytes.

Nothing here raises on bad input: a reader returns the frame (``None`` when the file cannot be
read at all), each row's number as the user sees it, and the faults found.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .headers import header_name
from .quality import Action, Fault, Severity
from .tables import TableSpec

__all__ = ["BINARY_MAGIC", "CSV_PYARROW", "read_table_file", "sniff"]

#: The first bytes of files that are not text, and what they are.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx, a zip file)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"PAR1", "a Parquet file"),
)
#: The byte-order marks of UTF-16 text (what Excel saves as "Unicode Text").
_UTF16: tuple[tuple[bytes, str], ...] = tuple(
    (bom, "UTF-16 text (as Excel saves 'Unicode Text')") for bom in (b"\xff\xfe", b"\xfe\xff")
)


def sniff(head: bytes, *, text_too: bool = True) -> str | None:
    """What a file is by its first bytes, when that is something other than UTF-8 or 8-bit
    text; with ``text_too``, UTF-16 text is named as well."""
    for magic, what in BINARY_MAGIC + (_UTF16 if text_too else ()):
        if head.startswith(magic):
            return what
    return None


def read_table_file(
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
    what = sniff(head)
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
    """A Parquet file; a nested column (list, struct, map) is left out with a finding.

    pyarrow reads the columns (with its threads). The text columns cleaning codes by their
    distinct values (:func:`_shared_text`: codes, free text, child identifiers) are read as
    Arrow dictionaries, as the file's dictionary pages hold them: no string is made per row,
    and cleaning takes the dictionary instead of hashing every row to build one. They arrive
    as ``pd.ArrowDtype(dictionary<..., string>)``, chunks kept. Other text arrives as pandas'
    ``str`` dtype (Arrow strings, no Python string per value; a column the file holds as a
    dictionary, a pandas ``Categorical``, is decoded to it) and ``date32`` columns as
    ``datetime64[ms]`` (``date_as_object=False``), not one ``datetime.date`` object per
    value: the loader then checks them in their type (:func:`~.dates.parse_dates`) instead
    of converting objects. Every other column has the dtype ``pd.read_parquet`` gives it.
    """
    try:
        schema = pq.read_schema(path)
        shared = _shared_text(schema, spec, pq.read_metadata(path))
        table = pq.read_table(path, read_dictionary=shared or None, use_pandas_metadata=True)
        table = _decoded_unless(table, set(shared))
        frame = table.to_pandas(types_mapper=_dictionary_dtype, date_as_object=False)
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


def _is_text_type(kind: pa.DataType) -> bool:
    """Whether an Arrow type is text, plain or as a dictionary of text."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


#: Below this many bytes a value (uncompressed), a column chunk of text is held by its
#: dictionary: plain text takes at least five (a four-byte length and a character), so the
#: chunk's pages are mostly dictionary indices, not values written out after the writer's
#: dictionary grew too large (each such value would be hashed to read it as a dictionary).
_DICTIONARY_BYTES = 4


def _shared_text(schema: pa.Schema, spec: TableSpec, metadata: pq.FileMetaData) -> list[str]:
    """The file's text columns to read as dictionaries: the *shared* columns of the table once
    named (by :func:`header_name`, as :func:`~.headers.name_columns` names them: codes, free
    text and child identifiers, which cleaning codes by their distinct values) that the file
    holds by their dictionary (:func:`_held_as_dictionary`), or holds as dictionaries (a
    council's pandas ``Categorical``: kept as it is read). Record identifiers are left
    plain: each value is held once, a dictionary would gain nothing; so is a child id column
    whose values mostly differ (the children table's)."""
    kinds = {column.name: column.kind for column in spec.columns}
    shared = []
    for field in schema:
        name = header_name(field.name)
        kind = kinds.get(name)
        wanted = kind in ("code", "text") or (kind == "id" and name.endswith("child_id"))
        held = pa.types.is_dictionary(field.type) or _held_as_dictionary(metadata, field.name)
        if wanted and _is_text_type(field.type) and held:
            shared.append(field.name)
    return shared


def _held_as_dictionary(metadata: pq.FileMetaData, name: str) -> bool:
    """Whether every row group holds the column by a dictionary page and fewer than
    :data:`_DICTIONARY_BYTES` bytes a value: a column of few distinct values (codes, the
    child ids of visits), read as a dictionary without hashing its values."""
    at = [i for i in range(metadata.num_columns) if metadata.schema.column(i).path == name]
    if len(at) != 1:
        return False
    chunks = [metadata.row_group(g).column(at[0]) for g in range(metadata.num_row_groups)]
    return all(
        chunk.has_dictionary_page
        and chunk.total_uncompressed_size < _DICTIONARY_BYTES * max(chunk.num_values, 1)
        for chunk in chunks
    )


def _decoded_unless(table: pa.Table, shared: set[str]) -> pa.Table:
    """The table with its dictionary-encoded text columns (a council's pandas
    ``Categorical``) other than ``shared`` decoded to plain text, as ``str`` columns."""
    for i, field in enumerate(table.schema):
        if field.name in shared or not pa.types.is_dictionary(field.type):
            continue
        if _is_text_type(field.type):
            decoded = table.column(i).cast(field.type.value_type)
            table = table.set_column(i, field.with_type(decoded.type), decoded)
    return table


def _dictionary_dtype(kind: pa.DataType) -> pd.ArrowDtype | None:
    """The pandas dtype of an Arrow column (``to_pandas``'s ``types_mapper``): a dictionary of
    text stays an Arrow dictionary; anything else as pandas gives it (``None``)."""
    if pa.types.is_dictionary(kind) and _is_text_type(kind):
        return pd.ArrowDtype(kind)
    return None


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
