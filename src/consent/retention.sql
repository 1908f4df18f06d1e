-- Retention: events kept per source for the source's retention, anonymous
-- profiles for cdp.anonymous_retention after their last event, and the
-- deduplication keys of ingested messages for cdp.replay_window (the
-- settings: src/consent/privacy_settings.c).  cdp.apply_retention() is
-- idempotent: a second call at the same time removes nothing.

CREATE FUNCTION cdp.set_source_retention(source text, retention interval) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    id integer;
BEGIN
    IF set_source_retention.source IS NULL THEN
        RAISE EXCEPTION 'source must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF set_source_retention.retention <= interval '0' THEN
        RAISE EXCEPTION 'retention must be positive'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'NULL keeps the source''s events for ever.';
    END IF;
    id := cdp.source_id(set_source_retention.source);
    UPDATE cdp.sources s SET retention = set_source_retention.retention WHERE s.source_id = id;
    PERFORM cdp.audit('set retention', 'source:' || set_source_retention.source, NULL,
                      jsonb_build_object('retention', set_source_retention.retention));
END
$$;
COMMENT ON FUNCTION cdp.set_source_retention(text, interval) IS
    'keeps the source''s events for retention (NULL: for ever); cdp.apply_retention() removes older ones';
REVOKE ALL ON FUNCTION cdp.set_source_retention(text, interval) FROM PUBLIC;

-- The value of an integer setting with a time unit, as an interval.
CREATE FUNCTION cdp.setting_interval(name text) RETURNS interval
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT make_interval(secs => s.setting::double precision)
      FROM pg_catalog.pg_settings s WHERE s.name = setting_interval.name AND s.unit = 's'
$$;
REVOKE ALL ON FUNCTION cdp.setting_interval(text) FROM PUBLIC;

-- Events past their source's retention at as_of: a monthly partition
-- whose rows all are (and that holds no row of a source kept for ever) is
-- dropped whole; in the others the expired rows are deleted, 10,000 at a
-- time.  Returns {"partitions_dropped", "events_in_dropped_partitions",
-- "events_deleted"}.
CREATE FUNCTION cdp.expire_events(as_of timestamptz) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
    batch_rows  CONSTANT integer := 10000;
    part        record;
    expired     integer[];
    rows_in     bigint;
    n           bigint;
    dropped     integer := 0;
    in_dropped  bigint := 0;
    deleted     bigint := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cdp.sources s WHERE s.retention IS NOT NULL) THEN
        RETURN jsonb_build_object('partitions_dropped', 0, 'events_in_dropped_partitions', 0, 'events_deleted', 0);
    END IF;
    FOR part IN
        SELECT c.oid::regclass AS rel,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), $r$FROM \('([^']+)'\) TO \('([^']+)'\)$r$)) AS bounds
          FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
         WHERE h.inhparent = 'cdp.events'::regclass
         ORDER BY c.relname
    LOOP
        -- The sources all of whose rows in the partition are past retention.
        expired := CASE WHEN part.bounds IS NULL THEN '{}'::integer[] ELSE
                       ARRAY(SELECT s.source_id FROM cdp.sources s
                              WHERE s.retention IS NOT NULL
                                AND part.bounds[2]::timestamptz <= as_of - s.retention) END;
        IF cardinality(expired) > 0 THEN
            EXECUTE format('SELECT count(*) FILTER (WHERE e.source_id <> ALL ($1)), count(*) FROM %s e',
                           part.rel)
               INTO n, rows_in USING expired;
            IF n = 0 AND rows_in > 0 THEN
                EXECUTE format('DELETE FROM cdp.stitch_queue q USING %s e WHERE q.event_id = e.event_id',
                               part.rel);
                EXECUTE format('DROP TABLE %s', part.rel);
                dropped := dropped + 1;
                in_dropped := in_dropped + rows_in;
                CONTINUE;
            END IF;
        END IF;
        -- Else the expired rows, a batch at a time (when any can be).
        CONTINUE WHEN part.bounds IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM cdp.sources s
             WHERE s.retention IS NOT NULL AND part.bounds[1]::timestamptz < as_of - s.retention);
        LOOP
            EXECUTE format('WITH batch AS (SELECT e.ctid FROM %1$s e JOIN cdp.sources s ON s.source_id = e.source_id'
                           '                WHERE s.retention IS NOT NULL AND e.occurred_at < $1 - s.retention'
                           '                LIMIT $2),'
                           ' gone AS (DELETE FROM %1$s e WHERE e.ctid = ANY (ARRAY(SELECT b.ctid FROM batch b))'
                           '          RETURNING e.event_id),'
                           ' queued AS (DELETE FROM cdp.stitch_queue q USING gone WHERE q.event_id = gone.event_id)'
                           ' SELECT count(*) FROM gone', part.rel)
               INTO n USING as_of, batch_rows;
            deleted := deleted + n;
            EXIT WHEN n < batch_rows;
        END LOOP;
    END LOOP;
    RETURN jsonb_build_object('partitions_dropped', dropped, 'events_in_dropped_partitions', in_dropped,
                              'events_deleted', deleted);
END
$$;
REVOKE ALL ON FUNCTION cdp.expire_events(timestamptz) FROM PUBLIC;

-- Profiles all of whose identifiers are anonymous (anonymous_id,
-- device_id), first seen before cutoff and with no event since: erased as
-- cdp.forget erases, without suppression (the same visitor may come back).
CREATE FUNCTION cdp.expire_anonymous_profiles(cutoff timestamptz) RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    ids bigint[];
BEGIN
    PERFORM cdp.hold_stitching();
    SELECT coalesce(array_agg(p.profile_id ORDER BY p.profile_id), '{}') INTO ids
      FROM cdp.profiles p
     WHERE EXISTS (SELECT 1 FROM cdp.identities i WHERE i.profile_id = p.profile_id)
       AND NOT EXISTS (SELECT 1 FROM cdp.identities i
                        WHERE i.profile_id = p.profile_id
                          AND (cdp.ident_kind(i.ident) <> ALL (ARRAY['anonymous_id', 'device_id'])
                               OR i.first_seen >= cutoff))
       AND NOT EXISTS (SELECT 1 FROM cdp.identities i JOIN cdp.events e ON e.anchor = i.ident
                        WHERE i.profile_id = p.profile_id AND e.occurred_at >= cutoff);
    PERFORM 1 FROM cdp.profiles p WHERE p.profile_id = ANY (ids) FOR UPDATE;
    RETURN jsonb_build_object('profiles', cardinality(ids)) || cdp.erase_profiles(ids, false, NULL);
END
$$;
REVOKE ALL ON FUNCTION cdp.expire_anonymous_profiles(timestamptz) FROM PUBLIC;

-- Applies every retention rule as at as_of (tests and backfills give a
-- time; cdp.apply_retention() uses now()).
CREATE FUNCTION cdp.apply_retention(as_of timestamptz) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    result         jsonb;
    n              bigint;
    replay_cutoff  timestamptz;
BEGIN
    IF apply_retention.as_of IS NULL OR NOT isfinite(apply_retention.as_of) THEN
        RAISE EXCEPTION 'retention time must be a finite timestamp' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    result := jsonb_build_object('events', cdp.expire_events(as_of));
    result := result || jsonb_build_object('anonymous_profiles',
        cdp.expire_anonymous_profiles(as_of - cdp.setting_interval('cdp.anonymous_retention')));
    replay_cutoff := as_of - cdp.setting_interval('cdp.replay_window');
    DELETE FROM cdp.ingested_messages m WHERE m.received_at < replay_cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    result := result || jsonb_build_object('ingested_messages', n);
    PERFORM cdp.audit('retention', 'cdp.events', NULL, result || jsonb_build_object('as_of', as_of));
    RETURN result;
END
$$;
COMMENT ON FUNCTION cdp.apply_retention(timestamptz) IS
    'removes what is past retention at as_of: events per source, anonymous profiles, deduplication keys; returns counts';
REVOKE ALL ON FUNCTION cdp.apply_retention(timestamptz) FROM PUBLIC;

CREATE FUNCTION cdp.apply_retention() RETURNS jsonb
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    SELECT cdp.apply_retention(now())
$$;
COMMENT ON FUNCTION cdp.apply_retention() IS 'cdp.apply_retention(now())';
REVOKE ALL ON FUNCTION cdp.apply_retention() FROM PUBLIC;

GRANT EXECUTE ON FUNCTION cdp.apply_retention(), cdp.apply_retention(timestamptz),
                          cdp.set_source_retention(text, interval)
    TO cdp_admin;
GRANT EXECUTE ON FUNCTION cdp.apply_retention(), cdp.apply_retention(timestamptz) TO cdp_privacy;
