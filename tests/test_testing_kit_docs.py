"""docs/testing-kit.md lists every public name of the test kit, and its examples run."""

from __future__ import annotations

import re
from pathlib import Path

import safeguarding_metrics.testing as kit
from safeguarding_metrics.testing import pytest_plugin

DOC = Path(__file__).resolve().parents[1] / "docs" / "testing-kit.md"


def test_every_public_name_of_the_kit_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [n for n in [*kit.__all__, *pytest_plugin.__all__] if f"`{n}`" not in text]
    assert not missing, f"docs/testing-kit.md does not list {missing}"


def test_the_examples_run_in_order() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 10
    namespace: dict[str, object] = {"__name__": "testing_kit_docs"}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"docs/testing-kit.md, example {number}", "exec"), namespace)
