-- Write keys: what an HTTP client (a Segment or RudderStack SDK) presents
-- to send events to a source.  A key is shown once, when made; only its
-- SHA-256 is kept, so a copy of the database does not give away keys.
-- Keys are 244 random bits: a plain hash is enough, no salt or
-- stretching (those guard guessable secrets such as passwords).

-- Secrets given to HTTP clients (write keys, read tokens): prefix and 64
-- hex digits (two random UUIDs' 244 random bits), kept as a SHA-256.
CREATE FUNCTION cdp.new_secret(prefix text) RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT $1 || replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '') $$;
REVOKE ALL ON FUNCTION cdp.new_secret(text) FROM PUBLIC;

CREATE FUNCTION cdp.secret_hash(secret text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$ SELECT sha256(convert_to($1, 'UTF8')) $$;
REVOKE ALL ON FUNCTION cdp.secret_hash(text) FROM PUBLIC;

CREATE SEQUENCE cdp.write_keys_key_id_seq AS integer;

CREATE TABLE cdp.write_keys (
    key_id      integer NOT NULL DEFAULT pg_catalog.nextval('cdp.write_keys_key_id_seq') PRIMARY KEY,
    source_id   integer NOT NULL REFERENCES cdp.sources ON DELETE CASCADE,
    key_hash    bytea NOT NULL UNIQUE,
    key_prefix  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by  name NOT NULL DEFAULT CURRENT_USER,
    revoked_at  timestamptz,
    CONSTRAINT write_keys_key_hash_check CHECK (pg_catalog.length(key_hash) OPERATOR(pg_catalog.=) 32)
);
ALTER SEQUENCE cdp.write_keys_key_id_seq OWNED BY cdp.write_keys.key_id;
CREATE INDEX write_keys_source_id_idx ON cdp.write_keys (source_id);
COMMENT ON TABLE cdp.write_keys IS
    'keys that let HTTP clients send events to a source: the SHA-256 of each, and its first characters to tell them apart';
COMMENT ON COLUMN cdp.write_keys.key_prefix IS 'the first 12 characters of the key, enough to recognise it, too few to use it';
SELECT pg_catalog.pg_extension_config_dump('cdp.write_keys', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.write_keys_key_id_seq', '');

-- A new key for the source ("cdp_" and hex digits).  Returned once; not stored.
CREATE FUNCTION cdp.create_write_key(source text) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    key text := cdp.new_secret('cdp_');
BEGIN
    INSERT INTO cdp.write_keys (source_id, key_hash, key_prefix)
    VALUES (cdp.source_id(source), cdp.secret_hash(key), left(key, 12));
    RETURN key;
END
$$;
COMMENT ON FUNCTION cdp.create_write_key(text) IS
    'makes a write key for the source and returns it (shown this once: only its hash is kept)';
REVOKE ALL ON FUNCTION cdp.create_write_key(text) FROM PUBLIC;

-- Revokes a key, named by the key itself or by its key_id; true when it
-- was in force.
CREATE FUNCTION cdp.revoke_write_key(key_id integer) RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH revoked AS (
        UPDATE cdp.write_keys k SET revoked_at = now()
         WHERE k.key_id = $1 AND k.revoked_at IS NULL
        RETURNING 1)
    SELECT count(*) > 0 FROM revoked
$$;
COMMENT ON FUNCTION cdp.revoke_write_key(integer) IS
    'revokes the write key of cdp.write_keys.key_id (for a key that was lost); true when it was in force';
REVOKE ALL ON FUNCTION cdp.revoke_write_key(integer) FROM PUBLIC;

CREATE FUNCTION cdp.revoke_write_key(key text) RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(bool_or(cdp.revoke_write_key(k.key_id)), false)
      FROM cdp.write_keys k WHERE k.key_hash = cdp.secret_hash($1)
$$;
COMMENT ON FUNCTION cdp.revoke_write_key(text) IS 'revokes the write key given; true when it was in force';
REVOKE ALL ON FUNCTION cdp.revoke_write_key(text) FROM PUBLIC;

-- The source a key in force sends to, or NULL (the HTTP worker's look-up).
CREATE FUNCTION cdp.write_key_source(key text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.name FROM cdp.write_keys k JOIN cdp.sources s ON s.source_id = k.source_id
     WHERE k.key_hash = cdp.secret_hash($1) AND k.revoked_at IS NULL
$$;
COMMENT ON FUNCTION cdp.write_key_source(text) IS 'the source of a write key in force, or NULL';
REVOKE ALL ON FUNCTION cdp.write_key_source(text) FROM PUBLIC;
