"""The command line: output formats, errors without tracebacks, validate, template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from safeguarding_metrics.cli import main

REFERRALS = (
    "referral_id,child_id,referral_date\n"
    "R1,C1,2014-05-01\n"
    "R2,C1,2015-04-10\n"
    "R3,C2,2015-04-20\n"
    "=HYPERLINK(1),C3,2015-05-02\n"
)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "council"
    folder.mkdir()
    (folder / "referrals.csv").write_text(REFERRALS, encoding="utf-8")
    return folder


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())  # messages are wrapped for the terminal


def test_calculate_json(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "calculate",
            str(dataset),
            "--start",
            "2015-04-01",
            "--end",
            "2015-06-30",
            "--every",
            "month",
            "--indicator",
            "national.rereferrals_12m",
            "--format",
            "json",
            "-q",
        ],
        capsys,
    )
    assert code == 0
    rows = [r for r in json.loads(out) if r["window"] == "period"]  # not the ytd headline
    assert [r["period_start"] for r in rows] == ["2015-04-01", "2015-05-01", "2015-06-01"]
    assert [r["period_end"] for r in rows] == ["2015-04-30", "2015-05-31", "2015-06-30"]
    first = rows[0]
    for key in (
        "indicator",
        "la",
        "numerator",
        "denominator",
        "value",
        "unit",
        "status",
        "previous_value",
        "direction",
        "target",
        "target_status",
        "england",
    ):
        assert key in first
    assert (first["numerator"], first["denominator"], first["value"]) == (1, 2, 50.0)
    assert rows[2]["value"] is None and rows[2]["denominator"] == 0
    assert first["unit"] == "%" and first["status"] == "ok"


def test_calculate_param_and_table(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        [
            "calculate",
            str(dataset),
            "--start",
            "2015-04-01",
            "--end",
            "2015-04-30",
            "--param",
            "national.rereferrals_12m.per=child",
        ],
        capsys,
    )
    assert code == 0
    assert "national.rereferrals_12m" in out and "50.0%" in out
    assert "computing national.rereferrals_12m" in err  # progress goes to stderr


def test_csv_output_never_holds_a_formula(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drill = tmp_path / "drill"
    out_file = tmp_path / "results.csv"
    code, _, err = run(
        [
            "calculate",
            str(dataset),
            "--start",
            "2015-05-01",
            "--end",
            "2015-05-31",
            "-q",
            "--format",
            "csv",
            "--output",
            str(out_file),
            "--drilldown",
            str(drill),
        ],
        capsys,
    )
    assert code == 0
    assert out_file.read_text(encoding="utf-8").startswith("indicator,la,period_start")
    listing = (drill / "national.rereferrals_12m.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in listing
    assert "\n=HYPERLINK" not in listing and ",=HYPERLINK" not in listing
    assert "personal data" in err


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["calculate", "{ds}", "--start", "2015-13-01", "--end", "2015-12-31"], 2, "2015-13-01"),
        (["calculate", "{ds}", "--start", "2015-04-01", "--end", "2015-03-01"], 2, "before"),
        (
            ["calculate", "{ds}/nope", "--start", "2015-04-01", "--end", "2015-04-30"],
            1,
            "not a dataset folder",
        ),
        (
            [
                "calculate",
                "{ds}",
                "--start",
                "2015-04-01",
                "--end",
                "2015-04-30",
                "--indicator",
                "national.rereferals",
            ],
            2,
            "Did you mean",
        ),
        (
            [
                "calculate",
                "{ds}",
                "--start",
                "2015-04-01",
                "--end",
                "2015-04-30",
                "--param",
                "per=child",
            ],
            2,
            "ID.NAME=VALUE",
        ),
        (
            [
                "calculate",
                "{ds}",
                "--start",
                "2015-04-01",
                "--end",
                "2015-04-30",
                "--targets",
                "{ds}/missing.toml",
            ],
            2,
            "cannot be read",
        ),
    ],
)
def test_errors_are_one_paragraph_without_traceback(
    dataset: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, words: str
) -> None:
    got, out, err = run([a.replace("{ds}", str(dataset)) for a in args], capsys)
    assert got == code
    assert words in err
    assert "Traceback" not in err and out == ""


def test_strict_stops_on_bad_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\nR1,SECRET,2015-02-30\n", encoding="utf-8"
    )
    args = ["calculate", str(folder), "--start", "2015-04-01", "--end", "2015-04-30", "-q"]
    code, _, err = run([*args, "--strict"], capsys)
    assert code == 1 and "row 2" in err and "referral_date" in err and "SECRET" not in err
    code, _, err = run(args, capsys)  # lenient: exit 0, a note on stderr
    assert code == 0 and "set aside" in err


def test_targets_file(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(
        '[targets."national.rereferrals_12m"]\nvalue = 49.0\ntolerance = 0.5\n', encoding="utf-8"
    )
    code, out, _ = run(
        [
            "calculate",
            str(dataset),
            "--start",
            "2015-04-01",
            "--end",
            "2015-04-30",
            "-q",
            "--format",
            "json",
            "--targets",
            str(targets),
        ],
        capsys,
    )
    assert code == 0
    row = next(r for r in json.loads(out) if r["indicator"] == "national.rereferrals_12m")
    assert row["target"] == 49.0 and row["target_status"] == "red"
    targets.write_text('[targets."x.y"]\ntolerance = 1\n', encoding="utf-8")
    code, _, err = run(
        [
            "calculate",
            str(dataset),
            "--start",
            "2015-04-01",
            "--end",
            "2015-04-30",
            "--targets",
            str(targets),
        ],
        capsys,
    )
    assert code == 2 and "'value' is missing" in err


def test_validate_and_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "template"
    code, _, _ = run(["template", str(folder)], capsys)
    assert code == 0
    assert (folder / "referrals.csv").read_text(encoding="utf-8").startswith("referral_id,")
    assert "`referral_date`*" in (folder / "README.md").read_text(encoding="utf-8")
    (folder / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\nR1,C1,2015-04-01\nR2,C1,bad\n", encoding="utf-8"
    )
    code, out, _ = run(["validate", str(folder), "-q"], capsys)
    assert code == 0 and "read         2" in out and "unparseable date" in out
    code, out, _ = run(["validate", str(folder), "-q", "--format", "json"], capsys)
    payload = json.loads(out)
    referrals = next(c for c in payload["counts"] if c["table"] == "referrals")
    assert referrals["read"] == referrals["used"] + referrals["set_aside"] == 2
    code, _, err = run(["template", str(folder)], capsys)
    assert code == 2 and "--force" in err


def test_indicators_and_plugins_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["indicators", "--format", "json"], capsys)
    items = {i["id"]: i for i in json.loads(out)}
    meta = items["national.rereferrals_12m"]
    assert meta["kind"] == "flow" and meta["unit"] == "%" and meta["polarity"] == "lower"
    assert meta["parameters"][0]["name"] == "per" and meta["plugin"] == "national"
    assert meta["distribution"] == "safeguarding-metrics"
    code, out, _ = run(["plugins", "--all"], capsys)
    assert code == 0 and json.loads(out)[0]["name"] == "national"


def test_python_dash_m_and_console_script(dataset: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "safeguarding_metrics",
            "calculate",
            str(dataset),
            "--start",
            "2015-04-01",
            "--end",
            "2015-04-30",
            "--format",
            "json",
            "-q",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "national.rereferrals_12m" in {r["indicator"] for r in json.loads(proc.stdout)}
    proc = subprocess.run(
        [sys.executable, "-m", "safeguarding_metrics"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2 and "calculate" in proc.stderr
