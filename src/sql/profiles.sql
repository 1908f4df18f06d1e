-- Profiles: the golden record, the 360 view, and the identity functions
-- (C, src/identity_api.c).

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

CREATE FUNCTION cdp.resolve(ident cdp.ident) RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT i.profile_id FROM cdp.identities i WHERE i.ident OPERATOR(cdp.=) $1
$$;
COMMENT ON FUNCTION cdp.resolve(cdp.ident) IS 'the profile an identifier belongs to now; NULL if unknown';

-- Events with the profile they belong to now: the profile of the event's
-- own identifier (its userId, else its anonymousId).
CREATE VIEW cdp.profile_events AS
SELECT i.profile_id, e.*
  FROM cdp.events e
  JOIN cdp.identities i ON i.ident OPERATOR(cdp.=) e.anchor;
COMMENT ON VIEW cdp.profile_events IS 'cdp.events with the profile each belongs to now';

-- The 360 view of one profile.
CREATE FUNCTION cdp.profile(profile_id bigint) RETURNS jsonb
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT jsonb_build_object(
        'profile_id', p.profile_id,
        'created_at', p.created_at,
        'updated_at', p.updated_at,
        'region', p.region,
        'traits', p.traits,
        'computed', p.computed,
        'merged_ids', coalesce((SELECT jsonb_agg(a.old_id ORDER BY a.old_id)
                                  FROM cdp.profile_aliases a WHERE a.profile_id = p.profile_id), '[]'),
        'identities', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                       'ident', i.ident::text, 'kind', cdp.ident_kind(i.ident),
                                       'first_seen', i.first_seen, 'source', s.name,
                                       'quarantined', i.quarantined) ORDER BY i.identity_id)
                                  FROM cdp.identities i
                                  LEFT JOIN cdp.sources s ON s.source_id = i.source_id
                                 WHERE i.profile_id = p.profile_id), '[]'),
        'event_count', (SELECT count(*) FROM cdp.profile_events e WHERE e.profile_id = p.profile_id),
        'recent_events', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                          'event_id', r.event_id, 'source', r.source, 'type', r.type,
                                          'event', r.event, 'occurred_at', r.occurred_at)
                                          ORDER BY r.occurred_at DESC, r.event_id DESC)
                                     FROM (SELECT e.event_id, s.name AS source, e.type, e.event, e.occurred_at
                                             FROM cdp.profile_events e
                                             JOIN cdp.sources s ON s.source_id = e.source_id
                                            WHERE e.profile_id = p.profile_id
                                            ORDER BY e.occurred_at DESC, e.event_id DESC
                                            LIMIT 20) r), '[]'))
      FROM cdp.profiles p
     WHERE p.profile_id = cdp.current_profile_id($1)
$$;
COMMENT ON FUNCTION cdp.profile(bigint) IS
    'the 360 view of a profile (an old merged id resolves): traits, identities, recent events';

CREATE FUNCTION cdp.profile(ident cdp.ident) RETURNS jsonb
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cdp.profile(cdp.resolve($1))
$$;
COMMENT ON FUNCTION cdp.profile(cdp.ident) IS 'the 360 view of the profile an identifier belongs to';

-- Identifiers linked to suspiciously many others: shared devices,
-- placeholders that slipped past cdp.blocked_identifiers.
CREATE VIEW cdp.identity_suspects AS
WITH degree AS (
    SELECT id, count(*) AS links
      FROM (SELECT a_id AS id FROM cdp.identity_edges
            UNION ALL
            SELECT b_id FROM cdp.identity_edges) e
     GROUP BY id
)
SELECT i.ident, cdp.ident_kind(i.ident) AS kind, i.profile_id, d.links,
       (SELECT count(*) FROM cdp.identities j WHERE j.profile_id = i.profile_id) AS profile_identities
  FROM degree d
  JOIN cdp.identities i ON i.identity_id = d.id
 WHERE d.links >= pg_catalog.current_setting('cdp.suspect_links')::integer
 ORDER BY d.links DESC, i.identity_id;
COMMENT ON VIEW cdp.identity_suspects IS
    'identifiers linked to at least cdp.suspect_links others: candidates for cdp.quarantine()';

CREATE FUNCTION cdp.link(a cdp.ident, b cdp.ident, reason text) RETURNS bigint
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_link';
COMMENT ON FUNCTION cdp.link(cdp.ident, cdp.ident, text) IS
    'joins two identifiers (and so their profiles) by hand; returns the profile id';
REVOKE ALL ON FUNCTION cdp.link(cdp.ident, cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.unlink(a cdp.ident, b cdp.ident, reason text DEFAULT NULL) RETURNS bigint[]
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_unlink';
COMMENT ON FUNCTION cdp.unlink(cdp.ident, cdp.ident, text) IS
    'cuts the link between two identifiers for good and splits their profile if it falls apart';
REVOKE ALL ON FUNCTION cdp.unlink(cdp.ident, cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.quarantine(ident cdp.ident, reason text DEFAULT NULL) RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_quarantine';
COMMENT ON FUNCTION cdp.quarantine(cdp.ident, text) IS
    'cuts an identifier out of the graph and splits the profiles it had joined';
REVOKE ALL ON FUNCTION cdp.quarantine(cdp.ident, text) FROM PUBLIC;

CREATE FUNCTION cdp.why_linked(a cdp.ident, b cdp.ident)
RETURNS TABLE (step integer, from_ident cdp.ident, to_ident cdp.ident, edge_kind text,
               reason text, event_id bigint)
    LANGUAGE c STABLE STRICT
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_why_linked';
COMMENT ON FUNCTION cdp.why_linked(cdp.ident, cdp.ident) IS
    'the shortest chain of links between two identifiers of one profile, with the evidence of each';

CREATE FUNCTION cdp.restitch() RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_restitch';
COMMENT ON FUNCTION cdp.restitch() IS
    'rebuilds every profile from the links, keeping the ids of profiles that did not change';
REVOKE ALL ON FUNCTION cdp.restitch() FROM PUBLIC;

CREATE FUNCTION cdp.stitch_pending(max_events integer DEFAULT 100000) RETURNS jsonb
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, cdp, pg_temp
    AS 'MODULE_PATHNAME', 'cdp_stitch_pending';
COMMENT ON FUNCTION cdp.stitch_pending(integer) IS
    'stitches events ingested while cdp.inline_stitching was off, oldest first';
REVOKE ALL ON FUNCTION cdp.stitch_pending(integer) FROM PUBLIC;
