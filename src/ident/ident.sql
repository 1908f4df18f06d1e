-- Identifiers: the cdp.ident type, its kinds, the normalizers and the
-- blocklist (C, src/ident/).

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
-- code and normalizer, the built-in kinds themselves, and kinds in use.
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
        -- Stored identifiers name their kind by code: without the row they
        -- could no longer be printed, compared or stitched.  (This reads
        -- every event; kinds are rarely deleted.)
        IF EXISTS (SELECT FROM cdp.identities i WHERE cdp.ident_kind(i.ident) = OLD.kind)
           OR EXISTS (SELECT FROM cdp.events e, unnest(e.identifiers) AS x(ident)
                       WHERE cdp.ident_kind(x.ident) = OLD.kind) THEN
            RAISE EXCEPTION 'identifier kind "%" is in use', OLD.kind
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = 'Stored events or identities hold identifiers of this kind.';
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
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident';
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
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_normalize_email';
COMMENT ON FUNCTION cdp.normalize_email(text) IS
    'an email address trimmed, NFKC-normalized and case folded; rejects what is not an address';
CREATE FUNCTION cdp.normalize_phone(phone text, region text DEFAULT NULL) RETURNS text
    LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_normalize_phone';
COMMENT ON FUNCTION cdp.normalize_phone(text, text) IS
    'a phone number in E.164; national numbers are read in region (default: cdp.default_region)';
CREATE FUNCTION cdp.normalize_name(name text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_normalize_name';
COMMENT ON FUNCTION cdp.normalize_name(text) IS
    'a person''s name NFKC-normalized, case folded, transliterated to ASCII, punctuation removed, spaces collapsed';

CREATE FUNCTION cdp.hash_ident(ident cdp.ident, destination text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_hash_ident';
COMMENT ON FUNCTION cdp.hash_ident(cdp.ident, text) IS
    'SHA-256 (hex) of the identifier normalized the way an ad platform requires (''google'', ''meta'')';

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
