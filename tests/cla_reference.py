"""A plain-Python reference for the looked-after and adoption measures, and case histories.

Written from the indicator reference (``../shared/spec/indicators.md``) one child and one day
at a time, with its own month arithmetic and working-day count, sharing nothing with the
library but the record classes. The tests compare it with the vectorised indicators on small
generated histories.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import holidays
from hypothesis import strategies as st

from safeguarding_metrics.model import (
    Adoption,
    CareEpisode,
    CareLeaver,
    Child,
    ClaReview,
    Missing,
    Visit,
)

DAY = dt.timedelta(days=1)
SHORT_BREAKS = {"V3", "V4"}
ADOPTIVE = {"A3", "A4", "A5", "A6"}
TEMPORARY = {"T0", "T1", "T2", "T3", "T4"}
CARER = {"S", "P", "B"}
_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2005, 2026))


def add_months(d: dt.date, n: int) -> dt.date:
    """Calendar months, the day clamped to the month's end."""
    index = d.month - 1 + n
    year, month = d.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def working_days_after(d: dt.date, n: int) -> dt.date:
    """The n-th working day after d (Monday to Friday, not an England bank holiday)."""
    count = 0
    while count < n:
        d += DAY
        if d.weekday() < 5 and d not in _HOLIDAYS:
            count += 1
    return d


# -- the history of one child --------------------------------------------------------------------


def _by_child(records: Iterable[Any], kind: type) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for r in records:
        if isinstance(r, kind):
            out[r.child_id].append(r)
    return out


def episodes(records: Iterable[Any]) -> dict[str, list[CareEpisode]]:
    """Each child's episodes without short breaks, in order of start (then end, open last)."""
    out = {}
    for child, eps in _by_child(records, CareEpisode).items():
        kept = [e for e in eps if e.legal_status not in SHORT_BREAKS]
        out[child] = sorted(kept, key=lambda e: (e.start_date, e.end_date or dt.date.max))
    return out


def is_open(e: CareEpisode, d: dt.date) -> bool:
    return e.start_date <= d and (e.end_date is None or e.end_date > d)


def looked_after(eps: Sequence[CareEpisode], d: dt.date) -> bool:
    return any(is_open(e, d) for e in eps)


def open_episode(eps: Sequence[CareEpisode], d: dt.date) -> CareEpisode | None:
    found = [e for e in eps if is_open(e, d)]
    return found[-1] if found else None


def latest_start(eps: Sequence[CareEpisode], d: dt.date, keep: Any) -> dt.date | None:
    starts = [e.start_date for e in eps if keep(e) and e.start_date <= d]
    return max(starts) if starts else None


def poc_start(eps: Sequence[CareEpisode], d: dt.date) -> dt.date | None:
    return latest_start(eps, d, lambda e: e.rne == "S")


def carer_start(eps: Sequence[CareEpisode], d: dt.date) -> dt.date | None:
    return latest_start(eps, d, lambda e: e.rne in CARER)


def any_start(eps: Sequence[CareEpisode], d: dt.date) -> dt.date | None:
    return latest_start(eps, d, lambda e: e.rne is not None and e.rne != "L")


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + k * DAY for k in range((last - first).days + 1)]


# -- the measures: each gives (numerator, denominator, excluded) ---------------------------------

Figures = tuple[float, int, int]


def cla_at_end(records: Sequence[Any], end: dt.date) -> Figures:
    n = sum(looked_after(eps, end) for eps in episodes(records).values())
    return n, 0, 0


def cla_started(records: Sequence[Any], start: dt.date, end: dt.date) -> Figures:
    n = sum(
        any(e.rne == "S" and start <= e.start_date <= end for e in eps)
        for eps in episodes(records).values()
    )
    return n, 0, 0


def cla_ceased(records: Sequence[Any], start: dt.date, end: dt.date) -> Figures:
    n = 0
    for eps in episodes(records).values():
        for e in eps:
            if e.end_date is None or not start <= e.end_date <= end:
                continue
            d = e.end_date
            if not looked_after(eps, d) or any(
                f.rne == "S" and f.start_date == d and is_open(f, d) for f in eps
            ):
                n += 1
                break
    return n, 0, 0


def cla_3plus_placements(records: Sequence[Any], end: dt.date) -> Figures:
    num = den = 0
    span = days_between(add_months(end, -12) + DAY, end)
    for eps in episodes(records).values():
        if not looked_after(eps, end):
            continue
        den += 1
        kept = [e for e in eps if e.placement not in TEMPORARY and any(is_open(e, d) for d in span)]
        count = sum(1 for i, e in enumerate(kept) if i == 0 or e.rne in {"S", "P", "B", "T", "U"})
        num += count >= 3
    return num, den, 0


def cla_long_term_stability(records: Sequence[Any], end: dt.date) -> Figures:
    births = {c.child_id: c.date_of_birth for c in records if isinstance(c, Child)}
    num = den = excluded = 0
    for child, eps in episodes(records).items():
        if not looked_after(eps, end):
            continue
        dob, poc = births.get(child), poc_start(eps, end)
        if dob is not None and add_months(dob, 192) <= end:
            continue
        if poc is not None and add_months(poc, 30) > end:
            continue
        if poc is None or dob is None:
            excluded += 1
            continue
        den += 1
        used = carer_start(eps, end)
        current = open_episode(eps, end)
        assert current is not None and used is not None
        if current.placement in ADOPTIVE:
            i = eps.index(current)
            while (
                i > 0
                and eps[i - 1].placement in ADOPTIVE
                and (eps[i - 1].end_date is None or eps[i - 1].end_date >= eps[i].start_date)
            ):
                i -= 1
            adoptive_start = max(used, eps[i].start_date)
            before = adoptive_start - DAY
            earlier = carer_start(eps, before)
            used = earlier if looked_after(eps, before) and earlier else adoptive_start
        num += add_months(used, 24) <= end
    return num, den, excluded


def cla_visits_on_time(records: Sequence[Any], end: dt.date) -> Figures:
    visits = _by_child(records, Visit)
    num = den = excluded = 0
    for child, eps in episodes(records).items():
        if not looked_after(eps, end):
            continue
        ps = any_start(eps, end)
        if ps is None:
            excluded += 1
            continue
        den += 1
        seen = [
            v.visit_date
            for v in visits.get(child, [])
            if v.visit_type == "cla" and ps <= v.visit_date <= end
        ]
        current = open_episode(eps, end)
        assert current is not None
        long_term = bool(current.long_term) or current.placement in {"U1", "U4"}
        if not seen:
            due = ps + 7 * DAY
        else:
            v = max(seen)
            six_weeks = v < add_months(ps, 12) or not long_term
            due = v + 42 * DAY if six_weeks else add_months(v, 3)
        num += end <= due
    return num, den, excluded


def cla_reviews_on_time(records: Sequence[Any], end: dt.date) -> Figures:
    reviews = _by_child(records, ClaReview)
    num = den = excluded = 0
    for child, eps in episodes(records).items():
        if not looked_after(eps, end):
            continue
        poc = poc_start(eps, end)
        if poc is None:
            excluded += 1
            continue
        if poc > end - 28 * DAY:
            continue
        den += 1
        held = sorted({r.review_date for r in reviews.get(child, []) if poc < r.review_date <= end})
        due = working_days_after(poc, 20)
        on_time = True
        for i, r in enumerate(held):
            on_time &= r <= due
            due = add_months(r, 3 if i == 0 else 6)
        num += on_time and end <= due
    return num, den, excluded


def cla_missing(records: Sequence[Any], start: dt.date, end: dt.date) -> Figures:
    missing = _by_child(records, Missing)
    span = days_between(start, end)
    num = den = 0
    for child, eps in episodes(records).items():
        if not any(looked_after(eps, d) for d in span):
            continue
        den += 1
        num += any(m.kind == "M" and start <= m.start_date <= end for m in missing.get(child, []))
    return num, den, 0


def care_leavers(records: Sequence[Any], start: dt.date, end: dt.date, which: str) -> Figures:
    rows = [r for r in records if isinstance(r, CareLeaver) and start <= r.recorded_date <= end]
    if which == "accommodation":
        num = sum(bool(r.accommodation) and r.accommodation.endswith("1") for r in rows)
    else:
        eet = {f"{x}{n}" for x in "FP" for n in range(1, 6)}
        num = sum(r.activity in eet for r in rows)
    return num, len(rows), 0


def adoption(
    records: Sequence[Any], end: dt.date, which: str, window: int = 36, months: int = 14
) -> Figures:
    """A1, A10, A2 (sum of days, children, excluded) or A3 (met, children, excluded)."""
    history = episodes(records)
    total: float = 0
    den = excluded = 0
    first = add_months(end, -window)
    for ad in (r for r in records if isinstance(r, Adoption)):
        order = ad.adoption_order_date
        if order is None or not first < order <= end:
            continue
        eps = history.get(ad.child_id, [])
        poc = poc_start(eps, order)
        adoptive = [
            e.start_date
            for e in eps
            if e.placement in ADOPTIVE and poc is not None and poc <= e.start_date <= order
        ]
        moved = ad.placed_date or (min(adoptive) if adoptive else None)
        if poc is None or moved is None:
            excluded += 1
            continue
        if which == "a1":
            total += (moved - poc).days
        elif which == "a10":
            if ad.foster_carer:
                moved = carer_start(eps, moved) or moved
            total += (moved - poc).days
        elif which == "a2":
            if ad.placement_order_date is None or ad.matched_date is None:
                excluded += 1
                continue
            total += max(0, (ad.matched_date - ad.placement_order_date).days)
        else:
            total += moved < add_months(poc, months)
        den += 1
    return total, den, excluded


def shobpa_decisions(records: Sequence[Any], start: dt.date, end: dt.date) -> Figures:
    n = sum(
        isinstance(r, Adoption) and r.shobpa_date is not None and start <= r.shobpa_date <= end
        for r in records
    )
    return n, 0, 0


def shobpa_waiting(records: Sequence[Any], end: dt.date, looked_after_only: bool = True) -> Figures:
    history = episodes(records)
    n = 0
    for ad in (r for r in records if isinstance(r, Adoption)):
        if ad.shobpa_date is None or ad.shobpa_date > end:
            continue
        eps = history.get(ad.child_id, [])
        adoptive = [
            e.start_date for e in eps if e.placement in ADOPTIVE and e.start_date >= ad.shobpa_date
        ]
        stops = [
            ad.shobpa_reversed_date,
            ad.placed_date,
            ad.adoption_order_date,
            min(adoptive) if adoptive else None,
        ]
        if any(s is not None and s <= end for s in stops):
            continue
        if looked_after_only and not looked_after(eps, end):
            continue
        n += 1
    return n, 0, 0


def reference(indicator: str, records: Sequence[Any], start: dt.date, end: dt.date) -> Figures:
    """The reference figures of one indicator over one period ``[start, end]``."""
    snapshot = {
        "national.cla_at_end": cla_at_end,
        "national.cla_3plus_placements": cla_3plus_placements,
        "national.cla_long_term_stability": cla_long_term_stability,
        "national.cla_visits_on_time": cla_visits_on_time,
        "national.cla_reviews_on_time": cla_reviews_on_time,
        "national.adoption_shobpa_waiting": shobpa_waiting,
    }
    flow = {
        "national.cla_started": cla_started,
        "national.cla_ceased": cla_ceased,
        "national.cla_missing": cla_missing,
        "national.adoption_shobpa_decisions": shobpa_decisions,
    }
    if indicator in snapshot:
        return snapshot[indicator](records, end)
    if indicator in flow:
        return flow[indicator](records, start, end)
    if indicator == "national.care_leavers_suitable_accommodation":
        return care_leavers(records, start, end, "accommodation")
    if indicator == "national.care_leavers_eet":
        return care_leavers(records, start, end, "activity")
    return adoption(records, end, indicator.rsplit("_", 1)[1])


#: Every indicator the reference covers.
INDICATORS = (
    "national.adoption_a1",
    "national.adoption_a10",
    "national.adoption_a2",
    "national.adoption_a3",
    "national.adoption_shobpa_decisions",
    "national.adoption_shobpa_waiting",
    "national.care_leavers_eet",
    "national.care_leavers_suitable_accommodation",
    "national.cla_3plus_placements",
    "national.cla_at_end",
    "national.cla_ceased",
    "national.cla_long_term_stability",
    "national.cla_missing",
    "national.cla_reviews_on_time",
    "national.cla_started",
    "national.cla_visits_on_time",
)


# -- generated case histories --------------------------------------------------------------------

FIRST = dt.date(2010, 6, 1)
LAST = dt.date(2016, 9, 30)


def _day(lo: dt.date = FIRST, hi: dt.date = LAST) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=lo, max_value=hi)


def _optional_day(lo: dt.date = FIRST, hi: dt.date = LAST) -> st.SearchStrategy[dt.date | None]:
    return st.one_of(st.none(), _day(lo, hi))


def _chain(draw: st.DrawFn, first: dt.date, steps: Sequence[int], most: int) -> list[dt.date]:
    """Dates from ``first`` at intervals drawn from ``steps`` (up to ``most``, before LAST)."""
    out, day = [], first
    for _ in range(draw(st.integers(0, most))):
        if day > LAST:
            break
        out.append(day)
        day += draw(st.sampled_from(steps)) * DAY
    return out


def _after(draw: st.DrawFn, day: dt.date | None, lo: int, hi: int) -> dt.date | None:
    """``day`` plus a drawn number of days, or None (a step of the journey not taken)."""
    if day is None or draw(st.integers(0, 5)) == 0:
        return None
    return day + draw(st.integers(lo, hi)) * DAY


@st.composite
def child_history(draw: st.DrawFn, child: str) -> list[Any]:
    """One child's history: sequential episodes (contiguous or with gaps, the last possibly
    open), visits and reviews at irregular but plausible intervals, missing episodes, an
    adoption journey in order (any step possibly missing), OC3 rows."""
    records: list[Any] = []
    if draw(st.integers(0, 4)) > 0:
        dob = draw(st.one_of(_day(dt.date(1997, 1, 1), dt.date(2014, 12, 31)), st.none()))
        records.append(Child(child_id=child, date_of_birth=dob))
    day = first = draw(_day(FIRST, dt.date(2016, 3, 1)))
    n = draw(st.integers(1, 6))
    short_breaks = draw(st.integers(0, 4)) == 0
    for i in range(n):
        length = draw(st.sampled_from([1, 20, 45, 90, 200, 400, 800]) | st.integers(1, 900))
        rne = draw(st.sampled_from("SSSSSSP" if i == 0 else "SPPPLLTUB"))
        legal = draw(
            st.sampled_from(["V3", "V4", "C2"] if short_breaks else ["C1", "C2", "E1", "V2"])
        )
        placement = draw(
            st.sampled_from(["U1", "U4", "U6", "U3", "A5", "A6", "A3", "P1", "T0", "T4", "R1"])
        )
        end = None if i == n - 1 and draw(st.booleans()) else day + length * DAY
        records.append(
            CareEpisode(
                child_id=child,
                start_date=day,
                end_date=end,
                rne=rne,
                legal_status=legal,
                placement=placement,
                long_term=draw(st.sampled_from([None, True, False])),
            )
        )
        if end is None:
            break
        day = end + draw(st.sampled_from([0, 0, 0, 1, 30])) * DAY
    recent = max(first, dt.date(2014, 6, 1)) + draw(st.integers(0, 60)) * DAY
    for v in _chain(draw, recent, [7, 30, 41, 42, 43, 60, 92, 120], 12):
        kind = draw(st.sampled_from(["cla", "cla", "cla", "cp"]))
        records.append(Visit(child_id=child, visit_date=v, visit_type=kind))
    start = draw(st.sampled_from([first, recent]))
    reviews = _chain(draw, start + draw(st.integers(5, 40)) * DAY, [80, 91, 92, 170, 183, 200], 8)
    for r in reviews:
        records.append(ClaReview(child_id=child, review_date=r))
    for m in draw(st.lists(_day(dt.date(2014, 1, 1)), max_size=3)):
        records.append(Missing(child_id=child, start_date=m, kind=draw(st.sampled_from("MA"))))
    if draw(st.booleans()):
        shobpa = _after(draw, first, 30, 400)
        order = _after(draw, shobpa, 0, 200)
        matched = _after(draw, order or shobpa, -60, 300)
        placed = _after(draw, matched, 0, 90)
        adopted = _after(draw, placed or matched, 90, 500)
        records.append(
            Adoption(
                child_id=child,
                shobpa_date=shobpa,
                placement_order_date=order,
                matched_date=matched,
                placed_date=placed,
                adoption_order_date=adopted,
                foster_carer=draw(st.sampled_from([None, True, False])),
                shobpa_reversed_date=_after(draw, shobpa, 1, 600)
                if draw(st.integers(0, 4)) == 0
                else None,
            )
        )
    for recorded in draw(st.lists(_day(dt.date(2014, 1, 1)), max_size=2, unique=True)):
        records.append(
            CareLeaver(
                child_id=child,
                recorded_date=recorded,
                in_touch=draw(st.sampled_from([None, "YES", "NO"])),
                activity=draw(st.sampled_from([None, "F1", "P5", "G4", "0", "F5"])),
                accommodation=draw(st.sampled_from([None, "B1", "B2", "Z1", "0", "S2"])),
            )
        )
    return records


@st.composite
def case_histories(draw: st.DrawFn, max_children: int = 5) -> list[Any]:
    n = draw(st.integers(1, max_children))
    records: list[Any] = []
    for k in range(n):
        records.extend(draw(child_history(f"C{k}")))
    return records


# -- running the indicators ----------------------------------------------------------------------


def registry() -> Any:
    import safeguarding_metrics as sm
    import safeguarding_metrics_national as national

    return sm.build_registry([("national", national)])


REGISTRY = registry()


def run(
    records: Sequence[Any],
    indicators: Sequence[str],
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    every: str | None = None,
    periods: Sequence[Any] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> Any:
    """``calculate`` through the national plugin (no benchmarks, no breakdown)."""
    import safeguarding_metrics as sm

    return sm.calculate(
        sm.Dataset.from_records(records),
        start=start,
        end=end,
        every=every,
        periods=periods,
        indicators=list(indicators),
        params=params,
        registry=REGISTRY,
        benchmarks=False,
        breakdown=False,
    )


def figures(results: Any, indicator: str) -> list[tuple[float, float, float, int]]:
    """(numerator, denominator, value, excluded) per period, NaN as None-free floats."""
    frame = results.frame
    rows = frame.loc[frame["indicator"] == indicator]
    return [
        (float(n), float(d), float(v), int(x))
        for n, d, v, x in zip(
            rows["numerator"], rows["denominator"], rows["value"], rows["excluded"], strict=True
        )
    ]


def computed(
    dataset: Any, indicator: str, bounds: Sequence[tuple[dt.date, dt.date]]
) -> list[Figures]:
    """The indicator's cohort aggregated per period as the engine does (numerator: met rows,
    or the sum of values for means; denominator: rows not excluded), without the engine's
    other work: fast enough for many generated examples."""
    from safeguarding_metrics import Periods

    found = REGISTRY.get(indicator)
    tables = {t: dataset.view(t, cols) for t, cols in found.tables.items()}
    periods = Periods(start=[b[0] for b in bounds], end=[b[1] for b in bounds])
    cohort = found.compute(tables, periods, found.resolve_params())
    out = []
    for k in range(len(bounds)):
        rows = cohort.loc[cohort["period"] == k]
        excluded = rows["excluded"].notna()
        used = rows.loc[~excluded]
        if found.unit.is_mean:
            value = used["value"].astype("Float64").dropna()
            out.append((float(value.sum()), len(value), int(excluded.sum())))
        elif str(found.unit) == "count":
            out.append((int(used["met"].astype(bool).sum()), 0, int(excluded.sum())))
        else:
            out.append((int(used["met"].astype(bool).sum()), len(used), int(excluded.sum())))
    return out


@st.composite
def long_stays(draw: st.DrawFn, max_children: int = 5) -> list[Any]:
    """Children under 16 in care for years, their last placement open, some placed for
    adoption (A3-A6, by new carers with RNE P or by their foster carers with T or U): the
    population of the long-term stability measure."""
    records: list[Any] = []
    for k in range(draw(st.integers(1, max_children))):
        child = f"L{k}"
        dob = draw(_day(dt.date(1999, 1, 1), dt.date(2012, 12, 31)))
        records.append(Child(child_id=child, date_of_birth=None if k == 4 else dob))
        day = draw(_day(dt.date(2010, 1, 1), dt.date(2014, 6, 30)))
        n = draw(st.integers(1, 4))
        for i in range(n):
            length = draw(st.sampled_from([30, 200, 400, 700, 900]) | st.integers(1, 900))
            end = None if i == n - 1 else day + length * DAY
            records.append(
                CareEpisode(
                    child_id=child,
                    start_date=day,
                    end_date=end,
                    rne="S" if i == 0 else draw(st.sampled_from("PTULB")),
                    legal_status=draw(st.sampled_from(["C2", "E1"])),
                    placement=draw(st.sampled_from(["U4", "U6", "A5", "A6", "A3"])),
                )
            )
            if end is not None:
                day = end + draw(st.sampled_from([0, 0, 0, 0, 2])) * DAY
    return records
