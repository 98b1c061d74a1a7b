"""The SSDA903 return (children looked after): the CSV set and the XML form.

Each CSV file is recognised by its columns, whatever its name (column names are matched after
stripping spaces and upper-casing; extra columns are ignored):

========================  ===================================  ============================
903 table                 recognised by                        canonical table
========================  ===================================  ============================
Header                    ``ETHNIC`` (or ``SEX`` and ``DOB``)  ``children``
Episodes                  ``DECOM``                            ``care_episodes``
Reviews                   ``REVIEW``                           ``cla_reviews``
Missing                   ``MIS_START`` or ``MISSING``         ``missing``
OC3                       ``IN_TOUCH``, ``ACTIV`` or ``ACCOM`` ``care_leavers``
AD1                       ``DATE_INT`` or ``DATE_MATCH``       ``adoptions``
PlacedAdoption            ``DATE_PLACED``                      ``adoptions``
UASC                      ``DUC``                              (none: not imported)
OC2                       ``SDQ_SCORE``, ``CONVICTED``, ...    (none: not imported)
PrevPerm                  ``PREV_PERM``                        (none: not imported)
SWEpisodes                ``SW_ID`` or ``SW_DECOM``            (none: not imported)
DoLo (2026-27)            a name with ``DoLo``, or ``DOL*``    (none: not imported)
========================  ===================================  ============================

Every table needs a ``CHILD`` column. Headers are read as exports decorate them
(:func:`column_name`: ``Sum of DECOM``, ``decom:``, ``Place provider``, line breaks); a column
named twice is read once when both hold the same values, and the file is not read when they
differ. A table file of a several-file return that cannot be read (empty, a workbook renamed
``.csv``, UTF-16, an unclosed quote, that repeated column) is an error finding, ``not read``,
and the rest of the return is read; given alone, it is refused. A known table with no
canonical home (UASC, OC2, PrevPerm, SWEpisodes, DoLo) is a
finding, "known SSDA903 table, not used by safeguarding-metrics"; any other CSV is a finding
naming it, skipped (the import stops only when nothing at all is recognised); in a folder, a
file that is neither CSV nor XML and a folder named like a table are skipped with a finding. A
CIN census XML or an Annex A list saved as CSV are refused,
saying what they look like. Every source field no canonical column takes is listed in the notes
with its count of non-empty values; ``REVIEW_CODE`` is also compared when two reviews of one
child and day are merged, and the merge warning names it when the codes differ.

The XML form (root ``EXPSSDA903``; per ``CHILD`` a
``HEADER`` with ``CHILDID``, ``SEX``, ``DOB``, ``ETHNIC``, the OC3 and AD1 items, ``AREVIEW``,
``AMISSING``, ``AD_PLACED``, ``PERMANENCE``, ``OC2``, and the ``EPISODE`` elements, ``PL`` for
the placement) is mapped to the same tables, element by element.

Column mapping: Header ``CHILD``/``DOB``/``SEX``/``ETHNIC`` -> ``child_id``/``date_of_birth``/
``sex``/``ethnicity``; Episodes ``DECOM`` -> ``start_date``, ``DEC`` -> ``end_date``, ``RNE``,
``LS`` -> ``legal_status``, ``CIN`` -> ``cin_category``, ``PLACE`` -> ``placement``,
``PLACE_PROVIDER`` -> ``provider``, ``REC`` -> ``reason_ceased``, ``REASON_PLACE_CHANGE``;
Reviews ``REVIEW`` -> ``review_date``; Missing ``MIS_START``/``MIS_END``/``MISSING`` ->
``start_date``/``end_date``/``kind``; OC3 ``IN_TOUCH``/``ACTIV``/``ACCOM`` -> ``in_touch``/
``activity``/``accommodation``; AD1 ``DATE_INT`` -> ``shobpa_date``, ``DATE_MATCH`` ->
``matched_date``, ``FOSTER_CARE`` -> ``foster_carer``; PlacedAdoption ``DATE_PLACED`` (the date
of the decision that the child should be placed for adoption) -> ``shobpa_date``,
``DATE_PLACED_CEASED`` -> ``shobpa_reversed_date``.

Derived, and said so:

- ``care_leavers.recorded_date``: the OC3 record is about the care leaver's birthday in the
  collection year, so it is the birthday (from ``DOB``) falling in the year ending 31 March of
  the collection year. The collection year is given (``year=``) or taken as the year ending on
  the first 31 March on or after the latest ``DECOM`` of the return's episodes (dates after
  today ignored); a note says which.
- ``adoptions.adoption_order_date`` and ``placement_order_date`` from the episodes of the whole
  combined history (:func:`adoption_dates_from_episodes`): the end of the episode that ended
  with an adoption order (``REC`` E11 or E12) and the start of the run of episodes under a
  placement order (``LS`` E1) in force then. They only fill what AD1, PlacedAdoption or Annex A
  left blank: a recorded date always wins and a derived one never causes a conflict.

Not supplied by the return: ``care_episodes.long_term``, ``children.disability``,
``adoptions.placed_date`` (the indicators take the start of the adoptive placement from the
episodes), and the whole of UASC, OC2, PrevPerm and SWEpisodes (no canonical table).

The files of one return are found in a folder or given one by one; files whose names carry
different years (``2017-episodes.csv``, ``episodes_2018.csv``) are taken as different returns
(years are used to group files, never as the collection year: names vary too much).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..model.quality import Action, Fault, Severity
from .common import (
    Extract,
    Progress,
    ReturnFileError,
    binary_kind,
    fault,
    iter_xml_records,
    normalise_dates,
    read_csv_text,
    xml_return_kind,
)
from .vocabulary import ALIAS_FIELD, SPEC_COLUMNS, column_name, normalise_header, recognise

__all__ = ["NoTableError", "adoption_dates_from_episodes", "group_returns", "read_ssda903"]


class NoTableError(ReturnFileError):
    """Nothing in one SSDA903 return (a file, or a folder's or sub-folder's files) could be
    read as a table: each file unreadable or not an SSDA903 table.

    Given alone, such a return stops the import; beside other returns (a sub-folder of other
    CSV files, an output folder inside the input), :func:`~safeguarding_metrics.io.
    import_returns` notes it by name and reads the rest. A file that is another return (a CIN
    census, an Annex A list) is refused with a plain :class:`ReturnFileError` instead.
    """

    #: The return's other findings (each file not recognised), listed when it is skipped.
    others: tuple[Fault, ...] = ()

    @classmethod
    def of(cls, exc: ReturnFileError, others: Iterable[Fault] = ()) -> NoTableError:
        """The same finding as ``exc``, as this class, with the return's ``others``."""
        f = exc.fault
        error = cls(f.file, f.reason, row=f.row, column=f.column, table=f.table)
        error.others = tuple(o for o in others if o != f and o.file != f.file)
        return error


#: 903 table -> (canonical table or None, 903 column -> canonical column).
TABLES: dict[str, tuple[str | None, dict[str, str]]] = {
    "Header": (
        "children",
        {"CHILD": "child_id", "DOB": "date_of_birth", "SEX": "sex", "ETHNIC": "ethnicity"},
    ),
    "Episodes": (
        "care_episodes",
        {
            "CHILD": "child_id",
            "DECOM": "start_date",
            "DEC": "end_date",
            "RNE": "rne",
            "LS": "legal_status",
            "CIN": "cin_category",
            "PLACE": "placement",
            "PLACE_PROVIDER": "provider",
            "REC": "reason_ceased",
            "REASON_PLACE_CHANGE": "reason_place_change",
        },
    ),
    "Reviews": ("cla_reviews", {"CHILD": "child_id", "REVIEW": "review_date"}),
    "Missing": (
        "missing",
        {"CHILD": "child_id", "MIS_START": "start_date", "MIS_END": "end_date", "MISSING": "kind"},
    ),
    "OC3": (
        "care_leavers",
        {
            "CHILD": "child_id",
            "IN_TOUCH": "in_touch",
            "ACTIV": "activity",
            "ACCOM": "accommodation",
        },
    ),
    "AD1": (
        "adoptions",
        {
            "CHILD": "child_id",
            "DATE_INT": "shobpa_date",
            "DATE_MATCH": "matched_date",
            "FOSTER_CARE": "foster_carer",
        },
    ),
    "PlacedAdoption": (
        "adoptions",
        {
            "CHILD": "child_id",
            "DATE_PLACED": "shobpa_date",
            "DATE_PLACED_CEASED": "shobpa_reversed_date",
        },
    ),
    "UASC": (None, {}),
    "OC2": (None, {}),
    "PrevPerm": (None, {}),
    "SWEpisodes": (None, {}),
    "DoLo": (None, {}),
}

#: Source fields read to tell records apart though no canonical column holds them: carried in
#: a ``_cmp_<FIELD>`` column that :func:`~safeguarding_metrics.io.combine.combine` compares, so
#: that two reviews of one day with different codes are named when they are merged, and two
#: episodes of one child and start differing only in their provider's URN or postcodes.
COMPARED: dict[str, dict[str, str]] = {
    "Reviews": {"REVIEW_CODE": "_cmp_REVIEW_CODE"},
    "Episodes": {"URN": "_cmp_URN", "HOME_POST": "_cmp_HOME_POST", "PL_POST": "_cmp_PL_POST"},
}

#: Columns a canonical table cannot do without (the table is set aside when one is absent).
_NEEDED = {
    "Episodes": ("DECOM", "RNE", "LS", "PLACE"),
    "Reviews": ("REVIEW",),
    "Missing": ("MIS_START", "MISSING"),
}
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def group_returns(
    paths: Iterable[str | Path], findings: list[Fault] | None = None
) -> list[list[Path]]:
    """Group SSDA903 files into returns: each XML file alone; each folder's CSV files (and each
    sub-folder's) by the year in their names; loose CSV files likewise, together.

    In a folder, a file that is neither CSV nor XML, a folder named like a file
    (``episodes.csv/``) and an empty sub-folder are skipped, each with a finding appended to
    ``findings`` naming it: an extra file never stops an import.

    Raises
    ------
    ReturnFileError
        A path does not exist, or a folder given holds no CSV or XML file at all.
    """
    groups: list[list[Path]] = []
    loose: list[Path] = []
    notes: list[Fault] = findings if findings is not None else []

    def skip(path: Path, reason: str) -> None:
        notes.append(fault(path, reason, severity=Severity.WARNING, action=Action.KEPT))

    def by_year(files: list[Path]) -> list[list[Path]]:
        buckets: dict[str, list[Path]] = {}
        for f in sorted(files):
            match = _YEAR_IN_NAME.search(f.name)
            buckets.setdefault(match.group(1) if match else "", []).append(f)
        return [buckets[k] for k in sorted(buckets)]

    def walk(folder: Path, top: bool) -> None:
        entries = sorted(folder.iterdir())
        csvs = [p for p in entries if p.is_file() and p.suffix.lower() == ".csv"]
        xmls = [p for p in entries if p.is_file() and p.suffix.lower() == ".xml"]
        subs = [p for p in entries if p.is_dir() and not p.name.startswith(".")]
        if not csvs and not xmls and not subs:
            if top:
                raise ReturnFileError(folder, "the folder holds no SSDA903 CSV or XML file")
            skip(folder, "a folder holding no CSV or XML file: skipped")
            return
        for other in entries:
            if other.is_file() and other not in csvs and other not in xmls:
                what = binary_kind(other)
                skip(
                    other,
                    f"not a CSV or XML file{f' ({what})' if what else ''}: not an SSDA903 "
                    "table, skipped",
                )
        groups.extend(by_year(csvs))
        groups.extend([x] for x in xmls)
        for sub in subs:
            if sub.suffix.lower() in (".csv", ".xml"):
                skip(sub, "a folder where an SSDA903 file was expected (named like one): skipped")
                continue
            walk(sub, False)

    for item in paths:
        path = Path(item)
        if path.is_dir():
            walk(path, True)
        elif path.is_file():
            if path.suffix.lower() == ".xml":
                groups.append([path])
            else:
                loose.append(path)
        else:
            raise ReturnFileError(path, "no such file or folder")
    groups.extend(by_year(loose))
    return groups


def read_ssda903(
    files: Iterable[str | Path],
    *,
    year: int | None = None,
    la: str | None = None,
    progress: Progress | None = None,
) -> Extract:
    """Read one SSDA903 return (its CSV files, or one XML file) into canonical rows.

    Parameters
    ----------
    files
        The files of one return (see :func:`group_returns` to split a mixed list).
    year
        The collection year, as the year of its 31 March end (2018 for 2017-18); only used
        for the care leavers' recorded dates. Default: inferred from the episodes.
    la
        When given, every record gets this ``la``; ``"header"`` takes the ``LA`` column of the
        Episodes file where there is one (the LIIA extracts), per row.

    Raises
    ------
    ReturnFileError
        A file cannot be read, is malformed XML, or is a CSV that is no SSDA903 table, when
        nothing else of the return can be read (otherwise such a CSV is a finding and skipped).
    """
    paths = [Path(f) for f in files]
    label = str(paths[0]) if len(paths) == 1 else f"{paths[0].parent} ({len(paths)} files)"
    extract = Extract(kind="ssda903", label=label)
    tables: list[tuple[str, pd.DataFrame, str]] = []
    unknown: list[ReturnFileError] = []
    broken: list[ReturnFileError] = []
    for path in paths:
        if path.suffix.lower() == ".xml":
            _refuse_other_xml(path)
            tables.extend(_read_xml(path, extract, progress))
            continue
        try:
            what = binary_kind(path)
            if what is not None:
                raise ReturnFileError(
                    path,
                    f"not an SSDA903 CSV table: the file is {what}, whatever its name (an Annex "
                    "A workbook goes to --annex-a; a 903 table kept in Excel must be saved as "
                    "CSV)",
                    row=1,
                )
            text = read_csv_text(path)
        except ReturnFileError as exc:
            if len(paths) == 1:
                raise NoTableError.of(exc) from None
            broken.append(_not_read(extract, exc))
            continue
        name = recognise(text.header, path)
        if name is None:
            unknown.append(_unrecognised(path, text.header))
            extract.faults.append(
                attrs.evolve(unknown[-1].fault, severity=Severity.WARNING, action=Action.KEPT)
            )
            continue
        canonical = TABLES[name][0] or ""
        extract.faults.extend(attrs.evolve(f, table=canonical) for f in text.faults)
        if canonical and text.set_aside:
            extract.dropped.append((canonical, str(path), text.set_aside))
        try:
            frame, repeats = _named_columns(path, text.frame, name)
        except ReturnFileError as exc:
            if len(paths) == 1:
                raise NoTableError.of(exc) from None
            broken.append(_not_read(extract, exc, table=canonical))
            continue
        extract.faults.extend(repeats)
        if progress is not None:
            progress(str(path), len(frame), len(frame))
        tables.append((name, frame, str(path)))
    if (unknown or broken) and not tables:
        raise NoTableError.of((broken or unknown)[0], extract.faults)
    year_end, how = _collection_year(tables, year)
    extract.pivot_year = year_end  # two-digit years are read against the collection year
    for name, frame, file in tables:
        _map_table(extract, name, frame, file, year_end, how, la)
    return extract


def _not_read(extract: Extract, exc: ReturnFileError, *, table: str = "") -> ReturnFileError:
    """Record a file of a several-file return that cannot be read as an error finding (the
    file not read, the rest of the return read), and give ``exc`` back.

    One broken file (an empty ``header.csv``, a workbook saved over a table, an unclosed
    quote) no longer stops the whole import: the loader does the same with a dataset folder's
    file. ``--strict`` still stops at it, as at any error.
    """
    extract.faults.append(
        attrs.evolve(
            exc.fault,
            table=table or exc.fault.table,
            action=Action.NOT_READ,
            reason=f"{exc.fault.reason}; the file is not read (the rest of the return is)",
        )
    )
    extract.note(exc.fault.file, f"NOT READ (an error): {exc.fault.reason}")
    return exc


def _refuse_other_xml(path: Path) -> None:
    """Refuse a CIN census given as an SSDA903 return (it would read as no children)."""
    kind, root = xml_return_kind(path)
    if kind == "cin":
        raise ReturnFileError(
            path,
            f"this looks like a CIN census XML return (root element <{root}>, with "
            "<LAchildID>/<CINdetails>), not an SSDA903 return: give it to --cin",
            row=1,
        )


def _unrecognised(path: Path, header: tuple[str, ...]) -> ReturnFileError:
    """The finding (and, when nothing else is read, the error) for a CSV that is no SSDA903
    table; one that looks like an Annex A list is refused outright."""
    fields = {ALIAS_FIELD.get(normalise_header(c)) for c in header}
    if (
        "child_id" in fields
        and len(fields - {None, "child_id"}) >= 1
        and "CHILD" not in {column_name(c) for c in header}
    ):
        raise ReturnFileError(
            path,
            "this looks like an Ofsted Annex A list saved as CSV (its header names the child's "
            "unique id and the list's dates), not an SSDA903 table: give the workbook to "
            "--annex-a",
            row=1,
        )
    # a file with no header row shows a record here: only name-like cells are repeated
    shown = ", ".join(
        name if re.fullmatch(r"[A-Z_]{1,40}", name) else "..."
        for name in (column_name(c) for c in header)
    )[:200]
    return ReturnFileError(
        path,
        "not recognised as an SSDA903 table, skipped (a CHILD column and the columns of Header, "
        "Episodes, Reviews, Missing, OC3, AD1, PlacedAdoption, UASC, OC2, PrevPerm, SWEpisodes "
        f"or DoLo were expected; the header has: {shown})",
        row=1,
    )


def _named_columns(path: Path, frame: pd.DataFrame, table: str) -> tuple[pd.DataFrame, list[Fault]]:
    """``frame`` with its header cells as SSDA903 column names (:func:`column_name`).

    A name that appears twice is read once when both columns hold the same values (with a
    warning naming it); when they differ, the file is refused: nothing says which to read.
    """
    names = [column_name(c) if c != "_row" else c for c in frame.columns]
    frame = frame.set_axis(pd.Index(names), axis=1)
    repeated = sorted({n for n in names if names.count(n) > 1})
    faults: list[Fault] = []
    if not repeated:
        return frame, faults
    keep = np.ones(len(names), dtype=bool)
    for name in repeated:
        where = [i for i, n in enumerate(names) if n == name]
        first = frame.iloc[:, where[0]].astype(str).str.strip()
        same = all(first.equals(frame.iloc[:, i].astype(str).str.strip()) for i in where[1:])
        letters = ", ".join(_letter(i) for i in where)
        if not same:
            raise ReturnFileError(
                path,
                f"the column {name!r} appears {len(where)} times in the header (columns "
                f"{letters}) with different values: nothing says which to read",
                row=1,
                column=name,
                table=TABLES[table][0] or "",
            )
        keep[where[1:]] = False
        faults.append(
            fault(
                path,
                f"the column {name!r} appears {len(where)} times in the header (columns "
                f"{letters}), with the same values: read once",
                table=TABLES[table][0] or "",
                row=1,
                column=name,
            )
        )
    return frame.loc[:, keep], faults


def _letter(index: int) -> str:
    """A 0-based column position as a spreadsheet letter (the ``_row`` column excluded)."""
    index -= 1
    out = ""
    while True:
        index, rest = divmod(index, 26)
        out = chr(65 + rest) + out
        if index == 0:
            return out
        index -= 1


def _read_xml(
    path: Path, extract: Extract, progress: Progress | None
) -> list[tuple[str, pd.DataFrame, str]]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    header_groups = {
        "OC3": ("IN_TOUCH", "ACTIV", "ACCOM"),
        "AD1": ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
        "UASC": ("DUC",),
    }
    sub_tables = {
        "AREVIEW": "Reviews",
        "AMISSING": "Missing",
        "AD_PLACED": "PlacedAdoption",
        "PERMANENCE": "PrevPerm",
        "OC2": "OC2",
    }
    for child in iter_xml_records(path, {"child"}, progress=progress, warnings=extract.faults):
        header = child.find("HEADER") or child
        base: dict[str, Any] = {"_row": header.line}
        flat: dict[str, Any] = {}
        for item in header.children:
            if not item.children:
                tag = "CHILD" if item.tag.upper() == "CHILDID" else item.tag.upper()
                flat.setdefault(tag, item.text or None)
                flat.setdefault(f"_at_{tag}", item.line)
        ident = {"CHILD": flat.get("CHILD"), "_at_CHILD": flat.get("_at_CHILD", header.line)}
        if "DOB" in flat:
            ident["DOB"] = flat["DOB"]
            ident["_at_DOB"] = flat["_at_DOB"]
        rows["Header"].append({**base, **flat})
        for name, tags in header_groups.items():
            if any(flat.get(t) for t in tags):
                rows[name].append({**base, **flat})
        for item in header.children:
            table = sub_tables.get(item.tag.upper())
            if table is None or not item.children:
                continue
            rec: dict[str, Any] = {**ident, "_row": item.line}
            for leaf in item.children:
                rec[leaf.tag.upper()] = leaf.text or None
                rec[f"_at_{leaf.tag.upper()}"] = leaf.line
            rows[table].append(rec)
        for item in child.children:
            upper = item.tag.upper()
            if upper not in ("EPISODE", "SWEPISODE", "SW_EPISODE"):
                continue
            rec = {**ident, "_row": item.line}
            for leaf in item.children:
                tag = "PLACE" if leaf.tag.upper() == "PL" else leaf.tag.upper()
                rec[tag] = leaf.text or None
                rec[f"_at_{tag}"] = leaf.line
            rows["Episodes" if upper == "EPISODE" else "SWEpisodes"].append(rec)
    out = []
    for name, records in rows.items():
        if records:
            frame = pd.DataFrame.from_records(records)
            frame.attrs["xml"] = True
            out.append((name, frame, str(path)))
    _xml_not_carried(extract, path, out)
    if not rows["Header"]:
        extract.faults.append(fault(path, "no <CHILD> element found: the file holds no children"))
    return out


def _collection_year(
    tables: list[tuple[str, pd.DataFrame, str]], year: int | None
) -> tuple[int | None, str]:
    if year is not None:
        return year, "as given"
    starts = [  # two-digit years against the current year: the inference keeps past dates only
        normalise_dates(frame["DECOM"])
        for name, frame, _ in tables
        if name == "Episodes" and "DECOM" in frame.columns
    ]
    if not starts:
        return None, "unknown"
    days = pd.to_datetime(pd.concat(starts), format="%Y-%m-%d", errors="coerce")
    days = days[days <= pd.Timestamp(dt.date.today())].dropna()
    if days.empty:
        return None, "unknown"
    # the 99th percentile, not the maximum: a few stray dates must not move the year
    latest = days.sort_values().iloc[int(0.99 * (len(days) - 1))]
    end = latest.year if (latest.month, latest.day) <= (3, 31) else latest.year + 1
    return int(end), f"inferred from the episode starts, latest, {latest:%Y-%m-%d}"


def _recorded_dates(dob: pd.Series, year_end: int) -> pd.Series:
    """The birthday falling in the year 1 April ``year_end - 1`` to 31 March ``year_end``."""
    born = pd.to_datetime(
        normalise_dates(dob, pivot_year=year_end), format="%Y-%m-%d", errors="coerce"
    )
    month = born.dt.month
    day = born.dt.day
    late = (month > 3).fillna(False)
    target = pd.Series(np.where(late, year_end - 1, year_end), index=dob.index)
    leap = (target % 4 == 0) & ((target % 100 != 0) | (target % 400 == 0))
    day = day.where(~((month == 2) & (day == 29) & ~leap), 28)
    stamps = pd.to_datetime(
        pd.DataFrame({"year": target, "month": month, "day": day}), errors="coerce"
    )
    return stamps.dt.strftime("%Y-%m-%d").astype(object).where(stamps.notna(), None)


def _map_table(
    extract: Extract,
    name: str,
    frame: pd.DataFrame,
    file: str,
    year_end: int | None,
    how: str,
    la: str | None,
) -> None:
    canonical, mapping = TABLES[name]
    if canonical is None:
        extract.note(
            file,
            f"SSDA903 {name} table, {len(frame)} rows: known SSDA903 table, not used by "
            "safeguarding-metrics (no canonical table holds it); not imported"
            + ("" if frame.attrs.get("xml") else _not_carried_text(frame, {"CHILD"})),
        )
        extract.faults.append(
            fault(
                file,
                f"known SSDA903 table ({name}), not used by safeguarding-metrics: its "
                f"{len(frame):,} rows are not imported",
            )
        )
        return
    missing = [c for c in _NEEDED.get(name, ()) if c not in frame.columns]
    if missing:
        extract.faults.append(
            fault(
                file,
                f"required column {missing[0]!r} is missing from this SSDA903 {name} table: its "
                f"{len(frame)} records cannot be used (all set aside)",
                table=canonical,
                row=1,
                column=missing[0],
                severity=Severity.ERROR,
                action=Action.SET_ASIDE,
            )
        )
        extract.dropped.append((canonical, file, len(frame)))
        return
    out = pd.DataFrame({"_row": frame["_row"].to_numpy()})
    names: dict[str, str] = {}
    for source, column in mapping.items():
        if source in frame.columns:
            out[column] = frame[source].to_numpy()
            names[column] = "PL" if source == "PLACE" and "_at_PLACE" in frame else source
            if f"_at_{source}" in frame.columns:
                out[f"_at_{column}"] = frame[f"_at_{source}"].to_numpy()
    absent = sorted(set(mapping) - set(frame.columns) - {"PLACE" if "PL" in frame else ""})
    if absent:
        extract.note(file, f"SSDA903 {name}: columns absent, not supplied: {', '.join(absent)}")
    for source, column in COMPARED.get(name, {}).items():
        if source in frame.columns:
            out[column] = frame[source].to_numpy()
            names[column] = source
    carried = set(mapping) | {"PL"}
    if la == "header":
        carried.add("LA")
    if name == "OC3":
        carried.add("DOB")
    if not frame.attrs.get("xml"):
        left = _not_carried_text(frame, carried)
        if left:
            extract.note(file, f"SSDA903 {name}: not carried{left}")
    if name == "OC3":
        if year_end is None:
            extract.faults.append(
                fault(
                    file,
                    "the collection year of this return is unknown (no episodes): the care "
                    "leavers' recorded dates (birthday in the year) cannot be derived; give the "
                    "year",
                    table="care_leavers",
                    column="DOB",
                )
            )
            out["recorded_date"] = None
        elif "DOB" not in frame.columns:
            out["recorded_date"] = None
        else:
            out["recorded_date"] = _recorded_dates(frame["DOB"], year_end).to_numpy()
            names["recorded_date"] = "DOB"
            if "_at_DOB" in frame.columns:
                out["_at_recorded_date"] = frame["_at_DOB"].to_numpy()
            extract.note(
                file,
                f"care leavers' recorded date: the birthday in the collection year ending 31 "
                f"March {year_end} ({how})",
            )
    if la == "header" and "LA" in frame.columns:
        out["la"] = frame["LA"].to_numpy()
    elif la and la != "header":
        out["la"] = la
    out["_file"] = file
    out["_part"] = name
    extract.add(canonical, out, file, names)


def non_empty(values: pd.Series) -> int:
    """How many cells of ``values`` hold something other than blanks."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return int((text != "").sum())


def not_carried(frame: pd.DataFrame, carried: set[str]) -> dict[str, int]:
    """Each source column of ``frame`` that no canonical column takes, with its count of
    non-empty values (provenance columns ``_row`` and ``_at_*`` aside)."""
    return {
        str(c): non_empty(frame[c])
        for c in frame.columns
        if c not in carried and c != "_row" and not str(c).startswith(("_at_", "_cmp_"))
    }


def _not_carried_text(frame: pd.DataFrame, carried: set[str]) -> str:
    """``": UPN (2,675 non-empty), ..."`` for a note, or ``""`` when every column is carried;
    a column the specification does not name says so."""
    left = not_carried(frame, carried)
    if not left:
        return ""
    return ": " + ", ".join(f"{c} ({n:,} non-empty{_remark(c)})" for c, n in left.items())


def _remark(column: str) -> str:
    """What a note adds to a source field not carried: compared when merging, or unknown."""
    if any(column in fields for fields in COMPARED.values()):
        return "; compared when records are merged"
    return "" if column in SPEC_COLUMNS else "; not an SSDA903 column"


def _xml_not_carried(
    extract: Extract, path: Path, out: list[tuple[str, pd.DataFrame, str]]
) -> None:
    """One note for an SSDA903 XML file: every element no canonical column takes, with its
    count of non-empty values (the header's items counted once)."""
    carried = {"CHILD", "PL"}
    for name, _, _ in out:
        if TABLES[name][0] is not None:
            carried |= set(TABLES[name][1])
            if name == "OC3":
                carried.add("DOB")
    counts: dict[str, int] = {}
    for _, frame, _ in out:
        for column, n in not_carried(frame, carried).items():
            counts[column] = max(n, counts.get(column, 0))
    if counts:
        extract.note(
            path,
            "SSDA903 XML: elements not carried: "
            + ", ".join(f"{c} ({n:,} non-empty{_remark(c)})" for c, n in sorted(counts.items())),
        )


def adoption_dates_from_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """Adoption order and placement order dates derived from canonical (normalised) episodes.

    For each child with an episode that ended in adoption (``reason_ceased`` E11 or E12):
    ``adoption_order_date`` is that episode's end; ``placement_order_date`` is the start of the
    unbroken run of episodes under a placement order (``legal_status`` E1) that the adoption
    ended (or, for a child not (yet) adopted, the latest such run). A run is broken by an
    episode under another legal status or by a gap between episodes. Returns ``child_id``
    (and ``la`` when present), the two dates, and ``_file``/``_row`` of the episode that gave
    the child's row. Children with two different adoption orders are left out.
    """
    cols = ["child_id", "start_date", "end_date", "legal_status", "reason_ceased", "_file", "_row"]
    keys = ["la", "child_id"] if "la" in episodes.columns else ["child_id"]
    empty = pd.DataFrame(columns=[*keys, "placement_order_date", "adoption_order_date"])
    if episodes.empty or not set(cols) <= set(episodes.columns):
        return empty
    frame = episodes.loc[:, list(dict.fromkeys([*keys, *cols]))].copy()
    frame = frame[frame["child_id"].notna() & frame["start_date"].notna()]
    frame = frame.sort_values([*keys, "start_date"], kind="stable").reset_index(drop=True)
    same_child = pd.Series(True, index=frame.index)
    for k in keys:
        same_child &= frame[k].eq(frame[k].shift()).fillna(False)
    e1 = frame["legal_status"].eq("E1").fillna(False)
    contiguous = frame["start_date"].eq(frame["end_date"].shift()).fillna(False)
    run_start = e1 & ~(same_child & contiguous & e1.shift(fill_value=False))
    adopted = frame["reason_ceased"].isin(["E11", "E12"]) & frame["end_date"].notna()
    group = frame[keys].astype(str).agg("\x1f".join, axis=1)
    orders = frame[adopted].groupby(group[adopted])["end_date"].agg(["nunique", "first"])
    frame["_adopted_on"] = group.map(orders["first"].where(orders["nunique"] == 1))
    clash = orders.index[orders["nunique"] > 1]
    po = frame[
        run_start & (frame["_adopted_on"].isna() | (frame["start_date"] <= frame["_adopted_on"]))
    ]
    po_date = po.groupby(group[po.index])["start_date"].max()
    children = frame[adopted | run_start].copy()
    children["_key"] = group[children.index]
    children = children[~children["_key"].isin(clash)]
    first = children.groupby("_key", sort=False).head(1)
    out = first.loc[:, [*keys, "_file", "_row", "_key"]].copy()
    out["adoption_order_date"] = out["_key"].map(frame.groupby(group)["_adopted_on"].first())
    out["placement_order_date"] = out["_key"].map(po_date)
    out = out.drop(columns="_key")
    out = out[out["adoption_order_date"].notna() | out["placement_order_date"].notna()]
    return out.reset_index(drop=True)
