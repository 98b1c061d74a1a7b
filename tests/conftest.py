"""Shared fixtures: installable fake plugin distributions, small datasets."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from safeguarding_metrics import registry as registry_module
from safeguarding_metrics.plugins import ENV_BLOCK, ENV_DISABLE_AUTOLOAD, ENV_PLUGINS

SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Speed is measured by `make bench`, never by a timed test: hypothesis' per-example deadline
# (200 ms) failed property tests on a loaded machine, with nothing wrong in the code.
settings.register_profile("untimed", deadline=None)
settings.load_profile("untimed")


@pytest.fixture(autouse=True)
def _clean_plugin_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's plugin switches, and no cached registry leaks between tests."""
    for name in (ENV_PLUGINS, ENV_DISABLE_AUTOLOAD, ENV_BLOCK):
        monkeypatch.delenv(name, raising=False)
    registry_module._cached.cache_clear()
    yield
    registry_module._cached.cache_clear()


@pytest.fixture
def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Install a plugin distribution for this test only: a module and a .dist-info with an
    entry point in the ``safeguarding_metrics`` group, on ``sys.path``."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))

    def install(
        name: str, source: str, *, module: str | None = None, dist: str | None = None
    ) -> Path:
        module = module or f"sm_test_{name}"
        dist = dist or f"sm-test-{name}"
        (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n", encoding="utf-8"
        )
        (info / "entry_points.txt").write_text(
            f"[safeguarding_metrics]\n{name} = {module}\n", encoding="utf-8"
        )
        importlib.invalidate_caches()
        sys.modules.pop(module, None)
        registry_module._cached.cache_clear()
        return site

    return install


REFERRAL_COUNT_PLUGIN = """
from safeguarding_metrics import Indicator, hookimpl
from safeguarding_metrics.cohort import cohort_frame, days, rows_in_periods


def compute(tables, periods, params):
    referrals = tables["referrals"]
    period, row = rows_in_periods(days(referrals["referral_date"]), periods)
    return cohort_frame(
        period=period,
        child=referrals["child"].to_numpy()[row],
        record=referrals["referral_id"].to_numpy()[row],
        date=days(referrals["referral_date"])[row],
        met=True,
    )


@hookimpl
def register_indicators():
    return [
        Indicator(
            id="{name}.referral_count",
            title="Referrals",
            description="Referrals in the period.",
            kind="flow",
            unit="count",
            polarity="neutral",
            tables={{"referrals": ("referral_id", "referral_date")}},
            compute=compute,
        )
    ]
"""
