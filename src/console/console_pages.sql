-- The web console's pages, rendered as the signed-in session's role, for
-- its purpose (the HTTP worker sets both): row security and the role's
-- grants decide what each page shows.  Key figures and charts come from
-- the history tables (src/console/stats.sql); lists are paged on indexed
-- keys, 50 rows at a time.  A page the role may not read says so (an
-- action it may not do answers 403).

-- A section the role may not be allowed to read: its HTML, or a note.
CREATE FUNCTION cdp.console_section(query text, arg jsonb DEFAULT NULL) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    html text;
BEGIN
    EXECUTE query INTO html USING arg;
    RETURN coalesce(html, '');
EXCEPTION WHEN insufficient_privilege THEN
    RETURN '<p class="empty">The role you signed in with may not see this.</p>';
END
$$;

-- A profile's golden record and computed traits, for roles that may read
-- them (cdp_analyst may not: it reads cdp.profiles_masked).
CREATE FUNCTION cdp.console_traits(profile_id bigint) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cdp.console_section($q$
        SELECT cdp.console_table(ARRAY['trait', 'value'],
            (SELECT string_agg(cdp.console_row(cdp.html(t.key), cdp.html(t.value #>> '{}')), '' ORDER BY t.key)
               FROM cdp.profiles p, jsonb_each(p.traits || p.computed) t WHERE p.profile_id = ($1->>'id')::bigint),
            'No trait this role may see.')$q$, jsonb_build_object('id', profile_id))
$$;

CREATE FUNCTION cdp.console_overview() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    -- The charts show the 30 days to the last with events (today, on a
    -- database that is being fed).
    WITH days AS (SELECT coalesce((SELECT max(e.day) FROM cdp.stats_events_daily e), cdp.stats_day(now())) - g AS day
                    FROM generate_series(0, 29) g),
    events AS (SELECT d.day, coalesce(sum(e.events), 0) AS n
                 FROM days d LEFT JOIN cdp.stats_events_daily e USING (day) GROUP BY d.day),
    ident AS (SELECT i.day, 100.0 * i.identified_events / i.events AS pct
                FROM cdp.stats_identity_daily i JOIN days USING (day) WHERE i.events > 0),
    profiles AS (SELECT p.day, p.profiles FROM cdp.stats_profiles_daily p ORDER BY p.day DESC LIMIT 30),
    latest AS (SELECT (SELECT profiles FROM cdp.stats_profiles_daily ORDER BY day DESC LIMIT 1) AS profiles,
                      (SELECT known_profiles FROM cdp.stats_identity_daily
                        WHERE known_profiles IS NOT NULL ORDER BY day DESC LIMIT 1) AS known,
                      (SELECT sum(pending) FROM cdp.stats_match_review_daily
                        WHERE day = (SELECT max(day) FROM cdp.stats_match_review_daily)) AS review,
                      (SELECT sum(queued) FROM cdp.stats_destinations_daily
                        WHERE day = (SELECT max(day) FROM cdp.stats_destinations_daily)) AS queued)
    SELECT '<div class="figures">'
           || cdp.console_figure('profiles', l.profiles::text)
           || cdp.console_figure('known people', l.known::text)
           || cdp.console_figure('events, last 7 days',
                  (SELECT coalesce(sum(e.events), 0) FROM cdp.stats_events_daily e WHERE e.day > cdp.stats_day(now()) - 7)::text)
           || cdp.console_figure('identified, in the charts'' 30 days',
                  (SELECT round(100.0 * sum(identified_events) / nullif(sum(events), 0), 1) || ' %'
                     FROM cdp.stats_identity_daily JOIN days USING (day)))
           || cdp.console_figure('segments', (SELECT count(*) FROM cdp.segments)::text)
           || cdp.console_figure('pairs to review', coalesce(l.review, 0)::text)
           || cdp.console_figure('deliveries waiting', coalesce(l.queued, 0)::text)
           || '</div>'
           || cdp.console_chart('Events per day', (SELECT array_agg(day ORDER BY day) FROM events),
                                (SELECT array_agg(n::double precision ORDER BY day) FROM events))
           || cdp.console_chart('Profiles (the last 30 days with a count)', (SELECT array_agg(day ORDER BY day) FROM profiles),
                                (SELECT array_agg(profiles::double precision ORDER BY day) FROM profiles))
           || cdp.console_chart('Events identified (%)', (SELECT array_agg(day ORDER BY day) FROM ident),
                                (SELECT array_agg(pct::double precision ORDER BY day) FROM ident))
           || '<p class="empty">From the history tables, as of their last refresh ('
           || cdp.html(coalesce((SELECT max(day)::text FROM cdp.stats_profiles_daily), 'never')) || ').</p>'
      FROM latest l
$$;

-- Per source, over the 30 days to the last day with events (as the
-- overview's charts).
CREATE FUNCTION cdp.console_sources() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH last AS (SELECT coalesce(max(e.day), cdp.stats_day(now())) AS day FROM cdp.stats_events_daily e)
    SELECT cdp.console_table(ARRAY['source', 'kind', 'events, the 30 days to ' || (SELECT to_char(day, 'YYYY-MM-DD') FROM last),
                                   'events, all', 'last day with events'],
               (SELECT string_agg(cdp.console_row(cdp.html(s.name), cdp.html(s.kind),
                                                  cdp.html(coalesce(v.recent, 0)::text), cdp.html(coalesce(v.total, 0)::text),
                                                  cdp.html(v.last_day::text)), '' ORDER BY s.name)
                  FROM cdp.sources s
                  LEFT JOIN (SELECT e.source, sum(e.events) FILTER (WHERE e.day > (SELECT day FROM last) - 30) AS recent,
                                    sum(e.events) AS total, max(e.day) AS last_day
                               FROM cdp.stats_events_daily e GROUP BY e.source) v ON v.source = s.name),
               'No source yet.')
           || '<h2>Events per day and type, the 30 days to ' || (SELECT to_char(day, 'YYYY-MM-DD') FROM last) || '</h2>'
           || cdp.console_table(ARRAY['day', 'source', 'type', 'event', 'events'],
               (SELECT string_agg(cdp.console_row(cdp.html(e.day::text), cdp.html(e.source), cdp.html(e.type),
                                                  cdp.html(e.event), cdp.html(e.events::text)),
                                  '' ORDER BY e.day DESC, e.events DESC)
                  FROM (SELECT * FROM cdp.stats_events_daily WHERE day > (SELECT day FROM last) - 30
                         ORDER BY day DESC, events DESC LIMIT 50) e))
           || '<h2>Rejected events</h2>'
           || cdp.console_section($q$
                SELECT cdp.console_table(ARRAY['source', 'SQLSTATE', 'reason', 'events', 'last'],
                    (SELECT string_agg(cdp.console_row(cdp.html(s.name), cdp.html(r.sqlstate), cdp.html(r.reason),
                                                       cdp.html(r.n::text), cdp.console_time(r.last)), '' ORDER BY r.n DESC)
                       FROM (SELECT source_id, sqlstate, reason, count(*) AS n, max(rejected_at) AS last
                               FROM cdp.rejected_events GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 50) r
                       JOIN cdp.sources s USING (source_id)), 'No event was rejected.')$q$)
$$;

-- The profiles the role sees, newest first, 50 a page (?before=id), and
-- the search by identifier (posted: an identifier never goes in a URL).
CREATE FUNCTION cdp.console_profiles(args jsonb, csrf text, message text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    before bigint := CASE WHEN args->>'before' ~ '^[0-9]{1,18}$' THEN (args->>'before')::bigint END;
    rows text;
    last_id bigint;
    shown integer;
BEGIN
    SELECT string_agg(cdp.console_row(cdp.console_link('/profiles/' || p.profile_id, p.profile_id::text),
                                      cdp.console_time(p.created_at), cdp.console_time(p.updated_at), cdp.html(p.region)),
                      '' ORDER BY p.profile_id DESC), min(p.profile_id), count(*)
      INTO rows, last_id, shown
      FROM (SELECT q.profile_id, q.created_at, q.updated_at, q.region FROM cdp.profiles q
             WHERE before IS NULL OR q.profile_id < before
             ORDER BY q.profile_id DESC LIMIT 50) p;
    RETURN CASE WHEN message IS NULL THEN '' ELSE '<p class="message">' || cdp.html(message) || '</p>' END
        || '<form method="post" action="/console/profiles"><input type="hidden" name="csrf" value="' || cdp.html(csrf)
        || '"><label>Identifier <input type="text" name="identifier" placeholder="email:ann@example.com" required></label> '
        || '<button type="submit">Find</button></form>'
        || cdp.console_table(ARRAY['profile', 'created', 'updated', 'region'], rows,
                             'No profile this role may see for its purpose.')
        || CASE WHEN shown = 50 THEN '<p>' || cdp.console_link('/profiles?before=' || last_id, 'Older') || '</p>'
                ELSE '' END;
END
$$;

-- The profile an identifier ("kind:value") belongs to, if the role sees it.
CREATE FUNCTION cdp.console_find_profile(args jsonb) RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT p.profile_id FROM cdp.profiles p
             WHERE p.profile_id = cdp.resolve((args->>'identifier')::cdp.ident));
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$;

-- The identity graph of a profile as SVG: its identifiers on a circle,
-- a line per link, each with why it exists (rule, reason, source, when).
CREATE FUNCTION cdp.console_graph(profile_id bigint) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH nodes AS (
        SELECT i.identity_id, i.ident, i.quarantined, (row_number() OVER (ORDER BY i.identity_id)) - 1 AS k,
               count(*) OVER () AS n
          FROM (SELECT * FROM cdp.identities x WHERE x.profile_id = console_graph.profile_id
                 ORDER BY x.identity_id LIMIT 40) i),
    placed AS (
        SELECT n.*, 320 + 220 * cos(2 * pi() * k / greatest(n, 1)) AS x,
                    200 + 150 * sin(2 * pi() * k / greatest(n, 1)) AS y
          FROM nodes n),
    links AS (
        SELECT e.*, a.x AS x1, a.y AS y1, b.x AS x2, b.y AS y2, s.name AS source
          FROM cdp.identity_edges e
          JOIN placed a ON a.identity_id = e.a_id
          JOIN placed b ON b.identity_id = e.b_id
          LEFT JOIN cdp.sources s ON s.source_id = e.source_id)
    SELECT '<svg class="graph" viewBox="0 0 640 400" role="img" aria-label="identity graph">'
           || coalesce((SELECT string_agg(format('<line x1="%s" y1="%s" x2="%s" y2="%s" class="%s"><title>%s</title></line>'
                                                 '<text x="%s" y="%s" text-anchor="middle">%s</text>',
                                                 round(x1::numeric, 1), round(y1::numeric, 1), round(x2::numeric, 1),
                                                 round(y2::numeric, 1), cdp.html(l.rule),
                                                 cdp.html(concat_ws(', ', l.rule, l.reason, 'source ' || l.source,
                                                                    'probability ' || round(l.probability::numeric, 4),
                                                                    cdp.console_time(l.created_at))),
                                                 round(((x1 + x2) / 2)::numeric, 1), round(((y1 + y2) / 2)::numeric, 1) - 3,
                                                 cdp.html(l.rule)), '')
                          FROM links l), '')
           || coalesce((SELECT string_agg(format('<circle cx="%s" cy="%s" r="7" class="%s"><title>%s</title></circle>'
                                                 '<text x="%s" y="%s">%s</text>',
                                                 round(x::numeric, 1), round(y::numeric, 1),
                                                 CASE WHEN quarantined THEN 'quarantined' ELSE 'ident' END,
                                                 cdp.html(ident::text), round(x::numeric, 1) + 9, round(y::numeric, 1) + 4,
                                                 cdp.html(left(ident::text, 40))), '')
                          FROM placed), '')
           || '</svg>'
$$;

CREATE FUNCTION cdp.console_profile(profile_id bigint, args jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p cdp.profiles;
    before timestamptz := CASE WHEN args->>'before' ~ '^[0-9]{1,18}$'
                               THEN to_timestamp((args->>'before')::bigint / 1e6) END;
    events text;
    last_at timestamptz;
    shown integer;
BEGIN
    -- An id merged into another profile shows that profile.
    SELECT q.profile_id, q.created_at, q.updated_at, q.region INTO p.profile_id, p.created_at, p.updated_at, p.region
      FROM cdp.profiles q WHERE q.profile_id = cdp.current_profile_id(console_profile.profile_id);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(cdp.console_row(cdp.console_time(e.occurred_at), cdp.html(e.source), cdp.html(e.type),
                                      cdp.html(e.event)), '' ORDER BY e.occurred_at DESC, e.event_id DESC),
           min(e.occurred_at), count(*)
      INTO events, last_at, shown
      FROM (SELECT x.event_id, x.occurred_at, s.name AS source, x.type, x.event
              FROM cdp.profile_events x JOIN cdp.sources s ON s.source_id = x.source_id
             WHERE x.profile_id = p.profile_id AND (before IS NULL OR x.occurred_at < before)
             ORDER BY x.occurred_at DESC, x.event_id DESC LIMIT 50) e;
    RETURN '<div class="figures">' || cdp.console_figure('created', p.created_at::date::text)
        || cdp.console_figure('updated', p.updated_at::date::text) || cdp.console_figure('region', p.region) || '</div>'
        || '<h2>Traits</h2>' || cdp.console_traits(p.profile_id)
        || '<h2>Identity graph</h2><p class="empty">Hover a line for why it links two identifiers.</p>'
        || cdp.console_graph(p.profile_id)
        || '<h2>Identifiers</h2>'
        || cdp.console_table(ARRAY['identifier', 'kind', 'first seen', 'source', 'quarantined'],
               (SELECT string_agg(cdp.console_row(cdp.html(i.ident::text), cdp.html(cdp.ident_kind(i.ident)),
                                                  cdp.console_time(i.first_seen), cdp.html(s.name),
                                                  CASE WHEN i.quarantined THEN 'yes' ELSE '' END), '' ORDER BY i.identity_id)
                  FROM cdp.identities i LEFT JOIN cdp.sources s ON s.source_id = i.source_id
                 WHERE i.profile_id = p.profile_id))
        || '<h2>Consents</h2>'
        || cdp.console_section($q$
               SELECT cdp.console_table(ARRAY['purpose', 'granted', 'source', 'recorded'],
                   (SELECT string_agg(cdp.console_row(cdp.html(c.purpose), cdp.html(c.granted::text), cdp.html(c.source),
                                                      cdp.console_time(c.recorded_at)), '' ORDER BY c.recorded_at DESC)
                      FROM (SELECT * FROM cdp.consents c WHERE c.profile_id = ($1->>'id')::bigint
                             ORDER BY c.recorded_at DESC LIMIT 50) c), 'No consent recorded.')$q$,
               jsonb_build_object('id', p.profile_id))
        || '<h2>Segments</h2>'
        || cdp.console_table(ARRAY['segment', 'since'],
               (SELECT string_agg(cdp.console_row(cdp.console_link('/segments/' || g.segment_id, g.name),
                                                  cdp.console_time(m.entered_at)), '' ORDER BY g.name)
                  FROM cdp.segment_members m JOIN cdp.segments g USING (segment_id)
                 WHERE m.profile_id = p.profile_id), 'In no segment.')
        || '<h2>Events</h2>'
        || cdp.console_table(ARRAY['when', 'source', 'type', 'event'], events, 'No event.')
        || CASE WHEN shown = 50
                THEN '<p>' || cdp.console_link('/profiles/' || p.profile_id || '?before='
                                               || (extract(epoch FROM last_at) * 1e6)::bigint, 'Older') || '</p>'
                ELSE '' END;
END
$$;

CREATE FUNCTION cdp.console_segments() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cdp.console_table(ARRAY['segment', 'kind', 'size', 'real-time', 'refreshed'],
               (SELECT string_agg(cdp.console_row(cdp.console_link('/segments/' || s.segment_id, s.name), cdp.html(s.kind),
                                                  cdp.html(s.size::text), CASE WHEN s.realtime THEN 'yes' ELSE '' END,
                                                  cdp.console_time(s.refreshed_at)), '' ORDER BY s.name)
                  FROM cdp.segments s), 'No segment yet.')
$$;

-- The oldest of a segment's last 200 changes.  Read under row security,
-- "the last 50 changes" is planned with the policy's look-up of every
-- visible profile hashed in advance (a second on a million profiles): the
-- planner does not count on the LIMIT.  Bounded to 200 rows, the look-up
-- is made per row.  A number only, so it may bypass row security.
CREATE FUNCTION cdp.console_changes_floor(segment_id integer) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
    SELECT coalesce(min(c.change_id), 0)
      FROM (SELECT x.change_id FROM cdp.segment_changes x WHERE x.segment_id = $1
             ORDER BY x.change_id DESC LIMIT 200) c
$$;
COMMENT ON FUNCTION cdp.console_changes_floor(integer) IS
    'the id of the oldest of a segment''s last 200 entries and exits (for the web console''s segment page)';

CREATE FUNCTION cdp.console_segment(segment_id integer) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- A value, not a call, in the query: planned knowing it bounds ~200 rows.
    floor bigint := cdp.console_changes_floor(segment_id);
BEGIN
    RETURN (
    WITH sizes AS (SELECT d.day, d.size FROM cdp.stats_segments_daily d
                    WHERE d.segment_id = console_segment.segment_id AND d.day > cdp.stats_day(now()) - 90)
    SELECT '<div class="figures">' || cdp.console_figure('members', s.size::text)
           || cdp.console_figure('kind', s.kind) || cdp.console_figure('refreshed', s.refreshed_at::date::text) || '</div>'
           || '<h2>Definition</h2><pre>' || cdp.html(s.definition) || '</pre>'
           || cdp.console_chart('Size per day', (SELECT array_agg(day ORDER BY day) FROM sizes),
                                (SELECT array_agg(size::double precision ORDER BY day) FROM sizes))
           || '<h2>Recent entries and exits (of the last 200)</h2>'
           || cdp.console_table(ARRAY['when', 'profile', 'change'],
                  (SELECT string_agg(cdp.console_row(cdp.console_time(c.changed_at),
                                                     cdp.console_link('/profiles/' || c.profile_id, c.profile_id::text),
                                                     cdp.html(c.change)), '' ORDER BY c.change_id DESC)
                     FROM (SELECT * FROM cdp.segment_changes x
                            WHERE x.segment_id = s.segment_id AND x.change_id >= floor
                            ORDER BY x.change_id DESC LIMIT 50) c), 'No change this role may see.')
      FROM cdp.segments s
     WHERE s.segment_id = console_segment.segment_id);
END
$$;

CREATE FUNCTION cdp.console_review(args jsonb) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT cdp.console_table(ARRAY['pair', 'model', 'probability', 'match weight', 'queued'],
               (SELECT string_agg(cdp.console_row(cdp.console_link('/review/' || r.review_id, '#' || r.review_id),
                                                  cdp.html(m.name), cdp.html(round(r.probability::numeric, 4)::text),
                                                  cdp.html(round(r.match_weight::numeric, 2)::text),
                                                  cdp.console_time(r.created_at)), '' ORDER BY r.review_id)
                  FROM (SELECT * FROM cdp.match_review x
                         WHERE x.status = 'pending'
                           AND x.review_id > CASE WHEN args->>'after' ~ '^[0-9]{1,18}$'
                                                  THEN (args->>'after')::bigint ELSE 0 END
                         ORDER BY x.review_id LIMIT 50) r
                  JOIN cdp.match_models m USING (model_id)), 'No pair waits for review.')
           || '<h2>Decided lately</h2>'
           || cdp.console_table(ARRAY['pair', 'decision', 'by', 'when'],
               (SELECT string_agg(cdp.console_row(cdp.console_link('/review/' || r.review_id, '#' || r.review_id),
                                                  cdp.html(r.status), cdp.html(r.decided_by), cdp.console_time(r.decided_at)),
                                  '' ORDER BY r.decided_at DESC)
                  FROM (SELECT * FROM cdp.match_review x WHERE x.status <> 'pending'
                         ORDER BY x.decided_at DESC LIMIT 20) r), 'None yet.')
$$;

-- One profile of a pair, for the side-by-side view.
CREATE FUNCTION cdp.console_pair_side(profile_id bigint, title text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '<div><h2>' || cdp.html(title) || ' ' || cdp.console_link('/profiles/' || q.id, '#' || q.id) || '</h2>'
           || cdp.console_traits(q.id) || '</div>'
      FROM (SELECT cdp.current_profile_id(profile_id) AS id) q
$$;

CREATE FUNCTION cdp.console_review_pair(review_id bigint, csrf text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '<div class="figures">' || cdp.console_figure('status', r.status)
           || cdp.console_figure('probability', round(r.probability::numeric, 4)::text)
           || cdp.console_figure('match weight', round(r.match_weight::numeric, 2)::text)
           || cdp.console_figure('model', m.name) || '</div>'
           || '<div class="pair">' || cdp.console_pair_side(r.left_profile_id, 'Left')
           || cdp.console_pair_side(r.right_profile_id, 'Right') || '</div>'
           || '<h2>Why: each comparison''s weight</h2>'
           || cdp.console_table(ARRAY['comparison', 'level', 'left', 'right', 'weight'],
               (SELECT string_agg(cdp.console_row(cdp.html(x->>'comparison'), cdp.html(x->>'level'),
                                                  cdp.html(x->>'left_value'), cdp.html(x->>'right_value'),
                                                  cdp.html(round((x->>'weight')::numeric, 2)::text)), '' ORDER BY o)
                  FROM jsonb_array_elements(CASE jsonb_typeof(r.explanation) WHEN 'array' THEN r.explanation
                                                 ELSE '[]' END) WITH ORDINALITY AS e(x, o)))
           || CASE WHEN r.status = 'pending'
                   THEN '<p>' || cdp.console_form('/review/' || r.review_id, csrf, 'Accept: the same person',
                                                  '{"decision": "accept"}')
                        || cdp.console_form('/review/' || r.review_id, csrf, 'Reject: different people',
                                            '{"decision": "reject"}') || '</p>'
                   ELSE '<p class="empty">Decided: ' || cdp.html(r.status) || ' by ' || cdp.html(r.decided_by) || '.</p>' END
      FROM cdp.match_review r JOIN cdp.match_models m USING (model_id)
     WHERE r.review_id = console_review_pair.review_id
$$;

-- A decision on a pair, made in the console: cdp.review_match as the
-- extension owner, recorded as decided by the signed-in role.  For roles
-- granted cdp_admin.
CREATE FUNCTION cdp.console_decide(review_id bigint, accept boolean) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$
DECLARE
    who name := CASE WHEN current_setting('role') <> 'none' THEN current_setting('role')::name ELSE session_user END;
    result jsonb;
BEGIN
    result := cdp.review_match(review_id, accept, 'decided in the console');
    UPDATE cdp.match_review r SET decided_by = who WHERE r.review_id = console_decide.review_id;
    RETURN result;
END
$$;
COMMENT ON FUNCTION cdp.console_decide(bigint, boolean) IS
    'accepts or rejects a pair of the match review queue from the web console (cdp.review_match), recorded as the signed-in role';
REVOKE ALL ON FUNCTION cdp.console_decide(bigint, boolean) FROM PUBLIC;

CREATE FUNCTION cdp.console_destinations(csrf text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH delivered AS (SELECT d.day, sum(d.delivered) AS n FROM cdp.stats_destinations_daily d
                        WHERE d.day > cdp.stats_day(now()) - 30 GROUP BY d.day)
    SELECT cdp.console_table(ARRAY['destination', 'waiting', 'sending', 'delivered', 'failed attempts',
                                   'dead letters', 'lag', 'last error', ''],
               (SELECT string_agg(cdp.console_row(cdp.html(s.destination), cdp.html(s.pending::text),
                                                  cdp.html(s.in_flight::text), cdp.html(s.delivered::text),
                                                  cdp.html(s.failed::text), cdp.html(s.dead_lettered::text),
                                                  cdp.html(date_trunc('second', s.lag)::text), cdp.html(s.last_error),
                                                  CASE WHEN s.dead_lettered > 0
                                                       THEN cdp.console_form('/destinations/redeliver', csrf, 'Redeliver',
                                                                             jsonb_build_object('destination', s.destination))
                                                       ELSE '' END), '' ORDER BY s.destination)
                  FROM cdp.destination_status s), 'No destination yet.')
           || cdp.console_chart('Delivered per day', (SELECT array_agg(day ORDER BY day) FROM delivered),
                                (SELECT array_agg(n::double precision ORDER BY day) FROM delivered))
$$;

-- Sends a destination's dead letters again, from the console: for roles
-- granted cdp_admin.
CREATE FUNCTION cdp.console_redeliver(destination text) RETURNS bigint
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, cdp, pg_temp
AS $$ SELECT cdp.redeliver(destination) $$;
COMMENT ON FUNCTION cdp.console_redeliver(text) IS
    'queues a destination''s dead letters again from the web console (cdp.redeliver)';
REVOKE ALL ON FUNCTION cdp.console_redeliver(text) FROM PUBLIC;

-- A page: its status (200, 303 with location, 403, 404) and HTML.  The
-- HTTP worker has checked the form secret of a POST already.
CREATE FUNCTION cdp.console_page(method text, path text, args jsonb, csrf text,
                                 OUT status integer, OUT body text, OUT location text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- Each page's queries take milliseconds, but the row security of big
-- tables makes their estimated cost pass jit_above_cost: compiling them
-- took 150 ms to seconds, far more than the work.
SET jit = off
AS $$
DECLARE
    title text;
    active text;
    content text;
    id bigint := CASE WHEN path ~ '^/[a-z]+/[0-9]{1,18}$' THEN split_part(path, '/', 3)::bigint END;
BEGIN
    status := 200;
    BEGIN
        IF method = 'GET' AND path IN ('', '/') THEN
            title := 'Overview'; active := 'overview'; content := cdp.console_overview();
        ELSIF method = 'GET' AND path = '/sources' THEN
            title := 'Sources'; active := 'sources'; content := cdp.console_sources();
        ELSIF path = '/profiles' THEN
            title := 'Profiles'; active := 'profiles';
            IF method = 'POST' THEN
                id := cdp.console_find_profile(args);
                IF id IS NOT NULL THEN
                    location := '/console/profiles/' || id;
                    status := 303;
                    RETURN;
                END IF;
                content := cdp.console_profiles('{}', csrf, 'No profile this role may see has that identifier.');
            ELSE
                content := cdp.console_profiles(args, csrf);
            END IF;
        ELSIF method = 'GET' AND path ~ '^/profiles/' AND id IS NOT NULL THEN
            title := 'Profile ' || id; active := 'profiles'; content := cdp.console_profile(id, args);
        ELSIF method = 'GET' AND path = '/segments' THEN
            title := 'Segments'; active := 'segments'; content := cdp.console_segments();
        ELSIF method = 'GET' AND path ~ '^/segments/' AND id IS NOT NULL AND id < 2147483648 THEN
            title := (SELECT s.name FROM cdp.segments s WHERE s.segment_id = id); active := 'segments';
            content := cdp.console_segment(id::integer);
        ELSIF method = 'GET' AND path = '/review' THEN
            title := 'Match review'; active := 'review'; content := cdp.console_review(args);
        ELSIF path ~ '^/review/' AND id IS NOT NULL THEN
            title := 'Pair #' || id; active := 'review';
            -- Only a pair the role sees (both profiles, under row security) may be decided.
            IF method = 'POST' AND args->>'decision' IN ('accept', 'reject')
               AND EXISTS (SELECT 1 FROM cdp.match_review r WHERE r.review_id = id) THEN
                PERFORM cdp.console_decide(id, args->>'decision' = 'accept');
                location := '/console/review/' || id;
                status := 303;
                RETURN;
            END IF;
            content := cdp.console_review_pair(id, csrf);
        ELSIF method = 'GET' AND path = '/destinations' THEN
            title := 'Destinations'; active := 'destinations'; content := cdp.console_destinations(csrf);
        ELSIF method = 'POST' AND path = '/destinations/redeliver' AND args ? 'destination' THEN
            PERFORM cdp.console_redeliver(args->>'destination');
            location := '/console/destinations';
            status := 303;
            RETURN;
        END IF;
    EXCEPTION WHEN insufficient_privilege THEN
        -- A page is answered, with why it shows nothing; an action is refused.
        status := CASE WHEN method = 'POST' THEN 403 ELSE 200 END;
        title := coalesce(title, 'Not allowed');
        content := '<p class="message">The role you signed in with may not see this page'
                   || CASE WHEN method = 'POST' THEN ' or do this' ELSE '' END
                   || ' (for purpose ' || cdp.html(current_setting('cdp.purpose', true)) || ').</p>';
    WHEN undefined_object THEN
        content := NULL;
    WHEN object_not_in_prerequisite_state THEN
        status := 409;
        title := 'Decided already';
        content := '<p class="message">Someone decided this already: ' || cdp.console_link(path, 'see how') || '.</p>';
    END;
    IF content IS NULL THEN
        status := 404;
        title := 'Not found';
        content := '<p class="message">There is no such page, or this role may not see it.</p>';
    END IF;
    body := cdp.console_layout(title, active, content, csrf);
END
$$;
COMMENT ON FUNCTION cdp.console_page(text, text, jsonb, text) IS
    'a page of the web console (GET and POST /console/...), rendered as the signed-in role for its purpose';

-- The console is for cdp's roles (and the roles granted them); each page
-- then shows what the role may read.
DO $grant$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) 'cdp'::pg_catalog.regnamespace
                AND (p.proname OPERATOR(pg_catalog.~) '^console_' OR p.proname OPERATOR(pg_catalog.=) 'html')
                AND p.proname OPERATOR(pg_catalog.<>) ALL (ARRAY['console_sign_in', 'console_session', 'console_sign_out',
                                                                  'console_decide', 'console_redeliver']) LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO cdp_admin, cdp_analyst, cdp_app, cdp_privacy', f);
    END LOOP;
END
$grant$;
GRANT EXECUTE ON FUNCTION cdp.console_decide(bigint, boolean), cdp.console_redeliver(text) TO cdp_admin;
GRANT EXECUTE ON FUNCTION cdp.stats_day(timestamptz) TO cdp_admin, cdp_analyst, cdp_app, cdp_privacy;
