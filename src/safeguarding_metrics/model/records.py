"""Typed case-event models: one frozen attrs class per canonical table.

Each class is a row of one table of the data contract (``docs/data-contract.md``). The classes
are the single source of the contract: column names, which columns are required, their kind
(identifier, code, date, ...), the table's key, its intervals and its code lists are all read
from here by the loader (:mod:`safeguarding_metrics.model.tables`).

Build a dataset from Python objects with :meth:`safeguarding_metrics.Dataset.from_records`::

    Dataset.from_records([
        Referral(referral_id="R1", child_id="C1", referral_date=date(2015, 4, 1)),
        Referral(referral_id="R2", child_id="C1", referral_date=date(2015, 9, 1)),
    ])
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import attrs

__all__ = [
    "RECORD_TYPES",
    "Adoption",
    "Allocation",
    "Assessment",
    "CareEpisode",
    "CareLeaver",
    "CarePlan",
    "Child",
    "CinPlan",
    "ClaReview",
    "Contact",
    "CpPlan",
    "CpReview",
    "Missing",
    "Referral",
    "Section47",
    "Visit",
    "Worker",
]

#: Column kinds understood by the loader.
KINDS = ("id", "code", "text", "date", "datetime", "bool", "int", "float")


def col(kind: str, *, required: bool = False, doc: str = "") -> Any:
    """An attrs field carrying the column's kind, whether it is required, and its meaning."""
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r}")
    meta = {"kind": kind, "required": required, "doc": doc}
    if required:
        return attrs.field(metadata=meta)
    return attrs.field(default=None, metadata=meta)


def _codes(*groups: str) -> frozenset[str]:
    return frozenset(code for group in groups for code in group.split())


@attrs.frozen(kw_only=True)
class Child:
    """A child known to the authority."""

    table: ClassVar[str] = "children"
    key: ClassVar[tuple[str, ...]] = ("child_id",)

    child_id: str = col("id", required=True, doc="the child's identifier in the case system")
    date_of_birth: dt.date | None = col("date", doc="date of birth")
    sex: str | None = col("code", doc="sex as recorded (CIN census or SSDA903 code)")
    ethnicity: str | None = col("code", doc="ethnicity code")
    disability: str | None = col("text", doc="disability (free text; CIN census codes where known)")
    la: str | None = col("id", doc="local authority (DfE old or new code) in pooled datasets")


@attrs.frozen(kw_only=True)
class Contact:
    """A contact (request for help) at the front door (MASH) and the decision on it."""

    table: ClassVar[str] = "contacts"
    key: ClassVar[tuple[str, ...]] = ("contact_id",)
    intervals: ClassVar[tuple[tuple[str, str], ...]] = (("received_at", "decision_at"),)

    contact_id: str = col("id", required=True, doc="the contact's identifier")
    child_id: str = col("id", required=True, doc="the child")
    received_at: dt.datetime = col("datetime", required=True, doc="when the contact was received")
    decision_at: dt.datetime | None = col("datetime", doc="when the decision was recorded")
    outcome: str | None = col("text", doc="the decision (free text)")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class Referral:
    """An accepted referral to children's social care (starts a CIN episode)."""

    table: ClassVar[str] = "referrals"
    key: ClassVar[tuple[str, ...]] = ("referral_id",)
    intervals: ClassVar[tuple[tuple[str, str], ...]] = (("referral_date", "closure_date"),)
    codes: ClassVar[dict[str, frozenset[str]]] = {
        "closure_reason": _codes("RC1 RC2 RC3 RC4 RC5 RC6 RC7 RC8 RC9"),
    }

    referral_id: str = col("id", required=True, doc="the referral's identifier")
    child_id: str = col("id", required=True, doc="the child")
    referral_date: dt.date = col("date", required=True, doc="date the referral was accepted")
    source: str | None = col("code", doc="referral source (CIN census code)")
    nfa: bool | None = col("bool", doc="the referral ended in no further action")
    closure_date: dt.date | None = col("date", doc="date the CIN episode closed")
    closure_reason: str | None = col("code", doc="reason for closure, RC1-RC9")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class Assessment:
    """A single / continuous (child and family) assessment."""

    table: ClassVar[str] = "assessments"
    key: ClassVar[tuple[str, ...]] = ("assessment_id",)
    intervals: ClassVar[tuple[tuple[str, str], ...]] = (("start_date", "authorised_date"),)

    assessment_id: str = col("id", required=True, doc="the assessment's identifier")
    child_id: str = col("id", required=True, doc="the child")
    start_date: dt.date = col("date", required=True, doc="date the assessment started")
    authorised_date: dt.date | None = col("date", doc="date the assessment was authorised")
    referral_id: str | None = col("id", doc="the referral it belongs to")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class Section47:
    """A section 47 enquiry and its initial child protection conference (ICPC)."""

    table: ClassVar[str] = "section47"
    key: ClassVar[tuple[str, ...]] = ("s47_id",)

    s47_id: str = col("id", required=True, doc="the enquiry's identifier")
    child_id: str = col("id", required=True, doc="the child")
    start_date: dt.date = col("date", required=True, doc="date of the strategy discussion")
    icpc_date: dt.date | None = col("date", doc="date of the initial child protection conference")
    icpc_not_required: bool | None = col("bool", doc="an ICPC was not required")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class CpPlan:
    """A child protection plan."""

    table: ClassVar[str] = "cp_plans"
    key: ClassVar[tuple[str, ...]] = ("plan_id",)
    intervals: ClassVar[tuple[tuple[str, str], ...]] = (("start_date", "end_date"),)
    codes: ClassVar[dict[str, frozenset[str]]] = {
        "initial_category": _codes("NEG PHY SAB EMO MUL"),
    }

    plan_id: str = col("id", required=True, doc="the plan's identifier")
    child_id: str = col("id", required=True, doc="the child")
    start_date: dt.date = col("date", required=True, doc="date the plan started")
    end_date: dt.date | None = col("date", doc="date the plan ended")
    initial_category: str | None = col("code", doc="initial category of abuse")
    previous_plans: int | None = col("int", doc="plans the child had before (any authority)")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class CpReview:
    """A child protection review conference."""

    table: ClassVar[str] = "cp_reviews"
    key: ClassVar[tuple[str, ...]] = ()

    plan_id: str = col("id", required=True, doc="the plan reviewed")
    child_id: str = col("id", required=True, doc="the child")
    review_date: dt.date = col("date", required=True, doc="date of the review conference")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class CinPlan:
    """A child in need plan."""

    table: ClassVar[str] = "cin_plans"
    key: ClassVar[tuple[str, ...]] = ("plan_id",)
    intervals: ClassVar[tuple[tuple[str, str], ...]] = (("start_date", "end_date"),)

    plan_id: str = col("id", required=True, doc="the plan's identifier")
    child_id: str = col("id", required=True, doc="the child")
    start_date: dt.date = col("date", required=True, doc="date the plan started")
    end_date: dt.date | None = col("date", doc="date the plan ended")
    la: str | None = col("id", doc="local authority in pooled datasets")


#: SSDA903 placement codes, current and retired, so that an old return raises no warning.
PLACEMENT_CODES = _codes(
    "A1 A2 A3 A4 A5 A6 F1 F2 F3 F4 F5 F6 H1 H2 H3 H4 H5 K1 K2 M1 M2 M3 P0 P1 P2 P3 P4 P5",
    "R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 Z1",
)


@attrs.frozen(kw_only=True)
class CareEpisode:
    """An SSDA903 episode of care (a row of the Episodes table)."""

    table: ClassVar[str] = "care_episodes"
    key: ClassVar[tuple[str, ...]] = ()
    intervals: ClassVar[tuple[tuple[str, str], ...]] = (("start_date", "end_date"),)
    codes: ClassVar[dict[str, frozenset[str]]] = {
        "rne": _codes("S P L T U B"),
        "legal_status": _codes("C1 C2 D1 E1 J1 J2 J3 L1 L2 L3 V1 V2 V3 V4"),
        "placement": PLACEMENT_CODES,
        "reason_ceased": _codes(
            "E11 E12 E13 E14 E15 E16 E17 E2 E3 E4A E4B E41 E45 E46 E47 E48 E5 E6 E7 E8 E9 X1"
        ),
        "reason_place_change": _codes(
            "ALLEG APPRR CARPL CHILD CLOSE CREQB CREQO CUSTOD LAREQ OTHER PLACE STAND"
        ),
    }

    child_id: str = col("id", required=True, doc="the child")
    start_date: dt.date = col("date", required=True, doc="DECOM: date the episode commenced")
    end_date: dt.date | None = col("date", doc="DEC: date the episode ceased")
    rne: str = col("code", required=True, doc="RNE: reason for new episode (S P L T U B)")
    legal_status: str = col("code", required=True, doc="LS: legal status")
    cin_category: str | None = col("code", doc="CIN: category of need (N1-N8)")
    placement: str = col("code", required=True, doc="PLACE: placement type")
    provider: str | None = col("code", doc="PLACE_PROVIDER")
    reason_ceased: str | None = col("code", doc="REC: reason episode ceased")
    reason_place_change: str | None = col("code", doc="REASON_PLACE_CHANGE")
    long_term: bool | None = col("bool", doc="the placement is intended to last until 18")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class ClaReview:
    """A looked-after child review."""

    table: ClassVar[str] = "cla_reviews"
    key: ClassVar[tuple[str, ...]] = ()

    child_id: str = col("id", required=True, doc="the child")
    review_date: dt.date = col("date", required=True, doc="date of the review")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class Visit:
    """A statutory social work visit at which the child was seen."""

    table: ClassVar[str] = "visits"
    key: ClassVar[tuple[str, ...]] = ()
    codes: ClassVar[dict[str, frozenset[str]]] = {"visit_type": _codes("cla cp cin")}

    child_id: str = col("id", required=True, doc="the child")
    visit_date: dt.date = col("date", required=True, doc="date of the visit")
    visit_type: str = col("code", required=True, doc="cla, cp or cin")
    seen_alone: bool | None = col("bool", doc="the child was seen alone")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class CarePlan:
    """A plan written or updated and recorded (for "up-to-date plans")."""

    table: ClassVar[str] = "care_plans"
    key: ClassVar[tuple[str, ...]] = ()
    codes: ClassVar[dict[str, frozenset[str]]] = {"plan_type": _codes("cin cp cla")}

    child_id: str = col("id", required=True, doc="the child")
    plan_type: str = col("code", required=True, doc="cin, cp or cla")
    updated_date: dt.date = col("date", required=True, doc="date the plan was written or updated")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class Adoption:
    """A child's adoption journey (SSDA903 AD1 + PlacedAdoption + Annex A list 10)."""

    table: ClassVar[str] = "adoptions"
    key: ClassVar[tuple[str, ...]] = ("child_id",)

    child_id: str = col("id", required=True, doc="the child")
    shobpa_date: dt.date | None = col("date", doc="decision that the child should be placed")
    placement_order_date: dt.date | None = col("date", doc="placement order granted")
    matched_date: dt.date | None = col("date", doc="matched with the adopters")
    placed_date: dt.date | None = col("date", doc="moved in with the adoptive family")
    adoption_order_date: dt.date | None = col("date", doc="adoption order granted")
    foster_carer: bool | None = col("bool", doc="adopted by the child's foster carers")
    shobpa_reversed_date: dt.date | None = col("date", doc="the decision was reversed")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class Missing:
    """A missing or away-without-authorisation episode of a looked-after child."""

    table: ClassVar[str] = "missing"
    key: ClassVar[tuple[str, ...]] = ()
    intervals: ClassVar[tuple[tuple[str, str], ...]] = (("start_date", "end_date"),)
    codes: ClassVar[dict[str, frozenset[str]]] = {"kind": _codes("M A")}

    child_id: str = col("id", required=True, doc="the child")
    start_date: dt.date = col("date", required=True, doc="date the episode started")
    end_date: dt.date | None = col("date", doc="date the episode ended")
    kind: str = col("code", required=True, doc="M missing, A away without authorisation")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class CareLeaver:
    """An SSDA903 OC3 care-leaver record at a birthday."""

    table: ClassVar[str] = "care_leavers"
    key: ClassVar[tuple[str, ...]] = ("child_id", "recorded_date")
    codes: ClassVar[dict[str, frozenset[str]]] = {
        "in_touch": _codes("YES NO DIED REFU NREQ RHOM"),
        "activity": _codes("F1 F2 F3 F4 F5 P1 P2 P3 P4 P5 G1 G2 G3 G4 G5 G6 0"),
        "accommodation": _codes(
            "0 B1 B2 C1 C2 D1 D2 E1 E2 G1 G2 H1 H2 K1 K2 R1 R2 S1 S2 T1 T2 U1 U2",
            "V1 V2 W1 W2 X1 X2 Y1 Y2 Z1 Z2",
        ),
    }

    child_id: str = col("id", required=True, doc="the care leaver")
    recorded_date: dt.date = col("date", required=True, doc="the birthday the record is for")
    in_touch: str | None = col("code", doc="IN_TOUCH")
    activity: str | None = col("code", doc="ACTIV: main activity")
    accommodation: str | None = col("code", doc="ACCOM: accommodation and its suitability")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class Worker:
    """A social worker / case holder."""

    table: ClassVar[str] = "workers"
    key: ClassVar[tuple[str, ...]] = ("worker_id",)

    worker_id: str = col("id", required=True, doc="the worker's identifier")
    team: str | None = col("text", doc="the worker's team")
    fte: float | None = col("float", doc="full-time equivalent")
    role: str | None = col("text", doc="role")
    la: str | None = col("id", doc="local authority in pooled datasets")


@attrs.frozen(kw_only=True)
class Allocation:
    """A child's case allocated to a worker."""

    table: ClassVar[str] = "allocations"
    key: ClassVar[tuple[str, ...]] = ()
    intervals: ClassVar[tuple[tuple[str, str], ...]] = (("start_date", "end_date"),)

    child_id: str = col("id", required=True, doc="the child")
    worker_id: str = col("id", required=True, doc="the worker")
    start_date: dt.date = col("date", required=True, doc="date the allocation started")
    end_date: dt.date | None = col("date", doc="date the allocation ended")
    la: str | None = col("id", doc="local authority in pooled datasets")


#: Every record type, in the order of the data contract.
RECORD_TYPES: tuple[type, ...] = (
    Child,
    Contact,
    Referral,
    Assessment,
    Section47,
    CpPlan,
    CpReview,
    CinPlan,
    CareEpisode,
    ClaReview,
    Visit,
    CarePlan,
    Adoption,
    Missing,
    CareLeaver,
    Worker,
    Allocation,
)
