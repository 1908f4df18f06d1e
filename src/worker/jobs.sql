-- The work of the background worker, callable on demand: cdp.run_pending()
-- does one bounded batch of each job that has work, each job in its own
-- subtransaction, and says whether work remains.  The worker (or a user,
-- or pg_cron) calls it in a loop of short transactions.
--
-- Jobs, in the order they run (a job's writes are seen by the next):
--   stitch           events queued in cdp.stitch_queue (cdp.stitch_pending)
--   profiles         consent state of profiles whose consent expired
--                    (cdp.refresh_consents)
--   matches          matching models marked for automatic linking, when
--                    profiles changed since their last run (cdp.link_matches)
--   computed_traits  every computed trait with changed or due profiles
--   scores           every fitted score model with changed profiles, or a
--                    new day (cdp.score_model_id)
--   segments         every real-time segment with changed or due profiles
--   stats            cdp.refresh_stats() every cdp.stats_interval
--   retention        cdp.apply_retention() every cdp.retention_interval
--
-- A failing item (a queued event, a profile, a computed trait, a segment,
-- a model) is retried with exponential backoff (cdp.worker_retry_delay,
-- doubled per failure up to cdp.worker_max_retry_delay) and set aside in
-- cdp.worker_set_aside after cdp.worker_max_tries failures in a row, until
-- cdp.retry_set_aside().  What failed is rolled back with its
-- subtransaction.  Errors are kept as SQLSTATE and a fixed description:
-- an error message may quote personal data, so none is stored.
--
-- cdp.run_pending() and cdp.worker_job_lag() run with JIT off: their plans
-- hold every job's look-up of pending work, whose estimated cost passes
-- jit_above_cost on a few hundred thousand profiles though each look-up
-- takes milliseconds; compiling took 1 to 2 s per call, more than the work.

CREATE FUNCTION cdp.worker_settings(OUT retention_interval interval, OUT stats_interval interval, OUT max_tries integer,
                                    OUT retry_delay interval, OUT max_retry_delay interval)
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'cdp_worker_settings';
COMMENT ON FUNCTION cdp.worker_settings() IS
    'the settings of the background jobs: cdp.retention_interval, cdp.stats_interval, cdp.worker_max_tries, cdp.worker_retry_delay, cdp.worker_max_retry_delay';
REVOKE ALL ON FUNCTION cdp.worker_settings() FROM PUBLIC;

-- The jobs, in the order run_pending runs them.
CREATE FUNCTION cdp.worker_job_names() RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY['stitch', 'profiles', 'matches', 'computed_traits', 'scores', 'segments', 'stats', 'retention']
$$;
REVOKE ALL ON FUNCTION cdp.worker_job_names() FROM PUBLIC;

-- Tables ------------------------------------------------------------------

CREATE TABLE cdp.worker_jobs (
    job                 text PRIMARY KEY,
    last_run            timestamptz,
    last_success        timestamptz,
    runs                bigint NOT NULL DEFAULT 0,
    batches             bigint NOT NULL DEFAULT 0,
    items               bigint NOT NULL DEFAULT 0,
    errors              bigint NOT NULL DEFAULT 0,
    failures_in_row     integer NOT NULL DEFAULT 0,
    last_sqlstate       text,
    last_error          text,
    last_error_at       timestamptz,
    retry_at            timestamptz,
    CONSTRAINT worker_jobs_job_check CHECK (job OPERATOR(pg_catalog.=) ANY
        (ARRAY['stitch', 'profiles', 'matches', 'computed_traits', 'scores', 'segments', 'stats', 'retention']))
);
COMMENT ON TABLE cdp.worker_jobs IS
    'per background job: its runs (that had work), batches, items done, errors and backoff (cdp.run_pending())';
COMMENT ON COLUMN cdp.worker_jobs.last_success IS 'the last run without any error';
COMMENT ON COLUMN cdp.worker_jobs.items IS
    'units of work done: events stitched, profiles refreshed, computed traits, segments or models refreshed, stats and retention runs';
COMMENT ON COLUMN cdp.worker_jobs.errors IS 'failed attempts, of the whole job or of one item';
COMMENT ON COLUMN cdp.worker_jobs.failures_in_row IS 'runs in a row that failed as a whole (sets the backoff)';
COMMENT ON COLUMN cdp.worker_jobs.last_error IS 'what failed, never the error message (it may quote personal data)';
COMMENT ON COLUMN cdp.worker_jobs.retry_at IS 'the job is skipped until then after it failed as a whole';
SELECT pg_catalog.pg_extension_config_dump('cdp.worker_jobs', '');

CREATE TABLE cdp.worker_item_failures (
    job              text NOT NULL,
    item             text NOT NULL,
    tries            integer NOT NULL,
    sqlstate         text NOT NULL,
    reason           text NOT NULL,
    first_failed_at  timestamptz NOT NULL,
    last_failed_at   timestamptz NOT NULL,
    retry_at         timestamptz NOT NULL,
    PRIMARY KEY (job, item)
);
COMMENT ON TABLE cdp.worker_item_failures IS
    'items of background jobs that failed lately and are retried after retry_at; set aside after cdp.worker_max_tries';
SELECT pg_catalog.pg_extension_config_dump('cdp.worker_item_failures', '');

CREATE TABLE cdp.worker_set_aside (
    job           text NOT NULL,
    item          text NOT NULL,
    tries         integer NOT NULL,
    sqlstate      text NOT NULL,
    reason        text NOT NULL,
    set_aside_at  timestamptz NOT NULL,
    PRIMARY KEY (job, item)
);
COMMENT ON TABLE cdp.worker_set_aside IS
    'poison items the background jobs gave up on: no longer tried until cdp.retry_set_aside(job, item)';
COMMENT ON COLUMN cdp.worker_set_aside.item IS
    'stitch: the event id; profiles: the profile id; computed_traits, scores, segments, matches: the name';
SELECT pg_catalog.pg_extension_config_dump('cdp.worker_set_aside', '');

CREATE TABLE cdp.match_auto (
    model_id          integer PRIMARY KEY REFERENCES cdp.match_models ON DELETE CASCADE,
    threshold         double precision NOT NULL,
    review_threshold  double precision NOT NULL,
    CONSTRAINT match_auto_thresholds_check
        CHECK (0 OPERATOR(pg_catalog.<=) review_threshold AND review_threshold OPERATOR(pg_catalog.<=) threshold
               AND threshold OPERATOR(pg_catalog.<=) 1)
);
COMMENT ON TABLE cdp.match_auto IS
    'matching models the background jobs run cdp.link_matches() for when profiles change (cdp.set_match_auto())';
SELECT pg_catalog.pg_extension_config_dump('cdp.match_auto', '');

-- The background jobs look up profiles whose consent expired.
CREATE INDEX profiles_consent_expires_at_idx ON cdp.profiles (consent_expires_at)
    WHERE consent_expires_at IS NOT NULL;

-- Configuration -----------------------------------------------------------

-- The jobs evaluate real-time segments as the extension owner: SQL
-- written by someone else would run with its rights.  So only a
-- superuser makes a segment defined in SQL real-time, however the row is
-- updated (a trigger function runs as the role that updates).
CREATE FUNCTION cdp.check_segment_realtime() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.realtime AND NEW.kind = 'sql' AND NOT OLD.realtime
       AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'only a superuser may make a segment defined in SQL real-time'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'cdp.run_pending() evaluates real-time segments with the rights of the extension owner.',
                  HINT = 'A segment defined by a JSON rule may be made real-time by cdp_admin.';
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION cdp.check_segment_realtime() FROM PUBLIC;
CREATE TRIGGER segments_realtime
    BEFORE UPDATE OF realtime ON cdp.segments
    FOR EACH ROW EXECUTE FUNCTION cdp.check_segment_realtime();

-- Runs with the caller's rights (cdp_admin may update the column), for
-- the trigger above to see who asks.
CREATE FUNCTION cdp.set_segment_realtime(name text, realtime boolean) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    s record;
BEGIN
    IF $1 IS NULL OR $2 IS NULL THEN
        RAISE EXCEPTION 'cdp.set_segment_realtime: name and realtime must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT g.segment_id, g.incremental INTO s FROM cdp.segments g WHERE g.name = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'segment "%" does not exist', left($1, 64)
            USING ERRCODE = 'undefined_object';
    END IF;
    IF $2 AND NOT s.incremental THEN
        RAISE EXCEPTION 'segment "%" cannot be real-time', left($1, 64)
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'It is refreshed in full (a SELECT of profile ids, or a SQL condition that reads the time).',
                  HINT = 'Refresh it on a schedule with cdp.schedule_segment().';
    END IF;
    UPDATE cdp.segments g SET realtime = $2 WHERE g.segment_id = s.segment_id;
END
$$;
COMMENT ON FUNCTION cdp.set_segment_realtime(text, boolean) IS
    'makes a segment real-time (refreshed by cdp.run_pending() as profiles change) or not (refreshed by hand or on a schedule)';
REVOKE ALL ON FUNCTION cdp.set_segment_realtime(text, boolean) FROM PUBLIC;

CREATE FUNCTION cdp.set_match_auto(name text, threshold double precision,
                                   review_threshold double precision) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    m cdp.match_models;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'cdp.set_match_auto: name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO m FROM cdp.match_models g WHERE g.name = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'match model "%" does not exist', left($1, 64) USING ERRCODE = 'undefined_object';
    END IF;
    IF $2 IS NULL AND $3 IS NULL THEN
        DELETE FROM cdp.match_auto a WHERE a.model_id = m.model_id;
    ELSIF NOT coalesce(0 <= $3 AND $3 <= $2 AND $2 <= 1, false) THEN
        RAISE EXCEPTION 'thresholds must satisfy 0 <= review_threshold <= threshold <= 1'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Both NULL stops automatic linking.';
    ELSIF m.params IS NULL THEN
        RAISE EXCEPTION 'match model "%" is not trained', left($1, 64)
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Train it with cdp.train_match_model() first.';
    ELSE
        INSERT INTO cdp.match_auto AS a (model_id, threshold, review_threshold)
        VALUES (m.model_id, $2, $3)
        ON CONFLICT (model_id) DO UPDATE
            SET threshold = excluded.threshold, review_threshold = excluded.review_threshold;
    END IF;
    PERFORM cdp.audit('set match auto', 'match model:' || $1, NULL,
                      jsonb_build_object('threshold', $2, 'review_threshold', $3));
END
$$;
COMMENT ON FUNCTION cdp.set_match_auto(text, double precision, double precision) IS
    'has cdp.run_pending() link a trained model''s matches as profiles change, at these thresholds; NULL, NULL stops it';
REVOKE ALL ON FUNCTION cdp.set_match_auto(text, double precision, double precision) FROM PUBLIC;

-- Pending work ------------------------------------------------------------

-- How many profiles a segment or computed trait has to re-evaluate, and
-- since when the oldest has waited; never refreshed: 1, since created.
CREATE FUNCTION cdp.worker_target_pending(kind text, target integer, since pg_snapshot,
                                          seen_xid xid8, seen_seq bigint, created_at timestamptz,
                                          OUT pending bigint, OUT oldest timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN since IS NULL THEN 1 ELSE count(DISTINCT u.profile_id) END,
           CASE WHEN since IS NULL THEN created_at ELSE min(u.waiting_since) END
      FROM cdp.profiles_unseen(since, seen_xid, seen_seq, kind, target, cdp.segment_now()) u
$$;
REVOKE ALL ON FUNCTION cdp.worker_target_pending(text, integer, pg_snapshot, xid8, bigint, timestamptz)
    FROM PUBLIC;

-- The work each job has, per item where the job has items: job, item
-- (NULL: the job's queue as a whole), target id, pending units and since
-- when the oldest waits (for the stitch queue: since the first queued
-- event was received, a look-up by key).  Set-aside items are left out.
-- Only the jobs named, when named: the others' counts are not computed
-- (a real-time segment's can take a while).
CREATE FUNCTION cdp.worker_pending(jobs text[] DEFAULT NULL)
    RETURNS TABLE (job text, item text, target integer, pending bigint, oldest timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'stitch', NULL::text, NULL::integer, (SELECT count(*) FROM cdp.stitch_queue),
           (SELECT coalesce(e.received_at, q.occurred_at)
              FROM (SELECT * FROM cdp.stitch_queue ORDER BY event_id LIMIT 1) q
              LEFT JOIN cdp.events e ON e.event_id = q.event_id AND e.occurred_at = q.occurred_at)
     WHERE jobs IS NULL OR 'stitch' = ANY (jobs)
    UNION ALL
    SELECT 'profiles', NULL, NULL, count(*), min(p.consent_expires_at)
      FROM cdp.profiles p
     WHERE (jobs IS NULL OR 'profiles' = ANY (jobs))
       AND p.consent_expires_at <= now()
       AND NOT EXISTS (SELECT 1 FROM cdp.worker_set_aside a
                        WHERE a.job = 'profiles' AND a.item = p.profile_id::text)
    UNION ALL
    SELECT 'matches', m.name, m.model_id, c.n, c.oldest
      FROM cdp.match_auto a
      JOIN cdp.match_models m ON m.model_id = a.model_id
     CROSS JOIN LATERAL (SELECT count(*) AS n, min(p.updated_at) AS oldest FROM cdp.profiles p
                          WHERE m.linked_at IS NULL OR p.updated_at >= m.linked_at) c
     WHERE (jobs IS NULL OR 'matches' = ANY (jobs))
       AND NOT EXISTS (SELECT 1 FROM cdp.worker_set_aside x WHERE x.job = 'matches' AND x.item = m.name)
    UNION ALL
    SELECT 'computed_traits', c.name, c.trait_id, w.pending, w.oldest
      FROM cdp.computed_traits c
     CROSS JOIN LATERAL cdp.worker_target_pending('computed', c.trait_id, c.refreshed_snapshot,
                                                  c.refreshed_xid, c.refreshed_seq, c.created_at) w
     WHERE (jobs IS NULL OR 'computed_traits' = ANY (jobs))
       AND NOT EXISTS (SELECT 1 FROM cdp.worker_set_aside x
                        WHERE x.job = 'computed_traits' AND x.item = c.name)
    UNION ALL
    SELECT 'scores', m.name, m.model_id, w.pending + d.due::integer,
           CASE WHEN d.due THEN least(w.oldest, cdp.score_day(cdp.segment_now())::timestamp AT TIME ZONE 'UTC')
                ELSE w.oldest END
      FROM cdp.score_models m
     CROSS JOIN LATERAL cdp.worker_target_pending(m.kind, m.model_id, m.refreshed_snapshot,
                                                  m.refreshed_xid, m.refreshed_seq, m.fitted_at) w
     CROSS JOIN LATERAL (SELECT m.refreshed_snapshot IS NOT NULL
                                AND cdp.score_day(m.evaluated_at) < cdp.score_day(cdp.segment_now()) AS due) d
     WHERE (jobs IS NULL OR 'scores' = ANY (jobs))
       AND m.fitted IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM cdp.worker_set_aside x WHERE x.job = 'scores' AND x.item = m.name)
    UNION ALL
    SELECT 'segments', s.name, s.segment_id, w.pending, w.oldest
      FROM cdp.segments s
     CROSS JOIN LATERAL cdp.worker_target_pending('segment', s.segment_id, s.refreshed_snapshot,
                                                  s.refreshed_xid, s.refreshed_seq, s.created_at) w
     WHERE (jobs IS NULL OR 'segments' = ANY (jobs))
       AND s.realtime
       AND NOT EXISTS (SELECT 1 FROM cdp.worker_set_aside x WHERE x.job = 'segments' AND x.item = s.name)
    UNION ALL
    SELECT p.job, NULL, NULL, 1::bigint, coalesce(j.last_success + p.every, now())
      FROM cdp.worker_settings() w
     CROSS JOIN LATERAL (VALUES ('stats', w.stats_interval), ('retention', w.retention_interval)) p(job, every)
      LEFT JOIN cdp.worker_jobs j ON j.job = p.job
     WHERE (jobs IS NULL OR p.job = ANY (jobs))
       AND p.every > interval '0'
       AND (j.last_success IS NULL OR j.last_success + p.every <= now())
$$;
REVOKE ALL ON FUNCTION cdp.worker_pending(text[]) FROM PUBLIC;

CREATE FUNCTION cdp.worker_job_lag()
    RETURNS TABLE (job text, pending bigint, oldest timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
SET jit = off
AS $$
    SELECT j.job, coalesce(sum(w.pending) FILTER (WHERE w.pending > 0), 0)::bigint,
           min(w.oldest) FILTER (WHERE w.pending > 0)
      FROM unnest(cdp.worker_job_names()) WITH ORDINALITY AS j(job, ord)
      LEFT JOIN cdp.worker_pending() w ON w.job = j.job
     GROUP BY j.job, j.ord
     ORDER BY j.ord
$$;
COMMENT ON FUNCTION cdp.worker_job_lag() IS
    'per background job, the work waiting (events, profiles, profile re-evaluations, due stats or retention) and since when the oldest waits (NULL: none)';
REVOKE ALL ON FUNCTION cdp.worker_job_lag() FROM PUBLIC;

-- Running items and recording what happened --------------------------------

-- The backoff after the tries-th failure in a row.
CREATE FUNCTION cdp.worker_backoff(tries integer) RETURNS interval
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT make_interval(secs => least(extract(epoch FROM w.retry_delay) * 2 ^ least(greatest(tries - 1, 0), 40),
                                       extract(epoch FROM w.max_retry_delay))::double precision)
      FROM cdp.worker_settings() w
$$;
REVOKE ALL ON FUNCTION cdp.worker_backoff(integer) FROM PUBLIC;

-- Records a failure of one item; after cdp.worker_max_tries in a row, sets
-- it aside (a queued event leaves cdp.stitch_queue) and returns true.
CREATE FUNCTION cdp.worker_item_failed(job text, item text, state text, reason text) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO cdp.worker_item_failures AS f
           (job, item, tries, sqlstate, reason, first_failed_at, last_failed_at, retry_at)
    VALUES ($1, $2, 1, $3, $4, now(), now(), now() + cdp.worker_backoff(1))
    ON CONFLICT ON CONSTRAINT worker_item_failures_pkey DO UPDATE
       SET tries = f.tries + 1, sqlstate = excluded.sqlstate, reason = excluded.reason,
           last_failed_at = now(), retry_at = now() + cdp.worker_backoff(f.tries + 1)
    RETURNING f.tries INTO n;
    IF n < (SELECT w.max_tries FROM cdp.worker_settings() w) THEN
        RETURN false;
    END IF;
    DELETE FROM cdp.worker_item_failures f WHERE f.job = $1 AND f.item = $2;
    INSERT INTO cdp.worker_set_aside AS a (job, item, tries, sqlstate, reason, set_aside_at)
    VALUES ($1, $2, n, $3, $4, now())
    ON CONFLICT ON CONSTRAINT worker_set_aside_pkey DO UPDATE
       SET tries = excluded.tries, sqlstate = excluded.sqlstate, reason = excluded.reason,
           set_aside_at = excluded.set_aside_at;
    IF $1 = 'stitch' THEN
        DELETE FROM cdp.stitch_queue q WHERE q.event_id = $2::bigint;
    END IF;
    RETURN true;
END
$$;
REVOKE ALL ON FUNCTION cdp.worker_item_failed(text, text, text, text) FROM PUBLIC;

-- Whether an item waits for its retry_at after failing.
CREATE FUNCTION cdp.worker_item_waits(job text, item text) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM cdp.worker_item_failures f
                    WHERE f.job = $1 AND f.item = $2 AND f.retry_at > now())
$$;
REVOKE ALL ON FUNCTION cdp.worker_item_waits(text, text) FROM PUBLIC;

-- Runs statement (one jsonb column, $1 = arg) for one item of a job (or,
-- item NULL, a batch) in a subtransaction.  outcome: 'done' (the item's
-- failures are forgotten), 'failed' or 'set aside' (after a failure, the
-- subtransaction rolled back; state is its SQLSTATE).
CREATE FUNCTION cdp.worker_try(job text, item text, statement text, arg anyelement, reason text,
                               OUT outcome text, OUT result jsonb, OUT state text)
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
BEGIN
    BEGIN
        EXECUTE statement INTO result USING arg;
    EXCEPTION WHEN OTHERS THEN
        state := SQLSTATE;
        outcome := CASE WHEN item IS NOT NULL AND cdp.worker_item_failed(job, item, state, reason)
                        THEN 'set aside' ELSE 'failed' END;
        RETURN;
    END;
    IF item IS NOT NULL THEN
        DELETE FROM cdp.worker_item_failures f WHERE f.job = worker_try.job AND f.item = worker_try.item;
    END IF;
    outcome := 'done';
END
$$;
REVOKE ALL ON FUNCTION cdp.worker_try(text, text, text, anyelement, text) FROM PUBLIC;

-- What one run of a job did: counts, and the last failure (state, reason).
CREATE TYPE cdp.worker_run AS (
    items      bigint,
    batches    integer,
    errors     integer,
    set_aside  integer,
    state      text,
    reason     text,
    blocked    boolean
);

-- Adds the outcome of one worker_try to a run.
CREATE FUNCTION cdp.worker_count(run cdp.worker_run, outcome text, items bigint, state text, reason text)
    RETURNS cdp.worker_run
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    run.batches := run.batches + 1;
    IF outcome = 'done' THEN
        run.items := run.items + coalesce(items, 0);
    ELSE
        run.errors := run.errors + 1;
        run.state := state;
        run.reason := reason;
        IF outcome = 'set aside' THEN
            run.set_aside := run.set_aside + 1;
        END IF;
    END IF;
    RETURN run;
END
$$;
REVOKE ALL ON FUNCTION cdp.worker_count(cdp.worker_run, text, bigint, text, text) FROM PUBLIC;

-- Records a job's run in cdp.worker_jobs.  A run blocked as a whole (or
-- that raised: failed_state) backs the job off.
CREATE FUNCTION cdp.worker_record(job text, run cdp.worker_run) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO cdp.worker_jobs AS j (job) VALUES ($1) ON CONFLICT (job) DO NOTHING;
    UPDATE cdp.worker_jobs j
       SET last_run = now(),
           last_success = CASE WHEN run.errors = 0 THEN now() ELSE j.last_success END,
           runs = j.runs + 1,
           batches = j.batches + run.batches,
           items = j.items + run.items,
           errors = j.errors + run.errors,
           failures_in_row = CASE WHEN run.blocked THEN j.failures_in_row + 1 ELSE 0 END,
           last_sqlstate = coalesce(run.state, j.last_sqlstate),
           last_error = coalesce(run.reason, j.last_error),
           last_error_at = CASE WHEN run.errors > 0 THEN now() ELSE j.last_error_at END,
           retry_at = CASE WHEN run.blocked THEN now() + cdp.worker_backoff(j.failures_in_row + 1) END
     WHERE j.job = $1
$$;
REVOKE ALL ON FUNCTION cdp.worker_record(text, cdp.worker_run) FROM PUBLIC;

-- The jobs -----------------------------------------------------------------
-- Each returns what it did as a cdp.worker_run.

-- Up to batch queued events, oldest first.  When the batch fails, the
-- events are stitched one at a time to find the one that fails: the queue
-- is stitched in order, so a failing event blocks those after it until
-- it is set aside.  A queue row whose event is not found counts as a
-- failure of that event, retried like any: a statement planned before a
-- concurrent ingestion attached the event's partition (which takes only
-- SHARE UPDATE EXCLUSIVE on cdp.events) does not scan it, though its
-- snapshot sees the queue row; the next transaction finds the event.
-- Failures of events no longer queued are forgotten.
CREATE FUNCTION cdp.worker_job_stitch(batch integer, deadline timestamptz) RETURNS cdp.worker_run
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    run cdp.worker_run := ROW(0, 0, 0, 0, NULL, NULL, false);
    t record;
    head bigint;
    reason CONSTANT text := 'stitching the queued event failed';
    missing CONSTANT text := 'the queued event was not found';
BEGIN
    DELETE FROM cdp.worker_item_failures f
     WHERE f.job = 'stitch'
       AND NOT EXISTS (SELECT 1 FROM cdp.stitch_queue q WHERE q.event_id = f.item::bigint);
    FOR head IN SELECT q.event_id
                  FROM (SELECT * FROM cdp.stitch_queue ORDER BY event_id LIMIT batch) q
                 WHERE NOT EXISTS (SELECT 1 FROM cdp.events e
                                    WHERE e.event_id = q.event_id AND e.occurred_at = q.occurred_at)
                   AND NOT cdp.worker_item_waits('stitch', q.event_id::text) LOOP
        run := cdp.worker_count(run, CASE WHEN cdp.worker_item_failed('stitch', head::text, 'P0002', missing)
                                          THEN 'set aside' ELSE 'failed' END,
                                0, 'P0002', missing);
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM cdp.stitch_queue) THEN
        RETURN run;
    END IF;
    t := cdp.worker_try('stitch', NULL, 'SELECT cdp.stitch_pending($1)', batch, reason);
    IF t.outcome = 'done' THEN
        RETURN cdp.worker_count(run, 'done', (t.result->>'events')::bigint, NULL, NULL);
    END IF;
    run := cdp.worker_count(run, t.outcome, 0, t.state, reason);
    FOR i IN 1..batch LOOP
        EXIT WHEN clock_timestamp() > deadline;
        SELECT q.event_id INTO head FROM cdp.stitch_queue q ORDER BY q.event_id LIMIT 1;
        EXIT WHEN NOT FOUND;
        t := cdp.worker_try('stitch', head::text, 'SELECT cdp.stitch_pending($1)', 1, reason);
        run := cdp.worker_count(run, t.outcome, (t.result->>'events')::bigint, t.state, reason);
        IF t.outcome = 'failed' THEN
            run.blocked := true;
            EXIT;
        END IF;
    END LOOP;
    RETURN run;
END
$$;
REVOKE ALL ON FUNCTION cdp.worker_job_stitch(integer, timestamptz) FROM PUBLIC;

-- The consent state of up to batch profiles whose consent expired; when
-- the batch fails, profile by profile.
CREATE FUNCTION cdp.worker_job_profiles(batch integer, deadline timestamptz) RETURNS cdp.worker_run
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    run cdp.worker_run := ROW(0, 0, 0, 0, NULL, NULL, false);
    ids bigint[];
    id bigint;
    t record;
    statement CONSTANT text := 'SELECT to_jsonb(cardinality($1)) FROM cdp.refresh_consents($1)';
    reason CONSTANT text := 'refreshing the consent state of the profile failed';
BEGIN
    ids := ARRAY(SELECT p.profile_id FROM cdp.profiles p
                  WHERE p.consent_expires_at <= now()
                    AND NOT EXISTS (SELECT 1 FROM cdp.worker_set_aside a
                                     WHERE a.job = 'profiles' AND a.item = p.profile_id::text)
                    AND NOT cdp.worker_item_waits('profiles', p.profile_id::text)
                  ORDER BY p.consent_expires_at, p.profile_id
                  LIMIT batch);
    IF cardinality(ids) = 0 THEN
        RETURN run;
    END IF;
    t := cdp.worker_try('profiles', NULL, statement, ids, reason);
    IF t.outcome = 'done' THEN
        DELETE FROM cdp.worker_item_failures f WHERE f.job = 'profiles' AND f.item = ANY (ids::text[]);
        RETURN cdp.worker_count(run, 'done', cardinality(ids), NULL, NULL);
    END IF;
    run := cdp.worker_count(run, t.outcome, 0, t.state, reason);
    FOREACH id IN ARRAY ids LOOP
        EXIT WHEN clock_timestamp() > deadline;
        t := cdp.worker_try('profiles', id::text, statement, ARRAY[id], reason);
        run := cdp.worker_count(run, t.outcome, 1, t.state, reason);
    END LOOP;
    RETURN run;
END
$$;
REVOKE ALL ON FUNCTION cdp.worker_job_profiles(integer, timestamptz) FROM PUBLIC;

-- One refresh per item of a job that has pending work (matches, computed
-- traits, segments), each in its own subtransaction: statement gets the
-- item's target id.  Items waiting after a failure are skipped.
CREATE FUNCTION cdp.worker_job_items(job text, statement text, reason text, deadline timestamptz)
    RETURNS cdp.worker_run
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    run cdp.worker_run := ROW(0, 0, 0, 0, NULL, NULL, false);
    w record;
    t record;
BEGIN
    FOR w IN SELECT p.item, p.target FROM cdp.worker_pending(ARRAY[worker_job_items.job]) p
              WHERE p.job = worker_job_items.job AND p.pending > 0
                AND NOT cdp.worker_item_waits(p.job, p.item)
              ORDER BY p.target LOOP
        EXIT WHEN clock_timestamp() > deadline;
        t := cdp.worker_try(job, w.item, statement, w.target, reason);
        run := cdp.worker_count(run, t.outcome, 1, t.state, reason);
    END LOOP;
    RETURN run;
END
$$;
REVOKE ALL ON FUNCTION cdp.worker_job_items(text, text, text, timestamptz) FROM PUBLIC;

-- A job run every so often (stats, retention): statement, $1 = now().
CREATE FUNCTION cdp.worker_job_periodic(job text, statement text, reason text) RETURNS cdp.worker_run
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    run cdp.worker_run := ROW(0, 0, 0, 0, NULL, NULL, false);
    t record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cdp.worker_pending(ARRAY[job]) p WHERE p.job = worker_job_periodic.job) THEN
        RETURN run;
    END IF;
    t := cdp.worker_try(job, NULL, statement, now(), reason);
    run := cdp.worker_count(run, t.outcome, 1, t.state, reason);
    run.blocked := t.outcome <> 'done';
    RETURN run;
END
$$;
REVOKE ALL ON FUNCTION cdp.worker_job_periodic(text, text, text) FROM PUBLIC;

-- Runs one job by name.
CREATE FUNCTION cdp.worker_job(job text, batch integer, deadline timestamptz) RETURNS cdp.worker_run
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
BEGIN
    RETURN CASE job
        WHEN 'stitch' THEN cdp.worker_job_stitch(batch, deadline)
        WHEN 'profiles' THEN cdp.worker_job_profiles(batch, deadline)
        WHEN 'matches' THEN cdp.worker_job_items(job,
            'SELECT cdp.link_matches(m.name, a.threshold, a.review_threshold)'
            '  FROM cdp.match_auto a JOIN cdp.match_models m ON m.model_id = a.model_id WHERE a.model_id = $1',
            'linking the matches of the model failed', deadline)
        WHEN 'computed_traits' THEN cdp.worker_job_items(job,
            'SELECT to_jsonb(cdp.refresh_computed_trait_id($1, false))',
            'refreshing the computed trait failed', deadline)
        WHEN 'scores' THEN cdp.worker_job_items(job,
            'SELECT to_jsonb(cdp.score_model_id($1, false))',
            'scoring the profiles with the model failed', deadline)
        WHEN 'segments' THEN cdp.worker_job_items(job,
            'SELECT to_jsonb(r) FROM cdp.refresh_segment_id($1, false, false) r',
            'refreshing the segment failed', deadline)
        WHEN 'stats' THEN cdp.worker_job_periodic(job, 'SELECT cdp.refresh_stats()',
                                                  'refreshing the history tables failed')
        WHEN 'retention' THEN cdp.worker_job_periodic(job, 'SELECT cdp.apply_retention($1)',
                                                      'applying retention failed')
    END;
END
$$;
REVOKE ALL ON FUNCTION cdp.worker_job(text, integer, timestamptz) FROM PUBLIC;

CREATE FUNCTION cdp.run_pending(batch_size integer DEFAULT 1000,
                                time_budget interval DEFAULT interval '1 second',
                                jobs text[] DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
SET jit = off
AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + time_budget;
    out jsonb := '{}';
    current_job text;
    run cdp.worker_run;
    skipped text;
    out_of_time boolean := false;
BEGIN
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF time_budget IS NULL OR time_budget <= interval '0' THEN
        RAISE EXCEPTION 'time_budget must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT coalesce(jobs <@ cdp.worker_job_names() AND array_position(jobs, NULL) IS NULL, true) THEN
        RAISE EXCEPTION 'jobs must name jobs of cdp.worker_job_lag()'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The jobs: stitch, profiles, matches, computed_traits, scores, segments, stats, retention.';
    END IF;
    -- This month's and the next month's partitions of cdp.events, made
    -- ahead.  Made by an ingestion, a month's partition is attached while
    -- statements of other transactions planned before that commits do not
    -- scan it (ATTACH takes SHARE UPDATE EXCLUSIVE), so a refresh running
    -- then could miss the month's first events.
    PERFORM cdp.ensure_event_partition(m) FROM unnest(ARRAY[now(), now() + interval '1 month']) m;
    FOREACH current_job IN ARRAY cdp.worker_job_names() LOOP
        CONTINUE WHEN current_job <> ALL (coalesce(jobs, cdp.worker_job_names()));
        skipped := CASE
            WHEN EXISTS (SELECT 1 FROM cdp.worker_jobs j WHERE j.job = current_job AND j.retry_at > now())
                THEN 'backoff'
            WHEN clock_timestamp() > deadline THEN 'time budget' END;
        out_of_time := out_of_time OR skipped IS NOT DISTINCT FROM 'time budget';
        IF skipped IS NOT NULL THEN
            out := out || jsonb_build_object(current_job, jsonb_build_object('skipped', skipped));
            CONTINUE;
        END IF;
        BEGIN
            run := cdp.worker_job(current_job, batch_size, deadline);
        EXCEPTION WHEN OTHERS THEN
            run := ROW(0, 0, 1, 0, SQLSTATE, 'the job failed', true);
        END;
        IF run.batches > 0 OR run.errors > 0 THEN
            PERFORM cdp.worker_record(current_job, run);
        END IF;
        out := out || jsonb_build_object(current_job, jsonb_build_object(
            'items', run.items, 'batches', run.batches, 'errors', run.errors, 'set_aside', run.set_aside));
    END LOOP;
    PERFORM cdp.prune_profile_changes();
    RETURN out || jsonb_build_object('more', out_of_time OR EXISTS (
        SELECT 1 FROM cdp.worker_pending(jobs) p
         WHERE p.pending > 0
           AND p.job = ANY (coalesce(jobs, cdp.worker_job_names()))
           AND NOT EXISTS (SELECT 1 FROM cdp.worker_jobs j WHERE j.job = p.job AND j.retry_at > now())
           AND (p.item IS NULL OR NOT cdp.worker_item_waits(p.job, p.item))
           -- queued events that wait for a retry are no more work yet
           AND (p.job <> 'stitch' OR EXISTS (SELECT 1 FROM cdp.stitch_queue q
                                              WHERE NOT cdp.worker_item_waits('stitch', q.event_id::text)))));
END
$$;
COMMENT ON FUNCTION cdp.run_pending(integer, interval, text[]) IS
    'does one bounded batch of every background job (or of jobs) that has work; "more": whether work remains';
REVOKE ALL ON FUNCTION cdp.run_pending(integer, interval, text[]) FROM PUBLIC;

CREATE FUNCTION cdp.retry_set_aside(job text, item text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'cdp.retry_set_aside: job must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    WITH back AS (
        DELETE FROM cdp.worker_set_aside a
         WHERE a.job = $1 AND (a.item = $2 OR $2 IS NULL)
        RETURNING a.item
    ), queued AS (
        INSERT INTO cdp.stitch_queue (event_id, occurred_at)
        SELECT e.event_id, e.occurred_at FROM back b JOIN cdp.events e ON e.event_id = b.item::bigint
         WHERE $1 = 'stitch'
        ON CONFLICT (event_id) DO NOTHING
    ), forgotten AS (
        DELETE FROM cdp.worker_item_failures f USING back b WHERE f.job = $1 AND f.item = b.item
    )
    SELECT count(*) INTO n FROM back;
    UPDATE cdp.worker_jobs j SET retry_at = NULL, failures_in_row = 0 WHERE j.job = $1 AND n > 0;
    RETURN n;
END
$$;
COMMENT ON FUNCTION cdp.retry_set_aside(text, text) IS
    'puts a set-aside item (NULL: every item of the job) back to work: the next cdp.run_pending() tries it again; returns how many';
REVOKE ALL ON FUNCTION cdp.retry_set_aside(text, text) FROM PUBLIC;

-- Grants -------------------------------------------------------------------

GRANT SELECT ON cdp.worker_jobs, cdp.worker_item_failures, cdp.worker_set_aside, cdp.match_auto TO cdp_admin;
GRANT UPDATE (realtime) ON cdp.segments TO cdp_admin;
GRANT EXECUTE ON FUNCTION cdp.run_pending(integer, interval, text[]), cdp.worker_job_lag(),
    cdp.retry_set_aside(text, text), cdp.set_segment_realtime(text, boolean),
    cdp.set_match_auto(text, double precision, double precision)
    TO cdp_admin;
