\set SHOW_CONTEXT never
-- Ingestion limits at their exact boundary, from both sides: every case
-- here fails when one of the bugs of test/mutation/mutants.tsv is planted.
SELECT cdp.create_source('bounds_app') > 0 AS created;

-- At most 64 identifiers an event: its userId and 63 mapped device ids
-- are taken, one more is refused.
SELECT cdp.map_identifier('bounds_app', 'device_id', '$.properties.devices[*]');
CREATE FUNCTION pg_temp.with_devices(n integer) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object('type', 'track', 'event', 'E', 'userId', 'bounds-u' || n,
                              'messageId', 'bounds-ids-' || n, 'timestamp', '2026-05-01T10:00:00Z',
                              'properties', jsonb_build_object('devices',
                                  (SELECT jsonb_agg('bounds-d' || n || '-' || i) FROM generate_series(1, n) i)))
$$;
SELECT cdp.ingest('bounds_app', pg_temp.with_devices(63)) > 0 AS ingested;
SELECT cardinality(identifiers) FROM cdp.events WHERE message_id = 'bounds-ids-63';
SELECT cdp.ingest('bounds_app', pg_temp.with_devices(64));
SELECT cdp.unmap_identifier('bounds_app', 'device_id', '$.properties.devices[*]');

-- The month of a time before 2000 (a negative count of days from the
-- PostgreSQL epoch) is that of its UTC date, also when the next month was
-- seen first in the session.
SELECT cdp.ingest_batch('bounds_app', '[
  {"type": "track", "event": "E", "userId": "bounds-t", "messageId": "bounds-t1", "timestamp": "2000-01-15T00:00:00Z"},
  {"type": "track", "event": "E", "userId": "bounds-t", "messageId": "bounds-t2", "timestamp": "1999-12-31T12:00:00Z"}
]');
SELECT tableoid::regclass AS partition, message_id FROM cdp.events
 WHERE message_id IN ('bounds-t1', 'bounds-t2') ORDER BY message_id;

-- An event of exactly cdp.max_event_bytes is taken, alone or in a batch;
-- a longer one is not (4 bytes longer: jsonb pads containers to 4).
SELECT jsonb_build_object('type', 'track', 'event', 'E', 'userId', 'bounds-s', 'messageId', 'bounds-s1',
                          'timestamp', '2026-05-01T10:00:00Z',
                          'properties', jsonb_build_object('pad', repeat('x', 1100))) AS fits \gset
SELECT jsonb_set(:'fits', '{messageId}', '"bounds-s1xxxx"') AS too_big \gset
SELECT pg_column_size(:'fits'::jsonb) AS event_bytes, pg_column_size(:'too_big'::jsonb) AS too_big_bytes,
       set_config('cdp.max_event_bytes', pg_column_size(:'fits'::jsonb)::text, false) AS max_event_bytes;
SELECT cdp.ingest('bounds_app', :'fits') > 0 AS single_taken;
SELECT cdp.ingest_batch('bounds_app', jsonb_build_array(jsonb_set(:'fits', '{messageId}', '"bounds-s2"'))) AS batch_taken;
SELECT cdp.ingest('bounds_app', :'too_big');
SELECT cdp.ingest_batch('bounds_app', jsonb_build_array(:'too_big'::jsonb));
RESET cdp.max_event_bytes;

-- Domain labels are at most 63 bytes.
SELECT cdp.normalize_email('a@' || repeat('b', 63) || '.example');
SELECT cdp.normalize_email('a@' || repeat('b', 64) || '.example');

-- A fraction of a second beyond microseconds rounds half up.
SELECT cdp.ingest_batch('bounds_app', '[
  {"type": "track", "event": "E", "userId": "bounds-f", "messageId": "bounds-f1", "timestamp": "2026-05-01T10:00:00.0000005Z"},
  {"type": "track", "event": "E", "userId": "bounds-f", "messageId": "bounds-f2", "timestamp": "2026-05-01T10:00:00.0000004999Z"},
  {"type": "track", "event": "E", "userId": "bounds-f", "messageId": "bounds-f3", "timestamp": "2026-05-01T10:00:00.9999995Z"}
]');
SELECT message_id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS occurred_at
  FROM cdp.events WHERE message_id LIKE 'bounds-f_' ORDER BY message_id;

-- Identifier values are at most 1024 bytes, ASCII or not.
SELECT length(cdp.ident_value(cdp.ident('user_id', repeat('x', 1024)))) AS ascii_1024,
       length(cdp.ident_value(cdp.ident('user_id', repeat('é', 512)))) AS two_byte_512;
SELECT cdp.ident('user_id', repeat('é', 512) || 'x');

-- A page or screen with an empty name has no name.
SELECT cdp.ingest('bounds_app', '{"type": "page", "name": "", "userId": "bounds-p", "messageId": "bounds-p1",
  "timestamp": "2026-05-01T10:00:00Z"}') > 0 AS ingested;
SELECT event IS NULL AS no_name FROM cdp.events WHERE message_id = 'bounds-p1';

-- An address is at most 254 bytes; a label neither starts nor ends with
-- a hyphen.
SELECT length(cdp.normalize_email(repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63)
                                  || '.' || repeat('d', 57) || '.com')) AS address_254;
SELECT cdp.normalize_email(repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63)
                           || '.' || repeat('d', 58) || '.com');
SELECT cdp.normalize_email('alice@example-.com');

-- Kind names are at most 63 characters: a longer one is no kind name.
SELECT cdp.ident(repeat('k', 63), 'x');
SELECT cdp.ident(repeat('k', 64), 'x');
