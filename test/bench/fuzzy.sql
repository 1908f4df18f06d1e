-- Fuzzy matching speed: net nanoseconds per call of each cdp function and
-- of its peers (fuzzystrmatch, pg_trgm) on the same 200,000 pairs, in one
-- run.  Net = time of a scan that calls the function minus the time of the
-- same scan reading the same columns without calling anything; each query
-- runs 5 times and the fastest run counts.  One backend, no parallel
-- workers.
\set QUIET on
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION fuzzystrmatch;
CREATE EXTENSION pg_trgm;
SET max_parallel_workers_per_gather = 0;
SET jit = off;

-- Pseudo-random strings: md5 of a counter mapped onto an alphabet.
CREATE FUNCTION pg_temp.rand_str(seed int, len int, alphabet text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT substr(translate(repeat(md5(seed::text) || md5((seed * 31 + 7)::text), 1 + len / 64),
                            '0123456789abcdef', alphabet), 1, len)
$$;

-- edited returns s with one edit (substitution, deletion or insertion) at
-- a position chosen by seed.
CREATE FUNCTION pg_temp.edited(s text, seed int, filler text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE seed % 3
               WHEN 0 THEN overlay(s PLACING filler FROM 1 + seed % length(s) FOR 1)
               WHEN 1 THEN overlay(s PLACING '' FROM 1 + seed % length(s) FOR 1)
               ELSE overlay(s PLACING filler FROM 1 + seed % length(s) FOR 0)
           END
$$;

CREATE TABLE pairs (dataset text, a text, b text);
INSERT INTO pairs
SELECT 'ascii 8 (names, 1 edit)', a, pg_temp.edited(a, i / 7, 'x')
  FROM (SELECT i, initcap(pg_temp.rand_str(i, 8, 'aeioubcdlmnrstvy')) AS a
          FROM generate_series(1, 200000) i) s;
INSERT INTO pairs
SELECT 'ascii 8 unrelated (no common affix)', initcap(pg_temp.rand_str(i, 8, 'aeioubcdlmnrstvy')),
       initcap(pg_temp.rand_str(i + 500000, 8, 'aeioubcdlmnrstvy'))
  FROM generate_series(1, 200000) i;
INSERT INTO pairs
SELECT 'ascii 35 (1-3 edits)', a,
       CASE WHEN i % 3 = 0 THEN pg_temp.edited(pg_temp.edited(a, i / 5, 'q'), i / 11, 'z')
            ELSE pg_temp.edited(a, i / 7, 'x') END
  FROM (SELECT i, pg_temp.rand_str(i, 35, 'aeiou bcdlmnrst ') AS a
          FROM generate_series(1, 200000) i) s;
INSERT INTO pairs
SELECT 'accented Latin (8-12, 1 edit)', a, pg_temp.edited(a, i / 7, 'é')
  FROM (SELECT i, pg_temp.rand_str(i, 8 + i % 5, 'aáàäéèíóöøúüñçßs') AS a
          FROM generate_series(1, 200000) i) s;
INSERT INTO pairs
SELECT 'Cyrillic (8-12, 1 edit)', a, pg_temp.edited(a, i / 7, 'ж')
  FROM (SELECT i, pg_temp.rand_str(i, 8 + i % 5, 'абвгдеиклмнопрст') AS a
          FROM generate_series(1, 200000) i) s;
CREATE TABLE p_ascii8 AS SELECT a, b FROM pairs WHERE dataset LIKE 'ascii 8 (%';
CREATE TABLE p_ascii8u AS SELECT a, b FROM pairs WHERE dataset LIKE 'ascii 8 unrelated%';
CREATE TABLE p_ascii35 AS SELECT a, b FROM pairs WHERE dataset LIKE 'ascii 35%';
CREATE TABLE p_latin AS SELECT a, b FROM pairs WHERE dataset LIKE 'accented%';
CREATE TABLE p_cyrillic AS SELECT a, b FROM pairs WHERE dataset LIKE 'Cyrillic%';
VACUUM ANALYZE p_ascii8, p_ascii8u, p_ascii35, p_latin, p_cyrillic;

SELECT dataset, count(*) AS pairs, round(avg(length(a)), 1) AS avg_chars,
       round(avg(octet_length(a)), 1) AS avg_bytes,
       (array_agg(a || ' / ' || b))[1] AS example
  FROM pairs p GROUP BY dataset ORDER BY min(length(a)), dataset;
DROP TABLE pairs;

-- best_ms runs a query 5 times and returns the fastest run in ms.
CREATE FUNCTION pg_temp.best_ms(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    best float8 := 'Infinity';
BEGIN
    EXECUTE query;				-- warm the cache
    FOR r IN 1..5 LOOP
        t0 := clock_timestamp();
        EXECUTE query;
        best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
    RETURN best;
END $$;

CREATE TABLE timings (dataset text, fn text, ms float8, ord int);
CREATE FUNCTION pg_temp.measure(tab text, label text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    fns text[] := ARRAY[
        'cdp.levenshtein(a, b)', 'levenshtein(a, b)',
        'cdp.levenshtein(a, b, 2)', 'levenshtein_less_equal(a, b, 2)',
        'cdp.osa_distance(a, b)', 'cdp.damerau_levenshtein(a, b)',
        'cdp.jaro(a, b)', 'cdp.jaro_winkler(a, b)',
        'cdp.qgram_similarity(a, b)', 'similarity(a, b)',
        'cdp.token_set_similarity(a, b)',
        'cdp.soundex(a)', 'soundex(a)', 'cdp.double_metaphone(a)',
        'ARRAY[dmetaphone(a), dmetaphone_alt(a)]'];
BEGIN
    INSERT INTO timings VALUES (label, 'baseline scan', pg_temp.best_ms(
        format('SELECT count(*) FROM %I WHERE a IS NOT NULL AND b IS NOT NULL', tab)), 0);
    FOR i IN 1..cardinality(fns) LOOP
        INSERT INTO timings VALUES (label, fns[i], pg_temp.best_ms(
            format('SELECT count(*) FROM %I WHERE %s IS NOT NULL', tab, fns[i])), i);
    END LOOP;
END $$;
SELECT pg_temp.measure('p_ascii8', 'ascii 8') \g /dev/null
SELECT pg_temp.measure('p_ascii8u', 'ascii 8 unrelated') \g /dev/null
SELECT pg_temp.measure('p_ascii35', 'ascii 35') \g /dev/null
SELECT pg_temp.measure('p_latin', 'accented Latin') \g /dev/null
SELECT pg_temp.measure('p_cyrillic', 'Cyrillic') \g /dev/null

CREATE VIEW net AS
SELECT t.dataset, t.fn, t.ord,
       greatest((t.ms - b.ms) * 1e6 / 200000, 0.1)::numeric AS ns
  FROM timings t JOIN timings b ON b.dataset = t.dataset AND b.fn = 'baseline scan';

\echo
\echo Net ns per call (200,000 pairs per data set; ratio = peer ns / cdp ns, higher is better for cdp)
SELECT n.dataset, n.fn AS "function", round(n.ns) AS "net ns/call",
       CASE WHEN n.fn LIKE 'cdp.%' THEN round((SELECT ns FROM net p WHERE p.dataset = n.dataset
                                                  AND p.fn = 'levenshtein(a, b)') / n.ns, 1) END
           AS "x fuzzystrmatch.levenshtein",
       CASE WHEN n.fn LIKE 'cdp.%' THEN round((SELECT ns FROM net p WHERE p.dataset = n.dataset
                                                  AND p.fn = 'similarity(a, b)') / n.ns, 1) END
           AS "x pg_trgm.similarity"
  FROM net n WHERE n.fn <> 'baseline scan'
 ORDER BY CASE n.dataset WHEN 'ascii 8' THEN 1 WHEN 'ascii 8 unrelated' THEN 2
                         WHEN 'ascii 35' THEN 3 WHEN 'accented Latin' THEN 4 ELSE 5 END, n.ord;

\echo Direct peers (ratio = peer ns / cdp ns)
SELECT n.dataset, c.fn AS cdp, p.fn AS peer, round(c.ns) AS "cdp ns", round(p.ns) AS "peer ns",
       round(p.ns / c.ns, 1) AS ratio
  FROM (SELECT DISTINCT dataset FROM net) n,
       (VALUES ('cdp.levenshtein(a, b)', 'levenshtein(a, b)'),
               ('cdp.levenshtein(a, b, 2)', 'levenshtein_less_equal(a, b, 2)'),
               ('cdp.qgram_similarity(a, b)', 'similarity(a, b)'),
               ('cdp.soundex(a)', 'soundex(a)'),
               ('cdp.double_metaphone(a)', 'ARRAY[dmetaphone(a), dmetaphone_alt(a)]')) v(cf, pf)
       JOIN net c ON c.fn = v.cf JOIN net p ON p.fn = v.pf
 WHERE c.dataset = n.dataset AND p.dataset = n.dataset
 ORDER BY CASE n.dataset WHEN 'ascii 8' THEN 1 WHEN 'ascii 8 unrelated' THEN 2
                         WHEN 'ascii 35' THEN 3 WHEN 'accented Latin' THEN 4 ELSE 5 END, c.ord;

\echo Goals of issue 4
WITH n AS (SELECT dataset, fn, ns FROM net)
SELECT goal, measured, met FROM (
  SELECT 1 AS o, 'levenshtein >= 2x fuzzystrmatch at 8 chars' AS goal,
         round(p.ns / c.ns, 1) || 'x' AS measured, p.ns / c.ns >= 2 AS met
    FROM n c, n p WHERE c.dataset = 'ascii 8' AND p.dataset = 'ascii 8'
     AND c.fn = 'cdp.levenshtein(a, b)' AND p.fn = 'levenshtein(a, b)'
  UNION ALL
  SELECT 1, 'levenshtein >= 2x fuzzystrmatch at 8 chars, unrelated pairs',
         round(p.ns / c.ns, 1) || 'x', p.ns / c.ns >= 2
    FROM n c, n p WHERE c.dataset = 'ascii 8 unrelated' AND p.dataset = 'ascii 8 unrelated'
     AND c.fn = 'cdp.levenshtein(a, b)' AND p.fn = 'levenshtein(a, b)'
  UNION ALL
  SELECT 2, 'levenshtein >= 8x fuzzystrmatch at 35 chars', round(p.ns / c.ns, 1) || 'x', p.ns / c.ns >= 8
    FROM n c, n p WHERE c.dataset = 'ascii 35' AND p.dataset = 'ascii 35'
     AND c.fn = 'cdp.levenshtein(a, b)' AND p.fn = 'levenshtein(a, b)'
  UNION ALL
  SELECT 3, 'jaro_winkler <= 100 ns net at 8 chars (' || c.dataset || ')', round(c.ns) || ' ns', c.ns <= 100
    FROM n c WHERE c.dataset IN ('ascii 8', 'ascii 8 unrelated') AND c.fn = 'cdp.jaro_winkler(a, b)'
  UNION ALL
  SELECT 4, 'qgram_similarity >= 3x pg_trgm similarity (worst data set)',
         round(min(p.ns / c.ns), 1) || 'x', min(p.ns / c.ns) >= 3
    FROM n c JOIN n p USING (dataset)
   WHERE c.fn = 'cdp.qgram_similarity(a, b)' AND p.fn = 'similarity(a, b)') g
 ORDER BY o, goal;
