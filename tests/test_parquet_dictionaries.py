"""Parquet text read as Arrow dictionaries and cleaned on them (issue 20, fifth part).

The shared text columns of a Parquet file (codes, free text, child identifiers) are read as
``pd.ArrowDtype(dictionary<..., string>)``; cleaning takes their dictionary instead of hashing
every row. These tests check that nothing a council sees changes: a file written with
dictionary pages, one written without, one holding pandas ``Categorical`` columns (with
categories no row uses) and the file read as before (every column plain) load identically,
and the same as the reference path.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding_metrics import load_dataset
from safeguarding_metrics.model import Dataset, table_spec
from safeguarding_metrics.model import files as files_module
from safeguarding_metrics.model.clean import (
    TEXT_DTYPE,
    _arrow_text,
    _text_coded,
    clean_table,
)
from safeguarding_metrics.model.coded import MISSING
from safeguarding_metrics.model.files import read_table_file
from safeguarding_metrics.synthetic import generate

from .test_loading_paths import _mangled, _write, assert_same_dataset

#: Values a shared text column may hold: padded, empty, blank, invisible characters, defused.
_CELLS = ("A1", " A1", "A1 ", "\u00a0A1", "A1\u200b", "\ufeffB2", "'-C3", "", "   ", "B2", None)


def _shared_columns(name: str, frame: pd.DataFrame) -> list[str]:
    """The columns of a generated table the reader takes as dictionaries."""
    spec = table_spec(name)
    return [
        c
        for c in frame.columns
        if c in spec.column_names
        and (spec.column(c).kind in ("code", "text") or c.endswith("child_id"))
    ]


def _as_categoricals(frames: dict[str, pd.DataFrame], folder: Path) -> None:
    """The tables as Parquet with their shared text columns (and a record id) as pandas
    ``Categorical``, each with a category no row uses (and the child ids' unused category an
    identifier of no child)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        out = frame.copy()
        spec = table_spec(name)
        ids = [c for c in out.columns if c in spec.column_names and spec.column(c).kind == "id"]
        for column in {*_shared_columns(name, out), *ids[:1]}:
            held = out[column].map(lambda v: v if v is None or pd.isna(v) else str(v))
            values = sorted({v for v in held if isinstance(v, str)})
            out[column] = pd.Categorical(held.where(held.notna(), None), [*values, "UNUSED 9"])
        for column in out.columns:
            if out[column].dtype == object:
                out[column] = out[column].map(lambda v: v if v is None else str(v))
        out.to_parquet(folder / f"{name}.parquet", index=False)


def _without_dictionary_pages(folder: Path, to: Path) -> None:
    """The folder's Parquet files written again with plain pages only."""
    to.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.parquet"):
        pq.write_table(pq.read_table(path), to / path.name, use_dictionary=False)


def _as_before(folder: Path) -> Dataset:
    """The folder loaded as before this change: every text column read as plain text."""
    with mock.patch.object(files_module, "_shared_text", lambda *_: []):
        return load_dataset(folder, cache=False)


def _loads(folder: Path) -> list[Dataset]:
    """The folder loaded with the shared columns the file holds by dictionaries read as
    dictionaries, and with every shared text column read as dictionaries (even one written
    in plain pages: Arrow builds its dictionary)."""
    chosen = load_dataset(folder, cache=False)
    with mock.patch.object(files_module, "_held_as_dictionary", lambda *_: True):
        every = load_dataset(folder, cache=False)
    return [chosen, every]


def _check_every_form(frames: dict[str, pd.DataFrame], root: Path) -> None:
    """Dictionary pages, plain pages, Categoricals, the plain read and the reference path all
    give the same dataset (each form written in turn to the same folder, so that findings
    name the same files)."""
    folder = root / "council"
    _write(frames, root / "pages", "parquet")
    shutil.copytree(root / "pages", folder)
    expected = _as_before(folder)
    assert_same_dataset(load_dataset(folder, cache=False, _reference=True), expected)
    for loaded in _loads(folder):
        assert_same_dataset(loaded, expected)
    shutil.rmtree(folder)
    _without_dictionary_pages(root / "pages", folder)
    for loaded in _loads(folder):
        assert_same_dataset(loaded, expected)
    shutil.rmtree(folder)
    _as_categoricals(frames, folder)
    for loaded in [*_loads(folder), _as_before(folder)]:
        assert_same_dataset(loaded, expected)


def test_dirty_council_loads_the_same_from_dictionaries(tmp_path: Path) -> None:
    """The generated dirty council, every table, in every form."""
    _check_every_form(generate(scale=0.02, dirty=True), tmp_path)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(frames=_mangled())
def test_mangled_councils_load_the_same_from_dictionaries(
    tmp_path_factory: pytest.TempPathFactory, frames: dict[str, pd.DataFrame]
) -> None:
    """Mangled cells (padded, empty, invisible characters, defused), repeats, shared keys and
    authorities, with unused categories: the same dataset in every form."""
    _check_every_form(frames, tmp_path_factory.mktemp("dictionaries"))


def test_shared_text_is_read_as_dictionaries_and_the_rest_as_before(tmp_path: Path) -> None:
    """Codes, free text and child ids (by their canonical names) are Arrow dictionaries; a
    record id, a date and a council's Categorical record id keep ``pd.read_parquet``'s dtypes
    (the Categorical as ``str``); a nested column still gets its finding."""
    frame = pd.DataFrame(
        {
            "Child ID": ["C1", "C2", None, "C1"] * 500,
            "referral_id": pd.Categorical([f"R{i}" for i in range(2000)]),
            "referral_date": pd.to_datetime(["2024-01-02"] * 2000),
            "source": ["1A", "1A", " 2B", None] * 500,
            "Notes": ["x", None, "y", "z"] * 500,
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.append_column("nested", pa.array([[1], None, [2, 3], []] * 500))
    path = tmp_path / "referrals.parquet"
    pq.write_table(table, path)
    read, rows, faults = read_table_file(path, table_spec("referrals"))
    assert read is not None and rows is not None
    for column in ("Child ID", "source"):
        assert isinstance(read[column].dtype, pd.ArrowDtype), column
        assert pa.types.is_dictionary(read[column].dtype.pyarrow_dtype), column
    assert str(read["referral_id"].dtype) == "str"
    assert read["referral_id"].tolist() == [f"R{i}" for i in range(2000)]
    assert read["Notes"].dtype == pd.read_parquet(path)["Notes"].dtype
    assert read["referral_date"].dtype == pd.read_parquet(path)["referral_date"].dtype
    assert "nested" not in read.columns
    assert [f.column for f in faults] == ["nested"] and faults[0].row == 1


def _dictionary_series(chunks: list[list[str | None]], dictionaries: list[list[str]]) -> pd.Series:
    """A column of Arrow dictionaries: one chunk per list, each with its own dictionary (which
    may hold values no row uses, or a value twice)."""
    arrays = []
    held: dict[tuple[str, ...], pa.Array] = {}  # equal dictionaries: one array, as in Parquet
    for values, dictionary in zip(chunks, dictionaries, strict=True):
        indices = pa.array([None if v is None else dictionary.index(v) for v in values], pa.int32())
        values_of = held.setdefault(tuple(dictionary), pa.array(dictionary, pa.string()))
        arrays.append(pa.DictionaryArray.from_arrays(indices, values_of))
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array(arrays)))


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(st.sampled_from(_CELLS), max_size=12), min_size=1, max_size=3),
    unused=st.lists(st.sampled_from(("UNUSED", " A1", "", "Z9")), max_size=2),
    twice=st.booleans(),
    one=st.booleans(),
)
def test_a_dictionary_column_is_cleaned_as_plain_text(
    rows: list[list[str | None]], unused: list[str], twice: bool, one: bool
) -> None:
    """``_text_coded`` of a dictionary column: the same text as of the plain column, codes
    telling the same values apart (exact: ``MISSING`` where missing, each distinct value once
    once used), whatever the chunks' dictionaries hold (unused values, a value twice, one
    dictionary shared by the chunks or one each)."""
    dictionaries = []
    for values in rows:
        held = sorted({v for v in values if v is not None}) + unused
        dictionaries.append(held + held[:1] if twice and held else held)
    if one:  # every chunk with one dictionary (a Parquet row group's batches)
        every = sorted({v for d in dictionaries for v in d})
        dictionaries = [every for _ in rows]
    column = _dictionary_series(rows, dictionaries)
    plain = pd.Series([v for values in rows for v in values], dtype=TEXT_DTYPE)
    text, array, codes, distinct = _text_coded(column, shared=True)
    want_text, want_array, want_codes, _ = _text_coded(plain, shared=True)
    assert text.dtype == TEXT_DTYPE
    pd.testing.assert_series_equal(text, want_text, check_exact=True)
    assert array is not None and want_array is not None
    assert array.cast(pa.large_string()).equals(want_array.cast(pa.large_string()))
    assert codes is not None and distinct is not None and want_codes is not None
    np.testing.assert_array_equal(codes == MISSING, want_codes == MISSING)
    held = codes != MISSING
    assert distinct.take(pa.array(codes[held])).to_pylist() == text[held].tolist()
    used = np.unique(codes[held])
    assert len(set(distinct.take(pa.array(used)).to_pylist())) == len(used)  # each once
    decoded, want = _arrow_text(column), _arrow_text(plain)
    assert decoded is not None and want is not None
    assert decoded.to_pylist() == want.to_pylist()


def test_unused_dictionary_values_are_no_children(tmp_path: Path) -> None:
    """A child id only in the dictionary (a category no row uses), or only on a set-aside
    row, is not among the table's child codes."""
    ids = pd.Categorical(["C1", "C2", "C1", " C3 ", "C4"], ["C1", "C2", " C3 ", "C4", "GHOST"])
    frame = pd.DataFrame(
        {
            "child_id": ids,
            "referral_id": ["R1", "R2", "R3", "R4", "R5"],
            "referral_date": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "bad"],
        }
    )
    path = tmp_path / "referrals.parquet"
    frame.to_parquet(path, index=False)
    raw, rows, _ = read_table_file(path, table_spec("referrals"))
    assert raw is not None
    clean = clean_table(table_spec("referrals"), raw, file=str(path), rows=rows)
    assert clean.child_codes is not None
    positions, distinct = clean.child_codes
    assert sorted(distinct.to_pylist()) == sorted(set(clean.frame["child_id"]))
    assert "GHOST" not in distinct.to_pylist() and "C4" not in distinct.to_pylist()
    assert distinct.take(pa.array(positions)).to_pylist() == clean.frame["child_id"].tolist()


@pytest.mark.parametrize("second", [" C2", "C3"])
def test_copies_of_a_dictionary_column_are_compared(tmp_path: Path, second: str) -> None:
    """Two copies of the child id column (read as dictionaries): read once when they hold the
    same values, left out with an error naming the first row where they differ otherwise."""
    frame = pd.DataFrame(
        {"child_id": ["C1", "C2"], "Child ID": ["C1", second], "referral_id": ["R1", "R2"]}
    )
    frame["referral_date"] = "2024-01-01"
    frame.to_parquet(tmp_path / "referrals.parquet", index=False)
    dataset = load_dataset(tmp_path, cache=False)
    reasons = dataset.quality["reason"].tolist()
    if second == " C2":
        assert any("appears 2 times" in r and "read once" in r for r in reasons)
        assert len(dataset.tables["referrals"]) == 2
    else:
        assert any("different values in 1 row(s) (first at row 2)" in r for r in reasons)
        assert "referrals" in dataset.unusable


def test_only_child_ids_held_by_a_dictionary_are_read_as_one(tmp_path: Path) -> None:
    """Child ids that repeat (the file holds them by a dictionary) are read as a dictionary;
    child ids that mostly differ (the children table's: the file writes most of them out
    after its dictionary page filled) as plain text, which reading as a dictionary would hash
    value by value; a council's Categorical stays a dictionary either way."""
    n = 100_000
    frame = pd.DataFrame(
        {"child_id": [f"C{i:07d}" for i in range(n)], "sex": ["1", "2"] * (n // 2)}
    )
    frame.to_parquet(tmp_path / "children.parquet", index=False)
    frame["child_id"] = pd.Categorical(frame["child_id"])
    frame.to_parquet(tmp_path / "categorical.parquet", index=False)
    frame["child_id"] = [f"C{i % 50}" for i in range(n)]
    frame.to_parquet(tmp_path / "repeated.parquet", index=False)
    spec = table_spec("children")
    dtypes = {
        path.stem: {c: str(t) for c, t in read_table_file(path, spec)[0].dtypes.items()}
        for path in tmp_path.glob("*.parquet")
    }
    assert dtypes["children"]["child_id"] == "str"
    assert dtypes["categorical"]["child_id"].startswith("dictionary<")
    assert dtypes["repeated"]["child_id"].startswith("dictionary<")
    assert all(d["sex"].startswith("dictionary<") for d in dtypes.values())
