/*-------------------------------------------------------------------------
 *
 * http_profiles.c
 *	  The profile API, for personalization: GET /v1/profiles/{kind}:{value}
 *	  and its /traits, /segments and /events?limit=n, as JSON from the
 *	  golden record (cdp.profile()).  A read token stands for a role and a
 *	  purpose: the read runs as that role with cdp.purpose set, so row
 *	  security and consent decide what it sees, exactly as in SQL.
 *
 * Each read runs in a subtransaction that is always rolled back: the role
 * and purpose it set go with it, and it writes nothing.  An identifier
 * that is unknown, not visible to the role or not an identifier at all is
 * answered 404 alike, so the answer never tells which.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <microhttpd.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "http/http_internal.h"

static const char not_found[] = "{\"error\": \"not found\"}";

/* The parts of a profile one may ask for, after the identifier. */
static const struct
{
	const char *suffix;
	const char *query;
}			parts[] = {
	{"/traits", "SELECT cdp.profile($1::cdp.ident) OPERATOR(pg_catalog.->) 'traits'"},
	{"/segments", "SELECT cdp.profile($1::cdp.ident) OPERATOR(pg_catalog.->) 'segments'"},
	{"/events",
		"SELECT CASE WHEN p IS NOT NULL THEN coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object("
		"  'event_id', e.event_id, 'type', e.type, 'event', e.event, 'occurred_at', e.occurred_at,"
		"  'properties', e.payload OPERATOR(pg_catalog.->) 'properties') ORDER BY e.occurred_at DESC), '[]') END"
		"  FROM cdp.resolve($1::cdp.ident) p"
		"  LEFT JOIN LATERAL (SELECT x.* FROM cdp.identities i"
		"                       JOIN cdp.events x ON x.anchor OPERATOR(cdp.=) i.ident"
		"                      WHERE i.profile_id = p ORDER BY x.occurred_at DESC LIMIT $2) e ON true"
		" GROUP BY p"},
	{"", "SELECT cdp.profile($1::cdp.ident)"},
};

static CdpPlanCache token_plan;
static CdpPlanCache role_plan;
static CdpPlanCache part_plans[lengthof(parts)];

/* The role and purpose of the request's read token, or false. */
static bool
token_grant(const CdpHttpRequest *request, Datum *role, Datum *purpose)
{
	Oid			argtype = TEXTOID;
	Datum		arg;
	bool		isnull;

	if (request->credential == NULL || request->credential[0] == '\0')
		return false;
	arg = CStringGetTextDatum(request->credential);
	CdpExecute(CdpPlan(&token_plan,
					   "SELECT g.role::pg_catalog.text, g.purpose FROM cdp.read_token_grant($1) g"
					   " WHERE g.role IS NOT NULL",
					   1, &argtype),
			   &arg, SPI_OK_SELECT);
	if (SPI_processed != 1)
		return false;
	*role = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	*purpose = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	return true;
}

/*
 * The read of the request's token and path, in a subtransaction that is
 * rolled back: as the token's role, for its purpose, the part of the
 * profile the path's ending asks for.
 */
static void
read_profile(CdpHttpRequest *request)
{
	static const Oid argtypes[2] = {TEXTOID, INT4OID};
	size_t		len = strlen(request->profile_path);
	Datum		args[2];
	bool		isnull;
	Datum		result;
	size_t		i;

	if (!token_grant(request, &args[0], &args[1]))
	{
		CdpHttpAnswer(request, MHD_HTTP_UNAUTHORIZED, "{\"error\": \"missing or unknown read token\"}");
		return;
	}
	CdpExecute(CdpPlan(&role_plan,
					   "SELECT pg_catalog.set_config('role', $1, true),"
					   " pg_catalog.set_config('cdp.purpose', $2, true)",
					   2, (Oid[]) {TEXTOID, TEXTOID}),
			   args, SPI_OK_SELECT);
	for (i = 0; i < lengthof(parts); i++)
		if (len > strlen(parts[i].suffix) &&
			strcmp(request->profile_path + len - strlen(parts[i].suffix), parts[i].suffix) == 0)
			break;
	if (i == lengthof(parts))
	{
		CdpHttpAnswer(request, MHD_HTTP_NOT_FOUND, not_found);
		return;
	}
	args[0] = PointerGetDatum(cstring_to_text_with_len(request->profile_path,
													   (int) (len - strlen(parts[i].suffix))));
	args[1] = Int32GetDatum(request->limit);
	CdpExecute(CdpPlan(&part_plans[i], parts[i].query, 2, argtypes), args, SPI_OK_SELECT);
	result = SPI_processed == 1
		? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull) : (Datum) 0;
	if (SPI_processed != 1 || isnull)
		CdpHttpAnswer(request, MHD_HTTP_NOT_FOUND, not_found);
	else
		CdpHttpAnswer(request, MHD_HTTP_OK, DatumGetCString(DirectFunctionCall1(jsonb_out, result)));
}

void
CdpHttpReadProfile(CdpHttpRequest *request)
{
	ErrorData  *edata;

	if (request->answered)
		return;
	/* Always rolled back: the role and purpose go, and nothing was written. */
	edata = CdpHttpSubtransaction(read_profile, request, false);
	if (edata == NULL)
		return;
	if (edata->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE)
		CdpHttpAnswer(request, MHD_HTTP_FORBIDDEN,
					  "{\"error\": \"the read token's role may not read profiles\"}");
	else if (strncmp(unpack_sql_state(edata->sqlerrcode), "22", 2) == 0)
		CdpHttpAnswer(request, MHD_HTTP_NOT_FOUND, not_found);
	else
		CdpHttpAnswerFailure(request, edata);
	FreeErrorData(edata);
}
