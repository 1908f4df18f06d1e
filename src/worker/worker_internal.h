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
#define CDP_WORKER_DATABASES	64

/*
 * The kinds of worker a served database has, one process each, so that
 * one kind of work never waits for another.  Kind k is woken by the work
 * flag 1 << k (core.h, CdpWork); the HTTP worker is never woken: it runs
 * while cdp.http_listen is set, for the database cdp.http_database names.
 */
typedef enum CdpWorkerKind
{
	CDP_WORKER_STITCH = 0,		/* deferred stitching */
	CDP_WORKER_JOBS,			/* the other jobs of cdp.run_pending(), in turn */
	CDP_WORKER_DELIVERY,		/* sends the activation outbox (src/activation) */
	CDP_WORKER_HTTP,			/* the HTTP server (src/http), for one database */
	CDP_WORKER_KINDS
} CdpWorkerKind;

#define CDP_WORKER_SLOTS	(CDP_WORKER_DATABASES * CDP_WORKER_KINDS)

typedef enum CdpWorkerState
{
	CDP_WORKER_STOPPED = 0,		/* no process */
	CDP_WORKER_STARTING,		/* asked the postmaster for one */
	CDP_WORKER_WORKING,			/* running cdp.run_pending() */
	CDP_WORKER_WAITING,			/* done, waiting a moment for more */
	CDP_WORKER_NO_EXTENSION		/* the database has no cdp (at last look) */
} CdpWorkerState;

/* A database the launcher serves, and its worker of one kind. */
typedef struct CdpWorkerSlot
{
	Oid			dboid;			/* InvalidOid: free */
	CdpWorkerKind kind;
	int			instance;		/* of the HTTP workers; 0 for the others */
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
	int			next_job;		/* db_worker.c: a jobs worker's next job */
	TimestampTz next_due;		/* a delivery worker that left: when its
								 * next retry is due (0: none) */
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
extern CdpWorkerSlot *CdpWorkerSlotOf(Oid dboid, CdpWorkerKind kind);	/* lock held; or NULL */
extern const char *const cdp_worker_kind_names[CDP_WORKER_KINDS];

/* launcher.c, db_worker.c: the processes' entry points */
extern PGDLLEXPORT void cdp_launcher_main(Datum arg);
extern PGDLLEXPORT void cdp_db_worker_main(Datum arg);

/* worker_wake.c */
extern void CdpWorkerWakeInit(void);

#endif							/* CDP_WORKER_INTERNAL_H */
