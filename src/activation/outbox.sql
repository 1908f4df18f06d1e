-- The activation outbox: what is to be delivered to each destination,
-- written in the transaction that made the change (a segment refresh,
-- ingestion, a consent change, an erasure), so that nothing is sent that
-- did not commit and nothing committed is lost.  The delivery worker
-- takes it in batches (delivery.sql).

-- Wakes the delivery worker when the transaction commits, if queued > 0
-- (rows it queued).
CREATE FUNCTION cdp.announce_delivery(queued bigint DEFAULT 1) RETURNS void
    LANGUAGE c VOLATILE STRICT AS 'MODULE_PATHNAME', 'cdp_announce_delivery';
REVOKE ALL ON FUNCTION cdp.announce_delivery(bigint) FROM PUBLIC;

-- Whether a profile with this consent state consents now to the purpose
-- whose cdp.purposes.bit is purpose_bit (a grant that has expired does not count, until
-- the mask is recomputed).  Plain SQL without settings, so that the
-- planner inlines it into the statements that test thousands of rows.
CREATE FUNCTION cdp.purpose_in_force(consent_mask bigint, consent_expires_at timestamptz, purpose_bit smallint)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (consent_mask OPERATOR(pg_catalog.&) (1::bigint OPERATOR(pg_catalog.<<) purpose_bit)) OPERATOR(pg_catalog.<>) 0
       AND (consent_expires_at IS NULL OR consent_expires_at OPERATOR(pg_catalog.>) pg_catalog.now())
$$;
REVOKE ALL ON FUNCTION cdp.purpose_in_force(bigint, timestamptz, smallint) FROM PUBLIC;

CREATE TABLE cdp.outbox (
    delivery_id      bigserial PRIMARY KEY,
    destination_id   integer NOT NULL REFERENCES cdp.destinations ON DELETE CASCADE,
    profile_id       bigint,
    segment_id       integer,
    change           text,
    reason           text NOT NULL,
    changed_at       timestamptz NOT NULL,
    event_id         bigint,
    occurred_at      timestamptz,
    removal          jsonb,
    idempotency_key  uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
    batch_id         bigint,
    CONSTRAINT outbox_change_check
        CHECK (change OPERATOR(pg_catalog.=) ANY (ARRAY['entered', 'exited'])),
    CONSTRAINT outbox_what_check CHECK ((segment_id IS NULL) OPERATOR(pg_catalog.<>) (event_id IS NULL))
);
CREATE INDEX outbox_destination_id_idx ON cdp.outbox (destination_id, delivery_id);
-- A queue: every row is deleted soon after it is written.  Vacuum it by
-- the number of dead rows, not by a share of a table that is mostly dead.
ALTER TABLE cdp.outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000);
CREATE INDEX outbox_batch_id_idx ON cdp.outbox (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX outbox_profile_id_idx ON cdp.outbox (profile_id);
COMMENT ON TABLE cdp.outbox IS
    'changes and events not yet delivered, in order per destination; a row goes once its destination confirmed it';
COMMENT ON COLUMN cdp.outbox.reason IS
    'why: segment (a refresh), connected, consent_granted, consent_withdrawn, forgotten, or event';
COMMENT ON COLUMN cdp.outbox.removal IS
    'a forgotten person''s hashed identifiers, kept for the audience platform''s removal call';
COMMENT ON COLUMN cdp.outbox.idempotency_key IS 'the same on every attempt: a receiver can apply each change once';
COMMENT ON COLUMN cdp.outbox.batch_id IS 'the request (cdp.delivery_batches) that carries it, once taken';
SELECT pg_catalog.pg_extension_config_dump('cdp.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.outbox_delivery_id_seq', '');

-- Hashed identifiers of a profile for an audience platform:
-- {"email": [...], "phone": [...]} (cdp.hash_ident), NULL when it has none.
CREATE FUNCTION cdp.audience_identifiers(platform text, profile_id bigint) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    SELECT jsonb_object_agg(k.kind, k.hashes)
      FROM (SELECT cdp.ident_kind(i.ident) AS kind,
                   jsonb_agg(cdp.hash_ident(i.ident, platform) ORDER BY i.identity_id) AS hashes
              FROM cdp.identities i
             WHERE i.profile_id = audience_identifiers.profile_id AND NOT i.quarantined
               AND cdp.ident_kind(i.ident) IN ('email', 'phone')
             GROUP BY 1) k
$$;
REVOKE ALL ON FUNCTION cdp.audience_identifiers(text, bigint) FROM PUBLIC;

-- Segment changes to the destinations connected to their segments: an
-- entry of someone in consent to the destination's purpose, an exit of
-- someone the destination was told of.  Planned afresh each time (as
-- cdp.log_changed_profiles), since a refresh changes one row or millions.
CREATE FUNCTION cdp.outbox_segment_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    queued bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cdp.destination_segments s
                    WHERE s.segment_id IN (SELECT DISTINCT a.segment_id FROM added a)) THEN
        RETURN NULL;
    END IF;
    EXECUTE $q$
        WITH ch AS (
            SELECT a.change_id, a.segment_id, a.profile_id, a.change, a.changed_at, s.destination_id, u.bit AS purpose_bit
              FROM added a
              JOIN cdp.destination_segments s ON s.segment_id = a.segment_id
              JOIN cdp.destinations d ON d.destination_id = s.destination_id
              JOIN cdp.purposes u ON u.purpose = d.purpose),
        told AS (
            INSERT INTO cdp.destination_members (destination_id, segment_id, profile_id)
            SELECT ch.destination_id, ch.segment_id, ch.profile_id
              FROM ch JOIN cdp.profiles p ON p.profile_id = ch.profile_id
             WHERE ch.change = 'entered'
               AND cdp.purpose_in_force(p.consent_mask, p.consent_expires_at, ch.purpose_bit)
            ON CONFLICT DO NOTHING
            RETURNING destination_id, segment_id, profile_id),
        untold AS (
            DELETE FROM cdp.destination_members m USING ch
             WHERE ch.change = 'exited' AND m.destination_id = ch.destination_id
               AND m.segment_id = ch.segment_id AND m.profile_id = ch.profile_id
            RETURNING m.destination_id, m.segment_id, m.profile_id)
        INSERT INTO cdp.outbox (destination_id, profile_id, segment_id, change, reason, changed_at)
        SELECT ch.destination_id, ch.profile_id, ch.segment_id, ch.change, 'segment', ch.changed_at
          FROM ch
         WHERE (ch.destination_id, ch.segment_id, ch.profile_id) IN
               (SELECT * FROM told UNION ALL SELECT * FROM untold)
         ORDER BY ch.change_id$q$;
    GET DIAGNOSTICS queued = ROW_COUNT;
    PERFORM cdp.announce_delivery(queued);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cdp.outbox_segment_changes() FROM PUBLIC;
CREATE TRIGGER segment_changes_outbox AFTER INSERT ON cdp.segment_changes
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.outbox_segment_changes();

-- A profile's consent changed: for each destination whose purpose it
-- withdrew, an exit from every connected segment the destination was told
-- of; for each it granted, an entry into every connected segment it is in.
CREATE FUNCTION cdp.outbox_consent_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    queued bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cdp.destination_segments) THEN
        RETURN NULL;
    END IF;
    WITH flipped AS (
        SELECT d.destination_id,
               (NEW.consent_mask & (1::bigint << u.bit)) <> 0 AS granted
          FROM cdp.destinations d JOIN cdp.purposes u ON u.purpose = d.purpose
         WHERE ((OLD.consent_mask # NEW.consent_mask) & (1::bigint << u.bit)) <> 0),
    untold AS (
        DELETE FROM cdp.destination_members m USING flipped f
         WHERE NOT f.granted AND m.destination_id = f.destination_id AND m.profile_id = NEW.profile_id
        RETURNING m.destination_id, m.segment_id, 'exited' AS change, 'consent_withdrawn' AS reason),
    told AS (
        INSERT INTO cdp.destination_members (destination_id, segment_id, profile_id)
        SELECT s.destination_id, s.segment_id, NEW.profile_id
          FROM flipped f
          JOIN cdp.destination_segments s ON s.destination_id = f.destination_id
          JOIN cdp.segment_members sm ON sm.segment_id = s.segment_id AND sm.profile_id = NEW.profile_id
         WHERE f.granted
        ON CONFLICT DO NOTHING
        RETURNING destination_id, segment_id, 'entered' AS change, 'consent_granted' AS reason)
    INSERT INTO cdp.outbox (destination_id, profile_id, segment_id, change, reason, changed_at)
    SELECT x.destination_id, NEW.profile_id, x.segment_id, x.change, x.reason, now()
      FROM (SELECT * FROM untold UNION ALL SELECT * FROM told) x
     ORDER BY x.destination_id, x.segment_id;
    GET DIAGNOSTICS queued = ROW_COUNT;
    PERFORM cdp.announce_delivery(queued);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION cdp.outbox_consent_changed() FROM PUBLIC;
CREATE TRIGGER profiles_consent_outbox AFTER UPDATE OF consent_mask ON cdp.profiles
    FOR EACH ROW WHEN (OLD.consent_mask IS DISTINCT FROM NEW.consent_mask)
    EXECUTE FUNCTION cdp.outbox_consent_changed();

-- Erasure (cdp.erase_profiles, before it deletes): every destination told
-- of these people gets a removal (hashed identifiers for an audience
-- platform, the profile id alone for the others), and nothing else of
-- theirs is sent: what was queued and not yet sent is dropped, and a
-- request that carries them is formed again without them (one in flight
-- may still arrive; if it fails it is not retried, and the others in it
-- go again, which at least once allows).
CREATE FUNCTION cdp.outbox_forget(profile_ids bigint[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    queued bigint;
BEGIN
    WITH hit AS (
        SELECT DISTINCT o.batch_id FROM cdp.outbox o
         WHERE o.profile_id = ANY (profile_ids) AND o.batch_id IS NOT NULL),
    unbatched AS (
        DELETE FROM cdp.delivery_batches b USING hit WHERE b.batch_id = hit.batch_id
        RETURNING b.batch_id)
    UPDATE cdp.outbox o SET batch_id = NULL FROM unbatched u WHERE o.batch_id = u.batch_id;
    DELETE FROM cdp.outbox o WHERE o.profile_id = ANY (profile_ids) AND o.batch_id IS NULL;
    DELETE FROM cdp.dead_letters x WHERE x.profile_id = ANY (profile_ids);
    WITH untold AS (
        DELETE FROM cdp.destination_members m WHERE m.profile_id = ANY (profile_ids)
        RETURNING m.destination_id, m.segment_id, m.profile_id)
    INSERT INTO cdp.outbox (destination_id, profile_id, segment_id, change, reason, changed_at, removal)
    SELECT u.destination_id, u.profile_id, u.segment_id, 'exited', 'forgotten', now(),
           CASE WHEN d.kind = 'audience' THEN cdp.audience_identifiers(d.config->>'platform', u.profile_id) END
      FROM untold u JOIN cdp.destinations d ON d.destination_id = u.destination_id
     ORDER BY u.destination_id, u.profile_id, u.segment_id;
    GET DIAGNOSTICS queued = ROW_COUNT;
    PERFORM cdp.announce_delivery(queued);
END
$$;
REVOKE ALL ON FUNCTION cdp.outbox_forget(bigint[]) FROM PUBLIC;

-- Ingested events to the destinations whose filters they match (called by
-- ingestion, src/ingest/event_forward.c, only while some filter exists).
-- Whose they are is looked up when they are sent: stitching may not have
-- run yet.
CREATE FUNCTION cdp.outbox_events(source_id integer, event_ids bigint[], occurred_ats timestamptz[],
                                  types text[], names text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    queued bigint;
BEGIN
    INSERT INTO cdp.outbox (destination_id, event_id, occurred_at, reason, changed_at)
    SELECT f.destination_id, e.event_id, e.occurred_at, 'event', e.occurred_at
      FROM unnest(event_ids, occurred_ats, types, names) AS e(event_id, occurred_at, type, name)
      JOIN cdp.destination_event_filters f
        ON (f.source_ids IS NULL OR outbox_events.source_id = ANY (f.source_ids))
       AND (f.types IS NULL OR e.type = ANY (f.types))
       AND (f.events IS NULL OR e.name = ANY (f.events))
     ORDER BY f.destination_id, e.event_id;
    GET DIAGNOSTICS queued = ROW_COUNT;
    PERFORM cdp.announce_delivery(queued);
END
$$;
REVOKE ALL ON FUNCTION cdp.outbox_events(integer, bigint[], timestamptz[], text[], text[]) FROM PUBLIC;
