-- Probabilistic matching at scale: about 1,000,000 generated person
-- records (test/gen/people.sql, 495,000 people), the person model of
-- test/models/person.sql, one core.  Reports training time, scoring
-- time and rate, the backend's peak memory, and pairwise accuracy at
-- probability 0.5, 0.9 and 0.99 against the generator's true pairs.
-- Takes several minutes; run by hand (see README, Benchmarks).
\set QUIET on
\pset footer off
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SET maintenance_work_mem = '4GB';
SET work_mem = '256MB';
\i test/models/person.sql
\i test/gen/people.sql

\set people 495000
CREATE TABLE people_1m AS SELECT * FROM cdp_people.records(:people, 7);
CREATE UNIQUE INDEX ON people_1m (rec_id);
CREATE TABLE people_1m_truth AS SELECT left_rec AS l, right_rec AS r FROM cdp_people.true_pairs(:people, 7);
CREATE UNIQUE INDEX ON people_1m_truth (l, r);
ANALYZE people_1m, people_1m_truth;

CREATE TABLE results (metric text, value double precision, ord serial);

CREATE FUNCTION pg_temp.peak_mb() RETURNS double precision LANGUAGE sql AS $$
    SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1]::float8 / 1024
$$;

SELECT cdp.create_match_model('people_1m', :'person_model') > 0 AS created \gset
DO $$
DECLARE
    t timestamptz;
    seconds float8;
    true_pairs bigint;
    c record;
BEGIN
    INSERT INTO results (metric, value)
    SELECT 'records', count(*) FROM people_1m;
    SELECT count(*) INTO true_pairs FROM people_1m_truth;
    INSERT INTO results (metric, value) VALUES ('true pairs', true_pairs);

    t := clock_timestamp();
    PERFORM cdp.train_match_model('people_1m', 'people_1m', 'rec_id');
    INSERT INTO results (metric, value) VALUES
        ('train: seconds', extract(epoch FROM clock_timestamp() - t)),
        ('train: peak memory MB', pg_temp.peak_mb());

    -- Every candidate pair is scored; those at 0.5 or more are kept.
    t := clock_timestamp();
    CREATE TEMP TABLE scored AS
    SELECT * FROM cdp.match_pairs('people_1m', 'people_1m', 'rec_id', 0.5);
    seconds := extract(epoch FROM clock_timestamp() - t);
    INSERT INTO results (metric, value) VALUES
        ('score: seconds (blocking, reading, scoring)', seconds),
        ('score: peak memory MB', pg_temp.peak_mb());

    FOR c IN
        SELECT th, count(*) FILTER (WHERE t.l IS NOT NULL) AS tp, count(*) FILTER (WHERE t.l IS NULL) AS fp
          FROM unnest(ARRAY[0.5, 0.9, 0.99]) th JOIN scored s ON s.probability >= th
          LEFT JOIN people_1m_truth t ON t.l = s.left_id AND t.r = s.right_id
         GROUP BY th ORDER BY th
    LOOP
        INSERT INTO results (metric, value) VALUES
            ('pairs p >= ' || c.th || ': precision', c.tp::float8 / nullif(c.tp + c.fp, 0)),
            ('pairs p >= ' || c.th || ': recall', c.tp::float8 / true_pairs),
            ('pairs p >= ' || c.th || ': F1', 2.0 * c.tp / (2.0 * c.tp + c.fp + (true_pairs - c.tp)));
    END LOOP;
END $$;

-- The candidate pairs, counted once each (the union of the rules), and the
-- rate: every candidate is read and scored by match_pairs.
CREATE TEMP TABLE counted AS
SELECT count(*) AS candidates FROM cdp.match_pairs('people_1m', 'people_1m', 'rec_id', 0);
INSERT INTO results (metric, value)
SELECT 'candidate pairs', candidates FROM counted
UNION ALL
SELECT 'pairs scored per second', candidates / (SELECT value FROM results WHERE metric LIKE 'score: seconds%')
  FROM counted;

\echo
\echo 'Matching about 1,000,000 generated records (one core)'
SELECT metric, round(value::numeric, 4) AS value FROM results ORDER BY ord;
