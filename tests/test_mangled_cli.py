"""Mangled inputs at the edges (issue 15, deliverable 8): targets and commentary files, output
paths, plugins that misbehave, child identifiers kept off standard error, control characters in
workbooks. Every case is a clear message and an exit code of 1 or 2, never an internal error."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

import safeguarding_metrics as sm
from safeguarding_metrics.cli import main
from safeguarding_metrics.cli_common import redact_values
from safeguarding_metrics.cohort_checks import redact_child_ids
from safeguarding_metrics.due import DueList, due_lists
from safeguarding_metrics.export import set_cell
from safeguarding_metrics.model import Referral
from safeguarding_metrics.plugins import guard_stdout
from safeguarding_metrics.report.commentary import MAX_CELL, CommentaryError, load_commentary
from safeguarding_metrics.targets import TargetsFileError, load_targets

#: Child identifiers no one would write by chance: any of them on stderr is a leak.
IDS = ("ZQXCHILD0001", "ZQXCHILD0002", "ZQXCHILD0003")
ID = "national.rereferrals_12m"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A small dataset whose child ids are distinctive strings."""
    data = tmp_path / "council"
    data.mkdir()
    (data / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\n"
        + "".join(f"R{k},{c},2015-04-{10 + k}\n" for k, c in enumerate(IDS)),
        encoding="utf-8",
    )
    return data


CALC = ["--start", "2015-04-01", "--end", "2015-04-30", "-q"]


def _report(data: Path) -> list[str]:
    return ["report", str(data), "--from", "2015-04", "--to", "2015-04", "-q"]


# -- 1. the targets file -----------------------------------------------------------------------


def _targets(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "targets.toml"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_utf16_targets_file_with_its_mark_is_read(tmp_path: Path) -> None:
    path = _targets(tmp_path, f'# café\n[targets."{ID}"]\nvalue = 22.0\n', "utf-16")
    assert load_targets(path)[ID][0].value == 22.0


@pytest.mark.parametrize(
    ("text", "encoding", "message"),
    [
        (f'# café\n[targets."{ID}"]\nvalue = 22\n', "latin-1", "line 1: not UTF-8 text"),
        (f'[targets."{ID}"]\nvalue = 22\nnote = "é"\n', "cp1252", "line 3: not UTF-8 text"),
        ("targets = 3\n", "utf-8", "'targets' is int, not a table"),
        ('targets = ["a"]\n', "utf-8", "not a table"),
        (f'[targets."{ID}"]\nvalue = true\n', "utf-8", "'value' is a boolean"),
        (f'[targets."{ID}"]\nvalue = nan\n', "utf-8", "'value' is nan, not a finite number"),
        (f'[targets."{ID}"]\nvalue = inf\n', "utf-8", "'value' is inf"),
        (f'[targets."{ID}"]\nvalue = 2\ntolerance = -inf\n', "utf-8", "not a finite number"),
        (f'[targets."{ID}"]\nvalue = 2\ntolerance = false\n', "utf-8", "'tolerance' is a bool"),
        (f'[targets."{ID}"]\nvalue = "22"\n', "utf-8", "written without quotes"),
        (
            f'[targets."{ID}"]\nvalue = 2\nvalid_from = 2016-04-01\nvalid_to = 2016-03-31\n',
            "utf-8",
            "'valid_from' 2016-04-01 is after 'valid_to' 2016-03-31",
        ),
        (
            f'[targets."{ID}"]\nvalue = 2\nvalid_to = "2016-02-30"\n',
            "utf-8",
            "'valid_to' '2016-02-30' is not a date",
        ),
        (
            f'[targets."{ID}"]\nvalue = 2\nvalid_to = 2016-03-31T12:00:00\n',
            "utf-8",
            "date and time",
        ),
        (f'[targets."{ID}"]\nvalue = 2\nvalid_to = 12:00:00\n', "utf-8", "is not a date"),
    ],
)
def test_a_bad_targets_file_is_refused_with_the_reason(
    tmp_path: Path,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    encoding: str,
    message: str,
) -> None:
    path = _targets(tmp_path, text, encoding)
    with pytest.raises(TargetsFileError, match=r"targets\.toml"):
        load_targets(path)
    code, out, err = run(["calculate", str(folder), *CALC, "--targets", str(path)], capsys)
    assert code == 2 and message in err and "targets.toml" in err
    assert "Traceback" not in err and "internal error" not in err and out == ""


# -- 2. the commentary file --------------------------------------------------------------------


def _commentary(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "commentary.csv"
    path.write_bytes(b"indicator,period,commentary\n" + data)
    return path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            f"{ID},2015-04,ab\x00c\n".encode(),
            "row 2, column commentary: a control character (U+0000)",
        ),
        (f"{ID},2015-04,fine\n{ID},2015-05,a\x01b\n".encode(), "row 3, column commentary"),
        (f"{ID},2015-04,x\n{ID},2015-05,x\n{ID},2015-06,caf\xe9\n".encode("latin-1"), "row 4"),
        (f"{ID},2015-04,{'x' * (MAX_CELL + 1)}\n".encode(), "at most 20,000"),
        (f"{ID},2015-04,{'x' * 10_000_000}\n".encode(), "at most 20,000"),
        (f'{ID},2015-04,"{"x" * 10_000_000}"\n'.encode(), "row 2"),
        # an unquoted comma: the words after it would be dropped without a word
        (
            f"{ID},2015-04,fine\n{ID},2015-05,Improved, but more work is needed\n".encode(),
            "row 3: 4 values for the header's 3 columns",
        ),
    ],
)
def test_a_bad_commentary_file_names_file_row_and_column(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str
) -> None:
    path = _commentary(tmp_path, data)
    with pytest.raises(CommentaryError, match=r"commentary\.csv, row"):
        load_commentary(path)
    args = ["report", str(folder), "--from", "2015-04", "--to", "2015-04", "-q", "--no-html"]
    code, _, err = run(
        [*args, "--output", str(tmp_path / "out"), "--commentary", str(path)], capsys
    )
    assert code == 2 and message in err and "internal error" not in err


def test_line_breaks_inside_commentary_are_words_not_rows(tmp_path: Path) -> None:
    # form feeds and Unicode line separators once split the file into extra rows
    path = _commentary(tmp_path, f'{ID},2015-04,"one\u2028two\nthree"\n{ID},2015-05,x\n'.encode())
    found = load_commentary(path)
    april = found.find(ID, "2015-04", dt.date(2015, 4, 30))
    may = found.find(ID, "2015-05", dt.date(2015, 5, 31))
    assert april is not None and april.text == "one\u2028two\nthree"
    assert may is not None and may.source.endswith("row 3")


def test_commentary_with_empty_cells_beyond_the_header_or_in_utf16_is_read(tmp_path: Path) -> None:
    # a trailing comma on a row holds no words to lose; UTF-16 with its BOM is read as the
    # targets file is
    path = _commentary(tmp_path, f"{ID},2015-04,Improved,\n".encode())
    assert load_commentary(path).find(ID, "2015-04", dt.date(2015, 4, 30)).text == "Improved"
    wide = tmp_path / "wide.csv"
    wide.write_bytes(f"indicator,period,commentary\n{ID},2015-04,Caf\u00e9\n".encode("utf-16"))
    assert load_commentary(wide).find(ID, "2015-04", dt.date(2015, 4, 30)).text == "Caf\u00e9"


# -- 3. output paths ---------------------------------------------------------------------------


def test_output_paths_that_cannot_be_written_are_usage_errors(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_folder = tmp_path / "existing"
    a_folder.mkdir()
    a_file = tmp_path / "afile.txt"
    a_file.write_text("x", encoding="utf-8")
    cases = [
        (["calculate", str(folder), *CALC, "--output", str(a_folder)], "is a folder"),
        (["calculate", str(folder), *CALC, "--output", str(tmp_path / "no/x.csv")], "not exist"),
        (["calculate", str(folder), *CALC, "--output", str(a_file / "x.csv")], "not a folder"),
        (["calculate", str(folder), *CALC, "--drilldown", str(a_file)], "is a file"),
        (["validate", str(folder), "-q", "--output", str(a_folder)], "is a folder"),
        (
            [*_report(folder), "--output", str(a_file)],
            "is a file; give a folder",
        ),
        (
            [*_report(folder), "--output", str(a_file / "sub")],
            "is a file, not a folder",
        ),
        (
            ["due", str(folder), "--as-at", "2015-04-30", "-q", "--output", str(a_file)],
            "is a file; give a folder",
        ),
    ]
    for args, words in cases:
        code, out, err = run(args, capsys)
        assert (code, words in err, out) == (2, True, ""), (args, err)
        assert "internal error" not in err
    assert a_file.read_text(encoding="utf-8") == "x"


def test_a_folder_that_cannot_be_written_in_is_a_usage_error(
    tmp_path: Path,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.access
    # as root every folder is writable: the permission is taken away where the check asks
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != locked and real(p, mode))
    for args in (
        ["calculate", str(folder), *CALC, "--output", str(locked / "x.csv")],
        [*_report(folder), "--output", str(locked / "report")],
        ["due", str(folder), "--as-at", "2015-04-30", "-q", "--output", str(locked)],
    ):
        code, out, err = run(args, capsys)
        assert (code, out) == (2, "") and "permission denied" in err, (args, err)


# -- 4. plugins whose cohort cannot be counted -------------------------------------------------

DATA = sm.Dataset.from_records(
    [
        Referral(referral_id=f"R{k}", child_id=c, referral_date=dt.date(2015, 4, 10 + k))
        for k, c in enumerate(IDS)
    ]
)


def _plugin(name: str, compute: Callable[..., Any], unit: str = "count") -> object:
    @sm.hookimpl
    def register_indicators() -> list[sm.Indicator]:
        return [
            sm.Indicator(
                id=f"{name}.measure",
                title="A measure",
                description="A test measure.",
                kind="flow",
                unit=unit,
                polarity="neutral",
                tables={"referrals": ("referral_id", "referral_date")},
                compute=compute,
            )
        ]

    return SimpleNamespace(register_indicators=register_indicators)


def _cohort(tables: Any, periods: sm.Periods, params: Any, **change: Any) -> pd.DataFrame:
    referrals = tables["referrals"]
    n = len(referrals)
    frame = pd.DataFrame(
        {
            "period": np.zeros(n, dtype=np.int64),
            "child": referrals["child"].to_numpy(),
            "record": referrals["referral_id"].to_numpy(),
            "date": pd.to_datetime(referrals["referral_date"]).to_numpy(),
            "met": np.ones(n, dtype=bool),
            "value": np.ones(n),
            "excluded": [None] * n,
        }
    )
    for column, values in change.items():
        frame[column] = values
    return frame


BAD_COHORTS: dict[str, tuple[dict[str, Any], str, str]] = {
    "child_codes": ({"child": [0, 1, 99]}, "count", "child code(s) beyond"),
    "met_text": ({"met": ["yes", "no", "yes"]}, "count", "holds str values, not true/false"),
    "met_numbers": ({"met": [0.0, 0.5, 1.0]}, "count", "not true/false"),
    "nan_period": ({"period": [0.0, np.nan, 0.0]}, "count", "not period indexes"),
    "big_period": ({"period": [0, 5, 0]}, "count", "period index out of range"),
    "text_period": ({"period": ["0", "0", "0"]}, "count", "not period indexes"),
    "text_child": ({"child": ["a", "b", "c"]}, "count", "not child codes"),
    "text_date": ({"date": ["x", "y", "z"]}, "count", "not dates"),
    "text_value": ({"value": ["1", "two", "3"]}, "days", "not numbers"),
    "inf_value": ({"value": [1.0, np.inf, 2.0]}, "days", "infinite"),
    # rows of an authority the dataset does not have were dropped from every figure silently
    "la_foreign": ({"la": ["372", None, None]}, "count", "not an authority of the dataset"),
    "la_list": ({"la": [[1], [2], [3]]}, "count", "'la' holds mixed values, not text"),
    "worker_list": ({"worker": [[1], [2], [3]]}, "count", "'worker' holds mixed values"),
}


@pytest.mark.parametrize("case", sorted(BAD_COHORTS))
def test_a_cohort_that_cannot_be_counted_is_that_indicator_not_computable(case: str) -> None:
    change, unit, words = BAD_COHORTS[case]
    name = case.replace("_", "")

    def compute(tables: Any, periods: sm.Periods, params: Any) -> pd.DataFrame:
        return _cohort(tables, periods, params, **change)

    good = _plugin("good", lambda t, p, q: _cohort(t, p, q))
    registry = sm.build_registry([(name, _plugin(name, compute, unit)), ("good", good)])
    result = sm.calculate(DATA, start="2015-04-01", end="2015-04-30", registry=registry)
    rows = result.frame.set_index("indicator")
    assert rows.loc["good.measure", "status"] == "ok" and rows.loc["good.measure", "value"] == 3
    assert rows.loc[f"{name}.measure", "status"] == "not_computable"
    reason = str(rows.loc[f"{name}.measure", "reason"])
    assert f"plugin '{name}'" in reason and words in reason, reason
    assert any(f"{name}.measure is not computable" in w for w in result.warnings)


def test_whole_numbers_as_floats_and_python_bools_are_accepted() -> None:
    def compute(tables: Any, periods: sm.Periods, params: Any) -> pd.DataFrame:
        return _cohort(tables, periods, params, period=[0.0, 0.0, 0.0], met=[True, False, True])

    registry = sm.build_registry([("floats", _plugin("floats", compute))])
    result = sm.calculate(DATA, start="2015-04-01", end="2015-04-30", registry=registry)
    assert result.frame["status"].tolist() == ["ok"]


# -- 5. plugins that exit or print -------------------------------------------------------------

EXITS_ON_IMPORT = "import sys\nsys.exit(0)\n"

PRINTS = """
from safeguarding_metrics import Indicator, hookimpl
from safeguarding_metrics.cohort import cohort_frame, days, rows_in_periods

print("hello from the plugin")


def compute(tables, periods, params):
    print("computing, noisily")
    referrals = tables["referrals"]
    period, row = rows_in_periods(days(referrals["referral_date"]), periods)
    return cohort_frame(period=period, child=referrals["child"].to_numpy()[row], met=True)


@hookimpl
def register_indicators():
    print("registering")
    return [
        Indicator(
            id="noisy.count",
            title="Referrals",
            description="Referrals in the period.",
            kind="flow",
            unit="count",
            polarity="neutral",
            tables={"referrals": ("referral_id", "referral_date")},
            compute=compute,
        )
    ]
"""

EXITS_IN_COMPUTE = PRINTS.replace("noisy", "quitter").replace(
    'print("computing, noisily")', "import sys; sys.exit(0)"
)


def test_a_plugin_calling_sys_exit_on_import_is_a_broken_plugin(
    install_plugin: Callable[..., object], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin("quits", EXITS_ON_IMPORT)
    code, out, err = run(["plugins"], capsys)
    assert code == 1 and "quits" in out and "BROKEN" in out and "SystemExit" in out
    code, out, err = run(["calculate", str(folder), *CALC, "--format", "json"], capsys)
    assert code == 1 and out == "" and "'quits' is broken" in err
    code, out, err = run(
        ["calculate", str(folder), *CALC, "--format", "json", "--skip-broken-plugins"], capsys
    )
    assert code == 0 and "national.rereferrals_12m" in {r["indicator"] for r in json.loads(out)}


def test_a_plugin_calling_sys_exit_in_a_hook_or_compute_is_isolated(
    install_plugin: Callable[..., object], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin(
        "hookexit",
        "import sys\nfrom safeguarding_metrics import hookimpl\n"
        "@hookimpl\ndef register_indicators():\n    sys.exit(3)\n",
    )
    install_plugin("quitter", EXITS_IN_COMPUTE)
    errors = {p.name: p.error for p in sm.default_registry().plugins}
    assert "SystemExit" in str(errors["hookexit"])
    capsys.readouterr()  # what the plugins printed as the registry was built here
    args = ["calculate", str(folder), *CALC, "--format", "json", "--indicator", "quitter.count"]
    code, out, err = run(args, capsys)
    rows = json.loads(out)
    assert code == 0 and rows[0]["status"] == "not_computable"
    assert "plugin 'quitter' tried to end the program" in rows[0]["reason"]
    assert "quitter.count is not computable" in err and "Traceback" not in err


def test_a_plugin_that_prints_cannot_corrupt_json_on_stdout(
    install_plugin: Callable[..., object], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin("noisy", PRINTS)
    args = ["calculate", str(folder), *CALC, "--format", "json", "--indicator", "noisy.count"]
    code, out, err = run(args, capsys)
    assert code == 0 and json.loads(out)[0]["value"] == 3
    assert "hello from the plugin" in err and "computing, noisily" in err
    code, out, err = run(["indicators", "--format", "json"], capsys)
    assert "noisy.count" in {i["id"] for i in json.loads(out)}
    code, out, err = run(["plugins", "--all"], capsys)
    assert "noisy" in {p["name"] for p in json.loads(out)}


def test_guard_stdout_restores_stdout_even_after_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(RuntimeError), guard_stdout():
        print("inside")
        raise RuntimeError("boom")
    print("after")
    out, err = capsys.readouterr()
    assert (out, err) == ("after\n", "inside\n")


def test_guard_stdout_also_guards_the_file_descriptor() -> None:
    import subprocess
    import sys

    code = (
        "import os, subprocess, sys\n"
        "from safeguarding_metrics.plugins import guard_stdout\n"
        "with guard_stdout():\n"
        "    os.write(1, b'from C\\n')\n"
        "    subprocess.run([sys.executable, '-c', 'print(\"from a child\")'])\n"
        "print('result')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "result\n"
    assert "from C" in done.stderr and "from a child" in done.stderr


# -- 6. child identifiers never on standard error ----------------------------------------------

LEAKY = PRINTS.replace("noisy", "leaky").replace(
    'print("computing, noisily")',
    'raise ValueError("bad child ZQXCHILD0002 in referral R1 (and ZQXCHILD0003)")',
)


def test_a_plugins_exception_text_keeps_child_ids_out(
    install_plugin: Callable[..., object], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin("leaky", LEAKY)
    args = ["calculate", str(folder), *CALC, "--format", "json", "--indicator", "leaky.count"]
    code, out, err = run(args, capsys)
    reason = json.loads(out)[0]["reason"]
    assert code == 0 and "ValueError: bad child [child id] in referral R1" in reason
    assert "plugin 'leaky'" in reason
    for child in IDS:
        assert child not in err and child not in out


@pytest.mark.parametrize("kind", ["raises", "not_computable", "exits"])
def test_an_indicators_or_due_lists_failure_keeps_child_ids_out(kind: str) -> None:
    def fail(*_: Any) -> Any:
        if kind == "exits":
            raise SystemExit(0)
        error = sm.NotComputable if kind == "not_computable" else KeyError
        raise error(f"child {IDS[0]} and {IDS[1]}")

    due = DueList(
        id="leaks.due",
        title="Leaks",
        description="fails",
        tables={"referrals": ("referral_date",)},
        compute=fail,
    )
    plugin = _plugin("leaks", fail)
    plugin.register_due_lists = sm.hookimpl(lambda: [due])  # type: ignore[attr-defined]
    registry = sm.build_registry([("leaks", plugin)])
    result = sm.calculate(DATA, start="2015-04-01", end="2015-04-30", registry=registry)
    made = due_lists(DATA, "2015-04-30", registry=registry)
    for reason in (str(result.frame.loc[0, "reason"]), made.unavailable["leaks.due"]):
        for child in IDS:
            assert child not in reason, reason
        if kind == "exits":
            assert "'leaks' tried to end the program" in reason
        else:
            assert "child [child id] and [child id]" in reason
        if kind == "raises":
            assert "failed in plugin 'leaks' (KeyError" in reason
    for text in (*result.warnings, *made.warnings):
        assert not any(child in text for child in IDS)


def test_redact_child_ids_prefers_the_longest_id() -> None:
    data = sm.Dataset.from_records(
        [
            Referral(referral_id="R1", child_id="C1", referral_date=dt.date(2015, 4, 1)),
            Referral(referral_id="R2", child_id="C12", referral_date=dt.date(2015, 4, 1)),
        ]
    )
    assert redact_child_ids("C12 then C1; C123", data) == (
        "[child id] then [child id]; [child id]3"
    )
    assert redact_child_ids("nothing here", DATA) == "nothing here"


def _mangled(tmp_path: Path, kind: str) -> Path:
    """A folder whose data put child ids where a finding quotes values."""
    data = tmp_path / kind
    data.mkdir()
    if kind == "shifted":  # the columns out of order: the date column holds the child ids
        (data / "referrals.csv").write_text(
            "referral_id,referral_date,child_id\n"
            + "".join(f"R{k},{c},2015-04-0{k + 1}\n" for k, c in enumerate(IDS)),
            encoding="utf-8",
        )
    elif kind == "headerless":  # the first record taken for the header
        (data / "cin_plans.csv").write_text(f"{IDS[2]},2015-04-01,x\n", encoding="utf-8")
    else:  # an unknown code, and an id in a column of codes
        (data / "cp_plans.csv").write_text(
            "plan_id,child_id,start_date,initial_category\n"
            f"P1,{IDS[0]},2015-04-01,XX\nP2,{IDS[1]},2015-04-01,{IDS[1]}\n",
            encoding="utf-8",
        )
    return data


@pytest.mark.parametrize("kind", ["shifted", "headerless", "codes"])
def test_data_errors_on_stderr_show_no_values_from_the_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    data = _mangled(tmp_path, kind)
    due = ["due", str(data), "--as-at", "2015-04-30", "-q", "--output", str(tmp_path / "d")]
    for args in (
        ["validate", str(data), "--strict", "-q"],
        ["validate", str(data), "-q"],
        ["calculate", str(data), *CALC],
        ["calculate", str(data), *CALC, "--strict"],
        [*_report(data), "--strict", "--output", str(tmp_path / "r")],
        [*due, "--strict"],
        due,
    ):
        code, _, err = run(args, capsys)
        assert code in (0, 1) and "internal error" not in err, (args, err)
        if "--strict" in args and args[0] == "validate" and kind != "codes":
            assert code == 1 and "'safeguarding-metrics validate' lists them" in err, err
        for child in IDS:
            assert child not in err, (args, err)


def test_redact_values_keeps_the_tools_own_words() -> None:
    assert redact_values("unknown code 'XX'; column 'referral_date'") == (
        "unknown code '…'; column 'referral_date'"
    )
    assert redact_values("unknown code 'A1'") == "unknown code 'A1'"
    assert redact_values("missing (the header has: r1, zqx, referral_date)") == (
        "missing (the header has: …, …, referral_date)"
    )


# -- 7. control characters in workbooks --------------------------------------------------------


def test_control_characters_in_a_workbook_cell_are_replaced(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    set_cell(sheet.cell(row=1, column=1), "Team\x01A\x0bEast\tok")
    set_cell(sheet.cell(row=2, column=1), "=Team\x00")
    workbook.save(tmp_path / "w.xlsx")
    read = openpyxl.load_workbook(tmp_path / "w.xlsx").active
    assert read is not None
    assert read.cell(row=1, column=1).value == "Team\ufffdA\ufffdEast\tok"
    assert read.cell(row=2, column=1).value == "=Team\ufffd"


def test_a_team_name_with_control_characters_reaches_the_due_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "teams"
    data.mkdir()
    (data / "workers.csv").write_text("worker_id,team\nW1,Team\x01A\x0bB\n", encoding="utf-8")
    (data / "allocations.csv").write_text(
        "child_id,worker_id,start_date\nZQXCHILD0001,W1,2015-01-01\n", encoding="utf-8"
    )
    (data / "assessments.csv").write_text(
        "assessment_id,child_id,start_date\nA1,ZQXCHILD0001,2015-02-20\n", encoding="utf-8"
    )
    out = tmp_path / "due"
    code, _, err = run(
        ["due", str(data), "--as-at", "2015-04-30", "-q", "--output", str(out)], capsys
    )
    assert code == 0, err
    books = sorted(out.glob("*.xlsx"))
    assert books, err
    texts = {
        str(c.value)
        for ws in openpyxl.load_workbook(books[0]).worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }
    assert any(t.startswith("Due lists, team Team\ufffdA\ufffdB") for t in texts)
    assert "Team\ufffdA\ufffdB" in texts  # the team column of the list
