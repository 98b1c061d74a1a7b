"""The adoption scorecard (A1, A2, A3, A10), its thresholds as targets, and the "should be
placed for adoption" counts: worked examples, boundaries, the reference."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import safeguarding_metrics as sm
import safeguarding_metrics_national as national
from safeguarding_metrics import Period
from safeguarding_metrics.model import Adoption, CareEpisode
from safeguarding_metrics_national.adoption import ADOPTION_TARGETS, month_days

from . import cla_reference as ref
from .cla_reference import add_months, figures, run

D = dt.date
DAY = dt.timedelta(days=1)
SOME = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))

A1, A2, A3, A10 = (f"national.adoption_{x}" for x in ("a1", "a2", "a3", "a10"))
DECISIONS, WAITING = "national.adoption_shobpa_decisions", "national.adoption_shobpa_waiting"
SCORECARD = (A1, A10, A2, A3)


def ep(child: str, start: str, end: str | None, rne: str, place: str = "U6") -> CareEpisode:
    return CareEpisode(
        child_id=child,
        start_date=D.fromisoformat(start),
        end_date=None if end is None else D.fromisoformat(end),
        rne=rne,
        legal_status="C2" if not place.startswith("A") else "E1",
        placement=place,
    )


def adoption(child: str, **days: str | bool | None) -> Adoption:
    values = {k: D.fromisoformat(v) if isinstance(v, str) else v for k, v in days.items()}
    return Adoption(child_id=child, **values)  # type: ignore[arg-type]


# Window for the period ending 2016-03-31: (2013-03-31, 2016-03-31], i.e. 2013-04-01 on.
WORKED = [
    # A: in care 2013-01-10; placed for adoption (A6 episode) 2014-01-10; adopted 2014-09-01.
    #    A1 = 2014-01-10 - 2013-01-10 = 365 days; A2 = 2013-12-01 - 2013-09-01 = 91 days;
    #    A3: 2014-01-10 < add_months(2013-01-10, 14) = 2014-03-10: met
    ep("A", "2013-01-10", "2014-01-10", "S"),
    ep("A", "2014-01-10", "2014-09-01", "P", place="A6"),
    adoption(
        "A",
        shobpa_date="2013-06-01",
        placement_order_date="2013-09-01",
        matched_date="2013-12-01",
        adoption_order_date="2014-09-01",
    ),
    # B: in care 2012-05-01 with foster carers (U4) who adopt: A5 from 2014-06-01 (RNE T).
    #    A1 = 2014-06-01 - 2012-05-01 = 761 days (365 + 365 + 31); A10 counts from the foster
    #    placement, 2012-05-01: 0 days; matched 2014-05-01 before the placement order of
    #    2014-05-20: A2 = 0; A3: 2014-06-01 is not before 2013-07-01: not met
    ep("B", "2012-05-01", "2014-06-01", "S", place="U4"),
    ep("B", "2014-06-01", "2015-02-01", "T", place="A5"),
    adoption(
        "B",
        placement_order_date="2014-05-20",
        matched_date="2014-05-01",
        placed_date="2014-06-01",
        adoption_order_date="2015-02-01",
        foster_carer=True,
    ),
    # C: adopted 2013-03-31, the day before the window: not counted
    ep("C", "2011-01-01", "2013-03-31", "S", place="A6"),
    adoption("C", placed_date="2012-01-01", adoption_order_date="2013-03-31"),
    # D: adopted on the window's last day, but no care episodes: "no period of care start"
    adoption("D", placed_date="2015-01-01", adoption_order_date="2016-03-31"),
    # E: adopted 2015-06-01, neither a placed date nor an A3-A6 episode: "no date of moving in"
    ep("E", "2014-01-01", "2015-06-01", "S"),
    adoption("E", adoption_order_date="2015-06-01"),
]


def test_scorecard_worked_example() -> None:
    results = run(WORKED, SCORECARD, start="2015-04-01", end="2016-03-31")
    # (numerator, denominator, value, excluded)
    assert figures(results, A1) == [(365 + 761, 2, 563.0, 2)]
    assert figures(results, A10) == [(365 + 0, 2, 182.5, 2)]
    assert figures(results, A2) == [(91 + 0, 2, 45.5, 2)]
    assert figures(results, A3) == [(1, 2, 50.0, 2)]
    frame = results.frame.set_index("indicator")
    # the 2013-16 thresholds: 14 months = 426 days (563 > 426 * 1.05: red), 4 months = 121
    assert frame.loc[A1, "target"] == 426 and frame.loc[A1, "target_status"] == "red"
    assert frame.loc[A2, "target"] == 121 and frame.loc[A2, "target_status"] == "green"
    assert frame.loc[A1, "unit"] == "days"
    detail = results.drilldown(A1).set_index("child_id")
    assert detail["excluded"].dropna().to_dict() == {
        "D": "no period of care start",
        "E": "no date of moving in",
    }
    assert str(detail.loc["A", "moved_in"])[:10] == "2014-01-10"  # from the A6 episode


def test_the_window_is_a_parameter_and_ignores_the_period_start() -> None:
    # a one-month period still averages the 36 months to its end
    month = run(WORKED, [A1], start="2016-03-01", end="2016-03-31")
    assert figures(month, A1)[0][:2] == (1126, 2)
    # 18 months, (2014-09-30, 2016-03-31]: only B (adopted 2015-02-01); A (2014-09-01) is out
    short = run(
        WORKED, [A1], start="2016-03-01", end="2016-03-31", params={A1: {"window_months": 18}}
    )
    assert figures(short, A1)[0][:2] == (761, 1)
    bad = run(WORKED, [A1], start="2016-03-01", end="2016-03-31", params={A1: {"window_months": 0}})
    assert bad.frame["status"].tolist() == ["not_computable"]
    with pytest.raises(sm.UsageError):
        run(WORKED, [A1], start="2016-03-01", end="2016-03-31", params={A1: {"window_months": "x"}})


def test_a3_months_parameter() -> None:
    # A waited 12 months, B 25: with months=13 A is met, with months=12 A is not (less than)
    for months, met in ((13, 1), (12, 0), (26, 2)):
        results = run(
            WORKED, [A3], start="2015-04-01", end="2016-03-31", params={A3: {"months": months}}
        )
        assert figures(results, A3)[0][0] == met, months


def test_thresholds_by_scorecard_period() -> None:
    assert [month_days(m) for m in (21, 18, 16, 14, 7, 6, 5, 4)] == [
        639, 547, 487, 426, 213, 182, 152, 121,
    ]  # fmt: skip
    assert all(t.indicator in (A1, A2) for t in ADOPTION_TARGETS)
    assert national.register_targets() == list(ADOPTION_TARGETS)
    ends = ["2012-03-31", "2013-03-31", "2014-03-31", "2015-03-31", "2016-03-31", "2016-06-30"]
    periods = [Period(D.fromisoformat(e) - 30 * DAY, D.fromisoformat(e)) for e in ends]
    results = run(WORKED, [A1, A2], periods=periods)
    frame = results.frame.set_index(["indicator", "period_end"])
    targets = {
        i: [_value(frame.loc[(i, D.fromisoformat(e)), "target"]) for e in ends] for i in (A1, A2)
    }
    # 2009-12, (no 2010-13 threshold in the reference), 2011-14, 2012-15, 2013-16, none after
    assert targets[A1] == [639, None, 547, 487, 426, None]
    assert targets[A2] == [213, None, 182, 152, 121, None]


def _value(x: object) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)  # type: ignore[arg-type]


def test_shobpa_counts_worked_example() -> None:
    records = [
        # F: decided 2015-05-01, looked after, nothing since: waiting at 2016-03-31
        ep("F", "2014-01-01", None, "S"),
        adoption("F", shobpa_date="2015-05-01"),
        # G: decided 2015-06-01, placed on 2016-03-31 itself: no longer waiting that day
        ep("G", "2014-01-01", None, "S"),
        adoption("G", shobpa_date="2015-06-01", placed_date="2016-03-31"),
        # H: decided 2014-12-01 (before the period); moved to adopters (A6) 2015-10-01
        ep("H", "2014-01-01", "2015-10-01", "S"),
        ep("H", "2015-10-01", None, "P", place="A6"),
        adoption("H", shobpa_date="2014-12-01"),
        # I: decided 2015-09-01, reversed 2016-01-01
        ep("I", "2014-01-01", None, "S"),
        adoption("I", shobpa_date="2015-09-01", shobpa_reversed_date="2016-01-01"),
        # J: decided 2015-07-01 but not looked after (no episodes)
        adoption("J", shobpa_date="2015-07-01"),
    ]
    results = run(records, [DECISIONS, WAITING], start="2015-04-01", end="2016-03-31")
    assert figures(results, DECISIONS)[0][0] == 4  # F, G, I, J
    assert figures(results, WAITING)[0][0] == 1  # F
    waiting = results.drilldown(WAITING).set_index("child_id")
    assert waiting.loc["F", "days_waiting"] == (D(2016, 3, 31) - D(2015, 5, 1)).days
    anyone = run(
        records,
        [WAITING],
        start="2015-04-01",
        end="2016-03-31",
        params={WAITING: {"looked_after_only": False}},
    )
    assert figures(anyone, WAITING)[0][0] == 2  # F and J
    # a day earlier G was still waiting
    before = run(records, [WAITING], start="2016-03-30", end="2016-03-30")
    assert figures(before, WAITING)[0][0] == 2


# -- boundaries ------------------------------------------------------------------------------------


@SOME
@given(st.dates(D(2014, 1, 1), D(2017, 12, 31)))
def test_an_adoption_on_the_first_and_last_day_of_the_36_months(end: dt.date) -> None:
    first = add_months(end, -36) + DAY
    records = []
    for child, order in (("F", first), ("L", end), ("O", first - DAY)):
        entered = order - 400 * DAY
        records += [
            CareEpisode(child_id=child, start_date=entered, end_date=order, rne="S",
                        legal_status="C2", placement="U6"),
            Adoption(child_id=child, placed_date=entered + 100 * DAY, adoption_order_date=order),
        ]  # fmt: skip
    results = run(records, [A1], start=end, end=end)
    # the first (F) and last (L) days are in, the day before the first (O) is not
    assert figures(results, A1) == [(200.0, 2, 100.0, 0)]


@SOME
@given(st.dates(D(2012, 1, 1), D(2015, 6, 30)), st.integers(1, 200), st.integers(0, 200))
def test_a_match_before_the_placement_order_counts_as_0_days(
    order: dt.date, before: int, later: int
) -> None:
    records = [
        CareEpisode(child_id="A", start_date=order - 300 * DAY, end_date=order + 300 * DAY,
                    rne="S", legal_status="C2", placement="U6"),
        Adoption(child_id="A", placement_order_date=order, matched_date=order - before * DAY,
                 placed_date=order + DAY, adoption_order_date=order + 300 * DAY),
        CareEpisode(child_id="B", start_date=order - 300 * DAY, end_date=order + 300 * DAY,
                    rne="S", legal_status="C2", placement="U6"),
        Adoption(child_id="B", placement_order_date=order, matched_date=order + later * DAY,
                 placed_date=order + DAY, adoption_order_date=order + 300 * DAY),
    ]  # fmt: skip
    end = order + 400 * DAY
    results = run(records, [A2], start=end, end=end)
    assert figures(results, A2)[0][:2] == (later, 2)


@SOME
@given(st.dates(D(2011, 1, 1), D(2014, 12, 31)))
def test_a3_moving_in_exactly_14_months_after_is_not_less_than(entered: dt.date) -> None:
    limit = add_months(entered, 14)
    records = []
    for child, moved in (("A", limit - DAY), ("B", limit)):
        records += [
            CareEpisode(child_id=child, start_date=entered, end_date=limit + 60 * DAY, rne="S",
                        legal_status="C2", placement="U6"),
            Adoption(child_id=child, placed_date=moved, adoption_order_date=limit + 60 * DAY),
        ]  # fmt: skip
    end = limit + 90 * DAY
    assert figures(run(records, [A3], start=end, end=end), A3)[0][:2] == (1, 2)


# -- the reference, order, additivity --------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ref.case_histories(max_children=5),
    st.lists(
        st.tuples(st.dates(D(2013, 1, 1), D(2016, 9, 30)), st.integers(0, 200)),
        min_size=1,
        max_size=3,
    ),
)
def test_every_adoption_measure_matches_the_reference(records: list, spans: list) -> None:
    bounds = [(start, start + n * DAY) for start, n in spans]
    dataset = sm.Dataset.from_records(records)
    for indicator in (*SCORECARD, DECISIONS, WAITING):
        if not all(dataset.has(t) for t in ref.REGISTRY.get(indicator).tables):
            continue
        expected = [ref.reference(indicator, records, a, b) for a, b in bounds]
        assert ref.computed(dataset, indicator, bounds) == expected, indicator


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(ref.case_histories(max_children=5), st.randoms(use_true_random=False))
def test_shuffled_input_and_the_reference_through_calculate(records: list, rnd: object) -> None:
    ids = (*SCORECARD, DECISIONS, WAITING)
    results = run(records, ids, start="2015-04-01", end="2016-03-31", every="quarter")
    shuffled = list(records)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    again = run(shuffled, ids, start="2015-04-01", end="2016-03-31", every="quarter")
    assert results.frame.equals(again.frame)
    ends = [D(2015, 6, 30), D(2015, 9, 30), D(2015, 12, 31), D(2016, 3, 31)]
    starts = [D(2015, 4, 1), D(2015, 7, 1), D(2015, 10, 1), D(2016, 1, 1)]
    for indicator in ids:
        rows = results.frame.loc[results.frame["indicator"] == indicator]
        if rows["status"].iloc[0] != "ok":
            continue
        expected = [
            ref.reference(indicator, records, a, b) for a, b in zip(starts, ends, strict=True)
        ]
        for (n, d, value, x), (en, ed, ex) in zip(
            figures(results, indicator), expected, strict=True
        ):
            assert n == pytest.approx(en) and x == ex, indicator
            if indicator in (A1, A2, A10):
                assert d == ed and (
                    math.isnan(value) if ed == 0 else value == pytest.approx(en / ed)
                )


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(ref.case_histories(max_children=3), ref.case_histories(max_children=3))
def test_disjoint_children_add_up(first: list, second: list) -> None:
    import attrs

    second = [attrs.evolve(r, child_id="X" + r.child_id) for r in second]
    bounds = [(D(2015, 4, 1), D(2016, 3, 31))]
    a, b = sm.Dataset.from_records(first), sm.Dataset.from_records(second)
    both = sm.Dataset.from_records(first + second)
    for indicator in (*SCORECARD, DECISIONS, WAITING):
        tables = ref.REGISTRY.get(indicator).tables
        if not all(x.has(t) for t in tables for x in (a, b)):
            continue
        parts = [ref.computed(x, indicator, bounds)[0] for x in (a, b)]
        total = ref.computed(both, indicator, bounds)[0]
        assert total == pytest.approx(tuple(p + q for p, q in zip(*parts, strict=True))), indicator


# -- input -----------------------------------------------------------------------------------------


def test_without_adoptions_the_scorecard_is_not_computable() -> None:
    results = run(
        [ep("A", "2015-01-01", None, "S")],
        (*SCORECARD, DECISIONS, WAITING),
        start="2015-04-01",
        end="2016-03-31",
    )
    assert set(results.frame["status"]) == {"not_computable"}
    assert results.frame["reason"].str.contains("adoptions").all()


def test_a_bad_adoption_order_date_leaves_the_record_out() -> None:
    import pandas as pd

    frames = {
        "care_episodes": pd.DataFrame(
            {"child_id": ["A", "B"], "start_date": ["2013-01-01", "2013-01-01"],
             "end_date": ["2014-01-01", "2014-01-01"], "rne": ["S", "S"],
             "legal_status": ["C2", "C2"], "placement": ["A6", "A6"]}
        ),
        "adoptions": pd.DataFrame(
            {"child_id": ["A", "B"], "placed_date": ["2013-06-01", "2013-06-01"],
             "adoption_order_date": ["2014-01-01", "31/04/2014"]}
        ),
    }  # fmt: skip
    dataset = sm.Dataset.from_frames(frames)
    results = sm.calculate(
        dataset,
        start="2016-03-31",
        end="2016-03-31",
        indicators=[A1, DECISIONS],
        registry=ref.REGISTRY,
        benchmarks=False,
    )
    # A: 2013-06-01 - 2013-01-01 = 151 days; B's order date is unreadable: left out of A1,
    # still counted by measures that do not read it
    assert figures(results, A1) == [(151.0, 1, 151.0, 0)]
    assert dataset.quality["reason"].str.contains("unparseable date").any()
    assert figures(results, DECISIONS)[0][0] == 0


def test_scorecard_metadata() -> None:
    found = {i.id: i for i in ref.REGISTRY}
    for indicator in (*SCORECARD, DECISIONS, WAITING):
        doc = found[indicator].compute.__doc__ or ""
        assert "Numerator" in doc and "References" in doc
    assert [str(found[i].unit) for i in SCORECARD] == ["days", "days", "days", "%"]
    assert [p.name for p in found[A3].parameters] == ["window_months", "months"]
    assert found[A1].parameters[0].default == 36 and found[A3].parameters[1].default == 14
