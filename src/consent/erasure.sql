-- Erasure: cdp.forget removes a person from every table in one
-- transaction and keeps only the proof that it happened (its audit entry)
-- and a keyed HMAC of each of their identifiers (cdp.suppressions), by
-- which ingestion drops their later events (C: src/consent/suppression.c,
-- src/ingest/event_suppress.c).  cdp.apply_retention (retention.sql)
-- erases expired anonymous profiles with the same code.

-- The HMAC keys.  The newest makes new suppressions; the older ones stay
-- as long as suppressions made with them exist, since an HMAC cannot be
-- computed again under another key without the identifier it hides.  The
-- first erasure creates the first key (not CREATE EXTENSION: a restored
-- dump brings its own, and the suppressions made with it).
CREATE SEQUENCE cdp.privacy_keys_key_id_seq AS integer;
CREATE TABLE cdp.privacy_keys (
    key_id      integer NOT NULL DEFAULT pg_catalog.nextval('cdp.privacy_keys_key_id_seq') PRIMARY KEY,
    key         bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT SESSION_USER,
    CONSTRAINT privacy_keys_key_check CHECK (pg_catalog.length(key) OPERATOR(pg_catalog.>=) 16)
);
ALTER SEQUENCE cdp.privacy_keys_key_id_seq OWNED BY cdp.privacy_keys.key_id;
COMMENT ON TABLE cdp.privacy_keys IS
    'secret keys of the suppression HMACs (readable by the extension owner and cdp_admin only); the newest is in use';
SELECT pg_catalog.pg_extension_config_dump('cdp.privacy_keys', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.privacy_keys_key_id_seq', '');
CREATE TRIGGER privacy_keys_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.privacy_keys
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE TABLE cdp.suppressions (
    hmac           bytea NOT NULL PRIMARY KEY,
    key_id         integer NOT NULL REFERENCES cdp.privacy_keys,
    kind           text NOT NULL,
    suppressed_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    reason         text NOT NULL,
    CONSTRAINT suppressions_hmac_check CHECK (pg_catalog.length(hmac) OPERATOR(pg_catalog.=) 32)
);
CREATE INDEX suppressions_key_id_idx ON cdp.suppressions (key_id);
COMMENT ON TABLE cdp.suppressions IS
    'identifiers of erased people, as HMAC-SHA256 of kind:value under cdp.privacy_keys: their events are dropped at ingestion';
COMMENT ON COLUMN cdp.suppressions.reason IS 'the reason (legal basis) given to cdp.forget';
SELECT pg_catalog.pg_extension_config_dump('cdp.suppressions', '');
CREATE TRIGGER suppressions_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.suppressions
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE TABLE cdp.suppressed_events (
    source_id  integer NOT NULL,
    day        date NOT NULL,
    events     bigint NOT NULL,
    PRIMARY KEY (source_id, day)
);
COMMENT ON TABLE cdp.suppressed_events IS
    'events dropped at ingestion because they carried a suppressed identifier, per source and day (UTC) received';
SELECT pg_catalog.pg_extension_config_dump('cdp.suppressed_events', '');

CREATE FUNCTION cdp.suppression_hmac(ident cdp.ident, key bytea) RETURNS bytea
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_suppression_hmac';
COMMENT ON FUNCTION cdp.suppression_hmac(cdp.ident, bytea) IS
    'HMAC-SHA256 under key of the identifier''s text form kind:value';
REVOKE ALL ON FUNCTION cdp.suppression_hmac(cdp.ident, bytea) FROM PUBLIC;

CREATE FUNCTION cdp.new_privacy_key() RETURNS bytea
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'cdp_new_privacy_key';
COMMENT ON FUNCTION cdp.new_privacy_key() IS '32 random bytes from pg_strong_random';
REVOKE ALL ON FUNCTION cdp.new_privacy_key() FROM PUBLIC;

-- Takes the erasure lock exclusively to the end of the transaction:
-- ingestion (which takes it shared to check identifiers) waits meanwhile.
CREATE FUNCTION cdp.hold_erasure() RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'cdp_hold_erasure';
REVOKE ALL ON FUNCTION cdp.hold_erasure() FROM PUBLIC;

-- Orders an erasure after every ingestion under way and before every
-- later one (the erasure lock), and after every stitch (the stitching
-- lock, taken second: a stitch at commit waits for it while holding the
-- erasure lock shared).  It must then read what they committed: READ
-- COMMITTED only.
CREATE FUNCTION cdp.lock_for_erasure() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'erasure requires the READ COMMITTED isolation level'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'It must see the events committed while it waited for ingestion.';
    END IF;
    PERFORM cdp.hold_erasure();
    PERFORM cdp.hold_stitching();
END
$$;
REVOKE ALL ON FUNCTION cdp.lock_for_erasure() FROM PUBLIC;

-- The key new suppressions are made with, created on first use.
CREATE FUNCTION cdp.privacy_key_id() RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id integer;
BEGIN
    SELECT k.key_id INTO id FROM cdp.privacy_keys k ORDER BY k.key_id DESC LIMIT 1;
    IF id IS NULL THEN
        INSERT INTO cdp.privacy_keys (key) VALUES (cdp.new_privacy_key()) RETURNING key_id INTO id;
    END IF;
    RETURN id;
END
$$;
REVOKE ALL ON FUNCTION cdp.privacy_key_id() FROM PUBLIC;

-- Makes key the one new suppressions are made with.  Existing
-- suppressions keep their key (and keep working): ingestion checks each
-- identifier under every key that has suppressions.
CREATE FUNCTION cdp.set_suppression_key(key bytea) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    id integer;
BEGIN
    IF set_suppression_key.key IS NULL THEN
        RAISE EXCEPTION 'key must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF length(set_suppression_key.key) < 16 THEN
        RAISE EXCEPTION 'suppression key is too short'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A key has at least 16 bytes; cdp.new_privacy_key() makes keys of 32.';
    END IF;
    PERFORM cdp.hold_erasure();
    INSERT INTO cdp.privacy_keys (key) VALUES (set_suppression_key.key) RETURNING key_id INTO id;
    PERFORM cdp.audit('set suppression key', 'cdp.privacy_keys', NULL, jsonb_build_object('key_id', id));
    RETURN id;
END
$$;
COMMENT ON FUNCTION cdp.set_suppression_key(bytea) IS
    'makes key (16 bytes or more) the key of new suppressions; returns its key_id; earlier suppressions keep theirs';
REVOKE ALL ON FUNCTION cdp.set_suppression_key(bytea) FROM PUBLIC;

-- The current id of profile_id (a merged id resolves), else P0002.
CREATE FUNCTION cdp.require_profile(profile_id bigint) RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target bigint := cdp.current_profile_id(require_profile.profile_id);
BEGIN
    IF target IS NULL THEN
        RAISE EXCEPTION 'profile % does not exist', require_profile.profile_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'It may have been erased; cdp.audit_log records erasures.';
    END IF;
    RETURN target;
END
$$;
REVOKE ALL ON FUNCTION cdp.require_profile(bigint) FROM PUBLIC;

-- The profile of ident, else P0002 (naming no identifier).
CREATE FUNCTION cdp.require_identifier(ident cdp.ident) RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target bigint := cdp.resolve(require_identifier.ident);
BEGIN
    IF target IS NULL THEN
        RAISE EXCEPTION 'identifier is not known'
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'No profile has this identifier.';
    END IF;
    RETURN target;
END
$$;
REVOKE ALL ON FUNCTION cdp.require_identifier(cdp.ident) FROM PUBLIC;

-- Removes the profiles (current ids, locked by the caller under
-- cdp.lock_for_erasure or the stitching lock) and everything of theirs:
-- events anchored at their identifiers (every partition) and their queue
-- entries, identities, edges, unlinked pairs, trait values, the profile
-- rows (computed traits with them), segment membership and changes,
-- profile changes and rechecks, review pairs, aliases, merge log entries,
-- consents and identifier consents; redacts their audit entries.  With
-- suppress, first records each identifier's HMAC under reason.  Returns
-- {"removed": {table: rows}, "suppressed": n, "audit_redacted": n}.
CREATE FUNCTION cdp.erase_profiles(profile_ids bigint[], suppress boolean, reason text)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    all_ids       bigint[];
    idents        cdp.ident[];
    identity_ids  bigint[];
    removed       jsonb;
    n             bigint;
    redacted      bigint;
    suppressed    bigint := 0;
    use_key       integer;
BEGIN
    SELECT coalesce(array_agg(i.ident), '{}'), coalesce(array_agg(i.identity_id), '{}')
      INTO idents, identity_ids
      FROM cdp.identities i WHERE i.profile_id = ANY (profile_ids);
    -- Ids merged into them name the same people in logs and segments.
    all_ids := profile_ids || ARRAY(SELECT a.old_id FROM cdp.profile_aliases a
                                     WHERE a.profile_id = ANY (profile_ids));
    -- Destinations told of them are sent removals, before their
    -- identifiers go (src/activation/outbox.sql).
    PERFORM cdp.outbox_forget(all_ids);

    IF suppress THEN
        use_key := cdp.privacy_key_id();
        INSERT INTO cdp.suppressions (hmac, key_id, kind, reason)
        SELECT DISTINCT cdp.suppression_hmac(x.ident, k.key), k.key_id, cdp.ident_kind(x.ident),
               erase_profiles.reason
          FROM unnest(idents) AS x(ident)
          JOIN cdp.privacy_keys k ON k.key_id = use_key
        ON CONFLICT (hmac) DO NOTHING;
        suppressed := cardinality(idents);
    END IF;

    WITH ev AS (DELETE FROM cdp.events e WHERE e.anchor = ANY (idents) RETURNING e.event_id),
         sq AS (DELETE FROM cdp.stitch_queue q USING ev WHERE q.event_id = ev.event_id RETURNING 1),
         ie AS (DELETE FROM cdp.identity_edges x
                 WHERE x.a_id = ANY (identity_ids) OR x.b_id = ANY (identity_ids) RETURNING 1),
         up AS (DELETE FROM cdp.unlinked_pairs x
                 WHERE x.a_id = ANY (identity_ids) OR x.b_id = ANY (identity_ids) RETURNING 1),
         tv AS (DELETE FROM cdp.trait_values x WHERE x.identity_id = ANY (identity_ids) RETURNING 1),
         id AS (DELETE FROM cdp.identities x WHERE x.identity_id = ANY (identity_ids) RETURNING 1),
         pr AS (DELETE FROM cdp.profiles x WHERE x.profile_id = ANY (profile_ids) RETURNING 1),
         sm AS (DELETE FROM cdp.segment_members x WHERE x.profile_id = ANY (all_ids) RETURNING x.segment_id),
         sz AS (UPDATE cdp.segments g SET size = g.size - d.members
                  FROM (SELECT sm.segment_id, count(*) AS members FROM sm GROUP BY sm.segment_id) d
                 WHERE g.segment_id = d.segment_id RETURNING 1),
         sc AS (DELETE FROM cdp.segment_changes x WHERE x.profile_id = ANY (all_ids) RETURNING 1),
         rc AS (DELETE FROM cdp.profile_rechecks x WHERE x.profile_id = ANY (all_ids) RETURNING 1),
         mr AS (DELETE FROM cdp.match_review x
                 WHERE x.left_profile_id = ANY (all_ids) OR x.right_profile_id = ANY (all_ids)
                    OR x.left_identity_id = ANY (identity_ids) OR x.right_identity_id = ANY (identity_ids)
                RETURNING 1),
         pa AS (DELETE FROM cdp.profile_aliases x
                 WHERE x.profile_id = ANY (profile_ids) OR x.old_id = ANY (all_ids) RETURNING 1),
         ml AS (DELETE FROM cdp.merge_log x
                 WHERE x.profile_id = ANY (all_ids) OR x.other_id = ANY (all_ids)
                    OR x.a_id = ANY (identity_ids) OR x.b_id = ANY (identity_ids) RETURNING 1),
         co AS (DELETE FROM cdp.consents x
                 WHERE x.profile_id = ANY (all_ids) OR x.identifiers && idents RETURNING 1),
         ic AS (DELETE FROM cdp.identifier_consents x WHERE x.ident = ANY (idents) RETURNING 1)
    SELECT jsonb_build_object(
               'events', (SELECT count(*) FROM ev), 'stitch_queue', (SELECT count(*) FROM sq),
               'identities', (SELECT count(*) FROM id), 'identity_edges', (SELECT count(*) FROM ie),
               'unlinked_pairs', (SELECT count(*) FROM up), 'trait_values', (SELECT count(*) FROM tv),
               'profiles', (SELECT count(*) FROM pr), 'segment_members', (SELECT count(*) FROM sm),
               'segment_changes', (SELECT count(*) FROM sc), 'profile_rechecks', (SELECT count(*) FROM rc),
               'match_review', (SELECT count(*) FROM mr), 'profile_aliases', (SELECT count(*) FROM pa),
               'merge_log', (SELECT count(*) FROM ml), 'consents', (SELECT count(*) FROM co),
               'identifier_consents', (SELECT count(*) FROM ic))
           || jsonb_build_object('segments_resized', (SELECT count(*) FROM sz))
      INTO removed;

    -- After the profiles' delete trigger logged them.
    DELETE FROM cdp.profile_changes x WHERE x.profile_id = ANY (all_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    removed := (removed - 'segments_resized') || jsonb_build_object('profile_changes', n);

    -- Who did what stays; what it was about goes.
    UPDATE cdp.audit_log a SET detail = '{"redacted": true}'
     WHERE a.profile_id = ANY (all_ids) AND a.detail IS DISTINCT FROM '{"redacted": true}';
    GET DIAGNOSTICS redacted = ROW_COUNT;

    RETURN jsonb_build_object('removed', removed, 'suppressed', suppressed, 'audit_redacted', redacted);
END
$$;
REVOKE ALL ON FUNCTION cdp.erase_profiles(bigint[], boolean, text) FROM PUBLIC;

CREATE FUNCTION cdp.forget(profile_id bigint, reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    target  bigint;
    result  jsonb;
BEGIN
    IF forget.profile_id IS NULL OR forget.reason IS NULL THEN
        RAISE EXCEPTION 'profile_id and reason must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM cdp.lock_for_erasure();
    -- Under the stitching lock no merge moves the profile any more.
    target := cdp.require_profile(forget.profile_id);
    PERFORM 1 FROM cdp.profiles p WHERE p.profile_id = target FOR UPDATE;
    result := jsonb_build_object('profile_id', target)
              || cdp.erase_profiles(ARRAY[target], true, forget.reason);
    PERFORM cdp.audit('forget', 'profile:' || target, target,
                      jsonb_build_object('removed', result -> 'removed', 'suppressed', result -> 'suppressed',
                                         'reason', forget.reason, 'requested_id', forget.profile_id));
    RETURN result;
END
$$;
COMMENT ON FUNCTION cdp.forget(bigint, text) IS
    'erases a person (a merged id resolves) from every table, suppresses their identifiers; returns the rows removed per table';
REVOKE ALL ON FUNCTION cdp.forget(bigint, text) FROM PUBLIC;

CREATE FUNCTION cdp.forget(ident cdp.ident, reason text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
BEGIN
    IF forget.ident IS NULL OR forget.reason IS NULL THEN
        RAISE EXCEPTION 'ident and reason must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM cdp.lock_for_erasure();
    RETURN cdp.forget(cdp.require_identifier(forget.ident), forget.reason);
END
$$;
COMMENT ON FUNCTION cdp.forget(cdp.ident, text) IS
    'cdp.forget of the profile the identifier belongs to';
REVOKE ALL ON FUNCTION cdp.forget(cdp.ident, text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION cdp.forget(bigint, text), cdp.forget(cdp.ident, text) TO cdp_privacy, cdp_admin;
GRANT EXECUTE ON FUNCTION cdp.set_suppression_key(bytea) TO cdp_admin;
GRANT SELECT ON cdp.privacy_keys TO cdp_admin;
GRANT SELECT ON cdp.suppressions, cdp.suppressed_events TO cdp_privacy, cdp_admin;
