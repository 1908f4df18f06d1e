/*-------------------------------------------------------------------------
 *
 * worker_status.c
 *	  cdp.worker_processes(): the launcher and each served database's
 *	  workers as the shared state shows them (no rows without
 *	  shared_preload_libraries = 'cdp').
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "worker/worker_internal.h"

PG_FUNCTION_INFO_V1(cdp_worker_processes);

static const char *const state_names[] = {
	[CDP_WORKER_STOPPED] = "stopped",
	[CDP_WORKER_STARTING] = "starting",
	[CDP_WORKER_WORKING] = "working",
	[CDP_WORKER_WAITING] = "waiting",
	[CDP_WORKER_NO_EXTENSION] = "no extension",
};

/* A timestamptz column, NULL when never set. */
static void
put_time(Datum *values, bool *nulls, int column, TimestampTz t)
{
	values[column] = TimestampTzGetDatum(t);
	nulls[column] = (t == 0);
}

Datum
cdp_worker_processes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CdpWorkerSlot slots[CDP_WORKER_SLOTS];
	pid_t		launcher_pid;

	InitMaterializedSRF(fcinfo, 0);
	if (cdp_worker_shared == NULL)
		return (Datum) 0;
	LWLockAcquire(cdp_worker_shared->lock, LW_SHARED);
	memcpy(slots, cdp_worker_shared->slots, sizeof(slots));
	launcher_pid = cdp_worker_shared->launcher_pid;
	LWLockRelease(cdp_worker_shared->lock);

	for (int i = -1; i < CDP_WORKER_SLOTS; i++)
	{
		Datum		values[10];
		bool		nulls[10] = {0};

		if (i >= 0 && slots[i].dboid == InvalidOid)
			continue;
		if (i < 0)
		{
			values[0] = CStringGetTextDatum("launcher");
			values[3] = Int32GetDatum(launcher_pid);
			nulls[3] = (launcher_pid == 0);
			values[4] = CStringGetTextDatum(launcher_pid != 0 ? "running" : "stopped");
			for (int c = 5; c < 10; c++)
				nulls[c] = true;
			nulls[1] = nulls[2] = true;
		}
		else
		{
			values[0] = CStringGetTextDatum("worker");
			values[1] = CStringGetTextDatum(cdp_worker_kind_names[slots[i].kind]);
			values[2] = ObjectIdGetDatum(slots[i].dboid);
			values[3] = Int32GetDatum(slots[i].pid);
			nulls[3] = (slots[i].pid == 0);
			values[4] = CStringGetTextDatum(state_names[slots[i].state]);
			put_time(values, nulls, 5, slots[i].started_at);
			put_time(values, nulls, 6, slots[i].last_wake);
			put_time(values, nulls, 7, slots[i].last_run_end);
			values[8] = Int64GetDatum(slots[i].runs);
			values[9] = Int64GetDatum(slots[i].failures);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
