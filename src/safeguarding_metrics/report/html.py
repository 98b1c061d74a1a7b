"""The report as one self-contained HTML page: what a councillor reads and an analyst checks.

The page holds a title block (council, period, when it was generated, where the figures come
from, suppression in force, warnings), a summary table of every indicator, then one section per
indicator: its definition in plain words, its key figures, a chart, the monthly (or quarterly)
series, the breakdown by team and the commentary.

Self-contained and inert by construction:

- no URL of any kind: the CSS is inline, the charts are inline SVG, there are no fonts, images,
  scripts or links to fetch; a Content-Security-Policy ``<meta>`` (``default-src 'none'``)
  makes sure nothing could load even if something slipped in;
- every value is escaped: the template is rendered with jinja2's autoescaping on, and the view
  passed to it is plain strings (titles, descriptions, team names and commentary from plugins
  and files the council owns are data, never markup).

The one exception to escaping is each chart's SVG, marked safe with :class:`markupsafe.Markup`.
That is safe because the SVG is produced here, by :func:`~.charts.chart_svg`, from matplotlib:
numbers become path coordinates, the few strings drawn (axis and legend labels of our own,
never a title or team name) are written by matplotlib's XML writer, which escapes them, and
the one description we add (the ``<title>`` and ``aria-label``) is escaped with
:func:`html.escape`. Before marking it safe, :func:`_safe_svg` checks the string once more: it
must be a single ``<svg>`` element with no script, event handler, ``foreignObject`` or URL.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from ..indicator import SECTION_NAMES, Kind, Polarity, Unit
from .charts import chart_svg
from .formatting import (
    DIRECTION_ARROWS,
    DIRECTION_WORDS,
    STATUS_WORDS,
    format_change,
    format_value,
    is_missing,
    period_name,
)
from .key_messages import KeyMessage
from .model import Report, Section

__all__ = ["CONTENT_SECURITY_POLICY", "render_html", "write_html"]

#: Nothing may load: styles only inline, images only ``data:`` (none are used), no scripts.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

_PROVENANCE = (
    "Figures are calculated from data as recorded in the case management system. Records "
    "entered or corrected after the report was generated can change them."
)

_POLARITY_WORDS = {
    Polarity.HIGHER: "Higher is better",
    Polarity.LOWER: "Lower is better",
    Polarity.NEUTRAL: "No better direction: shown for context",
}

_UNIT_WORDS = {
    Unit.PERCENT: "per cent",
    Unit.DAYS: "average days",
    Unit.CASES: "average cases",
    Unit.COUNT: "number",
}


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("safeguarding_metrics.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: Report, *, charts: bool = True) -> str:
    """The report as a self-contained HTML page (UTF-8 text).

    ``charts=False`` leaves the charts out (faster, for previews and tests of the layout).
    """
    template = _environment().get_template("report.html.j2")
    return template.render(**_view(report, charts=charts))


def write_html(report: Report, path: str | os.PathLike[str], *, charts: bool = True) -> Path:
    """Write :func:`render_html` to ``path`` (folders made as needed); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report, charts=charts), encoding="utf-8")
    return target


# --- the view: plain strings for the template ---------------------------------------------


def _view(report: Report, *, charts: bool) -> dict[str, Any]:
    every = report.every
    summary = _summary_by_id(report)
    sections = [
        _section_view(s, summary.get(s.id, {}), report, charts=charts) for s in report.sections
    ]
    groups: list[dict[str, Any]] = []
    for view in sections:
        name = view["group"]
        if not groups or groups[-1]["name"] != name:
            groups.append({"name": name, "rows": []})
        groups[-1]["rows"].append(view["row"])
    journeys: list[dict[str, Any]] = []
    for view in sections:
        if not journeys or journeys[-1]["name"] != view["group"]:
            anchor = "sec-" + view["section_key"].replace("_", "-")
            journeys.append({"name": view["group"], "anchor": anchor, "sections": []})
        journeys[-1]["sections"].append(view)
    statuses = [v["row"]["status_class"] for v in sections]
    directions = [v["row"]["direction_class"] for v in sections]
    council = (
        report.council
        if not report.la or report.la == report.council
        else (f"{report.council} ({report.la})")
    )
    return {
        "csp": CONTENT_SECURITY_POLICY,
        "title": report.title,
        "council": council,
        "range": period_name(report.start, report.end),
        "every_words": "Quarterly" if every == "quarter" else "Monthly",
        "latest": _latest_name(report),
        "generated": _when(report.generated),
        "generated_iso": report.generated.isoformat(timespec="seconds"),
        "provenance": _PROVENANCE,
        "suppression": _suppression_note(report.suppress_below),
        "warnings": [str(w) for w in report.warnings],
        "previous_words": "Previous quarter" if every == "quarter" else "Previous month",
        "benchmark_years": report.benchmark_years,
        "neighbours_word": "median" if report.neighbours == "median" else "mean",
        "period_word": "quarter" if every == "quarter" else "month",
        "groups": groups,
        "sections": sections,
        "journeys": journeys,
        "key_messages": _key_messages_view(report, {v["id"]: v["anchor"] for v in sections}),
        "committee": _committee_view(report),
        "count": len(sections),
        "glance": {
            "green": statuses.count("green"),
            "amber": statuses.count("amber"),
            "red": statuses.count("red"),
            "none": sum(1 for v in sections if v["ok"] and v["row"]["status_class"] == "none"),
            "improving": directions.count("improving"),
            "worsening": directions.count("worsening"),
            "unchanged": directions.count("unchanged"),
            "not_computable": sum(1 for v in sections if not v["ok"]),
        },
        "status_words": STATUS_WORDS,
        "arrows": DIRECTION_ARROWS,
        "direction_words": DIRECTION_WORDS,
        "version": _version(),
        "quality": _quality_view(report),
        "flagged": sum(1 for v in sections if v["row"]["quality"]),
    }


def _summary_by_id(report: Report) -> dict[str, Mapping[str, Any]]:
    if report.summary is None or report.summary.empty:
        return {}
    return {str(row["indicator"]): row for row in report.summary.to_dict(orient="records")}


def _version() -> str:
    from .. import __version__

    return __version__


def _when(moment: dt.datetime) -> str:
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


def _latest_name(report: Report) -> str:
    for section in report.sections:
        latest = section.latest
        if latest:
            return period_name(latest["period_start"], latest["period_end"])
    return period_name(report.start, report.end)


def _suppression_note(below: int | None) -> str:
    if below is None:
        return ""
    return (
        f"Small numbers are suppressed: counts from 1 to {below - 1} (and the figures that "
        "would reveal them) are shown as “c”."
    )


def _group_name(section: Section) -> str:
    """The section of the child's journey the indicator is placed in (local and national
    measures together)."""
    return SECTION_NAMES[section.indicator.placed_section]


def _key_messages_view(report: Report, anchors: Mapping[str, str]) -> dict[str, Any]:
    """The first page: the service's key messages, or the drafts with links to their
    sections."""
    messages = report.key_messages

    def one(message: KeyMessage) -> dict[str, str]:
        return {
            "text": message.text,
            "section": message.section,
            "anchor": anchors.get(message.indicator, ""),
        }

    return {
        "drafted": messages.drafted,
        "service": list(messages.service),
        "source": messages.source,
        "improvements": [one(m) for m in messages.improvements],
        "concerns": [one(m) for m in messages.concerns],
    }


def _committee_view(report: Report) -> dict[str, Any] | None:
    """The committee pack's front page, from the report settings (None without one)."""
    pack = report.committee
    if pack is None:
        return None
    meeting = pack.meeting_date
    return {
        "committee": pack.committee,
        "meeting": "" if meeting is None else f"{meeting.day} {meeting:%B %Y}",
        "meeting_iso": "" if meeting is None else meeting.isoformat(),
        "title": pack.title or report.title,
        "contact": list(pack.contact_officer),
        "recommendations": list(pack.recommendations),
        "wards": pack.wards,
        "exempt": pack.exempt,
        "summary": pack.summary,
    }


def _short_period(start: Any, end: Any, every: str) -> str:
    first = pd.Timestamp(start)
    if every == "quarter":
        quarter = (first.month - 4) % 12 // 3 + 1
        fy = first.year if first.month >= 4 else first.year - 1
        return f"Q{quarter} {fy}-{(fy + 1) % 100:02d}"
    if every == "month":
        return f"{first:%b %Y}"
    return period_name(start, end)


def _window_words(section: Section, summary: Mapping[str, Any], every: str) -> str:
    """How the headline value is measured, from the window computed: "Rolling 12 months",
    "Year to date", "36 months to Dec 2015", "As at 31 Dec 2015", "In the month"."""
    latest = section.latest
    label = str(summary.get("window_label") or section.window_label or "")
    if label[:6] not in ("month ", "quarte") and section.window == "rolling12":
        return "Rolling 12 months"
    if section.window == "ytd" and label.startswith("year to date"):
        return "Year to date"
    if section.indicator.kind == Kind.SNAPSHOT and latest:
        end = pd.Timestamp(latest["period_end"])
        return f"As at {end.day} {end:%b %Y}"
    if label and not label.startswith(("month of", "quarter ")):
        return label[:1].upper() + label[1:]
    return "In the quarter" if every == "quarter" else "In the month"


def _num(value: Any, unit: Unit) -> str:
    """A numerator or denominator: whole numbers with separators, else one decimal place."""
    if is_missing(value):
        return "–"
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.1f}"


def _value(value: Any, unit: Unit, suppressed: bool = False) -> str:
    if suppressed and is_missing(value):
        return "c"
    return format_value(value, unit)


def _direction(direction: Any) -> tuple[str, str, str]:
    """(arrow, words, css class) for a direction of travel."""
    if is_missing(direction) or not direction:
        return "", "–", "none"
    key = str(direction)
    arrow = DIRECTION_ARROWS.get(key, "")
    words = DIRECTION_WORDS.get(key, key)
    return arrow, words, key if key in ("improving", "worsening", "unchanged") else "neutral"


def _status(status: Any) -> tuple[str, str]:
    """(words, css class) for a red/amber/green status."""
    if is_missing(status) or not status:
        return "No target", "none"
    key = str(status)
    return STATUS_WORDS.get(key, key), key if key in STATUS_WORDS else "none"


def _benchmark_view(source: Mapping[str, Any], unit: Unit, neighbours: str) -> dict[str, str]:
    """England, neighbours and quartiles as shown (issue 18): a comparator that is not like for
    like is marked † with its reason and has no quartile; the published quartile says its
    year, and this figure's rank among that year's published values is labelled as such."""
    from ..benchmarks.results import quartile_label

    like = source.get("like_for_like") is not False
    mark = "" if like else " †"
    england = _value(source.get("england"), unit)
    year = source.get("benchmark_year")
    labels = [
        quartile_label(None if is_missing(q) else q, None if is_missing(year) else year, figure)
        for q, figure in ((source.get("quartile"), False), (source.get("figure_quartile"), True))
    ]
    quartile = "; ".join(label for label in labels if label) or "–"
    note = _text(source.get("benchmark_note"))
    return {
        "england": england + (mark if england != "–" else ""),
        "neighbours": neighbours + (mark if neighbours != "–" else ""),
        "quartile": quartile if like else "– (not like for like)",
        "benchmark_year": _benchmark_year(year),
        "benchmark_note": "" if like else f"† Not like for like: {note}",
    }


def _benchmark_year(year: Any) -> str:
    if is_missing(year):
        return ""
    try:
        end = int(float(year))
    except (TypeError, ValueError):
        return str(year)
    return f"{end - 1}-{end % 100:02d}"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _kind_words(section: Section, every: str) -> str:
    word = "quarter" if every == "quarter" else "month"
    if section.indicator.kind == Kind.FLOW:
        shown = {
            "period": f"the {word}'s own figure",
            "ytd": "the year to date",
            "rolling12": "the rolling 12 months",
        }.get(section.window, section.window)
        if section.window_label and section.window_label[:1].isdigit():  # a window of its own
            shown = f"the {section.window_label.split(' to ')[0]} to each {word}'s end"
            return f"Counts events; shown over {shown}"
        return f"Counts events in each {word}; headline: {shown}, the other windows beside it"
    return f"Measured as at each {word} end"


def _row_view(section: Section, summary: Mapping[str, Any], every: str) -> dict[str, Any]:
    indicator = section.indicator
    unit = Unit(indicator.unit)
    latest = dict(section.latest)
    source = {**latest, **{k: v for k, v in summary.items() if not is_missing(v)}}
    ok = section.status == "ok"
    suppressed = bool(latest.get("suppressed", False)) or bool(summary.get("suppressed", False))
    flags = section.series["suppressed"].tolist() if "suppressed" in section.series else []
    previous_suppressed = len(flags) >= 2 and bool(flags[-2])
    # a hidden figure's direction or status against target would give it away
    hide = suppressed or previous_suppressed
    arrow, words, direction_class = _direction(source.get("direction") if ok and not hide else None)
    status_words, status_class = _status(source.get("target_status") if ok else None)
    if suppressed and ok:
        status_words, status_class = "c", "none"
    neighbours = _value(source.get("neighbours"), unit)
    n: Any = source.get("neighbours_n")
    if neighbours != "–" and not is_missing(n):
        neighbours = f"{neighbours} ({int(float(n))})"
    sub: list[str] = []
    if ok and not is_missing(latest.get("in_period")):
        word = "Quarter" if every == "quarter" else "Month"
        for key, name in (
            ("in_period", word),
            ("ytd", "Year to date"),
            ("rolling12", "Rolling 12"),
        ):
            if key != {"period": "in_period"}.get(section.window, section.window):
                sub.append(f"{name}: {_value(source.get(key), unit, suppressed)}")
    note = source.get("direction_note")
    if ok and not hide and not is_missing(note) and note:
        words = str(note)[:1].upper() + str(note)[1:]
    return {
        "anchor": section.anchor,
        "id": indicator.id,
        "title": indicator.title,
        "ok": ok,
        "reason": "" if ok else f"Not computable: {section.reason or 'no reason given'}",
        "window": _window_words(section, summary, every),
        "value": _value(source.get("value"), unit, suppressed) if ok else "Not computable",
        "sub": sub,
        "previous": (
            "–"
            if not ok
            else _value(
                None if previous_suppressed else source.get("previous_value"),
                unit,
                previous_suppressed,
            )
        ),
        "arrow": arrow,
        "direction": words,
        "direction_class": direction_class,
        "target": _target_words(source, unit) if ok else "–",
        "teams_outside": _teams_outside(source) if ok and not suppressed else "",
        "status": status_words,
        "status_class": status_class,
        **_benchmark_view(source, unit, neighbours),
        "quality": _quality_mark(source.get("quality_findings")),
        "quality_note": _text(source.get("quality_note")),
        **_year_ago_view(source, unit, ok and not suppressed),
    }


def _year_ago_view(source: Mapping[str, Any], unit: Unit, show: bool) -> dict[str, str]:
    """The year-ago figure, the change on it ("up 1.2 percentage points on a year ago") and
    why it is empty."""
    if not show:
        return {"year_ago": "–", "year_ago_change": "", "year_ago_note": ""}
    raw: Any = source.get("year_ago_change")
    note = source.get("year_ago_note")
    moved = ""
    if not is_missing(raw):
        change = float(raw)
        zero = format_value(0.0, unit, with_unit=False)
        if format_value(abs(change), unit, with_unit=False) == zero:
            moved = "the same as a year ago"
        else:
            moved = f"{'up' if change > 0 else 'down'} {format_change(change, unit)} on a year ago"
    return {
        "year_ago": _value(source.get("year_ago"), unit),
        "year_ago_change": moved,
        "year_ago_note": "" if is_missing(note) or not note else str(note),
    }


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def _quality_mark(findings: Any) -> str:
    """The words that mark a figure resting on data with holes ("" when there are none)."""
    if is_missing(findings) or not int(float(findings)):
        return ""
    n = int(float(findings))
    return f"⚠ {n:,} data-quality finding{'' if n == 1 else 's'} in the data this figure reads"


def _quality_view(report: Report) -> dict[str, Any]:
    """The data-quality section: the findings by place and kind, holes first."""
    rows = []
    summary = report.quality
    for record in summary.to_dict(orient="records") if summary is not None else []:
        rows.append(
            {
                "table": str(record["table"]),
                "file": str(record["file"]),
                "column": _text(record["column"]) or "(whole record)",
                "action": str(record["action"]),
                "reason": str(record["reason"]),
                "findings": f"{int(record['findings']):,}",
                "rows": _text(record["rows"]),
                "on_figures": "Yes" if bool(record["on_figures"]) else "No",
            }
        )
    total = int(summary["findings"].sum()) if summary is not None and len(summary) else 0
    holes = (
        int(summary.loc[summary["on_figures"].astype(bool), "findings"].sum())
        if summary is not None and len(summary)
        else 0
    )
    return {"rows": rows, "total": f"{total:,}", "holes": f"{holes:,}"}


def _series_view(section: Section, every: str) -> dict[str, Any]:
    unit = Unit(section.indicator.unit)
    series = section.series
    flow = not series.empty and bool(
        pd.to_numeric(series["in_period"], errors="coerce").notna().any()
    )
    headline = {"period": "in_period"}.get(section.window, section.window)
    counted = {"in_period": "", "ytd": " (year to date)", "rolling12": " (12 months)"}[headline]
    has_denominator = (
        unit != Unit.COUNT
        and not series.empty
        and bool(pd.to_numeric(series["denominator"], errors="coerce").notna().any())
    )
    has_target = not series.empty and bool(
        pd.to_numeric(series["target"], errors="coerce").notna().any()
    )
    rows = []
    previous_suppressed = False
    for record in series.to_dict(orient="records"):
        suppressed = bool(record.get("suppressed", False))
        status_words, status_class = _status(record.get("target_status"))
        if suppressed:
            status_words, status_class = "c", "none"
        hide = suppressed or previous_suppressed
        arrow, words, direction_class = _direction(None if hide else record.get("direction"))
        previous_suppressed = suppressed
        rows.append(
            {
                "period": _short_period(record["period_start"], record["period_end"], every),
                "numerator": "c" if suppressed else _num(record.get("numerator"), unit),
                "denominator": "c" if suppressed else _num(record.get("denominator"), unit),
                "value": _value(record.get("value"), unit, suppressed),
                "in_period": _value(record.get("in_period"), unit, suppressed),
                "ytd": _value(record.get("ytd"), unit, suppressed),
                "rolling12": _value(record.get("rolling12"), unit, suppressed),
                "target": _target_words(record, unit),
                "status": status_words if has_target else "",
                "status_class": status_class,
                "arrow": arrow,
                "direction": words,
                "direction_class": direction_class,
            }
        )
    return {
        "rows": rows,
        **_count_headers(section),
        "flow": flow,
        "headline": headline,
        "counted": counted,
        "has_denominator": has_denominator,
        "has_target": has_target,
        "period_word": "Quarter" if every == "quarter" else "Month",
    }


def _count_headers(section: Section) -> dict[str, Any]:
    """The series' and teams' count columns named by what they count: the numerator by
    ``of_which_label`` ("Within 45 working days"), the denominator by ``count_label``
    ("Assessments completed"). A mean shows only what it averages over (the number of
    children, not the sum of their days); a count only its value, headed by ``count_label``
    ("Referrals"), not the same number under two headings."""
    indicator = section.indicator
    unit = Unit(indicator.unit)
    count = indicator.count_label or ("Counted" if unit != Unit.COUNT else "Number")
    if unit == Unit.COUNT:
        # the count is the value: one column, named by what it counts (not the count twice)
        return {
            "show_numerator": False,
            "numerator_header": "",
            "value_header": _capital(count),
            "team_value_header": _capital(count),
        }
    value = {"value_header": "Value", "team_value_header": _UNIT_WORDS[unit].capitalize()}
    if unit.is_mean:
        return {
            "show_numerator": False,
            "numerator_header": "",
            "denominator_header": _capital(count),
            **value,
        }
    return {
        "show_numerator": True,
        "numerator_header": _capital(indicator.of_which_label or "Of which met"),
        "denominator_header": _capital(count),
        **value,
    }


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _teams_view(section: Section) -> list[dict[str, str]]:
    unit = Unit(section.indicator.unit)
    teams = section.teams
    if teams is None or teams.empty:
        return []
    out = []
    for record in teams.to_dict(orient="records"):
        suppressed = bool(record.get("suppressed", False))
        out.append(
            {
                "team": "" if is_missing(record.get("team")) else str(record.get("team")),
                "numerator": "c" if suppressed else _num(record.get("numerator"), unit),
                "denominator": "c" if suppressed else _num(record.get("denominator"), unit),
                "value": _value(record.get("value"), unit, suppressed),
                "status": _status(record.get("target_status"))[0]
                if not is_missing(record.get("target_status"))
                else "",
                "status_class": _status(record.get("target_status"))[1],
            }
        )
    return out


def _target_words(source: Mapping[str, Any], unit: Unit) -> str:
    """The target: a level ("95.0%") or a band ("18.0–22.0")."""
    lower, upper = source.get("target_lower"), source.get("target_upper")
    if not is_missing(lower) and not is_missing(upper):
        return f"{_value(lower, unit)}–{_value(upper, unit)}"
    return _value(source.get("target"), unit)


def _teams_outside(source: Mapping[str, Any]) -> str:
    """How many teams miss the target: "4 of 10 teams outside"."""
    teams: Any = source.get("teams")
    outside: Any = source.get("teams_outside")
    if is_missing(teams) or is_missing(outside):
        return ""
    return f"{int(outside)} of {int(teams)} teams outside"


def _section_view(
    section: Section, summary: Mapping[str, Any], report: Report, *, charts: bool
) -> dict[str, Any]:
    indicator = section.indicator
    unit = Unit(indicator.unit)
    every = report.every
    row = _row_view(section, summary, every)
    svg = chart_svg(section, every=every) if charts and row["ok"] else None
    commentary = section.commentary
    series = _series_view(section, every)
    return {
        "anchor": section.anchor,
        "id": indicator.id,
        "title": indicator.title,
        "group": _group_name(section),
        "section_key": indicator.placed_section,
        "plain": indicator.plain,
        "ok": row["ok"],
        "reason": section.reason or "",
        "description": indicator.description,
        "source": indicator.source,
        "kind_words": _kind_words(section, every),
        "unit_words": _UNIT_WORDS[unit],
        "polarity_words": _POLARITY_WORDS[Polarity(indicator.polarity)],
        "row": row,
        "chart": _safe_svg(svg) if svg else None,
        "series": series,
        "has_series": bool(series["rows"]) and row["ok"],
        "teams": _teams_view(section),
        "teams_judged": not section.teams.empty
        and bool(section.teams["target_status"].notna().any()),
        "team_value_header": series["team_value_header"],
        "commentary": {
            "paragraphs": _paragraphs(commentary.text) if commentary is not None else [],
            "draft": bool(commentary.draft) if commentary is not None else False,
            "source": "" if commentary is None or commentary.draft else commentary.source,
        },
    }


_UNSAFE_IN_SVG = re.compile(
    r"<script|<foreignobject|<iframe|<image|<a\b|\son[a-z]+\s*=|javascript:"
    r"|\b(?:href|src)\s*=\s*[\"'](?!#)|\burl\((?!#)",
    re.IGNORECASE,
)


def _safe_svg(svg: str) -> Markup | None:
    """Our own chart's SVG, marked safe to inline after a last check (see the module's
    docstring); None (no chart) if it is not what :func:`~.charts.chart_svg` makes."""
    text = svg.strip()
    if (
        not text.startswith("<svg ")
        or not text.endswith("</svg>")
        or text.count("<svg") != 1
        or _UNSAFE_IN_SVG.search(text)
    ):
        return None
    return Markup(text)  # our own matplotlib output, checked above
