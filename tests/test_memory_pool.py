"""The Arrow memory pool a load allocates from (model/memory.py)."""

from __future__ import annotations

import threading

import pandas as pd
import pyarrow as pa
import pytest

import safeguarding_metrics as sm
from safeguarding_metrics.model import memory
from safeguarding_metrics.model.memory import loading_pool

needs_jemalloc = pytest.mark.skipif(
    memory._jemalloc() is None, reason="this pyarrow has no jemalloc pool (Windows wheels)"
)


@pytest.fixture(autouse=True)
def _no_pool_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)


@needs_jemalloc
def test_jemalloc_inside_and_the_callers_pool_after() -> None:
    before = pa.default_memory_pool()
    with loading_pool():
        assert pa.default_memory_pool().backend_name == "jemalloc"
        with loading_pool():  # a load inside a load (nested) keeps it
            assert pa.default_memory_pool().backend_name == "jemalloc"
        assert pa.default_memory_pool().backend_name == "jemalloc"
    assert pa.default_memory_pool().backend_name == before.backend_name


@needs_jemalloc
def test_given_back_when_the_load_fails(tmp_path) -> None:
    before = pa.default_memory_pool().backend_name
    (tmp_path / "referrals.csv").write_text("nothing,that,fits\n1,2,3\n", encoding="utf-8")
    with pytest.raises(sm.DataError):
        sm.load_dataset(tmp_path, strict=True)
    assert pa.default_memory_pool().backend_name == before


@needs_jemalloc
def test_a_load_allocates_from_jemalloc_and_its_tables_outlive_it(tmp_path) -> None:
    before = pa.default_memory_pool().backend_name
    seen: list[str] = []
    frame = pd.DataFrame(
        {"child_id": ["C1", "C2"], "sex": ["1", "2"], "date_of_birth": ["2010-01-01"] * 2}
    )
    frame.to_csv(tmp_path / "children.csv", index=False)

    def progress(_: str) -> None:
        seen.append(pa.default_memory_pool().backend_name)

    dataset = sm.load_dataset(tmp_path, progress=progress, cache=False)
    assert seen and set(seen) == {"jemalloc"}
    assert pa.default_memory_pool().backend_name == before
    # the tables are whole after it
    assert dataset.n_children == 2
    assert list(dataset.tables["children"]["sex"]) == ["1", "2"]


def test_a_pool_the_user_chose_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    before = pa.default_memory_pool()
    with loading_pool():
        assert pa.default_memory_pool() is before or (
            pa.default_memory_pool().backend_name == before.backend_name
        )


def test_without_jemalloc_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_jemalloc", lambda: None)
    before = pa.default_memory_pool().backend_name
    with loading_pool():
        assert pa.default_memory_pool().backend_name == before


@needs_jemalloc
def test_loads_in_several_threads_give_the_pool_back_once_all_end() -> None:
    before = pa.default_memory_pool().backend_name
    inside = threading.Barrier(4)
    leave = threading.Event()
    names: list[str] = []

    def load() -> None:
        with loading_pool():
            inside.wait()
            leave.wait()
            names.append(pa.default_memory_pool().backend_name)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    inside.wait()  # all three inside
    assert pa.default_memory_pool().backend_name == "jemalloc"
    leave.set()
    for thread in threads:
        thread.join()
    assert names == ["jemalloc"] * 3
    assert pa.default_memory_pool().backend_name == before
