-- The web console's HTML: escaping, the page frame, tables, figures and
-- charts drawn as SVG on the server.  The console sends no script at all
-- (its Content-Security-Policy forbids any): pages are plain HTML and
-- forms, so they need nothing fetched from anywhere but cdp itself, and
-- nothing a browser could run on a person's data.  Every value shown goes
-- through cdp.html().

-- Text made safe between tags and in quoted attributes; NULL: ''.
CREATE FUNCTION cdp.html(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(replace(replace(replace(replace(replace(value, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                                    '"', '&quot;'), '''', '&#39;'), '')
$$;
COMMENT ON FUNCTION cdp.html(text) IS 'text escaped for HTML (between tags and in quoted attributes); NULL gives ''''';

-- A table row of cells that are HTML already (escape values with cdp.html).
CREATE FUNCTION cdp.console_row(VARIADIC cells text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '<tr>' || string_agg('<td>' || coalesce(c, '') || '</td>', '' ORDER BY i) || '</tr>'
      FROM unnest(cells) WITH ORDINALITY AS u(c, i)
$$;

-- A table: headings (plain text) and rows (from cdp.console_row); a note
-- instead when there are none.
CREATE FUNCTION cdp.console_table(headings text[], rows text, empty text DEFAULT 'Nothing to show.')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN coalesce(rows, '') = '' THEN '<p class="empty">' || cdp.html(empty) || '</p>'
                ELSE '<table><thead><tr>'
                     || (SELECT string_agg('<th>' || cdp.html(h) || '</th>', '' ORDER BY i)
                           FROM unnest(headings) WITH ORDINALITY AS u(h, i))
                     || '</tr></thead><tbody>' || rows || '</tbody></table>' END
$$;

-- A time as the console shows it: to the minute, in UTC.
CREATE FUNCTION cdp.console_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT to_char(timezone('UTC', t), 'YYYY-MM-DD HH24:MI') || ' UTC' $$;

-- A key figure.
CREATE FUNCTION cdp.console_figure(label text, value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT '<div class="figure"><b>' || cdp.html(coalesce(value, '-')) || '</b><span>' || cdp.html(label) || '</span></div>' $$;

-- A link within the console.
CREATE FUNCTION cdp.console_link(path text, label text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT '<a href="/console' || cdp.html(path) || '">' || cdp.html(label) || '</a>' $$;

-- A form posting to path, with the session's form secret, hidden fields
-- and a button.
CREATE FUNCTION cdp.console_form(path text, csrf text, button text, fields jsonb DEFAULT '{}')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '<form method="post" action="/console' || cdp.html(path) || '">'
           || '<input type="hidden" name="csrf" value="' || cdp.html(csrf) || '">'
           || coalesce((SELECT string_agg('<input type="hidden" name="' || cdp.html(f.key) || '" value="'
                                          || cdp.html(f.value) || '">', '' ORDER BY f.key)
                          FROM jsonb_each_text(fields) f), '')
           || '<button type="submit">' || cdp.html(button) || '</button></form>'
$$;

-- A line chart of values by day, as SVG: the line, the first and last
-- days, the least and greatest values.
CREATE FUNCTION cdp.console_chart(title text, days date[], "values" double precision[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w CONSTANT integer := 560;
    h CONSTANT integer := 140;
    pad CONSTANT integer := 40;
    lo double precision;
    hi double precision;
    first_day date;
    last_day date;
    points text;
    dots text;
BEGIN
    IF coalesce(cardinality(days), 0) = 0 THEN
        RETURN '<figure><figcaption>' || cdp.html(title) || '</figcaption><p class="empty">No data yet.</p></figure>';
    END IF;
    SELECT min(v), max(v), min(d), max(d) INTO lo, hi, first_day, last_day
      FROM unnest(days, "values") AS u(d, v);
    SELECT string_agg(format('%s,%s', x, y), ' ' ORDER BY d),
           string_agg(format('<circle cx="%s" cy="%s" r="2.5" class="dot"><title>%s: %s</title></circle>',
                             x, y, to_char(d, 'YYYY-MM-DD'), round(v::numeric, 2)), '' ORDER BY d)
      INTO points, dots
      FROM (SELECT d, v,
                   round((pad + (w - 2 * pad) * CASE WHEN last_day = first_day THEN 0.5
                                                     ELSE (d - first_day)::double precision / (last_day - first_day) END)::numeric, 1) AS x,
                   round((h - 20 - (h - 40) * CASE WHEN hi = lo THEN 0.5 ELSE (v - lo) / (hi - lo) END)::numeric, 1) AS y
              FROM unnest(days, "values") AS u(d, v)) p;
    RETURN format('<figure><figcaption>%s</figcaption>'
                  '<svg class="chart" viewBox="0 0 %s %s" role="img" aria-label="%s">'
                  '<line x1="%s" y1="%s" x2="%s" y2="%s" class="axis"/>'
                  '<polyline points="%s" class="line"/>%s'
                  '<text x="4" y="24">%s</text><text x="4" y="%s">%s</text>'
                  '<text x="%s" y="%s">%s</text><text x="%s" y="%s" text-anchor="end">%s</text>'
                  '</svg></figure>',
                  cdp.html(title), w, h, cdp.html(title),
                  pad, h - 20, w - pad, h - 20,
                  points, dots,
                  cdp.html(round(hi::numeric, 2)::text), h - 24, cdp.html(round(lo::numeric, 2)::text),
                  pad, h - 4, to_char(first_day, 'YYYY-MM-DD'), w - pad, h - 4, to_char(last_day, 'YYYY-MM-DD'));
END
$$;

CREATE FUNCTION cdp.console_stylesheet() RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $css$ SELECT $$
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2733; background: #f5f7fa; }
header { background: #1d2733; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: center; }
header a { color: #cfe3ff; text-decoration: none; } header a.active { color: #fff; font-weight: bold; }
header form { margin-left: auto; } header .who { color: #9fb3c8; }
main { padding: 16px; max-width: 1100px; }
h1 { font-size: 20px; margin: 4px 0 12px; } h2 { font-size: 16px; margin: 20px 0 8px; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e8ef; vertical-align: top; }
th { background: #eef2f7; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; }
.figure { background: #fff; padding: 10px 14px; border-radius: 6px; min-width: 130px; }
.figure b { display: block; font-size: 22px; } .figure span { color: #5b6b7c; }
figure { background: #fff; margin: 12px 0; padding: 8px; border-radius: 6px; }
figcaption { font-weight: 600; }
svg.chart { width: 100%; max-width: 560px; height: auto; } svg text { font-size: 11px; fill: #5b6b7c; }
svg .line { fill: none; stroke: #2f6fdf; stroke-width: 2; } svg .axis { stroke: #c4ccd6; } svg .dot { fill: #2f6fdf; }
svg.graph { width: 100%; max-width: 640px; height: auto; background: #fff; }
svg.graph line { stroke: #7d8b99; stroke-width: 1.5; } svg.graph line.match { stroke: #d9822b; stroke-dasharray: 4 3; }
svg.graph circle { fill: #2f6fdf; } svg.graph circle.quarantined { fill: #c23030; }
.empty { color: #5b6b7c; font-style: italic; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.message { background: #fff3cd; padding: 8px 12px; border-radius: 6px; }
form.inline { display: inline; } input[type=text], input[type=password] { padding: 4px; width: 320px; }
pre { background: #fff; padding: 8px; overflow-x: auto; }
$$ $css$;
COMMENT ON FUNCTION cdp.console_stylesheet() IS 'the web console''s stylesheet (GET /console/style.css)';

-- A whole page: the header with the navigation and sign-out, and body.
CREATE FUNCTION cdp.console_layout(title text, active text, body text, csrf text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
           || '<meta name="viewport" content="width=device-width, initial-scale=1">'
           || '<title>' || cdp.html(title) || ' - cdp console</title>'
           || '<link rel="icon" href="/console/favicon.svg"><link rel="stylesheet" href="/console/style.css"></head><body><header><b>cdp</b>'
           || (SELECT string_agg('<a href="/console' || p.path || '"'
                                 || CASE WHEN p.name = active THEN ' class="active"' ELSE '' END
                                 || '>' || p.label || '</a>', '' ORDER BY p.ord)
                 FROM (VALUES (1, 'overview', '/', 'Overview'), (2, 'sources', '/sources', 'Sources'),
                              (3, 'profiles', '/profiles', 'Profiles'), (4, 'segments', '/segments', 'Segments'),
                              (5, 'review', '/review', 'Match review'),
                              (6, 'destinations', '/destinations', 'Destinations')) AS p(ord, name, path, label))
           || CASE WHEN csrf IS NULL THEN ''
                   ELSE '<span class="who">' || cdp.html(current_user) || ' · '
                        || cdp.html(current_setting('cdp.purpose', true)) || '</span>'
                        || cdp.console_form('/logout', csrf, 'Sign out') END
           || '</header><main><h1>' || cdp.html(title) || '</h1>' || body || '</main></body></html>'
$$;

-- The sign-in page: a read token, typed or pasted (it is posted, never put
-- in a URL by the form).
CREATE FUNCTION cdp.console_sign_in_page(message text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in - cdp console</title>'
           || '<link rel="icon" href="/console/favicon.svg"><link rel="stylesheet" href="/console/style.css"></head><body><header><b>cdp</b></header><main>'
           || '<h1>Sign in</h1>'
           || CASE WHEN message IS NULL THEN '' ELSE '<p class="message">' || cdp.html(message) || '</p>' END
           || '<form method="post" action="/console/login"><p><label>Read token '
           || '<input type="password" name="token" autocomplete="off" required></label> '
           || '<button type="submit">Sign in</button></p></form>'
           || '<p>A read token (<code>SELECT cdp.create_read_token(role, purpose)</code>) shows what its role may see for its purpose.</p>'
           || '</main></body></html>'
$$;
