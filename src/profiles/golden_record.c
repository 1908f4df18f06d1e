/*-------------------------------------------------------------------------
 *
 * golden_record.c
 *	  Recomputing golden records: each trait of a profile is the value its
 *	  rule in cdp.trait_rules picks among the values seen for the profile's
 *	  identities (cdp.refresh_profiles(), profiles.sql).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "profiles/profiles.h"

static CdpPlanCache refresh_plan;

/*
 * CdpRefreshProfiles recomputes the golden record of the profiles and
 * marks them updated.  SPI must be connected.
 */
void
CdpRefreshProfiles(const int64 *profile_ids, int n)
{
	Oid			argtype = INT8ARRAYOID;
	Datum		arg;

	if (n == 0)
		return;
	arg = CdpInt8Array(profile_ids, n);
	CdpExecute(CdpPlan(&refresh_plan, "SELECT cdp.refresh_profiles($1)", 1, &argtype),
			   &arg, SPI_OK_SELECT);
}
