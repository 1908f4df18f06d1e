-- The background processes (C: src/worker/), as the shared state shows
-- them: the launcher and each served database's worker.

CREATE FUNCTION cdp.worker_processes(
    OUT process text, OUT database oid, OUT pid integer, OUT state text,
    OUT started_at timestamptz, OUT last_wake timestamptz, OUT last_run_end timestamptz,
    OUT runs bigint, OUT failures bigint)
RETURNS SETOF record
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'cdp_worker_processes';
COMMENT ON FUNCTION cdp.worker_processes() IS
    'cdp''s launcher and workers (server-wide; none without shared_preload_libraries = ''cdp''): state, last wake-up and run, runs and failures since the server started';
REVOKE ALL ON FUNCTION cdp.worker_processes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cdp.worker_processes() TO cdp_admin;
