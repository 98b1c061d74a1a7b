"""The canonical tables: loading, validation, the data-quality table, child codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safeguarding_metrics.model import (
    CpPlan,
    DataError,
    Dataset,
    Referral,
    load_dataset,
    table_spec,
    table_specs,
)

CONTRACT_TABLES = [
    "children",
    "contacts",
    "referrals",
    "assessments",
    "section47",
    "cp_plans",
    "cp_reviews",
    "cin_plans",
    "care_episodes",
    "cla_reviews",
    "visits",
    "care_plans",
    "adoptions",
    "missing",
    "care_leavers",
    "workers",
    "allocations",
]


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    path.write_bytes(text.encode(encoding))
    return path


def counts_add_up(ds: Dataset) -> None:
    for row in ds.counts.itertuples(index=False):
        assert row.read == row.used + row.set_aside, row


def test_every_contract_table_is_specified() -> None:
    assert list(table_specs()) == CONTRACT_TABLES
    referrals = table_spec("referrals")
    assert referrals.required == ("referral_id", "child_id", "referral_date")
    assert referrals.key == ("referral_id",)
    assert table_spec("care_episodes").required == (
        "child_id",
        "start_date",
        "rne",
        "legal_status",
        "placement",
    )
    with pytest.raises(KeyError, match="canonical tables are"):
        table_spec("referals")


def test_clean_csv_loads_typed_with_child_codes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "referrals",
        "\ufeffReferral_ID , Child_ID,referral_date,nfa,closure_date,extra\n"
        "R1, C2 ,2015-04-01,Y,,x\n"
        "R2,C1,2015-05-01,false,2015-06-01,y\n",
    )
    write(tmp_path, "children", "child_id,date_of_birth\nC1,2010-01-01\nC2,2011-02-03\nC3,\n")
    ds = load_dataset(tmp_path)
    assert list(ds.child_ids) == ["C1", "C2", "C3"]
    ref = ds.tables["referrals"]
    assert ref["child"].tolist() == [1, 0]
    assert ref["referral_date"].dtype.kind == "M"
    assert ref["nfa"].tolist() == [True, False]
    assert "extra" in ref.columns  # unknown extra columns are kept and ignored
    assert ref["_row"].tolist() == [2, 3]  # spreadsheet rows: the header is row 1
    # the unknown column is named in a note (issue 15), nothing else is found
    assert ds.quality["reason"].tolist() == [
        "column 'extra' is not a column of table referrals; kept and ignored"
    ]
    counts_add_up(ds)


def test_faults_are_listed_with_file_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "referrals",
        "referral_id,child_id,referral_date,closure_date,closure_reason\n"
        "R1,C1,2015-04-01,2015-03-01,RC1\n"  # negative interval: closure left out only
        "R2,C1,31/04/2015,,\n"  # unparseable required date: set aside
        "R3,,2015-04-02,,\n"  # empty required id: set aside
        "R4,C2,2015-04-03,not a date,RC99\n"  # bad optional date + unknown code
        "R5,C3,2015-04-04,,\n"
        "R5,C4,2015-04-05,,\n"  # duplicate key: both set aside
        "R6,C5,2015-04-06,,\n"
        "R6,C5,2015-04-06,,\n",  # exact duplicate: counted once
    )
    ds = load_dataset(tmp_path)
    q = ds.quality
    assert set(q["file"]) == {str(path)}
    by_row = {(int(r.row), r.column): r for r in q.itertuples(index=False)}
    assert by_row[(2, "closure_date")].action == "field left out"
    assert by_row[(3, "referral_date")].action == "set aside"
    assert "unparseable date" in by_row[(3, "referral_date")].reason
    assert "day 31 in a 30-day month" in by_row[(3, "referral_date")].reason
    assert by_row[(4, "child_id")].reason == "required value is empty"
    assert by_row[(5, "closure_date")].action == "field left out"
    assert by_row[(5, "closure_reason")].severity == "warning"
    assert "RC99" in by_row[(5, "closure_reason")].reason
    assert by_row[(6, "referral_id")].action == "set aside"
    assert by_row[(7, "referral_id")].action == "set aside"
    assert by_row[(9, None)].reason.startswith("exact duplicate of row 8")
    counts = ds.counts.set_index("table").loc["referrals"]
    assert (counts["read"], counts["used"], counts["set_aside"]) == (8, 3, 5)
    assert counts["fields_left_out"] == 2
    counts_add_up(ds)
    # the record with a bad closure date still counts as a referral...
    assert sorted(ds.view("referrals", ["referral_id", "referral_date"])["referral_id"]) == [
        "R1",
        "R4",
        "R6",
    ]
    # ...but not for indicators that read the closure date
    assert sorted(ds.view("referrals", ["referral_id", "closure_date"])["referral_id"]) == ["R6"]


def test_messages_never_show_child_ids(tmp_path: Path) -> None:
    write(
        tmp_path,
        "cp_plans",
        "plan_id,child_id,start_date,end_date\n"
        "P1,SECRET-CHILD-1,2015-04-01,2015-03-01\n"
        "P1,SECRET-CHILD-2,2015-04-01,\n"
        "P2,SECRET-CHILD-3,bad,\n",
    )
    ds = load_dataset(tmp_path)
    assert not ds.quality.astype(str).apply(lambda c: c.str.contains("SECRET")).any().any()
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path, strict=True)
    assert "SECRET" not in str(err.value)


def test_strict_stops_on_the_first_error_with_file_row_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "referrals",
        "referral_id,child_id,referral_date\nR1,C1,2015-04-01\nR2,C1,2015-13-01\nR3,C1,\n",
    )
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path, strict=True)
    message = str(err.value)
    assert str(path) in message and "row 3" in message and "'referral_date'" in message


def test_unknown_code_does_not_stop_a_strict_run(tmp_path: Path) -> None:
    write(tmp_path, "missing", "child_id,start_date,kind\nC1,2015-04-01,X\n")
    ds = load_dataset(tmp_path, strict=True)
    assert len(ds.tables["missing"]) == 1
    assert ds.quality.iloc[0]["severity"] == "warning"


def test_missing_required_column_makes_the_table_unusable(tmp_path: Path) -> None:
    write(tmp_path, "referrals", "referral_id,child_id\nR1,C1\nR2,C2\n")
    write(tmp_path, "children", "child_id\nC1\n")
    ds = load_dataset(tmp_path)
    assert "referrals" in ds.unusable and "referral_date" in ds.unusable["referrals"]
    assert not ds.has("referrals") and ds.has("children")
    row = ds.counts.set_index("table").loc["referrals"]
    assert (row["read"], row["set_aside"]) == (2, 2)
    with pytest.raises(DataError, match="referral_date"):
        load_dataset(tmp_path, strict=True)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (
            b"referral_id,Referral_ID,child_id,referral_date\nR1,R2,C1,2015-04-01\n",
            "appears 2 times",
        ),
    ],
)
def test_unreadable_files_are_reported_not_raised(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    (tmp_path / "referrals.csv").write_bytes(content)
    write(tmp_path, "children", "child_id\nC1\n")
    ds = load_dataset(tmp_path)
    assert "referrals" in ds.unusable
    assert expected in ds.unusable["referrals"]


def test_windows_1252_file_is_read_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "workers", "worker_id,team\nW1,Équipe Nord\n", encoding="cp1252")
    ds = load_dataset(tmp_path)
    assert ds.tables["workers"]["team"].tolist() == ["Équipe Nord"]
    assert "Windows-1252" in ds.quality.iloc[0]["reason"]


def test_parquet_and_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "referral_id": ["R1", "R2"],
            "child_id": ["C1", "C2"],
            "referral_date": pd.to_datetime(["2015-04-01", "2015-05-01"]),
        }
    )
    frame.to_parquet(tmp_path / "referrals.parquet")
    ds = load_dataset(tmp_path)
    assert ds.tables["referrals"]["referral_date"].tolist() == list(frame["referral_date"])


def test_not_a_folder_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a dataset folder"):
        load_dataset(tmp_path / "nope")
    with pytest.raises(DataError, match="no canonical table"):
        load_dataset(tmp_path)


def test_ids_are_case_sensitive_and_stripped() -> None:
    ds = Dataset.from_frames(
        {
            "referrals": pd.DataFrame(
                {
                    "referral_id": ["R1", "R2", "R3"],
                    "child_id": ["C01", " c01 ", "C01 "],
                    "referral_date": ["2015-04-01"] * 3,
                }
            )
        }
    )
    assert list(ds.child_ids) == ["C01", "c01"]
    assert ds.tables["referrals"]["child"].tolist() == [0, 1, 0]


def test_from_records_matches_from_csv(tmp_path: Path) -> None:
    records = [
        Referral(referral_id="R1", child_id="C1", referral_date=dt.date(2015, 4, 1), nfa=True),
        CpPlan(plan_id="P1", child_id="C1", start_date=dt.date(2015, 5, 1), previous_plans=2),
    ]
    ds = Dataset.from_records(records)
    assert ds.tables["referrals"]["nfa"].tolist() == [True]
    assert ds.tables["cp_plans"]["previous_plans"].tolist() == [2]
    assert ds.tables["cp_plans"]["start_date"].iloc[0] == pd.Timestamp("2015-05-01")
    with pytest.raises(TypeError, match="not a record type"):
        Dataset.from_records([object()])


def test_pooled_dataset_identifies_children_by_la() -> None:
    ds = Dataset.from_frames(
        {
            "referrals": pd.DataFrame(
                {
                    "la": ["372", "373", "372"],
                    "referral_id": ["R1", "R1", "R2"],
                    "child_id": ["C1", "C1", "C1"],
                    "referral_date": ["2015-04-01"] * 3,
                }
            )
        }
    )
    # the same id in two councils is two children; referral ids are unique per council
    assert ds.n_children == 2
    assert ds.las == ("372", "373")
    assert sorted(ds.child_la(ds.tables["referrals"]["child"])) == ["372", "372", "373"]
    assert ds.quality.empty


def test_out_of_range_dates_and_bad_numbers() -> None:
    ds = Dataset.from_frames(
        {
            "cp_plans": pd.DataFrame(
                {
                    "plan_id": ["P1", "P2", "P3"],
                    "child_id": ["C1", "C2", "C3"],
                    "start_date": ["2015-04-01", "2015-04-01", "0201-04-01"],
                    "end_date": ["9999-12-31", None, None],
                    "previous_plans": ["1", "1.5", "x"],
                }
            )
        }
    )
    reasons = ds.quality["reason"].tolist()
    assert any("out of range" in r for r in reasons)
    assert sum("not a whole number" in r for r in reasons) == 2
    assert len(ds.tables["cp_plans"]) == 2  # P3's required start date is unusable
    plans = ds.tables["cp_plans"]
    assert plans["previous_plans"].isna().all() or plans["previous_plans"].tolist()[0] == 1
    counts_add_up(ds)


def test_view_rejects_unknown_columns() -> None:
    ds = Dataset.from_records(
        [Referral(referral_id="R1", child_id="C1", referral_date=dt.date(2015, 4, 1))]
    )
    with pytest.raises(KeyError, match="no column"):
        ds.view("referrals", ["referal_date"])
    assert np.array_equal(ds.decode_children([0]), np.array(["C1"], dtype=object))
