-- Identity graph benchmark.
--
-- 1. cdp.restitch() on 1M identities and about 2M links (psql -v scale=N
--    multiplies both) against the usual SQL approach of warehouse CDPs and
--    dbt packages: iterative minimum-label propagation over the edge table
--    until nothing changes, on the same graph in the same run.
-- 2. Ingestion with inline stitching against the same ingestion without
--    (cdp.inline_stitching = off), on 50,000 events.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?scale}
\else
\set scale 1
\endif
SET maintenance_work_mem = '1GB';
SET work_mem = '256MB';

-- The graph: people of 10 identifiers (90%) and a few large clusters of
-- 1,000 (shared households, families of devices); each a random tree plus
-- random extra links inside it.
CREATE TABLE bench_nodes AS
SELECT n AS id,
       CASE WHEN n < 900000 * :scale THEN n / 10
            ELSE 90000 * :scale + (n - 900000 * :scale) / 1000 END AS component,
       CASE WHEN n < 900000 * :scale THEN n % 10 ELSE (n - 900000 * :scale) % 1000 END AS pos,
       CASE WHEN n < 900000 * :scale THEN n - n % 10
            ELSE n - (n - 900000 * :scale) % 1000 END AS first
  FROM generate_series(1::bigint, 1000000 * :scale) AS n;

CREATE TABLE bench_edges AS
SELECT DISTINCT LEAST(a, b) AS a, GREATEST(a, b) AS b FROM (
    -- a tree: each node links to a random earlier node of its component
    SELECT id AS a, first + (hashint8extended(id, 1) & 2147483647) % pos AS b
      FROM bench_nodes WHERE pos > 0
    UNION ALL
    -- extra links between random members
    SELECT id, first + (hashint8extended(id, 2) & 2147483647) % (pos + 1)
      FROM bench_nodes WHERE pos > 1
    UNION ALL
    SELECT id, first + (hashint8extended(id, 3) & 2147483647) % (pos + 1)
      FROM bench_nodes WHERE pos > 2
) e WHERE a <> b;

-- Into cdp's tables: every identity its own profile (the worst case: all
-- of it must move).
INSERT INTO cdp.identities (identity_id, ident, profile_id, first_seen)
SELECT id, cdp.ident('anonymous_id', 'bench-' || id), id, '2026-11-01' FROM bench_nodes;
INSERT INTO cdp.profiles (profile_id) SELECT id FROM bench_nodes;
INSERT INTO cdp.identity_edges (a_id, b_id, rule) SELECT a, b, 'event' FROM bench_edges;
SELECT setval('cdp.profiles_profile_id_seq', (SELECT max(id) FROM bench_nodes));
VACUUM ANALYZE cdp.identities, cdp.identity_edges, cdp.profiles;
SELECT (SELECT count(*) FROM bench_nodes) AS identities, (SELECT count(*) FROM bench_edges) AS links,
       (SELECT count(DISTINCT component) FROM bench_nodes) AS people;

CREATE TABLE results (label text, seconds float8, note text);

-- The SQL approach: every identity starts with its own id as label; each
-- round gives each identity the smallest label among its neighbours, until
-- no label changes.
CREATE TABLE labels AS SELECT identity_id AS id, identity_id AS label FROM cdp.identities;
CREATE UNIQUE INDEX ON labels (id);
ANALYZE labels;
CREATE PROCEDURE propagate() LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    rounds int := 0;
    changed bigint;
BEGIN
    LOOP
        rounds := rounds + 1;
        UPDATE labels l SET label = m.label
          FROM (SELECT id, min(label) AS label FROM (
                    SELECT e.a_id AS id, lb.label FROM cdp.identity_edges e JOIN labels lb ON lb.id = e.b_id
                    UNION ALL
                    SELECT e.b_id, la.label FROM cdp.identity_edges e JOIN labels la ON la.id = e.a_id) x
                GROUP BY id) m
         WHERE l.id = m.id AND m.label < l.label;
        GET DIAGNOSTICS changed = ROW_COUNT;
        EXIT WHEN changed = 0;
    END LOOP;
    INSERT INTO results VALUES ('SQL label propagation', extract(epoch FROM clock_timestamp() - started),
                                rounds || ' rounds');
END $$;
CALL propagate();

-- cdp.restitch(), from every identity alone, then again with nothing to do.
CREATE TABLE restitch_runs AS SELECT 'cdp.restitch(), all identities move'::text AS label, cdp.restitch() AS r;
INSERT INTO restitch_runs SELECT 'cdp.restitch(), nothing changed', cdp.restitch();
INSERT INTO results
SELECT label, (r->>'seconds')::float8,
       format('%s identities moved, %s profiles', r->>'identities_moved', r->>'profiles')
  FROM restitch_runs;

-- Both found the same people.
SELECT count(DISTINCT (l.label, i.profile_id)) = count(DISTINCT l.label) AS same_partition,
       count(DISTINCT i.profile_id) AS profiles,
       (SELECT count(DISTINCT component) FROM bench_nodes) AS people
  FROM labels l JOIN cdp.identities i ON i.identity_id = l.id;

\echo
\echo 'Rebuilding profiles from links'
SELECT r.label, round(r.seconds::numeric, 2) AS seconds,
       round((SELECT count(*) FROM bench_edges) / r.seconds) AS links_per_s,
       round((s.seconds / r.seconds)::numeric, 1) AS times_faster_than_sql, r.note
  FROM results r, results s
 WHERE s.label = 'SQL label propagation'
 ORDER BY r.seconds DESC;

-- 2. Ingestion with and without inline stitching.
TRUNCATE cdp.identities, cdp.identity_edges, cdp.profiles, cdp.profile_aliases, cdp.merge_log;
SELECT cdp.create_source('bench', 'web');
CREATE TABLE bench_batches AS
SELECT b AS batch_no,
       jsonb_agg(jsonb_build_object(
         'type', CASE WHEN n % 10 = 0 THEN 'identify' ELSE 'track' END,
         'event', 'Product Viewed',
         'messageId', md5('m' || n),
         'anonymousId', md5('a' || (n % 9000) || '-' || (n % 2)),
         'userId', CASE WHEN n % 3 = 0 THEN 'user-' || (n % 9000) END,
         'timestamp', to_char(timestamp '2026-11-01' + n * interval '7 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'traits', CASE WHEN n % 10 = 0 THEN jsonb_build_object('name', 'Person ' || (n % 9000), 'plan', 'pro') END,
         'properties', jsonb_build_object('product_id', 'sku-' || (n % 500), 'price', (n % 10000) / 100.0),
         'context', jsonb_build_object(
            'library', jsonb_build_object('name', 'analytics.js', 'version', '4.1.0'),
            'userAgent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
            'traits', CASE WHEN n % 5 = 0 THEN jsonb_build_object('email', 'person' || (n % 9000) || '@example.com') END,
            'device', jsonb_build_object('id', md5('d' || (n % 9000)), 'type', 'desktop'))
       ) ORDER BY n) AS events
  FROM generate_series(0, 49999) AS n, LATERAL (SELECT n / 1000 AS b) AS g
 GROUP BY b;

CREATE PROCEDURE ingest_all(label text) LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    FOR b IN 0..49 LOOP
        PERFORM cdp.ingest_batch('bench', events) FROM bench_batches WHERE batch_no = b;
        COMMIT;
    END LOOP;
    INSERT INTO results VALUES (label, extract(epoch FROM clock_timestamp() - started), NULL);
    COMMIT;
END $$;
CREATE PROCEDURE reset_ingest() LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE cdp.events, cdp.ingested_messages, cdp.stitch_queue, cdp.identities, cdp.identity_edges,
             cdp.profiles, cdp.profile_aliases, cdp.merge_log, cdp.trait_values;
    COMMIT;
    CHECKPOINT;
END $$;

DELETE FROM results;
CALL reset_ingest();
SET cdp.inline_stitching = off;
CALL ingest_all('without stitching (queued)');
CALL reset_ingest();
SET cdp.inline_stitching = on;
CALL ingest_all('with inline stitching');
CALL reset_ingest();
SET cdp.inline_stitching = off;
CALL ingest_all('without stitching (queued) again');
CALL reset_ingest();
SET cdp.inline_stitching = on;
CALL ingest_all('with inline stitching again');
SELECT count(*) AS identities, count(DISTINCT profile_id) AS profiles FROM cdp.identities;

\echo
\echo 'Ingesting 50,000 events in batches of 1,000, one commit per batch'
WITH m AS (SELECT replace(label, ' again', '') AS label, avg(seconds) AS seconds, string_agg(round(seconds::numeric, 2)::text, ' / ') AS runs
             FROM results GROUP BY 1)
SELECT m.label, round(m.seconds::numeric, 2) AS seconds, m.runs, round(50000 / m.seconds) AS events_per_s,
       round((m.seconds / w.seconds)::numeric, 2) AS cost_vs_without
  FROM m, m w WHERE w.label = 'without stitching (queued)'
 ORDER BY m.seconds;
