-- Read tokens: what an application presents to read profiles over HTTP
-- (GET /v1/profiles/...).  A token stands for a database role and a
-- declared purpose, so row security and consent apply to its reads exactly
-- as to that role's SQL with SET cdp.purpose.  Like write keys, shown once
-- and kept as a SHA-256.

CREATE SEQUENCE cdp.read_tokens_token_id_seq AS integer;

CREATE TABLE cdp.read_tokens (
    token_id     integer NOT NULL DEFAULT pg_catalog.nextval('cdp.read_tokens_token_id_seq') PRIMARY KEY,
    role         name NOT NULL,
    purpose      text NOT NULL REFERENCES cdp.purposes ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    token_prefix text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by   name NOT NULL DEFAULT CURRENT_USER,
    revoked_at   timestamptz,
    CONSTRAINT read_tokens_token_hash_check CHECK (pg_catalog.length(token_hash) OPERATOR(pg_catalog.=) 32)
);
ALTER SEQUENCE cdp.read_tokens_token_id_seq OWNED BY cdp.read_tokens.token_id;
COMMENT ON TABLE cdp.read_tokens IS
    'tokens that let HTTP clients read profiles as a role, for a purpose: the SHA-256 of each';
SELECT pg_catalog.pg_extension_config_dump('cdp.read_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.read_tokens_token_id_seq', '');

-- A new token reading as role for purpose.  The role must be subject to
-- row security (not a superuser, not BYPASSRLS): a token must not see
-- more than the purpose allows.
CREATE FUNCTION cdp.create_read_token(role text, purpose text) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    token text := cdp.new_secret('cdpr_');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = $1) THEN
        RAISE EXCEPTION 'role does not exist' USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = $1 AND (r.rolsuper OR r.rolbypassrls)) THEN
        RAISE EXCEPTION 'a read token''s role must be subject to row security'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Use a role without SUPERUSER and BYPASSRLS, granted the purpose.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM cdp.purposes p WHERE p.purpose = $2) THEN
        RAISE EXCEPTION 'purpose does not exist' USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO cdp.read_tokens (role, purpose, token_hash, token_prefix)
    VALUES ($1, $2, cdp.secret_hash(token), left(token, 13));
    RETURN token;
END
$$;
COMMENT ON FUNCTION cdp.create_read_token(text, text) IS
    'makes a token reading profiles over HTTP as role for purpose, and returns it (shown this once)';
REVOKE ALL ON FUNCTION cdp.create_read_token(text, text) FROM PUBLIC;

CREATE FUNCTION cdp.revoke_read_token(token text) RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH revoked AS (
        UPDATE cdp.read_tokens t SET revoked_at = now()
         WHERE t.token_hash = cdp.secret_hash($1) AND t.revoked_at IS NULL
        RETURNING 1)
    SELECT count(*) > 0 FROM revoked
$$;
COMMENT ON FUNCTION cdp.revoke_read_token(text) IS 'revokes the read token given; true when it was in force';
REVOKE ALL ON FUNCTION cdp.revoke_read_token(text) FROM PUBLIC;

-- The role and purpose of a token in force (the HTTP worker's look-up).
CREATE FUNCTION cdp.read_token_grant(token text, OUT role name, OUT purpose text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.role, t.purpose FROM cdp.read_tokens t
     WHERE t.token_hash = cdp.secret_hash($1) AND t.revoked_at IS NULL
$$;
REVOKE ALL ON FUNCTION cdp.read_token_grant(text) FROM PUBLIC;
