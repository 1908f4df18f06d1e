-- Normalizers: cdp.normalize_email, cdp.normalize_phone, cdp.normalize_name.
\pset null '(null)'

-- Email: trimmed, NFKC, full case folding.
SELECT x AS input, cdp.normalize_email(x) AS email
  FROM (VALUES (' Alice@Example.COM '),
               (E'\tbob.smith+news@Example.co.uk\n'),
               ('ＡＬＩＣＥ@ＥＸＡＭＰＬＥ.ＣＯＭ'),          -- full-width
               ('STRASSE@Example.de'),
               ('Straße@Example.de'),                    -- full folding: ß -> ss
               ('ΣΟΦΙΑ@example.gr'),                     -- final sigma folds to σ
               ('josé@example.com'),                     -- NFC é
               (E'jose\u0301@example.com'),              -- NFD e + combining acute
               ('ДМИТРИЙ@пример.рф'),                    -- Cyrillic, IDN domain
               ('用户@例子.中国'),
               ('😀@example.com'),
               (E'\u00a0carol@example.com\u3000'),       -- no-break and ideographic space
               ('o''hara!#$%&*/=?^_`{|}~-@example.com'),
               ('john.smith+tag@gmail.com'),
               ('J.Smith@GoogleMail.com')) AS t(x);
-- NFC and NFD spellings normalize to the same bytes.
SELECT cdp.normalize_email('josé@example.com') = cdp.normalize_email(E'jose\u0301@example.com') AS nfc_equals_nfd;
-- Normalizing twice changes nothing.
SELECT count(*) FILTER (WHERE cdp.normalize_email(e) <> e) AS not_idempotent
  FROM (SELECT cdp.normalize_email(x) AS e
          FROM unnest(ARRAY['Straße@X.de', 'ǰ@x.de', 'ＡＢＣ@ＥＸＡＭＰＬＥ.ＣＯＭ', 'ΣΟΦΙΑ@X.gr']) AS x) AS s;

-- Provider rules (off by default): Gmail dots and +tags.
SET cdp.email_provider_rules = on;
SELECT cdp.normalize_email('John.Smith+Promo@Gmail.com') AS gmail,
       cdp.normalize_email('j.o.h.n@googlemail.com') AS googlemail,
       cdp.normalize_email('john.smith+promo@example.com') AS other_domain;
SELECT cdp.normalize_email('+promo@gmail.com');
RESET cdp.email_provider_rules;

-- What is not an address: SQLSTATE and message, which never quotes the value.
CREATE FUNCTION pg_temp.error_of(query text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
SELECT left(x, 30) AS input, pg_temp.error_of(format('SELECT cdp.normalize_email(%L)', x)) AS error
  FROM (VALUES ('alice.example.com'),
               ('alice@@example.com'),
               ('a@b@example.com'),
               ('@example.com'),
               ('alice@'),
               ('alice smith@example.com'),
               (E'alice\u3000smith@example.com'),
               (E'alice\u0007@example.com'),
               (E'alice\u0085@example.com'),
               ('alice@localhost'),
               ('alice@example..com'),
               ('alice@example.com.'),
               ('alice@-example.com'),
               ('alice@exa_mple.com'),
               ('.alice@example.com'),
               ('alice.@example.com'),
               ('al..ice@example.com'),
               ('"alice"@example.com'),
               ('alice<x>@example.com'),
               (repeat('a', 65) || '@example.com'),
               (repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 63) || '.com'),
               (repeat('a', 1025)),
               ('   ')) AS t(x);
SELECT cdp.normalize_email(NULL);

-- Phone: E.164 from international and national formats.
SELECT x AS input, r AS region, cdp.normalize_phone(x, r) AS e164
  FROM (VALUES ('+1 (415) 555-2671', NULL),
               ('(415) 555-2671', 'US'),
               ('1-415-555-2671', 'us'),
               ('415.555.2671', 'CA'),
               ('011 44 20 7946 0958', 'US'),        -- North American international prefix
               ('+44 (0)20 7946 0958', NULL),         -- trunk prefix written in parentheses
               ('020 7946 0958', 'GB'),
               ('07700 900123', 'GB'),
               ('+33 6 12 34 56 78', NULL),
               ('0033 6 12 34 56 78', NULL),
               ('06 12 34 56 78', 'FR'),
               ('06.12.34.56.78', 'FR'),
               ('06-12-34-56-78', 'FR'),
               ('６１２３４５６７８', 'FR'),           -- full-width, without trunk prefix
               ('＋３３　６　１２　３４　５６　７８', NULL), -- full-width plus and spaces
               ('٠٦١٢٣٤٥٦٧٨', 'FR'),                  -- Arabic-Indic digits
               (E'06\u00a012\u00a034\u00a056\u00a078', 'FR'),
               (E'06\u201112\u201134\u201156\u201178', 'FR'), -- non-breaking hyphens
               ('030 1234567', 'DE'),
               ('+49 (0)30 1234567', NULL),
               ('0151 23456789', 'DE'),
               ('612 34 56 78', 'ES'),
               ('+34 912 345 678', NULL),
               ('06 1234 5678', 'IT'),                -- Italian leading 0 is kept
               ('+39 312 345 6789', NULL),
               ('8 (495) 123-45-67', 'RU'),
               ('8 800 555 35 35', 'RU'),
               ('+7 701 123 4567', NULL),             -- Kazakhstan shares +7
               ('0412 345 678', 'AU'),
               ('0011 33 6 12 34 56 78', 'AU'),
               ('090-1234-5678', 'JP'),
               ('+81 3-1234-5678', NULL),
               ('(11) 91234-5678', 'BR'),
               ('098765 43210', 'IN'),
               ('+91 98765 43210', NULL),
               ('138 0013 8000', 'CN'),
               ('+290 1234', NULL),                   -- a country code without rules here
               ('  +1 415 555 2671  ', NULL)) AS t(x, r);

-- The default region.
SELECT cdp.normalize_phone('06 12 34 56 78');
SET cdp.default_region = 'fr';
SHOW cdp.default_region;
SELECT cdp.normalize_phone('06 12 34 56 78') AS from_default,
       cdp.normalize_phone('(415) 555-2671', 'US') AS explicit_region,
       cdp.normalize_phone('+1 415 555 2671') AS international;
SET cdp.default_region = 'XX';
SET cdp.default_region = 'FRA';
RESET cdp.default_region;
SHOW cdp.default_region;

-- What cannot be a phone number.
SELECT x AS input, r AS region, pg_temp.error_of(format('SELECT cdp.normalize_phone(%L, %L)', x, r)) AS error
  FROM (VALUES ('06 12 34 56 78 ext 5', 'FR'),
               ('call me', 'FR'),
               ('０６ＡＢ', 'FR'),
               ('06 12 34 56', 'FR'),
               ('06 12 34 56 78 9', 'FR'),
               ('+33 6 12 34 56', NULL),
               ('+1 415 555 26711', NULL),
               ('(015) 555-2671', 'US'),
               ('+1234567890123456', NULL),
               ('+290 123', NULL),
               ('06+12345678', 'FR'),
               ('++33612345678', NULL),
               ('06#12345678', 'FR'),
               ('+0 12345678', NULL),
               ('00', NULL),
               ('-- . --', 'FR'),
               ('', 'FR'),
               ('06 12 34 56 78', NULL)) AS t(x, r);
SELECT cdp.normalize_phone('06 12 34 56 78', 'XX');
SELECT cdp.normalize_phone(NULL, 'FR');

-- Names: NFKC, case folding, transliteration, punctuation, white space.
SELECT x AS input, cdp.normalize_name(x) AS name
  FROM (VALUES ('Straße'),
               ('Müller'),
               (E'Mu\u0308ller'),                       -- NFD
               ('Иван'),
               ('Ærøskøbing'),
               ('  Jean-Pierre   O''Brien  '),
               ('J.R.R. Tolkien'),
               ('Smith, John'),
               ('ＭÜＬＬＥＲ'),                          -- full-width
               ('Ελένη Παπαδοπούλου'),
               ('Łukasz Żółć'),
               ('François Dupont-Aignan'),
               ('İstanbul'),
               ('ﬁne'),                                  -- ligature
               ('Anna 😀'),
               ('김민준'),
               ('محمد'),
               ('Zoë  Pérez'),
               (''),
               ('!!!')) AS t(x);
SELECT cdp.normalize_name('Müller') = cdp.normalize_name(E'Mu\u0308ller') AS nfc_equals_nfd,
       cdp.normalize_name(NULL) AS null_in;
SELECT length(cdp.normalize_name(repeat('Ab ', 300))) AS long_name;
SELECT cdp.normalize_name(repeat('a', 1025));
-- Latin letters with diacritics skip the transliterator (NFD, marks
-- dropped); the results must stay those of the transliterator.  The md5s
-- below were computed from a build that sent every non-ASCII name through
-- CdpToAscii: every letter of Latin-1 Supplement, Latin Extended-A/B and
-- Latin Extended Additional, and every letter a-z with each combining mark.
SELECT md5(string_agg(cdp.normalize_name('x' || chr(c) || 'Y'), ',' ORDER BY c))
         = '548254346474c210d453a47901edb806' AS latin_letters_unchanged
  FROM (SELECT generate_series(192, 591) UNION ALL SELECT generate_series(7680, 7935)) AS t(c);
SELECT md5(string_agg(cdp.normalize_name(chr(l) || chr(m) || ' ' || upper(chr(l)) || chr(m) || chr(m + 1)),
                      ',' ORDER BY l, m))
         = '10d4ccf2d4e20ea2684b7847e9b23d8e' AS marks_unchanged
  FROM generate_series(97, 122) AS l, generate_series(768, 879) AS m;

-- Transliterations are cached per backend, and the cache starts over when
-- full: results stay right across more texts than it holds.
SELECT count(*) FILTER (WHERE cdp.normalize_name('Иван ' || n) <> 'ivan ' || n) AS wrong,
       count(*) FILTER (WHERE cdp.soundex('Ölberg' || repeat('ö', n % 50)) <> 'O416') AS wrong_soundex
  FROM generate_series(1, 20000) n;

-- Invisible format characters (General Category Cf: U+200B zero width
-- space, U+FEFF byte order mark, U+202E right-to-left override, U+00AD soft
-- hyphen, U+2060 word joiner) make values that look alike differ, and bidi
-- overrides spoof how a value is shown.  exact refuses them (an exact value
-- is never changed); lower, email and name drop them, before normalizing;
-- phone skips them like a separator.
SELECT cdp.ident('user_id', E'\ufeffu-1');
SELECT cdp.ident('user_id', E'u-1\u200b');
SELECT cdp.ident('anonymous_id', E'abc\u202e1-2');
SELECT E'user_id:u\u2060-1'::cdp.ident;
SELECT cdp.ident('device_id', E'\ufeffAB\u200b-C\u202e1') AS lower_kind,
       cdp.normalize_email(E'\ufeffAl\u200bice@Ex\u00adample.com') AS email,
       cdp.normalize_email(E'Joe\u200d\u0301@example.com') = cdp.normalize_email('joé@example.com')
         AS email_composes,
       cdp.normalize_phone(E'\u202a+33 6 12 34 56 78\u202c') AS phone_bidi_marks,
       cdp.normalize_phone(E'\u200f06\u200e12345678', 'FR') AS phone_rlm,
       cdp.normalize_name(E'Jo\u00adhn Sm\u200bith \u202eX') AS name;
SELECT E'email:a@b.co'::cdp.ident OPERATOR(cdp.=) E'email:\u200ba@b.co\ufeff'::cdp.ident AS email_equal;
SELECT cdp.ident('device_id', E'\u200b');
