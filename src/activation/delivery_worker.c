/*-------------------------------------------------------------------------
 *
 * delivery_worker.c
 *	  The delivery worker's loop: claims requests (cdp.delivery_claim(),
 *	  one per destination at a time, which keeps each destination's order),
 *	  sends them all at once through one libcurl multi handle, and records
 *	  each outcome (cdp.delivery_finish()) as it comes, so that a slow or
 *	  failing destination holds up no other.
 *
 * Claiming and recording are short transactions of their own; nothing is
 * sent inside one.  A request is marked in flight when claimed: should
 * the worker die before its outcome is recorded, the next worker sends it
 * again, unchanged (same body, same Idempotency-Key): at least once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "storage/ipc.h"
#include "storage/pmsignal.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "activation/activation_internal.h"

/* How often the latch is looked at while requests are in flight. */
#define POLL_MS			100

/* Nothing due within this long: the worker leaves (the launcher returns). */
#define LINGER_MS		2000

/* A claim that found nothing sendable although rows wait: look again after. */
#define RECHECK_MS		200

typedef struct Inflight
{
	int			n;
	int			size;
	CdpDeliveryRequest **requests;
} Inflight;

/* The context the loop works in, current again after each transaction. */
static MemoryContext loop_cxt;

static void
begin_transaction(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

static void
end_transaction(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(loop_cxt);
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* The destinations with a request in flight, as an int4[]. */
static Datum
busy_destinations(const Inflight *inflight)
{
	int32	   *ids = palloc(Max(inflight->n, 1) * sizeof(int32));

	for (int i = 0; i < inflight->n; i++)
		ids[i] = inflight->requests[i]->destination_id;
	return CdpInt4Array(ids, inflight->n);
}

/* One row of cdp.delivery_claim() as a batch (in the current context). */
static void
read_claimed(HeapTuple tuple, TupleDesc desc, CdpClaimedBatch *batch)
{
	bool		isnull;
	Datum		d;

	batch->batch_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	batch->destination_id = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
	batch->method = SPI_getvalue(tuple, desc, 3);
	batch->url = SPI_getvalue(tuple, desc, 4);
	d = SPI_getbinval(tuple, desc, 5, &isnull);
	batch->nheaders = 0;
	batch->headers = NULL;
	if (!isnull)
	{
		Datum	   *elems;
		bool	   *nulls;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &batch->nheaders);
		batch->headers = palloc(Max(batch->nheaders, 1) * sizeof(char *));
		for (int i = 0; i < batch->nheaders; i++)
			batch->headers[i] = TextDatumGetCString(elems[i]);
	}
	batch->body = SPI_getvalue(tuple, desc, 6);
	batch->idempotency_key = SPI_getvalue(tuple, desc, 7);
	d = SPI_getbinval(tuple, desc, 8, &isnull);
	batch->secret = NULL;
	batch->secret_len = 0;
	if (!isnull)
	{
		bytea	   *secret = DatumGetByteaPP(d);

		batch->secret = (const uint8 *) VARDATA_ANY(secret);
		batch->secret_len = VARSIZE_ANY_EXHDR(secret);
	}
	batch->timeout_ms = DatumGetInt32(SPI_getbinval(tuple, desc, 9, &isnull));
}

/*
 * Claims what is due, starts sending it, and returns when more is due
 * (0: nothing waits).  Sets *progress when something was claimed or
 * delivered in place (a table destination).
 */
static TimestampTz
claim(CURLM *multi, Inflight *inflight, bool recover, bool *progress)
{
	Oid			argtypes[2] = {INT4ARRAYOID, BOOLOID};
	Datum		args[2];
	TimestampTz next_due = 0;
	bool		isnull;
	Datum		due;

	begin_transaction("cdp delivery: claim");
	args[0] = busy_destinations(inflight);
	args[1] = BoolGetDatum(recover);
	if (SPI_execute_with_args("SELECT * FROM cdp.delivery_claim($1, $2)", 2, argtypes, args,
							  NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "cdp.delivery_claim() failed");
	*progress = SPI_processed > 0;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		CdpClaimedBatch batch;

		if (SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull), isnull)
			continue;			/* delivered in place: a table destination */
		read_claimed(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, &batch);
		if (inflight->n == inflight->size)
		{
			inflight->size *= 2;
			inflight->requests = repalloc(inflight->requests,
										  inflight->size * sizeof(CdpDeliveryRequest *));
		}
		inflight->requests[inflight->n++] = CdpDeliveryRequestStart(multi, &batch);
	}
	args[0] = busy_destinations(inflight);
	if (SPI_execute_with_args("SELECT cdp.delivery_next_due($1)", 1, argtypes, args,
							  NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cdp.delivery_next_due() failed");
	due = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		next_due = DatumGetTimestampTz(due);
	end_transaction();
	return next_due;
}

/* Records the outcomes of the finished requests, and forgets them. */
static void
finish(CURLM *multi, Inflight *inflight, CdpDeliveryRequest **done, int ndone)
{
	Oid			argtypes[4] = {INT8ARRAYOID, INT4ARRAYOID, TEXTARRAYOID, INT4ARRAYOID};
	Datum		args[4];
	int64	   *ids = palloc(ndone * sizeof(int64));
	int32	   *statuses = palloc(ndone * sizeof(int32));
	int32	   *waits = palloc(ndone * sizeof(int32));
	Datum	   *errors = palloc(ndone * sizeof(Datum));

	for (int i = 0; i < ndone; i++)
	{
		ids[i] = done[i]->batch_id;
		statuses[i] = done[i]->status;
		waits[i] = done[i]->retry_after;
		errors[i] = CStringGetTextDatum(done[i]->error != NULL ? done[i]->error : "");
	}
	begin_transaction("cdp delivery: record outcomes");
	args[0] = CdpInt8Array(ids, ndone);
	args[1] = CdpInt4Array(statuses, ndone);
	args[2] = CdpDatumArray(errors, ndone, TEXTOID);
	args[3] = CdpInt4Array(waits, ndone);
	if (SPI_execute_with_args("SELECT cdp.delivery_finish($1, $2, $3, $4)", 4, argtypes, args,
							  NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "cdp.delivery_finish() failed");
	end_transaction();

	for (int i = 0; i < ndone; i++)
	{
		for (int k = 0; k < inflight->n; k++)
			if (inflight->requests[k] == done[i])
			{
				inflight->requests[k] = inflight->requests[--inflight->n];
				break;
			}
		CdpDeliveryRequestFree(multi, done[i]);
	}
}

/* The requests libcurl has finished, with their outcomes recorded. */
static int
collect_done(CURLM *multi, CdpDeliveryRequest **done, int max)
{
	CURLMsg    *msg;
	int			left;
	int			n = 0;

	while (n < max && (msg = curl_multi_info_read(multi, &left)) != NULL)
	{
		CdpDeliveryRequest *request;

		if (msg->msg != CURLMSG_DONE)
			continue;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &request) != CURLE_OK)
			elog(ERROR, "curl_easy_getinfo(CURLINFO_PRIVATE) failed");
		CdpDeliveryRequestDone(request, msg->data.result);
		done[n++] = request;
	}
	return n;
}

static long
ms_until(TimestampTz when, TimestampTz now)
{
	if (when <= now)
		return 0;
	return (long) Min((when - now) / 1000, (TimestampTz) 24 * 3600 * 1000);
}

bool
CdpDeliveryServe(TimestampTz period_end, TimestampTz *next_due)
{
	static bool curl_ready = false;
	CURLM	   *multi;
	Inflight	inflight;
	bool		recover = true;
	bool		want_claim = true;
	TimestampTz due = 0;

	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			elog(ERROR, "curl_global_init failed");
		curl_ready = true;
	}
	/*
	 * The worker's own commits need not wait for the WAL flush: a claim or
	 * an outcome lost in a crash only makes a request go again (the outbox
	 * rows stay until an outcome is durable), so at least once holds, and
	 * a table destination's rows go with their outbox rows or not at all.
	 * What writes the outbox commits as its session says.
	 */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
	multi = curl_multi_init();
	if (multi == NULL)
		elog(ERROR, "curl_multi_init failed");
	inflight.n = 0;
	inflight.size = 16;
	inflight.requests = MemoryContextAlloc(TopMemoryContext, inflight.size * sizeof(CdpDeliveryRequest *));
	loop_cxt = AllocSetContextCreate(TopMemoryContext, "cdp delivery loop", ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		TimestampTz now;
		int			running;
		CdpDeliveryRequest *done[64];
		int			ndone;
		bool		leaving;

		CHECK_FOR_INTERRUPTS();
		/* curl_multi_poll does not watch the postmaster as WaitLatch does */
		if (!PostmasterIsAlive())
			proc_exit(1);
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MemoryContextReset(loop_cxt);
		MemoryContextSwitchTo(loop_cxt);
		now = GetCurrentTimestamp();
		leaving = now >= period_end;
		if (!leaving && (want_claim || (due != 0 && due <= now)))
		{
			bool		progress;

			ResetLatch(MyLatch);
			due = claim(multi, &inflight, recover, &progress);
			recover = false;
			want_claim = false;
			/* Rows wait, but none could be sent (an event not stitched yet). */
			if (!progress && due != 0 && due <= now)
				due = TimestampTzPlusMilliseconds(now, RECHECK_MS);
			else if (progress && due != 0 && due <= now)
				want_claim = true;
		}
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			elog(ERROR, "curl_multi_perform failed");
		while ((ndone = collect_done(multi, done, lengthof(done))) > 0)
		{
			finish(multi, &inflight, done, ndone);
			want_claim = true;
		}
		if (inflight.n == 0)
		{
			now = GetCurrentTimestamp();
			if (leaving)
				break;
			if (!want_claim && !MyLatch->is_set &&
				(due == 0 || ms_until(due, now) > LINGER_MS))
				break;
			/* Something is due within LINGER_MS, or the latch is set. */
			if (!want_claim)
				(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
								 due == 0 ? 0 : Max(ms_until(due, now), 1), PG_WAIT_EXTENSION);
		}
		else
		{
			long		wait_ms = POLL_MS;

			if (due != 0 && !leaving)
				wait_ms = Min(wait_ms, Max(ms_until(due, GetCurrentTimestamp()), 1));
			if (curl_multi_poll(multi, NULL, 0, (int) wait_ms, NULL) != CURLM_OK)
				elog(ERROR, "curl_multi_poll failed");
		}
		if (MyLatch->is_set)
			want_claim = true;
	}
	MemoryContextSwitchTo(TopMemoryContext);
	MemoryContextDelete(loop_cxt);
	pfree(inflight.requests);
	curl_multi_cleanup(multi);
	*next_due = due;
	return due != 0 && due <= GetCurrentTimestamp();
}
