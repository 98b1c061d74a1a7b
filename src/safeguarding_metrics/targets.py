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

    [targets."rotherham.caseload_average"]
    lower = 18            # a band: green from 18 to 22, both included
    upper = 22
    tolerance = 1         # amber up to 1 outside it, on either side; red further

An indicator may have several entries (an array of tables, ``[[targets."id"]]``) for different
years. Targets given here win over the plugins' defaults; targets passed to ``calculate`` win
over these.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from pathlib import Path
from typing import Any

from .indicator import Target
from .textfiles import NotText, read_text

__all__ = ["TargetsFileError", "load_targets"]


class TargetsFileError(ValueError):
    """The targets file cannot be read; the message names the file and the entry."""


def _date(value: Any, where: str, key: str) -> str | None:
    """An entry's ``valid_from`` / ``valid_to`` as ``YYYY-MM-DD`` (None when not given)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # a TOML date-time: a target applies to whole days
        raise TargetsFileError(
            f"{where}: {key!r} is a date and time ({value.isoformat()}); write a date, YYYY-MM-DD"
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise TargetsFileError(f"{where}: {key!r} {value!r} is not a date (YYYY-MM-DD)") from None


def _number(entry: dict[str, Any], key: str, where: str) -> float | None:
    """``entry[key]`` as a finite number, or None when absent.

    TOML has booleans and the floats ``nan`` and ``inf``; Python would take ``true`` as 1 and
    compare anything with NaN as false, so each would quietly change the statuses. They are
    refused, and so is a number written as text (``"22"``): the file says what it means.
    """
    if key not in entry:
        return None
    value = entry[key]
    if isinstance(value, bool):
        raise TargetsFileError(
            f"{where}: {key!r} is a boolean ({str(value).lower()}), not a number"
        )
    if not isinstance(value, (int, float)):
        raise TargetsFileError(
            f"{where}: {key!r} is {type(value).__name__} {str(value)[:40]!r}; "
            "'value' and 'tolerance' are numbers, written without quotes"
        )
    number = float(value)
    if not math.isfinite(number):
        raise TargetsFileError(f"{where}: {key!r} is {value}, not a finite number")
    return number


def _text(path: Path) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), or UTF-16 with its mark.

    Anything else (Latin-1, Windows-1252, a code page) is refused, naming the line of the first
    byte that is not UTF-8: decoding it as some other encoding could misread a key silently.
    """
    try:
        return read_text(path)
    except OSError as exc:
        raise TargetsFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except NotText as exc:
        where = f"{path}" if exc.line is None else f"{path}, line {exc.line}"
        raise TargetsFileError(
            f"{where}: {exc.detail}; the targets file is read as UTF-8 (or UTF-16 with a "
            "byte-order mark): save it as UTF-8"
        ) from None


def _entry(indicator: str, entry: Any, where: str, path: Path) -> Target:
    """One ``[targets."ID"]`` table checked and made a :class:`Target`."""
    if not isinstance(entry, dict):
        raise TargetsFileError(f"{where}: expected a table with 'value' (or 'lower' and 'upper')")
    extra = set(entry) - {"value", "lower", "upper", "tolerance", "valid_from", "valid_to", "note"}
    if extra:
        raise TargetsFileError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
    band = "lower" in entry or "upper" in entry
    if band and "value" in entry:
        raise TargetsFileError(
            f"{where}: give 'value' (a level) or 'lower' and 'upper' (a band), not both"
        )
    if band and ("lower" not in entry or "upper" not in entry):
        missing = "upper" if "lower" in entry else "lower"
        raise TargetsFileError(f"{where}: a band needs 'lower' and 'upper'; {missing!r} is missing")
    if not band and "value" not in entry:
        raise TargetsFileError(f"{where}: 'value' is missing")
    value = _number(entry, "value", where)
    lower = _number(entry, "lower", where)
    upper = _number(entry, "upper", where)
    if lower is not None and upper is not None and lower > upper:
        raise TargetsFileError(f"{where}: 'lower' {lower:g} is above 'upper' {upper:g}")
    tolerance = _number(entry, "tolerance", where)
    if tolerance is not None and tolerance < 0:
        raise TargetsFileError(f"{where}: 'tolerance' cannot be negative")
    valid_from = _date(entry.get("valid_from"), where, "valid_from")
    valid_to = _date(entry.get("valid_to"), where, "valid_to")
    if valid_from is not None and valid_to is not None and valid_from > valid_to:
        raise TargetsFileError(
            f"{where}: 'valid_from' {valid_from} is after 'valid_to' {valid_to}; "
            "the target would apply to no period"
        )
    return Target(
        indicator=indicator,
        value=value,
        lower=lower,
        upper=upper,
        tolerance=tolerance,
        valid_from=valid_from,
        valid_to=valid_to,
        source=str(path),
    )


def load_targets(path: str | Path) -> dict[str, list[Target]]:
    """Read a targets file into ``{indicator id: [Target, ...]}``.

    Raises
    ------
    TargetsFileError
        When the file cannot be read or decoded, is not TOML, or an entry is not a target
        (a misspelt key, a value that is not a finite number, a negative tolerance, a bad date
        or ``valid_from`` after ``valid_to``); the message names the file and the entry.
    """
    path = Path(path)
    try:
        data = tomllib.loads(_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise TargetsFileError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"targets"}
    if unknown:
        raise TargetsFileError(
            f'{path}: unknown section(s) {", ".join(sorted(unknown))}; expected [targets."ID"]'
        )
    section = data.get("targets", {})
    if not isinstance(section, dict):
        raise TargetsFileError(
            f"{path}: 'targets' is {type(section).__name__}, not a table; "
            'write one [targets."ID"] table per indicator'
        )
    out: dict[str, list[Target]] = {}
    for indicator, entries in section.items():
        items = entries if isinstance(entries, list) else [entries]
        for k, entry in enumerate(items):
            where = f"{path}, targets.{indicator!s}" + (f"[{k}]" if len(items) > 1 else "")
            out.setdefault(indicator, []).append(_entry(indicator, entry, where, path))
    return out
