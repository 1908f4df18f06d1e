/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The launcher: one process per server (shared_preload_libraries =
 *	  'cdp'), connected to no database.  It keeps a worker of each kind
 *	  (worker_internal.h) running for each database of cdp.database that
 *	  needs one: when a transaction there announced work of that kind (its
 *	  latch is set by worker_wake.c), and at least every cdp.naptime for
 *	  work that comes due by time.  After a worker fails it waits longer
 *	  each time (up to 32 naptimes) before the next of its kind.
 *
 * Workers exit when they have been idle a moment, or have worked two
 * seconds (and are started again at once), so that a database can be
 * dropped: PostgreSQL 15 does not ask background workers to leave.  A
 * database that is dropped or removed from cdp.database loses its slot.
 * Learnt from pg_cron's launcher and src/test/modules/worker_spi.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "http/http.h"
#include "worker/worker_internal.h"

/* The launcher's own view of each slot's worker (handles are per process). */
static BackgroundWorkerHandle *handles[CDP_WORKER_SLOTS];
static TimestampTz next_start[CDP_WORKER_SLOTS];

/*
 * The OIDs of the databases named in cdp.database that exist, and in
 * *http_db the one the HTTP server serves (cdp.http_database, else the
 * first named; InvalidOid: none, or no server).  pg_database is read by a
 * plain scan, as the autovacuum launcher does: a process connected to no
 * database has only the shared catalogs.
 */
static int
served_databases(Oid *oids, Oid *http_db)
{
	char	   *names = pstrdup(cdp_worker_databases ? cdp_worker_databases : "");
	List	   *list;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;
	int			n = 0;

	if (!SplitIdentifierString(names, ',', &list))
	{
		ereport(LOG,
				(errmsg("cdp launcher: cdp.database is not a list of database names")));
		return 0;
	}
	*http_db = InvalidOid;
	if (list == NIL)
		return 0;
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL && n < CDP_WORKER_DATABASES)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		ListCell   *lc;

		foreach(lc, list)
			if (strcmp(NameStr(db->datname), (char *) lfirst(lc)) == 0)
			{
				oids[n++] = db->oid;
				if (cdp_http_listen[0] != '\0' &&
					strcmp(NameStr(db->datname),
						   cdp_http_database[0] != '\0' ? cdp_http_database
						   : (char *) linitial(list)) == 0)
					*http_db = db->oid;
			}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return n;
}

/*
 * Frees the slots of databases no longer served (or no longer served over
 * HTTP, for the HTTP worker), stopping their workers.
 */
static void
release_slots(const Oid *oids, int n, Oid http_db)
{
	for (int i = 0; i < CDP_WORKER_SLOTS; i++)
	{
		CdpWorkerSlot *slot = &cdp_worker_shared->slots[i];
		bool		served = false;

		for (int k = 0; k < n; k++)
			served |= (slot->dboid == oids[k]);
		if (slot->kind == CDP_WORKER_HTTP)
			served &= (slot->dboid == http_db && slot->instance < cdp_http_workers);
		if (slot->dboid == InvalidOid || served)
			continue;
		if (handles[i] != NULL)
		{
			TerminateBackgroundWorker(handles[i]);
			pfree(handles[i]);
			handles[i] = NULL;
		}
		LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
		memset(slot, 0, sizeof(*slot));
		LWLockRelease(cdp_worker_shared->lock);
	}
}

/*
 * The slot of dboid's worker of a kind (and instance), taken when it has
 * none; -1 when all are taken.
 */
static int
slot_index(Oid dboid, CdpWorkerKind kind, int instance)
{
	int			free_index = -1;

	for (int i = 0; i < CDP_WORKER_SLOTS; i++)
	{
		CdpWorkerSlot *slot = &cdp_worker_shared->slots[i];

		if (slot->dboid == dboid && slot->kind == kind && slot->instance == instance)
			return i;
		if (free_index < 0 && slot->dboid == InvalidOid)
			free_index = i;
	}
	if (free_index >= 0)
	{
		LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
		memset(&cdp_worker_shared->slots[free_index], 0, sizeof(CdpWorkerSlot));
		cdp_worker_shared->slots[free_index].dboid = dboid;
		cdp_worker_shared->slots[free_index].kind = kind;
		cdp_worker_shared->slots[free_index].instance = instance;
		LWLockRelease(cdp_worker_shared->lock);
		next_start[free_index] = 0;
	}
	return free_index;
}

/* Whether slot i's worker process is alive (forgetting it when not). */
static bool
worker_alive(int i)
{
	pid_t		pid;

	if (handles[i] == NULL)
		return false;
	if (GetBackgroundWorkerPid(handles[i], &pid) != BGWH_STOPPED)
		return true;
	pfree(handles[i]);
	handles[i] = NULL;
	return false;
}

/* Asks the postmaster for a worker for slot i. */
static void
start_worker(int i, TimestampTz now)
{
	CdpWorkerSlot *slot = &cdp_worker_shared->slots[i];
	BackgroundWorker worker;
	int			backoff;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "cdp");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "cdp_db_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "cdp %s worker for database %u",
			 cdp_worker_kind_names[slot->kind], slot->dboid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "cdp %s worker", cdp_worker_kind_names[slot->kind]);
	worker.bgw_main_arg = Int32GetDatum(i);
	worker.bgw_notify_pid = MyProcPid;

	/* A worker that ends in error makes the next one wait longer. */
	backoff = cdp_worker_naptime * (1 << Min(slot->consecutive_failures, 5));
	next_start[i] = TimestampTzPlusMilliseconds(now, (int64) backoff * 1000);
	if (!RegisterDynamicBackgroundWorker(&worker, &handles[i]))
	{
		handles[i] = NULL;
		ereport(LOG,
				(errmsg("cdp launcher: no background worker slot free for the %s worker of database %u",
						cdp_worker_kind_names[slot->kind], slot->dboid),
				 errhint("Raise max_worker_processes.")));
		return;
	}
	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	slot->state = CDP_WORKER_STARTING;
	slot->started_at = now;
	LWLockRelease(cdp_worker_shared->lock);
}

/*
 * Keeps dboid's worker of a kind (and instance) running: starts it when it
 * is not, and work was announced or its next start is due.  Lowers
 * *wait_ms to when that start is due.
 */
static void
keep_worker(Oid dboid, CdpWorkerKind kind, int instance, TimestampTz now, long *wait_ms)
{
	int			i = slot_index(dboid, kind, instance);
	bool		wake;
	TimestampTz due;

	if (i < 0 || worker_alive(i))
		return;
	LWLockAcquire(cdp_worker_shared->lock, LW_SHARED);
	wake = cdp_worker_shared->slots[i].wake &&
		cdp_worker_shared->slots[i].consecutive_failures == 0;
	due = cdp_worker_shared->slots[i].next_due;
	LWLockRelease(cdp_worker_shared->lock);
	if (wake || now >= next_start[i] || (due != 0 && now >= due))
		start_worker(i, now);
	else
	{
		TimestampTz next = (due != 0) ? Min(due, next_start[i]) : next_start[i];

		*wait_ms = Min(*wait_ms, Max((long) ((next - now) / 1000), 1));
	}
}

/*
 * One round: serve the listed databases, starting the workers due: the
 * stitch, jobs and delivery workers of each, the HTTP workers of the one served over
 * HTTP.  Returns the milliseconds until the next start is due.
 */
static long
launch_round(void)
{
	Oid			oids[CDP_WORKER_DATABASES];
	Oid			http_db;
	int			n = served_databases(oids, &http_db);
	TimestampTz now = GetCurrentTimestamp();
	long		wait_ms = (long) cdp_worker_naptime * 1000;

	release_slots(oids, n, http_db);
	for (int k = 0; k < n; k++)
	{
		keep_worker(oids[k], CDP_WORKER_STITCH, 0, now, &wait_ms);
		keep_worker(oids[k], CDP_WORKER_JOBS, 0, now, &wait_ms);
		keep_worker(oids[k], CDP_WORKER_DELIVERY, 0, now, &wait_ms);
		for (int instance = 0; oids[k] == http_db && instance < cdp_http_workers; instance++)
			keep_worker(oids[k], CDP_WORKER_HTTP, instance, now, &wait_ms);
	}
	return wait_ms;
}

void
cdp_launcher_main(Datum arg pg_attribute_unused())
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	/* Shared catalogs only: pg_database, to find the listed databases. */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("cdp launcher");

	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	cdp_worker_shared->launcher_pid = MyProcPid;
	cdp_worker_shared->launcher_latch = MyLatch;
	/* Workers of a launcher that crashed died with it. */
	for (int i = 0; i < CDP_WORKER_SLOTS; i++)
	{
		cdp_worker_shared->slots[i].pid = 0;
		cdp_worker_shared->slots[i].latch = NULL;
		cdp_worker_shared->slots[i].state = CDP_WORKER_STOPPED;
	}
	LWLockRelease(cdp_worker_shared->lock);
	ereport(LOG, (errmsg("cdp launcher started")));

	for (;;)
	{
		long		wait_ms;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		wait_ms = launch_round();
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 wait_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
