-- The BI history tables' cost: what counting adds to ingestion, and what
-- a refresh costs against the GROUP BY over raw events a dashboard would
-- run without them.  :scale thousand events (default 200), ~300 bytes
-- each, over 30 days, in batches of 1,000, one commit per batch, stitched
-- at commit; about one profile per five events.
--
--   ingestion, counting off   the delta tables renamed away: the library
--                             then counts nothing (as for a database
--                             still at 0.1.0)
--   ingestion, counting on    the delta rows written with each batch
--   one event per call        5,000 cdp.ingest() calls of one event (a
--                             delta row each), counting off and on
--   refresh_stats()           folding the deltas of all the events, and
--                             of 10,000 more; backfill from the raw tables
--   GROUP BY                  events per day, source, type and name over
--                             cdp.events, what a dashboard would query
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?scale}
\else
\set scale 200
\endif

SELECT cdp.create_source('bench', 'web');
CREATE TABLE bench_batches AS
SELECT b AS batch_no,
       jsonb_agg(jsonb_build_object(
         'type', CASE WHEN n % 10 = 0 THEN 'page' ELSE 'track' END,
         'event', (ARRAY['Product Viewed', 'Product Added', 'Order Completed', 'Checkout Started'])[1 + (n % 4)],
         'name', 'Product page',
         'messageId', md5('m' || n),
         'anonymousId', md5('a' || (n % (:scale * 200))),
         'userId', CASE WHEN n % 3 = 0 THEN 'user-' || (n % (:scale * 200)) END,
         'timestamp', to_char(timestamp '2026-10-01' + (n % 30) * interval '1 day' + (n % 86400) * interval '1 second',
                              'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
         'properties', jsonb_build_object('product_id', 'sku-' || (n % 500), 'price', (n % 10000) / 100.0))
       ORDER BY n) AS events
  FROM generate_series(0, :scale * 1000 + 9999) AS n, LATERAL (SELECT n / 1000 AS b) AS g
 GROUP BY b;

CREATE TABLE bench_singles (n integer PRIMARY KEY, event jsonb);
INSERT INTO bench_singles
SELECT x.ord, x.e FROM bench_batches b, jsonb_array_elements(b.events) WITH ORDINALITY AS x(e, ord)
 WHERE b.batch_no = 0 AND x.ord <= 1000
UNION ALL
SELECT 1000 * b.batch_no + x.ord, x.e FROM bench_batches b, jsonb_array_elements(b.events) WITH ORDINALITY AS x(e, ord)
 WHERE b.batch_no BETWEEN 1 AND 4;
CREATE TABLE results (label text, seconds float8, events bigint);

-- Ingests batches [first, last], one commit each; records the time.
CREATE PROCEDURE ingest(label text, first integer, last integer)
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    total bigint := 0;
BEGIN
    FOR b IN first..last LOOP
        total := total + (SELECT cdp.ingest_batch('bench', events) FROM bench_batches WHERE batch_no = b);
        COMMIT;
    END LOOP;
    INSERT INTO results VALUES (label, extract(epoch FROM clock_timestamp() - started), total);
    COMMIT;
END $$;

CREATE PROCEDURE timed(label text, statement text, events bigint)
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    EXECUTE statement;
    INSERT INTO results VALUES (label, extract(epoch FROM clock_timestamp() - started), events);
    COMMIT;
END $$;

CREATE PROCEDURE empty() LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE cdp.events, cdp.ingested_messages, cdp.stitch_queue, cdp.identities, cdp.identity_edges,
             cdp.profiles, cdp.profile_aliases, cdp.merge_log, cdp.trait_values, cdp.profile_changes;
    COMMIT;
    CHECKPOINT;
END $$;

SELECT count(*) AS batches FROM bench_batches WHERE events IS NOT NULL;   -- warm the cache
SELECT max(batch_no) - 10 AS last_batch FROM bench_batches \gset

-- Single events, one cdp.ingest() call each (a batch of one: one delta
-- row per event), 100 calls per commit.
CREATE PROCEDURE ingest_one_by_one(label text, events integer)
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    FOR i IN 1..events LOOP
        PERFORM cdp.ingest('bench', s.event) FROM bench_singles s WHERE s.n = i;
        IF i % 100 = 0 THEN
            COMMIT;
        END IF;
    END LOOP;
    INSERT INTO results VALUES (label, extract(epoch FROM clock_timestamp() - started), events);
    COMMIT;
END $$;

CREATE PROCEDURE counting(on_ boolean) LANGUAGE plpgsql AS $$
BEGIN
    IF on_ THEN
        ALTER TABLE cdp.stats_event_deltas_off RENAME TO stats_event_deltas;
        ALTER TABLE cdp.stats_profile_deltas_off RENAME TO stats_profile_deltas;
    ELSE
        ALTER TABLE cdp.stats_event_deltas RENAME TO stats_event_deltas_off;
        ALTER TABLE cdp.stats_profile_deltas RENAME TO stats_profile_deltas_off;
    END IF;
    COMMIT;
END $$;

-- Three rounds of each, from empty tables, in alternating order.
CREATE PROCEDURE round(last integer, off_first boolean) LANGUAGE plpgsql AS $$
BEGIN
    FOR pass IN 1..2 LOOP
        CALL empty();
        IF (pass = 1) = off_first THEN
            CALL counting(false);
            CALL ingest('ingestion, counting off', 0, last);
            CALL empty();
            CALL ingest_one_by_one('one event per call, counting off', 5000);
            CALL counting(true);
        ELSE
            CALL ingest('ingestion, counting on', 0, last);
            CALL empty();
            CALL ingest_one_by_one('one event per call, counting on', 5000);
        END IF;
    END LOOP;
END $$;
CALL round(:last_batch, true);
CALL round(:last_batch, false);
CALL round(:last_batch, true);
-- The tables as the last batched ingestion left them, with its deltas only.
CALL empty();
TRUNCATE cdp.stats_event_deltas, cdp.stats_profile_deltas;
CALL ingest('ingestion of the events refreshed below', 0, :last_batch);

SELECT count(*) AS delta_rows, sum(events) AS events_counted FROM cdp.stats_event_deltas;
CALL timed('refresh_stats(), first (folds every event''s deltas, recounts histories)',
           'SELECT cdp.refresh_stats()', :scale * 1000);
CALL timed('GROUP BY over cdp.events (what a dashboard would run instead)',
           $q$SELECT count(*) FROM (SELECT timezone('UTC', occurred_at)::date, source_id, type, event, count(*)
                                      FROM cdp.events GROUP BY 1, 2, 3, 4) g$q$, :scale * 1000);
CALL ingest('ingestion of 10,000 more, counting on', :last_batch + 1, :last_batch + 10);
CALL timed('refresh_stats() after 10,000 more', 'SELECT cdp.refresh_stats()', 10000);
CALL timed('refresh_stats() with nothing new (the states alone)', 'SELECT cdp.refresh_stats()', 0);
CALL timed('refresh_stats(backfill => true)', 'SELECT cdp.refresh_stats(true)', :scale * 1000 + 10000);
CALL timed('GROUP BY over cdp.events again', 
           $q$SELECT count(*) FROM (SELECT timezone('UTC', occurred_at)::date, source_id, type, event, count(*)
                                      FROM cdp.events GROUP BY 1, 2, 3, 4) g$q$, :scale * 1000 + 10000);

SELECT (SELECT sum(events) FROM cdp.stats_events_daily) AS counted, (SELECT count(*) FROM cdp.events) AS stored,
       (SELECT count(*) FROM cdp.profiles) AS profiles;

\echo
\echo 'Ingestion with and without counting (median of the rounds), per 1,000 events'
WITH med AS (
    SELECT label, split_part(label, ', counting', 1) AS kind,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS seconds,
           string_agg(round(seconds::numeric, 2)::text, ' / ') AS rounds, max(events) AS events
      FROM results WHERE label LIKE '%, counting o%' GROUP BY label)
SELECT r.label, round(r.seconds::numeric, 2) AS seconds, r.rounds,
       round((1000 * 1000 * r.seconds / r.events)::numeric, 2) AS ms_per_1000_events,
       round((r.seconds / o.seconds)::numeric, 3) AS ratio_to_off
  FROM med r JOIN med o ON o.kind = r.kind AND o.label LIKE '%counting off'
 ORDER BY r.kind, r.label DESC;

\echo 'Refreshing against querying the raw events'
SELECT label, round(seconds::numeric, 3) AS seconds, events,
       CASE WHEN events > 0 THEN round((1000 * 1000 * seconds / events)::numeric, 3) END AS ms_per_1000_events
  FROM results WHERE label NOT LIKE '%, counting o%' ORDER BY ctid;
