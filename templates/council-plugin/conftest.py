"""Test set-up: the public test kit's pytest fixtures (opt-in), and this plugin's registry."""

import pytest
from safeguarding_metrics import Registry, build_registry

import safeguarding_metrics_example as example

pytest_plugins = ["safeguarding_metrics.testing.pytest_plugin"]


@pytest.fixture
def indicator_registry() -> Registry:
    """The registry the kit's ``indicator_checker`` looks indicator ids up in: this plugin
    alone, whatever else is installed."""
    return build_registry([("example", example)])
