-- Row security and the roles' grants: the last fragment, once every table
-- exists.  Each table that holds personal data shows a row only when the
-- person consents to the session's purpose (SET cdp.purpose) and lives in
-- a region the role was granted: on cdp.profiles directly, on the others
-- through the profile the row belongs to.  No purpose, no rows.  The
-- extension owner (a superuser) is not subject to it; no cdp role
-- bypasses it.

ALTER TABLE cdp.profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE cdp.profiles FORCE ROW LEVEL SECURITY;
-- The test of cdp.consent_allows(), written out: the planner would
-- inline the function anyway, but parsing its body again for every query
-- doubles the planning time of a point look-up.
CREATE POLICY by_consent ON cdp.profiles
    USING ((consent_mask OPERATOR(pg_catalog.&) cdp.purpose_mask()) OPERATOR(pg_catalog.<>) 0
           AND (consent_expires_at IS NULL
                OR consent_expires_at OPERATOR(pg_catalog.>) pg_catalog.statement_timestamp()
                OR cdp.consent_in_force(profile_id)));
CREATE POLICY by_region ON cdp.profiles AS RESTRICTIVE
    USING (cdp.region_allowed(region));

-- Enables row security on tab: a row is shown when the row of cdp.<via>
-- whose via_column equals the row's own_column is visible (op compares
-- them).  The row's column is qualified by the table's name, so that it
-- cannot be read as the looked-up table's column of the same name.
CREATE FUNCTION cdp.secure_through(tab regclass, via name, via_column name, op text, own_column name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    relname name := (SELECT c.relname FROM pg_class c WHERE c.oid = tab);
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tab);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tab);
    EXECUTE format('CREATE POLICY %I ON %s USING (EXISTS (SELECT 1 FROM cdp.%I v'
                   ' WHERE v.%I OPERATOR(%s) %I.%I))',
                   'by_' || via, tab, via, via_column, op, relname, own_column);
END
$$;
REVOKE ALL ON FUNCTION cdp.secure_through(regclass, name, name, text, name) FROM PUBLIC;

-- Events are shown through the identity they belong to (their anchor);
-- each monthly partition carries the policy too, since a query naming a
-- partition does not see the parent's (cdp.ensure_event_partition calls
-- this for each new month).
CREATE FUNCTION cdp.secure_event_partition(tab regclass) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cdp.secure_through(tab, 'identities', 'ident', 'cdp.=', 'anchor')
$$;
REVOKE ALL ON FUNCTION cdp.secure_event_partition(regclass) FROM PUBLIC;

SELECT cdp.secure_through(t::regclass, 'profiles', 'profile_id', 'pg_catalog.=', 'profile_id')
  FROM unnest(ARRAY['cdp.identities', 'cdp.segment_members', 'cdp.segment_changes']) AS t;
SELECT cdp.secure_through('cdp.identity_edges', 'identities', 'identity_id', 'pg_catalog.=', 'a_id');
SELECT cdp.secure_through('cdp.trait_values', 'identities', 'identity_id', 'pg_catalog.=', 'identity_id');
SELECT cdp.secure_through('cdp.identifier_consents', 'identities', 'ident', 'cdp.=', 'ident');
SELECT cdp.secure_event_partition('cdp.events');
SELECT cdp.secure_event_partition(c.oid)
  FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) h.inhrelid
 WHERE h.inhparent OPERATOR(pg_catalog.=) 'cdp.events'::pg_catalog.regclass;

-- A consent is shown when one of the identifiers it was given for is
-- (consent from events has no profile; after a split, each part sees
-- the history of its own identifiers).
ALTER TABLE cdp.consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE cdp.consents FORCE ROW LEVEL SECURITY;
CREATE POLICY by_identities ON cdp.consents
    USING (EXISTS (SELECT 1 FROM cdp.identities v WHERE v.ident OPERATOR(cdp.=) ANY (consents.identifiers)));

-- A pair under review is shown when both profiles are, as they are now: a
-- profile merged since (an accepted pair's, say) is looked up through its
-- alias.
ALTER TABLE cdp.match_review ENABLE ROW LEVEL SECURITY;
ALTER TABLE cdp.match_review FORCE ROW LEVEL SECURITY;
CREATE POLICY by_profiles ON cdp.match_review
    USING (EXISTS (SELECT 1 FROM cdp.profiles p
                    WHERE p.profile_id OPERATOR(pg_catalog.=) coalesce(
                          (SELECT a.profile_id FROM cdp.profile_aliases a
                            WHERE a.old_id OPERATOR(pg_catalog.=) match_review.left_profile_id),
                          match_review.left_profile_id))
           AND EXISTS (SELECT 1 FROM cdp.profiles p
                        WHERE p.profile_id OPERATOR(pg_catalog.=) coalesce(
                              (SELECT a.profile_id FROM cdp.profile_aliases a
                                WHERE a.old_id OPERATOR(pg_catalog.=) match_review.right_profile_id),
                              match_review.right_profile_id)));

-- Rejected events belong to nobody known: only administrators see them.
ALTER TABLE cdp.rejected_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE cdp.rejected_events FORCE ROW LEVEL SECURITY;
CREATE POLICY admin_only ON cdp.rejected_events TO cdp_admin USING (true);

-- Views over personal data apply the row security of their reader.
ALTER VIEW cdp.profile_events SET (security_invoker = true);
ALTER VIEW cdp.identity_suspects SET (security_invoker = true);

-- Grants -------------------------------------------------------------------

GRANT USAGE ON SCHEMA cdp TO cdp_admin, cdp_analyst, cdp_app, cdp_ingest, cdp_privacy;

-- Row security reads these as the caller.
GRANT EXECUTE ON FUNCTION cdp.consent_in_force(bigint)
    TO cdp_admin, cdp_analyst, cdp_app, cdp_privacy;

-- cdp_ingest: ingestion only (and only into the sources it is granted).
GRANT EXECUTE ON FUNCTION cdp.ingest(text, jsonb), cdp.ingest_batch(text, jsonb, boolean) TO cdp_ingest;

-- cdp_app: reads profiles, for the purposes it is granted.
GRANT SELECT ON cdp.profiles, cdp.identities, cdp.profile_aliases, cdp.trait_values, cdp.events,
                cdp.profile_events, cdp.segments, cdp.segment_members, cdp.sources, cdp.purposes,
                cdp.consents, cdp.identifier_consents
    TO cdp_app;

-- cdp_analyst: aggregates, segment membership by id, and traits masked
-- (cdp.profiles_masked, src/consent/masking.sql); never a raw identifier,
-- trait or event payload.
GRANT SELECT (profile_id, created_at, updated_at, region, computed, consent_mask) ON cdp.profiles TO cdp_analyst;
GRANT SELECT ON cdp.segments, cdp.segment_members, cdp.segment_changes, cdp.segment_sizes,
                cdp.computed_traits, cdp.sources, cdp.purposes
    TO cdp_analyst;
GRANT SELECT (event_id, source_id, type, event, occurred_at, received_at) ON cdp.events TO cdp_analyst;
GRANT SELECT ON cdp.profiles_masked, cdp.identities_masked, cdp.masked_traits TO cdp_analyst;
GRANT EXECUTE ON FUNCTION cdp.pseudonym(text), cdp.mask_traits(jsonb) TO cdp_analyst;

-- cdp_privacy: consent (and, with their issue's functions, erasure and
-- export).
GRANT EXECUTE ON FUNCTION cdp.set_consent(bigint, text, boolean, text, text, timestamptz, jsonb) TO cdp_privacy;
GRANT SELECT ON cdp.consents, cdp.identifier_consents, cdp.purposes, cdp.profiles, cdp.identities, cdp.audit_log,
                cdp.profile_aliases
    TO cdp_privacy;

-- cdp_admin: configuration, and reading everything (under row security).
-- (Not the partitions of cdp.events: they are read through it; not the
-- masking key, which would let pseudonyms be reversed by guessing.)
DO $grant$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN SELECT c.oid FROM pg_catalog.pg_class c
                WHERE c.relnamespace OPERATOR(pg_catalog.=) 'cdp'::pg_catalog.regnamespace
                  AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p', 'v']::"char"[])
                  AND NOT c.relispartition
                  AND c.relname OPERATOR(pg_catalog.<>) 'masking_key' LOOP
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO cdp_admin', rel);
    END LOOP;
END
$grant$;
GRANT EXECUTE ON FUNCTION
    cdp.create_source(text, text, integer), cdp.grant_source(regrole, text),
    cdp.revoke_source(regrole, text), cdp.set_source_trust(text, boolean),
    cdp.map_identifier(text, text, jsonpath), cdp.unmap_identifier(text, text, jsonpath),
    cdp.grant_purpose(regrole, text), cdp.revoke_purpose(regrole, text),
    cdp.grant_region(regrole, text), cdp.revoke_region(regrole, text),
    cdp.set_consent(bigint, text, boolean, text, text, timestamptz, jsonb)
    TO cdp_admin;
GRANT INSERT, UPDATE, DELETE ON cdp.identifier_kinds, cdp.blocked_identifiers, cdp.trait_rules, cdp.purposes,
                                cdp.masked_traits
    TO cdp_admin;
