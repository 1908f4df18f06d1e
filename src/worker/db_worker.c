/*-------------------------------------------------------------------------
 *
 * db_worker.c
 *	  A database's worker of one kind: connects to the database as the
 *	  bootstrap superuser (it must see every profile, whatever row
 *	  security shows sessions), and calls cdp.run_pending() in one short
 *	  transaction after another while it reports more work: batches of
 *	  stitching for the stitch worker, the other jobs in turn for the jobs
 *	  worker.  The delivery worker sends the activation outbox instead
 *	  (src/activation), and leaves the time of its next retry in its slot.  Then it waits a moment for a transaction to announce more
 *	  (its latch), and exits when none does; the launcher starts it again
 *	  when work is announced or cdp.naptime passes.
 *
 * Each call is a transaction of its own: what a call did is committed or,
 * on an error, not done at all, so killing the worker at any point loses
 * nothing and does nothing twice (cdp.run_pending() takes up what is
 * still pending).  An error ends the worker (logged by PostgreSQL, without
 * personal data: cdp's messages carry none); the launcher backs off.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "storage/lmgr.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "activation/activation.h"
#include "http/http.h"
#include "worker/worker_internal.h"

/* How long an idle worker waits for more work before it exits. */
#define IDLE_WAIT_MS	1000

/*
 * How long a worker works before it leaves and lets the launcher start
 * another (at once: the slot says there is more).  PostgreSQL 15 asks no
 * background worker to leave a database being dropped; DROP DATABASE
 * waits five seconds for other sessions to go, and this is its window.
 */
#define WORK_PERIOD_MS	2000

static CdpWorkerSlot *my_slot = NULL;
static bool ran_cleanly = false;

static void
set_state(CdpWorkerState state)
{
	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	my_slot->state = state;
	LWLockRelease(cdp_worker_shared->lock);
}

/* On exit, however it comes: the slot no longer has a process. */
static void
leave_slot(int code, Datum arg pg_attribute_unused())
{
	if (my_slot == NULL)
		return;
	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	my_slot->pid = 0;
	my_slot->latch = NULL;
	if (my_slot->state != CDP_WORKER_NO_EXTENSION)
		my_slot->state = CDP_WORKER_STOPPED;
	if (code != 0 || !ran_cleanly)
	{
		my_slot->failures++;
		my_slot->consecutive_failures++;
	}
	else
		my_slot->consecutive_failures = 0;
	LWLockRelease(cdp_worker_shared->lock);
	if (cdp_worker_shared->launcher_latch != NULL)
		SetLatch(cdp_worker_shared->launcher_latch);
}

/* Takes slot i (the launcher made it); returns its database. */
static Oid
take_slot(int i)
{
	Oid			dboid;

	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	my_slot = &cdp_worker_shared->slots[i];
	dboid = my_slot->dboid;
	if (OidIsValid(dboid) && my_slot->pid == 0)
	{
		my_slot->pid = MyProcPid;
		my_slot->latch = MyLatch;
		my_slot->state = CDP_WORKER_WORKING;
	}
	else
		my_slot = NULL;
	LWLockRelease(cdp_worker_shared->lock);
	return my_slot != NULL ? dboid : InvalidOid;
}

/*
 * Whether the database has a version of cdp that has the worker's jobs
 * (not before the extension is created, nor while it is at 0.1.0).
 */
static bool
extension_ready(void)
{
	Oid			ext = get_extension_oid("cdp", true);
	Oid			nsp;

	if (!OidIsValid(ext))
		return false;

	/*
	 * DROP EXTENSION locks the extension first: holding it shared makes
	 * a drop wait for this transaction instead of deadlocking with it on
	 * the tables, one after another.  Look again once it is held.
	 */
	LockDatabaseObject(ExtensionRelationId, ext, 0, AccessShareLock);
	if (get_extension_oid("cdp", true) != ext)
		return false;
	nsp = get_namespace_oid("cdp", true);
	return OidIsValid(nsp) && OidIsValid(get_relname_relid("worker_jobs", nsp));
}

/*
 * One transaction: query (a cdp.run_pending() call returning whether more
 * is left), if the extension is there.  Returns whether more is left;
 * *ready whether the extension is there.
 */
static bool
run_once(const char *query, bool *ready)
{
	bool		more = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	*ready = extension_ready();
	if (*ready)
	{
		pgstat_report_activity(STATE_RUNNING, query);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute(query, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "cdp.run_pending() failed");
		if (SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			more = !isnull && DatumGetBool(d);
		}
		SPI_finish();
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(true);
	pgstat_report_activity(STATE_IDLE, NULL);
	return more;
}

/* A stitch worker's round: a batch of the queue. */
static bool
stitch_round(bool *ready)
{
	return run_once("SELECT (cdp.run_pending(10000, jobs => ARRAY['stitch'])"
					" OPERATOR(pg_catalog.->>) 'more')::pg_catalog.bool", ready);
}

/* The jobs of the jobs worker, one per round in turn. */
static const char *const other_jobs[] = {
	"profiles", "matches", "computed_traits", "scores", "segments", "stats", "retention"
};

/*
 * A jobs worker's round: the next of its jobs, in a transaction of its
 * own.  Taking them one at a time gives each its turn however long
 * another takes to find its pending work; the turn is kept in the slot, as
 * workers come and go.  Returns whether any may have more: false once a
 * whole turn of rounds found nothing left.
 */
static bool
jobs_round(bool *ready)
{
	static int	rounds_without_more = 0;
	int			job;
	char	   *query;
	bool		more;

	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	job = my_slot->next_job;
	my_slot->next_job = (job + 1) % lengthof(other_jobs);
	LWLockRelease(cdp_worker_shared->lock);

	/*
	 * A budget of seconds: an incremental refresh covers every change
	 * since the last, so fewer, larger refreshes keep up with ingestion.
	 */
	query = psprintf("SELECT (cdp.run_pending(time_budget => '2 seconds', jobs => ARRAY['%s'])"
					 " OPERATOR(pg_catalog.->>) 'more')::pg_catalog.bool", other_jobs[job]);
	more = run_once(query, ready);
	pfree(query);
	rounds_without_more = more ? 0 : rounds_without_more + 1;
	if (rounds_without_more < (int) lengthof(other_jobs))
		return *ready;
	rounds_without_more = 0;
	return false;
}

/*
 * The HTTP worker: serves while cdp.http_listen stays as it was, if the
 * database has the extension.  It keeps its connection: unlike the
 * others, it does not leave for a DROP DATABASE (clear cdp.http_listen).
 */
static void
serve_http(void)
{
	bool		ready;

	StartTransactionCommand();
	ready = extension_ready();
	CommitTransactionCommand();
	if (!ready)
	{
		set_state(CDP_WORKER_NO_EXTENSION);
		proc_exit(0);
	}
	CdpHttpServe();
	ran_cleanly = true;
	proc_exit(0);
}

/*
 * The delivery worker: sends what is due for a work period, then leaves,
 * at once restarted when more is due now, else when its next retry is.
 */
static void
serve_delivery(TimestampTz period_start)
{
	bool		ready;
	bool		more;
	TimestampTz next_due;

	StartTransactionCommand();
	ready = extension_ready() && OidIsValid(get_relname_relid("delivery_batches", get_namespace_oid("cdp", false)));
	CommitTransactionCommand();
	if (!ready)
	{
		set_state(CDP_WORKER_NO_EXTENSION);
		proc_exit(0);
	}
	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	my_slot->wake = false;
	my_slot->next_due = 0;
	LWLockRelease(cdp_worker_shared->lock);
	more = CdpDeliveryServe(TimestampTzPlusMilliseconds(period_start, WORK_PERIOD_MS), &next_due);
	LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
	my_slot->runs++;
	my_slot->last_run_end = GetCurrentTimestamp();
	my_slot->next_due = next_due;
	if (more)
		my_slot->wake = true;
	LWLockRelease(cdp_worker_shared->lock);
	ran_cleanly = true;
	proc_exit(0);
}

void
cdp_db_worker_main(Datum arg)
{
	TimestampTz period_start = GetCurrentTimestamp();
	Oid			dboid;
	bool		(*run_round) (bool *ready);

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	dboid = take_slot(DatumGetInt32(arg));
	if (!OidIsValid(dboid))
		proc_exit(0);			/* the launcher gave the slot up meanwhile */
	before_shmem_exit(leave_slot, 0);
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pgstat_report_appname(MyBgworkerEntry->bgw_type);
	if (my_slot->kind == CDP_WORKER_HTTP)
		serve_http();
	if (my_slot->kind == CDP_WORKER_DELIVERY)
		serve_delivery(period_start);
	run_round = (my_slot->kind == CDP_WORKER_STITCH) ? stitch_round : jobs_round;

	for (;;)
	{
		bool		ready;
		bool		wake;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
		my_slot->wake = false;
		my_slot->state = CDP_WORKER_WORKING;
		LWLockRelease(cdp_worker_shared->lock);

		while (run_round(&ready))
		{
			bool		yield;

			LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
			my_slot->runs++;
			my_slot->last_run_end = GetCurrentTimestamp();
			yield = TimestampDifferenceExceeds(period_start, my_slot->last_run_end, WORK_PERIOD_MS);
			if (yield)
				my_slot->wake = true;
			LWLockRelease(cdp_worker_shared->lock);
			if (yield)
			{
				ran_cleanly = true;
				proc_exit(0);
			}
			CHECK_FOR_INTERRUPTS();
		}
		ran_cleanly = true;
		if (!ready)
		{
			set_state(CDP_WORKER_NO_EXTENSION);
			proc_exit(0);
		}
		LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
		my_slot->runs++;
		my_slot->last_run_end = GetCurrentTimestamp();
		my_slot->state = CDP_WORKER_WAITING;
		wake = my_slot->wake;
		LWLockRelease(cdp_worker_shared->lock);
		if (wake)
			continue;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 IDLE_WAIT_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		LWLockAcquire(cdp_worker_shared->lock, LW_EXCLUSIVE);
		wake = my_slot->wake;
		LWLockRelease(cdp_worker_shared->lock);
		if (!wake && !ConfigReloadPending)
			proc_exit(0);
	}
}
