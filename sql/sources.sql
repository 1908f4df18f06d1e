\set SHOW_CONTEXT never
-- Sources and per-source identifier mappings.
SELECT cdp.create_source('web', 'web', 10) AS web_id;
SELECT cdp.create_source('crm', 'crm');
SELECT cdp.create_source('pos.store-1:tills', 'pos', 50);
SELECT source_id, name, kind, priority FROM cdp.sources ORDER BY source_id;

-- A second source of the same name is refused.
SELECT cdp.create_source('web');

-- Bad names, kinds and priorities are refused with 22023.
\set VERBOSITY sqlstate
SELECT cdp.create_source('');
SELECT cdp.create_source('has space');
SELECT cdp.create_source('-leading-dash');
SELECT cdp.create_source(repeat('x', 64));
SELECT cdp.create_source(NULL);
SELECT cdp.create_source('ok', 'carrier-pigeon');
SELECT cdp.create_source('ok', NULL);
SELECT cdp.create_source('ok', 'web', -1);
SELECT cdp.create_source('ok', 'web', NULL);
\set VERBOSITY default
SELECT cdp.create_source('robert''); DROP TABLE cdp.events; --');
SELECT count(*) AS sources FROM cdp.sources;

-- Identifier mappings: the kind must exist; the path is stored in canonical
-- form; adding one twice is harmless.
INSERT INTO cdp.identifier_kinds (kind, normalizer)
SELECT k, n FROM (VALUES ('crm_id', 'exact'), ('loyalty_card', 'lower')) AS v(k, n)
 WHERE NOT EXISTS (SELECT FROM cdp.identifier_kinds WHERE kind = k);
SELECT cdp.map_identifier('crm', 'crm_id', '$.traits.crm_id');
SELECT cdp.map_identifier('crm', 'crm_id', '$."traits"."crm_id"');
SELECT cdp.map_identifier('crm', 'loyalty_card', 'strict $.context.traits.cards[*]');
SELECT s.name, m.kind, m.path FROM cdp.identifier_mappings m JOIN cdp.sources s USING (source_id)
 ORDER BY 1, 2, 3;
\set VERBOSITY sqlstate
SELECT cdp.map_identifier('nope', 'crm_id', '$.x');
SELECT cdp.map_identifier('crm', 'no_such_kind', '$.x');
SELECT cdp.map_identifier('crm', NULL, '$.x');
SELECT cdp.map_identifier('crm', 'crm_id', NULL);
\set VERBOSITY default
SELECT cdp.unmap_identifier('crm', 'loyalty_card', 'strict $.context.traits.cards[*]');
SELECT cdp.unmap_identifier('crm', 'loyalty_card', 'strict $.context.traits.cards[*]');
SELECT count(*) AS mappings FROM cdp.identifier_mappings;

-- The ingest functions see a source created earlier in the same transaction
-- (the backend's source cache is invalidated at once) ...
BEGIN;
SELECT cdp.create_source('fresh');
SELECT cdp.ingest('fresh', '{"type":"track","event":"Hi","userId":"u1","messageId":"m1","timestamp":"2026-11-01T00:00:00Z"}') IS NOT NULL AS ingested;
ROLLBACK;
-- ... and forget it when the transaction rolls back.
SELECT cdp.ingest('fresh', '{"type":"track","event":"Hi","userId":"u1","messageId":"m1"}');
