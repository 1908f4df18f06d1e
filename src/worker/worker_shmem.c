/*-------------------------------------------------------------------------
 *
 * worker_shmem.c
 *	  The settings of the background processes, and the shared memory they
 *	  share with the backends: the launcher's latch, and a slot per served
 *	  database with its worker's latch, state and counters.
 *
 * Everything here needs shared_preload_libraries = 'cdp'.  Without it the
 * settings exist (so they can be shown and set) but no process starts,
 * and cdp.run_pending() does the work when called.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/guc.h"

#include "worker/worker_internal.h"

char	   *cdp_worker_databases = NULL;
int			cdp_worker_naptime = 10;

CdpWorkerShared *cdp_worker_shared = NULL;

const char *const cdp_worker_kind_names[CDP_WORKER_KINDS] = {
	[CDP_WORKER_STITCH] = "stitch",
	[CDP_WORKER_JOBS] = "jobs",
	[CDP_WORKER_DELIVERY] = "delivery",
	[CDP_WORKER_HTTP] = "http",
};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
request_shmem(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(CdpWorkerShared)));
	RequestNamedLWLockTranche("cdp_worker", 1);
}

static void
startup_shmem(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	cdp_worker_shared = ShmemInitStruct("cdp worker", sizeof(CdpWorkerShared), &found);
	if (!found)
	{
		memset(cdp_worker_shared, 0, sizeof(CdpWorkerShared));
		cdp_worker_shared->lock = &(GetNamedLWLockTranche("cdp_worker"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Registers the launcher, started once the server accepts connections. */
static void
register_launcher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "cdp");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "cdp_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "cdp launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "cdp launcher");
	RegisterBackgroundWorker(&worker);
}

void
CdpWorkerInit(void)
{
	DefineCustomStringVariable("cdp.database",
							   "Databases whose pending work cdp's background worker does.",
							   "A comma-separated list of database names; each that has "
							   "the extension gets a worker.  Needs "
							   "shared_preload_libraries = 'cdp'.",
							   &cdp_worker_databases,
							   "",
							   PGC_SIGHUP,
							   GUC_LIST_INPUT,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("cdp.naptime",
							"Seconds between the worker's looks for work nobody announced.",
							"Ingestion wakes the worker at once; this is for work that "
							"comes due by time alone (segment windows, history tables, "
							"retention) and for retries.",
							&cdp_worker_naptime,
							10,
							1,
							3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	CdpWorkerWakeInit();
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = request_shmem;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = startup_shmem;
	register_launcher();
}

/*
 * CdpWorkerSlotOf returns the slot of database dboid's worker of a kind, or
 * NULL; the caller holds the lock.
 */
CdpWorkerSlot *
CdpWorkerSlotOf(Oid dboid, CdpWorkerKind kind)
{
	for (int i = 0; i < CDP_WORKER_SLOTS; i++)
		if (cdp_worker_shared->slots[i].dboid == dboid &&
			cdp_worker_shared->slots[i].kind == kind)
			return &cdp_worker_shared->slots[i];
	return NULL;
}
