"""``safeguarding-metrics benchmarks``: a council's figures beside England, region, neighbours.

The main command-line interface adds this sub-command with :func:`add_parser`; :func:`run`
does the work and returns the exit code: 0 on success, 2 on a user error (unknown council,
measure or year), with a one-paragraph message on standard error and no traceback.
"""

from __future__ import annotations

import argparse
import decimal
import json
import math
import sys
from typing import Any, TextIO

from safeguarding_metrics.benchmarks import _data
from safeguarding_metrics.benchmarks.authorities import NEIGHBOUR_MODELS
from safeguarding_metrics.benchmarks.lookup import (
    NEIGHBOUR_METHODS,
    benchmark_table,
    get_measure,
    measures,
    parse_year,
)

__all__ = ["add_parser", "run"]

_NATIONAL_PREFIX = "national."


def add_parser(subparsers: Any) -> None:
    """Add the ``benchmarks`` sub-command to an ``argparse`` sub-parsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned. The new parser's default
        ``func`` is :func:`run`.
    """
    parser = subparsers.add_parser(
        "benchmarks",
        help="a council's published DfE figures beside England, region and neighbours",
        description=(
            "Show a council's published DfE figures for a collection year beside England, "
            "its region and its statistical neighbours, with its quartile band (A best, D "
            "worst). Data: DfE, Crown copyright, Open Government Licence v3.0."
        ),
    )
    parser.add_argument(
        "--la",
        required=True,
        help="council: DfE old code (372), ONS new code (E08000018) or name (Rotherham)",
    )
    parser.add_argument(
        "--year",
        required=True,
        help="collection year ending 31 March: 2015 or 2014-15 (the same year)",
    )
    parser.add_argument(
        "--indicator",
        action="append",
        metavar="ID",
        help="measure key such as rereferrals_12m or a LAIT short name such as "
        "Continue_Assess_Comp, or national.<key>; repeatable (default: every measure published "
        "that year; the keys are listed in docs/benchmarks.md and lait_measures.csv)",
    )
    parser.add_argument(
        "--neighbours",
        choices=NEIGHBOUR_METHODS,
        default="mean",
        help="average of the statistical neighbours (default: mean, as LAIT; median: as the "
        "DfE dashboard)",
    )
    parser.add_argument(
        "--model",
        choices=NEIGHBOUR_MODELS,
        default=None,
        help="statistical neighbour model (default: 2021 up to 2024, 2025 from 2025)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default: table)",
    )
    parser.set_defaults(func=run)


def _measure_key(indicator: str) -> str:
    """A measure key from ``--indicator``: a key, or ``national.<key>`` naming one."""
    text = indicator.strip()
    if text.startswith(_NATIONAL_PREFIX):
        bare = text[len(_NATIONAL_PREFIX) :]
        if any(m.key == bare for m in measures()):
            return bare
    return get_measure(text).key


def _number(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _records(frame: Any) -> list[dict[str, Any]]:
    records = []
    for row in frame.to_dict(orient="records"):
        record = dict(row)
        for column in ("la_value", "england", "region", "neighbours"):
            record[column] = _number(record[column])
        for column in ("year", "neighbours_n", "councils_n"):
            record[column] = int(record[column])
        if not isinstance(record["quartile"], str):
            record["quartile"] = None
        records.append(record)
    return records


def _fmt(value: float | None) -> str:
    """One decimal place, halves up (as the DfE rounds), after clearing float noise."""
    if value is None:
        return "-"
    exact = decimal.Decimal(str(round(value, 9)))
    return str(exact.quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP))


def _write_table(records: list[dict[str, Any]], out: TextIO) -> None:
    first = records[0]
    out.write(
        f"{first['la_name']} ({first['la_code']}), {first['region_name']}: "
        f"{first['year'] - 1}-{first['year'] % 100:02d} (time_period {first['year']}); "
        f"neighbours: {first['neighbour_method']}\n\n"
    )
    header = ("measure", "unit", "council", "England", "region", "neighbours", "n", "model", "Q")
    rows = [
        (
            r["measure"],
            r["unit"],
            _fmt(r["la_value"]),
            _fmt(r["england"]),
            _fmt(r["region"]),
            _fmt(r["neighbours"]),
            str(r["neighbours_n"]),
            r["neighbour_model"],
            r["quartile"] or "-",
        )
        for r in records
    ]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = [
            str(cell).ljust(width) if i < 2 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        out.write("  ".join(cells).rstrip() + "\n")
    notes = [(r["measure"], r["notes"]) for r in records if r["notes"]]
    if notes:
        out.write("\nNotes:\n")
        for key, note in notes:
            out.write(f"  {key}: {note}\n")
    out.write(
        "\nQ: quartile band among all councils with a value, A best to D worst. "
        "Source: Department for Education, Crown copyright, Open Government Licence v3.0.\n"
    )


def run(args: argparse.Namespace, *, stdout: TextIO | None = None) -> int:
    """Run ``safeguarding-metrics benchmarks``.

    Parameters
    ----------
    args : argparse.Namespace
        ``la``, ``year``; optionally ``indicator`` (a key or a list of keys), ``neighbours``
        (``"mean"``), ``model`` (``None``) and ``format`` (``"table"``).
    stdout : file, optional
        Where the output goes (standard output by default).

    Returns
    -------
    int
        0 on success; 2 when the council, year, measure or option is not known, with the
        reason on standard error.
    """
    out = sys.stdout if stdout is None else stdout
    indicator = getattr(args, "indicator", None)
    indicators = [indicator] if isinstance(indicator, str) else list(indicator or [])
    try:
        year = parse_year(args.year)
        keys = [_measure_key(i) for i in indicators] or [
            m.key for m in measures() if year in m.years
        ]
        published = {y for (_, y) in _data.value_index()} | {
            y for years in _data.lait_years().values() for y in years
        }
        if year not in published:
            raise LookupError(
                f"No DfE benchmark data for {year} ({year - 1}-{year % 100:02d}): the packaged "
                f"tables cover {min(published)} to {max(published)}."
            )
        model = getattr(args, "model", None)
        frame = benchmark_table(
            args.la,
            year,
            measures=keys,
            neighbours=getattr(args, "neighbours", "mean"),
            model=None if model is None else str(model),
        )
    except (LookupError, ValueError) as error:
        sys.stderr.write(f"safeguarding-metrics benchmarks: {error}\n")
        return 2
    records = _records(frame)
    if getattr(args, "format", "table") == "json":
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _write_table(records, out)
    return 0
