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
 * Ingests a batch body ({"batch": [...]} or an array) or one event of the
 * endpoint's type; the writeKey member is not stored.  Returns false when
 * the batch holds more events than Segment allows; counts the new events
 * in request->events.
 */
static bool
ingest_events(CdpHttpRequest *request, const char *source, Datum body)
{
	Oid			argtypes[3] = {TEXTOID, JSONBOID, TEXTOID};
	Datum		args[3];
	bool		isnull;

	args[0] = CStringGetTextDatum(source);
	args[1] = body;
	if (request->endpoint->type == NULL)
	{
		args[2] = Int32GetDatum(CDP_HTTP_MAX_EVENTS);
		argtypes[2] = INT4OID;
		CdpExecute(CdpPlan(&batch_plan,
						   "SELECT CASE WHEN pg_catalog.jsonb_array_length(CASE pg_catalog.jsonb_typeof(b)"
						   "   WHEN 'array' THEN b"
						   "   WHEN 'object' THEN CASE WHEN pg_catalog.jsonb_typeof(b -> 'batch') = 'array'"
						   "                           THEN b -> 'batch' END END) > $3 THEN NULL"
						   "  ELSE cdp.ingest_batch($1, b) END"
						   "  FROM (SELECT $2 OPERATOR(pg_catalog.-) 'writeKey' AS b) s",
						   3, argtypes),
				   args, SPI_OK_SELECT);
	}
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
	request->events = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return !isnull;
}

/* The body as text: inflated when gzip; NULL when it is not. */
static const char *
body_text(CdpHttpRequest *request)
{
	size_t		len;
	bool		too_large;
	const char *text;

	if (!request->gzip)
		return request->body != NULL ? request->body : "";
	text = CdpHttpGunzip(request->body != NULL ? request->body : "", request->body_len,
						 CDP_HTTP_MAX_BODY, &len, &too_large);
	if (text == NULL)
		CdpHttpAnswer(request, too_large ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST,
					  too_large ? "{\"error\": \"the body inflates to more than 500 KB\"}"
					  : "{\"error\": \"the body is not valid gzip\"}");
	else if (strlen(text) != len)
	{
		CdpHttpAnswer(request, MHD_HTTP_BAD_REQUEST, "{\"error\": \"the body is not valid JSON\"}");
		return NULL;
	}
	return text;
}

/*
 * The body as jsonb, or NULL (answered) when it is not JSON.  The parser's
 * own message would quote the body, so its error is replaced.
 */
static Datum
parse_body(CdpHttpRequest *request, const char *text, bool *ok)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile Datum body = (Datum) 0;

	*ok = false;
	if (request->body_len > 0 && !request->gzip && strlen(text) != request->body_len)
	{
		CdpHttpAnswer(request, MHD_HTTP_BAD_REQUEST, "{\"error\": \"the body is not valid JSON\"}");
		return (Datum) 0;
	}
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		body = DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
		ReleaseCurrentSubTransaction();
		*ok = true;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		CdpHttpAnswer(request, MHD_HTTP_BAD_REQUEST, "{\"error\": \"the body is not valid JSON\"}");
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return body;
}

/* Answers a request whose ingestion raised edata. */
static void
answer_error(CdpHttpRequest *request, const ErrorData *edata)
{
	StringInfoData json;
	const char *sqlstate = unpack_sql_state(edata->sqlerrcode);

	if (edata->sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED || strncmp(sqlstate, "22", 2) == 0)
	{
		initStringInfo(&json);
		appendStringInfoString(&json, "{\"error\": ");
		escape_json(&json, edata->message != NULL ? edata->message : "invalid event");
		appendStringInfoString(&json, "}");
		CdpHttpAnswer(request, edata->sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED
					  ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST, json.data);
		pfree(json.data);
		return;
	}
	/* Not the request's fault: logged by its code alone (no data). */
	ereport(LOG,
			(errmsg("cdp HTTP server: ingesting a request failed with SQLSTATE %s", sqlstate)));
	CdpHttpAnswer(request, MHD_HTTP_INTERNAL_SERVER_ERROR, "{\"error\": \"internal error\"}");
}

/* One request, in a subtransaction of its own. */
static void
ingest_request(CdpHttpRequest *request)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	const char *text;
	Datum		body;
	bool		ok;

	if (request->answered || (text = body_text(request)) == NULL)
		return;
	body = parse_body(request, text, &ok);
	if (!ok)
		return;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		char	   *source = write_key_source(request, body);

		if (request->endpoint->type != NULL && !JB_ROOT_IS_OBJECT(DatumGetJsonbP(body)))
			CdpHttpAnswer(request, MHD_HTTP_BAD_REQUEST, "{\"error\": \"the body must be a JSON object\"}");
		else if (source == NULL)
			CdpHttpAnswer(request, MHD_HTTP_UNAUTHORIZED, "{\"error\": \"missing or unknown write key\"}");
		else if (!ingest_events(request, source, body))
			CdpHttpAnswer(request, MHD_HTTP_CONTENT_TOO_LARGE,
						  "{\"error\": \"more than 2,500 events in one request\"}");
		else
			CdpHttpAnswer(request, MHD_HTTP_OK, "{\"success\": true}");
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		answer_error(request, edata);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
}

/* Counts a group commit and the events it stored. */
static void
count_committed(const CdpHttpRequest *pending)
{
	int64		events = 0;
	int64		requests = 0;

	for (const CdpHttpRequest *r = pending; r != NULL; r = r->next_pending)
	{
		requests++;
		if (r->status == MHD_HTTP_OK)
			events += r->events;
	}
	CdpHttpStatsCommitted(requests, events);
}

void
CdpHttpCollect(CdpHttpRequest *pending)
{
	MemoryContext cxt = CurrentMemoryContext;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		for (CdpHttpRequest *r = pending; r != NULL; r = r->next_pending)
		{
			if (r->endpoint->profile_api)
				CdpHttpReadProfile(r);
			else
				ingest_request(r);
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		count_committed(pending);
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
