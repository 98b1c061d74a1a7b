"""The public test kit for indicator plugins: hypothesis strategies and ``check_indicator``.

A plugin author (a neighbouring council adding its own measures) tests an indicator with the
same checks the bundled indicators pass::

    from safeguarding_metrics.testing import check_indicator
    from safeguarding_metrics_doncaster import EARLY_HELP_REVIEWS

    def test_early_help_reviews_properties():
        check_indicator(EARLY_HELP_REVIEWS)

checks that the definition puts each case at its timescale's boundary on the right side (the
day the timescale runs out, and the day after, on weekends, bank holidays, month ends and
29 February)::

    from safeguarding_metrics.declared import Limit
    from safeguarding_metrics.testing import Boundary, check_boundary

    def test_early_help_reviews_boundary():
        check_boundary(EARLY_HELP_REVIEWS, Boundary.deadline(
            "cin_plans", "start_date", "end_date", Limit(3, "months")))

(a declared indicator carries its boundary: ``check_boundary(DECLARED)``), and writes worked
examples and its own properties on coherent generated case histories::

    from hypothesis import given
    from safeguarding_metrics.testing import case_histories, make_dataset, run_indicator

    @given(case_histories(tables=EARLY_HELP_REVIEWS, max_children=5))
    def test_never_more_than_the_children(history):
        results = run_indicator(EARLY_HELP_REVIEWS, make_dataset(history),
                                start="2015-04-01", end="2016-03-31")
        ...

The pytest fixtures (``indicator_checker``, ``make_dataset``, ``indicator_registry``) are
opt-in, never registered automatically: add
``pytest_plugins = ["safeguarding_metrics.testing.pytest_plugin"]`` to the plugin's top-level
``conftest.py``.

The kit needs the test extra (``pip install "safeguarding-metrics[test]"``, for hypothesis).
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        'safeguarding_metrics.testing needs hypothesis: pip install "safeguarding-metrics[test]"'
    ) from exc

from .boundary import (
    BOUNDARY_DAYS,
    Boundary,
    BoundaryCase,
    BoundaryReport,
    boundary_cases,
    check_boundary,
)
from .check import (
    OPTIONAL_PROPERTIES,
    PROPERTIES,
    CheckReport,
    IndicatorCheckError,
    assert_result_bounds,
    check_declaration,
    check_indicator,
    run_indicator,
)
from .strategies import (
    DEFAULT_END,
    DEFAULT_START,
    History,
    boundary_dates,
    case_histories,
    child_ids,
    datasets,
    dates,
    dates_after,
    declared_limits,
    describe_history,
    history_frames,
    history_tables,
    make_dataset,
    period_ranges,
    referrals,
    shuffled,
    split_children,
)

__all__ = [
    "BOUNDARY_DAYS",
    "DEFAULT_END",
    "DEFAULT_START",
    "OPTIONAL_PROPERTIES",
    "PROPERTIES",
    "Boundary",
    "BoundaryCase",
    "BoundaryReport",
    "CheckReport",
    "History",
    "IndicatorCheckError",
    "assert_result_bounds",
    "boundary_cases",
    "boundary_dates",
    "case_histories",
    "check_boundary",
    "check_declaration",
    "check_indicator",
    "child_ids",
    "datasets",
    "dates",
    "dates_after",
    "declared_limits",
    "describe_history",
    "history_frames",
    "history_tables",
    "make_dataset",
    "period_ranges",
    "referrals",
    "run_indicator",
    "shuffled",
    "split_children",
]
