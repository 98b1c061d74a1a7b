"""pytest fixtures for testing indicator plugins. Opt-in only.

Never registered through a ``pytest11`` entry point (installed plugins must not leak into every
pytest run on the machine). Enable it in the plugin's top-level ``conftest.py``::

    pytest_plugins = ["safeguarding_metrics.testing.pytest_plugin"]

Then::

    import safeguarding_metrics_doncaster as doncaster
    from safeguarding_metrics import build_registry

    @pytest.fixture
    def indicator_registry():
        # the registry check_indicator looks ids up in (default: the installed plugins)
        return build_registry([("doncaster", doncaster)])

    def test_early_help_reviews(indicator_checker):
        report = indicator_checker("doncaster.early_help_reviews", max_examples=20)
        assert "order" in report.properties

    def test_worked_example(make_dataset):
        dataset = make_dataset([EarlyHelp(...), ...])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ..registry import Registry
from .check import CheckReport, check_indicator
from .strategies import make_dataset as _make_dataset

__all__ = ["indicator_checker", "indicator_registry", "make_dataset"]


@pytest.fixture
def indicator_registry() -> Registry | None:
    """The registry ``indicator_checker`` uses; override it to name your plugin.

    ``None`` (the default): an Indicator object is checked as it is, an id is looked up in the
    installed plugins.
    """
    return None


@pytest.fixture
def indicator_checker(indicator_registry: Registry | None) -> Callable[..., CheckReport]:
    """:func:`~safeguarding_metrics.testing.check_indicator`, with ``registry`` defaulting to
    the ``indicator_registry`` fixture."""

    def checker(indicator: Any, **kwargs: Any) -> CheckReport:
        kwargs.setdefault("registry", indicator_registry)
        return check_indicator(indicator, **kwargs)

    return checker


@pytest.fixture
def make_dataset() -> Callable[..., Any]:
    """:func:`~safeguarding_metrics.testing.make_dataset`: records or a case history in, a
    validated dataset out (every table named kept, even with no row)."""
    return _make_dataset
