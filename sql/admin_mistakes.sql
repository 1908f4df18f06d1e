\set SHOW_CONTEXT never
-- What an administrator's mistake must not break: a custom identifier kind
-- deleted while in use, a mapping path that cannot be evaluated, the
-- extension dropped and created again in a session that used it.  In a
-- database of its own (the extension is dropped).
\set regression_db :DBNAME
CREATE DATABASE cdp_admin_mistakes;
\c cdp_admin_mistakes
CREATE EXTENSION cdp;
SELECT cdp.create_source('admin_crm', 'crm') AS crm_id \gset

-- A custom kind in use cannot be deleted: stored identifiers name it by
-- code, and events touching their profiles could no longer be stitched.
INSERT INTO cdp.identifier_kinds (kind, normalizer, description) VALUES ('badge', 'exact', 'staff badge');
INSERT INTO cdp.identifier_kinds (kind, normalizer, description) VALUES ('unused', 'exact', 'never seen');
SELECT cdp.map_identifier('admin_crm', 'badge', '$.traits.badge');
SELECT cdp.ingest('admin_crm', '{"type": "identify", "userId": "u-1", "messageId": "k1",
    "timestamp": "2026-11-02T10:00:00Z", "traits": {"badge": "B1"}}') > 0 AS ingested;
SELECT cdp.unmap_identifier('admin_crm', 'badge', '$.traits.badge');
DELETE FROM cdp.identifier_kinds WHERE kind = 'badge';
DELETE FROM cdp.identifier_kinds WHERE kind = 'unused';
SELECT kind FROM cdp.identifier_kinds WHERE code >= 100 ORDER BY kind;
-- ... and the profile it touches still takes events.
SELECT cdp.ingest('admin_crm', '{"type": "identify", "userId": "u-1", "messageId": "k2",
    "timestamp": "2026-11-02T11:00:00Z", "traits": {"badge": "B2"}}') > 0 AS ingested;
SELECT count(*) AS identities FROM cdp.identities WHERE cdp.ident_kind(ident) = 'badge';

-- A path that names a variable would fail every event of the source: it
-- is refused when mapped, and by the table when inserted directly, as is
-- a path that does not parse.
SELECT cdp.map_identifier('admin_crm', 'email', '$.traits ? (@.email == $x).email');
SELECT cdp.map_identifier('admin_crm', 'badge', '$.traits ? (@.tag == "$\"x").code');
\set VERBOSITY terse
INSERT INTO cdp.identifier_mappings (source_id, kind, path) VALUES (:crm_id, 'email', '$.a ? (@ == $x)');
INSERT INTO cdp.identifier_mappings (source_id, kind, path) VALUES (:crm_id, 'email', '$.a ? (');
\set VERBOSITY default
SELECT kind, path FROM cdp.identifier_mappings ORDER BY kind, path;
-- The string literal that looks like a variable is a fine path.
SELECT cdp.ingest('admin_crm', '{"type": "identify", "userId": "u-2", "messageId": "k3",
    "timestamp": "2026-11-02T12:00:00Z", "traits": {"tag": "$\"x", "code": "B9"}}') > 0 AS ingested;
SELECT ident FROM cdp.identities WHERE cdp.ident_kind(ident) = 'badge' ORDER BY ident;

-- DROP and CREATE EXTENSION in this session, which has stitched before:
-- its kept statements are prepared again for the new types.  (The cdp
-- schema survives the drop: the statements cannot be told by it.)
SELECT oid AS schema_before FROM pg_namespace WHERE nspname = 'cdp' \gset
DROP EXTENSION cdp;
CREATE EXTENSION cdp;
SELECT oid = :schema_before AS same_schema FROM pg_namespace WHERE nspname = 'cdp';
SELECT cdp.create_source('admin_crm', 'crm') > 0 AS created;
SELECT cdp.ingest('admin_crm', '{"type": "identify", "userId": "u-1", "anonymousId": "a-1",
    "messageId": "k1", "timestamp": "2026-11-02T10:00:00Z", "traits": {"name": "Ann"}}') > 0 AS ingested;
SELECT count(*) AS identities, count(DISTINCT profile_id) AS profiles FROM cdp.identities;

\c :regression_db
DROP DATABASE cdp_admin_mistakes;
