-- cdp install script, assembled from src/sql/*.sql by the Makefile.
\echo Use "CREATE EXTENSION cdp" to load this file. \quit

COMMENT ON SCHEMA cdp IS 'cdp: customer data platform (events, identities, profiles, segments, consent)';

-- Tells every backend to reload its cached copy of a configuration table
-- (sources, identifier mappings, ...) once the change commits.
CREATE FUNCTION cdp.config_changed() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'cdp_config_changed';
REVOKE ALL ON FUNCTION cdp.config_changed() FROM PUBLIC;

-- Anyone may use the type and the pure functions (identifiers,
-- normalizers, fuzzy matching); tables hold no rights for PUBLIC, and the
-- functions that write or administer are revoked from PUBLIC one by one.
GRANT USAGE ON SCHEMA cdp TO PUBLIC;
-- Identifiers: the cdp.ident type, its kinds and the normalizers (C,
-- src/ident*.c, src/normalize.c, src/phone.c).

-- Identifier kinds.  Codes below 100 belong to the built-in kinds, whose
-- names, codes and normalizers are also compiled into the library; custom
-- kinds take their code from the sequence.
CREATE SEQUENCE cdp.identifier_kinds_code_seq AS smallint
    MINVALUE 100 MAXVALUE 32767 START 100 NO CYCLE;

CREATE TABLE cdp.identifier_kinds (
    kind             text PRIMARY KEY,
    code             smallint NOT NULL UNIQUE
                     DEFAULT pg_catalog.nextval('cdp.identifier_kinds_code_seq'),
    normalizer       text NOT NULL,
    priority         integer NOT NULL DEFAULT 100,
    max_per_profile  integer,
    description      text,
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT identifier_kinds_kind_check
        CHECK (kind OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    CONSTRAINT identifier_kinds_code_check CHECK (code BETWEEN 1 AND 32767),
    CONSTRAINT identifier_kinds_normalizer_check
        CHECK (normalizer OPERATOR(pg_catalog.=) ANY (ARRAY['exact', 'lower', 'email', 'phone', 'name'])),
    CONSTRAINT identifier_kinds_priority_check CHECK (priority BETWEEN 0 AND 1000000),
    CONSTRAINT identifier_kinds_max_per_profile_check CHECK (max_per_profile > 0)
) WITH (user_catalog_table = true);
ALTER SEQUENCE cdp.identifier_kinds_code_seq OWNED BY cdp.identifier_kinds.code;
COMMENT ON TABLE cdp.identifier_kinds IS
    'kinds of identifiers (cdp.ident): how each is normalized, its priority and how many one profile may hold';
COMMENT ON COLUMN cdp.identifier_kinds.code IS
    'the small integer stored in each cdp.ident; fixed once the kind exists';
COMMENT ON COLUMN cdp.identifier_kinds.normalizer IS
    'exact, lower, email, phone or name; fixed once the kind exists';
COMMENT ON COLUMN cdp.identifier_kinds.priority IS
    'higher wins when identity resolution must choose between kinds';
COMMENT ON COLUMN cdp.identifier_kinds.max_per_profile IS
    'most identifiers of this kind one profile may hold; NULL means unlimited';

INSERT INTO cdp.identifier_kinds (kind, code, normalizer, priority, max_per_profile, description) VALUES
    ('user_id',      1, 'exact', 1000, 1,    'the user id of the source system (Segment userId)'),
    ('anonymous_id', 2, 'exact',  100, NULL, 'a device or browser scoped id (Segment anonymousId)'),
    ('email',        3, 'email',  800, NULL, 'an email address'),
    ('phone',        4, 'phone',  600, NULL, 'a phone number, stored in E.164'),
    ('device_id',    5, 'lower',  300, NULL, 'a mobile device or advertising id');

-- Built-in rows are recreated by CREATE EXTENSION: only custom kinds are
-- dumped.
SELECT pg_catalog.pg_extension_config_dump('cdp.identifier_kinds', 'WHERE code >= 100');
SELECT pg_catalog.pg_extension_config_dump('cdp.identifier_kinds_code_seq', '');

-- Keeps what stored identifiers depend on from changing: a kind's name,
-- code and normalizer, and the built-in kinds themselves.
CREATE FUNCTION cdp.identifier_kinds_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'cdp.identifier_kinds cannot be truncated'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'It holds the built-in identifier kinds.';
    ELSIF TG_OP = 'INSERT' THEN
        IF NEW.code < 100 THEN
            RAISE EXCEPTION 'identifier kind codes below 100 are reserved for built-in kinds'
                USING ERRCODE = 'check_violation',
                      HINT = 'Leave code out to take the next free one.';
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.kind IS DISTINCT FROM OLD.kind OR NEW.code IS DISTINCT FROM OLD.code
           OR NEW.normalizer IS DISTINCT FROM OLD.normalizer THEN
            RAISE EXCEPTION 'the name, code and normalizer of identifier kind "%" cannot change', OLD.kind
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'Identifiers of this kind may already be stored in that form.',
                      HINT = 'Create a new kind instead.';
        END IF;
        RETURN NEW;
    ELSE
        IF OLD.code < 100 THEN
            RAISE EXCEPTION 'built-in identifier kind "%" cannot be deleted', OLD.kind
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        RETURN OLD;
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cdp.identifier_kinds_guard() FROM PUBLIC;

CREATE TRIGGER identifier_kinds_guard
    BEFORE INSERT OR UPDATE OR DELETE ON cdp.identifier_kinds
    FOR EACH ROW EXECUTE FUNCTION cdp.identifier_kinds_guard();
CREATE TRIGGER identifier_kinds_guard_truncate
    BEFORE TRUNCATE ON cdp.identifier_kinds
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.identifier_kinds_guard();
CREATE TRIGGER identifier_kinds_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.identifier_kinds
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

-- The type.  Input reads settings and cdp.identifier_kinds, so it is
-- STABLE; output depends only on what cannot change (codes and names).
CREATE TYPE cdp.ident;

CREATE FUNCTION cdp.ident_in(cstring) RETURNS cdp.ident
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_in';
CREATE FUNCTION cdp.ident_out(cdp.ident) RETURNS cstring
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_out';
CREATE FUNCTION cdp.ident_recv(internal) RETURNS cdp.ident
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_recv';
CREATE FUNCTION cdp.ident_send(cdp.ident) RETURNS bytea
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_send';

CREATE TYPE cdp.ident (
    INPUT = cdp.ident_in,
    OUTPUT = cdp.ident_out,
    RECEIVE = cdp.ident_recv,
    SEND = cdp.ident_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE cdp.ident IS
    'a typed, normalized identifier; text form kind:value (email:alice@example.com)';

CREATE FUNCTION cdp.ident(kind text, value text) RETURNS cdp.ident
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_make';
COMMENT ON FUNCTION cdp.ident(text, text) IS 'the identifier of the given kind, value normalized';
CREATE FUNCTION cdp.ident_kind(cdp.ident) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_kind';
COMMENT ON FUNCTION cdp.ident_kind(cdp.ident) IS 'the kind of an identifier';
CREATE FUNCTION cdp.ident_value(cdp.ident) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_value';
COMMENT ON FUNCTION cdp.ident_value(cdp.ident) IS 'the normalized value of an identifier';

CREATE CAST (text AS cdp.ident) WITH INOUT AS ASSIGNMENT;
CREATE CAST (cdp.ident AS text) WITH INOUT AS ASSIGNMENT;

-- Comparison: by kind code, then by the bytes of the normalized value.
CREATE FUNCTION cdp.ident_eq(cdp.ident, cdp.ident) RETURNS boolean
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_eq';
CREATE FUNCTION cdp.ident_ne(cdp.ident, cdp.ident) RETURNS boolean
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_ne';
CREATE FUNCTION cdp.ident_lt(cdp.ident, cdp.ident) RETURNS boolean
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_lt';
CREATE FUNCTION cdp.ident_le(cdp.ident, cdp.ident) RETURNS boolean
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_le';
CREATE FUNCTION cdp.ident_gt(cdp.ident, cdp.ident) RETURNS boolean
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_gt';
CREATE FUNCTION cdp.ident_ge(cdp.ident, cdp.ident) RETURNS boolean
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_ge';
CREATE FUNCTION cdp.ident_cmp(cdp.ident, cdp.ident) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_cmp';
CREATE FUNCTION cdp.ident_sortsupport(internal) RETURNS void
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_sortsupport';
CREATE FUNCTION cdp.ident_hash(cdp.ident) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_hash';
CREATE FUNCTION cdp.ident_hash_extended(cdp.ident, bigint) RETURNS bigint
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF AS 'MODULE_PATHNAME', 'cdp_ident_hash_extended';

CREATE OPERATOR cdp.= (
    LEFTARG = cdp.ident, RIGHTARG = cdp.ident, FUNCTION = cdp.ident_eq,
    COMMUTATOR = OPERATOR(cdp.=), NEGATOR = OPERATOR(cdp.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR cdp.<> (
    LEFTARG = cdp.ident, RIGHTARG = cdp.ident, FUNCTION = cdp.ident_ne,
    COMMUTATOR = OPERATOR(cdp.<>), NEGATOR = OPERATOR(cdp.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR cdp.< (
    LEFTARG = cdp.ident, RIGHTARG = cdp.ident, FUNCTION = cdp.ident_lt,
    COMMUTATOR = OPERATOR(cdp.>), NEGATOR = OPERATOR(cdp.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR cdp.<= (
    LEFTARG = cdp.ident, RIGHTARG = cdp.ident, FUNCTION = cdp.ident_le,
    COMMUTATOR = OPERATOR(cdp.>=), NEGATOR = OPERATOR(cdp.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR cdp.> (
    LEFTARG = cdp.ident, RIGHTARG = cdp.ident, FUNCTION = cdp.ident_gt,
    COMMUTATOR = OPERATOR(cdp.<), NEGATOR = OPERATOR(cdp.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR cdp.>= (
    LEFTARG = cdp.ident, RIGHTARG = cdp.ident, FUNCTION = cdp.ident_ge,
    COMMUTATOR = OPERATOR(cdp.<=), NEGATOR = OPERATOR(cdp.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS cdp.ident_ops DEFAULT FOR TYPE cdp.ident USING btree AS
    OPERATOR 1 cdp.<,
    OPERATOR 2 cdp.<=,
    OPERATOR 3 cdp.=,
    OPERATOR 4 cdp.>=,
    OPERATOR 5 cdp.>,
    FUNCTION 1 cdp.ident_cmp(cdp.ident, cdp.ident),
    FUNCTION 2 cdp.ident_sortsupport(internal),
    FUNCTION 4 pg_catalog.btequalimage(oid);
CREATE OPERATOR CLASS cdp.ident_ops DEFAULT FOR TYPE cdp.ident USING hash AS
    OPERATOR 1 cdp.=,
    FUNCTION 1 cdp.ident_hash(cdp.ident),
    FUNCTION 2 cdp.ident_hash_extended(cdp.ident, bigint);

-- Normalizers, each usable on its own.
CREATE FUNCTION cdp.normalize_email(email text) RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_email_normalize';
COMMENT ON FUNCTION cdp.normalize_email(text) IS
    'an email address trimmed, NFKC-normalized and case folded; rejects what is not an address';
CREATE FUNCTION cdp.normalize_phone(phone text, region text DEFAULT NULL) RETURNS text
    LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_phone_normalize';
COMMENT ON FUNCTION cdp.normalize_phone(text, text) IS
    'a phone number in E.164; national numbers are read in region (default: cdp.default_region)';
CREATE FUNCTION cdp.normalize_name(name text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_name_normalize';
COMMENT ON FUNCTION cdp.normalize_name(text) IS
    'a person''s name NFKC-normalized, case folded, transliterated to ASCII, punctuation removed, spaces collapsed';

CREATE FUNCTION cdp.hash_ident(ident cdp.ident, destination text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident_digest';
COMMENT ON FUNCTION cdp.hash_ident(cdp.ident, text) IS
    'SHA-256 (hex) of the identifier normalized the way an ad platform requires (''google'', ''meta'')';
-- Sources: the systems that send data, and per-source identifier mappings.

CREATE SEQUENCE cdp.sources_source_id_seq AS integer;

CREATE TABLE cdp.sources (
    source_id   integer NOT NULL DEFAULT pg_catalog.nextval('cdp.sources_source_id_seq') PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL DEFAULT 'custom',
    priority    integer NOT NULL DEFAULT 100,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT sources_name_check
        CHECK (name OPERATOR(pg_catalog.~) '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$'),
    CONSTRAINT sources_kind_check
        CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['web', 'mobile', 'server', 'pos', 'crm',
                                'support', 'marketing', 'batch', 'custom'])),
    CONSTRAINT sources_priority_check CHECK (priority BETWEEN 0 AND 1000000)
);
ALTER SEQUENCE cdp.sources_source_id_seq OWNED BY cdp.sources.source_id;
COMMENT ON TABLE cdp.sources IS 'systems that send events and records to cdp';
SELECT pg_catalog.pg_extension_config_dump('cdp.sources', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.sources_source_id_seq', '');

CREATE TABLE cdp.identifier_mappings (
    source_id   integer NOT NULL REFERENCES cdp.sources ON DELETE CASCADE,
    kind        text NOT NULL REFERENCES cdp.identifier_kinds,
    path        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (source_id, kind, path)
);
COMMENT ON TABLE cdp.identifier_mappings IS
    'extra identifiers taken from each event of a source: jsonpath (canonical text) to identifier kind';
SELECT pg_catalog.pg_extension_config_dump('cdp.identifier_mappings', '');

CREATE TRIGGER sources_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.sources
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();
CREATE TRIGGER identifier_mappings_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.identifier_mappings
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE FUNCTION cdp.create_source(name text, kind text DEFAULT 'custom', priority integer DEFAULT 100)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id integer;
BEGIN
    IF name IS NULL OR name !~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid source name'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A source name is 1 to 63 letters, digits, "_", ".", ":" or "-", starting with a letter or a digit.';
    END IF;
    IF kind IS NULL OR kind <> ALL (ARRAY['web', 'mobile', 'server', 'pos', 'crm',
                                          'support', 'marketing', 'batch', 'custom']) THEN
        RAISE EXCEPTION 'invalid source kind'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of web, mobile, server, pos, crm, support, marketing, batch, custom.';
    END IF;
    IF priority IS NULL OR priority NOT BETWEEN 0 AND 1000000 THEN
        RAISE EXCEPTION 'source priority must be between 0 and 1000000'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO cdp.sources (name, kind, priority)
        VALUES (create_source.name, create_source.kind, create_source.priority)
        RETURNING source_id INTO new_id;
    RETURN new_id;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'source "%" already exists', create_source.name
        USING ERRCODE = 'duplicate_object';
END
$$;
REVOKE ALL ON FUNCTION cdp.create_source(text, text, integer) FROM PUBLIC;

-- Returns the id of a source, or raises 42704 when there is none.
CREATE FUNCTION cdp.source_id(source text) RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT s.source_id INTO found_id FROM cdp.sources s WHERE s.name = source;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'source does not exist'
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create it with cdp.create_source().';
    END IF;
    RETURN found_id;
END
$$;
REVOKE ALL ON FUNCTION cdp.source_id(text) FROM PUBLIC;

CREATE FUNCTION cdp.map_identifier(source text, kind text, path jsonpath)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM cdp.identifier_kinds k WHERE k.kind = map_identifier.kind) THEN
        RAISE EXCEPTION 'identifier kind does not exist'
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add the kind to cdp.identifier_kinds first.';
    END IF;
    IF path IS NULL THEN
        RAISE EXCEPTION 'identifier path must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO cdp.identifier_mappings (source_id, kind, path)
        VALUES (cdp.source_id(source), kind, path::text)
        ON CONFLICT DO NOTHING;
END
$$;
REVOKE ALL ON FUNCTION cdp.map_identifier(text, text, jsonpath) FROM PUBLIC;

CREATE FUNCTION cdp.unmap_identifier(source text, kind text, path jsonpath)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM cdp.identifier_mappings m
         WHERE m.source_id = cdp.source_id(source)
           AND m.kind = unmap_identifier.kind
           AND m.path = unmap_identifier.path::text
        RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;
REVOKE ALL ON FUNCTION cdp.unmap_identifier(text, text, jsonpath) FROM PUBLIC;
-- Events: every event kept whole, range-partitioned by month of occurrence.

CREATE SEQUENCE cdp.events_event_id_seq AS bigint CACHE 100;
SELECT pg_catalog.pg_extension_config_dump('cdp.events_event_id_seq', '');

CREATE TABLE cdp.events (
    event_id      bigint NOT NULL,
    source_id     integer NOT NULL,
    type          text NOT NULL,
    event         text,
    message_id    text NOT NULL,
    user_id       text,
    anonymous_id  text,
    identifiers   cdp.ident[] NOT NULL,
    anchor        cdp.ident,
    occurred_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    payload       jsonb NOT NULL,
    PRIMARY KEY (event_id, occurred_at),
    CONSTRAINT events_type_check
        CHECK (type OPERATOR(pg_catalog.=) ANY (ARRAY['identify', 'track', 'page', 'screen', 'group', 'alias']))
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE cdp.events IS
    'raw events (Segment spec), one monthly partition per month of occurred_at, created on demand';
COMMENT ON COLUMN cdp.events.event IS 'track: the event name; page and screen: the name';
COMMENT ON COLUMN cdp.events.identifiers IS 'every identifier the event carries, normalized';
COMMENT ON COLUMN cdp.events.anchor IS
    'whose event it is: its userId, else its anonymousId (NULL when both are blocked); the profile of the event is the profile of this identifier';
COMMENT ON COLUMN cdp.events.occurred_at IS 'when it happened: timestamp, or originalTimestamp corrected for clock skew';
COMMENT ON COLUMN cdp.events.received_at IS 'when cdp received it';
-- Events are looked up by whose they are, never by a range of anchors: a
-- hash index costs less to keep up at ingestion than a btree.
CREATE INDEX events_anchor_idx ON cdp.events USING hash (anchor);
SELECT pg_catalog.pg_extension_config_dump('cdp.events', '');

-- One row per (source, messageId) ever ingested: the idempotency key.  Kept
-- apart from cdp.events because a unique index on a partitioned table must
-- contain the partition key, and a replay may carry another timestamp.  The
-- key is a 128-bit digest of the messageId: fixed width, so the index stays
-- small and fast whatever the clients send.
CREATE TABLE cdp.ingested_messages (
    source_id    integer NOT NULL,
    message_key  uuid NOT NULL,
    event_id     bigint NOT NULL,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (source_id, message_key)
);
COMMENT ON TABLE cdp.ingested_messages IS
    'messageIds already ingested, per source, as cdp.message_key(messageId) (deduplication)';

CREATE FUNCTION cdp.message_key(message_id text) RETURNS uuid
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_message_key';
COMMENT ON FUNCTION cdp.message_key(text) IS
    'the deduplication key of a messageId: the first 128 bits of its SHA-256';
SELECT pg_catalog.pg_extension_config_dump('cdp.ingested_messages', '');

CREATE SEQUENCE cdp.rejected_events_rejected_id_seq AS bigint;
CREATE TABLE cdp.rejected_events (
    rejected_id    bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.rejected_events_rejected_id_seq') PRIMARY KEY,
    source_id      integer NOT NULL,
    batch_index    integer NOT NULL,
    sqlstate       text NOT NULL,
    reason         text NOT NULL,
    payload        jsonb,
    payload_bytes  integer NOT NULL,
    rejected_at    timestamptz NOT NULL DEFAULT pg_catalog.now()
);
ALTER SEQUENCE cdp.rejected_events_rejected_id_seq OWNED BY cdp.rejected_events.rejected_id;
COMMENT ON TABLE cdp.rejected_events IS
    'events that cdp.ingest_batch(..., reject_invalid => true) refused, with the reason; payload is NULL when over cdp.max_event_bytes';
SELECT pg_catalog.pg_extension_config_dump('cdp.rejected_events', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.rejected_events_rejected_id_seq', '');

-- Creates the partition of cdp.events for the month (UTC) holding "at",
-- unless it exists.  LIKE + ATTACH takes only SHARE UPDATE EXCLUSIVE on
-- cdp.events, so ingestion and queries go on while a month is added; the
-- same lock, held to the end of the transaction, serializes two sessions
-- adding a month.
CREATE FUNCTION cdp.ensure_event_partition(at timestamptz)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    month_start timestamp := date_trunc('month', at AT TIME ZONE 'UTC');
    part_name   text := 'events_' || to_char(month_start, 'YYYY_MM');
    part        regclass;
BEGIN
    IF at IS NULL OR isfinite(at) IS NOT TRUE THEN
        RAISE EXCEPTION 'partition time must be finite' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    part := to_regclass('cdp.' || quote_ident(part_name));
    IF part IS NOT NULL THEN
        RETURN part;
    END IF;
    -- Taking the lock also reads the catalog changes committed meanwhile,
    -- so the second look sees a partition another session just added.
    LOCK TABLE cdp.events IN SHARE UPDATE EXCLUSIVE MODE;
    part := to_regclass('cdp.' || quote_ident(part_name));
    IF part IS NOT NULL THEN
        RETURN part;
    END IF;
    EXECUTE format('CREATE TABLE cdp.%I (LIKE cdp.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS'
                   ' INCLUDING STORAGE INCLUDING COMPRESSION)', part_name);
    EXECUTE format('ALTER TABLE cdp.events ATTACH PARTITION cdp.%I FOR VALUES FROM (%L) TO (%L)',
                   part_name, month_start AT TIME ZONE 'UTC',
                   (month_start + interval '1 month') AT TIME ZONE 'UTC');
    RETURN ('cdp.' || quote_ident(part_name))::regclass;
END
$$;
REVOKE ALL ON FUNCTION cdp.ensure_event_partition(timestamptz) FROM PUBLIC;
-- Ingestion entry points (C, src/ingest.c).  They run as the extension
-- owner so that callers need EXECUTE only, not rights on the tables.

CREATE FUNCTION cdp.ingest(source text, event jsonb)
RETURNS bigint
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS 'MODULE_PATHNAME', 'cdp_ingest';
COMMENT ON FUNCTION cdp.ingest(text, jsonb) IS
    'ingest one Segment-spec event; returns its event_id, or NULL when its messageId was already ingested';
REVOKE ALL ON FUNCTION cdp.ingest(text, jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.ingest_batch(source text, events jsonb, reject_invalid boolean DEFAULT false)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS 'MODULE_PATHNAME', 'cdp_ingest_batch';
COMMENT ON FUNCTION cdp.ingest_batch(text, jsonb, boolean) IS
    'ingest a JSON array (or {"batch": [...]}) of Segment-spec events; returns the number of new events';
REVOKE ALL ON FUNCTION cdp.ingest_batch(text, jsonb, boolean) FROM PUBLIC;
-- The identity graph: identities (one row per identifier ever seen), the
-- edges that join them (with provenance), the profiles they make up, and
-- the guards against over-merging.  Written by src/stitch.c (inline, at
-- ingestion), src/resplit.c (unlink, quarantine) and src/restitch.c.

CREATE SEQUENCE cdp.profiles_profile_id_seq AS bigint;
CREATE TABLE cdp.profiles (
    profile_id   bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.profiles_profile_id_seq') PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    region       text,
    traits       jsonb NOT NULL DEFAULT '{}',
    computed     jsonb NOT NULL DEFAULT '{}'
);
ALTER SEQUENCE cdp.profiles_profile_id_seq OWNED BY cdp.profiles.profile_id;
COMMENT ON TABLE cdp.profiles IS
    'one row per person: the golden record (traits resolved by cdp.trait_rules) and computed traits';
COMMENT ON COLUMN cdp.profiles.traits IS 'the golden record: each trait resolved by its rule in cdp.trait_rules';
COMMENT ON COLUMN cdp.profiles.region IS 'where the person''s data belongs (for region-bound access)';
SELECT pg_catalog.pg_extension_config_dump('cdp.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.profiles_profile_id_seq', '');

CREATE SEQUENCE cdp.identities_identity_id_seq AS bigint;
CREATE TABLE cdp.identities (
    identity_id     bigint NOT NULL PRIMARY KEY,
    ident           cdp.ident NOT NULL UNIQUE,
    profile_id      bigint NOT NULL,
    first_seen      timestamptz NOT NULL,
    first_event_id  bigint,
    source_id       integer,
    quarantined     boolean NOT NULL DEFAULT false
);
ALTER SEQUENCE cdp.identities_identity_id_seq OWNED BY cdp.identities.identity_id;
CREATE INDEX identities_profile_id_idx ON cdp.identities (profile_id);
COMMENT ON TABLE cdp.identities IS
    'every identifier ever seen and the profile it belongs to now';
COMMENT ON COLUMN cdp.identities.quarantined IS
    'cut out of the graph by cdp.quarantine(): joins nothing, stays a profile of its own';
SELECT pg_catalog.pg_extension_config_dump('cdp.identities', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.identities_identity_id_seq', '');

-- One edge per pair of identities, a_id < b_id, keeping the first evidence
-- that joined them.
CREATE TABLE cdp.identity_edges (
    a_id        bigint NOT NULL,
    b_id        bigint NOT NULL,
    rule        text NOT NULL,
    reason      text,
    event_id    bigint,
    source_id   integer,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (a_id, b_id),
    CONSTRAINT identity_edges_order_check CHECK (a_id < b_id),
    CONSTRAINT identity_edges_rule_check
        CHECK (rule OPERATOR(pg_catalog.=) ANY (ARRAY['event', 'alias', 'manual', 'match']))
);
CREATE INDEX identity_edges_b_id_idx ON cdp.identity_edges (b_id);
COMMENT ON TABLE cdp.identity_edges IS
    'links between identities, with why: rule (event, alias, manual, match), reason, event, source';
SELECT pg_catalog.pg_extension_config_dump('cdp.identity_edges', '');

-- Pairs cut by cdp.unlink(): no later evidence joins them directly again.
CREATE TABLE cdp.unlinked_pairs (
    a_id         bigint NOT NULL,
    b_id         bigint NOT NULL,
    reason       text,
    unlinked_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    unlinked_by  name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (a_id, b_id),
    CONSTRAINT unlinked_pairs_order_check CHECK (a_id < b_id)
);
COMMENT ON TABLE cdp.unlinked_pairs IS 'pairs of identities that cdp.unlink() separated for good';
SELECT pg_catalog.pg_extension_config_dump('cdp.unlinked_pairs', '');

CREATE TABLE cdp.profile_aliases (
    old_id      bigint NOT NULL PRIMARY KEY,
    profile_id  bigint NOT NULL,
    merged_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX profile_aliases_profile_id_idx ON cdp.profile_aliases (profile_id);
COMMENT ON TABLE cdp.profile_aliases IS
    'profile ids that merged into another profile, and the profile each resolves to now';
SELECT pg_catalog.pg_extension_config_dump('cdp.profile_aliases', '');

CREATE SEQUENCE cdp.merge_log_entry_id_seq AS bigint;
CREATE TABLE cdp.merge_log (
    entry_id     bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.merge_log_entry_id_seq') PRIMARY KEY,
    logged_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    action       text NOT NULL,
    profile_id   bigint,
    other_id     bigint,
    a_id         bigint,
    b_id         bigint,
    event_id     bigint,
    source_id    integer,
    reason       text,
    CONSTRAINT merge_log_action_check
        CHECK (action OPERATOR(pg_catalog.=) ANY (ARRAY['merge', 'split', 'refuse', 'unlink', 'quarantine', 'restitch']))
);
ALTER SEQUENCE cdp.merge_log_entry_id_seq OWNED BY cdp.merge_log.entry_id;
CREATE INDEX merge_log_profile_id_idx ON cdp.merge_log (profile_id);
COMMENT ON TABLE cdp.merge_log IS
    'every change to the graph that moved identities between profiles, and every refused link, with why';
COMMENT ON COLUMN cdp.merge_log.other_id IS
    'merge: the profile absorbed into profile_id; split: a profile split off from it';
COMMENT ON COLUMN cdp.merge_log.a_id IS 'refuse, unlink, quarantine: the identities concerned (cdp.identities)';
SELECT pg_catalog.pg_extension_config_dump('cdp.merge_log', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.merge_log_entry_id_seq', '');

-- Identifiers that are never taken from events: placeholders and junk that
-- would join strangers.  kind NULL applies to every kind; exact values
-- compare with the normalized value case-insensitively, patterns are
-- case-insensitive regular expressions.
CREATE SEQUENCE cdp.blocked_identifiers_block_id_seq AS integer;
CREATE TABLE cdp.blocked_identifiers (
    block_id    integer NOT NULL DEFAULT pg_catalog.nextval('cdp.blocked_identifiers_block_id_seq') PRIMARY KEY,
    kind        text REFERENCES cdp.identifier_kinds ON DELETE CASCADE,
    value       text,
    pattern     text,
    reason      text,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT blocked_identifiers_one_check CHECK ((value IS NULL) <> (pattern IS NULL)),
    CONSTRAINT blocked_identifiers_pattern_check CHECK (pattern IS NULL OR '' OPERATOR(pg_catalog.~*) pattern IS NOT NULL)
);
ALTER SEQUENCE cdp.blocked_identifiers_block_id_seq OWNED BY cdp.blocked_identifiers.block_id;
CREATE UNIQUE INDEX blocked_identifiers_value_idx
    ON cdp.blocked_identifiers (COALESCE(kind, ''), pg_catalog.lower(value)) WHERE value IS NOT NULL;
COMMENT ON TABLE cdp.blocked_identifiers IS
    'identifier values (exact, case-insensitive) and patterns (regular expressions) never taken from events';
INSERT INTO cdp.blocked_identifiers (kind, value, reason) VALUES
    (NULL, 'null', 'placeholder'), (NULL, 'nil', 'placeholder'), (NULL, 'none', 'placeholder'),
    (NULL, 'undefined', 'placeholder'), (NULL, 'unknown', 'placeholder'),
    (NULL, 'anonymous', 'placeholder'), (NULL, 'guest', 'placeholder'), (NULL, 'n/a', 'placeholder'),
    (NULL, '[object object]', 'serialization bug'), (NULL, '-1', 'placeholder'),
    (NULL, 'test', 'test value'),
    ('email', 'test@test.com', 'test address'), ('email', 'test@example.com', 'test address'),
    ('email', 'email@example.com', 'test address'), ('email', 'example@example.com', 'test address'),
    ('email', 'none@none.com', 'placeholder'), ('email', 'no@email.com', 'placeholder'),
    ('email', 'noemail@noemail.com', 'placeholder'), ('email', 'a@a.com', 'placeholder'),
    ('email', 'x@x.com', 'placeholder');
INSERT INTO cdp.blocked_identifiers (kind, pattern, reason) VALUES
    (NULL, '^[0-]+$', 'zeros: 0, 0000000000, the zeroed advertising id'),
    ('email', '^(no-?reply|do-?not-?reply)@', 'not a person'),
    ('phone', '^\+?(\d)\1{6,}$', 'one digit repeated');
SELECT pg_catalog.pg_extension_config_dump('cdp.blocked_identifiers', 'WHERE block_id > 23');
SELECT pg_catalog.pg_extension_config_dump('cdp.blocked_identifiers_block_id_seq', '');
CREATE TRIGGER blocked_identifiers_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.blocked_identifiers
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

-- Trait values observed per identity (identify calls), the raw material of
-- the golden record.
CREATE TABLE cdp.trait_values (
    identity_id  bigint NOT NULL,
    trait        text NOT NULL,
    value        jsonb NOT NULL,
    source_id    integer NOT NULL,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    times        integer NOT NULL,
    PRIMARY KEY (identity_id, trait, source_id, value)
);
COMMENT ON TABLE cdp.trait_values IS
    'each trait value seen for an identity, per source: first and last time, how often';
SELECT pg_catalog.pg_extension_config_dump('cdp.trait_values', '');

CREATE TABLE cdp.trait_rules (
    trait  text NOT NULL PRIMARY KEY,
    rule   text NOT NULL,
    CONSTRAINT trait_rules_rule_check
        CHECK (rule OPERATOR(pg_catalog.=) ANY (ARRAY['latest', 'source_priority', 'most_frequent', 'first', 'max', 'min']))
);
COMMENT ON TABLE cdp.trait_rules IS
    'how each trait of the golden record is chosen among the values seen; traits without a rule take the latest';
SELECT pg_catalog.pg_extension_config_dump('cdp.trait_rules', '');

-- Events stored while cdp.inline_stitching was off, waiting for
-- cdp.stitch_pending().
CREATE TABLE cdp.stitch_queue (
    event_id     bigint NOT NULL PRIMARY KEY,
    occurred_at  timestamptz NOT NULL
);
COMMENT ON TABLE cdp.stitch_queue IS 'events not stitched yet (ingested with cdp.inline_stitching off)';
SELECT pg_catalog.pg_extension_config_dump('cdp.stitch_queue', '');
-- Profiles: the golden record, the 360 view, and the identity functions
-- (C, src/identity_api.c).

-- Recomputes the golden record (traits) of the given profiles: per trait,
-- the value its rule in cdp.trait_rules picks among the values seen for
-- any identity of the profile ('latest' when the trait has no rule).
CREATE FUNCTION cdp.refresh_profiles(profile_ids bigint[]) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH observed AS (
        SELECT i.profile_id, t.trait, t.value,
               max(t.last_seen) AS last_seen, min(t.first_seen) AS first_seen,
               sum(t.times) AS times, min(s.priority) AS best_priority
          FROM cdp.identities i
          JOIN cdp.trait_values t ON t.identity_id = i.identity_id
          JOIN cdp.sources s ON s.source_id = t.source_id
         WHERE i.profile_id = ANY (profile_ids)
         GROUP BY i.profile_id, t.trait, t.value
    ), ranked AS (
        SELECT o.profile_id, o.trait, o.value,
               row_number() OVER (PARTITION BY o.profile_id, o.trait ORDER BY
                   CASE WHEN r.rule = 'source_priority' THEN o.best_priority END ASC NULLS LAST,
                   CASE WHEN r.rule = 'most_frequent' THEN o.times END DESC NULLS LAST,
                   CASE WHEN r.rule = 'max' THEN o.value END DESC NULLS LAST,
                   CASE WHEN r.rule = 'min' THEN o.value END ASC NULLS LAST,
                   CASE WHEN r.rule = 'first' THEN o.first_seen END ASC NULLS LAST,
                   o.last_seen DESC, o.value) AS pick
          FROM observed o
          LEFT JOIN cdp.trait_rules r ON r.trait = o.trait
    ), golden AS (
        SELECT profile_id, jsonb_object_agg(trait, value) AS traits
          FROM ranked WHERE pick = 1 GROUP BY profile_id
    )
    UPDATE cdp.profiles p
       SET traits = coalesce(g.traits, '{}'), updated_at = now()
      FROM unnest(profile_ids) AS ids(profile_id)
      LEFT JOIN golden g ON g.profile_id = ids.profile_id
     WHERE p.profile_id = ids.profile_id
$$;
REVOKE ALL ON FUNCTION cdp.refresh_profiles(bigint[]) FROM PUBLIC;

CREATE TRIGGER trait_rules_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.trait_rules
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

-- The profile an old (merged) profile id stands for now.
CREATE FUNCTION cdp.current_profile_id(profile_id bigint) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT a.profile_id FROM cdp.profile_aliases a WHERE a.old_id = $1),
                    (SELECT p.profile_id FROM cdp.profiles p WHERE p.profile_id = $1))
$$;
COMMENT ON FUNCTION cdp.current_profile_id(bigint) IS
    'the profile id a (possibly merged) profile id resolves to now; NULL if unknown';

CREATE FUNCTION cdp.resolve(ident cdp.ident) RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT i.profile_id FROM cdp.identities i WHERE i.ident OPERATOR(cdp.=) $1
$$;
COMMENT ON FUNCTION cdp.resolve(cdp.ident) IS 'the profile an identifier belongs to now; NULL if unknown';

-- Events with the profile they belong to now: the profile of the event's
-- own identifier (its userId, else its anonymousId).
CREATE VIEW cdp.profile_events AS
SELECT i.profile_id, e.*
  FROM cdp.events e
  JOIN cdp.identities i ON i.ident OPERATOR(cdp.=) e.anchor;
COMMENT ON VIEW cdp.profile_events IS 'cdp.events with the profile each belongs to now';

-- The 360 view of one profile.
CREATE FUNCTION cdp.profile(profile_id bigint) RETURNS jsonb
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'profile_id', p.profile_id,
        'created_at', p.created_at,
        'updated_at', p.updated_at,
        'region', p.region,
        'traits', p.traits,
        'computed', p.computed,
        'merged_ids', coalesce((SELECT jsonb_agg(a.old_id ORDER BY a.old_id)
                                  FROM cdp.profile_aliases a WHERE a.profile_id = p.profile_id), '[]'),
        'identities', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                       'ident', i.ident::text, 'kind', cdp.ident_kind(i.ident),
                                       'first_seen', i.first_seen, 'source', s.name,
                                       'quarantined', i.quarantined) ORDER BY i.identity_id)
                                  FROM cdp.identities i
                                  LEFT JOIN cdp.sources s ON s.source_id = i.source_id
                                 WHERE i.profile_id = p.profile_id), '[]'),
        'event_count', (SELECT count(*) FROM cdp.profile_events e WHERE e.profile_id = p.profile_id),
        'recent_events', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                          'event_id', r.event_id, 'source', r.source, 'type', r.type,
                                          'event', r.event, 'occurred_at', r.occurred_at)
                                          ORDER BY r.occurred_at DESC, r.event_id DESC)
                                     FROM (SELECT e.event_id, s.name AS source, e.type, e.event, e.occurred_at
                                             FROM cdp.profile_events e
                                             JOIN cdp.sources s ON s.source_id = e.source_id
                                            WHERE e.profile_id = p.profile_id
                                            ORDER BY e.occurred_at DESC, e.event_id DESC
                                            LIMIT 20) r), '[]'))
      FROM cdp.profiles p
     WHERE p.profile_id = cdp.current_profile_id($1)
$$;
COMMENT ON FUNCTION cdp.profile(bigint) IS
    'the 360 view of a profile (an old merged id resolves): traits, identities, recent events';

CREATE FUNCTION cdp.profile(ident cdp.ident) RETURNS jsonb
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cdp.profile(cdp.resolve($1))
$$;
COMMENT ON FUNCTION cdp.profile(cdp.ident) IS 'the 360 view of the profile an identifier belongs to';

-- Identifiers linked to suspiciously many others: shared devices,
-- placeholders that slipped past cdp.blocked_identifiers.
CREATE VIEW cdp.identity_suspects AS
WITH degree AS (
    SELECT id, count(*) AS links
      FROM (SELECT a_id AS id FROM cdp.identity_edges
            UNION ALL
            SELECT b_id FROM cdp.identity_edges) e
     GROUP BY id
)
SELECT i.ident, cdp.ident_kind(i.ident) AS kind, i.profile_id, d.links,
       (SELECT count(*) FROM cdp.identities j WHERE j.profile_id = i.profile_id) AS profile_identities
  FROM degree d
  JOIN cdp.identities i ON i.identity_id = d.id
 WHERE d.links >= pg_catalog.current_setting('cdp.suspect_links')::integer
 ORDER BY d.links DESC, i.identity_id;
COMMENT ON VIEW cdp.identity_suspects IS
    'identifiers linked to at least cdp.suspect_links others: candidates for cdp.quarantine()';

CREATE FUNCTION cdp.link(a cdp.ident, b cdp.ident, reason text) RETURNS bigint
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_link';
COMMENT ON FUNCTION cdp.link(cdp.ident, cdp.ident, text) IS
    'joins two identifiers (and so their profiles) by hand; returns the profile id';
REVOKE ALL ON FUNCTION cdp.link(cdp.ident, cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.unlink(a cdp.ident, b cdp.ident, reason text DEFAULT NULL) RETURNS bigint[]
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_unlink';
COMMENT ON FUNCTION cdp.unlink(cdp.ident, cdp.ident, text) IS
    'cuts the link between two identifiers for good and splits their profile if it falls apart';
REVOKE ALL ON FUNCTION cdp.unlink(cdp.ident, cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.quarantine(ident cdp.ident, reason text DEFAULT NULL) RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_quarantine';
COMMENT ON FUNCTION cdp.quarantine(cdp.ident, text) IS
    'cuts an identifier out of the graph and splits the profiles it had joined';
REVOKE ALL ON FUNCTION cdp.quarantine(cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.why_linked(a cdp.ident, b cdp.ident)
RETURNS TABLE (step integer, from_ident cdp.ident, to_ident cdp.ident, edge_kind text,
               reason text, event_id bigint)
    LANGUAGE c STABLE STRICT
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_why_linked';
COMMENT ON FUNCTION cdp.why_linked(cdp.ident, cdp.ident) IS
    'the shortest chain of links between two identifiers of one profile, with the evidence of each';

CREATE FUNCTION cdp.restitch() RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_restitch';
COMMENT ON FUNCTION cdp.restitch() IS
    'rebuilds every profile from the links, keeping the ids of profiles that did not change';
REVOKE ALL ON FUNCTION cdp.restitch() FROM PUBLIC;

CREATE FUNCTION cdp.stitch_pending(max_events integer DEFAULT 100000) RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_stitch_pending';
COMMENT ON FUNCTION cdp.stitch_pending(integer) IS
    'stitches events ingested while cdp.inline_stitching was off, oldest first';
REVOKE ALL ON FUNCTION cdp.stitch_pending(integer) FROM PUBLIC;
-- Fuzzy string matching: edit distances, Jaro(-Winkler), phonetic codes,
-- q-gram and token set similarity, and blocking keys for indexed candidate
-- search.  All count Unicode code points; all are pure functions that
-- anyone may run.

CREATE FUNCTION cdp.levenshtein(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_levenshtein_compare';
COMMENT ON FUNCTION cdp.levenshtein(text, text) IS
    'Levenshtein distance in code points (insertions, deletions, substitutions)';

CREATE FUNCTION cdp.levenshtein(a text, b text, max_d integer) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_levenshtein_compare_bounded';
COMMENT ON FUNCTION cdp.levenshtein(text, text, integer) IS
    'Levenshtein distance when at most max_d, else max_d + 1 (stops early)';

CREATE FUNCTION cdp.damerau_levenshtein(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_damerau_compare';
COMMENT ON FUNCTION cdp.damerau_levenshtein(text, text) IS
    'true Damerau-Levenshtein distance: edits plus transpositions of adjacent characters, substrings may be edited again';

CREATE FUNCTION cdp.osa_distance(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_osa_compare';
COMMENT ON FUNCTION cdp.osa_distance(text, text) IS
    'optimal string alignment distance: edits plus adjacent transpositions, no substring edited twice';

CREATE FUNCTION cdp.jaro(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_jaro_compare';
COMMENT ON FUNCTION cdp.jaro(text, text) IS
    'Jaro similarity, 0 to 1';

CREATE FUNCTION cdp.jaro_winkler(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_jaro_winkler_compare';
COMMENT ON FUNCTION cdp.jaro_winkler(text, text) IS
    'Jaro-Winkler similarity, 0 to 1 (prefix scale 0.1, prefix up to 4, boost above 0.7)';

CREATE FUNCTION cdp.soundex(name text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_soundex_encode';
COMMENT ON FUNCTION cdp.soundex(text) IS
    'American Soundex code (H/W rule), non-ASCII letters transliterated first';

CREATE FUNCTION cdp.double_metaphone(name text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_dmetaphone_encode';
COMMENT ON FUNCTION cdp.double_metaphone(text) IS
    'Double Metaphone codes {primary, alternate}, non-ASCII letters transliterated first';

CREATE FUNCTION cdp.qgram_similarity(a text, b text, q integer DEFAULT 3)
    RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_qgram_compare';
COMMENT ON FUNCTION cdp.qgram_similarity(text, text, integer) IS
    'Jaccard index of the bags of q-grams, padded with q - 1 marks at both ends';

CREATE FUNCTION cdp.token_set_similarity(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_token_set_compare';
COMMENT ON FUNCTION cdp.token_set_similarity(text, text) IS
    'similarity of the sets of white-space separated tokens (rapidfuzz token_set_ratio / 100)';

-- Blocking keys: index them to find candidates without a full scan.

CREATE FUNCTION cdp.deletion_keys(name text) RETURNS integer[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_deletion_keys_make';
COMMENT ON FUNCTION cdp.deletion_keys(text) IS
    'hashtext() of each word, of each word one character shorter, and of the words run together: strings within one typo share a key (GIN-index it, search with &&)';

CREATE FUNCTION cdp.phonetic_keys(name text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_phonetic_keys_make';
COMMENT ON FUNCTION cdp.phonetic_keys(text) IS
    'distinct Double Metaphone codes of every word (GIN-index it, search with &&)';
