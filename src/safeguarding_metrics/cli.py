"""The ``safeguarding-metrics`` command: a thin layer over the Python API.

Results go to standard output (or ``--output``); progress and warnings to standard error.
Bad input or usage gets a one-paragraph message and a non-zero exit code, never a traceback:
2 for usage, 1 for data or plugin problems.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .cli_common import (
    OutputPathError,
    add_run_options,
    check_output_file,
    check_output_folder,
    data_error_text,
)
from .cli_common import say as _say
from .engine import WINDOWS, Results, UsageError, calculate, display_round
from .export import write_csv
from .indicator import SECTION_NAMES, UNPLACED_SECTION, ParameterError, Unit
from .model import DataError, load_dataset, table_specs
from .plugins import guard_stdout
from .registry import PluginError, Registry, UnknownIndicatorError, default_registry
from .targets import TargetsFileError, load_targets

__all__ = ["main"]


class CliError(Exception):
    """A problem to report in one paragraph, with an exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _progress(quiet: bool) -> Callable[[str], None] | None:
    if quiet:
        return None
    return lambda message: print(f"... {message}", file=sys.stderr)


# -- calculate ---------------------------------------------------------------------------------


def _parse_params(items: Sequence[str]) -> dict[str, dict[str, str]]:
    params: dict[str, dict[str, str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        indicator, dot, name = key.strip().rpartition(".")
        if not sep or not dot or not indicator or not name:
            raise CliError(
                f"--param {item!r} is not ID.NAME=VALUE (for example "
                "--param national.rereferrals_12m.per=child)"
            )
        params.setdefault(indicator, {})[name] = value.strip()
    return params


def _format_value(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    decimals = Unit(unit).decimals
    rounded = display_round(float(value), decimals)
    text = f"{rounded:.{decimals}f}"
    return f"{text}%" if unit == "%" else text


def _findings(count: Any) -> str:
    """The data-quality findings on a figure (column ``dq``): ``⚠ 13``, or ``-`` for none."""
    return "-" if pd.isna(count) or not int(count) else f"⚠ {int(count)}"


def _table(results: Results) -> str:
    frame = results.frame
    lines = []
    header = (
        f"{'indicator':<34} {'period':<24} {'window':<9} {'num':>7} {'den':>7} "
        f"{'value':>8}  {'travel':<10} {'target':>7} {'status':<6} {'dq':>5}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    for row in frame.itertuples(index=False):
        window = f"{row.window}*" if row.headline is True else str(row.window)
        if row.status != "ok":
            lines.append(
                f"{row.indicator:<34} {row.period:<24} {window:<9} not computable: {row.reason}"
            )
            continue
        num = "-" if pd.isna(row.numerator) else f"{row.numerator:g}"
        den = "-" if pd.isna(row.denominator) else f"{row.denominator:g}"
        target = "-" if row.target is None or pd.isna(row.target) else f"{row.target:g}"
        lines.append(
            f"{row.indicator:<34} {row.period:<24} {window:<9} {num:>7} {den:>7} "
            f"{_format_value(row.value, row.unit):>8}  {(row.direction or '-'):<10} "
            f"{target:>7} {(row.target_status or '-'):<6} {_findings(row.quality_findings):>5}"
            + (f" [{row.la}]" if row.la is not None else "")
        )
    lines.append("* the indicator's headline window")
    return "\n".join(lines) + "\n"


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"--output {output}: cannot be written ({exc.strerror or exc})") from None


def _day(text: str) -> str:
    """An argparse type: a calendar date written YYYY-MM-DD."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _calculate(args: argparse.Namespace, dataset: Any, targets: Any) -> Results:
    """The engine run ``calculate`` asks for."""
    return calculate(
        dataset,
        start=args.start,
        end=args.end,
        every=args.every,
        indicators=args.indicator or None,
        params=_parse_params(args.param),
        windows=args.window or ("period",),
        council_targets=targets,
        la=args.la,
        benchmarks=not args.no_benchmarks,
        neighbours=args.neighbours,
        benchmark_years=args.benchmark_year,
        cohorts=bool(args.drilldown),
        allow_broken_plugins=args.skip_broken_plugins,
        progress=_progress(args.quiet),
    )


def cmd_calculate(args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise CliError(f"--end {args.end} is before --start {args.start}")
    check_output_file(args.output)
    if args.drilldown:
        check_output_folder(args.drilldown, "--drilldown")
    try:
        targets = load_targets(args.targets) if args.targets else None
    except TargetsFileError as exc:
        raise CliError(str(exc)) from None
    with guard_stdout():  # a plugin printing cannot corrupt the results on standard output
        dataset = load_dataset(
            args.dataset,
            strict=args.strict,
            progress=_progress(args.quiet),
            cache=not args.no_cache,
        )
        results = _calculate(args, dataset, targets)
    set_aside = int(dataset.counts["set_aside"].sum()) if len(dataset.counts) else 0
    if set_aside or len(dataset.quality):
        _say(
            f"note: {len(dataset.quality)} data-quality finding(s); {set_aside} record(s) set "
            f"aside. 'safeguarding-metrics validate {args.dataset}' lists them."
        )
    for warning in results.warnings:
        _say(f"warning: {warning}")
    if args.format == "json":
        text = json.dumps(results.to_records(), indent=2) + "\n"
    elif args.format == "csv":
        text = write_csv(results.frame) or ""
    else:
        text = _table(results)
    _write(text, args.output)
    if args.to_sql or args.to_sql_env:
        _to_sql(args, results)
    if args.drilldown:
        folder = Path(args.drilldown)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for indicator in results.cohorts:
                write_csv(results.drilldown(indicator), folder / f"{indicator}.csv")
        except OSError as exc:
            reason = exc.strerror or exc
            raise CliError(f"--drilldown {folder}: cannot be written ({reason})") from None
        _say(
            f"drill-down lists written to {folder}: they are personal data (they contain "
            "child identifiers); keep and share them accordingly"
        )
    return 0


def _to_sql(args: argparse.Namespace, results: Results) -> None:
    """``calculate --to-sql``: the result rows into a database table (``docs/ssd.md``)."""
    from .io.ssd.database import resolve_url
    from .to_sql import results_to_sql

    try:
        url = resolve_url(args.to_sql, env=args.to_sql_env)
    except ValueError as exc:
        raise CliError(f"--to-sql: {exc}") from None
    written = results_to_sql(
        results,
        url,
        args.table,
        schema=args.to_sql_schema,
        council=args.la,
        params=_parse_params(args.param),
    )
    what = "created" if written.created else f"{written.replaced:,} rows of an earlier run replaced"
    if written.added_columns:
        what += f"; columns added: {', '.join(written.added_columns)}"
    _say(f"wrote {written.rows:,} result rows to table {args.table} ({what})")


# -- indicators, plugins -----------------------------------------------------------------------


def cmd_indicators(args: argparse.Namespace) -> int:
    with guard_stdout():  # plugins load here: whatever they print goes to standard error
        registry = default_registry()
    for problem in registry.problems:
        _say(f"warning: {problem}")
    items = []
    for indicator in registry:
        meta = indicator.metadata()
        prov = registry.provenance[indicator.id]
        meta["plugin"] = prov.plugin
        meta["distribution"] = prov.distribution
        meta["version"] = prov.version
        items.append(meta)
    if args.format == "json":
        _write(json.dumps(items, indent=2) + "\n", None)
    else:
        for meta in items:
            print(
                f"{meta['id']:<36} {meta['kind']:<9} {meta['unit']:<6} {meta['polarity']:<7} "
                f"{meta['title']}"
            )
    return 0


def _unplaced(registry: Registry, plugin: str) -> list[str]:
    """A plugin's indicators that declare no report section (placed in the default one)."""
    return [
        i.id for i in registry if i.section is None and registry.provenance[i.id].plugin == plugin
    ]


def cmd_plugins(args: argparse.Namespace) -> int:
    with guard_stdout():
        registry = default_registry()
    plugins = [p for p in registry.plugins if args.all or not p.blocked]
    if args.all or args.format == "json":
        out = []
        for p in plugins:
            item = p.as_dict()
            item["indicators"] = [i for i, pr in registry.provenance.items() if pr.plugin == p.name]
            item["unplaced"] = _unplaced(registry, p.name)
            item["comparators"] = [
                k for k, pr in registry.comparator_provenance.items() if pr.plugin == p.name
            ]
            out.append(item)
        _write(json.dumps(out, indent=2) + "\n", None)
    else:
        for p in plugins:
            state = "ok" if p.ok else ("blocked" if p.blocked else f"BROKEN: {p.error}")
            count = sum(1 for pr in registry.provenance.values() if pr.plugin == p.name)
            compared = sum(
                1 for pr in registry.comparator_provenance.values() if pr.plugin == p.name
            )
            also = f", {compared} comparator{'s' if compared != 1 else ''}" if compared else ""
            print(
                f"{p.name:<16} {p.distribution or '-':<28} {p.version or '-':<12} "
                f"{count:>3} indicators{also}  {state}"
            )
            unplaced = _unplaced(registry, p.name)
            if unplaced:
                print(
                    f"  {len(unplaced)} declare no report section, placed under "
                    f"{SECTION_NAMES[UNPLACED_SECTION]!r}: {', '.join(unplaced)}"
                )
    for problem in registry.problems:
        _say(f"warning: {problem}")
    return 1 if registry.problems else 0


# -- validate, template ------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    check_output_file(args.output)
    dataset = load_dataset(
        args.dataset,
        strict=args.strict,
        progress=_progress(args.quiet),
        cache=not args.no_cache,
    )
    if args.format == "json":
        payload = {
            "counts": dataset.counts.to_dict(orient="records"),
            "unusable": dict(dataset.unusable),
            "quality": json.loads(dataset.quality.to_json(orient="records", date_format="iso")),
        }
        _write(json.dumps(payload, indent=2, default=str) + "\n", args.output)
    elif args.format == "csv":
        _write(write_csv(dataset.quality) or "", args.output)
    else:
        lines = [dataset.summary(), ""]
        if len(dataset.quality):
            lines.append(f"{len(dataset.quality)} finding(s):")
            for row in dataset.quality.itertuples(index=False):
                where = [row.file]
                if not pd.isna(row.row):
                    where.append(f"row {row.row}")
                if row.column is not None and not pd.isna(row.column):
                    where.append(f"column {row.column!r}")
                lines.append(
                    f"  {row.severity:<7} {row.action:<15} {', '.join(where)}: {row.reason}"
                )
        else:
            lines.append("No findings.")
        _write("\n".join(lines) + "\n", args.output)
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    existing = [s.name for s in table_specs().values() if (folder / f"{s.name}.csv").exists()]
    if existing and not args.force:
        raise CliError(f"{folder} already has {', '.join(existing)}; use --force to overwrite")
    doc = [
        "# Canonical tables",
        "",
        "One CSV per table, UTF-8, a header row, dates YYYY-MM-DD, "
        "datetimes YYYY-MM-DDTHH:MM[:SS], empty cell = missing, booleans true/false. "
        "Columns marked * are required. Every table is optional.",
        "",
    ]
    for spec in table_specs().values():
        (folder / f"{spec.name}.csv").write_text(
            ",".join(spec.column_names) + "\n", encoding="utf-8"
        )
        doc.append(f"## {spec.name}.csv: {spec.description}")
        doc.append("")
        for c in spec.columns:
            codes = f" Codes: {', '.join(sorted(c.codes))}." if c.codes else ""
            doc.append(f"- `{c.name}`{'*' if c.required else ''} ({c.kind}): {c.doc}.{codes}")
        if spec.key:
            doc.append(f"- Key: {', '.join(spec.key)} (unique).")
        doc.append("")
    (folder / "README.md").write_text("\n".join(doc), encoding="utf-8")
    _say(f"wrote {len(table_specs())} empty tables and README.md to {folder}")
    return 0


# -- parser ------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safeguarding-metrics",
        description="Children's social care performance indicators from canonical case data.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("calculate", help="compute indicators over periods")
    p.add_argument("dataset", help="a canonical dataset folder")
    p.add_argument("--start", required=True, type=_day, help="first day, YYYY-MM-DD")
    p.add_argument("--end", required=True, type=_day, help="last day, YYYY-MM-DD")
    p.add_argument(
        "--every",
        choices=("month", "quarter", "year"),
        help="split the range into calendar months, financial quarters or years",
    )
    p.add_argument(
        "--indicator",
        action="append",
        default=[],
        metavar="ID",
        help="an indicator id (repeat); default all",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="ID.NAME=VALUE",
        help="an indicator parameter (repeat)",
    )
    p.add_argument(
        "--window",
        action="append",
        choices=WINDOWS,
        default=[],
        help="period (default), ytd or rolling12 for flow indicators (repeat)",
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--output", metavar="FILE", help="write the results here (default stdout)")
    p.add_argument("--targets", metavar="FILE", help="the council's targets file (TOML)")
    p.add_argument("--la", metavar="CODE", help="the council, for benchmarks (e.g. 372)")
    p.add_argument("--neighbours", choices=("mean", "median"), default="mean")
    p.add_argument(
        "--benchmark-year",
        choices=("same", "published"),
        default="same",
        help="benchmarks of each period's own collection year (default) or the latest published",
    )
    p.add_argument("--no-benchmarks", action="store_true")
    p.add_argument(
        "--drilldown",
        metavar="DIR",
        help="also write child-level lists per indicator (personal data) to DIR",
    )
    p.add_argument(
        "--to-sql",
        metavar="URL",
        help="also write the result rows to a database table (a SQLAlchemy URL: "
        "mssql+pyodbc://..., postgresql+psycopg://..., sqlite:///FILE); a re-run of the same "
        "council, indicators, periods, windows and parameters replaces its rows",
    )
    p.add_argument("--to-sql-env", metavar="VAR", help="as --to-sql, the URL in this variable")
    p.add_argument("--to-sql-schema", metavar="NAME", help="the schema of --table")
    p.add_argument(
        "--table", default="results", metavar="NAME", help="the table for --to-sql (results)"
    )
    add_run_options(p)
    p.set_defaults(func=cmd_calculate)

    p = sub.add_parser("indicators", help="list the registered indicators")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser("plugins", help="list the installed plugins and any load errors")
    p.add_argument("--all", action="store_true", help="JSON with every detail, blocked included")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_plugins)

    p = sub.add_parser("validate", help="read a dataset and list its data-quality findings")
    p.add_argument("dataset")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--output", metavar="FILE")
    add_run_options(p, plugins=False)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("template", help="write the empty canonical tables for a council to fill")
    p.add_argument("folder")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_template)

    from .benchmarks import cli as benchmarks_cli
    from .due import cli as due_cli
    from .io import cli as import_cli
    from .report import cli as report_cli

    benchmarks_cli.add_parser(sub)
    due_cli.add_parser(sub)
    import_cli.add_parser(sub)
    report_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its one-paragraph usage error
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except CliError as exc:
        _say(f"error: {exc}")
        return exc.code
    except OutputPathError as exc:
        _say(f"error: {exc}")
        return 2
    except DataError as exc:  # the values of the data stay off standard error
        _say(f"error: {data_error_text(exc)}")
        return 1
    except PluginError as exc:
        _say(f"error: {exc}")
        return 1
    except (UsageError, ParameterError, UnknownIndicatorError) as exc:
        _say(f"error: {exc}")
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    except KeyboardInterrupt:  # pragma: no cover
        _say("interrupted")
        return 130
    except SystemExit as exc:  # code run by a command (a plugin's, say) tried to end it
        _say(
            f"error: the run was ended by a call to sys.exit({exc.code!r}), most likely in a "
            "plugin; nothing was written to standard output after it. 'safeguarding-metrics "
            "plugins' lists the installed plugins."
        )
        return 3
    except Exception as exc:  # never a traceback; no message text either (it may hold data)
        if args.verbose:
            logging.exception("internal error")
        _say(
            f"internal error ({type(exc).__name__}). This is a bug in safeguarding-metrics or a "
            "plugin: please report it. Run with --verbose to see the details (they may include "
            "values from your data)."
        )
        return 3
