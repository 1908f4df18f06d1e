/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  cdp.ingest() and cdp.ingest_batch(): Segment-spec events in.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "fmgr.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "access/xact.h"

#include "cdp.h"
#include "event.h"
#include "event_store.h"

PG_FUNCTION_INFO_V1(cdp_ingest);
PG_FUNCTION_INFO_V1(cdp_ingest_batch);

static void
require_argument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

static const CdpSource *
lookup_source(text *name)
{
	const CdpSource *source = CdpLookupSource(name);

	if (source == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("source does not exist"),
				 errhint("Create it with cdp.create_source().")));
	return source;
}

static void
raise_event_error(const CdpEventError *error, int batch_index)
{
	ereport(ERROR,
			(errcode(error->sqlerrcode),
			 errmsg("%s", error->message),
			 error->detail ? errdetail("%s", error->detail) : 0,
			 error->hint ? errhint("%s", error->hint) : 0,
			 batch_index >= 0 ? errcontext("batch element %d", batch_index) : 0));
}

/*
 * cdp_ingest ingests one event; returns its event id, or NULL when the
 * source had already sent its messageId.
 */
Datum
cdp_ingest(PG_FUNCTION_ARGS)
{
	const CdpSource *source;
	CdpEventContext cxt = {0};
	CdpEventError error;
	CdpEvent	event;
	int64		event_id;

	require_argument(fcinfo, 0, "source");
	require_argument(fcinfo, 1, "event");
	source = lookup_source(PG_GETARG_TEXT_PP(0));

	/* Refuse an oversized event before decompressing it. */
	if (toast_raw_datum_size(PG_GETARG_DATUM(1)) > (Size) cdp_max_event_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("event is larger than cdp.max_event_bytes")));

	cxt.source = source;
	cxt.received_at = GetCurrentStatementStartTimestamp();
	if (!CdpParseEvent(&cxt, PG_GETARG_JSONB_P(1), &event, &error))
		raise_event_error(&error, -1);

	if (CdpStoreEvents(source, &event, 1, cxt.received_at, &event_id) == 0)
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
	CdpEventError error;

	if (JB_ROOT_IS_ARRAY(body) && !JB_ROOT_IS_SCALAR(body))
		return &body->root;
	if (JB_ROOT_IS_OBJECT(body) &&
		getKeyJsonValueFromContainer(&body->root, "batch", 5, &v) != NULL &&
		v.type == jbvBinary && JsonContainerIsArray(v.val.binary.data))
	{
		if (!CdpParseTimestampField(&body->root, "sentAt", &cxt->sent_at,
									&cxt->has_sent_at, &error))
			raise_event_error(&error, -1);
		return v.val.binary.data;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("events must be a JSON array or an object with a \"batch\" array")));
	pg_unreachable();
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
	CdpEventContext cxt = {0};
	JsonbContainer *array;
	bool		reject_invalid;
	int			n;
	CdpEvent   *events;
	int64	   *event_ids;
	CdpRejectedEvent *rejects;
	int			nvalid = 0;
	int			nrejected = 0;
	int			nnew;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			index = -1;

	require_argument(fcinfo, 0, "source");
	require_argument(fcinfo, 1, "events");
	require_argument(fcinfo, 2, "reject_invalid");
	source = lookup_source(PG_GETARG_TEXT_PP(0));
	reject_invalid = PG_GETARG_BOOL(2);

	cxt.source = source;
	cxt.received_at = GetCurrentStatementStartTimestamp();
	array = batch_events(PG_GETARG_JSONB_P(1), &cxt);

	n = JsonContainerSize(array);
	events = palloc(Max(n, 1) * sizeof(CdpEvent));
	event_ids = palloc(Max(n, 1) * sizeof(int64));
	rejects = palloc(Max(n, 1) * sizeof(CdpRejectedEvent));

	it = JsonbIteratorInit(array);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		CdpEventError error;
		int			bytes;
		Jsonb	   *payload = NULL;

		if (tok != WJB_ELEM)
			continue;
		index++;
		bytes = VARHDRSZ + (v.type == jbvBinary ? v.val.binary.len : 0);
		if (bytes > cdp_max_event_bytes)
		{
			error.sqlerrcode = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			error.message = "event is larger than cdp.max_event_bytes";
			error.detail = NULL;
			error.hint = NULL;
		}
		else
		{
			payload = JsonbValueToJsonb(&v);
			bytes = VARSIZE(payload);
			if (CdpParseEvent(&cxt, payload, &events[nvalid], &error))
			{
				nvalid++;
				continue;
			}
		}

		if (!reject_invalid)
			raise_event_error(&error, index);
		rejects[nrejected].batch_index = index;
		rejects[nrejected].sqlerrcode = error.sqlerrcode;
		rejects[nrejected].reason = error.message;
		rejects[nrejected].payload = payload;
		rejects[nrejected].payload_bytes = bytes;
		nrejected++;
	}

	nnew = CdpStoreEvents(source, events, nvalid, cxt.received_at, event_ids);
	CdpStoreRejects(source, rejects, nrejected);
	if (nrejected > 0)
		ereport(NOTICE,
				(errmsg("%d of %d events were rejected", nrejected, n),
				 errhint("See cdp.rejected_events.")));
	PG_RETURN_INT32(nnew);
}
