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

from .cli import _table
from .engine import calculate
from .export import write_csv
from .model import load_dataset
from .synthetic import generate
from .synthetic import write_csv as write_dataset

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
    args = parser.parse_args(argv)

    out = Path(args.output)
    data = out / "synthetic-council"
    started = time.perf_counter()
    if args.regenerate or not (data / "referrals.csv").exists():
        print(f"Generating the synthetic council (seed {args.seed}) ...", file=sys.stderr)
        frames = generate(seed=args.seed, scale=args.scale)
        write_dataset(frames, data)
    dataset = load_dataset(data)
    print(dataset.summary(), file=sys.stderr)
    results = calculate(
        dataset,
        start="2015-04-01",
        end="2015-12-31",
        every="month",
        la="372",
        allow_broken_plugins=True,
        progress=lambda message: print(f"... {message}", file=sys.stderr),
    )
    for warning in results.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    table = _table(results)
    print(table)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(results.frame, out / "results.csv")
    (out / "results.json").write_text(
        json.dumps(results.to_records(), indent=2) + "\n", encoding="utf-8"
    )
    (out / "results.txt").write_text(table, encoding="utf-8")
    write_csv(dataset.quality, out / "data-quality.csv")
    elapsed = time.perf_counter() - started
    print(
        f"\nMonthly results for April-December 2015 written to {out}/results.csv, "
        f"results.json and results.txt ({elapsed:.1f} s).\n"
        f"The synthetic council's data are in {data}/ (load them with "
        f"safeguarding_metrics.load_dataset or `safeguarding-metrics calculate {data} ...`).",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
