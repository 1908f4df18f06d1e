/*-------------------------------------------------------------------------
 *
 * merge_log.c
 *	  Entries of cdp.merge_log, gathered in memory and written at once.
 *
 * Stitching, splitting and restitching log what they did (merges, splits,
 * refused links, unlinks, quarantines) as they decide it, then write all
 * entries with one statement.  Zero ids and event or source ids mean
 * "none" and are stored as NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "identity/identity_internal.h"

/* Entries held before they are written: bounds the memory of big rebuilds. */
#define LOG_CHUNK	50000

/* The entries as rows of cdp.merge_log. */
#define LOG_INSERT \
	"INSERT INTO cdp.merge_log" \
	" (action, profile_id, other_id, a_id, b_id, event_id, source_id, reason)" \
	" SELECT l.action, NULLIF(l.profile_id, 0)," \
	"        NULLIF(l.other_id, 0), NULLIF(l.a_id, 0)," \
	"        NULLIF(l.b_id, 0), NULLIF(l.event_id, 0)," \
	"        NULLIF(l.source_id, 0), l.reason" \
	" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)," \
	"   pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5)," \
	"   pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8))" \
	"   AS l(action, profile_id, other_id, a_id, b_id, event_id, source_id, reason)"

/* The same, with the merges and splits counted for cdp.stats_profiles_daily. */
#define LOG_INSERT_COUNTED \
	"WITH logged AS (" LOG_INSERT " RETURNING action, logged_at)" \
	" INSERT INTO cdp.stats_profile_deltas (day, merged, split)" \
	" SELECT pg_catalog.timezone('UTC', g.logged_at)::pg_catalog.date," \
	"        pg_catalog.count(*) FILTER (WHERE g.action OPERATOR(pg_catalog.=) 'merge')," \
	"        pg_catalog.count(*) FILTER (WHERE g.action OPERATOR(pg_catalog.=) 'split')" \
	" FROM logged g" \
	" WHERE g.action OPERATOR(pg_catalog.=) ANY (ARRAY['merge', 'split'])" \
	" GROUP BY 1"

static CdpPlanCache log_plan;
static CdpPlanCache log_counted_plan;

/* CdpLogRowsInit starts an empty set of entries. */
void
CdpLogRowsInit(CdpLogRows *rows)
{
	memset(rows, 0, sizeof(CdpLogRows));
	rows->cxt = AllocSetContextCreate(CurrentMemoryContext, "cdp merge log",
									  ALLOCSET_DEFAULT_SIZES);
}

/* Makes room for one more entry. */
static void
grow(CdpLogRows *rows)
{
	int			cap = (rows->cap == 0) ? 64 : rows->cap * 2;

#define GROW(field, type) \
	rows->field = (rows->cap == 0) ? palloc(cap * sizeof(type)) : \
		repalloc(rows->field, cap * sizeof(type))
	GROW(action, Datum);
	GROW(profile_id, int64);
	GROW(other_id, int64);
	GROW(a_id, int64);
	GROW(b_id, int64);
	GROW(event_id, int64);
	GROW(source_id, int32);
	GROW(reason, Datum);
#undef GROW
	rows->cap = cap;
}

/*
 * CdpLogRow adds one entry; every LOG_CHUNK entries they are written, so
 * SPI must be connected.
 */
void
CdpLogRow(CdpLogRows *rows, const char *action, int64 profile_id, int64 other_id,
		  int64 a_id, int64 b_id, int64 event_id, int32 source_id, const char *reason)
{
	int			i;
	MemoryContext old;

	if (rows->n == LOG_CHUNK)
		CdpLogRowsWrite(rows);
	CdpAssert(rows->n < LOG_CHUNK && rows->n <= rows->cap);
	old = MemoryContextSwitchTo(rows->cxt);
	if (rows->n == rows->cap)
		grow(rows);
	i = rows->n++;
	rows->action[i] = CStringGetTextDatum(action);
	rows->profile_id[i] = profile_id;
	rows->other_id[i] = other_id;
	rows->a_id[i] = a_id;
	rows->b_id[i] = b_id;
	rows->event_id[i] = event_id;
	rows->source_id[i] = source_id;
	rows->reason[i] = CStringGetTextDatum(reason);
	MemoryContextSwitchTo(old);
}

/*
 * CdpLogRowsWrite inserts the entries into cdp.merge_log, and counts the
 * merges and splits in cdp.stats_profile_deltas (which a database still at
 * 0.1.0 does not have); SPI is connected.
 */
void
CdpLogRowsWrite(CdpLogRows *rows)
{
	Oid			argtypes[8] = {TEXTARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID,
	INT8ARRAYOID, INT8ARRAYOID, INT4ARRAYOID, TEXTARRAYOID};
	Datum		args[8];
	MemoryContext old;
	bool		counted = OidIsValid(CdpRelationOidIfExists("stats_profile_deltas"));

	if (rows->n == 0)
		return;
	old = MemoryContextSwitchTo(rows->cxt);
	args[0] = CdpDatumArray(rows->action, rows->n, TEXTOID);
	args[1] = CdpInt8Array(rows->profile_id, rows->n);
	args[2] = CdpInt8Array(rows->other_id, rows->n);
	args[3] = CdpInt8Array(rows->a_id, rows->n);
	args[4] = CdpInt8Array(rows->b_id, rows->n);
	args[5] = CdpInt8Array(rows->event_id, rows->n);
	args[6] = CdpInt4Array(rows->source_id, rows->n);
	args[7] = CdpDatumArray(rows->reason, rows->n, TEXTOID);
	CdpExecute(counted ? CdpPlan(&log_counted_plan, LOG_INSERT_COUNTED, 8, argtypes)
			   : CdpPlan(&log_plan, LOG_INSERT, 8, argtypes),
			   args, SPI_OK_INSERT);
	MemoryContextSwitchTo(old);
	/* Written: the entries' memory goes with them. */
	MemoryContextReset(rows->cxt);
	rows->n = 0;
	rows->cap = 0;
}
