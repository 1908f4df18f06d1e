/*-------------------------------------------------------------------------
 *
 * changed_profiles.c
 *	  The log of profiles whose segment membership or computed traits may
 *	  have changed (cdp.profile_changes), written by stitching for the
 *	  profiles of every event it places.  Statement triggers log changes
 *	  made by SQL (golden records, identities moved by merges and splits).
 *
 *	  Nothing is logged while no segment or computed trait would read it
 *	  (their first refresh is a full one).
 *
 *	  Each row carries the writing transaction's id, and each segment and
 *	  computed trait remembers the snapshot of its last refresh: rows that
 *	  snapshot could not see are exactly the changes since (including
 *	  transactions that were still running then), whatever order
 *	  concurrent writers commit in.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/lsyscache.h"

#include "segments/segments.h"

static CdpPlanCache log_plan;

void
CdpLogChangedProfiles(const int64 *profile_ids, int n)
{
	Oid			argtype = INT8ARRAYOID;
	Datum		arg;

	/* a library newer than the installed version (before its update) */
	if (n == 0 || !OidIsValid(get_relname_relid("profile_changes", CdpSchemaOid())))
		return;
	arg = CdpInt8Array(profile_ids, n);
	CdpExecute(CdpPlan(&log_plan,
					   "INSERT INTO cdp.profile_changes (profile_id)"
					   " SELECT DISTINCT pg_catalog.unnest($1)"
					   " WHERE cdp.profile_changes_wanted()",
					   1, &argtype),
			   &arg, SPI_OK_INSERT);
	if (SPI_processed > 0)
		CdpAnnounceWork(CDP_WORK_JOBS);
}
