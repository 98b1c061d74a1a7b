"""Mangled canonical folders (issue 15): every case a finding naming file, row and column.

Each test builds its own bad files in ``tmp_path``. Child identifiers used here are long and
distinctive (``KIDSECRET...``) so that a test can check none reaches a message or stderr.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding_metrics import cli
from safeguarding_metrics.model import DataError, Dataset, load_dataset
from safeguarding_metrics.model import files as dataset_module
from safeguarding_metrics.model.dataset import UnknownTableError, header_name
from safeguarding_metrics.model.tables import table_spec

KID = "KIDSECRET"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def referrals(n: int = 3, sep: str = "") -> str:
    lines = ["referral_id,child_id,referral_date,closure_date"]
    lines += [f"R{i},{KID}{i},2015-04-0{i + 1},{sep}" for i in range(n)]
    return "\n".join(lines) + "\n"


def counts_add_up(ds: Dataset) -> None:
    for row in ds.counts.itertuples(index=False):
        assert row.read == row.used + row.set_aside, row


def no_child_ids(ds: Dataset) -> None:
    text = ds.quality.to_csv() + ds.summary() + str(dict(ds.unusable))
    assert KID not in text


def reasons(ds: Dataset) -> list[str]:
    return ds.quality["reason"].astype(str).tolist()


# -- folder contents ---------------------------------------------------------------------------


def test_misnamed_and_stray_files_are_noted_by_name(tmp_path: Path) -> None:
    write(tmp_path, "Referrals.CSV", referrals())
    write(tmp_path, "cp-plans.csv", "plan_id,child_id,start_date\nP1,KIDSECRET0,2015-04-01\n")
    write(tmp_path, "children.txt", "child_id\nKIDSECRET0\n")
    write(tmp_path, "notes.docx", "not a table")
    write(tmp_path, "import-notes.txt", "written by the importer")  # a known companion
    write(tmp_path, "import-quality.csv", "table,file\n")
    (tmp_path / "visits.csv").mkdir()
    ds = load_dataset(tmp_path)
    by_file = {Path(f).name: r for f, r in zip(ds.quality["file"], reasons(ds), strict=True)}
    assert "read as it; name it referrals.csv" in by_file["Referrals.CSV"]
    assert "name it cp_plans.csv" in by_file["cp-plans.csv"]
    assert "looks like the table children" in by_file["children.txt"]
    assert "not read" in by_file["children.txt"]
    assert "not a table file" in by_file["notes.docx"]
    assert "a folder, not a file, named like the table visits" in by_file["visits.csv"]
    assert "import-notes.txt" not in by_file and "import-quality.csv" not in by_file
    assert len(ds.tables["referrals"]) == 3 and len(ds.tables["cp_plans"]) == 1
    assert "children" not in ds.tables
    summary = ds.summary()
    assert "notes.docx" in summary and "children.txt" in summary
    assert set(ds.quality.loc[ds.quality["file"].str.endswith("notes.docx"), "action"]) == {
        "not read"
    }
    counts_add_up(ds)
    no_child_ids(ds)


def test_a_misnamed_file_beside_the_canonical_one_is_not_read(tmp_path: Path) -> None:
    write(tmp_path, "referrals.csv", referrals(2))
    write(tmp_path, "Referrals.csv", referrals(3))
    ds = load_dataset(tmp_path)
    assert len(ds.tables["referrals"]) == 2
    assert any("referrals.csv is there too" in r for r in reasons(ds))


def test_two_misnamed_files_for_one_table_are_neither_read(tmp_path: Path) -> None:
    write(tmp_path, "Referrals.csv", referrals(2))
    write(tmp_path, "REFERRALS.CSV", referrals(3))
    write(tmp_path, "children.csv", "child_id\nKIDSECRET0\n")
    ds = load_dataset(tmp_path)
    assert "referrals" not in ds.tables
    assert sum("none is read" in r for r in reasons(ds)) == 2


def test_a_folder_with_only_a_misnamed_text_file_says_what_to_do(tmp_path: Path) -> None:
    write(tmp_path, "referrals.txt", referrals())
    with pytest.raises(DataError, match=r"referrals\.txt looks like the table referrals"):
        load_dataset(tmp_path)


# -- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Referral Date", "referral_date"),
        ("referral-date", "referral_date"),
        ("  REFERRAL_DATE ", "referral_date"),
        ("Referral\nDate", "referral_date"),
        ("Referral Date:", "referral_date"),
        ("referral_date *", "referral_date"),
        ("\ufeffreferral_date", "referral_date"),
        ("referral\u200b_date", "referral_date"),
        ("Sum of previous_plans", "previous_plans"),
        ("Count of Previous Plans", "previous_plans"),
        ("la", "la"),
    ],
)
def test_header_names_as_exports_decorate_them(header: str, name: str) -> None:
    assert header_name(header) == name


def test_decorated_headers_are_read_and_noted(tmp_path: Path) -> None:
    write(
        tmp_path,
        "cp_plans.csv",
        'Plan ID,Child-ID,"Start\nDate",Sum of Previous Plans,Notes\n'
        "P1,KIDSECRET1,2015-04-01,2,x\n",
    )
    ds = load_dataset(tmp_path)
    plans = ds.tables["cp_plans"]
    assert plans["previous_plans"].tolist() == [2]
    assert plans["start_date"].tolist() == [pd.Timestamp("2015-04-01")]
    found = reasons(ds)
    assert "header 'Sum of Previous Plans' read as column 'previous_plans'" in found
    assert "column 'Notes' is not a column of table cp_plans; kept and ignored" in found


def test_duplicated_headers_name_the_column(tmp_path: Path) -> None:
    write(
        tmp_path,
        "referrals.csv",
        "referral_id,child_id,referral_date,Referral Date,closure_date,Closure-Date\n"
        "R1,KIDSECRET1,2015-04-01,2015-04-01,2015-05-01,2015-05-02\n"
        "R2,KIDSECRET2,2015-04-02,2015-04-02,,\n",
    )
    ds = load_dataset(tmp_path)
    q = ds.quality.set_index("column")
    same = q.loc["referral_date", "reason"]
    assert "appears 2 times (C ('referral_date'), D ('Referral Date'))" in same
    assert "read once" in same
    differ = q.loc["closure_date"]
    assert differ["severity"] == "error" and "first at row 2" in differ["reason"]
    assert ds.tables["referrals"]["referral_date"].notna().all()
    assert ds.tables["referrals"]["closure_date"].isna().all()  # left out: which is right?
    counts_add_up(ds)


def test_internal_column_names_are_ignored_with_a_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        "referrals.csv",
        "_row,child,referral_id,child_id,referral_date\n9,x,R1,KIDSECRET1,2015-04-01\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.tables["referrals"]["_row"].tolist() == [2]
    assert sum("a name the loader uses itself" in r for r in reasons(ds)) == 2
    frame = pd.DataFrame(
        {"referral_id": ["R1"], "child_id": ["K1"], "referral_date": ["2015-04-01"], "child": [1]}
    )
    assert Dataset.from_frames({"referrals": frame}).tables["referrals"]["child"].tolist() == [0]


# -- rows with too many or too few values ------------------------------------------------------


def test_a_trailing_comma_on_every_row_does_not_shift_columns(tmp_path: Path) -> None:
    write(tmp_path, "referrals.csv", referrals(3, sep=","))
    ds = load_dataset(tmp_path)
    ref = ds.tables["referrals"]
    assert ref["referral_id"].tolist() == ["R0", "R1", "R2"]
    assert sorted(ds.child_ids) == [f"{KID}{i}" for i in range(3)]
    assert ref["referral_date"].tolist() == list(
        pd.to_datetime(["2015-04-01", "2015-04-02", "2015-04-03"])
    )
    [warning] = reasons(ds)
    assert "3 row(s) (first at this row) end with one empty value more" in warning
    assert ds.quality["row"].tolist() == [2]
    counts_add_up(ds)


def test_ragged_rows_are_set_aside_naming_row_and_column(tmp_path: Path) -> None:
    write(
        tmp_path,
        "referrals.csv",
        "referral_id,child_id,referral_date,closure_date\n"
        "R1,KIDSECRET1,2015-04-01,\n"
        "R2,KIDSECRET2\n"  # too few
        "R3,KIDSECRET3,2015-04-03,2015-05-01,RC1,x\n"  # too many
        "\n"
        "R4,KIDSECRET4,2015-04-04,\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.tables["referrals"]["referral_id"].tolist() == ["R1", "R4"]
    q = ds.quality
    few = q[q["row"] == 3].iloc[0]
    assert (
        few["column"] == "referral_date" and "the row has 2 value(s), the header 4" in few["reason"]
    )
    many = q[q["row"] == 4].iloc[0]
    assert "2 value(s) after the last column 'closure_date'" in many["reason"]
    assert set(q["action"]) == {"set aside"}
    [count] = ds.counts.itertuples(index=False)
    assert (count.read, count.used, count.set_aside) == (4, 2, 2)
    no_child_ids(ds)


def test_an_unclosed_quote_sets_aside_the_rest_naming_the_row(tmp_path: Path) -> None:
    write(
        tmp_path,
        "referrals.csv",
        "referral_id,child_id,referral_date\n"
        "R1,KIDSECRET1,2015-04-01\n"
        'R2,"KIDSECRET2,2015-04-02\n'
        "R3,KIDSECRET3,2015-04-03\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.tables["referrals"]["referral_id"].tolist() == ["R1"]
    q = ds.quality
    first = q[q["row"] == 3].iloc[0]
    assert first["column"] == "child_id" and "never closed" in first["reason"]
    assert "inside the quote left open at row 3" in q[q["row"] == 4].iloc[0]["reason"]
    counts_add_up(ds)
    assert ds.counts.iloc[0]["read"] == 3
    no_child_ids(ds)


def test_strict_stops_on_a_ragged_row(tmp_path: Path) -> None:
    write(tmp_path, "referrals.csv", "referral_id,child_id,referral_date\nR1,K1\n")
    with pytest.raises(DataError, match="row 2"):
        load_dataset(tmp_path, strict=True)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    cells=st.lists(
        st.lists(
            st.text(alphabet=st.sampled_from(list('ab ,"\n1é')), max_size=4), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_trailing_commas_read_as_the_file_without_them(tmp_path_factory, cells) -> None:
    """The careful reader on a file with a trailing comma on every row gives the frame the
    fast reader gives on the same file without them."""

    def field(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    header = "referral_id,child_id,referral_date"
    body = [",".join(field(c) for c in row) for row in cells]
    folder = tmp_path_factory.mktemp("trailing")
    plain = write(folder, "plain.csv", "\n".join([header, *body]) + "\n")
    comma = write(folder, "comma.csv", "\n".join([header, *(b + "," for b in body)]) + "\n")
    spec = table_spec("referrals")
    frame_a, rows_a, faults_a = dataset_module.read_table_file(plain, spec)
    frame_b, rows_b, faults_b = dataset_module.read_table_file(comma, spec)
    assert not faults_a and len(faults_b) == 1
    pd.testing.assert_frame_equal(frame_a, frame_b)
    np.testing.assert_array_equal(rows_a, rows_b)


# -- la ----------------------------------------------------------------------------------------


def _pooled_folder(folder: Path, children_las: list[str]) -> None:
    lines = ["child_id,date_of_birth,la"] + [
        f"{KID}{i},2010-01-01,{la}" for i, la in enumerate(children_las)
    ]
    write(folder, "children.csv", "\n".join(lines) + "\n")
    write(folder, "referrals.csv", referrals(len(children_las)))


def test_la_in_children_only_with_one_code_is_one_authority(tmp_path: Path) -> None:
    _pooled_folder(tmp_path, ["372", "372", "372"])
    ds = load_dataset(tmp_path)
    assert ds.n_children == 3  # not six: the referrals' children are the same children
    assert ds.las == ("372",)
    assert ds.tables["referrals"]["la"].tolist() == ["372"] * 3
    [note] = [r for r in reasons(ds) if "la" in r]
    assert "the table gives no 'la'" in note and "taken as authority '372'" in note
    counts_add_up(ds)


def test_la_in_children_only_with_several_codes_sets_aside_what_cannot_be_placed(
    tmp_path: Path,
) -> None:
    _pooled_folder(tmp_path, ["372", "373", "372"])
    ds = load_dataset(tmp_path)
    assert "referrals" in ds.tables and len(ds.tables["referrals"]) == 0
    q = ds.quality[ds.quality["table"] == "referrals"]
    assert q["row"].tolist() == [2, 3, 4] and set(q["column"]) == {"la"}
    assert "holds several (372, 373)" in q.iloc[0]["reason"]
    counts_add_up(ds)
    with pytest.raises(DataError, match="several"):
        load_dataset(tmp_path, strict=True)


def test_an_empty_la_column_is_one_authority(tmp_path: Path) -> None:
    write(tmp_path, "children.csv", "child_id,la\nKIDSECRET1,\nKIDSECRET2, \n")
    write(tmp_path, "referrals.csv", referrals(2))
    ds = load_dataset(tmp_path)
    assert ds.las == () and ds.n_children == 3


# -- identifiers -------------------------------------------------------------------------------


def test_invisible_characters_in_ids_are_removed_with_a_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        "referrals.csv",
        "referral_id,child_id,referral_date\n"
        "R1,KIDSECRET1,2015-04-01\n"
        "R2,KIDSECRET1\u200b,2015-04-02\n"
        "R3,\ufeffKIDSECRET1,2015-04-03\n"
        "R4,\u00a0KIDSECRET1\u00a0,2015-04-04\n"
        "R5,\u200b,2015-04-05\n",
    )
    ds = load_dataset(tmp_path)
    assert list(ds.child_ids) == ["KIDSECRET1"]
    q = ds.quality
    warning = q[q["severity"] == "warning"].iloc[0]
    assert warning["column"] == "child_id" and warning["row"] == 3
    assert warning["reason"].startswith("3 identifier(s) in this column held invisible")
    assert q[q["row"] == 6].iloc[0]["reason"] == "required value is empty"
    counts_add_up(ds)
    no_child_ids(ds)


def test_ids_differing_only_by_case_are_a_warning(tmp_path: Path) -> None:
    write(
        tmp_path,
        "referrals.csv",
        "referral_id,child_id,referral_date\nR1,KIDSECRET1,2015-04-01\nR2,kidsecret1,2015-04-01\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.n_children == 2  # still two children, as the contract says
    [reason] = reasons(ds)
    assert "2 child identifiers differ from another only by upper or lower case" in reason
    assert "kidsecret" not in reason.lower()


# -- files that are not what they say ----------------------------------------------------------


def test_a_workbook_renamed_csv_is_named_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "referrals.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    write(tmp_path, "children.csv", "child_id\nKIDSECRET1\n")
    ds = load_dataset(tmp_path)
    assert "Excel workbook" in ds.unusable["referrals"]
    assert "save it as CSV UTF-8" in ds.unusable["referrals"]
    assert ds.n_children == 1


def test_a_dos_code_page_850_file_is_read_with_the_encoding_named(tmp_path: Path) -> None:
    write(tmp_path, "workers.csv", "worker_id,team\nW1,Équipe Nord\nW2,Über\n", encoding="cp850")
    ds = load_dataset(tmp_path)
    assert ds.tables["workers"]["team"].tolist() == ["Équipe Nord", "Über"]
    [note] = reasons(ds)
    assert "DOS code page 850" in note


def test_a_nested_parquet_column_is_left_out_naming_it(tmp_path: Path) -> None:
    table = pa.table(
        {
            "referral_id": ["R1", "R2"],
            "child_id": ["KIDSECRET1", "KIDSECRET2"],
            "referral_date": ["2015-04-01", "2015-04-02"],
            "source": pa.array([None, ["a", "b"]], type=pa.list_(pa.string())),
        }
    )
    pq.write_table(table, tmp_path / "referrals.parquet")
    ds = load_dataset(tmp_path)
    [fault] = ds.quality.itertuples(index=False)
    assert fault.column == "source" and fault.row == 2
    assert "lists or structures" in fault.reason and "list<" in fault.reason
    assert len(ds.tables["referrals"]) == 2
    counts_add_up(ds)


# -- values ------------------------------------------------------------------------------------


def test_mixed_time_zone_offsets_are_read_as_uk_time(tmp_path: Path) -> None:
    write(
        tmp_path,
        "contacts.csv",
        "contact_id,child_id,received_at\n"
        "K1,KIDSECRET1,2015-04-01T10:00+01:00\n"
        "K2,KIDSECRET1,2015-04-01T10:00Z\n"
        "K3,KIDSECRET1,2015-04-01T10:00\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.tables["contacts"]["received_at"].tolist() == list(
        pd.to_datetime(["2015-04-01 10:00", "2015-04-01 11:00", "2015-04-01 10:00"])
    )


def test_integers_beyond_64_bits_are_out_of_range(tmp_path: Path) -> None:
    write(
        tmp_path,
        "cp_plans.csv",
        "plan_id,child_id,start_date,previous_plans\n"
        "P1,KIDSECRET1,2015-04-01,99999999999999999999999\n"
        "P2,KIDSECRET2,2015-04-01,3\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.tables["cp_plans"]["previous_plans"].tolist() == [pd.NA, 3]
    [reason] = reasons(ds)
    assert reason.startswith("number out of range '99999999999999999999")


# -- the Python API ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [None, 42, ["a"]])
def test_load_dataset_says_what_it_expects(path: object) -> None:
    with pytest.raises(TypeError, match="expects the path of a dataset folder"):
        load_dataset(path)  # type: ignore[arg-type]


def test_from_frames_names_the_unknown_table_and_the_close_match() -> None:
    frame = pd.DataFrame({"referral_id": ["R1"]})
    with pytest.raises(UnknownTableError, match="did you mean 'referrals'") as caught:
        Dataset.from_frames({"referals": frame})
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("unknown table 'referals'")
    with pytest.raises(TypeError, match="must be a pandas DataFrame, not list"):
        Dataset.from_frames({"referrals": [1, 2]})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="mapping of table name"):
        Dataset.from_frames([frame])  # type: ignore[arg-type]
    with pytest.raises(UnknownTableError, match="did you mean 'cp_plans'"):
        load_dataset(".", tables=["cp_plan"])


# -- the command line --------------------------------------------------------------------------


def _mangled_folder(folder: Path) -> None:
    """Every loader case at once."""
    write(folder, "Referrals.CSV", referrals(3, sep=","))
    write(folder, "children.csv", f"child_id,la,child\n{KID}0,372,x\n{KID}1\u200b,372,y\n")
    write(folder, "workers.csv", "worker_id,team\nW1,Équipe\n", encoding="cp850")
    (folder / "allocations.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    write(
        folder,
        "cp_plans.csv",
        "plan_id,child_id,start_date,previous_plans,Start Date\n"
        f"P1,{KID}1,2015-04-01,99999999999999999999999,2015-04-01\n"
        f'P2,"{KID}2,2015-04-02\n',
    )
    write(
        folder,
        "contacts.csv",
        "contact_id,child_id,received_at\n"
        f"K1,{KID}1,2015-04-01T10:00+01:00\nK2,{KID}1,2015-04-01T10:00Z\n",
    )
    (folder / "visits.csv").mkdir()
    write(folder, "notes.txt", "hello")


@pytest.mark.parametrize("strict", [False, True])
def test_cli_validate_on_mangled_input_never_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], strict: bool
) -> None:
    _mangled_folder(tmp_path)
    code = cli.main(["validate", str(tmp_path), *(["--strict"] if strict else [])])
    out, err = capsys.readouterr()
    assert code == (1 if strict else 0)
    assert "internal error" not in err and KID not in err
    if not strict:
        assert KID not in out
        for text in (
            "notes.txt",
            "Excel workbook",
            "DOS code page 850",
            "trailing comma",
            "never closed",
            "out of range",
            "invisible",
            "loader uses itself",
        ):
            assert text in out, text


def test_cli_calculate_on_mangled_input_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _mangled_folder(tmp_path)
    code = cli.main(
        [
            "calculate",
            str(tmp_path),
            "--start",
            "2015-04-01",
            "--end",
            "2015-06-30",
            "--no-benchmarks",
            "--format",
            "csv",
            "--quiet",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "internal error" not in err and KID not in err and KID not in out
    assert "data-quality finding(s)" in err


def test_dates_still_parse_after_the_careful_reader(tmp_path: Path) -> None:
    write(tmp_path, "referrals.csv", referrals(2, sep=","))
    ds = load_dataset(tmp_path)
    assert ds.tables["referrals"]["referral_date"].min() == pd.Timestamp(dt.date(2015, 4, 1))


def test_a_wide_header_only_file_keeps_every_column(tmp_path: Path) -> None:
    names = [f"extra_{i}" for i in range(20)]
    write(tmp_path, "referrals.csv", ",".join(["referral_id", "child_id", "referral_date", *names]))
    frame, _rows, faults = dataset_module.read_table_file(
        tmp_path / "referrals.csv", table_spec("referrals")
    )
    assert frame is not None and len(frame.columns) == 23 and len(frame) == 0 and not faults
    write(
        tmp_path, "cp_plans.csv", "plan_id,child_id,start_date\n" + "P1,K1,2015-04-01" + ",x" * 30
    )
    ds = load_dataset(tmp_path, tables=["cp_plans"])
    assert "30 value(s) after the last column 'start_date'" in reasons(ds)[0]
    counts_add_up(ds)


@pytest.mark.parametrize(
    ("text", "encoding", "label"),
    [
        ("W1,café Nord\n", "cp850", "DOS code page 850"),  # \x82: a low quote in cp1252
        ("W1,O\u2019Brien café\n", "cp1252", "Windows-1252"),  # a smart quote does not vote
        ("W1,Équipe Nord\n", "cp1252", "Windows-1252"),  # \xc9: a box line in cp850
    ],
)
def test_code_page_850_or_windows_1252_by_the_letters_they_make(
    tmp_path: Path, text: str, encoding: str, label: str
) -> None:
    write(tmp_path, "workers.csv", "worker_id,team\n" + text, encoding=encoding)
    ds = load_dataset(tmp_path)
    assert ds.tables["workers"]["team"].tolist() == [text.strip().split(",", 1)[1]]
    [note] = reasons(ds)
    assert f"it was read as {label}" in note


def test_utf16_text_and_a_workbook_named_parquet_are_named(tmp_path: Path) -> None:
    (tmp_path / "referrals.csv").write_bytes(
        "referral_id\tchild_id\treferral_date\nR1\tK1\t2015-04-01\n".encode("utf-16")
    )
    (tmp_path / "cp_plans.parquet").write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    write(tmp_path, "children.csv", "child_id\nK1\n")
    ds = load_dataset(tmp_path)
    assert "UTF-16 text" in ds.unusable["referrals"]
    assert "save it as CSV UTF-8" in ds.unusable["referrals"]
    assert "Excel workbook" in ds.unusable["cp_plans"]
    assert "not a Parquet file" in ds.unusable["cp_plans"]


def test_ids_differing_only_by_case_within_one_authority_of_a_pooled_dataset() -> None:
    frame = pd.DataFrame(
        {
            "la": ["372", "373", "372"],
            "referral_id": ["R1", "R2", "R3"],
            "child_id": ["KIDSECRET1", "kidsecret1", "KIDSECRET2"],
            "referral_date": ["2015-04-01"] * 3,
        }
    )
    assert Dataset.from_frames({"referrals": frame}).quality.empty  # two authorities
    frame.loc[1, "la"] = "372"
    [reason] = reasons(Dataset.from_frames({"referrals": frame}))
    assert reason.startswith("2 child identifiers differ from another only by upper or lower")


def test_control_characters_in_values_do_not_confuse_the_careful_reader(tmp_path: Path) -> None:
    write(
        tmp_path,
        "workers.csv",
        'worker_id,team\r\nW1,a\x01b\x0bc,\r\nW2,"d\x1ce\r\nf",\r\nW3\r\n',
    )
    ds = load_dataset(tmp_path)
    assert ds.tables["workers"]["team"].tolist() == ["a\x01b\x0bc", "d\x1ce\r\nf"]
    assert [r for r in ds.quality["row"]] == [2, 4]  # the trailing commas, the short row
    counts_add_up(ds)


def test_infinite_numbers_are_not_numbers(tmp_path: Path) -> None:
    write(tmp_path, "workers.csv", "worker_id,fte\nW1,inf\nW2,1e999\nW3,0.5\n")
    ds = load_dataset(tmp_path)
    assert ds.tables["workers"]["fte"].tolist()[2] == 0.5
    assert ds.tables["workers"]["fte"].isna().sum() == 2
    assert reasons(ds)[0].startswith("not a number 'inf'")


def test_a_header_ending_with_a_comma_over_rows_without_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        "referrals.csv",
        "referral_id,child_id,referral_date,\nR0,K0,2015-04-01\nR1,K1,2015-04-02,\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.tables["referrals"]["referral_id"].tolist() == ["R0", "R1"]
    assert reasons(ds) == ["column D has no header; its 0 value(s) are ignored"]


def test_warnings_count_every_note_on_the_table_strict_or_not(tmp_path: Path) -> None:
    write(tmp_path, "Referrals.csv", referrals(2, sep=",").replace("closure_date", "Closure Date"))
    for strict in (False, True):
        ds = load_dataset(tmp_path, strict=strict)
        # the misnaming, the trailing commas, the decorated header
        assert ds.counts.iloc[0]["warnings"] == len(ds.quality) == 3


_HEADERS = st.sampled_from(
    ["referral_id", "Child ID", "referral-date", "Sum of nfa", "closure_date", "x", "", "la"]
)
_VALUES = st.sampled_from(
    [
        "R1",
        "R2",
        f"{KID}1",
        f"{KID}2\u200b",
        "2015-04-01",
        "01/04/2015",
        "Y",
        "",
        " ",
        '"',
        ",",
        "372",
        "\r\n",
        "é",
    ]
)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    header=st.lists(_HEADERS, max_size=4).map(
        lambda extra: ["referral_id", "child_id", "Referral Date", *extra]
    ),
    rows=st.lists(st.lists(_VALUES, max_size=8), max_size=8),
    trailing=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "cp850"]),
)
def test_any_mangled_referrals_file_is_read_with_counts_that_add_up(
    tmp_path_factory, header, rows, trailing, encoding
) -> None:
    """Whatever the file holds: no exception, counts add up, no child id in any message."""

    def field(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text

    lines = [",".join(field(h) for h in header)]
    lines += [",".join(field(v) for v in row) + ("," if trailing else "") for row in rows]
    folder = tmp_path_factory.mktemp("mangled")
    data = ("\n".join(lines) + "\n").encode(encoding, errors="replace")
    (folder / "referrals.csv").write_bytes(data)
    ds = load_dataset(folder)
    counts_add_up(ds)
    # the loader's own notes never quote a value (a value at fault is quoted by design)
    quoting = ("unparseable", "not a", "unknown code", "number out of range")
    own = ds.quality.loc[~ds.quality["reason"].astype(str).str.startswith(quoting), "reason"]
    assert not own.astype(str).str.contains(KID).any()
    assert KID not in ds.summary()
    # a line of one value that is only spaces (quoted or not) is skipped as blank
    blank = sum(1 for r in rows if not trailing and (not r or (len(r) == 1 and not r[0].strip())))
    if "referrals" in ds.tables:  # (a repeated required column makes it unusable)
        [count] = ds.counts.itertuples(index=False)
        assert count.read == len(rows) - blank


def test_records_without_la_are_compared_once_placed(tmp_path: Path) -> None:
    write(tmp_path, "children.csv", "child_id,la\nKIDSECRET1,372\nKIDSECRET2,372\n")
    write(
        tmp_path,
        "referrals.csv",
        "referral_id,child_id,referral_date,la\n"
        "R1,KIDSECRET1,2015-04-01,372\n"
        "R1,KIDSECRET1,2015-04-01,\n"  # the same record once placed: counted once
        "R2,KIDSECRET2,2015-04-02,372\n"
        "R2,KIDSECRET1,2015-04-03,\n"  # the same key, a different record: both set aside
        "R3,KIDSECRET2,2015-04-04,\n",
    )
    ds = load_dataset(tmp_path)
    assert ds.tables["referrals"]["_row"].tolist() == [2, 6]
    q = ds.quality[ds.quality["table"] == "referrals"].set_index("row")
    assert q.loc[3, "reason"].startswith("exact duplicate of row 2 once both are taken")
    assert q.loc[4, "severity"] == q.loc[5, "severity"] == "error"
    assert "duplicate key (referral_id)" in q.loc[5, "reason"]
    counts_add_up(ds)
    [count] = ds.counts[ds.counts["table"] == "referrals"].itertuples(index=False)
    assert (count.read, count.used, count.set_aside) == (5, 2, 3)


def test_every_reader_removes_the_same_header_decorations() -> None:
    """One place removes what exports add to a header (model.headers.undecorated): the loader,
    the SSDA903 reader and the Annex A reader read a pivot prefix, a line break, a BOM and a
    trailing colon alike."""
    from safeguarding_metrics.io.annex_a import normalise_header
    from safeguarding_metrics.io.ssda903 import column_name
    from safeguarding_metrics.model.headers import undecorated

    assert undecorated("\ufeffAverage of  Referral\nDate:") == "Referral Date"
    assert header_name("\ufeffAverage of  Referral\nDate:") == "referral_date"
    assert column_name("\ufeffAverage of  DE\u200bCOM:") == "DECOM"
    assert normalise_header("Sum of Number of Previous\nChild Protection Plans*") == (
        "number of previous child protection plans"
    )
