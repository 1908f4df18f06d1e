/*-------------------------------------------------------------------------
 *
 * event_store.c
 *	  The write path of ingestion: deduplication, monthly partitions, and
 *	  set-based inserts into cdp.events and cdp.rejected_events.
 *
 * A batch costs a fixed number of statements whatever its size: one insert
 * into cdp.ingested_messages decides which events are new, then one insert
 * per chunk of events unnests an array of cdp.events rows.  Executor
 * start-up is paid per statement, not per event.
 *
 * Message ids are claimed in one sorted order, so that two sessions
 * ingesting overlapping batches wait for each other instead of
 * deadlocking.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "nodes/bitmapset.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "catalog.h"
#include "event_store.h"

/* Events per insert statement: bounds the memory of one statement. */
#define INSERT_CHUNK	1000

static SPIPlanPtr claim_plan = NULL;
static SPIPlanPtr insert_plan = NULL;
static Oid	insert_plan_rowtype = InvalidOid;
static SPIPlanPtr reject_plan = NULL;
static SPIPlanPtr partition_plan = NULL;

/* Months (since 1970-01, UTC) known to have a partition of cdp.events. */
static Bitmapset *known_months = NULL;
static Oid	events_relid = InvalidOid;

static const char *const event_columns[] = {
	"event_id", "source_id", "type", "event", "message_id", "user_id",
	"anonymous_id", "identifiers", "occurred_at", "received_at", "payload"
};

enum
{
	COL_EVENT_ID, COL_SOURCE_ID, COL_TYPE, COL_EVENT, COL_MESSAGE_ID,
	COL_USER_ID, COL_ANONYMOUS_ID, COL_IDENTIFIERS, COL_OCCURRED_AT,
	COL_RECEIVED_AT, COL_PAYLOAD, NUM_EVENT_COLUMNS
};

/*
 * CdpEventStoreInvalidate forgets which partitions exist when cdp.events
 * changes (a partition attached, detached or dropped).
 */
void
CdpEventStoreInvalidate(Oid relid)
{
	if (relid == InvalidOid || relid == events_relid)
	{
		bms_free(known_months);
		known_months = NULL;
		events_relid = InvalidOid;
	}
}

static SPIPlanPtr
prepare(const char *query, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(query, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
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

/* Makes sure every event's month has its partition; SPI is connected. */
static void
ensure_partitions(CdpEvent *events, int n)
{
	if (!OidIsValid(events_relid))
		events_relid = CdpRelationOid("events");

	for (int i = 0; i < n; i++)
	{
		int			month = month_index(events[i].occurred_at);
		Datum		arg = TimestampTzGetDatum(events[i].occurred_at);
		MemoryContext old;
		int			ret;

		if (bms_is_member(month, known_months))
			continue;
		if (partition_plan == NULL)
		{
			Oid			argtype = TIMESTAMPTZOID;

			partition_plan = prepare("SELECT cdp.ensure_event_partition($1)", 1, &argtype);
		}
		ret = SPI_execute_plan(partition_plan, &arg, NULL, false, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not create event partition: %s", SPI_result_code_string(ret));

		/* Attaching a partition may have invalidated the set meanwhile. */
		if (!OidIsValid(events_relid))
			events_relid = CdpRelationOid("events");
		old = MemoryContextSwitchTo(TopMemoryContext);
		known_months = bms_add_member(known_months, month);
		MemoryContextSwitchTo(old);
	}
}

/*
 * Claims the message ids in cdp.ingested_messages; an event whose id was
 * already there (from earlier, or earlier in this batch) gets event id 0.
 * Returns the number of new events.
 */
static int
claim_message_ids(const CdpSource *source, CdpEvent *events, int n,
				  TimestampTz received_at, int64 *event_ids)
{
	Datum	   *message_ids = palloc(n * sizeof(Datum));
	Datum	   *ids = palloc(n * sizeof(Datum));
	Datum		args[4];
	Oid			seqid = CdpRelationOid("events_event_id_seq");
	int			ret;
	int			nnew = 0;

	if (claim_plan == NULL)
	{
		Oid			argtypes[4] = {INT4OID, TEXTARRAYOID, INT8ARRAYOID, TIMESTAMPTZOID};

		claim_plan = prepare("INSERT INTO cdp.ingested_messages"
							 " (source_id, message_id, event_id, received_at)"
							 " SELECT $1, m.message_id, m.event_id, $4"
							 " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3))"
							 "      WITH ORDINALITY AS m(message_id, event_id, ord)"
							 " ORDER BY m.message_id COLLATE \"C\", m.ord"
							 " ON CONFLICT DO NOTHING RETURNING event_id",
							 4, argtypes);
	}

	/* Ids ascend with the batch order, so a binary search finds them. */
	for (int i = 0; i < n; i++)
	{
		message_ids[i] = PointerGetDatum(events[i].message_id);
		event_ids[i] = nextval_internal(seqid, false);
		ids[i] = Int64GetDatum(event_ids[i]);
	}
	args[0] = Int32GetDatum(source->source_id);
	args[1] = PointerGetDatum(construct_array(message_ids, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[3] = TimestampTzGetDatum(received_at);

	ret = SPI_execute_plan(claim_plan, args, NULL, false, 0);
	if (ret != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not record message ids: %s", SPI_result_code_string(ret));

	{
		bool	   *claimed = palloc0(n * sizeof(bool));

		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r],
														 SPI_tuptable->tupdesc, 1, &isnull));
			int			lo = 0,
						hi = n - 1;

			while (lo <= hi)
			{
				int			mid = lo + (hi - lo) / 2;

				if (event_ids[mid] == id)
				{
					claimed[mid] = true;
					break;
				}
				if (event_ids[mid] < id)
					lo = mid + 1;
				else
					hi = mid - 1;
			}
		}
		for (int i = 0; i < n; i++)
		{
			if (claimed[i])
				nnew++;
			else
				event_ids[i] = 0;
		}
		pfree(claimed);
	}
	SPI_freetuptable(SPI_tuptable);
	return nnew;
}

/* Maps the attributes of cdp.events' row type to event_columns. */
static void
map_columns(TupleDesc desc, int *column_of_attr)
{
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, a);

		column_of_attr[a] = -1;
		if (attr->attisdropped)
			continue;
		for (int c = 0; c < NUM_EVENT_COLUMNS; c++)
			if (strcmp(NameStr(attr->attname), event_columns[c]) == 0)
				column_of_attr[a] = c;
	}
}

/* Inserts events[0..n) whose event id is set as one statement. */
static void
insert_events(const CdpSource *source, CdpEvent *events, int n,
			  const int64 *event_ids, TimestampTz received_at,
			  Oid rowtype, TupleDesc desc, const int *column_of_attr)
{
	Datum	   *rows = palloc(n * sizeof(Datum));
	Datum	   *values = palloc(desc->natts * sizeof(Datum));
	bool	   *nulls = palloc(desc->natts * sizeof(bool));
	int			nrows = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum		arg;
	int			ret;

	for (int i = 0; i < n; i++)
	{
		CdpEvent   *e = &events[i];
		Datum		col[NUM_EVENT_COLUMNS];
		bool		colnull[NUM_EVENT_COLUMNS] = {0};

		if (event_ids[i] == 0)
			continue;
		col[COL_EVENT_ID] = Int64GetDatum(event_ids[i]);
		col[COL_SOURCE_ID] = Int32GetDatum(source->source_id);
		col[COL_TYPE] = CStringGetTextDatum(e->type);
		col[COL_EVENT] = PointerGetDatum(e->event);
		colnull[COL_EVENT] = (e->event == NULL);
		col[COL_MESSAGE_ID] = PointerGetDatum(e->message_id);
		col[COL_USER_ID] = PointerGetDatum(e->user_id);
		colnull[COL_USER_ID] = (e->user_id == NULL);
		col[COL_ANONYMOUS_ID] = PointerGetDatum(e->anonymous_id);
		colnull[COL_ANONYMOUS_ID] = (e->anonymous_id == NULL);
		col[COL_IDENTIFIERS] = PointerGetDatum(construct_array(e->identifiers, e->nidentifiers,
															   TEXTOID, -1, false, TYPALIGN_INT));
		col[COL_OCCURRED_AT] = TimestampTzGetDatum(e->occurred_at);
		col[COL_RECEIVED_AT] = TimestampTzGetDatum(received_at);
		col[COL_PAYLOAD] = JsonbPGetDatum(e->payload);

		for (int a = 0; a < desc->natts; a++)
		{
			int			c = column_of_attr[a];

			nulls[a] = (c < 0) || colnull[c];
			values[a] = nulls[a] ? (Datum) 0 : col[c];
		}
		rows[nrows++] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
	}
	if (nrows == 0)
		return;

	if (insert_plan == NULL || insert_plan_rowtype != rowtype)
	{
		Oid			argtype = get_array_type(rowtype);

		if (insert_plan != NULL)
			SPI_freeplan(insert_plan);
		insert_plan = NULL;
		insert_plan = prepare("INSERT INTO cdp.events SELECT * FROM pg_catalog.unnest($1)",
							  1, &argtype);
		insert_plan_rowtype = rowtype;
	}
	get_typlenbyvalalign(rowtype, &typlen, &typbyval, &typalign);
	arg = PointerGetDatum(construct_array(rows, nrows, rowtype, typlen, typbyval, typalign));
	ret = SPI_execute_plan(insert_plan, &arg, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not insert events: %s", SPI_result_code_string(ret));
}

/*
 * CdpStoreEvents stores the valid events events[0..n) of one call.  On
 * return event_ids[i] is the new event's id, or 0 when its message id had
 * been ingested already.  Returns the number of new events.
 */
int
CdpStoreEvents(const CdpSource *source, CdpEvent *events, int n,
			   TimestampTz received_at, int64 *event_ids)
{
	MemoryContext chunk_cxt;
	MemoryContext old;
	Oid			rowtype;
	TupleDesc	desc;
	int		   *column_of_attr;
	int			nnew;

	if (n == 0)
		return 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	ensure_partitions(events, n);
	nnew = claim_message_ids(source, events, n, received_at, event_ids);

	rowtype = get_rel_type_id(CdpRelationOid("events"));
	desc = lookup_rowtype_tupdesc(rowtype, -1);
	column_of_attr = palloc(desc->natts * sizeof(int));
	map_columns(desc, column_of_attr);

	chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "cdp event chunk",
									  ALLOCSET_DEFAULT_SIZES);
	for (int start = 0; start < n && nnew > 0; start += INSERT_CHUNK)
	{
		int			len = Min(INSERT_CHUNK, n - start);

		old = MemoryContextSwitchTo(chunk_cxt);
		insert_events(source, events + start, len, event_ids + start, received_at,
					  rowtype, desc, column_of_attr);
		MemoryContextSwitchTo(old);
		MemoryContextReset(chunk_cxt);
	}
	MemoryContextDelete(chunk_cxt);
	ReleaseTupleDesc(desc);
	SPI_finish();
	return nnew;
}

/*
 * CdpStoreRejects records events that a batch set aside in
 * cdp.rejected_events, as one statement.
 */
void
CdpStoreRejects(const CdpSource *source, CdpRejectedEvent *rejects, int n)
{
	Datum	   *indexes = palloc(n * sizeof(Datum));
	Datum	   *states = palloc(n * sizeof(Datum));
	Datum	   *reasons = palloc(n * sizeof(Datum));
	Datum	   *payloads = palloc(n * sizeof(Datum));
	bool	   *payload_nulls = palloc(n * sizeof(bool));
	Datum	   *sizes = palloc(n * sizeof(Datum));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	Datum		args[6];
	int			ret;

	if (n == 0)
		return;
	for (int i = 0; i < n; i++)
	{
		indexes[i] = Int32GetDatum(rejects[i].batch_index);
		states[i] = CStringGetTextDatum(unpack_sql_state(rejects[i].sqlerrcode));
		reasons[i] = CStringGetTextDatum(rejects[i].reason);
		payloads[i] = PointerGetDatum(rejects[i].payload);
		payload_nulls[i] = (rejects[i].payload == NULL);
		sizes[i] = Int32GetDatum(rejects[i].payload_bytes);
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (reject_plan == NULL)
	{
		Oid			argtypes[6] = {INT4OID, INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		JSONBARRAYOID, INT4ARRAYOID};

		reject_plan = prepare("INSERT INTO cdp.rejected_events"
							  " (source_id, batch_index, sqlstate, reason, payload, payload_bytes)"
							  " SELECT $1, r.* FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3),"
							  "  pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6)) AS r",
							  6, argtypes);
	}
	args[0] = Int32GetDatum(source->source_id);
	args[1] = PointerGetDatum(construct_array(indexes, n, INT4OID, 4, true, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(states, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[3] = PointerGetDatum(construct_array(reasons, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[4] = PointerGetDatum(construct_md_array(payloads, payload_nulls, 1, dims, lbs,
												 JSONBOID, -1, false, TYPALIGN_INT));
	args[5] = PointerGetDatum(construct_array(sizes, n, INT4OID, 4, true, TYPALIGN_INT));
	ret = SPI_execute_plan(reject_plan, args, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not record rejected events: %s", SPI_result_code_string(ret));
	SPI_finish();
}
