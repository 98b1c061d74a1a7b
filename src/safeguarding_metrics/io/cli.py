"""``safeguarding-metrics import``: the returns a council already produces, as a dataset folder.

The main command-line interface adds this sub-command with :func:`add_parser`; :func:`run`
does the work and returns the exit code: 0 when the dataset was written (records set aside
are listed, not fatal, unless ``--strict``), 1 on bad input (a file that cannot be read, a
malformed or truncated XML file, an unrecognised CSV, or with ``--strict`` the first error),
2 on a usage error; always a one-paragraph message on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from ..cli_common import redact_values
from ..cli_common import say as _say
from ..model.quality import DataError
from ..model.tables import table_specs
from . import (
    COUNTS_FILE,
    NOTES_FILE,
    QUALITY_FILE,
    ReturnFileError,
    import_returns,
    write_dataset,
)

__all__ = ["add_parser", "run"]

#: Files larger than this get a progress bar; smaller ones a single line.
BAR_FROM = 5 * 1024 * 1024


def add_parser(subparsers: Any) -> None:
    """Add the ``import`` sub-command to an ``argparse`` sub-parsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned. The new parser's default ``func``
        is :func:`run`.
    """
    parser = subparsers.add_parser(
        "import",
        help="import CIN census, SSDA903 and Annex A returns into a canonical dataset folder",
        description=(
            "Read the returns a council already produces (CIN census XML, the SSDA903 CSV "
            "files or XML, the Ofsted Annex A workbook), of one or several years, and write "
            "them as a canonical dataset folder, with the import's findings "
            f"({QUALITY_FILE}), counts ({COUNTS_FILE}) and notes ({NOTES_FILE}) beside the "
            "tables. Child identifiers never appear in messages."
        ),
    )
    parser.add_argument(
        "--cin", nargs="+", action="extend", default=[], metavar="FILE", help="CIN census XML"
    )
    parser.add_argument(
        "--ssda903",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="SSDA903 return: a folder of CSV files, CSV files, or an XML file",
    )
    parser.add_argument(
        "--annex-a",
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        dest="annex_a",
        help="Ofsted Annex A workbook (.xlsx)",
    )
    _add_ssd_arguments(parser)
    parser.add_argument("--output", required=True, metavar="DATASET", help="folder to write")
    parser.add_argument("--la", metavar="CODE", help="record this authority code in column la")
    parser.add_argument(
        "--pooled",
        action="store_true",
        help="pooled returns of several authorities: la from each return (CIN header LEA)",
    )
    parser.add_argument(
        "--collection-year",
        type=int,
        metavar="YEAR",
        help="SSDA903 collection year (its 31 March), for care leavers' dates; default inferred",
    )
    parser.add_argument("--strict", action="store_true", help="stop at the first data error")
    parser.add_argument(
        "--force", action="store_true", help="replace the tables of an existing dataset folder"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress, no notes")
    parser.set_defaults(func=run)


def _add_ssd_arguments(parser: argparse.ArgumentParser) -> None:
    """The Standard Safeguarding Dataset options (``docs/ssd.md``)."""
    ssd = parser.add_argument_group(
        "Standard Safeguarding Dataset (SSD)",
        "read the ssd_* tables of the council's database instead of returns; the URL is a "
        "SQLAlchemy URL (mssql+pyodbc://..., postgresql+psycopg://..., sqlite:///FILE, "
        "duckdb:///FILE), given in one of three ways so that a password need not sit in "
        "shell history",
    )
    ssd.add_argument("--ssd", metavar="URL", help="the database URL")
    ssd.add_argument("--ssd-env", metavar="VAR", help="an environment variable holding the URL")
    ssd.add_argument("--ssd-file", metavar="PATH", help="a file whose first line is the URL")
    ssd.add_argument("--ssd-schema", metavar="NAME", help="the schema of the ssd_* tables")
    ssd.add_argument(
        "--ssd-since",
        metavar="YYYY-MM-DD",
        help="read only records open on or dated after this day (shortens every look-back; "
        "default: the whole history)",
    )
    ssd.add_argument(
        "--ssd-role",
        action="append",
        default=None,
        metavar="ROLE",
        help="an ssd_involvements role that is the allocated worker (repeat for several; "
        "default: Allocated Case Worker, Allocated Social Worker, Allocated Worker, Case "
        "Holder, Key Worker)",
    )


def _wants_ssd(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) for name in ("ssd", "ssd_env", "ssd_file"))


def _import_ssd(args: argparse.Namespace) -> Any:
    """The SSD import the options ask for (raises as :func:`~.ssd.import_ssd` does)."""
    from .ssd import DEFAULT_ALLOCATED_ROLES, import_ssd

    since = dt.date.fromisoformat(args.ssd_since) if args.ssd_since else None
    return import_ssd(
        args.ssd,
        env=args.ssd_env,
        file=args.ssd_file,
        schema=args.ssd_schema,
        since=since,
        allocated_roles=tuple(args.ssd_role or DEFAULT_ALLOCATED_ROLES),
        la=args.la,
        progress=not args.quiet,
        strict=args.strict,
    )


class _Progress:
    """A bar on standard error for large files (redrawn in place on a terminal, every 10%
    otherwise), one line for small ones."""

    def __init__(self) -> None:
        self.file = ""
        self.step = -1
        self.tty = sys.stderr.isatty()

    def __call__(self, file: str, done: int, total: int) -> None:
        if file != self.file:
            self.finish()
            self.file, self.step = file, -1
            if total < BAR_FROM:
                print(f"... reading {Path(file.split(' [')[0]).name}", file=sys.stderr)
        if total < BAR_FROM:
            return
        fraction = min(done / total, 1.0) if total else 1.0
        step = int(fraction * 40)
        if step == self.step or (not self.tty and step % 4 and step != 40):
            return
        self.step = step
        bar = f"... reading {Path(file).name} [{'#' * step}{'.' * (40 - step)}] {fraction:4.0%}"
        print(("\r" if self.tty else "") + bar, end="" if self.tty else "\n", file=sys.stderr)

    def finish(self) -> None:
        if self.tty and self.step >= 0:
            print(file=sys.stderr)
            self.step = -1


def run(args: argparse.Namespace) -> int:
    """Run ``safeguarding-metrics import``; returns the exit code (see the module docstring)."""
    ssd = _wants_ssd(args)
    if ssd and (args.cin or args.ssda903 or args.annex_a or args.pooled):
        _say("error: --ssd reads the whole dataset from the database: give no returns with it")
        return 2
    if sum(bool(getattr(args, n, None)) for n in ("ssd", "ssd_env", "ssd_file")) > 1:
        _say("error: give the database URL one way: --ssd, --ssd-env or --ssd-file")
        return 2
    if not ssd and (args.ssd_schema or args.ssd_since or args.ssd_role):
        _say("error: --ssd-schema, --ssd-since and --ssd-role go with --ssd URL")
        return 2
    if not (args.cin or args.ssda903 or args.annex_a or ssd):
        _say(
            "error: give at least one return: --cin FILE, --ssda903 PATH or --annex-a FILE, "
            "or a database: --ssd URL"
        )
        return 2
    if args.la and args.pooled:
        _say("error: give either --la CODE (one authority) or --pooled, not both")
        return 2
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        _say(f"error: {output} exists and is not a folder")
        return 2
    existing = [n for n in table_specs() if (output / f"{n}.csv").exists()]
    if existing and not args.force:
        _say(
            f"error: {output} already holds a dataset ({', '.join(existing[:5])}"
            f"{' ...' if len(existing) > 5 else ''}); use --force to replace it"
        )
        return 2
    if ssd:
        return _run_ssd(args, output)
    progress = None if args.quiet else _Progress()
    try:
        result = import_returns(
            cin=args.cin,
            ssda903=args.ssda903,
            annex_a=args.annex_a,
            progress=progress,
            la=args.la,
            pooled=args.pooled,
            collection_year=args.collection_year,
            strict=args.strict,
        )
    except DataError as exc:
        if progress is not None:
            progress.finish()
        text = str(exc) if isinstance(exc, ReturnFileError) else _record_error_text(exc)
        _say(f"error: {_sentence(text)} Nothing was written.")
        return 1
    if progress is not None:
        progress.finish()
    write_dataset(result, output)
    print(result.summary(), file=sys.stderr)
    if not args.quiet:
        for note in result.notes:
            _say(f"note: {note}")
    errors = int((result.quality["severity"] == "error").sum()) if len(result.quality) else 0
    _say(
        f"wrote {len(result.frames)} table(s) to {output}; {len(result.quality):,} finding(s) "
        f"({errors:,} error(s)) listed in {output / QUALITY_FILE}."
    )
    return 0


def _run_ssd(args: argparse.Namespace, output: Path) -> int:
    """``import --ssd``: the SSD tables of a database as a dataset folder."""
    if args.ssd_since:
        try:
            dt.date.fromisoformat(args.ssd_since)
        except ValueError:
            _say(f"error: --ssd-since {args.ssd_since!r} is not a day (YYYY-MM-DD)")
            return 2
    try:
        result = _import_ssd(args)
    except ValueError as exc:
        _say(f"error: {_sentence(str(exc))}")
        return 2
    except DataError as exc:
        fault = exc.fault
        text = f"{fault.file}: {fault.reason}" if fault.row is None else _record_error_text(exc)
        _say(f"error: {_sentence(text)} Nothing was written.")
        return 1
    write_dataset(result, output)
    print(result.summary(), file=sys.stderr)
    if not args.quiet:
        for note in result.notes:
            _say(f"note: {note}")
    errors = int((result.quality["severity"] == "error").sum()) if len(result.quality) else 0
    _say(
        f"wrote {len(result.frames)} table(s) to {output}; {len(result.quality):,} finding(s) "
        f"({errors:,} error(s)) listed in {output / QUALITY_FILE}."
    )
    return 0


def _sentence(text: str) -> str:
    """``text`` ending with a full stop, so that the next sentence does not run into it."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _record_error_text(exc: DataError) -> str:
    """A record's error that stopped a ``--strict`` import, as standard error shows it: file,
    row and column, and the reason with the values of the data left out.

    A value can be a child's identifier (a column holding the wrong field), and standard
    error ends up in logs: the quoted values are replaced by ``'…'``
    (:func:`~safeguarding_metrics.cli_common.redact_values`), as ``validate --strict`` does. A
    file-level refusal (:class:`ReturnFileError`) quotes no record and is shown as it is.
    """
    fault = exc.fault
    where = [str(fault.file)]
    if fault.row is not None:
        where.append(f"row {fault.row}")
    if fault.column is not None:
        where.append(f"column {fault.column!r}")
    reason = redact_values(str(fault.reason))
    text = f"{', '.join(where)}: {reason}"
    if "…" in reason:
        text += (
            " (values from the data are not shown here: without --strict the import lists "
            f"them in {QUALITY_FILE})"
        )
    return text
