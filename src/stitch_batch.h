/*-------------------------------------------------------------------------
 *
 * stitch_batch.h
 *	  What one stitch works on, shared by stitch.c (joining) and
 *	  stitch_write.c (writing what the join decided).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDP_STITCH_BATCH_H
#define CDP_STITCH_BATCH_H

#include "common/hashfn.h"
#include "utils/hsearch.h"

#include "stitch.h"
#include "merge_log.h"
#include "union_find.h"

/* One distinct identifier of the batch. */
typedef struct GraphNode
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
} GraphNode;

/*
 * A pair of nodes joined (or refused), with the evidence that joined them
 * first.
 */
typedef struct Link
{
	int			a;
	int			b;
	int			event;			/* index into the batch */
	int			kind;			/* refused: the limited kind; else -1 */
} Link;

/* An identifier's entry in the batch's identifier hash. */
typedef struct IdentEntry
{
	struct varlena *ident;
	uint32		hash;
	int			node;
	char		status;
} IdentEntry;

#define SH_PREFIX		identmap
#define SH_ELEMENT_TYPE	IdentEntry
#define SH_KEY_TYPE		struct varlena *
#define SH_KEY			ident
#define SH_HASH_KEY(tb, key) \
	hash_bytes((const unsigned char *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key))
#define SH_EQUAL(tb, a, b) \
	(VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) && \
	 memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* A pair of 64-bit ids (identity ids, or node indexes), smaller first. */
typedef struct PairKey
{
	int64		a;
	int64		b;
} PairKey;

typedef struct PairEntry
{
	PairKey		key;
	char		status;
} PairEntry;

static inline uint32
pair_hash(int64 a, int64 b)
{
	return hash_combine(murmurhash32((uint32) (a ^ (a >> 32))),
						murmurhash32((uint32) (b ^ (b >> 32))));
}

#define SH_PREFIX		pairset
#define SH_ELEMENT_TYPE	PairEntry
#define SH_KEY_TYPE		PairKey
#define SH_KEY			key
#define SH_HASH_KEY(tb, key) pair_hash((key).a, (key).b)
#define SH_EQUAL(tb, x, y) ((x).a == (y).a && (x).b == (y).b)
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Everything one stitch works on. */
typedef struct Batch
{
	CdpStitchEvent *events;
	int			nevents;

	GraphNode	   *nodes;
	int			nnodes;
	identmap_hash *by_ident;

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

	pairset_hash *unlinked;		/* identity id pairs never to join */
	Link	   *links;
	int			nlinks;
	pairset_hash *linked;		/* node pairs in links */
	Link	   *refusals;
	int			nrefusals;
} Batch;

typedef struct ProfileUnit
{
	int64		profile_id;		/* hash key */
	int			unit;
} ProfileUnit;

extern int	CdpStitchNodeOf(Batch *b, Datum ident);
extern PairKey CdpStitchPair(int64 x, int64 y);
extern void CdpStitchAddResultPairs(pairset_hash *set);

extern int64 *CdpStitchAssignProfiles(Batch *b, CdpStitchStats *stats);
extern void CdpStitchWriteNew(Batch *b, const int64 *assigned, CdpStitchStats *stats);
extern void CdpStitchWriteMerges(Batch *b, const int64 *assigned, CdpLogRows *log,
								 CdpStitchStats *stats);
extern void CdpStitchLogRefusals(Batch *b, const int64 *assigned, CdpLogRows *log,
								 CdpStitchStats *stats);
extern void CdpStitchWriteEdges(Batch *b, CdpStitchStats *stats);
extern void CdpStitchWriteTraits(Batch *b);
extern void CdpStitchRefreshTouched(Batch *b, const int64 *assigned);

#endif							/* CDP_STITCH_BATCH_H */
