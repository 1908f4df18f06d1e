\set SHOW_CONTEXT never
-- Consent: purposes, set_consent and its history, the state per
-- identifier and per profile, consent carried by events, merges (the
-- most restrictive wins, and is recorded) and splits (each part keeps its
-- identifiers' history), expiry, grants of purposes and regions, the
-- cdp.purpose setting, and the audit log.
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS cdp_consent_test;
CREATE DATABASE cdp_consent_test;
\c cdp_consent_test
CREATE EXTENSION cdp;
SET TimeZone = 'UTC';
SET client_min_messages = warning;
SELECT cdp.create_source('web');

-- The seeded purposes and their bits.
SELECT purpose, bit, tcf_purposes FROM cdp.purposes ORDER BY bit;

-- Two people; Ann's identify carries consent for three categories, one
-- of which (Marketing) refuses what another (Advertising) grants: the
-- refusal wins.  A visitor (Bob, not signed in) carries none.
SELECT cdp.ingest_batch('web', '[
  {"type": "identify", "messageId": "m1", "userId": "ann", "anonymousId": "a-1",
   "traits": {"email": "ann@example.com"}, "timestamp": "2026-01-02T10:00:00Z",
   "context": {"consent": {"categoryPreferences": {"Analytics": true, "Advertising": true, "Marketing": false,
                                                    "Unheard Of": true}}}},
  {"type": "identify", "messageId": "m2", "anonymousId": "a-2",
   "traits": {"email": "bob@example.com"}, "timestamp": "2026-01-02T11:00:00Z"}]');
SELECT consent_id, profile_id, identifiers, purpose, granted, source, legal_basis, proof, derived
  FROM cdp.consents ORDER BY consent_id;
SELECT ident, purpose, granted, consent_id FROM cdp.identifier_consents ORDER BY ident, purpose;
SELECT cdp.resolve('user_id:ann') AS ann, cdp.resolve('anonymous_id:a-2') AS bob \gset
SELECT profile_id = :ann AS is_ann, consent_mask, consent_expires_at FROM cdp.profiles ORDER BY profile_id;

-- set_consent: history appended, state derived; a later refusal wins.
SELECT cdp.set_consent(:bob, 'email_marketing', true, 'signup form',
                       proof => '{"form": "newsletter", "ip_hash": "x"}') > 0 AS recorded;
SELECT cdp.set_consent(:bob, 'personalization', true, 'preference center', 'contract');
SELECT consent_mask FROM cdp.profiles WHERE profile_id = :bob;
SELECT cdp.set_consent(:bob, 'email_marketing', false, 'unsubscribe link');
SELECT consent_mask FROM cdp.profiles WHERE profile_id = :bob;
SELECT purpose, granted, source, legal_basis, proof FROM cdp.consents
 WHERE profile_id = :bob ORDER BY consent_id;

-- Expiry: a grant that has expired is not in force; one that has not
-- sets consent_expires_at.
SELECT cdp.set_consent(:bob, 'sms_marketing', true, 'sms opt-in', expires_at => '2020-01-01T00:00:00Z');
SELECT cdp.set_consent(:bob, 'analytics', true, 'banner', expires_at => '2100-01-01T00:00:00Z');
SELECT consent_mask, consent_expires_at FROM cdp.profiles WHERE profile_id = :bob;

-- Merge: Bob turns out to be Ann, signed out.  Bob grants advertising,
-- which Ann refused (by event): the refusal wins, and a derived row
-- records why.  Bob refused email_marketing, Ann never said: refused.
-- Both granted analytics: granted, until Bob's grant expires.  Only Bob
-- said personalization: granted.
SELECT cdp.set_consent(:bob, 'advertising', true, 'ad preferences');
SELECT cdp.ingest('web', '{"type": "identify", "messageId": "m3", "userId": "ann", "anonymousId": "a-2",
                           "timestamp": "2026-01-03T10:00:00Z"}') > 0 AS ingested;
SELECT cdp.resolve('user_id:ann') = cdp.resolve('anonymous_id:a-2') AS merged;
SELECT consent_mask, consent_expires_at FROM cdp.profiles WHERE profile_id = cdp.resolve('user_id:ann');
SELECT purpose, granted, source, derived, proof FROM cdp.consents WHERE derived ORDER BY consent_id;
-- Recomputing again records nothing more.
SELECT cdp.refresh_consents(ARRAY[cdp.resolve('user_id:ann')]);
SELECT count(*) AS derived_rows FROM cdp.consents WHERE derived;

-- set_consent by a merged-away id follows the alias.
SELECT cdp.set_consent(:bob, 'profiling', true, 'terms v2') > 0 AS recorded;
SELECT profile_id = cdp.resolve('user_id:ann') AS on_survivor FROM cdp.consents
 WHERE purpose = 'profiling';

-- Split: each part keeps its own identifiers' history (the profiling
-- grant was given to the merged person: both parts keep it).
SELECT cardinality(cdp.unlink('user_id:ann', 'anonymous_id:a-2', 'not the same person'));
SELECT i.ident, p.consent_mask
  FROM cdp.identities i JOIN cdp.profiles p USING (profile_id)
 WHERE i.ident::text IN ('user_id:ann', 'anonymous_id:a-1', 'anonymous_id:a-2')
 ORDER BY 1;

-- Bad input: nothing recorded.
SELECT count(*) AS consents_before FROM cdp.consents \gset
SELECT cdp.set_consent(NULL, 'analytics', true, 'x');
SELECT cdp.set_consent(:ann, NULL, true, 'x');
SELECT cdp.set_consent(:ann, 'analytics', NULL, 'x');
SELECT cdp.set_consent(:ann, 'analytics', true, NULL);
SELECT cdp.set_consent(:ann, 'telepathy', true, 'x');
SELECT cdp.set_consent(:ann, 'analytics', true, 'x', 'because');
SELECT cdp.set_consent(999999, 'analytics', true, 'x');
SELECT count(*) = :consents_before AS nothing_recorded FROM cdp.consents;
-- An event whose preferences are not booleans is refused, naming the field.
SELECT cdp.ingest('web', '{"type": "track", "event": "x", "messageId": "m9", "userId": "ann",
                           "timestamp": "2026-01-03T10:00:00Z",
                           "context": {"consent": {"categoryPreferences": {"Analytics": "yes"}}}}');
SELECT cdp.ingest('web', '{"type": "track", "event": "x", "messageId": "m9", "userId": "ann",
                           "timestamp": "2026-01-03T10:00:00Z",
                           "context": {"consent": "all"}}');

-- The purpose setting: shape checked at SET, existence and grant when used.
SET cdp.purpose = 'Analytics';
SET cdp.purpose = 'analytics''; DROP TABLE cdp.profiles; --';
SET cdp.purpose = '';
SET cdp.purpose = 'analytics';
SHOW cdp.purpose;
RESET cdp.purpose;

-- Granting purposes and regions.
CREATE ROLE regress_consent_app NOLOGIN;
SELECT cdp.grant_purpose('regress_consent_app', 'personalization');
SELECT cdp.grant_purpose('regress_consent_app', 'personalization');
SELECT cdp.grant_purpose('regress_consent_app', 'telepathy');
SELECT cdp.grant_purpose(NULL, 'analytics');
SELECT cdp.grant_region('regress_consent_app', 'EU');
SELECT cdp.grant_region('regress_consent_app', 'E U');
SELECT role, purpose FROM cdp.role_purposes ORDER BY 1, 2;
SELECT role, region FROM cdp.role_regions ORDER BY 1, 2;
SELECT cdp.revoke_purpose('regress_consent_app', 'personalization');
SELECT cdp.revoke_purpose('regress_consent_app', 'personalization');
SELECT cdp.revoke_region('regress_consent_app', 'EU');
DROP ROLE regress_consent_app;

-- The audit log: consents one entry each, with their profile; others by
-- statement.  It is append-only but for its owner.
SELECT action, object, profile_id IS NOT NULL AS has_profile, detail->>'purpose' AS purpose
  FROM cdp.audit_log WHERE action LIKE 'consent%' ORDER BY entry_id;
SELECT DISTINCT action, object FROM cdp.audit_log WHERE action NOT LIKE 'consent%' ORDER BY 1, 2;
-- cdp_admin reads it and holds no right to change it; even a role given
-- those rights by mistake is refused by the log's own trigger.
CREATE ROLE regress_consent_admin NOLOGIN IN ROLE cdp_admin;
SET ROLE regress_consent_admin;
SELECT count(*) > 0 AS admin_reads_audit FROM cdp.audit_log;
DELETE FROM cdp.audit_log;
RESET ROLE;
GRANT UPDATE, DELETE, TRUNCATE ON cdp.audit_log TO regress_consent_admin;
SET ROLE regress_consent_admin;
DELETE FROM cdp.audit_log;
UPDATE cdp.audit_log SET detail = NULL;
TRUNCATE cdp.audit_log;
RESET ROLE;
REVOKE ALL ON cdp.audit_log FROM regress_consent_admin;
DROP ROLE regress_consent_admin;

\c :regress_db
DROP DATABASE cdp_consent_test;
