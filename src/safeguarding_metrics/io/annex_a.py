"""The Ofsted Annex A workbook (ILACS inspections): the lists that carry the dates the
indicators use.

Each sheet is recognised as a list by its name (``List 3``, ``list_3``, ``L3 Referrals``...) or,
failing that, by its columns. The header row is the first of the sheet's first 20 rows that
names the child's identifier; header names are matched after lower-casing and removing
punctuation and repeated spaces, against a table of the names councils use (:data:`ALIASES`).
Option prefixes (``a) Male``) and code labels (``q) 6: Police``, ``N1 - Abuse or neglect``)
are reduced to their codes.

================  ==========================================  ===============================
list              read                                        canonical table
================  ==========================================  ===============================
1 contacts        date of contact                             ``contacts`` (received_at)
3 referrals       date, source, NFA                           ``referrals``
4 assessments     start, authorisation                        ``assessments``
5 section 47      strategy discussion, ICPC, ICPC not needed  ``section47``
6 children in     CIN start (the referral date), closure      ``referrals``
  need            date and reason
7 CP plans        start, end, initial category, previous      ``cp_plans``; latest review ->
                  plans, latest review, last visit            ``cp_reviews``; last visit ->
                                                              ``visits`` (``cp``)
8 looked after    latest statutory review, last visit         ``cla_reviews``; ``visits``
                                                              (``cla``)
10 adoption       decision, placement order, match, placed,   ``adoptions``
                  adoption order, decision reversed
every list        date of birth, gender, ethnicity            ``children``
================  ==========================================  ===============================

What the lists cannot supply is said in the notes, never invented: a contact's decision date
and outcome; a referral's closure (list 3) or source (list 6); which referral an assessment
belongs to; looked-after episodes (list 8 holds only the current placement and legal status,
with no history and no reason for new episode: use the SSDA903); care leavers' records (list 9
has no date for its record); whether an adoption was by foster carers. Lists 2 (early help) and
11 (adopters) have no canonical table. Annex A's disability is a yes/no, not the CIN census
codes, and is not imported. Visit dates are statutory visits, taken as visits at which the
child was seen; seen alone from list 7 only.

Records have no identifiers in Annex A: they are synthesised as for the CIN census
(``<child>/R/<yyyymmdd>``...), so that a referral in list 3 and the same referral in the CIN
census (or list 6) are one record; a row repeated in one list is the same record (merged when
identical, a conflict when not).

Headers as exports decorate them are recognised (:func:`normalise_header`: case, spaces, line
breaks, punctuation, pivot prefixes ``Sum of``/``Count of``...). A field whose header appears
twice is read once when the columns agree, and the workbook is refused when they differ. Every
column a list holds and no canonical column takes is listed in the notes with its count of
non-empty values. A sheet's declared dimension is not trusted (``A1:XFD1048576`` would be 17
billion cells): the cells the file holds are read, blank rows dropped as they stream by.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ..model.quality import Action, Severity
from .common import (
    Extract,
    Progress,
    ReturnFileError,
    binary_kind,
    fault,
    normalise_dates,
    text_values,
    xml_return_kind,
)
from .vocabulary import ALIAS_FIELD, ALIASES, SEX_CODES, normalise_header

__all__ = ["ALIASES", "normalise_header", "read_annex_a"]


#: list -> the fields that identify it when the sheet's name does not.
_SIGNATURE: tuple[tuple[int, str], ...] = (
    (11, "adopter_id"),
    (10, "shobpa"),
    (10, "adoption_order"),
    (9, "eligibility"),
    (8, "lac_start"),
    (7, "cpp_start"),
    (6, "cin_start"),
    (5, "s47_start"),
    (2, "early_help_org"),
    (4, "assessment_start"),
    (3, "referral_date"),
    (1, "contact_date"),
)
_TITLES = {
    1: "contacts",
    2: "early help assessments",
    3: "referrals",
    4: "assessments",
    5: "section 47 enquiries",
    6: "children in need",
    7: "child protection plans",
    8: "children looked after",
    9: "care leavers",
    10: "adoption",
    11: "adopters",
}
_NOT_SUPPLIED = {
    1: "a contact's outcome is not in the list (contacts.outcome not supplied)",
    2: "early help assessments have no canonical table; not imported",
    3: "closure date and reason are not in the list (referrals.closure_date, closure_reason "
    "not supplied; list 6 and the CIN census supply them)",
    4: "the referral an assessment belongs to is not in the list (assessments.referral_id not "
    "supplied)",
    6: "the referral source and NFA are not in list 6 (list 3 and the CIN census supply them)",
    7: "only the latest review conference and the last statutory visit are listed "
    "(cp_reviews and visits hold those, not the full history)",
    8: "looked-after episodes cannot be built from list 8 (current placement and legal status "
    "only, no history, no reason for new episode): care_episodes not supplied, use the "
    "SSDA903; only the latest review and last social work visit are imported",
    9: "care leavers' records carry no date in list 9 (care_leavers.recorded_date is "
    "required): not imported, use the SSDA903 OC3",
    10: "whether the child was adopted by its foster carers is not in the list "
    "(adoptions.foster_carer not supplied)",
    11: "adopters have no canonical table; not imported",
}
_CATEGORY = {
    "neglect": "NEG",
    "physical": "PHY",
    "physical abuse": "PHY",
    "sexual": "SAB",
    "sexual abuse": "SAB",
    "emotional": "EMO",
    "emotional abuse": "EMO",
    "multiple": "MUL",
    "mixed": "MUL",
    "multiple mixed": "MUL",
}
_SEX = {
    **SEX_CODES,
    "NOT STATED/RECORDED": "0",
    "NOT KNOWN": "0",
    "NOT RECORDED": "0",
    "NOT STATED": "0",
    "INDETERMINATE": "9",
    "NOT SPECIFIED": "9",
}
_OPTION = re.compile(r"^\s*[a-z]{1,2}\)\s*")
_CODE = re.compile(r"^([A-Za-z0-9]{1,6})\s*(?::|\s-\s|\s\u2013\s)")


def _codes(values: pd.Series) -> pd.Series:
    """``q) 6: Police`` -> ``6``; ``N1 - Abuse or neglect`` -> ``N1``; other text unchanged."""
    text = text_values(values)
    text = text.str.replace(_OPTION, "", regex=True)
    code = text.str.extract(_CODE)[0]
    return code.where(code.notna(), text).astype(object)


def _options(values: pd.Series) -> pd.Series:
    """``a) Yes`` -> ``Yes``."""
    return text_values(values).str.replace(_OPTION, "", regex=True).astype(object)


def _list_number(title: str) -> int | None:
    match = re.match(r"^\s*(?:list|l)[\s_.-]*(\d{1,2})(?!\d)", title, re.IGNORECASE)
    if match and 1 <= int(match.group(1)) <= 11:
        return int(match.group(1))
    return None


def read_annex_a(
    path: str | Path, *, progress: Progress | None = None, la: str | None = None
) -> Extract:
    """Read an Ofsted Annex A workbook (``.xlsx``) into canonical rows (not yet validated).

    Raises
    ------
    ReturnFileError
        The file is not a readable ``.xlsx`` workbook, or no sheet is an Annex A list.
    """
    path = Path(path)
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ReturnFileError(path, "reading Annex A needs the openpyxl package") from None
    extract = Extract(kind="annex_a", label=str(path))
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # any reader failure means the file is not a usable workbook
        raise ReturnFileError(
            path,
            f"not a readable .xlsx workbook ({type(exc).__name__}){_looks_like(path)}; an .xls "
            "file must be saved as .xlsx first",
        ) from None
    found = 0
    try:
        for sheet in book.worksheets:
            try:
                rows = _sheet_rows(sheet)
            except Exception as exc:  # a damaged sheet
                raise ReturnFileError(
                    path, f"sheet {sheet.title!r} cannot be read ({type(exc).__name__})"
                ) from None
            if progress is not None:
                progress(f"{path} [{sheet.title}]", len(rows), len(rows))
            found += _read_sheet(path, sheet.title, rows, extract, la)
    finally:
        book.close()
    if not found:
        raise ReturnFileError(
            path,
            "no Annex A list found: no sheet has a header row naming the child's identifier "
            "(e.g. 'Child Unique ID') and the list's dates",
        )
    return extract


def _sheet_rows(sheet: Any) -> list[tuple[int, tuple[Any, ...]]]:
    """The sheet's rows that hold a value, with their Excel row numbers.

    The dimension a sheet declares is not trusted: a sheet saved as ``A1:XFD1048576`` (the last
    cell Excel allows) would be read as 17 billion empty cells. Read-only openpyxl is told to
    forget it and reads the cells the file holds; blank rows are dropped as they stream by.
    """
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    out: list[tuple[int, tuple[Any, ...]]] = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if any(v is not None and str(v).strip() != "" for v in row):
            out.append((number, row))
    return out


def _looks_like(path: Path) -> str:
    """``": this looks like ..."`` for a file of another return given as Annex A, else ``""``."""
    kind, root = xml_return_kind(path)
    if kind == "cin":
        return f": this looks like a CIN census XML return (root <{root}>): give it to --cin"
    if kind == "ssda903":
        return f": this looks like an SSDA903 XML return (root <{root}>): give it to --ssda903"
    if binary_kind(path) is None and path.suffix.lower() == ".csv":
        return ": this is a CSV file (an SSDA903 table goes to --ssda903)"
    return ""


def _read_sheet(
    path: Path,
    title: str,
    numbered: list[tuple[int, tuple[Any, ...]]],
    extract: Extract,
    la: str | None,
) -> int:
    header_at = None
    fields: dict[str, int] = {}
    repeats: dict[str, list[int]] = {}
    numbers = [n for n, _ in numbered]
    rows = [r for _, r in numbered]
    for i, row in enumerate(rows[:20]):
        found: dict[str, int] = {}
        seen: dict[str, list[int]] = {}
        for j, cell in enumerate(row):
            field = ALIAS_FIELD.get(normalise_header(cell))
            if field is not None:
                found.setdefault(field, j)
                seen.setdefault(field, []).append(j)
        if "child_id" in found or "adopter_id" in found:
            header_at, fields = i, found
            repeats = {f: js for f, js in seen.items() if len(js) > 1}
            break
    number = _list_number(title)
    if header_at is None:
        if number is not None:
            extract.faults.append(
                fault(
                    f"{path} [{title}]",
                    "no header row naming the child's identifier in the first 20 rows: the "
                    "list cannot be read",
                    row=1,
                    severity=Severity.ERROR,
                    action=Action.SET_ASIDE,
                )
            )
        else:
            extract.note(path, f"sheet {title!r} is not an Annex A list; not read")
        return 0
    if number is None:
        number = next((n for n, f in _SIGNATURE if f in fields), None)
    if number is None:
        extract.note(path, f"sheet {title!r} is not recognised as an Annex A list; not read")
        return 0
    file = f"{path} [{title}]"
    headers = rows[header_at]
    body = rows[header_at + 1 :]
    width = len(headers)
    frame = pd.DataFrame(
        [tuple(r[:width]) + (None,) * (width - len(r)) for r in body],
        columns=[f"c{j}" for j in range(width)],
        dtype=object,
    )
    frame["_row"] = np.asarray(numbers[header_at + 1 :], dtype=np.int64)
    blank = np.ones(len(frame), dtype=bool)
    for j in range(width):
        values = frame[f"c{j}"]
        blank &= (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
    frame = frame.loc[~blank].reset_index(drop=True)
    names = {f: " ".join(str(headers[j]).split()) for f, j in fields.items()}
    header_row = numbers[header_at]
    for field, where in repeats.items():
        _repeated_column(extract, file, frame, field, where, header_row, names[field])
    extract.note(path, f"sheet {title!r}: list {number} ({_TITLES[number]}), {len(frame)} rows")
    if number in _NOT_SUPPLIED:
        extract.note(path, f"list {number}: {_NOT_SUPPLIED[number]}")
    read: set[str] = {"child_id"}
    before = {t: len(f) for t, f in extract.frames.items()}
    try:
        if number not in (2, 9, 11):
            _read_list(extract, file, frame, number, fields, names, header_row, la, read)
    finally:
        _note_not_carried(extract, path, title, number, frame, headers, fields, read)
    _compare_not_carried(extract, before, frame, headers, fields, read)
    return 1


def _compare_not_carried(
    extract: Extract,
    before: dict[str, int],
    frame: pd.DataFrame,
    headers: tuple[Any, ...],
    fields: dict[str, int],
    read: set[str],
) -> None:
    """Give the list's records (but its children's) the list's columns not carried, as
    ``_cmp_<header>`` columns that :func:`~safeguarding_metrics.io.combine.combine` compares.

    Two rows of a list that differ only in a column no canonical table holds (List 1's
    'Contact source') are then not "identical": they are merged as one record with a warning
    naming the column that differed, as the SSDA903 review code is. Values are matched by
    the sheet row (``_row``), so no row is looked at one by one.
    """
    used = {j for f, j in fields.items() if f in read or f in _PERSON}
    labels = {
        j: " ".join(str(cell).split())
        for j, cell in enumerate(headers)
        if j not in used and cell is not None and str(cell).strip() and f"c{j}" in frame.columns
    }
    if not labels:
        return
    by_row = frame.set_index("_row")
    for table, frames in extract.frames.items():
        if table == "children":
            continue  # a child is in many lists: their other columns are not the child's
        for k in range(before.get(table, 0), len(frames)):
            out = frames[k]
            if "_row" not in out.columns:
                continue
            rows = out["_row"].to_numpy()
            frames[k] = out.assign(
                **{
                    f"_cmp_{label}": by_row[f"c{j}"].reindex(rows).to_numpy()
                    for j, label in labels.items()
                }
            )


def _read_list(
    extract: Extract,
    file: str,
    frame: pd.DataFrame,
    number: int,
    fields: dict[str, int],
    names: dict[str, str],
    header_row: int,
    la: str | None,
    read: set[str],
) -> None:
    """Map the rows of list ``number`` to canonical tables; ``read`` gets each field used."""

    def col(field: str) -> pd.Series:
        read.add(field)
        if field in fields:
            return frame[f"c{fields[field]}"]
        return pd.Series(None, index=frame.index, dtype=object)

    child = text_values(col("child_id"))
    base = pd.DataFrame({"child_id": child, "_row": frame["_row"], "_file": file, "_part": ""})
    if la:
        base["la"] = la

    def add(table: str, columns: dict[str, tuple[str, pd.Series]], needed: str | None) -> None:
        out = base.copy()
        source = {"child_id": names.get("child_id", "child_id")}
        for name, (field, values) in columns.items():
            out[name] = values.to_numpy()
            source[name] = names.get(field, field)
        if needed is not None and needed not in fields:
            extract.faults.append(
                fault(
                    file,
                    f"column for {needed.replace('_', ' ')} not found: the list's {table} "
                    "cannot be read",
                    table=table,
                    row=header_row,
                    severity=Severity.ERROR,
                    action=Action.SET_ASIDE,
                )
            )
            extract.dropped.append((table, file, len(out)))
            return
        extract.add(table, out, file, source)

    if {"date_of_birth", "sex", "ethnicity"} & set(fields):
        sex = _options(col("sex"))
        sex = sex.str.upper().map(_SEX).where(sex.str.upper().isin(_SEX.keys()), sex)
        extract.add(
            "children",
            base.assign(
                date_of_birth=col("date_of_birth").to_numpy(),
                sex=sex.to_numpy(),
                ethnicity=_codes(col("ethnicity")).to_numpy(),
            ),
            file,
            {
                "child_id": names.get("child_id", ""),
                "date_of_birth": names.get("date_of_birth", ""),
                "sex": names.get("sex", ""),
                "ethnicity": names.get("ethnicity", ""),
            },
        )

    def ids(kind: str, field: str) -> pd.Series:
        day = normalise_dates(col(field))
        stamp = day.where(day.astype(str).str.match(r"^\d{4}-\d{2}-\d{2}$").fillna(False))
        stamp = stamp.astype(object).where(stamp.notna(), "L" + frame["_row"].astype(str))
        key = child.astype(object).where(child.notna(), "").astype(str) + kind + "/"
        key = key + stamp.astype(str).str.replace("-", "", regex=False)
        # no ordinal: a repeat in the list is the same record (merged, or a conflict)
        return key

    if number == 1:
        contacts = {
            "contact_id": ("contact_date", ids("/C", "contact_date")),
            "received_at": ("contact_date", col("contact_date")),
        }
        if "contact_decision" in fields:
            contacts["decision_at"] = ("contact_decision", col("contact_decision"))
        else:
            extract.note(
                file,
                "list 1: no column of the contact's decision date and time (e.g. 'Date of "
                "decision'): contacts.decision_at is left empty, and the measures that need "
                "it cannot be computed from this list",
            )
        add("contacts", contacts, "contact_date")
    elif number == 3:
        add(
            "referrals",
            {
                "referral_id": ("referral_date", ids("/R", "referral_date")),
                "referral_date": ("referral_date", col("referral_date")),
                "source": ("referral_source", _codes(col("referral_source"))),
                "nfa": ("referral_nfa", _options(col("referral_nfa"))),
            },
            "referral_date",
        )
    elif number == 4:
        add(
            "assessments",
            {
                "assessment_id": ("assessment_start", ids("/A", "assessment_start")),
                "start_date": ("assessment_start", col("assessment_start")),
                "authorised_date": ("assessment_authorised", col("assessment_authorised")),
            },
            "assessment_start",
        )
    elif number == 5:
        add(
            "section47",
            {
                "s47_id": ("s47_start", ids("/S47", "s47_start")),
                "start_date": ("s47_start", col("s47_start")),
                "icpc_date": ("icpc_date", col("icpc_date")),
                "icpc_not_required": ("icpc_unnecessary", _options(col("icpc_unnecessary"))),
            },
            "s47_start",
        )
    elif number == 6:
        add(
            "referrals",
            {
                "referral_id": ("cin_start", ids("/R", "cin_start")),
                "referral_date": ("cin_start", col("cin_start")),
                "closure_date": ("cin_closure", col("cin_closure")),
                "closure_reason": ("closure_reason", _codes(col("closure_reason"))),
            },
            "cin_start",
        )
    elif number == 7:
        plan = ids("/CP", "cpp_start")
        category = _codes(col("initial_category"))
        low = category.str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
        category = low.map(_CATEGORY).where(low.isin(_CATEGORY.keys()), category)
        add(
            "cp_plans",
            {
                "plan_id": ("cpp_start", plan),
                "start_date": ("cpp_start", col("cpp_start")),
                "end_date": ("cpp_end", col("cpp_end")),
                "initial_category": ("initial_category", category),
                "previous_plans": ("previous_plans", col("previous_plans")),
            },
            "cpp_start",
        )
        if "cp_review" in fields:
            reviewed = col("cp_review").notna().to_numpy()
            _add_subset(
                extract,
                base,
                reviewed,
                file,
                names,
                "cp_reviews",
                {
                    "plan_id": ("cpp_start", plan),
                    "review_date": ("cp_review", col("cp_review")),
                },
            )
        if "cp_visit" in fields:
            visited = col("cp_visit").notna().to_numpy()
            _add_subset(
                extract,
                base,
                visited,
                file,
                names,
                "visits",
                {
                    "visit_date": ("cp_visit", col("cp_visit")),
                    "visit_type": ("cp_visit", pd.Series("cp", index=frame.index)),
                    "seen_alone": ("seen_alone", _options(col("seen_alone"))),
                },
            )
    elif number == 8:
        if "cla_review" in fields:
            _add_subset(
                extract,
                base,
                col("cla_review").notna().to_numpy(),
                file,
                names,
                "cla_reviews",
                {"review_date": ("cla_review", col("cla_review"))},
            )
        if "cla_visit" in fields:
            _add_subset(
                extract,
                base,
                col("cla_visit").notna().to_numpy(),
                file,
                names,
                "visits",
                {
                    "visit_date": ("cla_visit", col("cla_visit")),
                    "visit_type": ("cla_visit", pd.Series("cla", index=frame.index)),
                },
            )
    elif number == 10:
        add(
            "adoptions",
            {
                "shobpa_date": ("shobpa", col("shobpa")),
                "placement_order_date": ("placement_order", col("placement_order")),
                "matched_date": ("matched", col("matched")),
                "placed_date": ("placed", col("placed")),
                "adoption_order_date": ("adoption_order", col("adoption_order")),
                "shobpa_reversed_date": ("shobpa_reversed", col("shobpa_reversed")),
            },
            None,
        )


def _repeated_column(
    extract: Extract,
    file: str,
    frame: pd.DataFrame,
    field: str,
    where: list[int],
    header_row: int,
    name: str,
) -> None:
    """A field whose header appears in several columns: read once when the columns agree (a
    warning names them); refused when they differ, since nothing says which to read."""
    letters = ", ".join(get_column_letter(j + 1) for j in where)
    first = frame[f"c{where[0]}"].map(_text_or_blank)
    same = all(first.equals(frame[f"c{j}"].map(_text_or_blank)) for j in where[1:])
    if not same:
        raise ReturnFileError(
            file,
            f"the column {name!r} appears {len(where)} times in the header (columns {letters}) "
            "with different values: nothing says which to read",
            row=header_row,
            column=name,
        )
    extract.faults.append(
        fault(
            file,
            f"the column {name!r} appears {len(where)} times in the header (columns {letters}), "
            "with the same values: read once",
            row=header_row,
            column=name,
        )
    )


def _text_or_blank(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _note_not_carried(
    extract: Extract,
    path: Path,
    title: str,
    number: int,
    frame: pd.DataFrame,
    headers: tuple[Any, ...],
    fields: dict[str, int],
    read: set[str],
) -> None:
    """One note per list: each column no canonical column takes (not recognised, or recognised
    but not used by this list), with its count of non-empty values."""
    used = {j for f, j in fields.items() if f in read or f in _PERSON}
    parts = []
    for j, cell in enumerate(headers):
        name = " ".join(str(cell).split()) if cell is not None else ""
        if j in used or (not name and f"c{j}" not in frame.columns):
            continue
        values = frame[f"c{j}"]
        filled = int((values.notna() & (values.astype(str).str.strip() != "")).sum())
        if not name and not filled:
            continue
        known = ALIAS_FIELD.get(normalise_header(cell)) is not None
        label = name or f"(no header, column {get_column_letter(j + 1)})"
        parts.append(f"{label!r} ({filled:,} non-empty{'' if known else '; not recognised'})")
    if parts:
        extract.note(
            path, f"sheet {title!r} (list {number}): columns not carried: " + ", ".join(parts)
        )


#: The fields every list may carry for the ``children`` table.
_PERSON = frozenset({"child_id", "date_of_birth", "sex", "ethnicity"})


def _add_subset(
    extract: Extract,
    base: pd.DataFrame,
    mask: np.ndarray,
    file: str,
    names: dict[str, str],
    table: str,
    columns: dict[str, tuple[str, pd.Series]],
) -> None:
    """Rows of ``table`` for the list rows where its date is filled (a blank is no record)."""
    out = base.loc[mask].copy()
    source = {"child_id": names.get("child_id", "child_id")}
    for name, (field, values) in columns.items():
        out[name] = values.to_numpy()[mask]
        source[name] = names.get(field, field)
    if len(out):
        extract.add(table, out, file, source)
