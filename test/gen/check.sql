-- test/gen/check.sql
--
-- Checks of the sample generator.  Run it after sample.sql, in the same
-- database (no cdp needed):
--
--   psql -X -v ON_ERROR_STOP=1 -f test/gen/sample.sql -f test/gen/check.sql
--
-- Each check raises an error naming what is wrong; the last line printed is
-- "cdp_sample: all checks passed".  The expected digests pin the output
-- byte for byte: a change to sample.sql that changes what it generates must
-- update them (and say so in its commit message).

SET client_min_messages = warning;

CREATE TEMP TABLE chk_events AS
    SELECT * FROM cdp_sample._events(1000, 1, '2026-11-01T00:00:00Z');
CREATE TEMP TABLE chk_ids AS
    SELECT * FROM cdp_sample.identifiers(1000, 1);
CREATE TEMP TABLE chk_batches AS
    SELECT * FROM cdp_sample.batches(1000, 1, 250);
ANALYZE chk_events;
ANALYZE chk_ids;
ANALYZE chk_batches;

-- 1. The output is pinned: same digest on every run, machine, locale and
-- time zone.
DO $$
DECLARE
    d text;
BEGIN
    SELECT md5(string_agg(source || ' ' || seq || ' ' || event::text, E'\n' ORDER BY seq))
      INTO d FROM chk_events;
    IF d <> 'abef89e66ab67edb3a854a2f90471dc0' THEN
        RAISE EXCEPTION 'events(1000, 1) digest is %, expected abef89e66ab67edb3a854a2f90471dc0', d;
    END IF;
    SELECT md5(string_agg(concat_ws(' ', person, source, kind, value, normalized, events,
                                    first_seq, junk, link_group), E'\n'
                          ORDER BY person, first_seq, kind COLLATE "C", value COLLATE "C"))
      INTO d FROM chk_ids;
    IF d <> 'bc71fad26c661a7dd81903fdb3029c67' THEN
        RAISE EXCEPTION 'identifiers(1000, 1) digest is %, expected bc71fad26c661a7dd81903fdb3029c67', d;
    END IF;
END
$$;

-- 2. A second call in the same session gives the same events (nothing
-- depends on call order), and person n is the same person whatever the
-- number of people.
DO $$
BEGIN
    IF EXISTS (SELECT source, seq, event FROM cdp_sample.events(1000, 1)
               EXCEPT ALL
               SELECT source, seq, event FROM chk_events) THEN
        RAISE EXCEPTION 'a second call of events(1000, 1) differs from the first';
    END IF;
    IF EXISTS ((SELECT person, source, event FROM cdp_sample._events(200, 1, '2026-11-01T00:00:00Z')
                EXCEPT ALL
                SELECT person, source, event FROM chk_events WHERE person <= 200)
               UNION ALL
               (SELECT person, source, event FROM chk_events WHERE person <= 200
                EXCEPT ALL
                SELECT person, source, event FROM cdp_sample._events(200, 1, '2026-11-01T00:00:00Z'))) THEN
        RAISE EXCEPTION 'people 1-200 differ between events(200, 1) and events(1000, 1)';
    END IF;
    IF (SELECT count(*) FROM cdp_sample.events(1000, 2) e JOIN chk_events c USING (seq)
        WHERE e.event = c.event) > 0 THEN
        RAISE EXCEPTION 'seed 2 repeats events of seed 1';
    END IF;
END
$$;

-- 3. Every event has the Segment shape cdp.ingest accepts.
DO $$
DECLARE
    bad record;
BEGIN
    SELECT * INTO bad FROM chk_events e
    WHERE NOT (e.event->>'type' IN ('identify', 'track', 'page', 'screen'))
       OR coalesce(e.event->>'messageId', '') = ''
       OR (coalesce(e.event->>'userId', '') = '' AND coalesce(e.event->>'anonymousId', '') = '')
       OR e.event->>'timestamp' !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
       OR e.event->>'timestamp' < '2026-08-03T00:00:00.000Z' COLLATE "C"
       OR e.event->>'timestamp' >= '2026-11-01T00:00:00.000Z' COLLATE "C"
       OR e.event #>> '{context,library,name}' IS NULL
       OR (e.event->>'type' = 'track' AND coalesce(e.event->>'event', '') = '')
       OR (e.event->>'type' IN ('page', 'screen') AND coalesce(e.event->>'name', '') = '')
       OR (e.event->>'type' = 'identify' AND jsonb_typeof(e.event->'traits') <> 'object')
       OR octet_length(e.event::text) > 32768
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event % (%) is not a valid Segment event', bad.seq, bad.source;
    END IF;
    IF (SELECT count(DISTINCT event->>'messageId') FROM chk_events) <> (SELECT count(*) FROM chk_events) THEN
        RAISE EXCEPTION 'messageIds are not unique';
    END IF;
    IF EXISTS (SELECT FROM (SELECT event->>'timestamp' AS ts,
                                   lag(event->>'timestamp') OVER (ORDER BY seq) AS previous
                            FROM chk_events) x
               WHERE x.ts < x.previous COLLATE "C") THEN
        RAISE EXCEPTION 'seq is not in time order';
    END IF;
END
$$;

-- 4. Volume, mix and the data quality problems the sample is meant to have.
DO $$
DECLARE
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM chk_events;
    IF n NOT BETWEEN 15000 AND 25000 THEN
        RAISE EXCEPTION '1000 people made % events, expected 15000-25000', n;
    END IF;
    IF (SELECT count(DISTINCT source) FROM chk_events) <> 4 THEN
        RAISE EXCEPTION 'a source is missing';
    END IF;
    IF NOT EXISTS (SELECT FROM chk_events WHERE event #>> '{traits,email}' ~ '[A-Z]')
       OR NOT EXISTS (SELECT FROM chk_events WHERE event #>> '{traits,email}' ~ '^\s|\s$')
       OR NOT EXISTS (SELECT FROM chk_events WHERE event #>> '{traits,phone}' LIKE '+61 %')
       OR NOT EXISTS (SELECT FROM chk_events WHERE event #>> '{traits,phone}' LIKE '04__ ___ ___')
       OR NOT EXISTS (SELECT FROM chk_events WHERE event #>> '{traits,lastName}' ~ '[^\x01-\x7f]')
       OR NOT EXISTS (SELECT FROM chk_events WHERE event #>> '{traits,firstName}' ~ '[А-Яа-яΑ-Ωα-ωά-ώ]')
       OR NOT EXISTS (SELECT FROM chk_events WHERE source = 'crm' AND jsonb_typeof(event->'userId') = 'number') THEN
        RAISE EXCEPTION 'the sample lacks one of its data quality problems';
    END IF;
END
$$;

-- 5. The ground truth: only junk is shared between people, and every
-- person with events has identifiers.
DO $$
BEGIN
    IF EXISTS (SELECT FROM chk_ids WHERE NOT junk
               GROUP BY kind, normalized HAVING count(DISTINCT person) > 1) THEN
        RAISE EXCEPTION 'an identifier that is not junk belongs to two people';
    END IF;
    IF NOT EXISTS (SELECT FROM chk_ids WHERE junk AND kind = 'device_id')
       OR NOT EXISTS (SELECT FROM chk_ids WHERE junk AND kind = 'email') THEN
        RAISE EXCEPTION 'the shared store devices or placeholder e-mails are missing';
    END IF;
    IF (SELECT count(DISTINCT person) FROM chk_events)
       <> (SELECT count(DISTINCT person) FROM chk_ids) THEN
        RAISE EXCEPTION 'a person with events has no identifiers';
    END IF;
    IF EXISTS (SELECT FROM chk_ids WHERE junk <> (link_group IS NULL)) THEN
        RAISE EXCEPTION 'link_group must be set exactly for identifiers that are not junk';
    END IF;
    IF EXISTS (SELECT FROM cdp_sample.people(1000, 1) p
               LEFT JOIN (SELECT person, max(link_group) AS g FROM chk_ids GROUP BY person) i USING (person)
               WHERE p.profiles <> coalesce(i.g, 0)) THEN
        RAISE EXCEPTION 'people().profiles disagrees with identifiers()';
    END IF;
END
$$;

-- 6. batches() holds exactly the events, per source, in seq order.
CREATE TEMP TABLE chk_batched AS
    SELECT b.source, b.batch_no, x.i, x.event,
           row_number() OVER (PARTITION BY b.source ORDER BY b.batch_no, x.i) AS pos
    FROM chk_batches b, jsonb_array_elements(b.events) WITH ORDINALITY AS x(event, i);
ANALYZE chk_batched;
DO $$
BEGIN
    IF EXISTS (SELECT FROM chk_batches WHERE jsonb_array_length(events) > 250)
       OR EXISTS (SELECT FROM chk_batches GROUP BY source
                  HAVING max(batch_no) <> count(*) OR min(batch_no) <> 1) THEN
        RAISE EXCEPTION 'batches(1000, 1, 250) are not numbered 1.. per source or are too big';
    END IF;
    IF (SELECT count(*) FROM chk_batched) <> (SELECT count(*) FROM chk_events)
       OR EXISTS (SELECT FROM chk_batched b
                  FULL JOIN (SELECT source, event,
                                    row_number() OVER (PARTITION BY source ORDER BY seq) AS pos
                             FROM chk_events) e USING (source, pos)
                  WHERE md5(b.event::text) IS DISTINCT FROM md5(e.event::text)) THEN
        RAISE EXCEPTION 'batches(1000, 1, 250) do not hold the events of each source in seq order';
    END IF;
END
$$;

-- 7. Bad arguments are refused.
DO $$
BEGIN
    BEGIN
        PERFORM * FROM cdp_sample.events(0);
        RAISE EXCEPTION 'events(0) was accepted';
    EXCEPTION WHEN invalid_parameter_value THEN
        NULL;
    END;
    BEGIN
        PERFORM * FROM cdp_sample.batches(10, 1, 0);
        RAISE EXCEPTION 'batches(10, 1, 0) was accepted';
    EXCEPTION WHEN invalid_parameter_value THEN
        NULL;
    END;
END
$$;

SELECT 'cdp_sample: all checks passed' AS result;
