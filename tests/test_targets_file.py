"""A council's targets file, and where a target comes from: passed to calculate > the council's
file > a plugin's register_targets > the indicator's own default. National indicators included."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
import safeguarding_metrics_rotherham as rotherham
from safeguarding_metrics.cli import main
from safeguarding_metrics.model import Referral
from safeguarding_metrics.synthetic import generate
from safeguarding_metrics.targets import TargetsFileError, load_targets
from safeguarding_metrics_national.rereferrals import REREFERRALS_12M

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "targets.toml"
RR = "national.rereferrals_12m"

# Four referrals in 2015-16, one of them a re-referral: 25%. Lower is better.
DATA = sm.Dataset.from_records(
    [
        Referral(referral_id="R1", child_id="C1", referral_date=dt.date(2015, 5, 1)),
        Referral(referral_id="R2", child_id="C1", referral_date=dt.date(2015, 9, 1)),
        Referral(referral_id="R3", child_id="C2", referral_date=dt.date(2015, 6, 1)),
        Referral(referral_id="R4", child_id="C3", referral_date=dt.date(2015, 7, 1)),
        Referral(referral_id="R5", child_id="C4", referral_date=dt.date(2016, 5, 1)),
    ]
)


class TargetsPlugin:
    """A plugin that sets a target for another plugin's indicator."""

    @sm.hookimpl
    def register_targets(self) -> list[sm.Target]:
        return [sm.Target(indicator=RR, value=24.0, tolerance=1.0, source="plugin")]


class DefaultPlugin:
    """National's re-referrals with its own default target, under another plugin name."""

    @sm.hookimpl
    def register_indicators(self) -> list[sm.Indicator]:
        return [attrs.evolve(REREFERRALS_12M, id="other.rereferrals_12m", target=30.0)]


def registry(*extra: tuple[str, object]) -> sm.Registry:
    return sm.build_registry([("national", national), *extra])


def target_of(results: sm.Results, indicator: str = RR) -> list[tuple[Any, Any]]:
    frame = results.frame
    # the period's rows (re-referrals' ytd headline, issue 16, reads the same over a year)
    rows = frame.loc[(frame["indicator"] == indicator) & (frame["window"] == "period")]
    return list(zip(rows["target"], rows["target_status"], strict=True))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def calc(reg: sm.Registry, **kwargs: Any) -> sm.Results:
    return sm.calculate(
        DATA, start="2015-04-01", end="2016-03-31", registry=reg, benchmarks=False, **kwargs
    )


def test_precedence_passed_over_file_over_plugin_over_indicator_default(tmp_path: Path) -> None:
    # the indicator's own default, when nothing else sets one
    default = calc(registry(("other", DefaultPlugin())), indicators=["other.rereferrals_12m"])
    assert target_of(default, "other.rereferrals_12m") == [(30.0, "green")]
    # a plugin's register_targets, for a national indicator
    reg = registry(("zz_targets", TargetsPlugin()))
    assert target_of(calc(reg, indicators=[RR])) == [(24.0, "amber")]  # 25% is 1 over: amber
    # the council's file wins over the plugin
    council = load_targets(write(tmp_path, f'[targets."{RR}"]\nvalue = 22.0\ntolerance = 2.0\n'))
    assert target_of(calc(reg, indicators=[RR], council_targets=council)) == [(22.0, "red")]
    # a target passed to calculate wins over the file
    both = calc(reg, indicators=[RR], council_targets=council, targets={RR: 26.0})
    assert target_of(both) == [(26.0, "green")]
    # ... and may be a Target with its own tolerance
    passed = sm.Target(indicator=RR, value=24.5, tolerance=0.0)
    assert target_of(calc(reg, indicators=[RR], targets={RR: passed})) == [(24.5, "red")]


def test_a_council_target_applies_only_to_periods_ending_within_its_dates(tmp_path: Path) -> None:
    council = load_targets(
        write(
            tmp_path,
            f'[targets."{RR}"]\nvalue = 26.0\nvalid_from = "2015-04-01"\nvalid_to = "2016-03-31"\n',
        )
    )
    reg = registry(("zz_targets", TargetsPlugin()))
    results = sm.calculate(
        DATA,
        start="2015-04-01",
        end="2017-03-31",
        every="year",
        indicators=[RR],
        registry=reg,
        council_targets=council,
        benchmarks=False,
    )
    # 2015-16 is judged against the council's target, 2016-17 falls back to the plugin's
    assert [t for t, _ in target_of(results)] == [26.0, 24.0]


def test_default_tolerances_and_the_amber_band() -> None:
    reg = registry()
    # per cent: 2 percentage points; 25% against 23.0 is 2 over: amber; against 22.9 red
    assert target_of(calc(reg, indicators=[RR], targets={RR: 23.0})) == [(23.0, "amber")]
    assert target_of(calc(reg, indicators=[RR], targets={RR: 22.9})) == [(22.9, "red")]
    # other units: 5% of the target (22 cases -> 1.1)
    unit = sm.Unit.CASES
    assert sm.engine.target_status(23.1, sm.Target(indicator="x.y", value=22.0), unit, "lower") == (
        "amber"
    )
    assert sm.engine.target_status(23.2, sm.Target(indicator="x.y", value=22.0), unit, "lower") == (
        "red"
    )


def test_the_example_file_loads_and_names_registered_indicators() -> None:
    targets = load_targets(EXAMPLE)
    known = sm.build_registry([("national", national), ("rotherham", rotherham)])
    assert set(targets) <= set(known.indicators)
    assert [t.value for t in targets[RR]] == [23.6, 22.5]
    # the docs show an excerpt of it: the excerpt loads too, and says the same
    doc = (ROOT / "docs" / "targets.md").read_text(encoding="utf-8")
    excerpt = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    assert "[[targets." in excerpt and "valid_to" in excerpt


def test_the_example_file_overrides_the_rotherham_plugin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "allocations.csv").write_text(
        "child_id,worker_id,start_date\n"
        + "".join(f"C{k},W1,2015-01-01\n" for k in range(23))
        + "C99,W2,2015-01-01\n",
        encoding="utf-8",
    )
    (folder / "workers.csv").write_text("worker_id,team,fte\nW1,A,1\nW2,A,1\n", encoding="utf-8")
    args = [
        "calculate",
        str(folder),
        "--start",
        "2015-12-01",
        "--end",
        "2015-12-31",
        "--indicator",
        "rotherham.caseload_average",
        "--format",
        "json",
        "-q",
        "--no-benchmarks",
    ]
    assert main(args) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["value"], row["target"], row["target_status"]) == (12.0, 22.0, "green")
    (folder / "allocations.csv").write_text(
        "child_id,worker_id,start_date\n" + "".join(f"C{k},W1,2015-01-01\n" for k in range(23)),
        encoding="utf-8",
    )
    assert main(args) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["value"], row["target_status"]) == (23.0, "red")  # the plugin: no amber band
    assert main([*args, "--targets", str(EXAMPLE)]) == 0
    [row] = json.loads(capsys.readouterr().out)
    # issue 16: the example's caseload target is the seed's band, 18-22 with 1 case's tolerance
    band = (row["target_lower"], row["target_upper"])
    assert (row["value"], row["target"], band, row["target_status"]) == (
        23.0,
        None,
        (18.0, 22.0),
        "amber",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[targets."a.b"]\ntolerance = 1\n', "'value' is missing"),
        ('[targets."a.b"]\nvalue = "high"\n', "numbers"),
        ('[targets."a.b"]\nvalue = 1\ntolerence = 1\n', "unknown key(s) tolerence"),
        ('[targets."a.b"]\nvalue = 1\nvalid_from = "01/04/2015"\n', "not a date"),
        ('[targets."a.b"]\nvalue = 1\ntolerance = -1\n', "cannot be negative"),
        ("[goals]\n", "unknown section(s) goals"),
        ("[targets\n", "not valid TOML"),
    ],
)
def test_a_bad_file_stops_the_run_with_a_message_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TargetsFileError, match=r"targets\.toml"):
        load_targets(path)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\nR1,C1,2015-04-01\n", encoding="utf-8"
    )
    args = ["calculate", str(folder), "--start", "2015-04-01", "--end", "2015-04-30"]
    code = main([*args, "--targets", str(path), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and message in " ".join(err.split()) and "Traceback" not in err


def test_a_band_is_green_inside_amber_near_red_further_on_either_side(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[targets."x.y"]\nlower = 18\nupper = 22\ntolerance = 1\nnote = "band"\n'
    )
    [band] = load_targets(path)["x.y"]
    assert band.is_band and (band.lower, band.upper, band.value) == (18.0, 22.0, None)
    status = sm.engine.target_status
    cases = sm.Unit.CASES
    for value, expected in [
        (18.0, "green"),
        (22.0, "green"),
        (20.0, "green"),
        (17.2, "amber"),
        (22.9, "amber"),
        (16.8, "red"),
        (23.2, "red"),
    ]:
        for polarity in ("lower", "higher", "neutral"):
            assert status(value, band, cases, polarity) == expected, (value, polarity)
    # default tolerance: 5% of the bound missed
    loose = sm.Target(indicator="x.y", lower=18.0, upper=22.0)
    assert status(23.1, loose, cases, "lower") == "amber"
    assert status(17.0, loose, cases, "lower") == "red"  # 0.9 above 18's 5%


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lower = 18\n", "'upper' is missing"),
        ("lower = 22\nupper = 18\n", "'lower' 22 is above 'upper' 18"),
        ("value = 20\nlower = 18\nupper = 22\n", "not both"),
        ('lower = "18"\nupper = 22\n', "written without quotes"),
    ],
)
def test_bad_bands_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TargetsFileError, match=message):
        load_targets(write(tmp_path, '[targets."x.y"]\n' + text))


def test_direction_inside_a_band_says_within_the_band() -> None:
    band = {
        "rotherham.caseload_average": sm.Target(
            indicator="rotherham.caseload_average", lower=9.0, upper=11.0, tolerance=1.0
        )
    }
    frames = generate(seed=3, scale=0.05)
    dataset = sm.Dataset.from_frames(frames)
    results = sm.calculate(
        dataset,
        start="2015-10-01",
        end="2015-12-31",
        every="month",
        indicators=["rotherham.caseload_average"],
        targets=band,
        registry=sm.build_registry([("national", national), ("rotherham", rotherham)]),
        benchmarks=False,
    )
    frame = results.frame.set_index("period")
    # at this scale: 9.7, 11.2 and 10.6 cases; November is outside the band 9-11, December in
    assert frame.loc["2015-11", "direction"] == "worsening"
    assert frame.loc["2015-12", "direction"] == "within the band"
    assert frame.loc["2015-11", "target_status"] == "amber"
