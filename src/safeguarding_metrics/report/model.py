"""What a performance report holds: figures, commentary and provenance, before any rendering.

:func:`~safeguarding_metrics.report.build_report` fills these frozen values from
:func:`~safeguarding_metrics.calculate`; the HTML, Excel and CSV writers only lay them out, so
every output of one run shows the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs
import pandas as pd

from ..engine import Results
from ..indicator import Indicator
from .key_messages import KeyMessages
from .settings import CommitteePack

__all__ = [
    "QUALITY_SUMMARY_COLUMNS",
    "SECTION_SERIES_COLUMNS",
    "SUMMARY_COLUMNS",
    "TEAM_COLUMNS",
    "Commentary",
    "Report",
    "Section",
]

#: One row per indicator in :attr:`Report.summary`, in the report's order: by ``section`` (its
#: name, :data:`~safeguarding_metrics.indicator.SECTIONS`, the child's journey) then the
#: indicator's ``order`` within it. ``worse_run`` is how many periods running, up to the latest,
#: the headline has worsened on the one before (0 when the latest did not; null for a measure
#: with no better direction). ``window`` is the indicator's headline
#: window (:attr:`~safeguarding_metrics.Indicator.headline`, a council's settings applied):
#: ``period`` for timeliness, count and snapshot measures and for measures with a window of
#: their own such as the adoption scorecard's 36 months, ``ytd`` for the rates DfE publishes by
#: year; ``window_label`` says it in words for the latest period ("month of December 2015",
#: "year to date (April to December 2015)", "as at 31 December 2015", "36 months to December
#: 2015"); ``value`` … ``target_status`` are of that window at the latest period, the
#: direction on the previous period's headline (``direction_note``: why none is given);
#: ``in_period``, ``ytd`` and ``rolling12`` are the flow's three windows (null for snapshots
#: and own-window measures). ``year_ago`` is the headline window for the same period a year
#: earlier, ``year_ago_change`` the latest value less it, ``year_ago_note`` why it is empty
#: (the records do not reach back, not computable). ``suppressed`` is true when small-number
#: suppression hid the figures. ``target_lower`` and ``target_upper`` are a target band's
#: bounds (``target`` is then empty); ``teams`` and ``teams_outside``: how many teams the
#: breakdown has at the latest period and how many of them miss the target (amber or red).
SUMMARY_COLUMNS = (
    "section",
    "indicator",
    "title",
    "kind",
    "unit",
    "polarity",
    "window",
    "window_label",
    "period",
    "period_end",
    "numerator",
    "denominator",
    "value",
    "previous_value",
    "direction",
    "direction_note",
    "in_period",
    "ytd",
    "rolling12",
    "year_ago",
    "year_ago_change",
    "year_ago_note",
    "worse_run",
    "target",
    "target_lower",
    "target_upper",
    "target_status",
    "england",
    "neighbours",
    "neighbours_n",
    "quartile",
    "benchmark_year",
    "benchmark",
    "like_for_like",
    "benchmark_note",
    "figure_quartile",
    "status",
    "reason",
    "quality_findings",
    "quality_note",
    "suppressed",
    "teams",
    "teams_outside",
)

#: One row per period in :attr:`Section.series`, oldest first. ``value`` and its numerator,
#: denominator, previous value, direction, target and status are of the headline window
#: (:attr:`Section.window`); ``in_period``, ``ytd`` and ``rolling12`` are the three windows of a
#: flow measure (null for snapshots).
SECTION_SERIES_COLUMNS = (
    "period",
    "period_start",
    "period_end",
    "numerator",
    "denominator",
    "value",
    "previous_value",
    "direction",
    "direction_note",
    "in_period",
    "ytd",
    "rolling12",
    "target",
    "target_lower",
    "target_upper",
    "target_status",
    "england",
    "neighbours",
    "neighbours_n",
    "quartile",
    "benchmark_year",
    "benchmark",
    "like_for_like",
    "benchmark_note",
    "figure_quartile",
    "quality_findings",
    "quality_note",
    "suppressed",
)

#: One row per place and kind of data-quality finding in :attr:`Report.quality`: the table,
#: file and column, what was done with the records (``set aside``, ``field left out``,
#: ``kept``), the reason with its quoted values and numbers generalised (``unparseable date
#: '…' (expected YYYY-MM-DD)``), how many findings, and the first rows (file row numbers,
#: never a child identifier). ``on_figures`` says whether such findings count on the figures
#: (:func:`~safeguarding_metrics.model.quality.holes`).
QUALITY_SUMMARY_COLUMNS = (
    "table",
    "file",
    "column",
    "severity",
    "action",
    "reason",
    "findings",
    "rows",
    "on_figures",
)

#: One row per team in :attr:`Section.teams`, for the headline window at the latest period;
#: ``target_status``: the team's figure judged against the council's target (a band's too).
TEAM_COLUMNS = ("team", "numerator", "denominator", "value", "target_status", "suppressed")


@attrs.frozen(kw_only=True)
class Commentary:
    """The words beside an indicator.

    Attributes
    ----------
    text
        Plain text (paragraphs separated by blank lines). Never HTML: writers escape it.
    draft
        True when the tool drafted it from the figures, for the analyst to edit; false when
        it comes from the council's commentary file.
    source
        Where it came from: the commentary file's name and row, or ``"drafted"``.
    """

    text: str
    draft: bool
    source: str = ""


@attrs.frozen(kw_only=True, eq=False)
class Section:
    """One indicator's part of the report.

    Attributes
    ----------
    indicator
        The indicator (title, definition in words, unit, polarity, kind, source).
    window
        ``"period"`` (snapshot measures, as at each period end, and measures with a window
        of their own) or ``"rolling12"`` (flow measures; their ``in_period`` and ``ytd``
        values are in the series too).
    window_label
        What the headline value covers at the latest period, in words: "12 months to
        December 2015", "as at 31 December 2015", "36 months to December 2015".
    series
        :data:`SECTION_SERIES_COLUMNS`, one row per period.
    teams
        :data:`TEAM_COLUMNS` at the latest period (empty without allocations).
    commentary
        The council's words for the latest period, or a draft.
    status, reason
        ``"ok"``, or ``"not_computable"`` with the reason (then the series is empty of values).
    """

    indicator: Indicator
    window: str
    series: pd.DataFrame
    teams: pd.DataFrame
    commentary: Commentary
    status: str = "ok"
    reason: str | None = None
    window_label: str = ""

    @property
    def id(self) -> str:
        return self.indicator.id

    @property
    def anchor(self) -> str:
        """An HTML id for the section: the indicator id with the dot made a dash."""
        return "ind-" + self.indicator.id.replace(".", "-").replace("_", "-")

    @property
    def latest(self) -> Mapping[str, Any]:
        """The latest period's row of :attr:`series` (empty mapping when there is none)."""
        if self.series.empty:
            return {}
        return self.series.iloc[-1].to_dict()


@attrs.frozen(kw_only=True, eq=False)
class Report:
    """A performance report, ready to write as HTML, Excel or CSV.

    Attributes
    ----------
    title
        For example "Safeguarding children performance report, December 2015".
    council
        The council's name (from the benchmarks' list when known, else the code given).
    la
        The DfE code the benchmarks were looked up with, or None.
    start, end, every
        The range reported and its periods (``"month"`` or ``"quarter"``).
    generated
        When the report was made (local time, to the second).
    summary
        :data:`SUMMARY_COLUMNS`, one row per indicator, in the order of :attr:`sections`.
    sections
        One :class:`Section` per indicator, in the report's order: by section of the child's
        journey, then the indicator's order within it (local and national together).
    results
        The full results behind the report (every window, period and breakdown).
    suppress_below
        Small-number suppression threshold in force (counts from 1 to this minus one hidden),
        or None.
    neighbours, benchmark_years
        How the neighbours were averaged (``mean`` or ``median``) and which year's benchmarks
        each period is set against (``published`` or ``same``).
    warnings
        What the reader should know: indicators not computable, benchmarks missing.
    timings
        Seconds per stage (``load``, ``calculate``, ``assemble``, and the writers'), for
        ``--verbose``.
    quality
        The dataset's data-quality findings by place and kind
        (:data:`QUALITY_SUMMARY_COLUMNS`): what the figures marked with findings rest on.
    key_messages
        The first page: improvements and concerns drafted from the summary, or the service's
        own (:mod:`~.key_messages`).
    committee
        The committee pack's front page, from the report settings, or None.
    """

    title: str
    council: str
    la: str | None
    start: dt.date
    end: dt.date
    every: str
    generated: dt.datetime
    summary: pd.DataFrame
    sections: tuple[Section, ...]
    results: Results
    suppress_below: int | None = None
    neighbours: str = "mean"
    benchmark_years: str = "published"
    warnings: tuple[str, ...] = ()
    timings: Mapping[str, float] = attrs.field(factory=dict)
    quality: pd.DataFrame = attrs.field(
        factory=lambda: pd.DataFrame(columns=list(QUALITY_SUMMARY_COLUMNS))
    )
    key_messages: KeyMessages = attrs.field(factory=KeyMessages)
    committee: CommitteePack | None = None

    @property
    def latest_period(self) -> str:
        """The label of the latest period as ``calculate`` labels it ("2015-12", "2015-16 Q3");
        :attr:`latest_period_name` says it in words."""
        if self.summary.empty:
            return ""
        return str(self.summary["period"].iloc[0])

    @property
    def latest_period_name(self) -> str:
        """The latest period in words ("December 2015", "Q3 2015-16 (October to December
        2015)")."""
        from .formatting import period_name

        if self.summary.empty or self.summary["period_end"].isna().all():
            return period_name(self.start, self.end)
        ends = pd.to_datetime(self.summary["period_end"])
        for section in self.sections:
            if not section.series.empty:
                last = section.series.iloc[-1]
                if pd.Timestamp(last["period_end"]) == ends.max():
                    return period_name(last["period_start"], last["period_end"])
        return period_name(self.start, self.end)

    def section(self, indicator_id: str) -> Section:
        for section in self.sections:
            if section.id == indicator_id:
                return section
        raise KeyError(indicator_id)
