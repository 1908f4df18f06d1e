-- Similarities: cdp.jaro, cdp.jaro_winkler, cdp.qgram_similarity,
-- cdp.token_set_similarity, against the published test vectors and plain
-- reference implementations written here.

-- The standard Jaro and Jaro-Winkler vectors.
SELECT a, b, round(cdp.jaro(a, b)::numeric, 6) AS jaro,
       round(cdp.jaro_winkler(a, b)::numeric, 6) AS jaro_winkler
  FROM (VALUES ('MARTHA', 'MARHTA'), ('DWAYNE', 'DUANE'), ('DIXON', 'DICKSONX'),
               ('CRATE', 'TRACE'), ('ab', 'ba'), ('', ''), ('', 'x'), ('x', ''),
               ('JONES', 'JOHNSON'), ('ABCVWXYZ', 'CABVWXYZ'), ('a', 'a')) v(a, b);

-- Boost only above 0.7, prefix at most 4 characters.
SELECT cdp.jaro('abcxxxxxxx', 'abcyyyyyyy') = cdp.jaro_winkler('abcxxxxxxx', 'abcyyyyyyy') AS no_boost_at_or_below_07,
       round(cdp.jaro('abcdefgh', 'abcdefgx')::numeric, 6) AS jaro,
       round(cdp.jaro_winkler('abcdefgh', 'abcdefgx')::numeric, 6) AS jaro_winkler,
       round((cdp.jaro('abcdefgh', 'abcdefgx') + 4 * 0.1 * (1 - cdp.jaro('abcdefgh', 'abcdefgx')))::numeric, 6) AS four_char_boost;

-- Code points, not bytes: accented Latin, Cyrillic and Greek behave like
-- their ASCII shapes.
SELECT cdp.jaro_winkler('MARTHA', 'MARHTA') = cdp.jaro_winkler('MÄRTHÄ', 'MÄRHTÄ') AS latin,
       cdp.jaro_winkler('MARTHA', 'MARHTA') = cdp.jaro_winkler('МАРТХА', 'МАРХТА') AS cyrillic,
       cdp.jaro('DIXON', 'DICKSONX') = cdp.jaro('ΔΙΞΟΝ', 'ΔΙΚΚΣΟΝΞ') AS greek;

-- Reference: Jaro as usually written, over characters, O(|a| |b|).
CREATE FUNCTION ref_jaro(a text, b text) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    m int := length(a);
    n int := length(b);
    ca text[] := regexp_split_to_array(a, '');
    cb text[] := regexp_split_to_array(b, '');
    am boolean[];
    bm boolean[];
    w int;
    matches int := 0;
    half int := 0;
    k int := 1;
BEGIN
    IF m = 0 AND n = 0 THEN RETURN 1; END IF;
    IF m = 0 OR n = 0 THEN RETURN 0; END IF;
    w := greatest(greatest(m, n) / 2 - 1, 0);
    am := array_fill(false, ARRAY[m]);
    bm := array_fill(false, ARRAY[n]);
    FOR i IN 1..m LOOP
        FOR j IN greatest(1, i - w)..least(n, i + w) LOOP
            IF NOT bm[j] AND ca[i] = cb[j] THEN
                am[i] := true; bm[j] := true; matches := matches + 1;
                EXIT;
            END IF;
        END LOOP;
    END LOOP;
    IF matches = 0 THEN RETURN 0; END IF;
    FOR i IN 1..m LOOP
        IF am[i] THEN
            WHILE NOT bm[k] LOOP k := k + 1; END LOOP;
            IF ca[i] <> cb[k] THEN half := half + 1; END IF;
            k := k + 1;
        END IF;
    END LOOP;
    RETURN (matches::float8 / m + matches::float8 / n
            + (matches - half / 2)::float8 / matches) / 3;
END $$;

CREATE FUNCTION ref_jaro_winkler(a text, b text) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN j > 0.7 THEN j + l * 0.1 * (1 - j) ELSE j END
      FROM (SELECT ref_jaro(a, b) AS j,
                   (SELECT coalesce(max(i), 0) FROM generate_series(1, least(4, length(a), length(b))) i
                     WHERE left(a, i) = left(b, i)) AS l) s
$$;

CREATE FUNCTION rand_str(seed int, len int, alphabet text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT substr(translate(repeat(md5(seed::text) || md5((seed * 31 + 7)::text), 1 + len / 64),
                            '0123456789abcdef', alphabet), 1, len)
$$;

-- Short and long (one and several 64-bit words), ASCII and multibyte pairs.
CREATE TABLE sim_pairs AS
SELECT i, rand_str(i, len_a, alphabet) AS a, rand_str(i + 7777, len_b, alphabet) AS b
  FROM (SELECT i,
               CASE WHEN i % 10 = 0 THEN 60 + i % 90 ELSE i % 13 END AS len_a,
               CASE WHEN i % 10 = 0 THEN 55 + i % 100 ELSE (i / 13) % 13 END AS len_b,
               CASE i % 3 WHEN 0 THEN 'abcdeabcdeabcdea' WHEN 1 THEN 'aäöüжиé漢abcdefgh'
                          ELSE 'ababababcdcdcdxy' END AS alphabet
          FROM generate_series(1, 3000) i) s;

SELECT count(*) AS pairs,
       count(*) FILTER (WHERE abs(cdp.jaro(a, b) - ref_jaro(a, b)) > 1e-12) AS jaro_wrong,
       count(*) FILTER (WHERE abs(cdp.jaro_winkler(a, b) - ref_jaro_winkler(a, b)) > 1e-12) AS jw_wrong,
       count(*) FILTER (WHERE cdp.jaro(a, b) > 0.7) AS above_07,
       count(*) FILTER (WHERE length(b) > 64) AS beyond_one_word
  FROM sim_pairs;
SELECT round(cdp.jaro(repeat('ab', 150), repeat('ba', 150))::numeric, 6) AS long_jaro,
       round(ref_jaro(repeat('ab', 150), repeat('ba', 150))::numeric, 6) AS long_ref,
       round(cdp.jaro_winkler(repeat('x', 400) || 'abc', repeat('x', 400) || 'acb')::numeric, 6) AS very_long;
-- 600 distinct characters: the bit masks go to the heap.
SELECT round(cdp.jaro(a, b)::numeric, 6) AS wide_jaro, round(ref_jaro(a, b)::numeric, 6) AS wide_ref
  FROM (SELECT a, overlay(overlay(a PLACING 'x' FROM 100) PLACING 'y' FROM 300) AS b
          FROM (SELECT string_agg(chr(1000 + g), '' ORDER BY g) AS a
                  FROM generate_series(1, 600) g) s) p;

-- q-gram similarity: Jaccard index of the bags of q-grams, the strings
-- padded with q - 1 marks at both ends.  The reference pads with U+E000.
CREATE FUNCTION ref_qgram(a text, b text, q int) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT AS $$
    WITH ga AS (SELECT substr(p, i, q) AS g
                  FROM (SELECT repeat(U&'\E000', q - 1) || a || repeat(U&'\E000', q - 1) AS p) s,
                       generate_series(1, length(a) + q - 1) i),
         gb AS (SELECT substr(p, i, q) AS g
                  FROM (SELECT repeat(U&'\E000', q - 1) || b || repeat(U&'\E000', q - 1) AS p) s,
                       generate_series(1, length(b) + q - 1) i),
         ca AS (SELECT g, count(*) AS c FROM ga GROUP BY g),
         cb AS (SELECT g, count(*) AS c FROM gb GROUP BY g),
         common AS (SELECT coalesce(sum(least(ca.c, cb.c)), 0) AS n FROM ca JOIN cb USING (g))
    SELECT CASE WHEN a = '' AND b = '' THEN 1
                WHEN a = '' OR b = '' THEN 0
                ELSE n / ((length(a) + q - 1) + (length(b) + q - 1) - n) END
      FROM common
$$;

SELECT q, count(*) AS pairs,
       count(*) FILTER (WHERE abs(cdp.qgram_similarity(a, b, q) - ref_qgram(a, b, q)) > 1e-12) AS wrong,
       count(*) FILTER (WHERE cdp.qgram_similarity(a, b, q) > 0) AS sharing_a_gram
  FROM sim_pairs, (VALUES (1), (2), (3), (4), (5)) v(q)
 WHERE i % 3 <> 0 OR i % 10 = 0
 GROUP BY q ORDER BY q;
SELECT a, b, cdp.qgram_similarity(a, b) AS q3, cdp.qgram_similarity(a, b, 2) AS q2,
       cdp.qgram_similarity(a, b, 1) AS q1
  FROM (VALUES ('hello', 'hallo'), ('anna', 'anna anna'), ('ab', 'ba'), ('a', 'a'),
               ('Müller', 'Muller'), ('Иванов', 'Иванова'), ('', ''), ('', 'x')) v(a, b);
SELECT cdp.qgram_similarity(repeat('abc', 200), repeat('abc', 199) || 'abd', 3) AS long_q3,
       cdp.qgram_similarity(repeat('ab', 50), repeat('ab', 50), 32) AS q32;

-- Token set similarity: rapidfuzz's token_set_ratio / 100.
CREATE FUNCTION ref_lcs(a text, b text) RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    ca text[] := regexp_split_to_array(a, '');
    cb text[] := regexp_split_to_array(b, '');
    prev int[] := array_fill(0, ARRAY[length(b) + 1], ARRAY[0]);
    cur int[];
BEGIN
    FOR i IN 1..length(a) LOOP
        cur := array_fill(0, ARRAY[length(b) + 1], ARRAY[0]);
        FOR j IN 1..length(b) LOOP
            cur[j] := CASE WHEN ca[i] = cb[j] THEN prev[j - 1] + 1
                           ELSE greatest(prev[j], cur[j - 1]) END;
        END LOOP;
        prev := cur;
    END LOOP;
    RETURN prev[length(b)];
END $$;

CREATE FUNCTION ref_ratio(s text, t text) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT 1 - (length(s) + length(t) - 2 * ref_lcs(s, t))::float8 / (length(s) + length(t))
$$;

CREATE FUNCTION ref_token_set(a text, b text) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    ta text[] := ARRAY(SELECT DISTINCT x COLLATE "C" FROM regexp_split_to_table(a, '\s+') x
                        WHERE x <> '' ORDER BY 1);
    tb text[] := ARRAY(SELECT DISTINCT x COLLATE "C" FROM regexp_split_to_table(b, '\s+') x
                        WHERE x <> '' ORDER BY 1);
    sect text := array_to_string(ARRAY(SELECT x FROM unnest(ta) x WHERE x = ANY (tb)
                                        ORDER BY x COLLATE "C"), ' ');
    da text := array_to_string(ARRAY(SELECT x FROM unnest(ta) x WHERE NOT x = ANY (tb)
                                      ORDER BY x COLLATE "C"), ' ');
    db text := array_to_string(ARRAY(SELECT x FROM unnest(tb) x WHERE NOT x = ANY (ta)
                                      ORDER BY x COLLATE "C"), ' ');
BEGIN
    IF cardinality(ta) = 0 AND cardinality(tb) = 0 THEN RETURN 1; END IF;
    IF cardinality(ta) = 0 OR cardinality(tb) = 0 THEN RETURN 0; END IF;
    IF sect <> '' AND (da = '' OR db = '') THEN RETURN 1; END IF;
    IF sect = '' THEN RETURN ref_ratio(da, db); END IF;
    RETURN greatest(ref_ratio(sect, sect || ' ' || da), ref_ratio(sect, sect || ' ' || db),
                    ref_ratio(sect || ' ' || da, sect || ' ' || db));
END $$;

CREATE TABLE token_pairs AS
SELECT i,
       array_to_string(ARRAY(SELECT w[1 + (get_byte(decode(md5((i * 10 + k)::text), 'hex'), 0) % 14)]
                               FROM generate_series(1, i % 6) k), ' ') AS a,
       array_to_string(ARRAY(SELECT w[1 + (get_byte(decode(md5((i * 10 + k + 5)::text), 'hex'), 1) % 14)]
                               FROM generate_series(1, (i / 6) % 6) k), '  ') AS b
  FROM generate_series(1, 1500) i,
       (SELECT ARRAY['john', 'jon', 'smith', 'smyth', 'anna', 'maria', 'de', 'la', 'van',
                     'müller', 'иван', 'x', 'jr', 'Mr'] AS w) words;

SELECT count(*) AS pairs,
       count(*) FILTER (WHERE abs(cdp.token_set_similarity(a, b) - ref_token_set(a, b)) > 1e-12) AS wrong,
       count(*) FILTER (WHERE cdp.token_set_similarity(a, b) = 1) AS equal_sets_or_subsets,
       count(DISTINCT round(cdp.token_set_similarity(a, b)::numeric, 9)) AS distinct_values
  FROM token_pairs;
SELECT a, b, round(cdp.token_set_similarity(a, b)::numeric, 6) AS token_set
  FROM (VALUES ('fuzzy was a bear', 'fuzzy fuzzy was a bear'),
               ('John Smith', 'Smith John Jr'), ('mariah carey', 'carey maria'),
               ('Anna Maria de la Cruz', 'de la Cruz Ana Maria'), ('a b', 'c d'),
               (E'\tJohn \u00a0 Smith\u3000', 'Smith John'), ('  ', ''), ('', 'x')) v(a, b);

-- NULL in, NULL out; q out of range is an invalid parameter (22023).
SELECT cdp.jaro(NULL, 'a') IS NULL AS jaro_null,
       cdp.jaro_winkler('a', NULL) IS NULL AS jw_null,
       cdp.qgram_similarity('a', NULL) IS NULL AS qgram_null,
       cdp.qgram_similarity('a', 'b', NULL) IS NULL AS q_null,
       cdp.token_set_similarity(NULL, NULL) IS NULL AS token_set_null;
\set VERBOSITY sqlstate
SELECT cdp.qgram_similarity('a', 'b', 0);
SELECT cdp.qgram_similarity('a', 'b', -3);
SELECT cdp.qgram_similarity('a', 'b', 33);
\set VERBOSITY default
SELECT cdp.qgram_similarity('a', 'b', 0);

DROP TABLE sim_pairs, token_pairs;
DROP FUNCTION ref_jaro_winkler(text, text), ref_jaro(text, text), ref_qgram(text, text, int),
    ref_token_set(text, text), ref_ratio(text, text), ref_lcs(text, text),
    rand_str(int, int, text);
