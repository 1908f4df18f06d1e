/*-------------------------------------------------------------------------
 *
 * event_counts.c
 *	  Counts of the events a batch stored, for the BI history tables.
 *
 * cdp.events is written by bulk insertion, which no trigger sees, so the
 * ingestion counts what it stored itself: one row per (UTC day of
 * occurred_at, type, event name) of the batch goes into the append-only
 * cdp.stats_event_deltas, in the batch's transaction (a database still at
 * 0.1.0 has no such table: nothing is counted).  cdp.refresh_stats()
 * folds those rows into cdp.stats_events_daily.  Appending keeps
 * concurrent ingesting sessions apart: counting into the daily rows
 * directly would make them wait for each other on today's rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/date.h"
#include "utils/builtins.h"

#include "ident/ident.h"
#include "ingest/ingest_internal.h"

static const char *const delta_columns[] = {
	"day", "source_id", "type", "event", "events", "identified"
};

/* A stored event, as it is counted. */
typedef struct Counted
{
	DateADT		day;
	const char *type;			/* one of a few constant strings */
	text	   *event;			/* or NULL */
	bool		identified;
} Counted;

/* Whether an event carries an identifier that names a person. */
static bool
event_identified(const CdpEvent *e)
{
	for (int i = 0; i < e->nidentifiers; i++)
		if (CdpIdentNamesPerson(CdpIdentCode((struct varlena *) DatumGetPointer(e->identifiers[i]))))
			return true;
	return false;
}

/* Byte order; NULL names first.  Only equal names need to meet. */
static int
name_cmp(text *a, text *b)
{
	int			alen,
				blen,
				c;

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	alen = VARSIZE_ANY_EXHDR(a);
	blen = VARSIZE_ANY_EXHDR(b);
	c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(alen, blen));
	return c != 0 ? c : (alen > blen) - (alen < blen);
}

static int
counted_cmp(const void *a, const void *b)
{
	const Counted *x = a;
	const Counted *y = b;
	int			c;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	c = strcmp(x->type, y->type);
	return c != 0 ? c : name_cmp(x->event, y->event);
}

/*
 * CdpCountStoredEvents appends the counts of the events of events[0..n)
 * whose event id is set (those stored) to cdp.stats_event_deltas.  SPI is
 * connected.
 */
void
CdpCountStoredEvents(const CdpSource *source, const CdpEvent *events, int n,
					 const int64 *event_ids)
{
	Oid			relid = CdpRelationOidIfExists("stats_event_deltas");
	Counted    *counted;
	int			ncounted = 0;
	CdpBulkInsert *bulk;
	Datum		values[lengthof(delta_columns)];
	bool		nulls[lengthof(delta_columns)] = {0};

	if (!OidIsValid(relid))
		return;
	counted = palloc(Max(n, 1) * sizeof(Counted));

	for (int i = 0; i < n; i++)
	{
		if (event_ids[i] == 0)
			continue;
		counted[ncounted].day = CdpUtcDay(events[i].occurred_at);
		counted[ncounted].type = events[i].type;
		counted[ncounted].event = events[i].event;
		counted[ncounted].identified = event_identified(&events[i]);
		ncounted++;
	}
	if (ncounted == 0)
		return;
	qsort(counted, ncounted, sizeof(Counted), counted_cmp);

	bulk = CdpBulkInsertBegin(relid, delta_columns, lengthof(delta_columns));
	values[1] = Int32GetDatum(source->source_id);
	for (int start = 0, end; start < ncounted; start = end)
	{
		int64		identified = 0;

		for (end = start; end < ncounted && counted_cmp(&counted[start], &counted[end]) == 0; end++)
			identified += counted[end].identified;
		values[0] = DateADTGetDatum(counted[start].day);
		values[2] = CStringGetTextDatum(counted[start].type);
		values[3] = PointerGetDatum(counted[start].event);
		nulls[3] = (counted[start].event == NULL);
		values[4] = Int64GetDatum(end - start);
		values[5] = Int64GetDatum(identified);
		CdpBulkInsertRow(bulk, values, nulls);
	}
	CdpBulkInsertEnd(bulk);
}
