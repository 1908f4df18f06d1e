-- Probabilistic matching: accuracy and speed.
--
-- Data sets: FEBRL's febrl3 (deduplication: 5,000 records of 2,000 people)
-- and febrl4 (4a and 4b put together: 10,000 records, 5,000 true pairs
-- across the files), and records of the hard generator (test/gen/people.sql:
-- nicknames, swapped names, initials, typos, households and twins, moves
-- over decades), at 20,000 people and at about 1,000,000 records.  One
-- model for all (test/models/person.sql), written for person records
-- and not fitted to any of them; trained without ground truth.
--
-- Per data set: blocking pair completeness (true pairs among candidates)
-- and reduction ratio (1 - candidates / all pairs); pairwise precision,
-- recall and F1 at probability 0.5, 0.9 and 0.99; B-cubed precision,
-- recall and F1 of cdp.match_clusters at 0.9 with and without the chain
-- guard; training and scoring time, pairs scored per second (one core) and
-- the backend's peak memory.  Peer: the same scoring written in plain SQL
-- (the way Splink's SQL backends score: a CASE per comparison over the
-- blocked pairs), same model, same pairs, same weights (checked).
\set QUIET on
\pset footer off
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SET maintenance_work_mem = '2GB';
SET work_mem = '256MB';
\i test/models/person.sql
\i test/gen/people.sql

-- FEBRL files: every field text, empty when missing.
CREATE TABLE febrl_lines (file text, line text);
CREATE TEMP TABLE lines (line text);
\copy lines FROM 'test/data/febrl/febrl3.csv' WITH (FORMAT text, DELIMITER E'\x01')
INSERT INTO febrl_lines SELECT 'febrl3', line FROM lines; TRUNCATE lines;
\copy lines FROM 'test/data/febrl/febrl4a.csv' WITH (FORMAT text, DELIMITER E'\x01')
INSERT INTO febrl_lines SELECT 'febrl4a', line FROM lines; TRUNCATE lines;
\copy lines FROM 'test/data/febrl/febrl4b.csv' WITH (FORMAT text, DELIMITER E'\x01')
INSERT INTO febrl_lines SELECT 'febrl4b', line FROM lines; TRUNCATE lines;
CREATE FUNCTION pg_temp.febrl(files text[]) RETURNS TABLE (
    rec_id text, given_name text, surname text, street_number text, address_1 text, address_2 text,
    suburb text, postcode text, state text, date_of_birth text, soc_sec_id text)
LANGUAGE sql AS $$
    SELECT f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11]
      FROM (SELECT string_to_array(line, ', ') AS f FROM febrl_lines
             WHERE file = ANY (files) AND line NOT LIKE 'rec_id%') x
$$;
CREATE TABLE febrl3 AS SELECT * FROM pg_temp.febrl('{febrl3}');
CREATE TABLE febrl3_truth AS
SELECT a.rec_id AS l, b.rec_id AS r FROM febrl3 a JOIN febrl3 b
    ON split_part(a.rec_id, '-', 2) = split_part(b.rec_id, '-', 2) AND a.rec_id < b.rec_id;
CREATE TABLE febrl4 AS SELECT * FROM pg_temp.febrl('{febrl4a,febrl4b}');
CREATE TABLE febrl4_truth AS
SELECT least(a.rec_id, b.rec_id) AS l, greatest(a.rec_id, b.rec_id) AS r
  FROM pg_temp.febrl('{febrl4a}') a JOIN pg_temp.febrl('{febrl4b}') b
    ON split_part(a.rec_id, '-', 2) = split_part(b.rec_id, '-', 2);

-- Generated records (the columns of FEBRL, and email and phone).
CREATE TABLE people20k AS SELECT * FROM cdp_people.records(20000, 1);
CREATE TABLE people20k_truth AS SELECT left_rec AS l, right_rec AS r FROM cdp_people.true_pairs(20000, 1);
ANALYZE febrl3, febrl3_truth, febrl4, febrl4_truth, people20k, people20k_truth;

CREATE TABLE results (dataset text, step text, metric text, value double precision, ord serial);

-- The backend's peak resident memory so far, in MB.
CREATE FUNCTION pg_temp.peak_mb() RETURNS double precision LANGUAGE sql AS $$
    SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1]::float8 / 1024
$$;

-- Counts the candidate pairs of the model's blocking rules in plain SQL,
-- each once: the cost of blocking alone.
CREATE FUNCTION pg_temp.blocking_sql(model text, rel regclass, id text) RETURNS text
LANGUAGE sql AS $$
    SELECT string_agg(format('SELECT l.%I AS left_id, r.%I AS right_id FROM %s AS l JOIN %s AS r ON (%s) AND l.%I < r.%I WHERE true%s',
                             id, id, rel, rel, rule, id, id,
                             (SELECT string_agg(format(' AND NOT coalesce((%s), false)', e), '' ORDER BY en)
                                FROM jsonb_array_elements_text(spec->'blocking') WITH ORDINALITY AS x(e, en)
                               WHERE en < n)),
                      ' UNION ALL ' ORDER BY n)
      FROM cdp.match_models, jsonb_array_elements_text(spec->'blocking') WITH ORDINALITY AS b(rule, n)
     WHERE name = model
$$;

-- The model's scoring in plain SQL: one CASE per comparison over the
-- blocked pairs, the trained weights as constants, term frequencies from
-- a table of value shares per comparison (what Splink's SQL does).  Knows
-- the level kinds of the person model.
CREATE FUNCTION pg_temp.scoring_sql(model text, rel regclass, id text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    m record;
    c record;
    l record;
    terms text[] := '{}';
    joins text := '';
    value_l text;
    value_r text;
    cond text;
    cases text;
    prior float8;
BEGIN
    SELECT * INTO m FROM cdp.match_models WHERE name = model;
    prior := ln((m.params->>'lambda')::float8 / (1 - (m.params->>'lambda')::float8)) / ln(2);
    FOR c IN SELECT s.value AS spec, p.value AS params, s.n
               FROM jsonb_array_elements(m.spec->'comparisons') WITH ORDINALITY AS s(value, n)
               JOIN jsonb_array_elements(m.params->'comparisons') WITH ORDINALITY AS p(value, n2) ON p.n2 = s.n
    LOOP
        -- Blank text counts as NULL, as in the matcher.
        value_l := format('CASE WHEN btrim(l.%I::text) <> %L THEN l.%I::text END', c.spec->>'column', '', c.spec->>'column');
        value_r := format('CASE WHEN btrim(r.%I::text) <> %L THEN r.%I::text END', c.spec->>'column', '', c.spec->>'column');
        cases := format('CASE WHEN %s IS NULL OR %s IS NULL THEN 0', value_l, value_r);
        FOR l IN SELECT s.value AS spec, p.value AS params, s.n
                   FROM jsonb_array_elements(c.spec->'levels') WITH ORDINALITY AS s(value, n)
                   JOIN jsonb_array_elements(c.params->'levels') WITH ORDINALITY AS p(value, n2) ON p.n2 = s.n
        LOOP
            IF l.spec ? 'exact' THEN
                cond := format('%s = %s', value_l, value_r);
            ELSIF l.spec ? 'jaro_winkler' THEN
                cond := format('cdp.jaro_winkler(%s, %s) >= %s', value_l, value_r, l.spec->>'jaro_winkler');
            ELSIF l.spec ? 'token_set' THEN
                cond := format('cdp.token_set_similarity(%s, %s) >= %s', value_l, value_r, l.spec->>'token_set');
            ELSIF l.spec ? 'damerau_levenshtein' THEN
                cond := format('cdp.damerau_levenshtein(%s, %s) <= %s', value_l, value_r, l.spec->>'damerau_levenshtein');
            ELSIF l.spec ? 'date_within_days' THEN
                cond := format('abs(pg_temp.safe_date(%s) - pg_temp.safe_date(%s)) <= %s',
                               value_l, value_r, l.spec->>'date_within_days');
            ELSE
                RAISE EXCEPTION 'level % is not supported by the SQL peer', l.spec;
            END IF;
            IF (l.spec->>'tf')::boolean THEN
                joins := joins || format(' LEFT JOIN tf_%s AS tf_%s ON tf_%s.value = %s',
                                         c.spec->>'name', c.spec->>'name', c.spec->>'name', value_l);
                cases := cases || format(' WHEN %s THEN ln(%s / greatest(coalesce(tf_%s.share, %s), 1e-12)) / ln(2)',
                                         cond, l.params->>'m', c.spec->>'name', l.params->>'u');
            ELSE
                cases := cases || format(' WHEN %s THEN %s', cond, l.params->>'weight');
            END IF;
        END LOOP;
        cases := cases || format(' ELSE %s END', c.params->'levels'->-1->>'weight');
        terms := terms || cases;
    END LOOP;
    RETURN format('SELECT p.left_id, p.right_id, %s + %s AS match_weight FROM (%s) AS p'
                  ' JOIN %s AS l ON l.%I = p.left_id JOIN %s AS r ON r.%I = p.right_id%s',
                  prior, array_to_string(terms, ' + '), pg_temp.blocking_sql(model, rel, id),
                  rel, id, rel, id, joins);
END $$;

-- A date of the forms the matcher reads, or NULL: what a user writes in
-- SQL.  Two expressions without FROM, so that the planner inlines them
-- into the query (a function it cannot inline costs an executor per call).
CREATE FUNCTION pg_temp.safe_yyyymmdd(d text) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN d ~ '^\d{8}$'
                 AND substr(d, 1, 4)::int >= 1 AND substr(d, 5, 2)::int BETWEEN 1 AND 12
                 AND substr(d, 7, 2)::int BETWEEN 1 AND
                     extract(day FROM make_date(substr(d, 1, 4)::int, substr(d, 5, 2)::int, 1)
                                      + interval '1 month - 1 day')::int
                THEN make_date(substr(d, 1, 4)::int, substr(d, 5, 2)::int, substr(d, 7, 2)::int) END
$$;
CREATE FUNCTION pg_temp.safe_date(v text) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.safe_yyyymmdd(translate(left(v, 10), '-/.', ''))
$$;

-- Runs everything on one data set and records the figures.
CREATE FUNCTION pg_temp.evaluate(dataset text, rel regclass, truth regclass, with_peer boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    n bigint;
    total float8;
    true_pairs bigint;
    candidates bigint;
    found bigint;
    seconds float8;
    blocking_seconds float8;
    c record;
    diff float8;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', rel) INTO n;
    EXECUTE format('SELECT count(*) FROM %s', truth) INTO true_pairs;
    total := n::float8 * (n - 1) / 2;
    INSERT INTO results (dataset, step, metric, value) VALUES
        (dataset, 'data', 'records', n), (dataset, 'data', 'true pairs', true_pairs);
    PERFORM cdp.create_match_model(dataset, current_setting('bench.person_model')::jsonb);

    t := clock_timestamp();
    PERFORM cdp.train_match_model(dataset, rel, 'rec_id');
    INSERT INTO results (dataset, step, metric, value)
    VALUES (dataset, 'train', 'seconds', extract(epoch FROM clock_timestamp() - t)),
           (dataset, 'train', 'peak memory MB', pg_temp.peak_mb());

    t := clock_timestamp();
    EXECUTE format('SELECT count(*) FROM (%s) b', pg_temp.blocking_sql(dataset, rel, 'rec_id')) INTO candidates;
    blocking_seconds := extract(epoch FROM clock_timestamp() - t);
    t := clock_timestamp();
    EXECUTE format('CREATE TEMP TABLE scored AS SELECT * FROM cdp.match_pairs(%L, %L, %L)', dataset, rel, 'rec_id');
    seconds := extract(epoch FROM clock_timestamp() - t);
    EXECUTE format('SELECT count(*) FROM scored s JOIN %s t ON t.l = s.left_id AND t.r = s.right_id', truth) INTO found;
    INSERT INTO results (dataset, step, metric, value) VALUES
        (dataset, 'blocking', 'candidate pairs', candidates),
        (dataset, 'blocking', 'pair completeness', found::float8 / true_pairs),
        (dataset, 'blocking', 'reduction ratio', 1 - candidates / total),
        (dataset, 'score', 'cdp.match_pairs seconds', seconds),
        (dataset, 'score', 'blocking alone (SQL) seconds', blocking_seconds),
        (dataset, 'score', 'pairs scored per second', candidates / greatest(seconds - blocking_seconds, 1e-6)),
        (dataset, 'score', 'peak memory MB', pg_temp.peak_mb());

    FOR c IN EXECUTE format(
        'SELECT th, count(*) FILTER (WHERE t.l IS NOT NULL) AS tp, count(*) FILTER (WHERE t.l IS NULL) AS fp'
        '  FROM unnest(ARRAY[0.5, 0.9, 0.99]) th JOIN scored s ON s.probability >= th'
        '  LEFT JOIN %s t ON t.l = s.left_id AND t.r = s.right_id GROUP BY th ORDER BY th', truth)
    LOOP
        INSERT INTO results (dataset, step, metric, value) VALUES
            (dataset, 'pairs p >= ' || c.th, 'precision', c.tp::float8 / nullif(c.tp + c.fp, 0)),
            (dataset, 'pairs p >= ' || c.th, 'recall', c.tp::float8 / true_pairs),
            (dataset, 'pairs p >= ' || c.th, 'F1', 2.0 * c.tp / (2.0 * c.tp + c.fp + (true_pairs - c.tp)));
    END LOOP;

    FOR c IN SELECT * FROM unnest(ARRAY[true, false]) AS guard LOOP
        t := clock_timestamp();
        EXECUTE format('CREATE TEMP TABLE clusters AS SELECT * FROM cdp.match_clusters(%L, %L, %L, 0.9, %L)',
                       dataset, rel, 'rec_id', c.guard);
        seconds := extract(epoch FROM clock_timestamp() - t);
        -- B-cubed against the true people: each record's person is the
        -- smallest record it is a true pair with (or itself).
        EXECUTE format($q$
            WITH person AS (
                SELECT c.record_id, min(t.l) FILTER (WHERE t.l IS NOT NULL) AS first_true
                  FROM clusters c LEFT JOIN %1$s t ON t.r = c.record_id GROUP BY c.record_id),
            people AS (SELECT record_id, least(record_id, coalesce(first_true, record_id)) AS person FROM person),
            sizes AS (SELECT person, count(*) AS records FROM people GROUP BY person),
            per_record AS (
                SELECT a.record_id,
                       count(*) FILTER (WHERE pb.person = pa.person)::float8 / count(*) AS precision,
                       count(*) FILTER (WHERE pb.person = pa.person)::float8 / s.records AS recall
                  FROM clusters a JOIN people pa USING (record_id) JOIN sizes s ON s.person = pa.person
                  JOIN clusters b ON b.cluster_id = a.cluster_id JOIN people pb ON pb.record_id = b.record_id
                 GROUP BY a.record_id, s.records)
            INSERT INTO results (dataset, step, metric, value)
            SELECT %2$L, %3$L, m, v FROM (
                SELECT avg(precision) AS p, avg(recall) AS r FROM per_record) s,
                LATERAL (VALUES ('B-cubed precision', s.p), ('B-cubed recall', s.r),
                                ('B-cubed F1', 2 * s.p * s.r / nullif(s.p + s.r, 0))) AS x(m, v)
        $q$, truth, dataset, CASE WHEN c.guard THEN 'clusters p >= 0.9, chains split' ELSE 'clusters p >= 0.9, plain components' END);
        INSERT INTO results (dataset, step, metric, value)
        VALUES (dataset, CASE WHEN c.guard THEN 'clusters p >= 0.9, chains split' ELSE 'clusters p >= 0.9, plain components' END,
                'seconds', seconds);
        DROP TABLE clusters;
    END LOOP;

    IF with_peer THEN
        EXECUTE format('CREATE TEMP TABLE tf_given_name AS SELECT v AS value, count(*)::float8 / sum(count(*)) OVER () AS share'
                       ' FROM (SELECT CASE WHEN btrim(given_name) <> %L THEN given_name END AS v FROM %s) x WHERE v IS NOT NULL GROUP BY v', '', rel);
        EXECUTE format('CREATE TEMP TABLE tf_surname AS SELECT v AS value, count(*)::float8 / sum(count(*)) OVER () AS share'
                       ' FROM (SELECT CASE WHEN btrim(surname) <> %L THEN surname END AS v FROM %s) x WHERE v IS NOT NULL GROUP BY v', '', rel);
        EXECUTE format('CREATE TEMP TABLE tf_suburb AS SELECT v AS value, count(*)::float8 / sum(count(*)) OVER () AS share'
                       ' FROM (SELECT CASE WHEN btrim(suburb) <> %L THEN suburb END AS v FROM %s) x WHERE v IS NOT NULL GROUP BY v', '', rel);
        ANALYZE tf_given_name, tf_surname, tf_suburb;
        t := clock_timestamp();
        EXECUTE format('CREATE TEMP TABLE peer AS %s', pg_temp.scoring_sql(dataset, rel, 'rec_id'));
        seconds := extract(epoch FROM clock_timestamp() - t);
        SELECT max(abs(p.match_weight - s.match_weight)) INTO diff
          FROM peer p JOIN scored s USING (left_id, right_id);
        INSERT INTO results (dataset, step, metric, value) VALUES
            (dataset, 'peer: scoring in SQL', 'seconds', seconds),
            (dataset, 'peer: scoring in SQL', 'pairs scored per second',
             candidates / greatest(seconds - blocking_seconds, 1e-6)),
            (dataset, 'peer: scoring in SQL', 'largest weight difference from cdp', diff);
        DROP TABLE peer, tf_given_name, tf_surname, tf_suburb;
    END IF;
    DROP TABLE scored;
END $$;

SELECT set_config('bench.person_model', :'person_model', false) IS NOT NULL AS model_set \gset
SELECT pg_temp.evaluate('febrl3', 'febrl3', 'febrl3_truth', true);
SELECT pg_temp.evaluate('febrl4', 'febrl4', 'febrl4_truth', true);
SELECT pg_temp.evaluate('people20k', 'people20k', 'people20k_truth', true);

\echo
\echo 'Accuracy (one model, trained without ground truth on each data set)'
SELECT step, metric,
       max(value) FILTER (WHERE dataset = 'febrl3') AS febrl3,
       max(value) FILTER (WHERE dataset = 'febrl4') AS febrl4,
       max(value) FILTER (WHERE dataset = 'people20k') AS people20k
  FROM results
 WHERE step NOT IN ('train', 'score') AND metric <> 'seconds' AND step NOT LIKE 'peer%'
 GROUP BY step, metric ORDER BY min(ord);
\echo
\echo 'Speed (one core, no parallel workers)'
SELECT step, metric,
       round(max(value) FILTER (WHERE dataset = 'febrl3')::numeric, 3) AS febrl3,
       round(max(value) FILTER (WHERE dataset = 'febrl4')::numeric, 3) AS febrl4,
       round(max(value) FILTER (WHERE dataset = 'people20k')::numeric, 3) AS people20k
  FROM results
 WHERE step IN ('train', 'score') OR metric = 'seconds' OR step LIKE 'peer%'
 GROUP BY step, metric ORDER BY min(ord);
