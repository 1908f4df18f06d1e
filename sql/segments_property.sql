\set SHOW_CONTEXT never
-- Property test: after random sequences of ingestion, merges, splits and
-- clock moves (fixed seed), incrementally refreshed membership equals a
-- brute-force evaluation written independently in plain SQL, and
-- replaying cdp.segment_changes reproduces it.
-- In a database of its own: segments cover every profile, and the
-- other tests' profiles are not part of this story.
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS cdp_segments_property;
CREATE DATABASE cdp_segments_property;
\c cdp_segments_property
CREATE EXTENSION cdp;
SET client_min_messages = warning;
SELECT cdp.create_source('prop', 'web') > 0 AS source;
SET cdp.segment_now = '2026-01-10T00:00:00Z';

SELECT cdp.create_computed_trait('a_5d', '{"event": "A", "count": true, "within": "5 days"}') > 0 AS computed;
CREATE TEMP TABLE rules (name text PRIMARY KEY, rule jsonb);
INSERT INTO rules VALUES
  ('city_x',     '{"trait": "city", "op": "=", "value": "X"}'),
  ('age_20_40',  '{"trait": "age", "op": "between", "value": [20, 40]}'),
  ('a_twice_3d', '{"event": "A", "count": {"op": ">=", "value": 2}, "within": "3 days"}'),
  ('b_sum_7d',   '{"event": "B", "sum": "v", "op": ">=", "value": 100, "within": "7 days"}'),
  ('no_c_2d',    '{"not": {"event": "C", "within": "2 days"}}'),
  ('a_then_b',   '{"sequence": [{"event": "A"}, {"event": "B"}], "within": "1 day"}'),
  ('x_or_busy',  '{"any": [{"segment": "city_x"}, {"computed": "a_5d", "op": ">=", "value": 3}]}'),
  ('new_signup', '{"trait": "signup_at", "op": "within", "value": "4 days"}'),
  ('big_a_ever', '{"event": "A", "where": [{"property": "v", "op": ">", "value": 50}]}'),
  ('b_max_12h',  '{"event": "B", "max": "v", "op": "<", "value": 30, "within": "12 hours"}');
SELECT count(cdp.create_segment(name, rule)) AS segments FROM (SELECT * FROM rules ORDER BY name = 'x_or_busy', name) r;

-- The same audiences, written by hand over the raw tables.
CREATE FUNCTION pg_temp.num(v jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN v::numeric
                WHEN jsonb_typeof(v) = 'string' AND v #>> '{}' ~ '^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$'
                THEN (v #>> '{}')::numeric END
$$;
CREATE FUNCTION pg_temp.expected(now timestamptz) RETURNS TABLE (segment text, profile_id bigint)
LANGUAGE sql STABLE AS $$
    WITH ev AS (SELECT e.profile_id, e.event, e.occurred_at, e.event_id,
                       pg_temp.num(e.payload -> 'properties' -> 'v') AS v
                  FROM cdp.profile_events e WHERE e.type = 'track' AND e.occurred_at <= now)
    SELECT 'city_x', p.profile_id FROM cdp.profiles p WHERE p.traits ->> 'city' = 'X' AND jsonb_typeof(p.traits -> 'city') = 'string'
    UNION ALL
    SELECT 'age_20_40', p.profile_id FROM cdp.profiles p WHERE pg_temp.num(p.traits -> 'age') BETWEEN 20 AND 40
    UNION ALL
    SELECT 'a_twice_3d', profile_id FROM ev WHERE event = 'A' AND occurred_at > now - interval '3 days'
     GROUP BY profile_id HAVING count(*) >= 2
    UNION ALL
    SELECT 'b_sum_7d', profile_id FROM ev WHERE event = 'B' AND occurred_at > now - interval '7 days'
     GROUP BY profile_id HAVING coalesce(sum(v), 0) >= 100
    UNION ALL
    SELECT 'no_c_2d', p.profile_id FROM cdp.profiles p
     WHERE NOT EXISTS (SELECT 1 FROM ev WHERE ev.profile_id = p.profile_id AND event = 'C'
                                          AND occurred_at > now - interval '2 days')
    UNION ALL
    SELECT DISTINCT 'a_then_b', a.profile_id FROM ev a JOIN ev b ON b.profile_id = a.profile_id
     WHERE a.event = 'A' AND b.event = 'B' AND (b.occurred_at, b.event_id) > (a.occurred_at, a.event_id)
       AND b.occurred_at <= a.occurred_at + interval '1 day'
    UNION
    SELECT 'x_or_busy', p.profile_id FROM cdp.profiles p
     WHERE (p.traits ->> 'city' = 'X' AND jsonb_typeof(p.traits -> 'city') = 'string')
        OR (SELECT count(*) FROM ev WHERE ev.profile_id = p.profile_id AND event = 'A'
                                      AND occurred_at > now - interval '5 days') >= 3
    UNION ALL
    SELECT 'new_signup', p.profile_id FROM cdp.profiles p
     WHERE (p.traits ->> 'signup_at')::timestamptz > now - interval '4 days'
       AND (p.traits ->> 'signup_at')::timestamptz <= now
    UNION ALL
    SELECT DISTINCT 'big_a_ever', profile_id FROM ev WHERE event = 'A' AND v > 50
    UNION ALL
    SELECT 'b_max_12h', profile_id FROM ev WHERE event = 'B' AND occurred_at > now - interval '12 hours'
     GROUP BY profile_id HAVING max(v) < 30
$$;
CREATE FUNCTION pg_temp.mismatches() RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH actual AS (SELECT s.name AS segment, m.profile_id
                      FROM cdp.segment_members m JOIN cdp.segments s USING (segment_id)
                     WHERE s.name IN (SELECT name FROM rules)),
         expected AS (SELECT * FROM pg_temp.expected(cdp.segment_now()))
    SELECT count(*) FROM ((SELECT * FROM actual EXCEPT SELECT * FROM expected)
                          UNION ALL (SELECT * FROM expected EXCEPT SELECT * FROM actual)) d
$$;

-- The random walk.  Each step commits: ingestion stitches at commit.
CREATE TEMP TABLE walk (step int, action text, mismatches bigint);
CREATE PROCEDURE pg_temp.walk()
LANGUAGE plpgsql AS $$
DECLARE
    clock timestamptz := '2026-01-10T00:00:00Z';
    who text;
    r float8;
    edge record;
    v jsonb;
BEGIN
    PERFORM setseed(0.20261206);
    FOR step IN 1 .. 2400 LOOP
        r := random();
        who := CASE WHEN random() < 0.7 THEN 'u' || (random() * 40)::int ELSE 'anon' || (random() * 25)::int END;
        IF r < 0.55 THEN
            v := CASE WHEN random() < 0.1 THEN to_jsonb('n/a'::text)
                      WHEN random() < 0.2 THEN to_jsonb(((random() * 100)::int)::text)
                      ELSE to_jsonb((random() * 100)::int) END;
            PERFORM cdp.ingest('prop', jsonb_build_object(
                'type', 'track', CASE WHEN who LIKE 'anon%' THEN 'anonymousId' ELSE 'userId' END, who,
                'event', (ARRAY['A', 'B', 'C'])[1 + (random() * 2.999)::int % 3],
                'properties', jsonb_build_object('v', v),
                'timestamp', clock - (random() * 6 - 0.3) * interval '1 day',
                'messageId', 'm' || step));
            INSERT INTO walk VALUES (step, 'track', NULL);
        ELSIF r < 0.67 THEN
            PERFORM cdp.ingest('prop', jsonb_build_object(
                'type', 'identify', 'userId', 'u' || (random() * 40)::int,
                'traits', jsonb_build_object(
                    'city', (ARRAY['X', 'Y', 'Z'])[1 + (random() * 2.999)::int % 3],
                    'age', CASE WHEN random() < 0.3 THEN to_jsonb(((10 + random() * 50)::int)::text)
                                ELSE to_jsonb((10 + random() * 50)::int) END,
                    'signup_at', to_char(clock - random() * interval '8 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
                'timestamp', clock, 'messageId', 'm' || step));
            INSERT INTO walk VALUES (step, 'identify', NULL);
        ELSIF r < 0.75 THEN
            PERFORM cdp.ingest('prop', jsonb_build_object(
                'type', 'identify', 'userId', 'u' || (random() * 40)::int,
                'anonymousId', 'anon' || (random() * 25)::int,
                'timestamp', clock, 'messageId', 'm' || step));
            INSERT INTO walk VALUES (step, 'merge', NULL);
        ELSIF r < 0.79 THEN
            SELECT a.ident AS a, b.ident AS b INTO edge
              FROM cdp.identity_edges x
              JOIN cdp.identities a ON a.identity_id = x.a_id
              JOIN cdp.identities b ON b.identity_id = x.b_id
             ORDER BY x.a_id, x.b_id OFFSET (random() * 10)::int LIMIT 1;
            IF FOUND THEN
                PERFORM cdp.unlink(edge.a, edge.b, 'property test');
                INSERT INTO walk VALUES (step, 'split', NULL);
            END IF;
        ELSE
            clock := clock + random() * interval '20 hours';
            PERFORM set_config('cdp.segment_now', to_char(clock AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), false);
            INSERT INTO walk VALUES (step, 'clock', NULL);
        END IF;
        IF step % 20 = 0 THEN
            PERFORM cdp.refresh_segments();
            INSERT INTO walk VALUES (step, 'check', pg_temp.mismatches());
        END IF;
        COMMIT;
    END LOOP;
END
$$;
CALL pg_temp.walk();
RESET client_min_messages;

-- Every check agreed; each kind of step happened.
SELECT action, count(*) > 20 AS many, coalesce(sum(mismatches), 0) AS mismatches
  FROM walk GROUP BY action ORDER BY action;
SELECT count(*) > 500 AS enough_members FROM cdp.segment_changes WHERE change = 'entered';
SELECT count(*) > 100 AS enough_exits FROM cdp.segment_changes WHERE change = 'exited';
SELECT (SELECT count(*) FROM cdp.merge_log WHERE action = 'merge') > 20 AS merged,
       (SELECT count(*) FROM cdp.merge_log WHERE action = 'split') > 5 AS split;

-- A full refresh finds nothing to change.
SELECT sum(r.entered) AS entered, sum(r.exited) AS exited
  FROM cdp.segments s, LATERAL cdp.refresh_segment(s.name, full => true) r;

-- Replaying the changes from empty gives the membership.
WITH last AS (
    SELECT DISTINCT ON (segment_id, profile_id) segment_id, profile_id, change
      FROM cdp.segment_changes ORDER BY segment_id, profile_id, change_id DESC)
SELECT (SELECT count(*) FROM (SELECT segment_id, profile_id FROM last WHERE change = 'entered'
                              EXCEPT SELECT segment_id, profile_id FROM cdp.segment_members) a)
     + (SELECT count(*) FROM (SELECT segment_id, profile_id FROM cdp.segment_members
                              EXCEPT SELECT segment_id, profile_id FROM last WHERE change = 'entered') b)
       AS replay_differences;
-- The change log never repeats a change: entries and exits alternate.
SELECT count(*) AS repeated
  FROM (SELECT change, lag(change) OVER (PARTITION BY segment_id, profile_id ORDER BY change_id) AS before
          FROM cdp.segment_changes) c
 WHERE change = before;
-- The log of changed profiles is pruned to what some refresh has not seen.
SELECT count(*) < 100 AS pruned FROM cdp.profile_changes;
RESET cdp.segment_now;

\c :regress_db
DROP DATABASE cdp_segments_property;
