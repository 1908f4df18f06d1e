-- The fuzzing corpus: the hardest inputs of the fuzzers' kinds
-- (test/fuzz/targeted.sql, make fuzz), kept so that the suite runs them.
-- Each must give a clear error with its own SQLSTATE, or a result; none
-- may crash the server or raise an internal error (XX000).
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SELECT cdp.create_source('corpus') IS NOT NULL AS created;

-- Runs a statement (then another, when given) and shows the first result,
-- or the SQLSTATE and message of the error.
CREATE FUNCTION pg_temp.outcome(stmt text, then_stmt text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r text;
	state text;
	msg text;
BEGIN
	IF then_stmt IS NULL THEN
		EXECUTE stmt INTO r;
	ELSE
		EXECUTE stmt;
		EXECUTE then_stmt INTO r;
	END IF;
	RETURN 'ok: ' || coalesce(pg_catalog.left(r, 60), 'NULL');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN state || ': ' || msg;
END
$$;

-- cdp.ident text input: separators, invisible and format characters,
-- kinds spelled almost right, lengths at and past the limit.
SELECT pg_catalog.left(input, 40) AS input, pg_temp.outcome(pg_catalog.format('SELECT %L::cdp.ident::text', input))
  FROM (VALUES (':'), ('email:'), (':alice@example.com'), ('EMAIL:alice@example.com'),
               (' email :alice@example.com'), (E'email\t:alice@example.com'),
               (E'e\u0301mail:alice@example.com'), (E'user_id:a\u0001b'), ('user_id:' || pg_catalog.repeat('x', 70000)),
               ('user_id:' || pg_catalog.repeat('é', 40000)),
               ('email:@'), ('email:a@'), ('email:@b.c'), ('email:a@b@c.d'),
               ('email:' || pg_catalog.repeat('a', 65) || '@example.com'),
               ('email:a@' || pg_catalog.repeat('b', 64) || '.com'),
               (E'email:a@\u0663.com'), ('phone:+'), ('phone:++1 555'),
               ('phone:+1' || pg_catalog.repeat('5', 40)), (E'phone:\uff0b\uff11\uff12'),
               (E'user_id:\U0010FFFF'), (E'user_id:\uFFFE')) AS t(input);

-- The binary receive of cdp.ident, through COPY ... (FORMAT binary): each
-- input is one field of a file written by COPY and read back.
CREATE TABLE pg_temp.corpus_bytes (b bytea);
CREATE TABLE pg_temp.corpus_idents (i cdp.ident);
CREATE FUNCTION pg_temp.receive(bytes bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	file text := pg_catalog.current_setting('data_directory') || '/cdp_fuzz_corpus.bin';
BEGIN
	TRUNCATE pg_temp.corpus_bytes, pg_temp.corpus_idents;
	INSERT INTO pg_temp.corpus_bytes VALUES (bytes);
	EXECUTE pg_catalog.format('COPY pg_temp.corpus_bytes TO %L (FORMAT binary)', file);
	RETURN pg_temp.outcome(pg_catalog.format('COPY pg_temp.corpus_idents FROM %L (FORMAT binary)', file),
	                       'SELECT i::text FROM pg_temp.corpus_idents');
END
$$;
SELECT bytes, pg_temp.receive(bytes)
  FROM (VALUES (''::bytea), ('\x01'), ('\x02656d61696c00'), ('\x01656d61696c'),
               ('\x01656d61696c00'), ('\x01656d61696c00616c69636540'),
               ('\x01656d61696c00616c696365406578616d706c652e636f6d'),
               ('\x01454d41494c00616c696365406578616d706c652e636f6d'),
               ('\x01757365725f696400ff'), ('\x01757365725f696400c0af'),
               ('\x01757365725f696400eda080'), ('\x01757365725f69640000'),
               ('\x0100757365725f6964'), ('\x01ff00757365'), ('\x01757365725f6964000a')) AS t(bytes);

-- cdp.ingest: nesting thousands deep, strings past the event limit, bytes
-- that are not UTF-8 through convert_from.
SELECT what, pg_temp.outcome(stmt)
  FROM (VALUES
    ('deep properties', $q$SELECT cdp.ingest('corpus', ('{"type":"track","event":"e","userId":"c-1","properties":{"p":'
                          || pg_catalog.repeat('[', 2000) || pg_catalog.repeat(']', 2000) || '}}')::jsonb) IS NOT NULL$q$),
    ('too deep properties', $q$SELECT cdp.ingest('corpus', ('{"type":"track","event":"e","userId":"c-1","properties":{"p":'
                          || pg_catalog.repeat('[', 5000) || pg_catalog.repeat(']', 5000) || '}}')::jsonb)$q$),
    ('deep userId', $q$SELECT cdp.ingest('corpus', ('{"type":"identify","userId":' || pg_catalog.repeat('[', 3000)
                      || '1' || pg_catalog.repeat(']', 3000) || '}')::jsonb)$q$),
    ('huge traits', $q$SELECT cdp.ingest('corpus', pg_catalog.jsonb_build_object('type', 'identify', 'userId', 'c-1',
                      'traits', pg_catalog.jsonb_build_object('bio', pg_catalog.repeat('€', 200000))))$q$),
    ('huge userId', $q$SELECT cdp.ingest('corpus', pg_catalog.jsonb_build_object('type', 'identify',
                      'userId', pg_catalog.repeat('x', 256)))$q$),
    ('not UTF-8', $q$SELECT cdp.ingest('corpus', pg_catalog.convert_from('\x7b2274797065223a22ff227d', 'UTF8')::jsonb)$q$),
    ('overlong UTF-8', $q$SELECT cdp.ingest('corpus', pg_catalog.convert_from('\x7b2274797065223a22c0af227d', 'UTF8')::jsonb)$q$)
  ) AS t(what, stmt);

-- Events with a NUL escape or a lone surrogate, of the wrong shape, or with
-- a wrong type or value in one field.
SELECT what, pg_temp.outcome(pg_catalog.format('SELECT cdp.ingest(%L, %L::jsonb) IS NOT NULL', 'corpus', event))
  FROM (VALUES
    ('NUL escape', '{"type":"identify","userId":"a\u0000b"}'),
    ('lone surrogate', '{"type":"identify","userId":"\ud800"}'),
    ('huge number userId', '{"type":"identify","userId":1e308}'),
    ('fraction userId', '{"type":"identify","userId":0.5}'),
    ('negative zero userId', '{"type":"identify","userId":-0}'),
    ('array event', '[{"type":"identify","userId":"c-1"}]'),
    ('scalar event', '"identify"'),
    ('type null', '{"type":null,"userId":"c-1"}'),
    ('type object', '{"type":{"a":1},"userId":"c-1"}'),
    ('messageId object', '{"type":"identify","userId":"c-1","messageId":{}}'),
    ('anonymousId array', '{"type":"identify","anonymousId":[]}'),
    ('previousId number', '{"type":"alias","userId":"c-1","previousId":1.5}'),
    ('groupId true', '{"type":"group","userId":"c-1","groupId":true}'),
    ('event empty', '{"type":"track","userId":"c-1","event":""}'),
    ('traits array', '{"type":"identify","userId":"c-1","traits":[1]}'),
    ('traits.email number', '{"type":"identify","userId":"c-1","traits":{"email":7}}'),
    ('properties string', '{"type":"track","event":"e","userId":"c-1","properties":"p"}'),
    ('context null', '{"type":"identify","userId":"c-1","context":null}'),
    ('context.device string', '{"type":"identify","userId":"c-1","context":{"device":"d"}}'),
    ('timestamp number', '{"type":"identify","userId":"c-1","timestamp":0}'),
    ('timestamp Feb 30', '{"type":"identify","userId":"c-1","timestamp":"2024-02-30T00:00:00Z"}'),
    ('timestamp offset 25h', '{"type":"identify","userId":"c-1","timestamp":"2024-06-01T00:00:00+25:00"}'),
    ('timestamp year 0', '{"type":"identify","userId":"c-1","timestamp":"0000-01-01T00:00:00Z"}'),
    ('sentAt infinity', '{"type":"identify","userId":"c-1","sentAt":"infinity"}')
  ) AS t(what, event);

-- cdp.ingest_batch: bodies of the wrong shape, and elements that are not
-- events, with and without reject_invalid.
SELECT what, pg_temp.outcome(stmt)
  FROM (VALUES
    ('object without batch', $q$SELECT cdp.ingest_batch('corpus', '{"events":[]}')$q$),
    ('batch a string', $q$SELECT cdp.ingest_batch('corpus', '{"batch":"x"}')$q$),
    ('batch deep', $q$SELECT cdp.ingest_batch('corpus', ('{"batch":' || pg_catalog.repeat('[', 3000)
                     || pg_catalog.repeat(']', 3000) || '}')::jsonb)$q$),
    ('scalar body', $q$SELECT cdp.ingest_batch('corpus', '1')$q$),
    ('empty array', $q$SELECT cdp.ingest_batch('corpus', '[]')$q$),
    ('null elements', $q$SELECT cdp.ingest_batch('corpus', '[null, 1, "x", []]')$q$),
    ('null elements set aside', $q$SELECT cdp.ingest_batch('corpus', '[null, 1, "x", []]', true)$q$),
    ('deep element set aside', $q$SELECT cdp.ingest_batch('corpus', ('[' || pg_catalog.repeat('[', 3000)
                                 || pg_catalog.repeat(']', 3000) || ']')::jsonb, true)$q$)
  ) AS t(what, stmt);

-- The bit-parallel string algorithms at their word boundaries (63, 64,
-- 65, 128, 129 characters), in text above U+07FF (renumbered alphabets).
SELECT n, cdp.levenshtein(pg_catalog.repeat('界', n), pg_catalog.repeat('界', n - 1) || 'x') AS lev,
       cdp.levenshtein(pg_catalog.repeat('界', n), 'y' || pg_catalog.repeat('界', n), 1) AS lev_bounded,
       cdp.osa_distance(pg_catalog.repeat('界', n - 2) || 'ab', pg_catalog.repeat('界', n - 2) || 'ba') AS osa,
       cdp.damerau_levenshtein('x' || pg_catalog.repeat('界', n), pg_catalog.repeat('界', n) || 'x') AS dl,
       pg_catalog.round(cdp.jaro(pg_catalog.repeat('界', n), pg_catalog.repeat('界', n - 1) || '世')::numeric, 6) AS jaro,
       pg_catalog.round(cdp.qgram_similarity(pg_catalog.repeat('界', n), pg_catalog.repeat('界', n), 3)::numeric, 6) AS qgram
  FROM (VALUES (1), (2), (63), (64), (65), (128), (129)) AS t(n);
