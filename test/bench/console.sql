-- The web console's pages on a big database: :scale thousand profiles
-- (default 1000: a million), ten events each (ten million), over 90 days;
-- a segment of a tenth of them, 10,000 pairs waiting for review.  Each
-- page is rendered as the console renders it (cdp.console_page, as a role
-- granted cdp_admin, for its purpose), five times, and the median is
-- reported; the HTTP worker adds its own round trip (about a millisecond
-- on 127.0.0.1, see the http benchmark).  The overview is compared with
-- the same figures computed from the raw tables, what a dashboard without
-- the history tables would run.
--
-- The data are written directly into cdp's tables (ingesting ten million
-- events would take the better part of an hour here and measure
-- ingestion, which its own benchmark does).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?scale}
\else
\set scale 1000
\endif

SELECT cdp.create_source('web', 'web');
SELECT count(cdp.ensure_event_partition(m)) AS partitions
  FROM generate_series(timestamptz '2026-09-01', '2026-12-01', interval '1 month') m;

\echo 'loading profiles, identities and events'
INSERT INTO cdp.profiles (profile_id, created_at, updated_at, region, traits, consent_mask)
SELECT p, timestamptz '2026-09-01' + (p % 90) * interval '1 day', timestamptz '2026-11-30',
       (ARRAY['EU', 'US'])[1 + p % 2],
       jsonb_build_object('name', 'Person ' || p, 'plan', (ARRAY['free', 'pro', 'gold', 'free', 'free',
                                                                  'pro', 'free', 'free', 'free', 'gold'])[1 + p % 10]),
       1
  FROM generate_series(1, :scale * 1000) p;
SELECT setval('cdp.profiles_profile_id_seq', :scale * 1000);
INSERT INTO cdp.identities (identity_id, ident, profile_id, first_seen, source_id)
SELECT 2 * p - k, CASE k WHEN 1 THEN cdp.ident('user_id', 'user-' || p) ELSE cdp.ident('anonymous_id', 'anon-' || p) END,
       p, timestamptz '2026-09-01' + (p % 90) * interval '1 day', 1
  FROM generate_series(1, :scale * 1000) p, generate_series(0, 1) k;
SELECT setval('cdp.identities_identity_id_seq', :scale * 2000);
INSERT INTO cdp.identity_edges (a_id, b_id, rule, reason, source_id)
SELECT 2 * p - 1, 2 * p, 'event', 'identify', 1 FROM generate_series(1, :scale * 1000) p;
INSERT INTO cdp.events (event_id, source_id, type, event, message_id, user_id, anonymous_id, identifiers, anchor,
                        occurred_at, received_at, payload)
SELECT n, 1, 'track', (ARRAY['Product Viewed', 'Product Added', 'Order Completed'])[1 + n % 3], 'm' || n,
       'user-' || p, NULL, ARRAY[cdp.ident('user_id', 'user-' || p)], cdp.ident('user_id', 'user-' || p),
       timestamptz '2026-09-01' + ((n::bigint * 7919) % (90 * 86400)) * interval '1 second', timestamptz '2026-11-30',
       jsonb_build_object('properties', jsonb_build_object('price', n % 100))
  FROM generate_series(1, :scale * 10000) n, LATERAL (SELECT 1 + (n - 1) % (:scale * 1000) AS p) x;

SELECT cdp.create_segment('gold', '{"trait": "plan", "op": "=", "value": "gold"}') AS segment;
SELECT entered AS gold_members FROM cdp.refresh_segment('gold');
INSERT INTO cdp.match_models (name, spec) VALUES ('people', '{}');
INSERT INTO cdp.match_review (model_id, left_profile_id, right_profile_id, left_identity_id, right_identity_id,
                              match_weight, probability, explanation)
SELECT 1, 2 * k - 1, 2 * k, 4 * k - 3, 4 * k - 1, 3.5, 0.93,
       '[{"comparison": "prior", "level": "two random records match", "weight": -9.1},
         {"comparison": "name", "level": "jaro_winkler >= 0.9", "left_value": "a", "right_value": "b", "weight": 12.6}]'
  FROM generate_series(1, 10000) k;
SELECT cdp.create_destination('crm', 'webhook', '{"url": "http://127.0.0.1:9/hook"}', 'analytics') AS destination;
ANALYZE;
\timing on
SELECT cdp.refresh_stats(backfill => true) - 'day' AS backfill;
SELECT cdp.refresh_stats() - 'day' AS refresh;
\timing off

CREATE ROLE bench_console IN ROLE cdp_admin;
SELECT cdp.grant_purpose('bench_console', 'analytics'), cdp.grant_region('bench_console', '*');
GRANT CREATE ON SCHEMA public TO bench_console;
CREATE TABLE results (page text, run integer, ms double precision, status integer, bytes integer);
GRANT INSERT ON results TO bench_console;

-- Renders a page as the role five times.
CREATE FUNCTION render(page text, method text, path text, args jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    r record;
BEGIN
    FOR run IN 1..5 LOOP
        t := clock_timestamp();
        SELECT * INTO r FROM cdp.console_page(method, path, args, 'csrf');
        INSERT INTO results VALUES (page, run, 1000 * extract(epoch FROM clock_timestamp() - t), r.status,
                                    length(coalesce(r.body, '')));
    END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION render(text, text, text, jsonb) TO bench_console;

SET ROLE bench_console;
SET cdp.purpose = 'analytics';
SELECT render('overview', 'GET', '/', '{}');
SELECT render('sources', 'GET', '/sources', '{}');
SELECT render('profiles', 'GET', '/profiles', '{}');
SELECT render('profiles, a page deep in', 'GET', '/profiles', jsonb_build_object('before', :scale * 500));
SELECT render('find a profile by identifier (POST)', 'POST', '/profiles', jsonb_build_object('identifier', 'user_id:user-' || :scale * 300));
SELECT render('profile', 'GET', '/profiles/' || :scale * 300, '{}');
SELECT render('segments', 'GET', '/segments', '{}');
SELECT render('segment', 'GET', '/segments/1', '{}');
SELECT render('review queue', 'GET', '/review', '{}');
SELECT render('review pair', 'GET', '/review/5000', '{}');
SELECT render('destinations', 'GET', '/destinations', '{}');
RESET ROLE;
RESET cdp.purpose;

-- The overview's figures from the raw tables instead (as the owner, no
-- row security: the cheapest it could be).
CREATE FUNCTION overview_from_raw() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
BEGIN
    FOR run IN 1..5 LOOP
        t := clock_timestamp();
        PERFORM (SELECT count(*) FROM cdp.profiles),
                (SELECT count(*) FROM cdp.events WHERE occurred_at > timestamptz '2026-11-23'),
                (SELECT array_agg(n ORDER BY d) FROM (SELECT timezone('UTC', occurred_at)::date AS d, count(*) AS n
                                                        FROM cdp.events WHERE occurred_at > timestamptz '2026-10-31'
                                                       GROUP BY 1) g),
                (SELECT count(DISTINCT profile_id) FROM cdp.identities WHERE cdp.ident_names_person(ident));
        INSERT INTO results VALUES ('overview from the raw tables', run, 1000 * extract(epoch FROM clock_timestamp() - t), 200, 0);
    END LOOP;
END $$;
SELECT overview_from_raw();

\echo
\echo 'Rendering each page (median of 5, ms), :scale thousand profiles, ten events each'
SELECT r.page, percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms)::numeric(10, 1) AS median_ms,
       max(r.ms)::numeric(10, 1) AS max_ms, min(r.status) AS status, max(r.bytes) AS bytes
  FROM results r GROUP BY r.page ORDER BY min(ctid);
SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM results WHERE page = 'overview from the raw tables')
       / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM results WHERE page = 'overview')
       AS raw_over_history_tables;
