/*-------------------------------------------------------------------------
 *
 * identities.c
 *	  Reading cdp.identities for the identity functions: the identity of
 *	  an identifier, and the checks on their identifier arguments.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "identity/identity_internal.h"

static CdpPlanCache identity_plan;

/* cdp.suspect_links, which the view cdp.identity_suspects reads. */
int			cdp_suspect_links = 20;

/*
 * CdpFindIdentity reads the identity of ident; false when it is unknown.
 * read_only runs in the caller's snapshot (STABLE functions).  SPI is
 * connected.
 */
bool
CdpFindIdentity(Datum ident, bool read_only, CdpIdentity *identity)
{
	Oid			argtype = CdpTypeOid("ident");
	SPIPlanPtr	plan = CdpPlan(&identity_plan,
							   "SELECT identity_id, profile_id, quarantined FROM cdp.identities"
							   " WHERE ident = $1", 1, &argtype);
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;

	if (read_only)
		CdpExecuteReadOnly(plan, &ident);
	else
		CdpExecute(plan, &ident, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return false;
	tuple = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	identity->identity_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
	identity->profile_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
	identity->quarantined = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull));
	return true;
}

/*
 * CdpKnownIdentity is CdpFindIdentity (read-write), raising 42704 when the
 * identifier passed as argument argname is unknown.
 */
CdpIdentity
CdpKnownIdentity(Datum ident, const char *argname)
{
	CdpIdentity identity;

	if (!CdpFindIdentity(ident, false, &identity))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("identifier %s is unknown", argname),
				 errdetail("No event or link has carried it.")));
	return identity;
}

/* CdpRequireDistinct raises 22023 when the identifiers a and b are equal. */
void
CdpRequireDistinct(Datum a, Datum b)
{
	if (CdpIdentEqual(DatumGetCdpIdentP(a), DatumGetCdpIdentP(b)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the two identifiers are the same")));
}
