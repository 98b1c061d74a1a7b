"""How the SSD's codes and the canonical tables' codes translate, both ways.

The SSD keeps most codes as the statutory returns do (RNE, legal status, placement, REC,
closure reasons), often with the label after the code (``"C2 - Full care order"``): only the
code is read (:func:`leading_code`). Where the SSD writes words or flags instead, the tables
here say how they become canonical values; ``docs/ssd.md`` lists every choice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORY_CODES",
    "CATEGORY_WORDS",
    "CONTACT_FLAGS",
    "DEFAULT_ALLOCATED_ROLES",
    "MISSING_KINDS",
    "SEX_FROM_SSD",
    "SEX_TO_SSD",
    "flag_values",
    "json_flags",
    "leading_code",
    "yes_no",
]

#: ``pers_sex`` (F, M, U) as the canonical code (the CIN census and SSDA903 numbers).
SEX_FROM_SSD: dict[str, str] = {"M": "1", "MALE": "1", "F": "2", "FEMALE": "2", "U": "0"}
#: The canonical sex codes written to ``pers_sex`` (9, not stated, has no SSD code: ``U``).
SEX_TO_SSD: dict[str, str] = {"1": "M", "2": "F", "0": "U", "9": "U"}

#: ``cppl_cp_plan_initial_category`` words (the SSD's code set) and codes, as the canonical code.
CATEGORY_CODES: dict[str, str] = {
    "NEGLECT": "NEG",
    "PHYSICAL ABUSE": "PHY",
    "SEXUAL ABUSE": "SAB",
    "EMOTIONAL ABUSE": "EMO",
    "MULTIPLE": "MUL",
    "NEG": "NEG",
    "PHY": "PHY",
    "SAB": "SAB",
    "EMO": "EMO",
    "MUL": "MUL",
}
#: The canonical category codes written as the SSD's words.
CATEGORY_WORDS: dict[str, str] = {
    "NEG": "Neglect",
    "PHY": "Physical abuse",
    "SAB": "Sexual abuse",
    "EMO": "Emotional abuse",
    "MUL": "Multiple",
}

#: ``miss_missing_episode_type`` as the canonical kind (M missing, A away without authorisation).
MISSING_KINDS: dict[str, str] = {
    "MISSING": "M",
    "M": "M",
    "AWAY": "A",
    "ABSENT": "A",
    "A": "A",
    "AWAY FROM PLACEMENT WITHOUT AUTHORISATION": "A",
}

#: The keys of ``cont_contact_outcome_json`` and the canonical outcome each stands for; the
#: first flag set (in this order) names the outcome.
CONTACT_FLAGS: dict[str, str] = {
    "NEW_REFERRAL_FLAG": "Referral",
    "EXISTING_REFERRAL_FLAG": "Existing Case",
    "CP_ENQUIRY_FLAG": "Section 47 enquiry",
    "NFA_FLAG": "No Further Action",
    "ADVICE_FLAG": "Advice and Information",
    "NON_AGENCY_ADOPTION_FLAG": "Non-agency adoption",
    "PRIVATE_FOSTERING_FLAG": "Private fostering",
    "MISSING_FLAG": "Missing",
    "OLA_CP_FLAG": "Other authority's child protection",
    "OTHER_OUTCOMES_EXIST_FLAG": "Other",
}

#: ``invo_professional_role_id`` values taken as the allocated worker (compared without case
#: or surrounding spaces); a council's own values are given with ``allocated_roles=``.
DEFAULT_ALLOCATED_ROLES: tuple[str, ...] = (
    "Allocated Case Worker",
    "Allocated Social Worker",
    "Allocated Worker",
    "Case Holder",
    "Key Worker",
)

_YES = {"Y", "YES", "1", "TRUE", "T", "-1"}
_NO = {"N", "NO", "0", "FALSE", "F"}


def leading_code(values: pd.Series) -> pd.Series:
    """The code at the start of each value (``"C2 - Full care order"`` -> ``"C2"``,
    ``"e11: adopted"`` -> ``"E11"``), upper-cased; blank -> missing."""
    text = values.astype(object).where(values.notna(), None).astype("string").str.strip()
    code = text.str.extract(r"^([A-Za-z0-9]+)", expand=False).str.upper()
    return code.astype(object).where(code.notna() & (code != ""), None)


def yes_no(values: pd.Series) -> pd.Series:
    """Y/N flags (also Yes/No, 1/0, true/false) as canonical ``"true"``/``"false"``; blank ->
    missing; anything else kept as written (the loader reports it)."""
    text = values.astype(object).where(values.notna(), None).astype("string").str.strip()
    upper = text.str.upper()
    out = text.astype(object).where(text.notna() & (text != ""), None)
    out[upper.isin(list(_YES)).fillna(False).to_numpy(dtype=bool)] = "true"
    out[upper.isin(list(_NO)).fillna(False).to_numpy(dtype=bool)] = "false"
    return out


def flag_values(values: pd.Series) -> pd.Series:
    """Canonical booleans (``True``/``"true"``...) as the SSD's ``Y``/``N``; missing stays
    missing."""
    text = values.astype(object).where(values.notna(), None).astype("string").str.lower()
    out = pd.Series(None, index=values.index, dtype=object)
    out[text.isin(["true", "1", "t", "y", "yes"]).fillna(False).to_numpy(dtype=bool)] = "Y"
    out[text.isin(["false", "0", "f", "n", "no"]).fillna(False).to_numpy(dtype=bool)] = "N"
    return out


def json_flags(values: pd.Series, keys: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The flags of the SSD's outcome JSON columns: per key, ``True`` (Y), ``False`` (N) or
    missing (blank, absent, anything else).

    Parsed once per distinct text (a loop over distinct values, not rows). Keys are compared
    without case; Y also reads yes, 1, true, and N no, 0, false. Returns a frame with one
    column per key of ``keys`` (default: every key seen), and ``_bad``: the text is not a JSON
    object (the caller reports it).
    """
    text = values.astype(object).where(values.notna(), None)
    distinct = pd.unique(text.dropna())
    parsed: dict[object, dict[str, bool | None] | None] = {}
    for value in distinct:
        parsed[value] = _parse_flags(str(value))
    names = (
        list(keys)
        if keys is not None
        else sorted({k for flags in parsed.values() if flags for k in flags})
    )
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    table = np.full((len(uniques) + 1, len(names)), None, dtype=object)
    bad = np.zeros(len(uniques) + 1, dtype=bool)
    for i, value in enumerate(uniques):
        flags = parsed.get(value)
        if flags is None:
            bad[i] = True
            continue
        for j, name in enumerate(names):
            table[i, j] = flags.get(name.upper())
    at = np.where(codes < 0, len(uniques), codes)
    out = pd.DataFrame(table[at], columns=names, index=values.index, dtype=object)
    out["_bad"] = bad[at]
    return out


def _parse_flags(text: str) -> dict[str, bool | None] | None:
    """One outcome JSON's flags by upper-cased key (``True`` Y, ``False`` N, ``None`` blank or
    anything else), or ``None`` when the text is not a JSON object."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {str(k).strip().upper(): _flag(v) for k, v in data.items()}


def _flag(value: object) -> bool | None:
    text = "" if value is None else str(value).strip().upper()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None
