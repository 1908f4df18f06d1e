-- Ingestion benchmark: 100,000 Segment-spec track events of about 1 KB,
-- sent as 100 batches of 1,000, one transaction per batch.
--
--   plain insert   the same jsonb documents into an unindexed table
--                  (the floor: what storing the bytes costs)
--   plpgsql loop   a naive PL/pgSQL ingester: dedup table + typed columns,
--                  no identifier extraction
--   cdp            cdp.ingest_batch (validation, identifiers, dedup,
--                  partitions), with cdp.inline_stitching off (events
--                  queued for stitching) and on (stitched at commit)
--   cdp replay     the same batches again: every event is a duplicate
\set ON_ERROR_STOP on
SET client_min_messages = warning;

SELECT cdp.create_source('bench', 'web');

CREATE TABLE bench_batches AS
SELECT b AS batch_no,
       jsonb_agg(jsonb_build_object(
         'type', 'track',
         'event', (ARRAY['Product Viewed', 'Product Added', 'Order Completed', 'Checkout Started'])[1 + (n % 4)],
         'messageId', md5('m' || n),
         'anonymousId', md5('a' || (n % 9000) || '-' || (n % 2)),
         'userId', CASE WHEN n % 3 = 0 THEN 'user-' || (n % 9000) END,
         'timestamp', to_char(timestamp '2026-11-01' + n * interval '7 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'sentAt', to_char(timestamp '2026-11-01' + n * interval '7 seconds' + interval '2 seconds', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'properties', jsonb_build_object('product_id', 'sku-' || (n % 500), 'price', (n % 10000) / 100.0,
                                          'currency', 'EUR', 'quantity', 1 + n % 3, 'category', 'shoes',
                                          'name', 'Trail runner model ' || (n % 500)),
         'context', jsonb_build_object(
            'library', jsonb_build_object('name', 'analytics.js', 'version', '4.1.0'),
            'ip', format('10.%s.%s.%s', n % 256, (n / 256) % 256, n % 7),
            'locale', 'en-GB',
            'userAgent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
            'page', jsonb_build_object('path', '/products/' || (n % 500), 'referrer', 'https://www.example.com/search?q=shoes',
                                       'title', 'Trail runner', 'url', 'https://shop.example.com/products/' || (n % 500)),
            'campaign', jsonb_build_object('name', 'autumn-sale', 'source', 'newsletter', 'medium', 'email'),
            'traits', CASE WHEN n % 5 = 0 THEN jsonb_build_object('email', 'person' || (n % 9000) || '@example.com') END,
            'device', jsonb_build_object('id', md5('d' || (n % 9000)), 'type', 'desktop'),
            'screen', jsonb_build_object('width', 1920, 'height', 1080, 'density', 1))
       ) ORDER BY n) AS events
  FROM generate_series(0, 99999) AS n, LATERAL (SELECT n / 1000 AS b) AS g
 GROUP BY b;

SELECT count(*) AS batches,
       round(avg(pg_column_size(e))) AS avg_event_bytes
  FROM bench_batches, LATERAL jsonb_array_elements(events) AS e;

CREATE TABLE plain_events (doc jsonb);

CREATE TABLE naive_dedup (source_id int, message_id text, PRIMARY KEY (source_id, message_id));
CREATE TABLE naive_events (event_id bigserial, source_id int, type text, event text, message_id text,
                           user_id text, anonymous_id text, occurred_at timestamptz, received_at timestamptz,
                           payload jsonb);
CREATE FUNCTION naive_ingest_batch(source_id int, events jsonb) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    e jsonb;
    n int := 0;
BEGIN
    FOR e IN SELECT jsonb_array_elements(events) LOOP
        IF e->>'type' IS NULL OR (e->>'userId' IS NULL AND e->>'anonymousId' IS NULL) THEN
            RAISE EXCEPTION 'bad event';
        END IF;
        INSERT INTO naive_dedup VALUES (source_id, e->>'messageId') ON CONFLICT DO NOTHING;
        IF FOUND THEN
            INSERT INTO naive_events (source_id, type, event, message_id, user_id, anonymous_id,
                                      occurred_at, received_at, payload)
            VALUES (source_id, e->>'type', e->>'event', e->>'messageId', e->>'userId', e->>'anonymousId',
                    (e->>'timestamp')::timestamptz, now(), e);
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END $$;

CREATE TABLE results (label text, seconds float8, events bigint);

-- Runs one statement per batch, committing after each; records the time.
CREATE PROCEDURE run(label text, per_batch text)
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    total bigint := 0;
    n bigint;
BEGIN
    FOR b IN 0..99 LOOP
        EXECUTE per_batch INTO n USING b;
        total := total + coalesce(n, 0);
        COMMIT;
    END LOOP;
    INSERT INTO results VALUES (label, extract(epoch FROM clock_timestamp() - started), total);
    COMMIT;
END $$;

-- Three rounds, each approach into empty tables; the median is reported.
SELECT count(*) FROM bench_batches WHERE events IS NOT NULL;   -- warm the cache
CREATE PROCEDURE round() LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE plain_events, naive_dedup, naive_events, cdp.events, cdp.ingested_messages, cdp.stitch_queue,
             cdp.identities, cdp.identity_edges, cdp.profiles, cdp.profile_aliases, cdp.merge_log,
             cdp.trait_values;
    COMMIT;
    CHECKPOINT;
    CALL run('plain insert', $q$WITH i AS (INSERT INTO plain_events SELECT jsonb_array_elements(events) FROM bench_batches WHERE batch_no = $1 RETURNING 1) SELECT count(*) FROM i$q$);
    CHECKPOINT;
    CALL run('plpgsql loop', $q$SELECT naive_ingest_batch(1, events) FROM bench_batches WHERE batch_no = $1$q$);
    CHECKPOINT;
    PERFORM set_config('cdp.inline_stitching', 'off', false);
    CALL run('cdp.ingest_batch, stitching off', $q$SELECT cdp.ingest_batch('bench', events) FROM bench_batches WHERE batch_no = $1$q$);
    CALL run('cdp.ingest_batch replay', $q$SELECT cdp.ingest_batch('bench', events) FROM bench_batches WHERE batch_no = $1$q$);
    TRUNCATE cdp.events, cdp.ingested_messages, cdp.stitch_queue;
    COMMIT;
    CHECKPOINT;
    PERFORM set_config('cdp.inline_stitching', 'on', false);
    CALL run('cdp.ingest_batch, stitching at commit', $q$SELECT cdp.ingest_batch('bench', events) FROM bench_batches WHERE batch_no = $1$q$);
END $$;
CALL round();
CALL round();
CALL round();

SELECT count(*) AS stored, count(DISTINCT message_id) AS distinct_ids,
       round(avg(cardinality(identifiers)), 2) AS identifiers_per_event
  FROM cdp.events WHERE source_id = cdp.source_id('bench');

\echo
\echo 'Ingestion of 100,000 events (~1 KB) in batches of 1,000, one commit per batch'
\echo 'median of 3 rounds; every round starts from empty tables'
WITH med AS (
    SELECT label, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS seconds,
           string_agg(round(seconds::numeric, 2)::text, ' / ') AS rounds, max(events) AS new_events
      FROM results GROUP BY label)
SELECT r.label,
       round(r.seconds::numeric, 2) AS seconds,
       r.rounds,
       round(100000 / r.seconds) AS events_per_s,
       r.new_events,
       round((r.seconds / p.seconds)::numeric, 2) AS cost_vs_plain_insert
  FROM med r, med p
 WHERE p.label = 'plain insert'
 ORDER BY r.seconds;
