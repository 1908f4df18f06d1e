-- Input bounds of the fuzzy, phonetic and normalization functions, each at
-- its limit (accepted) and one over it (refused), and long transliteration
-- cancelled by statement_timeout.  Limits count characters, not bytes: é
-- is two bytes in UTF-8.

-- Runs query; 'ok', or the SQLSTATE it raised.
CREATE FUNCTION pg_temp.outcome(query text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;

-- Comparisons of two strings: 10,000 characters per argument, 100,000 for
-- q-grams.  at_limit: both arguments at the limit where that is cheap (the
-- bit-parallel measures), else one.
SELECT f, lim,
       pg_temp.outcome(format('SELECT %s(repeat(''é'', %s), %s)', f, lim, other)) AS at_limit,
       pg_temp.outcome(format('SELECT %s(repeat(''é'', %s), ''x'')', f, lim + 1)) AS first_over,
       pg_temp.outcome(format('SELECT %s(''x'', repeat(''é'', %s))', f, lim + 1)) AS second_over
  FROM (VALUES ('cdp.levenshtein', 10000, 'repeat(''e'', 10000)'),
               ('cdp.osa_distance', 10000, 'repeat(''e'', 10000)'),
               ('cdp.damerau_levenshtein', 10000, '''x'''),
               ('cdp.jaro', 10000, 'repeat(''e'', 10000)'),
               ('cdp.jaro_winkler', 10000, 'repeat(''e'', 10000)'),
               ('cdp.token_set_similarity', 10000, '''x'''),
               ('cdp.qgram_similarity', 100000, 'repeat(''e'', 100000)')) AS t(f, lim, other);
SELECT pg_temp.outcome($$SELECT cdp.levenshtein(repeat('é', 10000), 'x', 1)$$) AS bounded_at_limit,
       pg_temp.outcome($$SELECT cdp.levenshtein(repeat('é', 10001), 'x', 1)$$) AS bounded_over,
       pg_temp.outcome($$SELECT cdp.qgram_similarity('x', repeat('é', 100001), 2)$$) AS qgram_q_over;
-- The values at the limit are right.
SELECT cdp.levenshtein(repeat('é', 10000), repeat('e', 10000)) AS lev,
       cdp.damerau_levenshtein(repeat('é', 10000), 'é') AS dl,
       cdp.jaro(repeat('é', 10000), repeat('é', 10000)) AS jaro,
       cardinality(cdp.deletion_keys(repeat('ab', 4999) || ' x')) AS deletion_keys;

-- Keys of one string: 10,000 characters for deletion_keys (its time grows
-- with the square of a word's length), 1,000,000 for the phonetic codes.
SELECT f, lim,
       pg_temp.outcome(format('SELECT %s(repeat(''%s'', %s))', f, c, lim)) AS at_limit,
       pg_temp.outcome(format('SELECT %s(repeat(''%s'', %s))', f, c, lim + 1)) AS over
  FROM (VALUES ('cdp.deletion_keys', 'é', 10000),
               ('cdp.soundex', 'a', 1000000),
               ('cdp.double_metaphone', 'a', 1000000),
               ('cdp.phonetic_keys', 'a', 1000000)) AS t(f, c, lim);
SELECT pg_temp.outcome($$SELECT cdp.soundex(repeat('é', 999999) || 'ab')$$) AS soundex_multibyte_over;

-- The messages name the function and the limit, never the value.
\set VERBOSITY default
SELECT cdp.levenshtein('x', repeat('é', 10001));
SELECT cdp.phonetic_keys(repeat('é', 1000001));
\set VERBOSITY terse

-- The normalizers: 1,024 bytes, as identifier values (22001), white space
-- included.
SELECT pg_temp.outcome($$SELECT cdp.normalize_name(repeat('a', 1024))$$) AS name_at_limit,
       pg_temp.outcome($$SELECT cdp.normalize_name(repeat('é', 512))$$) AS name_bytes_at_limit,
       pg_temp.outcome($$SELECT cdp.normalize_name(repeat('é', 512) || 'a')$$) AS name_over,
       pg_temp.outcome($$SELECT cdp.normalize_phone(repeat(' ', 1012) || '+33612345678')$$)
         AS phone_at_limit,
       pg_temp.outcome($$SELECT cdp.normalize_phone(repeat(' ', 1013) || '+33612345678')$$)
         AS phone_over,
       pg_temp.outcome($$SELECT cdp.normalize_email(repeat(' ', 1011) || 'a@example.com')$$)
         AS email_at_limit,
       pg_temp.outcome($$SELECT cdp.normalize_email(repeat(' ', 1012) || 'a@example.com')$$)
         AS email_over;

-- Long non-ASCII text is transliterated in pieces, in linear time, and can
-- be cancelled between them: without that, one call of each ran for minutes
-- and ignored statement_timeout, pg_cancel_backend and
-- pg_terminate_backend.  A million characters take seconds; the timeout
-- stops them.
\set VERBOSITY sqlstate
SET statement_timeout = '100ms';
SELECT cdp.soundex(repeat('é', 1000000));
SELECT cdp.double_metaphone(repeat('é', 1000000));
SELECT cdp.phonetic_keys(repeat('é', 1000000));
RESET statement_timeout;
\set VERBOSITY default
-- Pieces are parted at white space, else between characters: long text
-- gets the codes of its parts.
SELECT cdp.soundex(repeat('é', 600) || 'Ölberg') AS soundex,
       cdp.phonetic_keys(repeat('Иван ', 200) || repeat('Ж', 700) || ' Schmidt') AS keys;
