#!/usr/bin/env bash
# Background worker benchmark (run by test/bench/run, which serves
# bench_worker with the worker: cdp.database, cdp.naptime = 1).
#
# 0. 200,000 people ingested, statistics gathered, the segment refreshed.
# 1. Sustained ingestion of 1,000, 2,500 and 5,000 events/s (100, 250 and
#    500 batches of 10 per second) for 60 s each from 4 sessions (pgbench -R),
#    stitching deferred to the worker: freshness lag sampled every 100 ms
#    as the age of the oldest event not yet stitched (p50, p95, max);
#    every event stitched at the end.
# 2. The same with stitching at commit (the default), and a real-time
#    segment kept fresh by the worker: its lag.
# 3. Unthrottled, 20 s, 4 sessions: the ingest rate with deferred
#    stitching and the rate at which the worker stitches meanwhile (the
#    highest sustainable rate is the lower of the two).
# 4. Stitching at commit, unthrottled, 1 session against 4, and 4 sessions
#    that each take the graph lock exclusively (cdp.hold_stitching(), as
#    every stitch did before stitching locked only the profiles and
#    identifiers it changes): what the finer locks give concurrent
#    ingestion.
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

q <<'SQL'
SET client_min_messages = warning;
SELECT cdp.create_source('bench', 'web') > 0 AS source;
SELECT count(cdp.ensure_event_partition('2026-11-01')) AS partition;
SELECT cdp.create_segment('viewers', '{"event": "Product Viewed", "within": "30 days"}') > 0 AS segment;
SELECT cdp.set_segment_realtime('viewers', true);
CREATE TABLE lag_samples (phase text, job text, at timestamptz, lag float8);
CREATE TABLE phases (phase text, events bigint, seconds float8, stitched_in_phase bigint);
-- Samples each job's lag (age of its oldest pending work) every 100 ms.
CREATE PROCEDURE sample_lag(phase text, seconds int) LANGUAGE plpgsql AS $$
DECLARE until timestamptz := clock_timestamp() + seconds * interval '1 second';
BEGIN
    WHILE clock_timestamp() < until LOOP
        INSERT INTO lag_samples
        SELECT phase, l.job, clock_timestamp(),
               coalesce(extract(epoch FROM clock_timestamp() - l.oldest), 0)
          FROM cdp.worker_job_lag() l WHERE l.job IN ('stitch', 'segments');
        COMMIT;
        PERFORM pg_sleep(0.1);
    END LOOP;
END $$;
SQL

# The 200,000 people already known, with statistics, and the segment
# refreshed: the phases measure a running system, not a first load (whose
# young statistics the README's limitations describe).
q <<'SQL'
SET client_min_messages = warning;
SELECT sum(cdp.ingest_batch('bench', (SELECT jsonb_agg(jsonb_build_object(
    'type', 'track', 'event', 'Product Viewed', 'userId', 'u' || g,
    'messageId', 'warm' || g, 'timestamp', '2026-11-19T00:00:00Z'))
    FROM generate_series(b * 10000, b * 10000 + 9999) g))) AS warmed_up
  FROM generate_series(0, 19) b;
ANALYZE;
SELECT cdp.refresh_segment('viewers') IS NOT NULL AS refreshed;
SQL

# Ten track events per transaction, each from one of 200,000 people.
cat > "$dir/ingest.sql" <<'SQL'
\set p random(1, 200000)
SELECT cdp.ingest_batch('bench', (SELECT jsonb_agg(jsonb_build_object(
    'type', 'track', 'event', 'Product Viewed', 'userId', 'u' || ((:p + g * 7919) % 200000),
    'messageId', md5(random()::text || clock_timestamp()::text || g), 'timestamp', '2026-11-20T00:00:00Z'))
    FROM generate_series(1, 10) g));
SQL

# The same, each transaction holding the graph lock exclusively.
{
	echo 'BEGIN;'
	echo 'SELECT cdp.hold_stitching();'
	cat "$dir/ingest.sql"
	echo 'COMMIT;'
} >"$dir/ingest_graph_lock.sql"

# run PHASE STITCHING CLIENTS SECONDS [RATE [SCRIPT]]: pgbench (and the sampler).
run() {
	local phase=$1 stitching=$2 clients=$3 seconds=$4 rate=${5:-} script=${6:-ingest}
	local before stitched_before
	before=$(q -At -c "SELECT count(*) FROM cdp.events")
	stitched_before=$(q -At -c "SELECT count(*) FROM cdp.events e WHERE NOT EXISTS (SELECT 1 FROM cdp.stitch_queue s WHERE s.event_id = e.event_id)")
	q -c "CALL sample_lag('$phase', $seconds)" &
	local sampler=$!
	PGOPTIONS="-c cdp.inline_stitching=$stitching" pgbench -n -f "$dir/$script.sql" -c "$clients" -j "$clients" \
		-T "$seconds" ${rate:+-R "$rate"} >"$dir/$phase.out" 2>&1
	wait "$sampler"
	q -c "INSERT INTO phases SELECT '$phase', count(*) - $before, $seconds,
	             (SELECT count(*) FROM cdp.events e WHERE NOT EXISTS (SELECT 1 FROM cdp.stitch_queue s
	                WHERE s.event_id = e.event_id)) - $stitched_before FROM cdp.events"
	grep -E "^(latency average|tps)" "$dir/$phase.out" | sed "s/^/  $phase: /"
}

# Waits until the worker has stitched everything (at most 120 s).
drain() {
	for _ in $(seq 1 1200); do
		[ "$(q -At -c 'SELECT count(*) FROM cdp.stitch_queue')" = 0 ] && return 0
		sleep 0.1
	done
	echo "the worker did not drain the queue in 120 s" >&2
	return 1
}

run deferred_1000 off 4 60 100
drain
run deferred_2500 off 4 60 250
drain
run deferred_5000 off 4 60 500
drain
run inline_5000 on 4 60 500
drain
run deferred_max off 4 20
drain
run inline_1_session on 1 20
run inline_4_sessions_one_lock on 4 20 '' ingest_graph_lock
run inline_4_sessions on 4 20

q <<'SQL'
\echo Background worker benchmark (lag: age of the oldest work not yet done, sampled every 100 ms)
SELECT p.phase, p.events, (p.events / p.seconds)::int AS events_per_s,
       (p.stitched_in_phase / p.seconds)::int AS stitched_per_s_during_phase,
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY s.lag))::numeric(8,3) AS stitch_lag_p50_s,
       (percentile_cont(0.95) WITHIN GROUP (ORDER BY s.lag))::numeric(8,3) AS stitch_lag_p95_s,
       max(s.lag)::numeric(8,3) AS stitch_lag_max_s
  FROM phases p LEFT JOIN lag_samples s ON s.phase = p.phase AND s.job = 'stitch'
 GROUP BY p.phase, p.events, p.seconds, p.stitched_in_phase ORDER BY min(s.at);
SELECT phase, (percentile_cont(0.5) WITHIN GROUP (ORDER BY lag))::numeric(8,3) AS segment_lag_p50_s,
       (percentile_cont(0.95) WITHIN GROUP (ORDER BY lag))::numeric(8,3) AS segment_lag_p95_s,
       max(lag)::numeric(8,3) AS segment_lag_max_s
  FROM lag_samples WHERE job = 'segments' GROUP BY phase ORDER BY min(at);
SELECT (SELECT count(*) FROM cdp.stitch_queue) AS still_queued,
       (SELECT count(*) FROM cdp.events WHERE cdp.resolve(anchor) IS NULL) AS unresolved_events,
       (SELECT size FROM cdp.segments WHERE name = 'viewers') AS viewers,
       (SELECT count(DISTINCT anchor) FROM cdp.events) AS people_with_events;
\echo Stitching at commit: 1 session, 4 sessions, and 4 sessions each holding the graph lock exclusively (events/s):
SELECT a.events_per_s::int AS one_session, b.events_per_s::int AS four_sessions,
       c.events_per_s::int AS four_sessions_one_lock,
       (b.events_per_s::numeric / a.events_per_s)::numeric(5,2) AS four_vs_one,
       (b.events_per_s::numeric / c.events_per_s)::numeric(5,2) AS fine_vs_one_lock
  FROM (SELECT events / seconds AS events_per_s FROM phases WHERE phase = 'inline_1_session') a,
       (SELECT events / seconds AS events_per_s FROM phases WHERE phase = 'inline_4_sessions') b,
       (SELECT events / seconds AS events_per_s FROM phases WHERE phase = 'inline_4_sessions_one_lock') c;
SQL
