-- Privacy benchmark: 100,000 people and 1,000,000 events in the
-- background (psql -v scale=N multiplies them), and two people of the same
-- shape: three identifiers, traits, a consent and 10,000 events over a
-- year.
--
-- 1. cdp.forget of one of them against the plain DELETEs a user would
--    write for the other (events by anchor, identities, edges, trait
--    values, consents, the profile), both in this run.
-- 2. The suppression check at ingestion: batches of 1,000 events with no
--    suppression, then with 10,000 suppressed identifiers (the backend's
--    sorted array), the first batch after a change (the cache reloads),
--    and what a batched SPI look-up of the same HMACs would cost instead.
-- 3. cdp.apply_retention: one month's partition dropped against the same
--    rows deleted.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?scale}
\else
\set scale 1
\endif
SET work_mem = '256MB';
SELECT cdp.create_source('bench', 'web') > 0 AS source, cdp.create_source('old', 'batch') > 0 AS old_source;

INSERT INTO cdp.profiles (profile_id, traits)
SELECT n, jsonb_build_object('city', (ARRAY['Lyon', 'Paris', 'Rome', 'Oslo'])[1 + n % 4])
  FROM generate_series(1, 100000 * :scale) AS n;
SELECT setval('cdp.profiles_profile_id_seq', 100000 * :scale);
INSERT INTO cdp.identities (identity_id, ident, profile_id, first_seen)
SELECT n, cdp.ident('user_id', 'bench-' || n), n, '2026-01-01' FROM generate_series(1, 100000 * :scale) AS n;
SELECT setval('cdp.identities_identity_id_seq', 100000 * :scale);
SELECT count(cdp.ensure_event_partition(m)) AS partitions
  FROM generate_series('2025-05-01'::timestamptz, '2026-07-01', '1 month') AS m;
INSERT INTO cdp.events (event_id, source_id, type, event, message_id, user_id, identifiers, anchor,
                        occurred_at, received_at, payload)
SELECT e, 1, 'track', 'Product Viewed', 'b' || e, 'bench-' || p, ARRAY[cdp.ident('user_id', 'bench-' || p)],
       cdp.ident('user_id', 'bench-' || p), '2026-07-01'::timestamptz - (h % 31536000) * interval '1 second',
       '2026-07-01', jsonb_build_object('properties', jsonb_build_object('sku', 'S' || h % 50))
  FROM (SELECT e, 1 + (hashint8(e) & 2147483647) % (100000 * :scale) AS p,
               hashint8extended(e, 7) & 2147483647 AS h
          FROM generate_series(1, 1000000 * :scale) AS e) g;
SELECT setval('cdp.events_event_id_seq', 1000000 * :scale);

-- The two people: an identify through ingestion (identities, edges,
-- traits), a consent, then 10,000 events each over the year.
SELECT cdp.ingest('bench', jsonb_build_object('type', 'identify', 'userId', who, 'anonymousId', 'anon-' || who,
                  'traits', jsonb_build_object('email', who || '@example.com', 'name', who),
                  'timestamp', '2026-01-01T00:00:00Z', 'messageId', 'id-' || who)) IS NOT NULL AS identified
  FROM unnest(ARRAY['target-a', 'target-b']) AS who;
SELECT cdp.set_consent(cdp.resolve(cdp.ident('user_id', who)), 'analytics', true, 'bench') > 0 AS consent
  FROM unnest(ARRAY['target-a', 'target-b']) AS who;
INSERT INTO cdp.events (event_id, source_id, type, event, message_id, user_id, identifiers, anchor,
                        occurred_at, received_at, payload)
SELECT nextval('cdp.events_event_id_seq'), 1, 'track', 'Order Completed', who || '-' || e, who,
       ARRAY[cdp.ident('user_id', who)], cdp.ident('user_id', who),
       '2026-07-01'::timestamptz - (e * 3153) * interval '1 second', '2026-07-01',
       jsonb_build_object('properties', jsonb_build_object('revenue', e % 100))
  FROM unnest(ARRAY['target-a', 'target-b']) AS who, generate_series(1, 10000) AS e;
VACUUM ANALYZE cdp.profiles, cdp.identities, cdp.events;
SELECT (SELECT count(*) FROM cdp.events) AS events,
       (SELECT count(*) FROM cdp.profile_events WHERE profile_id = cdp.resolve('user_id:target-a')) AS target_events;

CREATE TABLE results (label text, seconds float8, note text);
-- Times stmt with its commit (stitching at commit included).
CREATE PROCEDURE timed(label text, stmt text, note_sql text) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); seconds float8; note text;
BEGIN
    EXECUTE stmt;
    COMMIT;
    seconds := extract(epoch FROM clock_timestamp() - t0);
    EXECUTE note_sql INTO note;
    INSERT INTO results VALUES (label, seconds, note);
    COMMIT;
END $$;

-- 1. Erasure against plain DELETEs of the same kind of rows.
CALL timed('cdp.forget, 10,000 events', $$SELECT cdp.forget('user_id:target-a'::cdp.ident, 'bench')$$,
           $$SELECT (detail -> 'removed' ->> 'events') || ' events, ' || (detail ->> 'suppressed') || ' identifiers suppressed'
               FROM cdp.audit_log WHERE action = 'forget'$$);
CREATE FUNCTION plain_deletes(who text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE p bigint := cdp.resolve(cdp.ident('user_id', who)); n bigint;
BEGIN
    DELETE FROM cdp.events e USING cdp.identities i WHERE i.profile_id = p AND e.anchor OPERATOR(cdp.=) i.ident;
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM cdp.identity_edges e USING cdp.identities i
     WHERE i.profile_id = p AND (e.a_id = i.identity_id OR e.b_id = i.identity_id);
    DELETE FROM cdp.trait_values t USING cdp.identities i WHERE i.profile_id = p AND t.identity_id = i.identity_id;
    DELETE FROM cdp.identifier_consents c USING cdp.identities i WHERE i.profile_id = p AND c.ident OPERATOR(cdp.=) i.ident;
    DELETE FROM cdp.consents WHERE profile_id = p;
    DELETE FROM cdp.identities WHERE profile_id = p;
    DELETE FROM cdp.profiles WHERE profile_id = p;
    RETURN n;
END $$;
CALL timed('plain DELETEs, 10,000 events', $$SELECT plain_deletes('target-b')$$,
           $$SELECT 'events, identities, edges, traits, consents, profile'$$);

-- 2. The suppression check at ingestion.
CREATE FUNCTION batch(tag text, n int) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_agg(jsonb_build_object('type', 'track', 'event', 'E', 'userId', 'ing-' || tag || '-' || i,
                                        'anonymousId', 'anon-' || tag || '-' || i,
                                        'timestamp', '2026-06-15T00:00:00Z', 'messageId', tag || '-' || i))
      FROM generate_series(1, n) AS i
$$;
-- The batches of one timing share a transaction, stitched when it
-- commits (inside the timing).
CREATE FUNCTION ingest_batches(tag text, batches int) RETURNS bigint LANGUAGE sql AS $$
    SELECT sum(cdp.ingest_batch('bench', batch(tag || b, 1000))) FROM generate_series(1, batches) AS b
$$;
-- The suppressions of the first run are removed for the baseline.
DELETE FROM cdp.suppressions;
CALL timed('ingest 10 x 1,000 events, no suppression', $$SELECT ingest_batches('none', 10)$$,
           $$SELECT '2 identifiers each'$$);
INSERT INTO cdp.suppressions (hmac, key_id, kind, reason)
SELECT cdp.suppression_hmac(cdp.ident('email', 'gone-' || i || '@example.com'), k.key), k.key_id, 'email', 'bench'
  FROM generate_series(1, 10000) AS i, cdp.privacy_keys k;
CALL timed('first batch after 10,000 suppressions (cache load)', $$SELECT ingest_batches('load', 1)$$,
           $$SELECT 'reads cdp.suppressions'$$);
CALL timed('ingest 10 x 1,000 events, 10,000 suppressions', $$SELECT ingest_batches('some', 10)$$,
           $$SELECT (SELECT count(*) FROM cdp.suppressions) || ' suppressions, 20,000 HMACs + bsearch'$$);
CREATE TABLE batch_hmacs AS
SELECT cdp.suppression_hmac(cdp.ident('user_id', 'ing-x-' || i), k.key) AS h FROM generate_series(1, 2000) i, cdp.privacy_keys k;
CREATE FUNCTION spi_lookups(n int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE hs bytea[] := ARRAY(SELECT h FROM batch_hmacs); found bigint := 0; c bigint;
BEGIN
    FOR i IN 1 .. n LOOP
        EXECUTE 'SELECT count(*) FROM cdp.suppressions s WHERE s.hmac = ANY ($1)' INTO c USING hs;
        found := found + c;
    END LOOP;
    RETURN found;
END $$;
CALL timed('10 x SPI look-up of 2,000 HMACs', $$SELECT spi_lookups(10)$$,
           $$SELECT 'the batched query alone (HMACs precomputed): the alternative to the cache'$$);

-- 3. Retention: a month of a source with retention dropped whole, against
--    the same number of rows deleted.
INSERT INTO cdp.events (event_id, source_id, type, event, message_id, user_id, identifiers, anchor,
                        occurred_at, received_at, payload)
SELECT nextval('cdp.events_event_id_seq'), 2, 'track', 'Old', 'old-' || e, 'bench-1',
       ARRAY['user_id:bench-1'::cdp.ident], 'user_id:bench-1', '2025-05-01'::timestamptz + (e % 2592000) * interval '1 second',
       '2025-06-01', '{}'
  FROM generate_series(1, 100000 * :scale) AS e;
CREATE TABLE copy_of_may AS SELECT * FROM cdp.events_2025_05;
SELECT cdp.set_source_retention('old', '365 days');
CALL timed('apply_retention: a month dropped', $$SELECT cdp.apply_retention('2026-07-01T00:00:00Z')$$,
           $$SELECT (detail -> 'events' ->> 'events_in_dropped_partitions') || ' events in '
                    || (detail -> 'events' ->> 'partitions_dropped') || ' partition'
               FROM cdp.audit_log WHERE action = 'retention'$$);
SELECT cdp.set_source_retention('old', NULL);
SELECT cdp.ensure_event_partition('2025-05-01') IS NOT NULL AS may_again;
INSERT INTO cdp.events SELECT * FROM copy_of_may;
CALL timed('DELETE of the same rows', $$DELETE FROM cdp.events WHERE source_id = 2$$,
           $$SELECT count(*) || ' rows' FROM copy_of_may$$);

\echo Privacy benchmark (seconds; ratio = peer / cdp, higher is better for cdp)
SELECT label, round(seconds::numeric, 3) AS seconds, note FROM results;
SELECT round(((SELECT seconds FROM results WHERE label LIKE 'plain DELETEs%')
              / (SELECT seconds FROM results WHERE label LIKE 'cdp.forget%'))::numeric, 2) AS deletes_vs_forget_ratio,
       round(((SELECT seconds FROM results WHERE label LIKE 'ingest 10 x 1,000 events, 10,000%')
              / (SELECT seconds FROM results WHERE label LIKE 'ingest 10 x 1,000 events, no%') * 100 - 100)::numeric, 1)
           AS suppression_check_overhead_pct,
       round(((SELECT seconds FROM results WHERE label = 'DELETE of the same rows')
              / (SELECT seconds FROM results WHERE label LIKE 'apply_retention%'))::numeric, 2) AS delete_vs_drop_ratio;
