"""Write a report's files side by side: HTML, Excel, CSV and (when asked) drill-down lists."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import attrs
import pandas as pd

from ..export import write_csv
from .excel import write_drilldowns, write_workbook
from .key_messages import KEY_MESSAGES, key_messages_bullets
from .model import Report

__all__ = ["FILES", "Written", "write_report"]

#: The files of a report folder.
FILES = {
    "html": "report.html",
    "excel": "report.xlsx",
    "csv": "results.csv",
    "summary": "summary.csv",
    "commentary": "commentary-draft.csv",
    "drilldown": "drilldown",
}


@attrs.frozen(kw_only=True)
class Written:
    """What :func:`write_report` wrote: the paths, and the seconds each writer took."""

    html: Path | None
    excel: Path | None
    csv: Path
    summary: Path
    commentary: Path
    drilldowns: tuple[Path, ...] = ()
    timings: dict[str, float] = attrs.field(factory=dict)


def _results_frame(report: Report) -> pd.DataFrame:
    """Every figure behind the report (all windows), for this council, suppressed as shown."""
    frame = report.results.frame
    if report.la is not None and frame["la"].notna().any():
        frame = frame.loc[frame["la"].astype(str) == str(report.la)]
    if report.suppress_below is None:
        return frame.reset_index(drop=True)
    from .suppress import suppress_results

    parts = [
        suppress_results(part, report.results.indicators[indicator].unit, report.suppress_below)
        for indicator, part in frame.groupby("indicator", sort=False)
    ]
    return pd.concat(parts, ignore_index=True)


def _commentary_frame(report: Report) -> pd.DataFrame:
    """A commentary file for the latest period: the council's words where given, else drafts;
    the key messages first (indicator ``key_messages``, one ``•`` line each)."""
    rows = []
    latest = next((s.series.iloc[-1] for s in report.sections if not s.series.empty), None)
    bullets = key_messages_bullets(report.key_messages)
    if latest is not None and bullets:
        rows.append(
            {
                "indicator": KEY_MESSAGES,
                "period": str(latest["period"]),
                "commentary": bullets,
                "author": "",
            }
        )
    for section in report.sections:
        if section.series.empty:
            continue
        latest = section.series.iloc[-1]
        rows.append(
            {
                "indicator": section.id,
                "period": str(latest["period"]),
                "commentary": section.commentary.text,
                "author": "",
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "period", "commentary", "author"])


def write_report(
    report: Report,
    folder: str | Path,
    *,
    html: bool = True,
    excel: bool = True,
    drilldown: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Written:
    """Write the report into ``folder`` (created if needed).

    Files: ``report.html`` (self-contained), ``report.xlsx`` (summary and a sheet per
    indicator, no child-level data), ``results.csv`` (every figure behind the report: each
    period and window), ``summary.csv`` and ``commentary-draft.csv`` (a commentary file of
    the latest period to edit and pass back); with ``drilldown``, ``drilldown/<team>.xlsx``,
    the child-level lists per team, marked as personal data (refused with suppression on).
    """
    if drilldown and report.suppress_below is not None:
        raise ValueError(
            "drill-down lists name children: they are not written with small-number "
            "suppression on (a suppressed report is for publishing)"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def stage(name: str, message: str) -> float:
        if progress:
            progress(message)
        return time.perf_counter()

    html_path = excel_path = None
    if html:
        from .html import write_html

        clock = stage("html", "writing the HTML report")
        html_path = write_html(report, folder / FILES["html"])
        timings["html"] = time.perf_counter() - clock
    if excel:
        clock = stage("excel", "writing the Excel workbook")
        excel_path = write_workbook(report, folder / FILES["excel"])
        timings["excel"] = time.perf_counter() - clock
    clock = stage("csv", "writing the results as CSV")
    csv_path = folder / FILES["csv"]
    write_csv(_results_frame(report), csv_path)
    summary_path = folder / FILES["summary"]
    write_csv(report.summary, summary_path)
    commentary_path = folder / FILES["commentary"]
    write_csv(_commentary_frame(report), commentary_path)
    timings["csv"] = time.perf_counter() - clock
    drilldowns: list[Path] = []
    if drilldown:
        clock = stage("drilldown", "writing the drill-down lists per team")
        drilldowns = write_drilldowns(report, folder / FILES["drilldown"])
        timings["drilldown"] = time.perf_counter() - clock
    return Written(
        html=html_path,
        excel=excel_path,
        csv=csv_path,
        summary=summary_path,
        commentary=commentary_path,
        drilldowns=tuple(drilldowns),
        timings=timings,
    )
