"""``safeguarding-metrics import`` through its own parser (``io.cli.add_parser`` / ``run``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import safeguarding_metrics as sm
from safeguarding_metrics.io import cli

FAKE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fake-returns"


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="safeguarding-metrics")
    sub = parser.add_subparsers(dest="command")
    cli.add_parser(sub)
    args = parser.parse_args(["import", *argv])
    return int(args.func(args))


@pytest.mark.shared
@pytest.mark.skipif(not FAKE.is_dir(), reason=f"synthetic returns not found at {FAKE}")
def test_import_fake_returns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ds"
    code = _run(
        [
            "--cin",
            str(FAKE / "cin-census" / "fake_CIN_data.xml"),
            "--ssda903",
            str(FAKE / "ssda903"),
            "--annex-a",
            str(FAKE / "annex-a" / "Annex_A.xlsx"),
            "--output",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert "read" in err and "used" in err and "set aside" in err
    assert "... reading" in err
    dataset = sm.load_dataset(out)
    c = dataset.counts
    assert (c["read"] == c["used"] + c["set_aside"]).all()
    assert {"children", "referrals", "care_episodes", "cla_reviews", "adoptions"} <= set(c["table"])
    assert (out / "import-quality.csv").is_file() and (out / "import-counts.csv").is_file()
    # again without --force: refused; with it: replaced
    assert (
        _run(["--cin", str(FAKE / "cin-census" / "fake_CIN_data.xml"), "--output", str(out)]) == 2
    )
    assert (
        _run(
            [
                "--cin",
                str(FAKE / "cin-census" / "fake_CIN_data.xml"),
                "--output",
                str(out),
                "--force",
                "-q",
            ]
        )
        == 0
    )
    assert not (out / "care_episodes.csv").exists()


def test_corrupt_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "cin.xml"
    bad.write_text(
        "<Message><Children><Child><ChildIdentifiers><LAchildID>SECRET42</LAchildID>\n"
        "<PersonBirthDate>2010-01-01</PersonBirthDate>\n",
        encoding="utf-8",
    )
    out = tmp_path / "ds"
    assert _run(["--cin", str(bad), "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "cin.xml" in err and "line" in err
    assert "Traceback" not in err and "SECRET42" not in err
    assert not out.exists() or not any(out.iterdir())


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--output", str(tmp_path / "ds")]) == 2
    assert _run(["--cin", "x.xml", "--la", "372", "--pooled", "--output", str(tmp_path)]) == 2
    assert _run(["--cin", str(tmp_path / "missing.xml"), "--output", str(tmp_path / "o")]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_formula_cells_defused(tmp_path: Path) -> None:
    folder = tmp_path / "903"
    folder.mkdir()
    (folder / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n=HYPERLINK(1),1,01/01/2010,+WBRI,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "ds"
    assert _run(["--ssda903", str(folder), "--output", str(out), "-q"]) == 0
    text = (out / "children.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text and "'+WBRI" in text
    assert "\n=" not in text and ",+" not in text
