-- Top-10 nearest-name search without a full scan: 1,000 misspelt queries
-- against 1,000,000 full names ("given surname", drawn from the FEBRL
-- vocabulary in test/data/febrl).  "Nearest" means
-- smallest cdp.levenshtein.  Indexed ways to find candidates, each ranked by
-- cdp.levenshtein:
--   trgm:          pg_trgm GIN index, name % query (similarity >= 0.3)
--   deletion_keys: GIN on cdp.deletion_keys(name): a word within one typo
--   phonetic_keys: GIN on cdp.phonetic_keys(name): a word sounds alike
--   and their unions.
-- Recall@10 compares with an exhaustive scan of all 1M names, computed for
-- a sample of 100 of the queries (every 10th: an exhaustive scan takes
-- about 0.2 s per query with two parallel workers, which for all 1,000
-- would make most of the run); a returned name counts as a hit when its
-- distance is at most the 10th smallest distance of the exhaustive top 10
-- (ties count).
\set QUIET on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION pg_trgm;
SET jit = off;

CREATE TABLE febrl_lines (line text);
\set f :top '/test/data/febrl/febrl2.csv'
\set copy_cmd '\\copy febrl_lines FROM ' :'f'
:copy_cmd
\set f :top '/test/data/febrl/febrl3.csv'
\set copy_cmd '\\copy febrl_lines FROM ' :'f'
:copy_cmd
\set f :top '/test/data/febrl/febrl4a.csv'
\set copy_cmd '\\copy febrl_lines FROM ' :'f'
:copy_cmd
\set f :top '/test/data/febrl/febrl4b.csv'
\set copy_cmd '\\copy febrl_lines FROM ' :'f'
:copy_cmd
CREATE TABLE given AS
SELECT row_number() OVER (ORDER BY g) AS k, g FROM (SELECT DISTINCT split_part(line, ', ', 2) AS g
  FROM febrl_lines WHERE line NOT LIKE 'rec_id%' AND split_part(line, ', ', 2) ~ '^[a-z]+$') s;
CREATE TABLE surname AS
SELECT row_number() OVER (ORDER BY s) AS k, s FROM (SELECT DISTINCT split_part(line, ', ', 3) AS s
  FROM febrl_lines WHERE line NOT LIKE 'rec_id%' AND split_part(line, ', ', 3) ~ '^[a-z]+$') s;

CREATE TABLE names (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO names
SELECT i, g.g || ' ' || s.s
  FROM generate_series(1, 1000000) i
  JOIN given g ON g.k = 1 + (hashint4(i) & 2147483647) % (SELECT count(*) FROM given)
  JOIN surname s ON s.k = 1 + (hashint4(-i) & 2147483647) % (SELECT count(*) FROM surname);
VACUUM ANALYZE names;

-- 1,000 queries: names from the table with one typo (substitution,
-- deletion, insertion or transposition of neighbours).
CREATE TABLE queries AS
SELECT q.qid,
       CASE q.qid % 4
           WHEN 0 THEN overlay(n.name PLACING chr(97 + q.qid % 26) FROM p FOR 1)
           WHEN 1 THEN overlay(n.name PLACING '' FROM p FOR 1)
           WHEN 2 THEN overlay(n.name PLACING chr(97 + q.qid % 26) FROM p FOR 0)
           ELSE overlay(n.name PLACING substr(n.name, p + 1, 1) || substr(n.name, p, 1) FROM p FOR 2)
       END AS query
  FROM generate_series(1, 1000) q(qid)
  JOIN names n ON n.id = 1 + (hashint4(q.qid * 7919) & 2147483647) % 1000000,
       LATERAL (SELECT 1 + (hashint4(q.qid) & 2147483647) % (length(n.name) - 1) AS p) pos;

SELECT (SELECT count(*) FROM given) AS given_names, (SELECT count(*) FROM surname) AS surnames,
       (SELECT count(*) FROM names) AS names, (SELECT count(DISTINCT name) FROM names) AS distinct_names,
       (SELECT round(avg(length(name)), 1) FROM names) AS avg_chars,
       (SELECT string_agg(query, ' | ') FROM (SELECT query FROM queries ORDER BY qid LIMIT 4) s) AS example_queries;

CREATE TABLE build (what text, seconds numeric, size text);
CREATE FUNCTION pg_temp.timed(what text, ddl text, idx text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE ddl;
    INSERT INTO build VALUES (what, round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1),
                              pg_size_pretty(pg_relation_size(idx::regclass)));
END $$;
SELECT pg_temp.timed('pg_trgm GIN (gin_trgm_ops)',
    'CREATE INDEX names_trgm ON names USING gin (name gin_trgm_ops)', 'names_trgm') \g /dev/null
SELECT pg_temp.timed('GIN on cdp.deletion_keys(name)',
    'CREATE INDEX names_del ON names USING gin (cdp.deletion_keys(name))', 'names_del') \g /dev/null
SELECT pg_temp.timed('GIN on cdp.phonetic_keys(name)',
    'CREATE INDEX names_phon ON names USING gin (cdp.phonetic_keys(name))', 'names_phon') \g /dev/null
ANALYZE names;
\echo
\echo Index builds (1,000,000 names)
SELECT what AS index, seconds, size FROM build;

-- The searches, as a user would write them.
CREATE FUNCTION pg_temp.search_trgm(q text) RETURNS TABLE (name text, dist int)
LANGUAGE sql STABLE AS $$
    SELECT name, cdp.levenshtein(name, q) FROM names WHERE name % q
     ORDER BY 2, 1 LIMIT 10
$$;
CREATE FUNCTION pg_temp.search_deletion(q text) RETURNS TABLE (name text, dist int)
LANGUAGE sql STABLE AS $$
    SELECT name, cdp.levenshtein(name, q) FROM names
     WHERE cdp.deletion_keys(name) && cdp.deletion_keys(q)
     ORDER BY 2, 1 LIMIT 10
$$;
CREATE FUNCTION pg_temp.search_blocking(q text) RETURNS TABLE (name text, dist int)
LANGUAGE sql STABLE AS $$
    SELECT name, cdp.levenshtein(name, q) FROM names
     WHERE cdp.deletion_keys(name) && cdp.deletion_keys(q)
        OR cdp.phonetic_keys(name) && cdp.phonetic_keys(q)
     ORDER BY 2, 1 LIMIT 10
$$;
CREATE FUNCTION pg_temp.search_all(q text) RETURNS TABLE (name text, dist int)
LANGUAGE sql STABLE AS $$
    SELECT name, cdp.levenshtein(name, q) FROM names
     WHERE name % q
        OR cdp.deletion_keys(name) && cdp.deletion_keys(q)
        OR cdp.phonetic_keys(name) && cdp.phonetic_keys(q)
     ORDER BY 2, 1 LIMIT 10
$$;

CREATE TABLE results (method text, qid int, ms float8, name text, dist int);
CREATE FUNCTION pg_temp.run(method text, fn text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r record;
    t0 timestamptz;
    hits text[];
    dists int[];
BEGIN
    FOR r IN SELECT qid, query FROM queries ORDER BY qid LOOP
        t0 := clock_timestamp();
        EXECUTE format('SELECT array_agg(name), array_agg(dist) FROM %s($1)', fn)
           INTO hits, dists USING r.query;
        INSERT INTO results
        SELECT method, r.qid, extract(epoch FROM clock_timestamp() - t0) * 1000, h.name, h.dist
          FROM unnest(coalesce(hits, '{}'), coalesce(dists, '{}')) h(name, dist)
         UNION ALL
        SELECT method, r.qid, extract(epoch FROM clock_timestamp() - t0) * 1000, NULL, NULL
         WHERE hits IS NULL;
    END LOOP;
END $$;
SET max_parallel_workers_per_gather = 0;
SELECT pg_temp.run('1 trgm', 'pg_temp.search_trgm') \g /dev/null
SELECT pg_temp.run('2 deletion_keys', 'pg_temp.search_deletion') \g /dev/null
SELECT pg_temp.run('3 deletion_keys + phonetic_keys', 'pg_temp.search_blocking') \g /dev/null
SELECT pg_temp.run('4 trgm + deletion_keys + phonetic_keys', 'pg_temp.search_all') \g /dev/null

-- Exhaustive top 10 for every 10th query (parallel scan of all names).
SET max_parallel_workers_per_gather = 2;
CREATE TABLE exhaustive (qid int, d10 int, ms float8);
DO $$
DECLARE
    r record;
    t0 timestamptz;
    d int;
BEGIN
    FOR r IN SELECT qid, query FROM queries WHERE qid % 10 = 0 ORDER BY qid LOOP
        t0 := clock_timestamp();
        SELECT max(dist) INTO d
          FROM (SELECT cdp.levenshtein(name, r.query) AS dist FROM names ORDER BY 1 LIMIT 10) s;
        INSERT INTO exhaustive VALUES (r.qid, d, extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
END $$;

\echo Top-10 search, 1,000 queries (latency per query; recall@10 on the 100 queries with an exhaustive answer)
WITH per_query AS (
    SELECT method, qid, max(ms) AS ms, count(name) AS returned,
           min(dist) AS best
      FROM results GROUP BY method, qid),
recall AS (
    SELECT r.method, r.qid, least(count(*) FILTER (WHERE r.dist <= e.d10), 10) / 10.0 AS recall
      FROM results r JOIN exhaustive e USING (qid) GROUP BY r.method, r.qid)
SELECT p.method, count(*) AS queries,
       round(avg(p.ms)::numeric, 2) AS "avg ms", 
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY p.ms))::numeric, 2) AS "p50 ms",
       round((percentile_cont(0.95) WITHIN GROUP (ORDER BY p.ms))::numeric, 2) AS "p95 ms",
       round(avg(p.returned), 1) AS "avg returned",
       round(avg(p.best), 2) AS "avg best distance",
       round((SELECT avg(recall) FROM recall r WHERE r.method = p.method), 3) AS "recall@10",
       (SELECT count(*) FROM recall r WHERE r.method = p.method AND r.recall = 1) AS "full recall (of 100)"
  FROM per_query p GROUP BY p.method
UNION ALL
SELECT '5 exhaustive scan (2 workers)', count(*), round(avg(ms)::numeric, 2),
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::numeric, 2),
       round((percentile_cont(0.95) WITHIN GROUP (ORDER BY ms))::numeric, 2), 10, NULL, 1, count(*)
  FROM exhaustive
ORDER BY 1;

\echo Candidates ranked per query (first 50 queries)
SELECT round(avg((SELECT count(*) FROM names WHERE name % q.query)), 0) AS trgm,
       round(avg((SELECT count(*) FROM names WHERE cdp.deletion_keys(name) && cdp.deletion_keys(q.query))), 0)
           AS deletion_keys,
       round(avg((SELECT count(*) FROM names WHERE cdp.phonetic_keys(name) && cdp.phonetic_keys(q.query))), 0)
           AS phonetic_keys
  FROM queries q WHERE qid <= 50;
