-- Benchmark: the identifier normalizers against what a user would otherwise
-- write (lower(btrim(x)), PostgreSQL's normalize(x, NFKC)), on the same
-- data, in one run.  Each figure is the best of several runs, in ns per
-- call, after subtracting the time of the same scan without the call.
-- Never a test: nothing here passes or fails.
\set ON_ERROR_STOP 1
\pset footer off
SET max_parallel_workers_per_gather = 0;
SET jit = off;

-- Returns the best wall-clock time of reps runs of query, in ns per row.
CREATE FUNCTION pg_temp.ns_per_row(query text, nrows bigint, reps int) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    best float8 := 'Infinity';
BEGIN
    FOR i IN 1 .. reps LOOP
        t0 := clock_timestamp();
        EXECUTE query;
        best := least(best, extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
    RETURN best * 1e9 / nrows;
END
$$;

CREATE TEMP TABLE results (dataset text, rows bigint, fn text, ns float8, lower_btrim_ns float8, nfkc_ns float8);

-- Times fn(x) (an expression over column x) on table tab, with the scan
-- baseline and both peers measured on the same rows.
CREATE FUNCTION pg_temp.measure(dataset text, tab text, fn text, reps int DEFAULT 3) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    base float8;
BEGIN
    EXECUTE format('SELECT count(*) FROM %I', tab) INTO n;
    base := pg_temp.ns_per_row(format('SELECT sum(length(x)) FROM %I', tab), n, reps);
    INSERT INTO results VALUES (
        dataset, n, fn,
        pg_temp.ns_per_row(format('SELECT sum(length((%s)::text)) FROM %I', fn, tab), n, reps) - base,
        pg_temp.ns_per_row(format('SELECT sum(length(lower(btrim(x)))) FROM %I', tab), n, reps) - base,
        pg_temp.ns_per_row(format('SELECT sum(length(normalize(x, NFKC))) FROM %I', tab), n, reps) - base);
END
$$;

-- Data: 1M rows each (Han names: 100k, they are slow to transliterate).
CREATE TEMP TABLE email_ascii AS
    SELECT ' ' || (ARRAY['John', 'Mary', 'Robert', 'Linda', 'Wei', 'Anna'])[1 + i % 6]
           || '.Smith' || i || '@Example.COM ' AS x
      FROM generate_series(1, 1000000) AS i;
CREATE TEMP TABLE email_nonascii AS
    SELECT (ARRAY['Jörg', 'Zoë', 'François', 'Łukasz', 'Søren', 'ＡＮＮＡ'])[1 + i % 6]
           || '.Müller' || i || '@Exämple.de' AS x
      FROM generate_series(1, 1000000) AS i;
CREATE TEMP TABLE name_ascii AS
    SELECT (ARRAY['John', 'Mary', 'Robert', 'Linda', 'Jean-Pierre', 'Anne Marie'])[1 + i % 6] || ' '
           || (ARRAY['Smith', 'O''Brien', 'Garcia-Lopez', 'Johnson', 'Van der Berg', 'Lee'])[1 + (i / 6) % 6] AS x
      FROM generate_series(1, 1000000) AS i;
CREATE TEMP TABLE name_latin AS
    SELECT (ARRAY['Jörg', 'Zoë', 'François', 'Łukasz', 'Søren', 'José'])[1 + i % 6] || ' '
           || (ARRAY['Müller', 'Pérez', 'Dvořák', 'Ærøskøbing', 'Straße', 'Wałęsa'])[1 + (i / 6) % 6] AS x
      FROM generate_series(1, 1000000) AS i;
CREATE TEMP TABLE name_cyrillic AS
    SELECT (ARRAY['Иван', 'Мария', 'Дмитрий', 'Наталья', 'Сергей', 'Ольга'])[1 + i % 6] || ' '
           || (ARRAY['Петров', 'Иванова', 'Смирнов', 'Кузнецова', 'Попов', 'Соколова'])[1 + (i / 6) % 6] AS x
      FROM generate_series(1, 1000000) AS i;
CREATE TEMP TABLE name_greek AS
    SELECT (ARRAY['Ελένη', 'Γιώργος', 'Μαρία', 'Νίκος', 'Σοφία', 'Κώστας'])[1 + i % 6] || ' '
           || (ARRAY['Παπαδοπούλου', 'Οικονόμου', 'Γεωργίου', 'Νικολάου', 'Δημητρίου', 'Ιωάννου'])[1 + (i / 6) % 6] AS x
      FROM generate_series(1, 1000000) AS i;
CREATE TEMP TABLE name_han AS
    SELECT (ARRAY['李小龍', '王芳', '张伟', '刘洋', '陈静', '杨磊'])[1 + i % 6] AS x
      FROM generate_series(1, 100000) AS i;
-- The name sets above hold 6 to 36 distinct names, so after the first
-- calls the per-backend transliteration cache answers.  These hold a
-- different name on every row (a syllable from the row number), so every
-- call pays for ICU: the cost of a name seen for the first time.
CREATE TEMP TABLE name_cyrillic_distinct AS
    SELECT (ARRAY['Иван', 'Мария', 'Дмитрий', 'Наталья', 'Сергей', 'Ольга'])[1 + i % 6] || ' '
           || translate(i::text, '0123456789', 'абвгдежзик') AS x
      FROM generate_series(1, 100000) AS i;
CREATE TEMP TABLE name_latin_distinct AS
    SELECT (ARRAY['Jörg', 'Zoë', 'François', 'Łukasz', 'Søren', 'José'])[1 + i % 6] || ' '
           || translate(i::text, '0123456789', 'áéíóúàèìòù') AS x
      FROM generate_series(1, 100000) AS i;
CREATE TEMP TABLE phone_ascii AS
    SELECT (ARRAY['06 12 34 ', '+33 6 12 34 ', '0033 6-12-34-', '(06) 12.34.'])[1 + i % 4]
           || lpad((i % 100)::text, 2, '0') || ' ' || lpad((i / 100 % 100)::text, 2, '0') AS x
      FROM generate_series(1, 1000000) AS i;
CREATE TEMP TABLE phone_fullwidth AS
    SELECT translate(x, '0123456789+', '０１２３４５６７８９＋') AS x FROM phone_ascii;
VACUUM ANALYZE email_ascii, email_nonascii, name_ascii, name_latin, name_cyrillic, name_greek,
               name_han, name_cyrillic_distinct, name_latin_distinct, phone_ascii, phone_fullwidth;
-- Warm up: ICU's transliterator and normalizers are opened once per backend.
SELECT cdp.normalize_name('Иван'), cdp.normalize_email('é@x.de'), cdp.normalize_phone('０６１２３４５６７８', 'FR');

\o /dev/null
SELECT pg_temp.measure('email, ASCII', 'email_ascii', 'cdp.normalize_email(x)');
SELECT pg_temp.measure('email, ASCII', 'email_ascii', 'cdp.ident(''email'', x)');
SELECT pg_temp.measure('email, non-ASCII', 'email_nonascii', 'cdp.normalize_email(x)');
SELECT pg_temp.measure('name, ASCII', 'name_ascii', 'cdp.normalize_name(x)');
SELECT pg_temp.measure('name, Latin accents', 'name_latin', 'cdp.normalize_name(x)');
SELECT pg_temp.measure('name, Cyrillic', 'name_cyrillic', 'cdp.normalize_name(x)');
SELECT pg_temp.measure('name, Greek', 'name_greek', 'cdp.normalize_name(x)');
SELECT pg_temp.measure('name, Han (100k rows)', 'name_han', 'cdp.normalize_name(x)', 2);
SELECT pg_temp.measure('name, Latin accents, all distinct (100k)', 'name_latin_distinct', 'cdp.normalize_name(x)', 2);
SELECT pg_temp.measure('name, Cyrillic, all distinct (100k)', 'name_cyrillic_distinct', 'cdp.normalize_name(x)', 2);
SELECT pg_temp.measure('phone, ASCII, region FR', 'phone_ascii', 'cdp.normalize_phone(x, ''FR'')');
SELECT pg_temp.measure('phone, full-width, region FR', 'phone_fullwidth', 'cdp.normalize_phone(x, ''FR'')');
\o

\echo
\echo 'ns per call (scan subtracted); ratios to the peers on the same rows'
SELECT dataset, rows, fn AS call,
       round(ns::numeric) AS ns_per_call,
       round(lower_btrim_ns::numeric) AS lower_btrim_ns,
       round((ns / lower_btrim_ns)::numeric, 2) AS x_lower_btrim,
       round(nfkc_ns::numeric) AS nfkc_ns,
       round((ns / nfkc_ns)::numeric, 2) AS x_normalize_nfkc
  FROM results;

\echo 'goals: email and ASCII names within 2x of lower(btrim(x)); non-ASCII names under 3 us'
SELECT dataset, fn AS call,
       CASE WHEN dataset LIKE 'name, ASCII%' OR fn = 'cdp.normalize_email(x)'
            THEN format('%s x lower(btrim(x)) (goal <= 2)', round((ns / lower_btrim_ns)::numeric, 2))
            ELSE format('%s us per call (goal < 3)', round((ns / 1000)::numeric, 2)) END AS measured,
       CASE WHEN dataset LIKE 'name, ASCII%' OR fn = 'cdp.normalize_email(x)'
            THEN ns / lower_btrim_ns <= 2 ELSE ns < 3000 END AS met
  FROM results
 WHERE fn = 'cdp.normalize_email(x)' OR dataset LIKE 'name%';
