-- The web console's sessions (GET /console on the HTTP worker,
-- src/http/http_console.c).  One signs in with a read token
-- (cdp.create_read_token): the console then shows what the token's role
-- may see for its purpose, exactly as the profile API does.  Signing in
-- sets a cookie holding a session secret; the table keeps its SHA-256,
-- and a second secret each form carries against cross-site requests.
-- A session lasts 8 hours and ends with its token.

CREATE TABLE cdp.console_sessions (
    session_hash  bytea PRIMARY KEY,
    token_id      integer NOT NULL REFERENCES cdp.read_tokens ON DELETE CASCADE,
    csrf          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expires_at    timestamptz NOT NULL,
    CONSTRAINT console_sessions_session_hash_check CHECK (pg_catalog.length(session_hash) OPERATOR(pg_catalog.=) 32)
);
CREATE INDEX console_sessions_expires_at_idx ON cdp.console_sessions (expires_at);
COMMENT ON TABLE cdp.console_sessions IS
    'signed-in sessions of the web console: the SHA-256 of each cookie, its read token, its form secret';
-- Sessions are not worth dumping: a restored database signs in again.

-- Signs in with a read token: a new session's cookie secret, or NULL when
-- the token is unknown or revoked.  Expired sessions go on the way.
CREATE FUNCTION cdp.console_sign_in(token text) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    secret text := cdp.new_secret('cdps_');
    id integer;
BEGIN
    DELETE FROM cdp.console_sessions s WHERE s.expires_at <= now();
    SELECT t.token_id INTO id FROM cdp.read_tokens t
     WHERE t.token_hash = cdp.secret_hash($1) AND t.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO cdp.console_sessions (session_hash, token_id, csrf, expires_at)
    VALUES (cdp.secret_hash(secret), id, cdp.new_secret(''), now() + interval '8 hours');
    RETURN secret;
END
$$;
REVOKE ALL ON FUNCTION cdp.console_sign_in(text) FROM PUBLIC;

-- The role, purpose and form secret of a session in force.
CREATE FUNCTION cdp.console_session(secret text, OUT role name, OUT purpose text, OUT csrf text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.role, t.purpose, s.csrf
      FROM cdp.console_sessions s JOIN cdp.read_tokens t USING (token_id)
     WHERE s.session_hash = cdp.secret_hash($1) AND s.expires_at > now() AND t.revoked_at IS NULL
$$;
REVOKE ALL ON FUNCTION cdp.console_session(text) FROM PUBLIC;

-- Signs out: the session ends, when the form secret is its own.
CREATE FUNCTION cdp.console_sign_out(secret text, csrf text) RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM cdp.console_sessions s
         WHERE s.session_hash = cdp.secret_hash($1) AND cdp.secret_hash(s.csrf) = cdp.secret_hash($2)
        RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;
REVOKE ALL ON FUNCTION cdp.console_sign_out(text, text) FROM PUBLIC;
