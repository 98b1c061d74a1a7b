"""Every reader fed mangled input: a clean error (ReturnFileError naming the file, and the line
or row where known) or a clean result whose counts add up. Never another exception."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from safeguarding_metrics.io import ReturnFileError, import_returns

FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

CIN = """<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header><Source><LEA>372</LEA></Source></Header>
  <Children>
    <Child>
      <ChildIdentifiers>
        <LAchildID>KIDA</LAchildID>
        <PersonBirthDate>2010-01-01</PersonBirthDate>
        <Sex>F</Sex>
      </ChildIdentifiers>
      <CINdetails>
        <CINreferralDate>2015-05-01</CINreferralDate>
        <ReferralSource>1A</ReferralSource>
        <CINclosureDate>2015-09-01</CINclosureDate>
        <ReasonForClosure>RC8</ReasonForClosure>
        <Assessments>
          <AssessmentActualStartDate>2015-05-02</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2015-06-02</AssessmentAuthorisationDate>
        </Assessments>
        <ReferralNFA>false</ReferralNFA>
        <ChildProtectionPlans>
          <CPPstartDate>2015-06-01</CPPstartDate>
          <Reviews><CPPreviewDate>2015-08-01</CPPreviewDate></Reviews>
        </ChildProtectionPlans>
      </CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers><LAchildID>KIDB</LAchildID></ChildIdentifiers>
      <CINdetails><CINreferralDate>01/02/2016</CINreferralDate></CINdetails>
    </Child>
  </Children>
</Message>
"""

EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
    "KIDA,01/04/2016,S,C2,N1,U1,PR1,01/05/2016,X1,CARPL\n"
    "KIDA,01/05/2016,P,C2,N1,U4,PR1,,,\n"
    "KIDB,2016-06-01,S,V2,N2,K2,PR2,2016-07-01,E4A,\n"
)


def _check(run, path: Path) -> None:
    """``run()`` either raises ReturnFileError naming the file, or gives a balanced result."""
    try:
        result = run()
    except ReturnFileError as exc:
        assert path.name in str(exc)
        assert exc.fault.file.endswith(path.name)
        return
    c = result.counts
    assert (c["read"] == c["used"] + c["merged"] + c["set_aside"]).all()
    assert set(result.quality.columns) >= {"table", "file", "row", "column", "reason"}
    if len(result.quality):
        assert result.quality["file"].notna().all()


def _no_ids(result_or_exc: object) -> None:
    text = str(result_or_exc)
    assert "KIDA" not in text and "KIDB" not in text


@FUZZ
@given(cut=st.integers(0, len(CIN.encode().rstrip()) - 1))
def test_truncated_cin(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "cin.xml"
    path.write_bytes(CIN.encode()[:cut])
    with pytest.raises(ReturnFileError) as info:
        import_returns(cin=[path])
    assert "cin.xml" in str(info.value)
    _no_ids(info.value)
    if cut > 60:
        assert "line" in str(info.value)
        assert info.value.fault.row is not None


@FUZZ
@given(
    data=st.data(),
    edits=st.lists(
        st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=4)), max_size=4
    ),
)
def test_mangled_cin(tmp_path: Path, data: st.DataObject, edits: list[tuple[int, bytes]]) -> None:
    raw = bytearray(CIN.encode())
    for at, blob in edits:
        at %= len(raw)
        raw[at : at + len(blob)] = blob
    path = tmp_path / "cin.xml"
    path.write_bytes(bytes(raw))
    _check(lambda: import_returns(cin=[path]), path)


@FUZZ
@given(blob=st.binary(max_size=300))
def test_random_bytes_every_reader(tmp_path: Path, blob: bytes) -> None:
    for name, kw in (
        ("x.xml", "cin"),
        ("x.csv", "ssda903"),
        ("y.xml", "ssda903"),
        ("x.xlsx", "annex_a"),
    ):
        path = tmp_path / name
        path.write_bytes(blob)
        _check(lambda path=path, kw=kw: import_returns(**{kw: [path]}), path)


DATES = st.one_of(
    st.dates(dt.date(1890, 1, 1), dt.date(2110, 1, 1)).map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates().map(str),
    st.integers(-5, 80_000).map(str),
    st.text(alphabet="0123456789/-. :TZabc", max_size=12),
)


@FUZZ
@given(
    drop=st.sets(st.sampled_from(["DECOM", "RNE", "LS", "PLACE", "DEC", "CHILD"]), max_size=2),
    dates=st.lists(DATES, min_size=3, max_size=3),
    bom=st.booleans(),
    encoding=st.sampled_from(["utf-8", "cp1252", "latin-1"]),
    code=st.text(alphabet="AZ09é ", max_size=3),
)
def test_mangled_episodes(
    tmp_path: Path, drop: set[str], dates: list[str], bom: bool, encoding: str, code: str
) -> None:
    lines = EPISODES.splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    for i, row in enumerate(rows):
        row[1] = dates[i]
        row[5] = code
    keep = [i for i, h in enumerate(header) if h not in drop]
    text = "\n".join(",".join(r[i] for i in keep) for r in [header, *rows]) + "\n"
    payload = text.encode(encoding, errors="replace")
    path = tmp_path / "episodes.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + payload)

    def run():
        result = import_returns(ssda903=[path])
        _no_ids(result.quality.to_string())
        return result

    _check(run, path)


HEADERS = [
    (
        "Child Unique ID",
        ["CHILD UNIQUE ID", "child  unique id", "Child Unique ID:", "ChildUniqueID"],
    ),
    (
        "Date of Referral",
        ["date of referral", "Date Of Referral ", "DATE_OF_REFERRAL", "Referral date"],
    ),
    ("Referral Source", ["referral source", "Source of referral"]),
    ("Referral NFA?", ["Referral NFA", "referral nfa?", "NFA"]),
]
CELLS = st.one_of(
    st.none(),
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1)),
    st.integers(-10, 80_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=10),
    st.sampled_from(["a) Yes", "b) No", "q) 6: Police", "#N/A", "31/02/2017", ""]),
)


@FUZZ
@given(
    names=st.tuples(*[st.sampled_from([h, *alts]) for h, alts in HEADERS]),
    cells=st.lists(st.lists(CELLS, min_size=4, max_size=4), max_size=6),
    title=st.sampled_from(["List 3", "list_3", "L3 Referrals", "Referrals"]),
    blank_rows=st.integers(0, 3),
)
def test_mangled_annex_a(
    tmp_path: Path, names: tuple[str, ...], cells: list[list[object]], title: str, blank_rows: int
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for _ in range(blank_rows):
        sheet.append([None])
    sheet.append(list(names))
    for i, row in enumerate(cells):
        sheet.append([f"KID{i}", *row[1:]])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "annex.xlsx"
    path.write_bytes(buffer.getvalue())

    def run():
        result = import_returns(annex_a=[path])
        header_ok = (
            names[0].lower().replace(" ", "") == "childuniqueid" or "unique id" in names[0].lower()
        )
        if header_ok and cells:
            referrals = result.frames.get("referrals")
            assert referrals is None or len(referrals) <= len(cells)
        text = result.quality.to_string()
        assert "KID0" not in text
        return result

    _check(run, path)
