\set SHOW_CONTEXT never
-- End to end: the generator's sample (test/gen), whose ground truth says
-- which identifiers belong to which person, ingested and stitched.
SET client_min_messages = warning;
\i test/gen/sample.sql
-- The generator's own checks: its output is pinned byte for byte.
\i test/gen/check.sql
RESET client_min_messages;

SET cdp.default_region = 'AU';
SELECT cdp.create_source('sample_web', 'web'), cdp.create_source('sample_mobile', 'mobile'),
       cdp.create_source('sample_pos', 'pos'), cdp.create_source('sample_crm', 'crm');
INSERT INTO cdp.identifier_kinds (kind, normalizer, priority, max_per_profile)
SELECT 'sample_loyalty', 'exact', 900, 1
 WHERE NOT EXISTS (SELECT FROM cdp.identifier_kinds WHERE kind = 'sample_loyalty');
DO $$
BEGIN
    PERFORM cdp.map_identifier('sample_pos', 'sample_loyalty', '$.context.traits.loyaltyId');
    PERFORM cdp.map_identifier('sample_pos', 'sample_loyalty', '$.traits.loyaltyId');
    PERFORM cdp.map_identifier('sample_crm', 'sample_loyalty', '$.traits.loyaltyId');
END $$;

-- Every event goes in, once.
CREATE TEMP TABLE sample_batches AS SELECT * FROM cdp_sample.batches(2000, 1, 500);
SELECT sum(cdp.ingest_batch('sample_' || source, events)) = (SELECT count(*) FROM cdp_sample.events(2000, 1))
       AS all_ingested
  FROM sample_batches;
SELECT sum(cdp.ingest_batch('sample_' || source, events)) AS replayed FROM sample_batches;

-- The ground truth, next to what cdp made of it.
CREATE TEMP TABLE truth AS
SELECT t.person, t.kind, t.normalized, t.junk, t.link_group, i.profile_id
  FROM cdp_sample.identifiers(2000, 1) t
  LEFT JOIN cdp.identities i
    ON i.ident::text = replace(t.kind, 'loyalty_id', 'sample_loyalty') || ':' || t.normalized;
CREATE TEMP VIEW quality AS
SELECT (SELECT count(*) FROM truth WHERE profile_id IS NOT NULL) AS identifiers,
       (SELECT count(*) FROM (SELECT profile_id FROM truth WHERE NOT junk AND profile_id IS NOT NULL
                               GROUP BY profile_id HAVING count(DISTINCT person) > 1) m) AS profiles_mixing_people,
       (SELECT count(*) FROM (SELECT person, link_group FROM truth WHERE NOT junk AND profile_id IS NOT NULL
                               GROUP BY person, link_group HAVING count(DISTINCT profile_id) > 1) s)
         AS link_groups_split;

-- What cdp could not take as an identifier is what its normalizers refuse
-- (an email with a space inside, a placeholder) or what is blocked.
SELECT kind, count(*) AS not_taken
  FROM truth WHERE profile_id IS NULL AND NOT junk GROUP BY kind ORDER BY kind;

-- Only the shared store tablets mix people, and quarantining what
-- identity_suspects shows separates them.  Three link groups stay split:
-- their only link in the ground truth is a value cdp's normalizers refuse
-- (an email with a space inside, a phone written 61... without "+").
SELECT * FROM quality;
SET cdp.suspect_links = 40;
SELECT count(DISTINCT s.ident::text) AS suspects, bool_and(t.junk) AS all_junk
  FROM cdp.identity_suspects s
  JOIN truth t ON s.ident::text = t.kind || ':' || t.normalized;
SELECT count(*) AS quarantined FROM (SELECT cdp.quarantine(ident, 'shared tablet') FROM cdp.identity_suspects) q;
RESET cdp.suspect_links;
UPDATE truth t SET profile_id = i.profile_id FROM cdp.identities i
 WHERE i.ident::text = replace(t.kind, 'loyalty_id', 'sample_loyalty') || ':' || t.normalized;
SELECT * FROM quality;

-- A rebuild from the links changes nothing.
SELECT cdp.restitch()->'identities_moved' AS moved;

-- Its memory is bounded by maintenance_work_mem: beyond it, a clear error.
SET maintenance_work_mem = '1MB';
\set VERBOSITY default
SELECT cdp.restitch();
RESET maintenance_work_mem;
