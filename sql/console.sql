\set SHOW_CONTEXT never
-- The web console's SQL side: escaping, sessions (sign-in, expiry,
-- revocation, sign-out with the form secret), hostile paths and
-- arguments, and what a role without rights sees.  The pages in a real
-- browser: test/t/010_console.pl.
SET client_min_messages = warning;

-- Escaping: every character that could open a tag or close an attribute.
SELECT cdp.html('<script>alert("x")</script> & ''y'''), cdp.html(NULL) = '' AS null_is_empty;
SELECT cdp.console_row(cdp.html('<b>'), NULL);
SELECT cdp.console_table(ARRAY['a<'], NULL, 'none <here>');
SELECT cdp.console_time('2026-11-01T23:30:00+14');

-- Charts: deterministic SVG, one point or many, nothing when empty.
SELECT cdp.console_chart('<t>', ARRAY['2026-11-01', '2026-11-03']::date[], ARRAY[1, 3]);
SELECT cdp.console_chart('one', ARRAY['2026-11-01']::date[], ARRAY[2]) LIKE '%<circle cx="280.0" cy="70.0"%' AS one_point;
SELECT cdp.console_chart('none', NULL, NULL);

-- One person who consents to analytics, a reviewed pair.
SELECT cdp.create_source('console_regress', 'web') > 0 AS source;
SELECT cdp.ingest('console_regress', '{"type": "identify", "userId": "console-1", "messageId": "console-m1",
                                       "traits": {"name": "<img src=x onerror=alert(1)>"},
                                       "timestamp": "2026-11-01T00:00:00Z"}') IS NOT NULL AS ingested;
SELECT cdp.ingest('console_regress', '{"type": "identify", "userId": "console-2", "messageId": "console-m2",
                                       "timestamp": "2026-11-01T00:00:00Z"}') IS NOT NULL AS ingested;
SELECT cdp.set_consent(cdp.resolve('user_id:console-1'), 'analytics', true, 'banner') > 0 AS consented,
       cdp.set_consent(cdp.resolve('user_id:console-2'), 'analytics', true, 'banner') > 0 AS consented;
INSERT INTO cdp.match_models (name, spec) VALUES ('console_regress', '{}');
INSERT INTO cdp.match_review (model_id, left_profile_id, right_profile_id, left_identity_id, right_identity_id,
                              match_weight, probability, explanation, status, decided_at)
SELECT m.model_id, a.profile_id, b.profile_id, a.identity_id, b.identity_id, 1, 0.9, '[]', 'rejected', now()
  FROM cdp.match_models m, cdp.identities a, cdp.identities b
 WHERE m.name = 'console_regress' AND a.profile_id = cdp.resolve('user_id:console-1')
   AND b.profile_id = cdp.resolve('user_id:console-2');
SELECT review_id AS decided FROM cdp.match_review r JOIN cdp.match_models m USING (model_id)
 WHERE m.name = 'console_regress' \gset

-- Sessions.
CREATE ROLE regress_console IN ROLE cdp_admin;
SELECT cdp.grant_purpose('regress_console', 'analytics'), cdp.grant_region('regress_console', '*');
SELECT cdp.create_read_token('regress_console', 'analytics') AS token \gset
SELECT cdp.console_sign_in(NULL) IS NULL AS no_token, cdp.console_sign_in('cdpr_nope') IS NULL AS unknown;
SELECT cdp.console_sign_in(:'token') AS secret \gset
SELECT left(:'secret', 5) AS secret_prefix, length(:'secret') AS secret_length;
SELECT role, purpose, length(csrf) AS csrf_length FROM cdp.console_session(:'secret');
SELECT count(*) AS stored_in_clear FROM cdp.console_sessions WHERE session_hash = convert_to(:'secret', 'UTF8');
SELECT count(role) AS unknown_session FROM cdp.console_session('cdps_guess');
SELECT cdp.console_sign_out(:'secret', 'wrong') AS signed_out_without_secret;
SELECT cdp.console_sign_out(:'secret', (SELECT csrf FROM cdp.console_session(:'secret'))) AS signed_out;
SELECT count(role) AS after_sign_out FROM cdp.console_session(:'secret');
-- Expired, then revoked.
SELECT cdp.console_sign_in(:'token') AS secret \gset
UPDATE cdp.console_sessions SET expires_at = now() - interval '1 second';
SELECT count(role) AS expired FROM cdp.console_session(:'secret');
SELECT cdp.console_sign_in(:'token') IS NOT NULL AS signed_in_again,
       (SELECT count(*) FROM cdp.console_sessions WHERE expires_at <= now()) AS expired_kept;
SELECT cdp.console_sign_in(:'token') AS secret \gset
SELECT cdp.revoke_read_token(:'token');
SELECT count(role) AS after_revoke FROM cdp.console_session(:'secret');
SELECT cdp.console_sign_in(:'token') IS NULL AS revoked_token_refused;

-- Pages as the role: hostile paths and arguments are 404 or ignored.
SET ROLE regress_console;
SET cdp.purpose = 'analytics';
SELECT path, status, location
  FROM unnest(ARRAY['/', '/sources', '/profiles', '/segments', '/review', '/destinations', '/nope',
                    '/profiles/99999999999999999999', '/profiles/1''', '/../etc/passwd', '/segments/9999999999',
                    '/review/1/../2', '/profiles/<script>']) AS path,
       LATERAL cdp.console_page('GET', path, '{"before": "1; DROP TABLE x", "after": "<x>"}', 'token') p;
SELECT status, location FROM cdp.console_page('POST', '/profiles', '{"identifier": "not an identifier"}', 'x');
SELECT status, location FROM cdp.console_page('POST', '/profiles', '{"identifier": "email:nobody@example.com"}', 'x');
SELECT status FROM cdp.console_page('POST', '/review/' || :decided, '{"decision": "maybe"}', 'x');
SELECT status FROM cdp.console_page('POST', '/review/' || :decided, '{"decision": "accept"}', 'x') AS decided_already;
SELECT status FROM cdp.console_page('POST', '/review/999999999', '{"decision": "accept"}', 'x') AS no_such_pair;
-- The person's page: what they sent is shown as text, never as markup.
SELECT status, body LIKE '%&lt;img src=x onerror=alert(1)&gt;%' AS escaped, body NOT LIKE '%<img%' AS no_markup
  FROM cdp.console_page('GET', '/profiles/' || cdp.resolve('user_id:console-1'), '{}', 'x');
SELECT (SELECT count(*) FROM regexp_matches(body, 'href="/console/profiles/[0-9]+"', 'g')) > 0 AS lists_profiles,
       body LIKE '%&lt;script&gt;%' AS csrf_escaped, body NOT LIKE '%<script>%' AS no_script
  FROM cdp.console_page('GET', '/profiles', '{}', '<script>');
RESET ROLE;
-- A role that may not read profiles for its purpose is told so.
CREATE ROLE regress_console_other IN ROLE cdp_admin;
SET ROLE regress_console_other;
SET cdp.purpose = 'analytics';
SELECT status, body LIKE '%may not see this page (for purpose analytics)%' AS told,
       body NOT LIKE '%href="/console/profiles/%' AS no_profile_listed
  FROM cdp.console_page('GET', '/profiles', '{}', 'x');
SELECT status FROM cdp.console_page('POST', '/review/' || :decided, '{"decision": "accept"}', 'x') AS refused;
RESET ROLE;
RESET cdp.purpose;
-- Who may call what.
SELECT has_function_privilege('public', 'cdp.console_page(text, text, jsonb, text)', 'execute') AS public_page,
       has_function_privilege('cdp_analyst', 'cdp.console_page(text, text, jsonb, text)', 'execute') AS analyst_page,
       has_function_privilege('cdp_analyst', 'cdp.console_decide(bigint, boolean)', 'execute') AS analyst_decides,
       has_function_privilege('cdp_admin', 'cdp.console_decide(bigint, boolean)', 'execute') AS admin_decides,
       has_function_privilege('cdp_admin', 'cdp.console_sign_in(text)', 'execute') AS admin_signs_in;
DROP ROLE regress_console_other;
DELETE FROM cdp.console_sessions;
DELETE FROM cdp.read_tokens WHERE role = 'regress_console';
DELETE FROM cdp.role_purposes WHERE role = 'regress_console'::regrole;
DELETE FROM cdp.role_regions WHERE role = 'regress_console'::regrole;
DROP ROLE regress_console;
DELETE FROM cdp.match_models WHERE name = 'console_regress';
