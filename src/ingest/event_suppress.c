/*-------------------------------------------------------------------------
 *
 * event_suppress.c
 *	  Ingestion drops the events of erased people: an event carrying an
 *	  identifier whose HMAC is in cdp.suppressions (src/consent) is never
 *	  stored, and counted per source and day in cdp.suppressed_events.
 *
 * The check runs on every event once its identifiers are known and
 * before anything is written, under the erasure lock taken shared (see
 * src/consent/suppression.c): an erasure under way is waited for, and
 * none starts until the ingesting transaction ends.  No identifier is
 * logged; only the count is kept.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"

#include "consent/consent.h"
#include "ingest/ingest_internal.h"

static CdpPlanCache count_plan;

/* Whether the event carries a suppressed identifier. */
static bool
event_suppressed(CdpSuppressionCheck *check, const CdpEvent *event)
{
	for (int i = 0; i < event->nidentifiers; i++)
		if (CdpIdentSuppressed(check, event->identifiers[i]))
			return true;
	return false;
}

/* Adds ndropped to the source's count of the day (UTC) of received_at. */
static void
count_dropped(const CdpSource *source, TimestampTz received_at, int ndropped)
{
	Oid			argtypes[3] = {INT4OID, TIMESTAMPTZOID, INT8OID};
	Datum		args[3];

	args[0] = Int32GetDatum(source->source_id);
	args[1] = TimestampTzGetDatum(received_at);
	args[2] = Int64GetDatum(ndropped);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	CdpExecute(CdpPlan(&count_plan,
					   "INSERT INTO cdp.suppressed_events AS s (source_id, day, events)"
					   " VALUES ($1, pg_catalog.timezone('UTC', $2)::pg_catalog.date, $3)"
					   " ON CONFLICT (source_id, day)"
					   " DO UPDATE SET events = s.events OPERATOR(pg_catalog.+) EXCLUDED.events",
					   3, argtypes),
			   args, SPI_OK_INSERT);
	SPI_finish();
}

/*
 * CdpDropSuppressedEvents removes from events[0..n) those that carry a
 * suppressed identifier, keeping the others in order at the front, and
 * counts them.  Returns how many events are kept.
 */
int
CdpDropSuppressedEvents(const CdpSource *source, CdpEvent *events, int n,
						TimestampTz received_at)
{
	CdpSuppressionCheck *check = CdpSuppressionCheckBegin();
	int			kept = 0;

	if (check == NULL)
		return n;
	for (int i = 0; i < n; i++)
	{
		if (event_suppressed(check, &events[i]))
			continue;
		if (kept != i)
			events[kept] = events[i];
		kept++;
	}
	CdpSuppressionCheckEnd(check);
	if (kept < n)
		count_dropped(source, received_at, n - kept);
	return kept;
}
