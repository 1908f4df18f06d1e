-- The background processes (C: src/worker/), as the shared state shows
-- them: the launcher and each served database's workers (a kind each).

CREATE FUNCTION cdp.worker_processes(
    OUT process text, OUT kind text, OUT database oid, OUT pid integer, OUT state text,
    OUT started_at timestamptz, OUT last_wake timestamptz, OUT last_run_end timestamptz,
    OUT runs bigint, OUT failures bigint)
RETURNS SETOF record
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'cdp_worker_processes';
COMMENT ON FUNCTION cdp.worker_processes() IS
    'cdp''s launcher and workers (server-wide; none without shared_preload_libraries = ''cdp''): each database''s stitch and jobs workers, their state, last wake-up and run, runs and failures since the server started';
REVOKE ALL ON FUNCTION cdp.worker_processes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cdp.worker_processes() TO cdp_admin;

-- Per job of this database: its bookkeeping, its lag, its set-aside items,
-- and this database's worker process that runs it (stitch: the stitch
-- worker; the others: the jobs worker).
CREATE VIEW cdp.worker_status AS
SELECT pg_catalog.current_database() AS database, l.job,
       w.state AS worker_state, w.pid AS worker_pid,
       j.last_run, j.last_success, j.runs, j.batches, j.items,
       l.pending, pg_catalog.now() OPERATOR(pg_catalog.-) l.oldest AS lag,
       j.errors, j.last_sqlstate, j.last_error, j.retry_at,
       (SELECT pg_catalog.count(*) FROM cdp.worker_set_aside s
         WHERE s.job OPERATOR(pg_catalog.=) l.job) AS set_aside
  FROM cdp.worker_job_lag() l
  LEFT JOIN cdp.worker_jobs j ON j.job OPERATOR(pg_catalog.=) l.job
  LEFT JOIN cdp.worker_processes() w
         ON w.process OPERATOR(pg_catalog.=) 'worker'
        AND w.kind OPERATOR(pg_catalog.=) (CASE WHEN l.job OPERATOR(pg_catalog.=) 'stitch'
                                                THEN 'stitch' ELSE 'jobs' END)
        AND w.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                               WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database());
COMMENT ON VIEW cdp.worker_status IS
    'per job of this database: last run, batches, items, lag (age of the oldest pending work), errors, set-aside items, and the worker process that runs it';
GRANT SELECT ON cdp.worker_status TO cdp_admin;
