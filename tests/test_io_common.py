"""What real files contain: date forms, booleans, encodings, BOM, ids, blank cells, bad XML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from safeguarding_metrics.io import ReturnFileError, import_returns, read_cin_census
from safeguarding_metrics.io.common import normalise_bools, normalise_dates

EPISODES_HEADER = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-01-02", "2017-01-02"),
        ("02/01/2017", "2017-01-02"),
        ("2/1/2017", "2017-01-02"),
        ("02-01-2017", "2017-01-02"),
        ("02.01.2017 10:30", "2017-01-02"),
        ("2017-01-02T10:30:00", "2017-01-02"),
        ("2017-01-02 00:00:00", "2017-01-02"),
        ("20170102", "2017-01-02"),
        ("2 Jan 2017", "2017-01-02"),
        ("02-January-2017", "2017-01-02"),
        ("42737", "2017-01-02"),
        (42737, "2017-01-02"),
        (42737.75, "2017-01-02"),
        (dt.datetime(2017, 1, 2, 9), "2017-01-02"),
        (dt.date(2017, 1, 2), "2017-01-02"),
        (pd.Timestamp("2017-01-02"), "2017-01-02"),
        ("  2017-01-02 ", "2017-01-02"),
        ("", None),
        ("   ", None),
        (None, None),
        ("31/02/2017", "31/02/2017"),  # not a date: kept verbatim for the loader to report
        ("01/13/2017", "01/13/2017"),  # US order is not accepted
        ("12", "12"),  # too small to be a plausible Excel serial
        ("not known", "not known"),
        ("1000-01-01", "1000-01-01"),  # outside what a return holds: for the loader to report
        ("00000101", "00000101"),
        (dt.datetime(1000, 1, 1), "1000-01-01T00:00:00"),
        (dt.date(9999, 12, 31), "9999-12-31"),
    ],
)
def test_dates(value: object, expected: str | None) -> None:
    out = normalise_dates(pd.Series([value], dtype=object)).iloc[0]
    assert (out if isinstance(out, str) else None) == expected


def test_datetimes_keep_the_time() -> None:
    out = normalise_dates(
        pd.Series(["02/01/2017 10:30", "2017-07-02T10:00:00Z", 42737.5]), with_time=True
    )
    assert out.tolist() == ["2017-01-02T10:30:00", "2017-07-02T11:00:00", "2017-01-02T12:00:00"]


def test_booleans() -> None:
    out = normalise_bools(pd.Series(["Yes", "a) No", "1", "0", 1.0, True, "N", "maybe", None, ""]))
    assert out.tolist()[:7] == ["true", "false", "true", "false", "true", "true", "false"]
    assert out.iloc[7] == "maybe"
    assert out.iloc[8:].isna().all()


def _episodes(tmp_path: Path, body: str, *, name: str = "eps.csv", **kw: object) -> Path:
    path = tmp_path / name
    path.write_bytes(
        (EPISODES_HEADER + body).encode(**kw) if kw else (EPISODES_HEADER + body).encode()
    )
    return path


def test_bom_and_cp1252(tmp_path: Path) -> None:
    body = "A1,01/04/2016,S,C2,N1,U1,PR1,,,\n"
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (EPISODES_HEADER + body).encode())
    result = import_returns(ssda903=[bom])
    assert result.frames["care_episodes"]["start_date"].tolist() == ["2016-04-01"]
    assert result.quality.empty
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        (EPISODES_HEADER + "A1,01/04/2016,S,C2,N1,U1,PR1,,,Caf\xe9\n").encode("cp1252")
    )
    result = import_returns(ssda903=[latin])
    assert result.frames["care_episodes"]["reason_place_change"].tolist() == ["CAFÉ"]
    assert result.quality["reason"].str.contains("Windows-1252").any()


def test_header_only_table(tmp_path: Path) -> None:
    result = import_returns(ssda903=[_episodes(tmp_path, "")])
    assert result.read == 0
    assert "care_episodes" not in result.frames


def test_ids_whitespace_and_case(tmp_path: Path) -> None:
    body = (
        " A1 ,01/04/2016,S,C2,N1,U1,PR1,01/05/2016,X1,\n"
        "A1,01/05/2016,P,C2,N1,U1,PR1,,,\n"
        "a1,01/06/2016,S,C2,N1,U1,PR1,,,\n"
    )
    result = import_returns(ssda903=[_episodes(tmp_path, body)])
    episodes = result.frames["care_episodes"]
    assert sorted(episodes["child_id"]) == ["A1", "A1", "a1"]
    q = result.quality
    case = q[q["reason"].str.contains("only by case")]
    assert len(case) == 1 and case.iloc[0]["row"] == 4 and case.iloc[0]["column"] == "CHILD"
    assert "a1" not in case.iloc[0]["reason"] and "A1" not in case.iloc[0]["reason"]


def test_bad_values_reported_where_they_are(tmp_path: Path) -> None:
    body = (
        "C1,01/04/2016,S,C2,N1,U1,PR1,31/02/2017,X1,\n"  # bad end date: field left out
        "C2,,S,C2,N1,U1,PR1,,,\n"  # missing start: set aside
        "C3,01/04/2016,S,C2,N1,Q9,PR1,,,\n"  # unknown placement: kept with a warning
    )
    result = import_returns(ssda903=[_episodes(tmp_path, body)])
    q = result.quality.set_index("row")
    assert q.loc[2, "column"] == "DEC" and "day 31 in February 2017" in q.loc[2, "reason"]
    assert q.loc[2, "action"] == "field left out"
    assert q.loc[3, "column"] == "DECOM" and q.loc[3, "action"] == "set aside"
    assert q.loc[4, "column"] == "PLACE" and q.loc[4, "action"] == "kept"
    # the unparseable date is kept verbatim, never turned into "still open"
    episodes = result.frames["care_episodes"].set_index("child_id")
    assert episodes.loc["C1", "end_date"] == "31/02/2017"
    assert result.counts["set_aside"].sum() == 1


def test_conflicts_and_merges_across_returns(tmp_path: Path) -> None:
    y1 = tmp_path / "2017"
    y2 = tmp_path / "2018"
    y1.mkdir()
    y2.mkdir()
    _episodes(y1, "C1,01/04/2016,S,C2,N1,U1,PR1,,,\nC2,01/04/2016,S,C2,N1,U1,PR1,,,\n")
    _episodes(
        y2,
        "C1,01/04/2016,S,C2,N1,U1,PR1,01/06/2017,E2,\n"  # completes: merged
        "C2,01/04/2016,S,C2,N1,U4,PR1,,,\n",  # disagrees on the placement: both set aside
    )
    result = import_returns(ssda903=[y1, y2])
    episodes = result.frames["care_episodes"]
    assert episodes["child_id"].tolist() == ["C1"]
    assert episodes["end_date"].tolist() == ["2017-06-01"]
    q = result.quality
    conflict = q[q["severity"] == "error"]
    assert len(conflict) == 2 and conflict["reason"].str.contains("differ in placement").all()
    c = result.counts
    assert c["merged"].sum() == 1 and c["set_aside"].sum() == 2
    assert (c["read"] == c["used"] + c["merged"] + c["set_aside"]).all()


def test_unrecognised_csv(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("A,B\n1,2\n", encoding="utf-8")
    with pytest.raises(ReturnFileError, match=r"notes\.csv.*not recognised"):
        import_returns(ssda903=[path])


def test_empty_files(tmp_path: Path) -> None:
    for name in ("empty.csv", "empty.xml"):
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(ReturnFileError, match="empty"):
        import_returns(ssda903=[tmp_path / "empty.csv"])
    with pytest.raises(ReturnFileError, match="empty"):
        import_returns(cin=[tmp_path / "empty.xml"])


CIN = """<?xml version="1.0" encoding="utf-8"?>
<Message><Header><Source><LEA>372</LEA></Source></Header><Children>
<Child>
  <ChildIdentifiers><LAchildID>KID1</LAchildID><PersonBirthDate>2010-01-01</PersonBirthDate>
  <GenderCurrent>1</GenderCurrent></ChildIdentifiers>
  <CINdetails><CINreferralDate>2015-05-01</CINreferralDate><ReferralNFA>false</ReferralNFA>
  </CINdetails>
</Child>
</Children></Message>
"""


def test_truncated_and_malformed_xml(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_text(CIN[:-40], encoding="utf-8")
    with pytest.raises(ReturnFileError, match=r"cin\.xml.*line \d+") as info:
        read_cin_census(path)
    assert "KID1" not in str(info.value)
    path.write_text(CIN.replace("</CINdetails>", "</CINdetail>"), encoding="utf-8")
    with pytest.raises(ReturnFileError, match=r"line 7"):
        read_cin_census(path)


def test_entities_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><Message>&a;</Message>',
        encoding="utf-8",
    )
    with pytest.raises(ReturnFileError, match="entities"):
        read_cin_census(path)


def test_xml_in_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_bytes(
        CIN.replace('<?xml version="1.0" encoding="utf-8"?>', "")
        .replace("KID1", "KID\xe91")
        .encode("cp1252")
    )
    result = import_returns(cin=[path])
    assert result.frames["children"]["child_id"].tolist() == ["KID\xe91"]
    assert result.quality["reason"].str.contains("Windows-1252").any()


def test_la_single_and_pooled(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_text(CIN, encoding="utf-8")
    assert "la" not in import_returns(cin=[path]).frames["referrals"].columns
    pooled = import_returns(cin=[path], pooled=True)
    assert pooled.frames["referrals"]["la"].tolist() == ["372"]
    given = import_returns(cin=[path], la="999")
    assert given.frames["referrals"]["la"].tolist() == ["999"]
    assert given.quality["reason"].str.contains("differs from the authority given").any()


def test_strict_mode_raises_the_first_error_with_file_row_and_column() -> None:
    """What ``import_returns(..., strict=True)`` and ``import_ssd(..., strict=True)`` raise."""
    from safeguarding_metrics.io.combine import raise_first_error
    from safeguarding_metrics.model.quality import QUALITY_COLUMNS, DataError

    rows = [
        {
            "table": "referrals",
            "file": "a.xml",
            "row": 3,
            "column": "source",
            "severity": "warning",
            "action": "kept",
            "reason": "unknown code",
        },
        {
            "table": "referrals",
            "file": "b.xml",
            "row": 7,
            "column": "referral_date",
            "severity": "error",
            "action": "set aside",
            "reason": "not a date",
        },
    ]
    quality = pd.DataFrame(rows).reindex(columns=list(QUALITY_COLUMNS))
    raise_first_error(quality.iloc[:1])  # a warning alone: nothing raised
    raise_first_error(quality.iloc[:0])
    with pytest.raises(DataError) as caught:
        raise_first_error(quality)
    message = str(caught.value)
    assert "b.xml" in message and "7" in message and "referral_date" in message
    assert "not a date" in message
