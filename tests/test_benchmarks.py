"""Benchmarks from the DfE's published tables: published facts pinned, rules checked.

The facts come from ``../shared/spec/indicators.md`` ("Benchmarks to ship") and the DfE tables;
the tests of packaged facts read only the packaged data. The one test that compares the
packaged data with a fresh derivation needs ``../shared`` and is skipped without it.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from safeguarding_metrics import benchmarks as bm
from safeguarding_metrics.benchmarks import _data, cli

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "safeguarding_metrics" / "benchmarks" / "data"
PACKAGED = ("values.csv", "las.csv", "neighbours.csv", "measures.csv", "ATTRIBUTION.md")
SEED_NEIGHBOURS = (
    "Doncaster",
    "Wigan",
    "Dudley",
    "Tameside",
    "Barnsley",
    "Telford and Wrekin",
    "North Lincolnshire",
    "Redcar and Cleveland",
    "North East Lincolnshire",
    "Wakefield",
)


def _shared_dfe() -> Path | None:
    for candidate in (REPO.parent / "shared" / "data" / "dfe", Path("/work/shared/data/dfe")):
        if candidate.is_dir():
            return candidate
    return None


# --- published facts (2015 = 2014-15, 2016 = 2015-16) ------------------------------------


@pytest.mark.parametrize(
    ("measure", "year", "england"),
    [
        ("rereferrals_12m", 2015, 24.2),
        ("rereferrals_12m", 2016, 22.5),
        ("cpp_second_subsequent", 2015, 16.6),
        ("cpp_second_subsequent", 2016, 17.9),
        ("cpp_open_2y", 2015, 2.3),
        ("cpp_open_2y", 2016, 2.1),
        ("icpc_15wd", 2015, 74.8),
        ("icpc_15wd", 2016, 76.7),
    ],
)
def test_england_published_values(measure: str, year: int, england: float) -> None:
    assert bm.benchmark(measure, "372", year).england == england


@pytest.mark.parametrize(
    ("measure", "value"),
    [
        ("rereferrals_12m", 21.8),
        ("cpp_second_subsequent", 10.3),
        ("cpp_open_2y", 5.4),
        ("icpc_15wd", 81.0),
    ],
)
def test_seed_council_2014_15(measure: str, value: float) -> None:
    assert bm.benchmark(measure, "Rotherham", "2014-15").la_value == value


def test_seed_council_april_2021_neighbours() -> None:
    names = tuple(la.name for la in bm.neighbours_of("372", "2021"))
    assert names == SEED_NEIGHBOURS
    b = bm.benchmark("rereferrals_12m", "372", 2015)
    assert b.neighbour_model == "2021"
    assert tuple(bm.resolve_la(code).name for code in b.neighbour_codes) == SEED_NEIGHBOURS


def test_seed_neighbours_rereferral_mean_and_median() -> None:
    mean = bm.benchmark("rereferrals_12m", "372", 2015)
    median = bm.benchmark("rereferrals_12m", "372", 2015, neighbours="median")
    assert mean.neighbours == pytest.approx(23.65)
    assert mean.neighbours_n == 10
    assert mean.neighbour_method == "mean"
    assert median.neighbours == pytest.approx(20.6)
    assert median.neighbour_method == "median"


@pytest.mark.parametrize(
    ("measure", "mean"),
    [("cpp_second_subsequent", 16.1), ("icpc_15wd", 85.7)],
)
def test_seed_neighbours_means_2014_15(measure: str, mean: float) -> None:
    b = bm.benchmark(measure, "E08000018", 2015)
    assert b.neighbours_n == 10
    assert round(b.neighbours, 1) == mean  # type: ignore[arg-type]


def test_neighbour_average_leaves_out_missing_values() -> None:
    b = bm.benchmark("cpp_open_2y", "372", 2015)
    assert b.neighbours_n == 6  # four neighbours suppressed (c)
    assert b.neighbours == pytest.approx((0.0 + 0.0 + 3.0 + 3.3 + 3.5 + 0.0) / 6)
    assert any("No value for 4 of 10 neighbours" in note for note in b.notes)


# --- suppression codes ------------------------------------------------------------------


def test_suppression_codes_are_never_numbers() -> None:
    values = _data.value_table()
    coded = values[values["code"] != ""]
    assert set(coded["code"]) <= {"c", "k", "u", "x", "z", "low"}
    assert {"c", "x", "z", "u"} <= set(coded["code"])
    assert coded["value"].isna().all()
    assert values.loc[values["code"] == "", "value"].notna().all()


def test_suppressed_council_value_is_none() -> None:
    dudley = bm.benchmark("cpp_open_2y", "Dudley", 2015)
    assert dudley.la_value is None
    assert dudley.quartile is None
    assert "No value published for Dudley (code c)." in dudley.notes
    values = _data.value_table()
    row = values[
        (values["measure"] == "cpp_open_2y")
        & (values["time_period"] == 2015)
        & (values["old_la_code"] == "332")
    ]
    assert row["code"].tolist() == ["c"]


def test_icpc_zero_conferences_is_not_applicable() -> None:
    scilly = bm.benchmark("icpc_15wd", "Isles of Scilly", 2016)
    assert scilly.la_value is None


# --- quartiles --------------------------------------------------------------------------


def test_quartile_flips_with_polarity() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    lower = [bm.quartile_band(v, values, "lower") for v in values]
    higher = [bm.quartile_band(v, values, "higher") for v in values]
    assert lower == ["A", "A", "B", "B", "C", "C", "D", "D"]
    assert higher == ["D", "D", "C", "C", "B", "B", "A", "A"]


def test_quartile_ties_and_missing() -> None:
    # Tied councils share the best rank of the tie: 2.0 has one better of four: B.
    assert bm.quartile_band(2.0, [1.0, 2.0, 2.0, 2.0], "lower") == "B"
    assert bm.quartile_band(1.0, [1.0, 1.0, 2.0, 3.0], "lower") == "A"
    assert bm.quartile_band(None, [1.0, 2.0], "lower") is None
    assert bm.quartile_band(1.0, [None, float("nan"), 1.0], "higher") == "A"
    with pytest.raises(ValueError, match="polarity"):
        bm.quartile_band(1.0, [1.0], "up")


def test_quartile_of_published_values_follows_polarity() -> None:
    # Rotherham's 10.3% second plans is low: better than most (lower is better).
    assert bm.benchmark("cpp_second_subsequent", "372", 2015).quartile == "A"
    # Its 5.4% of plans open 2+ years is high: worse than most.
    assert bm.benchmark("cpp_open_2y", "372", 2015).quartile == "D"
    b = bm.benchmark("rereferrals_12m", "372", 2015)
    councils = _data.value_index()[("rereferrals_12m", 2015)].councils
    bands = [bm.quartile_band(v, councils.values(), "lower") for v in councils.values()]
    counts = pd.Series([band for band in bands if band]).value_counts()
    assert set(counts.index) == {"A", "B", "C", "D"}
    assert all(abs(n - b.councils_n / 4) <= 3 for n in counts)


# --- councils ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["372", "E08000018", "e08000018", "Rotherham", " rotherham ", "ROTHERHAM"]
)
def test_resolve_by_old_code_new_code_name(text: str) -> None:
    la = bm.resolve_la(text)
    assert (la.old_code, la.new_code, la.name) == ("372", "E08000018", "Rotherham")
    assert (la.region_code, la.region_name) == ("E12000003", "Yorkshire and The Humber")


@pytest.mark.parametrize(
    ("text", "old_code"),
    [
        ("E10000023", "815"),  # North Yorkshire before it became a unitary council
        ("E06000065", "815"),
        ("Bristol", "801"),
        ("bristol, city of", "801"),
        ("St Helens", "342"),
        ("Bournemouth, Christchurch & Poole", "839"),
        ("Dorset", "838"),  # the current council, not Dorset County (835)
        ("Dorset (Pre LG)", "835"),
        ("835", "835"),
    ],
)
def test_resolve_other_codes_and_spellings(text: str, old_code: str) -> None:
    assert bm.resolve_la(text).old_code == old_code


def test_unknown_council_lists_close_matches() -> None:
    with pytest.raises(LookupError, match=r"Rotherham \(372, E08000018\)"):
        bm.resolve_la("Rotheram")
    with pytest.raises(LookupError, match="old code"):
        bm.resolve_la("Atlantis")


def test_london_councils_belong_to_london() -> None:
    camden = bm.resolve_la("Camden")
    assert (camden.region_code, camden.region_name) == ("E12000007", "London")
    assert bm.benchmark("rereferrals_12m", camden, 2015).region is not None


def test_every_neighbour_is_a_known_council() -> None:
    codes = {la.old_code for la in bm.authorities()}
    table = _data.neighbour_table()
    assert set(table["la"]) <= codes
    assert set(table["neighbour"]) <= codes
    assert (table.groupby(["model", "la"]).size() == 10).all()


# --- reorganised councils ------------------------------------------------------------------


def test_northamptonshire_reorganisation() -> None:
    old = bm.resolve_la("Northamptonshire")
    assert (old.old_code, old.abolished, old.successors) == ("928", "2021-04-01", ("940", "941"))
    assert bm.resolve_la("North Northamptonshire").predecessors == ("928",)
    assert bm.benchmark("rereferrals_12m", old, 2021).la_value == 31.4
    gone = bm.benchmark("rereferrals_12m", old, 2022)
    assert gone.la_value is None
    assert any("abolished" in note and "West Northamptonshire" in note for note in gone.notes)
    assert bm.benchmark("rereferrals_12m", "940", 2022).la_value == 21.4
    assert bm.benchmark("rereferrals_12m", "West Northamptonshire", 2022).la_value == 19.6
    early = bm.benchmark("rereferrals_12m", "940", 2015)
    assert early.la_value is None
    assert any("created" in note for note in early.notes)


def test_cumbria_reorganisation_and_model_fallback() -> None:
    cumbria = bm.resolve_la("Cumbria")
    assert (cumbria.old_code, cumbria.successors) == ("909", ("942", "943"))
    assert bm.benchmark("rereferrals_12m", cumbria, 2023).la_value == 22.0
    cumberland = bm.benchmark("rereferrals_12m", "Cumberland", 2024)
    assert cumberland.la_value == 10.7
    assert cumberland.la.predecessors == ("909",)
    # Not in the April 2021 model: the 2025 model is used, and the notes say so.
    assert cumberland.neighbour_model == "2025"
    assert any("2025 model is used" in note for note in cumberland.notes)
    forced = bm.benchmark("rereferrals_12m", "Cumberland", 2024, model="2021")
    assert (forced.neighbours, forced.neighbours_n, forced.neighbour_model) == (None, 0, "2021")


def test_default_model_by_year_and_override() -> None:
    assert bm.default_model(2015) == "2021"
    assert bm.default_model(2024) == "2021"
    assert bm.default_model(2025) == "2025"
    assert bm.benchmark("rereferrals_12m", "372", 2025).neighbour_model == "2025"
    overridden = bm.benchmark("rereferrals_12m", "372", 2015, model="2025")
    assert overridden.neighbour_model == "2025"
    assert overridden.neighbour_codes == bm.neighbour_codes("372", "2025")
    with pytest.raises(ValueError, match="model"):
        bm.benchmark("rereferrals_12m", "372", 2015, model="2019")


def test_joint_workforce_figure_applies_to_both_councils() -> None:
    kingston = bm.benchmark("sw_caseload", "Kingston upon Thames", 2024)
    richmond = bm.benchmark("sw_caseload", "Richmond upon Thames", 2024)
    assert kingston.la_value == richmond.la_value == 13.0
    assert any("314 / 318" in note for note in kingston.notes)


# --- years, measures, tables -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["2014-15", "2015", 2015, "2014/15", "2014-2015", "201415"])
def test_parse_year(text: int | str) -> None:
    assert bm.parse_year(text) == 2015


@pytest.mark.parametrize("text", ["2014-16", "last year", "15", "2014-15-16", True, 1066])
def test_parse_year_rejects(text: int | str) -> None:
    with pytest.raises(ValueError):
        bm.parse_year(text)


def test_financial_year_and_time_period_give_the_same_benchmark() -> None:
    assert bm.benchmark("rereferrals_12m", "372", "2014-15") == bm.benchmark(
        "rereferrals_12m", "372", 2015
    )


def test_measures_metadata() -> None:
    ms = bm.measures()
    keys = [m.key for m in ms]
    assert len(keys) == len(set(keys))
    assert {
        "rereferrals_12m",
        "icpc_15wd",
        "cpp_second_subsequent",
        "cpp_open_2y",
        "cla_3plus_placements",
        "cla_long_term_stability",
        "care_leavers_suitable_accommodation_19_21",
        "care_leavers_eet_19_21",
        "sw_caseload",
    } <= set(keys)
    attribution = bm.attribution()
    assert "Open Government Licence v3.0" in attribution
    for m in bm.measures("tables"):  # the LAIT's measures: tests/test_lait.py
        assert m.polarity in ("higher", "lower")
        assert m.years, m.key
        assert m.source_file in attribution
        assert m.definition
    assert bm.get_measure("rereferrals_12m").dfe_ref == "C1"
    assert bm.get_measure("cla_3plus_placements").polarity == "lower"
    assert bm.get_measure("cla_long_term_stability").polarity == "higher"
    with pytest.raises(LookupError, match="rereferrals_12m"):
        bm.get_measure("rereferals")


def test_measure_not_published_that_year() -> None:
    b = bm.benchmark("cla_3plus_placements", "372", 2015)
    assert (b.la_value, b.england, b.region, b.neighbours, b.quartile) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert any("Not published for 2015" in note for note in b.notes)


def test_benchmark_table() -> None:
    table = bm.benchmark_table("372", 2015)
    assert list(table.columns) == list(bm.TABLE_COLUMNS)
    assert list(table["measure"]) == [m.key for m in bm.measures()]
    row = table.set_index("measure").loc["rereferrals_12m"]
    assert (row["la_value"], row["england"]) == (21.8, 24.2)
    assert row["neighbours"] == pytest.approx(23.65)
    assert math.isnan(table.set_index("measure").loc["sw_caseload", "la_value"])
    some = bm.benchmark_table("Rotherham", "2015-16", measures=["icpc_15wd", "rereferrals_12m"])
    assert list(some["measure"]) == ["icpc_15wd", "rereferrals_12m"]
    assert some["england"].tolist() == [76.7, 22.5]


def test_benchmark_is_frozen() -> None:
    b = bm.benchmark("rereferrals_12m", "372", 2015)
    with pytest.raises(AttributeError):
        b.la_value = 1.0  # type: ignore[misc]
    assert isinstance(b.la_value, float)
    assert isinstance(b.neighbours, float)


# --- packaged data -----------------------------------------------------------------------------


def test_packaged_data_is_compact_and_attributed() -> None:
    sizes = {name: (DATA / name).stat().st_size for name in PACKAGED}
    assert sum(sizes.values()) < 5_000_000
    text = (DATA / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "Crown copyright" in text
    assert "Open Government Licence v3.0" in text


def test_nothing_is_read_at_import_time() -> None:
    code = (
        "import safeguarding_metrics.benchmarks as bm, safeguarding_metrics.benchmarks.cli\n"
        "from safeguarding_metrics.benchmarks import _data\n"
        "loaders = [_data.value_table, _data.la_table, _data.neighbour_table, "
        "_data.measure_table, _data.value_index]\n"
        "assert all(f.cache_info().currsize == 0 for f in loaders)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.shared
def test_packaged_data_equal_a_fresh_derivation(tmp_path: Path) -> None:
    dfe = _shared_dfe()
    if dfe is None:
        pytest.skip("../shared/data/dfe (or /work/shared/data/dfe) is absent: nothing to derive")
    script = REPO / "scripts" / "derive_benchmarks.py"
    subprocess.run(
        [sys.executable, str(script), str(dfe), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in PACKAGED:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


@pytest.mark.shared
def test_published_percentages_copied_as_published() -> None:
    dfe = _shared_dfe()
    if dfe is None:
        pytest.skip("../shared/data/dfe (or /work/shared/data/dfe) is absent")
    source = pd.read_csv(
        dfe / "d3_cpps_subsequent_plan_2013_to_2025.csv", dtype=str, keep_default_na=False
    )
    councils = source[source["geographic_level"] == "Local authority"]
    for row in councils.itertuples(index=False):
        la = bm.resolve_la(row.old_la_code)
        got = bm.benchmark("cpp_second_subsequent", la, int(row.time_period)).la_value
        published = row.CPP_subsequent_percent.strip()
        if published.replace(".", "", 1).isdigit():
            assert got == float(published)
        else:
            assert got is None


# --- command line --------------------------------------------------------------------------------


def _args(**kwargs: object) -> argparse.Namespace:
    defaults: dict[str, object] = {
        "la": "372",
        "year": "2015",
        "indicator": None,
        "neighbours": "mean",
        "model": None,
        "format": "table",
    }
    defaults.update(kwargs)
    return argparse.Namespace(**defaults)


def test_cli_table() -> None:
    out = io.StringIO()
    assert cli.run(_args(), stdout=out) == 0
    text = out.getvalue()
    assert "Rotherham (372)" in text
    assert "2014-15" in text
    assert "23.7" in text  # 23.65 shown to one decimal place, halves up
    assert "Open Government Licence v3.0" in text


def test_cli_json() -> None:
    out = io.StringIO()
    args = _args(la="E08000018", year="2014-15", indicator=["rereferrals_12m"], format="json")
    assert cli.run(args, stdout=out) == 0
    (record,) = json.loads(out.getvalue())
    assert record["la_value"] == 21.8
    assert record["england"] == 24.2
    assert record["neighbours"] == pytest.approx(23.65)
    assert record["neighbours_n"] == 10
    assert record["neighbour_model"] == "2021"


def test_cli_add_parser_on_a_fresh_parser() -> None:
    parser = argparse.ArgumentParser(prog="safeguarding-metrics")
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "benchmarks",
            "--la",
            "Rotherham",
            "--year",
            "2015",
            "--indicator",
            "national.rereferrals_12m",
            "--neighbours",
            "median",
            "--model",
            "2021",
            "--format",
            "json",
        ]
    )
    out = io.StringIO()
    assert args.func(args, stdout=out) == 0
    assert json.loads(out.getvalue())[0]["neighbours"] == pytest.approx(20.6)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"la": "Rotheram"}, "Rotherham"),
        ({"year": "2010"}, "2013 to 2025"),
        ({"year": "soon"}, "Not a year"),
        ({"indicator": ["rereferals"]}, "rereferrals_12m"),
    ],
)
def test_cli_errors_exit_2_without_traceback(
    changes: dict[str, object], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(_args(**changes), stdout=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert err.count("\n") == 1
