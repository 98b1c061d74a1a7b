"""The built-in synthetic council: a seeded generator of complete canonical case tables.

The synthetic council imitates the council of the seed report (Rotherham, about 57,000 children
aged 0-17, 2012-2016) closely enough that every indicator has something to count: about 12,000
front-door contacts and 4,500 referrals a year, about 400 children on child protection plans and
450 looked after at any time, 25-40 adoptions a year, about 120 social workers in 10 teams. The
local measures move the way the seed report says they did (MASH decisions within 24 hours falling
to about 37% at the end of 2014 and recovering to about 98% in December 2015; assessments within
45 working days dipping to about 70% in early 2015 and peaking at about 96% in August 2015; the
plans open over two years cleared during 2015; plans and visits up to date by the end of 2015).

Everything is drawn from one ``numpy.random.Generator`` and computed on whole arrays (children's
timelines are laid out with cumulative sums, ``np.repeat`` and grouped forward fills; the only
Python loops run over episode ranks, teams and tables), so the same code produces a county or
England (``scale=26``: about 1.2 million children and 11 million records in well under a minute,
about 2 GB).

The tables follow ``data-contract.md`` exactly: one ``DataFrame`` per table, the contract's
columns in the contract's order, identifiers as strings, dates as ``datetime64[ns]`` (``NaT`` is
missing), booleans as the pandas ``"boolean"`` dtype, ``previous_plans`` as ``"Int64"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .calendar import add_months, business_calendar

__all__ = ["DIRTY_FAULTS", "HISTORY_YEARS", "TABLES", "DirtyFault", "generate", "write_csv"]

Arr = npt.NDArray[Any]

#: The canonical tables and their columns, in the contract's order.
TABLES: dict[str, tuple[str, ...]] = {
    "children": ("child_id", "date_of_birth", "sex", "ethnicity", "disability"),
    "contacts": ("contact_id", "child_id", "received_at", "decision_at", "outcome"),
    "referrals": (
        "referral_id",
        "child_id",
        "referral_date",
        "source",
        "nfa",
        "closure_date",
        "closure_reason",
    ),
    "assessments": ("assessment_id", "child_id", "start_date", "authorised_date", "referral_id"),
    "section47": ("s47_id", "child_id", "start_date", "icpc_date", "icpc_not_required"),
    "cp_plans": (
        "plan_id",
        "child_id",
        "start_date",
        "end_date",
        "initial_category",
        "previous_plans",
    ),
    "cp_reviews": ("plan_id", "child_id", "review_date"),
    "cin_plans": ("plan_id", "child_id", "start_date", "end_date"),
    "care_episodes": (
        "child_id",
        "start_date",
        "end_date",
        "rne",
        "legal_status",
        "cin_category",
        "placement",
        "provider",
        "reason_ceased",
        "reason_place_change",
        "long_term",
    ),
    "cla_reviews": ("child_id", "review_date"),
    "visits": ("child_id", "visit_date", "visit_type", "seen_alone"),
    "care_plans": ("child_id", "plan_type", "updated_date"),
    "adoptions": (
        "child_id",
        "shobpa_date",
        "placement_order_date",
        "matched_date",
        "placed_date",
        "adoption_order_date",
        "foster_carer",
        "shobpa_reversed_date",
    ),
    "missing": ("child_id", "start_date", "end_date", "kind"),
    "care_leavers": ("child_id", "recorded_date", "in_touch", "activity", "accommodation"),
    "workers": ("worker_id", "team", "fte", "role"),
    "allocations": ("child_id", "worker_id", "start_date", "end_date"),
}

#: Years of history simulated before ``start``: no record date is earlier than
#: ``start - HISTORY_YEARS`` (dates of birth excepted). Visits and care-plan updates are kept
#: from one year before ``start`` only; contacts from ``start`` (a contact's receipt may fall a
#: few days earlier when it led to a referral on or after ``start``).
HISTORY_YEARS = 6

#: Datetime columns (written with a time of day); every other datetime column is a date.
DATETIME_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    {("contacts", "received_at"), ("contacts", "decision_at")}
)


@dataclass(frozen=True)
class DirtyFault:
    """One kind of fault injected by ``generate(dirty=True)``."""

    table: str
    column: str
    kind: str
    count: int
    detail: str


#: The faults that ``generate(dirty=True)`` injects, one entry per fault (each ``count`` 1).
DIRTY_FAULTS: tuple[DirtyFault, ...] = (
    DirtyFault(
        "referrals",
        "referral_date",
        "unparseable_date",
        1,
        "one referral_date written as the text '2015-02-30' (a required field)",
    ),
    DirtyFault(
        "assessments",
        "authorised_date",
        "unparseable_date",
        1,
        "one authorised_date written as the text 'not known' (an optional field)",
    ),
    DirtyFault(
        "cp_plans",
        "end_date",
        "unparseable_date",
        1,
        "one end_date of a closed plan written as the text '31/13/2014'",
    ),
    DirtyFault(
        "referrals",
        "closure_date",
        "negative_interval",
        1,
        "one closed referral's closure_date moved to 5 days before its referral_date",
    ),
    DirtyFault(
        "cp_plans",
        "end_date",
        "negative_interval",
        1,
        "one closed plan's end_date moved to 10 days before its start_date",
    ),
    DirtyFault(
        "contacts",
        "contact_id",
        "duplicate_key",
        1,
        "one extra contact row reusing an existing contact_id, received one hour later",
    ),
    DirtyFault(
        "assessments",
        "assessment_id",
        "duplicate_key",
        1,
        "one extra assessment row reusing an existing assessment_id, started one day later",
    ),
    DirtyFault(
        "care_episodes",
        "placement",
        "unknown_code",
        1,
        "one episode's placement replaced by the unknown code 'Q9'",
    ),
    DirtyFault(
        "visits",
        "",
        "exact_duplicate",
        1,
        "one visit row repeated exactly (appended at the end of the table)",
    ),
)

NEVER = np.int64(2**40)  # "never happened / still open": later than any real day number
_DAY0 = np.datetime64("1970-01-01", "D")

# Codes (DfE return codes) -------------------------------------------------------------------

_SEX = ("1", "2")
_ETHNICITY: tuple[str, ...] = (
    "WBRI",
    "WIRI",
    "WOTH",
    "WROM",
    "MWBC",
    "MWBA",
    "MWAS",
    "MOTH",
    "APKN",
    "AIND",
    "ABAN",
    "AOTH",
    "BAFR",
    "BCRB",
    "BOTH",
    "CHNE",
    "OOTH",
    "REFU",
    "NOBT",
)
_ETHNICITY_W: tuple[float, ...] = (
    80.0,
    0.3,
    2.5,
    0.8,
    1.5,
    0.5,
    0.8,
    0.8,
    6.0,
    0.3,
    0.2,
    0.4,
    0.8,
    0.3,
    0.2,
    0.2,
    0.8,
    0.3,
    2.5,
)
_DISABILITY = ("NONE", "LD", "AUT", "COMM", "BEH", "MOB", "HAND", "PC", "HEAR", "VIS", "CON")
_SB_DISABILITY_W = (0.0, 30.0, 30.0, 8.0, 6.0, 8.0, 5.0, 8.0, 2.0, 2.0, 1.0)
_SOURCE: tuple[str, ...] = (
    "1A",
    "1B",
    "1C",
    "1D",
    "2A",
    "2B",
    "3A",
    "3B",
    "3C",
    "3D",
    "3E",
    "3F",
    "4",
    "5A",
    "5B",
    "5C",
    "6",
    "7",
    "8",
    "9",
    "10",
)
_SOURCE_W: tuple[float, ...] = (
    5.0,
    2.0,
    2.0,
    1.0,
    16.0,
    2.0,
    2.0,
    4.0,
    1.0,
    3.0,
    3.0,
    3.0,
    2.0,
    6.0,
    4.0,
    3.0,
    29.0,
    2.0,
    6.0,
    2.0,
    2.0,
)
_RC = ("RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8", "RC9")
_CATEGORY = ("NEG", "EMO", "PHY", "SAB", "MUL")
_CATEGORY_W = (45.0, 35.0, 8.0, 5.0, 7.0)
_CIN_CATEGORY = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
_CIN_CATEGORY_W = (62.0, 3.0, 4.0, 9.0, 15.0, 3.0, 1.0, 3.0)
_OUTCOME: tuple[str, ...] = (
    "Referral",
    "Early Help",
    "Advice and Information",
    "No Further Action",
    "Existing Case",
)

_LS = ("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4")
_C1, _C2, _E1, _J1, _J2, _J3, _L1, _L2, _L3, _V2, _V3, _V4 = (
    _LS.index(c) for c in ("C1", "C2", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4")
)
_PL: tuple[str, ...] = (
    "U1",
    "U2",
    "U3",
    "U4",
    "U5",
    "U6",
    "R1",
    "R2",
    "R3",
    "R5",
    "P1",
    "P2",
    "P3",
    "H5",
    "K1",
    "K2",
    "S1",
    "Z1",
    "A3",
    "A4",
    "A5",
    "A6",
    "T0",
    "T1",
    "T2",
    "T3",
    "T4",
)
_P = {code: i for i, code in enumerate(_PL)}
# new placements by age group at the move: under 5, 5-11, 12-15, 16-17
_PL_W = np.zeros((4, len(_PL)))
for _g, _w in enumerate(
    (
        {"U6": 62, "U3": 18, "U5": 3, "R3": 5, "P1": 10, "R2": 2},
        {"U6": 60, "U3": 17, "K2": 8, "P1": 10, "S1": 2, "Z1": 3},
        {"U6": 45, "U3": 10, "K2": 22, "R1": 5, "P1": 8, "S1": 3, "K1": 2, "Z1": 3, "R2": 2},
        {"U6": 28, "U3": 6, "H5": 25, "K2": 12, "P2": 10, "P1": 8, "R5": 3, "K1": 2, "P3": 2},
    )
):
    for _code, _weight in _w.items():
        _PL_W[_g, _P[_code]] = _weight
_PL_W[3, _P["Z1"]] = 4
_TEMP_W = np.zeros(len(_PL))
for _code, _weight in {"T0": 1, "T1": 3, "T2": 3, "T3": 5, "T4": 4}.items():
    _TEMP_W[_P[_code]] = _weight
_PROVIDER = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
_PROV_W = np.zeros((len(_PL), len(_PROVIDER)))
for _group, _pw in (
    (("U1", "U2", "U3", "U4", "U5", "U6"), (0, 70, 0, 0, 30, 0)),
    (("R1", "K2"), (0, 40, 0, 0, 50, 10)),
    (("K1",), (0, 40, 60, 0, 0, 0)),
    (("H5",), (0, 40, 0, 0, 60, 0)),
    (("P1",), (100, 0, 0, 0, 0, 0)),
    (("P2",), (0, 100, 0, 0, 0, 0)),
    (("P3", "Z1"), (0, 0, 0, 0, 100, 0)),
    (("R2", "R5"), (0, 0, 0, 100, 0, 0)),
    (("R3", "S1"), (0, 0, 0, 0, 60, 40)),
    (("A3", "A4", "A5", "A6"), (0, 60, 0, 0, 0, 40)),
    (("T0", "T1", "T2", "T3", "T4"), (0, 100, 0, 0, 0, 0)),
):
    for _code in _group:
        _PROV_W[_P[_code]] = _pw
_RNE = ("S", "P", "L", "T", "U", "B")
_REC = ("X1", "E11", "E12", "E13", "E17", "E3", "E41", "E45", "E46", "E5", "E6", "E8", "E9")
_R = {code: i for i, code in enumerate(_REC)}
_RPC: tuple[str, ...] = (
    "CARPL",
    "CLOSE",
    "ALLEG",
    "STAND",
    "APPRR",
    "CREQB",
    "CREQO",
    "CHILD",
    "LAREQ",
    "PLACE",
    "CUSTOD",
    "OTHER",
)
_RPC_W = (18.0, 8.0, 4.0, 10.0, 6.0, 12.0, 6.0, 8.0, 5.0, 12.0, 1.0, 10.0)
_IN_TOUCH = ("YES", "NO", "REFU", "DIED", "RHOM", "NREQ")
_IN_TOUCH_W = (86.0, 7.0, 3.0, 0.3, 2.0, 1.7)
_ACTIVITY = ("F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5", "G4", "G5", "G6")
_ACTIVITY_W = (6.0, 1.0, 18.0, 4.0, 12.0, 5.0, 3.0, 1.0, 3.0, 1.0, 9.0, 28.0, 9.0)
_ACCOM: tuple[str, ...] = (
    "B1",
    "C1",
    "D1",
    "E1",
    "K1",
    "R1",
    "T1",
    "U1",
    "Y1",
    "B2",
    "D2",
    "K2",
    "S2",
    "U2",
    "V2",
    "W2",
    "X2",
    "Y2",
)
_ACCOM_W: tuple[float, ...] = (
    12.0,
    2.0,
    12.0,
    10.0,
    4.0,
    6.0,
    3.0,
    33.0,
    4.0,
    1.0,
    1.0,
    1.0,
    3.0,
    2.0,
    2.0,
    1.5,
    1.5,
    1.0,
)

_TEAMS = (
    "Duty and Assessment 1",
    "Duty and Assessment 2",
    "Locality North",
    "Locality South",
    "Locality Central",
    "Child Protection",
    "Looked After Children 1",
    "Looked After Children 2",
    "Children with Disabilities",
    "Permanence",
)
_DA, _LOC, _CPT, _LAC, _CWD, _PERM = 0, 2, 5, 6, 8, 9
_ROLES: tuple[str, ...] = (
    "Social Worker",
    "Senior Social Worker",
    "Advanced Practitioner",
    "Newly Qualified Social Worker",
)
_ROLES_W = (55.0, 20.0, 10.0, 15.0)

# Episode types of a referral (the CIN episode it starts)
_NFA, _ASSESS, _CIN, _S47, _CP, _CARE = range(6)
_EPISODE_W = (10.0, 49.7, 12.0, 14.0, 10.5, 3.8)
# Paths through care
_SHORT, _MEDIUM, _LONG, _ADOPT = range(4)

# Scale-1 volumes
_ARRIVALS_PER_YEAR = 2_620.0  # children referred for the first time
_OTHER_CONTACTS_PER_YEAR = 8_300.0  # contacts that do not become referrals
_SHORT_BREAK_STARTS_PER_YEAR = 12.0
_CASELOAD_TARGET = 20.0

# Trajectories of the council's practice, from the seed report (linear between the points)
_P_MASH_24H = (
    ("2011-01-01", 0.86),
    ("2013-04-01", 0.80),
    ("2014-04-01", 0.62),
    ("2014-12-31", 0.367),
    ("2015-03-15", 0.70),
    ("2015-06-01", 0.93),
    ("2015-09-01", 0.975),
    ("2015-12-15", 0.986),
    ("2016-12-31", 0.985),
)
_P_ASSESS_45WD = (  # by the referral date
    ("2011-01-01", 0.80),
    ("2013-06-01", 0.77),
    ("2014-09-01", 0.72),
    ("2014-12-15", 0.62),
    ("2015-02-01", 0.93),
    ("2015-05-15", 0.99),
    ("2015-08-01", 0.97),
    ("2015-09-15", 0.76),
    ("2016-12-31", 0.82),
)
_P_ICPC_15WD: tuple[tuple[str, float], ...] = (
    ("2011-01-01", 0.8),
    ("2014-06-01", 0.79),
    ("2015-06-01", 0.84),
    ("2016-12-31", 0.86),
)
_DROP_CP_VISIT: tuple[tuple[str, float], ...] = (
    ("2011-01-01", 0.3),
    ("2014-09-01", 0.35),
    ("2015-06-01", 0.06),
    ("2015-12-01", 0.14),
    ("2016-12-31", 0.14),
)
_DROP_CLA_VISIT: tuple[tuple[str, float], ...] = (
    ("2011-01-01", 0.22),
    ("2014-09-01", 0.28),
    ("2015-06-01", 0.06),
    ("2015-12-01", 0.04),
    ("2016-12-31", 0.04),
)
_DROP_CIN_VISIT: tuple[tuple[str, float], ...] = (
    ("2011-01-01", 0.35),
    ("2014-09-01", 0.4),
    ("2015-12-01", 0.08),
    ("2016-12-31", 0.08),
)
_DROP_PLAN = {
    "cp": (("2011-01-01", 0.15), ("2014-12-31", 0.30), ("2015-09-01", 0.0)),
    "cla": (("2011-01-01", 0.15), ("2014-12-31", 0.34), ("2015-10-01", 0.03)),
    "cin": (("2011-01-01", 0.55), ("2014-12-31", 0.80), ("2015-12-01", 0.10)),
}
_P_REVIEW_LATE: tuple[tuple[str, float], ...] = (
    ("2011-01-01", 0.035),
    ("2014-06-01", 0.05),
    ("2015-06-01", 0.012),
    ("2016-12-31", 0.012),
)
# share of closed cases referred again soon (short gap before the next referral)
_P_SOON_BACK: tuple[tuple[str, float], ...] = (
    ("2011-01-01", 0.48),
    ("2014-01-01", 0.5),
    ("2014-10-01", 0.52),
    ("2015-05-01", 0.7),
    ("2016-12-31", 0.7),
)
_CP_CAP_FROM = "2015-04-01"  # the council reviewed every plan open over two years ...
_CP_CAP_TO = "2015-11-30"  # ... and closed or escalated almost all of them by December


# Small array helpers ------------------------------------------------------------------------


def _day(text: str) -> int:
    """Day number (days since 1970-01-01) of an ISO date."""
    return int((np.datetime64(text, "D") - _DAY0).astype(np.int64))


def _add_months(days: Arr, months: Arr | int) -> Arr:
    """`calendar.add_months` on day numbers."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    return np.asarray(add_months(d, months)).astype(np.int64)


def _curve(points: tuple[tuple[str, float], ...], days: Arr) -> Arr:
    """A practice trajectory evaluated on day numbers (linear, flat outside its points)."""
    xs = np.array([_day(d) for d, _ in points], dtype=np.float64)
    ys = np.array([v for _, v in points], dtype=np.float64)
    return np.interp(np.asarray(days, dtype=np.float64), xs, ys)


def _weights(w: tuple[float, ...] | Arr) -> Arr:
    a = np.asarray(w, dtype=np.float64)
    return a / a.sum()


def _draw_rows(rng: np.random.Generator, table: Arr, rows: Arr) -> Arr:
    """One categorical draw per element, from the weight row ``table[rows]``."""
    cdf = np.cumsum(table, axis=1)
    cdf = cdf / cdf[:, -1:]
    u = rng.random(len(rows))
    return (u[:, None] > cdf[rows]).sum(axis=1).astype(np.int64)


def _starts(counts: Arr) -> Arr:
    """Index of the first element of each group laid out by ``np.repeat(..., counts)``."""
    return np.cumsum(counts) - counts


def _grouped_cumsum(values: Arr, counts: Arr) -> Arr:
    """Cumulative sum restarting at each group of ``counts`` consecutive elements."""
    cs = np.cumsum(values)
    before = np.concatenate(([0], cs))[_starts(counts)]
    return cs - np.repeat(before, counts)


def _ffill(values: Arr, valid: Arr) -> Arr:
    """Forward fill ``values`` over rows where ``valid`` is false (the first row must be valid)."""
    idx = np.where(valid, np.arange(len(values)), 0)
    np.maximum.accumulate(idx, out=idx)
    return values[idx]


def _first_of_group(keys: Arr) -> Arr:
    """True where a sorted key array starts a new group."""
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return first


def _ids(prefix: str, n: int, width: int) -> Arr:
    """Identifiers ``prefix`` + zero-padded 1..n, widened when n needs more digits."""
    width = max(width, len(str(n)))
    if n == 0:
        return np.zeros(0, dtype=f"U{len(prefix) + width}")
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _codes(codes: tuple[str, ...], idx: Arr, missing: Arr | None = None) -> Arr:
    """Code strings for integer codes; ``None`` where ``missing``."""
    out = np.asarray(codes, dtype=object)[np.asarray(idx, dtype=np.int64)]
    if missing is not None:
        out[missing] = None
    return out


# The simulation -----------------------------------------------------------------------------


class _Council:
    """State of one simulation run: the generator, the calendar and the simulated histories."""

    def __init__(
        self, seed: int, scale: float, start: str, end: str, activity: float = 1.0
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        if activity < 1:
            raise ValueError("activity must be at least 1")
        self.rng = np.random.default_rng(seed)
        self.scale = float(scale)
        self.activity = float(activity)
        self.start = _day(start)
        self.end = _day(end)
        if self.end <= self.start:
            raise ValueError("end must be after start")
        self.origin = int(_add_months(np.array([self.start]), -12 * HISTORY_YEARS)[0])
        self.keep_from = int(_add_months(np.array([self.start]), -12)[0])
        self.cal = business_calendar()

    # helpers --------------------------------------------------------------------------------

    def wd_after(self, days: Arr, n: Arr) -> Arr:
        """The ``n``-th working day after each day (``NEVER`` stays ``NEVER``)."""
        days = np.asarray(days, dtype=np.int64)
        ok = days < NEVER
        safe = np.where(ok, days, 0).astype("datetime64[D]")
        out = np.busday_offset(safe, n, roll="backward", busdaycal=self.cal)
        return np.where(ok, out.astype(np.int64), NEVER)

    def years(self, lo: int, hi: int) -> float:
        return (hi - lo) / 365.25

    def ui(self, lo: int, hi: int, n: int) -> Arr:
        return self.rng.integers(lo, hi + 1, size=n).astype(np.int64)

    def choice(self, w: tuple[float, ...], n: int) -> Arr:
        return self.rng.choice(len(w), size=n, p=_weights(w)).astype(np.int64)

    # children and their referral episodes ------------------------------------------------------

    def simulate(self) -> None:
        rng = self.rng
        n = max(
            1, int(rng.poisson(_ARRIVALS_PER_YEAR * self.scale * self.years(self.origin, self.end)))
        )
        first = self.ui(self.origin, self.end, n)
        age_w = (14, 6, 6, 5.5, 5.5, 5, 5, 5, 5, 5, 5, 5, 5.5, 6, 6.5, 6.5, 5.5, 3.5)
        age = self.choice(age_w, n) * 365 + self.ui(0, 364, n)
        age = np.minimum(age, 17 * 365 + 200)
        self.dob = first - age
        self.b18 = _add_months(self.dob, 216)
        self.disability = np.where(rng.random(n) < 0.04, self.choice(_SB_DISABILITY_W, n), 0)
        self.area = self.ui(0, 2, n)
        self.adopt_path = np.zeros(n, dtype=bool)
        k = self.choice((54.0, 25.0, 11.0, 5.5, 3.0, 1.5), n) + 1
        if self.activity != 1.0:  # more referrals per child (no extra draw at the default)
            k = k + rng.poisson((self.activity - 1.0) * 1.8, n)
        # More activity: shorter long gaps, but more than 12 months after the previous referral,
        # and fewer quick returns, so that re-referrals stay about as frequent as at the default.
        long_gap = 800.0 / self.activity
        soon_back = 2.4 / (1.0 + self.activity) if self.activity != 1.0 else 1.0
        # children whose first episode was child protection are likelier to return to it
        self.cp_prone = rng.random(n) < 0.18

        alive = np.ones(n, dtype=bool)
        ref = first.copy()
        batches: list[dict[str, Arr]] = []
        pocs: list[dict[str, Arr]] = []
        for rank in range(int(k.max()) if n else 0):
            child = np.flatnonzero(alive & (k > rank) & (ref <= self.end))
            child = child[ref[child] < self.b18[child] - 90]
            if child.size == 0:
                break
            ep = self.episode_batch(child, ref[child], rank)
            batches.append(ep)
            pocs.append(self.care_batch(ep))
            alive[pocs[-1]["child"][pocs[-1]["path"] == _ADOPT]] = False
            # the next referral follows the closure after a gap
            soon = rng.random(child.size) < _curve(_P_SOON_BACK, ep["closure"]) * soon_back
            gap = np.where(
                soon,
                1 + rng.exponential(75.0, child.size),
                1 + rng.exponential(long_gap, child.size),
            ).astype(np.int64)
            nxt = np.full(n, NEVER)
            nxt[child] = np.minimum(ep["closure"] + gap, NEVER)
            if self.activity != 1.0:
                nxt[child] = np.where(soon, nxt[child], np.maximum(nxt[child], ep["ref"] + 367))
            ref = nxt
        self.ep = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
        self.poc = {key: np.concatenate([p[key] for p in pocs]) for key in pocs[0]}
        self.n_ref_children = n

    def episode_batch(self, child: Arr, ref: Arr, rank: int) -> dict[str, Arr]:
        """The CIN episodes of one rank: referral, assessment, s47, ICPC, plans, care."""
        rng = self.rng
        n = child.size
        b18 = self.b18[child]
        w = np.array(_EPISODE_W)
        typ = rng.choice(6, size=n, p=_weights(w))
        # a child protection history makes child protection likelier next time
        prone = self.cp_prone[child] & (rank > 0) & (rng.random(n) < 0.35)
        typ = np.where(prone, _CP, typ)
        late = ref > b18 - 400
        typ = np.where(late & (typ == _CARE), _ASSESS, typ)

        nfa = typ == _NFA
        asm_start = np.where(nfa, NEVER, ref + np.where(rng.random(n) < 0.55, 0, self.ui(1, 5, n)))
        on_time = rng.random(n) < _curve(_P_ASSESS_45WD, ref)
        asm_wd = np.where(on_time, self.ui(8, 45, n), self.ui(46, 125, n))
        asm_auth = self.wd_after(asm_start, asm_wd)

        has_s47 = (typ == _S47) | (typ == _CP) | ((typ == _CARE) & (rng.random(n) < 0.4))
        s47_start = np.where(
            has_s47, ref + np.where(rng.random(n) < 0.6, 0, self.ui(1, 14, n)), NEVER
        )
        has_icpc = typ == _CP
        icpc_ok = rng.random(n) < _curve(_P_ICPC_15WD, s47_start)
        icpc = self.wd_after(
            np.where(has_icpc, s47_start, NEVER),
            np.where(icpc_ok, self.ui(4, 15, n), self.ui(16, 40, n)),
        )
        before = has_icpc & (rng.random(n) < 0.015)  # conference recorded before the enquiry
        s47_start = np.where(before, icpc + self.ui(1, 6, n), s47_start)
        s47_nr = np.where(has_icpc, 0, np.where(rng.random(n) < 0.9, 1, -1))  # -1 = not recorded

        has_cp = has_icpc & (rng.random(n) < 0.88)
        cp_start = np.where(has_cp, icpc, NEVER)
        cp_dur = np.maximum(30, rng.lognormal(np.log(252.0), 0.72, n)).astype(np.int64)
        cp_end = self.cap_cp_plans(cp_start, cp_start + cp_dur)
        cp_end = np.where(has_cp, np.minimum(cp_end, b18), NEVER)
        cp_to_care = has_cp & (rng.random(n) < 0.13) & (cp_end < b18 - 60)

        care = ((typ == _CARE) | cp_to_care) & (ref < b18 - 120)
        direct = np.where(rng.random(n) < 0.35, 0, self.ui(1, 60, n))
        care_start = np.where(cp_to_care, cp_end, ref + direct)
        care_start = np.where(care & (care_start < b18 - 30), care_start, NEVER)
        care = care_start < NEVER

        has_cin = (
            (typ == _CIN)
            | ((typ == _S47) & (rng.random(n) < 0.5))
            | (has_icpc & ~has_cp)
            | (has_cp & ~cp_to_care & (rng.random(n) < 0.55))
        ) & ~care
        cin_start = np.where(
            has_cp,
            cp_end,
            np.where(has_icpc, icpc, asm_auth) + self.ui(0, 10, n),
        )
        cin_dur = (60 + rng.gamma(2.0, 80.0, n)).astype(np.int64)
        cin_start = np.where(has_cin & (cin_start < b18), cin_start, NEVER)
        has_cin = cin_start < NEVER
        cin_end = np.where(has_cin, np.minimum(cin_start + cin_dur, b18), NEVER)

        closure = np.where(nfa, ref + self.ui(0, 3, n), asm_auth + self.ui(0, 20, n))
        closure = np.where(has_cp, np.maximum(closure, cp_end), closure)
        closure = np.where(has_cin, np.maximum(closure, cin_end + self.ui(0, 14, n)), closure)
        closure = np.minimum(closure, b18)
        closure = np.maximum(closure, ref)
        reason = np.where(
            nfa | (typ == _ASSESS) | (typ == _S47),
            np.where(rng.random(n) < 0.7, 7, 8),
            np.where(rng.random(n) < 0.94, 6, 4),
        )
        reason = np.where(has_cin & (rng.random(n) < 0.15), 8, reason)
        reason = np.where(closure == b18, np.where(self.disability[child] > 0, 5, 6), reason)
        return {
            "child": child,
            "rank": np.full(n, rank),
            "typ": typ,
            "ref": ref,
            "nfa": nfa,
            "asm_start": asm_start,
            "asm_auth": asm_auth,
            "s47_start": s47_start,
            "icpc": np.where(has_icpc, icpc, NEVER),
            "s47_nr": s47_nr,
            "cp_start": cp_start,
            "cp_end": cp_end,
            "cin_start": cin_start,
            "cin_end": cin_end,
            "care": care,
            "care_start": care_start,
            "closure": closure,
            "reason": reason,
        }

    def cap_cp_plans(self, start: Arr, end: Arr) -> Arr:
        """End the plans that would pass two years after April 2015 (the seed report's drive)."""
        rng = self.rng
        n = start.size
        frm, to = _day(_CP_CAP_FROM), _day(_CP_CAP_TO)
        ok = start < NEVER
        t24 = np.where(ok, _add_months(np.where(ok, start, 0), 24), NEVER)
        over = ok & (t24 <= frm) & (end > frm)
        new_over = frm + self.ui(0, to - frm, n)
        soon = ok & (t24 > frm) & (end > t24 - 45)
        new_soon = np.maximum(t24 - self.ui(1, 120, n), np.maximum(frm, start + 1))
        capped = np.where(over & (rng.random(n) < 0.95), np.minimum(end, new_over), end)
        return np.where(soon & (rng.random(n) < 0.97), np.minimum(capped, new_soon), capped)

    # periods of care ---------------------------------------------------------------------------

    def care_batch(self, ep: dict[str, Arr]) -> dict[str, Arr]:
        """Periods of care started in one rank of episodes, with their adoption journeys."""
        rng = self.rng
        sel = np.flatnonzero(ep["care"])
        child = ep["child"][sel]
        cs = ep["care_start"][sel]
        from_cp = ep["cp_end"][sel] == cs
        n = sel.size
        dob, b18 = self.dob[child], self.b18[child]
        age = (cs - dob) / 365.25
        u = rng.random(n)
        adopt = (age < 5) & ~self.adopt_path[child] & (u < 0.5)
        pw = np.where((age >= 16)[:, None], [[0.45, 0.2, 0.35]], [[0.36, 0.34, 0.30]])
        path = np.where(adopt, _ADOPT, _draw_rows(rng, pw, np.arange(n)))
        remand = (age >= 12) & (rng.random(n) < 0.05) & (path != _ADOPT)
        path = np.where(remand, _SHORT, path)

        short = (1 + np.minimum(rng.exponential(45.0, n), 200)).astype(np.int64)
        medium = self.ui(180, 1100, n)
        to18 = rng.random(n) < 0.7
        long_ = np.where(to18, b18 - cs, self.ui(730, 2190, n))

        shobpa = cs + self.ui(120, 360, n)
        reverse = rng.random(n) < 0.06
        consent = rng.random(n) < 0.08
        po = np.where(consent, NEVER, shobpa + self.ui(20, 150, n))
        early = ~consent & (rng.random(n) < 0.15)
        matched = np.where(
            consent,
            shobpa + self.ui(30, 200, n),
            np.where(
                early,
                np.maximum(po - self.ui(5, 45, n), shobpa + 7),
                po + 7 + rng.gamma(2.0, 85.0, n).astype(np.int64),
            ),
        )
        fc = rng.random(n) < 0.15
        placed = matched + np.where(fc, self.ui(0, 10, n), self.ui(7, 45, n))
        placed = np.where(consent, placed, np.maximum(placed, po + self.ui(1, 10, n)))
        order = placed + self.ui(90, 400, n)
        path = np.where(adopt & reverse, _LONG, path)
        adopted = path == _ADOPT
        dur = np.choose(path, [short, medium, long_, order - cs])
        dur = np.maximum(1, np.minimum(dur, b18 - cs))
        end = cs + dur
        at18 = end >= b18
        self.adopt_path[child[adopt]] = True

        # reason the period of care ceased
        rec = np.choose(
            path,
            [
                np.where(remand, np.where(rng.random(n) < 0.5, _R["E9"], _R["E13"]), 0)
                + np.where(remand, 0, self.choice((0, 0, 0, 72, 0, 4, 6, 0, 0, 0, 0, 10, 0), n)),
                self.choice((0, 0, 0, 35, 0, 3, 12, 20, 12, 0, 0, 10, 0), n),
                self.choice((0, 0, 0, 15, 0, 0, 15, 50, 20, 0, 0, 0, 0), n),
                self.choice((0, 35, 65, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), n),
            ],
        )
        rec = np.where(at18, self.choice((0, 0, 0, 0, 25, 0, 0, 0, 0, 20, 10, 45, 0), n), rec)
        # the referral closes with the period of care
        idx = sel
        rc = np.select(
            [np.isin(rec, [_R["E11"], _R["E12"]]), np.isin(rec, [_R["E45"], _R["E46"]])],
            [0, 3],
            default=np.where(rec == _R["E41"], 2, np.where(rec == _R["E3"], 4, 6)),
        )
        ep["closure"][idx] = np.maximum(ep["closure"][idx], end)
        ep["closure"][idx] = np.minimum(ep["closure"][idx], b18)
        ep["reason"][idx] = np.where(at18, np.where(self.disability[child] > 0, 5, 6), rc)
        never = np.full(n, NEVER)
        return {
            "child": child,
            "start": cs,
            "end": end,
            "path": path,
            "age": age,
            "from_cp": from_cp,
            "remand": remand,
            "rec": rec,
            "adopt": adopt,
            "shobpa": np.where(adopt, shobpa, never),
            "reversed": np.where(adopt & reverse, shobpa + self.ui(60, 240, n), never),
            "po": np.where(adopted, po, never),
            "matched": np.where(adopted, matched, never),
            "placed": np.where(adopted, placed, never),
            "order": np.where(adopted, order, never),
            "fc": adopted & fc,
            "consent": adopted & consent,
        }

    def care_episodes(self) -> dict[str, Arr]:
        """SSDA903 episodes of every period of care: legal status, placements, moves."""
        rng = self.rng
        p = self.poc
        n = p["child"].size
        dur = p["end"] - p["start"]
        age = p["age"]
        path = p["path"]
        care_track = (path != _SHORT) | (rng.random(n) < 0.1)
        # legal status at entry and the route through the courts
        route = self.choice((12.0, 50.0, 33.0), n)  # emergency, s20, interim care order
        route = np.where((path == _ADOPT) & (route == 1) & (rng.random(n) < 0.7), 2, route)
        ls0 = np.choose(route, [self.choice((25.0, 70.0, 5.0), n) + _L1, np.full(n, _V2), _C1])
        ls0 = np.where(p["remand"], self.choice((20.0, 50.0, 30.0), n) + _J1, ls0)
        o1 = np.where(route == 0, self.ui(1, 8, n), self.ui(30, 200, n))
        c1 = np.where(route == 0, np.where(care_track, _C1, _V2), _C1)
        has1 = ((route == 0) | ((route == 1) & care_track & (rng.random(n) < 0.6))) & ~p["remand"]
        has1 |= (route == 1) & (path == _ADOPT)
        on_c1 = (has1 & (c1 == _C1)) | (ls0 == _C1)
        o2 = np.where(has1, o1, 0) + self.ui(100, 320, n)
        has2 = on_c1 & care_track
        po_off = np.where(p["po"] < NEVER, p["po"] - p["start"], NEVER)
        has2 &= o2 < po_off - 1
        placed_off = np.where(p["placed"] < NEVER, p["placed"] - p["start"], NEVER)

        # main events: (poc, offset, legal status, placement, carer change, long-term flag)
        ev_poc: list[Arr] = []
        ev_off: list[Arr] = []
        ev_ls: list[Arr] = []
        ev_pl: list[Arr] = []
        ev_carer: list[Arr] = []
        ev_lt: list[Arr] = []

        def add(poc: Arr, off: Arr, ls: Arr | int, pl: Arr | int, carer: int, lt: int) -> None:
            m = poc.size
            ev_poc.append(poc)
            ev_off.append(off.astype(np.int64))
            ev_ls.append(np.broadcast_to(np.asarray(ls, dtype=np.int64), (m,)))
            ev_pl.append(np.broadcast_to(np.asarray(pl, dtype=np.int64), (m,)))
            ev_carer.append(np.full(m, carer, dtype=np.int64))
            ev_lt.append(np.full(m, lt, dtype=np.int64))

        all_ = np.arange(n)
        group = np.digitize(age, [5.0, 12.0, 16.0])
        pl0 = _draw_rows(rng, _PL_W, group)
        add(all_, np.zeros(n, dtype=np.int64), ls0, pl0, 1, 0)
        add(all_[has1], o1[has1], c1[has1], -1, 0, -1)
        add(all_[has2], o2[has2], _C2, -1, 0, -1)
        # some moves happen on the day the legal status changes (rne U or B)
        mv1 = has1 & (rng.random(n) < 0.12)
        grp1 = np.digitize(age[mv1], [5.0, 12.0, 16.0])
        add(all_[mv1], o1[mv1], -1, _draw_rows(rng, _PL_W, grp1), 1, 0)
        mv1 = has1 & ~mv1 & (rng.random(n) < 0.05)
        add(all_[mv1], o1[mv1], -1, -2, 0, 1)  # long-term with the same carers
        hpo = p["po"] < NEVER
        add(all_[hpo], po_off[hpo], _E1, -1, 0, -1)
        hpl = p["placed"] < NEVER
        adopt_pl = np.where(p["fc"], np.where(p["consent"], _P["A3"], _P["A5"]), _P["A6"])
        adopt_pl = np.where(p["consent"] & ~p["fc"], _P["A4"], adopt_pl)
        add(all_[hpl & ~p["fc"]], placed_off[hpl & ~p["fc"]], -1, adopt_pl[hpl & ~p["fc"]], 1, 0)
        add(all_[hpl & p["fc"]], placed_off[hpl & p["fc"]], -1, adopt_pl[hpl & p["fc"]], 0, 0)
        # placement moves: unsettled first year, calmer after
        first_year = np.minimum(dur, 365)
        later = np.maximum(dur - 365, 0)
        rate1 = np.where(path == _SHORT, 0.35, 0.75) * first_year / 365.0
        rate2 = np.where(path == _LONG, 0.16, 0.35) * later / 365.0
        n1 = rng.poisson(rate1)
        n2 = rng.poisson(rate2)
        mp = np.concatenate([np.repeat(all_, n1), np.repeat(all_, n2)])
        moff = np.concatenate(
            [
                np.floor(rng.random(n1.sum()) * np.repeat(first_year, n1)),
                365 + np.floor(rng.random(n2.sum()) * np.repeat(later, n2)),
            ]
        ).astype(np.int64)
        keep = (moff > 0) & (moff < dur[mp]) & (moff < placed_off[mp] - 1)
        mp, moff = mp[keep], moff[keep]
        mgroup = np.digitize(age[mp] + moff / 365.25, [5.0, 12.0, 16.0])
        add(mp, moff, -1, _draw_rows(rng, _PL_W, mgroup), 1, 0)
        # a long-term match with the current carers (same carers, placement type changes)
        perm = (path == _LONG) & (rng.random(n) < 0.75)
        poff = self.ui(270, 720, n)
        perm &= poff < dur
        add(all_[perm], poff[perm], -1, -2, 0, 1)  # placement resolved below

        poc = np.concatenate(ev_poc)
        off = np.concatenate(ev_off)
        ls = np.concatenate(ev_ls)
        pl = np.concatenate(ev_pl)
        carer = np.concatenate(ev_carer)
        lt = np.concatenate(ev_lt)
        inside = off < dur[poc]
        poc, off, ls, pl, carer, lt = (a[inside] for a in (poc, off, ls, pl, carer, lt))
        order = np.lexsort((np.arange(poc.size), off, poc))
        poc, off, ls, pl, carer, lt = (a[order] for a in (poc, off, ls, pl, carer, lt))

        # resolve the long-term matches: U6/U5/U2 -> U4, U3 -> U1; otherwise no event
        pl_state = _ffill(pl, pl >= 0)
        prev_pl = np.concatenate(([0], pl_state[:-1]))
        is_perm = pl == -2
        lt_map = np.full(len(_PL), -1)
        for a, b in (("U6", "U4"), ("U5", "U4"), ("U2", "U4"), ("U3", "U1")):
            lt_map[_P[a]] = _P[b]
        pl = np.where(is_perm, lt_map[prev_pl], pl)
        drop = is_perm & (pl < 0)
        lt = np.where(drop, -1, lt)
        pl = np.where(drop, -1, pl)

        # temporary placements (T0-T4) and the return to the same placement afterwards
        tn = rng.poisson(0.1 * dur / 365.0)
        tp = np.repeat(all_, tn)
        toff = np.floor(rng.random(tp.size) * dur[tp]).astype(np.int64)
        tlen = self.ui(2, 14, tp.size)
        big = np.int64(1 << 22)
        tkey = tp * big + toff
        order_t = np.argsort(tkey, kind="stable")
        tp, toff, tlen, tkey = tp[order_t], toff[order_t], tlen[order_t], tkey[order_t]
        keys = poc * big + off
        nxt = np.searchsorted(keys, tkey, side="left")
        nxt_key = np.append(keys, np.iinfo(np.int64).max)[nxt]
        ok = (toff > 0) & (toff + tlen < dur[tp]) & (nxt_key > tkey + tlen)
        ok &= toff + tlen < placed_off[tp] - 1
        run_end = np.maximum.accumulate(np.where(ok, tkey + tlen, 0))
        prev_end = np.concatenate(([-1], run_end[:-1]))
        ok &= tkey > prev_end
        tp, toff, tlen = tp[ok], toff[ok], tlen[ok]
        state_pl = _ffill(pl, pl >= 0)
        state_lt = _ffill(lt, lt >= 0)
        at = np.searchsorted(keys, tp * big + toff, side="right") - 1
        tcode = rng.choice(len(_PL), size=tp.size, p=_weights(_TEMP_W))
        poc = np.concatenate([poc, tp, tp])
        off = np.concatenate([off, toff, toff + tlen])
        ls = np.concatenate([ls, np.full(2 * tp.size, -1)])
        pl = np.concatenate([pl, tcode, state_pl[at]])
        carer = np.concatenate([carer, np.ones(2 * tp.size, dtype=np.int64)])
        lt = np.concatenate([lt, np.zeros(tp.size, dtype=np.int64), state_lt[at]])
        order = np.lexsort((off, poc))
        poc, off, ls, pl, carer, lt = (a[order] for a in (poc, off, ls, pl, carer, lt))

        # one row per (poc, day): merge same-day events
        key = poc * big + off
        first = _first_of_group(key)
        grp = np.cumsum(first) - 1
        m = int(grp[-1]) + 1 if grp.size else 0
        g_ls = np.full(m, -1)
        g_pl = np.full(m, -1)
        g_carer = np.zeros(m, dtype=np.int64)
        g_lt = np.full(m, -1)
        np.maximum.at(g_ls, grp, ls)
        np.maximum.at(g_pl, grp, pl)
        np.maximum.at(g_carer, grp, carer)
        np.maximum.at(g_lt, grp, lt)
        g_poc, g_off = poc[first], off[first]
        s_ls = _ffill(g_ls, g_ls >= 0)
        s_pl = _ffill(g_pl, g_pl >= 0)
        s_lt = _ffill(g_lt, g_lt >= 0)
        start_row = _first_of_group(g_poc)
        prev_ls = np.concatenate(([-1], s_ls[:-1]))
        prev_pl = np.concatenate(([-1], s_pl[:-1]))
        ls_changed = s_ls != prev_ls
        pl_event = (g_pl >= 0) & ((g_carer > 0) | (s_pl != prev_pl))
        rne = np.select(
            [
                start_row,
                pl_event & (g_carer > 0) & ls_changed,
                pl_event & (g_carer > 0),
                pl_event & ls_changed,
                pl_event,
                ls_changed,
            ],
            [0, 5, 1, 4, 3, 2],
            default=-1,
        )
        keep = rne >= 0
        g_poc, g_off, s_ls, s_pl, s_lt, rne = (
            a[keep] for a in (g_poc, g_off, s_ls, s_pl, s_lt, rne)
        )
        last = np.append(g_poc[1:] != g_poc[:-1], True)
        nxt_off = np.append(g_off[1:], 0)
        e_start = p["start"][g_poc] + g_off
        e_end = np.where(last, p["end"][g_poc], p["start"][g_poc] + nxt_off)
        rec = np.where(last, p["rec"][g_poc], _R["X1"])
        long_term = (s_lt == 1) | np.isin(s_pl, [_P["U1"], _P["U4"]])
        cin_cat = self.choice(_CIN_CATEGORY_W, n)[g_poc]
        # the provider changes with the placement, not with the legal status
        provider = _ffill(_draw_rows(rng, _PROV_W, s_pl), rne != 2)
        rpc_from = _day("2015-04-01")
        rpc = np.where(
            np.isin(rne, [1, 5]) & (e_start >= rpc_from), self.choice(_RPC_W, rne.size), -1
        )
        return {
            "poc": g_poc,
            "child": p["child"][g_poc],
            "start": e_start,
            "end": e_end,
            "rne": rne,
            "ls": s_ls,
            "cin": cin_cat,
            "pl": s_pl,
            "provider": provider,
            "rec": rec,
            "rpc": rpc,
            "long_term": long_term,
        }

    def short_breaks(self) -> dict[str, Any]:
        """Disabled children on an agreed series of short breaks (V3 episodes or V4 agreements)."""
        rng = self.rng
        n = int(
            rng.poisson(
                _SHORT_BREAK_STARTS_PER_YEAR * self.scale * self.years(self.origin, self.end)
            )
        )
        sb_start = self.ui(self.origin, self.end, n)
        age = self.ui(5 * 365, 14 * 365, n)
        dob = sb_start - age
        b18 = _add_months(dob, 216)
        sb_end = np.minimum(sb_start + self.ui(365, 4 * 365, n), b18 - 1)
        v4 = rng.random(n) < 0.4
        # V3: one episode per stay, every 3-6 weeks, 1-4 nights
        span = np.where(v4, 0, sb_end - sb_start)
        cnt = np.where(v4, 0, span // 21 + 1)
        owner = np.repeat(np.arange(n), cnt)
        gaps = self.ui(21, 42, owner.size)
        heads = _starts(cnt)[cnt > 0]
        gaps[heads] = self.ui(0, 20, heads.size)
        off = _grouped_cumsum(gaps, cnt)
        keep = off < span[owner]
        owner, off = owner[keep], off[keep]
        e_start = sb_start[owner] + off
        e_end = e_start + self.ui(1, 4, owner.size)
        # V4: one episode for the whole agreement
        owner4 = np.flatnonzero(v4 & (sb_end > sb_start))
        s4, e4 = sb_start[owner4], sb_end[owner4]
        o = np.concatenate([owner, owner4])
        ls = np.concatenate([np.full(owner.size, _V3), np.full(owner4.size, _V4)])
        pl = np.where(rng.random(o.size) < 0.6, _P["R1"], _P["U6"])
        return {
            "n": n,
            "dob": dob,
            "start": sb_start,
            "end": sb_end,
            "ep_child": o,
            "ep_start": np.concatenate([e_start, s4]),
            "ep_end": np.concatenate([e_end, e4]),
            "ep_ls": ls,
            "ep_pl": pl,
            "disability": self.choice(_SB_DISABILITY_W, n),
        }

    # periodic records ------------------------------------------------------------------------

    def renewal(
        self,
        start: Arr,
        stop: Arr,
        first: tuple[int, int],
        gap: tuple[int, int],
        late: tuple[tuple[str, float], ...] | None = None,
        late_extra: tuple[int, int] = (10, 40),
    ) -> tuple[Arr, Arr]:
        """Events at ``start + first``, then every ``gap`` days, strictly before ``stop``.

        Returns the owner index and the day of each event. With ``late``, an event falls late
        (``late_extra`` more days) with the probability the trajectory gives on its due day.
        """
        stop = np.minimum(stop, self.end + 1)
        span = np.maximum(stop - start, 0)
        cnt = np.where(span > first[0], (span - first[0]) // gap[0] + 1, 0)
        owner = np.repeat(np.arange(start.size), cnt)
        heads = _starts(cnt)[cnt > 0]
        gaps = self.ui(gap[0], gap[1], owner.size)
        gaps[heads] = self.ui(first[0], first[1], heads.size)
        if late is not None:
            due = start[owner] + _grouped_cumsum(gaps, cnt)
            is_late = self.rng.random(owner.size) < _curve(late, due)
            gaps = gaps + np.where(is_late, self.ui(late_extra[0], late_extra[1], owner.size), 0)
        day = start[owner] + _grouped_cumsum(gaps, cnt)
        keep = day < stop[owner]
        return owner[keep], day[keep]

    def thin(self, day: Arr, drop: tuple[tuple[str, float], ...]) -> Arr:
        """Keep each event with the probability the practice trajectory gives on its day."""
        return self.rng.random(day.size) >= _curve(drop, day)


# Building the tables --------------------------------------------------------------------------


def _dates(days: Arr, end: int | None = None) -> Arr:
    """Day numbers as ``datetime64[ns]``; ``NEVER`` (and days after ``end``) become NaT."""
    days = np.asarray(days, dtype=np.int64)
    bad = days >= NEVER
    if end is not None:
        bad |= days > end
    out = np.where(bad, 0, days).astype("datetime64[D]").astype("datetime64[ns]")
    out[bad] = np.datetime64("NaT")
    return out


def _bool(values: Arr, missing: Arr | None = None) -> pd.arrays.BooleanArray:
    values = np.asarray(values, dtype=bool)
    mask = np.zeros(values.size, dtype=bool) if missing is None else np.asarray(missing, bool)
    return pd.arrays.BooleanArray(values, mask)


def _frame(table: str, columns: dict[str, Any], sort: list[str] | None = None) -> pd.DataFrame:
    df = pd.DataFrame({c: columns[c] for c in TABLES[table]})
    if sort:
        df = df.sort_values(sort, kind="stable", ignore_index=True)
    return df


def generate(
    *,
    seed: int = 2015,
    scale: float = 1.0,
    start: str = "2012-04-01",
    end: str = "2016-03-31",
    la: str | None = None,
    dirty: bool = False,
    progress: Callable[[str], None] | None = None,
    activity: float = 1.0,
) -> dict[str, pd.DataFrame]:
    """Generate the built-in synthetic council: one coherent set of canonical case tables.

    Parameters
    ----------
    seed : int
        Seed of the ``numpy`` random generator; the same seed (and arguments) gives identical
        tables.
    scale : float
        Size relative to the seed council (1.0: about 57,000 children aged 0-17, 4,500
        referrals a year). Volumes are proportional; 26 is about England.
    start, end : str
        The reporting window, ISO dates. History is simulated from ``HISTORY_YEARS`` years
        before ``start``; records still open at ``end`` have missing end dates, and nothing
        is dated after ``end``.
    la : str, optional
        When given, every table gets a last column ``la`` holding this code.
    dirty : bool
        Inject the faults listed in ``DIRTY_FAULTS`` (nine in all), for testing the loader:

        - unparseable dates (3): ``referrals.referral_date`` ``'2015-02-30'`` (one row),
          ``assessments.authorised_date`` ``'not known'`` (one row), ``cp_plans.end_date``
          ``'31/13/2014'`` (one row). These three columns become ``object`` columns of ISO
          text (``'YYYY-MM-DD'``, ``None`` for missing) so the bad text can sit among them;
        - negative intervals (2): one referral's ``closure_date`` 5 days before its
          ``referral_date``; one CP plan's ``end_date`` 10 days before its ``start_date``;
        - duplicate keys (2): one extra ``contacts`` row reusing a ``contact_id`` (received an
          hour later), one extra ``assessments`` row reusing an ``assessment_id`` (started a day
          later), so two rows in each table share a key;
        - unknown code (1): one ``care_episodes.placement`` set to ``'Q9'``;
        - exact duplicate row (1): one ``visits`` row appended again.

        The faulty rows are distinct records, none of them also carrying another fault.
    progress : callable, optional
        Called with a short message as each table is built.
    activity : float
        Referral activity per child relative to the seed council (at least 1; default 1, which
        gives exactly the seed council's tables). Above 1 each referred child is referred more
        often (about ``1.8 * (activity - 1)`` more referrals over its history; the long gaps
        between a closure and the next referral shorter, but never within 12 months of the
        previous referral, and quick returns rarer, so that about a quarter of referrals stay
        re-referrals) and fewer children come only through a contact (``1 / activity`` as
        many), so ``scale`` sets the number of children and ``activity`` the volume of work on
        them. ``scale=47, activity=4`` gives about England's proportions: 1.5 million
        children, 4.6 million referrals (670,000 in 2015-16, 23% of them re-referrals), 68,000
        children on plans and 64,000 looked after at the end of March 2016. ``make bench``
        uses ``scale=55, activity=4``: 1.74 million children and 5.3 million referrals, 4.04
        million of them in the six years 2010-11 to 2015-16.

    Returns
    -------
    dict of str to pandas.DataFrame
        One frame per table of ``TABLES``, with exactly its columns in order (plus ``la``).

    Notes
    -----
    The council's story, at ``scale=1`` and the default window: contacts decided within
    24 hours fall from about 85% (2012) to 37% (December 2014) and recover to about 98.6%
    (December 2015); re-referrals within 12 months run at about 22-29%; assessments authorised
    within 45 working days dip to about 70% in March 2015, peak near 96% in August 2015 and
    settle near 85%; about 80% of initial conferences are held within 15 working days and
    1.5% are dated before their enquiry; about 400 children are on plans, about 20 of them
    for over two years until the council's 2015 drive leaves none to two; about 450 children
    are looked after (plus short breaks), 25-40 are adopted a year; visits and plans are
    recorded on time far more often at the end of 2015 than at the end of 2014; caseloads
    run about 25 a worker until recruitment in 2015 brings them to about 20.
    """
    say = progress if progress is not None else (lambda _msg: None)
    c = _Council(seed, scale, start, end, activity)
    rng = c.rng
    end_d = c.end
    say("simulating children's timelines")
    c.simulate()
    ep = c.ep
    poc = c.poc
    sb = c.short_breaks()

    # children ---------------------------------------------------------------------------
    n_ref = c.n_ref_children
    n_sb = int(sb["n"])
    # contacts that do not lead to a referral: some for known children, most for new ones
    win_years = c.years(c.start, end_d)
    n_other = int(rng.poisson(_OTHER_CONTACTS_PER_YEAR * c.scale * win_years))
    n_known = round(n_other * 0.35)
    n_new = n_other - n_known
    if c.activity != 1.0:  # the children a contact brings: as many as the population allows
        n_new = round(n_new / c.activity)
    new_date = c.ui(c.start, end_d, n_new)
    new_age = c.choice((8.0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5.5, 5, 4), n_new) * 365
    new_dob = new_date - new_age - c.ui(0, 364, n_new)
    new_dob = np.minimum(new_dob, new_date)
    cand = rng.integers(0, ep["child"].size, size=2 * n_known + 16)
    k_child = ep["child"][cand]
    k_date = ep["ref"][cand] + rng.choice([-1, 1], cand.size) * c.ui(30, 700, cand.size)
    ok = (
        (k_date >= c.start)
        & (k_date <= end_d)
        & (k_date >= c.dob[k_child])
        & (k_date < c.b18[k_child])
    )
    k_child, k_date = k_child[ok][:n_known], k_date[ok][:n_known]

    total = n_ref + n_sb + n_new
    dob_all = np.concatenate([c.dob, sb["dob"], new_dob])
    dis_all = np.concatenate(
        [
            c.disability,
            sb["disability"],
            np.where(rng.random(n_new) < 0.02, c.choice(_SB_DISABILITY_W, n_new), 0),
        ]
    )
    dis_missing = np.concatenate([np.zeros(n_ref + n_sb, dtype=bool), rng.random(n_new) < 0.15])
    dob_missing = np.concatenate([np.zeros(n_ref + n_sb, dtype=bool), rng.random(n_new) < 0.003])
    sb_child = n_ref + np.arange(n_sb)
    new_child = n_ref + n_sb + np.arange(n_new)
    # identifiers in order of each child's first record
    first_seen = np.concatenate([np.full(n_ref, NEVER), np.full(n_sb, NEVER), new_date])
    np.minimum.at(first_seen, ep["child"], ep["ref"])
    first_seen[sb_child] = sb["start"] - 60
    rank = np.empty(total, dtype=np.int64)
    rank[np.lexsort((np.arange(total), first_seen))] = np.arange(total)
    child_ids = _ids("C", total, 6)[rank]

    say("children")
    frames: dict[str, pd.DataFrame] = {}
    frames["children"] = _frame(
        "children",
        {
            "child_id": child_ids,
            "date_of_birth": _dates(np.where(dob_missing, NEVER, dob_all)),
            "sex": _codes(_SEX, c.choice((51.0, 49.0), total)),
            "ethnicity": _codes(_ETHNICITY, c.choice(_ETHNICITY_W, total)),
            "disability": _codes(_DISABILITY, dis_all, dis_missing),
        },
    )
    frames["children"] = (
        frames["children"].iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    )

    # referrals, assessments, section 47, plans ------------------------------------------
    # short-break children have one long CIN episode each, with an assessment and a CIN plan
    sb_ref = sb["start"] - c.ui(30, 120, n_sb)
    sb_ref = np.maximum(sb_ref, c.origin)
    sb_auth = c.wd_after(sb_ref + c.ui(0, 3, n_sb), c.ui(10, 40, n_sb))
    sb_close = sb["end"] + c.ui(0, 30, n_sb)
    r_child = np.concatenate([ep["child"], sb_child])
    r_date = np.concatenate([ep["ref"], sb_ref])
    r_close = np.concatenate([ep["closure"], sb_close])
    r_reason = np.concatenate([ep["reason"], np.full(n_sb, 6)])
    r_nfa = np.concatenate([ep["nfa"], np.zeros(n_sb, dtype=bool)])
    nr = r_child.size
    r_order = np.lexsort((r_child, r_date))
    r_id = np.empty(nr, dtype=object)
    r_id[r_order] = _ids("R", nr, 7)
    say("referrals")
    frames["referrals"] = _frame(
        "referrals",
        {
            "referral_id": r_id,
            "child_id": child_ids[r_child],
            "referral_date": _dates(r_date),
            "source": _codes(_SOURCE, c.choice(_SOURCE_W, nr)),
            "nfa": _bool(r_nfa),
            "closure_date": _dates(r_close, end_d),
            "closure_reason": _codes(_RC, r_reason, r_close > end_d),
        },
        sort=["referral_date", "referral_id"],
    )

    a_start = np.concatenate([ep["asm_start"], sb_ref + c.ui(0, 3, n_sb)])
    a_auth = np.concatenate([ep["asm_auth"], sb_auth])
    a_sel = np.flatnonzero(a_start <= end_d)
    a_order = a_sel[np.lexsort((r_child[a_sel], a_start[a_sel]))]
    say("assessments")
    frames["assessments"] = _frame(
        "assessments",
        {
            "assessment_id": _ids("A", a_order.size, 7),
            "child_id": child_ids[r_child[a_order]],
            "start_date": _dates(a_start[a_order]),
            "authorised_date": _dates(a_auth[a_order], end_d),
            "referral_id": r_id[a_order],
        },
    )

    s_sel = np.flatnonzero(ep["s47_start"] <= end_d)
    s_sel = s_sel[np.lexsort((ep["child"][s_sel], ep["s47_start"][s_sel]))]
    s_start = ep["s47_start"][s_sel]
    s_icpc = ep["icpc"][s_sel]
    s_nr = ep["s47_nr"][s_sel]
    # an enquiry whose conference is dated later than the window end: the conference is pending
    s_nr = np.where((s_icpc < NEVER) & (s_icpc > end_d), -1, s_nr)
    say("section47")
    frames["section47"] = _frame(
        "section47",
        {
            "s47_id": _ids("S", s_sel.size, 7),
            "child_id": child_ids[ep["child"][s_sel]],
            "start_date": _dates(s_start),
            "icpc_date": _dates(s_icpc, end_d),
            "icpc_not_required": _bool(s_nr == 1, s_nr < 0),
        },
    )

    cp_sel = np.flatnonzero(ep["cp_start"] <= end_d)
    cp_sel = cp_sel[np.lexsort((ep["child"][cp_sel], ep["cp_start"][cp_sel]))]
    cp_child = ep["child"][cp_sel]
    cp_start = ep["cp_start"][cp_sel]
    cp_end = ep["cp_end"][cp_sel]
    # previous plans: earlier plans in the data plus plans before the data for a few children
    ordr = np.lexsort((cp_start, cp_child))
    grp_first = _first_of_group(cp_child[ordr])
    pos = np.arange(ordr.size) - _ffill(np.arange(ordr.size), grp_first)
    earlier = np.empty(ordr.size, dtype=np.int64)
    earlier[ordr] = pos
    hidden = np.where(rng.random(n_ref) < 0.05, c.ui(1, 2, n_ref), 0)[cp_child]
    prev_missing = rng.random(cp_sel.size) < 0.03
    cp_ids = _ids("CP", cp_sel.size, 7)
    say("cp_plans")
    frames["cp_plans"] = _frame(
        "cp_plans",
        {
            "plan_id": cp_ids,
            "child_id": child_ids[cp_child],
            "start_date": _dates(cp_start),
            "end_date": _dates(cp_end, end_d),
            "initial_category": _codes(_CATEGORY, c.choice(_CATEGORY_W, cp_sel.size)),
            "previous_plans": pd.arrays.IntegerArray(earlier + hidden, prev_missing),
        },
    )

    # reviews: within 3 months of the start, then at most 6-monthly
    owner, day = c.renewal(cp_start, cp_end, (60, 88), (140, 178), _P_REVIEW_LATE, (5, 45))
    say("cp_reviews")
    frames["cp_reviews"] = _frame(
        "cp_reviews",
        {
            "plan_id": cp_ids[owner],
            "child_id": child_ids[cp_child[owner]],
            "review_date": _dates(day),
        },
    )

    cin_child_all = np.concatenate([ep["child"], sb_child])
    cin_start_all = np.concatenate([ep["cin_start"], sb_auth + c.ui(0, 10, n_sb)])
    cin_end_all = np.concatenate([ep["cin_end"], sb["end"]])
    cin_sel = np.flatnonzero(cin_start_all <= end_d)
    cin_sel = cin_sel[np.lexsort((cin_child_all[cin_sel], cin_start_all[cin_sel]))]
    cin_child = cin_child_all[cin_sel]
    cin_start = cin_start_all[cin_sel]
    cin_end = cin_end_all[cin_sel]
    say("cin_plans")
    frames["cin_plans"] = _frame(
        "cin_plans",
        {
            "plan_id": _ids("CIN", cin_sel.size, 7),
            "child_id": child_ids[cin_child],
            "start_date": _dates(cin_start),
            "end_date": _dates(cin_end, end_d),
        },
    )

    # care -------------------------------------------------------------------------------
    say("care_episodes")
    ce = c.care_episodes()
    n_sbe = sb["ep_child"].size
    e_child = np.concatenate([ce["child"], sb_child[sb["ep_child"]]])
    e_start = np.concatenate([ce["start"], sb["ep_start"]])
    e_end = np.concatenate([ce["end"], sb["ep_end"]])
    e_rne = np.concatenate([ce["rne"], np.zeros(n_sbe, dtype=np.int64)])
    e_ls = np.concatenate([ce["ls"], sb["ep_ls"]])
    e_cin = np.concatenate([ce["cin"], np.full(n_sbe, 1)])
    e_pl = np.concatenate([ce["pl"], sb["ep_pl"]])
    e_prov = np.concatenate([ce["provider"], np.full(n_sbe, 1)])
    e_rec = np.concatenate([ce["rec"], np.full(n_sbe, _R["E8"])])
    e_rpc = np.concatenate([ce["rpc"], np.full(n_sbe, -1)])
    e_lt = np.concatenate([ce["long_term"], np.zeros(n_sbe, dtype=bool)])
    e_sel = np.flatnonzero(e_start <= end_d)
    e_sel = e_sel[np.lexsort((e_start[e_sel], e_child[e_sel]))]
    open_ = e_end[e_sel] > end_d
    frames["care_episodes"] = _frame(
        "care_episodes",
        {
            "child_id": child_ids[e_child[e_sel]],
            "start_date": _dates(e_start[e_sel]),
            "end_date": _dates(e_end[e_sel], end_d),
            "rne": _codes(_RNE, e_rne[e_sel]),
            "legal_status": _codes(_LS, e_ls[e_sel]),
            "cin_category": _codes(_CIN_CATEGORY, e_cin[e_sel]),
            "placement": _codes(_PL, e_pl[e_sel]),
            "provider": _codes(_PROVIDER, e_prov[e_sel]),
            "reason_ceased": _codes(_REC, e_rec[e_sel], open_),
            "reason_place_change": _codes(_RPC, np.maximum(e_rpc[e_sel], 0), e_rpc[e_sel] < 0),
            "long_term": _bool(e_lt[e_sel]),
        },
    )

    # looked-after reviews: first within 20 working days, then 3 months, then 6-monthly
    pc_child, pc_start, pc_end = poc["child"], poc["start"], poc["end"]
    npc = pc_child.size
    r1_late = rng.random(npc) < _curve(_P_REVIEW_LATE, pc_start)
    r1 = c.wd_after(pc_start, np.where(r1_late, c.ui(21, 35, npc), c.ui(8, 20, npc)))
    owner, day = c.renewal(r1, pc_end, (55, 88), (140, 178), _P_REVIEW_LATE, (5, 45))
    # the 3-month gap applies to the second review only; later ones are 6-monthly
    rv_child = np.concatenate([pc_child[r1 < np.minimum(pc_end, end_d + 1)], pc_child[owner]])
    rv_day = np.concatenate([r1[r1 < np.minimum(pc_end, end_d + 1)], day])
    say("cla_reviews")
    frames["cla_reviews"] = _frame(
        "cla_reviews",
        {"child_id": child_ids[rv_child], "review_date": _dates(rv_day)},
        sort=["child_id", "review_date"],
    )

    # visits ------------------------------------------------------------------------------
    vis_child: list[Arr] = []
    vis_day: list[Arr] = []
    vis_type: list[Arr] = []
    o, d = c.renewal(pc_start, pc_end, (1, 7), (18, 40))
    keep = c.thin(d, _DROP_CLA_VISIT)
    vis_child.append(pc_child[o[keep]])
    vis_day.append(d[keep])
    # a visit soon after each move to a new placement
    mv = (ce["rne"] != 2) & (ce["rne"] != 0)
    mv_day = ce["start"][mv] + c.ui(0, 6, int(mv.sum()))
    ok = mv_day < np.minimum(ce["end"][mv], end_d + 1)
    ok &= rng.random(ok.size) >= _curve(_DROP_CLA_VISIT, mv_day) / 2
    vis_child.append(ce["child"][mv][ok])
    vis_day.append(mv_day[ok])
    vis_type.append(np.zeros(int(keep.sum()) + int(ok.sum()), dtype=np.int64))
    o, d = c.renewal(cp_start, cp_end, (0, 5), (4, 12))
    keep = c.thin(d, _DROP_CP_VISIT)
    vis_child.append(cp_child[o[keep]])
    vis_day.append(d[keep])
    vis_type.append(np.ones(int(keep.sum()), dtype=np.int64))
    o, d = c.renewal(cin_start, cin_end, (3, 15), (12, 30))
    keep = c.thin(d, _DROP_CIN_VISIT)
    vis_child.append(cin_child[o[keep]])
    vis_day.append(d[keep])
    vis_type.append(np.full(int(keep.sum()), 2, dtype=np.int64))
    v_child = np.concatenate(vis_child)
    v_day = np.concatenate(vis_day)
    v_type = np.concatenate(vis_type)
    sel = v_day >= c.keep_from
    v_child, v_day, v_type = v_child[sel], v_day[sel], v_type[sel]
    vkey = np.lexsort((v_type, v_day, v_child))
    v_child, v_day, v_type = v_child[vkey], v_day[vkey], v_type[vkey]
    uniq = np.ones(v_child.size, dtype=bool)
    uniq[1:] = (
        (v_child[1:] != v_child[:-1]) | (v_day[1:] != v_day[:-1]) | (v_type[1:] != v_type[:-1])
    )
    v_child, v_day, v_type = v_child[uniq], v_day[uniq], v_type[uniq]
    v_age = (v_day - dob_all[v_child]) / 365.25
    alone = np.where(v_age < 4, False, rng.random(v_child.size) < 0.75)
    say("visits")
    frames["visits"] = _frame(
        "visits",
        {
            "child_id": child_ids[v_child],
            "visit_date": _dates(v_day),
            "visit_type": _codes(("cla", "cp", "cin"), v_type),
            "seen_alone": _bool(alone, rng.random(v_child.size) < 0.05),
        },
    )

    # care plans written or updated -----------------------------------------------------------
    cpl_child: list[Arr] = []
    cpl_day: list[Arr] = []
    cpl_type: list[Arr] = []
    for t, (owners, s, e, first, gap) in enumerate(
        (
            (cin_child, cin_start, cin_end, (0, 10), (25, 85)),
            (cp_child, cp_start, cp_end, (0, 10), (60, 170)),
            (pc_child, pc_start, pc_end, (0, 14), (60, 170)),
        )
    ):
        o, d = c.renewal(s, e, first, gap)
        keep = c.thin(d, _DROP_PLAN[("cin", "cp", "cla")[t]]) & (d >= c.keep_from)
        cpl_child.append(owners[o[keep]])
        cpl_day.append(d[keep])
        cpl_type.append(np.full(int(keep.sum()), t, dtype=np.int64))
    p_child = np.concatenate(cpl_child)
    p_day = np.concatenate(cpl_day)
    p_type = np.concatenate(cpl_type)
    pkey = np.lexsort((p_type, p_day, p_child))
    p_child, p_day, p_type = p_child[pkey], p_day[pkey], p_type[pkey]
    uniq = np.ones(p_child.size, dtype=bool)
    uniq[1:] = (
        (p_child[1:] != p_child[:-1]) | (p_day[1:] != p_day[:-1]) | (p_type[1:] != p_type[:-1])
    )
    say("care_plans")
    frames["care_plans"] = _frame(
        "care_plans",
        {
            "child_id": child_ids[p_child[uniq]],
            "plan_type": _codes(("cin", "cp", "cla"), p_type[uniq]),
            "updated_date": _dates(p_day[uniq]),
        },
    )

    # adoptions --------------------------------------------------------------------------
    ad = np.flatnonzero(poc["adopt"] & (poc["shobpa"] <= end_d))
    ad = ad[np.lexsort((poc["child"][ad], poc["shobpa"][ad]))]
    say("adoptions")
    frames["adoptions"] = _frame(
        "adoptions",
        {
            "child_id": child_ids[poc["child"][ad]],
            "shobpa_date": _dates(poc["shobpa"][ad]),
            "placement_order_date": _dates(poc["po"][ad], end_d),
            "matched_date": _dates(poc["matched"][ad], end_d),
            "placed_date": _dates(poc["placed"][ad], end_d),
            "adoption_order_date": _dates(poc["order"][ad], end_d),
            "foster_carer": _bool(poc["fc"][ad], poc["placed"][ad] > end_d),
            "shobpa_reversed_date": _dates(poc["reversed"][ad], end_d),
        },
    )

    # missing and away from placement ------------------------------------------------------
    prone = np.where(poc["age"] >= 11, rng.random(npc) < 0.35, rng.random(npc) < 0.03)
    prone &= poc["path"] != _ADOPT
    idx = np.flatnonzero(prone)
    o, d = c.renewal(pc_start[idx], pc_end[idx], (5, 120), (3, 150))
    o = idx[o]
    nxt = np.append(d[1:], NEVER)
    same = np.append(o[1:] == o[:-1], False)
    room = np.where(same, nxt - d - 1, pc_end[o] - d)
    length = np.choose(
        c.choice((45.0, 40.0, 15.0), o.size), [0 * d, c.ui(1, 2, o.size), c.ui(3, 10, o.size)]
    )
    length = np.minimum(length, np.maximum(room, 0))
    m_end = d + length
    say("missing")
    frames["missing"] = _frame(
        "missing",
        {
            "child_id": child_ids[pc_child[o]],
            "start_date": _dates(d),
            "end_date": _dates(m_end, end_d),
            "kind": _codes(("M", "A"), c.choice((75.0, 25.0), o.size)),
        },
        sort=["child_id", "start_date"],
    )

    # care leavers: OC3 at the 19th, 20th and 21st birthdays --------------------------------
    b14 = _add_months(c.dob[pc_child], 168)
    b16 = _add_months(c.dob[pc_child], 192)
    eligible = (
        (poc["path"] != _ADOPT) & (pc_end >= b16) & (pc_end - np.maximum(pc_start, b14) >= 91)
    )
    eligible &= pc_end <= end_d
    el_child = np.unique(pc_child[eligible])
    cl_child = np.repeat(el_child, 3)
    cl_day = _add_months(c.dob[cl_child], np.tile([228, 240, 252], el_child.size))
    keep = cl_day <= end_d
    cl_child, cl_day = cl_child[keep], cl_day[keep]
    ncl = cl_child.size
    touch = c.choice(_IN_TOUCH_W, ncl)
    no_info = np.isin(touch, [1, 2, 3])
    say("care_leavers")
    frames["care_leavers"] = _frame(
        "care_leavers",
        {
            "child_id": child_ids[cl_child],
            "recorded_date": _dates(cl_day),
            "in_touch": _codes(_IN_TOUCH, touch),
            "activity": _codes(_ACTIVITY, c.choice(_ACTIVITY_W, ncl), no_info),
            "accommodation": _codes(_ACCOM, c.choice(_ACCOM_W, ncl), no_info),
        },
        sort=["recorded_date", "child_id"],
    )

    # contacts ---------------------------------------------------------------------------
    rc_sel = np.flatnonzero((ep["ref"] >= c.start) & (ep["ref"] <= end_d))
    nrc = rc_sel.size
    dec_sec = ep["ref"][rc_sel] * 86400 + c.ui(8 * 3600 + 1800, 18 * 3600 + 1800, nrc)
    fast = rng.random(nrc) < _curve(_P_MASH_24H, ep["ref"][rc_sel])
    lag = np.where(
        fast,
        np.minimum(60 + rng.gamma(1.3, 4 * 3600.0, nrc), 86399),
        86401 + rng.exponential(2 * 86400.0, nrc),
    ).astype(np.int64)
    rec_sec_ref = dec_sec - lag
    o_child = np.concatenate([k_child, new_child])
    o_day = np.concatenate([k_date, new_date])
    no = o_child.size
    tod = np.where(rng.random(no) < 0.85, c.ui(8 * 3600, 18 * 3600, no), c.ui(0, 86399, no))
    rec_sec_other = o_day * 86400 + tod
    fast = rng.random(no) < _curve(_P_MASH_24H, o_day)
    lag = np.where(
        fast,
        np.minimum(60 + rng.gamma(1.3, 4 * 3600.0, no), 86399),
        86401 + rng.exponential(2 * 86400.0, no),
    ).astype(np.int64)
    dec_sec_other = rec_sec_other + lag
    ct_child = np.concatenate([ep["child"][rc_sel], o_child])
    ct_rec = np.concatenate([rec_sec_ref, rec_sec_other])
    ct_dec = np.concatenate([dec_sec, dec_sec_other])
    ct_out = np.concatenate(
        [np.zeros(nrc, dtype=np.int64), c.choice((30.0, 30.0, 30.0, 10.0), no) + 1]
    )
    ct_order = np.lexsort((ct_child, ct_rec))
    ct_dec_missing = ct_dec[ct_order] >= (end_d + 1) * 86400
    rec_dt = ct_rec[ct_order].astype("datetime64[s]").astype("datetime64[ns]")
    dec_dt = (
        np.where(ct_dec_missing, 0, ct_dec[ct_order])
        .astype("datetime64[s]")
        .astype("datetime64[ns]")
    )
    dec_dt[ct_dec_missing] = np.datetime64("NaT")
    say("contacts")
    frames["contacts"] = _frame(
        "contacts",
        {
            "contact_id": _ids("CT", ct_order.size, 7),
            "child_id": child_ids[ct_child[ct_order]],
            "received_at": rec_dt,
            "decision_at": dec_dt,
            "outcome": _codes(_OUTCOME, ct_out[ct_order]),
        },
    )

    # workers and allocations ---------------------------------------------------------------
    say("workers")
    workers, allocations = _workforce(c, ep, poc, sb_child, sb_ref, sb_close, child_ids)
    frames["workers"] = workers
    say("allocations")
    frames["allocations"] = allocations

    frames = {t: frames[t] for t in TABLES}
    if dirty:
        _inject_faults(frames, rng, pd.Timestamp(start))
    if la is not None:
        frames = {t: df.assign(la=la) for t, df in frames.items()}
    return frames


def _workforce(
    c: _Council,
    ep: dict[str, Arr],
    poc: dict[str, Arr],
    sb_child: Arr,
    sb_ref: Arr,
    sb_close: Arr,
    child_ids: Arr,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Teams sized for about 20 cases a worker at the end, and the children's allocations."""
    rng = c.rng
    end_d = c.end
    n = ep["child"].size
    child = ep["child"]
    ref, closure = ep["ref"], ep["closure"]
    handover = np.minimum.reduce([ep["cin_start"], ep["cp_start"], ep["care_start"], closure])
    area = c.area[child]
    segs_child: list[Arr] = []
    segs_team: list[Arr] = []
    segs_start: list[Arr] = []
    segs_end: list[Arr] = []

    def seg(mask: Arr, team: Arr | int, s: Arr, e: Arr) -> None:
        m = mask & (e > s)
        segs_child.append(child[m])
        segs_team.append(np.broadcast_to(np.asarray(team), (n,))[m])
        segs_start.append(s[m])
        segs_end.append(e[m])

    not_nfa = ~ep["nfa"]
    seg(not_nfa, _DA + (child % 2), ref + c.ui(0, 2, n), handover)
    has_cp = ep["cp_start"] < NEVER
    care = ep["care"]
    cp_stop = np.where(
        care & (ep["care_start"] == ep["cp_end"]),
        ep["cp_end"],
        np.where(ep["cin_start"] < NEVER, ep["cp_end"], closure),
    )
    seg(has_cp, _CPT, ep["cp_start"], cp_stop)
    has_cin = ep["cin_start"] < NEVER
    seg(has_cin, _LOC + area, ep["cin_start"], closure)
    # periods of care: looked-after teams, the permanence team from the placement order
    pc = poc["child"]
    po = np.minimum(poc["po"], poc["end"])
    lac_team = _LAC + (pc % 2)
    segs_child += [pc, pc[po < poc["end"]]]
    segs_team += [lac_team, np.full(int((po < poc["end"]).sum()), _PERM)]
    segs_start += [poc["start"], po[po < poc["end"]]]
    segs_end += [po, poc["end"][po < poc["end"]]]
    # after care ends the referral may stay open a few days: no new allocation
    segs_child.append(sb_child)
    segs_team.append(np.full(sb_child.size, _CWD))
    segs_start.append(sb_ref + c.ui(0, 5, sb_child.size))
    segs_end.append(sb_close)
    s_child = np.concatenate(segs_child)
    s_team = np.concatenate(segs_team).astype(np.int64)
    s_start = np.concatenate(segs_start)
    s_end = np.concatenate(segs_end)
    ok = (s_start <= end_d) & (s_end > s_start) & (s_end >= c.keep_from)
    s_child, s_team, s_start, s_end = s_child[ok], s_team[ok], s_start[ok], s_end[ok]

    # re-allocations within a team: about one a year on a long case
    length = np.minimum(s_end, end_d + 1) - s_start
    k = rng.poisson(np.maximum(length, 0) / 420.0)
    k = np.minimum(k, 8)
    owner = np.repeat(np.arange(s_child.size), k)
    cut = s_start[owner] + np.floor(rng.random(owner.size) * np.maximum(length[owner], 1)).astype(
        np.int64
    )
    b_owner = np.concatenate([np.arange(s_child.size), owner])
    b_day = np.concatenate([s_start, cut])
    order = np.lexsort((b_day, b_owner))
    b_owner, b_day = b_owner[order], b_day[order]
    last = np.append(b_owner[1:] != b_owner[:-1], True)
    b_end = np.where(last, s_end[b_owner], np.append(b_day[1:], 0))
    ok = b_end > b_day
    b_owner, b_day, b_end = b_owner[ok], b_day[ok], b_end[ok]
    a_child, a_team = s_child[b_owner], s_team[b_owner]
    # a few cases wait for allocation, a very few are never allocated
    wait = rng.random(b_day.size) < 0.03
    b_day = np.where(wait, b_day + c.ui(3, 30, b_day.size), b_day)
    ok = (b_day < b_end) & (rng.random(b_day.size) >= 0.01)
    ok &= b_day <= end_d
    a_child, a_team, b_day, b_end = a_child[ok], a_team[ok], b_day[ok], b_end[ok]

    # team sizes from the open cases over the window's last year, about 20 each
    snaps = end_d - 30 * np.arange(12)
    open_counts = np.zeros(len(_TEAMS))
    for s in snaps:
        is_open = (b_day <= s) & (b_end > s)
        open_counts += np.bincount(a_team[is_open], minlength=len(_TEAMS))
    sizes = np.maximum(1, np.round(open_counts / 12 / _CASELOAD_TARGET)).astype(np.int64)
    managers = max(1, round(c.scale))
    w_team = np.concatenate(
        [np.repeat(np.arange(len(_TEAMS)), sizes), np.repeat(np.arange(len(_TEAMS)), managers)]
    )
    n_case = int(sizes.sum())
    nw = w_team.size
    w_role = np.concatenate([c.choice(_ROLES_W, n_case), np.full(nw - n_case, len(_ROLES))])
    # a fifth of the case holders join during the year before the window's last six months
    join_lo = int(_add_months(np.array([end_d]), -18)[0])
    join_hi = int(_add_months(np.array([end_d]), -6)[0])
    joins = np.where(rng.random(n_case) < 0.2, c.ui(join_lo, join_hi, n_case), c.origin - 1)
    fte = np.where(rng.random(nw) < 0.78, 1.0, rng.choice([0.5, 0.6, 0.8, 0.9], size=nw))
    worker_ids = _ids("W", nw, 4)
    workers = pd.DataFrame(
        {
            "worker_id": worker_ids,
            "team": _codes(_TEAMS, w_team),
            "fte": fte.astype(np.float64),
            "role": _codes((*_ROLES, "Team Manager"), w_role),
        }
    )
    assigned = np.zeros(a_child.size, dtype=np.int64)
    offset = 0
    for t in range(len(_TEAMS)):
        members = np.arange(offset, offset + sizes[t])
        offset += sizes[t]
        by_join = members[np.argsort(joins[members], kind="stable")]
        join_sorted = joins[by_join]
        idx = np.flatnonzero(a_team == t)
        idx = idx[np.argsort(b_day[idx], kind="stable")]
        active = np.maximum(np.searchsorted(join_sorted, b_day[idx], side="right"), 1)
        rot = np.arange(idx.size) % active
        rand = np.floor(rng.random(idx.size) * active).astype(np.int64)
        pick = np.where(rng.random(idx.size) < 0.25, rand, rot)
        assigned[idx] = by_join[pick]
    order = np.lexsort((b_day, a_child))
    allocations = pd.DataFrame(
        {
            "child_id": child_ids[a_child[order]],
            "worker_id": worker_ids[assigned[order]],
            "start_date": _dates(b_day[order]),
            "end_date": _dates(b_end[order], end_d),
        }
    )
    return workers, allocations


def _inject_faults(
    frames: dict[str, pd.DataFrame], rng: np.random.Generator, start: pd.Timestamp
) -> None:
    """Inject ``DIRTY_FAULTS`` (in place), each in a distinct record dated from ``start``."""

    def iso(col: pd.Series) -> pd.Series:
        text = col.dt.strftime("%Y-%m-%d")
        return text.astype(object).where(col.notna(), None)

    def pick(mask: Any, taken: set[int]) -> int:
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        rows = rows[~np.isin(rows, sorted(taken))]
        if rows.size == 0:
            raise ValueError("dirty=True needs a larger council: raise scale")
        row = int(rows[rng.integers(0, rows.size)])
        taken.add(row)
        return row

    ref = frames["referrals"]
    taken: set[int] = set()
    recent = ref["referral_date"] >= start
    r1 = pick(recent, taken)
    r2 = pick(recent & ref["closure_date"].notna(), taken)
    ref.loc[r2, "closure_date"] = ref.loc[r2, "referral_date"] - pd.Timedelta(days=5)
    ref["referral_date"] = iso(ref["referral_date"])
    ref.loc[r1, "referral_date"] = "2015-02-30"

    asm = frames["assessments"]
    taken = set()
    recent = asm["start_date"] >= start
    a1 = pick(recent & asm["authorised_date"].notna(), taken)
    # the copy starts a day later: keep it clear of a negative interval
    safe = asm["authorised_date"].isna() | (
        asm["authorised_date"] - asm["start_date"] > pd.Timedelta(days=1)
    )
    a2 = pick(recent & safe, taken)
    dup = asm.iloc[[a2]].copy()
    dup["start_date"] = dup["start_date"] + pd.Timedelta(days=1)
    asm["authorised_date"] = iso(asm["authorised_date"])
    asm.loc[a1, "authorised_date"] = "not known"
    dup["authorised_date"] = iso(dup["authorised_date"])
    frames["assessments"] = pd.concat([asm, dup], ignore_index=True)

    cp = frames["cp_plans"]
    taken = set()
    closed = cp["end_date"].notna() & (cp["start_date"] >= start)
    p1 = pick(closed, taken)
    p2 = pick(closed, taken)
    cp.loc[p2, "end_date"] = cp.loc[p2, "start_date"] - pd.Timedelta(days=10)
    cp["end_date"] = iso(cp["end_date"])
    cp.loc[p1, "end_date"] = "31/13/2014"

    ct = frames["contacts"]
    c1 = pick(ct["received_at"] >= start, set())
    dup = ct.iloc[[c1]].copy()
    dup["received_at"] = dup["received_at"] + pd.Timedelta(hours=1)
    dup["decision_at"] = dup["decision_at"] + pd.Timedelta(hours=1)
    frames["contacts"] = pd.concat([ct, dup], ignore_index=True)

    ce = frames["care_episodes"]
    e1 = pick(ce["start_date"] >= start, set())
    ce.loc[e1, "placement"] = "Q9"

    vs = frames["visits"]
    v1 = pick(vs["visit_date"] >= start, set())
    frames["visits"] = pd.concat([vs, vs.iloc[[v1]]], ignore_index=True)


def _format_column(table: str, name: str, col: pd.Series) -> pd.Series:
    """One column as CSV text: ISO dates and datetimes, true/false, empty for missing."""
    if pd.api.types.is_datetime64_any_dtype(col):
        values = col.to_numpy(dtype="datetime64[s]")
        missing = np.isnat(values)
        with_time = (table, name) in DATETIME_COLUMNS or bool(
            ((values[~missing].astype(np.int64) % 86400) != 0).any()
        )
        text = np.datetime_as_string(values, unit="s" if with_time else "D")
        return pd.Series(np.where(missing, "", text), index=col.index, dtype=object)
    if pd.api.types.is_bool_dtype(col):
        mapped = col.astype(object).map({True: "true", False: "false"})
        return mapped.where(col.notna(), "")
    return col


def write_csv(frames: dict[str, pd.DataFrame], folder: str | Path) -> None:
    """Write each frame as ``<table>.csv`` in ``folder`` (created if needed).

    Dates are written ``YYYY-MM-DD``, the contacts' datetimes ``YYYY-MM-DDTHH:MM:SS`` (and any
    datetime column carrying a time of day), booleans ``true``/``false``, missing values as
    empty cells; UTF-8 without a BOM, a header row, no index.

    Parameters
    ----------
    frames : dict of str to pandas.DataFrame
        Tables as returned by :func:`generate` (text columns, as in dirty data, are written
        as they are).
    folder : str or pathlib.Path
        The dataset folder.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for table, df in frames.items():
        text = pd.DataFrame({name: _format_column(table, name, df[name]) for name in df.columns})
        text.to_csv(out / f"{table}.csv", index=False, na_rep="", lineterminator="\n")
