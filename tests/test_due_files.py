"""Due lists written out (issue 10): the workbooks and the CSV, and the ``due`` command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
import safeguarding_metrics_rotherham as rotherham
from safeguarding_metrics.cli import main
from safeguarding_metrics.due import (
    PERSONAL_DATA_MARKING,
    due_lists,
    safe_file_name,
    write_due_csv,
    write_due_files,
)
from safeguarding_metrics.model import Allocation, CpPlan, Visit, Worker, table_specs
from safeguarding_metrics.testing import make_dataset

D = dt.date
EVIL_TEAM = '=HYPERLINK("http://x","click")'
EVIL_WORKER = "+W1"


@pytest.fixture(scope="module")
def registry() -> sm.Registry:
    return sm.build_registry([("national", national), ("rotherham", rotherham)])


def _records() -> list[object]:
    return [
        Worker(worker_id=EVIL_WORKER, team=EVIL_TEAM),
        Worker(worker_id="W2", team="Locality South"),
        CpPlan(plan_id="P1", child_id="C1", start_date=D(2015, 11, 1)),  # 14 days on 11-15
        CpPlan(plan_id="P2", child_id="C2", start_date=D(2015, 11, 1)),
        CpPlan(plan_id="P3", child_id="@C3", start_date=D(2015, 12, 20)),
        Visit(child_id="C2", visit_date=D(2015, 12, 20), visit_type="cp"),
        Allocation(child_id="C1", worker_id=EVIL_WORKER, start_date=D(2015, 11, 1)),
        Allocation(child_id="C2", worker_id=EVIL_WORKER, start_date=D(2015, 11, 1)),
        Allocation(child_id="@C3", worker_id="W2", start_date=D(2015, 12, 20)),
    ]


def _dataset() -> sm.Dataset:
    return make_dataset(_records(), tables=list(table_specs()))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The dataset as a canonical folder, for the command line."""
    data = tmp_path / "data"
    data.mkdir()
    history = {spec.name: [] for spec in table_specs().values()}
    for record in _records():
        history[type(record).table].append(record)  # type: ignore[attr-defined]
    from safeguarding_metrics.testing.strategies import history_frames

    for name, frame in history_frames(history).items():
        frame.to_csv(data / f"{name}.csv", index=False)
    return data


def test_workbook_per_team_marked_sorted_and_without_formulas(
    tmp_path: Path, registry: sm.Registry
) -> None:
    made = due_lists(_dataset(), "2015-12-31", registry=registry)
    written = write_due_files(made, tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == sorted(
        ["due-lists.csv", safe_file_name(EVIL_TEAM), "due-lists-locality-south.xlsx"]
    )
    assert all(c.isalnum() or c in "-." for c in safe_file_name(EVIL_TEAM))

    book = openpyxl.load_workbook(tmp_path / "out" / safe_file_name(EVIL_TEAM))
    assert book.sheetnames[0] == "Summary"
    assert "CP visits (2 weeks)" in book.sheetnames
    for sheet in book.worksheets:
        assert sheet["A1"].value == PERSONAL_DATA_MARKING
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
    visits = book["CP visits (2 weeks)"]
    assert visits.freeze_panes == "A4"
    header = [c.value for c in visits[3]]
    assert header[:5] == ["Status", "Days overdue", "Days left", "Due date", "Child"]
    rows = [[c.value for c in row] for row in visits.iter_rows(min_row=4)]
    assert [r[4] for r in rows] == ["C1", "C2"]  # most overdue first
    assert [r[0] for r in rows] == ["overdue", "due within 7 days"]
    assert rows[0][1] == 46 and rows[1][2] == 3  # due 2015-11-15 and 2016-01-03
    team_column = header.index("Team")
    worker_column = header.index("Worker")
    assert {r[team_column] for r in rows} == {EVIL_TEAM}
    assert {r[worker_column] for r in rows} == {EVIL_WORKER}
    team_cell = visits.cell(row=4, column=team_column + 1)
    assert team_cell.data_type == "s" and team_cell.value == EVIL_TEAM
    assert visits["A4"].fill.fgColor.rgb.endswith("FFC7CE")  # the overdue row is marked
    assert visits["A5"].fill.fgColor.rgb.endswith("FFEB9C")
    assert visits.column_dimensions["A"].width >= len("due within 7 days")
    assert visits.cell(row=4, column=4).number_format == "yyyy-mm-dd"

    summary = book["Summary"]
    lines = {r[0].value: [c.value for c in r] for r in summary.iter_rows(min_row=4)}
    assert lines["CP visits (2 weeks)"][2:5] == [1, 1, 0]

    south = openpyxl.load_workbook(tmp_path / "out" / "due-lists-locality-south.xlsx")
    south_rows = [[c.value for c in r] for r in south["CP visits (2 weeks)"].iter_rows(min_row=4)]
    assert [r[4] for r in south_rows] == ["@C3"]
    assert south["CP visits (2 weeks)"].cell(row=4, column=5).data_type == "s"


def test_csv_marked_in_its_first_row_and_defused(tmp_path: Path, registry: sm.Registry) -> None:
    made = due_lists(_dataset(), "2015-12-31", registry=registry)
    path = tmp_path / "due-lists.csv"
    write_due_csv(made, path)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == PERSONAL_DATA_MARKING
    frame = pd.read_csv(path, skiprows=1)
    visits = frame.loc[frame["due_list"] == "rotherham.cp_visits"]
    assert list(visits["child_id"]) == ["C1", "C2", "'@C3"]
    assert set(visits["team"]) == {"'" + EVIL_TEAM, "Locality South"}
    assert set(visits["worker_id"]) == {"'" + EVIL_WORKER, "W2"}
    assert not any(line.startswith(("=", "+", "-", "@")) for line in text.splitlines())


def test_the_due_command_writes_the_files_and_a_summary_without_child_ids(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["due", str(folder), "--as-at", "2015-12-31", "--output", str(out), "-q"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / "due-lists.csv").exists()
    assert (out / "due-lists-locality-south.xlsx").exists()
    assert "rotherham.cp_visits" in captured.out
    for child in ("C1", "C2", "@C3"):
        assert child not in captured.out and child not in captured.err
    line = next(x for x in captured.out.splitlines() if x.startswith("rotherham.cp_visits"))
    assert line.split()[1:4] == ["1", "2", "2"]  # overdue, due <= 7 days, due <= 14 days
    assert "personal data" in captured.err


def _args(folder: Path, out: Path) -> list[str]:
    return ["due", str(folder), "--as-at", "2015-12-31", "--output", str(out), "-q"]


def test_the_due_command_filters_by_team_and_worker(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "south"
    code = main([*_args(folder, out), "--team", "Locality South", "--within", "30"])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [
        "due-lists-locality-south.xlsx",
        "due-lists.csv",
    ]
    frame = pd.read_csv(out / "due-lists.csv", skiprows=1)
    assert set(frame["team"]) == {"Locality South"}
    out = tmp_path / "worker"
    code = main([*_args(folder, out), "--worker", EVIL_WORKER])
    assert code == 0
    frame = pd.read_csv(out / "due-lists.csv", skiprows=1)
    assert set(frame["worker_id"]) == {"'" + EVIL_WORKER}


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        (["--as-at", "2015-02-30"], 2, "is not a date"),
        ([], 2, "--as-at"),
        (["--as-at", "2015-12-31", "--within", "-3"], 2, "0 or more"),
        (["--as-at", "2015-12-31", "--team", "Nowhere"], 2, "not a team of this dataset"),
        (["--as-at", "2015-12-31", "--worker", "W99"], 2, "not a worker of this dataset"),
        (["--as-at", "2015-12-31", "--la", "372"], 2, "single authority"),
    ],
)
def test_the_due_command_usage_errors(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    code: int,
    words: str,
) -> None:
    got = main(["due", str(folder), "--output", str(tmp_path / "out"), *extra])
    err = capsys.readouterr().err
    assert got == code
    assert words in err
    assert "Traceback" not in err


def test_the_due_command_data_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got = main(["due", str(tmp_path / "none"), "--as-at", "2015-12-31", "--output", str(tmp_path)])
    err = capsys.readouterr().err
    assert got == 1 and "error:" in err and "Traceback" not in err


def test_the_due_command_reports_lists_not_available(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "visits.csv").write_text(
        "child_id,visit_date,visit_type\nC1,2015-12-01,cp\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    code = main(["due", str(data), "--as-at", "2015-12-31", "--output", str(out), "-q"])
    captured = capsys.readouterr()
    assert code == 0
    line = next(x for x in captured.out.splitlines() if x.startswith("rotherham.cp_visits"))
    assert "not available: needs table 'cp_plans'" in line
    assert (out / "due-lists.csv").read_text(encoding="utf-8").startswith("OFFICIAL-SENSITIVE")


def test_output_that_is_a_file_is_a_usage_error(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    got = main(["due", str(folder), "--as-at", "2015-12-31", "--output", str(target), "-q"])
    assert got == 2 and "cannot write the due lists" in capsys.readouterr().err


def test_the_worked_example_in_the_docs_runs() -> None:
    import re

    text = (Path(__file__).resolve().parents[1] / "docs" / "due-lists.md").read_text(
        encoding="utf-8"
    )
    example = re.findall(r"```python\n(.*?)```", text, re.S)[0]
    exec(compile(example, "due-lists.md", "exec"), {})


def test_the_plugin_example_in_the_docs_makes_a_due_list() -> None:
    import re
    import types

    text = (Path(__file__).resolve().parents[1] / "docs" / "due-lists.md").read_text(
        encoding="utf-8"
    )
    source = re.findall(r"```py\n(.*?)```", text, re.S)[0]
    namespace: dict[str, object] = {}
    exec(compile(source, "due-lists.md", "exec"), namespace)
    plugin = types.SimpleNamespace(register_due_lists=namespace["register_due_lists"])
    registry = sm.build_registry([("doncaster", plugin)])
    assert list(registry.due_lists) == ["doncaster.early_help_reviews"]
    data = make_dataset(
        [
            sm.model.CinPlan(plan_id="E1", child_id="C1", start_date=D(2015, 9, 1)),
            Visit(child_id="C1", visit_date=D(2015, 10, 5), visit_type="cin"),
        ],
        tables=list(table_specs()),
    )
    made = due_lists(data, "2016-01-05", registry=registry)
    row = made.lists["doncaster.early_help_reviews"].iloc[0]
    assert (row.due_date, row.band, row.days_left) == (pd.Timestamp("2016-01-05"), "due_7", 0)
