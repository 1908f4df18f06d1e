/*-------------------------------------------------------------------------
 *
 * event_forward.c
 *	  New events into the activation outbox of the destinations that
 *	  forward them (cdp.forward_events(); the filters are matched by
 *	  cdp.outbox_events(), src/activation/outbox.sql), in the ingesting
 *	  transaction.  Nothing is done while no destination forwards events.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "activation/activation.h"
#include "ingest/ingest_internal.h"

static CdpPlanCache forward_plan;

void
CdpForwardEvents(const CdpSource *source, const CdpEvent *events, int n, const int64 *event_ids)
{
	int64	   *ids;
	Datum	   *times;
	Datum	   *types;
	Datum	   *names;
	bool	   *name_nulls;
	int			m = 0;
	Oid			argtypes[5] = {INT4OID, INT8ARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		args[5];
	int			dims[1];
	int			lbs[1] = {1};

	if (!CdpEventsForwarded())
		return;
	ids = palloc(Max(n, 1) * sizeof(int64));
	times = palloc(Max(n, 1) * sizeof(Datum));
	types = palloc(Max(n, 1) * sizeof(Datum));
	names = palloc(Max(n, 1) * sizeof(Datum));
	name_nulls = palloc(Max(n, 1) * sizeof(bool));
	for (int i = 0; i < n; i++)
	{
		if (event_ids[i] == 0)
			continue;
		ids[m] = event_ids[i];
		times[m] = TimestampTzGetDatum(events[i].occurred_at);
		types[m] = CStringGetTextDatum(events[i].type);
		name_nulls[m] = (events[i].event == NULL);
		names[m] = name_nulls[m] ? (Datum) 0 : PointerGetDatum(events[i].event);
		m++;
	}
	if (m == 0)
		return;
	dims[0] = m;
	args[0] = Int32GetDatum(source->source_id);
	args[1] = CdpInt8Array(ids, m);
	args[2] = CdpDatumArray(times, m, TIMESTAMPTZOID);
	args[3] = CdpDatumArray(types, m, TEXTOID);
	args[4] = PointerGetDatum(construct_md_array(names, name_nulls, 1, dims, lbs, TEXTOID, -1, false,
												 TYPALIGN_INT));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	CdpExecute(CdpPlan(&forward_plan, "SELECT cdp.outbox_events($1, $2, $3, $4, $5)", 5, argtypes),
			   args, SPI_OK_SELECT);
	SPI_finish();
}
