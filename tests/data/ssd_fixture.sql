-- A small Standard Safeguarding Dataset, written by hand from the SSD v1.4.0 object definitions
-- (table and field names, SQL Server types as SQLite takes them), independent of the library's
-- writer. tests/test_ssd.py works its figures out by hand. Children C1-C6, workers W1-W3.

CREATE TABLE ssd_person (
    pers_person_id NVARCHAR(48), pers_sex NVARCHAR(20), pers_ethnicity NVARCHAR(48),
    pers_dob DATETIME, pers_upn NVARCHAR(13)
);
INSERT INTO ssd_person VALUES
    ('C1', 'M', 'WBRI', '2010-01-15 00:00:00', 'A123456789012'),
    ('C2', 'F', 'WBRI', '2012-03-01 00:00:00', NULL),
    ('C3', 'U', 'MWBC', '2008-07-20 00:00:00', NULL),
    ('C4', 'F', 'WBRI', '2009-05-05 00:00:00', NULL),
    ('C5', 'M', 'AIND', '2006-11-30 00:00:00', NULL),
    ('C6', 'F', 'WBRI', '2014-02-02 00:00:00', NULL);

CREATE TABLE ssd_disability (
    disa_table_id NVARCHAR(48), disa_person_id NVARCHAR(48), disa_disability_code NVARCHAR(48)
);
INSERT INTO ssd_disability VALUES ('D1', 'C1', 'MOB'), ('D2', 'C1', 'HEAR'), ('D3', 'C2', 'NONE');

CREATE TABLE ssd_contacts (
    cont_contact_id NVARCHAR(48), cont_person_id NVARCHAR(48), cont_contact_date DATETIME,
    cont_contact_source_code NVARCHAR(48), cont_contact_outcome_json NVARCHAR(4000)
);
INSERT INTO ssd_contacts VALUES
    ('K1', 'C1', '2015-11-30 09:15:00', '1A',
     '{"NEW_REFERRAL_FLAG": "Y", "EXISTING_REFERRAL_FLAG": "N", "CP_ENQUIRY_FLAG": "N", "NFA_FLAG": "N", "NON_AGENCY_ADOPTION_FLAG": "N", "PRIVATE_FOSTERING_FLAG": "N", "ADVICE_FLAG": "N", "MISSING_FLAG": "N", "OLA_CP_FLAG": "N", "OTHER_OUTCOMES_EXIST_FLAG": "N"}'),
    ('K2', 'C2', '2015-12-09 16:40:00', '5A', '{"NFA_FLAG": "Y", "ADVICE_FLAG": "Y"}'),
    ('K3', 'C3', '2015-12-10 10:00:00', '6', 'not json');

CREATE TABLE ssd_cin_episodes (
    cine_referral_id NVARCHAR(48), cine_person_id NVARCHAR(48), cine_referral_date DATETIME,
    cine_cin_primary_need_code NVARCHAR(3), cine_referral_source_code NVARCHAR(48),
    cine_referral_nfa NCHAR(1), cine_close_reason NVARCHAR(100), cine_close_date DATETIME
);
INSERT INTO ssd_cin_episodes VALUES
    ('R1', 'C1', '2015-12-01 00:00:00', 'N1', '1A', 'N', NULL, NULL),
    ('R2', 'C2', '2015-12-10 00:00:00', 'N4', '5A', 'Y', 'RC8 - Case closed after assessment, no further action', '2015-12-11 00:00:00'),
    ('R3', 'C3', '2015-11-20 00:00:00', 'N1', '6', 'N', NULL, NULL),
    (NULL, 'C6', '2015-12-15 00:00:00', 'N1', '6', 'N', NULL, NULL);

CREATE TABLE ssd_cin_assessments (
    cina_assessment_id NVARCHAR(48), cina_person_id NVARCHAR(48), cina_referral_id NVARCHAR(48),
    cina_assessment_start_date DATETIME, cina_assessment_child_seen NCHAR(1),
    cina_assessment_auth_date DATETIME
);
INSERT INTO ssd_cin_assessments VALUES
    ('A1', 'C3', 'R3', '2015-11-02 00:00:00', 'Y', '2015-12-01 00:00:00'),
    ('A2', 'C1', 'R1', '2015-09-01 00:00:00', 'Y', '2015-12-03 00:00:00'),
    ('A3', 'C2', 'R2', '31/02/2015', 'Y', NULL);

CREATE TABLE ssd_s47_enquiry (
    s47e_s47_enquiry_id NVARCHAR(48), s47e_referral_id NVARCHAR(48), s47e_person_id NVARCHAR(48),
    s47e_s47_start_date DATETIME, s47e_s47_outcome_json NVARCHAR(1000)
);
INSERT INTO ssd_s47_enquiry VALUES
    ('S1', 'R1', 'C1', '2015-12-02 00:00:00', '{"CP_CONFERENCE_FLAG": "Y"}'),
    ('S2', 'R3', 'C3', '2015-11-23 00:00:00', '{"CP_CONFERENCE_FLAG": "N", "NFA_FLAG": "Y"}');

CREATE TABLE ssd_initial_cp_conference (
    icpc_icpc_id NVARCHAR(48), icpc_s47_enquiry_id NVARCHAR(48), icpc_person_id NVARCHAR(48),
    icpc_cp_plan_id NVARCHAR(48), icpc_icpc_date DATETIME
);
INSERT INTO ssd_initial_cp_conference VALUES ('IC1', 'S1', 'C1', 'CP1', '2015-12-16 00:00:00');

CREATE TABLE ssd_cp_plans (
    cppl_cp_plan_id NVARCHAR(48), cppl_person_id NVARCHAR(48), cppl_cp_plan_start_date DATETIME,
    cppl_cp_plan_end_date DATETIME, cppl_cp_plan_initial_category NVARCHAR(100)
);
INSERT INTO ssd_cp_plans VALUES
    ('CP1', 'C1', '2015-12-16 00:00:00', NULL, 'Neglect'),
    ('CP2', 'C6', '2015-06-10 00:00:00', NULL, 'Multiple: Neglect, Emotional abuse');

CREATE TABLE ssd_cp_reviews (
    cppr_cp_review_id NVARCHAR(48), cppr_person_id NVARCHAR(48), cppr_cp_plan_id NVARCHAR(48),
    cppr_cp_review_due DATETIME, cppr_cp_review_date DATETIME
);
INSERT INTO ssd_cp_reviews VALUES
    ('CR1', 'C6', 'CP2', '2015-09-09 00:00:00', '2015-09-01 00:00:00'),
    ('CR2', 'C6', 'CP2', '2016-03-01 00:00:00', NULL);

CREATE TABLE ssd_cp_visits (
    cppv_cp_visit_id NVARCHAR(48), cppv_person_id NVARCHAR(48), cppv_cp_plan_id NVARCHAR(48),
    cppv_cp_visit_date DATETIME, cppv_cp_visit_seen NCHAR(1), cppv_cp_visit_seen_alone NCHAR(1)
);
INSERT INTO ssd_cp_visits VALUES
    ('V1', 'C6', 'CP2', '2015-12-07 00:00:00', 'Y', 'N'),
    ('V2', 'C6', 'CP2', '2015-12-21 00:00:00', 'N', NULL);

CREATE TABLE ssd_cin_visits (
    cinv_cin_visit_id NVARCHAR(48), cinv_person_id NVARCHAR(48), cinv_cin_visit_date DATETIME,
    cinv_cin_visit_seen NCHAR(1), cinv_cin_visit_seen_alone NCHAR(1)
);

CREATE TABLE ssd_cin_plans (
    cinp_cin_plan_id NVARCHAR(48), cinp_person_id NVARCHAR(48), cinp_cin_plan_start_date DATETIME,
    cinp_cin_plan_end_date DATETIME
);
INSERT INTO ssd_cin_plans VALUES ('CIN1', 'C3', '2015-12-04 00:00:00', NULL);

-- C4: one period of care (CLA1), one placement (P1) across two episodes: a change of legal
-- status only (L) on 2015-09-01. C5: a placement (P2) across two episodes, ended with a
-- change of placement (CARPL) on 2015-10-01, then P3.
CREATE TABLE ssd_cla_episodes (
    clae_cla_episode_id NVARCHAR(48), clae_person_id NVARCHAR(48), clae_cla_placement_id NVARCHAR(48),
    clae_cla_episode_start_date DATETIME, clae_cla_episode_start_reason NVARCHAR(100),
    clae_cla_primary_need_code NVARCHAR(3), clae_cla_episode_ceased_date DATETIME,
    clae_cla_episode_ceased_reason NVARCHAR(255), clae_cla_id NVARCHAR(48)
);
INSERT INTO ssd_cla_episodes VALUES
    ('E1', 'C4', 'P1', '2015-06-01 00:00:00', 'S - Started to be looked after', 'N1', '2015-09-01 00:00:00', 'X1', 'CLA1'),
    ('E2', 'C4', 'P1', '2015-09-01 00:00:00', 'L', 'N1', NULL, NULL, 'CLA1'),
    ('E3', 'C5', 'P2', '2015-03-01 00:00:00', 'S', 'N2', '2015-05-01 00:00:00', 'X1', 'CLA2'),
    ('E4', 'C5', 'P2', '2015-05-01 00:00:00', 'L', 'N2', '2015-10-01 00:00:00', 'X1', 'CLA2'),
    ('E5', 'C5', NULL, '2015-10-01 00:00:00', 'P', 'N2', NULL, NULL, 'CLA2');

CREATE TABLE ssd_cla_placement (
    clap_cla_placement_id NVARCHAR(48), clap_cla_id NVARCHAR(48), clap_person_id NVARCHAR(48),
    clap_cla_placement_start_date DATETIME, clap_cla_placement_type NVARCHAR(100),
    clap_cla_placement_provider NVARCHAR(48), clap_cla_placement_end_date DATETIME,
    clap_cla_placement_change_reason NVARCHAR(100)
);
INSERT INTO ssd_cla_placement VALUES
    ('P1', 'CLA1', 'C4', '2015-06-01 00:00:00', 'U4', 'PR1', NULL, NULL),
    ('P2', 'CLA2', 'C5', '2015-03-01 00:00:00', 'U3', 'PR1', '2015-10-01 00:00:00', 'CARPL'),
    ('P3', 'CLA2', 'C5', '2015-10-01 00:00:00', 'K2 - Children''s homes', 'PR4', NULL, NULL);

CREATE TABLE ssd_legal_status (
    lega_legal_status_id NVARCHAR(48), lega_person_id NVARCHAR(48), lega_legal_status NVARCHAR(100),
    lega_legal_status_start_date DATETIME, lega_legal_status_end_date DATETIME
);
INSERT INTO ssd_legal_status VALUES
    ('L1', 'C4', 'V2', '2015-06-01 00:00:00', '2015-09-01 00:00:00'),
    ('L2', 'C4', 'C2 - Full care order', '2015-09-01 00:00:00', NULL),
    ('L3', 'C5', 'V2', '2015-03-01 00:00:00', '2015-05-01 00:00:00'),
    ('L4', 'C5', 'C1', '2015-05-01 00:00:00', NULL),
    ('L5', 'C5', 'SGO', '2015-05-01 00:00:00', NULL);

CREATE TABLE ssd_cla_reviews (
    clar_cla_review_id NVARCHAR(48), clar_cla_id NVARCHAR(48), clar_cla_review_due_date DATETIME,
    clar_cla_review_date DATETIME, clar_cla_review_cancelled NCHAR(1)
);
INSERT INTO ssd_cla_reviews VALUES
    ('RV1', 'CLA2', '2015-03-29 00:00:00', '2015-03-25 00:00:00', 'N'),
    ('RV2', 'CLA2', '2015-06-24 00:00:00', '2015-06-20 00:00:00', 'Y'),
    ('RV3', 'CLA9', '2015-07-01 00:00:00', '2015-07-01 00:00:00', 'N');

CREATE TABLE ssd_cla_visits (
    clav_cla_visit_id NVARCHAR(48), clav_cla_id NVARCHAR(48), clav_person_id NVARCHAR(48),
    clav_cla_visit_date DATETIME, clav_cla_visit_seen NCHAR(1), clav_cla_visit_seen_alone NCHAR(1)
);
INSERT INTO ssd_cla_visits VALUES
    ('CV1', 'CLA1', 'C4', '2015-06-05 00:00:00', 'Y', 'Y'),
    ('CV2', 'CLA1', 'C4', '2015-07-05 00:00:00', 'N', 'N');

CREATE TABLE ssd_permanence (
    perm_table_id NVARCHAR(48), perm_person_id NVARCHAR(48), perm_adm_decision_date DATETIME,
    perm_placement_order_date DATETIME, perm_matched_date DATETIME,
    perm_placed_for_adoption_date DATETIME, perm_adopted_by_carer_flag NCHAR(1),
    perm_decision_reversed_date DATETIME, perm_permanence_order_date DATETIME,
    perm_permanence_order_type NVARCHAR(100)
);
INSERT INTO ssd_permanence VALUES
    ('PM1', 'C6', '2015-01-10 00:00:00', '2015-03-01 00:00:00', '2015-05-01 00:00:00',
     '2015-05-20 00:00:00', 'N', NULL, '2015-11-30 00:00:00', 'Adoption'),
    ('PM2', 'C5', NULL, NULL, NULL, NULL, NULL, NULL, '2015-08-01 00:00:00', 'Special Guardianship');

CREATE TABLE ssd_missing (
    miss_table_id NVARCHAR(48), miss_person_id NVARCHAR(48), miss_missing_episode_start_date DATETIME,
    miss_missing_episode_type NVARCHAR(100), miss_missing_episode_end_date DATETIME
);
INSERT INTO ssd_missing VALUES
    ('M1', 'C5', '2015-11-02 00:00:00', 'Missing', '2015-11-03 00:00:00'),
    ('M2', 'C5', '2015-11-20 00:00:00', 'Away', '2015-11-20 00:00:00'),
    ('M3', 'C5', '2015-12-01 00:00:00', 'Lost', NULL);

CREATE TABLE ssd_professionals (
    prof_professional_id NVARCHAR(48), prof_professional_job_title NVARCHAR(500),
    prof_professional_department NVARCHAR(100), prof_full_time_equivalency FLOAT
);
INSERT INTO ssd_professionals VALUES
    ('W1', 'Social Worker', 'Old Team Name', 1.0),
    ('W2', 'Senior Practitioner', 'Fostering', 0.5),
    ('W3', 'Independent Reviewing Officer', 'Quality Assurance', 1.0);

CREATE TABLE ssd_department (dept_team_id NVARCHAR(48), dept_team_name NVARCHAR(255));
INSERT INTO ssd_department VALUES ('T1', 'Safeguarding Team A');

CREATE TABLE ssd_involvements (
    invo_involvements_id NVARCHAR(48), invo_professional_id NVARCHAR(48),
    invo_professional_role_id NVARCHAR(200), invo_professional_team NVARCHAR(48),
    invo_person_id NVARCHAR(48), invo_involvement_start_date DATETIME,
    invo_involvement_end_date DATETIME
);
INSERT INTO ssd_involvements VALUES
    ('I1', 'W1', 'Allocated Case Worker', 'T1', 'C1', '2015-12-01 00:00:00', NULL),
    ('I2', 'W3', 'Independent Reviewing Officer', NULL, 'C4', '2015-06-01 00:00:00', NULL),
    ('I3', 'W2', '  allocated   social worker ', NULL, 'C5', '2015-03-01 00:00:00', NULL);

CREATE TABLE ssd_care_leavers (
    clea_table_id NVARCHAR(48), clea_person_id NVARCHAR(48), clea_care_leaver_in_touch NVARCHAR(100),
    clea_care_leaver_latest_contact DATETIME
);
INSERT INTO ssd_care_leavers VALUES ('CL1', 'C5', 'YES', '2015-11-01 00:00:00');
