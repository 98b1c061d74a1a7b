"""Writing due lists: one Excel workbook per team and a combined CSV, marked as personal data.

Every file says in its first row that it holds personal data. No cell is ever a formula: the
CSV's text is defused as every CSV this library writes (:func:`safeguarding_metrics.export.
write_csv`), and in the workbooks every text value is stored as a text cell
(:func:`safeguarding_metrics.export.set_cell`), so a team called ``=HYPERLINK(...)`` shows
those characters and runs nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..export import PERSONAL_DATA_MARKING, set_cell, workbook_text, write_csv
from .lists import ALL_TEAMS, LIST_COLUMNS, DueLists, band_label
from .spec import DueList

__all__ = [
    "CSV_NAME",
    "PERSONAL_DATA_MARKING",
    "safe_file_name",
    "write_due_csv",
    "write_due_files",
    "write_due_workbook",
]

#: The combined list's file name.
CSV_NAME = "due-lists.csv"

_OVERDUE_FILL = "FFC7CE"
_OVERDUE_FONT = "9C0006"
_SOON_FILL = "FFEB9C"
_HEADER_FILL = "D9D9D9"
_HEADER_ROW = 3
_FORMATS = {
    "due_date": "yyyy-mm-dd",
    "record_start": "yyyy-mm-dd",
    "last_event": "yyyy-mm-dd",
    "due_at": "yyyy-mm-dd hh:mm",
}


def safe_file_name(team: str, taken: Sequence[str] = ()) -> str:
    """A file name for a team's workbook: ``due-lists-<team>.xlsx``, letters, digits and
    hyphens only (nothing a file system or a shell reads specially), unique among ``taken``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", team).strip("-").lower()[:60].strip("-") or "team"
    name = f"due-lists-{slug}.xlsx"
    n = 2
    while name in taken:
        name = f"due-lists-{slug}-{n}.xlsx"
        n += 1
    return name


def write_due_csv(due: DueLists, target: str | Path | None = None) -> str | None:
    """The combined list as CSV: the personal-data marking, then a header row and the rows.

    Read it back with ``pandas.read_csv(path, skiprows=1)``. Returns the text when ``target``
    is None.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([PERSONAL_DATA_MARKING])
    frame = due.frame.loc[:, list(LIST_COLUMNS)]
    buffer.write(write_csv(frame) or "")
    text = buffer.getvalue()
    if target is None:
        return text
    Path(target).write_text(text, encoding="utf-8")
    return None


def _text(value: Any) -> Any:
    """Text as a workbook cell can hold it (the one rule of :func:`~..export.workbook_text`)."""
    if isinstance(value, str):
        return workbook_text(value)
    return value


def _column_values(frame: pd.DataFrame, column: str) -> list[Any]:
    series = frame[column]
    if column == "due_at":
        return [None if pd.isna(v) else v for v in series.dt.to_pydatetime()]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return list(series.dt.date.astype(object).where(series.notna(), None))
    return [_text(v) for v in series.astype(object).where(series.notna(), None)]


def _columns(due_list: DueList, frame: pd.DataFrame, within: int) -> list[tuple[str, str]]:
    """(column, heading) pairs of a measure's sheet, the columns it does not fill left out."""
    columns = [
        ("band", "Status"),
        ("days_overdue", "Days overdue"),
        ("days_left", "Days left"),
        ("due_date", "Due date"),
    ]
    if frame["due_at"].notna().any():
        columns.append(("due_at", "Due at"))
    columns.append(("child_id", "Child"))
    if due_list.record_label is not None:
        columns.append(("record", due_list.record_label.capitalize()))
    columns.append(("record_start", due_list.start_label.capitalize()))
    if due_list.event_label is not None:
        columns.append(("last_event", due_list.event_label.capitalize()))
    columns += [("worker_id", "Worker"), ("team", "Team")]
    if frame["la"].notna().any():
        columns.append(("la", "Authority"))
    columns += [("not_met", "Counts as not met now"), ("rule", "Due rule")]
    return columns


def _sheet_title(title: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", title).strip("'")[:31] or "List"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _prepare(ws: Any, context: str) -> None:
    from openpyxl.styles import Font

    set_cell(ws.cell(row=1, column=1), PERSONAL_DATA_MARKING)
    ws.cell(row=1, column=1).font = Font(bold=True, color=_OVERDUE_FONT)
    set_cell(ws.cell(row=2, column=1), context)
    ws.cell(row=2, column=1).font = Font(italic=True)


def _table(
    ws: Any,
    headings: list[str],
    columns: list[list[Any]],
    widths: list[int],
    formats: Sequence[str | None] = (),
) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for j, heading in enumerate(headings, start=1):
        cell = ws.cell(row=_HEADER_ROW, column=j)
        set_cell(cell, heading)
        cell.font = Font(bold=True)
        cell.fill = header_fill
    n = len(columns[0]) if columns else 0
    for j, values in enumerate(columns, start=1):
        number_format = formats[j - 1] if j <= len(formats) else None
        for i, value in enumerate(values, start=_HEADER_ROW + 1):
            cell = ws.cell(row=i, column=j)
            set_cell(cell, value)
            if number_format is not None and value is not None:
                cell.number_format = number_format
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = ws.cell(row=_HEADER_ROW + 1, column=1)
    if headings:
        last = get_column_letter(len(headings))
        ws.auto_filter.ref = f"A{_HEADER_ROW}:{last}{_HEADER_ROW + max(n, 1)}"


def _width(heading: str, values: list[Any]) -> int:
    longest = max([len(heading), *(len(str(v)) for v in values if v is not None)], default=8)
    return int(min(max(longest + 2, 8), 60))


def _measure_sheet(ws: Any, due: DueLists, due_list: DueList, team: str) -> None:
    from openpyxl.styles import Font, PatternFill

    frame = due.lists[due_list.id]
    context = (
        f"{due_list.title}, team {team}, as at {due.as_at.isoformat()}: overdue first, then due "
        f"within {due.within} days. {due_list.description}"
    )
    _prepare(ws, context)
    if due_list.id in due.unavailable:
        set_cell(
            ws.cell(row=_HEADER_ROW, column=1), f"Not available: {due.unavailable[due_list.id]}"
        )
        return
    chosen = _columns(due_list, frame, due.within)
    columns = []
    for column, _ in chosen:
        values = _column_values(frame, column)
        if column == "band":
            values = [band_label(str(v), due.within) for v in values]
        elif column == "not_met":
            values = ["yes" if v else "" for v in values]
        columns.append(values)
    headings = [h for _, h in chosen]
    widths = [_width(h, v) for h, v in zip(headings, columns, strict=True)]
    formats = [_FORMATS.get(c) for c, _ in chosen]
    _table(ws, headings, columns, widths, formats)
    band = frame["band"].to_numpy(dtype=object)
    overdue_fill = PatternFill("solid", fgColor=_OVERDUE_FILL)
    soon_fill = PatternFill("solid", fgColor=_SOON_FILL)
    overdue_font = Font(bold=True, color=_OVERDUE_FONT)
    for i in np.flatnonzero(band == "overdue"):
        row = _HEADER_ROW + 1 + int(i)
        for j in range(1, len(headings) + 1):
            ws.cell(row=row, column=j).fill = overdue_fill
        ws.cell(row=row, column=1).font = overdue_font
    for i in np.flatnonzero(band == "due_7"):
        ws.cell(row=_HEADER_ROW + 1 + int(i), column=1).fill = soon_fill


def _summary_sheet(ws: Any, due: DueLists, team: str) -> None:
    _prepare(
        ws,
        f"Due lists, team {team}, as at {due.as_at.isoformat()}: cases overdue, due within "
        f"7 days and within {due.within} days, per measure. 'Not met now': cases the "
        "indicator counts as not met as at this day.",
    )
    summary = due.summary
    rows = summary.loc[
        (summary["team"].to_numpy(dtype=object) == team)
        | (summary["status"].to_numpy(dtype=object) != "ok")
    ]
    headings = [
        "Measure",
        "Indicator",
        "Overdue",
        f"Due within {min(7, due.within)} days",
        band_label("due_within", due.within).capitalize(),
        "Listed",
        "Not met now",
        "Status",
    ]
    by_id = rows.set_index("due_list", drop=False)
    columns: list[list[Any]] = [[] for _ in headings]
    for due_id, due_list in due.due_lists.items():
        if due_id in by_id.index:
            row = by_id.loc[due_id]
            if isinstance(row, pd.DataFrame):
                row = row.iloc[0]
            ok = row["status"] == "ok"
            values = [
                due_list.title,
                due_list.indicator,
                *(
                    int(row[c]) if ok else None
                    for c in ("overdue", "due_7", "due_within", "listed", "not_met")
                ),
                "ok" if ok else f"not available: {row['reason']}",
            ]
        else:
            values = [due_list.title, due_list.indicator, 0, 0, 0, 0, 0, "ok"]
        for column, value in zip(columns, values, strict=True):
            column.append(_text(value))
    widths = [_width(h, v) for h, v in zip(headings, columns, strict=True)]
    _table(ws, headings, columns, widths)


def write_due_workbook(due: DueLists, path: str | Path, team: str) -> None:
    """One team's workbook: a summary sheet, then a sheet per due list, overdue rows marked."""
    from openpyxl import Workbook

    mine = due.for_team(team) if team != ALL_TEAMS else due
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    _summary_sheet(summary, mine, team)
    taken = {"summary"}
    for due_list in mine.due_lists.values():
        ws = workbook.create_sheet(_sheet_title(due_list.title, taken))
        _measure_sheet(ws, mine, due_list, team)
    workbook.save(path)


def write_due_files(due: DueLists, folder: str | Path) -> list[Path]:
    """Write ``due-lists.csv`` and one workbook per team into ``folder`` (created if needed).

    Returns the paths written, the CSV first. Every file's first row is the personal-data
    marking (:data:`PERSONAL_DATA_MARKING`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / CSV_NAME]
    write_due_csv(due, written[0])
    taken: list[str] = []
    for team in due.teams:
        name = safe_file_name(team, taken)
        taken.append(name)
        write_due_workbook(due, folder / name, team)
        written.append(folder / name)
    return written
