/*-------------------------------------------------------------------------
 *
 * http_collect.c
 *	  Ingests the requests that arrived together in one transaction (a
 *	  group commit: one WAL flush for all of them), each request in a
 *	  subtransaction of its own, so that a bad request fails alone.  A
 *	  request is answered 200 only once the transaction has committed;
 *	  when the commit fails, every request is answered 503 with Retry-After
 *	  and the SDKs send it again (messageId makes that harmless).
 *
 * Answers never quote the body: a body that is not JSON gets a fixed
 * message, and an event that ingestion refuses gets cdp's own message,
 * which names the field and never its value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <microhttpd.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "http/http_internal.h"

static CdpPlanCache key_plan;
static CdpPlanCache batch_plan;
static CdpPlanCache event_plan;

/* A request of the group being collected found the database busy. */
static bool group_busy = false;
static const char busy_answer[] = "{\"error\": \"the database is busy, retry\"}";

/* The source of the request's write key (Basic auth, else the body's), or NULL. */
static char *
write_key_source(const CdpHttpRequest *request, Datum body)
{
	Oid			argtypes[2] = {TEXTOID, JSONBOID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	bool		isnull;
	Datum		source;

	args[0] = request->credential != NULL ? CStringGetTextDatum(request->credential) : (Datum) 0;
	nulls[0] = request->credential != NULL ? ' ' : 'n';
	args[1] = body;
	if (SPI_execute_plan(CdpPlan(&key_plan,
								 "SELECT cdp.write_key_source(coalesce($1,"
								 " $2 OPERATOR(pg_catalog.->>) 'writeKey'))",
								 2, argtypes),
						 args, nulls, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "looking up the write key failed");
	source = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? NULL : TextDatumGetCString(source);
}

/*
 * The events of a batch body ({"batch": [...]} or an array): how many, to
 * hold Segment's limit before anything is read.
 */
static int
batch_length(Jsonb *body)
{
	JsonbValue *batch;

	if (JB_ROOT_IS_ARRAY(body) && !JB_ROOT_IS_SCALAR(body))
		return JB_ROOT_COUNT(body);
	if (!JB_ROOT_IS_OBJECT(body))
		return 0;
	batch = getKeyJsonValueFromContainer(&body->root, "batch", 5, NULL);
	if (batch == NULL || batch->type != jbvBinary || !JsonContainerIsArray(batch->val.binary.data))
		return 0;
	return JsonContainerSize(batch->val.binary.data);
}

/*
 * Ingests a batch body or one event of the endpoint's type into source;
 * the writeKey member is not stored.  Returns how many events were new.
 */
static int
ingest_events(const CdpHttpRequest *request, const char *source, Datum body)
{
	Oid			argtypes[3] = {TEXTOID, JSONBOID, TEXTOID};
	Datum		args[3];
	bool		isnull;

	args[0] = CStringGetTextDatum(source);
	args[1] = body;
	if (request->endpoint->type == NULL)
		CdpExecute(CdpPlan(&batch_plan,
						   "SELECT cdp.ingest_batch($1, $2 OPERATOR(pg_catalog.-) 'writeKey')",
						   2, argtypes),
				   args, SPI_OK_SELECT);
	else
	{
		args[2] = CStringGetTextDatum(request->endpoint->type);
		CdpExecute(CdpPlan(&event_plan,
						   "SELECT cdp.ingest_batch($1, pg_catalog.jsonb_build_array("
						   "  ($2 OPERATOR(pg_catalog.-) 'writeKey')"
						   "  OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('type', $3)))",
						   3, argtypes),
				   args, SPI_OK_SELECT);
	}
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * The body as text, inflated when gzip, and its length; NULL (answered)
 * when it is not valid gzip or inflates beyond the bound.
 */
static const char *
body_text(CdpHttpRequest *request, size_t *len)
{
	const char *raw = request->body != NULL ? request->body : "";
	bool		too_large;
	const char *text;

	*len = request->body_len;
	if (!request->gzip)
		return raw;
	text = CdpHttpGunzip(raw, request->body_len, CDP_HTTP_MAX_BODY, len, &too_large);
	if (text == NULL)
		CdpHttpAnswer(request, too_large ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST,
					  too_large ? "{\"error\": \"the body inflates to more than 500 KB\"}"
					  : "{\"error\": \"the body is not valid gzip\"}");
	return text;
}

/*
 * One request's work, in its subtransaction: the body parsed (a NUL or
 * anything the parser refuses is "not JSON": its own message would quote
 * the body), the write key looked up, the events ingested.
 */
static void
ingest_body(CdpHttpRequest *request)
{
	size_t		len;
	const char *text = body_text(request, &len);
	Datum		body;
	char	   *source;

	if (text == NULL)
		return;
	request->parsing = true;
	if (strlen(text) != len)
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), errmsg("body holds NUL")));
	body = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
	request->parsing = false;
	source = write_key_source(request, body);
	if (request->endpoint->type != NULL && !JB_ROOT_IS_OBJECT(DatumGetJsonbP(body)))
		CdpHttpAnswer(request, MHD_HTTP_BAD_REQUEST, "{\"error\": \"the body must be a JSON object\"}");
	else if (source == NULL)
		CdpHttpAnswer(request, MHD_HTTP_UNAUTHORIZED, "{\"error\": \"missing or unknown write key\"}");
	else if (request->endpoint->type == NULL && batch_length(DatumGetJsonbP(body)) > CDP_HTTP_MAX_EVENTS)
		CdpHttpAnswer(request, MHD_HTTP_CONTENT_TOO_LARGE,
					  "{\"error\": \"more than 2,500 events in one request\"}");
	else
	{
		request->events = ingest_events(request, source, body);
		CdpHttpAnswer(request, MHD_HTTP_OK, "{\"success\": true}");
	}
}

/* Answers a request whose ingestion raised edata. */
static void
answer_error(CdpHttpRequest *request, const ErrorData *edata)
{
	StringInfoData json;
	const char *sqlstate = unpack_sql_state(edata->sqlerrcode);

	if (request->parsing)
		CdpHttpAnswer(request, MHD_HTTP_BAD_REQUEST, "{\"error\": \"the body is not valid JSON\"}");
	else if (edata->sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED || strncmp(sqlstate, "22", 2) == 0)
	{
		initStringInfo(&json);
		appendStringInfoString(&json, "{\"error\": ");
		escape_json(&json, edata->message != NULL ? edata->message : "invalid event");
		appendStringInfoString(&json, "}");
		CdpHttpAnswer(request, edata->sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED
					  ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST, json.data);
		pfree(json.data);
	}
	else
		CdpHttpAnswerFailure(request, edata);
}

/*
 * Errors that say the database cannot take the request now, not that it
 * is wrong: a lock not granted within cdp.http_max_wait, a serialization
 * failure or deadlock, resources exhausted (disk full, out of memory), a
 * cancel or shutdown.
 */
static bool
database_busy(const ErrorData *edata)
{
	const char *sqlstate = unpack_sql_state(edata->sqlerrcode);

	return edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		strncmp(sqlstate, "40", 2) == 0 || strncmp(sqlstate, "53", 2) == 0 ||
		strncmp(sqlstate, "57", 2) == 0;
}

/*
 * CdpHttpAnswerFailure answers a request that failed not by its own fault
 * (logged by SQLSTATE alone: no data): 503 with Retry-After when the
 * database is busy, and then the rest of the group is answered so without
 * being tried (each would wait as long); else 500.
 */
void
CdpHttpAnswerFailure(CdpHttpRequest *request, const ErrorData *edata)
{
	ereport(LOG,
			(errmsg("cdp HTTP server: a request failed with SQLSTATE %s",
					unpack_sql_state(edata->sqlerrcode))));
	if (database_busy(edata))
	{
		group_busy = true;
		CdpHttpAnswer(request, MHD_HTTP_SERVICE_UNAVAILABLE, busy_answer);
	}
	else
		CdpHttpAnswer(request, MHD_HTTP_INTERNAL_SERVER_ERROR, "{\"error\": \"internal error\"}");
}

/*
 * CdpHttpSubtransaction runs work(request) in a subtransaction, kept when
 * keep and it succeeded, else rolled back.  Returns the error it raised
 * (the caller frees it), or NULL.
 */
ErrorData *
CdpHttpSubtransaction(void (*work) (CdpHttpRequest *), CdpHttpRequest *request, bool keep)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		work(request);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	if (keep && edata == NULL)
		ReleaseCurrentSubTransaction();
	else
		RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return edata;
}

/* One request, in a subtransaction of its own. */
static void
ingest_request(CdpHttpRequest *request)
{
	ErrorData  *edata;

	if (request->answered)
		return;
	edata = CdpHttpSubtransaction(ingest_body, request, true);
	if (edata != NULL)
	{
		answer_error(request, edata);
		FreeErrorData(edata);
	}
}

/*
 * Counts a group commit: the requests it held (tried of them: the others
 * were answered before, such as those shed from the queue) and the new
 * events it stored.
 */
static void
count_committed(const CdpHttpRequest *pending, int64 tried)
{
	int64		events = 0;

	for (const CdpHttpRequest *r = pending; r != NULL; r = r->next_pending)
		if (r->status == MHD_HTTP_OK)
			events += r->events;
	CdpHttpStatsCommitted(tried, events);
}

void
CdpHttpCollect(CdpHttpRequest *pending)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int64 tried = 0;	/* set before PG_TRY, read inside it */

	for (const CdpHttpRequest *r = pending; r != NULL; r = r->next_pending)
		tried += !r->answered;
	if (tried == 0)
		return;					/* every request was answered already */
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		group_busy = false;
		for (CdpHttpRequest *r = pending; r != NULL; r = r->next_pending)
		{
			if (group_busy && !r->answered)
				CdpHttpAnswer(r, MHD_HTTP_SERVICE_UNAVAILABLE, busy_answer);
			else if (r->endpoint->profile_api)
				CdpHttpReadProfile(r);
			else if (r->endpoint->console)
				CdpHttpConsole(r);
			else
				ingest_request(r);
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		count_committed(pending, tried);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		for (CdpHttpRequest *r = pending; r != NULL; r = r->next_pending)
			if (!r->answered || r->status == MHD_HTTP_OK)
				CdpHttpAnswer(r, MHD_HTTP_SERVICE_UNAVAILABLE,
							  "{\"error\": \"not stored, retry\"}");
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
}
