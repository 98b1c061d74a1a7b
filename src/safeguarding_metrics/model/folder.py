"""What a dataset folder holds: the table files to read, and a note on everything else."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

from .quality import Action, DataError, Fault, Severity
from .tables import table_specs

__all__ = ["COMPANION_FILES", "folder_error", "scan_folder"]


def folder_error(folder: Path, reason: str) -> DataError:
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


def scan_folder(
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
        raise folder_error(folder, f"cannot list the folder ({exc.strerror or exc})") from None
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
