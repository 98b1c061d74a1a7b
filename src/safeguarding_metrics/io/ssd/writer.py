"""Writing a canonical dataset into SSD tables: for the demo, the tests, and a council that
wants to try the SSD route on data it already holds in canonical form.

:func:`ssd_frames` builds, from the canonical tables, the rows of each SSD table (pure pandas,
no database); :func:`write_ssd` creates the tables with their published types
(:mod:`.schema`) and inserts the rows through SQLAlchemy. The mapping is the reader's
(:mod:`.mapping`) run backwards, so that reading back gives the canonical tables wherever the
SSD carries them; ``docs/ssd.md`` lists what the SSD cannot hold (a contact's decision time,
plan updates, care leavers' records at each birthday, ``long_term``, ``previous_plans``).

Episodes of care become the SSD's three tables: each canonical episode is a row of
``ssd_cla_episodes``; a period of care (a run of episodes from an ``S`` episode, each starting
the day the previous one ended) shares one ``clae_cla_id``; a placement is a run of episodes
of one period with the same placement and provider, joined by a change of legal status only
(``RNE`` L) and with no reason for a placement change between them; a legal status row covers
a run of episodes of one period with the same legal status.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..common import normalise_frame
from .codes import CATEGORY_WORDS, CONTACT_FLAGS, DEFAULT_ALLOCATED_ROLES, SEX_TO_SSD, flag_values
from .schema import SSD_TABLES, sqlalchemy_table

__all__ = ["SsdWritten", "ssd_frames", "write_ssd"]

#: Rows inserted per statement batch.
INSERT_CHUNK = 20_000

#: Canonical contact outcomes and the flag of ``cont_contact_outcome_json`` that says them.
_OUTCOME_FLAGS = {label.upper(): key for key, label in CONTACT_FLAGS.items()}
_OUTCOME_FLAGS.update({"EARLY HELP": "OTHER_OUTCOMES_EXIST_FLAG", "NFA": "NFA_FLAG"})


@attrs.frozen(kw_only=True)
class SsdWritten:
    """What :func:`write_ssd` wrote: rows per SSD table, and what the SSD could not hold."""

    rows: Mapping[str, int]
    notes: tuple[str, ...]


def _canonical(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The canonical tables as canonical text (ISO dates, true/false), whatever their types."""
    return {name: normalise_frame(name, frame) for name, frame in frames.items() if len(frame)}


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="ISO8601")


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column, or missing throughout when the table lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), 8)).astype(object)


def _person(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    children = t["children"]
    person = pd.DataFrame(
        {
            "pers_person_id": children["child_id"],
            "pers_sex": _col(children, "sex").map(SEX_TO_SSD),
            "pers_ethnicity": _col(children, "ethnicity"),
            "pers_dob": _dates(_col(children, "date_of_birth")),
        }
    )
    codes = _col(children, "disability").astype("string").str.split(",").explode().str.strip()
    codes = codes[codes.notna() & (codes != "")]
    disability = pd.DataFrame(
        {
            "disa_table_id": _ids("D", len(codes)),
            "disa_person_id": children["child_id"].loc[codes.index].to_numpy(),
            "disa_disability_code": codes.to_numpy(dtype=object),
        }
    )
    return {"ssd_person": person, "ssd_disability": disability}


def _contacts(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    contacts = t["contacts"]
    outcome = _col(contacts, "outcome").astype("string").str.strip().str.upper()
    flag = outcome.map(_OUTCOME_FLAGS)
    flag = flag.where(flag.notna() | outcome.isna(), "OTHER_OUTCOMES_EXIST_FLAG")
    texts = {
        key: json.dumps({k: ("Y" if k == key else "N") for k in CONTACT_FLAGS})
        for key in CONTACT_FLAGS
    }
    return {
        "ssd_contacts": pd.DataFrame(
            {
                "cont_contact_id": contacts["contact_id"],
                "cont_person_id": contacts["child_id"],
                "cont_contact_date": _dates(contacts["received_at"]),
                "cont_contact_outcome_json": flag.map(texts).astype(object),
            }
        )
    }


def _referrals(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    r = t["referrals"]
    return {
        "ssd_cin_episodes": pd.DataFrame(
            {
                "cine_referral_id": r["referral_id"],
                "cine_person_id": r["child_id"],
                "cine_referral_date": _dates(r["referral_date"]),
                "cine_referral_source_code": _col(r, "source"),
                "cine_referral_nfa": flag_values(_col(r, "nfa")),
                "cine_close_reason": _col(r, "closure_reason"),
                "cine_close_date": _dates(_col(r, "closure_date")),
            }
        )
    }


def _assessments(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    a = t["assessments"]
    return {
        "ssd_cin_assessments": pd.DataFrame(
            {
                "cina_assessment_id": a["assessment_id"],
                "cina_person_id": a["child_id"],
                "cina_referral_id": _col(a, "referral_id"),
                "cina_assessment_start_date": _dates(a["start_date"]),
                "cina_assessment_auth_date": _dates(_col(a, "authorised_date")),
            }
        )
    }


def _section47(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    s = t["section47"]
    conference = flag_values(_col(s, "icpc_not_required")).map({"Y": "N", "N": "Y"})
    outcome = conference.map(lambda flag: json.dumps({"CP_CONFERENCE_FLAG": flag}))
    enquiries = pd.DataFrame(
        {
            "s47e_s47_enquiry_id": s["s47_id"],
            "s47e_person_id": s["child_id"],
            "s47e_s47_start_date": _dates(s["start_date"]),
            "s47e_s47_outcome_json": outcome.where(conference.notna(), None),
        }
    )
    held = s.loc[_col(s, "icpc_date").notna()]
    conferences = pd.DataFrame(
        {
            "icpc_icpc_id": (held["s47_id"].astype(str) + "/ICPC").to_numpy(dtype=object),
            "icpc_s47_enquiry_id": held["s47_id"].to_numpy(dtype=object),
            "icpc_person_id": held["child_id"].to_numpy(dtype=object),
            "icpc_icpc_date": _dates(held["icpc_date"]).to_numpy(),
        }
    )
    return {"ssd_s47_enquiry": enquiries, "ssd_initial_cp_conference": conferences}


def _cp(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    if "cp_plans" in t:
        p = t["cp_plans"]
        out["ssd_cp_plans"] = pd.DataFrame(
            {
                "cppl_cp_plan_id": p["plan_id"],
                "cppl_person_id": p["child_id"],
                "cppl_cp_plan_start_date": _dates(p["start_date"]),
                "cppl_cp_plan_end_date": _dates(_col(p, "end_date")),
                "cppl_cp_plan_initial_category": _col(p, "initial_category").map(CATEGORY_WORDS),
            }
        )
    if "cp_reviews" in t:
        r = t["cp_reviews"]
        out["ssd_cp_reviews"] = pd.DataFrame(
            {
                "cppr_cp_review_id": _ids("CPR", len(r)),
                "cppr_person_id": r["child_id"].to_numpy(dtype=object),
                "cppr_cp_plan_id": r["plan_id"].to_numpy(dtype=object),
                "cppr_cp_review_date": _dates(r["review_date"]).to_numpy(),
            }
        )
    return out


def _cin_plans(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    p = t["cin_plans"]
    return {
        "ssd_cin_plans": pd.DataFrame(
            {
                "cinp_cin_plan_id": p["plan_id"],
                "cinp_person_id": p["child_id"],
                "cinp_cin_plan_start_date": _dates(p["start_date"]),
                "cinp_cin_plan_end_date": _dates(_col(p, "end_date")),
            }
        )
    }


@attrs.frozen
class _Periods:
    """Each episode's period of care and placement, in the episodes' sorted order."""

    episodes: pd.DataFrame  # sorted, with _cla, _placement, _legal (run numbers)
    starts: pd.DataFrame  # one row per period: child_id, start (datetime), cla_id


def _periods(episodes: pd.DataFrame) -> _Periods:
    e = episodes.sort_values(["child_id", "start_date"], kind="stable").reset_index(drop=True)
    child = e["child_id"].to_numpy(dtype=object)
    start, end = e["start_date"].to_numpy(dtype=object), e["end_date"].to_numpy(dtype=object)
    same_child = np.r_[False, child[1:] == child[:-1]]
    joined = np.r_[False, end[:-1] == start[1:]] & same_child
    new_period = ~joined | (e["rne"].to_numpy(dtype=object) == "S")
    cla = np.cumsum(new_period)

    def same_as_previous(column: str) -> np.ndarray:
        values = e[column].astype(object).where(e[column].notna(), "").to_numpy(dtype=object)
        return np.r_[False, values[1:] == values[:-1]]

    no_change_reason = np.r_[False, e["reason_place_change"].isna().to_numpy()[:-1]]
    same_placement = (
        ~new_period
        & (e["rne"].to_numpy(dtype=object) == "L")
        & same_as_previous("placement")
        & same_as_previous("provider")
        & no_change_reason
    )
    e["_cla"] = np.char.add("CLA", np.char.zfill(cla.astype(str), 7)).astype(object)
    e["_placement"] = np.cumsum(~same_placement)
    e["_legal"] = np.cumsum(new_period | ~same_as_previous("legal_status"))
    first = e.loc[new_period, ["child_id", "start_date", "_cla"]]
    starts = pd.DataFrame(
        {
            "child_id": first["child_id"].to_numpy(dtype=object),
            "start": _dates(first["start_date"]).to_numpy(),
            "cla_id": first["_cla"].to_numpy(dtype=object),
        }
    )
    return _Periods(episodes=e, starts=starts)


def _runs(e: pd.DataFrame, run: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first and last episode of each run (``run`` numbers consecutive episodes)."""
    numbers = e[run].to_numpy()
    first = np.r_[True, numbers[1:] != numbers[:-1]]
    last = np.r_[numbers[1:] != numbers[:-1], True]
    return e.loc[first].reset_index(drop=True), e.loc[last].reset_index(drop=True)


def _episodes(t: dict[str, pd.DataFrame], periods: _Periods) -> dict[str, pd.DataFrame]:
    e = periods.episodes
    placement_ids = _ids("P", int(e["_placement"].max()) if len(e) else 0)
    episodes = pd.DataFrame(
        {
            "clae_cla_episode_id": _ids("E", len(e)),
            "clae_person_id": e["child_id"],
            "clae_cla_placement_id": placement_ids[e["_placement"].to_numpy() - 1],
            "clae_cla_episode_start_date": _dates(e["start_date"]),
            "clae_cla_episode_start_reason": e["rne"],
            "clae_cla_primary_need_code": _col(e, "cin_category"),
            "clae_cla_episode_ceased_date": _dates(e["end_date"]),
            "clae_cla_episode_ceased_reason": _col(e, "reason_ceased"),
            "clae_cla_id": e["_cla"],
        }
    )
    first, last = _runs(e, "_placement")
    placements = pd.DataFrame(
        {
            "clap_cla_placement_id": placement_ids,
            "clap_cla_id": first["_cla"],
            "clap_person_id": first["child_id"],
            "clap_cla_placement_start_date": _dates(first["start_date"]),
            "clap_cla_placement_type": first["placement"],
            "clap_cla_placement_provider": _col(first, "provider"),
            "clap_cla_placement_end_date": _dates(last["end_date"]),
            "clap_cla_placement_change_reason": _col(last, "reason_place_change"),
        }
    )
    first, last = _runs(e, "_legal")
    legal = pd.DataFrame(
        {
            "lega_legal_status_id": _ids("L", len(first)),
            "lega_person_id": first["child_id"],
            "lega_legal_status": first["legal_status"],
            "lega_legal_status_start_date": _dates(first["start_date"]),
            "lega_legal_status_end_date": _dates(last["end_date"]),
        }
    )
    return {
        "ssd_cla_episodes": episodes,
        "ssd_cla_placement": placements,
        "ssd_legal_status": legal,
    }


def _period_of(periods: _Periods, child: pd.Series, day: pd.Series) -> np.ndarray:
    """The ``clae_cla_id`` of the period of care each (child, day) falls in: the latest
    period started on or before the day, else the child's first; missing for a child never
    looked after."""
    frame = pd.DataFrame(
        {"child_id": child.to_numpy(dtype=object), "day": _dates(day).to_numpy(), "_i": 0}
    )
    frame["_i"] = np.arange(len(frame))
    starts = periods.starts.sort_values("start")
    frame = frame.sort_values("day")
    known = frame["day"].notna()
    out = np.full(len(frame), None, dtype=object)
    for direction in ("backward", "forward"):
        merged = pd.merge_asof(
            frame.loc[known],
            starts,
            left_on="day",
            right_on="start",
            by="child_id",
            direction=direction,
        )
        blank = pd.isna(out[merged["_i"].to_numpy()])
        out[merged["_i"].to_numpy()[blank]] = merged["cla_id"].to_numpy(dtype=object)[blank]
    return out


def _looked_after(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    if "care_episodes" not in t:
        return {}
    periods = _periods(t["care_episodes"])
    out = _episodes(t, periods)
    if "cla_reviews" in t:
        r = t["cla_reviews"]
        out["ssd_cla_reviews"] = pd.DataFrame(
            {
                "clar_cla_review_id": _ids("CLAR", len(r)),
                "clar_cla_id": _period_of(periods, r["child_id"], r["review_date"]),
                "clar_cla_review_date": _dates(r["review_date"]).to_numpy(),
                "clar_cla_review_cancelled": "N",
            }
        )
    if "visits" in t:
        v = t["visits"].loc[t["visits"]["visit_type"] == "cla"]
        out["ssd_cla_visits"] = pd.DataFrame(
            {
                "clav_cla_visit_id": _ids("CLAV", len(v)),
                "clav_cla_id": _period_of(periods, v["child_id"], v["visit_date"]),
                "clav_person_id": v["child_id"].to_numpy(dtype=object),
                "clav_cla_visit_date": _dates(v["visit_date"]).to_numpy(),
                "clav_cla_visit_seen": "Y",
                "clav_cla_visit_seen_alone": flag_values(_col(v, "seen_alone")).to_numpy(),
            }
        )
    return out


def _other_visits(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    visits = t["visits"]
    out = {}
    for kind, table, prefix in (("cp", "ssd_cp_visits", "cppv"), ("cin", "ssd_cin_visits", "cinv")):
        v = visits.loc[visits["visit_type"] == kind]
        out[table] = pd.DataFrame(
            {
                f"{prefix}_{kind}_visit_id": _ids(prefix.upper(), len(v)),
                f"{prefix}_person_id": v["child_id"].to_numpy(dtype=object),
                f"{prefix}_{kind}_visit_date": _dates(v["visit_date"]).to_numpy(),
                f"{prefix}_{kind}_visit_seen": "Y",
                f"{prefix}_{kind}_visit_seen_alone": flag_values(_col(v, "seen_alone")).to_numpy(),
            }
        )
    return out


def _permanence(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    a = t["adoptions"]
    order = _dates(_col(a, "adoption_order_date"))
    return {
        "ssd_permanence": pd.DataFrame(
            {
                "perm_table_id": _ids("PERM", len(a)),
                "perm_person_id": a["child_id"].to_numpy(dtype=object),
                "perm_adm_decision_date": _dates(_col(a, "shobpa_date")).to_numpy(),
                "perm_placement_order_date": _dates(_col(a, "placement_order_date")).to_numpy(),
                "perm_matched_date": _dates(_col(a, "matched_date")).to_numpy(),
                "perm_placed_for_adoption_date": _dates(_col(a, "placed_date")).to_numpy(),
                "perm_adopted_by_carer_flag": flag_values(_col(a, "foster_carer")).to_numpy(),
                "perm_decision_reversed_date": _dates(_col(a, "shobpa_reversed_date")).to_numpy(),
                "perm_permanence_order_date": order.to_numpy(),
                "perm_permanence_order_type": pd.Series(
                    "Adoption", index=a.index, dtype=object
                ).where(order.notna(), None),
            }
        )
    }


def _missing(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    m = t["missing"]
    return {
        "ssd_missing": pd.DataFrame(
            {
                "miss_table_id": _ids("MISS", len(m)),
                "miss_person_id": m["child_id"].to_numpy(dtype=object),
                "miss_missing_episode_start_date": _dates(m["start_date"]).to_numpy(),
                "miss_missing_episode_type": m["kind"].map({"M": "Missing", "A": "Away"}),
                "miss_missing_episode_end_date": _dates(_col(m, "end_date")).to_numpy(),
            }
        )
    }


def _care_leavers(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The latest OC3 record of each care leaver, as the SSD holds it (one current row)."""
    c = t["care_leavers"].sort_values(["child_id", "recorded_date"])
    c = c.drop_duplicates("child_id", keep="last")
    accommodation = _col(c, "accommodation").astype("string")
    return {
        "ssd_care_leavers": pd.DataFrame(
            {
                "clea_table_id": _ids("CLEA", len(c)),
                "clea_person_id": c["child_id"].to_numpy(dtype=object),
                "clea_care_leaver_in_touch": _col(c, "in_touch").to_numpy(dtype=object),
                "clea_care_leaver_latest_contact": _dates(c["recorded_date"]).to_numpy(),
                "clea_care_leaver_accommodation": accommodation.str[:1].to_numpy(dtype=object),
                "clea_care_leaver_accom_suitable": accommodation.str[1:].to_numpy(dtype=object),
                "clea_care_leaver_activity": _col(c, "activity").to_numpy(dtype=object),
            }
        )
    }


def _workforce(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    teams = pd.Series(dtype=object)
    if "workers" in t:
        w = t["workers"]
        names = pd.unique(_col(w, "team").dropna())
        teams = pd.Series(_ids("T", len(names)), index=names, dtype=object)
        out["ssd_department"] = pd.DataFrame(
            {"dept_team_id": teams.to_numpy(), "dept_team_name": teams.index.to_numpy()}
        )
        out["ssd_professionals"] = pd.DataFrame(
            {
                "prof_professional_id": w["worker_id"],
                "prof_professional_job_title": _col(w, "role"),
                "prof_professional_department": _col(w, "team"),
                "prof_full_time_equivalency": pd.to_numeric(_col(w, "fte"), errors="coerce"),
            }
        )
    if "allocations" in t:
        a = t["allocations"]
        team_of = (
            t["workers"].set_index("worker_id")["team"].map(teams)
            if "workers" in t
            else pd.Series(dtype=object)
        )
        out["ssd_involvements"] = pd.DataFrame(
            {
                "invo_involvements_id": _ids("I", len(a)),
                "invo_professional_id": a["worker_id"].to_numpy(dtype=object),
                "invo_professional_role_id": DEFAULT_ALLOCATED_ROLES[0],
                "invo_professional_team": a["worker_id"].map(team_of).to_numpy(dtype=object),
                "invo_person_id": a["child_id"].to_numpy(dtype=object),
                "invo_involvement_start_date": _dates(a["start_date"]).to_numpy(),
                "invo_involvement_end_date": _dates(_col(a, "end_date")).to_numpy(),
            }
        )
    return out


#: Each builder and the canonical table it needs (``None``: it checks for itself).
_BUILDERS: tuple[tuple[str | None, Callable[[dict[str, pd.DataFrame]], dict[str, Any]]], ...] = (
    ("children", _person),
    ("contacts", _contacts),
    ("referrals", _referrals),
    ("assessments", _assessments),
    ("section47", _section47),
    (None, _cp),
    ("cin_plans", _cin_plans),
    (None, _looked_after),
    ("visits", _other_visits),
    ("adoptions", _permanence),
    ("missing", _missing),
    ("care_leavers", _care_leavers),
    (None, _workforce),
)

#: What the SSD cannot hold, said when the canonical tables carry it.
_NOT_HELD: tuple[tuple[str, str, str], ...] = (
    ("contacts", "decision_at", "the SSD has no contact decision date"),
    ("care_plans", "", "the SSD has no table of CP, CIN or care plan updates"),
    ("care_episodes", "long_term", "the SSD has no long-term placement flag"),
    ("cp_plans", "previous_plans", "the SSD has no count of previous plans"),
    (
        "care_leavers",
        "",
        "the SSD holds each care leaver's current record, not one at each birthday: only the "
        "latest is written",
    ),
)


def ssd_frames(frames: Mapping[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The SSD tables' rows for canonical tables, and what the SSD could not hold.

    Parameters
    ----------
    frames
        Canonical tables (text as in a canonical CSV, or typed values), by table name.

    Returns
    -------
    tables, notes
        Per SSD table, its rows (columns named and typed as the SSD's; missing columns are
        written empty); and one note per canonical table or column the SSD cannot hold.
    """
    t = _canonical(frames)
    out: dict[str, pd.DataFrame] = {}
    for needs, builder in _BUILDERS:
        if needs is None or needs in t:
            out.update(builder(t))
    notes = []
    for table, column, why in _NOT_HELD:
        if table not in t:
            continue
        if column and (column not in t[table] or t[table][column].isna().all()):
            continue
        what = f"{table}.{column}" if column else table
        notes.append(f"{what}: not written ({why})")
    return out, notes


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as dictionaries of Python values (``None`` for missing), every column named."""
    full = frame.reindex(columns=columns)
    data = {}
    for name in columns:
        values = full[name]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            objects = values.astype(object).where(values.notna(), None)
            data[name] = [None if v is None else v.to_pydatetime() for v in objects]
        else:
            data[name] = values.astype(object).where(values.notna(), None).tolist()
    return [dict(zip(columns, row, strict=True)) for row in zip(*data.values(), strict=True)]


def write_ssd(
    frames: Mapping[str, pd.DataFrame],
    url: str | sa.engine.URL | sa.engine.Engine,
    *,
    schema: str | None = None,
    replace: bool = False,
) -> SsdWritten:
    """Write canonical tables into a database as SSD tables with their published types.

    Parameters
    ----------
    frames
        Canonical tables by name (``synthetic.generate()``'s output, or tables read from a
        canonical folder).
    url
        A SQLAlchemy URL (``sqlite:///ssd.sqlite``, ``postgresql+psycopg://...``,
        ``duckdb:///ssd.duckdb``, ``mssql+pyodbc://...``) or an engine.
    schema
        The schema to create the tables in (default: the connection's own).
    replace
        Drop SSD tables of the same names first; otherwise an existing table is an error.

    Returns
    -------
    SsdWritten
        Rows written per table, and notes on what the SSD cannot hold.
    """
    tables, notes = ssd_frames(frames)
    engine = url if isinstance(url, sa.engine.Engine) else sa.create_engine(url)
    metadata = sa.MetaData()
    made = {name: sqlalchemy_table(name, metadata, schema) for name in tables}
    rows: dict[str, int] = {}
    with engine.begin() as connection:
        if replace:
            metadata.drop_all(connection, checkfirst=True)
        metadata.create_all(connection, checkfirst=False)
        for name, frame in tables.items():
            columns = [field for field, _ in SSD_TABLES[name]]
            records = _records(frame, columns)
            for begin in range(0, len(records), INSERT_CHUNK):
                connection.execute(made[name].insert(), records[begin : begin + INSERT_CHUNK])
            rows[name] = len(records)
    if not isinstance(url, sa.engine.Engine):
        engine.dispose()
    return SsdWritten(rows=rows, notes=tuple(notes))
