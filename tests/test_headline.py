"""Issue 16: the headline window, the year-ago figure, target bands, the workbook's formats."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import openpyxl
import pandas as pd
import pytest

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
import safeguarding_metrics_rotherham as rotherham
from safeguarding_metrics.cli import main
from safeguarding_metrics.engine import UsageError
from safeguarding_metrics.model import Referral
from safeguarding_metrics.report import build_report
from safeguarding_metrics.report.html import render_html
from safeguarding_metrics.report.settings import (
    ReportSettings,
    SettingsFileError,
    load_settings,
)
from safeguarding_metrics.synthetic import generate

REGISTRY = sm.build_registry([("national", national), ("rotherham", rotherham)])
RR = "national.rereferrals_12m"
D = dt.date


def _referrals(*items: tuple[str, str, str]) -> list[Referral]:
    return [
        Referral(referral_id=rid, child_id=child, referral_date=D.fromisoformat(day))
        for rid, child, day in items
    ]


@pytest.fixture(scope="module")
def referrals() -> sm.Dataset:
    """A: 2014-05-02, 2015-04-05, 2015-05-20; B: 2015-04-20; C: 2015-05-03."""
    return sm.Dataset.from_records(
        _referrals(
            ("R0", "A", "2014-05-02"),
            ("R2", "A", "2015-04-05"),
            ("R3", "B", "2015-04-20"),
            ("R4", "C", "2015-05-03"),
            ("R5", "A", "2015-05-20"),
        )
    )


# --- 1. the headline window, declared ------------------------------------------------------


def test_a_headline_window_is_computed_for_its_own_indicator_only(referrals: sm.Dataset) -> None:
    """Re-referrals lead with the year to date; an indicator that leads with the month, computed
    beside them, keeps only the windows asked for, in its results and in its cohort."""
    alone = sm.calculate(
        referrals,
        start="2015-04-01",
        end="2015-05-31",
        every="month",
        indicators=["national.referrals"],
        registry=REGISTRY,
    )
    beside = sm.calculate(
        referrals,
        start="2015-04-01",
        end="2015-05-31",
        every="month",
        indicators=["national.referrals", RR],
        registry=REGISTRY,
    )
    frame = beside.frame
    assert set(frame.loc[frame["indicator"] == RR, "window"]) == {"period", "ytd"}
    assert set(frame.loc[frame["indicator"] == "national.referrals", "window"]) == {"period"}
    pd.testing.assert_frame_equal(
        alone.cohorts["national.referrals"], beside.cohorts["national.referrals"]
    )


def test_bundled_headlines_follow_the_issue() -> None:
    headline = {i.id: i.headline for i in REGISTRY}
    for ytd in (
        RR,
        "national.cpp_second_subsequent",
        "national.cpp_ended_2y",
        "national.referrals_nfa",
    ):
        assert headline[ytd] == "ytd"
    for period in (
        "rotherham.mash_decision_24h",
        "national.assessments_45wd",
        "national.icpc_15wd",
        "rotherham.caseload_average",
        "national.adoption_a1",
        "national.cla_long_term_stability",
    ):
        assert headline[period] == "period"
    assert "36 months" in REGISTRY.get("national.adoption_a10").headline_reason


def test_headline_is_validated_and_in_metadata() -> None:
    indicator = REGISTRY.get(RR)
    with pytest.raises(ValueError, match="headline is one of period, ytd, rolling12"):
        attrs.evolve(indicator, headline="rolling36")
    assert indicator.metadata()["headline"] == "ytd"


def test_indicators_json_shows_the_headline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", "--format", "json"]) == 0
    listed = {i["id"]: i for i in json.loads(capsys.readouterr().out)}
    assert listed[RR]["headline"] == "ytd"
    assert listed["rotherham.mash_decision_24h"]["headline"] == "period"


def test_calculate_computes_the_headline_whatever_windows_ask(referrals: sm.Dataset) -> None:
    res = sm.calculate(
        referrals, start="2015-05-01", end="2015-05-31", indicators=[RR], registry=REGISTRY
    )
    frame = res.frame.set_index("window")
    assert list(frame.index) == ["period", "ytd"]
    assert not frame.loc["period", "headline"] and frame.loc["ytd", "headline"]
    # ytd April-May: R2 (re-referral of R0, within 12 months), R3, R4, R5 (re-referral) -> 2/4
    assert frame.loc["ytd", "value"] == pytest.approx(50.0)
    records = res.to_records()
    assert [r["headline"] for r in records] == [False, True]
    # only the headline window when it is the one asked for
    only = sm.calculate(
        referrals,
        start="2015-05-01",
        end="2015-05-31",
        indicators=[RR],
        windows=("ytd",),
        registry=REGISTRY,
    )
    assert list(only.frame["window"]) == ["ytd"]
    assert "headline" in sm.engine.RESULT_COLUMNS


def test_a_headline_not_asked_for_is_counted_but_its_cohort_not_kept(
    referrals: sm.Dataset,
) -> None:
    """Asked for the month, re-referrals still report their year to date, computed apart: the
    kept cohort (drill-down) holds the month's records only, and every figure and breakdown is
    the one of a run that asked for both windows."""
    both = sm.calculate(
        referrals,
        start="2015-05-01",
        end="2015-05-31",
        indicators=[RR],
        windows=("period", "ytd"),
        registry=REGISTRY,
    )
    month = sm.calculate(
        referrals, start="2015-05-01", end="2015-05-31", indicators=[RR], registry=REGISTRY
    )
    pd.testing.assert_frame_equal(month.frame, both.frame)
    kept = month.cohorts[RR]
    # May: R4 and R5; the year to date adds April's R2 and R3
    assert sorted(kept["record"]) == ["R4", "R5"]
    assert set(pd.to_datetime(kept["period_start"])) == {pd.Timestamp("2015-05-01")}
    assert sorted(both.cohorts[RR]["record"]) == ["R2", "R3", "R4", "R4", "R5", "R5"]
    # without cohorts the same figures again
    counted = sm.calculate(
        referrals,
        start="2015-05-01",
        end="2015-05-31",
        indicators=[RR],
        cohorts=False,
        registry=REGISTRY,
    )
    pd.testing.assert_frame_equal(counted.frame, month.frame)


def test_calculate_headline_override_and_unknown_id(referrals: sm.Dataset) -> None:
    res = sm.calculate(
        referrals,
        start="2015-05-01",
        end="2015-05-31",
        indicators=[RR],
        headlines={RR: "rolling12"},
        registry=REGISTRY,
    )
    assert list(res.frame.loc[res.frame["headline"], "window"]) == ["rolling12"]
    assert res.indicators[RR].headline == "rolling12"
    with pytest.raises(
        UsageError, match=r"rereferals_12m.*did you mean 'national\.rereferrals_12m'"
    ):
        sm.calculate(
            referrals,
            start="2015-05-01",
            end="2015-05-31",
            indicators=[RR],
            headlines={"national.rereferals_12m": "ytd"},
            registry=REGISTRY,
        )


def test_cli_calculate_csv_and_table_carry_the_headline(
    tmp_path: Path, referrals: sm.Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\nR1,A,2015-04-05\nR2,A,2015-05-20\n", encoding="utf-8"
    )
    args = ["calculate", str(folder), "--start", "2015-05-01", "--end", "2015-05-31"]
    assert main([*args, "--indicator", RR, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    header, *rows = out.strip().splitlines()
    assert "headline" in header.split(",")
    assert len(rows) == 2
    assert main([*args, "--indicator", RR]) == 0
    assert "ytd*" in capsys.readouterr().out


def test_settings_file_overrides_headlines(tmp_path: Path, referrals: sm.Dataset) -> None:
    path = tmp_path / "report.toml"
    path.write_text(f'[headline]\n"{RR}" = "rolling12"\n', encoding="utf-8")
    settings = load_settings(path)
    assert settings.headline == {RR: "rolling12"}
    report = build_report(
        referrals,
        start="2015-05",
        end="2015-05",
        indicators=[RR],
        registry=REGISTRY,
        settings=settings,
    )
    assert report.section(RR).window == "rolling12"
    with pytest.raises(UsageError, match="did you mean"):
        build_report(
            referrals,
            start="2015-05",
            end="2015-05",
            indicators=[RR],
            registry=REGISTRY,
            settings=ReportSettings(headline={"national.rereferral_12m": "ytd"}),
        )
    path.write_text(f'[headline]\n"{RR}" = "month"\n', encoding="utf-8")
    with pytest.raises(SettingsFileError, match="not 'month'"):
        load_settings(path)
    path.write_text('[headlines]\n"x.y" = "ytd"\n', encoding="utf-8")
    with pytest.raises(SettingsFileError, match="unknown section"):
        load_settings(path)


def test_cli_report_settings_unknown_id_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\nR1,A,2015-04-05\n", encoding="utf-8"
    )
    settings = tmp_path / "report.toml"
    settings.write_text('[headline]\n"national.rereferals_12m" = "ytd"\n', encoding="utf-8")
    code = main(
        [
            "report",
            str(folder),
            "--from",
            "2015-05",
            "--to",
            "2015-05",
            "--indicator",
            RR,
            "--output",
            str(tmp_path / "out"),
            "--settings",
            str(settings),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "national.rereferals_12m" in err and "national.rereferrals_12m" in err


# --- 2. the summary on the headline; 3. a year ago ------------------------------------------


def _report(dataset: sm.Dataset, start: str, end: str, **kwargs: object) -> object:
    kwargs.setdefault("registry", REGISTRY)
    kwargs.setdefault("indicators", [RR])
    kwargs.setdefault("now", dt.datetime(2015, 6, 10, 9, 0))
    return build_report(dataset, start=start, end=end, **kwargs)  # type: ignore[arg-type]


def test_summary_leads_with_the_headline_and_keeps_the_three_windows(
    referrals: sm.Dataset,
) -> None:
    report = _report(referrals, "2015-04", "2015-05")
    row = report.summary.set_index("indicator").loc[RR]  # type: ignore[attr-defined]
    assert row["window"] == "ytd"
    assert row["window_label"] == "year to date (April to May 2015)"
    # year to date April-May: R2 (re-referral), R3, R4, R5 (re-referral): 2 of 4
    assert row["value"] == pytest.approx(50.0)
    assert (row["numerator"], row["denominator"]) == (2, 4)
    # May alone: R4, R5 -> 1 of 2; 12 months to May (from June 2014): R2..R5 -> 2 of 4
    assert row["in_period"] == pytest.approx(50.0)
    assert row["ytd"] == pytest.approx(50.0)
    assert row["rolling12"] == pytest.approx(50.0)
    # direction on April's year to date (R2, R3: 1 of 2, 50%)
    assert row["previous_value"] == pytest.approx(50.0)
    assert row["direction"] == "unchanged"


def test_a_ytd_headline_in_april_has_no_direction_and_says_why(referrals: sm.Dataset) -> None:
    report = _report(referrals, "2015-03", "2015-04")
    row = report.summary.set_index("indicator").loc[RR]  # type: ignore[attr-defined]
    assert row["direction"] is None
    assert "starts again in April" in row["direction_note"]
    assert "starts again in April" in render_html(report, charts=False)  # type: ignore[arg-type]


def test_a_period_headline_judges_the_month_itself(referrals: sm.Dataset) -> None:
    report = _report(
        referrals,
        "2015-05",
        "2015-05",
        settings=ReportSettings(headline={RR: "period"}),
        targets={RR: 45.0},
    )
    row = report.summary.set_index("indicator").loc[RR]  # type: ignore[attr-defined]
    assert row["window_label"] == "month of May 2015"
    assert row["value"] == pytest.approx(50.0)  # May alone, not the 12 months' 40%
    assert row["target_status"] == "red"  # 50 against 45, lower is better, 2 points' tolerance


def test_year_ago_is_the_headline_a_year_earlier(referrals: sm.Dataset) -> None:
    report = _report(
        referrals, "2015-05", "2015-05", settings=ReportSettings(headline={RR: "period"})
    )
    row = report.summary.set_index("indicator").loc[RR]  # type: ignore[attr-defined]
    # May 2014: R0 only, not a re-referral: 0 of 1; May 2015: R4, R5 (re-referral): 1 of 2
    assert row["year_ago"] == pytest.approx(0.0), row["year_ago_note"]
    assert row["year_ago_change"] == pytest.approx(50.0)
    assert row["year_ago_note"] is None
    # the year-ago period is not one of the report's periods
    assert set(report.results.frame["period"]) == {"2015-05"}  # type: ignore[attr-defined]
    assert list(report.section(RR).series["period"]) == ["2015-05"]  # type: ignore[attr-defined]
    assert pd.isna(report.section(RR).latest["previous_value"])  # type: ignore[attr-defined]


def test_year_ago_is_empty_with_the_reason_when_the_data_do_not_reach_back(
    referrals: sm.Dataset,
) -> None:
    recent = sm.Dataset.from_records(
        _referrals(("R1", "A", "2015-04-05"), ("R2", "A", "2015-05-20"))
    )
    report = _report(recent, "2015-05", "2015-05")
    row = report.summary.set_index("indicator").loc[RR]  # type: ignore[attr-defined]
    assert row["year_ago"] is None or pd.isna(row["year_ago"])
    assert "do not reach back to April 2014" in row["year_ago_note"]
    # nor does the rolling 12 months to May 2014 (from June 2013) for the older dataset
    report = _report(
        referrals, "2015-05", "2015-05", settings=ReportSettings(headline={RR: "rolling12"})
    )
    row = report.summary.set_index("indicator").loc[RR]  # type: ignore[attr-defined]
    assert "do not reach back to June 2013" in row["year_ago_note"]


def test_year_ago_in_summary_csv_workbook_and_html(referrals: sm.Dataset, tmp_path: Path) -> None:
    from safeguarding_metrics.report.write import write_report

    report = _report(
        referrals, "2015-05", "2015-05", settings=ReportSettings(headline={RR: "period"})
    )
    written = write_report(report, tmp_path / "out", html=True, excel=True)  # type: ignore[arg-type]
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    for column in ("in_period", "ytd", "rolling12", "year_ago", "year_ago_change"):
        assert column in summary.columns
    assert summary.loc[0, "year_ago"] == pytest.approx(0.0)
    html = Path(written.html).read_text(encoding="utf-8")  # type: ignore[arg-type]
    assert "A year ago" in html and "up 50.0 percentage points on a year ago" in html
    book = openpyxl.load_workbook(written.excel)  # type: ignore[arg-type]
    sheet = book["Summary"]
    headers = [c.value for row in sheet.iter_rows(max_row=12) for c in row if c.value]
    for name in ("In the month", "Year to date", "Rolling 12 months", "A year ago"):
        assert name in headers


# --- 4. targets as bands ---------------------------------------------------------------------

CASELOAD = "rotherham.caseload_average"


def test_teams_are_judged_on_the_band_and_the_council_row_counts_those_outside() -> None:
    dataset = sm.Dataset.from_frames(generate(seed=3, scale=0.05))
    band = sm.Target(indicator=CASELOAD, lower=9.0, upper=11.0, tolerance=1.0)
    report = build_report(
        dataset,
        start="2015-11",
        end="2015-12",
        indicators=[CASELOAD],
        registry=REGISTRY,
        targets={CASELOAD: band},
        now=dt.datetime(2016, 1, 10, 9, 0),
    )
    section = report.section(CASELOAD)
    teams = section.teams
    assert len(teams) and teams["target_status"].notna().all()
    for value, status in zip(teams["value"], teams["target_status"], strict=True):
        assert status == sm.engine.target_status(value, band, sm.Unit.CASES, "lower")
    row = report.summary.set_index("indicator").loc[CASELOAD]
    assert row["teams"] == len(teams)
    assert row["teams_outside"] == int((teams["target_status"] != "green").sum())
    assert (row["target_lower"], row["target_upper"]) == (9.0, 11.0)
    assert row["direction"] == "within the band"  # 10.6 cases in December, 11.2 in November
    html = render_html(report, charts=False)
    assert f"{row['teams_outside']} of {row['teams']} teams outside" in html
    assert "9.0–11.0" in html


# --- 5. labels from the window computed; 6. quarterly ------------------------------------------


def test_adoption_labels_say_36_months_in_heading_legend_and_alt_text() -> None:
    from safeguarding_metrics.report.charts import chart_description, chart_svg

    dataset = sm.Dataset.from_frames(generate(seed=3, scale=0.2))
    report = build_report(
        dataset,
        start="2015-10",
        end="2015-12",
        indicators=["national.adoption_a1"],
        registry=REGISTRY,
        now=dt.datetime(2016, 1, 10, 9, 0),
    )
    section = report.section("national.adoption_a1")
    assert section.window_label == "36 months to December 2015"
    description = chart_description(section)
    assert "36 months" in description and "12 months" not in description
    svg = chart_svg(section)
    assert svg is not None and "36 months to each month end" in svg
    assert "Rolling 12" not in svg
    html = render_html(report, charts=False)
    assert "36 months to December 2015" in html
    assert "Rolling 12 months" not in html.split('id="ind-national-adoption-a1"', 1)[1][:3000]


def test_quarterly_commentary_keeps_every_month_latest_first(tmp_path: Path) -> None:
    from safeguarding_metrics.report import load_commentary

    path = tmp_path / "commentary.csv"
    path.write_text(
        "indicator,period,commentary\n"
        f"{RR},2015-10,October's words\n"
        f"{RR},2015-12,December's words\n",
        encoding="utf-8",
    )
    dataset = sm.Dataset.from_frames(generate(seed=7, scale=0.05))
    report = build_report(
        dataset,
        start="2015-04",
        end="2015-12",
        every="quarter",
        indicators=[RR],
        registry=REGISTRY,
        commentary=load_commentary(path),
    )
    commentary = report.section(RR).commentary
    assert not commentary.draft
    assert commentary.text == "December 2015: December's words\n\nOctober 2015: October's words"


def test_a_quarterly_range_from_mid_quarter_starts_at_the_first_full_quarter() -> None:
    dataset = sm.Dataset.from_frames(generate(seed=7, scale=0.05))
    report = build_report(
        dataset,
        start="2014-12",
        end="2015-06",
        every="quarter",
        indicators=[RR],
        registry=REGISTRY,
    )
    assert list(report.section(RR).series["period"]) == ["2014-15 Q4", "2015-16 Q1"]
    assert report.start == D(2015, 1, 1)
    assert any("first full quarter" in w and "2014-15" in w for w in report.warnings)
    assert "first full quarter" in render_html(report, charts=False)


# --- 7. the workbook -----------------------------------------------------------------------------


def test_workbook_percentages_are_fractions_and_every_sheet_is_set_up(
    referrals: sm.Dataset, tmp_path: Path
) -> None:
    from safeguarding_metrics.report.excel import write_workbook

    report = _report(referrals, "2015-04", "2015-05", indicators=[RR, "national.referrals"])
    path = write_workbook(report, tmp_path / "r.xlsx")  # type: ignore[arg-type]
    book = openpyxl.load_workbook(path)
    summary = book["Summary"]
    rows = list(summary.iter_rows())
    header = next(i for i, r in enumerate(rows) if r[0].value == "Indicator")
    names = [c.value for c in rows[header]]
    rr = next(r for r in rows[header + 1 :] if r[1].value == RR)  # the report's order
    value = rr[names.index("Value")]
    # 50.0% stored as 0.5, unrounded, with Excel's percent format (rounding by format only)
    assert value.value == pytest.approx(0.5) and value.number_format == "0.0%"
    assert rr[names.index("Rolling 12 months")].value == pytest.approx(0.5)
    assert rr[names.index("In the month")].value == pytest.approx(0.5)
    for sheet in book.worksheets:
        assert sheet.freeze_panes is not None, sheet.title
        assert sheet.auto_filter.ref, sheet.title
        assert sheet.print_title_rows, sheet.title


def test_sheet_names_are_readable_unique_and_valid() -> None:
    from safeguarding_metrics.report.excel import sheet_name

    used: set[str] = {"summary"}
    long = "Children on a child protection plan: visits [within] 2 weeks? / all*"
    first = sheet_name(long, used)
    second = sheet_name(long, used)
    for name in (first, second):
        assert len(name) <= 31
        assert not set("[]:*?/\\") & set(name)
    assert first == "Children on a child protection"
    assert second == "Children on a child (2)"
    assert sheet_name("'Quoted'", used) == "Quoted"
    assert sheet_name("Summary", used) == "Summary (2)"
