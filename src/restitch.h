/*-------------------------------------------------------------------------
 *
 * restitch.h
 *	  Rebuilds profiles from the links: all of them, or one profile after
 *	  a link inside it was cut.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_RESTITCH_H
#define CDP_RESTITCH_H

#include "postgres.h"

/* What a rebuild found and did. */
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

#endif							/* CDP_RESTITCH_H */
