/*-------------------------------------------------------------------------
 *
 * identity.h
 *	  The public header of src/identity: the identity graph, where
 *	  identifiers seen together join one profile.
 *
 *	  stitch.c			joins a batch of evidence (union-find, kind limits)
 *	  stitch_batch.c	what one stitch works on
 *	  stitch_write.c	writes what a stitch decided
 *	  stitch_defer.c	stitching at commit
 *	  stitch_queue.c	the queue of cdp.stitch_pending()
 *	  restitch.c		rebuilds (cdp.restitch(), after unlink and quarantine)
 *	  profile_merge.c	one profile absorbing others
 *	  merge_log.c		cdp.merge_log
 *	  identities.c		reading cdp.identities
 *	  link.c			cdp.link(), cdp.unlink(), cdp.quarantine()
 *	  why_linked.c		cdp.why_linked()
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_IDENTITY_H
#define CDP_IDENTITY_H

#include "ident/ident.h"

/* cdp.suspect_links: links from which an identifier is a suspect */
extern int	cdp_suspect_links;

/*
 * Evidence that identifiers belong together: an event, a manual link, or
 * a probabilistic match.
 */
typedef struct CdpStitchEvent
{
	int64		event_id;		/* 0 for a manual link or a match */
	int32		source_id;		/* 0 for a manual link or a match */
	TimestampTz occurred_at;
	const char *rule;			/* "event", "alias", "manual" or "match" */
	const char *reason;			/* why, for a manual link or a match; else NULL */
	bool		enforce_limits; /* false: alias and manual links join anyway */
	int			nidentifiers;
	Datum	   *identifiers;	/* cdp.ident; the first is whose event it is */
	Jsonb	   *traits;			/* identify traits of the first identifier */
	bool		consent;		/* carries consent: recompute the profile's */
	int32		model_id;		/* a match: its model; else 0 */
	double		match_weight;	/* a match: the pair's weight and probability */
	double		probability;
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

/*
 * Stitches events[0..n) now, under the stitching lock (held to the end of
 * the transaction; READ COMMITTED only), adding what it did to *stats.
 * SPI is connected.
 */
extern void CdpStitch(CdpStitchEvent *events, int n, CdpStitchStats *stats);

/*
 * Stitches events[0..n) (copied) when the transaction commits.  Refuses
 * REPEATABLE READ and SERIALIZABLE transactions.
 */
extern void CdpStitchAtCommit(const CdpStitchEvent *events, int n);

/* Queues events[0..n) for cdp.stitch_pending(). */
extern void CdpStitchEnqueue(const CdpStitchEvent *events, int n);

/* Registers the transaction callbacks of stitching at commit; from _PG_init. */
extern void CdpIdentityInit(void);

#endif							/* CDP_IDENTITY_H */
