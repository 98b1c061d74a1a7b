"""The synthetic returns of ../shared/data/fake-returns imported, counts checked against the files.

The expected counts are taken from the files independently (ElementTree, the csv module,
openpyxl), not from the importer.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from safeguarding_metrics.io import import_returns, read_annex_a, read_cin_census, read_ssda903
from safeguarding_metrics.io.ssda903 import group_returns

FAKE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fake-returns"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not FAKE.is_dir(), reason=f"synthetic returns not found at {FAKE}"),
]


def _read(extract, table: str) -> int:
    return sum(len(f) for f in extract.frames.get(table, []))


def _balanced(result) -> None:
    counts = result.counts
    assert (counts["read"] == counts["used"] + counts["merged"] + counts["set_aside"]).all()
    assert (counts[["used", "merged", "set_aside"]] >= 0).all().all()


def _cin_expected(path: Path) -> dict[str, int]:
    root = ET.parse(path).getroot()
    return {
        "children": len(root.findall(".//Child")),
        "referrals": len(root.findall(".//CINdetails")),
        "assessments": len(root.findall(".//CINdetails/Assessments")),
        "cin_plans": len(root.findall(".//CINdetails/CINPlanDates")),
        "section47": len(root.findall(".//CINdetails/Section47")),
        "cp_plans": len(root.findall(".//CINdetails/ChildProtectionPlans")),
        "cp_reviews": len(root.findall(".//ChildProtectionPlans/Reviews/CPPreviewDate")),
    }


@pytest.mark.parametrize("name", sorted(p.name for p in (FAKE / "cin-census").glob("*.xml")))
def test_cin_census_counts(name: str) -> None:
    path = FAKE / "cin-census" / name
    extract = read_cin_census(path)
    expected = _cin_expected(path)
    assert {t: _read(extract, t) for t in expected} == expected
    result = import_returns(cin=[path])
    _balanced(result)
    read = result.counts.groupby("table")["read"].sum()
    for table, n in expected.items():
        assert read.get(table, 0) == n


def test_cin_census_mapping() -> None:
    result = import_returns(cin=[FAKE / "cin-census" / "CIN_Census_2024.xml"])
    plans = result.frames["cp_plans"]
    assert plans.loc[0, "start_date"] == "2022-02-17"
    assert plans.loc[0, "initial_category"] == "PHY"
    assert plans.loc[0, "previous_plans"] == "10" or plans.loc[0, "previous_plans"] == "1"
    reviews = result.frames["cp_reviews"]
    assert reviews.loc[0, "plan_id"] == plans.loc[0, "plan_id"]
    assessments = result.frames["assessments"]
    assert set(assessments["referral_id"]) <= set(result.frames["referrals"]["referral_id"])
    children = result.frames["children"].set_index("child_id")
    assert children.loc["child_fails_assessments", "sex"] == "1"  # <Sex>M</Sex>
    # the authorisation before the start is a negative interval, reported at its element
    q = result.quality
    hit = q[(q["table"] == "assessments") & (q["column"] == "AssessmentAuthorisationDate")]
    assert len(hit) == 1 and hit.iloc[0]["row"] == 43


def test_cin_census_years_combined() -> None:
    files = sorted((FAKE / "cin-census").glob("CIN_Census_20*.xml"))
    result = import_returns(cin=files)
    _balanced(result)
    # the 2026 file repeats the 2024 one: merged, not doubled (2021's referral is another)
    assert len(result.frames["referrals"]) == 3
    merged = result.counts.set_index(["file", "table"])["merged"]
    assert merged[(str(files[2]), "referrals")] == 2
    # 2021 and 2024 disagree on the first child's date of birth: both set aside, reported
    q = result.quality
    conflict = q[(q["table"] == "children") & q["reason"].str.contains("differ in date_of_birth")]
    assert len(conflict) == 2
    assert "DfEX0000001" not in " ".join(q["reason"])


def _csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


MAPPED = {
    "header.csv": "children",
    "episodes.csv": "care_episodes",
    "episodes_edge_cases.csv": "care_episodes",
    "reviews.csv": "cla_reviews",
    "missing.csv": "missing",
    "oc3.csv": "care_leavers",
    "ad1.csv": "adoptions",
    "placed_for_adoption.csv": "adoptions",
}


def test_ssda903_csv_counts() -> None:
    folder = FAKE / "ssda903"
    csvs = sorted(folder.glob("*.csv"))
    result = import_returns(ssda903=csvs)
    _balanced(result)
    names = result.counts["file"].map(lambda f: Path(f).name)
    counts = result.counts.set_index([names, "table"])
    for name, table in MAPPED.items():
        assert counts.loc[(name, table), "read"] == _csv_rows(folder / name), name
    # tables with no canonical home are named in the notes with their row counts
    for name in ("uasc.csv", "oc2.csv", "previous_permanence.csv", "sw_episodes.csv"):
        note = next(n for n in result.notes if n.startswith(name))
        assert f"{_csv_rows(folder / name)} rows" in note
    # renamed files are recognised by their columns
    assert set(names) >= set(MAPPED)


def test_ssda903_xml_counts() -> None:
    path = FAKE / "ssda903" / "fake_903.xml"
    root = ET.parse(path).getroot()
    extract = read_ssda903([path])
    assert _read(extract, "children") == len(root.findall("CHILD"))
    assert _read(extract, "care_episodes") == len(root.findall("CHILD/EPISODE"))
    assert _read(extract, "cla_reviews") == len(root.findall("CHILD/HEADER/AREVIEW"))
    assert _read(extract, "missing") == len(root.findall("CHILD/HEADER/AMISSING"))
    assert _read(extract, "care_leavers") == len(root.findall("CHILD/HEADER/IN_TOUCH"))
    assert _read(extract, "adoptions") == len(root.findall("CHILD/HEADER/DATE_INT")) + len(
        root.findall("CHILD/HEADER/AD_PLACED")
    )


def test_ssda903_multiyear_history() -> None:
    folder = FAKE / "ssda903-multiyear"
    groups = group_returns([folder])
    assert len(groups) == 5 and all(len(g) == 4 for g in groups)
    result = import_returns(ssda903=[folder])
    _balanced(result)
    read = result.counts.groupby("table")["read"].sum()
    for table, suffix in (
        ("care_episodes", "episodes"),
        ("cla_reviews", "reviews"),
        ("children", "header"),
        ("missing", "missing"),
    ):
        assert read[table] == sum(_csv_rows(p) for p in folder.glob(f"*-{suffix}.csv"))
    headers = pd.concat([pd.read_csv(p, dtype=str) for p in sorted(folder.glob("*-header.csv"))])
    # the same child in five returns is one child: distinct ids, less those in conflict
    children = result.frames["children"]
    conflicted = result.quality[
        (result.quality["table"] == "children") & (result.quality["severity"] == "error")
    ]
    assert children["child_id"].is_unique
    assert len(children) <= headers["CHILD"].nunique()
    assert len(children) + len(conflicted) >= headers["CHILD"].nunique()
    episodes = result.frames["care_episodes"]
    assert not episodes.duplicated(["child_id", "start_date"]).any()
    eps = pd.concat([pd.read_csv(p, dtype=str) for p in folder.glob("*-episodes.csv")])
    assert len(episodes) <= eps[["CHILD", "DECOM"]].drop_duplicates().shape[0]


def test_annex_a_counts() -> None:
    import openpyxl

    path = FAKE / "annex-a" / "Annex_A.xlsx"
    book = openpyxl.load_workbook(path, read_only=True)
    rows = {
        ws.title: sum(1 for r in ws.iter_rows(min_row=2, values_only=True) if any(r))
        for ws in book.worksheets
    }
    book.close()
    extract = read_annex_a(path)
    assert _read(extract, "contacts") == rows["List 1"]
    assert _read(extract, "assessments") == rows["List 4"]
    assert _read(extract, "section47") == rows["List 5"]
    assert _read(extract, "referrals") == rows["List 3"] + rows["List 6"]
    assert _read(extract, "cp_plans") == rows["List 7"]
    assert _read(extract, "adoptions") == rows["List 10"]
    assert _read(extract, "children") == sum(
        rows[f"List {i}"] for i in range(1, 11) if i not in (2, 9)
    )
    result = import_returns(annex_a=[path])
    _balanced(result)
    notes = " ".join(result.notes)
    assert "list 9" in notes and "recorded_date" in notes
    assert "care_leavers" not in result.frames
    # option prefixes and code labels reduced to codes
    referrals = result.frames["referrals"]
    assert set(referrals["source"].dropna()) <= {
        "1A",
        "1B",
        "1C",
        "1D",
        "2A",
        "2B",
        "3A",
        "3B",
        "3C",
        "3D",
        "3E",
        "3F",
        "4",
        "5A",
        "5B",
        "5C",
        "5D",
        "6",
        "7",
        "8",
        "9",
        "10",
    }
    assert set(result.frames["cp_plans"]["initial_category"].dropna()) <= {
        "NEG",
        "PHY",
        "SAB",
        "EMO",
        "MUL",
    }


def test_everything_loads_back(tmp_path: Path) -> None:
    import safeguarding_metrics as sm
    from safeguarding_metrics.io import write_dataset

    result = import_returns(
        cin=sorted((FAKE / "cin-census").glob("*.xml")),
        ssda903=[FAKE / "ssda903"],
        annex_a=[FAKE / "annex-a" / "Annex_A.xlsx"],
    )
    write_dataset(result, tmp_path / "ds")
    dataset = sm.load_dataset(tmp_path / "ds")
    c = dataset.counts
    assert (c["read"] == c["used"] + c["set_aside"]).all()
    # the importer already set aside what the loader would: nothing more is set aside
    assert c["set_aside"].sum() == 0
    for name, frame in result.frames.items():
        assert c.set_index("table").loc[name, "read"] == len(frame)
