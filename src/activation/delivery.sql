-- Delivery: the requests the delivery worker sends (a batch of outbox
-- rows each), their retries, the dead letters, and each destination's
-- status.  The worker (src/activation/delivery_worker.c) calls
-- cdp.delivery_claim() for requests to send and cdp.delivery_finish()
-- with their outcomes, each in a short transaction of its own; the
-- sending happens between them, outside any transaction.

CREATE TABLE cdp.delivery_batches (
    batch_id         bigserial PRIMARY KEY,
    destination_id   integer NOT NULL REFERENCES cdp.destinations ON DELETE CASCADE,
    method           text NOT NULL,
    body             text NOT NULL,
    items            integer NOT NULL,
    idempotency_key  uuid NOT NULL,
    state            text NOT NULL DEFAULT 'pending',
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT delivery_batches_state_check
        CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['pending', 'in_flight']))
);
CREATE INDEX delivery_batches_destination_id_idx ON cdp.delivery_batches (destination_id, batch_id);
ALTER TABLE cdp.delivery_batches SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
COMMENT ON TABLE cdp.delivery_batches IS
    'requests formed and not yet confirmed: sent again unchanged (same body, same Idempotency-Key) until they are';
SELECT pg_catalog.pg_extension_config_dump('cdp.delivery_batches', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.delivery_batches_batch_id_seq', '');

CREATE TABLE cdp.dead_letters (
    delivery_id      bigint PRIMARY KEY,
    destination_id   integer NOT NULL REFERENCES cdp.destinations ON DELETE CASCADE,
    profile_id       bigint,
    segment_id       integer,
    change           text,
    reason           text NOT NULL,
    changed_at       timestamptz NOT NULL,
    event_id         bigint,
    occurred_at      timestamptz,
    removal          jsonb,
    idempotency_key  uuid NOT NULL,
    created_at       timestamptz NOT NULL,
    attempts         integer NOT NULL,
    last_status      integer,
    last_error       text NOT NULL,
    failed_at        timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX dead_letters_destination_id_idx ON cdp.dead_letters (destination_id, delivery_id);
CREATE INDEX dead_letters_profile_id_idx ON cdp.dead_letters (profile_id);
COMMENT ON TABLE cdp.dead_letters IS
    'deliveries given up: refused by the destination (4xx but 408 and 429) or failed max_attempts times; cdp.redeliver() sends them again';
COMMENT ON COLUMN cdp.dead_letters.last_status IS 'the HTTP status of the last attempt (NULL: no answer)';
SELECT pg_catalog.pg_extension_config_dump('cdp.dead_letters', '');

-- One outbox row as the destination receives it, or NULL when it is not to
-- be sent: an entry or event of someone not in consent to the purpose (or
-- gone), or, for an audience, someone with nothing the platform matches.
-- p is the row's profile now (NULL when gone), ev the event's payload,
-- purpose_bit the bit of the destination's purpose.
CREATE FUNCTION cdp.delivery_item(d cdp.destinations, purpose_bit smallint, o cdp.outbox, p cdp.profiles, ev jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    consents  boolean := p.profile_id IS NOT NULL
                         AND cdp.purpose_in_force(p.consent_mask, p.consent_expires_at, purpose_bit);
    item      jsonb;
    ids       jsonb;
BEGIN
    IF o.event_id IS NOT NULL THEN
        IF NOT consents OR ev IS NULL THEN
            RETURN NULL;
        END IF;
        RETURN jsonb_build_object('type', 'event', 'idempotency_key', o.idempotency_key,
                                  'profile_id', p.profile_id, 'event', ev);
    END IF;
    IF o.change = 'entered' AND NOT consents THEN
        RETURN NULL;
    END IF;
    IF d.kind = 'audience' THEN
        ids := coalesce(o.removal, CASE WHEN p.profile_id IS NOT NULL
                                        THEN cdp.audience_identifiers(d.config->>'platform', p.profile_id) END);
        RETURN CASE WHEN ids IS NOT NULL THEN jsonb_build_object('change', o.change, 'identifiers', ids) END;
    END IF;
    item := jsonb_build_object('type', 'audience', 'idempotency_key', o.idempotency_key,
                               'profile_id', o.profile_id,
                               'segment', (SELECT g.name FROM cdp.segments g WHERE g.segment_id = o.segment_id),
                               'change', o.change, 'reason', o.reason, 'changed_at', o.changed_at);
    IF o.reason = 'forgotten' OR p.profile_id IS NULL THEN
        RETURN item;
    END IF;
    SELECT coalesce(jsonb_agg(i.ident::text ORDER BY i.identity_id), '[]') INTO ids
      FROM cdp.identities i
     WHERE i.profile_id = p.profile_id AND NOT i.quarantined
       AND (NOT d.config ? 'identifiers' OR d.config->'identifiers' ? cdp.ident_kind(i.ident));
    item := item || jsonb_build_object('identifiers', ids);
    IF consents THEN
        item := item || jsonb_build_object('traits',
            CASE WHEN d.config ? 'traits'
                 THEN (SELECT coalesce(jsonb_object_agg(t.key, t.value), '{}')
                         FROM jsonb_each(p.traits || p.computed) t WHERE d.config->'traits' ? t.key)
                 ELSE p.traits || p.computed END);
    END IF;
    RETURN item;
END
$$;
REVOKE ALL ON FUNCTION cdp.delivery_item(cdp.destinations, smallint, cdp.outbox, cdp.profiles, jsonb) FROM PUBLIC;

-- Runs a destination's transform on an item as its owner (C: the owner's
-- rights, in a security-restricted operation).
CREATE FUNCTION cdp.apply_transform(transform regprocedure, owner regrole, item jsonb) RETURNS jsonb
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'cdp_apply_transform';
REVOKE ALL ON FUNCTION cdp.apply_transform(regprocedure, regrole, jsonb) FROM PUBLIC;

-- Inserts items into a table as its owner: each item's keys fill the
-- columns of the same names (jsonb_populate_recordset).
CREATE FUNCTION cdp.insert_as(owner regrole, tab regclass, items jsonb) RETURNS bigint
    LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'cdp_insert_as';
REVOKE ALL ON FUNCTION cdp.insert_as(regrole, regclass, jsonb) FROM PUBLIC;

-- The body of an audience request: Google Customer Match's
-- OfflineUserDataJobs:addOperations, or Meta Custom Audiences' /users
-- (adds POSTed, removals DELETEd, so a batch holds one kind).
CREATE FUNCTION cdp.audience_body(platform text, items jsonb) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    SELECT CASE platform
        WHEN 'google' THEN jsonb_build_object(
            'operations', (SELECT jsonb_agg(jsonb_build_object(
                               CASE i->>'change' WHEN 'entered' THEN 'create' ELSE 'remove' END,
                               jsonb_build_object('userIdentifiers',
                                   (SELECT coalesce(jsonb_agg(x.id), '[]')
                                      FROM (SELECT jsonb_build_object('hashedEmail', h) AS id
                                              FROM jsonb_array_elements(i->'identifiers'->'email') h
                                            UNION ALL
                                            SELECT jsonb_build_object('hashedPhoneNumber', h)
                                              FROM jsonb_array_elements(i->'identifiers'->'phone') h) x)))
                               ORDER BY n)
                             FROM jsonb_array_elements(items) WITH ORDINALITY AS a(i, n)),
            'enablePartialFailure', true)
        ELSE jsonb_build_object('payload', jsonb_build_object(
            'schema', jsonb_build_array('EMAIL_SHA256', 'PHONE_SHA256'),
            'data', (SELECT jsonb_agg(jsonb_build_array(coalesce(i->'identifiers'->'email'->>0, ''),
                                                        coalesce(i->'identifiers'->'phone'->>0, ''))
                                      ORDER BY n)
                       FROM jsonb_array_elements(items) WITH ORDINALITY AS a(i, n))))
    END::text
$$;
REVOKE ALL ON FUNCTION cdp.audience_body(text, jsonb) FROM PUBLIC;

-- Takes the destination's next rows in order (up to batch_size) and forms
-- its next request; returns the batch, or NULL when there is nothing to
-- send.  A table destination is written here and now: it returns a batch
-- without batch_id whose items are the rows written.  Rows not to be sent
-- are dropped (counted as skipped); a forwarded event whose person
-- stitching has not found yet ends the batch (order is kept).
CREATE FUNCTION cdp.form_batch(d cdp.destinations) RETURNS cdp.delivery_batches
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    size      integer := coalesce((d.config->>'batch_size')::integer, 100);
    purpose_bit smallint := (SELECT u.bit FROM cdp.purposes u WHERE u.purpose = d.purpose);
    ids       bigint[];
    pids      bigint[];
    items     jsonb[];
    changes   text[];
    item      jsonb;
    sent      jsonb;
    sent_ids  bigint[];
    dead      bigint[] := '{}';
    dead_why  text;
    dropped   bigint[] := '{}';
    sent_pids bigint[];
    b         cdp.delivery_batches;
BEGIN
    LOOP
        WITH taken AS MATERIALIZED (
            SELECT o FROM cdp.outbox o
             WHERE o.destination_id = d.destination_id AND o.batch_id IS NULL
             ORDER BY o.delivery_id LIMIT size FOR UPDATE),
        resolved AS (
            SELECT (t.o).delivery_id AS delivery_id, t.o, e.payload,
                   coalesce((t.o).profile_id, i.profile_id) AS owner_id,
                   bool_or((t.o).event_id IS NOT NULL AND i.profile_id IS NULL
                           AND EXISTS (SELECT 1 FROM cdp.stitch_queue q WHERE q.event_id = (t.o).event_id))
                       OVER (ORDER BY (t.o).delivery_id) AS after_waiting
              FROM taken t
              LEFT JOIN cdp.events e ON e.event_id = (t.o).event_id AND e.occurred_at = (t.o).occurred_at
              LEFT JOIN cdp.identities i ON i.ident = e.anchor)
        SELECT array_agg(r.delivery_id ORDER BY r.delivery_id), array_agg(p.profile_id ORDER BY r.delivery_id),
               array_agg(cdp.delivery_item(d, purpose_bit, r.o, p, r.payload) ORDER BY r.delivery_id),
               array_agg((r.o).change ORDER BY r.delivery_id)
          INTO ids, pids, items, changes
          FROM resolved r LEFT JOIN cdp.profiles p ON p.profile_id = r.owner_id
         WHERE NOT r.after_waiting;
        IF ids IS NULL THEN
            EXIT;
        END IF;
        sent := '[]';
        sent_ids := '{}';
        sent_pids := '{}';
        FOR n IN 1 .. cardinality(ids) LOOP
            -- A Meta request carries adds or removals, not both.
            EXIT WHEN d.config->>'platform' = 'meta' AND changes[n] IS DISTINCT FROM changes[1];
            item := items[n];
            IF item IS NOT NULL AND d.transform IS NOT NULL THEN
                BEGIN
                    item := cdp.apply_transform(d.transform, d.owner, item);
                EXCEPTION WHEN OTHERS THEN
                    dead := dead || ids[n];
                    dead_why := 'the transform failed (SQLSTATE ' || SQLSTATE || ')';
                    CONTINUE;
                END;
            END IF;
            IF item IS NULL OR jsonb_typeof(item) = 'null' THEN
                dropped := dropped || ids[n];
                CONTINUE;
            END IF;
            sent := sent || jsonb_build_array(item);
            sent_ids := sent_ids || ids[n];
            sent_pids := sent_pids || pids[n];
        END LOOP;
        DELETE FROM cdp.outbox o WHERE o.delivery_id = ANY (dropped);
        EXIT WHEN cardinality(sent_ids) > 0 OR cardinality(dead) > 0;
    END LOOP;
    IF cardinality(dead) > 0 THEN
        PERFORM cdp.dead_letter(dead, 0, NULL, dead_why);
    END IF;
    IF cardinality(dropped) > 0 THEN
        UPDATE cdp.destinations x SET skipped = x.skipped + cardinality(dropped)
         WHERE x.destination_id = d.destination_id;
    END IF;
    IF coalesce(cardinality(sent_ids), 0) = 0 THEN
        RETURN NULL;
    END IF;
    IF d.kind = 'table' THEN
        PERFORM cdp.insert_as(d.owner, cdp.check_destination_table(d.config, d.owner), sent);
        DELETE FROM cdp.outbox o WHERE o.delivery_id = ANY (sent_ids);
        UPDATE cdp.destinations x
           SET delivered = x.delivered + cardinality(sent_ids), consecutive_failures = 0, paused_until = NULL,
               last_status = NULL, last_error = NULL, last_attempt_at = now(), last_delivered_at = now()
         WHERE x.destination_id = d.destination_id;
        b.destination_id := d.destination_id;
        b.items := cardinality(sent_ids);
        RETURN b;               -- no batch_id: delivered already
    END IF;
    INSERT INTO cdp.delivery_batches (destination_id, method, body, items, idempotency_key)
    VALUES (d.destination_id,
            CASE WHEN d.config->>'platform' = 'meta' AND changes[1] = 'exited' THEN 'DELETE' ELSE 'POST' END,
            CASE WHEN d.kind = 'audience' THEN cdp.audience_body(d.config->>'platform', sent)
                 ELSE jsonb_build_object('batch', sent)::text END,
            cardinality(sent_ids),
            CASE WHEN cardinality(sent_ids) = 1
                 THEN (SELECT o.idempotency_key FROM cdp.outbox o WHERE o.delivery_id = sent_ids[1])
                 ELSE gen_random_uuid() END)
    RETURNING * INTO b;
    -- A forwarded event's person, found now, stays with it.
    UPDATE cdp.outbox o SET batch_id = b.batch_id, profile_id = coalesce(o.profile_id, s.profile_id)
      FROM unnest(sent_ids, sent_pids) AS s(delivery_id, profile_id)
     WHERE o.delivery_id = s.delivery_id;
    RETURN b;
END
$$;
REVOKE ALL ON FUNCTION cdp.form_batch(cdp.destinations) FROM PUBLIC;

-- Moves outbox rows to the dead letters.
CREATE FUNCTION cdp.dead_letter(delivery_ids bigint[], attempts integer, status integer, error text)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    WITH gone AS (DELETE FROM cdp.outbox o WHERE o.delivery_id = ANY (delivery_ids) RETURNING o.*)
    INSERT INTO cdp.dead_letters (delivery_id, destination_id, profile_id, segment_id, change, reason,
                                  changed_at, event_id, occurred_at, removal, idempotency_key, created_at,
                                  attempts, last_status, last_error)
    SELECT g.delivery_id, g.destination_id, g.profile_id, g.segment_id, g.change, g.reason,
           g.changed_at, g.event_id, g.occurred_at, g.removal, g.idempotency_key, g.created_at,
           dead_letter.attempts, dead_letter.status, dead_letter.error
      FROM gone g
$$;
REVOKE ALL ON FUNCTION cdp.dead_letter(bigint[], integer, integer, text) FROM PUBLIC;

-- The requests to send now, one per destination at most: a batch due for
-- another attempt, else a new one (a row without batch_id: a table
-- destination's rows were written).  busy: destinations with a request in
-- flight; recover: after a restart, requests that were in flight are
-- sent again.  The secret is returned for the worker to sign with.
CREATE FUNCTION cdp.delivery_claim(busy integer[], recover boolean)
RETURNS TABLE (batch_id bigint, destination_id integer, method text, url text, headers text[],
               body text, idempotency_key uuid, secret bytea, timeout_ms integer)
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    d  cdp.destinations;
    b  cdp.delivery_batches;
BEGIN
    IF recover THEN
        UPDATE cdp.delivery_batches x SET state = 'pending' WHERE x.state = 'in_flight';
    END IF;
    FOR d IN SELECT * FROM cdp.destinations x
              WHERE NOT x.destination_id = ANY (busy) AND (x.paused_until IS NULL OR x.paused_until <= now())
              ORDER BY x.destination_id LOOP
        SELECT * INTO b FROM cdp.delivery_batches x
         WHERE x.destination_id = d.destination_id ORDER BY x.batch_id LIMIT 1 FOR UPDATE;
        IF FOUND AND b.next_attempt_at > now() THEN
            CONTINUE;
        ELSIF NOT FOUND THEN
            BEGIN
                b := cdp.form_batch(d);
            EXCEPTION WHEN OTHERS THEN
                -- A table destination's insert failed: the rows stay, the
                -- destination backs off like a failed request.
                PERFORM cdp.delivery_failed(d.destination_id, NULL,
                    CASE d.kind WHEN 'table' THEN 'the insert into the table failed' ELSE 'forming a request failed' END
                    || ' (SQLSTATE ' || SQLSTATE || ')', true);
                CONTINUE;
            END;
            CONTINUE WHEN b.items IS NULL;
            IF b.batch_id IS NULL THEN
                batch_id := NULL;
                destination_id := d.destination_id;
                method := NULL; url := NULL; headers := NULL; body := NULL;
                idempotency_key := NULL; secret := NULL; timeout_ms := NULL;
                RETURN NEXT;    -- a table destination, written already
                CONTINUE;
            END IF;
        END IF;
        UPDATE cdp.delivery_batches x SET state = 'in_flight', attempts = x.attempts + 1
         WHERE x.batch_id = b.batch_id;
        batch_id := b.batch_id;
        destination_id := d.destination_id;
        method := b.method;
        url := d.config->>'url';
        SELECT s.secret, ARRAY(SELECT h.key || ': ' || h.value FROM jsonb_each_text(s.headers) h ORDER BY h.key)
          INTO secret, headers
          FROM cdp.destination_secrets s WHERE s.destination_id = d.destination_id;
        IF NOT FOUND THEN
            secret := NULL;
            headers := '{}';
        END IF;
        body := b.body;
        idempotency_key := b.idempotency_key;
        timeout_ms := coalesce((d.config->>'timeout')::integer, 10) * 1000;
        RETURN NEXT;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION cdp.delivery_claim(integer[], boolean) FROM PUBLIC;

-- The wait before attempt number attempts + 1: exponential from
-- cdp.delivery_retry_delay up to cdp.delivery_max_retry_delay, with
-- jitter (half to all of it), so that retries of many do not come at once.
CREATE FUNCTION cdp.delivery_backoff(attempts integer) RETURNS interval
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    SELECT least(current_setting('cdp.delivery_max_retry_delay')::interval,
                 current_setting('cdp.delivery_retry_delay')::interval * 2 ^ least(greatest(attempts, 1) - 1, 30))
           * (0.5 + random() / 2)
$$;
REVOKE ALL ON FUNCTION cdp.delivery_backoff(integer) FROM PUBLIC;

-- Records a failed attempt on the destination.  The destination is
-- paused: for the backoff when the failure was its own (a table's insert,
-- a transform setup; pause), and for cdp.delivery_circuit_pause once it
-- failed cdp.delivery_circuit_failures times in a row (the circuit breaker).
CREATE FUNCTION cdp.delivery_failed(destination_id integer, status integer, error text, pause boolean)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    UPDATE cdp.destinations x
       SET failed = x.failed + 1, consecutive_failures = x.consecutive_failures + 1,
           last_status = status, last_error = error, last_attempt_at = now(),
           paused_until = CASE
               WHEN x.consecutive_failures + 1 >= current_setting('cdp.delivery_circuit_failures')::integer
               THEN now() + current_setting('cdp.delivery_circuit_pause')::interval
               WHEN pause THEN now() + cdp.delivery_backoff(x.consecutive_failures + 1) END
     WHERE x.destination_id = delivery_failed.destination_id
$$;
REVOKE ALL ON FUNCTION cdp.delivery_failed(integer, integer, text, boolean) FROM PUBLIC;

-- The outcomes of requests: status the HTTP status (0: no answer, error
-- then says why), retry_after the seconds the destination asked to wait
-- (-1: it did not).  2xx: delivered.  Other 4xx but 408 and 429:
-- refused, dead letters at once.  Otherwise tried again after an
-- exponential backoff with jitter (at least Retry-After), until
-- max_attempts, then dead letters.
CREATE FUNCTION cdp.delivery_finish(batch_ids bigint[], statuses integer[], errors text[], retry_after integer[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    b          cdp.delivery_batches;
    d          cdp.destinations;
    status     integer;
    err        text;
BEGIN
    FOR n IN 1 .. coalesce(cardinality(batch_ids), 0) LOOP
        SELECT * INTO b FROM cdp.delivery_batches x WHERE x.batch_id = batch_ids[n] FOR UPDATE;
        CONTINUE WHEN NOT FOUND;        -- dropped meanwhile (its destination, an erasure)
        SELECT * INTO d FROM cdp.destinations x WHERE x.destination_id = b.destination_id;
        status := statuses[n];
        IF status BETWEEN 200 AND 299 THEN
            DELETE FROM cdp.outbox o WHERE o.batch_id = b.batch_id;
            DELETE FROM cdp.delivery_batches x WHERE x.batch_id = b.batch_id;
            UPDATE cdp.destinations x
               SET delivered = x.delivered + b.items, consecutive_failures = 0, paused_until = NULL,
                   last_status = status, last_attempt_at = now(), last_delivered_at = now()
             WHERE x.destination_id = b.destination_id;
            CONTINUE;
        END IF;
        err := CASE WHEN status = 0 THEN coalesce(errors[n], 'no answer') ELSE 'HTTP ' || status END;
        PERFORM cdp.delivery_failed(b.destination_id, nullif(status, 0), err, false);
        IF (status BETWEEN 300 AND 499 AND status NOT IN (408, 429))
           OR b.attempts >= coalesce((d.config->>'max_attempts')::integer, 10) THEN
            PERFORM cdp.dead_letter(ARRAY(SELECT o.delivery_id FROM cdp.outbox o WHERE o.batch_id = b.batch_id),
                                    b.attempts, nullif(status, 0), err);
            DELETE FROM cdp.delivery_batches x WHERE x.batch_id = b.batch_id;
        ELSE
            UPDATE cdp.delivery_batches x
               SET state = 'pending',
                   next_attempt_at = now() + greatest(cdp.delivery_backoff(b.attempts),
                                                      least(retry_after[n], 86400) * interval '1 s')
             WHERE x.batch_id = b.batch_id;
        END IF;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION cdp.delivery_finish(bigint[], integer[], text[], integer[]) FROM PUBLIC;

-- When the worker next has something to send, given the destinations
-- busy with a request: now when a destination has rows not yet in a
-- batch, else the earliest retry or end of a pause; NULL when nothing.
CREATE FUNCTION cdp.delivery_next_due(busy integer[]) RETURNS timestamptz
LANGUAGE sql STABLE
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    SELECT min(greatest(w.due, coalesce(w.paused_until, '-infinity')))
      FROM (SELECT d.paused_until,
                   coalesce((SELECT min(b.next_attempt_at) FROM cdp.delivery_batches b
                              WHERE b.destination_id = d.destination_id AND b.state = 'pending'),
                            CASE WHEN EXISTS (SELECT 1 FROM cdp.outbox o
                                               WHERE o.destination_id = d.destination_id AND o.batch_id IS NULL)
                                 THEN now() END) AS due
              FROM cdp.destinations d
             WHERE NOT d.destination_id = ANY (busy)) w
     WHERE w.due IS NOT NULL
$$;
REVOKE ALL ON FUNCTION cdp.delivery_next_due(integer[]) FROM PUBLIC;

-- Sends dead letters again (all of the destination's, or those of
-- delivery_ids), with their idempotency keys; returns how many.
CREATE FUNCTION cdp.redeliver(destination text, delivery_ids bigint[] DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    id     integer := cdp.destination_id(destination);
    moved  bigint;
BEGIN
    WITH back AS (
        DELETE FROM cdp.dead_letters x
         WHERE x.destination_id = id
           AND (delivery_ids IS NULL OR x.delivery_id = ANY (delivery_ids))
        RETURNING x.*)
    INSERT INTO cdp.outbox (delivery_id, destination_id, profile_id, segment_id, change, reason, changed_at,
                            event_id, occurred_at, removal, idempotency_key, created_at)
    SELECT k.delivery_id, k.destination_id, k.profile_id, k.segment_id, k.change, k.reason, k.changed_at,
           k.event_id, k.occurred_at, k.removal, k.idempotency_key, k.created_at
      FROM back k ORDER BY k.delivery_id;
    GET DIAGNOSTICS moved = ROW_COUNT;
    IF moved > 0 THEN
        UPDATE cdp.destinations x SET paused_until = NULL, consecutive_failures = 0
         WHERE x.destination_id = id;
        PERFORM cdp.audit('redeliver', destination, NULL, jsonb_build_object('deliveries', moved));
        PERFORM cdp.announce_delivery();
    END IF;
    RETURN moved;
END
$$;
COMMENT ON FUNCTION cdp.redeliver(text, bigint[]) IS
    'sends the destination''s dead letters (all, or those of delivery_ids) again; returns how many';
REVOKE ALL ON FUNCTION cdp.redeliver(text, bigint[]) FROM PUBLIC;

CREATE VIEW cdp.destination_status AS
SELECT d.name AS destination,
       (SELECT count(*) FROM cdp.outbox o LEFT JOIN cdp.delivery_batches b ON b.batch_id = o.batch_id
         WHERE o.destination_id = d.destination_id AND b.state IS DISTINCT FROM 'in_flight') AS pending,
       (SELECT count(*) FROM cdp.outbox o JOIN cdp.delivery_batches b ON b.batch_id = o.batch_id
         WHERE o.destination_id = d.destination_id AND b.state = 'in_flight') AS in_flight,
       d.delivered,
       d.failed,
       (SELECT count(*) FROM cdp.dead_letters x WHERE x.destination_id = d.destination_id) AS dead_lettered,
       coalesce(now() - (SELECT min(o.created_at) FROM cdp.outbox o WHERE o.destination_id = d.destination_id),
                interval '0') AS lag,
       d.last_error
  FROM cdp.destinations d;
COMMENT ON VIEW cdp.destination_status IS
    'per destination: changes waiting, being sent, delivered, failed attempts, dead letters, the age of the oldest waiting, the last error';

-- Destinations are set up by the extension's owner (or whom it grants);
-- cdp_admin watches them.  Dead letters name people, so they are not shown.
GRANT SELECT ON cdp.destinations, cdp.destination_segments, cdp.destination_event_filters,
    cdp.destination_status TO cdp_admin;
