"""The performance report's figures, commentary, suppression, workbook and command (not HTML)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
import safeguarding_metrics_rotherham as rotherham
from safeguarding_metrics.cli import main
from safeguarding_metrics.indicator import Unit
from safeguarding_metrics.model import Allocation, Referral, Worker
from safeguarding_metrics.report import (
    CommentaryError,
    build_report,
    load_commentary,
    suppress_frame,
)
from safeguarding_metrics.report.excel import (
    PERSONAL_DATA_MARKING,
    write_drilldowns,
    write_workbook,
)
from safeguarding_metrics.report.formatting import format_value, period_name
from safeguarding_metrics.report.settings import ReportSettings
from safeguarding_metrics.report.write import write_report
from safeguarding_metrics.synthetic import generate
from safeguarding_metrics.synthetic import write_csv as write_synthetic

REGISTRY = sm.build_registry([("national", national), ("rotherham", rotherham)])
RR = "national.rereferrals_12m"
D = dt.date


def _referrals(*items: tuple[str, str, str]) -> list[Referral]:
    return [
        Referral(referral_id=rid, child_id=child, referral_date=D.fromisoformat(day))
        for rid, child, day in items
    ]


@pytest.fixture(scope="module")
def small_dataset() -> sm.Dataset:
    """Five referrals of three children, worked by hand below.

    Child A: 2015-01-10, 2015-04-05 (re-referral), 2015-05-20 (re-referral); B: 2015-04-20;
    C: 2015-05-03. A and B are allocated to a worker of team "=HYPERLINK(1)" (a hostile name).
    """
    return sm.Dataset.from_records(
        [
            *_referrals(
                ("R1", "A", "2015-01-10"),
                ("R2", "A", "2015-04-05"),
                ("R3", "B", "2015-04-20"),
                ("R4", "C", "2015-05-03"),
                ("R5", "A", "2015-05-20"),
            ),
            Worker(worker_id="W1", team="=HYPERLINK(1)"),
            Allocation(child_id="A", worker_id="W1", start_date=D(2014, 12, 1)),
            Allocation(child_id="B", worker_id="W1", start_date=D(2015, 4, 1)),
        ]
    )


def _report(dataset: sm.Dataset, **kwargs: object) -> sm.report.Report:  # type: ignore[name-defined]
    kwargs.setdefault("registry", REGISTRY)
    kwargs.setdefault("indicators", [RR])
    # the worked examples lead with the rolling 12 months: since issue 16 re-referrals lead
    # with the year to date unless a council's settings say otherwise, as these do
    kwargs.setdefault("settings", ReportSettings(headline={RR: "rolling12"}))
    kwargs.setdefault("now", dt.datetime(2015, 6, 10, 9, 0))
    return build_report(dataset, start="2015-04", end="2015-05", **kwargs)  # type: ignore[arg-type]


def test_worked_example_rolling12_ytd_and_month(small_dataset: sm.Dataset) -> None:
    report = _report(small_dataset)
    section = report.section(RR)
    assert section.window == "rolling12"
    assert section.window_label == "12 months to May 2015"
    may = section.latest
    # 12 months to May 2015: R1..R5, re-referrals R2 and R5 -> 2 of 5
    assert (may["numerator"], may["denominator"]) == (2, 5)
    assert may["value"] == pytest.approx(40.0)
    # 12 months to April: R1, R2, R3 -> 1 of 3
    assert may["previous_value"] == pytest.approx(100 / 3)
    assert may["direction"] == "worsening"  # lower is better
    # year to date (April-May): R2, R3, R4, R5 -> 2 of 4; May alone: R4, R5 -> 1 of 2
    assert may["ytd"] == pytest.approx(50.0)
    assert may["in_period"] == pytest.approx(50.0)
    row = report.summary.set_index("indicator").loc[RR]
    assert row["value"] == pytest.approx(40.0)
    assert row["window_label"] == "12 months to May 2015"
    assert report.latest_period_name == "May 2015"
    assert report.title.endswith("May 2015")


def test_draft_commentary_says_the_figures(small_dataset: sm.Dataset) -> None:
    text = _report(small_dataset).section(RR).commentary
    assert text.draft
    assert "In the 12 months to May 2015: 40.0% (2 of 5)." in text.text
    assert "Up 6.7 percentage points on the previous month (33.3%), a deterioration." in text.text
    # April is the first month of the year and the previous month: said once
    assert text.text.count("33.3%") == 1


def test_benchmarks_and_neighbours_in_the_draft(small_dataset: sm.Dataset) -> None:
    report = _report(small_dataset, la="372")
    assert report.council == "Rotherham"
    latest = report.section(RR).latest
    # by default the latest year published by the end of May 2015: 2013-14 (23.5%)
    assert latest["england"] == pytest.approx(23.5)
    assert latest["benchmark_year"] == 2014
    words = report.section(RR).commentary.text
    assert "Against the 2013-14 benchmarks it is higher than" in words
    assert "England (23.5%, worse)" in words
    same = _report(small_dataset, la="372", benchmark_years="same").section(RR).latest
    assert same["england"] == pytest.approx(22.5)  # 2015-16, the year May 2015 falls in


def test_published_benchmarks_are_those_the_seed_report_quotes(small_dataset: sm.Dataset) -> None:
    # December 2015: 2014-15 had been published (England 24.2%, the ten neighbours' mean
    # 23.65%, quoted as 23.6% in the seed report)
    report = build_report(
        small_dataset, start="2015-12", end="2015-12", la="372", registry=REGISTRY, indicators=[RR]
    )
    latest = report.section(RR).latest
    assert latest["england"] == pytest.approx(24.2)
    assert latest["neighbours"] == pytest.approx(23.65)
    assert latest["neighbours_n"] == 10
    assert sm.engine.benchmark_year(D(2015, 10, 31), "published") == 2014
    assert sm.engine.benchmark_year(D(2015, 11, 1), "published") == 2015


def test_team_breakdown_for_the_headline_window(small_dataset: sm.Dataset) -> None:
    teams = _report(small_dataset).section(RR).teams.set_index("team")
    # A's three referrals and B's one are W1's; C's is unallocated
    assert teams.loc["=HYPERLINK(1)", "denominator"] == 4
    assert teams.loc["=HYPERLINK(1)", "numerator"] == 2
    assert teams.loc["Unallocated", "denominator"] == 1


def test_commentary_file_beats_the_draft(small_dataset: sm.Dataset, tmp_path: Path) -> None:
    path = tmp_path / "commentary.csv"
    path.write_text(
        "\ufeffIndicator,Period,Commentary,Author\n"
        f'{RR},2015-05,"Audits of repeat referrals are under way.",Head of Service\n'
        f"{RR},2015-04,Older words,\n"
        "national.unknown,2015-05,Words for nothing,\n",
        encoding="utf-8",
    )
    report = _report(small_dataset, commentary=load_commentary(path))
    commentary = report.section(RR).commentary
    assert not commentary.draft
    assert commentary.text == "Audits of repeat referrals are under way."
    assert commentary.source == "commentary.csv, row 2, Head of Service"
    assert any("national.unknown" in w for w in report.warnings)


def test_commentary_by_quarter_label_and_period_end(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "indicator,period,commentary\na.b,2015-16 Q3,Quarter words\nc.d,2015-12-31,End words\n",
        encoding="utf-8",
    )
    found = load_commentary(path)
    assert found.find("a.b", "2015-16 Q3", D(2015, 12, 31)).text == "Quarter words"  # type: ignore[union-attr]
    assert found.find("c.d", "2015-12", D(2015, 12, 31)).text == "End words"  # type: ignore[union-attr]
    assert found.find("a.b", "2015-12", D(2015, 12, 31)) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("indicator,commentary\na.b,x\n", "row 1: missing column(s) period"),
        ("indicator,period,commentary\na.b,December,x\n", "row 2, column period"),
        ("indicator,period,commentary\n,2015-12,x\n", "row 2, column indicator: empty"),
        ("indicator,period,commentary\na.b,2015-12,x\na.b,2015-12,y\n", "row 3: a second entry"),
        ("indicator,period,commentary\na.b,2015-13,x\n", "row 2, column period"),
    ],
)
def test_commentary_file_errors_name_row_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommentaryError, match=r"c\.csv") as info:
        load_commentary(path)
    assert message in str(info.value)


def test_missing_commentary_file(tmp_path: Path) -> None:
    with pytest.raises(CommentaryError, match="cannot be read"):
        load_commentary(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("unit", "numerator", "denominator", "hidden"),
    [
        (Unit.PERCENT, 3, 100, True),  # small numerator
        (Unit.PERCENT, 97, 100, True),  # the complement (3 not met) is small
        (Unit.PERCENT, 0, 100, False),  # zero identifies nobody
        (Unit.PERCENT, 50, 100, False),
        (Unit.PERCENT, 2, 4, True),  # small denominator
        (Unit.PERCENT, 6, 6, False),  # 6 of 6: nothing from 1 to 5
        (Unit.COUNT, 5, np.nan, True),
        (Unit.COUNT, 6, np.nan, False),
        (Unit.COUNT, 0, np.nan, False),
        (Unit.DAYS, 2000, 5, True),  # a mean over 5 children
        (Unit.CASES, 200, 10, False),
    ],
)
def test_suppression_rule(unit: Unit, numerator: float, denominator: float, hidden: bool) -> None:
    frame = pd.DataFrame({"numerator": [numerator], "denominator": [denominator], "value": [1.0]})
    out = suppress_frame(frame, unit, 6)
    assert bool(out["suppressed"].iloc[0]) is hidden
    assert bool(out["value"].isna().iloc[0]) is hidden
    assert suppress_frame(frame, unit, None)["suppressed"].iloc[0] == False  # noqa: E712


def test_suppressed_report_hides_small_numbers(small_dataset: sm.Dataset) -> None:
    report = _report(small_dataset, suppress_below=6)
    latest = report.section(RR).latest
    assert latest["suppressed"]
    assert np.isnan(latest["value"]) and np.isnan(latest["numerator"])
    assert "suppressed" in report.section(RR).commentary.text
    assert report.section(RR).teams["suppressed"].all()
    with pytest.raises(ValueError, match="not written with"):
        write_drilldowns(report, Path("unused"))


def test_quarterly_report_reads_as_quarters() -> None:
    frames = generate(seed=7, scale=0.05)
    dataset = sm.Dataset.from_frames(frames)
    report = build_report(
        dataset,
        start="2015-04",
        end="2015-12",
        every="quarter",
        registry=REGISTRY,
        indicators=[RR, "national.cpp_open"],
    )
    section = report.section(RR)
    assert list(section.series["period"]) == ["2015-16 Q1", "2015-16 Q2", "2015-16 Q3"]
    assert report.latest_period_name == "Q3 2015-16 (October to December 2015)"
    assert "previous quarter" in section.commentary.text
    assert report.section("national.cpp_open").window_label == "as at 31 December 2015"


def test_not_computable_indicator_is_reported_not_dropped(small_dataset: sm.Dataset) -> None:
    report = _report(small_dataset, indicators=[RR, "national.cla_visits_on_time"])
    section = report.section("national.cla_visits_on_time")
    assert section.status == "not_computable"
    assert "care_episodes" in (section.reason or "")
    assert "not computable" in section.commentary.text
    assert len(report.summary) == 2


def test_empty_dataset_gives_a_report_of_empty_periods() -> None:
    report = build_report(
        sm.Dataset.from_records([]), start="2015-04", end="2015-05", registry=REGISTRY
    )
    assert len(report.sections) == len(REGISTRY)
    assert set(report.summary["status"]) == {"not_computable"}


def test_bad_ranges_are_usage_errors(small_dataset: sm.Dataset) -> None:
    with pytest.raises(sm.UsageError, match="before it starts"):
        build_report(small_dataset, start="2015-05", end="2015-04", registry=REGISTRY)
    with pytest.raises(sm.UsageError, match="month or quarter"):
        build_report(small_dataset, start="2015-04", end="2015-05", every="year")
    with pytest.raises(sm.UsageError, match="not a month"):
        build_report(small_dataset, start="April", end="2015-05")


def test_pooled_dataset_needs_a_council() -> None:
    frames = {
        "referrals": pd.DataFrame(
            {
                "referral_id": ["R1", "R2"],
                "child_id": ["A", "B"],
                "referral_date": ["2015-04-02", "2015-04-03"],
                "la": ["372", "371"],
            }
        )
    }
    dataset = sm.Dataset.from_frames(frames)
    with pytest.raises(sm.UsageError, match="several councils"):
        build_report(dataset, start="2015-04", end="2015-04", registry=REGISTRY, indicators=[RR])
    report = build_report(
        dataset, start="2015-04", end="2015-04", registry=REGISTRY, indicators=[RR], la="372"
    )
    assert report.section(RR).latest["denominator"] == 1


def test_workbook_reads_back(small_dataset: sm.Dataset, tmp_path: Path) -> None:
    report = _report(small_dataset, indicators=[RR, "national.referrals"])
    path = write_workbook(report, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    # issue 16: sheets named by the indicators' titles, percentages stored as fractions;
    # issue 17: in the report's order (front door: referrals, then re-referrals)
    assert book.sheetnames == ["Summary", "Referrals", "Re-referrals within 12 months"]
    summary = book["Summary"]
    rows = list(summary.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Indicator")
    body = [r for r in rows[header + 1 :] if r[0]]
    assert [r[1] for r in body] == ["national.referrals", RR]
    rr = body[1]
    assert rr[3] == pytest.approx(0.40) and rr[5] == "worsening"
    # April's 33.3...%: stored unrounded, rounded by its format only
    assert rr[4] == pytest.approx(1 / 3, rel=1e-12)
    assert summary.cell(row=header + 3, column=4).number_format == "0.0%"
    sheet = book["Re-referrals within 12 months"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    # the hostile team name is text, not a formula
    team = cells["=HYPERLINK(1)"]
    assert team.data_type == "s"
    assert any(isinstance(v, str) and v.startswith("Commentary (draft") for v in cells)


def test_drilldown_workbooks_are_marked_and_per_team(
    small_dataset: sm.Dataset, tmp_path: Path
) -> None:
    report = _report(small_dataset)
    paths = write_drilldowns(report, tmp_path / "dd")
    assert sorted(p.name for p in paths) == ["HYPERLINK-1.xlsx", "Unallocated.xlsx"]
    book = openpyxl.load_workbook(tmp_path / "dd" / "HYPERLINK-1.xlsx")
    sheet = book["Re-referrals within 12 months"]
    assert sheet["A1"].value == PERSONAL_DATA_MARKING
    header = [c.value for c in sheet[5]]
    rows = [
        dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=6, values_only=True)
    ]
    # May 2015: C (unallocated) and A's R5 (W1's); W1's list holds R5 only
    assert [(r["child_id"], r["record"]) for r in rows] == [("A", "R5")]
    assert rows[0]["met"] is True


def test_results_csv_has_every_window(small_dataset: sm.Dataset, tmp_path: Path) -> None:
    report = _report(small_dataset)
    written = write_report(report, tmp_path / "out", html=False)
    frame = pd.read_csv(written.csv)
    assert set(frame["window"]) == {"period", "ytd", "rolling12"}
    assert len(frame) == 2 * 3
    summary = pd.read_csv(written.summary)
    assert list(summary["indicator"]) == [RR]


@pytest.mark.parametrize(
    ("start", "end", "name"),
    [
        (D(2015, 12, 1), D(2015, 12, 31), "December 2015"),
        (D(2015, 10, 1), D(2015, 12, 31), "Q3 2015-16 (October to December 2015)"),
        (D(2015, 4, 1), D(2016, 3, 31), "the year 2015-16"),
        (D(2015, 4, 3), D(2015, 4, 9), "03 April 2015 to 09 April 2015"),
    ],
)
def test_period_names(start: dt.date, end: dt.date, name: str) -> None:
    assert period_name(start, end) == name


def test_format_value_rounds_half_up_with_units() -> None:
    assert format_value(22.25, "%") == "22.3%"
    assert format_value(426.5, "days") == "427 days"
    assert format_value(4508, "count") == "4,508"
    assert format_value(None, "%") == "–"


def _write_folder(dataset_frames: dict[str, pd.DataFrame], folder: Path) -> Path:
    write_synthetic(dataset_frames, folder)
    return folder


@pytest.fixture(scope="module")
def synthetic_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frames = generate(seed=11, scale=0.05)
    return _write_folder(frames, tmp_path_factory.mktemp("synthetic"))


def test_cli_report_writes_the_files(
    synthetic_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    code = main(
        [
            "-v",
            "report",
            str(synthetic_folder),
            "--la",
            "372",
            "--from",
            "2015-10",
            "--to",
            "2015-12",
            "--output",
            str(out),
            "--indicator",
            RR,
            "--indicator",
            "national.cla_visits_on_time",
            "--drilldown",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / "report.xlsx").exists() and (out / "results.csv").exists()
    assert (out / "report.html").exists()
    assert "Report for Rotherham, December 2015" in captured.out
    assert "Time per stage" in captured.err and "calculate" in captured.err
    assert list((out / "drilldown").glob("*.xlsx"))


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--from", "2015-12", "--to", "2015-10"], 2, "before --from"),
        (
            ["--from", "2015-10", "--to", "2015-12", "--suppress", "--drilldown"],
            2,
            "never published",
        ),
        (["--from", "2015-10", "--to", "2015-12", "--suppress", "1"], 2, "at least 2"),
        (["--from", "Oct", "--to", "2015-12"], 2, "not a month"),
    ],
)
def test_cli_report_usage_errors(
    synthetic_folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    code: int,
    message: str,
) -> None:
    result = main(["report", str(synthetic_folder), "--output", str(tmp_path / "o"), *extra])
    assert result == code
    assert message in capsys.readouterr().err


def test_cli_report_bad_commentary_and_missing_dataset(
    synthetic_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "c.csv"
    bad.write_text("indicator,period,commentary\nx.y,soon,words\n", encoding="utf-8")
    args = ["--from", "2015-10", "--to", "2015-12", "--output", str(tmp_path / "o")]
    assert main(["report", str(synthetic_folder), *args, "--commentary", str(bad)]) == 2
    assert "row 2, column period" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing"), *args]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_commentary_draft_file_round_trips(small_dataset: sm.Dataset, tmp_path: Path) -> None:
    report = _report(small_dataset)
    written = write_report(report, tmp_path / "out", html=False, excel=False)
    again = _report(small_dataset, commentary=load_commentary(written.commentary))
    before, after = report.section(RR).commentary, again.section(RR).commentary
    assert before.draft and not after.draft
    assert after.text == before.text


def test_suppression_hides_what_would_give_a_value_away() -> None:
    from safeguarding_metrics.report.suppress import suppress_results

    frame = pd.DataFrame(
        {
            "window": ["period"] * 3,
            "period_end": pd.to_datetime(["2015-04-30", "2015-05-31", "2015-06-30"]),
            "numerator": [3.0, 40.0, 50.0],
            "denominator": [100.0, 100.0, 100.0],
            "value": [3.0, 40.0, 50.0],
            "previous_value": [np.nan, 3.0, 40.0],
            "direction": [None, "worsening", "worsening"],
            "target_status": ["green", "red", "red"],
        }
    )
    out = suppress_results(frame, Unit.PERCENT, 6)
    assert list(out["suppressed"]) == [True, False, False]
    assert out["target_status"].iloc[0] is None
    # May's previous value and direction would reveal April's 3%
    assert np.isnan(out["previous_value"].iloc[1]) and out["direction"].iloc[1] is None
    assert out["previous_value"].iloc[2] == 40.0 and out["direction"].iloc[2] == "worsening"
