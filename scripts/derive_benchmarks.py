"""Derive the packaged benchmark data from the DfE's published tables.

Reads the DfE CSV tables (children in need C1, C4, D3, D5; looked-after placement stability;
care leavers' accommodation and activity; children's social work workforce; the April 2021 and
2025 statistical neighbour models) and writes the compact tables that
``safeguarding_metrics.benchmarks`` ships:

``values.csv``
    One long table: ``measure, time_period, geographic_level, region_code, region_name,
    old_la_code, new_la_code, la_name, value, code``. ``value`` is empty when the DfE published
    a suppression or other non-numeric code (``c``, ``k``, ``u``, ``x``, ``z``, ``low``, ...),
    and ``code`` then holds that code; ``code`` is empty when ``value`` is a number.
``las.csv``
    Every council in the tables: old and new codes, name, region, former new codes, the names
    the neighbour files use, and predecessor/successor notes for reorganised councils.
``neighbours.csv``
    The statistical neighbour models: ``model, la, rank, neighbour, closeness``.
``measures.csv``
    The metadata of every measure: key, DfE reference, title, unit, polarity, source file,
    source column, definition and notes.
``ATTRIBUTION.md``
    The sources and the Open Government Licence v3.0 attribution.

Usage::

    python scripts/derive_benchmarks.py [DFE_DIR] [--out DIR]

``DFE_DIR`` defaults to ``../shared/data/dfe`` beside the repository; ``--out`` to
``src/safeguarding_metrics/benchmarks/data``. The output is deterministic: running the script
twice on the same tables writes byte-identical files (the test suite checks that the packaged
files equal a fresh derivation when ``../shared`` is present).
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DFE_DIR = REPO.parent / "shared" / "data" / "dfe"
DEFAULT_OUT_DIR = REPO / "src" / "safeguarding_metrics" / "benchmarks" / "data"

C1 = "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
C4 = "c4_s47_icpc_duration.csv"
D3 = "d3_cpps_subsequent_plan_2013_to_2025.csv"
D5 = "d5_cpps_at31march_by_duration_2013_to_2025.csv"
STABILITY = "la_cla_placement_stability.csv"
ACCOMMODATION = "la_care_leavers_accommodation_suitability.csv"
ACTIVITY = "la_care_leavers_activity.csv"
CSWW = "csww_indicators_2017_to_2025.csv"
SN_2021 = "New_Statistical_Neighbour_Groupings_April_2021.csv"
SN_2025 = "sn_model_2025_wide.csv"

NUMBER = re.compile(r"-?\d+(\.\d+)?")
LEVELS = {"National": 0, "Regional": 1, "Local authority": 2}
LONDON = ("E12000007", "London")

CIN = "DfE, Children in need statistics (CIN census), tables for 2012-13 to 2024-25"
CLA = "DfE, Children looked after in England including adoptions, 2020-21 to 2024-25"
WORKFORCE = "DfE, Children's social work workforce, 30 September 2017 to 2025"


@attrs.frozen(kw_only=True)
class Recipe:
    """How one measure is read from one DfE table.

    ``filters`` select the rows of a long table (column, published label); ``source_column`` is
    the published percentage or average taken as it stands. ``derived`` names a computation
    instead (only ``icpc_15wd``). ``period_end`` is the month and day (``MM-DD``) that ends the
    year ``time_period`` names: 31 March for the collection years, 30 September for the
    workforce census.
    """

    key: str
    dfe_ref: str
    title: str
    unit: str
    polarity: str
    source_file: str
    source_column: str
    definition: str
    notes: str
    publication: str
    filters: tuple[tuple[str, str], ...] = ()
    derived: str = ""
    period_end: str = "03-31"


CARE_LEAVER_AGES = {
    "19_21": (
        "19 to 21 years",
        "Care leavers aged 19, 20 or 21. The table publishes two age bands; both are "
        "shipped, as separate measures.",
    ),
    "17_18": (
        "17 to 18 years",
        "Care leavers aged 17 or 18. The table publishes two age bands; both are shipped, "
        "as separate measures.",
    ),
}


def _care_leaver_recipes() -> list[Recipe]:
    recipes = []
    for suffix, (age, age_note) in CARE_LEAVER_AGES.items():
        band = age.replace(" years", "")
        recipes.append(
            Recipe(
                key=f"care_leavers_suitable_accommodation_{suffix}",
                dfe_ref="",
                title=f"Care leavers aged {band} in suitable accommodation",
                unit="%",
                polarity="higher",
                source_file=ACCOMMODATION,
                source_column="care_leaver_percent",
                filters=(
                    ("care_leaver_age", age),
                    ("breakdown", "Accommodation considered suitable"),
                ),
                definition=(
                    f"Care leavers aged {band} whose accommodation was considered suitable, as "
                    "a percentage of all care leavers of that age (the published 'Suitability "
                    "total', which includes those with no information)."
                ),
                notes=f"{age_note} Published as whole percentages. Years 2021 to 2025 only.",
                publication=CLA,
            )
        )
        recipes.append(
            Recipe(
                key=f"care_leavers_eet_{suffix}",
                dfe_ref="",
                title=f"Care leavers aged {band} in education, employment or training",
                unit="%",
                polarity="higher",
                source_file=ACTIVITY,
                source_column="care_leaver_percent",
                filters=(
                    ("care_leaver_age", age),
                    ("breakdown", "Total in education, employment or training"),
                ),
                definition=(
                    f"Care leavers aged {band} in education, employment or training, as a "
                    "percentage of all care leavers of that age (the published 'Total', which "
                    "includes those whose activity is not known)."
                ),
                notes=f"{age_note} Published as whole percentages. Years 2021 to 2025 only.",
                publication=CLA,
            )
        )
    return recipes


RECIPES: tuple[Recipe, ...] = (
    Recipe(
        key="rereferrals_12m",
        dfe_ref="C1",
        title="Re-referrals within 12 months of a previous referral",
        unit="%",
        polarity="lower",
        source_file=C1,
        source_column="rereferral_percent",
        definition=(
            "Referrals in the year that were within 12 months of a previous referral of the "
            "same child, as a percentage of all referrals in the year "
            "(rereferral_count / referral_count)."
        ),
        notes="The DfE's headline re-referral rate, counted per referral.",
        publication=CIN,
    ),
    Recipe(
        key="rereferrals_12m_children",
        dfe_ref="C1",
        title="Children re-referred within 12 months of a previous referral",
        unit="%",
        polarity="lower",
        source_file=C1,
        source_column="rereferral_child_percent",
        definition=(
            "Children referred in the year with a re-referral within 12 months of a previous "
            "referral, as a percentage of children referred in the year "
            "(rereferral_child_count / referral_child_count)."
        ),
        notes="The DfE's second re-referral rate, counted per child.",
        publication=CIN,
    ),
    Recipe(
        key="icpc_15wd",
        dfe_ref="C4",
        title="Initial child protection conferences within 15 working days of the section 47 start",
        unit="%",
        polarity="higher",
        source_file=C4,
        source_column="Duration_0-10_days + Duration_11-15_days over ICPC",
        derived="icpc_15wd",
        definition=(
            "Initial child protection conferences held in the year within 15 working days of "
            "the start of the section 47 enquiry, as a percentage of the initial conferences "
            "held in the year: 100 * (Duration_0-10_days + Duration_11-15_days) / ICPC."
        ),
        notes=(
            "Derived here: the table publishes counts by duration, not the percentage. Rounded "
            "to one decimal place, halves up, as the DfE publishes percentages. Missing when "
            "ICPC or either of the two duration counts is suppressed; code z when no "
            "conference was held (ICPC = 0)."
        ),
        publication=CIN,
    ),
    Recipe(
        key="cpp_second_subsequent",
        dfe_ref="D3",
        title="Child protection plans starting in the year that were a second or subsequent plan",
        unit="%",
        polarity="lower",
        source_file=D3,
        source_column="CPP_subsequent_percent",
        definition=(
            "Child protection plans starting in the year that were the child's second or "
            "subsequent plan (ever), as a percentage of all plans starting in the year "
            "(CPP_subsequent / CPP_start)."
        ),
        notes="",
        publication=CIN,
    ),
    Recipe(
        key="cpp_open_2y",
        dfe_ref="D5",
        title="Child protection plans open at 31 March lasting 2 years or more",
        unit="%",
        polarity="lower",
        source_file=D5,
        source_column="2_years_or_more_percent",
        definition=(
            "Child protection plans open at 31 March that had lasted 2 years or more, as a "
            "percentage of all plans open at 31 March (2_years_or_more / CPP_At31)."
        ),
        notes="Often suppressed (c) for councils with few such plans.",
        publication=CIN,
    ),
    Recipe(
        key="cla_3plus_placements",
        dfe_ref="",
        title="Children looked after at 31 March with 3 or more placements during the year",
        unit="%",
        polarity="lower",
        source_file=STABILITY,
        source_column="children_percent",
        filters=(
            ("cla_group", "CLA on 31 March"),
            ("placement_stability", "With 3 or more placements during the year"),
        ),
        definition=(
            "Children looked after at 31 March with three or more placements during the year, "
            "as a percentage of all children looked after at 31 March."
        ),
        notes="Whole percentages; 2021 to 2025 only.",
        publication=CLA,
    ),
    Recipe(
        key="cla_3plus_placements_2y",
        dfe_ref="",
        title="Children looked after with 3 or more placements during the previous 2 years",
        unit="%",
        polarity="lower",
        source_file=STABILITY,
        source_column="children_percent",
        filters=(
            ("cla_group", "CLA 2 years on 31 March"),
            ("placement_stability", "With 3 or more placements during the previous 2 years"),
        ),
        definition=(
            "Children in the group the DfE labels 'CLA 2 years on 31 March' with three or more "
            "placements during the previous 2 years, as a percentage of that group."
        ),
        notes="Whole percentages; 2021 to 2025 only.",
        publication=CLA,
    ),
    Recipe(
        key="cla_long_term_stability",
        dfe_ref="",
        title="Children looked after for 2.5 years or more, under 16, with the same carer 2 years",
        unit="%",
        polarity="higher",
        source_file=STABILITY,
        source_column="children_percent",
        filters=(
            (
                "cla_group",
                "Children looked after continuously for at least 2.5 years on 31 March "
                "aged under 16 years",
            ),
            ("placement_stability", "Living with the same carer for at least 2 years"),
        ),
        definition=(
            "Children under 16 at 31 March looked after continuously for at least 2.5 years "
            "who had lived with the same carer for at least 2 years, as a percentage of those "
            "children (the former NI 63)."
        ),
        notes="Whole percentages; 2021 to 2025 only.",
        publication=CLA,
    ),
    *_care_leaver_recipes(),
    Recipe(
        key="sw_caseload",
        dfe_ref="",
        title="Average caseload per case-holding children and family social worker (FTE)",
        unit="cases per FTE",
        polarity="lower",
        source_file=CSWW,
        source_column="caseload_fte",
        definition=(
            "Cases held by case-holding social workers divided by the full-time equivalent "
            "number of case holders, at 30 September (cases / case_holders_fte)."
        ),
        notes=(
            "time_period is the year of the 30 September workforce census (2024 means 30 "
            "September 2024, within the 2024-25 collection year), not a year ending 31 March. "
            "Polarity is our default: the DfE sets none. Kingston upon Thames and Richmond "
            "upon Thames (one children's trust) and, from 2021, North and West "
            "Northamptonshire publish one joint figure; it is kept as one joint row."
        ),
        publication=WORKFORCE,
        period_end="09-30",
    ),
)


@attrs.frozen(kw_only=True)
class Reorganisation:
    """A council that ceased or began to exist within the tables' years."""

    old_code: str
    created: str = ""
    abolished: str = ""
    predecessors: tuple[str, ...] = ()
    successors: tuple[str, ...] = ()
    note: str


REORGANISATIONS: tuple[Reorganisation, ...] = (
    Reorganisation(
        old_code="835",
        abolished="2019-04-01",
        successors=("838", "839"),
        note=(
            "Dorset County Council, abolished 1 April 2019 (Bournemouth, Dorset and Poole "
            "(Structural Changes) Order 2018): its area became Dorset (838), except "
            "Christchurch, which joined Bournemouth, Christchurch and Poole (839). Last "
            "collection year 2018-19 (workforce: September 2018)."
        ),
    ),
    Reorganisation(
        old_code="836",
        abolished="2019-04-01",
        successors=("839",),
        note="Poole, merged into Bournemouth, Christchurch and Poole (839) on 1 April 2019.",
    ),
    Reorganisation(
        old_code="837",
        abolished="2019-04-01",
        successors=("839",),
        note="Bournemouth, merged into Bournemouth, Christchurch and Poole (839) on 1 April 2019.",
    ),
    Reorganisation(
        old_code="838",
        created="2019-04-01",
        predecessors=("835",),
        note=(
            "Dorset Council, created 1 April 2019 from Dorset County Council (835) less "
            "Christchurch. First collection year 2019-20."
        ),
    ),
    Reorganisation(
        old_code="839",
        created="2019-04-01",
        predecessors=("835", "836", "837"),
        note=(
            "Created 1 April 2019 from Bournemouth (837), Poole (836) and Christchurch (part "
            "of Dorset County, 835). First collection year 2019-20."
        ),
    ),
    Reorganisation(
        old_code="928",
        abolished="2021-04-01",
        successors=("940", "941"),
        note=(
            "Northamptonshire, abolished 1 April 2021 (Northamptonshire (Structural Changes) "
            "Order 2020) and replaced by North Northamptonshire (940) and West "
            "Northamptonshire (941). Last collection year 2020-21 (time_period 2021); "
            "workforce: September 2020."
        ),
    ),
    Reorganisation(
        old_code="940",
        created="2021-04-01",
        predecessors=("928",),
        note=(
            "North Northamptonshire, created 1 April 2021 from Northamptonshire (928). First "
            "collection year 2021-22 (time_period 2022). Its workforce figures are published "
            "jointly with West Northamptonshire (Northamptonshire Children's Trust)."
        ),
    ),
    Reorganisation(
        old_code="941",
        created="2021-04-01",
        predecessors=("928",),
        note=(
            "West Northamptonshire, created 1 April 2021 from Northamptonshire (928). First "
            "collection year 2021-22 (time_period 2022). Its workforce figures are published "
            "jointly with North Northamptonshire (Northamptonshire Children's Trust)."
        ),
    ),
    Reorganisation(
        old_code="909",
        abolished="2023-04-01",
        successors=("942", "943"),
        note=(
            "Cumbria, abolished 1 April 2023 (Cumbria (Structural Changes) Order 2022) and "
            "replaced by Cumberland (942) and Westmorland and Furness (943). Last collection "
            "year 2022-23 (time_period 2023); workforce: September 2022."
        ),
    ),
    Reorganisation(
        old_code="942",
        created="2023-04-01",
        predecessors=("909",),
        note=(
            "Cumberland, created 1 April 2023 from Cumbria (909). First collection year "
            "2023-24 (time_period 2024); workforce from September 2023."
        ),
    ),
    Reorganisation(
        old_code="943",
        created="2023-04-01",
        predecessors=("909",),
        note=(
            "Westmorland and Furness, created 1 April 2023 from Cumbria (909). First collection "
            "year 2023-24 (time_period 2024); workforce from September 2023."
        ),
    ),
)


def read_table(path: Path) -> pd.DataFrame:
    """Read a DfE CSV as text (BOM removed, nothing converted, cells stripped)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda column: column.str.strip())


def parse_number(text: str) -> tuple[str, str]:
    """Split a published cell into (value, code): one of the two is empty."""
    if NUMBER.fullmatch(text):
        return text, ""
    return "", text if text else "blank"


def round_half_up(x: float, places: int = 1) -> str:
    """Round as the DfE publishes percentages: to ``places`` decimals, halves up."""
    scale = 10**places
    return f"{math.floor(x * scale + 0.5 + 1e-9) / scale:.{places}f}"


def icpc_15wd(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Percentage of initial conferences within 15 working days, from the duration counts."""
    out = []
    parts = ("ICPC", "Duration_0-10_days", "Duration_11-15_days")
    for icpc, early, late in frame[list(parts)].itertuples(index=False):
        codes = [parse_number(cell)[1] for cell in (icpc, early, late)]
        blocked = next((code for code in codes if code), "")
        if blocked:
            out.append(("", blocked))
        elif float(icpc) == 0:
            out.append(("", "z"))
        else:
            out.append((round_half_up(100 * (float(early) + float(late)) / float(icpc)), ""))
    return out


VALUE_COLUMNS = (
    "measure",
    "time_period",
    "geographic_level",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
    "value",
    "code",
)


def derive_values(tables: dict[str, pd.DataFrame]) -> list[dict[str, str]]:
    """Every measure, year and geography, one row each, in a stable order."""
    keyed: list[tuple[tuple[int, int, int, str, str], dict[str, str]]] = []
    for order, recipe in enumerate(RECIPES):
        frame = tables[recipe.source_file]
        for column, label in recipe.filters:
            frame = frame[frame[column] == label]
        if frame.empty:
            raise SystemExit(f"{recipe.key}: no rows in {recipe.source_file} match the filters")
        if recipe.derived == "icpc_15wd":
            cells = icpc_15wd(frame)
        else:
            cells = [parse_number(cell) for cell in frame[recipe.source_column]]
        for (_, source), (value, code) in zip(frame.iterrows(), cells, strict=True):
            level = source["geographic_level"]
            if level not in LEVELS:
                raise SystemExit(f"{recipe.source_file}: unknown geographic_level {level!r}")
            row = {
                "measure": recipe.key,
                "time_period": source["time_period"],
                "geographic_level": level,
                "region_code": source["region_code"],
                "region_name": source["region_name"],
                "old_la_code": source["old_la_code"],
                "new_la_code": source["new_la_code"],
                "la_name": source["la_name"],
                "value": value,
                "code": code,
            }
            key = (
                order,
                int(row["time_period"]),
                LEVELS[level],
                row["region_code"],
                row["old_la_code"],
            )
            keyed.append((key, row))
    keyed.sort(key=lambda item: item[0])
    duplicated = [k for k, n in Counter(k for k, _ in keyed).items() if n > 1]
    if duplicated:
        raise SystemExit(f"duplicate rows for {duplicated[:5]}")
    return [row for _, row in keyed]


def read_neighbours_2021(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The April 2021 model (its 'Old SNs' block included) as rows, and its names."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, header=None, encoding="utf-8-sig")
    rows, names = [], {}
    for record in raw.iloc[1:].itertuples(index=False):
        cells = [str(c).strip() for c in record]
        if not cells[0].isdigit():
            continue  # blank separator lines and the 'Old SNs:' heading
        la = cells[0]
        names[la] = cells[1]
        for rank in range(1, 11):
            rows.append(
                {
                    "model": "2021",
                    "la": la,
                    "rank": str(rank),
                    "neighbour": cells[3 + 2 * rank],
                    "closeness": cells[4 + 2 * rank],
                }
            )
    return rows, names


def read_neighbours_2025(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The 2025 model as rows, and its names."""
    frame = read_table(path)
    rows, names = [], {}
    for _, record in frame.iterrows():
        la = record["old_la_code"]
        names[la] = record["la_name"]
        for rank in range(1, 11):
            rows.append(
                {
                    "model": "2025",
                    "la": la,
                    "rank": str(rank),
                    "neighbour": record[f"SN_{rank}"],
                    "closeness": record[f"SN_{rank}P"],
                }
            )
    return rows, names


LA_COLUMNS = (
    "old_code",
    "new_code",
    "name",
    "region_code",
    "region_name",
    "other_new_codes",
    "aliases",
    "created",
    "abolished",
    "predecessors",
    "successors",
    "note",
)


def _most_common(values: Iterable[str]) -> str:
    counts = Counter(values)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


def derive_las(
    tables: dict[str, pd.DataFrame], sn_names: Sequence[dict[str, str]]
) -> list[dict[str, str]]:
    """One row per council (old code), from the local authority rows of every table."""
    seen = []
    for name in sorted({r.source_file for r in RECIPES}):
        frame = tables[name]
        frame = frame[frame["geographic_level"] == "Local authority"]
        seen.append(frame[["time_period", "old_la_code", "new_la_code", "la_name", "region_code"]])
    rows = pd.concat(seen, ignore_index=True)
    rows = rows[~rows["old_la_code"].str.contains("/")]  # joint rows are not councils
    regions: dict[str, str] = {}
    for name in sorted({r.source_file for r in RECIPES}):
        frame = tables[name]
        regional = frame[frame["geographic_level"] == "Regional"]
        regions.update(zip(regional["region_code"], regional["region_name"], strict=True))
    reorganised = {r.old_code: r for r in REORGANISATIONS}
    out = []
    for code, group in rows.groupby("old_la_code", sort=True):
        latest = group[group["time_period"] == max(group["time_period"], key=int)]
        new_code = _most_common(latest["new_la_code"])
        name = _most_common(latest["la_name"])
        region_code = _most_common(group["region_code"])
        if region_code.startswith("E13"):  # Inner/Outer London: statistical sub-regions
            region_code = LONDON[0]
        aliases = sorted(
            {n[str(code)] for n in sn_names if str(code) in n} - {name}, key=str.casefold
        )
        reorg = reorganised.get(str(code))
        out.append(
            {
                "old_code": str(code),
                "new_code": new_code,
                "name": name,
                "region_code": region_code,
                "region_name": regions[region_code],
                "other_new_codes": " ".join(sorted(set(group["new_la_code"]) - {new_code})),
                "aliases": "|".join(aliases),
                "created": reorg.created if reorg else "",
                "abolished": reorg.abolished if reorg else "",
                "predecessors": " ".join(reorg.predecessors) if reorg else "",
                "successors": " ".join(reorg.successors) if reorg else "",
                "note": reorg.note if reorg else "",
            }
        )
    out.sort(key=lambda r: int(r["old_code"]))
    missing = set(reorganised) - {r["old_code"] for r in out}
    if missing:
        raise SystemExit(f"reorganised councils not in the tables: {sorted(missing)}")
    return out


MEASURE_COLUMNS = (
    "key",
    "dfe_ref",
    "title",
    "unit",
    "polarity",
    "source_file",
    "source_column",
    "filters",
    "definition",
    "notes",
    "publication",
    "period_end",
)


def derive_measures() -> list[dict[str, str]]:
    """The metadata of every measure, in the packaged order."""
    return [
        {
            "key": r.key,
            "dfe_ref": r.dfe_ref,
            "title": r.title,
            "unit": r.unit,
            "polarity": r.polarity,
            "source_file": r.source_file,
            "source_column": r.source_column,
            "filters": "; ".join(f"{c} = {v}" for c, v in r.filters),
            "definition": r.definition,
            "notes": r.notes,
            "publication": r.publication,
            "period_end": r.period_end,
        }
        for r in RECIPES
    ]


ATTRIBUTION = """\
# Attribution

The files in this directory (`values.csv`, `las.csv`, `neighbours.csv`, `measures.csv`) are
derived by `scripts/derive_benchmarks.py` from tables published by the Department for
Education:

| file read | publication |
|---|---|
{sources}| `{sn_2021}` | DfE, children's services statistical neighbour groupings, April 2021 |
| `{sn_2025}` | DfE, children's services statistical neighbour groupings, 2025 model |

as republished in the DfE's `CSC_outcomes_and_enablers` repository.

Contains public sector information licensed under the Open Government Licence v3.0
(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
© Crown copyright.

Changes made: the tables are reshaped into one long table; published percentages and averages
are copied as published; suppression and other non-numeric codes (c, k, u, x, z, low) are kept
in the `code` column and never read as numbers; the percentage of initial child protection
conferences within 15 working days is computed from the published duration counts
(see `measures.csv`); councils, their codes and the neighbour models are tabulated. The DfE does
not endorse this package.
"""


def attribution() -> str:
    """The attribution text naming every source table."""
    by_file: dict[str, str] = {}
    for r in RECIPES:
        by_file.setdefault(r.source_file, r.publication)
    sources = "".join(f"| `{f}` | {p} |\n" for f, p in by_file.items())
    return ATTRIBUTION.format(sources=sources, sn_2021=SN_2021, sn_2025=SN_2025)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    """Write text rows with a fixed column order and Unix line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def derive(dfe_dir: Path, out_dir: Path) -> list[Path]:
    """Read the DfE tables in ``dfe_dir`` and write the packaged files into ``out_dir``."""
    files = sorted({r.source_file for r in RECIPES})
    missing = [f for f in [*files, SN_2021, SN_2025] if not (dfe_dir / f).is_file()]
    if missing:
        raise SystemExit(f"{dfe_dir}: missing {', '.join(missing)}")
    tables = {f: read_table(dfe_dir / f) for f in files}
    values = derive_values(tables)
    sn21, names21 = read_neighbours_2021(dfe_dir / SN_2021)
    sn25, names25 = read_neighbours_2025(dfe_dir / SN_2025)
    las = derive_las(tables, [names21, names25])
    known = {r["old_code"] for r in las}
    unknown = {r["la"] for r in sn21 + sn25} | {r["neighbour"] for r in sn21 + sn25}
    if unknown - known:
        raise SystemExit(f"neighbour codes not in the tables: {sorted(unknown - known)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [
        out_dir / "values.csv",
        out_dir / "las.csv",
        out_dir / "neighbours.csv",
        out_dir / "measures.csv",
        out_dir / "ATTRIBUTION.md",
    ]
    write_csv(written[0], VALUE_COLUMNS, values)
    write_csv(written[1], LA_COLUMNS, las)
    write_csv(written[2], ("model", "la", "rank", "neighbour", "closeness"), sn21 + sn25)
    write_csv(written[3], MEASURE_COLUMNS, derive_measures())
    written[4].write_text(attribution(), encoding="utf-8", newline="\n")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dfe_dir", nargs="?", type=Path, default=DEFAULT_DFE_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    for path in derive(args.dfe_dir, args.out):
        print(f"{path} ({path.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
