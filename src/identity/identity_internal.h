/*-------------------------------------------------------------------------
 *
 * identity_internal.h
 *	  What the files of src/identity share: stitching, rebuilds, merges,
 *	  the merge log and lookups of cdp.identities.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_IDENTITY_INTERNAL_H
#define CDP_IDENTITY_INTERNAL_H

#include "identity/identity.h"

/* stitch.c */
extern void CdpStitchCheckIsolation(void);
extern void CdpStitchLock(void);

/* stitch_queue.c */
extern void CdpStitchOwnQueued(int64 first, int32 chunk);

/* restitch.c: what a rebuild found and did. */
typedef struct CdpRestitchResult
{
	int64		identities;		/* in scope */
	int64		edges;			/* read */
	int64		moved;			/* identities whose profile changed */
	int64		new_profiles;	/* split off */
	int64		merged_profiles;	/* ids that merged into another */
	int32		nprofiles;		/* the profiles the scope's identities hold now, ascending */
	int64	   *profiles;
} CdpRestitchResult;

extern void CdpRestitch(int64 profile_id, const char *reason,
						CdpRestitchResult *result);

/* profile_merge.c */
extern void CdpMergeProfiles(const int64 *absorbed, const int64 *survivor, int64 n,
							 bool move_identities);

/* merge_log.c: entries of cdp.merge_log, gathered and written at once. */
typedef struct CdpLogRows
{
	MemoryContext cxt;			/* holds the entries until written */
	int			n;
	int			cap;
	Datum	   *action;
	int64	   *profile_id;
	int64	   *other_id;
	int64	   *a_id;
	int64	   *b_id;
	int64	   *event_id;
	int32	   *source_id;
	Datum	   *reason;
} CdpLogRows;

extern void CdpLogRowsInit(CdpLogRows *rows);
extern void CdpLogRow(CdpLogRows *rows, const char *action, int64 profile_id,
					  int64 other_id, int64 a_id, int64 b_id, int64 event_id,
					  int32 source_id, const char *reason);
extern void CdpLogRowsWrite(CdpLogRows *rows);

/* identities.c: an identity as stored. */
typedef struct CdpIdentity
{
	int64		identity_id;
	int64		profile_id;
	bool		quarantined;
} CdpIdentity;

extern bool CdpFindIdentity(Datum ident, bool read_only, CdpIdentity *identity);
extern CdpIdentity CdpKnownIdentity(Datum ident, const char *argname);
extern void CdpRequireDistinct(Datum a, Datum b);

#endif							/* CDP_IDENTITY_INTERNAL_H */
