#!/usr/bin/env bash
# HTTP collection benchmark (run by test/bench/run, whose cluster serves
# bench_http over HTTP at $CDP_BENCH_HTTP): events/s and latency of the
# Segment batch endpoint with 1, 8 and 64 keep-alive clients sending
# batches of 1 and of 100 track events for 10 s each (test/node/load.mjs,
# on 127.0.0.1), against cdp.ingest_batch called from SQL (pgbench) with
# the same batches from 1 and 8 sessions.  Stitching at commit, fsync on.
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
url=http://$CDP_BENCH_HTTP

q -c "SET client_min_messages = warning" -c "SELECT cdp.create_source('web') > 0 AS source" \
  -c "SELECT count(cdp.ensure_event_partition('2026-11-01')) AS partition" \
  -c "CREATE TABLE results (way text, clients int, batch int, events bigint, seconds float8, errors bigint, p50_ms float8, p99_ms float8)"
key=$(q -At -c "SELECT cdp.create_write_key('web')")
for _ in $(seq 1 100); do
	curl -s -o /dev/null "$url/" && break
	sleep 0.2
done

for batch in 1 100; do
	for clients in 1 8 64; do
		r=$(node test/node/load.mjs "$url" "$key" "$clients" "$batch" 10 "b$batch-c$clients")
		q -c "INSERT INTO results SELECT 'HTTP', $clients, $batch, (j->>'events')::bigint, (j->>'seconds')::float8,
		        (j->>'errors')::bigint, (j->>'p50_ms')::float8, (j->>'p99_ms')::float8 FROM (SELECT '$r'::jsonb AS j) s"
	done
done

# The same batches through SQL: one cdp.ingest_batch call per transaction.
for batch in 1 100; do
	cat > "$dir/sql_$batch.sql" <<SQL
\set c random(1, 1000000000)
SELECT cdp.ingest_batch('web', (SELECT jsonb_agg(jsonb_build_object(
    'type', 'track', 'event', 'Product Viewed', 'userId', 'u' || ((:c + g * 31) % 200000),
    'messageId', 'sql-' || :client_id || '-' || :c || '-' || g || '-' || md5(clock_timestamp()::text),
    'timestamp', '2026-11-20T00:00:00Z',
    'properties', jsonb_build_object('sku', 'sku-' || g, 'price', 10 + g)))
    FROM generate_series(1, $batch) g));
SQL
	for clients in 1 8; do
		pgbench -n -f "$dir/sql_$batch.sql" -c "$clients" -j "$clients" -T 10 -r > "$dir/out" 2>&1
		tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$dir/out")
		lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$dir/out")
		q -c "INSERT INTO results VALUES ('SQL', $clients, $batch, ($tps * 10 * $batch)::bigint, 10, 0, $lat, NULL)"
	done
done

q <<'SQL'
\echo HTTP collection (POST /v1/batch, keep-alive) against cdp.ingest_batch from SQL, same batches
SELECT way, clients, batch, (events / seconds)::int AS events_per_s, errors,
       p50_ms::numeric(8,2) AS p50_ms, p99_ms::numeric(8,2) AS p99_ms
  FROM results ORDER BY batch, way, clients;
SELECT h.batch, h.clients, (h.events / h.seconds)::int AS http_events_per_s,
       (s.events / s.seconds)::int AS sql_events_per_s,
       ((h.events / h.seconds) / (s.events / s.seconds))::numeric(5,2) AS http_vs_sql
  FROM results h JOIN results s ON s.way = 'SQL' AND s.batch = h.batch AND s.clients = h.clients
 WHERE h.way = 'HTTP' ORDER BY h.batch, h.clients;
SELECT requests, answered_2xx, answered_4xx, answered_5xx, answered_503, events, commits, requests_per_commit,
       latency_p50_ms, latency_p99_ms FROM cdp.http_status;
SQL
