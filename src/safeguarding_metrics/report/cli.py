"""``safeguarding-metrics report``: the performance report a committee reads.

The main command-line interface adds this sub-command with :func:`add_parser`. Exit codes as
for every sub-command: 0 written, 1 bad data or a broken plugin, 2 usage (including a bad
targets or commentary file); errors in one paragraph, never a traceback or a child's id.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..cli_common import add_run_options, check_output_folder
from ..cli_common import say as _say
from ..engine import UsageError
from ..plugins import guard_stdout
from ..targets import TargetsFileError, load_targets
from .build import EVERY, build_report
from .commentary import CommentaryError, load_commentary
from .settings import SettingsFileError, load_settings
from .suppress import DEFAULT_SUPPRESS_BELOW
from .write import write_report

__all__ = ["add_parser", "run"]


def _month(text: str) -> str:
    """An argparse type: ``YYYY-MM``."""
    import datetime as dt

    try:
        dt.date.fromisoformat(text.strip() + "-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month (write YYYY-MM)") from None
    return text.strip()


def add_parser(subparsers: Any) -> None:
    """Add the ``report`` sub-command to an ``argparse`` sub-parsers object."""
    p = subparsers.add_parser(
        "report",
        help="write the performance report (HTML, Excel, CSV) for a range of months",
        description=(
            "Compute every indicator for each month (or financial quarter) from --from to --to "
            "and write a self-contained HTML report, an Excel workbook and the results as CSV "
            "into --output. Flow measures are shown over the rolling 12 months with the year "
            "to date beside them; snapshot measures as at each period's end."
        ),
    )
    p.add_argument("dataset", help="a canonical dataset folder")
    p.add_argument("--la", metavar="CODE", help="the council (DfE code or name), for benchmarks")
    p.add_argument("--from", dest="start", required=True, type=_month, metavar="YYYY-MM")
    p.add_argument("--to", dest="end", required=True, type=_month, metavar="YYYY-MM")
    p.add_argument("--every", choices=EVERY, default="month", help="month (default) or quarter")
    p.add_argument("--targets", metavar="FILE", help="the council's targets file (TOML)")
    p.add_argument(
        "--settings",
        metavar="FILE",
        help="the report's settings (TOML): [headline] windows per indicator id",
    )
    p.add_argument(
        "--commentary",
        metavar="FILE",
        help="the service's commentary (CSV: indicator, period, commentary[, author])",
    )
    p.add_argument("--output", required=True, metavar="DIR", help="folder to write into")
    p.add_argument(
        "--indicator", action="append", default=[], metavar="ID", help="an indicator (repeat)"
    )
    p.add_argument("--neighbours", choices=("mean", "median"), default="mean")
    p.add_argument(
        "--benchmark-year",
        choices=("published", "same"),
        default="published",
        help=(
            "compare each period with the latest DfE figures published by its end (default, "
            "as a report written at the time would) or with its own collection year"
        ),
    )
    p.add_argument(
        "--suppress",
        nargs="?",
        type=int,
        const=DEFAULT_SUPPRESS_BELOW,
        metavar="BELOW",
        help=(
            "small-number suppression for publishing: hide counts from 1 to BELOW-1 "
            f"(default BELOW {DEFAULT_SUPPRESS_BELOW}: 1 to 5 hidden)"
        ),
    )
    p.add_argument(
        "--drilldown",
        action="store_true",
        help="also write child-level lists per team (personal data) to DIR/drilldown/",
    )
    p.add_argument("--no-html", action="store_true", help="skip the HTML report")
    p.add_argument("--no-excel", action="store_true", help="skip the Excel workbook")
    p.add_argument("--title", help="the report's title (default from the period)")
    add_run_options(p)
    p.set_defaults(func=run)


def _bar(total: int, quiet: bool) -> tuple[Callable[[str], None] | None, Callable[[], None]]:
    """A progress bar over the indicators (on a terminal), else one line per stage."""
    if quiet:
        return None, lambda: None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, unit="indicator", file=sys.stderr, leave=False)

        def step(message: str) -> None:
            bar.set_description_str(message.removeprefix("computing ")[:40])
            bar.update(1)

        return step, bar.close
    done = [0]

    def line(message: str) -> None:
        done[0] += 1
        if done[0] == 1 or done[0] % 10 == 0 or done[0] == total:
            print(f"... {done[0]}/{total} indicators", file=sys.stderr)

    return line, lambda: None


def run(args: argparse.Namespace) -> int:
    from ..model import load_dataset
    from ..registry import default_registry

    verbose = bool(getattr(args, "verbose", False))
    timings: dict[str, float] = {}
    if args.end < args.start:
        raise UsageError(f"--to {args.end} is before --from {args.start}")
    if args.suppress is not None and args.suppress < 2:
        raise UsageError("--suppress needs a threshold of at least 2")
    if args.suppress is not None and args.drilldown:
        raise UsageError(
            "--drilldown writes child-level lists, which are never published: "
            "it cannot go with --suppress"
        )
    check_output_folder(args.output)
    try:
        targets = load_targets(args.targets) if args.targets else None
        commentary = load_commentary(args.commentary) if args.commentary else None
        settings = load_settings(args.settings) if args.settings else None
    except (TargetsFileError, CommentaryError, SettingsFileError) as exc:
        raise UsageError(str(exc)) from None
    say = (lambda m: None) if args.quiet else (lambda m: print(m, file=sys.stderr))
    clock = time.perf_counter()
    say(f"Loading {args.dataset} ...")
    dataset = load_dataset(args.dataset, strict=args.strict, cache=not args.no_cache)
    timings["load"] = time.perf_counter() - clock
    with guard_stdout():  # whatever a plugin prints goes to standard error, not the summary
        registry = default_registry()
        total = len(args.indicator) if args.indicator else len(registry)
        say(f"Computing {total} indicators, {args.every}ly from {args.start} to {args.end} ...")
        step, close = _bar(total, args.quiet)
        try:
            report = build_report(
                dataset,
                start=args.start,
                end=args.end,
                every=args.every,
                la=args.la,
                indicators=args.indicator or None,
                council_targets=targets,
                commentary=commentary,
                settings=settings,
                registry=registry,
                suppress_below=args.suppress,
                neighbours=args.neighbours,
                benchmark_years=args.benchmark_year,
                allow_broken_plugins=args.skip_broken_plugins,
                title=args.title,
                progress=step,
            )
        finally:
            close()
    timings.update(report.timings)
    written = write_report(
        report,
        args.output,
        html=not args.no_html,
        excel=not args.no_excel,
        drilldown=args.drilldown,
        progress=say if not args.quiet else None,
    )
    timings.update(written.timings)
    for warning in report.warnings:
        _say(f"warning: {warning}")
    set_aside = int(dataset.counts["set_aside"].sum()) if len(dataset.counts) else 0
    if set_aside:
        _say(
            f"note: {set_aside} record(s) set aside; 'safeguarding-metrics validate "
            f"{args.dataset}' lists them."
        )
    drafted = sum(section.commentary.draft for section in report.sections)
    out = Path(args.output)
    lines = [f"Report for {report.council}, {report.latest_period_name}, written to {out}/:"]
    for label, path in (("HTML", written.html), ("Excel", written.excel), ("CSV", written.csv)):
        if path is not None:
            lines.append(f"  {label:<6} {path}")
    if written.drilldowns:
        lines.append(
            f"  drill-down lists (personal data) for {len(written.drilldowns)} teams in "
            f"{out / 'drilldown'}/"
        )
    elif args.drilldown:
        lines.append(
            "  no drill-down lists: "
            + (
                "the dataset has no allocations to say which team a child belongs to"
                if not dataset.has("allocations")
                else "no percentage indicator had records in the latest period"
            )
        )
    lines.append(
        f"{len(report.sections)} indicators; commentary drafted for {drafted} (marked as drafts)."
    )
    print("\n".join(lines))
    if verbose:
        print("Time per stage:", file=sys.stderr)
        for name, seconds in timings.items():
            print(f"  {name:<10} {seconds:7.2f} s", file=sys.stderr)
    return 0
