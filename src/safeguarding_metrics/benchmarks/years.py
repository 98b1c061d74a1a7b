"""The DfE's years: a collection year named as councils and the DfE's tables name it.

Shared by the packaged measures (:mod:`.lookup`) and a plugin's own comparators
(:mod:`.comparator`), which both read years from text.
"""

from __future__ import annotations

import re

__all__ = ["parse_year"]

_FINANCIAL_YEAR = re.compile(r"(\d{4})\s*(?:-|/|–|to)\s*(\d{2}|\d{4})")


def parse_year(year: int | str) -> int:
    """The DfE ``time_period`` of a year: the year ending 31 March it names.

    Parameters
    ----------
    year : int or str
        ``2015``, ``"2015"``, ``"2014-15"``, ``"2014/15"``, ``"2014-2015"`` or ``"201415"``
        (the DfE's six-digit form): all mean the collection year 1 April 2014 to 31 March 2015,
        ``time_period`` 2015.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        Unreadable text, a range whose years are not consecutive, or a year outside 1990-2100.

    Examples
    --------
    >>> parse_year("2014-15"), parse_year(2015), parse_year("201415")
    (2015, 2015, 2015)
    """
    if isinstance(year, bool):
        raise ValueError(f"Not a year: {year!r}.")
    if isinstance(year, int):
        result = year
    else:
        text = str(year).strip()
        range_match = _FINANCIAL_YEAR.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})", text)
        if re.fullmatch(r"\d{4}", text):
            result = int(text)
        elif range_match:
            start, end = int(range_match[1]), range_match[2]
            expected = str(start + 1) if len(end) == 4 else f"{(start + 1) % 100:02d}"
            if end != expected:
                raise ValueError(
                    f"{text!r} is not a collection year: the second year must follow the first "
                    f"(e.g. {start}-{(start + 1) % 100:02d})."
                )
            result = start + 1
        else:
            raise ValueError(
                f"Not a year: {text!r}. Give the year ending 31 March (2015) or the "
                "financial year (2014-15)."
            )
    if not 1990 <= result <= 2100:
        raise ValueError(f"Year {result} is out of range (1990-2100).")
    return result
