-- Profiles: one row per person, the golden record chosen by survivorship
-- rules (C caller: src/profiles/golden_record.c), and the 360 view.

CREATE SEQUENCE cdp.profiles_profile_id_seq AS bigint;
CREATE TABLE cdp.profiles (
    profile_id   bigint NOT NULL DEFAULT pg_catalog.nextval('cdp.profiles_profile_id_seq') PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    region       text,
    traits       jsonb NOT NULL DEFAULT '{}',
    computed     jsonb NOT NULL DEFAULT '{}',
    consent_mask        bigint NOT NULL DEFAULT 0,
    consent_expires_at  timestamptz
);
ALTER SEQUENCE cdp.profiles_profile_id_seq OWNED BY cdp.profiles.profile_id;
COMMENT ON TABLE cdp.profiles IS
    'one row per person: the golden record (traits resolved by cdp.trait_rules) and computed traits';
COMMENT ON COLUMN cdp.profiles.traits IS 'the golden record: each trait resolved by its rule in cdp.trait_rules';
COMMENT ON COLUMN cdp.profiles.region IS 'where the person''s data belongs (for region-bound access)';
COMMENT ON COLUMN cdp.profiles.consent_mask IS
    'the purposes in force, one bit each (cdp.purposes.bit): those every identifier with a say grants';
COMMENT ON COLUMN cdp.profiles.consent_expires_at IS
    'when the first of those grants expires (row security then looks the purpose up)';
SELECT pg_catalog.pg_extension_config_dump('cdp.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('cdp.profiles_profile_id_seq', '');

CREATE TABLE cdp.trait_rules (
    trait  text NOT NULL PRIMARY KEY,
    rule   text NOT NULL,
    CONSTRAINT trait_rules_rule_check
        CHECK (rule OPERATOR(pg_catalog.=) ANY (ARRAY['latest', 'source_priority', 'most_frequent', 'first', 'max', 'min']))
);
COMMENT ON TABLE cdp.trait_rules IS
    'how each trait of the golden record is chosen among the values seen; traits without a rule take the latest';
SELECT pg_catalog.pg_extension_config_dump('cdp.trait_rules', '');

-- Recomputes the golden record (traits) of the given profiles: per trait,
-- the value its rule in cdp.trait_rules picks among the values seen for
-- any identity of the profile ('latest' when the trait has no rule).
CREATE FUNCTION cdp.refresh_profiles(profile_ids bigint[]) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH observed AS (
        SELECT i.profile_id, t.trait, t.value,
               max(t.last_seen) AS last_seen, min(t.first_seen) AS first_seen,
               sum(t.times) AS times, min(s.priority) AS best_priority
          FROM cdp.identities i
          JOIN cdp.trait_values t ON t.identity_id = i.identity_id
          JOIN cdp.sources s ON s.source_id = t.source_id
         WHERE i.profile_id = ANY (profile_ids)
         GROUP BY i.profile_id, t.trait, t.value
    ), ranked AS (
        SELECT o.profile_id, o.trait, o.value,
               row_number() OVER (PARTITION BY o.profile_id, o.trait ORDER BY
                   CASE WHEN r.rule = 'source_priority' THEN o.best_priority END ASC NULLS LAST,
                   CASE WHEN r.rule = 'most_frequent' THEN o.times END DESC NULLS LAST,
                   CASE WHEN r.rule = 'max' THEN o.value END DESC NULLS LAST,
                   CASE WHEN r.rule = 'min' THEN o.value END ASC NULLS LAST,
                   CASE WHEN r.rule = 'first' THEN o.first_seen END ASC NULLS LAST,
                   o.last_seen DESC, o.value) AS pick
          FROM observed o
          LEFT JOIN cdp.trait_rules r ON r.trait = o.trait
    ), golden AS (
        SELECT profile_id, jsonb_object_agg(trait, value) AS traits
          FROM ranked WHERE pick = 1 GROUP BY profile_id
    )
    UPDATE cdp.profiles p
       SET traits = coalesce(g.traits, '{}'), updated_at = now()
      FROM unnest(profile_ids) AS ids(profile_id)
      LEFT JOIN golden g ON g.profile_id = ids.profile_id
     WHERE p.profile_id = ids.profile_id
$$;
REVOKE ALL ON FUNCTION cdp.refresh_profiles(bigint[]) FROM PUBLIC;

CREATE TRIGGER trait_rules_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cdp.trait_rules
    FOR EACH STATEMENT EXECUTE FUNCTION cdp.config_changed();

-- The profile an old (merged) profile id stands for now.
CREATE FUNCTION cdp.current_profile_id(profile_id bigint) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT a.profile_id FROM cdp.profile_aliases a WHERE a.old_id = $1),
                    (SELECT p.profile_id FROM cdp.profiles p WHERE p.profile_id = $1))
$$;
COMMENT ON FUNCTION cdp.current_profile_id(bigint) IS
    'the profile id a (possibly merged) profile id resolves to now; NULL if unknown';

-- Events with the profile they belong to now: the profile of the event's
-- own identifier (its userId, else its anonymousId).
CREATE VIEW cdp.profile_events AS
SELECT i.profile_id, e.*
  FROM cdp.events e
  JOIN cdp.identities i ON i.ident OPERATOR(cdp.=) e.anchor;
COMMENT ON VIEW cdp.profile_events IS 'cdp.events with the profile each belongs to now';

