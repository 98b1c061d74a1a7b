"""The children in need (CIN) census XML return, every schema from 2014-15 to 2025-26.

One ``<Child>`` element at a time is read and mapped (the file is streamed: see
:func:`~safeguarding_metrics.io.common.iter_xml_records`), so a national file never sits in
memory as a tree. Element names are matched without regard to case or namespace prefix.

Mapping (element -> canonical table.column):

- ``ChildIdentifiers``: ``LAchildID`` -> ``children.child_id`` (and ``child_id`` of every
  record of the child), ``PersonBirthDate`` -> ``date_of_birth``, ``GenderCurrent`` (to
  2022-23) or ``Sex`` (from 2023-24) -> ``sex`` (``M``/``F``/``U`` written as the numeric
  codes 1/2/0 used by the earlier censuses and the SSDA903, so that returns of different years
  agree); ``ChildCharacteristics``: ``Ethnicity`` -> ``ethnicity``, every ``Disability`` ->
  ``disability`` (codes joined with commas).
- each ``CINdetails`` -> a ``referrals`` row: ``CINreferralDate`` -> ``referral_date``,
  ``ReferralSource`` -> ``source``, ``ReferralNFA`` -> ``nfa``, ``CINclosureDate`` ->
  ``closure_date``, ``ReasonForClosure`` -> ``closure_reason``.
- each ``Assessments`` -> ``assessments``: ``AssessmentActualStartDate`` -> ``start_date``,
  ``AssessmentAuthorisationDate`` -> ``authorised_date``; ``referral_id`` is its CINdetails'.
- each ``CINPlanDates`` (from 2021-22) -> ``cin_plans``: ``CINPlanStartDate``,
  ``CINPlanEndDate``.
- each ``Section47`` -> ``section47``: ``S47ActualStartDate`` -> ``start_date``,
  ``DateOfInitialCPC`` -> ``icpc_date``, ``ICPCnotRequired`` -> ``icpc_not_required``.
- each ``ChildProtectionPlans`` -> ``cp_plans``: ``CPPstartDate``, ``CPPendDate``,
  ``InitialCategoryOfAbuse``, ``NumberOfPreviousCPP`` -> ``previous_plans``; each
  ``Reviews/CPPreviewDate`` -> a ``cp_reviews`` row of that plan.

The census carries no identifiers for referrals, assessments, enquiries or plans. They are
synthesised, deterministically, from the child and the record's start date:
``<child>/R/<yyyymmdd>`` (referral), ``/A/`` (assessment), ``/S47/``, ``/CP/``, ``/CIN/``. The
same record in two years' returns therefore gets the same identifier and the two are merged
(see :mod:`.combine`); a second record of the same kind, child and date in *one* file is the
same record too, by the same rules: identical, it is merged and counted in ``merged`` with a
warning naming the lines; differing, both are set aside as a conflict (a child does not start
two plans on one day). A record whose start date is missing gets ``L<line>`` instead of the
date (it is set aside anyway: the date is required).

Not imported (no canonical column): UPN and former UPN, expected date of birth, date of death,
primary need code, the CINdetails-level ``DateOfInitialCPC``, assessment factors and internal
review date, ``InitialCPCtarget``, latest category of abuse, pre-proceedings and family group
decision making (2025-26). The reader's notes list every element it met and did not carry, with
its count of non-empty values (``X (repeated)``: a second ``X`` in one record, of which only the
first is read); those of a record (not of the child) are compared when two records of one
key are merged, and the warning names one that differed. An SSDA903 XML file or a CSV file
given as a CIN census is refused, and so is a file whose
DOCTYPE names an external DTD (never fetched).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..model.dates import parse_dates
from .common import (
    Extract,
    Node,
    Progress,
    ReturnFileError,
    binary_kind,
    fault,
    iter_xml_records,
    normalise_dates,
    xml_return_kind,
)
from .vocabulary import SEX_CODES, recognise

__all__ = ["read_cin_census"]

#: Element (lower case) -> canonical column, per record level.
_CHILD = {
    "lachildid": "child_id",
    "personbirthdate": "date_of_birth",
    "gendercurrent": "sex",
    "sex": "sex",
    "ethnicity": "ethnicity",
}
_REFERRAL = {
    "cinreferraldate": "referral_date",
    "referralsource": "source",
    "referralnfa": "nfa",
    "cinclosuredate": "closure_date",
    "reasonforclosure": "closure_reason",
}
_ASSESSMENT = {
    "assessmentactualstartdate": "start_date",
    "assessmentauthorisationdate": "authorised_date",
}
_CIN_PLAN = {"cinplanstartdate": "start_date", "cinplanenddate": "end_date"}
_S47 = {
    "s47actualstartdate": "start_date",
    "dateofinitialcpc": "icpc_date",
    "icpcnotrequired": "icpc_not_required",
}
_CP_PLAN = {
    "cppstartdate": "start_date",
    "cppenddate": "end_date",
    "initialcategoryofabuse": "initial_category",
    "numberofpreviouscpp": "previous_plans",
}
_CONTAINERS = {
    "assessments": ("assessments", _ASSESSMENT, "/A"),
    "cinplandates": ("cin_plans", _CIN_PLAN, "/CIN"),
    "section47": ("section47", _S47, "/S47"),
    "childprotectionplans": ("cp_plans", _CP_PLAN, "/CP"),
}
#: Canonical column -> the element named in messages, per table.
_SOURCE_NAMES: dict[str, dict[str, str]] = {
    "children": {
        "child_id": "LAchildID",
        "date_of_birth": "PersonBirthDate",
        "sex": "Sex/GenderCurrent",
        "ethnicity": "Ethnicity",
        "disability": "Disability",
    },
    "referrals": {
        "child_id": "LAchildID",
        "referral_date": "CINreferralDate",
        "source": "ReferralSource",
        "nfa": "ReferralNFA",
        "closure_date": "CINclosureDate",
        "closure_reason": "ReasonForClosure",
    },
    "assessments": {
        "child_id": "LAchildID",
        "start_date": "AssessmentActualStartDate",
        "authorised_date": "AssessmentAuthorisationDate",
    },
    "cin_plans": {
        "child_id": "LAchildID",
        "start_date": "CINPlanStartDate",
        "end_date": "CINPlanEndDate",
    },
    "section47": {
        "child_id": "LAchildID",
        "start_date": "S47ActualStartDate",
        "icpc_date": "DateOfInitialCPC",
        "icpc_not_required": "ICPCnotRequired",
    },
    "cp_plans": {
        "child_id": "LAchildID",
        "start_date": "CPPstartDate",
        "end_date": "CPPendDate",
        "initial_category": "InitialCategoryOfAbuse",
        "previous_plans": "NumberOfPreviousCPP",
    },
    "cp_reviews": {"child_id": "LAchildID", "review_date": "CPPreviewDate"},
}


def _fields(
    node: Node, mapping: dict[str, str], stop: set[str], rec: dict[str, Any], used: set[int]
) -> None:
    """Fill ``rec`` with the first value (and its line) of each mapped element below ``node``,
    not looking inside elements named in ``stop``; ``used`` gets the ``id`` of each element
    read (what is left is listed as not carried)."""
    stack = list(reversed(node.children))
    while stack:
        item = stack.pop()
        tag = item.tag.lower()
        if tag in stop:
            continue
        column = mapping.get(tag)
        if column is not None and column not in rec:
            rec[column] = item.text
            rec[f"_at_{column}"] = item.line
            used.add(id(item))
        stack.extend(reversed(item.children))


def read_cin_census(
    path: str | Path, *, progress: Progress | None = None, la: str | None = None
) -> Extract:
    """Read one CIN census XML file into canonical rows (not yet validated).

    Parameters
    ----------
    path
        The XML file.
    progress
        Called as the file is read, with the file name, bytes read and the file's size.
    la
        When given, every record gets this ``la``; ``"header"`` takes the ``LEA`` of the
        file's header (pooled returns of several authorities).

    Raises
    ------
    ReturnFileError
        The file cannot be read or is not well-formed XML (file and line in the message).
    """
    path = Path(path)
    file = str(path)
    extract = Extract(kind="cin", label=file)
    what = binary_kind(path) if path.is_file() else None
    if what is not None:
        raise ReturnFileError(
            path, f"not a CIN census XML file: it is {what}, whatever its name", row=1
        )
    kind, root = xml_return_kind(path)
    if not root and path.is_file():
        _refuse_csv(path)
    if kind == "ssda903":
        raise ReturnFileError(
            path,
            f"this looks like an SSDA903 XML return (root element <{root}>, with <CHILDID>/"
            "<EPISODE>), not a CIN census: give it to --ssda903",
            row=1,
        )
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in _SOURCE_NAMES}
    left: dict[str, list[int]] = {}
    header: dict[str, str] = {}
    children_seen = 0
    for node in iter_xml_records(
        path, {"header", "child"}, progress=progress, warnings=extract.faults
    ):
        if node.tag.lower() == "header":
            for item in node.iter():
                if item.text:
                    header.setdefault(item.tag.lower(), item.text)
            header["_line"] = str(node.line)
            continue
        children_seen += 1
        _read_child(node, rows, left)
    if children_seen == 0:
        extract.faults.append(
            fault(file, "no <Child> element found: the file holds no children", table="children")
        )
    code = None
    if la == "header":
        code = header.get("lea")
        if not code:
            extract.faults.append(
                fault(
                    file,
                    "pooled import, but the header has no LEA code: the records carry no la",
                    column="LEA",
                )
            )
    elif la:
        code = la
        if header.get("lea") and header["lea"] != la:
            extract.faults.append(
                fault(
                    file,
                    f"the header's LEA code {header['lea']!r} differs from the authority given "
                    f"({la!r}); {la!r} was used",
                    row=int(header["_line"]),
                    column="LEA",
                )
            )
    frames = {
        table: pd.DataFrame.from_records(records) for table, records in rows.items() if records
    }
    extract.pivot_year = collection_year(header)
    for table, frame in synthesise(frames, pivot_year=extract.pivot_year).items():
        frame["_file"] = file
        if code:
            frame["la"] = code
        extract.add(table, frame, file, _SOURCE_NAMES[table])
    if left:
        extract.note(path, "elements not carried: " + not_carried_text(left))
    year = header.get("referencedate") or header.get("year")
    if year:
        extract.note(path, f"CIN census, reference date {year}")
    return extract


def _refuse_csv(path: Path) -> None:
    """Refuse a CSV file given as a CIN census, saying what it looks like (an SSDA903 table, an
    Annex A list saved as CSV), rather than "not well-formed XML" at its first character.

    Only the first line is looked at; a file whose first character is ``<`` is left to the XML
    reader, which says where it breaks.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8-sig", errors="replace").lstrip()
    except OSError:
        return
    first = head.splitlines()[0] if head else ""
    if not first or first.startswith("<") or ("," not in first and "\t" not in first):
        return
    cells = [c.strip().strip('"') for c in first.replace("\t", ",").split(",")]
    table = recognise(cells, path)
    what = f"an SSDA903 {table} table: give it to --ssda903" if table else "a CSV table"
    raise ReturnFileError(
        path,
        f"not a CIN census XML file: its first line holds {len(cells)} comma-separated "
        f"cells, not XML; this looks like {what}",
        row=1,
    )


def not_carried_text(left: dict[str, list[int]]) -> str:
    """``"UPN (12 non-empty), ..."``: the elements not carried, with their counts of non-empty
    values; ``X (repeated)`` counts the second and later ``X`` of a record whose first ``X`` was
    read (only the first is)."""
    return ", ".join(
        f"{tag} ({filled:,} non-empty)"
        for tag, (_, filled) in sorted(left.items(), key=lambda kv: kv[0].lower())
    )


def _compared(node: Node, rec: dict[str, Any], used: set[int]) -> None:
    """Give ``rec`` the values of ``node``'s own elements not carried (``PrimaryNeedCode``,
    ``LatestCategoryOfAbuse``), as ``_cmp_<element>`` fields that
    :func:`~safeguarding_metrics.io.combine.combine` compares: two plans of one child and
    start date differing only there are then not "identical" but merged with a warning naming
    the element, as the SSDA903 review code is. Run after :func:`_fields` (which marks what
    is read); the element stays "not carried" in the notes.
    """
    for item in node.children:
        if not item.children and id(item) not in used and item.text:
            rec.setdefault(f"_cmp_{item.tag}", item.text.strip())


def _read_child(
    node: Node, rows: dict[str, list[dict[str, Any]]], left: dict[str, list[int]]
) -> None:
    disabilities: list[Node] = []
    used: set[int] = set()
    for item in node.iter():
        if item.tag.lower() == "disability" and item.text:
            disabilities.append(item)
            used.add(id(item))
    child: dict[str, Any] = {"_row": node.line}
    _fields(node, _CHILD, {"cindetails"}, child, used)
    if child.get("sex") is not None:
        child["sex"] = SEX_CODES.get(child["sex"].strip().upper(), child["sex"])
    if disabilities:
        child["disability"] = ",".join(d.text for d in disabilities)
        child["_at_disability"] = disabilities[0].line
    child_id = child.get("child_id")
    at_child = child.get("_at_child_id", node.line)
    rows["children"].append(child)
    base = {"child_id": child_id, "_at_child_id": at_child}
    for cin in node.findall("CINdetails"):
        referral: dict[str, Any] = {**base, "_row": cin.line}
        _fields(cin, _REFERRAL, set(_CONTAINERS), referral, used)
        _compared(cin, referral, used)
        # the ids are synthesised later; number each referral and plan to link their records
        referral["_ref"] = len(rows["referrals"])
        rows["referrals"].append(referral)
        for container, (table, mapping, _) in _CONTAINERS.items():
            for item in cin.findall(container):
                rec: dict[str, Any] = {**base, "_row": item.line, "_ref": referral["_ref"]}
                _fields(item, mapping, {"reviews"}, rec, used)
                _compared(item, rec, used)
                if table == "cp_plans":
                    rec["_plan"] = len(rows[table])
                rows[table].append(rec)
                if table == "cp_plans":
                    for review in item.iter():
                        if review.tag.lower() == "cppreviewdate":
                            used.add(id(review))
                            rows["cp_reviews"].append(
                                {
                                    **base,
                                    "_row": review.line,
                                    "review_date": review.text,
                                    "_at_review_date": review.line,
                                    "_plan": rec["_plan"],
                                }
                            )
    for parent in node.iter():
        read_here = {c.tag for c in parent.children if id(c) in used}
        for item in parent.children:
            if not item.children and id(item) not in used:
                label = item.tag + (" (repeated)" if item.tag in read_here else "")
                tally = left.setdefault(label, [0, 0])
                tally[0] += 1
                tally[1] += bool(item.text)


def collection_year(header: dict[str, str]) -> int | None:
    """The census's collection year from its header: the year of its ``ReferenceDate`` (31
    March), else its ``Year``; ``None`` when the header says neither. Two-digit years in the
    file are read against it."""
    reference = parse_dates(pd.Series([header.get("referencedate", "")]), with_time=False)
    if not pd.isna(reference.stamps.iloc[0]):
        return int(reference.stamps.iloc[0].year)
    year = header.get("year", "").strip()
    return int(year) if year.isdigit() and len(year) == 4 else None


def synthesise(
    frames: dict[str, pd.DataFrame], *, pivot_year: int | None = None
) -> dict[str, pd.DataFrame]:
    """Add synthesised ids to the CIN census frames (see the module docstring); two-digit
    years in the dates the ids are built from are read against ``pivot_year``."""
    out = dict(frames)
    refs: pd.Series | None = None
    plans: pd.Series | None = None
    specs = {
        "referrals": ("referral_id", "referral_date", "/R"),
        "assessments": ("assessment_id", "start_date", "/A"),
        "cin_plans": ("plan_id", "start_date", "/CIN"),
        "section47": ("s47_id", "start_date", "/S47"),
        "cp_plans": ("plan_id", "start_date", "/CP"),
    }
    for table, (column, date_column, kind) in specs.items():
        frame = out.get(table)
        if frame is None or frame.empty:
            continue
        frame = frame.copy()
        child = frame["child_id"].astype(object).where(frame["child_id"].notna(), "")
        child = child.astype(str).str.strip()
        day = (
            normalise_dates(frame[date_column], pivot_year=pivot_year)
            if date_column in frame
            else None
        )
        stamp = (
            day.where(day.astype(str).str.match(r"^\d{4}-\d{2}-\d{2}$").fillna(False))
            if day is not None
            else pd.Series(None, index=frame.index, dtype=object)
        )
        stamp = stamp.astype(object).where(stamp.notna(), "L" + frame["_row"].astype(str))
        stamp = stamp.astype(str).str.replace("-", "", regex=False)
        base = child + kind + "/" + stamp
        # no ordinal: a second record of the same kind, child and start date is the same
        # record, merged or in conflict by the rules that apply across returns (combine)
        frame[column] = base
        out[table] = frame
        if table == "referrals":
            refs = pd.Series(frame[column].to_numpy(), index=frame["_ref"].to_numpy())
        if table == "cp_plans":
            plans = pd.Series(frame[column].to_numpy(), index=frame["_plan"].to_numpy())
    if refs is not None and "assessments" in out and not out["assessments"].empty:
        frame = out["assessments"].copy()
        frame["referral_id"] = frame["_ref"].map(refs)
        out["assessments"] = frame
    if plans is not None and "cp_reviews" in out and not out["cp_reviews"].empty:
        frame = out["cp_reviews"].copy()
        frame["plan_id"] = frame["_plan"].map(plans)
        out["cp_reviews"] = frame
    for table, frame in out.items():
        out[table] = frame.drop(columns=[c for c in ("_ref", "_plan") if c in frame.columns])
    return out
