"""The SSD's tables as the canonical tables, field by field (``docs/ssd.md`` is the reference).

:func:`ssd_extract` turns the rows read from the ``ssd_*`` tables into an
:class:`~safeguarding_metrics.io.common.Extract`, the form every importer hands to
:func:`~safeguarding_metrics.io.combine.combine`: canonical columns as read (not yet
normalised), the SSD table each row came from (``_file``) and its position in the table's
identifier order (``_row``), and the SSD column behind each canonical column, so that every
finding names the SSD's own table, row and column. The loader's data-quality rules then apply
as to every other source.

Rows that are not records of a canonical table by definition (a visit at which the child was
not seen, a cancelled review, an involvement of another role than the allocated worker) are
counted as set aside with a note saying why; rows that cannot be linked (a review whose
``cla_id`` names no period of care) are findings, set aside.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from ...model.dates import parse_dates
from ...model.quality import Action, Severity
from ...model.tables import table_spec
from ..common import Extract, fault
from .codes import (
    CATEGORY_CODES,
    CONTACT_FLAGS,
    DEFAULT_ALLOCATED_ROLES,
    MISSING_KINDS,
    SEX_FROM_SSD,
    json_flags,
    leading_code,
    yes_no,
)
from .schema import SSD_TABLES

__all__ = ["NEEDS", "ssd_extract"]

#: Per canonical table, the SSD tables it is built from; all must be present, else the
#: canonical table is not supplied (its indicators are not computable, with the reason).
NEEDS: dict[str, tuple[str, ...]] = {
    "children": ("ssd_person",),
    "contacts": ("ssd_contacts",),
    "referrals": ("ssd_cin_episodes",),
    "assessments": ("ssd_cin_assessments",),
    "section47": ("ssd_s47_enquiry",),
    "cp_plans": ("ssd_cp_plans",),
    "cp_reviews": ("ssd_cp_reviews",),
    "cin_plans": ("ssd_cin_plans",),
    "care_episodes": ("ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status"),
    "cla_reviews": ("ssd_cla_reviews", "ssd_cla_episodes"),
    "visits": ("ssd_cla_visits", "ssd_cp_visits", "ssd_cin_visits"),
    "adoptions": ("ssd_permanence",),
    "missing": ("ssd_missing",),
    "workers": ("ssd_professionals",),
    "allocations": ("ssd_involvements",),
}

#: SSD tables read only for what they say about others, or listed as not carried.
NOT_CARRIED_TABLES: dict[str, str] = {
    "ssd_care_leavers": (
        "each care leaver's current record (latest contact), not the OC3 record at each "
        "birthday that care_leavers holds: the care leavers' indicators are not computable"
    ),
    "ssd_cla_care_plan": (
        "the permanence plan chosen, a row when it changes, not each update of the written "
        "care plan: care_plans is not supplied"
    ),
}

#: Legal statuses under which a child is looked after (the SSDA903 codes); the SSD also
#: holds others (special guardianship, private fostering, care leaver statuses).
LOOKED_AFTER_STATUSES = frozenset(table_spec("care_episodes").column("legal_status").codes or ())


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def _days(values: pd.Series) -> np.ndarray:
    """Dates (the loader's parser) for joining; what cannot be read is NaT here and reported
    where the value itself is carried."""
    return parse_dates(values.reset_index(drop=True), with_time=False).stamps.to_numpy(
        dtype="datetime64[ns]"
    )


def _text(values: pd.Series) -> pd.Series:
    text = values.astype(object).where(values.notna(), None).astype("string").str.strip()
    return text.astype(object).where(text.notna() & (text != ""), None)


class _Builder:
    """Collects the canonical frames, findings, notes and counts of one SSD read."""

    def __init__(self, tables: Mapping[str, pd.DataFrame], labels: Mapping[str, str]) -> None:
        self.tables = {name: frame.reset_index(drop=True) for name, frame in tables.items()}
        self.labels = dict(labels)
        self.extract = Extract(kind="ssd", label="Standard Safeguarding Dataset")

    def label(self, ssd_table: str) -> str:
        return self.labels.get(ssd_table, ssd_table)

    def rows(self, ssd_table: str) -> np.ndarray:
        return np.arange(1, len(self.tables[ssd_table]) + 1)

    def add(
        self,
        table: str,
        ssd_table: str,
        columns: Mapping[str, tuple[str, pd.Series]],
        rows: np.ndarray,
    ) -> None:
        """Rows of canonical ``table`` from ``ssd_table`` (canonical -> (SSD column, values))."""
        frame = pd.DataFrame(
            {name: values.to_numpy(dtype=object) for name, (_, values) in columns.items()}
        )
        frame["_file"] = self.label(ssd_table)
        frame["_row"] = rows
        names = {name: source for name, (source, _) in columns.items()}
        self.extract.add(table, frame, self.label(ssd_table), names)

    def leave_out(self, table: str, ssd_table: str, keep: np.ndarray, why: str) -> None:
        """Count rows of ``ssd_table`` that are no records of ``table`` by definition."""
        n = int((~keep).sum())
        if n:
            self.extract.dropped.append((table, self.label(ssd_table), n))
            self.extract.note(self.label(ssd_table), f"{n:,} rows not carried into {table}: {why}")

    def unlinked(
        self, table: str, ssd_table: str, bad: np.ndarray, rows: np.ndarray, column: str, why: str
    ) -> None:
        """Rows that cannot be linked: an error each (set aside), counted."""
        if not bad.any():
            return
        for row in rows[bad]:
            self.extract.faults.append(
                fault(
                    self.label(ssd_table),
                    why,
                    table=table,
                    row=int(row),
                    column=column,
                    severity=Severity.ERROR,
                    action=Action.SET_ASIDE,
                )
            )
        self.extract.dropped.append((table, self.label(ssd_table), int(bad.sum())))


def _children(b: _Builder) -> None:
    p = b.tables["ssd_person"]
    sex = _text(_col(p, "pers_sex"))
    upper = sex.astype("string").str.upper()
    code = upper.map(SEX_FROM_SSD)
    columns = {
        "child_id": ("pers_person_id", _col(p, "pers_person_id")),
        "date_of_birth": ("pers_dob", _col(p, "pers_dob")),
        "sex": ("pers_sex", code.where(code.notna(), sex).astype(object)),
        "ethnicity": ("pers_ethnicity", _col(p, "pers_ethnicity")),
    }
    if "ssd_disability" in b.tables:
        d = b.tables["ssd_disability"]
        codes = _text(_col(d, "disa_disability_code"))
        ids = _text(_col(d, "disa_person_id"))
        have = codes.notna() & ids.notna()
        joined = (
            pd.DataFrame({"id": ids[have], "code": codes[have]})
            .drop_duplicates()
            .groupby("id", sort=False)["code"]
            .agg(",".join)
        )
        person = _text(_col(p, "pers_person_id"))
        columns["disability"] = (
            "disa_disability_code (ssd_disability)",
            person.map(joined).astype(object),
        )
    b.add("children", "ssd_person", columns, b.rows("ssd_person"))


def _contacts(b: _Builder) -> None:
    c = b.tables["ssd_contacts"]
    flags = json_flags(_col(c, "cont_contact_outcome_json"), CONTACT_FLAGS)
    outcome = pd.Series(None, index=c.index, dtype=object)
    for key, label in reversed(CONTACT_FLAGS.items()):  # the first flag set wins
        outcome[flags[key].eq(True).to_numpy(dtype=bool)] = label
    b.add(
        "contacts",
        "ssd_contacts",
        {
            "contact_id": ("cont_contact_id", _col(c, "cont_contact_id")),
            "child_id": ("cont_person_id", _col(c, "cont_person_id")),
            "received_at": ("cont_contact_date", _col(c, "cont_contact_date")),
            "outcome": ("cont_contact_outcome_json", outcome),
        },
        b.rows("ssd_contacts"),
    )
    _bad_json(b, "contacts", "ssd_contacts", "cont_contact_outcome_json", flags)


def _bad_json(b: _Builder, table: str, ssd_table: str, column: str, flags: pd.DataFrame) -> None:
    bad = flags["_bad"].to_numpy(dtype=bool)
    for row in b.rows(ssd_table)[bad]:
        b.extract.faults.append(
            fault(
                b.label(ssd_table),
                "not a JSON object of outcome flags: the outcome is left blank",
                table=table,
                row=int(row),
                column=column,
            )
        )


def _referrals(b: _Builder) -> None:
    r = b.tables["ssd_cin_episodes"]
    b.add(
        "referrals",
        "ssd_cin_episodes",
        {
            "referral_id": ("cine_referral_id", _col(r, "cine_referral_id")),
            "child_id": ("cine_person_id", _col(r, "cine_person_id")),
            "referral_date": ("cine_referral_date", _col(r, "cine_referral_date")),
            "source": ("cine_referral_source_code", _col(r, "cine_referral_source_code")),
            "nfa": ("cine_referral_nfa", yes_no(_col(r, "cine_referral_nfa"))),
            "closure_date": ("cine_close_date", _col(r, "cine_close_date")),
            "closure_reason": ("cine_close_reason", leading_code(_col(r, "cine_close_reason"))),
        },
        b.rows("ssd_cin_episodes"),
    )


def _assessments(b: _Builder) -> None:
    a = b.tables["ssd_cin_assessments"]
    b.add(
        "assessments",
        "ssd_cin_assessments",
        {
            "assessment_id": ("cina_assessment_id", _col(a, "cina_assessment_id")),
            "child_id": ("cina_person_id", _col(a, "cina_person_id")),
            "start_date": ("cina_assessment_start_date", _col(a, "cina_assessment_start_date")),
            "authorised_date": ("cina_assessment_auth_date", _col(a, "cina_assessment_auth_date")),
            "referral_id": ("cina_referral_id", _col(a, "cina_referral_id")),
        },
        b.rows("ssd_cin_assessments"),
    )


def _section47(b: _Builder) -> None:
    s = b.tables["ssd_s47_enquiry"]
    ids = _text(_col(s, "s47e_s47_enquiry_id"))
    icpc_date = pd.Series(None, index=s.index, dtype=object)
    held = np.zeros(len(s), dtype=bool)
    if "ssd_initial_cp_conference" in b.tables:
        c = b.tables["ssd_initial_cp_conference"]
        link = pd.DataFrame(
            {
                "s47": _text(_col(c, "icpc_s47_enquiry_id")),
                "date": _col(c, "icpc_icpc_date").to_numpy(dtype=object),
                "day": _days(_col(c, "icpc_icpc_date")),
            }
        )
        link = link[link["s47"].notna()].sort_values("day", kind="stable", na_position="last")
        first = link.drop_duplicates("s47", keep="first").set_index("s47")
        icpc_date = ids.map(first["date"]).astype(object)
        held = ids.isin(first.index).to_numpy(dtype=bool)
    flags = json_flags(_col(s, "s47e_s47_outcome_json"), {"CP_CONFERENCE_FLAG": ""})
    conference = flags["CP_CONFERENCE_FLAG"]
    not_required = pd.Series(None, index=s.index, dtype=object)
    not_required[conference.eq(False).to_numpy(dtype=bool)] = "true"
    not_required[conference.eq(True).to_numpy(dtype=bool) | held] = "false"
    b.add(
        "section47",
        "ssd_s47_enquiry",
        {
            "s47_id": ("s47e_s47_enquiry_id", _col(s, "s47e_s47_enquiry_id")),
            "child_id": ("s47e_person_id", _col(s, "s47e_person_id")),
            "start_date": ("s47e_s47_start_date", _col(s, "s47e_s47_start_date")),
            "icpc_date": ("icpc_icpc_date (ssd_initial_cp_conference)", icpc_date),
            "icpc_not_required": ("s47e_s47_outcome_json", not_required),
        },
        b.rows("ssd_s47_enquiry"),
    )
    _bad_json(b, "section47", "ssd_s47_enquiry", "s47e_s47_outcome_json", flags)


def _cp_plans(b: _Builder) -> None:
    p = b.tables["ssd_cp_plans"]
    words = _text(_col(p, "cppl_cp_plan_initial_category")).astype("string")
    key = words.str.upper().str.split(":").str[0].str.strip()
    category = key.map(CATEGORY_CODES)
    b.add(
        "cp_plans",
        "ssd_cp_plans",
        {
            "plan_id": ("cppl_cp_plan_id", _col(p, "cppl_cp_plan_id")),
            "child_id": ("cppl_person_id", _col(p, "cppl_person_id")),
            "start_date": ("cppl_cp_plan_start_date", _col(p, "cppl_cp_plan_start_date")),
            "end_date": ("cppl_cp_plan_end_date", _col(p, "cppl_cp_plan_end_date")),
            "initial_category": (
                "cppl_cp_plan_initial_category",
                category.where(category.notna(), words).astype(object),
            ),
        },
        b.rows("ssd_cp_plans"),
    )


def _cp_reviews(b: _Builder) -> None:
    r = b.tables["ssd_cp_reviews"]
    held = _col(r, "cppr_cp_review_date").notna().to_numpy(dtype=bool)
    b.leave_out("cp_reviews", "ssd_cp_reviews", held, "no review date (a review due, not held)")
    r = r.loc[held]
    b.add(
        "cp_reviews",
        "ssd_cp_reviews",
        {
            "plan_id": ("cppr_cp_plan_id", _col(r, "cppr_cp_plan_id")),
            "child_id": ("cppr_person_id", _col(r, "cppr_person_id")),
            "review_date": ("cppr_cp_review_date", _col(r, "cppr_cp_review_date")),
        },
        b.rows("ssd_cp_reviews")[held],
    )


def _cin_plans(b: _Builder) -> None:
    p = b.tables["ssd_cin_plans"]
    b.add(
        "cin_plans",
        "ssd_cin_plans",
        {
            "plan_id": ("cinp_cin_plan_id", _col(p, "cinp_cin_plan_id")),
            "child_id": ("cinp_person_id", _col(p, "cinp_person_id")),
            "start_date": ("cinp_cin_plan_start_date", _col(p, "cinp_cin_plan_start_date")),
            "end_date": ("cinp_cin_plan_end_date", _col(p, "cinp_cin_plan_end_date")),
        },
        b.rows("ssd_cin_plans"),
    )


def _placements_of(
    episodes: pd.DataFrame, placements: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Each episode's placement row (type, provider, end, change reason): by
    ``clae_cla_placement_id``, else the child's placement in force on the episode's start.
    Returns the placement columns aligned with ``episodes`` and whether one was found."""
    pl = pd.DataFrame(
        {
            "id": _text(_col(placements, "clap_cla_placement_id")),
            "person": _text(_col(placements, "clap_person_id")),
            "start": _days(_col(placements, "clap_cla_placement_start_date")),
            "end": _days(_col(placements, "clap_cla_placement_end_date")),
            "type": _col(placements, "clap_cla_placement_type").to_numpy(dtype=object),
            "provider": _col(placements, "clap_cla_placement_provider").to_numpy(dtype=object),
            "reason": _col(placements, "clap_cla_placement_change_reason").to_numpy(dtype=object),
        }
    )
    by_id = pl[pl["id"].notna()].drop_duplicates("id").set_index("id")
    wanted = _text(_col(episodes, "clae_cla_placement_id"))
    found = wanted.isin(by_id.index).to_numpy(dtype=bool, copy=True)
    out = by_id.reindex(wanted.where(found, "\0missing").to_numpy())
    out.index = episodes.index
    if (~found).any():
        start = pd.Series(
            _days(_col(episodes, "clae_cla_episode_start_date")), index=episodes.index
        )
        person = _text(_col(episodes, "clae_person_id"))
        ask = pd.DataFrame({"person": person, "day": start, "_i": np.arange(len(episodes))})
        ask = ask[~found & ask["person"].notna().to_numpy() & ask["day"].notna().to_numpy()]
        table = pl[pl["person"].notna() & pl["start"].notna()].sort_values("start")
        if len(ask) and len(table):
            near = pd.merge_asof(
                ask.sort_values("day"), table, left_on="day", right_on="start", by="person"
            )
            ok = near["start"].notna() & (near["end"].isna() | (near["end"] > near["day"]))
            near = near[ok.to_numpy(dtype=bool)]
            at = near["_i"].to_numpy()
            for column in ("start", "end", "type", "provider", "reason"):
                out.iloc[at, out.columns.get_loc(column)] = near[column].to_numpy()
            found[at] = True
    return out, found


def _legal_status_of(episodes: pd.DataFrame, legal: pd.DataFrame) -> np.ndarray:
    """The looked-after legal status in force on each episode's start (the latest starting on
    or before it and not ended before it); missing where none."""
    ls = pd.DataFrame(
        {
            "person": _text(_col(legal, "lega_person_id")),
            "start": _days(_col(legal, "lega_legal_status_start_date")),
            "end": _days(_col(legal, "lega_legal_status_end_date")),
            "status": leading_code(_col(legal, "lega_legal_status")),
        }
    )
    ls = ls[ls["status"].isin(LOOKED_AFTER_STATUSES) & ls["person"].notna() & ls["start"].notna()]
    ask = pd.DataFrame(
        {
            "person": _text(_col(episodes, "clae_person_id")),
            "day": _days(_col(episodes, "clae_cla_episode_start_date")),
            "_i": np.arange(len(episodes)),
        }
    )
    ask = ask[ask["person"].notna() & ask["day"].notna()]
    out = np.full(len(episodes), None, dtype=object)
    if not len(ask) or not len(ls):
        return out
    near = pd.merge_asof(
        ask.sort_values("day"),
        ls.sort_values(["start", "status"]),
        left_on="day",
        right_on="start",
        by="person",
    )
    ok = near["start"].notna() & (near["end"].isna() | (near["end"] >= near["day"]))
    near = near[ok.to_numpy(dtype=bool)]
    out[near["_i"].to_numpy()] = near["status"].to_numpy(dtype=object)
    return out


def _care_episodes(b: _Builder) -> None:
    e = b.tables["ssd_cla_episodes"]
    placement, found = _placements_of(e, b.tables["ssd_cla_placement"])
    legal = _legal_status_of(e, b.tables["ssd_legal_status"])
    ends = _days(_col(e, "clae_cla_episode_ceased_date"))
    # the reason for a placement change belongs to the episode that ends the placement, not to
    # one that ends with a change of legal status only (the placement going on)
    ends_placement = found & (
        (np.isnat(ends) & np.isnat(placement["end"].to_numpy(dtype="datetime64[ns]")))
        | (ends == placement["end"].to_numpy(dtype="datetime64[ns]"))
    )
    reason = placement["reason"].where(ends_placement, None)
    rows = b.rows("ssd_cla_episodes")
    b.add(
        "care_episodes",
        "ssd_cla_episodes",
        {
            "child_id": ("clae_person_id", _col(e, "clae_person_id")),
            "start_date": ("clae_cla_episode_start_date", _col(e, "clae_cla_episode_start_date")),
            "end_date": ("clae_cla_episode_ceased_date", _col(e, "clae_cla_episode_ceased_date")),
            "rne": (
                "clae_cla_episode_start_reason",
                leading_code(_col(e, "clae_cla_episode_start_reason")),
            ),
            "legal_status": ("lega_legal_status (ssd_legal_status)", pd.Series(legal)),
            "cin_category": (
                "clae_cla_primary_need_code",
                leading_code(_col(e, "clae_cla_primary_need_code")),
            ),
            "placement": (
                "clap_cla_placement_type (ssd_cla_placement)",
                leading_code(placement["type"]),
            ),
            "provider": (
                "clap_cla_placement_provider (ssd_cla_placement)",
                leading_code(placement["provider"]),
            ),
            "reason_ceased": (
                "clae_cla_episode_ceased_reason",
                leading_code(_col(e, "clae_cla_episode_ceased_reason")),
            ),
            "reason_place_change": (
                "clap_cla_placement_change_reason (ssd_cla_placement)",
                leading_code(reason),
            ),
        },
        rows,
    )
    no_placement = ~found
    if no_placement.any():
        b.extract.note(
            b.label("ssd_cla_episodes"),
            f"{int(no_placement.sum()):,} episodes with no placement in ssd_cla_placement (by "
            "clae_cla_placement_id or in force on the episode's start): set aside by the "
            "placement rule",
        )
    no_status = pd.isna(legal)
    if no_status.any():
        b.extract.note(
            b.label("ssd_cla_episodes"),
            f"{int(no_status.sum()):,} episodes with no looked-after legal status in force on "
            "their start in ssd_legal_status: set aside by the legal status rule",
        )


def _period_children(b: _Builder) -> pd.Series:
    """Each period of care's child (``clae_cla_id`` -> ``clae_person_id``)."""
    e = b.tables["ssd_cla_episodes"]
    link = pd.DataFrame(
        {"cla": _text(_col(e, "clae_cla_id")), "person": _text(_col(e, "clae_person_id"))}
    )
    link = link[link["cla"].notna() & link["person"].notna()].drop_duplicates("cla")
    return link.set_index("cla")["person"]


def _cla_reviews(b: _Builder) -> None:
    r = b.tables["ssd_cla_reviews"]
    rows = b.rows("ssd_cla_reviews")
    cancelled = yes_no(_col(r, "clar_cla_review_cancelled")).eq("true").to_numpy(dtype=bool)
    held = _col(r, "clar_cla_review_date").notna().to_numpy(dtype=bool)
    b.leave_out("cla_reviews", "ssd_cla_reviews", ~cancelled, "cancelled reviews")
    b.leave_out(
        "cla_reviews", "ssd_cla_reviews", cancelled | held, "no review date (due, not held)"
    )
    keep = ~cancelled & held
    child = _text(_col(r, "clar_cla_id")).map(_period_children(b))
    bad = keep & child.isna().to_numpy(dtype=bool)
    b.unlinked(
        "cla_reviews",
        "ssd_cla_reviews",
        bad,
        rows,
        "clar_cla_id",
        "the CLA ID names no period of care in ssd_cla_episodes: the review cannot be linked "
        "to a child",
    )
    keep &= ~bad
    b.add(
        "cla_reviews",
        "ssd_cla_reviews",
        {
            "child_id": ("clar_cla_id", child[keep]),
            "review_date": ("clar_cla_review_date", _col(r, "clar_cla_review_date")[keep]),
        },
        rows[keep],
    )


def _visits(b: _Builder) -> None:
    kinds = (
        ("cla", "ssd_cla_visits", "clav"),
        ("cp", "ssd_cp_visits", "cppv"),
        ("cin", "ssd_cin_visits", "cinv"),
    )
    periods = _period_children(b) if "ssd_cla_episodes" in b.tables else pd.Series(dtype=object)
    for kind, ssd_table, prefix in kinds:
        v = b.tables[ssd_table]
        rows = b.rows(ssd_table)
        seen = yes_no(_col(v, f"{prefix}_{kind}_visit_seen"))
        keep = ~seen.eq("false").to_numpy(dtype=bool)
        b.leave_out("visits", ssd_table, keep, "visits at which the child was not seen")
        person = _text(_col(v, f"{prefix}_person_id"))
        source = f"{prefix}_person_id"
        if kind == "cla":
            by_period = _text(_col(v, "clav_cla_id")).map(periods)
            differs = by_period.notna() & person.notna() & (by_period != person)
            _differing_child(b, ssd_table, keep & differs.to_numpy(dtype=bool), rows)
            person = by_period.where(by_period.notna(), person)
            source = "clav_cla_id"
        b.add(
            "visits",
            ssd_table,
            {
                "child_id": (source, person[keep]),
                "visit_date": (
                    f"{prefix}_{kind}_visit_date",
                    _col(v, f"{prefix}_{kind}_visit_date")[keep],
                ),
                "visit_type": (f"{ssd_table}", pd.Series(kind, index=v.index)[keep]),
                "seen_alone": (
                    f"{prefix}_{kind}_visit_seen_alone",
                    yes_no(_col(v, f"{prefix}_{kind}_visit_seen_alone"))[keep],
                ),
            },
            rows[keep],
        )


def _differing_child(b: _Builder, ssd_table: str, differs: np.ndarray, rows: np.ndarray) -> None:
    for row in rows[differs]:
        b.extract.faults.append(
            fault(
                b.label(ssd_table),
                "clav_person_id is not the child of the period of care clav_cla_id names: the "
                "period's child is taken",
                table="visits",
                row=int(row),
                column="clav_person_id",
            )
        )


def _adoptions(b: _Builder) -> None:
    p = b.tables["ssd_permanence"]
    kind = _text(_col(p, "perm_permanence_order_type")).astype("string").str.upper()
    order = _col(p, "perm_permanence_order_date")
    adoption_order = kind.str.contains("ADOPT").fillna(False).to_numpy(dtype=bool)
    journey = np.zeros(len(p), dtype=bool)
    for column in (
        "perm_adm_decision_date",
        "perm_placement_order_date",
        "perm_matched_date",
        "perm_placed_for_adoption_date",
        "perm_decision_reversed_date",
    ):
        journey |= _col(p, column).notna().to_numpy(dtype=bool)
    keep = journey | adoption_order
    b.leave_out(
        "adoptions",
        "ssd_permanence",
        keep,
        "permanence by another order (special guardianship, child arrangements) with no "
        "adoption decision",
    )
    p = p.loc[keep]
    b.add(
        "adoptions",
        "ssd_permanence",
        {
            "child_id": ("perm_person_id", _col(p, "perm_person_id")),
            "shobpa_date": ("perm_adm_decision_date", _col(p, "perm_adm_decision_date")),
            "placement_order_date": (
                "perm_placement_order_date",
                _col(p, "perm_placement_order_date"),
            ),
            "matched_date": ("perm_matched_date", _col(p, "perm_matched_date")),
            "placed_date": (
                "perm_placed_for_adoption_date",
                _col(p, "perm_placed_for_adoption_date"),
            ),
            "adoption_order_date": (
                "perm_permanence_order_date",
                order[keep].where(adoption_order[keep], None),
            ),
            "foster_carer": (
                "perm_adopted_by_carer_flag",
                yes_no(_col(p, "perm_adopted_by_carer_flag")),
            ),
            "shobpa_reversed_date": (
                "perm_decision_reversed_date",
                _col(p, "perm_decision_reversed_date"),
            ),
        },
        b.rows("ssd_permanence")[keep],
    )


def _missing(b: _Builder) -> None:
    m = b.tables["ssd_missing"]
    words = _text(_col(m, "miss_missing_episode_type")).astype("string")
    kind = words.str.upper().str.strip().map(MISSING_KINDS)
    b.add(
        "missing",
        "ssd_missing",
        {
            "child_id": ("miss_person_id", _col(m, "miss_person_id")),
            "start_date": (
                "miss_missing_episode_start_date",
                _col(m, "miss_missing_episode_start_date"),
            ),
            "end_date": ("miss_missing_episode_end_date", _col(m, "miss_missing_episode_end_date")),
            "kind": ("miss_missing_episode_type", kind.where(kind.notna(), words).astype(object)),
        },
        b.rows("ssd_missing"),
    )


def _allocated(b: _Builder, roles: Iterable[str]) -> np.ndarray:
    i = b.tables["ssd_involvements"]
    wanted = {" ".join(r.split()).casefold() for r in roles}
    role = _text(_col(i, "invo_professional_role_id")).astype("string")
    role = role.str.split().str.join(" ").str.casefold()
    return role.isin(list(wanted)).fillna(False).to_numpy(dtype=bool)


def _workers(b: _Builder, allocated: np.ndarray | None) -> None:
    w = b.tables["ssd_professionals"]
    team = _text(_col(w, "prof_professional_department"))
    if allocated is not None:
        team = _involvement_teams(b, allocated, _text(_col(w, "prof_professional_id"))).where(
            lambda s: s.notna(), team
        )
    b.add(
        "workers",
        "ssd_professionals",
        {
            "worker_id": ("prof_professional_id", _col(w, "prof_professional_id")),
            "team": (
                "invo_professional_team (ssd_involvements), else prof_professional_department",
                team,
            ),
            "fte": ("prof_full_time_equivalency", _col(w, "prof_full_time_equivalency")),
            "role": ("prof_professional_job_title", _col(w, "prof_professional_job_title")),
        },
        b.rows("ssd_professionals"),
    )


def _involvement_teams(b: _Builder, allocated: np.ndarray, workers: pd.Series) -> pd.Series:
    """Each worker's team as its latest allocated involvement names it (the team's name from
    ``ssd_department`` when the involvement holds its id)."""
    i = b.tables["ssd_involvements"].loc[allocated]
    frame = pd.DataFrame(
        {
            "worker": _text(_col(i, "invo_professional_id")).to_numpy(dtype=object),
            "team": _text(_col(i, "invo_professional_team")).to_numpy(dtype=object),
            "start": _days(_col(i, "invo_involvement_start_date")),
        }
    )
    frame = frame[frame["worker"].notna() & frame["team"].notna()]
    if "ssd_department" in b.tables:
        d = b.tables["ssd_department"]
        names = pd.Series(
            _text(_col(d, "dept_team_name")).to_numpy(dtype=object),
            index=_text(_col(d, "dept_team_id")).to_numpy(dtype=object),
        )
        names = names[names.index.notna() & names.notna()]
        names = names[~names.index.duplicated()]
        named = frame["team"].map(names)
        frame["team"] = named.where(named.notna(), frame["team"])
    latest = frame.sort_values("start", kind="stable").drop_duplicates("worker", keep="last")
    return workers.map(latest.set_index("worker")["team"]).astype(object)


def _allocations(b: _Builder, allocated: np.ndarray, roles: tuple[str, ...]) -> None:
    i = b.tables["ssd_involvements"]
    b.leave_out(
        "allocations",
        "ssd_involvements",
        allocated,
        f"other roles than the allocated worker ({', '.join(roles)})",
    )
    i = i.loc[allocated]
    b.add(
        "allocations",
        "ssd_involvements",
        {
            "child_id": ("invo_person_id", _col(i, "invo_person_id")),
            "worker_id": ("invo_professional_id", _col(i, "invo_professional_id")),
            "start_date": ("invo_involvement_start_date", _col(i, "invo_involvement_start_date")),
            "end_date": ("invo_involvement_end_date", _col(i, "invo_involvement_end_date")),
        },
        b.rows("ssd_involvements")[allocated],
    )


#: Not carried, per SSD table: the fields no canonical column takes (listed with counts).
def _carried_fields() -> dict[str, set[str]]:
    return {
        "ssd_person": {"pers_person_id", "pers_dob", "pers_sex", "pers_ethnicity"},
        "ssd_disability": {"disa_person_id", "disa_disability_code", "disa_table_id"},
        "ssd_contacts": {
            "cont_contact_id",
            "cont_person_id",
            "cont_contact_date",
            "cont_contact_outcome_json",
        },
        "ssd_cin_episodes": {
            "cine_referral_id",
            "cine_person_id",
            "cine_referral_date",
            "cine_referral_source_code",
            "cine_referral_nfa",
            "cine_close_reason",
            "cine_close_date",
        },
        "ssd_cin_assessments": {
            "cina_assessment_id",
            "cina_person_id",
            "cina_referral_id",
            "cina_assessment_start_date",
            "cina_assessment_auth_date",
        },
        "ssd_s47_enquiry": {
            "s47e_s47_enquiry_id",
            "s47e_person_id",
            "s47e_s47_start_date",
            "s47e_s47_outcome_json",
        },
        "ssd_initial_cp_conference": {"icpc_icpc_id", "icpc_s47_enquiry_id", "icpc_icpc_date"},
        "ssd_cp_plans": {
            "cppl_cp_plan_id",
            "cppl_person_id",
            "cppl_cp_plan_start_date",
            "cppl_cp_plan_end_date",
            "cppl_cp_plan_initial_category",
        },
        "ssd_cp_reviews": {
            "cppr_cp_review_id",
            "cppr_person_id",
            "cppr_cp_plan_id",
            "cppr_cp_review_date",
        },
        "ssd_cp_visits": {
            "cppv_cp_visit_id",
            "cppv_person_id",
            "cppv_cp_visit_date",
            "cppv_cp_visit_seen",
            "cppv_cp_visit_seen_alone",
        },
        "ssd_cin_plans": {
            "cinp_cin_plan_id",
            "cinp_person_id",
            "cinp_cin_plan_start_date",
            "cinp_cin_plan_end_date",
        },
        "ssd_cin_visits": {
            "cinv_cin_visit_id",
            "cinv_person_id",
            "cinv_cin_visit_date",
            "cinv_cin_visit_seen",
            "cinv_cin_visit_seen_alone",
        },
        "ssd_cla_episodes": {
            "clae_cla_episode_id",
            "clae_person_id",
            "clae_cla_placement_id",
            "clae_cla_episode_start_date",
            "clae_cla_episode_start_reason",
            "clae_cla_primary_need_code",
            "clae_cla_episode_ceased_date",
            "clae_cla_episode_ceased_reason",
            "clae_cla_id",
        },
        "ssd_cla_placement": {
            "clap_cla_placement_id",
            "clap_person_id",
            "clap_cla_placement_start_date",
            "clap_cla_placement_type",
            "clap_cla_placement_provider",
            "clap_cla_placement_end_date",
            "clap_cla_placement_change_reason",
            "clap_cla_id",
        },
        "ssd_legal_status": {
            "lega_legal_status_id",
            "lega_person_id",
            "lega_legal_status",
            "lega_legal_status_start_date",
            "lega_legal_status_end_date",
        },
        "ssd_cla_reviews": {
            "clar_cla_review_id",
            "clar_cla_id",
            "clar_cla_review_date",
            "clar_cla_review_cancelled",
        },
        "ssd_cla_visits": {
            "clav_cla_visit_id",
            "clav_cla_id",
            "clav_person_id",
            "clav_cla_visit_date",
            "clav_cla_visit_seen",
            "clav_cla_visit_seen_alone",
        },
        "ssd_permanence": {
            "perm_table_id",
            "perm_person_id",
            "perm_adm_decision_date",
            "perm_placement_order_date",
            "perm_matched_date",
            "perm_placed_for_adoption_date",
            "perm_adopted_by_carer_flag",
            "perm_decision_reversed_date",
            "perm_permanence_order_date",
            "perm_permanence_order_type",
        },
        "ssd_missing": {
            "miss_table_id",
            "miss_person_id",
            "miss_missing_episode_start_date",
            "miss_missing_episode_type",
            "miss_missing_episode_end_date",
        },
        "ssd_professionals": {
            "prof_professional_id",
            "prof_professional_department",
            "prof_full_time_equivalency",
            "prof_professional_job_title",
        },
        "ssd_department": {"dept_team_id", "dept_team_name"},
        "ssd_involvements": {
            "invo_involvements_id",
            "invo_professional_id",
            "invo_professional_role_id",
            "invo_professional_team",
            "invo_person_id",
            "invo_involvement_start_date",
            "invo_involvement_end_date",
        },
        "ssd_care_leavers": set(),
        "ssd_cla_care_plan": set(),
    }


def _not_carried_notes(b: _Builder) -> None:
    carried = _carried_fields()
    for name, frame in b.tables.items():
        keep = carried.get(name, set())
        counts = []
        for field, _ in SSD_TABLES.get(name, ()):
            if field in keep or field not in frame.columns:
                continue
            n = int(frame[field].notna().sum())
            if n:
                counts.append(f"{field} ({n:,} non-empty)")
        if name in NOT_CARRIED_TABLES:
            b.extract.note(
                b.label(name),
                f"not carried ({len(frame):,} rows): {NOT_CARRIED_TABLES[name]}",
            )
        elif counts:
            b.extract.note(b.label(name), f"not carried: {', '.join(counts)}")


#: The builders, in order, with the canonical table each fills.
_STEPS: tuple[tuple[str, Callable[[_Builder], None]], ...] = (
    ("children", _children),
    ("contacts", _contacts),
    ("referrals", _referrals),
    ("assessments", _assessments),
    ("section47", _section47),
    ("cp_plans", _cp_plans),
    ("cp_reviews", _cp_reviews),
    ("cin_plans", _cin_plans),
    ("care_episodes", _care_episodes),
    ("cla_reviews", _cla_reviews),
    ("visits", _visits),
    ("adoptions", _adoptions),
    ("missing", _missing),
)


def ssd_extract(
    tables: Mapping[str, pd.DataFrame],
    *,
    labels: Mapping[str, str] | None = None,
    missing: Iterable[str] = (),
    allocated_roles: Iterable[str] = DEFAULT_ALLOCATED_ROLES,
) -> Extract:
    """The canonical rows of the SSD tables read (see the module docstring and
    ``docs/ssd.md``).

    Parameters
    ----------
    tables
        Rows per SSD table, columns named as the SSD names them (lower case).
    labels
        How each table is named in findings (``schema.table``); default its name.
    missing
        SSD tables the database lacks: each canonical table built from one is not supplied,
        and a note says why (its indicators are then not computable, with the reason).
    allocated_roles
        The ``invo_professional_role_id`` values that make an involvement an allocation.
    """
    b = _Builder(tables, labels or {})
    absent = set(missing)
    for table, step in _STEPS:
        lacking = [n for n in NEEDS[table] if n not in b.tables]
        if lacking:
            _not_supplied(b, table, lacking, absent)
            continue
        step(b)
    roles = tuple(allocated_roles)
    allocated = _allocated(b, roles) if "ssd_involvements" in b.tables else None
    if "ssd_professionals" in b.tables:
        _workers(b, allocated)
    else:
        _not_supplied(b, "workers", ["ssd_professionals"], absent)
    if allocated is not None:
        _allocations(b, allocated, roles)
    else:
        _not_supplied(b, "allocations", ["ssd_involvements"], absent)
    _not_carried_notes(b)
    return b.extract


def _not_supplied(b: _Builder, table: str, lacking: list[str], absent: set[str]) -> None:
    why = "not in the database" if set(lacking) <= absent else "not read"
    b.extract.notes.append(
        f"{table}: NOT SUPPLIED: {', '.join(lacking)} {why}; the indicators that read {table} "
        "are not computable"
    )
