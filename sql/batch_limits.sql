-- The work one call may ask for is bounded: cdp.max_batch_events caps
-- the events (and so the rejects) of a batch, and a transaction's
-- evidence for stitching at commit is bounded by work_mem.
\set SHOW_CONTEXT never
SELECT cdp.create_source('batch_limits', 'server') IS NOT NULL AS created;
CREATE FUNCTION pg_temp.events(first integer, last integer) RETURNS jsonb LANGUAGE sql AS
$$ SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
       'type', 'identify', 'messageId', 'bl-' || n, 'userId', 'bl-user-' || n,
       'anonymousId', 'bl-anon-' || n, 'traits', pg_catalog.jsonb_build_object('plan', 'pro'),
       'timestamp', '2026-05-01T10:00:00Z'))
     FROM pg_catalog.generate_series(first, last) AS n $$;

SHOW cdp.max_batch_events;
SET cdp.max_batch_events = 5;
-- Exactly the limit goes in ...
SELECT cdp.ingest_batch('batch_limits', pg_temp.events(1, 5));
-- ... one more is refused before anything is read or written, in both
-- body shapes.
SELECT cdp.ingest_batch('batch_limits', pg_temp.events(6, 11));
SELECT cdp.ingest_batch('batch_limits', pg_catalog.jsonb_build_object('batch', pg_temp.events(6, 11)));
-- Rejects are bounded by the same limit: six nulls are refused as a
-- batch, not set aside one by one; five are set aside.
SELECT cdp.ingest_batch('batch_limits', pg_catalog.jsonb_agg(NULL::jsonb), reject_invalid => true)
  FROM pg_catalog.generate_series(1, 6);
SELECT count(*) AS rejected FROM cdp.rejected_events WHERE source_id = cdp.source_id('batch_limits');
SELECT cdp.ingest_batch('batch_limits', pg_catalog.jsonb_agg(NULL::jsonb), reject_invalid => true)
  FROM pg_catalog.generate_series(1, 5);
SELECT count(*) AS rejected FROM cdp.rejected_events WHERE source_id = cdp.source_id('batch_limits');
SELECT count(*) AS stored FROM cdp.events WHERE source_id = cdp.source_id('batch_limits');

\set VERBOSITY sqlstate
SET cdp.max_batch_events = 0;
SET cdp.max_batch_events = 1000001;
-- An ingest role cannot raise it.
CREATE ROLE cdp_batch_user;
SET ROLE cdp_batch_user;
SET cdp.max_batch_events = 100;
RESET ROLE;
DROP ROLE cdp_batch_user;
\set VERBOSITY default
RESET cdp.max_batch_events;

-- Evidence beyond work_mem waits in cdp.stitch_queue until the commit,
-- which stitches it; what a rolled-back savepoint queued goes with it,
-- and the evidence of the enclosing transaction stays.
BEGIN;
SET LOCAL work_mem = '64kB';
SELECT cdp.ingest_batch('batch_limits', pg_temp.events(101, 600));
SELECT count(*) > 0 AS queued FROM cdp.stitch_queue;
SELECT cdp.ingest_batch('batch_limits', pg_temp.events(1601, 1700));
SAVEPOINT s;
SELECT cdp.ingest_batch('batch_limits', pg_temp.events(601, 1100));
ROLLBACK TO SAVEPOINT s;
SAVEPOINT t;
SELECT cdp.ingest_batch('batch_limits', pg_temp.events(1101, 1600));
RELEASE SAVEPOINT t;
COMMIT;
SELECT count(*) AS queued FROM cdp.stitch_queue;
-- Each stitched event's user and anonymous ids share a profile, with the
-- event's traits; the rolled-back events left nothing.
SELECT count(*) AS identities, count(DISTINCT i.profile_id) AS profiles,
       count(*) FILTER (WHERE p.traits->>'plan' = 'pro') AS with_traits
  FROM cdp.identities i JOIN cdp.profiles p USING (profile_id)
 WHERE cdp.ident_value(i.ident) LIKE 'bl-%';
SELECT count(*) AS rolled_back_identities FROM cdp.identities
 WHERE cdp.ident_value(ident) IN ('bl-user-601', 'bl-anon-1100');
