-- The HTTP server's counters (C: src/http/http_stats.c), since the server
-- started: one row when the library is preloaded, none otherwise.

CREATE FUNCTION cdp.http_status(
    OUT listen text, OUT started_at timestamptz, OUT requests bigint, OUT answered_2xx bigint,
    OUT answered_4xx bigint, OUT answered_5xx bigint, OUT answered_503 bigint, OUT events bigint,
    OUT commits bigint, OUT committed_requests bigint, OUT latency_p50_ms double precision,
    OUT latency_p99_ms double precision)
RETURNS SETOF record
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'cdp_http_status';
REVOKE ALL ON FUNCTION cdp.http_status() FROM PUBLIC;

CREATE VIEW cdp.http_status AS
SELECT s.listen, s.started_at, s.requests, s.answered_2xx, s.answered_4xx, s.answered_5xx,
       s.answered_503, s.events, s.commits,
       CASE WHEN s.commits OPERATOR(pg_catalog.>) 0
            THEN (s.committed_requests::pg_catalog.numeric OPERATOR(pg_catalog./) s.commits)::pg_catalog.numeric(10,1)
       END AS requests_per_commit,
       s.latency_p50_ms, s.latency_p99_ms
  FROM cdp.http_status() s;
COMMENT ON VIEW cdp.http_status IS
    'the HTTP server since it started: requests answered 2xx, 4xx and 5xx (503 of them: busy or not stored, to be retried), events stored, group commits and the requests each held, latency (p50, p99, to within a factor of two)';
GRANT SELECT ON cdp.http_status TO cdp_admin;
