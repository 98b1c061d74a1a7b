"""Issue 15, importer side: nothing a return holds is lost without a word.

Files and tables not understood are findings (never a stop, never silence); a return given to
the wrong option is refused saying what it looks like; repeats inside one file follow the rules
of repeats across files; decorated headers are recognised; ragged rows are set aside by row,
never shifted; every source field not carried is listed with its count of non-empty values.
Every file here is built by the test.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding_metrics.cli import main
from safeguarding_metrics.io import ReturnFileError, import_returns, read_cin_census
from safeguarding_metrics.io.annex_a import normalise_header
from safeguarding_metrics.io.ssda903 import column_name

FAKE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fake-returns"

EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"
    "K1,2016-04-01,S,C2,N1,U1,PR1,2016-09-01,E4A,\n"
    "K2,2016-05-01,S,C2,N1,U1,PR1,,,\n"
)


def _balanced(result) -> None:
    c = result.counts
    assert (c["read"] == c["used"] + c["merged"] + c["set_aside"]).all()
    assert (c[["used", "merged", "set_aside"]] >= 0).all().all()


def _import(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["import", "--quiet", *argv])
    return code, " ".join(capsys.readouterr().err.split())  # messages are wrapped


def _cin(plans: str, *, doctype: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>{doctype}
<Message><Header><Collection><ReferenceDate>2022-03-31</ReferenceDate></Collection></Header>
<Children><Child><ChildIdentifiers><LAchildID>KID7</LAchildID>
<PersonBirthDate>2015-01-01</PersonBirthDate><Sex>M</Sex></ChildIdentifiers>
<CINdetails><CINreferralDate>2022-01-10</CINreferralDate><ReferralNFA>false</ReferralNFA>
{plans}</CINdetails></Child></Children></Message>
"""


def _plan(end: str = "2022-06-01") -> str:
    return (
        "<ChildProtectionPlans><CPPstartDate>2022-02-17</CPPstartDate>"
        f"<CPPendDate>{end}</CPPendDate><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
        "<NumberOfPreviousCPP>0</NumberOfPreviousCPP>"
        "<Reviews><CPPreviewDate>2022-03-01</CPPreviewDate></Reviews></ChildProtectionPlans>\n"
    )


SSDA903_XML = """<?xml version="1.0" encoding="utf-8"?>
<EXPSSDA903><CHILD><HEADER><CHILDID>KID9</CHILDID><UPN>A123</UPN><SEX>1</SEX>
<DOB>2010-01-01</DOB><ETHNIC>WBRI</ETHNIC><UASC>1</UASC>
<AREVIEW><REVIEW>2016-06-01</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW></HEADER>
<EPISODE><DECOM>2016-04-01</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U1</PL>
<HOME_POST>S60 1</HOME_POST></EPISODE></CHILD></EXPSSDA903>
"""


# -- files and tables not understood ------------------------------------------------------------


def test_extra_files_and_known_tables_are_findings_not_stops(tmp_path: Path) -> None:
    folder = tmp_path / "903"
    folder.mkdir()
    (folder / "episodes.csv").write_text(EPISODES, encoding="utf-8")
    (folder / "DoLo.csv").write_text("CHILD,DOB,DOL_START\nK1,2010-01-01,2026-05-01\n")
    (folder / "readme.txt").write_text("notes by the analyst\n")
    (folder / "reviews.csv").mkdir()  # a folder where a file should be
    (folder / "old").mkdir()  # an empty sub-folder
    result = import_returns(ssda903=[folder])
    _balanced(result)
    assert len(result.frames["care_episodes"]) == 2
    q = result.quality
    files = q["file"].map(lambda f: Path(f).name)
    reasons = dict(zip(files, q["reason"], strict=False))
    assert "known SSDA903 table (DoLo), not used by safeguarding-metrics" in reasons["DoLo.csv"]
    assert "not a CSV or XML file" in reasons["readme.txt"]
    assert "a folder where an SSDA903 file was expected" in reasons["reviews.csv"]
    assert "holding no CSV or XML file" in reasons["old"]
    assert any(n.startswith("DoLo.csv") and "1 rows" in n for n in result.notes)


def test_unknown_csv_beside_a_table_is_skipped_alone_refused(tmp_path: Path) -> None:
    (tmp_path / "episodes.csv").write_text(EPISODES, encoding="utf-8")
    (tmp_path / "budget.csv").write_text("Team,Spend\nA,10\n", encoding="utf-8")
    result = import_returns(ssda903=[tmp_path])
    skipped = result.quality[result.quality["file"].str.endswith("budget.csv")]
    assert len(skipped) == 1 and "skipped" in skipped["reason"].iloc[0]
    assert skipped["severity"].iloc[0] == "warning"
    with pytest.raises(ReturnFileError, match=r"budget\.csv.*not recognised"):
        import_returns(ssda903=[tmp_path / "budget.csv"])


def test_returns_given_to_the_wrong_option_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ssda903 = tmp_path / "903.xml"
    ssda903.write_text(SSDA903_XML, encoding="utf-8")
    cin = tmp_path / "cin.xml"
    cin.write_text(_cin(_plan()), encoding="utf-8")
    out = str(tmp_path / "out")
    code, err = _import(["--cin", str(ssda903), "--output", out], capsys)
    assert code == 1 and "looks like an SSDA903 XML return" in err and "--ssda903" in err
    code, err = _import(["--ssda903", str(cin), "--output", out], capsys)
    assert code == 1 and "looks like a CIN census XML return" in err and "--cin" in err
    # a workbook renamed .csv given as an SSDA903 table
    book = openpyxl.Workbook()
    book.active.append(["CHILD", "DECOM"])
    book.save(tmp_path / "episodes.xlsx")
    renamed = tmp_path / "episodes.csv"
    (tmp_path / "episodes.xlsx").rename(renamed)
    code, err = _import(["--ssda903", str(renamed), "--output", out], capsys)
    assert code == 1 and "Excel workbook" in err and "episodes.csv" in err
    # an Annex A list saved as CSV
    annex = tmp_path / "list3.csv"
    annex.write_text("Child Unique ID,Gender,Date of referral\nK1,a) Male,01/02/2020\n")
    code, err = _import(["--ssda903", str(annex), "--output", out], capsys)
    assert code == 1 and "Annex A" in err and "--annex-a" in err
    assert "KID" not in err and "K1" not in err
    assert not (tmp_path / "out" / "children.csv").exists()


def test_external_dtd_refused_never_fetched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cin.xml"
    doctype = '<!DOCTYPE Message SYSTEM "http://example.invalid/cin.dtd">'
    path.write_text(_cin(_plan(), doctype=doctype), encoding="utf-8")
    with pytest.raises(ReturnFileError, match=r"external DTD.*not fetched"):
        read_cin_census(path)
    code, err = _import(["--cin", str(path), "--output", str(tmp_path / "out")], capsys)
    assert code == 1 and "cin.xml" in err and "DTD" in err and "internal error" not in err


# -- repeats inside one file --------------------------------------------------------------------


def test_cin_plan_repeated_in_one_file_is_merged_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_text(_cin(_plan() + _plan()), encoding="utf-8")
    result = import_returns(cin=[path])
    _balanced(result)
    assert len(result.frames["cp_plans"]) == 1  # was 2 (…/CP/20220217 and …-2)
    assert len(result.frames["cp_reviews"]) == 1
    counts = result.counts.set_index("table")
    assert counts.loc["cp_plans", "merged"] == 1
    warning = result.quality[result.quality["table"] == "cp_plans"]
    assert len(warning) == 1
    assert re.search(r"identical to cin\.xml row \d+", warning["reason"].iloc[0])


def test_cin_plans_sharing_a_start_but_differing_are_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    path.write_text(_cin(_plan("2022-06-01") + _plan("2022-07-01")), encoding="utf-8")
    result = import_returns(cin=[path])
    _balanced(result)
    assert "cp_plans" not in result.frames or result.frames["cp_plans"].empty
    errors = result.quality[
        (result.quality["table"] == "cp_plans") & (result.quality["severity"] == "error")
    ]
    assert len(errors) == 2 and errors["reason"].str.contains("end_date").all()


def test_annex_a_row_repeated_in_a_list_is_merged(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 3"
    sheet.append(["Child Unique ID", "Gender", "Date of referral"])
    sheet.append(["K1", "a) Male", "2020-02-01"])
    sheet.append(["K1", "a) Male", "2020-02-01"])
    book.save(tmp_path / "annex.xlsx")
    result = import_returns(annex_a=[tmp_path / "annex.xlsx"])
    _balanced(result)
    assert len(result.frames["referrals"]) == 1
    assert result.counts.set_index("table").loc["referrals", "merged"] == 1
    reason = result.quality.loc[result.quality["table"] == "referrals", "reason"].iloc[0]
    assert "identical to annex.xlsx [List 3] row 2" in reason


def test_ssda903_review_code_named_when_reviews_of_one_day_merge(tmp_path: Path) -> None:
    (tmp_path / "episodes.csv").write_text(EPISODES, encoding="utf-8")
    (tmp_path / "reviews.csv").write_text(
        "CHILD,DOB,REVIEW,REVIEW_CODE\n"
        "K1,2010-01-01,2016-06-01,PN1\n"
        "K1,2010-01-01,2016-06-01,PN4\n"
        "K2,2010-01-01,2016-07-01,PN1\n"
        "K2,2010-01-01,2016-07-01,PN1\n",
        encoding="utf-8",
    )
    result = import_returns(ssda903=[tmp_path])
    _balanced(result)
    assert len(result.frames["cla_reviews"]) == 2
    q = result.quality[result.quality["table"] == "cla_reviews"].set_index("row")
    assert "REVIEW_CODE differed" in q.loc[3, "reason"]  # not called identical
    assert "identical to reviews.csv row 4" in q.loc[5, "reason"]
    note = next(n for n in result.notes if n.startswith("reviews.csv"))
    assert "REVIEW_CODE (4 non-empty; compared when records are merged)" in note


# -- decorated headers, repeated headers, ragged rows -------------------------------------------


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("Sum of DECOM", "DECOM"),
        ("count of child", "CHILD"),
        ("  decom: ", "DECOM"),
        ("Place\nProvider", "PLACE_PROVIDER"),
        ("REC*", "REC"),
        ("Ls?", "LS"),
        ("Max of DEC.", "DEC"),
        ("\ufeffCHILD", "CHILD"),
        ("My column", "MY_COLUMN"),
    ],
)
def test_ssda903_column_names(cell: str, name: str) -> None:
    assert column_name(cell) == name


def test_decorated_903_headers_are_read(tmp_path: Path) -> None:
    path = tmp_path / "episodes.csv"
    path.write_text(
        "Count of CHILD,Sum of DECOM,rne:,LS,CIN,place ,Place Type,"
        '"Place\nProvider",DEC.,REC*,Shoe size\n'
        "K1,2016-04-01,S,C2,N1,U1,Flat,PR1,2016-09-01,E4A,9\n",
        encoding="utf-8",
    )
    result = import_returns(ssda903=[path])
    episodes = result.frames["care_episodes"]
    assert episodes.loc[0, "start_date"] == "2016-04-01"
    assert episodes.loc[0, "provider"] == "PR1" and episodes.loc[0, "reason_ceased"] == "E4A"
    assert episodes.loc[0, "placement"] == "U1"  # "Place Type" is not PLACE: not guessed
    note = next(n for n in result.notes if "not carried" in n)
    assert "SHOE_SIZE (1 non-empty; not an SSDA903 column)" in note
    assert "PLACE_TYPE (1 non-empty; not an SSDA903 column)" in note


@pytest.mark.parametrize(
    ("cell", "alias"),
    [
        (
            "Sum of Number of Previous Child Protection Plans",
            "number of previous child protection plans",
        ),
        ("Count of Child Unique ID", "child unique id"),
        ("Date of\nreferral:", "date of referral"),
        ("  CIN START DATE*", "cin start date"),
    ],
)
def test_annex_a_header_decorations(cell: str, alias: str) -> None:
    assert normalise_header(cell) == alias


def test_repeated_903_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "episodes.csv"
    path.write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,DECOM\nK1,2016-04-01,S,C2,N1,U1,2016-05-01\n",
        encoding="utf-8",
    )
    code, err = _import(["--ssda903", str(path), "--output", str(tmp_path / "out")], capsys)
    assert code == 1 and "'DECOM' appears 2 times" in err and "columns B, G" in err
    assert "episodes.csv" in err and "K1" not in err
    path.write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,DECOM\nK1,2016-04-01,S,C2,N1,U1,2016-04-01\n",
        encoding="utf-8",
    )
    result = import_returns(ssda903=[path])
    assert len(result.frames["care_episodes"]) == 1
    assert result.quality["reason"].str.contains("'DECOM' appears 2 times").any()


def test_ragged_rows_set_aside_by_row_never_shifted(tmp_path: Path) -> None:
    path = tmp_path / "episodes.csv"
    path.write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE\n"
        "K1,2016-04-01,S,C2,N1,U1\n"
        "K2,2016-04-02,S,C2,N1,U1,EXTRA\n"  # a value too many: set aside
        "K3,2016-04-03,S,C2\n"  # too few: set aside
        "K4,2016-04-04,S,C2,N1,U1,\n",  # an empty field too many: harmless
        encoding="utf-8",
    )
    result = import_returns(ssda903=[path])
    _balanced(result)
    episodes = result.frames["care_episodes"]
    assert list(episodes["start_date"]) == ["2016-04-01", "2016-04-04"]
    assert list(episodes["placement"]) == ["U1", "U1"]
    counts = result.counts.set_index("table")
    assert counts.loc["care_episodes", "read"] == 4
    assert counts.loc["care_episodes", "set_aside"] == 2
    q = result.quality.set_index("row")
    assert "7 fields and the header 6" in q.loc[3, "reason"]
    assert "4 fields and the header 6" in q.loc[4, "reason"]
    assert (q.loc[[3, 4], "table"] == "care_episodes").all()


def test_trailing_comma_on_every_row_shifts_nothing(tmp_path: Path) -> None:
    rows = EPISODES.splitlines()
    path = tmp_path / "episodes.csv"
    path.write_text("\n".join([rows[0], *(r + "," for r in rows[1:])]) + "\n")
    result = import_returns(ssda903=[path])
    _balanced(result)
    episodes = result.frames["care_episodes"]
    assert list(episodes["child_id"]) == ["K1", "K2"]
    assert list(episodes["legal_status"]) == ["C2", "C2"]
    assert result.counts["set_aside"].sum() == 0
    assert result.quality["reason"].str.contains("trailing comma").any()


def test_decorated_list_7_previous_plans(tmp_path: Path) -> None:
    """A pivot export heads List 7's column "Sum of ...": was 0/7 repeat plans, now 2/7."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 7"
    sheet.append(
        [
            "Child Unique ID",
            "Gender",
            "Child protection plan start date",
            "Sum of Number of Previous Child Protection Plans",
        ]
    )
    for i in range(7):
        sheet.append([f"K{i}", "a) Male", f"2023-0{i + 1}-01", 1 if i < 2 else 0])
    book.save(tmp_path / "annex.xlsx")
    result = import_returns(annex_a=[tmp_path / "annex.xlsx"])
    plans = result.frames["cp_plans"]
    assert (plans["previous_plans"].astype(int) > 0).sum() == 2 and len(plans) == 7


def test_annex_a_repeated_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 3"
    sheet.append(["Child Unique ID", "Date of referral", "Referral date"])
    sheet.append(["K1", "2020-02-01", "2020-03-01"])
    book.save(tmp_path / "annex.xlsx")
    code, err = _import(
        ["--annex-a", str(tmp_path / "annex.xlsx"), "--output", str(tmp_path / "o")], capsys
    )
    assert code == 1 and "appears 2 times" in err and "columns B, C" in err


# -- what is not carried ------------------------------------------------------------------------


def test_ssda903_fields_not_carried_are_counted(tmp_path: Path) -> None:
    (tmp_path / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,HOME_POST,PL_POST,URN,NOTES\n"
        "K1,2016-04-01,S,C2,N1,U1,S60 1,S61 2,SC1,\n"
        "K2,2016-05-01,S,C2,N1,U1,,S61 2,,x\n",
        encoding="utf-8",
    )
    (tmp_path / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN\nK1,1,2010-01-01,WBRI,A1\nK2,2,2011-01-01,WBRI,\n",
        encoding="utf-8",
    )
    result = import_returns(ssda903=[tmp_path])
    notes = "\n".join(result.notes)
    compared = "; compared when records are merged"
    assert (
        f"HOME_POST (1 non-empty{compared}), PL_POST (2 non-empty{compared}), "
        f"URN (1 non-empty{compared})"
    ) in notes
    assert "NOTES (1 non-empty; not an SSDA903 column)" in notes
    assert "UPN (1 non-empty)" in notes


def test_ssda903_xml_not_carried(tmp_path: Path) -> None:
    path = tmp_path / "903.xml"
    path.write_text(SSDA903_XML, encoding="utf-8")
    result = import_returns(ssda903=[path])
    note = next(n for n in result.notes if "elements not carried" in n)
    compared = "; compared when records are merged"
    for field in ("UASC (1 non-empty)", "UPN (1 non-empty)", f"HOME_POST (1 non-empty{compared})"):
        assert field in note
    assert "REVIEW_CODE (1 non-empty; compared" in note


def test_cin_elements_not_carried_with_counts(tmp_path: Path) -> None:
    plan = _plan().replace(
        "<CPPstartDate>2022-02-17</CPPstartDate>",
        "<CPPstartDate>2022-02-17</CPPstartDate><CPPstartDate>2022-02-18</CPPstartDate>"
        "<LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>",
    )
    path = tmp_path / "cin.xml"
    path.write_text(_cin(plan).replace("<Sex>M</Sex>", "<Sex>M</Sex><UPN>A1</UPN>"))
    note = next(n for n in read_cin_census(path).notes if "not carried" in n)
    assert "CPPstartDate (repeated) (1 non-empty)" in note
    assert "LatestCategoryOfAbuse (1 non-empty)" in note and "UPN (1 non-empty)" in note


def test_annex_a_contacts_without_decision_times(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 1"
    sheet.append(["Child Unique ID", "Date of contact", "Contact source", "Shoe size"])
    for i in range(5):
        sheet.append([f"K{i}", f"2023-01-0{i + 1}", "1A", 9])
    book.save(tmp_path / "annex.xlsx")
    result = import_returns(annex_a=[tmp_path / "annex.xlsx"])
    contacts = result.frames["contacts"]
    assert "decision_at" not in contacts.columns or contacts["decision_at"].isna().all()
    notes = "\n".join(result.notes)
    assert "list 1: no column of the contact's decision date" in notes
    assert "contacts.decision_at is left empty" in notes
    assert "'Shoe size' (5 non-empty; not recognised)" in notes
    assert "'Contact source' (5 non-empty)" in notes
    # with the column, the decision times are read
    sheet.cell(row=1, column=4, value="Date of decision")
    for i in range(5):
        sheet.cell(row=i + 2, column=4, value=f"2023-01-0{i + 2} 10:00")
    book.save(tmp_path / "annex.xlsx")
    result = import_returns(annex_a=[tmp_path / "annex.xlsx"])
    assert result.frames["contacts"]["decision_at"].notna().all()


def test_annex_a_sheet_declaring_the_last_cell_excel_allows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 3"
    sheet.append(["Child Unique ID", "Date of referral"])
    sheet.append(["K1", "2020-02-01"])
    sheet.append([None, None])
    sheet.append(["K2", "2020-02-03"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    huge = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(huge, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
            dst.writestr(item, data)
    result = import_returns(annex_a=[huge])
    referrals = result.frames["referrals"]
    assert len(referrals) == 2
    rows = result.quality  # no finding points past the real data
    assert rows.empty or rows["row"].dropna().max() <= 4
    code = main(["import", "-q", "--annex-a", str(huge), "--output", str(tmp_path / "o")])
    assert code == 0


def test_notes_written_beside_the_tables(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,URN\nK1,2016-04-01,S,C2,N1,U1,SC1\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["import", "-q", "--ssda903", str(tmp_path / "in"), "--output", str(out)]) == 0
    notes = (out / "import-notes.txt").read_text(encoding="utf-8")
    assert "URN (1 non-empty; compared when records are merged)" in notes


@pytest.mark.shared
@pytest.mark.skipif(not FAKE.is_dir(), reason=f"synthetic returns not found at {FAKE}")
def test_fake_903_set_fields_not_carried() -> None:
    folder = FAKE / "ssda903"
    result = import_returns(ssda903=sorted(folder.glob("*.csv")))
    _balanced(result)
    notes = {n.split(":")[0]: n for n in result.notes if "not carried" in n}
    episodes = pd.read_csv(folder / "episodes.csv", dtype=str)
    for field in ("HOME_POST", "PL_POST", "URN"):
        count = f"{episodes[field].notna().sum():,} non-empty"
        assert f"{field} ({count}; compared when records are merged)" in notes["episodes.csv"]
    header = pd.read_csv(folder / "header.csv", dtype=str)
    assert f"UPN ({header['UPN'].notna().sum():,} non-empty)" in notes["header.csv"]
    assert "REVIEW_CODE" in notes["reviews.csv"]


def test_other_returns_given_as_cin_or_annex_a_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cin = tmp_path / "cin.xml"
    cin.write_text(_cin(_plan()), encoding="utf-8")
    book = openpyxl.Workbook()
    book.active.append(["Child Unique ID"])
    book.save(tmp_path / "annex.xlsx")
    out = str(tmp_path / "out")
    code, err = _import(["--annex-a", str(cin), "--output", out], capsys)
    assert code == 1 and "looks like a CIN census XML return" in err and "--cin" in err
    code, err = _import(["--cin", str(tmp_path / "annex.xlsx"), "--output", out], capsys)
    assert code == 1 and "not a CIN census XML file" in err and "Excel workbook" in err


# -- a property: whatever the decorations and the ragged rows, nothing shifts, counts add up ----

DECORATIONS = st.sampled_from(["{}", "Sum of {}", "count of {}", " {}: ", "{}*", "{}.", "{}?"])


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    looks=st.lists(DECORATIONS, min_size=6, max_size=6),
    lower=st.booleans(),
    widths=st.lists(st.integers(-2, 2), min_size=1, max_size=8),
    extra=st.sampled_from(["", "X"]),
)
def test_decorated_ragged_episodes(
    tmp_path: Path, looks: list[str], lower: bool, widths: list[int], extra: str
) -> None:
    names = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE"]
    header = [look.format(n.lower() if lower else n) for look, n in zip(looks, names, strict=True)]
    lines = [",".join(header)]
    expected: list[str] = []
    for i, change in enumerate(widths):
        fields = [f"K{i}", f"2016-04-{i + 1:02d}", "S", "C2", "N1", "U1"]
        if change < 0:
            fields = fields[:change]
        elif change > 0:
            fields += [extra] * change
        if change == 0 or (change > 0 and not extra):
            expected.append(f"2016-04-{i + 1:02d}")
        lines.append(",".join(fields))
    path = tmp_path / "episodes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_returns(ssda903=[path])
    _balanced(result)
    read = result.counts.set_index("table").loc["care_episodes", "read"]
    assert read == len(widths)
    got = result.frames.get("care_episodes")
    starts = [] if got is None else list(got["start_date"])
    assert starts == expected
    if got is not None:
        assert (got["placement"] == "U1").all() and (got["legal_status"] == "C2").all()
    errors = result.quality[result.quality["severity"] == "error"]
    assert len(errors) == len(widths) - len(expected)
    assert not result.quality["reason"].str.contains("K[0-9]", regex=True).any()


def test_headerless_csv_message_repeats_no_identifier(tmp_path: Path) -> None:
    path = tmp_path / "episodes.csv"
    path.write_text("KID123,2016-04-01,S,C2,N1,U1\n", encoding="utf-8")
    with pytest.raises(ReturnFileError, match="not recognised") as info:
        import_returns(ssda903=[path])
    assert "KID123" not in str(info.value) and "2016" not in str(info.value)
