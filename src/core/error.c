/*-------------------------------------------------------------------------
 *
 * error.c
 *	  Failures reported rather than raised (CdpError), and the check that
 *	  a required argument is not NULL.
 *
 * Validation code fills a CdpError and returns false instead of raising,
 * so that its caller decides: a batch records the bad event and goes on,
 * ingestion skips a trait that is no valid identifier, a SQL function
 * words the message its own way and raises it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "core/core.h"

/*
 * CdpFail fills *error (no field) and returns false, so that a validator
 * can "return CdpFail(...)".
 */
bool
CdpFail(CdpError *error, int sqlerrcode, const char *message, const char *detail,
		const char *hint)
{
	error->sqlerrcode = sqlerrcode;
	error->message = message;
	error->detail = detail;
	error->hint = hint;
	error->field = NULL;
	return false;
}

/*
 * CdpRaise raises *error.  The field at fault is reported as the error's
 * column name (PG_DIAG_COLUMN_NAME), which clients can read.
 */
void
CdpRaise(const CdpError *error)
{
	ereport(ERROR,
			(errcode(error->sqlerrcode),
			 errmsg_internal("%s", error->message),
			 error->detail ? errdetail_internal("%s", error->detail) : 0,
			 error->hint ? errhint("%s", error->hint) : 0,
			 error->field ? err_generic_string(PG_DIAG_COLUMN_NAME, error->field) : 0));
	pg_unreachable();
}

/* CdpRequireArgument raises 22004 when argument argno (called name) is NULL. */
void
CdpRequireArgument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}
