-- Score models at the level of profiles (the score_models benchmark):
-- 100,000 customers drawn from BG/NBD and Gamma-Gamma
-- (test/gen/purchases.sql), a year of purchases ingested as events.
-- 1. Fitting a purchase model from the raw events (BG/NBD, Gamma-Gamma,
--    RFM cut points and the holdout check).
-- 2. Scoring everyone into cdp.profiles.computed, against what a user
--    would run instead: one UPDATE of every profile from
--    cdp.purchase_summary with the same building blocks.
-- 3. After 1,000 customers buy again: the incremental scoring against a
--    full one.
\timing off
SET client_min_messages = warning;
\set ECHO none
\set gen :top '/test/gen/purchases.sql'
\i :gen
SELECT cdp.create_source('bench') > 0 AS source;
SELECT sum(cdp.ingest_batch('bench', b)) AS events
  FROM (SELECT jsonb_agg(jsonb_build_object(
                   'type', 'track', 'event', 'Order Completed', 'userId', 'c' || customer, 'messageId', 'm' || n,
                   'timestamp', to_char(DATE '2025-01-01' + day, 'YYYY-MM-DD') || 'T09:00:00Z',
                   'properties', jsonb_build_object('revenue', amount))) AS b
          FROM (SELECT d.*, row_number() OVER () AS n
                  FROM cdp_purchases.draw(100000, 0.4, 20, 0.6, 3.0, 5, 3, 20, 365, 0, 0.42) d) s
         GROUP BY n / 10000) batches;
VACUUM ANALYZE;
SET cdp.segment_now = '2026-01-01T00:00:00Z';

CREATE TABLE timings (what text, seconds float8, detail text);
CREATE FUNCTION timed(what text, query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    result text;
BEGIN
    EXECUTE query INTO result;
    INSERT INTO timings VALUES (what, extract(epoch FROM clock_timestamp() - t0), result);
    RETURN result;
END $$;

SELECT cdp.create_purchase_model('bench') > 0 AS created;
SELECT timed('1. fit_score_model, 100k customers', $q$SELECT cdp.fit_score_model('bench', '2025-12-31')::text$q$)
       IS NOT NULL AS fitted;
SELECT timed('2. score_profiles, first (everyone)', $q$SELECT cdp.score_profiles('bench')$q$) AS scored;
SELECT timed('2. plain SQL: one UPDATE from purchase_summary', $q$
    WITH m AS (SELECT fitted->'bgnbd' AS b, fitted->'gamma_gamma' AS g FROM cdp.score_models WHERE name = 'bench')
    UPDATE cdp.profiles p
       SET computed = p.computed || jsonb_build_object(
               'sql_p_alive', round(cdp.bgnbd_p_alive(m.b, s.frequency, s.recency, s.t)::numeric, 6),
               'sql_expected', round(cdp.bgnbd_expected_purchases(m.b, 365, s.frequency, s.recency, s.t)::numeric, 4),
               'sql_clv', round(cdp.customer_lifetime_value(m.b, m.g, s.frequency, s.recency, s.t, s.monetary)::numeric, 2))
      FROM cdp.purchase_summary('2026-01-01') s, m
     WHERE p.profile_id = s.profile_id
    RETURNING 1$q$) IS NOT NULL AS updated;
SELECT count(cdp.ingest('bench', jsonb_build_object('type', 'track', 'event', 'Order Completed',
           'userId', 'c' || g, 'messageId', 'again-' || g, 'timestamp', '2025-12-31T18:00:00Z',
           'properties', jsonb_build_object('revenue', 25)))) AS bought_again
  FROM generate_series(1, 100000, 100) g;
SELECT timed('3. score_profiles, incremental (1,000 changed)', $q$SELECT cdp.score_profiles('bench')$q$) AS rescored;
SELECT timed('3. score_profiles, full', $q$SELECT cdp.score_profiles('bench', true)$q$) AS rescored_full;

\echo 'Score models on 100,000 customers (a year of purchases)'
SELECT what, round(seconds::numeric, 2) AS seconds,
       CASE WHEN what LIKE '1.%' THEN left(detail, 120) ELSE detail END AS result
  FROM timings ORDER BY what;
SELECT round((SELECT 100000 / seconds FROM timings WHERE what LIKE '2. score_profiles%')::numeric) AS "profiles/s, first scoring",
       round(((SELECT seconds FROM timings WHERE what LIKE '2. score_profiles%')
              / (SELECT seconds FROM timings WHERE what LIKE '2. plain SQL%'))::numeric, 2) AS "first scoring / plain UPDATE",
       round(((SELECT seconds FROM timings WHERE what = '3. score_profiles, full')
              / (SELECT seconds FROM timings WHERE what LIKE '3. score_profiles, incremental%'))::numeric, 1)
         AS "full / incremental";
