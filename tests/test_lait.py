"""The DfE's LAIT data packaged: metadata from its dictionary, published figures, agreement
with the DfE tables, and the derivation.

The tests of packaged facts read only the packaged data; the two that compare it with the
LAIT files themselves need ``../shared`` and are skipped without it.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from safeguarding_metrics import benchmarks as bm
from safeguarding_metrics.benchmarks import _data

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "safeguarding_metrics" / "benchmarks" / "data"
PACKAGED = ("lait_values.csv.gz", "lait_measures.csv", "LAIT-ATTRIBUTION.md")

#: The DfE tables' measure and the LAIT measure that publish the same figure.
SAME_FIGURE = {
    "rereferrals_12m": "ReReferral",
    "cpp_second_subsequent": "PrevRegCPR",
    "cpp_open_2y": "CPPlans2yrsActive",
    "cla_3plus_placements": "LACStable_2016on",
    "cla_long_term_stability": "LAC_LongStable%",
    "care_leavers_suitable_accommodation_19_21": "CareLeaverAcc",
    "care_leavers_eet_19_21": "CareLeaverEET",
    "sw_caseload": "Work_Force_AvgNumCase_SW",
}


def _shared_lait() -> Path | None:
    for candidate in (
        REPO.parent / "shared" / "data" / "dfe" / "lait",
        Path("/work/shared/data/dfe/lait"),
    ):
        if candidate.is_dir():
            return candidate
    return None


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "derive_lait", REPO / "scripts" / "derive_lait.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _areas(measure: str, year: int) -> dict[str, float]:
    """Every area's published value (England, regions, councils) of a packaged measure."""
    m = bm.get_measure(measure)
    data = bm.lookup.year_data(m, year)
    assert data is not None
    found = {"E92000001": data.england, **data.regions}
    for area, value in data.councils.items():  # a joint row ("314 / 318") is each member's
        found.update(dict.fromkeys(area.split(" / "), value))
    return {area: value for area, value in found.items() if value is not None}


# --- metadata from the dictionary ---------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "polarity", "decimals", "unit"),
    [
        ("ReReferral", "lower", 1, "%"),
        ("Continue_Assess_Comp", "higher", 1, "%"),
        ("CP_conf_15days", "higher", 1, "%"),
        ("RevCP", "higher", 1, "%"),
        ("CPPlans2yrsActive", "lower", 1, "%"),
        ("CPPlans2yrs", "lower", 1, "%"),
        ("PrevRegCPR", "lower", 1, "%"),
        ("LACStable_2016on", "lower", 0, "%"),
        ("CareLeaverEET", "higher", 0, "%"),
        ("Work_Force_AvgNumCase_SW", "lower", 1, "Number"),
        ("CIN_Refferals_NFA", "neutral", 1, "%"),
    ],
)
def test_lait_measure_metadata(key: str, polarity: str, decimals: int, unit: str) -> None:
    m = bm.get_measure(key)
    assert (m.polarity, m.decimals, m.source, m.dfe_ref) == (polarity, decimals, "lait", "LAIT")
    assert m.unit == unit or unit == "Number"
    assert m.years[0] == 2016 and m.years[-1] == 2025
    assert m.quartiles == (polarity != "neutral")
    assert "’" in bm.get_measure("Continue_Assess_Comp").definition  # UTF-8 decoded again


def test_workforce_years_are_the_september_census() -> None:
    m = bm.get_measure("Work_Force_AvgNumCase_SW")
    assert m.period_end == "09-30"
    assert bm.get_measure("ReReferral").period_end == "03-31"


def test_every_packaged_measure_has_a_unique_key_and_a_source() -> None:
    keys = [m.key for m in bm.measures()]
    assert len(keys) == len(set(keys))
    lait = bm.measures("lait")
    assert len(lait) == 156
    assert {m.topic for m in lait} == {
        "Children in Need",
        "Child Protection",
        "Children Looked After",
        "Adoption",
        "Children's Services Workforce",
    }
    assert bm.measure_keys() == frozenset(keys)
    assert "LAIT" in bm.attribution() and "Open Government Licence v3.0" in bm.attribution()


# --- published figures ---------------------------------------------------------------------


def test_published_lait_figures_for_rotherham() -> None:
    b = bm.benchmark("Continue_Assess_Comp", "372", "2015-16")
    assert (b.la_value, b.england, b.region, b.neighbours_n) == (93.0, 83.4, 82.6, 10)
    assert b.quartile == "A" and b.councils_n == 152
    assert bm.benchmark("ReReferral", "Rotherham", 2016).la_value == 28.0
    assert bm.benchmark("CPPlans2yrs", "372", 2025).la_value == 5.5
    # a suppressed figure ("-") is missing, never a number
    b = bm.benchmark("CPPlans2yrsActive", "372", 2016)
    assert b.la_value is None and b.quartile is None
    assert any("code -" in note for note in b.notes)


def test_a_neutral_measure_has_no_quartile() -> None:
    b = bm.benchmark("CIN_Refferals_NFA", "372", 2016)
    assert b.la_value == 3.6 and b.quartile is None
    assert bm.quartile_band(3.6, [1.0, 5.0], "neutral") is None


def test_float_noise_is_removed_but_every_published_digit_kept() -> None:
    script = _script()
    assert script.published_number("73.60000000000001") == ("73.6", "")
    assert script.published_number("16.600000000000001") == ("16.6", "")
    assert script.published_number("7.0000000000000007E-2") == ("0.07", "")
    assert script.published_number("-7.0000000000000007E-2") == ("-0.07", "")
    assert script.published_number("249.957143") == ("249.957143", "")
    assert script.published_number("12") == ("12", "")
    assert script.published_number("-") == ("", "-")
    assert script.published_number("c") == ("", "c")


# --- the DfE tables and the LAIT agree where both hold a year ------------------------------


@pytest.mark.parametrize(("table", "lait"), sorted(SAME_FIGURE.items()))
def test_tables_and_lait_agree_where_both_hold_a_year(table: str, lait: str) -> None:
    shared = sorted(set(bm.get_measure(table).years) & set(bm.get_measure(lait).years))
    assert shared, (table, lait)
    compared = 0
    for year in shared:
        ours, theirs = _areas(table, year), _areas(lait, year)
        both = set(ours) & set(theirs)
        # Isles of Scilly (420): D3 publishes 0 where the LAIT has "-"; nothing else differs
        assert set(ours) ^ set(theirs) <= {"420"}, (table, year)
        for area in both:
            assert ours[area] == theirs[area], (table, year, area)
        compared += len(both)
    assert compared > 100 * len(shared)


def test_the_derived_icpc_figure_is_not_the_published_one() -> None:
    """``icpc_15wd`` is computed here from the C4 duration counts; the DfE's own percentage
    (LAIT ``CP_conf_15days``) differs by 0.1 to 0.7 points in a few council-years and is
    published where a duration count is suppressed: the indicator links to the LAIT's."""
    differ = agree = lait_only = 0
    for year in range(2016, 2026):
        ours, theirs = _areas("icpc_15wd", year), _areas("CP_conf_15days", year)
        for area in set(ours) & set(theirs):
            gap = abs(ours[area] - theirs[area])
            assert gap <= 0.7 + 1e-9, (year, area)
            differ += gap > 0
            agree += gap == 0
        lait_only += len(set(theirs) - set(ours))
    assert agree > 1400 and 0 < differ < 80 and lait_only > 0


# --- against the LAIT's own files (../shared) -------------------------------------------------


@pytest.mark.shared
def test_packaged_lait_equals_a_fresh_derivation(tmp_path: Path) -> None:
    lait = _shared_lait()
    if lait is None:
        pytest.skip("../shared/data/dfe/lait is absent: nothing to derive")
    shutil.copy(DATA / "las.csv", tmp_path / "las.csv")
    subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "derive_lait.py"),
            str(lait),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    for name in PACKAGED:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


@pytest.mark.shared
def test_packaged_figures_match_the_published_values_to_the_published_decimals() -> None:
    lait = _shared_lait()
    if lait is None:
        pytest.skip("../shared/data/dfe/lait is absent")
    raw = pd.read_parquet(lait / "lait_benchmarks_long.parquet")
    keys = {m.key: m.decimals for m in bm.measures("lait")}
    raw = raw[raw["Short Desc"].isin(set(keys)) & raw["Years"].str.fullmatch(r"\d{4}")]
    frame, _ = _data._lait_values()
    assert len(frame) == len(raw)
    number = raw["LA Number"].astype(int)
    raw = raw.assign(area=number.astype(str), time_period=raw["Years"].astype(int))
    raw.loc[number == 970, "area"] = "E92000001"
    merged = frame.merge(
        raw[raw["LA Number"] < 980],
        left_on=["measure", "time_period", "area"],
        right_on=["Short Desc", "time_period", "area"],
    )
    assert len(merged) > 200_000
    published = pd.to_numeric(merged["Values"], errors="coerce")
    assert (published.isna() == merged["value"].isna()).all()
    decimals = merged["measure"].map(keys)
    for places in sorted(decimals.unique()):
        rows = (decimals == places) & published.notna()
        assert (
            published[rows].round(int(places)) == merged.loc[rows, "value"].round(int(places))
        ).all(), places
        # and the packaged figure carries no more places than the measure publishes
        scaled = merged.loc[rows, "value"] * 10 ** int(places)
        assert (scaled - scaled.round()).abs().max() < 1e-6 or math.isclose(places, 6)


def test_the_benchmarks_command_shows_a_lait_measure(capsys: pytest.CaptureFixture[str]) -> None:
    from safeguarding_metrics.cli import main

    assert main(["benchmarks", "--la", "372", "--year", "2015-16", "--format", "json"]) == 0
    rows = {r["measure"]: r for r in __import__("json").loads(capsys.readouterr().out)}
    assert rows["Continue_Assess_Comp"]["la_value"] == 93.0
    assert "rereferrals_12m" in rows and all(r["year"] == 2016 for r in rows.values())
    assert main(["benchmarks", "--la", "372", "--year", "2014-15", "--format", "json"]) == 0
    earlier = __import__("json").loads(capsys.readouterr().out)
    published = {m.key for m in bm.measures() if 2015 in m.years}
    assert {r["measure"] for r in earlier} == published
    assert "rereferrals_12m" in published and "LACStable_2016on" not in published
