"""The children in need census measures pass the public test kit's properties (bounds, empty
and missing tables, input order, additivity over children, bad input)."""

from __future__ import annotations

import pytest

from safeguarding_metrics import Indicator
from safeguarding_metrics_national.cin_census import CIN_CENSUS

testing = pytest.importorskip("safeguarding_metrics.testing")

#: The referral clock reads a second table: both settings are checked. (Monthly partition,
#: parameters and boundaries are checked against the reference in test_national_cin.)
PARAMS = {"national.assessments_45wd": [{}, {"clock_start": "referral", "count_start_day": True}]}


@pytest.mark.parametrize("indicator", CIN_CENSUS, ids=lambda i: i.id)
def test_check_indicator(indicator: Indicator) -> None:
    report = testing.check_indicator(
        indicator,
        max_examples=2,
        periods_every=("quarter",),
        params=PARAMS.get(indicator.id),
    )
    assert report is not None
