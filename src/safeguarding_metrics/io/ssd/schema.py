"""The SSD tables this library reads and writes, with the types the published deployment
script gives them (Standard Safeguarding Dataset v1.4.0, the SystemC/Liquidlogic script of
January 2026, Data to Insight, MIT licence).

Only facts about the schema are kept here (table and field names, SQL Server types, in the
script's column order); the data model's descriptions and guidance are in its own repository.
:func:`sql_type` turns a published type into a SQLAlchemy type, so that the writer creates the
tables as a council's deployment does (``nvarchar(48)``, ``datetime``, ``nchar(1)``...) on SQL
Server, and the nearest type elsewhere (PostgreSQL, SQLite, DuckDB).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

__all__ = ["SSD_TABLES", "SSD_VERSION", "sql_type", "sqlalchemy_table"]

#: The version of the SSD the tables follow.
SSD_VERSION = "1.4.0"

#: Per SSD table, its fields and published SQL Server types, in the deployment script's order.
SSD_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "ssd_person": (
        ("pers_legacy_id", "nvarchar(48)"),
        ("pers_person_id", "nvarchar(48)"),
        ("pers_upn", "nvarchar(13)"),
        ("pers_forename", "nvarchar(100)"),
        ("pers_surname", "nvarchar(255)"),
        ("pers_sex", "nvarchar(20)"),
        ("pers_gender", "nvarchar(10)"),
        ("pers_ethnicity", "nvarchar(48)"),
        ("pers_dob", "datetime"),
        ("pers_single_unique_id", "nvarchar(48)"),
        ("pers_upn_unknown", "nvarchar(6)"),
        ("pers_send_flag", "nchar(5)"),
        ("pers_expected_dob", "datetime"),
        ("pers_death_date", "datetime"),
        ("pers_is_mother", "nchar(1)"),
        ("pers_nationality", "nvarchar(48)"),
    ),
    "ssd_disability": (
        ("disa_table_id", "nvarchar(48)"),
        ("disa_person_id", "nvarchar(48)"),
        ("disa_disability_code", "nvarchar(48)"),
    ),
    "ssd_contacts": (
        ("cont_contact_id", "nvarchar(48)"),
        ("cont_person_id", "nvarchar(48)"),
        ("cont_contact_date", "datetime"),
        ("cont_contact_source_code", "nvarchar(48)"),
        ("cont_contact_source_desc", "nvarchar(255)"),
        ("cont_contact_outcome_json", "nvarchar(4000)"),
    ),
    "ssd_cin_episodes": (
        ("cine_referral_id", "nvarchar(48)"),
        ("cine_person_id", "nvarchar(48)"),
        ("cine_referral_date", "datetime"),
        ("cine_cin_primary_need_code", "nvarchar(3)"),
        ("cine_referral_source_code", "nvarchar(48)"),
        ("cine_referral_source_desc", "nvarchar(255)"),
        ("cine_referral_outcome_json", "nvarchar(4000)"),
        ("cine_referral_nfa", "nchar(1)"),
        ("cine_close_reason", "nvarchar(100)"),
        ("cine_close_date", "datetime"),
        ("cine_referral_team", "nvarchar(48)"),
        ("cine_referral_worker_id", "nvarchar(48)"),
    ),
    "ssd_cin_assessments": (
        ("cina_assessment_id", "nvarchar(48)"),
        ("cina_person_id", "nvarchar(48)"),
        ("cina_referral_id", "nvarchar(48)"),
        ("cina_assessment_start_date", "datetime"),
        ("cina_assessment_child_seen", "nchar(1)"),
        ("cina_assessment_auth_date", "datetime"),
        ("cina_assessment_outcome_json", "nvarchar(1000)"),
        ("cina_assessment_outcome_nfa", "nchar(1)"),
        ("cina_assessment_team", "nvarchar(48)"),
        ("cina_assessment_worker_id", "nvarchar(100)"),
    ),
    "ssd_s47_enquiry": (
        ("s47e_s47_enquiry_id", "nvarchar(48)"),
        ("s47e_referral_id", "nvarchar(48)"),
        ("s47e_person_id", "nvarchar(48)"),
        ("s47e_s47_start_date", "datetime"),
        ("s47e_s47_end_date", "datetime"),
        ("s47e_s47_nfa", "nchar(1)"),
        ("s47e_s47_outcome_json", "nvarchar(1000)"),
        ("s47e_s47_completed_by_team", "nvarchar(48)"),
        ("s47e_s47_completed_by_worker_id", "nvarchar(100)"),
    ),
    "ssd_initial_cp_conference": (
        ("icpc_icpc_id", "nvarchar(48)"),
        ("icpc_icpc_meeting_id", "nvarchar(48)"),
        ("icpc_s47_enquiry_id", "nvarchar(48)"),
        ("icpc_person_id", "nvarchar(48)"),
        ("icpc_cp_plan_id", "nvarchar(48)"),
        ("icpc_referral_id", "nvarchar(48)"),
        ("icpc_icpc_transfer_in", "nchar(1)"),
        ("icpc_icpc_target_date", "datetime"),
        ("icpc_icpc_date", "datetime"),
        ("icpc_icpc_outcome_cp_flag", "nchar(1)"),
        ("icpc_icpc_outcome_json", "nvarchar(1000)"),
        ("icpc_icpc_team", "nvarchar(48)"),
        ("icpc_icpc_worker_id", "nvarchar(100)"),
    ),
    "ssd_cp_plans": (
        ("cppl_cp_plan_id", "nvarchar(48)"),
        ("cppl_referral_id", "nvarchar(48)"),
        ("cppl_icpc_id", "nvarchar(48)"),
        ("cppl_person_id", "nvarchar(48)"),
        ("cppl_cp_plan_start_date", "datetime"),
        ("cppl_cp_plan_end_date", "datetime"),
        ("cppl_cp_plan_ola", "nchar(1)"),
        ("cppl_cp_plan_initial_category", "nvarchar(100)"),
        ("cppl_cp_plan_latest_category", "nvarchar(100)"),
    ),
    "ssd_cp_reviews": (
        ("cppr_cp_review_id", "nvarchar(48)"),
        ("cppr_person_id", "nvarchar(48)"),
        ("cppr_cp_plan_id", "nvarchar(48)"),
        ("cppr_cp_review_due", "datetime"),
        ("cppr_cp_review_date", "datetime"),
        ("cppr_cp_review_meeting_id", "nvarchar(48)"),
        ("cppr_cp_review_outcome_continue_cp", "nchar(1)"),
        ("cppr_cp_review_quorate", "nvarchar(100)"),
        ("cppr_cp_review_participation", "nvarchar(100)"),
    ),
    "ssd_cp_visits": (
        ("cppv_cp_visit_id", "nvarchar(48)"),
        ("cppv_person_id", "nvarchar(48)"),
        ("cppv_cp_plan_id", "nvarchar(48)"),
        ("cppv_cp_visit_date", "datetime"),
        ("cppv_cp_visit_seen", "nchar(1)"),
        ("cppv_cp_visit_seen_alone", "nchar(1)"),
        ("cppv_cp_visit_bedroom", "nchar(1)"),
    ),
    "ssd_cin_plans": (
        ("cinp_cin_plan_id", "nvarchar(48)"),
        ("cinp_referral_id", "nvarchar(48)"),
        ("cinp_person_id", "nvarchar(48)"),
        ("cinp_cin_plan_start_date", "datetime"),
        ("cinp_cin_plan_end_date", "datetime"),
        ("cinp_cin_plan_team", "nvarchar(48)"),
        ("cinp_cin_plan_worker_id", "nvarchar(100)"),
    ),
    "ssd_cin_visits": (
        ("cinv_cin_visit_id", "nvarchar(48)"),
        ("cinv_person_id", "nvarchar(48)"),
        ("cinv_cin_visit_date", "datetime"),
        ("cinv_cin_visit_seen", "nchar(1)"),
        ("cinv_cin_visit_seen_alone", "nchar(1)"),
        ("cinv_cin_visit_bedroom", "nchar(1)"),
    ),
    "ssd_cla_episodes": (
        ("clae_cla_episode_id", "nvarchar(48)"),
        ("clae_person_id", "nvarchar(48)"),
        ("clae_cla_placement_id", "nvarchar(48)"),
        ("clae_cla_episode_start_date", "datetime"),
        ("clae_cla_episode_start_reason", "nvarchar(100)"),
        ("clae_cla_primary_need_code", "nvarchar(3)"),
        ("clae_cla_episode_ceased_date", "datetime"),
        ("clae_cla_episode_ceased_reason", "nvarchar(255)"),
        ("clae_cla_id", "nvarchar(48)"),
        ("clae_referral_id", "nvarchar(48)"),
        ("clae_cla_last_iro_contact_date", "datetime"),
        ("clae_entered_care_date", "datetime"),
    ),
    "ssd_cla_placement": (
        ("clap_cla_placement_id", "nvarchar(48)"),
        ("clap_cla_id", "nvarchar(48)"),
        ("clap_person_id", "nvarchar(48)"),
        ("clap_cla_placement_start_date", "datetime"),
        ("clap_cla_placement_type", "nvarchar(100)"),
        ("clap_cla_placement_urn", "nvarchar(48)"),
        ("clap_cla_placement_distance", "float"),
        ("clap_cla_placement_provider", "nvarchar(48)"),
        ("clap_cla_placement_postcode", "nvarchar(8)"),
        ("clap_cla_placement_end_date", "datetime"),
        ("clap_cla_placement_change_reason", "nvarchar(100)"),
    ),
    "ssd_legal_status": (
        ("lega_legal_status_id", "nvarchar(48)"),
        ("lega_person_id", "nvarchar(48)"),
        ("lega_legal_status", "nvarchar(100)"),
        ("lega_legal_status_start_date", "datetime"),
        ("lega_legal_status_end_date", "datetime"),
    ),
    "ssd_cla_reviews": (
        ("clar_cla_review_id", "nvarchar(48)"),
        ("clar_cla_id", "nvarchar(48)"),
        ("clar_cla_review_due_date", "datetime"),
        ("clar_cla_review_date", "datetime"),
        ("clar_cla_review_cancelled", "nchar(1)"),
        ("clar_cla_review_participation", "nvarchar(100)"),
    ),
    "ssd_cla_visits": (
        ("clav_cla_visit_id", "nvarchar(48)"),
        ("clav_cla_id", "nvarchar(48)"),
        ("clav_person_id", "nvarchar(48)"),
        ("clav_cla_visit_date", "datetime"),
        ("clav_cla_visit_seen", "nchar(1)"),
        ("clav_cla_visit_seen_alone", "nchar(1)"),
    ),
    "ssd_cla_care_plan": (
        ("lacp_table_id", "nvarchar(48)"),
        ("lacp_person_id", "nvarchar(48)"),
        ("lacp_cla_care_plan_start_date", "datetime"),
        ("lacp_cla_care_plan_end_date", "datetime"),
        ("lacp_cla_care_plan_json", "nvarchar(1000)"),
    ),
    "ssd_permanence": (
        ("perm_table_id", "nvarchar(48)"),
        ("perm_person_id", "nvarchar(48)"),
        ("perm_cla_id", "nvarchar(48)"),
        ("perm_adm_decision_date", "datetime"),
        ("perm_part_of_sibling_group", "nchar(1)"),
        ("perm_siblings_placed_together", "int"),
        ("perm_siblings_placed_apart", "int"),
        ("perm_ffa_cp_decision_date", "datetime"),
        ("perm_placement_order_date", "datetime"),
        ("perm_matched_date", "datetime"),
        ("perm_adopter_sex", "nvarchar(48)"),
        ("perm_adopter_legal_status", "nvarchar(100)"),
        ("perm_number_of_adopters", "int"),
        ("perm_placed_for_adoption_date", "datetime"),
        ("perm_adopted_by_carer_flag", "nchar(1)"),
        ("perm_placed_foster_carer_date", "datetime"),
        ("perm_placed_ffa_cp_date", "datetime"),
        ("perm_placement_provider_urn", "nvarchar(48)"),
        ("perm_decision_reversed_date", "datetime"),
        ("perm_decision_reversed_reason", "nvarchar(100)"),
        ("perm_permanence_order_date", "datetime"),
        ("perm_permanence_order_type", "nvarchar(100)"),
        ("perm_adoption_worker_id", "nvarchar(100)"),
    ),
    "ssd_missing": (
        ("miss_table_id", "nvarchar(48)"),
        ("miss_person_id", "nvarchar(48)"),
        ("miss_missing_episode_start_date", "datetime"),
        ("miss_missing_episode_type", "nvarchar(100)"),
        ("miss_missing_episode_end_date", "datetime"),
        ("miss_missing_rhi_offered", "nvarchar(2)"),
        ("miss_missing_rhi_accepted", "nvarchar(2)"),
    ),
    "ssd_care_leavers": (
        ("clea_table_id", "nvarchar(48)"),
        ("clea_person_id", "nvarchar(48)"),
        ("clea_care_leaver_eligibility", "nvarchar(100)"),
        ("clea_care_leaver_in_touch", "nvarchar(100)"),
        ("clea_care_leaver_latest_contact", "datetime"),
        ("clea_care_leaver_accommodation", "nvarchar(100)"),
        ("clea_care_leaver_accom_suitable", "nvarchar(100)"),
        ("clea_care_leaver_activity", "nvarchar(100)"),
        ("clea_pathway_plan_review_date", "datetime"),
        ("clea_care_leaver_personal_advisor", "nvarchar(100)"),
        ("clea_care_leaver_allocated_team", "nvarchar(48)"),
        ("clea_care_leaver_worker_id", "nvarchar(100)"),
    ),
    "ssd_professionals": (
        ("prof_professional_id", "nvarchar(48)"),
        ("prof_staff_id", "nvarchar(48)"),
        ("prof_professional_name", "nvarchar(300)"),
        ("prof_social_worker_registration_no", "nvarchar(48)"),
        ("prof_agency_worker_flag", "nchar(1)"),
        ("prof_professional_job_title", "nvarchar(500)"),
        ("prof_professional_caseload", "int"),
        ("prof_professional_department", "nvarchar(100)"),
        ("prof_full_time_equivalency", "float"),
    ),
    "ssd_department": (
        ("dept_team_id", "nvarchar(48)"),
        ("dept_team_name", "nvarchar(255)"),
        ("dept_team_parent_id", "nvarchar(48)"),
        ("dept_team_parent_name", "nvarchar(255)"),
    ),
    "ssd_involvements": (
        ("invo_involvements_id", "nvarchar(48)"),
        ("invo_professional_id", "nvarchar(48)"),
        ("invo_professional_role_id", "nvarchar(200)"),
        ("invo_professional_team", "nvarchar(48)"),
        ("invo_person_id", "nvarchar(48)"),
        ("invo_involvement_start_date", "datetime"),
        ("invo_involvement_end_date", "datetime"),
        ("invo_worker_change_reason", "nvarchar(200)"),
        ("invo_referral_id", "nvarchar(48)"),
    ),
}


_SIZED = re.compile(r"(?P<name>[a-z]+)\((?P<size>max|\d+)\)", re.IGNORECASE)


def sql_type(published: str) -> sa.types.TypeEngine:
    """The SQLAlchemy type of a published SSD type (``nvarchar(48)``, ``nchar(1)``,
    ``datetime``, ``float``, ``int``, ``bit``): the exact type on SQL Server, the generic one
    elsewhere (``VARCHAR(48)``, ``TIMESTAMP``...).

    Raises
    ------
    ValueError
        A type the deployment script does not use.
    """
    text = published.strip().lower()
    sized = _SIZED.fullmatch(text)
    if sized:
        name, size = sized["name"], sized["size"]
        length = None if size == "max" else int(size)
        if name == "nvarchar":
            if length is None:
                return sa.UnicodeText().with_variant(mssql.NVARCHAR(None), "mssql")
            return sa.Unicode(length).with_variant(mssql.NVARCHAR(length), "mssql")
        if name == "nchar":
            return sa.Unicode(length).with_variant(mssql.NCHAR(length), "mssql")
        if name == "varchar":
            return sa.String(length)
    simple: dict[str, sa.types.TypeEngine] = {
        "datetime": sa.DateTime().with_variant(mssql.DATETIME(), "mssql"),
        "date": sa.Date(),
        "float": sa.Float(),
        "int": sa.Integer(),
        "tinyint": sa.SmallInteger(),
        "bit": sa.Boolean(),
    }
    if text in simple:
        return simple[text]
    raise ValueError(f"an SSD type this library does not know: {published!r}")


def sqlalchemy_table(name: str, metadata: sa.MetaData, schema: str | None = None) -> sa.Table:
    """The SSD table ``name`` as a SQLAlchemy table with its published column types (no
    constraints: a deployment's keys and indexes are its own)."""
    columns = [sa.Column(field, sql_type(kind)) for field, kind in SSD_TABLES[name]]
    return sa.Table(name, metadata, *columns, schema=schema)
