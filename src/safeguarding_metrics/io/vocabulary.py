"""The vocabularies of the returns: how each names its columns, so that a reader can recognise
its own files, and the others' files given to it by mistake.

The SSDA903 specification's column names (:data:`SPEC_COLUMNS`, :func:`column_name`, and
:func:`recognise`, the table a CSV file holds); the header names councils use in Ofsted Annex A
workbooks (:data:`ALIASES`, :func:`normalise_header`); the sex codes the CIN census and Annex A
carry. Held here, apart from the readers, so that each reader can tell another return's file
without importing the other reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..model.headers import undecorated

__all__ = [
    "ALIASES",
    "ALIAS_FIELD",
    "SEX_CODES",
    "SPEC_COLUMNS",
    "column_name",
    "normalise_header",
    "recognise",
]

#: 2023-24 ``Sex`` codes -> the numeric codes of ``GenderCurrent`` and the SSDA903.
SEX_CODES = {"M": "1", "F": "2", "U": "0", "MALE": "1", "FEMALE": "2", "UNKNOWN": "0"}


# -- SSDA903 ----------------------------------------------------------------------------------

#: Every column the SSDA903 specification's tables hold (CSV names; ``CHILDID`` and ``PL`` are
#: the XML's names for ``CHILD`` and ``PLACE``), to recognise decorated headers.
SPEC_COLUMNS = (
    "CHILD", "CHILDID", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", "DECOM", "RNE", "LS",
    "CIN", "PLACE", "PL", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE", "HOME_POST",
    "PL_POST", "URN", "LA", "YEAR", "REVIEW", "REVIEW_CODE", "MISSING", "MIS_START", "MIS_END",
    "IN_TOUCH", "ACTIV", "ACCOM", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR",
    "SEX_ADOPTR", "LS_ADOPTR", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED",
    "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
    "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED",
    "PREV_PERM", "LA_PERM", "DATE_PERM", "DUC", "UASC", "SW_ID", "SW_DECOM", "SW_DEC",
    "SW_REASON",
)  # fmt: skip
_SPEC_KEYS = {re.sub(r"[\s_]+", "", c): c for c in SPEC_COLUMNS}
_DOLO_NAME = re.compile(r"dolo|deprivation", re.IGNORECASE)

#: Recognition, in order: the first table whose any-of columns the file has.
_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("SWEpisodes", frozenset({"SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"})),
    ("Episodes", frozenset({"DECOM"})),
    ("Reviews", frozenset({"REVIEW", "REVIEW_CODE"})),
    ("Missing", frozenset({"MIS_START", "MIS_END", "MISSING"})),
    ("OC3", frozenset({"IN_TOUCH", "ACTIV", "ACCOM"})),
    ("AD1", frozenset({"DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR"})),
    ("PlacedAdoption", frozenset({"DATE_PLACED", "DATE_PLACED_CEASED"})),
    ("OC2", frozenset({"SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK"})),
    ("PrevPerm", frozenset({"PREV_PERM", "LA_PERM", "DATE_PERM"})),
    ("UASC", frozenset({"DUC"})),
    ("Header", frozenset({"ETHNIC", "UPN", "MOTHER", "MC_DOB"})),
)


def column_name(cell: object) -> str:
    """A CSV header cell as an SSDA903 column name: decorations removed.

    Real exports decorate headers: pivot-table prefixes (``Sum of DECOM``, ``Count of CHILD``),
    case, spaces (``Place provider``), line breaks inside the cell, trailing punctuation
    (``DECOM:``, ``DEC.``, ``REC*``, ``LS?``). What names a column of the specification is
    returned as the specification spells it; anything else upper-cased, spaces as ``_``.
    """
    text = undecorated(cell)
    known = _SPEC_KEYS.get(re.sub(r"[\s_]+", "", text.upper()))
    return known or re.sub(r"\s+", "_", text.upper())


def recognise(columns: Iterable[str], file: str | Path = "") -> str | None:
    """The SSDA903 table a CSV file with these columns (and, for DoLo, this name) holds, or
    ``None``."""
    names = {column_name(c) for c in columns}
    if "CHILD" not in names:
        return None
    for table, any_of in _SIGNATURES:
        if names & any_of:
            return table
    if {"SEX", "DOB"} <= names:
        return "Header"
    if _DOLO_NAME.search(Path(file).stem) or any(n.startswith("DOL") for n in names):
        return "DoLo"
    return None


# -- Ofsted Annex A ----------------------------------------------------------------------------


def normalise_header(text: Any) -> str:
    """A header cell as compared with :data:`ALIASES`: lower case, letters and digits only.

    Decorations of real exports go: case, spaces and line breaks inside the cell, punctuation
    (``Date of referral:``, ``CIN start date*``), and the prefix a pivot table adds (``Sum of
    Number of Previous Child Protection Plans``, ``Count of Child Unique ID``).
    """
    value = undecorated(text).lower().replace("'", "").replace("\u2019", "").replace("\u2018", "")
    return re.sub(r"[^a-z0-9]+", " ", value).strip()


#: field -> header names seen in councils' Annex A workbooks (after :func:`normalise_header`).
ALIASES: dict[str, tuple[str, ...]] = {
    "child_id": (
        "child unique id",
        "child unique identifier",
        "unique child id",
        "childs unique id",
        "child id",
        "child uid",
        "la child id",
        "lachildid",
        "person id",
        "child reference",
        "child ref",
        "id",
    ),
    "date_of_birth": ("date of birth", "dob", "birth date"),
    "sex": ("gender", "sex"),
    "ethnicity": ("ethnicity", "ethnic origin", "ethnicity code"),
    "contact_date": (
        "date of contact",
        "contact date",
        "date contact received",
        "contact received date",
        "date of contact received",
    ),
    "contact_source": ("contact source", "source of contact"),
    "contact_decision": (
        "date of decision",
        "decision date",
        "date and time of decision",
        "date of contact decision",
        "contact decision date",
        "date of mash decision",
        "mash decision date",
        "date decision made",
    ),
    "referral_date": ("date of referral", "referral date", "date referral received"),
    "referral_source": ("referral source", "source of referral"),
    "referral_nfa": (
        "referral nfa",
        "was the referral nfa",
        "referral no further action",
        "referral nfa y n",
        "nfa",
    ),
    "early_help_org": ("organisation completing assessment", "organisation completing"),
    "assessment_start": (
        "continuous assessment start date",
        "single assessment start date",
        "assessment start date",
        "date assessment started",
        "start date of assessment",
    ),
    "assessment_authorised": (
        "continuous assessment date of authorisation",
        "single assessment date of authorisation",
        "assessment date of authorisation",
        "assessment authorisation date",
        "date assessment authorised",
        "date of authorisation",
    ),
    "s47_start": (
        "strategy discussion initiating section 47 enquiry start date",
        "section 47 enquiry start date",
        "start date of section 47 enquiry",
        "section 47 start date",
        "s47 start date",
        "date of strategy discussion",
        "strategy discussion date",
    ),
    "icpc_unnecessary": (
        "was an initial child protection conference deemed unnecessary",
        "icpc deemed unnecessary",
        "icpc not required",
        "initial child protection conference not required",
    ),
    "icpc_date": (
        "date of initial child protection conference",
        "initial child protection conference date",
        "date of icpc",
        "icpc date",
    ),
    "cin_start": ("cin start date", "cin episode start date", "start date of cin episode"),
    "cin_closure": ("cin closure date", "date of cin closure", "cin end date"),
    "closure_reason": ("reason for closure", "cin closure reason", "closure reason"),
    "cpp_start": (
        "child protection plan start date",
        "cp plan start date",
        "cpp start date",
        "start date of child protection plan",
    ),
    "cpp_end": ("child protection plan end date", "cp plan end date", "cpp end date"),
    "initial_category": ("initial category of abuse", "initial category"),
    "previous_plans": (
        "number of previous child protection plans",
        "number of previous cp plans",
        "previous child protection plans",
    ),
    "cp_review": (
        "date of latest review conference",
        "date of last review conference",
        "latest review conference date",
    ),
    "cp_visit": (
        "date of the last statutory visit",
        "date of last statutory visit",
        "last statutory visit date",
    ),
    "seen_alone": ("was the child seen alone", "child seen alone"),
    "lac_start": (
        "date started to be looked after",
        "date became looked after",
        "date started looked after",
    ),
    "cla_review": (
        "date of latest statutory review",
        "date of last statutory review",
        "latest statutory review date",
    ),
    "cla_visit": (
        "date of last social work visit",
        "date of last sw visit",
        "last social work visit date",
    ),
    "eligibility": ("eligibility category", "care leaver eligibility category"),
    "in_touch": ("la in touch", "in touch"),
    "entered_care": ("date the child entered care", "date child entered care"),
    "shobpa": (
        "date of decision that child should be placed for adoption",
        "date of decision that the child should be placed for adoption",
        "date of shobpa decision",
        "shobpa date",
    ),
    "placement_order": ("date of placement order", "placement order date"),
    "matched": (
        "date of matching child and prospective adopters",
        "date matched with prospective adopters",
        "date of match",
        "date matched",
    ),
    "placed": ("date placed for adoption", "date placed with adopters"),
    "adoption_order": ("date of adoption order", "adoption order date"),
    "shobpa_reversed": (
        "date of decision that child should no longer be placed for adoption",
        "date of decision that the child should no longer be placed for adoption",
        "date no longer placed for adoption",
    ),
    "adopter_id": ("individual adopter identifier", "adopter identifier", "adopter id"),
}
ALIAS_FIELD = {alias: field for field, aliases in ALIASES.items() for alias in aliases}
