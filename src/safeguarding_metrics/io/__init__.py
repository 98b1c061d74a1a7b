"""Importers: the returns a council already produces, turned into the canonical tables.

::

    from safeguarding_metrics.io import import_returns, write_dataset

    result = import_returns(
        cin=["CIN_Census_2016.xml", "CIN_Census_2017.xml"],
        ssda903=["903/2016/", "903/2017/"],          # folders of CSV files, or XML files
        annex_a=["Annex_A.xlsx"],
    )
    print(result.summary())                           # read / used / set aside per file
    result.quality                                    # every finding: file, row, column, reason
    write_dataset(result, "my-council/")              # a canonical dataset folder
    dataset = result.dataset()                        # or straight to a validated Dataset

Readers: :func:`read_cin_census` (CIN census XML, 2014-15 to 2025-26), :func:`read_ssda903`
(SSDA903 CSV set or XML), :func:`read_annex_a` (Ofsted Annex A workbook). Several returns and
years are combined into one history by :func:`~safeguarding_metrics.io.combine.combine`.
See ``docs/importers.md`` for the mappings and what each return cannot supply.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs
import pandas as pd

from ..export import defuse_frame
from ..model.dataset import Dataset
from ..model.quality import Action, Fault
from .annex_a import read_annex_a
from .cin_census import read_cin_census
from .combine import COUNT_COLUMNS, combine, raise_first_error
from .common import Extract, Progress, ReturnFileError
from .ssda903 import NoTableError, group_returns, read_ssda903

__all__ = [
    "COUNT_COLUMNS",
    "ImportResult",
    "ReturnFileError",
    "import_returns",
    "read_annex_a",
    "read_cin_census",
    "read_ssda903",
    "write_dataset",
]

#: The file :func:`write_dataset` writes the import's findings to, beside the tables.
QUALITY_FILE = "import-quality.csv"
#: The file :func:`write_dataset` writes the counts to.
COUNTS_FILE = "import-counts.csv"
#: The file :func:`write_dataset` writes the notes to.
NOTES_FILE = "import-notes.txt"


@attrs.frozen(kw_only=True, eq=False)
class ImportResult:
    """What :func:`import_returns` made of the returns.

    Attributes
    ----------
    frames
        One canonical table per name, as the text a canonical CSV holds (ISO dates,
        ``true``/``false``); values that could not be read are kept verbatim, so that the
        loader reports them.
    quality
        Every finding, with the columns of the data-quality table (table, file, row, column,
        severity, action, reason), pointing into the returns: the row of a CSV or workbook
        (header = row 1), the line of an XML element. Never a child identifier.
    counts
        Per source file and canonical table: records read, used, merged into the same record
        of another return or list (identical or completing it), and set aside:
        ``read == used + merged + set_aside``.
    notes
        What the returns hold that the canonical tables do not, and what was derived.
    """

    frames: Mapping[str, pd.DataFrame]
    quality: pd.DataFrame
    counts: pd.DataFrame
    notes: tuple[str, ...]

    @property
    def read(self) -> int:
        return int(self.counts["read"].sum()) if len(self.counts) else 0

    @property
    def used(self) -> int:
        return int(self.counts["used"].sum()) if len(self.counts) else 0

    @property
    def merged(self) -> int:
        return int(self.counts["merged"].sum()) if len(self.counts) else 0

    @property
    def set_aside(self) -> int:
        return int(self.counts["set_aside"].sum()) if len(self.counts) else 0

    def dataset(self, *, strict: bool = False) -> Dataset:
        """The imported tables validated as a :class:`~safeguarding_metrics.Dataset`."""
        return Dataset.from_frames(dict(self.frames), strict=strict, source="imported returns")

    def summary(self) -> str:
        """Read, used and set aside per table, then per source file (no identifiers)."""
        lines = [
            f"Imported {self.read:,} records: {self.used:,} used, {self.merged:,} merged with "
            f"the same record in another return, {self.set_aside:,} set aside; "
            f"{len(self.quality):,} finding(s)."
        ]
        numbers = ["read", "used", "merged", "set_aside"]

        def line(label: str, row: pd.Series) -> str:
            return (
                f"  {label:<32} read {row['read']:>9,}  used {row['used']:>9,}  "
                f"merged {row['merged']:>8,}  set aside {row['set_aside']:>7,}"
            )

        if len(self.counts):
            by_table = self.counts.groupby("table", sort=False)[numbers].sum()
            lines.extend(line(str(table), row) for table, row in by_table.iterrows())
            lines.append("By file:")
            by_file = self.counts.groupby("file", sort=False)[numbers].sum()
            lines.extend(line(Path(str(f)).name, row) for f, row in by_file.iterrows())
        return "\n".join(lines)


def _as_list(items: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] | None) -> list[Path]:
    if items is None:
        return []
    if isinstance(items, str | os.PathLike):
        return [Path(items)]
    return [Path(i) for i in items]


def _returns_not_read(unread: list[NoTableError]) -> Extract:
    """The findings for SSDA903 returns beside others of which nothing could be read (a
    sub-folder of other CSV files): an error each, ``not read``, and a note naming it."""
    extract = Extract(kind="ssda903", label="SSDA903 returns not read")
    for exc in unread:
        extract.faults.extend(exc.others)
        reason = f"{exc.fault.reason}; nothing of this return is read (the others are)"
        extract.faults.append(attrs.evolve(exc.fault, action=Action.NOT_READ, reason=reason))
        extract.note(exc.fault.file, f"NOT READ (an error): {exc.fault.reason}")
    return extract


def import_returns(
    cin: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] | None = None,
    ssda903: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] | None = None,
    annex_a: Iterable[str | os.PathLike[str]] | str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    *,
    la: str | None = None,
    pooled: bool = False,
    collection_year: int | None = None,
    strict: bool = False,
) -> ImportResult:
    """Import CIN census, SSDA903 and Annex A returns into one set of canonical tables.

    Parameters
    ----------
    cin
        CIN census XML files (any years, any order).
    ssda903
        SSDA903 returns: folders of CSV files (sub-folders and year-named files are separate
        returns), CSV files, or XML files.
    annex_a
        Ofsted Annex A workbooks (``.xlsx``).
    progress
        ``progress(file, done, total)``, called as each file is read (bytes for XML, rows for
        CSV and workbooks).
    la
        The authority code to record in ``la`` on every row (default: none, a single-authority
        dataset).
    pooled
        Take ``la`` from each return instead: the CIN census header's ``LEA`` and an ``LA``
        column of SSDA903 episodes; for pooled regional or national returns.
    collection_year
        The SSDA903 collection year (its 31 March), for the care leavers' recorded dates; by
        default each return's is inferred from its episodes.
    strict
        Raise on the first error instead of listing it and going on.

    Raises
    ------
    ReturnFileError
        A file cannot be read at all (missing, not CSV/XML/XLSX, malformed or truncated XML,
        a CSV that is no SSDA903 table, a workbook with no list): its name and, where known,
        its line or row are in the message. A corrupt file stops the import: no partial
        return is ever taken for a whole one. In SSDA903 input of several returns (folders,
        sub-folders), a return of which nothing is a table is an error finding, ``not read``,
        and the others are read; a table file that cannot be read beside others of its
        return likewise.
    DataError
        ``strict`` and a record has an error.
    """
    if la is not None and pooled:
        raise ValueError("give either la (one authority) or pooled (codes from the returns)")
    mode = "header" if pooled else la
    extracts: list[Extract] = []
    for path in _as_list(cin):
        extracts.append(read_cin_census(path, progress=progress, la=mode))
    skipped: list[Fault] = []
    groups = group_returns(_as_list(ssda903), skipped)
    if skipped:
        extracts.append(Extract(kind="ssda903", label="SSDA903 folders", faults=skipped))
    unread: list[NoTableError] = []
    for group in groups:
        try:
            extracts.append(read_ssda903(group, year=collection_year, la=mode, progress=progress))
        except NoTableError as exc:
            if len(groups) == 1:
                raise
            unread.append(exc)
    if unread:
        if len(unread) == len(groups):
            raise unread[0]
        extracts.append(_returns_not_read(unread))
    for path in _as_list(annex_a):
        extracts.append(read_annex_a(path, progress=progress, la=None if pooled else la))
    if not extracts:
        raise ValueError("no return given: pass cin=, ssda903= or annex_a= files")
    combined = combine(extracts)
    if strict:
        raise_first_error(combined.quality)
    return ImportResult(
        frames=combined.frames,
        quality=combined.quality,
        counts=combined.counts,
        notes=combined.notes,
    )


def write_dataset(result: ImportResult, folder: str | os.PathLike[str]) -> Path:
    """Write the imported tables as a canonical dataset folder (``<table>.csv`` each), with
    the import's findings (``import-quality.csv``), counts (``import-counts.csv``) and notes.

    Every text cell that a spreadsheet would read as a formula (starting ``=``, ``+``, ``-``,
    ``@``) is written with a leading ``'``. Existing canonical tables in the folder are
    replaced; tables the import did not produce are removed, so that the folder holds exactly
    this import.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    from ..model.tables import table_specs

    for name in table_specs():
        path = target / f"{name}.csv"
        if name in result.frames:
            defuse_frame(result.frames[name]).to_csv(path, index=False, lineterminator="\n")
        elif path.exists():
            path.unlink()
        parquet = target / f"{name}.parquet"
        if parquet.exists():
            parquet.unlink()
    defuse_frame(result.quality).to_csv(target / QUALITY_FILE, index=False, lineterminator="\n")
    defuse_frame(result.counts).to_csv(target / COUNTS_FILE, index=False, lineterminator="\n")
    (target / NOTES_FILE).write_text(
        "".join(f"{note}\n" for note in result.notes), encoding="utf-8"
    )
    return target
