"""The docs say what the code does: generated files are current, examples run."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_make_docs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["indicators.md", "data-contract.md"])
def test_generated_docs_are_current(name: str) -> None:
    expected = _load_make_docs().generated()[name]
    actual = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert actual == expected, f"docs/{name} is out of date: run `make docs`"


def test_plugin_guide_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "writing-a-plugin.md").read_text(encoding="utf-8")
    plugin, test = re.findall(r"```python\n(.*?)```", text, re.S)[:2]
    (tmp_path / "safeguarding_metrics_doncaster.py").write_text(plugin, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("safeguarding_metrics_doncaster", None)
    namespace: dict[str, object] = {}
    exec(compile(test, "writing-a-plugin.md", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    assert tests
    for function in tests:
        function()
