\set SHOW_CONTEXT never
-- cdp.ingest: one Segment-spec event in, its typed columns out.
SELECT cdp.create_source('app', 'web') AS app;

SELECT cdp.ingest('app', '{
  "type": "identify", "messageId": "id-1", "userId": "user-1",
  "anonymousId": "anon-1", "timestamp": "2026-11-02T10:00:00.123Z",
  "traits": {"email": "Alice@Example.com", "phone": "+61 412 345 678", "name": "Alice"},
  "context": {"device": {"id": "dev-1"}}
}') > 0 AS identify;
SELECT cdp.ingest('app', '{"type": "track", "event": "Order Completed", "messageId": "tr-1",
  "userId": 42, "timestamp": "2026-11-02T10:05:00+01:00",
  "properties": {"revenue": 19.99},
  "context": {"traits": {"email": "alice@example.com"}}}') > 0 AS track;
SELECT cdp.ingest('app', '{"type": "page", "name": "Home", "messageId": "pg-1",
  "anonymousId": "anon-1", "timestamp": "2026-11-02"}') > 0 AS page;
SELECT cdp.ingest('app', '{"type": "screen", "messageId": "sc-1",
  "anonymousId": "anon-2", "timestamp": "2026-11-02T11:00:00Z"}') > 0 AS screen;
SELECT cdp.ingest('app', '{"type": "group", "groupId": "acme", "messageId": "gr-1",
  "userId": "user-1", "timestamp": "2026-11-02T11:00:00Z"}') > 0 AS "group";
SELECT cdp.ingest('app', '{"type": "alias", "previousId": "anon-2", "messageId": "al-1",
  "userId": "user-1", "timestamp": "2026-11-02T12:00:00Z"}') > 0 AS alias;

SELECT type, event, message_id, user_id, anonymous_id, identifiers, occurred_at
  FROM cdp.events ORDER BY event_id;

-- The raw event is kept whole.
SELECT payload = '{"type": "page", "name": "Home", "messageId": "pg-1",
  "anonymousId": "anon-1", "timestamp": "2026-11-02"}'::jsonb AS kept_whole
  FROM cdp.events WHERE message_id = 'pg-1';

-- A replayed messageId returns NULL and adds nothing, whatever its body.
SELECT cdp.ingest('app', '{"type": "track", "event": "Other", "messageId": "tr-1", "userId": "x"}') AS replay;
SELECT count(*) AS events FROM cdp.events;
-- The idempotency key is the first 128 bits of the messageId's SHA-256.
SELECT cdp.message_key('tr-1') = encode(substring(sha256('tr-1'::bytea) FROM 1 FOR 16), 'hex')::uuid AS key_is_sha256,
       count(*) AS claimed
  FROM cdp.ingested_messages
 WHERE source_id = cdp.source_id('app') AND message_key = cdp.message_key('tr-1');
SELECT cdp.message_key(NULL) IS NULL AS strict;

-- The same messageId from another source is another event.
SELECT cdp.create_source('other');
SELECT cdp.ingest('other', '{"type": "track", "event": "E", "messageId": "tr-1", "userId": "x",
  "timestamp": "2026-11-02T00:00:00Z"}') > 0 AS other_source;

-- Without a messageId the content is the key: the same event twice is one.
SELECT cdp.ingest('app', '{"type": "track", "event": "No Id", "userId": "u9",
  "timestamp": "2026-11-03T00:00:00Z"}') > 0 AS first;
SELECT cdp.ingest('app', '{"userId": "u9", "event": "No Id", "type": "track",
  "timestamp": "2026-11-03T00:00:00Z"}') AS same_content;
SELECT message_id ~ '^content:[0-9a-f]{32}$' AS content_key FROM cdp.events WHERE event = 'No Id';

-- Event time: "timestamp" wins; otherwise originalTimestamp corrected by
-- the client's clock skew (received_at - sentAt); otherwise received_at.
SELECT cdp.ingest('app', '{"type": "track", "event": "Skew", "messageId": "sk-1", "userId": "u",
  "timestamp": "2026-11-04T00:00:00Z", "originalTimestamp": "2020-01-01T00:00:00Z",
  "sentAt": "2020-01-01T00:00:00Z"}') > 0;
BEGIN;
SELECT cdp.ingest('app', format('{"type": "track", "event": "Skew", "messageId": "sk-2", "userId": "u",
  "originalTimestamp": "%s", "sentAt": "%s"}',
  to_char((now() - interval '2 hours' - interval '5 minutes') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  to_char((now() - interval '2 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::jsonb) > 0;
SELECT message_id, received_at - occurred_at AS before_receipt
  FROM cdp.events WHERE message_id = 'sk-2';
COMMIT;
CREATE TEMP TABLE now_1 AS
SELECT cdp.ingest('app', '{"type": "track", "event": "Now", "messageId": "now-1", "userId": "u"}') AS id,
       statement_timestamp() AS statement_start;
SELECT occurred_at = received_at AS received_when_no_time, received_at = statement_start AS at_statement_start
  FROM cdp.events JOIN now_1 ON event_id = id;
SELECT occurred_at FROM cdp.events WHERE message_id = 'sk-1';

-- ISO 8601 forms: offsets, fractions (rounded to microseconds), lower-case
-- separators, date only.  The session time zone plays no part.
SET TimeZone = 'America/New_York';
SELECT cdp.ingest('app', format('{"type":"track","event":"T","userId":"u","messageId":"ts-%s","timestamp":"%s"}', n, t)::jsonb) > 0
  FROM (VALUES (1, '2026-11-05T10:00:00Z'), (2, '2026-11-05t10:00:00z'),
               (3, '2026-11-05 12:30:00+02:30'), (4, '2026-11-05T05:00:00-0500'),
               (5, '2026-11-05T10:00:00.1234567Z'), (6, '2026-11-05T10:00Z'),
               (7, '2026-11-05'), (8, '2024-02-29T23:59:59.999999-12')) AS v(n, t);
RESET TimeZone;
SELECT message_id, occurred_at AT TIME ZONE 'UTC' AS utc
  FROM cdp.events WHERE message_id LIKE 'ts-%' ORDER BY message_id;
