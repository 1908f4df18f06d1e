-- Activation: destinations (webhook, audience, table), the segments and
-- events they receive, and what each has been told.  The outbox and the
-- delivery state are in outbox.sql and delivery.sql; the sending in C
-- (src/activation/delivery_worker.c).

CREATE TABLE cdp.destinations (
    destination_id        serial PRIMARY KEY,
    name                  text NOT NULL UNIQUE,
    kind                  text NOT NULL,
    config                jsonb NOT NULL,
    purpose               text NOT NULL REFERENCES cdp.purposes ON UPDATE CASCADE,
    transform             regprocedure,
    owner                 regrole NOT NULL DEFAULT CURRENT_USER::regrole,
    created_at            timestamptz NOT NULL DEFAULT pg_catalog.now(),
    consecutive_failures  integer NOT NULL DEFAULT 0,
    paused_until          timestamptz,
    delivered             bigint NOT NULL DEFAULT 0,
    skipped               bigint NOT NULL DEFAULT 0,
    failed                bigint NOT NULL DEFAULT 0,
    last_status           integer,
    last_error            text,
    last_attempt_at       timestamptz,
    last_delivered_at     timestamptz,
    CONSTRAINT destinations_name_check CHECK (name OPERATOR(pg_catalog.~) '^[A-Za-z][A-Za-z0-9_.-]{0,62}$'),
    CONSTRAINT destinations_kind_check
        CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['webhook', 'audience', 'table']))
);
COMMENT ON TABLE cdp.destinations IS
    'where segment changes and events are delivered, for which purpose, and how delivery goes';
COMMENT ON COLUMN cdp.destinations.config IS
    'the destination''s settings (its secret and headers are kept apart and never shown)';
COMMENT ON COLUMN cdp.destinations.owner IS 'whose rights the transform and a table destination''s inserts run with';
COMMENT ON COLUMN cdp.destinations.consecutive_failures IS 'failed attempts since the last success (the circuit breaker''s count)';
COMMENT ON COLUMN cdp.destinations.paused_until IS 'the circuit breaker: no attempt before this time';
COMMENT ON COLUMN cdp.destinations.skipped IS 'changes not sent: no consent, the person gone, or nothing the platform can match';
COMMENT ON COLUMN cdp.destinations.failed IS 'failed attempts (each retry counts)';
SELECT pg_catalog.pg_extension_config_dump('cdp.destinations', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.destinations_destination_id_seq', '');

-- What a destination's requests carry that must not be shown: the
-- signing secret and the headers (they hold API tokens).  Readable by the
-- extension's owner only.
CREATE TABLE cdp.destination_secrets (
    destination_id  integer PRIMARY KEY REFERENCES cdp.destinations ON DELETE CASCADE,
    secret          bytea,
    headers         jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE cdp.destination_secrets IS
    'the HMAC-SHA256 key of a signed destination and the headers of its requests (never shown again)';
SELECT pg_catalog.pg_extension_config_dump('cdp.destination_secrets', '');

CREATE TABLE cdp.destination_segments (
    destination_id  integer NOT NULL REFERENCES cdp.destinations ON DELETE CASCADE,
    segment_id      integer NOT NULL REFERENCES cdp.segments ON DELETE CASCADE,
    connected_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (destination_id, segment_id)
);
CREATE INDEX destination_segments_segment_id_idx ON cdp.destination_segments (segment_id);
COMMENT ON TABLE cdp.destination_segments IS 'the segments whose entries and exits each destination receives';
SELECT pg_catalog.pg_extension_config_dump('cdp.destination_segments', '');

-- Who each destination has been told is in a connected segment (sent or
-- queued): exits, withdrawals and erasures are sent only for them.
CREATE TABLE cdp.destination_members (
    destination_id  integer NOT NULL,
    segment_id      integer NOT NULL,
    profile_id      bigint NOT NULL,
    PRIMARY KEY (destination_id, segment_id, profile_id),
    FOREIGN KEY (destination_id, segment_id) REFERENCES cdp.destination_segments ON DELETE CASCADE
);
CREATE INDEX destination_members_profile_id_idx ON cdp.destination_members (profile_id);
COMMENT ON TABLE cdp.destination_members IS
    'the members each destination was sent (or will be) as entered and not yet as exited';
SELECT pg_catalog.pg_extension_config_dump('cdp.destination_members', '');

CREATE TABLE cdp.destination_event_filters (
    destination_id  integer PRIMARY KEY REFERENCES cdp.destinations ON DELETE CASCADE,
    filter          jsonb NOT NULL,
    source_ids      integer[],
    types           text[],
    events          text[]
);
COMMENT ON TABLE cdp.destination_event_filters IS
    'the events forwarded to each destination as they are ingested (NULL columns: any)';
SELECT pg_catalog.pg_extension_config_dump('cdp.destination_event_filters', '');
CREATE TRIGGER destination_event_filters_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.destination_event_filters
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE FUNCTION cdp.destination_id(name text) RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id integer;
BEGIN
    SELECT d.destination_id INTO id FROM cdp.destinations d WHERE d.name = destination_id.name;
    IF id IS NULL THEN
        RAISE EXCEPTION 'destination does not exist'
            USING ERRCODE = 'undefined_object', HINT = 'The destinations are listed in cdp.destinations.';
    END IF;
    RETURN id;
END
$$;
REVOKE ALL ON FUNCTION cdp.destination_id(text) FROM PUBLIC;

-- Raises 22023 unless config is right for kind; returns it without the
-- secret and the headers.  Unknown keys are refused, so a misspelt setting is not ignored.
CREATE FUNCTION cdp.check_destination_config(kind text, config jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    allowed  text[] := CASE kind
        WHEN 'webhook' THEN ARRAY['url', 'headers', 'secret', 'batch_size', 'max_attempts', 'timeout', 'traits', 'identifiers']
        WHEN 'audience' THEN ARRAY['url', 'headers', 'secret', 'batch_size', 'max_attempts', 'timeout', 'platform']
        ELSE ARRAY['table', 'batch_size', 'traits', 'identifiers'] END;
    k        text;
    v        jsonb;
BEGIN
    IF jsonb_typeof(config) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'destination config must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(config) LOOP
        IF NOT k = ANY (allowed) THEN
            RAISE EXCEPTION 'destination config has an unknown key for a % destination', kind
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = format('The keys are: %s.', array_to_string(allowed, ', '));
        END IF;
        IF k IN ('batch_size', 'max_attempts', 'timeout')
           AND (jsonb_typeof(v) <> 'number' OR v::numeric <> trunc(v::numeric)
                OR v::numeric NOT BETWEEN 1 AND CASE k WHEN 'batch_size' THEN 10000 WHEN 'max_attempts' THEN 100 ELSE 300 END) THEN
            RAISE EXCEPTION 'destination config "%" is out of range', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'batch_size is 1 to 10000, max_attempts 1 to 100, timeout 1 to 300 seconds.';
        END IF;
        IF k IN ('traits', 'identifiers')
           AND (jsonb_typeof(v) <> 'array'
                OR EXISTS (SELECT 1 FROM jsonb_array_elements(v) e WHERE jsonb_typeof(e) <> 'string')) THEN
            RAISE EXCEPTION 'destination config "%" must be an array of names', k
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF k IN ('secret', 'table', 'platform') AND (jsonb_typeof(v) <> 'string' OR v->>0 = '') THEN
            RAISE EXCEPTION 'destination config "%" must be a non-empty string', k
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF kind IN ('webhook', 'audience') THEN
        IF jsonb_typeof(config->'url') IS DISTINCT FROM 'string'
           OR (config->>'url') !~ '^https?://[^[:space:]/?#@]+(/[^[:space:]]*)?$' THEN
            RAISE EXCEPTION 'destination config "url" must be an http:// or https:// URL'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF config ? 'headers' AND (jsonb_typeof(config->'headers') <> 'object'
            OR EXISTS (SELECT 1 FROM jsonb_each(config->'headers') h
                        WHERE h.key !~ '^[!#$%&''*+.^_`|~0-9A-Za-z-]{1,64}$'
                           OR jsonb_typeof(h.value) <> 'string'
                           OR h.value->>0 ~ '[\r\n\x01-\x08\x0b\x0c\x0e-\x1f\x7f]'
                           OR lower(h.key) IN ('content-length', 'host', 'idempotency-key', 'x-cdp-signature'))) THEN
            RAISE EXCEPTION 'destination config "headers" must map header names to single-line strings'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Content-Length, Host, Idempotency-Key and X-Cdp-Signature are set by cdp.';
        END IF;
    END IF;
    IF kind = 'audience' AND (config->>'platform') IS DISTINCT FROM 'google'
       AND (config->>'platform') IS DISTINCT FROM 'meta' THEN
        RAISE EXCEPTION 'an audience destination needs "platform": "google" or "meta"'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind = 'table' AND NOT config ? 'table' THEN
        RAISE EXCEPTION 'a table destination needs "table": the name of the table to insert into'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN config - 'secret' - 'headers';
END
$$;
REVOKE ALL ON FUNCTION cdp.check_destination_config(text, jsonb) FROM PUBLIC;

-- Raises 42501 unless role may insert into a table destination's table.
CREATE FUNCTION cdp.check_destination_table(config jsonb, role regrole) RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tab regclass := to_regclass(config->>'table');
BEGIN
    IF tab IS NULL THEN
        RAISE EXCEPTION 'the table of a table destination does not exist'
            USING ERRCODE = 'undefined_table', HINT = 'Create it first; name it schema-qualified.';
    END IF;
    IF NOT has_table_privilege(role, tab, 'INSERT') THEN
        RAISE EXCEPTION 'the destination''s owner may not insert into its table'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN tab;
END
$$;
REVOKE ALL ON FUNCTION cdp.check_destination_table(jsonb, regrole) FROM PUBLIC;

CREATE FUNCTION cdp.create_destination(name text, kind text, config jsonb, purpose text,
                                       transform regprocedure DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id      integer;
    fn      pg_proc;
BEGIN
    IF name IS NULL OR kind IS NULL OR config IS NULL OR purpose IS NULL THEN
        RAISE EXCEPTION 'cdp.create_destination: name, kind, config and purpose must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF name !~ '^[A-Za-z][A-Za-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid destination name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A letter, then up to 62 letters, digits, "_", "." or "-".';
    END IF;
    IF kind NOT IN ('webhook', 'audience', 'table') THEN
        RAISE EXCEPTION 'unknown destination kind'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The kinds are webhook, audience and table.';
    END IF;
    PERFORM cdp.require_purpose(purpose);
    IF transform IS NOT NULL THEN
        SELECT * INTO fn FROM pg_proc p WHERE p.oid = transform;
        IF fn.prorettype <> 'jsonb'::regtype OR fn.pronargs <> 1 OR fn.proargtypes[0] <> 'jsonb'::regtype
           OR fn.proretset THEN
            RAISE EXCEPTION 'a destination transform takes jsonb and returns jsonb'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT has_function_privilege(CURRENT_USER, transform, 'EXECUTE') THEN
            RAISE EXCEPTION 'permission denied for the transform function'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF transform IS NOT NULL AND kind = 'audience' THEN
        RAISE EXCEPTION 'an audience destination has no transform: its requests have the platform''s shape'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF kind = 'table' THEN
        PERFORM cdp.check_destination_table(config, CURRENT_USER::regrole);
    END IF;
    INSERT INTO cdp.destinations (name, kind, config, purpose, transform)
    VALUES (name, kind, cdp.check_destination_config(kind, config), purpose, transform)
    RETURNING destination_id INTO id;
    IF config ?| ARRAY['secret', 'headers'] THEN
        INSERT INTO cdp.destination_secrets (destination_id, secret, headers)
        VALUES (id, convert_to(config->>'secret', 'UTF8'), coalesce(config->'headers', '{}'));
    END IF;
    PERFORM cdp.audit('create_destination', name);
    RETURN id;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'destination already exists' USING ERRCODE = 'duplicate_object';
END
$$;
COMMENT ON FUNCTION cdp.create_destination(text, text, jsonb, text, regprocedure) IS
    'adds a destination (webhook, audience or table) delivering for purpose; returns its id';
REVOKE ALL ON FUNCTION cdp.create_destination(text, text, jsonb, text, regprocedure) FROM PUBLIC;

CREATE FUNCTION cdp.drop_destination(name text) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM cdp.destinations d WHERE d.name = drop_destination.name;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM cdp.audit('drop_destination', name);
    RETURN true;
END
$$;
COMMENT ON FUNCTION cdp.drop_destination(text) IS
    'removes a destination and everything still to be delivered to it; false when there was none';
REVOKE ALL ON FUNCTION cdp.drop_destination(text) FROM PUBLIC;

-- Connects a segment: its current members (in consent) are queued as
-- entered, then every change.  Returns how many were queued.
CREATE FUNCTION cdp.connect(destination text, segment text) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d       cdp.destinations;
    seg     integer;
    queued  bigint;
BEGIN
    IF destination IS NULL OR segment IS NULL THEN
        RAISE EXCEPTION 'cdp.connect: destination and segment must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO d FROM cdp.destinations x WHERE x.destination_id = cdp.destination_id(destination) FOR UPDATE;
    SELECT g.segment_id INTO seg FROM cdp.segments g WHERE g.name = segment FOR SHARE;
    IF seg IS NULL THEN
        RAISE EXCEPTION 'segment does not exist' USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO cdp.destination_segments (destination_id, segment_id) VALUES (d.destination_id, seg)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- FOR SHARE above waits for a refresh of the segment and holds the next.
    WITH told AS (
        INSERT INTO cdp.destination_members (destination_id, segment_id, profile_id)
        SELECT d.destination_id, seg, m.profile_id
          FROM cdp.segment_members m
          JOIN cdp.profiles p ON p.profile_id = m.profile_id
         WHERE m.segment_id = seg
           AND cdp.purpose_in_force(p.consent_mask, p.consent_expires_at,
                                    (SELECT u.bit FROM cdp.purposes u WHERE u.purpose = d.purpose))
        RETURNING profile_id)
    INSERT INTO cdp.outbox (destination_id, profile_id, segment_id, change, reason, changed_at)
    SELECT d.destination_id, t.profile_id, seg, 'entered', 'connected', now()
      FROM told t ORDER BY t.profile_id;
    GET DIAGNOSTICS queued = ROW_COUNT;
    PERFORM cdp.audit('connect', destination, NULL, jsonb_build_object('segment', segment));
    PERFORM cdp.announce_delivery(queued);
    RETURN queued;
END
$$;
COMMENT ON FUNCTION cdp.connect(text, text) IS
    'sends the segment''s members and then its entries and exits to the destination; returns the members queued';
REVOKE ALL ON FUNCTION cdp.connect(text, text) FROM PUBLIC;

-- Disconnects a segment: nothing more is sent for it (no removals: the
-- destination keeps what it was told).
CREATE FUNCTION cdp.disconnect(destination text, segment text) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM cdp.destination_segments s
     USING cdp.segments g
     WHERE s.destination_id = cdp.destination_id(destination)
       AND g.segment_id = s.segment_id AND g.name = disconnect.segment;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION cdp.disconnect(text, text) IS
    'stops sending the segment''s changes to the destination; false when it was not connected';
REVOKE ALL ON FUNCTION cdp.disconnect(text, text) FROM PUBLIC;

-- Forwards events as they are ingested: filter {"source", "type",
-- "event"}, each a string or an array of strings (absent: any); NULL
-- stops forwarding.
CREATE FUNCTION cdp.forward_events(destination text, filter jsonb) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d        cdp.destinations;
    k        text;
    sources  integer[];
    names    jsonb;
BEGIN
    IF destination IS NULL THEN
        RAISE EXCEPTION 'cdp.forward_events: destination must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO d FROM cdp.destinations x WHERE x.destination_id = cdp.destination_id(destination);
    IF filter IS NULL THEN
        DELETE FROM cdp.destination_event_filters f WHERE f.destination_id = d.destination_id;
        RETURN FOUND;
    END IF;
    IF d.kind = 'audience' THEN
        RAISE EXCEPTION 'an audience destination receives segment changes, not events'
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF jsonb_typeof(filter) <> 'object' THEN
        RAISE EXCEPTION 'event filter must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k, names IN SELECT * FROM jsonb_each(filter) LOOP
        IF k NOT IN ('source', 'type', 'event') THEN
            RAISE EXCEPTION 'event filter has an unknown key'
                USING ERRCODE = 'invalid_parameter_value', HINT = 'The keys are source, type and event.';
        END IF;
        IF jsonb_typeof(names) = 'string' THEN
            filter := jsonb_set(filter, ARRAY[k], jsonb_build_array(names));
        ELSIF jsonb_typeof(names) <> 'array' OR jsonb_array_length(names) = 0
              OR EXISTS (SELECT 1 FROM jsonb_array_elements(names) e WHERE jsonb_typeof(e) <> 'string') THEN
            RAISE EXCEPTION 'event filter "%" must be a string or a non-empty array of strings', k
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF filter ? 'type' AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(filter->'type') t
                                    WHERE t NOT IN ('identify', 'track', 'page', 'screen', 'group', 'alias')) THEN
        RAISE EXCEPTION 'event filter "type" names an unknown event type' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF filter ? 'source' THEN
        SELECT array_agg(cdp.source_id(s)) INTO sources FROM jsonb_array_elements_text(filter->'source') s;
    END IF;
    INSERT INTO cdp.destination_event_filters (destination_id, filter, source_ids, types, events)
    VALUES (d.destination_id, filter, sources,
            (SELECT array_agg(t) FROM jsonb_array_elements_text(filter->'type') t),
            (SELECT array_agg(e) FROM jsonb_array_elements_text(filter->'event') e))
    ON CONFLICT (destination_id) DO UPDATE
       SET filter = EXCLUDED.filter, source_ids = EXCLUDED.source_ids,
           types = EXCLUDED.types, events = EXCLUDED.events;
    PERFORM cdp.audit('forward_events', destination, NULL, filter);
    RETURN true;
END
$$;
COMMENT ON FUNCTION cdp.forward_events(text, jsonb) IS
    'forwards the events that match filter ({"source", "type", "event"}) to the destination as they are ingested; NULL stops';
REVOKE ALL ON FUNCTION cdp.forward_events(text, jsonb) FROM PUBLIC;

-- Closes a destination's circuit breaker: deliveries resume at once.
CREATE FUNCTION cdp.resume_destination(name text) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id       integer := cdp.destination_id(name);
    resumed  boolean;
BEGIN
    UPDATE cdp.destinations d SET paused_until = NULL, consecutive_failures = 0
     WHERE d.destination_id = id AND d.paused_until IS NOT NULL;
    resumed := FOUND;
    IF resumed THEN
        UPDATE cdp.delivery_batches b SET next_attempt_at = now()
         WHERE b.destination_id = id AND b.state = 'pending';
        PERFORM cdp.announce_delivery();
    END IF;
    RETURN resumed;
END
$$;
COMMENT ON FUNCTION cdp.resume_destination(text) IS
    'ends the pause of a destination that kept failing; false when it was not paused';
REVOKE ALL ON FUNCTION cdp.resume_destination(text) FROM PUBLIC;
