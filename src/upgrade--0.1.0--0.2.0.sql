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

-- Probabilistic matching (new in 0.2.0): the provenance of links a model
-- makes, then the models, review queue and functions of src/match.
ALTER TABLE cdp.identity_edges ADD COLUMN model_id integer;
ALTER TABLE cdp.identity_edges ADD COLUMN match_weight double precision;
ALTER TABLE cdp.identity_edges ADD COLUMN probability double precision;
COMMENT ON COLUMN cdp.identity_edges.model_id IS
    'rule match: the model (cdp.match_models) whose score made the link';
COMMENT ON COLUMN cdp.identity_edges.match_weight IS 'rule match: the pair''s match weight';
COMMENT ON COLUMN cdp.identity_edges.probability IS 'rule match: the pair''s match probability';
