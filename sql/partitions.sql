\set SHOW_CONTEXT never
-- cdp.events is partitioned by month (UTC) of occurred_at; partitions are
-- made on demand.
SELECT cdp.create_source('partitions_app');
SET TimeZone = 'Pacific/Auckland';   -- partition bounds do not depend on it

SELECT cdp.ingest_batch('partitions_app', '[
  {"type": "track", "event": "E", "userId": "u", "messageId": "1", "timestamp": "2026-10-31T23:59:59.999999Z"},
  {"type": "track", "event": "E", "userId": "u", "messageId": "2", "timestamp": "2026-11-01T00:00:00Z"},
  {"type": "track", "event": "E", "userId": "u", "messageId": "3", "timestamp": "2026-11-01T10:00:00+11:00"},
  {"type": "track", "event": "E", "userId": "u", "messageId": "4", "timestamp": "1999-12-31T23:00:00-05:00"},
  {"type": "track", "event": "E", "userId": "u", "messageId": "5", "timestamp": "1970-01-01T00:00:00Z"}
]');

-- (Only this test's partitions are listed: events that other tests ingest
-- without a timestamp land in the month the suite runs.)
SET TimeZone = 'UTC';
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bounds,
       count(e.*) AS events
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  JOIN cdp.events e ON e.tableoid = c.oid AND e.source_id = cdp.source_id('partitions_app')
 WHERE i.inhparent = 'cdp.events'::regclass
 GROUP BY c.relname, c.oid ORDER BY c.relname;
RESET TimeZone;

-- The bounds are exact UTC months whatever the session's TimeZone and
-- DateStyle: a session with odd settings (EST-3 is UTC+3 in POSIX terms;
-- 'IST' printed under DateStyle Postgres reads back as Israel) makes the
-- month, and events at the very start and end of it go in afterwards.
SET TimeZone = 'EST-3';
SET DateStyle = 'SQL, MDY';
SELECT cdp.ingest('partitions_app', '{"type": "track", "event": "E", "userId": "u", "messageId": "tz1", "timestamp": "1999-06-15T12:00:00Z"}') > 0 AS ingested;
SET TimeZone = 'Asia/Kolkata';
SET DateStyle = 'Postgres';
SELECT cdp.ingest('partitions_app', '{"type": "track", "event": "E", "userId": "u", "messageId": "tz2", "timestamp": "2001-03-15T12:00:00Z"}') > 0 AS ingested;
RESET TimeZone;
RESET DateStyle;
SELECT cdp.ingest_batch('partitions_app', '[
  {"type": "track", "event": "E", "userId": "u", "messageId": "tz3", "timestamp": "1999-06-01T00:00:00Z"},
  {"type": "track", "event": "E", "userId": "u", "messageId": "tz4", "timestamp": "1999-06-30T23:59:59.999999Z"},
  {"type": "track", "event": "E", "userId": "u", "messageId": "tz5", "timestamp": "1999-07-01T00:00:00Z"},
  {"type": "track", "event": "E", "userId": "u", "messageId": "tz6", "timestamp": "2001-03-01T00:00:00Z"},
  {"type": "track", "event": "E", "userId": "u", "messageId": "tz7", "timestamp": "2001-02-28T23:59:59Z"}
]');
SET TimeZone = 'UTC';
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bounds, count(e.*) AS events
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  LEFT JOIN cdp.events e ON e.tableoid = c.oid AND e.source_id = cdp.source_id('partitions_app')
 WHERE i.inhparent = 'cdp.events'::regclass
   AND c.relname IN ('events_1999_06', 'events_1999_07', 'events_2001_02', 'events_2001_03')
 GROUP BY c.relname, c.oid ORDER BY c.relname;
RESET TimeZone;

-- Partitions can be made ahead of time; doing it twice is harmless.
SELECT cdp.ensure_event_partition('2027-01-15T00:00:00Z');
SELECT cdp.ensure_event_partition('2027-01-31T23:00:00Z');
SELECT count(*) AS partitions_of_2027_01
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'cdp.events'::regclass AND c.relname LIKE 'events_2027_01%';

-- Partition pruning works on occurred_at.
EXPLAIN (COSTS OFF) SELECT count(*) FROM cdp.events
 WHERE occurred_at >= '2026-11-01T00:00:00Z' AND occurred_at < '2026-12-01T00:00:00Z';

-- A dropped partition (retention) is made again by the next event of its
-- month, in this session whose cache had it.
DROP TABLE cdp.events_2026_11;
SELECT cdp.ingest('partitions_app', '{"type": "track", "event": "E", "userId": "u", "messageId": "6", "timestamp": "2026-11-20T00:00:00Z"}') > 0 AS recreated;
SELECT count(*) FROM cdp.events_2026_11 WHERE source_id = cdp.source_id('partitions_app');

-- A partition made inside a transaction that rolls back is made again.
BEGIN;
SELECT cdp.ingest('partitions_app', '{"type": "track", "event": "E", "userId": "u", "messageId": "7", "timestamp": "2025-05-05T00:00:00Z"}') > 0;
ROLLBACK;
SELECT cdp.ingest('partitions_app', '{"type": "track", "event": "E", "userId": "u", "messageId": "7", "timestamp": "2025-05-05T00:00:00Z"}') > 0 AS after_rollback;
SELECT to_regclass('cdp.events_2025_05') IS NOT NULL AS exists;

-- Bad times are refused; only the owner may make partitions.
\set VERBOSITY sqlstate
SELECT cdp.ensure_event_partition('infinity');
SELECT cdp.ensure_event_partition(NULL);
SELECT cdp.ensure_event_partition('1969-12-31T23:59:59Z');
SELECT cdp.ensure_event_partition('4713-01-15 BC');
\set VERBOSITY default
CREATE ROLE cdp_partition_user;
GRANT USAGE ON SCHEMA cdp TO cdp_partition_user;
SET ROLE cdp_partition_user;
SELECT cdp.ensure_event_partition('2030-01-01T00:00:00Z');
RESET ROLE;
REVOKE USAGE ON SCHEMA cdp FROM cdp_partition_user;
DROP ROLE cdp_partition_user;
