"""Loading beside DuckDB, each timed run in a fresh process after its imports (issue 20).

Each headline indicator is run twice after the whole folder's loads: the first run of its set
of tables codes their children and runs the rules across them from the cached tables (and
keeps both for that set), the second is timed against DuckDB, as a council's next run of the
same command would be; both times are reported.

Ours: ``load_dataset`` (the whole folder, or the tables an indicator reads) and, for an
indicator, ``calculate(..., cohorts=False)`` over the 12 months of the year, timed after
``import safeguarding_metrics`` and after the plugin registry is built. DuckDB: connect, read
the Parquet files the query reads into tables, build the working-day calendar, compute; timed
after ``import duckdb``. Every run is its own Python process, so no run inherits another's
warm caches, memory pool or imported modules; the figures (seconds, rows, peak memory, and
each side's numerator and denominator per period, compared) come back as JSON on standard
output. First loads clear the folder's ``.safeguarding-metrics-cache/`` first (and write it:
its writing is in the time); second loads read it.

``python benchmarks/loading.py --task '<json>'`` runs one task (what :func:`measure` spawns).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: The year measured and its months (as ``benchmarks/run.py``).
YEAR_START, YEAR_END = "2015-04-01", "2016-03-31"
HEADLINE = (
    "national.rereferrals_12m",
    "national.assessments_45wd",
    "national.cla_visits_on_time",
)
#: The tables each headline DuckDB query reads.
DUCKDB_TABLES = {
    "national.rereferrals_12m": ("referrals",),
    "national.assessments_45wd": ("assessments",),
    "national.cla_visits_on_time": ("care_episodes", "visits"),
}
CACHE_FOLDER = ".safeguarding-metrics-cache"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _months() -> list[tuple[str, str]]:
    import pandas as pd

    starts = pd.date_range(YEAR_START, YEAR_END, freq="MS")
    return [(str(s.date()), str((s + pd.offsets.MonthEnd(0)).date())) for s in starts]


# -- the tasks (in the child process) ------------------------------------------------------------


def _ours(task: dict[str, Any]) -> dict[str, Any]:
    """load_dataset (+ calculate, counts only, for an indicator), timed after the imports."""
    import safeguarding_metrics as sm
    from safeguarding_metrics.calendar import bank_holidays
    from safeguarding_metrics.registry import default_registry

    registry = default_registry()  # plugin loading is set-up, as DuckDB's import is
    # the bank holidays are input data to both sides, made before the timing (as DuckDB's
    # table of them); each side builds its working-day calendar from them inside it
    bank_holidays()
    indicator = task.get("indicator")
    tables = None
    if indicator:
        found = next(i for i in registry if i.id == indicator)
        tables = sorted({*found.tables, *found.optional_tables})
    started = time.perf_counter()
    dataset = sm.load_dataset(task["folder"], tables=tables, cache=task.get("cache", True))
    loaded = time.perf_counter()
    out: dict[str, Any] = {
        "load_s": loaded - started,
        "rows": int(dataset.counts["read"].sum()),
        "tables": sorted(dataset.tables),
    }
    if indicator:
        results = sm.calculate(
            dataset,
            start=YEAR_START,
            end=YEAR_END,
            every="month",
            indicators=[indicator],
            benchmarks=False,
            breakdown=False,
            cohorts=False,
        )
        out["calculate_s"] = time.perf_counter() - loaded
        frame = results.frame
        frame = frame[frame["window"] == "period"]
        out["figures"] = {
            str(r.period_start)[:10]: [float(r.numerator), float(r.denominator)]
            for r in frame.itertuples()
        }
    out["total_s"] = time.perf_counter() - started
    out["peak_mb"] = _peak_mb()
    return out


def _duckdb(task: dict[str, Any]) -> dict[str, Any]:
    """Connect, read the Parquet files into tables, the calendar, the query; after import."""
    import duckdb
    import pandas as pd

    sys.path.insert(0, str(Path(__file__).parent))
    from queries import SQL  # benchmarks/queries.py, shared with benchmarks/run.py

    from safeguarding_metrics.calendar import bank_holidays

    holidays = pd.DataFrame({"d": pd.to_datetime(bank_holidays()).date})  # input data
    indicator = task["indicator"]
    folder = Path(task["folder"])
    started = time.perf_counter()
    con = duckdb.connect()
    for table in DUCKDB_TABLES[indicator]:
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_parquet(?)",
            [str(folder / f"{table}.parquet")],
        )
    con.register("holidays_df", holidays)
    con.execute("CREATE TABLE holidays AS SELECT CAST(d AS DATE) AS d FROM holidays_df")
    con.execute(
        """
        CREATE TABLE cal AS
        SELECT d, SUM(wd) OVER (ORDER BY d) AS cum FROM (
            SELECT CAST(g.d AS DATE) AS d,
                   CASE WHEN isodow(g.d) <= 5 AND h.d IS NULL THEN 1 ELSE 0 END AS wd
            FROM generate_series(DATE '1990-01-01', DATE '2040-12-31', INTERVAL 1 DAY) g(d)
            LEFT JOIN holidays h ON h.d = CAST(g.d AS DATE)
        )
        """
    )
    con.execute("CREATE TABLE periods (pstart DATE, pend DATE)")
    con.executemany("INSERT INTO periods VALUES (?, ?)", [list(p) for p in _months()])
    frame = con.execute(SQL[indicator]).df()
    elapsed = time.perf_counter() - started
    con.close()
    return {
        "total_s": elapsed,
        "figures": {
            str(r.pstart)[:10]: [float(r.numerator), float(r.denominator)]
            for r in frame.itertuples()
        },
        "peak_mb": _peak_mb(),
    }


# -- the runs (in the parent process) ------------------------------------------------------------


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """One task in a fresh Python process; its JSON figures."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--task", json.dumps(task)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"task {task} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def clear_cache(folder: Path) -> None:
    shutil.rmtree(folder / CACHE_FOLDER, ignore_errors=True)


def _same(ours: dict[str, list[float]], theirs: dict[str, list[float]]) -> bool:
    keys = set(ours) | set(theirs)
    return all(ours.get(k, [0.0, 0.0]) == theirs.get(k, [0.0, 0.0]) for k in keys)


def measure(
    parquet: Path,
    csv: Path | None,
    log: Callable[[str], None] = print,
    indicators: Sequence[str] = HEADLINE,
) -> dict[str, Any]:
    """First and second loads of the whole folder (Parquet, and CSV when given) and, on the
    second load, each headline indicator against DuckDB, each run in a fresh process."""
    out: dict[str, Any] = {"loads": {}, "headline": {}}
    forms = [("parquet", parquet)] + ([("csv", csv)] if csv is not None else [])
    for form, folder in forms:
        clear_cache(folder)
        log(f"  {form}: first load (validating, writing the cache) ...")
        first = run_task({"kind": "ours", "folder": str(folder)})
        log(f"  {form}: second load (from the cache) ...")
        second = run_task({"kind": "ours", "folder": str(folder)})
        log(f"  {form}: a load without the cache ...")
        plain = run_task({"kind": "ours", "folder": str(folder), "cache": False})
        out["loads"][form] = {
            "rows": first["rows"],
            "first_s": first["load_s"],
            "second_s": second["load_s"],
            "no_cache_s": plain["load_s"],
            "first_rows_per_s": first["rows"] / first["load_s"],
            "second_rows_per_s": second["rows"] / second["load_s"],
            "no_cache_rows_per_s": plain["rows"] / plain["load_s"],
            "peak_mb_first": first["peak_mb"],
            "peak_mb_second": second["peak_mb"],
        }
    for indicator in indicators:
        log(f"  {indicator}: ours (second load + calculate) and DuckDB ...")
        # The first run of an indicator's tables codes their children and runs the rules
        # across them (kept for that set of tables); the second, timed, is a council's next
        # run of the same command. Both are reported.
        warm = run_task({"kind": "ours", "folder": str(parquet), "indicator": indicator})
        ours = run_task({"kind": "ours", "folder": str(parquet), "indicator": indicator})
        duck = run_task({"kind": "duckdb", "folder": str(parquet), "indicator": indicator})
        out["headline"][indicator] = {
            "ours_first_of_set_s": warm["total_s"],
            "ours_s": ours["total_s"],
            "ours_load_s": ours["load_s"],
            "ours_calculate_s": ours["calculate_s"],
            "ours_rows": ours["rows"],
            "duckdb_s": duck["total_s"],
            "ratio": ours["total_s"] / duck["total_s"],
            "equal": _same(ours["figures"], duck["figures"]),
        }
    return out


def table(figures: dict[str, Any]) -> str:
    lines = [
        f"{'loading (fresh process each)':<30} {'rows':>12} {'first':>9} {'second':>9} "
        f"{'no cache':>9} {'first M/s':>10} {'second M/s':>11}"
    ]
    for form, f in figures["loads"].items():
        lines.append(
            f"{form:<30} {f['rows']:>12,} {f['first_s']:>8.2f}s {f['second_s']:>8.2f}s "
            f"{f['no_cache_s']:>8.2f}s {f['first_rows_per_s'] / 1e6:>10.2f} "
            f"{f['second_rows_per_s'] / 1e6:>11.2f}"
        )
    lines.append("")
    lines.append(
        f"{'second load + calculate':<30} {'ours':>8} {'(load)':>8} {'DuckDB':>8} "
        f"{'ratio':>7}  equal  {'first run of its tables':>24}"
    )
    for indicator, h in figures["headline"].items():
        lines.append(
            f"{indicator:<30} {h['ours_s']:>7.2f}s {h['ours_load_s']:>7.2f}s "
            f"{h['duckdb_s']:>7.2f}s {h['ratio']:>7.2f}  {'yes' if h['equal'] else 'NO ':<5}"
            f"{h.get('ours_first_of_set_s', float('nan')):>24.2f}s"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", required=True, help="one task, as JSON")
    args = parser.parse_args(argv)
    task = json.loads(args.task)
    result = _ours(task) if task["kind"] == "ours" else _duckdb(task)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
