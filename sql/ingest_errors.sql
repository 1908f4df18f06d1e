\set SHOW_CONTEXT never
-- Bad events: the right SQLSTATE, a message naming the field and never
-- the customer's data, and nothing written.
SELECT cdp.create_source('errors');

-- The field at fault, when there is one, is reported as the error's
-- column name (shown in brackets).
CREATE FUNCTION pg_temp.try(source text, event jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    field text;
BEGIN
    PERFORM cdp.ingest(source, event);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS field = COLUMN_NAME;
    RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' [' || nullif(field, '') || ']', '');
END $$;

SELECT label, pg_temp.try('errors', event::jsonb) AS result
  FROM (VALUES
    ('not an object',        '["secret@example.com"]'),
    ('a string',             '"secret@example.com"'),
    ('no type',              '{"userId": "secret-user"}'),
    ('unknown type',         '{"type": "secret-type", "userId": "secret-user"}'),
    ('type not a string',    '{"type": 7, "userId": "secret-user"}'),
    ('no ids',               '{"type": "track", "event": "E"}'),
    ('empty ids',            '{"type": "track", "event": "E", "userId": "", "anonymousId": null}'),
    ('userId object',        '{"type": "track", "event": "E", "userId": {"v": "secret-user"}}'),
    ('anonymousId bool',     '{"type": "track", "event": "E", "anonymousId": true}'),
    ('track without event',  '{"type": "track", "userId": "secret-user"}'),
    ('track empty event',    '{"type": "track", "event": "", "userId": "secret-user"}'),
    ('track event number',   '{"type": "track", "event": 5, "userId": "secret-user"}'),
    ('page name object',     '{"type": "page", "name": {}, "userId": "secret-user"}'),
    ('alias no previousId',  '{"type": "alias", "userId": "secret-user"}'),
    ('group no groupId',     '{"type": "group", "userId": "secret-user"}'),
    ('traits array',         '{"type": "identify", "userId": "secret-user", "traits": ["secret@example.com"]}'),
    ('properties string',    '{"type": "track", "event": "E", "userId": "secret-user", "properties": "secret"}'),
    ('context number',       '{"type": "track", "event": "E", "userId": "secret-user", "context": 1}'),
    ('context.traits array', '{"type": "track", "event": "E", "userId": "secret-user", "context": {"traits": []}}'),
    ('bad timestamp',        '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "secret o''clock"}'),
    ('timestamp now',        '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "now"}'),
    ('timestamp infinity',   '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "infinity"}'),
    ('timestamp number',     '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": 1700000000}'),
    ('February 30',          '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "2026-02-30T00:00:00Z"}'),
    ('hour 24',              '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "2026-02-03T24:00:00Z"}'),
    ('trailing junk',        '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "2026-02-03T10:00:00Zsecret"}'),
    ('bad sentAt',           '{"type": "track", "event": "E", "userId": "secret-user", "originalTimestamp": "2026-02-03T10:00:00Z", "sentAt": "yesterday"}'),
    ('before 1970',          '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "1969-12-31T23:59:59Z"}'),
    ('far future',           '{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "2999-01-01T00:00:00Z"}'),
    ('messageId object',     '{"type": "track", "event": "E", "userId": "secret-user", "messageId": {}}'),
    ('userId too long',      format('{"type": "track", "event": "E", "userId": "%s"}', repeat('s', 256))),
    ('userId control char',  '{"type": "track", "event": "E", "userId": "secret\u0007user"}'),
    ('previousId blank',     '{"type": "alias", "userId": "secret-user", "previousId": "  "}'),
    ('messageId too long',   format('{"type": "track", "event": "E", "userId": "u", "messageId": "%s"}', repeat('s', 256))),
    ('email too long (kept, email skipped)', format('{"type": "identify", "userId": "u", "traits": {"email": "%s"}}', repeat('s', 256)))
  ) AS cases(label, event)
 ORDER BY label;

-- No message above carries a value from the event.
SELECT count(*) AS leaking_messages
  FROM (VALUES ('["secret@example.com"]'), ('{"type": "secret-type", "userId": "secret-user"}'),
               ('{"type": "track", "event": "E", "userId": "secret-user", "timestamp": "secret o''clock"}')) AS c(e)
 WHERE pg_temp.try('errors', e::jsonb) ~ 'secret';

-- The limits at their edges are accepted.
SELECT pg_temp.try('errors', format('{"type": "track", "event": "E", "userId": "%s", "messageId": "%s"}',
                                 repeat('u', 255), repeat('m', 255))::jsonb) AS at_limits;

-- Unknown source, NULL arguments.
SELECT pg_temp.try('nope', '{"type": "track", "event": "E", "userId": "u"}') AS unknown_source;
SELECT pg_temp.try('no such source!', '{"type": "track", "event": "E", "userId": "u"}') AS not_a_source_name;
SELECT pg_temp.try(repeat('s', 100000), '{"type": "track", "event": "E", "userId": "u"}') AS huge_source_name;
SELECT cdp.source_id('no such source!');
SELECT pg_temp.try(NULL, '{"type": "track", "event": "E", "userId": "u"}') AS null_source;
SELECT pg_temp.try('errors', NULL) AS null_event;

-- cdp.max_event_bytes: an event over the limit is refused with 54000.
SET cdp.max_event_bytes = 1024;
SELECT pg_temp.try('errors', format('{"type": "track", "event": "E", "userId": "u", "properties": {"blob": "%s"}}',
                                 repeat('x', 2000))::jsonb) AS oversized;
-- A large but highly compressible event is measured uncompressed.
SELECT pg_temp.try('errors', format('{"type": "track", "event": "E", "userId": "u", "properties": {"blob": "%s"}}',
                                 repeat('x', 100000))::jsonb) AS compressible;
RESET cdp.max_event_bytes;

-- Nothing of the above was stored but the one event at the limits.
SELECT count(*) AS events FROM cdp.events WHERE source_id = cdp.source_id('errors');
SELECT count(*) AS claimed_ids FROM cdp.ingested_messages WHERE source_id = cdp.source_id('errors');

-- Bulk insertion honours constraints added to cdp.events ...
ALTER TABLE cdp.events ADD CONSTRAINT no_forbidden CHECK (event IS DISTINCT FROM 'Forbidden');
SELECT pg_temp.try('errors', '{"type": "track", "event": "Forbidden", "userId": "u", "messageId": "f1", "timestamp": "2026-11-20T10:00:00Z"}') AS check_constraint;
ALTER TABLE cdp.events DROP CONSTRAINT no_forbidden;
-- ... and refuses to bypass triggers it would not fire.
CREATE FUNCTION pg_temp.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER noop BEFORE INSERT ON cdp.events FOR EACH ROW EXECUTE FUNCTION pg_temp.noop();
SELECT pg_temp.try('errors', '{"type": "track", "event": "E", "userId": "u", "messageId": "t1"}') AS with_trigger;
DROP TRIGGER noop ON cdp.events;
SELECT pg_temp.try('errors', '{"type": "track", "event": "E", "userId": "u", "messageId": "t1"}') AS trigger_dropped;
-- A refused event leaves its message id unclaimed: it can be sent again.
SELECT count(*) AS claimed FROM cdp.ingested_messages
 WHERE source_id = cdp.source_id('errors') AND message_key = cdp.message_key('f1');
