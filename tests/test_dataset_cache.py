"""The validated dataset kept inside its folder and reused (issue 20).

A second load reads each table's validated rows and findings from the folder's hidden
``.safeguarding-metrics-cache/``; a changed file (content, size or modification time) reloads
its own table, another library (version or loader code) reloads every table, a folder that
cannot be written gets no cache and the same dataset, and the findings are identical.
"""

from __future__ import annotations

import logging
import os
import pathlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from safeguarding_metrics import load_dataset
from safeguarding_metrics.cli import main
from safeguarding_metrics.model import cache as cache_module
from safeguarding_metrics.model import dataset as dataset_module
from safeguarding_metrics.model.cache import CACHE_FOLDER
from safeguarding_metrics.synthetic import generate, write_csv

from .test_loading_paths import assert_same_dataset


@pytest.fixture(scope="module")
def council() -> dict[str, pd.DataFrame]:
    return generate(scale=0.02, dirty=True)


def _write(frames: dict[str, pd.DataFrame], folder: Path, form: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if form == "csv":
        write_csv(frames, folder)
    else:
        for name, frame in frames.items():
            frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The tables whose files are read (not taken from the cache), in order."""
    seen: list[str] = []
    original = dataset_module.read_table_file

    def counting(path, spec, progress=None):  # type: ignore[no-untyped-def]
        seen.append(spec.name)
        return original(path, spec, progress)

    monkeypatch.setattr(dataset_module, "read_table_file", counting)
    yield seen


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_second_load_is_the_first_from_the_cache(
    tmp_path: Path, council: dict[str, pd.DataFrame], form: str, reads: list[str]
) -> None:
    """Tables, masks, findings (file, row, column, reason), counts and children identical."""
    folder = _write(council, tmp_path / form, form)
    first = load_dataset(folder)
    assert sorted(reads) == sorted(council)
    assert (folder / CACHE_FOLDER).is_dir()
    reads.clear()
    second = load_dataset(folder)
    assert reads == []  # nothing read from the files
    assert_same_dataset(second, first)
    assert_same_dataset(second, load_dataset(folder, cache=False))
    assert len(second.quality) > 10  # the dirty council's findings came back too


def test_a_changed_file_reloads_its_table_only(
    tmp_path: Path, council: dict[str, pd.DataFrame], reads: list[str]
) -> None:
    folder = _write(council, tmp_path / "ds", "csv")
    load_dataset(folder)
    # content changed, same size: the modification time tells
    path = folder / "referrals.csv"
    text = path.read_text(encoding="utf-8")
    stat = path.stat()
    path.write_text(text.replace("2015-", "2014-", 1), encoding="utf-8")
    assert path.stat().st_size == stat.st_size
    reads.clear()
    changed = load_dataset(folder)
    assert reads == ["referrals"]
    assert_same_dataset(changed, load_dataset(folder, cache=False))
    # only the modification time changed
    os.utime(folder / "visits.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    reads.clear()
    load_dataset(folder)
    assert reads == ["visits"]
    # the size changed (a row appended) but the time set back as it was
    path = folder / "children.csv"
    before = path.stat()
    with path.open("a", encoding="utf-8") as handle:
        handle.write("C999999,2010-01-01,1,WBRI,\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    reads.clear()
    grown = load_dataset(folder)
    assert reads == ["children"]
    assert "C999999" in set(grown.child_ids)
    reads.clear()
    load_dataset(folder)
    assert reads == []


def test_another_library_version_reloads_every_table(
    tmp_path: Path,
    council: dict[str, pd.DataFrame],
    reads: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = _write(council, tmp_path / "ds", "parquet")
    load_dataset(folder)
    monkeypatch.setattr(cache_module, "_fingerprint", lambda: "9.9.9+other-code")
    reads.clear()
    upgraded = load_dataset(folder)
    assert sorted(reads) == sorted(council)
    reads.clear()
    load_dataset(folder)
    assert reads == []  # the upgrade's entries replaced the old ones
    assert_same_dataset(upgraded, load_dataset(folder, cache=False))


def test_another_pivot_year_reloads(
    tmp_path: Path, council: dict[str, pd.DataFrame], reads: list[str]
) -> None:
    """Two-digit years are read against the pivot year: another one is another dataset."""
    folder = _write({"referrals": council["referrals"]}, tmp_path / "ds", "csv")
    load_dataset(folder, pivot_year=2020)
    reads.clear()
    load_dataset(folder, pivot_year=2021)
    assert reads == ["referrals"]


def test_no_cache_reads_everything_and_keeps_nothing(
    tmp_path: Path, council: dict[str, pd.DataFrame], reads: list[str]
) -> None:
    folder = _write(council, tmp_path / "ds", "csv")
    load_dataset(folder, cache=False)
    assert not (folder / CACHE_FOLDER).exists()
    load_dataset(folder)
    reads.clear()
    load_dataset(folder, cache=False)  # an existing cache is not read either
    assert sorted(reads) == sorted(council)


def test_a_read_only_folder_gets_no_cache_and_the_same_dataset(
    tmp_path: Path,
    council: dict[str, pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Said once in the log (a warning, not an error); the dataset is the one without."""
    folder = _write(council, tmp_path / "ds", "csv")
    original = pathlib.Path.mkdir

    def refuse(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if CACHE_FOLDER in self.parts:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", refuse)
    with caplog.at_level(logging.WARNING, logger="safeguarding_metrics.model.cache"):
        got = load_dataset(folder)
    assert not (folder / CACHE_FOLDER).exists()
    said = [r for r in caplog.records if r.name == "safeguarding_metrics.model.cache"]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert "nothing is cached" in said[0].getMessage()
    assert_same_dataset(got, load_dataset(folder, cache=False))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder")
def test_a_folder_without_write_permission_gets_no_cache(
    tmp_path: Path, council: dict[str, pd.DataFrame]
) -> None:
    folder = _write(council, tmp_path / "ds", "csv")
    folder.chmod(0o555)
    try:
        got = load_dataset(folder)
        assert not (folder / CACHE_FOLDER).exists()
        assert_same_dataset(got, load_dataset(folder, cache=False))
    finally:
        folder.chmod(0o755)


def test_a_damaged_entry_is_read_again_from_the_file(
    tmp_path: Path, council: dict[str, pd.DataFrame], reads: list[str]
) -> None:
    folder = _write(council, tmp_path / "ds", "parquet")
    first = load_dataset(folder)
    for part in (folder / CACHE_FOLDER / "visits").glob("frame-*.arrow"):
        part.write_bytes(part.read_bytes()[:100])  # cut short
    reads.clear()
    again = load_dataset(folder)
    assert reads == ["visits"]
    assert_same_dataset(again, first)


def test_child_level_data_stays_inside_the_dataset_folder(
    tmp_path: Path, council: dict[str, pd.DataFrame]
) -> None:
    folder = _write(council, tmp_path / "ds", "csv")
    before = {p for p in tmp_path.rglob("*") if CACHE_FOLDER not in p.parts}
    load_dataset(folder)
    after = {p for p in tmp_path.rglob("*") if CACHE_FOLDER not in p.parts}
    assert after == before  # nothing new beside the cache, which is inside the folder
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == [CACHE_FOLDER]


def test_the_cache_folder_is_not_a_note_of_the_folder(
    tmp_path: Path, council: dict[str, pd.DataFrame]
) -> None:
    """A hidden folder: the loader's notes on what the folder holds do not mention it."""
    folder = _write(council, tmp_path / "ds", "csv")
    load_dataset(folder)
    quality = load_dataset(folder).quality
    assert not quality["file"].astype(str).str.contains(CACHE_FOLDER, regex=False).any()


def test_cli_no_cache_flag(
    tmp_path: Path, council: dict[str, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _write(council, tmp_path / "ds", "csv")
    assert main(["validate", str(folder), "--no-cache", "-q"]) == 0
    assert not (folder / CACHE_FOLDER).exists()
    no_cache = capsys.readouterr().out
    assert main(["validate", str(folder), "-q"]) == 0
    assert (folder / CACHE_FOLDER).is_dir()
    assert main(["validate", str(folder), "-q"]) == 0  # from the cache
    outputs = capsys.readouterr().out
    assert outputs == no_cache * 2


def test_an_unknown_column_with_gaps_comes_back_as_it_was(
    tmp_path: Path, council: dict[str, pd.DataFrame], reads: list[str]
) -> None:
    """An unknown column (kept and ignored) keeps its dtype and its missing values."""
    frames = {"referrals": council["referrals"].copy(), "children": council["children"]}
    notes = [["a", None, "b "][i % 3] for i in range(len(frames["referrals"]))]
    frames["referrals"]["Notes"] = notes
    frames["referrals"]["Score"] = [[1.5, None][i % 2] for i in range(len(notes))]
    folder = _write(frames, tmp_path / "ds", "parquet")
    first = load_dataset(folder)
    reads.clear()
    second = load_dataset(folder)
    assert reads == []
    assert_same_dataset(second, first)
    assert second.tables["referrals"]["notes"].isna().any()


def test_a_column_arrow_cannot_hold_leaves_its_table_uncached(
    tmp_path: Path,
    council: dict[str, pd.DataFrame],
    reads: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Text whose missing values are not ``None`` would not come back as it was: the table
    is not cached (validated on every load), the others are; the dataset is the same."""
    from safeguarding_metrics.model.cache import _text_array

    with pytest.raises(TypeError):
        _text_array(pd.Series(["a", float("nan")], dtype=object), dictionary=False)
    folder = _write(
        {"referrals": council["referrals"], "children": council["children"]},
        tmp_path / "ds",
        "csv",
    )
    original = cache_module._text_array

    def refuse_referrals(values: pd.Series, dictionary: bool) -> object:
        if values.name == "referral_id":
            raise TypeError("a missing value other than None")
        return original(values, dictionary)

    with monkeypatch.context() as patched:
        patched.setattr(cache_module, "_text_array", refuse_referrals)
        first = load_dataset(folder)
    reads.clear()
    second = load_dataset(folder)
    assert reads == ["referrals"]
    assert_same_dataset(second, first)


@pytest.mark.parametrize("authorities", [["372"], ["372", "373"]])
def test_authorities_given_by_some_tables_only_from_the_cache(
    tmp_path: Path, council: dict[str, pd.DataFrame], authorities: list[str]
) -> None:
    """Records without ``la`` take the one code (or are set aside among several) after the
    tables come from the cache too: the children are coded on the changed tables, not on
    the positions the cache kept for the tables as read."""
    frames = {name: frame.copy() for name, frame in council.items()}
    children = frames["children"]
    children["la"] = [authorities[i % len(authorities)] for i in range(len(children))]
    referrals = frames["referrals"]
    referrals["la"] = [authorities[0] if i % 3 else None for i in range(len(referrals))]
    folder = _write(frames, tmp_path / "ds", "parquet")
    first = load_dataset(folder)
    second = load_dataset(folder)
    assert_same_dataset(second, first)
    assert_same_dataset(second, load_dataset(folder, cache=False))
    assert set(second.las) == set(authorities)


def _codings(folder: Path) -> list[Path]:
    place = folder / CACHE_FOLDER / cache_module._CHILDREN
    return sorted(p for p in place.iterdir() if p.is_dir()) if place.is_dir() else []


def test_the_coding_of_children_is_kept_and_reused(
    tmp_path: Path, council: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loads after the first code the children from the kept coding, not from their
    identifiers, and give the same codes; another set of tables has its own coding."""
    folder = _write(council, tmp_path / "ds", "parquet")
    load_dataset(folder)  # every table cleaned and kept, with the coding of its children
    assert len(_codings(folder)) == 1
    coded: list[int] = []
    original = dataset_module._coded_distinct

    def counting(parts):  # type: ignore[no-untyped-def]
        coded.append(len(parts))
        return original(parts)

    monkeypatch.setattr(dataset_module, "_coded_distinct", counting)
    third = load_dataset(folder)
    assert coded == []  # taken from the kept coding
    assert_same_dataset(third, load_dataset(folder, cache=False))
    some = ["referrals", "assessments", "children"]
    coded.clear()
    load_dataset(folder, tables=some)
    assert coded == [3] and len(_codings(folder)) == 2  # another set, coded and kept
    coded.clear()
    again = load_dataset(folder, tables=some)
    assert coded == []
    assert_same_dataset(again, load_dataset(folder, tables=some, cache=False))


def test_a_changed_table_or_damaged_coding_codes_the_children_again(
    tmp_path: Path, council: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _write(council, tmp_path / "ds", "parquet")
    load_dataset(folder)
    load_dataset(folder)
    assert len(_codings(folder)) == 1
    # a child added to one table: its entry changes, so the kept coding no longer applies
    children = council["children"]
    grown = pd.concat([children, children.iloc[[0]].assign(child_id="C0000000A")])
    grown.to_parquet(folder / "children.parquet", index=False)
    changed = load_dataset(folder)
    assert "C0000000A" in set(changed.child_ids)
    assert_same_dataset(changed, load_dataset(folder, cache=False))
    assert_same_dataset(load_dataset(folder), changed)
    coded: list[int] = []
    original = dataset_module._coded_distinct

    def counting(parts):  # type: ignore[no-untyped-def]
        coded.append(len(parts))
        return original(parts)

    monkeypatch.setattr(dataset_module, "_coded_distinct", counting)
    assert_same_dataset(load_dataset(folder), changed)
    assert coded == []  # the changed dataset's coding is kept in turn
    # a damaged coding is passed over, the children coded by value and the coding kept again
    for place in _codings(folder):
        for part in place.glob("codes-*.arrow"):
            part.write_bytes(part.read_bytes()[:50])
    assert_same_dataset(load_dataset(folder), changed)
    assert coded == [16]
    assert_same_dataset(load_dataset(folder), changed)
    assert coded == [16]


def test_ids_differing_by_case_are_warned_on_every_load(tmp_path: Path) -> None:
    """The kept coding remembers that two identifiers differ only by case: the warning
    comes back on loads from the cache, as on the first."""
    folder = tmp_path / "ds"
    folder.mkdir()
    pd.DataFrame(
        {
            "child_id": ["C01", "c01", "C02"],
            "referral_id": ["R1", "R2", "R3"],
            "referral_date": pd.to_datetime(["2015-05-01", "2015-06-01", "2015-07-01"]),
        }
    ).to_parquet(folder / "referrals.parquet", index=False)
    loads = [load_dataset(folder) for _ in range(3)]
    assert len(_codings(folder)) == 1
    for loaded in loads:
        case = loaded.quality[loaded.quality["reason"].str.contains("only by upper")]
        assert len(case) == 1 and "C01" not in case["reason"].iloc[0]
        assert_same_dataset(loaded, loads[0])


def test_the_findings_of_the_rules_across_tables_are_kept_and_reused(
    tmp_path: Path, council: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cross-table rules' findings (overlapping plans, reviews before or without their
    plan) come back from the cache as found, and run again when a table they read changes."""
    reviews = council["cp_reviews"]
    plans = council["cp_plans"]
    known = reviews.merge(plans[["child_id", "plan_id", "start_date"]], on=["child_id", "plan_id"])
    early = known.iloc[[0]].assign(
        review_date=pd.to_datetime(known["start_date"].iloc[0]) - pd.Timedelta(days=30)
    )[reviews.columns]
    unknown = reviews.iloc[[1]].assign(plan_id="NO-SUCH-PLAN")
    crossed = dict(council, cp_reviews=pd.concat([reviews, early, unknown], ignore_index=True))
    folder = _write(crossed, tmp_path / "ds", "csv")
    first = load_dataset(folder)
    reasons = first.quality.loc[first.quality["table"] == "cp_reviews", "reason"]
    assert reasons.str.contains("before its plan starts").any()
    assert reasons.str.contains("no plan of this child").any()
    runs: list[int] = []
    original = dataset_module.cross_table_faults

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(dataset_module, "cross_table_faults", counting)
    second = load_dataset(folder)
    assert runs == []  # kept by the first load, whose tables were written to the cache
    assert_same_dataset(second, first)
    path = folder / "cp_reviews.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = load_dataset(folder)
    assert runs == [1]
    assert_same_dataset(changed, load_dataset(folder, cache=False))
    load_dataset(folder)
    assert runs == [1, 1]  # the cache=False load ran them; the cached one did not


def test_row_numbers_counting_up_and_text_without_value_are_kept_as_nothing() -> None:
    """Rows 1, 2, 3 ... (or 2, 3, 4 ... from CSV) and a text column with no value are kept
    as no data and come back exactly; rows with a gap, and text with values, as they are."""
    from safeguarding_metrics.model.clean import TEXT_DTYPE

    frame = pd.DataFrame(
        {
            "_row": np.arange(2, 8, dtype=np.int64),
            "la": pd.Series([None] * 6, dtype=TEXT_DTYPE),
            "team": pd.Series(["A", None, "B", "A", None, "C"], dtype=TEXT_DTYPE),
        }
    )
    table, dtypes = cache_module._to_arrow(frame, frozenset())
    assert str(table["_row"].type) == "null" and str(table["la"].type) == "null"
    back = cache_module._from_arrow(table, dtypes)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    gapped = frame.assign(_row=np.array([2, 3, 5, 6, 7, 8], dtype=np.int64))
    table, dtypes = cache_module._to_arrow(gapped, frozenset())
    assert str(table["_row"].type) == "int64"
    pd.testing.assert_frame_equal(cache_module._from_arrow(table, dtypes), gapped, check_exact=True)
    assert cache_module._counts_up_from(pd.Series([5], dtype=np.int64)) == 5
    assert cache_module._counts_up_from(pd.Series([3, 2], dtype=np.int64)) is None
    assert cache_module._counts_up_from(pd.Series([], dtype=np.int64)) is None


def test_a_replaced_entry_still_in_use_is_removed_later(
    tmp_path: Path,
    council: dict[str, pd.DataFrame],
    monkeypatch: pytest.MonkeyPatch,
    reads: list[str],
) -> None:
    """Entries are read memory-mapped; where a file still in use cannot be removed (Windows,
    a dataset of the process mapping it), replacing its entry leaves it, the load goes on,
    and a later write of the table removes it."""
    folder = _write(council, tmp_path / "ds", "csv")
    first = load_dataset(folder)  # entries written, then read memory-mapped below
    held = load_dataset(folder)
    place = folder / CACHE_FOLDER / "referrals"
    before = {p.name for p in place.iterdir()} - {"meta.json"}
    path = folder / "referrals.csv"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    original = pathlib.Path.unlink

    def busy(self: Path, missing_ok: bool = False) -> None:
        if self.parent == place and self.name in before:
            raise PermissionError(13, "The process cannot access the file", str(self))
        original(self, missing_ok=missing_ok)

    monkeypatch.setattr(pathlib.Path, "unlink", busy)
    reads.clear()
    again = load_dataset(folder)  # the old entry cannot be removed: the load goes on
    assert reads == ["referrals"]
    assert_same_dataset(again, first)
    assert before <= {p.name for p in place.iterdir()}  # left where it was
    monkeypatch.setattr(pathlib.Path, "unlink", original)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2 * 10**9))
    reads.clear()
    latest = load_dataset(folder)
    assert reads == ["referrals"]
    assert not before & {p.name for p in place.iterdir()}  # removed by the next write
    assert_same_dataset(latest, held)
    reads.clear()
    assert_same_dataset(load_dataset(folder), held)
    assert reads == []
