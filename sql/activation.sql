\set SHOW_CONTEXT never
-- Activation: destinations and their checks, the outbox written by
-- segment refreshes, consent changes, erasure and ingestion, the requests
-- the delivery worker would send (cdp.delivery_claim, called here
-- directly: no worker runs in this cluster), their outcomes
-- (cdp.delivery_finish: retries, dead letters, the circuit breaker),
-- redelivery, table destinations, transforms, and cdp.destination_status.
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS cdp_activation_test;
CREATE DATABASE cdp_activation_test;
\c cdp_activation_test
CREATE EXTENSION cdp;
SET TimeZone = 'UTC';
SET client_min_messages = warning;
SELECT cdp.create_source('web');

-- Ann and Bea (pro, consent to email marketing), Cy (pro, no consent),
-- Di (free, consent).
SELECT cdp.ingest_batch('web', '[
  {"type": "identify", "messageId": "m1", "userId": "ann", "timestamp": "2026-01-02T10:00:00Z",
   "traits": {"email": "Ann@Example.com", "phone": "+44 20 7946 0018", "plan": "pro", "city": "Leeds"}},
  {"type": "identify", "messageId": "m2", "userId": "bea", "timestamp": "2026-01-02T10:00:00Z",
   "traits": {"email": "bea@example.com", "plan": "pro"}},
  {"type": "identify", "messageId": "m3", "userId": "cy", "timestamp": "2026-01-02T10:00:00Z",
   "traits": {"email": "cy@example.com", "plan": "pro"}},
  {"type": "identify", "messageId": "m4", "userId": "di", "timestamp": "2026-01-02T10:00:00Z",
   "traits": {"email": "di@example.com", "plan": "free"}}]');
SELECT cdp.resolve('user_id:ann') AS ann, cdp.resolve('user_id:bea') AS bea,
       cdp.resolve('user_id:cy') AS cy, cdp.resolve('user_id:di') AS di \gset
SELECT count(*) FROM (SELECT cdp.set_consent(p, 'email_marketing', true, 'form')
                        FROM unnest(ARRAY[:ann, :bea, :di]::bigint[]) p) s;
SELECT cdp.create_segment('pros', '{"trait": "plan", "op": "=", "value": "pro"}'::jsonb);
SELECT * FROM cdp.refresh_segment('pros');

-- What a test looks at in a request body: the items without their
-- volatile fields, and whether each has a key of its own.
CREATE FUNCTION pg_temp.items(body text) RETURNS TABLE (n bigint, item jsonb)
LANGUAGE sql AS $$
    SELECT i.n, i.item - 'idempotency_key' - 'changed_at'
                || jsonb_build_object('keyed', i.item ? 'idempotency_key')
      FROM jsonb_array_elements(body::jsonb->'batch') WITH ORDINALITY AS i(item, n)
$$;
CREATE FUNCTION pg_temp.claim() RETURNS TABLE (batch_id bigint, destination_id integer, method text, body text)
LANGUAGE sql AS $$
    SELECT c.batch_id, c.destination_id, c.method, c.body FROM cdp.delivery_claim('{}', false) c
$$;

-- 1. Bad destinations are refused, with the SQLSTATE that says why.
\set VERBOSITY sqlstate
SELECT cdp.create_destination(NULL, 'webhook', '{}', 'email_marketing');
SELECT cdp.create_destination('bad name', 'webhook', '{"url": "http://127.0.0.1/"}', 'email_marketing');
SELECT cdp.create_destination('x', 'carrier_pigeon', '{"url": "http://127.0.0.1/"}', 'email_marketing');
SELECT cdp.create_destination('x', 'webhook', '{"url": "http://127.0.0.1/"}', 'telepathy');
SELECT cdp.create_destination('x', 'webhook', '{"url": "ftp://127.0.0.1/"}', 'email_marketing');
SELECT cdp.create_destination('x', 'webhook', '{"url": "http://127.0.0.1/", "batchsize": 5}', 'email_marketing');
SELECT cdp.create_destination('x', 'webhook', '{"url": "http://127.0.0.1/", "batch_size": 0}', 'email_marketing');
SELECT cdp.create_destination('x', 'webhook', '{"url": "http://127.0.0.1/", "headers": {"X-A": "1\r\nX-B: 2"}}', 'email_marketing');
SELECT cdp.create_destination('x', 'webhook', '{"url": "http://127.0.0.1/", "headers": {"Idempotency-Key": "1"}}', 'email_marketing');
SELECT cdp.create_destination('x', 'webhook', '[]', 'email_marketing');
SELECT cdp.create_destination('x', 'audience', '{"url": "http://127.0.0.1/"}', 'advertising');
SELECT cdp.create_destination('x', 'audience', '{"url": "http://127.0.0.1/", "platform": "google"}', 'advertising',
                              'pg_catalog.jsonb_strip_nulls(jsonb)');
SELECT cdp.create_destination('x', 'table', '{"table": "public.nowhere"}', 'email_marketing');
SELECT cdp.create_destination('x', 'webhook', '{"url": "http://127.0.0.1/"}', 'email_marketing', 'pg_catalog.upper(text)');
SELECT cdp.forward_events('nowhere', '{}');
\set VERBOSITY default

-- 2. A signed webhook with headers, and an audience of each platform.
-- The secret and the headers are kept apart, never shown.
SELECT cdp.create_destination('crm', 'webhook',
    '{"url": "http://127.0.0.1:1/crm", "secret": "s3cret", "headers": {"Authorization": "Bearer t0ken"},
      "batch_size": 10, "max_attempts": 3, "traits": ["plan"], "identifiers": ["email"]}',
    'email_marketing') AS crm \gset
SELECT cdp.create_destination('google', 'audience',
    '{"url": "http://127.0.0.1:1/g", "platform": "google"}', 'email_marketing') AS google \gset
SELECT cdp.create_destination('meta', 'audience',
    '{"url": "http://127.0.0.1:1/m", "platform": "meta"}', 'email_marketing') AS meta \gset
\set VERBOSITY sqlstate
SELECT cdp.create_destination('crm', 'webhook', '{"url": "http://127.0.0.1/"}', 'email_marketing');
\set VERBOSITY default
SELECT name, kind, config, purpose FROM cdp.destinations ORDER BY destination_id;
SET ROLE cdp_admin;
SELECT destination, pending, delivered FROM cdp.destination_status ORDER BY destination;
SELECT secret FROM cdp.destination_secrets;
RESET ROLE;

-- 3. Connecting queues the members in consent (Ann, Bea: not Cy), once.
SELECT cdp.connect('crm', 'pros'), cdp.connect('crm', 'pros') AS again;
SELECT cdp.connect('google', 'pros'), cdp.connect('meta', 'pros');
\set VERBOSITY sqlstate
SELECT cdp.connect('crm', 'nobody');
\set VERBOSITY default
SELECT destination_id = :crm AS crm, profile_id = :ann AS ann, change, reason
  FROM cdp.outbox ORDER BY delivery_id;

-- 4. A request: one per destination, the items in order, each with its
-- own key; the body is the same on every attempt.
CREATE TEMP TABLE claimed AS SELECT * FROM cdp.delivery_claim('{}', false);
SELECT destination_id = :crm AS crm, method, url, headers, secret IS NOT NULL AS signed, timeout_ms
  FROM claimed ORDER BY destination_id;
SELECT i.* FROM claimed c, pg_temp.items(c.body) i WHERE c.destination_id = :crm ORDER BY i.n;
SELECT body FROM claimed WHERE destination_id IN (:google, :meta) ORDER BY destination_id;
SELECT destination, pending, in_flight FROM cdp.destination_status ORDER BY destination;
-- A destination with a request in flight gets no other.
SELECT count(*) FROM cdp.delivery_claim(ARRAY[:crm, :google, :meta], false);
-- 503: tried again later, unchanged.
SELECT cdp.delivery_finish(ARRAY[(SELECT batch_id FROM claimed WHERE destination_id = :crm)], '{503}', '{""}', '{-1}');
SELECT state, attempts, next_attempt_at > now() AS later FROM cdp.delivery_batches WHERE destination_id = :crm;
SELECT count(*) AS not_yet FROM cdp.delivery_claim(ARRAY[:google, :meta], false);
UPDATE cdp.delivery_batches SET next_attempt_at = now() WHERE destination_id = :crm;
SELECT c.body = o.body AS same_body, c.idempotency_key = o.idempotency_key AS same_key
  FROM cdp.delivery_claim(ARRAY[:google, :meta], false) c JOIN claimed o USING (batch_id);
-- 200: delivered; the outbox lets go.
SELECT cdp.delivery_finish(ARRAY(SELECT batch_id FROM claimed ORDER BY batch_id), '{200,200,200}', '{"","",""}', '{-1,-1,-1}');
SELECT destination, pending, in_flight, delivered, failed, dead_lettered, lag, last_error
  FROM cdp.destination_status ORDER BY destination;

-- 5. Segment changes: Ann leaves, Cy (no consent) enters and is not
-- sent; Di joins.  An exit is sent only to who was told of the entry.
UPDATE cdp.profiles SET traits = traits || '{"plan": "free"}' WHERE profile_id = :ann;
UPDATE cdp.profiles SET traits = traits || '{"plan": "pro"}' WHERE profile_id = :di;
SELECT * FROM cdp.refresh_segment('pros');
SELECT destination_id = :crm AS crm, profile_id = :ann AS ann, profile_id = :di AS di, change, reason
  FROM cdp.outbox ORDER BY delivery_id;

-- 6. Consent: Di withdraws (a removal), Cy grants (an entry).
SELECT cdp.set_consent(:di, 'email_marketing', false, 'preference center') > 0;
SELECT cdp.set_consent(:cy, 'email_marketing', true, 'preference center') > 0;
SELECT profile_id = :di AS di, profile_id = :cy AS cy, change, reason
  FROM cdp.outbox WHERE destination_id = :crm ORDER BY delivery_id;
-- One request, in order: Di's entry is not sent (she withdrew before it
-- went), her removal is.
SELECT i.* FROM pg_temp.claim() c, pg_temp.items(c.body) i WHERE c.destination_id = :crm ORDER BY i.n;

-- 7. Refused (400): dead letters at once; 429 and 408 are retried.
SELECT cdp.delivery_finish(ARRAY(SELECT batch_id FROM cdp.delivery_batches WHERE destination_id = :crm),
                           '{400}', '{""}', '{-1}');
SELECT profile_id = :di AS di, change, attempts, last_status, last_error FROM cdp.dead_letters ORDER BY delivery_id;
SELECT count(*) AS gone_from_outbox FROM cdp.outbox WHERE destination_id = :crm;
SELECT cdp.redeliver('crm', NULL);
SELECT count(*) AS back, count(DISTINCT idempotency_key) AS keys FROM cdp.outbox WHERE destination_id = :crm;
SELECT count(*) AS claimed FROM pg_temp.claim() WHERE destination_id = :crm;
SELECT cdp.delivery_finish(ARRAY(SELECT batch_id FROM cdp.delivery_batches WHERE destination_id = :crm),
                           '{429}', '{""}', '{30}');
SELECT b.next_attempt_at >= d.last_attempt_at + interval '30 s' AS waits_retry_after
  FROM cdp.delivery_batches b JOIN cdp.destinations d USING (destination_id) WHERE destination_id = :crm;
-- A network error, then the last of max_attempts (3): dead letters.
UPDATE cdp.delivery_batches SET next_attempt_at = now() WHERE destination_id = :crm;
SELECT count(*) FROM pg_temp.claim() WHERE destination_id = :crm;
SELECT cdp.delivery_finish(ARRAY(SELECT batch_id FROM cdp.delivery_batches WHERE destination_id = :crm),
                           '{0}', '{"Couldn''t connect to server"}', '{-1}');
UPDATE cdp.delivery_batches SET next_attempt_at = now() WHERE destination_id = :crm;
SELECT count(*) FROM pg_temp.claim() WHERE destination_id = :crm;
SELECT attempts FROM cdp.delivery_batches WHERE destination_id = :crm;
SELECT cdp.delivery_finish(ARRAY(SELECT batch_id FROM cdp.delivery_batches WHERE destination_id = :crm),
                           '{408}', '{""}', '{-1}');
SELECT change, attempts, last_status, last_error FROM cdp.dead_letters WHERE destination_id = :crm ORDER BY delivery_id;
SELECT destination, pending, delivered, failed, dead_lettered, last_error
  FROM cdp.destination_status WHERE destination = 'crm';
SELECT cdp.redeliver('crm', ARRAY(SELECT min(delivery_id) FROM cdp.dead_letters));

-- 8. The circuit breaker: after cdp.delivery_circuit_failures failures
-- in a row the destination is paused; the others are not held up.
SET cdp.delivery_circuit_failures = 2;
SELECT count(*) FROM pg_temp.claim() WHERE destination_id = :crm;
SELECT cdp.delivery_finish(ARRAY(SELECT batch_id FROM cdp.delivery_batches WHERE destination_id = :crm),
                           '{500}', '{""}', '{-1}');
SELECT paused_until > now() AS paused, consecutive_failures FROM cdp.destinations WHERE destination_id = :crm;
UPDATE cdp.delivery_batches SET next_attempt_at = now() WHERE destination_id = :crm;
SELECT count(*) FROM pg_temp.claim() WHERE destination_id = :crm;
SELECT cdp.delivery_finish(ARRAY(SELECT batch_id FROM cdp.delivery_batches WHERE destination_id = :crm),
                           '{500}', '{""}', '{-1}');
SELECT paused_until > now() AS paused, consecutive_failures FROM cdp.destinations WHERE destination_id = :crm;
UPDATE cdp.delivery_batches SET next_attempt_at = now() WHERE destination_id = :crm;
SELECT destination_id = :crm AS crm, count(*) FROM cdp.delivery_claim('{}', false) GROUP BY 1 ORDER BY 1;
SELECT cdp.resume_destination('crm'), cdp.resume_destination('crm') AS again;
SELECT count(*) FROM pg_temp.claim() WHERE destination_id = :crm;
SELECT cdp.delivery_finish(ARRAY(SELECT batch_id FROM cdp.delivery_batches WHERE state = 'in_flight'),
                           ARRAY(SELECT 200 FROM cdp.delivery_batches WHERE state = 'in_flight'),
                           ARRAY(SELECT '' FROM cdp.delivery_batches WHERE state = 'in_flight'),
                           ARRAY(SELECT -1 FROM cdp.delivery_batches WHERE state = 'in_flight'));
RESET cdp.delivery_circuit_failures;
SELECT destination, pending, in_flight, delivered, dead_lettered FROM cdp.destination_status ORDER BY destination;

-- 9. Forget Bea: a removal to each destination told of her (hashed
-- identifiers for the audiences, taken before erasure), nothing else.
SELECT (cdp.forget(:bea, 'request')->'removed'->>'profiles')::int AS forgotten;
SELECT destination_id, change, reason, removal IS NOT NULL AS hashes FROM cdp.outbox ORDER BY delivery_id;
SELECT body FROM pg_temp.claim() WHERE destination_id IN (:google, :meta) ORDER BY destination_id;
SELECT i.* FROM pg_temp.claim() c, pg_temp.items(c.body) i WHERE c.destination_id = :crm;
SELECT method FROM cdp.delivery_batches WHERE destination_id = :meta;

-- 10. A table destination, written as its owner; a transform reshapes
-- (NULL: not sent) and a failing one sends to the dead letters.
CREATE TABLE public.changes_log (idempotency_key uuid NOT NULL, profile_id bigint, segment text, change text,
                                 reason text, traits jsonb, shaped boolean);
CREATE FUNCTION public.shape(item jsonb) RETURNS jsonb LANGUAGE sql
    AS $$ SELECT CASE WHEN item->>'change' = 'exited' THEN NULL ELSE item || '{"shaped": true}' END $$;
CREATE FUNCTION public.broken(item jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT (1 / 0)::text::jsonb $$;
SELECT cdp.create_destination('warehouse', 'table', '{"table": "public.changes_log"}', 'email_marketing',
                              'public.shape(jsonb)') AS warehouse \gset
SELECT cdp.create_destination('fragile', 'webhook', '{"url": "http://127.0.0.1:1/f"}', 'email_marketing',
                              'public.broken(jsonb)') AS fragile \gset
SELECT cdp.connect('warehouse', 'pros'), cdp.connect('fragile', 'pros');
SELECT batch_id IS NULL AS in_place, destination_id = :warehouse AS warehouse
  FROM cdp.delivery_claim(ARRAY[:crm, :google, :meta], false) ORDER BY destination_id;
SELECT profile_id = :cy AS cy, profile_id = :di AS di, segment, change, reason, traits, shaped FROM public.changes_log;
SELECT destination_id = :fragile AS fragile, attempts, last_error FROM cdp.dead_letters WHERE destination_id = :fragile;
-- Ann returns: her entry reaches the table; her exit is filtered out.
UPDATE cdp.profiles SET traits = traits || '{"plan": "pro"}' WHERE profile_id = :ann;
SELECT * FROM cdp.refresh_segment('pros');
SELECT count(*) FROM cdp.delivery_claim(ARRAY[:crm, :google, :meta, :fragile], false);
UPDATE cdp.profiles SET traits = traits || '{"plan": "free"}' WHERE profile_id = :ann;
SELECT * FROM cdp.refresh_segment('pros');
SELECT count(*) FROM cdp.delivery_claim(ARRAY[:crm, :google, :meta, :fragile], false);
SELECT profile_id = :ann AS ann, change, shaped FROM public.changes_log ORDER BY idempotency_key IS NULL, profile_id = :ann;
SELECT destination, delivered, failed FROM cdp.destination_status WHERE destination = 'warehouse';
-- An insert that fails: the rows stay, the destination backs off.
ALTER TABLE public.changes_log ADD COLUMN must_have text NOT NULL DEFAULT 'x';
ALTER TABLE public.changes_log ALTER COLUMN must_have DROP DEFAULT;
UPDATE cdp.profiles SET traits = traits || '{"plan": "pro"}' WHERE profile_id = :ann;
SELECT * FROM cdp.refresh_segment('pros');
SELECT count(*) FROM cdp.delivery_claim(ARRAY[:crm, :google, :meta, :fragile], false);
SELECT pending, last_error, (SELECT paused_until > now() FROM cdp.destinations WHERE name = 'warehouse') AS paused
  FROM cdp.destination_status WHERE destination = 'warehouse';

-- 11. Events forwarded as they are ingested, by source, type and name;
-- events of someone not in consent are not sent.
\set VERBOSITY sqlstate
SELECT cdp.forward_events('google', '{}');
SELECT cdp.forward_events('crm', '{"kind": "track"}');
SELECT cdp.forward_events('crm', '{"type": "purchase"}');
SELECT cdp.forward_events('crm', '{"source": "elsewhere"}');
SELECT cdp.forward_events('crm', '{"event": []}');
\set VERBOSITY default
SELECT cdp.forward_events('crm', '{"source": "web", "type": "track", "event": ["Order Completed"]}');
SELECT filter, source_ids, types, events FROM cdp.destination_event_filters;
DELETE FROM cdp.outbox;
DELETE FROM cdp.delivery_batches;
SELECT cdp.ingest_batch('web', '[
  {"type": "track", "messageId": "e1", "userId": "ann", "event": "Order Completed", "timestamp": "2026-01-03T10:00:00Z",
   "properties": {"revenue": 20}},
  {"type": "track", "messageId": "e2", "userId": "ann", "event": "Page Viewed", "timestamp": "2026-01-03T10:01:00Z"},
  {"type": "track", "messageId": "e3", "userId": "di", "event": "Order Completed", "timestamp": "2026-01-03T10:02:00Z"},
  {"type": "identify", "messageId": "e4", "userId": "ann", "timestamp": "2026-01-03T10:03:00Z"}]');
SELECT count(*) AS queued, bool_and(reason = 'event') AS events FROM cdp.outbox;
SELECT i.n, i.item->'event'->>'messageId' AS message_id, i.item->>'type' AS type, (i.item->>'profile_id')::bigint = :ann AS ann
  FROM pg_temp.claim() c, pg_temp.items(c.body) i WHERE c.destination_id = :crm ORDER BY i.n;
SELECT skipped FROM cdp.destinations WHERE name = 'crm';
SELECT cdp.forward_events('crm', NULL), cdp.forward_events('crm', NULL) AS again;

-- 12. Dropping a destination drops what was queued for it.
SELECT cdp.drop_destination('crm'), cdp.drop_destination('crm') AS again;
SELECT count(*) FROM cdp.outbox o WHERE o.destination_id = :crm;
SELECT count(*) FROM cdp.delivery_batches b WHERE b.destination_id = :crm;

\c :regress_db
DROP DATABASE cdp_activation_test;
