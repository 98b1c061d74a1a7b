"""A council's own targets and tolerances, in a small TOML file it owns.

Example (``targets.toml``)::

    # Targets agreed by the Improving Lives Select Commission, 2015-16
    [targets."national.rereferrals_12m"]
    value = 22.0          # per cent; lower is better for this indicator
    tolerance = 2.0       # amber when worse than the target by at most this much

    [targets."national.assessments_45wd"]
    value = 90.0
    valid_from = "2015-04-01"   # optional: applies to periods ending in these dates
    valid_to = "2016-03-31"

An indicator may have several entries (an array of tables, ``[[targets."id"]]``) for different
years. Targets given here win over the plugins' defaults; targets passed to ``calculate`` win
over these.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from .indicator import Target

__all__ = ["TargetsFileError", "load_targets"]


class TargetsFileError(ValueError):
    """The targets file cannot be read; the message names the file and the entry."""


def _date(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise TargetsFileError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def load_targets(path: str | Path) -> dict[str, list[Target]]:
    """Read a targets file into ``{indicator id: [Target, ...]}``."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise TargetsFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetsFileError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"targets"}
    if unknown:
        raise TargetsFileError(
            f'{path}: unknown section(s) {", ".join(sorted(unknown))}; expected [targets."ID"]'
        )
    out: dict[str, list[Target]] = {}
    for indicator, entries in data.get("targets", {}).items():
        items = entries if isinstance(entries, list) else [entries]
        for k, entry in enumerate(items):
            where = f"{path}, targets.{indicator!s}" + (f"[{k}]" if len(items) > 1 else "")
            if not isinstance(entry, dict):
                raise TargetsFileError(f"{where}: expected a table with 'value'")
            extra = set(entry) - {"value", "tolerance", "valid_from", "valid_to", "note"}
            if extra:
                raise TargetsFileError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
            if "value" not in entry:
                raise TargetsFileError(f"{where}: 'value' is missing")
            try:
                value = float(entry["value"])
                tolerance = None if "tolerance" not in entry else float(entry["tolerance"])
            except (TypeError, ValueError):
                raise TargetsFileError(f"{where}: 'value' and 'tolerance' are numbers") from None
            if tolerance is not None and tolerance < 0:
                raise TargetsFileError(f"{where}: 'tolerance' cannot be negative")
            out.setdefault(indicator, []).append(
                Target(
                    indicator=indicator,
                    value=value,
                    tolerance=tolerance,
                    valid_from=_date(entry.get("valid_from"), where),
                    valid_to=_date(entry.get("valid_to"), where),
                    source=str(path),
                )
            )
    return out
