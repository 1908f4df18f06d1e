-- The cdp.ident type, cdp.identifier_kinds and cdp.hash_ident.
\pset null '(null)'
SET search_path = public, cdp;
CREATE FUNCTION pg_temp.error_of(query text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;

-- Text input normalizes by kind; output is canonical.
SELECT 'email: Alice@Example.COM '::cdp.ident AS email,
       'phone:+33 6 12 34 56 78'::cdp.ident AS phone,
       'user_id: 42 '::cdp.ident AS user_id,
       'anonymous_id:5f0c-AB'::cdp.ident AS anonymous_id,
       'device_id:5F0C-AB12'::cdp.ident AS device_id;
SELECT cdp.ident('email', 'ＡＬＩＣＥ@Example.com') AS full_width,
       cdp.ident('user_id', E'jose\u0301') = cdp.ident('user_id', 'josé') AS exact_nfd_equals_nfc,
       cdp.ident('user_id', 'ABC') = cdp.ident('user_id', 'abc') AS exact_is_case_sensitive,
       cdp.ident('device_id', 'ABC') = cdp.ident('device_id', 'abc') AS lower_ignores_case,
       cdp.ident('user_id', 'user:with:colons') AS colons_in_value;
SELECT cdp.ident_kind(i), cdp.ident_value(i), i::text AS as_text, 'email:Bob@X.org'::text::cdp.ident AS from_text
  FROM (VALUES ('email:A@B.example'::cdp.ident), ('phone:+1 415 555 2671')) AS t(i);
SELECT cdp.ident(NULL, 'x') AS null_kind, cdp.ident('email', NULL) AS null_value,
       cdp.ident_kind(NULL) AS kind_of_null, cdp.ident_value(NULL) AS value_of_null;

-- Equality means equal after normalization.
SELECT 'email:ALICE@example.com'::cdp.ident = 'email: alice@EXAMPLE.com'::cdp.ident AS same_email;
SET cdp.default_region = 'FR';
SELECT 'phone:06 12 34 56 78'::cdp.ident = 'phone:0033 6 12 34 56 78'::cdp.ident AS same_phone,
       'phone:06 12 34 56 78'::cdp.ident AS national;
RESET cdp.default_region;
-- Different kinds never compare equal, even with the same value.
SELECT cdp.ident('user_id', 'abc') = cdp.ident('anonymous_id', 'abc') AS across_kinds;

-- Order: by kind code, then by the value's bytes.
SELECT i FROM (VALUES ('email:b@x.org'::cdp.ident), ('user_id:b'), ('email:a@x.org'),
                      ('device_id:a'), ('user_id:B'), ('user_id:ba'), ('phone:+33612345678'),
                      ('anonymous_id:z')) AS t(i)
 ORDER BY i;
SELECT cdp.ident_cmp('user_id:a', 'user_id:b') AS lt, cdp.ident_cmp('user_id:b', 'user_id:b') AS eq,
       cdp.ident_cmp('user_id:ba', 'user_id:b') AS gt,
       'user_id:a'::cdp.ident < 'user_id:b' AS op_lt, 'user_id:a'::cdp.ident <= 'user_id:a' AS op_le,
       'user_id:b'::cdp.ident > 'user_id:a' AS op_gt, 'user_id:b'::cdp.ident >= 'user_id:c' AS op_ge,
       'user_id:b'::cdp.ident <> 'user_id:a' AS op_ne;

-- Bad input: 22P02 naming the kind and the reason, never the value.
SELECT left(x, 40) AS input, pg_temp.error_of(format('SELECT %L::cdp.ident', x)) AS error
  FROM (VALUES ('alice@example.com'),
               ('Email:alice@example.com'),
               ('no such kind:x'),
               ('loyalty:x'),
               ('email:'),
               ('email:alice'),
               ('email:secret value@example.com'),
               ('phone:+33 6 12'),
               ('phone:0612345678'),
               ('phone:not a number'),
               ('user_id:   '),
               (E'user_id:a\u0001b'),
               (E'device_id:\u0085'),
               (E'anonymous_id:\t\n'),
               ('user_id:' || repeat('x', 1025))) AS t(x);
SELECT 'phone:06 12 34 56 78'::cdp.ident;
SELECT cdp.ident('email', '😀');

-- Storage: 2 bytes of kind code in front of the UTF-8 value.
SELECT pg_column_size('email:a@b.co'::cdp.ident) AS bytes,
       pg_column_size(ROW('email:a@b.co'::cdp.ident)) - pg_column_size(ROW()) AS stored_bytes;

-- Binary send: format byte 1, kind name, NUL, value.
SELECT cdp.ident_send('email:Alice@Example.com') AS email,
       cdp.ident_send('phone:+33 6 12 34 56 78') AS phone,
       cdp.ident_send(cdp.ident('email', 'José@Example.com')) AS utf8;

-- Binary receive: a COPY BINARY round trip through a server file.
CREATE TABLE ident_io (id cdp.ident PRIMARY KEY, note text);
INSERT INTO ident_io VALUES ('email:José@Example.com', 'utf8'), ('phone:+1 415 555 2671', 'phone'),
                            ('user_id:Ü-42', 'exact'), ('device_id:ＡＢＣ', 'full width');
SELECT '/tmp/cdp_ident_' || pg_backend_pid() || '.bin' AS binfile \gset
COPY ident_io TO :'binfile' WITH (FORMAT binary);
CREATE TABLE ident_io_copy (LIKE ident_io);
COPY ident_io_copy FROM :'binfile' WITH (FORMAT binary);
SELECT a.id, a.id = b.id AS same, cdp.ident_send(a.id) = cdp.ident_send(b.id) AS same_bytes
  FROM ident_io a JOIN ident_io_copy b USING (note)
 ORDER BY a.id;
\set rmcmd 'rm -f ' :binfile
COPY (SELECT 1) TO PROGRAM :'rmcmd';

-- A primary key and a unique index see normalized equality.
INSERT INTO ident_io VALUES ('email: JOSÉ@EXAMPLE.COM', 'duplicate');

-- Identifier kinds: the built-in rows match the compiled-in kinds.
SELECT kind, code, normalizer, priority, max_per_profile
  FROM cdp.identifier_kinds ORDER BY code;
SELECT k.kind, cdp.ident_kind(cdp.ident(k.kind, 'X1')) = k.kind AS round_trip
  FROM cdp.identifier_kinds k WHERE k.normalizer IN ('exact', 'lower') ORDER BY k.code;

-- A custom kind is usable at once, in the same transaction and after.
BEGIN;
INSERT INTO cdp.identifier_kinds (kind, normalizer, priority, description)
    VALUES ('loyalty_card', 'lower', 500, 'loyalty card number');
SELECT 'loyalty_card: AB-123 '::cdp.ident AS in_transaction, code
  FROM cdp.identifier_kinds WHERE kind = 'loyalty_card';
COMMIT;
SELECT cdp.ident('loyalty_card', 'Ab-123') = 'loyalty_card:ab-123' AS after_commit;
-- A kind added and rolled back is forgotten.
BEGIN;
INSERT INTO cdp.identifier_kinds (kind, normalizer) VALUES ('crm_id', 'exact');
SELECT 'crm_id:C-1'::cdp.ident;
ROLLBACK;
SELECT 'crm_id:C-1'::cdp.ident;
-- Custom kinds with each normalizer.
INSERT INTO cdp.identifier_kinds (kind, normalizer) VALUES
    ('work_email', 'email'), ('work_phone', 'phone'), ('full_name', 'name'), ('crm_id', 'exact');
SELECT cdp.ident('work_email', 'Bob@Corp.example'), cdp.ident('work_phone', '+44 20 7946 0958'),
       cdp.ident('full_name', 'Müller, Hans-Jürgen'), cdp.ident('crm_id', ' C-1 ');
SELECT pg_temp.error_of($$SELECT cdp.ident('work_email', 'not an address')$$) AS email_kind,
       pg_temp.error_of($$SELECT cdp.ident('work_phone', '+33 6')$$) AS phone_kind,
       pg_temp.error_of($$SELECT cdp.ident('full_name', '!!! 😀')$$) AS name_kind;
-- Changing priority and limits is allowed, built-in kinds included.
UPDATE cdp.identifier_kinds SET priority = 900, max_per_profile = 3 WHERE kind = 'email';
SELECT kind, priority, max_per_profile FROM cdp.identifier_kinds WHERE kind = 'email';
UPDATE cdp.identifier_kinds SET priority = 800, max_per_profile = NULL WHERE kind = 'email';

-- Guards.
SELECT pg_temp.error_of(q) FROM (VALUES
    ($$UPDATE cdp.identifier_kinds SET normalizer = 'exact' WHERE kind = 'loyalty_card'$$),
    ($$UPDATE cdp.identifier_kinds SET code = 999 WHERE kind = 'loyalty_card'$$),
    ($$UPDATE cdp.identifier_kinds SET kind = 'card' WHERE kind = 'loyalty_card'$$),
    ($$UPDATE cdp.identifier_kinds SET normalizer = 'lower' WHERE kind = 'email'$$),
    ($$DELETE FROM cdp.identifier_kinds WHERE kind = 'email'$$),
    ($$TRUNCATE cdp.identifier_kinds$$),
    ($$INSERT INTO cdp.identifier_kinds (kind, code, normalizer) VALUES ('mine', 6, 'exact')$$),
    ($$INSERT INTO cdp.identifier_kinds (kind, normalizer) VALUES ('email', 'exact')$$),
    ($$INSERT INTO cdp.identifier_kinds (kind, normalizer) VALUES ('Bad Kind', 'exact')$$),
    ($$INSERT INTO cdp.identifier_kinds (kind, normalizer) VALUES ('ssn', 'digits')$$),
    ($$INSERT INTO cdp.identifier_kinds (kind, normalizer, max_per_profile) VALUES ('ssn', 'exact', 0)$$)
) AS t(q);
-- A custom kind may be deleted; its identifiers then cannot be printed
-- until it is inserted again with the same code.
CREATE TABLE ident_orphans (id cdp.ident);
INSERT INTO ident_orphans VALUES ('crm_id:C-9');
SELECT code AS crm_code FROM cdp.identifier_kinds WHERE kind = 'crm_id' \gset
DELETE FROM cdp.identifier_kinds WHERE kind = 'crm_id';
SELECT * FROM ident_orphans;
SELECT count(*) FROM ident_orphans WHERE id = id;
INSERT INTO cdp.identifier_kinds (kind, code, normalizer) VALUES ('crm_id', :crm_code, 'exact');
SELECT * FROM ident_orphans;

-- Index scans on =, hash joins, GROUP BY and DISTINCT.
CREATE TABLE ident_a (id cdp.ident PRIMARY KEY, n int);
CREATE TABLE ident_b (id cdp.ident, m int);
INSERT INTO ident_a SELECT cdp.ident('email', 'user' || i || '@example.com'), i FROM generate_series(1, 2000) i;
INSERT INTO ident_b SELECT cdp.ident('email', 'USER' || (i % 500) || '@Example.com'), i FROM generate_series(1, 3000) i;
ANALYZE ident_a, ident_b;
EXPLAIN (COSTS OFF) SELECT n FROM ident_a WHERE id = 'email:User7@Example.com';
SELECT n FROM ident_a WHERE id = 'email:User7@Example.com';
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ident_a a JOIN ident_b b ON a.id = b.id;
SELECT count(*) FROM ident_a a JOIN ident_b b ON a.id = b.id;
RESET enable_mergejoin;
RESET enable_nestloop;
SET enable_hashagg = off;
SELECT count(*) FROM (SELECT DISTINCT id FROM ident_b) AS d;
RESET enable_hashagg;
SET enable_sort = off;
SELECT count(*) FROM (SELECT id FROM ident_b GROUP BY id) AS g;
RESET enable_sort;
CREATE INDEX ident_b_hash ON ident_b USING hash (id);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT m FROM ident_b WHERE id = 'email:user7@example.com' ORDER BY m LIMIT 1;
SELECT m FROM ident_b WHERE id = 'email:user7@example.com' ORDER BY m LIMIT 1;
RESET enable_seqscan;
RESET enable_bitmapscan;
-- Hash partitioning uses the extended hash function.
CREATE TABLE ident_parts (id cdp.ident) PARTITION BY HASH (id);
CREATE TABLE ident_parts_0 PARTITION OF ident_parts FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE ident_parts_1 PARTITION OF ident_parts FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO ident_parts SELECT id FROM ident_a;
SELECT count(*) > 0 AND count(*) < 2000 AS split FROM ident_parts_0;
SELECT cdp.ident_hash_extended('email:a@b.co', 0) & 4294967295
         = cdp.ident_hash('email:a@b.co')::bigint & 4294967295 AS seed0_matches,
       cdp.ident_hash_extended('email:a@b.co', 1) <> cdp.ident_hash_extended('email:a@b.co', 0) AS seed_changes;

-- hash_ident: Meta's published examples (customer information parameters):
-- john_smith@gmail.com -> 62a14e44...; (650)555-1212 (US) -> 16505551212 -> e323ec62....
SELECT cdp.hash_ident('email:John_Smith@gmail.com', 'meta')
         = '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f' AS meta_email,
       cdp.hash_ident(cdp.ident('phone', cdp.normalize_phone('(650)555-1212', 'US')), 'meta')
         = 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176' AS meta_phone;
-- Google publishes normalization examples but no hashes: check against
-- sha256() of the normalized strings from its examples.
SELECT cdp.hash_ident(cdp.ident('phone', cdp.normalize_phone('(800)555-0100', 'US')), 'google')
         = encode(sha256('+18005550100'), 'hex') AS google_phone,
       cdp.hash_ident('email:cloudy.sanfrancisco+shopping@gmail.com', 'google')
         = encode(sha256('cloudysanfrancisco@gmail.com'), 'hex') AS google_gmail,
       cdp.hash_ident('email:user.name+NYC@Example.com', 'google')
         = encode(sha256('user.name+nyc@example.com'), 'hex') AS google_other_domain,
       cdp.hash_ident('email:user.name+NYC@Example.com', 'meta')
         = encode(sha256('user.name+nyc@example.com'), 'hex') AS meta_other_domain,
       cdp.hash_ident('user_id:U-1', 'google') = encode(sha256('U-1'), 'hex') AS other_kinds_as_stored;
SELECT cdp.hash_ident('email:a@b.co', 'tiktok');
SELECT cdp.hash_ident(NULL, 'meta') AS null_in;
