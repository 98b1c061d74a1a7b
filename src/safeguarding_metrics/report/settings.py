"""A council's report settings: one small TOML file for the report's options.

Example (``report.toml``)::

    # Which window each indicator's headline shows (period, ytd or rolling12)
    [headline]
    "national.rereferrals_12m" = "rolling12"
    "rotherham.mash_decision_24h" = "period"

    # An optional front page for the committee pack (the seed report's cover sheet)
    [committee]
    committee = "Improving Lives Select Commission"
    meeting_date = 2016-02-03
    title = "Safeguarding Children and Families Performance, Quarter 3 (December 2015)"
    contact_officer = ["Deborah Johnson, Performance Assurance Manager, 01709 822666"]
    recommendations = ["That members review the performance report and consider issues arising"]
    wards = "All"
    exempt = false          # or the reason, e.g. "Exempt under paragraph 2 of Schedule 12A"

Ids are checked against the registry when the report is built (an unknown id is a usage error
naming it, with the closest registered id).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..indicator import WINDOWS
from ..textfiles import NotText, read_text

__all__ = ["CommitteePack", "ReportSettings", "SettingsFileError", "load_settings"]


class SettingsFileError(ValueError):
    """The settings file cannot be read; the message names the file and the entry."""


def _headlines(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


def _lines(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    return tuple(str(v) for v in value)


#: The keys of a ``[committee]`` table, what each holds.
COMMITTEE_KEYS = {
    "committee": "the committee's name",
    "meeting_date": "the meeting's date (2016-02-03)",
    "title": "the report's title on the cover",
    "contact_officer": "who to contact (a line, or a list of lines)",
    "recommendations": "the recommendations to members (a list)",
    "wards": "the wards affected",
    "exempt": "false, or why the report is exempt from the press and public",
    "summary": "a paragraph saying what the report is",
}


@attrs.frozen(kw_only=True)
class CommitteePack:
    """The front page of a committee pack (the seed report's cover sheet).

    Attributes
    ----------
    committee
        The committee's name ("Improving Lives Select Commission").
    meeting_date
        The meeting's date.
    title
        The report's title on the cover ("" to use the report's own).
    contact_officer
        Who to contact, one line each (name, role, telephone, e-mail).
    recommendations
        The recommendations to members, in order.
    wards
        The wards affected ("All").
    exempt
        Empty when open to the press and public; otherwise why it is exempt.
    summary
        A paragraph saying what the report is.
    """

    committee: str = ""
    meeting_date: dt.date | None = None
    title: str = ""
    contact_officer: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    recommendations: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    wards: str = ""
    exempt: str = ""
    summary: str = ""


@attrs.frozen(kw_only=True)
class ReportSettings:
    """The report's options a council keeps in a file.

    Attributes
    ----------
    headline
        Per indicator id, the window its headline shows (one of
        :data:`~safeguarding_metrics.indicator.WINDOWS`), overriding the indicator's own.
    source
        The file it was read from ("" when built in code).
    committee
        The committee pack's front page, when the file has a ``[committee]`` table.
    """

    headline: Mapping[str, str] = attrs.field(factory=dict, converter=_headlines)
    source: str = ""
    committee: CommitteePack | None = None

    @headline.validator
    def _check(self, _: Any, value: Mapping[str, str]) -> None:
        for indicator_id, window in value.items():
            if window not in WINDOWS:
                raise SettingsFileError(
                    f"{self.source or 'settings'}: headline.{indicator_id} is one of "
                    f"{', '.join(WINDOWS)}, not {window!r}"
                )


def load_settings(path: str | Path) -> ReportSettings:
    """Read a report settings file.

    Raises
    ------
    SettingsFileError
        When the file cannot be read, is not TOML, has an unknown section or a headline that
        is not a window.
    """
    path = Path(path)
    try:
        data = tomllib.loads(read_text(path))
    except OSError as exc:
        raise SettingsFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except NotText as exc:
        where = f"{path}" if exc.line is None else f"{path}, line {exc.line}"
        raise SettingsFileError(f"{where}: {exc.detail}; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsFileError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - {"headline", "committee"})
    if unknown:
        raise SettingsFileError(
            f"{path}: unknown section(s) {', '.join(unknown)}; expected [headline] or [committee]"
        )
    headline = data.get("headline", {})
    if not isinstance(headline, dict) or not all(isinstance(v, str) for v in headline.values()):
        raise SettingsFileError(
            f'{path}: [headline] maps indicator ids to a window: "ID" = "period"'
        )
    committee = _committee(path, data["committee"]) if "committee" in data else None
    return ReportSettings(headline=headline, source=str(path), committee=committee)


def _committee(path: Path, table: Any) -> CommitteePack:
    """The ``[committee]`` table as a :class:`CommitteePack`, every key checked."""
    if not isinstance(table, dict):
        raise SettingsFileError(
            f"{path}: [committee] is a table of keys ({', '.join(COMMITTEE_KEYS)})"
        )
    unknown = sorted(set(table) - set(COMMITTEE_KEYS))
    if unknown:
        raise SettingsFileError(
            f"{path}: [committee] has no key {unknown[0]!r}; its keys: {', '.join(COMMITTEE_KEYS)}"
        )
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "meeting_date":
            values[key] = _date(path, value)
        elif key in ("contact_officer", "recommendations"):
            if not isinstance(value, str) and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise SettingsFileError(f"{path}: committee.{key} is text or a list of text")
            values[key] = value
        elif key == "exempt":
            if value is False:
                values[key] = ""
            elif isinstance(value, str) and value.strip():
                values[key] = value.strip()
            else:
                raise SettingsFileError(
                    f"{path}: committee.exempt is false, or the reason the report is exempt"
                )
        elif isinstance(value, str):
            values[key] = value.strip()
        else:
            raise SettingsFileError(f"{path}: committee.{key} is text ({COMMITTEE_KEYS[key]})")
    return CommitteePack(**values)


def _date(path: Path, value: Any) -> dt.date:
    """A TOML date, or text ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise SettingsFileError(
            f"{path}: committee.meeting_date {str(value)[:40]!r} is not a date (write 2016-02-03)"
        ) from None
