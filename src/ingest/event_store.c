/*-------------------------------------------------------------------------
 *
 * event_store.c
 *	  The write path of ingestion: deduplication and set-based inserts into
 *	  cdp.events and cdp.rejected_events.
 *
 * A batch costs a fixed amount of statement overhead whatever its size:
 * one bulk insert into cdp.ingested_messages decides which events are new
 * (see claim_message_ids); the new events then go into cdp.events by bulk
 * insertion (CdpBulkInsert), routed to their monthly partition
 * (partitions.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "ingest/ingest_internal.h"

PG_FUNCTION_INFO_V1(cdp_message_key);

static CdpPlanCache claim_plan;
static CdpPlanCache reject_plan;

static const char *const event_columns[] = {
	"event_id", "source_id", "type", "event", "message_id", "user_id",
	"anonymous_id", "identifiers", "anchor", "occurred_at", "received_at", "payload"
};

enum
{
	COL_EVENT_ID, COL_SOURCE_ID, COL_TYPE, COL_EVENT, COL_MESSAGE_ID,
	COL_USER_ID, COL_ANONYMOUS_ID, COL_IDENTIFIERS, COL_ANCHOR, COL_OCCURRED_AT,
	COL_RECEIVED_AT, COL_PAYLOAD, NUM_EVENT_COLUMNS
};

/*
 * CdpMessageKey computes the idempotency key of a message id: the first 128
 * bits of its SHA-256.
 */
void
CdpMessageKey(const text *message_id, pg_uuid_t *key)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	CdpSha256(VARDATA_ANY(message_id), VARSIZE_ANY_EXHDR(message_id), digest);
	memcpy(key->data, digest, UUID_LEN);
}

/* cdp.message_key(text): CdpMessageKey for SQL. */
Datum
cdp_message_key(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *key = palloc(sizeof(pg_uuid_t));

	CdpMessageKey(PG_GETARG_TEXT_PP(0), key);
	PG_RETURN_UUID_P(key);
}

/* One event's claim on its message key. */
typedef struct Claim
{
	pg_uuid_t	key;
	int			index;			/* into the batch */
} Claim;

static int
claim_cmp(const void *a, const void *b)
{
	const Claim *ca = a;
	const Claim *cb = b;
	int			c = memcmp(ca->key.data, cb->key.data, UUID_LEN);

	return c != 0 ? c : ca->index - cb->index;
}

/* An SPI argument array of the keys claims[0..n). */
static Datum
key_array(Claim *claims, int n)
{
	Datum	   *keys = palloc(n * sizeof(Datum));

	for (int i = 0; i < n; i++)
		keys[i] = UUIDPGetDatum(&claims[i].key);
	return CdpDatumArray(keys, n, UUIDOID);
}

/* Inserts the claims' keys as plain rows; a conflict raises unique_violation. */
static void
insert_keys(int32 source_id, Claim *claims, int n, const int64 *event_ids,
			TimestampTz received_at)
{
	static const char *const columns[] = {
		"source_id", "message_key", "event_id", "received_at"
	};
	CdpBulkInsert *bulk = CdpBulkInsertBegin(CdpRelationOid("ingested_messages"),
											 columns, lengthof(columns));
	bool		nulls[4] = {0};
	Datum		values[4];

	values[0] = Int32GetDatum(source_id);
	values[3] = TimestampTzGetDatum(received_at);
	for (int i = 0; i < n; i++)
	{
		values[1] = UUIDPGetDatum(&claims[i].key);
		values[2] = Int64GetDatum(event_ids[claims[i].index]);
		CdpBulkInsertRow(bulk, values, nulls);
	}
	CdpBulkInsertEnd(bulk);
}

/*
 * Inserts the claims' keys skipping those another session committed
 * meanwhile; returns how many remain, in claims[0..).
 */
static int
insert_keys_on_conflict(int32 source_id, Claim *claims, int n,
						const int64 *event_ids, TimestampTz received_at)
{
	Oid			argtypes[4] = {INT4OID, UUIDARRAYOID, INT8ARRAYOID, TIMESTAMPTZOID};
	int64	   *ids = palloc(n * sizeof(int64));
	Datum		args[4];
	int			kept = 0;

	for (int i = 0; i < n; i++)
		ids[i] = event_ids[claims[i].index];
	args[0] = Int32GetDatum(source_id);
	args[1] = key_array(claims, n);
	args[2] = CdpInt8Array(ids, n);
	args[3] = TimestampTzGetDatum(received_at);
	CdpExecute(CdpPlan(&claim_plan,
					   "INSERT INTO cdp.ingested_messages"
					   " (source_id, message_key, event_id, received_at)"
					   " SELECT $1, m.message_key, m.event_id, $4"
					   " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3))"
					   "      WITH ORDINALITY AS m(message_key, event_id, ord)"
					   " ORDER BY m.ord"
					   " ON CONFLICT DO NOTHING RETURNING event_id", 4, argtypes),
			   args, SPI_OK_INSERT_RETURNING);

	/* RETURNING gives the event ids of the rows inserted. */
	{
		int64	   *inserted = palloc(Max(SPI_processed, 1) * sizeof(int64));

		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;

			inserted[r] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r],
													  SPI_tuptable->tupdesc, 1, &isnull));
		}
		qsort(inserted, SPI_processed, sizeof(int64), CdpIdCmp);
		for (int i = 0; i < n; i++)
			if (bsearch(&event_ids[claims[i].index], inserted, SPI_processed,
						sizeof(int64), CdpIdCmp) != NULL)
				claims[kept++] = claims[i];
	}
	SPI_freetuptable(SPI_tuptable);
	return kept;
}

/*
 * Claims the events' message keys in cdp.ingested_messages.  An event whose
 * key was claimed before (by an earlier call, or earlier in this batch)
 * gets event id 0.  Returns the number of new events.
 *
 * New events are the usual case, so the keys are first bulk-inserted as
 * plain rows, in a subtransaction.  A key claimed before, by this session
 * or a concurrent one, makes that fail with unique_violation; the claim is
 * then rolled back and redone with INSERT ... ON CONFLICT DO NOTHING,
 * which skips the claimed keys (waiting for a session still claiming
 * them).  Keys are always inserted in key order, so sessions with
 * overlapping batches wait for each other instead of deadlocking.
 */
static int
claim_message_ids(const CdpSource *source, CdpEvent *events, int n,
				  TimestampTz received_at, int64 *event_ids)
{
	Claim	   *claims = palloc(n * sizeof(Claim));
	Oid			seqid = CdpRelationOid("events_event_id_seq");
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	bool	   *claimed = palloc0(n * sizeof(bool));
	int			nclaims = 0;

	for (int i = 0; i < n; i++)
	{
		CdpMessageKey(events[i].message_id, &claims[i].key);
		claims[i].index = i;
		event_ids[i] = nextval_internal(seqid, false);
	}
	qsort(claims, n, sizeof(Claim), claim_cmp);

	/* Within the batch the first event with a key wins. */
	for (int i = 0; i < n; i++)
		if (nclaims == 0 || memcmp(claims[nclaims - 1].key.data, claims[i].key.data, UUID_LEN) != 0)
			claims[nclaims++] = claims[i];

	if (nclaims > 0)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			insert_keys(source->source_id, claims, nclaims, event_ids, received_at);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION)
				ReThrowError(edata);
			FlushErrorState();
			FreeErrorData(edata);
			nclaims = insert_keys_on_conflict(source->source_id, claims, nclaims,
											  event_ids, received_at);
		}
		PG_END_TRY();
	}

	for (int i = 0; i < nclaims; i++)
		claimed[claims[i].index] = true;
	for (int i = 0; i < n; i++)
		if (!claimed[i])
			event_ids[i] = 0;
	return nclaims;
}

/* Inserts the events whose event id is set. */
static void
insert_events(const CdpSource *source, CdpEvent *events, int n,
			  const int64 *event_ids, TimestampTz received_at)
{
	CdpBulkInsert *bulk = CdpBulkInsertBegin(CdpRelationOid("events"), event_columns,
											 NUM_EVENT_COLUMNS);
	Datum		values[NUM_EVENT_COLUMNS];
	bool		nulls[NUM_EVENT_COLUMNS] = {0};
	const char *type_name = NULL;
	Datum		type_text = (Datum) 0;
	Oid			ident_type = CdpTypeOid("ident");
	int16		ident_len;
	bool		ident_byval;
	char		ident_align;

	get_typlenbyvalalign(ident_type, &ident_len, &ident_byval, &ident_align);

	values[COL_SOURCE_ID] = Int32GetDatum(source->source_id);
	values[COL_RECEIVED_AT] = TimestampTzGetDatum(received_at);
	for (int i = 0; i < n; i++)
	{
		CdpEvent   *e = &events[i];

		if (event_ids[i] == 0)
			continue;
		values[COL_EVENT_ID] = Int64GetDatum(event_ids[i]);
		/* Event types are a few constant strings: make each text once. */
		if (e->type != type_name)
		{
			type_name = e->type;
			type_text = CStringGetTextDatum(type_name);
		}
		values[COL_TYPE] = type_text;
		values[COL_EVENT] = PointerGetDatum(e->event);
		nulls[COL_EVENT] = (e->event == NULL);
		values[COL_MESSAGE_ID] = PointerGetDatum(e->message_id);
		values[COL_USER_ID] = PointerGetDatum(e->user_id);
		nulls[COL_USER_ID] = (e->user_id == NULL);
		values[COL_ANONYMOUS_ID] = PointerGetDatum(e->anonymous_id);
		nulls[COL_ANONYMOUS_ID] = (e->anonymous_id == NULL);
		values[COL_IDENTIFIERS] = PointerGetDatum(construct_array(e->identifiers, e->nidentifiers,
																  ident_type, ident_len,
																  ident_byval, ident_align));
		values[COL_ANCHOR] = (e->anchor >= 0) ? e->identifiers[e->anchor] : (Datum) 0;
		nulls[COL_ANCHOR] = (e->anchor < 0);
		values[COL_OCCURRED_AT] = TimestampTzGetDatum(e->occurred_at);
		values[COL_PAYLOAD] = JsonbPGetDatum(e->payload);
		CdpBulkInsertRow(bulk, values, nulls);
	}
	CdpBulkInsertEnd(bulk);
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
	int			nnew;

	if (n == 0)
		return 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	CdpEnsurePartitions(events, n);
	nnew = claim_message_ids(source, events, n, received_at, event_ids);
	if (nnew > 0)
	{
		insert_events(source, events, n, event_ids, received_at);
		CdpCountStoredEvents(source, events, n, event_ids);
	}
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
	Oid			argtypes[6] = {INT4OID, INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	JSONBARRAYOID, INT4ARRAYOID};
	Datum		args[6];

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
	args[0] = Int32GetDatum(source->source_id);
	args[1] = CdpDatumArray(indexes, n, INT4OID);
	args[2] = CdpDatumArray(states, n, TEXTOID);
	args[3] = CdpDatumArray(reasons, n, TEXTOID);
	args[4] = PointerGetDatum(construct_md_array(payloads, payload_nulls, 1, dims, lbs,
												 JSONBOID, -1, false, TYPALIGN_INT));
	args[5] = CdpDatumArray(sizes, n, INT4OID);
	CdpExecute(CdpPlan(&reject_plan,
					   "INSERT INTO cdp.rejected_events"
					   " (source_id, batch_index, sqlstate, reason, payload, payload_bytes)"
					   " SELECT $1, r.* FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3),"
					   "  pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6)) AS r",
					   6, argtypes),
			   args, SPI_OK_INSERT);
	SPI_finish();
}
