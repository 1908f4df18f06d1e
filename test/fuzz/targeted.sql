-- test/fuzz/targeted.sql
--
-- A targeted fuzzer of cdp's input paths, in SQL: the cdp.ident text input,
-- cdp.ident(kind, value), the binary cdp.ident receive (through COPY
-- ... FROM ... (FORMAT binary), which calls the type's receive function on
-- the bytes of a field), cdp.ingest and cdp.ingest_batch events (random
-- JSON, deep nesting, huge strings, wrong types in every Segment field,
-- bytes that are not UTF-8 through convert_from), and the normalizers and
-- string similarity functions on random Unicode.
--
-- fuzz.run_case(seed, n) runs case n of a run seeded with seed: the same
-- pair gives the same input, so a failing case named in the server log
-- ("Failed process was running: SELECT fuzz.run_case(1, 17)") is run again
-- on its own.  Each call runs in its own subtransaction; what it raised is
-- counted in fuzz.outcomes by target and SQLSTATE, and an error of class
-- XX (internal error, the code of an elog without one) or P0001 (a RAISE
-- without a code) is kept with its input in fuzz.findings.
--
-- Loaded by test/fuzz/run as a superuser (COPY to and from a server file),
-- in a database where cdp is installed.  The inputs are random, not
-- customer data.

CREATE SCHEMA fuzz;

CREATE TABLE fuzz.settings (copy_file text NOT NULL);
CREATE TABLE fuzz.outcomes (
	target   text NOT NULL,
	sqlstate text NOT NULL,
	calls    bigint NOT NULL,
	PRIMARY KEY (target, sqlstate)
);
CREATE TABLE fuzz.findings (
	seed     int NOT NULL,
	n        int NOT NULL,
	target   text NOT NULL,
	sqlstate text NOT NULL,
	message  text NOT NULL,
	input    text NOT NULL
);
CREATE TABLE fuzz.bytes_source (b bytea);
CREATE TABLE fuzz.ident_sink (i cdp.ident);

-- A random integer in [lo, hi].
CREATE FUNCTION fuzz.rint(lo int, hi int) RETURNS int
LANGUAGE sql AS $$ SELECT (lo + floor(random() * (hi::bigint - lo + 1)))::int $$;

-- A length: mostly short, sometimes long, now and then huge.
CREATE FUNCTION fuzz.rlen(huge int) RETURNS int
LANGUAGE sql AS $$
	SELECT CASE WHEN r < 0.80 THEN fuzz.rint(0, 24)
	            WHEN r < 0.97 THEN fuzz.rint(25, 400)
	            ELSE fuzz.rint(401, huge) END
	  FROM (SELECT random() AS r) x
$$;

-- One random code point, from the ranges that break things: ASCII
-- punctuation and controls, Latin-1, combining marks, invisible format
-- characters (U+200B, U+FEFF, bidi overrides), CJK, astral emoji, the last
-- code points, and the separators cdp parses (':', '@', '+', spaces).
CREATE FUNCTION fuzz.rchar() RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	c int;
BEGIN
	CASE fuzz.rint(0, 11)
	WHEN 0 THEN c := fuzz.rint(1, 31);
	WHEN 1, 2, 3 THEN c := fuzz.rint(32, 126);
	WHEN 4 THEN c := fuzz.rint(128, 255);
	WHEN 5 THEN c := fuzz.rint(768, 879);
	WHEN 6 THEN c := (ARRAY[173, 1564, 8203, 8204, 8205, 8206, 8207, 8234, 8238, 8288, 65279, 917505])[fuzz.rint(1, 12)];
	WHEN 7 THEN c := fuzz.rint(19968, 40959);
	WHEN 8 THEN c := fuzz.rint(127744, 129791);
	WHEN 9 THEN c := (ARRAY[65533, 65534, 65535, 1114109, 1114111, 55295, 57344])[fuzz.rint(1, 7)];
	WHEN 10 THEN c := ascii((ARRAY[':', '@', '+', ' ', '.', '-', '_', '(', ')', '\', '"', '%'])[fuzz.rint(1, 12)]);
	ELSE c := (ARRAY[223, 304, 305, 956, 181, 189, 255, 7838, 64256, 8490, 1040, 945])[fuzz.rint(1, 12)];
	END CASE;
	RETURN chr(c);
END
$$;

-- Random text of up to about huge code points.
CREATE FUNCTION fuzz.rtext(huge int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	n int := fuzz.rlen(huge);
	s text := '';
BEGIN
	IF n > 400 AND random() < 0.5 THEN
		RETURN repeat(fuzz.rchar(), n);
	END IF;
	FOR i IN 1..n LOOP
		s := s || fuzz.rchar();
	END LOOP;
	RETURN s;
END
$$;

-- Random bytes, not necessarily UTF-8.
CREATE FUNCTION fuzz.rbytes(huge int) RETURNS bytea
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(set_byte('\x00'::bytea, 0, fuzz.rint(0, 255)), ''::bytea), ''::bytea)
	  FROM generate_series(1, fuzz.rlen(huge))
$$;

-- An identifier kind: a real one, a near miss, or noise.
CREATE FUNCTION fuzz.rkind() RETURNS text
LANGUAGE sql AS $$
	SELECT CASE fuzz.rint(0, 5)
	       WHEN 0 THEN fuzz.rtext(100)
	       WHEN 1 THEN upper((ARRAY['email', 'phone', 'user_id'])[fuzz.rint(1, 3)])
	       ELSE (ARRAY['email', 'phone', 'user_id', 'anonymous_id', 'device_id', 'loyalty_id', ' email ', '', 'e'])[fuzz.rint(1, 9)]
	       END
$$;

-- A value for a kind: shaped like one (an email, a phone) with noise in it,
-- or noise.
CREATE FUNCTION fuzz.rvalue() RETURNS text
LANGUAGE sql AS $$
	SELECT CASE fuzz.rint(0, 4)
	       WHEN 0 THEN fuzz.rtext(70000)
	       WHEN 1 THEN fuzz.rtext(40) || '@' || fuzz.rtext(40) || '.' || fuzz.rtext(8)
	       WHEN 2 THEN (ARRAY['+', '00', '(0', ''])[fuzz.rint(1, 4)] || fuzz.rint(0, 2147483647)::text || fuzz.rtext(6)
	       WHEN 3 THEN (ARRAY['null', 'NULL', 'undefined', '0', '-1', 'test@test.com', ' ', ''])[fuzz.rint(1, 8)]
	       ELSE fuzz.rtext(300)
	       END
$$;

-- A random JSON value, depth levels deep at most.
CREATE FUNCTION fuzz.rjson(depth int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	a jsonb := '[]';
	o jsonb := '{}';
	pick int := fuzz.rint(0, CASE WHEN depth <= 0 THEN 5 ELSE 8 END);
BEGIN
	CASE pick
	WHEN 0 THEN RETURN 'null';
	WHEN 1 THEN RETURN to_jsonb(random() < 0.5);
	WHEN 2 THEN RETURN to_jsonb((ARRAY[0, -1, 1e308, -1e-300, 2147483648, 9e99999, 0.5])[fuzz.rint(1, 7)]::numeric);
	WHEN 3, 4 THEN RETURN to_jsonb(fuzz.rvalue());
	WHEN 5 THEN RETURN to_jsonb((ARRAY['1999-12-31T12:00:00Z', '2024-02-30T00:00:00Z', '0001-01-01T00:00:00Z',
	                                   '9999-12-31T23:59:59.9999995Z', '4713-01-01 BC', 'infinity', '2024-06-01T00:00:00+25:00',
	                                   '2024-06-01', 'T', ''])[fuzz.rint(1, 10)]);
	WHEN 6 THEN
		FOR i IN 1..fuzz.rint(0, 4) LOOP
			a := a || jsonb_build_array(fuzz.rjson(depth - 1));
		END LOOP;
		RETURN a;
	ELSE
		FOR i IN 1..fuzz.rint(0, 4) LOOP
			o := o || jsonb_build_object(
				CASE WHEN random() < 0.7
				     THEN (ARRAY['email', 'phone', 'id', 'device', 'traits', 'name', 'loyaltyId', 'userId'])[fuzz.rint(1, 8)]
				     ELSE fuzz.rtext(20) END,
				fuzz.rjson(depth - 1));
		END LOOP;
		RETURN o;
	END CASE;
END
$$;

-- A value nested n arrays deep.
CREATE FUNCTION fuzz.deep(n int) RETURNS jsonb
LANGUAGE sql AS $$ SELECT (repeat('[', n) || '"x"' || repeat(']', n))::jsonb $$;

-- A wrong value for a field: any JSON mostly, now and then a huge string
-- or nesting thousands deep.
CREATE FUNCTION fuzz.rbad() RETURNS jsonb
LANGUAGE sql AS $$
	SELECT CASE WHEN r < 0.96 THEN fuzz.rjson(3)
	            WHEN r < 0.98 THEN to_jsonb(repeat(fuzz.rchar(), fuzz.rint(1000, 200000)))
	            ELSE fuzz.deep(fuzz.rint(10, 3000)) END
	  FROM (SELECT random() AS r) x
$$;

-- An event in the Segment spec's shape: each field present or not, of the
-- right type, then none, one or two fields (any of them, present or not)
-- set to a wrong value, so that most events reach deep into ingestion.
CREATE FUNCTION fuzz.revent() RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	fields text[] := ARRAY['type', 'messageId', 'userId', 'anonymousId', 'previousId', 'groupId',
	                       'event', 'name', 'traits', 'properties', 'context', 'timestamp',
	                       'sentAt', 'originalTimestamp'];
	e jsonb := '{}';
	f text;
BEGIN
	FOREACH f IN ARRAY fields LOOP
		CONTINUE WHEN f <> 'type' AND random() < 0.4;
		e := e || jsonb_build_object(f, CASE f
			WHEN 'type' THEN to_jsonb(CASE WHEN random() < 0.95
			                               THEN (ARRAY['identify', 'track', 'page', 'screen', 'group', 'alias'])[fuzz.rint(1, 6)]
			                               ELSE (ARRAY['Identify', '', 'batch'])[fuzz.rint(1, 3)] END)
			WHEN 'traits' THEN jsonb_build_object('email', fuzz.rvalue(), 'phone', fuzz.rvalue(), 'name', fuzz.rtext(30))
			WHEN 'properties' THEN jsonb_build_object('p', fuzz.rjson(3))
			WHEN 'context' THEN jsonb_build_object('device', jsonb_build_object('id', fuzz.rvalue()),
			                                       'traits', jsonb_build_object('loyaltyId', fuzz.rvalue()))
			WHEN 'timestamp' THEN to_jsonb('2024-0' || fuzz.rint(1, 9) || '-1' || fuzz.rint(0, 9) || 'T0' || fuzz.rint(0, 9) || ':00:00Z')
			WHEN 'sentAt' THEN to_jsonb('2024-10-01T00:00:00Z'::text)
			WHEN 'originalTimestamp' THEN to_jsonb('2024-10-01T00:00:00.5+02:00'::text)
			WHEN 'messageId' THEN to_jsonb(fuzz.rint(1, 50)::text)
			ELSE to_jsonb(CASE WHEN random() < 0.6 THEN 'u-' || fuzz.rint(1, 100) ELSE left(fuzz.rvalue(), 255) END)
			END);
	END LOOP;
	FOR k IN 1..fuzz.rint(0, 2) LOOP
		e := e || jsonb_build_object(fields[fuzz.rint(1, 14)], fuzz.rbad());
	END LOOP;
	RETURN e;
END
$$;

-- The bytes of a binary cdp.ident: the format byte, a kind name and its
-- NUL, the value; each part right or wrong.
CREATE FUNCTION fuzz.rident_binary() RETURNS bytea
LANGUAGE sql AS $$
	SELECT CASE WHEN random() < 0.15 THEN fuzz.rbytes(3000)
	       ELSE (CASE WHEN random() < 0.85 THEN '\x01'::bytea ELSE fuzz.rbytes(2) END)
	            || convert_to(fuzz.rkind(), 'UTF8')
	            || (CASE WHEN random() < 0.85 THEN '\x00'::bytea ELSE ''::bytea END)
	            || (CASE WHEN random() < 0.7 THEN convert_to(fuzz.rvalue(), 'UTF8') ELSE fuzz.rbytes(300) END)
	       END
$$;

-- Runs one statement with its arguments in a subtransaction and records
-- what it raised.
CREATE FUNCTION fuzz.try(seed int, n int, target text, stmt text, input text,
                         a1 text DEFAULT NULL, a2 text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	state text := '00000';
	msg text;
BEGIN
	BEGIN
		EXECUTE stmt USING a1, a2;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	END;
	INSERT INTO fuzz.outcomes VALUES (target, state, 1)
	    ON CONFLICT ON CONSTRAINT outcomes_pkey DO UPDATE SET calls = fuzz.outcomes.calls + 1;
	IF state LIKE 'XX%' OR state = 'P0001' THEN
		INSERT INTO fuzz.findings VALUES (seed, n, target, state, msg, left(input, 300));
	END IF;
END
$$;

-- Case n of the run seeded with seed.
CREATE FUNCTION fuzz.run_case(seed int, n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t text;
	t2 text;
	b bytea;
	e jsonb;
	file text := (SELECT copy_file FROM fuzz.settings);
BEGIN
	PERFORM setseed(((hashint8extended(seed::bigint * 1000003 + n, 0) % 1000000)::float8 / 1000000.0));
	CASE n % 9
	WHEN 0 THEN
		t := fuzz.rkind() || ':' || fuzz.rvalue();
		PERFORM fuzz.try(seed, n, 'ident text input', 'SELECT $1::cdp.ident::text', t, t);
	WHEN 1 THEN
		t := fuzz.rkind();
		t2 := fuzz.rvalue();
		PERFORM fuzz.try(seed, n, 'cdp.ident(kind, value)', 'SELECT cdp.ident($1, $2)::text', t || ':' || t2, t, t2);
	WHEN 2 THEN
		b := fuzz.rident_binary();
		TRUNCATE fuzz.bytes_source;
		INSERT INTO fuzz.bytes_source VALUES (b);
		EXECUTE format('COPY fuzz.bytes_source TO %L (FORMAT binary)', file);
		PERFORM fuzz.try(seed, n, 'ident binary receive',
		                 format('COPY fuzz.ident_sink FROM %L (FORMAT binary)', file), b::text);
	WHEN 3, 4 THEN
		e := fuzz.revent();
		PERFORM fuzz.try(seed, n, 'cdp.ingest', 'SELECT cdp.ingest(''fuzz'', $1::jsonb)', e::text, e::text);
	WHEN 5 THEN
		SELECT jsonb_agg(fuzz.revent()) INTO e FROM generate_series(1, fuzz.rint(0, 20));
		IF random() < 0.3 THEN
			e := jsonb_build_object('batch', CASE WHEN random() < 0.8 THEN coalesce(e, '[]') ELSE fuzz.rbad() END);
		END IF;
		PERFORM fuzz.try(seed, n, 'cdp.ingest_batch', 'SELECT cdp.ingest_batch(''fuzz'', $1::jsonb, $2::boolean)',
		                 e::text, e::text, (random() < 0.5)::text);
	WHEN 6 THEN
		b := CASE WHEN random() < 0.5 THEN convert_to(fuzz.revent()::text, 'UTF8') ELSE ''::bytea END;
		b := overlay(b placing fuzz.rbytes(8) from fuzz.rint(1, length(b) + 1) for fuzz.rint(0, 4));
		PERFORM fuzz.try(seed, n, 'cdp.ingest of bytes', 'SELECT cdp.ingest(''fuzz'', convert_from($1::bytea, ''UTF8'')::jsonb)',
		                 b::text, b::text);
	WHEN 7 THEN
		t := fuzz.rvalue();
		t2 := (ARRAY['AU', 'US', 'GB', 'DE', 'xx', '', NULL])[fuzz.rint(1, 7)];
		PERFORM fuzz.try(seed, n, 'normalizers',
		                 'SELECT cdp.normalize_email($1), cdp.normalize_phone($1, $2), cdp.normalize_name(left($1, 2000))',
		                 t, t, t2);
	ELSE
		t := left(fuzz.rtext(3000), 3000);
		t2 := left(fuzz.rtext(3000), 3000);
		PERFORM fuzz.try(seed, n, 'similarity',
		                 'SELECT cdp.levenshtein($1, $2), cdp.levenshtein($1, $2, length($2) % 70),
		                         cdp.damerau_levenshtein($1, $2), cdp.osa_distance($1, $2),
		                         cdp.jaro($1, $2), cdp.jaro_winkler($1, $2),
		                         cdp.qgram_similarity($1, $2, 1 + length($1) % 5), cdp.token_set_similarity($1, $2),
		                         cdp.soundex(left($1, 200)), cdp.double_metaphone(left($2, 200)),
		                         cdp.phonetic_keys(left($1, 200)), cdp.deletion_keys(left($2, 40))',
		                 t || ' | ' || t2, t, t2);
	END CASE;
END
$$;
