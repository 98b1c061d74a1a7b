"""Assemble a :class:`~.model.Report` from a dataset: one calculation, every output's figures."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd

from ..calendar import Period, add_months, window_start
from ..calendar import periods as make_periods
from ..engine import Results, UsageError, calculate, target_status
from ..indicator import SECTION_NAMES, Kind, Target
from ..model import Dataset
from ..model.quality import holes
from ..registry import Registry
from .commentary import CommentaryFile, draft_commentary
from .formatting import is_missing, period_name
from .key_messages import KEY_MESSAGES, KeyMessages, draft_key_messages, service_key_messages
from .model import (
    QUALITY_SUMMARY_COLUMNS,
    SECTION_SERIES_COLUMNS,
    SUMMARY_COLUMNS,
    TEAM_COLUMNS,
    Report,
    Section,
)
from .settings import ReportSettings
from .suppress import suppress_frame, suppress_results

__all__ = ["EVERY", "build_report", "quality_summary"]

#: The reporting rhythms: a monthly report, or the quarterly one a committee receives.
EVERY = ("month", "quarter")

_SERIES_VALUES = tuple(
    c
    for c in SECTION_SERIES_COLUMNS
    if c
    not in (
        "period",
        "period_start",
        "period_end",
        "in_period",
        "ytd",
        "rolling12",
        "direction_note",
    )
)


def _month(text: Any, *, end: bool) -> dt.date:
    """``YYYY-MM`` (or a date) as the month's first or last day."""
    if isinstance(text, dt.date):
        day = text
    else:
        raw = str(text).strip()
        try:
            day = dt.date.fromisoformat(raw + "-01" if len(raw) == 7 else raw)
        except ValueError:
            raise UsageError(f"{raw!r} is not a month (write YYYY-MM)") from None
        if len(raw) != 7:
            return day
    if not end:
        return day.replace(day=1)
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _council(la: str | None) -> tuple[str, str | None]:
    """The council's display name and DfE code (both the given text when unknown)."""
    if la is None:
        return "", None
    try:
        from ..benchmarks.authorities import resolve_la

        found = resolve_la(la)
    except (LookupError, ValueError):
        return la, la
    return str(found.name), la


def build_report(
    dataset: Dataset,
    *,
    start: Any,
    end: Any,
    every: str = "month",
    la: str | None = None,
    indicators: list[str] | None = None,
    targets: Mapping[str, Any] | None = None,
    council_targets: Mapping[str, Any] | None = None,
    commentary: CommentaryFile | None = None,
    settings: ReportSettings | None = None,
    registry: Registry | None = None,
    suppress_below: int | None = None,
    neighbours: str = "mean",
    benchmark_years: str = "published",
    allow_broken_plugins: bool = False,
    title: str | None = None,
    progress: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Compute every indicator for a report and lay the figures out per indicator.

    Parameters
    ----------
    dataset
        The council's validated dataset.
    start, end
        The first and last month reported (``YYYY-MM``, or dates: the months they fall in).
    every
        ``"month"`` (the monthly report) or ``"quarter"`` (financial quarters, for committee).
    la
        The council's DfE code or name: benchmarks and the title. In a dataset pooling several
        councils it also chooses which council the report is about.
    indicators
        Ids to report; default every registered indicator.
    targets, council_targets
        As for :func:`~safeguarding_metrics.calculate` (``council_targets``: the targets file).
    commentary
        The council's commentary file (:func:`~.commentary.load_commentary`); indicators it
        has no entry for get a drafted commentary.
    settings
        The council's report settings (:func:`~.settings.load_settings`): headline windows
        per indicator id, checked against the registry.
    suppress_below
        Hide counts from 1 to this minus one (see :mod:`~.suppress`); None shows every figure.
    neighbours, benchmark_years
        The neighbours' ``"mean"`` or ``"median"``; which year's benchmarks each period is set
        against: ``"published"`` (default), the latest DfE had published by the period's end,
        as a report written at the time quotes them; ``"same"``, the collection year the
        period falls in (see :func:`~safeguarding_metrics.engine.benchmark_year`).
    allow_broken_plugins
        Go on when a plugin failed to load (its indicators then missing, said in warnings).
    progress
        Called with a short message as each indicator is computed.

    Returns
    -------
    Report
        Flow measures are shown over the rolling 12 months (with the period's own and the
        year-to-date values beside them), snapshot measures as at each period's end.
    """
    if every not in EVERY:
        raise UsageError(f"--every is month or quarter for a report, not {every!r}")
    first, last = _month(start, end=False), _month(end, end=True)
    if last < first:
        raise UsageError(f"the report ends ({last}) before it starts ({first})")
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    council, code = _council(la)
    notes: list[str] = []
    if every == "quarter":
        first, moved = _first_full_quarter(first, last)
        if moved is not None:
            notes.append(moved)
    shown_periods = make_periods(first, last, every)
    ago = _year_ago(shown_periods[-1])
    extra = () if ago.start >= first else (ago,)
    results = calculate(
        dataset,
        periods=(*extra, *shown_periods),
        indicators=indicators,
        windows=("period", "ytd", "rolling12"),
        headlines=settings.headline if settings is not None else None,
        targets=targets,
        council_targets=council_targets,
        la=code,
        neighbours=neighbours,
        benchmark_years=benchmark_years,
        registry=registry,
        allow_broken_plugins=allow_broken_plugins,
        progress=progress,
    )
    timings["calculate"] = time.perf_counter() - clock
    clock = time.perf_counter()
    in_force = _target_sources(registry, targets, council_targets)
    year_ago_rows = results.frame.loc[
        (results.frame["period_end"] == ago.end) & results.frame["headline"]
    ]
    results = _shown(results, first, bool(extra))
    frame = results.frame
    if dataset.las:
        if code is None:
            shown = ", ".join(map(str, dataset.las[:5])) + (" ..." if len(dataset.las) > 5 else "")
            raise UsageError(f"this dataset holds several councils ({shown}); choose one with --la")
        frame = frame.loc[frame["la"].astype(str) == str(code)]
        if frame.empty:
            raise UsageError(f"the dataset holds no records of council {code!r}")
    sections = []
    summary_rows = []
    ordered = sorted(results.indicators.items(), key=lambda item: item[1].report_order)
    for indicator_id, indicator in ordered:
        rows = frame.loc[frame["indicator"] == indicator_id]
        window = _window(indicator)
        rows = suppress_results(rows, indicator.unit, suppress_below)
        series = _series(rows, window, _three_windows(indicator), every)
        status = str(rows["status"].iloc[0]) if not rows.empty else "not_computable"
        reason = rows["reason"].iloc[0] if not rows.empty else "no results"
        reason = None if is_missing(reason) else str(reason)
        teams = _teams(results.breakdown, indicator_id, window, series, indicator, suppress_below)
        latest = series.iloc[-1].to_dict() if not series.empty else {}
        teams = _team_status(teams, indicator, _target_at(indicator, in_force, latest))
        found = None
        if commentary is not None and latest:
            found = commentary.find(
                indicator_id,
                str(latest["period"]),
                pd.Timestamp(latest["period_end"]).date(),
                pd.Timestamp(latest["period_start"]).date(),
            )
        label = _window_label(
            indicator,
            window,
            last if series.empty else latest["period_end"],
            None if series.empty else latest["period_start"],
        )
        if found is None:
            found = draft_commentary(
                indicator,
                series.to_dict(orient="records"),
                window_label=label,
                every=every,
                status=status,
                reason=reason,
            )
        sections.append(
            Section(
                indicator=indicator,
                window=window,
                series=series,
                teams=teams,
                commentary=found,
                status=status,
                reason=reason,
                window_label=label,
            )
        )
        row = _summary_row(indicator, window, label, latest, status, reason)
        row["worse_run"] = worse_run(series, indicator)
        judged = teams.loc[teams["target_status"].notna()]
        if len(judged):
            row["teams"] = len(judged)
            row["teams_outside"] = int((judged["target_status"] != "green").sum())
        row["section"] = SECTION_NAMES[indicator.placed_section]
        row.update(
            _year_ago_figures(indicator, dataset, ago, latest, year_ago_rows, code, suppress_below)
        )
        summary_rows.append(row)
    summary = pd.DataFrame(summary_rows, columns=list(SUMMARY_COLUMNS))
    for column in ("teams", "teams_outside", "worse_run"):
        summary[column] = pd.to_numeric(summary[column]).astype("Int64")
    warnings = [*notes, *results.warnings]
    if commentary is not None:
        unknown = sorted(commentary.indicators - set(results.indicators) - {KEY_MESSAGES})
        if unknown:
            warnings.append(
                f"the commentary file has entries for indicators not in this report: "
                f"{', '.join(unknown)}"
            )
    timings["assemble"] = time.perf_counter() - clock
    made = now or dt.datetime.now().replace(microsecond=0)
    latest_name = period_name(*_last_period(frame, first, last))
    heading = title or f"Safeguarding children and families performance report, {latest_name}"
    return Report(
        title=heading,
        council=council or "Council",
        la=code,
        start=first,
        end=last,
        every=every,
        generated=made,
        summary=summary,
        sections=tuple(sections),
        results=results,
        suppress_below=suppress_below,
        neighbours=neighbours,
        benchmark_years=benchmark_years,
        warnings=tuple(warnings),
        timings=timings,
        quality=quality_summary(dataset.quality),
        key_messages=_key_messages(summary, commentary, sections, every),
        committee=settings.committee if settings is not None else None,
    )


def _key_messages(
    summary: pd.DataFrame,
    commentary: CommentaryFile | None,
    sections: list[Section],
    every: str,
) -> KeyMessages:
    """The first page: drafted from the summary, replaced by the service's own key messages
    when the commentary file has an entry for :data:`~.key_messages.KEY_MESSAGES` for the
    latest period."""
    drafts = draft_key_messages(summary, every=every)
    latest = next((s.latest for s in sections if s.latest), None)
    if commentary is None or latest is None:
        return drafts
    found = commentary.find(
        KEY_MESSAGES,
        str(latest["period"]),
        pd.Timestamp(latest["period_end"]).date(),
        pd.Timestamp(latest["period_start"]).date(),
    )
    if found is None or not found.text.strip():
        return drafts
    return service_key_messages(drafts, found.text, found.source)


def worse_run(series: pd.DataFrame, indicator: Any) -> int | None:
    """How many periods running, up to the latest, the headline worsened on the one before
    (0 when the latest did not); None for a measure with no better direction."""
    if str(indicator.polarity) == "neutral":
        return None
    worse = (series["direction"].astype(object) == "worsening").to_numpy()[::-1]
    if not len(worse) or not worse[0]:
        return 0
    return int(len(worse) if worse.all() else worse.argmin())


def _first_full_quarter(first: dt.date, last: dt.date) -> tuple[dt.date, str | None]:
    """A quarterly range's start moved to the first full financial quarter, with the words
    saying so (None when it already starts a quarter or no full quarter would be left)."""
    if first.month in (1, 4, 7, 10):
        return first, None
    month = first.month + (3 - (first.month - 1) % 3)
    begin = dt.date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
    if begin > last:
        return first, None
    return begin, (
        f"the range starts in {first:%B %Y}, part-way through a quarter: the report begins at "
        f"the first full quarter, "
        f"{period_name(begin, _month(begin.replace(month=begin.month + 2), end=True))}"
    )


def _year_ago(period: Period) -> Period:
    """The same period a year earlier (29 February falls back to the 28th)."""
    start = add_months(np.datetime64(period.start, "D"), -12)
    end = add_months(np.datetime64(period.end + dt.timedelta(days=1), "D"), -12)
    return Period(
        start=pd.Timestamp(start).date(), end=pd.Timestamp(end).date() - dt.timedelta(days=1)
    )


def _shown(results: Results, first: dt.date, extra: bool) -> Results:
    """The results of the report's own periods: the year-ago period computed for the summary
    left out, and the first period's previous value and direction blank as without it."""
    if not extra:
        return results
    frame = results.frame
    ends = pd.to_datetime(frame["period_end"]).dt.date
    frame = frame.loc[ends >= first].copy()
    starts = pd.to_datetime(frame["period_start"]).dt.date
    opening = (starts == first).to_numpy()
    frame.loc[opening, "previous_value"] = np.nan
    frame.loc[opening, "direction"] = None
    breakdown = results.breakdown
    if not breakdown.empty:
        breakdown = breakdown.loc[pd.to_datetime(breakdown["period_end"]).dt.date >= first]
    return attrs.evolve(
        results, frame=frame.reset_index(drop=True), breakdown=breakdown.reset_index(drop=True)
    )


def _reaches_back(indicator: Any, dataset: Dataset, day: dt.date) -> bool:
    """Whether the records the indicator reads go back to ``day``'s month (the earliest dated
    one of any table it reads falls in that month or before: extracts run by month, and the
    first record need not fall on the window's first day)."""
    from ..quality_flags import record_days

    earliest = [
        days[~np.isnat(days)].min()
        for table in indicator.tables
        if dataset.has(table)
        for days in [record_days(dataset, table)]
        if (~np.isnat(days)).any()
    ]
    month_end = _month(day, end=True)
    return bool(earliest) and min(earliest) <= np.datetime64(month_end, "D")


def _year_ago_figures(
    indicator: Any,
    dataset: Dataset,
    ago: Period,
    latest: Mapping[str, Any],
    rows: pd.DataFrame,
    code: str | None,
    suppress_below: int | None = None,
) -> dict[str, Any]:
    """``year_ago`` (the headline window for the same period a year earlier), the change on it
    and ``year_ago_note`` (why it is empty)."""
    out: dict[str, Any] = {"year_ago": None, "year_ago_change": None, "year_ago_note": None}
    if not latest:
        return out
    mine = rows.loc[rows["indicator"] == indicator.id]
    if dataset.las and code is not None:
        mine = mine.loc[mine["la"].astype(str) == str(code)]
    mine = suppress_results(mine, indicator.unit, suppress_below)
    months = _own_window_months(indicator)
    if indicator.kind != Kind.FLOW:
        begin = ago.end
    elif months is not None:
        begin = pd.Timestamp(add_months(np.datetime64(ago.end, "D"), -months)).date()
    elif indicator.headline == "period":
        begin = ago.start
    else:
        begin = window_start(ago.end, indicator.headline)
    when = period_name(ago.start, ago.end)
    if mine.empty or str(mine["status"].iloc[0]) != "ok":
        out["year_ago_note"] = f"no figure for {when}: not computable"
    elif not _reaches_back(indicator, dataset, begin):
        out["year_ago_note"] = (
            f"no figure for {when}: the records do not reach back to {begin:%B %Y}"
        )
    elif bool(mine["suppressed"].iloc[0]):
        out["year_ago_note"] = f"{when}: suppressed (small numbers)"
    elif is_missing(mine["value"].iloc[0]):
        out["year_ago_note"] = f"no figure for {when}: nothing to count"
    else:
        value = float(mine["value"].iloc[0])
        out["year_ago"] = value
        if not is_missing(latest.get("value")):
            out["year_ago_change"] = float(latest["value"]) - value
    return out


#: How many row numbers :func:`quality_summary` lists per kind of finding.
FIRST_ROWS = 5


def quality_summary(quality: pd.DataFrame) -> pd.DataFrame:
    """The data-quality table by place and kind of finding (:data:`QUALITY_SUMMARY_COLUMNS`).

    Reasons are generalised (quoted values become ``'…'`` and numbers ``#``) so that findings
    of one kind are counted together and no value from a record is shown; the first
    :data:`FIRST_ROWS` row numbers of each kind let an analyst find them in the file. Holes
    (the findings counted on the figures) come first, then the most numerous.
    """
    if quality is None or not len(quality):
        return pd.DataFrame(columns=list(QUALITY_SUMMARY_COLUMNS))
    frame = pd.DataFrame(
        {
            "table": quality["table"].astype(str),
            "file": quality["file"].astype(str),
            "column": quality["column"].astype(object).where(quality["column"].notna(), ""),
            "severity": quality["severity"].astype(str),
            "action": quality["action"].astype(str),
            "reason": quality["reason"]
            .astype(str)
            .str.replace(r"'[^']*'", "'…'", regex=True)
            .str.replace(r"\d+", "#", regex=True),
            "row": quality["row"],
            "on_figures": holes(quality),
        }
    )
    keys = ["table", "file", "column", "severity", "action", "reason", "on_figures"]
    grouped = frame.groupby(keys, sort=False, dropna=False)
    out = grouped.size().rename("findings").reset_index()
    first_rows = grouped["row"].agg(
        lambda rows: (
            ", ".join(str(int(r)) for r in rows.dropna().head(FIRST_ROWS))
            + (", …" if rows.notna().sum() > FIRST_ROWS else "")
        )
    )
    out = out.merge(first_rows.rename("rows").reset_index(), on=keys, how="left")
    out = out.sort_values(
        ["on_figures", "findings", "table", "column"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return out.loc[:, list(QUALITY_SUMMARY_COLUMNS)].reset_index(drop=True)


def _own_window_months(indicator: Any) -> int | None:
    """The months of a window the indicator sets itself (``window_months``), if any."""
    for parameter in indicator.parameters:
        if parameter.name == "window_months":
            return int(parameter.default)
    return None


def _window(indicator: Any) -> str:
    """The window a report leads with: the indicator's headline (a council's settings applied)."""
    return str(indicator.headline)


def _window_label(indicator: Any, window: str, end: Any, start: Any = None) -> str:
    """What the headline value covers, in words, from the window actually computed:
    "month of December 2015", "year to date (April to December 2015)", "12 months to
    December 2015", "36 months to December 2015" (a window of its own), "as at 31 December
    2015" (a snapshot)."""
    day = pd.Timestamp(end).date()
    months = _own_window_months(indicator)
    if months is not None:
        return f"{months} months to {day:%B %Y}"
    if indicator.kind != Kind.FLOW:
        return f"as at {day.day} {day:%B %Y}"
    if window == "rolling12":
        return f"12 months to {day:%B %Y}"
    if window == "ytd":
        first = window_start(day, "ytd")
        return f"year to date ({first:%B} to {day:%B %Y})"
    begin = day.replace(day=1) if start is None else pd.Timestamp(start).date()
    if (begin.year, begin.month) == (day.year, day.month):
        return f"month of {day:%B %Y}"
    return f"quarter {begin:%B} to {day:%B %Y}"


#: Why a year-to-date headline has no direction in the year's first period.
YTD_FIRST_NOTE = "not given: the year to date starts again in April, the year's first {every}"


def _last_period(frame: pd.DataFrame, first: dt.date, last: dt.date) -> tuple[Any, Any]:
    if frame.empty:
        return first, last
    ends = pd.to_datetime(frame["period_end"])
    latest = frame.loc[ends == ends.max()].iloc[0]
    return latest["period_start"], latest["period_end"]


def _three_windows(indicator: Any) -> bool:
    """Whether the month, year-to-date and rolling-12 figures differ (a flow without a window of
    its own); a snapshot or the adoption scorecard reads the same in each."""
    return indicator.kind == Kind.FLOW and _own_window_months(indicator) is None


def _series(
    rows: pd.DataFrame, window: str, three: bool = True, every: str = "month"
) -> pd.DataFrame:
    """One row per period: the headline window's figures and the three windows' values.

    A year-to-date headline in the year's first period has no direction: the figure before it
    is the whole of the previous year (``direction_note`` says so).
    """
    if rows.empty:
        return pd.DataFrame(columns=list(SECTION_SERIES_COLUMNS))
    periods = (
        rows.loc[rows["window"] == "period", ["period", "period_start", "period_end"]]
        .drop_duplicates("period_end")
        .sort_values("period_end", kind="stable")
        .reset_index(drop=True)
    )
    head = rows.loc[rows["window"] == window, ["period_end", *_SERIES_VALUES]]
    out = periods.merge(head, on="period_end", how="left")
    for name, source in (("in_period", "period"), ("ytd", "ytd"), ("rolling12", "rolling12")):
        if not three:
            out[name] = np.nan
            continue
        values = rows.loc[rows["window"] == source, ["period_end", "value"]].rename(
            columns={"value": name}
        )
        out = out.merge(values, on="period_end", how="left")
    out["direction_note"] = None
    if window == "ytd" and three and len(out):
        starts = pd.to_datetime(out["period_start"])
        first = ((starts.dt.month == 4) & (starts.dt.day == 1)).to_numpy()
        out["direction"] = out["direction"].astype(object).where(~first, None)
        out["previous_value"] = out["previous_value"].where(~first, np.nan)
        notes = np.full(len(out), None, dtype=object)
        notes[first] = YTD_FIRST_NOTE.format(every=every)
        out["direction_note"] = notes
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    return out.loc[:, list(SECTION_SERIES_COLUMNS)]


def _target_sources(
    registry: Registry | None, targets: Mapping[str, Any] | None, council: Mapping[str, Any] | None
) -> Callable[[Any], list[Target]]:
    """Per indicator, its targets most authoritative first (as ``calculate`` resolves them)."""
    from ..engine import _resolve_targets
    from ..registry import default_registry

    chosen = default_registry() if registry is None else registry
    return lambda indicator: _resolve_targets(indicator, chosen, targets or {}, council or {})


def _target_at(
    indicator: Any, in_force: Callable[[Any], list[Target]], latest: Mapping[str, Any]
) -> Target | None:
    """The target in force at the latest period's end, None without one or a period."""
    if not latest:
        return None
    day = np.datetime64(pd.Timestamp(latest["period_end"]).date(), "D")
    return next((t for t in in_force(indicator) if t.applies_on(day)), None)


def _team_status(teams: pd.DataFrame, indicator: Any, target: Target | None) -> pd.DataFrame:
    """Each team's figure judged against the council's target (a suppressed one is not)."""
    out = teams.copy()
    if target is None or out.empty:
        out["target_status"] = None
        return out.loc[:, list(TEAM_COLUMNS)]
    status = [
        None
        if bool(hidden)
        else target_status(value, target, indicator.unit, str(indicator.polarity))
        for value, hidden in zip(out["value"], out["suppressed"], strict=True)
    ]
    out["target_status"] = status
    return out.loc[:, list(TEAM_COLUMNS)]


def _teams(
    breakdown: pd.DataFrame,
    indicator_id: str,
    window: str,
    series: pd.DataFrame,
    indicator: Any,
    suppress_below: int | None,
) -> pd.DataFrame:
    """The breakdown by team for the headline window at the latest period."""
    if breakdown.empty or series.empty:
        return pd.DataFrame(columns=list(TEAM_COLUMNS))
    latest = series.iloc[-1]
    end = pd.Timestamp(latest["period_end"]).date()
    if indicator.kind != Kind.FLOW:
        begin = end
    elif window == "period":
        begin = pd.Timestamp(latest["period_start"]).date()
    else:
        begin = window_start(end, window)
    part = breakdown.loc[
        (breakdown["indicator"] == indicator_id)
        & (breakdown["level"] == "team")
        & (pd.to_datetime(breakdown["period_end"]).dt.date == end)
        & (pd.to_datetime(breakdown["period_start"]).dt.date == begin)
    ]
    if part.empty:
        return pd.DataFrame(columns=list(TEAM_COLUMNS))
    part = part.rename(columns={"group": "team"}).sort_values("team", kind="stable")
    part = suppress_frame(part, indicator.unit, suppress_below)
    part["target_status"] = None
    return part.loc[:, list(TEAM_COLUMNS)].reset_index(drop=True)


def _summary_row(
    indicator: Any,
    window: str,
    label: str,
    latest: Mapping[str, Any],
    status: str,
    reason: str | None,
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SUMMARY_COLUMNS)
    row.update(
        indicator=indicator.id,
        title=indicator.title,
        kind=str(indicator.kind),
        unit=str(indicator.unit),
        polarity=str(indicator.polarity),
        window=window,
        window_label=label,
        status=status,
        reason=reason,
        quality_findings=0,
        quality_note="",
        suppressed=False,
    )
    for column in SUMMARY_COLUMNS:
        if column in latest and column not in ("indicator", "window", "window_label"):
            row[column] = latest[column]
    return row
