-- Segments benchmark: 100,000 profiles and 1,000,000 events (psql -v
-- scale=10 for the 1M / 10M of the issue), 20 segments of mixed kinds.
--
-- 1. Full refresh of the 20 segments against REFRESH MATERIALIZED VIEW of
--    the same audiences written as a user would, set-based, by hand.
-- 2. Incremental refresh after 1% of profiles got an event, against a full
--    refresh.
-- 3. Window expiry: the clock moves a day; only lapsed memberships are
--    re-evaluated.
-- 4. A person's segments right after their event: ingest one event, then
--    refresh incrementally (median of 20).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?scale}
\else
\set scale 1
\endif
SET work_mem = '256MB';
SET cdp.segment_now = '2026-07-01T00:00:00Z';
SELECT cdp.create_source('bench', 'web') > 0 AS source;

-- People: one user id each, a city and an age; events over the six months
-- before the evaluation time, ten per person on average.
INSERT INTO cdp.profiles (profile_id, traits)
SELECT n, jsonb_build_object('city', (ARRAY['Lyon', 'Paris', 'Rome', 'Oslo'])[1 + n % 4],
                             'age', 18 + (hashint8(n) & 2147483647) % 60)
  FROM generate_series(1, 100000 * :scale) AS n;
SELECT setval('cdp.profiles_profile_id_seq', 100000 * :scale);
INSERT INTO cdp.identities (identity_id, ident, profile_id, first_seen)
SELECT n, cdp.ident('user_id', 'bench-' || n), n, '2026-01-01' FROM generate_series(1, 100000 * :scale) AS n;
SELECT setval('cdp.identities_identity_id_seq', 100000 * :scale);
SELECT count(cdp.ensure_event_partition(m)) AS partitions
  FROM generate_series('2025-12-01'::timestamptz, '2026-07-01', '1 month') AS m;
INSERT INTO cdp.events (event_id, source_id, type, event, message_id, user_id, identifiers, anchor,
                        occurred_at, received_at, payload)
SELECT e, 1, 'track', (ARRAY['Product Viewed', 'Product Viewed', 'Order Completed', 'Signed In', 'Cart Viewed'])[1 + h % 5],
       'b' || e, 'bench-' || p, ARRAY[cdp.ident('user_id', 'bench-' || p)], cdp.ident('user_id', 'bench-' || p),
       '2026-07-01'::timestamptz - (h % 15552000) * interval '1 second', '2026-07-01',
       jsonb_build_object('properties', jsonb_build_object('revenue', h % 200, 'sku', 'S' || h % 50))
  FROM (SELECT e, 1 + (hashint8(e) & 2147483647) % (100000 * :scale) AS p,
               hashint8extended(e, 7) & 2147483647 AS h
          FROM generate_series(1, 1000000 * :scale) AS e) g;
SELECT setval('cdp.events_event_id_seq', 1000000 * :scale);
VACUUM ANALYZE cdp.profiles, cdp.identities, cdp.events;
SELECT (SELECT count(*) FROM cdp.profiles) AS profiles, (SELECT count(*) FROM cdp.events) AS events;

SELECT cdp.create_computed_trait('orders_90d', '{"event": "Order Completed", "count": true, "within": "90 days"}') > 0 AS computed;
CREATE TABLE bench_segments (name text, rule jsonb, sql text);
INSERT INTO bench_segments VALUES
 ('lyon', '{"trait": "city", "op": "=", "value": "Lyon"}',
  $$SELECT profile_id FROM cdp.profiles WHERE traits ->> 'city' = 'Lyon'$$),
 ('age_18_39', '{"trait": "age", "op": "between", "value": [18, 39]}',
  $$SELECT profile_id FROM cdp.profiles WHERE (traits ->> 'age')::numeric BETWEEN 18 AND 39$$),
 ('not_paris_rome', '{"trait": "city", "op": "not_in", "value": ["Paris", "Rome"]}',
  $$SELECT profile_id FROM cdp.profiles WHERE traits ->> 'city' NOT IN ('Paris', 'Rome')$$),
 ('over_60', '{"trait": "age", "op": ">", "value": 60}',
  $$SELECT profile_id FROM cdp.profiles WHERE (traits ->> 'age')::numeric > 60$$),
 ('bought_30d', '{"event": "Order Completed", "within": "30 days"}',
  $$SELECT DISTINCT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '30 days' AND occurred_at <= '2026-07-01'$$),
 ('bought_twice_90d', '{"event": "Order Completed", "count": {"op": ">=", "value": 2}, "within": "90 days"}',
  $$SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '90 days' AND occurred_at <= '2026-07-01'
     GROUP BY profile_id HAVING count(*) >= 2$$),
 ('spent_300_90d', '{"event": "Order Completed", "sum": "revenue", "op": ">=", "value": 300, "within": "90 days"}',
  $$SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '90 days' AND occurred_at <= '2026-07-01'
     GROUP BY profile_id HAVING sum((payload -> 'properties' ->> 'revenue')::numeric) >= 300$$),
 ('big_order_180d', '{"event": "Order Completed", "max": "revenue", "op": ">", "value": 190, "within": "180 days"}',
  $$SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '180 days' AND occurred_at <= '2026-07-01'
     GROUP BY profile_id HAVING max((payload -> 'properties' ->> 'revenue')::numeric) > 190$$),
 ('avg_over_120', '{"event": "Order Completed", "avg": "revenue", "op": ">", "value": 120}',
  $$SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at <= '2026-07-01' GROUP BY profile_id
    HAVING avg((payload -> 'properties' ->> 'revenue')::numeric) > 120$$),
 ('sku_7_buyers', '{"event": "Order Completed", "where": [{"property": "sku", "op": "=", "value": "S7"}]}',
  $$SELECT DISTINCT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND payload -> 'properties' ->> 'sku' = 'S7' AND occurred_at <= '2026-07-01'$$),
 ('viewed_then_bought_1d', '{"sequence": [{"event": "Product Viewed"}, {"event": "Order Completed"}], "within": "1 day"}',
  $$SELECT DISTINCT a.profile_id FROM cdp.profile_events a JOIN cdp.profile_events b ON b.profile_id = a.profile_id
     WHERE a.type = 'track' AND a.event = 'Product Viewed' AND b.type = 'track' AND b.event = 'Order Completed'
       AND (b.occurred_at, b.event_id) > (a.occurred_at, a.event_id) AND b.occurred_at <= a.occurred_at + interval '1 day'
       AND b.occurred_at <= '2026-07-01'$$),
 ('lapsed_60d', '{"not": {"event": "Order Completed", "within": "60 days"}}',
  $$SELECT profile_id FROM cdp.profiles EXCEPT
    SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '60 days' AND occurred_at <= '2026-07-01'$$),
 ('silent_30d', '{"not": {"event": "Signed In", "within": "30 days"}}',
  $$SELECT profile_id FROM cdp.profiles EXCEPT
    SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Signed In'
      AND occurred_at > '2026-07-01'::timestamptz - interval '30 days' AND occurred_at <= '2026-07-01'$$),
 ('browsers_7d', '{"event": "Product Viewed", "count": {"op": ">=", "value": 3}, "within": "7 days"}',
  $$SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Product Viewed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '7 days' AND occurred_at <= '2026-07-01'
     GROUP BY profile_id HAVING count(*) >= 3$$),
 ('repeat_buyers', '{"computed": "orders_90d", "op": ">=", "value": 3}',
  $$SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '90 days' AND occurred_at <= '2026-07-01'
     GROUP BY profile_id HAVING count(*) >= 3$$),
 ('lyon_buyers', '{"all": [{"segment": "lyon"}, {"segment": "bought_30d"}]}',
  $$SELECT profile_id FROM cdp.profiles WHERE traits ->> 'city' = 'Lyon' INTERSECT
    SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '30 days' AND occurred_at <= '2026-07-01'$$),
 ('young_or_big', '{"any": [{"segment": "age_18_39"}, {"segment": "big_order_180d"}]}',
  $$SELECT profile_id FROM cdp.profiles WHERE (traits ->> 'age')::numeric BETWEEN 18 AND 39 UNION
    SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '180 days' AND occurred_at <= '2026-07-01'
     GROUP BY profile_id HAVING max((payload -> 'properties' ->> 'revenue')::numeric) > 190$$),
 ('oslo_lapsed', '{"all": [{"trait": "city", "op": "=", "value": "Oslo"}, {"segment": "lapsed_60d"}]}',
  $$SELECT profile_id FROM cdp.profiles WHERE traits ->> 'city' = 'Oslo' EXCEPT
    SELECT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Order Completed'
      AND occurred_at > '2026-07-01'::timestamptz - interval '60 days' AND occurred_at <= '2026-07-01'$$),
 ('sql_rome_40s', NULL,
  $$SELECT profile_id FROM cdp.profiles WHERE traits ->> 'city' = 'Rome' AND (traits ->> 'age')::numeric BETWEEN 40 AND 49$$),
 ('sql_select_cart', NULL,
  $$SELECT DISTINCT profile_id FROM cdp.profile_events WHERE type = 'track' AND event = 'Cart Viewed'
      AND occurred_at > '2026-06-01' AND occurred_at <= '2026-07-01'$$);
SELECT count(CASE WHEN rule IS NOT NULL THEN cdp.create_segment(name, rule)
                  WHEN name = 'sql_rome_40s' THEN cdp.create_segment(name,
                       $$traits ->> 'city' = 'Rome' AND cdp.rule_numeric(traits -> 'age') BETWEEN 40 AND 49$$)
                  ELSE cdp.create_segment(name, sql) END) AS segments
  FROM (SELECT * FROM bench_segments ORDER BY name IN ('lyon_buyers', 'young_or_big', 'oslo_lapsed')) s;

CREATE TABLE results (label text, seconds float8, note text);
-- Runs stmt, timed, and records it under label with the note that
-- note_sql gives afterwards (in the same transaction).
CREATE PROCEDURE timed(label text, stmt text, note_sql text) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); seconds float8; note text;
BEGIN
    EXECUTE stmt;
    seconds := extract(epoch FROM clock_timestamp() - t0);
    EXECUTE note_sql INTO note;
    INSERT INTO results VALUES (label, seconds, note);
END $$;
\set refresh_all 'SELECT count(*) FROM cdp.refresh_segments()'
\set refresh_full 'SELECT count(*) FROM cdp.segments s, LATERAL cdp.refresh_segment(s.name, full => true) r'
\set changes 'SELECT sum(entered + exited) || '' changes'' FROM cdp.segment_sizes WHERE refreshed_at = now()'
\set unchanged 'SELECT ''nothing left to change'''

-- 1. Full refresh: cdp (first refresh: computed trait, membership, change
--    log, lapse times) against materialized views of the hand-written SQL.
CALL timed('cdp first refresh, 20 segments', :'refresh_all',
           'SELECT sum(size) || '' memberships'' FROM cdp.segments');
SELECT format('CREATE MATERIALIZED VIEW %I AS %s WITH NO DATA', 'mv_' || name, sql) FROM bench_segments \gexec
CREATE FUNCTION refresh_views() RETURNS void LANGUAGE plpgsql AS $$
DECLARE s record;
BEGIN
    FOR s IN SELECT * FROM bench_segments LOOP
        EXECUTE format('REFRESH MATERIALIZED VIEW %I', 'mv_' || s.name);
    END LOOP;
END $$;
CALL timed('REFRESH MATERIALIZED VIEW x 20', 'SELECT refresh_views()', 'SELECT ''hand-written set-based SQL''');
-- The same audiences: cdp's membership equals the views'.
DO $$
DECLARE s record; d bigint; total bigint := 0;
BEGIN
    FOR s IN SELECT * FROM bench_segments LOOP
        EXECUTE format('SELECT count(*) FROM ((SELECT profile_id FROM %I EXCEPT SELECT m.profile_id FROM cdp.segment_members m
                          JOIN cdp.segments g USING (segment_id) WHERE g.name = %L) UNION ALL
                         (SELECT m.profile_id FROM cdp.segment_members m JOIN cdp.segments g USING (segment_id)
                           WHERE g.name = %L EXCEPT SELECT profile_id FROM %I)) x',
                       'mv_' || s.name, s.name, s.name, 'mv_' || s.name) INTO d;
        total := total + d;
    END LOOP;
    INSERT INTO results VALUES ('differences, cdp vs views', total, 'memberships (0 = same audiences)');
END $$;
CALL timed('cdp full refresh, 20 segments', :'refresh_full', 'SELECT ''nothing changed''');
ANALYZE cdp.profile_rechecks, cdp.segment_members;

-- 2. Incremental: 1% of profiles get an event through ingestion.
SELECT sum(cdp.ingest_batch('bench', b)) AS ingested FROM (
    SELECT jsonb_agg(jsonb_build_object('type', 'track', 'userId', 'bench-' || (n * 100), 'event', 'Order Completed',
                                        'properties', jsonb_build_object('revenue', 150, 'sku', 'S7'),
                                        'timestamp', '2026-06-30T12:00:00Z', 'messageId', 'inc-' || n)) AS b
      FROM generate_series(1, 1000 * :scale) AS n GROUP BY n % (10 * :scale)) x;
CALL timed('cdp incremental, 1% of profiles dirty', :'refresh_all', :'changes');
CALL timed('cdp full refresh after it', :'refresh_full', :'unchanged');

-- 3. Window expiry: a day passes.
SET cdp.segment_now = '2026-07-02T00:00:00Z';
SELECT count(*) AS due FROM cdp.profile_rechecks WHERE recheck_at <= '2026-07-02' \gset
CALL timed('cdp incremental, one day of window expiry', :'refresh_all',
           format('SELECT %L || '' due rechecks, '' || (%s)', :'due', :'changes'));
CALL timed('cdp full refresh at the same time', :'refresh_full', :'unchanged');

-- 4. One event, then the person's segments (median of 20 runs): all 20
--    (the SELECT segment is evaluated in full each time), and the 19 that
--    refresh incrementally.
CREATE TABLE latency (all_ms float8, incremental_ms float8);
CREATE PROCEDURE one_event(n int) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; t1 timestamptz; t2 timestamptz;
BEGIN
    FOR i IN 1 .. n LOOP
        t0 := clock_timestamp();
        PERFORM cdp.ingest('bench', jsonb_build_object('type', 'track', 'userId', 'bench-' || (i * 37),
                           'event', 'Order Completed', 'properties', jsonb_build_object('revenue', 20),
                           'timestamp', '2026-07-01T12:00:00Z', 'messageId', 'rt-' || i));
        COMMIT;
        PERFORM cdp.refresh_segments();
        COMMIT;
        t1 := clock_timestamp();
        PERFORM cdp.ingest('bench', jsonb_build_object('type', 'track', 'userId', 'bench-' || (i * 41),
                           'event', 'Order Completed', 'properties', jsonb_build_object('revenue', 20),
                           'timestamp', '2026-07-01T12:00:00Z', 'messageId', 'rt2-' || i));
        COMMIT;
        PERFORM cdp.refresh_segment(name) FROM cdp.segments WHERE incremental ORDER BY segment_id;
        COMMIT;
        t2 := clock_timestamp();
        INSERT INTO latency VALUES (extract(epoch FROM t1 - t0) * 1000, extract(epoch FROM t2 - t1) * 1000);
        COMMIT;
    END LOOP;
END $$;
CALL one_event(20);
INSERT INTO results
SELECT 'event to all 20 segments refreshed (median)', percentile_cont(0.5) WITHIN GROUP (ORDER BY all_ms) / 1000,
       'ingest, commit, refresh_segments(), commit' FROM latency
UNION ALL
SELECT 'event to its 19 incremental segments (median)', percentile_cont(0.5) WITHIN GROUP (ORDER BY incremental_ms) / 1000,
       'ingest, commit, refresh_segment() each, commit' FROM latency;

\echo Segments benchmark (seconds; ratio = peer / cdp, higher is better for cdp)
SELECT label, round(seconds::numeric, 3) AS seconds, note FROM results;
SELECT round(((SELECT seconds FROM results WHERE label LIKE 'REFRESH%')
              / (SELECT seconds FROM results WHERE label = 'cdp full refresh, 20 segments'))::numeric, 2)
           AS full_vs_matviews_ratio,
       round(((SELECT seconds FROM results WHERE label = 'cdp incremental, 1% of profiles dirty')
              / (SELECT seconds FROM results WHERE label = 'cdp full refresh after it') * 100)::numeric, 1)
           AS incremental_pct_of_full,
       round(((SELECT seconds FROM results WHERE label = 'cdp incremental, one day of window expiry')
              / (SELECT seconds FROM results WHERE label = 'cdp full refresh at the same time') * 100)::numeric, 1)
           AS expiry_pct_of_full;
