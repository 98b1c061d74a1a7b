"""Key messages (issue 17): drafted from the summary, ranked, replaced by the service's own.

Every figure below is worked by hand from the rows given."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from safeguarding_metrics.report.key_messages import (
    draft_key_messages,
    service_key_messages,
    target_gap,
    worse_than_neighbours,
    year_ago_gain,
)
from safeguarding_metrics.report.model import SUMMARY_COLUMNS


def _row(indicator: str, **given: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SUMMARY_COLUMNS)
    row.update(
        indicator=indicator,
        title=indicator.title(),
        section="Front door",
        unit="%",
        polarity="higher",
        status="ok",
        suppressed=False,
        window_label="month of December 2015",
        worse_run=0,
    )
    row.update(given)
    return row


def _summary(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(SUMMARY_COLUMNS))


def test_gain_is_percentage_points_for_a_percentage_and_relative_otherwise() -> None:
    # 98.6% now, 36.7% a year ago: +61.9 points, better (higher is better)
    assert year_ago_gain(_row("a", value=98.6, year_ago=36.7, year_ago_change=61.9)) == 61.9
    # lower is better: re-referrals up 5.7 points is a loss of 5.7
    lower = _row("b", polarity="lower", value=29.3, year_ago=23.6, year_ago_change=5.7)
    assert year_ago_gain(lower) == pytest.approx(-5.7)
    # a count (lower better): 1 child now against 18 a year ago, -17 on 18 = -94.4%, better
    count = _row("c", unit="count", polarity="lower", value=1, year_ago=18, year_ago_change=-17)
    assert year_ago_gain(count) == pytest.approx(100 * 17 / 18)
    # days (lower better): 450 against 500, -50 on 500 = 10% better
    days = _row("d", unit="days", polarity="lower", value=450, year_ago=500, year_ago_change=-50)
    assert year_ago_gain(days) == pytest.approx(10.0)
    # below display precision (0.04 points) is no change; no year ago, no gain
    assert year_ago_gain(_row("e", value=50.04, year_ago=50.0, year_ago_change=0.04)) == 0.0
    assert year_ago_gain(_row("f", value=50.0)) is None
    # no better direction: never a gain
    assert year_ago_gain(_row("g", polarity="neutral", year_ago=1, year_ago_change=1)) is None


def test_target_gap_level_and_band() -> None:
    # 85.2% against 90%: 4.8 points short
    assert target_gap(_row("a", value=85.2, target=90.0)) == pytest.approx(-4.8)
    # caseloads 24 against the band 18-22: 2 over the upper bound, 2/22 = 9.09% short
    band = _row(
        "b", unit="cases", polarity="lower", value=24.0, target_lower=18.0, target_upper=22.0
    )
    assert target_gap(band) == pytest.approx(-100 * 2 / 22)
    assert target_gap({**band, "value": 20.0}) == 0.0
    assert target_gap(_row("c", value=50.0)) is None


def test_worse_than_neighbours_at_display_precision() -> None:
    assert worse_than_neighbours(_row("a", polarity="lower", value=29.3, neighbours=23.6))
    assert not worse_than_neighbours(_row("b", polarity="lower", value=23.6, neighbours=23.64))
    assert not worse_than_neighbours(_row("c", value=99.0, neighbours=80.0))


def test_improvements_ranked_by_the_change_on_a_year_ago_then_distance_from_target() -> None:
    summary = _summary(
        _row("small", value=60.0, year_ago=58.0, year_ago_change=2.0),
        _row("mash", value=98.6, year_ago=36.7, year_ago_change=61.9, target=95.0),
        # the same change as "tied_far", nearer its target: ranked after it
        _row("tied_near", value=80.0, year_ago=70.0, year_ago_change=10.0, target=79.0),
        _row("tied_far", value=80.0, year_ago=70.0, year_ago_change=10.0, target=70.0),
    )
    drafted = draft_key_messages(summary)
    assert [m.indicator for m in drafted.improvements] == ["mash", "tied_far", "tied_near"]
    assert drafted.drafted and not drafted.service
    first = drafted.improvements[0]
    assert first.score == pytest.approx(61.9)
    assert first.text == (
        "Mash: 98.6% (month of December 2015), up 61.9 percentage points on a year ago "
        "(36.7%); on target (target 95.0%)."
    )


def test_concerns_take_in_year_ago_target_three_months_and_neighbours() -> None:
    summary = _summary(
        # re-referrals: 5.7 points worse than a year ago, 5.7 over a target of 23.6: 11.4
        _row(
            "rereferrals",
            polarity="lower",
            value=29.3,
            year_ago=23.6,
            year_ago_change=5.7,
            target=23.6,
            target_status="red",
            neighbours=23.6,
        ),
        # assessments: better than a year ago (70 -> 85.2) but worse 3 months running:
        # a concern, scored on the 4.8 points short of its target only
        _row(
            "assessments",
            value=85.2,
            year_ago=70.0,
            year_ago_change=15.2,
            target=90.0,
            target_status="red",
            worse_run=3,
        ),
        # neighbours only: no score, listed after the scored ones
        _row("neighbours_only", value=70.0, neighbours=75.0),
        # improving and off target: an improvement, never a concern
        _row("improving", value=80.0, year_ago=60.0, year_ago_change=20.0, target=90.0),
    )
    drafted = draft_key_messages(summary)
    assert [m.indicator for m in drafted.concerns] == [
        "rereferrals",
        "assessments",
        "neighbours_only",
    ]
    first, second, third = drafted.concerns
    assert first.score == pytest.approx(11.4)
    assert first.reasons == ("year_ago", "target", "neighbours")
    assert first.text == (
        "Rereferrals: 29.3% (month of December 2015), up 5.7 percentage points on a year ago "
        "(23.6%); off target (target 23.6%); worse than the statistical neighbours (23.6%)."
    )
    assert second.reasons == ("target", "run") and second.score == pytest.approx(4.8)
    assert "worse for 3 months running" in second.text
    assert third.reasons == ("neighbours",) and third.score == 0
    assert [m.indicator for m in drafted.improvements] == ["improving"]
    assert "still off target" not in drafted.improvements[0].text  # no status given
    assert "still short of target (target 90.0%)" in drafted.improvements[0].text


def test_at_most_three_of_each_and_nothing_from_neutral_suppressed_or_not_computable() -> None:
    rows = [
        _row(f"up{k}", value=50.0 + k, year_ago=40.0, year_ago_change=10.0 + k) for k in range(5)
    ]
    rows += [
        _row("neutral", polarity="neutral", value=9.0, year_ago=1.0, year_ago_change=8.0),
        _row("hidden", suppressed=True, value=None, year_ago=1.0, year_ago_change=90.0),
        _row("broken", status="not_computable", value=None),
    ]
    drafted = draft_key_messages(_summary(*rows))
    assert [m.indicator for m in drafted.improvements] == ["up4", "up3", "up2"]
    assert drafted.concerns == ()
    assert len(draft_key_messages(_summary(*rows), limit=1).improvements) == 1


def test_quarterly_runs_are_named_as_quarters() -> None:
    summary = _summary(_row("q", value=50.0, worse_run=4))
    drafted = draft_key_messages(summary, every="quarter")
    assert "worse for 4 quarters running" in drafted.concerns[0].text


def test_service_key_messages_replace_the_drafts_one_per_bullet_or_paragraph() -> None:
    drafts = draft_key_messages(_summary(_row("a", value=60.0, year_ago=50, year_ago_change=10)))
    text = (
        "- The MASH now decides 98.6% of contacts within 24 hours.\n"
        "- Re-referrals remain high:\n  case audits are under way.\n\n"
        "Adoption timeliness is a priority."
    )
    given = service_key_messages(drafts, text, "commentary.csv, row 9")
    assert not given.drafted
    assert given.service == (
        "The MASH now decides 98.6% of contacts within 24 hours.",
        "Re-referrals remain high: case audits are under way.",
        "Adoption timeliness is a priority.",
    )
    assert given.source == "commentary.csv, row 9"


def test_a_percentage_says_the_counts_it_rests_on() -> None:
    # 4 of 8 care leavers, 5 of 8 a year ago: down 12.5 points on a base of eight
    row = _row("eet", value=50.0, numerator=4, denominator=8, year_ago=62.5, year_ago_change=-12.5)
    (concern,) = draft_key_messages(_summary(row)).concerns
    assert concern.text.startswith("Eet: 50.0% (4 of 8, month of December 2015), down 12.5")
    counts = _row("count", unit="count", polarity="lower", value=3, numerator=3, year_ago=1)
    counts["year_ago_change"] = 2
    (worse,) = draft_key_messages(_summary(counts)).concerns
    assert worse.text.startswith("Count: 3 (month of December 2015), up 2 on a year ago")
