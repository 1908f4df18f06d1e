/*-------------------------------------------------------------------------
 *
 * profile_merge.c
 *	  One profile absorbing others, for stitching and for rebuilds: the
 *	  absorbed profiles' identities move to the survivor, their ids stay
 *	  resolvable through cdp.profile_aliases (with when each was
 *	  created), their rows go, and the survivor keeps the earliest
 *	  created_at.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "identity/identity_internal.h"

#define MOVE_IDENTITIES \
	"UPDATE cdp.identities i SET profile_id = m.survivor" \
	" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS m(absorbed, survivor)" \
	" WHERE i.profile_id = m.absorbed"
#define MOVE_ALIASES \
	"UPDATE cdp.profile_aliases a SET profile_id = m.survivor" \
	" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS m(absorbed, survivor)" \
	" WHERE a.profile_id = m.absorbed"
/* 0.1.0's aliases do not keep when the profile was created. */
#define ADD_ALIASES_0_1_0 \
	"INSERT INTO cdp.profile_aliases (old_id, profile_id)" \
	" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))"
#define ADD_ALIASES \
	"INSERT INTO cdp.profile_aliases (old_id, profile_id, created_at)" \
	" SELECT m.absorbed, m.survivor, p.created_at" \
	" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS m(absorbed, survivor)" \
	" LEFT JOIN cdp.profiles p ON p.profile_id = m.absorbed"
#define DROP_ABSORBED \
	"WITH gone AS (DELETE FROM cdp.profiles p WHERE p.profile_id = ANY ($1)" \
	"              RETURNING p.profile_id, p.created_at)," \
	"     earliest AS (SELECT m.survivor, pg_catalog.min(gone.created_at) AS created_at" \
	"         FROM gone JOIN ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2))" \
	"                        AS m(absorbed, survivor) ON m.absorbed = gone.profile_id" \
	"        GROUP BY m.survivor)" \
	" UPDATE cdp.profiles p SET created_at = earliest.created_at FROM earliest" \
	" WHERE p.profile_id = earliest.survivor AND earliest.created_at < p.created_at"

/* The statements of a merge, for a database at 0.1.0 and at 0.2.0. */
static const char *const merge_sql[2][4] = {
	{MOVE_IDENTITIES, MOVE_ALIASES, ADD_ALIASES_0_1_0, DROP_ABSORBED},
	{MOVE_IDENTITIES, MOVE_ALIASES, ADD_ALIASES, DROP_ABSORBED}
};
static const int merge_result[4] = {SPI_OK_UPDATE, SPI_OK_UPDATE, SPI_OK_INSERT, SPI_OK_UPDATE};
static CdpPlanCache merge_plans[2][4];

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
	/*
	 * profile_aliases.created_at came in 0.2.0 with the history tables; a
	 * database still at 0.1.0 runs this library too.
	 */
	int			version = OidIsValid(CdpRelationOidIfExists("stats_profile_deltas")) ? 1 : 0;
	int			first = move_identities ? 0 : 1;

	if (n == 0)
		return;
	CdpExecuteOnPairs(merge_plans[version] + first, merge_sql[version] + first,
					  merge_result + first, lengthof(merge_result) - first,
					  absorbed, survivor, n);
}
