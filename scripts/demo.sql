-- The demo's SQL: ingests the sample made by test/gen/sample.sql and shows
-- what cdp stored.  Run by scripts/demo.sh with -v people=N.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\pset footer off

-- The sample is an Australian retailer: phones without country code are
-- Australian; loyalty numbers are identifiers too.
SET cdp.default_region = 'AU';
SELECT cdp.create_source('web', 'web', 50) AS web,
       cdp.create_source('mobile', 'mobile', 50) AS mobile,
       cdp.create_source('pos', 'pos', 30) AS pos,
       cdp.create_source('crm', 'crm', 10) AS crm \gset
INSERT INTO cdp.identifier_kinds (kind, normalizer, priority, max_per_profile, description)
    VALUES ('loyalty_id', 'exact', 900, 1, 'loyalty card number');
DO $$
BEGIN
    PERFORM cdp.map_identifier('pos', 'loyalty_id', '$.context.traits.loyaltyId');
    PERFORM cdp.map_identifier('pos', 'loyalty_id', '$.traits.loyaltyId');
    PERFORM cdp.map_identifier('crm', 'loyalty_id', '$.traits.loyaltyId');
END $$;

CREATE TEMP TABLE demo_batches AS
SELECT source, batch_no, events FROM cdp_sample.batches(:people, 1, 500);
CREATE TEMP TABLE demo_timing (events bigint, batches int, seconds float8);

\echo
\echo '== Ingesting with cdp.ingest_batch: one call and one commit per batch of 500 events'
\echo '   (identities are stitched as each batch commits)'
CREATE PROCEDURE pg_temp.ingest_sample() LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    total bigint := 0;
    nbatches int := 0;
    b record;
BEGIN
    FOR b IN SELECT source, events FROM demo_batches ORDER BY batch_no, source LOOP
        total := total + cdp.ingest_batch(b.source, b.events);
        nbatches := nbatches + 1;
        COMMIT;
    END LOOP;
    INSERT INTO demo_timing VALUES (total, nbatches, extract(epoch FROM clock_timestamp() - started));
END $$;
CALL pg_temp.ingest_sample();
SELECT events AS events_ingested, batches, round(seconds::numeric, 2) AS seconds,
       round(events / seconds) AS events_per_second
  FROM demo_timing;

\echo
\echo '== Events per source and type'
SELECT s.name AS source, e.type, count(*) AS events,
       count(DISTINCT e.user_id) AS users, count(DISTINCT e.anonymous_id) AS anonymous_ids
  FROM cdp.events e JOIN cdp.sources s USING (source_id)
 GROUP BY ROLLUP (s.name, e.type)
 ORDER BY s.name NULLS LAST, e.type NULLS LAST;

\echo
\echo '== Identifiers carried by the events'
SELECT cdp.ident_kind(i) AS kind, count(*) AS occurrences, count(DISTINCT i) AS distinct_values
  FROM cdp.events, unnest(identifiers) AS i
 GROUP BY 1 ORDER BY 2 DESC;

\echo
\echo '== A sample of what was stored (typed columns; the raw event is kept whole in payload)'
SELECT e.event_id, s.name AS source, e.type, e.event, e.user_id, e.anonymous_id,
       e.identifiers, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS occurred_utc,
       pg_column_size(e.payload) AS payload_bytes
  FROM cdp.events e JOIN cdp.sources s USING (source_id)
 WHERE e.event_id IN (SELECT min(event_id) FROM cdp.events GROUP BY source_id, type)
 ORDER BY e.event_id;

\echo
\echo '== Idempotency: the first batch of each source sent again'
SELECT b.source, jsonb_array_length(b.events) AS sent, cdp.ingest_batch(b.source, b.events) AS new_events
  FROM demo_batches b WHERE b.batch_no = 1 ORDER BY b.source;

\echo
\echo '== A bad batch, with reject_invalid => true: good events go in, bad ones are set aside'
SELECT cdp.ingest_batch('web', '[
  {"type": "track", "event": "Signed Up", "userId": "demo-new-user", "messageId": "demo-good-1"},
  {"type": "track", "userId": "demo-new-user", "messageId": "demo-bad-1"},
  {"type": "identify", "messageId": "demo-bad-2", "traits": {"email": "nobody@example.com"}},
  {"type": "page", "anonymousId": "demo-anon", "messageId": "demo-bad-3", "timestamp": "yesterday"}
]', reject_invalid => true) AS accepted;
SELECT batch_index, sqlstate, reason FROM cdp.rejected_events ORDER BY rejected_id;

\echo
\echo '== Monthly partitions of cdp.events'
SELECT c.relname AS partition, count(e.*) AS events,
       pg_size_pretty(pg_total_relation_size(c.oid)) AS size
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  LEFT JOIN cdp.events e ON e.tableoid = c.oid
 WHERE i.inhparent = 'cdp.events'::regclass
 GROUP BY c.relname, c.oid ORDER BY c.relname;

\echo
\echo '== Identity stitching: identifiers seen together became one profile each'
\echo '   (people and mixing checked against the generator''s ground truth)'
CREATE TEMP TABLE truth AS
SELECT t.*, i.profile_id
  FROM cdp_sample.identifiers(:people, 1) t
  LEFT JOIN cdp.identities i ON i.ident::text = t.kind || ':' || t.normalized;
CREATE TEMP TABLE fewest AS SELECT sum(profiles) AS profiles FROM cdp_sample.people(:people, 1);
CREATE TEMP VIEW stitch_summary AS
SELECT (SELECT count(DISTINCT person) FROM truth) AS people,
       (SELECT count(*) FROM cdp.identities) AS identifiers,
       (SELECT count(DISTINCT profile_id) FROM cdp.identities) AS profiles,
       (SELECT profiles FROM fewest) AS fewest_exact_matching_can_make,
       (SELECT count(*) FROM (SELECT profile_id FROM truth WHERE NOT junk AND profile_id IS NOT NULL
                               GROUP BY profile_id HAVING count(DISTINCT person) > 1) m) AS profiles_mixing_people,
       (SELECT count(*) FROM cdp.merge_log WHERE action = 'merge') AS merges,
       (SELECT count(*) FROM cdp.merge_log WHERE action = 'refuse') AS links_refused;
SELECT * FROM stitch_summary;

\echo
\echo '== Suspects: identifiers linked to 100 or more others (shared in-store tablets)'
SET cdp.suspect_links = 100;
SELECT ident, links, profile_identities FROM cdp.identity_suspects;
\echo '   ... quarantined: cut out of the graph, the people they had joined fall apart'
SELECT cdp.quarantine(ident, 'shared store device')->'links_removed' AS links_removed
  FROM cdp.identity_suspects;
UPDATE truth t SET profile_id = i.profile_id FROM cdp.identities i
 WHERE i.ident::text = t.kind || ':' || t.normalized;
SELECT * FROM stitch_summary;

\echo
\echo '== Probabilistic matching: profiles no shared identifier joined, but the same person'
\echo '   (a typo, a nickname, another e-mail): a model over the golden records, trained'
\echo '   without ground truth, links pairs at probability 0.999 and queues 0.9 to 0.999'
SELECT cdp.create_match_model('customers', $spec$
{"comparisons": [
   {"name": "first_name", "expr": "lower(traits->>'firstName')",
    "levels": [{"exact": true, "tf": true}, {"jaro_winkler": 0.92}, {"jaro_winkler": 0.8}]},
   {"name": "last_name", "expr": "lower(traits->>'lastName')",
    "levels": [{"exact": true, "tf": true}, {"jaro_winkler": 0.92}, {"jaro_winkler": 0.8}]},
   {"name": "birthday", "expr": "traits->>'birthday'",
    "levels": [{"exact": true}, {"damerau_levenshtein": 1}, {"date_within_days": 366}]},
   {"name": "postcode", "expr": "traits->'address'->>'postalCode'", "levels": [{"exact": true}]},
   {"name": "street", "expr": "lower(traits->'address'->>'street')",
    "levels": [{"exact": true}, {"token_set": 0.6}]},
   {"name": "email_user", "expr": "split_part(lower(traits->>'email'), '@', 1)",
    "levels": [{"exact": true}, {"jaro_winkler": 0.9}]}],
 "blocking": [
   "lower(l.traits->>'lastName') = lower(r.traits->>'lastName') AND (l.traits->>'birthday') = (r.traits->>'birthday')",
   "(l.traits->>'birthday') = (r.traits->>'birthday') AND (l.traits->'address'->>'postalCode') = (r.traits->'address'->>'postalCode')",
   "cdp.soundex(l.traits->>'firstName') = cdp.soundex(r.traits->>'firstName') AND lower(l.traits->'address'->>'street') = lower(r.traits->'address'->>'street')"]}
$spec$) AS model_id \gset
SELECT t->'lambda' AS prior, t->'records' AS profiles, t->'seconds' AS seconds
  FROM cdp.train_match_model('customers', 'cdp.profiles', 'profile_id') t;
SELECT r->>'pairs_scored' AS pairs_scored, r->>'linked' AS linked, r->>'merges' AS merges,
       r->>'refused_by_limits' AS refused_by_limits, r->>'queued_for_review' AS queued_for_review
  FROM cdp.link_matches('customers', 0.999, 0.9) r;
UPDATE truth t SET profile_id = i.profile_id FROM cdp.identities i
 WHERE i.ident::text = t.kind || ':' || t.normalized;
SELECT * FROM stitch_summary;
\echo '   ... one pair waiting for a person, with its evidence:'
SELECT e->>'comparison' AS comparison, e->>'level' AS level, e->>'left_value' AS left_value,
       e->>'right_value' AS right_value, round((e->>'weight')::numeric, 2) AS weight
  FROM (SELECT explanation FROM cdp.match_review WHERE status = 'pending'
         ORDER BY probability DESC, review_id LIMIT 1) r,
       jsonb_array_elements(r.explanation) e;

\echo
\echo '== Segments: audiences kept materialized, refreshed incrementally'
\echo '   (evaluated on 2026-11-01, the day after the sample ends: cdp.segment_now pins it)'
SET cdp.segment_now = '2026-11-01T00:00:00Z';
SELECT cdp.create_computed_trait('orders_90d', '{"event": "Order Completed", "count": true, "within": "90 days"}') AS c1,
       cdp.create_computed_trait('revenue_90d', '{"event": "Order Completed", "sum": "revenue", "within": "90 days"}') AS c2,
       cdp.create_computed_trait('last_order', '{"event": "Order Completed", "last": true}') AS c3 \gset
SELECT cdp.create_segment('buyers_30d', '{"event": "Order Completed", "within": "30 days"}') AS s1,
       cdp.create_segment('big_spenders', '{"all": [{"computed": "orders_90d", "op": ">=", "value": 2},
           {"event": "Order Completed", "sum": "revenue", "op": ">=", "value": 500, "within": "90 days"}]}') AS s2,
       cdp.create_segment('melbourne', '{"trait": ["address", "city"], "op": "=", "value": "Melbourne"}') AS s3,
       cdp.create_segment('viewed_then_bought', '{"sequence": [{"event": "Product Viewed"}, {"event": "Order Completed"}],
                                                  "within": "1 day"}') AS s4,
       cdp.create_segment('lapsed_buyers', '{"all": [{"computed": "orders_90d", "op": ">=", "value": 1},
           {"not": {"event": "Order Completed", "within": "21 days"}}]}') AS s5,
       cdp.create_segment('opted_in_sql', $$traits->>'marketing_opt_in' = 'true'$$) AS s6 \gset
SELECT * FROM cdp.refresh_segments();
\echo '   ... the rule language compiles to SQL:'
SELECT cdp.explain_segment('melbourne');
\echo '   ... who is in big_spenders (with computed traits):'
SELECT m.profile_id, p.traits->>'firstName' AS first_name, p.computed->>'orders_90d' AS orders_90d,
       p.computed->>'revenue_90d' AS revenue_90d, p.computed->>'last_order' AS last_order
  FROM cdp.segment_members m JOIN cdp.segments s USING (segment_id) JOIN cdp.profiles p USING (profile_id)
 WHERE s.name = 'big_spenders' ORDER BY (p.computed->>'revenue_90d')::numeric DESC LIMIT 5;
\echo '   ... two weeks pass: windows lapse on time, only the due profiles are looked at'
SET cdp.segment_now = '2026-11-15T00:00:00Z';
SELECT * FROM cdp.refresh_segments() WHERE entered + exited > 0;
SELECT s.name AS segment, c.change, count(*) AS changes
  FROM cdp.segment_changes c JOIN cdp.segments s USING (segment_id)
 WHERE c.changed_at = '2026-11-15T00:00:00Z' GROUP BY 1, 2 ORDER BY 1, 2;
\echo '   ... and a refresh every 15 minutes through pg_cron:'
SELECT cdp.schedule_segment('buyers_30d', '*/15 * * * *') AS cron_job_id \gset
SELECT jobname, schedule, command FROM cron.job WHERE jobid = :cron_job_id;
RESET cdp.segment_now;

\echo
\echo '== Predictive scores, fitted in C: BG/NBD and Gamma-Gamma lifetime value and RFM from the purchases,'
\echo '   and a churn model (no order in the next 30 days) by logistic regression, judged on held-out people'
SET cdp.segment_now = '2026-11-01T00:00:00Z';
SELECT cdp.create_purchase_model('purchases') AS purchase_model,
       cdp.create_propensity_model('churn_risk',
         $q$SELECT profile_id, ARRAY[frequency, t - recency, t, ln(1 + monetary)] FROM cdp.purchase_summary($1)$q$,
         '{"event": "Order Completed", "within": "30 days", "occurs": false}',
         feature_names => ARRAY['repeat_days', 'days_since_last', 'days_since_first', 'log_mean_repeat_spend'])
         AS churn_model;
SELECT f->'customers' AS customers, f->'repeat_customers' AS repeat_customers,
       round((f->'bgnbd'->>'r')::numeric, 3) AS r, round((f->'bgnbd'->>'alpha')::numeric, 2) AS alpha,
       round((f->'bgnbd'->>'a')::numeric, 3) AS a, round((f->'bgnbd'->>'b')::numeric, 3) AS b,
       f->'bgnbd'->'converged' AS converged
  FROM cdp.fit_score_model('purchases') f;
SELECT f->'calibration_end' AS cutoff, f->'training'->'profiles' AS trained_on,
       f->'holdout'->'profiles' AS held_out, f->'holdout'->'auc' AS auc, f->'holdout'->'brier' AS brier
  FROM cdp.fit_score_model('churn_risk') f;
SELECT cdp.score_profiles('purchases') AS scored, cdp.score_profiles('churn_risk') AS churn_scored;
\echo '   ... RFM segments, and the customers worth most over the next year (kept in profiles.computed):'
SELECT computed->>'rfm_segment' AS rfm_segment, count(*) AS customers
  FROM cdp.profiles WHERE computed ? 'rfm_segment' GROUP BY 1 ORDER BY 2 DESC;
SELECT profile_id, traits->>'firstName' AS first_name, computed->'p_alive' AS p_alive,
       computed->'clv_365d' AS clv_365d, computed->'rfm_segment' AS rfm, computed->'churn_risk' AS churn_risk
  FROM cdp.profiles WHERE computed ? 'clv_365d'
 ORDER BY (computed->>'clv_365d')::numeric DESC, profile_id LIMIT 5;
\echo '   ... why the first of them has that churn risk (each feature''s share of the log-odds):'
SELECT e->'features' AS features, e->'contributions' AS contributions, e->'scores' AS scores
  FROM cdp.explain_score('churn_risk', (SELECT profile_id FROM cdp.profiles WHERE computed ? 'clv_365d'
                                          ORDER BY (computed->>'clv_365d')::numeric DESC, profile_id LIMIT 1)) e;
RESET cdp.segment_now;

\echo
\echo '== Consent at work: row security shows each application only the people who agreed'
\echo '   (the CRM import says who opted in to e-mail; the web banner sends categoryPreferences)'
SELECT count(cdp.set_consent(profile_id, 'email_marketing', (traits->>'marketing_opt_in')::boolean, 'crm import'))
       AS consents_recorded
  FROM cdp.profiles WHERE traits->>'marketing_opt_in' IN ('true', 'false');
SELECT cdp.ingest('web', jsonb_build_object('type', 'track', 'event', 'Consent Updated', 'messageId', 'demo-consent-1',
         'anonymousId', (SELECT cdp.ident_value(i.ident) FROM cdp.identities i
                          WHERE cdp.ident_kind(i.ident) = 'anonymous_id' ORDER BY i.identity_id LIMIT 1),
         'timestamp', '2026-10-31T12:00:00Z',
         'context', '{"consent": {"categoryPreferences": {"Analytics": true, "Advertising": false}}}'::jsonb))
       IS NOT NULL AS banner_event_ingested;
SELECT u.purpose, count(p.profile_id) AS profiles_in_consent
  FROM cdp.purposes u LEFT JOIN cdp.profiles p ON (p.consent_mask & (1::bigint << u.bit)) <> 0
 GROUP BY u.purpose, u.bit ORDER BY u.bit;
DROP ROLE IF EXISTS cdp_demo_mailer;
CREATE ROLE cdp_demo_mailer NOLOGIN IN ROLE cdp_app;
SELECT cdp.grant_purpose('cdp_demo_mailer', 'email_marketing') AS granted_purpose,
       cdp.grant_region('cdp_demo_mailer', '*') AS granted_regions;
SET ROLE cdp_demo_mailer;
\echo '   ... the mailer without a declared purpose sees nobody:'
SELECT count(*) AS visible_profiles FROM cdp.profiles;
SET cdp.purpose = 'email_marketing';
\echo '   ... with SET cdp.purpose = ''email_marketing'', those who opted in:'
SELECT count(*) AS visible_profiles, count(*) FILTER (WHERE traits->>'marketing_opt_in' = 'true') AS opted_in
  FROM cdp.profiles;
RESET ROLE;
RESET cdp.purpose;
\echo '   ... an analyst sees traits masked (keyed pseudonyms still count and join):'
DROP ROLE IF EXISTS cdp_demo_analyst;
CREATE ROLE cdp_demo_analyst NOLOGIN IN ROLE cdp_analyst;
SELECT cdp.grant_purpose('cdp_demo_analyst', 'email_marketing') AS granted_purpose,
       cdp.grant_region('cdp_demo_analyst', '*') AS granted_regions;
SET ROLE cdp_demo_analyst;
SET cdp.purpose = 'email_marketing';
SELECT profile_id, traits->>'email' AS email, traits->>'firstName' AS first_name, traits->>'lastName' AS last_name
  FROM cdp.profiles_masked ORDER BY profile_id LIMIT 3;
RESET ROLE;
RESET cdp.purpose;
SELECT action, object, count(*) AS entries FROM cdp.audit_log GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5;
\echo '   ... a person asks for their data, then to be forgotten (GDPR art. 15 and 17):'
CREATE TEMP TABLE leaving AS
SELECT i.ident FROM cdp.identities i JOIN cdp.profiles p USING (profile_id)
 WHERE cdp.ident_kind(i.ident) = 'email' AND p.traits ? 'firstName'
 ORDER BY i.identity_id LIMIT 1;
SELECT jsonb_array_length(x->'identities') AS identities, jsonb_array_length(x->'events') AS events,
       jsonb_array_length(x->'consents') AS consents
  FROM leaving, LATERAL cdp.export_profile(leaving.ident) AS x;
SELECT x->'removed'->'events' AS events_removed, x->'removed'->'identities' AS identities_removed,
       x->'suppressed' AS identifiers_suppressed
  FROM leaving, LATERAL cdp.forget(leaving.ident, 'erasure request (demo)') AS x;
\echo '   ... an event that still carries their e-mail is dropped at ingestion, and counted:'
SELECT cdp.ingest('crm', jsonb_build_object('type', 'identify', 'messageId', 'demo-after-forget',
         'userId', 'demo-returning', 'traits', jsonb_build_object('email', cdp.ident_value(leaving.ident)),
         'timestamp', '2026-10-31T13:00:00Z')) AS stored_event_id
  FROM leaving;
SELECT s.name AS source, d.events AS dropped FROM cdp.suppressed_events d JOIN cdp.sources s USING (source_id);

\echo
\echo '== The background worker: a real-time segment follows an event with nobody calling a function'
\echo '   (cdp.database = ''cdp_demo''; retention off: the sample''s visitors are older than 90 days by now)'
ALTER SYSTEM SET cdp.database = 'cdp_demo';
ALTER SYSTEM SET cdp.naptime = '2s';
ALTER SYSTEM SET cdp.retention_interval = 0;
SELECT pg_reload_conf() AS reloaded;
SELECT cdp.create_segment('viewed_sunglasses', '{"event": "Product Viewed", "where": [{"property": "name", "op": "=", "value": "Demo Sunglasses"}]}') AS s7 \gset
SELECT cdp.set_segment_realtime('viewed_sunglasses', true);
SELECT * FROM cdp.refresh_segment('viewed_sunglasses');
SELECT cdp.ingest('web', jsonb_build_object('type', 'track', 'event', 'Product Viewed', 'messageId', 'demo-realtime-1',
         'userId', (SELECT cdp.ident_value(i.ident) FROM cdp.identities i
                     WHERE cdp.ident_kind(i.ident) = 'user_id' ORDER BY i.identity_id LIMIT 1),
         'properties', '{"name": "Demo Sunglasses"}'::jsonb, 'timestamp', '2026-10-31T14:00:00Z')) IS NOT NULL AS event_ingested;
\echo '   ... waiting for the worker (its first round also brings the computed traits up to today):'
SELECT clock_timestamp() AS t0 \gset
DO $$
BEGIN
    WHILE NOT EXISTS (SELECT 1 FROM cdp.segments WHERE name = 'viewed_sunglasses' AND size > 0)
          AND clock_timestamp() < now() + interval '120 seconds' LOOP
        PERFORM pg_sleep(0.2);
    END LOOP;
END $$;
SELECT name, size, (clock_timestamp() - :'t0'::timestamptz)::interval(1) AS seen_after
  FROM cdp.segments WHERE name = 'viewed_sunglasses';
SELECT job, worker_state, runs, items, pending, errors, set_aside FROM cdp.worker_status ORDER BY job;

\echo
\echo '== One person, stitched from every channel'
CREATE TEMP TABLE showcase AS
SELECT p.profile_id
  FROM cdp.profile_events p
 GROUP BY p.profile_id
HAVING count(DISTINCT p.source_id) = 4
 ORDER BY count(*) DESC, p.profile_id
 LIMIT 1;
SELECT jsonb_pretty(cdp.profile(profile_id) - 'recent_events' - 'region') AS profile FROM showcase;
\echo '   ... and why two of its identifiers are the same person:'
SELECT w.step, w.from_ident, w.to_ident, w.edge_kind, s.name AS source, e.type, e.event
  FROM showcase,
       LATERAL (SELECT
                  (SELECT i.ident FROM cdp.identities i WHERE i.profile_id = showcase.profile_id
                      AND cdp.ident_kind(i.ident) = 'anonymous_id' AND cdp.ident_value(i.ident) LIKE 'pos-%'
                    ORDER BY i.identity_id LIMIT 1) AS a,
                  (SELECT i.ident FROM cdp.identities i WHERE i.profile_id = showcase.profile_id
                      AND cdp.ident_kind(i.ident) = 'device_id'
                    ORDER BY i.identity_id LIMIT 1) AS b) pair,
       LATERAL cdp.why_linked(pair.a, pair.b) w
  LEFT JOIN cdp.events e ON e.event_id = w.event_id
  LEFT JOIN cdp.sources s ON s.source_id = e.source_id
 ORDER BY w.step;
