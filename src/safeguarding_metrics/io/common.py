"""What every importer needs: reading text files and XML safely, parsing the values real returns
hold, and the provenance that lets every message point into the return.

Values are normalised to the text the canonical CSV files hold (ISO dates, ``true``/``false``,
codes without surrounding spaces) so that records from different returns compare equal when they
say the same thing. What cannot be normalised is passed through *verbatim*: the loader then
reports it (an unparseable date is an error naming file, row and column; it never becomes a
blank, which would read as "still open").

Dates are read by :func:`normalise_dates`, with the loader's own parser
(:func:`safeguarding_metrics.model.dates.parse_dates`): ISO ``YYYY-MM-DD`` and ISO date-times,
``DD/MM/YYYY`` (also with ``-`` or ``.``, without leading zeros, or with a two-digit year
``DD/MM/YY``, each optionally followed by a time), ``YYYYMMDD``, ``1 Jan 2017`` /
``01-January-2017``, Excel serial day numbers between 10000 and 73050 (1927-05-18 to
2099-12-31) and spreadsheet date cells. A two-digit year is 20yy unless that is after the
return's collection year (the year of the 31 March that ends it; where a return has none, the
current year), then 19yy. US ``MM/DD/YYYY`` is not accepted (English returns are day first):
such a value is passed on, and the loader reports it with the reason ("month 31").
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat

import attrs
import numpy as np
import pandas as pd

from ..model.dates import cell_text, parse_dates
from ..model.files import sniff
from ..model.quality import Action, DataError, Fault, Severity
from ..model.tables import table_spec

__all__ = [
    "CsvText",
    "Extract",
    "Node",
    "Progress",
    "ReturnFileError",
    "iter_xml_records",
    "normalise_bools",
    "normalise_dates",
    "normalise_frame",
    "normalise_ids",
    "read_csv_text",
    "xml_return_kind",
]

#: ``progress(label, done, total)``: called while a file is read (bytes or rows so far, of total).
Progress = Callable[[str, int, int], None]

#: How many bytes the XML reader feeds the parser at a time.
CHUNK = 1 << 20

#: The CSV reader's cell options: every cell as text, nothing guessed as missing but a blank.
_CSV_KW: dict[str, Any] = dict(dtype=str, keep_default_na=False, na_filter=False)


class ReturnFileError(DataError):
    """A return file that cannot be read at all: unreadable, not CSV/XML/XLSX, malformed or
    truncated XML, or a CSV that is no known table of the return.

    The message names the file and, where known, the line (XML) or row (CSV, XLSX); it never
    contains a child's identifier. It is a :class:`~safeguarding_metrics.DataError`, so the
    command line reports it in one paragraph and exits with status 1.
    """

    def __init__(
        self,
        file: str | Path,
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
        table: str = "",
    ) -> None:
        super().__init__(
            Fault(
                table=table,
                file=str(file),
                row=row,
                column=column,
                severity=Severity.ERROR,
                action=Action.SET_ASIDE,
                reason=reason,
            )
        )


def fault(
    file: str | Path,
    reason: str,
    *,
    table: str = "",
    row: int | None = None,
    column: str | None = None,
    severity: Severity = Severity.WARNING,
    action: Action = Action.KEPT,
) -> Fault:
    """A data-quality finding about a source file (no child identifier in ``reason``)."""
    return Fault(
        table=table,
        file=str(file),
        row=row,
        column=column,
        severity=severity,
        action=action,
        reason=reason,
    )


@attrs.define
class Extract:
    """What one reader took out of one return (one file, or one SSDA903 set of files).

    ``frames`` holds, per canonical table, chunks of rows: the canonical columns (as read, not
    yet normalised), ``_file`` and ``_row`` (the source file and the record's row or XML line),
    and for XML ``_at_<column>``, the line of the element that supplied ``<column>``.
    ``columns`` names, per (table, file), the source column or element of each canonical
    column, so that messages use the return's own names.
    """

    kind: str
    label: str
    frames: dict[str, list[pd.DataFrame]] = attrs.field(factory=dict)
    columns: dict[tuple[str, str], dict[str, str]] = attrs.field(factory=dict)
    faults: list[Fault] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)
    #: (table, file, records) read but set aside whole (a required column absent)
    dropped: list[tuple[str, str, int]] = attrs.field(factory=list)
    #: The return's collection year (the year of the 31 March that ends it), against which
    #: its two-digit years are read (:func:`normalise_dates`); ``None``: the current year.
    pivot_year: int | None = None

    def add(
        self, table: str, frame: pd.DataFrame, file: str, columns: dict[str, str] | None = None
    ) -> None:
        """Add rows of a canonical table read from ``file`` (``columns``: canonical->source)."""
        if columns:
            self.columns.setdefault((table, file), {}).update(columns)
        self.frames.setdefault(table, []).append(frame)

    def note(self, file: str | Path, text: str) -> None:
        """A note on what the return holds but the canonical tables do not (not a fault)."""
        self.notes.append(f"{Path(file).name}: {text}")


# -- reading text --------------------------------------------------------------------------------


def binary_kind(path: Path) -> str | None:
    """What a file is when its first bytes say it is not text (a workbook, a PDF), else ``None``.

    A workbook renamed ``.csv`` would otherwise be read as garbled text (or fail deep inside
    the CSV parser); naming what it is tells the user what to do.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return None
    return sniff(head, text_too=False)


@attrs.frozen(kw_only=True)
class CsvText:
    """A CSV file read as text cells.

    Attributes
    ----------
    frame
        The data rows whose fields fit the header: one column per header cell, named as
        written (stripped, BOM removed; a repeated name is kept twice, never renamed), and
        ``_row``, the row number (header = row 1).
    header
        The header cells as written (stripped).
    set_aside
        How many data rows were set aside because they have more or fewer fields than the
        header (their values cannot be placed in their columns).
    faults
        Findings: encoding, rows set aside (each naming its row), empty trailing fields.
    """

    frame: pd.DataFrame
    header: tuple[str, ...]
    set_aside: int
    faults: tuple[Fault, ...]


def _header_cells(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding, newline="") as handle:
        first = next(csv.reader(handle), None)
    if first is None:
        raise ReturnFileError(path, "the file is empty: no header row", row=1)
    return [c.replace("\ufeff", "").strip() for c in first]


def _ragged_rows(path: Path, encoding: str) -> list[tuple[int, int]] | None:
    """``(row, fields)`` of each record whose field count differs from the header's, found by
    pyarrow's CSV parser (a callback for those records only); ``None`` when it cannot tell."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[tuple[int, int]] = []

    def handler(row: Any) -> str:
        if row.number is None:
            raise _Refused("row number unknown")
        bad.append((int(row.number), int(row.actual_columns)))
        return "skip"

    try:
        pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                use_threads=False,
                autogenerate_column_names=True,
                encoding="utf8" if encoding.startswith("utf") else encoding,
            ),
            parse_options=pacsv.ParseOptions(invalid_row_handler=handler, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=["f0"], column_types={"f0": pa.string()}
            ),
        )
    except (pa.ArrowException, _Refused, OSError, ValueError):
        return None
    return bad


def read_csv_text(path: Path, *, table: str = "") -> CsvText:
    """A CSV file as text cells; UTF-8 (BOM or not), else Windows-1252.

    A data row with more fields than the header is never shifted into the index (pandas' habit):
    when the extra fields are empty (a trailing comma) they are dropped with one warning; when
    they hold values, or when a row has fewer fields than the header, the row is set aside with
    an error naming it. Ragged rows are found by pyarrow's parser, so the well-formed rows are
    never looked at one by one.

    Raises
    ------
    ReturnFileError
        The file cannot be opened, is empty, is not text (a workbook renamed ``.csv``...), or is
        not well-formed CSV (an unclosed quote...).
    """
    what = binary_kind(path)
    if what is not None:
        raise ReturnFileError(
            path, f"not a CSV file: it is {what}, whatever its name", row=1, table=table
        )
    faults: list[Fault] = []
    try:
        encoding = "utf-8-sig" if _is_utf8(path) else "cp1252"
        if encoding == "cp1252":
            faults.append(
                fault(path, "the file is not UTF-8; it was read as Windows-1252", table=table)
            )
        header = _header_cells(path, encoding)
        ragged = _ragged_rows(path, encoding) or []
        width = max([len(header), *(n for _, n in ragged)])
        frame = pd.read_csv(
            path,
            encoding=encoding,
            header=None,
            names=list(range(width)),
            index_col=False,
            **_CSV_KW,
        )
    except pd.errors.EmptyDataError:
        raise ReturnFileError(path, "the file is empty: no header row", table=table) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        detail = str(exc).strip().splitlines()[-1][:200]
        line = re.search(r"line (\d+)", detail)
        # pandas counts records from 0 at the header: "row 2" is the spreadsheet's row 3
        quote = re.search(r"EOF inside string starting at row (\d+)", detail)
        if quote:
            opened = int(quote.group(1)) + 1
            raise ReturnFileError(
                path,
                f'not a well-formed CSV file: a quote (") opened in row {opened} is never '
                "closed, so no record after it can be told apart; close the quote",
                row=opened,
                table=table,
            ) from None
        raise ReturnFileError(
            path,
            f"not a well-formed CSV file ({detail})",
            row=int(line.group(1)) if line else None,
            table=table,
        ) from None
    except (OSError, ValueError, UnicodeError) as exc:
        raise ReturnFileError(
            path, f"cannot read the file ({getattr(exc, 'strerror', None) or type(exc).__name__})"
        ) from None
    if any("\x00" in n for n in header):
        raise ReturnFileError(path, "not a text CSV file (it holds NUL bytes)", row=1)
    body = frame.iloc[1:].reset_index(drop=True)
    rows = np.arange(2, len(body) + 2)
    keep = np.ones(len(body), dtype=bool)
    named = max((i + 1 for i, name in enumerate(header) if name), default=0)
    found = np.array(ragged, dtype=np.int64).reshape(-1, 2)
    found = found[(found[:, 0] >= 2) & (found[:, 0] < len(body) + 2)]
    at, fields = found[:, 0] - 2, found[:, 1]
    harmless = (fields >= named) & (fields <= len(header))
    wide = np.flatnonzero(fields > len(header))
    if len(wide) and width > len(header):
        extra = body.iloc[at[wide], len(header) :]
        blank = np.ones(len(wide), dtype=bool)
        for column in extra.columns:
            blank &= (extra[column].astype(str).str.strip() == "").to_numpy()
        harmless[wide] = blank
    bad = at[~harmless]
    keep[bad] = False
    faults.extend(
        fault(
            path,
            f"this row has {int(n)} fields and the header {len(header)}: its values cannot be "
            "placed in their columns; the row is set aside",
            table=table,
            row=int(r),
            severity=Severity.ERROR,
            action=Action.SET_ASIDE,
        )
        for r, n in zip(bad + 2, fields[~harmless], strict=True)
    )
    if harmless.any():
        faults.append(
            fault(
                path,
                f"{int(harmless.sum()):,} row(s) have empty fields beyond the header's columns, "
                "or lack only unnamed ones (a trailing comma?), from this row on: ignored",
                table=table,
                row=int(at[harmless].min() + 2),
            )
        )
    out = body.iloc[:, : len(header)].set_axis(pd.Index(header), axis=1)
    out = out.loc[keep].reset_index(drop=True)
    out.insert(0, "_row", rows[keep])
    return CsvText(
        frame=out,
        header=tuple(header),
        set_aside=int((~keep).sum()),
        faults=tuple(faults),
    )


# -- reading XML ---------------------------------------------------------------------------------


class Node:
    """One XML element of a record: local tag name, start line, text, children."""

    __slots__ = ("children", "line", "tag", "text")

    def __init__(self, tag: str, line: int) -> None:
        self.tag = tag
        self.line = line
        self.text = ""
        self.children: list[Node] = []

    def find(self, tag: str) -> Node | None:
        """The first child called ``tag`` (case-insensitive), or ``None``."""
        tag = tag.lower()
        for child in self.children:
            if child.tag.lower() == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Node]:
        """Every child called ``tag`` (case-insensitive)."""
        tag = tag.lower()
        return [c for c in self.children if c.tag.lower() == tag]

    def iter(self) -> Iterator[Node]:
        """This node and every node below it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


def _local(name: str) -> str:
    if ":" not in name and "}" not in name:
        return name
    return name.rsplit(":", 1)[-1].rsplit("}", 1)[-1]


def _declared_encoding(head: bytes) -> str | None:
    match = re.match(rb"\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", head)
    return match.group(1).decode("ascii").lower() if match else None


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def iter_xml_records(
    path: Path,
    record_tags: set[str],
    *,
    progress: Progress | None = None,
    warnings: list[Fault] | None = None,
) -> Iterator[Node]:
    """Stream the elements called one of ``record_tags`` (lower-case local names) as small trees.

    The file is fed to the expat parser (the one under :mod:`xml.etree.ElementTree`) a chunk
    at a time and each record is handed over as soon as its end tag is read, then forgotten:
    a national file never sits in memory, and every element knows its line number (which
    ``iterparse`` cannot tell). Namespace prefixes are ignored. Entity declarations are refused
    (no entity expansion attacks). A file that is not UTF-8 and declares no other encoding is
    read again as Windows-1252, with a warning appended to ``warnings``.

    Raises
    ------
    ReturnFileError
        The file cannot be opened, is not well-formed XML (the line and the parser's reason are
        given), or ends before its root element is closed (truncated).
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(200)
        total = path.stat().st_size
    except OSError as exc:
        raise ReturnFileError(path, f"cannot open the file ({exc.strerror or exc})") from None
    if not head.strip():
        raise ReturnFileError(path, "the file is empty: no XML root element")
    declared = _declared_encoding(head)
    recode = False
    if declared in (None, "utf-8", "utf8") and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        recode = not _is_utf8(path)
        if recode and warnings is not None:
            warnings.append(fault(path, "the file is not UTF-8; it was read as Windows-1252"))
    yield from _parse(path, record_tags, total, recode, progress)


def _parse(
    path: Path, record_tags: set[str], total: int, recode: bool, progress: Progress | None
) -> Iterator[Node]:
    parser = expat.ParserCreate(encoding="UTF-8" if recode else None)
    parser.buffer_text = True
    done: list[Node] = []
    stack: list[Node] = []
    depth = [0, 0]  # open elements, elements closed at root level

    def start(name: str, attrs_: Any) -> None:
        tag = _local(name)
        depth[0] += 1
        if stack or tag.lower() in record_tags:
            node = Node(tag, parser.CurrentLineNumber)
            if stack:
                stack[-1].children.append(node)
            stack.append(node)

    def end(name: str) -> None:
        depth[0] -= 1
        if stack:
            node = stack.pop()
            node.text = node.text.strip()
            if not stack:
                done.append(node)
        if depth[0] == 0:
            depth[1] += 1

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    def refuse(*_: Any) -> None:
        raise _Refused("the file declares XML entities, which are not accepted in a return")

    def doctype(name: str, system: str | None, public: str | None, _internal: int) -> None:
        if system or public:
            raise _Refused(
                f"the file refers to an external DTD ({(system or public or '')[:100]!r}) in its "
                "DOCTYPE: it was not fetched, and the file is refused (a return has no DOCTYPE)"
            )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = refuse
    parser.StartDoctypeDeclHandler = doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    decoder = codecs.getincrementaldecoder("cp1252")(errors="replace") if recode else None
    read = 0
    try:
        with path.open("rb") as handle:
            while True:
                chunk = handle.read(CHUNK)
                final = not chunk
                data = chunk
                if decoder is not None:
                    data = decoder.decode(chunk, final=final).encode("utf-8")
                parser.Parse(data, final)
                read += len(chunk)
                if progress is not None:
                    progress(str(path), read, total)
                yield from done
                done.clear()
                if final:
                    break
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code) if exc.code else str(exc)
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS] and depth[1]:
            reason = "the file ends before its root element is closed (truncated?)"
        elif exc.code == expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS]:
            reason = "no XML element found (empty, truncated or not an XML file)"
        elif exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN] or (
            depth[0] > 0 and read >= total
        ):
            reason = f"the file ends inside an element (truncated?): {reason}"
        raise ReturnFileError(
            path,
            f"not well-formed XML: {reason} (line {exc.lineno}, column {exc.offset + 1})",
            row=exc.lineno,
        ) from None
    except (LookupError, UnicodeError, ValueError) as exc:
        detail = "unknown encoding" if isinstance(exc, LookupError) else type(exc).__name__
        raise ReturnFileError(
            path,
            f"not readable XML ({detail}; line {parser.CurrentLineNumber})",
            row=parser.CurrentLineNumber,
        ) from None
    except _Refused as exc:
        raise ReturnFileError(path, str(exc), row=parser.CurrentLineNumber) from None
    except OSError as exc:
        raise ReturnFileError(path, f"cannot read the file ({exc.strerror or exc})") from None


class _Refused(Exception):
    pass


#: Elements that say which return an XML file is, lower-cased local names.
_CIN_TAGS = frozenset({"lachildid", "cindetails", "childidentifiers", "cinreferraldate"})
_SSDA903_TAGS = frozenset({"expssda903", "childid", "episode", "decom", "areview", "amissing"})


def xml_return_kind(path: Path, *, limit: int = 1 << 16) -> tuple[str | None, str]:
    """Which return an XML file looks like, from its first ``limit`` bytes: ``("cin", root)``,
    ``("ssda903", root)`` or ``(None, root)``, ``root`` being the root element's name.

    The CIN census holds ``<Child>`` / ``<LAchildID>`` / ``<CINdetails>`` (its header's
    ``<Collection>`` says ``CIN``); the SSDA903 XML has the root ``EXPSSDA903`` and ``<CHILD>`` /
    ``<CHILDID>`` / ``<EPISODE>``. Used to refuse a file given to the wrong option. A file
    that is not well-formed gives ``(None, "")``: the reader then reports where it breaks.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(limit)
    except OSError:
        return None, ""
    seen: dict[str, str] = {}
    collection: list[str] = []
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(name: str, _: Any) -> None:
        local = _local(name)
        seen.setdefault("", local)
        seen.setdefault(local.lower(), local)

    def text(data: str) -> None:
        collection.append(data)

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    with contextlib.suppress(expat.ExpatError, ValueError, LookupError):
        parser.Parse(head, len(head) < limit)
    root = seen.get("", "")
    words = {w.strip().upper() for w in collection}
    if set(seen) & _SSDA903_TAGS or "SSDA903" in words:
        return "ssda903", root
    if set(seen) & _CIN_TAGS:
        return "cin", root
    return None, root


# -- values --------------------------------------------------------------------------------------


def normalise_dates(
    values: pd.Series, *, with_time: bool = False, pivot_year: int | np.ndarray | None = None
) -> pd.Series:
    """Dates as ISO text (``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM:SS`` when ``with_time``).

    Read by :func:`~safeguarding_metrics.model.dates.parse_dates`, the parser the loader uses
    too (the forms are listed in the module docstring), as text, spreadsheet date cells or
    numbers (Excel serials). ``pivot_year`` is the collection year of the return, for
    two-digit years (20yy unless that is after it, then 19yy); one year, or one per value;
    default the current year. Blank cells become missing (``None``); anything else that is not
    a date (or a date outside 1700-2200) is returned unchanged (stripped), for the loader to
    report with the reason.
    """
    parsed = parse_dates(values, with_time=with_time, pivot_year=pivot_year)
    stamps = parsed.stamps
    years = stamps.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    good = (years >= _YEAR_BOUNDS[0]) & (years <= _YEAR_BOUNDS[1])
    out = pd.Series(np.full(len(values), None, dtype=object), index=values.index, dtype=object)
    if good.any():
        fmt = "%Y-%m-%dT%H:%M:%S" if with_time else "%Y-%m-%d"
        out[good] = stamps[good].dt.strftime(fmt).to_numpy(dtype=object)
    unread = parsed.unreadable
    if unread.any():
        out[unread] = parsed.text[unread].to_numpy(dtype=object)
    outside = ~good & stamps.notna().to_numpy()
    if outside.any():
        out[outside] = values[outside].astype(object).map(cell_text).to_numpy(dtype=object)
    return out


#: Years of a return's dates; others are passed on as text (the loader reports them).
_YEAR_BOUNDS = (1700, 2200)


_TRUE = {"true", "t", "1", "y", "yes", "-1"}
_FALSE = {"false", "f", "0", "n", "no"}


def normalise_bools(values: pd.Series) -> pd.Series:
    """Booleans as ``"true"``/``"false"`` from true/false, 1/0, Y/N, Yes/No (also ``"a) Yes"``,
    spreadsheet booleans and numbers); blank -> missing; anything else unchanged."""
    obj = values.astype(object)
    text = obj.map(cell_text)
    low = text.str.lower().str.replace(r"^[a-z]{1,2}\)\s*", "", regex=True).str.strip()
    low = low.str.replace(r"\.0+$", "", regex=True)
    out = text.astype(object)
    out[low.isin(_TRUE).to_numpy()] = "true"
    out[low.isin(_FALSE).to_numpy()] = "false"
    return out


def text_values(values: pd.Series) -> pd.Series:
    """Cells as stripped text (object), ``None`` where blank; ``9212044.0`` -> ``"9212044"``."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        # text (CSV cells, XML element text): stripped in one vectorised pass
        text = values.astype(object).str.strip()
        return text.where(text.notna() & (text != ""), None).astype(object)
    return values.astype(object).map(cell_text).astype(object)


def normalise_ids(values: pd.Series) -> pd.Series:
    """Identifiers as stripped text; spreadsheet numbers without a trailing ``.0``."""
    return text_values(values)


def _normalise_ints(values: pd.Series) -> pd.Series:
    text = text_values(values)
    whole = text.str.fullmatch(r"[+-]?\d+(?:\.0*)?").fillna(False).to_numpy(dtype=bool)
    out = text.copy()
    if whole.any():
        out[whole] = text[whole].str.replace(r"\.0*$", "", regex=True).map(lambda s: str(int(s)))
    return out


def normalise_frame(
    table: str, frame: pd.DataFrame, *, pivot_year: int | np.ndarray | None = None
) -> pd.DataFrame:
    """The canonical columns of ``frame`` normalised to canonical CSV text, by column kind.

    Ids and text are stripped; codes stripped of spaces and upper-cased (lower-cased where the
    code list is lower case, as ``visit_type``); dates and datetimes to ISO; booleans to
    true/false; whole numbers without decimals. Provenance columns are kept as they are.
    ``pivot_year`` (one, or one per row) is the collection year that two-digit years are read
    against (:func:`normalise_dates`).
    """
    spec = table_spec(table)
    out = frame.copy()
    for column in spec.columns:
        if column.name not in out.columns:
            continue
        values = out[column.name]
        if column.kind in ("id", "text"):
            out[column.name] = text_values(values)
        elif column.kind == "code":
            text = text_values(values).str.replace(r"\s+", "", regex=True)
            lower = column.codes is not None and all(c == c.lower() for c in column.codes)
            out[column.name] = (text.str.lower() if lower else text.str.upper()).astype(object)
        elif column.kind in ("date", "datetime"):
            out[column.name] = normalise_dates(
                values, with_time=column.kind == "datetime", pivot_year=pivot_year
            )
        elif column.kind == "bool":
            out[column.name] = normalise_bools(values)
        elif column.kind == "int":
            out[column.name] = _normalise_ints(values)
        else:
            out[column.name] = text_values(values)
        out[column.name] = out[column.name].astype(object).where(out[column.name].notna(), None)
    return out
