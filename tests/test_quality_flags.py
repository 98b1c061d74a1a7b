"""Holes flagged on the figures, and measures without their data not computable (issue 15).

Deliverable 7: every result row carries ``quality_findings`` / ``quality_note``, the holes
(records set aside, values left out or not understood) in the tables and columns that
indicator reads, placed in the periods by the record's date and the indicator's look-back.
Deliverable 4: an indicator's ``populated`` columns, empty in every record of the span it
reads, make the figure ``not_computable`` with the reason.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import openpyxl
import pandas as pd
import pytest

import safeguarding_metrics as sm
from safeguarding_metrics.engine import RESULT_COLUMNS, quality_flags
from safeguarding_metrics.model import load_dataset
from safeguarding_metrics.model.clean import clean_table
from safeguarding_metrics.model.quality import QUALITY_COLUMNS, RECORD_DATES, holes
from safeguarding_metrics.model.tables import table_spec
from safeguarding_metrics.registry import default_registry
from safeguarding_metrics.report import build_report
from safeguarding_metrics.report.html import render_html
from safeguarding_metrics.report.write import write_report
from safeguarding_metrics.synthetic import generate
from safeguarding_metrics.testing import IndicatorCheckError, check_declaration

START, END = "2015-04-01", "2015-12-31"
#: Records garbled are chosen dated in this span, so that their month has a result row.
INSIDE = (np.datetime64("2015-05-01"), np.datetime64("2015-11-30"))
MASH = "rotherham.mash_decision_24h"
ASSESSMENTS = "national.assessments_45wd"


@functools.cache
def _synthetic() -> dict[str, pd.DataFrame]:
    return generate(seed=2015, scale=0.1)


def _frames() -> dict[str, pd.DataFrame]:
    return {name: frame.copy() for name, frame in _synthetic().items()}


def _calculate(dataset: sm.Dataset, **kwargs: Any) -> pd.DataFrame:
    options: dict[str, Any] = dict(
        start=START, end=END, every="month", benchmarks=False, breakdown=False, cohorts=False
    )
    options.update(kwargs)
    return sm.calculate(dataset, **options).frame


def _as_text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as the text a CSV file would hold (so that any value can be put in it)."""
    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        text = values.dt.strftime("%Y-%m-%dT%H:%M:%S")
    elif pd.api.types.is_bool_dtype(values.dtype) or str(values.dtype) == "boolean":
        text = values.map({True: "true", False: "false"})
    else:
        text = values.astype(object).map(lambda v: None if pd.isna(v) else str(v))
    return text.astype(object).where(values.notna(), None)


def _garbled_value(table: str, column: str) -> str | None:
    """A value the loader cannot use in ``table.column`` (None: none can be made)."""
    spec = table_spec(table).column(column)
    if spec.kind in ("date", "datetime"):
        return "not a date"
    if spec.kind == "bool":
        return "perhaps"
    if spec.kind in ("int", "float"):
        return "several"
    if spec.kind == "code" and spec.codes is not None:
        return "ZZ9"
    if spec.kind == "id" and spec.required:
        return ""
    return None  # free text, an optional id: anything is a value


def _days(values: pd.Series) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        return np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")


def _pick_row(frame: pd.DataFrame, table: str, column: str) -> int:
    """A record with a value in ``column`` whose date, once that value is garbled, falls
    inside :data:`INSIDE`, or that then has no date (children, workers, a table dated by that
    column alone). Failing that (the few adoptions), a record whose other dates, all
    optional, are blanked here: its finding is then undated."""
    dated = [c for c in RECORD_DATES[table] if c != column]
    date = np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[D]")
    for c in dated:
        todo = np.isnat(date)
        date[todo] = _days(frame[c])[todo]
    has_value = frame[column].notna().to_numpy()
    if dated:
        ok = has_value & ~np.isnat(date) & (date >= INSIDE[0]) & (date <= INSIDE[1])
    else:
        ok = has_value
    where = np.flatnonzero(ok)
    if not len(where) and not any(table_spec(table).column(c).required for c in dated):
        where = np.flatnonzero(has_value)
        for c in dated:
            frame.loc[frame.index[where[len(where) // 2]], c] = pd.NaT
    assert len(where), f"no record of {table} to garble {column} in"
    return int(where[len(where) // 2])


def _read_pairs() -> list[tuple[str, str]]:
    pairs = set()
    for indicator in default_registry():
        for table, columns in {**indicator.optional_tables, **indicator.tables}.items():
            pairs.update((table, c) for c in columns if _garbled_value(table, c) is not None)
    return sorted(pairs)


def _reads(indicator: sm.Indicator, table: str, column: str, whole: bool) -> bool:
    read = {**indicator.optional_tables, **indicator.tables}
    return table in read and (whole or column in read[table])


# -- the clean case ----------------------------------------------------------------------------


def test_clean_synthetic_council_flags_no_figure() -> None:
    dataset = sm.Dataset.from_frames(_frames())
    assert len(dataset.quality) == 0
    frame = _calculate(dataset, windows=("period", "ytd", "rolling12"))
    assert {"quality_findings", "quality_note"} <= set(frame.columns)
    assert list(frame.columns) == list(RESULT_COLUMNS)
    assert (frame["quality_findings"] == 0).all()
    assert (frame["quality_note"] == "").all()
    assert (frame["status"] == "ok").all()


# -- every indicator, every column it reads ------------------------------------------------------


@pytest.mark.parametrize(("table", "column"), _read_pairs())
def test_garbled_value_flags_exactly_the_indicators_that_read_it(table: str, column: str) -> None:
    frames = _frames()
    frame = frames[table]
    position = _pick_row(frame, table, column)
    text = _as_text(frame, column)
    text.iloc[position] = _garbled_value(table, column)
    frame[column] = text
    dataset = sm.Dataset.from_frames(frames)
    found = dataset.quality.loc[holes(dataset.quality)]
    assert len(found) == 1, found
    finding = found.iloc[0]
    assert (finding["table"], finding["column"]) == (table, column)
    whole = finding["action"] == "set aside"
    day = finding["date"]
    results = _calculate(dataset)
    month = (
        None
        if pd.isna(day)
        else results["period_start"].astype("datetime64[ns]").le(day)
        & results["period_end"].astype("datetime64[ns]").ge(day)
    )
    flagged = []
    for indicator in default_registry():
        rows = results.loc[results["indicator"] == indicator.id]
        if _reads(indicator, table, column, whole):
            hit = rows if month is None else rows.loc[month[rows.index]]
            assert len(hit), (indicator.id, day)
            assert (hit["quality_findings"] == 1).all(), (indicator.id, hit)
            note = hit["quality_note"].iloc[0]
            assert note.startswith("1 data-quality finding in the data this figure reads")
            assert f"{table}.{column} 1" in note
            flagged.append(indicator.id)
        else:
            assert (rows["quality_findings"] == 0).all(), indicator.id
            assert (rows["quality_note"] == "").all(), indicator.id
    assert flagged


def test_every_bundled_indicator_is_garbled_by_one_case() -> None:
    pairs = _read_pairs()
    for indicator in default_registry():
        assert any(_reads(indicator, t, c, False) for t, c in pairs), indicator.id


# -- attribution to periods ----------------------------------------------------------------------


def _referrals(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["referral_id", "child_id", "referral_date", "closure_date"])


def _series(frame: pd.DataFrame, indicator: str) -> dict[str, int]:
    rows = frame.loc[(frame["indicator"] == indicator) & (frame["window"] == "period")]
    return dict(zip(rows["period"], rows["quality_findings"].astype(int), strict=True))


def test_a_finding_in_march_flags_march_and_not_january_except_through_a_lookback() -> None:
    referrals = _referrals(
        [
            ("R1", "C1", "2015-01-10", "2015-02-01"),
            ("R2", "C2", "2015-03-10", "not a date"),  # closure left out, dated 10 March
            ("R3", "C3", "2015-05-02", ""),
        ]
    )
    dataset = sm.Dataset.from_frames({"referrals": referrals})
    frame = _calculate(
        dataset,
        start="2015-01-01",
        end="2015-06-30",
        indicators=["national.referrals", "national.children_in_need"],
    )
    # referrals counted in a month read only referral ids and dates: nothing to flag
    assert set(_series(frame, "national.referrals").values()) == {0}
    # children in need at a month's end read closure dates of every referral so far
    assert _series(frame, "national.children_in_need") == {
        "2015-01": 0,
        "2015-02": 0,
        "2015-03": 1,
        "2015-04": 1,
        "2015-05": 1,
        "2015-06": 1,
    }


def test_a_record_set_aside_flags_its_month_and_the_twelve_months_rereferrals_read() -> None:
    referrals = _referrals(
        [
            ("R1", "C1", "2015-01-10", ""),
            ("R2", "C2", "2015-03-10", ""),
            ("R2", "C3", "2015-03-10", ""),  # a key shared by two records: both set aside
            ("R4", "C4", "2015-05-02", ""),
        ]
    )
    dataset = sm.Dataset.from_frames({"referrals": referrals})
    frame = _calculate(
        dataset,
        start="2015-01-01",
        end="2016-04-30",
        indicators=["national.referrals", "national.rereferrals_12m"],
    )
    counted = _series(frame, "national.referrals")
    assert counted["2015-03"] == 2
    assert {p: n for p, n in counted.items() if p != "2015-03"} == dict.fromkeys(
        [p for p in counted if p != "2015-03"], 0
    )
    rereferrals = _series(frame, "national.rereferrals_12m")
    # dated 10 March 2015: read by every month from March 2015 to March 2016
    assert [p for p, n in rereferrals.items() if n] == [
        f"{y}-{m:02d}" for y, m in [(2015, m) for m in range(3, 13)] + [(2016, 1), (2016, 2)]
    ] + ["2016-03"]
    assert rereferrals["2015-02"] == 0 and rereferrals["2016-04"] == 0


def test_an_undated_finding_flags_every_period() -> None:
    referrals = _referrals(
        [
            ("R1", "C1", "2015-01-10", ""),
            ("R2", "C2", "junk", "junk"),  # no readable date: set aside, undated
        ]
    )
    dataset = sm.Dataset.from_frames({"referrals": referrals})
    assert dataset.quality.loc[holes(dataset.quality), "date"].isna().all()
    frame = _calculate(
        dataset, start="2014-04-01", end="2014-06-30", indicators=["national.referrals"]
    )
    assert (frame["quality_findings"] == 1).all()


def test_windows_read_their_own_span() -> None:
    referrals = _referrals([("R1", "C1", "2015-01-10", ""), ("R2", "C2", "2015-05-03", "bad")])
    dataset = sm.Dataset.from_frames({"referrals": referrals})
    frame = _calculate(
        dataset,
        start="2015-06-01",
        end="2015-06-30",
        indicators=["national.referrals_nfa", "national.children_in_need"],
        windows=("period", "ytd", "rolling12"),
    )
    # closure dates: children in need reads them; an unreadable one dated in May counts in
    # June's snapshot whatever the window
    cin = frame.loc[frame["indicator"] == "national.children_in_need"]
    assert (cin["quality_findings"] == 1).all()
    # referrals_nfa does not read closure dates
    nfa = frame.loc[frame["indicator"] == "national.referrals_nfa"]
    assert (nfa["quality_findings"] == 0).all()


def test_quality_flags_attribute_by_searchsorted_bounds() -> None:
    referrals = _referrals([("R1", "C1", "2015-03-10", "bad"), ("R2", "C2", "2015-04-10", "bad")])
    dataset = sm.Dataset.from_frames({"referrals": referrals})
    indicator = default_registry().get("national.children_in_need")
    ends = np.array(["2015-02-28", "2015-03-31", "2015-04-30"], dtype="datetime64[D]")
    counts, notes = quality_flags(indicator, dataset, ends, ends)
    assert counts.tolist() == [0, 1, 2]
    assert notes[0] == ""
    assert notes[2] == (
        "2 data-quality findings in the data this figure reads (referrals.closure_date 2)"
    )
    flow = attrs.evolve(indicator, kind="flow", lookback=None)
    starts = np.array(["2015-02-01", "2015-03-01", "2015-04-01"], dtype="datetime64[D]")
    counts, _ = quality_flags(flow, dataset, starts, ends)
    assert counts.tolist() == [0, 1, 1]


# -- the thirteen unreadable authorisation dates ------------------------------------------------


def test_thirteen_unreadable_authorisation_dates_are_said_on_the_rows() -> None:
    frames = _frames()
    assessments = frames["assessments"]
    start = assessments["start_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    may = (
        (start >= np.datetime64("2015-05-01"))
        & (start <= np.datetime64("2015-05-31"))
        & assessments["authorised_date"].notna().to_numpy()
    )
    chosen = np.flatnonzero(may)[:13]
    assert len(chosen) == 13
    clean = _calculate(sm.Dataset.from_frames(_frames()), indicators=[ASSESSMENTS])
    text = _as_text(assessments, "authorised_date")
    text.iloc[chosen] = "31/13/2015 25:00"
    assessments["authorised_date"] = text
    dataset = sm.Dataset.from_frames(frames)
    frame = _calculate(dataset, indicators=[ASSESSMENTS, "national.assessments_completed"])
    for indicator in (ASSESSMENTS, "national.assessments_completed"):
        series = _series(frame, indicator)
        assert series["2015-04"] == 0  # dated in May: not read by April's figure
        assert all(series[p] == 13 for p in series if p >= "2015-05"), series
    row = frame.loc[(frame["indicator"] == ASSESSMENTS) & (frame["period"] == "2015-06")]
    assert row["quality_note"].iloc[0] == (
        "13 data-quality findings in the data this figure reads (assessments.authorised_date 13)"
    )
    # the figure moved: without the flag nobody would know why
    before = clean.loc[clean["period"].isin(["2015-05", "2015-06"]), "denominator"].sum()
    after = frame.loc[
        (frame["indicator"] == ASSESSMENTS) & frame["period"].isin(["2015-05", "2015-06"]),
        "denominator",
    ].sum()
    assert after < before


# -- a measure without its data ---------------------------------------------------------------


def _contacts(decisions: bool, la: str | None = None) -> pd.DataFrame:
    rows = [
        (
            f"K{i}",
            f"C{i}",
            f"2015-{m:02d}-0{d}T09:00",
            f"2015-{m:02d}-0{d}T15:00" if decisions else "",
        )
        for i, (m, d) in enumerate([(4, 1), (5, 2), (6, 3), (9, 4), (12, 5)])
    ]
    frame = pd.DataFrame(rows, columns=["contact_id", "child_id", "received_at", "decision_at"])
    if la is not None:
        frame["la"] = la
    return frame


MASH_REASON = "contacts.decision_at is empty in every record of 2015-04-01..2015-12-31"


def test_mash_without_decision_times_is_not_computable_from_frames() -> None:
    dataset = sm.Dataset.from_frames({"contacts": _contacts(decisions=False)})
    results = sm.calculate(
        dataset, start=START, end=END, every="month", indicators=[MASH], benchmarks=False
    )
    frame = results.frame
    assert (frame["status"] == "not_computable").all()
    assert (frame["reason"] == MASH_REASON).all()
    assert frame["value"].isna().all() and frame["numerator"].isna().all()
    assert any(MASH_REASON in w for w in results.warnings)


def test_mash_without_decision_times_is_not_computable_from_csv(tmp_path: Path) -> None:
    folder = tmp_path / "dataset"
    folder.mkdir()
    _contacts(decisions=False).drop(columns=["decision_at"]).to_csv(
        folder / "contacts.csv", index=False
    )
    frame = _calculate(load_dataset(folder), indicators=[MASH])
    assert (frame["status"] == "not_computable").all()
    assert (frame["reason"] == MASH_REASON).all()


def test_mash_with_decision_times_is_computed() -> None:
    dataset = sm.Dataset.from_frames({"contacts": _contacts(decisions=True)})
    frame = _calculate(dataset, indicators=[MASH], every=None)
    assert frame["status"].tolist() == ["ok"]
    assert frame["value"].tolist() == [100.0]


def test_decision_times_outside_the_span_do_not_make_it_computable() -> None:
    contacts = _contacts(decisions=False)
    extra = pd.DataFrame(
        [("K9", "C9", "2014-01-02T09:00", "2014-01-02T10:00")], columns=contacts.columns
    )
    dataset = sm.Dataset.from_frames({"contacts": pd.concat([contacts, extra])})
    frame = _calculate(dataset, indicators=[MASH])
    assert (frame["status"] == "not_computable").all()


def test_no_records_at_all_is_a_true_zero_not_a_missing_column() -> None:
    contacts = _contacts(decisions=False).iloc[:0]
    dataset = sm.Dataset.from_frames({"contacts": contacts})
    frame = _calculate(dataset, indicators=[MASH])
    assert (frame["status"] == "ok").all()


def test_unreadable_decision_times_are_left_out_and_flagged_not_taken_as_empty() -> None:
    contacts = _contacts(decisions=False)
    contacts["decision_at"] = "tomorrow"
    dataset = sm.Dataset.from_frames({"contacts": contacts})
    frame = _calculate(dataset, indicators=[MASH])
    # the records are left out of the measure (as any faulty value): no figure, and the
    # findings say why, in the months of the contacts
    assert (frame["status"] == "ok").all()
    assert frame["value"].isna().all()
    months = {"2015-04", "2015-05", "2015-06", "2015-09", "2015-12"}  # those with contacts
    assert set(frame.loc[frame["quality_findings"] > 0, "period"]) == months


def test_pooled_authority_without_decision_times_alone_is_not_computable() -> None:
    contacts = pd.concat([_contacts(True, "372"), _contacts(False, "373")], ignore_index=True)
    contacts["contact_id"] = contacts["la"] + contacts["contact_id"]
    dataset = sm.Dataset.from_frames({"contacts": contacts})
    results = sm.calculate(
        dataset, start=START, end=END, indicators=[MASH], benchmarks=False, breakdown=False
    )
    frame = results.frame.set_index("la")
    assert frame.loc["372", "status"] == "ok" and frame.loc["372", "value"] == 100.0
    assert frame.loc["373", "status"] == "not_computable"
    assert frame.loc["373", "reason"] == MASH_REASON
    assert pd.isna(frame.loc["373", "value"])


# -- the declaration ----------------------------------------------------------------------------


def _indicator(**changes: Any) -> sm.Indicator:
    return attrs.evolve(default_registry().get(MASH), **changes)


def test_populated_must_name_columns_the_indicator_reads() -> None:
    with pytest.raises(ValueError, match="does not read"):
        _indicator(populated={"contacts": ("outcome",)})
    with pytest.raises(ValueError, match="does not read"):
        _indicator(populated={"referrals": ("nfa",)})


def test_lookback_is_checked_and_defaults_by_kind() -> None:
    with pytest.raises(ValueError, match="lookback"):
        _indicator(lookback="a while")
    assert _indicator().reads_back == "0 days"
    assert _indicator(kind="snapshot").reads_back == "all"
    assert _indicator(lookback="2 months").read_from(
        np.array(["2015-04-30"], dtype="datetime64[D]")
    ).tolist() == [np.datetime64("2015-02-28", "D").astype(object)]


def test_metadata_shows_the_declaration() -> None:
    meta = default_registry().get(MASH).metadata()
    assert meta["populated"] == {"contacts": ["decision_at"]}
    assert meta["lookback"] == "0 days"
    assert default_registry().get("national.rereferrals_12m").metadata()["lookback"] == (
        "12 months"
    )


def test_bundled_declarations_pass_the_kit() -> None:
    for indicator in default_registry():
        check_declaration(indicator)


def test_kit_refuses_a_column_the_table_does_not_have() -> None:
    bad = _indicator(tables={"contacts": ("contact_id", "received_at", "decided")}, populated={})
    with pytest.raises(IndicatorCheckError, match=r"contacts\.decided"):
        check_declaration(bad)


# -- the data-quality table's date -----------------------------------------------------------


def test_faults_carry_the_record_date_first_readable_in_contract_order() -> None:
    raw = pd.DataFrame(
        {
            "referral_id": ["R1", "R2", "R3", "R4"],
            "child_id": ["C1", "C2", "", "C4"],
            "referral_date": ["2015-04-01", "bad", "2015-04-03", "2015-04-04"],
            "closure_date": ["nope", "2015-06-01", "", ""],
            "closure_reason": ["", "", "", "RC99"],
        }
    )
    clean = clean_table(table_spec("referrals"), raw, file="referrals.csv")
    faults = clean.faults
    assert list(faults.columns) == list(QUALITY_COLUMNS)
    dates = {(int(r.row), r.column): r.date for r in faults.itertuples(index=False)}
    assert dates[(1, "closure_date")] == pd.Timestamp("2015-04-01")
    assert dates[(2, "referral_date")] == pd.Timestamp("2015-06-01")  # the next readable one
    assert dates[(3, "child_id")] == pd.Timestamp("2015-04-03")
    assert dates[(4, "closure_reason")] == pd.Timestamp("2015-04-04")


def test_children_findings_are_undated() -> None:
    raw = pd.DataFrame({"child_id": ["C1", "C2"], "date_of_birth": ["2010-01-01", "bad"]})
    faults = clean_table(table_spec("children"), raw, file="children.csv").faults
    assert len(faults) == 1 and pd.isna(faults["date"].iloc[0])


def test_cross_table_rule_findings_are_dated() -> None:
    plans = pd.DataFrame(
        {
            "plan_id": ["P1", "P2"],
            "child_id": ["C1", "C1"],
            "start_date": ["2015-01-05", "2015-06-01"],
            "end_date": ["", ""],
        }
    )
    dataset = sm.Dataset.from_frames({"cp_plans": plans})
    overlap = dataset.quality.loc[dataset.quality["column"] == "end_date"]
    assert overlap["date"].tolist() == [pd.Timestamp("2015-01-05")]


# -- what the report shows ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def flagged_report() -> sm.Report:
    frames = _frames()
    assessments = frames["assessments"]
    text = _as_text(assessments, "authorised_date")
    position = _pick_row(assessments, "assessments", "authorised_date")
    text.iloc[position] = "never"
    assessments["authorised_date"] = text
    dataset = sm.Dataset.from_frames(frames)
    return build_report(
        dataset,
        start="2015-04",
        end="2015-12",
        indicators=[ASSESSMENTS, "national.referrals"],
        allow_broken_plugins=True,
    )


def test_report_marks_the_figure_and_links_to_the_data_quality_section(
    flagged_report: sm.Report,
) -> None:
    summary = flagged_report.summary.set_index("indicator")
    assert summary.loc[ASSESSMENTS, "quality_findings"] == 1
    assert summary.loc["national.referrals", "quality_findings"] == 0
    page = render_html(flagged_report, charts=False)
    mark = "⚠ 1 data-quality finding in the data this figure reads"
    row = re.search(
        r'<tr class="indicator-row" data-indicator="national.assessments_45wd">.*?</tr>', page, re.S
    )
    assert row is not None and mark in row.group(0) and 'href="#data-quality"' in row.group(0)
    other = re.search(
        r'<tr class="indicator-row" data-indicator="national.referrals">.*?</tr>', page, re.S
    )
    assert other is not None and "data-quality finding" not in other.group(0)
    section = page[page.index('id="ind-national-assessments-45wd"') :]
    section = section[: section.index("</section>")]
    assert 'class="dq-note"' in section and "assessments.authorised_date 1" in section
    quality = page[page.index('id="data-quality"') :]
    assert "<h2" in quality and "authorised_date" in quality and "never" not in quality
    # no child identifier anywhere in the data-quality section
    ids = set(_synthetic()["assessments"]["child_id"].astype(str))
    cells = set(re.findall(r">([^<>]+)<", quality))
    assert not (cells & ids)


def test_report_files_carry_the_columns(flagged_report: sm.Report, tmp_path: Path) -> None:
    written = write_report(flagged_report, tmp_path / "report", html=False)
    summary = pd.read_csv(written.summary)
    assert {"quality_findings", "quality_note"} <= set(summary.columns)
    results = pd.read_csv(written.csv)
    assert {"quality_findings", "quality_note"} <= set(results.columns)
    assert results.loc[results["indicator"] == ASSESSMENTS, "quality_findings"].max() == 1
    book = openpyxl.load_workbook(written.excel)
    assert "Data quality" in book.sheetnames
    rows = list(book["Summary"].iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Indicator")
    assert "Data-quality findings" in header
    sheet = list(book["Data quality"].iter_rows(values_only=True))
    assert any(r[1] == "authorised_date" for r in sheet)


def test_results_json_carries_the_columns() -> None:
    dataset = sm.Dataset.from_frames({"contacts": _contacts(decisions=True)})
    results = sm.calculate(dataset, start=START, end=END, indicators=[MASH], benchmarks=False)
    record = results.to_records()[0]
    assert record["quality_findings"] == 0 and record["quality_note"] == ""
