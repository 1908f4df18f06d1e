/*-------------------------------------------------------------------------
 *
 * stitch_queue.c
 *	  Deferred stitching: events ingested with cdp.inline_stitching off
 *	  wait in cdp.stitch_queue until cdp.stitch_pending() stitches them,
 *	  oldest first.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "identity/identity_internal.h"

PG_FUNCTION_INFO_V1(cdp_stitch_pending);

/* Queue reads by [own events only][source trust known], see queue_plan. */
static CdpPlanCache queue_plans[2][2];
static CdpPlanCache dequeue_plan;

/* CdpStitchEnqueue queues events[0..n) for cdp.stitch_pending(). */
void
CdpStitchEnqueue(const CdpStitchEvent *events, int n)
{
	static const char *const columns[] = {"event_id", "occurred_at"};
	CdpBulkInsert *bulk = CdpBulkInsertBegin(CdpRelationOid("stitch_queue"), columns,
											 lengthof(columns));
	bool		nulls[2] = {0};

	for (int i = 0; i < n; i++)
	{
		Datum		values[2];

		values[0] = Int64GetDatum(events[i].event_id);
		values[1] = TimestampTzGetDatum(events[i].occurred_at);
		CdpBulkInsertRow(bulk, values, nulls);
	}
	CdpBulkInsertEnd(bulk);
}

/*
 * The statement that reads queued events in event id order, as evidence:
 * the event, its traits when it identifies its anchor, and whether it is an
 * alias from a source trusted to join beyond kind limits (0.1.0 has no
 * source trust: its aliases do).  All queued events, up to $1; or, with
 * own, those after event id $1, up to $2, with the queue row's xmin.
 */
static SPIPlanPtr
queue_plan(bool own)
{
	static const Oid argtypes[2][2] = {{INT4OID}, {INT8OID, INT4OID}};
	bool		trust = get_attnum(CdpRelationOid("sources"), "trusted_aliases") != InvalidAttrNumber;
	char	   *query;

	query = psprintf("SELECT e.event_id, e.source_id, e.occurred_at, e.type, e.identifiers,"
					 "       CASE WHEN e.type = 'identify' AND e.anchor IS NOT NULL"
					 "            AND e.identifiers[1] OPERATOR(cdp.=) e.anchor"
					 "            AND pg_catalog.jsonb_typeof(e.payload->'traits') = 'object'"
					 "            THEN e.payload->'traits' END,"
					 "       e.type = 'alias' AND %s,"
					 "       e.payload->'context'->'consent'->'categoryPreferences' IS NOT NULL%s"
					 " FROM cdp.stitch_queue q"
					 " JOIN cdp.events e ON e.event_id = q.event_id AND e.occurred_at = q.occurred_at"
					 "%s",
					 trust ? "(SELECT s.trusted_aliases FROM cdp.sources s WHERE s.source_id = e.source_id)"
					 : "true",
					 own ? ", q.xmin" : "",
					 own ? " WHERE q.event_id > $1 ORDER BY q.event_id LIMIT $2"
					 : " ORDER BY q.event_id LIMIT $1");
	return CdpPlan(&queue_plans[own][trust], query, own ? 2 : 1, argtypes[own]);
}

/*
 * Runs plan, a query of queued events in event id order, and makes
 * evidence of its rows, and their ids in done[0..); returns how many.
 * With own, only the rows this transaction queued are kept.  *last is
 * the event id of the last row read (kept or not), *nread how many rows
 * were read.
 */
static int32
read_queue(SPIPlanPtr plan, const Datum *args, bool own, CdpStitchEvent **events,
		   int64 **done, uint64 *nread, int64 *last)
{
	Oid			ident_type = CdpTypeOid("ident");
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int32		n = 0;

	CdpExecute(plan, args, SPI_OK_SELECT);
	*nread = SPI_processed;
	*events = palloc0(Max(SPI_processed, 1) * sizeof(CdpStitchEvent));
	*done = palloc(Max(SPI_processed, 1) * sizeof(int64));
	get_typlenbyvalalign(ident_type, &typlen, &typbyval, &typalign);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		CdpStitchEvent *ev = &(*events)[n];
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		alias;
		Datum		traits;
		Datum		trusted_alias;

		*last = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		if (own &&
			!TransactionIdIsCurrentTransactionId(DatumGetTransactionId(SPI_getbinval(tuple, desc, 9,
																					  &isnull))))
			continue;
		alias = (strcmp(SPI_getvalue(tuple, desc, 4), "alias") == 0);
		(*done)[n] = *last;
		ev->event_id = *last;
		ev->source_id = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		ev->occurred_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 3, &isnull));
		ev->rule = alias ? "alias" : "event";
		/* An alias joins beyond kind limits when its source is trusted. */
		trusted_alias = SPI_getbinval(tuple, desc, 7, &isnull);
		ev->enforce_limits = isnull || !DatumGetBool(trusted_alias);
		deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tuple, desc, 5, &isnull)), ident_type,
						  typlen, typbyval, typalign, &ev->identifiers, NULL,
						  &ev->nidentifiers);
		traits = SPI_getbinval(tuple, desc, 6, &isnull);
		ev->traits = isnull ? NULL : DatumGetJsonbP(traits);
		ev->consent = DatumGetBool(SPI_getbinval(tuple, desc, 8, &isnull));
		n++;
	}
	return n;
}

/* Removes the events done[0..n) from the queue. */
static void
dequeue(const int64 *done, int32 n)
{
	Oid			argtype = INT8ARRAYOID;
	Datum		arg = CdpInt8Array(done, n);

	CdpExecute(CdpPlan(&dequeue_plan, "DELETE FROM cdp.stitch_queue WHERE event_id = ANY ($1)",
					   1, &argtype),
			   &arg, SPI_OK_DELETE);
}

/*
 * CdpStitchOwnQueued stitches the events this transaction queued, those
 * with event ids from first on, chunk at a time, and removes them from the
 * queue.  Each chunk's memory is freed before the next.
 */
void
CdpStitchOwnQueued(int64 first, int32 chunk)
{
	Datum		args[2];
	uint64		nread;
	int64		last = first - 1;

	do
	{
		CdpStitchEvent *events;
		int64	   *done;
		CdpStitchStats stats = {0};
		int32		n;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		args[0] = Int64GetDatum(last);
		args[1] = Int32GetDatum(chunk);
		n = read_queue(queue_plan(true), args, true, &events, &done, &nread, &last);
		CdpStitch(events, n, &stats);
		dequeue(done, n);
		SPI_finish();
	} while (nread == (uint64) chunk);
}

/*
 * cdp.stitch_pending(max_events): stitches up to max_events queued events,
 * oldest first, and removes them from the queue.
 */
Datum
cdp_stitch_pending(PG_FUNCTION_ARGS)
{
	int32		max_events;
	Datum		arg;
	CdpStitchEvent *events;
	int64	   *done;
	CdpStitchStats stats = {0};
	int32		n;
	uint64		nread;
	int64		last;
	char	   *json;
	Datum		out;

	CdpRequireArgument(fcinfo, 0, "max_events");
	max_events = PG_GETARG_INT32(0);
	if (max_events < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_events must be at least 1")));

	SPI_connect();
	CdpGraphLockExclusive();
	arg = Int32GetDatum(max_events);
	n = read_queue(queue_plan(false), &arg, false, &events, &done, &nread, &last);
	CdpStitch(events, n, &stats);
	dequeue(done, n);

	json = psprintf("{\"events\": %d, \"new_identities\": " INT64_FORMAT
					", \"new_profiles\": " INT64_FORMAT ", \"merges\": " INT64_FORMAT
					", \"new_links\": " INT64_FORMAT ", \"refused_links\": " INT64_FORMAT "}",
					n, stats.new_identities, stats.new_profiles, stats.merges,
					stats.new_edges, stats.refused);
	out = SPI_datumTransfer(CdpJsonbFromString(json), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}
