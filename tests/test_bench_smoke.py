"""Smoke test of the benchmark script: ours and DuckDB agree on a tiny council.

Speed is measured by ``make bench`` (benchmarks/run.py), never asserted here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


def test_headline_indicators_agree_with_duckdb(bench, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "CACHE", tmp_path)
    figures = bench.run(0.3, indicators=bench.HEADLINE, log=lambda _: None, suite=False)
    assert set(figures["headline"]) == set(bench.HEADLINE)
    for indicator, entry in figures["headline"].items():
        for span, e in entry.items():
            assert e["equal"], (indicator, span, e["differences"])
    assert "national.rereferrals_12m" in bench.table(figures)
    assert 0 < figures["referrals_six_years"] <= figures["rows"]["referrals"]


def test_month_periods(bench):
    months = bench.month_periods("2015-04-01", "2016-03-31")
    assert len(months) == 12
    assert str(months[10][1]) == "2016-02-29"


def test_headline_indicators_agree_with_duckdb_at_national_proportions(
    bench, tmp_path, monkeypatch
):
    monkeypatch.setattr(bench, "CACHE", tmp_path)
    figures = bench.run(
        0.2, indicators=bench.HEADLINE, log=lambda _: None, suite=False, activity=4.0
    )
    assert figures["activity"] == 4.0
    assert (tmp_path / "scale-0.2-activity-4").is_dir()
    for indicator, entry in figures["headline"].items():
        for span, e in entry.items():
            assert e["equal"], (indicator, span, e["differences"])


def test_csv_copy_loads_as_the_parquet_dataset(bench, tmp_path, monkeypatch):
    """The bench's CSV files (loaded by the pyarrow engine) give the Parquet files' dataset."""
    import numpy as np
    import pandas as pd

    from safeguarding_metrics import load_dataset

    monkeypatch.setattr(bench, "CACHE", tmp_path)
    figures = bench.load_csv(0.2, 4.0, log=lambda _: None)
    folder = bench.dataset_folder(0.2, 4.0)
    from_parquet, from_csv = load_dataset(folder), load_dataset(folder / "csv")
    assert figures["set_aside"] == 0 and figures["children"] == from_parquet.n_children
    assert len(from_csv.quality) == 0
    for name, frame in from_parquet.tables.items():
        pd.testing.assert_frame_equal(
            frame.drop(columns=["_row"]), from_csv.tables[name].drop(columns=["_row"])
        )
    np.testing.assert_array_equal(from_parquet.child_ids, from_csv.child_ids)


def test_loading_bench_runs_each_task_in_a_fresh_process(tmp_path):
    """benchmarks/loading.py on a tiny council: first, second and uncached loads of every
    table, and the headline indicators (run twice) equal to DuckDB's queries."""
    spec = importlib.util.spec_from_file_location(
        "bench_loading", ROOT / "benchmarks" / "loading.py"
    )
    assert spec is not None and spec.loader is not None
    loading = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loading)
    from safeguarding_metrics.synthetic import generate

    folder = tmp_path / "council"
    folder.mkdir()
    for name, frame in generate(scale=0.05).items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    figures = loading.measure(folder, None, log=lambda _: None)
    parquet = figures["loads"]["parquet"]
    assert parquet["rows"] > 1000 and parquet["first_s"] > 0 and parquet["second_s"] > 0
    for indicator in loading.HEADLINE:
        entry = figures["headline"][indicator]
        assert entry["equal"], indicator
        assert entry["ours_first_of_set_s"] > 0 and entry["ours_s"] > 0
    assert "national.cla_visits_on_time" in loading.table(figures)
