-- Consent: the session's purpose and region (C: src/consent/purpose.c),
-- the per-profile state row security reads, and the functions that record
-- consent and grant purposes and regions to roles.

-- The bit of the session's purpose (SET cdp.purpose), once the current
-- role may use it: 0 when none is declared; 22023 for an unknown purpose,
-- 42501 for one not granted to the role.  Computed once per statement.
CREATE FUNCTION cdp.purpose_mask() RETURNS bigint
    LANGUAGE c STABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_purpose_mask';
COMMENT ON FUNCTION cdp.purpose_mask() IS
    'the bit of the purpose the session declared (SET cdp.purpose), 0 when none; errors when the role may not use it';

-- Whether the current role may see people of region (cdp.grant_region).
CREATE FUNCTION cdp.region_allowed(region text) RETURNS boolean
    LANGUAGE c STABLE PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'cdp_region_allowed';
COMMENT ON FUNCTION cdp.region_allowed(text) IS
    'whether the current role was granted region (or *); a NULL region only under *';

-- Whether every identifier of the profile with a say on the session's
-- purpose grants it now (C: looks up as the function's owner, once the
-- caller may use the purpose).  Row security asks only once a profile's
-- first grant has expired, until its consent_mask is recomputed.
CREATE FUNCTION cdp.consent_in_force(profile_id bigint) RETURNS boolean
    LANGUAGE c STABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'cdp_consent_in_force';
COMMENT ON FUNCTION cdp.consent_in_force(bigint) IS
    'whether the profile consents to the session''s purpose now (row security''s look-up after a grant expired)';
REVOKE ALL ON FUNCTION cdp.consent_in_force(bigint) FROM PUBLIC;

-- The row-security test of a profile row: a bitmask compare with a
-- per-statement constant, and a look-up only after an expiry (the policy
-- by_consent of cdp.profiles, row_security.sql, writes out the same
-- test; the masked views call this).  Plain SQL without settings, so that
-- the planner inlines it; PARALLEL SAFE, since the planner decides on
-- parallel plans before it inlines.
CREATE FUNCTION cdp.consent_allows(consent_mask bigint, consent_expires_at timestamptz, profile_id bigint)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT (consent_mask OPERATOR(pg_catalog.&) cdp.purpose_mask()) OPERATOR(pg_catalog.<>) 0
       AND (consent_expires_at IS NULL
            OR consent_expires_at OPERATOR(pg_catalog.>) pg_catalog.statement_timestamp()
            OR cdp.consent_in_force(profile_id))
$$;
COMMENT ON FUNCTION cdp.consent_allows(bigint, timestamptz, bigint) IS
    'whether a profile row with this consent state may be seen for the session''s purpose';

-- Recomputes the consent state of the profiles from their identifiers'
-- (called after set_consent, and by stitching for merged or split
-- profiles: src/profiles/golden_record.c).  A purpose is in force when
-- every identifier with a say grants it and no grant has expired.  When
-- the identifiers disagree (profiles with different consents merged) the
-- refusal wins, and a derived row in cdp.consents records it once.
CREATE FUNCTION cdp.refresh_consents(profile_ids bigint[]) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    WITH said AS (
        SELECT i.profile_id, c.purpose, c.granted, c.expires_at, c.consent_id, i.ident,
               c.granted AND (c.expires_at IS NULL OR c.expires_at > now()) AS in_force
          FROM cdp.identities i
          JOIN cdp.identifier_consents c ON c.ident = i.ident
         WHERE i.profile_id = ANY (profile_ids)
    ), per_purpose AS (
        SELECT s.profile_id, s.purpose, bool_and(s.in_force) AS in_force,
               bool_or(s.granted) AND bool_or(NOT s.granted) AS conflict,
               min(s.expires_at) AS expires_at, max(s.consent_id) AS latest,
               array_agg(s.ident ORDER BY s.ident) FILTER (WHERE s.granted) AS granting,
               array_agg(s.ident ORDER BY s.ident) FILTER (WHERE NOT s.granted) AS refusing
          FROM said s
         GROUP BY s.profile_id, s.purpose
    ), resolved AS (
        INSERT INTO cdp.consents (profile_id, identifiers, purpose, granted, source, legal_basis, proof, derived)
        SELECT pp.profile_id, pp.granting || pp.refusing, pp.purpose, false, 'cdp:merge', 'consent',
               jsonb_build_object('granting', pp.granting, 'refusing', pp.refusing,
                                  'resolution', 'most restrictive'), true
          FROM per_purpose pp
         WHERE pp.conflict
           AND NOT EXISTS (SELECT 1 FROM cdp.consents d
                            WHERE d.profile_id = pp.profile_id AND d.purpose = pp.purpose
                              AND d.derived AND d.consent_id > pp.latest)
    ), state AS (
        SELECT pp.profile_id,
               bit_or(1::bigint << u.bit) AS mask, min(pp.expires_at) AS expires_at
          FROM per_purpose pp
          JOIN cdp.purposes u ON u.purpose = pp.purpose
         WHERE pp.in_force
         GROUP BY pp.profile_id
    )
    UPDATE cdp.profiles p
       SET consent_mask = coalesce(st.mask, 0), consent_expires_at = st.expires_at
      FROM unnest(profile_ids) AS ids(profile_id)
      LEFT JOIN state st ON st.profile_id = ids.profile_id
     WHERE p.profile_id = ids.profile_id
       AND (p.consent_mask, p.consent_expires_at) IS DISTINCT FROM (coalesce(st.mask, 0), st.expires_at)
$$;
REVOKE ALL ON FUNCTION cdp.refresh_consents(bigint[]) FROM PUBLIC;

-- Raises 22023 unless purpose is in cdp.purposes.
CREATE FUNCTION cdp.require_purpose(purpose text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cdp.purposes p WHERE p.purpose = require_purpose.purpose) THEN
        RAISE EXCEPTION 'purpose does not exist'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The purposes are listed in cdp.purposes.';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION cdp.require_purpose(text) FROM PUBLIC;

CREATE FUNCTION cdp.set_consent(profile_id bigint, purpose text, granted boolean, source text,
                                legal_basis text DEFAULT 'consent', expires_at timestamptz DEFAULT NULL,
                                proof jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    target  bigint;
    idents  cdp.ident[];
    added   bigint;
BEGIN
    IF set_consent.profile_id IS NULL OR set_consent.purpose IS NULL OR set_consent.granted IS NULL
       OR set_consent.source IS NULL OR set_consent.legal_basis IS NULL THEN
        RAISE EXCEPTION 'profile_id, purpose, granted, source and legal_basis must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM cdp.require_purpose(set_consent.purpose);
    IF set_consent.legal_basis <> ALL (ARRAY['consent', 'contract', 'legal_obligation', 'vital_interests',
                                             'public_task', 'legitimate_interests']) THEN
        RAISE EXCEPTION 'invalid legal basis'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The legal bases are those of GDPR article 6: consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests.';
    END IF;
    -- The profile's row lock orders this against stitching and other
    -- consents of the person; a merge meanwhile moves it to the survivor.
    FOR attempt IN 1..3 LOOP
        target := cdp.current_profile_id(set_consent.profile_id);
        EXIT WHEN target IS NULL;
        PERFORM 1 FROM cdp.profiles p WHERE p.profile_id = target FOR UPDATE;
        EXIT WHEN FOUND;
        target := NULL;
    END LOOP;
    IF target IS NULL THEN
        RAISE EXCEPTION 'profile % does not exist', set_consent.profile_id
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT array_agg(i.ident ORDER BY i.identity_id) INTO idents
      FROM cdp.identities i WHERE i.profile_id = target;
    INSERT INTO cdp.consents (profile_id, identifiers, purpose, granted, source, legal_basis, expires_at, proof)
        VALUES (target, coalesce(idents, '{}'), set_consent.purpose, set_consent.granted, set_consent.source,
                set_consent.legal_basis, set_consent.expires_at, set_consent.proof)
        RETURNING consent_id INTO added;
    INSERT INTO cdp.identifier_consents AS c (ident, purpose, granted, expires_at, consent_id)
        SELECT x, set_consent.purpose, set_consent.granted, set_consent.expires_at, added
          FROM unnest(idents) AS x
        ON CONFLICT ON CONSTRAINT identifier_consents_pkey DO UPDATE
           SET granted = EXCLUDED.granted, expires_at = EXCLUDED.expires_at, consent_id = EXCLUDED.consent_id
         WHERE c.consent_id < EXCLUDED.consent_id;
    PERFORM cdp.refresh_consents(ARRAY[target]);
    RETURN added;
END
$$;
COMMENT ON FUNCTION cdp.set_consent(bigint, text, boolean, text, text, timestamptz, jsonb) IS
    'records that a person granted or refused a purpose (history kept); returns the consent_id';
REVOKE ALL ON FUNCTION cdp.set_consent(bigint, text, boolean, text, text, timestamptz, jsonb) FROM PUBLIC;

CREATE FUNCTION cdp.grant_purpose(role regrole, purpose text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    added bigint;
BEGIN
    IF grant_purpose.role IS NULL OR grant_purpose.purpose IS NULL THEN
        RAISE EXCEPTION 'role and purpose must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM cdp.require_purpose(grant_purpose.purpose);
    INSERT INTO cdp.role_purposes (role, purpose) VALUES (grant_purpose.role, grant_purpose.purpose)
        ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added > 0;
END
$$;
COMMENT ON FUNCTION cdp.grant_purpose(regrole, text) IS
    'lets role (and the roles that have its privileges) declare purpose; true when new';
REVOKE ALL ON FUNCTION cdp.grant_purpose(regrole, text) FROM PUBLIC;

CREATE FUNCTION cdp.revoke_purpose(role regrole, purpose text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM cdp.role_purposes g
         WHERE g.role OPERATOR(pg_catalog.=) revoke_purpose.role AND g.purpose = revoke_purpose.purpose
        RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;
COMMENT ON FUNCTION cdp.revoke_purpose(regrole, text) IS
    'takes back cdp.grant_purpose(role, purpose); true when there was such a grant';
REVOKE ALL ON FUNCTION cdp.revoke_purpose(regrole, text) FROM PUBLIC;

CREATE FUNCTION cdp.grant_region(role regrole, region text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    added bigint;
BEGIN
    IF grant_region.role IS NULL OR grant_region.region IS NULL THEN
        RAISE EXCEPTION 'role and region must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF grant_region.region !~ '^(\*|[A-Za-z0-9_-]{1,32})$' THEN
        RAISE EXCEPTION 'invalid region'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A region is * or 1 to 32 letters, digits, _ and -.';
    END IF;
    INSERT INTO cdp.role_regions (role, region) VALUES (grant_region.role, grant_region.region)
        ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added > 0;
END
$$;
COMMENT ON FUNCTION cdp.grant_region(regrole, text) IS
    'lets role (and the roles that have its privileges) see people of region (* for all); true when new';
REVOKE ALL ON FUNCTION cdp.grant_region(regrole, text) FROM PUBLIC;

CREATE FUNCTION cdp.revoke_region(role regrole, region text) RETURNS boolean
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM cdp.role_regions g
         WHERE g.role OPERATOR(pg_catalog.=) revoke_region.role AND g.region = revoke_region.region
        RETURNING 1)
    SELECT count(*) > 0 FROM gone
$$;
COMMENT ON FUNCTION cdp.revoke_region(regrole, text) IS
    'takes back cdp.grant_region(role, region); true when there was such a grant';
REVOKE ALL ON FUNCTION cdp.revoke_region(regrole, text) FROM PUBLIC;

-- Records the consent that events carry (context.consent.categoryPreferences
-- of the Segment spec), for the identifiers of each event: each category
-- counts for the purposes that list it in event_categories (two categories
-- of one purpose that disagree: the refusal).  Called by ingestion for the
-- new events that carry consent (C: src/ingest/event_consent.c); the
-- profiles are recomputed when the events are stitched.
CREATE FUNCTION cdp.record_event_consents(event_ids bigint[], occurred_ats timestamptz[]) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    WITH said AS (
        SELECT e.event_id, e.identifiers, s.name AS source, p.purpose,
               bool_and(pref.value = 'true'::jsonb) AS granted
          FROM unnest(event_ids, occurred_ats) AS k(event_id, occurred_at)
          JOIN cdp.events e ON e.event_id = k.event_id AND e.occurred_at = k.occurred_at
          JOIN cdp.sources s ON s.source_id = e.source_id
         CROSS JOIN LATERAL jsonb_each(e.payload->'context'->'consent'->'categoryPreferences') AS pref
          JOIN cdp.purposes p ON lower(pref.key) = ANY (p.event_categories)
         WHERE cardinality(e.identifiers) > 0
         GROUP BY e.event_id, e.identifiers, s.name, p.purpose
    ), added AS (
        INSERT INTO cdp.consents (identifiers, purpose, granted, source, legal_basis, proof)
        SELECT sd.identifiers, sd.purpose, sd.granted, sd.source, 'consent',
               jsonb_build_object('event_id', sd.event_id)
          FROM said sd
         ORDER BY sd.event_id, sd.purpose
        RETURNING consent_id, identifiers, purpose, granted
    )
    INSERT INTO cdp.identifier_consents AS c (ident, purpose, granted, expires_at, consent_id)
    SELECT DISTINCT ON (x, a.purpose) x, a.purpose, a.granted, NULL, a.consent_id
      FROM added a CROSS JOIN LATERAL unnest(a.identifiers) AS x
     ORDER BY x, a.purpose, a.consent_id DESC
    ON CONFLICT ON CONSTRAINT identifier_consents_pkey DO UPDATE
       SET granted = EXCLUDED.granted, expires_at = EXCLUDED.expires_at, consent_id = EXCLUDED.consent_id
     WHERE c.consent_id < EXCLUDED.consent_id
$$;
REVOKE ALL ON FUNCTION cdp.record_event_consents(bigint[], timestamptz[]) FROM PUBLIC;
