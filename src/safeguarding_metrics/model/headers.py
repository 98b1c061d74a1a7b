"""Column headers as real exports write them, and the names they are matched by.

Councils' extracts decorate column names: ``Referral Date``, ``referral-date``, a pivot
table's ``Sum of previous_plans``, a line break or a trailing ``:`` inside the cell, a BOM or a
zero-width space pasted in. :func:`undecorated` removes what every reader removes (the loader
here, and the SSDA903 and Annex A importers, which then match the result against their own
specifications); :func:`header_name` gives the canonical column name the loader matches;
:func:`name_columns` names a raw table's columns and lists what it could not tell apart.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from .quality import Action, Fault, Severity
from .tables import TableSpec

__all__ = [
    "INTERNAL_COLUMNS",
    "INVISIBLE",
    "PIVOT",
    "column_letter",
    "header_name",
    "name_columns",
    "separator_hint",
    "undecorated",
]

#: Characters that print as nothing: a zero-width space, joiners, a word joiner, a BOM.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE_TABLE = {ord(c): None for c in INVISIBLE}
#: The prefixes a spreadsheet's pivot table puts before a field's name.
PIVOT = re.compile(r"^(?:sum|count|average|avg|max|min|total|first|last)\s+of\s+", re.IGNORECASE)
#: Names the loader gives columns itself: a user's column so named is left out.
INTERNAL_COLUMNS = frozenset({"_row", "child"})


def undecorated(text: object) -> str:
    """A header cell without its decorations, case kept.

    Unicode compatibility forms folded (NFKC: a non-breaking space is a space), invisible
    characters (:data:`INVISIBLE`) removed, runs of white space (line breaks included) made one
    space, trailing punctuation (``.,:;!?*#``) and a pivot table's prefix (:data:`PIVOT`)
    dropped.
    """
    name = unicodedata.normalize("NFKC", "" if text is None else str(text))
    name = " ".join(name.translate(_INVISIBLE_TABLE).split())
    name = re.sub(r"[\s.,:;!?*#]+$", "", name)
    return PIVOT.sub("", name).strip()


def header_name(text: object) -> str:
    """The canonical column name a header is matched by.

    ``"Referral Date"``, ``"referral-date"``, ``"Sum of previous_plans"``, ``"referral_date:"``
    all read as ``referral_date``: :func:`undecorated`, lower case, and spaces and hyphens
    inside become ``_``.
    """
    return re.sub(r"[\s\-]+", "_", undecorated(text).lower())


#: Separators a file saved as "CSV" in another locale or as text may use instead of commas.
_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def separator_hint(names: list[str], spec: TableSpec) -> str:
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


def name_columns(
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
        place = f"column {column_letter(i)}" if csv_file else f"column {i + 1}"
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
        listed = ", ".join(f"{column_letter(i) if csv_file else i + 1} ({raw[i]!r})" for i in where)
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


def column_letter(position: int) -> str:
    """A column's letter as a spreadsheet shows it (0 -> A, 26 -> AA)."""
    out = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        out = chr(65 + rest) + out
    return out
