/*-------------------------------------------------------------------------
 *
 * stitch.h
 *	  Deterministic identity stitching: identifiers seen together join one
 *	  profile, within the limits of cdp.identifier_kinds.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_STITCH_H
#define CDP_STITCH_H

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

/* Evidence that identifiers belong together: an event, or a manual link. */
typedef struct CdpStitchEvent
{
	int64		event_id;		/* 0 for a manual link */
	int32		source_id;		/* 0 for a manual link */
	TimestampTz occurred_at;
	const char *rule;			/* "event", "alias" or "manual" */
	const char *reason;			/* why, for a manual link; else NULL */
	bool		enforce_limits; /* false: alias and manual links join anyway */
	int			nidentifiers;
	Datum	   *identifiers;	/* cdp.ident; the first is whose event it is */
	Jsonb	   *traits;			/* identify traits of the first identifier */
} CdpStitchEvent;

/* What a stitch did. */
typedef struct CdpStitchStats
{
	int64		new_identities;
	int64		new_profiles;
	int64		merges;			/* profiles absorbed into another */
	int64		new_edges;
	int64		refused;		/* links refused by a kind's limit */
} CdpStitchStats;

extern void CdpStitchCheckIsolation(void);
extern void CdpStitchLock(void);
extern void CdpStitch(CdpStitchEvent *events, int n, CdpStitchStats *stats);
extern void CdpRefreshProfiles(const int64 *profile_ids, int n);

#endif							/* CDP_STITCH_H */
