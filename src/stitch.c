/*-------------------------------------------------------------------------
 *
 * stitch.c
 *	  Deterministic identity stitching: identifiers seen together join one
 *	  profile, within the limits of cdp.identifier_kinds.
 *
 * A batch of evidence (events, or a manual link) is stitched as a whole:
 *
 * 1. every distinct identifier becomes a node; known ones are read from
 *    cdp.identities with their profile in one statement;
 * 2. each existing profile and each new identifier is a unit of a
 *    union-find; in each event the identifier of the highest priority is
 *    joined to each other one, unless one of them is quarantined, the pair
 *    was unlinked, or the join would give the profile more identifiers of
 *    a kind than its max_per_profile allows (the join is then refused and
 *    logged, and the lower-priority side stays apart);
 * 3. each resulting set keeps the oldest (smallest) profile id among its
 *    profiles, or gets a new one; the others are merged into it and stay
 *    resolvable through cdp.profile_aliases;
 * 4. new identities, new edges (first evidence of each pair, with
 *    provenance), merges, refusals and trait values are written with a
 *    fixed number of statements, and the golden records of the profiles
 *    touched are recomputed.
 *
 * Stitching runs under one transaction-level advisory lock, so each
 * stitcher sees everything the previous one committed: two sessions can
 * never make two profiles of one set of identifiers, and no stitcher waits
 * for another while holding something that one needs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "bulk_insert.h"
#include "catalog.h"
#include "ident.h"
#include "merge_log.h"
#include "spi_util.h"
#include "stitch.h"
#include "union_find.h"

/* The advisory lock all stitchers share: "cdp" and 1. */
#define STITCH_LOCK_KEY1	0x00636470
#define STITCH_LOCK_KEY2	1

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

static CdpPlanCache lookup_plan;
static CdpPlanCache limits_plan;
static CdpPlanCache counts_plan;
static CdpPlanCache unlinked_plan;
static CdpPlanCache edges_plan;
static CdpPlanCache merge_plans[4];
static CdpPlanCache traits_plan;
static CdpPlanCache refresh_plan;

/*
 * CdpStitchCheckIsolation refuses to stitch in a transaction that reads
 * from one snapshot: stitching must see what earlier stitchers committed.
 */
void
CdpStitchCheckIsolation(void)
{
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("identity stitching requires the READ COMMITTED isolation level"),
				 errhint("Ingest outside REPEATABLE READ and SERIALIZABLE transactions, or turn "
						 "cdp.inline_stitching off and stitch later with cdp.stitch_pending().")));
}

/*
 * CdpStitchLock takes the stitching lock for the rest of the transaction.
 * Stitching reads what earlier stitchers committed, so it needs a fresh
 * snapshot per statement: READ COMMITTED.
 */
void
CdpStitchLock(void)
{
	LOCKTAG		tag;

	CdpStitchCheckIsolation();
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, STITCH_LOCK_KEY1, STITCH_LOCK_KEY2, 2);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/* The row of cdp.identifier_kinds for ident's kind. */
static const CdpIdentKind *
kind_row(const struct varlena *ident)
{
	const char *name = CdpIdentKindOf(ident)->name;
	const CdpIdentKind *row = CdpIdentKindLookup(name, strlen(name));

	if (row == NULL)
		elog(ERROR, "identifier kind \"%s\" is not in cdp.identifier_kinds", name);
	return row;
}

/* Reads the kinds that have a max_per_profile. */
static void
load_limits(Batch *b)
{
	CdpExecute(CdpPlan(&limits_plan,
					   "SELECT kind, max_per_profile FROM cdp.identifier_kinds"
					   " WHERE max_per_profile IS NOT NULL ORDER BY kind", 0, NULL),
			   NULL, SPI_OK_SELECT);
	b->nlimited = SPI_processed;
	b->limited_names = palloc(Max(b->nlimited, 1) * sizeof(char *));
	b->limited_max = palloc(Max(b->nlimited, 1) * sizeof(int32));
	for (int k = 0; k < b->nlimited; k++)
	{
		bool		isnull;

		b->limited_names[k] = SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1);
		b->limited_max[k] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[k],
														SPI_tuptable->tupdesc, 2, &isnull));
	}
}

static int
limited_index(Batch *b, const char *kind)
{
	for (int k = 0; k < b->nlimited; k++)
		if (strcmp(b->limited_names[k], kind) == 0)
			return k;
	return -1;
}

/* Makes a node of every distinct identifier, in order of appearance. */
static void
collect_nodes(Batch *b)
{
	int			total = 0;

	for (int e = 0; e < b->nevents; e++)
		total += b->events[e].nidentifiers;
	b->nodes = palloc0(Max(total, 1) * sizeof(GraphNode));
	b->by_ident = identmap_create(CurrentMemoryContext, Max(total, 16), NULL);

	for (int e = 0; e < b->nevents; e++)
	{
		CdpStitchEvent *ev = &b->events[e];

		for (int i = 0; i < ev->nidentifiers; i++)
		{
			struct varlena *ident = DatumGetCdpIdentP(ev->identifiers[i]);
			bool		found;
			IdentEntry *entry = identmap_insert(b->by_ident, ident, &found);

			if (!found)
			{
				GraphNode	   *node = &b->nodes[b->nnodes];
				const CdpIdentKind *kind = kind_row(ident);

				node->ident = ident;
				node->priority = kind->priority;
				node->limited = limited_index(b, kind->name);
				node->first_seen = ev->occurred_at;
				node->first_event_id = ev->event_id;
				node->source_id = ev->source_id;
				entry->node = b->nnodes++;
			}
		}
	}
}

static int
node_of(Batch *b, Datum ident)
{
	return identmap_lookup(b->by_ident, DatumGetCdpIdentP(ident))->node;
}

/* Reads the nodes that are known identities, with their profiles. */
static void
lookup_nodes(Batch *b)
{
	Datum	   *idents = palloc(Max(b->nnodes, 1) * sizeof(Datum));
	Datum		arg;
	Oid			argtype = get_array_type(CdpTypeOid("ident"));

	for (int i = 0; i < b->nnodes; i++)
		idents[i] = PointerGetDatum(b->nodes[i].ident);
	arg = CdpDatumArray(idents, b->nnodes, CdpTypeOid("ident"));
	CdpExecute(CdpPlan(&lookup_plan,
					   "SELECT ident, identity_id, profile_id, quarantined FROM cdp.identities"
					   " WHERE ident = ANY ($1)", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		GraphNode	   *node = &b->nodes[node_of(b, SPI_getbinval(tuple, desc, 1, &isnull))];

		node->identity_id = DatumGetInt64(SPI_getbinval(tuple, desc, 2, &isnull));
		node->profile_id = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
		node->quarantined = DatumGetBool(SPI_getbinval(tuple, desc, 4, &isnull));
	}
}

/* Makes the units: one per existing profile, one per new identifier. */
static void
make_units(Batch *b)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(ProfileUnit);
	ctl.hcxt = CurrentMemoryContext;
	b->unit_of_profile = hash_create("cdp stitch profiles", Max(b->nnodes, 16), &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	b->unit_min_profile = palloc0(Max(b->nnodes, 1) * sizeof(int64));
	b->unit_counts = palloc0(Max(b->nnodes * b->nlimited, 1) * sizeof(int32));
	b->unit_traits = palloc0(Max(b->nnodes, 1) * sizeof(bool));
	b->unit_merge_event = palloc(Max(b->nnodes, 1) * sizeof(int));

	for (int i = 0; i < b->nnodes; i++)
	{
		GraphNode	   *node = &b->nodes[i];

		if (node->profile_id != 0)
		{
			bool		found;
			ProfileUnit *pu = hash_search(b->unit_of_profile, &node->profile_id,
										  HASH_ENTER, &found);

			if (!found)
			{
				pu->unit = b->nunits++;
				b->unit_min_profile[pu->unit] = node->profile_id;
			}
			node->unit = pu->unit;
		}
		else
		{
			node->unit = b->nunits++;
			if (node->limited >= 0)
				b->unit_counts[node->unit * b->nlimited + node->limited] = 1;
		}
	}
	for (int u = 0; u < b->nunits; u++)
		b->unit_merge_event[u] = -1;
	b->uf = CdpUnionFindCreate(b->nunits);
}

/*
 * Reads how many identifiers of each limited kind the existing profiles
 * that may join another one hold: those that share an event with an
 * identifier outside them.  Events that only restate a profile's own
 * identifiers (the usual case) need no count.
 */
static void
count_limited(Batch *b)
{
	int64	   *profiles = palloc(Max(b->nunits, 1) * sizeof(int64));
	bool	   *wanted = palloc0(Max(b->nunits, 1) * sizeof(bool));
	int			nprofiles = 0;
	Oid			argtypes[2] = {INT8ARRAYOID, TEXTARRAYOID};
	Datum		args[2];
	Datum	   *names;

	if (b->nlimited == 0)
		return;
	for (int e = 0; e < b->nevents; e++)
	{
		CdpStitchEvent *ev = &b->events[e];

		for (int i = 1; i < ev->nidentifiers; i++)
		{
			int			u0 = b->nodes[node_of(b, ev->identifiers[0])].unit;
			int			ui = b->nodes[node_of(b, ev->identifiers[i])].unit;

			if (u0 != ui)
			{
				/* Every identifier of this event may join the others. */
				for (int k = 0; k < ev->nidentifiers; k++)
					wanted[b->nodes[node_of(b, ev->identifiers[k])].unit] = true;
				break;
			}
		}
	}
	for (int u = 0; u < b->nunits; u++)
		if (wanted[u] && b->unit_min_profile[u] != 0)
			profiles[nprofiles++] = b->unit_min_profile[u];
	if (nprofiles == 0)
		return;

	names = palloc(b->nlimited * sizeof(Datum));
	for (int k = 0; k < b->nlimited; k++)
		names[k] = CStringGetTextDatum(b->limited_names[k]);
	args[0] = CdpInt8Array(profiles, nprofiles);
	args[1] = CdpDatumArray(names, b->nlimited, TEXTOID);
	CdpExecute(CdpPlan(&counts_plan,
					   "SELECT profile_id, cdp.ident_kind(ident) AS kind, count(*)::integer"
					   " FROM cdp.identities"
					   " WHERE profile_id = ANY ($1) AND cdp.ident_kind(ident) = ANY ($2)"
					   " GROUP BY 1, 2", 2, argtypes),
			   args, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		profile_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		int			k = limited_index(b, SPI_getvalue(tuple, desc, 2));
		ProfileUnit *pu = hash_search(b->unit_of_profile, &profile_id, HASH_FIND, NULL);

		b->unit_counts[pu->unit * b->nlimited + k] =
			DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull));
	}
}

/* Reads the unlinked pairs among the known identities. */
static void
lookup_unlinked(Batch *b)
{
	int64	   *ids = palloc(Max(b->nnodes, 1) * sizeof(int64));
	int			n = 0;
	Oid			argtype = INT8ARRAYOID;
	Datum		arg;

	b->unlinked = pairset_create(CurrentMemoryContext, 16, NULL);
	for (int i = 0; i < b->nnodes; i++)
		if (b->nodes[i].identity_id != 0)
			ids[n++] = b->nodes[i].identity_id;
	if (n < 2)
		return;
	arg = CdpInt8Array(ids, n);
	CdpExecute(CdpPlan(&unlinked_plan,
					   "SELECT a_id, b_id FROM cdp.unlinked_pairs"
					   " WHERE a_id = ANY ($1) AND b_id = ANY ($1)", 1, &argtype),
			   &arg, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull,
					found;
		PairKey		key;

		key.a = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
		key.b = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));
		pairset_insert(b->unlinked, key, &found);
	}
}

static PairKey
ordered_pair(int64 x, int64 y)
{
	PairKey		key;

	key.a = Min(x, y);
	key.b = Max(x, y);
	return key;
}

/*
 * The limited kind that joining the sets rooted at ru and rv would take
 * over its limit, or -1.
 */
static int
over_limit(Batch *b, int ru, int rv)
{
	for (int k = 0; k < b->nlimited; k++)
		if (b->unit_counts[ru * b->nlimited + k] + b->unit_counts[rv * b->nlimited + k] >
			b->limited_max[k])
			return k;
	return -1;
}

/* Joins the sets rooted at ru and rv, carrying their data to the new root. */
static void
join_units(Batch *b, int ru, int rv, int event)
{
	int			root = CdpUnionFindUnion(b->uf, ru, rv);
	int			other = (root == ru) ? rv : ru;
	int64		pa = b->unit_min_profile[root];
	int64		pb = b->unit_min_profile[other];

	if (pa != 0 && pb != 0 && b->unit_merge_event[root] < 0)
		b->unit_merge_event[root] = (b->unit_merge_event[other] >= 0) ?
			b->unit_merge_event[other] : event;
	else if (b->unit_merge_event[root] < 0)
		b->unit_merge_event[root] = b->unit_merge_event[other];
	b->unit_min_profile[root] = (pa == 0) ? pb : (pb == 0 ? pa : Min(pa, pb));
	for (int k = 0; k < b->nlimited; k++)
		b->unit_counts[root * b->nlimited + k] += b->unit_counts[other * b->nlimited + k];
	b->unit_traits[root] |= b->unit_traits[other];
}

static void
add_link(Link **list, int *n, int a, int bnode, int event, int kind)
{
	if (*n % 256 == 0)
		*list = (*n == 0) ? palloc(256 * sizeof(Link)) :
			repalloc(*list, (*n + 256) * sizeof(Link));
	(*list)[*n].a = a;
	(*list)[*n].b = bnode;
	(*list)[*n].event = event;
	(*list)[*n].kind = kind;
	(*n)++;
}

/* Applies the evidence of every event to the union-find. */
static void
join_events(Batch *b)
{
	b->linked = pairset_create(CurrentMemoryContext, Max(b->nnodes, 16), NULL);

	for (int e = 0; e < b->nevents; e++)
	{
		CdpStitchEvent *ev = &b->events[e];
		int			center = -1;

		/* The identifier of the highest priority joins the others. */
		for (int i = 0; i < ev->nidentifiers; i++)
		{
			int			n = node_of(b, ev->identifiers[i]);

			if (center < 0 || b->nodes[n].priority > b->nodes[center].priority)
				center = n;
		}
		for (int i = 0; i < ev->nidentifiers; i++)
		{
			int			x = node_of(b, ev->identifiers[i]);
			GraphNode	   *nc = &b->nodes[center];
			GraphNode	   *nx = &b->nodes[x];
			int			ru,
						rv;
			bool		found;

			if (x == center || nc->quarantined || nx->quarantined)
				continue;
			if (nc->identity_id != 0 && nx->identity_id != 0 &&
				pairset_lookup(b->unlinked, ordered_pair(nc->identity_id, nx->identity_id)) != NULL)
				continue;

			ru = CdpUnionFindFind(b->uf, nc->unit);
			rv = CdpUnionFindFind(b->uf, nx->unit);
			if (ru != rv)
			{
				int			k = ev->enforce_limits ? over_limit(b, ru, rv) : -1;

				if (k >= 0)
				{
					add_link(&b->refusals, &b->nrefusals, center, x, e, k);
					continue;
				}
				join_units(b, ru, rv, e);
			}
			pairset_insert(b->linked, ordered_pair(center, x), &found);
			if (!found)
				add_link(&b->links, &b->nlinks, center, x, e, -1);
		}
		if (ev->traits != NULL && ev->nidentifiers > 0)
		{
			int			anchor = node_of(b, ev->identifiers[0]);

			b->unit_traits[CdpUnionFindFind(b->uf, b->nodes[anchor].unit)] = true;
		}
	}
}

/*
 * The profile id each unit ends with: the oldest existing profile of its
 * set, or a new one.
 */
static int64 *
assign_profiles(Batch *b, CdpStitchStats *stats)
{
	int64	   *assigned = palloc0(Max(b->nunits, 1) * sizeof(int64));
	Oid			seq = CdpRelationOid("profiles_profile_id_seq");

	for (int u = 0; u < b->nunits; u++)
	{
		int			r = CdpUnionFindFind(b->uf, u);

		if (assigned[r] == 0)
		{
			if (b->unit_min_profile[r] != 0)
				assigned[r] = b->unit_min_profile[r];
			else
			{
				assigned[r] = nextval_internal(seq, false);
				stats->new_profiles++;
			}
		}
		assigned[u] = assigned[r];
	}
	return assigned;
}

/* Writes the new profiles and the new identities. */
static void
write_new(Batch *b, const int64 *assigned, CdpStitchStats *stats)
{
	static const char *const profile_columns[] = {
		"profile_id", "created_at", "updated_at", "traits", "computed"
	};
	static const char *const identity_columns[] = {
		"identity_id", "ident", "profile_id", "first_seen", "first_event_id",
		"source_id", "quarantined"
	};
	Oid			seq = CdpRelationOid("identities_identity_id_seq");
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	Datum		empty = DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"));
	CdpBulkInsert *bulk;

	if (stats->new_profiles > 0)
	{
		bulk = CdpBulkInsertBegin(CdpRelationOid("profiles"), profile_columns,
								  lengthof(profile_columns));
		for (int u = 0; u < b->nunits; u++)
		{
			Datum		values[5];
			bool		nulls[5] = {0};

			/* Once per new set: at its root. */
			if (CdpUnionFindFind(b->uf, u) != u || b->unit_min_profile[u] != 0)
				continue;
			values[0] = Int64GetDatum(assigned[u]);
			values[1] = TimestampTzGetDatum(now);
			values[2] = TimestampTzGetDatum(now);
			values[3] = empty;
			values[4] = empty;
			CdpBulkInsertRow(bulk, values, nulls);
		}
		CdpBulkInsertEnd(bulk);
	}

	bulk = CdpBulkInsertBegin(CdpRelationOid("identities"), identity_columns,
							  lengthof(identity_columns));
	for (int i = 0; i < b->nnodes; i++)
	{
		GraphNode	   *node = &b->nodes[i];
		Datum		values[7];
		bool		nulls[7] = {0};

		if (node->identity_id != 0)
			continue;
		node->identity_id = nextval_internal(seq, false);
		stats->new_identities++;
		values[0] = Int64GetDatum(node->identity_id);
		values[1] = PointerGetDatum(node->ident);
		values[2] = Int64GetDatum(assigned[node->unit]);
		values[3] = TimestampTzGetDatum(node->first_seen);
		values[4] = Int64GetDatum(node->first_event_id);
		nulls[4] = (node->first_event_id == 0);
		values[5] = Int32GetDatum(node->source_id);
		nulls[5] = (node->source_id == 0);
		values[6] = BoolGetDatum(false);
		CdpBulkInsertRow(bulk, values, nulls);
	}
	CdpBulkInsertEnd(bulk);
}

/*
 * Merges every existing profile whose set kept another profile id into
 * that one: identities and aliases move, the absorbed row goes (the
 * survivor keeps the earliest created_at), and each merge is logged with
 * the evidence that first joined profiles in its set.
 */
static void
write_merges(Batch *b, const int64 *assigned, CdpLogRows *log, CdpStitchStats *stats)
{
	int64	   *absorbed = palloc(Max(b->nunits, 1) * sizeof(int64));
	int64	   *survivor = palloc(Max(b->nunits, 1) * sizeof(int64));
	int			n = 0;
	Oid			argtypes[2] = {INT8ARRAYOID, INT8ARRAYOID};
	Datum		args[2];
	HASH_SEQ_STATUS seq;
	ProfileUnit *pu;
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

	hash_seq_init(&seq, b->unit_of_profile);
	while ((pu = hash_seq_search(&seq)) != NULL)
	{
		int			root = CdpUnionFindFind(b->uf, pu->unit);
		const CdpStitchEvent *ev;

		if (assigned[pu->unit] == pu->profile_id)
			continue;
		absorbed[n] = pu->profile_id;
		survivor[n] = assigned[pu->unit];
		n++;
		ev = &b->events[b->unit_merge_event[root]];
		CdpLogRow(log, "merge", assigned[pu->unit], pu->profile_id, 0, 0, ev->event_id,
				  ev->source_id, ev->reason ? ev->reason : ev->rule);
	}
	if (n == 0)
		return;
	stats->merges += n;
	args[0] = CdpInt8Array(absorbed, n);
	args[1] = CdpInt8Array(survivor, n);
	for (int s = 0; s < (int) lengthof(merge_sql); s++)
		CdpExecute(CdpPlan(&merge_plans[s], merge_sql[s], 2, argtypes), args, merge_result[s]);
}

/* Logs the refused links with the limit that refused them. */
static void
log_refusals(Batch *b, const int64 *assigned, CdpLogRows *log, CdpStitchStats *stats)
{
	for (int i = 0; i < b->nrefusals; i++)
	{
		Link	   *l = &b->refusals[i];
		GraphNode	   *x = &b->nodes[l->a];
		GraphNode	   *y = &b->nodes[l->b];
		int32		max = b->limited_max[l->kind];

		CdpLogRow(log, "refuse", assigned[x->unit], assigned[y->unit], x->identity_id,
				  y->identity_id, b->events[l->event].event_id, b->events[l->event].source_id,
				  psprintf("joining would give one profile more than %d %s identifier%s",
						 max, b->limited_names[l->kind], max == 1 ? "" : "s"));
	}
	stats->refused += b->nrefusals;
}

/*
 * Writes the edges that are new: the first evidence of each pair.  Pairs
 * of known identities may have an edge already.
 */
static void
write_edges(Batch *b, CdpStitchStats *stats)
{
	static const char *const edge_columns[] = {
		"a_id", "b_id", "rule", "reason", "event_id", "source_id", "created_at"
	};
	int64	   *known_a = palloc(Max(b->nlinks, 1) * sizeof(int64));
	int64	   *known_b = palloc(Max(b->nlinks, 1) * sizeof(int64));
	int			nknown = 0;
	pairset_hash *existing = pairset_create(CurrentMemoryContext, 16, NULL);
	CdpBulkInsert *bulk;
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	if (b->nlinks == 0)
		return;
	for (int i = 0; i < b->nlinks; i++)
	{
		GraphNode	   *x = &b->nodes[b->links[i].a];
		GraphNode	   *y = &b->nodes[b->links[i].b];

		if (x->profile_id != 0 && y->profile_id != 0)
		{
			PairKey		key = ordered_pair(x->identity_id, y->identity_id);

			known_a[nknown] = key.a;
			known_b[nknown] = key.b;
			nknown++;
		}
	}
	if (nknown > 0)
	{
		Oid			argtypes[2] = {INT8ARRAYOID, INT8ARRAYOID};
		Datum		args[2];

		args[0] = CdpInt8Array(known_a, nknown);
		args[1] = CdpInt8Array(known_b, nknown);
		CdpExecute(CdpPlan(&edges_plan,
						   "SELECT e.a_id, e.b_id FROM cdp.identity_edges e"
						   " JOIN ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS p(a_id, b_id)"
						   "   ON e.a_id = p.a_id AND e.b_id = p.b_id", 2, argtypes),
				   args, SPI_OK_SELECT);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull,
						found;
			PairKey		key;

			key.a = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
			key.b = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));
			pairset_insert(existing, key, &found);
		}
	}

	bulk = CdpBulkInsertBegin(CdpRelationOid("identity_edges"), edge_columns,
							  lengthof(edge_columns));
	for (int i = 0; i < b->nlinks; i++)
	{
		Link	   *l = &b->links[i];
		CdpStitchEvent *ev = &b->events[l->event];
		PairKey		key = ordered_pair(b->nodes[l->a].identity_id, b->nodes[l->b].identity_id);
		Datum		values[7];
		bool		nulls[7] = {0};

		if (pairset_lookup(existing, key) != NULL)
			continue;
		values[0] = Int64GetDatum(key.a);
		values[1] = Int64GetDatum(key.b);
		values[2] = CStringGetTextDatum(ev->rule);
		values[3] = ev->reason ? CStringGetTextDatum(ev->reason) : (Datum) 0;
		nulls[3] = (ev->reason == NULL);
		values[4] = Int64GetDatum(ev->event_id);
		nulls[4] = (ev->event_id == 0);
		values[5] = Int32GetDatum(ev->source_id);
		nulls[5] = (ev->source_id == 0);
		values[6] = TimestampTzGetDatum(now);
		CdpBulkInsertRow(bulk, values, nulls);
		stats->new_edges++;
	}
	CdpBulkInsertEnd(bulk);
}

/*
 * Records the trait values of identify events against the identity whose
 * event it is: one row per identity, trait, source and value, counting
 * how often and when it was seen.
 */
static void
write_traits(Batch *b)
{
	int			cap = 0;
	int			n = 0;
	int64	   *identity_ids;
	Datum	   *traits;
	Datum	   *values;
	int32	   *source_ids;
	Datum	   *seen;
	Oid			argtypes[5] = {INT8ARRAYOID, TEXTARRAYOID, JSONBARRAYOID, INT4ARRAYOID,
	TIMESTAMPTZARRAYOID};
	Datum		args[5];

	for (int e = 0; e < b->nevents; e++)
		if (b->events[e].traits != NULL)
			cap += JsonContainerSize(&b->events[e].traits->root);
	if (cap == 0)
		return;
	identity_ids = palloc(cap * sizeof(int64));
	traits = palloc(cap * sizeof(Datum));
	values = palloc(cap * sizeof(Datum));
	source_ids = palloc(cap * sizeof(int32));
	seen = palloc(cap * sizeof(Datum));

	for (int e = 0; e < b->nevents; e++)
	{
		CdpStitchEvent *ev = &b->events[e];
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;
		int64		identity_id;

		if (ev->traits == NULL || ev->nidentifiers == 0)
			continue;
		identity_id = b->nodes[node_of(b, ev->identifiers[0])].identity_id;
		it = JsonbIteratorInit(&ev->traits->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok != WJB_KEY)
				continue;
			traits[n] = PointerGetDatum(cstring_to_text_with_len(v.val.string.val, v.val.string.len));
			tok = JsonbIteratorNext(&it, &v, true);
			if (v.type == jbvNull)
				continue;
			identity_ids[n] = identity_id;
			values[n] = JsonbPGetDatum(JsonbValueToJsonb(&v));
			source_ids[n] = ev->source_id;
			seen[n] = TimestampTzGetDatum(ev->occurred_at);
			n++;
		}
	}
	if (n == 0)
		return;
	args[0] = CdpInt8Array(identity_ids, n);
	args[1] = CdpDatumArray(traits, n, TEXTOID);
	args[2] = CdpDatumArray(values, n, JSONBOID);
	args[3] = CdpInt4Array(source_ids, n);
	args[4] = CdpDatumArray(seen, n, TIMESTAMPTZOID);
	CdpExecute(CdpPlan(&traits_plan,
					   "INSERT INTO cdp.trait_values AS t"
					   " (identity_id, trait, value, source_id, first_seen, last_seen, times)"
					   " SELECT v.identity_id, v.trait, v.value, v.source_id,"
					   "        pg_catalog.min(v.seen), pg_catalog.max(v.seen), pg_catalog.count(*)"
					   " FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3),"
					   "   pg_catalog.unnest($4), pg_catalog.unnest($5)) AS v(identity_id, trait, value, source_id, seen)"
					   " GROUP BY 1, 2, 3, 4"
					   " ON CONFLICT (identity_id, trait, source_id, value) DO UPDATE"
					   " SET first_seen = LEAST(t.first_seen, excluded.first_seen),"
					   "     last_seen = GREATEST(t.last_seen, excluded.last_seen),"
					   "     times = t.times + excluded.times", 5, argtypes),
			   args, SPI_OK_INSERT);
}

/*
 * CdpRefreshProfiles recomputes the golden record of the profiles and
 * marks them updated.  SPI must be connected.
 */
void
CdpRefreshProfiles(const int64 *profile_ids, int n)
{
	Oid			argtype = INT8ARRAYOID;
	Datum		arg;

	if (n == 0)
		return;
	arg = CdpInt8Array(profile_ids, n);
	CdpExecute(CdpPlan(&refresh_plan, "SELECT cdp.refresh_profiles($1)", 1, &argtype),
			   &arg, SPI_OK_SELECT);
}

/*
 * Recomputes the golden records that may have changed: of profiles that
 * got trait values or merged.  An identifier joining a profile brings no
 * trait values of its own.
 */
static void
refresh_touched(Batch *b, const int64 *assigned)
{
	int64	   *ids = palloc(Max(b->nunits, 1) * sizeof(int64));
	int			n = 0;

	for (int u = 0; u < b->nunits; u++)
	{
		int			r = CdpUnionFindFind(b->uf, u);

		if (r == u && (b->unit_traits[u] || b->unit_merge_event[u] >= 0))
			ids[n++] = assigned[u];
	}
	CdpRefreshProfiles(ids, n);
}

/*
 * CdpStitch stitches the evidence events[0..n) into the identity graph and
 * adds what it did to *stats.  The caller has connected SPI.
 */
void
CdpStitch(CdpStitchEvent *events, int n, CdpStitchStats *stats)
{
	Batch		b;
	int64	   *assigned;
	CdpLogRows	log;

	memset(&b, 0, sizeof(b));
	b.events = events;
	b.nevents = n;

	CdpStitchLock();
	load_limits(&b);
	collect_nodes(&b);
	if (b.nnodes == 0)
		return;
	lookup_nodes(&b);
	make_units(&b);
	count_limited(&b);
	lookup_unlinked(&b);
	join_events(&b);

	assigned = assign_profiles(&b, stats);
	write_new(&b, assigned, stats);
	CdpLogRowsInit(&log);
	write_merges(&b, assigned, &log, stats);
	log_refusals(&b, assigned, &log, stats);
	CdpLogRowsWrite(&log);
	write_edges(&b, stats);
	write_traits(&b);
	refresh_touched(&b, assigned);
}
