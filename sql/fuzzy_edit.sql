-- Edit distances: cdp.levenshtein (plain and bounded), cdp.osa_distance,
-- cdp.damerau_levenshtein.  Checked against fuzzystrmatch in the same
-- database and against plain full-matrix implementations written here.
CREATE EXTENSION fuzzystrmatch;

-- Reference: Levenshtein (with_osa false) or optimal string alignment
-- (with_osa true), full matrix, over characters.
CREATE FUNCTION ref_edit(a text, b text, with_osa boolean) RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    m int := length(a);
    n int := length(b);
    ca text[] := regexp_split_to_array(a, '');
    cb text[] := regexp_split_to_array(b, '');
    d int[] := array_fill(0, ARRAY[m + 1, n + 1], ARRAY[0, 0]);
BEGIN
    FOR i IN 0..m LOOP d[i][0] := i; END LOOP;
    FOR j IN 0..n LOOP d[0][j] := j; END LOOP;
    FOR i IN 1..m LOOP
        FOR j IN 1..n LOOP
            d[i][j] := least(d[i-1][j] + 1, d[i][j-1] + 1,
                             d[i-1][j-1] + CASE WHEN ca[i] = cb[j] THEN 0 ELSE 1 END);
            IF with_osa AND i > 1 AND j > 1 AND ca[i] = cb[j-1] AND ca[i-1] = cb[j] THEN
                d[i][j] := least(d[i][j], d[i-2][j-2] + 1);
            END IF;
        END LOOP;
    END LOOP;
    RETURN d[m][n];
END $$;

-- Reference: true Damerau-Levenshtein (Lowrance-Wagner), full matrix.
CREATE FUNCTION ref_dl(a text, b text) RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    m int := length(a);
    n int := length(b);
    ca text[] := regexp_split_to_array(a, '');
    cb text[] := regexp_split_to_array(b, '');
    big int := m + n;
    h int[] := array_fill(0, ARRAY[m + 2, n + 2], ARRAY[-1, -1]);
    last_row jsonb := '{}';
    last_col int;
    k int;
    l int;
BEGIN
    h[-1][-1] := big;
    FOR i IN 0..m LOOP h[i][-1] := big; h[i][0] := i; END LOOP;
    FOR j IN 0..n LOOP h[-1][j] := big; h[0][j] := j; END LOOP;
    FOR i IN 1..m LOOP
        last_col := 0;
        FOR j IN 1..n LOOP
            k := coalesce((last_row ->> cb[j])::int, 0);
            l := last_col;
            h[i][j] := least(h[i-1][j-1] + CASE WHEN ca[i] = cb[j] THEN 0 ELSE 1 END,
                             h[i][j-1] + 1, h[i-1][j] + 1,
                             h[k-1][l-1] + (i - k - 1) + 1 + (j - l - 1));
            IF ca[i] = cb[j] THEN last_col := j; END IF;
        END LOOP;
        last_row := last_row || jsonb_build_object(ca[i], i);
    END LOOP;
    RETURN h[m][n];
END $$;

-- Deterministic pseudo-random strings: md5 of a counter, its hex digits
-- mapped onto an alphabet, cut to a length.
CREATE FUNCTION rand_str(seed int, len int, alphabet text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT substr(translate(repeat(md5(seed::text) || md5((seed * 31 + 7)::text), 1 + len / 64),
                            '0123456789abcdef', alphabet), 1, len)
$$;

-- 6,000 ASCII pairs of length 0..30: a third unrelated, a third a copy of
-- the first string with one to three edits, a third over two letters.
CREATE TABLE ascii_pairs AS
SELECT i, a,
       CASE i % 3
           WHEN 0 THEN rand_str(i + 50000, (i / 3) % 31, 'abcdefghijklmnop')
           WHEN 1 THEN overlay(overlay(a PLACING rand_str(i + 90000, i % 3, 'xyzabc')
                                       FROM 1 + (i / 7) % 31 FOR (i / 11) % 3)
                               PLACING '' FROM 1 + (i / 13) % 29 FOR (i / 5) % 2)
           ELSE rand_str(i + 70000, (i / 3) % 29, 'abababababababab')
       END AS b
  FROM (SELECT i, CASE WHEN i % 3 = 2 THEN rand_str(i, i % 31, 'babababababababa')
                       ELSE rand_str(i, i % 31, 'abcdefghijklmnop') END AS a
          FROM generate_series(1, 6000) i) s;

SELECT count(*) AS pairs,
       count(*) FILTER (WHERE cdp.levenshtein(a, b) <> levenshtein(a, b)) AS disagreements,
       count(DISTINCT levenshtein(a, b)) AS distinct_distances,
       max(length(a)) AS longest
  FROM ascii_pairs;

-- Longer ASCII pairs (up to fuzzystrmatch's limit of 255): one 64-bit word
-- and several.
CREATE TABLE long_pairs AS
SELECT i, a, CASE WHEN i % 2 = 0 THEN rand_str(i + 1000, 40 + (i * 37) % 216, 'abcdabcdabcdeeee')
                  ELSE overlay(overlay(a PLACING 'xyz' FROM 1 + i % 60 FOR 2)
                               PLACING '' FROM 60 + i % 70 FOR 4) END AS b
  FROM (SELECT i, rand_str(i, 40 + (i * 53) % 216, 'abcdabcdabcdeeee') AS a
          FROM generate_series(1, 1000) i) s;

SELECT count(*) AS pairs,
       count(*) FILTER (WHERE cdp.levenshtein(a, b) <> levenshtein(a, b)) AS disagreements,
       count(*) FILTER (WHERE least(length(a), length(b)) > 64) AS beyond_one_word,
       max(greatest(length(a), length(b))) AS longest
  FROM long_pairs;

-- Multibyte text: fuzzystrmatch counts characters too.
CREATE TABLE mb_pairs AS
SELECT i, rand_str(i, i % 25, 'aäöüßжиé漢字😀bcde') AS a,
       rand_str(i + 5000, (i / 25) % 25, 'aäöüßжиé漢字😀bcde') AS b
  FROM generate_series(1, 2000) i;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE cdp.levenshtein(a, b) <> levenshtein(a, b)) AS disagreements,
       count(*) FILTER (WHERE octet_length(a) > length(a)) AS multibyte
  FROM mb_pairs;

-- Code points, never bytes.
SELECT cdp.levenshtein('Müller', 'Muller') AS umlaut,
       cdp.levenshtein('Иван', 'Иванов') AS cyrillic,
       cdp.levenshtein('', 'жжж') AS three_chars,
       octet_length('жжж') AS six_bytes,
       cdp.levenshtein('😀a', 'a😀') AS emoji,
       cdp.levenshtein('東京都', '京都') AS cjk;

-- The bounded form: exact up to max_d, max_d + 1 beyond.
SELECT k,
       count(*) FILTER (WHERE cdp.levenshtein(a, b, k) <> least(cdp.levenshtein(a, b), k + 1)) AS wrong,
       count(*) FILTER (WHERE cdp.levenshtein(a, b) > k) AS beyond_bound
  FROM (SELECT a, b FROM ascii_pairs UNION ALL SELECT a, b FROM long_pairs
        UNION ALL SELECT a, b FROM mb_pairs) p,
       (VALUES (0), (1), (2), (3), (5), (10), (40), (300)) AS bound(k)
 GROUP BY k ORDER BY k;
SELECT cdp.levenshtein('kitten', 'sitting', 3) AS exact,
       cdp.levenshtein('kitten', 'sitting', 2) AS over,
       cdp.levenshtein('kitten', 'sitting', 0) AS zero,
       cdp.levenshtein('abc', 'abc', 0) AS equal,
       cdp.levenshtein(repeat('a', 1000), repeat('b', 1000), 5) AS long_over,
       cdp.levenshtein(repeat('a', 1000), repeat('a', 990) || 'bbbbbbbbbb', 10) AS long_exact;

-- Beyond 255 characters (fuzzystrmatch stops at 255): against the plain
-- matrix, and on strings with known distances.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE cdp.levenshtein(a, b) <> ref_edit(a, b, false)) AS lev_wrong,
       count(*) FILTER (WHERE cdp.osa_distance(a, b) <> ref_edit(a, b, true)) AS osa_wrong,
       min(least(length(a), length(b))) AS shortest
  FROM (SELECT rand_str(i, 256 + i * 11, 'abcdabcdabcdabcd') AS a,
               CASE WHEN i % 2 = 0 THEN rand_str(i + 7, 260 + i * 13, 'abcdabcdabcdabcd')
                    ELSE 'q' || overlay(rand_str(i, 256 + i * 11, 'abcdabcdabcdabcd')
                                        PLACING 'ba' FROM 100 + i FOR 2) || 'q' END AS b
          FROM generate_series(1, 4) i) p;
SELECT cdp.levenshtein(repeat('ab', 200), repeat('ba', 200)) AS shifted,
       cdp.levenshtein(repeat('a', 300), repeat('b', 300)) AS all_different,
       cdp.levenshtein(repeat('abc', 100) || 'x', 'y' || repeat('abc', 100)) AS ends,
       cdp.levenshtein(repeat('ab', 2000), repeat('ab', 1990)) AS long_prefix,
       cdp.osa_distance('x' || repeat('ab', 200) || 'y', 'z' || repeat('ba', 200) || 'w') AS osa_long;
-- 600 distinct characters: the bit masks outgrow the stack buffer and go
-- to the heap.
SELECT cdp.levenshtein(a, b) AS wide, cdp.levenshtein(a, b, 2) AS wide_bounded,
       cdp.osa_distance(a, b) AS wide_osa, cdp.damerau_levenshtein(a, b) AS wide_dl
  FROM (SELECT a, overlay(overlay(overlay(a PLACING 'x' FROM 100) PLACING 'y' FROM 300)
                          PLACING 'z' FROM 500) AS b
          FROM (SELECT string_agg(chr(1000 + g), '' ORDER BY g) AS a
                  FROM generate_series(1, 600) g) s) p;

-- OSA and true Damerau-Levenshtein against the plain matrices, on short
-- strings over three letters (many transpositions) and across the 64-bit
-- word boundary.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE cdp.osa_distance(a, b) <> ref_edit(a, b, true)) AS osa_wrong,
       count(*) FILTER (WHERE cdp.damerau_levenshtein(a, b) <> ref_dl(a, b)) AS dl_wrong,
       count(*) FILTER (WHERE cdp.osa_distance(a, b) <> cdp.damerau_levenshtein(a, b)) AS osa_differs_from_dl,
       count(*) FILTER (WHERE cdp.osa_distance(a, b) <> cdp.levenshtein(a, b)) AS osa_differs_from_lev
  FROM (SELECT rand_str(i, i % 9, 'abcabcabcabcabca') AS a,
               rand_str(i + 3000, (i / 9) % 9, 'cbacbacbacbacbac') AS b
          FROM generate_series(1, 1500) i) p;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE cdp.osa_distance(a, b) <> ref_edit(a, b, true)) AS osa_wrong,
       count(*) FILTER (WHERE cdp.damerau_levenshtein(a, b) <> ref_dl(a, b)) AS dl_wrong
  FROM (SELECT 'x' || s || 'y' AS a,
               'z' || overlay(s PLACING substr(s, p + 1, 1) || substr(s, p, 1) FROM p FOR 2) || 'w' AS b
          FROM (SELECT p, rand_str(p, 140, 'abcdefghijklmnop') AS s
                  FROM generate_series(55, 75) p) q) p;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE cdp.osa_distance(a, b) <> ref_edit(a, b, true)) AS osa_wrong,
       count(*) FILTER (WHERE cdp.damerau_levenshtein(a, b) <> ref_dl(a, b)) AS dl_wrong
  FROM (SELECT rand_str(i, 60 + i * 5, 'abcdabcdabcdabcd') AS a,
               rand_str(i + 99, 62 + i * 5, 'dcbadcbadcbadcba') AS b
          FROM generate_series(1, 6) i) p;

-- Where the three distances part ways.
SELECT a, b, cdp.levenshtein(a, b) AS lev, cdp.osa_distance(a, b) AS osa,
       cdp.damerau_levenshtein(a, b) AS dl
  FROM (VALUES ('CA', 'ABC'), ('ab', 'ba'), ('abcdef', 'badcfe'), ('a cat', 'an act'),
               ('Jonathan', 'Jonahtan'), ('Smith', 'Simth'), ('Иван', 'Инва'),
               ('', 'abc'), ('abc', ''), ('', ''), ('same', 'same')) v(a, b);

-- NULL in, NULL out.
SELECT cdp.levenshtein(NULL, 'a') IS NULL AS lev_null,
       cdp.levenshtein('a', NULL, 1) IS NULL AS bounded_null,
       cdp.levenshtein('a', 'b', NULL) IS NULL AS bound_null,
       cdp.osa_distance(NULL, NULL) IS NULL AS osa_null,
       cdp.damerau_levenshtein('a', NULL) IS NULL AS dl_null;

-- A negative bound is an invalid parameter (22023).
\set VERBOSITY sqlstate
SELECT cdp.levenshtein('a', 'b', -1);
\set VERBOSITY default
SELECT cdp.levenshtein('a', 'b', -1);

DROP TABLE ascii_pairs, long_pairs, mb_pairs;
DROP FUNCTION ref_edit(text, text, boolean), ref_dl(text, text), rand_str(int, int, text);
DROP EXTENSION fuzzystrmatch;
