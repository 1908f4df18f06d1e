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
	bool		isnull;

	/* a library newer than the installed version (before its update) */
	if (n == 0 || !OidIsValid(get_relname_relid("profile_changes", CdpSchemaOid())))
		return;
	arg = CdpInt8Array(profile_ids, n);

	/*
	 * The jobs worker is woken only when a job would read the change: a
	 * segment or computed trait (the log), or automatic matching (which
	 * reads profiles' updated_at).  Waking it at every commit kept a core
	 * busy looking for work it did not have.
	 */
	CdpExecute(CdpPlan(&log_plan,
					   "WITH logged AS (INSERT INTO cdp.profile_changes (profile_id)"
					   "  SELECT DISTINCT pg_catalog.unnest($1)"
					   "   WHERE cdp.profile_changes_wanted() RETURNING 1)"
					   " SELECT EXISTS (SELECT 1 FROM logged)"
					   "     OR EXISTS (SELECT 1 FROM cdp.match_auto)",
					   1, &argtype),
			   &arg, SPI_OK_SELECT);
	if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		CdpAnnounceWork(CDP_WORK_JOBS);
}
