-- Refreshing segments and computed traits: full, or incremental over the
-- profiles changed since the last refresh plus those whose windowed result
-- is due (src/segments/changed_profiles.c explains the log).
--
-- Locks are taken in one order everywhere: computed traits by id, then
-- segments by id.  Two refreshes of one segment serialize on its row.

-- The snapshot a refresh records: the current one, except that this
-- transaction counts as still running, so that what it writes after the
-- refresh (in this transaction or once committed) is seen as unseen.  A
-- snapshot's xmax is the latest completed xid + 1: xids from there to this
-- transaction's were running, and stay so when xmax moves past them.
CREATE FUNCTION cdp.refresh_snapshot() RETURNS pg_snapshot
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN me IS NULL THEN s ELSE
           format('%s:%s:%s', least(pg_snapshot_xmin(s), me),
                  greatest(pg_snapshot_xmax(s)::text::bigint, me::text::bigint + 1),
                  array_to_string(ARRAY(
                      SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x
                      UNION
                      SELECT generate_series(pg_snapshot_xmax(s)::text::bigint, me::text::bigint)
                      UNION
                      SELECT me::text::bigint
                      ORDER BY 1), ','))::pg_snapshot END
      FROM pg_current_snapshot() AS s, pg_current_xact_id_if_assigned() AS me
$$;
REVOKE ALL ON FUNCTION cdp.refresh_snapshot() FROM PUBLIC;

-- The last of this transaction's own logged changes a refresh sees (it
-- sees them all, being in the same transaction): the ones after it are
-- for the next refresh.
CREATE FUNCTION cdp.own_changes_seen() RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT max(l.seq) FROM cdp.profile_changes l WHERE l.xid = pg_current_xact_id_if_assigned()
$$;
REVOKE ALL ON FUNCTION cdp.own_changes_seen() FROM PUBLIC;

-- The profiles to re-evaluate for one segment or computed trait, with
-- since when each has waited: logged by transactions its last refresh
-- could not see (its own transaction's rows only from after the refresh:
-- seq beyond seen_seq), for a computed trait only changes to events; and
-- those due by time.  Score models pass their kind: a purchase model
-- reads only changes to events, a propensity model every change (its
-- feature query may read traits).
CREATE FUNCTION cdp.profiles_unseen(since pg_snapshot, seen_xid xid8, seen_seq bigint,
                                    kind text, target integer, due_by timestamptz)
    RETURNS TABLE (profile_id bigint, waiting_since timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.profile_id, l.logged_at FROM cdp.profile_changes l
     WHERE l.xid >= pg_snapshot_xmin(since)
       AND NOT pg_visible_in_snapshot(l.xid, since)
       AND (seen_xid IS NULL OR l.xid <> seen_xid OR l.seq > coalesce(seen_seq, 0))
       AND (l.events_changed OR kind IN ('segment', 'propensity'))
    UNION ALL
    SELECT r.profile_id, r.recheck_at FROM cdp.profile_rechecks r
     WHERE r.kind = $4 AND r.target_id = $5 AND r.recheck_at <= $6
$$;
REVOKE ALL ON FUNCTION cdp.profiles_unseen(pg_snapshot, xid8, bigint, text, integer, timestamptz) FROM PUBLIC;

-- The same profiles, each once.
CREATE FUNCTION cdp.profiles_to_refresh(since pg_snapshot, seen_xid xid8, seen_seq bigint,
                                        kind text, target integer, due_by timestamptz)
    RETURNS bigint[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(DISTINCT c.profile_id), '{}')
      FROM cdp.profiles_unseen(since, seen_xid, seen_seq, kind, target, due_by) c
$$;
REVOKE ALL ON FUNCTION cdp.profiles_to_refresh(pg_snapshot, xid8, bigint, text, integer, timestamptz) FROM PUBLIC;

-- Whether so many profiles are to be re-evaluated that one set-based pass
-- over everyone costs less than a lookup per profile: beyond a tenth of
-- the profiles (and at least 10,000).  The results are the same.
CREATE FUNCTION cdp.cheaper_in_full(candidates bigint[]) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cardinality(candidates) > greatest(10000, c.reltuples / 10)
      FROM pg_class c WHERE c.oid = 'cdp.profiles'::regclass
$$;
REVOKE ALL ON FUNCTION cdp.cheaper_in_full(bigint[]) FROM PUBLIC;

-- The profiles one refresh of a segment or computed trait evaluates, or
-- NULL for all of them: when asked, at the first refresh, when the clock
-- went back, or when that is cheaper.
CREATE FUNCTION cdp.refresh_candidates(kind text, target integer, full_refresh boolean,
                                       since pg_snapshot, seen_xid xid8, seen_seq bigint,
                                       evaluated_at timestamptz, eval_at timestamptz)
    RETURNS bigint[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    candidates bigint[];
BEGIN
    IF full_refresh OR since IS NULL OR eval_at < evaluated_at THEN
        RETURN NULL;
    END IF;
    candidates := cdp.profiles_to_refresh(since, seen_xid, seen_seq, kind, target, eval_at);
    RETURN CASE WHEN cdp.cheaper_in_full(candidates) THEN NULL ELSE candidates END;
END
$$;
REVOKE ALL ON FUNCTION cdp.refresh_candidates(text, integer, boolean, pg_snapshot, xid8, bigint,
                                              timestamptz, timestamptz) FROM PUBLIC;

-- Stores when each evaluated profile (candidates; NULL: all, from the
-- set-based lapse_rows) is next due.
CREATE FUNCTION cdp.store_rechecks(kind text, target integer, lapse text, lapse_rows text,
                                   candidates bigint[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF lapse IS NULL THEN
        DELETE FROM cdp.profile_rechecks r WHERE r.kind = $1 AND r.target_id = $2;
    ELSIF candidates IS NULL THEN
        -- Everyone: write only what differs (most of it, most of the time,
        -- is as it was).  No join the planner could misjudge on young
        -- statistics (a nested loop over both sides took 16 s for 28,000
        -- profiles): a hashed NOT IN, and the primary key's look-up per row.
        EXECUTE format('WITH fresh AS MATERIALIZED (%s),'
                       ' gone AS (DELETE FROM cdp.profile_rechecks r'
                       '           WHERE r.kind = $1 AND r.target_id = $2'
                       '             AND r.profile_id NOT IN (SELECT f.profile_id FROM fresh f))'
                       ' INSERT INTO cdp.profile_rechecks AS r (kind, target_id, profile_id, recheck_at)'
                       ' SELECT $1, $2, f.profile_id, f.due FROM fresh f'
                       ' ON CONFLICT (kind, target_id, profile_id)'
                       ' DO UPDATE SET recheck_at = excluded.recheck_at'
                       '  WHERE r.recheck_at IS DISTINCT FROM excluded.recheck_at', lapse_rows)
          USING kind, target;
    ELSE
        DELETE FROM cdp.profile_rechecks r
         WHERE r.kind = $1 AND r.target_id = $2 AND r.profile_id = ANY ($5);
        EXECUTE format('INSERT INTO cdp.profile_rechecks (kind, target_id, profile_id, recheck_at)'
                       ' SELECT $1, $2, p.profile_id, l.due FROM cdp.profiles p'
                       ' CROSS JOIN LATERAL (SELECT %s AS due) l'
                       ' WHERE l.due IS NOT NULL AND p.profile_id = ANY ($3)', lapse)
          USING kind, target, candidates;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION cdp.store_rechecks(text, integer, text, text, bigint[]) FROM PUBLIC;

-- Forgets logged changes every segment and computed trait has seen.
CREATE FUNCTION cdp.prune_profile_changes() RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM cdp.profile_changes l
     WHERE l.xid < coalesce(
             (SELECT min(pg_snapshot_xmin(t.refreshed_snapshot))
                FROM (SELECT s.refreshed_snapshot FROM cdp.segments s WHERE s.incremental
                      UNION ALL
                      SELECT c.refreshed_snapshot FROM cdp.computed_traits c
                      UNION ALL
                      SELECT m.refreshed_snapshot FROM cdp.score_models m WHERE m.fitted IS NOT NULL) t),
             pg_snapshot_xmin(pg_current_snapshot()))
$$;
REVOKE ALL ON FUNCTION cdp.prune_profile_changes() FROM PUBLIC;

-- Refreshes one computed trait; returns how many profiles' values changed.
-- JIT is off in refreshes: their statements are many small per-profile
-- lookups, where compiling costs seconds and saves nothing.
CREATE FUNCTION cdp.refresh_computed_trait_id(target integer, full_refresh boolean) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
SET enable_nestloop = on
AS $$
DECLARE
    t cdp.computed_traits;
    snap pg_snapshot;
    seen bigint;
    eval_at timestamptz := cdp.segment_now();
    candidates bigint[];
    changed bigint;
BEGIN
    SELECT * INTO t FROM cdp.computed_traits c WHERE c.trait_id = target FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    snap := cdp.refresh_snapshot();
    seen := cdp.own_changes_seen();
    candidates := cdp.refresh_candidates('computed', target, full_refresh, t.refreshed_snapshot,
                                         t.refreshed_xid, t.refreshed_seq, t.evaluated_at, eval_at);
    full_refresh := candidates IS NULL;
    IF full_refresh THEN
        -- Every event of the window is read once: a nested loop is never
        -- the plan for that, yet statistics taken before a bulk load ended
        -- can make one look cheap (one 'Order Completed' event estimated
        -- where there were 6,000 took the demo's first refresh from 3 s to
        -- 5 minutes).  The function's SET clause confines this to it.
        PERFORM set_config('enable_nestloop', 'off', true);
    END IF;
    -- The value of each profile evaluated: per profile from its events, or
    -- for everyone at once from all events grouped by profile.
    EXECUTE format('WITH v AS MATERIALIZED (%s)'
                   ' UPDATE cdp.profiles p'
                   '    SET computed = CASE WHEN v.value IS NULL THEN p.computed - $1'
                   '                        ELSE jsonb_set(p.computed, ARRAY[$1], v.value) END'
                   '   FROM v WHERE p.profile_id = v.profile_id'
                   '    AND p.computed -> $1 IS DISTINCT FROM v.value',
                   CASE WHEN full_refresh
                        THEN format('SELECT p.profile_id, nullif(coalesce(g.value, %s), ''null'') AS value'
                                    '  FROM cdp.profiles p LEFT JOIN (%s) g(profile_id, value)'
                                    '    ON g.profile_id = p.profile_id',
                                    coalesce(t.value_empty, 'NULL::jsonb'), t.value_full)
                        ELSE format('SELECT p.profile_id, nullif(%s, ''null'') AS value'
                                    '  FROM cdp.profiles p WHERE p.profile_id = ANY ($2)', t.value_sql) END)
      USING t.name, candidates;
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM cdp.store_rechecks('computed', target, t.lapse, t.lapse_rows, candidates);
    UPDATE cdp.computed_traits c
       SET refreshed_snapshot = snap, refreshed_xid = pg_current_xact_id_if_assigned(),
           refreshed_seq = seen, refreshed_at = now(), evaluated_at = eval_at
     WHERE c.trait_id = target;
    RETURN changed;
END
$$;
REVOKE ALL ON FUNCTION cdp.refresh_computed_trait_id(integer, boolean) FROM PUBLIC;

-- Refreshes one segment, and first the computed traits it uses unless
-- the caller has just refreshed them all.
CREATE FUNCTION cdp.refresh_segment_id(target integer, full_refresh boolean, with_computed boolean,
                                       OUT entered bigint, OUT exited bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
SET enable_nestloop = on
AS $$
DECLARE
    s cdp.segments;
    snap pg_snapshot;
    seen bigint;
    eval_at timestamptz := cdp.segment_now();
    candidates bigint[];
    trait integer;
BEGIN
    FOR trait IN SELECT u.id FROM cdp.segments g, unnest(g.computed_ids) AS u(id)
                  WHERE g.segment_id = target AND with_computed ORDER BY u.id LOOP
        PERFORM cdp.refresh_computed_trait_id(trait, false);
    END LOOP;
    SELECT * INTO s FROM cdp.segments g WHERE g.segment_id = target FOR UPDATE;
    IF NOT FOUND THEN
        entered := 0;
        exited := 0;
        RETURN;
    END IF;
    snap := cdp.refresh_snapshot();
    seen := cdp.own_changes_seen();
    candidates := cdp.refresh_candidates('segment', target, full_refresh OR NOT s.incremental,
                                         s.refreshed_snapshot, s.refreshed_xid, s.refreshed_seq,
                                         s.evaluated_at, eval_at);
    full_refresh := candidates IS NULL;
    IF full_refresh THEN
        PERFORM set_config('enable_nestloop', 'off', true);  -- as in refresh_computed_trait_id
    END IF;
    -- The difference between who qualifies and who is a member, among the
    -- candidates (or everyone), applied with its changes in one statement.
    EXECUTE format($q$
        WITH qualified AS (
            SELECT p.profile_id FROM cdp.profiles p WHERE %s%s),
        members_now AS (
            SELECT m.profile_id FROM cdp.segment_members m WHERE m.segment_id = $1%s),
        gone AS (
            DELETE FROM cdp.segment_members m
             WHERE m.segment_id = $1
               AND m.profile_id IN (SELECT profile_id FROM members_now
                                    EXCEPT SELECT profile_id FROM qualified)
            RETURNING m.profile_id),
        came AS (
            INSERT INTO cdp.segment_members (segment_id, profile_id, entered_at)
            SELECT $1, q.profile_id, $2
              FROM (SELECT profile_id FROM qualified EXCEPT SELECT profile_id FROM members_now) q
            RETURNING profile_id),
        logged AS (
            INSERT INTO cdp.segment_changes (segment_id, profile_id, change, changed_at)
            SELECT $1, x.profile_id, x.change, $2
              FROM (SELECT g.profile_id, 'exited' AS change FROM gone g
                    UNION ALL
                    SELECT c.profile_id, 'entered' FROM came c) x
             ORDER BY x.profile_id, x.change DESC)
        SELECT (SELECT count(*) FROM came), (SELECT count(*) FROM gone)$q$,
        CASE WHEN full_refresh THEN s.condition_full ELSE s.condition END,
        CASE WHEN full_refresh THEN '' ELSE E'\n AND p.profile_id = ANY ($3)' END,
        CASE WHEN full_refresh THEN '' ELSE ' AND m.profile_id = ANY ($3)' END)
      INTO entered, exited
      USING target, eval_at, candidates;
    PERFORM cdp.store_rechecks('segment', target, s.lapse, s.lapse_rows, candidates);
    UPDATE cdp.segments g
       SET size = g.size + entered - exited, refreshed_snapshot = snap,
           refreshed_xid = pg_current_xact_id_if_assigned(), refreshed_seq = seen,
           refreshed_at = now(), evaluated_at = eval_at
     WHERE g.segment_id = target;
    INSERT INTO cdp.segment_sizes (segment_id, refreshed_at, evaluated_at, size, entered, exited, full_refresh)
    VALUES (target, now(), eval_at, s.size + entered - exited, entered, exited, full_refresh);
    IF entered + exited > 0 THEN
        PERFORM pg_notify('cdp_segment_changes',
                          json_build_object('segment', s.name, 'entered', entered,
                                            'exited', exited)::text);
    END IF;
END
$$;
REVOKE ALL ON FUNCTION cdp.refresh_segment_id(integer, boolean, boolean) FROM PUBLIC;

CREATE FUNCTION cdp.refresh_segment(name text, "full" boolean DEFAULT false)
    RETURNS TABLE (entered bigint, exited bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target integer;
BEGIN
    IF $1 IS NULL OR $2 IS NULL THEN
        RAISE EXCEPTION 'cdp.refresh_segment: name and full must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT s.segment_id INTO target FROM cdp.segments s WHERE s.name = $1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'segment "%" does not exist', left($1, 64)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN QUERY SELECT r.entered, r.exited FROM cdp.refresh_segment_id(target, $2, true) r;
    PERFORM cdp.prune_profile_changes();
END
$$;
COMMENT ON FUNCTION cdp.refresh_segment(text, boolean) IS
    'brings a segment''s members up to date (incrementally unless full), logging who entered and exited';
REVOKE ALL ON FUNCTION cdp.refresh_segment(text, boolean) FROM PUBLIC;

CREATE FUNCTION cdp.refresh_segments()
    RETURNS TABLE (segment text, entered bigint, exited bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target integer;
BEGIN
    FOR target IN SELECT c.trait_id FROM cdp.computed_traits c ORDER BY c.trait_id LOOP
        PERFORM cdp.refresh_computed_trait_id(target, false);
    END LOOP;
    FOR target, segment IN SELECT s.segment_id, s.name FROM cdp.segments s ORDER BY s.segment_id LOOP
        SELECT r.entered, r.exited INTO entered, exited FROM cdp.refresh_segment_id(target, false, false) r;
        RETURN NEXT;
    END LOOP;
    PERFORM cdp.prune_profile_changes();
END
$$;
COMMENT ON FUNCTION cdp.refresh_segments() IS
    'refreshes every computed trait, then every segment, incrementally';
REVOKE ALL ON FUNCTION cdp.refresh_segments() FROM PUBLIC;

CREATE FUNCTION cdp.refresh_computed_traits("full" boolean DEFAULT false)
    RETURNS TABLE (trait text, updated bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target integer;
BEGIN
    IF $1 IS NULL THEN
        RAISE EXCEPTION 'cdp.refresh_computed_traits: full must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOR target, trait IN SELECT c.trait_id, c.name FROM cdp.computed_traits c ORDER BY c.trait_id LOOP
        updated := cdp.refresh_computed_trait_id(target, $1);
        RETURN NEXT;
    END LOOP;
    PERFORM cdp.prune_profile_changes();
END
$$;
COMMENT ON FUNCTION cdp.refresh_computed_traits(boolean) IS
    'brings every computed trait up to date in cdp.profiles.computed; returns how many profiles changed';
REVOKE ALL ON FUNCTION cdp.refresh_computed_traits(boolean) FROM PUBLIC;
