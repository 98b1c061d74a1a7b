"""The template's tests catch an off-by-one: every comparison of its indicator, swapped one at a
time (``<`` for ``<=`` and back, ``>`` for ``>=`` and back), makes them fail.

Each mutant is a copy of the template in ``tmp_path`` with one operator token changed (found by
Python's tokenizer, so comparisons written in docstrings and comments are left alone), whose
own tests run in a subprocess, as the council runs them (``python -m pytest`` in its folder,
the plugin imported from its ``src``).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "council-plugin"
MODULE = Path("src") / "safeguarding_metrics_example" / "__init__.py"
SWAPS = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}


def comparisons(source: str) -> list[tuple[int, int, str]]:
    """``(line, column, operator)`` of every ordering comparison in the code."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [
        (t.start[0], t.start[1], t.string)
        for t in tokens
        if t.type == tokenize.OP and t.string in SWAPS
    ]


def mutate(source: str, line: int, column: int, operator: str) -> str:
    lines = source.splitlines(keepends=True)
    text = lines[line - 1]
    assert text[column : column + len(operator)] == operator
    lines[line - 1] = text[:column] + SWAPS[operator] + text[column + len(operator) :]
    return "".join(lines)


def run_template_tests(project: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEGUARDING_METRICS_")}
    env["PYTHONPATH"] = os.pathsep.join([str(project / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


SOURCE = (TEMPLATE / MODULE).read_text(encoding="utf-8")
MUTANTS = comparisons(SOURCE)


def test_the_template_compares_at_least_the_limit_and_the_new_plan() -> None:
    # the two comparisons with the limit: the latest visit and the plan's own age
    assert len(MUTANTS) >= 2


def test_the_tokenizer_skips_comparisons_in_words() -> None:
    assert comparisons('"""a <= b"""\nx = a <= b  # c < d\n') == [(2, 6, "<=")]


@pytest.mark.parametrize(("line", "column", "operator"), MUTANTS)
def test_each_off_by_one_fails_the_templates_tests(
    tmp_path: Path, line: int, column: int, operator: str
) -> None:
    project = tmp_path / "council"
    shutil.copytree(TEMPLATE, project, ignore=shutil.ignore_patterns("__pycache__", ".*cache*"))
    (project / MODULE).write_text(mutate(SOURCE, line, column, operator), encoding="utf-8")
    done = run_template_tests(project)
    changed = SOURCE.splitlines()[line - 1].strip()
    assert done.returncode == 1, (
        f"the template's tests pass with {operator!r} -> {SWAPS[operator]!r} in: {changed}\n"
        + done.stdout[-2000:]
        + done.stderr[-2000:]
    )
    assert " failed" in done.stdout, done.stdout[-2000:]
