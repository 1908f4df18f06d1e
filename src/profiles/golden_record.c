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
#include "utils/lsyscache.h"

#include "profiles/profiles.h"

static CdpPlanCache refresh_plan;
static CdpPlanCache consents_plan;

/*
 * CdpRefreshProfiles recomputes the golden record of the profiles, marks
 * them updated, and recomputes their consent from their identifiers' (a
 * merge or split changes which identifiers have a say; a database still at
 * 0.1.0 has no consent).  SPI must be connected.
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
	if (OidIsValid(get_relname_relid("identifier_consents", CdpSchemaOid())))
		CdpExecute(CdpPlan(&consents_plan, "SELECT cdp.refresh_consents($1)", 1, &argtype),
				   &arg, SPI_OK_SELECT);
}
