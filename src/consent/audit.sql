-- The audit log: who did what to personal data, under which role and
-- purpose, in which transaction.  Append-only: nobody but its owner (the
-- extension owner, for cdp.forget's redaction) may change or empty it.

CREATE SEQUENCE cdp.audit_log_entry_id_seq AS bigint;
CREATE TABLE cdp.audit_log (
    entry_id    bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.audit_log_entry_id_seq') PRIMARY KEY,
    logged_at   timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    actor       name NOT NULL DEFAULT SESSION_USER,
    role        name NOT NULL,
    purpose     text,
    action      text NOT NULL,
    object      text NOT NULL,
    profile_id  bigint,
    xid         xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    detail      jsonb
);
ALTER SEQUENCE cdp.audit_log_entry_id_seq OWNED BY cdp.audit_log.entry_id;
CREATE INDEX audit_log_profile_id_idx ON cdp.audit_log (profile_id) WHERE profile_id IS NOT NULL;
COMMENT ON TABLE cdp.audit_log IS
    'append-only record of writes to profiles, consents and links, and of every erasure and export';
COMMENT ON COLUMN cdp.audit_log.actor IS 'the session''s login role';
COMMENT ON COLUMN cdp.audit_log.role IS 'the role it acted as (SET ROLE), else the login role';
COMMENT ON COLUMN cdp.audit_log.purpose IS 'the purpose the session declared (cdp.purpose), if any';
COMMENT ON COLUMN cdp.audit_log.object IS 'what was acted on: a table, or profile:<id>';
SELECT pg_catalog.pg_extension_config_dump('cdp.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.audit_log_entry_id_seq', '');

-- Appends an entry as the session's role and purpose.
CREATE FUNCTION cdp.audit(action text, object text, profile_id bigint DEFAULT NULL, detail jsonb DEFAULT NULL)
RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    INSERT INTO cdp.audit_log (role, purpose, action, object, profile_id, detail)
    VALUES (CASE WHEN current_setting('role') = 'none' THEN SESSION_USER ELSE current_setting('role') END,
            nullif(current_setting('cdp.purpose', true), ''), action, object, profile_id, detail)
$$;
REVOKE ALL ON FUNCTION cdp.audit(text, text, bigint, jsonb) FROM PUBLIC;

-- Refuses UPDATE, DELETE and TRUNCATE by anyone but the table's owner.
CREATE FUNCTION cdp.audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
        RAISE EXCEPTION 'cdp.audit_log is append-only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cdp.audit_log_append_only() FROM PUBLIC;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON cdp.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.audit_log_append_only();

-- Statement triggers on the tables of personal data: one entry per
-- statement with the number of rows.  (Ingestion's bulk inserts into
-- profiles, identities and edges fire no triggers; they are ingestion's,
-- whose events are the record.)
CREATE FUNCTION cdp.audit_statement() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT count(*) INTO n FROM old_rows;
    ELSE
        SELECT count(*) INTO n FROM new_rows;
    END IF;
    IF n > 0 THEN
        PERFORM cdp.audit(lower(TG_OP), TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, NULL,
                          jsonb_build_object('rows', n));
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cdp.audit_statement() FROM PUBLIC;
CREATE TRIGGER profiles_audit_update AFTER UPDATE ON cdp.profiles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cdp.audit_statement();
CREATE TRIGGER profiles_audit_delete AFTER DELETE ON cdp.profiles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cdp.audit_statement();
CREATE TRIGGER identity_edges_audit_delete AFTER DELETE ON cdp.identity_edges
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cdp.audit_statement();
CREATE TRIGGER unlinked_pairs_audit_insert AFTER INSERT ON cdp.unlinked_pairs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cdp.audit_statement();
CREATE TRIGGER identities_audit_update AFTER UPDATE ON cdp.identities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cdp.audit_statement();

-- Consents are audited one entry per consent, with its profile.
CREATE FUNCTION cdp.audit_consents() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM cdp.audit(CASE WHEN n.derived THEN 'consent resolved' ELSE 'consent' END, 'cdp.consents',
                      n.profile_id,
                      jsonb_build_object('consent_id', n.consent_id, 'purpose', n.purpose,
                                         'granted', n.granted, 'source', n.source))
      FROM new_rows n;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cdp.audit_consents() FROM PUBLIC;
CREATE TRIGGER consents_audit AFTER INSERT ON cdp.consents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cdp.audit_consents();
