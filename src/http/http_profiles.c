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
#include "utils/resowner.h"

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

/* Runs the read of request's path as role for purpose; answers it. */
static void
read_as(CdpHttpRequest *request, const char *role, const char *purpose)
{
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];
	size_t		len = strlen(request->profile_path);
	bool		isnull;
	Datum		result;

	if (SPI_execute_with_args("SELECT pg_catalog.set_config('role', $1, true),"
							  " pg_catalog.set_config('cdp.purpose', $2, true)",
							  2, (Oid[]) {TEXTOID, TEXTOID},
							  (Datum[]) {CStringGetTextDatum(role), CStringGetTextDatum(purpose)},
							  NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "setting the read token's role failed");
	for (size_t i = 0; i < lengthof(parts); i++)
	{
		size_t		suffix = strlen(parts[i].suffix);

		if (len <= suffix || strcmp(request->profile_path + len - suffix, parts[i].suffix) != 0)
			continue;
		args[0] = PointerGetDatum(cstring_to_text_with_len(request->profile_path, (int) (len - suffix)));
		args[1] = Int32GetDatum(request->limit);
		if (SPI_execute_with_args(parts[i].query, 2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "reading the profile failed");
		result = SPI_processed == 1
			? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull) : (Datum) 0;
		if (SPI_processed != 1 || isnull)
			CdpHttpAnswer(request, MHD_HTTP_NOT_FOUND, not_found);
		else
			CdpHttpAnswer(request, MHD_HTTP_OK,
						  DatumGetCString(DirectFunctionCall1(jsonb_out, result)));
		return;
	}
	CdpHttpAnswer(request, MHD_HTTP_NOT_FOUND, not_found);
}

/* The role and purpose of the request's read token, or false. */
static bool
token_grant(const CdpHttpRequest *request, char **role, char **purpose)
{
	bool		isnull;

	if (request->credential == NULL || request->credential[0] == '\0')
		return false;
	if (SPI_execute_with_args("SELECT g.role::pg_catalog.text, g.purpose FROM cdp.read_token_grant($1) g"
							  " WHERE g.role IS NOT NULL",
							  1, (Oid[]) {TEXTOID}, (Datum[]) {CStringGetTextDatum(request->credential)},
							  NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "looking up the read token failed");
	if (SPI_processed != 1)
		return false;
	*role = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	*purpose = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	return true;
}

void
CdpHttpReadProfile(CdpHttpRequest *request)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	if (request->answered)
		return;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		char	   *role;
		char	   *purpose;

		if (!token_grant(request, &role, &purpose))
			CdpHttpAnswer(request, MHD_HTTP_UNAUTHORIZED, "{\"error\": \"missing or unknown read token\"}");
		else
			read_as(request, role, purpose);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (edata->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE)
			CdpHttpAnswer(request, MHD_HTTP_FORBIDDEN,
						  "{\"error\": \"the read token's role may not read profiles\"}");
		else if (strncmp(unpack_sql_state(edata->sqlerrcode), "22", 2) == 0)
			CdpHttpAnswer(request, MHD_HTTP_NOT_FOUND, not_found);
		else
		{
			ereport(LOG,
					(errmsg("cdp HTTP server: reading a profile failed with SQLSTATE %s",
							unpack_sql_state(edata->sqlerrcode))));
			CdpHttpAnswer(request, MHD_HTTP_INTERNAL_SERVER_ERROR, "{\"error\": \"internal error\"}");
		}
		FreeErrorData(edata);
	}
	PG_END_TRY();
	/* Always rolled back: the role and purpose go, and nothing was written. */
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
}
