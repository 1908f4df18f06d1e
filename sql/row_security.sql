\set SHOW_CONTEXT never
-- Row security: what each cdp role sees for the purpose it declares and
-- the regions it was granted, the plans it gets (indexes kept), and the
-- ways around it that must fail: reused prepared statements, leaky
-- functions, COPY, partitions, views, probing, hostile search paths.
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS cdp_rls_test;
CREATE DATABASE cdp_rls_test;
\c cdp_rls_test
CREATE EXTENSION cdp;
SET TimeZone = 'UTC';
SET client_min_messages = warning;
SELECT cdp.create_source('web');
SELECT cdp.ingest_batch('web', '[
  {"type": "identify", "messageId": "m1", "userId": "eu-pers", "timestamp": "2026-01-02T10:00:00Z",
   "traits": {"email": "eve@example.com", "name": "Eve", "plan": "gold"}},
  {"type": "identify", "messageId": "m2", "userId": "eu-ana", "timestamp": "2026-01-02T10:00:00Z",
   "traits": {"email": "ana@example.com", "name": "Ana", "plan": "free"}},
  {"type": "identify", "messageId": "m3", "userId": "us-pers", "timestamp": "2026-01-02T10:00:00Z",
   "traits": {"email": "sam@example.com", "name": "Sam", "plan": "gold"}},
  {"type": "identify", "messageId": "m4", "userId": "nobody", "timestamp": "2026-01-02T10:00:00Z",
   "traits": {"email": "nat@example.com", "name": "Nat", "plan": "gold"}},
  {"type": "track", "messageId": "m5", "userId": "eu-pers", "event": "Order", "timestamp": "2026-01-03T10:00:00Z"},
  {"type": "track", "messageId": "m6", "userId": "nobody", "event": "Order", "timestamp": "2026-01-03T10:00:00Z"}]');
UPDATE cdp.profiles SET region = CASE WHEN traits->>'email' = 'sam@example.com' THEN 'US' ELSE 'EU' END;
SELECT cdp.set_consent(cdp.resolve('user_id:eu-pers'), 'personalization', true, 'form'),
       cdp.set_consent(cdp.resolve('user_id:eu-ana'), 'analytics', true, 'form'),
       cdp.set_consent(cdp.resolve('user_id:us-pers'), 'personalization', true, 'form'),
       cdp.set_consent(cdp.resolve('user_id:nobody'), 'personalization', false, 'form');
SELECT cdp.create_segment('gold', 'traits->>''plan'' = ''gold''');
SELECT * FROM cdp.refresh_segment('gold');

-- An application role for the EU, one for everywhere, and an analyst.
CREATE ROLE regress_rls_app_eu NOLOGIN IN ROLE cdp_app;
CREATE ROLE regress_rls_app_all NOLOGIN IN ROLE cdp_app;
CREATE ROLE regress_rls_analyst NOLOGIN IN ROLE cdp_analyst;
SELECT cdp.grant_purpose('cdp_app', 'personalization'),
       cdp.grant_purpose('cdp_analyst', 'analytics'),
       cdp.grant_region('regress_rls_app_eu', 'EU'),
       cdp.grant_region('regress_rls_app_all', '*'),
       cdp.grant_region('cdp_analyst', '*');

-- The roles: none can log in or bypass row security; RLS is forced.
SELECT rolname, rolcanlogin, rolbypassrls, rolsuper FROM pg_roles WHERE rolname LIKE 'cdp\_%' ORDER BY 1;
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
  FROM pg_class c
 WHERE c.relnamespace = 'cdp'::regnamespace AND c.relkind IN ('r', 'p')
   AND (c.relrowsecurity OR c.relname IN ('profiles', 'identities', 'events', 'identity_edges', 'trait_values',
                                          'segment_members', 'segment_changes', 'match_review', 'consents',
                                          'rejected_events'))
 ORDER BY 1;

-- No purpose: no personal rows at all.
SET ROLE regress_rls_app_all;
SELECT (SELECT count(*) FROM cdp.profiles) AS profiles, (SELECT count(*) FROM cdp.identities) AS identities,
       (SELECT count(*) FROM cdp.events) AS events, (SELECT count(*) FROM cdp.trait_values) AS trait_values,
       (SELECT count(*) FROM cdp.segment_members) AS members, (SELECT count(*) FROM cdp.consents) AS consents;
-- Its purpose: those who consented to it, wherever they live.
SET cdp.purpose = 'personalization';
SELECT cdp.ident_value(i.ident) AS who, p.region
  FROM cdp.profiles p JOIN cdp.identities i USING (profile_id) ORDER BY 1;
SELECT (SELECT count(*) FROM cdp.events) AS events, (SELECT count(*) FROM cdp.segment_members) AS members,
       (SELECT count(*) FROM cdp.consents) AS consents,
       (SELECT count(*) FROM cdp.profile_events) AS profile_events;
-- A purpose not granted, one that does not exist.
SET cdp.purpose = 'analytics';
SELECT count(*) FROM cdp.profiles;
SET cdp.purpose = 'telepathy';
SELECT count(*) FROM cdp.profiles;
RESET ROLE;

-- Regions: the EU role sees only the EU.
SET ROLE regress_rls_app_eu;
SET cdp.purpose = 'personalization';
SELECT cdp.ident_value(i.ident) AS who FROM cdp.identities i ORDER BY 1;
-- The 360 view and resolve show only what row security lets through.
SELECT cdp.profile('user_id:eu-pers'::cdp.ident)->'traits' AS visible,
       cdp.profile('user_id:us-pers'::cdp.ident) AS other_region,
       cdp.resolve('user_id:nobody') AS refused;
RESET ROLE;
RESET cdp.purpose;

-- A prepared statement reused after SET cdp.purpose and SET ROLE gets
-- the answer of the new purpose and role (its plan is generic by then).
SET ROLE regress_rls_app_all;
SET cdp.purpose = 'personalization';
PREPARE visible AS SELECT count(*) FROM cdp.profiles;
EXECUTE visible; EXECUTE visible; EXECUTE visible; EXECUTE visible; EXECUTE visible;
EXECUTE visible;
SET cdp.purpose = '';
EXECUTE visible;
SET cdp.purpose = 'personalization';
SET ROLE regress_rls_app_eu;
EXECUTE visible;
SET ROLE regress_rls_analyst;
EXECUTE visible;
RESET ROLE;
DEALLOCATE visible;
RESET cdp.purpose;

-- A leaky function in WHERE sees only visible rows (it says each value
-- it is given).
CREATE FUNCTION public.regress_leak(v text) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001 AS $$ BEGIN RAISE NOTICE 'saw %', v; RETURN true; END $$;
SET client_min_messages = notice;
SET ROLE regress_rls_app_eu;
SET cdp.purpose = 'personalization';
SELECT count(*) FROM cdp.profiles WHERE public.regress_leak(traits->>'email');
SELECT count(*) FROM cdp.identities WHERE public.regress_leak(ident::text);
SELECT count(*) FROM cdp.events WHERE public.regress_leak(user_id);
RESET ROLE;
SET client_min_messages = warning;

-- COPY TO applies the policies; a partition named directly is refused,
-- and carries the policies for a role that is granted it.
SET ROLE regress_rls_app_eu;
COPY (SELECT traits->>'email' FROM cdp.profiles ORDER BY 1) TO STDOUT;
COPY cdp.profiles (region) TO STDOUT;
SELECT count(*) FROM cdp.events_2026_01;
RESET ROLE;
GRANT SELECT ON cdp.events_2026_01 TO regress_rls_app_eu;
SET ROLE regress_rls_app_eu;
SELECT user_id FROM cdp.events_2026_01 ORDER BY 1;
RESET ROLE;
REVOKE SELECT ON cdp.events_2026_01 FROM regress_rls_app_eu;

-- A view owned by another role (that may read the table) shows its
-- reader nothing without a purpose; with one, only what the reader's
-- purpose and regions allow.
RESET cdp.purpose;
CREATE ROLE regress_rls_owner NOLOGIN IN ROLE cdp_app;
GRANT CREATE ON SCHEMA public TO regress_rls_owner;
SET ROLE regress_rls_owner;
CREATE VIEW public.regress_everyone AS SELECT profile_id, traits->>'email' AS email FROM cdp.profiles;
GRANT SELECT ON public.regress_everyone TO regress_rls_app_eu;
SET ROLE regress_rls_app_eu;
SELECT count(*) FROM public.regress_everyone;
SET cdp.purpose = 'personalization';
SELECT email FROM public.regress_everyone;
RESET ROLE;
RESET cdp.purpose;
DROP VIEW public.regress_everyone;
REVOKE CREATE ON SCHEMA public FROM regress_rls_owner;
DROP ROLE regress_rls_owner;

-- No cdp role may write personal rows, so no unique key can be probed.
SET ROLE regress_rls_app_all;
SET cdp.purpose = 'personalization';
INSERT INTO cdp.identities (identity_id, ident, profile_id, first_seen) VALUES (999, 'user_id:nobody', 1, now());
INSERT INTO cdp.consents (identifiers, purpose, granted, source, legal_basis) VALUES ('{}', 'analytics', true, 'x', 'consent');
UPDATE cdp.profiles SET region = 'US';
RESET ROLE;
SET ROLE regress_rls_analyst;
INSERT INTO cdp.profiles (profile_id) VALUES (1);
RESET ROLE;
RESET cdp.purpose;

-- Rejected events: administrators only.
SELECT cdp.ingest_batch('web', '[{"type": "track", "messageId": "bad"}]', reject_invalid => true);
CREATE ROLE regress_rls_admin NOLOGIN IN ROLE cdp_admin;
SET ROLE regress_rls_admin;
SELECT count(*) AS admin_sees FROM cdp.rejected_events;
SET ROLE regress_rls_app_all;
SELECT count(*) FROM cdp.rejected_events;
RESET ROLE;
DROP ROLE regress_rls_admin;

-- The analyst: no raw traits, identifiers or payloads; masked views
-- whose pseudonyms still join and count.
SET ROLE regress_rls_analyst;
SET cdp.purpose = 'analytics';
SELECT traits FROM cdp.profiles;
SELECT payload FROM cdp.events;
SELECT ident FROM cdp.identities;
SELECT region, traits->>'name' AS name, length(traits->>'email') AS email_pseudonym_length, traits->>'plan' AS plan
  FROM cdp.profiles_masked;
SELECT count(*) AS joined FROM cdp.profiles_masked p
  JOIN cdp.identities_masked i ON i.profile_id = p.profile_id AND i.kind = 'user_id';
SELECT kind, count(*) FROM cdp.identities_masked GROUP BY kind ORDER BY kind;
SELECT count(*) AS members FROM cdp.segment_members;
SELECT * FROM cdp.masking_key;
RESET ROLE;
RESET cdp.purpose;
SELECT cdp.pseudonym('ana@example.com') = cdp.pseudonym('ana@example.com') AS stable,
       cdp.pseudonym('ana@example.com') <> cdp.pseudonym('Ana@example.com') AS distinct_values,
       cdp.mask_text('ana@example.com') AS masked_email, cdp.mask_text('Zoë') AS masked_name;

-- Plans: the policies leave index scans in place.  A point lookup by
-- identifier (the cdp.ident operators are leakproof), a trait through
-- the leakproof cdp.trait() (jsonb's ->> is not leakproof, so under row
-- security an index on it cannot serve).
CREATE INDEX regress_plan_idx ON cdp.profiles (cdp.trait(traits, 'plan'));
CREATE INDEX regress_plan_arrow_idx ON cdp.profiles ((traits->>'plan'));
ANALYZE cdp.profiles, cdp.identities;
SET enable_seqscan = off;
SET ROLE regress_rls_app_all;
SET cdp.purpose = 'personalization';
EXPLAIN (COSTS OFF) SELECT profile_id FROM cdp.identities WHERE ident OPERATOR(cdp.=) 'user_id:eu-pers';
EXPLAIN (COSTS OFF) SELECT count(*) FROM cdp.profiles WHERE cdp.trait(traits, 'plan') = 'gold';
EXPLAIN (COSTS OFF) SELECT count(*) FROM cdp.profiles WHERE traits->>'plan' = 'gold';
SELECT count(*) FROM cdp.profiles WHERE cdp.trait(traits, 'plan') = 'gold';
RESET ROLE;
RESET cdp.purpose;
RESET enable_seqscan;
DROP INDEX cdp.regress_plan_idx, cdp.regress_plan_arrow_idx;

-- Consent expiry: once a profile's first grant has expired, row security
-- looks the purpose up (until the mask is recomputed).
UPDATE cdp.identifier_consents SET expires_at = '2020-01-01'
 WHERE ident OPERATOR(cdp.=) 'user_id:eu-pers';
UPDATE cdp.profiles SET consent_expires_at = '2020-01-01' WHERE profile_id = cdp.resolve('user_id:eu-pers');
SET ROLE regress_rls_app_eu;
SET cdp.purpose = 'personalization';
SELECT count(*) AS expired_not_seen FROM cdp.profiles;
RESET ROLE;
RESET cdp.purpose;

-- Every SECURITY DEFINER function works the same under a hostile
-- search_path: objects planted in a schema earlier on the path are not
-- used.
CREATE SCHEMA regress_evil;
CREATE FUNCTION regress_evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted now()'; END $$;
CREATE FUNCTION regress_evil.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted unnest()'; END $$;
CREATE FUNCTION regress_evil.array_agg_planted(text, text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted ='; END $$;
CREATE OPERATOR regress_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_evil.array_agg_planted);
CREATE TABLE regress_evil.profiles (profile_id bigint);
CREATE TABLE regress_evil.consents (consent_id bigint);
SET search_path = regress_evil, public, cdp;
SELECT cdp.set_consent(cdp.resolve('user_id:eu-ana'), 'profiling', true, 'hostile path') > 0 AS set_consent,
       cdp.grant_purpose('regress_rls_app_eu', 'profiling') AS grant_purpose,
       cdp.revoke_purpose('regress_rls_app_eu', 'profiling') AS revoke_purpose,
       cdp.grant_region('regress_rls_app_eu', 'US') AS grant_region,
       cdp.revoke_region('regress_rls_app_eu', 'US') AS revoke_region;
SELECT cdp.export_profile('user_id:eu-ana'::cdp.ident)->'identities' IS NOT NULL AS export_profile,
       cdp.apply_retention('2026-02-01T00:00:00Z') IS NOT NULL AS apply_retention,
       pg_typeof(cdp.set_source_retention('web', NULL)) = 'void'::regtype AS set_source_retention,
       cdp.set_suppression_key(decode(repeat('ab', 32), 'hex')) > 0 AS set_suppression_key;
SELECT (cdp.forget('user_id:nobody'::cdp.ident, 'hostile path test')->>'suppressed')::int AS forget_suppressed;
SELECT count(*) AS nobody_left FROM cdp.identities WHERE cdp.ident_value(ident) = 'nobody';
SELECT cdp.run_pending(jobs => ARRAY['stitch']) ? 'more' AS run_pending,
       (SELECT count(*) FROM cdp.worker_job_lag()) AS worker_job_lag,
       cdp.retry_set_aside('segments', 'none') AS retry_set_aside;
SELECT cdp.create_segment('regress_everyone', 'traits IS NOT NULL') > 0 AS create_segment,
       cdp.create_destination('regress_hook', 'webhook', '{"url": "http://127.0.0.1:9/"}', 'profiling') > 0
         AS create_destination;
SELECT cdp.connect('regress_hook', 'regress_everyone') AS connect;
SELECT entered > 0 AS outbox_segment_changes FROM cdp.refresh_segment('regress_everyone');
SELECT cdp.set_consent(cdp.resolve('user_id:eu-ana'), 'profiling', false, 'hostile path') > 0 AS outbox_consent_changed;
SELECT change, reason, count(*) FROM cdp.outbox GROUP BY 1, 2 ORDER BY 1, 2;
SELECT cdp.drop_destination('regress_hook'), cdp.drop_segment('regress_everyone');
RESET search_path;
SELECT p.oid::regprocedure AS security_definer_function
  FROM pg_proc p WHERE p.pronamespace = 'cdp'::regnamespace AND p.prosecdef ORDER BY 1;
DROP SCHEMA regress_evil CASCADE;
DROP FUNCTION public.regress_leak(text);

SELECT cdp.revoke_purpose('cdp_app', 'personalization'), cdp.revoke_purpose('cdp_analyst', 'analytics'),
       cdp.revoke_region('regress_rls_app_eu', 'EU'), cdp.revoke_region('regress_rls_app_all', '*'),
       cdp.revoke_region('cdp_analyst', '*');
DROP ROLE regress_rls_app_eu, regress_rls_app_all, regress_rls_analyst;

\c :regress_db
DROP DATABASE cdp_rls_test;
