\set SHOW_CONTEXT never
-- The background worker's jobs, called on demand: cdp.run_pending() in
-- bounded batches with "more", real-time and scheduled segments, computed
-- traits, expired consent, poison items set aside and retried, backoff,
-- and a second call that finds nothing to do.
-- In a database of its own: the jobs cover every profile.
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS cdp_worker_jobs_test;
CREATE DATABASE cdp_worker_jobs_test;
\c cdp_worker_jobs_test
CREATE EXTENSION cdp;
SET TimeZone = 'UTC';
SET client_min_messages = warning;
SELECT cdp.create_source('shop', 'web');

-- Retention is tried at the end; failures are retried at once, and an
-- item is set aside after 3.
SET cdp.retention_interval = 0;
SET cdp.stats_interval = 0;
SET cdp.worker_retry_delay = 0;
SET cdp.worker_max_tries = 3;
SET cdp.segment_now = '2026-04-01T00:00:00Z';

CREATE FUNCTION pg_temp.send(kind text, who text, name text, at text,
                             body jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE sql AS $$
    SELECT cdp.ingest('shop', jsonb_build_object(
        'type', kind, 'userId', who,
        'timestamp', at, 'messageId', md5(kind || who || coalesce(name, '') || at || body::text)) || body
        || CASE WHEN name IS NULL THEN '{}' ELSE jsonb_build_object('event', name) END)
$$;
-- What a job did in one call, and whether work remains.
CREATE FUNCTION pg_temp.did(r jsonb, job text) RETURNS text
LANGUAGE sql AS $$
    SELECT format('%s: items %s, batches %s, errors %s, set aside %s; more %s', job,
                  r->job->'items', r->job->'batches', r->job->'errors', r->job->'set_aside', r->'more')
$$;

-- Nothing to do: every job reports nothing, and nothing is recorded.
SELECT cdp.run_pending();
SELECT * FROM cdp.worker_job_lag();
SELECT count(*) FROM cdp.worker_jobs;

-- Deferred stitching: five events queued, stitched two at a time.
SET cdp.inline_stitching = off;
SELECT count(pg_temp.send('identify', 'u' || i, NULL, '2026-03-0' || i || 'T10:00:00Z',
                          jsonb_build_object('traits', jsonb_build_object(
                              'city', CASE WHEN i % 2 = 1 THEN 'Lyon' ELSE 'Paris' END, 'age', 30 + i))))
  FROM generate_series(1, 5) i;
SELECT count(*) AS queued, (SELECT count(*) FROM cdp.profiles) AS profiles FROM cdp.stitch_queue;
SELECT job, pending, oldest IS NOT NULL AS has_oldest FROM cdp.worker_job_lag() WHERE job = 'stitch';
SELECT pg_temp.did(cdp.run_pending(2), 'stitch');
SELECT pg_temp.did(cdp.run_pending(2), 'stitch');
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'stitch';
SELECT pg_temp.did(cdp.run_pending(2), 'stitch');
SELECT count(*) AS queued, (SELECT count(*) FROM cdp.profiles) AS profiles FROM cdp.stitch_queue;
SELECT job, runs, batches, items, errors, last_success IS NOT NULL AS succeeded, retry_at
  FROM cdp.worker_jobs ORDER BY job;

-- Segments: one real-time, one scheduled, same rule; a computed trait.
SELECT cdp.create_segment('lyon_live', '{"trait": "city", "op": "=", "value": "Lyon"}');
SELECT cdp.create_segment('lyon_scheduled', '{"trait": "city", "op": "=", "value": "Lyon"}');
SELECT cdp.create_computed_trait('orders_7d', '{"event": "Order Completed", "count": true, "within": "7 days"}');
SELECT cdp.set_segment_realtime('lyon_live', true);
SELECT name, realtime FROM cdp.segments ORDER BY name;
SELECT job, pending FROM cdp.worker_job_lag() WHERE job IN ('computed_traits', 'segments');
SELECT pg_temp.did(r, 'segments'), pg_temp.did(r, 'computed_traits') FROM cdp.run_pending() r;
SELECT s.name, s.size, s.refreshed_at IS NOT NULL AS refreshed FROM cdp.segments s ORDER BY s.name;
-- An event: stitched and reflected by the same call in the real-time
-- segment and the computed trait, not in the scheduled segment.
SELECT pg_temp.send('identify', 'u2', NULL, '2026-03-30T10:00:00Z', '{"traits": {"city": "Lyon"}}');
SELECT pg_temp.send('track', 'u2', 'Order Completed', '2026-03-30T11:00:00Z');
SELECT job, pending FROM cdp.worker_job_lag() WHERE job IN ('stitch', 'computed_traits', 'segments');
-- Only the stitching (the worker may commit between jobs): the segment
-- and the computed trait wait; "more" is about the jobs asked for.
SELECT r - 'stitch' AS others, pg_temp.did(r, 'stitch') FROM cdp.run_pending(jobs => ARRAY['stitch']) r;
SELECT job, pending FROM cdp.worker_job_lag() WHERE job IN ('stitch', 'computed_traits', 'segments');
SELECT pg_temp.did(r, 'stitch'), pg_temp.did(r, 'segments'), pg_temp.did(r, 'computed_traits')
  FROM cdp.run_pending() r;
SELECT s.name, s.size FROM cdp.segments s ORDER BY s.name;
SELECT p.computed->'orders_7d' AS orders_7d FROM cdp.profiles p WHERE p.profile_id = cdp.resolve('user_id:u2');
-- A week later the order leaves the window: a due recheck, no new event.
SET cdp.segment_now = '2026-04-07T12:00:00Z';
SELECT job, pending, oldest FROM cdp.worker_job_lag() WHERE job = 'computed_traits';
SELECT pg_temp.did(cdp.run_pending(), 'computed_traits');
SELECT p.computed->'orders_7d' AS orders_7d FROM cdp.profiles p WHERE p.profile_id = cdp.resolve('user_id:u2');
-- The same again does nothing.
SELECT cdp.run_pending();

-- A consent that expires: the profile's consent state is recomputed.
SET cdp.inline_stitching = on;
SELECT cdp.set_consent(cdp.resolve('user_id:u1'), 'email_marketing', true, 'form', 'consent',
                       clock_timestamp() + interval '1 second') > 0 AS granted;
SELECT consent_mask, consent_expires_at IS NOT NULL AS expires FROM cdp.profiles
 WHERE profile_id = cdp.resolve('user_id:u1');
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'profiles';
SELECT pg_sleep(1.2);
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'profiles';
SELECT pg_temp.did(cdp.run_pending(), 'profiles');
SELECT consent_mask, consent_expires_at FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:u1');
SELECT pg_temp.did(cdp.run_pending(), 'profiles');

-- A poison segment: its SQL divides by zero for u4 (age 34).  It fails
-- and is retried, and after 3 tries set aside; the real-time segment goes
-- on meanwhile.
SELECT cdp.create_segment('poison', '100 / ((p.traits->>''age'')::int - 34) > 0');
SELECT cdp.set_segment_realtime('poison', true);
SELECT pg_temp.did(cdp.run_pending(), 'segments');
SELECT job, item, tries, sqlstate, reason FROM cdp.worker_item_failures;
SELECT job, errors, last_sqlstate, last_error, retry_at FROM cdp.worker_jobs WHERE job = 'segments';
SELECT pg_temp.send('identify', 'u4', NULL, '2026-03-31T10:00:00Z', '{"traits": {"city": "Lyon"}}');
SELECT pg_temp.did(cdp.run_pending(), 'segments');
SELECT s.name, s.size FROM cdp.segments s WHERE s.name = 'lyon_live';
SELECT pg_temp.did(cdp.run_pending(), 'segments');
SELECT job, item, tries, sqlstate, reason FROM cdp.worker_set_aside;
SELECT count(*) AS failures_left FROM cdp.worker_item_failures;
-- Set aside: not tried again, and no work is left.
SELECT pg_temp.did(cdp.run_pending(), 'segments');
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'segments';
-- Fixed (u4 is 40 now) and retried: refreshed.
SELECT pg_temp.send('identify', 'u4', NULL, '2026-03-31T11:00:00Z', '{"traits": {"age": 40}}');
SELECT cdp.retry_set_aside('segments', 'poison');
SELECT cdp.retry_set_aside('segments', 'poison');
SELECT pg_temp.did(cdp.run_pending(), 'segments');
SELECT s.name, s.size FROM cdp.segments s WHERE s.name = 'poison';
SELECT count(*) FROM cdp.worker_set_aside;

-- A poison queued event: its evidence is corrupt, so stitching it fails
-- every time; the events queued after it wait, then go on once it is set
-- aside.  Fixed, it is put back and stitched.
SET cdp.inline_stitching = off;
SELECT pg_temp.send('identify', 'u7', NULL, '2026-03-31T12:00:00Z', '{"traits": {"city": "Nice"}}') AS poison_event \gset
SELECT pg_temp.send('identify', 'u8', NULL, '2026-03-31T13:00:00Z', '{"traits": {"city": "Nice"}}') IS NOT NULL AS sent;
UPDATE cdp.events SET identifiers = ARRAY[NULL]::cdp.ident[] WHERE event_id = :poison_event;
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT job, failures_in_row, last_sqlstate, last_error, retry_at IS NOT NULL AS backing_off
  FROM cdp.worker_jobs WHERE job = 'stitch';
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT job, item = :'poison_event' AS is_poison, tries, sqlstate, reason FROM cdp.worker_set_aside;
SELECT count(*) AS queued, cdp.resolve('user_id:u8') IS NOT NULL AS u8_stitched FROM cdp.stitch_queue;
SELECT job, failures_in_row, retry_at FROM cdp.worker_jobs WHERE job = 'stitch';
UPDATE cdp.events SET identifiers = ARRAY['user_id:u7'::cdp.ident] WHERE event_id = :poison_event;
SELECT cdp.retry_set_aside('stitch');
SELECT count(*) AS queued FROM cdp.stitch_queue;
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT cdp.resolve('user_id:u7') IS NOT NULL AS u7_stitched, count(*) AS set_aside FROM cdp.worker_set_aside;

-- A queued event that is not found (as by a statement planned before a
-- concurrent ingestion attached the event's partition): a failure of that
-- event, retried, and set aside after cdp.worker_max_tries; the failure
-- of an event no longer queued is forgotten.
INSERT INTO cdp.stitch_queue (event_id, occurred_at)
VALUES (-1, '2026-03-31T15:00:00Z'), (-2, '2026-03-31T15:00:00Z');
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT item, tries, sqlstate, reason FROM cdp.worker_item_failures WHERE job = 'stitch' ORDER BY item;
DELETE FROM cdp.stitch_queue WHERE event_id = -2;
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT item, tries FROM cdp.worker_item_failures WHERE job = 'stitch';
SELECT item, tries, sqlstate, reason FROM cdp.worker_set_aside WHERE job = 'stitch';
SELECT count(*) AS queued FROM cdp.stitch_queue;
DELETE FROM cdp.worker_set_aside WHERE job = 'stitch';

-- While a missing event waits for its retry, the queue is no more work.
SET cdp.worker_retry_delay = '1h';
INSERT INTO cdp.stitch_queue (event_id, occurred_at) VALUES (-3, '2026-03-31T15:00:00Z');
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
DELETE FROM cdp.stitch_queue WHERE event_id = -3;
RESET cdp.worker_retry_delay;

-- Backoff: after a failure the job waits cdp.worker_retry_delay, and
-- while it waits its work does not count as "more".
SET cdp.worker_retry_delay = '1h';
SELECT pg_temp.send('identify', 'u9', NULL, '2026-03-31T14:00:00Z') AS poison_event \gset
UPDATE cdp.events SET identifiers = ARRAY[NULL]::cdp.ident[] WHERE event_id = :poison_event;
SELECT pg_temp.did(cdp.run_pending(), 'stitch');
SELECT failures_in_row, retry_at - last_error_at AS backoff FROM cdp.worker_jobs WHERE job = 'stitch';
SELECT r->'stitch' AS stitch, r->'more' AS more FROM cdp.run_pending() r;
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'stitch';
DELETE FROM cdp.stitch_queue WHERE event_id = :poison_event;
UPDATE cdp.worker_jobs SET retry_at = NULL WHERE job = 'stitch';
RESET cdp.worker_retry_delay;

-- Retention, once per cdp.retention_interval.
SET cdp.retention_interval = '1d';
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'retention';
SELECT pg_temp.did(cdp.run_pending(), 'retention');
SELECT pg_temp.did(cdp.run_pending(), 'retention');
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'retention';

-- Idempotent: nothing left to do.
SELECT cdp.run_pending();
SELECT * FROM cdp.worker_job_lag();

-- It has made this month's and the next month's partitions ahead.
SELECT count(*) AS partitions_made_ahead FROM unnest(ARRAY[now(), now() + interval '1 month']) m
 WHERE to_regclass('cdp.events_' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM')) IS NOT NULL;

-- Configuration errors.
SELECT cdp.set_segment_realtime('nope', true);
SELECT cdp.set_segment_realtime(NULL, true);
SELECT cdp.create_segment('recent', 'p.updated_at > now() - interval ''1 day''');
SELECT cdp.set_segment_realtime('recent', true);
SELECT cdp.set_match_auto('nope', 0.9, 0.5);
SELECT cdp.run_pending(0);
SELECT cdp.run_pending(10, '0 s');
SELECT cdp.run_pending(10, '1 s', ARRAY['stitch', 'nope']);
SELECT cdp.retry_set_aside(NULL);

-- Rights: nothing for PUBLIC, the configuration for cdp_admin.
SET ROLE cdp_analyst;
SELECT cdp.run_pending();
RESET ROLE;
SELECT p.proname, has_function_privilege('cdp_admin', p.oid, 'EXECUTE') AS admin,
       has_function_privilege('cdp_analyst', p.oid, 'EXECUTE') AS analyst
  FROM pg_proc p
 WHERE p.pronamespace = 'cdp'::regnamespace
   AND p.proname IN ('run_pending', 'worker_job_lag', 'retry_set_aside', 'set_segment_realtime',
                     'set_match_auto', 'worker_pending', 'worker_try')
 ORDER BY p.proname;
SELECT cdp.set_segment_realtime('poison', false);
CREATE ROLE worker_jobs_admin IN ROLE cdp_admin;
SET ROLE worker_jobs_admin;
SELECT cdp.set_segment_realtime('poison', true);
SELECT cdp.set_segment_realtime('lyon_scheduled', true);
SELECT (cdp.run_pending())->'more' AS more;
SELECT job, runs > 0 AS ran FROM cdp.worker_jobs ORDER BY job;
SELECT name, realtime, size FROM cdp.segments ORDER BY name;
RESET ROLE;
DROP ROLE worker_jobs_admin;

\c :regress_db
DROP DATABASE cdp_worker_jobs_test;

-- Automatic matching, in a database of its own: FEBRL's febrl1 as in
-- sql/match_link.sql, one anonymous id per record, so that only the model
-- joins duplicates.
SET client_min_messages = warning;
DROP DATABASE IF EXISTS cdp_worker_jobs_match;
CREATE DATABASE cdp_worker_jobs_match;
\c cdp_worker_jobs_match
CREATE EXTENSION cdp;
SET TimeZone = 'UTC';
SET cdp.retention_interval = 0;
SELECT cdp.create_source('match_crm', 'crm');
\i test/models/febrl1_crm.sql
SELECT cdp.ingest_batch('match_crm', jsonb_agg(pg_temp.identify(f) ORDER BY rec_id))
  FROM febrl1 f WHERE rec_id <> 'rec-0-dup-0';
\i test/models/person_traits.sql
-- Untrained: refused.
SELECT cdp.set_match_auto('people', 0.9, 0.5);
SELECT (cdp.train_match_model('people', 'cdp.profiles', 'profile_id')->'lambda') IS NOT NULL AS trained;
-- Not marked: the job leaves the model alone.
SELECT r->'matches' AS matches, r->'more' AS more FROM cdp.run_pending() r;
SELECT cdp.set_match_auto('people', 0.5, 0.9);
SELECT cdp.set_match_auto('people', 0.99, 0.5);
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'matches';
-- The first run matches everyone; the merges it made are re-checked by
-- the next (they changed since); then nothing is left.
SELECT r->'matches' AS matches, r->'more' AS more FROM cdp.run_pending() r;
SELECT count(*) < 999 AS merged
  FROM cdp.profiles;
SELECT r->'matches' AS matches, r->'more' AS more FROM cdp.run_pending() r;
SELECT r->'matches' AS matches, r->'more' AS more FROM cdp.run_pending() r;
-- A new record of person 0 is matched and joined by the next call.
SELECT cdp.ingest('match_crm', pg_temp.identify(f)) > 0 AS ingested FROM febrl1 f WHERE rec_id = 'rec-0-dup-0';
SELECT job, pending FROM cdp.worker_job_lag() WHERE job = 'matches';
SELECT r->'matches' AS matches FROM cdp.run_pending() r;
SELECT cdp.resolve('anonymous_id:rec-0-dup-0') = cdp.resolve('anonymous_id:rec-0-org') AS joined;
SELECT cdp.set_match_auto('people', NULL, NULL);
SELECT count(*) FROM cdp.match_auto;

\c :regress_db
DROP DATABASE cdp_worker_jobs_match;
