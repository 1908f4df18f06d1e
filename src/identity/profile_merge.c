/*-------------------------------------------------------------------------
 *
 * profile_merge.c
 *	  One profile absorbing others, for stitching and for rebuilds: the
 *	  absorbed profiles' identities move to the survivor, their ids stay
 *	  resolvable through cdp.profile_aliases, their rows go, and the
 *	  survivor keeps the earliest created_at.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "identity/identity_internal.h"

static CdpPlanCache merge_plans[4];

/*
 * CdpMergeProfiles merges each absorbed[i] into survivor[i]; SPI is
 * connected.  Aliases that pointed at an absorbed profile point at its
 * survivor.  move_identities is false for a rebuild, which has moved each
 * identity to its own new profile already.
 */
void
CdpMergeProfiles(const int64 *absorbed, const int64 *survivor, int64 n,
				 bool move_identities)
{
	static const char *const merge_sql[4] = {
		"UPDATE cdp.identities i SET profile_id = m.survivor"
		" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS m(absorbed, survivor)"
		" WHERE i.profile_id = m.absorbed",
		"UPDATE cdp.profile_aliases a SET profile_id = m.survivor"
		" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS m(absorbed, survivor)"
		" WHERE a.profile_id = m.absorbed",
		"INSERT INTO cdp.profile_aliases (old_id, profile_id)"
		" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))",
		"WITH gone AS (DELETE FROM cdp.profiles p WHERE p.profile_id = ANY ($1)"
		"              RETURNING p.profile_id, p.created_at),"
		"     earliest AS (SELECT m.survivor, pg_catalog.min(gone.created_at) AS created_at"
		"         FROM gone JOIN ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))"
		"                        AS m(absorbed, survivor) ON m.absorbed = gone.profile_id"
		"        GROUP BY m.survivor)"
		" UPDATE cdp.profiles p SET created_at = earliest.created_at FROM earliest"
		" WHERE p.profile_id = earliest.survivor AND earliest.created_at < p.created_at"
	};
	static const int merge_result[4] = {SPI_OK_UPDATE, SPI_OK_UPDATE, SPI_OK_INSERT, SPI_OK_UPDATE};

	int			first = move_identities ? 0 : 1;

	if (n == 0)
		return;
	CdpExecuteOnPairs(merge_plans + first, merge_sql + first, merge_result + first,
					  lengthof(merge_sql) - first, absorbed, survivor, n);
}
