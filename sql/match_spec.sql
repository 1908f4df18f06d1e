\set SHOW_CONTEXT errors
-- Probabilistic matching: the model spec, checked whole before it is
-- stored; errors name the key at fault (22023) and nothing is stored.
CREATE FUNCTION pg_temp.try_spec(spec jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM cdp.create_match_model('bad', spec);
    RETURN 'stored';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

SELECT label, pg_temp.try_spec(spec::jsonb) AS result
  FROM (VALUES
    ('not an object',         '[]'),
    ('no comparisons',        '{"blocking": ["l.a = r.a"]}'),
    ('unknown key',           '{"comparisons": [], "blockng": []}'),
    ('empty comparisons',     '{"comparisons": [], "blocking": ["l.a = r.a"]}'),
    ('comparison not object', '{"comparisons": [1], "blocking": ["l.a = r.a"]}'),
    ('no name',               '{"comparisons": [{"column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}'),
    ('bad name',              '{"comparisons": [{"name": "A b", "column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}'),
    ('column and expr',       '{"comparisons": [{"name": "a", "column": "a", "expr": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}'),
    ('neither',               '{"comparisons": [{"name": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}'),
    ('no levels',             '{"comparisons": [{"name": "a", "column": "a", "levels": []}], "blocking": ["l.a = r.a"]}'),
    ('unknown level key',     '{"comparisons": [{"name": "a", "column": "a", "levels": [{"soundex": true}]}], "blocking": ["l.a = r.a"]}'),
    ('two kinds',             '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true, "jaro": 0.9}]}], "blocking": ["l.a = r.a"]}'),
    ('exact false',           '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": false}]}], "blocking": ["l.a = r.a"]}'),
    ('threshold above 1',     '{"comparisons": [{"name": "a", "column": "a", "levels": [{"jaro_winkler": 1.5}]}], "blocking": ["l.a = r.a"]}'),
    ('threshold a string',    '{"comparisons": [{"name": "a", "column": "a", "levels": [{"qgram": "0.8"}]}], "blocking": ["l.a = r.a"]}'),
    ('fractional distance',   '{"comparisons": [{"name": "a", "column": "a", "levels": [{"levenshtein": 1.5}]}], "blocking": ["l.a = r.a"]}'),
    ('negative days',         '{"comparisons": [{"name": "a", "column": "a", "levels": [{"date_within_days": -1}]}], "blocking": ["l.a = r.a"]}'),
    ('tf on jaro',            '{"comparisons": [{"name": "a", "column": "a", "levels": [{"jaro": 0.9, "tf": true}]}], "blocking": ["l.a = r.a"]}'),
    ('repeated name',         '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}, {"name": "a", "column": "b", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}'),
    ('no blocking',           '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}]}'),
    ('empty blocking',        '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": []}'),
    ('blocking not strings',  '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": [1]}'),
    ('rule syntax',           '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = = r.a"]}'),
    ('rule escapes',          '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": ["true) FROM pg_authid; SELECT (1"]}'),
    ('expr two statements',   '{"comparisons": [{"name": "a", "expr": "1; DROP TABLE x", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}'),
    ('sql level empty',       '{"comparisons": [{"name": "a", "column": "a", "levels": [{"sql": ""}]}], "blocking": ["l.a = r.a"]}'),
    ('deterministic object',  '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"], "deterministic": {}}')
  ) AS cases(label, spec)
 ORDER BY label;
SELECT count(*) AS stored FROM cdp.match_models;

-- A syntax error points into the key's SQL, not into the statement.
SELECT cdp.create_match_model('bad_rule', '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a", "l.b = = r.b"]}');
-- Model names follow the rule for source names.
SELECT cdp.create_match_model('people 20k', '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}');
SELECT cdp.create_match_model('', '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}');
SELECT cdp.create_match_model('-x', '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}');
SELECT cdp.create_match_model('modèle', '{"comparisons": [{"name": "a", "column": "a", "levels": [{"exact": true}]}], "blocking": ["l.a = r.a"]}');
SELECT count(*) AS stored FROM cdp.match_models;

-- A model over a small relation whose outcomes are known: every level
-- kind, a NULL, unreadable dates and numbers, an sql level.
CREATE TABLE people (
    id integer PRIMARY KEY, name text, city text, born text, amount text, postcode text, note text);
INSERT INTO people VALUES
    (1, 'Jonathan Smith', 'Lyon',      '1980-02-03', '10.0',  '69001', 'red green blue'),
    (2, 'Jonathon Smith', 'Lyon',      '19800203',   '10.4',  '69002', 'blue red green'),
    (3, 'J Smith',        'Lyons',     '1980-03-01', 'ten',   '69003', 'red'),
    (4, 'Maria Rossi',    'Paris',     '-0050-01-0', NULL,    '75001', NULL),
    (5, 'Mario Rossi',    '  ',        '1711-02-30', '3.0',   '75011', 'yellow'),
    (6, 'Ana Lima',       'Lisboa',    '1999-12-31', '99',    '1000',  'green'),
    (7, 'Anna Lima',      'Lisbon',    '2000-01-02', '99.5',  '1001',  'green red');
SELECT cdp.create_match_model('people_levels', '{
  "comparisons": [
    {"name": "name", "column": "name", "levels": [{"exact": true}, {"jaro_winkler": 0.95}, {"damerau_levenshtein": 3}, {"token_set": 0.5}]},
    {"name": "city", "expr": "lower(city)", "levels": [{"exact": true, "tf": true}, {"levenshtein": 1}, {"jaro": 0.8}]},
    {"name": "born", "column": "born", "levels": [{"exact": true}, {"date_within_days": 0}, {"date_within_days": 40}]},
    {"name": "amount", "column": "amount", "levels": [{"numeric_within": 0.5}]},
    {"name": "postcode", "column": "postcode", "levels": [{"sql": "left(l.postcode, 2) = left(r.postcode, 2)"}]},
    {"name": "note", "column": "note", "levels": [{"qgram": 0.6}]}
  ],
  "blocking": ["true"]
}') > 0 AS created;
SELECT cdp.train_match_model('people_levels', 'people', 'id') ? 'lambda' AS trained;
-- Which level each pair falls in (the first one met, in order).
SELECT e.comparison, string_agg(format('%s-%s: %s', p.a, p.b, e.level), ', ' ORDER BY p.a, p.b) AS levels
  FROM (VALUES (1, 2), (1, 3), (4, 5), (6, 7), (2, 6)) AS p(a, b),
       cdp.explain_match('people_levels', 'people', 'id', p.a::text, p.b::text) e
 WHERE e.comparison <> 'prior'
 GROUP BY e.comparison ORDER BY min(e.comparison);
-- Unreadable values are counted, never raised.
SELECT c->>'name' AS comparison, c->>'unreadable_values' AS unreadable
  FROM cdp.match_models m, jsonb_array_elements(m.params->'comparisons') c
 WHERE m.name = 'people_levels' AND c->>'name' IN ('born', 'amount');
-- The explanation adds up to the pair's match weight.
SELECT round((SELECT sum(weight) FROM cdp.explain_match('people_levels', 'people', 'id', '1', '2'))::numeric, 9)
     = round(p.match_weight::numeric, 9) AS adds_up
  FROM cdp.match_pairs('people_levels', 'people', 'id') p WHERE p.left_id = '1' AND p.right_id = '2';
-- Every pair of the one rule "true", once.
SELECT count(*) AS pairs, count(DISTINCT (left_id, right_id)) AS distinct_pairs,
       bool_and(left_id < right_id) AS ordered, bool_and(probability BETWEEN 0 AND 1) AS probabilities
  FROM cdp.match_pairs('people_levels', 'people', 'id');

-- Bad input: the right SQLSTATE, the key or argument named, nothing written.
\set VERBOSITY sqlstate
SELECT * FROM cdp.match_pairs('nope', 'people', 'id');
SELECT * FROM cdp.match_pairs(NULL, 'people', 'id');
SELECT cdp.create_match_model('untrained', '{"comparisons": [{"name": "name", "column": "name", "levels": [{"exact": true}]}], "blocking": ["true"]}') > 0;
SELECT * FROM cdp.match_pairs('untrained', 'people', 'id');
SELECT cdp.train_match_model('untrained', 'people', 'nope');
SELECT cdp.train_match_model('untrained', 'people', 'id', '{"u_pairs": 5}');
SELECT cdp.train_match_model('untrained', 'people', 'id', '{"colour": 1}');
\set VERBOSITY default
SELECT cdp.create_match_model('unknown_column', '{"comparisons": [{"name": "x", "column": "nope", "levels": [{"exact": true}]}], "blocking": ["true"]}') > 0;
SELECT cdp.train_match_model('unknown_column', 'people', 'id');
SELECT cdp.create_match_model('not_boolean', '{"comparisons": [{"name": "x", "column": "name", "levels": [{"exact": true}]}], "blocking": ["l.name"]}') > 0;
SELECT cdp.train_match_model('not_boolean', 'people', 'id');
CREATE TABLE dup_ids (id integer, name text);
INSERT INTO dup_ids VALUES (1, 'secret one'), (1, 'secret two'), (2, 'x');
SELECT cdp.train_match_model('untrained', 'dup_ids', 'id');
INSERT INTO dup_ids VALUES (NULL, 'y');
DELETE FROM dup_ids WHERE name = 'secret two';
SELECT cdp.train_match_model('untrained', 'dup_ids', 'id');
SELECT * FROM cdp.explain_match('people_levels', 'people', 'id', '1', 'no such id');
SELECT count(*) AS trained_by_errors FROM cdp.match_models WHERE name IN ('untrained', 'unknown_column', 'not_boolean') AND params IS NOT NULL;

-- The spec's SQL runs with the caller's rights.
CREATE ROLE match_caller;
GRANT USAGE ON SCHEMA cdp TO match_caller;
GRANT SELECT ON cdp.match_models TO match_caller;
SET ROLE match_caller;
SELECT count(*) FROM cdp.match_pairs('people_levels', 'people', 'id');
RESET ROLE;
REVOKE ALL ON cdp.match_models FROM match_caller;
REVOKE USAGE ON SCHEMA cdp FROM match_caller;
DROP ROLE match_caller;
