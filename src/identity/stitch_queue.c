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

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "identity/identity_internal.h"

PG_FUNCTION_INFO_V1(cdp_stitch_pending);

static CdpPlanCache pending_plan;
static CdpPlanCache pending_plan_0_1_0;
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
 * Reads up to max_events queued events, oldest first, as evidence, and
 * their ids into done[0..); returns how many.
 */
static int32
read_queue(int32 max_events, CdpStitchEvent **events, int64 **done)
{
	Oid			argtype = INT4OID;
	Datum		arg = Int32GetDatum(max_events);
	Oid			ident_type = CdpTypeOid("ident");
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int32		n;

	/* 0.1.0 has no source trust: its aliases join beyond limits. */
	bool		trust = get_attnum(CdpRelationOid("sources"), "trusted_aliases") != InvalidAttrNumber;

	CdpExecute(CdpPlan(trust ? &pending_plan : &pending_plan_0_1_0,
					   psprintf("SELECT e.event_id, e.source_id, e.occurred_at, e.type, e.identifiers,"
								"       CASE WHEN e.type = 'identify' AND e.anchor IS NOT NULL"
								"            AND e.identifiers[1] OPERATOR(cdp.=) e.anchor"
								"            AND pg_catalog.jsonb_typeof(e.payload->'traits') = 'object'"
								"            THEN e.payload->'traits' END,"
								"       e.type = 'alias' AND %s"
								" FROM cdp.stitch_queue q"
								" JOIN cdp.events e ON e.event_id = q.event_id AND e.occurred_at = q.occurred_at"
								" ORDER BY q.event_id LIMIT $1",
								trust ? "(SELECT s.trusted_aliases FROM cdp.sources s"
								" WHERE s.source_id = e.source_id)" : "true"),
					   1, &argtype),
			   &arg, SPI_OK_SELECT);
	n = SPI_processed;
	*events = palloc0(Max(n, 1) * sizeof(CdpStitchEvent));
	*done = palloc(Max(n, 1) * sizeof(int64));
	get_typlenbyvalalign(ident_type, &typlen, &typbyval, &typalign);
	for (int32 i = 0; i < n; i++)
	{
		CdpStitchEvent *ev = &(*events)[i];
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		alias = (strcmp(SPI_getvalue(tuple, desc, 4), "alias") == 0);
		Datum		traits;
		Datum		trusted_alias = SPI_getbinval(tuple, desc, 7, &isnull);

		(*done)[i] = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		ev->event_id = (*done)[i];
		ev->source_id = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		ev->occurred_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 3, &isnull));
		ev->rule = alias ? "alias" : "event";
		/* An alias joins beyond kind limits when its source is trusted. */
		ev->enforce_limits = isnull || !DatumGetBool(trusted_alias);
		deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tuple, desc, 5, &isnull)), ident_type,
						  typlen, typbyval, typalign, &ev->identifiers, NULL,
						  &ev->nidentifiers);
		traits = SPI_getbinval(tuple, desc, 6, &isnull);
		ev->traits = isnull ? NULL : DatumGetJsonbP(traits);
	}
	return n;
}

/*
 * cdp.stitch_pending(max_events): stitches up to max_events queued events,
 * oldest first, and removes them from the queue.
 */
Datum
cdp_stitch_pending(PG_FUNCTION_ARGS)
{
	int32		max_events;
	Oid			argtype = INT8ARRAYOID;
	Datum		arg;
	CdpStitchEvent *events;
	int64	   *done;
	CdpStitchStats stats = {0};
	int32		n;
	char	   *json;
	Datum		out;

	CdpRequireArgument(fcinfo, 0, "max_events");
	max_events = PG_GETARG_INT32(0);
	if (max_events < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_events must be at least 1")));

	SPI_connect();
	CdpStitchLock();
	n = read_queue(max_events, &events, &done);
	CdpStitch(events, n, &stats);

	arg = CdpInt8Array(done, n);
	CdpExecute(CdpPlan(&dequeue_plan, "DELETE FROM cdp.stitch_queue WHERE event_id = ANY ($1)",
					   1, &argtype),
			   &arg, SPI_OK_DELETE);

	json = psprintf("{\"events\": %d, \"new_identities\": " INT64_FORMAT
					", \"new_profiles\": " INT64_FORMAT ", \"merges\": " INT64_FORMAT
					", \"new_links\": " INT64_FORMAT ", \"refused_links\": " INT64_FORMAT "}",
					n, stats.new_identities, stats.new_profiles, stats.merges,
					stats.new_edges, stats.refused);
	out = SPI_datumTransfer(CdpJsonbFromString(json), false, -1);
	SPI_finish();
	PG_RETURN_DATUM(out);
}
