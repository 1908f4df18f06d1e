-- Ingest roles are bound to their sources (cdp.grant_source), and only a
-- trusted source's alias events join identifiers beyond the kinds' limits.
SELECT cdp.create_source('trust_s1') IS NOT NULL AS s1, cdp.create_source('trust_s2') IS NOT NULL AS s2;
CREATE ROLE cdp_trust_a NOLOGIN;
CREATE ROLE cdp_trust_b NOLOGIN;
CREATE ROLE cdp_trust_c NOLOGIN NOINHERIT;
CREATE ROLE cdp_trust_team NOLOGIN;
GRANT cdp_trust_team TO cdp_trust_b, cdp_trust_c;
GRANT EXECUTE ON FUNCTION cdp.ingest(text, jsonb), cdp.ingest_batch(text, jsonb, boolean)
    TO cdp_trust_a, cdp_trust_b, cdp_trust_c;

-- EXECUTE alone no longer lets a role write into any source.
SET ROLE cdp_trust_a;
SELECT cdp.ingest('trust_s1', '{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-0",
                                "timestamp": "2026-11-02T10:00:00Z"}');
RESET ROLE;

-- Role A granted s1 ingests into s1, and is refused s2, singly and in
-- batches; the refusal leaves the caller's identity as it was.
SELECT cdp.grant_source('cdp_trust_a', 'trust_s1') AS granted,
       cdp.grant_source('cdp_trust_a', 'trust_s1') AS granted_again;
SET ROLE cdp_trust_a;
SELECT cdp.ingest('trust_s1', '{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-1",
                                "timestamp": "2026-11-02T10:00:00Z"}') IS NOT NULL AS into_s1;
SELECT cdp.ingest_batch('trust_s1', '[{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-2",
                                       "timestamp": "2026-11-02T10:00:00Z"}]') AS batch_into_s1;
SELECT cdp.ingest('trust_s2', '{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-3",
                                "timestamp": "2026-11-02T10:00:00Z"}');
SELECT cdp.ingest_batch('trust_s2', '[]');
DO $$
BEGIN
    PERFORM cdp.ingest('trust_s2', '{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-4"}');
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'refused; still running as %', current_user;
END
$$;
-- An unknown source is still 42704, and the ingest role cannot grant.
SELECT cdp.ingest('trust_s3', '{}');
SELECT cdp.grant_source('cdp_trust_a', 'trust_s2');
SELECT current_user;
RESET ROLE;
SELECT s.name, g.role FROM cdp.source_grants g JOIN cdp.sources s USING (source_id) ORDER BY 1, 2::text;

-- Revoking takes effect at once (the grant was cached by the session).
SELECT cdp.revoke_source('cdp_trust_a', 'trust_s1') AS revoked,
       cdp.revoke_source('cdp_trust_a', 'trust_s1') AS revoked_again;
SET ROLE cdp_trust_a;
SELECT cdp.ingest('trust_s1', '{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-5"}');
RESET ROLE;

-- A grant to a role reaches the roles that inherit its privileges, not a
-- NOINHERIT member until it takes the role on.
SELECT cdp.grant_source('cdp_trust_team', 'trust_s2') AS granted;
SET ROLE cdp_trust_b;
SELECT cdp.ingest('trust_s2', '{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-6",
                                "timestamp": "2026-11-02T10:00:00Z"}') IS NOT NULL AS member_into_s2;
SELECT cdp.ingest('trust_s1', '{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-7"}');
RESET ROLE;
SET ROLE cdp_trust_c;
SELECT cdp.ingest('trust_s2', '{"type": "track", "event": "E", "userId": "tr-1", "messageId": "g-8"}');
RESET ROLE;
SELECT count(*) AS events_stored FROM cdp.events e JOIN cdp.sources s USING (source_id)
 WHERE s.name IN ('trust_s1', 'trust_s2');

-- Bad arguments.
SELECT cdp.grant_source(NULL, 'trust_s1');
SELECT cdp.grant_source('cdp_trust_nobody', 'trust_s1');
SELECT cdp.grant_source('cdp_trust_a', 'no_such_source');
SELECT cdp.set_source_trust('trust_s1', NULL);
SELECT cdp.set_source_trust('no_such_source', true);

-- Trust.  Two customers, one user id each (user_id: max_per_profile 1).
SELECT cdp.ingest('trust_s1', pg_catalog.jsonb_build_object(
    'type', 'identify', 'userId', u, 'messageId', 'id-' || u, 'timestamp', '2026-11-02T10:00:00Z',
    'traits', pg_catalog.jsonb_build_object('email', u || '@example.com'))) IS NOT NULL AS known
  FROM unnest(ARRAY['victim-1', 'other-1', 'victim-2', 'other-2']) AS u;
SELECT trusted_aliases FROM cdp.sources WHERE name = 'trust_s1';

-- An alias from an untrusted source cannot give a profile a second user
-- id: it is refused and logged, like any event's link over a limit.
SELECT cdp.ingest('trust_s1', '{"type": "alias", "previousId": "victim-1", "userId": "other-1",
                                "messageId": "al-1", "timestamp": "2026-11-02T11:00:00Z"}') IS NOT NULL AS aliased;
SELECT cdp.resolve('user_id:victim-1') = cdp.resolve('user_id:other-1') AS merged;
SELECT m.action, m.reason FROM cdp.merge_log m JOIN cdp.sources s USING (source_id)
 WHERE s.name = 'trust_s1' AND m.action = 'refuse';

-- A trusted source's alias joins them, as an explicit statement.
SELECT cdp.set_source_trust('trust_s1', true);
SELECT cdp.ingest('trust_s1', '{"type": "alias", "previousId": "victim-1", "userId": "other-1",
                                "messageId": "al-2", "timestamp": "2026-11-02T11:00:00Z"}') IS NOT NULL AS aliased;
SELECT cdp.resolve('user_id:victim-1') = cdp.resolve('user_id:other-1') AS merged;

-- The same when stitched later: trust is that of the source at stitching.
SET cdp.inline_stitching = off;
SELECT cdp.ingest('trust_s2', '{"type": "alias", "previousId": "victim-2", "userId": "other-2",
                                "messageId": "al-3", "timestamp": "2026-11-02T11:00:00Z"}') IS NOT NULL AS queued;
SELECT cdp.stitch_pending() ->> 'refused_links' AS refused;
SELECT cdp.resolve('user_id:victim-2') = cdp.resolve('user_id:other-2') AS merged;
SELECT cdp.set_source_trust('trust_s2', true);
SELECT cdp.ingest('trust_s2', '{"type": "alias", "previousId": "victim-2", "userId": "other-2",
                                "messageId": "al-4", "timestamp": "2026-11-02T11:00:00Z"}') IS NOT NULL AS queued;
SELECT cdp.stitch_pending() ->> 'refused_links' AS refused;
SELECT cdp.resolve('user_id:victim-2') = cdp.resolve('user_id:other-2') AS merged;
RESET cdp.inline_stitching;

-- The roles go (a grant row would outlive its role: revoke first).
SELECT cdp.revoke_source('cdp_trust_team', 'trust_s2') AS revoked;
REVOKE EXECUTE ON FUNCTION cdp.ingest(text, jsonb), cdp.ingest_batch(text, jsonb, boolean)
    FROM cdp_trust_a, cdp_trust_b, cdp_trust_c;
DROP ROLE cdp_trust_a, cdp_trust_b, cdp_trust_c, cdp_trust_team;
