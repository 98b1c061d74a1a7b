"""The DuckDB queries that compute the three headline indicators independently of ours.

Used by ``benchmarks/run.py`` (on tables loaded into DuckDB) and ``benchmarks/loading.py``
(reading the Parquet files in a fresh process): both compare each period's numerator and
denominator with ours. Each query reads the tables it names and ``periods (pstart, pend)``
(and ``cal (d, cum)``, the working-day calendar, where working days count).
"""

from __future__ import annotations

SQL: dict[str, str] = {
    # Referrals (one per child and day) in the period; numerator: the child's previous
    # referral p has p < d <= add_months(p, 12) (DuckDB's month interval clamps the day).
    "national.rereferrals_12m": """
        WITH r AS (
            SELECT DISTINCT child_id, CAST(referral_date AS DATE) AS d
            FROM referrals WHERE referral_date IS NOT NULL
        ), p AS (
            SELECT d, lag(d) OVER (PARTITION BY child_id ORDER BY d) AS prev FROM r
        )
        SELECT pstart, pend,
               count(*) FILTER (WHERE prev IS NOT NULL
                                AND d <= CAST(prev + INTERVAL 12 MONTH AS DATE)) AS numerator,
               count(*) AS denominator
        FROM p JOIN periods ON d BETWEEN pstart AND pend
        GROUP BY pstart, pend ORDER BY pstart, pend
    """,
    # Assessments authorised in the period (not before the start); numerator:
    # wd(start, authorised) <= 45, the working days D with start < D <= authorised.
    "national.assessments_45wd": """
        WITH a AS (
            SELECT CAST(start_date AS DATE) AS s, CAST(authorised_date AS DATE) AS e
            FROM assessments
            WHERE authorised_date IS NOT NULL AND start_date IS NOT NULL
              AND authorised_date >= start_date
        )
        SELECT pstart, pend,
               count(*) FILTER (WHERE ce.cum - cs.cum <= 45) AS numerator,
               count(*) AS denominator
        FROM a JOIN periods ON a.e BETWEEN pstart AND pend
        JOIN cal cs ON cs.d = a.s JOIN cal ce ON ce.d = a.e
        GROUP BY pstart, pend ORDER BY pstart, pend
    """,
    # Children looked after at pend (short breaks out); ps = the latest start of an episode
    # with RNE other than L on or before pend; v = the latest cla visit in [ps, pend]; due as
    # regulation 28(2); a child with no placement start is excluded (neither num nor den).
    "national.cla_visits_on_time": """
        WITH ep AS (
            SELECT child_id, CAST(start_date AS DATE) AS s, CAST(end_date AS DATE) AS e,
                   trim(rne) AS rne, trim(placement) AS placement,
                   coalesce(long_term, false) AS long_term
            FROM care_episodes
            WHERE start_date IS NOT NULL
              AND (legal_status IS NULL OR trim(legal_status) NOT IN ('V3', 'V4'))
        ), open_now AS (
            SELECT pend, child_id, s, e, rne, placement, long_term,
                   row_number() OVER (PARTITION BY pend, child_id
                                      ORDER BY s DESC, e DESC NULLS FIRST) AS k
            FROM ep JOIN (SELECT DISTINCT pend FROM periods) q
              ON ep.s <= q.pend AND (ep.e IS NULL OR ep.e > q.pend)
        ), cur AS (
            SELECT pend, child_id,
                   long_term OR coalesce(placement IN ('U1', 'U4'), false) AS lt
            FROM open_now WHERE k = 1
        ), ps AS (
            SELECT cur.pend, cur.child_id, max(ep.s) AS ps
            FROM cur JOIN ep ON ep.child_id = cur.child_id AND ep.s <= cur.pend
            WHERE ep.rne IS NOT NULL AND ep.rne <> 'L'
            GROUP BY cur.pend, cur.child_id
        ), v AS (
            SELECT ps.pend, ps.child_id, max(CAST(vi.visit_date AS DATE)) AS v
            FROM ps JOIN visits vi ON vi.child_id = ps.child_id
             AND trim(vi.visit_type) = 'cla'
             AND CAST(vi.visit_date AS DATE) BETWEEN ps.ps AND ps.pend
            GROUP BY ps.pend, ps.child_id
        ), due AS (
            SELECT cur.pend, cur.child_id, ps.ps,
                   CASE
                     WHEN ps.ps IS NULL THEN NULL
                     WHEN v.v IS NULL THEN ps.ps + 7
                     WHEN v.v < CAST(ps.ps + INTERVAL 12 MONTH AS DATE) OR NOT cur.lt
                       THEN v.v + 42
                     ELSE CAST(v.v + INTERVAL 3 MONTH AS DATE)
                   END AS due
            FROM cur LEFT JOIN ps USING (pend, child_id) LEFT JOIN v USING (pend, child_id)
        )
        SELECT pstart, pend,
               count(*) FILTER (WHERE ps IS NOT NULL AND pend <= due) AS numerator,
               count(*) FILTER (WHERE ps IS NOT NULL) AS denominator
        FROM due JOIN periods USING (pend)
        GROUP BY pstart, pend ORDER BY pstart, pend
    """,
}
