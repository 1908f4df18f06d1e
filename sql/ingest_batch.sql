\set SHOW_CONTEXT never
-- cdp.ingest_batch: arrays of events, idempotent, all-or-nothing by default.
SELECT cdp.create_source('batch_web', 'web');
SELECT cdp.create_source('batch_mobile', 'mobile');

CREATE FUNCTION pg_temp.ev(n int, extra text DEFAULT '') RETURNS text
LANGUAGE sql AS $$
    SELECT format('{"type": "track", "event": "E%s", "userId": "u%s", "messageId": "m%s", "timestamp": "2026-11-10T00:00:%sZ"%s}',
                  n, n % 7, n, lpad((n % 60)::text, 2, '0'), extra)
$$;

-- A JSON array.
SELECT cdp.ingest_batch('batch_web', ('[' || pg_temp.ev(1) || ',' || pg_temp.ev(2) || ',' || pg_temp.ev(3) || ']')::jsonb) AS new_events;
-- The Segment HTTP batch body: {"batch": [...], "sentAt": ...}.  The
-- batch's sentAt corrects each event's originalTimestamp.
SELECT cdp.ingest_batch('batch_web', '{"batch": [
    {"type": "track", "event": "Skewed", "userId": "u1", "messageId": "b1",
     "originalTimestamp": "2020-01-01T00:00:00Z"}],
  "sentAt": "2020-01-01T00:00:10Z"}') AS new_events;
SELECT received_at - occurred_at AS skew_corrected FROM cdp.events WHERE message_id = 'b1';

-- Replaying a batch adds nothing; duplicates inside a batch count once
-- (the first one is kept).
SELECT cdp.ingest_batch('batch_web', ('[' || pg_temp.ev(1) || ',' || pg_temp.ev(2) || ',' || pg_temp.ev(3) || ']')::jsonb) AS replay;
SELECT cdp.ingest_batch('batch_web', ('[' || pg_temp.ev(4) || ',' || pg_temp.ev(4, ', "properties": {"copy": 2}') || ',' || pg_temp.ev(5) || ']')::jsonb) AS with_duplicate;
SELECT payload ? 'properties' AS second_copy_kept FROM cdp.events
 WHERE source_id = cdp.source_id('batch_web') AND message_id = 'm4';
SELECT cdp.ingest_batch('batch_web', '[]') AS empty;
SELECT cdp.ingest_batch('batch_web', '{"batch": []}') AS empty_body;

-- Event ids follow the batch order.
SELECT array_agg(message_id ORDER BY event_id) AS order_kept FROM cdp.events WHERE source_id = cdp.source_id('batch_web');

-- A batch larger than one insert chunk, with duplicates across chunks.
SELECT cdp.ingest_batch('batch_mobile', (SELECT jsonb_agg(pg_temp.ev(n % 2200)::jsonb ORDER BY n) FROM generate_series(1, 2500) n)) AS big;
SELECT count(*), count(DISTINCT message_id), min(message_id COLLATE "C"), max(message_id COLLATE "C")
  FROM cdp.events WHERE source_id = cdp.source_id('batch_mobile');

-- One bad event rolls the whole batch back, naming its position.
\set SHOW_CONTEXT errors
SELECT cdp.ingest_batch('batch_web', ('[' || pg_temp.ev(10) || ', {"type": "track", "userId": "secret"}, ' || pg_temp.ev(11) || ']')::jsonb);
\set SHOW_CONTEXT never
SELECT count(*) AS nothing_from_failed_batch FROM cdp.events
 WHERE source_id = cdp.source_id('batch_web') AND message_id IN ('m10', 'm11');
SELECT count(*) AS no_ids_claimed FROM cdp.ingested_messages
 WHERE source_id = cdp.source_id('batch_web') AND message_key IN (cdp.message_key('m10'), cdp.message_key('m11'));

-- With reject_invalid the bad events are recorded and the rest go in.
SET cdp.max_event_bytes = 1024;
SELECT cdp.ingest_batch('batch_web', ('[' || pg_temp.ev(20) || ', {"type": "track", "userId": "secret"}, 17, '
       || pg_temp.ev(21, format(', "properties": {"blob": "%s"}', repeat('x', 2000))) || ', '
       || pg_temp.ev(22, ', "timestamp": "not a time"') || ', ' || pg_temp.ev(23) || ']')::jsonb,
       reject_invalid => true) AS accepted;
RESET cdp.max_event_bytes;
SELECT batch_index, sqlstate, reason, payload, payload_bytes > 1024 AS over_limit
  FROM cdp.rejected_events ORDER BY rejected_id;
SELECT array_agg(message_id ORDER BY message_id) AS accepted FROM cdp.events
 WHERE source_id = cdp.source_id('batch_web') AND message_id IN ('m20', 'm21', 'm22', 'm23');

-- Bodies that are no batch at all.
\set VERBOSITY sqlstate
SELECT cdp.ingest_batch('batch_web', '{"events": []}');
SELECT cdp.ingest_batch('batch_web', '{"batch": {}}');
SELECT cdp.ingest_batch('batch_web', '"x"');
SELECT cdp.ingest_batch('batch_web', '{"batch": [], "sentAt": "never"}');
SELECT cdp.ingest_batch('batch_web', NULL);
SELECT cdp.ingest_batch('batch_web', '[]', NULL);
SELECT cdp.ingest_batch('nope', '[]');
\set VERBOSITY default
