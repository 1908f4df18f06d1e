-- cdp 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION cdp UPDATE TO '0.2.0'" to load this file. \quit

-- Every C function is bound to the symbol cdp_<SQL name> (the library keeps
-- the 0.1.0 names too, for pg_upgrade and for the time before this update:
-- src/core/legacy.c).
CREATE OR REPLACE FUNCTION cdp.ident(kind text, value text) RETURNS cdp.ident
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_ident';
CREATE OR REPLACE FUNCTION cdp.normalize_email(email text) RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_normalize_email';
CREATE OR REPLACE FUNCTION cdp.normalize_phone(phone text, region text DEFAULT NULL) RETURNS text
    LANGUAGE c STABLE CALLED ON NULL INPUT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_normalize_phone';
CREATE OR REPLACE FUNCTION cdp.normalize_name(name text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_normalize_name';
CREATE OR REPLACE FUNCTION cdp.hash_ident(ident cdp.ident, destination text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'cdp_hash_ident';
CREATE OR REPLACE FUNCTION cdp.levenshtein(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_levenshtein';
CREATE OR REPLACE FUNCTION cdp.levenshtein(a text, b text, max_d integer) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_levenshtein_bounded';
CREATE OR REPLACE FUNCTION cdp.damerau_levenshtein(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_damerau_levenshtein';
CREATE OR REPLACE FUNCTION cdp.osa_distance(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_osa_distance';
CREATE OR REPLACE FUNCTION cdp.jaro(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_jaro';
CREATE OR REPLACE FUNCTION cdp.jaro_winkler(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_jaro_winkler';
CREATE OR REPLACE FUNCTION cdp.soundex(name text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_soundex';
CREATE OR REPLACE FUNCTION cdp.double_metaphone(name text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_double_metaphone';
CREATE OR REPLACE FUNCTION cdp.qgram_similarity(a text, b text, q integer DEFAULT 3)
    RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_qgram_similarity';
CREATE OR REPLACE FUNCTION cdp.token_set_similarity(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_token_set_similarity';
CREATE OR REPLACE FUNCTION cdp.deletion_keys(name text) RETURNS integer[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_deletion_keys';
CREATE OR REPLACE FUNCTION cdp.phonetic_keys(name text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_phonetic_keys';

-- A missing source is named in the error when the name is a source name.
CREATE OR REPLACE FUNCTION cdp.source_id(source text) RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT s.source_id INTO found_id FROM cdp.sources s WHERE s.name = source;
    IF found_id IS NULL AND source ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$' THEN
        RAISE EXCEPTION 'source "%" does not exist', source
            USING ERRCODE = 'undefined_object',
                  HINT = 'Create it with cdp.create_source().';
    ELSIF found_id IS NULL THEN
        RAISE EXCEPTION 'source does not exist'
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'The name given is not a valid source name.',
                  HINT = 'Create it with cdp.create_source().';
    END IF;
    RETURN found_id;
END
$$;

-- cdp.ensure_event_partition is replaced by src/ingest/event_partitions.sql
-- (after this file): exact UTC month bounds whatever the session's
-- TimeZone and DateStyle, no times before 1970, and row security on each
-- new partition.

-- A custom identifier kind in use cannot be deleted.
CREATE OR REPLACE FUNCTION cdp.identifier_kinds_guard() RETURNS trigger
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

-- An identifier path that does not parse or uses variables is refused when
-- mapped (it would fail every event of its source).
ALTER TABLE cdp.identifier_mappings ADD CONSTRAINT identifier_mappings_path_check
        CHECK (pg_catalog.regexp_replace(path::pg_catalog.jsonpath::pg_catalog.text,
                                         '"(\\.|[^"\\])*"', '""', 'g') OPERATOR(pg_catalog.!~~) '%$""%');
CREATE OR REPLACE FUNCTION cdp.map_identifier(source text, kind text, path jsonpath)
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
EXCEPTION WHEN check_violation THEN
    RAISE EXCEPTION 'identifier path must not use variables'
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Mappings are evaluated without variables: write the value into the path.';
END
$$;

-- Trait names and values of any length fit the key of cdp.trait_values.
ALTER TABLE cdp.trait_values
    ADD COLUMN trait_key text NOT NULL GENERATED ALWAYS AS
        (pg_catalog.md5(pg_catalog.length(trait)::pg_catalog.text || ':' || trait || value::pg_catalog.text)) STORED,
    DROP CONSTRAINT trait_values_pkey,
    ADD PRIMARY KEY (identity_id, source_id, trait_key);
COMMENT ON COLUMN cdp.trait_values.trait_key IS 'digest of trait and value, the key within an identity and source';

-- Probabilistic matching (new in 0.2.0): the provenance of links a model
-- makes, then the models, review queue and functions of src/match.
ALTER TABLE cdp.identity_edges ADD COLUMN model_id integer;
ALTER TABLE cdp.identity_edges ADD COLUMN match_weight double precision;
ALTER TABLE cdp.identity_edges ADD COLUMN probability double precision;
COMMENT ON COLUMN cdp.identity_edges.model_id IS
    'rule match: the model (cdp.match_models) whose score made the link';
COMMENT ON COLUMN cdp.identity_edges.match_weight IS 'rule match: the pair''s match weight';
COMMENT ON COLUMN cdp.identity_edges.probability IS 'rule match: the pair''s match probability';

-- A merged profile's alias keeps when the profile was created: the BI
-- history tables (src/console/stats.sql) recount each day's new profiles
-- from the profiles and their aliases.
ALTER TABLE cdp.profile_aliases ADD COLUMN created_at timestamptz;
COMMENT ON COLUMN cdp.profile_aliases.created_at IS
    'when the merged profile was created (NULL: merged before cdp 0.2.0), for cdp.refresh_stats(backfill => true)';

-- Ingest roles are bound to their sources, and a source's alias events
-- join beyond the kinds' limits only when it is trusted
-- (src/ingest/source_grants.sql, after this file, has the table of grants
-- and the functions).  The column is added in three steps, so that it has
-- no "missing value" that a fresh install's has not.
ALTER TABLE cdp.sources ADD COLUMN trusted_aliases boolean;
UPDATE cdp.sources SET trusted_aliases = false;
ALTER TABLE cdp.sources ALTER COLUMN trusted_aliases SET DEFAULT false,
                        ALTER COLUMN trusted_aliases SET NOT NULL;
COMMENT ON COLUMN cdp.sources.trusted_aliases IS
    'its alias events join two identifiers even beyond the kinds'' max_per_profile';
ALTER FUNCTION cdp.ingest(text, jsonb) SECURITY INVOKER;
ALTER FUNCTION cdp.ingest_batch(text, jsonb, boolean) SECURITY INVOKER;

-- The 360 view now shows segments: src/profiles/profile_view.sql creates it
-- again after the segment tables.
DROP FUNCTION cdp.profile(cdp.ident);
DROP FUNCTION cdp.profile(bigint);

-- Consent (src/consent/consent.sql, after this file): each profile's
-- purposes in force, as a bitmask that row security compares with the
-- session's purpose.  Three steps, as for trusted_aliases.
ALTER TABLE cdp.profiles ADD COLUMN consent_mask bigint;
UPDATE cdp.profiles SET consent_mask = 0;
ALTER TABLE cdp.profiles ALTER COLUMN consent_mask SET DEFAULT 0,
                         ALTER COLUMN consent_mask SET NOT NULL;
ALTER TABLE cdp.profiles ADD COLUMN consent_expires_at timestamptz;
COMMENT ON COLUMN cdp.profiles.consent_mask IS
    'the purposes in force, one bit each (cdp.purposes.bit): those every identifier with a say grants';
COMMENT ON COLUMN cdp.profiles.consent_expires_at IS
    'when the first of those grants expires (row security then looks the purpose up)';

-- Per-source retention of events (cdp.set_source_retention and
-- cdp.apply_retention: src/consent/retention.sql, after this file).
ALTER TABLE cdp.sources ADD COLUMN retention interval;
ALTER TABLE cdp.sources ADD CONSTRAINT sources_retention_check
    CHECK (retention OPERATOR(pg_catalog.>) '0'::pg_catalog.interval);
COMMENT ON COLUMN cdp.sources.retention IS
    'how long its events are kept (cdp.apply_retention); NULL: for ever';

-- Events carrying an erased person's identifier are dropped at ingestion
-- (src/consent/erasure.sql).
COMMENT ON FUNCTION cdp.ingest(text, jsonb) IS
    'ingest one Segment-spec event; returns its event_id, or NULL when its messageId was already ingested or it carries an erased person''s identifier (cdp.suppressions)';
