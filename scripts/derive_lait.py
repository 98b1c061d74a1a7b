"""Derive the packaged LAIT comparators from the DfE Local Authority Interactive Tool's data.

Reads ``lait_benchmarks_long.parquet`` (the LAIT's long table: measure, year, council or region,
value as published text) and ``lait_data_dictionary.csv`` (one row per measure: polarity,
decimal places, year type, whether quartiles apply), and writes, for the children's social
care topics (children in need, child protection, children looked after, adoption, the
children's services workforce):

``lait_values.csv.gz``
    ``measure, time_period, area, value, code``: ``area`` is the council's DfE old code, the
    region's ONS code (``E12...``; ``E13000001``/``E13000002`` for Inner and Outer London) or
    ``E92000001`` for England. ``value`` is the published figure (the float noise of the
    LAIT's text removed: ``73.60000000000001`` is ``73.6``); ``code`` holds the published
    mark (``-``) when there is no figure, and ``value`` is then empty.
``lait_measures.csv``
    One row per measure: key (the LAIT's short name), topic, title, name, data item,
    polarity (``higher``, ``lower`` or ``neutral``), decimals, whether quartiles apply, year
    type and the day ending its year (``period_end``), the source table and the description.
``LAIT-ATTRIBUTION.md``
    The source and the Open Government Licence v3.0 attribution.

Usage::

    python scripts/derive_lait.py [LAIT_DIR] [--out DIR]

``LAIT_DIR`` defaults to ``../shared/data/dfe/lait`` beside the repository; ``--out`` to
``src/safeguarding_metrics/benchmarks/data``. The output is deterministic (gzip written with
no name and no time stamp): the test suite checks that the packaged files equal a fresh
derivation when ``../shared`` is present.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import io
import math
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LAIT_DIR = REPO.parent / "shared" / "data" / "dfe" / "lait"
DEFAULT_OUT_DIR = REPO / "src" / "safeguarding_metrics" / "benchmarks" / "data"
VALUES = "lait_benchmarks_long.parquet"
DICTIONARY = "lait_data_dictionary.csv"

#: The LAIT topics of children's social care: the measures packaged.
TOPICS = (
    "Children in Need",
    "Child Protection",
    "Children Looked After",
    "Adoption",
    "Children's Services Workforce",
)

#: LAIT's numbers for England and the regions, to ONS codes.
AREAS = {
    970: "E92000001",
    980: "E12000001",
    981: "E12000002",
    982: "E12000003",
    983: "E12000004",
    984: "E12000005",
    985: "E12000006",
    986: "E12000007",
    987: "E13000001",
    988: "E13000002",
    989: "E12000008",
    990: "E12000009",
}

#: The day (``MM-DD``) ending the year a LAIT year label names, by the dictionary's year type.
PERIOD_ENDS = {
    "Financial Year": "03-31",
    "Annual": "03-31",
    "Annual (end of Sept)": "09-30",
    "Academic Year": "08-31",
}

POLARITIES = {"High": "higher", "Low": "lower"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE]-?\d+)?$")
MEASURE_COLUMNS = (
    "key",
    "topic",
    "title",
    "name",
    "data_item",
    "unit",
    "polarity",
    "decimals",
    "quartiles",
    "year_type",
    "period_end",
    "source_table",
    "description",
)
VALUE_COLUMNS = ("measure", "time_period", "area", "value", "code")


class DerivationError(Exception):
    """The LAIT files do not hold what the derivation expects."""


def _text(value: object) -> str:
    """A dictionary cell as one line of plain text (``""`` when empty).

    The dictionary is read as latin-1 (its own encoding), but some descriptions hold UTF-8
    punctuation (``â\x80\x99`` read as latin-1 is an apostrophe): those are decoded again.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("latin-1").decode("utf-8")
    return " ".join(text.split())


def published_number(text: str) -> tuple[str, str]:
    """``(value, code)`` of a published cell: the number without float noise, or the mark."""
    cleaned = text.strip()
    if NUMBER.match(cleaned):
        # The LAIT's text carries the noise of binary arithmetic (73.60000000000001): six
        # places remove it and keep every published digit (the most any measure has is two).
        text = f"{round(float(cleaned), 6):.6f}".rstrip("0").rstrip(".")
        return ("0" if text in ("-0", "") else text), ""
    return "", cleaned


def _decimals_found(values: Iterable[str]) -> int:
    """The most decimal places any published value carries (after the float noise is gone)."""
    most = 0
    for value in values:
        if "." in value:
            most = max(most, len(value.split(".", 1)[1]))
    return most


def read_dictionary(path: Path) -> pd.DataFrame:
    """The data dictionary's rows for the packaged topics, one per measure."""
    frame = pd.read_csv(path, encoding="latin-1", dtype=str, keep_default_na=False)
    needed = {"Measure_short", "Topic", "Polarity", "dps", "Year_Type", "No_Quartile"}
    missing = needed - set(frame.columns)
    if missing:
        raise DerivationError(f"{path.name} has no column {sorted(missing)[0]!r}")
    frame = frame[frame["Topic"].isin(TOPICS)]
    frame = frame.drop_duplicates("Measure_short")
    unknown = sorted(set(frame["Year_Type"]) - set(PERIOD_ENDS))
    if unknown:
        raise DerivationError(f"{path.name}: year type {unknown[0]!r} has no period end")
    return frame.sort_values("Measure_short", kind="stable").reset_index(drop=True)


def read_values(path: Path, keys: Iterable[str], councils: set[str]) -> pd.DataFrame:
    """The long table's rows of the packaged measures, as ``VALUE_COLUMNS`` text."""
    frame = pd.read_parquet(path, columns=["Short Desc", "Years", "LA Number", "Values"])
    frame = frame[frame["Short Desc"].isin(set(keys))]
    frame = frame[frame["Years"].str.fullmatch(r"\d{4}")]
    numbers = frame["LA Number"].astype(int)
    area = numbers.map(AREAS).fillna(numbers.astype(str))
    unknown = sorted(set(area[numbers < 970]) - councils)
    if unknown:
        raise DerivationError(f"{path.name}: council {unknown[0]} is not in las.csv")
    parsed = [published_number(str(v)) for v in frame["Values"]]
    out = pd.DataFrame(
        {
            "measure": frame["Short Desc"].to_numpy(),
            "time_period": frame["Years"].to_numpy(),
            "area": area.to_numpy(),
            "value": [p[0] for p in parsed],
            "code": [p[1] for p in parsed],
        }
    )
    duplicated = out.duplicated(["measure", "time_period", "area"])
    if duplicated.any():
        row = out[duplicated].iloc[0]
        raise DerivationError(
            f"{path.name}: {row['measure']} {row['time_period']} {row['area']} appears twice"
        )
    return out.sort_values(["measure", "time_period", "area"], kind="stable").reset_index(drop=True)


def _unit(title: str, axis: str) -> str:
    return "%" if "%" in title or "%" in axis else axis


def derive_measures(dictionary: pd.DataFrame, values: pd.DataFrame) -> list[dict[str, str]]:
    """``lait_measures.csv`` rows: a measure's metadata, its decimals the dictionary's or,
    where it gives none, the most the published values carry."""
    items = values.merge(
        pd.DataFrame({"measure": dictionary["Measure_short"]}), on="measure", how="right"
    )
    rows = []
    for record in dictionary.to_dict("records"):
        key = record["Measure_short"]
        published = items.loc[items["measure"] == key, "value"]
        given = record["dps"].strip()
        decimals = given if NUMBER.match(given) else str(_decimals_found(published))
        polarity = POLARITIES.get(record["Polarity"], "neutral")
        rows.append(
            {
                "key": key,
                "topic": record["Topic"],
                "title": _text(record["Chart_title"]),
                "name": _text(record["Measure"]),
                "data_item": "",
                "unit": _unit(_text(record["Chart_title"]), _text(record["y_axis_name"])),
                "polarity": polarity,
                "decimals": str(int(float(decimals))),
                "quartiles": "false"
                if record["No_Quartile"].strip() == "N" or polarity == "neutral"
                else "true",
                "year_type": record["Year_Type"],
                "period_end": PERIOD_ENDS[record["Year_Type"]],
                "source_table": _text(record["Table_status"]),
                "description": _text(record["Description"]),
            }
        )
    return rows


def data_items(path: Path) -> dict[str, str]:
    """The long table's ``Data item`` of each measure (its first non-empty one)."""
    frame = pd.read_parquet(path, columns=["Short Desc", "Data item"]).dropna()
    frame = frame.drop_duplicates("Short Desc")
    return {k: _text(v) for k, v in zip(frame["Short Desc"], frame["Data item"], strict=True)}


ATTRIBUTION = """\
# Attribution: LAIT

`lait_values.csv.gz` and `lait_measures.csv` are derived by `scripts/derive_lait.py` from the
Department for Education's Local Authority Interactive Tool (LAIT) data
(`dfe-analytical-services/local-authority-interactive-tool`, `01_data/02_prod/`:
`bds_long_0.parquet`, read here as `lait_benchmarks_long.parquet`, and
`lait_data_dictionary.csv`), for its children's social care topics:
{topics}.

Contains public sector information licensed under the Open Government Licence v3.0
(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
© Crown copyright. The LAIT repository is MIT licensed.

Changes made: the measures of the topics above only, single collection years only; England
and the regions keyed by their ONS codes, councils by their DfE old codes; published figures
kept as published, with the floating-point noise of the LAIT's text removed (73.60000000000001
is 73.6, 7.0000000000000007E-2 is 0.07); marks such as `-` kept in the `code` column and never
read as numbers; polarity, decimal places (where the dictionary gives none: the most the
published figures carry), year type and whether quartiles apply taken from the dictionary.
The DfE does not endorse this package.
"""


def write_csv(
    handle: io.TextIOBase, columns: Sequence[str], rows: Iterable[dict[str, str]]
) -> None:
    writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _write_gzip_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    text = io.StringIO()
    write_csv(text, columns, rows)
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as handle,
    ):
        handle.write(text.getvalue().encode("utf-8"))


def derive(lait_dir: Path, out_dir: Path) -> list[Path]:
    """Write the three files into ``out_dir`` and return their paths."""
    for name in (VALUES, DICTIONARY):
        if not (lait_dir / name).is_file():
            raise DerivationError(f"{lait_dir / name} is missing")
    councils = set(pd.read_csv(out_dir / "las.csv", dtype=str)["old_code"])
    dictionary = read_dictionary(lait_dir / DICTIONARY)
    values = read_values(lait_dir / VALUES, dictionary["Measure_short"], councils)
    measures = derive_measures(dictionary, values)
    items = data_items(lait_dir / VALUES)
    for row in measures:
        row["data_item"] = items.get(row["key"], "")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "lait_values.csv.gz", out_dir / "lait_measures.csv"]
    _write_gzip_csv(paths[0], VALUE_COLUMNS, values.to_dict("records"))
    with paths[1].open("w", encoding="utf-8", newline="") as handle:
        write_csv(handle, MEASURE_COLUMNS, measures)
    attribution = out_dir / "LAIT-ATTRIBUTION.md"
    attribution.write_text(ATTRIBUTION.format(topics=", ".join(TOPICS)), encoding="utf-8")
    return [*paths, attribution]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lait_dir", nargs="?", type=Path, default=DEFAULT_LAIT_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    try:
        paths = derive(args.lait_dir, args.out)
    except DerivationError as exc:
        print(f"derive_lait: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
