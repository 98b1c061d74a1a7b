"""Issue 15 audit: the bullets of the issue that no other test proved, each on files it builds.

One test per bullet, named after it. Child identifiers are long and distinctive
(``CHILDSECRET...``) so that a test can check none reaches standard error. The bullets the
other test files already prove are listed in the audit report, not repeated here.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import safeguarding_metrics as sm
from safeguarding_metrics.cli import main
from safeguarding_metrics.io import ReturnFileError, import_returns, write_dataset
from safeguarding_metrics.model import load_dataset
from safeguarding_metrics.synthetic import generate, write_csv

ID = "CHILDSECRET"
EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n"


def _import(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["import", "--quiet", *argv])
    err = capsys.readouterr().err
    assert "internal error" not in err and ID not in err
    return code, " ".join(err.split())  # messages are wrapped


def _balanced(result: object) -> None:
    c = result.counts  # type: ignore[attr-defined]
    assert (c["read"] == c["used"] + c["merged"] + c["set_aside"]).all()


# -- deliverable 2: files not understood, returns given to the wrong option ---------------------


def test_an_ssda903_csv_given_to_cin_says_what_it_looks_like(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was "not well-formed XML: syntax error (line 1, column 1)"."""
    episodes = tmp_path / "episodes.csv"
    episodes.write_text(EPISODES + f"{ID}1,2017-05-08,S,C2,N1,U1,PR1,,,\n", encoding="utf-8")
    code, err = _import(["--cin", str(episodes), "--output", str(tmp_path / "o")], capsys)
    assert code == 1
    assert "this looks like an SSDA903 Episodes table: give it to --ssda903." in err
    assert err.endswith("Nothing was written.")  # a sentence each, not run together
    other = tmp_path / "cin.xml"
    other.write_text("LAchildID,CINreferralDate\nK1,2020-01-01\n", encoding="utf-8")
    with pytest.raises(ReturnFileError, match="comma-separated cells, not XML; this looks like"):
        import_returns(cin=[other])


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04 a workbook saved over the table", "CHILD,SEX\n".encode("utf-16")],
    ids=["empty", "workbook", "utf-16"],
)
def test_a_broken_table_file_in_an_ssda903_folder_is_not_read_and_the_rest_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    """An empty or unreadable header.csv stopped the whole import ("Nothing was written")."""
    folder = tmp_path / "903"
    folder.mkdir()
    (folder / "episodes.csv").write_text(
        EPISODES + f"{ID}1,2017-05-08,S,C2,N1,U1,PR1,,,\n", encoding="utf-8"
    )
    (folder / "header.csv").write_bytes(content)
    result = import_returns(ssda903=[folder])
    _balanced(result)
    assert len(result.frames["care_episodes"]) == 1
    q = result.quality[result.quality["file"].str.endswith("header.csv")]
    assert len(q) == 1 and q["severity"].iloc[0] == "error"
    assert q["action"].iloc[0] == "not read" and "the file is not read" in q["reason"].iloc[0]
    assert any(n.startswith("header.csv: NOT READ") for n in result.notes)
    code, err = _import(["--ssda903", str(folder), "--output", str(tmp_path / "o")], capsys)
    assert code == 0 and "(1 error(s))" in err
    code, err = _import(
        ["--ssda903", str(folder), "--output", str(tmp_path / "s"), "--strict"], capsys
    )
    assert code == 1 and "header.csv" in err  # strict still stops at it
    with pytest.raises(ReturnFileError):  # alone, the file is refused
        import_returns(ssda903=[folder / "header.csv"])


# -- deliverables 5 and 8: a malformed row named -----------------------------------------------


def test_an_unclosed_quote_in_an_ssda903_csv_names_its_row(tmp_path: Path) -> None:
    """pandas said "EOF inside string starting at row 2" (counting from 0 at the header)."""
    path = tmp_path / "episodes.csv"
    path.write_text(
        EPISODES
        + f"{ID}1,2017-05-08,S,C2,N1,U1,PR1,,,\n"
        + f'{ID}2,"2017-05-08,S,C2,N1,U1,PR1,,,\n'
        + f"{ID}3,2017-05-08,S,C2,N1,U1,PR1,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ReturnFileError) as caught:
        import_returns(ssda903=[path])
    assert caught.value.fault.row == 3
    assert 'a quote (") opened in row 3 is never closed' in str(caught.value)
    assert ID not in str(caught.value)


# -- deliverable 6: a merge names the field it drops ---------------------------------------------


def test_annex_a_rows_differing_only_in_a_column_not_carried_are_merged_naming_it(
    tmp_path: Path,
) -> None:
    """Two contacts differing only in 'Contact source' were "identical; counted once"."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "List 1"
    sheet.append(["Child Unique ID", "Date of contact", "Contact source"])
    sheet.append([f"{ID}1", "2023-01-01", "1A"])
    sheet.append([f"{ID}1", "2023-01-01", "2B"])
    sheet.append([f"{ID}2", "2023-01-02", "1A"])
    sheet.append([f"{ID}2", "2023-01-02", "1A"])
    book.save(tmp_path / "annex.xlsx")
    result = import_returns(annex_a=[tmp_path / "annex.xlsx"])
    _balanced(result)
    contacts = result.frames["contacts"]
    assert len(contacts) == 2
    assert not any(str(c).startswith("_cmp_") for c in contacts.columns)
    reasons = result.quality["reason"].tolist()
    assert sum("their Contact source differed" in r for r in reasons) == 1
    assert sum(r.startswith("identical to") for r in reasons) == 1  # the true repeat


# -- "A measure without its data" and "Decorated headers", from the workbook to the figure -------


def test_annex_a_without_decision_times_and_a_pivot_list_7_through_the_figures(
    tmp_path: Path,
) -> None:
    """MASH within 24 hours was 0.0% (0/5) status ok; repeat plans 0/7 instead of 2/7."""
    book = openpyxl.Workbook()
    contacts = book.active
    contacts.title = "List 1"
    contacts.append(["Child Unique ID", "Date of contact", "Contact source"])
    for i in range(5):
        contacts.append([f"{ID}{i}", f"2023-01-0{i + 1}", "1A"])
    plans = book.create_sheet("List 7")
    plans.append(
        [
            "Child Unique ID",
            "Gender",
            "Child protection plan start date",
            "Sum of Number of Previous Child Protection Plans",
        ]
    )
    for i in range(7):
        plans.append([f"{ID}{i}", "a) Male", f"2023-0{i + 1}-01", 1 if i < 2 else 0])
    book.save(tmp_path / "annex.xlsx")
    folder = write_dataset(import_returns(annex_a=[tmp_path / "annex.xlsx"]), tmp_path / "ds")
    results = sm.calculate(
        load_dataset(folder),
        start="2023-01-01",
        end="2023-12-31",
        indicators=["rotherham.mash_decision_24h", "national.cpp_second_subsequent"],
        benchmarks=False,
    ).frame
    if "window" in results.columns:  # the figure over the whole span, not a year to date
        results = results[results["window"] == "period"]
    results = results.set_index("indicator")
    mash = results.loc["rotherham.mash_decision_24h"]
    assert mash["status"] == "not_computable" and "decision_at" in mash["reason"]
    repeat = results.loc["national.cpp_second_subsequent"]
    assert (repeat["status"], repeat["numerator"], repeat["denominator"]) == ("ok", 2, 7)


# -- "Two-digit years": our own returns written with dd/mm/yy --------------------------------


def test_two_digit_years_give_the_figures_of_iso_dates(tmp_path: Path) -> None:
    """On our own returns written with two-digit years, 52 of 143 figures were wrong."""
    frames = generate(scale=0.05, start="2014-04-01", end="2016-03-31")
    write_csv(frames, tmp_path / "iso")
    short = tmp_path / "short"
    short.mkdir()
    for path in (tmp_path / "iso").glob("*.csv"):
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in text.columns:
            if column.endswith(("_date", "date_of_birth")):
                day = pd.to_datetime(text[column], format="%Y-%m-%d", errors="coerce")
                text[column] = day.dt.strftime("%d/%m/%y").fillna(text[column])
        text.to_csv(short / path.name, index=False)
    iso, two = load_dataset(tmp_path / "iso"), load_dataset(short)
    assert len(two.quality) == len(iso.quality)
    options = {"start": "2015-04-01", "end": "2016-03-31", "every": "quarter"}
    a = sm.calculate(iso, benchmarks=False, **options).frame  # type: ignore[arg-type]
    b = sm.calculate(two, benchmarks=False, **options).frame  # type: ignore[arg-type]
    columns = ["indicator", "period_start", "status", "numerator", "denominator", "value"]
    pd.testing.assert_frame_equal(a[columns], b[columns])
    assert (a["status"] == "ok").sum() > 50


# -- a finding quoting a long value says it is cut ---------------------------------------------


def test_a_long_value_quoted_in_a_finding_is_marked_as_cut(tmp_path: Path) -> None:
    """'99999999999999999999' was quoted for a 23-digit number, as if it were the value."""
    (tmp_path / "cp_plans.csv").write_text(
        "plan_id,child_id,start_date,previous_plans\n"
        f"P1,{ID}1,2015-04-01,99999999999999999999999\n"
        f"P2,{ID}2,2015-04-01,{'x' * 25}\n"
        f"P3,{ID}3,2015-04-01,12345678901234567890\n",
        encoding="utf-8",
    )
    reasons = load_dataset(tmp_path).quality.sort_values("row")["reason"].tolist()
    assert "'99999999999999999999…'" in reasons[0]
    assert f"'{'x' * 20}…'" in reasons[1]
    assert "'12345678901234567890'" in reasons[2]  # exactly 20 characters: whole, no mark


def test_ids_stored_as_floats_in_parquet_are_the_children_of_the_csv_tables(
    tmp_path: Path,
) -> None:
    """pandas writes an integer id column with a blank as floats: '566910.0' was a second
    child beside the '566910' of referrals.csv, silently without its date of birth."""
    pd.DataFrame(
        {"child_id": [566910.0, None, 384923.0, 1.5], "date_of_birth": ["2008-03-27"] * 4}
    ).to_parquet(tmp_path / "children.parquet")
    (tmp_path / "referrals.csv").write_text(
        "referral_id,child_id,referral_date\nR1,566910,2015-04-01\nR2,384923,2015-04-02\n",
        encoding="utf-8",
    )
    ds = load_dataset(tmp_path)
    assert sorted(ds.child_ids) == ["1.5", "384923", "566910"]
    assert ds.counts.set_index("table").loc["children", "set_aside"] == 1  # the blank id


def test_cin_plans_differing_only_in_an_element_not_carried_are_merged_naming_it(
    tmp_path: Path,
) -> None:
    """Two plans of one child and start date differing only in LatestCategoryOfAbuse (not
    carried) were "identical; counted once"."""

    def plan(category: str) -> str:
        return (
            "<ChildProtectionPlans><CPPstartDate>2022-02-17</CPPstartDate>"
            "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
            f"<LatestCategoryOfAbuse>{category}</LatestCategoryOfAbuse></ChildProtectionPlans>"
        )

    census = f"""<?xml version="1.0" encoding="utf-8"?>
<Message><Header><Collection><ReferenceDate>2022-03-31</ReferenceDate></Collection></Header>
<Children><Child><ChildIdentifiers><LAchildID>{ID}7</LAchildID></ChildIdentifiers>
<CINdetails><CINreferralDate>2022-01-10</CINreferralDate>
{plan("NEG")}{plan("PHY")}{plan("PHY")}</CINdetails></Child></Children></Message>
"""
    (tmp_path / "cin.xml").write_text(census, encoding="utf-8")
    result = import_returns(cin=[tmp_path / "cin.xml"])
    _balanced(result)
    assert len(result.frames["cp_plans"]) == 1
    assert not any(str(c).startswith("_cmp_") for c in result.frames["cp_plans"].columns)
    reasons = result.quality["reason"].tolist()
    assert sum("their LatestCategoryOfAbuse differed" in r for r in reasons) == 1
    assert sum(r.startswith("identical to") for r in reasons) == 1
    assert any("LatestCategoryOfAbuse (3 non-empty)" in n for n in result.notes)


def test_ssda903_episodes_differing_only_in_urn_are_merged_naming_it(tmp_path: Path) -> None:
    """Two episodes of one child and DECOM differing only in URN (not carried) were
    "identical; counted once"; the review code was the only field compared."""
    (tmp_path / "episodes.csv").write_text(
        EPISODES.rstrip("\n")
        + ",URN\n"
        + f"{ID}1,2017-05-08,S,C2,N1,U1,PR1,,,,1111111\n"
        + f"{ID}1,2017-05-08,S,C2,N1,U1,PR1,,,,2222222\n",
        encoding="utf-8",
    )
    result = import_returns(ssda903=[tmp_path / "episodes.csv"])
    _balanced(result)
    assert len(result.frames["care_episodes"]) == 1
    reasons = result.quality["reason"].tolist()
    assert sum("their URN differed" in r for r in reasons) == 1
    assert any("URN (2 non-empty; compared when records are merged)" in n for n in result.notes)


def test_imported_ids_a_spreadsheet_would_read_as_formulas_load_as_the_councils_own(
    tmp_path: Path,
) -> None:
    """The importer writes '-123 (defused for spreadsheets); the loader read the child as
    "'-123", so a council's own allocations.csv naming -123 matched no child."""
    (tmp_path / "episodes.csv").write_text(
        EPISODES + "".join(f"{c},2017-05-08,S,C2,N1,U1,PR1,,,\n" for c in ("-123", "+45", "@x1")),
        encoding="utf-8",
    )
    folder = write_dataset(import_returns(ssda903=[tmp_path / "episodes.csv"]), tmp_path / "ds")
    assert "'-123" in (folder / "care_episodes.csv").read_text(encoding="utf-8")  # defused
    (folder / "allocations.csv").write_text(
        "child_id,worker_id,start_date\n-123,W1,2017-05-08\n", encoding="utf-8"
    )
    ds = load_dataset(folder)
    assert sorted(ds.child_ids) == ["+45", "-123", "@x1"]
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "referrals.csv").write_text(
        "referral_id,child_id,referral_date,source\nR1,it's,2015-04-01,'1A\n", encoding="utf-8"
    )
    plain = load_dataset(tmp_path / "plain")
    assert list(plain.child_ids) == ["it's"]  # only a ' before = + - @ is the spreadsheet's
    assert plain.tables["referrals"]["source"].astype(str).tolist() == ["'1A"]


@pytest.mark.parametrize(("separator", "what"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_says_so(
    tmp_path: Path, separator: str, what: str
) -> None:
    """A CSV saved with a European locale (or as tab-delimited text) is one column: the
    finding said only "required column 'referral_id' is missing"."""
    rows = [["referral_id", "child_id", "referral_date"], ["R1", f"{ID}1", "01/04/2015"]]
    (tmp_path / "referrals.csv").write_text(
        "".join(separator.join(r) + "\n" for r in rows), encoding="utf-8"
    )
    ds = load_dataset(tmp_path)
    hint = f"the file is separated by {what}, not commas; save it as CSV UTF-8"
    assert any(hint in r for r in ds.quality["reason"])
    assert hint in ds.unusable["referrals"]
    summary = " ".join(ds.summary().split())
    assert hint in summary and ID not in summary
    (tmp_path / "referrals.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    assert "separated by" not in str(load_dataset(tmp_path).unusable)  # no column of it


def test_a_subfolder_of_other_csv_files_beside_an_ssda903_return_is_noted_not_a_stop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sub-folder holding no SSDA903 table (lookups, or the output of an earlier import
    inside the input folder) stopped the whole import: "Nothing was written"."""
    folder = tmp_path / "903"
    (folder / "lookups").mkdir(parents=True)
    (folder / "episodes.csv").write_text(
        EPISODES + f"{ID}1,2017-05-08,S,C2,N1,U1,PR1,,,\n", encoding="utf-8"
    )
    (folder / "lookups" / "teams.csv").write_text("Team,Manager\nA,B\n", encoding="utf-8")
    (folder / "lookups" / "codes.csv").write_text("Code,Meaning\nS,Single\n", encoding="utf-8")
    result = import_returns(ssda903=[folder])
    _balanced(result)
    assert len(result.frames["care_episodes"]) == 1
    q = result.quality.assign(name=result.quality["file"].map(lambda f: Path(f).name))
    assert set(q["name"]) == {"teams.csv", "codes.csv"}  # each named
    assert (q["severity"] == "error").sum() == 1 and "not read" in set(q["action"])
    code, err = _import(["--ssda903", str(folder), "--output", str(tmp_path / "o")], capsys)
    assert code == 0 and "(1 error(s))" in err
    with pytest.raises(ReturnFileError, match="not recognised as an SSDA903 table"):
        import_returns(ssda903=[folder / "lookups"])  # alone: refused


def test_import_strict_keeps_the_datas_values_off_standard_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A child id in the DECOM column was quoted on stderr by ``import --strict``
    ("unparseable date 'CHILDSECRET1'"); ``validate --strict`` already left values out."""
    (tmp_path / "episodes.csv").write_text(
        EPISODES + f"{ID}1,{ID}1,S,C2,N1,U1,PR1,,,\n", encoding="utf-8"
    )
    code = main(["import", "--ssda903", str(tmp_path), "--output", str(tmp_path / "o"), "--strict"])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1 and ID not in err
    assert "row 2, column 'DECOM': unparseable date '…'" in err
    assert "without --strict the import lists them in import-quality.csv" in err
    # a refusal of the file quotes no record, and keeps its words
    (tmp_path / "episodes.csv").write_text(
        EPISODES.rstrip("\n") + ",DECOM\n" + f"{ID}1,2017-05-08,S,C2,N1,U1,PR1,,,,2017-06-01\n",
        encoding="utf-8",
    )
    code = main(["import", "--ssda903", str(tmp_path), "--output", str(tmp_path / "o")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1 and "the column 'DECOM' appears 2 times" in err
