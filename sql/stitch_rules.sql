\set SHOW_CONTEXT never
-- Stitching rules each in the direction no other test looks: every case
-- here fails when one of the bugs of test/mutation/mutants.tsv is planted.
SELECT cdp.create_source('rules_web', 'web') > 0 AS created;
CREATE FUNCTION pg_temp.ev(body text) RETURNS boolean
LANGUAGE sql AS $$ SELECT cdp.ingest('rules_web', body::jsonb) IS NOT NULL $$;
-- The links within an identifier's profile, by identifiers.
CREATE FUNCTION pg_temp.links(who text) RETURNS TABLE (a cdp.ident, b cdp.ident, rule text)
LANGUAGE sql AS $$
    SELECT x.ident, y.ident, e.rule
      FROM cdp.identity_edges e
      JOIN cdp.identities x ON x.identity_id = e.a_id
      JOIN cdp.identities y ON y.identity_id = e.b_id
     WHERE x.profile_id = cdp.resolve(who::cdp.ident)
     ORDER BY x.ident::text, y.ident::text
$$;

-- A returning visitor sends the same anonymousId and userId again (the
-- usual case): the link exists and is not written twice.
SELECT pg_temp.ev('{"type": "track", "event": "Visit", "anonymousId": "rules-a1", "userId": "rules-u1",
  "messageId": "rules-1", "timestamp": "2026-05-01T10:00:00Z"}');
SELECT pg_temp.ev('{"type": "track", "event": "Visit", "anonymousId": "rules-a1", "userId": "rules-u1",
  "messageId": "rules-2", "timestamp": "2026-05-02T10:00:00Z"}');
SELECT * FROM pg_temp.links('user_id:rules-u1');

-- A merge by an event without traits still recomputes the survivor's
-- golden record: it gets the traits of the profile it absorbed.
SELECT pg_temp.ev('{"type": "identify", "anonymousId": "rules-a2", "messageId": "rules-3",
  "traits": {"name": "Bea"}, "timestamp": "2026-05-01T10:00:00Z"}');
SELECT pg_temp.ev('{"type": "identify", "userId": "rules-u2", "messageId": "rules-4",
  "traits": {"plan": "pro"}, "timestamp": "2026-05-01T11:00:00Z"}');
SELECT pg_temp.ev('{"type": "track", "event": "Login", "anonymousId": "rules-a2", "userId": "rules-u2",
  "messageId": "rules-5", "timestamp": "2026-05-01T12:00:00Z"}');
SELECT cdp.resolve('anonymous_id:rules-a2') = cdp.resolve('user_id:rules-u2') AS merged,
       traits FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:rules-u2');

-- A full rebuild that joins two profiles of the same size keeps the older
-- id, as stitching does.
SELECT pg_temp.ev('{"type": "track", "event": "E", "anonymousId": "rules-a3", "messageId": "rules-6",
  "timestamp": "2026-05-01T10:00:00Z"}');
SELECT pg_temp.ev('{"type": "track", "event": "E", "anonymousId": "rules-a4", "messageId": "rules-7",
  "timestamp": "2026-05-01T10:00:00Z"}');
CREATE TEMP TABLE older AS SELECT cdp.resolve('anonymous_id:rules-a3') AS id;
SELECT (SELECT id FROM older) < cdp.resolve('anonymous_id:rules-a4') AS a3_is_older;
INSERT INTO cdp.identity_edges (a_id, b_id, rule, reason)
SELECT min(identity_id), max(identity_id), 'manual', 'restored from a backup'
  FROM cdp.identities
 WHERE profile_id IN (cdp.resolve('anonymous_id:rules-a3'), cdp.resolve('anonymous_id:rules-a4'));
SELECT cdp.restitch() IS NOT NULL AS rebuilt;
SELECT cdp.resolve('anonymous_id:rules-a4') = (SELECT id FROM older) AS older_id_kept,
       cdp.resolve('anonymous_id:rules-a3') = (SELECT id FROM older) AS both_in_it;

-- Quarantining a shared device splits what it joined; the part that
-- keeps the old id is recomputed too: no traits of the other person
-- are left in it.
SELECT pg_temp.ev('{"type": "identify", "anonymousId": "rules-a5", "messageId": "rules-8",
  "traits": {"email": "cy@rules.example", "name": "Cy"}, "context": {"device": {"id": "rules-tablet"}},
  "timestamp": "2026-05-01T10:00:00Z"}');
SELECT pg_temp.ev('{"type": "identify", "anonymousId": "rules-a6", "messageId": "rules-9",
  "traits": {"name": "Di", "plan": "gold"}, "context": {"device": {"id": "rules-tablet"}},
  "timestamp": "2026-05-01T11:00:00Z"}');
CREATE TEMP TABLE shared AS SELECT cdp.resolve('anonymous_id:rules-a5') AS id;
SELECT cdp.resolve('anonymous_id:rules-a6') = (SELECT id FROM shared) AS joined_by_tablet,
       traits FROM cdp.profiles WHERE profile_id = (SELECT id FROM shared);
SELECT cdp.quarantine('device_id:rules-tablet', 'shared tablet')->'links_removed' AS links_removed;
SELECT cdp.resolve('anonymous_id:rules-a5') = (SELECT id FROM shared) AS keeps_id,
       traits FROM cdp.profiles WHERE profile_id = (SELECT id FROM shared);
SELECT cdp.resolve('anonymous_id:rules-a6') <> (SELECT id FROM shared) AS split_off,
       traits FROM cdp.profiles WHERE profile_id = cdp.resolve('anonymous_id:rules-a6');

-- Of identifiers of equal priority the first the event carries is the
-- centre (README, "How an event is stitched"): an alias event's userId,
-- then its previousId.  Both user ids link to the userId, and so does
-- the anonymousId.  The source is trusted for the case: an untrusted
-- alias naming two user ids is refused (source_trust tests that).
SELECT cdp.set_source_trust('rules_web', true);
SELECT pg_temp.ev('{"type": "alias", "userId": "rules-u3", "previousId": "rules-u4",
  "anonymousId": "rules-a7", "messageId": "rules-10", "timestamp": "2026-05-01T10:00:00Z"}');
SELECT * FROM pg_temp.links('user_id:rules-u3');
SELECT cdp.set_source_trust('rules_web', false);

-- An event whose own ids are all blocked has no owner: a trait email is
-- an identifier it carries, not whose event it is, and gets no traits.
SELECT pg_temp.ev('{"type": "identify", "userId": "null", "messageId": "rules-11",
  "traits": {"email": "ed@rules.example", "name": "Ed"}, "timestamp": "2026-05-01T10:00:00Z"}');
SELECT anchor, identifiers FROM cdp.events WHERE message_id = 'rules-11';
SELECT traits FROM cdp.profiles WHERE profile_id = cdp.resolve('email:ed@rules.example');

-- The blocklist ignores ASCII case, for values of every kind and of one
-- kind; a value that only begins like a blocked one is not blocked.
SELECT pg_temp.ev('{"type": "identify", "userId": "NULL", "anonymousId": "rules-a8", "messageId": "rules-12",
  "traits": {"email": "TEST@Test.com"}, "timestamp": "2026-05-01T10:00:00Z"}');
SELECT pg_temp.ev('{"type": "track", "event": "E", "userId": "Undefined", "anonymousId": "rules-a9",
  "messageId": "rules-13", "timestamp": "2026-05-01T10:00:00Z"}');
SELECT pg_temp.ev('{"type": "track", "event": "E", "userId": "nul", "messageId": "rules-14",
  "timestamp": "2026-05-01T10:00:00Z"}');
SELECT message_id, anchor, identifiers FROM cdp.events
 WHERE message_id IN ('rules-12', 'rules-13', 'rules-14') ORDER BY message_id;

-- Trait values: a JSON null is no value; a value seen again earlier than
-- first thought (events arrive out of order) moves first_seen back, and
-- how often it was seen adds up.
SELECT pg_temp.ev('{"type": "identify", "userId": "rules-u5", "messageId": "rules-15",
  "traits": {"plan": "pro", "nickname": null}, "timestamp": "2026-05-03T10:00:00Z"}');
SELECT pg_temp.ev('{"type": "identify", "userId": "rules-u5", "messageId": "rules-16",
  "traits": {"plan": "pro"}, "timestamp": "2026-05-01T10:00:00Z"}');
SELECT t.trait, t.value, t.first_seen AT TIME ZONE 'UTC' AS first_seen,
       t.last_seen AT TIME ZONE 'UTC' AS last_seen, t.times
  FROM cdp.trait_values t JOIN cdp.identities i USING (identity_id)
 WHERE i.profile_id = cdp.resolve('user_id:rules-u5') ORDER BY t.trait;
SELECT traits FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:rules-u5');

-- Only identify events carry traits: those of other events are not
-- recorded.
SELECT pg_temp.ev('{"type": "track", "event": "E", "userId": "rules-u6", "messageId": "rules-17",
  "traits": {"plan": "free"}, "timestamp": "2026-05-01T10:00:00Z"}');
SELECT traits FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:rules-u6');

-- Events ingested in a savepoint that is rolled back are not stitched.
BEGIN;
SAVEPOINT before_ingest;
SELECT pg_temp.ev('{"type": "track", "event": "E", "userId": "rules-u7", "messageId": "rules-18",
  "timestamp": "2026-05-01T10:00:00Z"}');
ROLLBACK TO SAVEPOINT before_ingest;
SELECT pg_temp.ev('{"type": "track", "event": "E", "userId": "rules-u8", "messageId": "rules-19",
  "timestamp": "2026-05-01T10:00:00Z"}');
COMMIT;
SELECT cdp.resolve('user_id:rules-u7') IS NULL AS rolled_back_unknown,
       cdp.resolve('user_id:rules-u8') IS NOT NULL AS committed_known;

-- cdp.link is a person's decision: kind limits do not apply to it, two
-- user ids join.
SELECT pg_temp.ev('{"type": "track", "event": "E", "userId": "rules-u9", "messageId": "rules-20",
  "timestamp": "2026-05-01T10:00:00Z"}');
SELECT pg_temp.ev('{"type": "track", "event": "E", "userId": "rules-u10", "messageId": "rules-21",
  "timestamp": "2026-05-01T10:00:00Z"}');
SELECT cdp.link('user_id:rules-u9', 'user_id:rules-u10', 'same person, two accounts') > 0 AS linked;
SELECT cdp.resolve('user_id:rules-u9') = cdp.resolve('user_id:rules-u10') AS one_profile;
