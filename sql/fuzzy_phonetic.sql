-- Phonetic codes and blocking keys: cdp.soundex, cdp.double_metaphone,
-- cdp.phonetic_keys, cdp.deletion_keys.  Checked against fuzzystrmatch in
-- the same database on the given names and surnames of the FEBRL records
-- (test/data/febrl).
CREATE EXTENSION fuzzystrmatch;

CREATE TABLE febrl_lines (line text);
\copy febrl_lines FROM 'test/data/febrl/febrl1.csv' WITH (FORMAT text, DELIMITER E'\x01')
\copy febrl_lines FROM 'test/data/febrl/febrl2.csv' WITH (FORMAT text, DELIMITER E'\x01')
\copy febrl_lines FROM 'test/data/febrl/febrl3.csv' WITH (FORMAT text, DELIMITER E'\x01')
\copy febrl_lines FROM 'test/data/febrl/febrl4a.csv' WITH (FORMAT text, DELIMITER E'\x01')
\copy febrl_lines FROM 'test/data/febrl/febrl4b.csv' WITH (FORMAT text, DELIMITER E'\x01')
CREATE TABLE names AS
SELECT DISTINCT name
  FROM febrl_lines, LATERAL (VALUES (split_part(line, ', ', 2)), (split_part(line, ', ', 3))) v(name)
 WHERE line NOT LIKE 'rec_id,%' AND name <> '';
SELECT count(*) AS names, count(*) FILTER (WHERE name ~ '^[a-z]+$') AS plain_letters FROM names;

-- Double Metaphone equals fuzzystrmatch's dmetaphone and dmetaphone_alt.
SELECT count(*) AS names,
       count(*) FILTER (WHERE (cdp.double_metaphone(name))[1] <> dmetaphone(name)) AS primary_differs,
       count(*) FILTER (WHERE (cdp.double_metaphone(name))[2] <> dmetaphone_alt(name)) AS alternate_differs,
       count(DISTINCT dmetaphone(name)) AS distinct_codes,
       count(*) FILTER (WHERE dmetaphone(name) <> dmetaphone_alt(name)) AS with_own_alternate
  FROM names;

-- Words that exercise the special rules, and random words over letters
-- that trigger them.
SELECT count(*) AS words,
       count(*) FILTER (WHERE cdp.double_metaphone(w) <> ARRAY[dmetaphone(w), dmetaphone_alt(w)]) AS differ
  FROM (SELECT substr(translate(md5(i::text) || md5((i + 7)::text), '0123456789abcdef', alphabet),
                      1, 2 + i % 13) AS w
          FROM generate_series(1, 4000) i,
               unnest(ARRAY['ACEGHINOSTWZ CHR', 'BDFJKLMPQRUVXYAE', 'SCHWAEIOUGHTCZKL',
                            'CHAEIORSTMNGLJWZ', 'VAN OSCHEIRGTYBD']) alphabet) r;
SELECT w, cdp.double_metaphone(w) AS cdp, ARRAY[dmetaphone(w), dmetaphone_alt(w)] AS fuzzystrmatch
  FROM unnest(ARRAY['Xavier', 'Caesar', 'Chianti', 'Michael', 'Chemistry', 'Chorus',
                    'Architect', 'Orchestra', 'Wachtler', 'McHugh', 'Czerny', 'Focaccia',
                    'McClellan', 'Bellocchio', 'Bacchus', 'Accident', 'Succeed', 'Bertucci',
                    'Mac Caffrey', 'Edge', 'Edgar', 'Ghislane', 'Hugh', 'Broughton',
                    'Laugh', 'McLaughlin', 'Cagney', 'Tagliaro', 'Biaggi', 'Jose',
                    'San Jacinto', 'Yankelovich', 'Bajador', 'Cabrillo', 'Gallegos',
                    'Thumb', 'Campbell', 'Rogier', 'Hochmeier', 'Island', 'Carlysle',
                    'Sugar', 'Smith', 'Schmidt', 'Schneider', 'School', 'Schermerhorn',
                    'Resnais', 'Thomas', 'Wasserman', 'Womo', 'Arnow', 'Filipowicz',
                    'Breaux', 'Zhao', 'Danger', 'Van Gogh', 'Knight', 'Wright', 'Psychology',
                    '', '1234', 'o''brien']) w;

-- Other letters are transliterated first, C with cedilla read as S as in
-- the original algorithm (fuzzystrmatch skips the letters it does not know
-- in a UTF-8 database).
SELECT w, cdp.double_metaphone(w), dmetaphone(w) AS fuzzystrmatch_primary
  FROM unnest(ARRAY['Иван Петров', 'Müller', 'Łukasz', 'Françoise', 'ÇELIK', 'Σωκράτης', 'Øberg']) w;

-- Soundex: American Soundex.  It equals fuzzystrmatch wherever
-- fuzzystrmatch follows the standard; fuzzystrmatch ignores the H/W rule
-- (consonants with the same digit on both sides of H or W are coded once),
-- so it equals fuzzystrmatch applied to the name without its inner H and W.
SELECT count(*) AS names,
       count(*) FILTER (WHERE cdp.soundex(name) <> soundex(name)) AS differ_from_fuzzystrmatch,
       count(*) FILTER (WHERE cdp.soundex(name)
                              <> soundex(left(name, 1) || regexp_replace(substr(name, 2), '[hw]', '', 'g')))
           AS differ_with_hw_rule
  FROM names;
SELECT name, cdp.soundex(name), soundex(name) AS fuzzystrmatch
  FROM names WHERE cdp.soundex(name) <> soundex(name) ORDER BY name LIMIT 8;
SELECT count(*) AS words,
       count(*) FILTER (WHERE cdp.soundex(w)
                              <> soundex(left(w, 1) || regexp_replace(substr(w, 2), '[HW]', '', 'g')))
           AS differ_with_hw_rule
  FROM (SELECT substr(translate(md5(i::text) || md5((i + 7)::text), '0123456789abcdef', alphabet),
                      1, 2 + i % 13) AS w
          FROM generate_series(1, 4000) i,
               unnest(ARRAY['ACEGHINOSTWZ CHR', 'BDFJKLMPQRUVXYAE', 'SCHWAEIOUGHTCZKL']) alphabet) r
 WHERE w ~ '^[A-Z]';
SELECT w, cdp.soundex(w), soundex(w) AS fuzzystrmatch
  FROM unnest(ARRAY['Robert', 'Rupert', 'Rubin', 'Ashcraft', 'Ashcroft', 'Tymczak', 'Pfister',
                    'Honeyman', 'Lee', 'O''Hara', 'van Damme', '', '42', 'Ölberg', 'Ærøskøbing',
                    'Щербаков', 'Шевченко']) w;

-- NULL in, NULL out.
SELECT cdp.soundex(NULL) IS NULL AS soundex_null,
       cdp.double_metaphone(NULL) IS NULL AS dm_null,
       cdp.phonetic_keys(NULL) IS NULL AS pk_null,
       cdp.deletion_keys(NULL) IS NULL AS dk_null;

-- Blocking keys.
-- cdp.deletion_keys: hashtext() of each word and of each string made from
-- a word by deleting one character, and of the words run together (when
-- there are several); sorted and distinct.
CREATE FUNCTION ref_deletion_keys(s text) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$
    WITH words AS (SELECT w FROM regexp_split_to_table(s, '\s+') w WHERE w <> '')
    SELECT ARRAY(SELECT DISTINCT hashtext(v) FROM (
                   SELECT w AS v FROM words
                   UNION ALL
                   SELECT overlay(w PLACING '' FROM i FOR 1) FROM words, generate_series(1, length(w)) i
                   UNION ALL
                   SELECT string_agg(w, '') FROM words HAVING count(*) > 1) d
                  ORDER BY 1)
$$;
SELECT left(w, 14) AS w, cardinality(cdp.deletion_keys(w)) AS keys,
       cdp.deletion_keys(w) = ref_deletion_keys(w) AS as_defined
  FROM unnest(ARRAY['Anna', 'Jörg', 'x', '', '   ', 'Mississippi', 'Иванов', ' Anna  Ann ',
                    'de la Cruz', E'Jörg\tMüller\n', repeat('ab', 200)]) w;
SELECT cdp.deletion_keys('Anna') = ARRAY(SELECT unnest(ARRAY[hashtext('Anna'), hashtext('nna'),
                                                             hashtext('Ana'), hashtext('Ann')]) ORDER BY 1)
       AS anna;

SELECT cdp.phonetic_keys('John Smith') AS john_smith, cdp.phonetic_keys('  Jon   Smyth ') AS jon_smyth,
       cdp.phonetic_keys('Иван Петров') AS cyrillic, cdp.phonetic_keys('') AS empty;

-- Every pair at Levenshtein or OSA distance 1 shares a deletion key (some
-- FEBRL names have a stray space); so does every pair of full names with a
-- word within one typo.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE cdp.osa_distance(a, b) <= 1) AS within_one,
       count(*) FILTER (WHERE cdp.osa_distance(a, b) <= 1
                          AND NOT cdp.deletion_keys(a) && cdp.deletion_keys(b)) AS missed,
       count(*) FILTER (WHERE cdp.deletion_keys(a) && cdp.deletion_keys(b)
                          AND cdp.osa_distance(a, b) > 2) AS shared_beyond_two
  FROM (SELECT n.name AS a, m.name AS b
          FROM (SELECT name FROM names ORDER BY name LIMIT 400) n,
               (SELECT name FROM names ORDER BY name LIMIT 400) m) p;
SELECT cdp.deletion_keys('anna maria smith') && cdp.deletion_keys('smyth john') AS word_typo,
       cdp.deletion_keys('anna maria smith') && cdp.deletion_keys('maria') AS word_shared,
       cdp.deletion_keys('anna maria') && cdp.deletion_keys('annamaria') AS run_together,
       cdp.deletion_keys('anna maria smith') && cdp.deletion_keys('john smoot') AS two_typos_apart;

-- Indexed candidate search: a GIN index on the keys answers && without a
-- full scan.
CREATE INDEX names_deletion_keys ON names USING gin (cdp.deletion_keys(name));
CREATE INDEX names_phonetic_keys ON names USING gin (cdp.phonetic_keys(name));
ANALYZE names;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT name FROM names WHERE cdp.deletion_keys(name) && (SELECT cdp.deletion_keys('jakob'));
SELECT name, cdp.levenshtein(name, 'jakob') AS lev
  FROM names WHERE cdp.deletion_keys(name) && cdp.deletion_keys('jakob') ORDER BY 2, 1;
SELECT count(*) FILTER (WHERE cdp.levenshtein(name, 'jakob') <= 1) AS within_one_by_full_scan
  FROM names;
SELECT name, round(cdp.jaro_winkler(name, 'tomas')::numeric, 4) AS jw
  FROM names WHERE cdp.phonetic_keys(name) && cdp.phonetic_keys('tomas')
 ORDER BY 2 DESC, 1 LIMIT 8;
RESET enable_seqscan;

DROP TABLE febrl_lines, names;
DROP FUNCTION ref_deletion_keys(text);
DROP EXTENSION fuzzystrmatch;
