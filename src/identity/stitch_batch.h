/*-------------------------------------------------------------------------
 *
 * stitch_batch.h
 *	  What one stitch works on, shared by stitch.c (joining),
 *	  stitch_write.c (writing what the join decided) and stitch_batch.c
 *	  (helpers of both).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_STITCH_BATCH_H
#define CDP_STITCH_BATCH_H

#include "common/hashfn.h"
#include "utils/hsearch.h"

#include "identity/identity_internal.h"

/* One distinct identifier of the batch. */
typedef struct CdpGraphNode
{
	struct varlena *ident;
	int64		identity_id;	/* 0 until known or assigned */
	int64		profile_id;		/* before the batch; 0 for a new identifier */
	bool		quarantined;
	int32		priority;
	int			limited;		/* index into the limited kinds, or -1 */
	int			unit;
	/* where a new identifier was first seen */
	TimestampTz first_seen;
	int64		first_event_id;
	int32		source_id;
} CdpGraphNode;

/*
 * A pair of nodes joined (or refused), with the evidence that joined them
 * first.
 */
typedef struct CdpStitchLink
{
	int			a;
	int			b;
	int			event;			/* index into the batch */
	int			kind;			/* refused: the limited kind; else -1 */
} CdpStitchLink;

/* An identifier's entry in the batch's identifier hash. */
typedef struct CdpIdentEntry
{
	struct varlena *ident;
	uint32		hash;
	int			node;
	char		status;
} CdpIdentEntry;

#define SH_PREFIX		cdp_identmap
#define SH_ELEMENT_TYPE	CdpIdentEntry
#define SH_KEY_TYPE		struct varlena *
#define SH_KEY			ident
#define SH_HASH_KEY(tb, key) \
	hash_bytes((const unsigned char *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key))
#define SH_EQUAL(tb, a, b) CdpIdentEqual(a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* A pair of 64-bit ids (identity ids, or node indexes), smaller first. */
typedef struct CdpPairKey
{
	int64		a;
	int64		b;
} CdpPairKey;

typedef struct CdpPairEntry
{
	CdpPairKey	key;
	char		status;
} CdpPairEntry;

static inline uint32
cdp_pair_hash(int64 a, int64 b)
{
	return hash_combine(murmurhash32((uint32) (a ^ (a >> 32))),
						murmurhash32((uint32) (b ^ (b >> 32))));
}

#define SH_PREFIX		cdp_pairset
#define SH_ELEMENT_TYPE	CdpPairEntry
#define SH_KEY_TYPE		CdpPairKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, key) cdp_pair_hash((key).a, (key).b)
#define SH_EQUAL(tb, x, y) ((x).a == (y).a && (x).b == (y).b)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Everything one stitch works on. */
typedef struct CdpStitchBatch
{
	CdpStitchEvent *events;
	int			nevents;

	CdpGraphNode *nodes;
	int			nnodes;
	cdp_identmap_hash *by_ident;

	/* kinds with a max_per_profile */
	int			nlimited;
	char	  **limited_names;
	int32	   *limited_max;

	/* units: existing profiles, then new identifiers */
	int			nunits;
	int64	   *unit_min_profile;	/* at roots: smallest existing profile id */
	int32	   *unit_counts;	/* at roots: nunits x nlimited */
	bool	   *unit_traits;	/* at roots: gains trait values */
	int		   *unit_merge_event;	/* at roots: first event joining profiles */
	CdpUnionFind *uf;
	HTAB	   *unit_of_profile;	/* int64 profile id -> int unit */

	cdp_pairset_hash *unlinked;	/* identity id pairs never to join */
	CdpStitchLink *links;
	int			nlinks;
	cdp_pairset_hash *linked;	/* node pairs in links */
	CdpStitchLink *refusals;
	int			nrefusals;
} CdpStitchBatch;

typedef struct CdpProfileUnit
{
	int64		profile_id;		/* hash key */
	int			unit;
} CdpProfileUnit;

/* stitch_batch.c */
extern int	CdpStitchNodeOf(CdpStitchBatch *b, Datum ident);
extern CdpPairKey CdpStitchPair(int64 x, int64 y);
extern void CdpStitchAddResultPairs(cdp_pairset_hash *set);

/* stitch_write.c */
extern int64 *CdpStitchAssignProfiles(CdpStitchBatch *b, CdpStitchStats *stats);
extern void CdpStitchWriteNew(CdpStitchBatch *b, const int64 *assigned,
							  CdpStitchStats *stats);
extern void CdpStitchWriteMerges(CdpStitchBatch *b, const int64 *assigned,
								 CdpLogRows *log, CdpStitchStats *stats);
extern void CdpStitchLogRefusals(CdpStitchBatch *b, const int64 *assigned,
								 CdpLogRows *log, CdpStitchStats *stats);
extern void CdpStitchWriteEdges(CdpStitchBatch *b, CdpStitchStats *stats);
extern void CdpStitchWriteTraits(CdpStitchBatch *b);
extern void CdpStitchRefreshTouched(CdpStitchBatch *b, const int64 *assigned);

#endif							/* CDP_STITCH_BATCH_H */
