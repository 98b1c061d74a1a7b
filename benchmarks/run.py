"""National-scale benchmark: speed and memory of the bundled indicators, beside DuckDB.

Generates (once, cached under ``.cache/bench/scale-<s>/``) the synthetic council at the given
scale as Parquet, loads it with :func:`safeguarding_metrics.load_dataset`, then times the
full suite of bundled indicators over the 12 months of a financial year (``every="month"``)
and over the whole year, one indicator at a time and all at once. Three headline indicators
are also computed by an independent DuckDB SQL query on the same Parquet files; both results
are checked equal (numerator and denominator per period) and the ratio ours / DuckDB is
reported. Figures go to ``bench-output/results.json``; a table is printed.

Run ``python benchmarks/run.py --help`` for the options (``make bench`` runs the default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from safeguarding_metrics import calculate, load_dataset
from safeguarding_metrics.calendar import bank_holidays
from safeguarding_metrics.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench"
OUTPUT = ROOT / "bench-output"

#: The national size (see docs/performance.md): at scale 47 with four times the seed council's
#: activity per child, the generator gives about 1.5 million children and 4.6 million referrals
#: (2006-2016; about 650,000 a year, 23% of them re-referrals, as England has).
NATIONAL_SCALE = 55.0
NATIONAL_ACTIVITY = 4.0
SEED = 2015
#: The financial year measured (the generator's window ends 2016-03-31).
YEAR_START, YEAR_END = "2015-04-01", "2016-03-31"
#: The six financial years the issue's "4 million referrals over six years" counts.
SIX_YEARS_START = "2010-04-01"

HEADLINE = (
    "national.rereferrals_12m",
    "national.assessments_45wd",
    "national.cla_visits_on_time",
)


def queries() -> dict[str, str]:
    """The DuckDB queries of the headline indicators (``benchmarks/queries.py``, beside this
    script, shared with ``benchmarks/loading.py``)."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    from queries import SQL

    return SQL


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far [MB] (Linux reports kB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def dataset_folder(scale: float, activity: float = 1.0) -> Path:
    return CACHE / (f"scale-{scale:g}" + (f"-activity-{activity:g}" if activity != 1.0 else ""))


def ensure_dataset(
    scale: float, log: Callable[[str], None] = print, activity: float = 1.0
) -> tuple[Path, float]:
    """Generate and write the dataset as Parquet unless cached; ``(folder, seconds)``."""
    folder = dataset_folder(scale, activity)
    done = folder / ".complete"
    if done.exists():
        return folder, 0.0
    log(f"generating the synthetic dataset at scale {scale:g}, activity {activity:g} (once) ...")
    started = time.perf_counter()
    frames = generate(seed=SEED, scale=scale, activity=activity)
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in frames.items():
        frame.to_parquet(folder / f"{table}.parquet", index=False)
    del frames
    done.write_text("ok\n")
    return folder, time.perf_counter() - started


# -- DuckDB --------------------------------------------------------------------------------------


def duckdb_connect(folder: Path) -> Any:
    """An in-memory DuckDB with the Parquet tables loaded, the bank holidays and a working-day
    calendar (``cal``: every day with ``cum``, the working days up to and including it)."""
    import duckdb

    con = duckdb.connect()
    for table in ("referrals", "assessments", "care_episodes", "visits"):
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_parquet(?)",
            [str(folder / f"{table}.parquet")],
        )
    holidays = pd.DataFrame({"d": pd.to_datetime(bank_holidays()).date})
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
    return con


def set_periods(con: Any, periods: Sequence[tuple[dt.date, dt.date]]) -> None:
    con.execute("CREATE OR REPLACE TABLE periods (pstart DATE, pend DATE)")
    con.executemany("INSERT INTO periods VALUES (?, ?)", [list(p) for p in periods])


def duckdb_figures(con: Any, indicator: str) -> tuple[pd.DataFrame, float]:
    """Run one headline query; ``(frame of pstart, pend, numerator, denominator, seconds)``."""
    started = time.perf_counter()
    frame = con.execute(queries()[indicator]).df()
    return frame, time.perf_counter() - started


# -- ours ----------------------------------------------------------------------------------------


def referrals_in(dataset: Any, start: str, end: str) -> int:
    """Referrals (usable rows) dated from ``start`` to ``end`` inclusive."""
    if not dataset.has("referrals"):
        return 0
    day = dataset.tables["referrals"]["referral_date"].to_numpy(dtype="datetime64[D]")
    return int(((day >= np.datetime64(start)) & (day <= np.datetime64(end))).sum())


def month_periods(start: str, end: str) -> list[tuple[dt.date, dt.date]]:
    out = []
    first = pd.Timestamp(start)
    last = pd.Timestamp(end)
    while first <= last:
        stop = min(first + pd.offsets.MonthEnd(0), last)
        out.append((first.date(), stop.date()))
        first = stop + pd.Timedelta(days=1)
    return out


def ours(
    dataset: Any, indicators: Sequence[str] | None, every: str | None, cohorts: bool = True
) -> tuple[pd.DataFrame, float]:
    """One ``calculate`` call, no benchmarks or breakdown; ``cohorts=False`` counts only.

    The period window's rows: ``calculate`` adds each indicator's headline window (the year to
    date for re-referrals), computed in the same call and so in the time, not compared.
    """
    started = time.perf_counter()
    results = calculate(
        dataset,
        start=YEAR_START,
        end=YEAR_END,
        every=every,
        indicators=indicators,
        benchmarks=False,
        breakdown=False,
        cohorts=cohorts,
        allow_broken_plugins=True,
    )
    elapsed = time.perf_counter() - started
    frame = results.frame
    return frame.loc[frame["window"] == "period"].reset_index(drop=True), elapsed


#: Calls timed on each side of a headline comparison; the median is reported.
REPEATS = 3


def median_time(call: Callable[[], tuple[pd.DataFrame, float]]) -> tuple[pd.DataFrame, float]:
    """The result of the first call and the median time of :data:`REPEATS` calls."""
    runs = [call() for _ in range(REPEATS)]
    return runs[0][0], float(np.median([seconds for _, seconds in runs]))


def compare(mine: pd.DataFrame, theirs: pd.DataFrame, indicator: str) -> list[str]:
    """Differences in numerator and denominator per period (empty when equal)."""
    a = mine.loc[mine["indicator"] == indicator, ["period_start", "period_end"]].copy()
    a["num"] = mine.loc[a.index, "numerator"].astype("float64").to_numpy()
    a["den"] = mine.loc[a.index, "denominator"].astype("float64").to_numpy()
    a["key"] = (
        pd.to_datetime(a["period_start"]).dt.date.astype(str)
        + "/"
        + pd.to_datetime(a["period_end"]).dt.date.astype(str)
    )
    b = theirs.copy()
    b["key"] = (
        pd.to_datetime(b["pstart"]).dt.date.astype(str)
        + "/"
        + pd.to_datetime(b["pend"]).dt.date.astype(str)
    )
    merged = a.merge(b, on="key", how="outer", indicator="side")
    problems = []
    for row in merged.itertuples(index=False):
        # a period one side leaves out counts nothing there; a missing figure never equals
        mine_pair = (0.0, 0.0) if row.side == "right_only" else (row.num, row.den)
        theirs_pair = (
            (0.0, 0.0)
            if row.side == "left_only"
            else (float(row.numerator), float(row.denominator))
        )
        if mine_pair != theirs_pair:
            problems.append(f"{row.key}: ours {mine_pair}, DuckDB {theirs_pair}")
    return problems


# -- the run -------------------------------------------------------------------------------------


def run(
    scale: float,
    indicators: Sequence[str] | None = None,
    log: Callable[[str], None] = print,
    suite: bool = True,
    activity: float = 1.0,
) -> dict[str, Any]:
    """The whole benchmark at ``scale``; returns the figures (as written to results.json)."""
    folder, generate_s = ensure_dataset(scale, log, activity)
    log(f"loading {folder} (from its cache when the loading bench ran first) ...")
    started = time.perf_counter()
    dataset = load_dataset(folder)
    load_s = time.perf_counter() - started
    peak_after_load = peak_rss_mb()
    counts = {row.table: int(row.used) for row in dataset.counts.itertuples(index=False)}
    six_years = referrals_in(dataset, SIX_YEARS_START, YEAR_END)
    log(f"loaded in {load_s:.1f} s; {dataset.n_children:,} children")

    from safeguarding_metrics.registry import default_registry

    all_ids = [i.id for i in default_registry()]
    chosen = list(indicators) if indicators else all_ids
    per: dict[str, dict[str, float]] = {}
    frames: dict[str, dict[str, pd.DataFrame]] = {}
    for ind in chosen:
        log(f"  {ind} ...")
        monthly, month_s = ours(dataset, [ind], "month")
        yearly, year_s = ours(dataset, [ind], None)
        per[ind] = {"months_s": month_s, "year_s": year_s, "total_s": month_s + year_s}
        frames[ind] = {"months": monthly, "year": yearly}
    total: dict[str, float] = {}
    if suite:
        log("  the whole suite in one call ...")
        _, total["months_s"] = ours(dataset, chosen, "month")
        _, total["year_s"] = ours(dataset, chosen, None)
        total["total_s"] = total["months_s"] + total["year_s"]
        log("  the whole suite in one call, counts only (cohorts=False) ...")
        _, total["counts_months_s"] = ours(dataset, chosen, "month", cohorts=False)
        _, total["counts_year_s"] = ours(dataset, chosen, None, cohorts=False)
        total["counts_total_s"] = total["counts_months_s"] + total["counts_year_s"]
    total["sum_per_indicator_s"] = sum(v["total_s"] for v in per.values())
    peak_after_suite = peak_rss_mb()

    headline: dict[str, Any] = {}
    wanted = [h for h in HEADLINE if h in chosen]
    if wanted:
        try:
            import duckdb  # noqa: F401
        except ImportError:
            log("duckdb is not installed: no comparison (pip install duckdb)")
            wanted = []
    if wanted:
        log("DuckDB ...")
        started = time.perf_counter()
        con = duckdb_connect(folder)
        duck_load_s = time.perf_counter() - started
        for ind in wanted:
            entry: dict[str, Any] = {}
            for label, every, periods in (
                ("months", "month", month_periods(YEAR_START, YEAR_END)),
                (
                    "year",
                    None,
                    [(pd.Timestamp(YEAR_START).date(), pd.Timestamp(YEAR_END).date())],
                ),
            ):
                set_periods(con, periods)
                theirs, duck_s = median_time(functools.partial(duckdb_figures, con, ind))
                # Counts against counts: DuckDB returns figures, so ours keeps no cohort
                # (calculate(..., cohorts=False)); both sides are the median of REPEATS calls.
                counted, ours_s = median_time(
                    functools.partial(ours, dataset, [ind], every, cohorts=False)
                )
                problems = compare(frames[ind][label], theirs, ind)
                problems += compare(counted, theirs, ind)
                entry[label] = {
                    "ours_s": ours_s,
                    "ours_with_cohort_s": per[ind][f"{label}_s"],
                    "duckdb_s": duck_s,
                    "ratio": ours_s / duck_s if duck_s else None,
                    "equal": not problems,
                    "differences": problems[:10],
                }
            headline[ind] = entry
        headline_meta = {"duckdb_load_s": duck_load_s}
        con.close()
    else:
        headline_meta = {}

    figures = {
        "scale": scale,
        "activity": activity,
        "seed": SEED,
        "year": [YEAR_START, YEAR_END],
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
        },
        "rows": counts,
        "children": dataset.n_children,
        "referrals_six_years": six_years,
        "six_years": [SIX_YEARS_START, YEAR_END],
        "generate_s": generate_s,
        "load_s": load_s,
        "peak_rss_mb_after_load": peak_after_load,
        "peak_rss_mb": peak_after_suite,
        "suite": total,
        "indicators": per,
        "headline": headline,
        **headline_meta,
    }
    return figures


def profile(scale: float, indicators: Sequence[str], top: int = 25, activity: float = 1.0) -> str:
    """cProfile of each indicator's 12-month calculation (the dataset loaded first)."""
    import cProfile
    import io
    import pstats

    dataset = load_dataset(ensure_dataset(scale, activity=activity)[0])
    out = io.StringIO()
    for ind in indicators:
        profiler = cProfile.Profile()
        profiler.enable()
        ours(dataset, [ind], "month")
        profiler.disable()
        out.write(f"== {ind} (12 months)\n")
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def table(figures: dict[str, Any]) -> str:
    lines = [
        f"scale {figures['scale']:g}, activity {figures.get('activity', 1.0):g}: "
        f"{figures['children']:,} children, "
        f"{figures['rows'].get('referrals', 0):,} referrals "
        f"({figures.get('referrals_six_years', 0):,} in the six years to {YEAR_END}); "
        f"load {figures['load_s']:.1f} s; "
        f"peak memory {figures['peak_rss_mb'] / 1024:.2f} GB",
        f"{'indicator':<48} {'12 months':>10} {'year':>8} {'total':>8}",
    ]
    per = sorted(figures["indicators"].items(), key=lambda kv: -kv[1]["total_s"])
    for ind, f in per:
        lines.append(f"{ind:<48} {f['months_s']:>9.2f}s {f['year_s']:>7.2f}s {f['total_s']:>7.2f}s")
    s = figures["suite"]
    if "total_s" in s:
        lines.append(
            f"{'whole suite, one call':<48} {s['months_s']:>9.2f}s {s['year_s']:>7.2f}s "
            f"{s['total_s']:>7.2f}s"
        )
    if "counts_total_s" in s:
        lines.append(
            f"{'whole suite, one call, counts only':<48} {s['counts_months_s']:>9.2f}s "
            f"{s['counts_year_s']:>7.2f}s {s['counts_total_s']:>7.2f}s"
        )
    lines.append(
        f"{'sum of the per-indicator calls':<48} {'':>10} {'':>8} {s['sum_per_indicator_s']:>7.2f}s"
    )
    if figures["headline"]:
        lines.append("")
        lines.append(
            f"{'headline (ours vs DuckDB, counts)':<34} {'span':<7} {'ours':>8} {'DuckDB':>8} "
            f"{'ratio':>6}  equal"
        )
        for ind, entry in figures["headline"].items():
            for label, e in entry.items():
                lines.append(
                    f"{ind:<34} {label:<7} {e['ours_s']:>7.2f}s {e['duckdb_s']:>7.2f}s "
                    f"{e['ratio']:>6.2f}  {'yes' if e['equal'] else 'NO'}"
                )
                for d in e["differences"][:3]:
                    lines.append(f"    {d}")
    return "\n".join(lines)


def ensure_csv(folder: Path, log: Callable[[str], None] = print) -> Path:
    """The dataset's tables as CSV files (written once from the Parquet files, in ``csv/``).

    Dates are written as ``YYYY-MM-DD`` and date-times as ``YYYY-MM-DD HH:MM:SS``, as a
    council's extract would hold them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from safeguarding_metrics.model.tables import table_spec

    target = folder / "csv"
    done = target / ".complete"
    if done.exists():
        return target
    log(f"writing {folder.name} as CSV (once) ...")
    target.mkdir(exist_ok=True)
    for path in sorted(folder.glob("*.parquet")):
        table = pq.read_table(path)
        kinds = {c.name: c.kind for c in table_spec(path.stem).columns}
        columns = [
            pc.cast(table[name], pa.date32())
            if kinds.get(name) == "date" and pa.types.is_timestamp(table[name].type)
            else table[name]
            for name in table.column_names
        ]
        pacsv.write_csv(pa.table(columns, names=table.column_names), target / f"{path.stem}.csv")
        del table, columns
    done.write_text("ok\n")
    return target


def load_csv(scale: float, activity: float, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Time and peak memory of loading the dataset from its CSV files (nothing computed)."""
    folder, generate_s = ensure_dataset(scale, log, activity)
    csv_folder = ensure_csv(folder, log)
    log(f"loading {csv_folder} (validating every file: no cache) ...")
    started = time.perf_counter()
    dataset = load_dataset(csv_folder, cache=False)
    load_s = time.perf_counter() - started
    counts = {row.table: int(row.used) for row in dataset.counts.itertuples(index=False)}
    return {
        "scale": scale,
        "activity": activity,
        "format": "csv",
        "csv_bytes": sum(p.stat().st_size for p in csv_folder.glob("*.csv")),
        "rows": counts,
        "set_aside": int(dataset.counts["set_aside"].sum()),
        "children": dataset.n_children,
        "generate_s": generate_s,
        "load_s": load_s,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=NATIONAL_SCALE)
    parser.add_argument(
        "--activity",
        type=float,
        default=None,
        help=f"referrals per child relative to the seed council (default {NATIONAL_ACTIVITY:g}; "
        "1 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="scale 1: a smoke run")
    parser.add_argument("--indicators", nargs="+", help="only these indicator ids")
    parser.add_argument(
        "--profile", nargs="+", metavar="ID", help="only print a cProfile of these indicators"
    )
    parser.add_argument(
        "--csv",
        action="store_true",
        help="only load the dataset from CSV files (written once beside the Parquet files)",
    )
    parser.add_argument(
        "--loading",
        choices=("all", "parquet", "none", "only"),
        default="all",
        help="loading beside DuckDB, each run in a fresh process (benchmarks/loading.py): "
        "'all' Parquet and CSV then the rest (default), 'parquet' without CSV, 'none' "
        "skips it, 'only' runs nothing else",
    )
    parser.add_argument("--output", default=str(OUTPUT / "results.json"))
    args = parser.parse_args(argv)
    scale = 1.0 if args.quick else args.scale
    activity = (
        args.activity if args.activity is not None else (1.0 if args.quick else NATIONAL_ACTIVITY)
    )

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.profile:
        print(profile(scale, args.profile, activity=activity))
        return 0
    if args.csv:
        figures = load_csv(scale, activity, log)
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(
            f"scale {scale:g}, activity {activity:g}: {sum(figures['rows'].values()):,} rows "
            f"from {figures['csv_bytes'] / 1e9:.2f} GB of CSV loaded in {figures['load_s']:.1f} s "
            f"({figures['set_aside']} set aside); peak memory "
            f"{figures['peak_rss_mb'] / 1024:.2f} GB"
        )
        return 0
    loading: dict[str, Any] = {}
    if args.loading != "none":
        import loading as loading_bench  # benchmarks/loading.py, beside this script

        folder, _ = ensure_dataset(scale, log, activity)
        csv_folder = ensure_csv(folder, log) if args.loading in ("all", "only") else None
        log("loading, each run in a fresh process ...")
        loading = loading_bench.measure(folder, csv_folder, log)
    if args.loading == "only":
        figures = {"scale": scale, "activity": activity, "loading": loading}
    else:
        figures = run(scale, args.indicators, log, activity=activity)
        figures["loading"] = loading
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    if loading:
        print(loading_bench.table(loading))
        print()
    if args.loading == "only":
        return 0 if all(h["equal"] for h in loading["headline"].values()) else 1
    print(table(figures))
    bad = [
        ind
        for ind, entry in figures["headline"].items()
        if not all(e["equal"] for e in entry.values())
    ]
    if bad:
        print(f"\nNOT EQUAL to DuckDB: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
