-- The 360 view of one profile; after segments, whose membership it shows,
-- and consent, whose purposes in force it lists.

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
        'segments', coalesce((SELECT jsonb_agg(jsonb_build_object('segment', g.name, 'entered_at', m.entered_at)
                                               ORDER BY g.name)
                                FROM cdp.segment_members m
                                JOIN cdp.segments g ON g.segment_id = m.segment_id
                               WHERE m.profile_id = p.profile_id), '[]'),
        'consents', coalesce((SELECT jsonb_agg(u.purpose ORDER BY u.bit) FROM cdp.purposes u
                               WHERE (p.consent_mask & (1::bigint << u.bit)) <> 0), '[]'),
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
    'the 360 view of a profile (an old merged id resolves): traits, identities, segments, consents, recent events';

CREATE FUNCTION cdp.profile(ident cdp.ident) RETURNS jsonb
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cdp.profile(cdp.resolve($1))
$$;
COMMENT ON FUNCTION cdp.profile(cdp.ident) IS 'the 360 view of the profile an identifier belongs to';

-- A trait as text (traits ->> name), LEAKPROOF so that an expression index
-- on it still serves queries under row security (C: trait_access.c).
CREATE FUNCTION cdp.trait(traits jsonb, name text) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
    AS 'MODULE_PATHNAME', 'cdp_trait';
COMMENT ON FUNCTION cdp.trait(jsonb, text) IS
    'traits ->> name, leakproof: index cdp.trait(traits, ''plan'') to keep index scans under row security';
