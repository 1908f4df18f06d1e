/*-------------------------------------------------------------------------
 *
 * partitions.c
 *	  The monthly partitions of cdp.events: each month (UTC) of an event
 *	  gets its partition before the event is inserted.
 *
 * Partitions are made by cdp.ensure_event_partition() (events.sql).  Each
 * backend remembers which months it has seen a partition for, and forgets
 * them all when cdp.events changes (a partition attached, detached or
 * dropped, here or in another session).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/bitmapset.h"
#include "utils/datetime.h"

#include "ingest/ingest_internal.h"

static CdpPlanCache partition_plan;

/*
 * Months (since 1970-01, UTC) known to have a partition of cdp.events, in
 * the cache's memory.
 */
static Bitmapset *known_months = NULL;
static CdpTableCache partition_cache = {.tables = {"events"}};

/* CdpPartitionCacheRegister makes changes to cdp.events drop the cache. */
void
CdpPartitionCacheRegister(void)
{
	CdpTableCacheRegister(&partition_cache);
}

/* Forgets the months seen when cdp.events has changed since. */
static void
forget_if_changed(void)
{
	if (CdpTableCacheCurrent(&partition_cache))
		return;
	CdpTableCacheLoading(&partition_cache);
	known_months = NULL;
	CdpTableCacheLoaded(&partition_cache);
}

/* The month of ts (UTC) as a count of months since January 1970. */
static int
month_index(TimestampTz ts)
{
	int64		days = ts / USECS_PER_DAY;
	int			year,
				month,
				day;

	if (ts % USECS_PER_DAY < 0)
		days--;
	j2date((int) days + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	return (year - 1970) * MONTHS_PER_YEAR + month - 1;
}

/*
 * CdpEnsurePartitions makes sure every event's month has its partition;
 * SPI is connected.
 */
void
CdpEnsurePartitions(const CdpEvent *events, int n)
{
	forget_if_changed();
	for (int i = 0; i < n; i++)
	{
		int			month = month_index(events[i].occurred_at);
		Datum		arg = TimestampTzGetDatum(events[i].occurred_at);
		Oid			argtype = TIMESTAMPTZOID;
		MemoryContext old;

		if (bms_is_member(month, known_months))
			continue;
		CdpExecute(CdpPlan(&partition_plan, "SELECT cdp.ensure_event_partition($1)", 1, &argtype),
				   &arg, SPI_OK_SELECT);

		/* Attaching a partition invalidates the set meanwhile. */
		forget_if_changed();
		old = MemoryContextSwitchTo(partition_cache.cxt);
		known_months = bms_add_member(known_months, month);
		MemoryContextSwitchTo(old);
	}
}
