-- Traits as large as an event may carry: a B-tree entry holds about
-- 2.7 kB, so trait names and values are kept under a digest of both and
-- long ones are stored, counted and shown like short ones.
SELECT cdp.create_source('limits_web', 'web') IS NOT NULL AS created;
-- Digits of md5 sums: text that does not compress (a B-tree compresses
-- a repetitive key small enough to fit).
CREATE FUNCTION pg_temp.incompressible(chars integer) RETURNS text LANGUAGE sql AS
$$ SELECT pg_catalog.left(pg_catalog.string_agg(pg_catalog.md5(i::text), ''), chars)
     FROM pg_catalog.generate_series(1, chars / 32 + 1) AS i $$;
SELECT cdp.ingest('limits_web', pg_catalog.jsonb_build_object(
    'type', 'identify', 'userId', 'limits-1', 'messageId', 'lim-' || n,
    'timestamp', '2026-03-0' || n || 'T10:00:00Z',
    'traits', pg_catalog.jsonb_build_object(
        'bio', pg_temp.incompressible(3300),
        pg_temp.incompressible(3000), 'long name',
        'plan', 'pro'))) > 0 AS ingested
  FROM pg_catalog.generate_series(1, 2) AS n;

-- One row per trait and value, each seen twice, with the whole value kept.
SELECT pg_catalog.length(trait) AS name_length, pg_catalog.length(value #>> '{}') AS value_length,
       t.times, t.first_seen, t.last_seen
  FROM cdp.trait_values t
  JOIN cdp.identities i USING (identity_id)
 WHERE i.profile_id = cdp.resolve('user_id:limits-1')
 ORDER BY 1, 2;

-- A different value of the same trait is a row of its own ...
SELECT cdp.ingest('limits_web', '{"type": "identify", "userId": "limits-1", "messageId": "lim-3",
    "timestamp": "2026-03-04T10:00:00Z", "traits": {"plan": "free"}}') > 0 AS ingested;
SELECT t.value, t.times FROM cdp.trait_values t JOIN cdp.identities i USING (identity_id)
 WHERE i.profile_id = cdp.resolve('user_id:limits-1') AND t.trait = 'plan' ORDER BY t.value;
-- ... and the profile shows the latest value and the long ones whole.
SELECT p.traits->>'plan' AS plan, pg_catalog.length(p.traits->>'bio') AS bio_length,
       p.traits->>pg_temp.incompressible(3000) AS long_named
  FROM cdp.profiles p
 WHERE p.profile_id = cdp.resolve('user_id:limits-1');
