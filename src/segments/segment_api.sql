-- Defining, explaining, dropping and scheduling segments and computed
-- traits.  Definitions are checked when created: they compile, what they
-- name exists, and the refresh query they make runs.

-- Runs the SQL of a definition once over no rows: unknown columns
-- (42703), functions (42883) and wrong types (42804) surface at creation.
CREATE FUNCTION cdp.check_segment_sql(condition text, condition_full text, lapse text,
                                      lapse_rows text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('SELECT p.profile_id, %s FROM cdp.profiles p WHERE %s LIMIT 0',
                   coalesce(lapse, 'NULL::timestamptz'), condition);
    EXECUTE format('SELECT p.profile_id FROM cdp.profiles p WHERE %s LIMIT 0', condition_full);
    IF lapse_rows IS NOT NULL THEN
        EXECUTE format('SELECT l.profile_id, l.due + interval ''0 s'' FROM (%s) l LIMIT 0', lapse_rows);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION cdp.check_segment_sql(text, text, text, text) FROM PUBLIC;

CREATE FUNCTION cdp.create_segment(name text, rule jsonb) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    id integer;
BEGIN
    IF $1 IS NULL OR $2 IS NULL THEN
        RAISE EXCEPTION 'cdp.create_segment: name and rule must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF EXISTS (SELECT 1 FROM cdp.segments s WHERE s.name = $1) THEN
        RAISE EXCEPTION 'segment "%" already exists', left($1, 64)
            USING ERRCODE = 'duplicate_object', HINT = 'Drop it first with cdp.drop_segment().';
    END IF;
    c := cdp.compile_segment_rule($1, $2);
    PERFORM cdp.check_segment_sql(c.condition, c.condition_full, c.lapse, c.lapse_rows);
    PERFORM cdp.hold_stitching();
    INSERT INTO cdp.segments (name, definition, kind, condition, condition_full, lapse, lapse_rows,
                              segment_ids, computed_ids, incremental)
    VALUES ($1, $2::text, 'rule', c.condition, c.condition_full, c.lapse, c.lapse_rows,
            c.segment_ids, c.computed_ids, c.incremental)
    RETURNING segment_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION cdp.create_segment(text, jsonb) IS
    'defines a segment by a JSON rule (see the README); refresh it with cdp.refresh_segment()';
REVOKE ALL ON FUNCTION cdp.create_segment(text, jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.create_segment(name text, definition text) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    id integer;
BEGIN
    IF $1 IS NULL OR $2 IS NULL THEN
        RAISE EXCEPTION 'cdp.create_segment: name and definition must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- an untyped literal picks this overload: a JSON object is a rule
    IF ltrim($2, E' \t\r\n') LIKE '{%' THEN
        RETURN cdp.create_segment($1, $2::jsonb);
    END IF;
    IF EXISTS (SELECT 1 FROM cdp.segments s WHERE s.name = $1) THEN
        RAISE EXCEPTION 'segment "%" already exists', left($1, 64)
            USING ERRCODE = 'duplicate_object', HINT = 'Drop it first with cdp.drop_segment().';
    END IF;
    c := cdp.segment_sql_condition($2);
    PERFORM cdp.check_segment_sql(c.condition, c.condition, NULL, NULL);
    PERFORM cdp.hold_stitching();
    INSERT INTO cdp.segments (name, definition, kind, condition, condition_full, incremental)
    VALUES ($1, $2, 'sql', c.condition, c.condition, c.incremental)
    RETURNING segment_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION cdp.create_segment(text, text) IS
    'defines a segment by a SQL boolean expression over the profile row, or a SELECT of profile ids';
REVOKE ALL ON FUNCTION cdp.create_segment(text, text) FROM PUBLIC;

CREATE FUNCTION cdp.drop_segment(name text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s cdp.segments;
    users text;
BEGIN
    SELECT * INTO s FROM cdp.segments g WHERE g.name = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'segment "%" does not exist', left($1, 64) USING ERRCODE = 'undefined_object';
    END IF;
    SELECT string_agg(g.name, ', ' ORDER BY g.name) INTO users
      FROM cdp.segments g WHERE s.segment_id = ANY (g.segment_ids);
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'segment "%" is used by other segments', left($1, 64)
            USING ERRCODE = 'dependent_objects_still_exist', DETAIL = format('Used by: %s.', users);
    END IF;
    IF s.cron_job IS NOT NULL AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        EXECUTE 'SELECT cron.unschedule($1)' USING s.cron_job;
    END IF;
    DELETE FROM cdp.profile_rechecks r WHERE r.kind = 'segment' AND r.target_id = s.segment_id;
    DELETE FROM cdp.segments g WHERE g.segment_id = s.segment_id;
END
$$;
COMMENT ON FUNCTION cdp.drop_segment(text) IS 'drops a segment with its members, changes and sizes';
REVOKE ALL ON FUNCTION cdp.drop_segment(text) FROM PUBLIC;

CREATE FUNCTION cdp.explain_segment(name text) RETURNS text
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format(E'-- segment %s: %s definition, %s\n'
                  '-- for the profiles a refresh re-evaluates:\n'
                  'SELECT p.profile_id\n  FROM cdp.profiles p\n WHERE p.profile_id = ANY ($1)\n   AND %s',
                  quote_literal(s.name), s.kind,
                  CASE WHEN s.incremental THEN 'refreshed incrementally'
                       ELSE 'refreshed in full every time' END,
                  s.condition)
           || CASE WHEN s.condition_full = s.condition THEN ''
                   ELSE format(E'\n-- for a full refresh:\nSELECT p.profile_id\n  FROM cdp.profiles p\n WHERE %s',
                               s.condition_full) END
           || CASE WHEN s.lapse IS NULL THEN ''
                   ELSE E'\n-- a profile''s result may change by time alone at:\n-- '
                        || replace(s.lapse, E'\n', E'\n-- ') END
      FROM cdp.segments s WHERE s.name = $1
$$;
COMMENT ON FUNCTION cdp.explain_segment(text) IS 'the SQL a segment compiles to';
REVOKE ALL ON FUNCTION cdp.explain_segment(text) FROM PUBLIC;

CREATE FUNCTION cdp.schedule_segment(name text, cron text) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target integer;
    job bigint;
BEGIN
    SELECT s.segment_id INTO target FROM cdp.segments s WHERE s.name = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'segment "%" does not exist', left($1, 64) USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'cdp.schedule_segment needs the pg_cron extension in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Install pg_cron (Debian: postgresql-15-cron), add it to shared_preload_libraries, set cron.database_name to this database and CREATE EXTENSION pg_cron.';
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)'
       INTO job
      USING 'cdp segment ' || target, $2, format('SELECT cdp.refresh_segment(%L)', $1);
    UPDATE cdp.segments s SET cron_job = job WHERE s.segment_id = target;
    RETURN job;
END
$$;
COMMENT ON FUNCTION cdp.schedule_segment(text, text) IS
    'refreshes a segment on a cron schedule through pg_cron; returns the pg_cron job id';
REVOKE ALL ON FUNCTION cdp.schedule_segment(text, text) FROM PUBLIC;

CREATE FUNCTION cdp.create_computed_trait(name text, rule jsonb) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    id integer;
BEGIN
    IF $1 IS NULL OR $2 IS NULL THEN
        RAISE EXCEPTION 'cdp.create_computed_trait: name and rule must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF EXISTS (SELECT 1 FROM cdp.computed_traits t WHERE t.name = $1) THEN
        RAISE EXCEPTION 'computed trait "%" already exists', left($1, 64)
            USING ERRCODE = 'duplicate_object', HINT = 'Drop it first with cdp.drop_computed_trait().';
    END IF;
    IF EXISTS (SELECT 1 FROM cdp.score_models m WHERE $1 = ANY (m.outputs)) THEN
        RAISE EXCEPTION 'the computed key "%" is already kept by a score model', left($1, 64)
            USING ERRCODE = 'duplicate_object';
    END IF;
    c := cdp.compile_computed_trait($2);
    PERFORM cdp.check_segment_sql(format('(%s) IS NOT NULL', c.value),
                                  format('p.profile_id IN (SELECT v.profile_id FROM (%s) v(profile_id, value))',
                                         c.value_full),
                                  c.lapse, c.lapse_rows);
    PERFORM cdp.hold_stitching();
    INSERT INTO cdp.computed_traits (name, rule, value_sql, value_full, value_empty, lapse, lapse_rows)
    VALUES ($1, $2, c.value, c.value_full, c.value_empty, c.lapse, c.lapse_rows)
    RETURNING trait_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION cdp.create_computed_trait(text, jsonb) IS
    'defines an event aggregate kept in cdp.profiles.computed; fill it with cdp.refresh_computed_traits()';
REVOKE ALL ON FUNCTION cdp.create_computed_trait(text, jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.drop_computed_trait(name text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t cdp.computed_traits;
    users text;
BEGIN
    SELECT * INTO t FROM cdp.computed_traits c WHERE c.name = $1 FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'computed trait "%" does not exist', left($1, 64) USING ERRCODE = 'undefined_object';
    END IF;
    SELECT string_agg(g.name, ', ' ORDER BY g.name) INTO users
      FROM cdp.segments g WHERE t.trait_id = ANY (g.computed_ids);
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'computed trait "%" is used by segments', left($1, 64)
            USING ERRCODE = 'dependent_objects_still_exist', DETAIL = format('Used by: %s.', users);
    END IF;
    DELETE FROM cdp.profile_rechecks r WHERE r.kind = 'computed' AND r.target_id = t.trait_id;
    DELETE FROM cdp.computed_traits c WHERE c.trait_id = t.trait_id;
    UPDATE cdp.profiles p SET computed = p.computed - t.name WHERE p.computed ? t.name;
END
$$;
COMMENT ON FUNCTION cdp.drop_computed_trait(text) IS
    'drops a computed trait and removes its value from every profile';
REVOKE ALL ON FUNCTION cdp.drop_computed_trait(text) FROM PUBLIC;
