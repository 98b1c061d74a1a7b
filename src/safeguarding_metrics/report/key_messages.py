"""Key messages: the report's first page, drafted from the figures.

A committee reads the key issues first (the seed report's section 3: the improvements achieved
against a year ago, then the priority areas). :func:`draft_key_messages` drafts them from the
built summary (:data:`~.model.SUMMARY_COLUMNS`), a pure function of its rows:

- **Improvements**: measures better than a year ago, ranked by the size of that change
  (percentage points for a percentage, the change relative to the year-ago figure otherwise),
  then by how far they are beyond their target.
- **Concerns**: measures worse than a year ago, worse for three periods running, short of
  their target, or worse than the statistical neighbours, ranked by the size of the
  worsening on a year ago plus the shortfall from target (in the same units), then by how
  many of those reasons apply.

Up to three of each. A measure improving on a year ago is an improvement (its words say when it
is still short of the target) unless it has worsened three periods running; it is never both.
Measures with no better direction (counts shown for context), not computable or suppressed
figures are never key messages. The service's own key messages (commentary rows with the
indicator :data:`KEY_MESSAGES`) replace the drafts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import pandas as pd

from ..indicator import Polarity, Unit
from .formatting import STATUS_WORDS, format_change, format_value, is_missing

__all__ = [
    "KEY_MESSAGES",
    "RUN",
    "KeyMessage",
    "KeyMessages",
    "draft_key_messages",
    "key_messages_bullets",
    "key_messages_text",
    "service_key_messages",
]

#: The indicator name a commentary file gives the service's own key messages.
KEY_MESSAGES = "key_messages"

#: Periods running a measure must have worsened to be a concern on that count alone.
RUN = 3

#: How many improvements and how many concerns the page shows.
LIMIT = 3


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class KeyMessage:
    """One improvement or concern.

    Attributes
    ----------
    indicator, title, section
        The indicator's id, title and section name (the message links to its section).
    text
        The sentence: the figure, then each reason in words.
    reasons
        Short keys of why it was chosen: ``year_ago``, ``target``, ``run``, ``neighbours``.
    score
        What it was ranked by: the change on a year ago for an improvement, the worsening plus
        the shortfall from target for a concern (percentage points, or per cent of the
        comparison figure for other units).
    """

    indicator: str
    title: str
    section: str
    text: str
    reasons: tuple[str, ...] = attrs.field(converter=_texts)
    score: float


def _messages(value: Iterable[KeyMessage]) -> tuple[KeyMessage, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class KeyMessages:
    """The report's key messages.

    Attributes
    ----------
    improvements, concerns
        Drafted from the figures, best ranked first.
    drafted
        True when the page shows the drafts; false when the service supplied its own.
    service
        The service's own key messages (paragraphs), which replace the drafts.
    source
        Where the service's words came from (commentary file and row).
    """

    improvements: tuple[KeyMessage, ...] = attrs.field(default=(), converter=_messages)
    concerns: tuple[KeyMessage, ...] = attrs.field(default=(), converter=_messages)
    drafted: bool = True
    service: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    source: str = ""


def _number(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def _relative(change: float, base: float | None, unit: Unit) -> float | None:
    """A change in comparable size: percentage points for a percentage, else per cent of the
    base (None when the base is zero or missing)."""
    if unit == Unit.PERCENT:
        return change
    if base is None or base == 0:
        return None
    return 100.0 * change / abs(base)


def _visible(change: float, unit: Unit) -> bool:
    """Whether a change shows at display precision (0.04 points is no change)."""
    zero = format_value(0.0, unit, with_unit=False)
    return format_value(abs(change), unit, with_unit=False) != zero


def year_ago_gain(row: Mapping[str, Any]) -> float | None:
    """The change on a year ago in the better direction (positive: better), comparable across
    units; None without a year-ago figure or a better direction."""
    unit, sign = Unit(row["unit"]), _sign(row)
    change, before = _number(row.get("year_ago_change")), _number(row.get("year_ago"))
    if sign == 0 or change is None:
        return None
    if not _visible(change, unit):
        return 0.0
    size = _relative(change, before, unit)
    return None if size is None else sign * size


def target_gap(row: Mapping[str, Any]) -> float | None:
    """How far the value is beyond (positive) or short of (negative) its target, comparable
    across units; 0 inside a band; None without a target or a better direction."""
    unit, sign = Unit(row["unit"]), _sign(row)
    value = _number(row.get("value"))
    if value is None:
        return None
    lower, upper = _number(row.get("target_lower")), _number(row.get("target_upper"))
    if lower is not None and upper is not None:
        if lower <= value <= upper:
            return 0.0
        bound = lower if value < lower else upper
        return _relative(-abs(value - bound), bound, unit)
    target = _number(row.get("target"))
    if target is None or sign == 0:
        return None
    return _relative(sign * (value - target), target, unit)


def worse_than_neighbours(row: Mapping[str, Any]) -> bool:
    """Whether the value is worse than the statistical neighbours' at display precision."""
    unit, sign = Unit(row["unit"]), _sign(row)
    value, neighbours = _number(row.get("value")), _number(row.get("neighbours"))
    if sign == 0 or value is None or neighbours is None or row.get("like_for_like") is False:
        return False  # a comparator that is not like for like is never "worse than" (issue 18)
    difference = sign * (value - neighbours)
    return difference < 0 and _visible(difference, unit)


def _sign(row: Mapping[str, Any]) -> int:
    polarity = str(row.get("polarity"))
    return {Polarity.HIGHER.value: 1, Polarity.LOWER.value: -1}.get(polarity, 0)


def _eligible(row: Mapping[str, Any]) -> bool:
    return (
        str(row.get("status")) == "ok"
        and not bool(row.get("suppressed"))
        and _sign(row) != 0
        and _number(row.get("value")) is not None
    )


def _run(row: Mapping[str, Any]) -> int:
    run = _number(row.get("worse_run"))
    return 0 if run is None else int(run)


def _figure_words(row: Mapping[str, Any]) -> str:
    """The figure with what it covers, and for a percentage its counts, so that members see
    the base a change rests on: "50.0% (4 of 8, month of December 2015)"."""
    unit = Unit(row["unit"])
    label = "" if is_missing(row.get("window_label")) else str(row["window_label"])
    figure = format_value(row["value"], unit)
    label = label.replace(" (", ", ").replace(")", "")  # "year to date, April to December"
    top, base = _number(row.get("numerator")), _number(row.get("denominator"))
    if unit == Unit.PERCENT and top is not None and base is not None:
        label = f"{top:,.0f} of {base:,.0f}" + (f", {label}" if label else "")
    return f"{figure} ({label})" if label else figure


def _year_ago_words(row: Mapping[str, Any]) -> str:
    unit = Unit(row["unit"])
    change = float(row["year_ago_change"])
    before = format_value(row["year_ago"], unit)
    way = "up" if change > 0 else "down"
    return f"{way} {format_change(change, unit)} on a year ago ({before})"


def _target_words(row: Mapping[str, Any], gap: float | None) -> str | None:
    unit = Unit(row["unit"])
    lower, upper = _number(row.get("target_lower")), _number(row.get("target_upper"))
    if lower is not None and upper is not None:
        target = f"{format_value(lower, unit)} to {format_value(upper, unit)}"
    elif _number(row.get("target")) is not None:
        target = format_value(row["target"], unit)
    else:
        return None
    status = row.get("target_status")
    words = STATUS_WORDS.get(str(status), "") if not is_missing(status) else ""
    if gap is not None and gap < 0:
        return f"{(words or 'short of target').lower()} (target {target})"
    return f"{(words or 'on target').lower()} (target {target})"


def _message(
    row: Mapping[str, Any], reasons: list[str], parts: list[str], score: float
) -> KeyMessage:
    text = f"{row['title']}: {_figure_words(row)}"
    if parts:
        text += ", " + "; ".join(parts)
    return KeyMessage(
        indicator=str(row["indicator"]),
        title=str(row["title"]),
        section=str(row.get("section") or ""),
        text=text + ".",
        reasons=tuple(reasons),
        score=score,
    )


def _improvement(row: Mapping[str, Any]) -> tuple[tuple[float, float], KeyMessage] | None:
    gain = year_ago_gain(row)
    if gain is None or gain <= 0 or _run(row) >= RUN:
        return None
    gap = target_gap(row)
    parts = [_year_ago_words(row)]
    target = _target_words(row, gap)
    if target is not None:
        parts.append(("still " if gap is not None and gap < 0 else "") + target)
    message = _message(row, ["year_ago"], parts, gain)
    return (gain, 0.0 if gap is None else gap), message


def _concern(
    row: Mapping[str, Any], every: str = "month"
) -> tuple[tuple[float, int], KeyMessage] | None:
    gain, gap = year_ago_gain(row), target_gap(row)
    if gain is not None and gain > 0 and _run(row) < RUN:
        return None  # an improvement, whatever else
    unit = Unit(row["unit"])
    reasons: list[str] = []
    parts: list[str] = []
    if gain is not None and gain < 0:
        reasons.append("year_ago")
        parts.append(_year_ago_words(row))
    if gap is not None and gap < 0:
        reasons.append("target")
        parts.append(str(_target_words(row, gap)))
    if _run(row) >= RUN:
        reasons.append("run")
        parts.append(f"worse for {_run(row)} {every}s running")
    if worse_than_neighbours(row):
        reasons.append("neighbours")
        parts.append(
            f"worse than the statistical neighbours ({format_value(row['neighbours'], unit)})"
        )
    if not reasons:
        return None
    score = max(-(gain or 0.0), 0.0) + max(-(gap or 0.0), 0.0)
    return (score, len(reasons)), _message(row, reasons, parts, score)


def draft_key_messages(
    summary: pd.DataFrame, *, every: str = "month", limit: int = LIMIT
) -> KeyMessages:
    """Up to ``limit`` improvements and ``limit`` concerns drafted from a report's summary.

    Parameters
    ----------
    summary
        :attr:`~.model.Report.summary` (:data:`~.model.SUMMARY_COLUMNS`), in the report's
        order: ties keep it.
    every
        ``"month"`` or ``"quarter"``: how a run of worsening periods is named.
    limit
        How many of each.

    Returns
    -------
    KeyMessages
        ``drafted`` true; see the module's docstring for the ranking.
    """
    improvements: list[tuple[tuple[float, float], int, KeyMessage]] = []
    concerns: list[tuple[tuple[float, int], int, KeyMessage]] = []
    rows = summary.to_dict(orient="records") if summary is not None else []
    for position, row in enumerate(rows):
        if not _eligible(row):
            continue
        better = _improvement(row)
        if better is not None:
            improvements.append((better[0], position, better[1]))
        worse = _concern(row, every)
        if worse is not None:
            concerns.append((worse[0], position, worse[1]))
    improvements.sort(key=lambda item: (-item[0][0], -item[0][1], item[1]))
    concerns.sort(key=lambda item: (-item[0][0], -item[0][1], item[1]))
    return KeyMessages(
        improvements=[m for _, _, m in improvements[:limit]],
        concerns=[m for _, _, m in concerns[:limit]],
    )


def service_key_messages(drafts: KeyMessages, text: str, source: str) -> KeyMessages:
    """The service's own key messages (a commentary entry for :data:`KEY_MESSAGES`), which
    replace the drafts: one message per paragraph or bullet line (``•``, ``-`` or ``*``)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        bullet = line.startswith(("- ", "* ", "• "))
        if not line or bullet:
            if current:
                paragraphs.append(" ".join(current))
            current = [line[2:].strip()] if bullet else []
        else:
            current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return attrs.evolve(drafts, drafted=False, service=[p for p in paragraphs if p], source=source)


def key_messages_text(messages: KeyMessages, period: str = "") -> str:
    """The key messages as plain text for a terminal (``make demo`` ends on them): the
    service's own, or the drafts marked as such."""
    heading = f"Key messages{', ' + period if period else ''}"
    if not messages.drafted:
        lines = [f"{heading} (from {messages.source or 'the service'}):"]
        lines += [f"  - {text}" for text in messages.service]
        return "\n".join(lines)
    lines = [f"{heading} (drafted from the figures, for the service to edit):"]
    for name, chosen in (("Improvements", messages.improvements), ("Concerns", messages.concerns)):
        lines.append(f"  {name}:")
        lines += [f"    {n}. {m.section}: {m.text}" for n, m in enumerate(chosen, start=1)]
        if not chosen:
            lines.append("    none")
    return "\n".join(lines)


def key_messages_bullets(messages: KeyMessages) -> str:
    """The key messages as a commentary file's cell: one ``• `` line each (the service's own,
    or the drafts headed "Improvement" and "Concern"), what :func:`service_key_messages` reads
    back, so that ``commentary-draft.csv`` edited and passed back replaces the drafts. Bullets,
    not ``-``: a cell starting with ``-`` is one a spreadsheet reads as a formula (and the CSV
    writer guards it with an apostrophe)."""
    if not messages.drafted:
        return "\n".join(f"• {text}" for text in messages.service)
    lines = [f"• Improvement ({m.section}): {m.text}" for m in messages.improvements]
    lines += [f"• Concern ({m.section}): {m.text}" for m in messages.concerns]
    return "\n".join(lines)
