/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  cdp.ingest() and cdp.ingest_batch(): Segment-spec events in, and the
 *	  new ones handed to the identity graph.
 *
 * New events are stitched when their transaction commits
 * (cdp.inline_stitching on) or queued for cdp.stitch_pending() (off): the
 * choice is ingestion's, the work is src/identity's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "fmgr.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "identity/identity.h"
#include "ingest/ingest_internal.h"

PG_FUNCTION_INFO_V1(cdp_ingest);
PG_FUNCTION_INFO_V1(cdp_ingest_batch);

int			cdp_max_event_bytes = 32768;
int			cdp_max_batch_events = 10000;
bool		cdp_inline_stitching = true;

/*
 * Hands the new events (event_ids[i] != 0) to the identity graph: to be
 * stitched when the transaction commits, or queued.
 */
static void
hand_to_identity(const CdpSource *source, const CdpEvent *events, int n,
				 const int64 *event_ids)
{
	CdpStitchEvent *evidence = palloc0(Max(n, 1) * sizeof(CdpStitchEvent));
	int			m = 0;

	for (int i = 0; i < n; i++)
	{
		const CdpEvent *e = &events[i];
		bool		alias = (strcmp(e->type, "alias") == 0);

		if (event_ids[i] == 0)
			continue;
		evidence[m].event_id = event_ids[i];
		evidence[m].source_id = source->source_id;
		evidence[m].occurred_at = e->occurred_at;
		evidence[m].rule = alias ? "alias" : "event";
		evidence[m].reason = NULL;
		/* An alias joins beyond kind limits when its source is trusted. */
		evidence[m].enforce_limits = !(alias && source->trusted_aliases);
		/* The event's own identifier first: the traits are its. */
		evidence[m].nidentifiers = e->nidentifiers;
		evidence[m].identifiers = e->identifiers;
		evidence[m].traits = (e->anchor == 0) ? e->traits : NULL;
		evidence[m].consent = e->has_consent;
		m++;
	}
	/*
	 * Queued events for the stitch worker; stitching at commit wakes the
	 * jobs worker itself when the profiles it changed concern a job.
	 */
	if (cdp_inline_stitching)
		CdpStitchAtCommit(evidence, m);
	else
	{
		CdpStitchEnqueue(evidence, m);
		CdpAnnounceWork(CDP_WORK_STITCH);
	}
}

/*
 * Stores valid events, but those of erased people, and hands the new ones
 * on; returns how many were new.  The events dropped leave the array.
 */
static int
store_events(const CdpSource *source, CdpEvent *events, int n, TimestampTz received_at,
			 int64 *event_ids)
{
	int			nnew;

	n = CdpDropSuppressedEvents(source, events, n, received_at);
	nnew = CdpStoreEvents(source, events, n, received_at, event_ids);

	if (nnew > 0)
	{
		CdpRecordEventConsents(events, n, event_ids);
		hand_to_identity(source, events, n, event_ids);
		CdpForwardEvents(source, events, n, event_ids);
	}
	return nnew;
}

/*
 * cdp_ingest ingests one event; returns its event id, or NULL when the
 * source had already sent its messageId or the event carries an erased
 * person's identifier (cdp.suppressions: dropped and counted).
 */
Datum
cdp_ingest(PG_FUNCTION_ARGS)
{
	const CdpSource *source;
	CdpIngestUser caller;
	CdpEventContext cxt = {0};
	CdpError	error;
	CdpEvent	event;
	int64		event_id;
	int			nnew;

	CdpRequireArgument(fcinfo, 0, "source");
	CdpRequireArgument(fcinfo, 1, "event");
	source = CdpBeginIngest(fcinfo, &caller);

	/* Refuse an oversized event before decompressing it. */
	if (toast_raw_datum_size(PG_GETARG_DATUM(1)) > (Size) cdp_max_event_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("event is larger than cdp.max_event_bytes")));

	cxt.source = source;
	cxt.received_at = GetCurrentStatementStartTimestamp();
	if (!CdpParseEvent(&cxt, PG_GETARG_JSONB_P(1), &event, &error))
		CdpRaise(&error);

	nnew = store_events(source, &event, 1, cxt.received_at, &event_id);
	CdpEndIngest(&caller);
	if (nnew == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(event_id);
}

/*
 * Finds the array of events in a batch body: the body itself, or its
 * "batch" member, whose "sentAt" then applies to every event.
 */
static JsonbContainer *
batch_events(Jsonb *body, CdpEventContext *cxt)
{
	JsonbValue	v;
	CdpError	error;

	if (JB_ROOT_IS_ARRAY(body) && !JB_ROOT_IS_SCALAR(body))
		return &body->root;
	if (JB_ROOT_IS_OBJECT(body) &&
		getKeyJsonValueFromContainer(&body->root, "batch", 5, &v) != NULL &&
		v.type == jbvBinary && JsonContainerIsArray(v.val.binary.data))
	{
		if (!CdpParseTimestampField(&body->root, "sentAt", &cxt->sent_at,
									&cxt->has_sent_at, &error))
			CdpRaise(&error);
		return v.val.binary.data;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("events must be a JSON array or an object with a \"batch\" array")));
	pg_unreachable();
}

/* A batch being read: its valid events, and those set aside. */
typedef struct BatchRead
{
	int			index;			/* of the element being read */
	int			nvalid;
	CdpEvent   *events;
	int			nrejected;
	CdpRejectedEvent *rejects;
} BatchRead;

/* Names the batch element an error is about. */
static void
batch_element_context(void *arg)
{
	errcontext("batch element %d", ((BatchRead *) arg)->index);
}

/*
 * Parses one batch element into the valid events, or sets it aside with
 * its reason when reject_invalid (else raises).
 */
static void
read_element(const CdpEventContext *cxt, JsonbValue *v, bool reject_invalid, BatchRead *batch)
{
	CdpError	error;
	int			bytes = VARHDRSZ + (v->type == jbvBinary ? v->val.binary.len : 0);
	Jsonb	   *payload = NULL;
	CdpRejectedEvent *reject;

	if (bytes > cdp_max_event_bytes)
		CdpFail(&error, ERRCODE_PROGRAM_LIMIT_EXCEEDED,
				"event is larger than cdp.max_event_bytes", NULL, NULL);
	else
	{
		payload = JsonbValueToJsonb(v);
		bytes = VARSIZE(payload);
		if (CdpParseEvent(cxt, payload, &batch->events[batch->nvalid], &error))
		{
			batch->nvalid++;
			return;
		}
	}

	if (!reject_invalid)
		CdpRaise(&error);
	reject = &batch->rejects[batch->nrejected++];
	reject->batch_index = batch->index;
	reject->sqlerrcode = error.sqlerrcode;
	reject->reason = error.message;
	reject->payload = payload;
	reject->payload_bytes = bytes;
}

/*
 * cdp_ingest_batch ingests an array of events and returns how many were
 * new.  A bad event aborts the whole call, or with reject_invalid is
 * recorded in cdp.rejected_events while the others go in.
 */
Datum
cdp_ingest_batch(PG_FUNCTION_ARGS)
{
	const CdpSource *source;
	CdpIngestUser caller;
	CdpEventContext cxt = {0};
	JsonbContainer *array;
	bool		reject_invalid;
	int			n;
	int64	   *event_ids;
	BatchRead	batch = {.index = -1};
	ErrorContextCallback errcallback;
	int			nnew;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	CdpRequireArgument(fcinfo, 0, "source");
	CdpRequireArgument(fcinfo, 1, "events");
	CdpRequireArgument(fcinfo, 2, "reject_invalid");
	source = CdpBeginIngest(fcinfo, &caller);
	reject_invalid = PG_GETARG_BOOL(2);

	cxt.source = source;
	cxt.received_at = GetCurrentStatementStartTimestamp();
	array = batch_events(PG_GETARG_JSONB_P(1), &cxt);

	/*
	 * The array's header gives its length: an oversized batch is refused
	 * before any element is read, so neither its events nor its rejects
	 * can exceed the limit.
	 */
	n = JsonContainerSize(array);
	if (n > cdp_max_batch_events)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("batch has more events than cdp.max_batch_events"),
				 errdetail("The batch has %d events; the limit is %d.", n, cdp_max_batch_events),
				 errhint("Split the batch into smaller ones, or have a superuser raise cdp.max_batch_events.")));
	batch.events = palloc(Max(n, 1) * sizeof(CdpEvent));
	batch.rejects = palloc(Max(n, 1) * sizeof(CdpRejectedEvent));
	event_ids = palloc(Max(n, 1) * sizeof(int64));

	errcallback.callback = batch_element_context;
	errcallback.arg = &batch;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	it = JsonbIteratorInit(array);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		batch.index++;
		read_element(&cxt, &v, reject_invalid, &batch);
	}
	error_context_stack = errcallback.previous;

	nnew = store_events(source, batch.events, batch.nvalid, cxt.received_at, event_ids);
	CdpStoreRejects(source, batch.rejects, batch.nrejected);
	if (batch.nrejected > 0)
		ereport(NOTICE,
				(errmsg("%d of %d events were rejected", batch.nrejected, n),
				 errhint("See cdp.rejected_events.")));
	CdpEndIngest(&caller);
	PG_RETURN_INT32(nnew);
}

/* CdpIngestInit registers the caches' invalidation callbacks; from _PG_init. */
void
CdpIngestInit(void)
{
	CdpSourceCacheRegister();
	CdpPartitionCacheRegister();
}
