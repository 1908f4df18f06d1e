\set SHOW_CONTEXT never
-- Privacy operations: erasure (cdp.forget) and the suppression of the
-- erased identifiers at ingestion, export (cdp.export_profile), and
-- retention (cdp.apply_retention).  In a database of its own: retention
-- and anonymous-profile expiry look at every profile and partition.
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS cdp_privacy_test;
CREATE DATABASE cdp_privacy_test;
\c cdp_privacy_test
CREATE EXTENSION cdp;
SET TimeZone = 'UTC';
SET client_min_messages = warning;
SELECT cdp.create_source('shop', 'web'), cdp.create_source('crm', 'crm');

-- An error as SQLSTATE and message.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE FUNCTION pg_temp.send(source text, kind text, who text, at text, body jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE sql AS $$
    SELECT cdp.ingest(source, jsonb_build_object(
        'type', kind, CASE WHEN who LIKE 'anon%' THEN 'anonymousId' ELSE 'userId' END, who,
        'timestamp', at, 'messageId', md5(source || kind || who || at || body::text)) || body)
$$;

-- Alice: a user id, an anonymous id and an email, events in two months;
-- her anonymous visits first made a profile of their own, merged into
-- hers by a later event.  Bob: a user id.
SELECT pg_temp.send('shop', 'page', 'anon-a1', '2026-01-03T09:00:00Z') IS NOT NULL AS a,
       pg_temp.send('shop', 'identify', 'u1', '2026-01-04T10:00:00Z',
                    '{"traits": {"email": "Alice@Example.com", "name": "Alice", "city": "Lyon"}}') IS NOT NULL AS b;
SELECT cdp.resolve('anonymous_id:anon-a1') AS anon_profile, cdp.resolve('user_id:u1') AS alice;
SELECT pg_temp.send('shop', 'track', 'u1', '2026-02-10T12:00:00Z',
                    '{"event": "Order Completed", "anonymousId": "anon-a1", "properties": {"revenue": 30}}') IS NOT NULL AS merged;
SELECT cdp.resolve('anonymous_id:anon-a1') = cdp.resolve('user_id:u1') AS one_profile,
       (SELECT count(*) FROM cdp.profile_aliases) AS aliases;
SELECT pg_temp.send('crm', 'identify', 'u1', '2026-02-11T08:00:00Z', '{"traits": {"city": "Paris"}}') IS NOT NULL AS c,
       pg_temp.send('shop', 'identify', 'u2', '2026-02-12T08:00:00Z',
                    '{"traits": {"email": "bob@example.com", "name": "Bob"}}') IS NOT NULL AS d,
       pg_temp.send('shop', 'track', 'u2', '2026-02-13T08:00:00Z', '{"event": "Order Completed"}') IS NOT NULL AS e;
SELECT cdp.set_consent(cdp.resolve('user_id:u1'), 'analytics', true, 'banner') > 0 AS consent,
       cdp.set_consent(cdp.resolve('user_id:u1'), 'email_marketing', false, 'preferences') > 0 AS consent2;
SET cdp.segment_now = '2026-03-01T00:00:00Z';
SELECT cdp.create_segment('buyers', '{"event": "Order Completed", "within": "90 days"}'::jsonb) > 0 AS segment;
SELECT entered, exited FROM cdp.refresh_segment('buyers');
RESET cdp.segment_now;
SELECT count(*) AS rechecks FROM cdp.profile_rechecks;
-- A pair of Alice and Bob waiting for review (written here as a
-- matching model's run would).
INSERT INTO cdp.match_models (name, spec) VALUES ('people', '{}');
INSERT INTO cdp.match_review (model_id, left_profile_id, right_profile_id, left_identity_id, right_identity_id,
                              match_weight, probability, explanation)
SELECT 1, a.profile_id, b.profile_id, a.identity_id, b.identity_id, 3.5, 0.9, '{}'
  FROM cdp.identities a, cdp.identities b
 WHERE a.ident OPERATOR(cdp.=) 'email:alice@example.com' AND b.ident OPERATOR(cdp.=) 'email:bob@example.com';

-- Export ------------------------------------------------------------------

-- Everything held about Alice, from any of her identifiers or ids (the
-- merged-away anonymous profile id resolves to hers).
SELECT cdp.export_profile('email:alice@example.com'::cdp.ident) = cdp.export_profile(1) AS same_export;
WITH x AS (SELECT cdp.export_profile('user_id:u1'::cdp.ident) AS j)
SELECT j -> 'profile_id' AS profile_id, j -> 'merged_ids' AS merged_ids,
       j -> 'profile' -> 'traits' AS traits, j -> 'profile' -> 'consent_mask' AS consent_mask,
       j -> 'sources' AS sources, j -> 'segments' -> 0 -> 'segment' AS segment
  FROM x;
SELECT e ->> 'ident' AS ident, e ->> 'kind' AS kind, e ->> 'source' AS source, e ->> 'first_seen' AS first_seen
  FROM jsonb_array_elements(cdp.export_profile('user_id:u1'::cdp.ident) -> 'identities') e;
SELECT e ->> 'source' AS source, e ->> 'type' AS type, e ->> 'event' AS event, e ->> 'occurred_at' AS occurred_at,
       e -> 'identifiers' AS identifiers, e -> 'payload' -> 'properties' AS properties
  FROM jsonb_array_elements(cdp.export_profile('user_id:u1'::cdp.ident) -> 'events') e;
SELECT t ->> 'ident' AS ident, t ->> 'source' AS source, t ->> 'trait' AS trait, t -> 'value' AS value
  FROM jsonb_array_elements(cdp.export_profile('user_id:u1'::cdp.ident) -> 'traits') t;
SELECT c ->> 'purpose' AS purpose, c -> 'granted' AS granted, c ->> 'source' AS source,
       jsonb_array_length(c -> 'identifiers') AS identifiers
  FROM jsonb_array_elements(cdp.export_profile('user_id:u1'::cdp.ident) -> 'consents') c;
SELECT jsonb_array_length(cdp.export_profile('user_id:u1'::cdp.ident) -> 'consent_state') AS consent_state,
       cdp.export_profile('user_id:u1'::cdp.ident) -> 'segment_changes' -> 0 -> 'change' AS change;
-- Each export is audited.
SELECT action, object, profile_id = cdp.resolve('user_id:u1') AS alice, detail
  FROM cdp.audit_log WHERE action = 'export' ORDER BY entry_id LIMIT 1;
SELECT count(*) AS exports FROM cdp.audit_log WHERE action = 'export';

-- Bad input.
SELECT pg_temp.try('SELECT cdp.export_profile(NULL::bigint)') AS null_id,
       pg_temp.try('SELECT cdp.export_profile(NULL::cdp.ident)') AS null_ident,
       pg_temp.try('SELECT cdp.export_profile(424242)') AS unknown_id,
       pg_temp.try($$SELECT cdp.export_profile('email:nobody@example.com'::cdp.ident)$$) AS unknown_ident;

-- Forget ------------------------------------------------------------------

-- Bad input changes nothing.
SELECT pg_temp.try('SELECT cdp.forget(NULL::bigint, ''r'')') AS null_id,
       pg_temp.try('SELECT cdp.forget(1, NULL)') AS null_reason,
       pg_temp.try('SELECT cdp.forget(NULL::cdp.ident, ''r'')') AS null_ident,
       pg_temp.try('SELECT cdp.forget(424242, ''r'')') AS unknown_id,
       pg_temp.try($$SELECT cdp.forget('email:nobody@example.com'::cdp.ident, 'r')$$) AS unknown_ident;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.try($$SELECT cdp.forget('user_id:u1'::cdp.ident, 'r')$$) AS repeatable_read;
ROLLBACK;
SELECT count(*) AS suppressions, (SELECT count(*) FROM cdp.privacy_keys) AS keys FROM cdp.suppressions;

-- Alice, by the id that merged into hers: every row of hers goes, in every
-- partition, and the count of each table is returned.
SELECT a.old_id AS merged_id, a.profile_id AS alice FROM cdp.profile_aliases a \gset
SELECT count(*) AS alice_events FROM cdp.profile_events WHERE profile_id = :alice;
SELECT cdp.forget(:merged_id, 'GDPR art. 17 request') AS r \gset
SELECT (:'r'::jsonb -> 'profile_id')::bigint = :alice AS resolved_to_alice,
       :'r'::jsonb -> 'suppressed' AS suppressed, :'r'::jsonb -> 'audit_redacted' AS audit_redacted;
SELECT key AS removed_from, value AS rows FROM jsonb_each(:'r'::jsonb -> 'removed') ORDER BY key;
-- Nothing of hers is left; Bob is untouched.
SELECT (SELECT count(*) FROM cdp.events
         WHERE identifiers && ARRAY['email:alice@example.com', 'user_id:u1', 'anonymous_id:anon-a1']::cdp.ident[])
       AS events,
       (SELECT count(*) FROM cdp.identities WHERE profile_id IN (:alice, :merged_id)) AS identities,
       (SELECT count(*) FROM cdp.profiles WHERE profile_id IN (:alice, :merged_id)) AS profiles,
       (SELECT count(*) FROM cdp.trait_values t WHERE NOT EXISTS (SELECT FROM cdp.identities i
                                                                   WHERE i.identity_id = t.identity_id)) AS orphan_traits,
       (SELECT count(*) FROM cdp.consents) AS consents,
       (SELECT count(*) FROM cdp.identifier_consents) AS identifier_consents,
       (SELECT count(*) FROM cdp.segment_members WHERE profile_id IN (:alice, :merged_id)) AS members,
       (SELECT size FROM cdp.segments WHERE name = 'buyers') AS buyers_size,
       (SELECT count(*) FROM cdp.profile_aliases) AS aliases,
       (SELECT count(*) FROM cdp.merge_log WHERE :alice IN (profile_id, other_id)) AS merge_log,
       (SELECT count(*) FROM cdp.events) AS events_left,
       cdp.resolve('user_id:u2') IS NOT NULL AS bob;
-- What is kept: one HMAC per identifier (32 bytes, no value), the key
-- (made by this first erasure), and the audit trail with her earlier
-- entries redacted.
SELECT kind, length(hmac) AS bytes, key_id, reason FROM cdp.suppressions ORDER BY kind;
SELECT count(*) AS keys, min(length(key)) AS key_bytes FROM cdp.privacy_keys;
SELECT action, object, detail FROM cdp.audit_log WHERE profile_id = :alice AND action <> 'forget' ORDER BY entry_id;
SELECT object = 'profile:' || :alice AS object, detail -> 'reason' AS reason, detail -> 'suppressed' AS suppressed,
       detail -> 'removed' -> 'events' AS events, (detail -> 'requested_id')::bigint = :merged_id AS requested
  FROM cdp.audit_log WHERE action = 'forget';
-- The HMAC is of the identifier's text under the key.
SELECT EXISTS (SELECT FROM cdp.suppressions s JOIN cdp.privacy_keys k USING (key_id)
                WHERE s.hmac = cdp.suppression_hmac('email:alice@example.com', k.key)) AS email_suppressed,
       cdp.suppression_hmac('email:alice@example.com', '\x00112233445566778899aabbccddeeff')
     = cdp.suppression_hmac('email: ALICE@example.com ', '\x00112233445566778899aabbccddeeff') AS normalized,
       cdp.suppression_hmac('email:alice@example.com', '\x00112233445566778899aabbccddeeff') AS fixed_key_hmac;
-- A second erasure finds nobody.
SELECT pg_temp.try(format('SELECT cdp.forget(%s, ''again'')', :alice)) AS again;

-- Suppression at ingestion -------------------------------------------------

-- Her identifiers come back: the events carrying one are dropped (NULL,
-- not counted as new) and counted per source and day; others go in.
SELECT pg_temp.send('shop', 'track', 'u1', '2026-03-01T10:00:00Z', '{"event": "Back"}') AS by_user_id,
       pg_temp.send('shop', 'identify', 'u9', '2026-03-01T10:00:00Z',
                    '{"traits": {"email": "ALICE@example.com"}}') AS by_trait_email,
       pg_temp.send('crm', 'page', 'anon-a1', '2026-03-01T10:00:00Z') AS by_anonymous_id,
       pg_temp.send('shop', 'track', 'u3', '2026-03-01T10:00:00Z', '{"event": "New"}') IS NOT NULL AS carol;
SELECT cdp.ingest_batch('shop', jsonb_build_array(
    jsonb_build_object('type', 'track', 'event', 'E', 'userId', 'u3', 'messageId', 'b1', 'timestamp', '2026-03-02T00:00:00Z'),
    jsonb_build_object('type', 'track', 'event', 'E', 'userId', 'u4', 'anonymousId', 'anon-a1',
                       'messageId', 'b2', 'timestamp', '2026-03-02T00:00:00Z'),
    jsonb_build_object('type', 'track', 'event', 'E', 'userId', 'u1', 'messageId', 'b3', 'timestamp', '2026-03-02T00:00:00Z')))
    AS new_in_batch;
SELECT s.name, e.day = (now() AT TIME ZONE 'UTC')::date AS today, e.events
  FROM cdp.suppressed_events e JOIN cdp.sources s USING (source_id) ORDER BY s.name;
SELECT count(*) AS stored_with_her_ids FROM cdp.events
 WHERE identifiers && ARRAY['user_id:u1', 'anonymous_id:anon-a1', 'email:alice@example.com']::cdp.ident[];
SELECT cdp.resolve('user_id:u1') AS u1, cdp.resolve('user_id:u4') AS u4;

-- A new key: new suppressions use it, the earlier ones keep theirs and
-- still work.
SELECT pg_temp.try('SELECT cdp.set_suppression_key(NULL)') AS null_key,
       pg_temp.try($$SELECT cdp.set_suppression_key('\x0011')$$) AS short_key;
SELECT cdp.set_suppression_key(cdp.new_privacy_key()) AS new_key_id;
SELECT (cdp.forget('user_id:u2'::cdp.ident, 'erasure request') -> 'removed' -> 'events') AS bob_events;
SELECT key_id, kind FROM cdp.suppressions ORDER BY key_id, kind;
-- Events stored but not stitched yet (cdp.inline_stitching off) go with
-- their queue entries.
SELECT pg_temp.send('shop', 'identify', 'u5', '2026-03-04T10:00:00Z') IS NOT NULL AS dan;
SET cdp.inline_stitching = off;
SELECT pg_temp.send('shop', 'track', 'u5', '2026-03-05T10:00:00Z', '{"event": "Queued"}') IS NOT NULL AS queued;
RESET cdp.inline_stitching;
SELECT count(*) AS queued FROM cdp.stitch_queue;
SELECT r -> 'removed' -> 'events' AS events, r -> 'removed' -> 'stitch_queue' AS stitch_queue
  FROM cdp.forget('user_id:u5'::cdp.ident, 'erasure request') AS r;
SELECT count(*) AS queue_left FROM cdp.stitch_queue;
SELECT pg_temp.send('shop', 'track', 'u1', '2026-03-03T10:00:00Z', '{"event": "Again"}') AS alice_again,
       pg_temp.send('shop', 'track', 'u2', '2026-03-03T10:00:00Z', '{"event": "Again"}') AS bob_again;
SELECT sum(events) AS dropped FROM cdp.suppressed_events;
SELECT action, object, detail FROM cdp.audit_log WHERE action = 'set suppression key';

-- Who may: erasure and export are cdp_privacy's and cdp_admin's; the key
-- is cdp_admin's alone.
SELECT r AS role,
       has_function_privilege(r, 'cdp.forget(bigint, text)', 'EXECUTE') AS forget,
       has_function_privilege(r, 'cdp.forget(cdp.ident, text)', 'EXECUTE') AS forget_ident,
       has_function_privilege(r, 'cdp.export_profile(bigint)', 'EXECUTE') AS export,
       has_function_privilege(r, 'cdp.apply_retention()', 'EXECUTE') AS retention,
       has_function_privilege(r, 'cdp.set_suppression_key(bytea)', 'EXECUTE') AS set_key,
       has_table_privilege(r, 'cdp.privacy_keys', 'SELECT') AS read_keys,
       has_table_privilege(r, 'cdp.suppressions', 'SELECT') AS read_suppressions
  FROM unnest(ARRAY['cdp_admin', 'cdp_privacy', 'cdp_analyst', 'cdp_app', 'cdp_ingest', 'public']) AS r;
SET ROLE cdp_analyst;
SELECT pg_temp.try($$SELECT cdp.forget('user_id:u3'::cdp.ident, 'r')$$) AS analyst_forget;
RESET ROLE;
SET ROLE cdp_privacy;
SELECT cdp.export_profile('user_id:u3'::cdp.ident) -> 'identities' -> 0 -> 'ident' AS privacy_export;
SELECT pg_temp.try('SELECT key FROM cdp.privacy_keys') AS privacy_reads_keys;
RESET ROLE;

-- Retention ---------------------------------------------------------------

SELECT pg_temp.try($$SELECT cdp.set_source_retention('shop', '-1 day')$$) AS negative,
       pg_temp.try($$SELECT cdp.set_source_retention('nope', '1 day')$$) AS unknown_source,
       pg_temp.try($$SELECT cdp.set_source_retention(NULL, '1 day')$$) AS null_source,
       pg_temp.try('SELECT cdp.apply_retention(NULL)') AS null_time;
SELECT cdp.create_source('web', 'web');
SELECT cdp.set_source_retention('web', '30 days');
SELECT name, retention FROM cdp.sources ORDER BY source_id;
-- April: web events only (a partition to drop); May: web and crm (crm has
-- no retention: web rows are deleted, the partition stays); June: recent.
-- An anonymous visitor seen in May only, another in June; a known user
-- whose only events are old.
SELECT count(pg_temp.send('web', 'track', 'w' || i, '2026-04-' || lpad(i::text, 2, '0') || 'T10:00:00Z',
                          '{"event": "Old"}')) AS april
  FROM generate_series(1, 12) i;
SELECT pg_temp.send('web', 'track', 'w1', '2026-05-02T10:00:00Z', '{"event": "May"}') IS NOT NULL AS a,
       pg_temp.send('web', 'track', 'w2', '2026-05-20T10:00:00Z', '{"event": "May"}') IS NOT NULL AS b,
       pg_temp.send('crm', 'identify', 'c1', '2026-05-03T10:00:00Z') IS NOT NULL AS c,
       pg_temp.send('crm', 'page', 'anon-old', '2026-05-04T10:00:00Z') IS NOT NULL AS d,
       pg_temp.send('crm', 'page', 'anon-new', '2026-06-20T10:00:00Z') IS NOT NULL AS e,
       pg_temp.send('web', 'track', 'w3', '2026-06-25T10:00:00Z', '{"event": "Recent"}') IS NOT NULL AS f;
-- Deduplication keys carry the ingestion time: pin it to the events'
-- (the keys of erased events to the end of June).
UPDATE cdp.ingested_messages m
   SET received_at = coalesce((SELECT e.occurred_at FROM cdp.events e WHERE e.event_id = m.event_id),
                              '2026-06-30T00:00:00Z');
SELECT e.tableoid::regclass AS partition, s.name, count(*)
  FROM cdp.events e JOIN cdp.sources s USING (source_id)
 WHERE occurred_at >= '2026-04-01' GROUP BY 1, 2 ORDER BY 1, 2;
SET cdp.anonymous_retention = '30d';
SHOW cdp.anonymous_retention;
SHOW cdp.replay_window;
-- As of 2026-07-01: web keeps events from June 1st (April goes whole, the
-- May rows of web go one by one); anonymous profiles idle since June 1st
-- go; keys received before June 1st go.
SELECT cdp.apply_retention('2026-07-01T00:00:00Z') AS ret \gset
SELECT jsonb_pretty(:'ret'::jsonb - 'anonymous_profiles') AS first_run;
SELECT r -> 'profiles' AS profiles, r -> 'suppressed' AS suppressed, r -> 'removed' -> 'events' AS events,
       r -> 'removed' -> 'identities' AS identities
  FROM (SELECT :'ret'::jsonb -> 'anonymous_profiles') AS y(r);
SELECT to_regclass('cdp.events_2026_04') AS april, to_regclass('cdp.events_2026_05') IS NOT NULL AS may;
SELECT e.tableoid::regclass AS partition, s.name, count(*)
  FROM cdp.events e JOIN cdp.sources s USING (source_id)
 WHERE occurred_at >= '2026-04-01' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT cdp.resolve('anonymous_id:anon-old') AS anon_old, cdp.resolve('anonymous_id:anon-new') IS NOT NULL AS anon_new,
       cdp.resolve('user_id:c1') IS NOT NULL AS known_user, cdp.resolve('user_id:w1') IS NOT NULL AS web_user;
SELECT count(*) AS keys_left, min(received_at) >= '2026-06-01' AS recent_only FROM cdp.ingested_messages;
-- Idempotent: the same call again removes nothing.
SELECT count(*) AS counts, bool_and(n = '0') AS all_zero
  FROM jsonb_path_query(cdp.apply_retention('2026-07-01T00:00:00Z'), 'strict $.** ? (@.type() == "number")') n;
SELECT array_agg((detail -> 'events' -> 'partitions_dropped')::int ORDER BY entry_id) AS dropped_per_run,
       array_agg(detail ->> 'as_of' ORDER BY entry_id) AS as_of
  FROM cdp.audit_log WHERE action = 'retention';
-- An event for a month whose partition was dropped makes it again.
SELECT pg_temp.send('crm', 'track', 'c1', '2026-04-15T10:00:00Z', '{"event": "Late"}') IS NOT NULL AS late;
SELECT to_regclass('cdp.events_2026_04') AS april;
RESET cdp.anonymous_retention;

\c :regress_db
DROP DATABASE cdp_privacy_test;
