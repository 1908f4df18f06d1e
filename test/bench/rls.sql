-- Row security benchmark: 1,000,000 profiles (psql -v scale=N for N
-- million) with an identifier each and 3 events each, every one
-- consenting to personalization.  Each query runs as an application role
-- under row security (cdp.purpose = 'personalization') and as a role with
-- the same grants that bypasses row security; the same rows come back,
-- so the ratio is what the consent check costs.
--   1. 1% of profiles by an indexed trait (cdp.trait, leakproof)
--   2. a point lookup by identifier (identities -> profile)
--   3. a full aggregate over profiles
--   4. a full aggregate over a month of events (row security joins each
--      event to its identity and profile)
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?scale}
\else
\set scale 1
\endif
SET work_mem = '256MB';
SELECT cdp.create_source('bench', 'web') > 0 AS source;

INSERT INTO cdp.profiles (profile_id, region, traits, consent_mask)
SELECT n, (ARRAY['EU', 'US', 'UK'])[1 + n % 3],
       jsonb_build_object('plan', 'p' || (hashint8(n) & 2147483647) % 100, 'email', 'user' || n || '@example.com'),
       2   -- personalization
  FROM generate_series(1, 1000000 * :scale) AS n;
SELECT setval('cdp.profiles_profile_id_seq', 1000000 * :scale);
INSERT INTO cdp.identities (identity_id, ident, profile_id, first_seen)
SELECT n, cdp.ident('user_id', 'bench-' || n), n, '2026-01-01' FROM generate_series(1, 1000000 * :scale) AS n;
SELECT setval('cdp.identities_identity_id_seq', 1000000 * :scale);
SELECT count(cdp.ensure_event_partition(m)) AS partitions
  FROM generate_series('2026-05-01'::timestamptz, '2026-06-01', '1 month') AS m;
INSERT INTO cdp.events (event_id, source_id, type, event, message_id, user_id, identifiers, anchor,
                        occurred_at, received_at, payload)
SELECT e, 1, 'track', 'Product Viewed', 'b' || e, 'bench-' || p, ARRAY[cdp.ident('user_id', 'bench-' || p)],
       cdp.ident('user_id', 'bench-' || p),
       '2026-07-01'::timestamptz - (1 + h % 5184000) * interval '1 second', '2026-07-01', '{}'
  FROM (SELECT e, 1 + (e - 1) % (1000000 * :scale) AS p, hashint8extended(e, 7) & 2147483647 AS h
          FROM generate_series(1, 3000000 * :scale) AS e) g;
CREATE INDEX bench_plan_idx ON cdp.profiles (cdp.trait(traits, 'plan'));
VACUUM ANALYZE cdp.profiles, cdp.identities, cdp.events;

-- The two readers: the same grants, one under row security.
DROP ROLE IF EXISTS bench_rls_app;
DROP ROLE IF EXISTS bench_rls_bypass;
CREATE ROLE bench_rls_app NOLOGIN IN ROLE cdp_app;
CREATE ROLE bench_rls_bypass NOLOGIN BYPASSRLS IN ROLE cdp_app;
SELECT cdp.grant_purpose('bench_rls_app', 'personalization'), cdp.grant_region('bench_rls_app', '*');
GRANT ALL ON SCHEMA public TO PUBLIC;

-- Median milliseconds of runs of query (given the run's number as $1, so
-- that lookups vary), after one unmeasured run: planned each time
-- (EXECUTE ... USING), or prepared once (PREPARE, then EXECUTE; the plan is
-- cached, as applications' prepared statements are).
CREATE FUNCTION public.median_ms(query text, runs int, prepared boolean) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; times float8[] := '{}';
BEGIN
    IF prepared THEN
        EXECUTE format('PREPARE bench_q(int) AS %s', query);
    END IF;
    FOR i IN 0..runs LOOP
        t0 := clock_timestamp();
        IF prepared THEN
            EXECUTE format('EXECUTE bench_q(%s)', i);
        ELSE
            EXECUTE query USING i;
        END IF;
        IF i > 0 THEN
            times := times || extract(epoch FROM clock_timestamp() - t0) * 1000;
        END IF;
    END LOOP;
    IF prepared THEN
        DEALLOCATE bench_q;
    END IF;
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times) t);
END $$;
CREATE TABLE public.results (query text, reader text, planned_ms float8, prepared_ms float8, rows_seen bigint);
GRANT INSERT, SELECT ON public.results TO PUBLIC;
CREATE TABLE public.queries (n int, label text, query text, runs int, check_query text);
GRANT SELECT ON public.queries TO PUBLIC;
INSERT INTO public.queries VALUES
 (1, '1% by an indexed trait',
  $q$SELECT count(*), max(length(traits::text)) FROM cdp.profiles WHERE cdp.trait(traits, 'plan') = 'p' || ($1 % 100)$q$, 21,
  $q$SELECT count(*) FROM cdp.profiles WHERE cdp.trait(traits, 'plan') = 'p7'$q$),
 (2, 'point lookup by identifier',
  $q$SELECT p.traits FROM cdp.identities i JOIN cdp.profiles p USING (profile_id)
      WHERE i.ident OPERATOR(cdp.=) cdp.ident('user_id', 'bench-' || (1 + ($1 * 7919) % 1000000))$q$, 201,
  $q$SELECT count(*) FROM cdp.identities i JOIN cdp.profiles p USING (profile_id)
      WHERE i.ident OPERATOR(cdp.=) cdp.ident('user_id', 'bench-7')$q$),
 (3, 'full aggregate over profiles',
  $q$SELECT region, count(*), sum(length(traits::text)) FROM cdp.profiles WHERE $1 >= 0 GROUP BY region$q$, 7,
  $q$SELECT count(*) FROM cdp.profiles$q$),
 (4, 'aggregate over a month of events',
  $q$SELECT count(*) FROM cdp.events WHERE occurred_at >= '2026-06-01' AND $1 >= 0$q$, 5,
  $q$SELECT count(*) FROM cdp.events WHERE occurred_at >= '2026-06-01'$q$);

CREATE PROCEDURE public.measure(reader text) LANGUAGE plpgsql AS $$
DECLARE q record; seen bigint;
BEGIN
    FOR q IN SELECT * FROM public.queries ORDER BY n LOOP
        EXECUTE q.check_query INTO seen;
        INSERT INTO public.results
        VALUES (q.label, reader, public.median_ms(q.query, q.runs, false), public.median_ms(q.query, q.runs, true), seen);
    END LOOP;
END $$;

SET ROLE bench_rls_bypass;
CALL public.measure('row security off (BYPASSRLS)');
SET ROLE bench_rls_app;
SET cdp.purpose = 'personalization';
CALL public.measure('row security on');
\echo Plans under row security (the indexes are still used):
EXPLAIN (COSTS OFF) SELECT count(*) FROM cdp.profiles WHERE cdp.trait(traits, 'plan') = 'p7';
EXPLAIN (COSTS OFF) SELECT p.traits FROM cdp.identities i JOIN cdp.profiles p USING (profile_id)
 WHERE i.ident OPERATOR(cdp.=) cdp.ident('user_id', 'bench-7');
RESET ROLE;
RESET cdp.purpose;

\echo Row security benchmark (median milliseconds; overhead = on / off, goal <= 1.15)
\echo (planned: each run parsed and planned; prepared: a cached plan, as applications run it)
SELECT q.n, q.label AS query,
       off.planned_ms::numeric(10,3) AS off_planned, rls.planned_ms::numeric(10,3) AS on_planned,
       (rls.planned_ms / off.planned_ms)::numeric(6,2) AS overhead_planned,
       off.prepared_ms::numeric(10,3) AS off_prepared, rls.prepared_ms::numeric(10,3) AS on_prepared,
       (rls.prepared_ms / off.prepared_ms)::numeric(6,2) AS overhead_prepared,
       off.rows_seen = rls.rows_seen AS same_rows
  FROM public.queries q
  JOIN public.results off ON off.query = q.label AND off.reader LIKE '%off%'
  JOIN public.results rls ON rls.query = q.label AND rls.reader = 'row security on'
 ORDER BY q.n;

SELECT cdp.revoke_purpose('bench_rls_app', 'personalization'), cdp.revoke_region('bench_rls_app', '*');
DROP ROLE bench_rls_app;
DROP ROLE bench_rls_bypass;
