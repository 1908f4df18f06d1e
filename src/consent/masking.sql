-- What cdp_analyst reads instead of personal data (C: src/consent/
-- masking.c): traits masked by the rules of cdp.masked_traits, and
-- identifiers as keyed pseudonyms, so that counts and joins still work.
-- The views apply the reader's purpose and regions themselves, as row
-- security would.

CREATE TABLE cdp.masking_key (
    key         bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    only_one    boolean NOT NULL DEFAULT true PRIMARY KEY CHECK (only_one)
);
COMMENT ON TABLE cdp.masking_key IS
    'the secret of cdp.pseudonym(); readable by the extension owner only (a new key changes every pseudonym)';
-- 256 random bits from the server's strong random source.
INSERT INTO cdp.masking_key (key)
SELECT pg_catalog.decode(pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '')
                         OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', '')
                         OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''),
                         'hex');
SELECT pg_catalog.pg_extension_config_dump('cdp.masking_key', '');
CREATE TRIGGER masking_key_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.masking_key
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

CREATE FUNCTION cdp.pseudonym(value text) RETURNS text
    LANGUAGE c STABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'cdp_pseudonym';
COMMENT ON FUNCTION cdp.pseudonym(text) IS
    'a keyed hash of value (HMAC-SHA256 under cdp.masking_key, 32 hex digits): equal values, equal pseudonyms';
REVOKE ALL ON FUNCTION cdp.pseudonym(text) FROM PUBLIC;

CREATE FUNCTION cdp.mask_text(value text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'cdp_mask_text';
COMMENT ON FUNCTION cdp.mask_text(text) IS
    'value with all but its first character starred (an email keeps its domain)';

CREATE TABLE cdp.masked_traits (
    trait   text NOT NULL PRIMARY KEY,
    method  text NOT NULL,
    CONSTRAINT masked_traits_method_check
        CHECK (method OPERATOR(pg_catalog.=) ANY (ARRAY['pseudonym', 'mask', 'drop']))
);
COMMENT ON TABLE cdp.masked_traits IS
    'how cdp.profiles_masked shows each personal trait: pseudonym (keyed hash), mask (first character) or drop; other traits as they are';
INSERT INTO cdp.masked_traits (trait, method) VALUES
    ('email', 'pseudonym'), ('phone', 'pseudonym'), ('userId', 'pseudonym'),
    ('name', 'mask'), ('firstName', 'mask'), ('lastName', 'mask'),
    ('first_name', 'mask'), ('last_name', 'mask'), ('username', 'mask'),
    ('address', 'drop'), ('street', 'drop'), ('postalCode', 'drop'), ('postal_code', 'drop'),
    ('birthday', 'drop'), ('ip', 'drop'), ('avatar', 'drop');
SELECT pg_catalog.pg_extension_config_dump('cdp.masked_traits', '');

-- The traits with the rules of cdp.masked_traits applied.
CREATE FUNCTION cdp.mask_traits(traits jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(jsonb_object_agg(t.key,
               CASE m.method
                   WHEN 'pseudonym' THEN to_jsonb(cdp.pseudonym(t.value #>> '{}'))
                   WHEN 'mask' THEN to_jsonb(cdp.mask_text(t.value #>> '{}'))
                   ELSE t.value END)
               FILTER (WHERE m.method IS DISTINCT FROM 'drop'), '{}')
      FROM jsonb_each(traits) AS t
      LEFT JOIN cdp.masked_traits m ON m.trait = t.key
$$;
COMMENT ON FUNCTION cdp.mask_traits(jsonb) IS 'traits with the rules of cdp.masked_traits applied';
REVOKE ALL ON FUNCTION cdp.mask_traits(jsonb) FROM PUBLIC;

CREATE VIEW cdp.profiles_masked WITH (security_barrier) AS
SELECT p.profile_id, p.created_at, p.updated_at, p.region,
       cdp.mask_traits(p.traits) AS traits, p.computed
  FROM cdp.profiles p
 WHERE cdp.consent_allows(p.consent_mask, p.consent_expires_at, p.profile_id)
   AND cdp.region_allowed(p.region);
COMMENT ON VIEW cdp.profiles_masked IS
    'profiles with personal traits masked (cdp.masked_traits), for the session''s purpose and the role''s regions';

CREATE VIEW cdp.identities_masked WITH (security_barrier) AS
SELECT i.identity_id, i.profile_id, cdp.ident_kind(i.ident) AS kind,
       cdp.pseudonym(cdp.ident_value(i.ident)) AS pseudonym, i.first_seen, i.source_id, i.quarantined
  FROM cdp.identities i
  JOIN cdp.profiles p ON p.profile_id OPERATOR(pg_catalog.=) i.profile_id
 WHERE cdp.consent_allows(p.consent_mask, p.consent_expires_at, p.profile_id)
   AND cdp.region_allowed(p.region);
COMMENT ON VIEW cdp.identities_masked IS
    'identifiers as kind and keyed pseudonym (cdp.pseudonym of the normalized value), for the session''s purpose and the role''s regions';
