"""A council's report settings: one small TOML file for the report's options.

Example (``report.toml``)::

    # Which window each indicator's headline shows (period, ytd or rolling12)
    [headline]
    "national.rereferrals_12m" = "rolling12"
    "rotherham.mash_decision_24h" = "period"

Ids are checked against the registry when the report is built (an unknown id is a usage error
naming it, with the closest registered id).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..indicator import WINDOWS
from ..textfiles import NotText, read_text

__all__ = ["ReportSettings", "SettingsFileError", "load_settings"]


class SettingsFileError(ValueError):
    """The settings file cannot be read; the message names the file and the entry."""


def _headlines(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


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
    """

    headline: Mapping[str, str] = attrs.field(factory=dict, converter=_headlines)
    source: str = ""

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
    unknown = sorted(set(data) - {"headline"})
    if unknown:
        raise SettingsFileError(
            f"{path}: unknown section(s) {', '.join(unknown)}; expected [headline]"
        )
    headline = data.get("headline", {})
    if not isinstance(headline, dict) or not all(isinstance(v, str) for v in headline.values()):
        raise SettingsFileError(
            f'{path}: [headline] maps indicator ids to a window: "ID" = "period"'
        )
    return ReportSettings(headline=headline, source=str(path))
