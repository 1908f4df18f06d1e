-- Fuzzy string matching: edit distances, Jaro(-Winkler), phonetic codes,
-- q-gram and token set similarity, and blocking keys for indexed candidate
-- search.  All count Unicode code points; all are pure functions that
-- anyone may run.

CREATE FUNCTION cdp.levenshtein(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_levenshtein';
COMMENT ON FUNCTION cdp.levenshtein(text, text) IS
    'Levenshtein distance in code points (insertions, deletions, substitutions)';

CREATE FUNCTION cdp.levenshtein(a text, b text, max_d integer) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_levenshtein_bounded';
COMMENT ON FUNCTION cdp.levenshtein(text, text, integer) IS
    'Levenshtein distance when at most max_d, else max_d + 1 (stops early)';

CREATE FUNCTION cdp.damerau_levenshtein(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_damerau_levenshtein';
COMMENT ON FUNCTION cdp.damerau_levenshtein(text, text) IS
    'true Damerau-Levenshtein distance: edits plus transpositions of adjacent characters, substrings may be edited again';

CREATE FUNCTION cdp.osa_distance(a text, b text) RETURNS integer
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_osa_distance';
COMMENT ON FUNCTION cdp.osa_distance(text, text) IS
    'optimal string alignment distance: edits plus adjacent transpositions, no substring edited twice';

CREATE FUNCTION cdp.jaro(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_jaro';
COMMENT ON FUNCTION cdp.jaro(text, text) IS
    'Jaro similarity, 0 to 1';

CREATE FUNCTION cdp.jaro_winkler(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_jaro_winkler';
COMMENT ON FUNCTION cdp.jaro_winkler(text, text) IS
    'Jaro-Winkler similarity, 0 to 1 (prefix scale 0.1, prefix up to 4, boost above 0.7)';

CREATE FUNCTION cdp.soundex(name text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_soundex';
COMMENT ON FUNCTION cdp.soundex(text) IS
    'American Soundex code (H/W rule), non-ASCII letters transliterated first';

CREATE FUNCTION cdp.double_metaphone(name text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_double_metaphone';
COMMENT ON FUNCTION cdp.double_metaphone(text) IS
    'Double Metaphone codes {primary, alternate}, non-ASCII letters transliterated first';

CREATE FUNCTION cdp.qgram_similarity(a text, b text, q integer DEFAULT 3)
    RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_qgram_similarity';
COMMENT ON FUNCTION cdp.qgram_similarity(text, text, integer) IS
    'Jaccard index of the bags of q-grams, padded with q - 1 marks at both ends';

CREATE FUNCTION cdp.token_set_similarity(a text, b text) RETURNS double precision
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_token_set_similarity';
COMMENT ON FUNCTION cdp.token_set_similarity(text, text) IS
    'similarity of the sets of white-space separated tokens (rapidfuzz token_set_ratio / 100)';

-- Blocking keys: index them to find candidates without a full scan.

CREATE FUNCTION cdp.deletion_keys(name text) RETURNS integer[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_deletion_keys';
COMMENT ON FUNCTION cdp.deletion_keys(text) IS
    'hashtext() of each word, of each word one character shorter, and of the words run together: strings within one typo share a key (GIN-index it, search with &&)';

CREATE FUNCTION cdp.phonetic_keys(name text) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_phonetic_keys';
COMMENT ON FUNCTION cdp.phonetic_keys(text) IS
    'distinct Double Metaphone codes of every word (GIN-index it, search with &&)';
