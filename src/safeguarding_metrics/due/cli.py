"""``safeguarding-metrics due``: the weekly child-level due lists, one workbook per team.

The main command-line interface adds this sub-command with :func:`add_parser`. Errors follow
the other sub-commands: a one-paragraph message on standard error, exit code 2 for usage (a bad
date, an unknown team or worker, a bad ``--within``) and 1 for data or plugin problems. Child
identifiers go only into the files written, never to standard output or the log.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..cli_common import OutputPathError, add_run_options, check_output_folder
from ..cli_common import say as _say
from ..engine import UsageError
from ..model import load_dataset
from ..plugins import guard_stdout
from .lists import ALL_TEAMS, DueLists, due_lists, known_teams
from .workbook import CSV_NAME, write_due_files

__all__ = ["add_parser", "run"]


def _day(text: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _days(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the number of days is 0 or more")
    return value


def add_parser(subparsers: Any) -> None:
    """Add the ``due`` sub-command to an ``argparse`` sub-parsers object."""
    p = subparsers.add_parser(
        "due",
        help="child-level due lists as at a day: overdue cases and those falling due next",
        description=(
            "Write the due lists of every deadline measure as at a day (statutory visits, "
            "reviews, assessments, conferences, MASH decisions, plans): one Excel workbook per "
            "team and a combined CSV, overdue cases first. The files hold personal data (child "
            "identifiers) and say so in their first row."
        ),
    )
    p.add_argument("dataset", help="a canonical dataset folder")
    p.add_argument("--as-at", required=True, type=_day, help="the day, YYYY-MM-DD")
    p.add_argument("--output", required=True, metavar="DIR", help="folder for the files")
    p.add_argument("--team", metavar="NAME", help="only this team's cases (workers.team)")
    p.add_argument("--worker", metavar="ID", help="only this worker's cases (worker_id)")
    p.add_argument(
        "--within",
        type=_days,
        default=14,
        metavar="DAYS",
        help="list cases due within this many days (default 14), besides the overdue ones",
    )
    p.add_argument("--la", metavar="CODE", help="the authority, when the dataset pools several")
    add_run_options(p)
    p.set_defaults(func=run)


def _summary_text(due: DueLists) -> str:
    """Counts per due list (each case once), with no child identifier."""
    near = f"due<={min(7, due.within)}d"
    lines = [
        f"Due lists as at {due.as_at.isoformat()} (cases due within {due.within} days):",
        f"{'due list':<28} {'overdue':>8} {near:>10} {f'due<={due.within}d':>10}  title",
    ]
    rows = due.summary.loc[due.summary["team"].to_numpy(dtype=object) == ALL_TEAMS]
    for row in rows.itertuples(index=False):
        if row.status != "ok":
            lines.append(f"{row.due_list:<28} not available: {row.reason}")
            continue
        lines.append(
            f"{row.due_list:<28} {int(row.overdue):>8} {int(row.due_7):>10} "
            f"{int(row.due_7) + int(row.due_within):>10}  {row.title}"
        )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Make the due lists and write them; the exit code."""
    try:  # before any work: a path that cannot be written is a usage error
        check_output_folder(args.output)
    except OutputPathError as exc:
        raise UsageError(f"cannot write the due lists: {exc}") from None
    dataset = load_dataset(
        args.dataset,
        strict=args.strict,
        progress=None if args.quiet else (lambda m: print(f"... {m}", file=sys.stderr)),
        cache=not args.no_cache,
    )
    if args.team is not None and args.team not in known_teams(dataset):
        raise UsageError(
            f"--team {args.team!r} is not a team of this dataset; its teams: "
            + ", ".join(known_teams(dataset))
        )
    if args.worker is not None:
        workers: set[str] = set()
        for table in ("workers", "allocations"):
            if dataset.has(table):
                workers.update(dataset.view(table, ["worker_id"])["worker_id"].astype(str))
        if args.worker not in workers:
            raise UsageError(f"--worker {args.worker!r} is not a worker of this dataset")
    with guard_stdout():  # whatever a plugin prints goes to standard error, not the summary
        due = due_lists(
            dataset,
            args.as_at,
            within=args.within,
            team=args.team,
            worker=args.worker,
            la=args.la,
            allow_broken_plugins=args.skip_broken_plugins,
        )
    for warning in due.warnings:
        _say(f"warning: {warning}")
    try:
        written = write_due_files(due, args.output)
    except OSError as exc:
        raise UsageError(
            f"cannot write the due lists to {args.output}: {exc.strerror or type(exc).__name__}"
        ) from None
    sys.stdout.write(_summary_text(due))
    _say(
        f"wrote {CSV_NAME} and {len(written) - 1} team workbook(s) to {args.output}: they are "
        "personal data (child identifiers); keep and share them accordingly"
    )
    return 0
