"""The report as an Excel workbook, and the child-level drill-down workbooks per team.

The report workbook holds no child-level data: a *Summary* sheet (one row per indicator, as
the HTML summary) and one sheet per indicator (its definition, commentary, monthly series and
breakdown by team). It may be published when small-number suppression is on.

The drill-down workbooks, written only when asked for, are the lists team managers work from:
one workbook per team, a sheet per indicator that has a drill-down, each row a record counted in
the latest period (records not met first), its first row marking it as personal data.

Every text cell is stored as text (:func:`~safeguarding_metrics.export.set_cell`): no value
from the data is ever read as a formula. Numbers stay numbers, with a display format per unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..export import PERSONAL_DATA_MARKING, set_cell
from ..indicator import SECTION_NAMES, Unit
from .formatting import DIRECTION_WORDS, STATUS_WORDS, is_missing, period_name
from .model import Report, Section

__all__ = [
    "PERSONAL_DATA_MARKING",
    "safe_file_name",
    "sheet_name",
    "write_drilldowns",
    "write_workbook",
]


_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_WRAP = Alignment(wrap_text=True, vertical="top")
# Colour-blind-safe status fills (blue / orange / vermilion family, light tints), always with
# the status in words beside them.
_STATUS_FILL = {
    "green": PatternFill("solid", fgColor="CCE5F5"),
    "amber": PatternFill("solid", fgColor="FCE8C4"),
    "red": PatternFill("solid", fgColor="F6CFC0"),
}
#: Display formats: rounding is by format only, the stored value stays unrounded; a per cent
#: figure is stored as a fraction (0.986) with Excel's percent format, so arithmetic and
#: charts in Excel read it right.
_FORMATS = {
    Unit.PERCENT: "0.0%",
    Unit.DAYS: "#,##0",
    Unit.CASES: "0.0",
    Unit.COUNT: "#,##0",
}

#: Signed formats for a change (a year on): percentage points for per cent measures.
_CHANGE_FORMATS = {
    Unit.PERCENT: '+0.0" pp";-0.0" pp";0.0" pp"',
    Unit.DAYS: "+#,##0;-#,##0;0",
    Unit.CASES: "+0.0;-0.0;0.0",
    Unit.COUNT: "+#,##0;-#,##0;0",
}


def safe_file_name(name: str, *, limit: int = 60) -> str:
    """A file or sheet name from free text: letters, digits, spaces, ``-`` and ``_`` only."""
    cleaned = re.sub(r"[^A-Za-z0-9 _-]+", "-", name).strip(" -_.")
    return (cleaned or "unnamed")[:limit]


#: Characters Excel refuses in a sheet name.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]+")


def _cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut after a whole word where it can be."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut[limit // 3 :] and text[limit] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" -,('") or text[:limit]


def sheet_name(title: str, used: set[str]) -> str:
    """A readable sheet name from a title: at most 31 characters, none of ``[]:*?/\\``, no
    leading or trailing apostrophe, cut after a whole word where it can be, unique
    (case-insensitive) among ``used`` (a number added: "… (2)"), which it joins."""
    cleaned = " ".join(_SHEET_FORBIDDEN.sub(" ", title).split()).strip("' ") or "Sheet"
    name, k = _cut(cleaned, 31), 2
    while name.lower() in used:
        suffix = f" ({k})"
        name, k = _cut(cleaned, 31 - len(suffix)) + suffix, k + 1
    used.add(name.lower())
    return name


def _sheet_names(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Unique readable sheet names (at most 31 characters) for ``(indicator id, title)``s."""
    used: set[str] = {"summary", QUALITY_SHEET.lower()}
    return {indicator_id: sheet_name(title, used) for indicator_id, title in items}


def _print_setup(ws: Worksheet, header_row: int, columns: int, last_row: int) -> None:
    """Freeze the rows above and the header, filter on the header, repeat it on every page."""
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = (
        f"A{header_row}:{get_column_letter(max(1, columns))}{max(last_row, header_row)}"
    )
    ws.print_title_rows = f"{header_row}:{header_row}"


def _row(ws: Worksheet, row: int, values: Sequence[Any], *, bold: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=column)
        set_cell(cell, value)
        if bold:
            cell.font = _BOLD
            cell.fill = _HEADER_FILL


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width


def _number(value: Any) -> Any:
    return None if is_missing(value) else float(value)


def _quartiles(record: Mapping[str, Any]) -> str | None:
    """The quartile cell: the published quartile with its year, this figure's rank when there
    is one, or why a comparator that is not like for like has none (issue 18)."""
    from ..benchmarks.results import quartile_label

    if record.get("like_for_like") is False:
        return f"not like for like: {record.get('benchmark_note') or 'another definition'}"
    year = None if is_missing(record.get("benchmark_year")) else record.get("benchmark_year")
    labels = [
        quartile_label(None if is_missing(q) else q, year, figure)
        for q, figure in ((record.get("quartile"), False), (record.get("figure_quartile"), True))
    ]
    return "; ".join(label for label in labels if label) or None


def _figure(value: Any, unit: Unit) -> Any:
    """A value as stored in the workbook: a per cent figure as a fraction (98.6% -> 0.986)."""
    number = _number(value)
    return number / 100.0 if number is not None and unit == Unit.PERCENT else number


def _findings(value: Any) -> int:
    return 0 if is_missing(value) else int(float(value))


def _status(value: Any) -> str | None:
    return None if is_missing(value) else STATUS_WORDS.get(str(value), str(value))


def _direction(value: Any) -> str | None:
    return None if is_missing(value) else DIRECTION_WORDS.get(str(value), str(value))


def _header_block(ws: Worksheet, report: Report, heading: str) -> int:
    """Title lines at the top of a sheet; returns the next free row."""
    set_cell(ws.cell(row=1, column=1), heading)
    ws.cell(row=1, column=1).font = _TITLE
    lines = [
        f"{report.council}. {report.title}.",
        f"Generated {report.generated:%d %B %Y %H:%M} from the case records as loaded; "
        "figures are recalculated in full each time.",
    ]
    if report.suppress_below is not None:
        lines.append(
            f"Small numbers suppressed: counts from 1 to {report.suppress_below - 1} are hidden "
            "(blank) with the values derived from them."
        )
    for k, line in enumerate(lines, start=2):
        set_cell(ws.cell(row=k, column=1), line)
    return len(lines) + 3


def _summary_sheet(ws: Worksheet, report: Report, names: dict[str, str]) -> None:
    ws.title = "Summary"
    row = _header_block(ws, report, f"Summary: {report.latest_period_name}")
    header = [
        "Indicator",
        "Id",
        "Measured over",
        "Value",
        "Previous",
        "Direction of travel",
        "Target",
        "Status",
        "England",
        "Statistical neighbours",
        "Neighbours (n)",
        "Quartile",
        "Benchmark year",
        "Numerator",
        "Denominator",
        "In the quarter" if report.every == "quarter" else "In the month",
        "Year to date",
        "Rolling 12 months",
        "A year ago",
        "Change on a year ago",
        "Note",
        "Data-quality findings",
        "Data-quality note",
        "Section",
    ]
    _row(ws, row, header, bold=True)
    for offset, record in enumerate(report.summary.to_dict(orient="records"), start=1):
        r = row + offset
        unit = Unit(record["unit"])
        note = record["reason"] if record["status"] != "ok" else None
        if record.get("suppressed") and note is None:
            note = "suppressed (small numbers)"
        year = record.get("benchmark_year")
        values = [
            record["title"],
            record["indicator"],
            record["window_label"],
            _figure(record["value"], unit),
            _figure(record["previous_value"], unit),
            _direction(record["direction"]),
            _target(record, unit),
            _status(record["target_status"]),
            _figure(record["england"], unit),
            _figure(record["neighbours"], unit),
            None if is_missing(record["neighbours_n"]) else int(record["neighbours_n"]),
            _quartiles(record),
            None if is_missing(year) else f"{int(year) - 1}-{int(year) % 100:02d}",
            _number(record["numerator"]),
            _number(record["denominator"]),
            _figure(record["in_period"], unit),
            _figure(record["ytd"], unit),
            _figure(record["rolling12"], unit),
            _figure(record.get("year_ago"), unit),
            _number(record.get("year_ago_change")),
            _notes(
                note,
                _outside(record),
                record.get("direction_note"),
                record.get("year_ago_note"),
            ),
            _findings(record.get("quality_findings")),
            None if is_missing(record.get("quality_note")) else record.get("quality_note") or None,
            None if is_missing(record.get("section")) else str(record["section"]),
        ]
        _row(ws, r, values)
        link = ws.cell(row=r, column=1)
        sheet = names.get(record["indicator"])
        if sheet is not None:
            link.hyperlink = f"#'{sheet}'!A1"
            link.font = Font(color="1F4E9E", underline="single")
        for column in (4, 5, 7, 9, 10, 16, 17, 18, 19):
            ws.cell(row=r, column=column).number_format = _FORMATS[unit]
        ws.cell(row=r, column=20).number_format = _CHANGE_FORMATS[unit]
        status = record.get("target_status")
        if not is_missing(status) and str(status) in _STATUS_FILL:
            ws.cell(row=r, column=8).fill = _STATUS_FILL[str(status)]
    _widths(
        ws,
        [*_SUMMARY_WIDTHS, 11, 40, 12, 60, 18],  # ..., the note, findings, note, section
    )
    _print_setup(ws, row, len(header), row + len(report.summary))
    ws.freeze_panes = ws.cell(row=row + 1, column=2)  # the titles stay in view too


#: The summary sheet's column widths up to the data-quality note.
_SUMMARY_WIDTHS = (52, 40, 26, 10, 10, 18, 9, 13, 10, 12, 9, 9, 10, 11, 12, 11, 11, 11, 11)


def _count_headers(indicator: Any) -> tuple[str, str]:
    """The numerator's and denominator's column headers, named by what they count
    ("Within 45 working days (numerator)", "Assessments completed (denominator)"); a mean's
    numerator is the total it averages ("Total days (numerator)")."""
    unit = Unit(indicator.unit)
    count = indicator.count_label or "counted"
    if unit.is_mean:
        top = "total days" if unit == Unit.DAYS else "total cases"
    elif unit == Unit.COUNT:
        top = count
    else:
        top = indicator.of_which_label or "met"
    return (
        f"{top[:1].upper()}{top[1:]} (numerator)",
        f"{count[:1].upper()}{count[1:]} (denominator)",
    )


def _counts(indicator: Any) -> str | None:
    """What the denominator and numerator count, in words ("assessments completed; of which
    within 45 working days")."""
    if not indicator.count_label:
        return None
    if indicator.of_which_label:
        return f"{indicator.count_label}; of which {indicator.of_which_label}"
    return str(indicator.count_label)


def _target(record: Any, unit: Unit) -> float | str | None:
    """A level as a number (a fraction for per cent); a band as its bounds in words
    ("18-22")."""
    lower, upper = record.get("target_lower"), record.get("target_upper")
    if not is_missing(lower) and not is_missing(upper):
        mark = "%" if unit == Unit.PERCENT else ""
        return f"{float(lower):g}{mark}-{float(upper):g}{mark}"
    return _figure(record.get("target"), unit)


def _outside(record: Any) -> str | None:
    teams, outside = record.get("teams"), record.get("teams_outside")
    if is_missing(teams) or is_missing(outside):
        return None
    return f"{int(float(outside))} of {int(float(teams))} teams outside the target"


def _notes(*notes: Any) -> str | None:
    """The notes of a summary row that are given, joined ("not computable: …; direction …")."""
    given = [str(n) for n in notes if not is_missing(n) and n]
    return "; ".join(given) or None


def _indicator_sheet(ws: Worksheet, report: Report, section: Section) -> None:
    indicator = section.indicator
    unit = Unit(indicator.unit)
    set_cell(ws.cell(row=1, column=1), indicator.title)
    ws.cell(row=1, column=1).font = _TITLE
    lines: list[tuple[str, Any]] = [
        ("Id", indicator.id),
        ("Section", SECTION_NAMES[indicator.placed_section]),
        ("Measured over", section.window_label),
        ("In plain words", indicator.plain or None),
        ("Definition", indicator.description),
        ("Counts", _counts(indicator)),
        ("Source", indicator.source or None),
        (
            "Polarity",
            f"{indicator.polarity} is better"
            if str(indicator.polarity) != "neutral"
            else "no better direction",
        ),
    ]
    if section.status != "ok":
        lines.append(("Not computable", section.reason))
    latest_note = section.latest.get("quality_note") if section.latest else None
    if not is_missing(latest_note) and latest_note:
        lines.append(("Data quality", f"{latest_note} (see the Data quality sheet)"))
    label = (
        "Commentary (draft, for the service to edit)"
        if section.commentary.draft
        else ("Commentary")
    )
    lines.append((label, section.commentary.text))
    if not section.commentary.draft and section.commentary.source:
        lines.append(("Commentary from", section.commentary.source))
    row = 3
    for name, value in lines:
        set_cell(ws.cell(row=row, column=1), name)
        ws.cell(row=row, column=1).font = _BOLD
        cell = ws.cell(row=row, column=2)
        set_cell(cell, value)
        cell.alignment = _WRAP
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=9)
        if isinstance(value, str) and len(value) > 90:
            ws.row_dimensions[row].height = 15 * (len(value) // 90 + 1)
        row += 1
    row += 1
    flow = not section.series.empty and bool(
        pd.to_numeric(section.series["in_period"], errors="coerce").notna().any()
    )
    header = [
        "Period",
        *_count_headers(indicator),
        "Value",
        "Direction",
        "Target",
        "Status",
        "England",
        "Statistical neighbours",
        "Data-quality findings",
    ]
    if flow:
        header += [
            "In the month" if report.every == "month" else "In the quarter",
            "Year to date",
            "Rolling 12 months",
        ]
    every = report.every
    if flow:
        shown = {
            "period": f"the {every}'s own figure",
            "ytd": "the year to date",
            "rolling12": "the rolling 12 months",
        }.get(section.window, section.window)
        measured = f"value: {shown} at each {every}'s end, the three windows beside it"
    elif section.window_label.startswith("as at"):
        measured = f"as at each {every}'s end"
    else:
        measured = f"the {section.window_label.split(' to ')[0]} to each {every}'s end"
    set_cell(ws.cell(row=row, column=1), f"By {every}: {measured}")
    ws.cell(row=row, column=1).font = _BOLD
    row += 1
    _row(ws, row, header, bold=True)
    header_row = row
    for record in section.series.to_dict(orient="records"):
        row += 1
        values = [
            period_name(record["period_start"], record["period_end"]),
            _number(record["numerator"]),
            _number(record["denominator"]),
            _figure(record["value"], unit),
            _direction(record["direction"]),
            _target(record, unit),
            _status(record["target_status"]),
            _figure(record["england"], unit),
            _figure(record["neighbours"], unit),
            _findings(record.get("quality_findings")),
        ]
        if flow:
            values += [
                _figure(record["in_period"], unit),
                _figure(record["ytd"], unit),
                _figure(record["rolling12"], unit),
            ]
        _row(ws, row, values)
        for column in (4, 6, 8, 9, 11, 12, 13):
            ws.cell(row=row, column=column).number_format = _FORMATS[unit]
        status = record.get("target_status")
        if not is_missing(status) and str(status) in _STATUS_FILL:
            ws.cell(row=row, column=7).fill = _STATUS_FILL[str(status)]
    _print_setup(ws, header_row, len(header), row)
    if not section.teams.empty:
        row += 2
        set_cell(ws.cell(row=row, column=1), f"By team, {section.window_label}")
        ws.cell(row=row, column=1).font = _BOLD
        set_cell(
            ws.cell(row=row, column=3),
            "A child allocated to two workers counts under each team: teams need not add up.",
        )
        row += 1
        _row(ws, row, ["Team", *_count_headers(indicator), "Value", "Status"], bold=True)
        for record in section.teams.to_dict(orient="records"):
            row += 1
            _row(
                ws,
                row,
                [
                    record["team"],
                    _number(record["numerator"]),
                    _number(record["denominator"]),
                    _figure(record["value"], unit),
                    _status(record.get("target_status")),
                ],
            )
            ws.cell(row=row, column=4).number_format = _FORMATS[unit]
            status = record.get("target_status")
            if not is_missing(status) and str(status) in _STATUS_FILL:
                ws.cell(row=row, column=5).fill = _STATUS_FILL[str(status)]
    _widths(ws, [30, 12, 13, 10, 14, 9, 13, 10, 12, 12, 12, 12, 12])


#: The sheet listing the data-quality findings by place and kind (only when there are any).
QUALITY_SHEET = "Data quality"


def _quality_sheet(ws: Worksheet, report: Report) -> None:
    """The findings by table, column and reason (:data:`~.model.QUALITY_SUMMARY_COLUMNS`)."""
    row = _header_block(ws, report, "Data quality: what the figures rest on")
    set_cell(
        ws.cell(row=row - 1, column=1),
        "Findings counted on the figures ('On figures' yes) are records set aside and values "
        "left out or not understood, in the tables and columns a figure reads.",
    )
    header = ["Table", "Column", "What was done", "Reason", "Findings", "First rows"]
    header += ["On figures", "File"]
    _row(ws, row, header, bold=True)
    header_row = row
    for record in report.quality.to_dict(orient="records"):
        row += 1
        _row(
            ws,
            row,
            [
                record["table"],
                record["column"] or "(whole record)",
                record["action"],
                record["reason"],
                int(record["findings"]),
                record["rows"],
                "yes" if bool(record["on_figures"]) else "no",
                record["file"],
            ],
        )
    _print_setup(ws, header_row, len(header), row)
    _widths(ws, [16, 18, 15, 70, 10, 22, 10, 50])


def write_workbook(report: Report, path: str | Path) -> Path:
    """Write the report workbook (summary and a sheet per indicator); returns its path."""
    path = Path(path)
    workbook = Workbook()
    names = _sheet_names((section.id, section.indicator.title) for section in report.sections)
    _summary_sheet(workbook.active, report, names)
    for section in report.sections:
        _indicator_sheet(workbook.create_sheet(names[section.id]), report, section)
    if report.quality is not None and len(report.quality):
        _quality_sheet(workbook.create_sheet(QUALITY_SHEET), report)
    workbook.properties.title = report.title
    workbook.properties.creator = "safeguarding-metrics"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def drilldown_frames(report: Report) -> dict[str, dict[str, pd.DataFrame]]:
    """Per team, per indicator: the latest period's drill-down rows (child ids decoded).

    Only percentage indicators (those whose records are met or not) with ``drilldown`` true
    and a computed cohort are included; rows are the latest period's (for a flow measure, the
    records of that month or quarter; for a snapshot, the cases open at its end), ordered not
    met first.
    """
    results = report.results
    if not results.dataset.has("allocations"):
        return {}
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for section in report.sections:
        indicator = section.indicator
        if (
            not indicator.drilldown
            or Unit(indicator.unit) != Unit.PERCENT
            or section.id not in results.cohorts
            or section.series.empty
        ):
            continue
        latest = section.series.iloc[-1]
        end = pd.Timestamp(latest["period_end"])
        rows = results.drilldown(section.id, with_ids=True, by_team=True)
        ends = pd.to_datetime(rows["period_end"])
        starts = pd.to_datetime(rows["period_start"])
        own_window = section.window == "period" and section.window_label[:5] != "as at"
        if indicator.kind.value == "flow" and not own_window:
            begin = pd.Timestamp(latest["period_start"])
        else:
            begin = end if indicator.kind.value != "flow" else starts.loc[ends == end].min()
        rows = rows.loc[(ends == end) & (starts == begin)]
        if "la" in rows.columns and report.la is not None and rows["la"].notna().any():
            rows = rows.loc[rows["la"].astype(str) == str(report.la)]
        if rows.empty:
            continue
        order = ["met"] if "met" in rows.columns else []
        rows = rows.sort_values([*order, "child_id"], kind="stable", na_position="first")
        rows = rows.drop(columns=[c for c in ("period", "la") if c in rows.columns])
        for team, part in rows.groupby("team", sort=True, dropna=False):
            out.setdefault(str(team), {})[section.id] = part.drop(columns=["team"]).reset_index(
                drop=True
            )
    return out


def _drilldown_period(report: Report, section: Section) -> str:
    latest = section.series.iloc[-1]
    if section.window == "rolling12":
        return period_name(latest["period_start"], latest["period_end"])
    return section.window_label


def write_drilldowns(report: Report, folder: str | Path) -> list[Path]:
    """One workbook per team of the records behind each indicator; returns the paths.

    Refused while small-number suppression is on: child-level lists are never published.
    """
    if report.suppress_below is not None:
        raise ValueError("drill-down lists name children and are not written with suppression on")
    folder = Path(folder)
    written = []
    frames = drilldown_frames(report)
    if frames:
        folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for team, by_indicator in sorted(frames.items()):
        base = safe_file_name(team)
        name, k = base, 2
        while name.lower() in {n.lower() for n in names.values()}:
            name, k = f"{base}-{k}", k + 1
        names[team] = name
        workbook = Workbook()
        sheet_names = _sheet_names((i, report.section(i).indicator.title) for i in by_indicator)
        first = True
        for indicator_id, frame in by_indicator.items():
            ws = workbook.active if first else workbook.create_sheet()
            first = False
            ws.title = sheet_names[indicator_id]
            section = report.section(indicator_id)
            set_cell(ws.cell(row=1, column=1), PERSONAL_DATA_MARKING)
            ws.cell(row=1, column=1).font = Font(bold=True, color="9C2A00")
            set_cell(ws.cell(row=2, column=1), f"{team}: {section.indicator.title}")
            ws.cell(row=2, column=1).font = _TITLE
            set_cell(
                ws.cell(row=3, column=1),
                f"Records counted in {_drilldown_period(report, section)}; those not met first. "
                f"{section.indicator.description}",
            )
            _row(ws, 5, list(frame.columns), bold=True)
            for r, values in enumerate(frame.itertuples(index=False), start=6):
                _row(ws, r, list(values))
            _print_setup(ws, 5, frame.shape[1], 5 + len(frame))
            _widths(ws, [14] * frame.shape[1])
        path = folder / f"{name}.xlsx"
        workbook.save(path)
        written.append(path)
    return written
