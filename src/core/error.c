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

/*
 * CdpIsObjectName tells whether the len bytes at name spell a name of a cdp
 * object (a source, a match model): 1 to 63 ASCII letters, digits, "_", ".",
 * ":" or "-", starting with a letter or a digit. The tables' check
 * constraints state the same rule as a regular expression.
 */
bool
CdpIsObjectName(const char *name, int len)
{
	if (len < 1 || len >= NAMEDATALEN)
		return false;
	for (int i = 0; i < len; i++)
	{
		char		c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (i > 0 && strchr("_.:-", c) != NULL)))
			return false;
	}
	return true;
}
