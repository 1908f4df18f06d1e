#!/usr/bin/env bash
# Delivery benchmark (run by test/bench/run, which serves bench_delivery
# with cdp's background workers).  A local receiver (test/node/receiver.mjs,
# 127.0.0.1, answering every request at once) takes what the delivery
# worker sends.
#
# 1. Throughput: 20,000 members of a segment connected to a webhook with
#    batches of 100, and 2,000 to one with batches of 1 (batching off):
#    changes delivered per second from connect() until drained.
# 2. Lag at 1,000 changes/s: 100 people change segment every 100 ms for
#    30 s (10 s warm-up not counted); the lag of each change is from its
#    refresh's commit time to the receiver's clock (same machine): p50,
#    p95, max.
# 3. What the outbox adds to a segment refresh: a full refresh in which
#    20,000 enter, without a destination and with one connected (paused,
#    so that the worker sends nothing meanwhile); median of 5 each.
set -euo pipefail
dir=$(mktemp -d)
chmod 755 "$dir"
receiver_pid=
cleanup() { [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
top=$(cd "$(dirname "$0")/../.." && pwd)

port=$((20000 + RANDOM % 20000))
node "$top/test/node/receiver.mjs" --port "$port" --log "$dir/received.jsonl" --lifetime 1200 >"$dir/receiver.out" 2>&1 &
receiver_pid=$!
for _ in $(seq 50); do grep -q listening "$dir/receiver.out" 2>/dev/null && break; sleep 0.1; done

q <<SQL
\o /dev/null
SET client_min_messages = warning;
SELECT cdp.create_source('bench', 'web') > 0 AS source;
SELECT count(cdp.ensure_event_partition('2026-11-01')) AS partition;
SELECT cdp.ingest_batch('bench', (SELECT jsonb_agg(jsonb_build_object(
    'type', 'identify', 'userId', 'u' || g, 'messageId', 'm' || g, 'timestamp', '2026-11-01T00:00:00Z',
    'traits', jsonb_build_object('email', 'u' || g || '@example.com', 'wave', 0, 'group', g % 10)))
    FROM generate_series(lo, lo + 9999) g)) > 0
  FROM generate_series(1, 20000, 10000) lo;
SELECT count(cdp.set_consent(p.profile_id, 'email_marketing', true, 'bench')) AS consented FROM cdp.profiles p;
ANALYZE;
SELECT cdp.create_segment('everyone', \$\$traits->>'email' IS NOT NULL\$\$) > 0 AS segment;
SELECT cdp.create_segment('tenth', \$\$traits->>'group' = '0'\$\$) > 0 AS segment;
SELECT cdp.create_segment('waving', \$\$(traits->>'wave')::int % 2 = 1\$\$) > 0 AS segment;
SELECT entered FROM cdp.refresh_segment('everyone');
SELECT entered FROM cdp.refresh_segment('tenth');
-- Waits until the destination has nothing left, a transaction per look
-- (one long transaction would keep the outbox's dead rows from being
-- pruned, and slow the worker it measures).
CREATE PROCEDURE wait_delivered(destination text) LANGUAGE plpgsql AS \$\$
BEGIN
    WHILE (SELECT pending + in_flight FROM cdp.destination_status s WHERE s.destination = wait_delivered.destination) > 0 LOOP
        COMMIT;
        PERFORM pg_sleep(0.05);
    END LOOP;
END \$\$;
SELECT cdp.create_destination('batched', 'webhook',
    '{"url": "http://127.0.0.1:$port/batched", "batch_size": 100}', 'email_marketing') > 0 AS batched;
SELECT cdp.create_destination('single', 'webhook',
    '{"url": "http://127.0.0.1:$port/single", "batch_size": 1}', 'email_marketing') > 0 AS single;
SQL

# Seconds from connecting DESTINATION to SEGMENT until all is delivered.
drain_time() {
	q -At <<SQL
SELECT clock_timestamp() AS t0 \gset
SELECT cdp.connect('$1', '$2') > 0;
CALL wait_delivered('$1');
SELECT extract(epoch FROM clock_timestamp() - :'t0');
SQL
}
batched=$(drain_time batched everyone | tail -1)
single=$(drain_time single tenth | tail -1)
q -c "SELECT cdp.disconnect('batched', 'everyone'), cdp.disconnect('single', 'tenth')" >/dev/null

# 2. 1,000 changes/s: every 100 ms, 100 people move in or out of 'waving'.
q -c "SELECT cdp.connect('batched', 'waving')" >/dev/null
: > "$dir/received.jsonl"
q <<'SQL'
CREATE PROCEDURE wave(seconds int) LANGUAGE plpgsql AS $$
DECLARE
    n int := 0;
    tick timestamptz := clock_timestamp();
BEGIN
    WHILE n < seconds * 10 LOOP
        UPDATE cdp.profiles SET traits = traits || jsonb_build_object('wave', (traits->>'wave')::int + 1)
         WHERE profile_id IN (SELECT profile_id FROM cdp.profiles ORDER BY profile_id
                               OFFSET (n * 100) % 20000 LIMIT 100);
        PERFORM cdp.refresh_segment('waving');
        COMMIT;
        n := n + 1;
        tick := tick + interval '100 ms';
        PERFORM pg_sleep(greatest(0, extract(epoch FROM tick - clock_timestamp())));
    END LOOP;
END $$;
CALL wave(40);
CALL wait_delivered('batched');
SQL
q <<SQL
CREATE TABLE received (line jsonb);
\copy received FROM '$dir/received.jsonl' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
CREATE TABLE lags AS
SELECT (r.line->>'at')::float8 / 1000 - extract(epoch FROM (i->>'changed_at')::timestamptz) AS lag
  FROM received r, jsonb_array_elements(r.line->'body'->'batch') i
 WHERE (i->>'changed_at')::timestamptz >= (SELECT min((i2->>'changed_at')::timestamptz) + interval '10 s'
                                             FROM received r2, jsonb_array_elements(r2.line->'body'->'batch') i2);
SQL

# 3. The outbox's cost to a refresh.
q -o /dev/null <<'SQL'
CREATE TABLE refreshes (connected boolean, seconds float8);
CREATE PROCEDURE time_refresh(connected boolean) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
    FOR rep IN 1 .. 5 LOOP
        UPDATE cdp.profiles SET traits = traits || '{"wave": 0}';
        PERFORM cdp.refresh_segment('waving', true);
        DELETE FROM cdp.outbox;
        UPDATE cdp.profiles SET traits = traits || '{"wave": 1}';
        COMMIT;
        t0 := clock_timestamp();
        PERFORM cdp.refresh_segment('waving', true);
        INSERT INTO refreshes VALUES (connected, extract(epoch FROM clock_timestamp() - t0));
        COMMIT;
    END LOOP;
END $$;
UPDATE cdp.destinations SET paused_until = 'infinity' WHERE name = 'batched';
SELECT cdp.disconnect('batched', 'waving');
CALL time_refresh(false);
SELECT cdp.connect('batched', 'waving');
CALL time_refresh(true);
SQL

q -P footer=off <<SQL
\echo '1. Throughput to a local receiver'
SELECT 'batches of 100' AS batching, 20000 AS changes, round($batched::numeric, 2) AS seconds,
       round(20000 / $batched::numeric) AS changes_per_s
UNION ALL
SELECT 'batches of 1 (off)', 2000, round($single::numeric, 2), round(2000 / $single::numeric);
SELECT round((20000 / $batched::numeric) / (2000 / $single::numeric), 1) AS "batching on / off";
\echo '2. Delivery lag at 1,000 changes/s (30 s after 10 s warm-up)'
SELECT count(*) AS changes, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag)::numeric * 1000) AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY lag)::numeric * 1000) AS p95_ms,
       round(max(lag)::numeric * 1000) AS max_ms
  FROM lags;
\echo '3. A full refresh with 20,000 entering, median of 5'
SELECT connected, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) * 1000)::numeric) AS ms
  FROM refreshes GROUP BY connected ORDER BY connected;
SELECT round(((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM refreshes WHERE connected)
            / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM refreshes WHERE NOT connected))::numeric, 2)
       AS "with outbox / without";
SQL
