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

