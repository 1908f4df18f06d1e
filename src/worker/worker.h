/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The public header of src/worker: the work of the background worker.
 *
 *	  jobs.sql				cdp.run_pending() and its jobs (stitch,
 *							profiles, matches, computed_traits, segments,
 *							retention), their bookkeeping (cdp.worker_jobs),
 *							poison items (cdp.worker_set_aside) and lag
 *							(cdp.worker_job_lag())
 *	  worker_jobs_settings.c	the settings the jobs read
 *
 *	  The process side (launcher, per-database workers, shared memory,
 *	  latches, cdp.worker_status) is added here by the background-worker
 *	  plumbing; it calls cdp.run_pending() in short transactions.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_WORKER_H
#define CDP_WORKER_H

#include "core/core.h"

/* cdp.retention_interval, in seconds (0: retention is not run by the jobs) */
extern int	cdp_retention_interval;

/* cdp.worker_max_tries: failures after which an item is set aside */
extern int	cdp_worker_max_tries;

/* cdp.worker_retry_delay, in seconds: the first backoff after a failure */
extern int	cdp_worker_retry_delay;

/* cdp.worker_max_retry_delay, in seconds: the longest backoff */
extern int	cdp_worker_max_retry_delay;

extern void CdpWorkerJobsInit(void);

#endif							/* CDP_WORKER_H */
