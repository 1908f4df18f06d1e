/*-------------------------------------------------------------------------
 *
 * worker_internal.h
 *	  Shared between the files of src/worker.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_WORKER_INTERNAL_H
#define CDP_WORKER_INTERNAL_H

#include "storage/latch.h"
#include "storage/lwlock.h"

#include "worker/worker.h"

/* Databases one launcher serves at most. */
#define CDP_WORKER_SLOTS	64

typedef enum CdpWorkerState
{
	CDP_WORKER_STOPPED = 0,		/* no process */
	CDP_WORKER_STARTING,		/* asked the postmaster for one */
	CDP_WORKER_WORKING,			/* running cdp.run_pending() */
	CDP_WORKER_WAITING,			/* done, waiting a moment for more */
	CDP_WORKER_NO_EXTENSION		/* the database has no cdp (at last look) */
} CdpWorkerState;

/* A database the launcher serves, and its worker. */
typedef struct CdpWorkerSlot
{
	Oid			dboid;			/* InvalidOid: free */
	pid_t		pid;			/* the worker's, or 0 */
	Latch	   *latch;			/* the worker's, while it runs */
	CdpWorkerState state;
	bool		wake;			/* work announced since the worker last looked */
	TimestampTz started_at;		/* of the current or last worker */
	TimestampTz last_wake;		/* last announced work */
	TimestampTz last_run_end;	/* end of the last cdp.run_pending() */
	int64		runs;			/* cdp.run_pending() calls since server start */
	int64		failures;		/* workers that ended in an error */
	int			consecutive_failures;	/* for the launcher's backoff */
	int			next_job;		/* db_worker.c: the job other than stitching to run next */
} CdpWorkerSlot;

typedef struct CdpWorkerShared
{
	LWLock	   *lock;			/* protects everything below */
	pid_t		launcher_pid;
	Latch	   *launcher_latch;
	CdpWorkerSlot slots[CDP_WORKER_SLOTS];
} CdpWorkerShared;

/* worker_shmem.c */
extern CdpWorkerShared *cdp_worker_shared;	/* NULL unless preloaded */
extern void CdpWorkerShmemInit(void);
extern CdpWorkerSlot *CdpWorkerSlotOf(Oid dboid);	/* lock held; or NULL */

/* launcher.c, db_worker.c: the processes' entry points */
extern PGDLLEXPORT void cdp_launcher_main(Datum arg);
extern PGDLLEXPORT void cdp_db_worker_main(Datum arg);

/* worker_wake.c */
extern void CdpWorkerWakeInit(void);

#endif							/* CDP_WORKER_INTERNAL_H */
