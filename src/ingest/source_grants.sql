-- Who may ingest into a source, and how far its alias events are trusted
-- (new in 0.2.0: part of the install script and of the upgrade from 0.1.0).

CREATE TABLE cdp.source_grants (
    source_id   integer NOT NULL REFERENCES cdp.sources ON DELETE CASCADE,
    role        regrole NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (source_id, role)
);
COMMENT ON TABLE cdp.source_grants IS
    'the roles that may ingest into each source (besides superusers and the extension owner)';
SELECT pg_catalog.pg_extension_config_dump('cdp.source_grants', '');
CREATE TRIGGER source_grants_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.source_grants
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE FUNCTION cdp.grant_source(role regrole, source text)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    added bigint;
BEGIN
    IF role IS NULL THEN
        RAISE EXCEPTION 'role must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO cdp.source_grants (source_id, role)
        VALUES (cdp.source_id(source), grant_source.role)
        ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added > 0;
END
$$;
COMMENT ON FUNCTION cdp.grant_source(regrole, text) IS
    'lets role (and the roles that have its privileges) ingest into source; true when new';
REVOKE ALL ON FUNCTION cdp.grant_source(regrole, text) FROM PUBLIC;

CREATE FUNCTION cdp.revoke_source(role regrole, source text)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM cdp.source_grants g
         WHERE g.source_id = cdp.source_id(source)
           AND g.role OPERATOR(pg_catalog.=) revoke_source.role
        RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;
COMMENT ON FUNCTION cdp.revoke_source(regrole, text) IS
    'takes back cdp.grant_source(role, source); true when there was such a grant';
REVOKE ALL ON FUNCTION cdp.revoke_source(regrole, text) FROM PUBLIC;

CREATE FUNCTION cdp.set_source_trust(source text, trusted_aliases boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF trusted_aliases IS NULL THEN
        RAISE EXCEPTION 'trusted_aliases must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE cdp.sources s SET trusted_aliases = set_source_trust.trusted_aliases
     WHERE s.source_id = cdp.source_id(source);
END
$$;
COMMENT ON FUNCTION cdp.set_source_trust(text, boolean) IS
    'whether the alias events of source join identifiers beyond the kinds'' max_per_profile';
REVOKE ALL ON FUNCTION cdp.set_source_trust(text, boolean) FROM PUBLIC;
