-- Databases that are not UTF-8: values are converted to UTF-8 on input and
-- back on output, so cdp.ident holds the same bytes in every database.
\set regdb :DBNAME
CREATE DATABASE cdp_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
CREATE DATABASE cdp_sql_ascii TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C';

\c cdp_latin1
SET client_encoding = 'UTF8';
CREATE EXTENSION cdp;
SELECT cdp.normalize_email(' JÖRG@Exämple.DE ') AS email,
       cdp.normalize_name('Müller-Lüdenscheidt, Zoë') AS name,
       cdp.normalize_phone('06 12 34 56 78', 'FR') AS phone;
SELECT i, cdp.ident_value(i), cdp.ident_kind(i), cdp.ident_send(i)
  FROM (VALUES (cdp.ident('email', 'Jörg@Exämple.de')), (cdp.ident('user_id', 'Ü-42'))) AS t(i);
-- The stored value is UTF-8: ö is two bytes.
SELECT pg_column_size(cdp.ident('user_id', 'ö')) - pg_column_size(cdp.ident('user_id', 'o')) AS extra_bytes;
SELECT 'email:JÖRG@EXÄMPLE.DE'::cdp.ident OPERATOR(cdp.=) cdp.ident('email', 'jörg@exämple.de') AS equal;
-- NFKC may give characters that LATIN1 lacks (µ -> Greek μ, ½ -> 1⁄2):
-- such values are refused, so that every stored identifier can be shown.
-- A name is transliterated to ASCII from its UTF-8 form, so its result can
-- always be shown.
SELECT cdp.normalize_name('µ½ÿ') AS name, cdp.normalize_name('µ') AS mu;
INSERT INTO cdp.identifier_kinds (kind, normalizer, priority) VALUES ('full_name', 'name', 10);
SELECT cdp.ident('full_name', 'Ærø µ½ÿ');
SELECT cdp.normalize_email('½@example.com');
SELECT cdp.ident('email', '½@example.com');
SELECT cdp.ident('user_id', 'a½');

\c cdp_sql_ascii
SET client_encoding = 'SQL_ASCII';
CREATE EXTENSION cdp;
-- SQL_ASCII stores bytes unchecked: valid UTF-8 is accepted, anything else
-- is refused.
SELECT cdp.normalize_email(convert_from('\x4ac3966572674065786d706c652e6465'::bytea, 'SQL_ASCII')) = convert_from('\x6ac3b66572674065786d706c652e6465'::bytea, 'SQL_ASCII') AS utf8_accepted;
SELECT cdp.normalize_email(convert_from('\x4aff4065786d706c652e6465'::bytea, 'SQL_ASCII'));
SELECT cdp.ident('user_id', convert_from('\x41ff42'::bytea, 'SQL_ASCII'));

\c :regdb
DROP DATABASE cdp_latin1;
DROP DATABASE cdp_sql_ascii;
