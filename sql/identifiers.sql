\set SHOW_CONTEXT never
-- The identifiers each event carries, normalized by kind (cdp.ident).
SELECT cdp.create_source('identifiers_app');
SELECT cdp.create_source('identifiers_crm', 'crm');

CREATE FUNCTION pg_temp.ids(source_name text, body text) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    id bigint := cdp.ingest(source_name, body::jsonb);
BEGIN
    RETURN (SELECT e.identifiers FROM cdp.events e WHERE e.event_id = id);
END
$$;

-- userId, anonymousId, traits.email, traits.phone, context.device.id; and
-- the same traits under context.traits (analytics.js puts them there on
-- track calls).
SELECT pg_temp.ids('identifiers_app', '{"type": "identify", "messageId": "1", "userId": "u1", "anonymousId": "a1",
  "traits": {"email": "Alice@Example.com", "phone": "+61 412 345 678"},
  "context": {"device": {"id": "d1"}}}');
SELECT pg_temp.ids('identifiers_app', '{"type": "track", "event": "E", "messageId": "2", "anonymousId": "a1",
  "context": {"traits": {"email": "alice@example.com", "phone": 61412345678}}}');
-- alias: previousId is recorded too.
SELECT pg_temp.ids('identifiers_app', '{"type": "alias", "messageId": "3", "userId": "u2", "previousId": "u1"}');
-- Numbers are identifiers; empty strings, booleans, objects in traits are not.
-- Values are normalized: the email is case-folded, the phone in E.164; a
-- phone without country code is skipped while cdp.default_region is unset.
SELECT pg_temp.ids('identifiers_app', '{"type": "identify", "messageId": "4", "userId": 12345,
  "traits": {"email": "", "phone": true}, "context": {"device": {"id": {"x": 1}}}}');
-- The same identifier twice is recorded once.
SELECT pg_temp.ids('identifiers_app', '{"type": "identify", "messageId": "5", "userId": "u1",
  "traits": {"email": "a@b.c"}, "context": {"traits": {"email": "a@b.c"}}}');

-- Per-source mappings: any jsonpath, several values per path.  The kinds
-- crm_id and loyalty_card exist since the sources test.
SELECT cdp.map_identifier('identifiers_crm', 'crm_id', '$.traits.crm_id');
SELECT cdp.map_identifier('identifiers_crm', 'loyalty_card', '$.context.traits.cards[*].number');
SELECT cdp.map_identifier('identifiers_crm', 'email', '$.traits.emails[*]');
SELECT pg_temp.ids('identifiers_crm', '{"type": "identify", "messageId": "c1", "userId": "u1",
  "traits": {"crm_id": "C-001", "emails": ["work@example.com", "home@example.com", 5, null]},
  "context": {"traits": {"cards": [{"number": "L-1"}, {"number": "L-2"}, {"other": 1}]}}}');
-- A path that finds nothing, or hits a structural error, adds nothing.
SELECT pg_temp.ids('identifiers_crm', '{"type": "identify", "messageId": "c2", "userId": "u3", "traits": {}}');
SELECT pg_temp.ids('identifiers_crm', '{"type": "identify", "messageId": "c3", "userId": "u3",
  "traits": {"crm_id": {"nested": true}}, "context": {"traits": {"cards": "none"}}}');
-- Mappings are per source.
SELECT pg_temp.ids('identifiers_app', '{"type": "identify", "messageId": "6", "userId": "u1", "traits": {"crm_id": "C-001"}}');

-- A mapping added later applies to the next events in every session.
SELECT cdp.map_identifier('identifiers_app', 'device_id', '$.properties.kiosk');
SELECT pg_temp.ids('identifiers_app', '{"type": "track", "event": "E", "messageId": "7", "anonymousId": "a9",
  "properties": {"kiosk": "k-1"}}');
SELECT cdp.unmap_identifier('identifiers_app', 'device_id', '$.properties.kiosk');
SELECT pg_temp.ids('identifiers_app', '{"type": "track", "event": "E", "messageId": "8", "anonymousId": "a9",
  "properties": {"kiosk": "k-1"}}');

-- A trait or mapped value its kind refuses is skipped; the event is kept.
SELECT pg_temp.ids('identifiers_crm', format('{"type": "identify", "userId": "u4", "messageId": "c4",
  "traits": {"crm_id": "%s", "email": "not an email", "phone": "12", "emails": ["ok@example.com", "bad@"]}}',
  repeat('9', 1100)));
-- The event's own ids must be valid identifiers.
\set VERBOSITY default
SELECT cdp.ingest('identifiers_app', format('{"type": "track", "event": "E", "userId": "%s"}', repeat('u', 200) || '\u0001')::jsonb);
-- More identifiers than an event may carry.
SELECT cdp.ingest('identifiers_crm', format('{"type": "identify", "userId": "u", "traits": {"emails": %s}}',
  (SELECT jsonb_agg('e' || n || '@example.com') FROM generate_series(1, 70) n))::jsonb);
