/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The public header of src/worker: cdp's background work.  The jobs
 *	  (cdp.run_pending()) can be called by anyone entitled; with
 *	  shared_preload_libraries = 'cdp', a launcher starts a worker for each
 *	  database of cdp.database that has the extension, which runs them in
 *	  short transactions, woken by the transactions that leave work, else
 *	  every cdp.naptime.
 *
 *	  jobs.sql				cdp.run_pending() and its jobs (stitch,
 *							profiles, matches, computed_traits, scores, segments,
 *							stats, retention), their bookkeeping (cdp.worker_jobs),
 *							poison items (cdp.worker_set_aside) and lag
 *							(cdp.worker_job_lag())
 *	  worker_jobs_settings.c	the settings the jobs read
 *	  worker_shmem.c		the processes' settings and shared state
 *	  launcher.c			the launcher process
 *	  db_worker.c			a database's worker process
 *	  worker_wake.c			waking the worker when a transaction commits work
 *	  worker_status.c		cdp.worker_processes(): the shared state, read
 *	  worker.sql			cdp.worker_processes(), the view cdp.worker_status
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_WORKER_H
#define CDP_WORKER_H

#include "core/core.h"

/* cdp.retention_interval, in seconds (0: retention is not run by the jobs) */
extern int	cdp_retention_interval;

/* cdp.stats_interval, in seconds (0: the history tables are not refreshed by the jobs) */
extern int	cdp_stats_interval;

/* cdp.worker_max_tries: failures after which an item is set aside */
extern int	cdp_worker_max_tries;

/* cdp.worker_retry_delay, in seconds: the first backoff after a failure */
extern int	cdp_worker_retry_delay;

/* cdp.worker_max_retry_delay, in seconds: the longest backoff */
extern int	cdp_worker_max_retry_delay;

extern void CdpWorkerJobsInit(void);

/* cdp.database: the databases the launcher serves, comma-separated. */
extern char *cdp_worker_databases;

/* cdp.naptime: seconds between looks when no transaction wakes the worker. */
extern int	cdp_worker_naptime;

/*
 * Called from _PG_init: defines the settings of the processes and, when the
 * library is preloaded, asks for shared memory and registers the launcher.
 */
extern void CdpWorkerInit(void);

#endif							/* CDP_WORKER_H */
