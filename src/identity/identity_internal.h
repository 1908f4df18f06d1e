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

/* graph_lock.c: the graph lock, and the finer locks of one stitch. */
extern void CdpStitchCheckIsolation(void);
extern void CdpGraphLockExclusive(void);
extern bool CdpGraphLockedExclusively(void);
extern bool CdpGraphLockShared(void);
extern void CdpGraphUnlockShared(void);

typedef struct CdpFineLocks
{
	int			n;				/* tags added (after CdpFineLocksSort: distinct) */
	struct LOCKTAG *tags;
} CdpFineLocks;

extern int	CdpFineLockLimit(void);
extern void CdpFineLocksInit(CdpFineLocks *locks, int capacity);
extern void CdpFineLockIdent(CdpFineLocks *locks, const struct varlena *ident);
extern void CdpFineLockProfile(CdpFineLocks *locks, int64 profile_id);
extern void CdpFineLocksSort(CdpFineLocks *locks);
extern void CdpFineLocksAcquire(CdpFineLocks *locks);
extern bool CdpFineLocksCover(const CdpFineLocks *held, const CdpFineLocks *wanted);
extern void CdpFineLocksRelease(CdpFineLocks *locks);

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
