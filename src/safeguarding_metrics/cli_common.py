"""What every sub-command of the ``safeguarding-metrics`` command shares."""

from __future__ import annotations

import argparse
import sys
import textwrap

__all__ = ["add_run_options", "say"]


def say(message: str) -> None:
    """A message for the user, on standard error, wrapped at 100 characters."""
    print(textwrap.fill(message, width=100, break_long_words=False), file=sys.stderr)


def add_run_options(parser: argparse.ArgumentParser, *, plugins: bool = True) -> None:
    """``--strict``, ``--skip-broken-plugins`` (with ``plugins``) and ``-q/--quiet``."""
    parser.add_argument("--strict", action="store_true", help="stop at the first data error")
    if plugins:
        parser.add_argument(
            "--skip-broken-plugins",
            action="store_true",
            help="go on without plugins that failed to load",
        )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
