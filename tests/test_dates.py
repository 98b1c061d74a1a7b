"""One date parser for every route (issue 15, deliverable 1).

Example tests for each accepted form, each unreadable case and its reason, the two-digit-year
rule at its edges; property tests writing random dates in every accepted form and reading them
back through :func:`parse_dates`, the loader, and each importer (SSDA903 CSV and XML, CIN
census XML, Annex A workbook); and the third-party SSDA903 set re-written with two-digit years.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from safeguarding_metrics import Dataset, load_dataset
from safeguarding_metrics.io import import_returns
from safeguarding_metrics.io.common import normalise_dates
from safeguarding_metrics.model.clean import clean_table
from safeguarding_metrics.model.dates import (
    SERIAL_RANGE,
    parse_dates,
    resolve_two_digit_years,
)
from safeguarding_metrics.model.tables import table_spec

FAKE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fake-returns"
TODAY = dt.date.today().year
EXCEL_DAY_ZERO = dt.date(1899, 12, 30)


def _parse(values: Sequence[object], *, with_time: bool = False, pivot: int = 2018) -> ParsedRows:
    parsed = parse_dates(pd.Series(values, dtype=object), with_time=with_time, pivot_year=pivot)
    return list(zip(parsed.stamps.tolist(), parsed.reasons.tolist(), strict=True))


ParsedRows = list[tuple[pd.Timestamp, object]]


# -- the forms accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-05-08", "2017-05-08 00:00"),
        ("2017-5-8", "2017-05-08 00:00"),
        ("2017-05-08T14:30", "2017-05-08 14:30"),
        ("2017-05-08 14:30:15", "2017-05-08 14:30:15"),
        ("2017-05-08T14:30:15.250", "2017-05-08 14:30:15.250"),
        ("2017-07-01T12:00:00Z", "2017-07-01 13:00"),  # UTC in summer: 13:00 UK time
        ("2017-01-08T14:30:00+01:00", "2017-01-08 13:30"),  # winter: UK time is UTC
        ("2017-07-01T12:00:00+0100", "2017-07-01 12:00"),
        ("08/05/2017", "2017-05-08 00:00"),
        ("8/5/2017", "2017-05-08 00:00"),
        ("08-05-2017", "2017-05-08 00:00"),
        ("08.05.2017", "2017-05-08 00:00"),
        ("08/05/17", "2017-05-08 00:00"),
        ("08-05-17", "2017-05-08 00:00"),
        ("08.05.17", "2017-05-08 00:00"),
        ("08/05/17 00:00", "2017-05-08 00:00"),
        ("08/05/2017 14:30:00", "2017-05-08 14:30"),
        ("08/05/2017T14:30", "2017-05-08 14:30"),
        ("20170508", "2017-05-08 00:00"),
        ("1 Jan 2017", "2017-01-01 00:00"),
        ("01-January-2017", "2017-01-01 00:00"),
        ("8-May-17", "2017-05-08 00:00"),
        ("8 Sept 2017", "2017-09-08 00:00"),
        ("42863", "2017-05-08 00:00"),  # an Excel serial as text
        ("42863.5", "2017-05-08 12:00"),
        ("  08/05/17  ", "2017-05-08 00:00"),
    ],
)
def test_accepted_forms(text: str, expected: str) -> None:
    [(stamp, reason)] = _parse([text], with_time=True)
    assert reason is None and stamp == pd.Timestamp(expected)


def test_times_are_dropped_from_dates_and_kept_in_datetimes() -> None:
    values = ["08/05/2017 14:30", "2017-05-08T23:59:59"]
    assert [s for s, _ in _parse(values)] == [pd.Timestamp("2017-05-08")] * 2
    assert [s for s, _ in _parse(values, with_time=True)] == [
        pd.Timestamp("2017-05-08 14:30"),
        pd.Timestamp("2017-05-08 23:59:59"),
    ]


def test_cells_numbers_and_typed_columns() -> None:
    cells = [
        dt.date(2017, 5, 8),
        dt.datetime(2017, 5, 8, 10, 0),
        pd.Timestamp("2017-05-08 10:00", tz="UTC"),  # 11:00 UK time
        42863,
        42863.25,
        np.int64(42863),
        "08/05/17",
        None,
        float("nan"),
    ]
    got = _parse(cells, with_time=True)
    assert [s for s, _ in got[:7]] == [
        pd.Timestamp("2017-05-08"),
        pd.Timestamp("2017-05-08 10:00"),
        pd.Timestamp("2017-05-08 11:00"),
        pd.Timestamp("2017-05-08"),
        pd.Timestamp("2017-05-08 06:00"),
        pd.Timestamp("2017-05-08"),
        pd.Timestamp("2017-05-08"),
    ]
    assert all(r is None for _, r in got) and all(pd.isna(s) for s, _ in got[7:])
    # typed columns: numbers (Excel serials), and timestamps with a zone
    numbers = parse_dates(pd.Series([42863, 20170508, 12]), with_time=False)
    assert numbers.stamps.tolist()[:2] == [pd.Timestamp("2017-05-08")] * 2
    assert "not an Excel date serial" in numbers.reasons.iloc[2]
    zoned = pd.Series(pd.to_datetime(["2017-07-01 12:00"]).tz_localize("UTC"))
    assert parse_dates(zoned, with_time=True).stamps.iloc[0] == pd.Timestamp("2017-07-01 13:00")


def test_mixed_offsets_in_one_column_are_read() -> None:
    got = _parse(
        ["2017-07-01T12:00:00+01:00", "2017-07-01T12:00:00Z", "2017-07-01"], with_time=True
    )
    assert [s for s, _ in got] == [
        pd.Timestamp("2017-07-01 12:00"),
        pd.Timestamp("2017-07-01 13:00"),
        pd.Timestamp("2017-07-01"),
    ]


def test_serial_range_kept() -> None:
    low, high = SERIAL_RANGE
    got = _parse([low, high, low - 1, high + 1, str(low - 1)])
    assert got[0][0] == pd.Timestamp(EXCEL_DAY_ZERO + dt.timedelta(days=low))
    assert got[1][0] == pd.Timestamp("2099-12-31")
    assert all(pd.isna(s) and "Excel date serial" in str(r) for s, r in got[2:4])
    assert pd.isna(got[4][0]) and got[4][1] is not None


# -- the two-digit-year rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pivot", "yy", "year"),
    [
        (2018, "18", 2018),  # the pivot's own last two digits: the pivot year
        (2018, "19", 1919),  # one more: the century before
        (2018, "00", 2000),
        (2018, "99", 1999),
        (2000, "00", 2000),
        (2000, "01", 1901),
        (2099, "99", 2099),
        (2026, "26", 2026),
        (2026, "27", 1927),
    ],
)
def test_two_digit_years_at_the_edges(pivot: int, yy: str, year: int) -> None:
    for text in (f"01/01/{yy}", f"31-12-{yy}", f"15.06.{yy} 10:00", f"1-Jan-{yy}"):
        [(stamp, reason)] = _parse([text], pivot=pivot)
        assert reason is None and stamp.year == year, text
    assert resolve_two_digit_years(np.array([int(yy)]), pivot).tolist() == [year]


def test_pivot_per_row_and_default_current_year() -> None:
    values = pd.Series(["08/05/17"] * 3)
    pivots = np.array([2018, 2016, 2017])
    got = parse_dates(values, with_time=False, pivot_year=pivots).stamps.dt.year.tolist()
    assert got == [2017, 1917, 2017]
    yy = (TODAY + 1) % 100
    later = parse_dates(pd.Series([f"01/01/{yy:02d}"]), with_time=False).stamps.iloc[0]
    assert later.year == TODAY + 1 - 100  # next year, two-digit: the century before


# -- what cannot be read, and why ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("13/13/2017", "month 13"),
        ("05/31/2017", "month 31"),  # US month first: not accepted, never swapped
        ("31/04/2017", "day 31 in a 30-day month (April 2017)"),
        ("29/02/2017", "day 29 in February 2017, a month of 28 days"),
        ("31/02/17", "two-digit year and day 31 in February 2017, a month of 28 days"),
        ("12/13/17", "two-digit year and month 13"),
        ("32/01/2017", "day 32"),
        ("00/01/2017", "day 0"),
        ("2017-02-30", "day 30 in February 2017, a month of 28 days"),
        ("2017-13-01", "month 13"),
        ("080517", "ambiguous: six digits with no separator (DDMMYY or YYMMDD?)"),
        ("2017/05/08", "year first with '/' or '.' (expected YYYY-MM-DD)"),
        ("2017", "no day: a year or a month only"),
        ("2017-05", "no day: a year or a month only"),
        ("05/2017", "no day: a month and year only"),
        ("08/05/017", "a three-digit year"),
        ("08/05/2017 25:10", "not a time of day (hours 0-23, minutes and seconds 0-59)"),
        ("8 Smarch 2017", "not a month name"),
        ("yesterday", "not a date"),
        ("123", "not a date"),
    ],
)
def test_unreadable_with_the_reason(text: str, reason: str) -> None:
    parsed = parse_dates(pd.Series([text]), with_time=True, pivot_year=2018)
    assert pd.isna(parsed.stamps.iloc[0])
    assert parsed.reasons.iloc[0] == reason
    assert parsed.text.iloc[0] == text.strip()


def test_blank_is_missing_not_unreadable() -> None:
    parsed = parse_dates(pd.Series(["", "   ", None, float("nan")], dtype=object), with_time=False)
    assert parsed.stamps.isna().all() and parsed.reasons.isna().all()
    assert not parsed.present.any()


def test_years_a_timestamp_cannot_hold_are_out_of_range_in_the_loader() -> None:
    parsed = parse_dates(pd.Series(["9999-12-31", "0201-04-01", "31/12/9999"]), with_time=False)
    assert parsed.far_years.tolist() == [9999, 201, 9999] and parsed.unreadable.all()
    spec = table_spec("cp_plans")
    raw = pd.DataFrame(
        {
            "plan_id": ["P1", "P2"],
            "child_id": ["C1", "C2"],
            "start_date": ["0201-04-01", "31/12/9999"],
        }
    )
    reasons = clean_table(spec, raw, file="cp_plans.csv").faults["reason"].tolist()
    assert reasons == [
        "date out of range (year 201; accepted 1900-2100)",
        "date out of range (year 9999; accepted 1900-2100)",
    ]


# -- the loader's findings -----------------------------------------------------------------------


def test_loader_reads_councils_forms_and_says_why_not(tmp_path: Path) -> None:
    (tmp_path / "referrals.csv").write_text(
        "referral_id,child_id,referral_date,closure_date\n"
        "R1,C1,08/05/17,31/05/2017 00:00\n"
        "R2,C2,31/04/2017,\n"  # required date unreadable: set aside, with the reason
        "R3,C3,2017-05-08,05/31/2017\n"  # optional date unreadable: left out, with the reason
        "R4,C4,1-Jun-2017,\n",
        encoding="utf-8",
    )
    ds = load_dataset(tmp_path)
    refs = ds.tables["referrals"].set_index("referral_id")
    assert refs.loc["R1", "referral_date"] == pd.Timestamp("2017-05-08")
    assert refs.loc["R1", "closure_date"] == pd.Timestamp("2017-05-31")
    assert refs.loc["R4", "referral_date"] == pd.Timestamp("2017-06-01")
    assert pd.isna(refs.loc["R3", "closure_date"])
    q = ds.quality.set_index("row")
    assert q.loc[3, "reason"] == (
        "unparseable date '31/04/2017': day 31 in a 30-day month (April 2017)"
    )
    assert q.loc[3, "action"] == "set aside" and q.loc[3, "column"] == "referral_date"
    assert q.loc[4, "reason"].startswith("unparseable date '05/31/2017': month 31; left out")
    assert ds.counts.set_index("table").loc["referrals", "set_aside"] == 1


def test_loader_pivot_year(tmp_path: Path) -> None:
    spec = table_spec("referrals")
    raw = pd.DataFrame({"referral_id": ["R1"], "child_id": ["C1"], "referral_date": ["01/01/19"]})
    in_2018 = clean_table(spec, raw, file="referrals.csv", pivot_year=2018)
    in_2019 = clean_table(spec, raw, file="referrals.csv", pivot_year=2019)
    assert in_2018.frame["referral_date"].iloc[0] == pd.Timestamp("1919-01-01")
    assert in_2019.frame["referral_date"].iloc[0] == pd.Timestamp("2019-01-01")
    (tmp_path / "referrals.csv").write_text("referral_id,child_id,referral_date\nR1,C1,01/01/19\n")
    loaded = load_dataset(tmp_path, pivot_year=2018).tables["referrals"]
    assert loaded["referral_date"].iloc[0] == pd.Timestamp("1919-01-01")
    framed = Dataset.from_frames({"referrals": raw}, pivot_year=2019).tables["referrals"]
    assert framed["referral_date"].iloc[0] == pd.Timestamp("2019-01-01")


def test_normalise_dates_passes_unreadable_text_on_and_reads_two_digit_years() -> None:
    values = pd.Series(["08/05/17", "31/04/2017", "  junk ", "", 42863, dt.date(2017, 5, 8)])
    out = normalise_dates(values.astype(object), pivot_year=2016).tolist()
    assert out == ["1917-05-08", "31/04/2017", "junk", None, "2017-05-08", "2017-05-08"]
    out = normalise_dates(pd.Series(["08/05/17 14:30"]), with_time=True, pivot_year=2018)
    assert out.tolist() == ["2017-05-08T14:30:00"]


# -- property tests: random dates in every accepted form, read back through every route ---------

#: Forms of a date (``two``: the form has a two-digit year).
DATE_FORMS = {
    "iso": (lambda d: d.strftime("%Y-%m-%d"), False),
    "dmy": (lambda d: d.strftime("%d/%m/%Y"), False),
    "d/m/yyyy": (lambda d: f"{d.day}/{d.month}/{d.year}", False),
    "dd-mm-yyyy": (lambda d: d.strftime("%d-%m-%Y"), False),
    "dd.mm.yyyy": (lambda d: d.strftime("%d.%m.%Y"), False),
    "dd/mm/yy": (lambda d: d.strftime("%d/%m/") + f"{d.year % 100:02d}", True),
    "dd-mm-yy": (lambda d: d.strftime("%d-%m-") + f"{d.year % 100:02d}", True),
    "dd.mm.yy": (lambda d: d.strftime("%d.%m.") + f"{d.year % 100:02d}", True),
    "yyyymmdd": (lambda d: d.strftime("%Y%m%d"), False),
    "named": (lambda d: f"{d.day} {d.strftime('%b')} {d.year}", False),
    "named-yy": (lambda d: f"{d.day}-{d.strftime('%b')}-{d.year % 100:02d}", True),
    "serial": (lambda d: str((d - EXCEL_DAY_ZERO).days), False),
}
#: Forms of a time of day after a date (the ISO ``T`` only after an ISO date).
TIME_FORMS = {
    "hh:mm": lambda t: t.strftime(" %H:%M"),
    "hh:mm:ss": lambda t: t.strftime(" %H:%M:%S"),
    "Thh:mm:ss": lambda t: t.strftime("T%H:%M:%S"),
}
dates = st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31))
times = st.times().map(lambda t: t.replace(microsecond=0))


def usable(form: str, day: dt.date, pivot: int) -> bool:
    """Whether ``day`` written in ``form`` reads back as ``day`` (two-digit years: within the
    100 years ending at the pivot year; Excel serials: within their range)."""
    if DATE_FORMS[form][1]:
        return pivot - 99 <= day.year <= pivot
    if form == "serial":
        return SERIAL_RANGE[0] <= (day - EXCEL_DAY_ZERO).days <= SERIAL_RANGE[1]
    return True


@st.composite
def written(draw: st.DrawFn, pivot: int, timed: bool = False) -> tuple[str, dt.datetime]:
    """A random date (and time) written in a random accepted form, and what it means."""
    day = draw(dates)
    form = draw(st.sampled_from([f for f in DATE_FORMS if usable(f, day, pivot)]))
    text = DATE_FORMS[form][0](day)
    at = dt.datetime.combine(day, dt.time())
    if timed and form != "serial" and draw(st.booleans()):
        kinds = [k for k in TIME_FORMS if form == "iso" or not k.startswith("T")]
        kind = draw(st.sampled_from(kinds))
        clock = draw(times)
        clock = clock.replace(second=0) if kind == "hh:mm" else clock
        text += TIME_FORMS[kind](clock)
        at = dt.datetime.combine(day, clock)
    return text, at


SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@settings(max_examples=150, deadline=None)
@given(
    pivot=st.integers(1950, 2099),
    data=st.data(),
)
def test_every_form_reads_back_through_parse_dates(pivot: int, data: st.DataObject) -> None:
    items = data.draw(st.lists(written(pivot, timed=True), min_size=1, max_size=30))
    texts = [t for t, _ in items]
    parsed = parse_dates(pd.Series(texts), with_time=True, pivot_year=pivot)
    assert parsed.reasons.isna().all(), list(zip(texts, parsed.reasons, strict=True))
    assert parsed.stamps.tolist() == [pd.Timestamp(at) for _, at in items]
    dates_only = parse_dates(pd.Series(texts), with_time=False, pivot_year=pivot)
    assert dates_only.stamps.tolist() == [pd.Timestamp(at.date()) for _, at in items]


@SETTINGS
@given(data=st.data())
def test_every_form_reads_back_through_the_loader(tmp_path: Path, data: st.DataObject) -> None:
    items = data.draw(st.lists(written(TODAY, timed=True), min_size=1, max_size=20))
    # a new folder for each example: hypothesis may draw the same texts twice
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    rows = [f"K{i},C{i},{text},{text}" for i, (text, _) in enumerate(items)]
    (folder / "contacts.csv").write_text(
        "contact_id,child_id,received_at,decision_at\n" + "\n".join(rows) + "\n"
    )
    rows = [f"R{i},C{i},{text}" for i, (text, _) in enumerate(items)]
    (folder / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\n" + "\n".join(rows) + "\n"
    )
    ds = load_dataset(folder)
    assert ds.quality.empty, ds.quality["reason"].tolist()
    contacts = ds.tables["contacts"].sort_values("_row")
    assert contacts["received_at"].tolist() == [pd.Timestamp(at) for _, at in items]
    referrals = ds.tables["referrals"].sort_values("_row")
    assert referrals["referral_date"].tolist() == [pd.Timestamp(at.date()) for _, at in items]


def _write_903(folder: Path, items: list[tuple[str, dt.datetime]], xml: bool) -> None:
    folder.mkdir(parents=True)
    if xml:
        children = "".join(
            f"<CHILD><HEADER><CHILDID>C{i}</CHILDID><SEX>1</SEX><ETHNIC>WBRI</ETHNIC>"
            f"</HEADER><EPISODE><DECOM>{escape(text)}</DECOM><RNE>S</RNE><LS>C2</LS>"
            "<CIN>N1</CIN><PL>U1</PL><PLACE_PROVIDER>PR1</PLACE_PROVIDER></EPISODE></CHILD>"
            for i, (text, _) in enumerate(items)
        )
        (folder / "return.xml").write_text(f"<EXPSSDA903>{children}</EXPSSDA903>")
        return
    header = "CHILD,SEX,DOB,ETHNIC\n" + "".join(f"C{i},1,,WBRI\n" for i in range(len(items)))
    (folder / "header.csv").write_text(header)
    episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC\n" + "".join(
        f"C{i},{text},S,C2,N1,U1,PR1,,\n" for i, (text, _) in enumerate(items)
    )
    (folder / "episodes.csv").write_text(episodes)


@SETTINGS
@given(pivot=st.integers(1990, 2060), xml=st.booleans(), data=st.data())
def test_every_form_reads_back_through_the_ssda903_importer(
    tmp_path: Path, pivot: int, xml: bool, data: st.DataObject
) -> None:
    """The collection year (given) is the pivot of the return's two-digit years."""
    items = data.draw(st.lists(written(pivot), min_size=1, max_size=15))
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "r"  # one for each example
    _write_903(folder, items, xml)
    result = import_returns(ssda903=[folder], collection_year=pivot)
    starts = result.frames["care_episodes"].set_index("child_id")["start_date"]
    assert [starts[f"C{i}"] for i in range(len(items))] == [
        at.date().isoformat() for _, at in items
    ]


def test_ssda903_two_digit_years_against_the_inferred_collection_year(tmp_path: Path) -> None:
    """Without a year given, the collection year inferred from the episodes is the pivot."""
    folder = tmp_path / "r"
    _write_903(
        folder,
        [("01/04/17", dt.datetime(2017, 4, 1)), ("01/01/18", dt.datetime(2018, 1, 1))],
        False,
    )
    (folder / "reviews.csv").write_text("CHILD,DOB,REVIEW\nC0,,01/03/19\n")  # after 2017-18
    result = import_returns(ssda903=[folder])
    assert sorted(result.frames["care_episodes"]["start_date"]) == ["2017-04-01", "2018-01-01"]
    assert result.frames["cla_reviews"]["review_date"].tolist() == ["1919-03-01"]


def _write_cin(path: Path, items: list[tuple[str, dt.datetime]], year: int) -> None:
    children = "".join(
        f"<Child><ChildIdentifiers><LAchildID>C{i}</LAchildID></ChildIdentifiers>"
        f"<CINdetails><CINreferralDate>{escape(text)}</CINreferralDate>"
        "<ReferralSource>1A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>"
        "<ReferralNFA>false</ReferralNFA></CINdetails></Child>"
        for i, (text, _) in enumerate(items)
    )
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?><Message><Header><CollectionDetails>"
        f"<Collection>CIN</Collection><Year>{year}</Year>"
        f"<ReferenceDate>31/03/{year}</ReferenceDate></CollectionDetails>"
        f"<Source><LEA>372</LEA></Source></Header><Children>{children}</Children></Message>"
    )


@SETTINGS
@given(pivot=st.integers(1990, 2060), data=st.data())
def test_every_form_reads_back_through_the_cin_census_importer(
    tmp_path: Path, pivot: int, data: st.DataObject
) -> None:
    """The census's collection year (its header) is the pivot of its two-digit years."""
    items = data.draw(st.lists(written(pivot), min_size=1, max_size=15))
    path = tmp_path / f"cin{abs(hash((pivot, tuple(t for t, _ in items))))}.xml"
    _write_cin(path, items, pivot)
    result = import_returns(cin=[path])
    got = result.frames["referrals"].set_index("child_id")["referral_date"]
    assert [got[f"C{i}"] for i in range(len(items))] == [at.date().isoformat() for _, at in items]
    # the synthesised ids carry the same date
    ids = result.frames["referrals"].set_index("child_id")["referral_id"]
    assert [ids[f"C{i}"] for i in range(len(items))] == [
        f"C{i}/R/{at:%Y%m%d}" for i, (_, at) in enumerate(items)
    ]


cells = st.one_of(
    written(TODAY).map(lambda w: (w[0], w[1])),  # text in any accepted form
    dates.map(lambda d: (dt.datetime.combine(d, dt.time()), dt.datetime.combine(d, dt.time()))),
    dates.filter(lambda d: usable("serial", d, TODAY)).map(
        lambda d: ((d - EXCEL_DAY_ZERO).days, dt.datetime.combine(d, dt.time()))
    ),
)


@SETTINGS
@given(items=st.lists(cells, min_size=1, max_size=15))
def test_every_form_reads_back_through_the_annex_a_importer(
    tmp_path: Path, items: list[tuple[object, dt.datetime]]
) -> None:
    """Date cells, Excel serial numbers and text; no collection year: the current year."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 3"
    sheet.append(["Child Unique ID", "Gender", "Date of Referral", "Referral Source"])
    for i, (value, _) in enumerate(items):
        sheet.append([f"C{i}", "a) Male", value, "1A"])
    path = tmp_path / f"a{abs(hash(tuple(str(v) for v, _ in items)))}.xlsx"
    book.save(path)
    result = import_returns(annex_a=[path])
    got = result.frames["referrals"].set_index("child_id")["referral_date"]
    assert [got[f"C{i}"] for i in range(len(items))] == [at.date().isoformat() for _, at in items]


# -- a third-party SSDA903 set written with two-digit years ----------------------------------------

MULTIYEAR = FAKE / "ssda903-multiyear"
_DMY4 = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")


def _two_digit(text: str, pivot: int) -> str:
    """Four-digit years written with two digits where the rule reads them back (within the 100
    years ending at the return's collection year)."""

    def short(match: re.Match[str]) -> str:
        year = int(match.group(3))
        if not pivot - 99 <= year <= pivot:
            return match.group(0)
        return f"{match.group(1)}/{match.group(2)}/{year % 100:02d}"

    return _DMY4.sub(short, text)


def _without_provenance(frame: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in frame.columns if not c.startswith("_")]
    return frame[keep].sort_values(keep).reset_index(drop=True)


@pytest.mark.shared
@pytest.mark.skipif(not MULTIYEAR.is_dir(), reason=f"synthetic returns not found at {MULTIYEAR}")
def test_third_party_903_set_with_two_digit_years(tmp_path: Path) -> None:
    """Every date of each return (``2017-*.csv`` is the 2017-18 return, collection year 2018)
    written ``dd/mm/yy``: the imported tables are those of the four-digit original. (That set
    also holds review dates years after its returns, up to 2027, which no real return holds:
    those are left with four digits, since the rule reads them as the century before.)"""
    for path in MULTIYEAR.glob("*.csv"):
        pivot = int(path.name[:4]) + 1
        (tmp_path / path.name).write_text(_two_digit(path.read_text(), pivot))
    assert "/17," in (tmp_path / "2017-episodes.csv").read_text()
    original = import_returns(ssda903=[MULTIYEAR])
    short = import_returns(ssda903=[tmp_path])
    assert set(short.frames) == set(original.frames)
    for table, frame in original.frames.items():
        pd.testing.assert_frame_equal(
            _without_provenance(short.frames[table]), _without_provenance(frame)
        )
    episodes = short.frames["care_episodes"]
    ended = pd.to_datetime(episodes["end_date"]).between("2017-04-01", "2018-03-31")
    assert episodes.loc[ended, "child_id"].nunique() == 608  # 0 before two-digit years were read


def test_date_objects_as_parquet_gives_them(tmp_path: Path) -> None:
    """A Parquet ``date32`` column (``datetime.date`` values in pandas) is read in one pass;
    a year no timestamp holds is "out of range", as in text."""
    frame = pd.DataFrame(
        {
            "plan_id": ["P1", "P2", "P3"],
            "child_id": ["C1", "C2", "C3"],
            "start_date": [dt.date(2017, 5, 8), dt.date(9999, 12, 31), None],
        }
    )
    frame.to_parquet(tmp_path / "cp_plans.parquet")
    ds = load_dataset(tmp_path)
    assert ds.tables["cp_plans"]["start_date"].tolist() == [pd.Timestamp("2017-05-08")]
    reasons = sorted(ds.quality["reason"])
    assert reasons == [
        "date out of range (year 9999; accepted 1900-2100)",
        "required value is empty",
    ]
