\set SHOW_CONTEXT never
-- Identity stitching: identifiers seen together become one profile.
SELECT cdp.create_source('st_web', 'web', 50), cdp.create_source('st_crm', 'crm', 5),
       cdp.create_source('st_pos', 'pos', 30);
SET cdp.default_region = 'AU';

-- Events are stitched when their transaction commits; each statement here
-- commits on its own.
CREATE FUNCTION pg_temp.ev(src text, body text) RETURNS boolean
LANGUAGE sql AS $$ SELECT cdp.ingest(src, body::jsonb) IS NOT NULL $$;
-- Profiles by the identifiers they hold, so the output does not depend on
-- ids made by earlier tests.
CREATE FUNCTION pg_temp.members(who text) RETURNS text
LANGUAGE sql AS $$
    SELECT string_agg(i.ident::text, ' ' ORDER BY i.ident::text)
      FROM cdp.identities i WHERE i.profile_id = cdp.resolve(who::cdp.ident)
$$;

-- An anonymous visitor, then the same browser signs up.
SELECT pg_temp.ev('st_web', '{"type": "page", "anonymousId": "st-a1", "messageId": "st-1", "name": "Home",
  "timestamp": "2026-11-01T10:00:00Z"}');
SELECT cdp.resolve('anonymous_id:st-a1') IS NOT NULL AS known, pg_temp.members('anonymous_id:st-a1');
CREATE TEMP TABLE first_profile AS SELECT cdp.resolve('anonymous_id:st-a1') AS id;
SELECT pg_temp.ev('st_web', '{"type": "identify", "anonymousId": "st-a1", "userId": "st-u1", "messageId": "st-2",
  "traits": {"email": "Ann@Example.COM", "name": "Ann Smith", "plan": "free", "visits": 3},
  "timestamp": "2026-11-01T10:05:00Z"}');
SELECT pg_temp.members('user_id:st-u1');
SELECT cdp.resolve('user_id:st-u1') = (SELECT id FROM first_profile) AS kept_first_id;

-- Provenance: each link keeps its first evidence.
SELECT a.ident AS a, b.ident AS b, e.rule, e.reason, ev.message_id, s.name AS source
  FROM cdp.identity_edges e
  JOIN cdp.identities a ON a.identity_id = e.a_id
  JOIN cdp.identities b ON b.identity_id = e.b_id
  JOIN cdp.events ev ON ev.event_id = e.event_id
  JOIN cdp.sources s ON s.source_id = e.source_id
 WHERE a.profile_id = cdp.resolve('user_id:st-u1')
 ORDER BY a.ident::text, b.ident::text;

-- A second browser, anonymous for a while, then logged in: two profiles
-- merge, the older id survives and the other still resolves.
SELECT pg_temp.ev('st_web', '{"type": "track", "event": "Viewed", "anonymousId": "st-a2", "messageId": "st-3",
  "timestamp": "2026-11-02T09:00:00Z"}');
CREATE TEMP TABLE second_profile AS SELECT cdp.resolve('anonymous_id:st-a2') AS id;
SELECT (SELECT id FROM second_profile) <> (SELECT id FROM first_profile) AS two_profiles;
SELECT pg_temp.ev('st_web', '{"type": "track", "event": "Logged In", "anonymousId": "st-a2", "userId": "st-u1",
  "messageId": "st-4", "timestamp": "2026-11-02T09:01:00Z"}');
SELECT pg_temp.members('anonymous_id:st-a2');
SELECT cdp.resolve('anonymous_id:st-a2') = (SELECT id FROM first_profile) AS oldest_survives,
       cdp.current_profile_id((SELECT id FROM second_profile)) = (SELECT id FROM first_profile) AS old_id_resolves,
       NOT EXISTS (SELECT FROM cdp.profiles WHERE profile_id = (SELECT id FROM second_profile)) AS absorbed_row_gone,
       (SELECT profile_id FROM cdp.profile_aliases WHERE old_id = (SELECT id FROM second_profile))
         = (SELECT id FROM first_profile) AS alias_recorded;
SELECT action, profile_id = (SELECT id FROM first_profile) AS into_first,
       other_id = (SELECT id FROM second_profile) AS absorbed_second, reason
  FROM cdp.merge_log WHERE action = 'merge' AND other_id = (SELECT id FROM second_profile);
-- Events follow: both browsers' events belong to the profile now.
SELECT type, event, message_id FROM cdp.profile_events
 WHERE profile_id = cdp.resolve('user_id:st-u1') ORDER BY occurred_at;

-- Guard: one user_id per profile.  An email already held by st-u1 arrives
-- with another user: the link is refused and logged; both stay apart.
SELECT pg_temp.ev('st_crm', '{"type": "identify", "userId": "st-u2", "messageId": "st-5",
  "traits": {"email": "ann@example.com", "name": "Anne Other"}, "timestamp": "2026-11-03T00:00:00Z"}');
SELECT pg_temp.members('user_id:st-u2') AS u2, pg_temp.members('user_id:st-u1') AS u1;
SELECT action, reason, (SELECT ident FROM cdp.identities WHERE identity_id = a_id) AS a,
       (SELECT ident FROM cdp.identities WHERE identity_id = b_id) AS b
  FROM cdp.merge_log WHERE action = 'refuse' AND source_id = cdp.source_id('st_crm') ORDER BY entry_id;

-- Guard: a limit on emails.  The third email of a profile stays apart.
UPDATE cdp.identifier_kinds SET max_per_profile = 2 WHERE kind = 'email';
SELECT pg_temp.ev('st_web', '{"type": "identify", "userId": "st-u1", "messageId": "st-6",
  "traits": {"email": "ann.work@example.com"}, "timestamp": "2026-11-03T01:00:00Z"}');
SELECT pg_temp.ev('st_web', '{"type": "identify", "userId": "st-u1", "messageId": "st-7",
  "traits": {"email": "ann.third@example.com"}, "timestamp": "2026-11-03T02:00:00Z"}');
SELECT pg_temp.members('user_id:st-u1');
SELECT pg_temp.members('email:ann.third@example.com') AS apart;
UPDATE cdp.identifier_kinds SET max_per_profile = NULL WHERE kind = 'email';

-- Junk identifiers are never taken: placeholders, test addresses, zeros.
SELECT pg_temp.ev('st_pos', '{"type": "identify", "userId": "null", "anonymousId": "st-pos-1", "messageId": "st-8",
  "traits": {"email": "test@test.com", "phone": "0000000000"},
  "context": {"device": {"id": "00000000-0000-0000-0000-000000000000"}}, "timestamp": "2026-11-03T03:00:00Z"}');
SELECT identifiers, anchor FROM cdp.events WHERE message_id = 'st-8';
SELECT count(*) AS junk_identities FROM cdp.identities
 WHERE ident::text IN ('user_id:null', 'email:test@test.com', 'device_id:00000000-0000-0000-0000-000000000000');
-- An event whose own ids are all junk is kept, and belongs to no one.
SELECT pg_temp.ev('st_pos', '{"type": "track", "event": "Sale", "userId": "undefined", "messageId": "st-9",
  "timestamp": "2026-11-03T03:30:00Z"}');
SELECT identifiers, anchor FROM cdp.events WHERE message_id = 'st-9';
-- Users can block more, by value or pattern.
INSERT INTO cdp.blocked_identifiers (kind, pattern, reason) VALUES ('email', '@mailinator\.com$', 'throwaway');
SELECT pg_temp.ev('st_web', '{"type": "identify", "userId": "st-u3", "messageId": "st-10",
  "traits": {"email": "Someone@MAILINATOR.com"}, "timestamp": "2026-11-03T04:00:00Z"}');
SELECT pg_temp.members('user_id:st-u3');
\set VERBOSITY sqlstate
INSERT INTO cdp.blocked_identifiers (kind, pattern) VALUES ('email', '(unclosed');
INSERT INTO cdp.blocked_identifiers (kind, value, pattern) VALUES ('email', 'x', 'y');
\set VERBOSITY default

-- The golden record: per trait, the value its rule picks ('latest' by
-- default).  name: the most trusted source (lower priority number wins);
-- visits: the maximum; plan: the latest; city: the first seen; title: the
-- most frequent.
INSERT INTO cdp.trait_rules VALUES ('name', 'source_priority'), ('visits', 'max'),
    ('city', 'first'), ('title', 'most_frequent'), ('score', 'min');
SELECT pg_temp.ev('st_web', '{"type": "identify", "userId": "st-u1", "messageId": "st-11",
  "traits": {"name": "Annie S.", "plan": "pro", "visits": 12, "city": "Sydney", "title": "Dr", "score": 7},
  "timestamp": "2026-11-04T00:00:00Z"}');
SELECT pg_temp.ev('st_crm', '{"type": "identify", "userId": "st-u1", "messageId": "st-12",
  "traits": {"name": "Ann Smith (CRM)", "visits": 5, "city": "Perth", "title": "Prof", "score": 3},
  "timestamp": "2026-11-05T00:00:00Z"}');
SELECT pg_temp.ev('st_web', '{"type": "identify", "userId": "st-u1", "messageId": "st-13",
  "traits": {"title": "Dr", "nickname": null}, "timestamp": "2026-11-06T00:00:00Z"}');
SELECT jsonb_pretty(traits) FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:st-u1');
-- A rule changed later applies at the next refresh.
UPDATE cdp.trait_rules SET rule = 'latest' WHERE trait = 'name';
SELECT cdp.refresh_profiles(ARRAY[cdp.resolve('user_id:st-u1')]);
SELECT traits->>'name' AS name FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:st-u1');
\set VERBOSITY sqlstate
INSERT INTO cdp.trait_rules VALUES ('x', 'loudest');
\set VERBOSITY default

-- Why are two identifiers one person?  The shortest chain of links.
CREATE FUNCTION pg_temp.why(a text, b text)
RETURNS TABLE (step int, from_ident cdp.ident, to_ident cdp.ident, edge_kind text, reason text, message_id text)
LANGUAGE sql AS $$
    SELECT w.step, w.from_ident, w.to_ident, w.edge_kind, w.reason, e.message_id
      FROM cdp.why_linked(a::cdp.ident, b::cdp.ident) w
      LEFT JOIN cdp.events e ON e.event_id = w.event_id
     ORDER BY w.step
$$;
SELECT * FROM pg_temp.why('anonymous_id:st-a2', 'email:ann@example.com');
SELECT * FROM pg_temp.why('email:ann@example.com', 'anonymous_id:st-a2');
SELECT count(*) AS not_linked FROM cdp.why_linked('user_id:st-u1', 'user_id:st-u2');
SELECT count(*) AS unknown FROM cdp.why_linked('user_id:st-u1', 'user_id:nobody');

-- The 360 view.
SELECT p->'traits'->>'plan' AS plan, jsonb_array_length(p->'identities') AS identities,
       p->'event_count' AS events, jsonb_array_length(p->'merged_ids') AS merged_ids,
       (SELECT string_agg(e->>'event', ', ') FROM jsonb_array_elements(p->'recent_events') e) AS recent
  FROM cdp.profile('user_id:st-u1'::cdp.ident) AS p;
SELECT cdp.profile((SELECT id FROM second_profile))->>'profile_id' = cdp.resolve('user_id:st-u1')::text AS old_id_works;
SELECT cdp.profile(-1) IS NULL AS unknown_id, cdp.profile('user_id:nobody'::cdp.ident) IS NULL AS unknown_ident;

-- Unlink: the second browser was somebody else's.  The link goes, the
-- profile splits, the browser's events go with it, and no later event
-- joins the two directly again.  Links refused earlier into the profiles
-- it leaves are tried again: ann.third, refused under the former email
-- limit, joins now.
SELECT array_length(cdp.unlink('anonymous_id:st-a2', 'user_id:st-u1', 'shared laptop'), 1) AS profiles_after;
SELECT pg_temp.members('anonymous_id:st-a2') AS a2, pg_temp.members('user_id:st-u1') AS u1;
SELECT cdp.resolve('user_id:st-u1') = (SELECT id FROM first_profile) AS bigger_part_keeps_id;
SELECT message_id FROM cdp.profile_events WHERE profile_id = cdp.resolve('anonymous_id:st-a2');
SELECT action, reason FROM cdp.merge_log
 WHERE action IN ('unlink', 'split') AND reason = 'shared laptop' ORDER BY entry_id;
SELECT pg_temp.ev('st_web', '{"type": "track", "event": "Again", "anonymousId": "st-a2", "userId": "st-u1",
  "messageId": "st-14", "timestamp": "2026-11-06T01:00:00Z"}');
SELECT cdp.resolve('anonymous_id:st-a2') <> cdp.resolve('user_id:st-u1') AS still_apart;
-- A person may join them again by hand.
SELECT cdp.link('anonymous_id:st-a2', 'user_id:st-u1', 'support ticket 42') = cdp.resolve('user_id:st-u1') AS linked;
SELECT * FROM pg_temp.why('anonymous_id:st-a2', 'user_id:st-u1');
SELECT count(*) AS unlinked_pairs_left FROM cdp.unlinked_pairs p
  JOIN cdp.identities a ON a.identity_id = p.a_id WHERE a.ident::text LIKE '%st-%';

-- A shared in-store tablet joins strangers who typed their email on it.
SELECT pg_temp.ev('st_pos', format('{"type": "identify", "anonymousId": "st-till-%s", "messageId": "st-t%s",
  "traits": {"email": "shopper%s@example.net", "name": "Shopper %s"},
  "context": {"device": {"id": "TABLET-7"}}, "timestamp": "2026-11-07T0%s:00:00Z"}', n, n, n, n, n)::jsonb::text)
  FROM generate_series(1, 4) n;
SELECT pg_temp.members('device_id:tablet-7');
SET cdp.suspect_links = 4;
SELECT ident, kind, links, profile_identities FROM cdp.identity_suspects;
RESET cdp.suspect_links;
SELECT cdp.quarantine('device_id:TABLET-7', 'shared store tablet') - 'profile_id' - 'identity_profile_id' - 'profiles' AS quarantined;
SELECT pg_temp.members('email:shopper1@example.net') AS shopper1, pg_temp.members('email:shopper3@example.net') AS shopper3,
       pg_temp.members('device_id:tablet-7') AS tablet;
SELECT traits->>'name' AS name FROM cdp.profiles WHERE profile_id = cdp.resolve('email:shopper3@example.net');
-- A quarantined identifier links nothing any more.
SELECT pg_temp.ev('st_pos', '{"type": "identify", "anonymousId": "st-till-9", "messageId": "st-t9",
  "traits": {"email": "shopper9@example.net"}, "context": {"device": {"id": "TABLET-7"}},
  "timestamp": "2026-11-07T09:00:00Z"}');
SELECT pg_temp.members('email:shopper9@example.net');
\set VERBOSITY sqlstate
SELECT cdp.link('device_id:tablet-7', 'email:shopper9@example.net', 'try');
\set VERBOSITY default

-- A full rebuild finds nothing to change and keeps every id.
CREATE TEMP TABLE before_restitch AS SELECT identity_id, profile_id FROM cdp.identities;
SELECT cdp.restitch() - 'seconds' - 'identities' - 'edges' - 'profiles' AS restitch;
SELECT count(*) AS changed FROM cdp.identities i JOIN before_restitch b USING (identity_id)
 WHERE i.profile_id <> b.profile_id;
-- After a direct change to the links (say, a restore from backup that lost
-- one), it rebuilds exactly what changed.
DELETE FROM cdp.identity_edges e USING cdp.identities a, cdp.identities b
 WHERE a.identity_id = e.a_id AND b.identity_id = e.b_id
   AND a.ident::text = 'anonymous_id:st-a1' AND b.ident::text = 'user_id:st-u1';
SELECT cdp.restitch() - 'seconds' - 'identities' - 'edges' - 'profiles' AS restitch;
SELECT pg_temp.members('anonymous_id:st-a1') AS a1, cdp.resolve('user_id:st-u1') = (SELECT id FROM first_profile) AS u1_kept_id;

-- Stitching later: with cdp.inline_stitching off, events wait in
-- cdp.stitch_queue for cdp.stitch_pending().
SET cdp.inline_stitching = off;
SELECT pg_temp.ev('st_web', '{"type": "identify", "userId": "st-u5", "anonymousId": "st-a5", "messageId": "st-15",
  "traits": {"name": "Later"}, "timestamp": "2026-11-08T00:00:00Z"}');
SELECT cdp.resolve('user_id:st-u5') IS NULL AS not_yet, (SELECT count(*) FROM cdp.stitch_queue) AS queued;
SELECT cdp.stitch_pending();
SELECT pg_temp.members('user_id:st-u5'), (SELECT traits->>'name' FROM cdp.profiles
  WHERE profile_id = cdp.resolve('user_id:st-u5')) AS name, (SELECT count(*) FROM cdp.stitch_queue) AS queued;
RESET cdp.inline_stitching;

-- Stitching needs READ COMMITTED.
BEGIN ISOLATION LEVEL REPEATABLE READ;
\set VERBOSITY sqlstate
SELECT pg_temp.ev('st_web', '{"type": "track", "event": "E", "userId": "st-u6", "messageId": "st-16"}');
ROLLBACK;

-- Bad calls.
SELECT cdp.unlink('user_id:st-u1', 'user_id:nobody');
SELECT cdp.unlink('user_id:st-u1', 'user_id:st-u1');
SELECT cdp.link('user_id:st-u1', 'user_id:st-u2', NULL);
SELECT cdp.link(NULL, 'user_id:st-u2', 'x');
SELECT cdp.quarantine('user_id:nobody');
SELECT cdp.stitch_pending(0);
\set VERBOSITY default
