-- Export: everything cdp holds about a person, for a data subject's
-- access request (GDPR art. 15 and 20).  A privacy officer exports
-- whatever the purpose: SECURITY DEFINER, audited.

CREATE FUNCTION cdp.export_profile(profile_id bigint) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    target  bigint;
    result  jsonb;
BEGIN
    IF export_profile.profile_id IS NULL THEN
        RAISE EXCEPTION 'profile_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    target := cdp.require_profile(export_profile.profile_id);
    WITH ids AS (
        SELECT i.identity_id, i.ident, i.first_seen, i.source_id, i.quarantined
          FROM cdp.identities i WHERE i.profile_id = target
    ), evs AS (
        SELECT e.* FROM cdp.events e WHERE e.anchor = ANY (ARRAY(SELECT ids.ident FROM ids))
    )
    SELECT jsonb_build_object(
        'profile_id', p.profile_id,
        'profile', to_jsonb(p) - 'profile_id',
        'merged_ids', coalesce((SELECT jsonb_agg(a.old_id ORDER BY a.old_id)
                                  FROM cdp.profile_aliases a WHERE a.profile_id = target), '[]'),
        'identities', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                       'ident', ids.ident::text, 'kind', cdp.ident_kind(ids.ident),
                                       'first_seen', ids.first_seen, 'source', s.name,
                                       'quarantined', ids.quarantined) ORDER BY ids.identity_id)
                                  FROM ids LEFT JOIN cdp.sources s ON s.source_id = ids.source_id), '[]'),
        'traits', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                   'ident', ids.ident::text, 'source', s.name, 'trait', t.trait,
                                   'value', t.value, 'first_seen', t.first_seen, 'last_seen', t.last_seen,
                                   'times', t.times)
                                   ORDER BY ids.identity_id, s.name, t.trait, t.first_seen)
                              FROM ids
                              JOIN cdp.trait_values t ON t.identity_id = ids.identity_id
                              JOIN cdp.sources s ON s.source_id = t.source_id), '[]'),
        'events', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                   'event_id', e.event_id, 'source', s.name, 'type', e.type,
                                   'event', e.event, 'message_id', e.message_id,
                                   'identifiers', (SELECT jsonb_agg(x::text) FROM unnest(e.identifiers) x),
                                   'occurred_at', e.occurred_at, 'received_at', e.received_at,
                                   'payload', e.payload)
                                   ORDER BY e.occurred_at, e.event_id)
                              FROM evs e JOIN cdp.sources s ON s.source_id = e.source_id), '[]'),
        'consents', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                     'consent_id', c.consent_id, 'purpose', c.purpose, 'granted', c.granted,
                                     'source', c.source, 'legal_basis', c.legal_basis,
                                     'expires_at', c.expires_at, 'proof', c.proof, 'derived', c.derived,
                                     'identifiers', (SELECT jsonb_agg(x::text) FROM unnest(c.identifiers) x),
                                     'recorded_at', c.recorded_at, 'recorded_by', c.recorded_by)
                                     ORDER BY c.consent_id)
                                FROM cdp.consents c
                               WHERE c.profile_id = target
                                  OR c.identifiers && ARRAY(SELECT ids.ident FROM ids)), '[]'),
        'consent_state', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                          'ident', ic.ident::text, 'purpose', ic.purpose,
                                          'granted', ic.granted, 'expires_at', ic.expires_at)
                                          ORDER BY ic.ident, ic.purpose)
                                     FROM cdp.identifier_consents ic
                                    WHERE ic.ident = ANY (ARRAY(SELECT ids.ident FROM ids))), '[]'),
        'segments', coalesce((SELECT jsonb_agg(jsonb_build_object('segment', g.name, 'entered_at', m.entered_at)
                                               ORDER BY g.name)
                                FROM cdp.segment_members m JOIN cdp.segments g ON g.segment_id = m.segment_id
                               WHERE m.profile_id = target), '[]'),
        'segment_changes', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                            'segment', g.name, 'change', c.change, 'changed_at', c.changed_at)
                                            ORDER BY c.change_id)
                                       FROM cdp.segment_changes c JOIN cdp.segments g ON g.segment_id = c.segment_id
                                      WHERE c.profile_id = target), '[]'),
        'sources', coalesce((SELECT jsonb_agg(s.name ORDER BY s.name)
                               FROM cdp.sources s
                              WHERE s.source_id IN (SELECT ids.source_id FROM ids
                                                    UNION SELECT e.source_id FROM evs e
                                                    UNION SELECT t.source_id FROM cdp.trait_values t
                                                           WHERE t.identity_id IN (SELECT ids.identity_id FROM ids))),
                            '[]'))
      INTO result
      FROM cdp.profiles p
     WHERE p.profile_id = target;
    PERFORM cdp.audit('export', 'profile:' || target, target,
                      jsonb_build_object('events', jsonb_array_length(result -> 'events'),
                                         'identities', jsonb_array_length(result -> 'identities')));
    RETURN result;
END
$$;
COMMENT ON FUNCTION cdp.export_profile(bigint) IS
    'everything held about a person (a merged id resolves): profile, identities, traits per source, events, consents, segments';
REVOKE ALL ON FUNCTION cdp.export_profile(bigint) FROM PUBLIC;

CREATE FUNCTION cdp.export_profile(ident cdp.ident) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
BEGIN
    IF export_profile.ident IS NULL THEN
        RAISE EXCEPTION 'ident must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN cdp.export_profile(cdp.require_identifier(export_profile.ident));
END
$$;
COMMENT ON FUNCTION cdp.export_profile(cdp.ident) IS
    'cdp.export_profile of the profile the identifier belongs to';
REVOKE ALL ON FUNCTION cdp.export_profile(cdp.ident) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION cdp.export_profile(bigint), cdp.export_profile(cdp.ident) TO cdp_privacy, cdp_admin;
