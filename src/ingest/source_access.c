/*-------------------------------------------------------------------------
 *
 * source_access.c
 *	  Who may ingest into a source, and the rights ingestion runs with.
 *
 * cdp.ingest and cdp.ingest_batch are SECURITY INVOKER: they look at the
 * role that called them, which must have the privileges of a role granted
 * the source (cdp.grant_source, kept in cdp.source_grants), of the
 * functions' owner, or of a superuser.  They then run as the functions'
 * owner, as SECURITY DEFINER functions would, so that callers need no
 * rights on cdp's tables.  (A SECURITY DEFINER function could not tell
 * its caller from its owner.)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"

#include "ingest/ingest_internal.h"

/* Returns the source called name, raising 42704 when there is none. */
static const CdpSource *
lookup_source(text *name)
{
	const CdpSource *source = CdpLookupSource(name);
	int			len = VARSIZE_ANY_EXHDR(name);

	if (source == NULL && CdpIsObjectName(VARDATA_ANY(name), len))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("source \"%.*s\" does not exist", len, VARDATA_ANY(name)),
				 errhint("Create it with cdp.create_source().")));
	if (source == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("source does not exist"),
				 errdetail("The name given is not a valid source name."),
				 errhint("Create it with cdp.create_source().")));
	return source;
}

/* Whether userid may ingest into source (superusers have every privilege). */
static bool
may_ingest(const CdpSource *source, Oid userid, Oid owner)
{
	if (!source->bound || has_privs_of_role(userid, owner))
		return true;
	for (int i = 0; i < source->ngrantees; i++)
		if (has_privs_of_role(userid, DatumGetObjectId(source->grantees[i])))
			return true;
	return false;
}

/*
 * CdpBeginIngest switches to the owner of the called function, saving the
 * caller's identity in *saved, and returns the source called name (argument
 * 0) once the caller may ingest into it; else raises 42704 or 42501.
 */
const CdpSource *
CdpBeginIngest(FunctionCallInfo fcinfo, CdpIngestUser *saved)
{
	Oid			owner = CdpFunctionOwner(fcinfo->flinfo->fn_oid);
	const CdpSource *source;

	GetUserIdAndSecContext(&saved->userid, &saved->sec_context);
	SetUserIdAndSecContext(owner, saved->sec_context | SECURITY_LOCAL_USERID_CHANGE);
	source = lookup_source(PG_GETARG_TEXT_PP(0));
	if (!may_ingest(source, saved->userid, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to ingest into source \"%s\"", source->name),
				 errhint("cdp.grant_source(role, source) grants a role a source.")));
	return source;
}

/* CdpEndIngest switches back to the caller. */
void
CdpEndIngest(const CdpIngestUser *saved)
{
	SetUserIdAndSecContext(saved->userid, saved->sec_context);
}
