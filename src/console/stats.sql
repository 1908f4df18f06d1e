-- BI history tables: one row per day (and per source, segment, purpose,
-- destination or model) of what happened in cdp, for dashboards to read
-- instead of aggregating raw events.  cdp.refresh_stats() keeps them; the
-- background worker calls it every cdp.stats_interval.  They hold counts
-- and names of sources, events, segments and models, never a person's
-- data, and are readable by cdp_analyst.
--
-- Days are UTC days.  What flows (events, new profiles, merges) is
-- counted by the writers as they write, in their own transactions, into
-- append-only delta tables (ingestion: src/ingest/event_counts.c;
-- stitching: src/identity/stitch_write.c and merge_log.c); refreshing
-- folds the deltas into the daily rows, deleting them in the same
-- statement, so every event is counted once however sessions interleave.
-- What is a state (how many profiles, identifiers, consents, queued
-- deliveries) is read at each refresh and written to today's row, where
-- the day's last refresh leaves it.  Erasure and retention do not lower
-- the counts of days past: these tables count what happened.

-- Deltas ------------------------------------------------------------------

CREATE TABLE cdp.stats_event_deltas (
    day         date NOT NULL,
    source_id   integer NOT NULL,
    type        text NOT NULL,
    event       text,
    events      bigint NOT NULL,
    identified  bigint NOT NULL
);
-- Every row is deleted by the next refresh.
ALTER TABLE cdp.stats_event_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
COMMENT ON TABLE cdp.stats_event_deltas IS
    'events stored per batch, day, type and name, waiting for cdp.refresh_stats() (written by ingestion)';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_event_deltas', '');

CREATE TABLE cdp.stats_profile_deltas (
    day           date NOT NULL,
    new_profiles  bigint NOT NULL DEFAULT 0,
    merged        bigint NOT NULL DEFAULT 0,
    split         bigint NOT NULL DEFAULT 0
);
ALTER TABLE cdp.stats_profile_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
COMMENT ON TABLE cdp.stats_profile_deltas IS
    'profiles created, merged away and split off per write, waiting for cdp.refresh_stats() (written by stitching)';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_profile_deltas', '');

-- Whether an identifier names a person (every kind but anonymous_id and
-- device_id): ingestion counts the events carrying one as identified, and
-- a backfill recounts them with this.  (C: src/ident/ident_kinds.c.)
CREATE FUNCTION cdp.ident_names_person(cdp.ident) RETURNS boolean
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_names_person';
COMMENT ON FUNCTION cdp.ident_names_person(cdp.ident) IS
    'whether an identifier names a person: every kind but anonymous_id and device_id';

-- The history tables --------------------------------------------------------

CREATE TABLE cdp.stats_events_daily (
    day     date NOT NULL,
    source  text NOT NULL,
    type    text NOT NULL,
    event   text,
    events  bigint NOT NULL,
    CONSTRAINT stats_events_daily_key UNIQUE NULLS NOT DISTINCT (day, source, type, event)
);
COMMENT ON TABLE cdp.stats_events_daily IS
    'events stored per UTC day of occurred_at, source, type and name (names cut to 200 characters)';
COMMENT ON COLUMN cdp.stats_events_daily.event IS 'track: the event name; page, screen: the name; otherwise NULL';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_events_daily', '');

CREATE TABLE cdp.stats_profiles_daily (
    day           date PRIMARY KEY,
    new_profiles  bigint NOT NULL,
    merged        bigint NOT NULL,
    split         bigint NOT NULL,
    profiles      bigint NOT NULL
);
COMMENT ON TABLE cdp.stats_profiles_daily IS
    'per UTC day: profiles created by stitching, merged into others, split off; profiles held at the day''s last refresh';
COMMENT ON COLUMN cdp.stats_profiles_daily.profiles IS
    'profiles held at the day''s last refresh; a day without one carries the previous day''s count forward by its changes';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_profiles_daily', '');

CREATE TABLE cdp.stats_identity_daily (
    day                date PRIMARY KEY,
    events             bigint NOT NULL DEFAULT 0,
    identified_events  bigint NOT NULL DEFAULT 0,
    identifiers        bigint,
    known_profiles     bigint,
    quarantined        bigint,
    suspects           bigint
);
COMMENT ON TABLE cdp.stats_identity_daily IS
    'identity resolution per UTC day: events and those carrying a personal identifier; the graph at the day''s last refresh';
COMMENT ON COLUMN cdp.stats_identity_daily.identified_events IS
    'events that carried an identifier naming a person (cdp.ident_names_person) when they arrived';
COMMENT ON COLUMN cdp.stats_identity_daily.identifiers IS 'identifiers held (NULL: no refresh that day)';
COMMENT ON COLUMN cdp.stats_identity_daily.known_profiles IS 'profiles holding an identifier that names a person';
COMMENT ON COLUMN cdp.stats_identity_daily.quarantined IS 'identifiers cut out of the graph by cdp.quarantine()';
COMMENT ON COLUMN cdp.stats_identity_daily.suspects IS 'identifiers linked to at least cdp.suspect_links others';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_identity_daily', '');

CREATE TABLE cdp.stats_identifiers_daily (
    day          date NOT NULL,
    identifiers  integer NOT NULL,
    profiles     bigint NOT NULL,
    PRIMARY KEY (day, identifiers)
);
COMMENT ON TABLE cdp.stats_identifiers_daily IS
    'how many profiles hold 1, 2, ... identifiers (20: 20 or more), at the day''s last refresh';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_identifiers_daily', '');

CREATE TABLE cdp.stats_segments_daily (
    day         date NOT NULL,
    segment_id  integer NOT NULL,
    segment     text NOT NULL,
    size        bigint NOT NULL,
    entered     bigint NOT NULL,
    exited      bigint NOT NULL,
    refreshes   integer NOT NULL,
    PRIMARY KEY (day, segment_id)
);
COMMENT ON TABLE cdp.stats_segments_daily IS
    'per UTC day and segment: its size after the day''s last refresh, entries, exits and refreshes (from cdp.segment_sizes)';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_segments_daily', '');

CREATE TABLE cdp.stats_consent_daily (
    day       date NOT NULL,
    purpose   text NOT NULL,
    region    text,
    profiles  bigint NOT NULL,
    granted   bigint NOT NULL,
    CONSTRAINT stats_consent_daily_key UNIQUE NULLS NOT DISTINCT (day, purpose, region)
);
COMMENT ON TABLE cdp.stats_consent_daily IS
    'per UTC day, purpose and region: profiles, and those whose consent to the purpose is in force, at the day''s last refresh';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_consent_daily', '');

CREATE TABLE cdp.stats_destinations_daily (
    day             date NOT NULL,
    destination_id  integer NOT NULL,
    destination     text NOT NULL,
    delivered       bigint NOT NULL,
    skipped         bigint NOT NULL,
    failed          bigint NOT NULL,
    queued          bigint NOT NULL,
    dead_letters    bigint NOT NULL,
    lag_seconds     double precision,
    PRIMARY KEY (day, destination_id)
);
COMMENT ON TABLE cdp.stats_destinations_daily IS
    'per UTC day and destination: items delivered, skipped, failed attempts; queue, dead letters and lag at the day''s last refresh';
COMMENT ON COLUMN cdp.stats_destinations_daily.lag_seconds IS
    'how long the oldest item waiting had waited (NULL: none waiting)';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_destinations_daily', '');

CREATE TABLE cdp.stats_match_review_daily (
    day       date NOT NULL,
    model_id  integer NOT NULL,
    model     text NOT NULL,
    queued    bigint NOT NULL,
    accepted  bigint NOT NULL,
    rejected  bigint NOT NULL,
    pending   bigint,
    PRIMARY KEY (day, model_id)
);
COMMENT ON TABLE cdp.stats_match_review_daily IS
    'per UTC day and matching model: pairs queued for review, accepted, rejected; pending at the day''s last refresh';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_match_review_daily', '');

CREATE TABLE cdp.stats_scores_daily (
    day       date NOT NULL,
    model     text NOT NULL,
    output    text NOT NULL,
    profiles  bigint NOT NULL,
    mean      double precision,
    p10       double precision,
    p25       double precision,
    p50       double precision,
    p75       double precision,
    p90       double precision,
    taken_at  timestamptz NOT NULL,
    PRIMARY KEY (day, model, output)
);
COMMENT ON TABLE cdp.stats_scores_daily IS
    'per UTC day, score model and numeric output: how its scores are distributed (taken at most hourly)';
SELECT pg_catalog.pg_extension_config_dump('cdp.stats_scores_daily', '');

-- Refreshing ----------------------------------------------------------------

-- The UTC day of a time.
CREATE FUNCTION cdp.stats_day(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT timezone('UTC', t)::date $$;
REVOKE ALL ON FUNCTION cdp.stats_day(timestamptz) FROM PUBLIC;

-- Folds the waiting event deltas into the daily events and identity rows.
-- Deleting the deltas and adding them up is one statement: a delta
-- committed meanwhile is left for the next refresh.
CREATE FUNCTION cdp.stats_fold_events() RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH d AS (DELETE FROM cdp.stats_event_deltas RETURNING *),
    e AS (INSERT INTO cdp.stats_events_daily AS t (day, source, type, event, events)
          SELECT d.day, coalesce(s.name, '#' || d.source_id), d.type, left(d.event, 200), sum(d.events)
            FROM d LEFT JOIN cdp.sources s ON s.source_id = d.source_id
           GROUP BY 1, 2, 3, 4
          ON CONFLICT ON CONSTRAINT stats_events_daily_key
          DO UPDATE SET events = t.events + excluded.events),
    i AS (INSERT INTO cdp.stats_identity_daily AS t (day, events, identified_events)
          SELECT d.day, sum(d.events), sum(d.identified) FROM d GROUP BY d.day
          ON CONFLICT (day) DO UPDATE
             SET events = t.events + excluded.events,
                 identified_events = t.identified_events + excluded.identified_events)
    SELECT count(*) FROM d
$$;
REVOKE ALL ON FUNCTION cdp.stats_fold_events() FROM PUBLIC;

-- Folds the waiting profile deltas into the daily profile rows.  A day
-- that gets its row only now (no refresh ran that day) carries the
-- previous day's profile count forward by its changes; today's is
-- counted.
CREATE FUNCTION cdp.stats_fold_profiles(today date) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    folded bigint;
    r record;
BEGIN
    WITH d AS (DELETE FROM cdp.stats_profile_deltas RETURNING *),
    p AS (INSERT INTO cdp.stats_profiles_daily AS t (day, new_profiles, merged, split, profiles)
          SELECT d.day, sum(d.new_profiles), sum(d.merged), sum(d.split), -1 FROM d GROUP BY d.day
          ON CONFLICT (day) DO UPDATE
             SET new_profiles = t.new_profiles + excluded.new_profiles,
                 merged = t.merged + excluded.merged, split = t.split + excluded.split)
    SELECT count(*) INTO folded FROM d;

    INSERT INTO cdp.stats_profiles_daily AS t (day, new_profiles, merged, split, profiles)
    VALUES (today, 0, 0, 0, (SELECT count(*) FROM cdp.profiles))
    ON CONFLICT (day) DO UPDATE SET profiles = excluded.profiles;

    FOR r IN SELECT t.day FROM cdp.stats_profiles_daily t WHERE t.profiles < 0 ORDER BY t.day LOOP
        UPDATE cdp.stats_profiles_daily t
           SET profiles = greatest(coalesce((SELECT b.profiles FROM cdp.stats_profiles_daily b
                                              WHERE b.day < r.day AND b.profiles >= 0
                                              ORDER BY b.day DESC LIMIT 1), 0)
                                   + t.new_profiles - t.merged + t.split, 0)
         WHERE t.day = r.day;
    END LOOP;
    RETURN folded;
END
$$;
REVOKE ALL ON FUNCTION cdp.stats_fold_profiles(date) FROM PUBLIC;

-- Today's state of the identity graph, consent and the delivery queues.
CREATE FUNCTION cdp.stats_take_states(today date) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    -- One pass over the identities, per profile, for both tables.
    DELETE FROM cdp.stats_identifiers_daily t WHERE t.day = today;
    WITH per_profile AS (
        SELECT count(*) AS identifiers, bool_or(cdp.ident_names_person(i.ident)) AS known,
               count(*) FILTER (WHERE i.quarantined) AS quarantined
          FROM cdp.identities i GROUP BY i.profile_id),
    histogram AS (
        INSERT INTO cdp.stats_identifiers_daily (day, identifiers, profiles)
        SELECT today, least(p.identifiers, 20), count(*) FROM per_profile p GROUP BY 2)
    INSERT INTO cdp.stats_identity_daily AS t (day, identifiers, known_profiles, quarantined, suspects)
    SELECT today, coalesce(sum(p.identifiers), 0), count(*) FILTER (WHERE p.known), coalesce(sum(p.quarantined), 0),
           (SELECT count(*) FROM cdp.identity_suspects)
      FROM per_profile p
    ON CONFLICT (day) DO UPDATE
       SET identifiers = excluded.identifiers, known_profiles = excluded.known_profiles,
           quarantined = excluded.quarantined, suspects = excluded.suspects;

    -- Profiles are grouped by region and consent first: few groups.  In
    -- each group the grants are all current or all past their expiry, so
    -- any member's expiry stands for the group's.
    DELETE FROM cdp.stats_consent_daily t WHERE t.day = today;
    INSERT INTO cdp.stats_consent_daily (day, purpose, region, profiles, granted)
    SELECT today, u.purpose, g.region, sum(g.profiles),
           coalesce(sum(g.profiles) FILTER (WHERE cdp.purpose_in_force(g.consent_mask, g.expires_at, u.bit)), 0)
      FROM (SELECT p.region, p.consent_mask, min(p.consent_expires_at) AS expires_at, count(*) AS profiles
              FROM cdp.profiles p
             GROUP BY p.region, p.consent_mask, coalesce(p.consent_expires_at > now(), true)) g
     CROSS JOIN cdp.purposes u
     GROUP BY 2, 3;

    DELETE FROM cdp.stats_destinations_daily t WHERE t.day = today;
    INSERT INTO cdp.stats_destinations_daily
           (day, destination_id, destination, delivered, skipped, failed, queued, dead_letters, lag_seconds)
    SELECT today, d.destination_id, d.name,
           d.delivered - coalesce(b.delivered, 0), d.skipped - coalesce(b.skipped, 0),
           d.failed - coalesce(b.failed, 0),
           q.queued, (SELECT count(*) FROM cdp.dead_letters l WHERE l.destination_id = d.destination_id),
           extract(epoch FROM now() - q.oldest)
      FROM cdp.destinations d
     CROSS JOIN LATERAL (SELECT count(*) AS queued, min(o.created_at) AS oldest
                           FROM cdp.outbox o WHERE o.destination_id = d.destination_id) q
      LEFT JOIN LATERAL (SELECT sum(t.delivered) AS delivered, sum(t.skipped) AS skipped, sum(t.failed) AS failed
                           FROM cdp.stats_destinations_daily t
                          WHERE t.destination_id = d.destination_id AND t.day < today) b ON true;
$$;
REVOKE ALL ON FUNCTION cdp.stats_take_states(date) FROM PUBLIC;

-- Recounts the days from since on (all days: NULL) of what other tables
-- keep a history of: segment refreshes and the match review.
CREATE FUNCTION cdp.stats_recount_histories(since date, today date) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM cdp.stats_segments_daily t WHERE since IS NULL OR t.day >= since;
    INSERT INTO cdp.stats_segments_daily (day, segment_id, segment, size, entered, exited, refreshes)
    SELECT h.day, g.segment_id, g.name,
           (array_agg(h.size ORDER BY h.refreshed_at DESC))[1], sum(h.entered), sum(h.exited), count(*)
      FROM (SELECT z.*, cdp.stats_day(z.refreshed_at) AS day FROM cdp.segment_sizes z
             WHERE since IS NULL OR z.refreshed_at >= since::timestamp AT TIME ZONE 'UTC') h
      JOIN cdp.segments g ON g.segment_id = h.segment_id
     GROUP BY h.day, g.segment_id, g.name;
    -- A segment not refreshed today keeps its last size.
    INSERT INTO cdp.stats_segments_daily (day, segment_id, segment, size, entered, exited, refreshes)
    SELECT today, g.segment_id, g.name, z.size, 0, 0, 0
      FROM cdp.segments g
     CROSS JOIN LATERAL (SELECT z.size FROM cdp.segment_sizes z WHERE z.segment_id = g.segment_id
                          ORDER BY z.refreshed_at DESC LIMIT 1) z
    ON CONFLICT (day, segment_id) DO NOTHING;

    DELETE FROM cdp.stats_match_review_daily t WHERE since IS NULL OR t.day >= since;
    INSERT INTO cdp.stats_match_review_daily (day, model_id, model, queued, accepted, rejected)
    SELECT r.day, m.model_id, m.name, sum(r.queued), sum(r.accepted), sum(r.rejected)
      FROM (SELECT v.model_id, cdp.stats_day(v.created_at) AS day, 1 AS queued, 0 AS accepted, 0 AS rejected
              FROM cdp.match_review v
             WHERE since IS NULL OR v.created_at >= since::timestamp AT TIME ZONE 'UTC'
            UNION ALL
            SELECT v.model_id, cdp.stats_day(v.decided_at), 0, (v.status = 'accepted')::integer,
                   (v.status = 'rejected')::integer
              FROM cdp.match_review v
             WHERE v.decided_at IS NOT NULL
               AND (since IS NULL OR v.decided_at >= since::timestamp AT TIME ZONE 'UTC')) r
      JOIN cdp.match_models m ON m.model_id = r.model_id
     GROUP BY r.day, m.model_id, m.name;
    INSERT INTO cdp.stats_match_review_daily AS t (day, model_id, model, queued, accepted, rejected, pending)
    SELECT today, m.model_id, m.name, 0, 0, 0,
           (SELECT count(*) FROM cdp.match_review v WHERE v.model_id = m.model_id AND v.status = 'pending')
      FROM cdp.match_models m
    ON CONFLICT (day, model_id) DO UPDATE SET pending = excluded.pending;
$$;
REVOKE ALL ON FUNCTION cdp.stats_recount_histories(date, date) FROM PUBLIC;

-- Today's distribution of each fitted model's numeric scores, at most
-- hourly (sorting every profile's scores costs seconds on millions), and
-- only when the model scored since.
CREATE FUNCTION cdp.stats_take_scores(today date, force boolean) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT g.name, g.outputs FROM cdp.score_models g
              WHERE g.evaluated_at IS NOT NULL
                AND (force OR NOT EXISTS (
                     SELECT 1 FROM cdp.stats_scores_daily t
                      WHERE t.day = today AND t.model = g.name
                        AND (t.taken_at >= g.evaluated_at OR t.taken_at > now() - interval '1 hour'))) LOOP
        DELETE FROM cdp.stats_scores_daily t WHERE t.day = today AND t.model = m.name;
        INSERT INTO cdp.stats_scores_daily (day, model, output, profiles, mean, p10, p25, p50, p75, p90, taken_at)
        SELECT today, m.name, q.output, q.profiles, q.mean, q.p[1], q.p[2], q.p[3], q.p[4], q.p[5], now()
          FROM (SELECT s.output, count(*) AS profiles, avg(s.v) AS mean,
                       percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY s.v) AS p
                  FROM (SELECT o AS output, (p.computed ->> o)::double precision AS v
                          FROM unnest(m.outputs) o, cdp.profiles p
                         WHERE jsonb_typeof(p.computed -> o) = 'number') s
                 GROUP BY s.output) q;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION cdp.stats_take_scores(date, boolean) FROM PUBLIC;

-- Replaces the waiting deltas with a recount of the raw tables and clears
-- the days recounted; the refresh's usual fold then adds the recount (and
-- whatever was written since) to them.  Deleting the deltas and counting
-- are one statement each: one snapshot sees each write either in the raw
-- table or as a delta left for the fold, never both.  A day's new profiles
-- are those created that day, held or merged away since
-- (cdp.profile_aliases keeps when), less the day's splits (a split makes
-- a profile too); the fold then carries the profile count forward by
-- them (an alias from before cdp 0.2.0 has no creation time: it counts as
-- created the day it merged).  What erasure removed is not counted.
CREATE FUNCTION cdp.stats_backfill() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    days date[];
BEGIN
    WITH gone AS (DELETE FROM cdp.stats_event_deltas RETURNING 1),
    recount AS (
        INSERT INTO cdp.stats_event_deltas (day, source_id, type, event, events, identified)
        SELECT cdp.stats_day(e.occurred_at), e.source_id, e.type, e.event, count(*),
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM unnest(e.identifiers) i WHERE cdp.ident_names_person(i)))
          FROM cdp.events e
         GROUP BY 1, 2, 3, 4
        RETURNING day)
    SELECT array_agg(DISTINCT r.day) INTO days FROM recount r;
    DELETE FROM cdp.stats_events_daily t WHERE t.day = ANY (days);
    UPDATE cdp.stats_identity_daily t SET events = 0, identified_events = 0 WHERE t.day = ANY (days);

    WITH gone AS (DELETE FROM cdp.stats_profile_deltas RETURNING 1),
    recount AS (
        INSERT INTO cdp.stats_profile_deltas (day, new_profiles, merged, split)
        SELECT c.day, greatest(sum(c.created) - sum(c.split), 0), sum(c.merged), sum(c.split)
          FROM (SELECT cdp.stats_day(p.created_at) AS day, 0 AS merged, 0 AS split, 1 AS created FROM cdp.profiles p
                UNION ALL
                SELECT cdp.stats_day(coalesce(a.created_at, a.merged_at)), 0, 0, 1 FROM cdp.profile_aliases a
                UNION ALL
                SELECT cdp.stats_day(l.logged_at), (l.action = 'merge')::integer, (l.action = 'split')::integer, 0
                  FROM cdp.merge_log l WHERE l.action IN ('merge', 'split')) c
         GROUP BY c.day
        RETURNING day)
    SELECT array_agg(r.day) INTO days FROM recount r;
    DELETE FROM cdp.stats_profiles_daily t WHERE t.day = ANY (days);
END
$$;
REVOKE ALL ON FUNCTION cdp.stats_backfill() FROM PUBLIC;

CREATE FUNCTION cdp.refresh_stats(backfill boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    today date := cdp.stats_day(now());
    started timestamptz := clock_timestamp();
    last_day date;
    event_deltas bigint;
    profile_deltas bigint;
BEGIN
    IF backfill IS NULL THEN
        RAISE EXCEPTION 'cdp.refresh_stats: backfill must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- One refresh at a time; readers of the tables are not held up.
    LOCK TABLE cdp.stats_profiles_daily IN EXCLUSIVE MODE;
    -- Every refresh writes today's profile row: the last day one ran.
    last_day := (SELECT max(t.day) FROM cdp.stats_profiles_daily t WHERE t.profiles >= 0);
    IF backfill THEN
        PERFORM cdp.stats_backfill();
    END IF;
    event_deltas := cdp.stats_fold_events();
    profile_deltas := cdp.stats_fold_profiles(today);
    PERFORM cdp.stats_take_states(today);
    -- The histories of other tables are recounted from the day before the
    -- last refresh: a refresh of a segment that started before midnight may
    -- commit after.  Never refreshed, or a backfill: all of them.
    PERFORM cdp.stats_recount_histories(CASE WHEN NOT backfill THEN least(last_day, today - 1) END, today);
    PERFORM cdp.stats_take_scores(today, backfill);
    RETURN jsonb_build_object('day', today, 'backfill', backfill, 'event_deltas', event_deltas,
                              'profile_deltas', profile_deltas,
                              'seconds', round(extract(epoch FROM clock_timestamp() - started)::numeric, 3));
END
$$;
COMMENT ON FUNCTION cdp.refresh_stats(boolean) IS
    'brings the BI history tables (cdp.stats_*) up to date; backfill: recount events and profile changes from the raw tables first';
REVOKE ALL ON FUNCTION cdp.refresh_stats(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cdp.refresh_stats(boolean) TO cdp_admin;

GRANT SELECT ON cdp.stats_events_daily, cdp.stats_profiles_daily, cdp.stats_identity_daily,
                cdp.stats_identifiers_daily, cdp.stats_segments_daily, cdp.stats_consent_daily,
                cdp.stats_destinations_daily, cdp.stats_match_review_daily, cdp.stats_scores_daily
    TO cdp_analyst, cdp_admin;
GRANT SELECT ON cdp.stats_event_deltas, cdp.stats_profile_deltas TO cdp_admin;
