"""What every sub-command of the ``safeguarding-metrics`` command shares."""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import textwrap
from pathlib import Path

__all__ = [
    "OutputPathError",
    "add_run_options",
    "check_output_file",
    "check_output_folder",
    "data_error_text",
    "redact_values",
    "say",
]


class OutputPathError(ValueError):
    """An ``--output`` (or ``--drilldown``) path that cannot be written: a usage error."""


def say(message: str) -> None:
    """A message for the user, on standard error, wrapped at 100 characters."""
    print(textwrap.fill(message, width=100, break_long_words=False), file=sys.stderr)


def add_run_options(parser: argparse.ArgumentParser, *, plugins: bool = True) -> None:
    """``--strict``, ``--no-cache``, ``--skip-broken-plugins`` (with ``plugins``) and
    ``-q/--quiet``."""
    parser.add_argument("--strict", action="store_true", help="stop at the first data error")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="read and validate every file again, and keep nothing in the dataset folder's "
        ".safeguarding-metrics-cache/ (by default the validated tables are kept there and "
        "reused while the files are unchanged)",
    )
    if plugins:
        parser.add_argument(
            "--skip-broken-plugins",
            action="store_true",
            help="go on without plugins that failed to load",
        )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")


def _writable_folder(folder: Path, option: str, path: Path) -> None:
    if not folder.is_dir():
        raise OutputPathError(f"{option} {path}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {path}: cannot write in {folder} (permission denied)")


def check_output_file(path: str | Path | None, option: str = "--output") -> None:
    """Refuse, before any work is done, a file path that could not be written.

    Standard output (None or ``-``) is always fine. A path that is a folder, whose folder does
    not exist, or that cannot be written raises :class:`OutputPathError` saying which: the run
    would otherwise compute everything and then fail with nothing written.
    """
    if path is None or str(path) == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise OutputPathError(
            f"{option} {target} is a folder; give a file name (for example {target / 'out.csv'})"
        )
    parent = target.parent
    if not parent.exists():
        raise OutputPathError(f"{option} {target}: the folder {parent} does not exist")
    _writable_folder(parent, option, target)
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputPathError(f"{option} {target}: the file cannot be written (permission denied)")


def check_output_folder(path: str | Path, option: str = "--output") -> None:
    """Refuse, before any work is done, a folder path that could not be written.

    The folder (and any missing parents) is created when the files are written; here a path
    that is an existing file, under a file, or under a folder that cannot be written raises
    :class:`OutputPathError`.
    """
    target = Path(path)
    if target.exists():
        if not target.is_dir():
            raise OutputPathError(f"{option} {target} is a file; give a folder")
        _writable_folder(target, option, target)
        return
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    _writable_folder(ancestor, option, target)


_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_HEADER = re.compile(r"\(the header has: ([^)]*)\)")


@functools.cache
def _known_words() -> frozenset[str]:
    """Words the tool itself defines: table and column names, and the codes of every column."""
    from .model import table_specs

    words: set[str] = set()
    for spec in table_specs().values():
        words.add(spec.name)
        for column in spec.columns:
            words.add(column.name)
            words.update(str(code) for code in column.codes or ())
    return frozenset(words)


def redact_values(text: str) -> str:
    """``text`` with every quoted value, and every header cell listed, that is not a word the
    tool defines (a table or column name, a code) replaced by ``'…'``.

    Why: a data finding quotes the cell at fault ("unparseable date '...'"), and a cell can
    hold a child's identifier (a file whose columns are out of order, a file without its
    header row). Standard error ends up in logs and job e-mails, so there the CLI shows only
    the tool's own words; ``validate`` lists every finding in full in its output.
    """
    known = _known_words()

    def quoted(match: re.Match[str]) -> str:
        return match.group() if match.group()[1:-1] in known else "'…'"

    def header(match: re.Match[str]) -> str:
        cells = [c if c.strip() in known else "…" for c in match.group(1).split(", ")]
        return f"(the header has: {', '.join(cells)})"

    return _QUOTED.sub(quoted, _HEADER.sub(header, text))


def data_error_text(exc: Exception) -> str:
    """A data error as shown on standard error: file, row and column, and the reason with the
    values of the data left out (:func:`redact_values`)."""
    fault = getattr(exc, "fault", None)
    if fault is None:
        return redact_values(str(exc))
    where = [str(fault.file)]
    if fault.row is not None:
        where.append(f"row {fault.row}")
    if fault.column is not None:
        where.append(redact_values(f"column {fault.column!r}"))
    text = f"{', '.join(where)}: {redact_values(str(fault.reason))}"
    if "…" in text:
        text += (
            " (values from the data are not shown here: 'safeguarding-metrics validate' lists them)"
        )
    return text
