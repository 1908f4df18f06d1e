\set SHOW_CONTEXT never
-- The BI history tables: counted as events and profile changes are
-- written, folded by cdp.refresh_stats(), and equal to brute-force counts
-- over the raw tables; a backfill gives the same numbers; erasure does not
-- lower days past; UTC days whatever the session's time zone; who may
-- read and refresh them.  Today's date is never printed: each check
-- compares with the raw tables as of now().
-- In a database of its own: the counts cover the whole database.
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS cdp_stats_test;
CREATE DATABASE cdp_stats_test;
\c cdp_stats_test
CREATE EXTENSION cdp;
SET client_min_messages = warning;
-- Days are UTC days: a session 14 hours ahead must not move them.
SET TimeZone = 'Pacific/Kiritimati';
SET DateStyle = ISO;
SELECT cdp.create_source('web', 'web'), cdp.create_source('pos', 'pos');

-- The brute-force counts each table must equal.
CREATE FUNCTION pg_temp.events_differ() RETURNS bigint LANGUAGE sql AS $$
    WITH raw AS (
        SELECT timezone('UTC', e.occurred_at)::date AS day, s.name AS source, e.type,
               left(e.event, 200) AS event, count(*) AS events
          FROM cdp.events e JOIN cdp.sources s USING (source_id) GROUP BY 1, 2, 3, 4),
    kept AS (SELECT day, source, type, event, events FROM cdp.stats_events_daily)
    SELECT count(*) FROM ((TABLE raw EXCEPT TABLE kept) UNION ALL (TABLE kept EXCEPT TABLE raw)) d
$$;
CREATE FUNCTION pg_temp.identity_differ() RETURNS bigint LANGUAGE sql AS $$
    WITH raw AS (
        SELECT timezone('UTC', e.occurred_at)::date AS day, count(*) AS events,
               count(*) FILTER (WHERE EXISTS (SELECT FROM unnest(e.identifiers) i
                                               WHERE cdp.ident_kind(i) NOT IN ('anonymous_id', 'device_id'))) AS identified
          FROM cdp.events e GROUP BY 1),
    kept AS (SELECT day, events, identified_events FROM cdp.stats_identity_daily WHERE events > 0)
    SELECT count(*) FROM ((TABLE raw EXCEPT TABLE kept) UNION ALL (TABLE kept EXCEPT TABLE raw)) d
$$;
-- Profiles: merges and splits from the log; new profiles from the
-- profiles and their aliases (a split makes a profile too); today's count.
CREATE FUNCTION pg_temp.profiles_differ() RETURNS bigint LANGUAGE sql AS $$
    WITH made AS (
        SELECT timezone('UTC', created_at)::date AS day FROM cdp.profiles
        UNION ALL SELECT timezone('UTC', created_at)::date FROM cdp.profile_aliases),
    logged AS (
        SELECT timezone('UTC', logged_at)::date AS day, count(*) FILTER (WHERE action = 'merge') AS merged,
               count(*) FILTER (WHERE action = 'split') AS split
          FROM cdp.merge_log GROUP BY 1),
    raw AS (
        SELECT d.day, (SELECT count(*) FROM made m WHERE m.day = d.day) - coalesce(l.split, 0) AS new_profiles,
               coalesce(l.merged, 0) AS merged, coalesce(l.split, 0) AS split
          FROM (SELECT day FROM made UNION SELECT day FROM logged) d LEFT JOIN logged l USING (day)),
    kept AS (SELECT day, new_profiles, merged, split FROM cdp.stats_profiles_daily)
    SELECT count(*) + (SELECT count(*) FROM cdp.stats_profiles_daily
                        WHERE day = timezone('UTC', now())::date
                          AND profiles IS DISTINCT FROM (SELECT count(*) FROM cdp.profiles))
      FROM ((TABLE raw EXCEPT TABLE kept) UNION ALL (TABLE kept EXCEPT TABLE raw)) d
$$;
CREATE FUNCTION pg_temp.differ() RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('events', pg_temp.events_differ(), 'identity', pg_temp.identity_differ(),
                              'profiles', pg_temp.profiles_differ())
$$;

-- Events over five days and two sources: tracks with names, pages, a
-- NULL name (identify), a hostile 300-character name; 40 people, half of
-- them identified by a userId or an email, the rest anonymous.
SELECT cdp.ingest_batch('web', jsonb_build_object('batch', jsonb_agg(jsonb_build_object(
           'type', CASE WHEN g % 7 = 0 THEN 'page' ELSE 'track' END,
           'name', 'Home',
           'event', CASE WHEN g % 3 = 0 THEN 'Order Completed' WHEN g % 11 = 0 THEN repeat('x', 300)
                         ELSE 'Product Viewed' END,
           'messageId', 'w' || g, 'anonymousId', 'anon-' || (g % 40),
           'timestamp', '2026-11-0' || (1 + g % 5) || 'T' || lpad((g % 24)::text, 2, '0') || ':30:00Z')
           || CASE WHEN g % 40 < 20 AND g % 2 = 0 THEN jsonb_build_object('userId', 'user-' || (g % 40)) ELSE '{}' END)),
       false) AS web_events
  FROM generate_series(1, 600) g;
SELECT cdp.ingest_batch('pos', jsonb_build_object('batch', jsonb_agg(jsonb_build_object(
           'type', 'identify', 'messageId', 'p' || g, 'userId', 'user-' || g,
           'traits', jsonb_build_object('email', 'person' || g || '@example.com'),
           'timestamp', '2026-11-03T23:59:59Z')))) AS pos_events
  FROM generate_series(0, 19) g;
-- Replays and rejects are not counted.
SELECT cdp.ingest('web', '{"type": "track", "event": "Product Viewed", "messageId": "w1",
                           "anonymousId": "anon-1", "timestamp": "2026-11-02T00:30:00Z"}') AS replay;
SELECT cdp.ingest_batch('web', '{"batch": [{"type": "track", "messageId": "bad"}]}', true) AS rejected;

-- The counts wait as deltas until a refresh; none is written twice.
SELECT count(*) > 0 AS deltas_waiting, sum(events) AS events_waiting FROM cdp.stats_event_deltas;
SELECT count(*) AS daily_rows_before FROM cdp.stats_events_daily;
SELECT r - 'seconds' - 'day' AS refresh FROM cdp.refresh_stats() r;
SELECT count(*) AS deltas_left FROM cdp.stats_event_deltas;
SELECT pg_temp.differ() AS after_first_refresh;
-- UTC days, not the session's: 2026-11-03T23:59:59Z is the 3rd.
SELECT day, source, type, event, events FROM cdp.stats_events_daily WHERE source = 'pos';
SELECT max(length(event)) AS longest_name FROM cdp.stats_events_daily;

-- Merges: each anonymous visitor of user-N's is joined to user-N.
SELECT count(*) AS links FROM (
    SELECT cdp.ingest('web', jsonb_build_object('type', 'identify', 'messageId', 'join' || g,
                                                'anonymousId', 'anon-' || g, 'userId', 'user-' || g,
                                                'timestamp', '2026-11-06T12:00:00Z'))
      FROM generate_series(0, 19) g) s;
-- A split: an identifier quarantined leaves its profile.
SELECT (cdp.quarantine('anonymous_id:anon-3'::cdp.ident, 'shared device')) ? 'profiles' AS quarantined;
SELECT r - 'seconds' - 'day' AS refresh FROM cdp.refresh_stats() r;
SELECT pg_temp.differ() AS after_merges;
SELECT sum(merged) > 0 AS merged, sum(split) > 0 AS split, sum(new_profiles) - sum(merged) + sum(split)
       = (SELECT count(*) FROM cdp.profiles) AS balance
  FROM cdp.stats_profiles_daily;

-- The state of the graph today, and identifiers per profile.
SELECT (SELECT identifiers = (SELECT count(*) FROM cdp.identities)
               AND quarantined = (SELECT count(*) FROM cdp.identities WHERE quarantined)
               AND known_profiles = (SELECT count(DISTINCT profile_id) FROM cdp.identities
                                      WHERE cdp.ident_kind(ident) IN ('user_id', 'email'))
               AND suspects = (SELECT count(*) FROM cdp.identity_suspects)
          FROM cdp.stats_identity_daily WHERE day = timezone('UTC', now())::date) AS graph_today;
SELECT (SELECT array_agg(ARRAY[identifiers::bigint, profiles] ORDER BY identifiers)
          FROM cdp.stats_identifiers_daily WHERE day = timezone('UTC', now())::date)
       = (SELECT array_agg(ARRAY[n, c] ORDER BY n)
            FROM (SELECT least(n, 20) AS n, count(*) AS c
                    FROM (SELECT count(*) AS n FROM cdp.identities GROUP BY profile_id) x GROUP BY 1) y)
       AS identifiers_per_profile;

-- Consent by purpose and region; a segment; a destination; a review
-- queue; a score model's distribution.
UPDATE cdp.profiles SET region = CASE WHEN profile_id % 2 = 0 THEN 'EU' ELSE 'US' END;
SELECT count(*) AS consents FROM (
    SELECT cdp.set_consent(profile_id, 'analytics', true, 'banner') FROM cdp.profiles WHERE profile_id % 3 = 0) c;
SELECT cdp.create_segment('with_email', 'traits ? ''email''') > 0 AS segment;
SELECT entered > 0 AS refreshed FROM cdp.refresh_segment('with_email');
SELECT cdp.create_destination('crm', 'webhook', '{"url": "http://127.0.0.1:9/hook"}', 'analytics') > 0 AS destination;
SELECT cdp.connect('crm', 'with_email') >= 0 AS connected;
-- (The review queue and the model's scores are written directly: their
-- own tests cover how they are made.)
INSERT INTO cdp.match_models (name, spec) VALUES ('people', '{}');
INSERT INTO cdp.match_review (model_id, left_profile_id, right_profile_id, left_identity_id, right_identity_id,
                              match_weight, probability, explanation, status, decided_at)
SELECT m.model_id, g, g + 1, g, g + 1, 3, 0.9, '{}', s, CASE WHEN s <> 'pending' THEN now() END
  FROM cdp.match_models m, generate_series(1, 6) g,
       LATERAL (SELECT (ARRAY['pending', 'accepted', 'rejected'])[1 + g % 3] AS s) x;
INSERT INTO cdp.score_models (name, kind, spec, outputs, evaluated_at)
VALUES ('churn', 'propensity', '{}', '{churn_risk}', now());
UPDATE cdp.profiles SET computed = jsonb_build_object('churn_risk', (profile_id % 10) / 10.0);
SELECT r - 'seconds' - 'day' AS refresh FROM cdp.refresh_stats() r;
SELECT purpose, region, profiles = (SELECT count(*) FROM cdp.profiles p WHERE p.region IS NOT DISTINCT FROM c.region) AS profiles,
       granted = (SELECT count(*) FROM cdp.profiles p WHERE p.region IS NOT DISTINCT FROM c.region
                     AND cdp.purpose_in_force(p.consent_mask, p.consent_expires_at, u.bit)) AS granted, granted > 0 AS some
  FROM cdp.stats_consent_daily c JOIN cdp.purposes u USING (purpose)
 WHERE day = timezone('UTC', now())::date AND purpose IN ('analytics', 'advertising') ORDER BY 1, 2;
SELECT segment, size = (SELECT count(*) FROM cdp.segment_members) AS size, entered = size AS entered, exited, refreshes
  FROM cdp.stats_segments_daily WHERE day = timezone('UTC', now())::date;
SELECT destination, delivered, failed, queued = (SELECT count(*) FROM cdp.outbox) AS queued, dead_letters,
       (lag_seconds IS NOT NULL) = (queued > 0) AS lag
  FROM cdp.stats_destinations_daily WHERE day = timezone('UTC', now())::date;
SELECT model, queued, accepted, rejected, pending FROM cdp.stats_match_review_daily
 WHERE day = timezone('UTC', now())::date;
SELECT model, output, profiles = (SELECT count(*) FROM cdp.profiles) AS profiles,
       p50 = (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (computed->>'churn_risk')::float8) FROM cdp.profiles) AS median,
       abs(mean - (SELECT avg((computed->>'churn_risk')::float8) FROM cdp.profiles)) < 1e-9 AS mean
  FROM cdp.stats_scores_daily;

-- A backfill recounts from the raw tables and gets the same numbers.
CREATE TEMP TABLE before_events AS SELECT * FROM cdp.stats_events_daily;
CREATE TEMP TABLE before_profiles AS SELECT day, new_profiles, merged, split, profiles FROM cdp.stats_profiles_daily;
CREATE TEMP TABLE before_identity AS SELECT day, events, identified_events FROM cdp.stats_identity_daily;
SELECT r - 'seconds' - 'day' AS backfill FROM cdp.refresh_stats(backfill => true) r;
SELECT (SELECT count(*) FROM ((TABLE before_events EXCEPT SELECT * FROM cdp.stats_events_daily)
                              UNION ALL (SELECT * FROM cdp.stats_events_daily EXCEPT TABLE before_events)) d) AS events_changed,
       (SELECT count(*) FROM ((TABLE before_profiles EXCEPT SELECT day, new_profiles, merged, split, profiles FROM cdp.stats_profiles_daily)
                              UNION ALL (SELECT day, new_profiles, merged, split, profiles FROM cdp.stats_profiles_daily
                                         EXCEPT TABLE before_profiles)) d) AS profiles_changed,
       (SELECT count(*) FROM ((TABLE before_identity EXCEPT SELECT day, events, identified_events FROM cdp.stats_identity_daily)
                              UNION ALL (SELECT day, events, identified_events FROM cdp.stats_identity_daily
                                         EXCEPT TABLE before_identity)) d) AS identity_changed;
-- From nothing: the history tables emptied, one call rebuilds them.
TRUNCATE cdp.stats_events_daily, cdp.stats_profiles_daily, cdp.stats_identity_daily, cdp.stats_segments_daily;
SELECT r - 'seconds' - 'day' AS backfill FROM cdp.refresh_stats(true) r;
SELECT pg_temp.differ() AS after_backfill_from_nothing,
       (SELECT count(*) FROM cdp.stats_segments_daily) AS segment_days;

-- Erasure removes the person's events; the days past keep their counts.
SELECT sum(events) AS events_before FROM cdp.stats_events_daily;
SELECT (cdp.forget('user_id:user-4'::cdp.ident, 'request') -> 'removed' ->> 'events')::int > 0 AS events_erased;
SELECT r - 'seconds' - 'day' AS refresh FROM cdp.refresh_stats() r;
SELECT sum(events) AS events_after FROM cdp.stats_events_daily;
SELECT (SELECT profiles FROM cdp.stats_profiles_daily WHERE day = timezone('UTC', now())::date)
       = (SELECT count(*) FROM cdp.profiles) AS profiles_today;

-- Days no refresh saw (counted late, or the worker was stopped): each
-- carries the profile count of the day before it forward by its changes.
INSERT INTO cdp.stats_profile_deltas (day, new_profiles, merged)
SELECT min(day) - 3, 5, 0 FROM cdp.stats_profiles_daily
UNION ALL SELECT min(day) - 2, 0, 1 FROM cdp.stats_profiles_daily;
SELECT r - 'seconds' - 'day' AS refresh FROM cdp.refresh_stats() r;
SELECT day - min(day) OVER () AS day, new_profiles, merged, profiles
  FROM cdp.stats_profiles_daily ORDER BY day LIMIT 3;

-- The worker's job: due every cdp.stats_interval.
SELECT cdp.run_pending(jobs => ARRAY['stats']) -> 'stats' AS first_run;
SELECT cdp.run_pending(jobs => ARRAY['stats']) -> 'stats' AS not_due;
SET cdp.stats_interval = 0;
SELECT pending FROM cdp.worker_job_lag() WHERE job = 'stats';
RESET cdp.stats_interval;

-- Bad input and rights.
SELECT cdp.refresh_stats(NULL);
SET ROLE cdp_analyst;
SELECT count(*) > 0 AS analyst_reads FROM cdp.stats_events_daily;
SELECT count(*) FROM cdp.stats_event_deltas;
SELECT cdp.refresh_stats();
RESET ROLE;
SET ROLE cdp_admin;
SELECT (cdp.refresh_stats() ->> 'backfill')::boolean AS admin_refreshes;
RESET ROLE;
SELECT has_function_privilege('public', 'cdp.refresh_stats(boolean)', 'execute') AS public_may_refresh;

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE cdp_stats_test;
