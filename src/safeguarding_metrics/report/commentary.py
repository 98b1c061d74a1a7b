"""Commentary: the service's words beside each indicator, or a plain factual draft.

The service writes the commentary; the tool gives it a place. A council keeps a commentary file,
CSV (easy to edit in Excel) with one row per indicator and period::

    indicator,period,commentary
    national.rereferrals_12m,2015-12,"Case audits under way to understand repeat referrals."
    national.assessments_45wd,2015-16 Q3,"Managers asked not to sign off assessments ..."

``period`` names the period the words are about, as the report labels it: a month
``YYYY-MM``, a financial quarter ``YYYY-YY Qn`` or a year ``YYYY-YY``; or the period's last
day, ``YYYY-MM-DD``. An optional ``author`` column is shown beside the words. Where the file
has no entry for an indicator's latest period, :func:`draft_commentary` writes sentences from
the figures (movement since the previous period and since the start of the year, position
against target, England and neighbours), marked as a draft for the analyst to edit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..indicator import Indicator, Polarity, Unit
from ..textfiles import NotText, read_text
from .formatting import format_change, format_value, is_missing, period_name
from .model import Commentary

__all__ = ["CommentaryError", "CommentaryFile", "draft_commentary", "load_commentary"]

_COLUMNS = ("indicator", "period", "commentary")


class CommentaryError(ValueError):
    """A commentary file that cannot be read; the message names the file, row and column."""


@attrs.frozen(kw_only=True)
class CommentaryFile:
    """Entries of a commentary file, keyed by ``(indicator id, period key)``.

    A period key is a month ``YYYY-MM``, a quarter ``YYYY-YY Qn``, a year ``YYYY-YY`` or a
    period end ``YYYY-MM-DD``; :meth:`find` tries the label and the end date of a period.
    """

    path: str
    entries: Mapping[tuple[str, str], Commentary] = attrs.field(factory=dict)

    def find(
        self, indicator: str, label: str, end: dt.date, start: dt.date | None = None
    ) -> Commentary | None:
        """The entry for the period (by its label or its last day); for a period of several
        months (a quarter) with none of its own, the entries of its months, the latest first,
        each headed by its month."""
        for key in (label, end.isoformat()):
            found = self.entries.get((indicator, key))
            if found is not None:
                return found
        if start is None:
            return None
        months = []
        first = start.replace(day=1)
        month = end.replace(day=1)
        while month >= first:
            months.append(month)
            month = (month - dt.timedelta(days=1)).replace(day=1)
        parts = []
        for month in months:
            last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            last -= dt.timedelta(days=1)
            for key in (f"{month:%Y-%m}", last.isoformat()):
                found = self.entries.get((indicator, key))
                if found is not None:
                    parts.append((month, found))
                    break
        if not parts or len(months) < 2:
            return None
        return Commentary(
            text="\n\n".join(f"{month:%B %Y}: {found.text}" for month, found in parts),
            draft=False,
            source="; ".join(found.source for _, found in parts),
        )

    @property
    def indicators(self) -> set[str]:
        return {indicator for indicator, _ in self.entries}


def _period_key(text: str) -> str | None:
    """The normal form of a period written in a commentary file, or None when not one."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        month = int(text[5:])
        return text if 1 <= month <= 12 else None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    match = re.fullmatch(r"(\d{4})[-/](\d{2})(?:\s*Q([1-4]))?", text, flags=re.IGNORECASE)
    if match and int(match.group(2)) == (int(match.group(1)) + 1) % 100:
        label = f"{match.group(1)}-{match.group(2)}"
        return f"{label} Q{match.group(3)}" if match.group(3) else label
    return None


#: The longest commentary cell read, in characters: a few paragraphs fit many times over; a
#: longer cell is a file saved wrongly (or not a commentary file), refused with its row.
MAX_CELL = 20_000

#: Control characters (all but tab, line feed and carriage return): no spreadsheet or web page
#: can show them, and the report's workbook cannot hold them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _decoded(path: Path) -> str:
    """The file's text: UTF-8 with or without a byte-order mark, or UTF-16 with one (what Excel
    saves as "Unicode Text"); else a message naming the line of the first byte that is not
    UTF-8."""
    try:
        return read_text(path)
    except OSError as exc:
        raise CommentaryError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except NotText as exc:
        where = f"{path}" if exc.line is None else f"{path}, row {exc.line}"
        raise CommentaryError(f"{where}: {exc.detail}; save it as 'CSV UTF-8'") from None


def _check_cells(path: Path, number: int, row: Mapping[str | None, Any]) -> None:
    """A row's cells hold no control character and none is longer than :data:`MAX_CELL`."""
    for column, value in row.items():
        cells = value if isinstance(value, list) else [value]  # extra cells: column None
        for cell in cells:
            if not isinstance(cell, str):
                continue
            name = column if column is not None else "(beyond the header)"
            if len(cell) > MAX_CELL:
                raise CommentaryError(
                    f"{path}, row {number}, column {name}: {len(cell):,} characters; a "
                    f"commentary cell holds at most {MAX_CELL:,}"
                )
            bad = _CONTROL.search(cell)
            if bad is not None:
                raise CommentaryError(
                    f"{path}, row {number}, column {name}: a control character "
                    f"(U+{ord(bad.group()):04X}) at character {bad.start() + 1}; remove it"
                )


def _check_width(path: Path, number: int, row: Mapping[str | None, Any], width: int) -> None:
    """A row holds no more values than the header names (empty ones at the end aside).

    A comma inside an unquoted commentary splits it into cells beyond the header, which
    ``csv.DictReader`` keeps aside: the words after the comma would be lost without a word.
    """
    extra = [c for c in (row.get(None) or []) if isinstance(c, str) and c.strip()]
    if extra:
        raise CommentaryError(
            f"{path}, row {number}: {width + len(row.get(None) or [])} values for the "
            f"header's {width} columns; a comma inside the commentary? Put the commentary "
            'in double quotes ("...") so that every word is kept'
        )


def load_commentary(path: str | Path) -> CommentaryFile:
    """Read a commentary CSV (UTF-8, with or without a byte-order mark).

    Raises
    ------
    CommentaryError
        When the file cannot be read or is not UTF-8, lacks a column, a cell holds a control
        character (a NUL byte, say) or more than :data:`MAX_CELL` characters, or a row's
        period or indicator is not valid; the message names the file, the row (as a
        spreadsheet numbers it) and the column.
    """
    path = Path(path)
    text = _decoded(path)
    # newline="" keeps line breaks inside quoted cells, and only CR/LF end a row (splitlines
    # would also split on form feeds and Unicode line separators inside the words).
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise CommentaryError(f"{path}, row 1: not a CSV header ({exc})") from None
    header = [h.strip().lower() for h in (fieldnames or [])]
    _check_cells(path, 1, dict(zip(header, header, strict=True)))
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise CommentaryError(
            f"{path}, row 1: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(_COLUMNS)} (and optionally author)"
        )
    reader.fieldnames = header
    entries: dict[tuple[str, str], Commentary] = {}
    number = 1
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a cell beyond the csv module's own limit
            raise CommentaryError(
                f"{path}, row {number}: cannot be read ({exc}); a commentary cell holds at "
                f"most {MAX_CELL:,} characters"
            ) from None
        _check_cells(path, number, row)
        _check_width(path, number, row, len(header))
        indicator = (row.get("indicator") or "").strip()
        period = (row.get("period") or "").strip()
        words = (row.get("commentary") or "").strip()
        if not indicator and not period and not words:
            continue
        if not indicator:
            raise CommentaryError(f"{path}, row {number}, column indicator: empty")
        key = _period_key(period)
        if key is None:
            raise CommentaryError(
                f"{path}, row {number}, column period: {period[:40]!r} is not a period "
                "(write YYYY-MM, YYYY-YY Qn, YYYY-YY or the period's last day YYYY-MM-DD)"
            )
        if (indicator, key) in entries:
            raise CommentaryError(
                f"{path}, row {number}: a second entry for {indicator} in {period}"
            )
        author = (row.get("author") or "").strip()
        source = f"{path.name}, row {number}" + (f", {author}" if author else "")
        entries[(indicator, key)] = Commentary(text=words, draft=False, source=source)
    return CommentaryFile(path=str(path), entries=entries)


def _compare(value: float, other: float, unit: Unit) -> str:
    """'higher than' / 'lower than' / 'the same as', at display precision."""
    a, b = format_value(value, unit, with_unit=False), format_value(other, unit, with_unit=False)
    if a == b:
        return "the same as"
    return "higher than" if value > other else "lower than"


def _better(value: float, other: float, unit: Unit, polarity: Polarity) -> bool | None:
    """Whether ``value`` is better than ``other`` (None: equal at display precision or
    a measure with no better direction)."""
    a, b = format_value(value, unit, with_unit=False), format_value(other, unit, with_unit=False)
    if a == b or polarity == Polarity.NEUTRAL:
        return None
    return value > other if polarity == Polarity.HIGHER else value < other


def _judgement(value: float, other: float, unit: Unit, polarity: Polarity) -> str:
    better = _better(value, other, unit, polarity)
    if better is None:
        return ""
    return ", an improvement" if better else ", a deterioration"


def draft_commentary(
    indicator: Indicator,
    series: list[Mapping[str, Any]],
    *,
    window_label: str,
    every: str,
    status: str = "ok",
    reason: str | None = None,
) -> Commentary:
    """Plain factual sentences about the latest period, marked as a draft.

    ``series`` is the indicator's rows (:data:`~.model.SECTION_SERIES_COLUMNS`), oldest first.
    The draft says: the latest value (with its numerator and denominator), the movement since
    the previous period and since the first period of the financial year in the series, the
    position against the target, and against England and the statistical neighbours. It never
    explains causes: that is the service's part.
    """
    title = indicator.title
    unit = Unit(indicator.unit)
    polarity = Polarity(indicator.polarity)
    if status != "ok":
        return Commentary(
            text=f"{title}: not computable from these data ({reason}).",
            draft=True,
            source="drafted",
        )
    rows = [r for r in series if not is_missing(r.get("value"))]
    if not series:
        return Commentary(text=f"{title}: no periods to report.", draft=True, source="drafted")
    latest = series[-1]
    when = period_name(latest["period_start"], latest["period_end"])
    if is_missing(latest.get("value")):
        if latest.get("suppressed"):
            text = f"{when}: the figure is suppressed (small numbers)."
        else:
            text = f"{when}: no value (nothing to count in the period)."
        return Commentary(text=text, draft=True, source="drafted")
    value = float(latest["value"])
    sentences = []
    counted = ""
    if not is_missing(latest.get("denominator")) and unit == Unit.PERCENT:
        counted = (
            f" ({format_value(latest['numerator'], Unit.COUNT)} of "
            f"{format_value(latest['denominator'], Unit.COUNT)})"
        )
    lead = window_label[:1].upper() + window_label[1:]
    if not lead.lower().startswith("as at"):
        lead = f"In the {window_label}"
    sentences.append(f"{lead}: {format_value(value, unit)}{counted}.")
    previous_label = "the previous quarter" if every == "quarter" else "the previous month"
    if len(series) >= 2 and not is_missing(series[-2].get("value")):
        before = float(series[-2]["value"])
        change = value - before
        if format_value(value, unit) == format_value(before, unit):
            sentences.append(f"No change on {previous_label} ({format_value(before, unit)}).")
        else:
            verb = "Up" if change > 0 else "Down"
            sentences.append(
                f"{verb} {format_change(change, unit)} on {previous_label} "
                f"({format_value(before, unit)}){_judgement(value, before, unit, polarity)}."
            )
    year_start = _financial_year_start(latest["period_end"])
    first = next(
        (r for r in rows if _as_date(r["period_start"]) >= year_start and r is not latest),
        None,
    )
    if first is not None and first is not (series[-2] if len(series) >= 2 else None):
        since = period_name(first["period_start"], first["period_end"])
        start_value = float(first["value"])
        if format_value(value, unit) == format_value(start_value, unit):
            sentences.append(f"The same as in {since} ({format_value(start_value, unit)}).")
        else:
            verb = "up" if value > start_value else "down"
            sentences.append(
                f"Since {since} ({format_value(start_value, unit)}) it is {verb} "
                f"{format_change(value - start_value, unit)}"
                f"{_judgement(value, start_value, unit, polarity)}."
            )
    target = latest.get("target")
    if not is_missing(target):
        status_words = {
            "green": "meets the target",
            "amber": "is close to the target",
            "red": "misses the target",
        }.get(str(latest.get("target_status")), "is measured against the target")
        sentences.append(f"It {status_words} of {format_value(target, unit)}.")
    comparisons = []
    like_for_like = latest.get("like_for_like") is not False
    for column, name in (
        ("neighbours", "the statistical neighbours' average"),
        ("england", "England"),
    ):
        other: Any = latest.get(column)
        if not is_missing(other) and like_for_like:
            better = _better(value, float(other), unit, polarity)
            verdict = "" if better is None else (", better" if better else ", worse")
            comparisons.append(
                f"{_compare(value, float(other), unit)} {name} "
                f"({format_value(other, unit)}{verdict})"
            )
    if comparisons:
        year: Any = latest.get("benchmark_year")
        which = (
            f"the {int(year) - 1}-{int(year) % 100:02d} benchmarks"
            if not is_missing(year)
            else "the benchmarks"
        )
        sentences.append(f"Against {which} it is {' and '.join(comparisons)}.")
    if not like_for_like and not is_missing(latest.get("england")):
        sentences.append(
            "The published comparator is not like for like "
            f"({latest.get('benchmark_note') or 'another definition'}): no comparison is drawn."
        )
    return Commentary(text=" ".join(sentences), draft=True, source="drafted")


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    import pandas as pd

    return pd.Timestamp(value).date()


def _financial_year_start(end: Any) -> dt.date:
    day = _as_date(end)
    return dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)
