"""The docs say what the code does: generated files are current, examples run."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
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


def test_plugin_guide_count_form_example_gives_the_cohorts_counts() -> None:
    """The count-form example in the guide runs, and its two forms agree."""
    import safeguarding_metrics as sm
    from safeguarding_metrics.synthetic import generate
    from safeguarding_metrics.testing import check_indicator

    text = (ROOT / "docs" / "writing-a-plugin.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```py\n(.*?)```", text, re.S) if "count_frame" in b]
    namespace: dict[str, object] = {}
    exec(compile(block, "writing-a-plugin.md", "exec"), namespace)
    indicator = sm.Indicator(
        id="doncaster.nfa_referrals",
        title="Referrals ending in no further action",
        description="Numerator: NFA referrals. Denominator: referrals in the period.",
        kind="flow",
        unit="%",
        polarity="lower",
        tables={"referrals": ("referral_id", "referral_date", "nfa")},
        compute=namespace["nfa_referrals"],
        count=namespace["nfa_referrals_counts"],
    )
    data = sm.Dataset.from_frames(generate(scale=0.1))
    both = [
        sm.calculate(
            data,
            start="2015-04-01",
            end="2016-03-31",
            every="month",
            indicators=[indicator],
            benchmarks=False,
            cohorts=cohorts,
        )
        for cohorts in (True, False)
    ]
    pd.testing.assert_frame_equal(both[0].frame, both[1].frame)
    assert both[0].frame["denominator"].sum() > 0
    assert indicator.id in both[0].cohorts and not both[1].cohorts
    check_indicator(indicator, max_examples=5)
