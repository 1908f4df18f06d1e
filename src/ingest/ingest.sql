-- Ingestion entry points (C, src/ingest).  They check that the caller was
-- granted the source (cdp.grant_source), then run as their owner so that
-- callers need EXECUTE only, not rights on the tables (source_access.c):
-- SECURITY INVOKER, so that they see who called them.

CREATE FUNCTION cdp.ingest(source text, event jsonb)
RETURNS bigint
LANGUAGE c VOLATILE SECURITY INVOKER
SET search_path = pg_catalog, cdp, pg_temp
AS 'MODULE_PATHNAME', 'cdp_ingest';
COMMENT ON FUNCTION cdp.ingest(text, jsonb) IS
    'ingest one Segment-spec event; returns its event_id, or NULL when its messageId was already ingested or it carries an erased person''s identifier (cdp.suppressions)';
REVOKE ALL ON FUNCTION cdp.ingest(text, jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.ingest_batch(source text, events jsonb, reject_invalid boolean DEFAULT false)
RETURNS integer
LANGUAGE c VOLATILE SECURITY INVOKER
SET search_path = pg_catalog, cdp, pg_temp
AS 'MODULE_PATHNAME', 'cdp_ingest_batch';
COMMENT ON FUNCTION cdp.ingest_batch(text, jsonb, boolean) IS
    'ingest a JSON array (or {"batch": [...]}) of Segment-spec events; returns the number of new events';
REVOKE ALL ON FUNCTION cdp.ingest_batch(text, jsonb, boolean) FROM PUBLIC;
