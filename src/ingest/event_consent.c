/*-------------------------------------------------------------------------
 *
 * event_consent.c
 *	  Consent carried by events: the context.consent.categoryPreferences of
 *	  the Segment spec, recorded in cdp.consents for the event's
 *	  identifiers when the event is stored (cdp.record_event_consents(),
 *	  src/consent/consent_api.sql maps the categories to purposes).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "ingest/ingest_internal.h"

static CdpPlanCache record_plan;

/*
 * CdpRecordEventConsents records the consents of the new events among
 * events[0..n) (event_ids[i] != 0); one statement for the batch, none when
 * no event carries consent or the installed version has no consent.
 */
void
CdpRecordEventConsents(const CdpEvent *events, int n, const int64 *event_ids)
{
	int64	   *ids = palloc(Max(n, 1) * sizeof(int64));
	Datum	   *times = palloc(Max(n, 1) * sizeof(Datum));
	int			m = 0;
	Oid			argtypes[2] = {INT8ARRAYOID, TIMESTAMPTZARRAYOID};
	Datum		args[2];

	for (int i = 0; i < n; i++)
	{
		if (event_ids[i] == 0 || !events[i].has_consent)
			continue;
		ids[m] = event_ids[i];
		times[m] = TimestampTzGetDatum(events[i].occurred_at);
		m++;
	}
	if (m == 0 || !OidIsValid(get_relname_relid("identifier_consents", CdpSchemaOid())))
		return;
	args[0] = CdpInt8Array(ids, m);
	args[1] = CdpDatumArray(times, m, TIMESTAMPTZOID);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	CdpExecute(CdpPlan(&record_plan, "SELECT cdp.record_event_consents($1, $2)", 2, argtypes),
			   args, SPI_OK_SELECT);
	SPI_finish();
}
