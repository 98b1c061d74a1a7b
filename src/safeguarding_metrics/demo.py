"""``make demo``: the built-in synthetic council, from case records to monthly results.

Generates the synthetic council (seeded, so every run gives the same figures), writes it as a
canonical dataset folder, loads it back through the same validation a council's own extract
gets, and computes every bundled indicator for each month from April to December 2015, with the
benchmarks of the council the synthetic data imitate (Rotherham, 372).

Run ``python -m safeguarding_metrics.demo --help`` for the options.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from .cli import _table
from .export import write_csv
from .model import load_dataset
from .report import build_report, load_commentary
from .report.key_messages import key_messages_text
from .report.settings import load_settings
from .report.write import write_report
from .synthetic import generate
from .synthetic import write_csv as write_dataset
from .targets import load_targets

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m safeguarding_metrics.demo",
        description="Generate the synthetic council and compute its monthly results.",
    )
    parser.add_argument("--output", default="demo-output", help="folder for everything written")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the dataset")
    parser.add_argument("--targets", help="a targets file (TOML) for the red/amber/green status")
    parser.add_argument("--commentary", help="a commentary file (CSV) for the report")
    parser.add_argument(
        "--settings", help="report settings (TOML): headline windows, the committee's front page"
    )
    args = parser.parse_args(argv)

    out = Path(args.output)
    data = out / "synthetic-council"
    started = time.perf_counter()
    regenerated = args.regenerate or not (data / "referrals.csv").exists()
    if regenerated:
        print(f"Generating the synthetic council (seed {args.seed}) ...", file=sys.stderr)
        frames = generate(seed=args.seed, scale=args.scale)
        write_dataset(frames, data)
    dataset = load_dataset(data)
    print(dataset.summary(), file=sys.stderr)
    report = build_report(
        dataset,
        council_targets=load_targets(args.targets) if args.targets else None,
        commentary=load_commentary(args.commentary) if args.commentary else None,
        settings=load_settings(args.settings) if args.settings else None,
        start="2015-04",
        end="2015-12",
        every="month",
        la="372",
        allow_broken_plugins=True,
        progress=lambda message: print(f"... {message}", file=sys.stderr),
    )
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    # The monthly results: each month's own figures (the report adds year-to-date and
    # rolling-12-month windows for flow measures).
    frame = report.results.frame
    monthly = attrs.evolve(
        report.results, frame=frame.loc[frame["window"] == "period"].reset_index(drop=True)
    )
    table = _table(monthly)
    print(table)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(monthly.frame, out / "results.csv")
    (out / "results.json").write_text(
        json.dumps(monthly.to_records(), indent=2) + "\n", encoding="utf-8"
    )
    (out / "results.txt").write_text(table, encoding="utf-8")
    write_csv(dataset.quality, out / "data-quality.csv")
    written = write_report(
        report,
        out / "report",
        drilldown=True,
        progress=lambda message: print(f"... {message}", file=sys.stderr),
    )
    _ssd_part(data, out, frame, regenerated)
    elapsed = time.perf_counter() - started
    print(
        f"\nMonthly results for April-December 2015 written to {out}/results.csv, "
        f"results.json and results.txt.\n"
        f"The performance report for December 2015 is in {out}/report/:\n"
        f"  {written.html}  (open it in a browser; it needs no network)\n"
        f"  {written.excel}  (summary and a sheet per indicator)\n"
        f"  {written.csv}  (every figure behind the report)\n"
        f"  {out}/report/drilldown/  (child-level lists per team: synthetic children here,\n"
        f"      personal data in a real council's report)\n"
        f"The synthetic council's data are in {data}/ (load them with "
        f"safeguarding_metrics.load_dataset or `safeguarding-metrics report {data} ...`).\n"
        f"Done in {elapsed:.1f} s.",
        file=sys.stderr,
    )
    # the report opens on its key messages: the terminal ends on them too
    print("\n" + key_messages_text(report.key_messages, report.latest_period_name), file=sys.stderr)
    return 0


def _ssd_part(data: Path, out: Path, frame: Any, regenerated: bool) -> None:
    """The synthetic council as a Standard Safeguarding Dataset (``ssd.sqlite``), read back,
    its figures beside the CSV folder's (``docs/ssd.md``)."""
    from .io.ssd.demo import SSD_DIFFERENCES, run_demo

    verdict = run_demo(
        data,
        out / "ssd.sqlite",
        frame,
        start="2015-04-01",
        end="2015-12-31",
        regenerate=regenerated,
        say=lambda message: print(f"... {message}", file=sys.stderr),
    )
    print(
        f"From the SSD database {out}/ssd.sqlite: {len(verdict['equal'])} indicators equal to "
        "the CSV folder's in every month; not computable from the SSD (it holds no such "
        f"data): {', '.join(verdict['not computable']) or 'none'}.",
        file=sys.stderr,
    )
    for indicator in verdict["explained"]:
        print(f"  {indicator} differs: {SSD_DIFFERENCES[indicator]}.", file=sys.stderr)
    for indicator in verdict["differ"]:
        print(f"  warning: {indicator} differs from the CSV folder's figures", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
