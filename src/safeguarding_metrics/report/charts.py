"""Charts for the HTML report: one small, self-contained SVG per indicator section.

Each chart shows the section's headline series (the value as at each period end for snapshot
measures, the rolling 12 months for flow measures, with the year to date beside it), the target
as a step line and the England and statistical-neighbour benchmarks as dashed and dotted lines.

Choices, so the charts read for everyone and compare byte for byte between runs:

- Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies), and every
  series also differs by line style and marker, so the chart reads printed in greyscale.
- Text is drawn as paths (``svg.fonttype = "path"``): no font is needed to view it, nothing is
  fetched, and every viewer draws the same glyphs.
- ``svg.hashsalt`` is fixed and the metadata date left out, so the same figures give the same
  bytes; the XML prolog, DOCTYPE, metadata and namespace declarations (which hold URLs) are
  removed, and every ``id`` is prefixed with the section's anchor so that several charts can
  sit in one HTML page without their ids clashing.
- Figures are :class:`matplotlib.figure.Figure` objects drawn on their own Agg/SVG canvas:
  pyplot's global state is never touched and no figure is left open.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..indicator import Kind, Unit
from .formatting import format_value, is_missing, period_name
from .model import Section

__all__ = [
    "OKABE_ITO",
    "SERIES_STYLES",
    "chart_description",
    "chart_svg",
    "palette_in",
]

#: The Okabe–Ito palette (Okabe & Ito, 2008), distinguishable with the common colour-vision
#: deficiencies.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: How each series is drawn: colour, line style, marker. No two share a line style and marker,
#: so the chart still reads in greyscale.
SERIES_STYLES: dict[str, dict[str, Any]] = {
    "value": {
        "color": OKABE_ITO["blue"],
        "linestyle": "-",
        "linewidth": 2.2,
        "marker": "o",
        "markersize": 5,
        "zorder": 5,
    },
    "ytd": {
        "color": OKABE_ITO["vermillion"],
        "linestyle": (0, (1.5, 1.5)),
        "linewidth": 1.6,
        "marker": "s",
        "markersize": 4.5,
        "markerfacecolor": "white",
        "zorder": 4,
    },
    "target": {
        "color": OKABE_ITO["black"],
        "linestyle": (0, (7, 2, 1.5, 2)),
        "linewidth": 1.4,
        "drawstyle": "steps-mid",
        "zorder": 3,
    },
    "england": {
        "color": OKABE_ITO["orange"],
        "linestyle": (0, (5, 2.5)),
        "linewidth": 1.8,
        "zorder": 2,
    },
    "neighbours": {
        "color": OKABE_ITO["reddish_purple"],
        "linestyle": (0, (1, 1.6)),
        "linewidth": 2.2,
        "zorder": 2,
    },
}
#: The month itself is drawn as the year to date is (a chart shows one of them beside the
#: headline, never both).
SERIES_STYLES["in_period"] = SERIES_STYLES["ytd"]

_RC: dict[str, Any] = {
    "svg.fonttype": "path",
    "svg.hashsalt": "safeguarding-metrics",
    "svg.image_inline": True,
    "svg.id": None,
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "text.usetex": False,
    "text.parse_math": False,
    "axes.unicode_minus": False,
    "path.simplify": True,
}

_UNIT_LABELS = {
    Unit.PERCENT: "per cent",
    Unit.DAYS: "days",
    Unit.CASES: "cases",
    Unit.COUNT: "number",
}

_SIZE = (6.6, 2.9)  # inches: about 480 × 210 CSS pixels at 100%


def _floats(series: pd.DataFrame, column: str) -> np.ndarray:
    if column not in series.columns:
        return np.full(len(series), np.nan)
    return pd.to_numeric(series[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _has_values(values: np.ndarray) -> bool:
    return bool(np.isfinite(values).any())


def _tick_labels(series: pd.DataFrame, every: str) -> list[str]:
    """Month names with the year on the first month and on each January; quarters as
    ``Q3`` with the financial year under the first and each Q1."""
    labels: list[str] = []
    starts = [pd.Timestamp(s) for s in series["period_start"]]
    for i, start in enumerate(starts):
        if every == "quarter":
            quarter = (start.month - 4) % 12 // 3 + 1
            fy = start.year if start.month >= 4 else start.year - 1
            year = f"\n{fy}-{(fy + 1) % 100:02d}" if i == 0 or quarter == 1 else ""
            labels.append(f"Q{quarter}{year}")
        elif every == "month":
            year = f"\n{start.year}" if i == 0 or start.month == 1 else ""
            labels.append(f"{start:%b}{year}")
        else:
            labels.append(str(series["period"].iloc[i]))
    return labels


def _nice_ceiling(value: float) -> float:
    """The next "round" number at or above ``value`` (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-9:
            return float(step * power)
    return float(10 * power)


def _y_limits(unit: Unit, values: np.ndarray) -> tuple[float, float, bool]:
    """Axis limits ``(low, high, starts_above_zero)`` for the values drawn.

    Per cent: 0–100 shows a rate in proportion. A measure that runs close to 100% (visits,
    plans, decisions on time) would then be a flat line at the top, so when every value is at
    least 50% and they span no more than 30 points the axis starts at a round number below
    them (and the chart says so). Low rates (all below 60%) end at a round number above them
    rather than at 100%, still from zero. Days, cases and counts always start at zero.
    """
    finite = values[np.isfinite(values)]
    low_v, high_v = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if unit == Unit.PERCENT:
        if low_v >= 50 and high_v - low_v <= 30:
            low = max(0.0, math.floor((low_v - 5) / 10) * 10)
            return low, 100.0, low > 0
        if high_v < 60:
            return 0.0, min(100.0, _nice_ceiling(max(high_v * 1.25, 5.0))), False
        return 0.0, 100.0, False
    high = _nice_ceiling(max(high_v * 1.15, 1.0 if unit == Unit.COUNT else 0.1))
    return 0.0, high, False


def _axis_formatter(unit: Unit, span: float) -> FuncFormatter:
    decimals = 1 if unit == Unit.CASES and span < 10 else 0
    suffix = "%" if unit == Unit.PERCENT else ""

    def fmt(value: float, _pos: int) -> str:
        return f"{value:,.{decimals}f}{suffix}"

    return FuncFormatter(fmt)


def _headline_label(section: Section, every: str) -> str:
    """The headline line's legend, from the window computed ("36 months to each month end")."""
    label = section.window_label
    if label[:1].isdigit() and not label.startswith("12 "):  # a window of its own
        return f"{label.split(' to ')[0]} to each {every} end"
    if section.indicator.kind != Kind.FLOW:
        return "As at quarter end" if every == "quarter" else "As at month end"
    if section.window == "ytd":
        return "Year to date"
    if section.window == "rolling12":
        return "Rolling 12 months"
    return "Quarter" if every == "quarter" else "Month"


def chart_description(section: Section, every: str = "month") -> str:
    """The chart in words, for its ``<title>`` and ``aria-label`` (plain text, unescaped)."""
    indicator = section.indicator
    series = section.series
    if series.empty:
        return f"No chart: {indicator.title} has no figures."
    first = period_name(series["period_start"].iloc[0], series["period_end"].iloc[0])
    last = period_name(series["period_start"].iloc[-1], series["period_end"].iloc[-1])
    latest = section.latest
    window = _headline_label(section, every).lower()
    if section.indicator.kind != Kind.FLOW and section.window == "period":
        window = "as at the period end"
    parts = [
        f"Line chart of {indicator.title}, {first} to {last}.",
        f"Latest {format_value(latest.get('value'), indicator.unit)} ({window}).",
    ]
    if section.window != "period" and not is_missing(latest.get("in_period")):
        word = "Quarter" if every == "quarter" else "Month"
        parts.append(f"{word} {format_value(latest.get('in_period'), indicator.unit)}.")
    year: Any = latest.get("benchmark_year")
    shown = "" if is_missing(year) else f" {int(year) - 1}-{int(year) % 100:02d}"
    unlike = " (not like for like)" if latest.get("like_for_like") is False else ""
    for key, words in (
        ("target", "Target"),
        ("england", f"England{shown}{unlike}"),
        ("neighbours", f"Statistical neighbours{shown}{unlike}"),
    ):
        if not is_missing(latest.get(key)):
            parts.append(f"{words} {format_value(latest.get(key), indicator.unit)}.")
    return " ".join(parts)


def _benchmark_years(series: pd.DataFrame) -> tuple[list[str], list[int]]:
    """The collection year each period's benchmarks show (``"2014-15"``, ``""`` for none), and
    the positions where it changes from one shown year to another (issue 18)."""
    from ..benchmarks.results import year_label

    column = series["benchmark_year"] if "benchmark_year" in series else pd.Series(dtype=object)
    years = ["" if is_missing(y) else year_label(y) for y in column]
    shown = [i for i, y in enumerate(years) if y]
    changes = [b for a, b in itertools.pairwise(shown) if years[a] != years[b]]
    return years, changes


def _benchmark_label(label: str, series: pd.DataFrame, years: list[str], changes: list[int]) -> str:
    """A benchmark line's legend: its year when one, the first year when it changes (each change
    is marked on the line), and "not like for like" when so linked."""
    shown = [y for y in years if y]
    if shown and not changes:
        label = f"{label} {shown[0]}"
    elif shown:
        label = f"{label} {shown[0]} (then as marked)"
    if "like_for_like" in series and (series["like_for_like"] == False).any():  # noqa: E712
        label += " (not like for like)"
    return label


def _mark_year_changes(
    ax: Any, x: np.ndarray, lines: Mapping[str, np.ndarray], years: list[str], changes: list[int]
) -> None:
    """Write the new benchmark year where the year the benchmark lines show changes."""
    for i in changes:
        for key in ("england", "neighbours"):
            y = lines.get(key)
            if y is not None and np.isfinite(y[i]):
                ax.annotate(
                    years[i],
                    (x[i], y[i]),
                    xytext=(0, 4),
                    textcoords="offset points",
                    fontsize=6.5,
                    color="#555555",
                    ha="center",
                )
                break


def _plot(ax: Any, x: np.ndarray, y: np.ndarray, key: str, label: str) -> Line2D | None:
    if not _has_values(y):
        return None
    style = dict(SERIES_STYLES[key])
    if key in ("target", "england", "neighbours") and len(x) == 1:
        # one period: draw the reference as a short level line across the point
        x = np.array([x[0] - 0.4, x[0] + 0.4])
        y = np.array([y[0], y[0]])
        style.pop("drawstyle", None)
    (line,) = ax.plot(x, y, label=label, clip_on=False, **style)
    return line


def _row_major(items: list[Line2D], ncol: int) -> list[Line2D]:
    """Reorder so a legend (which fills column by column) reads row by row."""
    rows = -(-len(items) // ncol)
    return [
        items[r * ncol + c] for c in range(ncol) for r in range(rows) if r * ncol + c < len(items)
    ]


_NUMBER = re.compile(r"-?\d+\.\d+")


def _round_numbers(text: str) -> str:
    """Coordinates to 0.01 pt (matplotlib writes six decimals): a third of the bytes, no
    visible difference."""

    def short(match: re.Match[str]) -> str:
        value = round(float(match.group(0)), 2)
        out = f"{value:.2f}".rstrip("0").rstrip(".")
        return "0" if out in ("-0", "") else out

    return _NUMBER.sub(short, text)


def _compact(svg: str, prefix: str) -> str:
    """Fewer bytes and no clashes: ids nothing refers to are dropped, the rest prefixed (so
    charts can share a page); path data and positions rounded; whitespace collapsed."""
    referenced = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
    names = {name: f"{prefix}{i}" for i, name in enumerate(sorted(referenced))}

    def rename_id(match: re.Match[str]) -> str:
        name = match.group(1)
        return f' id="{names[name]}"' if name in names else ""

    svg = re.sub(r' id="([^"]+)"', rename_id, svg)
    svg = re.sub(r'\bxlink:href="#([^"]+)"', lambda m: f'href="#{names[m.group(1)]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{names[m.group(1)]})", svg)
    svg = re.sub(
        r'\b(d|x|y)="([^"]*)"',
        lambda m: f'{m.group(1)}="{" ".join(_round_numbers(m.group(2)).split())}"',
        svg,
    )
    # positions only: a glyph's scale() must keep its precision
    svg = re.sub(r"translate\(([^)]*)\)", lambda m: f"translate({_round_numbers(m.group(1))})", svg)
    # comments carry each text's string (escaped by matplotlib); the page does not need them
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<g>\s*</g>", "", svg)
    return re.sub(r">\s+<", "><", svg)


def _id_prefix(anchor: str) -> str:
    """A short prefix unique to the section (its anchor's hash), for the chart's ids."""
    return "c" + hashlib.sha1(anchor.encode()).hexdigest()[:6] + "-"


def _clean_svg(raw: str, *, prefix: str, description: str) -> str:
    """Matplotlib's SVG made ready to inline: no prolog, DOCTYPE, metadata or namespace URLs;
    ids prefixed; sized by CSS (viewBox kept); labelled for assistive technology."""
    svg = raw[raw.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is None:  # pragma: no cover - matplotlib always writes one
        raise ValueError("matplotlib wrote no <svg> element")
    view_box = re.search(r'viewBox="([^"]+)"', opening.group(0))
    label = html.escape(description, quote=True)
    new_opening = (
        f'<svg viewBox="{view_box.group(1) if view_box else ""}" version="1.1" role="img" '
        f'aria-label="{label}" focusable="false" class="chart-svg">'
        f"<title>{label}</title>"
    )
    return _compact(new_opening + svg[opening.end() :], prefix).strip()


def chart_svg(section: Section, *, every: str = "month") -> str | None:
    """The section's chart as an inline SVG string, or None when there is nothing to draw
    (not computable, no periods, or no value in any period).

    The string begins with ``<svg`` (no XML prolog or DOCTYPE), carries ``role="img"``, an
    ``aria-label`` and a ``<title>`` describing the chart, has no URL of any kind and no
    script, and is the same bytes for the same figures.
    """
    series = section.series
    if section.status != "ok" or series is None or series.empty:
        return None
    values = _floats(series, "value")
    if not _has_values(values):
        return None
    indicator = section.indicator
    unit = Unit(indicator.unit)
    x = np.arange(len(series), dtype=float)
    lines: dict[str, np.ndarray] = {"value": values}
    labels = {"value": _headline_label(section, every)}
    if section.window != "period":  # the month's own figure beside a longer headline
        lines["in_period"] = _floats(series, "in_period")
        labels["in_period"] = "Quarter" if every == "quarter" else "Month"
    lines["target"] = _floats(series, "target")
    labels["target"] = "Target"
    if unit != Unit.COUNT:
        # an England count is the national total, not comparable with one council's
        lines["england"] = _floats(series, "england")
        labels["england"] = "England"
    lines["neighbours"] = _floats(series, "neighbours")
    labels["neighbours"] = "Statistical neighbours"
    years, changes = _benchmark_years(series)
    for key in ("england", "neighbours"):
        if key in labels:
            labels[key] = _benchmark_label(labels[key], series, years, changes)

    drawn = np.concatenate([v for v in lines.values() if _has_values(v)])
    low, high, truncated = _y_limits(unit, drawn)

    with matplotlib.rc_context(cast(Any, _RC)):
        # fixed margins rather than a layout engine: the figure's size is fixed, and a layout
        # engine would draw every chart twice
        fig = Figure(figsize=_SIZE)
        fig.subplots_adjust(left=0.105, right=0.985, top=0.93, bottom=0.3)
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        handles: list[Line2D] = []
        for key in ("neighbours", "england", "target", "in_period", "value"):
            if key in lines:
                line = _plot(ax, x, lines[key], key, labels[key])
                if line is not None:
                    handles.append(line)
        _mark_year_changes(ax, x, lines, years, changes)
        handles.reverse()  # legend order: headline first
        ncol = min(len(handles), 3)

        # room on the right for the latest value's label
        ax.set_xlim(-0.4, len(series) - 0.5 + 0.7)
        ax.set_ylim(low, high)
        ax.set_xticks(x, _tick_labels(series, every))
        ax.yaxis.set_major_locator(
            MaxNLocator(nbins=5, integer=unit == Unit.COUNT, steps=[1, 2, 2.5, 5, 10])
        )
        ax.yaxis.set_major_formatter(_axis_formatter(unit, high - low))
        if unit != Unit.PERCENT:  # the ticks say "%" already
            ax.set_ylabel(_UNIT_LABELS[unit], color="#444444")
        ax.grid(axis="y", color="#d9d9d9", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color("#888888")
        ax.tick_params(colors="#333333", length=3)

        last = int(np.flatnonzero(np.isfinite(values))[-1])
        ax.annotate(
            format_value(values[last], unit),
            (x[last], values[last]),
            xytext=(7, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color=SERIES_STYLES["value"]["color"],
            annotation_clip=False,
            bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            zorder=6,
        )
        if truncated:
            ax.text(
                0.0,
                1.02,
                f"Axis starts at {low:.0f}%",
                transform=ax.transAxes,
                fontsize=7.5,
                style="italic",
                color="#555555",
                ha="left",
                va="bottom",
            )
        fig.legend(
            handles=_row_major(handles, ncol),
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=ncol,
            frameon=False,
            fontsize=8,
            handlelength=3.2,
            columnspacing=1.6,
        )
        buffer = io.StringIO()
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    return _clean_svg(
        buffer.getvalue(),
        prefix=_id_prefix(section.anchor),
        description=chart_description(section, every),
    )


def palette_in(svg: str) -> Sequence[str]:
    """The distinct colours (``#rrggbb``, upper case) an SVG uses: for tests and checks."""
    return sorted({c.upper() for c in re.findall(r"#[0-9a-fA-F]{6}\b", svg)})
